"""The Socket.IO API through the Flask-SocketIO test client: a whole workshop, rules and errors."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from sqlmodel import Session

from tests.factories import Participant, Room, ack, error_code, ok, received, wait_for
from workshop import activities
from workshop.activities.base import Activity, EventSpec, Outcome
from workshop.core.payloads import Payload
from workshop.persistence.db import get_engine
from workshop.realtime import events

# A few TALLY_INTERVALs (0.05 s in tests): long enough for any coalesced broadcast to arrive.
SETTLE = 0.2


# --------------------------------------------------------------------------- helpers


def inbox(sock: SocketIOTestClient) -> dict[str, list[Any]]:
    """Every event this client received since the last call, payloads grouped by name."""
    got: dict[str, list[Any]] = defaultdict(list)
    for message in sock.get_received():
        got[message["name"]].append(message["args"][0] if message["args"] else None)
    return got


def drain(*socks: SocketIOTestClient) -> None:
    """Forget everything these clients received so far."""
    for sock in socks:
        sock.get_received()


def settle(*socks: SocketIOTestClient) -> None:
    """Let coalesced broadcasts (tallies, counts) land, then forget everything received."""
    time.sleep(SETTLE)
    drain(*socks)


def until(
    sock: SocketIOTestClient, name: str, done: Callable[[Any], bool], timeout: float = 3.0
) -> list[Any]:
    """The `name` payloads received up to the first that satisfies `done`, which must arrive.

    Coalesced events arrive late, and one scheduled by an earlier action can still be on its
    way, so tests wait for the event that shows the state they expect. Other events are dropped.
    """
    deadline = time.monotonic() + timeout
    got: list[Any] = []
    while time.monotonic() < deadline:
        got += received(sock, name)
        for n, payload in enumerate(got):
            if done(payload):
                return got[: n + 1]
        time.sleep(0.01)
    raise AssertionError(f"no matching {name!r} within {timeout} s; got {got}")


def phase(fac: SocketIOTestClient, stage_id: int, to: str) -> dict[str, Any]:
    stage: dict[str, Any] = ok(fac, "stage:phase", {"stage_id": stage_id, "phase": to})["stage"]
    return stage


def submit(p: Participant, stage_id: int, text: str, client_id: str | None = None) -> int:
    payload: dict[str, Any] = {"stage_id": stage_id, "text": text}
    if client_id is not None:
        payload["client_id"] = client_id
    idea_id: int = ok(p.sock, "idea:submit", payload)["idea"]["id"]
    return idea_id


def vote(p: Participant, stage_id: int, dots: dict[int, int]) -> dict[str, Any]:
    votes = {str(idea_id): count for idea_id, count in dots.items()}
    return ok(p.sock, "votes:set", {"stage_id": stage_id, "votes": votes})


def rank(p: Participant, stage_id: int, order: list[int]) -> dict[str, Any]:
    return ok(p.sock, "ranking:set", {"stage_id": stage_id, "order": order})


def me_of(room: Room, p: Participant) -> dict[str, Any]:
    """A participant's `me` as the server has it, read by resuming on a fresh connection."""
    sock = room.connect()
    result = ok(sock, "join", {"code": room.code, "token": p.token})
    sock.disconnect()
    assert result["resumed"] is True
    me: dict[str, Any] = result["state"]["me"]
    return me


def stage_of(state: dict[str, Any], stage_id: int) -> dict[str, Any]:
    return next(stage for stage in state["stages"] if stage["id"] == stage_id)


