"""Suggested duplicates through the real Socket.IO test client: the console's `duplicates` (in
its state and its tallies, never on phones or the projector), `duplicate:dismiss` (it stays
dismissed, is idempotent, and a refusal writes nothing), and suggestions that go once ideas
are merged or the stage's items freeze."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from tests.factories import Room, ok
from tests.test_decision_events import open_desk, step
from tests.test_events import (
    World,
    database,
    phase,
    refuse,
    settle,
    stage_of,
    submit,
    until,
    vote,
)
from workshop.activities import duplicates
from workshop.core import similar


@pytest.fixture
def world(room: Room) -> World:
    """A started workshop with a console, a projector and three phones (Ana, Ben, Cy)."""
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy")]
    built = World(room, fac, proj, people, room.stage_ids())
    settle(*built.socks())
    return built


def console_duplicates(room: Room, stage_id: int) -> list[dict[str, Any]]:
    """The stage's suggestions as the console's state has them (read over HTTP, as a console
    that reloads would)."""
    found: list[dict[str, Any]] = stage_of(room.facilitator_state(), stage_id)["duplicates"]
    return found


def groups_of(found: list[dict[str, Any]]) -> list[list[int]]:
    return [group["idea_ids"] for group in found]


def dismissals(app: Flask) -> list[tuple[Any, ...]]:
    """The stored dismissals: (stage, idea_a, idea_b) rows."""
    return [row[:3] for row in database(app)["duplicate_dismissal"]]


def test_the_console_is_told_of_a_new_duplicate_live(world: World) -> None:
    """Two phones send the same idea in other case: the console's next tally of the stage
    carries the suggestion, the projector's carries none."""
    ana, ben, _ = world.people
    a = submit(ana, world.vision, "Integrity")
    b = submit(ben, world.vision, "integrity")
    tallies = until(
        world.fac,
        "tally",
        lambda t: t["stage_id"] == world.vision and len(t.get("duplicates", [])) == 1,
    )
    assert tallies[-1]["duplicates"] == [{"idea_ids": [a, b], "score": 1.0}]
    projector = until(world.proj, "tally", lambda t: t["stage_id"] == world.vision)
    assert all("duplicates" not in t for t in projector)
    assert groups_of(console_duplicates(world.room, world.vision)) == [[a, b]]


def test_only_the_console_sees_suggestions(world: World) -> None:
    """Every stage with a brainstorm step carries `duplicates` on the console; phones and the
    projector never do, in a join, a present or a broadcast state."""
    ana, ben, cy = world.people
    a = submit(ana, world.vision, "Café local")
    b = submit(ben, world.vision, "cafe local")
    submit(cy, world.vision, "Grow exports")
    state = world.room.facilitator_state()
    for stage in state["stages"]:
        assert "duplicates" in stage
    assert stage_of(state, world.vision)["duplicates"] == [{"idea_ids": [a, b], "score": 1.0}]
    assert stage_of(state, world.stages["goals"])["duplicates"] == []
    # A fresh state to everyone (an item from the console), then every audience's copy.
    world.drain()
    ok(world.fac, "idea:submit", {"stage_id": world.vision, "text": "Open an office in Lisbon"})
    console = until(world.fac, "state", lambda s: True)[-1]
    assert groups_of(stage_of(console, world.vision)["duplicates"]) == [[a, b]]
    others = [until(world.proj, "state", lambda s: True)[-1]]
    others += [until(p.sock, "state", lambda s: True)[-1] for p in world.people]
    for seen in others:
        assert all("duplicates" not in stage for stage in seen["stages"])
    # Joining and presenting again: the same.
    sock = world.room.connect()
    joined = ok(sock, "join", {"code": world.room.code, "token": ana.token})["state"]
    assert all("duplicates" not in stage for stage in joined["stages"])
    screen = world.room.connect()
    shown = ok(
        screen, "present", {"workshop_id": world.room.id, "token": world.room.projector_token}
    )["state"]
    assert all("duplicates" not in stage for stage in shown["stages"])


