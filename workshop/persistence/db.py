"""Owns the database engine and the per-request (and per-event) database session."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from .migrate import upgrade


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and foreign keys."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, or every thread would see its own empty database.
            kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            # Durability: an acknowledged write must survive a power cut, not just a restart.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


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
