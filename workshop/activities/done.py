"""Done: the stage's results are decided and revealed; its selected items feed later stages.

The last scoring step on the agenda decides: a rank step by its method (Borda by default, or
Schulze) over the frozen shortlist; an allocate step by points; a rate step by mean impact; a
vote by dots. With none of them, every idea is kept in the order it was written.
`select_count` 0 keeps every idea (used for values and action items).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Session

from ..core import decisions, rules
from ..persistence import counters
from ..persistence.models import Idea, Stage, StageRound
from . import common, scoring
from .base import DECIDES, FREEZES_ITEMS, Activity, Audience, StageSlice, StepSettings, WorkshopData

KIND = "done"


class DoneSettings(StepSettings):
    select_count: Annotated[int, Field(ge=0, le=100)] = 1


def deciding_index(stage: Stage) -> int | None:
    """The index of the step that decides the stage: its last scoring step before `done`."""
    kinds = common.kinds(stage)
    end = kinds.index(KIND) if KIND in kinds else len(kinds)
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


def results_json(
    outcome: list[rules.Result],
    ideas: list[Idea],
    decision: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Results as the snapshot carries them, with the deciding step's measures per item."""
    texts = {idea.id: idea.text for idea in ideas}
    measured = {int(item["idea_id"]): item for item in (decision or {}).get("items", [])}
    out = []
    for result in outcome:
        row: dict[str, Any] = {
            "idea_id": result.idea_id,
            "text": texts[result.idea_id],
            "rank": result.rank,
            "score": scoring.number(result.score),
            "votes": result.votes,
            "shortlisted": result.shortlisted,
            "selected": result.selected,
        }
        extra = measured.get(result.idea_id)
        if extra is not None:
            row.update({k: v for k, v in extra.items() if k not in row and k != "idea_id"})
            row["step_rank"] = extra["rank"]
        else:
            row.update({"consensus": None, "contested": False, "step_rank": None})
        out.append(row)
    return out


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
    plan); a stage without `done` keeps every idea."""
    assert stage.id is not None
    index = deciding_index(stage)
    standings = scoring.read_standings(db, stage, index) if index is not None else None
    settings = common.step_settings(stage, KIND) or {"select_count": 0}
    outcome = decide(
        standings,
        common.visible_idea_ids(db, stage.id),
        counters.read(db, [stage.id]).get(stage.id, {}).get("dots", {}),
        int(settings["select_count"]),
    )
    rounds = scoring.load_rounds(db, [stage.id]).get(stage.id, [])
    return outcome, stage_decision(stage, standings, index, rounds)


class Done(Activity):
    kind = KIND
    label = "Results"
    description = "The results are decided and shown; the selected items go into the plan."
    settings = DoneSettings
    position = 80
    noun = "results"
    traits = frozenset({DECIDES, FREEZES_ITEMS})

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        assert stage.id is not None
        index = deciding_index(stage)
        standings = scoring.read_standings(db, stage, index) if index is not None else None
        visible = common.visible_idea_ids(db, stage.id)
        outcome = decide(standings, visible, {}, int(settings["select_count"]))
        stage.selected = [result.idea_id for result in outcome if result.selected]
        stage.decided = True
        stage.revealed = True

    def unwind(self, db: Session, stage: Stage) -> None:
        stage.selected = []
        stage.decided = False

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        out: dict[int, list[dict[str, Any]]] = {}
        for sid in stage_ids:
            stage = data.stage(sid)
            if not stage.decided:
                continue
            settings = common.step_settings(stage, KIND) or {}
            index = deciding_index(stage)
            standings = scoring.cached_standings(data, stage, index) if index is not None else None
            outcome = decide(
                standings,
                data.visible_ids(sid),
                data.counted.get(sid, {}).get("dots", {}),
                int(settings.get("select_count", 1)),
            )
            decision = stage_decision(stage, standings, index, data.rounds.get(sid, []))
            out[sid] = results_json(outcome, data.ideas.get(sid, []), decision)
        return out

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        return StageSlice(
            keys={
                "select_count": settings["select_count"],
                "results": data.parts[KIND].get(stage.id, []),
            }
        )
