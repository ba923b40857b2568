"""A workshop's export and import (`services/transfer.py`): a rich finished workshop, exported
and imported into a new one on the same database, reads back the same (the console's state,
every participant's entries, the results, the plan's bytes in every version and format), its
file holds no secret, and a bad file is refused with nothing stored.

Ids: the source is made after a dummy workshop whose stage, participant, idea, suggestion and
merge ids are 1000, 2000, 3000, 4000 and 5000, so every kind of id lives in its own range (in
the source and in the import),
and a state can be compared with the other's by mapping each new id back to its source id,
wherever it appears.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func
from sqlmodel import Session, SQLModel, col, select

from tests.apps import make_app
from tests.factories import Room, create_workshop, ok
from tests.test_http import bearer
from workshop.activities.define import Suggestion
from workshop.core.errors import DomainError
from workshop.core.security import hash_secret
from workshop.persistence.models import (
    Idea,
    IdeaMerge,
    Participant,
    PlanFile,
    Stage,
    StageRound,
    Workshop,
)
from workshop.persistence.rows import count_rows
from workshop.plan import RENDERERS
from workshop.realtime.snapshot import state_for_participant
from workshop.services import transfer

FILES = {r.format: r.filename for r in RENDERERS.values()}


def stage_body(key: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "prompt": f"Our {key}?", "steps": list(steps)}


AGENDA = [
    stage_body(
        "vision",
        {"kind": "brainstorm"},
        {"kind": "vote"},
        {"kind": "rank", "shortlist_size": 3},
        {"kind": "done", "select_count": 1},
    ),
    stage_body(
        "goals",
        {"kind": "brainstorm"},
        {"kind": "allocate"},
        {"kind": "rate"},
        {"kind": "done", "select_count": 2},
        {"kind": "define"},
    ),
    stage_body(
        "projects",
        {"kind": "brainstorm"},
        {"kind": "vote", "on": "groups"},
        {"kind": "done", "select_count": 2},
        {"kind": "link"},
    ),
]


@dataclass
class Source:
    app: Flask
    client: FlaskClient
    engine: Engine
    room: Room
    exported: dict[str, Any]


def seed_id_ranges(engine: Engine) -> None:
    """A dummy workshop holding stage 1000, participant 2000, idea 3000, suggestion 4000 and
    merge 5000 (see the module)."""
    with Session(engine) as db:
        db.add(Workshop(id="dummy", code="ZZZZZZ", title="Dummy", facilitator_key_hash="x" * 64))
        db.flush()
        db.add(Stage(id=1000, workshop_id="dummy", position=0, key="vision", title="V", prompt=""))
        db.add(Participant(id=2000, workshop_id="dummy", token_hash=hash_secret("dummy")))
        db.flush()
        db.add(Idea(id=3000, workshop_id="dummy", stage_id=1000, text="dummy"))
        db.flush()
        db.add(
            Suggestion(
                id=4000,
                workshop_id="dummy",
                stage_id=1000,
                idea_id=3000,
                participant_id=2000,
                field="text",
                text="dummy",
            )
        )
        db.add(IdeaMerge(id=5000, stage_id=1000, into=3000, idea_ids=[3000], undone=True))
        db.commit()


def phase(fac: Any, stage: int, kind: str) -> dict[str, Any]:
    moved: dict[str, Any] = ok(fac, "stage:phase", {"stage_id": stage, "phase": kind})["stage"]
    return moved


def submit(person: Any, stage: int, text: str) -> int:
    return int(ok(person.sock, "idea:submit", {"stage_id": stage, "text": text})["idea"]["id"])


def build_day(app: Flask, client: FlaskClient) -> Room:
    """Every kind of row a day leaves: merges, themes, two vote rounds, points, ratings, an
    order, fields, a suggestion, links, a removed participant, edited and deleted ideas, a
    dismissed duplicate, a timer, a focus, two plan versions and rendered files."""
    room = Room.create(app, client, title="Port of Acme 2031", organization="Acme")
    response = client.put(
        f"/api/workshops/{room.id}/agenda", json={"stages": AGENDA}, headers=bearer(room.key)
    )
    assert response.status_code == 200, response.get_json()
    room.start()
    fac = room.facilitator()
    ana, ben, cy, dee = (room.participant(name) for name in ("Ana", "Ben", "Cy", "Dee"))
    stages = room.stage_ids()

    # Vision: edits, a delete, a merge, a dismissed duplicate; a vote in two rounds; a ranking.
    vision = stages["vision"]
    v = [
        submit(p, vision, text)
        for p, text in (
            (ana, "Greenest port in Europe"),
            (ben, "The greenest port of Europe"),
            (cy, "Best place to work"),
            (dee, "Gateway to the north"),
            (ana, "A port the city loves"),
            (ben, "Delete me"),
        )
    ]
    ok(ana.sock, "idea:edit", {"idea_id": v[4], "text": "A port the whole city loves"})
    ok(ben.sock, "idea:delete", {"idea_id": v[5]})
    ok(fac, "duplicate:dismiss", {"stage_id": vision, "idea_ids": [v[2], v[3]]})
    phase(fac, vision, "vote")
    for person, votes in ((ana, {v[0]: 3, v[2]: 2}), (ben, {v[1]: 2, v[3]: 1}), (cy, {v[2]: 3})):
        votes_json = {str(k): n for k, n in votes.items()}
        ok(person.sock, "votes:set", {"stage_id": vision, "votes": votes_json})
    ok(dee.sock, "votes:set", {"stage_id": vision, "votes": {str(v[3]): 3}})
    ok(fac, "idea:merge", {"idea_ids": [v[1]], "into": v[0]})  # Ben's dots move along
    ok(fac, "results:reveal", {"stage_id": vision})
    ok(fac, "round:start", {"stage_id": vision})
    ok(cy.sock, "votes:set", {"stage_id": vision, "votes": {str(v[2]): 2, str(v[4]): 3}})
    ok(fac, "results:reveal", {"stage_id": vision})
    shortlist = phase(fac, vision, "rank")["shortlist"]
    for person in (ana, ben, cy):
        ok(person.sock, "ranking:set", {"stage_id": vision, "order": shortlist[::-1]})
    ok(dee.sock, "ranking:set", {"stage_id": vision, "order": shortlist})
    phase(fac, vision, "done")

    # Goals: points, ratings, two selected with fields; Dee is removed after giving points.
    goals = stages["goals"]
    phase(fac, goals, "brainstorm")
    g = [
        submit(p, goals, t)
        for p, t in ((ana, "Zero emissions"), (ben, "Double the cargo"), (cy, "Happy staff"))
    ]
    phase(fac, goals, "allocate")
    for person, points in ((ana, {g[0]: 60, g[1]: 40}), (ben, {g[1]: 100}), (dee, {g[2]: 90})):
        points_json = {str(k): n for k, n in points.items()}
        ok(person.sock, "allocation:set", {"stage_id": goals, "points": points_json})
    ok(fac, "participant:remove", {"participant_id": dee.id})
    phase(fac, goals, "rate")
    ratings = {str(g[0]): {"impact": 5, "effort": 4}, str(g[1]): {"impact": 3}}
    ok(ana.sock, "rating:set", {"stage_id": goals, "ratings": ratings})
    ok(cy.sock, "rating:set", {"stage_id": goals, "ratings": {str(g[2]): {"effort": 2}}})
    phase(fac, goals, "done")
    phase(fac, goals, "define")
    chosen = [item["id"] for item in stage_of(room, "goals")["selected"]]
    metrics = {"metrics": [{"metric": "CO2 t/yr", "baseline": "1200", "target": "600"}]}
    ok(fac, "item:update", {"idea_id": chosen[0], "fields": {**metrics, "text": "Net zero"}})
    suggestion = {"idea_id": chosen[1], "field": "text", "text": "Twice the cargo"}
    ok(ben.sock, "suggestion:submit", suggestion)

    # Projects: themes voted on as one item each, links proposed and confirmed.
    projects = stages["projects"]
    phase(fac, projects, "brainstorm")
    p = [
        submit(person, projects, t)
        for person, t in (
            (ana, "Shore power"),
            (ben, "Electric cranes"),
            (cy, "New canteen"),
            (ana, "Solar roofs"),
        )
    ]
    groups = [
        {"title": "Electrify", "idea_ids": [p[0], p[1]]},
        {"title": "Staff", "idea_ids": [p[2]]},
    ]
    ok(fac, "group:set", {"stage_id": projects, "groups": groups})
    phase(fac, projects, "vote")
    themes = [i["id"] for i in stage_of(room, "projects")["ideas"] if i.get("theme")]
    ok(ana.sock, "votes:set", {"stage_id": projects, "votes": {str(themes[0]): 3}})
    ok(ben.sock, "votes:set", {"stage_id": projects, "votes": {str(p[3]): 2}})
    phase(fac, projects, "done")
    phase(fac, projects, "link")
    items = [item["id"] for item in stage_of(room, "projects")["selected"]]
    ok(cy.sock, "link:set", {"stage_id": projects, "links": {str(items[0]): [chosen[0]]}})
    ok(fac, "link:confirm", {"idea_id": items[0], "parent_ids": [chosen[0]]})
    ok(fac, "timer:set", {"stage_id": projects, "seconds": 300, "client_id": "t1"})
    ok(fac, "focus:set", {"idea_id": items[0]})
    ok(fac, "workshop:finish")

    # A published review (version 2), and files rendered before the export: every format of
    # version 2, the light ones of version 1 (the others render after the import).
    review = {"based_on": 1, "items": [{"id": items[1], "fields": {"owner": "Jon"}}]}
    response = client.post(
        f"/api/workshops/{room.id}/plan/versions", json=review, headers=bearer(room.key)
    )
    assert response.status_code == 201, response.get_json()
    for version, formats in ((1, ("md", "html", "json")), (2, tuple(FILES))):
        for format in formats:
            assert download(client, room.id, room.key, format, version)
    # A share link and a saved agenda: secrets the export leaves out.
    share = client.post(f"/api/workshops/{room.id}/shares", headers=bearer(room.key))
    assert share.status_code == 201
    saved = client.post("/api/templates", json={"workshop_id": room.id}, headers=bearer(room.key))
    assert saved.status_code == 201
    room.data["left_out"] = [share.get_json()["id"], share.get_json()["url"].rsplit("/", 1)[1]]
    room.data["left_out"].append(saved.get_json()["id"])
    return room


def stage_of(room: Room, key: str) -> dict[str, Any]:
    return next(s for s in room.facilitator_state()["stages"] if s["key"] == key)


def download(client: FlaskClient, workshop_id: str, key: str, format: str, version: int) -> bytes:
    response = client.get(
        f"/api/workshops/{workshop_id}/{FILES[format]}?version={version}", headers=bearer(key)
    )
    assert response.status_code == 200, (format, version, response.get_data()[:200])
    return response.get_data()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """One rich finished workshop for the module, and its export."""
    app = make_app(Path(tmp_path_factory.mktemp("transfer")) / "test.sqlite3")
    engine = app.extensions["workshop_db"]
    seed_id_ranges(engine)
    client = app.test_client()
    room = build_day(app, client)
    room.close()
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = transfer.export_workshop(db, workshop)
    yield Source(app, client, engine, room, json.loads(json.dumps(exported)))
    engine.dispose()


def imported(source: Source, data: Any = None) -> tuple[str, str]:
    with Session(source.engine) as db:
        workshop, key = transfer.import_workshop(db, source.exported if data is None else data)
        return workshop.id, key


def state(client: FlaskClient, workshop_id: str, key: str) -> dict[str, Any]:
    response = client.get(f"/api/workshops/{workshop_id}", headers=bearer(key))
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    body.pop("server_time")
    return body


def id_map(engine: Engine, old: str, new: str) -> dict[int, int]:
    """New id -> source id, for stages, participants, ideas, suggestions and merges (each in
    its own range)."""
    out: dict[Any, Any] = {}
    with Session(engine) as db:
        models: list[Any] = [Stage, Participant, Idea, Suggestion]
        for model in models:
            ids = {
                w: list(db.exec(select(model.id).where(model.workshop_id == w).order_by(model.id)))
                for w in (old, new)
            }
            assert len(ids[old]) == len(ids[new]), model
            out.update(dict(zip(ids[new], ids[old], strict=True)))
        merges = {
            w: list(
                db.exec(
                    select(col(IdeaMerge.id))
                    .join(Stage, col(Stage.id) == col(IdeaMerge.stage_id))
                    .where(Stage.workshop_id == w)
                    .order_by(col(IdeaMerge.id))
                )
            )
            for w in (old, new)
        }
        out.update(dict(zip(merges[new], merges[old], strict=True)))
    return out


def mapped_back(value: Any, ids: dict[int, int]) -> Any:
    """`value` with every new id replaced by the source's."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ids.get(value, value)
    if isinstance(value, list):
        return [mapped_back(item, ids) for item in value]
    if isinstance(value, dict):
        return {
            (str(ids.get(int(k), int(k))) if k.isdecimal() else k): mapped_back(item, ids)
            for k, item in value.items()
        }
    return value


