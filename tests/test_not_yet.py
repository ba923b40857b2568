"""Who has not acted yet: the console's `not_yet` on the current stage (state and tally), built
from each activity's `acted` hook, through the real Socket.IO test client.

A named room: the console lists who has not voted (allocated, rated, ranked, linked, sent an
idea) in the current step, by name in joining order, and counts the anonymous ones; removed
participants are not waited for; phones and the projector never see any of it; a step that
asks nothing of participants (define, results) and every other stage carry null.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import event
from sqlmodel import Session

from tests.factories import Participant, Room, ok, received
from tests.test_events import settle, until
from workshop.persistence.db import get_engine
from workshop.persistence.queries import get_workshop
from workshop.realtime import snapshot


def steps(*kinds: str, **settings: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": kind, **settings.get(kind, {})} for kind in kinds]


AGENDA = [
    {
        "key": "goals",
        "title": "Goals",
        "prompt": "Which goals?",
        "steps": steps(
            "brainstorm",
            "vote",
            "allocate",
            "rate",
            "rank",
            "done",
            "define",
            done={"select_count": 2},
            rank={"shortlist_size": 3},
        ),
    },
    {
        "key": "programs",
        "title": "Programs",
        "prompt": "Which programs?",
        "steps": steps("brainstorm", "done", "link", done={"select_count": 0}),
    },
]


def not_yet(count: int, names: list[str], unnamed: int) -> dict[str, Any]:
    return {"count": count, "names": names, "unnamed": unnamed}


@dataclass
class Day:
    """A started two-stage workshop: a console, a projector and four phones who joined in
    this order: Ana, Ben, someone without a name, Cleo."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: dict[str, Participant]
    stages: dict[str, int]

    @property
    def phones(self) -> list[SocketIOTestClient]:
        return [p.sock for p in self.people.values()]

    def to(self, key: str, kind: str) -> dict[str, Any]:
        """Move a stage to its `kind` step (the next ones, in order); the console's state for
        it, once it has arrived."""
        stage_id = self.stages[key]
        kinds = [s["kind"] for s in stage_of(self.room.facilitator_state(), stage_id)["steps"]]
        current = stage_of(self.room.facilitator_state(), stage_id)["step"]
        for step in kinds[current + 1 : kinds.index(kind) + 1]:
            ok(self.fac, "stage:phase", {"stage_id": stage_id, "phase": step})
        states = until(
            self.fac,
            "state",
            lambda s: s["current"] == {"stage_id": stage_id, "phase": kind},
        )
        return stage_of(states[-1], stage_id)

    def waiting(self, key: str = "goals") -> Any:
        """The console's `not_yet` of a stage as a fresh state has it."""
        return stage_of(self.room.facilitator_state(), self.stages[key])["not_yet"]

    def tally_until(self, key: str, expected: Any) -> dict[str, Any]:
        """The console's tallies of a stage until one carries `expected` as its `not_yet`."""
        stage_id = self.stages[key]
        tallies = until(
            self.fac,
            "tally",
            lambda t: t["stage_id"] == stage_id and t.get("not_yet") == expected,
        )
        last: dict[str, Any] = tallies[-1]
        return last

    def ideas(self, key: str = "goals") -> list[int]:
        stage = stage_of(self.room.facilitator_state(), self.stages[key])
        return [idea["id"] for idea in stage["ideas"]]


def stage_of(state: dict[str, Any], stage_id: int) -> dict[str, Any]:
    return next(stage for stage in state["stages"] if stage["id"] == stage_id)


@pytest.fixture
def day(app: Flask, client: FlaskClient) -> Iterator[Day]:
    room = Room.create(app, client, title="Acme 2030")
    response = client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": AGENDA},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 200, response.get_json()
    fac, proj = room.facilitator(), room.projector()
    people = {
        "Ana": room.participant("Ana"),
        "Ben": room.participant("Ben"),
        "anonymous": room.participant(),
        "Cleo": room.participant("Cleo"),
    }
    stages = {s["key"]: s["id"] for s in room.facilitator_state()["stages"]}
    made = Day(room, fac, proj, people, stages)
    settle(fac, proj, *made.phones)
    yield made
    room.close()


