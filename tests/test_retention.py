"""RETENTION_DAYS: workshops finished more than N days ago are deleted when the app starts and
then daily; unset, nothing is; an invalid value stops the server from starting. On a real
SQLite file, with the real app (and `python app.py` under eventlet for the start-up), no mocks.
The age of a finished workshop is set by writing its `finished_at` back in time.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.apps import make_app
from tests.factories import Room, ok
from tests.server import REPO_ROOT, LiveServer, http
from tests.test_participant_removal import kept
from workshop.persistence import rows
from workshop.services import lifecycle

PORTS = iter(range(5301, 5310))


def finished_days_ago(app: Flask, client: FlaskClient, title: str, days: float) -> Room:
    """A workshop finished `days` days ago (with a participant, an idea and a plan)."""
    room = Room.started(app, client, title=title)
    phone = room.participant("Ana")
    ok(phone.sock, "idea:submit", {"stage_id": room.stage_ids()["vision"], "text": "Clean port"})
    ok(room.facilitator(), "workshop:finish")
    age(app, room.id, days)
    return room


def age(app: Flask, workshop_id: str, days: float) -> None:
    """Move a finished workshop's finish `days` days into the past."""
    moment = datetime.now(UTC) - timedelta(days=days)
    with app.extensions["workshop_db"].begin() as conn:
        conn.exec_driver_sql(
            "UPDATE workshop SET finished_at = ? WHERE id = ?",
            (moment.replace(tzinfo=None).isoformat(sep=" "), workshop_id),
        )


def rows_of(app: Flask, workshop_id: str) -> int:
    with Session(app.extensions["workshop_db"]) as db:
        return sum(rows.count_rows(db, workshop_id).values())


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "retention.sqlite3"


def seed(database: Path) -> dict[str, Room]:
    """On `database`: finished a year, 10 and 3 days ago, an active one started long ago, and
    one finished today."""
    app = make_app(database)
    client = app.test_client()
    rooms = {
        "old": finished_days_ago(app, client, "Finished 10 days ago", 10),
        "older": finished_days_ago(app, client, "Finished a year ago", 365),
        "recent": finished_days_ago(app, client, "Finished 3 days ago", 3),
        "today": finished_days_ago(app, client, "Finished today", 0),
        "active": Room.started(app, client, title="Still running"),
    }
    with app.extensions["workshop_db"].begin() as conn:
        long_ago = (datetime.now(UTC) - timedelta(days=400)).replace(tzinfo=None)
        conn.exec_driver_sql(
            "UPDATE workshop SET created_at = ? WHERE id = ?",
            (long_ago.isoformat(sep=" "), rooms["active"].id),
        )
    for room in rooms.values():
        room.close()
    app.extensions["workshop_db"].dispose()
    return rooms


