"""Trusted URLs (guarantee 7): a request naming a host that is not this server's is refused
(`host_not_allowed`, which defeats DNS rebinding), and every link the server prints comes from
PUBLIC_URL or the listening address, never from the request's Host header."""

from __future__ import annotations

import ipaddress
import logging
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ifaddr
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
    assert hosts.listening_base_url("[::1]", 8000) == "http://[::1]:8000/"
    primary = next(iter(hosts.lan_addresses("0.0.0.0")), "127.0.0.1")
    assert hosts.listening_base_url("0.0.0.0", 5000) == f"http://{primary}:5000/"
    # "::" listens on IPv4 too (dual-stack): links carry the same IPv4 address first.
    assert hosts.listening_base_url("::", 5000) == f"http://{primary}:5000/"


# --------------------------------------------------------------------------- LAN addresses
# Read from this machine's real interfaces (ifaddr), checked against what the system says.


def system_addresses() -> set[str]:
    """This machine's addresses of global scope as `ip` lists them (Linux), else as ifaddr
    does, without loopback and link-local ones: the oracle `lan_addresses` must match."""
    listed = shutil.which("ip")
    if listed:
        out = subprocess.run(
            [listed, "-o", "addr", "show", "scope", "global"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {
            hosts.normalise_host(line.split()[3].split("/")[0])
            for line in out.splitlines()
            if line.split()[2] in ("inet", "inet6")
        }
    found = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ipaddress.ip_address(ip.ip if isinstance(ip.ip, str) else ip.ip[0])
            if not (address.is_loopback or address.is_link_local):
                found.add(str(address))
    return found


def test_lan_addresses_are_every_address_of_this_machines_interfaces() -> None:
    v4 = hosts.lan_addresses("0.0.0.0")
    both = hosts.lan_addresses("::")
    expected = system_addresses()
    assert set(both) == expected
    assert set(v4) == {address for address in expected if ":" not in address}
    assert hosts.lan_addresses("") == v4
    assert hosts.lan_addresses("[::]") == both
    # IPv4 first (what every phone on Wi-Fi has), in the same order; then IPv6.
    assert both[: len(v4)] == v4
    assert all(":" in address for address in both[len(v4) :])
    assert len(set(both)) == len(both)


def test_the_default_routes_address_comes_first() -> None:
    primary = hosts.lan_address()
    if primary is None:
        pytest.skip("this machine has no default route, so no address comes first")
    assert hosts.lan_addresses("0.0.0.0")[0] == primary
    assert hosts.lan_addresses("::")[0] == primary


def test_every_lan_address_is_this_machines_own() -> None:
    """Each address can be bound here (it belongs to one of this machine's interfaces) and
    none is loopback or link-local."""
    for address, interface in hosts.lan_interfaces("::"):
        ip = ipaddress.ip_address(address)
        assert not (ip.is_loopback or ip.is_link_local or ip.is_unspecified), address
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
        assert interface, f"{address}: no interface name"


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("192.168.1.20", ["192.168.1.20"]),
        ("127.0.0.1", ["127.0.0.1"]),
        ("[::1]", ["::1"]),
        ("fd00::7", ["fd00::7"]),
        ("Workshop.Example.", ["workshop.example"]),
    ],
)
def test_a_specific_host_is_the_only_address(host: str, addresses: list[str]) -> None:
    assert hosts.lan_addresses(host) == addresses


@pytest.mark.parametrize(
    ("address", "reachable"),
    [
        ("192.168.1.20", True),
        ("10.0.0.3", True),
        ("203.0.113.9", True),
        ("fd00::2", True),
        ("2001:db8::5", True),
        ("127.0.0.1", False),
        ("127.0.1.1", False),
        ("169.254.10.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fe80::1%eth0", False),
        ("fec0::1", False),
        ("::ffff:192.168.1.20", False),
        ("not an address", False),
    ],
)
def test_which_interface_addresses_phones_could_reach(address: str, reachable: bool) -> None:
    assert hosts._reachable_address(address) is reachable


def test_every_lan_address_passes_the_host_check(app: Flask) -> None:
    """What `python app.py` prints for phones opens: the default hosts allow every address."""
    client = app.test_client()
    for address in hosts.lan_addresses("::"):
        netloc = f"[{address}]:5000" if ":" in address else f"{address}:5000"
        assert client.get("/healthz", headers={"Host": netloc}).status_code == 200, netloc


# --------------------------------------------------------------------------- reachable URLs


