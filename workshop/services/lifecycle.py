"""A workshop's life after the meeting: its summary for the facilitator's home, deleting it
(every row, everywhere), and purging finished workshops after RETENTION_DAYS.

Deleting walks `persistence/rows.py`: every table that can hold a row of the workshop, found
from the schema, children before parents, so an activity's own tables (a plug-in's too) go
with it without a line here. The live rooms are closed by `realtime/closing.py` after the
commit (the caller's job: HTTP and admin routes, and the purge here).

Retention: with RETENTION_DAYS = N, a workshop finished more than N days ago is deleted when
the app starts and then once a day by one background thread per process (a daemon: it never
keeps a process alive; under eventlet its sleep is green). Active workshops are never purged.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import DateTime, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from ..persistence import rows
from ..persistence.db import begin_write, get_engine
from ..persistence.models import AgendaTemplate, PlanVersion, Workshop
from ..persistence.queries import list_stages, participant_count
from . import workshops
from .timer import iso

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60
"""How often the purge runs after the one at start."""


# --------------------------------------------------------------------------- summary


def summary(db: Session, workshop: Workshop, *, base_url: str | None = None) -> dict[str, Any]:
    """What the start page's "My workshops" shows of one workshop (docs/api.md). Its links
    start with `base_url`, by default the server's public address (PUBLIC_URL, else where it
    listens; never the request's Host)."""
    if base_url is None:
        from ..web.hosts import public_base_url  # the address is the app's setting

        base_url = public_base_url()
    root = base_url
    stages = list_stages(db, workshop.id)
    templates = db.exec(
        select(AgendaTemplate)
        .where(col(AgendaTemplate.source_workshop_id) == workshop.id)
        .order_by(col(AgendaTemplate.created_at), col(AgendaTemplate.id))
    ).all()
    versions = db.exec(
        select(func.count())
        .select_from(PlanVersion)
        .where(col(PlanVersion.workshop_id) == workshop.id)
    ).one()
    return {
        "id": workshop.id,
        "title": workshop.title,
        "organization": workshop.organization,
        "status": workshop.status,
        "code": workshop.code,
        "created_at": iso(workshop.created_at),
        "finished_at": iso(workshop.finished_at) if workshop.finished_at else None,
        "last_activity_at": iso(last_activity(db, workshop)),
        "participant_count": participant_count(db, workshop.id),
        "stage_count": len(stages),
        "current": _current(workshop, stages),
        "plan_versions": int(versions),
        "urls": {
            "join": f"{root}j/{workshop.code}",
            "present": f"{root}w/{workshop.id}/present#token={workshop.projector_token}",
        },
        "templates": [
            {"id": row.id, "title": row.title, "created_at": iso(row.created_at)}
            for row in templates
        ],
    }


def _current(workshop: Workshop, stages: list[Any]) -> dict[str, Any] | None:
    """Where the room is: the current stage's title, its open step's kind (None while the
    stage has not been opened, as in the lobby), and whether it is still the lobby. None once
    finished, or without stages."""
    if workshop.status != "active" or not stages:
        return None
    stage = next((s for s in stages if s.id == workshop.current_stage_id), stages[0])
    opened = 0 <= stage.step_index < len(stage.steps)
    return {
        "stage_title": stage.title,
        "step_kind": stage.steps[stage.step_index]["kind"] if opened else None,
        "lobby": workshops.in_lobby(workshop, stages),
    }


def last_activity(db: Session, workshop: Workshop, now: datetime | None = None) -> datetime:
    """The latest moment anything of the workshop was written (see `last_activities`), never
    before its creation."""
    found = last_activities(db, [workshop.id], now).get(workshop.id)
    return found or _aware(workshop.created_at)


def last_activities(
    db: Session, ids: list[str], now: datetime | None = None
) -> dict[str, datetime]:
    """These workshops' latest timestamp in any of their rows in any table (created, joined,
    an idea sent or edited, an entry changed, a version published, finished…); a time still to
    come (a running countdown's end) is no activity. One grouped query per table with a time
    column, limited to these workshops through the indexes on the columns that name them."""
    if not ids:
        return {}
    now = _aware(now or datetime.now(UTC))
    latest: dict[str, datetime] = {}
    for table in SQLModel.metadata.sorted_tables:
        stamps = [column for column in table.columns if _is_time(column.type)]
        owner = rows.owner_of(table) if stamps else None
        if owner is None:
            continue
        expression, joined = owner
        statement = sa_select(expression, *(func.max(column) for column in stamps)).where(
            expression.in_(ids)
        )
        if joined is not None:
            statement = statement.select_from(joined)
        for workshop_id, *values in db.execute(statement.group_by(expression)):
            for value in values:
                moment = _moment(value)
                if moment is None or workshop_id is None or moment > now:
                    continue
                if workshop_id not in latest or latest[workshop_id] < moment:
                    latest[workshop_id] = moment
    return latest


