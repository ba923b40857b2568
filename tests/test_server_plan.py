"""On the real eventlet server: a plan's PDF renders off the event loop, so everyone's acks
keep coming while it renders, and the rendered file is kept for the next download."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from pypdf import PdfReader

from tests.server import LiveServer

pytestmark = pytest.mark.server

PEOPLE = 12
IDEAS_EACH = 50  # the most one participant may send to one stage
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true?",
            "steps": [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done"}],
        }
    ]
}


def request(url: str, method: str = "GET", body: Any = None, key: str | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, method=method, headers=headers), timeout=120
    ) as response:
        content: bytes = response.read()
        return content


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # The test seeds 600 ideas as fast as the acks come back (50 from each phone), which the
    # per-connection rate limit would rightly slow to EVENT_RATE; what it measures is the
    # render, so the seeding is let through (tests/test_limits.py and test_flood.py test limits).
    seeding = {"EVENT_RATE": "1000", "EVENT_BURST": "1000"}
    with LiveServer(tmp_path / "plan.sqlite3", env=seeding) as live:
        yield live


def stored_files(db_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT version, format FROM planfile").fetchall()


def test_acks_keep_coming_while_a_big_plan_renders_as_pdf(
    server: LiveServer, tmp_path: Path
) -> None:
    created = json.loads(
        request(f"{server.url}/api/workshops", "POST", {"title": "Six hundred ideas"})
    )
    key = created["facilitator_key"]
    root = f"{server.url}/api/workshops/{created['id']}"
    request(f"{root}/agenda", "PUT", AGENDA, key)
    clients: list[socketio.Client] = []
    try:
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(server.url, transports=["websocket"])
        clients.append(facilitator)
        state = facilitator.call("facilitate", {"workshop_id": created["id"], "key": key})
        stage_id = state["state"]["stages"][0]["id"]
        assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": "brainstorm"})["ok"]
        people = []
        for n in range(PEOPLE):
            phone = socketio.Client(reconnection=False)
            phone.connect(server.url, transports=["websocket"])
            clients.append(phone)
            assert phone.call("join", {"code": created["code"], "name": f"P{n}"})["ok"]
            people.append(phone)
        for n, phone in enumerate(people):
            for i in range(IDEAS_EACH):
                text = f"Idea {n}-{i}: " + "a carefully worded strategic goal " * 6
                reply = phone.call("idea:submit", {"stage_id": stage_id, "text": text[:280]})
                assert reply["ok"], reply
        for phase in ("vote", "done"):
            assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": phase})["ok"]
        assert facilitator.call("workshop:finish", {})["ok"]
        # Finishing stores version 1 of the plan and renders nothing: no ack waits for a PDF.
        assert stored_files(tmp_path / "plan.sqlite3") == []
        probe = people[0]
        # The finish broadcasts a 600-idea state to everyone; wait until that is sent and the
        # server is quiet, so what the probe measures below is the render alone.
        quiet = 0
        deadline = time.perf_counter() + 30
        while quiet < 5 and time.perf_counter() < deadline:
            sent = time.perf_counter()
            probe.call("votes:set", {"stage_id": stage_id, "votes": {}}, timeout=60)
            quiet = quiet + 1 if time.perf_counter() - sent < 0.05 else 0
        assert quiet == 5, "the server never became quiet after the finish"

        window: dict[str, float] = {}
        downloaded: dict[str, bytes] = {}

        def download() -> None:
            window["start"] = time.perf_counter()
            downloaded["pdf"] = request(f"{root}/plan.pdf", key=key)
            window["end"] = time.perf_counter()

        worker = threading.Thread(target=download)
        acks: list[tuple[float, float]] = []
        worker.start()
        while worker.is_alive():
            sent = time.perf_counter()
            reply = probe.call("votes:set", {"stage_id": stage_id, "votes": {}}, timeout=60)
            acks.append((sent, time.perf_counter()))
            assert reply["error"]["code"] == "workshop_finished"
            time.sleep(0.01)
        worker.join()

        reader = PdfReader(io.BytesIO(downloaded["pdf"]))
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        assert "Idea 11-49" in text and len(reader.pages) > 10
        render = window["end"] - window["start"]
        inside = [end - sent for sent, end in acks if window["start"] < end < window["end"]]
        # With the render on the event loop the probe's acks would wait for all of it; off the
        # loop they keep coming, each well within the render's time.
        assert len(inside) >= 5, (render, acks)
        assert max(inside) < render / 2, (render, inside)
        # The file is stored: the next download is the same bytes.
        assert stored_files(tmp_path / "plan.sqlite3") == [(1, "pdf")]
        assert request(f"{root}/plan.pdf", key=key) == downloaded["pdf"]
    finally:
        for client in clients:
            client.disconnect()
