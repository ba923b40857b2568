"""Links of the situation analysis (issue 17): goals to SWOT and PESTLE items, risks to what
they threaten and the projects that mitigate them. The rules in `workshop.core.levels` (pure
tables), the gaps they open (`plan_gaps`), and `link:set` / `link:confirm` with `mitigations`
and `mitigated_by` through the Socket.IO test client.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.factories import Participant, Room, ok
from tests.test_events import me_of, refuse, stage_of, until
from tests.test_link import NOWHERE, Plan, foreign_idea
from workshop.activities.link import LinkProposal
from workshop.core import levels
from workshop.core.errors import DomainError
from workshop.core.levels import (
    AlignedItem,
    Gaps,
    ParentItem,
    check_mitigations,
    check_parents,
    find_gaps,
    plan_gaps,
    relation,
)
from workshop.persistence.db import get_engine
from workshop.persistence.models import Idea

# --------------------------------------------------------------------------- the tables

# Selected items of a situation day, by id: a SWOT (position 0) with a strength 1, a weakness
# 2, an opportunity 3 and a threat 4; a PESTLE (1) with 5; goals 10, 11 (2); programs 20 (3);
# projects 30, 31 (4); risks 40, 41 (5); a projects stage after the risks (6), item 60.
CANDIDATES: dict[int, ParentItem] = {
    item.idea_id: item
    for item in (
        ParentItem(1, "situation", 0),
        ParentItem(2, "situation", 0),
        ParentItem(3, "situation", 0),
        ParentItem(4, "situation", 0),
        ParentItem(5, "environment", 1),
        ParentItem(10, "goals", 2),
        ParentItem(11, "goals", 2),
        ParentItem(20, "programs", 3),
        ParentItem(30, "projects", 4),
        ParentItem(31, "projects", 4),
        ParentItem(40, "risks", 5),
        ParentItem(41, "risks", 5),
        ParentItem(60, "projects", 6),
    )
}
POSITION = {"goals": 2, "programs": 3, "projects": 4, "risks": 5, "actions": 7}


def code_of(call: Any, *args: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert caught.value.message
    return caught.value.code


@pytest.mark.parametrize(
    ("level", "parent_ids", "expected"),
    [
        ("goals", [1], [1]),
        ("goals", [4, 1], [1, 4]),
        ("goals", [5], [5]),
        ("goals", [], []),
        ("risks", [10], [10]),
        ("risks", [30, 20, 11], [11, 20, 30]),
    ],
)
def test_goals_link_to_the_situation_and_risks_to_the_plan(
    level: str, parent_ids: list[int], expected: list[int]
) -> None:
    assert check_parents(level, POSITION[level], parent_ids, CANDIDATES) == expected


@pytest.mark.parametrize(
    ("level", "parent_ids", "code"),
    [
        # A project answers no threat, a program builds on no strength: only goals link down.
        ("projects", [4], "parent_not_allowed"),
        ("programs", [1], "parent_not_allowed"),
        ("actions", [5], "parent_not_allowed"),
        # A goal links to the situation, not to another goal or to a risk.
        ("goals", [11], "parent_not_allowed"),
        ("goals", [40], "parent_not_allowed"),
        # A risk threatens the plan, not the SWOT, and not another risk.
        ("risks", [4], "parent_not_allowed"),
        ("risks", [41], "parent_not_allowed"),
        # A project of a later stage.
        ("risks", [60], "parent_not_allowed"),
        # Not a selected item of this workshop (another workshop's ids are absent).
        ("goals", [999], "parent_not_found"),
        ("risks", [10, 999], "parent_not_found"),
        ("goals", [1, 1], "invalid_links"),
    ],
)
def test_the_new_link_rules_refuse(level: str, parent_ids: list[int], code: str) -> None:
    assert code_of(check_parents, level, POSITION[level], parent_ids, CANDIDATES) == code


@pytest.mark.parametrize(
    ("level", "parent_level", "category", "expected"),
    [
        ("goals", "situation", "strengths", "builds_on"),
        ("goals", "situation", "opportunities", "builds_on"),
        ("goals", "situation", "weaknesses", "answers"),
        ("goals", "situation", "threats", "answers"),
        ("goals", "situation", "our-people", "answers"),
        ("goals", "environment", "political", "responds_to"),
        ("risks", "goals", None, "threatens"),
        ("risks", "programs", None, "threatens"),
        ("risks", "projects", None, "threatens"),
        ("programs", "goals", None, "serves"),
        ("projects", "programs", None, "serves"),
        ("actions", "projects", None, "serves"),
    ],
)
def test_relation(level: str, parent_level: str, category: str | None, expected: str) -> None:
    assert relation(level, parent_level, category) == expected
    assert expected in levels.RELATIONS


def test_check_mitigations_takes_selected_projects_of_earlier_stages() -> None:
    assert check_mitigations("risks", 5, [31, 30], CANDIDATES) == [30, 31]
    assert check_mitigations("risks", 5, [], CANDIDATES) == []


@pytest.mark.parametrize(
    ("level", "ids", "code"),
    [
        # Only risks are mitigated, even by nothing.
        ("goals", [], "link_not_allowed"),
        ("projects", [30], "link_not_allowed"),
        ("vision", [], "link_not_allowed"),
        # By projects only.
        ("risks", [10], "parent_not_allowed"),
        ("risks", [20], "parent_not_allowed"),
        ("risks", [30, 4], "parent_not_allowed"),
        ("risks", [41], "parent_not_allowed"),
        # ... of an earlier stage.
        ("risks", [60], "parent_not_allowed"),
        # Never existed, or another workshop's.
        ("risks", [999], "parent_not_found"),
        ("risks", [30, 30], "invalid_links"),
    ],
)
def test_check_mitigations_refuses(level: str, ids: list[int], code: str) -> None:
    position = POSITION.get(level, 5)
    assert code_of(check_mitigations, level, position, ids, CANDIDATES) == code


# --------------------------------------------------------------------------- the gaps


def item(
    idea_id: int,
    level: str,
    links: Sequence[int] = (),
    *,
    category: str | None = None,
    mitigated_by: Sequence[int] = (),
    high_risk: bool = False,
    **fields: Any,
) -> AlignedItem:
    return AlignedItem(
        idea_id,
        level,
        tuple(links),
        fields,
        category=category,
        mitigated_by=tuple(mitigated_by),
        high_risk=high_risk,
    )


CHARTERED = {"owner": "Ben", "due": "2027-06-30", "metrics": [{"metric": "m"}]}


def kinds(gaps: Sequence[levels.Gap]) -> list[tuple[str, int]]:
    return [(gap.kind, gap.idea_id) for gap in gaps]


SWOT = [
    item(1, "situation", category="strengths"),
    item(2, "situation", category="weaknesses"),
    item(3, "situation", category="opportunities"),
    item(4, "situation", category="threats"),
]


def test_the_new_gap_kinds_take_their_places() -> None:
    assert levels.GAP_KINDS[0] == "unanswered_threat"
    at = levels.GAP_KINDS.index("project_without_due")
    assert levels.GAP_KINDS[at + 1] == "unmitigated_risk"


def test_weaknesses_and_threats_no_goal_answers_are_gaps() -> None:
    goal = item(10, "goals", [1, 4], metrics=[{"metric": "m"}])
    gaps = plan_gaps([*SWOT, goal], {"situation", "goals"})
    # The strength and the opportunity need no answer; the threat is answered.
    assert kinds(gaps) == [("unanswered_threat", 2)]


def test_an_unanswered_threat_comes_first_in_the_plan() -> None:
    goal = item(10, "goals")
    gaps = plan_gaps([*SWOT, goal], {"situation", "goals"})
    assert kinds(gaps) == [
        ("unanswered_threat", 2),
        ("unanswered_threat", 4),
        ("goal_without_metric", 10),
    ]


def test_without_a_goals_stage_no_threat_is_unanswered() -> None:
    assert plan_gaps(SWOT, {"situation"}) == ()


def test_a_risk_or_a_project_linking_to_a_threat_does_not_answer_it() -> None:
    """Only goals answer: any other link to a threat (impossible through the events, but a
    plan read from older data) changes nothing."""
    gaps = plan_gaps(
        [*SWOT, item(10, "goals", [2], metrics=[{"metric": "m"}]), item(40, "risks", [4])],
        {"situation", "goals", "risks"},
    )
    assert kinds(gaps) == [("unanswered_threat", 4)]


def test_a_threat_answered_only_by_a_dropped_goal_is_unanswered() -> None:
    """The goal is not in the plan (`items` are the plan's): its link counts as nothing."""
    gaps = plan_gaps([item(4, "situation", category="threats")], {"situation", "goals"})
    assert kinds(gaps) == [("unanswered_threat", 4)]


PROJECT = item(30, "projects", [10], **CHARTERED)
GOAL = item(10, "goals", metrics=[{"metric": "m"}])


def test_a_high_risk_no_project_mitigates_is_a_gap() -> None:
    items = [
        GOAL,
        PROJECT,
        item(40, "risks", [10], high_risk=True),
        item(41, "risks", [30], high_risk=True, mitigated_by=[30]),
        item(42, "risks", [10]),
    ]
    gaps = plan_gaps(items, {"goals", "projects", "risks"})
    # The low risk needs no mitigation; the mitigated one has its project.
    assert kinds(gaps) == [("unmitigated_risk", 40)]


def test_a_risk_mitigated_only_by_a_dropped_project_is_unmitigated() -> None:
    """Project 31 is not in the plan (dropped): mitigating by it counts as nothing."""
    items = [GOAL, PROJECT, item(40, "risks", [10], high_risk=True, mitigated_by=[31])]
    gaps = plan_gaps(items, {"goals", "projects", "risks"})
    assert kinds(gaps) == [("unmitigated_risk", 40)]


def test_unmitigated_risk_comes_after_the_projects_gaps() -> None:
    items = [GOAL, item(30, "projects", [10]), item(40, "risks", high_risk=True)]
    gaps = plan_gaps(items, {"goals", "projects", "risks"})
    assert kinds(gaps) == [
        ("project_without_owner", 30),
        ("project_without_due", 30),
        ("unmitigated_risk", 40),
    ]


def test_without_a_projects_stage_no_risk_is_unmitigated() -> None:
    items = [GOAL, item(40, "risks", [10], high_risk=True)]
    assert plan_gaps(items, {"goals", "risks"}) == ()


def test_a_risk_threatening_a_goal_does_not_serve_it() -> None:
    """`unserved_goal` is about programs, projects and actions: a risk's link to a goal (it
    threatens it) and a goal's own links to the SWOT make nothing served."""
    goals = [item(10, "goals", [1]), item(11, "goals", [4])]
    risks = [item(40, "risks", [10, 11])]
    found = find_gaps([*SWOT, *goals, PROJECT, *risks], {"situation", "goals", "projects", "risks"})
    assert found == Gaps((11,), (), (), (), ())
    gaps = plan_gaps([*SWOT, *goals, PROJECT, *risks], {"situation", "goals", "projects", "risks"})
    assert ("unserved_goal", 11) in kinds(gaps)
    assert ("unserved_goal", 10) not in kinds(gaps)


def test_aligned_items_keep_todays_shape() -> None:
    """Callers that know nothing of categories and risks build items as before."""
    plain = AlignedItem(10, "goals", (), {})
    assert (plain.category, plain.mitigated_by, plain.high_risk) == (None, (), False)


# --------------------------------------------------------------------------- the events

AGENDA: dict[str, Any] = {
    "stages": [
        {
            "key": "situation",
            "title": "SWOT",
            "steps": [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}],
        },
        {
            "key": "goals",
            "title": "Goals",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "done", "select_count": 0},
                {"kind": "link"},
            ],
        },
        {
            "key": "projects",
            "title": "Projects",
            "steps": [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}],
        },
        {
            "key": "risks",
            "title": "Risks",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "done", "select_count": 0},
                {"kind": "link"},
            ],
        },
    ]
}