def database(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused call wrote nothing anywhere."""
    with get_engine(app).connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {
            name: sorted(
                (tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')), key=repr
            )
            for (name,) in list(tables)
        }


def refuse(room: Room, sock: SocketIOTestClient, event: str, payload: Any, code: str) -> None:
    """Assert the call is refused with `code` and that nothing at all changed."""
    before = (database(room.app), room.facilitator_state())
    assert error_code(sock, event, payload) == code, (event, payload)
    after = (database(room.app), room.facilitator_state())
    assert after == before, f"{event} {payload!r} changed something"


@dataclass
class World:
    """A workshop with a facilitator, a projector and three participants connected."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]

    @property
    def vision(self) -> int:
        return self.stages["vision"]

    def brainstorm(self, stage_id: int, count: int) -> list[int]:
        """Ideas from the participants in turn, earliest first."""
        return [
            submit(self.people[n % len(self.people)], stage_id, f"Idea {n} of stage {stage_id}")
            for n in range(count)
        ]

    def to_vote(self, stage_id: int, count: int = 6) -> list[int]:
        """Brainstorm `count` ideas and open the vote."""
        ideas = self.brainstorm(stage_id, count)
        phase(self.fac, stage_id, "vote")
        # The brainstorm's own tallies (each new idea sends one, coalesced) land first.
        self.settle()
        return ideas

    def to_rank(self, stage_id: int) -> tuple[list[int], list[int]]:
        """Six ideas, votes that shortlist five of them, rank open; returns ideas and shortlist."""
        ideas = self.to_vote(stage_id)
        vote(self.people[0], stage_id, {ideas[0]: 3, ideas[1]: 2})
        vote(self.people[1], stage_id, {ideas[2]: 3, ideas[3]: 2})
        vote(self.people[2], stage_id, {ideas[4]: 3, ideas[0]: 1})
        shortlist: list[int] = phase(self.fac, stage_id, "rank")["shortlist"]
        assert shortlist == [ideas[0], ideas[2], ideas[4], ideas[1], ideas[3]]
        self.drain()
        return ideas, shortlist

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def settle(self) -> None:
        settle(*self.socks())

    def drain(self) -> None:
        drain(*self.socks())


@pytest.fixture
def world(room: Room) -> World:
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy")]
    w = World(room, fac, proj, people, room.stage_ids())
    w.settle()
    return w


# --------------------------------------------------------------------------- a whole workshop

# Seven ideas per stage (by index), four participants. Dots: idea 1 and idea 5 tie on 4 (the
# earlier goes first), ideas 0 and 6 tie on 2 at the edge of the shortlist (idea 0 gets in).
VOTES = [{1: 3, 0: 2}, {5: 3, 2: 2}, {4: 3, 1: 1, 6: 1}, {2: 1, 5: 1, 6: 1, 3: 1}]
TOTALS = [2, 4, 3, 1, 3, 4, 2]
SHORTLIST = [1, 5, 2, 4, 0]
# Borda over a shortlist of 5 (first place 4 points): 2 -> 11, 4 -> 10, 5 -> 7, 0 -> 7, 1 -> 1.
# Ideas 5 and 0 tie on points; idea 5 has more dots, so it goes first although it is later.
RANKINGS = [[2, 0, 4, 5, 1], [2, 5, 0, 1, 4], [4, 2], [4, 5, 0]]
RESULT_ORDER = [2, 4, 5, 0, 1, 6, 3]
SCORES = {2: 11, 4: 10, 5: 7, 0: 7, 1: 1, 6: 0, 3: 0}
SELECTS = {"vision": 1, "goals": 3, "projects": 5}
# The rank step decides, so each shortlisted row carries its measures (docs/decisions.md): an
# item's positions on the four ballots (unranked items share the mean of the places left),
# normalised to 0..1; consensus is 1 - 2 * their population standard deviation, and an item is
# contested when at least 30 % of ballots put it in the top third and 30 % in the bottom third.
# Idea 5 sits at 0.75, 0.25, 0.75, 0.25: deviation 0.25, consensus 0.5, half top and half
# bottom, so contested. Rows outside the shortlist have no measures (None, False).
AGREEMENT = {
    2: (0.2847, False),
    4: (0.1708, False),
    5: (0.5, True),
    0: (0.6464, False),
    1: (0.7927, False),
}
LETTERS = "ABCDEFG"


def test_whole_workshop_through_all_three_stages(room: Room) -> None:
    """Facilitator, projector and four phones take vision, goals and projects from brainstorm to
    done and finish: shortlist, Borda results, selections and every broadcast are right."""
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy", "Dee")]
    stages = room.stage_ids()
    assert list(stages) == ["vision", "goals", "projects"]
    socks = [fac, proj, *(p.sock for p in people)]
    drain(*socks)
    texts: dict[str, list[str]] = {}

    for key, stage_id in stages.items():
        if key != "vision":
            assert phase(fac, stage_id, "brainstorm")["phase"] == "brainstorm"
            drain(*socks)
        title = key.capitalize()
        texts[key] = [f"{title} idea {letter}" for letter in LETTERS]
        ideas = [submit(people[n % 4], stage_id, text) for n, text in enumerate(texts[key])]
        assert ideas == sorted(ideas)
        for screen in (fac, proj):
            added = inbox(screen)["idea:added"]
            assert [a["idea"] for a in added] == [
                {"id": i, "stage_id": stage_id, "text": t}
                for i, t in zip(ideas, texts[key], strict=True)
            ]
        for p in people:
            assert "idea:added" not in inbox(p.sock)

        # Vote: every phone gets the ideas, with its own `me` and no dot totals.
        phase(fac, stage_id, "vote")
        for p in people:
            state = inbox(p.sock)["state"][-1]
            assert state["audience"] == "participant"
            assert state["me"]["id"] == p.id
            assert state["current"] == {"stage_id": stage_id, "phase": "vote"}
            shown = stage_of(state, stage_id)["ideas"]
            assert [i["id"] for i in shown] == ideas
            assert all("votes" not in i for i in shown)
        projected = inbox(proj)["state"][-1]
        assert projected["audience"] == "projector"
        assert "me" not in projected
        for p, dots in zip(people, VOTES, strict=True):
            answer = vote(p, stage_id, {ideas[i]: n for i, n in dots.items()})
            assert answer["remaining"] == 5 - sum(dots.values())
        wanted = (stage_id, sum(TOTALS))

        def counted(t: Any, w: tuple[int, int] = wanted) -> bool:
            return (t["stage_id"], t["dots"]) == w

        tally = until(fac, "tally", counted)[-1]
        assert tally["totals"] == {str(i): n for i, n in zip(ideas, TOTALS, strict=True)}
        assert (tally["voters"], tally["participants"]) == (4, 4)
        totals = room.facilitator_state()
        assert [i["votes"] for i in stage_of(totals, stage_id)["ideas"]] == TOTALS

        # Rank: the shortlist is the top five by dots, ties to the earlier idea.
        drain(*socks)
        shortlist = phase(fac, stage_id, "rank")["shortlist"]
        assert shortlist == [ideas[i] for i in SHORTLIST]
        for p, dots in zip(people, VOTES, strict=True):
            state = inbox(p.sock)["state"][-1]
            assert state["me"]["id"] == p.id
            assert state["me"]["votes"][str(stage_id)] == {
                str(ideas[i]): n for i, n in sorted(dots.items())
            }
            assert state["me"]["remaining"][str(stage_id)] == 5 - sum(dots.values())
            # Totals are not revealed: phones get the same ideas in writing order, so the
            # order does not give the dot ranking away.
            assert stage_of(state, stage_id)["shortlist"] == sorted(shortlist)
        for p, order in zip(people, RANKINGS, strict=True):
            assert rank(p, stage_id, [ideas[i] for i in order])["order"] == [
                ideas[i] for i in order
            ]

        # Done: Borda results, revealed to everyone; the top `select_count` are selected.
        drain(*socks)
        assert phase(fac, stage_id, "done")["phase"] == "done"
        expected = [
            {
                "idea_id": ideas[i],
                "text": texts[key][i],
                "rank": place,
                "score": SCORES[i],
                "votes": TOTALS[i],
                "shortlisted": i in SHORTLIST,
                "selected": place <= SELECTS[key],
                **(
                    {
                        "consensus": AGREEMENT[i][0],
                        "contested": AGREEMENT[i][1],
                        "step_rank": place,
                    }
                    if i in SHORTLIST
                    else {"consensus": None, "contested": False, "step_rank": None}
                ),
            }
            for place, i in enumerate(RESULT_ORDER, 1)
        ]
        assert stage_of(room.facilitator_state(), stage_id)["results"] == expected
        for sock in (proj, *(p.sock for p in people)):
            state = inbox(sock)["state"][-1]
            done = stage_of(state, stage_id)
            assert done["results"] == expected
            assert done["revealed"] is True
            assert [i["votes"] for i in done["ideas"]] == TOTALS
        selected = [r["idea_id"] for r in expected if r["selected"]]
        assert len(selected) == SELECTS[key]
        for p, order in zip(people, RANKINGS, strict=True):
            me = me_of(room, p)
            assert me["rankings"][str(stage_id)] == [ideas[i] for i in order]
        drain(*socks)

    plan = ok(fac, "workshop:finish")["plan"]
    root = f"http://127.0.0.1:5000/api/workshops/{room.id}"
    files = {"md": "plan.md", "html": "plan.html", "pdf": "plan.pdf", "docx": "plan.docx"}
    files |= {"json": "plan.json", "csv": "ideas.csv"}
    files |= {"register": "register.csv", "roadmap": "roadmap.ics"}
    assert plan == {"urls": {name: f"{root}/{file}" for name, file in files.items()}}
    for sock in socks:
        got = inbox(sock)
        assert got["workshop:finished"] == [{"plan": plan}]
        final = got["state"][-1]
        assert final["workshop"]["status"] == "finished"
        assert final["plan"] == plan

    # The plan has the selections in rank order: one vision statement, 3 goals, 5 projects.
    response = room.client.get(f"/api/workshops/{room.id}/plan.md?token={people[2].token}")
    assert response.status_code == 200
    markdown = response.get_data(as_text=True)
    assert f"### Vision\n\n> {texts['vision'][2]}\n" in markdown
    strategic = markdown.split("\n## Strategic goals\n", 1)[1].split("\n## ", 1)[0]
    goals = [f"### {n}. {texts['goals'][i]}\n" for n, i in enumerate([2, 4, 5], 1)]
    places = [strategic.index(goal) for goal in goals]
    assert places == sorted(places)
    section = markdown.split("\n## Projects\n", 1)[1].split("\n## ", 1)[0]
    projects = [f"\n**Project charter: {texts['projects'][i]}**\n" for i in RESULT_ORDER[:5]]
    places = [section.index(project) for project in projects]
    assert places == sorted(places)


# --------------------------------------------------------------------------- invalid_payload


def test_malformed_payloads_are_invalid_payload(world: World) -> None:
    """Non-objects, missing keys, wrong types ("3" for 3, true for 1) and no payload at all are
    refused with invalid_payload, for every event, and write nothing."""
    ideas = world.to_vote(world.vision)
    vote(world.people[0], world.vision, {ideas[0]: 2})
    p, fac, vision = world.people[0].sock, world.fac, world.vision
    cases: list[tuple[SocketIOTestClient, str, Any]] = [
        (p, "idea:submit", ["Idea"]),
        (p, "idea:submit", "Idea"),
        (p, "idea:submit", 3),
        (p, "idea:submit", None),
        (p, "idea:submit", {"text": "Idea"}),
        (p, "idea:submit", {"stage_id": vision}),
        (p, "idea:submit", {"stage_id": str(vision), "text": "Idea"}),
        (p, "idea:submit", {"stage_id": vision, "text": 42}),
        (p, "votes:set", None),
        (p, "votes:set", [vision, {}]),
        (p, "votes:set", {"votes": {str(ideas[1]): 1}}),
        (p, "votes:set", {"stage_id": vision}),
        (p, "votes:set", {"stage_id": str(vision), "votes": {str(ideas[1]): 1}}),
        (p, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): "1"}}),
        (p, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): True}}),
        (p, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): 1.5}}),
        (p, "votes:set", {"stage_id": vision, "votes": {"first": 1}}),
        (p, "votes:set", {"stage_id": vision, "votes": [ideas[1]]}),
        (p, "ranking:set", {"stage_id": vision}),
        (p, "ranking:set", {"order": [ideas[0]]}),
        (p, "ranking:set", {"stage_id": vision, "order": [str(ideas[0])]}),
        (p, "ranking:set", {"stage_id": vision, "order": str(ideas[0])}),
        (fac, "stage:phase", None),
        (fac, "stage:phase", "rank"),
        (fac, "stage:phase", {"stage_id": vision}),
        (fac, "stage:phase", {"phase": "rank"}),
        (fac, "stage:phase", {"stage_id": str(vision), "phase": "rank"}),
        (fac, "stage:phase", {"stage_id": vision, "phase": 3}),
        (fac, "results:reveal", None),
        (fac, "results:reveal", {"stage_id": str(vision)}),
        (fac, "results:reveal", {"stage_id": True}),
        (fac, "idea:hide", None),
        (fac, "idea:hide", {"idea_id": str(ideas[0])}),
        (fac, "idea:hide", {"idea_id": ideas[0], "hidden": "true"}),
        (fac, "idea:hide", {"idea_id": ideas[0], "hidden": 1}),
        (fac, "workshop:finish", ["now"]),
        (fac, "workshop:finish", "now"),
    ]
    for sock, event, payload in cases:
        refuse(world.room, sock, event, payload, "invalid_payload")
    # The connections are still who they were: the same calls, well-formed, work.
    assert phase(fac, vision, "vote")["phase"] == "vote"
    assert vote(world.people[0], vision, {ideas[1]: 1})["remaining"] == 4


