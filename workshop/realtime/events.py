"""Socket.IO handlers. Each one: throttle, authorise, parse, one service call, ack, broadcast.

Every client event takes an ack callback and is answered `{"ok": true, ...}` or
`{"ok": false, "error": {"code", "message"}}`. Domain errors roll back and change nothing.

The order in every handler is fixed, cheapest refusal first, so a client that may not do
something costs the server next to nothing:
1. the connection's rate limit, and for `join` the address's (`limits.guard`, in the packet
   reader; `rate_limited` with `retry_after`, no other work);
2. the role, from the identity this connection holds in memory (`not_joined`, `forbidden`; no
   database, no payload parsing);
3. `begin_write(db)` for a writing event, so every check below runs inside the write lock;
4. who, loaded from the database (a removed participant gets `participant_removed`, a console
   whose key was rotated `unauthorized`);
5. the payload, parsed into its typed model (`invalid_payload`);
6. one service call, the ack, then the broadcasts (after the commit).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from flask import g, request
from flask_socketio import join_room, leave_room, rooms

from .. import activities, i18n
from ..activities import common, scoring
from ..activities.base import AnyEventSpec, Outcome, Role
from ..core.errors import DomainError
from ..core.payloads import (
    EmptyPayload,
    FacilitatePayload,
    IdeaHidePayload,
    JoinPayload,
    LanguagePayload,
    Payload,
    PresentPayload,
    StagePayload,
    StagePhasePayload,
    parse,
)
from ..core.security import hash_secret
from ..extensions import socketio
from ..persistence.db import begin_write, get_db
from ..persistence.models import Participant, Workshop
from ..persistence.queries import get_participant, get_workshop
from ..services import stages, workshops
from . import codec, limits, snapshot
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
    "access:revoked",
    "participant:removed",
    "workshop:closed",
]


@dataclass(frozen=True)
class Identity:
    """Who this connection speaks for; kept in the Socket.IO session of the connection."""

    role: Role
    workshop_id: str
    participant_id: int | None = None
    credential: str | None = None
    """The hash of the key or token this connection opened with: once the facilitator key is
    rotated, the next event of a console that opened with the old one is refused."""


IDENTITY_KEY = limits.IDENTITY_KEY


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


def _rollback() -> None:
    """Roll back this event's session, if it opened one (a refusal before any query has none)."""
    db = g.get("db")
    if db is not None:
        db.rollback()


LANGUAGE_KEY = limits.LANGUAGE_KEY


def connection_language() -> str:
    """The language of this connection's screen: what it said with `language`, else its
    browser's at the handshake (the switcher's cookie, else Accept-Language), read once per
    connection (`limits.language_of`, which the packet guard's refusals use too)."""
    return limits.language_of(request.environ)


def _answer(name: str, run: Callable[[], Ack]) -> Ack:
    """Run one event's work: its ack's fields, or an error ack. Nothing half-done is committed
    because services commit only at their end; a refusal rolls the session back. The event
    runs in its connection's language, so a refusal's message is in the reader's.

    Before this runs, the event took a token from its connection's bucket (`limits.guard`)."""
    with i18n.use_language(connection_language()):
        return _answer_in_language(name, run)


def _answer_in_language(name: str, run: Callable[[], Ack]) -> Ack:
    try:
        return {"ok": True, **run()}
    except DomainError as exc:
        _rollback()
        return {"ok": False, "error": exc.as_payload()}
    except Exception:
        _rollback()
        log.exception("event %s failed", name)
        return {
            "ok": False,
            "error": {
                "code": "internal_error",
                "message": i18n.gettext("Something went wrong; try again."),
            },
        }


