"""The warm render workers: a few long-lived `python -m workshop.plan.worker --serve`
processes that the production server starts once and feeds PDF and DOCX renders.

Starting Python and importing fpdf2 took about 70 % of a first download when every render had
a process of its own; a warm worker has paid that before anyone asks. Each worker is a fork
server (see `worker.py`): it forks a child per render from its warm, never-rendering parent,
so a crash, a leak or a hang stays in that child.

`WarmPool(size)` keeps `size` workers, one render each at a time (the server's
`RENDER_SLOTS`); a render waits for a free one. It talks to them over pipes with plain
`os.read`/`os.write` on non-blocking descriptors and waits in `selectors`: under eventlet (which
`app.py` installs before anything is imported) those are green, so the event loop serves
everyone else while a file renders; with threads they block only the asking thread.

What can go wrong, and what the pool does:
- the renderer raises: `RenderError` with its message (the worker keeps serving);
- the render's process dies (a signal, out of memory): the render is tried once more;
- the worker itself dies or breaks the protocol: it is started again and the render tried
  once more on the new one;
- a render runs past `timeout`: the worker kills it and `RenderTimeout` says so; a worker that
  does not answer even then is killed and started again.
`close()` stops every worker (the server calls it when it stops); a worker also exits by
itself when the server's end of its stdin closes, so a killed server leaves none behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import PlanDocument
from . import worker as protocol

log = logging.getLogger("workshop.render")

STARTUP_SECONDS = 60.0
"""How long a new worker may take to import and warm up before its first render fails."""
STOP_SECONDS = 1.0
"""How long `close()` lets the workers finish the renders they run before it kills them."""
GRACE_SECONDS = 10.0
"""How much longer than the render's time limit the pool waits for the worker's answer."""


class RenderError(RuntimeError):
    """A plan file could not be rendered; the message says which and why."""


class RenderTimeout(RenderError):
    """A render took longer than the pool's time limit."""


class _WorkerGone(Exception):
    """The worker process ended or broke the protocol: start another."""


class _Unresponsive(RenderTimeout):
    """The worker itself did not answer in time (a render it stopped is a RenderTimeout)."""


class _Died(RenderError):
    """The render's child process died; another try may succeed."""


def _wait(fd: int, *, write: bool, deadline: float) -> bool:
    """Wait until `fd` is ready (False when the deadline passes). `selectors` picks the best
    mechanism the platform has (no limit on descriptor numbers); under eventlet it is patched
    and green, so the wait never blocks the event loop."""
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE if write else selectors.EVENT_READ)
        return bool(selector.select(left))


PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)
"""The folder that holds the `workshop` package (a checkout, or site-packages)."""


