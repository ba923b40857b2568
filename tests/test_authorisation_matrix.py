"""Guarantee 1: authorisation on every event and route, tried as an attacker would.

The cells are generated from what the app registers (every Socket.IO handler, every activity
event, every rule of `app.url_map`), so a new event or route without an expectation here fails
the test. Each cell is one identity sending one event (or one credential calling one route) with
a payload that the right identity gets accepted; a refused cell must answer the documented code
and write nothing (every table is dumped before and after).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlmodel import Session

from tests.attack import (
    ANYONE,
    IDENTIFY,
    SOCKET_ROLES,
    UNTHROTTLED,
    World,
    build_world,
    changed_tables,
    dump,
    emit,
    make_app,
    scratch_workshop,
)
from tests.factories import Room, ok, received
from workshop import create_app
from workshop.extensions import socketio
from workshop.persistence import rows
from workshop.persistence.db import get_db
from workshop.persistence.queries import get_workshop
from workshop.realtime.events import CLIENT_EVENTS
from workshop.services import workshops

# --------------------------------------------------------------------------- who may do what

# Events whose payload names no id of A: the other workshop's facilitator acts on its own
# workshop, and A must not change.
OWN_WORKSHOP_ONLY = {
    "join:lock",
    "join:unlock",
    "workshop:finish",
    "focus:clear",
    "workshop:language",
}

# The identities, in the order each event is tried (the allowed ones last, so what they change
# does not hide a refusal).
IDENTITIES = [
    "none",
    "projector",
    "stale_projector",
    "other_participant",
    "other_facilitator",
    "removed",
    "stale_facilitator",
    "participant",
    "facilitator",
]

NOT_FOUND = "*_not_found"
NOT_REGISTERED_HERE = {"*", "connect", "disconnect"}


@dataclass(frozen=True)
class Expect:
    """`ok`; refused with one of `codes`; or `own`: the sender's own workshop, A unchanged."""

    outcome: str
    codes: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.outcome if not self.codes else f"{self.outcome} {sorted(self.codes)}"


def allowed() -> Expect:
    return Expect("ok")


def refused(*codes: str) -> Expect:
    return Expect("refused", frozenset(codes))


def expected_socket(event: str, who: str) -> Expect:
    """The documented outcome of `event` sent by `who`."""
    roles = SOCKET_ROLES[event]
    if roles == IDENTIFY:
        return _expected_identify(event, who)
    if roles == ANYONE:
        return allowed()
    if who == "none":
        return refused("not_joined")
    if who in ("projector", "stale_projector"):
        return refused("forbidden")
    role = "facilitator" if "facilitator" in who else "participant"
    if role not in roles:
        return refused("forbidden")
    if who in ("participant", "facilitator"):
        return allowed()
    if who == "removed":
        return refused("participant_removed")
    if who == "stale_facilitator":
        return refused("unauthorized")
    if event in OWN_WORKSHOP_ONLY:
        return Expect("own")
    return refused(NOT_FOUND)


def _expected_identify(event: str, who: str) -> Expect:
    if event == "join":
        if who in ("none", "participant"):
            return allowed()
        if who == "removed":
            return refused("participant_removed")
        return refused("invalid_token")
    if who == "none":
        return refused("invalid_payload", "unauthorized")
    if who == "facilitator" or (event == "present" and who == "projector"):
        return allowed()
    return refused("unauthorized")


def registered_events() -> set[str]:
    """Every event the app answers: its Socket.IO handlers and every activity event."""
    return (set(socketio.server.handlers["/"]) | set(CLIENT_EVENTS)) - NOT_REGISTERED_HERE


# --------------------------------------------------------------------------- the socket world


