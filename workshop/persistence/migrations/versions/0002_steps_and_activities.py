"""Stages run an agenda of steps; items get fields and links; the new activities' tables.

- stage: release 1's `phase` and its four fixed settings become `steps` (the agenda, each
  step with its settings) and `step_index`; a finished stage now stores its decision
  (`selected`, `decided`), computed here exactly as release 1 computed it on every read.
- idea: `fields` (a corrected wording, metrics, owners...) and `links` (the parents it serves).
- new tables: agendatemplate, counter (running tallies, filled here from the stored dots and
  rankings), linkproposal and suggestion.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from workshop.core import rules

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# Release 1 ran one fixed agenda; the phase a stage was in is the index of its step now.
PHASES = ("brainstorm", "vote", "rank", "done")
PENDING = "pending"
STEP_INDEX = {PENDING: -1, **{phase: index for index, phase in enumerate(PHASES)}}

# Release 1's stage settings, their types and the defaults its models gave them.
V1_SETTINGS: dict[str, int] = {
    "dot_budget": 5,
    "max_dots_per_idea": 3,
    "shortlist_size": 5,
    "select_count": 1,
}
V1_ONLY: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("phase", sa.String(length=16)),
    *((name, sa.Integer()) for name in V1_SETTINGS),
)
V2_ONLY = ("steps", "step_index", "selected", "decided")

# Column order as `create_all` makes each version's stage table (SQLite rebuilds keep it).
HEAD = ("id", "workshop_id", "position", "key", "title", "prompt")
V1_STAGE_ORDER = (*HEAD, "phase", *V1_SETTINGS, "revealed", "shortlist")
V2_STAGE_ORDER = (*HEAD, "steps", "step_index", "revealed", "shortlist", "selected", "decided")

# The columns this revision reads and writes, as it sees them.
stage = sa.table(
    "stage",
    sa.column("id", sa.Integer()),
    sa.column("phase", sa.String()),
    *(sa.column(name, sa.Integer()) for name in V1_SETTINGS),
    sa.column("shortlist", sa.JSON()),
    sa.column("steps", sa.JSON()),
    sa.column("step_index", sa.Integer()),
    sa.column("selected", sa.JSON()),
    sa.column("decided", sa.Boolean()),
)
idea = sa.table(
    "idea",
    sa.column("id", sa.Integer()),
    sa.column("stage_id", sa.Integer()),
    sa.column("hidden", sa.Boolean()),
)
dotvote = sa.table(
    "dotvote",
    sa.column("participant_id", sa.Integer()),
    sa.column("idea_id", sa.Integer()),
    sa.column("stage_id", sa.Integer()),
    sa.column("count", sa.Integer()),
)
ranking = sa.table(
    "ranking",
    sa.column("participant_id", sa.Integer()),
    sa.column("stage_id", sa.Integer()),
    sa.column("idea_order", sa.JSON()),
)
counter = sa.table(
    "counter",
    sa.column("stage_id", sa.Integer()),
    sa.column("idea_id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("value", sa.Integer()),
)
STAGE_WIDE = 0  # the counter rows of a whole stage have idea id 0


# --------------------------------------------------------------------------- upgrade


def upgrade() -> None:
    """Create the new tables and columns, turn each stage's phase and settings into its
    agenda and decision, fill the counters, then drop release 1's stage columns."""
    _create_tables()
    with op.batch_alter_table("idea") as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("links", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("stage") as batch:
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("step_index", sa.Integer(), nullable=False, server_default=sa.text("-1"))
        )
        batch.add_column(sa.Column("selected", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("decided", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    bind = op.get_bind()
    dots = _dots(bind)
    _migrate_stages(bind, dots)
    _fill_counters(bind, dots)
    with op.batch_alter_table("stage", partial_reordering=[V2_STAGE_ORDER]) as batch:
        batch.alter_column("steps", existing_type=sa.JSON(), nullable=False)
        for name, _type in V1_ONLY:
            batch.drop_column(name)


def _create_tables() -> None:
    """The tables of saved agendas, running counters, link proposals and suggestions."""
    op.create_table(
        "agendatemplate",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("source_workshop_id", sa.String(length=32), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "counter",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stage_id", "idea_id", "name"),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )

    op.create_table(
        "linkproposal",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("parent_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "idea_id"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
    )
    op.create_index("ix_linkproposal_stage_id", "linkproposal", ["stage_id"])

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=280), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # Unnamed, as create_all makes it (the database names it).
        sa.UniqueConstraint("participant_id", "client_id"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
    )
    op.create_index("ix_suggestion_idea_id", "suggestion", ["idea_id"])
    op.create_index("ix_suggestion_stage_id", "suggestion", ["stage_id"])
    op.create_index("ix_suggestion_workshop_id", "suggestion", ["workshop_id"])


def _dots(bind: Connection) -> dict[tuple[int, int], int]:
    """(stage id, idea id) -> the dots on that idea, for every idea anyone voted for."""
    query = sa.select(
        dotvote.c.stage_id, dotvote.c.idea_id, sa.func.sum(dotvote.c["count"])
    ).group_by(dotvote.c.stage_id, dotvote.c.idea_id)
    return {
        (stage_id, idea_id): int(total or 0) for stage_id, idea_id, total in bind.execute(query)
    }


def _release_1_results(
    bind: Connection,
    stages: Mapping[int, tuple[Sequence[int], int]],
    dots: Mapping[tuple[int, int], int],
) -> dict[int, list[int]]:
    """Stage id -> the ids of its selected ideas, best first, for finished stages given as
    stage id -> (stored shortlist, select count); decided as release 1 did on every read."""
    if not stages:
        return {}
    ids = list(stages)
    # Dots per visible idea, 0 where none, keyed in idea id order.
    totals: dict[int, dict[int, int]] = {stage_id: {} for stage_id in ids}
    visible = (
        sa.select(idea.c.stage_id, idea.c.id)
        .where(idea.c.stage_id.in_(ids), idea.c.hidden == sa.false())
        .order_by(idea.c.id)
    )
    for stage_id, idea_id in bind.execute(visible):
        totals[stage_id][idea_id] = dots.get((stage_id, idea_id), 0)
    orders: dict[int, list[list[int]]] = {stage_id: [] for stage_id in ids}
    query = sa.select(ranking.c.stage_id, ranking.c.idea_order).where(ranking.c.stage_id.in_(ids))
    for stage_id, order in bind.execute(query):
        orders[stage_id].append(list(order))
    out: dict[int, list[int]] = {}
    for stage_id, (shortlist, select_count) in stages.items():
        results = rules.decide(
            totals=totals[stage_id],
            stored_shortlist=list(shortlist),
            orders=orders[stage_id],
            select_count=select_count,
        )
        out[stage_id] = [result.idea_id for result in results if result.selected]
    return out


def _migrate_stages(bind: Connection, dots: Mapping[tuple[int, int], int]) -> None:
    """Write each stage's agenda, current step and (once finished) decision."""
    columns = [stage.c.id, stage.c.phase, *(stage.c[name] for name in V1_SETTINGS)]
    rows = bind.execute(sa.select(*columns, stage.c.shortlist).order_by(stage.c.id)).all()
    for row in rows:
        if row.phase not in STEP_INDEX:
            raise RuntimeError(
                f"Stage {row.id} is in phase {row.phase!r}, which release 1 never wrote; "
                f"expected one of {', '.join(STEP_INDEX)}. Nothing was migrated."
            )
    # Release 1's select counts were always 1 or more, so it and `decide` agree on them.
    finished = {row.id: (row.shortlist, row.select_count) for row in rows if row.phase == "done"}
    selected = _release_1_results(bind, finished, dots)
    updates = [
        {
            "b_id": row.id,
            "b_steps": [
                {"kind": "brainstorm", "settings": {}},
                {
                    "kind": "vote",
                    "settings": {
                        "dot_budget": row.dot_budget,
                        "max_dots_per_idea": row.max_dots_per_idea,
                    },
                },
                {"kind": "rank", "settings": {"shortlist_size": row.shortlist_size}},
                {"kind": "done", "settings": {"select_count": row.select_count}},
            ],
            "b_step_index": STEP_INDEX[row.phase],
            "b_selected": selected.get(row.id, []),
            "b_decided": row.phase == "done",
        }
        for row in rows
    ]
    if updates:
        statement = (
            stage.update()
            .where(stage.c.id == sa.bindparam("b_id"))
            .values(
                steps=sa.bindparam("b_steps", type_=sa.JSON()),
                step_index=sa.bindparam("b_step_index", type_=sa.Integer()),
                selected=sa.bindparam("b_selected", type_=sa.JSON()),
                decided=sa.bindparam("b_decided", type_=sa.Boolean()),
            )
        )
        bind.execute(statement, updates)


def _fill_counters(bind: Connection, dots: Mapping[tuple[int, int], int]) -> None:
    """The running counters as the activities keep them: dots per idea, and per stage the
    participants who voted and the rankings handed in."""
    rows: list[dict[str, Any]] = [
        {"stage_id": stage_id, "idea_id": idea_id, "name": "dots", "value": total}
        for (stage_id, idea_id), total in sorted(dots.items())
    ]
    voters = sa.select(
        dotvote.c.stage_id, sa.func.count(sa.distinct(dotvote.c.participant_id))
    ).group_by(dotvote.c.stage_id)
    rankers = sa.select(ranking.c.stage_id, sa.func.count()).group_by(ranking.c.stage_id)
    for name, query in (("voters", voters), ("rankers", rankers)):
        rows += [
            {"stage_id": stage_id, "idea_id": STAGE_WIDE, "name": name, "value": int(value)}
            for stage_id, value in bind.execute(query)
        ]
    rows = [row for row in rows if row["value"]]
    if rows:
        bind.execute(counter.insert(), rows)


# --------------------------------------------------------------------------- downgrade


def downgrade() -> None:
    """Back to release 1: each stage's agenda becomes its phase and settings again.

    The new tables and the items' `fields` and `links` are dropped with their data (saved
    agendas, suggestions, link proposals, corrected wordings): release 1 has nowhere to keep
    them. A stage's stored decision is dropped too; release 1 recomputes it from the same
    votes. Refuses, before changing anything, when a stage runs an agenda release 1 could not
    run (anything but brainstorm, vote, rank, done; or a done step selecting every item).
    """
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(stage.c.id, stage.c.steps, stage.c.step_index).order_by(stage.c.id)
    ).all()
    updates = [_release_1_stage(row.id, row.steps, row.step_index) for row in rows]

    for table in ("suggestion", "linkproposal", "counter", "agendatemplate"):
        op.drop_table(table)
    with op.batch_alter_table("idea") as batch:
        batch.drop_column("links")
        batch.drop_column("fields")
    with op.batch_alter_table("stage") as batch:
        for name, type_ in V1_ONLY:
            batch.add_column(sa.Column(name, type_, nullable=True))
    if updates:
        statement = (
            stage.update()
            .where(stage.c.id == sa.bindparam("b_id"))
            .values(
                phase=sa.bindparam("b_phase", type_=sa.String()),
                **{name: sa.bindparam(f"b_{name}", type_=sa.Integer()) for name in V1_SETTINGS},
            )
        )
        bind.execute(statement, updates)
    with op.batch_alter_table("stage", partial_reordering=[V1_STAGE_ORDER]) as batch:
        for name, type_ in V1_ONLY:
            batch.alter_column(name, existing_type=type_, nullable=False)
        for name in V2_ONLY:
            batch.drop_column(name)


def _release_1_stage(stage_id: int, steps: Any, step_index: int) -> dict[str, Any]:
    """A stage's release 1 phase and settings (as update parameters) from its agenda."""
    kinds = [step.get("kind") for step in steps] if isinstance(steps, list) else steps
    if kinds != list(PHASES) or not -1 <= step_index < len(PHASES):
        raise RuntimeError(
            f"Stage {stage_id} runs the agenda {kinds} (at step {step_index}); release 1 can "
            f"only run {', '.join(PHASES)}. Downgrade refused; nothing was changed."
        )
    given: dict[str, Any] = {}
    for step in steps:
        given.update(step.get("settings") or {})
    settings = {name: int(given.get(name, default)) for name, default in V1_SETTINGS.items()}
    if settings["select_count"] < 1:
        raise RuntimeError(
            f"Stage {stage_id} selects every item (select_count 0), which release 1 cannot "
            "express. Downgrade refused; nothing was changed."
        )
    phase = PENDING if step_index < 0 else PHASES[step_index]
    return {
        "b_id": stage_id,
        "b_phase": phase,
        **{f"b_{name}": value for name, value in settings.items()},
    }
