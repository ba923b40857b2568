"""Done: the stage's results are decided and revealed; its selected items feed later stages.

The last scoring step before it decides, by its own standings (see `outcome`); with none,
every idea is kept in the order it was written. `select_count` 0 keeps every idea (used for
values and action items). `select_per_category` N, on a stage with categories, keeps the top N
of each category instead. Each result row carries its idea's `category` when it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Session

from ..core import rules
from ..i18n import N_
from ..persistence.models import Idea, Stage
from . import common, scoring
from .base import DECIDES, FREEZES_ITEMS, Activity, Audience, StageSlice, StepSettings, WorkshopData
from .outcome import decide, deciding_index, filed_of, stage_decision

KIND = "done"


class DoneSettings(StepSettings):
    select_count: Annotated[int, Field(ge=0, le=100, title=N_("Items selected (0 keeps all)"))] = 1
    select_per_category: Annotated[
        int, Field(ge=0, le=100, title=N_("Items selected per category (0: off)"))
    ] = 0
    """On a stage with categories (a SWOT), the top N of each category are selected and
    `select_count` is not used; 0 (the default), or a stage without categories, selects by
    `select_count`."""


def results_json(
    outcome: list[rules.Result],
    ideas: list[Idea],
    decision: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Results as the snapshot carries them, with the deciding step's measures per item."""
    texts = {idea.id: idea.text for idea in ideas}
    filed = {idea.id: idea.category for idea in ideas if idea.category is not None}
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
        if result.idea_id in filed:
            row["category"] = filed[result.idea_id]
        extra = measured.get(result.idea_id)
        if extra is not None:
            row.update({k: v for k, v in extra.items() if k not in row and k != "idea_id"})
            row["step_rank"] = extra["rank"]
        else:
            row.update({"consensus": None, "contested": False, "step_rank": None})
        out.append(row)
    return out


class Done(Activity):
    kind = KIND
    label = N_("Results")
    description = N_("The results are decided and shown; the selected items go into the plan.")
    settings = DoneSettings
    position = 80
    noun = N_("results")
    traits = frozenset({DECIDES, FREEZES_ITEMS})

    def picks(self, settings: Mapping[str, Any]) -> int:
        """`select_count` (whether `select_per_category` is in force depends on the stage's
        categories: `common.select_count` asks)."""
        return int(settings.get("select_count", 0))

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        assert stage.id is not None
        index = deciding_index(stage)
        standings = scoring.read_standings(db, stage, index) if index is not None else None
        visible = common.visible_idea_ids(db, stage.id)
        outcome = decide(
            standings,
            visible,
            {},
            int(settings["select_count"]),
            per_category=common.select_per_category(stage),
            filed=filed_of(db, stage),
        )
        stage.selected = [result.idea_id for result in outcome if result.selected]
        stage.decided = True
        stage.revealed = True

    def unwind(self, db: Session, stage: Stage) -> None:
        stage.selected = []
        stage.decided = False

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        """Nothing to read: the results come from the deciding step's entries, which its own
        activity loads (before or after this one), so each stage's results are computed on its
        first slice and kept here."""
        return {}

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        kept: dict[int, list[dict[str, Any]]] = data.parts.setdefault(KIND, {})
        if stage.id not in kept:
            kept[stage.id] = _results(data, stage) if stage.decided else []
        keys: dict[str, Any] = {"select_count": settings["select_count"]}
        per_category = common.select_per_category(stage)
        if per_category:
            # Only where it decides (a stage with categories): plain stages read as before.
            keys["select_per_category"] = per_category
        keys["results"] = kept[stage.id]
        return StageSlice(keys=keys)


def _results(data: WorkshopData, stage: Stage) -> list[dict[str, Any]]:
    """A decided stage's results as the snapshot carries them."""
    assert stage.id is not None
    settings = common.step_settings(stage, KIND) or {}
    index = deciding_index(stage)
    standings = scoring.cached_standings(data, stage, index) if index is not None else None
    per_category = common.select_per_category(stage)
    outcome = decide(
        standings,
        data.visible_ids(stage.id),
        data.counted.get(stage.id, {}).get("dots", {}),
        int(settings.get("select_count", 1)),
        per_category=per_category,
        filed={i.id: i.category for i in data.ideas.get(stage.id, []) if i.id is not None}
        if per_category
        else None,
    )
    decision = stage_decision(stage, standings, index, data.rounds.get(stage.id, []))
    rows = results_json(outcome, data.ideas.get(stage.id, []), decision)
    # The selection is the decision taken: a participant removed afterwards changes the
    # standings shown, never what was selected.
    for row in rows:
        row["selected"] = row["idea_id"] in stage.selected
    return rows
