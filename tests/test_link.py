"""The link activity (`workshop/activities/link.py`): `link:set` from phones, `link:confirm`
from the console, and what the snapshot shows of them, through the Socket.IO test client.

`Plan` and the `plan`/`linking` fixtures here drive a full-strategic-plan workshop; the define
and facilitator-item tests use them too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, ok, received
from tests.test_events import (
    SETTLE,
    database,
    drain,
    inbox,
    me_of,
    phase,
    refuse,
    settle,
    stage_of,
    submit,
    until,
)

NOWHERE = 10**9


# --------------------------------------------------------------------------- the plan under test


@dataclass
class Plan:
    """A full-strategic-plan workshop with a console, a projector and two phones."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]

    def preload(self, key: str, *texts: str) -> list[int]:
        """Items the facilitator adds to a stage, in order."""
        return [
            ok(self.fac, "idea:submit", {"stage_id": self.stages[key], "text": text})["idea"]["id"]
            for text in texts
        ]

    def kinds(self, key: str) -> list[str]:
        return [step["kind"] for step in self.stage(key)["steps"]]

    def to(self, key: str, kind: str) -> None:
        """Move a stage forward, one step at a time, until it is in its `kind` step."""
        current = self.stage(key)["step"]
        kinds = self.kinds(key)
        for step in kinds[current + 1 : kinds.index(kind) + 1]:
            phase(self.fac, self.stages[key], step)

    def stage(self, key: str) -> dict[str, Any]:
        """A stage as the console sees it now."""
        return stage_of(self.room.facilitator_state(), self.stages[key])

    def selected(self, key: str) -> list[int]:
        return [item["id"] for item in self.stage(key)["selected"]]

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def drain(self) -> None:
        drain(*self.socks())

    def settle(self) -> None:
        settle(*self.socks())


def full_plan(app: Flask, client: FlaskClient, template: str = "full-strategic-plan") -> Plan:
    room = Room.create(app, client, title="Acme 2030", organization="Acme", template=template)
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant("Ana"), room.participant("Ben")]
    return Plan(room, fac, proj, people, room.stage_ids())


@pytest.fixture
def plan(app: Flask, client: FlaskClient) -> Iterator[Plan]:
    made = full_plan(app, client)
    made.settle()
    yield made
    made.room.close()


@dataclass
class Linking:
    """Vision, goals, programs, projects and actions decided; the last three in `link`.

    Items by name: vision V1 (selected) and V2; goals G1-G4 (selected) and G5; programs P1-P3
    (selected) and P4; projects J1, J2 (selected) and J3 (hidden before the vote); actions A1.
    """

    plan: Plan
    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    @property
    def room(self) -> Room:
        return self.plan.room


def decide_all(plan: Plan) -> dict[str, int]:
    """Preload, decide and open `link` as `Linking` describes; return the item ids by name."""
    ids: dict[str, int] = {}
    for key, prefix, count in [
        ("vision", "V", 2),
        ("goals", "G", 5),
        ("programs", "P", 4),
        ("projects", "J", 3),
        ("actions", "A", 1),
    ]:
        names = [f"{prefix}{n}" for n in range(1, count + 1)]
        ids.update(zip(names, plan.preload(key, *names), strict=True))
        if key == "projects":
            plan.to(key, "brainstorm")
            ok(plan.fac, "idea:hide", {"idea_id": ids["J3"]})
        plan.to(key, "done")
        if key in ("programs", "projects", "actions"):
            plan.to(key, "link")
    return ids


def linked(plan: Plan) -> Linking:
    """Bring a fresh plan to the state `Linking` describes."""
    ids = decide_all(plan)
    assert plan.selected("vision") == [ids["V1"]]
    assert plan.selected("goals") == [ids[f"G{n}"] for n in range(1, 5)]
    assert plan.selected("programs") == [ids["P1"], ids["P2"], ids["P3"]]
    assert plan.selected("projects") == [ids["J1"], ids["J2"]]
    assert plan.selected("actions") == [ids["A1"]]
    plan.settle()
    return Linking(plan, ids)


@pytest.fixture
def linking(plan: Plan) -> Linking:
    return linked(plan)


