"""Deleting a workshop (`DELETE /api/workshops/<id>`), through the real HTTP API and Socket.IO
test clients on a real SQLite file (no mocks).

A workshop that went through everything (ideas, dots, points, ratings, rankings, a merge, a
dismissed duplicate pair, a second round, links proposed and confirmed, suggestions, a plug-in's
generic entry, plan versions and their files, a share link, saved templates) is deleted: no
table of the database holds a row of it afterwards (each table checked on its own, read from
the database's schema rather than from the code that deletes), its plan files and share link
answer 404, every connected console, room screen and phone is told `workshop:closed` and is
disconnected, and coming back gets `workshop_not_found`. Another workshop on the same server
is untouched, row for row, and its screens stay connected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlmodel import Session

from tests.apps import make_app
from tests.attack import UNTHROTTLED
from tests.factories import Participant, Room, error_code, ok
from tests.test_events import phase, settle, stage_of, submit
from tests.test_participant_removal import AGENDA, kept, keyed
from workshop.persistence import rows
from workshop.persistence.models import Entry

PEOPLE = ("Ana", "Ben", "Cy")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Day:
    """A workshop on `AGENDA` that went through everything, with its screens still open."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]
    share_secret: str = ""
    templates: list[str] = field(default_factory=list)

    def to(self, key: str, kind: str) -> None:
        phase(self.fac, self.stages[key], kind)


def open_day(room: Room) -> Day:
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", json={"stages": AGENDA}, headers=bearer(room.key)
    )
    assert response.status_code == 200, response.get_json()
    ids = {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}
    people = [room.participant(name) for name in PEOPLE]
    return Day(room, room.facilitator(), room.projector(), people, ids)


def run_everything(day: Day) -> None:
    """Every kind of row a workshop can have, through the events and routes that make them."""
    ana, ben, cy = day.people
    room, fac = day.room, day.fac
    goals, programs = day.stages["goals"], day.stages["programs"]

    day.to("goals", "brainstorm")
    g1 = submit(ana, goals, "Grow regional jobs")
    g2 = submit(ben, goals, "Grow regional jobs!")
    g3 = submit(cy, goals, "Green harbour")
    g4 = submit(ana, goals, "Gentle tourism")
    g5 = submit(ben, goals, "Tourism that is gentle")
    ok(fac, "duplicate:dismiss", {"stage_id": goals, "idea_ids": [g1, g2]})
    ok(fac, "idea:merge", {"idea_ids": [g5], "into": g4})
    day.to("goals", "vote")
    for p, given in ((ana, {g1: 3, g3: 2}), (ben, {g2: 3}), (cy, {g3: 4, g4: 1})):
        ok(p.sock, "votes:set", {"stage_id": goals, "votes": keyed(given)})
    ok(fac, "results:reveal", {"stage_id": goals})
    ok(fac, "round:start", {"stage_id": goals})
    ok(ana.sock, "votes:set", {"stage_id": goals, "votes": keyed({g3: 5})})
    day.to("goals", "allocate")
    for p, given in ((ana, {g1: 10}), (ben, {g3: 10}), (cy, {g3: 6, g4: 4})):
        ok(p.sock, "allocation:set", {"stage_id": goals, "points": keyed(given)})
    day.to("goals", "rate")
    for p in (ana, ben):
        rated = {g1: {"impact": 5, "effort": 2}, g3: {"impact": 4, "effort": 3}}
        ok(p.sock, "rating:set", {"stage_id": goals, "ratings": keyed(rated)})
    day.to("goals", "rank")
    shortlist = stage_of(room.facilitator_state(), goals)["shortlist"]
    for p in (ana, ben, cy):
        ok(p.sock, "ranking:set", {"stage_id": goals, "order": shortlist})
    day.to("goals", "done")
    parent = stage_of(room.facilitator_state(), goals)["selected"][0]["id"]

    day.to("programs", "brainstorm")
    p1 = submit(ana, programs, "Plant trees on the quay")
    submit(ben, programs, "Pay apprentices")
    day.to("programs", "vote")
    ok(ana.sock, "votes:set", {"stage_id": programs, "votes": keyed({p1: 2})})
    day.to("programs", "done")
    day.to("programs", "link")
    ok(ana.sock, "link:set", {"stage_id": programs, "links": keyed({p1: [parent]})})
    ok(fac, "link:confirm", {"idea_id": p1, "parent_ids": [parent]})
    day.to("programs", "define")
    ok(cy.sock, "suggestion:submit", {"idea_id": p1, "field": "owner", "text": "Harbour master"})
    ok(fac, "item:update", {"idea_id": p1, "fields": {"owner": "Harbour master"}})
    # A plug-in's activity keeps its entries in the generic table.
    with Session(room.app.extensions["workshop_db"]) as db:
        db.add(Entry(stage_id=programs, kind="poll", participant_id=cy.id, data={"idea_id": p1}))
        db.commit()
    for title in ("Our yearly day", "Short day"):
        saved = room.client.post(
            "/api/templates",
            json={"workshop_id": room.id, "title": title},
            headers=bearer(room.key),
        )
        assert saved.status_code == 201, saved.get_json()
        day.templates.append(saved.get_json()["id"])

    ok(fac, "workshop:finish")
    published = room.client.post(
        f"/api/workshops/{room.id}/plan/versions",
        json={"based_on": 1, "items": [], "review_cadence": "monthly", "note": "Board"},
        headers=bearer(room.key),
    )
    assert published.status_code == 201, published.get_json()
    for version in (1, 2):
        for name in ("plan.md", "plan.json"):
            got = room.client.get(
                f"/api/workshops/{room.id}/{name}?version={version}", headers=bearer(room.key)
            )
            assert got.status_code == 200
    share = room.client.post(f"/api/workshops/{room.id}/shares", headers=bearer(room.key))
    assert share.status_code == 201, share.get_json()
    day.share_secret = str(share.get_json()["url"]).rstrip("/").rsplit("/", 1)[1]
    assert room.client.get(f"/s/{day.share_secret}").status_code == 200
    settle(day.fac, day.proj, *(p.sock for p in day.people))


