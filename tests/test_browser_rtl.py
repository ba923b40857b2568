"""Right to left and the start page's languages, in a real headless Chromium against the real
server: an Arabic phone at 320 px reads right to left (`<html dir="rtl" lang="ar">`) and never
scrolls sideways in the lobby, the brainstorm (its own ideas in Arabic and in Latin script),
the dot vote and the revealed results; the console (1280x800) and the room's screen (1280x720,
1920x1080) of an Arabic workshop do not either; the start page follows a French browser and
sends the workshop language chosen on it. The facilitator drives the workshop over a socket.
With SCREENS_REPORT=<folder> set, every screen is photographed into <folder>/rtl/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
CONSOLE: ViewportSize = {"width": 1280, "height": 800}
WALLS: dict[str, ViewportSize] = {
    "wall720": {"width": 1280, "height": 720},
    "wall1080": {"width": 1920, "height": 1080},
}
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "الأهداف الاستراتيجية",
            "prompt": "ما الذي يجب أن يتحقق خلال خمس سنوات؟",
            "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 3}],
        }
    ]
}
IDEAS = ["توسيع الشراكات مع الجامعات المحلية", "Open data by default", "خدمة العملاء أولاً"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("rtl") / "rtl.sqlite3") as live:
        yield live


def shots_folder() -> Path | None:
    folder = os.environ.get("SCREENS_REPORT")
    if not folder:
        return None
    path = Path(folder) / "rtl"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Room:
    """An Arabic workshop, its facilitator on a socket, and the browsers that look at it."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        created = {"title": "يوم الاستراتيجية 2027", "language": "ar"}
        self.workshop = http(f"{self.url}/api/workshops", "POST", created)
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", AGENDA, self.key)
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})
        state = http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)
        self.stage_id: int = state["stages"][0]["id"]

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], reply
        return reply

    def page(self, viewport: ViewportSize, *, locale: str = "ar", phone: bool = False) -> Page:
        options: dict[str, Any] = {"viewport": viewport, "locale": locale}
        if phone:
            options.update(is_mobile=True, has_touch=True)
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    def close(self) -> None:
        self.facilitator.disconnect()
        for context in self.contexts:
            context.close()


@pytest.fixture
def room(browser: Browser, server: LiveServer) -> Iterator[Room]:
    opened = Room(browser, server)
    yield opened
    opened.close()
    assert opened.errors == []


def reads_rtl(page: Page, language: str = "ar") -> None:
    root = page.locator("html")
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", language)


def sideways(page: Page) -> list[str]:
    """What sticks out sideways (the page scrolls horizontally), as tests/screens.py finds it."""
    found = screens.horizontal_overflow(page)
    wide = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return found + ([f"the page scrolls sideways by {wide} px"] if wide > 0 else [])


def look(page: Page, name: str, found: dict[str, list[str]]) -> None:
    page.wait_for_timeout(150)  # the last redraw's layout
    problems = sideways(page)
    if problems:
        found[name] = problems
    folder = shots_folder()
    if folder:
        screens.shot(page, name, folder, full_page=True)


def test_an_arabic_phone_reads_right_to_left_and_never_scrolls_sideways(room: Room) -> None:
    found: dict[str, list[str]] = {}
    phone = room.page(PHONE, phone=True)
    phone.goto(room.workshop["urls"]["join"])
    reads_rtl(phone)
    look(phone, "phone-join", found)
    phone.fill("#name", "ليلى")
    phone.locator("form button[type=submit]").first.click()
    expect(phone.locator("#who")).to_contain_text("ليلى")
    reads_rtl(phone)
    look(phone, "phone-lobby", found)

    room.send("stage:phase", {"stage_id": room.stage_id, "phase": "brainstorm"})
    box = phone.locator("#stage-view textarea").first
    expect(box).to_be_visible()
    for text in IDEAS:
        box.fill(text)
        phone.locator("#stage-view form button[type=submit]").first.click()
        expect(phone.locator("#stage-view")).to_contain_text(text)
    # Participants' words keep their own direction inside the right-to-left page.
    latin = phone.locator("#stage-view [dir=auto]", has_text="Open data by default").first
    expect(latin).to_be_visible()
    assert latin.evaluate("node => node.matches(':dir(ltr)')")
    look(phone, "phone-brainstorm", found)

    room.send("stage:phase", {"stage_id": room.stage_id, "phase": "vote"})
    expect(phone.locator("#stage-view")).to_contain_text(IDEAS[1])
    reads_rtl(phone)
    plus = phone.locator("#stage-view button", has_text="+")
    plus.first.click()
    plus.first.click()
    plus.last.click()
    phone.wait_for_timeout(300)
    look(phone, "phone-vote", found)

    room.send("results:reveal", {"stage_id": room.stage_id})
    phone.wait_for_timeout(500)
    reads_rtl(phone)
    look(phone, "phone-revealed", found)
    assert not found, found