def foreign_idea(other: Room) -> int:
    """An idea of another workshop (its vision stage opens for ideas at once)."""
    return submit(other.participant("Stranger"), other.stage_ids()["vision"], "Theirs")


def link_set(p: Participant, stage_id: int, links: dict[int, list[int]]) -> dict[str, Any]:
    payload = {"stage_id": stage_id, "links": {str(k): v for k, v in links.items()}}
    return ok(p.sock, "link:set", payload)


# --------------------------------------------------------------------------- parents in the state


def test_each_linking_stage_lists_the_items_it_may_serve(linking: Linking) -> None:
    g = [linking[f"G{n}"] for n in range(1, 5)]
    p = [linking["P1"], linking["P2"], linking["P3"]]
    j = [linking["J1"], linking["J2"]]
    state = linking.room.facilitator_state()
    parents = {s["key"]: s.get("parents") for s in state["stages"]}
    assert parents == {
        "vision": None,
        "mission": None,
        "values": None,
        "goals": None,
        "programs": g,
        "projects": g + p,
        "actions": g + p + j,
    }
    person = linking.plan.people[0]
    resumed = linking.room.connect()
    for audience_state in (
        ok(resumed, "join", {"code": linking.room.code, "token": person.token})["state"],
        ok(
            linking.room.connect(),
            "present",
            {"workshop_id": linking.room.id, "key": linking.room.key},
        )["state"],
    ):
        assert {s["key"]: s.get("parents") for s in audience_state["stages"]} == parents


def test_parents_follow_the_decision_of_the_stages_they_come_from(plan: Plan) -> None:
    goals = plan.preload("goals", "G1", "G2")
    plan.preload("programs", "P1")
    plan.to("programs", "done")
    plan.to("programs", "link")
    assert plan.stage("programs")["parents"] == []
    plan.to("goals", "done")
    assert plan.stage("programs")["parents"] == goals
    phase(plan.fac, plan.stages["goals"], "rank")
    assert plan.stage("programs")["parents"] == []


# --------------------------------------------------------------------------- link:set


def test_link_set_stores_sorted_parents_and_acks_them(linking: Linking) -> None:
    ana = linking.plan.people[0]
    programs = linking.plan.stages["programs"]
    answer = link_set(
        ana, programs, {linking["P1"]: [linking["G2"], linking["G1"]], linking["P2"]: []}
    )
    assert answer == {"ok": True, "links": {str(linking["P1"]): [linking["G1"], linking["G2"]]}}
    assert me_of(linking.room, ana)["links"] == {
        str(programs): {str(linking["P1"]): [linking["G1"], linking["G2"]]}
    }
    assert me_of(linking.room, linking.plan.people[1])["links"] == {}


def test_link_proposals_are_counted_for_the_console_only(linking: Linking) -> None:
    ana, ben = linking.plan.people
    plan = linking.plan
    projects = plan.stages["projects"]
    j1, j2 = str(linking["J1"]), str(linking["J2"])
    g1, p1, p2 = linking["G1"], linking["P1"], linking["P2"]
    link_set(ana, projects, {linking["J1"]: [p1, g1], linking["J2"]: [p2]})
    link_set(ben, projects, {linking["J1"]: [p1]})
    stage = plan.stage("projects")
    assert stage["link_proposals"] == {j1: {str(g1): 1, str(p1): 2}, j2: {str(p2): 1}}
    assert stage["progress"]["linkers"] == 2
    for state in (
        ok(plan.room.connect(), "present", {"workshop_id": plan.room.id, "key": plan.room.key})[
            "state"
        ],
        ok(plan.room.connect(), "join", {"code": plan.room.code, "token": ana.token})["state"],
    ):
        shown = stage_of(state, projects)
        assert "link_proposals" not in shown
        assert shown["progress"]["linkers"] == 2
        assert shown["parents"] == stage["parents"]