@dataclass
class Day:
    """A situation day decided and in `link` on goals and risks. Items by name: strength S,
    weakness W, threat T; goals G1, G2; projects J1, J2; risks R1, R2."""

    plan: Plan
    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    @property
    def room(self) -> Room:
        return self.plan.room

    @property
    def ana(self) -> Participant:
        return self.plan.people[0]

    def stage(self, key: str) -> int:
        return self.plan.stages[key]


@pytest.fixture
def day(app: Flask, client: FlaskClient) -> Iterator[Day]:
    room = Room.create(app, client, title="Acme 2030", organization="Acme")
    headers = {"Authorization": f"Bearer {room.key}"}
    put = client.put(f"/api/workshops/{room.id}/agenda", json=AGENDA, headers=headers)
    assert put.status_code == 200, put.get_json()
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant("Ana"), room.participant("Ben")]
    plan = Plan(room, fac, proj, people, room.stage_ids())
    ids: dict[str, int] = {}
    swot = plan.stages["situation"]
    for name, category in (("S", "strengths"), ("W", "weaknesses"), ("T", "threats")):
        payload = {"stage_id": swot, "text": name, "category": category}
        ids[name] = ok(fac, "idea:submit", payload)["idea"]["id"]
    plan.to("situation", "done")
    for key, names in (
        ("goals", ["G1", "G2"]),
        ("projects", ["J1", "J2"]),
        ("risks", ["R1", "R2"]),
    ):
        ids.update(zip(names, plan.preload(key, *names), strict=True))
        plan.to(key, "done")
    plan.to("goals", "link")
    plan.to("risks", "link")
    plan.settle()
    yield Day(plan, ids)
    room.close()


