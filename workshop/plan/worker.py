"""Render plan files in a process of their own, so a PDF's CPU time never competes with the
server's event loop. Two ways to run it:

* `python -m workshop.plan.worker <format>` renders one file: a render request
  (`request(document)`: the plan document as JSON, `PlanDocument.as_dict()`, with the
  renderers' words that are not part of the plan's data) on stdin, the file's bytes on stdout.
  A bare `as_dict()` on stdin is read too. It pays for starting Python and importing fpdf2 on
  every file (about a second); the server no longer uses it, scripts and tests may.
* `python -m workshop.plan.worker --serve` is the **warm worker** the production server keeps
  running (`workshop/plan/warm.py` starts, feeds and restarts it). It imports every renderer,
  renders a small plan once in each heavy format (fonts read, caches filled), then serves
  render requests as length-prefixed frames on stdin and stdout, one at a time. It forks a
  child per render: the child renders and exits, so a render that crashes, leaks or hangs
  takes only itself with it, and every render starts from the same warm state (the same bytes
  as a render in any other process). It exits when stdin closes (the server stopped or died).

Frames: a 4-byte big-endian length, then that many bytes. A request is the pickle of
`(format, document)`: the server is our own parent on a private pipe, and a pickle carries the
document exactly (frozen dataclasses, sets) at a fiftieth of the JSON's cost. A reply is one
status byte and its body: `READY` (sent once, after warming up; body: the worker's pid),
`OK` (the file), `FAILED` (the renderer raised: its error, the same for any retry), `DIED`
(the render's process died: killed by a signal, out of memory; a retry may succeed),
`TIMED_OUT` (the render ran past the worker's time limit and was killed).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .. import i18n
from . import RENDERERS, PlanDocument, from_dict

HEADER = struct.Struct(">I")
"""A frame's length prefix."""
MAX_FRAME = 512 * 2**20
"""A frame longer than this is a broken stream, not a plan."""
READY, OK, FAILED, DIED, TIMED_OUT = b"R", b"+", b"-", b"!", b"T"
RENDER_TIMEOUT_SECONDS = 120.0
"""How long one render may take in the warm worker before it is killed."""
PREPARED = ("pdf", "word")
"""The renderer modules whose `prepare()`, if they have one, the warm worker calls."""


def request(document: PlanDocument) -> bytes:
    """What the one-file worker reads on stdin to render `document` as this process would."""
    job = {
        "document": document.as_dict(),
        "unchosen": sorted(document.unchosen),
        "workshop_id": document.workshop_id,
    }
    return json.dumps(job, ensure_ascii=False).encode("utf-8")


def read_request(data: dict[str, Any]) -> PlanDocument:
    """The document of a render request (or of a bare `as_dict()`)."""
    if "document" not in data:
        return from_dict(data)
    document = from_dict(data["document"])
    return replace(
        document,
        unchosen=frozenset(str(label) for label in data["unchosen"]),
        workshop_id=str(data.get("workshop_id") or ""),
    )


def frame(body: bytes) -> bytes:
    """`body` with its length prefix."""
    return HEADER.pack(len(body)) + body


def render_request(format: str, document: PlanDocument) -> bytes:
    """The frame body the warm worker reads to render `document` in `format`."""
    return pickle.dumps((format, document), protocol=pickle.HIGHEST_PROTOCOL)