def test_link_set_sends_a_tally_to_the_screens_not_the_phones(linking: Linking) -> None:
    plan = linking.plan
    programs = plan.stages["programs"]
    link_set(plan.people[0], programs, {linking["P1"]: [linking["G1"]]})
    for screen in (plan.fac, plan.proj):
        tally = until(screen, "tally", lambda t: t["stage_id"] == programs and t["linkers"] == 1)
        assert tally[-1]["phase"] == "link"
        if screen is plan.fac:
            assert tally[-1]["link_proposals"] == {str(linking["P1"]): {str(linking["G1"]): 1}}
        else:
            assert "link_proposals" not in tally[-1]
    for person in plan.people:
        got = inbox(person.sock)
        assert "tally" not in got
        assert "state" not in got


def test_link_set_replaces_the_whole_proposal_and_empty_withdraws(linking: Linking) -> None:
    ana = linking.plan.people[0]
    programs = linking.plan.stages["programs"]
    p1, p2, g1, g2 = linking["P1"], linking["P2"], linking["G1"], linking["G2"]
    link_set(ana, programs, {p1: [g1], p2: [g2]})
    assert link_set(ana, programs, {p2: [g1]}) == {"ok": True, "links": {str(p2): [g1]}}
    assert me_of(linking.room, ana)["links"] == {str(programs): {str(p2): [g1]}}
    assert linking.plan.stage("programs")["link_proposals"] == {str(p2): {str(g1): 1}}
    assert link_set(ana, programs, {p2: []}) == {"ok": True, "links": {}}
    assert me_of(linking.room, ana)["links"] == {}
    stage = linking.plan.stage("programs")
    assert stage["link_proposals"] == {}
    assert stage["progress"]["linkers"] == 0
    link_set(ana, programs, {p1: [g1]})
    assert link_set(ana, programs, {}) == {"ok": True, "links": {}}
    assert linking.plan.stage("programs")["progress"]["linkers"] == 0


def test_link_set_again_is_harmless(linking: Linking) -> None:
    plan = linking.plan
    ana = plan.people[0]
    programs = plan.stages["programs"]
    first = link_set(ana, programs, {linking["P1"]: [linking["G1"], linking["G3"]]})
    until(plan.fac, "tally", lambda t: t["linkers"] == 1)
    plan.settle()
    before = (database(plan.room.app), plan.room.facilitator_state())
    again = link_set(ana, programs, {linking["P1"]: [linking["G3"], linking["G1"]]})
    assert again == first
    assert (database(plan.room.app), plan.room.facilitator_state()) == before
    time.sleep(SETTLE)
    assert received(plan.fac, "tally") == []
    assert received(plan.proj, "tally") == []
    assert me_of(plan.room, ana)["links"] == {
        str(programs): {str(linking["P1"]): [linking["G1"], linking["G3"]]}
    }


def test_link_set_on_items_before_the_stage_is_decided(app: Flask, client: FlaskClient) -> None:
    """align-programs-projects links before it votes: the items are the visible ideas."""
    plan = full_plan(app, client, template="align-programs-projects")
    goals = plan.preload("goals", "Halve emissions", "Grow members")
    plan.to("goals", "done")
    plan.to("programs", "brainstorm")
    ana, ben = plan.people
    programs = plan.stages["programs"]
    mine, theirs = submit(ana, programs, "Green fleet"), submit(ben, programs, "Outreach")
    plan.to("programs", "link")
    assert plan.stage("programs")["parents"] == goals
    assert link_set(ana, programs, {mine: [goals[0]], theirs: [goals[1]]})["links"] == {
        str(mine): [goals[0]],
        str(theirs): [goals[1]],
    }
    ok(plan.fac, "idea:hide", {"idea_id": theirs})
    refuse(
        plan.room,
        ben.sock,
        "link:set",
        {"stage_id": programs, "links": {str(theirs): [goals[0]]}},
        "idea_not_found",
    )
    plan.room.close()


# --------------------------------------------------------------------------- link:set refused


