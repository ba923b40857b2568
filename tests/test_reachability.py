"""Phones reach the room (issue 14), through `python app.py` itself: started with the default
HOST, with HOST=0.0.0.0 and with HOST=::, the URLs it prints are read back from its output and
opened, and the join URL the console and the projector show (over Socket.IO, and in Chromium)
is checked against them: the machine's LAN address even for a console opened at 127.0.0.1, and
a plain warning when phones cannot join. On a machine with loopback alone the HOST=0.0.0.0
tests say so (`LOOPBACK_ONLY`); that case itself runs in a network namespace holding nothing but
loopback, where one can be made (`unshare -n`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.chromium import launched, skip_module_without_chromium
from tests.devices import Devices
from tests.server import REPO_ROOT, LiveServer, http
from workshop.web import hosts
from workshop.web.views import qr_svg

pytestmark = pytest.mark.server

LOOPBACK_ONLY = (
    "this machine's only network interface is loopback: there is no LAN address for phones "
    "to reach, so HOST=0.0.0.0 cannot be tested here"
)
TIMEOUT = 10.0
DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1280, "height": 720}
PHONE: ViewportSize = {"width": 320, "height": 700}
PRINTED = re.compile(r"Phones can join at (\S+)")


class DefaultHost(LiveServer):
    """`python app.py` as the README starts it: no HOST at all (the default, 127.0.0.1)."""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.pop("HOST")
        return env


@dataclass
class Started:
    """A running server, what it printed at start, and a workshop on it."""

    server: LiveServer
    lines: list[str]
    workshop: dict[str, Any]

    @property
    def printed(self) -> list[str]:
        """The URLs it says phones can open, in order."""
        return [url for line in self.lines for url in PRINTED.findall(line)]

    @property
    def code(self) -> str:
        return str(self.workshop["code"])


def start(server: LiveServer) -> Iterator[Started]:
    """Start `server`, read its start lines, create a workshop; stop it afterwards."""
    with server:
        lines = [line for line in server.output().splitlines() if " workshop: " in line]
        created = http(f"{server.url}/api/workshops", "POST", {"title": "Harbour day"})
        yield Started(server, lines, created)


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    yield from start(DefaultHost(tmp_path_factory.mktemp("default") / "reach.sqlite3"))


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    if not hosts.lan_addresses("0.0.0.0"):
        pytest.skip(LOOPBACK_ONLY)
    path = tmp_path_factory.mktemp("everywhere") / "reach.sqlite3"
    yield from start(LiveServer(path, env={"HOST": "0.0.0.0"}))


@pytest.fixture(scope="module")
def dual_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    if not hosts.lan_addresses("::"):
        pytest.skip(LOOPBACK_ONLY)
    path = tmp_path_factory.mktemp("dual") / "reach.sqlite3"
    yield from start(LiveServer(path, env={"HOST": "::"}))


def opens(url: str) -> int:
    """The status of GET `url`healthz: what a phone that typed the printed URL would get."""
    try:
        with urllib.request.urlopen(f"{url}healthz", timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def as_screen(origin: str, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The workshop part of the state a console (`facilitate`) or projector (`present`)
    connected at `origin` is sent."""
    client = socketio.Client(reconnection=False)
    client.connect(origin, transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        ack = client.call(event, payload, timeout=TIMEOUT)
    finally:
        client.disconnect()
    assert ack["ok"] is True, ack
    workshop: dict[str, Any] = ack["state"]["workshop"]
    return workshop


def screens(started: Started) -> list[dict[str, Any]]:
    """What the console and the projector, both opened at 127.0.0.1, are told."""
    ws, origin = started.workshop, started.server.url
    return [
        as_screen(origin, "facilitate", {"workshop_id": ws["id"], "key": ws["facilitator_key"]}),
        as_screen(origin, "present", {"workshop_id": ws["id"], "token": ws["projector_token"]}),
    ]


def origin_of(url: str) -> str:
    match = re.match(r"https?://[^/]+", url)
    assert match, url
    return match.group(0)


# --------------------------------------------------------------------------- the default


def test_the_default_says_phones_cannot_join_and_how_to_fix_it(default: Started) -> None:
    port = default.server.port
    assert default.lines[0].endswith(
        f"Strategy Workshop at http://127.0.0.1:{port}/ "
        "(join links and the QR code: the listening address)"
    ), default.lines
    assert default.printed == []
    said = "\n".join(default.lines)
    assert "WARNING workshop: Phones cannot join: the server listens on this machine only" in said
    assert "HOST=0.0.0.0" in said and "PUBLIC_URL" in said
    for workshop in screens(default):
        assert workshop["join_url"] == f"http://127.0.0.1:{port}/j/{default.code}"
        assert workshop["join_reachable"] is False


# --------------------------------------------------------------------------- every interface


def test_every_interface_prints_each_lan_address(everywhere: Started) -> None:
    port = everywhere.server.port
    addresses = hosts.lan_addresses("0.0.0.0")
    expected = [hosts.base_url_for(address, port) for address in addresses]
    assert everywhere.printed == expected, everywhere.lines
    assert all("127.0.0.1" not in url and "localhost" not in url for url in expected)
    assert f"Strategy Workshop at {expected[0]} " in everywhere.lines[0]
    assert "Phones cannot join" not in "\n".join(everywhere.lines)
    if hosts.lan_address() is not None:  # the default route's address comes first
        assert addresses[0] == hosts.lan_address()
    # Each printed URL is open, through that address and not loopback.
    for url in everywhere.printed:
        assert opens(url) == 200, url


def test_every_interface_links_phones_to_the_lan_address(everywhere: Started) -> None:
    """Console and projector opened at 127.0.0.1 still give phones the LAN address; a phone
    joins through it, and the QR code carries it too."""
    join_url = f"{everywhere.printed[0]}j/{everywhere.code}"
    for workshop in screens(everywhere):
        assert workshop["join_url"] == join_url
        assert workshop["join_reachable"] is True
    assert everywhere.workshop["urls"]["join"] == join_url

    with urllib.request.urlopen(join_url, timeout=TIMEOUT) as page:
        assert page.status == 200
    qr = f"{everywhere.server.url}/j/{everywhere.code}/qr.svg"
    with urllib.request.urlopen(qr, timeout=TIMEOUT) as image:
        assert image.read() == qr_svg(join_url)

    phone = socketio.Client(reconnection=False)
    phone.connect(origin_of(join_url), transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        joined = phone.call("join", {"code": everywhere.code, "name": "Ana"}, timeout=TIMEOUT)
    finally:
        phone.disconnect()
    assert joined["ok"] is True, joined
    assert joined["state"]["workshop"]["join_url"] == join_url


def test_dual_stack_prints_ipv4_then_ipv6_and_answers_on_each(dual_stack: Started) -> None:
    port = dual_stack.server.port
    expected = [hosts.base_url_for(address, port) for address in hosts.lan_addresses("::")]
    assert dual_stack.printed == expected, dual_stack.lines
    v4 = hosts.lan_addresses("0.0.0.0")
    assert dual_stack.printed[: len(v4)] == [hosts.base_url_for(a, port) for a in v4]
    for url in [*dual_stack.printed, f"{dual_stack.server.url}/"]:  # 127.0.0.1 too: dual-stack
        assert opens(url) == 200, url
    for workshop in screens(dual_stack):
        assert workshop["join_url"] == f"{expected[0]}j/{dual_stack.code}"
        assert workshop["join_reachable"] is True


# --------------------------------------------------------------------------- loopback alone


def report_with_loopback_alone(folder: str) -> None:
    """Run inside a network namespace that has only loopback: start `python app.py` with
    HOST=0.0.0.0, and print (JSON) its start lines, the addresses found and the console's
    join URL."""
    path = Path(folder) / "alone.sqlite3"
    with LiveServer(path, env={"HOST": "0.0.0.0"}) as server:
        created = http(f"{server.url}/api/workshops", "POST", {"title": "Alone"})
        state = http(f"{server.url}/api/workshops/{created['id']}", key=created["facilitator_key"])
        lines = [line for line in server.output().splitlines() if " workshop: " in line]
    found = {"addresses": hosts.lan_addresses("::"), "lines": lines, "state": state}
    print(json.dumps({"port": server.port, "code": created["code"], **found}))


def test_every_interface_on_a_machine_with_loopback_alone() -> None:
    """In a network namespace of its own (loopback only): HOST=0.0.0.0 finds no LAN address,
    says phones cannot join and why, and the join link is 127.0.0.1, not reachable."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("cannot make a network namespace with loopback alone here (no unshare)")
    # As root, a network namespace; as anyone else, one inside a user namespace (-r).
    works: list[str] | None = None
    why = ""
    for flags in (["-n"], ["-r", "-n"]):
        probe = subprocess.run([unshare, *flags, "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            works = flags
            break
        why = probe.stderr.strip()
    if works is None:
        pytest.skip(f"cannot make a network namespace with loopback alone here: {why}")
    # Loopback may start down in a new namespace; `ip` brings it up where there is one.
    script = (
        'ip link set lo up 2>/dev/null; exec "$0" -c "import sys; '
        "from tests.test_reachability import report_with_loopback_alone as report; "
        'report(sys.argv[1])" "$1"'
    )
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [unshare, *works, "sh", "-c", script, sys.executable, folder],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    port, code = report["port"], report["code"]
    assert report["addresses"] == []
    said = "\n".join(report["lines"])
    assert f"Strategy Workshop at http://127.0.0.1:{port}/ " in said
    assert PRINTED.findall(said) == []
    assert "Phones cannot join: this machine has no network address besides loopback" in said
    assert "PUBLIC_URL" in said
    workshop = report["state"]["workshop"]
    assert workshop["join_url"] == f"http://127.0.0.1:{port}/j/{code}"
    assert workshop["join_reachable"] is False


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def devices() -> Iterator[Devices]:
    skip_module_without_chromium()
    browser: Browser
    for browser in launched():
        room = Devices(browser)
        yield room
        room.close()
        assert not room.errors, room.errors


def console_at_loopback(devices: Devices, started: Started) -> Page:
    """The console, opened at 127.0.0.1 whatever address its link names."""
    ws = started.workshop
    console = devices.open("console", DESK)
    console.goto(f"{started.server.url}/w/{ws['id']}/facilitate#key={ws['facilitator_key']}")
    return console


def projector_at_loopback(devices: Devices, started: Started) -> Page:
    ws = started.workshop
    wall = devices.open("projector", WALL)
    wall.goto(f"{started.server.url}/w/{ws['id']}/present#token={ws['projector_token']}")
    return wall


@pytest.mark.browser
def test_the_screens_show_the_lan_join_url_and_a_phone_joins_from_it(
    devices: Devices, everywhere: Started
) -> None:
    join_url = f"{everywhere.printed[0]}j/{everywhere.code}"
    console = console_at_loopback(devices, everywhere)
    link = console.locator("#join-link")
    expect(link).to_have_attribute("href", join_url)
    expect(link).to_have_text(join_url)
    expect(console.locator("#join-qr")).to_have_attribute(
        "src", re.compile(rf"/j/{everywhere.code}/qr\.svg$")
    )
    expect(console.locator("#join-warning")).to_be_hidden()

    wall = projector_at_loopback(devices, everywhere)
    expect(wall.locator("#join-url")).to_have_text(re.sub(r"^https?://", "", join_url))
    expect(wall.locator("#join-warning")).to_be_hidden()

    # A phone opens what the screens show (the LAN address, not 127.0.0.1) and joins.
    phone = devices.open("phone", PHONE, phone=True)
    phone.goto(join_url)
    phone.fill("#name", "Ben")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#who")).to_have_text("You: Ben")
    assert phone.url.startswith(everywhere.printed[0])
    expect(console.locator("#ws-count")).to_have_text("1")


@pytest.mark.browser
def test_the_screens_warn_when_phones_cannot_join(devices: Devices, default: Started) -> None:
    join_url = f"http://127.0.0.1:{default.server.port}/j/{default.code}"
    console = console_at_loopback(devices, default)
    expect(console.locator("#join-link")).to_have_attribute("href", join_url)
    warning = console.locator("#join-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Phones cannot")
    expect(warning).to_contain_text("HOST=0.0.0.0")
    expect(warning).to_contain_text("PUBLIC_URL")

    wall = projector_at_loopback(devices, default)
    expect(wall.locator("#join-url")).to_have_text(re.sub(r"^https?://", "", join_url))
    warning = wall.locator("#join-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Phones cannot")
    expect(warning).to_contain_text("HOST=0.0.0.0")
    expect(warning).to_contain_text("PUBLIC_URL")
