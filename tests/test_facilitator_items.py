"""Items the facilitator adds with `idea:submit` (`workshop/activities/brainstorm.py`):
preloaded before a stage opens or added during it, until the stage is ranked or decided."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, ack, ok
from tests.test_events import database, drain, inbox, me_of, phase, refuse, settle, stage_of, submit

NOWHERE = 10**9


@dataclass
class Console:
    """The default workshop with a console, a projector and two phones connected."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]

    def add(self, key: str, text: str, client_id: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"stage_id": self.stages[key], "text": text}
        if client_id is not None:
            payload["client_id"] = client_id
        # More items than one connection's burst of events (40): wait as the console does.
        answer = ack(self.fac, "idea:submit", payload)
        while not answer["ok"] and answer["error"]["code"] == "rate_limited":
            time.sleep(answer["error"]["retry_after"])
            answer = ack(self.fac, "idea:submit", payload)
        assert answer["ok"] is True, answer
        return answer

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]


@pytest.fixture
def console(room: Room) -> Console:
    made = Console(
        room,
        room.facilitator(),
        room.projector(),
        [room.participant("Ana"), room.participant("Ben")],
        room.stage_ids(),
    )
    settle(*made.socks())
    return made


def test_preloading_a_pending_stage_reaches_everyone(console: Console) -> None:
    goals = console.stages["goals"]
    answer = console.add("goals", "  Halve our emissions ")
    idea = answer["idea"]
    assert answer == {
        "ok": True,
        "idea": {"id": idea["id"], "stage_id": goals, "text": "Halve our emissions"},
        "duplicate": False,
    }
    for screen in (console.fac, console.proj):
        got = inbox(screen)
        assert got["idea:added"] == [{"idea": idea}]
        assert len(got["state"]) == 1
    for person in console.people:
        got = inbox(person.sock)
        assert "idea:added" not in got
        state = got["state"][-1]
        assert state["me"]["id"] == person.id
        assert state["me"]["ideas"] == []
        assert stage_of(state, goals)["ideas"] == [
            {
                "id": idea["id"],
                "text": "Halve our emissions",
                "fields": {},
                "links": [],
                "from_facilitator": True,
            }
        ]
    shown = stage_of(console.room.facilitator_state(), goals)
    assert shown["phase"] == "pending"
    assert [(i["id"], i["from_facilitator"], i["hidden"]) for i in shown["ideas"]] == [
        (idea["id"], True, False)
    ]


def test_facilitator_items_sit_beside_the_phones_ideas(console: Console) -> None:
    vision = console.stages["vision"]
    ana = console.people[0]
    mine = submit(ana, vision, "From Ana")
    theirs = console.add("vision", "From the console")["idea"]["id"]
    ideas = stage_of(console.room.facilitator_state(), vision)["ideas"]
    assert [(i["id"], i["from_facilitator"]) for i in ideas] == [(mine, False), (theirs, True)]
    assert me_of(console.room, ana)["ideas"] == [mine]


def test_items_can_be_added_during_the_vote_and_take_dots(console: Console) -> None:
    vision = console.stages["vision"]
    submit(console.people[0], vision, "First")
    phase(console.fac, vision, "vote")
    drain(*console.socks())
    late = console.add("vision", "Added while voting")["idea"]["id"]
    for person in console.people:
        state = inbox(person.sock)["state"][-1]
        assert late in [i["id"] for i in stage_of(state, vision)["ideas"]]
    votes = {"stage_id": vision, "votes": {str(late): 2}}
    assert ok(console.people[1].sock, "votes:set", votes)["remaining"] == 3


def test_no_items_once_the_stage_is_ranked_or_decided(console: Console) -> None:
    vision = console.stages["vision"]
    submit(console.people[0], vision, "An idea")
    payload = {"stage_id": vision, "text": "Too late"}
    phase(console.fac, vision, "vote")
    phase(console.fac, vision, "rank")
    refuse(console.room, console.fac, "idea:submit", payload, "wrong_phase")
    phase(console.fac, vision, "done")
    refuse(console.room, console.fac, "idea:submit", payload, "wrong_phase")
    phase(console.fac, vision, "rank")
    phase(console.fac, vision, "vote")
    assert console.add("vision", "Back in the vote")["duplicate"] is False


def test_a_forgotten_goal_joins_a_decided_stage_that_keeps_every_item(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, template="align-programs-projects")
    fac = room.facilitator()
    goals = room.stage_ids()["goals"]
    first = ok(fac, "idea:submit", {"stage_id": goals, "text": "Preloaded goal"})["idea"]["id"]
    phase(fac, goals, "done")
    phase(fac, goals, "define")
    late = ok(fac, "idea:submit", {"stage_id": goals, "text": "Forgotten goal"})["idea"]["id"]
    stage = next(s for s in room.facilitator_state()["stages"] if s["id"] == goals)
    assert [item["id"] for item in stage["selected"]] == [first, late]
    room.close()


