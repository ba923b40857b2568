"""One item in front of everyone (`focus:set` / `focus:clear`, facilitator): the projector shows
it large with its figures so far (as revealed), every phone pins it at the top. It lasts until
cleared or a stage changes step (`services/stages.set_phase`), and goes when the item is
hidden, merged away or deleted (`drop`; `focus_json` shows nothing for such an item even if a
path forgot to drop it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from ..activities.base import WorkshopData
from ..core import steps
from ..core.errors import DomainError
from ..i18n import gettext
from ..persistence.models import Idea, Workshop
from ..persistence.queries import get_idea, get_stage, require_active


def focus_json(data: WorkshopData) -> dict[str, Any] | None:
    """The item in focus as the state carries it, `{"idea_id", "stage_id", "text"}`, or None
    (nothing in focus, or the item is no longer visible)."""
    idea_id = data.workshop.focus_idea_id
    if idea_id is None:
        return None
    for ideas in data.ideas.values():
        for idea in ideas:
            if idea.id == idea_id:
                if not _visible(idea):
                    return None
                return {"idea_id": idea.id, "stage_id": idea.stage_id, "text": idea.text}
    return None


def _visible(idea: Idea) -> bool:
    """Whether the room may see the idea at all: not hidden, merged into another or deleted."""
    return not idea.hidden and idea.merged_into is None and idea.deleted_at is None


def set_focus(db: Session, *, workshop: Workshop, idea_id: int) -> tuple[Idea, bool]:
    """Put a visible idea of this workshop in front of everyone; returns it and whether the
    focus changed (focusing the item already in focus writes nothing).

    An idea of a private brainstorm that has not been revealed is refused (`wrong_phase`): the
    room would see what the facilitator has not shown it yet.
    """
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    if not _visible(idea):
        # A hidden, merged or deleted idea is not on any screen of the room: nothing to show.
        raise DomainError(
            "idea_not_found", gettext("Idea %(idea_id)s is not shown to the room.", idea_id=idea_id)
        )
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if steps.is_private(stage.steps, stage.step_index, stage.reveals):
        raise DomainError(
            "wrong_phase",
            gettext(
                "This brainstorm is private until you reveal it; reveal it to show one of its "
                "ideas."
            ),
        )
    if workshop.focus_idea_id == idea.id:
        return idea, False
    workshop.focus_idea_id = idea.id
    db.add(workshop)
    db.commit()
    return idea, True


def clear_focus(db: Session, *, workshop: Workshop) -> bool:
    """Take the item out of focus; returns whether there was one (clearing again writes
    nothing)."""
    require_active(workshop)
    if workshop.focus_idea_id is None:
        return False
    workshop.focus_idea_id = None
    db.add(workshop)
    db.commit()
    return True


def drop(workshop: Workshop, idea_ids: Iterable[int | None]) -> None:
    """Take the focus off when one of these ideas is in it (they are being hidden, merged away
    or deleted); the caller adds the workshop to its transaction and commits."""
    if workshop.focus_idea_id is not None and workshop.focus_idea_id in set(idea_ids):
        workshop.focus_idea_id = None
