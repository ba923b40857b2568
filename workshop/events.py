"""Socket.IO handlers. Each one: parse the payload, authorise, call one service, ack, broadcast.

Every client event takes an ack callback and is answered `{"ok": true, ...}` or
`{"ok": false, "error": {"code", "message"}}`. Domain errors roll back and change nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from flask import request
from flask_socketio import join_room, leave_room, rooms

from . import services, snapshot
from .broadcast import (
    base_url,
    broadcast_state,
    emit_idea_added,
    emit_to_workshop,
    room_all,
    room_facilitators,
    room_participant,
    room_projectors,
    schedule_participant_count,
    schedule_tally,
)
from .db import get_db
from .errors import DomainError
from .extensions import socketio
from .models import Participant, Workshop
from .payloads import (
    EmptyPayload,
    FacilitatePayload,
    IdeaHidePayload,
    IdeaSubmitPayload,
    JoinPayload,
    Payload,
    RankingSetPayload,
    StagePayload,
    StagePhasePayload,
    VotesSetPayload,
    parse,
)

log = logging.getLogger(__name__)

Role = Literal["facilitator", "projector", "participant"]
P = TypeVar("P", bound=Payload)
Ack = dict[str, Any]

# Every event a client may send, for the docs test.
CLIENT_EVENTS: list[str] = []
SERVER_EVENTS = ["state", "idea:added", "participants", "tally", "workshop:finished"]


@dataclass(frozen=True)
class Identity:
    """Who this connection speaks for; kept in the Socket.IO session of the connection."""

    role: Role
    workshop_id: str
    participant_id: int | None = None


IDENTITY_KEY = "workshop.identity"


def current_identity() -> Identity | None:
    """The identity bound to this connection by join, facilitate or present.

    Flask-SocketIO keeps one WSGI environ per connection and hands it to every event, so the
    identity lives there: per connection, in this process, gone when the connection closes.
    """
    identity = request.environ.get(IDENTITY_KEY)
    return identity if isinstance(identity, Identity) else None


def bind_identity(identity: Identity, room_names: list[str]) -> None:
    """Bind this connection to one identity, leaving the rooms of any earlier one."""
    sid = request.sid  # type: ignore[attr-defined]
    for room in rooms():
        if room != sid:
            leave_room(room)
    for room in room_names:
        join_room(room)
    request.environ[IDENTITY_KEY] = identity


def client_event(
    name: str, model: type[P], *, role: Role | None = None
) -> Callable[[Callable[[P, Any], Ack]], Callable[..., Ack]]:
    """Register a handler that gets a parsed payload and, when `role` is set, its identity.

    The handler returns the ack's fields; errors become error acks, and nothing half-done is
    committed because services commit only at their end.
    """

    def decorate(handler: Callable[[P, Any], Ack]) -> Callable[..., Ack]:
        @functools.wraps(handler)
        def wrapper(*args: Any) -> Ack:
            try:
                payload = parse(model, args[0] if args else None)
                who: Any = None
                if role is not None:
                    who = _authorise(role)
                return {"ok": True, **handler(payload, who)}
            except DomainError as exc:
                get_db().rollback()
                return {"ok": False, "error": exc.as_payload()}
            except Exception:
                get_db().rollback()
                log.exception("event %s failed", name)
                return {
                    "ok": False,
                    "error": {
                        "code": "internal_error",
                        "message": "Something went wrong; try again.",
                    },
                }

        CLIENT_EVENTS.append(name)
        socketio.on_event(name, wrapper)
        return wrapper

    return decorate


def _authorise(role: Role) -> Participant | Workshop:
    identity = current_identity()
    if identity is None:
        raise DomainError("not_joined", "Join a workshop (or open it as facilitator) first.")
    if identity.role != role:
        raise DomainError("forbidden", f"Only the {role} can do that.")
    db = get_db()
    if role == "participant":
        assert identity.participant_id is not None
        return services.get_participant(db, identity.participant_id)
    return services.get_workshop(db, identity.workshop_id)


# --------------------------------------------------------------------------- identification


@client_event("join", JoinPayload)
def on_join(payload: JoinPayload, _: None) -> Ack:
    """Participant joins by code, or resumes with its token. Acks token, participant and state;
    sends `state` to this connection and, for a new participant, a coalesced `participants`
    count to the console and projector."""
    db = get_db()
    joined = services.join(db, code=payload.code, name=payload.name, token=payload.token)
    workshop, participant = joined.workshop, joined.participant
    assert participant.id is not None
    bind_identity(
        Identity("participant", workshop.id, participant.id),
        [room_all(workshop.id), room_participant(participant.id)],
    )
    state = snapshot.state_for_participant(db, workshop, participant, base_url())
    socketio.emit("state", state, to=request.sid)  # type: ignore[attr-defined]
    if not joined.resumed:
        schedule_participant_count(workshop.id)
    return {
        "token": joined.token,
        "resumed": joined.resumed,
        "participant": {"id": participant.id, "name": participant.name},
        "state": state,
    }


def _open_screen(payload: FacilitatePayload, role: Literal["facilitator", "projector"]) -> Ack:
    """Bind this connection to a workshop's console or projector and send it its state."""
    db = get_db()
    workshop = services.authenticate_facilitator(
        db, workshop_id=payload.workshop_id, key=payload.key
    )
    room = room_facilitators if role == "facilitator" else room_projectors
    bind_identity(Identity(role, workshop.id), [room_all(workshop.id), room(workshop.id)])
    state = snapshot.public_state(snapshot.load_view(db, workshop), role, base_url())
    socketio.emit("state", state, to=request.sid)  # type: ignore[attr-defined]
    return {"state": state}


