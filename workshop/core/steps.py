"""Stage navigation: a stage's agenda is an ordered list of steps; its phase is the current kind.

A stage that has not been opened is "pending" (step index -1). The facilitator moves a stage
one step forward or one step back at a time, or re-selects the step it is on, because every
step feeds the next: a shortlist needs the dots, results need the rankings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..i18n import gettext
from .errors import DomainError

PENDING = "pending"
NOT_STARTED = -1
PRIVATE = "private"
"""A step setting: what the room sends in this step is shown only to the facilitator until the
step is revealed (a private brainstorm)."""
NAMED = "named"
"""A step setting: the stage's items show their authors' names (a named brainstorm)."""

Step = Mapping[str, Any]
"""One step of a stage's agenda as stored: `{"kind", "settings"}`."""


def phase_of(kinds: Sequence[str], index: int) -> str:
    """The phase of a stage: the kind of its current step, or "pending"."""
    if index < 0 or index >= len(kinds):
        return PENDING
    return kinds[index]


def resolve_move(kinds: Sequence[str], current: int, target: str) -> int:
    """The step index `stage:phase` moves to, or a DomainError.

    The target is named by kind; when a kind appears more than once in an agenda the step
    adjacent to the current one is meant (the next one first).
    """
    if target not in kinds:
        if target == PENDING:
            raise DomainError(
                "invalid_phase", gettext("A stage cannot be moved back to 'pending'.")
            )
        raise DomainError(
            "invalid_phase",
            gettext(
                "This stage has no %(target)s step; its steps are %(kinds)s.",
                target=repr(target),
                kinds=", ".join(kinds),
            ),
        )
    for candidate in (current, current + 1, current - 1):
        if 0 <= candidate < len(kinds) and kinds[candidate] == target:
            return candidate
    raise DomainError(
        "invalid_transition",
        gettext(
            "A stage in %(phase)s can move to the next or previous step, not to %(target)s.",
            phase=repr(phase_of(kinds, current)),
            target=repr(target),
        ),
    )


def has_reached(kinds: Sequence[str], current: int, kind: str) -> bool:
    """Whether the stage is at or past its first step of `kind`."""
    return kind in kinds and current >= kinds.index(kind)


def _settings(steps: Sequence[Step], index: int) -> Mapping[str, Any]:
    return steps[index].get("settings", {}) if 0 <= index < len(steps) else {}


def is_private_step(steps: Sequence[Step], index: int) -> bool:
    """Whether step `index` keeps what the room sends from the room until it is revealed."""
    return bool(_settings(steps, index).get(PRIVATE))


def is_private(steps: Sequence[Step], index: int, reveals: Collection[int]) -> bool:
    """Whether the stage is on a private step that has not been revealed yet."""
    return is_private_step(steps, index) and index not in reveals


def is_named(steps: Sequence[Step], index: int) -> bool:
    """Whether the stage's items show their authors: the `named` setting of its current step
    when that has one, else of its first step that has one."""
    current = _settings(steps, index)
    if NAMED in current:
        return bool(current[NAMED])
    return next(
        (bool(step["settings"][NAMED]) for step in steps if NAMED in step.get("settings", {})),
        False,
    )


def earlier_kinds(kinds: Sequence[str], index: int) -> set[str]:
    """The kinds of the steps before step `index`."""
    return set(kinds[: max(index, 0)])
