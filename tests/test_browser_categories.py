"""A categorised brainstorm (a SWOT) on the three screens, in a real headless Chromium against
the real server: a phone picks a category with large buttons and its idea lands in that
category's quadrant on the room's screen; the facilitator moves it to another category from
the console and the room's screen and the phone follow; a vote per category shows and stops
each category's budget on the phone; the results tag each item with its category. The room's
screen fits 1280x720 and 1920x1080 with one idea and with fifty, and a 320 px phone never
scrolls sideways. A stage without categories draws none of it. One server and one browser for
the module; each test makes its own workshop.

Screenshots of every screen in every state go to $CATEGORY_SHOTS (a temporary folder unless
set), to be looked at."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
SMALL_WALL: ViewportSize = {"width": 1280, "height": 720}
LARGE_WALL: ViewportSize = {"width": 1920, "height": 1080}
SWOT = [
    {"key": "strengths", "label": "Strengths", "hint": "What do we do well?"},
    {"key": "weaknesses", "label": "Weaknesses", "hint": "Where do we fall short?"},
    {"key": "opportunities", "label": "Opportunities", "hint": "What outside could help us?"},
    {"key": "threats", "label": "Threats", "hint": "What outside could harm us?"},
]
AGENDA = {
    "stages": [
        {
            "key": "situation",
            "title": "Where we stand",
            "prompt": "Our strengths, weaknesses, opportunities and threats",
            "steps": [
                {"kind": "brainstorm", "categories": SWOT},
                {"kind": "vote", "dot_budget": 3, "max_dots_per_idea": 2, "per_category": True},
                {"kind": "done", "select_per_category": 1},
            ],
        }
    ]
}
PLAIN = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 3}],
        }
    ]
}
# Fifty short and long ideas, spread over the four categories.
WORDS = [
    "Loyal volunteers who know every family by name",
    "Old boiler",
    "A new council grant for community energy schemes opens next spring",
    "Rising rents push members out of the town",
    "Trusted brand",
    "Website nobody updates",
    "Partnership with the college",
    "Competing food bank two streets away",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("categories") / "categories.sqlite3") as live:
        yield live


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("CATEGORY_SHOTS") or tmp_path_factory.mktemp("category-shots"))


class Room:
    """A new workshop with its first stage's brainstorm open, the facilitator on a socket."""

    def __init__(self, browser: Browser, server: LiveServer, agenda: dict[str, Any]) -> None:
        self.url = server.url
        self.devices = Devices(browser)
        self.sockets: list[socketio.Client] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Riverside 2030"})
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", agenda, self.key)
        self.facilitator = self.socket()
        self.send(
            self.facilitator, "facilitate", {"workshop_id": self.workshop["id"], "key": self.key}
        )
        self.stage_id: int = self.state()["stages"][0]["id"]
        self.phase("brainstorm")

    def socket(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=["websocket"])
        self.sockets.append(client)
        return client

    @staticmethod
    def send(client: socketio.Client, event: str, payload: dict[str, Any]) -> Any:
        """One event whose ack must be ok (waiting out the connection's event budget)."""
        reply = client.call(event, payload)
        while not reply["ok"] and reply["error"]["code"] == "rate_limited":
            time.sleep(reply["error"]["retry_after"])
            reply = client.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.send(self.facilitator, "stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def state(self) -> Any:
        """The facilitator's state snapshot over HTTP."""
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def ideas(self) -> dict[str, str | None]:
        """The stage's ideas as the server has them: wording -> category key."""
        return {i["text"]: i.get("category") for i in self.state()["stages"][0]["ideas"]}

    def add(self, text: str, category: str) -> None:
        """The facilitator adds an item to a category, over the socket."""
        self.send(
            self.facilitator,
            "idea:submit",
            {"stage_id": self.stage_id, "text": text, "category": category},
        )

    def phone(self, name: str) -> Page:
        page = self.devices.open(name, PHONE, phone=True)
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name="Join the workshop").click()
        expect(page.locator("#who")).to_have_text(f"You: {name}")
        return page

    def console(self) -> Page:
        page = self.devices.open("console", LAPTOP)
        page.goto(self.workshop["urls"]["facilitate"])
        page.get_by_role("button", name="I have saved it").click()
        expect(page.locator("#stage-panel")).to_be_visible()
        return page

    def projector(self, name: str, viewport: ViewportSize) -> Page:
        page = self.devices.open(name, viewport)
        page.goto(self.workshop["projector_url"])
        expect(page.locator("#code")).to_have_text(self.workshop["code"])
        return page

    def close(self) -> None:
        for client in self.sockets:
            client.disconnect()
        self.devices.close()


