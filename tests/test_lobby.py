"""The lobby: a new workshop waits, people join, and the facilitator's `stage:phase` starts it.

Socket level (through Flask-SocketIO's test client) and the room route the projector polls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import text

from tests.factories import Room, error_code, ok, received, wait_for
from workshop.persistence.db import get_engine


@pytest.fixture
def lobby(app: Flask, client: FlaskClient) -> Iterator[Room]:
    """A workshop just created: nobody has started it."""
    room = Room.create(app, client)
    yield room
    room.close()


def database(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused call wrote nothing anywhere."""
    with get_engine(app).connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {
            name: sorted(
                (tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')), key=repr
            )
            for (name,) in list(tables)
        }


def last_state(sock: SocketIOTestClient) -> dict[str, Any]:
    """The latest `state` this client received (asserting it received one)."""
    states = received(sock, "state")
    assert states, "no state was sent"
    state: dict[str, Any] = states[-1]
    return state


def first_stage(state: dict[str, Any]) -> dict[str, Any]:
    stage: dict[str, Any] = state["stages"][0]
    return stage


def messages_until(sock: SocketIOTestClient, name: str) -> list[str]:
    """The names of every event this client receives until a `name` event has come."""
    names: list[str] = []
    deadline = time.monotonic() + 2
    while name not in names and time.monotonic() < deadline:
        names += [message["name"] for message in sock.get_received()]
        time.sleep(0.02)
    assert name in names, names
    return names


def room_status(room: Room) -> dict[str, Any]:
    """`/room` as the room's screen asks it: with its projector token."""
    response = room.client.get(
        f"/api/workshops/{room.id}/room",
        headers={"Authorization": f"Bearer {room.projector_token}"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    return body


# --------------------------------------------------------------------------- in the lobby


def test_a_new_workshop_waits_in_its_lobby_for_every_audience(lobby: Room) -> None:
    fac = lobby.connect()
    facilitator = ok(fac, "facilitate", {"workshop_id": lobby.id, "key": lobby.key})["state"]
    projector = ok(lobby.connect(), "present", {"workshop_id": lobby.id, "key": lobby.key})
    phone = lobby.participant("Ana")
    for state in (facilitator, projector["state"], phone.state):
        assert state["workshop"]["lobby"] is True
        assert state["workshop"]["status"] == "active"
        assert state["current"] == {"stage_id": first_stage(state)["id"], "phase": "pending"}
        assert [(s["phase"], s["step"], s["decided"]) for s in state["stages"]] == [
            ("pending", -1, False)
        ] * 3
    assert phone.state["audience"] == "participant"
    assert phone.state["me"]["name"] == "Ana"
    assert lobby.facilitator_state()["workshop"]["participant_count"] == 1
    # The console hears who joined while it waits.
    assert wait_for(fac, "participants")[-1] == {"count": 1}


def test_joining_in_the_lobby_sends_the_phone_a_lobby_state(lobby: Room) -> None:
    sock = lobby.connect()
    ack = ok(sock, "join", {"code": lobby.code, "name": "Ben"})
    assert ack["state"]["workshop"]["lobby"] is True
    assert last_state(sock)["workshop"]["lobby"] is True
    # Resuming in the lobby too.
    again = lobby.connect()
    resumed = ok(again, "join", {"code": lobby.code, "token": ack["token"]})
    assert resumed["resumed"] is True
    assert resumed["state"]["workshop"]["lobby"] is True


def test_the_console_is_told_who_joins_the_lobby_and_nobody_else_is(lobby: Room) -> None:
    """In the lobby a join brings the console a fresh state that names who has joined (in
    joining order; null for someone anonymous); the room's screen and the phones get no names."""
    fac = lobby.facilitator()
    projector = lobby.projector()
    ana = lobby.participant("Ana")
    anonymous = lobby.participant()
    states = wait_for(fac, "state")
    deadline = time.monotonic() + 2
    while states[-1]["workshop"]["participant_count"] < 2 and time.monotonic() < deadline:
        states += wait_for(fac, "state", timeout=0.5)
    listed = states[-1]["workshop"]["participants"]
    assert [{"id": p["id"], "name": p["name"]} for p in listed] == [
        {"id": ana.id, "name": "Ana"},
        {"id": anonymous.id, "name": None},
    ]
    assert all(p["joined_at"].endswith("+00:00") for p in listed)
    assert states[-1]["workshop"]["lobby"] is True
    assert "state" not in messages_until(projector, "participants")
    for state in (ana.state, anonymous.state):
        assert "participants" not in state["workshop"]
    projector_state = ok(projector, "present", {"workshop_id": lobby.id, "key": lobby.key})
    assert "participants" not in projector_state["state"]["workshop"]


def test_after_the_lobby_a_join_sends_the_console_a_count_not_a_state(room: Room) -> None:
    fac = room.facilitator()
    room.participant("Ana")
    assert "state" not in messages_until(fac, "participants")
    assert room.facilitator_state()["workshop"]["participants"][0]["name"] == "Ana"


def test_an_idea_in_the_lobby_is_refused_and_stores_nothing(lobby: Room) -> None:
    ana = lobby.participant("Ana")
    vision = lobby.stage_ids()["vision"]
    before = database(lobby.app)
    payload = {"stage_id": vision, "text": "A carbon-neutral port", "client_id": "c-1"}
    assert error_code(ana.sock, "idea:submit", payload) == "wrong_phase"
    assert error_code(ana.sock, "votes:set", {"stage_id": vision, "votes": {}}) == "wrong_phase"
    assert database(lobby.app) == before
    assert received(ana.sock, "state") == []
    # Once started, the same client_id is new: the refused idea left nothing behind.
    lobby.start()
    result = ok(ana.sock, "idea:submit", payload)
    assert result["duplicate"] is False


def test_the_facilitator_may_preload_items_without_ending_the_lobby(lobby: Room) -> None:
    fac = lobby.facilitator()
    goals = lobby.stage_ids()["goals"]
    ok(fac, "idea:submit", {"stage_id": goals, "text": "Last year's goal"})
    state = lobby.facilitator_state()
    assert state["workshop"]["lobby"] is True
    assert [i["text"] for i in state["stages"][1]["ideas"]] == ["Last year's goal"]


def test_only_the_first_step_can_be_opened_from_the_lobby(lobby: Room) -> None:
    fac = lobby.facilitator()
    vision = lobby.stage_ids()["vision"]
    before = database(lobby.app)
    payload = {"stage_id": vision, "phase": "vote"}
    assert error_code(fac, "stage:phase", payload) == "invalid_transition"
    assert error_code(fac, "stage:phase", {"stage_id": vision, "phase": "pending"}) == (
        "invalid_phase"
    )
    assert database(lobby.app) == before
    assert lobby.facilitator_state()["workshop"]["lobby"] is True


def test_a_participant_cannot_start_the_workshop(lobby: Room) -> None:
    ana = lobby.participant("Ana")
    vision = lobby.stage_ids()["vision"]
    payload = {"stage_id": vision, "phase": "brainstorm"}
    assert error_code(ana.sock, "stage:phase", payload) == "forbidden"
    assert lobby.facilitator_state()["workshop"]["lobby"] is True


# --------------------------------------------------------------------------- starting


def test_stage_phase_to_the_first_step_starts_the_workshop_for_everyone(lobby: Room) -> None:
    fac = lobby.facilitator()
    projector = lobby.projector()
    ana, ben = lobby.participant("Ana"), lobby.participant("Ben")
    for sock in (fac, projector, ana.sock, ben.sock):
        sock.get_received()
    vision = lobby.stage_ids()["vision"]
    stage = ok(fac, "stage:phase", {"stage_id": vision, "phase": "brainstorm"})["stage"]
    assert (stage["id"], stage["phase"], stage["step"]) == (vision, "brainstorm", 0)
    for sock in (fac, projector, ana.sock, ben.sock):
        state = last_state(sock)
        assert state["workshop"]["lobby"] is False
        assert state["current"] == {"stage_id": vision, "phase": "brainstorm"}
        assert (first_stage(state)["phase"], first_stage(state)["step"]) == ("brainstorm", 0)
    result = ok(ana.sock, "idea:submit", {"stage_id": vision, "text": "A carbon-neutral port"})
    assert result["idea"]["stage_id"] == vision
    # A phone joining now gets the open brainstorm.
    assert lobby.participant("Cy").state["workshop"]["lobby"] is False


def test_the_lobby_does_not_come_back(lobby: Room) -> None:
    """No stage moves back to pending: stepping back from the first step is refused, and a
    stage stepped back to its first step is still open. The lobby is over once started."""
    lobby.start()
    fac = lobby.facilitator()
    vision = lobby.stage_ids()["vision"]
    back = {"stage_id": vision, "phase": "pending"}
    assert error_code(fac, "stage:phase", back) == "invalid_phase"
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "vote"})
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "brainstorm"})
    state = lobby.facilitator_state()
    assert state["workshop"]["lobby"] is False
    assert (first_stage(state)["phase"], first_stage(state)["step"]) == ("brainstorm", 0)
    # Re-selecting the step it is on changes nothing either.
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "brainstorm"})
    assert lobby.facilitator_state()["workshop"]["lobby"] is False


