"""The facilitator's home: items carried over from an earlier workshop, and the console key an
admin opens a workshop with.

- idea: `origin` (JSON, null for every existing idea): where a preloaded item was carried from
  when a workshop was started from an earlier one (`POST /api/workshops/<id>/duplicate`):
  `{"workshop_id", "title", "date", "idea_id"}`, so every screen marks it "from <title>, <date>".
- workshop: `admin_key_hash` (null: none): the hash of the console key the server's admin last
  opened this workshop's console with (`/admin`); it opens the console like the facilitator's
  own key, and goes when the facilitator replaces their link.

Nothing already stored changes. Downgrading drops both columns: 0009 cannot hold an item's
origin (the item itself stays) nor an admin's key (the admin opens the console again).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("origin", sa.JSON(), nullable=True))
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("admin_key_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("admin_key_hash")
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("origin")
