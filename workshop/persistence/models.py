"""The core tables. Each built-in activity module declares its own tables (votes, rankings,
links…); an activity without tables of its own keeps its entries in `Entry`.

The database is the single source of truth for a workshop. Every schema change comes with a
migration under `migrations/versions/`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..core.security import new_secret


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- workshop and agenda


class Workshop(SQLModel, table=True):
    """One live meeting: a title, a join code, a facilitator key (hashed) and its stages.

    The projector token is the room screen's credential: it only reads the room's state, so
    it is kept plain (the console shows its link). New people cannot join while
    `join_locked`, nor beyond `max_participants` active participants.
    """

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(index=True, unique=True, max_length=6)
    title: str = Field(max_length=120)
    organization: str | None = Field(default=None, max_length=120)
    # Who runs the meeting, for the plan's cover (optional).
    facilitator_name: str | None = Field(default=None, max_length=80)
    horizon_years: int = 3
    template: str = Field(default="strategic-plan", max_length=40)
    status: str = Field(default="active", max_length=16)  # active | finished
    facilitator_key_hash: str = Field(max_length=64)
    current_stage_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    projector_token: str = Field(default_factory=new_secret, max_length=64)
    join_locked: bool = False
    max_participants: int = 2000
    # How often the plan is reviewed (plan.document.REVIEW_CADENCES), for its governance.
    review_cadence: str = Field(default="quarterly", max_length=16)
    # The item the facilitator put in front of everyone (`focus:set`); cleared by `focus:clear`
    # and whenever a stage changes step (migration 0009).
    focus_idea_id: int | None = None
    # The hash of the console key the server's admin last opened this workshop with (`/admin`,
    # migration 0010): it opens the console like `facilitator_key_hash`, and rotating the
    # facilitator's key clears it.
    admin_key_hash: str | None = Field(default=None, max_length=64)
    # The room's language (a code of `i18n.LANGUAGES`, migration 0013): the projector, the
    # plan and the agenda templates' texts speak it; phones and the console follow their own.
    # An export made before it imports as English.
    language: str = Field(
        default="en", max_length=16, sa_column_kwargs={"info": {"import_default": "en"}}
    )


class Stage(SQLModel, table=True):
    """One level of the plan (vision, goals, projects, or a custom key) and its agenda.

    `steps` is the ordered agenda: `[{"kind": "vote", "settings": {...}}, ...]`, settings
    complete (defaults filled in) and validated by the activity registry. `step_index` is the
    current step; -1 means the stage has not been opened ("pending").
    """

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    position: int
    key: str = Field(max_length=40)
    title: str = Field(max_length=80)
    prompt: str = Field(max_length=400)
    steps: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    step_index: int = -1
    revealed: bool = False
    # Frozen when the stage enters "rank", so everyone orders the same list.
    shortlist: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Decided when the stage enters "done": the ids of its selected items, best first.
    selected: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided: bool = False
    # The indexes of the steps whose results have been shown to the room (a private
    # brainstorm's ideas, a step's standings); `revealed` is release 1's flag for the dots.
    reveals: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Themes the facilitator clustered the ideas into: [{"title", "idea_ids"}].
    groups: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # The stage's countdown (migration 0009; `services/timer.py`): the length it was set to
    # (with what was added), and either the server time it ends at (running) or the seconds
    # left (paused). All None: no timer. Changing step clears it.
    timer_seconds: int | None = None
    timer_ends_at: datetime | None = None
    timer_paused_remaining: float | None = None
    # The client_id of the last timer change, so a retried `timer:add` adds once.
    timer_op: str | None = Field(default=None, max_length=64)


class AgendaTemplate(SQLModel, table=True):
    """An agenda a facilitator saved from a workshop, to start new workshops from."""

    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=400)
    source_workshop_id: str | None = Field(default=None, max_length=32, index=True)
    stages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- people


class Participant(SQLModel, table=True):
    """Someone who joined from a phone; known by a token (stored hashed), named optionally.

    `removed_at` is set when the facilitator removed them: their token no longer works and
    their entries no longer count anywhere (the row stays, so the plan can say so)."""

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    name: str | None = Field(default=None, max_length=40)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    joined_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None


# --------------------------------------------------------------------------- items


class Idea(SQLModel, table=True):
    """An item of a stage: sent in a brainstorm, or added by the facilitator (no participant).

    A lower id means an earlier idea. `text` is the wording as voted; a correction goes into
    `fields["text"]`. `links` are the facilitator-confirmed parents (ids of selected items of
    earlier stages) this item serves.
    """

    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        # One facilitator item per client_id (migration 0007): the constraint above never
        # applies to them, since NULL participant_ids are all distinct.
        Index(
            "ix_idea_facilitator_client",
            "workshop_id",
            "client_id",
            unique=True,
            sqlite_where=text("participant_id IS NULL AND client_id IS NOT NULL"),
            postgresql_where=text("participant_id IS NULL AND client_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    client_id: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=280)
    hidden: bool = False
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    links: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the facilitator merged this idea into another (a duplicate, or a member of a
    # theme voted on as one): it no longer counts on its own and shows as "also said".
    merged_into: int | None = Field(default=None, index=True)
    # `idea:edit` (migration 0009): the wording as first submitted, kept on the first edit
    # (the plan's appendix shows "edited from"), and when it was last edited.
    original_text: str | None = Field(default=None, max_length=280)
    edited_at: datetime | None = None
    # `idea:delete`: a deleted idea stays as a tombstone (hidden, so nothing counts or shows
    # it) so that a retried delete answers the same; no screen lists it.
    deleted_at: datetime | None = None
    # A preloaded item carried over from an earlier workshop (`POST /api/workshops/<id>/
    # duplicate`, migration 0010): {"workshop_id", "title", "date", "idea_id"} of where it
    # came from, shown as "from <title>, <date>"; None for everything else.
    origin: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The category a categorised brainstorm filed it under (migration 0012): one of its step's
    # `categories` keys ("strengths", "threats", "economic"…); None in a plain brainstorm.
    category: str | None = Field(default=None, max_length=40)
    # A risk's mitigations (migration 0012): the selected projects the facilitator confirmed
    # mitigate it (`link:confirm` `mitigated_by`); empty for every other item.
    mitigated_by: list[int] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, info={"import_default": []}),
    )


class IdeaMerge(SQLModel, table=True):
    """One merge of ideas into one, kept so it can be undone: what each participant had given
    before and right after, per activity (`{"vote": {"before": {pid: entry}, "after": ...}}`)."""

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    into: int = Field(foreign_key="idea.id", index=True)
    idea_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # A theme voted on as one item: `into` was created for the merge and goes with it.
    group: bool = False
    entries: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    undone: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class StageRound(SQLModel, table=True):
    """A closed round of one step (Delphi): everyone's entries and the standings at its end.
    The open round lives in the activity's own table; round N+1 starts from round N's entries."""

    stage_id: int = Field(foreign_key="stage.id", primary_key=True)
    step_index: int = Field(primary_key=True)
    round: int = Field(primary_key=True)
    kind: str = Field(max_length=20)
    entries: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    standings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- entries


class Entry(SQLModel, table=True):
    """One participant's entry in one step kind of a stage, as JSON: the storage offered to
    activities that bring no tables of their own (see `workshop/activities/entries.py`, which
    validates `data` with the activity's declared model). Replaced whole on each write."""

    stage_id: int = Field(foreign_key="stage.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=40)
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, index=True)
    data: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- output


class PlanVersion(SQLModel, table=True):
    """One version of the strategic plan: version 1 is stored when the workshop finishes, and
    each review the facilitator publishes adds the next. `data` is the plan document (the
    JSON format, see docs/plan-format.md); versions are never changed once stored."""

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True)
    version: int = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=400)


class PlanFile(SQLModel, table=True):
    """A plan version rendered in one format, stored on its first download (a version never
    changes, so neither does its file)."""

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True)
    version: int = Field(primary_key=True)
    format: str = Field(primary_key=True, max_length=8)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class PlanShare(SQLModel, table=True):
    """A read-only link to the plan for people who were not in the room. The link's secret is
    kept hashed; revoking sets `revoked_at`, and the link answers 404 from then on."""

    id: str = Field(primary_key=True, max_length=16)
    workshop_id: str = Field(foreign_key="workshop.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


# --------------------------------------------------------------------------- live counters


class Counter(SQLModel, table=True):
    """A running count kept current by every write, so a live tally reads one stage's rows
    instead of recounting the workshop. `idea_id` 0 holds the stage-wide counts (voters,
    rankers); other rows are per idea (dots). Activities name their own counters."""

    stage_id: int = Field(foreign_key="stage.id", primary_key=True)
    idea_id: int = Field(default=0, primary_key=True)
    name: str = Field(primary_key=True, max_length=32)
    value: int = 0
