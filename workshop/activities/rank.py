"""Rank: the top ideas by dots form a shortlist, frozen on entering the step; everyone orders it.

The orders are aggregated by a Borda count when the stage reaches `done`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import Column as SAColumn
from sqlmodel import JSON, Session, SQLModel, col, select
from sqlmodel import Field as Column

from ..core import decisions, merging, rules
from ..core.payloads import IdeaId, Payload, StageId
from ..i18n import N_, gettext
from ..persistence import counters
from ..persistence.models import Participant, Stage, utcnow
from ..persistence.queries import lock_participant
from . import common, scoring
from .base import (
    FREEZES_ITEMS,
    SCORES,
    SHORTLISTS,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StepSettings,
    Tally,
    WorkshopData,
)

KIND = "rank"
METHOD_WORDS = {
    "borda": N_("a Borda count (in a shortlist of k, first place earns k-1 points, last 0)"),
    "schulze": N_("the Schulze method (every pair of ideas compared head to head)"),
}


class Ranking(SQLModel, table=True):
    """One participant's order of a stage's shortlist (idea ids, best first)."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    stage_id: int = Column(foreign_key="stage.id", primary_key=True, index=True)
    idea_order: list[int] = Column(default_factory=list, sa_column=SAColumn(JSON, nullable=False))
    updated_at: datetime = Column(default_factory=utcnow)


class RankSettings(StepSettings):
    shortlist_size: Annotated[int, Field(ge=1, le=50, title=N_("Shortlist size"))] = 5
    method: Annotated[
        Literal["borda", "schulze"],
        Field(
            title=N_("Counting method"),
            json_schema_extra={
                "choices": {"borda": N_("Borda count"), "schulze": N_("Schulze method")}
            },
        ),
    ] = "borda"
    shuffle: scoring.Shuffle = True


class RankingSetPayload(Payload):
    stage_id: StageId
    order: Annotated[list[IdeaId], Field(max_length=100)]


def orders(db: Session, stage_ids: Sequence[int]) -> dict[int, list[list[int]]]:
    """stage id -> every submitted order."""
    out: dict[int, list[list[int]]] = defaultdict(list)
    if stage_ids:
        query = select(Ranking.stage_id, Ranking.idea_order).where(
            col(Ranking.stage_id).in_(list(stage_ids))
        )
        for stage_id, order in db.exec(query):
            out[stage_id].append(list(order))
    return dict(out)


def set_ranking(
    db: Session, *, participant: Participant, stage_id: int, order: Sequence[int]
) -> tuple[Stage, list[int], bool]:
    """Replace a participant's order of a stage's shortlist (partial orders are fine).

    Returns the stage, the stored order and whether anything changed.
    """
    stage, _settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    checked = rules.check_order(order, stage.shortlist)
    assert stage.id is not None and participant.id is not None
    lock_participant(db, participant.id)
    ranking = db.get(Ranking, (participant.id, stage.id))
    if not checked:
        # An empty order withdraws the ranking: the participant no longer counts as ranked.
        if ranking is None:
            return stage, checked, False
        db.delete(ranking)
        counters.add(db, stage.id, {(counters.STAGE_WIDE, "rankers"): -1})
        db.commit()
        return stage, checked, True
    if ranking is not None and list(ranking.idea_order) == checked:
        return stage, checked, False
    if ranking is None:
        ranking = Ranking(participant_id=participant.id, stage_id=stage.id, idea_order=checked)
        counters.add(db, stage.id, {(counters.STAGE_WIDE, "rankers"): 1})
    else:
        ranking.idea_order = checked
        ranking.updated_at = utcnow()
    db.add(ranking)
    db.commit()
    return stage, checked, True


def recount(db: Session, stage_id: int) -> None:
    """Rebuild a stage's rankers counter from the stored rankings."""
    counters.reset(db, stage_id, ["rankers"])
    count = len(orders(db, [stage_id]).get(stage_id, []))
    counters.add(db, stage_id, {(counters.STAGE_WIDE, "rankers"): count})


def _on_ranking_set(db: Session, participant: Participant, payload: RankingSetPayload) -> Outcome:
    stage, order, changed = set_ranking(
        db, participant=participant, stage_id=payload.stage_id, order=payload.order
    )
    assert stage.id is not None
    return Outcome(ack={"order": order}, publish=(Tally(stage.id),) if changed else ())


def shortlist_ranked(stage: Stage, audience: Audience) -> bool:
    """Whether this audience gets the shortlist in score order: the facilitator always; the
    room once the step that built it was revealed (or the stage is decided)."""
    if audience == "facilitator" or stage.decided:
        return True
    rank_index = common.step_index_of(stage, KIND)
    before = scoring.latest_index(stage, before=rank_index)
    return before is not None and scoring.is_revealed(stage, before)


