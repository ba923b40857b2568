"""How a stage is decided: which scoring step decides it, and its results from that step's
standings. Shared by the deciding activity (which selects the items on entering its step and
shows the results), the snapshot and the plan, which find that step by its trait (DECIDES),
not by name.

The last scoring step before the deciding step decides; with none, every idea is kept in the
order it was written. A `select_count` of 0 keeps every idea (used for values and action
items); a `select_per_category` above 0, on a stage with categories, keeps the top N of each
category instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from ..core import decisions, rules
from ..persistence import counters
from ..persistence.models import Idea, Stage, StageRound
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
    *,
    per_category: int = 0,
    filed: Mapping[int, str | None] | None = None,
) -> list[rules.Result]:
    """The results of one stage from its deciding step's standings (None: no scoring step).

    With `per_category` above 0 (and `filed`, each idea's category), the selection is the
    top `per_category` items of each category in the same order (items filed under none are
    one more category), and `select_count` is not used."""
    if select_count <= 0 or (per_category > 0 and filed is not None):
        select_count = len(visible)
    if standings is None:
        results = rules.results(
            ideas=visible,
            totals={},
            shortlisted=visible,
            scores={},
            select_count=select_count,
            order=visible,
        )
    else:
        scores = {item.idea_id: item.score for item in standings.items.values()}
        results = rules.results(
            ideas=visible,
            totals={i: dots.get(i, 0) for i in visible},
            shortlisted=standings.order,
            scores=scores,
            select_count=select_count,
            order=standings.order,
        )
    if per_category > 0 and filed is not None:
        results = top_per_category(results, filed, per_category)
    return results


def top_per_category(
    results: list[rules.Result], filed: Mapping[int, str | None], count: int
) -> list[rules.Result]:
    """The results with the selection remade: the first `count` selectable items of each
    category, in the results' order (ties fall as they fall for `select_count`: the order
    already settles them)."""
    taken: dict[str | None, int] = {}
    out = []
    for result in results:
        category = filed.get(result.idea_id)
        chosen = result.selected and taken.get(category, 0) < count
        if chosen:
            taken[category] = taken.get(category, 0) + 1
        out.append(replace(result, selected=chosen))
    return out


def filed_of(db: Session, stage: Stage) -> dict[int, str | None] | None:
    """Each of the stage's ideas' category when it selects per category, else None."""
    if common.select_per_category(stage) <= 0:
        return None
    query = select(Idea.id, Idea.category).where(Idea.stage_id == stage.id)
    return {int(idea_id): category for idea_id, category in db.exec(query) if idea_id is not None}


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
        per_category=common.select_per_category(stage),
        filed=filed_of(db, stage),
    )
    rounds = scoring.load_rounds(db, [stage.id]).get(stage.id, [])
    return outcome, stage_decision(stage, standings, index, rounds)
