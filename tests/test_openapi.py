"""The HTTP API against its own description (guarantee 5): schemathesis generates requests for
every operation of `GET /api/openapi.json`, valid and invalid ones, with and without the real
secrets of real workshops, and every answer must be documented: no 5xx, the status, content
type, headers and body as the document says, invalid input refused, and nothing written to
the database by a refused request. The figure is the number of requests made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from sqlalchemy import event

from tests.factories import Room, ok
from workshop import create_app
from workshop.plan import RENDERERS

EXAMPLES = 50
"""Generated cases per operation (half valid, half invalid): about 1,100 requests in all."""
MIN_REQUESTS = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FILES = {renderer.filename for renderer in RENDERERS.values()}
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class Writes:
    """Rows the database committed: statements that changed rows, counted at their commit."""

    def __init__(self) -> None:
        self.pending = 0
        self.committed = 0

    def executed(self, conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if WRITE.match(statement) and (cursor.rowcount or 0) > 0:
            self.pending += 1

    def commit(self, _conn: Any) -> None:
        self.committed += self.pending
        self.pending = 0

    def rollback(self, _conn: Any) -> None:
        self.pending = 0


class World:
    """Real workshops and their secrets, for cases that should get past authentication."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client
        self.keys: dict[str, str] = {}
        self.projector_tokens: dict[str, str] = {}
        self.running = self.start_running()
        self.finished = self.start_finished()
        self.template_id = ""
        self.save_template()

    @property
    def rooms(self) -> list[Room]:
        return [self.running, self.finished]

    def know(self, room: Room) -> Room:
        self.keys[room.id] = room.key
        self.projector_tokens[room.id] = room.projector_token
        return room

    def start_running(self) -> Room:
        return self.know(Room.started(self.app, self.client, title="Running 2030"))

    def start_finished(self) -> Room:
        """A finished workshop with a phone's idea, a plan and a share link."""
        finished = self.know(Room.started(self.app, self.client, title="Finished 2030"))
        phone = finished.participant("Ada")
        fac = finished.facilitator()
        stage = finished.facilitator_state()["stages"][0]["id"]
        ok(phone.sock, "idea:submit", {"stage_id": stage, "text": "Clean harbour"})
        ok(fac, "workshop:finish")
        self.phone_token = phone.token
        share = self.client.post(
            f"/api/workshops/{finished.id}/shares", headers=self.bearer(finished)
        )
        self.share_id = share.get_json()["id"]
        return finished

    def bearer(self, room: Room) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[room.id]}"}

    def save_template(self) -> None:
        response = self.client.post(
            "/api/templates",
            json={"workshop_id": self.running.id},
            headers=self.bearer(self.running),
        )
        if response.status_code == 201:
            self.template_id = response.get_json()["id"]

    def secrets_of(self, workshop_id: str) -> list[str]:
        return [
            self.keys.get(workshop_id, ""),
            self.projector_tokens.get(workshop_id, ""),
            self.phone_token,
        ]

    def learn(self, path: str, workshop_id: str | None, status: int, body: Any) -> None:
        """Keep up with what a case changed: a rotated key or token, a deleted template."""
        if status == 200 and workshop_id in self.keys and isinstance(body, dict):
            if path.endswith("/key"):
                self.keys[workshop_id] = body["key"]
            elif path.endswith("/projector-token"):
                self.projector_tokens[workshop_id] = body["projector_token"]
        if status == 204 and path == "/api/templates/{template_id}":
            self.save_template()
        if status == 204 and path == "/api/workshops/{workshop_id}":
            # A case deleted one of the workshops: the next cases get a new one like it.
            if workshop_id == self.running.id:
                self.running.close()
                self.running = self.start_running()
                self.save_template()  # its templates went with it
            elif workshop_id == self.finished.id:
                self.finished.close()
                self.finished = self.start_finished()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'test.sqlite3'}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
            # Let valid creations through: the throttle is tested in test_http_limits.py.
            "CREATE_RATE": 1000.0,
            "CREATE_BURST": 1000.0,
        }
    )
    yield app
    app.extensions["workshop_db"].dispose()


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    client = app.test_client()
    world = World(app, client)
    yield world
    for room in world.rooms:
        room.close()


