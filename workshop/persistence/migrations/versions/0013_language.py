"""The workshop's language.

- workshop: `language` (a code of `workshop.i18n.LANGUAGES`, "en" for every existing
  workshop): the language of the room's screen, the plan and the agenda templates' texts;
  phones and the console follow their own browser's.

Nothing already stored changes: every workshop of the previous release was English.
Downgrading drops the column (0012 knows no language: everything is English again).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=16), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("language")
