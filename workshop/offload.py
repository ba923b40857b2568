"""Run CPU-heavy work (rendering a PDF or DOCX) off the event loop.

Under eventlet or gevent every request and Socket.IO event shares one OS thread, so a render
of a few hundred milliseconds would hold up everyone's acks. The server entry point
(`app.py`) registers its async framework's real-thread pool as `app.extensions
["workshop_offload"]`; with plain threads (the default, and tests) each request already has
a thread of its own, and the work simply runs where it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")

EXTENSION = "workshop_offload"


def run_blocking(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in a real OS thread when the server runs on green threads."""
    runner: Callable[..., T] | None = current_app.extensions.get(EXTENSION)
    if runner is None:
        return work(*args)
    return runner(work, *args)
