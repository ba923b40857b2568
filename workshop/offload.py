"""Render plan files (a PDF or DOCX takes a few hundred milliseconds) off the event loop, and
render a draft only once per change of its workshop.

Under eventlet or gevent every request and Socket.IO event shares one OS thread, and even a
real thread would share the GIL with it. So the production server (`app.py`) renders each
PDF and DOCX in a warm worker process (`workshop/plan/warm.py`: started with the server, fonts
and renderers loaded, a forked child per render) and waits for the file on a green pipe,
serving everyone else meanwhile. With plain threads (the default, and the tests) each request
already has a thread of its own, and the file renders where it is asked for.

A draft (the facilitator's download while the workshop runs) is assembled on every request,
but rendered only when the workshop changed since the last one: `DRAFTS` keeps each workshop's
latest draft file per format, keyed by the draft's `revision`.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from .plan import RENDERERS, PlanDocument, worker
from .plan import render as render_here

EXTENSION = "workshop_offload"
CHILD_TIMEOUT_SECONDS = 300

Renderer = Callable[[str, PlanDocument], bytes]


def render(format: str, document: PlanDocument) -> bytes:
    """The document in one format, rendered the way this server is set up to. The light
    formats (Markdown, HTML, JSON, CSV: milliseconds) always render right here."""
    runner: Renderer | None = current_app.extensions.get(EXTENSION)
    if runner is None or not RENDERERS[format].heavy:
        return render_in_this_process(format, document)
    return runner(format, document)


def render_in_this_process(format: str, document: PlanDocument) -> bytes:
    """Render right here (threaded servers, tests)."""
    return render_here(document, format)


def render_in_child_process(format: str, document: PlanDocument) -> bytes:
    """Render in a new child process of its own (`python -m workshop.plan.worker <format>`),
    which starts Python and imports the renderer first: the cold way, before the warm
    workers, kept for scripts and for the benchmark's before-and-after. Raises RuntimeError
    with its error output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "workshop.plan.worker", format],
        input=worker.request(document),
        capture_output=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"rendering the plan as {format} failed: {detail}")
    return result.stdout


# --------------------------------------------------------------------------- drafts

TAKEN_AT = ("finished_at", "published_at")
"""A draft's fields that say when it was taken (to the minute), not what it says. The day
(`date`, `start_year`) stays in the revision: the roadmap's "today" and the dates in the past
move with it."""


def revision(document: PlanDocument) -> str:
    """What a draft says, as a hash: the same for two drafts of an unchanged workshop taken at
    different times, different as soon as anything a renderer shows changes (an idea, a vote,
    a decision, the renderers' words, the day)."""
    data = document.as_dict()
    for name in TAKEN_AT:
        data.pop(name, None)
    data["unchosen"] = sorted(document.unchosen)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DraftCache:
    """The latest draft file of each workshop per format, in this process, at most `max_bytes`
    in all (the least recently served go first). A draft that did not change is served as it
    was rendered, with the time it was first taken; a changed one replaces it. Two requests for
    the same new draft render it once: the second waits for the first's file."""

    def __init__(self, max_bytes: int = 8 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._files: OrderedDict[tuple[str, str], tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str, str], threading.Event] = {}
        self.renders = 0
        """How many drafts this cache rendered (a counter for tests and the benchmark)."""
        self.hits = 0
        """How many drafts it served without rendering."""

    def file(
        self, workshop_id: str, format: str, document: PlanDocument, render: Callable[[], bytes]
    ) -> bytes:
        """The draft `document` of a workshop in `format`: the cached file if the workshop has
        not changed since it was rendered, else `render()`'s (then kept)."""
        key = (workshop_id, format)
        version = revision(document)
        while True:
            with self._lock:
                cached = self._files.get(key)
                if cached is not None and cached[0] == version:
                    self._files.move_to_end(key)
                    self.hits += 1
                    return cached[1]
                running = self._running.get((*key, version))
                if running is None:
                    done = self._running[(*key, version)] = threading.Event()
                    break
            running.wait()  # then look again: its file is cached, or it failed and we render
        try:
            content = render()
            with self._lock:
                self.renders += 1
                self._keep(key, version, content)
        finally:
            with self._lock:
                del self._running[(*key, version)]
            done.set()
        return content

    def _keep(self, key: tuple[str, str], version: str, content: bytes) -> None:
        old = self._files.pop(key, None)
        if old is not None:
            self._size -= len(old[1])
        if len(content) > self.max_bytes:
            return
        self._files[key] = (version, content)
        self._size += len(content)
        while self._size > self.max_bytes:
            _, (_, dropped) = self._files.popitem(last=False)
            self._size -= len(dropped)

    def clear(self) -> None:
        """Forget every draft (and zero the counters)."""
        with self._lock:
            self._files.clear()
            self._size = 0
            self.renders = self.hits = 0


DRAFTS = DraftCache()
"""This process's drafts (`services/plans.draft_file`)."""
