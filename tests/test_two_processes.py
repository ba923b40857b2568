"""Guarantee 4 on a deployment with more than one process: two real servers (`python app.py`,
eventlet) on ONE SQLite file, and python-socketio clients spread over both (connection i
goes to server i % 2), run the races of `tests/test_atomic_writes.py`, 100 trials each.

Each server runs one handler at a time, so every race here is between the two processes: the
write lock (`begin_write`: `BEGIN IMMEDIATE`) is the only thing that orders them. One server
pair serves the whole module; each race opens its own workshop.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.server import LiveServer, http
from tests.test_atomic_writes import (
    LOOSE_LIMITS,
    RACES,
    TRIALS,
    Conn,
    Racer,
    fast_dir,
    internal_errors,
    record,
)


class ClientConn:
    """A python-socketio client on one server (websocket only, as phones use once upgraded)."""

    def __init__(self, url: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.client.connect(url, transports=["websocket"], wait_timeout=20)

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(event, payload, timeout=60)
        return answer

    def close(self) -> None:
        self.client.disconnect()


@dataclass
class TwoProcesses:
    servers: list[LiveServer]
    db_path: Path
    name: str = "two processes"
    acks: list[dict[str, Any]] = field(default_factory=list)
    conns: list[ClientConn] = field(default_factory=list)

    def create_workshop(self) -> dict[str, Any]:
        data: dict[str, Any] = http(
            f"{self.servers[0].url}/api/workshops", "POST", {"title": "Race Co"}
        )
        return data

    def connect(self, index: int) -> Conn:
        conn = ClientConn(self.servers[index % len(self.servers)].url)
        self.conns.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.conns:
            conn.close()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoProcesses]:
    folder = fast_dir(tmp_path_factory, "two-processes")
    db_path = folder / "shared.sqlite3"
    env = {name: str(value) for name, value in LOOSE_LIMITS.items()}
    servers = [
        LiveServer(db_path, env=env, log_path=folder / f"server{n}.log", tally_interval=1.0)
        for n in (1, 2)
    ]
    try:
        # Both at once (their migrations take turns on the write lock): half the wait.
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(LiveServer.start, servers))
        setup = TwoProcesses(servers, db_path)
        yield setup
        setup.close()
    finally:
        codes = [server.stop() for server in servers]
        logs = "".join(server.output() for server in servers)
        shutil.rmtree(folder, ignore_errors=True)
    assert codes == [0, 0], logs[-4000:]
    assert "Traceback" not in logs, logs[-4000:]


@pytest.fixture(scope="module")
def racer(pair: TwoProcesses) -> Iterator[Racer]:
    racer = Racer(pair.acks)
    yield racer
    racer.close()


@pytest.mark.parametrize("race", list(RACES))
def test_races_hold_across_two_processes(
    race: str, pair: TwoProcesses, racer: Racer, figure: Callable[[str, str], None]
) -> None:
    run, name = RACES[race]
    racer.overlap()
    started = time.monotonic()
    held = run(pair, racer)
    seconds = time.monotonic() - started
    record(
        figure,
        4,
        f"{name} (two processes, one SQLite file)",
        f"{held} of {TRIALS} trials ({racer.overlap()}; {seconds:.1f} s)",
        f"test_two_processes::{race}",
    )
    assert held == TRIALS


def test_no_race_is_answered_internal_error_across_two_processes(
    pair: TwoProcesses, figure: Callable[[str, str], None]
) -> None:
    assert pair.acks, "run with the races above"
    count = internal_errors(pair.acks)
    record(
        figure,
        4,
        "internal_error answers to races (two processes)",
        f"{count} of {len(pair.acks)} acks",
        "test_two_processes",
    )
    assert count == 0
