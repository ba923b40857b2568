"""Schema migrations: a database of the first release, as it is in the wild, upgrades with its
data intact; an empty one gets the current schema; both are safe to upgrade on every start.
A workshop in progress at revision 0002 upgrades to 0003 (decisions) with every row intact and
its steps' new settings at their defaults, and goes back down unless it uses what 0002 lacks.
Each later revision goes up and down on its own (0004: the plan's versions; 0005: the generic
entries table). No test pins the head: it is read from the migration scripts, and the head's
tables from the models.

Release 1's tables are written out here with plain SQLAlchemy, as its models declared them,
and filled with plain SQL: nothing of today's models is used to build the "old" database. A
0002 database is made by the migrations themselves (up to 0002 only) and filled the same way.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from workshop.persistence.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)

FACILITATOR_KEY = "migration-test-facilitator-key"
WORKSHOP_ID = "wmigrate0000000000000000000001"

V2_TABLES = {
    "agendatemplate",
    "alembic_version",
    "counter",
    "dotvote",
    "idea",
    "linkproposal",
    "participant",
    "plan",
    "ranking",
    "stage",
    "suggestion",
    "workshop",
}
V3_TABLES = V2_TABLES | {"allocation", "ideamerge", "rating", "stageround"}
V4_TABLES = (V3_TABLES - {"plan"}) | {"planversion", "planfile", "planshare"}
V1_STAGE_COLUMNS = [
    "id",
    "workshop_id",
    "position",
    "key",
    "title",
    "prompt",
    "phase",
    "dot_budget",
    "max_dots_per_idea",
    "shortlist_size",
    "select_count",
    "revealed",
    "shortlist",
]
V2_STAGE_COLUMNS = [
    "id",
    "workshop_id",
    "position",
    "key",
    "title",
    "prompt",
    "steps",
    "step_index",
    "revealed",
    "shortlist",
    "selected",
    "decided",
]
V3_STAGE_COLUMNS = [*V2_STAGE_COLUMNS, "reveals", "groups"]
V2_IDEA_COLUMNS = [
    "id",
    "workshop_id",
    "stage_id",
    "participant_id",
    "client_id",
    "text",
    "hidden",
    "created_at",
    "fields",
    "links",
]


# --------------------------------------------------------------------------- release 1


def release_1_metadata() -> sa.MetaData:
    """Release 1's tables as its SQLModel models declared them (what its create_all made)."""
    metadata = sa.MetaData()
    when = sa.DateTime(timezone=True)
    sa.Table(
        "workshop",
        metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("code", sa.String(6), nullable=False, index=True, unique=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("organization", sa.String(120)),
        sa.Column("horizon_years", sa.Integer, nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facilitator_key_hash", sa.String(64), nullable=False),
        sa.Column("current_stage_id", sa.Integer),
        sa.Column("created_at", when, nullable=False),
        sa.Column("finished_at", when),
    )
    sa.Table(
        "stage",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workshop_id", sa.String, sa.ForeignKey("workshop.id"), index=True, nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("prompt", sa.String(400), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("dot_budget", sa.Integer, nullable=False),
        sa.Column("max_dots_per_idea", sa.Integer, nullable=False),
        sa.Column("shortlist_size", sa.Integer, nullable=False),
        sa.Column("select_count", sa.Integer, nullable=False),
        sa.Column("revealed", sa.Boolean, nullable=False),
        sa.Column("shortlist", sa.JSON, nullable=False),
    )
    sa.Table(
        "participant",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workshop_id", sa.String, sa.ForeignKey("workshop.id"), index=True, nullable=False
        ),
        sa.Column("name", sa.String(40)),
        sa.Column("token_hash", sa.String(64), nullable=False, index=True, unique=True),
        sa.Column("joined_at", when, nullable=False),
    )
    sa.Table(
        "idea",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workshop_id", sa.String, sa.ForeignKey("workshop.id"), index=True, nullable=False
        ),
        sa.Column("stage_id", sa.Integer, sa.ForeignKey("stage.id"), index=True, nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id")),
        sa.Column("client_id", sa.String(64)),
        sa.Column("text", sa.String(280), nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.UniqueConstraint("participant_id", "client_id"),
    )
    sa.Table(
        "dotvote",
        metadata,
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id"), primary_key=True),
        sa.Column("idea_id", sa.Integer, sa.ForeignKey("idea.id"), primary_key=True),
        sa.Column("stage_id", sa.Integer, sa.ForeignKey("stage.id"), index=True, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    sa.Table(
        "ranking",
        metadata,
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id"), primary_key=True),
        sa.Column("stage_id", sa.Integer, sa.ForeignKey("stage.id"), primary_key=True, index=True),
        sa.Column("idea_order", sa.JSON, nullable=False),
        sa.Column("updated_at", when, nullable=False),
    )
    sa.Table(
        "plan",
        metadata,
        sa.Column("workshop_id", sa.String, sa.ForeignKey("workshop.id"), primary_key=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("markdown", sa.String, nullable=False),
        sa.Column("html", sa.String, nullable=False),
    )
    return metadata


# A finished workshop: three stages, all decided, with one hidden idea in two of them.
# stage: (id, position, key, phase, dot_budget, max_dots, shortlist_size, select_count, shortlist)
FINISHED_STAGES = [
    (1, 0, "vision", "done", 5, 3, 3, 1, [1, 3, 2]),
    (2, 1, "goals", "done", 5, 3, 3, 2, [6, 7, 8]),
    (3, 2, "projects", "done", 6, 4, 2, 2, [11, 9]),
]
# idea: (id, stage_id, participant_id, client_id, text, hidden)
FINISHED_IDEAS = [
    (1, 1, 1, "c-1", "Every family within 10 minutes of a clinic", 0),
    (2, 1, 2, "c-2", "Cafés and clinics side by side ☕", 0),
    (3, 1, 3, "c-3", "The region's most trusted care network", 0),
    (4, 1, 2, "c-4", "Off-topic joke", 1),
    (5, 2, 1, "c-5", "Open two clinics", 0),
    (6, 2, 2, "c-6", "Halve waiting times", 0),
    (7, 2, 3, "c-7", "Hire 40 nurses", 0),
    (8, 2, 1, "c-8", "Patients rate us 9/10", 0),
    (9, 3, 2, "c-9", "Online booking", 0),
    (10, 3, None, None, "Nurse academy (added by the facilitator)", 0),
    (11, 3, 3, "c-11", "Mobile clinic van", 0),
    (12, 3, 1, "c-12", "Duplicate of 9", 1),
]
# dot vote: (participant_id, idea_id, stage_id, count)
FINISHED_DOTS = [
    (1, 1, 1, 2),
    (1, 2, 1, 3),
    (2, 2, 1, 1),
    (2, 3, 1, 3),
    (2, 4, 1, 1),  # on the idea hidden later: counted by the counters, not in the decision
    (3, 1, 1, 3),
    (3, 3, 1, 2),
    (1, 5, 2, 1),
    (1, 6, 2, 2),
    (1, 7, 2, 2),
    (2, 6, 2, 3),
    (2, 8, 2, 2),
    (1, 9, 3, 2),
    (1, 10, 3, 1),
    (2, 10, 3, 2),
    (2, 11, 3, 2),
    (3, 11, 3, 3),
    (3, 9, 3, 1),
]
# ranking: (participant_id, stage_id, idea_order)
FINISHED_RANKINGS = [
    (1, 1, [2, 1, 3]),
    (2, 1, [3, 2, 1]),
    (3, 1, [1, 3]),
    (1, 2, [8, 7, 6]),
    (2, 2, [8, 6, 7]),
    (3, 2, [7, 8, 6]),
    (1, 3, [9, 11]),
    (2, 3, [11, 9]),
]
# Decided by hand. In a shortlist of k, first place earns k-1 points; ties go to more dots,
# then to the lower id; only shortlisted ideas are selected.
# vision (k=3, select 1): Borda 1: 1+0+2=3, 2: 2+1+0=3, 3: 0+2+1=3, all tied; dots 1: 5,
#   3: 5, 2: 4, so 1 and 3 tie again and the lower id wins: 1, 3, 2 -> [1].
# goals (k=3, select 2): Borda 8: 2+2+1=5, 7: 1+0+2=3, 6: 0+1+0=1 -> [8, 7] (dots alone
#   would have picked 6).
# projects (k=2, select 2): Borda 9: 1+0=1, 11: 0+1=1, tied; dots 11: 5 beat 9: 3 -> [11, 9].
FINISHED_SELECTED = {1: [1], 2: [8, 7], 3: [11, 9]}
FINISHED_COUNTERS = {
    (1, 1, "dots"): 5,
    (1, 2, "dots"): 4,
    (1, 3, "dots"): 5,
    (1, 4, "dots"): 1,
    (1, 0, "voters"): 3,
    (1, 0, "rankers"): 3,
    (2, 5, "dots"): 1,
    (2, 6, "dots"): 5,
    (2, 7, "dots"): 2,
    (2, 8, "dots"): 2,
    (2, 0, "voters"): 2,
    (2, 0, "rankers"): 3,
    (3, 9, "dots"): 3,
    (3, 10, "dots"): 3,
    (3, 11, "dots"): 5,
    (3, 0, "voters"): 3,
    (3, 0, "rankers"): 2,
}
PLAN_DATA = (
    '{"title": "Acme Care 2030", "organization": "Acme \\u00e9", "levels": [{"key": "vision", '
    '"items": [{"id": 1, "text": "Every family within 10 minutes of a clinic"}]}], '
    '"generated_at": "2026-11-30T11:00:00+00:00"}'
)
PLAN_MARKDOWN = (
    "# Acme Care 2030 — strategic plan\n\n## Vision\n\n"
    "1. Every family within 10 minutes of a clinic\n\n## Goals\n\n- Patients rate us 9/10 ☕  \n"
)
PLAN_HTML = (
    '<!doctype html>\r\n<html lang="en"><head><meta charset="utf-8">'
    "<title>Acme Care 2030 &mdash; plan</title></head>\n<body><h1>Acme Care 2030</h1>"
    "<p>Cafés ☕ &amp; clinics</p></body></html>\n"
)


def open_engine(path: Path) -> Engine:
    """An engine on a SQLite file set up as the app sets its own: WAL, foreign keys on."""
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workshop.sqlite3"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = open_engine(db_path)
    yield engine
    engine.dispose()


def insert(connection: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows with plain SQL, as release 1's code left them."""
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f":{name}" for name in columns)
    connection.execute(sa.text(f'INSERT INTO "{table}" ({names}) VALUES ({values})'), rows)


def make_release_1(
    engine: Engine,
    *,
    status: str,
    stages: list[tuple[Any, ...]],
    ideas: list[tuple[Any, ...]],
    dots: list[tuple[int, int, int, int]],
    rankings: list[tuple[int, int, list[int]]],
    plan: bool,
) -> None:
    """A release 1 database: its create_all, then one workshop's rows in plain SQL."""
    release_1_metadata().create_all(engine)
    created = "2026-11-30 09:00:00.000000"
    with engine.begin() as connection:
        insert(
            connection,
            "workshop",
            [
                {
                    "id": WORKSHOP_ID,
                    "code": "K7P2QX",
                    "title": "Acme Care 2030",
                    "organization": "Acme é",
                    "horizon_years": 4,
                    "template": "strategic-plan",
                    "status": status,
                    "facilitator_key_hash": hashlib.sha256(FACILITATOR_KEY.encode()).hexdigest(),
                    "current_stage_id": stages[-1][0],
                    "created_at": created,
                    "finished_at": "2026-11-30 11:00:00.000000" if status == "finished" else None,
                }
            ],
        )
        insert(
            connection,
            "stage",
            [
                {
                    "id": stage_id,
                    "workshop_id": WORKSHOP_ID,
                    "position": position,
                    "key": key,
                    "title": key.title(),
                    "prompt": f"What is our {key}?",
                    "phase": phase,
                    "dot_budget": budget,
                    "max_dots_per_idea": cap,
                    "shortlist_size": size,
                    "select_count": select,
                    "revealed": 1 if phase in ("rank", "done") else 0,
                    "shortlist": json.dumps(shortlist),
                }
                for stage_id, position, key, phase, budget, cap, size, select, shortlist in stages
            ],
        )
        insert(
            connection,
            "participant",
            [
                {
                    "id": pid,
                    "workshop_id": WORKSHOP_ID,
                    "name": name,
                    "token_hash": hashlib.sha256(f"token-{pid}".encode()).hexdigest(),
                    "joined_at": f"2026-11-30 09:0{pid}:00.000000",
                }
                for pid, name in ((1, "Ana"), (2, None), (3, "Bo"))
            ],
        )
        if ideas:
            insert(
                connection,
                "idea",
                [
                    {
                        "id": idea_id,
                        "workshop_id": WORKSHOP_ID,
                        "stage_id": stage_id,
                        "participant_id": pid,
                        "client_id": client_id,
                        "text": text,
                        "hidden": hidden,
                        "created_at": f"2026-11-30 09:{10 + idea_id}:00.000000",
                    }
                    for idea_id, stage_id, pid, client_id, text, hidden in ideas
                ],
            )
        if dots:
            keys = ("participant_id", "idea_id", "stage_id", "count")
            insert(connection, "dotvote", [dict(zip(keys, row, strict=True)) for row in dots])
        if rankings:
            insert(
                connection,
                "ranking",
                [
                    {
                        "participant_id": pid,
                        "stage_id": stage_id,
                        "idea_order": json.dumps(order),
                        "updated_at": "2026-11-30 10:30:00.000000",
                    }
                    for pid, stage_id, order in rankings
                ],
            )
        if plan:
            insert(
                connection,
                "plan",
                [
                    {
                        "workshop_id": WORKSHOP_ID,
                        "created_at": "2026-11-30 11:00:00.000000",
                        "data": PLAN_DATA,
                        "markdown": PLAN_MARKDOWN,
                        "html": PLAN_HTML,
                    }
                ],
            )


def make_finished_workshop(engine: Engine) -> None:
    make_release_1(
        engine,
        status="finished",
        stages=FINISHED_STAGES,
        ideas=FINISHED_IDEAS,
        dots=FINISHED_DOTS,
        rankings=FINISHED_RANKINGS,
        plan=True,
    )


# --------------------------------------------------------------------------- reading back


def raw(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """Rows exactly as stored (plain SQL, no type conversion)."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def stages_of(engine: Engine) -> dict[int, dict[str, Any]]:
    """Stage id -> its v2 columns, JSON decoded."""
    rows = raw(engine, "SELECT id, steps, step_index, selected, decided FROM stage ORDER BY id")
    return {
        row[0]: {
            "steps": json.loads(row[1]),
            "step_index": row[2],
            "selected": json.loads(row[3]),
            "decided": bool(row[4]),
        }
        for row in rows
    }


def counters_of(engine: Engine) -> dict[tuple[int, int, str], int]:
    rows = raw(engine, "SELECT stage_id, idea_id, name, value FROM counter")
    return {(stage_id, idea_id, name): value for stage_id, idea_id, name, value in rows}


def schema(engine: Engine) -> dict[str, Any]:
    """Every table's columns (in order, with types, nullability and defaults), primary key,
    foreign keys, indexes and unique constraints, as the database reports them."""
    out: dict[str, Any] = {}
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in sorted(inspector.get_table_names()):
            out[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(uc["column_names"]) for uc in inspector.get_unique_constraints(table)
                ),
            }
    return out


def steps_at_0002(budget: int, cap: int, size: int, select: int) -> list[dict[str, Any]]:
    """Release 1's fixed agenda as revision 0002 wrote it."""
    return [
        {"kind": "brainstorm", "settings": {}},
        {"kind": "vote", "settings": {"dot_budget": budget, "max_dots_per_idea": cap}},
        {"kind": "rank", "settings": {"shortlist_size": size}},
        {"kind": "done", "settings": {"select_count": select}},
    ]


def before_shuffle(table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A table's rows with the stages' steps as they were before 0009 added `shuffle` to the
    vote, allocate, rate and rank steps (the one change 0009 makes to stored rows), parsed."""
    if table != "stage":
        return rows

    def plain(value: Any) -> Any:
        if not (isinstance(value, str) and value.startswith('[{"kind"')):
            return value
        return [
            {
                **step,
                "settings": {k: v for k, v in step.get("settings", {}).items() if k != "shuffle"},
            }
            for step in json.loads(value)
        ]

    return [tuple(plain(value) for value in row) for row in rows]


def steps_for(
    budget: int, cap: int, size: int, select: int, *, shuffle: bool = True
) -> list[dict[str, Any]]:
    """The same agenda at the head revision: 0003 added the brainstorm's `private` and
    `named`, the vote's `on` and the rank's `method`, at their defaults; 0009 the vote's and
    the rank's `shuffle` (`shuffle=False`: as 0003 to 0008 have it)."""
    more = {"shuffle": True} if shuffle else {}
    return [
        {"kind": "brainstorm", "settings": {"private": False, "named": False}},
        {
            "kind": "vote",
            "settings": {"dot_budget": budget, "max_dots_per_idea": cap, "on": "ideas", **more},
        },
        {"kind": "rank", "settings": {"shortlist_size": size, "method": "borda", **more}},
        {"kind": "done", "settings": {"select_count": select}},
    ]


READ_DEFAULTS_0012 = {
    "brainstorm": {"categories": []},
    "vote": {"per_category": False},
    "done": {"select_per_category": 0},
}
"""Settings 0012's release added (no migration writes them): a stored agenda reads them at
their defaults, which are the earlier behaviour."""


def as_read(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored steps as a state shows them: with the settings added since at their defaults."""
    return [
        {**step, "settings": {**step["settings"], **READ_DEFAULTS_0012.get(step["kind"], {})}}
        for step in steps
    ]


UNCHANGED = {
    "workshop": (
        "SELECT id, code, title, organization, horizon_years, template, status, "
        "facilitator_key_hash, current_stage_id, created_at, finished_at FROM workshop ORDER BY id"
    ),
    "participant": (
        "SELECT id, workshop_id, name, token_hash, joined_at FROM participant ORDER BY id"
    ),
    "idea": (
        "SELECT id, workshop_id, stage_id, participant_id, client_id, text, hidden, created_at "
        "FROM idea ORDER BY id"
    ),
    "dotvote": "SELECT * FROM dotvote ORDER BY participant_id, idea_id",
    "ranking": "SELECT * FROM ranking ORDER BY participant_id, stage_id",
    "plan": "SELECT * FROM plan ORDER BY workshop_id",
    "stage": (
        'SELECT id, workshop_id, position, "key", title, prompt, revealed, shortlist '
        "FROM stage ORDER BY id"
    ),
}


# --------------------------------------------------------------------------- revision 0002

# A workshop in progress at 0002: vision decided, goals in its rank step with its dots
# revealed, projects pending with an agenda of its own and an item the facilitator preloaded.
PROJECTS_STEPS_AT_0002 = [
    {"kind": "brainstorm", "settings": {}},
    {"kind": "vote", "settings": {"dot_budget": 6, "max_dots_per_idea": 4}},
    {"kind": "done", "settings": {"select_count": 2}},
    {"kind": "link", "settings": {}},
    {"kind": "define", "settings": {}},
]
# stage: (id, position, key, steps, step_index, revealed, shortlist, selected, decided)
IN_PROGRESS_STAGES: list[tuple[Any, ...]] = [
    (1, 0, "vision", steps_at_0002(5, 3, 3, 1), 3, 1, [1, 3, 2], [1], 1),
    (2, 1, "goals", steps_at_0002(5, 3, 3, 2), 2, 1, [6, 7, 8], [], 0),
    (3, 2, "projects", PROJECTS_STEPS_AT_0002, -1, 0, [], [], 0),
]
# The finished workshop's vision and goals ideas, dots and rankings (goals: two of the three
# rankings handed in so far), and one preloaded projects item.
IN_PROGRESS_IDEAS = [
    *(idea for idea in FINISHED_IDEAS if idea[1] in (1, 2)),
    (9, 3, None, None, "Nurse academy (preloaded)", 0),
]
IN_PROGRESS_DOTS = [row for row in FINISHED_DOTS if row[2] in (1, 2)]
IN_PROGRESS_RANKINGS = [
    (1, 1, [2, 1, 3]),
    (2, 1, [3, 2, 1]),
    (3, 1, [1, 3]),
    (1, 2, [8, 7, 6]),
    (2, 2, [8, 6, 7]),
]
IN_PROGRESS_COUNTERS = {
    **{key: value for key, value in FINISHED_COUNTERS.items() if key[0] in (1, 2)},
    (2, 0, "rankers"): 2,
}
SAVED_STAGES = [
    {
        "key": "vision",
        "title": "Vision",
        "prompt": "Where are we going?",
        "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 4}, {"kind": "done"}],
    }
]


def make_0002(engine: Engine) -> None:
    """A database at revision 0002, made by the migrations from empty, then a workshop in
    progress and a saved agenda in plain SQL, as 0002's code left them."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
    key_hash = hashlib.sha256(FACILITATOR_KEY.encode()).hexdigest()
    with engine.begin() as connection:
        insert(
            connection,
            "workshop",
            [
                {
                    "id": WORKSHOP_ID,
                    "code": "K7P2QX",
                    "title": "Acme Care 2030",
                    "organization": "Acme é",
                    "horizon_years": 4,
                    "template": "strategic-plan",
                    "status": "active",
                    "facilitator_key_hash": key_hash,
                    "current_stage_id": 2,
                    "created_at": "2026-11-30 09:00:00.000000",
                    "finished_at": None,
                }
            ],
        )
        insert(
            connection,
            "stage",
            [
                {
                    "id": stage_id,
                    "workshop_id": WORKSHOP_ID,
                    "position": position,
                    "key": key,
                    "title": key.title(),
                    "prompt": f"What is our {key}?",
                    "steps": json.dumps(steps),
                    "step_index": step_index,
                    "revealed": revealed,
                    "shortlist": json.dumps(shortlist),
                    "selected": json.dumps(selected),
                    "decided": decided,
                }
                for (
                    stage_id,
                    position,
                    key,
                    steps,
                    step_index,
                    revealed,
                    shortlist,
                    selected,
                    decided,
                ) in IN_PROGRESS_STAGES
            ],
        )
        insert(
            connection,
            "participant",
            [
                {
                    "id": pid,
                    "workshop_id": WORKSHOP_ID,
                    "name": name,
                    "token_hash": hashlib.sha256(f"token-{pid}".encode()).hexdigest(),
                    "joined_at": f"2026-11-30 09:0{pid}:00.000000",
                }
                for pid, name in ((1, "Ana"), (2, None), (3, "Bo"))
            ],
        )
        insert(
            connection,
            "idea",
            [
                {
                    "id": idea_id,
                    "workshop_id": WORKSHOP_ID,
                    "stage_id": stage_id,
                    "participant_id": pid,
                    "client_id": client_id,
                    "text": text,
                    "hidden": hidden,
                    "created_at": f"2026-11-30 09:{10 + idea_id}:00.000000",
                    "fields": "{}",
                    "links": "[]",
                }
                for idea_id, stage_id, pid, client_id, text, hidden in IN_PROGRESS_IDEAS
            ],
        )
        keys = ("participant_id", "idea_id", "stage_id", "count")
        insert(
            connection, "dotvote", [dict(zip(keys, row, strict=True)) for row in IN_PROGRESS_DOTS]
        )
        insert(
            connection,
            "ranking",
            [
                {
                    "participant_id": pid,
                    "stage_id": stage_id,
                    "idea_order": json.dumps(order),
                    "updated_at": "2026-11-30 10:30:00.000000",
                }
                for pid, stage_id, order in IN_PROGRESS_RANKINGS
            ],
        )
        insert(
            connection,
            "counter",
            [
                {"stage_id": stage_id, "idea_id": idea_id, "name": name, "value": value}
                for (stage_id, idea_id, name), value in IN_PROGRESS_COUNTERS.items()
            ],
        )
        insert(
            connection,
            "agendatemplate",
            [
                {
                    "id": "acme-care-abc123",
                    "title": "Acme Care",
                    "description": "Our own agenda",
                    "source_workshop_id": WORKSHOP_ID,
                    "stages": json.dumps(SAVED_STAGES),
                    "created_at": "2026-11-30 10:00:00.000000",
                }
            ],
        )


def head_tables() -> set[str]:
    """The tables the head revision has: every table the models declare, activities' included."""
    from sqlmodel import SQLModel

    from workshop import activities

    assert activities.REGISTRY
    return set(SQLModel.metadata.tables) | {"alembic_version"}


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, exactly as stored."""
    tables = raw(engine, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return {name: sorted(raw(engine, f'SELECT * FROM "{name}"'), key=repr) for (name,) in tables}


# Each table of 0002 as 0002 had it: the columns 0003 keeps as they were.
KEPT_BY_0003 = {
    **{table: f'SELECT * FROM "{table}"' for table in V2_TABLES - {"alembic_version"}},
    "idea": f"SELECT {', '.join(V2_IDEA_COLUMNS)} FROM idea",
    "stage": "SELECT {} FROM stage".format(
        ", ".join(f'"{column}"' for column in V2_STAGE_COLUMNS if column != "steps")
    ),
}


def kept_by_0003(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(raw(engine, sql), key=repr) for table, sql in KEPT_BY_0003.items()}


# --------------------------------------------------------------------------- tests


def test_the_baseline_revision_is_release_1s_schema(tmp_path: Path) -> None:
    """Revision 0001 builds exactly what release 1's create_all built, DDL text and all."""
    by_create_all = open_engine(tmp_path / "create_all.sqlite3")
    by_alembic = open_engine(tmp_path / "alembic.sqlite3")
    try:
        release_1_metadata().create_all(by_create_all)
        with by_alembic.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
        master = (
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE tbl_name != 'alembic_version' ORDER BY name"
        )
        assert raw(by_alembic, master) == raw(by_create_all, master)
        assert current_revision(by_alembic) == "0001"
    finally:
        by_create_all.dispose()
        by_alembic.dispose()


def test_a_finished_release_1_workshop_upgrades_with_its_data_intact(engine: Engine) -> None:
    make_finished_workshop(engine)
    moved = {"plan"}
    before = {table: raw(engine, sql) for table, sql in UNCHANGED.items()}
    plan_created = raw(engine, "SELECT created_at FROM plan")
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == head_revision()
    for table, sql in UNCHANGED.items():
        if table not in moved:
            assert raw(engine, sql) == before[table], table
    # Release 1's plan is version 1 now: its document byte for byte, its Markdown and HTML
    # stored as version 1's files, so the downloads stay what they were.
    assert raw(
        engine, "SELECT workshop_id, version, created_at, CAST(data AS BLOB), note FROM planversion"
    ) == [(WORKSHOP_ID, 1, plan_created[0][0], PLAN_DATA.encode(), None)]
    assert raw(engine, "SELECT version, format, content FROM planfile ORDER BY format") == [
        (1, "html", PLAN_HTML.encode()),
        (1, "md", PLAN_MARKDOWN.encode()),
    ]
    assert raw(engine, "SELECT facilitator_name FROM workshop") == [(None,)]
    assert raw(engine, "SELECT status, finished_at FROM workshop") == [
        ("finished", "2026-11-30 11:00:00.000000")
    ]
    assert stages_of(engine) == {
        1: {"steps": steps_for(5, 3, 3, 1), "step_index": 3, "selected": [1], "decided": True},
        2: {"steps": steps_for(5, 3, 3, 2), "step_index": 3, "selected": [8, 7], "decided": True},
        3: {"steps": steps_for(6, 4, 2, 2), "step_index": 3, "selected": [11, 9], "decided": True},
    }
    assert {sid: stage["selected"] for sid, stage in stages_of(engine).items()} == (
        FINISHED_SELECTED
    )
    assert counters_of(engine) == FINISHED_COUNTERS
    assert raw(engine, "SELECT DISTINCT fields, links FROM idea") == [("{}", "[]")]
    for table in ("agendatemplate", "linkproposal", "suggestion"):
        assert raw(engine, f"SELECT COUNT(*) FROM {table}") == [(0,)]
    # The app's own settings (foreign keys on) are back, and every reference still holds.
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]
    assert raw(engine, "PRAGMA foreign_key_check") == []
    assert raw(engine, "PRAGMA integrity_check") == [("ok",)]


def test_an_empty_database_gets_the_current_schema_and_upgrading_again_is_a_no_op(
    engine: Engine,
) -> None:
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    first = schema(engine)
    assert set(first) == head_tables()
    assert [column[0] for column in first["stage"]["columns"]] == [
        *V3_STAGE_COLUMNS,
        "timer_seconds",
        "timer_ends_at",
        "timer_paused_remaining",
        "timer_op",
    ]
    assert {"fields", "links", "merged_into"} <= {column[0] for column in first["idea"]["columns"]}
    assert ("ix_idea_merged_into", ("merged_into",), False) in first["idea"]["indexes"]
    assert first["stageround"]["pk"] == ["stage_id", "step_index", "round"]
    assert ("ix_workshop_code", ("code",), True) in first["workshop"]["indexes"]
    assert first["suggestion"]["unique"] == [("participant_id", "client_id")]
    assert first["counter"]["pk"] == ["stage_id", "idea_id", "name"]
    assert first["planversion"]["pk"] == ["workshop_id", "version"]
    assert first["planfile"]["pk"] == ["workshop_id", "version", "format"]
    assert ("ix_planshare_token_hash", ("token_hash",), True) in first["planshare"]["indexes"]
    assert "facilitator_name" in {column[0] for column in first["workshop"]["columns"]}
    master = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
    ddl = raw(engine, master)

    upgrade(engine)
    upgrade(engine)

    assert raw(engine, master) == ddl
    assert raw(engine, "SELECT version_num FROM alembic_version") == [(head_revision(),)]


def test_the_head_schema_is_what_the_models_declare(engine: Engine) -> None:
    """Every model change comes with a migration: no difference between the two."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from workshop import activities
    from workshop.persistence import models

    assert models.Stage.__tablename__ == "stage"
    assert activities.REGISTRY
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_unfinished_stages_get_their_step_and_no_decision(engine: Engine) -> None:
    make_release_1(
        engine,
        status="active",
        stages=[
            (1, 0, "vision", "rank", 7, 2, 2, 1, [2, 1]),
            (2, 1, "goals", "vote", 5, 3, 5, 3, []),
            (3, 2, "projects", "brainstorm", 5, 3, 5, 5, []),
            (4, 3, "actions", "pending", 5, 3, 5, 5, []),
        ],
        ideas=[
            (1, 1, 1, "a", "Idea one", 0),
            (2, 1, 2, "b", "Idea two", 0),
            (3, 2, 3, "c", "Idea three", 0),
            (4, 3, 1, "d", "Idea four", 0),
        ],
        dots=[(1, 1, 1, 2), (1, 2, 1, 2), (2, 2, 1, 1), (3, 3, 2, 3)],
        rankings=[(1, 1, [2, 1])],
        plan=False,
    )

    upgrade(engine)

    assert stages_of(engine) == {
        1: {"steps": steps_for(7, 2, 2, 1), "step_index": 2, "selected": [], "decided": False},
        2: {"steps": steps_for(5, 3, 5, 3), "step_index": 1, "selected": [], "decided": False},
        3: {"steps": steps_for(5, 3, 5, 5), "step_index": 0, "selected": [], "decided": False},
        4: {"steps": steps_for(5, 3, 5, 5), "step_index": -1, "selected": [], "decided": False},
    }
    assert raw(engine, "SELECT shortlist, revealed FROM stage WHERE id = 1") == [("[2, 1]", 1)]
    assert counters_of(engine) == {
        (1, 1, "dots"): 2,
        (1, 2, "dots"): 3,
        (1, 0, "voters"): 2,
        (1, 0, "rankers"): 1,
        (2, 3, "dots"): 3,
        (2, 0, "voters"): 1,
    }


def test_downgrade_gives_back_release_1s_stage_columns_and_values(
    engine: Engine, tmp_path: Path
) -> None:
    make_finished_workshop(engine)
    quoted = ", ".join(f'"{column}"' for column in V1_STAGE_COLUMNS)
    stage_sql = f"SELECT {quoted} FROM stage ORDER BY id"
    before = raw(engine, stage_sql)
    kept = {table: raw(engine, sql) for table, sql in UNCHANGED.items() if table != "stage"}

    upgrade(engine)
    downgrade(engine, "0001")

    assert current_revision(engine) == "0001"
    assert raw(engine, stage_sql) == before
    assert {table: raw(engine, UNCHANGED[table]) for table in kept} == kept
    # The schema is release 1's again, column order included.
    reference = open_engine(tmp_path / "reference.sqlite3")
    try:
        release_1_metadata().create_all(reference)
        expected = schema(reference)
    finally:
        reference.dispose()
    assert schema(engine) == {**expected, "alembic_version": schema(engine)["alembic_version"]}
    assert raw(engine, "PRAGMA foreign_key_check") == []

    # And up again: the same result as the first time.
    upgrade(engine)
    assert {sid: stage["selected"] for sid, stage in stages_of(engine).items()} == (
        FINISHED_SELECTED
    )
    assert counters_of(engine) == FINISHED_COUNTERS


def test_downgrade_refuses_an_agenda_release_1_cannot_run_and_changes_nothing(
    engine: Engine,
) -> None:
    make_finished_workshop(engine)
    upgrade(engine)
    linked = [*steps_for(5, 3, 3, 2)[:3], {"kind": "link", "settings": {}}]
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE stage SET steps = :steps WHERE id = 2"), {"steps": json.dumps(linked)}
        )
    before = schema(engine), stages_of(engine), counters_of(engine)

    with pytest.raises(RuntimeError, match="Stage 2 runs the agenda"):
        downgrade(engine, "0001")

    # The later revisions' downgrades ran first, and were rolled back with the rest.
    assert current_revision(engine) == head_revision()
    assert (schema(engine), stages_of(engine), counters_of(engine)) == before
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]


def test_an_unversioned_database_that_is_not_release_1_is_left_alone(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE workshop (id VARCHAR(32) PRIMARY KEY)"))

    with pytest.raises(RuntimeError, match="not the first release's schema"):
        upgrade(engine)

    assert raw(engine, "SELECT name FROM sqlite_master WHERE type = 'table'") == [("workshop",)]


def test_a_failed_migration_leaves_the_database_as_it_was(engine: Engine) -> None:
    """Everything runs in one transaction: a migration that stops halfway (here on a phase
    release 1 never wrote, after the new tables and columns were made) changes nothing."""
    make_release_1(
        engine,
        status="active",
        stages=[(1, 0, "vision", "paused", 5, 3, 5, 1, [])],
        ideas=[(1, 1, 1, "a", "Idea one", 0)],
        dots=[(1, 1, 1, 2)],
        rankings=[],
        plan=False,
    )
    before = schema(engine), raw(engine, UNCHANGED["stage"]), raw(engine, UNCHANGED["idea"])

    with pytest.raises(RuntimeError, match="phase 'paused', which release 1 never wrote"):
        upgrade(engine)

    assert (schema(engine), raw(engine, UNCHANGED["stage"]), raw(engine, UNCHANGED["idea"])) == (
        before
    )
    assert "alembic_version" not in before[0]
    assert current_revision(engine) is None
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]


def test_two_processes_starting_at_once_migrate_once(db_path: Path) -> None:
    """Each upgrade holds the write lock for its whole transaction: one migrates, the other
    waits, then finds the schema current."""
    setup = open_engine(db_path)
    make_finished_workshop(setup)
    setup.dispose()
    engines = [open_engine(db_path) for _ in range(3)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            start.wait()
            upgrade(engine)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert current_revision(engines[0]) == head_revision()
        assert counters_of(engines[0]) == FINISHED_COUNTERS
        assert raw(engines[0], "SELECT COUNT(*) FROM alembic_version") == [(1,)]
    finally:
        for engine in engines:
            engine.dispose()


def test_the_app_serves_a_release_1_workshop_after_upgrading_it(db_path: Path) -> None:
    """create_app upgrades the file on start; the old plan downloads byte for byte."""
    from workshop import create_app

    setup = open_engine(db_path)
    make_finished_workshop(setup)
    setup.dispose()

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
        }
    )
    try:
        assert current_revision(app.extensions["workshop_db"]) == head_revision()
        client = app.test_client()
        auth = {"Authorization": f"Bearer {FACILITATOR_KEY}"}
        response = client.get(f"/api/workshops/{WORKSHOP_ID}/plan.md", headers=auth)
        assert response.status_code == 200
        assert response.data == PLAN_MARKDOWN.encode()
        response = client.get(f"/api/workshops/{WORKSHOP_ID}/plan.html", headers=auth)
        assert response.status_code == 200
        assert response.data == PLAN_HTML.encode()
        state = client.get(f"/api/workshops/{WORKSHOP_ID}", headers=auth)
        assert state.status_code == 200
        assert WORKSHOP_ID in state.get_data(as_text=True)
        wrong = client.get(
            f"/api/workshops/{WORKSHOP_ID}/plan.md", headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code in (401, 403)
    finally:
        app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- revision 0003


def test_a_0002_workshop_in_progress_upgrades_to_0003_with_every_row_intact(
    engine: Engine,
) -> None:
    make_0002(engine)
    assert current_revision(engine) == "0002"
    before = kept_by_0003(engine)
    assert stages_of(engine)[1]["steps"] == steps_at_0002(5, 3, 3, 1)

    upgrade(engine, "0003")

    assert current_revision(engine) == "0003"
    assert kept_by_0003(engine) == before
    at_0003 = {"shuffle": False}
    assert stages_of(engine) == {
        1: {
            "steps": steps_for(5, 3, 3, 1, **at_0003),
            "step_index": 3,
            "selected": [1],
            "decided": True,
        },
        2: {
            "steps": steps_for(5, 3, 3, 2, **at_0003),
            "step_index": 2,
            "selected": [],
            "decided": False,
        },
        3: {
            "steps": [
                {"kind": "brainstorm", "settings": {"private": False, "named": False}},
                {
                    "kind": "vote",
                    "settings": {"dot_budget": 6, "max_dots_per_idea": 4, "on": "ideas"},
                },
                {"kind": "done", "settings": {"select_count": 2}},
                {"kind": "link", "settings": {}},
                {"kind": "define", "settings": {}},
            ],
            "step_index": -1,
            "selected": [],
            "decided": False,
        },
    }
    assert counters_of(engine) == IN_PROGRESS_COUNTERS
    # The new columns start empty and the new tables hold nothing.
    assert raw(engine, "SELECT id, reveals, groups FROM stage ORDER BY id") == [
        (1, "[]", "[]"),
        (2, "[]", "[]"),
        (3, "[]", "[]"),
    ]
    assert raw(engine, "SELECT COUNT(*) FROM idea WHERE merged_into IS NOT NULL") == [(0,)]
    for table in ("allocation", "rating", "ideamerge", "stageround"):
        assert raw(engine, f"SELECT COUNT(*) FROM {table}") == [(0,)]
    # A saved agenda keeps the shape it was saved in; its steps get their defaults when used.
    assert raw(engine, "SELECT stages FROM agendatemplate") == [(json.dumps(SAVED_STAGES),)]
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]
    assert raw(engine, "PRAGMA foreign_key_check") == []
    assert raw(engine, "PRAGMA integrity_check") == [("ok",)]


def test_the_app_carries_on_a_0002_workshop_after_upgrading_it(db_path: Path) -> None:
    """create_app upgrades the file on start; the decided stage keeps its results, the stage
    in its rank step takes the last ranking and decides as 0002 would have."""
    from tests.factories import Room, ok
    from workshop import create_app

    setup = open_engine(db_path)
    make_0002(setup)
    setup.dispose()

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
        }
    )
    room = Room(
        app,
        app.test_client(),
        {"id": WORKSHOP_ID, "code": "K7P2QX", "facilitator_key": FACILITATOR_KEY},
    )
    try:
        assert current_revision(app.extensions["workshop_db"]) == head_revision()
        state = room.facilitator_state()
        assert state["workshop"]["status"] == "active"
        assert state["current"]["stage_id"] == 2
        vision, goals, projects = state["stages"]
        assert (vision["phase"], goals["phase"], projects["phase"]) == ("done", "rank", "pending")
        assert vision["steps"] == as_read(steps_for(5, 3, 3, 1))
        # Vision's three rankings are a perfect cycle: Borda ties them all on 3, dots put 1
        # and 3 (5 each) before 2 (4), the lower id first. Every item sits at the top, middle
        # and bottom once (positions 0, 0.5 and 1): consensus 1 - 2 * 0.4082, contested.
        assert [
            (r["idea_id"], r["rank"], r["score"], r["votes"], r["selected"])
            for r in vision["results"]
        ] == [(1, 1, 3, 5, True), (3, 2, 3, 5, False), (2, 3, 3, 4, False)]
        assert [(r["consensus"], r["contested"], r["step_rank"]) for r in vision["results"]] == [
            (0.1835, True, 1),
            (0.1835, True, 2),
            (0.1835, True, 3),
        ]
        assert [item["id"] for item in vision["selected"]] == [1]
        assert goals["revealed"] is True
        assert goals["shortlist"] == [6, 7, 8]
        assert [idea["votes"] for idea in goals["ideas"]] == [1, 5, 2, 2]
        assert goals["progress"] == {"voters": 2, "rankers": 2, "dots": 10, "ideas": 4}
        agenda = room.client.get(
            f"/api/workshops/{WORKSHOP_ID}/agenda",
            headers={"Authorization": f"Bearer {FACILITATOR_KEY}"},
        ).get_json()
        assert agenda["stages"][2]["steps"] == [
            {"kind": "brainstorm", "private": False, "named": False},
            {
                "kind": "vote",
                "dot_budget": 6,
                "max_dots_per_idea": 4,
                "on": "ideas",
                "shuffle": True,
            },
            {"kind": "done", "select_count": 2},
            {"kind": "link"},
            {"kind": "define"},
        ]
        # The saved template is private now: not in the public list, but its facilitator's
        # workshop lists it, and its id still opens it.
        public = room.client.get("/api/templates").get_json()["templates"]
        assert "acme-care-abc123" not in [t["id"] for t in public]
        saved = room.client.get(
            f"/api/workshops/{WORKSHOP_ID}/templates",
            headers={"Authorization": f"Bearer {FACILITATOR_KEY}"},
        ).get_json()["templates"]
        assert [t["id"] for t in saved] == ["acme-care-abc123"]
        assert room.client.get("/api/templates/acme-care-abc123").status_code == 200

        # Bo comes back with the token of release 2 and hands in the last goals ranking.
        fac = room.facilitator()
        bo = room.participant(token="token-3")
        assert bo.id == 3
        assert bo.state["me"]["rankings"] == {"1": [1, 3]}
        assert ok(bo.sock, "ranking:set", {"stage_id": 2, "order": [7, 8, 6]})["order"] == [
            7,
            8,
            6,
        ]
        ok(fac, "stage:phase", {"stage_id": 2, "phase": "done"})
        goals = room.facilitator_state()["stages"][1]
        # The finished workshop's goals, decided by hand above: Borda 8 -> 5, 7 -> 3, 6 -> 1.
        assert [item["id"] for item in goals["selected"]] == FINISHED_SELECTED[2]
        assert [(r["idea_id"], r["score"]) for r in goals["results"][:3]] == [
            (8, 5),
            (7, 3),
            (6, 1),
        ]
    finally:
        room.close()
        app.extensions["workshop_db"].dispose()


def test_downgrade_from_0003_gives_back_0002s_steps_and_schema(engine: Engine) -> None:
    make_0002(engine)
    at_0002 = schema(engine), every_row(engine)

    upgrade(engine, "0003")
    downgrade(engine, "0002")

    assert current_revision(engine) == "0002"
    assert stages_of(engine)[1]["steps"] == steps_at_0002(5, 3, 3, 1)
    assert stages_of(engine)[3]["steps"] == PROJECTS_STEPS_AT_0002
    assert (schema(engine), every_row(engine)) == at_0002
    assert raw(engine, "PRAGMA foreign_key_check") == []

    # And up again: the same as the first time.
    upgrade(engine, "0003")
    assert stages_of(engine)[2]["steps"] == steps_for(5, 3, 3, 2, shuffle=False)
    assert current_revision(engine) == "0003"


def _allocate_step(connection: Connection) -> None:
    steps = [
        *steps_for(6, 4, 5, 2, shuffle=False)[:2],
        {"kind": "allocate", "settings": {"budget": 100, "per_item_cap": 100, "on": "ideas"}},
        {"kind": "done", "settings": {"select_count": 2}},
    ]
    connection.execute(
        sa.text("UPDATE stage SET steps = :steps WHERE id = 3"), {"steps": json.dumps(steps)}
    )


def _rate_step(connection: Connection) -> None:
    steps = [
        *steps_for(6, 4, 5, 2, shuffle=False)[:1],
        {"kind": "rate", "settings": {"on": "ideas"}},
    ]
    connection.execute(
        sa.text("UPDATE stage SET steps = :steps WHERE id = 3"), {"steps": json.dumps(steps)}
    )


def _schulze_ranking(connection: Connection) -> None:
    steps = steps_for(6, 4, 5, 2, shuffle=False)
    steps[2] = {"kind": "rank", "settings": {"shortlist_size": 5, "method": "schulze"}}
    connection.execute(
        sa.text("UPDATE stage SET steps = :steps WHERE id = 3"), {"steps": json.dumps(steps)}
    )


def _merged_idea(connection: Connection) -> None:
    connection.execute(sa.text("UPDATE idea SET merged_into = 7 WHERE id = 8"))


def _second_round(connection: Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO stageround (stage_id, step_index, round, kind, entries, standings, "
            "created_at) VALUES (2, 2, 1, 'rank', '{}', '{}', '2026-12-01 10:00:00.000000')"
        )
    )


@pytest.mark.parametrize(
    ("use", "message"),
    [
        (_allocate_step, "allocate or rate step"),
        (_rate_step, "allocate or rate step"),
        (_schulze_ranking, "a setting 0002 does not have"),
        (_merged_idea, "Merged ideas or second rounds"),
        (_second_round, "Merged ideas or second rounds"),
    ],
)
def test_downgrade_from_0003_refuses_what_0002_cannot_keep_and_changes_nothing(
    engine: Engine, use: Callable[[Connection], None], message: str
) -> None:
    make_0002(engine)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        use(connection)
    before = schema(engine), every_row(engine)

    with pytest.raises(RuntimeError, match=message):
        downgrade(engine, "0002")

    assert current_revision(engine) == "0003"
    assert (schema(engine), every_row(engine)) == before
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]


# --------------------------------------------------------------------------- revision 0004


def test_downgrade_from_0004_gives_back_0003s_plan_table_and_schema(engine: Engine) -> None:
    make_finished_workshop(engine)
    upgrade(engine, "0003")
    at_0003 = schema(engine), every_row(engine)

    upgrade(engine, "0004")
    assert current_revision(engine) == "0004"
    assert set(schema(engine)) == V4_TABLES
    downgrade(engine, "0003")

    assert current_revision(engine) == "0003"
    assert (schema(engine), every_row(engine)) == at_0003
    assert raw(engine, "PRAGMA foreign_key_check") == []


def _second_version(connection: Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO planversion (workshop_id, version, created_at, data, note) "
            "VALUES (:w, 2, '2026-12-01 10:00:00.000000', '{}', 'typos')"
        ),
        {"w": WORKSHOP_ID},
    )


def _share_link(connection: Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO planshare (id, workshop_id, token_hash, created_at) "
            "VALUES ('abc123', :w, :h, '2026-12-01 10:00:00.000000')"
        ),
        {"w": WORKSHOP_ID, "h": "0" * 64},
    )


def _facilitator_name(connection: Connection) -> None:
    connection.execute(sa.text("UPDATE workshop SET facilitator_name = 'Ana'"))


def _unrendered_plan(connection: Connection) -> None:
    connection.execute(sa.text("DELETE FROM planfile WHERE format = 'html'"))


@pytest.mark.parametrize(
    ("use", "message"),
    [
        (_second_version, "published review"),
        (_share_link, "share link"),
        (_facilitator_name, "facilitator's name"),
        (_unrendered_plan, "not been downloaded as Markdown and HTML"),
    ],
)
def test_downgrade_from_0004_refuses_what_0003_cannot_keep_and_changes_nothing(
    engine: Engine, use: Callable[[Connection], None], message: str
) -> None:
    make_finished_workshop(engine)
    upgrade(engine, "0004")
    with engine.begin() as connection:
        use(connection)
    before = schema(engine), every_row(engine)

    with pytest.raises(RuntimeError, match=message):
        downgrade(engine, "0003")

    assert current_revision(engine) == "0004"
    assert (schema(engine), every_row(engine)) == before
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]


def test_a_release_1_plan_downloads_in_every_new_format_after_upgrading(db_path: Path) -> None:
    """Its stored Markdown and HTML stay as they were; the new formats are assembled from
    the finished workshop's own rows."""
    from pypdf import PdfReader

    from workshop import create_app

    setup = open_engine(db_path)
    make_finished_workshop(setup)
    setup.dispose()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
        }
    )
    try:
        client = app.test_client()
        auth = {"Authorization": f"Bearer {FACILITATOR_KEY}"}
        root = f"/api/workshops/{WORKSHOP_ID}"
        document = client.get(f"{root}/plan.json", headers=auth)
        assert document.status_code == 200
        data = document.get_json()
        assert data["schema_version"] == 1 and data["version"] == 1
        assert data["title"] == "Acme Care 2030"
        selected = {
            s["key"]: [i["id"] for i in s["items"] if i["selected"]] for s in data["stages"]
        }
        assert selected == {"vision": [1], "goals": [8, 7], "projects": [11, 9]}
        pdf = client.get(f"{root}/plan.pdf", headers=auth)
        assert pdf.status_code == 200
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "Acme Care 2030" in " ".join(text.split())
        assert client.get(f"{root}/plan.md", headers=auth).data == PLAN_MARKDOWN.encode()
        versions = client.get(f"{root}/plan/versions", headers=auth).get_json()["versions"]
        assert [v["version"] for v in versions] == [1]
    finally:
        app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- revision 0005


def test_0005_adds_the_entries_table_and_keeps_every_row_of_0004(engine: Engine) -> None:
    make_finished_workshop(engine)
    upgrade(engine, "0004")
    at_0004 = schema(engine), every_row(engine)

    upgrade(engine, "0005")

    assert current_revision(engine) == "0005"
    after = schema(engine)
    assert set(after) == at_0004[0].keys() | {"entry"}
    assert {table: after[table] for table in at_0004[0] if table != "alembic_version"} == {
        table: found for table, found in at_0004[0].items() if table != "alembic_version"
    }
    assert after["entry"]["pk"] == ["stage_id", "kind", "participant_id"]
    assert after["entry"]["fks"] == [(("participant_id",), "participant"), (("stage_id",), "stage")]
    assert [column[0] for column in after["entry"]["columns"]] == [
        "stage_id",
        "kind",
        "participant_id",
        "data",
        "updated_at",
    ]
    rows = every_row(engine)
    assert rows.pop("entry") == []
    assert rows.pop("alembic_version") == [("0005",)]
    assert rows == {k: v for k, v in at_0004[1].items() if k != "alembic_version"}

    downgrade(engine, "0004")

    assert current_revision(engine) == "0004"
    assert (schema(engine), every_row(engine)) == at_0004
    assert raw(engine, "PRAGMA foreign_key_check") == []

    # And up again, where an entry can be stored for a stage and a participant.
    upgrade(engine, "0005")
    with engine.begin() as connection:
        insert(
            connection,
            "entry",
            [
                {
                    "stage_id": 3,
                    "kind": "poll",
                    "participant_id": 2,
                    "data": '{"idea_id": 9}',
                    "updated_at": "2026-12-07 10:00:00.000000",
                }
            ],
        )
    assert raw(engine, "PRAGMA foreign_key_check") == []


def test_downgrade_from_0005_refuses_stored_entries_and_changes_nothing(engine: Engine) -> None:
    make_finished_workshop(engine)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        insert(
            connection,
            "entry",
            [
                {
                    "stage_id": stage_id,
                    "kind": kind,
                    "participant_id": 1,
                    "data": "[1]",
                    "updated_at": "2026-12-07 10:00:00.000000",
                }
                for stage_id, kind in ((1, "poll"), (2, "poll"), (2, "pair"))
            ],
        )
    before = schema(engine), every_row(engine)

    with pytest.raises(RuntimeError, match="entries of pair, poll are stored"):
        downgrade(engine, "0004")

    assert current_revision(engine) == "0005"
    assert (schema(engine), every_row(engine)) == before
    assert raw(engine, "PRAGMA foreign_keys") == [(1,)]


# --------------------------------------------------------------------------- revision 0006

SECOND_WORKSHOP_ID = "wmigrate0000000000000000000002"


def make_0005_with_two_workshops(engine: Engine) -> None:
    """The finished workshop at 0005, a second (active) workshop beside it, and one entry."""
    make_finished_workshop(engine)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO workshop (id, code, title, organization, horizon_years, template, "
                "status, facilitator_key_hash, current_stage_id, created_at, finished_at, "
                "facilitator_name) VALUES (:id, 'Q9Z3WX', 'Second', NULL, 3, 'strategic-plan', "
                "'active', :hash, NULL, '2026-12-01 09:00:00.000000', NULL, NULL)"
            ),
            {"id": SECOND_WORKSHOP_ID, "hash": "0" * 64},
        )
        insert(
            connection,
            "entry",
            [
                {
                    "stage_id": 3,
                    "kind": "poll",
                    "participant_id": 2,
                    "data": '{"idea_id": 9}',
                    "updated_at": "2026-12-07 10:00:00.000000",
                }
            ],
        )


def test_0006_gives_every_workshop_a_projector_token_and_keeps_every_row_of_0005(
    engine: Engine,
) -> None:
    make_0005_with_two_workshops(engine)
    at_0005 = schema(engine), every_row(engine)

    upgrade(engine, "0006")

    assert current_revision(engine) == "0006"
    after = schema(engine)
    assert set(after) == set(at_0005[0])
    added = {
        "workshop": ["projector_token", "join_locked", "max_participants"],
        "participant": ["removed_at"],
    }
    for table, columns in added.items():
        names = [column[0] for column in after[table]["columns"]]
        before_names = [column[0] for column in at_0005[0][table]["columns"]]
        assert names == before_names + columns
        assert {k: v for k, v in after[table].items() if k != "columns"} == {
            k: v for k, v in at_0005[0][table].items() if k != "columns"
        }
    # Every row as it was, in every column 0005 had.
    for table, rows in at_0005[1].items():
        if table == "alembic_version":
            continue
        width = len(at_0005[0][table]["columns"])
        assert sorted((row[:width] for row in every_row(engine)[table]), key=repr) == rows, table
    tokens = raw(
        engine,
        "SELECT id, projector_token, join_locked, max_participants FROM workshop ORDER BY id",
    )
    assert [(w, locked, cap) for w, _, locked, cap in tokens] == [
        (WORKSHOP_ID, 0, 2000),
        (SECOND_WORKSHOP_ID, 0, 2000),
    ]
    fresh = [token for _, token, _, _ in tokens]
    assert all(len(token) >= 32 for token in fresh)
    assert len(set(fresh)) == 2
    assert raw(engine, "SELECT COUNT(*) FROM participant WHERE removed_at IS NOT NULL") == [(0,)]
    assert raw(engine, "PRAGMA foreign_key_check") == []

    downgrade(engine, "0005")

    assert current_revision(engine) == "0005"
    assert (schema(engine), every_row(engine)) == at_0005


def test_downgrade_from_0006_refuses_a_removed_participant_and_changes_nothing(
    engine: Engine,
) -> None:
    make_0005_with_two_workshops(engine)
    upgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE participant SET removed_at = '2026-12-07 11:00:00.000000' WHERE id = 2")
        )
    before = schema(engine), every_row(engine)

    with pytest.raises(RuntimeError, match="1 participant"):
        downgrade(engine, "0005")

    assert current_revision(engine) == "0006"
    assert (schema(engine), every_row(engine)) == before


def test_the_app_opens_a_0005_database_with_nothing_lost(db_path: Path) -> None:
    """The previous release's file, opened by today's app: the facilitator key, the
    participants' tokens and the plan work as before, and the room screen has a token."""
    from workshop import create_app
    from workshop.extensions import socketio

    setup = open_engine(db_path)
    make_0005_with_two_workshops(setup)
    at_0005 = every_row(setup)
    setup.dispose()

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
        }
    )
    engine = app.extensions["workshop_db"]
    try:
        assert current_revision(engine) == head_revision()
        for table in ("idea", "dotvote", "ranking", "counter", "stage", "entry", "planversion"):
            width = len(at_0005[table][0]) if at_0005[table] else 0
            after_rows = sorted((r[:width] for r in every_row(engine)[table]), key=repr)
            assert before_shuffle(table, after_rows) == before_shuffle(table, at_0005[table]), table
        client = app.test_client()
        auth = {"Authorization": f"Bearer {FACILITATOR_KEY}"}
        response = client.get(f"/api/workshops/{WORKSHOP_ID}/plan.md", headers=auth)
        assert response.status_code == 200
        assert response.data == PLAN_MARKDOWN.encode()
        ((token,),) = raw(
            engine, f"SELECT projector_token FROM workshop WHERE id = '{WORKSHOP_ID}'"
        )
        socket = socketio.test_client(app, flask_test_client=client)
        try:
            screen = socket.emit(
                "present", {"workshop_id": WORKSHOP_ID, "token": token}, callback=True
            )
            assert screen["ok"], screen
            assert screen["state"]["participant_count"] == 3
            assert screen["state"]["removed_count"] == 0
            console = socket.emit(
                "facilitate", {"workshop_id": WORKSHOP_ID, "key": FACILITATOR_KEY}, callback=True
            )
            assert console["ok"], console
            assert console["state"]["join_locked"] is False
            assert console["state"]["max_participants"] == 2000
            assert [p["id"] for p in console["state"]["participants"]] == [1, 2, 3]
            resumed = socket.emit("join", {"code": "K7P2QX", "token": "token-2"}, callback=True)
            assert resumed["ok"], resumed
            assert resumed["participant"]["id"] == 2
        finally:
            socket.disconnect()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- revision 0008


def stored_plan_before_0008() -> str:
    """A plan as versions stored it before 0008: schema_version 1, with none of the keys the
    board's document added (published_at, review_cadence, history, tie_break, dropped,
    detail)."""
    from tests.plan_samples import full_plan

    data = full_plan().as_dict()
    for key in ("published_at", "review_cadence", "history"):
        del data[key]
    for stage in data["stages"]:
        for item in stage["items"]:
            del item["tie_break"], item["dropped"]
    for gap in data["gaps"]:
        del gap["detail"]
    data["version"], data["note"] = 2, "typos"
    return json.dumps(data)


def make_0007_with_a_stored_plan(engine: Engine) -> None:
    """The two workshops of 0005 at 0007, the finished one with a reviewed version 2 stored
    in the JSON format of the time (version 1 is release 1's, assembled again on read)."""
    make_0005_with_two_workshops(engine)
    upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO planversion (workshop_id, version, created_at, data, note) "
                "VALUES (:w, 2, '2026-12-02 10:00:00.000000', :data, 'typos')"
            ),
            {"w": WORKSHOP_ID, "data": stored_plan_before_0008()},
        )


