"""Suggested duplicates: while a stage's ideas can still be merged (brainstorm, before a
vote), the console lists groups of ideas that are likely the same (`core/similar.py`), each
with "Merge" (the existing `idea:merge`) and "Not the same" (`duplicate:dismiss`, kept in
`DuplicateDismissal`). Declared by the brainstorm activity (`brainstorm.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel

from ..core.payloads import IdeaId, Payload, StageId
from ..persistence.models import Workshop, utcnow
from .base import Outcome


class DuplicateDismissal(SQLModel, table=True):
    """Two ideas of a stage the facilitator said are not the same (`idea_a` < `idea_b`): no
    suggestion pairs them again."""

    __tablename__ = "duplicate_dismissal"

    stage_id: int = Column(foreign_key="stage.id", primary_key=True)
    idea_a: int = Column(foreign_key="idea.id", primary_key=True)
    idea_b: int = Column(foreign_key="idea.id", primary_key=True)
    created_at: datetime = Column(default_factory=utcnow)


class DuplicateDismissPayload(Payload):
    stage_id: StageId
    idea_ids: Annotated[list[IdeaId], Field(min_length=2, max_length=50)]


def on_dismiss(db: Session, who: Workshop, payload: DuplicateDismissPayload) -> Outcome:
    raise NotImplementedError  # helper B3
