"""HTTP limits (guarantee 3): bodies over MAX_CONTENT_LENGTH answer 413 `payload_too_large`
(announced or chunked, on the real eventlet server too), `POST /api/workshops` is throttled per
address (429 `rate_limited` with `Retry-After`, nothing written), ProxyFix counts the client's
address only behind FORWARDED_HOPS proxies, and no error answer carries a traceback."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import apps
from tests.server import LiveServer

LIMIT = 262144


def make_app(tmp_path: Path, **config: Any) -> Flask:
    return apps.make_app(tmp_path / "limits.sqlite3", **config)


def workshop_count(app: Flask) -> int:
    engine = app.extensions["workshop_db"]
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM workshop").scalar_one())


def padded_body(size: int) -> bytes:
    """A valid create body of exactly `size` bytes (whitespace pads it)."""
    body = json.dumps({"title": "Acme 2030"}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


# --------------------------------------------------------------------------- bodies


def test_the_defaults_are_the_contracts(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT
    assert app.config["MAX_MESSAGE_BYTES"] == 65536
    assert (app.config["CREATE_RATE"], app.config["CREATE_BURST"]) == (0.2, 10.0)


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_413(
    app: Flask, client: FlaskClient
) -> None:
    fits = client.post("/api/workshops", data=padded_body(LIMIT), content_type="application/json")
    assert fits.status_code == 201, fits.get_json()
    over = client.post(
        "/api/workshops", data=padded_body(LIMIT + 1), content_type="application/json"
    )
    assert over.status_code == 413
    assert over.get_json()["error"]["code"] == "payload_too_large"
    assert workshop_count(app) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/workshops/0123456789abcdef/agenda"),
        ("POST", "/api/templates"),
        ("GET", "/api/templates"),  # a route that never reads a body refuses it too
        ("POST", "/api/workshops/0123456789abcdef/plan/versions"),
    ],
)
def test_every_route_refuses_an_oversized_body(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(
        path, method=method, data=b"[" + b" " * LIMIT + b"]", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"title": ' + b"9" * 5000 + b"}", b"\xff\xfe{", b"{"],
    ids=["deep", "huge-number", "not-utf8", "truncated"],
)
def test_malformed_json_is_invalid_payload(app: Flask, client: FlaskClient, body: bytes) -> None:
    response = client.post("/api/workshops", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_payload"
    assert workshop_count(app) == 0


def test_an_unexpected_failure_answers_json_without_a_traceback(tmp_path: Path) -> None:
    app = make_app(tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken() -> str:
        raise RuntimeError("secret internals /etc/passwd")

    app.add_url_rule("/api/broken", view_func=broken)
    response = app.test_client().get("/api/broken")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "Something went wrong."}
    }
    page = app.test_client().get("/api/broken", headers={"Accept": "text/html"})
    assert b"Traceback" not in page.data and b"secret internals" not in page.data
    app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- creation


def test_creation_is_throttled_per_address_and_a_refusal_writes_nothing(
    tmp_path: Path, figure: Callable[[str, str], None]
) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    answers = [client.post("/api/workshops", json={"title": f"W{i}"}) for i in range(40)]
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * 10 + [429] * 30  # CREATE_BURST 10, then one every 5 s
    refused = answers[-1]
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    assert error["retry_after"] == int(refused.headers["Retry-After"])
    assert workshop_count(app) == 10
    # Another address is not held up by this one.
    other = client.post(
        "/api/workshops", json={"title": "Other"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 201
    figure("creation throttle", "40 creates from one address in a burst: 10 made, 30 refused 429")
    app.extensions["workshop_db"].dispose()


def test_the_throttle_refills_at_the_rate(tmp_path: Path) -> None:
    app = make_app(tmp_path, CREATE_RATE=0.5, CREATE_BURST=2.0)
    client = app.test_client()
    answers = [client.post("/api/workshops", json={"title": "W"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    wait = answers[-1].get_json()["error"]["retry_after"]
    assert 1 <= wait <= 2
    time.sleep(wait)
    assert client.post("/api/workshops", json={"title": "W"}).status_code == 201
    app.extensions["workshop_db"].dispose()


def test_forwarded_for_counts_only_behind_configured_proxies(tmp_path: Path) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    direct = make_app(tmp_path / "direct", CREATE_BURST=1.0)
    client = direct.test_client()
    assert client.post("/api/workshops", json={"title": "W"}).status_code == 201
    # Without FORWARDED_HOPS the header is ignored: it cannot dodge the throttle.
    again = client.post("/api/workshops", json={"title": "W"}, headers=spoofed)
    assert again.status_code == 429
    direct.extensions["workshop_db"].dispose()

    proxied = make_app(tmp_path / "proxied", CREATE_BURST=1.0, FORWARDED_HOPS=1)
    client = proxied.test_client()
    for address in ("203.0.113.7", "203.0.113.8"):
        headers = {"X-Forwarded-For": address}
        assert (
            client.post("/api/workshops", json={"title": "W"}, headers=headers).status_code == 201
        )
        assert (
            client.post("/api/workshops", json={"title": "W"}, headers=headers).status_code == 429
        )
    # The proxy's forwarded Host is the one checked.
    evil = client.get("/api/templates", headers={"X-Forwarded-Host": "evil.example"})
    assert evil.status_code == 400
    assert evil.get_json()["error"]["code"] == "host_not_allowed"
    proxied.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("limits-live")
    with LiveServer(folder / "live.sqlite3", env={"CREATE_BURST": "5"}) as live:
        yield live


def raw(
    server: LiveServer,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    chunks: list[bytes] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, Any] | None]:
    """One request on a fresh connection, the body sent as given (chunked when `chunks`)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers)
        for name, value in headers.items():
            conn.putheader(name, value)
        if chunks is not None:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if chunks is not None:
            try:
                for chunk in chunks:
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the end: read its answer
        elif body is not None:
            conn.send(body)
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        return response.status, parsed
    finally:
        conn.close()


