"""A real headless Chromium through the decision steps on a phone: an allocate stage (points,
the cap, the reveal), a rate stage (impact and effort, the 2x2 scatter on the console and the
projector) and a two-round rank stage counted by the Schulze method (what moved since round 1).

Each test runs one stage from a custom agenda (PUT over HTTP) with the facilitator's console,
a phone-sized participant and, where the room needs more voices, python-socketio participants.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.factories import next_from_console, start_from_console
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}


# --------------------------------------------------------------------------- helpers


class Room:
    """One workshop with a one-stage agenda, its screens (browser contexts) and socket
    participants; collects every page's errors and closes everything at the end."""

    def __init__(self, browser: Browser, server: LiveServer, steps: list[dict[str, Any]]) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        self.clients: list[socketio.Client] = []
        self.errors: list[str] = []
        self.workshop = http(
            f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030", "organization": "Trust"}
        )
        self.key: str = self.workshop["facilitator_key"]
        self.code: str = self.workshop["code"]
        agenda = {
            "stages": [
                {
                    "key": "goals",
                    "title": "Strategic goals",
                    "prompt": "What should we achieve?",
                    "steps": steps,
                }
            ]
        }
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", agenda, self.key)

    def open(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        """A new browser context (a separate device) with one page whose errors are kept."""
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        self.pages[name] = page
        return page

    def console(self) -> Page:
        """The facilitator's console, its one-time key panel dismissed."""
        console = self.open("console", DESK)
        console.goto(self.workshop["urls"]["facilitate"])
        console.get_by_role("button", name="I have saved it").click()
        expect(console.locator("#key-panel")).to_be_hidden()
        expect(console.locator("#stage-panel")).to_contain_text("Strategic goals")
        return console

    def projector(self) -> Page:
        projector = self.open("projector", WALL)
        projector.goto(self.workshop["urls"]["present"])
        expect(projector.locator("#code")).to_have_text(self.code)
        return projector

    def phone(self, name: str) -> Page:
        """A phone-sized participant that opens the join link and types its name."""
        phone = self.open(name, PHONE, phone=True)
        phone.goto(self.workshop["urls"]["join"])
        phone.fill("#name", name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_have_text(f"You: {name}")
        return phone

    def participant(self, name: str) -> socketio.Client:
        """A participant on a socket, joined by code."""
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=["websocket"])
        self.clients.append(client)
        reply = client.call("join", {"code": self.code, "name": name})
        assert reply["ok"], reply
        return client

    def state(self) -> Any:
        """The facilitator's state snapshot over HTTP."""
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def stage_id(self) -> int:
        stage_id: int = self.state()["stages"][0]["id"]
        return stage_id

    def idea_ids(self) -> dict[str, int]:
        """Idea text -> id, in the one stage."""
        return {idea["text"]: idea["id"] for idea in self.state()["stages"][0]["ideas"]}

    def screenshots(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if not page.is_closed():
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True, timeout=5000)

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
        for context in self.contexts:
            context.close()


def send(client: socketio.Client, event: str, payload: dict[str, Any]) -> Any:
    """One socket event whose ack must be ok."""
    reply = client.call(event, payload)
    assert reply["ok"], reply
    return reply


def send_idea(phone: Page, console: Page, text: str) -> None:
    """The phone sends an idea; it shows up on the console."""
    phone.fill("#idea-text", text)
    phone.get_by_role("button", name="Send idea").click()
    expect(console.locator("#stage-panel")).to_contain_text(text)


def texts(locator: Locator) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path / "decisions.sqlite3") as live:
        yield live


@pytest.fixture
def room_factory(
    request: pytest.FixtureRequest, server: LiveServer, browser: Browser, tmp_path: Path
) -> Iterator[list[Room]]:
    """Rooms made by the test (append to the list); screenshots when the test failed."""
    failed_before = request.session.testsfailed
    rooms: list[Room] = []
    yield rooms
    try:
        if request.session.testsfailed > failed_before:
            for i, room in enumerate(rooms):
                room.screenshots(tmp_path / f"screenshots-{i}")
            print(f"screenshots: {tmp_path}")
    finally:
        for room in rooms:
            room.close()


