"""Running counters: added to inside the write's own transaction, read by live tallies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from .models import Counter

STAGE_WIDE = 0


# Plain SQL understood by SQLite (3.24+) and PostgreSQL alike; compiled once, run as one
# executemany per write.
_UPSERT = text(
    "INSERT INTO counter (stage_id, idea_id, name, value) "
    "VALUES (:stage_id, :idea_id, :name, :value) "
    "ON CONFLICT (stage_id, idea_id, name) DO UPDATE SET value = counter.value + excluded.value"
)


def add(db: Session, stage_id: int, deltas: Mapping[tuple[int, str], int]) -> None:
    """Add each delta to its counter ((idea id or 0, name) -> delta) in one atomic upsert
    per counter, so concurrent writers never lose an increment."""
    rows = [
        {"stage_id": stage_id, "idea_id": idea_id, "name": name, "value": delta}
        for (idea_id, name), delta in sorted(deltas.items())
        if delta
    ]
    if rows:
        db.execute(_UPSERT, rows)


def read(db: Session, stage_ids: Iterable[int]) -> dict[int, dict[str, dict[int, int]]]:
    """stage id -> counter name -> idea id (0 for stage-wide) -> value."""
    ids = list(stage_ids)
    out: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    if not ids:
        return {}
    query = select(Counter).where(col(Counter.stage_id).in_(ids))
    for row in db.exec(query):
        out[row.stage_id][row.name][row.idea_id] = row.value
    return {stage_id: dict(names) for stage_id, names in out.items()}


def reset(db: Session, stage_id: int, names: Iterable[str]) -> None:
    """Drop a stage's counters of these names (before they are counted again from rows)."""
    db.execute(
        delete(Counter).where(col(Counter.stage_id) == stage_id, col(Counter.name).in_(list(names)))
    )


def drop_stage(db: Session, stage_id: int) -> None:
    """Drop every counter of a stage, whoever named it (the stage itself is being deleted)."""
    db.execute(delete(Counter).where(col(Counter.stage_id) == stage_id))