def test_no_items_after_a_ranked_decision_even_in_link_and_define(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, template="full-strategic-plan")
    fac = room.facilitator()
    programs = room.stage_ids()["programs"]
    ok(fac, "idea:submit", {"stage_id": programs, "text": "Preloaded program"})
    for kind in ("brainstorm", "vote", "rank"):
        phase(fac, programs, kind)
    refuse(room, fac, "idea:submit", {"stage_id": programs, "text": "Late"}, "wrong_phase")
    for kind in ("done", "link", "define"):
        phase(fac, programs, kind)
        refuse(room, fac, "idea:submit", {"stage_id": programs, "text": "Late"}, "wrong_phase")
    room.close()


def test_a_retried_item_is_added_once(console: Console) -> None:
    first = console.add("goals", "Preloaded", client_id="item-1")
    settle(*console.socks())
    before = (database(console.room.app), console.room.facilitator_state())
    again = console.add("goals", "Preloaded", client_id="item-1")
    assert again == {**first, "duplicate": True}
    assert (database(console.room.app), console.room.facilitator_state()) == before
    for sock in console.socks():
        assert inbox(sock) == {}


def test_a_retry_from_a_second_console_is_the_same_item(console: Console) -> None:
    first = console.add("goals", "Preloaded", client_id="item-1")
    second_console = console.room.facilitator()
    payload = {"stage_id": console.stages["goals"], "text": "Preloaded", "client_id": "item-1"}
    assert ok(second_console, "idea:submit", payload) == {**first, "duplicate": True}


def test_a_retry_after_the_stage_moved_on_still_answers(console: Console) -> None:
    vision = console.stages["vision"]
    first = console.add("vision", "Mine", client_id="late-ack")
    phase(console.fac, vision, "vote")
    phase(console.fac, vision, "rank")
    assert console.add("vision", "Mine", client_id="late-ack") == {**first, "duplicate": True}


def test_a_client_id_used_for_another_stage_is_invalid_payload(console: Console) -> None:
    console.add("goals", "Preloaded", client_id="item-1")
    payload = {"stage_id": console.stages["projects"], "text": "Other", "client_id": "item-1"}
    refuse(console.room, console.fac, "idea:submit", payload, "invalid_payload")


def test_facilitator_and_participant_client_ids_are_apart(console: Console, other: Room) -> None:
    vision = console.stages["vision"]
    mine = console.add("vision", "Console's", client_id="same")["idea"]["id"]
    payload = {"stage_id": vision, "text": "Ana's", "client_id": "same"}
    anas = ok(console.people[0].sock, "idea:submit", payload)
    assert anas["duplicate"] is False and anas["idea"]["id"] != mine
    their_console = other.facilitator()
    theirs = ok(
        their_console,
        "idea:submit",
        {"stage_id": other.stage_ids()["vision"], "text": "Other's", "client_id": "same"},
    )
    assert theirs["duplicate"] is False and theirs["idea"]["id"] not in (mine, anas["idea"]["id"])


def test_facilitator_items_are_not_counted_against_a_phone(console: Console) -> None:
    for n in range(51):
        console.add("goals", f"Goal {n}")
    ideas = stage_of(console.room.facilitator_state(), console.stages["goals"])["ideas"]
    assert len(ideas) == 51


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (None, "invalid_payload"),
        ({"text": "No stage"}, "invalid_payload"),
        ({"stage_id": "GOALS", "text": "x"}, "invalid_payload"),
        ({"stage_id": "goals", "text": 5}, "invalid_payload"),
        ({"stage_id": "goals"}, "invalid_payload"),
        ({"stage_id": "goals", "text": "x", "client_id": ""}, "invalid_payload"),
        ({"stage_id": "goals", "text": "x", "client_id": "c" * 65}, "invalid_payload"),
        ({"stage_id": "goals", "text": ""}, "text_empty"),
        ({"stage_id": "goals", "text": " \n "}, "text_empty"),
        ({"stage_id": "goals", "text": "x" * 281}, "text_too_long"),
        ({"stage_id": NOWHERE, "text": "x"}, "stage_not_found"),
    ],
)
def test_facilitator_items_refused(console: Console, payload: Any, code: str) -> None:
    if isinstance(payload, dict) and payload.get("stage_id") == "goals":
        payload = {**payload, "stage_id": console.stages["goals"]}
    refuse(console.room, console.fac, "idea:submit", payload, code)


def test_no_items_into_another_workshop(console: Console, other: Room) -> None:
    theirs = other.facilitator_state()
    payload = {"stage_id": other.stage_ids()["goals"], "text": "Mine in theirs"}
    refuse(console.room, console.fac, "idea:submit", payload, "stage_not_found")
    assert other.facilitator_state() == theirs


def test_the_projector_and_strangers_add_nothing(console: Console) -> None:
    payload = {"stage_id": console.stages["goals"], "text": "From the screen"}
    refuse(console.room, console.proj, "idea:submit", payload, "forbidden")
    refuse(console.room, console.room.connect(), "idea:submit", payload, "not_joined")


def test_no_items_after_finish(console: Console) -> None:
    ok(console.fac, "workshop:finish")
    payload = {"stage_id": console.stages["goals"], "text": "After the end"}
    refuse(console.room, console.fac, "idea:submit", payload, "workshop_finished")