class Sockets:
    """One connection per identity, opened before the removal and the rotations land, so they
    land during the session (as from another server process: the connection stays open)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.socks: dict[str, SocketIOTestClient] = {}
        self.victim_sock: SocketIOTestClient | None = None
        self.victim_id = 0
        self.socks["none"] = world.connect()
        self.socks["participant"] = world.participant()
        self.socks["removed"] = world.participant(world.removed_token)
        self.socks["other_participant"] = world.other_participant()
        self.socks["other_facilitator"] = world.other_facilitator()
        self.socks["stale_projector"] = world.projector()
        self.socks["stale_facilitator"] = world.facilitator()
        world.old_key, world.old_projector_token = world.key, world.projector_token
        new_key, new_token = land_removal_and_rotations(world)
        world.room.data["facilitator_key"] = new_key
        world.projector_token = new_token
        self.socks["projector"] = world.projector()
        self.socks["facilitator"] = world.facilitator()

    def __getitem__(self, who: str) -> SocketIOTestClient:
        return self.socks[who]

    def credential(self, who: str) -> str | None:
        world = self.world
        return {
            "none": None,
            "participant": world.participant_token,
            "removed": world.removed_token,
            "other_participant": world.other_token,
            "other_facilitator": world.other.key,
            "projector": world.projector_token,
            "stale_projector": world.old_projector_token,
            "facilitator": world.key,
            "stale_facilitator": world.old_key,
        }[who]


def land_removal_and_rotations(world: World) -> tuple[str, str]:
    """Remove the participant, rotate the facilitator key and the projector token, through the
    services (as another server process would): returns the new key and token."""
    with world.app.app_context():
        db = get_db()
        workshop = get_workshop(db, world.room.id)
        workshops.remove_participant(db, workshop=workshop, participant_id=world.removed_id)
        workshop = get_workshop(db, world.room.id)
        key = workshops.rotate_key(db, workshop)
        workshop = get_workshop(db, world.room.id)
        token = workshops.rotate_projector_token(db, workshop)
        db.commit()
    return key, token


def socket_payload(world: World, sockets: Sockets, event: str, who: str) -> Any:
    """A payload `event` is accepted with from the identity allowed to send it."""
    ideas, stages = world.ideas, world.stages
    if event == "join":
        token = sockets.credential(who)
        return {"code": world.room.code, **({"token": token} if token else {})}
    if event in ("facilitate", "present"):
        secret = sockets.credential(who)
        name = "key" if event == "facilitate" or "facilitator" in who else "token"
        return {"workshop_id": world.room.id, **({name: secret} if secret else {})}
    # The participant's own ideas for their edit and delete; the console's payloads for every
    # identity that speaks for a console.
    phone = "facilitator" not in who
    # `prepare` makes these ideas when their event comes up; other events' payloads are built
    # before that, and never use them.
    own, to_delete = ideas.get("own", [0, 0]), ideas.get("delete", [0])
    payloads: dict[str, Any] = {
        "idea:submit": {"stage_id": stages["brainstorm"], "text": "A matrix idea"},
        "idea:hide": {"idea_id": ideas["brainstorm"][0], "hidden": False},
        "idea:merge": {"idea_ids": [ideas["brainstorm"][2]], "into": ideas["brainstorm"][1]},
        "idea:unmerge": {"idea_id": ideas["brainstorm"][1]},
        "group:set": {
            "stage_id": stages["brainstorm"],
            "groups": [{"title": "A theme", "idea_ids": [ideas["brainstorm"][0]]}],
        },
        "votes:set": {"stage_id": stages["vote"], "votes": {str(ideas["vote"][0]): 1}},
        "results:reveal": {"stage_id": stages["vote"]},
        "round:start": {"stage_id": stages["vote"]},
        "allocation:set": {
            "stage_id": stages["allocate"],
            "points": {str(ideas["allocate"][0]): 10},
        },
        "rating:set": {
            "stage_id": stages["rate"],
            "ratings": {str(ideas["rate"][0]): {"impact": 4, "effort": 2}},
        },
        "ranking:set": {"stage_id": stages["rank"], "order": [ideas["rank"][0]]},
        "link:set": {
            "stage_id": stages["link"],
            "links": {str(ideas["link"][0]): [ideas["define"][0]]},
        },
        "link:confirm": {"idea_id": ideas["link"][0], "parent_ids": [ideas["define"][0]]},
        "item:update": {"idea_id": ideas["define"][0], "fields": {"text": "Corrected wording"}},
        "suggestion:submit": {"idea_id": ideas["define"][0], "field": "text", "text": "Shorter"},
        "idea:edit": {
            "idea_id": own[0] if phone else ideas["brainstorm"][0],
            "text": "A better wording",
        },
        "idea:delete": {"idea_id": own[1] if phone else to_delete[0]},
        "idea:update": {"idea_id": ideas["categories"][0], "category": "weaknesses"},
        "duplicate:dismiss": {
            "stage_id": stages["brainstorm"],
            "idea_ids": [ideas["brainstorm"][0], ideas["brainstorm"][3]],
        },
        "timer:set": {"stage_id": stages["brainstorm"], "seconds": 60},
        "timer:add": {"stage_id": stages["brainstorm"], "seconds": 60},
        "timer:pause": {"stage_id": stages["brainstorm"]},
        "timer:resume": {"stage_id": stages["brainstorm"]},
        "timer:clear": {"stage_id": stages["brainstorm"]},
        "focus:set": {"idea_id": ideas["vote"][0]},
        "focus:clear": {},
        "stage:phase": {"stage_id": stages["brainstorm"], "phase": "brainstorm"},
        "join:lock": {},
        "join:unlock": {},
        "language": {"language": "fr"},
        "workshop:language": {"language": "de"},
        "participant:remove": {"participant_id": sockets.victim_id},
        "workshop:finish": {},
    }
    return payloads[event]


def prepare(world: World, sockets: Sockets, event: str) -> None:
    """Bring A to where the allowed identity's payload is accepted."""
    console = sockets["facilitator"]
    if event == "round:start":
        ok(console, "results:reveal", {"stage_id": world.stages["vote"]})
    elif event == "idea:unmerge":
        merged = emit(
            console,
            "idea:merge",
            {"idea_ids": [world.ideas["brainstorm"][3]], "into": world.ideas["brainstorm"][1]},
        )
        assert merged["ok"] or merged["error"]["code"] == "invalid_merge", merged
    elif event == "participant:remove":
        sockets.victim_sock, _token, sockets.victim_id = world.new_participant("Victim")
    elif event == "idea:edit":
        # Two ideas of the participant's own: one to edit, one to delete.
        stage = world.stages["brainstorm"]
        world.ideas["own"] = [
            int(
                ok(sockets["participant"], "idea:submit", {"stage_id": stage, "text": text})[
                    "idea"
                ]["id"]
            )
            for text in ("My own idea", "My idea to withdraw")
        ]
    elif event == "idea:delete":
        stage = world.stages["brainstorm"]
        added = ok(console, "idea:submit", {"stage_id": stage, "text": "An item to delete"})
        world.ideas["delete"] = [int(added["idea"]["id"])]
    elif event in ("timer:add", "timer:pause", "timer:resume"):
        ok(console, "timer:set", {"stage_id": world.stages["brainstorm"], "seconds": 300})


