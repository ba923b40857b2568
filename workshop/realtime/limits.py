"""The Socket.IO edge's limits: events per connection, joins per address, malformed packets.

- Every event a connection sends takes a token from its bucket (EVENT_RATE a second, EVENT_BURST
  at once); an event without one is answered `rate_limited` with `retry_after`, before any
  payload is read or any database work is done. Other connections are not affected.
- A `join` without a token (a new participant) also takes a token from its address's bucket
  (JOIN_RATE / JOIN_BURST; the address is REMOTE_ADDR, which ProxyFix sets from
  X-Forwarded-For when FORWARDED_HOPS > 0): 300 phones behind one NAT join within a minute.
- A connection that keeps sending after it was throttled (FLOOD_FACTOR times its burst refused
  within FLOOD_WINDOW seconds: 400 refusals in 10 s by default, which no client that reads its
  acks ever reaches) is closed, so a runaway client stops costing the server at once.
- Packets that cannot be read at all (not Socket.IO, not JSON) are dropped with one WARNING line
  and no traceback (see `guard`); an event whose arguments cannot be read is answered
  `invalid_payload` (see `codec.Packet`).

The buckets live in this process's memory, keyed by connection id and address: several
processes each count on their own (a client reaches one process per connection).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, request
from socketio import Server

from ..core.ratelimit import Buckets, RateLimited
from ..extensions import socketio
from . import codec

log = logging.getLogger(__name__)

EXTENSION = "workshop_limits"
DEFAULTS = {"EVENT_RATE": 20.0, "EVENT_BURST": 40.0, "JOIN_RATE": 5.0, "JOIN_BURST": 60.0}
FLOOD_FACTOR = 10
FLOOD_WINDOW = 10.0


class Limits:
    """One process's buckets: events per connection, joins per address, refusals per connection."""

    def __init__(self, config: Any) -> None:
        def setting(name: str) -> float:
            return float(config.get(name, DEFAULTS[name]))

        self.events = Buckets(setting("EVENT_RATE"), setting("EVENT_BURST"))
        self.joins = Buckets(setting("JOIN_RATE"), setting("JOIN_BURST"))
        self.flood_after = FLOOD_FACTOR * self.events.burst
        self._refused: dict[Hashable, tuple[float, int]] = {}  # sid -> (window start, refusals)
        # Handlers run on several threads (or green threads); a bucket update must not interleave.
        self._lock = threading.Lock()

    def take_event(self, sid: Hashable) -> float | None:
        """None when `sid` may send an event now, else the seconds until it may."""
        with self._lock:
            if self.events.take(sid):
                return None
            return max(self.events.retry_after(sid), 0.001)

    def take_join(self, address: Hashable) -> float | None:
        """None when `address` may join a new participant now, else the seconds until it may."""
        with self._lock:
            if self.joins.take(address):
                return None
            return max(self.joins.retry_after(address), 0.001)

    def refused(self, sid: Hashable, now: float | None = None) -> bool:
        """Count one refused event of `sid`: True when it is flooding and should be closed."""
        at = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._refused.get(sid, (at, 0))
            if at - start > FLOOD_WINDOW:
                start, count = at, 0
            count += 1
            self._refused[sid] = (start, count)
            return count >= self.flood_after

    def forget(self, sid: Hashable) -> None:
        """A connection closed: drop its bucket and its refusals."""
        with self._lock:
            self.events.forget(sid)
            self._refused.pop(sid, None)


def limits(app: Flask | None = None) -> Limits:
    """This app's limits, made from its configuration on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, Limits(app.config))
    assert isinstance(found, Limits)
    return found


def check_event() -> None:
    """Take this connection's token for one event, or raise `rate_limited` (no other work done).

    A connection that keeps flooding is disconnected after the refusal."""
    sid = request.sid  # type: ignore[attr-defined]
    here = limits()
    wait = here.take_event(sid)
    if wait is None:
        return
    if here.refused(sid):
        log.warning("closing connection %s: it kept sending after it was throttled", sid)
        here.forget(sid)
        socketio.server.disconnect(sid, namespace=request.namespace)  # type: ignore[attr-defined]
    raise RateLimited(wait, "Too many events from this connection; slow down.")


def client_address() -> str:
    """The address this connection came from (ProxyFix has set it when behind proxies)."""
    return str(request.environ.get("REMOTE_ADDR") or request.remote_addr or "unknown")


def check_join() -> None:
    """Take this address's token for one new participant, or raise `rate_limited`."""
    wait = limits().take_join(client_address())
    if wait is not None:
        raise RateLimited(wait, "Too many people joining from this address; try again shortly.")


def forget_connection() -> None:
    """Called when a connection closes."""
    limits().forget(request.sid)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- malformed packets


def guard(server: Server, app: Flask) -> None:
    """Read packets with `codec.Packet`, and drop one that cannot be read at all with a single
    WARNING line instead of python-socketio's traceback (counted against the connection's
    bucket, so a garbage flood is throttled, then closed, like any other)."""
    server.packet_class = codec.Packet
    handlers: dict[str, Callable[..., Any]] = server.eio.handlers
    original = handlers["message"]
    if getattr(original, "guarded", False):
        return

    def on_message(eio_sid: str, data: Any) -> Any:
        try:
            return original(eio_sid, data)
        except Exception as exc:
            server._binary_packet.pop(eio_sid, None)
            sid = server.manager.sid_from_eio_sid(eio_sid, "/") or eio_sid
            here = limits(app)
            if here.take_event(sid) is None:
                log.warning(
                    "dropped a packet from %s that is not Socket.IO: %s", sid, str(exc)[:120]
                )
            elif here.refused(sid):
                here.forget(sid)
                server.eio.disconnect(eio_sid)
            return None

    on_message.guarded = True  # type: ignore[attr-defined]
    handlers["message"] = on_message


def init_app(app: Flask) -> None:
    """Install the packet guard on the app's Socket.IO server (after `socketio.init_app`)."""
    limits(app)
    guard(socketio.server, app)
