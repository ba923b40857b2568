"""Who hears what: the rooms of a workshop, state broadcasts and coalesced tallies.

Rooms per workshop: everyone (`ws:<id>`), facilitators, projectors, and one room per
participant so each phone gets its own `me`. Rooms are names, not in-process lists, so the
same code works when several processes share rooms through a message queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlmodel import Session

from . import services, snapshot
from .db import get_engine
from .extensions import socketio
from .models import Workshop

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
    """The address people reach this server at, ending in '/': PUBLIC_URL or the request's."""
    public = str(current_app.config.get("PUBLIC_URL") or "")
    if public:
        return public.rstrip("/") + "/"
    if has_request_context():
        return request.host_url
    return f"http://{current_app.config['HOST']}:{current_app.config['PORT']}/"


def broadcast_state(db: Session, workshop: Workshop) -> None:
    """Send every audience of a workshop its fresh snapshot (after a phase change and the like)."""
    view = snapshot.load_view(db, workshop)
    url = base_url()
    socketio.emit(
        "state",
        snapshot.public_state(view, "facilitator", url),
        to=room_facilitators(workshop.id),
    )
    socketio.emit(
        "state", snapshot.public_state(view, "projector", url), to=room_projectors(workshop.id)
    )
    public = snapshot.public_state(view, "participant", url)
    for participant_id, me in snapshot.participant_parts(db, view).items():
        socketio.emit(
            "state", snapshot.participant_state(public, me), to=room_participant(participant_id)
        )


def emit_participant_count(db: Session, workshop_id: str) -> None:
    """Send the facilitators and projectors how many people have joined."""
    payload = {"count": services.participant_count(db, workshop_id)}
    socketio.emit("participants", payload, to=room_facilitators(workshop_id))
    socketio.emit("participants", payload, to=room_projectors(workshop_id))


def emit_idea_added(payload: dict[str, Any], workshop_id: str) -> None:
    """Send a new idea to the screens that show the idea wall: console and projector.

    Phones do not get every idea live: with hundreds of phones that would be hundreds of
    messages per idea. They see the ideas when voting starts.
    """
    socketio.emit("idea:added", payload, to=room_facilitators(workshop_id))
    socketio.emit("idea:added", payload, to=room_projectors(workshop_id))


def emit_tally(db: Session, workshop_id: str, stage_id: int) -> None:
    """Send the facilitators and projectors the current tally of one stage."""
    view = snapshot.load_view(db, services.get_workshop(db, workshop_id))
    stage = next(stage for stage in view.stages if stage.id == stage_id)
    socketio.emit(
        "tally", snapshot.tally(view, stage, "facilitator"), to=room_facilitators(workshop_id)
    )
    socketio.emit(
        "tally", snapshot.tally(view, stage, "projector"), to=room_projectors(workshop_id)
    )


class Coalescer:
    """Turns a burst of changes into at most one broadcast per key every TALLY_INTERVAL seconds.

    The first change of a burst schedules a flush; later changes inside the interval ride on
    it. The flush reads from the database, so it is always current. The pending set is a
    scheduling hint, never data: losing it loses nothing.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pending: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()

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
            # Cleared before reading, so a change landing during the read schedules a new flush.
            self._pending.discard(key)
        try:
            with self._app.app_context(), Session(get_engine(self._app)) as db:
                flush(db)
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
    """A `participants` count for the console and projector, coalesced (joins come in bursts)."""
    _coalescer().schedule(
        ("participants", workshop_id), lambda db: emit_participant_count(db, workshop_id)
    )


def emit_to_workshop(event: str, payload: dict[str, Any], workshop_id: str) -> None:
    """Send one event to everyone in a workshop."""
    socketio.emit(event, payload, to=room_all(workshop_id))