def test_the_start_purges_only_finished_workshops_older_than_the_setting(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rooms = seed(database)
    with caplog.at_level(logging.INFO, logger="workshop.services.lifecycle"):
        app = make_app(database, RETENTION_DAYS=7)
    assert rows_of(app, rooms["old"].id) == 0
    assert rows_of(app, rooms["older"].id) == 0
    for kept_room in ("recent", "today", "active"):
        assert rows_of(app, rooms[kept_room].id) > 0, kept_room
    lines = [r.getMessage() for r in caplog.records if r.name == "workshop.services.lifecycle"]
    assert lines.count("purged 2 finished workshops older than 7 days") == 1
    client = app.test_client()
    old = rooms["old"]
    gone = client.get(f"/api/workshops/{old.id}/summary", headers=_bearer(old.key))
    assert gone.status_code == 404
    # With 2 days, the one finished 3 days ago goes too; the active one never does.
    app.extensions["workshop_db"].dispose()
    app = make_app(database, RETENTION_DAYS="2")
    assert rows_of(app, rooms["recent"].id) == 0
    assert rows_of(app, rooms["today"].id) > 0
    assert rows_of(app, rooms["active"].id) > 0
    app.extensions["workshop_db"].dispose()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_unset_purges_nothing(database: Path) -> None:
    rooms = seed(database)
    for unset in (None, ""):
        app = make_app(database, RETENTION_DAYS=unset)
        assert app.config["RETENTION_DAYS"] is None
        for room in rooms.values():
            assert rows_of(app, room.id) > 0
        assert app not in lifecycle.DAILY.apps
        app.extensions["workshop_db"].dispose()


@pytest.mark.parametrize("value", [0, -3, "0", "-1", "abc", "7.5", "7 days", 2.0, True])
def test_an_invalid_setting_refuses_to_start(database: Path, value: Any) -> None:
    app = make_app(database)
    old = finished_days_ago(app, app.test_client(), "Finished long ago", 400)
    old.close()
    app.extensions["workshop_db"].dispose()
    with pytest.raises(SystemExit) as refused:
        make_app(database, RETENTION_DAYS=value)
    message = str(refused.value)
    assert message.startswith("RETENTION_DAYS must be a whole number of days, 1 or more")
    assert f"(got {value!r})" in message
    # Nothing was purged on the way.
    app = make_app(database)
    assert rows_of(app, old.id) > 0
    app.extensions["workshop_db"].dispose()


def test_the_daily_run_closes_the_live_rooms_of_what_it_purges(tmp_path: Path) -> None:
    app = make_app(tmp_path / "daily.sqlite3", RETENTION_DAYS=30)
    client = app.test_client()
    assert app in lifecycle.DAILY.apps
    # One thread per process, whatever the number of apps; a daemon, so it never keeps a
    # process alive.
    thread = lifecycle.DAILY.thread
    assert thread is not None and thread.daemon and thread.is_alive()
    second = make_app(tmp_path / "second.sqlite3", RETENTION_DAYS=5)
    assert lifecycle.DAILY.thread is thread
    second.extensions["workshop_db"].dispose()

    expired = Room.started(app, client, title="Expired Co")
    phone = expired.participant("Ana")
    console, screen = expired.facilitator(), expired.projector()
    ok(console, "workshop:finish")
    kept_room = Room.started(app, client, title="Kept Co")
    kept_phone = kept_room.participant("Ben")
    age(app, expired.id, 31)

    assert lifecycle.purge_app(app) == [expired.id]  # what the daily thread runs

    for sock in (phone.sock, console, screen):
        told = kept(sock, "workshop:closed")
        assert len(told) == 1 and told[0]["reason"] == "expired", told
        assert told[0]["workshop_id"] == expired.id and told[0]["message"]
        assert not sock.is_connected()
    assert kept_phone.sock.is_connected()
    assert rows_of(app, expired.id) == 0 and rows_of(app, kept_room.id) > 0
    assert lifecycle.purge_app(app) == []  # nothing more is due
    expired.close()
    kept_room.close()
    app.extensions["workshop_db"].dispose()


def test_the_real_server_purges_at_start_and_keeps_serving(tmp_path: Path) -> None:
    """`python app.py` (eventlet) with RETENTION_DAYS: the start-up purge, its log line, a
    server that serves and stops on SIGTERM as before."""
    database = tmp_path / "live.sqlite3"
    rooms = seed(database)
    server = LiveServer(database, port=next(PORTS), env={"RETENTION_DAYS": "7"})
    with server:
        gone = rooms["old"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            http(f"{server.url}/api/workshops/{gone.id}/summary", key=gone.key)
        assert missing.value.code == 404
        missing.value.close()
        recent = rooms["recent"]
        found = http(f"{server.url}/api/workshops/{recent.id}/summary", key=recent.key)
        assert found["status"] == "finished"
        assert "purged 2 finished workshops older than 7 days" in server.output()
        code = server.stop()
    assert code == 0, server.output()


@pytest.mark.parametrize("value", ["0", "abc"])
def test_the_real_server_refuses_an_invalid_setting(tmp_path: Path, value: str) -> None:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env.update(
        HOST="127.0.0.1",
        PORT=str(next(PORTS)),
        DATABASE_URL=f"sqlite:///{tmp_path / 'refused.sqlite3'}",
        SECRET_KEY="retention-test",
        RETENTION_DAYS=value,
        RENDER_WORKERS="lazy",
    )
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"RETENTION_DAYS must be a whole number of days, 1 or more (got {value!r})" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