def link_set(day: Day, key: str, **payload: Any) -> dict[str, Any]:
    body = {"stage_id": day.stage(key)}
    for name, given in payload.items():
        body[name] = {str(k): v for k, v in given.items()}
    return ok(day.ana.sock, "link:set", body)


def proposals(app: Flask) -> list[tuple[int, list[int], list[int]]]:
    with Session(get_engine(app)) as db:
        rows = db.exec(select(LinkProposal).order_by(LinkProposal.idea_id))  # type: ignore[arg-type]
        return [(row.idea_id, list(row.parent_ids), list(row.mitigated_by)) for row in rows]


def test_a_goals_stage_says_what_each_link_would_mean(day: Day) -> None:
    for state in (
        day.room.facilitator_state(),
        ok(day.room.connect(), "join", {"code": day.room.code, "token": day.ana.token})["state"],
    ):
        goals = stage_of(state, day.stage("goals"))
        assert goals["parents"] == [day["S"], day["W"], day["T"]]
        assert goals["parent_relations"] == {
            str(day["S"]): "builds_on",
            str(day["W"]): "answers",
            str(day["T"]): "answers",
        }
        assert "mitigation_options" not in goals
        risks = stage_of(state, day.stage("risks"))
        g1, g2, j1, j2 = day["G1"], day["G2"], day["J1"], day["J2"]
        assert risks["parents"] == [g1, g2, j1, j2]
        assert risks["parent_relations"] == {str(i): "threatens" for i in (g1, g2, j1, j2)}
        assert risks["mitigation_options"] == [j1, j2]