def test_0008_gives_every_workshop_the_quarterly_cadence_and_keeps_every_row_of_0007(
    engine: Engine,
) -> None:
    make_0007_with_a_stored_plan(engine)
    at_0007 = schema(engine), every_row(engine)

    upgrade(engine, "0008")

    assert current_revision(engine) == "0008"
    after = schema(engine)
    assert set(after) == set(at_0007[0])
    names = [column[0] for column in after["workshop"]["columns"]]
    assert names == [column[0] for column in at_0007[0]["workshop"]["columns"]] + ["review_cadence"]
    for table, rows in at_0007[1].items():
        if table == "alembic_version":
            continue
        width = len(at_0007[0][table]["columns"])
        assert sorted((row[:width] for row in every_row(engine)[table]), key=repr) == rows, table
    assert raw(engine, "SELECT id, review_cadence FROM workshop ORDER BY id") == [
        (WORKSHOP_ID, "quarterly"),
        (SECOND_WORKSHOP_ID, "quarterly"),
    ]
    assert raw(engine, "PRAGMA foreign_key_check") == []

    downgrade(engine, "0007")

    assert current_revision(engine) == "0007"
    assert (schema(engine), every_row(engine)) == at_0007


def test_the_app_opens_a_0007_database_and_reads_its_plans_as_reviewed_quarterly(
    db_path: Path,
) -> None:
    """The previous release's file, opened by today's app: both stored versions read back
    (version 1 assembled again, version 2 from the JSON of the time) with the quarterly
    cadence, the stored Markdown is served as it was, and a new review publishes version 3
    with the whole history."""
    from tests.apps import make_app

    setup = open_engine(db_path)
    make_0007_with_a_stored_plan(setup)
    at_0007 = every_row(setup)
    setup.dispose()

    app = make_app(db_path)
    engine = app.extensions["workshop_db"]
    try:
        assert current_revision(engine) == head_revision()
        for table in ("idea", "stage", "participant", "planversion", "planfile", "entry"):
            width = len(at_0007[table][0]) if at_0007[table] else 0
            after_rows = sorted((r[:width] for r in every_row(engine)[table]), key=repr)
            assert before_shuffle(table, after_rows) == before_shuffle(table, at_0007[table]), table
        client = app.test_client()
        auth = {"Authorization": f"Bearer {FACILITATOR_KEY}"}
        plans = {}
        for version in (1, 2):
            response = client.get(
                f"/api/workshops/{WORKSHOP_ID}/plan.json?version={version}", headers=auth
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            plans[version] = json.loads(response.get_data())
            assert plans[version]["review_cadence"] == "quarterly"
        assert plans[2]["published_at"].endswith("+00:00")
        markdown = client.get(f"/api/workshops/{WORKSHOP_ID}/plan.md?version=1", headers=auth)
        assert markdown.data == PLAN_MARKDOWN.encode()
        published = client.post(
            f"/api/workshops/{WORKSHOP_ID}/plan/versions",
            headers=auth,
            json={"based_on": 2, "items": [], "review_cadence": "yearly", "note": "Yearly"},
        )
        assert published.status_code == 201, published.get_json()
        third = json.loads(
            client.get(f"/api/workshops/{WORKSHOP_ID}/plan.json", headers=auth).get_data()
        )
        assert third["review_cadence"] == "yearly"
        assert [(v["version"], v["note"]) for v in third["history"]] == [
            (1, None),
            (2, "typos"),
            (3, "Yearly"),
        ]
        # Stored before plans kept a history, version 2 reads it from the versions table.
        assert plans[2]["history"] == third["history"][:2]
        assert plans[2]["history"][1]["published_at"] == "2026-12-02T10:00:00+00:00"
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- revision 0009


def test_0009_adds_the_facilitators_tools_and_keeps_every_row_of_0008(engine: Engine) -> None:
    """Timers, focus, edited and deleted ideas, dismissed duplicates: new columns that read as
    "none" for everything stored, a new empty table, and every row of 0008 as it was."""
    make_0007_with_a_stored_plan(engine)
    upgrade(engine, "0008")
    at_0008 = schema(engine), every_row(engine)

    upgrade(engine, "0009")

    assert current_revision(engine) == "0009"
    after = schema(engine)
    assert set(after) == set(at_0008[0]) | {"duplicate_dismissal"}
    added = {
        "stage": ["timer_seconds", "timer_ends_at", "timer_paused_remaining", "timer_op"],
        "workshop": ["focus_idea_id"],
        "idea": ["original_text", "edited_at", "deleted_at"],
    }
    for table, columns in added.items():
        names = [column[0] for column in after[table]["columns"]]
        assert names == [column[0] for column in at_0008[0][table]["columns"]] + columns
        assert {k: v for k, v in after[table].items() if k != "columns"} == {
            k: v for k, v in at_0008[0][table].items() if k != "columns"
        }
    assert after["duplicate_dismissal"]["pk"] == ["stage_id", "idea_a", "idea_b"]
    for table, rows in at_0008[1].items():
        if table == "alembic_version":
            continue
        width = len(at_0008[0][table]["columns"])
        after_rows = sorted((row[:width] for row in every_row(engine)[table]), key=repr)
        assert before_shuffle(table, after_rows) == before_shuffle(table, rows), table
    assert raw(
        engine,
        "SELECT DISTINCT timer_seconds, timer_ends_at, timer_paused_remaining, timer_op FROM stage",
    ) == [(None, None, None, None)]
    assert raw(engine, "SELECT DISTINCT focus_idea_id FROM workshop") == [(None,)]
    # Every stored vote and rank step reads `shuffle` on, as a new agenda's would.
    stored = [
        step for steps in raw(engine, "SELECT steps FROM stage") for step in json.loads(steps[0])
    ]
    assert {step["kind"] for step in stored} >= {"vote", "rank"}
    for step in stored:
        assert ("shuffle" in step["settings"]) == (
            step["kind"] in ("vote", "allocate", "rate", "rank")
        )
        assert step["settings"].get("shuffle", True) is True
    assert raw(engine, "SELECT DISTINCT original_text, edited_at, deleted_at FROM idea") == [
        (None, None, None)
    ]
    assert raw(engine, "PRAGMA foreign_key_check") == []

    downgrade(engine, "0008")

    assert current_revision(engine) == "0008"
    assert (schema(engine), every_row(engine)) == at_0008


def test_downgrade_from_0009_refuses_a_deleted_idea_and_changes_nothing(engine: Engine) -> None:
    make_0007_with_a_stored_plan(engine)
    upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE idea SET deleted_at = '2026-12-07 10:00:00.000000' WHERE id = 2")
        )
    before = schema(engine), every_row(engine)

    with pytest.raises(RuntimeError, match="1 idea"):
        downgrade(engine, "0008")

    assert current_revision(engine) == "0009"
    assert (schema(engine), every_row(engine)) == before


