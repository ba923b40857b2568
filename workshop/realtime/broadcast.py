"""Who hears what: the rooms of a workshop, state broadcasts and coalesced tallies.

Rooms per workshop: everyone (`ws:<id>`), facilitators, projectors, and one room per
participant so each phone gets its own `me`. Rooms are names, not in-process lists, so the
same code works when several processes share rooms through a message queue.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlmodel import Session

from ..activities.base import Publication, StateChanged, Tally, ToConsole, ToScreens
from ..core.errors import DomainError
from ..extensions import socketio
from ..i18n import N_
from ..persistence.db import get_engine
from ..persistence.models import Workshop
from ..persistence.queries import get_workshop, list_stages, participant_count
from ..services import workshops
from ..web.hosts import public_base_url
from . import snapshot
from .codec import Shared, WithMe

log = logging.getLogger(__name__)


def room_all(workshop_id: str) -> str:
    return f"ws:{workshop_id}"


def room_facilitators(workshop_id: str) -> str:
    return f"ws:{workshop_id}:facilitators"


def room_projectors(workshop_id: str) -> str:
    return f"ws:{workshop_id}:projectors"


def room_participant(participant_id: int) -> str:
    return f"participant:{participant_id}"


def base_url() -> str:
    """The address people reach this server at, ending in '/': PUBLIC_URL or the listening
    address, never the request's Host header (see `web.hosts`)."""
    return public_base_url()


REVOKED = {
    "facilitator": (
        "access:revoked",
        N_(
            "The facilitator key was replaced; this console no longer opens the workshop. "
            "Open the new facilitator link."
        ),
    ),
    "projector": (
        "access:revoked",
        N_("This room screen's link was replaced; open the new projector link."),
    ),
    "participant": (
        "participant:removed",
        N_("The facilitator removed you from this workshop."),
    ),
}


def revoke(workshop_id: str, role: str, *, participant_id: int | None = None) -> None:
    """Tell the connections of a revoked credential why, then close them: the consoles
    (`access:revoked` `{"role", "message"}`) after a key rotation, the room screens after a
    projector token rotation, a removed participant's phones (`participant:removed`
    `{"message"}`). Call it after the commit. The event goes to the room through the message
    queue when there is one; the disconnect reaches this process's connections (another
    process's are refused on their next event: their credential no longer matches)."""
    if role == "participant":
        if participant_id is None:
            raise ValueError("revoking a participant needs its participant_id")
        room = room_participant(participant_id)
    elif role == "facilitator":
        room = room_facilitators(workshop_id)
    elif role == "projector":
        room = room_projectors(workshop_id)
    else:
        raise ValueError(f"no role {role!r} to revoke")
    event, message = REVOKED[role]
    payload = {"message": message} if role == "participant" else {"role": role, "message": message}
    socketio.emit(event, payload, to=room)
    server = socketio.server
    # The event is queued on each connection before its disconnect packet, so it arrives first.
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/")


F = TypeVar("F", bound=Callable[..., None])


def after_commit(send: F) -> F:
    """A broadcast runs after the write was committed and acknowledged-to-be: if it fails, the
    write still stands, so the failure is logged and the ack still says ok (the next change
    or a reconnect brings everyone the current state)."""

    @functools.wraps(send)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            send(*args, **kwargs)
        except Exception:
            log.exception("%s failed after a committed write", send.__name__)

    return guarded  # type: ignore[return-value]


@after_commit
def broadcast_state(db: Session, workshop: Workshop) -> None:
    """Send every audience of a workshop its fresh snapshot (after a phase change and the like).

    The workshop is read once. Each audience's snapshot is built and serialised once; each
    phone's packet is that shared text with its own small `me` spliced in (see `codec`).
    """
    view = snapshot.load_view(db, workshop)
    url = base_url()
    socketio.emit(
        "state",
        Shared(snapshot.public_state(view, "facilitator", url)),
        to=room_facilitators(workshop.id),
    )
    socketio.emit(
        "state",
        Shared(snapshot.public_state(view, "projector", url)),
        to=room_projectors(workshop.id),
    )
    public = Shared(snapshot.public_state(view, "participant", url))
    for participant_id, me in snapshot.participant_parts(db, view).items():
        socketio.emit("state", WithMe(public, me), to=room_participant(participant_id))


