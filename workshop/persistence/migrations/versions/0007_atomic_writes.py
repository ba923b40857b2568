"""Atomic writes: one facilitator item per client_id, enforced by the database.

- idea: a partial unique index `ix_idea_facilitator_client` on (workshop_id, client_id) where
  participant_id IS NULL and client_id IS NOT NULL. The old unique constraint on
  (participant_id, client_id) never applied to the facilitator's items (NULL participant_id
  values are all distinct in SQL), so a retry racing its original could store one item twice.

An old database may hold such duplicates. Before the index is built, every facilitator item
whose (workshop_id, client_id) an earlier item (lower id) already has gives its client_id up
(set to NULL): the earliest keeps it and answers every retry from now on. The later copies are
not deleted, because votes, links, merges, shortlists and plans may refer to them; they stay
what they were, items the facilitator can hide. The downgrade drops the index only (the
cleared client_ids were duplicates and are not restored).

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

INDEX = "ix_idea_facilitator_client"
WHERE = "participant_id IS NULL AND client_id IS NOT NULL"

idea = sa.table(
    "idea",
    sa.column("id", sa.Integer()),
    sa.column("workshop_id", sa.String()),
    sa.column("participant_id", sa.Integer()),
    sa.column("client_id", sa.String()),
)


def upgrade() -> None:
    bind = op.get_bind()
    earlier = idea.alias("earlier")
    duplicates = sa.select(idea.c.id).where(
        idea.c.participant_id.is_(None),
        idea.c.client_id.is_not(None),
        sa.exists().where(
            earlier.c.workshop_id == idea.c.workshop_id,
            earlier.c.client_id == idea.c.client_id,
            earlier.c.participant_id.is_(None),
            earlier.c.id < idea.c.id,
        ),
    )
    later = [row[0] for row in bind.execute(duplicates).all()]
    if later:
        bind.execute(idea.update().where(idea.c.id.in_(later)).values(client_id=None))
    op.create_index(
        INDEX,
        "idea",
        ["workshop_id", "client_id"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="idea")
