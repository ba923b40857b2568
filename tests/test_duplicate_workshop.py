"""Starting next year's workshop from this year's (`POST /api/workshops/<id>/duplicate`,
`workshop/services/duplicate.py`): the same agenda and settings, a title a year on, and the
selected items of the stages named in `carry_over` as preloaded items with their fields, their
links where both ends were carried, and where they came from; nothing else is copied, every
refusal stores nothing, and only the workshop's own key may ask. Over HTTP and Socket.IO on a
real SQLite database."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlmodel import Session, col, select
from werkzeug.test import TestResponse

from tests.apps import make_app
from tests.factories import Room, create_workshop, error_code, ok
from tests.plan_samples import full_plan as sample_plan
from tests.test_define import METRIC
from tests.test_events import database, phase, rank, stage_of, submit, vote
from tests.test_link import Linking, full_plan, linked
from workshop.persistence.db import get_engine
from workshop.persistence.models import Idea, Workshop
from workshop.plan import PlanDocument, from_dict, render
from workshop.plan.document import carried_from
from workshop.plan.layout import CARRIED_NOTE
from workshop.plan.schema import PLAN_SCHEMA
from workshop.services import workshops
from workshop.services.duplicate import next_title

NEW_ROWS = {"workshop", "stage", "idea"}
"""The only tables a duplicate writes to: the workshop, its stages and the carried items."""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The usual test app, allowing more new workshops a test than the per-address burst:
    these tests duplicate many times from one address."""
    app = make_app(tmp_path / "test.sqlite3", CREATE_BURST=100)
    yield app
    app.extensions["workshop_db"].dispose()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def duplicate(client: FlaskClient, room: Room, key: str | None = None, **body: Any) -> TestResponse:
    headers = bearer(room.key if key is None else key)
    return client.post(f"/api/workshops/{room.id}/duplicate", json=body, headers=headers)


def duplicated(client: FlaskClient, room: Room, **body: Any) -> Room:
    """Duplicate the workshop (asserting 201) and return the new one as a `Room`."""
    response = duplicate(client, room, **body)
    assert response.status_code == 201, response.get_json()
    return Room(room.app, client, response.get_json())


def row(app: Flask, workshop_id: str) -> Workshop:
    with Session(get_engine(app)) as db:
        found = db.get(Workshop, workshop_id)
        assert found is not None
        db.expunge(found)
        return found


def ideas_of(app: Flask, workshop_id: str) -> list[Idea]:
    """Every idea row of a workshop, earliest first."""
    with Session(get_engine(app)) as db:
        query = select(Idea).where(Idea.workshop_id == workshop_id).order_by(col(Idea.id))
        found = list(db.exec(query))
        for idea in found:
            db.expunge(idea)
        return found


def agenda_of(client: FlaskClient, room: Room) -> list[dict[str, Any]]:
    """The agenda as the editor reads it, without the stage ids."""
    response = client.get(f"/api/workshops/{room.id}/agenda", headers=bearer(room.key))
    assert response.status_code == 200
    return [
        {k: v for k, v in stage.items() if k != "id"} for stage in response.get_json()["stages"]
    ]