def test_a_goal_builds_on_a_strength_and_answers_a_threat(day: Day) -> None:
    answer = link_set(day, "goals", links={day["G1"]: [day["T"], day["S"]]})
    assert answer == {"ok": True, "links": {str(day["G1"]): sorted([day["S"], day["T"]])}}
    me = me_of(day.room, day.ana)
    assert me["links"] == {str(day.stage("goals")): {str(day["G1"]): sorted([day["S"], day["T"]])}}
    # A workshop with a link step on a risks stage gives every phone its mitigations.
    assert me["mitigations"] == {}
    goals = stage_of(day.room.facilitator_state(), day.stage("goals"))
    assert goals["link_proposals"] == {str(day["G1"]): {str(day["S"]): 1, str(day["T"]): 1}}
    assert "mitigation_proposals" not in goals


def test_a_risk_threatens_a_goal_and_projects_mitigate_it(day: Day) -> None:
    r1, r2, g1, j1, j2 = day["R1"], day["R2"], day["G1"], day["J1"], day["J2"]
    answer = link_set(day, "risks", links={r1: [g1]}, mitigations={r1: [j2, j1], r2: [j2]})
    assert answer == {
        "ok": True,
        "links": {str(r1): [g1]},
        "mitigations": {str(r1): [j1, j2], str(r2): [j2]},
    }
    assert proposals(day.room.app) == [(r1, [g1], [j1, j2]), (r2, [], [j2])]
    me = me_of(day.room, day.ana)
    risks = str(day.stage("risks"))
    assert me["links"] == {risks: {str(r1): [g1]}}
    assert me["mitigations"] == {risks: {str(r1): [j1, j2], str(r2): [j2]}}
    stage = stage_of(day.room.facilitator_state(), day.stage("risks"))
    assert stage["link_proposals"] == {str(r1): {str(g1): 1}}
    assert stage["mitigation_proposals"] == {
        str(r1): {str(j1): 1, str(j2): 1},
        str(r2): {str(j2): 1},
    }
    assert stage["progress"]["linkers"] == 1
    # The console's tally carries the counts; the projector's does not.
    tally = until(day.plan.fac, "tally", lambda t: t["stage_id"] == day.stage("risks"))[-1]
    assert tally["mitigation_proposals"] == stage["mitigation_proposals"]
    shown = until(day.plan.proj, "tally", lambda t: t["stage_id"] == day.stage("risks"))[-1]
    assert "mitigation_proposals" not in shown
    assert "link_proposals" not in shown