def client_event(
    name: str,
    model: type[P],
    *,
    role: Role | tuple[Role, ...] | None = None,
    writes: bool = True,
) -> Callable[[Callable[[P, Any], Ack]], Callable[..., Ack]]:
    """Register a handler that gets a parsed payload and, when `role` is set, who sent it (the
    participant, or the workshop for its console).

    In the order of the module's docstring: rate limit (and, for `join`, the per-address join
    limit; both in `limits.guard`), role (from memory), `begin_write` when the event `writes`,
    who (from the database), payload, handler. The handler returns the ack's fields; errors
    become error acks (see `_answer`).
    """

    def decorate(handler: Callable[[P, Any], Ack]) -> Callable[..., Ack]:
        @functools.wraps(handler)
        def wrapper(*args: Any) -> Ack:
            raw = args[0] if args else None

            def run() -> Ack:
                identity = _check_role(role) if role is not None else None
                if writes:
                    begin_write(get_db())
                who: Any = _load_who(identity) if identity is not None else None
                payload = parse(model, raw)
                return handler(payload, who)

            return _answer(name, run)

        CLIENT_EVENTS.append(name)
        CORE_EVENTS.append(name)
        socketio.on_event(name, wrapper)
        return wrapper

    return decorate


ROLE_NAMES = {
    "participant": i18n.N_("Only the participant can do that."),
    "facilitator": i18n.N_("Only the facilitator can do that."),
    "projector": i18n.N_("Only the projector can do that."),
}


def _only(allowed: tuple[str, ...]) -> str:
    """Who may send an event, said to someone else who tried."""
    if len(allowed) == 1 and allowed[0] in ROLE_NAMES:
        return i18n.gettext(ROLE_NAMES[allowed[0]])
    return i18n.gettext("This screen cannot do that.")


def _check_role(role: Role | tuple[Role, ...]) -> Identity:
    """This connection's identity, if its role may send the event: from memory, no database."""
    allowed = (role,) if isinstance(role, str) else role
    identity = current_identity()
    if identity is None:
        raise DomainError(
            "not_joined", i18n.gettext("Join a workshop (or open it as facilitator) first.")
        )
    if identity.role not in allowed:
        raise DomainError("forbidden", _only(allowed))
    return identity


def _load_who(identity: Identity) -> Participant | Workshop:
    """The participant or workshop an identity speaks for, as the database has it now: a
    participant removed since, or a key rotated since, no longer speaks for anyone."""
    db = get_db()
    if identity.role == "participant":
        assert identity.participant_id is not None
        participant = get_participant(db, identity.participant_id)
        if participant.removed_at is not None:
            raise DomainError(
                "participant_removed", i18n.gettext("The facilitator removed you from this room.")
            )
        return participant
    workshop = get_workshop(db, identity.workshop_id)
    if identity.role == "facilitator" and not workshops.opens_console(
        workshop, identity.credential or ""
    ):
        raise DomainError(
            "unauthorized",
            i18n.gettext("This facilitator key was replaced; open the new link."),
        )
    return workshop


# --------------------------------------------------------------------------- identification


@client_event("language", LanguagePayload, writes=False)
def on_language(payload: LanguagePayload, _: None) -> Ack:
    """Any screen, joined or not, says which language it now shows (its switcher): this
    connection's refusals and messages follow it from the next event. Acks `language`."""
    code = i18n.check_language(payload.language)
    request.environ[LANGUAGE_KEY] = code
    return {"language": code}


