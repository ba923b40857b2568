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

from .. import activities
from ..activities import common, scoring
from ..activities.base import AnyEventSpec, Outcome, Role
from ..core.errors import DomainError
from ..core.payloads import (
    EmptyPayload,
    FacilitatePayload,
    IdeaHidePayload,
    JoinPayload,
    Payload,
    StagePayload,
    StagePhasePayload,
    parse,
)
from ..extensions import socketio
from ..persistence.db import get_db
from ..persistence.models import Participant, Workshop
from ..persistence.queries import get_participant, get_workshop
from ..services import stages, workshops
from . import snapshot
from .broadcast import (
    base_url,
    broadcast_state,
    emit_to_workshop,
    publish,
    room_all,
    room_facilitators,
    room_participant,
    room_projectors,
    schedule_participant_count,
)

log = logging.getLogger(__name__)

P = TypeVar("P", bound=Payload)
Ack = dict[str, Any]

# Every event a client may send, for the docs test.
CLIENT_EVENTS: list[str] = []
CORE_EVENTS: list[str] = []
"""The events this module answers itself (join, stage:phase, ...): no activity may declare one."""
SERVER_EVENTS = [
    "state",
    "idea:added",
    "participants",
    "tally",
    "workshop:finished",
    "suggestion:added",
]


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


def _answer(name: str, run: Callable[[], Ack]) -> Ack:
    """Run one event's work: its ack's fields, or an error ack. Nothing half-done is committed
    because services commit only at their end; a refusal rolls the session back."""
    try:
        return {"ok": True, **run()}
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


def client_event(
    name: str, model: type[P], *, role: Role | tuple[Role, ...] | None = None
) -> Callable[[Callable[[P, Any], Ack]], Callable[..., Ack]]:
    """Register a handler that gets a parsed payload and, when `role` is set, its identity.

    The handler returns the ack's fields; errors become error acks (see `_answer`).
    """

    def decorate(handler: Callable[[P, Any], Ack]) -> Callable[..., Ack]:
        @functools.wraps(handler)
        def wrapper(*args: Any) -> Ack:
            def run() -> Ack:
                payload = parse(model, args[0] if args else None)
                who: Any = None
                if role is not None:
                    who = _authorise(role)
                return handler(payload, who)

            return _answer(name, run)

        CLIENT_EVENTS.append(name)
        CORE_EVENTS.append(name)
        socketio.on_event(name, wrapper)
        return wrapper

    return decorate


def _authorise(role: Role | tuple[Role, ...]) -> Participant | Workshop:
    allowed = (role,) if isinstance(role, str) else role
    identity = current_identity()
    if identity is None:
        raise DomainError("not_joined", "Join a workshop (or open it as facilitator) first.")
    if identity.role not in allowed:
        raise DomainError("forbidden", f"Only the {' or the '.join(allowed)} can do that.")
    db = get_db()
    if identity.role == "participant":
        assert identity.participant_id is not None
        return get_participant(db, identity.participant_id)
    return get_workshop(db, identity.workshop_id)


# --------------------------------------------------------------------------- identification


