"""The facilitator's everyday tools: a timer per stage, one item in focus, edited and deleted
ideas, and duplicate suggestions the facilitator said are not the same.

- stage: `timer_seconds`, `timer_ends_at`, `timer_paused_remaining`, `timer_op` (all null: no
  timer). The end is a server time, so every screen and a restarted server count to the same
  moment.
- workshop: `focus_idea_id` (null: nothing in focus).
- idea: `original_text` (the wording as submitted, kept on the first edit), `edited_at`,
  `deleted_at` (a participant's deleted idea stays as a tombstone so a retried delete answers
  the same; it is hidden, so nothing shows or counts it).
- duplicate_dismissal: pairs of ideas of a stage the facilitator said are "Not the same".
- stage.steps: vote, allocate, rate and rank steps get their new setting `shuffle` (each phone
  shows the items in its own order), on by default as for a new agenda, so every reader (the
  state, the agenda editor, the check of a started stage's changes) sees the same settings.

Nothing else already stored changes: every existing stage has no timer, no workshop has a
focus, no idea is edited or deleted.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

SHUFFLED = ("vote", "allocate", "rate", "rank")
"""The step kinds that get the `shuffle` setting."""

stage = sa.table("stage", sa.column("id", sa.Integer()), sa.column("steps", sa.JSON()))
template = sa.table("agendatemplate", sa.column("id", sa.String()), sa.column("stages", sa.JSON()))


def _json(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def _with_shuffle(step: dict[str, Any]) -> dict[str, Any]:
    if step.get("kind") not in SHUFFLED:
        return step
    settings = dict(step.get("settings", {}))
    settings.setdefault("shuffle", True)
    return {**step, "settings": settings}


def _without_shuffle(step: dict[str, Any]) -> dict[str, Any]:
    if step.get("kind") not in SHUFFLED:
        return step
    settings = {k: v for k, v in step.get("settings", {}).items() if k != "shuffle"}
    return {**step, "settings": settings}


def _rewrite_stage_steps(change: Any) -> None:
    bind = op.get_bind()
    for stage_id, raw in bind.execute(sa.select(stage.c.id, stage.c.steps)).all():
        steps = list(_json(raw) or [])
        new = [change(step) for step in steps]
        if new != steps:
            bind.execute(stage.update().where(stage.c.id == stage_id).values(steps=new))


def upgrade() -> None:
    with op.batch_alter_table("stage") as batch:
        batch.add_column(sa.Column("timer_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("timer_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("timer_paused_remaining", sa.Float(), nullable=True))
        batch.add_column(sa.Column("timer_op", sa.String(length=64), nullable=True))
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("focus_idea_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("original_text", sa.String(length=280), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "duplicate_dismissal",
        sa.Column("stage_id", sa.Integer(), sa.ForeignKey("stage.id"), primary_key=True),
        sa.Column("idea_a", sa.Integer(), sa.ForeignKey("idea.id"), primary_key=True),
        sa.Column("idea_b", sa.Integer(), sa.ForeignKey("idea.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _rewrite_stage_steps(_with_shuffle)


def downgrade() -> None:
    """Back to 0008, where it can hold the data: refused (changing nothing) when an idea was
    deleted, since 0008 would show it again."""
    bind = op.get_bind()
    deleted = bind.execute(
        sa.text("SELECT COUNT(*) FROM idea WHERE deleted_at IS NOT NULL")
    ).scalar_one()
    if deleted:
        raise RuntimeError(f"0008 cannot keep the data: {deleted} idea(s) were deleted.")
    # 0008 knows no `shuffle` (and never shuffled): it goes from stages and saved templates,
    # whose steps are flat (`{"kind", **settings}`).
    _rewrite_stage_steps(_without_shuffle)
    for template_id, raw in bind.execute(sa.select(template.c.id, template.c.stages)).all():
        stages = list(_json(raw) or [])
        new = [
            {
                **entry,
                "steps": [
                    {
                        k: v
                        for k, v in step.items()
                        if not (k == "shuffle" and step.get("kind") in SHUFFLED)
                    }
                    for step in entry.get("steps", [])
                ],
            }
            for entry in stages
        ]
        if new != stages:
            bind.execute(template.update().where(template.c.id == template_id).values(stages=new))
    op.drop_table("duplicate_dismissal")
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("edited_at")
        batch.drop_column("original_text")
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("focus_idea_id")
    with op.batch_alter_table("stage") as batch:
        batch.drop_column("timer_op")
        batch.drop_column("timer_paused_remaining")
        batch.drop_column("timer_ends_at")
        batch.drop_column("timer_seconds")