def test_links_and_mitigations_are_replaced_apart(day: Day) -> None:
    """A phone sends its links and its mitigations separately: what is not sent stays."""
    r1, g1, g2, j1, j2 = day["R1"], day["G1"], day["G2"], day["J1"], day["J2"]
    link_set(day, "risks", links={r1: [g1]}, mitigations={r1: [j1]})
    assert link_set(day, "risks", mitigations={r1: [j2]}) == {
        "ok": True,
        "links": {str(r1): [g1]},
        "mitigations": {str(r1): [j2]},
    }
    assert link_set(day, "risks", links={r1: [g2]}) == {
        "ok": True,
        "links": {str(r1): [g2]},
        "mitigations": {str(r1): [j2]},
    }
    assert proposals(day.room.app) == [(r1, [g2], [j2])]
    # An empty list withdraws; with nothing left the participant no longer counts as a linker.
    link_set(day, "risks", links={}, mitigations={r1: []})
    assert proposals(day.room.app) == []
    assert stage_of(day.room.facilitator_state(), day.stage("risks"))["progress"]["linkers"] == 0


def test_link_set_needs_links_or_mitigations(day: Day) -> None:
    refuse(day.room, day.ana.sock, "link:set", {"stage_id": day.stage("risks")}, "invalid_payload")
    payload = {"stage_id": day.stage("risks"), "mitigations": {str(day["R1"]): [str(day["J1"])]}}
    refuse(day.room, day.ana.sock, "link:set", payload, "invalid_payload")


@pytest.mark.parametrize(
    ("key", "item", "mitigating", "code"),
    [
        # A goal is mitigated by nothing.
        ("goals", "G1", ["J1"], "link_not_allowed"),
        ("goals", "G1", [], "link_not_allowed"),
        # Only projects mitigate.
        ("risks", "R1", ["G1"], "parent_not_allowed"),
        ("risks", "R1", ["J1", "T"], "parent_not_allowed"),
        ("risks", "R1", ["R2"], "parent_not_allowed"),
        ("risks", "R1", [NOWHERE], "parent_not_found"),
        ("risks", "R1", ["J1", "J1"], "invalid_links"),
        # Only the stage's items.
        ("risks", "J1", ["J2"], "idea_not_found"),
    ],
)
def test_link_set_refuses_mitigations(
    day: Day, key: str, item: str, mitigating: list[Any], code: str
) -> None:
    ids = [day[name] if isinstance(name, str) else name for name in mitigating]
    payload = {"stage_id": day.stage(key), "links": {}, "mitigations": {str(day[item]): ids}}
    refuse(day.room, day.ana.sock, "link:set", payload, code)


def test_link_set_refuses_another_workshops_ids(day: Day, other: Room) -> None:
    stranger = foreign_idea(other)
    risks, goals = day.stage("risks"), day.stage("goals")
    for payload in (
        {"stage_id": risks, "mitigations": {str(day["R1"]): [stranger]}},
        {"stage_id": risks, "links": {str(day["R1"]): [stranger]}},
        {"stage_id": goals, "links": {str(day["G1"]): [day["S"], stranger]}},
    ):
        refuse(day.room, day.ana.sock, "link:set", payload, "parent_not_found")


def test_a_goal_links_to_the_situation_not_to_the_plan(day: Day) -> None:
    payload = {"stage_id": day.stage("goals"), "links": {str(day["G1"]): [day["J1"]]}}
    refuse(day.room, day.ana.sock, "link:set", payload, "parent_not_allowed")
    payload = {"stage_id": day.stage("risks"), "links": {str(day["R1"]): [day["T"]]}}
    refuse(day.room, day.ana.sock, "link:set", payload, "parent_not_allowed")


def confirmed(app: Flask, idea_id: int) -> tuple[list[int], list[int]]:
    with Session(get_engine(app)) as db:
        idea = db.get(Idea, idea_id)
        assert idea is not None
        return list(idea.links), list(idea.mitigated_by)