@client_event("join", JoinPayload)
def on_join(payload: JoinPayload, _: None) -> Ack:
    """Participant joins by code, or resumes with its token. Acks token, participant and state;
    sends `state` to this connection and, for a new participant, a coalesced `participants`
    count to the console and projector."""
    db = get_db()
    joined = workshops.join(db, code=payload.code, name=payload.name, token=payload.token)
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
    workshop = workshops.authenticate_facilitator(
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


# --------------------------------------------------------------------------- activities


def _activity_event(name: str) -> AnyEventSpec:
    """The spec of an activity's event as the registry has it now (a kind registered,
    replaced or unregistered after start-up counts), or unknown_event."""
    for _activity, spec in activities.events():
        if spec.name == name:
            return spec
    raise _unknown(name)


def _unknown(name: str) -> DomainError:
    return DomainError("unknown_event", f"There is no event {name!r}.")


def _run_activity_event(name: str, raw: Any) -> Ack:
    """One activity event: parse, authorise, the activity's service, ack, publish."""
    spec = _activity_event(name)
    payload = parse(spec.payload, raw)
    who = _authorise(spec.roles)
    db = get_db()
    outcome: Outcome = spec.handler(db, who, payload)
    workshop_id = who.workshop_id if isinstance(who, Participant) else who.id
    publish(db, workshop_id, outcome.publish)
    return outcome.ack


def _register(name: str, summary: str) -> None:
    """One Socket.IO handler per activity event; it looks the event up when it runs."""

    def handler(*args: Any) -> Ack:
        return _answer(name, lambda: _run_activity_event(name, args[0] if args else None))

    handler.__doc__ = summary
    handler.__name__ = f"on_{name.replace(':', '_')}"
    CLIENT_EVENTS.append(name)
    socketio.on_event(name, handler)


def _declared_events() -> dict[str, AnyEventSpec]:
    """Every activity event by name; a name the app answers itself is refused (ValueError), so
    no handler is silently shadowed (`activities.register` refuses a name another kind has)."""
    declared: dict[str, AnyEventSpec] = {}
    for activity, spec in activities.events():
        if spec.name in CORE_EVENTS:
            raise ValueError(
                f"Activity {activity.kind!r} declares the event {spec.name!r}, which the app "
                "answers itself; give it a name of its own."
            )
        declared[spec.name] = spec
    return declared


def register_activity_events() -> None:
    """Register every activity event that has no handler yet (an activity registered since the
    last call); `create_app` calls it, so a plug-in registered before the app is built gets its
    named handler like the built-in kinds, and a name the app answers itself is refused here
    (ValueError). Events of a kind registered later still reach it through the catch-all,
    `on_other_event`."""
    for name, spec in _declared_events().items():
        if name not in CLIENT_EVENTS:
            _register(name, spec.summary)


def on_other_event(name: str, *args: Any) -> Ack:
    """Any event without a handler of its own: an activity's event when a kind registered after
    start-up declares it, else unknown_event (answered without touching the database)."""
    if not any(spec.name == name for _activity, spec in activities.events()):
        return {"ok": False, "error": _unknown(name).as_payload()}
    return _answer(name, lambda: _run_activity_event(name, args[0] if args else None))


socketio.on_event("*", on_other_event)


# --------------------------------------------------------------------------- facilitator


@client_event("stage:phase", StagePhasePayload, role="facilitator")
def on_stage_phase(payload: StagePhasePayload, workshop: Workshop) -> Ack:
    """Facilitator makes a stage current and sets its phase. Broadcasts `state` to everyone."""
    db = get_db()
    stage = stages.set_phase(db, workshop=workshop, stage_id=payload.stage_id, phase=payload.phase)
    broadcast_state(db, workshop)
    return {
        "stage": {
            "id": stage.id,
            "phase": common.current_kind(stage),
            "step": stage.step_index,
            "shortlist": list(stage.shortlist),
        }
    }


@client_event("results:reveal", StagePayload, role="facilitator")
def on_results_reveal(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator shows a stage's dot totals to participants and projector. Broadcasts `state`."""
    db = get_db()
    stage = stages.reveal_results(db, workshop=workshop, stage_id=payload.stage_id)
    broadcast_state(db, workshop)
    return {"stage": {"id": stage.id, "revealed": stage.revealed, "reveals": list(stage.reveals)}}


@client_event("round:start", StagePayload, role="facilitator")
def on_round_start(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator closes round 1 of the stage's revealed scoring step and opens round 2;
    everyone starts from their round-1 entries. Broadcasts `state`."""
    db = get_db()
    stage, number = scoring.start_round(db, workshop=workshop, stage_id=payload.stage_id)
    broadcast_state(db, workshop)
    return {"stage": {"id": stage.id, "round": number, "step": stage.step_index}}


@client_event("idea:hide", IdeaHidePayload, role="facilitator")
def on_idea_hide(payload: IdeaHidePayload, workshop: Workshop) -> Ack:
    """Facilitator hides an idea (or shows it again with "hidden": false). Broadcasts `state`."""
    db = get_db()
    idea = stages.hide_idea(db, workshop=workshop, idea_id=payload.idea_id, hidden=payload.hidden)
    broadcast_state(db, workshop)
    return {"idea": {"id": idea.id, "stage_id": idea.stage_id, "hidden": idea.hidden}}


@client_event("workshop:finish", EmptyPayload, role="facilitator")
def on_workshop_finish(_payload: EmptyPayload, workshop: Workshop) -> Ack:
    """Facilitator finishes the workshop; the plan is stored. Broadcasts `workshop:finished`
    with the plan URLs and a final `state`. Finishing again returns the same plan."""
    db = get_db()
    was_active = workshop.status == "active"
    stages.finish_workshop(db, workshop=workshop)
    links = snapshot.plan_links(workshop, base_url())
    if was_active:
        emit_to_workshop("workshop:finished", {"plan": links}, workshop.id)
        broadcast_state(db, workshop)
    return {"plan": links}


# Last, so the core's own events are known: an activity may not take one of their names.
register_activity_events()
