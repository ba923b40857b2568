"""Decisions a room can trust: allocations, ratings, second rounds, merges and themes.

- stage: `reveals` (the steps whose results the room has seen) and `groups` (themes).
- idea: `merged_into` (the idea a duplicate was merged into).
- new tables: allocation, rating, ideamerge and stageround.
- every stored agenda step gets the settings this release adds, at their defaults
  (brainstorm `private` and `named`, vote `on`, rank `method`), so a workshop in progress
  carries on exactly as before.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

NEW_SETTINGS: dict[str, dict[str, Any]] = {
    "brainstorm": {"private": False, "named": False},
    "vote": {"on": "ideas"},
    "rank": {"method": "borda"},
}
NEW_KINDS = ("allocate", "rate")

stage = sa.table(
    "stage",
    sa.column("id", sa.Integer()),
    sa.column("steps", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("stage") as batch:
        batch.add_column(sa.Column("reveals", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("groups", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.create_index("ix_idea_merged_into", ["merged_into"])
    _create_tables()
    _rewrite_steps(_with_new_settings)


def _create_tables() -> None:
    op.create_table(
        "allocation",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "idea_id"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )
    op.create_index("ix_allocation_stage_id", "allocation", ["stage_id"])
    op.create_table(
        "rating",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("effort", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("participant_id", "idea_id"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )
    op.create_index("ix_rating_stage_id", "rating", ["stage_id"])
    op.create_table(
        "ideamerge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("into", sa.Integer(), nullable=False),
        sa.Column("idea_ids", sa.JSON(), nullable=False),
        sa.Column("group", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.ForeignKeyConstraint(["into"], ["idea.id"]),
    )
    op.create_index("ix_ideamerge_stage_id", "ideamerge", ["stage_id"])
    op.create_table(
        "stageround",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("standings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stage_id", "step_index", "round"),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )


def _steps_of(raw: Any) -> list[dict[str, Any]]:
    return list(json.loads(raw) if isinstance(raw, str) else raw or [])


def _rewrite_steps(change: Any) -> None:
    bind = op.get_bind()
    for stage_id, raw in bind.execute(sa.select(stage.c.id, stage.c.steps)).all():
        steps = _steps_of(raw)
        new = [change(step) for step in steps]
        if new != steps:
            bind.execute(stage.update().where(stage.c.id == stage_id).values(steps=new))


def _with_new_settings(step: dict[str, Any]) -> dict[str, Any]:
    added = NEW_SETTINGS.get(str(step.get("kind")), {})
    settings = dict(step.get("settings", {}))
    return {
        **step,
        "settings": {**settings, **{k: v for k, v in added.items() if k not in settings}},
    }


def _without_new_settings(step: dict[str, Any]) -> dict[str, Any]:
    added = NEW_SETTINGS.get(str(step.get("kind")), {})
    settings = {k: v for k, v in step.get("settings", {}).items() if k not in added}
    return {**step, "settings": settings}


def downgrade() -> None:
    """Back to 0002, where it can hold the data: refused (changing nothing) when a stage runs
    an allocate or rate step, uses a new setting at other than its default, or holds merged
    ideas or a second round."""
    bind = op.get_bind()
    for _stage_id, raw in bind.execute(sa.select(stage.c.id, stage.c.steps)).all():
        steps = _steps_of(raw)
        if any(step.get("kind") in NEW_KINDS for step in steps):
            raise RuntimeError("A stage has an allocate or rate step, which 0002 cannot run.")
        for step in steps:
            added = NEW_SETTINGS.get(str(step.get("kind")), {})
            chosen = step.get("settings", {})
            if any(name in chosen and chosen[name] != value for name, value in added.items()):
                raise RuntimeError(
                    "A step uses a setting 0002 does not have (a private or named brainstorm, "
                    "a vote on themes, or a Schulze ranking)."
                )
    merged = bind.execute(sa.text("SELECT COUNT(*) FROM idea WHERE merged_into IS NOT NULL"))
    rounds = bind.execute(sa.text("SELECT COUNT(*) FROM stageround"))
    if merged.scalar_one() or rounds.scalar_one():
        raise RuntimeError("Merged ideas or second rounds cannot be kept by 0002.")
    _rewrite_steps(_without_new_settings)
    op.drop_table("stageround")
    op.drop_index("ix_ideamerge_stage_id", table_name="ideamerge")
    op.drop_table("ideamerge")
    op.drop_index("ix_rating_stage_id", table_name="rating")
    op.drop_table("rating")
    op.drop_index("ix_allocation_stage_id", table_name="allocation")
    op.drop_table("allocation")
    with op.batch_alter_table("idea") as batch:
        batch.drop_index("ix_idea_merged_into")
        batch.drop_column("merged_into")
    with op.batch_alter_table("stage") as batch:
        batch.drop_column("groups")
        batch.drop_column("reveals")