def test_dismiss_keeps_the_pair_apart_and_is_idempotent(world: World) -> None:
    ana, ben, cy = world.people
    a = submit(ana, world.vision, "Grow regional jobs")
    b = submit(ben, world.vision, "Jobs: grow regional")
    c = submit(cy, world.vision, "grow regional jobs")
    assert groups_of(console_duplicates(world.room, world.vision)) == [[a, b, c]]
    world.drain()
    ack = ok(world.fac, "duplicate:dismiss", {"stage_id": world.vision, "idea_ids": [c, a, b]})
    assert ack == {"ok": True, "dismissed": 3}
    assert sorted(dismissals(world.room.app)) == [
        (world.vision, a, b),
        (world.vision, a, c),
        (world.vision, b, c),
    ]
    # The consoles get a fresh state without the group.
    state = until(world.fac, "state", lambda s: True)[-1]
    assert stage_of(state, world.vision)["duplicates"] == []
    # Again: nothing new, nothing changed.
    before = database(world.room.app)
    again = ok(world.fac, "duplicate:dismiss", {"stage_id": world.vision, "idea_ids": [a, b]})
    assert again == {"ok": True, "dismissed": 0}
    assert database(world.room.app) == before
    # It stays dismissed: a later state and a new idea's tally do not bring it back, and a new
    # idea like them is suggested with each of them (not the dismissed pairs together).
    d = submit(ana, world.vision, "GROW REGIONAL JOBS")
    tally = until(
        world.fac,
        "tally",
        lambda t: t["stage_id"] == world.vision and bool(t.get("duplicates")),
    )[-1]
    for group in tally["duplicates"]:
        assert d in group["idea_ids"] and len(group["idea_ids"]) == 2
    assert tally["duplicates"] == console_duplicates(world.room, world.vision)


def test_dismissing_part_of_a_group(world: World) -> None:
    ana, ben, cy = world.people
    a = submit(ana, world.vision, "Integrity")
    b = submit(ben, world.vision, "integrity")
    c = submit(cy, world.vision, "INTEGRITY")
    assert (
        ok(world.fac, "duplicate:dismiss", {"stage_id": world.vision, "idea_ids": [b, a]})[
            "dismissed"
        ]
        == 1
    )
    found = groups_of(console_duplicates(world.room, world.vision))
    assert found == [[a, c]]  # complete-link: b cannot join a group holding a
    assert all(not {a, b} <= set(group) for group in found)


def test_suggestions_go_once_the_ideas_are_merged(world: World) -> None:
    ana, ben, cy = world.people
    a = submit(ana, world.vision, "Improve custmer service")
    b = submit(ben, world.vision, "Improve customer service")
    other = submit(cy, world.vision, "Reduce emissions")
    other_too = submit(cy, world.vision, "Reduce carbon emissions")
    assert groups_of(console_duplicates(world.room, world.vision)) == [[a, b], [other, other_too]]
    world.drain()
    # One click on the console: idea:merge with the group's ids into its earliest.
    ok(world.fac, "idea:merge", {"idea_ids": [a, b], "into": a})
    state = until(world.fac, "state", lambda s: True)[-1]
    assert groups_of(stage_of(state, world.vision)["duplicates"]) == [[other, other_too]]
    # Undoing the merge brings the suggestion back.
    ok(world.fac, "idea:unmerge", {"idea_id": a})
    assert groups_of(console_duplicates(world.room, world.vision)) == [
        [a, b],
        [other, other_too],
    ]


def test_hidden_ideas_are_not_suggested(world: World) -> None:
    ana, ben, _ = world.people
    a = submit(ana, world.vision, "Integrity")
    b = submit(ben, world.vision, "integrity")
    ok(world.fac, "idea:hide", {"idea_id": b})
    assert console_duplicates(world.room, world.vision) == []
    ok(world.fac, "idea:hide", {"idea_id": b, "hidden": False})
    assert groups_of(console_duplicates(world.room, world.vision)) == [[a, b]]