def new_room(
    rooms: list[Room], browser: Browser, server: LiveServer, steps: list[dict[str, Any]]
) -> Room:
    room = Room(browser, server, steps)
    rooms.append(room)
    return room


# --------------------------------------------------------------------------- allocate


def test_phone_allocates_points_with_a_cap_and_sees_totals_only_after_the_reveal(
    room_factory: list[Room], browser: Browser, server: LiveServer
) -> None:
    room = new_room(
        room_factory,
        browser,
        server,
        [
            {"kind": "brainstorm"},
            {"kind": "allocate", "budget": 100, "per_item_cap": 60},
            {"kind": "done", "select_count": 1},
        ],
    )
    console = room.console()
    phone = room.phone("Ana")
    ben = room.participant("Ben")
    start_from_console(console)
    expect(phone.locator("#stage-view")).to_contain_text("Strategic goals · Brainstorm")

    send_idea(phone, console, "Double container throughput")
    send_idea(phone, console, "Zero-emission port")
    stage_id = room.stage_id()
    send(ben, "idea:submit", {"stage_id": stage_id, "text": "New cruise terminal"})
    expect(console.locator("#stage-panel")).to_contain_text("New cruise terminal")
    ids = room.idea_ids()

    next_from_console(console, "Close ideas, start allocating")
    left = phone.locator("#points-left")
    expect(left).to_have_text("100 points left")
    expect(phone.locator("#stage-view")).to_contain_text("At most 60 on one idea")

    # The + button adds 5 points at a time.
    throughput = phone.get_by_role("group", name="Points on: Double container throughput")
    more = throughput.get_by_role("button", name="5 more points")
    for _ in range(3):
        more.click()
    expect(throughput.get_by_role("spinbutton")).to_have_value("15")
    expect(left).to_have_text("85 points left")
    throughput.get_by_role("button", name="5 fewer points").click()
    expect(left).to_have_text("90 points left")

    # Typing more than the cap of 60 on one idea is clamped to 60.
    port = phone.get_by_role("spinbutton", name="Points on: Zero-emission port")
    port.fill("75")
    port.press("Enter")
    expect(port).to_have_value("60")
    expect(left).to_have_text("30 points left")
    # At the cap the + button is off.
    expect(
        phone.get_by_role("group", name="Points on: Zero-emission port").get_by_role(
            "button", name="5 more points"
        )
    ).to_be_disabled()
    expect(phone.locator("#stage-view")).to_contain_text("Your points are saved")

    # The console sees the room's totals live, each with how much the room agrees.
    send(
        ben,
        "allocation:set",
        {
            "stage_id": stage_id,
            "points": {
                str(ids["Double container throughput"]): 50,
                str(ids["New cruise terminal"]): 30,
            },
        },
    )
    rows = console.locator(".console-ideas li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Double container throughput")
    expect(rows.nth(0).locator(".total")).to_have_text("60 points")
    expect(rows.nth(1)).to_contain_text("Zero-emission port")
    expect(rows.nth(1).locator(".total")).to_have_text("60 points")
    expect(rows.nth(2)).to_contain_text("New cruise terminal")
    expect(rows.nth(2).locator(".total")).to_have_text("30 points")
    # Ana gave 10 and 60 (her favourite, the port), Ben 50 (his favourite) and 30: throughput
    # 60 / (2 voters x 50) = 0.6 and the cruise terminal 30 / (2 x 30) = 0.5 are mixed; the
    # port, Ana's favourite and nothing from Ben who favours throughput, splits the room.
    expect(rows.locator(".consensus")).to_have_text(["~mixed", "⚡split room", "~mixed"])

    # The phone does not see the room's totals until the facilitator reveals them.
    expect(phone.locator("#stage-view")).not_to_contain_text("Room total")
    expect(phone.locator(".total")).to_have_count(0)
    console.get_by_role("button", name="Reveal points").click()
    totals = phone.locator(".vote-item .total")
    expect(totals).to_have_count(3)
    expect(phone.locator(".vote-item").filter(has_text="New cruise terminal")).to_contain_text(
        "Room total: 30 points"
    )
    expect(phone.locator(".vote-item").first).to_contain_text("Room total: 60 points")
    port_item = phone.locator(".vote-item").filter(has_text="Zero-emission port")
    expect(port_item).to_contain_text("Room total: 60 points")
    expect(port_item.locator(".consensus")).to_have_text("⚡split room")
    # The phone's own points are kept through the reveal.
    expect(left).to_have_text("30 points left")

    # Ben moves 5 points so one idea wins; the results pick it.
    send(
        ben,
        "allocation:set",
        {
            "stage_id": stage_id,
            "points": {
                str(ids["Double container throughput"]): 55,
                str(ids["New cruise terminal"]): 25,
            },
        },
    )
    expect(rows.nth(0).locator(".total")).to_have_text("65 points")
    next_from_console(console, "Close allocation, show results")
    results = phone.locator(".results li")
    expect(results).to_have_count(3)
    expect(results.first).to_contain_text("Double container throughput")
    expect(results.first).to_contain_text("65 points")
    expect(results.first).to_have_class(re.compile("selected"))
    expect(results.nth(1)).not_to_have_class(re.compile("selected"))
    expect(phone.locator("#stage-view")).to_contain_text("The top item goes into the plan.")
    expect(phone.locator("#stage-view")).to_contain_text("Decided by points")
    assert room.errors == []


