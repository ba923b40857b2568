"""The item in focus (`focus:set`, `focus:clear`) through the Socket.IO test client: acks, what
every screen's `state` carries, every error code (a refusal writes nothing), repeats that
change nothing and tell nobody, and what takes the focus away (a step or stage change,
hiding or merging the item, finishing the workshop)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, error_code, ok
from tests.test_events import database, drain, phase, stage_of, submit, until
from tests.test_timer import next_state, only_state_is, without_clock


@dataclass
class Focused:
    """A started workshop with a console, a room screen, two phones and three ideas in its
    first stage's (open, not private) brainstorm."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]
    ideas: list[int]

    @property
    def vision(self) -> int:
        return self.stages["vision"]

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def focus(self, idea_id: int) -> dict[str, Any]:
        focus: dict[str, Any] = ok(self.fac, "focus:set", {"idea_id": idea_id})["focus"]
        return focus

    def stored(self) -> int | None:
        """The workshop's focus as the database has it."""
        with self.room.app.extensions["workshop_db"].connect() as conn:
            value = conn.exec_driver_sql(
                "SELECT focus_idea_id FROM workshop WHERE id = ?", (self.room.id,)
            ).scalar_one()
        return None if value is None else int(value)

    def refuse(self, sock: SocketIOTestClient, event: str, payload: Any, code: str) -> None:
        """The call is refused with `code` and nothing changed: no table, no state."""
        before = (database(self.room.app), without_clock(self.room.facilitator_state()))
        assert error_code(sock, event, payload) == code, (event, payload)
        after = (database(self.room.app), without_clock(self.room.facilitator_state()))
        assert after == before, f"{event} {payload!r} changed something"


TEXTS = ["Trusted by every household", "Carbon neutral by 2030", "The region's best employer"]


@pytest.fixture
def focused(room: Room) -> Focused:
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben")]
    stages = room.stage_ids()
    ideas = [submit(people[n % 2], stages["vision"], text) for n, text in enumerate(TEXTS)]
    world = Focused(room, fac, proj, people, stages, ideas)
    drain(*world.socks())
    return world


def has_focus(idea_id: int | None) -> Any:
    def check(state: dict[str, Any]) -> bool:
        focus = state["focus"]
        return (
            (focus is None)
            if idea_id is None
            else (focus is not None and focus["idea_id"] == idea_id)
        )

    return check


# --------------------------------------------------------------------------- focus:set


def test_set_is_stored_acked_and_shown_on_every_screen(focused: Focused) -> None:
    idea = focused.ideas[1]
    focus = focused.focus(idea)
    assert focus == {"idea_id": idea, "stage_id": focused.vision, "text": TEXTS[1]}
    assert focused.stored() == idea
    for sock in focused.socks():
        state = next_state(sock)
        assert state["focus"] == focus
        # Each screen finds the item, with its figures as that screen may see them, in its
        # stage's ideas.
        shown = stage_of(state, focus["stage_id"])["ideas"]
        assert [item["text"] for item in shown if item["id"] == idea] == [TEXTS[1]]


def test_a_late_joiner_a_second_console_and_the_http_state_see_the_focus(
    focused: Focused,
) -> None:
    focus = focused.focus(focused.ideas[0])
    assert focused.room.participant("Late").state["focus"] == focus
    console = focused.room.connect()
    opened = ok(console, "facilitate", {"workshop_id": focused.room.id, "key": focused.room.key})
    assert opened["state"]["focus"] == focus
    screen = focused.room.connect()
    payload = {"workshop_id": focused.room.id, "token": focused.room.projector_token}
    assert ok(screen, "present", payload)["state"]["focus"] == focus
    assert focused.room.facilitator_state()["focus"] == focus


def test_focusing_the_same_item_again_tells_nobody_and_another_moves_it(
    focused: Focused,
) -> None:
    first = focused.focus(focused.ideas[0])
    for sock in focused.socks():
        next_state(sock)
    before = database(focused.room.app)
    assert focused.focus(focused.ideas[0]) == first
    assert database(focused.room.app) == before
    moved = focused.focus(focused.ideas[2])
    assert moved["idea_id"] == focused.ideas[2]
    assert focused.stored() == focused.ideas[2]
    for sock in focused.socks():
        assert only_state_is(sock, has_focus(focused.ideas[2]))["focus"] == moved


