"""The room's credentials, through the real HTTP and Socket.IO test clients on a real SQLite
file: the projector token (read-only), the facilitator key opening the room screen, rotating
the key and the projector token, the present page without secrets, and `/room`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Room, error_code, ok
from tests.test_events import database

# What a room screen might try, with a payload that would be valid for the facilitator or a
# participant: each must be refused by role, before anything is read or written.
WRITES: list[tuple[str, dict[str, Any]]] = [
    ("stage:phase", {"stage_id": 1, "phase": "vote"}),
    ("results:reveal", {"stage_id": 1}),
    ("idea:hide", {"idea_id": 1, "hidden": True}),
    ("idea:submit", {"stage_id": 1, "text": "From the wall"}),
    ("votes:set", {"stage_id": 1, "votes": {"1": 1}}),
    ("join:lock", {}),
    ("join:unlock", {}),
    ("participant:remove", {"participant_id": 1}),
    ("workshop:finish", {}),
]


def kept(sock: SocketIOTestClient, name: str) -> list[Any]:
    """The `name` events a client received, read even after the server disconnected it."""
    return [m["args"][0] for m in sock.queue if m["name"] == name and m["args"]]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def present(room: Room, **credential: str) -> tuple[SocketIOTestClient, dict[str, Any]]:
    sock = room.connect()
    answer = ok(sock, "present", {"workshop_id": room.id, **credential})
    sock.get_received()
    return sock, answer["state"]


def secrets_of(room: Room, tokens: list[str]) -> list[str]:
    return [room.key, room.projector_token, *tokens]


# --------------------------------------------------------------------------- creation


def test_a_new_workshop_has_a_projector_token_and_a_link_that_carries_only_it(room: Room) -> None:
    data = room.data
    token = data["projector_token"]
    assert isinstance(token, str) and len(token) >= 32
    assert token != room.key
    assert data["projector_url"].endswith(f"/w/{room.id}/present#token={token}")
    assert data["urls"]["present"] == data["projector_url"]
    assert room.key not in data["projector_url"]
    state = room.facilitator_state()
    assert state["projector_url"] == data["projector_url"]
    assert state["workshop"]["projector_url"] == data["projector_url"]


def test_a_join_code_taken_meanwhile_is_retried_not_a_500(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    """Two processes may draw the same code at once: the database's unique code refuses the
    second insert, and creation tries a new code."""
    from workshop.services import workshops

    first = Room.create(app, client)
    codes = iter([first.code, first.code, "Z2Z2Z2"])
    monkeypatch.setattr(workshops, "new_join_code", lambda: next(codes))
    second = Room.create(app, client, title="Second")
    assert second.code == "Z2Z2Z2"
    assert ok(second.connect(), "join", {"code": "Z2Z2Z2"})["state"]["workshop"]["id"] == (
        second.id
    )


# --------------------------------------------------------------------------- the projector


def test_the_projector_token_reads_the_room_and_can_do_nothing_else(
    room: Room, figure: Callable[[str, str], None]
) -> None:
    ana = room.participant("Ana")
    screen, state = present(room, token=room.projector_token)
    assert state["audience"] == "projector"
    assert state["workshop"]["code"] == room.code
    assert state["participant_count"] == 1 and state["removed_count"] == 0
    assert state["join_locked"] is False
    for key in ("projector_url", "participants", "max_participants", "me"):
        assert key not in state and key not in state["workshop"], key
    text = json.dumps(state)
    for secret in secrets_of(room, [ana.token]):
        assert secret not in text

    before = database(room.app)
    for event, payload in WRITES:
        assert error_code(screen, event, payload) == "forbidden", event
    assert database(room.app) == before
    # The token opens nothing else: not the console, not the API, not the plan.
    stranger = room.connect()
    facilitate = {"workshop_id": room.id, "key": room.projector_token}
    assert error_code(stranger, "facilitate", facilitate) == "unauthorized"
    assert error_code(stranger, "join", {"code": room.code, "token": room.projector_token}) == (
        "invalid_token"
    )
    auth = bearer(room.projector_token)
    root = f"/api/workshops/{room.id}"
    for method, path in (
        ("get", root),
        ("get", f"{root}/agenda"),
        ("get", f"{root}/plan.md"),
        ("get", f"{root}/plan/versions"),
        ("get", f"{root}/shares"),
        ("get", f"{root}/templates"),
        ("post", f"{root}/key"),
        ("post", f"{root}/projector-token"),
        ("post", f"{root}/shares"),
    ):
        response = getattr(room.client, method)(path, headers=auth)
        assert response.status_code == 401, (method, path, response.status_code)
    assert database(room.app) == before
    figure(
        "2: projector token: writing events and HTTP routes refused",
        f"{len(WRITES)} of {len(WRITES)} events forbidden, 9 of 9 routes 401, 0 rows changed",
    )
    # It may identify again, though.
    again = ok(screen, "present", {"workshop_id": room.id, "token": room.projector_token})
    assert again["state"]["audience"] == "projector"


def test_the_facilitator_key_still_opens_the_room_screen_as_a_projector(room: Room) -> None:
    screen, state = present(room, key=room.key)
    assert state["audience"] == "projector"
    assert "projector_url" not in state
    assert room.key not in json.dumps(state)
    for event, payload in WRITES[:3]:
        assert error_code(screen, event, payload) == "forbidden", event


def test_a_wrong_projector_token_is_unauthorized(room: Room, other: Room) -> None:
    sock = room.connect()
    for token in ("", "nope", other.projector_token, room.key[:-1]):
        answer = sock.emit("present", {"workshop_id": room.id, "token": token}, callback=True)
        assert answer["ok"] is False
        assert answer["error"]["code"] in ("unauthorized", "invalid_payload"), token


# --------------------------------------------------------------------------- rotation


def test_rotating_the_key_locks_the_old_one_out_everywhere(
    room: Room, figure: Callable[[str, str], None]
) -> None:
    old = room.key
    console, second = room.facilitator(), room.facilitator()
    screen, _ = present(room, token=room.projector_token)
    keyed_screen, _ = present(room, key=old)
    phone = room.participant("Ana")

    response = room.client.post(f"/api/workshops/{room.id}/key", headers=bearer(old))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    new = body["key"]
    assert set(body) == {"key", "facilitator_url"}
    assert new != old and len(new) >= 32
    assert body["facilitator_url"].endswith(f"/w/{room.id}/facilitate#key={new}")
    # Connected consoles are told, then disconnected; the room screen and phones are not.
    for sock in (console, second):
        told = kept(sock, "access:revoked")
        assert [t["role"] for t in told] == ["facilitator"] and told[0]["message"]
        assert not sock.is_connected()
    assert screen.is_connected() and phone.sock.is_connected()
    assert not kept(screen, "access:revoked")
    # A room screen opened with the old key is told and closed too.
    assert [t["role"] for t in kept(keyed_screen, "access:revoked")] == ["projector"]
    assert not keyed_screen.is_connected()
    # HTTP: the old key is refused, the new one works.
    root = f"/api/workshops/{room.id}"
    assert room.client.get(root, headers=bearer(old)).status_code == 401
    assert room.client.post(f"{root}/key", headers=bearer(old)).status_code == 401
    assert room.client.get(root, headers=bearer(new)).status_code == 200
    # Sockets: the old key opens nothing; the new one opens the console.
    sock = room.connect()
    assert error_code(sock, "facilitate", {"workshop_id": room.id, "key": old}) == "unauthorized"
    assert error_code(sock, "present", {"workshop_id": room.id, "key": old}) == "unauthorized"
    assert ok(sock, "facilitate", {"workshop_id": room.id, "key": new})["state"]["audience"] == (
        "facilitator"
    )
    figure(
        "2: facilitator key rotation",
        "2 of 2 open consoles and 1 of 1 key-opened room screen told and disconnected; "
        "old key refused on HTTP and sockets",
    )


def test_a_console_that_opened_with_a_rotated_key_is_refused_on_its_next_event(
    room: Room,
) -> None:
    """A console the rotation could not disconnect (another server process holds it) is
    refused `unauthorized` on its next event, and nothing changes."""
    from sqlmodel import Session

    from workshop.persistence.db import get_engine
    from workshop.persistence.queries import get_workshop
    from workshop.services import workshops

    console = room.facilitator()
    stage_id = room.stage_ids()["vision"]
    with Session(get_engine(room.app)) as db:
        workshops.rotate_key(db, get_workshop(db, room.id))
    before = database(room.app)
    for event, payload in (
        ("stage:phase", {"stage_id": stage_id, "phase": "vote"}),
        ("join:lock", {}),
        ("idea:submit", {"stage_id": stage_id, "text": "Mine"}),
    ):
        assert error_code(console, event, payload) == "unauthorized", event
    assert database(room.app) == before


def test_rotating_the_projector_token_cuts_off_the_screens_that_use_it(room: Room) -> None:
    old = room.projector_token
    console = room.facilitator()
    by_token, _ = present(room, token=old)
    by_key, _ = present(room, key=room.key)

    response = room.client.post(
        f"/api/workshops/{room.id}/projector-token", headers=bearer(room.key)
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    new = body["projector_token"]
    assert set(body) == {"projector_token", "projector_url"}
    assert new != old and len(new) >= 32
    assert body["projector_url"].endswith(f"/w/{room.id}/present#token={new}")
    # Every connected room screen is told and closed (one opened with the key reopens with
    # it); the console stays.
    for screen in (by_token, by_key):
        told = kept(screen, "access:revoked")
        assert [t["role"] for t in told] == ["projector"] and told[0]["message"]
        assert not screen.is_connected()
    assert console.is_connected()
    states = [m["args"][0] for m in console.get_received() if m["name"] == "state"]
    assert states and states[-1]["projector_url"] == body["projector_url"]
    sock = room.connect()
    assert error_code(sock, "present", {"workshop_id": room.id, "token": old}) == "unauthorized"
    assert ok(sock, "present", {"workshop_id": room.id, "token": new})["state"]["audience"] == (
        "projector"
    )
    # The key still works; rotating needs it.
    assert room.client.get(f"/api/workshops/{room.id}", headers=bearer(room.key)).status_code == (
        200
    )
    refused = room.client.post(f"/api/workshops/{room.id}/projector-token", headers=bearer(new))
    assert refused.status_code == 401


def test_rotation_needs_the_current_key_of_that_workshop(room: Room, other: Room) -> None:
    before = database(room.app)
    for path in ("key", "projector-token"):
        url = f"/api/workshops/{room.id}/{path}"
        assert room.client.post(url).status_code == 401
        assert room.client.post(url, headers=bearer(other.key)).status_code == 401
        assert room.client.post(url, headers=bearer("")).status_code == 401
        missing = room.client.post(f"/api/workshops/nope/{path}", headers=bearer(room.key))
        assert missing.status_code == 404
    assert database(room.app) == before


# --------------------------------------------------------------------------- pages and /room


def test_the_present_page_carries_no_join_code_and_no_secret(room: Room) -> None:
    ana = room.participant("Ana")
    html = room.client.get(f"/w/{room.id}/present").get_data(as_text=True)
    assert room.code not in html
    assert f"/j/{room.code}" not in html
    for secret in secrets_of(room, [ana.token]):
        assert secret not in html


def test_the_room_route_needs_the_projector_token_or_the_key(room: Room) -> None:
    ana = room.participant("Ana")
    url = f"/api/workshops/{room.id}/room"
    for headers in ({}, bearer(""), bearer(ana.token), bearer("nope")):
        response = room.client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert room.code not in response.get_data(as_text=True)
    for secret in (room.projector_token, room.key):
        response = room.client.get(url, headers=bearer(secret))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert body["participant_count"] == 1
        assert body["removed_count"] == 0 and body["join_locked"] is False
    old = room.projector_token
    room.client.post(f"/api/workshops/{room.id}/projector-token", headers=bearer(room.key))
    assert room.client.get(url, headers=bearer(old)).status_code == 401


def test_a_saved_templates_id_reaches_the_console_only(room: Room) -> None:
    """A saved template's id is the capability to start workshops from it: phones and the
    room screen of a workshop started from it are told "saved", never the id."""
    saved = room.client.post(
        "/api/templates", json={"workshop_id": room.id}, headers=bearer(room.key)
    )
    assert saved.status_code == 201, saved.get_json()
    template_id = saved.get_json()["id"]
    started = Room.create(room.app, room.client, template=template_id)
    ana = started.participant("Ana")
    _, screen = present(started, token=started.projector_token)
    for state in (ana.state, screen):
        assert state["workshop"]["template"] == "saved"
        assert template_id not in json.dumps(state)
    assert started.facilitator_state()["workshop"]["template"] == template_id
    assert room.facilitator_state()["workshop"]["template"] == "strategic-plan"
    started.close()
