"""A stage's countdown: set, add to, pause, resume and clear it (`timer:*`, facilitator).

The end is stored as a server time (`Stage.timer_ends_at`), so a reload, a second console, a
late joiner and a restarted server all count to the same moment; a paused timer keeps the
seconds left instead (`timer_paused_remaining`). Nothing closes when it reaches zero: the
screens say "Time's up". Changing the stage's step, or making another stage current, clears
it (`clear_on_step_change`).

Only the current stage has a timer one can change (`not_current_stage`; in the lobby that is
the agenda's first stage, still pending). Every change is committed before it is answered and
a refusal writes nothing. `timer:set` and `timer:add` may carry a `client_id`: the stage keeps
the last one it applied (`Stage.timer_op`), so a retry of that change answers the timer as it
is and changes nothing (a retried `timer:add` adds once). Pausing a paused timer, resuming a
running one and clearing a cleared one change nothing either.

`seconds` is the countdown's length, for a screen that draws how much of it is left: `set`
makes it the seconds asked for; `add` moves it by the same amount, kept between 1 and 7,200 s
and never below what is left; a timer that had reached zero starts a new countdown, so
`seconds` is then what was added (see `added`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from ..core.errors import DomainError
from ..core.payloads import TIMER_MAX_SECONDS
from ..i18n import gettext
from ..persistence.models import Stage, Workshop
from ..persistence.queries import get_stage, require_active


def _aware(moment: datetime) -> datetime:
    """A stored time with its zone (SQLite gives it back without)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """A time as the state carries it: ISO 8601 in UTC, to the millisecond."""
    return _aware(moment).astimezone(UTC).isoformat(timespec="milliseconds")


def timer_json(stage: Stage | None) -> dict[str, Any] | None:
    """The stage's timer as the state carries it, or None when it has none:
    `{"stage_id", "seconds", "ends_at", "paused_remaining", "running"}`; a running timer has
    `ends_at` (ISO, server time) and `paused_remaining` null, a paused one the reverse."""
    if stage is None or stage.timer_seconds is None:
        return None
    running = stage.timer_ends_at is not None
    return {
        "stage_id": stage.id,
        "seconds": stage.timer_seconds,
        "ends_at": iso(stage.timer_ends_at) if stage.timer_ends_at is not None else None,
        "paused_remaining": None if running else stage.timer_paused_remaining,
        "running": running,
    }


def clear_on_step_change(stage: Stage) -> None:
    """Forget the stage's timer (its step changed, or it is no longer the current stage; not
    committed here). `timer_op` is kept: a late retry of the change that set it must not
    start it again."""
    stage.timer_seconds = None
    stage.timer_ends_at = None
    stage.timer_paused_remaining = None


# --------------------------------------------------------------------------- the arithmetic


def remaining(stage: Stage, now: datetime) -> float:
    """Seconds left on the stage's timer at `now` (0 once it has run out; 0 without a timer)."""
    if stage.timer_ends_at is not None:
        return max(0.0, (_aware(stage.timer_ends_at) - now).total_seconds())
    return max(0.0, stage.timer_paused_remaining or 0.0)


def added(left: float, length: int, seconds: int) -> tuple[float, int]:
    """What `timer:add` of `seconds` makes of a timer with `left` seconds to go out of
    `length`: the seconds left and the new length. Pure; `seconds` is not 0.

    A timer that has run out and gets time starts a new countdown of `seconds`. Otherwise the
    time left moves by `seconds`, down to 0 and never beyond the 7,200 s maximum
    (`timer_too_long`); the length moves with it, kept within 1..7,200 and never below the
    time left, so "left out of length" stays a fraction a screen can draw.
    """
    if left <= 0 and seconds > 0:
        new_left, new_length = float(seconds), seconds
    else:
        new_left, new_length = max(0.0, left + seconds), length + seconds
    if new_left > TIMER_MAX_SECONDS:
        raise DomainError(
            "timer_too_long",
            gettext(
                "A timer runs at most %(minutes)s minutes; %(left)s s are left, so %(seconds)s s "
                "is too much.",
                minutes=TIMER_MAX_SECONDS // 60,
                left=math.ceil(left),
                seconds=format(seconds, "+d"),
            ),
        )
    new_length = min(TIMER_MAX_SECONDS, max(1, math.ceil(new_left), new_length))
    return new_left, new_length


# --------------------------------------------------------------------------- the services


