"""A countdown survives a crash: the real server (`python app.py`) is killed with SIGKILL while
a timer runs and started again on the same database; the console and a phone reconnect (the
phone on its own, resuming with its token as the page does) and count to the same stored end,
and what is left has gone on shrinking meanwhile. A paused timer keeps its seconds across the
crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.server import LiveServer, http

# Sockets that the SIGKILL cut are collected unclosed by the clients' libraries.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)

TIMEOUT = 20.0


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def left_at_server(state: dict[str, Any]) -> float:
    """Seconds left on the state's timer at the server's time in that state: what a client
    corrected for its clock offset shows."""
    timer = state["timer"]
    if not timer["running"]:
        remaining: float = timer["paused_remaining"]
        return remaining
    return (moment(timer["ends_at"]) - moment(state["server_time"])).total_seconds()


class Phone:
    """A participant's phone: reconnects by itself and resumes with its token on every
    connect (as `static/js/participant.js` does), keeping every state it is sent."""

    def __init__(self, url: str, code: str) -> None:
        self.code = code
        self.token: str | None = None
        self.states: list[dict[str, Any]] = []
        self.joins = 0
        self._changed = threading.Condition()
        self.client = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=0.1,
            reconnection_delay_max=0.5,
        )
        self.client.on("connect", self._on_connect)
        self.client.on("state", self._on_state)
        self.client.connect(url, transports=["websocket"], wait_timeout=TIMEOUT)

    def _on_connect(self) -> None:
        threading.Thread(target=self._join, daemon=True).start()

    def _join(self) -> None:
        payload: dict[str, Any] = {"code": self.code, "name": "Ana"}
        if self.token:
            payload["token"] = self.token
        try:
            answer = self.client.call("join", payload, timeout=10)
        except Exception:  # the server went away again: the next connect joins
            return
        if answer.get("ok"):
            with self._changed:
                self.token = answer["token"]
                self.joins += 1
                self._changed.notify_all()

    def _on_state(self, state: dict[str, Any]) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait(self, done: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"phone: not so within {timeout} s; {self.joins} joins")
                self._changed.wait(remaining)

    def mark(self) -> int:
        with self._changed:
            return len(self.states)

    def state_after(self, mark: int, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first state received after `mark` that passes `done`."""
        found: list[dict[str, Any]] = []

        def seen() -> bool:
            found[:] = [s for s in self.states[mark:] if done(s)][:1]
            return bool(found)

        self.wait(seen)
        return found[0]

    def close(self) -> None:
        self.client.disconnect()


def console_call(server: LiveServer, room: dict[str, Any], event: str, payload: Any) -> Any:
    """One facilitator event on a fresh console connection: its ack, and the state the console
    was sent on opening."""
    console = socketio.Client(reconnection=False)
    console.connect(server.url, transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        opened = console.call(
            "facilitate", {"workshop_id": room["id"], "key": room["facilitator_key"]}, timeout=10
        )
        assert opened["ok"], opened
        answer = console.call(event, payload, timeout=10) if event else None
        return answer, opened["state"]
    finally:
        console.disconnect()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "timer.sqlite3")
    live.start()
    yield live
    live.stop()
    print(live.output())  # shown by pytest only when the test failed


@pytest.fixture
def started(server: LiveServer) -> tuple[dict[str, Any], int]:
    """A workshop whose first stage's brainstorm is open."""
    room: dict[str, Any] = http(f"{server.url}/api/workshops", "POST", {"title": "Timer Co"})
    _, state = console_call(server, room, "", None)
    stage_id = int(state["stages"][0]["id"])
    moved, _ = console_call(
        server, room, "stage:phase", {"stage_id": stage_id, "phase": "brainstorm"}
    )
    assert moved["ok"], moved
    return room, stage_id


def test_a_running_countdown_continues_from_its_stored_end_after_kill_9(
    server: LiveServer, started: tuple[dict[str, Any], int]
) -> None:
    room, stage_id = started
    phone = Phone(server.url, room["code"])
    try:
        phone.wait(lambda: phone.joins == 1)
        mark = phone.mark()
        answer, _ = console_call(
            server, room, "timer:set", {"stage_id": stage_id, "seconds": 120, "client_id": "t1"}
        )
        set_at = time.monotonic()
        assert answer["ok"], answer
        timer = answer["timer"]
        before = phone.state_after(mark, lambda s: s["timer"] is not None)
        assert before["timer"] == timer
        assert 119 < left_at_server(before) <= 120

        server.kill()  # SIGKILL: no shutdown, no flush beyond what was committed
        mark = phone.mark()
        server.start()
        phone.wait(lambda: phone.joins == 2)
        after = phone.state_after(mark, lambda _s: True)
        elapsed = time.monotonic() - set_at

        # The same stored end, on the phone that reconnected by itself and on a new console.
        assert after["timer"] == timer
        _, console_state = console_call(server, room, "", None)
        assert console_state["timer"] == timer
        assert console_state["stages"][0]["timer"] == timer
        # What is left went on shrinking while the server was down: measured, not reset.
        left = left_at_server(after)
        assert left < 120 - 0.2, f"still {left:.2f} s left after {elapsed:.2f} s"
        assert abs((120 - elapsed) - left) < 1.0, (left, elapsed)

        # A retry of the change the crash may have cut off (same client_id) restarts nothing.
        retried, _ = console_call(
            server, room, "timer:set", {"stage_id": stage_id, "seconds": 120, "client_id": "t1"}
        )
        assert retried == answer
    finally:
        phone.close()


def test_a_paused_countdown_keeps_its_seconds_across_kill_9(
    server: LiveServer, started: tuple[dict[str, Any], int]
) -> None:
    room, stage_id = started
    set_answer, _ = console_call(server, room, "timer:set", {"stage_id": stage_id, "seconds": 300})
    assert set_answer["ok"], set_answer
    paused, _ = console_call(server, room, "timer:pause", {"stage_id": stage_id})
    assert paused["ok"], paused
    kept = paused["timer"]["paused_remaining"]
    assert 290 < kept < 300
    paused_at = time.monotonic()
    server.kill()
    server.start()
    # Time passed while the server was down and starting; a paused timer does not count it.
    assert time.monotonic() - paused_at > 0.3
    _, state = console_call(server, room, "", None)
    assert state["timer"] == paused["timer"]
    resumed, _ = console_call(server, room, "timer:resume", {"stage_id": stage_id})
    assert resumed["ok"], resumed
    ends_at = moment(resumed["timer"]["ends_at"])
    now = datetime.now(ends_at.tzinfo)
    assert abs((ends_at - now - timedelta(seconds=kept)).total_seconds()) < 1.0