# --------------------------------------------------------------------------- reading the rows


def reflected(app: Flask) -> sa.MetaData:
    """The database's tables as the database itself describes them (not the models)."""
    metadata = sa.MetaData()
    metadata.reflect(app.extensions["workshop_db"])
    return metadata


def ids_of(app: Flask, workshop_id: str) -> dict[str, set[Any]]:
    """The ids that name the workshop or a thing of it: its own, its stages', participants' and
    items'."""
    out: dict[str, set[Any]] = {"workshop": {workshop_id}}
    with app.extensions["workshop_db"].connect() as conn:
        for table in ("stage", "participant", "idea"):
            found = conn.exec_driver_sql(
                f'SELECT id FROM "{table}" WHERE workshop_id = ?', (workshop_id,)
            )
            out[table] = {row[0] for row in found}
    return out


def references(table: sa.Table) -> dict[str, str]:
    """Column -> the table whose id it names, from the column's foreign key or its name."""
    named = {
        "workshop_id": "workshop",
        "source_workshop_id": "workshop",
        "stage_id": "stage",
        "idea_id": "idea",
        "participant_id": "participant",
    }
    found = {}
    for column in table.columns:
        for key in column.foreign_keys:
            found[column.name] = key.column.table.name
        if column.name in named:
            found[column.name] = named[column.name]
    if table.name in ("workshop", "stage", "participant", "idea"):
        found["id"] = table.name
    return found


def rows_per_table(app: Flask, ids: dict[str, set[Any]]) -> dict[str, int]:
    """For every table of the database: how many of its rows name one of `ids`."""
    counts = {}
    with app.extensions["workshop_db"].connect() as conn:
        for table in reflected(app).sorted_tables:
            if table.name == "alembic_version":
                continue
            columns = references(table)
            found = 0
            for row in conn.execute(sa.select(table)).mappings():
                if any(row[c] in ids.get(target, set()) for c, target in columns.items()):
                    found += 1
            counts[table.name] = found
    return counts


def table_dump(app: Flask) -> dict[str, list[str]]:
    with app.extensions["workshop_db"].connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            for table in reflected(app).sorted_tables
        }


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def day(app: Flask, client: FlaskClient) -> Iterator[Day]:
    room = Room.create(app, client, title="Harbour 2026")
    opened = open_day(room)
    run_everything(opened)
    yield opened
    room.close()