def test_a_private_brainstorm_shows_the_console_its_suggestions(room: Room) -> None:
    """In a private brainstorm the console sees every idea, so it sees the suggestions too
    (in its tally as well); phones and the projector see none."""
    desk = open_desk(room, step("brainstorm", private=True), step("vote"))
    a = submit(desk.ana, desk.sid, "Integrity")
    b = submit(desk.ben, desk.sid, "integrity")
    assert groups_of(desk.console()["duplicates"]) == [[a, b]]
    tally = until(desk.fac, "tally", lambda t: bool(t.get("duplicates")))[-1]
    assert groups_of(tally["duplicates"]) == [[a, b]]
    assert "duplicates" not in desk.screen()
    assert "duplicates" not in desk.phone(desk.ana)[0]


def test_themes_are_not_suggested_and_nothing_is_once_the_room_votes_on_them(room: Room) -> None:
    """Themes that read alike are not ideas: before the vote only the ideas are suggested;
    once the room votes on the themes (theme items it votes on as one), nothing is."""
    desk = open_desk(room, step("brainstorm"), step("vote", on="groups"), step("done"))
    a, b, c, d, e, f = (
        submit(desk.ana, desk.sid, "Cleaner river"),
        submit(desk.ben, desk.sid, "More parks"),
        submit(desk.cy, desk.sid, "Cheaper buses"),
        submit(desk.ana, desk.sid, "Safer bike lanes"),
        submit(desk.ben, desk.sid, "Integrity"),
        submit(desk.cy, desk.sid, "integrity"),
    )
    groups = [
        {"title": "Green city", "idea_ids": [a, b]},
        {"title": "green city", "idea_ids": [c, d]},
    ]
    ok(desk.fac, "group:set", {"stage_id": desk.sid, "groups": groups})
    assert groups_of(desk.console()["duplicates"]) == [[e, f]]
    desk.to("vote")
    stage = desk.console()
    themes = [item["id"] for item in stage["ideas"] if item.get("theme")]
    assert len(themes) == 2
    assert stage["duplicates"] == []


def test_offered_before_the_vote_and_not_from_it_on(world: World) -> None:
    """Offered during the brainstorm ("during a brainstorm and before a vote"); [] from the
    vote on, in the state and in the tally. Merging by hand still works in the vote."""
    ana, ben, cy = world.people
    ideas = [
        submit(ana, world.vision, "Integrity"),
        submit(ben, world.vision, "integrity"),
        submit(cy, world.vision, "Grow exports"),
        submit(ana, world.vision, "Hire more nurses"),
        submit(ben, world.vision, "Reduce costs"),
        submit(cy, world.vision, "Open an office in Lisbon"),
    ]
    assert groups_of(console_duplicates(world.room, world.vision)) == [ideas[:2]]
    phase(world.fac, world.vision, "vote")
    assert console_duplicates(world.room, world.vision) == []
    world.settle()
    vote(ana, world.vision, {ideas[0]: 2, ideas[2]: 1})
    tally = until(world.fac, "tally", lambda t: t["stage_id"] == world.vision and t["voters"] == 1)[
        -1
    ]
    assert tally["duplicates"] == []
    # Back to the brainstorm: offered again.
    phase(world.fac, world.vision, "brainstorm")
    assert groups_of(console_duplicates(world.room, world.vision)) == [ideas[:2]]
    phase(world.fac, world.vision, "vote")
    phase(world.fac, world.vision, "rank")
    assert console_duplicates(world.room, world.vision) == []
    world.settle()
    rank_order = stage_of(world.room.facilitator_state(), world.vision)["shortlist"]
    ok(ana.sock, "ranking:set", {"stage_id": world.vision, "order": rank_order})
    tally = until(
        world.fac, "tally", lambda t: t["stage_id"] == world.vision and t["rankers"] == 1
    )[-1]
    assert tally["duplicates"] == []
    # The merge is refused there, so suggesting one would be a dead button.
    merge = {"idea_ids": ideas[:2], "into": ideas[0]}
    refuse(world.room, world.fac, "idea:merge", merge, "wrong_phase")


