"""The plan's governance: how often the plan is reviewed.

- workshop: `review_cadence` ("monthly", "quarterly", "half-yearly" or "yearly"; every
  workshop already stored reads "quarterly", the default). The plan's governance section
  names it and the next review date.

Nothing already stored changes otherwise. The new define fields (a program's budget, start
and end; a project's sponsor, start and budget) live in `idea.fields`, a JSON column, so they
need no column of their own.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(
            sa.Column(
                "review_cadence",
                sa.String(length=16),
                nullable=False,
                server_default="quarterly",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("review_cadence")