def secrets_of(engine: Engine, workshop_id: str) -> dict[str, str]:
    with Session(engine) as db:
        workshop = db.get(Workshop, workshop_id)
        assert workshop is not None
        return {
            "id": workshop.id,
            "code": workshop.code,
            "projector_token": workshop.projector_token,
        }


def as_source(value: Any, source: Source, new_id: str) -> Any:
    """A state of the import written as the source's: ids, code, URLs and tokens."""
    text = json.dumps(mapped_back(value, id_map(source.engine, source.room.id, new_id)))
    new, old = secrets_of(source.engine, new_id), secrets_of(source.engine, source.room.id)
    for name in ("id", "code", "projector_token"):
        text = text.replace(new[name], old[name])
    return json.loads(text)


def all_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as db:
        return {
            table.name: int(db.execute(select(func.count()).select_from(table)).scalar_one())
            for table in SQLModel.metadata.sorted_tables
        }


# --------------------------------------------------------------------------- the round trip


def test_the_imported_workshop_reads_as_the_source(source: Source) -> None:
    new_id, key = imported(source)
    assert new_id != source.room.id
    before = state(source.client, source.room.id, source.room.key)
    after = state(source.client, new_id, key)
    assert after["workshop"]["code"] != before["workshop"]["code"]
    assert as_source(after, source, new_id) == before
    # The rich day is really in it: rounds, merges, themes, links, fields, a removed person.
    stages = {s["key"]: s for s in before["stages"]}
    assert stages["vision"]["rounds"] and stages["vision"]["selected"]
    assert any(i.get("theme") for i in stages["projects"]["ideas"])
    assert any(i["links"] for i in stages["projects"]["selected"])
    assert stages["goals"]["selected"][0]["fields"]["text"] == "Net zero"
    assert before["removed_count"] == 1
    # Every table holds as many rows of the import as of the source, but its share link and
    # its saved agenda, which are not exported.
    ids = id_map(source.engine, source.room.id, new_id)
    with Session(source.engine) as db:
        counts = count_rows(db, source.room.id)
        assert counts.pop("planshare") == counts.pop("agendatemplate") == 1
        assert count_rows(db, new_id) == {**counts, "planshare": 0, "agendatemplate": 0}
        old, new = db.get(Workshop, source.room.id), db.get(Workshop, new_id)
        assert old is not None and new is not None and new.current_stage_id is not None
        assert ids[new.current_stage_id] == old.current_stage_id
        assert (new.focus_idea_id and ids[new.focus_idea_id]) == old.focus_idea_id


