"""Rate: everyone rates ideas for impact and effort, each on a 1-5 scale (partial ratings are
fine: some ideas, or one scale of an idea). The room sees each idea's mean and spread on both
scales and its quadrant (quick win, big bet, fill-in, money pit) once revealed; the console
sees them live. The order is by mean impact, then lower mean effort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import delete, distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel, col, select

from ..core import decisions, merging
from ..core.errors import DomainError
from ..core.payloads import MAX_ENTRIES, Amount, IdKey, Payload, StageId
from ..persistence import counters
from ..persistence.models import Participant, Stage
from ..persistence.queries import lock_participant
from . import common, scoring
from .base import (
    FEEDS_SHORTLIST,
    SCORES,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StepSettings,
    Tally,
    WorkshopData,
)

KIND = "rate"
SCALES = ("impact", "effort")
FIGURES = ("impact", "impact_spread", "effort", "effort_spread", "ratings", "quadrant")
"""What each rated idea carries: mean and spread on both scales, how many rated it, its
quadrant."""


class Rating(SQLModel, table=True):
    """One participant's impact and effort ratings of one idea (either may be missing)."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    idea_id: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    impact: int | None = None
    effort: int | None = None


class RateSettings(StepSettings):
    on: Annotated[scoring.OnWhat, scoring.on_what("Rate")] = "ideas"
    shuffle: scoring.Shuffle = True


class RatingPayload(Payload):
    impact: Amount | None = None
    effort: Amount | None = None


class RatingSetPayload(Payload):
    stage_id: StageId
    ratings: Annotated[dict[IdKey, RatingPayload], Field(max_length=MAX_ENTRIES)]


Entry = dict[str, list[int | None]]
"""The JSON shape of one participant's ratings: idea id -> [impact, effort]."""


def check_ratings(
    ratings: Mapping[int, RatingPayload], eligible: Sequence[int]
) -> dict[int, tuple[int | None, int | None]]:
    """Each rating on 1..5; an idea rated on neither scale is dropped (not rated)."""
    allowed = set(eligible)
    out: dict[int, tuple[int | None, int | None]] = {}
    for idea_id, rating in sorted(ratings.items()):
        if idea_id not in allowed:
            raise DomainError("idea_not_found", f"Idea {idea_id} is not open for rating here.")
        for scale in SCALES:
            value = getattr(rating, scale)
            if value is not None and not decisions.SCALE_LOW <= value <= decisions.SCALE_HIGH:
                raise DomainError(
                    "invalid_rating",
                    f"{scale.capitalize()} is rated from {decisions.SCALE_LOW} to "
                    f"{decisions.SCALE_HIGH} ({value} given).",
                )
        if rating.impact is not None or rating.effort is not None:
            out[idea_id] = (rating.impact, rating.effort)
    return out


def ratings_json(entry: Mapping[int, tuple[int | None, int | None]]) -> dict[str, Any]:
    """Ratings as acks and `me` carry them: idea id -> {"impact", "effort"}."""
    return {str(k): {"impact": i, "effort": e} for k, (i, e) in sorted(entry.items())}


def recount(db: Session, stage_id: int) -> None:
    """Rebuild a stage's raters counter from the stored ratings."""
    counters.reset(db, stage_id, ["raters"])
    people = db.exec(
        select(func.count(distinct(col(Rating.participant_id)))).where(Rating.stage_id == stage_id)
    ).one()
    counters.add(db, stage_id, {(counters.STAGE_WIDE, "raters"): int(people)})


def set_ratings(
    db: Session,
    *,
    participant: Participant,
    stage_id: int,
    ratings: Mapping[int, RatingPayload],
) -> tuple[Stage, dict[int, tuple[int | None, int | None]], bool]:
    """Replace a participant's ratings for a stage; return the stage, the stored ratings and
    whether anything changed."""
    stage, _settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    checked = check_ratings(ratings, common.visible_idea_ids(db, stage.id))
    lock_participant(db, participant.id)
    mine = (col(Rating.participant_id) == participant.id, col(Rating.stage_id) == stage.id)
    before = {r.idea_id: (r.impact, r.effort) for r in db.exec(select(Rating).where(*mine))}
    if before == checked:
        return stage, checked, False
    db.execute(delete(Rating).where(*mine))
    for idea_id, (impact, effort) in checked.items():
        db.add(
            Rating(
                participant_id=participant.id,
                idea_id=idea_id,
                stage_id=stage.id,
                impact=impact,
                effort=effort,
            )
        )
    counters.add(
        db, stage.id, {(counters.STAGE_WIDE, "raters"): int(bool(checked)) - int(bool(before))}
    )
    db.commit()
    return stage, checked, True


