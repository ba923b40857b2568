"""The one place that builds a workshop's state snapshot, for each audience.

Clients render from the whole snapshot, so a phone that reconnects needs no special protocol:
it gets the latest snapshot and carries on. Dot totals are in a participant's or the
projector's snapshot only once the facilitator has revealed them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from . import rules, services
from .models import DotVote, Idea, Participant, Ranking, Stage, Workshop

Audience = Literal["facilitator", "projector", "participant"]


@dataclass
class WorkshopView:
    """Everything the snapshots need, loaded once per broadcast."""

    workshop: Workshop
    stages: list[Stage]
    ideas: dict[int, list[Idea]]  # stage id -> every idea (hidden ones too), earliest first
    totals: dict[int, dict[int, int]]  # stage id -> idea id -> dots on visible ideas
    voters: dict[int, int]  # stage id -> participants who spent at least one dot
    rankers: dict[int, int]  # stage id -> participants who submitted an order
    participants: int
    results: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def load_view(db: Session, workshop: Workshop) -> WorkshopView:
    """Read a workshop's stages, ideas, dot totals and progress counts."""
    stages = services.list_stages(db, workshop.id)
    ideas: dict[int, list[Idea]] = defaultdict(list)
    query = select(Idea).where(Idea.workshop_id == workshop.id).order_by(col(Idea.id))
    for idea in db.exec(query):
        ideas[idea.stage_id].append(idea)
    stage_ids = [stage.id for stage in stages if stage.id is not None]
    # Every visible idea starts at 0 dots; the sums come from one grouped query.
    totals: dict[int, dict[int, int]] = {
        stage_id: {idea.id: 0 for idea in ideas[stage_id] if idea.id and not idea.hidden}
        for stage_id in stage_ids
    }
    sums = select(DotVote.stage_id, DotVote.idea_id, func.sum(DotVote.count)).where(
        col(DotVote.stage_id).in_(stage_ids)
    )
    grouped = sums.group_by(col(DotVote.stage_id), col(DotVote.idea_id))
    for stage_id, idea_id, total in db.exec(grouped):
        if idea_id in totals[stage_id]:
            totals[stage_id][idea_id] = int(total or 0)
    voters = _count_by_stage(
        db, DotVote.stage_id, func.count(distinct(col(DotVote.participant_id))), stage_ids
    )
    rankers = _count_by_stage(db, Ranking.stage_id, func.count(), stage_ids)
    results: dict[int, list[dict[str, Any]]] = {}
    done = {stage.id: stage for stage in stages if stage.phase == "done" and stage.id}
    orders: dict[int, list[list[int]]] = defaultdict(list)
    if done:
        ranked = select(Ranking.stage_id, Ranking.idea_order).where(
            col(Ranking.stage_id).in_(list(done))
        )
        for ranked_stage, order in db.exec(ranked):
            orders[ranked_stage].append(list(order))
    for stage_id, stage in done.items():
        texts = {idea.id: idea.text for idea in ideas[stage_id]}
        outcome = rules.decide(
            totals=totals[stage_id],
            stored_shortlist=stage.shortlist,
            orders=orders[stage_id],
            select_count=stage.select_count,
        )
        results[stage_id] = [
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
    return WorkshopView(
        workshop=workshop,
        stages=stages,
        ideas=dict(ideas),
        totals=totals,
        voters=voters,
        rankers=rankers,
        participants=services.participant_count(db, workshop.id),
        results=results,
    )


def _count_by_stage(
    db: Session, stage_column: Any, counted: Any, stage_ids: list[int]
) -> dict[int, int]:
    """One grouped query: `counted` per stage, for the given stages."""
    query = (
        select(stage_column, counted).where(col(stage_column).in_(stage_ids)).group_by(stage_column)
    )
    return {stage_id: int(count) for stage_id, count in db.exec(query)}


def _stage_state(view: WorkshopView, stage: Stage, audience: Audience) -> dict[str, Any]:
    assert stage.id is not None
    see_totals = audience == "facilitator" or stage.revealed
    totals = view.totals.get(stage.id, {})
    ideas: list[dict[str, Any]] = []
    for idea in view.ideas.get(stage.id, []):
        if idea.hidden and audience != "facilitator":
            continue
        item: dict[str, Any] = {"id": idea.id, "text": idea.text}
        if audience == "facilitator":
            item["hidden"] = idea.hidden
        if see_totals and not idea.hidden:
            item["votes"] = totals.get(idea.id or 0, 0)
        ideas.append(item)
    return {
        "id": stage.id,
        "key": stage.key,
        "title": stage.title,
        "prompt": stage.prompt,
        "position": stage.position,
        "phase": stage.phase,
        "revealed": stage.revealed,
        "dot_budget": stage.dot_budget,
        "max_dots_per_idea": stage.max_dots_per_idea,
        "shortlist_size": stage.shortlist_size,
        "select_count": stage.select_count,
        "ideas": ideas,
        "shortlist": _shortlist(stage, audience),
        "results": view.results.get(stage.id, []),
        "progress": {
            "voters": view.voters.get(stage.id, 0),
            "rankers": view.rankers.get(stage.id, 0),
            "dots": sum(totals.values()),
        },
    }


def _shortlist(stage: Stage, audience: Audience) -> list[int]:
    """The shortlist from "rank" on: by dots for the facilitator and once revealed, otherwise
    in the order the ideas were written, so its order does not leak the hidden dot ranking."""
    if stage.phase not in ("rank", "done"):
        return []
    if audience == "facilitator" or stage.revealed:
        return list(stage.shortlist)
    return sorted(stage.shortlist)


def public_state(view: WorkshopView, audience: Audience, base_url: str) -> dict[str, Any]:
    """The snapshot without `me`: what the facilitator, the projector or any participant sees."""
    workshop = view.workshop
    current = next((s for s in view.stages if s.id == workshop.current_stage_id), None)
    state: dict[str, Any] = {
        "version": 1,
        "audience": audience,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "organization": workshop.organization,
            "horizon_years": workshop.horizon_years,
            "status": workshop.status,
            "code": workshop.code,
            "join_url": f"{base_url}j/{workshop.code}",
            "participant_count": view.participants,
        },
        "current": {
            "stage_id": current.id if current else None,
            "phase": current.phase if current else None,
        },
        "stages": [_stage_state(view, stage, audience) for stage in view.stages],
        "plan": plan_links(workshop, base_url) if workshop.status == "finished" else None,
    }
    return state


