"""The lobby as the room sees it, in a real headless Chromium: a new workshop waits for the
facilitator; the room's screen shows the join code and the QR code large; phones that join
are told they are in; the console counts and names who has joined and starts the workshop
with one button, which opens the first step on every screen."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 320, "height": 700}
NAMES = ("Ana", "Ben", "Cleo")
WAITING = "You're in. Waiting for the facilitator to start"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("lobby") / "lobby.sqlite3") as live:
        yield live


def snapshot(server: LiveServer, workshop_id: str, key: str) -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/workshops/{workshop_id}", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_the_room_waits_in_the_lobby_until_the_facilitator_starts(
    devices: Devices, server: LiveServer
) -> None:
    # A new workshop from the start page.
    console = devices.open("console", DESK)
    console.goto(f"{server.url}/")
    console.get_by_label("Workshop title").fill("Harbour day")
    console.get_by_role("button", name="Create workshop").click()
    console.wait_for_url(re.compile(r"/w/[0-9a-f]+/facilitate"))
    match = re.search(r"/w/([0-9a-f]+)/facilitate", console.url)
    assert match
    workshop_id = match.group(1)
    link = console.locator("#key-link")
    expect(link).to_contain_text("#key=")
    key = link.inner_text().split("#key=", 1)[1].strip()
    console.get_by_role("button", name="I have saved it").click()
    code = console.locator("#ws-code").inner_text().strip()
    assert snapshot(server, workshop_id, key)["workshop"]["lobby"] is True

    # The console: nobody yet, and the Start button.
    start = console.locator("#start-workshop")
    expect(start).to_be_visible()
    expect(start).to_be_enabled()
    expect(console.locator("#lobby-count")).to_have_text("0")

    # The room's screen: the code and the QR code, large, and nothing else going on yet.
    wall = devices.open("projector", WALL)
    href = console.get_attribute("#open-projector", "href")
    assert href and "/present" in href
    wall.goto(href if href.startswith("http") else server.url + href)
    expect(wall.locator("#code")).to_have_text(code)
    qr = wall.locator("img[src$='/qr.svg']")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["height"] >= 0.35 * WALL["height"], f"the QR code is small: {box}"
    assert box["y"] + box["height"] <= WALL["height"], f"the QR code is cut off: {box}"
    size = wall.locator("#code").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 60, f"the join code is {size} px: too small to read from the back"
    expect(wall.locator("#count")).to_have_text("0")

    # The phones join by the QR code's address and are told they are in.
    phones = []
    for name in NAMES:
        phone = devices.open(name, PHONE, phone=True)
        phone.goto(f"{server.url}/j/{code}")
        phone.fill("#name", name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_contain_text(name)
        expect(phone.locator(".status-line")).to_have_text(WAITING)
        phones.append(phone)

    # The console counts and names them; the room's screen counts them.
    expect(console.locator("#lobby-count")).to_have_text(str(len(NAMES)))
    expect(console.locator("#lobby")).to_contain_text("people have joined")
    # The names need the snapshot to carry them (state.workshop.participants); the rest of
    # the test runs either way and this is reported at its end.
    missing: list[str] = []
    try:
        expect(console.locator("#lobby-names li")).to_have_text(list(NAMES))
    except AssertionError:
        shown = console.locator("#lobby-names li").all_inner_texts()
        missing.append(f"the console's lobby names {shown}, not {list(NAMES)}")
    expect(wall.locator("#count")).to_have_text(str(len(NAMES)))
    # Without the projector link the page shows nothing of the room: where to open it instead.
    keyless = devices.open("keyless projector", WALL)
    keyless.goto(f"{server.url}/w/{workshop_id}/present")
    expect(keyless.locator("#main")).to_contain_text("Open this screen from the console")
    expect(keyless.locator("#code")).to_be_hidden()

    # Every lobby screen fits, reads and passes axe-core.
    found = screens.projector_violations(wall, floor_px=24) + screens.axe_violations(wall)
    for phone in phones:
        found += screens.phone_violations(phone) + screens.axe_violations(phone)
    found += screens.horizontal_overflow(console) + screens.axe_violations(console)
    assert not found, "\n".join(found)

    # Start: the first step opens on every screen.
    start.click()
    expect(console.locator("#lobby")).to_be_hidden()
    expect(console.locator("#next-step")).to_be_visible()
    expect(console.locator("#stage-panel")).to_contain_text("Brainstorm")
    for phone in phones:
        expect(phone.get_by_role("textbox", name="Your idea")).to_be_visible()
        expect(phone.locator("#stage-view")).not_to_contain_text(WAITING)
        expect(phone.locator(".status-line")).to_contain_text("Vision")
    expect(wall.locator("#app")).not_to_have_class(re.compile(r"\bis-lobby\b"))
    expect(wall.locator("#main")).to_contain_text("Vision")
    expect(wall.locator("#app")).to_contain_text("Brainstorm")
    expect(wall.locator("#code")).to_have_text(code)  # the join strip stays on screen
    state = snapshot(server, workshop_id, key)
    assert state["workshop"]["lobby"] is False
    assert state["current"]["phase"] == "brainstorm"
    assert devices.errors == []
    assert not missing, missing
