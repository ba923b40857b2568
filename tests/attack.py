"""The attacker's kit for the authorisation matrix and the fuzz tests: a workshop with a stage
parked in every step an event needs, a connection for every identity, raw Socket.IO packets the
test client cannot encode itself, and a dump of every table to prove a refusal wrote nothing."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Room, ok
from workshop import create_app
from workshop.extensions import socketio

# Limits that would throttle the attacker before the rule under test answers: raised, so every
# cell reaches the role check, the payload check and the service.
UNTHROTTLED: dict[str, Any] = {
    "EVENT_RATE": 1_000_000.0,
    "EVENT_BURST": 1_000_000.0,
    "JOIN_RATE": 1_000_000.0,
    "JOIN_BURST": 1_000_000.0,
    "CREATE_RATE": 1_000_000.0,
    "CREATE_BURST": 1_000_000.0,
}

DOCS_API = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def make_app(database: Path) -> Flask:
    """An app on its own SQLite file with the limits raised (see UNTHROTTLED)."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "attack-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
            **UNTHROTTLED,
        }
    )


def documented_error_codes() -> set[str]:
    """Every code in docs/api.md's error table (its first column, each code in backticks)."""
    text = DOCS_API.read_text(encoding="utf-8")
    section = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    codes: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            codes.update(re.findall(r"`([a-z_]+)`", first_cell))
    return codes


# --------------------------------------------------------------------------- who may do what

IDENTIFY = "identify"
ANYONE = "anyone"
"""An event any connection may send, joined or not (`language`): it touches no workshop."""
P = ("participant",)
F = ("facilitator",)
PF = ("participant", "facilitator")

# Every client event and the roles that may send it (docs/api.md "Roles"); `identify` events
# bind a connection to a role by the credential they carry. Order matters only at the end:
# `workshop:finish` runs last, since nothing changes a finished workshop.
SOCKET_ROLES: dict[str, str | tuple[str, ...]] = {
    "join": IDENTIFY,
    "language": ANYONE,
    "facilitate": IDENTIFY,
    "present": IDENTIFY,
    "idea:submit": PF,
    "idea:hide": F,
    "idea:merge": F,
    "idea:unmerge": F,
    "group:set": F,
    "votes:set": P,
    "results:reveal": F,
    "round:start": F,
    "allocation:set": P,
    "rating:set": P,
    "ranking:set": P,
    "link:set": P,
    "link:confirm": F,
    "item:update": F,
    "suggestion:submit": P,
    "idea:edit": PF,
    "idea:update": F,
    "idea:delete": PF,
    "duplicate:dismiss": F,
    "timer:set": F,
    "timer:add": F,
    "timer:pause": F,
    "timer:resume": F,
    "timer:clear": F,
    "focus:set": F,
    "focus:clear": F,
    "stage:phase": F,
    "join:lock": F,
    "join:unlock": F,
    "participant:remove": F,
    "workshop:language": F,
    "workshop:finish": F,
}


# --------------------------------------------------------------------------- the database


