"""`GET /api/workshops/<id>/summary`: what the start page's "My workshops" lists of a workshop,
through the real HTTP API and Socket.IO test clients on a real SQLite file (no mocks): in its
lobby, while it runs, once finished; who may read it (the facilitator key only); and the 404
that tells the start page a workshop was deleted."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from tests.factories import Room, ok
from tests.test_events import submit
from tests.test_http import finish


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def summary_of(room: Room, key: str | None = None) -> dict[str, Any]:
    response = room.client.get(f"/api/workshops/{room.id}/summary", headers=bearer(key or room.key))
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "private, no-store"
    data: dict[str, Any] = response.get_json()
    return data


def moment(text: str) -> datetime:
    """An ISO time of the summary (always with its zone)."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text
    return parsed


def test_a_workshop_in_its_lobby(client: FlaskClient, app: Any) -> None:
    room = Room.create(app, client, title="Harbour Authority 2026", organization="Port of Aris")
    found = summary_of(room)
    assert list(found) == [
        "id",
        "title",
        "organization",
        "status",
        "code",
        "created_at",
        "finished_at",
        "last_activity_at",
        "participant_count",
        "stage_count",
        "current",
        "plan_versions",
        "urls",
        "templates",
    ]
    assert found["id"] == room.id and found["code"] == room.code
    assert found["title"] == "Harbour Authority 2026"
    assert found["organization"] == "Port of Aris"
    assert found["status"] == "active" and found["finished_at"] is None
    assert found["last_activity_at"] == found["created_at"]
    assert found["participant_count"] == 0
    assert found["stage_count"] == len(room.facilitator_state()["stages"])
    assert found["current"] == {"stage_title": "Vision", "step_kind": None, "lobby": True}
    assert found["plan_versions"] == 0
    assert found["templates"] == []
    # The links are the ones the console shows: the join page, and the room screen with its
    # token (which opens it).
    assert found["urls"]["join"] == room.data["urls"]["join"]
    assert found["urls"]["present"] == room.data["urls"]["present"]
    token = found["urls"]["present"].split("#token=", 1)[1]
    screen = room.connect()
    ok(screen, "present", {"workshop_id": room.id, "token": token})
    room.close()


def test_a_running_workshop_counts_its_people_and_says_where_it_is(
    client: FlaskClient, app: Any
) -> None:
    room = Room.started(app, client, title="Running Co 2027")
    fac = room.facilitator()
    ana, _ben, cy = (room.participant(name) for name in ("Ana", "Ben", "Cy"))
    ok(fac, "participant:remove", {"participant_id": cy.id})
    before = summary_of(room)
    assert before["participant_count"] == 2  # the removed one is not counted
    assert before["current"] == {"stage_title": "Vision", "step_kind": "brainstorm", "lobby": False}
    # An idea later: the last activity moves to it.
    time.sleep(0.01)
    vision = room.stage_ids()["vision"]
    submit(ana, vision, "A harbour that gives back")
    later = summary_of(room)
    assert moment(later["last_activity_at"]) > moment(before["last_activity_at"])
    assert moment(later["last_activity_at"]) > moment(later["created_at"])
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "vote"})
    assert summary_of(room)["current"]["step_kind"] == "vote"
    # Templates saved from it are listed, oldest first; another workshop's are not.
    other = Room.create(app, client, title="Other Co")
    saved = []
    for title in ("Our yearly day", "Short version"):
        response = client.post(
            "/api/templates",
            json={"workshop_id": room.id, "title": title},
            headers=bearer(room.key),
        )
        assert response.status_code == 201, response.get_json()
        saved.append(response.get_json()["id"])
    client.post("/api/templates", json={"workshop_id": other.id}, headers=bearer(other.key))
    templates = summary_of(room)["templates"]
    assert [t["id"] for t in templates] == saved
    assert [t["title"] for t in templates] == ["Our yearly day", "Short version"]
    assert all(moment(t["created_at"]) for t in templates)
    assert summary_of(other)["templates"][0]["id"] not in saved
    room.close()


def test_a_finished_workshop_has_its_plan_versions(client: FlaskClient, app: Any) -> None:
    room = Room.started(app, client, title="Finished Co 2025")
    finish(room)
    found = summary_of(room)
    assert found["status"] == "finished"
    assert found["current"] is None
    assert moment(found["finished_at"]) >= moment(found["created_at"])
    assert moment(found["last_activity_at"]) >= moment(found["finished_at"])
    assert found["plan_versions"] == 1
    assert found["participant_count"] == 2
    room.close()


def test_only_the_facilitator_key_reads_it(client: FlaskClient, app: Any) -> None:
    room = Room.started(app, client, title="Private Co")
    other = Room.create(app, client, title="Other Co")
    phone = room.participant("Ana")
    url = f"/api/workshops/{room.id}/summary"
    for headers in (
        {},
        bearer("not-a-key"),
        bearer(other.key),
        bearer(phone.token),
        bearer(room.projector_token),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "Private Co" not in response.get_data(as_text=True)
    # A replaced key no longer reads it: the start page says the link no longer opens it.
    old = room.key
    rotated = client.post(f"/api/workshops/{room.id}/key", headers=bearer(old))
    assert rotated.status_code == 200
    assert client.get(url, headers=bearer(old)).status_code == 401
    assert summary_of(room, rotated.get_json()["key"])["title"] == "Private Co"
    room.close()


def test_a_deleted_or_unknown_workshop_is_404(client: FlaskClient, app: Any) -> None:
    room = Room.started(app, client, title="Gone Co")
    key = room.key
    unknown = client.get("/api/workshops/0123456789abcdef/summary", headers=bearer(key))
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "workshop_not_found"
    assert client.delete(f"/api/workshops/{room.id}", headers=bearer(key)).status_code == 204
    gone = client.get(f"/api/workshops/{room.id}/summary", headers=bearer(key))
    assert gone.status_code == 404
    assert gone.get_json()["error"]["code"] == "workshop_not_found"
    room.close()