def test_the_console_and_the_room_screen_of_an_arabic_workshop_fit_right_to_left(
    room: Room,
) -> None:
    found: dict[str, list[str]] = {}
    console = room.page(CONSOLE)
    console.goto(room.workshop["urls"]["facilitate"])
    reads_rtl(console)
    expect(console.locator("#ws-code")).to_have_text(room.workshop["code"])
    walls = {}
    for name, viewport in WALLS.items():
        wall = room.page(viewport, locale="en-US")
        wall.goto(room.workshop["urls"]["present"])
        # The room's screen speaks its workshop's language, whatever the browser showing it.
        reads_rtl(wall)
        walls[name] = wall
    look(console, "console-lobby", found)
    for name, wall in walls.items():
        look(wall, f"{name}-lobby", found)

    room.send("stage:phase", {"stage_id": room.stage_id, "phase": "brainstorm"})
    phone = room.page(PHONE, phone=True)
    phone.goto(room.workshop["urls"]["join"])
    phone.fill("#name", "Omar")
    phone.locator("form button[type=submit]").first.click()
    box = phone.locator("#stage-view textarea").first
    for text in IDEAS:
        box.fill(text)
        phone.locator("#stage-view form button[type=submit]").first.click()
        expect(phone.locator("#stage-view")).to_contain_text(text)
    expect(console.locator("body")).to_contain_text(IDEAS[0])
    look(console, "console-brainstorm", found)
    for name, wall in walls.items():
        expect(wall.locator("body")).to_contain_text(IDEAS[0])
        look(wall, f"{name}-brainstorm", found)

    room.send("stage:phase", {"stage_id": room.stage_id, "phase": "vote"})
    plus = phone.locator("#stage-view button", has_text="+")
    expect(plus.first).to_be_visible()
    plus.first.click()
    plus.last.click()
    phone.wait_for_timeout(300)
    room.send("results:reveal", {"stage_id": room.stage_id})
    console.wait_for_timeout(500)
    look(console, "console-revealed", found)
    for name, wall in walls.items():
        look(wall, f"{name}-revealed", found)
    assert not found, found


def test_the_start_page_follows_a_french_browser_and_sends_the_workshop_language(
    room: Room,
) -> None:
    page = room.page(CONSOLE, locale="fr-FR")
    page.goto(f"{room.url}/")
    root = page.locator("html")
    expect(root).to_have_attribute("lang", "fr")
    expect(root).to_have_attribute("dir", "ltr")
    expect(page.locator("#join-heading")).to_have_text("Rejoindre un atelier")
    expect(page.locator("#language-switcher")).to_have_value("fr")
    # A new workshop speaks the page's language unless the facilitator picks another.
    expect(page.locator("#workshop-language")).to_have_value("fr")
    page.fill("#title", "Journée stratégique")
    page.select_option("#workshop-language", "de")
    with page.expect_request(lambda request: request.url.endswith("/api/workshops")) as sent:
        page.locator("#create-form button[type=submit]").click()
    body = sent.value.post_data_json
    assert body and body["language"] == "de"
    page.wait_for_url("**/facilitate")

    # The switcher turns the start page to Arabic in place: right to left, nothing typed lost.
    start = room.page(PHONE, locale="fr-FR", phone=True)
    start.goto(f"{room.url}/")
    start.evaluate("() => { window.notReloaded = true; }")
    start.fill("#title", "Plan 2030")
    start.select_option("#language-switcher", "ar")
    reads_rtl(start)
    expect(start.locator("#join-heading")).to_have_text("الانضمام إلى ورشة عمل")
    assert start.evaluate("() => window.notReloaded === true")
    expect(start.locator("#title")).to_have_value("Plan 2030")
    expect(start.locator("#workshop-language")).to_have_value("ar")
    assert not sideways(start), sideways(start)


REVIEW_AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "الأهداف",
            "prompt": "ما الذي يجب أن يتحقق؟",
            "steps": [{"kind": "brainstorm"}, {"kind": "done", "select_count": 0}],
        },
        {
            "key": "projects",
            "title": "المشاريع",
            "prompt": "أي مشروع؟",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "done", "select_count": 0},
                {"kind": "link"},
            ],
        },
    ]
}
REVIEW_IDEAS = {
    "goals": ["وظائف محلية أكثر بحلول 2031"],
    "projects": ["Community events", "سوق أسبوعي"],
}


def finished_workshop(url: str) -> dict[str, Any]:
    """A finished Arabic workshop whose every idea is in the plan."""
    made: dict[str, Any] = http(f"{url}/api/workshops", "POST", {"title": "السوق 2031"})
    http(f"{url}/api/workshops/{made['id']}/agenda", "PUT", REVIEW_AGENDA, made["facilitator_key"])
    fac = socketio.Client(reconnection=False)
    fac.connect(url, transports=["websocket"])

    def call(event: str, payload: Any) -> Any:
        reply = fac.call(event, payload)
        assert reply["ok"], (event, reply)
        return reply

    try:
        login = {"workshop_id": made["id"], "key": made["facilitator_key"]}
        for stage in call("facilitate", login)["state"]["stages"]:
            call("stage:phase", {"stage_id": stage["id"], "phase": "brainstorm"})
            for text in REVIEW_IDEAS[stage["key"]]:
                call("idea:submit", {"stage_id": stage["id"], "text": text})
            call("stage:phase", {"stage_id": stage["id"], "phase": "done"})
        call("workshop:finish", {})
    finally:
        fac.disconnect()
    return made


def test_the_review_page_reads_right_to_left_on_a_laptop_and_a_phone(room: Room) -> None:
    made = finished_workshop(room.url)
    found: dict[str, list[str]] = {}
    for name, viewport in (("review-desk", CONSOLE), ("review-phone", PHONE)):
        page = room.page(viewport, phone=viewport is PHONE)
        page.goto(f"{room.url}/w/{made['id']}/review#key={made['facilitator_key']}")
        reads_rtl(page)
        expect(page.locator("#review-grid")).to_be_visible()
        expect(page.locator("#review-items")).to_contain_text("Community events")
        expect(page.locator("#review-base")).to_have_text("1")
        look(page, name, found)
    assert not found, found
