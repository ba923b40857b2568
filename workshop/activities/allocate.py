"""Allocate: each participant spreads a budget of points (100 by default) over the ideas, as a
room would spread money or people; a per-item cap stops anyone putting everything on one.

Like the dot vote, the totals stay hidden from the room until the facilitator reveals them and
the console sees them live; the running counters (`points`, `allocators`) are kept current by
each `allocation:set` in its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel

from ..core.payloads import MAX_ENTRIES, Amount, IdKey, Payload, StageId
from ..i18n import N_, gettext
from ..persistence.models import Participant, Stage
from ..persistence.queries import lock_participant
from . import amounts, common, scoring
from .base import (
    FEEDS_SHORTLIST,
    SCORES,
    EventSpec,
    Outcome,
    StepSettings,
    Tally,
)

KIND = "allocate"


class Allocation(SQLModel, table=True):
    """Points one participant put on one idea. A participant's rows for a stage are replaced
    whole."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    idea_id: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    points: int


class AllocateSettings(StepSettings):
    budget: Annotated[int, Field(ge=1, le=10000, title=N_("Points to spend"))] = 100
    per_item_cap: Annotated[int, Field(ge=1, le=10000, title=N_("Most points on one idea"))] = 100
    on: Annotated[scoring.OnWhat, scoring.on_what(N_("Points on"))] = "ideas"
    shuffle: scoring.Shuffle = True
    per_category: amounts.PerCategory = False


class AllocationSetPayload(Payload):
    stage_id: StageId
    points: Annotated[dict[IdKey, Amount], Field(max_length=MAX_ENTRIES)]


AMOUNTS = amounts.Amounts(Allocation, "points", per_idea="points", people="allocators")


def set_allocation(
    db: Session, *, participant: Participant, stage_id: int, points: Mapping[int, int]
) -> tuple[Stage, dict[int, int], int, dict[str, int] | None, bool]:
    """Replace a participant's points for a stage: whole numbers, each at least 0 and at most
    the per-item cap, in total at most the budget. Returns the stage, the stored allocation,
    the points left (in all), the points left per category (None unless the step spends per
    category) and whether anything changed."""
    stage, settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    allocation, left, by_category = amounts.spend(
        db,
        stage,
        points,
        budget=int(settings["budget"]),
        cap=int(settings["per_item_cap"]),
        per_category=bool(settings.get("per_category")),
        unit="points",
        negative="invalid_points",
    )
    lock_participant(db, participant.id)
    changed = amounts.replace(
        db, AMOUNTS, participant_id=participant.id, stage_id=stage.id, allocation=allocation
    )
    if changed:
        db.commit()
    return stage, allocation, left, by_category, changed


def _on_allocation_set(
    db: Session, participant: Participant, payload: AllocationSetPayload
) -> Outcome:
    stage, allocation, left, by_category, changed = set_allocation(
        db,
        participant=participant,
        stage_id=payload.stage_id,
        points=common.id_keys(payload.points, "points"),
    )
    assert stage.id is not None
    ack: dict[str, Any] = {"points": {str(k): v for k, v in allocation.items()}, "remaining": left}
    if by_category is not None:
        ack["remaining_by_category"] = by_category
    return Outcome(ack=ack, publish=(Tally(stage.id),) if changed else ())


class Allocate(amounts.AmountsActivity):
    kind = KIND
    label = N_("Allocate points")
    description = N_(
        "Everyone spreads a budget of points over the ideas, as they would spread money or "
        "people; totals stay hidden until the reveal."
    )
    settings = AllocateSettings
    tables = (Allocation,)
    events = (
        EventSpec(
            "allocation:set",
            AllocationSetPayload,
            ("participant",),
            _on_allocation_set,
            "Replace the participant's points for a stage.",
        ),
    )
    position = 30
    noun = N_("allocate points")
    traits = frozenset({SCORES, FEEDS_SHORTLIST})
    progress_counts = ("allocators",)
    item_figures = ("points",)
    score_label = N_("points")
    adds_up = N_("points")
    step_words = N_("The points")

    amounts = AMOUNTS
    budget_setting = "budget"
    cap_setting = "per_item_cap"
    item_key = "points"
    totals_key = "point_totals"
    me_keys = ("allocations",)
    left_key = "points_left"

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        return gettext(
            "Points: each participant spread %(budget)s points, at most %(cap)s on one idea.",
            budget=settings.get("budget"),
            cap=settings.get("per_item_cap"),
        )

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        return gettext(
            "Decided by the points of %(people)s; on equal points the earlier idea goes first.",
            people=people,
        )