# --------------------------------------------------------------------------- revision 0010


def test_0010_adds_carried_items_and_the_admin_key_and_keeps_every_row_of_0009(
    engine: Engine,
) -> None:
    """Where a carried item came from, and the admin's console key: two new columns that read
    as "none" for everything stored, and every row of 0009 as it was, both ways."""
    make_0007_with_a_stored_plan(engine)
    upgrade(engine, "0009")
    at_0009 = schema(engine), every_row(engine)

    upgrade(engine, "0010")

    assert current_revision(engine) == "0010"
    after = schema(engine)
    assert set(after) == set(at_0009[0])
    added = {"idea": ["origin"], "workshop": ["admin_key_hash"]}
    for table, columns in added.items():
        names = [column[0] for column in after[table]["columns"]]
        assert names == [column[0] for column in at_0009[0][table]["columns"]] + columns
    for table, rows in at_0009[1].items():
        if table == "alembic_version":
            continue
        width = len(at_0009[0][table]["columns"])
        after_rows = sorted((row[:width] for row in every_row(engine)[table]), key=repr)
        assert after_rows == sorted(rows, key=repr), table
    assert raw(engine, "SELECT DISTINCT origin FROM idea") == [(None,)]
    assert raw(engine, "SELECT DISTINCT admin_key_hash FROM workshop") == [(None,)]
    assert raw(engine, "PRAGMA foreign_key_check") == []

    downgrade(engine, "0009")

    assert current_revision(engine) == "0009"
    assert (schema(engine), every_row(engine)) == at_0009