def _on_rating_set(db: Session, participant: Participant, payload: RatingSetPayload) -> Outcome:
    stage, checked, changed = set_ratings(
        db,
        participant=participant,
        stage_id=payload.stage_id,
        ratings=common.id_keys(payload.ratings, "ratings"),
    )
    assert stage.id is not None
    return Outcome(
        ack={"ratings": ratings_json(checked)}, publish=(Tally(stage.id),) if changed else ()
    )


class Rate(scoring.ScoringActivity):
    kind = KIND
    label = "Impact and effort"
    description = (
        "Everyone rates ideas for impact and effort (1-5); the room sees quick wins, big bets, "
        "fill-ins and money pits."
    )
    settings = RateSettings
    tables = (Rating,)
    position = 40
    noun = "impact and effort"
    traits = frozenset({SCORES, FEEDS_SHORTLIST})
    progress_counts = ("raters",)
    item_figures = FIGURES
    score_label = "mean impact"
    adds_up = "mean impact"
    step_words = "The ratings"
    me_keys = ("ratings",)
    events = (
        EventSpec(
            "rating:set",
            RatingSetPayload,
            ("participant",),
            _on_rating_set,
            "Replace the participant's impact and effort ratings for a stage.",
        ),
    )

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        out: dict[int, dict[int, Any]] = {sid: {} for sid in stage_ids}
        # Plain columns, not ORM objects: a live tally reads every row of the stage.
        query = sa_select(
            col(Rating.stage_id),
            col(Rating.participant_id),
            col(Rating.idea_id),
            col(Rating.impact),
            col(Rating.effort),
        ).where(col(Rating.stage_id).in_(stage_ids))
        for stage_id, participant_id, idea_id, impact, effort in db.execute(
            query.order_by(col(Rating.idea_id))
        ):
            out[stage_id].setdefault(participant_id, {})[str(idea_id)] = [impact, effort]
        return out

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has rated anything in the current round."""
        query = select(Rating.participant_id).where(Rating.stage_id == stage.id).distinct()
        return {int(pid) for pid in db.exec(query)}

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        assert stage.id is not None
        for participant_id, entry in changed.items():
            db.execute(
                delete(Rating).where(
                    col(Rating.participant_id) == participant_id, col(Rating.stage_id) == stage.id
                )
            )
            for idea_id, (impact, effort) in (entry or {}).items():
                if impact is not None or effort is not None:
                    db.add(
                        Rating(
                            participant_id=participant_id,
                            idea_id=int(idea_id),
                            stage_id=stage.id,
                            impact=impact,
                            effort=effort,
                        )
                    )
        db.flush()
        recount(db, stage.id)

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        return merging.merge_ratings(entry, into, absorbed)

    def standings(
        self,
        stage: Stage,
        settings: Mapping[str, Any],
        entries: Mapping[int, Any],
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
        picks: int,
    ) -> decisions.Standings:
        given = [
            {int(k): (v[0], v[1]) for k, v in entry.items()} for entry in entries.values() if entry
        ]
        return decisions.rating_standings(given, visible, picks=picks, kind=KIND)

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        index = common.step_index_of(stage, KIND)
        see = audience == "facilitator" or scoring.is_revealed(stage, index)
        per_idea: dict[int, dict[str, Any]] = {}
        if see and index <= max(stage.step_index, -1):
            standings = scoring.cached_standings(data, stage, index)
            if standings is not None:
                per_idea = {
                    item.idea_id: {k: item.extra[k] for k in FIGURES}
                    for item in standings.items.values()
                }
        return StageSlice(
            keys={"scale": [decisions.SCALE_LOW, decisions.SCALE_HIGH]},
            progress={"raters": data.count(stage.id, "raters")},
            per_idea=per_idea,
        )

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        return common.me_entries(
            data, KIND, "ratings", only, lambda v: {"impact": v[0], "effort": v[1]}
        )

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        return (
            "Impact and effort: each rated from 1 to 5; a mean above 3 is high (quick win: high "
            "impact, low effort; big bet: both high; fill-in: both low; money pit: low impact, "
            "high effort)."
        )

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        return (
            f"Decided by the ratings of {people}: the highest mean impact first, then the lower "
            "mean effort."
        )