def test_link_confirm_settles_what_a_risk_threatens_and_what_mitigates_it(day: Day) -> None:
    r1, g1, j1, j2 = day["R1"], day["G1"], day["J1"], day["J2"]
    payload = {"idea_id": r1, "parent_ids": [g1], "mitigated_by": [j2, j1]}
    answer = ok(day.plan.fac, "link:confirm", payload)
    assert answer == {
        "ok": True,
        "idea": {"id": r1, "stage_id": day.stage("risks"), "links": [g1], "mitigated_by": [j1, j2]},
    }
    assert confirmed(day.room.app, r1) == ([g1], [j1, j2])
    # Without `mitigated_by` the mitigations stay; [] clears them.
    again = ok(day.plan.fac, "link:confirm", {"idea_id": r1, "parent_ids": []})
    assert again["idea"]["mitigated_by"] == [j1, j2]
    assert confirmed(day.room.app, r1) == ([], [j1, j2])
    ok(day.plan.fac, "link:confirm", {"idea_id": r1, "parent_ids": [], "mitigated_by": []})
    assert confirmed(day.room.app, r1) == ([], [])


def test_the_state_shows_a_risks_mitigations(day: Day) -> None:
    r1, j1 = day["R1"], day["J1"]
    ok(day.plan.fac, "link:confirm", {"idea_id": r1, "parent_ids": [], "mitigated_by": [j1]})
    stage = stage_of(day.room.facilitator_state(), day.stage("risks"))
    shown = {entry["id"]: entry for entry in stage["selected"]}
    assert shown[r1]["mitigated_by"] == [j1]
    # Only when there are some.
    assert "mitigated_by" not in shown[day["R2"]]


def test_a_goal_confirmed_against_the_swot_acks_as_before(day: Day) -> None:
    g1, s, t = day["G1"], day["S"], day["T"]
    answer = ok(day.plan.fac, "link:confirm", {"idea_id": g1, "parent_ids": [t, s]})
    assert answer == {
        "ok": True,
        "idea": {"id": g1, "stage_id": day.stage("goals"), "links": sorted([s, t])},
    }


@pytest.mark.parametrize(
    ("item", "parents", "mitigating", "code"),
    [
        ("G1", ["S"], ["J1"], "link_not_allowed"),
        ("G1", [], [], "link_not_allowed"),
        ("J1", [], [], "link_not_allowed"),
        ("R1", ["G1"], ["G2"], "parent_not_allowed"),
        ("R1", [], ["S"], "parent_not_allowed"),
        ("R1", [], ["R2"], "parent_not_allowed"),
        ("R1", [], [NOWHERE], "parent_not_found"),
        ("R1", [], ["J1", "J1"], "invalid_links"),
        # The links are checked first.
        ("R1", ["T"], ["J1"], "parent_not_allowed"),
    ],
)
def test_link_confirm_refuses_mitigations(
    day: Day, item: str, parents: list[str], mitigating: list[Any], code: str
) -> None:
    payload = {
        "idea_id": day[item],
        "parent_ids": [day[name] for name in parents],
        "mitigated_by": [day[name] if isinstance(name, str) else name for name in mitigating],
    }
    refuse(day.room, day.plan.fac, "link:confirm", payload, code)


def test_link_confirm_refuses_another_workshops_projects(day: Day, other: Room) -> None:
    payload = {"idea_id": day["R1"], "parent_ids": [], "mitigated_by": [foreign_idea(other)]}
    refuse(day.room, day.plan.fac, "link:confirm", payload, "parent_not_found")


def test_link_confirm_mitigations_are_for_the_console(day: Day) -> None:
    payload = {"idea_id": day["R1"], "parent_ids": [], "mitigated_by": [day["J1"]]}
    refuse(day.room, day.ana.sock, "link:confirm", payload, "forbidden")
    refuse(day.room, day.plan.proj, "link:confirm", payload, "forbidden")


def test_a_plain_workshops_me_has_no_mitigations(app: Flask, client: FlaskClient) -> None:
    """Without a link step on a risks stage nothing new appears (byte-identical `me`)."""
    room = Room.create(app, client, template="align-programs-projects")
    try:
        person = room.participant("Ana")
        assert "mitigations" not in me_of(room, person)
    finally:
        room.close()
