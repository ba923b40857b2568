"""Categories past the brainstorm: the dot vote's and the points' `per_category` budget (each
participant spends the budget in every category; over it is `over_budget` naming the
category), the results' `select_per_category` (the top N of each category), and the category
(and a risk's `mitigated_by`) kept by the carry-over to a new workshop and by the export and
import. Through the real Socket.IO test client, HTTP and database; every refusal writes
nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session, col, select

from tests.factories import Room, ack, ok
from tests.plan_samples import full_plan
from tests.test_decision_events import Desk, open_desk, put_agenda, stage_body, step
from tests.test_events import database, refuse
from workshop.activities.link import LinkProposal
from workshop.core import levels
from workshop.core.errors import DomainError
from workshop.persistence.db import get_engine
from workshop.persistence.models import Idea, Stage, Workshop
from workshop.plan.ideas_csv import render_csv
from workshop.services import transfer

TWO = [
    {"key": "keep", "label": "Keep", "hint": ""},
    {"key": "change", "label": "Change", "hint": ""},
]


def send(sock: Any, stage_id: int, text: str, category: str | None) -> int:
    payload: dict[str, Any] = {"stage_id": stage_id, "text": text}
    if category is not None:
        payload["category"] = category
    idea_id: int = ok(sock, "idea:submit", payload)["idea"]["id"]
    return idea_id


def keyed(given: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in given.items()}


def categorised(room: Room, *steps: dict[str, Any]) -> tuple[Desk, dict[str, int]]:
    """A stage with the categories Keep and Change and these steps after its brainstorm;
    ideas K1, K2, K3 (keep) and C1, C2 (change), written in that order."""
    desk = open_desk(room, step("brainstorm", categories=TWO), *steps)
    ids = {}
    for n, (text, category) in enumerate(
        [("K1", "keep"), ("K2", "keep"), ("K3", "keep"), ("C1", "change"), ("C2", "change")]
    ):
        ids[text] = send(desk.people[n % 3].sock, desk.sid, text, category)
    desk.settle()
    return desk, ids


# --------------------------------------------------------------------------- per_category budgets


KINDS = {
    "vote": ("votes:set", "votes", {"dot_budget": 3, "max_dots_per_idea": 2}, "dots"),
    "allocate": ("allocation:set", "points", {"budget": 10, "per_item_cap": 8}, "points"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_budget_applies_in_each_category(room: Room, kind: str) -> None:
    event, key, settings, unit = KINDS[kind]
    budget = settings.get("dot_budget", settings.get("budget"))
    cap = settings.get("max_dots_per_idea", settings.get("per_item_cap"))
    assert isinstance(budget, int) and isinstance(cap, int)
    desk, ids = categorised(room, step(kind, per_category=True, **settings), step("done"))
    desk.to(kind)
    desk.settle()
    # The whole budget in Keep and the whole budget in Change: accepted.
    keep = {ids["K1"]: cap, ids["K2"]: budget - cap}
    change = {ids["C1"]: cap, ids["C2"]: budget - cap}
    answer = ok(desk.ana.sock, event, {"stage_id": desk.sid, key: keyed({**keep, **change})})
    assert answer[key] == keyed(dict(sorted({**keep, **change}.items())))
    assert answer["remaining"] == 0
    assert answer["remaining_by_category"] == {"keep": 0, "change": 0}
    # Less in Change: what is left says where.
    partial = ok(desk.ben.sock, event, {"stage_id": desk.sid, key: keyed({ids["C1"]: 1})})
    assert partial["remaining"] == 2 * budget - 1
    assert partial["remaining_by_category"] == {"keep": budget, "change": budget - 1}
    # The phone's `me` says what is left in all, on a new connection too.
    _stage, me = desk.phone(desk.ben)
    left = "remaining" if kind == "vote" else "points_left"
    assert me[left][str(desk.sid)] == 2 * budget - 1
    desk.settle()
    # Over the budget in one category is refused, naming it, and nothing is written.
    over = {ids["K1"]: cap, ids["K2"]: cap, ids["K3"]: cap}
    payload = {"stage_id": desk.sid, key: keyed(over)}
    refuse(room, desk.cy.sock, event, payload, "over_budget")
    message = ack(desk.cy.sock, event, payload)["error"]["message"]
    assert f"You have {budget} {unit} for Keep" in message
    assert f"spends {3 * cap} there" in message
    # The per-idea cap is unchanged.
    refuse(
        room,
        desk.cy.sock,
        event,
        {"stage_id": desk.sid, key: keyed({ids["C1"]: cap + 1})},
        "over_cap",
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_without_per_category_the_budget_is_for_every_item(room: Room, kind: str) -> None:
    event, key, settings, _unit = KINDS[kind]
    budget = settings.get("dot_budget", settings.get("budget"))
    assert isinstance(budget, int)
    desk, ids = categorised(room, step(kind, **settings), step("done"))
    desk.to(kind)
    desk.settle()
    one = {ids["K1"]: 1, ids["C1"]: 1}
    answer = ok(desk.ana.sock, event, {"stage_id": desk.sid, key: keyed(one)})
    assert answer == {"ok": True, key: keyed(one), "remaining": budget - 2}
    # Within the cap on each item, but over the one budget in all.
    third = budget // 3 + 1
    everywhere = {ids["K1"]: third, ids["K2"]: third, ids["C1"]: third}
    refuse(
        room, desk.ben.sock, event, {"stage_id": desk.sid, key: keyed(everywhere)}, "over_budget"
    )


def test_per_category_on_a_stage_without_categories_changes_nothing(room: Room) -> None:
    desk = open_desk(
        room, step("brainstorm"), step("vote", dot_budget=3, per_category=True), step("done")
    )
    ideas = desk.ideas(3)
    desk.to("vote")
    desk.settle()
    answer = ok(desk.ana.sock, "votes:set", {"stage_id": desk.sid, "votes": keyed({ideas[0]: 2})})
    assert answer == {"ok": True, "votes": keyed({ideas[0]: 2}), "remaining": 1}
    refuse(
        room,
        desk.ben.sock,
        "votes:set",
        {"stage_id": desk.sid, "votes": keyed({ideas[0]: 2, ideas[1]: 2})},
        "over_budget",
    )


# --------------------------------------------------------------------------- select_per_category


def decided(desk: Desk) -> tuple[list[int], dict[int, dict[str, Any]]]:
    """The selected ids (in the order the stage keeps them) and the results rows by idea."""
    desk.to("done")
    desk.settle()
    console = desk.console()
    return [item["id"] for item in console["selected"]], {
        row["idea_id"]: row for row in console["results"]
    }


def test_the_top_of_each_category_is_selected(room: Room) -> None:
    desk, ids = categorised(
        room,
        step("vote", dot_budget=6, max_dots_per_idea=3),
        step("done", select_count=1, select_per_category=2),
    )
    desk.to("vote")
    # Dots: K3 6, K1 3, C2 3, K2 2, C1 1. The top 2 of Keep (K3, K1) and of Change (C2, C1).
    ok(
        desk.ana.sock,
        "votes:set",
        {"stage_id": desk.sid, "votes": keyed({ids["K3"]: 3, ids["K1"]: 3})},
    )
    ok(
        desk.ben.sock,
        "votes:set",
        {"stage_id": desk.sid, "votes": keyed({ids["K3"]: 3, ids["C2"]: 3})},
    )
    ok(
        desk.cy.sock,
        "votes:set",
        {"stage_id": desk.sid, "votes": keyed({ids["K2"]: 2, ids["C1"]: 1})},
    )
    selected, rows = decided(desk)
    assert set(selected) == {ids["K3"], ids["K1"], ids["C2"], ids["C1"]}
    assert [rows[i]["selected"] for i in (ids["K3"], ids["K1"], ids["K2"])] == [True, True, False]
    assert {rows[i]["category"] for i in selected} == {"keep", "change"}
    # The stage says how it selects; every screen reads it.
    assert desk.console()["select_per_category"] == 2
    assert desk.screen()["select_per_category"] == 2


def test_ties_fall_to_the_earlier_idea_as_with_select_count(room: Room) -> None:
    desk, ids = categorised(
        room,
        step("vote", dot_budget=3, max_dots_per_idea=1),
        step("done", select_count=5, select_per_category=1),
    )
    desk.to("vote")
    # K1, K2 and K3 have a dot each: K1, written first, is Keep's; C2 has more than C1.
    ok(
        desk.ana.sock,
        "votes:set",
        {"stage_id": desk.sid, "votes": keyed({ids["K1"]: 1, ids["K2"]: 1, ids["C2"]: 1})},
    )
    ok(desk.ben.sock, "votes:set", {"stage_id": desk.sid, "votes": keyed({ids["K3"]: 1})})
    selected, _rows = decided(desk)
    assert set(selected) == {ids["K1"], ids["C2"]}


def test_without_a_vote_the_first_written_of_each_category_are_selected(room: Room) -> None:
    desk, ids = categorised(room, step("done", select_per_category=1))
    selected, _rows = decided(desk)
    assert set(selected) == {ids["K1"], ids["C1"]}
    # A decided stage that selected per category takes no forgotten item.
    refuse(
        room,
        desk.fac,
        "idea:submit",
        {"stage_id": desk.sid, "text": "Late", "category": "keep"},
        "wrong_phase",
    )


def test_select_per_category_on_a_stage_without_categories_selects_by_select_count(
    room: Room,
) -> None:
    desk = open_desk(room, step("brainstorm"), step("done", select_count=2, select_per_category=1))
    ideas = desk.ideas(4)
    desk.to("done")
    desk.settle()
    console = desk.console()
    assert [item["id"] for item in console["selected"]] == ideas[:2]
    assert "select_per_category" not in console
    assert all("category" not in row for row in console["results"])
    # It selected 2, not every item: a forgotten item is not taken (and not selected).
    refuse(room, desk.fac, "idea:submit", {"stage_id": desk.sid, "text": "Late"}, "wrong_phase")


# --------------------------------------------------------------------------- carry-over, transfer


def swot_and_risks(room: Room) -> tuple[dict[str, int], dict[str, int]]:
    """A decided situation stage (SWOT, every item kept), decided projects and risks, and a
    risk the facilitator says a project mitigates (and a participant's proposal saying so)."""
    stages = put_agenda(
        room,
        [
            stage_body("situation", [step("brainstorm"), step("done", select_count=0)]),
            stage_body("projects", [step("brainstorm"), step("done", select_count=0)]),
            stage_body("risks", [step("brainstorm"), step("done", select_count=0)]),
        ],
    )
    fac = room.facilitator()
    ana = room.participant("Ana")
    ids: dict[str, int] = {}
    for text, category in (("Loyal clients", "strengths"), ("New rival", "threats")):
        ids[text] = send(fac, stages["situation"], text, category)
    ids["Pilot"] = send(fac, stages["projects"], "Pilot", None)
    ids["Delay"] = send(fac, stages["risks"], "Delay", None)
    for key in ("situation", "projects", "risks"):
        ok(fac, "stage:phase", {"stage_id": stages[key], "phase": "brainstorm"})
        ok(fac, "stage:phase", {"stage_id": stages[key], "phase": "done"})
    with Session(get_engine(room.app)) as db:
        risk = db.get(Idea, ids["Delay"])
        assert risk is not None
        risk.mitigated_by = [ids["Pilot"]]
        db.add(risk)
        db.add(
            LinkProposal(
                participant_id=ana.id,
                idea_id=ids["Delay"],
                stage_id=stages["risks"],
                parent_ids=[],
                mitigated_by=[ids["Pilot"]],
            )
        )
        db.commit()
    return stages, ids


def test_a_carried_item_keeps_its_category_and_its_mitigations(room: Room) -> None:
    _stages, _ids = swot_and_risks(room)
    response = room.client.post(
        f"/api/workshops/{room.id}/duplicate",
        json={"carry_over": ["situation", "projects", "risks"]},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    with Session(get_engine(room.app)) as db:
        carried = {
            idea.text: idea
            for idea in db.exec(
                select(Idea).where(Idea.workshop_id == new_id).order_by(col(Idea.id))
            )
        }
    assert {text: idea.category for text, idea in carried.items()} == {
        "Loyal clients": "strengths",
        "New rival": "threats",
        "Pilot": None,
        "Delay": None,
    }
    assert carried["Delay"].mitigated_by == [carried["Pilot"].id]
    # Without the projects, the mitigation has nothing to name and is left out.
    response = room.client.post(
        f"/api/workshops/{room.id}/duplicate",
        json={"carry_over": ["risks"]},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 201
    with Session(get_engine(room.app)) as db:
        alone = db.exec(select(Idea).where(Idea.workshop_id == response.get_json()["id"])).one()
    assert (alone.text, alone.mitigated_by) == ("Delay", [])


def test_every_screen_shows_a_risks_confirmed_mitigations(room: Room) -> None:
    stages, ids = swot_and_risks(room)
    phone = room.participant("Ben")
    screen = room.projector()
    present = ok(screen, "present", {"workshop_id": room.id, "token": room.projector_token})
    for state in (room.facilitator_state(), phone.state, present["state"]):
        risks = {
            i["id"]: i
            for i in next(s for s in state["stages"] if s["id"] == stages["risks"])["ideas"]
        }
        assert risks[ids["Delay"]]["mitigated_by"] == [ids["Pilot"]]
        projects = next(s for s in state["stages"] if s["id"] == stages["projects"])["ideas"]
        assert all("mitigated_by" not in item for item in projects)


def test_next_years_copy_runs_an_old_custom_stage_as_it_ran(room: Room) -> None:
    """A "situation" stage stored before categories existed (its brainstorm has no
    `categories`) stays a plain brainstorm in next year's workshop: no SWOT is added."""
    stages = put_agenda(
        room,
        [
            stage_body(
                "situation", [step("brainstorm", categories=[]), step("done", select_count=0)]
            )
        ],
    )
    with Session(get_engine(room.app)) as db:
        stage = db.get(Stage, stages["situation"])
        assert stage is not None
        stored = [dict(s) for s in stage.steps]
        stored[0] = {"kind": "brainstorm", "settings": {"private": False, "named": False}}
        stage.steps = stored
        db.add(stage)
        db.commit()
    response = room.client.post(
        f"/api/workshops/{room.id}/duplicate",
        json={},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 201, response.get_json()
    with Session(get_engine(room.app)) as db:
        copied = db.exec(select(Stage).where(Stage.workshop_id == response.get_json()["id"])).one()
    assert copied.steps[0]["settings"]["categories"] == []


def test_export_and_import_keep_categories_and_remap_mitigations(room: Room) -> None:
    _stages, ids = swot_and_risks(room)
    engine = get_engine(room.app)
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
    rows = {row["text"]: row for row in exported["ideas"]}
    assert rows["New rival"]["category"] == "threats"
    assert rows["Delay"]["mitigated_by"] == [ids["Pilot"]]
    with Session(engine) as db:
        copy, _key = transfer.import_workshop(db, exported)
        new_id = copy.id
    with Session(engine) as db:
        ideas = {i.text: i for i in db.exec(select(Idea).where(Idea.workshop_id == new_id))}
        proposals = list(
            db.exec(select(LinkProposal).where(col(LinkProposal.idea_id) == ideas["Delay"].id))
        )
    assert ideas["Pilot"].id != ids["Pilot"]
    assert {t: i.category for t, i in ideas.items()} == {
        "Loyal clients": "strengths",
        "New rival": "threats",
        "Pilot": None,
        "Delay": None,
    }
    assert ideas["Delay"].mitigated_by == [ideas["Pilot"].id]
    assert [p.mitigated_by for p in proposals] == [[ideas["Pilot"].id]]
    # The copy exports as the source did, but for its ids.
    with Session(engine) as db:
        again = transfer.export_workshop(db, db.get(Workshop, new_id))  # type: ignore[arg-type]
    assert [(r["text"], r["category"]) for r in again["ideas"]] == [
        (r["text"], r["category"]) for r in exported["ideas"]
    ]


def test_an_export_made_before_categories_still_imports(room: Room) -> None:
    _stages, _ids = swot_and_risks(room)
    engine = get_engine(room.app)
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
    for row in exported["ideas"]:
        del row["category"], row["mitigated_by"]
    exported["activities"].pop("link", None)
    with Session(engine) as db:
        copy, _key = transfer.import_workshop(db, exported)
        new_id = copy.id
    with Session(engine) as db:
        ideas = list(db.exec(select(Idea).where(Idea.workshop_id == new_id)))
    assert ideas and all(i.category is None and i.mitigated_by == [] for i in ideas)


@pytest.mark.parametrize(
    ("text", "category", "words"),
    [
        ("New rival", "risks", "'risks' is not a category of its stage"),
        ("Pilot", "threats", "'threats' is not a category of its stage (none)"),
        ("New rival", "t" * 41, "is longer than 40 characters"),
    ],
)
def test_an_imported_category_must_be_its_stages(
    room: Room, text: str, category: str, words: str
) -> None:
    swot_and_risks(room)
    engine = get_engine(room.app)
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
    n, idea = next((n, r) for n, r in enumerate(exported["ideas"]) if r["text"] == text)
    idea["category"] = category
    before = database(room.app)
    with Session(engine) as db, pytest.raises(DomainError) as caught:
        transfer.import_workshop(db, exported)
    assert caught.value.code == "invalid_import"
    assert caught.value.message.startswith(f"ideas[{n}].category: ")
    assert words in caught.value.message
    assert database(room.app) == before


def test_a_mitigation_naming_an_idea_not_in_the_file_is_refused(room: Room) -> None:
    _stages, ids = swot_and_risks(room)
    engine = get_engine(room.app)
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
    n, risk = next((n, r) for n, r in enumerate(exported["ideas"]) if r["text"] == "Delay")
    risk["mitigated_by"] = [10**9]
    before = database(room.app)
    with Session(engine) as db, pytest.raises(Exception) as caught:
        transfer.import_workshop(db, exported)
    assert getattr(caught.value, "code", None) == "invalid_import"
    assert f"ideas[{n}].mitigated_by[0]" in str(caught.value)
    assert database(room.app) == before
    assert ids


# --------------------------------------------------------------------------- ideas.csv


def csv_table(plan: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_csv(plan).decode("utf-8-sig"), newline="")))


def test_ideas_csv_names_each_ideas_category_only_when_the_plan_has_categories() -> None:
    plain = full_plan()
    table = csv_table(plain)
    assert "Category" not in table[0]
    assert table[0][:3] == ["Stage", "Level", "Rank"]
    first = plain.stages[0]
    swot = replace(
        first,
        key="situation",
        categories=tuple(dict(category) for category in levels.SWOT),
        items=tuple(
            replace(item, category=("threats" if n == 0 else None))
            for n, item in enumerate(first.items)
        ),
    )
    table = csv_table(replace(plain, stages=(swot, *plain.stages[1:])))
    assert table[0][:4] == ["Stage", "Level", "Category", "Rank"]
    assert all(len(row) == len(table[0]) for row in table)
    assert [row[2] for row in table[1 : 1 + len(first.items)]] == ["Threats"] + [""] * (
        len(first.items) - 1
    )
    # Every other stage's rows leave the cell empty.
    assert {row[2] for row in table[1 + len(first.items) :]} == {""}