def test_an_item_of_another_stage_may_be_in_focus(focused: Focused) -> None:
    """The room may look back at an earlier stage's item (the one being discussed now)."""
    goals = focused.stages["goals"]
    phase(focused.fac, goals, "brainstorm")
    focus = focused.focus(focused.ideas[0])
    assert focus["stage_id"] == focused.vision
    assert focused.room.facilitator_state()["focus"] == focus


def test_an_item_of_a_private_brainstorm_needs_its_reveal(app: Flask, client: FlaskClient) -> None:
    """Until the facilitator reveals a private brainstorm, nobody but the console sees its
    ideas: focusing one is `wrong_phase`; once revealed, it is accepted."""
    room = Room.started(app, client, template="prioritise-projects")
    try:
        fac = room.facilitator()
        projects = room.stage_ids()["projects"]
        phase(fac, projects, "brainstorm")
        phone = room.participant("Ana")
        idea = submit(phone, projects, "A new depot")
        world = Focused(room, fac, room.projector(), [phone], room.stage_ids(), [idea])
        assert stage_of(phone.state, projects)["private"] is True
        world.refuse(fac, "focus:set", {"idea_id": idea}, "wrong_phase")
        ok(fac, "results:reveal", {"stage_id": projects})
        assert world.focus(idea)["idea_id"] == idea
        state = until(phone.sock, "state", has_focus(idea))[-1]
        assert [item["id"] for item in stage_of(state, projects)["ideas"]] == [idea]
    finally:
        room.close()


# --------------------------------------------------------------------------- focus:clear


def test_clear_takes_the_item_away_and_clearing_again_tells_nobody(focused: Focused) -> None:
    focused.focus(focused.ideas[0])
    for sock in focused.socks():
        next_state(sock)
    assert ok(focused.fac, "focus:clear", {}) == {"ok": True, "focus": None}
    assert focused.stored() is None
    for sock in focused.socks():
        assert next_state(sock)["focus"] is None
    before = database(focused.room.app)
    assert ok(focused.fac, "focus:clear", {}) == {"ok": True, "focus": None}
    assert ok(focused.fac, "focus:clear") == {"ok": True, "focus": None}
    assert database(focused.room.app) == before
    focused.focus(focused.ideas[1])
    for sock in focused.socks():
        only_state_is(sock, has_focus(focused.ideas[1]))


# --------------------------------------------------------------------------- refusals


def test_an_item_nobody_may_see_is_idea_not_found(focused: Focused, other: Room) -> None:
    focused.focus(focused.ideas[0])
    foreign_phone = other.participant("Olga")
    foreign = submit(foreign_phone, other.stage_ids()["vision"], "Someone else's idea")
    hidden = focused.ideas[1]
    ok(focused.fac, "idea:hide", {"idea_id": hidden, "hidden": True})
    merged, into = focused.ideas[2], focused.ideas[0]
    ok(focused.fac, "idea:merge", {"idea_ids": [merged], "into": into})
    deleted = submit(focused.people[0], focused.vision, "Withdrawn at once")
    ok(focused.people[0].sock, "idea:delete", {"idea_id": deleted})
    for idea_id in (999_999, foreign, hidden, merged, deleted):
        focused.refuse(focused.fac, "focus:set", {"idea_id": idea_id}, "idea_not_found")


MALFORMED: list[Any] = [
    {},
    {"idea_id": "1"},
    {"idea_id": 0},
    {"idea_id": -3},
    {"idea_id": 1.5},
    {"idea_id": None},
    {"idea_id": True},
    [1],
    "1",
]


def test_malformed_focus_is_invalid_payload(focused: Focused) -> None:
    focused.focus(focused.ideas[0])
    for payload in MALFORMED:
        focused.refuse(focused.fac, "focus:set", payload, "invalid_payload")


def test_only_the_facilitator_may_focus(focused: Focused) -> None:
    focused.focus(focused.ideas[0])
    stranger = focused.room.connect()
    for event, body in [("focus:set", {"idea_id": focused.ideas[1]}), ("focus:clear", {})]:
        focused.refuse(stranger, event, body, "not_joined")
        focused.refuse(focused.people[0].sock, event, body, "forbidden")
        focused.refuse(focused.proj, event, body, "forbidden")