@pytest.fixture(scope="module")
def writes(app: Flask) -> Iterator[Writes]:
    engine = app.extensions["workshop_db"]
    counter = Writes()
    event.listen(engine, "after_cursor_execute", counter.executed)
    event.listen(engine, "commit", counter.commit)
    event.listen(engine, "rollback", counter.rollback)
    yield counter
    event.remove(engine, "after_cursor_execute", counter.executed)
    event.remove(engine, "commit", counter.commit)
    event.remove(engine, "rollback", counter.rollback)


@pytest.fixture(scope="module")
def api(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


REQUESTS: list[int] = []


def _operations() -> list[str]:
    """Every operation of the document, as "METHOD path" (the ids of the test below)."""
    from workshop.web.openapi import document

    return [
        f"{method.upper()} {path}"
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete"}
    ]


def _fill(case: Any, world: World, choice: int) -> str | None:
    """Point a case at a real workshop, template or link and its real secret (per `choice`):
    without this almost every case would stop at 404 or 401."""
    params = case.path_parameters if case.path_parameters is not None else {}
    # A plan file of the running workshop is a draft, rendered on every request (a PDF takes
    # a while): files come from the finished one, rendered once and then stored.
    is_file = case.operation.path.rsplit("/", 1)[-1] in FILES
    room = world.finished if is_file else world.rooms[choice % 2]
    workshop_id = None
    if "workshop_id" in params:
        params["workshop_id"] = room.id
        workshop_id = room.id
    if "template_id" in params:
        params["template_id"] = world.template_id if choice % 3 else "strategic-plan"
    if "share_id" in params:
        params["share_id"] = world.share_id
    secret = world.secrets_of(room.id)[(choice // 2) % 3]
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {secret}"
    case.headers = headers
    if case.body is not None and isinstance(case.body, dict) and "workshop_id" in case.body:
        case.body = {**case.body, "workshop_id": room.id}
    return workshop_id


@pytest.mark.parametrize("operation", _operations())
def test_every_operation_answers_as_documented(
    api: Any, world: World, writes: Writes, operation: str
) -> None:
    method, path = operation.split(" ", 1)
    found = api[path][method]

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
        case = data.draw(found.as_strategy(generation_mode=mode))
        choice = data.draw(st.integers(0, 11))
        workshop_id = _fill(case, world, choice) if choice < 9 else None
        before = writes.committed
        response = case.call()
        REQUESTS.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            assert writes.committed == before, (
                f"{operation} answered {response.status_code} but wrote to the database"
            )
        try:
            body = response.json()
        except Exception:
            body = None
        world.learn(path, workshop_id, response.status_code, body)

    run()


def test_the_fuzzing_made_enough_requests(
    writes: Writes, figure: Callable[[str, str], None]
) -> None:
    """Runs after the operations (file order): the total is the guarantee's figure."""
    # The write counter works: the accepted requests (workshops, templates, versions) wrote.
    assert writes.committed > 0
    total = len(REQUESTS)
    refused = sum(1 for status in REQUESTS if status >= 400)
    figure(
        "HTTP API fuzzing (schemathesis)",
        f"{total} requests over {len(_operations())} operations: 0 server errors, "
        f"{refused} refused with a documented 4xx and nothing written",
    )
    assert total >= MIN_REQUESTS, total
    assert not [status for status in REQUESTS if status >= 500]


def test_every_api_route_is_in_the_document(app: Flask) -> None:
    from workshop.web.openapi import document

    described = {
        (method.upper(), re.sub(r"\{[^}]*\}", "<>", path))
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, re.sub(r"<[^>]*>", "<>", rule.rule)) not in described:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from /api/openapi.json: {missing}"


def test_the_document_is_served_and_valid_openapi_3_1(app: Flask) -> None:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    # schemathesis parses it; every operation resolves.
    schema = schemathesis.openapi.from_dict(doc)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results)
    assert len(results) == len(_operations())