def test_link_set_malformed_payloads_are_invalid_payload(linking: Linking) -> None:
    sock = linking.plan.people[0].sock
    programs = linking.plan.stages["programs"]
    p1, g1 = str(linking["P1"]), linking["G1"]
    payloads: list[Any] = [
        None,
        [],
        "links",
        {"links": {p1: [g1]}},
        {"stage_id": programs},
        {"stage_id": str(programs), "links": {p1: [g1]}},
        {"stage_id": 0, "links": {p1: [g1]}},
        {"stage_id": programs, "links": [[p1, g1]]},
        {"stage_id": programs, "links": {p1: g1}},
        {"stage_id": programs, "links": {p1: [str(g1)]}},
        {"stage_id": programs, "links": {p1: [0]}},
        {"stage_id": programs, "links": {p1: [-g1]}},
        {"stage_id": programs, "links": {p1: [True]}},
        {"stage_id": programs, "links": {"P1": [g1]}},
        {"stage_id": programs, "links": {"-1": [g1]}},
        {"stage_id": programs, "links": {" 1": [g1]}},
    ]
    for payload in payloads:
        refuse(linking.room, sock, "link:set", payload, "invalid_payload")


def test_link_set_needs_a_joined_participant(linking: Linking) -> None:
    plan = linking.plan
    payload = {"stage_id": plan.stages["programs"], "links": {str(linking["P1"]): [linking["G1"]]}}
    refuse(plan.room, plan.room.connect(), "link:set", payload, "not_joined")
    refuse(plan.room, plan.fac, "link:set", payload, "forbidden")
    refuse(plan.room, plan.proj, "link:set", payload, "forbidden")


def test_link_set_on_an_unknown_or_foreign_stage_is_stage_not_found(
    linking: Linking, other: Room
) -> None:
    sock = linking.plan.people[0].sock
    links = {str(linking["P1"]): [linking["G1"]]}
    theirs = other.facilitator_state()
    for stage_id in (other.stage_ids()["vision"], NOWHERE):
        refuse(
            linking.room,
            sock,
            "link:set",
            {"stage_id": stage_id, "links": links},
            "stage_not_found",
        )
    assert other.facilitator_state() == theirs


def test_link_set_needs_the_link_step(linking: Linking) -> None:
    plan = linking.plan
    sock = plan.people[0].sock
    for key in ("vision", "goals"):
        payload = {"stage_id": plan.stages[key], "links": {}}
        refuse(plan.room, sock, "link:set", payload, "wrong_phase")
    plan.to("programs", "define")
    payload = {"stage_id": plan.stages["programs"], "links": {str(linking["P1"]): [linking["G1"]]}}
    refuse(plan.room, sock, "link:set", payload, "wrong_phase")
    phase(plan.fac, plan.stages["programs"], "link")
    ok(sock, "link:set", payload)


def test_link_set_only_on_the_stages_items(linking: Linking, other: Room) -> None:
    plan = linking.plan
    programs = plan.stages["programs"]
    stranger = foreign_idea(other)
    for idea_id in (linking["P4"], linking["G1"], linking["J1"], stranger, NOWHERE):
        refuse(
            plan.room,
            plan.people[0].sock,
            "link:set",
            {
                "stage_id": programs,
                "links": {str(linking["P1"]): [linking["G1"]], str(idea_id): [linking["G2"]]},
            },
            "idea_not_found",
        )


@pytest.mark.parametrize(
    ("key", "item", "parents", "code"),
    [
        ("programs", "P1", ["G5"], "parent_not_found"),
        ("programs", "P1", ["G1", "P4"], "parent_not_found"),
        ("programs", "P1", ["V2"], "parent_not_found"),
        ("projects", "J1", ["J3"], "parent_not_found"),
        ("programs", "P1", ["V1"], "parent_not_allowed"),
        ("programs", "P1", ["G1", "P2"], "parent_not_allowed"),
        ("programs", "P1", ["J1"], "parent_not_allowed"),
        ("programs", "P1", ["A1"], "parent_not_allowed"),
        ("projects", "J1", ["J2"], "parent_not_allowed"),
        ("projects", "J1", ["A1"], "parent_not_allowed"),
        ("projects", "J1", ["V1"], "parent_not_allowed"),
        ("actions", "A1", ["V1"], "parent_not_allowed"),
        ("programs", "P1", ["G1", "G1"], "invalid_links"),
        ("actions", "A1", ["J1", "P1", "J1"], "invalid_links"),
    ],
)
def test_link_set_refuses_parents(
    linking: Linking, key: str, item: str, parents: list[str], code: str
) -> None:
    plan = linking.plan
    payload = {
        "stage_id": plan.stages[key],
        "links": {str(linking[item]): [linking[name] for name in parents]},
    }
    refuse(plan.room, plan.people[0].sock, "link:set", payload, code)