def test_every_participants_entries_come_along(source: Source) -> None:
    new_id, _key = imported(source)
    ids = id_map(source.engine, source.room.id, new_id)
    with Session(source.engine) as db:
        old_w, new_w = db.get(Workshop, source.room.id), db.get(Workshop, new_id)
        assert old_w is not None and new_w is not None
        olds = db.exec(select(Participant).where(Participant.workshop_id == old_w.id)).all()
        news = db.exec(select(Participant).where(Participant.workshop_id == new_id)).all()
        by_old = {ids[p.id]: p for p in news if p.id is not None}
        compared = 0
        for person in olds:
            assert person.id is not None
            twin = by_old[person.id]
            assert (twin.name, twin.joined_at, twin.removed_at) == (
                person.name,
                person.joined_at,
                person.removed_at,
            )
            assert twin.token_hash != person.token_hash
            if person.removed_at is None:
                mine = state_for_participant(db, old_w, person, "http://x")["me"]
                theirs = state_for_participant(db, new_w, twin, "http://x")["me"]
                assert as_source(theirs, source, new_id) == mine
                assert any(mine.get(k) for k in ("votes", "points", "ratings", "rankings"))
                compared += 1
        assert compared == 3


def test_every_plan_version_in_every_format_has_the_same_bytes(source: Source) -> None:
    new_id, key = imported(source)
    with Session(source.engine) as db:
        stored = db.exec(select(PlanFile).where(PlanFile.workshop_id == new_id)).all()
        assert {(f.version, f.format) for f in stored} >= {(2, "pdf"), (1, "md")}
    for version in (1, 2):
        for format in FILES:
            theirs = download(source.client, new_id, key, format, version)
            mine = download(source.client, source.room.id, source.room.key, format, version)
            assert theirs == mine, (format, version)


