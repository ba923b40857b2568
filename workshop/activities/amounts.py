"""What the dot vote and the points allocation share: a table of amounts per participant and
idea, replaced whole per participant, with a running total per idea and a count of people.

Each of the two activities describes its table once as an `Amounts` and calls these
functions; only its settings, wording and error codes differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, distinct, func
from sqlmodel import Session, SQLModel, col, select

from ..persistence import counters


@dataclass(frozen=True)
class Amounts:
    """A table with `participant_id`, `idea_id`, `stage_id` and one integer amount column,
    and the names of its running counters (per idea, and people with anything on the stage)."""

    table: type[SQLModel]
    column: str
    per_idea: str
    people: str

    def _col(self, name: str) -> Any:
        return col(getattr(self.table, name))

    def row(self, participant_id: int, stage_id: int, idea_id: int, amount: int) -> SQLModel:
        return self.table(
            participant_id=participant_id,
            idea_id=idea_id,
            stage_id=stage_id,
            **{self.column: amount},
        )

    def mine(self, participant_id: int, stage_id: int) -> tuple[Any, Any]:
        return (
            self._col("participant_id") == participant_id,
            self._col("stage_id") == stage_id,
        )


def entries(db: Session, amounts: Amounts, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
    """stage id -> participant id -> {"<idea id>": amount}, read as plain columns (a live
    tally reads every row of the stage)."""
    out: dict[int, dict[int, Any]] = {sid: {} for sid in stage_ids}
    query = select(
        amounts._col("stage_id"),
        amounts._col("participant_id"),
        amounts._col("idea_id"),
        amounts._col(amounts.column),
    ).where(amounts._col("stage_id").in_(stage_ids))
    for stage_id, participant_id, idea_id, value in db.exec(
        query.order_by(amounts._col("idea_id"))
    ):
        out[stage_id].setdefault(participant_id, {})[str(idea_id)] = value
    return out


def replace(
    db: Session,
    amounts: Amounts,
    *,
    participant_id: int,
    stage_id: int,
    allocation: Mapping[int, int],
) -> bool:
    """Replace one participant's amounts on a stage and move the counters by the difference
    (the caller has locked the participant and commits); False when nothing changed."""
    mine = amounts.mine(participant_id, stage_id)
    before = {
        int(idea_id): int(value)
        for idea_id, value in db.exec(
            select(amounts._col("idea_id"), amounts._col(amounts.column)).where(*mine)
        )
    }
    if before == dict(allocation):
        return False
    db.execute(delete(amounts.table).where(*mine))
    for idea_id, amount in allocation.items():
        db.add(amounts.row(participant_id, stage_id, idea_id, amount))
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    for idea_id in set(before) | set(allocation):
        deltas[(idea_id, amounts.per_idea)] = allocation.get(idea_id, 0) - before.get(idea_id, 0)
    deltas[(counters.STAGE_WIDE, amounts.people)] = int(bool(allocation)) - int(bool(before))
    counters.add(db, stage_id, deltas)
    return True


def write(db: Session, amounts: Amounts, stage_id: int, changed: Mapping[int, Any]) -> None:
    """Replace these participants' entries (JSON shape; None or empty: none) and recount."""
    for participant_id, entry in changed.items():
        db.execute(delete(amounts.table).where(*amounts.mine(participant_id, stage_id)))
        for idea_id, amount in (entry or {}).items():
            if amount > 0:
                db.add(amounts.row(participant_id, stage_id, int(idea_id), amount))
    db.flush()
    recount(db, amounts, stage_id)


def recount(db: Session, amounts: Amounts, stage_id: int) -> None:
    """Rebuild a stage's counters from the stored amounts (after a migration or a merge)."""
    counters.reset(db, stage_id, [amounts.per_idea, amounts.people])
    deltas: dict[tuple[int, str], int] = {}
    query = (
        select(amounts._col("idea_id"), func.sum(amounts._col(amounts.column)))
        .where(amounts._col("stage_id") == stage_id)
        .group_by(amounts._col("idea_id"))
    )
    for idea_id, total in db.exec(query):
        deltas[(idea_id, amounts.per_idea)] = int(total or 0)
    people = db.exec(
        select(func.count(distinct(amounts._col("participant_id")))).where(
            amounts._col("stage_id") == stage_id
        )
    ).one()
    deltas[(counters.STAGE_WIDE, amounts.people)] = int(people)
    counters.add(db, stage_id, deltas)


def fits(entry: Any, *, cap: int, budget: int) -> bool:
    """Whether an entry keeps the per-idea cap and the budget."""
    values = list((entry or {}).values())
    return sum(values) <= budget and all(0 <= n <= cap for n in values)
