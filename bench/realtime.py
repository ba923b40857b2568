"""Benchmark a real server with many phones: join, ideas, state fan-out, votes and tallies.

Starts `python app.py` (eventlet, as in production) on a free port with a temporary SQLite
database, connects N participants over websocket with python-socketio's asyncio client, and
prints what a facilitator would feel: ack latencies, how long a phase change takes to reach
every phone, and how many tallies the console receives for a burst of votes.

    python -m pip install -e '.[bench]'
    python bench/realtime.py --participants 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import socketio

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, db_path: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SECRET_KEY": "bench",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start; see {log_path}")


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return f"{label}: no samples"
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{label:<34} n={len(ms):<5} p50={statistics.median(ms):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={ms[-1]:7.1f} ms"
    )


class Phone:
    """One participant's connection, timing when server events arrive."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.state_at: list[float] = []
        self.client.on("state", self._on_state)

    async def _on_state(self, _data: Any) -> None:
        self.state_at.append(time.perf_counter())

    async def connect(self) -> None:
        await self.client.connect(self.url, transports=["websocket"], wait_timeout=30)

    async def call(self, event: str, data: dict[str, Any]) -> tuple[dict[str, Any], float]:
        started = time.perf_counter()
        reply: dict[str, Any] = await self.client.call(event, data, timeout=60)
        return reply, time.perf_counter() - started


async def run(participants: int, url: str) -> None:
    created = post_json(f"{url}/api/workshops", {"title": "Benchmark"})
    print(f"server {url}, {participants} participants over websocket\n")

    facilitator = socketio.AsyncClient(reconnection=False)
    tallies: list[dict[str, Any]] = []
    facilitator.on("tally", lambda data: tallies.append(data))
    await facilitator.connect(url, transports=["websocket"])
    state = (
        await facilitator.call(
            "facilitate", {"workshop_id": created["id"], "key": created["facilitator_key"]}
        )
    )["state"]
    stage_id = state["stages"][0]["id"]

    phones = [Phone(url) for _ in range(participants)]
    started = time.perf_counter()
    await asyncio.gather(*(phone.connect() for phone in phones))
    connect_all = time.perf_counter() - started

    joins = await asyncio.gather(
        *(
            phone.call("join", {"code": created["code"], "name": f"P{i}"})
            for i, phone in enumerate(phones)
        )
    )
    assert all(reply["ok"] for reply, _ in joins)
    tokens = [reply["token"] for reply, _ in joins]

    started = time.perf_counter()
    ideas = await asyncio.gather(
        *(
            phone.call(
                "idea:submit", {"stage_id": stage_id, "text": f"Idea {i}", "client_id": f"c{i}"}
            )
            for i, phone in enumerate(phones)
        )
    )
    ideas_wall = time.perf_counter() - started
    assert all(reply["ok"] for reply, _ in ideas)
    idea_ids = [reply["idea"]["id"] for reply, _ in ideas]

    for phone in phones:
        phone.state_at.clear()
    sent = time.perf_counter()
    reply = await facilitator.call(
        "stage:phase", {"stage_id": stage_id, "phase": "vote"}, timeout=60
    )
    assert reply["ok"], reply
    phase_ack = time.perf_counter() - sent
    deadline = time.perf_counter() + 60
    while any(not phone.state_at for phone in phones) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    fanout = [phone.state_at[0] - sent for phone in phones if phone.state_at]

    tallies.clear()
    started = time.perf_counter()
    votes = []
    for round_ in range(3):
        votes += await asyncio.gather(
            *(
                phone.call(
                    "votes:set",
                    {
                        "stage_id": stage_id,
                        "votes": {str(idea_ids[(i + round_) % len(idea_ids)]): 2},
                    },
                )
                for i, phone in enumerate(phones)
            )
        )
    votes_wall = time.perf_counter() - started
    assert all(reply["ok"] for reply, _ in votes)
    await asyncio.sleep(1.5)

    # A phone that reconnects: a new connection resumes with its token.
    again = Phone(url)
    await again.connect()
    resume, resume_time = await again.call("join", {"code": created["code"], "token": tokens[0]})
    assert resume["ok"] and resume["resumed"]
    await again.client.disconnect()

    print(f"{'connect all (websocket)':<34} {connect_all * 1000:7.1f} ms for {participants}")
    print(summary("join ack", [t for _, t in joins]))
    print(summary("idea:submit ack", [t for _, t in ideas]))
    print(f"{'ideas throughput':<34} {participants / ideas_wall:7.1f} ideas/s")
    print(f"{'stage:phase ack (builds all states)':<34} {phase_ack * 1000:7.1f} ms")
    print(summary("state fan-out to every phone", fanout))
    print(f"{'phones that got the state':<34} {len(fanout)}/{participants}")
    print(summary("votes:set ack", [t for _, t in votes]))
    print(f"{'votes throughput':<34} {len(votes) / votes_wall:7.1f} votes/s")
    print(f"{'tallies for ' + str(len(votes)) + ' votes':<34} {len(tallies)}")
    print(f"{'resume with token':<34} {resume_time * 1000:7.1f} ms")

    await asyncio.gather(*(phone.client.disconnect() for phone in phones))
    await facilitator.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(port, Path(tmp) / "bench.sqlite3", Path(tmp) / "server.log")
        try:
            asyncio.run(run(args.participants, f"http://127.0.0.1:{port}"))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
