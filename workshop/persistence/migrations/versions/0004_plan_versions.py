"""The plan as a real document: versions, rendered files, share links, the facilitator's name.

- workshop: `facilitator_name` (for the plan's cover).
- planversion: every version of a workshop's plan (1 at the finish, one more per review).
- planfile: a version rendered in one format, stored on its first download.
- planshare: read-only links to the plan, their secret hashed.
- plan (one row per finished workshop, with its Markdown and HTML) becomes version 1 of that
  workshop's plan; its Markdown and HTML become version 1's `md` and `html` files, so the
  downloads stay byte for byte what they were.

Like every migration, this one spells out the tables it touches rather than importing the
models, so it keeps meaning what it meant when it was written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

plan = sa.table(
    "plan",
    sa.column("workshop_id", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("markdown", sa.String()),
    sa.column("html", sa.String()),
)
planfile = sa.table(
    "planfile",
    sa.column("workshop_id", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("format", sa.String()),
    sa.column("content", sa.LargeBinary()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("facilitator_name", sa.String(length=80), nullable=True))
    op.create_table(
        "planversion",
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id", "version"),
    )
    op.create_table(
        "planfile",
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id", "version", "format"),
    )
    op.create_table(
        "planshare",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_planshare_workshop_id", "planshare", ["workshop_id"])
    op.create_index("ix_planshare_token_hash", "planshare", ["token_hash"], unique=True)

    bind = op.get_bind()
    # The document moves in SQL, so its stored text stays byte for byte what it was.
    bind.execute(
        sa.text(
            "INSERT INTO planversion (workshop_id, version, created_at, data, note) "
            "SELECT workshop_id, 1, created_at, data, NULL FROM plan"
        )
    )
    rows = bind.execute(
        sa.select(plan.c.workshop_id, plan.c.created_at, plan.c.markdown, plan.c.html)
    ).all()
    for workshop_id, created_at, markdown, html in rows:
        for format, text in (("md", markdown), ("html", html)):
            bind.execute(
                planfile.insert().values(
                    workshop_id=workshop_id,
                    version=1,
                    format=format,
                    content=text.encode("utf-8"),
                    created_at=created_at,
                )
            )
    op.drop_table("plan")


def downgrade() -> None:
    """Back to 0003, where it can hold the data: refused (changing nothing) when a plan has a
    second version, a share link exists, a facilitator's name is set, or a version 1 has not
    been rendered as Markdown and HTML yet (0003 stores those and cannot render them)."""
    bind = op.get_bind()
    counts = {
        "a plan has a published review (version 2 or later)": (
            "SELECT COUNT(*) FROM planversion WHERE version > 1"
        ),
        "a share link exists": "SELECT COUNT(*) FROM planshare",
        "a workshop has a facilitator's name": (
            "SELECT COUNT(*) FROM workshop WHERE facilitator_name IS NOT NULL"
        ),
        "a plan has not been downloaded as Markdown and HTML yet": (
            "SELECT COUNT(*) FROM planversion v WHERE "
            "(SELECT COUNT(*) FROM planfile f WHERE f.workshop_id = v.workshop_id "
            "AND f.version = v.version AND f.format IN ('md', 'html')) < 2"
        ),
    }
    for reason, sql in counts.items():
        if bind.execute(sa.text(sql)).scalar_one():
            raise RuntimeError(f"0003 cannot keep the data: {reason}.")
    op.create_table(
        "plan",
        sa.Column("workshop_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("markdown", sa.String(), nullable=False),
        sa.Column("html", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    bind.execute(
        sa.text(
            "INSERT INTO plan (workshop_id, created_at, data, markdown, html) "
            "SELECT workshop_id, created_at, data, '', '' FROM planversion WHERE version = 1"
        )
    )
    files = bind.execute(
        sa.select(planfile.c.workshop_id, planfile.c.format, planfile.c.content).where(
            planfile.c.version == 1, planfile.c.format.in_(("md", "html"))
        )
    ).all()
    for workshop_id, format, content in files:
        column = "markdown" if format == "md" else "html"
        bind.execute(
            plan.update()
            .where(plan.c.workshop_id == workshop_id)
            .values({column: bytes(content).decode("utf-8")})
        )
    op.drop_index("ix_planshare_token_hash", table_name="planshare")
    op.drop_index("ix_planshare_workshop_id", table_name="planshare")
    op.drop_table("planshare")
    op.drop_table("planfile")
    op.drop_table("planversion")
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("facilitator_name")