def test_malformed_identification_is_invalid_payload(world: World) -> None:
    """join, facilitate and present with bad payloads are refused and bind nothing."""
    room = world.room
    cases: list[tuple[str, Any]] = [
        ("join", None),
        ("join", room.code),
        ("join", {"name": "Ana"}),
        ("join", {"code": 123456}),
        ("join", {"code": room.code, "name": 7}),
        ("join", {"code": room.code, "token": 7}),
        ("facilitate", None),
        ("facilitate", [room.id, room.key]),
        ("facilitate", {"workshop_id": room.id}),
        ("facilitate", {"key": room.key}),
        ("present", {"workshop_id": room.id}),
        ("present", room.key),
    ]
    for event, payload in cases:
        sock = room.connect()
        refuse(room, sock, event, payload, "invalid_payload")
        assert error_code(sock, "idea:submit", {"stage_id": world.vision, "text": "x"}) == (
            "not_joined"
        )
        assert error_code(sock, "results:reveal", {"stage_id": world.vision}) == "not_joined"
        sock.disconnect()


# --------------------------------------------------------------------------- roles


def test_events_before_identifying_are_not_joined(world: World) -> None:
    ideas = world.to_vote(world.vision)
    sock = world.room.connect()
    vision = world.vision
    cases: list[tuple[str, Any]] = [
        ("idea:submit", {"stage_id": vision, "text": "Sneaky"}),
        ("votes:set", {"stage_id": vision, "votes": {str(ideas[0]): 1}}),
        ("ranking:set", {"stage_id": vision, "order": []}),
        ("stage:phase", {"stage_id": vision, "phase": "rank"}),
        ("results:reveal", {"stage_id": vision}),
        ("idea:hide", {"idea_id": ideas[0]}),
        ("workshop:finish", {}),
        ("workshop:finish", None),
    ]
    for event, payload in cases:
        refuse(world.room, sock, event, payload, "not_joined")


def test_participant_cannot_call_facilitator_events(world: World) -> None:
    ideas = world.to_vote(world.vision)
    p = world.people[0].sock
    cases: list[tuple[str, Any]] = [
        ("stage:phase", {"stage_id": world.vision, "phase": "rank"}),
        ("stage:phase", {"stage_id": world.stages["goals"], "phase": "brainstorm"}),
        ("results:reveal", {"stage_id": world.vision}),
        ("idea:hide", {"idea_id": ideas[0]}),
        ("workshop:finish", {}),
    ]
    for event, payload in cases:
        refuse(world.room, p, event, payload, "forbidden")


def test_projector_can_call_nothing(world: World) -> None:
    """The room screen only receives: facilitator and participant events are forbidden."""
    ideas = world.to_vote(world.vision)
    vision = world.vision
    cases: list[tuple[str, Any]] = [
        ("stage:phase", {"stage_id": vision, "phase": "rank"}),
        ("results:reveal", {"stage_id": vision}),
        ("idea:hide", {"idea_id": ideas[0]}),
        ("workshop:finish", {}),
        ("idea:submit", {"stage_id": vision, "text": "From the screen"}),
        ("votes:set", {"stage_id": vision, "votes": {str(ideas[0]): 1}}),
        ("ranking:set", {"stage_id": vision, "order": []}),
    ]
    for event, payload in cases:
        refuse(world.room, world.proj, event, payload, "forbidden")


def test_facilitator_cannot_act_as_participant(world: World) -> None:
    ideas = world.brainstorm(world.vision, 2)
    cases: list[tuple[str, Any]] = [
        ("votes:set", {"stage_id": world.vision, "votes": {str(ideas[0]): 1}}),
        ("ranking:set", {"stage_id": world.vision, "order": []}),
    ]
    for event, payload in cases:
        refuse(world.room, world.fac, event, payload, "forbidden")


def test_identifying_again_replaces_the_role(world: World) -> None:
    """A console connection that joins as a participant loses the facilitator's powers and
    stops getting the console's events."""
    sock = world.room.facilitator()
    assert ok(sock, "join", {"code": world.room.code, "name": "Switcher"})["resumed"] is False
    drain(sock)
    assert error_code(sock, "stage:phase", {"stage_id": world.vision, "phase": "vote"}) == (
        "forbidden"
    )
    submit(world.people[0], world.vision, "Only the console hears of this")
    assert "idea:added" in inbox(world.fac)
    assert "idea:added" not in inbox(sock)
    submit_ack = ok(sock, "idea:submit", {"stage_id": world.vision, "text": "Mine"})
    assert submit_ack["duplicate"] is False


# --------------------------------------------------------------------------- who and where


def test_unknown_workshop_is_workshop_not_found(world: World) -> None:
    room = world.room
    unknown_code = "ZZZZZZ" if room.code != "ZZZZZZ" else "YYYYYY"
    cases: list[tuple[str, Any]] = [
        ("join", {"code": unknown_code}),
        ("join", {"code": unknown_code, "token": world.people[0].token}),
        ("facilitate", {"workshop_id": "0" * 16, "key": room.key}),
        ("present", {"workshop_id": "0" * 16, "key": room.key}),
    ]
    for event, payload in cases:
        sock = room.connect()
        refuse(room, sock, event, payload, "workshop_not_found")
        assert error_code(sock, "results:reveal", {"stage_id": world.vision}) == "not_joined"


