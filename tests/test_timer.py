"""The stage timer (`timer:set`, `timer:add`, `timer:pause`, `timer:resume`, `timer:clear`)
through the Socket.IO test client: acks, what every screen's `state` carries, the rules of
`services/timer.py`, every error code (a refusal writes nothing), retries and repeats that
change nothing and tell nobody, and the step or stage change that clears the timer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, ack, error_code, ok
from tests.test_agenda_api import editable, put_ok
from tests.test_events import database, drain, phase, stage_of, until
from workshop.core.errors import DomainError
from workshop.services.timer import added

# --------------------------------------------------------------------------- helpers


def moment(text: str) -> datetime:
    """A time as the state carries it (ISO 8601, UTC, milliseconds)."""
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0), text
    return parsed


def left(timer: dict[str, Any]) -> float:
    """Seconds left on a timer as a client reads it now (this test shares the server's clock)."""
    if timer["running"]:
        return (moment(timer["ends_at"]) - datetime.now(UTC)).total_seconds()
    remaining: float = timer["paused_remaining"]
    return remaining


def without_clock(state: dict[str, Any]) -> dict[str, Any]:
    """A state without its `server_time`, which moves on by itself."""
    return {key: value for key, value in state.items() if key != "server_time"}


@dataclass
class Timed:
    """A started workshop (its first stage in brainstorm) with a console, a room screen and
    two phones connected."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]

    @property
    def current(self) -> int:
        return self.stages["vision"]

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def timer(self, event: str, **payload: Any) -> dict[str, Any] | None:
        """Send a timer event for the current stage (unless the payload names one); its ack's
        timer."""
        body = {"stage_id": self.current, **payload}
        timer: dict[str, Any] | None = ok(self.fac, event, body)["timer"]
        return timer

    def stored(self) -> tuple[Any, ...]:
        """The current stage's timer columns as the database has them."""
        with self.room.app.extensions["workshop_db"].connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT timer_seconds, timer_ends_at, timer_paused_remaining, timer_op "
                "FROM stage WHERE id = ?",
                (self.current,),
            ).one()
        return tuple(row)

    def refuse(self, sock: SocketIOTestClient, event: str, payload: Any, code: str) -> None:
        """The call is refused with `code` and nothing changed: no table, no state."""
        before = (database(self.room.app), without_clock(self.room.facilitator_state()))
        assert error_code(sock, event, payload) == code, (event, payload)
        after = (database(self.room.app), without_clock(self.room.facilitator_state()))
        assert after == before, f"{event} {payload!r} changed something"


@pytest.fixture
def timed(room: Room) -> Timed:
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben")]
    world = Timed(room, fac, proj, people, room.stage_ids())
    drain(*world.socks())
    return world


def next_state(sock: SocketIOTestClient, timeout: float = 3.0) -> dict[str, Any]:
    """The next `state` this client receives (it must arrive)."""
    state: dict[str, Any] = until(sock, "state", lambda _s: True, timeout)[0]
    return state


def only_state_is(sock: SocketIOTestClient, check: Any) -> dict[str, Any]:
    """The one `state` the client received since it was drained, which must pass `check`: an
    event that changed nothing before it sent none (a socket delivers in order, so a state it
    had sent would come first)."""
    states = until(sock, "state", check)
    assert len(states) == 1, f"{len(states) - 1} state(s) before the expected one"
    state: dict[str, Any] = states[0]
    return state


# --------------------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize(
    ("left_before", "length", "seconds", "expected"),
    [
        (100.0, 300, 60, (160.0, 360)),  # +1 min: time left and length move together
        (100.0, 300, -60, (40.0, 240)),
        (100.0, 300, -100, (0.0, 200)),  # down to zero exactly
        (100.0, 300, -500, (0.0, 1)),  # negative clamps at 0; the length stays at least 1 s
        (0.0, 300, 60, (60.0, 60)),  # a timer at zero starts a new countdown of what was added
        (0.0, 300, -60, (0.0, 240)),  # at zero, taking time off leaves it at zero
        (7100.0, 7200, 100, (7200.0, 7200)),  # up to the maximum exactly; length capped
        (7000.0, 7000, 100, (7100.0, 7100)),
        (290.0, 300, -200, (90.0, 100)),
        (290.5, 291, -1, (289.5, 290)),
        (50.0, 60, -20, (30.0, 40)),
        (5.0, 10, 7195, (7200.0, 7200)),
        (100.0, 50, 60, (160.0, 160)),  # never shorter than the time left
    ],
)
def test_added_moves_the_time_left_and_the_length(
    left_before: float, length: int, seconds: int, expected: tuple[float, int]
) -> None:
    assert added(left_before, length, seconds) == expected


