"""Release 1's schema, exactly as `SQLModel.metadata.create_all` made it.

Databases from the first release have these tables and no `alembic_version`; `migrate.upgrade`
stamps them at this revision instead of running it. Like every migration, it spells out its
own tables rather than importing the models, so it keeps meaning what it meant in release 1.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    """Create release 1's seven tables with their indexes and constraints."""
    op.create_table(
        "workshop",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("organization", sa.String(length=120), nullable=True),
        sa.Column("horizon_years", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("facilitator_key_hash", sa.String(length=64), nullable=False),
        sa.Column("current_stage_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_workshop_code", "workshop", ["code"], unique=True)

    op.create_table(
        "stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("prompt", sa.String(length=400), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("dot_budget", sa.Integer(), nullable=False),
        sa.Column("max_dots_per_idea", sa.Integer(), nullable=False),
        sa.Column("shortlist_size", sa.Integer(), nullable=False),
        sa.Column("select_count", sa.Integer(), nullable=False),
        sa.Column("revealed", sa.Boolean(), nullable=False),
        sa.Column("shortlist", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stage_workshop_id", "stage", ["workshop_id"])

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_participant_token_hash", "participant", ["token_hash"], unique=True)
    op.create_index("ix_participant_workshop_id", "participant", ["workshop_id"])

    op.create_table(
        "plan",
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("markdown", sa.String(), nullable=False),
        sa.Column("html", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )

    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.String(length=280), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # Unnamed, as create_all made it (the database names it).
        sa.UniqueConstraint("participant_id", "client_id"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
    )
    op.create_index("ix_idea_stage_id", "idea", ["stage_id"])
    op.create_index("ix_idea_workshop_id", "idea", ["workshop_id"])

    op.create_table(
        "ranking",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("idea_order", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "stage_id"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )
    op.create_index("ix_ranking_stage_id", "ranking", ["stage_id"])

    op.create_table(
        "dotvote",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "idea_id"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )
    op.create_index("ix_dotvote_stage_id", "dotvote", ["stage_id"])


def downgrade() -> None:
    """Drop every release 1 table (and with them their indexes), children first."""
    for table in ("dotvote", "ranking", "idea", "plan", "participant", "stage", "workshop"):
        op.drop_table(table)