def test_link_set_refuses_parents_of_another_workshop(linking: Linking, other: Room) -> None:
    plan = linking.plan
    payload = {
        "stage_id": plan.stages["programs"],
        "links": {str(linking["P1"]): [foreign_idea(other)]},
    }
    refuse(plan.room, plan.people[0].sock, "link:set", payload, "parent_not_found")
    payload["links"] = {str(linking["P1"]): [NOWHERE]}
    refuse(plan.room, plan.people[0].sock, "link:set", payload, "parent_not_found")


def test_link_set_at_most_twenty_parents_per_item(linking: Linking) -> None:
    plan = linking.plan
    payload = {
        "stage_id": plan.stages["programs"],
        "links": {str(linking["P1"]): list(range(1, 22))},
    }
    refuse(plan.room, plan.people[0].sock, "link:set", payload, "invalid_links")


def test_link_set_after_finish_is_workshop_finished(linking: Linking) -> None:
    plan = linking.plan
    ok(plan.fac, "workshop:finish")
    payload = {"stage_id": plan.stages["programs"], "links": {str(linking["P1"]): [linking["G1"]]}}
    refuse(plan.room, plan.people[0].sock, "link:set", payload, "workshop_finished")


# --------------------------------------------------------------------------- link:confirm


def confirm(fac: SocketIOTestClient, idea_id: int, parents: list[int]) -> dict[str, Any]:
    return ok(fac, "link:confirm", {"idea_id": idea_id, "parent_ids": parents})


def test_link_confirm_settles_the_links_and_everyone_sees_them(linking: Linking) -> None:
    plan = linking.plan
    j1, p1, g2 = linking["J1"], linking["P1"], linking["G2"]
    plan.drain()
    answer = confirm(plan.fac, j1, [p1, g2])
    assert answer == {
        "ok": True,
        "idea": {"id": j1, "stage_id": plan.stages["projects"], "links": sorted([p1, g2])},
    }
    for sock in plan.socks():
        state = inbox(sock)["state"][-1]
        stage = stage_of(state, plan.stages["projects"])
        shown = {item["id"]: item["links"] for item in stage["ideas"]}
        assert shown[j1] == sorted([p1, g2])
        assert shown[linking["J2"]] == []
        assert {item["id"]: item["links"] for item in stage["selected"]} == {
            j1: sorted([p1, g2]),
            linking["J2"]: [],
        }
    assert confirm(plan.fac, j1, [])["idea"]["links"] == []
    assert (
        stage_of(plan.room.facilitator_state(), plan.stages["projects"])["selected"][0]["links"]
        == []
    )


def test_link_confirm_does_not_touch_proposals(linking: Linking) -> None:
    plan = linking.plan
    programs = plan.stages["programs"]
    link_set(plan.people[0], programs, {linking["P1"]: [linking["G1"]]})
    confirm(plan.fac, linking["P1"], [linking["G2"]])
    assert plan.stage("programs")["link_proposals"] == {str(linking["P1"]): {str(linking["G1"]): 1}}
    assert me_of(plan.room, plan.people[0])["links"] == {
        str(programs): {str(linking["P1"]): [linking["G1"]]}
    }


def test_link_confirm_again_changes_nothing(linking: Linking) -> None:
    plan = linking.plan
    first = confirm(plan.fac, linking["A1"], [linking["J2"], linking["P3"]])
    before = database(plan.room.app)
    assert confirm(plan.fac, linking["A1"], [linking["P3"], linking["J2"]]) == first
    assert database(plan.room.app) == before


def test_link_confirm_works_in_any_step_after_the_parents_are_decided(linking: Linking) -> None:
    plan = linking.plan
    plan.to("programs", "define")
    assert confirm(plan.fac, linking["P2"], [linking["G4"]])["idea"]["links"] == [linking["G4"]]