# --------------------------------------------------------------------------- rate


def test_phone_rates_impact_and_effort_and_the_room_sees_the_scatter_after_the_reveal(
    room_factory: list[Room], browser: Browser, server: LiveServer
) -> None:
    room = new_room(
        room_factory,
        browser,
        server,
        [{"kind": "brainstorm"}, {"kind": "rate"}, {"kind": "done", "select_count": 1}],
    )
    console = room.console()
    projector = room.projector()
    phone = room.phone("Ana")
    start_from_console(console)
    for text in ("Shore power for ships", "Deepen the channel", "Harbour festival"):
        send_idea(phone, console, text)

    next_from_console(console, "Close ideas, start rating")
    expect(phone.locator("#stage-view")).to_contain_text("Rate impact and effort")

    def scale(idea: str, name: str) -> Locator:
        return phone.get_by_role("group", name=f"{name} of: {idea}")

    def rate(idea: str, name: str, value: int) -> Locator:
        button = scale(idea, name).get_by_role("button", name=f"{name} {value} of 5")
        button.click()
        return button

    # A quick win, a big bet, and an idea with an impact only.
    expect(rate("Shore power for ships", "Impact", 5)).to_have_attribute("aria-pressed", "true")
    rate("Shore power for ships", "Effort", 1)
    rate("Deepen the channel", "Impact", 4)
    rate("Deepen the channel", "Effort", 5)
    rate("Harbour festival", "Impact", 2)
    # A tap on another value moves the choice; a tap on the chosen one clears it.
    wrong = rate("Deepen the channel", "Effort", 4)
    expect(wrong).to_have_attribute("aria-pressed", "true")
    expect(
        scale("Deepen the channel", "Effort").get_by_role("button", name="Effort 5 of 5")
    ).to_have_attribute("aria-pressed", "false")
    festival_effort = rate("Harbour festival", "Effort", 3)
    expect(festival_effort).to_have_attribute("aria-pressed", "true")
    festival_effort.click()
    expect(festival_effort).to_have_attribute("aria-pressed", "false")
    expect(scale("Harbour festival", "Effort").locator("[aria-pressed=true]")).to_have_count(0)
    expect(phone.locator("#stage-view")).to_contain_text("3 ideas rated; saved.")

    # A reload keeps every rating: they were acknowledged by the server, not just kept locally.
    phone.reload()
    expect(phone.locator("#who")).to_have_text("You: Ana")
    pressed = phone.locator(".rate-item [aria-pressed=true]")
    expect(pressed).to_have_count(5)
    for idea, name, value in (
        ("Shore power for ships", "Impact", 5),
        ("Shore power for ships", "Effort", 1),
        ("Deepen the channel", "Impact", 4),
        ("Deepen the channel", "Effort", 4),
        ("Harbour festival", "Impact", 2),
    ):
        expect(
            scale(idea, name).get_by_role("button", name=f"{name} {value} of 5")
        ).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#stage-view")).to_contain_text("3 ideas rated; saved.")

    # The console's 2x2 scatter: one numbered point per idea rated on both scales.
    chart = console.locator("svg.scatter")
    expect(chart).to_be_visible()
    points = chart.locator("g.point")
    expect(points).to_have_count(2)
    # Each point is numbered beside it (the numbers sit over the chart, never over a point).
    expect(console.locator(".scatter-area .scatter-n")).to_have_text(["1", "2"])
    expect(points.nth(0)).to_have_class(re.compile("quick_win"))
    expect(points.nth(1)).to_have_class(re.compile("big_bet"))
    legend = console.locator(".scatter-legend li")
    expect(legend).to_have_count(2)
    expect(legend.nth(0)).to_contain_text("Shore power for ships")
    expect(legend.nth(0)).to_contain_text("Quick win")
    expect(legend.nth(0)).to_contain_text("impact 5.0 ± 0.0, effort 1.0 ± 0.0")
    expect(legend.nth(1)).to_contain_text("Deepen the channel")
    expect(legend.nth(1)).to_contain_text("Big bet")
    expect(console.locator(".scatter-figure")).to_contain_text(
        "Not placed yet (needs an impact and an effort): Harbour festival"
    )

    # The projector shows the scatter only once the facilitator reveals the ratings.
    expect(projector.locator("#main")).to_contain_text("have rated")
    expect(projector.locator("#main")).to_contain_text("Shore power for ships")
    expect(projector.locator("svg.scatter")).to_have_count(0)
    expect(phone.locator("svg.scatter")).to_have_count(0)
    console.get_by_role("button", name="Reveal ratings").click()
    wall_chart = projector.locator("svg.scatter")
    expect(wall_chart).to_be_visible()
    expect(wall_chart.locator("g.point")).to_have_count(2)
    expect(projector.locator(".scatter-legend li").nth(0)).to_contain_text("Quick win")
    expect(phone.locator("svg.scatter")).to_be_visible()

    # The results: by mean impact, the quick win first.
    next_from_console(console, "Close rating, show results")
    results = phone.locator(".results li")
    expect(results).to_have_count(3)
    expect(results.first).to_contain_text("Shore power for ships")
    expect(results.first).to_contain_text("Quick win")
    expect(results.first).to_have_class(re.compile("selected"))
    assert room.errors == []