def test_opening_another_stage_first_ends_the_lobby(lobby: Room) -> None:
    fac = lobby.facilitator()
    goals = lobby.stage_ids()["goals"]
    ok(fac, "stage:phase", {"stage_id": goals, "phase": "brainstorm"})
    state = lobby.facilitator_state()
    assert state["workshop"]["lobby"] is False
    assert state["current"] == {"stage_id": goals, "phase": "brainstorm"}


def test_a_workshop_finished_in_its_lobby_is_no_longer_in_it(lobby: Room) -> None:
    fac = lobby.facilitator()
    ok(fac, "workshop:finish")
    state = lobby.facilitator_state()
    assert (state["workshop"]["status"], state["workshop"]["lobby"]) == ("finished", False)
    assert room_status(lobby)["lobby"] is False


def test_a_workshop_that_opened_its_brainstorm_at_creation_is_not_in_a_lobby(
    lobby: Room,
) -> None:
    """Workshops created before the lobby opened their first brainstorm at once (step 0):
    in an existing database they carry on as they were."""
    with get_engine(lobby.app).begin() as conn:
        conn.execute(
            text("UPDATE stage SET step_index = 0 WHERE workshop_id = :id AND position = 0"),
            {"id": lobby.id},
        )
    ana = lobby.participant("Ana")
    assert ana.state["workshop"]["lobby"] is False
    vision = lobby.stage_ids()["vision"]
    ok(ana.sock, "idea:submit", {"stage_id": vision, "text": "Still open"})
    assert room_status(lobby)["lobby"] is False