@pytest.mark.parametrize(
    ("left_before", "length", "seconds"),
    [(7200.0, 7200, 1), (7100.0, 7200, 101), (3600.0, 3600, 3601), (7199.5, 7200, 1)],
)
def test_added_beyond_two_hours_is_timer_too_long(
    left_before: float, length: int, seconds: int
) -> None:
    with pytest.raises(DomainError) as refused:
        added(left_before, length, seconds)
    assert refused.value.code == "timer_too_long"


# --------------------------------------------------------------------------- timer:set


def test_set_is_stored_acked_and_sent_to_every_screen(timed: Timed) -> None:
    """The end is a server time `seconds` from now; the console, the room screen and every
    phone get it in `state.timer`, in the stage's `timer` and with the server's clock."""
    before = datetime.now(UTC)
    timer = timed.timer("timer:set", seconds=300)
    after = datetime.now(UTC)
    assert timer is not None
    assert timer["stage_id"] == timed.current
    assert timer["seconds"] == 300
    assert (timer["running"], timer["paused_remaining"]) == (True, None)
    ends_at = moment(timer["ends_at"])
    # To the millisecond: the ISO text rounds down, so allow one ms below.
    assert (
        before + timedelta(seconds=300, milliseconds=-1)
        <= ends_at
        <= after + timedelta(seconds=300)
    )
    seconds, stored_end, paused, op = timed.stored()
    assert (seconds, paused, op) == (300, None, None)
    assert stored_end is not None
    for sock, audience in zip(
        timed.socks(), ["facilitator", "projector", "participant", "participant"], strict=True
    ):
        state = next_state(sock)
        assert state["audience"] == audience
        assert state["timer"] == timer
        assert stage_of(state, timed.current)["timer"] == timer
        server_time = moment(state["server_time"])
        assert before - timedelta(milliseconds=1) <= server_time <= datetime.now(UTC)
        assert len(state["server_time"]) == len("2026-12-07T17:00:00.000+00:00")
        others = [s for s in state["stages"] if s["id"] != timed.current]
        assert all(s["timer"] is None for s in others)


def test_setting_again_restarts_the_countdown(timed: Timed) -> None:
    first = timed.timer("timer:set", seconds=600)
    ok(timed.fac, "timer:pause", {"stage_id": timed.current})
    second = timed.timer("timer:set", seconds=60)
    assert first is not None and second is not None
    assert (second["seconds"], second["running"], second["paused_remaining"]) == (60, True, None)
    assert 59 < left(second) <= 60
    assert moment(second["ends_at"]) < moment(first["ends_at"])


def test_set_takes_10_seconds_to_2_hours(timed: Timed) -> None:
    for seconds in (10, 7200):
        timer = timed.timer("timer:set", seconds=seconds)
        assert timer is not None and timer["seconds"] == seconds


def test_a_late_joiner_a_second_console_and_the_http_state_count_to_the_same_end(
    timed: Timed,
) -> None:
    timer = timed.timer("timer:set", seconds=180)
    assert timer is not None
    late = timed.room.participant("Late")
    assert late.state["timer"] == timer
    console = timed.room.connect()
    opened = ok(console, "facilitate", {"workshop_id": timed.room.id, "key": timed.room.key})
    assert opened["state"]["timer"] == timer
    screen = timed.room.connect()
    shown = ok(
        screen, "present", {"workshop_id": timed.room.id, "token": timed.room.projector_token}
    )
    assert shown["state"]["timer"] == timer
    assert timed.room.facilitator_state()["timer"] == timer
    resumed = timed.room.connect()
    again = ok(resumed, "join", {"code": timed.room.code, "token": timed.people[0].token})
    assert again["state"]["timer"] == timer