def in_vote(day: Day) -> list[int]:
    """Open the goals stage, the facilitator writes four goals, then the dot vote opens."""
    ok(day.fac, "stage:phase", {"stage_id": day.stages["goals"], "phase": "brainstorm"})
    for text in ("Grow", "Hire", "Save", "Teach"):
        ok(day.fac, "idea:submit", {"stage_id": day.stages["goals"], "text": text})
    day.to("goals", "vote")
    settle(day.fac, day.proj, *day.phones)
    return day.ideas()


EVERYONE = not_yet(4, ["Ana", "Ben", "Cleo"], 1)


# --------------------------------------------------------------------------- the dot vote


def test_the_names_of_those_who_have_not_voted_shrink_as_they_vote(day: Day) -> None:
    grow, hire, *_ = in_vote(day)
    assert day.waiting() == EVERYONE
    sid = day.stages["goals"]

    ok(day.people["Ana"].sock, "votes:set", {"stage_id": sid, "votes": {str(grow): 2}})
    tally = day.tally_until("goals", not_yet(3, ["Ben", "Cleo"], 1))
    assert tally["voters"] == 1 and tally["participants"] == 4
    ok(day.people["anonymous"].sock, "votes:set", {"stage_id": sid, "votes": {str(hire): 1}})
    day.tally_until("goals", not_yet(2, ["Ben", "Cleo"], 0))
    ok(day.people["Cleo"].sock, "votes:set", {"stage_id": sid, "votes": {str(hire): 3}})
    day.tally_until("goals", not_yet(1, ["Ben"], 0))
    assert day.waiting() == not_yet(1, ["Ben"], 0)

    # Taking every dot back is not having voted: Ana is waited for again, in her place.
    ok(day.people["Ana"].sock, "votes:set", {"stage_id": sid, "votes": {}})
    day.tally_until("goals", not_yet(2, ["Ana", "Ben"], 0))
    ok(day.people["Ben"].sock, "votes:set", {"stage_id": sid, "votes": {str(grow): 1}})
    ok(day.people["Ana"].sock, "votes:set", {"stage_id": sid, "votes": {str(grow): 1}})
    day.tally_until("goals", not_yet(0, [], 0))
    assert day.waiting() == not_yet(0, [], 0)


def test_phones_and_the_projector_never_see_who_has_not_voted(day: Day) -> None:
    grow, *_ = in_vote(day)
    sid = day.stages["goals"]
    ok(day.people["Ana"].sock, "votes:set", {"stage_id": sid, "votes": {str(grow): 1}})
    day.tally_until("goals", not_yet(3, ["Ben", "Cleo"], 1))
    projector_tallies = until(day.proj, "tally", lambda t: t["voters"] == 1)
    assert all("not_yet" not in tally for tally in projector_tallies)
    assert all(not received(sock, "tally") for sock in day.phones)
    # A fresh state for every audience (a phase change), then each one's copy.
    ok(day.fac, "stage:phase", {"stage_id": sid, "phase": "allocate"})
    for sock in (day.proj, *day.phones):
        state = until(sock, "state", lambda s: s["current"]["phase"] == "allocate")[-1]
        assert all("not_yet" not in stage for stage in state["stages"])
    # A phone (re)joining and a projector opening get their snapshot in the ack.
    again = ok(
        day.room.connect(), "join", {"code": day.room.code, "token": day.people["Ana"].token}
    )
    assert all("not_yet" not in stage for stage in again["state"]["stages"])
    screen = day.room.connect()
    shown = ok(screen, "present", {"workshop_id": day.room.id, "token": day.room.projector_token})
    assert all("not_yet" not in stage for stage in shown["state"]["stages"])