@client_event("facilitate", FacilitatePayload)
def on_facilitate(payload: FacilitatePayload, _: None) -> Ack:
    """Facilitator console identifies with the workshop id and key. Acks the facilitator state."""
    return _open_screen(payload, "facilitator")


@client_event("present", FacilitatePayload)
def on_present(payload: FacilitatePayload, _: None) -> Ack:
    """Projector identifies with the workshop id and facilitator key; it gets the public state
    (dot totals only once revealed) and cannot change anything."""
    return _open_screen(payload, "projector")


# --------------------------------------------------------------------------- participants


def _idea_json(idea: Any) -> dict[str, Any]:
    return {"id": idea.id, "stage_id": idea.stage_id, "text": idea.text}


@client_event("idea:submit", IdeaSubmitPayload, role="participant")
def on_idea_submit(payload: IdeaSubmitPayload, participant: Participant) -> Ack:
    """Participant adds an idea in brainstorm. Sends `idea:added` to the console and projector
    (only the first time: a retry with the same client_id returns the stored idea)."""
    idea, created = services.submit_idea(
        get_db(),
        participant=participant,
        stage_id=payload.stage_id,
        text=payload.text,
        client_id=payload.client_id,
    )
    if created:
        emit_idea_added({"idea": _idea_json(idea)}, participant.workshop_id)
    return {"idea": _idea_json(idea), "duplicate": not created}


@client_event("votes:set", VotesSetPayload, role="participant")
def on_votes_set(payload: VotesSetPayload, participant: Participant) -> Ack:
    """Participant replaces its dot allocation for a stage. A change schedules a `tally`."""
    stage, allocation, remaining, changed = services.set_votes(
        get_db(), participant=participant, stage_id=payload.stage_id, votes=payload.allocation()
    )
    if changed:
        assert stage.id is not None
        schedule_tally(participant.workshop_id, stage.id)
    return {"votes": {str(k): v for k, v in allocation.items()}, "remaining": remaining}


@client_event("ranking:set", RankingSetPayload, role="participant")
def on_ranking_set(payload: RankingSetPayload, participant: Participant) -> Ack:
    """Participant replaces its order of a stage's shortlist. A change schedules a `tally`."""
    stage, order, changed = services.set_ranking(
        get_db(), participant=participant, stage_id=payload.stage_id, order=payload.order
    )
    if changed:
        assert stage.id is not None
        schedule_tally(participant.workshop_id, stage.id)
    return {"order": order}


# --------------------------------------------------------------------------- facilitator


@client_event("stage:phase", StagePhasePayload, role="facilitator")
def on_stage_phase(payload: StagePhasePayload, workshop: Workshop) -> Ack:
    """Facilitator makes a stage current and sets its phase. Broadcasts `state` to everyone."""
    db = get_db()
    stage = services.set_phase(
        db, workshop=workshop, stage_id=payload.stage_id, phase=payload.phase
    )
    broadcast_state(db, workshop)
    return {"stage": {"id": stage.id, "phase": stage.phase, "shortlist": list(stage.shortlist)}}


@client_event("results:reveal", StagePayload, role="facilitator")
def on_results_reveal(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator shows a stage's dot totals to participants and projector. Broadcasts `state`."""
    db = get_db()
    stage = services.reveal_results(db, workshop=workshop, stage_id=payload.stage_id)
    broadcast_state(db, workshop)
    return {"stage": {"id": stage.id, "revealed": stage.revealed}}


@client_event("idea:hide", IdeaHidePayload, role="facilitator")
def on_idea_hide(payload: IdeaHidePayload, workshop: Workshop) -> Ack:
    """Facilitator hides an idea (or shows it again with "hidden": false). Broadcasts `state`."""
    db = get_db()
    idea = services.hide_idea(db, workshop=workshop, idea_id=payload.idea_id, hidden=payload.hidden)
    broadcast_state(db, workshop)
    return {"idea": {"id": idea.id, "stage_id": idea.stage_id, "hidden": idea.hidden}}


@client_event("workshop:finish", EmptyPayload, role="facilitator")
def on_workshop_finish(_payload: EmptyPayload, workshop: Workshop) -> Ack:
    """Facilitator finishes the workshop; the plan is stored. Broadcasts `workshop:finished`
    with the plan URLs and a final `state`. Finishing again returns the same plan."""
    db = get_db()
    was_active = workshop.status == "active"
    services.finish_workshop(db, workshop=workshop)
    links = snapshot.plan_links(workshop, base_url())
    if was_active:
        emit_to_workshop("workshop:finished", {"plan": links}, workshop.id)
        broadcast_state(db, workshop)
    return {"plan": links}
