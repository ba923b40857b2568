"""The Socket.IO edge's limits: events per connection, joins per address, malformed packets.

- Every event a connection sends takes a token from its bucket (EVENT_RATE a second, EVENT_BURST
  at once; an event sent while refused costs a token too, down to -EVENT_BURST, so a client
  that keeps sending gets nothing through until it slows down; one that waits `retry_after`
  never notices); an event without one is answered `rate_limited` with `retry_after` straight from
  the packet reader (`guard`): no handler task, no Flask context, no payload validation, no
  database. Other connections are not affected.
- A participant's events also take a token from the participant's own bucket (same rate and
  burst): one token resumed on many sockets shares one budget.
- A `join` without a token (a new participant) also takes a token from its address's bucket
  (JOIN_RATE / JOIN_BURST; the address is REMOTE_ADDR, which ProxyFix sets from
  X-Forwarded-For when FORWARDED_HOPS > 0): 300 phones behind one NAT join within a minute.
  A `join` with a token that fails (unknown, removed) is charged to a second bucket of the
  address with the same rate and burst; while that one is empty, a wrong token is answered
  `rate_limited` instead of `invalid_token`. A token is always looked up (one indexed read, no
  write lock), so a good one resumes whatever a neighbour behind the same NAT is sending: a
  room that reconnects at once after a Wi-Fi blip or a restart is never throttled for it.
- A connection that keeps sending after it was throttled (FLOOD_FACTOR times its burst refused
  within FLOOD_WINDOW seconds: 400 refusals in 10 s by default, which no client that reads its
  acks ever reaches) is closed, so a runaway client stops costing the server at once; for
  FLOOD_COOLDOWN seconds its credential (the participant's token, the key or projector token)
  cannot identify a connection again (`join`/`facilitate`/`present` answer `rate_limited`
  from the packet reader), so reconnecting in a loop buys a flooder nothing but refusals.
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
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import Flask, current_app, request
from socketio import Server
from socketio import packet as sio_packet
from werkzeug.http import parse_cookie

from .. import i18n
from ..core.ratelimit import Buckets, RateLimited
from ..core.security import hash_secret
from ..extensions import socketio
from ..i18n import N_, gettext
from . import codec

log = logging.getLogger(__name__)

EXTENSION = "workshop_limits"
IDENTITY_KEY = "workshop.identity"
"""Where a connection's identity lives in its environ (see `events.current_identity`)."""
DEFAULTS = {"EVENT_RATE": 20.0, "EVENT_BURST": 40.0, "JOIN_RATE": 5.0, "JOIN_BURST": 60.0}
FLOOD_FACTOR = 10
FLOOD_WINDOW = 10.0
FLOOD_COOLDOWN = 10.0
IDENTIFYING = {"join": "token", "facilitate": "key", "present": ("token", "key")}
"""The events that bind a connection to a credential, and the payload keys that carry it."""