# --------------------------------------------------------------------------- revision 0011


def test_0011_indexes_every_child_foreign_key_and_changes_no_row(engine: Engine) -> None:
    """Each foreign-key column that led no index gets one (a workshop's delete no longer
    scans whole tables); every row stays as it was, and the downgrade gives 0010 back."""
    make_0007_with_a_stored_plan(engine)
    upgrade(engine, "0010")
    at_0010 = schema(engine), every_row(engine)

    upgrade(engine, "0011")

    assert current_revision(engine) == "0011"
    assert every_row(engine) == at_0010[1] | {"alembic_version": [("0011",)]}
    inspector = sa.inspect(engine)
    for table, column in (
        ("dotvote", "idea_id"),
        ("allocation", "idea_id"),
        ("rating", "idea_id"),
        ("linkproposal", "idea_id"),
        ("duplicate_dismissal", "idea_a"),
        ("duplicate_dismissal", "idea_b"),
        ("ideamerge", "into"),
        ("entry", "participant_id"),
        ("agendatemplate", "source_workshop_id"),
    ):
        led = [index["column_names"][0] for index in inspector.get_indexes(table)]
        assert column in led, (table, column)
    plan = raw(engine, "EXPLAIN QUERY PLAN SELECT 1 FROM dotvote WHERE idea_id = 1")
    assert "ix_dotvote_idea_id" in " ".join(str(row) for row in plan)

    downgrade(engine, "0010")

    assert (schema(engine), every_row(engine)) == at_0010