def test_a_retried_set_with_the_same_client_id_changes_nothing_and_tells_nobody(
    timed: Timed,
) -> None:
    first = ack(
        timed.fac, "timer:set", {"stage_id": timed.current, "seconds": 120, "client_id": "a1"}
    )
    assert first["ok"] is True
    assert timed.stored()[3] == "a1"
    for sock in timed.socks():
        next_state(sock)
    before = database(timed.room.app)
    retried = ack(
        timed.fac, "timer:set", {"stage_id": timed.current, "seconds": 120, "client_id": "a1"}
    )
    assert retried == first
    assert database(timed.room.app) == before
    # A new client_id is a new change: it restarts the countdown and tells everyone.
    fresh = ok(
        timed.fac, "timer:set", {"stage_id": timed.current, "seconds": 90, "client_id": "a2"}
    )
    for sock in timed.socks():
        only_state_is(sock, lambda s: s["timer"] is not None and s["timer"]["seconds"] == 90)
    assert fresh["timer"]["seconds"] == 90


# --------------------------------------------------------------------------- timer:add


def test_add_moves_a_running_timer_and_its_length(timed: Timed) -> None:
    start = timed.timer("timer:set", seconds=300)
    assert start is not None
    drain(*timed.socks())
    more = timed.timer("timer:add", seconds=60)
    assert more is not None
    assert more["seconds"] == 360 and more["running"] is True
    shift = moment(more["ends_at"]) - moment(start["ends_at"])
    assert abs(shift.total_seconds() - 60) <= 0.002
    for sock in timed.socks():
        assert only_state_is(sock, lambda s: s["timer"]["seconds"] == 360)["timer"] == more
    less = timed.timer("timer:add", seconds=-120)
    assert less is not None
    assert less["seconds"] == 240
    shift = moment(less["ends_at"]) - moment(start["ends_at"])
    assert abs(shift.total_seconds() + 60) <= 0.003
    for sock in timed.socks():
        assert only_state_is(sock, lambda s: s["timer"]["seconds"] == 240)["timer"] == less


def test_taking_off_more_than_is_left_stops_at_zero_and_adding_then_starts_afresh(
    timed: Timed,
) -> None:
    timed.timer("timer:set", seconds=60)
    zero = timed.timer("timer:add", seconds=-7200)
    assert zero is not None
    assert zero["seconds"] == 1  # never below one second
    assert zero["running"] is True
    assert left(zero) <= 0  # "Time's up" on every screen; nothing closes
    assert timed.room.facilitator_state()["current"]["phase"] == "brainstorm"
    again = timed.timer("timer:add", seconds=-30)  # at zero, taking off leaves it at zero
    assert again is not None and left(again) <= 0
    fresh = timed.timer("timer:add", seconds=45)
    assert fresh is not None
    assert fresh["seconds"] == 45
    assert 44 < left(fresh) <= 45