def plan_links(workshop: Workshop, base_url: str) -> dict[str, Any]:
    """Where the finished plan can be downloaded (a token or key is still required)."""
    root = f"{base_url}api/workshops/{workshop.id}"
    return {"urls": {"md": f"{root}/plan.md", "html": f"{root}/plan.html"}}


def participant_parts(
    db: Session, view: WorkshopView, only: int | None = None
) -> dict[int, dict[str, Any]]:
    """Every participant's `me` (or just participant `only`'s), in three queries however many.

    Votes and rankings are read for the chosen participants only; ideas come from the view.
    """
    workshop = view.workshop
    query = select(Participant).where(Participant.workshop_id == workshop.id)
    if only is not None:
        query = query.where(Participant.id == only)
    me: dict[int, dict[str, Any]] = {}
    for person in db.exec(query):
        assert person.id is not None
        me[person.id] = {"id": person.id, "name": person.name, "votes": {}, "rankings": {}}
    stage_ids = [stage.id for stage in view.stages]
    visible: set[int] = set()
    mine: dict[int, list[int]] = defaultdict(list)
    for idea in sorted(
        (idea for ideas in view.ideas.values() for idea in ideas if not idea.hidden),
        key=lambda idea: idea.id or 0,
    ):
        assert idea.id is not None
        visible.add(idea.id)
        if idea.participant_id in me:
            mine[idea.participant_id].append(idea.id)
    for participant_id, part in me.items():
        part["ideas"] = mine.get(participant_id, [])
    votes = select(DotVote).where(col(DotVote.stage_id).in_(stage_ids))
    rankings = select(Ranking).where(col(Ranking.stage_id).in_(stage_ids))
    if only is not None:
        votes = votes.where(DotVote.participant_id == only)
        rankings = rankings.where(Ranking.participant_id == only)
    for vote in db.exec(votes.order_by(col(DotVote.idea_id))):
        if vote.participant_id in me and vote.idea_id in visible:
            per_stage = me[vote.participant_id]["votes"].setdefault(str(vote.stage_id), {})
            per_stage[str(vote.idea_id)] = vote.count
    for ranking in db.exec(rankings):
        if ranking.participant_id in me:
            me[ranking.participant_id]["rankings"][str(ranking.stage_id)] = list(ranking.idea_order)
    return me


def participant_state(public: dict[str, Any], me: dict[str, Any]) -> dict[str, Any]:
    """A participant's snapshot: the public one plus `me`, with the dots each stage has left."""
    remaining = {}
    for stage in public["stages"]:
        spent = sum(me["votes"].get(str(stage["id"]), {}).values())
        remaining[str(stage["id"])] = stage["dot_budget"] - spent
    return {**public, "me": {**me, "remaining": remaining}}


def state_for_participant(
    db: Session, workshop: Workshop, participant: Participant, base_url: str
) -> dict[str, Any]:
    """One participant's full snapshot (on join and resume)."""
    view = load_view(db, workshop)
    public = public_state(view, "participant", base_url)
    assert participant.id is not None
    me = participant_parts(db, view, only=participant.id)[participant.id]
    return participant_state(public, me)


def tally(view: WorkshopView, stage: Stage, audience: Audience) -> dict[str, Any]:
    """The live count for one stage; per-idea totals only where this audience may see them."""
    assert stage.id is not None
    payload: dict[str, Any] = {
        "workshop_id": view.workshop.id,
        "stage_id": stage.id,
        "phase": stage.phase,
        "participants": view.participants,
        "voters": view.voters.get(stage.id, 0),
        "rankers": view.rankers.get(stage.id, 0),
        "dots": sum(view.totals.get(stage.id, {}).values()),
    }
    if audience == "facilitator" or stage.revealed:
        payload["totals"] = {str(k): v for k, v in view.totals.get(stage.id, {}).items()}
    return payload
