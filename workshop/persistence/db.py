"""Owns the database engine and the per-request (and per-event) database session.

SQLite transactions begin under SQLAlchemy's control, not pysqlite's (SQLAlchemy's documented
recipe: pysqlite's `isolation_level=None` plus a "begin" listener that emits BEGIN). A session
that only reads starts a plain, deferred `BEGIN`: in WAL mode it reads one consistent snapshot
and never waits for, or blocks, a writer. A writing event or route calls `begin_write(db)`
first, so its transaction starts with `BEGIN IMMEDIATE`: it holds the database's write lock
from its first read, and every check it makes (the phase, a cap, a client_id already used)
still holds when it commits, across threads and across processes sharing the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from .migrate import upgrade

log = logging.getLogger(__name__)

BEGIN_OPTION = "workshop_sqlite_begin"
"""Execution option read by the SQLite "begin" listener: "IMMEDIATE" starts the transaction with
`BEGIN IMMEDIATE`, failing at once if another connection writes (`begin_write` retries);
"IMMEDIATE_WAIT" waits in SQLite's busy handler instead (the migrations); absent, a plain
deferred `BEGIN`."""
BUSY_TIMEOUT = 15.0
"""Seconds a statement (or `begin_write`) waits for another connection's lock before failing."""
_BEGUN = "workshop_begun"  # connection.info: how the current transaction began
_CHANGES = "workshop_changes"  # connection.info: sqlite3's total_changes when it began


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, `synchronous=FULL`, a busy timeout, foreign keys,
    transactions begun by SQLAlchemy (so `begin_write` can make one IMMEDIATE), and a new
    database file is created readable by its owner only (0600, its -wal and -shm files too)."""
    kwargs: dict[str, Any] = {}
    sqlite = url.startswith("sqlite")
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT}
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, or every thread would see its own empty database.
            kwargs["poolclass"] = StaticPool
        else:
            create_private_file(url)
    engine = create_engine(url, **kwargs)
    if sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite emits no BEGIN (nor its implicit COMMIT before DDL): the "begin" listener
            # below does, when SQLAlchemy begins a transaction.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            # Durability: an acknowledged write must survive a power cut, not just a restart.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            mode = connection.get_execution_options().get(BEGIN_OPTION)
            immediate = mode in ("IMMEDIATE", "IMMEDIATE_WAIT")
            if mode == "IMMEDIATE_WAIT":
                # Wait in SQLite's busy handler (the migrations at start, before any loop).
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif immediate:
                # Fail at once when another connection writes: begin_write waits itself, in
                # short sleeps that let eventlet run other greenlets (SQLite's own busy wait
                # would block the whole process, and sleeps up to 100 ms at a time).
                driver: Any = connection.connection.driver_connection
                driver.execute("PRAGMA busy_timeout=0")
                try:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    driver.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
            else:
                connection.exec_driver_sql("BEGIN")
            connection.info[_BEGUN] = "IMMEDIATE" if immediate else "DEFERRED"
            connection.info[_CHANGES] = _total_changes(connection)

    return engine


def create_private_file(url: str) -> None:
    """Create a SQLite database file that does not exist yet with mode 0600, before SQLite
    opens it. SQLite gives the -wal and -shm files the database file's permissions, so they
    are 0600 too. An existing file keeps the mode its owner gave it."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    previous = os.umask(0o077)
    try:
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            log.info("created the database file %s (mode 0600)", path)
    finally:
        os.umask(previous)


def _total_changes(connection: Connection) -> int:
    driver = connection.connection.driver_connection
    return int(getattr(driver, "total_changes", 0))


def begin_write(db: Session) -> None:
    """Make this session's transaction hold the database's write lock before its first read.

    Call it first thing in a writing event or route, before any query: every check-then-write
    after it is atomic. SQLite: the transaction starts with `BEGIN IMMEDIATE`, so a second
    writer (thread or process) waits at its own `begin_write` until this one commits or rolls
    back; readers are never blocked (WAL). It waits in sleeps of 0.5 to 5 ms, up to
    `BUSY_TIMEOUT` seconds: under eventlet (`time.sleep` is green) the process serves its
    other connections meanwhile, which holds no lock since the wait comes before it. Calling
    it again in the same transaction is a no-op. If the session already began a read-only
    (deferred) transaction, that one is rolled back first (the objects it loaded are expired,
    so they reload under the lock); if it already wrote, that is a programming error
    (RuntimeError): SQLite cannot upgrade it safely.

    PostgreSQL (issue 19): a no-op hook. There each service must take row locks
    (`SELECT ... FOR UPDATE`, as `queries.lock_participant` does) or write conditionally;
    this is where a per-database strategy plugs in.
    """
    if db.get_bind().dialect.name != "sqlite":
        return
    if db.in_transaction():
        connection = db.connection()
        if connection.info.get(_BEGUN) == "IMMEDIATE":
            return
        if (
            db.new
            or db.dirty
            or db.deleted
            or (_total_changes(connection) != connection.info.get(_CHANGES))
        ):
            raise RuntimeError(
                "begin_write() was called after this transaction wrote; call it before the "
                "first query of a writing event or route."
            )
        db.rollback()
    deadline = time.monotonic() + BUSY_TIMEOUT
    pause = 0.0005
    while True:
        try:
            db.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
            return
        except OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        db.rollback()
        time.sleep(pause)
        pause = min(pause * 2, 0.005)


def _is_busy(exc: OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF == 5  # SQLITE_BUSY and its extended codes
    return "database is locked" in str(exc.orig)


def get_engine(app: Flask | None = None) -> Engine:
    """The application's engine."""
    app = app or current_app
    engine: Engine = app.extensions["workshop_db"]
    return engine


def get_db() -> Session:
    """The database session for this request or Socket.IO event, opened on first use."""
    if "db" not in g:
        g.db = Session(get_engine(), expire_on_commit=False)
    db: Session = g.db
    return db


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's session; anything not committed is rolled back."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(app: Flask | None = None) -> None:
    """Bring the schema up to date: create it, or migrate a database of an earlier release."""
    upgrade(get_engine(app))


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the tables (this also happens on every start)."""
    init_db()
    click.echo("The database is up to date.")


def init_app(app: Flask) -> None:
    """Bind the engine to the app, create tables and register teardown and the CLI command."""
    app.extensions["workshop_db"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    init_db(app)
