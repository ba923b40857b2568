"""A stage's countdown: set, add to, pause, resume and clear it (`timer:*`, facilitator).

The end is stored as a server time (`Stage.timer_ends_at`), so a reload, a second console, a
late joiner and a restarted server all count to the same moment; a paused timer keeps the
seconds left instead (`timer_paused_remaining`). Nothing closes when it reaches zero: the
screens say "Time's up". Changing the stage's step clears it (`clear_on_step_change`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..persistence.models import Stage


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
    """Forget the stage's timer (its step changed; not committed here)."""
    stage.timer_seconds = None
    stage.timer_ends_at = None
    stage.timer_paused_remaining = None
    stage.timer_op = None
