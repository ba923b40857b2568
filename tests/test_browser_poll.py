"""The poll plug-in (tests/plugins/) in a real Chromium against a real server that registered
it with one `register()` call: a phone picks, the console reveals the picks and decides, the
projector shows the picks and the results. The server runs `tests/plugins/serve_poll.py`, so
the poll exists only in that process, never in this one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.factories import next_from_console, start_from_console
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}


class PollServer(LiveServer):
    """The production server with the poll registered (`python -m tests.plugins.serve_poll`)."""

    command = ("-m", "tests.plugins.serve_poll")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with PollServer(tmp_path_factory.mktemp("poll") / "poll.sqlite3") as live:
        yield live


class Room:
    """One workshop whose one stage runs brainstorm → poll → done, its screens (browser
    contexts) and socket participants; every page's errors are kept."""

    def __init__(self, browser: Browser, server: LiveServer, steps: list[dict[str, Any]]) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.clients: list[socketio.Client] = []
        self.errors: list[str] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        self.code: str = self.workshop["code"]
        stage = {"key": "goals", "title": "Strategic goals", "prompt": "Aim?", "steps": steps}
        http(
            f"{self.url}/api/workshops/{self.workshop['id']}/agenda",
            "PUT",
            {"stages": [stage]},
            self.key,
        )

    def open(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"{name}: {msg.text}") if msg.type == "error" else None,
        )
        return page

    def console(self) -> Page:
        console = self.open("console", DESK)
        console.goto(self.workshop["urls"]["facilitate"])
        console.get_by_role("button", name="I have saved it").click()
        expect(console.locator("#stage-panel")).to_contain_text("Strategic goals")
        return console

    def projector(self) -> Page:
        projector = self.open("projector", WALL)
        projector.goto(self.workshop["urls"]["present"])
        expect(projector.locator("#code")).to_have_text(self.code)
        return projector

    def phone(self, name: str) -> Page:
        phone = self.open(name, PHONE, phone=True)
        phone.goto(self.workshop["urls"]["join"])
        phone.fill("#name", name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_have_text(f"You: {name}")
        return phone

    def participant(self, name: str) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=["websocket"])
        self.clients.append(client)
        assert client.call("join", {"code": self.code, "name": name})["ok"]
        return client

    def state(self) -> Any:
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def ideas(self) -> dict[str, int]:
        return {idea["text"]: idea["id"] for idea in self.state()["stages"][0]["ideas"]}

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
        for context in self.contexts:
            context.close()


@pytest.fixture
def room(browser: Browser, server: LiveServer) -> Iterator[Room]:
    room = Room(
        browser,
        server,
        [{"kind": "brainstorm"}, {"kind": "poll"}, {"kind": "done", "select_count": 1}],
    )
    yield room
    room.close()


def send(client: socketio.Client, event: str, payload: dict[str, Any]) -> Any:
    reply = client.call(event, payload)
    assert reply["ok"], reply
    return reply


def test_a_phone_picks_the_console_reveals_and_decides_the_projector_shows_it(
    room: Room,
) -> None:
    console = room.console()
    projector = room.projector()
    phone = room.phone("Ana")
    ben, cy = room.participant("Ben"), room.participant("Cy")
    start_from_console(console)
    stage_id = room.state()["stages"][0]["id"]
    for client, text in ((ben, "Zero-emission port"), (cy, "New cruise terminal")):
        send(client, "idea:submit", {"stage_id": stage_id, "text": text})
    phone.fill("#idea-text", "Double container throughput")
    phone.get_by_role("button", name="Send idea").click()
    expect(console.locator("#stage-panel")).to_contain_text("Double container throughput")
    expect(console.locator("#stage-panel")).to_contain_text("New cruise terminal")
    ids = room.ideas()

    # The console's Next reads the poll module's own words.
    next_from_console(console, "Close ideas, start poll")
    view = phone.locator("#stage-view")
    expect(view).to_contain_text("Pick one item")
    port = phone.get_by_role("button", name="Zero-emission port")
    port.click()
    expect(port).to_have_attribute("aria-pressed", "true")
    expect(view).to_contain_text("Your pick: Zero-emission port")
    expect(view).to_contain_text("Your pick is saved")
    # Tapping another item moves the pick: one pick each.
    phone.get_by_role("button", name="New cruise terminal").click()
    expect(port).to_have_attribute("aria-pressed", "false")
    expect(view).to_contain_text("Your pick: New cruise terminal")
    port.click()
    expect(view).to_contain_text("Your pick: Zero-emission port")
    send(ben, "poll:pick", {"stage_id": stage_id, "idea_id": ids["Zero-emission port"]})
    send(cy, "poll:pick", {"stage_id": stage_id, "idea_id": ids["New cruise terminal"]})

    # The console sees the counts live; the room sees how many picked, not what.
    rows = console.locator(".console-ideas li")
    expect(rows.first).to_contain_text("Zero-emission port")
    expect(rows.first.locator(".total")).to_have_text("2 picks")
    expect(rows.nth(1).locator(".total")).to_have_text("1 pick")
    expect(projector.locator("#main")).to_contain_text("3/3")
    expect(projector.locator("#main")).to_contain_text("have picked")
    expect(projector.locator(".chart")).to_have_count(0)
    expect(view).not_to_contain_text("Room:")

    console.get_by_role("button", name="Reveal picks").click()
    expect(projector.locator(".chart-row")).to_have_count(3)
    expect(projector.locator(".chart-row").first).to_contain_text("Zero-emission port")
    expect(projector.locator(".chart-row").first.locator(".chart-value")).to_have_text("2 picks")
    expect(view).to_contain_text("Room: 2 picks")
    expect(view).to_contain_text("Picks shown · Your pick: Zero-emission port")

    next_from_console(console, "Close the poll, show results")
    results = projector.locator(".chart-row")
    expect(results.first).to_contain_text("Zero-emission port")
    expect(results.first).to_have_class(re.compile("selected"))
    expect(results.first.locator(".chart-value")).to_have_text("2 picks")
    phone_results = phone.locator(".results li")
    expect(phone_results).to_have_count(3)
    expect(phone_results.first).to_contain_text("Zero-emission port")
    expect(phone_results.first).to_contain_text("2 picks")
    expect(console.locator("#stage-panel")).to_contain_text("Decided by picks")
    expect(console.locator("#stage-panel")).not_to_contain_text("undefined")
    expect(projector.locator("#main")).not_to_contain_text("undefined")
    assert room.errors == []