@pytest.mark.parametrize(
    ("url", "reachable"),
    [
        ("http://192.168.1.20:5000/", True),
        ("http://[fd00::2]:5000/", True),
        ("https://plan.example.org/", True),
        ("http://workshop.local:5000/", True),
        ("HTTPS://PLAN.EXAMPLE.ORG", True),
        ("http://127.0.0.1:5000/", False),
        ("http://127.0.1.1:5000/", False),
        ("http://localhost:5000/", False),
        ("http://LOCALHOST.:5000/", False),
        ("http://app.localhost:5000/", False),
        ("http://[::1]:5000/", False),
        ("http://0.0.0.0:5000/", False),
        ("http://[::]:5000/", False),
        ("plan.example.org", False),
        ("ftp://plan.example.org/", False),
        ("", False),
        ("http://[broken/", False),
    ],
)
def test_reachable_url(url: str, reachable: bool) -> None:
    assert hosts.reachable_url(url) is reachable


LAN = [("192.168.1.20", "wlan0"), ("10.42.0.1", "hotspot0"), ("fd00::2", "wlan0")]
INFO, WARNING = logging.INFO, logging.WARNING
CONNECT = (
    WARNING,
    "Connect this machine to the room's network (Wi-Fi, a hotspot) and restart, or set PUBLIC_URL.",
)
FIX = (
    WARNING,
    "To let phones join, restart with HOST=0.0.0.0 (listen on every network interface), "
    "or set PUBLIC_URL to the address phones reach this server at.",
)


def at(base: str, where: str = "the listening address") -> tuple[int, str]:
    return INFO, f"Strategy Workshop at {base} (join links and the QR code: {where})"


def cannot(reason: str) -> tuple[int, str]:
    return WARNING, f"Phones cannot join: {reason}"


def links_fail(reason: str) -> tuple[int, str]:
    return WARNING, f"Join links and the QR code fail on phones: {reason}"


@pytest.mark.parametrize(
    ("setting", "lines"),
    [
        pytest.param(
            {"host": "127.0.0.1", "join_base": "http://127.0.0.1:5000/"},
            [
                at("http://127.0.0.1:5000/"),
                cannot("the server listens on this machine only (HOST=127.0.0.1)."),
                FIX,
            ],
            id="the default: loopback",
        ),
        pytest.param(
            {"host": "localhost", "join_base": "http://localhost:5000/"},
            [
                at("http://localhost:5000/"),
                cannot("the server listens on this machine only (HOST=localhost)."),
                FIX,
            ],
            id="localhost",
        ),
        pytest.param(
            {"host": "0.0.0.0", "join_base": "http://192.168.1.20:5000/", "interfaces": LAN[:2]},
            [
                at("http://192.168.1.20:5000/"),
                (INFO, "Phones can join at http://192.168.1.20:5000/ (wlan0)"),
                (INFO, "Phones can join at http://10.42.0.1:5000/ (hotspot0)"),
                (INFO, "This machine also: http://127.0.0.1:5000/"),
            ],
            id="every IPv4 interface",
        ),
        pytest.param(
            {"host": "::", "join_base": "http://192.168.1.20:5000/", "interfaces": LAN},
            [
                at("http://192.168.1.20:5000/"),
                (INFO, "Phones can join at http://192.168.1.20:5000/ (wlan0)"),
                (INFO, "Phones can join at http://10.42.0.1:5000/ (hotspot0)"),
                (INFO, "Phones can join at http://[fd00::2]:5000/ (wlan0)"),
                (INFO, "This machine also: http://127.0.0.1:5000/"),
            ],
            id="dual-stack",
        ),
        pytest.param(
            {"host": "0.0.0.0", "join_base": "http://127.0.0.1:5000/"},
            [
                at("http://127.0.0.1:5000/"),
                cannot(
                    "this machine has no network address besides loopback, so links say 127.0.0.1."
                ),
                CONNECT,
            ],
            id="every interface, but loopback is the only one",
        ),
        pytest.param(
            {"host": "192.168.1.20", "join_base": "http://192.168.1.20:5000/"},
            [
                at("http://192.168.1.20:5000/"),
                (INFO, "Phones can join at http://192.168.1.20:5000/ (HOST)"),
            ],
            id="one interface",
        ),
        pytest.param(
            {
                "host": "127.0.0.1",
                "public_url": "https://plan.example.org",
                "join_base": "https://plan.example.org/",
            },
            [
                at("https://plan.example.org/", "PUBLIC_URL"),
                (INFO, "Phones can join at https://plan.example.org/ (PUBLIC_URL)"),
            ],
            id="behind a proxy",
        ),
        pytest.param(
            {
                "host": "0.0.0.0",
                "public_url": "https://plan.example.org/",
                "join_base": "https://plan.example.org/",
                "interfaces": LAN[:1],
            },
            [
                at("https://plan.example.org/", "PUBLIC_URL"),
                (INFO, "Phones can join at https://plan.example.org/ (PUBLIC_URL)"),
                (INFO, "Phones can join at http://192.168.1.20:5000/ (wlan0)"),
                (INFO, "This machine also: http://127.0.0.1:5000/"),
            ],
            id="PUBLIC_URL and every interface",
        ),
        pytest.param(
            {
                "host": "127.0.0.1",
                "public_url": "http://localhost:5000",
                "join_base": "http://localhost:5000/",
            },
            [
                at("http://localhost:5000/", "PUBLIC_URL"),
                cannot(
                    "PUBLIC_URL http://localhost:5000 is not an address another device can open."
                ),
                (WARNING, "Set PUBLIC_URL to the http(s) address phones reach this server at."),
            ],
            id="PUBLIC_URL on loopback",
        ),
        pytest.param(
            {
                "host": "0.0.0.0",
                "public_url": "http://127.0.0.1:5000",
                "join_base": "http://127.0.0.1:5000/",
                "interfaces": LAN[:1],
            },
            [
                at("http://127.0.0.1:5000/", "PUBLIC_URL"),
                (INFO, "Phones can join at http://192.168.1.20:5000/ (wlan0)"),
                links_fail(
                    "PUBLIC_URL http://127.0.0.1:5000 is not an address another device can open."
                ),
                (WARNING, "Set PUBLIC_URL to the http(s) address phones reach this server at."),
            ],
            id="PUBLIC_URL on loopback, every interface",
        ),
        pytest.param(
            {
                "host": "0.0.0.0",
                "join_base": "http://192.168.1.20:5000/",
                "interfaces": LAN[:2],
                "allows": lambda netloc: netloc.startswith("10."),
            },
            [
                at("http://192.168.1.20:5000/"),
                (WARNING, "Not in ALLOWED_HOSTS, so refused: http://192.168.1.20:5000/ (wlan0)"),
                (INFO, "Phones can join at http://10.42.0.1:5000/ (hotspot0)"),
                links_fail(
                    "join links point at http://192.168.1.20:5000/, which ALLOWED_HOSTS refuses."
                ),
                (WARNING, "Add that address to ALLOWED_HOSTS, or set PUBLIC_URL."),
            ],
            id="ALLOWED_HOSTS leaves the LAN address out",
        ),
    ],
)
def test_start_lines(setting: dict[str, Any], lines: list[tuple[int, str]]) -> None:
    said = hosts.start_lines(
        host=setting["host"],
        port=5000,
        public_url=setting.get("public_url", ""),
        join_base=setting["join_base"],
        interfaces=setting.get("interfaces", []),
        allows=setting.get("allows", lambda _netloc: True),
    )
    assert said == lines