def after_allowed(world: World, sockets: Sockets, event: str, who: str) -> list[str]:
    """What an accepted cell must also have done, and undoing what would block later cells."""
    problems: list[str] = []
    if event == "join:lock":
        ok(sockets[who], "join:unlock", {})
    if event == "participant:remove" and who == "facilitator":
        victim = sockets.victim_sock
        assert victim is not None
        if not received_before_close(victim, "participant:removed"):
            problems.append(
                "participant:remove: the removed participant was not sent participant:removed"
            )
        if victim.is_connected():
            problems.append("participant:remove: the removed participant's connection stayed open")
    return problems


def received_before_close(sock: SocketIOTestClient, name: str) -> bool:
    return any(message["name"] == name for message in sock.queue)


def workshop_row(world: World) -> list[str]:
    return [row for row in dump(world.app)["workshop"] if world.room.id in row]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app = make_app(tmp_path / "matrix.sqlite3")
    built = build_world(app, app.test_client())
    yield built
    built.close()
    app.extensions["workshop_db"].dispose()


def test_every_event_has_an_expectation(tmp_path: Path) -> None:
    """A handler registered without a row in SOCKET_ROLES fails here (and the other way)."""
    app = make_app(tmp_path / "events.sqlite3")
    registered = registered_events()
    app.extensions["workshop_db"].dispose()
    assert registered - SOCKET_ROLES.keys() == set(), "events without an expectation"
    assert SOCKET_ROLES.keys() - registered == set(), "expectations for events nobody answers"


# --------------------------------------------------------------------------- sockets