# --------------------------------------------------------------------------- revision 0012


def _app_on(db_path: Path) -> Any:
    from workshop import create_app

    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
        }
    )


SMALL_AGENDA = {
    "stages": [
        {
            "key": "vision",
            "title": "Vision",
            "prompt": "Where should we be?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 3, "max_dots_per_idea": 3},
                {"kind": "done", "select_count": 1},
            ],
        },
        {
            "key": "goals",
            "title": "Goals",
            "prompt": "What must be true?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "rate"},
                {"kind": "done", "select_count": 0},
            ],
        },
    ]
}


def test_a_running_0011_workshop_upgrades_to_0012_and_carries_on(db_path: Path) -> None:
    """The previous release's database with a workshop in the middle of a dot vote: today's
    app upgrades it on start, keeps every row, and the room carries on from where it was (a
    phone resumes with its token, votes, the stage decides, the next stage takes ideas
    without a category, and the plan is made)."""
    from tests.factories import Room, ok

    app = _app_on(db_path)
    room = Room.create(app, app.test_client(), title="Strategy day 2027")
    auth = {"Authorization": f"Bearer {room.key}"}
    assert (
        room.client.put(
            f"/api/workshops/{room.id}/agenda", json=SMALL_AGENDA, headers=auth
        ).status_code
        == 200
    )
    room.start()
    vision = room.stage_ids()["vision"]
    ada, bo = room.participant("Ada"), room.participant("Bo")
    first = ok(ada.sock, "idea:submit", {"stage_id": vision, "text": "Care close to home"})
    second = ok(bo.sock, "idea:submit", {"stage_id": vision, "text": "Nobody waits alone"})
    ids = [first["idea"]["id"], second["idea"]["id"]]
    fac = room.facilitator()
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "vote"})
    ok(ada.sock, "votes:set", {"stage_id": vision, "votes": {str(ids[1]): 2, str(ids[0]): 1}})
    room.close()
    app.extensions["workshop_db"].dispose()

    # What the previous release (0011) stored: the same rows without 0012's columns, and each
    # step's settings without the ones 0012's release added.
    setup = open_engine(db_path)
    downgrade(setup, "0011")
    assert current_revision(setup) == "0011"
    added = {"categories", "per_category", "select_per_category", "scales", "quadrants"}
    added.add("second_tie_break")
    with setup.begin() as connection:
        for stage_id, steps in connection.execute(sa.text("SELECT id, steps FROM stage")):
            old = [
                {**step, "settings": {k: v for k, v in step["settings"].items() if k not in added}}
                for step in json.loads(steps)
            ]
            connection.execute(
                sa.text("UPDATE stage SET steps = :steps WHERE id = :id"),
                {"steps": json.dumps(old), "id": stage_id},
            )
    at_0011 = schema(setup), every_row(setup)
    assert "category" not in [column[0] for column in at_0011[0]["idea"]["columns"]]
    setup.dispose()

    app = _app_on(db_path)
    engine = app.extensions["workshop_db"]
    room = Room(app, app.test_client(), room.data)
    try:
        assert current_revision(engine) == head_revision()
        for table, rows in at_0011[1].items():
            if table == "alembic_version":
                continue
            width = len(at_0011[0][table]["columns"])
            after_rows = sorted((row[:width] for row in every_row(engine)[table]), key=repr)
            assert after_rows == rows, table
        assert raw(engine, "SELECT DISTINCT category, mitigated_by FROM idea") == [(None, "[]")]
        assert raw(engine, "SELECT COUNT(*) FROM linkproposal WHERE mitigated_by != '[]'") == [(0,)]

        # The room carries on: Ada's votes are there, Bo resumes and votes, the stage decides.
        state = room.facilitator_state()
        assert state["current"]["stage_id"] == vision
        assert state["stages"][0]["phase"] == "vote"
        ada = room.participant(token=ada.token)
        assert ada.state["me"]["votes"] == {str(vision): {str(ids[0]): 1, str(ids[1]): 2}}
        bo = room.participant(token=bo.token)
        ok(bo.sock, "votes:set", {"stage_id": vision, "votes": {str(ids[1]): 3}})
        fac = room.facilitator()
        ok(fac, "stage:phase", {"stage_id": vision, "phase": "done"})
        decided = room.facilitator_state()["stages"][0]
        assert [item["id"] for item in decided["selected"]] == [ids[1]]
        assert [(r["idea_id"], r["votes"]) for r in decided["results"]] == [
            (ids[1], 5),
            (ids[0], 1),
        ]
        assert all("category" not in idea for idea in decided["ideas"])

        goals = room.stage_ids()["goals"]
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "brainstorm"})
        added = ok(ada.sock, "idea:submit", {"stage_id": goals, "text": "A home visit in 48 h"})
        assert "category" not in added["idea"]
        # The stored rate step has no scales: it rates impact and effort, as it always did.
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "rate"})
        rating = {str(added["idea"]["id"]): {"impact": 5, "effort": 2}}
        assert ok(ada.sock, "rating:set", {"stage_id": goals, "ratings": rating})["ratings"] == (
            rating
        )
        rated = room.facilitator_state()["stages"][1]
        assert [(i["impact"], i["effort"], i["quadrant"]) for i in rated["ideas"]] == [
            (5, 2, "quick_win")
        ]
        ok(fac, "stage:phase", {"stage_id": goals, "phase": "done"})
        ok(fac, "workshop:finish")
        plan = room.client.get(f"/api/workshops/{room.id}/plan.md", headers=auth)
        assert plan.status_code == 200
        text = plan.get_data(as_text=True)
        assert "Nobody waits alone" in text and "A home visit in 48 h" in text
    finally:
        room.close()
        engine.dispose()