# --------------------------------------------------------------------------- tests


def test_every_row_of_the_workshop_goes_from_every_table(day: Day, other: Room) -> None:
    app, room = day.room.app, day.room
    other_phone = other.participant("Oda")
    submit(other_phone, other.stage_ids()["vision"], "Keep the other harbour")
    other.client.post("/api/templates", json={"workshop_id": other.id}, headers=bearer(other.key))
    ids = ids_of(app, room.id)
    before = rows_per_table(app, ids)
    # The workshop really has rows in every table (or this test would prove little).
    assert {name for name, n in before.items() if n == 0} == set(), before
    others_before = [
        (table.name, table_rows) for table, table_rows in _rows_of(app, other.id) if table_rows
    ]

    response = room.client.delete(f"/api/workshops/{room.id}", headers=bearer(room.key))

    assert response.status_code == 204
    assert response.get_data() == b""
    after = rows_per_table(app, ids)
    assert after == dict.fromkeys(after, 0), {name: n for name, n in after.items() if n}
    # The other workshop keeps every row it had.
    assert [(t.name, r) for t, r in _rows_of(app, other.id) if r] == others_before
    assert (
        other.client.get(f"/api/workshops/{other.id}", headers=bearer(other.key)).status_code == 200
    )


def _rows_of(app: Flask, workshop_id: str) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    with Session(app.extensions["workshop_db"]) as db:
        return rows.workshop_rows(db, workshop_id)


def test_its_plan_files_share_link_and_templates_answer_404(day: Day) -> None:
    room, client = day.room, day.room.client
    key = room.key
    client.delete(f"/api/workshops/{room.id}", headers=bearer(key))
    for path in (
        f"/api/workshops/{room.id}",
        f"/api/workshops/{room.id}/summary",
        f"/api/workshops/{room.id}/plan.md?version=1",
        f"/api/workshops/{room.id}/plan.json?version=2",
        f"/api/workshops/{room.id}/plan/versions",
        f"/api/workshops/{room.id}/shares",
    ):
        got = client.get(path, headers=bearer(key))
        assert got.status_code == 404, path
        assert got.get_json()["error"]["code"] == "workshop_not_found", path
    assert client.get(f"/s/{day.share_secret}").status_code == 404
    assert client.get(f"/s/{day.share_secret}/plan.md").status_code == 404
    for template_id in day.templates:
        assert client.get(f"/api/templates/{template_id}").status_code == 404
    # Deleting again: the workshop is not there.
    again = client.delete(f"/api/workshops/{room.id}", headers=bearer(key))
    assert again.status_code == 404


def test_every_screen_is_told_and_closed_and_cannot_come_back(day: Day, other: Room) -> None:
    room = day.room
    second_console = room.facilitator()
    other_fac, other_proj = other.facilitator(), other.projector()
    other_phone = other.participant("Oda")
    screens = [day.fac, second_console, day.proj, *(p.sock for p in day.people)]
    for sock in (*screens, other_fac, other_proj, other_phone.sock):
        sock.get_received()

    assert (
        room.client.delete(f"/api/workshops/{room.id}", headers=bearer(room.key)).status_code == 204
    )

    for sock in screens:
        told = kept(sock, "workshop:closed")
        assert told == [
            {
                "workshop_id": room.id,
                "reason": "deleted",
                "message": "This workshop was deleted by its facilitator.",
            }
        ]
        assert not sock.is_connected()
    # The other workshop's screens heard nothing and stay connected.
    for sock in (other_fac, other_proj, other_phone.sock):
        assert sock.is_connected()
        assert [m for m in sock.get_received() if m["name"] == "workshop:closed"] == []
    ok(
        other_phone.sock,
        "idea:submit",
        {"stage_id": other.stage_ids()["vision"], "text": "Still here"},
    )
    # Coming back with the old credentials: the workshop is not found.
    ana = day.people[0]
    assert error_code(room.connect(), "join", {"code": room.code, "token": ana.token}) == (
        "workshop_not_found"
    )
    assert error_code(room.connect(), "facilitate", {"workshop_id": room.id, "key": room.key}) == (
        "workshop_not_found"
    )
    assert error_code(
        room.connect(), "present", {"workshop_id": room.id, "token": room.projector_token}
    ) == ("workshop_not_found")


