"""Every table, in one place. The database is the single source of truth for a workshop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- workshop and agenda


class Workshop(SQLModel, table=True):
    """One live meeting: a title, a join code, a facilitator key (hashed) and its stages."""

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(index=True, unique=True, max_length=6)
    title: str = Field(max_length=120)
    organization: str | None = Field(default=None, max_length=120)
    horizon_years: int = 3
    template: str = Field(default="strategic-plan", max_length=40)
    status: str = Field(default="active", max_length=16)  # active | finished
    facilitator_key_hash: str = Field(max_length=64)
    current_stage_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class Stage(SQLModel, table=True):
    """One agenda item (vision, goals, projects...) and its phase and settings."""

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    position: int
    key: str = Field(max_length=40)
    title: str = Field(max_length=80)
    prompt: str = Field(max_length=400)
    phase: str = Field(default="pending", max_length=16)
    dot_budget: int = 5
    max_dots_per_idea: int = 3
    shortlist_size: int = 5
    select_count: int = 1
    revealed: bool = False
    # Frozen when the stage enters "rank", so everyone orders the same list.
    shortlist: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --------------------------------------------------------------------------- people


class Participant(SQLModel, table=True):
    """Someone who joined from a phone; known by a token (stored hashed), named optionally."""

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    name: str | None = Field(default=None, max_length=40)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    joined_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- contributions


class Idea(SQLModel, table=True):
    """A short idea submitted in a stage's brainstorm. A lower id means an earlier idea."""

    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    client_id: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=280)
    hidden: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class DotVote(SQLModel, table=True):
    """Dots one participant put on one idea. A participant's rows for a stage are replaced whole."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    count: int


class Ranking(SQLModel, table=True):
    """One participant's order of a stage's shortlist (idea ids, best first)."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", primary_key=True, index=True)
    idea_order: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- output


class Plan(SQLModel, table=True):
    """The strategic plan, generated once when the workshop finishes, in each stored format."""

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    markdown: str
    html: str