def test_every_workshop_the_app_starts_passes_the_imports_rules(source: Source) -> None:
    """The import's product rules (stage keys, titles, prompts and step orders as the agenda
    editor checks them; an active workshop has no finishing time) refuse nothing the app
    itself makes: a new workshop from every built-in agenda, and next year's workshop made
    from the source with its selected items carried."""
    made = [
        create_workshop(
            source.client,
            title=f"From {template['id']}",
            organization="The Northern Coast Port Authority",
            template=template["id"],
        )
        for template in source.client.get("/api/templates").get_json()["templates"]
    ]
    assert len(made) >= 4
    carried = source.client.post(
        f"/api/workshops/{source.room.id}/duplicate",
        json={"carry_over": ["vision", "goals", "projects"]},
        headers=bearer(source.room.key),
    )
    assert carried.status_code == 201, carried.get_json()
    for body in [*made, carried.get_json()]:
        with Session(source.engine) as db:
            workshop = db.get(Workshop, body["id"])
            assert workshop is not None
            data = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
        new_id, key = imported(source, data)
        copy = state(source.client, new_id, key)
        original = state(source.client, body["id"], body["facilitator_key"])
        assert [s["key"] for s in copy["stages"]] == [s["key"] for s in original["stages"]]
        assert [s["steps"] for s in copy["stages"]] == [s["steps"] for s in original["stages"]]
        assert copy["workshop"]["status"] == "active"


