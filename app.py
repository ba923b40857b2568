"""Start the production server: eventlet, Flask-SocketIO, configuration from the environment.

Eventlet-specific code lives here and nowhere else, so the app can move to gevent later.
Importing this module (for `flask --app app` or in tests) does not monkey-patch anything;
running it as a script does, first thing.

SIGTERM drains (`install_drain`): the server stops accepting connections, lets the Socket.IO
events already running finish and send their acks, closes every connection (without an
engine.io CLOSE packet, so browsers and python-socketio clients reconnect on their own, to
this server once it is back or to another process on the same database), closes the database
and exits 0, within `DRAIN_SECONDS`. A second SIGTERM, or SIGKILL, stops it at once; nothing
acknowledged is lost either way (every ack follows a commit).
"""

from __future__ import annotations

if __name__ == "__main__":
    import warnings

    # Eventlet warns on import that it is in maintenance mode; that is for us, not for users.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

    import eventlet

    eventlet.monkey_patch()

import logging
import os
import signal
import time
from typing import TYPE_CHECKING, Any

from flask import Flask

from workshop import create_app
from workshop.extensions import socketio

if TYPE_CHECKING:
    from workshop.plan.warm import WarmPool

__all__ = [
    "DRAIN_SECONDS",
    "StallWatch",
    "create_app",
    "fast_unmask",
    "install_drain",
    "listen",
    "main",
    "say_where",
    "socketio",
    "start_render_workers",
    "use_fast_unmask",
]


