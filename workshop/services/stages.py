"""The facilitator's navigation: moving stages through their steps, revealing, hiding, finishing."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import activities
from ..activities import common, scoring
from ..core import steps
from ..core.errors import DomainError
from ..core.traits import FREEZES_ITEMS, REVEAL_FLAG, SCORES
from ..i18n import gettext
from ..persistence.models import Idea, PlanVersion, Stage, Workshop, utcnow
from ..persistence.queries import get_idea, get_stage, require_active
from . import focus, plans, timer


def set_phase(db: Session, *, workshop: Workshop, stage_id: int, phase: str) -> Stage:
    """Make a stage current and move it to the step of kind `phase` (one step forward or back).

    Moving back calls `unwind` on every step left behind, each seeing its own index as the
    stage's step; then the new step's `enter` runs with the stage already on it (rank freezes
    the shortlist, done decides the results). Nothing participants sent is deleted either way.
    """
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    kinds = common.kinds(stage)
    target = steps.resolve_move(kinds, stage.step_index, phase)
    if target < stage.step_index:
        for index in range(stage.step_index, target, -1):
            stage.step_index = index
            activities.get(kinds[index]).unwind(db, stage)
    if target != stage.step_index or workshop.current_stage_id != stage.id:
        # A new step (or another stage) starts with no countdown and nothing in focus.
        timer.clear_on_step_change(stage)
        workshop.focus_idea_id = None
    if workshop.current_stage_id not in (None, stage.id):
        # The stage the room leaves keeps no countdown either: only the current stage has one.
        previous = db.get(Stage, workshop.current_stage_id)
        if previous is not None:
            timer.clear_on_step_change(previous)
            db.add(previous)
    if target != stage.step_index:
        stage.step_index = target
        step = stage.steps[target]
        activities.get(kinds[target]).enter(db, stage, step["settings"])
    workshop.current_stage_id = stage.id
    db.add(stage)
    db.add(workshop)
    db.commit()
    return stage


def reveal_results(db: Session, *, workshop: Workshop, stage_id: int) -> Stage:
    """Show the room what the stage's current step has gathered (idempotent): a private
    brainstorm's ideas, or a scoring step's totals and standings. Once the vote step is
    reached, it also shows release 1's dot totals (`revealed`)."""
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    kind = common.current_kind(stage)
    index = stage.step_index
    if steps.is_private_step(stage.steps, index):
        if index not in stage.reveals:
            stage.reveals = [*stage.reveals, index]
            db.add(stage)
            db.commit()
        return stage
    if not common.has_reached(stage, SCORES):
        raise DomainError(
            "wrong_phase", gettext("There are no results to reveal before voting starts.")
        )
    changed = False
    # Release 1's flag shows the dot totals: set it only once the step it also reveals (the
    # vote) is reached, so revealing an earlier step (ratings, say) does not show a later
    # vote's live dots.
    if not stage.revealed and common.has_reached(stage, REVEAL_FLAG):
        stage.revealed = True
        changed = True
    if kind in scoring.scoring_kinds() and index not in stage.reveals:
        stage.reveals = [*stage.reveals, index]
        changed = True
    if changed:
        db.add(stage)
        db.commit()
    return stage


def hide_idea(db: Session, *, workshop: Workshop, idea_id: int, hidden: bool = True) -> Idea:
    """Hide an idea from participants and the projector (or show it again).

    Allowed until the stage is ranked or decided: once the shortlist is frozen, hiding would
    silently change what people are ranking. Dots already on a hidden idea are kept but no
    longer count, so showing it again restores them.
    """
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if stage.decided or common.has_reached(stage, FREEZES_ITEMS):
        raise DomainError(
            "wrong_phase",
            gettext("Ideas can be hidden until the stage is ranked or decided, not after."),
        )
    if idea.hidden != hidden:
        idea.hidden = hidden
        if hidden:
            # A hidden idea leaves the room's screens, and so the focus (showing it again
            # does not put it back in front of everyone).
            focus.drop(workshop, [idea.id])
            db.add(workshop)
        db.add(idea)
        db.commit()
    return idea


def finish_workshop(db: Session, *, workshop: Workshop) -> PlanVersion:
    """Finish the workshop and store version 1 of its plan (no format is rendered here: each
    renders on its first download). Finishing again returns the stored version 1."""
    existing = db.get(PlanVersion, (workshop.id, 1))
    if existing is not None:
        return existing
    require_active(workshop)
    finished_at = utcnow()
    first = plans.first_version(db, workshop=workshop, finished_at=finished_at)
    workshop.status = "finished"
    workshop.finished_at = finished_at
    # Nothing can be timed or discussed in a finished workshop: no countdown runs on after it,
    # nothing stays in focus.
    workshop.focus_idea_id = None
    if workshop.current_stage_id is not None:
        current = db.get(Stage, workshop.current_stage_id)
        if current is not None and current.timer_seconds is not None:
            timer.clear_on_step_change(current)
            db.add(current)
    db.add(first)
    db.add(workshop)
    try:
        db.commit()
    except IntegrityError:
        # A second console finished the workshop at the same moment: its plan stands.
        db.rollback()
        stored = db.get(PlanVersion, (workshop.id, 1))
        assert stored is not None
        return stored
    return first
