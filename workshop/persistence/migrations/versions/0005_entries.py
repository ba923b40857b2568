"""The generic entries table, for activities that bring no tables of their own.

- entry: one participant's entry in one step kind of a stage (`stage_id`, `kind`,
  `participant_id`), its `data` as JSON validated by the activity's declared model, and when
  it was last written (`updated_at`). Built-in activities keep their own tables.

Nothing already stored moves: a database of 0004 gains an empty table.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "entry",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("stage_id", "kind", "participant_id"),
    )


def downgrade() -> None:
    """Back to 0004, where it can hold the data: refused (changing nothing) when any entry is
    stored, since 0004 has nowhere to keep it."""
    bind = op.get_bind()
    kinds = bind.execute(sa.text("SELECT DISTINCT kind FROM entry ORDER BY kind")).scalars().all()
    if kinds:
        raise RuntimeError(
            f"0004 cannot keep the data: entries of {', '.join(map(str, kinds))} are stored."
        )
    op.drop_table("entry")
