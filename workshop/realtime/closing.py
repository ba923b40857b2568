"""Closing a deleted workshop's live rooms: every connected client is told (`workshop:closed`)
and disconnected, and nothing in this process's memory keeps the workshop.

Like `broadcast.revoke`: the event goes to the workshop's room (through the message queue when
there is one, so every process's clients hear it), and this process's connections are then
closed. A client of another process, or one that reconnects, is refused on its next event:
its workshop is gone (`workshop_not_found`). Call it after the delete was committed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app

from ..extensions import socketio
from ..i18n import N_
from .broadcast import Coalescer, room_all

log = logging.getLogger(__name__)

CLOSED_EVENT = "workshop:closed"
MESSAGES = {
    "deleted": N_("This workshop was deleted by its facilitator."),
    "expired": N_("This workshop was closed: finished workshops are deleted after a while."),
    "removed": N_("This workshop was deleted by the server's administrator."),
}


def closed_payload(workshop_id: str, reason: str) -> dict[str, Any]:
    """`{"workshop_id", "reason", "message"}`: what every screen of the workshop is told."""
    if reason not in MESSAGES:
        raise ValueError(f"no reason {reason!r} to close a workshop")
    return {"workshop_id": workshop_id, "reason": reason, "message": MESSAGES[reason]}


def close_workshop(workshop_id: str, *, reason: str = "deleted", app: Flask | None = None) -> None:
    """Tell every client of the workshop it is closed, then disconnect them, and drop what this
    process keeps of the workshop (its pending coalesced tallies and counts). `app`: the app
    when called outside its context (the daily purge)."""
    payload = closed_payload(workshop_id, reason)
    _forget(app or current_app._get_current_object(), workshop_id)  # type: ignore[attr-defined]
    room = room_all(workshop_id)
    socketio.emit(CLOSED_EVENT, payload, to=room)
    server = socketio.server
    if server is None:  # no Socket.IO server in this process yet: nobody is connected
        return
    # The event is queued on each connection before its disconnect packet, so it arrives first.
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/")


def _forget(app: Flask, workshop_id: str) -> None:
    """Drop this process's in-memory state of the workshop: the coalescer's pending tallies
    and counts (a flush due later would find no workshop). Nothing else in memory is keyed by
    a workshop: identities live on their connections (closed here), timers in the database."""
    coalescer = app.extensions.get("workshop_coalescer")
    if isinstance(coalescer, Coalescer):
        coalescer.forget(workshop_id)