@pytest.fixture
def make_room(browser: Browser, server: LiveServer) -> Iterator[Callable[..., Room]]:
    rooms: list[Room] = []

    def make(agenda: dict[str, Any] = AGENDA) -> Room:
        rooms.append(Room(browser, server, agenda))
        return rooms[-1]

    yield make
    for room in rooms:
        room.close()
        assert room.devices.errors == []


def choice(phone: Page, key: str) -> Locator:
    """The phone's large button for category `key`."""
    return phone.locator(f"#category-picker button[data-category='{key}']")


def region(projector: Page, key: str) -> Locator:
    return projector.locator(f".category-region[data-category='{key}']")


def fits(page: Page, viewport: ViewportSize) -> None:
    found = screens.projector_violations(
        page, floor_px=screens.floor_for(viewport["width"], viewport["height"])
    )
    assert not found, found


def phone_fits(page: Page) -> None:
    """No sideways scroll, no text under 16 px, no target under 44 px, no word broken."""
    found = screens.phone_violations(page) + screens.mid_word_breaks(page)
    assert not found, found


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
    assert width <= 0, f"the page scrolls sideways by {width} px"


def wait_until(test: Callable[[], bool], what: str, timeout: float = 8.0) -> None:
    end = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_an_idea_goes_to_the_category_picked_and_follows_a_move(
    make_room: Callable[..., Room], shots: Path
) -> None:
    room = make_room()
    console = room.console()
    projector = room.projector("projector", SMALL_WALL)
    ana = room.phone("Ana")
    ben = room.phone("Ben")
    # The room's screen: one region per category, a SWOT as a 2x2 in its order.
    expect(projector.locator(".category-region h2")).to_have_text(
        ["Strengths 0", "Weaknesses 0", "Opportunities 0", "Threats 0"]
    )
    boxes = projector.evaluate(
        """keys => keys.map((key) => {
          const box = document.querySelector(`.category-region[data-category="${key}"]`)
            .getBoundingClientRect();
          return { x: Math.round(box.x), y: Math.round(box.y) };
        })""",
        [c["key"] for c in SWOT],
    )
    s, w, o, t = boxes
    assert s["y"] == w["y"] and o["y"] == t["y"] and o["y"] > s["y"], boxes
    assert s["x"] == o["x"] and w["x"] == t["x"] and w["x"] > s["x"], boxes
    fits(projector, SMALL_WALL)
    screens.shot(projector, "projector-1280-open", shots)

    # The phone: one large button per category, its hint on it, before the text box.
    buttons = ana.locator("#category-picker button")
    expect(buttons).to_have_count(4)
    expect(buttons.nth(3)).to_contain_text("Threats")
    expect(buttons.nth(3)).to_contain_text("What outside could harm us?")
    assert buttons.nth(0).evaluate("node => node.getBoundingClientRect().height") >= 44
    phone_fits(ana)
    screens.shot(ana, "phone-320-open", shots, full_page=True)

    # Sending without a category is stopped on the phone; the words stay in the box.
    ben.get_by_role("textbox", name="Your idea").fill("Old boiler")
    ben.get_by_role("button", name="Send idea").click()
    expect(ben.locator("#toast")).to_contain_text("Pick a category first")
    expect(ben.get_by_role("textbox", name="Your idea")).to_have_value("Old boiler")
    assert room.ideas() == {}

    # Ana picks Threats: it is marked, and the idea goes there on every screen.
    choice(ana, "threats").click()
    expect(choice(ana, "threats")).to_have_attribute("aria-pressed", "true")
    expect(ana.locator("#category-picker [aria-pressed=true]")).to_have_count(1)
    ana.get_by_role("textbox", name="Your idea (Threats)").fill("A rival food bank opens nearby")
    ana.get_by_role("button", name="Send to Threats").click()
    expect(region(projector, "threats").locator(".note")).to_have_text(
        ["A rival food bank opens nearby"]
    )
    expect(region(projector, "threats").locator("h2")).to_have_text("Threats 1")
    expect(projector.locator(".category-region .note")).to_have_count(1)
    assert room.ideas() == {"A rival food bank opens nearby": "threats"}
    mine = ana.locator("#my-ideas .own-category[data-category='threats']")
    expect(mine.locator("h3")).to_contain_text("Threats")
    expect(mine.locator("li")).to_have_count(1)
    threats = console.locator(".console-category[data-category='threats']")
    expect(threats.locator("li")).to_have_count(1)

    # Threats stays picked for the next idea.
    expect(choice(ana, "threats")).to_have_attribute("aria-pressed", "true")
    ana.get_by_role("textbox", name="Your idea (Threats)").fill("Rents keep rising")
    ana.get_by_role("button", name="Send to Threats").click()
    expect(region(projector, "threats").locator(".note")).to_have_count(2)
    phone_fits(ana)
    screens.shot(ana, "phone-320-sent", shots, full_page=True)
    fits(projector, SMALL_WALL)
    screens.shot(projector, "projector-1280-two-ideas", shots)

    # The console moves the first one to Weaknesses: the room's screen and the phone follow.
    row = threats.locator("li", has_text="A rival food bank")
    row.get_by_role("combobox").select_option("weaknesses")
    weaknesses = console.locator(".console-category[data-category='weaknesses']")
    expect(weaknesses.locator("li", has_text="A rival food bank")).to_have_count(1)
    expect(threats.locator("li")).to_have_count(1)
    expect(region(projector, "weaknesses").locator(".note")).to_have_text(
        ["A rival food bank opens nearby"]
    )
    expect(region(projector, "threats").locator(".note")).to_have_text(["Rents keep rising"])
    expect(ana.locator("#my-ideas .own-category[data-category='weaknesses'] li")).to_contain_text(
        ["A rival food bank opens nearby"]
    )
    assert room.ideas() == {
        "A rival food bank opens nearby": "weaknesses",
        "Rents keep rising": "threats",
    }
    no_sideways_scroll(console)
    screens.shot(console, "console-1280-moved", shots, full_page=True)

    # The console's own item goes to the category picked in its form.
    form = console.locator("details.add-item")
    if not form.evaluate("node => node.open"):
        form.locator("summary").click()
    console.locator("#new-item").fill("The college wants a partner")
    form.get_by_role("button", name="Add item").click()
    expect(console.locator("#toast")).to_contain_text("Pick a category first")
    expect(console.locator("#new-item")).to_have_value("The college wants a partner")
    form.get_by_label("Category").select_option("opportunities")
    form.get_by_role("button", name="Add item").click()
    expect(region(projector, "opportunities").locator(".note")).to_have_text(
        ["The college wants a partner"]
    )
    assert room.ideas()["The college wants a partner"] == "opportunities"

    # An idea in focus says which category it is in.
    row = weaknesses.locator("li", has_text="A rival food bank")
    row.get_by_role("button", name="Focus: A rival food bank opens nearby").click()
    expect(projector.locator("#focus .category-tag")).to_have_text("Weaknesses")
    fits(projector, SMALL_WALL)


