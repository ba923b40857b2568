"""Trusted URLs (guarantee 7): a request naming a host that is not this server's is refused
(`host_not_allowed`, which defeats DNS rebinding), and every link the server prints comes from
PUBLIC_URL or the listening address, never from the request's Host header."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests import apps
from tests.factories import Room
from workshop.web import hosts

EVIL = ["evil.example", "evil.example:5000", "127.0.0.1.evil.example", "localhost.evil", "[::2]"]
MALFORMED = [
    "localhost..",
    "localhost:abc",
    "localhost:5000@evil",
    "localhost:0",
    "[::1",
    "::1",
    "a b",
]
"""Not a host[:port] at all: refused even with ALLOWED_HOSTS=* (nothing could build a URL)."""


def make_app(tmp_path: Path, **config: Any) -> Flask:
    return apps.make_app(tmp_path / "hosts.sqlite3", **config)


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = make_app(tmp_path / str(len(apps)), **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("localhost", "localhost"),
        ("LOCALHOST:5000", "localhost"),
        ("127.0.0.1:8080", "127.0.0.1"),
        ("[::1]:5000", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("example.org.", "example.org"),
        ("[broken", ""),
        ("", ""),
    ],
)
def test_normalise_host(header: str, host: str) -> None:
    assert hosts.normalise_host(header) == host


@pytest.mark.parametrize(
    ("url", "origins"),
    [
        ("https://plan.example.org", ["https://plan.example.org", "wss://plan.example.org"]),
        ("http://192.168.1.20:5000/", ["http://192.168.1.20:5000", "ws://192.168.1.20:5000"]),
        ("", []),
        ("ftp://x.example", []),
        ("not a url", []),
    ],
)
def test_public_origins(url: str, origins: list[str]) -> None:
    assert hosts.public_origins(url) == origins


def test_listening_base_url() -> None:
    assert hosts.listening_base_url("127.0.0.1", 5000) == "http://127.0.0.1:5000/"
    assert hosts.listening_base_url("::1", 8000) == "http://[::1]:8000/"
    lan = hosts.lan_address() or "127.0.0.1"
    assert hosts.listening_base_url("0.0.0.0", 5000) == f"http://{lan}:5000/"


def test_the_default_hosts_are_this_machines(built: Callable[..., Flask]) -> None:
    app = built(HOST="10.1.2.3", PUBLIC_URL="https://plan.example.org/")
    allowed = hosts.default_hosts(app.config)
    assert {"localhost", "127.0.0.1", "::1", "10.1.2.3", "plan.example.org"} <= allowed
    assert hosts.normalise_host(socket.gethostname()) in allowed
    assert "0.0.0.0" not in hosts.default_hosts({"HOST": "0.0.0.0", "PUBLIC_URL": ""})


# --------------------------------------------------------------------------- the Host check


def test_a_foreign_host_is_refused_everywhere(app: Flask) -> None:
    client = app.test_client()
    for host in EVIL:
        for path in ("/", "/api/templates", "/socket.io/?EIO=4&transport=polling"):
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 400, (host, path)
            assert response.get_json()["error"]["code"] == "host_not_allowed"


def test_this_machines_names_are_allowed(app: Flask) -> None:
    client = app.test_client()
    for host in (
        "localhost",
        "localhost:5000",
        "127.0.0.1:5000",
        "[::1]:5000",
        socket.gethostname(),
    ):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_public_url_and_a_specific_host_are_allowed(built: Callable[..., Flask]) -> None:
    client = built(HOST="10.1.2.3", PUBLIC_URL="https://plan.example.org").test_client()
    for host in ("plan.example.org", "plan.example.org:443", "10.1.2.3:5000"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_an_explicit_list_replaces_the_defaults(built: Callable[..., Flask]) -> None:
    client = built(ALLOWED_HOSTS="plan.example.org, Other.Example ").test_client()
    assert client.get("/healthz", headers={"Host": "other.example:8080"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "plan.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_a_star_allows_any_host_but_not_a_malformed_one(built: Callable[..., Flask]) -> None:
    client = built(ALLOWED_HOSTS="*").test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 200
    for host in MALFORMED:
        for path in ("/", "/j/ABC", "/api/templates"):
            answer = client.get(path, headers={"Host": host})
            assert answer.status_code == 400, (host, path)
            assert answer.get_json()["error"]["code"] == "host_not_allowed"


@pytest.mark.parametrize(
    ("header", "host"),
    [("localhost", "localhost"), ("LocalHost.:80", "localhost"), ("[::1]:5000", "::1")]
    + [(bad, None) for bad in MALFORMED],
)
def test_parse_host_header(header: str, host: str | None) -> None:
    assert hosts.parse_host_header(header) == host


# --------------------------------------------------------------------------- public URLs


def test_links_never_follow_the_host_header(built: Callable[..., Flask]) -> None:
    app = built(ALLOWED_HOSTS="*", HOST="127.0.0.1", PORT=5000)
    client = app.test_client()
    created = client.post(
        "/api/workshops", json={"title": "Acme"}, headers={"Host": "evil.example"}
    ).get_json()
    assert created["urls"]["join"] == f"http://127.0.0.1:5000/j/{created['code']}"
    assert all(url.startswith("http://127.0.0.1:5000/") for url in created["urls"].values())
    state = client.get(
        f"/api/workshops/{created['id']}",
        headers={"Host": "evil.example", "Authorization": f"Bearer {created['facilitator_key']}"},
    ).get_json()
    assert state["workshop"]["join_url"].startswith("http://127.0.0.1:5000/")
    # The QR is the same whatever the Host (and private to the browser).
    qr = [
        client.get(f"/j/{created['code']}/qr.svg", headers={"Host": host})
        for host in ("evil.example", "localhost")
    ]
    assert qr[0].data == qr[1].data
    assert qr[0].headers["Cache-Control"] == "private, max-age=3600"


def test_links_come_from_public_url_when_set(built: Callable[..., Flask]) -> None:
    app = built(PUBLIC_URL="https://plan.example.org/")
    created = app.test_client().post("/api/workshops", json={"title": "Acme"}).get_json()
    assert created["urls"]["join"] == f"https://plan.example.org/j/{created['code']}"
    assert created["projector_url"].startswith("https://plan.example.org/w/")


def test_a_wildcard_listening_address_links_to_the_lan_address(
    built: Callable[..., Flask],
) -> None:
    app = built(HOST="0.0.0.0", PORT=8123)
    created = app.test_client().post("/api/workshops", json={"title": "Acme"}).get_json()
    lan = hosts.lan_address() or "127.0.0.1"
    assert created["urls"]["join"] == f"http://{lan}:8123/j/{created['code']}"


# --------------------------------------------------------------------------- pages


def test_the_room_screen_page_holds_no_code_and_no_secret(app: Flask, room: Room) -> None:
    page = app.test_client().get(f"/w/{room.id}/present")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for secret in (room.code, room.key, room.projector_token):
        assert secret not in html
    assert "Acme" in html or room.data["id"] in html


def test_room_counts_need_the_projector_token_or_the_key(app: Flask, room: Room) -> None:
    client = app.test_client()
    path = f"/api/workshops/{room.id}/room"
    assert client.get(path).status_code == 401
    for secret in (room.projector_token, room.key):
        answer = client.get(path, headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200
        assert answer.get_json()["participant_count"] == 0


def test_csp_connects_only_to_this_server_and_public_url(built: Callable[..., Flask]) -> None:
    app = built(PUBLIC_URL="https://plan.example.org")
    client = app.test_client()
    for path in ("/", "/nowhere"):
        policy = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["connect-src"] == "'self' https://plan.example.org wss://plan.example.org"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["form-action"] == "'self'"