def test_the_export_reads_each_table_by_an_index(source: Source) -> None:
    """On a server of many workshops the export of one must not walk whole tables (it runs on
    the event loop: every live room would wait). SQLite's own query plan of each statement
    the export runs says SEARCH (by an index), never SCAN."""
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(source.engine, "before_cursor_execute", seen)
    try:
        with Session(source.engine) as db:
            workshop = db.get(Workshop, source.room.id)
            assert workshop is not None
            statements.clear()
            transfer.export_workshop(db, workshop)
    finally:
        event.remove(source.engine, "before_cursor_execute", seen)
    assert len(statements) >= len(source.exported["activities"]) + 8
    scans = []
    with source.engine.connect() as connection:
        for sql, params in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            scans += [(sql.split("WHERE")[0], row[3]) for row in plan if row[3].startswith("SCAN")]
    assert scans == []


def test_the_file_holds_no_secret(source: Source) -> None:
    data = source.exported
    text = json.dumps(data)
    assert data["format"] == "strategy-workshop" and data["version"] == 1
    with Session(source.engine) as db:
        workshop = db.get(Workshop, source.room.id)
        assert workshop is not None
        hashes = [p.token_hash for p in db.exec(select(Participant))]
        secrets = [workshop.facilitator_key_hash, workshop.projector_token, *hashes]
    left_out = source.room.data["left_out"]  # the share's id and secret, the agenda's id
    for secret in (*secrets, source.room.key, source.room.projector_token, *left_out):
        assert secret not in text
    for name in ("facilitator_key_hash", "admin_key_hash", "projector_token", "token_hash"):
        assert name not in text
    assert "planshare" not in text and "code" not in data["workshop"]