def test_a_finished_workshop_is_workshop_finished(focused: Focused) -> None:
    ok(focused.fac, "workshop:finish", {})
    for event, body in [("focus:set", {"idea_id": focused.ideas[1]}), ("focus:clear", {})]:
        focused.refuse(focused.fac, event, body, "workshop_finished")


# --------------------------------------------------------------------------- what ends it


def test_a_step_change_clears_the_focus_and_reselecting_the_step_does_not(
    focused: Focused,
) -> None:
    focused.focus(focused.ideas[0])
    phase(focused.fac, focused.vision, "brainstorm")
    assert focused.stored() == focused.ideas[0]
    drain(*focused.socks())
    phase(focused.fac, focused.vision, "vote")
    assert focused.stored() is None
    for sock in focused.socks():
        assert until(sock, "state", lambda s: s["current"]["phase"] == "vote")[-1]["focus"] is None
    # In the vote the items are public again: the facilitator may focus one.
    assert focused.focus(focused.ideas[2])["idea_id"] == focused.ideas[2]
    phase(focused.fac, focused.stages["goals"], "brainstorm")  # another stage made current
    assert focused.stored() is None
    assert focused.room.facilitator_state()["focus"] is None


def test_hiding_the_item_takes_it_out_of_focus_for_good(focused: Focused) -> None:
    idea = focused.ideas[1]
    focused.focus(idea)
    drain(*focused.socks())
    ok(focused.fac, "idea:hide", {"idea_id": idea, "hidden": True})
    assert focused.stored() is None
    for sock in focused.socks():
        assert next_state(sock)["focus"] is None
    ok(focused.fac, "idea:hide", {"idea_id": idea, "hidden": False})
    assert focused.room.facilitator_state()["focus"] is None
    # Hiding another idea leaves the focus alone.
    focused.focus(idea)
    ok(focused.fac, "idea:hide", {"idea_id": focused.ideas[0], "hidden": True})
    assert focused.stored() == idea


def test_an_item_merged_away_leaves_the_focus_for_good(focused: Focused) -> None:
    merged, into = focused.ideas[1], focused.ideas[0]
    focused.focus(merged)
    drain(*focused.socks())
    ok(focused.fac, "idea:merge", {"idea_ids": [merged], "into": into})
    assert focused.stored() is None
    for sock in focused.socks():
        assert next_state(sock)["focus"] is None
    ok(focused.fac, "idea:unmerge", {"idea_id": merged})
    assert focused.room.facilitator_state()["focus"] is None
    # The item it was merged into can be focused instead.
    assert focused.focus(into)["idea_id"] == into


def test_a_deleted_item_leaves_the_focus(focused: Focused) -> None:
    idea = focused.ideas[0]  # Ana's
    focused.focus(idea)
    drain(*focused.socks())
    ok(focused.people[0].sock, "idea:delete", {"idea_id": idea})
    assert focused.stored() is None
    for sock in focused.socks():
        assert next_state(sock)["focus"] is None


def test_finishing_the_workshop_clears_the_focus(focused: Focused) -> None:
    focused.focus(focused.ideas[0])
    drain(*focused.socks())
    ok(focused.fac, "workshop:finish", {})
    assert focused.stored() is None
    for sock in focused.socks():
        state = until(sock, "state", lambda s: s["workshop"]["status"] == "finished")[-1]
        assert state["focus"] is None


@pytest.fixture
def two_rooms(app: Flask, client: FlaskClient) -> Iterator[tuple[Room, Room]]:
    rooms = (Room.started(app, client), Room.started(app, client, title="Beta"))
    yield rooms
    for room in rooms:
        room.close()


def test_the_focus_is_its_workshops_only(two_rooms: tuple[Room, Room]) -> None:
    alpha, beta = two_rooms
    fac_a, phone_b = alpha.facilitator(), beta.participant("Bea")
    idea = submit(alpha.participant("Al"), alpha.stage_ids()["vision"], "Alpha's idea")
    ok(fac_a, "focus:set", {"idea_id": idea})
    assert beta.facilitator_state()["focus"] is None
    assert all(message["name"] != "state" for message in phone_b.sock.get_received())
