"""Between workshops, on the console, in a real headless Chromium against a real server:
starting next year's workshop from a finished one with last year's goals preloaded (marked
"from <title>, <date>" on the new console, a 320 px phone and the room's screen), deleting a
workshop from the console (the dialog names it; the phone, the room's screen and another
console still open are told, nothing keeps reconnecting, the start page says what went), and
a refused copy that keeps the typed title. One browser and one server for the module; the
facilitator's other devices and the phones that take part are Socket.IO clients."""

from __future__ import annotations

import datetime
import json
import re
import urllib.error
import urllib.request
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

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 320, "height": 640}
PROJECTORS: list[ViewportSize] = [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}]
SOON = 5_000  # ms: what a click or the server's event changes shows within this
SHOTS = Path("/tmp/F2/shots")
NEXT_YEAR = "Start next year\N{RIGHT SINGLE QUOTATION MARK}s workshop from this one…"

AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in three years?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 3},
                {"kind": "done", "select_count": 2},
                {"kind": "define"},
            ],
        },
        {
            "key": "projects",
            "title": "Projects",
            "prompt": "Which projects get us there?",
            "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 3}],
        },
    ]
}
GOALS = [
    "Double the number of members who volunteer at least once a year",
    "Rail share above 40 %",
    "Publish emissions monthly",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(
        tmp_path_factory.mktemp("home-console") / "home.sqlite3",
        port=5351,
        env={"CREATE_BURST": "1000"},
    ) as live:
        yield live


class Workshop:
    """A workshop made through the API with this module's agenda, and the Socket.IO clients
    (the facilitator's other device, phones) that act in it behind the browser's back."""

    def __init__(self, server: LiveServer, title: str) -> None:
        self.server = server
        self.made = http(f"{server.url}/api/workshops", "POST", {"title": title})
        self.id: str = self.made["id"]
        self.key: str = self.made["facilitator_key"]
        http(f"{server.url}/api/workshops/{self.id}/agenda", "PUT", AGENDA, self.key)
        self.clients: list[socketio.Client] = []
        self.facilitator = self.connect()
        self.call(self.facilitator, "facilitate", {"workshop_id": self.id, "key": self.key})

    def connect(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.server.url, transports=["websocket"])
        self.clients.append(client)
        return client

    @staticmethod
    def call(client: socketio.Client, event: str, payload: dict[str, Any]) -> Any:
        reply = client.call(event, payload)
        assert reply["ok"], reply
        return reply

    def state(self) -> Any:
        return http(f"{self.server.url}/api/workshops/{self.id}", key=self.key)

    def stage(self, key: str) -> Any:
        return next(s for s in self.state()["stages"] if s["key"] == key)

    def phase(self, key: str, phase: str) -> None:
        stage_id = self.stage(key)["id"]
        self.call(self.facilitator, "stage:phase", {"stage_id": stage_id, "phase": phase})

    def decide_goals(self) -> list[str]:
        """The goals brainstormed, voted on and decided: the two selected, best first."""
        phone = self.connect()
        self.call(phone, "join", {"code": self.made["code"], "name": "Ana"})
        self.phase("goals", "brainstorm")
        stage_id = self.stage("goals")["id"]
        ids = [
            self.call(phone, "idea:submit", {"stage_id": stage_id, "text": text})["idea"]["id"]
            for text in GOALS
        ]
        self.phase("goals", "vote")
        self.call(
            phone, "votes:set", {"stage_id": stage_id, "votes": {str(ids[1]): 2, str(ids[0]): 1}}
        )
        self.phase("goals", "done")
        return [item["text"] for item in self.stage("goals")["selected"]]

    def finish(self) -> None:
        self.call(self.facilitator, "workshop:finish", {})

    def close(self) -> None:
        for client in self.clients:
            if client.connected:
                client.disconnect()


@pytest.fixture
def workshops(server: LiveServer) -> Iterator[Any]:
    made: list[Workshop] = []

    def make(title: str) -> Workshop:
        workshop = Workshop(server, title)
        made.append(workshop)
        return workshop

    yield make
    for workshop in made:
        workshop.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Any]:
    """New browser contexts (British English dates: "14 Mar 2026"); no page may throw."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def new_context(viewport: ViewportSize = LAPTOP, *, phone: bool = False) -> BrowserContext:
        context = browser.new_context(
            viewport=viewport, locale="en-GB", is_mobile=phone, has_touch=phone
        )
        context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        made.append(context)
        return context

    yield new_context
    for context in made:
        context.close()
    assert not errors


def open_console(context: BrowserContext, workshop: Workshop) -> Page:
    page = context.new_page()
    page.goto(workshop.made["urls"]["facilitate"])
    page.get_by_role("button", name="I have saved it").click()
    expect(page.locator("#stage-panel h2")).to_be_visible()
    return page


def join_on_phone(context: BrowserContext, url: str, name: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.fill("#name", name)
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.locator("#who")).to_have_text(f"You: {name}")
    return page


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def stored(page: Page, key: str, where: str = "localStorage") -> Any:
    raw = page.evaluate(f"(key) => {where}.getItem(key)", key)
    return json.loads(raw) if raw and raw[:1] in "{[" else raw


def british(day: str) -> str:
    """ "2026-03-14" as en-GB shows it: "14 Mar 2026"."""
    date = datetime.date.fromisoformat(day)
    return f"{date.day} {date.strftime('%b')} {date.year}"


# --------------------------------------------------------------------------- next year's


def test_next_years_workshop_starts_with_last_years_goals_marked_on_every_screen(
    workshops: Any, contexts: Any, server: LiveServer
) -> None:
    old = workshops("Strategy day 2026")
    selected = old.decide_goals()
    assert len(selected) == 2
    old.finish()

    console = open_console(contexts(), old)
    # Under the finished plan, where a facilitator looks after the day.
    console.locator("#duplicate-after").click()
    dialog = console.locator("#duplicate-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Title of the new workshop")).to_have_value("Strategy day 2027")
    goals = dialog.get_by_role("checkbox", name=re.compile("Strategic goals — 2 selected"))
    expect(goals).to_be_checked()
    projects = dialog.get_by_role("checkbox", name=re.compile("Projects — not decided"))
    expect(projects).to_be_disabled()
    assert screens.horizontal_overflow(console) == []
    screens.shot(console, "duplicate-dialog-1280x800", SHOTS)

    dialog.get_by_role("button", name="Create the new workshop").click()
    expect(console).to_have_url(re.compile(rf"/w/(?!{old.id}/)[^/]+/facilitate$"))
    new_id = console.url.rstrip("/").split("/")[-2]
    expect(console.locator("#ws-title")).to_have_text("Strategy day 2027")
    # The new console shows its facilitator link once, as a new workshop's does.
    expect(console.locator("#key-panel")).to_be_visible()
    entry = stored(console, f"sw:facilitator:{new_id}")
    assert entry["title"] == "Strategy day 2027" and entry["key"]
    new = Workshop.__new__(Workshop)
    new.server, new.id, new.key, new.clients = server, new_id, entry["key"], []
    new.made = {"code": new.state()["workshop"]["code"]}
    console.get_by_role("button", name="I have saved it").click()

    # Last year's goals wait in the new goals stage, each marked with where it came from.
    carried = new.stage("goals")["ideas"]
    assert [item["text"] for item in carried] == selected
    assert all(item["origin"]["title"] == "Strategy day 2026" for item in carried)
    mark = f"from Strategy day 2026, {british(carried[0]['origin']['date'])}"
    panel = console.locator("#stage-panel")
    for text in selected:
        row = panel.locator(".console-ideas li").filter(has_text=text)
        expect(row.locator(".origin")).to_have_text(mark)
    assert new.stage("projects")["ideas"] == []
    panel.locator(".console-ideas").scroll_into_view_if_needed()
    screens.shot(console, "new-console-1280x800", SHOTS)
    assert screens.horizontal_overflow(console) == []

    # The room votes on them: a 320 px phone and the room's screen show the mark too.
    new.facilitator = new.connect()
    new.call(new.facilitator, "facilitate", {"workshop_id": new.id, "key": new.key})
    state = new.state()
    new.phase("goals", "brainstorm")
    new.phase("goals", "vote")
    phone = join_on_phone(contexts(PHONE, phone=True), state["workshop"]["join_url"], "Bo")
    items = phone.locator(".vote-item")
    expect(items).to_have_count(2)
    for text in selected:
        expect(items.filter(has_text=text).locator(".origin")).to_have_text(mark)
    assert screens.phone_violations(phone, width=PHONE["width"]) == []
    screens.shot(phone, "phone-vote-320", SHOTS, full_page=True)

    present = state["workshop"]["projector_url"]
    for size in PROJECTORS:
        screen = contexts(size).new_page()
        screen.goto(present)
        notes = screen.locator("#main .note")
        expect(notes).to_have_count(2)
        for text in selected:
            expect(notes.filter(has_text=text).locator(".origin")).to_have_text(mark)
        floor = screens.floor_for(size["width"], size["height"])
        assert screens.projector_violations(screen, floor_px=floor) == []
        screens.shot(screen, f"projector-vote-{size['width']}x{size['height']}", SHOTS)

    # Decided again, the room defines them: the console's and the phone's forms say it too.
    new.phase("goals", "done")
    new.phase("goals", "define")
    console.get_by_role("button", name=re.compile("Strategic goals")).first.click()
    for text in selected:
        item = console.locator("#stage-panel .define-item").filter(has_text=text)
        expect(item.locator(".summary-title .origin")).to_have_text(mark)
        expect(phone.locator(".define-item").filter(has_text=text).locator(".origin")).to_have_text(
            mark
        )
    assert screens.phone_violations(phone, width=PHONE["width"]) == []
    screens.shot(phone, "phone-define-320", SHOTS, full_page=True)
    new.close()


# --------------------------------------------------------------------------- delete


def test_deleting_from_the_console_tells_every_screen_and_the_start_page(
    workshops: Any, contexts: Any, server: LiveServer
) -> None:
    doomed = workshops("Old offsite 2019")
    doomed.phase("goals", "brainstorm")
    phone = join_on_phone(contexts(PHONE, phone=True), doomed.made["urls"]["join"], "Cy")
    code = doomed.made["code"]
    assert stored(phone, f"sw:participant:{code}")["token"]
    screen = contexts(PROJECTORS[0]).new_page()
    screen.goto(doomed.made["urls"]["present"])
    expect(screen.locator("#main")).to_contain_text("Strategic goals")
    # The same workshop open on the facilitator's other laptop.
    elsewhere = open_console(contexts(), doomed)
    console = open_console(contexts(), doomed)

    console.locator("#workshop-menu summary").click()
    console.get_by_role("button", name="Delete this workshop…").click()
    dialog = console.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Delete “Old offsite 2019”?")
    expect(dialog).to_contain_text("cannot be undone")
    screens.shot(console, "delete-dialog-1280x800", SHOTS)
    # "Keep it" keeps it.
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert status_of(f"{server.url}/w/{doomed.id}/present") == 200

    console.locator("#workshop-menu summary").click()
    console.get_by_role("button", name="Delete this workshop…").click()
    dialog.get_by_role("button", name="Delete", exact=True).click()

    # The console goes to the start page, which says once what was deleted.
    expect(console).to_have_url(f"{server.url}/")
    expect(console.get_by_text("Deleted “Old offsite 2019”.")).to_be_visible()
    assert stored(console, f"sw:facilitator:{doomed.id}") is None
    screens.shot(console, "start-page-after-delete-1280x800", SHOTS)

    # Every screen still open is told, forgets its secret and stops.
    expect(
        phone.get_by_role("heading", name="This workshop was closed by its facilitator.")
    ).to_be_visible(timeout=SOON)
    assert stored(phone, f"sw:participant:{code}") is None
    expect(screen.get_by_role("heading", name="This workshop was closed.")).to_be_visible(
        timeout=SOON
    )
    expect(elsewhere.get_by_role("heading", name="This workshop was deleted.")).to_be_visible(
        timeout=SOON
    )
    expect(elsewhere.get_by_role("link", name="Go to the start page")).to_have_attribute(
        "href", "/"
    )
    assert stored(elsewhere, f"sw:facilitator:{doomed.id}") is None
    assert screens.phone_violations(phone, width=PHONE["width"]) == []
    floor = screens.floor_for(PROJECTORS[0]["width"], PROJECTORS[0]["height"])
    assert screens.projector_violations(screen, floor_px=floor) == []
    screens.shot(phone, "phone-closed-320", SHOTS)
    screens.shot(screen, "projector-closed-1280x720", SHOTS)
    screens.shot(elsewhere, "console-closed-1280x800", SHOTS)

    # Nothing keeps reconnecting: no banner, on any of them, a while later.
    phone.wait_for_timeout(2500)
    for page in (phone, screen, elsewhere):
        expect(page.locator("#connection")).to_be_hidden()
    assert status_of(f"{server.url}/api/workshops/{doomed.id}/summary") in (401, 404)


# --------------------------------------------------------------------------- refused


def test_a_refused_copy_keeps_the_typed_title_and_creates_nothing(
    workshops: Any, contexts: Any
) -> None:
    old = workshops("Board retreat 2025")
    old.finish()  # nothing decided: nothing to carry over
    console = open_console(contexts(), old)
    menu = console.locator("#workshop-menu")
    menu.locator("summary").click()
    menu.get_by_role("button", name=NEXT_YEAR).click()
    dialog = console.locator("#duplicate-dialog")
    expect(dialog.get_by_label("Title of the new workshop")).to_have_value("Board retreat 2026")
    expect(
        dialog.get_by_role("checkbox", name=re.compile("Strategic goals — not decided"))
    ).to_be_disabled()

    too_long = "Board retreat 2026: " + "the year we finally " * 6
    title = dialog.get_by_label("Title of the new workshop")
    title.fill(too_long)
    dialog.get_by_role("button", name="Create the new workshop").click()
    error = dialog.locator("#duplicate-error")
    expect(error).to_contain_text("120")
    expect(title).to_have_value(too_long)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Create the new workshop")).to_be_enabled()
    assert console.url.endswith(f"/w/{old.id}/facilitate")
    keys = console.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('sw:facilitator:'))"
    )
    assert keys == [f"sw:facilitator:{old.id}"]
    screens.shot(console, "duplicate-refused-1280x800", SHOTS)

    # Cleared, it is refused before anything is sent; a shorter one goes through.
    title.fill("  ")
    dialog.get_by_role("button", name="Create the new workshop").click()
    expect(error).to_have_text("Give the new workshop a title.")
    title.fill("Board retreat 2026")
    dialog.get_by_role("button", name="Create the new workshop").click()
    expect(console.locator("#ws-title")).to_have_text("Board retreat 2026")


def test_the_console_keeps_the_title_with_its_key(workshops: Any, contexts: Any) -> None:
    workshop = workshops("Harbour 2031")
    console = open_console(contexts(), workshop)
    entry = stored(console, f"sw:facilitator:{workshop.id}")
    assert entry["title"] == "Harbour 2031"
    assert entry["key"] == workshop.key and entry["shown"] is True
    assert datetime.datetime.fromisoformat(entry["opened_at"].replace("Z", "+00:00"))
