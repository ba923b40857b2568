"""Render plan files (a PDF or DOCX takes a few hundred milliseconds) off the event loop.

Under eventlet or gevent every request and Socket.IO event shares one OS thread, and even a
real thread would share the GIL with it. So the production server (`app.py`) renders each
PDF and DOCX in a child process of its own (`python -m workshop.plan.worker <format>`): the
document goes in as JSON on stdin, the file comes back on stdout, and the green `subprocess`
lets the event loop serve everyone else meanwhile. With plain threads (the default, and the
tests) each request already has a thread of its own, and the file renders where it is asked
for.
"""

from __future__ import annotations

import subprocess
import sys
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
    """Render in a child process; raises RuntimeError with its error output if it fails."""
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
