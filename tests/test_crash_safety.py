"""Guarantee 9, crash safety, on the real server (`python app.py`, eventlet) and real clients.

- `kill -9` at random moments in a steady stream of writes from 50 participants, at least 5
  times, restarting each time on the same port and file: afterwards every acknowledged write
  is stored, nothing is stored twice (each idea carries its client_id, and a phone that lost
  an ack sends it again after reconnecting, as the phone's outbox does), `PRAGMA
  integrity_check` is ok, and every client reconnected on its own and holds the server's state.
- SIGTERM drains: in-flight events finish, the process exits 0 within a few seconds, and
  every acknowledged write is stored.

The clients are python-socketio clients with reconnection on, each resuming with its token
on every (re)connect, as `static/js/participant.js` does. The database lives where the
races' do (`fast_dir`: memory where there is one): a SIGKILL loses the process, never the
page cache, so fsync plays no part in what this test can show.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.server import LiveServer, http
from tests.test_atomic_writes import fast_dir, record

# Sockets that a SIGKILL cut are collected unclosed by the clients' libraries.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)

PEOPLE = 50
KILLS = 5
RATE = 2.0  # writes a second, per participant


class Phone:
    """One participant's phone: joins, resumes with its token on every reconnect, and sends
    an idea every 1/RATE seconds, resending an unacknowledged one (same client_id) until it
    is acknowledged."""

    def __init__(self, number: int, url: str, code: str, stage_id: int) -> None:
        self.number = number
        self.code = code
        self.stage_id = stage_id
        self.token: str | None = None
        self.participant_id: int | None = None
        self.state: dict[str, Any] | None = None
        self.acked: set[str] = set()
        self.acked_since_state: set[int] = set()
        self.sent: set[str] = set()
        self.resumes = 0
        self.errors: list[str] = []
        self.joined = threading.Event()
        self.client = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=0.1,
            reconnection_delay_max=0.5,
            randomization_factor=0.3,
        )
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self._on_disconnect)
        self.client.on("state", self._on_state)
        self.client.connect(url, transports=["websocket"], wait_timeout=20)

    def _on_connect(self) -> None:
        # Resume (or join) from the client's background thread, as the page does on connect.
        threading.Thread(target=self._join, daemon=True).start()

    def _on_disconnect(self, *_reason: Any) -> None:
        self.joined.clear()

    def _on_state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.acked_since_state = set()

    def view(self) -> set[int]:
        """The ideas the phone shows as its own: the last state's, plus those acknowledged
        since (the page adds an acknowledged idea itself)."""
        ideas = set(self.state["me"]["ideas"]) if self.state else set()
        return ideas | self.acked_since_state

    def _join(self) -> None:
        payload: dict[str, Any] = {"code": self.code, "name": f"Phone {self.number}"}
        if self.token:
            payload["token"] = self.token
        try:
            answer = self.client.call("join", payload, timeout=10)
        except Exception as exc:  # the server died again meanwhile: the next connect retries
            self.errors.append(f"join: {exc!r}")
            return
        if not answer.get("ok"):
            self.errors.append(f"join refused: {answer}")
            return
        if self.token:
            self.resumes += 1
        self.token = answer["token"]
        self.participant_id = answer["participant"]["id"]
        self.state = answer["state"]
        self.acked_since_state = set()
        self.joined.set()

    def write(self, client_id: str) -> bool:
        """Send one idea; True once acknowledged."""
        if not self.joined.wait(timeout=0.2):
            return False
        self.sent.add(client_id)
        payload = {"stage_id": self.stage_id, "text": f"Idea {client_id}", "client_id": client_id}
        try:
            answer = self.client.call("idea:submit", payload, timeout=3)
        except Exception:
            return False  # lost with the server: resent after the reconnect
        if answer.get("ok"):
            self.acked.add(client_id)
            self.acked_since_state.add(int(answer["idea"]["id"]))
            return True
        self.errors.append(f"idea:submit refused: {answer}")
        return True  # a refusal is an answer too (and is reported)

    def close(self) -> None:
        self.client.disconnect()


def write_steadily(phone: Phone, stop: threading.Event, settle: float = 20.0) -> None:
    number = 0
    pending: str | None = None
    while not stop.is_set():
        client_id = pending or f"p{phone.number}-{number}"
        if phone.write(client_id):
            pending = None
            number += 1
        else:
            pending = client_id
        stop.wait(1 / RATE)
    # The outbox keeps an unacknowledged idea until it is acknowledged.
    deadline = time.monotonic() + settle
    while pending and time.monotonic() < deadline and not phone.write(pending):
        time.sleep(0.1)


@pytest.fixture
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = fast_dir(tmp_path_factory, "crash")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def open_room(server: LiveServer) -> tuple[dict[str, Any], int]:
    """A started workshop: its first stage in brainstorm."""
    data: dict[str, Any] = http(f"{server.url}/api/workshops", "POST", {"title": "Crash Co"})
    console = socketio.Client(reconnection=False)
    console.connect(server.url, transports=["websocket"], wait_timeout=20)
    try:
        answer = console.call(
            "facilitate", {"workshop_id": data["id"], "key": data["facilitator_key"]}
        )
        stage_id = int(answer["state"]["stages"][0]["id"])
        moved = console.call("stage:phase", {"stage_id": stage_id, "phase": "brainstorm"})
        assert moved["ok"], moved
    finally:
        console.disconnect()
    return data, stage_id


def back_in_the_room(phones: list[Phone], share: float = 0.9, timeout: float = 10) -> None:
    """Wait until most phones have reconnected and resumed (the stream is flowing again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(phone.joined.is_set() for phone in phones) >= share * len(phones):
            return
        time.sleep(0.05)


def stored(db_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=15) as db:
        rows = db.execute(
            "SELECT participant_id, client_id FROM idea WHERE client_id IS NOT NULL"
        ).fetchall()
    return [(int(p), str(c)) for p, c in rows]


def test_kill_9_in_a_stream_of_writes_loses_nothing_acknowledged(
    folder: Path, figure: Callable[[str, str], None]
) -> None:
    server = LiveServer(folder / "crash.sqlite3", log_path=folder / "server.log")
    server.start()
    phones: list[Phone] = []
    stop = threading.Event()
    writers: list[threading.Thread] = []
    rng = random.Random(9)
    try:
        data, stage_id = open_room(server)
        phones = [Phone(n, server.url, data["code"], stage_id) for n in range(PEOPLE)]
        for phone in phones:
            assert phone.joined.wait(timeout=20), phone.errors
        writers = [
            threading.Thread(target=write_steadily, args=(phone, stop), daemon=True)
            for phone in phones
        ]
        for writer in writers:
            writer.start()
        for _ in range(KILLS):
            back_in_the_room(phones)
            time.sleep(rng.uniform(0.2, 1.0))  # a random moment in the stream
            server.kill()
            server.start()
        back_in_the_room(phones)
        time.sleep(0.5)
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
        # Every phone reconnects on its own and resumes; then the state it holds is the server's.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(phone.joined.is_set() for phone in phones):
            time.sleep(0.1)
        for phone in phones:
            assert phone.joined.is_set(), (phone.number, phone.errors[-3:])
    finally:
        stop.set()
        for phone in phones:
            phone.close()
        code = server.stop()
    assert code == 0, server.output()[-3000:]

    rows = stored(server.db_path)
    by_id: dict[str, int] = {}
    for _participant, client_id in rows:
        by_id[client_id] = by_id.get(client_id, 0) + 1
    acked = set().union(*(phone.acked for phone in phones))
    sent = set().union(*(phone.sent for phone in phones))
    missing = acked - set(by_id)
    twice = sorted(client_id for client_id, count in by_id.items() if count > 1)
    unacked_stored = len(set(by_id) - acked)
    with sqlite3.connect(server.db_path) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    # The state each phone holds: its own ideas are the ones the server stored for it.
    mine: dict[int, set[int]] = {}
    with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True) as db:
        for participant_id, idea_id in db.execute(
            "SELECT participant_id, id FROM idea WHERE participant_id IS NOT NULL"
        ):
            mine.setdefault(int(participant_id), set()).add(int(idea_id))
    in_step = sum(
        1
        for phone in phones
        if phone.state is not None and phone.view() == mine.get(phone.participant_id or -1, set())
    )
    kills = server.starts - 1
    resumes = sum(phone.resumes for phone in phones)
    value = (
        f"{kills} kill -9s in a stream from {PEOPLE} participants: {len(acked)} acknowledged "
        f"writes, {len(missing)} lost, {len(twice)} stored twice ({len(sent)} sent, "
        f"{unacked_stored} stored without an ack); integrity_check {integrity}; "
        f"{resumes} reconnections; {in_step} of {PEOPLE} phones end with the server's state"
    )
    record(figure, 9, "crash safety", value, "test_crash_safety::kill_9")
    assert kills >= KILLS
    assert not missing, sorted(missing)[:10]
    assert not twice, twice[:10]
    assert integrity == "ok"
    assert in_step == PEOPLE
    assert resumes >= PEOPLE  # everyone reconnected on their own at least once
    errors = [error for phone in phones for error in phone.errors if "refused" in error]
    assert not errors, errors[:5]


