"""Editing and deleting ideas: a participant fixes or withdraws their own idea while the
brainstorm is open; the facilitator corrects any idea's wording until the stage is done.

The wording as first submitted is kept (`Idea.original_text`) and the plan's appendix shows
it as "edited from". A deleted idea stays as a tombstone (`Idea.deleted_at`, hidden), so a
retried delete answers the same. Declared by the brainstorm activity (`brainstorm.py`).
"""

from __future__ import annotations

from sqlmodel import Session

from ..core.payloads import IdeaId, Payload, ShortText
from ..persistence.models import Participant, Workshop
from .base import Outcome


class IdeaEditPayload(Payload):
    idea_id: IdeaId
    text: ShortText


class IdeaDeletePayload(Payload):
    idea_id: IdeaId


def on_edit(db: Session, who: Participant | Workshop, payload: IdeaEditPayload) -> Outcome:
    raise NotImplementedError  # helper B2


def on_delete(db: Session, who: Participant | Workshop, payload: IdeaDeletePayload) -> Outcome:
    raise NotImplementedError  # helper B2
