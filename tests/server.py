"""Run the real server (`python app.py`: eventlet, configured by env) in a child process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-server-test-secret"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The production entry point on a given SQLite file, on 127.0.0.1 and one fixed port.

    `start()` returns once GET /healthz answers 200; `stop()` sends SIGTERM, then SIGKILL;
    `kill()` sends SIGKILL at once (a crash); `restart()` is stop + start on the same port
    and database. Output goes to `log_path` (next to the database unless given), appended
    across restarts; `output()` reads it back. Usable as a context manager.
    """

    host = "127.0.0.1"
    command: tuple[str, ...] = ("app.py",)
    """What `python` runs in the repository: the production entry point, or a launcher that
    registers something first and then runs it (`-m tests.plugins.serve_poll`)."""

    def __init__(
        self,
        db_path: Path,
        *,
        port: int | None = None,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 20.0,
        tally_interval: float = 0.1,
    ) -> None:
        self.db_path = Path(db_path).resolve()
        self.port = port or free_port(self.host)
        self.log_path = log_path or self.db_path.with_name(self.db_path.name + ".server.log")
        self.startup_timeout = startup_timeout
        self.extra_env = dict(env or {})
        self.tally_interval = tally_interval
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """The base URL without a trailing slash, e.g. http://127.0.0.1:54321."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def environment(self) -> dict[str, str]:
        """The child's environment: this one, minus warning overrides, plus the settings."""
        env = dict(os.environ)
        # Production runs plain `python app.py`: no inherited warning filters.
        env.pop("PYTHONWARNINGS", None)
        env.update(
            HOST=self.host,
            PORT=str(self.port),
            DATABASE_URL=f"sqlite:///{self.db_path}",
            SECRET_KEY=SECRET_KEY,
            TALLY_INTERVAL=str(self.tally_interval),
            PUBLIC_URL="",
            PYTHONUNBUFFERED="1",
            # Warm render workers start on the first PDF or DOCX (production: with the server),
            # so the many servers that never render one do not pay for them.
            RENDER_WORKERS="lazy",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> LiveServer:
        """Start the server and wait until /healthz answers 200 (or raise with its output)."""
        if self.running:
            raise RuntimeError(f"server already running (pid {self.pid})")
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start #{self.starts} on port {self.port} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, *self.command],
                cwd=REPO_ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise RuntimeError(
                    f"server exited with code {code} before it was healthy.\n{self._output_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
                exc.close()
            except (OSError, urllib.error.URLError) as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"server at {self.url} not healthy after {self.startup_timeout:.0f}s "
            f"(last: {last_error}).\n{self._output_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL. Returns the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def kill(self) -> int | None:
        """SIGKILL at once, like a crash or a power cut of the process. Returns the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        return process.wait()

    def restart(self) -> LiveServer:
        """Stop gracefully and start again on the same port and database."""
        self.stop()
        return self.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def output(self) -> str:
        """Everything the server printed (stdout and stderr) so far, across restarts."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _output_tail(self, limit: int = 8000) -> str:
        text = self.output()
        if len(text) > limit:
            text = "...\n" + text[-limit:]
        return f"--- server output ({self.log_path}) ---\n{text}"

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        # Never leave an orphaned server behind if a test forgot to stop it.
        with contextlib.suppress(Exception):
            if self.running:
                self.kill()


def http(
    url: str,
    method: str = "GET",
    body: Any = None,
    key: str | None = None,
    *,
    timeout: float = 60,
) -> Any:
    """A request with a JSON body, and the facilitator key (or another secret) as a Bearer
    token when given: the decoded JSON answer, or the raw bytes of any other (a plan file)."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw: bytes = response.read()
        return json.loads(raw) if response.headers.get_content_type().endswith("json") else raw