def test_join_codes_ignore_case_spaces_and_dashes(world: World) -> None:
    room = world.room
    typed = f" {room.code[:3].lower()}-{room.code[3:].lower()} "
    joined = ok(room.connect(), "join", {"code": typed})
    assert joined["state"]["workshop"]["id"] == room.id


def test_wrong_facilitator_key_is_unauthorized_and_binds_nothing(world: World, other: Room) -> None:
    room = world.room
    for event in ("facilitate", "present"):
        for key in ("not-the-key", other.key, world.people[0].token):
            sock = room.connect()
            refuse(
                room,
                sock,
                event,
                {"workshop_id": room.id, "key": key},
                "unauthorized",
            )
            assert error_code(sock, "stage:phase", {"stage_id": world.vision, "phase": "vote"}) == (
                "not_joined"
            )
            sock.disconnect()


def test_failed_facilitate_does_not_promote_a_participant(world: World) -> None:
    """A participant who guesses at the key stays a participant."""
    p = world.people[0].sock
    assert error_code(p, "facilitate", {"workshop_id": world.room.id, "key": "guess"}) == (
        "unauthorized"
    )
    assert error_code(p, "stage:phase", {"stage_id": world.vision, "phase": "vote"}) in (
        "forbidden",
        "not_joined",
    )
    assert world.room.facilitator_state()["stages"][0]["phase"] == "brainstorm"


def test_token_of_another_workshop_is_invalid_token(world: World, other: Room) -> None:
    stranger = other.participant("Stranger")
    room = world.room
    for token in (stranger.token, "made-up-token", ""):
        sock = room.connect()
        refuse(room, sock, "join", {"code": room.code, "token": token}, "invalid_token")
        assert error_code(sock, "idea:submit", {"stage_id": world.vision, "text": "x"}) == (
            "not_joined"
        )
    # And the other workshop's participant is untouched (still one, still named).
    assert other.facilitator_state()["workshop"]["participant_count"] == 1
    assert me_of(other, stranger)["name"] == "Stranger"


def test_stage_of_another_workshop_is_stage_not_found(world: World, other: Room) -> None:
    """Nobody can act on a workshop they have not joined, even knowing its stage ids."""
    foreign = other.stage_ids()
    other_fac = other.facilitator()
    outsider = other.participant("Outsider")
    foreign_ideas = [submit(outsider, foreign["vision"], f"Theirs {n}") for n in range(3)]
    phase(other_fac, foreign["vision"], "vote")
    other_before = other.facilitator_state()

    p, fac = world.people[0].sock, world.fac
    cases: list[tuple[SocketIOTestClient, str, Any]] = [
        (p, "idea:submit", {"stage_id": foreign["vision"], "text": "Mine in theirs"}),
        (p, "idea:submit", {"stage_id": 10**9, "text": "Nowhere"}),
        (p, "votes:set", {"stage_id": foreign["vision"], "votes": {str(foreign_ideas[0]): 3}}),
        (p, "votes:set", {"stage_id": foreign["vision"], "votes": {}}),
        (p, "ranking:set", {"stage_id": foreign["vision"], "order": []}),
        (fac, "stage:phase", {"stage_id": foreign["vision"], "phase": "rank"}),
        (fac, "stage:phase", {"stage_id": foreign["goals"], "phase": "brainstorm"}),
        (fac, "stage:phase", {"stage_id": 10**9, "phase": "vote"}),
        (fac, "results:reveal", {"stage_id": foreign["vision"]}),
        (fac, "results:reveal", {"stage_id": 10**9}),
    ]
    for sock, event, payload in cases:
        refuse(world.room, sock, event, payload, "stage_not_found")
    assert other.facilitator_state() == other_before


def test_votes_on_ideas_that_are_not_visible_here_are_idea_not_found(
    world: World, other: Room
) -> None:
    """Unknown, hidden, another stage's and another workshop's ideas cannot take dots."""
    goals = world.stages["goals"]
    phase(world.fac, goals, "brainstorm")
    goal_idea = submit(world.people[0], goals, "A goal")
    ideas = world.to_vote(world.vision)
    ok(world.fac, "idea:hide", {"idea_id": ideas[5]})
    outsider = other.participant()
    foreign_idea = submit(outsider, other.stage_ids()["vision"], "Theirs")
    vote(world.people[0], world.vision, {ideas[0]: 1})
    world.drain()
    for idea_id in (10**9, ideas[5], goal_idea, foreign_idea):
        refuse(
            world.room,
            world.people[0].sock,
            "votes:set",
            {"stage_id": world.vision, "votes": {str(ideas[1]): 1, str(idea_id): 1}},
            "idea_not_found",
        )


def test_hiding_an_unknown_or_foreign_idea_is_idea_not_found(world: World, other: Room) -> None:
    outsider = other.participant()
    foreign_idea = submit(outsider, other.stage_ids()["vision"], "Theirs")
    world.brainstorm(world.vision, 2)
    for idea_id in (10**9, foreign_idea):
        for hidden in (True, False):
            refuse(
                world.room,
                world.fac,
                "idea:hide",
                {"idea_id": idea_id, "hidden": hidden},
                "idea_not_found",
            )
    shown = other.facilitator_state()["stages"][0]["ideas"]
    assert shown == [
        {
            "id": foreign_idea,
            "text": "Theirs",
            "fields": {},
            "links": [],
            "from_facilitator": False,
            "hidden": False,
            "votes": 0,
        }
    ]


# --------------------------------------------------------------------------- phases


def test_each_action_needs_its_phase(world: World) -> None:
    """Ideas in brainstorm, dots in vote, orders in rank, reveal after brainstorm, hide only in
    brainstorm or vote: everything else is wrong_phase."""
    fac, p, vision, goals = world.fac, world.people[0], world.vision, world.stages["goals"]
    room = world.room

    def refused(sock: SocketIOTestClient, event: str, payload: Any) -> None:
        refuse(room, sock, event, payload, "wrong_phase")

    # Vision in brainstorm, goals pending.
    ideas = world.brainstorm(vision, 6)
    refused(p.sock, "votes:set", {"stage_id": vision, "votes": {}})
    refused(p.sock, "votes:set", {"stage_id": vision, "votes": {str(ideas[0]): 1}})
    refused(p.sock, "ranking:set", {"stage_id": vision, "order": []})
    refused(fac, "results:reveal", {"stage_id": vision})
    refused(p.sock, "idea:submit", {"stage_id": goals, "text": "Too early"})
    refused(fac, "results:reveal", {"stage_id": goals})

    # Vote.
    phase(fac, vision, "vote")
    refused(p.sock, "idea:submit", {"stage_id": vision, "text": "Too late"})
    refused(p.sock, "ranking:set", {"stage_id": vision, "order": [ideas[0]]})
    vote(p, vision, {ideas[0]: 3})

    # Rank.
    phase(fac, vision, "rank")
    refused(p.sock, "idea:submit", {"stage_id": vision, "text": "Too late"})
    refused(p.sock, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): 1}})
    refused(p.sock, "votes:set", {"stage_id": vision, "votes": {}})
    refused(fac, "idea:hide", {"idea_id": ideas[0]})
    refused(fac, "idea:hide", {"idea_id": ideas[1], "hidden": True})
    rank(p, vision, [ideas[0]])

    # Done.
    phase(fac, vision, "done")
    refused(p.sock, "idea:submit", {"stage_id": vision, "text": "Too late"})
    refused(p.sock, "votes:set", {"stage_id": vision, "votes": {}})
    refused(p.sock, "ranking:set", {"stage_id": vision, "order": []})
    refused(fac, "idea:hide", {"idea_id": ideas[2]})
    # `done` is not a scoring step, so no step index joins `reveals`.
    assert ok(fac, "results:reveal", {"stage_id": vision})["stage"] == {
        "id": vision,
        "revealed": True,
        "reveals": [],
    }