def test_add_to_a_paused_timer_moves_what_is_left(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    paused = timed.timer("timer:pause")
    assert paused is not None
    more = timed.timer("timer:add", seconds=60)
    assert more is not None
    assert (more["running"], more["ends_at"], more["seconds"]) == (False, None, 360)
    assert more["paused_remaining"] == pytest.approx(paused["paused_remaining"] + 60, abs=0.001)
    zero = timed.timer("timer:add", seconds=-1000)
    assert zero is not None
    assert (zero["paused_remaining"], zero["seconds"]) == (0.0, 1)
    fresh = timed.timer("timer:add", seconds=30)
    assert fresh is not None
    assert (fresh["paused_remaining"], fresh["seconds"], fresh["running"]) == (30.0, 30, False)


def test_add_beyond_two_hours_is_timer_too_long_and_writes_nothing(timed: Timed) -> None:
    timed.timer("timer:set", seconds=7200)
    timed.refuse(
        timed.fac, "timer:add", {"stage_id": timed.current, "seconds": 60}, "timer_too_long"
    )
    timed.timer("timer:set", seconds=3600)
    paused = timed.timer("timer:pause")
    assert paused is not None
    timed.refuse(
        timed.fac, "timer:add", {"stage_id": timed.current, "seconds": 3601}, "timer_too_long"
    )
    timer = timed.timer("timer:add", seconds=3600)  # up to 7,200 s is allowed
    assert timer is not None
    assert timer["paused_remaining"] == pytest.approx(paused["paused_remaining"] + 3600)


def test_a_retried_add_adds_once(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    payload = {"stage_id": timed.current, "seconds": 60, "client_id": "plus-1"}
    first = ack(timed.fac, "timer:add", payload)
    assert first["ok"] is True and first["timer"]["seconds"] == 360
    before = database(timed.room.app)
    assert ack(timed.fac, "timer:add", payload) == first
    assert ack(timed.fac, "timer:add", payload) == first
    assert database(timed.room.app) == before
    # A retry that arrives after a pause still adds nothing; it answers the timer as it is.
    paused = timed.timer("timer:pause")
    assert paused is not None
    retried = ok(timed.fac, "timer:add", payload)
    assert retried["timer"] == paused
    assert retried["timer"]["seconds"] == 360


# --------------------------------------------------------------------------- pause and resume


def test_pause_keeps_what_is_left_and_resume_counts_on_from_there(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    for sock in timed.socks():
        next_state(sock)
    paused = timed.timer("timer:pause")
    assert paused is not None
    assert (paused["running"], paused["ends_at"], paused["seconds"]) == (False, None, 300)
    assert 295 < paused["paused_remaining"] <= 300
    assert timed.stored()[1] is None
    for sock in timed.socks():
        assert next_state(sock)["timer"] == paused
    # Pausing again changes nothing and tells nobody.
    before = database(timed.room.app)
    assert timed.timer("timer:pause") == paused
    assert database(timed.room.app) == before
    before_resume = datetime.now(UTC)
    resumed = timed.timer("timer:resume")
    assert resumed is not None
    assert (resumed["running"], resumed["paused_remaining"], resumed["seconds"]) == (
        True,
        None,
        300,
    )
    ends_at = moment(resumed["ends_at"])
    expected = before_resume + timedelta(seconds=paused["paused_remaining"])
    assert (
        expected - timedelta(milliseconds=1)
        <= ends_at
        <= datetime.now(UTC) + timedelta(seconds=paused["paused_remaining"])
    )
    for sock in timed.socks():
        assert (
            only_state_is(sock, lambda s: s["timer"] is not None and s["timer"]["running"])["timer"]
            == resumed
        )
    # Resuming a running timer changes nothing and tells nobody.
    before = database(timed.room.app)
    assert timed.timer("timer:resume") == resumed
    assert database(timed.room.app) == before
    timed.timer("timer:add", seconds=10)
    for sock in timed.socks():
        only_state_is(sock, lambda s: s["timer"] is not None and s["timer"]["seconds"] == 310)


# --------------------------------------------------------------------------- timer:clear


def test_clear_removes_the_timer_and_clearing_again_tells_nobody(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    for sock in timed.socks():
        next_state(sock)
    assert ok(timed.fac, "timer:clear", {"stage_id": timed.current}) == {"ok": True, "timer": None}
    assert timed.stored()[:3] == (None, None, None)
    for sock in timed.socks():
        state = next_state(sock)
        assert state["timer"] is None
        assert stage_of(state, timed.current)["timer"] is None
    before = database(timed.room.app)
    assert ok(timed.fac, "timer:clear", {"stage_id": timed.current}) == {"ok": True, "timer": None}
    assert database(timed.room.app) == before
    timed.timer("timer:set", seconds=20)
    for sock in timed.socks():
        only_state_is(sock, lambda s: s["timer"] is not None and s["timer"]["seconds"] == 20)


# --------------------------------------------------------------------------- refusals


def test_without_a_timer_is_no_timer(timed: Timed) -> None:
    """Never set, or cleared: there is nothing to add to, pause or resume."""
    refusals = [
        ("timer:add", {"stage_id": timed.current, "seconds": 60}),
        ("timer:pause", {"stage_id": timed.current}),
        ("timer:resume", {"stage_id": timed.current}),
    ]
    for event, payload in refusals:
        timed.refuse(timed.fac, event, payload, "no_timer")
    timed.timer("timer:set", seconds=60)
    timed.timer("timer:clear")
    for event, payload in refusals:
        timed.refuse(timed.fac, event, payload, "no_timer")


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("timer:set", {"seconds": 9}),
    ("timer:set", {"seconds": 7201}),
    ("timer:set", {"seconds": 0}),
    ("timer:set", {"seconds": -60}),
    ("timer:set", {"seconds": "60"}),
    ("timer:set", {"seconds": 60.5}),
    ("timer:set", {"seconds": True}),
    ("timer:set", {}),
    ("timer:set", {"seconds": 60, "client_id": ""}),
    ("timer:set", {"seconds": 60, "client_id": "x" * 65}),
    ("timer:add", {"seconds": 0}),
    ("timer:add", {"seconds": 7201}),
    ("timer:add", {"seconds": -7201}),
    ("timer:add", {"seconds": "60"}),
    ("timer:add", {}),
    ("timer:pause", {"stage_id": "1"}),
    ("timer:resume", {"stage_id": 0}),
    ("timer:clear", {"stage_id": None}),
]


def test_malformed_payloads_are_invalid_payload(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    for event, payload in MALFORMED:
        body = {"stage_id": timed.current, **payload}
        timed.refuse(timed.fac, event, body, "invalid_payload")
    for event in ("timer:set", "timer:add", "timer:pause", "timer:resume", "timer:clear"):
        for raw in ([timed.current, 60], "60", 60):
            timed.refuse(timed.fac, event, raw, "invalid_payload")


TIMER_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("timer:set", {"seconds": 60}),
    ("timer:add", {"seconds": 60}),
    ("timer:pause", {}),
    ("timer:resume", {}),
    ("timer:clear", {}),
]


def test_only_the_facilitator_may_send_timer_events(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    timed.timer("timer:pause")
    stranger = timed.room.connect()
    for event, extra in TIMER_EVENTS:
        payload = {"stage_id": timed.current, **extra}
        timed.refuse(stranger, event, payload, "not_joined")
        timed.refuse(timed.people[0].sock, event, payload, "forbidden")
        timed.refuse(timed.proj, event, payload, "forbidden")


def test_another_stage_is_not_current_stage_and_a_foreign_one_not_found(
    timed: Timed, other: Room
) -> None:
    timed.timer("timer:set", seconds=300)
    goals = timed.stages["goals"]
    foreign = other.stage_ids()["vision"]
    for event, extra in TIMER_EVENTS:
        timed.refuse(timed.fac, event, {"stage_id": goals, **extra}, "not_current_stage")
        timed.refuse(timed.fac, event, {"stage_id": foreign, **extra}, "stage_not_found")
        timed.refuse(timed.fac, event, {"stage_id": 999_999, **extra}, "stage_not_found")


def test_a_finished_workshop_is_workshop_finished(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    ok(timed.fac, "workshop:finish", {})
    for event, extra in TIMER_EVENTS:
        body = {"stage_id": timed.current, **extra}
        timed.refuse(timed.fac, event, body, "workshop_finished")


def test_finishing_the_workshop_clears_its_timer(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    drain(*timed.socks())
    ok(timed.fac, "workshop:finish", {})
    for sock in timed.socks():
        state = until(sock, "state", lambda s: s["workshop"]["status"] == "finished")[-1]
        assert state["timer"] is None
    assert timed.stored()[:3] == (None, None, None)


# --------------------------------------------------------------------------- step changes


def test_changing_step_clears_the_timer_and_reselecting_it_does_not(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    phase(timed.fac, timed.current, "brainstorm")  # the step it is on: nothing changes
    assert timed.room.facilitator_state()["timer"] is not None
    ok(timed.people[0].sock, "idea:submit", {"stage_id": timed.current, "text": "An idea"})
    drain(*timed.socks())
    phase(timed.fac, timed.current, "vote")
    for sock in timed.socks():
        state = until(sock, "state", lambda s: s["current"]["phase"] == "vote")[-1]
        assert state["timer"] is None
        assert stage_of(state, timed.current)["timer"] is None
    assert timed.stored()[:3] == (None, None, None)
    # Moving back is a step change too.
    timed.timer("timer:set", seconds=300)
    phase(timed.fac, timed.current, "brainstorm")
    assert timed.room.facilitator_state()["timer"] is None


def test_making_another_stage_current_clears_the_timer_of_the_one_left(timed: Timed) -> None:
    timed.timer("timer:set", seconds=300)
    goals = timed.stages["goals"]
    drain(*timed.socks())
    phase(timed.fac, goals, "brainstorm")
    for sock in timed.socks():
        state = until(sock, "state", lambda s: s["current"]["stage_id"] == goals)[-1]
        assert state["timer"] is None
        assert all(stage["timer"] is None for stage in state["stages"])
    assert timed.stored()[:3] == (None, None, None)
    # The old stage is no longer current: its timer cannot be set; the new one's can.
    timed.refuse(
        timed.fac, "timer:set", {"stage_id": timed.current, "seconds": 60}, "not_current_stage"
    )
    timer = ok(timed.fac, "timer:set", {"stage_id": goals, "seconds": 60})["timer"]
    assert timer["stage_id"] == goals


def test_in_the_lobby_the_first_stage_takes_a_timer_until_the_workshop_starts(
    app: Flask, client: FlaskClient
) -> None:
    """Before the start the current stage is the agenda's first, still pending: a countdown to
    the start is fine; opening its first step clears it like any step change."""
    room = Room.create(app, client)
    try:
        fac = room.facilitator()
        first = room.stage_ids()["vision"]
        state = room.facilitator_state()
        assert state["workshop"]["lobby"] is True
        assert state["current"] == {"stage_id": first, "phase": "pending"}
        timer = ok(fac, "timer:set", {"stage_id": first, "seconds": 600})["timer"]
        phone = room.participant("Early")
        assert phone.state["timer"] == timer
        assert room.facilitator_state()["workshop"]["lobby"] is True
        phase(fac, first, "brainstorm")
        assert room.facilitator_state()["timer"] is None
    finally:
        room.close()


@pytest.fixture
def two_rooms(app: Flask, client: FlaskClient) -> Iterator[tuple[Room, Room]]:
    rooms = (Room.started(app, client), Room.started(app, client, title="Beta"))
    yield rooms
    for room in rooms:
        room.close()


def test_a_timer_is_its_workshops_only(two_rooms: tuple[Room, Room]) -> None:
    alpha, beta = two_rooms
    fac_a, phone_b = alpha.facilitator(), beta.participant("Bea")
    ok(fac_a, "timer:set", {"stage_id": alpha.stage_ids()["vision"], "seconds": 60})
    assert beta.facilitator_state()["timer"] is None
    assert all(message["name"] != "state" for message in phone_b.sock.get_received())


# --------------------------------------------------------------------------- agenda changes


def test_a_new_first_stage_in_the_lobby_takes_over_without_the_old_ones_countdown(
    app: Flask, client: FlaskClient
) -> None:
    """In the lobby the current stage is the agenda's first: moving another stage before it
    makes that one current, and the countdown and the focus set on the old one go."""
    room = Room.create(app, client)
    try:
        fac = room.facilitator()
        ids = room.stage_ids()
        ok(fac, "timer:set", {"stage_id": ids["vision"], "seconds": 600})
        preloaded = ok(fac, "idea:submit", {"stage_id": ids["vision"], "text": "Last year's"})
        ok(fac, "focus:set", {"idea_id": preloaded["idea"]["id"]})
        drain(fac)
        vision, goals, projects = editable(room)
        put_ok(room, [goals, vision, projects])
        state = until(fac, "state", lambda s: s["current"]["stage_id"] == ids["goals"])[-1]
        assert (state["timer"], state["focus"]) == (None, None)
        assert all(stage["timer"] is None for stage in state["stages"])
        assert room.facilitator_state()["timer"] is None
        # The new first stage takes a countdown of its own.
        timer = ok(fac, "timer:set", {"stage_id": ids["goals"], "seconds": 60})["timer"]
        assert room.facilitator_state()["timer"] == timer
    finally:
        room.close()


def test_removing_the_current_pending_stage_removes_its_countdown(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client)
    try:
        fac = room.facilitator()
        ids = room.stage_ids()
        ok(fac, "timer:set", {"stage_id": ids["vision"], "seconds": 600})
        _vision, goals, projects = editable(room)
        put_ok(room, [goals, projects])
        state = room.facilitator_state()
        assert state["current"] == {"stage_id": ids["goals"], "phase": "pending"}
        assert state["timer"] is None
        assert all(stage["timer"] is None for stage in state["stages"])
    finally:
        room.close()


def test_a_stage_made_pending_again_by_an_agenda_change_loses_its_countdown(
    timed: Timed,
) -> None:
    """An opened but unused stage whose first step changes is pending again: a step change."""
    timed.timer("timer:set", seconds=600)
    vision, goals, projects = editable(timed.room)
    vision["steps"] = [{"kind": "vote"}, {"kind": "done"}]
    put_ok(timed.room, [vision, goals, projects])
    state = timed.room.facilitator_state()
    assert state["current"] == {"stage_id": timed.current, "phase": "pending"}
    assert state["timer"] is None
    assert timed.stored()[:3] == (None, None, None)