# --------------------------------------------------------------------------- the warm worker


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from a blocking fd; None at end of file."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_frame(fd: int) -> bytes | None:
    """The next frame's body from a blocking fd; None at end of file."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes is over the limit")
    return _read_exactly(fd, size)


def warm_up() -> None:
    """Import every renderer and render a small plan once in each heavy format: fonts are read,
    fpdf2's and python-docx's lazy imports done and the renderers' caches filled, so a forked
    render starts where a process that has rendered before would. A renderer that fails here
    is reported on stderr and fails again, clearly, when a real plan asks for it."""
    from . import PlanItem, StageOutcome, assemble_plan

    def items(*texts: str, links: tuple[int, ...] = ()) -> tuple[PlanItem, ...]:
        return tuple(
            PlanItem(
                text=text,
                rank=rank,
                score=3,
                votes=2,
                shortlisted=True,
                selected=True,
                id=len(links) * 10 + rank,
                links=links,
                consensus=0.8,
            )
            for rank, text in enumerate(texts, start=1)
        )

    goals = StageOutcome("goals", "Goals", "What should we achieve?", True, items("Cut emissions"))
    projects = StageOutcome(
        "projects", "Projects", "What will we do?", True, items("Échanges — ✓", links=(1,))
    )
    plan = assemble_plan(
        title="Warm-up",
        organization="Worker",
        horizon_years=5,
        finished_at=datetime(2026, 1, 1, tzinfo=UTC),
        participants=2,
        stages=(goals, projects),
        aligned=True,
    )
    for renderer in RENDERERS.values():
        if renderer.heavy:
            try:
                renderer.render(plan)
            except Exception:  # see the docstring
                traceback.print_exc()
    # Every language's catalogue and locale data read once here, so a forked render of a
    # French or Arabic plan starts as warm as an English one.
    for code in i18n.LANGUAGES:
        i18n.translations(code)
        i18n.format_date(datetime(2026, 1, 1, tzinfo=UTC), "medium", code)
        i18n.format_number(1234.5, code)
    # A renderer module may build its next blank document ahead (`prepare()`: fonts parsed,
    # styles made); built here, in the parent, every forked render starts with one.
    for name in PREPARED:
        prepare = getattr(importlib.import_module(f"{__package__}.{name}"), "prepare", None)
        if prepare is not None:
            prepare()


def _render_in_child(job: bytes, result: int) -> None:
    """In the forked child: render the job and write a status byte and its body to `result`."""
    try:
        format, document = pickle.loads(job)
        status, body = OK, RENDERERS[format].render(document)
    except BaseException as exc:  # every failure becomes the reply
        traceback.print_exc()
        status, body = FAILED, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
    _write_all(result, status + body)


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return f"killed by signal {number} ({signal.Signals(number).name})"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


def _render_forked(job: bytes, timeout: float, channels: tuple[int, int]) -> bytes:
    """Fork a child for one render and wait for its reply (status byte and body)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing of the parent's pipes but its own result
        code = 0
        try:
            for fd in (*channels, reader):
                os.close(fd)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _render_in_child(job, writer)
        except BaseException:  # the parent reports what it wrote
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reader], [], [], left)[0]:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(reader, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    reply = b"".join(chunks)
    if timed_out:
        return TIMED_OUT + f"the render took over {timeout:g} s and was stopped".encode()
    if status != 0 or reply[:1] not in (OK, FAILED):
        return DIED + f"the render's process {_how_it_ended(status)}".encode()
    return reply


def serve(timeout: float = RENDER_TIMEOUT_SECONDS) -> int:
    """The warm worker's loop (see the module's docstring); returns when stdin closes."""
    # The frames get private copies of stdin and stdout; whatever a library prints goes to
    # stderr instead of into a frame, and the terminal's Ctrl-C is the server's to handle.
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()
    gc.collect()
    gc.freeze()  # the warm objects stay put: a forked child copies fewer pages
    _write_all(replies, frame(READY + str(os.getpid()).encode()))
    while True:
        job = _read_frame(requests)
        if job is None:
            return 0
        try:
            _write_all(replies, frame(_render_forked(job, timeout, (requests, replies))))
        except BrokenPipeError:
            return 0  # the server is gone


def main(argv: list[str]) -> int:
    """Exit status 0 with the file on stdout; 2 with a message on stderr otherwise."""
    if argv[:1] == ["--serve"] and len(argv) <= 2:
        timeout = float(argv[1]) if len(argv) == 2 else RENDER_TIMEOUT_SECONDS
        return serve(timeout)
    if len(argv) != 1 or argv[0] not in RENDERERS:
        sys.stderr.write(
            f"usage: python -m workshop.plan.worker {{{','.join(RENDERERS)}}}\n"
            "       python -m workshop.plan.worker --serve [timeout-seconds]\n"
        )
        return 2
    document = read_request(json.loads(sys.stdin.buffer.read().decode("utf-8")))
    sys.stdout.buffer.write(RENDERERS[argv[0]].render(document))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
