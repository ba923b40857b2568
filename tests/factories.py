"""Test factories: create workshops and connect facilitators, projectors and participants."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from workshop.extensions import socketio


def create_workshop(client: FlaskClient, **body: Any) -> dict[str, Any]:
    """POST /api/workshops and return its JSON (asserting 201)."""
    body.setdefault("title", "Acme 2030")
    response = client.post("/api/workshops", json=body)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def ack(sock: SocketIOTestClient, event: str, payload: Any = None) -> dict[str, Any]:
    """Emit an event and return its ack."""
    args = () if payload is None else (payload,)
    result: dict[str, Any] = sock.emit(event, *args, callback=True)
    return result


def ok(sock: SocketIOTestClient, event: str, payload: Any = None) -> dict[str, Any]:
    """Emit an event and assert it was accepted."""
    result = ack(sock, event, payload)
    assert result["ok"] is True, result
    return result


def error_code(sock: SocketIOTestClient, event: str, payload: Any = None) -> str:
    """Emit an event, assert it was refused, and return the error code."""
    result = ack(sock, event, payload)
    assert result["ok"] is False, result
    assert set(result["error"]) == {"code", "message"}
    assert result["error"]["message"]
    code: str = result["error"]["code"]
    return code


def received(sock: SocketIOTestClient, name: str) -> list[Any]:
    """The payloads of every `name` event this client received since the last call."""
    return [message["args"][0] for message in sock.get_received() if message["name"] == name]


def wait_for(sock: SocketIOTestClient, name: str, timeout: float = 2.0) -> list[Any]:
    """Poll until the client has received at least one `name` event (tallies are delayed)."""
    deadline = time.monotonic() + timeout
    got: list[Any] = []
    while time.monotonic() < deadline:
        got += received(sock, name)
        if got:
            return got
        time.sleep(0.02)
    return got


@dataclass
class Participant:
    sock: SocketIOTestClient
    token: str
    id: int
    state: dict[str, Any]


@dataclass
class Room:
    """One workshop under test and the clients connected to it."""

    app: Flask
    client: FlaskClient
    data: dict[str, Any]
    clients: list[SocketIOTestClient] = field(default_factory=list)

    @classmethod
    def create(cls, app: Flask, client: FlaskClient, **body: Any) -> Room:
        """A new workshop, in its lobby."""
        return cls(app, client, create_workshop(client, **body))

    @classmethod
    def started(cls, app: Flask, client: FlaskClient, **body: Any) -> Room:
        """A new workshop its facilitator has started: the first stage's first step is open."""
        room = cls.create(app, client, **body)
        room.start()
        return room

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def code(self) -> str:
        return str(self.data["code"])

    @property
    def key(self) -> str:
        return str(self.data["facilitator_key"])

    @property
    def projector_token(self) -> str:
        """The room screen's read-only credential (`present` with `token`)."""
        return str(self.data["projector_token"])

    def connect(self) -> SocketIOTestClient:
        sock = socketio.test_client(self.app, flask_test_client=self.client)
        self.clients.append(sock)
        return sock

    def facilitator(self) -> SocketIOTestClient:
        sock = self.connect()
        ok(sock, "facilitate", {"workshop_id": self.id, "key": self.key})
        sock.get_received()
        return sock

    def projector(self) -> SocketIOTestClient:
        """The room's screen, opened as the console's link opens it: with the projector token."""
        sock = self.connect()
        ok(sock, "present", {"workshop_id": self.id, "token": self.projector_token})
        sock.get_received()
        return sock

    def start(self) -> dict[str, Any]:
        """Start the workshop as a facilitator does from the lobby: `stage:phase` to the first
        stage's first step. Returns the ack's stage."""
        sock = self.connect()
        state = ok(sock, "facilitate", {"workshop_id": self.id, "key": self.key})["state"]
        first = state["stages"][0]
        assert state["workshop"]["lobby"] is True, "the workshop has started already"
        payload = {"stage_id": first["id"], "phase": first["steps"][0]["kind"]}
        stage: dict[str, Any] = ok(sock, "stage:phase", payload)["stage"]
        sock.disconnect()
        self.clients.remove(sock)
        return stage

    def participant(self, name: str | None = None, token: str | None = None) -> Participant:
        sock = self.connect()
        payload: dict[str, Any] = {"code": self.code}
        if name is not None:
            payload["name"] = name
        if token is not None:
            payload["token"] = token
        result = ok(sock, "join", payload)
        sock.get_received()
        return Participant(sock, result["token"], result["participant"]["id"], result["state"])

    def stage_ids(self) -> dict[str, int]:
        """Stage ids by key (vision, goals, projects)."""
        state = self.facilitator_state()
        return {stage["key"]: stage["id"] for stage in state["stages"]}

    def facilitator_state(self, *, clock: bool = False) -> dict[str, Any]:
        """The console's state as `GET /api/workshops/<id>` gives it. Without `clock`, its
        `server_time` (the moment it was built, different on every read) is left out, so two
        reads compare equal when nothing changed."""
        response = self.client.get(
            f"/api/workshops/{self.id}", headers={"Authorization": f"Bearer {self.key}"}
        )
        assert response.status_code == 200
        state: dict[str, Any] = response.get_json()
        if not clock:
            state.pop("server_time", None)
        return state

    def close(self) -> None:
        for sock in self.clients:
            if sock.is_connected():
                sock.disconnect()


# --------------------------------------------------------------------------- the console page


def start_from_console(console: Any) -> None:
    """Start the workshop from the console's lobby (a Playwright page): click Start, as a
    facilitator does once the room has joined, and wait until the lobby gives way."""
    from playwright.sync_api import expect

    start = console.locator("#start-workshop")
    expect(start).to_be_visible()
    expect(start).to_be_enabled()
    start.click()
    expect(console.locator("#lobby")).to_be_hidden()
    expect(console.locator("#next-step")).to_be_visible()


def next_from_console(console: Any, action: str) -> None:
    """Click the console's one Next button, once it offers `action`, written as the old step
    buttons were ("Close ideas, start dot vote", "Open Mission"): Next's title says the same
    ("Close ideas and start dot vote.", "Open Mission and start brainstorm.")."""
    from playwright.sync_api import expect

    button = console.locator("#next-step")
    title = action.replace(", ", " and ", 1)
    expect(button).to_have_attribute("title", re.compile("^" + re.escape(title)))
    button.click()