def dump(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order: equal dumps mean nothing was
    written."""
    engine = app.extensions["workshop_db"]
    tables: dict[str, list[str]] = {}
    with engine.connect() as conn:
        names = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for name in names:
            rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()
            tables[name] = sorted(repr(tuple(row)) for row in rows)
    return tables


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ between two dumps."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


class CommitWatch:
    """Tells whether anyone committed to the database file since the last look: SQLite's
    `PRAGMA data_version` on a connection of our own changes when another connection commits."""

    def __init__(self, database: Path) -> None:
        self.conn = sqlite3.connect(database)
        self.last = self.version()

    def version(self) -> int:
        value: int = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return value

    def committed(self) -> bool:
        now = self.version()
        changed = now != self.last
        self.last = now
        return changed

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- raw packets


def raw_emit(sock: SocketIOTestClient, event: str, json_args: str) -> Any:
    """Send an EVENT packet whose arguments are written as raw JSON text (after the event's
    name), asking for an ack; returns the ack's first argument, or None when none came.

    The test client encodes with `json.dumps`, which cannot write a 5,000-digit number or a
    100,000-deep array; a real client can, so these go on the wire as text."""
    sock.callback_counter += 1
    name = event.replace("\\", "\\\\").replace('"', '\\"')
    packet = f'2{sock.callback_counter}["{name}",{json_args}]'
    sock.acks = None
    socketio.server._handle_eio_message(sock.eio_sid, packet)
    acked = sock.acks
    sock.acks = None
    if acked is None:
        return None
    args = acked["args"]
    return args[0] if len(args) == 1 else args


def emit(sock: SocketIOTestClient, event: str, payload: Any) -> Any:
    """Emit with an ack; None when the server sent none."""
    sock.acks = None
    return sock.emit(event, payload, callback=True)


# --------------------------------------------------------------------------- the world

# One stage per step kind the events need, each parked in that step (the agenda is custom, so
# every kind is open at once): kind -> (stage key, steps, where it is parked).
PARKED: dict[str, tuple[str, list[dict[str, Any]], str]] = {
    "brainstorm": (
        "ideas",
        [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done", "select_count": 0}],
        "brainstorm",
    ),
    "vote": (
        "dots",
        [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done", "select_count": 0}],
        "vote",
    ),
    "allocate": (
        "points",
        [{"kind": "brainstorm"}, {"kind": "allocate"}, {"kind": "done", "select_count": 0}],
        "allocate",
    ),
    "rate": (
        "ratings",
        [{"kind": "brainstorm"}, {"kind": "rate"}, {"kind": "done", "select_count": 0}],
        "rate",
    ),
    "rank": (
        "order",
        [
            {"kind": "brainstorm"},
            {"kind": "vote"},
            {"kind": "rank", "shortlist_size": 3},
            {"kind": "done", "select_count": 0},
        ],
        "rank",
    ),
    "define": (
        "goals",
        [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}, {"kind": "define"}],
        "define",
    ),
    "link": (
        "programs",
        [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}, {"kind": "link"}],
        "link",
    ),
    "categories": (
        "situation",
        # A situation stage's brainstorm files ideas under the SWOT's categories.
        [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}],
        "brainstorm",
    ),
}
IDEAS_PER_STAGE = 4


@dataclass
class World:
    """Workshop A (the target) with a stage parked in every step kind, workshop B (the other
    one), and the credentials of everyone who can speak to A."""

    app: Flask
    client: FlaskClient
    room: Room
    other: Room
    stages: dict[str, int]
    ideas: dict[str, list[int]]
    participant_token: str
    participant_id: int
    removed_token: str
    removed_id: int
    other_token: str
    projector_token: str
    clients: list[SocketIOTestClient] = field(default_factory=list)
    old_key: str = ""
    old_projector_token: str = ""

    @property
    def key(self) -> str:
        return self.room.key

    def connect(self) -> SocketIOTestClient:
        return self.room.connect()

    def facilitator(self, key: str | None = None) -> SocketIOTestClient:
        sock = self.connect()
        ok(sock, "facilitate", {"workshop_id": self.room.id, "key": key or self.key})
        sock.get_received()
        return sock

    def projector(self, token: str | None = None) -> SocketIOTestClient:
        sock = self.connect()
        ok(sock, "present", {"workshop_id": self.room.id, "token": token or self.projector_token})
        sock.get_received()
        return sock

    def participant(self, token: str | None = None) -> SocketIOTestClient:
        sock = self.connect()
        ok(sock, "join", {"code": self.room.code, "token": token or self.participant_token})
        sock.get_received()
        return sock

    def new_participant(self, name: str) -> tuple[SocketIOTestClient, str, int]:
        sock = self.connect()
        joined = ok(sock, "join", {"code": self.room.code, "name": name})
        sock.get_received()
        return sock, str(joined["token"]), int(joined["participant"]["id"])

    def other_participant(self) -> SocketIOTestClient:
        sock = self.other.connect()
        ok(sock, "join", {"code": self.other.code, "token": self.other_token})
        sock.get_received()
        return sock

    def other_facilitator(self) -> SocketIOTestClient:
        return self.other.facilitator()

    def close(self) -> None:
        self.room.close()
        self.other.close()


def _park(sock: SocketIOTestClient, stage_id: int, steps: list[dict[str, Any]], at: str) -> None:
    """Move one stage step by step, from pending to the step of kind `at`."""
    for step in steps:
        ok(sock, "stage:phase", {"stage_id": stage_id, "phase": step["kind"]})
        if step["kind"] == at:
            return


def filed(kind: str) -> dict[str, str]:
    """What an idea of the parked stage of `kind` is filed under (the SWOT stage's need one)."""
    return {"category": "threats"} if kind == "categories" else {}


def build_world(app: Flask, client: FlaskClient) -> World:
    """Workshop A with every step kind open at once and ideas in each, a participant, one who
    will be removed, the projector; workshop B with a participant of its own."""
    room = Room.create(app, client, title="Target Co 2030")
    agenda = [
        {"key": key, "title": key.capitalize(), "prompt": f"{key}?", "steps": steps}
        for key, steps, _at in PARKED.values()
    ]
    response = client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": agenda},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 200, response.get_json()
    by_key = {stage["key"]: int(stage["id"]) for stage in response.get_json()["stages"]}
    stages = {kind: by_key[key] for kind, (key, _steps, _at) in PARKED.items()}
    console = room.facilitator()
    ideas: dict[str, list[int]] = {}
    for kind, stage_id in stages.items():
        ideas[kind] = [
            int(
                ok(
                    console,
                    "idea:submit",
                    {**filed(kind), "stage_id": stage_id, "text": f"{kind} item {n}"},
                )["idea"]["id"]
            )
            for n in range(IDEAS_PER_STAGE)
        ]
    # The goals are decided (every item selected) before the programs link to them.
    for kind in ("brainstorm", "vote", "allocate", "rate", "rank", "define", "link", "categories"):
        _key, steps, at = PARKED[kind]
        _park(console, stages[kind], steps, at)
    ok(console, "stage:phase", {"stage_id": stages["brainstorm"], "phase": "brainstorm"})
    # The ranking's shortlist is whatever rank froze: read it back.
    state = room.facilitator_state()
    for stage in state["stages"]:
        if stage["id"] == stages["rank"]:
            ideas["rank"] = [int(idea_id) for idea_id in stage["shortlist"]]
    participant = room.participant("Pat")
    removed = room.participant("Rem")
    other = Room.started(app, client, title="Other Co 2030")
    stranger = other.participant("Stranger")
    world = World(
        app=app,
        client=client,
        room=room,
        other=other,
        stages=stages,
        ideas=ideas,
        participant_token=participant.token,
        participant_id=participant.id,
        removed_token=removed.token,
        removed_id=removed.id,
        other_token=stranger.token,
        projector_token=str(room.data["projector_token"]),
    )
    return world


def scratch_workshop(world: World, title: str = "Scratch Co") -> Room:
    """A started workshop of its own, for a cell whose allowed outcome would change A for good
    (finishing it)."""
    return Room.started(world.app, world.client, title=title)