def run_socket_cell(world: World, sockets: Sockets, event: str, who: str) -> list[str]:
    """Send one event as one identity; the problems found (none when the cell holds)."""
    expect = expected_socket(event, who)
    fresh = SOCKET_ROLES[event] == IDENTIFY
    sock = world.connect() if fresh else sockets[who]
    payload = socket_payload(world, sockets, event, who)
    before = dump(world.app)
    row_before = workshop_row(world)
    if not sock.is_connected():
        answer: Any = "disconnected"
    else:
        answer = emit(sock, event, payload)
    cell = f"{event} as {who} ({payload}): expected {expect}, got {answer}"
    if answer == "disconnected" and SOCKET_ROLES[event] == ANYONE:
        # Anyone may send it, but the server already closed a removed or revoked connection.
        return [] if who in ("removed", "stale_facilitator", "stale_projector") else [cell]
    if expect.outcome == "ok":
        if not (isinstance(answer, dict) and answer.get("ok") is True):
            return [cell]
        return after_allowed(world, sockets, event, who)
    if expect.outcome == "own":
        if not (isinstance(answer, dict) and answer.get("ok") is True):
            return [cell]
        problems = [] if workshop_row(world) == row_before else [f"{cell}: changed workshop A"]
        if event == "join:lock":
            ok(sock, "join:unlock", {})
        return problems
    problems = []
    if answer == "disconnected":
        # A removed participant's (or revoked console's) connection closed by the server.
        if who not in ("removed", "stale_facilitator", "stale_projector"):
            problems.append(cell)
    elif not _refused_as(answer, expect):
        problems.append(cell)
    wrote = changed_tables(before, dump(world.app))
    if wrote:
        problems.append(f"{event} as {who}: refused, yet wrote to {wrote}")
    return problems


def _refused_as(answer: Any, expect: Expect) -> bool:
    if not (isinstance(answer, dict) and answer.get("ok") is False):
        return False
    code = answer.get("error", {}).get("code", "")
    if NOT_FOUND in expect.codes:
        return bool(code.endswith("_not_found"))
    return code in expect.codes


def test_socket_matrix(world: World, figure: Callable[[str, str], None]) -> None:
    """Every registered event by nine identities: no identity, the projector (and one whose token
    was rotated), a participant and the facilitator of another workshop, a removed participant,
    a console whose key was rotated, a participant and the facilitator."""
    sockets = Sockets(world)
    events = [event for event in SOCKET_ROLES if event in registered_events()]
    problems: list[str] = []
    cells = refusals = 0
    for event in events:
        prepare(world, sockets, event)
        for who in IDENTITIES:
            problems += run_socket_cell(world, sockets, event, who)
            cells += 1
            refusals += expected_socket(event, who).outcome == "refused"
    figure(
        "authorisation matrix (Socket.IO)",
        f"{cells} cells ({len(events)} events x {len(IDENTITIES)} identities): "
        f"{refusals} refused with nothing written, {cells - refusals} allowed",
    )
    assert problems == [], "\n".join(problems)


def test_a_removal_lands_during_the_session(world: World) -> None:
    """`participant:remove` from the console: the participant's open connection is told and
    closed, and their token answers participant_removed from then on."""
    console = world.facilitator()
    sock, token, victim = world.new_participant("Leaving")
    ok(console, "participant:remove", {"participant_id": victim})
    assert any(message["name"] == "participant:removed" for message in sock.queue)
    assert not sock.is_connected()
    again = world.connect()
    answer = emit(again, "join", {"code": world.room.code, "token": token})
    assert answer["ok"] is False and answer["error"]["code"] == "participant_removed", answer
    assert received(console, "state"), "the console was not sent the new state"


def test_joining_while_locked_or_full(world: World) -> None:
    """A locked room: a new `join` is join_locked, a participant resumes with their token, a
    removed one stays removed; a full room: a new `join` is workshop_full. Nothing is written by
    a refused join."""
    console = world.facilitator()
    ok(console, "participant:remove", {"participant_id": world.removed_id})
    ok(console, "join:lock", {})
    before = dump(world.app)
    new = emit(world.connect(), "join", {"code": world.room.code, "name": "Late"})
    assert new["ok"] is False and new["error"]["code"] == "join_locked", new
    removed = emit(world.connect(), "join", {"code": world.room.code, "token": world.removed_token})
    assert removed["ok"] is False and removed["error"]["code"] == "participant_removed", removed
    assert changed_tables(before, dump(world.app)) == []
    ok(world.connect(), "join", {"code": world.room.code, "token": world.participant_token})
    ok(console, "join:unlock", {})
    ok(world.connect(), "join", {"code": world.room.code, "name": "Now in"})

    full = Room.create(world.app, world.client, title="Small Co", max_participants=1)
    first = ok(full.connect(), "join", {"code": full.code})
    before = dump(world.app)
    second = emit(full.connect(), "join", {"code": full.code})
    assert second["ok"] is False and second["error"]["code"] == "workshop_full", second
    assert changed_tables(before, dump(world.app)) == []
    ok(full.connect(), "join", {"code": full.code, "token": first["token"]})
    full.close()


