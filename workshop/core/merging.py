"""What a merge does to one participant's entry, as pure functions.

When the facilitator merges duplicate ideas into one, everything already given to the merged
ideas moves to the one that remains:

- dots and points: a participant who gave to several of them keeps the sum, capped at the
  per-item cap. The total can only shrink, so every budget still holds.
- ratings: a participant who rated several of them keeps, on each scale, the mean of their
  ratings of those ideas, rounded half up (a rating of the remaining idea counts like the rest).
- rankings: the remaining idea takes the best place any of them had; the others drop out.

Undoing a merge puts back, for each participant, what they held on the merged ideas, as long
as those ideas still hold what the merge left (see `restore_entry`) and the result still fits
the step's budget.

Entries are in their JSON shape, keyed by idea ids written as text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def merge_amounts(
    entry: Mapping[str, int], into: int, absorbed: Sequence[int], cap: int
) -> dict[str, int]:
    """Dots or points on the merged ideas summed onto `into`, capped at `cap`."""
    gone = {str(i) for i in absorbed}
    key = str(into)
    total = entry.get(key, 0) + sum(n for k, n in entry.items() if k in gone)
    out = {k: n for k, n in entry.items() if k not in gone and k != key}
    if total > 0:
        out[key] = min(total, cap)
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def merge_ratings(
    entry: Mapping[str, Sequence[int | None]], into: int, absorbed: Sequence[int]
) -> dict[str, list[int | None]]:
    """Ratings of the merged ideas become one rating of `into`: per scale, the rounded mean."""
    gone = {str(i) for i in absorbed} | {str(into)}
    mine = [entry[k] for k in entry if k in gone]
    out: dict[str, list[int | None]] = {k: list(v) for k, v in entry.items() if k not in gone}
    if mine:
        merged: list[int | None] = []
        for scale in (0, 1):
            values = [r[scale] for r in mine if r[scale] is not None]
            merged.append(
                _half_up(sum(v for v in values if v is not None) / len(values)) if values else None
            )
        out[str(into)] = merged
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def merge_order(order: Sequence[int], into: int, absorbed: Sequence[int]) -> list[int]:
    """An order with the merged ideas replaced by `into`, at the best place any of them had."""
    same = set(absorbed) | {into}
    out: list[int] = []
    for item in order:
        item = into if item in same else item
        if item not in out:
            out.append(item)
    return out


def restore_entry(current: Any, before: Any, after: Any, touched: set[str]) -> Any | None:
    """What undoing a merge puts back for one participant, or None to keep what they have.

    Keyed entries (dots, points, ratings) are compared on the ideas the merge touched only,
    so a later, unrelated change (or merge) elsewhere in the entry does not block the undo:
    if those ideas still hold what the merge left, they get back what they held before it.
    An order is put back only if it is still exactly what the merge left.
    """
    if isinstance(after, dict) or isinstance(before, dict):
        now = dict(current or {})
        left = dict(after or {})
        if any(now.get(key) != left.get(key) for key in touched):
            return None
        kept = {k: v for k, v in now.items() if k not in touched}
        kept.update({k: v for k, v in dict(before or {}).items() if k in touched})
        return dict(sorted(kept.items(), key=lambda kv: int(kv[0])))
    return before if same_entry(current, after) else None


def same_entry(a: Any, b: Any) -> bool:
    """Whether two entries are equal (empty and missing are the same)."""
    return (a or None) == (b or None)