def test_refusals_write_nothing(world: World, other: Room) -> None:
    ana, ben, cy = world.people
    a = submit(ana, world.vision, "Integrity")
    b = submit(ben, world.vision, "integrity")
    c = submit(cy, world.vision, "Integrity matters")
    hidden = submit(cy, world.vision, "Hidden idea")
    ok(world.fac, "idea:hide", {"idea_id": hidden})
    merged = submit(ana, world.vision, "INTEGRITY")
    ok(world.fac, "idea:merge", {"idea_ids": [merged], "into": a})
    goals = world.stages["goals"]
    phase(world.fac, goals, "brainstorm")
    elsewhere = submit(ana, goals, "Integrity")
    other_fac = other.facilitator()
    other_stage = other.stage_ids()["vision"]
    world.drain()
    fac, room = world.fac, world.room
    vision = world.vision

    def no(payload: Any, code: str, sock: SocketIOTestClient = fac) -> None:
        refuse(room, sock, "duplicate:dismiss", payload, code)

    no({"stage_id": vision, "idea_ids": [a, a]}, "invalid_duplicates")
    no({"stage_id": vision, "idea_ids": [a, b, a]}, "invalid_duplicates")
    no({"stage_id": vision, "idea_ids": [a, hidden]}, "invalid_duplicates")
    no({"stage_id": vision, "idea_ids": [a, merged]}, "invalid_duplicates")
    no({"stage_id": vision, "idea_ids": [a, elsewhere]}, "invalid_duplicates")
    no({"stage_id": vision, "idea_ids": [a, 999_999]}, "invalid_duplicates")
    no({"stage_id": 999_999, "idea_ids": [a, b]}, "stage_not_found")
    no({"stage_id": other_stage, "idea_ids": [a, b]}, "stage_not_found")
    no({"stage_id": vision, "idea_ids": [a]}, "invalid_payload")
    no({"stage_id": vision, "idea_ids": list(range(1, 52))}, "invalid_payload")
    no({"stage_id": vision, "idea_ids": [str(a), str(b)]}, "invalid_payload")
    no({"idea_ids": [a, b]}, "invalid_payload")
    no([a, b], "invalid_payload")
    no({"stage_id": vision, "idea_ids": [a, b]}, "forbidden", ana.sock)
    no({"stage_id": vision, "idea_ids": [a, b]}, "forbidden", world.proj)
    no({"stage_id": vision, "idea_ids": [a, b]}, "not_joined", room.connect())
    # Another workshop's console cannot dismiss this one's ideas either.
    no({"stage_id": vision, "idea_ids": [a, b]}, "stage_not_found", other_fac)
    # The valid call still works afterwards.
    assert (
        ok(fac, "duplicate:dismiss", {"stage_id": vision, "idea_ids": [a, b, c]})["dismissed"] == 3
    )


def test_a_finished_workshop_refuses_dismissals(world: World) -> None:
    ana, ben, _ = world.people
    a = submit(ana, world.vision, "Integrity")
    b = submit(ben, world.vision, "integrity")
    ok(world.fac, "workshop:finish", {})
    refuse(
        world.room,
        world.fac,
        "duplicate:dismiss",
        {"stage_id": world.vision, "idea_ids": [a, b]},
        "workshop_finished",
    )
    assert console_duplicates(world.room, world.vision) == []


def test_repeated_states_reuse_the_scored_pairs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state or tally over the same wordings does not score the pairs again."""
    ana, ben, _ = world.people
    submit(ana, world.vision, "Integrity")
    submit(ben, world.vision, "integrity")
    world.settle()  # the tallies of those ideas have been computed and sent
    duplicates.clear_cache()
    calls: list[int] = []
    real = similar.scored_pairs

    def counted(items: Any, threshold: float = similar.THRESHOLD) -> Any:
        calls.append(len(items))
        return real(items, threshold)

    monkeypatch.setattr(similar, "scored_pairs", counted)
    first = console_duplicates(world.room, world.vision)
    for _ in range(3):
        assert console_duplicates(world.room, world.vision) == first
    assert calls == [2]
    # A new wording is scored once: by its tally, then the states reuse it.
    submit(ana, world.vision, "Grow exports")
    until(world.fac, "tally", lambda t: t["stage_id"] == world.vision)
    console_duplicates(world.room, world.vision)
    console_duplicates(world.room, world.vision)
    assert calls == [2, 3]
