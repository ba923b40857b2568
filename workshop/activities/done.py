"""Done: the stage's results are decided and revealed; its selected items feed later stages.

With a rank step, a Borda count over the frozen shortlist decides (ties: more dots, then the
earlier idea). Without one, the dots decide; with neither, every idea is kept in the order it
was written. `select_count` 0 keeps every idea (used for values and action items).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Session

from ..core import rules
from ..persistence.models import Idea, Stage
from . import common, rank, vote
from .base import Activity, Audience, StageSlice, StepSettings, WorkshopData

KIND = "done"


class DoneSettings(StepSettings):
    select_count: Annotated[int, Field(ge=0, le=100)] = 1


def decide(
    stage: Stage,
    totals: Mapping[int, int],
    orders: list[list[int]],
    select_count: int,
) -> list[rules.Result]:
    """The results of one stage from what was stored: with or without vote and rank steps."""
    has_rank = "rank" in common.kinds(stage)
    return rules.decide(
        totals=totals,
        stored_shortlist=list(stage.shortlist) if has_rank else None,
        orders=orders if has_rank else [],
        select_count=select_count,
    )


def results_json(outcome: list[rules.Result], ideas: list[Idea]) -> list[dict[str, Any]]:
    """Results as the snapshot carries them."""
    texts = {idea.id: idea.text for idea in ideas}
    return [
        {
            "idea_id": result.idea_id,
            "text": texts[result.idea_id],
            "rank": result.rank,
            "score": result.score,
            "votes": result.votes,
            "shortlisted": result.shortlisted,
            "selected": result.selected,
        }
        for result in outcome
    ]


class Done(Activity):
    kind = KIND
    label = "Results"
    description = "The results are decided and shown; the selected items go into the plan."
    settings = DoneSettings

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        assert stage.id is not None
        visible = {stage.id: common.visible_idea_ids(db, stage.id)}
        totals = vote.totals(db, [stage.id], visible)[stage.id]
        outcome = decide(
            stage,
            totals,
            rank.orders(db, [stage.id]).get(stage.id, []),
            int(settings["select_count"]),
        )
        stage.selected = [result.idea_id for result in outcome if result.selected]
        stage.decided = True
        stage.revealed = True

    def unwind(self, db: Session, stage: Stage) -> None:
        stage.selected = []
        stage.decided = False

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        decided = [sid for sid in stage_ids if data.stage(sid).decided]
        visible = {sid: data.visible_ids(sid) for sid in decided}
        totals = vote.totals(db, decided, visible, counted=data.counted)
        every_order = rank.orders(db, decided)
        out: dict[int, list[dict[str, Any]]] = {}
        for sid in decided:
            stage = data.stage(sid)
            settings = common.step_settings(stage, KIND) or {}
            outcome = decide(
                stage, totals[sid], every_order.get(sid, []), int(settings.get("select_count", 1))
            )
            out[sid] = results_json(outcome, data.ideas.get(sid, []))
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