def test_unknown_phase_is_invalid_phase(world: World) -> None:
    for name in ("pending", "closed", "", "VOTE", "results"):
        refuse(
            world.room,
            world.fac,
            "stage:phase",
            {"stage_id": world.vision, "phase": name},
            "invalid_phase",
        )


def test_skipping_phases_is_invalid_transition(world: World) -> None:
    fac, vision, goals = world.fac, world.vision, world.stages["goals"]
    world.brainstorm(vision, 3)

    def refused(stage_id: int, to: str) -> None:
        refuse(
            world.room,
            fac,
            "stage:phase",
            {"stage_id": stage_id, "phase": to},
            "invalid_transition",
        )

    refused(vision, "rank")
    refused(vision, "done")
    refused(goals, "vote")
    refused(goals, "done")
    phase(fac, vision, "vote")
    phase(fac, vision, "rank")
    phase(fac, vision, "done")
    refused(vision, "vote")
    refused(vision, "brainstorm")


def test_stepping_back_from_rank_to_vote_keeps_dots_and_rankings(world: World) -> None:
    fac, vision = world.fac, world.vision
    ideas, shortlist = world.to_rank(vision)
    rank(world.people[0], vision, [shortlist[1], shortlist[0]])
    before_me = me_of(world.room, world.people[0])
    back = phase(fac, vision, "vote")
    assert back == {"id": vision, "phase": "vote", "step": 1, "shortlist": []}
    state = inbox(world.people[0].sock)["state"][-1]
    assert state["current"] == {"stage_id": vision, "phase": "vote"}
    assert stage_of(state, vision)["shortlist"] == []
    assert state["me"]["votes"] == before_me["votes"]
    assert state["me"]["rankings"] == before_me["rankings"]
    assert state["me"]["remaining"][str(vision)] == 0
    totals = [i["votes"] for i in stage_of(world.room.facilitator_state(), vision)["ideas"]]
    assert totals == [4, 2, 3, 2, 3, 0]
    # Voting goes on from where it was, and a new shortlist is drawn on the way back to rank.
    vote(world.people[1], vision, {ideas[5]: 3, ideas[2]: 2})
    assert phase(fac, vision, "rank")["shortlist"] == [
        ideas[0],
        ideas[4],
        ideas[5],
        ideas[1],
        ideas[2],
    ]


def test_phase_on_another_stage_makes_it_current(world: World) -> None:
    fac, vision, goals = world.fac, world.vision, world.stages["goals"]
    world.to_vote(vision)
    assert phase(fac, goals, "brainstorm")["phase"] == "brainstorm"
    for sock in world.socks():
        state = inbox(sock)["state"][-1]
        assert state["current"] == {"stage_id": goals, "phase": "brainstorm"}
        assert stage_of(state, vision)["phase"] == "vote"
    # Both stages are open: ideas go to goals while vision keeps taking dots.
    submit(world.people[0], goals, "A goal")
    # Setting the phase a stage is already in only makes it current again.
    assert phase(fac, vision, "vote") == {"id": vision, "phase": "vote", "step": 1, "shortlist": []}
    state = world.room.facilitator_state()
    assert state["current"] == {"stage_id": vision, "phase": "vote"}
    assert stage_of(state, goals)["phase"] == "brainstorm"


# --------------------------------------------------------------------------- finished


def test_every_change_after_finish_is_workshop_finished(world: World) -> None:
    fac, p, vision, goals = world.fac, world.people[0], world.vision, world.stages["goals"]
    ideas = world.to_vote(vision)
    vote(p, vision, {ideas[0]: 2})
    phase(fac, goals, "brainstorm")
    goal = submit(p, goals, "A goal")
    plan = ok(fac, "workshop:finish")["plan"]
    world.drain()

    room = world.room
    cases: list[tuple[SocketIOTestClient, str, Any]] = [
        (p.sock, "idea:submit", {"stage_id": goals, "text": "After the end"}),
        (p.sock, "idea:submit", {"stage_id": goals, "text": "After", "client_id": "late-1"}),
        (p.sock, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): 1}}),
        (p.sock, "votes:set", {"stage_id": vision, "votes": {}}),
        (p.sock, "ranking:set", {"stage_id": vision, "order": []}),
        (fac, "stage:phase", {"stage_id": vision, "phase": "rank"}),
        (fac, "stage:phase", {"stage_id": goals, "phase": "brainstorm"}),
        (fac, "results:reveal", {"stage_id": vision}),
        (fac, "idea:hide", {"idea_id": ideas[0]}),
        (fac, "idea:hide", {"idea_id": goal, "hidden": True}),
        (room.connect(), "join", {"code": room.code, "name": "Latecomer"}),
    ]
    for sock, event, payload in cases:
        refuse(room, sock, event, payload, "workshop_finished")

    # Finishing again returns the same plan and broadcasts nothing new.
    assert ok(fac, "workshop:finish")["plan"] == plan
    time.sleep(SETTLE)
    for sock in world.socks():
        assert "workshop:finished" not in inbox(sock)

    # Resuming still works and shows the plan.
    resumed = ok(room.connect(), "join", {"code": room.code, "token": p.token})
    assert resumed["participant"]["id"] == p.id
    assert resumed["state"]["plan"] == plan
    assert resumed["state"]["me"]["votes"] == {str(vision): {str(ideas[0]): 2}}


# --------------------------------------------------------------------------- content rules


def test_idea_text_must_be_1_to_280_characters_after_trimming(world: World) -> None:
    p = world.people[0]
    for text in ("", "   ", "\n\t "):
        refuse(
            world.room,
            p.sock,
            "idea:submit",
            {"stage_id": world.vision, "text": text},
            "text_empty",
        )
    refuse(
        world.room,
        p.sock,
        "idea:submit",
        {"stage_id": world.vision, "text": "x" * 281},
        "text_too_long",
    )
    refuse(
        world.room,
        p.sock,
        "idea:submit",
        {"stage_id": world.vision, "text": " " + "y" * 281 + " "},
        "text_too_long",
    )
    answer = ok(p.sock, "idea:submit", {"stage_id": world.vision, "text": "  " + "z" * 280 + "\n"})
    assert answer["idea"]["text"] == "z" * 280
    assert answer["duplicate"] is False
    assert me_of(world.room, p)["ideas"] == [answer["idea"]["id"]]


def test_names_are_at_most_40_characters(world: World) -> None:
    room, p = world.room, world.people[0]
    long_name = "n" * 41
    refuse(room, room.connect(), "join", {"code": room.code, "name": long_name}, "name_too_long")
    resume = {"code": room.code, "token": p.token, "name": long_name}
    refuse(room, room.connect(), "join", resume, "name_too_long")
    assert me_of(room, p)["name"] == "Ana"
    joined = ok(room.connect(), "join", {"code": room.code, "name": "  " + "m" * 40 + "  "})
    assert joined["participant"]["name"] == "m" * 40
    anonymous = ok(room.connect(), "join", {"code": room.code, "name": "   "})
    assert anonymous["participant"]["name"] is None