@dataclass(frozen=True)
class TimerChange:
    """The stage after a timer event, and whether the event changed it (a retry, pausing a
    paused timer and the like did not: nothing was written and nobody needs telling)."""

    stage: Stage
    changed: bool


def _stage(db: Session, workshop: Workshop, stage_id: int) -> Stage:
    """The stage a timer event names: the workshop active, the stage its own."""
    require_active(workshop)
    return get_stage(db, workshop_id=workshop.id, stage_id=stage_id)


def _require_current(workshop: Workshop, stage: Stage) -> None:
    if workshop.current_stage_id != stage.id:
        raise DomainError(
            "not_current_stage",
            gettext(
                "Stage %(id)s is not the current stage; only the current stage has a timer.",
                id=stage.id,
            ),
        )


def _require_timer(stage: Stage) -> None:
    if stage.timer_seconds is None:
        raise DomainError("no_timer", gettext("This stage has no timer; set one first."))


def _retried(stage: Stage, client_id: str | None) -> bool:
    """Whether this is a retry of the last change applied to the stage's timer."""
    return client_id is not None and stage.timer_op == client_id


def _commit(db: Session, stage: Stage, client_id: str | None = None) -> TimerChange:
    if client_id is not None:
        stage.timer_op = client_id
    db.add(stage)
    db.commit()
    return TimerChange(stage, True)


def set_timer(
    db: Session, *, workshop: Workshop, stage_id: int, seconds: int, client_id: str | None = None
) -> TimerChange:
    """Start (or restart) the current stage's countdown: it ends `seconds` from now (the
    payload keeps `seconds` within 10..7,200)."""
    stage = _stage(db, workshop, stage_id)
    if _retried(stage, client_id):
        return TimerChange(stage, False)
    _require_current(workshop, stage)
    stage.timer_seconds = seconds
    stage.timer_ends_at = datetime.now(UTC) + timedelta(seconds=seconds)
    stage.timer_paused_remaining = None
    return _commit(db, stage, client_id)


def add_time(
    db: Session, *, workshop: Workshop, stage_id: int, seconds: int, client_id: str | None = None
) -> TimerChange:
    """Add `seconds` to the current stage's running or paused timer (negative: take them off,
    down to 0); see `added` for the rules."""
    if seconds == 0:
        raise DomainError("invalid_payload", gettext("Add or take off at least one second, not 0."))
    stage = _stage(db, workshop, stage_id)
    if _retried(stage, client_id):
        return TimerChange(stage, False)
    _require_current(workshop, stage)
    _require_timer(stage)
    assert stage.timer_seconds is not None
    now = datetime.now(UTC)
    left, stage.timer_seconds = added(remaining(stage, now), stage.timer_seconds, seconds)
    if stage.timer_ends_at is not None:
        stage.timer_ends_at = now + timedelta(seconds=left)
    else:
        stage.timer_paused_remaining = round(left, 3)
    return _commit(db, stage, client_id)


def pause(db: Session, *, workshop: Workshop, stage_id: int) -> TimerChange:
    """Stop the current stage's countdown, keeping the seconds left; a paused one stays as is."""
    stage = _stage(db, workshop, stage_id)
    _require_current(workshop, stage)
    _require_timer(stage)
    if stage.timer_ends_at is None:
        return TimerChange(stage, False)
    stage.timer_paused_remaining = round(remaining(stage, datetime.now(UTC)), 3)
    stage.timer_ends_at = None
    return _commit(db, stage)


def resume(db: Session, *, workshop: Workshop, stage_id: int) -> TimerChange:
    """Run a paused timer again from what was left; a running one stays as is."""
    stage = _stage(db, workshop, stage_id)
    _require_current(workshop, stage)
    _require_timer(stage)
    if stage.timer_ends_at is not None:
        return TimerChange(stage, False)
    left = stage.timer_paused_remaining or 0.0
    stage.timer_ends_at = datetime.now(UTC) + timedelta(seconds=left)
    stage.timer_paused_remaining = None
    return _commit(db, stage)


def clear(db: Session, *, workshop: Workshop, stage_id: int) -> TimerChange:
    """Remove the current stage's timer; a stage without one stays as is."""
    stage = _stage(db, workshop, stage_id)
    _require_current(workshop, stage)
    if stage.timer_seconds is None:
        return TimerChange(stage, False)
    clear_on_step_change(stage)
    return _commit(db, stage)
