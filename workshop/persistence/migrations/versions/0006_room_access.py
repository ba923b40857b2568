"""Room access: a read-only credential for the room's screen, a join lock, a participant cap,
and participants the facilitator removed.

- workshop: `projector_token` (a random secret of its own, kept plain: it only reads the
  room's state), `join_locked` (false) and `max_participants` (2000). Every workshop already
  stored gets a fresh projector token, so its room screen needs no facilitator key.
- participant: `removed_at` (null: still in the workshop).

Nothing already stored changes otherwise.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

workshop = sa.table(
    "workshop",
    sa.column("id", sa.String()),
    sa.column("projector_token", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("projector_token", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("join_locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "max_participants", sa.Integer(), nullable=False, server_default=sa.text("2000")
            )
        )
    bind = op.get_bind()
    for (workshop_id,) in bind.execute(sa.select(workshop.c.id)).all():
        # 192 random bits, as every other secret of the app.
        token = secrets.token_urlsafe(24)
        bind.execute(
            workshop.update().where(workshop.c.id == workshop_id).values(projector_token=token)
        )
    with op.batch_alter_table("workshop") as batch:
        batch.alter_column("projector_token", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Back to 0005, where it can hold the data: refused (changing nothing) when a participant
    was removed, since 0005 would let their token back in and count their votes again."""
    bind = op.get_bind()
    removed = bind.execute(
        sa.text("SELECT COUNT(*) FROM participant WHERE removed_at IS NOT NULL")
    ).scalar_one()
    if removed:
        raise RuntimeError(
            f"0005 cannot keep the data: {removed} participant(s) were removed from a workshop."
        )
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("max_participants")
        batch.drop_column("join_locked")
        batch.drop_column("projector_token")
