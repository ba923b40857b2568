"""Lookups every layer above shares; a missing or foreign row is a DomainError, never None."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ..core.errors import DomainError
from ..core.security import normalise_code
from ..i18n import gettext
from .models import Idea, Participant, Stage, Workshop


def get_workshop(db: Session, workshop_id: str) -> Workshop:
    """The workshop with this id, or workshop_not_found."""
    workshop = db.get(Workshop, workshop_id)
    if workshop is None:
        raise DomainError("workshop_not_found", gettext("There is no workshop with that id."))
    return workshop


def get_workshop_by_code(db: Session, code: str) -> Workshop:
    """The workshop with this join code (any case), or workshop_not_found."""
    workshop = db.exec(select(Workshop).where(Workshop.code == normalise_code(code))).first()
    if workshop is None:
        raise DomainError(
            "workshop_not_found", gettext("No workshop has the code %(code)s.", code=repr(code))
        )
    return workshop


def get_stage(db: Session, *, workshop_id: str, stage_id: int) -> Stage:
    """A stage of this workshop; a stage of another workshop is as unknown as a missing one."""
    stage = db.get(Stage, stage_id)
    if stage is None or stage.workshop_id != workshop_id:
        raise DomainError(
            "stage_not_found",
            gettext("This workshop has no stage %(stage_id)s.", stage_id=stage_id),
        )
    return stage


def get_idea(db: Session, *, workshop_id: str, idea_id: int, deleted: bool = False) -> Idea:
    """An idea of this workshop (hidden ones too), or idea_not_found.

    A deleted idea (`idea:delete` keeps it as a tombstone) is not found: nothing can show,
    merge, link or focus it again. Only `deleted=True` (a retried delete) gets it back."""
    idea = db.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop_id:
        raise DomainError(
            "idea_not_found", gettext("This workshop has no idea %(idea_id)s.", idea_id=idea_id)
        )
    if idea.deleted_at is not None and not deleted:
        raise DomainError(
            "idea_not_found", gettext("Idea %(idea_id)s was deleted.", idea_id=idea_id)
        )
    return idea


def list_stages(db: Session, workshop_id: str) -> list[Stage]:
    """A workshop's stages in agenda order."""
    query = select(Stage).where(Stage.workshop_id == workshop_id).order_by(col(Stage.position))
    return list(db.exec(query))


def visible_ideas(db: Session, stage_id: int) -> list[Idea]:
    """A stage's ideas that are neither hidden nor merged into another (nor deleted, which
    also hides them), earliest first."""
    query = (
        select(Idea)
        .where(
            Idea.stage_id == stage_id,
            col(Idea.hidden).is_(False),
            col(Idea.merged_into).is_(None),
            col(Idea.deleted_at).is_(None),
        )
        .order_by(col(Idea.id))
    )
    return list(db.exec(query))


def merged_ideas(db: Session, stage_id: int) -> list[Idea]:
    """A stage's ideas merged into others (they show as "also said"), earliest first."""
    query = (
        select(Idea)
        .where(
            Idea.stage_id == stage_id,
            col(Idea.merged_into).is_not(None),
            col(Idea.deleted_at).is_(None),
        )
        .order_by(col(Idea.id))
    )
    return list(db.exec(query))


def visible_idea_ids(db: Session, stage_id: int) -> list[int]:
    """The ids of a stage's visible ideas, earliest first (one light query)."""
    query = (
        select(Idea.id)
        .where(
            Idea.stage_id == stage_id,
            col(Idea.hidden).is_(False),
            col(Idea.merged_into).is_(None),
            col(Idea.deleted_at).is_(None),
        )
        .order_by(col(Idea.id))
    )
    return [idea_id for idea_id in db.exec(query) if idea_id is not None]


def own_idea_count(db: Session, *, stage_id: int, participant_id: int) -> int:
    """How many ideas a participant has sent to a stage and not deleted (hidden and merged
    ones count: they were sent), for the per-participant cap."""
    query = (
        select(func.count())
        .select_from(Idea)
        .where(
            Idea.stage_id == stage_id,
            Idea.participant_id == participant_id,
            col(Idea.deleted_at).is_(None),
        )
    )
    return int(db.exec(query).one())


def participant_count(db: Session, workshop_id: str) -> int:
    """How many people are in this workshop: joined and not removed by the facilitator."""
    query = (
        select(func.count())
        .select_from(Participant)
        .where(Participant.workshop_id == workshop_id, col(Participant.removed_at).is_(None))
    )
    return int(db.exec(query).one())


def removed_count(db: Session, workshop_id: str) -> int:
    """How many participants the facilitator removed from this workshop."""
    query = (
        select(func.count())
        .select_from(Participant)
        .where(Participant.workshop_id == workshop_id, col(Participant.removed_at).is_not(None))
    )
    return int(db.exec(query).one())


def get_participant(db: Session, participant_id: int) -> Participant:
    """A participant by id (the socket layer keeps only the id)."""
    participant = db.get(Participant, participant_id)
    if participant is None:
        raise DomainError("not_joined", gettext("Join the workshop again."))
    return participant


def require_active(workshop: Workshop) -> None:
    """Raise workshop_finished once the workshop has finished."""
    if workshop.status != "active":
        raise DomainError(
            "workshop_finished", gettext("This workshop has finished; its plan is ready.")
        )


def lock_participant(db: Session, participant_id: int) -> None:
    """Start this write's transaction by locking the participant's row, before a
    read-modify-write of their entries. Two writes of the same participant (two tabs, a
    retry racing the original) then run one after the other, so the counters they adjust
    from the entries they read cannot drift. SQLite takes its write lock here; PostgreSQL
    locks the row."""
    db.execute(
        update(Participant).where(col(Participant.id) == participant_id).values(id=Participant.id)
    )