def test_in_the_lobby_the_current_stage_follows_the_agenda_s_first(lobby: Room) -> None:
    """Reordering the agenda in the lobby keeps the first stage current, so Start opens it."""
    headers = {"Authorization": f"Bearer {lobby.key}"}
    url = f"/api/workshops/{lobby.id}/agenda"
    stages = lobby.client.get(url, headers=headers).get_json()["stages"]
    reordered = [stages[1], stages[0], stages[2]]
    response = lobby.client.put(url, json={"stages": reordered}, headers=headers)
    assert response.status_code == 200, response.get_json()
    state = lobby.facilitator_state()
    assert state["workshop"]["lobby"] is True
    assert state["current"] == {"stage_id": stages[1]["id"], "phase": "pending"}
    # Removing the first stage too.
    response = lobby.client.put(url, json={"stages": [stages[2]]}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert lobby.facilitator_state()["current"]["stage_id"] == stages[2]["id"]


def test_after_the_lobby_the_agenda_does_not_move_the_current_stage(room: Room) -> None:
    headers = {"Authorization": f"Bearer {room.key}"}
    url = f"/api/workshops/{room.id}/agenda"
    stages = room.client.get(url, headers=headers).get_json()["stages"]
    response = room.client.put(
        url, json={"stages": [stages[0], stages[2], stages[1]]}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert room.facilitator_state()["current"]["stage_id"] == stages[0]["id"]


def test_the_room_fixture_is_a_started_workshop(room: Room) -> None:
    state = room.facilitator_state()
    assert state["workshop"]["lobby"] is False
    assert first_stage(state)["phase"] == "brainstorm"


# --------------------------------------------------------------------------- the room route


def test_the_room_route_tells_the_count_the_lobby_and_the_status(lobby: Room) -> None:
    assert room_status(lobby) == {
        "participant_count": 0,
        "lobby": True,
        "status": "active",
        "removed_count": 0,
        "join_locked": False,
    }
    ana = lobby.participant("Ana")
    lobby.participant()
    assert room_status(lobby)["participant_count"] == 2
    # A phone resuming with its token is not someone new.
    lobby.participant(token=ana.token)
    assert room_status(lobby)["participant_count"] == 2
    lobby.start()
    assert room_status(lobby) == {
        "participant_count": 2,
        "lobby": False,
        "status": "active",
        "removed_count": 0,
        "join_locked": False,
    }
    ok(lobby.facilitator(), "workshop:finish")
    assert room_status(lobby) == {
        "participant_count": 2,
        "lobby": False,
        "status": "finished",
        "removed_count": 0,
        "join_locked": False,
    }


def test_the_room_route_needs_a_credential_and_gives_nothing_else_away(lobby: Room) -> None:
    url = f"/api/workshops/{lobby.id}/room"
    assert lobby.client.get(url).status_code == 401
    response = lobby.client.get(url, headers={"Authorization": f"Bearer {lobby.projector_token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"participant_count", "lobby", "status", "removed_count", "join_locked"}
    for secret in (lobby.key, lobby.projector_token, lobby.code):
        assert secret not in response.get_data(as_text=True)


def test_the_room_route_of_an_unknown_workshop_is_404(client: FlaskClient) -> None:
    response = client.get("/api/workshops/0123456789abcdef/room")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "workshop_not_found"


def test_the_room_route_counts_each_workshop_alone(lobby: Room, other: Room) -> None:
    other.participant("Zoe")
    assert room_status(lobby)["participant_count"] == 0
    assert room_status(other)["participant_count"] == 1


def test_the_present_page_is_rendered_without_the_code_or_the_count(
    app: Flask, lobby: Room
) -> None:
    """The room's data comes with `present` (projector token): the page itself carries the
    workshop's title only."""
    lobby.participant("Ana")
    lobby.participant("Ben")
    contexts: list[dict[str, Any]] = []

    def record(_sender: Flask, template: Any, context: dict[str, Any], **_: Any) -> None:
        if template.name == "present.html":  # a Jinja template, which Flask renders
            contexts.append(context)

    template_rendered.connect(record, app)
    try:
        response = lobby.client.get(f"/w/{lobby.id}/present")
    finally:
        template_rendered.disconnect(record, app)
    assert response.status_code == 200
    assert len(contexts) == 1 and "participant_count" not in contexts[0]
    html = response.get_data(as_text=True)
    assert lobby.code not in html and lobby.key not in html and lobby.projector_token not in html