class ByteBudget:
    """Bytes a key may send: `rate` a second, `burst` at once. What was read is always spent
    (down to -burst); `spend` says how long the sender should now wait (0 when within)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.refill, self.burst, self.max_keys = rate, burst, max_keys
        self._spent: dict[Hashable, tuple[float, float]] = {}

    def spend(self, key: Hashable, size: int, now: float | None = None) -> float:
        at = time.monotonic() if now is None else now
        tokens, then = self._spent.get(key, (self.burst, at))
        tokens = min(self.burst, tokens + max(0.0, at - then) * self.refill) - size
        tokens = max(tokens, -self.burst)
        if key not in self._spent and len(self._spent) >= self.max_keys:
            self._spent.clear()  # only forgives
        self._spent[key] = (tokens, at)
        return 0.0 if tokens >= 0 else -tokens / self.refill

    def forget(self, key: Hashable) -> None:
        self._spent.pop(key, None)


CONNECTION_BYTES = (32 * 1024, 256 * 1024)
"""Bytes a second and at once one connection may send before its reader pauses (a phone
sends a few hundred bytes an event; the largest real console events are a few KB)."""
ADDRESS_BYTES = (128 * 1024, 512 * 1024)
"""The same for all the connections of one address (300 phones behind one NAT send ~30 KB/s).
Reading costs: eventlet unmasks websocket frames in Python (~0.4 ms per KB)."""


class Limits:
    """One process's buckets: events per connection, joins per address, refusals per connection."""

    def __init__(self, config: Any) -> None:
        def setting(name: str) -> float:
            return float(config.get(name, DEFAULTS[name]))

        # In debt: a connection that keeps sending while refused gets nothing through.
        self.events = Buckets(setting("EVENT_RATE"), setting("EVENT_BURST"), debt=True)
        self.participants = Buckets(setting("EVENT_RATE"), setting("EVENT_BURST"), debt=True)
        self.joins = Buckets(setting("JOIN_RATE"), setting("JOIN_BURST"))
        self.bad_tokens = Buckets(setting("JOIN_RATE"), setting("JOIN_BURST"))
        self.flood_after = FLOOD_FACTOR * self.events.burst
        self._refused: dict[Hashable, tuple[float, int]] = {}  # sid -> (window start, refusals)
        self._cooling: dict[str, float] = {}  # credential hash -> until (time.monotonic())
        self.connection_bytes = ByteBudget(*CONNECTION_BYTES)
        self.address_bytes = ByteBudget(*ADDRESS_BYTES)
        # Handlers run on several threads (or green threads); a bucket update must not interleave.
        self._lock = threading.Lock()

    def spend_bytes(self, eio_sid: Hashable, address: Hashable, size: int) -> float:
        """Count a message's bytes: seconds the connection's reader should now pause (0.0)."""
        with self._lock:
            return max(
                self.connection_bytes.spend(eio_sid, size),
                self.address_bytes.spend(address, size),
            )

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

    def cool_down(self, credential: str, now: float | None = None) -> None:
        """`credential` was used by a connection closed for flooding: refuse it for a while."""
        at = time.monotonic() if now is None else now
        with self._lock:
            if len(self._cooling) >= 10_000:  # bounded: drop the expired ones
                self._cooling = {k: v for k, v in self._cooling.items() if v > at}
            self._cooling[credential] = at + FLOOD_COOLDOWN

    def cooling(self, credential: str, now: float | None = None) -> float | None:
        """Seconds until `credential` may identify a connection again, or None."""
        at = time.monotonic() if now is None else now
        with self._lock:
            until = self._cooling.get(credential)
        return until - at if until is not None and until > at else None

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


EVENT_REFUSAL = N_("Too many events from this connection; slow down.")


LANGUAGE_KEY = "workshop.language"
"""Where a connection keeps the language its screen chose (the `language` event)."""
HANDSHAKE_LANGUAGE = "workshop.handshake_language"
"""Where the guard keeps the language of a connection's handshake once it has read it."""


def language_of(environ: Mapping[str, Any]) -> str:
    """The language a connection's refusals are written in: what its screen chose with the
    `language` event, else its browser's at the handshake (cookie, else Accept-Language)."""
    chosen = environ.get(LANGUAGE_KEY)
    if isinstance(chosen, str) and chosen in i18n.LANGUAGES:
        return chosen
    known = environ.get(HANDSHAKE_LANGUAGE)
    if isinstance(known, str):
        return known
    cookie = parse_cookie(str(environ.get("HTTP_COOKIE") or "")).get(i18n.COOKIE)
    found = i18n.language_of(cookie, environ.get("HTTP_ACCEPT_LANGUAGE"))
    if isinstance(environ, dict):  # read once per connection: a flood's refusals cost nothing
        environ[HANDSHAKE_LANGUAGE] = found
    return found


def address_of(environ: Mapping[str, Any]) -> str:
    """The address a connection came from (ProxyFix has set it when behind proxies)."""
    return str(environ.get("REMOTE_ADDR") or "unknown")


def check_cooling(here: Limits, data: list[Any]) -> RateLimited | None:
    """An identifying packet (`join`, `facilitate`, `present`) whose credential belongs to a
    connection closed for flooding a moment ago is refused."""
    raw = data[1] if len(data) > 1 else None
    if not isinstance(raw, dict):
        return None
    keys = IDENTIFYING[data[0]]
    for key in (keys,) if isinstance(keys, str) else keys:
        secret = raw.get(key)
        if isinstance(secret, str) and secret:
            try:
                hashed = hash_secret(secret)
            except UnicodeEncodeError:  # a lone surrogate: no credential; the handler refuses it
                return None
            wait = here.cooling(hashed)
            if wait is not None:
                return RateLimited(
                    round(wait, 3),
                    gettext("This connection was closed for flooding; wait and retry."),
                )
    return None


def check_join(here: Limits, environ: Mapping[str, Any], data: list[Any]) -> RateLimited | None:
    """A `join` packet's per-address limit: a new participant takes a token from its address's
    bucket. A join with a token passes: the token is checked (`bad_token`) so that a good one
    is never refused for what others on the same address send."""
    raw = data[1] if len(data) > 1 else None
    address = address_of(environ)
    if isinstance(raw, dict) and raw.get("token"):
        return None
    wait = here.take_join(address)
    if wait is not None:
        return RateLimited(
            wait, gettext("Too many people joining from this address; try again shortly.")
        )
    return None