def fast_unmask(data: bytes, mask: bytes, length: int | None = None, offset: int = 0) -> bytes:
    """Unmask a websocket payload: eventlet's `RFC6455WebSocket._apply_mask`, same arguments
    and result (the first `length` bytes of `data`, each XORed with the 4-byte `mask` starting
    at mask position `offset`), as one integer XOR instead of a Python loop over every byte.

    Every frame a client sends is masked, and eventlet's loop costs about 35 ms per 60 KB on
    the event loop before any limit can look at the frame; this takes a fraction of a
    millisecond, so a client streaming big frames no longer stalls everyone else."""
    size = len(data) if length is None else length
    if size <= 0:
        return b""
    start = offset % 4
    key = bytes(mask[(start + i) % 4] for i in range(4))
    repeated = (key * (size // 4 + 1))[:size]
    mixed = int.from_bytes(bytes(data[:size]), "little") ^ int.from_bytes(repeated, "little")
    return mixed.to_bytes(size, "little")


def use_fast_unmask() -> None:
    """Make eventlet's websocket unmask with `fast_unmask` (called by `main`)."""
    from eventlet import websocket

    websocket.RFC6455WebSocket._apply_mask = staticmethod(fast_unmask)


DRAIN_SECONDS = 5.0
"""How long SIGTERM waits for running events and open connections before it exits anyway."""

log = logging.getLogger("workshop")


def install_drain(app: Flask) -> None:
    """On SIGTERM, drain and stop (call from `main`, in the greenlet that runs the server).

    Counts the Socket.IO events being handled (by wrapping Flask-SocketIO's per-event
    dispatcher), so the drain waits for exactly those. Eventlet runs one greenlet at a time
    and a write transaction never yields before its commit, so an event either has not
    started (its client resends it after reconnecting: writes are idempotent) or runs to its
    ack.
    """
    import eventlet

    server_greenlet = eventlet.getcurrent()
    in_flight = 0
    dispatch = socketio._handle_event

    def counted(*args: Any) -> Any:
        nonlocal in_flight
        in_flight += 1
        try:
            return dispatch(*args)
        finally:
            in_flight -= 1

    socketio._handle_event = counted

    def drain() -> None:
        started = time.monotonic()
        log.info("SIGTERM: draining (no new connections; %d event(s) running)", in_flight)
        # eventlet.wsgi.server leaves its accept loop on SystemExit, then waits for the
        # connections it serves: the websockets closed below.
        eventlet.kill(server_greenlet, SystemExit)
        eventlet.spawn_after(DRAIN_SECONDS, give_up, started)
        while in_flight and time.monotonic() - started < DRAIN_SECONDS:
            eventlet.sleep(0.01)
        sockets = list(socketio.server.eio.sockets.values())
        for sock in sockets:
            # abort: no CLOSE packet, so clients take it as a lost connection and reconnect.
            sock.close(wait=False, abort=True)
        log.info(
            "SIGTERM: events finished in %.2f s; closed %d connection(s)",
            time.monotonic() - started,
            len(sockets),
        )

    def give_up(started: float) -> None:
        log.warning(
            "SIGTERM: still %d event(s) running after %.1f s; exiting anyway",
            in_flight,
            time.monotonic() - started,
        )
        close_database(app)
        logging.shutdown()
        os._exit(0)

    # The hub may be asleep in epoll for seconds: a Python signal handler alone runs at once
    # but wakes nothing. The C-level handler also writes the signal's number to this pipe,
    # which a greenthread waits on, so the drain starts within milliseconds.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    terms = 0

    def on_sigterm(_signum: int, _frame: object) -> None:
        nonlocal terms
        terms += 1
        if terms > 1:
            os._exit(1)  # a second SIGTERM: stop now

    def watch() -> None:
        while True:
            eventlet.hubs.trampoline(wake_read, read=True)
            try:
                os.read(wake_read, 512)
            except BlockingIOError:
                continue
            if terms:
                drain()
                return

    signal.signal(signal.SIGTERM, on_sigterm)
    eventlet.spawn_n(watch)


class StallWatch:
    """How long the event loop was blocked (switched on with WORKSHOP_STALL_WATCH=1, for
    bench/stall.py; the figures are logged when the server stops).

    - `longest_run`: the longest time one greenlet ran without giving the hub back (traced
      with greenlet.settrace): nothing else, not even a ping, is served meanwhile. This is
      the stall: a blocking call (SQLite's busy wait, an fsync, a long render) shows here.
    - `longest_lag`: how late a greenlet that sleeps `interval` seconds woke; this adds
      the queue of greenlets that were ready before it (a burst of writes waits in line).
    Each run and each lag over `report` seconds is logged soon after, with the log line's
    time, so a benchmark can pick its own window.
    """

    def __init__(self, interval: float = 0.01, report: float = 0.05) -> None:
        self.interval = interval
        self.report = report
        self.longest_lag = 0.0
        self.longest_run = 0.0
        self.samples = 0
        self.blocked: list[float] = []

    def start(self) -> None:
        import eventlet
        import eventlet.hubs
        from eventlet.support import greenlets

        hub = eventlet.hubs.get_hub().greenlet
        since = time.monotonic()

        def trace(event: str, args: Any) -> None:
            nonlocal since
            if event in ("switch", "throw"):
                origin, _target = args
                now = time.monotonic()
                if origin is not hub:
                    ran = now - since
                    self.longest_run = max(self.longest_run, ran)
                    if ran > self.report:
                        self.blocked.append(ran)  # logged by run(): no I/O inside a switch
                since = now

        greenlets.greenlet.settrace(trace)
        eventlet.spawn_n(self.run)

    def run(self) -> None:
        import eventlet

        while True:
            asked = time.monotonic()
            eventlet.sleep(self.interval)
            late = time.monotonic() - asked - self.interval
            self.samples += 1
            self.longest_lag = max(self.longest_lag, late)
            while self.blocked:
                log.warning("event loop blocked %.0f ms", self.blocked.pop() * 1000)
            if late > self.report:
                log.warning("event loop lag %.0f ms", late * 1000)


def listen_host(host: str) -> str:
    """HOST as an address to bind: "" is every IPv4 interface ("0.0.0.0"), "[::]" and other
    bracketed IPv6 addresses lose their brackets."""
    host = host.strip()
    if not host:
        return "0.0.0.0"
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def listen(host: str, port: int) -> Any:
    """The listening socket for HOST and PORT. For "::" it is dual-stack on every system
    (IPV6_V6ONLY off: Windows and some BSDs default to IPv6 only), so "::" serves the IPv4
    and IPv6 addresses `python app.py` prints; anything else as `eventlet.listen` does."""
    import eventlet
    from eventlet.green import socket

    host = listen_host(host)
    addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not addresses:
        raise RuntimeError(f"Could not resolve {host!r} to an address to listen on.")
    family, _type, _proto, _name, address = addresses[0]
    if family != socket.AF_INET6 or address[0] != "::":
        return eventlet.listen(address, family)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):  # as eventlet.listen does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(address)
    sock.listen(50)
    return sock


def serve(app: Flask, host: str, port: int) -> None:
    """Serve with eventlet's WSGI server until a drain stops it (what `socketio.run` does
    for eventlet, minus the reloader and SSL we never use, plus `debug=False`: eventlet's
    default would send the traceback of an unhandled error to the client)."""
    import eventlet.wsgi

    # The app's wsgi_app is already Flask-SocketIO's middleware (socketio.init_app).
    eventlet.wsgi.server(listen(host, port), app, log_output=False, debug=False)


def start_render_workers(app: Flask) -> WarmPool | None:
    """Set the app's offload runner (`workshop/offload.py`) as the RENDER_WORKERS setting says:
    `eager` (the default), `RENDER_SLOTS` warm render workers started now, so even the day's
    first file renders warm; `lazy`, the same started on the first PDF or DOCX (a short-lived
    server, such as the test suite's, then does not pay their warm-up, about a second of CPU
    each); `cold`, each file in a new process of its own (no resident workers, about 90 MB
    each, but a second more per file: the way before the warm workers, which `bench/plan.py`
    compares against). The workers stop with the server: `main` closes them after a drain,
    and each exits by itself when this process ends any other way (its stdin closes)."""
    from workshop.offload import EXTENSION, render_in_child_process
    from workshop.plan.warm import WarmPool
    from workshop.services.plans import RENDER_SLOTS

    how = app.config["RENDER_WORKERS"]
    if how not in ("eager", "lazy", "cold"):
        raise SystemExit(f"RENDER_WORKERS must be eager, lazy or cold, not {how!r}")
    if how == "cold":
        app.extensions[EXTENSION] = render_in_child_process
        return None
    pool = WarmPool(RENDER_SLOTS)
    if how == "eager":
        pool.start()
    app.extensions[EXTENSION] = pool.render
    return pool


def close_database(app: Flask) -> None:
    """Close every pooled connection (the last one to close checkpoints SQLite's WAL)."""
    engine = app.extensions.get("workshop_db")
    if engine is not None:
        engine.dispose()


def say_where(app: Flask) -> None:
    """Log where phones can reach the server, one URL per line (`hosts.start_lines`): the
    address join links and QR codes carry, PUBLIC_URL, and for a wildcard HOST every LAN
    address; or that phones cannot join, and how to fix it."""
    from workshop.web import hosts

    host = str(app.config["HOST"] or "")
    check = app.wsgi_app
    with app.app_context():
        lines = hosts.start_lines(
            host=host,
            port=app.config["PORT"],
            public_url=str(app.config.get("PUBLIC_URL") or ""),
            join_base=hosts.public_base_url(),
            interfaces=hosts.lan_interfaces(host) if host in hosts.WILDCARD_HOSTS else [],
            allows=check.allows if isinstance(check, hosts.HostCheck) else lambda _host: True,
        )
    for level, line in lines:
        log.log(level, "%s", line)


def main() -> None:
    """Create the app and serve it with eventlet until interrupted."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every start; our own line says when the schema actually changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    use_fast_unmask()
    app = create_app({"ASYNC_MODE": "eventlet"})
    # PDF and DOCX files render in warm worker processes, started now (they import and warm up
    # in parallel, in their own processes): neither the event loop nor its GIL waits for them.
    renders = start_render_workers(app)
    host, port = app.config["HOST"], app.config["PORT"]
    say_where(app)
    install_drain(app)
    watch = StallWatch() if os.environ.get("WORKSHOP_STALL_WATCH") == "1" else None
    if watch is not None:
        watch.start()
    serve(app, host, port)
    # Only a drain gets here: the server has stopped and every connection is closed.
    if renders is not None:
        renders.close()
    close_database(app)
    if watch is not None:
        log.info(
            "longest event-loop stall: %.1f ms (one greenlet's run); longest lag %.1f ms "
            "(%d samples)",
            watch.longest_run * 1000,
            watch.longest_lag * 1000,
            watch.samples,
        )
    log.info("stopped")
    logging.shutdown()
    # The drain's give-up timer must not keep a stopped server alive for DRAIN_SECONDS.
    os._exit(0)


if __name__ == "__main__":
    main()