def test_at_most_50_ideas_per_participant_per_stage(world: World) -> None:
    p, other = world.people[0], world.people[1]
    # Fifty ideas from one phone outrun its rate limit (EVENT_RATE): it waits as it is told.
    for n in range(50):
        payload = {"stage_id": world.vision, "text": f"Idea number {n}"}
        answer = ack(p.sock, "idea:submit", payload)
        while not answer["ok"] and answer["error"]["code"] == "rate_limited":
            time.sleep(answer["error"]["retry_after"])
            answer = ack(p.sock, "idea:submit", payload)
        assert answer["ok"], answer
    time.sleep(2 / world.room.app.config["EVENT_RATE"])
    refuse(
        world.room,
        p.sock,
        "idea:submit",
        {"stage_id": world.vision, "text": "One too many"},
        "too_many_ideas",
    )
    assert len(me_of(world.room, p)["ideas"]) == 50
    # The cap is per participant: someone else can still add ideas.
    submit(other, world.vision, "Someone else's idea")


def test_dot_allocation_rules(world: World) -> None:
    """Negative counts, more than 3 on an idea or more than 5 in all are refused, and the
    participant's earlier allocation stays as it was."""
    ideas = world.to_vote(world.vision)
    p = world.people[0]
    vote(p, world.vision, {ideas[0]: 2, ideas[1]: 1})

    def refused(dots: dict[int, int], code: str) -> None:
        payload = {"stage_id": world.vision, "votes": {str(k): v for k, v in dots.items()}}
        refuse(world.room, p.sock, "votes:set", payload, code)

    refused({ideas[0]: -1}, "invalid_votes")
    refused({ideas[0]: 3, ideas[1]: -1}, "invalid_votes")
    refused({ideas[0]: 4}, "over_cap")
    refused({ideas[0]: 3, ideas[1]: 3}, "over_budget")
    refused({ideas[0]: 2, ideas[1]: 2, ideas[2]: 2}, "over_budget")
    assert me_of(world.room, p)["votes"] == {
        str(world.vision): {str(ideas[0]): 2, str(ideas[1]): 1}
    }
    # The limits themselves are allowed; zero counts are dropped.
    answer = vote(p, world.vision, {ideas[0]: 3, ideas[1]: 2, ideas[2]: 0})
    assert answer == {
        "ok": True,
        "votes": {str(ideas[0]): 3, str(ideas[1]): 2},
        "remaining": 0,
    }


def test_ranking_rules(world: World) -> None:
    ideas, shortlist = world.to_rank(world.vision)
    p = world.people[0]
    rank(p, world.vision, [shortlist[2]])
    off_list = next(i for i in ideas if i not in shortlist)

    def refused(order: list[int], code: str) -> None:
        payload = {"stage_id": world.vision, "order": order}
        refuse(world.room, p.sock, "ranking:set", payload, code)

    refused([off_list], "not_in_shortlist")
    refused([shortlist[0], off_list], "not_in_shortlist")
    refused([10**9], "not_in_shortlist")
    refused([shortlist[0], shortlist[0]], "invalid_ranking")
    refused([shortlist[0], shortlist[1], shortlist[0]], "invalid_ranking")
    assert me_of(world.room, p)["rankings"] == {str(world.vision): [shortlist[2]]}
    assert rank(p, world.vision, list(reversed(shortlist)))["order"] == list(reversed(shortlist))


# --------------------------------------------------------------------------- idempotency


def test_idea_retry_with_same_client_id_adds_nothing(world: World) -> None:
    p = world.people[0]
    first = ok(
        p.sock, "idea:submit", {"stage_id": world.vision, "text": "Retry me", "client_id": "c-1"}
    )
    assert first["duplicate"] is False
    for screen in (world.fac, world.proj):
        assert [a["idea"] for a in inbox(screen)["idea:added"]] == [first["idea"]]
    again = ok(
        p.sock, "idea:submit", {"stage_id": world.vision, "text": "Retry me", "client_id": "c-1"}
    )
    assert again == {"ok": True, "idea": first["idea"], "duplicate": True}
    # A retry whose text was edited meanwhile still returns the stored idea.
    edited = ok(
        p.sock, "idea:submit", {"stage_id": world.vision, "text": "Edited", "client_id": "c-1"}
    )
    assert edited["idea"] == first["idea"]
    assert edited["duplicate"] is True
    time.sleep(SETTLE)
    assert "idea:added" not in inbox(world.fac)
    assert "idea:added" not in inbox(world.proj)
    assert [i["id"] for i in world.room.facilitator_state()["stages"][0]["ideas"]] == [
        first["idea"]["id"]
    ]
    # Even after the phase moved on, the retry is answered as a duplicate, not an error.
    phase(world.fac, world.vision, "vote")
    late = ok(
        p.sock, "idea:submit", {"stage_id": world.vision, "text": "Retry me", "client_id": "c-1"}
    )
    assert late["idea"] == first["idea"]
    assert late["duplicate"] is True


def test_client_ids_belong_to_their_participant(world: World) -> None:
    """Two phones that happen to use the same client_id each get their own idea."""
    a, b = world.people[0], world.people[1]
    first = submit(a, world.vision, "From Ana", client_id="same")
    second = ok(
        b.sock, "idea:submit", {"stage_id": world.vision, "text": "From Ben", "client_id": "same"}
    )
    assert second["duplicate"] is False
    assert second["idea"]["id"] != first
    assert second["idea"]["text"] == "From Ben"


def test_votes_set_replaces_and_empty_clears(world: World) -> None:
    ideas = world.to_vote(world.vision)
    p, vision = world.people[0], world.vision
    first = vote(p, vision, {ideas[0]: 3, ideas[1]: 1})
    assert vote(p, vision, {ideas[0]: 3, ideas[1]: 1}) == first
    totals = [i["votes"] for i in world.room.facilitator_state()["stages"][0]["ideas"]]
    assert totals[:2] == [3, 1]
    replaced = vote(p, vision, {ideas[2]: 2})
    assert replaced["votes"] == {str(ideas[2]): 2}
    assert replaced["remaining"] == 3
    state = world.room.facilitator_state()["stages"][0]
    assert [i["votes"] for i in state["ideas"]] == [0, 0, 2, 0, 0, 0]
    cleared = vote(p, vision, {})
    assert cleared == {"ok": True, "votes": {}, "remaining": 5}
    state = world.room.facilitator_state()["stages"][0]
    assert state["progress"] == {"voters": 0, "rankers": 0, "dots": 0, "ideas": 6}
    me = me_of(world.room, p)
    assert me["votes"].get(str(vision), {}) == {}
    assert me["remaining"][str(vision)] == 5


def test_ranking_set_replaces_and_retrying_is_harmless(world: World) -> None:
    _ideas, shortlist = world.to_rank(world.vision)
    p, vision = world.people[0], world.vision
    rank(p, vision, shortlist[:3])
    rank(p, vision, shortlist[:3])
    state = world.room.facilitator_state()["stages"][0]
    assert state["progress"]["rankers"] == 1
    rank(p, vision, [shortlist[4], shortlist[3]])
    assert me_of(world.room, p)["rankings"] == {str(vision): [shortlist[4], shortlist[3]]}
    phase(world.fac, vision, "done")
    results = {
        r["idea_id"]: r["score"] for r in world.room.facilitator_state()["stages"][0]["results"]
    }
    assert results[shortlist[4]] == 4
    assert results[shortlist[3]] == 3
    assert results[shortlist[0]] == 0