def join_state(app: Flask) -> dict[str, Any]:
    """The console's state of a new workshop, asked for at 127.0.0.1 (where the facilitator
    opened the console)."""
    client = app.test_client()
    created = client.post(
        "/api/workshops", json={"title": "Acme"}, headers={"Host": "127.0.0.1:5000"}
    ).get_json()
    state: dict[str, Any] = client.get(
        f"/api/workshops/{created['id']}",
        headers={"Host": "127.0.0.1:5000", "Authorization": f"Bearer {created['facilitator_key']}"},
    ).get_json()
    assert state["workshop"]["join_url"] == created["urls"]["join"]
    workshop: dict[str, Any] = state["workshop"]
    return workshop


def test_join_reachable_by_setting(built: Callable[..., Flask]) -> None:
    primary = next(iter(hosts.lan_addresses("0.0.0.0")), None)
    cases: list[tuple[dict[str, Any], str, bool]] = [
        ({}, "http://127.0.0.1:5000/", False),
        ({"HOST": "localhost"}, "http://localhost:5000/", False),
        ({"HOST": "::1"}, "http://[::1]:5000/", False),
        ({"HOST": "192.168.1.20"}, "http://192.168.1.20:5000/", True),
        ({"PUBLIC_URL": "https://plan.example.org"}, "https://plan.example.org/", True),
        ({"PUBLIC_URL": "http://localhost:5000"}, "http://localhost:5000/", False),
        (
            {"HOST": "0.0.0.0", "PUBLIC_URL": "http://127.0.0.1:5000/"},
            "http://127.0.0.1:5000/",
            False,
        ),
        # A wildcard HOST: the LAN address, though the console was opened at 127.0.0.1; on a
        # machine with loopback alone, 127.0.0.1 and not reachable.
        ({"HOST": "0.0.0.0"}, f"http://{primary or '127.0.0.1'}:5000/", primary is not None),
        ({"HOST": "::"}, f"http://{primary or '127.0.0.1'}:5000/", primary is not None),
    ]
    for config, base, reachable in cases:
        workshop = join_state(built(PORT=5000, **config))
        assert workshop["join_url"] == f"{base}j/{workshop['code']}", config
        assert workshop["join_reachable"] is reachable, config


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
    lan = next(iter(hosts.lan_addresses("0.0.0.0")), "127.0.0.1")
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
