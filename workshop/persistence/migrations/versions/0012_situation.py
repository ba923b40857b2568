"""Situation analysis: a categorised brainstorm's category per item, and a risk's mitigations.

- idea: `category` (null for every existing idea): the key of the category a categorised
  brainstorm filed the item under (a SWOT's "strengths", a PESTLE's "economic"); a plain
  brainstorm's items have none.
- idea: `mitigated_by` (JSON list, `[]` for every existing idea): for an item of a `risks`
  stage, the selected projects the facilitator confirmed mitigate it.
- linkproposal: `mitigated_by` (JSON list, `[]`): the projects one participant proposes
  mitigate a risk, beside the `parent_ids` it threatens.

Step settings need no migration: `categories` (brainstorm), `per_category` (vote, allocate),
`select_per_category` (done), `scales` and `quadrants` (rate) read their defaults when a
stored agenda lacks them, and the defaults are today's behaviour. Nothing already stored
changes. Downgrading drops the three columns: 0011 has no categories nor mitigations (the
items themselves stay).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("category", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("mitigated_by", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("linkproposal") as batch:
        batch.add_column(sa.Column("mitigated_by", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("linkproposal") as batch:
        batch.drop_column("mitigated_by")
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("mitigated_by")
        batch.drop_column("category")