def test_the_room_screen_fits_one_idea_and_fifty(
    make_room: Callable[..., Room], shots: Path
) -> None:
    room = make_room()
    small = room.projector("small", SMALL_WALL)
    large = room.projector("large", LARGE_WALL)
    room.add("We know every family by name", "strengths")
    for page, viewport, name in ((small, SMALL_WALL, "1280"), (large, LARGE_WALL, "1920")):
        expect(region(page, "strengths").locator(".note")).to_have_count(1)
        fits(page, viewport)
        screens.shot(page, f"projector-{name}-one-idea", shots)
    for i in range(1, 50):
        room.add(f"{WORDS[i % len(WORDS)]} ({i})", SWOT[i % 4]["key"])
    for page, viewport, name in ((small, SMALL_WALL, "1280"), (large, LARGE_WALL, "1920")):
        expect(page.locator("#idea-count")).to_have_text("50 ideas")
        # A fresh draw (as after a reload), then what does not fit is cut with "+ N more".
        page.reload()
        expect(page.locator(".category-region")).to_have_count(4)
        expect(region(page, "threats").locator("h2")).to_have_text("Threats 12")
        fits(page, viewport)
        assert page.locator(".category-region .fit-more").count() >= 1
        screens.shot(page, f"projector-{name}-fifty-ideas", shots)

    # A phone at 320 px with fifty ideas in a vote per category: under their category, the
    # budget of each shown, and a category stops at its budget.
    room.phase("vote")
    phone = room.phone("Cleo")
    sections = phone.locator(".vote-category")
    expect(sections).to_have_count(4)
    threats = phone.locator(".vote-category[data-category='threats']")
    expect(threats.locator(".category-left")).to_contain_text("3 of 3 dots left in Threats")
    more = threats.get_by_role("button", name="Add a dot")
    more.nth(0).click()
    more.nth(0).click()
    more.nth(1).click()
    expect(threats.locator(".category-left")).to_contain_text("0 of 3 dots left in Threats")
    for i in range(more.count()):
        expect(more.nth(i)).to_be_disabled()
    strengths = phone.locator(".vote-category[data-category='strengths']")
    expect(strengths.get_by_role("button", name="Add a dot").first).to_be_enabled()
    phone_fits(phone)
    screens.shot(phone, "phone-320-vote-per-category", shots)
    wait_until(
        lambda: room.state()["stages"][0]["progress"].get("dots") == 3,
        "the phone's dots to reach the server",
    )
    for page, viewport, name in ((small, SMALL_WALL, "1280"), (large, LARGE_WALL, "1920")):
        expect(page.locator(".category-region")).to_have_count(4)
        fits(page, viewport)
        screens.shot(page, f"projector-{name}-vote", shots)

    # The results: each item tagged with its category on the room's screen and the phone.
    room.send(room.facilitator, "results:reveal", {"stage_id": room.stage_id})
    room.phase("done")
    for page, viewport, name in ((small, SMALL_WALL, "1280"), (large, LARGE_WALL, "1920")):
        expect(page.locator(".category-tag").first).to_be_visible()
        fits(page, viewport)
        screens.shot(page, f"projector-{name}-results", shots)
    expect(phone.locator(".results .category-tag").first).to_be_visible()
    expect(phone.locator(".results")).to_contain_text("Threats")
    phone_fits(phone)
    screens.shot(phone, "phone-320-results", shots, full_page=True)