def new_rows(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """How many rows each table gained; asserts no row was changed or removed."""
    gained: dict[str, int] = {}
    assert set(before) == set(after)
    for table, rows in before.items():
        missing = Counter(rows) - Counter(after[table])
        assert not missing, f"{table}: rows changed or removed: {missing}"
        if len(after[table]) > len(rows):
            gained[table] = len(after[table]) - len(rows)
    return gained


# --------------------------------------------------------------------------- the source


@pytest.fixture
def source(app: Flask, client: FlaskClient) -> Iterator[Linking]:
    """A full-strategic-plan workshop ("Acme 2030") with every stage decided (see `Linking`),
    two phones, a corrected goal with a metric, program fields, and confirmed links: P1 serves
    G1 and G2, P2 serves G3, J1 serves P1 and G4, J2 serves G1, A1 serves J1."""
    plan = full_plan(app, client)
    made = linked(plan)
    fac = plan.fac
    ok(fac, "item:update", {"idea_id": made["G2"], "fields": {"text": "G2 as corrected"}})
    ok(fac, "item:update", {"idea_id": made["G2"], "fields": {"metrics": [METRIC]}})
    ok(fac, "item:update", {"idea_id": made["P1"], "fields": {"owner": "Ana"}})
    for child, parents in [
        ("P1", ["G1", "G2"]),
        ("P2", ["G3"]),
        ("J1", ["P1", "G4"]),
        ("J2", ["G1"]),
        ("A1", ["J1"]),
    ]:
        payload = {"idea_id": made[child], "parent_ids": [made[p] for p in parents]}
        ok(fac, "link:confirm", payload)
    plan.settle()
    yield made
    plan.room.close()


# --------------------------------------------------------------------------- the title rule


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Strategy day 2026", "Strategy day 2027"),
        ("Acme 2030", "Acme 2031"),
        ("2025 retreat", "2026 retreat"),
        ("Plan 2030, reviewed 2026", "Plan 2030, reviewed 2027"),
        ("Strategy 2026/27", "Strategy 2027/27"),
        ("Offsite 1999", "Offsite 2000"),
        ("Strategy day", "Strategy day"),
        ("Room 12345 and 202", "Room 12345 and 202"),
        ("Build 20261", "Build 20261"),
        ("Year 1850", "Year 1850"),
    ],
)
def test_the_default_title_is_a_year_on(title: str, expected: str) -> None:
    assert next_title(title) == expected


def test_without_a_title_the_new_one_is_a_year_on(app: Flask, client: FlaskClient) -> None:
    for title, expected in [("Strategy day 2026", "Strategy day 2027"), ("Retreat", "Retreat")]:
        room = Room.create(app, client, title=title)
        new = duplicated(client, room)
        assert new.facilitator_state()["workshop"]["title"] == expected


def test_a_given_title_is_checked_like_a_new_workshops(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client, title="Acme 2030")
    new = duplicated(client, room, title="  Acme   strategy day  ")
    assert new.facilitator_state()["workshop"]["title"] == "Acme strategy day"
    for title, code in [("   ", "title_required"), ("x" * 121, "title_too_long")]:
        before = database(app)
        refused = duplicate(client, room, title=title)
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == code
        assert database(app) == before


# --------------------------------------------------------------------------- what is copied


def test_the_new_workshop_has_the_same_agenda_and_settings(app: Flask, client: FlaskClient) -> None:
    room = Room.create(
        app,
        client,
        title="Acme 2030",
        organization="Acme",
        facilitator_name="Fran",
        horizon_years=5,
        review_cadence="monthly",
        max_participants=40,
        template="full-strategic-plan",
    )
    # The current agenda, not the template's: a stage renamed, one removed, a setting changed.
    stages = agenda_of(client, room)
    stages[0]["title"] = "Where we go"
    stages[0]["prompt"] = "Our vision for 2035, please."
    del stages[2]
    stages[1]["steps"][1]["dot_budget"] = 7
    body = {"stages": [{k: v for k, v in s.items() if k != "started"} for s in stages]}
    edited = client.put(f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key))
    assert edited.status_code == 200, edited.get_json()
    ok(room.facilitator(), "join:lock")
    room.start()

    response = duplicate(client, room)
    assert response.status_code == 201
    created = response.get_json()
    # The same body as a new workshop's, with new secrets.
    assert set(created) == set(create_workshop(client, title="Any"))
    new = Room(app, client, created)
    assert new.id != room.id and new.code != room.code
    assert new.key != room.key and new.projector_token != room.projector_token

    assert agenda_of(client, new) == [{**s, "started": False} for s in agenda_of(client, room)]
    old_row, new_row = row(app, room.id), row(app, new.id)
    for name in (
        "organization",
        "facilitator_name",
        "horizon_years",
        "template",
        "max_participants",
        "review_cadence",
    ):
        assert getattr(new_row, name) == getattr(old_row, name), name
    # In its lobby like a new one: unlocked, first stage current, nothing open.
    state = new.facilitator_state()
    assert state["workshop"]["lobby"] is True
    assert state["workshop"]["join_locked"] is False
    assert state["workshop"]["participant_count"] == 0
    assert state["current"]["stage_id"] == state["stages"][0]["id"]
    assert all(stage["step"] == -1 for stage in state["stages"])
    assert state["timer"] is None and state["focus"] is None
    # The facilitator link and the projector link open it.
    ok(new.facilitator(), "facilitate", {"workshop_id": new.id, "key": new.key})
    new.projector()