def test_the_real_server_refuses_a_large_chunked_body(server: LiveServer) -> None:
    headers = {"Content-Type": "application/json"}
    small = [b'{"title": ', b'"Chunked 2030"}']
    status, body = raw(server, "POST", "/api/workshops", headers=headers, chunks=small)
    assert status == 201, body
    big = [b'{"title": "x", "organization": "'] + [b"y" * 16384] * 20 + [b'"}']
    status, body = raw(server, "POST", "/api/workshops", headers=headers, chunks=big)
    assert status == 413
    assert body is not None and body["error"]["code"] == "payload_too_large"


def test_the_real_server_refuses_an_announced_50_mb_body_before_reading_it(
    server: LiveServer,
) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/workshops")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(50 * 1024 * 1024))
        conn.endheaders()
        conn.send(b'{"title": "')
        started = time.perf_counter()
        response = conn.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["code"] == "payload_too_large"
        assert time.perf_counter() - started < 5
    finally:
        conn.close()


def test_a_slow_upload_holds_no_write_lock(
    server: LiveServer, figure: Callable[[str, str], None]
) -> None:
    """A facilitator's PUT whose body trickles in (a slow phone link, or on purpose) must not
    hold the database's write lock: the body is read before any route takes it."""
    json_headers = {"Content-Type": "application/json"}
    created = json.dumps({"title": "Slow 2030"}).encode()
    status, made = raw(
        server,
        "POST",
        "/api/workshops",
        headers={**json_headers, "Content-Length": str(len(created))},
        body=created,
    )
    assert status == 201 and made is not None
    slow = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        slow.putrequest("PUT", f"/api/workshops/{made['id']}/agenda")
        slow.putheader("Content-Type", "application/json")
        slow.putheader("Authorization", f"Bearer {made['facilitator_key']}")
        slow.putheader("Content-Length", "2014")
        slow.endheaders()
        slow.send(b'{"stages": ')  # ... and the rest never comes while we write elsewhere
        time.sleep(0.3)
        started = time.perf_counter()
        status, _answer = raw(
            server,
            "POST",
            "/api/workshops",
            headers={**json_headers, "Content-Length": str(len(created))},
            body=created,
        )
        took = time.perf_counter() - started
    finally:
        slow.close()
    assert status == 201
    assert took < 3, took
    figure("slow upload vs writers", f"a create during a stalled PUT body: {took * 1000:.0f} ms")


def test_the_real_server_throttles_creation_and_refuses_foreign_hosts(server: LiveServer) -> None:
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"title": "Flood"}).encode()
    codes = []
    for _ in range(8):
        status, _answer = raw(
            server,
            "POST",
            "/api/workshops",
            headers={**headers, "Content-Length": str(len(body))},
            body=body,
        )
        codes.append(status)
    assert codes.count(201) <= 5 and codes[-1] == 429
    # DNS rebinding: a page on evil.example that now resolves here names its own host.
    for path in ("/", "/api/templates", "/socket.io/?EIO=4&transport=polling", "/j/ABC"):
        for host in (
            "evil.example",
            "localhost..",
            "localhost:abc",
            f"localhost:{server.port}@evil",
        ):
            status, answer = raw(server, "GET", path, headers={"Host": host})
            assert status == 400, (path, host)
            assert answer is not None and answer["error"]["code"] == "host_not_allowed"
    status, _answer = raw(
        server,
        "GET",
        "/socket.io/?EIO=4&transport=polling",
        headers={"Host": f"127.0.0.1:{server.port}"},
    )
    assert status == 200