def test_export_import_export_is_stable_but_for_ids(source: Source) -> None:
    new_id, _key = imported(source)
    with Session(source.engine) as db:
        workshop = db.get(Workshop, new_id)
        assert workshop is not None
        again = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
    first = dict(source.exported)
    for data in (first, again):
        data.pop("exported_at")
    mapped = as_source(again, source, new_id)
    assert mapped == first


def test_a_plug_in_activity_comes_along_through_the_default_hooks(
    tmp_path: Path,
) -> None:
    """The poll keeps its picks in `entry` and declares nothing for transfers."""
    from tests.plugins.poll import Poll
    from workshop import activities

    activities.register(Poll())
    try:
        app = make_app(tmp_path / "poll.sqlite3")
        engine = app.extensions["workshop_db"]
        seed_id_ranges(engine)
        client = app.test_client()
        room = Room.create(app, client)
        steps: list[dict[str, Any]] = [
            {"kind": "brainstorm"},
            {"kind": "poll"},
            {"kind": "done", "select_count": 1},
        ]
        body = {"stages": [stage_body("goals", *steps)]}
        response = client.put(
            f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key)
        )
        assert response.status_code == 200, response.get_json()
        room.start()
        fac = room.facilitator()
        goals = room.stage_ids()["goals"]
        people = [room.participant(n) for n in ("Ana", "Ben")]
        ideas = [submit(p, goals, t) for p, t in zip(people, ("Grow", "Save"), strict=True)]
        phase(fac, goals, "poll")
        for person in people:
            ok(person.sock, "poll:pick", {"stage_id": goals, "idea_id": ideas[1]})
        ok(fac, "results:reveal", {"stage_id": goals})
        ok(fac, "round:start", {"stage_id": goals})
        ok(people[0].sock, "poll:pick", {"stage_id": goals, "idea_id": ideas[0]})
        phase(fac, goals, "done")
        room.close()
        with Session(engine) as db:
            workshop = db.get(Workshop, room.id)
            assert workshop is not None
            data = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
            assert data["activities"]["poll"]["entry"]
            copy, key = transfer.import_workshop(db, data)
            new_id = copy.id
        src = Source(app, client, engine, room, data)
        before = state(client, room.id, room.key)
        assert as_source(state(client, new_id, key), src, new_id) == before
        assert before["stages"][0]["rounds"]
        engine.dispose()
    finally:
        activities.unregister("poll")


def test_ids_the_records_keep_of_dissolved_themes_come_along(
    app: Flask, client: FlaskClient
) -> None:
    """A theme voted on in two rounds and then dissolved (the stage moved back to its
    brainstorm) leaves its item's id in the closed round: the export lists it as gone, and the
    import writes it as a negative id, which names no idea, instead of refusing the file."""
    room = Room.create(app, client)
    steps = [{"kind": "brainstorm"}, {"kind": "vote", "on": "groups"}, {"kind": "done"}]
    body = {"stages": [stage_body("goals", *steps)]}
    response = client.put(f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key))
    assert response.status_code == 200, response.get_json()
    room.start()
    fac = room.facilitator()
    goals = room.stage_ids()["goals"]
    ana, ben = room.participant("Ana"), room.participant("Ben")
    ideas = [
        submit(ana, goals, "Grow"),
        submit(ben, goals, "Grow more"),
        submit(ana, goals, "Save"),
    ]
    ok(
        fac,
        "group:set",
        {"stage_id": goals, "groups": [{"title": "Growth", "idea_ids": ideas[:2]}]},
    )
    phase(fac, goals, "vote")
    theme = next(i["id"] for i in stage_of(room, "goals")["ideas"] if i.get("theme"))
    ok(ana.sock, "votes:set", {"stage_id": goals, "votes": {str(theme): 2}})
    ok(fac, "results:reveal", {"stage_id": goals})
    ok(fac, "round:start", {"stage_id": goals})
    phase(fac, goals, "brainstorm")
    room.close()
    engine = app.extensions["workshop_db"]
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None and db.get(Idea, theme) is None
        data = json.loads(json.dumps(transfer.export_workshop(db, workshop)))
        assert data["gone"] == {"ideas": [theme]}
        copy, _key = transfer.import_workshop(db, data)
        (closed,) = db.exec(
            select(StageRound).join(Stage).where(Stage.workshop_id == copy.id)
        ).all()
        assert closed.standings["methods"]["borda"] == [-theme]
        assert list(closed.entries.values()) == [{str(-theme): 2}]
        again = json.loads(json.dumps(transfer.export_workshop(db, copy)))
        assert again["gone"] == {"ideas": [-theme]}


