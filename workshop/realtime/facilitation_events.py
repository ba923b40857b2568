"""The facilitator's everyday tools as Socket.IO events: the stage timer (`timer:*`), the
item in focus (`focus:*`) and the room's language (`workshop:language`). Registered with
`events.client_event`, like the core's own events (rate limit, role from memory,
`begin_write`, who from the database, payload, handler);
`events` imports this module at its end, so the names taken from it below are defined.

Each acks what it leaves (`{"timer": ...}` or `{"focus": ...}`) and, when it changed
something, broadcasts `state` after the service's commit; a retry or a repeat that changed
nothing tells nobody.
"""

from __future__ import annotations

from ..core.payloads import (
    EmptyPayload,
    FocusSetPayload,
    LanguagePayload,
    StagePayload,
    TimerAddPayload,
    TimerSetPayload,
)
from ..persistence.db import get_db
from ..persistence.models import Workshop
from ..services import focus, timer, workshops
from . import broadcast
from .events import Ack, client_event


def _answer(workshop: Workshop, change: timer.TimerChange) -> Ack:
    """The timer's ack, and the room's fresh state when the event changed it."""
    if change.changed:
        broadcast.broadcast_state(get_db(), workshop)
    return {"timer": timer.timer_json(change.stage)}


@client_event("timer:set", TimerSetPayload, role="facilitator")
def on_timer_set(payload: TimerSetPayload, workshop: Workshop) -> Ack:
    """Facilitator starts (or restarts) the current stage's countdown: `{"stage_id",
    "seconds", "client_id"?}`; it ends `seconds` (10..7,200) from now, a server time. Acks
    `{"timer"}`; broadcasts `state` (not on a retry with the same client_id)."""
    change = timer.set_timer(
        get_db(),
        workshop=workshop,
        stage_id=payload.stage_id,
        seconds=payload.seconds,
        client_id=payload.client_id,
    )
    return _answer(workshop, change)


@client_event("timer:add", TimerAddPayload, role="facilitator")
def on_timer_add(payload: TimerAddPayload, workshop: Workshop) -> Ack:
    """Facilitator adds seconds to (or, negative, takes them off) the current stage's running
    or paused timer. Acks `{"timer"}`; broadcasts `state` (not on a retry)."""
    change = timer.add_time(
        get_db(),
        workshop=workshop,
        stage_id=payload.stage_id,
        seconds=payload.seconds,
        client_id=payload.client_id,
    )
    return _answer(workshop, change)


@client_event("timer:pause", StagePayload, role="facilitator")
def on_timer_pause(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator pauses the current stage's countdown, keeping the seconds left. Acks
    `{"timer"}`; broadcasts `state` unless it was paused already."""
    return _answer(workshop, timer.pause(get_db(), workshop=workshop, stage_id=payload.stage_id))


@client_event("timer:resume", StagePayload, role="facilitator")
def on_timer_resume(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator runs a paused countdown again from what was left. Acks `{"timer"}`;
    broadcasts `state` unless it was running already."""
    return _answer(workshop, timer.resume(get_db(), workshop=workshop, stage_id=payload.stage_id))


@client_event("timer:clear", StagePayload, role="facilitator")
def on_timer_clear(payload: StagePayload, workshop: Workshop) -> Ack:
    """Facilitator removes the current stage's countdown. Acks `{"timer": null}`; broadcasts
    `state` unless there was none."""
    return _answer(workshop, timer.clear(get_db(), workshop=workshop, stage_id=payload.stage_id))


@client_event("focus:set", FocusSetPayload, role="facilitator")
def on_focus_set(payload: FocusSetPayload, workshop: Workshop) -> Ack:
    """Facilitator puts one visible idea in front of everyone: `{"idea_id"}`. Acks
    `{"focus": {"idea_id", "stage_id", "text"}}`; broadcasts `state` unless it was in focus
    already."""
    db = get_db()
    idea, changed = focus.set_focus(db, workshop=workshop, idea_id=payload.idea_id)
    if changed:
        broadcast.broadcast_state(db, workshop)
    return {"focus": {"idea_id": idea.id, "stage_id": idea.stage_id, "text": idea.text}}


@client_event("focus:clear", EmptyPayload, role="facilitator")
def on_focus_clear(_payload: EmptyPayload, workshop: Workshop) -> Ack:
    """Facilitator takes the item out of focus. Acks `{"focus": null}`; broadcasts `state`
    unless nothing was in focus."""
    db = get_db()
    if focus.clear_focus(db, workshop=workshop):
        broadcast.broadcast_state(db, workshop)
    return {"focus": None}


@client_event("workshop:language", LanguagePayload, role="facilitator")
def on_workshop_language(payload: LanguagePayload, workshop: Workshop) -> Ack:
    """Facilitator sets the room's language: `{"language"}` (a code of `GET /api/languages`,
    else `unknown_language`; refused once the workshop is finished: `workshop_finished`). The
    projector and the plan speak it from now on; phones and consoles keep their own. Acks
    `{"language"}`; broadcasts `state` to every screen unless it was the language already."""
    db = get_db()
    if workshops.set_language(db, workshop, payload.language):
        broadcast.broadcast_state(db, workshop)
    return {"language": workshop.language}
