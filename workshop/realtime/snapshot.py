"""The one place that builds a workshop's state snapshot, for each audience.

Clients render from the whole snapshot, so a phone that reconnects needs no special protocol:
it gets the latest snapshot and carries on. The base of each stage (its agenda, items, fields
and links) is built here; every activity on the stage's agenda adds its slice (dot totals only
once revealed, the shortlist, results, link counts, suggestions).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from .. import activities
from ..activities import common, link, vote
from ..activities.base import Audience, WorkshopData
from ..persistence import counters
from ..persistence.models import Idea, Participant, Stage, Workshop
from ..persistence.queries import get_stage, list_stages, participant_count, visible_idea_ids

STATE_VERSION = 1
"""The snapshot format; additions keep it, a change that breaks v1 clients would bump it."""


def load_view(db: Session, workshop: Workshop) -> WorkshopData:
    """Read a workshop's stages and ideas, then let each activity read what it shows."""
    stages = list_stages(db, workshop.id)
    ideas: dict[int, list[Idea]] = defaultdict(list)
    query = select(Idea).where(Idea.workshop_id == workshop.id).order_by(col(Idea.id))
    for idea in db.exec(query):
        ideas[idea.stage_id].append(idea)
    data = WorkshopData(
        workshop=workshop,
        stages=stages,
        ideas=dict(ideas),
        participants=participant_count(db, workshop.id),
        counted=counters.read(db, [s.id for s in stages if s.id is not None]),
    )
    for kind, activity in activities.REGISTRY.items():
        stage_ids = [s.id for s in stages if s.id is not None and kind in common.kinds(s)]
        data.parts[kind] = activity.load(db, data, stage_ids)
    return data


def item_json(idea: Idea, parents: set[int]) -> dict[str, Any]:
    """An item with its wording, fields and confirmed links (to items selected right now)."""
    return {
        "id": idea.id,
        "text": idea.text,
        "fields": dict(idea.fields),
        "links": [link for link in idea.links if link in parents],
        "from_facilitator": idea.participant_id is None,
    }


def selected_ids(stages: list[Stage]) -> set[int]:
    """Every item selected by a decided stage: what links may point at right now."""
    return {idea_id for stage in stages if stage.decided for idea_id in stage.selected}


def _stage_state(data: WorkshopData, stage: Stage, audience: Audience) -> dict[str, Any]:
    assert stage.id is not None
    state: dict[str, Any] = {
        "id": stage.id,
        "key": stage.key,
        "title": stage.title,
        "prompt": stage.prompt,
        "position": stage.position,
        "phase": common.current_kind(stage),
        "step": stage.step_index,
        "steps": [{"kind": s["kind"], "settings": dict(s["settings"])} for s in stage.steps],
        "revealed": stage.revealed,
        "decided": stage.decided,
        "shortlist": [],
        "results": [],
    }
    progress: dict[str, Any] = {"voters": 0, "rankers": 0, "dots": 0}
    per_idea: dict[int, dict[str, Any]] = defaultdict(dict)
    for step in stage.steps:
        piece = activities.get(step["kind"]).stage_slice(data, stage, step["settings"], audience)
        state.update(piece.keys)
        progress.update(piece.progress)
        for idea_id, extra in piece.per_idea.items():
            per_idea[idea_id].update(extra)
    ideas: list[dict[str, Any]] = []
    by_id: dict[int, Idea] = {}
    parents = selected_ids(data.stages)
    for idea in data.ideas.get(stage.id, []):
        assert idea.id is not None
        by_id[idea.id] = idea
        if idea.hidden and audience != "facilitator":
            continue
        item = item_json(idea, parents)
        if audience == "facilitator":
            item["hidden"] = idea.hidden
        if not idea.hidden:
            item.update(per_idea.get(idea.id, {}))
        ideas.append(item)
    state["ideas"] = ideas
    state["selected"] = [
        item_json(by_id[idea_id], parents)
        for idea_id in (stage.selected if stage.decided else [])
        if idea_id in by_id and not by_id[idea_id].hidden
    ]
    state["progress"] = progress
    return state


