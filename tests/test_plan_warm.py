"""The warm render workers (`workshop/plan/warm.py`) and the draft cache (`offload.DRAFTS`):
real worker processes, real renders, real signals; the production server started as a
subprocess. Renders in a warm worker are the same bytes as in this process, survive a killed,
crashed or hung worker, and a draft renders once per change of its workshop."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import socketio
from flask import Flask

from tests.factories import Room, ok
from tests.plan_samples import board_plan, full_plan
from tests.server import LiveServer, http
from tests.test_http import bearer
from workshop import offload
from workshop.plan import PlanDocument, from_dict, render
from workshop.plan.warm import RenderError, RenderTimeout, WarmPool
from workshop.services import plans

PORT = 5681


@pytest.fixture(scope="module")
def pool() -> Iterator[WarmPool]:
    """Two warm workers shared by the module's tests (each test leaves them serving)."""
    workers = WarmPool(2).start()
    workers.wait_ready()
    yield workers
    workers.close()


@pytest.fixture(scope="module")
def board() -> PlanDocument:
    return plans.with_words(board_plan())


def children(pid: int) -> list[int]:
    """The processes `pid` started and has not waited for yet (Linux)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def render_child(pool: WarmPool, timeout: float = 30) -> tuple[int, int]:
    """Wait until a worker of the pool has forked a render: (worker pid, render pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in pool.pids:
            found = children(pid)
            if found:
                return pid, found[0]
        time.sleep(0.002)
    raise AssertionError("no render process appeared")


def in_thread(call: Callable[[], bytes]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `call` in a thread; its result (or exception) lands in the returned dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = call()
        except Exception as exc:  # the test looks at it
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie counts: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("format", ["pdf", "docx"])
def test_a_warm_render_is_the_same_file_as_one_in_this_process(
    pool: WarmPool, board: PlanDocument, format: str
) -> None:
    assert board.unchosen  # the renderers' words travel with the document
    assert pool.render(format, board) == render(board, format)
    draft = plans.with_words(full_plan(draft=True))
    assert pool.render(format, draft) == render(draft, format)


def test_two_renders_at_once_each_get_their_own_file(pool: WarmPool, board: PlanDocument) -> None:
    pdf, pdf_out = in_thread(lambda: pool.render("pdf", board))
    docx, docx_out = in_thread(lambda: pool.render("docx", board))
    for thread in (pdf, docx):
        thread.join(120)
    assert pdf_out == {"result": render(board, "pdf")}
    assert docx_out == {"result": render(board, "docx")}


def test_a_renderer_that_raises_is_a_clear_error_and_the_worker_keeps_serving(
    pool: WarmPool, board: PlanDocument
) -> None:
    before, restarts = sorted(pool.pids), pool.restarts
    broken = replace(board, stages=("not a stage",))  # type: ignore[arg-type]
    with pytest.raises(RenderError, match=r"rendering the plan as pdf failed: AttributeError"):
        pool.render("pdf", broken)
    assert pool.render("docx", board) == render(board, "docx")
    assert sorted(pool.pids) == before and pool.restarts == restarts


def test_a_render_whose_process_is_killed_is_tried_once_more(
    pool: WarmPool, board: PlanDocument
) -> None:
    restarts = pool.restarts
    thread, out = in_thread(lambda: pool.render("pdf", board))
    _, child = render_child(pool)
    os.kill(child, signal.SIGKILL)
    thread.join(120)
    assert out == {"result": render(board, "pdf")}
    assert pool.restarts == restarts  # the worker itself never stopped


def test_killed_workers_are_started_again_and_the_next_renders_succeed(
    pool: WarmPool, board: PlanDocument
) -> None:
    killed = pool.pids
    restarts = pool.restarts
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    expected = render(board, "docx")
    # Each render finds a dead worker, starts another and renders there.
    first, first_out = in_thread(lambda: pool.render("docx", board))
    second, second_out = in_thread(lambda: pool.render("docx", board))
    for thread in (first, second):
        thread.join(120)
    assert first_out == second_out == {"result": expected}
    assert pool.restarts == restarts + 2
    assert not set(pool.pids) & set(killed) and len(pool.pids) == 2


def test_a_hung_render_times_out_clearly_and_a_hung_worker_is_replaced(
    board: PlanDocument,
) -> None:
    small = plans.with_words(full_plan())
    with WarmPool(1, timeout=3, grace=0.5) as hurried:
        hurried.wait_ready()
        worker = hurried.pids[0]
        # The render hangs (stopped by a signal): the worker kills it after its time limit.
        thread, out = in_thread(lambda: hurried.render("pdf", board))
        _, child = render_child(hurried)
        os.kill(child, signal.SIGSTOP)
        thread.join(60)
        assert isinstance(out.get("error"), RenderTimeout)
        assert "rendering the plan as pdf timed out" in str(out["error"])
        assert "took over 3 s" in str(out["error"])
        assert hurried.pids == [worker] and hurried.restarts == 0
        assert hurried.render("pdf", small) == render(small, "pdf")
        # The worker itself hangs: the pool gives up on it, kills it and starts another.
        os.kill(worker, signal.SIGSTOP)
        with pytest.raises(RenderTimeout, match="got no answer in 3 s"):
            hurried.render("pdf", small)
        assert hurried.restarts == 1 and hurried.pids != [worker]
        assert gone(worker)
        assert hurried.render("pdf", small) == render(small, "pdf")
    assert hurried.pids == []


def test_a_pool_starts_on_its_first_render_and_a_closed_one_refuses_renders() -> None:
    small = plans.with_words(full_plan())
    lazy = WarmPool(1)
    assert lazy.pids == []
    try:
        assert lazy.render("docx", small) == render(small, "docx")
        (worker,) = lazy.pids
    finally:
        lazy.close()
    assert gone(worker)
    with pytest.raises(RenderError, match="stopped"):
        lazy.render("docx", small)


# --------------------------------------------------------------------------- drafts


def test_a_drafts_revision_ignores_when_it_was_taken_and_nothing_else() -> None:
    plan = full_plan(draft=True)
    later = replace(plan, finished_at="2031-01-01 09:59 UTC", published_at="2031-01-01T09:59")
    assert offload.revision(later) == offload.revision(plan)
    assert offload.revision(replace(plan, title="Another title")) != offload.revision(plan)
    assert offload.revision(replace(plan, date="2026-12-08")) != offload.revision(plan)
    assert offload.revision(replace(plan, unchosen=frozenset({"dots"}))) != offload.revision(plan)


def test_the_draft_cache_keeps_the_latest_draft_of_each_workshop_within_its_size() -> None:
    drafts = offload.DraftCache(max_bytes=10)
    plan = full_plan(draft=True)
    changed = replace(plan, title="Changed")
    assert drafts.file("w1", "pdf", plan, lambda: b"12345") == b"12345"
    assert drafts.file("w1", "pdf", plan, lambda: b"other") == b"12345"
    assert drafts.file("w1", "pdf", changed, lambda: b"67890") == b"67890"
    assert drafts.file("w2", "pdf", plan, lambda: b"abcde") == b"abcde"
    assert (drafts.renders, drafts.hits) == (3, 1)
    # Over 10 bytes in all: the least recently served (w1's) goes first.
    assert drafts.file("w3", "pdf", plan, lambda: b"fghij") == b"fghij"
    assert drafts.file("w1", "pdf", changed, lambda: b"again") == b"again"
    assert drafts.renders == 5


def test_two_requests_for_one_new_draft_render_it_once() -> None:
    drafts = offload.DraftCache()
    plan = full_plan(draft=True)
    started, release = threading.Event(), threading.Event()

    def slow() -> bytes:
        started.set()
        release.wait(10)
        return b"the draft"

    first, first_out = in_thread(lambda: drafts.file("w", "pdf", plan, slow))
    assert started.wait(10)
    second, second_out = in_thread(lambda: drafts.file("w", "pdf", plan, lambda: b"again"))
    second.join(0.2)
    release.set()
    first.join(10)
    second.join(10)
    assert first_out == second_out == {"result": b"the draft"}
    assert (drafts.renders, drafts.hits) == (1, 1)


def test_a_draft_whose_render_fails_is_not_kept() -> None:
    drafts = offload.DraftCache()
    plan = full_plan(draft=True)

    def broken() -> bytes:
        raise RenderError("rendering the plan as pdf failed: out of paper")

    with pytest.raises(RenderError, match="out of paper"):
        drafts.file("w", "pdf", plan, broken)
    assert drafts.file("w", "pdf", plan, lambda: b"the draft") == b"the draft"
    assert (drafts.renders, drafts.hits) == (1, 0)


def test_a_draft_renders_once_until_the_workshop_changes(app: Flask, room: Room) -> None:
    fac = room.facilitator()
    vision = room.stage_ids()["vision"]
    url = f"/api/workshops/{room.id}/plan.pdf"
    renders = offload.DRAFTS.renders
    first = room.client.get(url, headers=bearer(room.key))
    again = room.client.get(url, headers=bearer(room.key))
    assert first.status_code == again.status_code == 200
    assert first.data == again.data and first.data.startswith(b"%PDF")
    assert offload.DRAFTS.renders == renders + 1
    ok(fac, "idea:submit", {"stage_id": vision, "text": "A harbour that runs on wind"})
    changed = room.client.get(url, headers=bearer(room.key))
    assert changed.status_code == 200 and changed.data != first.data
    assert offload.DRAFTS.renders == renders + 2


# --------------------------------------------------------------------------- the server


def test_the_production_server_renders_a_finished_plan_in_its_warm_workers(
    tmp_path: Path,
) -> None:
    agenda = {
        "stages": [
            {
                "key": "goals",
                "title": "Goals",
                "prompt": "What must be true?",
                "steps": [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done"}],
            }
        ]
    }
    eager = {"RENDER_WORKERS": "eager"}  # production's default, whatever the suite's
    with LiveServer(tmp_path / "warm.sqlite3", port=PORT, env=eager) as server:
        # Started with the server.
        workers = children(server.pid or 0)
        assert len(workers) == plans.RENDER_SLOTS
        for pid in workers:
            assert "workshop.plan.worker" in Path(f"/proc/{pid}/cmdline").read_text()
        created = http(f"{server.url}/api/workshops", "POST", {"title": "Warm harbour"})
        key, root = created["facilitator_key"], f"{server.url}/api/workshops/{created['id']}"
        http(f"{root}/agenda", "PUT", agenda, key)
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(server.url, transports=["websocket"])
        try:
            state = facilitator.call("facilitate", {"workshop_id": created["id"], "key": key})
            goals = state["state"]["stages"][0]["id"]
            assert facilitator.call("stage:phase", {"stage_id": goals, "phase": "brainstorm"})["ok"]
            for text in ("Carbon-neutral port by 2031", "A harbour everyone can reach"):
                reply = facilitator.call("idea:submit", {"stage_id": goals, "text": text})
                assert reply["ok"], reply
            for phase in ("vote", "done"):
                assert facilitator.call("stage:phase", {"stage_id": goals, "phase": phase})["ok"]
            assert facilitator.call("workshop:finish", {})["ok"]
        finally:
            facilitator.disconnect()
        pdf = http(f"{root}/plan.pdf", key=key)
        assert pdf.startswith(b"%PDF")
        plan = plans.with_words(from_dict(http(f"{root}/plan.json", key=key)))
        assert pdf == render(plan, "pdf")
        assert children(server.pid or 0) == workers  # the same ones, still serving
        log = server.output()
        assert any(f"render worker {pid}: pdf in" in log for pid in workers), log[-3000:]
    # They stop with the server.
    deadline = time.monotonic() + 10
    while not all(gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(pid) for pid in workers)
