"""The Socket.IO edge's limits: events per connection, joins per address, malformed packets.

- Every event a connection sends takes a token from its bucket (EVENT_RATE a second, EVENT_BURST
  at once); an event without one is answered `rate_limited` with `retry_after` straight from
  the packet reader (`guard`): no handler task, no Flask context, no payload validation, no
  database. Other connections are not affected.
- A participant's events also take a token from the participant's own bucket (same rate and
  burst): one token resumed on many sockets shares one budget.
- A `join` without a token (a new participant) also takes a token from its address's bucket
  (JOIN_RATE / JOIN_BURST; the address is REMOTE_ADDR, which ProxyFix sets from
  X-Forwarded-For when FORWARDED_HOPS > 0): 300 phones behind one NAT join within a minute.
  A `join` with a token that fails (unknown, removed) is charged to a second bucket of the
  address with the same rate and burst; while that one is empty, the address's joins with a
  token are refused before any database work (guessing tokens costs the server nothing).
  Resuming with a good token is never charged: a room that reconnects at once after a
  restart is not throttled.
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
from socketio import packet as sio_packet

from ..core.ratelimit import Buckets, RateLimited
from ..extensions import socketio
from . import codec

log = logging.getLogger(__name__)

EXTENSION = "workshop_limits"
IDENTITY_KEY = "workshop.identity"
"""Where a connection's identity lives in its environ (see `events.current_identity`)."""
DEFAULTS = {"EVENT_RATE": 20.0, "EVENT_BURST": 40.0, "JOIN_RATE": 5.0, "JOIN_BURST": 60.0}
FLOOD_FACTOR = 10
FLOOD_WINDOW = 10.0


class Limits:
    """One process's buckets: events per connection, joins per address, refusals per connection."""

    def __init__(self, config: Any) -> None:
        def setting(name: str) -> float:
            return float(config.get(name, DEFAULTS[name]))

        self.events = Buckets(setting("EVENT_RATE"), setting("EVENT_BURST"))
        self.participants = Buckets(setting("EVENT_RATE"), setting("EVENT_BURST"))
        self.joins = Buckets(setting("JOIN_RATE"), setting("JOIN_BURST"))
        self.bad_tokens = Buckets(setting("JOIN_RATE"), setting("JOIN_BURST"))
        self.flood_after = FLOOD_FACTOR * self.events.burst
        self._refused: dict[Hashable, tuple[float, int]] = {}  # sid -> (window start, refusals)
        # Handlers run on several threads (or green threads); a bucket update must not interleave.
        self._lock = threading.Lock()

    def take_event(self, sid: Hashable, participant_id: int | None = None) -> float | None:
        """None when `sid` (and the participant it speaks for) may send an event now, else the
        seconds until it may."""
        with self._lock:
            if not self.events.take(sid):
                return max(self.events.retry_after(sid), 0.001)
            if participant_id is None or self.participants.take(participant_id):
                return None
            return max(self.participants.retry_after(participant_id), 0.001)

    def token_joins_blocked(self, address: Hashable) -> float | None:
        """None when `address` may try a token now, else the seconds until it may."""
        with self._lock:
            wait = self.bad_tokens.retry_after(address)
        return wait if wait > 0 else None

    def charge_bad_token(self, address: Hashable) -> None:
        """A join with a token from `address` failed."""
        with self._lock:
            self.bad_tokens.take(address)

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


EVENT_REFUSAL = "Too many events from this connection; slow down."


def client_address() -> str:
    """The address this connection came from (ProxyFix has set it when behind proxies)."""
    return str(request.environ.get("REMOTE_ADDR") or request.remote_addr or "unknown")


def check_join() -> None:
    """Take this address's token for one new participant, or raise `rate_limited`."""
    wait = limits().take_join(client_address())
    if wait is not None:
        raise RateLimited(wait, "Too many people joining from this address; try again shortly.")


def check_token_join() -> None:
    """Refuse a join with a token while this address's failed tokens are over the limit."""
    wait = limits().token_joins_blocked(client_address())
    if wait is not None:
        raise RateLimited(wait, "Too many wrong tokens from this address; try again shortly.")


def charge_bad_token() -> None:
    """A join with a token from this address failed (unknown or removed participant)."""
    limits().charge_bad_token(client_address())


def forget_connection() -> None:
    """Called when a connection closes."""
    limits().forget(request.sid)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- malformed packets


def _refuse(server: Server, here: Limits, sid: str, wait: float) -> Any:
    """Count a refused event of `sid`; close the connection when it keeps flooding. Returns
    the error ack."""
    if here.refused(sid):
        log.warning("closing connection %s: it kept sending after it was throttled", sid)
        here.forget(sid)
        server.disconnect(sid, namespace="/")
    return {"ok": False, "error": RateLimited(wait, EVENT_REFUSAL).as_payload()}


def guard(server: Server, app: Flask) -> None:
    """Install the edge's first checks on the Socket.IO server, below Flask-SocketIO:

    - every event packet takes its connection's token before a handler task is even started;
      a refused one is acked `rate_limited` at once (cheap enough to absorb a flood);
    - packets are read with `codec.Packet` (malformed arguments become `invalid_payload`);
    - a packet that cannot be read at all is dropped with a single WARNING line instead of
      python-socketio's traceback (and counted against the connection's bucket, so a garbage
      flood is throttled, then closed, like any other)."""
    server.packet_class = codec.Packet
    handlers: dict[str, Callable[..., Any]] = server.eio.handlers
    original = handlers["message"]
    if getattr(original, "guarded", False):
        return
    handle_event = server._handle_event

    def on_event(eio_sid: str, namespace: str | None, ack_id: int | None, data: Any) -> Any:
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace or "/")
        here = limits(app)
        wait = None
        if sid is not None:
            identity = (server.environ.get(eio_sid) or {}).get(IDENTITY_KEY)
            wait = here.take_event(sid, getattr(identity, "participant_id", None))
        if wait is None:
            return handle_event(eio_sid, namespace, ack_id, data)
        refusal = _refuse(server, here, sid, wait)
        if ack_id is not None:
            server._send_packet(
                eio_sid,
                server.packet_class(
                    sio_packet.ACK, namespace=namespace or "/", id=ack_id, data=[refusal]
                ),
            )
        return None

    server._handle_event = on_event

    def on_message(eio_sid: str, data: Any) -> Any:
        try:
            return original(eio_sid, data)
        except Exception as exc:
            server._binary_packet.pop(eio_sid, None)
            sid = server.manager.sid_from_eio_sid(eio_sid, "/") or eio_sid
            here = limits(app)
            wait = here.take_event(sid)
            if wait is None:
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