def test_removed_participants_are_not_waited_for(day: Day) -> None:
    in_vote(day)
    ok(day.fac, "participant:remove", {"participant_id": day.people["Ben"].id})
    state = until(day.fac, "state", lambda s: s["participant_count"] == 3)[-1]
    assert stage_of(state, day.stages["goals"])["not_yet"] == not_yet(3, ["Ana", "Cleo"], 1)
    ok(
        day.people["Cleo"].sock,
        "votes:set",
        {"stage_id": day.stages["goals"], "votes": {str(day.ideas()[0]): 1}},
    )
    tally = day.tally_until("goals", not_yet(2, ["Ana"], 1))
    assert tally["participants"] == 3


def test_a_new_participant_is_waited_for_from_the_next_tally(day: Day) -> None:
    grow, *_ = in_vote(day)
    day.room.participant("Dara")
    ok(
        day.people["Ana"].sock,
        "votes:set",
        {"stage_id": day.stages["goals"], "votes": {str(grow): 1}},
    )
    day.tally_until("goals", not_yet(4, ["Ben", "Cleo", "Dara"], 1))


# --------------------------------------------------------------------------- every step


def test_each_scoring_step_waits_for_its_own_entries(day: Day) -> None:
    """Points, ratings and orders: each step starts with everyone waited for (what was given
    in the step before does not count) and drops each participant once they give something."""
    ids = in_vote(day)
    sid = day.stages["goals"]
    for person in day.people.values():
        ok(person.sock, "votes:set", {"stage_id": sid, "votes": {str(ids[0]): 1}})
    day.tally_until("goals", not_yet(0, [], 0))

    day.to("goals", "allocate")
    assert day.waiting() == EVERYONE
    ok(day.people["Ben"].sock, "allocation:set", {"stage_id": sid, "points": {str(ids[1]): 60}})
    day.tally_until("goals", not_yet(3, ["Ana", "Cleo"], 1))

    day.to("goals", "rate")
    assert day.waiting() == EVERYONE
    rating = {str(ids[2]): {"impact": 4}}
    ok(day.people["Cleo"].sock, "rating:set", {"stage_id": sid, "ratings": rating})
    day.tally_until("goals", not_yet(3, ["Ana", "Ben"], 1))

    shortlist = day.to("goals", "rank")["shortlist"]
    assert day.waiting() == EVERYONE
    ok(day.people["anonymous"].sock, "ranking:set", {"stage_id": sid, "order": shortlist})
    day.tally_until("goals", not_yet(3, ["Ana", "Ben", "Cleo"], 0))
    # An empty order withdraws the ranking.
    ok(day.people["anonymous"].sock, "ranking:set", {"stage_id": sid, "order": []})
    day.tally_until("goals", EVERYONE)


def test_a_brainstorm_waits_for_those_who_sent_no_idea(day: Day) -> None:
    sid = day.stages["goals"]
    ok(day.fac, "stage:phase", {"stage_id": sid, "phase": "brainstorm"})
    until(day.fac, "state", lambda s: s["current"]["phase"] == "brainstorm")
    assert day.waiting() == EVERYONE
    # The facilitator's own items are nobody's.
    ok(day.fac, "idea:submit", {"stage_id": sid, "text": "Preloaded"})
    ok(day.people["Cleo"].sock, "idea:submit", {"stage_id": sid, "text": "Grow"})
    day.tally_until("goals", not_yet(3, ["Ana", "Ben"], 1))
    ok(day.people["Cleo"].sock, "idea:submit", {"stage_id": sid, "text": "Hire"})
    ok(day.people["Ana"].sock, "idea:submit", {"stage_id": sid, "text": "Save"})
    day.tally_until("goals", not_yet(2, ["Ben"], 1))
    assert day.waiting() == not_yet(2, ["Ben"], 1)