def _environment() -> dict[str, str]:
    """The worker's environment: this process's, with the `workshop` package importable
    whatever the server's working directory."""
    env = dict(os.environ)
    paths = [PACKAGE_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


class Worker:
    """One warm worker process and the two pipes to it."""

    def __init__(self, timeout: float, grace: float = GRACE_SECONDS) -> None:
        self.timeout = timeout
        self.grace = grace
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workshop.plan.worker", "--serve", f"{timeout:g}"],
                stdin=requests_read,
                stdout=replies_write,
                env=_environment(),
                # Its own session: a Ctrl-C in the server's terminal is the server's to handle.
                start_new_session=True,
            )
        except BaseException:
            for fd in (self._requests, self._replies):
                os.close(fd)
            raise
        finally:
            os.close(requests_read)
            os.close(replies_write)
        os.set_blocking(self._requests, False)
        os.set_blocking(self._replies, False)
        self.ready = False
        self.closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            if not _wait(self._requests, write=True, deadline=deadline):
                raise _Unresponsive("the render worker did not take the request in time")
            try:
                view = view[os.write(self._requests, view) :]
            except BlockingIOError:
                continue
            except OSError as exc:  # EPIPE: it died
                raise _WorkerGone(f"the render worker is gone ({exc})") from None

    def _receive(self, size: int, deadline: float, what: str) -> bytes:
        chunks: list[bytes] = []
        while size:
            if not _wait(self._replies, write=False, deadline=deadline):
                raise _Unresponsive(what)
            try:
                chunk = os.read(self._replies, min(size, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise _WorkerGone(f"the render worker ended ({self._ending()})")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _reply(self, deadline: float, what: str) -> bytes:
        (size,) = protocol.HEADER.unpack(self._receive(protocol.HEADER.size, deadline, what))
        if size == 0 or size > protocol.MAX_FRAME:
            raise _WorkerGone(f"the render worker sent a broken frame ({size} bytes)")
        return self._receive(size, deadline, what)

    def _ending(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def wait_ready(self, deadline: float) -> None:
        """Read the worker's READY frame (it comes once, after the warm-up)."""
        if self.ready:
            return
        reply = self._reply(deadline, "the render worker did not start in time")
        if reply[:1] != protocol.READY:
            raise _WorkerGone("the render worker did not say it was ready")
        self.ready = True

    def render(self, format: str, document: PlanDocument) -> bytes:
        """One render; RenderError or RenderTimeout, or _WorkerGone when the worker is."""
        if not self.ready:
            self.wait_ready(time.monotonic() + STARTUP_SECONDS)
        job = protocol.frame(protocol.render_request(format, document))
        deadline = time.monotonic() + self.timeout + self.grace
        self._send(job, deadline)
        reply = self._reply(
            deadline, f"rendering the plan as {format} got no answer in {self.timeout:g} s"
        )
        status, body = reply[:1], reply[1:]
        if status == protocol.OK:
            return body
        message = body.decode("utf-8", "replace")
        if status == protocol.TIMED_OUT:
            raise RenderTimeout(f"rendering the plan as {format} timed out: {message}")
        if status == protocol.DIED:
            raise _Died(f"rendering the plan as {format} failed: {message}")
        if status == protocol.FAILED:
            raise RenderError(f"rendering the plan as {format} failed: {message}")
        raise _WorkerGone(f"the render worker answered with status {status!r}")

    def hang_up(self) -> None:
        """Close the worker's stdin: it exits after the render it may be running."""
        if not self.closed:
            self.closed = True
            os.close(self._requests)

    def finish(self, deadline: float) -> None:
        """After `hang_up`: wait for the worker to exit until `deadline`, then kill it."""
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
        if self._replies >= 0:
            os.close(self._replies)
            self._replies = -1

    def kill(self) -> None:
        """Kill the worker and any render child of it (they share its process group, whose
        id is the worker's pid: safe to signal until the worker is reaped)."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class WarmPool:
    """`size` warm workers; `render(format, document)` is the server's offload runner."""

    def __init__(
        self,
        size: int = 2,
        *,
        timeout: float = protocol.RENDER_TIMEOUT_SECONDS,
        grace: float = GRACE_SECONDS,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.timeout = timeout
        """How long one render may take (the worker stops it then)."""
        self.grace = grace
        """How much longer the pool waits for a worker's answer before it replaces it."""
        self._idle: queue.Queue[Worker | None] = queue.Queue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.restarts = 0
        """How many workers were started again after dying, breaking down or hanging."""

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers now running (for logs and tests)."""
        with self._lock:
            return [w.pid for w in self._workers if not w.closed]

    def start(self) -> WarmPool:
        """Start every worker now (they warm up in parallel, in their own processes)."""
        with self._lock:
            if self._closed:
                raise RenderError("the render workers were stopped")
            if not self._started:
                self._started = True
                for _ in range(self.size):
                    self._idle.put(self._spawn())
        return self

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        """Wait until every worker has warmed up (the benchmark and tests measure from there)."""
        self.start()
        deadline = time.monotonic() + timeout
        taken = [self._take() for _ in range(self.size)]
        try:
            for worker in taken:
                worker.wait_ready(deadline)
        finally:
            for worker in taken:
                self._idle.put(worker)

    def _spawn(self) -> Worker:
        worker = Worker(self.timeout, self.grace)
        self._workers.append(worker)
        log.info("render worker %d started", worker.pid)
        return worker

    def _replace(self, worker: Worker, why: str) -> Worker:
        log.warning("render worker %d: %s; starting another", worker.pid, why)
        worker.kill()
        worker.hang_up()
        worker.finish(time.monotonic())
        with self._lock:
            self._workers.remove(worker)
            self.restarts += 1
            if self._closed:
                raise RenderError("the render workers were stopped")
            return self._spawn()

    def _take(self) -> Worker:
        worker = None if self._closed else self._idle.get()
        if worker is None or self._closed:
            self._idle.put(None)  # wakes the next waiter, who finds the pool closed too
            raise RenderError("the render workers were stopped")
        return worker

    def render(self, format: str, document: PlanDocument) -> bytes:
        """Render in a warm worker: the same bytes as `plan.render(document, format)`."""
        self.start()
        worker = self._take()
        started = time.monotonic()
        try:
            for attempt in (1, 2):
                try:
                    content = worker.render(format, document)
                except _Died as exc:
                    if attempt == 2:
                        raise
                    log.warning("render worker %d: %s; trying once more", worker.pid, exc)
                except _WorkerGone as exc:
                    worker = self._replace(worker, str(exc))
                    if attempt == 2:
                        raise RenderError(f"rendering the plan as {format} failed: {exc}") from None
                except _Unresponsive as exc:
                    worker = self._replace(worker, str(exc))
                    raise RenderTimeout(str(exc)) from None
                else:
                    log.info(
                        "render worker %d: %s in %.0f ms",
                        worker.pid,
                        format,
                        (time.monotonic() - started) * 1000,
                    )
                    return content
            raise AssertionError("unreachable")
        finally:
            self._idle.put(worker)

    def __enter__(self) -> WarmPool:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker; renders waiting for one fail with RenderError."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.hang_up()
        deadline = time.monotonic() + STOP_SECONDS
        for worker in workers:
            worker.finish(deadline)
        self._idle.put(None)