def test_sigterm_drains_running_events_and_exits_0(
    folder: Path, figure: Callable[[str, str], None]
) -> None:
    server = LiveServer(folder / "drain.sqlite3", log_path=folder / "server.log")
    server.start()
    phones: list[Phone] = []
    stop = threading.Event()
    try:
        data, stage_id = open_room(server)
        phones = [Phone(n, server.url, data["code"], stage_id) for n in range(10)]
        for phone in phones:
            assert phone.joined.wait(timeout=20), phone.errors
        writers = [
            threading.Thread(target=write_steadily, args=(phone, stop, 0.0), daemon=True)
            for phone in phones
        ]
        for writer in writers:
            writer.start()
        time.sleep(1.5)
        assert server.process is not None
        process = server.process
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
        seconds = time.monotonic() - started
        server.process = None
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
    finally:
        stop.set()
        for phone in phones:
            phone.close()
        server.stop()
    acked = set().union(*(phone.acked for phone in phones))
    present = {client_id for _, client_id in stored(server.db_path)}
    log = server.output()
    record(
        figure,
        9,
        "SIGTERM drain",
        f"exit {code} after {seconds:.2f} s with 10 participants writing; "
        f"{len(acked - present)} of {len(acked)} acknowledged writes lost",
        "test_crash_safety::sigterm",
    )
    assert code == 0, log[-3000:]
    assert seconds < 5, log[-3000:]
    assert acked <= present
    assert "SIGTERM: draining" in log and "stopped" in log
    assert "Traceback" not in log, log[-3000:]
