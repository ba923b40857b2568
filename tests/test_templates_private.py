"""Saved templates are private (guarantee 8): never listed publicly, an unguessable id (192
random bits) that works as a capability, no workshop title in the defaults, at most 10 per
workshop (also when saved at once), and deletable with the key of the workshop that saved
them. Templates saved by an earlier release keep working by id but are no longer listed."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Room
from workshop.persistence.models import AgendaTemplate
from workshop.services.agenda import built_in_templates

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def save(client: FlaskClient, room: Room, **body: Any) -> Any:
    return client.post(
        "/api/templates", json={"workshop_id": room.id, **body}, headers=bearer(room.key)
    )


def saved_count(app: Flask) -> int:
    with app.extensions["workshop_db"].connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM agendatemplate").scalar_one())


def test_the_public_list_has_the_built_ins_only(client: FlaskClient, room: Room) -> None:
    assert save(client, room).status_code == 201
    listed = client.get("/api/templates").get_json()["templates"]
    assert [t["id"] for t in listed] == sorted(
        built_in_templates(), key=[t["id"] for t in listed].index
    )
    assert all(t["built_in"] for t in listed)


def test_a_saved_template_has_a_random_id_and_no_workshop_words(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, title="Secret Merger 2031", organization="Globex")
    ids = set()
    for _ in range(3):
        saved = save(client, room).get_json()
        assert TOKEN.fullmatch(saved["id"]), saved["id"]  # secrets.token_urlsafe(24): 192 bits
        assert saved["title"] == "Saved agenda"
        assert saved["description"] == ""
        ids.add(saved["id"])
    assert len(ids) == 3
    for template_id in ids:
        text = client.get(f"/api/templates/{template_id}").get_data(as_text=True)
        assert "Secret Merger" not in text and "Globex" not in text


def test_the_id_is_a_capability(app: Flask, client: FlaskClient, room: Room) -> None:
    template_id = save(client, room, title="Board day").get_json()["id"]
    # Anyone with the id reads it and starts a workshop from it; no key needed.
    stranger = app.test_client()
    got = stranger.get(f"/api/templates/{template_id}")
    assert got.status_code == 200
    assert got.get_json()["title"] == "Board day"
    assert got.headers["Cache-Control"] == "private, no-store"
    made = stranger.post("/api/workshops", json={"title": "Copy", "template": template_id})
    assert made.status_code == 201
    # Nobody finds it otherwise: a near miss is not found.
    near = template_id[:-1] + ("A" if template_id[-1] != "A" else "B")
    assert stranger.get(f"/api/templates/{near}").status_code == 404
    assert stranger.get(f"/api/templates/{near}").get_json()["error"]["code"] == (
        "template_not_found"
    )
    assert stranger.get("/api/templates/strategic-plan").status_code == 200


def test_a_workshop_lists_only_what_it_saved(client: FlaskClient, room: Room, other: Room) -> None:
    mine = [save(client, room).get_json()["id"] for _ in range(2)]
    theirs = save(client, other).get_json()["id"]
    answer = client.get(f"/api/workshops/{room.id}/templates", headers=bearer(room.key))
    assert answer.status_code == 200
    assert [t["id"] for t in answer.get_json()["templates"]] == mine
    assert all("created_at" in t for t in answer.get_json()["templates"])
    assert theirs not in answer.get_data(as_text=True)
    for headers in ({}, bearer(other.key), bearer(room.projector_token)):
        refused = client.get(f"/api/workshops/{room.id}/templates", headers=headers)
        assert refused.status_code == 401


def test_at_most_ten_per_workshop_and_delete_makes_room(
    app: Flask, client: FlaskClient, room: Room
) -> None:
    ids = [save(client, room).get_json()["id"] for _ in range(10)]
    refused = save(client, room)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "too_many_templates"
    assert saved_count(app) == 10
    gone = client.delete(f"/api/templates/{ids[0]}", headers=bearer(room.key))
    assert gone.status_code == 204
    assert save(client, room).status_code == 201


def test_ten_saves_at_once_still_make_at_most_ten(
    app: Flask, client: FlaskClient, room: Room, figure: Callable[[str, str], None]
) -> None:
    """The count and the insert run under the write lock (begin_write): 14 saves at once,
    from 14 threads, leave exactly 10."""
    for _ in range(3):
        assert save(client, room).status_code == 201
    statuses: list[int] = []
    barrier = threading.Barrier(14)

    def one() -> None:
        own = app.test_client()
        barrier.wait()
        statuses.append(save(own, room).status_code)

    threads = [threading.Thread(target=one) for _ in range(14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 7 + [409] * 7
    assert saved_count(app) == 10
    figure("templates: saves at once", "14 at once on a workshop with 3: exactly 10 kept")


def test_delete_needs_the_saving_workshops_key(
    app: Flask, client: FlaskClient, room: Room, other: Room
) -> None:
    template_id = save(client, room).get_json()["id"]
    copy = client.post("/api/workshops", json={"title": "Copy", "template": template_id})
    assert copy.status_code == 201
    path = f"/api/templates/{template_id}"
    for headers, status in (
        ({}, 401),
        (bearer("not-the-key"), 401),
        (bearer(other.key), 401),
        (bearer(room.projector_token), 401),
    ):
        answer = client.delete(path, headers=headers)
        assert answer.status_code == status
        assert answer.get_json()["error"]["code"] == "unauthorized"
    assert saved_count(app) == 1
    assert client.delete(path, headers=bearer(room.key)).status_code == 204
    assert client.get(path).status_code == 404
    assert client.delete(path, headers=bearer(room.key)).status_code == 404
    again = client.post("/api/workshops", json={"title": "Late", "template": template_id})
    assert again.get_json()["error"]["code"] == "unknown_template"
    # The workshop made from it keeps its agenda.
    made = copy.get_json()
    agenda = client.get(
        f"/api/workshops/{made['id']}/agenda", headers=bearer(made["facilitator_key"])
    )
    assert agenda.status_code == 200 and agenda.get_json()["stages"]


def test_a_built_in_cannot_be_deleted(client: FlaskClient, room: Room) -> None:
    answer = client.delete("/api/templates/strategic-plan", headers=bearer(room.key))
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/templates/strategic-plan").status_code == 200


def test_an_earlier_releases_template_works_by_id_but_is_not_listed(
    app: Flask, client: FlaskClient, room: Room
) -> None:
    stages = built_in_templates()["strategic-plan"]["stages"]
    with app.app_context():
        from workshop.persistence.db import get_db

        db = get_db()
        db.add(
            AgendaTemplate(
                id="acme-2030-a1b2c3",
                title="Acme 2030",
                description="Saved from the workshop 'Acme 2030'.",
                source_workshop_id=room.id,
                stages=stages,
            )
        )
        db.commit()
    listed = client.get("/api/templates").get_data(as_text=True)
    assert "acme-2030-a1b2c3" not in listed
    assert client.get("/api/templates/acme-2030-a1b2c3").status_code == 200
    made = client.post("/api/workshops", json={"title": "New", "template": "acme-2030-a1b2c3"})
    assert made.status_code == 201
    mine = client.get(f"/api/workshops/{room.id}/templates", headers=bearer(room.key))
    assert [t["id"] for t in mine.get_json()["templates"]] == ["acme-2030-a1b2c3"]