def public_state(data: WorkshopData, audience: Audience, base_url: str) -> dict[str, Any]:
    """The snapshot without `me`: what the facilitator, the projector or any participant sees."""
    workshop = data.workshop
    current = next((s for s in data.stages if s.id == workshop.current_stage_id), None)
    return {
        "version": STATE_VERSION,
        "audience": audience,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "organization": workshop.organization,
            "horizon_years": workshop.horizon_years,
            "template": workshop.template,
            "status": workshop.status,
            "code": workshop.code,
            "join_url": f"{base_url}j/{workshop.code}",
            "participant_count": data.participants,
        },
        "current": {
            "stage_id": current.id if current else None,
            "phase": common.current_kind(current) if current else None,
        },
        "stages": [_stage_state(data, stage, audience) for stage in data.stages],
        "plan": plan_links(workshop, base_url) if workshop.status == "finished" else None,
    }


def plan_links(workshop: Workshop, base_url: str) -> dict[str, Any]:
    """Where the finished plan can be downloaded (a token or key is still required)."""
    root = f"{base_url}api/workshops/{workshop.id}"
    return {"urls": {"md": f"{root}/plan.md", "html": f"{root}/plan.html"}}


def participant_parts(
    db: Session, data: WorkshopData, only: int | None = None
) -> dict[int, dict[str, Any]]:
    """Every participant's `me` (or just participant `only`'s), in a few grouped queries.

    The per-phone part is small: who they are, their own ideas, and what they gave in each
    activity (dots, orders, links), each activity reading its own rows.
    """
    query = select(Participant).where(Participant.workshop_id == data.workshop.id)
    if only is not None:
        query = query.where(Participant.id == only)
    me: dict[int, dict[str, Any]] = {}
    for person in db.exec(query):
        assert person.id is not None
        me[person.id] = {
            "id": person.id,
            "name": person.name,
            "ideas": [],
            "votes": {},
            "rankings": {},
            "links": {},
            "suggestions": {},
        }
    for idea in sorted(
        (idea for ideas in data.ideas.values() for idea in ideas if not idea.hidden),
        key=lambda idea: idea.id or 0,
    ):
        if idea.participant_id in me:
            me[idea.participant_id]["ideas"].append(idea.id)
    for kind, activity in activities.REGISTRY.items():
        stage_ids = [s.id for s in data.stages if s.id is not None and kind in common.kinds(s)]
        if not stage_ids:
            continue
        for participant_id, part in activity.me(db, data, stage_ids, only).items():
            if participant_id in me:
                me[participant_id].update(part)
    for part in me.values():
        part["remaining"] = remaining(data, part)
    return me


def remaining(data: WorkshopData, me: dict[str, Any]) -> dict[str, int]:
    """The dots a participant has left per stage with a vote step."""
    out: dict[str, int] = {}
    for stage in data.stages:
        settings = common.step_settings(stage, "vote")
        if settings is not None:
            spent = sum(me["votes"].get(str(stage.id), {}).values())
            out[str(stage.id)] = int(settings["dot_budget"]) - spent
    return out


def state_for_participant(
    db: Session, workshop: Workshop, participant: Participant, base_url: str
) -> dict[str, Any]:
    """One participant's full snapshot (on join and resume)."""
    data = load_view(db, workshop)
    public = public_state(data, "participant", base_url)
    assert participant.id is not None
    return {**public, "me": participant_parts(db, data, only=participant.id)[participant.id]}


def tallies(
    db: Session, workshop: Workshop, stage_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The live count for one stage, from its running counters (no workshop reload): the
    console's, and the projector's (per-idea totals only once revealed, no link proposals)."""
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    visible = visible_idea_ids(db, stage_id)
    every = counters.read(db, [stage_id])
    counted = every.get(stage_id, {})
    totals = vote.totals(db, [stage_id], {stage_id: visible}, counted=every)[stage_id]
    payload: dict[str, Any] = {
        "workshop_id": workshop.id,
        "stage_id": stage_id,
        "phase": common.current_kind(stage),
        "participants": participant_count(db, workshop.id),
        "voters": counted.get("voters", {}).get(0, 0),
        "rankers": counted.get("rankers", {}).get(0, 0),
        "linkers": counted.get("linkers", {}).get(0, 0),
        "dots": sum(totals.values()),
    }
    projector = dict(payload)
    payload["totals"] = {str(k): v for k, v in totals.items()}
    if stage.revealed:
        projector["totals"] = payload["totals"]
    if "link" in common.kinds(stage):
        counts = link.proposal_counts(db, [stage_id]).get(stage_id, {})
        parents = set(link.parent_options(list_stages(db, workshop.id), stage))
        items = set(link.item_ids(db, stage))
        payload["link_proposals"] = link.proposals_json(counts, items, parents)
    return payload, projector