@client_event("join", JoinPayload, writes=False)
def on_join(payload: JoinPayload, _: None) -> Ack:
    """Participant joins by code, or resumes with its token. Acks token, participant and state;
    sends `state` to this connection and, for a new participant, a coalesced `participants`
    count to the console and projector. (`workshops.join` takes the write lock itself, only
    when it writes: a resume takes none.)"""
    db = get_db()
    try:
        joined = workshops.join(db, code=payload.code, name=payload.name, token=payload.token)
    except DomainError as exc:
        if payload.token is not None and exc.code in ("invalid_token", "participant_removed"):
            refusal = limits.bad_token()
            if refusal is not None:
                raise refusal from None
        raise
    workshop, participant = joined.workshop, joined.participant
    assert participant.id is not None
    bind_identity(
        Identity("participant", workshop.id, participant.id, participant.token_hash),
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


def _open_screen(workshop: Workshop, role: Literal["facilitator", "projector"], secret: str) -> Ack:
    """Bind this connection to a workshop's console or projector and send it its state."""
    room = room_facilitators if role == "facilitator" else room_projectors
    bind_identity(
        Identity(role, workshop.id, credential=hash_secret(secret)),
        [room_all(workshop.id), room(workshop.id)],
    )
    db = get_db()
    state = snapshot.public_state(snapshot.load_view(db, workshop), role, base_url())
    socketio.emit("state", state, to=request.sid)  # type: ignore[attr-defined]
    return {"state": state}


@client_event("facilitate", FacilitatePayload, writes=False)
def on_facilitate(payload: FacilitatePayload, _: None) -> Ack:
    """Facilitator console identifies with the workshop id and key. Acks the facilitator state."""
    workshop = workshops.authenticate_facilitator(
        get_db(), workshop_id=payload.workshop_id, key=payload.key
    )
    return _open_screen(workshop, "facilitator", payload.key)


@client_event("present", PresentPayload, writes=False)
def on_present(payload: PresentPayload, _: None) -> Ack:
    """The room screen identifies with the workshop id and its projector token (or the
    facilitator key); either way it gets the projector's state (dot totals only once revealed,
    no secrets) and can send nothing but `present` again."""
    db = get_db()
    if payload.token is not None:
        workshop = workshops.authenticate_projector(
            db, workshop_id=payload.workshop_id, token=payload.token
        )
        return _open_screen(workshop, "projector", payload.token)
    assert payload.key is not None
    workshop = workshops.authenticate_facilitator(
        db, workshop_id=payload.workshop_id, key=payload.key
    )
    return _open_screen(workshop, "projector", payload.key)


# --------------------------------------------------------------------------- activities


def _activity_event(name: str) -> AnyEventSpec:
    """The spec of an activity's event as the registry has it now (a kind registered,
    replaced or unregistered after start-up counts), or unknown_event."""
    for _activity, spec in activities.events():
        if spec.name == name:
            return spec
    raise _unknown(name)


def _unknown(name: str) -> DomainError:
    return DomainError(
        "unknown_event", i18n.gettext("There is no event %(name)s.", name=repr(name))
    )


def _run_activity_event(name: str, raw: Any) -> Ack:
    """One activity event (every one writes), in the module's order: role from memory,
    `begin_write`, who, parse, the activity's service, ack, publish."""
    spec = _activity_event(name)
    identity = _check_role(spec.roles)
    db = get_db()
    begin_write(db)
    who = _load_who(identity)
    payload = parse(spec.payload, raw)
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
    start-up declares it, else unknown_event (answered without touching the database). A packet
    whose arguments could not be read arrives as `codec.MALFORMED`: invalid_payload."""

    def run() -> Ack:
        if name == codec.MALFORMED:
            reason = str(args[0]) if args else "unreadable"
            log.warning("malformed event from %s: %s", request.sid, reason)  # type: ignore[attr-defined]
            raise DomainError(
                "invalid_payload",
                i18n.gettext("The event could not be read: %(reason)s.", reason=reason),
            )
        if not any(spec.name == name for _activity, spec in activities.events()):
            raise _unknown(name)
        return _run_activity_event(name, args[0] if args else None)

    return _answer(name, run)


socketio.on_event("*", on_other_event)


def on_disconnect(*_reason: Any) -> None:
    """A connection closed: forget its rate-limit bucket."""
    limits.forget_connection()


socketio.on_event("disconnect", on_disconnect)


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


# The facilitator's room events (join lock, removal) register with `client_event` above.
from . import facilitation_events, room_events  # noqa: E402,F401

# Last, so the core's own events are known: an activity may not take one of their names.
register_activity_events()