def _is_time(kind: Any) -> bool:
    """Whether a column type holds a date and time (SQLModel's is a TypeDecorator over one)."""
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _aware(moment: datetime) -> datetime:
    """A stored time with its zone (SQLite gives it back without)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _moment(value: Any) -> datetime | None:
    """MAX() of a DateTime column: SQLite gives it back as text, PostgreSQL as a datetime."""
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str) and value:
        return _aware(datetime.fromisoformat(value))
    return None


# --------------------------------------------------------------------------- delete


def delete_workshop(db: Session, workshop: Workshop) -> None:
    """Delete every row of `workshop` from every table, and commit. The caller holds the write
    lock (`begin_write`) and then closes the live rooms (`closing.close_workshop`)."""
    workshop_id = workshop.id
    deleted = rows.delete_rows(db, workshop_id)
    db.expunge_all()  # what this session loaded of the workshop is gone
    db.commit()
    log.info("deleted workshop %s (%d rows)", workshop_id, sum(deleted.values()))


# --------------------------------------------------------------------------- retention


def due_for_purge(db: Session, *, days: int, now: datetime | None = None) -> list[str]:
    """The ids of the workshops finished more than `days` days before `now`, oldest first."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    query = (
        select(Workshop.id)
        .where(
            col(Workshop.status) == "finished",
            col(Workshop.finished_at).is_not(None),
            col(Workshop.finished_at) < cutoff,
        )
        .order_by(col(Workshop.finished_at), col(Workshop.id))
    )
    return list(db.exec(query).all())


def purge_finished(db: Session, *, days: int, now: datetime | None = None) -> list[str]:
    """Delete the workshops finished more than `days` days before `now`; their ids. Each goes
    in its own write transaction, checked again under the lock (a workshop reopened or deleted
    meanwhile is left alone)."""
    purged = []
    db.rollback()
    for workshop_id in due_for_purge(db, days=days, now=now):
        begin_write(db)
        if workshop_id not in due_for_purge(db, days=days, now=now):
            db.rollback()
            continue
        workshop = db.get(Workshop, workshop_id)
        if workshop is None:
            db.rollback()
            continue
        delete_workshop(db, workshop)
        purged.append(workshop_id)
        # Let the live rooms' events run between two deletes (under eventlet this yields).
        time.sleep(0)
    return purged


def retention_days(value: Any) -> int | None:
    """RETENTION_DAYS as a number of days, or None when unset; anything but a whole number
    of 1 or more stops the server from starting, saying why."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        days = None
    elif isinstance(value, int):
        days = value
    elif isinstance(value, str) and value.strip().isdigit():
        days = int(value.strip())
    else:
        days = None
    if days is None or days < 1:
        raise SystemExit(
            f"RETENTION_DAYS must be a whole number of days, 1 or more (got {value!r}); "
            "unset it to keep finished workshops."
        )
    return days


def purge_app(app: Flask, *, close: bool = True) -> list[str]:
    """One purge run for `app` (RETENTION_DAYS set): delete what is due, close its live rooms
    (`close`; at start nobody is connected yet), log one line."""
    days = app.config.get("RETENTION_DAYS")
    if not days:
        return []
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as db:
        purged = purge_finished(db, days=days)
        if close:
            from ..realtime import closing

            for workshop_id in purged:
                try:
                    closing.close_workshop(workshop_id, reason="expired", app=app)
                except Exception:  # the rows are gone; a screen left open is refused next time
                    log.exception("closing the rooms of purged workshop %s failed", workshop_id)
    log.info("purged %d finished workshops older than %d days", len(purged), days)
    return purged


class _Daily:
    """The one purge thread of this process: every app built with RETENTION_DAYS is purged
    once a day (held weakly: an app that is gone is dropped)."""

    def __init__(self) -> None:
        self.apps: weakref.WeakSet[Flask] = weakref.WeakSet()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.interval = float(DAY_SECONDS)

    def add(self, app: Flask) -> None:
        with self.lock:
            self.apps.add(app)
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="retention-purge", daemon=True)
                self.thread.start()

    def run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.run_once()

    def run_once(self) -> None:
        with self.lock:
            apps = list(self.apps)
        for app in apps:
            try:
                purge_app(app)
            except Exception:  # a failed run must not end the thread; tomorrow's retries
                log.exception("the daily purge of finished workshops failed")


DAILY = _Daily()


def init_app(app: Flask) -> None:
    """RETENTION_DAYS set: purge at start and then daily; invalid: refuse to start."""
    days = retention_days(app.config.get("RETENTION_DAYS"))
    app.config["RETENTION_DAYS"] = days
    if days is None:
        return
    purge_app(app, close=False)
    DAILY.add(app)