# --------------------------------------------------------------------------- revision 0013


def test_a_0012_database_opens_with_every_workshop_in_english_and_nothing_lost(
    db_path: Path,
) -> None:
    """The previous release's database (no language) with a workshop under way: today's app
    upgrades it on start, every row is kept, every workshop is English, the room carries on
    and the console can change the language; downgrading gives back 0012 exactly."""
    from tests.factories import Room, ok

    app = _app_on(db_path)
    room = Room.create(app, app.test_client(), title="Strategy day 2027", language="de")
    room.start()
    vision = room.stage_ids()["vision"]
    ada = room.participant("Ada")
    ok(ada.sock, "idea:submit", {"stage_id": vision, "text": "Care close to home"})
    room.close()
    app.extensions["workshop_db"].dispose()

    setup = open_engine(db_path)
    downgrade(setup, "0012")
    assert current_revision(setup) == "0012"
    at_0012 = schema(setup), every_row(setup)
    assert "language" not in [column[0] for column in at_0012[0]["workshop"]["columns"]]
    setup.dispose()

    app = _app_on(db_path)
    engine = app.extensions["workshop_db"]
    room = Room(app, app.test_client(), room.data)
    try:
        assert current_revision(engine) == head_revision() == "0013"
        after = schema(engine)
        names = [column[0] for column in after["workshop"]["columns"]]
        assert names == [column[0] for column in at_0012[0]["workshop"]["columns"]] + ["language"]
        for table, rows in at_0012[1].items():
            if table == "alembic_version":
                continue
            width = len(at_0012[0][table]["columns"])
            after_rows = sorted((row[:width] for row in every_row(engine)[table]), key=repr)
            assert after_rows == rows, table
        assert raw(engine, "SELECT id, language FROM workshop") == [(room.id, "en")]

        state = room.facilitator_state()
        assert state["workshop"]["language"] == "en"
        assert [idea["text"] for idea in state["stages"][0]["ideas"]] == ["Care close to home"]
        ada = room.participant(token=ada.token)
        assert ada.state["workshop"]["language"] == "en"
        fac = room.facilitator()
        assert ok(fac, "workshop:language", {"language": "fr"})["language"] == "fr"
        assert raw(engine, "SELECT language FROM workshop") == [("fr",)]
    finally:
        room.close()
    downgrade(engine, "0012")
    try:
        assert current_revision(engine) == "0012"
        assert schema(engine) == at_0012[0]
    finally:
        engine.dispose()