def test_empty_ranking_withdraws_it(world: World) -> None:
    """`[]` withdraws the order: the participant no longer counts as having ranked."""
    _ideas, shortlist = world.to_rank(world.vision)
    p, vision = world.people[0], world.vision
    rank(p, vision, shortlist)
    assert world.room.facilitator_state()["stages"][0]["progress"]["rankers"] == 1
    assert rank(p, vision, [])["order"] == []
    assert me_of(world.room, p)["rankings"].get(str(vision), []) == []
    assert world.room.facilitator_state()["stages"][0]["progress"]["rankers"] == 0


# --------------------------------------------------------------------------- resume


def test_resume_by_token_keeps_ideas_votes_and_rankings(world: World) -> None:
    room, vision, goals = world.room, world.vision, world.stages["goals"]
    ideas, shortlist = world.to_rank(vision)
    p = world.people[0]
    rank(p, vision, [shortlist[3], shortlist[0]])
    phase(world.fac, goals, "brainstorm")
    goal = submit(p, goals, "Ana's goal")
    world.drain()
    p.sock.disconnect()

    sock = room.connect()
    resumed = ok(sock, "join", {"code": room.code, "token": p.token})
    assert resumed["resumed"] is True
    assert resumed["token"] == p.token
    assert resumed["participant"] == {"id": p.id, "name": "Ana"}
    me = resumed["state"]["me"]
    assert me["id"] == p.id
    assert me["ideas"] == [ideas[0], ideas[3], goal]
    assert me["votes"] == {str(vision): {str(ideas[0]): 3, str(ideas[1]): 2}}
    assert me["rankings"] == {str(vision): [shortlist[3], shortlist[0]]}
    assert me["remaining"] == {str(vision): 0, str(goals): 5, str(world.stages["projects"]): 5}
    assert inbox(sock)["state"] == [resumed["state"]]
    assert resumed["state"]["workshop"]["participant_count"] == 3
    # The resumed connection speaks for the same participant.
    rank(Participant(sock, p.token, p.id, resumed["state"]), vision, [shortlist[1]])
    assert me_of(room, p)["rankings"] == {str(vision): [shortlist[1]]}


def test_resume_with_a_name_renames(world: World) -> None:
    room, p = world.room, world.people[1]
    renamed = ok(room.connect(), "join", {"code": room.code, "token": p.token, "name": " Benny "})
    assert renamed["participant"] == {"id": p.id, "name": "Benny"}
    assert renamed["state"]["me"]["name"] == "Benny"
    kept = ok(room.connect(), "join", {"code": room.code, "token": p.token, "name": "  "})
    assert kept["participant"] == {"id": p.id, "name": "Benny"}
    assert room.facilitator_state()["workshop"]["participant_count"] == 3


# --------------------------------------------------------------------------- visibility


def _idea_votes(state: dict[str, Any], stage_id: int) -> list[int | None]:
    return [i.get("votes") for i in stage_of(state, stage_id)["ideas"]]


def test_dot_totals_are_hidden_until_revealed(world: World) -> None:
    room, fac, proj, vision = world.room, world.fac, world.proj, world.vision
    ideas = world.to_vote(vision)
    vote(world.people[0], vision, {ideas[0]: 3, ideas[1]: 2})
    vote(world.people[1], vision, {ideas[1]: 1})

    fac_tally = until(fac, "tally", lambda t: t["dots"] == 6)[-1]
    proj_tally = until(proj, "tally", lambda t: t["dots"] == 6)[-1]
    assert fac_tally["totals"] == {
        str(i): n for i, n in zip(ideas, [3, 3, 0, 0, 0, 0], strict=True)
    }
    assert "totals" not in proj_tally
    assert proj_tally["voters"] == 2
    assert proj_tally["dots"] == 6
    assert _idea_votes(room.facilitator_state(), vision) == [3, 3, 0, 0, 0, 0]
    hidden = [None] * 6
    assert (
        _idea_votes(
            ok(room.connect(), "present", {"workshop_id": room.id, "key": room.key})["state"],
            vision,
        )
        == hidden
    )
    assert _idea_votes(ok(room.connect(), "join", {"code": room.code})["state"], vision) == hidden
    resumed = ok(room.connect(), "join", {"code": room.code, "token": world.people[0].token})
    assert _idea_votes(resumed["state"], vision) == hidden
    world.drain()

    # Revealed in the vote, step 1 of brainstorm, vote, rank, done.
    assert ok(fac, "results:reveal", {"stage_id": vision})["stage"] == {
        "id": vision,
        "revealed": True,
        "reveals": [1],
    }
    revealed = [3, 3, 0, 0, 0, 0]
    for sock in world.socks():
        state = inbox(sock)["state"][-1]
        assert stage_of(state, vision)["revealed"] is True
        assert _idea_votes(state, vision) == revealed
    # Revealing again is harmless, and later tallies carry the totals to the projector too.
    assert ok(fac, "results:reveal", {"stage_id": vision})["stage"]["revealed"] is True
    vote(world.people[2], vision, {ideas[2]: 1})
    proj_tally = until(proj, "tally", lambda t: t["dots"] == 7)[-1]
    assert proj_tally["totals"][str(ideas[2])] == 1


def test_shortlist_order_does_not_leak_the_dots_before_the_reveal(world: World) -> None:
    """Phones and the projector get the shortlist in writing order until the reveal."""
    room, fac, vision = world.room, world.fac, world.vision
    _ideas, shortlist = world.to_rank(vision)
    assert shortlist != sorted(shortlist)  # the dot order differs from the writing order
    projector = ok(room.connect(), "present", {"workshop_id": room.id, "key": room.key})
    assert stage_of(projector["state"], vision)["shortlist"] == sorted(shortlist)
    phone = ok(room.connect(), "join", {"code": room.code, "token": world.people[0].token})
    assert stage_of(phone["state"], vision)["shortlist"] == sorted(shortlist)
    assert stage_of(room.facilitator_state(), vision)["shortlist"] == shortlist

    ok(fac, "results:reveal", {"stage_id": vision})
    for sock in (world.proj, world.people[0].sock):
        assert stage_of(inbox(sock)["state"][-1], vision)["shortlist"] == shortlist


def test_entering_done_reveals_the_results(world: World) -> None:
    vision = world.vision
    _ideas, shortlist = world.to_rank(vision)
    rank(world.people[0], vision, shortlist)
    world.drain()
    phase(world.fac, vision, "done")
    for sock in (world.proj, *(p.sock for p in world.people)):
        stage = stage_of(inbox(sock)["state"][-1], vision)
        assert stage["revealed"] is True
        assert [i.get("votes") for i in stage["ideas"]] == [4, 2, 3, 2, 3, 0]
        assert [r["idea_id"] for r in stage["results"] if r["selected"]] == [shortlist[0]]