def test_a_rotated_key_is_refused_on_the_next_event(world: World) -> None:
    """`POST /api/workshops/<id>/key`: the open console is told and closed; the old key fails
    on every socket and route from then on, the new one works."""
    console = world.facilitator()
    old = world.key
    response = world.client.post(
        f"/api/workshops/{world.room.id}/key", headers={"Authorization": f"Bearer {old}"}
    )
    assert response.status_code == 200, response.get_json()
    new = response.get_json()["key"]
    assert any(message["name"] == "access:revoked" for message in console.queue)
    assert not console.is_connected()
    sock = world.connect()
    answer = emit(sock, "facilitate", {"workshop_id": world.room.id, "key": old})
    assert answer["ok"] is False and answer["error"]["code"] == "unauthorized", answer
    assert (
        world.client.get(
            f"/api/workshops/{world.room.id}", headers={"Authorization": f"Bearer {old}"}
        ).status_code
        == 401
    )
    ok(sock, "facilitate", {"workshop_id": world.room.id, "key": new})


# --------------------------------------------------------------------------- HTTP

CREDENTIALS = [
    "none",
    "other_key",
    "other_participant",
    "participant",
    "removed",
    "projector",
    "stale_key",
    "facilitator",
]
REFUSED_STATUS = frozenset({401})
REMOVED_STATUS = frozenset({401, 403})


@dataclass(frozen=True)
class Route:
    """What each credential gets from one route: a status, or a set of refusals."""

    statuses: dict[str, frozenset[int]]

    def expect(self, credential: str) -> frozenset[int]:
        return self.statuses[credential]


def _route(
    fac: int,
    *,
    participant: int | None = None,
    projector: int | None = None,
    other: frozenset[int] = REFUSED_STATUS,
) -> Route:
    statuses = {name: REFUSED_STATUS for name in CREDENTIALS}
    statuses["removed"] = REMOVED_STATUS
    statuses["other_key"] = other
    statuses["facilitator"] = frozenset({fac})
    if participant is not None:
        statuses["participant"] = frozenset({participant})
    if projector is not None:
        statuses["projector"] = frozenset({projector})
    return Route(statuses)


def public(status: int) -> Route:
    """Anyone: the credential makes no difference."""
    return Route({name: frozenset({status}) for name in CREDENTIALS})


def facilitator_only(status: int) -> Route:
    return _route(status)


def readers(fac: int, participant: int) -> Route:
    """The facilitator key or a participant token of that workshop (the plan)."""
    return _route(fac, participant=participant)


PLAN_FORMATS = [
    "plan.md",
    "plan.html",
    "plan.pdf",
    "plan.docx",
    "plan.json",
    "ideas.csv",
    "register.csv",
    "roadmap.ics",
]

# The admin's routes (workshop/web/admin.py), with what the logged-in admin gets when
# ADMIN_PASSWORD is set.
ADMIN_ROUTES: dict[tuple[str, str], int] = {
    ("GET", "/admin"): 200,
    ("POST", "/admin/login"): 303,
    ("POST", "/admin/logout"): 303,
    ("POST", "/admin/workshops/<workshop_id>/console"): 303,
    ("GET", "/admin/workshops/<workshop_id>/export.json"): 200,
    ("GET", "/admin/workshops/<workshop_id>/delete"): 200,
    ("POST", "/admin/import"): 303,
    ("POST", "/admin/workshops/<workshop_id>/delete"): 303,
}