def bad_token() -> RateLimited | None:
    """A join with a token from this connection's address failed (unknown or removed): charge
    it to the address, and while the address's wrong tokens are over, the refusal to give."""
    here, address = limits(), address_of(request.environ)
    wait = here.token_joins_blocked(address)
    here.charge_bad_token(address)
    if wait is None:
        return None
    return RateLimited(wait, gettext("Too many wrong tokens from this address; try again shortly."))


def forget_connection() -> None:
    """Called when a connection closes."""
    sid = request.sid  # type: ignore[attr-defined]
    here = limits()
    here.forget(sid)
    eio_sid = socketio.server.manager.eio_sid_from_sid(sid, "/")
    if eio_sid is not None:
        here.connection_bytes.forget(eio_sid)


# --------------------------------------------------------------------------- malformed packets


def _flooding(server: Server, here: Limits, sid: str, identity: Any) -> None:
    """Count a refused event of `sid`; close the connection when it keeps flooding (and let
    its credential cool down)."""
    if here.refused(sid):
        log.warning("closing connection %s: it kept sending after it was throttled", sid)
        here.forget(sid)
        credential = getattr(identity, "credential", None)
        if credential:
            here.cool_down(credential)
        server.disconnect(sid, namespace="/")


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
        if sid is None:  # not connected to the namespace: python-socketio ignores it
            return handle_event(eio_sid, namespace, ack_id, data)
        here = limits(app)
        environ = server.environ.get(eio_sid) or {}
        identity = environ.get(IDENTITY_KEY)
        refusal: RateLimited | None = None
        wait = here.take_event(sid, getattr(identity, "participant_id", None))
        # Only a refusal is worded (in the connection's language): the common case costs nothing.
        if wait is not None or (data and data[0] in IDENTIFYING):
            with i18n.use_language(language_of(environ)):
                refusal = _refusal(server, here, sid, identity, environ, data, wait)
        if refusal is None:
            return handle_event(eio_sid, namespace, ack_id, data)
        if ack_id is not None:
            answer = {"ok": False, "error": refusal.as_payload()}
            server._send_packet(
                eio_sid,
                server.packet_class(
                    sio_packet.ACK, namespace=namespace or "/", id=ack_id, data=[answer]
                ),
            )
        # Refusals are answered inline in the connection's reader: it pauses before reading
        # the next frame (backpressure: a flooder's frames wait in its TCP buffers, unread).
        _pause(server, refusal.retry_after)
        return None

    server._handle_event = on_event

    def on_message(eio_sid: str, data: Any) -> Any:
        # Every message's bytes count, before it is decoded; over the budget the connection's
        # reader pauses after this message, so what it sends next is not even read for a while.
        environ = server.environ.get(eio_sid) or {}
        pause = limits(app).spend_bytes(eio_sid, address_of(environ), len(data or b""))
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
            else:
                pause = max(pause, wait)
            return None
        finally:
            if pause > 0:
                _pause(server, pause)

    on_message.guarded = True  # type: ignore[attr-defined]
    handlers["message"] = on_message


def _refusal(
    server: Server,
    here: Limits,
    sid: str,
    identity: Any,
    environ: Mapping[str, Any],
    data: Any,
    wait: float | None,
) -> RateLimited | None:
    """The refusal of a packet over a limit (in the language in force), or None."""
    refusal: RateLimited | None = None
    if wait is not None:
        refusal = RateLimited(wait, gettext(EVENT_REFUSAL))
        _flooding(server, here, sid, identity)
    elif data and data[0] in IDENTIFYING:
        refusal = check_cooling(here, data)
        if refusal is None and data[0] == "join":
            refusal = check_join(here, environ, data)
    return refusal


def _pause(server: Server, seconds: float) -> None:
    """Let the connection whose reader runs this wait (at most 1 s; other connections run
    meanwhile). Only under eventlet/gevent, where each connection has its own green reader;
    elsewhere (the test client, threading) just yield."""
    if server.async_mode in ("eventlet", "gevent", "gevent_uwsgi"):
        server.sleep(min(seconds, 1.0))
    else:
        server.sleep(0)


def init_app(app: Flask) -> None:
    """Install the packet guard on the app's Socket.IO server (after `socketio.init_app`)."""
    limits(app)
    guard(socketio.server, app)