# --------------------------------------------------------------------------- rank, two rounds


def test_phone_ranks_twice_and_the_results_show_what_moved_by_the_schulze_method(
    room_factory: list[Room], browser: Browser, server: LiveServer
) -> None:
    room = new_room(
        room_factory,
        browser,
        server,
        [
            {"kind": "brainstorm"},
            {"kind": "vote"},
            {"kind": "rank", "method": "schulze", "shortlist_size": 3},
            {"kind": "done", "select_count": 1},
        ],
    )
    console = room.console()
    phone = room.phone("Ana")
    ben, cleo = room.participant("Ben"), room.participant("Cleo")
    start_from_console(console)
    send_idea(phone, console, "Alpha quay")
    send_idea(phone, console, "Bravo terminal")
    stage_id = room.stage_id()
    send(ben, "idea:submit", {"stage_id": stage_id, "text": "Charlie dock"})
    send(cleo, "idea:submit", {"stage_id": stage_id, "text": "Delta marina"})
    expect(console.locator("#stage-panel")).to_contain_text("Delta marina")
    ids = room.idea_ids()
    alpha, bravo, charlie, delta = (
        ids[t] for t in ("Alpha quay", "Bravo terminal", "Charlie dock", "Delta marina")
    )

    # Dots: Delta gets the fewest, so the shortlist of 3 is Alpha, Bravo and Charlie.
    next_from_console(console, "Close ideas, start dot vote")
    expect(phone.locator(".dots-left")).to_contain_text("5 dots left")
    for idea in ("Alpha quay", "Bravo terminal", "Charlie dock"):
        phone.get_by_role("group", name=f"Dots on: {idea}").get_by_role(
            "button", name="Add a dot"
        ).click()
    expect(phone.locator(".dots-left")).to_contain_text("2 dots left")
    expect(phone.locator("#stage-view")).to_contain_text("Your dots are saved")
    send(ben, "votes:set", {"stage_id": stage_id, "votes": {str(bravo): 2, str(charlie): 1}})
    send(cleo, "votes:set", {"stage_id": stage_id, "votes": {str(alpha): 1, str(delta): 1}})

    next_from_console(console, "Close voting, start ranking")
    expect(phone.locator("#stage-view")).to_contain_text("Put the shortlist in order")
    items = phone.locator(".rank-item .rank-text")
    # Before the reveal the phone gets the shortlist in writing order.
    expect(items).to_have_count(3)
    expect(items).to_have_text([re.compile(t) for t in ("Alpha", "Bravo", "Charlie")])

    # Round 1. Ana: Charlie, Alpha, Bravo. Ben: Bravo, Alpha, Charlie. Cleo: Bravo, Charlie,
    # Alpha. Bravo beats both head to head; Charlie beats Alpha 2-1: Bravo, Charlie, Alpha.
    phone.get_by_role("button", name="Move up: Charlie dock").click()
    phone.get_by_role("button", name="Move up: Charlie dock").click()
    round_one = [re.compile(t) for t in ("Charlie", "Alpha", "Bravo")]
    expect(items).to_have_text(round_one)
    submit = phone.get_by_role("button", name=re.compile("^(Submit my ranking|Save again)$"))
    submit.click()
    expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")
    send(ben, "ranking:set", {"stage_id": stage_id, "order": [bravo, alpha, charlie]})
    send(cleo, "ranking:set", {"stage_id": stage_id, "order": [bravo, charlie, alpha]})
    shortlist = console.locator(".console-ideas li")
    expect(shortlist).to_have_text(
        [re.compile(t) for t in ("Bravo terminal", "Charlie dock", "Alpha quay")]
    )
    expect(console.locator("#stage-panel")).to_contain_text("Counted by the Schulze method.")
    expect(console.locator(".metric").filter(has_text="ranked")).to_have_text("3/3ranked")

    console.get_by_role("button", name="Reveal ranking").click()
    # The phone says in one sentence how sure the room is.
    expect(phone.locator("#stage-view .decision-sentence")).to_be_visible()
    console.get_by_role("button", name="Start round 2").click()

    # Round 2: the phone starts from its round-1 order, still saved.
    notice = phone.locator("#stage-view .notice")
    expect(notice).to_have_text(
        "Round 2: you start from your round-1 order. Change it if the discussion changed your mind."
    )
    expect(items).to_have_text(round_one)
    expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")
    # Round 1's results are on the phone, folded away under "Round 1 results".
    previous = phone.locator("details.previous-round")
    expect(previous.locator("summary")).to_have_text("Round 1 results")
    previous.locator("summary").click()
    expect(previous.locator("li")).to_have_text(
        [re.compile(t) for t in ("Bravo terminal", "Charlie dock", "Alpha quay")]
    )

    # Ana moves Alpha above Charlie (Alpha, Charlie, Bravo) and submits: Alpha now beats
    # Charlie 2-1, so Alpha goes up one place and Charlie down one.
    phone.get_by_role("button", name="Move down: Charlie dock").click()
    expect(items).to_have_text([re.compile(t) for t in ("Alpha", "Charlie", "Bravo")])
    submit.click()
    expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")

    expect(shortlist).to_have_text(
        [re.compile(t) for t in ("Bravo terminal", "Alpha quay", "Charlie dock")]
    )
    expect(shortlist.nth(0).locator(".moved")).to_have_text("=")
    expect(shortlist.nth(1).locator(".moved")).to_have_text("▲ 1")
    expect(shortlist.nth(2).locator(".moved")).to_have_text("▼ 1")
    expect(console.locator("#stage-panel")).to_contain_text("2 items have moved since round 1.")

    next_from_console(console, "Close ranking, show results")
    for screen in (phone, console):
        results = screen.locator(".results li")
        expect(results).to_have_count(4)
        expect(results.nth(0)).to_contain_text("Bravo terminal")
        expect(results.nth(0)).to_have_class(re.compile("selected"))
        expect(results.nth(1)).to_contain_text("Alpha quay")
        expect(results.nth(1).locator(".moved")).to_have_text("▲ 1")
        expect(results.nth(2)).to_contain_text("Charlie dock")
        expect(results.nth(2).locator(".moved")).to_have_text("▼ 1")
        expect(results.nth(3)).to_contain_text("Delta marina")
        view = screen.locator("#stage-view" if screen is phone else "#stage-panel")
        expect(view).to_contain_text("Decided by the Schulze method")
        expect(view).to_contain_text("after 2 rounds")
    assert room.errors == []