def test_hidden_ideas_are_invisible_to_phones_and_projector(world: World) -> None:
    room, fac, vision = world.room, world.fac, world.vision
    ideas = world.brainstorm(vision, 3)
    author = world.people[1]  # wrote ideas[1]
    hid = ok(fac, "idea:hide", {"idea_id": ideas[1]})
    assert hid["idea"] == {"id": ideas[1], "stage_id": vision, "hidden": True}
    for sock in world.socks():
        state = inbox(sock)["state"][-1]
        shown = stage_of(state, vision)["ideas"]
        if state["audience"] == "facilitator":
            assert [(i["id"], i["hidden"]) for i in shown] == [
                (ideas[0], False),
                (ideas[1], True),
                (ideas[2], False),
            ]
        else:
            assert [i["id"] for i in shown] == [ideas[0], ideas[2]]
    assert me_of(room, author)["ideas"] == []
    phase(fac, vision, "vote")
    for p in world.people:
        assert [i["id"] for i in stage_of(inbox(p.sock)["state"][-1], vision)["ideas"]] == [
            ideas[0],
            ideas[2],
        ]
    # Showing it again brings it back for everyone, during the vote too.
    assert ok(fac, "idea:hide", {"idea_id": ideas[1], "hidden": False})["idea"]["hidden"] is False
    for sock in world.socks():
        assert [i["id"] for i in stage_of(inbox(sock)["state"][-1], vision)["ideas"]] == ideas
    assert me_of(room, author)["ideas"] == [ideas[1]]


def test_hiding_refunds_dots_and_showing_restores_them(world: World) -> None:
    room, fac, vision = world.room, world.fac, world.vision
    ideas = world.to_vote(vision)
    p = world.people[0]
    vote(p, vision, {ideas[0]: 3, ideas[1]: 2})
    world.drain()
    ok(fac, "idea:hide", {"idea_id": ideas[0]})
    me = inbox(p.sock)["state"][-1]["me"]
    assert me["remaining"][str(vision)] == 3
    assert me["votes"][str(vision)] == {str(ideas[1]): 2}
    assert stage_of(room.facilitator_state(), vision)["progress"]["dots"] == 2
    # A hidden idea takes no dots.
    refuse(
        room,
        p.sock,
        "votes:set",
        {
            "stage_id": vision,
            "votes": {str(ideas[0]): 1, str(ideas[1]): 2},
        },
        "idea_not_found",
    )
    ok(fac, "idea:hide", {"idea_id": ideas[0], "hidden": False})
    me = inbox(p.sock)["state"][-1]["me"]
    assert me["remaining"][str(vision)] == 0
    assert me["votes"][str(vision)] == {str(ideas[0]): 3, str(ideas[1]): 2}
    assert _idea_votes(room.facilitator_state(), vision)[:2] == [3, 2]


def test_hidden_idea_is_left_out_of_the_shortlist(world: World) -> None:
    fac, vision = world.fac, world.vision
    ideas = world.to_vote(vision)
    vote(world.people[0], vision, {ideas[5]: 3})
    ok(fac, "idea:hide", {"idea_id": ideas[5]})
    shortlist = phase(fac, vision, "rank")["shortlist"]
    assert ideas[5] not in shortlist
    assert shortlist == ideas[:5]


# --------------------------------------------------------------------------- coalescing


def test_a_burst_of_votes_gives_few_tallies_to_the_screens_only(world: World) -> None:
    vision = world.vision
    ideas = world.to_vote(vision)
    calls = 0
    for round_ in range(8):
        for n, p in enumerate(world.people):
            vote(p, vision, {ideas[(round_ + n) % 6]: 1 + (round_ % 3)})
            calls += 1
    # The final allocations: 2 voters, 5 dots (no earlier moment of the burst looked like this).
    vote(world.people[0], vision, {ideas[5]: 3})
    vote(world.people[1], vision, {ideas[5]: 1, ideas[4]: 1})
    vote(world.people[2], vision, {})
    calls += 3
    final = {str(i): 0 for i in ideas[:4]} | {str(ideas[4]): 1, str(ideas[5]): 4}
    fac_tallies = until(world.fac, "tally", lambda t: t["totals"] == final)
    proj_tallies = until(world.proj, "tally", lambda t: (t["voters"], t["dots"]) == (2, 5))
    time.sleep(SETTLE)
    later = received(world.fac, "tally")
    assert all(t["totals"] == final for t in later)
    assert len(fac_tallies + later) < calls
    assert len(proj_tallies) < calls
    last = fac_tallies[-1]
    assert (last["stage_id"], last["phase"], last["participants"]) == (vision, "vote", 3)
    assert (last["voters"], last["rankers"], last["dots"]) == (2, 0, 5)
    assert "totals" not in proj_tallies[-1]
    for p in world.people:
        assert "tally" not in inbox(p.sock)


def test_no_tally_when_nobody_votes(world: World) -> None:
    world.to_vote(world.vision)
    ok(world.fac, "results:reveal", {"stage_id": world.vision})
    phase(world.fac, world.vision, "rank")
    time.sleep(SETTLE)
    for sock in world.socks():
        assert "tally" not in inbox(sock)


def test_no_tally_when_a_vote_changes_nothing(world: World) -> None:
    """The contract: a tally follows only a votes:set that changed something."""
    world.to_vote(world.vision)
    vote(world.people[0], world.vision, {})
    time.sleep(SETTLE)
    assert "tally" not in inbox(world.fac)


def test_participant_count_on_new_joins_not_on_resume(room: Room) -> None:
    fac, proj = room.facilitator(), room.projector()
    first = room.participant("One")
    for screen in (fac, proj):
        assert wait_for(screen, "participants")[-1] == {"count": 1}
    for _ in range(4):
        room.participant()
    for screen in (fac, proj):
        counts = until(screen, "participants", lambda c: c == {"count": 5})
        assert len(counts) < 4
    assert "participants" not in inbox(first.sock)
    settle(fac, proj)  # a count already on its way may repeat the 5
    # Coming back with a token is not a new participant.
    ok(room.connect(), "join", {"code": room.code, "token": first.token})
    time.sleep(SETTLE)
    for screen in (fac, proj):
        assert "participants" not in inbox(screen)


# --------------------------------------------------------------------------- events of late kinds


class EchoPayload(Payload):
    n: int


def _on_echo(db: Session, participant: Any, payload: EchoPayload) -> Outcome:
    return Outcome(ack={"echo": payload.n, "participant": participant.id})


class Echo(Activity):
    """A kind registered after the app was built, as a test or a late plug-in would."""

    kind = "echo_test"
    label = "Echo"
    description = "Answers what it is sent."
    events = (EventSpec("echo:ping", EchoPayload, ("participant",), _on_echo, "Echo n."),)


def test_an_activity_registered_after_start_up_answers_its_events(room: Room) -> None:
    phone = room.participant("Ana")
    assert error_code(phone.sock, "echo:ping", {"n": 1}) == "unknown_event"
    activities.register(Echo())
    try:
        assert ok(phone.sock, "echo:ping", {"n": 7}) == {
            "ok": True,
            "echo": 7,
            "participant": phone.id,
        }
        assert error_code(phone.sock, "echo:ping", {"n": "7"}) == "invalid_payload"
        assert error_code(room.facilitator(), "echo:ping", {"n": 7}) == "forbidden"
    finally:
        activities.unregister(Echo.kind)
    assert error_code(phone.sock, "echo:ping", {"n": 1}) == "unknown_event"


class Hijack(Activity):
    """A kind that declares an event the app answers itself."""

    kind = "hijack_test"
    label = "Hijack"
    description = "Declares results:reveal."
    events = (EventSpec("results:reveal", EchoPayload, ("participant",), _on_echo, "No."),)


def test_an_event_the_app_answers_itself_is_refused_at_registration() -> None:
    activities.register(Hijack())
    try:
        message = "'hijack_test' declares the event 'results:reveal', which the app answers"
        with pytest.raises(ValueError, match=re.escape(message)):
            events.register_activity_events()
    finally:
        activities.unregister(Hijack.kind)
    events.register_activity_events()  # the registry as it was is fine again
