"""Schema migrations (Alembic): bring any database of this app up to the current schema.

`upgrade(engine)` runs on every start. An empty database gets every revision. A database made
by the first release (its tables from `create_all`, no `alembic_version` table) is stamped
with the baseline revision, the schema it has, and upgraded from there. The whole upgrade is
one transaction holding the database's write lock, so a second process starting at the same
moment waits, then finds the schema current; a failed migration leaves the database as it was.

A new revision: `alembic.command.revision(alembic_config(), "message", rev_id="0006")` (the next
number after `head_revision()`; tests read the head, they never pin it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
RELEASE_1_TABLES = frozenset(
    {"workshop", "stage", "participant", "idea", "dotvote", "ranking", "plan"}
)
# Any fixed number: every process of this app takes the same PostgreSQL advisory lock.
_POSTGRES_LOCK = 0x5757_0001
# How long a process waits for another one's migration on SQLite, in milliseconds.
_SQLITE_WAIT_MS = 120_000


log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations folder, bound to `connection` if given."""
    config = Config()
    # The value goes through configparser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision, the one `upgrade` brings a database to."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty or never-migrated database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the newest revision (or to `revision`); safe on every start (a
    no-op when current)."""
    with engine.connect() as connection, _exclusive(connection):
        tables = set(inspect(connection).get_table_names())
        config = alembic_config(connection)
        if "alembic_version" not in tables and "workshop" in tables:
            _check_release_1(connection, tables)
            command.stamp(config, BASELINE)
            log.info("a database of the first release: stamped at revision %s", BASELINE)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
        if before != after:
            log.info("database schema upgraded from %s to %s", before or "empty", after)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to `revision`; a revision may refuse data it cannot keep."""
    with engine.connect() as connection, _exclusive(connection):
        command.downgrade(alembic_config(connection), revision)


def _check_release_1(connection: Connection, tables: set[str]) -> None:
    """Refuse to stamp an unversioned database that is not release 1's schema."""
    missing = sorted(RELEASE_1_TABLES - tables)
    stage_columns: set[str] = set()
    if "stage" in tables:
        stage_columns = {column["name"] for column in inspect(connection).get_columns("stage")}
    if missing or "phase" not in stage_columns:
        raise RuntimeError(
            "The database has tables but no alembic_version, and is not the first release's "
            f"schema (missing tables: {missing or 'none'}; stage columns: "
            f"{sorted(stage_columns)}). It was probably made by `create_all` of a development "
            "build; recreate it, or stamp it by hand with the revision it matches."
        )


@contextmanager
def _exclusive(connection: Connection) -> Iterator[None]:
    """One transaction around the whole migration, holding the database's write lock.

    SQLite: foreign key checks are switched off for the duration (table rebuilds drop and
    rename tables others refer to; this is only possible outside a transaction, so the
    PRAGMAs go to the driver's connection, where SQLAlchemy begins nothing), then the
    transaction starts with `BEGIN IMMEDIATE`: the "begin" listener of `db.make_engine` reads
    the execution option, and on an engine without it the statement is sent here. PostgreSQL:
    an advisory lock, released at commit.
    """
    from .db import BEGIN_OPTION  # db imports this module

    sqlite = connection.dialect.name == "sqlite"
    restore: list[str] = []
    driver: Any = None
    if sqlite:
        driver = connection.connection.driver_connection
        foreign_keys = int(driver.execute("PRAGMA foreign_keys").fetchone()[0] or 0)
        timeout = int(driver.execute("PRAGMA busy_timeout").fetchone()[0] or 0)
        restore = [f"PRAGMA foreign_keys={foreign_keys}", f"PRAGMA busy_timeout={timeout}"]
    try:
        if sqlite:
            if driver.in_transaction:
                driver.commit()
            driver.execute("PRAGMA foreign_keys=OFF")
            driver.execute(f"PRAGMA busy_timeout={max(timeout, _SQLITE_WAIT_MS)}")
            if driver.execute("PRAGMA foreign_keys").fetchone()[0]:
                raise RuntimeError("Could not switch SQLite's foreign keys off to migrate.")
            connection.execution_options(**{BEGIN_OPTION: "IMMEDIATE_WAIT"})
        with connection.begin():
            if sqlite and not driver.in_transaction:
                # pysqlite's own transaction handling (an engine not made by make_engine)
                # has not begun yet: take the write lock ourselves.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _POSTGRES_LOCK})
            yield
    finally:
        if restore:
            connection.rollback()
            if driver.in_transaction:
                driver.rollback()
            for statement in restore:
                driver.execute(statement)
            if driver.in_transaction:
                driver.commit()
