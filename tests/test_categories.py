"""The categorised brainstorm (`workshop/activities/brainstorm.py`): the `categories` setting
and its defaults per level (a situation stage is a SWOT, an environment stage a PESTLE), the
`category` of `idea:submit` (participants and the facilitator; `unknown_category`), moving an
idea with `idea:update` (the facilitator, until the stage is decided), and the category in
every idea JSON the console, the projector and the phones get. Through the real Socket.IO test
client and database; every refusal writes nothing.

Most tests run on one stage (`choices`) with a SWOT brainstorm, a dot vote and results,
driven from a console, a projector and three phones (Ana, Ben, Cy): `open_desk` of
tests/test_decision_events.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from tests.factories import Room, ack, error_code, ok, received
from tests.test_decision_events import Desk, open_desk, put_agenda, stage_body, step
from tests.test_events import database, refuse, settle, stage_of, until
from workshop import activities
from workshop.core import levels
from workshop.core.errors import DomainError
from workshop.persistence.db import get_engine
from workshop.persistence.models import Idea

SWOT = [dict(category) for category in levels.SWOT]
TWO = [
    {"key": "keep", "label": "Keep", "hint": "What works"},
    {"key": "change", "label": "Change", "hint": ""},
]
SWOT_VOTE_DONE = (
    step("brainstorm", categories=SWOT),
    step("vote", dot_budget=3, max_dots_per_idea=3),
    step("done", select_count=2),
)


# --------------------------------------------------------------------------- helpers


def send(sock: Any, stage_id: int, text: str, category: str | None = None, **more: Any) -> Any:
    payload: dict[str, Any] = {"stage_id": stage_id, "text": text, **more}
    if category is not None:
        payload["category"] = category
    return ack(sock, "idea:submit", payload)


def row(desk: Desk, idea_id: int) -> Idea:
    with Session(get_engine(desk.room.app)) as db:
        idea = db.get(Idea, idea_id)
        assert idea is not None
        db.expunge(idea)
        return idea


def by_id(stage: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {idea["id"]: idea for idea in stage["ideas"]}


@pytest.fixture
def desk(room: Room) -> Desk:
    """An open SWOT brainstorm with a vote and results after it; nothing sent yet."""
    return open_desk(room, *SWOT_VOTE_DONE)


def filed(desk: Desk) -> dict[str, int]:
    """One idea per SWOT category: a strength (Ana), a weakness (Ben), an opportunity (Cy), a
    threat (the facilitator)."""
    out = {}
    for person, key in zip(desk.people, ("strengths", "weaknesses", "opportunities"), strict=True):
        out[key] = ok(
            person.sock, "idea:submit", {"stage_id": desk.sid, "text": key.title(), "category": key}
        )["idea"]["id"]
    out["threats"] = ok(
        desk.fac, "idea:submit", {"stage_id": desk.sid, "text": "Threats", "category": "threats"}
    )["idea"]["id"]
    desk.settle()
    return out


# --------------------------------------------------------------------------- the setting


@pytest.mark.parametrize(
    ("categories", "where"),
    [
        ([{"key": "Strengths", "label": "S"}], "categories.0.key"),
        ([{"key": "1st", "label": "S"}], "categories.0.key"),
        ([{"key": "a" * 41, "label": "S"}], "categories.0.key"),
        ([{"key": "a b", "label": "S"}], "categories.0.key"),
        ([{"key": "s", "label": ""}], "categories.0.label"),
        ([{"key": "s", "label": "   "}], "categories.0.label"),
        ([{"key": "s", "label": "L" * 41}], "categories.0.label"),
        ([{"key": "s"}], "categories.0.label"),
        ([{"key": "s", "label": "S", "hint": "h" * 121}], "categories.0.hint"),
        ([{"key": "s", "label": "S", "colour": "red"}], "categories.0.colour"),
        ([{"key": "s", "label": "S"}, {"key": "s", "label": "T"}], "categories"),
        ([{"key": f"c{n}", "label": f"C{n}"} for n in range(9)], "categories"),
        ("strengths", "categories"),
        ([["s", "S"]], "categories.0"),
    ],
)
def test_a_bad_categories_setting_is_invalid_setting(categories: Any, where: str) -> None:
    with pytest.raises(DomainError) as caught:
        activities.check_step("goals", {"kind": "brainstorm", "categories": categories})
    assert caught.value.code == "invalid_setting"
    assert caught.value.message.startswith(f"brainstorm.{where}"), caught.value.message


def test_twice_the_same_key_says_which() -> None:
    with pytest.raises(DomainError) as caught:
        activities.check_step(
            "goals",
            {
                "kind": "brainstorm",
                "categories": [{"key": "s", "label": "S"}, {"key": "s", "label": "T"}],
            },
        )
    assert "'s' is given twice" in caught.value.message


def test_good_categories_are_stored_in_order_with_an_empty_hint_by_default() -> None:
    listed = [{"key": f"c-{n}", "label": f"Category {n}"} for n in range(8)]
    checked = activities.check_step("goals", {"kind": "brainstorm", "categories": listed})
    assert checked["settings"]["categories"] == [{**c, "hint": ""} for c in listed]
    # Labels and hints are trimmed like any text the facilitator types.
    trimmed = activities.check_step(
        "goals",
        {"kind": "brainstorm", "categories": [{"key": "k", "label": " Keep ", "hint": " Why "}]},
    )
    assert trimmed["settings"]["categories"] == [{"key": "k", "label": "Keep", "hint": "Why"}]


@pytest.mark.parametrize(
    ("level", "given", "expected"),
    [
        ("situation", {}, SWOT),
        ("environment", {}, [dict(category) for category in levels.PESTLE]),
        ("situation", {"categories": []}, []),
        ("situation", {"categories": TWO}, TWO),
        ("environment", {"private": True}, [dict(category) for category in levels.PESTLE]),
        ("goals", {}, []),
        ("risks", {}, []),
        ("choices", {}, []),
    ],
)
def test_a_situation_stage_is_a_swot_and_an_environment_stage_a_pestle(
    level: str, given: dict[str, Any], expected: list[dict[str, str]]
) -> None:
    checked = activities.check_step(level, {"kind": "brainstorm", **given})
    assert checked["settings"]["categories"] == expected


def test_the_level_defaults_reach_the_stored_agenda_and_every_screen(room: Room) -> None:
    ids = put_agenda(
        room,
        [
            stage_body("situation", [step("brainstorm"), step("done")]),
            stage_body("environment", [step("brainstorm"), step("done")]),
            stage_body("goals", [step("brainstorm"), step("done")]),
        ],
    )
    phone = room.participant("Ana")
    for state in (room.facilitator_state(), phone.state):
        steps = {key: stage_of(state, sid)["steps"][0]["settings"] for key, sid in ids.items()}
        assert steps["situation"]["categories"] == SWOT
        assert [c["key"] for c in steps["environment"]["categories"]] == [
            "political",
            "economic",
            "social",
            "technological",
            "legal",
            "environmental",
        ]
        assert steps["goals"]["categories"] == []


def test_an_agenda_with_bad_categories_is_refused_and_stores_nothing(room: Room) -> None:
    before = database(room.app)
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={
            "stages": [
                stage_body(
                    "situation", [step("brainstorm", categories=[{"key": "S", "label": "S"}])]
                )
            ]
        },
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_setting"
    assert database(room.app) == before


# --------------------------------------------------------------------------- idea:submit


def test_an_idea_is_filed_under_its_category_and_every_screen_says_so(desk: Desk) -> None:
    answer = send(desk.ana.sock, desk.sid, "We ship fast", "strengths")
    idea_id = answer["idea"]["id"]
    assert answer == {
        "ok": True,
        "idea": {
            "id": idea_id,
            "stage_id": desk.sid,
            "text": "We ship fast",
            "category": "strengths",
        },
        "duplicate": False,
    }
    assert row(desk, idea_id).category == "strengths"
    added = received(desk.fac, "idea:added") + received(desk.proj, "idea:added")
    assert [payload["idea"]["category"] for payload in added] == ["strengths", "strengths"]
    # A new state shows it on the console, the projector and every phone.
    assert by_id(desk.console())[idea_id]["category"] == "strengths"
    assert by_id(desk.screen())[idea_id]["category"] == "strengths"
    for person in desk.people:
        stage, _me = desk.phone(person)
        assert by_id(stage)[idea_id]["category"] == "strengths"


def test_the_facilitator_files_items_under_a_category_too(desk: Desk) -> None:
    answer = ok(
        desk.fac,
        "idea:submit",
        {"stage_id": desk.sid, "text": "A new rival", "category": "threats"},
    )
    assert answer["idea"]["category"] == "threats"
    assert row(desk, answer["idea"]["id"]).category == "threats"
    assert by_id(desk.screen())[answer["idea"]["id"]]["category"] == "threats"


@pytest.mark.parametrize("who", ["participant", "facilitator"])
@pytest.mark.parametrize(
    ("category", "words"),
    [
        (None, "Choose a category"),
        ("risks", "'risks' is not a category here"),
        ("Strengths", "is not a category here"),
        ("", "is not a category here"),
    ],
)
def test_a_missing_or_unknown_category_is_refused_and_stores_nothing(
    desk: Desk, who: str, category: str | None, words: str
) -> None:
    sock = desk.ana.sock if who == "participant" else desk.fac
    payload: dict[str, Any] = {"stage_id": desk.sid, "text": "Somewhere"}
    if category is not None:
        payload["category"] = category
    refuse(desk.room, sock, "idea:submit", payload, "unknown_category")
    message = ack(sock, "idea:submit", payload)["error"]["message"]
    assert words in message
    # The message names the categories as the room knows them.
    assert "Strengths, Weaknesses, Opportunities, Threats" in message
    assert received(desk.proj, "idea:added") == []


def test_a_category_on_a_stage_without_categories_is_refused(room: Room) -> None:
    desk = open_desk(room, step("brainstorm"), step("done"))
    for sock in (desk.ana.sock, desk.fac):
        refuse(
            room,
            sock,
            "idea:submit",
            {"stage_id": desk.sid, "text": "Filed", "category": "strengths"},
            "unknown_category",
        )
    # Without one it is today's brainstorm, byte for byte: no category key anywhere.
    answer = send(desk.ana.sock, desk.sid, "Plain")
    assert answer == {
        "ok": True,
        "idea": {"id": answer["idea"]["id"], "stage_id": desk.sid, "text": "Plain"},
        "duplicate": False,
    }
    assert "category" not in by_id(desk.console())[answer["idea"]["id"]]
    assert "category" not in by_id(desk.screen())[answer["idea"]["id"]]
    assert "ideas_by_category" not in desk.screen()["progress"]


def test_a_retried_client_id_answers_the_first_idea(desk: Desk) -> None:
    first = send(desk.ana.sock, desk.sid, "Loyal clients", "strengths", client_id="c-1")
    desk.settle()
    before = database(desk.room.app)
    # The retry answers the first idea, even one that lost its category on the way.
    again = send(desk.ana.sock, desk.sid, "Loyal clients", "strengths", client_id="c-1")
    assert again == {**first, "duplicate": True}
    assert send(desk.ana.sock, desk.sid, "Loyal clients", None, client_id="c-1") == again
    assert database(desk.room.app) == before


def test_an_over_long_category_is_invalid_payload(desk: Desk) -> None:
    refuse(
        desk.room,
        desk.ana.sock,
        "idea:submit",
        {"stage_id": desk.sid, "text": "Long", "category": "x" * 41},
        "invalid_payload",
    )


# --------------------------------------------------------------------------- idea:update


def test_the_facilitator_moves_an_idea_and_every_screen_follows(desk: Desk) -> None:
    ids = filed(desk)
    moved = ids["weaknesses"]
    answer = ok(desk.fac, "idea:update", {"idea_id": moved, "category": "threats"})
    assert answer == {
        "ok": True,
        "idea": {"id": moved, "stage_id": desk.sid, "text": "Weaknesses", "category": "threats"},
    }
    assert row(desk, moved).category == "threats"
    # Every screen gets a fresh state with the idea in its new category.
    for sock in desk.socks():
        states = received(sock, "state")
        assert states, "a screen got no state"
        assert by_id(stage_of(states[-1], desk.sid))[moved]["category"] == "threats"
    # Moving it there again changes nothing and answers the same.
    before = database(desk.room.app)
    assert ok(desk.fac, "idea:update", {"idea_id": moved, "category": "threats"}) == answer
    assert database(desk.room.app) == before
    settle(*desk.socks())
    # It can move while the room votes, too.
    desk.to("vote")
    desk.settle()
    ok(desk.fac, "idea:update", {"idea_id": moved, "category": "weaknesses"})
    assert by_id(desk.console())[moved]["category"] == "weaknesses"


def test_moving_is_refused_once_the_stage_is_decided(desk: Desk) -> None:
    ids = filed(desk)
    desk.to("vote")
    desk.to("done")
    desk.settle()
    refuse(
        desk.room,
        desk.fac,
        "idea:update",
        {"idea_id": ids["strengths"], "category": "threats"},
        "wrong_phase",
    )
    # Its own category again is no move, and answers as before.
    assert ok(desk.fac, "idea:update", {"idea_id": ids["strengths"], "category": "strengths"})


@pytest.mark.parametrize("category", ["risks", "Threats", ""])
def test_moving_to_a_category_the_stage_has_not_is_unknown_category(
    desk: Desk, category: str
) -> None:
    ids = filed(desk)
    refuse(
        desk.room,
        desk.fac,
        "idea:update",
        {"idea_id": ids["strengths"], "category": category},
        "unknown_category",
    )


def test_moving_on_a_stage_without_categories_is_unknown_category(room: Room) -> None:
    desk = open_desk(room, step("brainstorm"), step("done"))
    idea_id = send(desk.ana.sock, desk.sid, "Plain")["idea"]["id"]
    refuse(
        room,
        desk.fac,
        "idea:update",
        {"idea_id": idea_id, "category": "strengths"},
        "unknown_category",
    )


def test_only_the_facilitator_moves_ideas(desk: Desk) -> None:
    ids = filed(desk)
    for person in desk.people:
        refuse(
            desk.room,
            person.sock,
            "idea:update",
            {"idea_id": ids["strengths"], "category": "threats"},
            "forbidden",
        )
    screen = desk.room.projector()
    assert error_code(screen, "idea:update", {"idea_id": ids["strengths"], "category": "threats"})
    assert row(desk, ids["strengths"]).category == "strengths"


def test_moving_an_unknown_or_another_workshops_idea_is_idea_not_found(
    desk: Desk, other: Room
) -> None:
    ids = filed(desk)
    refuse(
        desk.room,
        desk.fac,
        "idea:update",
        {"idea_id": 10**9, "category": "threats"},
        "idea_not_found",
    )
    theirs = other.participant("Zoe")
    their_stage = stage_of(theirs.state, other.stage_ids()["vision"])["id"]
    their_idea = ok(theirs.sock, "idea:submit", {"stage_id": their_stage, "text": "Theirs"})[
        "idea"
    ]["id"]
    refuse(
        desk.room,
        desk.fac,
        "idea:update",
        {"idea_id": their_idea, "category": "threats"},
        "idea_not_found",
    )
    assert ids


def test_a_deleted_idea_cannot_be_moved(desk: Desk) -> None:
    idea_id = send(desk.ana.sock, desk.sid, "Gone soon", "strengths")["idea"]["id"]
    ok(desk.ana.sock, "idea:delete", {"idea_id": idea_id})
    refuse(
        desk.room,
        desk.fac,
        "idea:update",
        {"idea_id": idea_id, "category": "threats"},
        "idea_not_found",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"idea_id": 1},
        {"category": "threats"},
        {"idea_id": "x", "category": "threats"},
        {"idea_id": 1, "category": 3},
    ],
)
def test_a_malformed_update_is_invalid_payload(desk: Desk, payload: dict[str, Any]) -> None:
    refuse(desk.room, desk.fac, "idea:update", payload, "invalid_payload")


# --------------------------------------------------------------------------- idea JSON everywhere


def test_edits_merges_and_results_carry_the_category(desk: Desk) -> None:
    ids = filed(desk)
    edited = ok(desk.fac, "idea:edit", {"idea_id": ids["strengths"], "text": "Strengths, reworded"})
    assert edited["idea"]["category"] == "strengths"
    other = send(desk.ben.sock, desk.sid, "Also a strength", "strengths")["idea"]["id"]
    merged = ok(desk.fac, "idea:merge", {"idea_ids": [other], "into": ids["strengths"]})
    assert merged["idea"]["category"] == "strengths"
    desk.to("vote")
    ok(desk.ana.sock, "votes:set", {"stage_id": desk.sid, "votes": {str(ids["threats"]): 2}})
    desk.to("done")
    desk.settle()
    console = desk.console()
    rows = {result["idea_id"]: result for result in console["results"]}
    assert {i: rows[i]["category"] for i in ids.values()} == {v: k for k, v in ids.items()}
    assert console["selected"]
    for item in console["selected"]:
        assert item["category"] == rows[item["id"]]["category"]
    phone_stage, _me = desk.phone(desk.ana)
    assert {r["idea_id"]: r["category"] for r in phone_stage["results"]} == {
        r["idea_id"]: r["category"] for r in console["results"]
    }


def test_a_theme_of_one_categorys_ideas_is_filed_under_it(room: Room) -> None:
    desk = open_desk(
        room,
        step("brainstorm", categories=TWO),
        step("vote", on="groups"),
        step("done", select_count=0),
    )
    keep = [send(p.sock, desk.sid, f"Keep {p.id}", "keep")["idea"]["id"] for p in desk.people]
    change = send(desk.ana.sock, desk.sid, "Change it", "change")["idea"]["id"]
    ok(
        desk.fac,
        "group:set",
        {
            "stage_id": desk.sid,
            "groups": [
                {"title": "What we keep", "idea_ids": keep[:2]},
                {"title": "Mixed", "idea_ids": [keep[2], change]},
            ],
        },
    )
    desk.to("vote")
    items = {i["text"]: i for i in desk.console()["ideas"]}
    assert items["What we keep"]["category"] == "keep"
    # A mixed theme is filed under its first idea's category, and the console can move it.
    assert items["Mixed"]["category"] == "keep"
    ok(desk.fac, "idea:update", {"idea_id": items["Mixed"]["id"], "category": "change"})
    assert by_id(desk.screen())[items["Mixed"]["id"]]["category"] == "change"


def test_moving_is_refused_while_a_step_spends_a_budget_per_category(room: Room) -> None:
    desk = open_desk(
        room,
        step("brainstorm", categories=TWO),
        step("vote", dot_budget=2, per_category=True),
        step("done"),
    )
    keep = send(desk.ana.sock, desk.sid, "Keep this", "keep")["idea"]["id"]
    change = send(desk.ben.sock, desk.sid, "Change that", "change")["idea"]["id"]
    desk.to("vote")
    ok(desk.ana.sock, "votes:set", {"stage_id": desk.sid, "votes": {str(keep): 2, str(change): 2}})
    desk.settle()
    # Moving "Change that" into Keep would leave Ana 4 dots in a 2-dot category.
    payload = {"idea_id": change, "category": "keep"}
    refuse(desk.room, desk.fac, "idea:update", payload, "wrong_phase")
    assert (
        "move ideas before it starts" in ack(desk.fac, "idea:update", payload)["error"]["message"]
    )


def test_ideas_of_different_categories_are_not_merged_nor_suggested_together(desk: Desk) -> None:
    strength = send(desk.ana.sock, desk.sid, "Our prices are very low", "strengths")["idea"]["id"]
    threat = send(desk.ben.sock, desk.sid, "Our prices are very low", "threats")["idea"]["id"]
    again = send(desk.cy.sock, desk.sid, "Our prices are very low!", "strengths")["idea"]["id"]
    desk.settle()
    suggested = [sorted(group["idea_ids"]) for group in desk.console()["duplicates"]]
    assert suggested == [sorted([strength, again])]
    refuse(
        desk.room,
        desk.fac,
        "idea:merge",
        {"idea_ids": [threat], "into": strength},
        "invalid_merge",
    )
    ok(desk.fac, "idea:merge", {"idea_ids": [again], "into": strength})


def test_a_private_swot_shows_the_room_how_many_ideas_each_category_has(room: Room) -> None:
    desk = open_desk(room, step("brainstorm", private=True, categories=SWOT), step("done"))
    assert desk.screen()["progress"]["ideas_by_category"] == dict.fromkeys(
        ("strengths", "weaknesses", "opportunities", "threats"), 0
    )
    send(desk.ana.sock, desk.sid, "Loyal clients", "strengths")
    send(desk.ben.sock, desk.sid, "Old systems", "weaknesses")
    send(desk.cy.sock, desk.sid, "A second site", "weaknesses")
    counts = {"strengths": 1, "weaknesses": 2, "opportunities": 0, "threats": 0}
    # The projector sees no idea yet, only the counts: live in the tally, and in any state.
    tallies = until(desk.proj, "tally", lambda t: t.get("ideas_by_category") == counts)
    assert all("duplicates" not in t for t in tallies)
    screen = desk.screen()
    assert screen["ideas"] == [] and screen["progress"]["ideas_by_category"] == counts
    assert desk.console()["progress"]["ideas_by_category"] == counts
    phone, _me = desk.phone(desk.ana)
    assert phone["progress"]["ideas_by_category"] == counts