@after_commit
def publish(db: Session, workshop_id: str, publications: tuple[Publication, ...]) -> None:
    """Carry out what a handler asked to publish, after its write was committed."""
    for item in publications:
        if isinstance(item, Tally):
            schedule_tally(workshop_id, item.stage_id)
        elif isinstance(item, ToScreens):
            socketio.emit(item.event, item.payload, to=room_facilitators(workshop_id))
            socketio.emit(item.event, item.payload, to=room_projectors(workshop_id))
        elif isinstance(item, ToConsole):
            socketio.emit(item.event, item.payload, to=room_facilitators(workshop_id))
    if any(isinstance(item, StateChanged) for item in publications):
        broadcast_state(db, get_workshop(db, workshop_id))


def emit_participant_count(db: Session, workshop_id: str, url: str | None = None) -> None:
    """Send the facilitators and projectors how many people have joined. In the lobby the
    console also gets a fresh state (its URLs on `url`), which names who has joined."""
    payload = {"count": participant_count(db, workshop_id)}
    socketio.emit("participants", payload, to=room_facilitators(workshop_id))
    socketio.emit("participants", payload, to=room_projectors(workshop_id))
    workshop = get_workshop(db, workshop_id)
    if url is not None and workshops.in_lobby(workshop, list_stages(db, workshop_id)):
        view = snapshot.load_view(db, workshop)
        state = Shared(snapshot.public_state(view, "facilitator", url))
        socketio.emit("state", state, to=room_facilitators(workshop_id))


def emit_tally(db: Session, workshop_id: str, stage_id: int) -> None:
    """Send the facilitators and projectors the current tally of one stage (from counters)."""
    workshop = get_workshop(db, workshop_id)
    console, projector = snapshot.tallies(db, workshop, stage_id)
    socketio.emit("tally", console, to=room_facilitators(workshop_id))
    socketio.emit("tally", projector, to=room_projectors(workshop_id))


class Coalescer:
    """Turns a burst of changes into at most one broadcast per key every TALLY_INTERVAL seconds.

    The first change of a burst schedules a flush; later changes inside the interval ride on
    it. The flush reads from the database, so it is always current. The pending set is a
    scheduling hint, never data: losing it loses nothing.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pending: set[tuple[Any, ...]] = set()
        # Keys of a deleted workshop whose flush is already sleeping: it sends nothing.
        self._forgotten: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()

    def forget(self, workshop_id: str) -> None:
        """Drop the pending flushes of a deleted workshop (`realtime/closing.py`): a flush
        already sleeping finds its key dropped and sends nothing."""
        with self._lock:
            dropped = {key for key in self._pending if len(key) > 1 and key[1] == workshop_id}
            self._pending -= dropped
            self._forgotten |= dropped

    def schedule(self, key: tuple[Any, ...], flush: Callable[[Session], None]) -> None:
        """Run `flush` soon with a fresh database session; a no-op when `key` is already due."""
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        socketio.start_background_task(self._flush_later, key, flush)

    def _flush_later(self, key: tuple[Any, ...], flush: Callable[[Session], None]) -> None:
        socketio.sleep(float(self._app.config["TALLY_INTERVAL"]))
        with self._lock:
            if key in self._forgotten:
                self._forgotten.discard(key)
                return
            # Cleared before reading, so a change landing during the read schedules a new flush.
            self._pending.discard(key)
        try:
            with self._app.app_context(), Session(get_engine(self._app)) as db:
                flush(db)
        except DomainError as exc:
            # Deleted meanwhile (by another process, which could not forget it here).
            if exc.code != "workshop_not_found":
                log.exception("coalesced broadcast %s failed", key)
            else:
                log.debug("coalesced broadcast %s: the workshop was deleted", key)
        except Exception:  # a failed broadcast must not kill the server; the next change retries
            log.exception("coalesced broadcast %s failed", key)


def _coalescer() -> Coalescer:
    coalescer: Coalescer = current_app.extensions["workshop_coalescer"]
    return coalescer


def schedule_tally(workshop_id: str, stage_id: int) -> None:
    """A `tally` of this stage for the console and projector, coalesced."""
    _coalescer().schedule(
        ("tally", workshop_id, stage_id), lambda db: emit_tally(db, workshop_id, stage_id)
    )


def schedule_participant_count(workshop_id: str) -> None:
    """A `participants` count for the console and projector, coalesced (joins come in bursts);
    in the lobby also the console's state. The address is read now, from the join's request:
    the flush runs outside it."""
    url = base_url()
    _coalescer().schedule(
        ("participants", workshop_id), lambda db: emit_participant_count(db, workshop_id, url)
    )


def emit_to_workshop(event: str, payload: dict[str, Any], workshop_id: str) -> None:
    """Send one event to everyone in a workshop."""
    socketio.emit(event, payload, to=room_all(workshop_id))