def test_a_private_categorised_brainstorm_shows_counts_only(
    make_room: Callable[..., Room], shots: Path
) -> None:
    agenda = {
        "stages": [
            {
                **AGENDA["stages"][0],
                "steps": [
                    {"kind": "brainstorm", "categories": SWOT, "private": True},
                    {"kind": "done"},
                ],
            }
        ]
    }
    room = make_room(agenda)
    projector = room.projector("projector", SMALL_WALL)
    room.add("Our reserves are thin", "weaknesses")
    expect(projector.locator("#private-count")).to_have_text("1")
    counts = projector.locator(".category-counts li")
    expect(counts).to_have_text(["Strengths0", "Weaknesses1", "Opportunities0", "Threats0"])
    # The counts move live as ideas arrive.
    room.add("The hall roof leaks", "weaknesses")
    room.add("Loyal volunteers", "strengths")
    expect(counts).to_have_text(["Strengths1", "Weaknesses2", "Opportunities0", "Threats0"])
    expect(projector.locator("#private-count")).to_have_text("3")
    expect(projector.locator(".note")).to_have_count(0)
    for words in ("Our reserves are thin", "The hall roof leaks", "Loyal volunteers"):
        expect(projector.locator("#main")).not_to_contain_text(words)
    fits(projector, SMALL_WALL)
    screens.shot(projector, "projector-1280-private", shots)


def test_a_stage_without_categories_draws_none(make_room: Callable[..., Room], shots: Path) -> None:
    room = make_room(PLAIN)
    console = room.console()
    projector = room.projector("projector", SMALL_WALL)
    phone = room.phone("Dev")
    expect(phone.locator("#category-picker")).to_have_count(0)
    phone.get_by_role("textbox", name="Your idea").fill("Carbon-neutral harbour")
    phone.get_by_role("button", name="Send idea").click()
    expect(projector.locator("#wall .note")).to_have_text(["Carbon-neutral harbour"])
    expect(console.locator(".console-ideas li")).to_have_count(1)
    for page in (phone, projector, console):
        assert (
            page.locator(
                ".category-board, .console-category, .move-category, .category-tag"
            ).count()
            == 0
        )
    expect(console.locator("#new-item-category")).to_have_count(0)
    room.phase("vote")
    expect(phone.locator(".vote-item")).to_have_count(1)
    expect(phone.locator(".vote-category, .category-left")).to_have_count(0)
    expect(phone.locator(".dots-left")).to_contain_text("3 dots left")


def test_a_pestle_board_has_six_regions_in_two_rows_and_fits(
    make_room: Callable[..., Room], shots: Path
) -> None:
    # An environment stage that leaves its categories out takes the PESTLE ones.
    agenda = {
        "stages": [
            {"key": "environment", "title": "Our environment", "steps": [{"kind": "brainstorm"}]}
        ]
    }
    room = make_room(agenda)
    categories = room.state()["stages"][0]["steps"][0]["settings"]["categories"]
    assert len(categories) == 6
    small = room.projector("small", SMALL_WALL)
    large = room.projector("large", LARGE_WALL)
    for i in range(30):
        room.add(f"{WORDS[i % len(WORDS)]} ({i})", categories[i % 6]["key"])
    for page, viewport, name in ((small, SMALL_WALL, "1280"), (large, LARGE_WALL, "1920")):
        page.reload()
        expect(page.locator(".category-region")).to_have_count(6)
        rows = page.evaluate(
            "() => [...document.querySelectorAll('.category-region')]"
            ".map((node) => Math.round(node.getBoundingClientRect().y))"
        )
        assert rows[0] == rows[1] == rows[2] < rows[3] == rows[4] == rows[5], rows
        fits(page, viewport)
        screens.shot(page, f"projector-{name}-pestle", shots)
