"""The facilitator's room events: locking joins and removing a participant.

Registered with `events.client_event` (rate limit, role from memory, `begin_write`, who from
the database, payload, handler); `events` imports this module at its end, so the names taken
from it below are already defined. Broadcasts go out after the service's commit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ..core.payloads import EmptyPayload, Payload
from ..persistence.db import get_db
from ..persistence.models import Workshop
from ..services import workshops
from . import broadcast
from .events import Ack, client_event

ParticipantId = Annotated[int, Field(ge=1, le=2**62)]


class ParticipantRemovePayload(Payload):
    participant_id: ParticipantId


def _lock(workshop: Workshop, locked: bool) -> Ack:
    db = get_db()
    changed = workshop.join_locked != locked
    workshops.set_join_lock(db, workshop, locked)
    if changed:  # locking a locked room again costs the screens nothing
        broadcast.broadcast_state(db, workshop)
    return {"join_locked": workshop.join_locked}


@client_event("join:lock", EmptyPayload, role="facilitator")
def on_join_lock(_payload: EmptyPayload, workshop: Workshop) -> Ack:
    """Facilitator closes joining: a new `join` answers `join_locked`, while people who joined
    still resume with their token. Acks `{"join_locked": true}`; broadcasts `state` when it
    was open (locking a locked room again changes nothing and tells nobody)."""
    return _lock(workshop, True)


@client_event("join:unlock", EmptyPayload, role="facilitator")
def on_join_unlock(_payload: EmptyPayload, workshop: Workshop) -> Ack:
    """Facilitator opens joining again. Acks `{"join_locked": false}`; broadcasts `state` when
    it was locked."""
    return _lock(workshop, False)


@client_event("participant:remove", ParticipantRemovePayload, role="facilitator")
def on_participant_remove(payload: ParticipantRemovePayload, workshop: Workshop) -> Ack:
    """Facilitator removes a participant: their connections get `participant:removed`
    `{"message"}` and are disconnected, their token answers `participant_removed` from then
    on, and their entries drop out (see `workshops.remove_participant`). Acks
    `{"participant": {"id", "removed": true}}`; broadcasts `state` and the `participants`
    count. Removing someone again changes nothing and acks the same."""
    db = get_db()
    earlier = workshops.get_participant_of(db, workshop, payload.participant_id).removed_at
    participant = workshops.remove_participant(
        db, workshop=workshop, participant_id=payload.participant_id
    )
    if earlier is None:  # removing again changes nothing and tells nobody
        broadcast.revoke(workshop.id, "participant", participant_id=participant.id)
        broadcast.broadcast_state(db, workshop)
        broadcast.schedule_participant_count(workshop.id)
    answer: dict[str, Any] = {"id": participant.id, "removed": True}
    return {"participant": answer}