def test_only_its_facilitator_deletes_it_and_a_refusal_deletes_nothing(
    app: Flask, client: FlaskClient, room: Room, other: Room
) -> None:
    phone = room.participant("Ana")
    url = f"/api/workshops/{room.id}"
    before = table_dump(app)
    for headers in (
        {},
        bearer("not-a-key"),
        bearer(other.key),
        bearer(phone.token),
        bearer(room.projector_token),
    ):
        response = client.delete(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert (
        client.delete("/api/workshops/0123456789abcdef", headers=bearer(room.key)).status_code
        == 404
    )
    assert table_dump(app) == before
    assert phone.sock.is_connected()
    # A replaced key no longer deletes it; the new one does.
    old = room.key
    new = client.post(f"{url}/key", headers=bearer(old)).get_json()["key"]
    assert client.delete(url, headers=bearer(old)).status_code == 401
    assert client.delete(url, headers=bearer(new)).status_code == 204
    assert client.get(f"/api/workshops/{other.id}", headers=bearer(other.key)).status_code == 200


def test_a_tally_due_when_it_is_deleted_sends_nothing_and_fails_nothing(
    app: Flask, client: FlaskClient, room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    """A join and an idea schedule coalesced counts and tallies; deleted right then, the
    workshop is forgotten by this process: nothing is sent and no broadcast fails later."""
    console = room.facilitator()
    phone = room.participant("Ana")
    submit(phone, room.stage_ids()["vision"], "Quick before it goes")
    room.participant("Ben")
    with caplog.at_level(logging.DEBUG):
        assert (
            client.delete(f"/api/workshops/{room.id}", headers=bearer(room.key)).status_code == 204
        )
        time.sleep(float(app.config["TALLY_INTERVAL"]) * 6)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    after_close = [m["name"] for m in console.queue]
    closed_at = after_close.index("workshop:closed")
    assert [name for name in after_close[closed_at + 1 :] if name != "workshop:closed"] == []


# --------------------------------------------------------------------------- on a full server


def unindexed_foreign_keys(app: Flask) -> list[str]:
    """Every foreign-key column of the migrated database that leads no index (nor the primary
    key): deleting a row it points at would make SQLite scan that whole table."""
    missing = []
    with app.extensions["workshop_db"].connect() as conn:
        for table in reflected(app).sorted_tables:
            name = table.name
            leading = set()
            pk = [
                r[1]
                for r in sorted(
                    conn.exec_driver_sql(f'PRAGMA table_info("{name}")'), key=lambda r: r[5]
                )
                if r[5]
            ]
            if pk:
                leading.add(pk[0])
            for index in conn.exec_driver_sql(f'PRAGMA index_list("{name}")').fetchall():
                columns = conn.exec_driver_sql(f'PRAGMA index_info("{index[1]}")').fetchall()
                if columns:
                    leading.add(sorted(columns)[0][2])
            for key in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{name}")').fetchall():
                if key[3] not in leading:
                    missing.append(f"{name}.{key[3]}")
    return sorted(set(missing))


def test_every_foreign_key_leads_an_index_so_a_delete_never_scans(app: Flask) -> None:
    assert unindexed_foreign_keys(app) == []


def crowd(app: Flask, *, people: int, ideas: int) -> str:
    """Another workshop with `people` x `ideas` dot votes, written straight into the database
    (a busy server's worth of rows that a delete of another workshop must not wade through)."""
    now = "2026-01-01 00:00:00"
    with app.extensions["workshop_db"].begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO workshop (id, code, title, horizon_years, template, status, "
            "facilitator_key_hash, created_at, projector_token, join_locked, max_participants, "
            "review_cadence) VALUES ('c0ffee0000000001', 'CROWD1', 'Crowd', 3, "
            "'strategic-plan', 'active', 'x', ?, 'p', 0, 2000, 'quarterly')",
            (now,),
        )
        stage = run(
            "INSERT INTO stage (workshop_id, position, key, title, prompt, steps, step_index, "
            "revealed, shortlist, selected, decided, reveals, groups) VALUES "
            "('c0ffee0000000001', 0, 'vision', 'Vision', 'Why?', '[]', 0, 0, '[]', '[]', 0, "
            "'[]', '[]')"
        ).lastrowid
        run(
            "INSERT INTO participant (workshop_id, token_hash, joined_at) VALUES "
            "('c0ffee0000000001', ?, ?)",
            [(f"crowd-token-{n}", now) for n in range(people)],
        )
        participant_ids = [
            row[0]
            for row in run("SELECT id FROM participant WHERE workshop_id = 'c0ffee0000000001'")
        ]
        run(
            "INSERT INTO idea (workshop_id, stage_id, text, hidden, fields, links, created_at) "
            "VALUES ('c0ffee0000000001', ?, ?, 0, '{}', '[]', ?)",
            [(stage, f"Crowd idea {n}", now) for n in range(ideas)],
        )
        idea_ids = [
            row[0] for row in run("SELECT id FROM idea WHERE workshop_id = 'c0ffee0000000001'")
        ]
        run(
            "INSERT INTO dotvote (participant_id, idea_id, stage_id, count) VALUES (?, ?, ?, 1)",
            [(p, i, stage) for p in participant_ids for i in idea_ids],
        )
    return "c0ffee0000000001"


def test_deleting_one_workshop_on_a_busy_server_is_quick(tmp_path: Path, figure: Any) -> None:
    """The delete holds the write lock on the event loop: on a server holding 120,000 dot votes
    of another workshop, one workshop of 100 voted ideas goes in well under a second."""
    # The console sends its 100 items faster than a person would.
    app = make_app(tmp_path / "busy.sqlite3", **UNTHROTTLED)
    client = app.test_client()
    crowd_id = crowd(app, people=400, ideas=300)
    room = Room.started(app, client, title="Busy day")
    vision = room.stage_ids()["vision"]
    fac = room.facilitator()
    phones = [room.participant(name) for name in ("Ana", "Ben")]
    ideas = [
        int(ok(fac, "idea:submit", {"stage_id": vision, "text": f"Item {n}"})["idea"]["id"])
        for n in range(100)
    ]
    phase(fac, vision, "vote")
    for phone in phones:
        ok(phone.sock, "votes:set", {"stage_id": vision, "votes": keyed({i: 1 for i in ideas[:5]})})
    started = time.perf_counter()
    response = client.delete(f"/api/workshops/{room.id}", headers=bearer(room.key))
    took = time.perf_counter() - started
    assert response.status_code == 204
    figure(
        "DELETE /api/workshops/<id> (100 ideas) beside 120,000 dot votes of another workshop",
        f"{took * 1000:.0f} ms",
    )
    assert took < 0.5, f"{took:.2f} s"
    with Session(app.extensions["workshop_db"]) as db:
        assert sum(rows.count_rows(db, crowd_id).values()) == 1 + 1 + 400 + 300 + 120_000
    room.close()
    app.extensions["workshop_db"].dispose()


def test_a_plan_file_rendering_while_its_workshop_is_deleted_answers_404(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first download renders outside any transaction; if the workshop is deleted (from
    the console, the admin or a purge) before the file is stored, the download answers
    workshop_not_found, not a server error, and nothing is stored."""
    from workshop.persistence.db import get_engine
    from workshop.persistence.models import PlanFile
    from workshop.persistence.queries import get_workshop
    from workshop.services import lifecycle, plans

    room = day.room
    render = plans._render

    def render_then_deleted(renderer: Any, document: Any) -> bytes:
        content = render(renderer, document)
        with Session(get_engine(room.app)) as other:
            lifecycle.delete_workshop(other, get_workshop(other, room.id))
        return content

    monkeypatch.setattr(plans, "_render", render_then_deleted)
    response = room.client.get(
        f"/api/workshops/{room.id}/roadmap.ics?version=1", headers=bearer(room.key)
    )

    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "workshop_not_found"
    with Session(get_engine(room.app)) as db:
        assert db.get(PlanFile, (room.id, 1, "roadmap")) is None