def test_link_confirm_malformed_payloads_are_invalid_payload(linking: Linking) -> None:
    j1, p1 = linking["J1"], linking["P1"]
    for payload in [
        None,
        {"idea_id": j1},
        {"parent_ids": [p1]},
        {"idea_id": str(j1), "parent_ids": [p1]},
        {"idea_id": j1, "parent_ids": p1},
        {"idea_id": j1, "parent_ids": [str(p1)]},
        {"idea_id": j1, "parent_ids": [0]},
        {"idea_id": j1, "parent_ids": {"0": p1}},
    ]:
        refuse(linking.room, linking.plan.fac, "link:confirm", payload, "invalid_payload")


def test_link_confirm_more_than_twenty_parents_is_invalid_links(linking: Linking) -> None:
    """The documented code for "more than 20 parents for one item", as for `link:set`."""
    payload = {"idea_id": linking["J1"], "parent_ids": list(range(1, 22))}
    refuse(linking.room, linking.plan.fac, "link:confirm", payload, "invalid_links")


def test_link_confirm_is_for_the_console(linking: Linking) -> None:
    plan = linking.plan
    payload = {"idea_id": linking["J1"], "parent_ids": [linking["G1"]]}
    refuse(plan.room, plan.room.connect(), "link:confirm", payload, "not_joined")
    refuse(plan.room, plan.people[0].sock, "link:confirm", payload, "forbidden")
    refuse(plan.room, plan.proj, "link:confirm", payload, "forbidden")


def test_link_confirm_on_an_unknown_foreign_or_hidden_idea(linking: Linking, other: Room) -> None:
    stranger = foreign_idea(other)
    theirs = other.facilitator_state()
    for idea_id in (NOWHERE, stranger, linking["J3"]):
        payload = {"idea_id": idea_id, "parent_ids": [linking["G1"]]}
        refuse(linking.room, linking.plan.fac, "link:confirm", payload, "idea_not_found")
    assert other.facilitator_state() == theirs


@pytest.mark.parametrize(
    ("item", "parents", "code"),
    [
        ("V1", [], "link_not_allowed"),
        ("V1", ["G1"], "link_not_allowed"),
        ("G1", ["V1"], "parent_not_allowed"),
        ("G1", ["G2"], "parent_not_allowed"),
        ("P1", ["G5"], "parent_not_found"),
        ("P1", [NOWHERE], "parent_not_found"),
        ("J1", ["J3"], "parent_not_found"),
        ("P1", ["V1"], "parent_not_allowed"),
        ("P1", ["P2"], "parent_not_allowed"),
        ("P1", ["J1"], "parent_not_allowed"),
        ("J1", ["J2"], "parent_not_allowed"),
        ("J2", ["A1"], "parent_not_allowed"),
        ("A1", ["A1"], "parent_not_allowed"),
        ("P1", ["G1", "G1"], "invalid_links"),
    ],
)
def test_link_confirm_refuses(linking: Linking, item: str, parents: list[Any], code: str) -> None:
    ids = [linking[p] if isinstance(p, str) else p for p in parents]
    payload = {"idea_id": linking[item], "parent_ids": ids}
    refuse(linking.room, linking.plan.fac, "link:confirm", payload, code)


def test_link_confirm_refuses_parents_of_another_workshop(linking: Linking, other: Room) -> None:
    payload = {"idea_id": linking["P1"], "parent_ids": [foreign_idea(other)]}
    refuse(linking.room, linking.plan.fac, "link:confirm", payload, "parent_not_found")


def test_link_confirm_after_finish_is_workshop_finished(linking: Linking) -> None:
    ok(linking.plan.fac, "workshop:finish")
    payload = {"idea_id": linking["P1"], "parent_ids": [linking["G1"]]}
    refuse(linking.room, linking.plan.fac, "link:confirm", payload, "workshop_finished")


