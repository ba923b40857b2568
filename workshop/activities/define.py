"""Define: the facilitator captures each selected item's fields live with the room (metrics,
owners, deliverables, dates); participants help by suggesting values, which reach the console."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import UniqueConstraint, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel, col, select

from ..core import levels, rules
from ..core.errors import DomainError
from ..core.payloads import BoundedJson, ClientId, FieldName, IdeaId, Payload, ShortText
from ..i18n import N_, gettext
from ..persistence.models import Idea, Participant, Stage, Workshop, utcnow
from ..persistence.queries import get_idea, get_stage, get_workshop, require_active
from . import common
from .base import (
    NEEDS_SELECTED,
    Activity,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StateChanged,
    ToConsole,
    WorkshopData,
)

KIND = "define"
MAX_SUGGESTIONS_PER_STAGE = 30


class Suggestion(SQLModel, table=True):
    """A participant's suggested value for one field of one item."""

    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    id: int | None = Column(default=None, primary_key=True)
    workshop_id: str = Column(foreign_key="workshop.id", index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    idea_id: int = Column(foreign_key="idea.id", index=True)
    participant_id: int = Column(foreign_key="participant.id")
    client_id: str | None = Column(default=None, max_length=64)
    field: str = Column(max_length=32)
    text: str = Column(max_length=280)
    created_at: datetime = Column(default_factory=utcnow)


class ItemUpdatePayload(Payload):
    idea_id: IdeaId
    fields: Annotated[dict[FieldName, BoundedJson], Field(max_length=10)]


class SuggestionSubmitPayload(Payload):
    idea_id: IdeaId
    field: FieldName
    text: ShortText
    client_id: ClientId | None = None


def suggestion_json(row: Suggestion) -> dict[str, Any]:
    """A suggestion as the console gets it."""
    return {
        "id": row.id,
        "stage_id": row.stage_id,
        "idea_id": row.idea_id,
        "field": row.field,
        "text": row.text,
        "participant_id": row.participant_id,
    }


# --------------------------------------------------------------------------- services


def update_item(
    db: Session, *, workshop: Workshop, idea_id: int, fields: Mapping[str, Any]
) -> Idea:
    """Set, correct or clear an item's fields (the wording as voted stays in `text`)."""
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    if idea.hidden:
        raise DomainError("idea_not_found", gettext("Idea %(idea_id)s is hidden.", idea_id=idea_id))
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    cleaned = levels.check_fields(stage.key, fields, text_limit=rules.IDEA_MAX_LENGTH)
    merged = levels.merge_fields(idea.fields, cleaned)
    if merged.get("text") == idea.text:
        merged.pop("text")
    if merged != idea.fields:
        idea.fields = merged
        db.add(idea)
        db.commit()
    return idea


def submit_suggestion(
    db: Session,
    *,
    participant: Participant,
    idea_id: int,
    field: str,
    text: str,
    client_id: str | None,
) -> tuple[Suggestion, bool]:
    """Store a participant's suggestion for an item's field; a retried client_id is a no-op."""
    assert participant.id is not None
    if client_id:
        existing = db.exec(
            select(Suggestion).where(
                Suggestion.participant_id == participant.id, Suggestion.client_id == client_id
            )
        ).first()
        if existing is not None:
            if (existing.idea_id, existing.field) != (idea_id, field):
                raise DomainError(
                    "invalid_payload",
                    gettext("That client_id was already used for another suggestion."),
                )
            return existing, False
    workshop = get_workshop(db, participant.workshop_id)
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    phase = common.current_kind(stage)
    if phase != KIND:
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage is in its %(phase)s phase; that needs 'define'.", phase=repr(phase)
            ),
        )
    if idea.id not in common.item_ids(db, stage):
        raise DomainError(
            "idea_not_found",
            gettext("Idea %(idea_id)s is not an item of this stage.", idea_id=idea_id),
        )
    levels.suggestion_field(stage.key, field)
    cleaned = rules.clean_idea_text(text)
    mine = db.exec(
        select(func.count())
        .select_from(Suggestion)
        .where(Suggestion.stage_id == stage.id, Suggestion.participant_id == participant.id)
    ).one()
    if mine >= MAX_SUGGESTIONS_PER_STAGE:
        raise DomainError(
            "too_many_suggestions",
            gettext(
                "You can send at most %(max)s suggestions per stage.",
                max=MAX_SUGGESTIONS_PER_STAGE,
            ),
        )
    assert stage.id is not None and idea.id is not None
    row = Suggestion(
        workshop_id=workshop.id,
        stage_id=stage.id,
        idea_id=idea.id,
        participant_id=participant.id,
        client_id=client_id,
        field=field,
        text=cleaned,
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        again = db.exec(
            select(Suggestion).where(
                Suggestion.participant_id == participant.id, Suggestion.client_id == client_id
            )
        ).first()
        if again is None:
            raise
        return again, False
    return row, True


def _on_item_update(db: Session, workshop: Workshop, payload: ItemUpdatePayload) -> Outcome:
    idea = update_item(db, workshop=workshop, idea_id=payload.idea_id, fields=payload.fields)
    return Outcome(
        ack={"idea": {"id": idea.id, "stage_id": idea.stage_id, "fields": dict(idea.fields)}},
        publish=(StateChanged(),),
    )


def _on_suggestion_submit(
    db: Session, participant: Participant, payload: SuggestionSubmitPayload
) -> Outcome:
    row, created = submit_suggestion(
        db,
        participant=participant,
        idea_id=payload.idea_id,
        field=payload.field,
        text=payload.text,
        client_id=payload.client_id,
    )
    body = suggestion_json(row)
    return Outcome(
        ack={"suggestion": body, "duplicate": not created},
        publish=(ToConsole("suggestion:added", {"suggestion": body}),) if created else (),
    )


class Define(Activity):
    kind = KIND
    label = N_("Define")
    description = N_("Capture each selected item's metrics, owner, deliverables and dates.")
    levels = None
    tables = (Suggestion,)
    position = 70
    noun = N_("define")
    traits = frozenset({NEEDS_SELECTED})
    me_keys = ("suggestions",)
    events = (
        EventSpec(
            "item:update",
            ItemUpdatePayload,
            ("facilitator",),
            _on_item_update,
            "Set, correct or clear an item's fields.",
        ),
        EventSpec(
            "suggestion:submit",
            SuggestionSubmitPayload,
            ("participant",),
            _on_suggestion_submit,
            "Suggest a value for one field of an item being defined.",
        ),
    )

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Nobody is waited for: the facilitator defines the items with the room, and a
        participant's suggestion is welcome, never owed."""
        return None

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        query = select(Suggestion).where(col(Suggestion.stage_id).in_(stage_ids))
        for row in db.exec(query.order_by(col(Suggestion.id))):
            out[row.stage_id].append(suggestion_json(row))
        return out

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        keys: dict[str, Any] = {"item_fields": list(levels.fields_of(stage.key))}
        if audience == "facilitator":
            keys["suggestions"] = data.parts[KIND].get(stage.id, [])
        return StageSlice(keys=keys)

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        query = select(Suggestion).where(col(Suggestion.stage_id).in_(stage_ids))
        if only is not None:
            query = query.where(Suggestion.participant_id == only)
        out: dict[int, dict[str, Any]] = defaultdict(lambda: {"suggestions": {}})
        for row in db.exec(query.order_by(col(Suggestion.id))):
            per_stage = out[row.participant_id]["suggestions"].setdefault(str(row.stage_id), [])
            per_stage.append(suggestion_json(row))
        return dict(out)
