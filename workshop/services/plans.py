"""Reads a workshop and hands the pure plan assembly what it needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from .. import plan as plan_module
from ..activities import common, done, scoring
from ..core import levels
from ..persistence.models import Plan, Stage, Workshop
from ..persistence.queries import list_stages, merged_ideas, participant_count, visible_ideas

GAP_KINDS = (
    ("unserved_goals", "unserved_goal"),
    ("unaligned_programs", "unaligned_program"),
    ("unaligned_projects", "unaligned_project"),
    ("projects_without_owner", "project_without_owner"),
    ("projects_without_due", "project_without_due"),
)


def assemble(db: Session, *, workshop: Workshop, finished_at: datetime) -> plan_module.PlanDocument:
    """The plan document of a workshop as it stands (pure assembly after the reads)."""
    sections: list[plan_module.StageOutcome] = []
    aligned: list[levels.AlignedItem] = []
    every_stage = list_stages(db, workshop.id)
    # Links count only to items selected now: a goal dropped when its stage was decided
    # again is not served by anything in the plan.
    current = {i for stage in every_stage if stage.decided for i in stage.selected}
    links_items = any("link" in common.kinds(stage) for stage in every_stage)
    for stage in every_stage:
        assert stage.id is not None
        ideas = {idea.id: idea for idea in visible_ideas(db, stage.id) if idea.id is not None}
        outcome, decision = done.read_outcome(db, stage)
        measured = {int(i["idea_id"]): i for i in (decision or {}).get("items", [])}
        merged: dict[int, list[str]] = {}
        for other in merged_ideas(db, stage.id):
            if other.merged_into is not None:
                merged.setdefault(other.merged_into, []).append(other.text)
        items = []
        for result in outcome:
            idea = ideas[result.idea_id]
            links = tuple(link for link in idea.links if link in current)
            selected = stage.decided and result.idea_id in stage.selected
            items.append(
                plan_module.PlanItem(
                    text=idea.text,
                    rank=result.rank,
                    score=scoring.number(result.score),
                    votes=result.votes,
                    shortlisted=result.shortlisted,
                    selected=selected,
                    id=result.idea_id,
                    fields=dict(idea.fields),
                    links=links,
                    consensus=measured.get(result.idea_id, {}).get("consensus"),
                    contested=bool(measured.get(result.idea_id, {}).get("contested")),
                    also_said=tuple(merged.get(result.idea_id, [])),
                )
            )
            links_items = links_items or bool(links)
            if selected:
                aligned.append(levels.AlignedItem(result.idea_id, stage.key, links, idea.fields))
        sections.append(
            plan_module.StageOutcome(
                key=stage.key,
                title=stage.title,
                prompt=stage.prompt,
                completed=stage.decided,
                items=tuple(items),
                how=plan_module.decision_notes(
                    stage.steps,
                    decision,
                    {i: idea.text for i, idea in ideas.items()},
                    other_rounds(db, stage, decision),
                )
                if stage.decided
                else (),
            )
        )
    present = {section.key for section in sections}
    gaps = levels.find_gaps(aligned, present)
    wording = {item.id: item.wording for section in sections for item in section.items}
    lines = [
        plan_module.GapLine(kind, wording[idea_id])
        for attribute, kind in GAP_KINDS
        for idea_id in getattr(gaps, attribute)
    ]
    return plan_module.assemble_plan(
        title=workshop.title,
        organization=workshop.organization,
        horizon_years=workshop.horizon_years,
        finished_at=finished_at,
        participants=participant_count(db, workshop.id),
        stages=sections,
        gaps=lines,
        aligned=links_items,
    )


def other_rounds(
    db: Session, stage: Stage, decision: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The final standings of every step of the stage that had a second round, other than
    the step that decided it (whose standings are `decision`)."""
    assert stage.id is not None
    closed = scoring.load_rounds(db, [stage.id]).get(stage.id, [])
    deciding = decision["step"] if decision else None
    out = []
    for index in sorted({r.step_index for r in closed} - {deciding}):
        if index >= len(stage.steps):
            continue
        standings = scoring.read_standings(db, stage, index)
        if standings is None:
            continue
        previous = scoring.rounds_of(closed, index)
        out.append(
            scoring.decision_json(
                standings,
                index=index,
                round_number=len(previous) + 1,
                previous=previous[-1].standings,
            )
        )
    return out


def build_plan(db: Session, *, workshop: Workshop, finished_at: datetime) -> Plan:
    """The plan row to store when the workshop finishes."""
    document = assemble(db, workshop=workshop, finished_at=finished_at)
    return Plan(
        workshop_id=workshop.id,
        created_at=finished_at,
        data=document.as_dict(),
        markdown=plan_module.render(document, "md"),
        html=plan_module.render(document, "html"),
    )