def test_carried_items_are_preloaded_with_fields_links_and_origin(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    room = source.room
    before = database(app)
    new = duplicated(client, room, carry_over=["goals", "programs", "projects"])
    gained = new_rows(before, database(app))
    # Nothing but the workshop, its stages and the carried items: no participants, no votes,
    # rankings, links proposals, suggestions, counters, rounds, merges, plan versions.
    assert set(gained) == NEW_ROWS
    assert gained["idea"] == 4 + 3 + 2

    src = row(app, room.id)
    origin_date = src.created_at.date().isoformat()
    carried = ideas_of(app, new.id)
    by_text = {idea.text: idea for idea in carried}
    stages = new.stage_ids()
    assert [(idea.stage_id, idea.text) for idea in carried] == [
        (stages["goals"], "G1"),
        (stages["goals"], "G2 as corrected"),
        (stages["goals"], "G3"),
        (stages["goals"], "G4"),
        (stages["programs"], "P1"),
        (stages["programs"], "P2"),
        (stages["programs"], "P3"),
        (stages["projects"], "J1"),
        (stages["projects"], "J2"),
    ]
    new_id = {text: idea.id for text, idea in by_text.items()}
    new_id["G2"] = by_text["G2 as corrected"].id
    for idea in carried:
        assert idea.participant_id is None and idea.client_id is None
        assert not idea.hidden and idea.merged_into is None and idea.deleted_at is None
        assert idea.original_text is None and idea.edited_at is None
        name = "G2" if idea.text == "G2 as corrected" else idea.text
        assert idea.origin == {
            "workshop_id": room.id,
            "title": "Acme 2030",
            "date": origin_date,
            "idea_id": source[name],
        }
    # Fields as they were (the corrected wording is the text now, not a field).
    assert by_text["G2 as corrected"].fields == {"metrics": [METRIC]}
    assert by_text["P1"].fields == {"owner": "Ana"}
    assert by_text["G1"].fields == {}
    # Links to the carried items; a link to an item not carried (A1's) is not there at all.
    assert by_text["P1"].links == [new_id["G1"], new_id["G2"]]
    assert by_text["P2"].links == [new_id["G3"]]
    assert by_text["P3"].links == []
    assert by_text["J1"].links == [new_id["G4"], new_id["P1"]]  # as confirmed: agenda order
    assert by_text["J2"].links == [new_id["G1"]]
    # Every link as the source had it, remapped, in its order.
    renamed = {idea.origin["idea_id"]: idea.id for idea in carried if idea.origin}
    for old in ideas_of(app, room.id):
        if old.id in renamed:
            mine = next(idea for idea in carried if idea.id == renamed[old.id])
            assert mine.links == [renamed[p] for p in old.links if p in renamed]
    # The source is untouched (new_rows checked that no row changed).
    assert new.facilitator_state()["workshop"]["title"] == "Acme 2031"


def test_links_to_items_not_carried_are_dropped(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    new = duplicated(client, source.room, carry_over=["projects", "programs"])
    carried = {idea.text: idea for idea in ideas_of(app, new.id)}
    assert sorted(carried) == ["J1", "J2", "P1", "P2", "P3"]
    assert carried["J1"].links == [carried["P1"].id]
    assert carried["J2"].links == []
    assert carried["P1"].links == [] and carried["P2"].links == []
    # The stages not named keep no item.
    state = new.facilitator_state()
    keys_with_items = {stage["key"] for stage in state["stages"] if stage["ideas"]}
    assert keys_with_items == {"programs", "projects"}


def test_every_screen_marks_a_carried_item_and_only_that(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    new = duplicated(client, source.room, carry_over=["goals"])
    fac = new.facilitator()
    extra = ok(fac, "idea:submit", {"stage_id": new.stage_ids()["goals"], "text": "Fresh goal"})
    date = row(app, source.room.id).created_at.date().isoformat()
    mark = {"title": "Acme 2030", "date": date}
    person = new.participant("Cleo")
    states = {
        "facilitator": new.facilitator_state(),
        "projector": ok(
            new.connect(), "present", {"workshop_id": new.id, "token": new.projector_token}
        )["state"],
        "participant": ok(new.connect(), "join", {"code": new.code, "token": person.token})[
            "state"
        ],
    }
    for audience, state in states.items():
        goals = next(stage for stage in state["stages"] if stage["key"] == "goals")
        items = {item["text"]: item for item in goals["ideas"]}
        assert list(items) == ["G1", "G2 as corrected", "G3", "G4", "Fresh goal"], audience
        for text in ("G1", "G2 as corrected", "G3", "G4"):
            assert items[text]["origin"] == mark, audience
            assert items[text]["from_facilitator"] is True
        assert "origin" not in items["Fresh goal"], audience
        assert items["Fresh goal"]["id"] == extra["idea"]["id"]
        # Never the earlier workshop's id.
        assert source.room.id not in str(state), audience
    # The source's own items carry no mark.
    old = source.room.facilitator_state()
    assert not any("origin" in item for stage in old["stages"] for item in stage["ideas"])


def test_a_finished_source_dates_its_items_by_the_day_it_finished(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    ok(source.plan.fac, "workshop:finish")
    finished = row(app, source.room.id).finished_at
    assert finished is not None
    new = duplicated(client, source.room, carry_over=["vision"])
    (carried,) = ideas_of(app, new.id)
    assert carried.text == "V1"
    assert carried.origin is not None
    assert carried.origin["date"] == finished.date().isoformat()
    # The new workshop is active, in its lobby, whatever the source's status.
    assert new.facilitator_state()["workshop"]["status"] == "active"


def test_a_reviewed_plan_is_carried_as_published(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    """Once the plan was reviewed, what the organisation adopted is the latest version: its
    wording, fields and links are carried, and an item a review dropped is not."""
    room = source.room
    ok(source.plan.fac, "workshop:finish")
    review = {
        "based_on": 1,
        "items": [
            {"id": source["G2"], "fields": {"text": "G2 as reviewed", "metrics": []}},
            {"id": source["G3"], "dropped": True},
            {"id": source["P1"], "links": [source["G1"]]},
            {"id": source["P3"], "fields": {"owner": "Bo"}},
        ],
    }
    published = client.post(
        f"/api/workshops/{room.id}/plan/versions", json=review, headers=bearer(room.key)
    )
    assert published.status_code == 201, published.get_json()

    new = duplicated(client, room, carry_over=["goals", "programs"])

    carried = {idea.text: idea for idea in ideas_of(app, new.id)}
    assert list(carried) == ["G1", "G2 as reviewed", "G4", "P1", "P2", "P3"]
    assert carried["G2 as reviewed"].fields == {}  # its metric was cleared in the review
    assert carried["P1"].links == [carried["G1"].id]  # re-linked in the review
    assert carried["P2"].links == []  # it served G3, which the review dropped
    assert carried["P3"].fields == {"owner": "Bo"}
    assert carried["P1"].fields == {"owner": "Ana"}  # the workshop's, kept by the plan


def test_an_imported_reviewed_workshop_is_carried_as_published_too(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    """A stored plan keeps the ids of the server it was made on; a workshop imported from an
    export has new ones. Next year's workshop started from the import carries the same items,
    wordings and links as one started from the original."""
    from workshop.services import transfer

    room = source.room
    ok(source.plan.fac, "workshop:finish")
    review = {
        "based_on": 1,
        "items": [
            {"id": source["G2"], "fields": {"text": "G2 as reviewed", "metrics": []}},
            {"id": source["G3"], "dropped": True},
            {"id": source["P1"], "links": [source["G1"]]},
        ],
    }
    published = client.post(
        f"/api/workshops/{room.id}/plan/versions", json=review, headers=bearer(room.key)
    )
    assert published.status_code == 201, published.get_json()
    with Session(get_engine(app)) as db:
        exported = transfer.export_workshop(db, row(app, room.id))
        imported, key = transfer.import_workshop(db, json.loads(json.dumps(exported)))
        imported_id = imported.id
    copy_of = Room(app, client, {"id": imported_id, "facilitator_key": key, "code": ""})

    wanted = ["G1", "G2 as reviewed", "G4", "P1", "P2", "P3"]
    results = {}
    for start in (room, copy_of):
        new = duplicated(client, start, carry_over=["goals", "programs"])
        carried = {idea.text: idea for idea in ideas_of(app, new.id)}
        assert list(carried) == wanted, start.id
        assert carried["P1"].links == [carried["G1"].id]
        assert carried["P2"].links == []
        results[start.id] = {text: (idea.fields, len(idea.links)) for text, idea in carried.items()}
    assert results[room.id] == results[imported_id]


def test_a_stage_whose_items_a_review_all_dropped_has_nothing_to_carry(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    room = source.room
    ok(source.plan.fac, "workshop:finish")
    review = {"based_on": 1, "items": [{"id": source["V1"], "dropped": True}]}
    published = client.post(
        f"/api/workshops/{room.id}/plan/versions", json=review, headers=bearer(room.key)
    )
    assert published.status_code == 201, published.get_json()
    before = database(app)
    response = duplicate(client, room, carry_over=["vision"])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_carry_over"
    assert "vision" in response.get_json()["error"]["message"]
    assert database(app) == before


def test_carried_items_keep_the_selection_order(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client, title="Strategy day 2026")
    fac = room.facilitator()
    goals = room.stage_ids()["goals"]
    names = ["G1", "G2", "G3", "G4"]
    ids = dict(zip(names, [submit_as(fac, goals, n) for n in names], strict=True))
    ana, ben = room.participant("Ana"), room.participant("Ben")
    phase(fac, goals, "brainstorm")
    phase(fac, goals, "vote")
    vote(ana, goals, {ids["G3"]: 3, ids["G4"]: 2})
    vote(ben, goals, {ids["G3"]: 2, ids["G1"]: 3})
    phase(fac, goals, "rank")
    order = [ids["G3"], ids["G1"], ids["G4"], ids["G2"]]
    rank(ana, goals, order)
    rank(ben, goals, order)
    phase(fac, goals, "done")
    selected = [item["id"] for item in stage_of(room.facilitator_state(), goals)["selected"]]
    assert selected == [ids["G3"], ids["G1"], ids["G4"]]  # select_count 3, best first

    new = duplicated(client, room, carry_over=["goals"])
    state = new.facilitator_state()
    assert state["workshop"]["title"] == "Strategy day 2027"
    items = stage_of(state, new.stage_ids()["goals"])["ideas"]
    assert [item["text"] for item in items] == ["G3", "G1", "G4"]
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    # Only the selected ones: G2 was ranked, not selected.
    assert [i.origin and i.origin["idea_id"] for i in ideas_of(app, new.id)] == selected


def submit_as(fac: Any, stage_id: int, text: str) -> int:
    idea_id: int = ok(fac, "idea:submit", {"stage_id": stage_id, "text": text})["idea"]["id"]
    return idea_id


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("carry_over", "named"),
    [
        (["goals", "galaxies"], "galaxies"),
        (["goals", "programs", "goals"], "goals"),
        (["Goals"], "Goals"),
        ([""], "“”"),
    ],
)
def test_a_bad_carry_over_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient, source: Linking, carry_over: list[str], named: str
) -> None:
    before = database(app)
    refused = duplicate(client, source.room, carry_over=carry_over)
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "invalid_carry_over"
    assert named in error["message"]
    assert database(app) == before


def test_a_stage_without_a_selection_is_refused(app: Flask, client: FlaskClient) -> None:
    room = Room.started(app, client, title="Acme 2030")
    ana = room.participant("Ana")
    submit(ana, room.stage_ids()["vision"], "Greenest in town")
    for carry_over, named in [(["vision"], "vision"), (["projects"], "projects")]:
        before = database(app)
        refused = duplicate(client, room, carry_over=carry_over)
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "invalid_carry_over"
        assert named in refused.get_json()["error"]["message"]
        assert database(app) == before
    # Without carry_over the same workshop duplicates fine, and carries nothing.
    new = duplicated(client, room)
    assert ideas_of(app, new.id) == []


def test_a_stage_decided_again_carries_its_new_selection_only(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    # Stepping back from results undoes the decision: nothing selected to carry then.
    fac, goals = source.plan.fac, source.plan.stages["goals"]
    phase(fac, goals, "rank")
    before = database(app)
    refused = duplicate(client, source.room, carry_over=["goals"])
    assert refused.get_json()["error"]["code"] == "invalid_carry_over"
    assert database(app) == before
    phase(fac, goals, "done")
    new = duplicated(client, source.room, carry_over=["goals"])
    assert [i.text for i in ideas_of(app, new.id)] == ["G1", "G2 as corrected", "G3", "G4"]


@pytest.mark.parametrize(
    "body",
    [
        {"carry_over": "goals"},
        {"carry_over": [1]},
        {"carry_over": ["x" * 41]},
        {"title": 5},
        {"carry_over": None},
    ],
)
def test_a_malformed_body_is_invalid_payload(
    app: Flask, client: FlaskClient, body: dict[str, Any]
) -> None:
    room = Room.create(app, client, title="Acme 2030")
    before = database(app)
    refused = duplicate(client, room, **body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_payload"
    assert database(app) == before


def test_no_body_means_every_default_and_a_body_not_json_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, title="Strategy day 2026")
    url = f"/api/workshops/{room.id}/duplicate"
    made = client.post(url, headers=bearer(room.key))
    assert made.status_code == 201
    new = Room(app, client, made.get_json())
    assert new.facilitator_state()["workshop"]["title"] == "Strategy day 2027"
    before = database(app)
    refused = client.post(
        url, data=b"\x10", headers={**bearer(room.key), "Content-Type": "application/json"}
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_payload"
    assert database(app) == before


# --------------------------------------------------------------------------- who may ask


def test_only_the_workshops_own_key_duplicates_it(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    room = source.room
    other = Room.create(app, client, title="Other Co 2030")
    phone = source.plan.people[0]
    before = database(app)
    url = f"/api/workshops/{room.id}/duplicate"
    for headers in (
        {},
        bearer(""),
        bearer(other.key),
        bearer(phone.token),
        bearer(room.projector_token),
        {"Authorization": room.key},
    ):
        refused = client.post(url, json={"carry_over": ["goals"]}, headers=headers)
        assert refused.status_code == 401, headers
        assert refused.get_json()["error"]["code"] == "unauthorized"
    missing = client.post("/api/workshops/nope/duplicate", json={}, headers=bearer(room.key))
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "workshop_not_found"
    assert database(app) == before
    # A replaced key no longer opens it; the new one does.
    rotated = client.post(f"/api/workshops/{room.id}/key", headers=bearer(room.key))
    assert rotated.status_code == 200
    assert duplicate(client, room).status_code == 401
    assert duplicate(client, room, key=rotated.get_json()["key"]).status_code == 201
    # The console key the server's admin opened it with duplicates it too.
    with Session(get_engine(app)) as db:
        found = db.get(Workshop, room.id)
        assert found is not None
        admin_key = workshops.grant_admin_key(db, found)
    assert duplicate(client, room, key=admin_key).status_code == 201


# --------------------------------------------------------------------------- next year's run


def test_next_years_room_keeps_rewords_replaces_and_votes_on_carried_goals(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    new = duplicated(client, source.room, title="Acme 2031", carry_over=["vision", "goals"])
    fac = new.facilitator()
    stages = new.stage_ids()
    goals = stages["goals"]
    carried = {i.text: i.id for i in ideas_of(app, new.id) if i.stage_id == goals}
    assert list(carried) == ["G1", "G2 as corrected", "G3", "G4"]
    ana, ben = new.participant("Ana"), new.participant("Ben")
    # The room opens goals straight away (the vision carried from last year stands).
    phase(fac, goals, "brainstorm")
    fresh = submit(ana, goals, "Open a second site")
    # Reword one carried goal, replace another.
    ok(fac, "idea:edit", {"idea_id": carried["G3"], "text": "G3, sharper"})
    ok(fac, "idea:delete", {"idea_id": carried["G4"]})
    phase(fac, goals, "vote")
    vote(ana, goals, {carried["G1"]: 3, fresh: 2})
    vote(ben, goals, {carried["G3"]: 3, carried["G1"]: 2})
    # A carried item with votes is hidden, never deleted, like any other.
    assert error_code(fac, "idea:delete", {"idea_id": carried["G1"]}) == "idea_has_votes"
    phase(fac, goals, "rank")
    order = [carried["G1"], carried["G3"], fresh, carried["G2 as corrected"]]
    rank(ana, goals, order)
    rank(ben, goals, order)
    phase(fac, goals, "done")
    state = new.facilitator_state()
    selected = stage_of(state, goals)["selected"]
    assert [item["text"] for item in selected] == [
        "G1",
        "G3, sharper",
        "Open a second site",
        "G2 as corrected",
    ]
    marks = [item.get("origin", {}).get("title") for item in selected]
    assert marks == ["Acme 2030", "Acme 2030", None, "Acme 2030"]
    assert selected[3]["fields"] == {"metrics": [METRIC]}
    # And next year's next year carries this year's selection, marked with this year.
    after = duplicated(client, new, carry_over=["goals"])
    texts = [(i.text, i.origin and i.origin["title"]) for i in ideas_of(app, after.id)]
    assert texts == [
        ("G1", "Acme 2031"),
        ("G3, sharper", "Acme 2031"),
        ("Open a second site", "Acme 2031"),
        ("G2 as corrected", "Acme 2031"),
    ]
    assert after.facilitator_state()["workshop"]["title"] == "Acme 2032"


# --------------------------------------------------------------------------- the plan


def carried_sample() -> tuple[PlanDocument, str]:
    """The sample plan with its first goal carried over from an earlier workshop."""
    sample = sample_plan()
    stages = list(sample.stages)
    index = next(n for n, stage in enumerate(stages) if stage.key == "goals")
    first, *rest = stages[index].items
    origin = carried_from({"workshop_id": "abc", "title": "Port day 2025", "date": "2025-03-14"})
    stages[index] = replace(stages[index], items=(replace(first, carried_from=origin), *rest))
    return replace(sample, stages=tuple(stages)), first.text


def test_the_plan_says_where_a_carried_item_came_from() -> None:
    plan, text = carried_sample()
    data = json.loads(json.dumps(plan.as_dict()))
    assert [e.message for e in Draft202012Validator(PLAN_SCHEMA).iter_errors(data)] == []
    goals = next(stage for stage in data["stages"] if stage["key"] == "goals")
    assert goals["items"][0]["carried_from"] == {"title": "Port day 2025", "date": "2025-03-14"}
    assert {item["carried_from"] for item in goals["items"][1:]} == {None}
    assert "abc" not in json.dumps(goals["items"][0])  # never the earlier workshop's id
    assert from_dict(data) == plan
    for name in ("md", "html"):
        rendered = re.sub(r"<[^>]+>", "", render(plan, name).decode("utf-8"))
        assert f"{text} (from Port day 2025, 2025-03-14)" in rendered, name
        assert CARRIED_NOTE.strip().split(" (")[0] in rendered, name


def test_a_plan_without_carried_items_reads_as_before() -> None:
    plan = sample_plan()
    data = plan.as_dict()
    assert all(item["carried_from"] is None for stage in data["stages"] for item in stage["items"])
    for name in ("md", "html"):
        rendered = render(plan, name).decode("utf-8")
        assert "(from " not in rendered and CARRIED_NOTE.strip()[:30] not in rendered, name
    # A plan stored before the key reads with nothing carried.
    for stage in data["stages"]:
        for item in stage["items"]:
            del item["carried_from"]
    assert from_dict(json.loads(json.dumps(data))) == plan


def test_next_years_plan_says_which_items_were_carried(
    app: Flask, client: FlaskClient, source: Linking
) -> None:
    new = duplicated(client, source.room, carry_over=["vision", "goals"])
    fac = new.facilitator()
    stages = new.stage_ids()
    fresh = ok(fac, "idea:submit", {"stage_id": stages["vision"], "text": "A fresh vision"})
    for step in ("brainstorm", "vote", "rank", "done"):
        phase(fac, stages["vision"], step)
    ok(fac, "workshop:finish")
    date = row(app, source.room.id).created_at.date().isoformat()

    def download(name: str) -> bytes:
        response = client.get(f"/api/workshops/{new.id}/{name}", headers=bearer(new.key))
        assert response.status_code == 200, name
        return bytes(response.data)

    data = json.loads(download("plan.json"))
    assert [e.message for e in Draft202012Validator(PLAN_SCHEMA).iter_errors(data)] == []
    items = {i["text"]: i for stage in data["stages"] for i in stage["items"]}
    assert items["V1"]["carried_from"] == {"title": "Acme 2030", "date": date}
    assert items["G2 as corrected"]["carried_from"] == {"title": "Acme 2030", "date": date}
    assert items["A fresh vision"]["carried_from"] is None
    assert fresh["idea"]["id"] == items["A fresh vision"]["id"]
    assert source.room.id not in json.dumps(data)
    markdown = " ".join(download("plan.md").decode("utf-8").replace("\\", "").split())
    assert f"V1 (from Acme 2030, {date})" in markdown
    assert "A fresh vision (from" not in markdown