# --------------------------------------------------------------------------- themes


def test_console_drags_ideas_of_a_private_brainstorm_into_a_theme_the_phone_votes_on(
    room_factory: list[Room], browser: Browser, server: LiveServer
) -> None:
    room = new_room(
        room_factory,
        browser,
        server,
        [
            {"kind": "brainstorm", "private": True},
            {"kind": "vote", "on": "groups"},
            {"kind": "done", "select_count": 1},
        ],
    )
    console = room.console()
    projector = room.projector()
    phone = room.phone("Ana")
    other = room.participant("Ben")
    start_from_console(console)
    expect(phone.locator("#stage-view")).to_contain_text("Private brainstorm")
    stage_id = room.stage_id()
    for text in ("Cleaner river", "More parks"):
        phone.fill("#idea-text", text)
        phone.get_by_role("button", name="Send idea").click()
        expect(console.locator("#stage-panel")).to_contain_text(text)
    reply = other.call("idea:submit", {"stage_id": stage_id, "text": "Cheaper buses"})
    assert reply["ok"], reply
    expect(console.locator("#stage-panel")).to_contain_text("Cheaper buses")

    # Private: the projector counts the ideas; the phone sees only Ana's own.
    expect(projector.locator("#private-count")).to_have_text("3")
    expect(projector.locator("#main")).not_to_contain_text("Cleaner river")
    mine = phone.get_by_role("region", name=re.compile(r"^Your ideas"))
    expect(mine).to_contain_text("Your ideas (2)")
    expect(phone.locator("#stage-view")).not_to_contain_text("Cheaper buses")

    # A theme, one idea dragged onto it and one added from its list.
    console.get_by_placeholder(re.compile("^A theme")).fill("Green city")
    console.get_by_role("button", name="Add theme").click()
    theme = console.locator(".theme", has_text="Green city")
    expect(theme).to_be_visible()
    console.locator(".console-ideas li", has_text="More parks").drag_to(theme)
    expect(theme.locator(".theme-ideas li")).to_have_text([re.compile("More parks")])
    theme.get_by_label("Add an idea to Green city").select_option(label="Cleaner river")
    expect(theme.locator(".theme-ideas li")).to_have_count(2)
    assert room.state()["stages"][0]["groups"] == [
        {
            "title": "Green city",
            "idea_ids": [room.idea_ids()[t] for t in ("More parks", "Cleaner river")],
        }
    ]

    console.get_by_role("button", name="Reveal ideas").click()
    expect(projector.locator("#main")).to_contain_text("Cheaper buses")

    # The vote is on the theme (one item, its ideas listed as also said) and the loose idea.
    next_from_console(console, "Close ideas, start dot vote")
    items = phone.locator(".vote-item")
    expect(items).to_have_count(2)
    expect(phone.locator("#stage-view")).to_contain_text("Green city")
    panel = console.locator("#stage-panel")
    expect(panel).to_contain_text("Ideas: “Cleaner river” · “More parks”")
    expect(panel).to_contain_text("Nobody has taken part yet")
    phone.get_by_role("button", name="Add a dot").first.click()
    expect(panel).to_contain_text("1 dot")
    expect(panel).not_to_contain_text("Nobody has taken part yet")
    assert room.errors == []