def test_a_link_step_waits_for_those_who_proposed_no_link(day: Day) -> None:
    goals, programs = day.stages["goals"], day.stages["programs"]
    ok(day.fac, "stage:phase", {"stage_id": goals, "phase": "brainstorm"})
    for text in ("Grow", "Hire", "Save"):
        ok(day.fac, "idea:submit", {"stage_id": goals, "text": text})
    day.to("goals", "done")
    chosen = [i["id"] for i in stage_of(day.room.facilitator_state(), goals)["selected"]]
    ok(day.fac, "stage:phase", {"stage_id": programs, "phase": "brainstorm"})
    item = ok(day.fac, "idea:submit", {"stage_id": programs, "text": "Academy"})["idea"]["id"]
    day.to("programs", "link")
    assert day.waiting("programs") == EVERYONE
    # The goals stage is no longer current: nobody is waited for there.
    assert day.waiting("goals") is None
    links = {str(item): [chosen[0]]}
    ok(day.people["Ben"].sock, "link:set", {"stage_id": programs, "links": links})
    day.tally_until("programs", not_yet(3, ["Ana", "Cleo"], 1))
    ok(day.people["Ben"].sock, "link:set", {"stage_id": programs, "links": {}})
    day.tally_until("programs", EVERYONE)


def test_steps_that_ask_nothing_of_participants_wait_for_nobody(day: Day) -> None:
    sid = day.stages["goals"]
    # The lobby: nothing is open yet.
    assert day.waiting() is None
    assert day.waiting("programs") is None
    ok(day.fac, "stage:phase", {"stage_id": sid, "phase": "brainstorm"})
    for text in ("Grow", "Hire", "Save"):
        ok(day.fac, "idea:submit", {"stage_id": sid, "text": text})
    # Results.
    day.to("goals", "done")
    assert day.waiting() is None
    # Define: the facilitator captures the fields; a suggestion is welcome, never owed.
    day.to("goals", "define")
    assert day.waiting() is None
    # A stage that is not current waits for nobody, whatever step it is in.
    assert day.waiting("programs") is None
    # A finished workshop waits for nobody.
    ok(day.fac, "workshop:finish", {})
    assert day.waiting() is None


def test_a_tally_of_another_stage_carries_null(day: Day) -> None:
    """A stage that is not the current one (a vote left open while the room moved on) waits
    for nobody, in its tallies too."""
    ids = in_vote(day)
    sid = day.stages["goals"]
    ok(day.fac, "stage:phase", {"stage_id": day.stages["programs"], "phase": "brainstorm"})
    until(day.fac, "state", lambda s: s["current"]["stage_id"] == day.stages["programs"])
    ok(day.people["Ana"].sock, "votes:set", {"stage_id": sid, "votes": {str(ids[0]): 1}})
    tally = until(day.fac, "tally", lambda t: t["stage_id"] == sid)[-1]
    assert tally["not_yet"] is None
    assert day.waiting() is None


# --------------------------------------------------------------------------- cost


def test_a_tally_reads_who_has_acted_in_one_query(day: Day, app: Flask) -> None:
    """With many participants a tally still reads the room in a fixed number of queries: one
    for who has acted, one for who is in the room, whatever the room's size."""
    in_vote(day)
    for n in range(60):
        day.room.participant(f"P{n}" if n % 3 else None)
    settle(day.fac, day.proj, *day.phones)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context(), Session(engine) as db:
            workshop = get_workshop(db, day.room.id)
            statements.clear()
            console, projector = snapshot.tallies(db, workshop, day.stages["goals"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert console["not_yet"]["count"] == 64
    assert console["not_yet"]["unnamed"] == 21
    assert "not_yet" not in projector
    on_people = [s for s in statements if "FROM participant" in s]
    assert len(on_people) == 1, on_people
    on_votes = [s for s in statements if "DISTINCT" in s and "dotvote" in s]
    assert len(on_votes) == 1, on_votes
