"""Rotating the room's credentials: the facilitator key and the projector token.

Both routes need the current facilitator key as a Bearer token, take the write lock first,
rotate, commit, and only then tell the connections that opened with the old credential
(`access:revoked`, then disconnect them): the console that asked reconnects with the new key.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..core.security import hash_secret
from ..extensions import socketio
from ..i18n import N_
from ..persistence.db import begin_write, get_db
from ..realtime import broadcast, snapshot
from ..realtime.events import IDENTITY_KEY, Identity
from ..services import workshops
from .hosts import public_base_url
from .views import _bearer

bp = Blueprint("access", __name__)


@bp.post("/api/workshops/<workshop_id>/key")
def rotate_key(workshop_id: str) -> Response:
    """A new facilitator key: `{"key", "facilitator_url"}`. The old key fails everywhere from
    now on (HTTP, and the next event of a socket that opened with it); connected consoles get
    `access:revoked` and are disconnected."""
    db = get_db()
    begin_write(db)
    old = _bearer()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=old)
    key = workshops.rotate_key(db, workshop)
    broadcast.revoke(workshop.id, "facilitator")
    _close_screens_opened_with(workshop.id, hash_secret(old))
    response = jsonify(
        {"key": key, "facilitator_url": f"{public_base_url()}w/{workshop.id}/facilitate#key={key}"}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/workshops/<workshop_id>/projector-token")
def rotate_projector_token(workshop_id: str) -> Response:
    """A new projector token: `{"projector_token", "projector_url"}`. The old projector link
    stops working; connected room screens get `access:revoked` and are disconnected."""
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    token = workshops.rotate_projector_token(db, workshop)
    broadcast.revoke(workshop.id, "projector")
    # The consoles' state carries the projector link: theirs changes.
    broadcast.broadcast_state(db, workshop)
    response = jsonify(
        {
            "projector_token": token,
            "projector_url": snapshot.projector_url(workshop, public_base_url()),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


SCREEN_KEY_REPLACED = N_(
    "The facilitator key this room screen was opened with was replaced; open the projector link."
)


def _close_screens_opened_with(workshop_id: str, credential: str) -> None:
    """Room screens opened with the old facilitator key (`present` with `key`) send nothing
    that could be refused, so they are told (`access:revoked`, role projector) and closed
    here; screens opened with the projector token stay. This process's connections: in another
    process such a screen keeps the projector's read-only state until it identifies again."""
    server = socketio.server
    room = broadcast.room_projectors(workshop_id)
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        environ = server.get_environ(sid, namespace="/") or {}
        identity = environ.get(IDENTITY_KEY)
        if isinstance(identity, Identity) and identity.credential == credential:
            payload = {"role": "projector", "message": SCREEN_KEY_REPLACED}
            socketio.emit("access:revoked", payload, to=sid)
            server.disconnect(sid, namespace="/")