def shortlist_for(stage: Stage, audience: Audience) -> list[int]:
    """The shortlist from "rank" on: in score order for the facilitator and once the step
    that built it was revealed, otherwise in the order the ideas were written, so its order
    does not leak the hidden dots (or points, or ratings)."""
    if not stage.shortlist:
        return []
    if shortlist_ranked(stage, audience):
        return list(stage.shortlist)
    return sorted(stage.shortlist)


class Rank(scoring.ScoringActivity):
    kind = KIND
    label = N_("Rank")
    description = N_(
        "The top ideas of the step before (dots, points or impact) are shortlisted; everyone "
        "puts the shortlist in order."
    )
    settings = RankSettings
    tables = (Ranking,)
    events = (
        EventSpec(
            "ranking:set",
            RankingSetPayload,
            ("participant",),
            _on_ranking_set,
            "Replace the participant's order of a stage's shortlist.",
        ),
    )

    position = 50
    noun = N_("rank")
    traits = frozenset({SCORES, SHORTLISTS, FREEZES_ITEMS})
    progress_counts = ("rankers",)
    score_label = N_("Borda points")
    step_words = N_("The ranking")
    me_keys = ("rankings",)

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        """Freeze the shortlist: the top of the last scoring step before this one (dots,
        points or impact), or the first ideas written when there is none."""
        assert stage.id is not None
        size = int(settings["shortlist_size"])
        before = scoring.latest_index(stage, before=stage.step_index)
        standings = scoring.read_standings(db, stage, before) if before is not None else None
        if standings is not None:
            stage.shortlist = standings.order[:size]
        else:
            stage.shortlist = common.visible_idea_ids(db, stage.id)[:size]

    def unwind(self, db: Session, stage: Stage) -> None:
        super().unwind(db, stage)
        stage.shortlist = []

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        out: dict[int, dict[int, Any]] = {sid: {} for sid in stage_ids}
        query = select(Ranking.stage_id, Ranking.participant_id, Ranking.idea_order).where(
            col(Ranking.stage_id).in_(stage_ids)
        )
        for stage_id, participant_id, order in db.exec(query.order_by(col(Ranking.participant_id))):
            out[stage_id][participant_id] = list(order)
        return out

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has put the shortlist in order in the current round (an empty order is no
        ranking: it is deleted)."""
        query = select(Ranking.participant_id).where(Ranking.stage_id == stage.id)
        return {int(pid) for pid in db.exec(query)}

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        assert stage.id is not None
        for participant_id, order in changed.items():
            ranking = db.get(Ranking, (participant_id, stage.id))
            if not order:
                if ranking is not None:
                    db.delete(ranking)
                continue
            if ranking is None:
                ranking = Ranking(participant_id=participant_id, stage_id=stage.id)
            ranking.idea_order = list(order)
            ranking.updated_at = utcnow()
            db.add(ranking)
        db.flush()
        recount(db, stage.id)

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        return merging.merge_order(entry, into, absorbed)

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
        shown = set(visible)
        shortlisted = [i for i in stage.shortlist if i in shown]
        return decisions.ranking_standings(
            [list(order) for order in entries.values() if order],
            shortlisted,
            counted.get("dots", {}),
            method=str(settings.get("method", "borda")),
            picks=picks,
            kind=KIND,
        )

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        return StageSlice(
            keys={
                "shortlist_size": settings["shortlist_size"],
                "method": settings.get("method", "borda"),
                "shortlist": shortlist_for(stage, audience),
                "shortlist_ranked": shortlist_ranked(stage, audience),
            },
            progress={"rankers": data.count(stage.id, "rankers")},
        )

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for sid, by_participant in data.parts[KIND]["entries"].items():
            for pid, order in by_participant.items():
                if only is None or pid == only:
                    out.setdefault(pid, {"rankings": {}})["rankings"][str(sid)] = list(order)
        return out

    def picks(self, settings: Mapping[str, Any]) -> int:
        return int(settings.get("shortlist_size", 0))

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        method = str(decision.get("method", "borda"))
        return gettext(
            "The top %(size)s by %(earlier)s were shortlisted; %(people)s ranked them, counted "
            "by %(method)s. Ties go to the higher Borda score, then more dots, then the earlier "
            "idea.",
            size=settings.get("shortlist_size"),
            earlier=gettext(earlier or "dots"),
            people=people,
            method=gettext(METHOD_WORDS[method]) if method in METHOD_WORDS else method,
        )