# --------------------------------------------------------------------------- refusals


def broken(data: dict[str, Any], change: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    change(copy)
    return copy


def first_idea_with(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in data["ideas"] if i[key])


REFUSALS: list[tuple[str, Any, str]] = [
    ("not json", lambda d: "{not json", "file: not JSON"),
    ("truncated file", lambda d: json.dumps(d)[: len(json.dumps(d)) // 2], "file: not JSON"),
    ("another format", lambda d: broken(d, lambda c: c.update(format="other")), "format:"),
    ("a list", lambda d: [d], "format:"),
    ("a later version", lambda d: broken(d, lambda c: c.update(version=2)), "version: version 2"),
    (
        "a section cut off",
        lambda d: broken(d, lambda c: c.pop("ideas")),
        "ideas: missing",
    ),
    (
        "ideas cut short",
        lambda d: broken(d, lambda c: c.update(ideas=c["ideas"][:3])),
        "is not in the file",
    ),
    (
        "a link to nothing",
        lambda d: broken(d, lambda c: first_idea_with(c, "links")["links"].append(99999)),
        "links[1]: idea 99999 is not in the file",
    ),
    (
        "a vote for nothing",
        lambda d: broken(d, lambda c: c["activities"]["vote"]["dotvote"][0].update(idea_id=98)),
        "activities.vote.dotvote[0].idea_id: idea 98 is not in the file",
    ),
    (
        "an order with a stranger",
        lambda d: broken(
            d, lambda c: c["activities"]["rank"]["ranking"][0]["idea_order"].append(97)
        ),
        "activities.rank.ranking[0].idea_order",
    ),
    (
        "a round of a stranger",
        lambda d: broken(d, lambda c: c["rounds"][0]["entries"].update({"96": {}})),
        "rounds[0].entries.96: participant 96 is not in the file",
    ),
    (
        "a title too long",
        lambda d: broken(d, lambda c: c["ideas"][0].update(text="x" * 281)),
        "ideas[0].text: is longer than 280 characters",
    ),
    (
        "a bad time",
        lambda d: broken(d, lambda c: c["participants"][0].update(joined_at="yesterday")),
        "participants[0].joined_at: must be a time",
    ),
    (
        "an unknown step",
        lambda d: broken(d, lambda c: c["stages"][0]["steps"][1].update(kind="lottery")),
        "stages[0].steps[1]:",
    ),
    (
        "a bad setting",
        lambda d: broken(
            d, lambda c: c["stages"][0]["steps"][1]["settings"].update(dot_budget="five")
        ),
        "stages[0].steps[1]: vote.dot_budget",
    ),
    (
        "an unknown status",
        lambda d: broken(d, lambda c: c["workshop"].update(status="paused")),
        "workshop.status:",
    ),
    (
        "a plan file not base64",
        lambda d: broken(d, lambda c: c["plan_files"][0].update(content="***")),
        "plan_files[0].content: must be base64",
    ),
    (
        "an unknown column",
        lambda d: broken(d, lambda c: c["stages"][0].update(colour="red")),
        "stages[0].colour: not a column of stage",
    ),
    (
        "an idea given twice",
        lambda d: broken(d, lambda c: c["ideas"].append(c["ideas"][0])),
        "is given twice",
    ),
    (
        "a gone id it does not list",
        lambda d: broken(d, lambda c: c["stages"][0]["selected"].append(-5)),
        "selected[1]: idea -5 is not in the file",
    ),
    # The product's own rules (R11): what the app never stores, though each column's type
    # allows it.
    (
        "an idea without text",
        lambda d: broken(d, lambda c: c["ideas"][0].update(text="")),
        "ideas[0].text: an idea has 1 to 280 characters",
    ),
    (
        "an idea of blanks",
        lambda d: broken(d, lambda c: c["ideas"][1].update(text="   ")),
        "ideas[1].text: an idea has 1 to 280 characters",
    ),
    (
        "an edited idea first said as nothing",
        lambda d: broken(d, lambda c: c["ideas"][2].update(original_text="")),
        "ideas[2].original_text: an idea has 1 to 280 characters",
    ),
    (
        "a stage key the agenda editor refuses",
        lambda d: broken(d, lambda c: c["stages"][2].update(key="Vision With Spaces!")),
        "stages[2].key: 'Vision With Spaces!': a stage key is lower-case letters",
    ),
    (
        "two stages of one level",
        lambda d: broken(d, lambda c: c["stages"][1].update(key="vision")),
        "stages[1].key: 'vision' is also stages[0]'s",
    ),
    (
        "a stage without a title",
        lambda d: broken(d, lambda c: c["stages"][0].update(title="  ")),
        "stages[0].title:",
    ),
    (
        "a stage without steps",
        lambda d: broken(d, lambda c: c["stages"][1].update(steps=[], step_index=-1, reveals=[])),
        "stages[1].steps: needs at least one step",
    ),
    (
        "a rank before anything it ranks",
        lambda d: broken(
            d, lambda c: c["stages"][0]["steps"].insert(0, c["stages"][0]["steps"].pop(2))
        ),
        "stages[0].steps: Rank needs a Dot vote",
    ),
    (
        "two stages in one place",
        lambda d: broken(d, lambda c: c["stages"][2].update(position=c["stages"][0]["position"])),
        ".position: 0 is also stages[",
    ),
    (
        "finished without a time",
        lambda d: broken(d, lambda c: c["workshop"].update(finished_at=None)),
        "workshop.finished_at: a finished workshop has the time it finished",
    ),
    (
        "a finishing time while active",
        lambda d: broken(d, lambda c: c["workshop"].update(status="active")),
        "workshop.finished_at: a finished workshop has the time it finished, an active one none",
    ),
    (
        "a participant named with blanks",
        lambda d: broken(d, lambda c: c["participants"][0].update(name="   ")),
        "participants[0].name: blank",
    ),
    (
        "no room for anyone",
        lambda d: broken(d, lambda c: c["workshop"].update(max_participants=0)),
        "workshop.max_participants: 0: it is from 1 to",
    ),
    (
        "a horizon the app does not offer",
        lambda d: broken(d, lambda c: c["workshop"].update(horizon_years=7)),
        "workshop.horizon_years: 7: it is 1, 3, 5 or 10 years",
    ),
    (
        "a review cadence the plan does not know",
        lambda d: broken(d, lambda c: c["workshop"].update(review_cadence="hourly")),
        "workshop.review_cadence: 'hourly'",
    ),
    (
        "a clash inside the file",
        lambda d: broken(d, lambda c: c["plan_files"].append(c["plan_files"][0])),
        "file: rows that contradict each other",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_bad_file_is_refused_and_stores_nothing(source: Source, make: Any, message: str) -> None:
    before = all_counts(source.engine)
    with pytest.raises(DomainError) as refused:
        imported(source, make(source.exported))
    assert refused.value.code == "invalid_import"
    assert message in refused.value.message, refused.value.message
    assert all_counts(source.engine) == before
