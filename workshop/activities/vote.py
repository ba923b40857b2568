"""Dot vote: each participant spends a small budget of dots, at most a few per idea.

Totals stay hidden from the room until the facilitator reveals them (to avoid bandwagoning);
the console sees them live. Live tallies come from running counters, kept current by each
`votes:set` in its own transaction.
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
    REVEAL_FLAG,
    SCORES,
    EventSpec,
    Outcome,
    StepSettings,
    Tally,
)

KIND = "vote"

# --------------------------------------------------------------------------- table


class DotVote(SQLModel, table=True):
    """Dots one participant put on one idea. A participant's rows for a stage are replaced whole."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    idea_id: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    count: int


# --------------------------------------------------------------------------- settings and payload


class VoteSettings(StepSettings):
    dot_budget: Annotated[int, Field(ge=1, le=100, title=N_("Dots per person"))] = 5
    max_dots_per_idea: Annotated[int, Field(ge=1, le=100, title=N_("Most dots on one idea"))] = 3
    on: Annotated[scoring.OnWhat, scoring.on_what(N_("Vote on"))] = "ideas"
    shuffle: scoring.Shuffle = True
    per_category: amounts.PerCategory = False


class VotesSetPayload(Payload):
    stage_id: StageId
    votes: Annotated[dict[IdKey, Amount], Field(max_length=MAX_ENTRIES)]

    def allocation(self) -> dict[int, int]:
        """The votes keyed by idea id; keys must be whole numbers (JSON object keys are text)."""
        return common.id_keys(self.votes, "votes")


AMOUNTS = amounts.Amounts(DotVote, "count", per_idea="dots", people="voters")


# --------------------------------------------------------------------------- service


def set_votes(
    db: Session, *, participant: Participant, stage_id: int, votes: Mapping[int, int]
) -> tuple[Stage, dict[int, int], int, dict[str, int] | None, bool]:
    """Replace a participant's dot allocation for a stage.

    Returns the stage, the stored allocation, the dots left (in all), the dots left per
    category (None unless the step spends per category) and whether anything changed.
    """
    stage, settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    allocation, remaining, by_category = amounts.spend(
        db,
        stage,
        votes,
        budget=int(settings["dot_budget"]),
        cap=int(settings["max_dots_per_idea"]),
        per_category=bool(settings.get("per_category")),
        unit="dots",
        negative="invalid_votes",
    )
    lock_participant(db, participant.id)
    changed = amounts.replace(
        db, AMOUNTS, participant_id=participant.id, stage_id=stage.id, allocation=allocation
    )
    if changed:
        db.commit()
    return stage, allocation, remaining, by_category, changed


def _on_votes_set(db: Session, participant: Participant, payload: VotesSetPayload) -> Outcome:
    stage, allocation, remaining, by_category, changed = set_votes(
        db, participant=participant, stage_id=payload.stage_id, votes=payload.allocation()
    )
    assert stage.id is not None
    ack: dict[str, Any] = {
        "votes": {str(k): v for k, v in allocation.items()},
        "remaining": remaining,
    }
    if by_category is not None:
        ack["remaining_by_category"] = by_category
    return Outcome(ack=ack, publish=(Tally(stage.id),) if changed else ())


# --------------------------------------------------------------------------- the activity


class Vote(amounts.AmountsActivity):
    kind = KIND
    label = N_("Dot vote")
    description = N_("Everyone spends a small budget of dots; totals stay hidden until the reveal.")
    settings = VoteSettings
    tables = (DotVote,)
    events = (
        EventSpec(
            "votes:set",
            VotesSetPayload,
            ("participant",),
            _on_votes_set,
            "Replace the participant's dot allocation for a stage.",
        ),
    )
    position = 20
    noun = N_("dot vote")
    traits = frozenset({SCORES, FEEDS_SHORTLIST, REVEAL_FLAG})
    progress_counts = ("voters",)
    score_label = N_("dots")
    adds_up = N_("dots")
    step_words = N_("The dot vote")

    amounts = AMOUNTS
    budget_setting = "dot_budget"
    cap_setting = "max_dots_per_idea"
    item_key = "votes"
    totals_key = "totals"
    tally_everywhere = True  # v1: every tally carries "dots" and "totals"
    me_keys = ("votes",)
    left_key = "remaining"

    def revealed(self, stage: Stage) -> bool:
        """Release 1's reveal flag: the dots are shown once the stage's results are revealed."""
        return stage.revealed

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        return gettext(
            "Dot vote: each participant had %(budget)s dots, at most %(cap)s on one idea.",
            budget=settings.get("dot_budget"),
            cap=settings.get("max_dots_per_idea"),
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
            "Decided by the dots of %(people)s; on equal dots the earlier idea goes first.",
            people=people,
        )
