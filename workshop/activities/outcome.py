"""How a stage is decided: which scoring step decides it, and its results from that step's
standings. Shared by the deciding activity (which selects the items on entering its step and
shows the results), the snapshot and the plan, which find that step by its trait (DECIDES),
not by name.

The last scoring step before the deciding step decides; with none, every idea is kept in the
order it was written. A `select_count` of 0 keeps every idea (used for values and action
items).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from ..core import decisions, rules
from ..persistence import counters
from ..persistence.models import Stage, StageRound
from . import common, scoring
from .base import DECIDES


def deciding_index(stage: Stage) -> int | None:
    """The index of the step whose standings decide the stage: its last scoring step before
    its deciding step (before its end when it has none)."""
    end = common.first_with(stage, DECIDES)
    if end is None:
        end = len(stage.steps)
    return scoring.latest_index(stage, before=end) if end > 0 else None


def decide(
    standings: decisions.Standings | None,
    visible: list[int],
    dots: Mapping[int, int],
    select_count: int,
) -> list[rules.Result]:
    """The results of one stage from its deciding step's standings (None: no scoring step)."""
    if select_count <= 0:
        select_count = len(visible)
    if standings is None:
        return rules.results(
            ideas=visible,
            totals={},
            shortlisted=visible,
            scores={},
            select_count=select_count,
            order=visible,
        )
    scores = {item.idea_id: item.score for item in standings.items.values()}
    return rules.results(
        ideas=visible,
        totals={i: dots.get(i, 0) for i in visible},
        shortlisted=standings.order,
        scores=scores,
        select_count=select_count,
        order=standings.order,
    )


def stage_decision(
    stage: Stage,
    standings: decisions.Standings | None,
    index: int | None,
    rounds: list[StageRound],
) -> dict[str, Any] | None:
    """The deciding step's decision payload (with round 1 when there were two rounds)."""
    if standings is None or index is None:
        return None
    closed = scoring.rounds_of(rounds, index)
    return scoring.decision_json(
        standings,
        index=index,
        round_number=len(closed) + 1,
        previous=closed[-1].standings if closed else None,
    )


def read_outcome(db: Session, stage: Stage) -> tuple[list[rules.Result], dict[str, Any] | None]:
    """A stage's results and its deciding step's decision, read from the database (for the
    plan); a stage without a deciding step keeps every idea."""
    assert stage.id is not None
    index = deciding_index(stage)
    standings = scoring.read_standings(db, stage, index) if index is not None else None
    outcome = decide(
        standings,
        common.visible_idea_ids(db, stage.id),
        counters.read(db, [stage.id]).get(stage.id, {}).get("dots", {}),
        common.select_count(stage) or 0,
    )
    rounds = scoring.load_rounds(db, [stage.id]).get(stage.id, [])
    return outcome, stage_decision(stage, standings, index, rounds)