def test_proposals_for_an_item_hidden_since_drop_out(app: Flask, client: FlaskClient) -> None:
    """A hidden item's proposals leave `me.links` and the counts, so the phone's next send,
    built from `me.links`, is accepted."""
    room = Room.create(app, client, template="align-programs-projects")
    try:
        fac = room.facilitator()
        person = room.participant("Ana")
        ids = room.stage_ids()
        goal = ok(fac, "idea:submit", {"stage_id": ids["goals"], "text": "Goal"})["idea"]["id"]
        ok(fac, "stage:phase", {"stage_id": ids["goals"], "phase": "done"})
        ok(fac, "stage:phase", {"stage_id": ids["programs"], "phase": "brainstorm"})
        texts = ("Program A", "Program A again")
        kept, dropped = (
            ok(person.sock, "idea:submit", {"stage_id": ids["programs"], "text": text})["idea"][
                "id"
            ]
            for text in texts
        )
        ok(fac, "stage:phase", {"stage_id": ids["programs"], "phase": "link"})
        both = {str(kept): [goal], str(dropped): [goal]}
        ok(person.sock, "link:set", {"stage_id": ids["programs"], "links": both})
        ok(fac, "idea:hide", {"idea_id": dropped})
        resumed = room.participant(token=person.token)
        mine = resumed.state["me"]["links"][str(ids["programs"])]
        assert mine == {str(kept): [goal]}
        stage = next(s for s in room.facilitator_state()["stages"] if s["id"] == ids["programs"])
        assert stage["link_proposals"] == {str(kept): {str(goal): 1}}
        ok(resumed.sock, "link:set", {"stage_id": ids["programs"], "links": mine})
    finally:
        room.close()


def test_links_to_a_goal_no_longer_selected_leave_the_state_and_the_plan(
    app: Flask, client: FlaskClient
) -> None:
    """The room decides its goal again and picks another: a program linked to the first one
    no longer serves anything, in the state and in the plan (a gap, not a stale line)."""
    room = Room.create(app, client)
    try:
        agenda = {
            "stages": [
                {
                    "key": "goals",
                    "title": "Goals",
                    "steps": [
                        {"kind": "brainstorm"},
                        {"kind": "vote", "dot_budget": 1},
                        {"kind": "done", "select_count": 1},
                    ],
                },
                {
                    "key": "programs",
                    "title": "Programs",
                    "steps": [{"kind": "brainstorm"}, {"kind": "link"}, {"kind": "done"}],
                },
            ]
        }
        headers = {"Authorization": f"Bearer {room.key}"}
        put = client.put(f"/api/workshops/{room.id}/agenda", json=agenda, headers=headers)
        assert put.status_code == 200, put.get_json()
        fac = room.facilitator()
        person = room.participant("Ana")
        ids = room.stage_ids()
        goals, programs = ids["goals"], ids["programs"]
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "brainstorm"})
        first, second = (
            ok(person.sock, "idea:submit", {"stage_id": goals, "text": text})["idea"]["id"]
            for text in ("Goal one", "Goal two")
        )
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "vote"})
        ok(person.sock, "votes:set", {"stage_id": goals, "votes": {str(first): 1}})
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "done"})
        program = ok(fac, "idea:submit", {"stage_id": programs, "text": "P"})["idea"]["id"]
        ok(fac, "link:confirm", {"idea_id": program, "parent_ids": [first]})
        # The room changes its mind: back to the vote, the dot moves, decided again.
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "vote"})
        ok(person.sock, "votes:set", {"stage_id": goals, "votes": {str(second): 1}})
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "done"})
        state = room.facilitator_state()
        stage = next(s for s in state["stages"] if s["id"] == programs)
        assert [item["id"] for item in stage["ideas"]] == [program]
        assert stage["ideas"][0]["links"] == []
        assert stage["parents"] == [second]
        ok(fac, "stage:phase", {"stage_id": programs, "phase": "brainstorm"})
        ok(fac, "stage:phase", {"stage_id": programs, "phase": "link"})
        ok(fac, "stage:phase", {"stage_id": programs, "phase": "done"})
        ok(fac, "workshop:finish")
        plan = client.get(f"/api/workshops/{room.id}/plan.md", headers=headers).get_data(
            as_text=True
        )
        # The program served "Goal one", which is no longer selected: it serves nothing now.
        assert "| Goals served | no goal |" in plan
        assert "| Goals served | Goal one |" not in plan
        gaps = plan.split("\n## Gaps\n", 1)[1].split("\n## ", 1)[0]
        assert "**Program that serves no goal (1)**\n\n- P\n" in gaps
        assert "**Goal that nothing serves (1)**\n\n- Goal two\n" in gaps
    finally:
        room.close()