# Every route and method with what each credential gets on workshop A while it runs (not
# finished): the facilitator gets drafts, a participant `not_finished`.
HTTP_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/"): public(200),
    ("GET", "/join"): public(302),
    ("GET", "/j/<code>"): public(200),
    ("GET", "/j/<code>/qr.svg"): public(200),
    ("GET", "/w/<workshop_id>/facilitate"): public(200),
    ("GET", "/w/<workshop_id>/present"): public(200),
    ("GET", "/w/<workshop_id>/review"): public(200),
    ("GET", "/healthz"): public(200),
    ("GET", "/static/<path:filename>"): public(200),
    ("GET", "/api/plan.schema.json"): public(200),
    ("GET", "/api/openapi.json"): public(200),
    ("GET", "/api/templates"): public(200),
    ("GET", "/api/languages"): public(200),
    ("GET", "/api/templates/<template_id>"): public(200),
    ("GET", "/s/<secret>"): public(200),
    ("GET", "/s/<secret>/<filename>"): public(200),
    ("POST", "/api/workshops"): public(201),
    ("GET", "/api/workshops/<workshop_id>"): facilitator_only(200),
    ("GET", "/api/workshops/<workshop_id>/room"): _route(200, projector=200),
    ("POST", "/api/templates"): facilitator_only(201),
    ("DELETE", "/api/templates/<template_id>"): _route(204, other=frozenset({401, 403, 404})),
    ("GET", "/api/workshops/<workshop_id>/templates"): facilitator_only(200),
    ("GET", "/api/workshops/<workshop_id>/agenda"): facilitator_only(200),
    ("PUT", "/api/workshops/<workshop_id>/agenda"): facilitator_only(200),
    **{("GET", f"/api/workshops/<workshop_id>/{name}"): readers(200, 409) for name in PLAN_FORMATS},
    ("GET", "/api/workshops/<workshop_id>/plan/versions"): readers(200, 200),
    ("POST", "/api/workshops/<workshop_id>/plan/versions"): facilitator_only(409),
    ("POST", "/api/workshops/<workshop_id>/shares"): facilitator_only(409),
    ("GET", "/api/workshops/<workshop_id>/shares"): facilitator_only(200),
    ("DELETE", "/api/workshops/<workshop_id>/shares/<share_id>"): facilitator_only(404),
    ("POST", "/api/workshops/<workshop_id>/key"): facilitator_only(200),
    ("POST", "/api/workshops/<workshop_id>/projector-token"): facilitator_only(200),
    # Issue 20. The allowed DELETE runs last of all cells (`LAST`): it takes A with it.
    ("GET", "/api/workshops/<workshop_id>/summary"): facilitator_only(200),
    ("POST", "/api/workshops/<workshop_id>/duplicate"): facilitator_only(201),
    ("DELETE", "/api/workshops/<workshop_id>"): facilitator_only(204),
    # The admin of the whole server: without ADMIN_PASSWORD (as here) every /admin URL is a
    # 404 for everyone; with it, see test_admin_routes_open_only_with_the_admin_cookie.
    **{route: public(404) for route in ADMIN_ROUTES},
}
LAST = ("DELETE", "/api/workshops/<workshop_id>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def registered_routes(app: Flask) -> set[tuple[str, str]]:
    return set(route_registrations(app))


def route_registrations(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every rule, once per registration (a rule registered twice is served by
    whichever came first, so the second one's checks never run)."""
    return [
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IGNORED_METHODS
    ]


def test_every_route_has_an_expectation(tmp_path: Path) -> None:
    app = make_app(tmp_path / "routes.sqlite3")
    registrations = route_registrations(app)
    registered = set(registrations)
    app.extensions["workshop_db"].dispose()
    twice = sorted({route for route in registrations if registrations.count(route) > 1})
    assert twice == [], "routes registered twice"
    assert registered - HTTP_ROUTES.keys() == set(), "routes without an expectation"
    assert HTTP_ROUTES.keys() - registered == set(), "expectations for routes nobody serves"


class Http:
    """The credentials and path values of the HTTP matrix, on workshop A."""

    def __init__(self, world: World) -> None:
        self.world = world
        finished = scratch_workshop(world, "Shared Co")
        console = finished.facilitator()
        ok(console, "workshop:finish", {})
        response = world.client.post(
            f"/api/workshops/{finished.id}/shares",
            headers={"Authorization": f"Bearer {finished.key}"},
        )
        assert response.status_code == 201, response.get_json()
        self.share_secret = str(response.get_json()["url"]).rstrip("/").rsplit("/", 1)[1]
        self.template_id = ""
        world.old_key, world.old_projector_token = world.key, world.projector_token
        new_key, new_token = land_removal_and_rotations(world)
        world.room.data["facilitator_key"] = new_key
        world.projector_token = new_token

    def secret(self, credential: str) -> str | None:
        world = self.world
        return {
            "none": None,
            "other_key": world.other.key,
            "other_participant": world.other_token,
            "participant": world.participant_token,
            "removed": world.removed_token,
            "projector": world.projector_token,
            "stale_key": world.old_key,
            "facilitator": world.key,
        }[credential]

    def template(self) -> str:
        """A template A saved (saved again once the allowed DELETE took it)."""
        if (
            not self.template_id
            or self.world.client.get(f"/api/templates/{self.template_id}").status_code != 200
        ):
            response = self.world.client.post(
                "/api/templates",
                json={"workshop_id": self.world.room.id},
                headers={"Authorization": f"Bearer {self.world.key}"},
            )
            assert response.status_code == 201, response.get_json()
            self.template_id = str(response.get_json()["id"])
        return self.template_id

    def path(self, rule: str) -> str:
        values: dict[str, Callable[[], str]] = {
            "workshop_id": lambda: self.world.room.id,
            "code": lambda: self.world.room.code,
            "share_id": lambda: "0123456789ab",
            "secret": lambda: self.share_secret,
            "filename": lambda: "plan.md",
            "path:filename": lambda: "css/app.css",
            "template_id": self.template,
        }

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in values, f"no value for <{name}> in {rule}"
            return values[name]()

        path = re.sub(r"<([^>]+)>", fill, rule)
        return path + ("?code=" + self.world.room.code if rule == "/join" else "")

    def body(self, method: str, rule: str) -> Any:
        if (method, rule) == ("POST", "/api/workshops"):
            return {"title": "Matrix Co"}
        if (method, rule) == ("POST", "/api/templates"):
            return {"workshop_id": self.world.room.id}
        if (method, rule) == ("PUT", "/api/workshops/<workshop_id>/agenda"):
            agenda = self.world.client.get(
                f"/api/workshops/{self.world.room.id}/agenda",
                headers={"Authorization": f"Bearer {self.world.key}"},
            ).get_json()
            return {"stages": agenda["stages"]}
        if method == "POST" and rule.endswith("/plan/versions"):
            return {"based_on": 1, "items": []}
        return {} if method in ("POST", "PUT") else None


def run_http_cell(http: Http, method: str, rule: str, credential: str) -> list[str]:
    world = http.world
    expect = HTTP_ROUTES[(method, rule)].expect(credential)
    path = http.path(rule)
    body = http.body(method, rule)
    secret = http.secret(credential)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    before = dump(world.app)
    response = world.client.open(path, method=method, json=body, headers=headers)
    cell = (
        f"{method} {path} with {credential}: expected {sorted(expect)}, got {response.status_code}"
    )
    problems: list[str] = []
    if response.status_code not in expect:
        problems.append(f"{cell} {response.get_data(as_text=True)[:200]}")
    if response.status_code >= 400:
        wrote = changed_tables(before, dump(world.app))
        if wrote:
            problems.append(f"{cell}: refused, yet wrote to {wrote}")
        if response.status_code in (401, 403) and path.startswith("/api/"):
            code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
            if code not in ("unauthorized", "participant_removed", "forbidden"):
                problems.append(f"{cell}: error code {code!r}")
    if (method, rule) == LAST and response.status_code == 204:
        left = rows_left(world.app, world.room.id)
        if left:
            problems.append(f"{cell}: rows of the deleted workshop left in {left}")
    if response.status_code < 300 and credential == "facilitator":
        data = response.get_json(silent=True) or {}
        if rule.endswith("/key"):
            world.room.data["facilitator_key"] = data["key"]
        if rule.endswith("/projector-token"):
            world.projector_token = data["projector_token"]
    return problems


def test_http_matrix(world: World, figure: Callable[[str, str], None]) -> None:
    """Every route by seven credentials: none, another workshop's key, a participant token, a
    removed participant's token, the projector token, a rotated (old) key, the facilitator key."""
    http = Http(world)
    routes = sorted(
        registered_routes(world.app) & HTTP_ROUTES.keys(),
        key=lambda item: (item == LAST, item[1], item[0]),
    )
    problems: list[str] = []
    cells = refusals = 0
    for method, rule in routes:
        for credential in CREDENTIALS:
            problems += run_http_cell(http, method, rule, credential)
            cells += 1
            refusals += min(HTTP_ROUTES[(method, rule)].expect(credential)) >= 400
    figure(
        "authorisation matrix (HTTP)",
        f"{cells} cells ({len(routes)} routes x {len(CREDENTIALS)} credentials): "
        f"{refusals} refused with nothing written, {cells - refusals} allowed",
    )
    assert problems == [], "\n".join(problems)


def rows_left(app: Flask, workshop_id: str) -> dict[str, int]:
    """The tables still holding rows of a workshop (every table that can hold one)."""
    with Session(app.extensions["workshop_db"]) as db:
        return {name: n for name, n in rows.count_rows(db, workshop_id).items() if n}


# --------------------------------------------------------------------------- the admin

ADMIN_PASSWORD = "a matrix of many words"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_DELETE = ("POST", "/admin/workshops/<workshop_id>/delete")


def admin_app(database: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "attack-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            **UNTHROTTLED,
        }
    )


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the forms `GET /admin` shows this client now."""
    found = CSRF.search(client.get("/admin").get_data(as_text=True))
    assert found, "no csrf_token on /admin"
    return found[1]


class AdminCalls:
    """One admin route called on the target workshop, as a form (with a file for the import)."""

    def __init__(self, target: Room) -> None:
        self.target = target
        self.export = b"{}"

    def __call__(
        self, who: FlaskClient, method: str, rule: str, form: dict[str, Any], bearer: str | None
    ) -> Any:
        path = rule.replace("<workshop_id>", self.target.id)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if method == "GET":
            return who.get(path, headers=headers)
        if rule == "/admin/import":
            form = {**form, "file": (io.BytesIO(self.export), "export.json")}
        return who.post(path, data=form, headers=headers)


def test_admin_routes_open_only_with_the_admin_cookie(tmp_path: Path) -> None:
    """With ADMIN_PASSWORD set, every /admin route: a facilitator key, a participant token, a
    projector token or nothing at all opens nothing (the login form, 400 without the form's
    token, 401 otherwise) and writes nothing; a logged-in admin's form without its CSRF token
    is 400 and writes nothing; the logged-in admin with it gets each route's answer."""
    app = admin_app(tmp_path / "admin.sqlite3")
    client = app.test_client()
    target = Room.started(app, client, title="Admin Target Co")
    phone = target.participant("Ada")
    secrets = {
        "none": None,
        "facilitator key": target.key,
        "participant token": phone.token,
        "projector token": target.projector_token,
    }
    call = AdminCalls(target)
    assert set(ADMIN_ROUTES) <= registered_routes(app)
    routes = sorted(ADMIN_ROUTES, key=lambda route: (route == ADMIN_DELETE, route[1], route[0]))
    problems: list[str] = []
    # Logged out, whatever Bearer secret is sent.
    for method, rule in routes:
        for name, bearer in secrets.items():
            before = dump(app)
            form = {"password": ADMIN_PASSWORD} if rule == "/admin/login" else {}
            response = call(app.test_client(), method, rule, form, bearer)
            expected = {"/admin": 200, "/admin/login": 400}.get(rule, 401)
            cell = f"{method} {rule} with {name}, logged out"
            if response.status_code != expected:
                problems.append(f"{cell}: {response.status_code}, expected {expected}")
            if "Admin Target Co" in response.get_data(as_text=True):
                problems.append(f"{cell}: shows the workshop")
            if changed_tables(before, dump(app)):
                problems.append(f"{cell}: wrote to the database")
    # Logged in, a form without its CSRF token.
    admin = app.test_client()
    login = admin.post(
        "/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": csrf_token(admin)}
    )
    assert login.status_code == 303, login.get_data(as_text=True)[:300]
    exported = admin.get(f"/admin/workshops/{target.id}/export.json")
    assert exported.status_code == 200
    call.export = exported.get_data()
    for method, rule in routes:
        if method != "POST" or rule == "/admin/login":
            continue
        before = dump(app)
        response = call(admin, method, rule, {"csrf_token": "forged"}, None)
        if response.status_code != 400 or changed_tables(before, dump(app)):
            problems.append(f"{method} {rule} with a forged CSRF token: {response.status_code}")
    # Logged in with the token: each route's answer; the delete last (it takes the workshop).
    for method, rule in routes:
        if rule in ("/admin/login", "/admin/logout"):
            continue
        response = call(admin, method, rule, {"csrf_token": csrf_token(admin)}, None)
        if response.status_code != ADMIN_ROUTES[(method, rule)]:
            problems.append(
                f"{method} {rule} as the admin: {response.status_code}, expected "
                f"{ADMIN_ROUTES[(method, rule)]}: {response.get_data(as_text=True)[:200]}"
            )
    assert rows_left(app, target.id) == {}, "the admin's delete left rows of the workshop"
    out = admin.post("/admin/logout", data={"csrf_token": csrf_token(admin)})
    assert out.status_code == ADMIN_ROUTES[("POST", "/admin/logout")]
    assert admin.get(f"/admin/workshops/{target.id}/delete").status_code == 401
    target.close()
    app.extensions["workshop_db"].dispose()
    assert problems == [], "\n".join(problems)
