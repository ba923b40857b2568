"""Rotating the room's credentials: the facilitator key and the projector token.

Both routes need the current facilitator key as a Bearer token, take the write lock first,
rotate, commit, and only then tell the connections that opened with the old credential
(`access:revoked`, then disconnect them): the console that asked reconnects with the new key.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..persistence.db import begin_write, get_db
from ..realtime import broadcast, snapshot
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
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    key = workshops.rotate_key(db, workshop)
    broadcast.revoke(workshop.id, "facilitator")
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
