"""The stage timer and the item in focus as the room sees them, in a real headless Chromium
against the real server: the facilitator drives the workshop over a socket, as the console
would; a phone and the room's screen (at 1920x1080 and at 1280x720) only watch.

- The countdown shows on the phone (`#phone-timer .countdown`) and on the room's screen
  (`#projector-timer .countdown`) within 3 s of `timer:set`, counts down, says it is paused,
  and says "Time's up" at zero without closing anything; a phone whose clock is minutes off
  shows the server's countdown all the same.
- The item in focus takes the room's screen (`#focus`) with its figures only once revealed,
  is pinned on the phone (`#focus-pin`), and goes after `focus:clear` and after a step change.
- Every state fits both room screens (tests/screens.py): no scrolling, nothing cut, no text
  under the floor.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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

PHONE: ViewportSize = {"width": 390, "height": 844}
WALLS: dict[str, ViewportSize] = {
    "wall1080": {"width": 1920, "height": 1080},
    "wall720": {"width": 1280, "height": 720},
}
WITHIN = 3.0  # seconds from `timer:set` to the countdown on every screen (the bound)
MAIN_TOP = "() => document.getElementById('main').offsetTop"  # where the view starts
TIMES_UP = "Time\u2019s up"  # with a typographic apostrophe, as the screens write it
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in five years?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 5},
                {"kind": "done", "select_count": 2},
            ],
        }
    ]
}
IDEAS = (
    "Every household within 15 minutes of a green space",
    "Double the apprenticeships on the harbour",
    "A night bus to every village",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("timer-focus") / "timer.sqlite3") as live:
        yield live


class Room:
    """A new workshop with its first brainstorm open, the facilitator on a socket, and the
    screens in the browser: the room's screen at each size and phones."""

    def __init__(
        self, browser: Browser, server: LiveServer, agenda: dict[str, Any] = AGENDA
    ) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", agenda, self.key)
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        state = self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})[
            "state"
        ]
        self.stage_id: int = state["stages"][0]["id"]
        self.projector_url: str = state.get("projector_url") or state["workshop"]["projector_url"]
        self.phase("brainstorm")
        self.walls: dict[str, Page] = {}

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        """One facilitator event whose ack must be ok."""
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], (event, reply)
        return reply

    def phase(self, phase: str) -> None:
        self.send("stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def page(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        """A page in a browser context of its own (a separate device); its errors are kept."""
        context = self.browser.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone, reduced_motion="reduce"
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{name}: {error}"))
        return page

    def open_walls(self) -> dict[str, Page]:
        """The room's screen at 1920x1080 and at 1280x720, from the console's projector link."""
        for name, viewport in WALLS.items():
            page = self.page(name, viewport)
            page.goto(self.projector_url)
            expect(page.locator("#app")).to_have_class(re.compile(r"\bis-running\b"))
            self.walls[name] = page
        return self.walls

    def phone(self, name: str, *, clock_ahead: timedelta | None = None) -> Page:
        """A phone that opens the join link and joins with a name; `clock_ahead` sets its clock
        that far from the real time (a phone whose clock is wrong)."""
        page = self.page(name, PHONE, phone=True)
        if clock_ahead is not None:
            page.clock.install(time=datetime.now(UTC) + clock_ahead)
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name="Join the workshop").click()
        expect(page.locator("#who")).to_have_text(f"You: {name}")
        return page

    def add_ideas(self) -> list[int]:
        """The facilitator's own items on the open brainstorm, in order."""
        return [
            self.send("idea:submit", {"stage_id": self.stage_id, "text": text})["idea"]["id"]
            for text in IDEAS
        ]

    def fits(self, when: str) -> list[str]:
        """What keeps either room screen from fitting and reading, named by screen and moment."""
        found: list[str] = []
        for name, page in self.walls.items():
            size = WALLS[name]
            floor = screens.floor_for(size["width"], size["height"])
            found += [
                f"{when}, {name}: {line}"
                for line in screens.projector_violations(page, floor_px=floor)
            ]
        return found

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


def countdown_of(page: Page, where: str) -> Any:
    return page.locator(f"{where} .countdown")


def seconds_shown(text: str) -> int:
    """The seconds a countdown shows: 245 for "4:05"."""
    minutes, seconds = text.strip().split(":")
    return int(minutes) * 60 + int(seconds)


def test_the_countdown_reaches_the_phone_and_the_room_within_3_s_pauses_and_says_times_up(
    room: Room,
) -> None:
    walls = room.open_walls()
    phone = room.phone("Ana")
    # A phone whose clock runs ten minutes ahead: counting to `ends_at` on its own clock it
    # would say "Time's up" at once; corrected by the server's time it shows what the others do.
    skewed = room.phone("Ben", clock_ahead=timedelta(minutes=10))
    ahead = skewed.evaluate("() => Date.now()") / 1000 - time.time()
    assert 590 < ahead < 610, f"the phone's clock is {ahead:.0f} s ahead, not 600"
    timers = [countdown_of(page, "#projector-timer") for page in walls.values()]
    timers += [countdown_of(phone, "#phone-timer"), countdown_of(skewed, "#phone-timer")]
    for timer in timers:
        expect(timer).to_be_hidden()  # no timer, no countdown

    started = time.monotonic()
    room.send("timer:set", {"stage_id": room.stage_id, "seconds": 300})
    for timer in timers:
        expect(timer.locator(".countdown-time")).to_have_text(
            re.compile(r"^[45]:\d\d$"), timeout=WITHIN * 1000
        )
    elapsed = time.monotonic() - started
    assert elapsed <= WITHIN, f"the countdown took {elapsed:.1f} s to show on every screen"
    for timer in timers:
        shown = seconds_shown(timer.locator(".countdown-time").inner_text())
        assert 300 - (time.monotonic() - started) - 2 <= shown <= 300, shown
    found = room.fits("running timer")
    # Where the view starts under the strip: paused or at "Time's up", it must not move.
    tops = {name: page.evaluate(MAIN_TOP) for name, page in walls.items()}
    found += [f"running timer: {line}" for line in screens.axe_violations(walls["wall1080"])]

    # It counts down on its own, a second at a time.
    first = timers[0].locator(".countdown-time").inner_text()
    expect(timers[0].locator(".countdown-time")).not_to_have_text(first, timeout=2500)

    # Paused: it stops and says so on every screen.
    room.send("timer:pause", {"stage_id": room.stage_id})
    for timer in timers:
        expect(timer).to_have_class(re.compile(r"\bis-paused\b"))
        expect(timer.locator(".countdown-note")).to_have_text("paused")
    held = [timer.locator(".countdown-time").inner_text() for timer in timers]
    assert len({seconds_shown(text) for text in held}) == 1, held  # the same moment everywhere
    time.sleep(1.2)  # a paused countdown must not move: compare across more than a second
    assert [timer.locator(".countdown-time").inner_text() for timer in timers] == held
    found += room.fits("paused timer")
    assert {name: page.evaluate(MAIN_TOP) for name, page in walls.items()} == tops

    # Resumed, then taken down to zero: "Time's up", and nothing closes.
    room.send("timer:resume", {"stage_id": room.stage_id})
    for timer in timers:
        expect(timer).not_to_have_class(re.compile(r"\bis-paused\b"))
    room.send("timer:add", {"stage_id": room.stage_id, "seconds": -7200})
    for timer in timers:
        expect(timer.locator(".countdown-time")).to_have_text(TIMES_UP)
        expect(timer).to_have_class(re.compile(r"\bis-up\b"))
    expect(phone.get_by_role("textbox", name="Your idea")).to_be_visible()  # still open
    state = http(f"{room.url}/api/workshops/{room.workshop['id']}", key=room.key)
    assert state["current"]["phase"] == "brainstorm"
    found += room.fits("time's up")
    assert {name: page.evaluate(MAIN_TOP) for name, page in walls.items()} == tops

    # A new step clears the timer on every screen.
    room.add_ideas()
    room.phase("vote")
    for timer in timers:
        expect(timer).to_be_hidden()
    assert not found, "\n".join(found)


def test_the_item_in_focus_takes_the_room_screen_and_pins_on_the_phone_until_cleared(
    room: Room,
) -> None:
    ideas = room.add_ideas()
    walls = room.open_walls()
    phone = room.phone("Cleo")
    pin = phone.locator("#focus-pin")
    expect(pin).to_be_hidden()

    # In focus during the brainstorm: large on the room's screen, pinned on the phone.
    room.send("focus:set", {"idea_id": ideas[1]})
    for page in walls.values():
        focus = page.locator("#focus")
        expect(focus).to_be_visible()
        expect(focus.locator(".focus-text")).to_have_text(IDEAS[1])
        expect(focus).to_contain_text("Strategic goals")
        # Read from the element on the page at the time: a later state redraws the focus, and
        # an element taken before that is detached (no computed size).
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('#focus .focus-text'))"
            ".fontSize)"
        )
        viewport = page.viewport_size or PHONE
        floor = screens.floor_for(viewport["width"], viewport["height"])
        assert size >= 2 * floor, f"the item in focus is {size} px: not large"
    expect(pin).to_be_visible()
    expect(pin).to_contain_text(IDEAS[1])
    found = room.fits("focus in a brainstorm")

    # Cleared: the room's screen is back to the wall of ideas, the pin goes.
    room.send("focus:clear", {})
    for page in walls.values():
        expect(page.locator("#focus")).to_have_count(0)
        expect(page.locator("#main")).to_contain_text(IDEAS[0])
    expect(pin).to_be_hidden()

    # The vote: one phone's dots, in focus before the reveal (no figures) and after (its dots).
    room.phase("vote")
    voter = socketio.Client(reconnection=False)
    voter.connect(room.url, transports=["websocket"])
    try:
        joined = voter.call("join", {"code": room.workshop["code"], "name": "Dev"})
        assert joined["ok"], joined
        votes = {str(ideas[0]): 3, str(ideas[2]): 1}
        reply = voter.call("votes:set", {"stage_id": room.stage_id, "votes": votes})
        assert reply["ok"], reply
    finally:
        voter.disconnect()
    room.send("focus:set", {"idea_id": ideas[0]})
    for page in walls.values():
        focus = page.locator("#focus")
        expect(focus.locator(".focus-text")).to_have_text(IDEAS[0])
        expect(focus.locator(".focus-hidden")).to_be_visible()
        expect(focus).not_to_contain_text("dots")
    expect(pin).to_contain_text(IDEAS[0])
    expect(pin).not_to_contain_text("3 dots")
    found += room.fits("focus before the reveal")

    room.send("results:reveal", {"stage_id": room.stage_id})
    for page in walls.values():
        focus = page.locator("#focus")
        expect(focus.locator(".focus-figures")).to_contain_text("3 dots")
        expect(focus.locator(".focus-hidden")).to_have_count(0)
    expect(pin).to_contain_text("3 dots")
    found += room.fits("focus after the reveal")
    found += [f"focus: {line}" for line in screens.axe_violations(walls["wall1080"])]

    # A step change ends the focus on every screen; the results show.
    room.phase("done")
    for page in walls.values():
        expect(page.locator("#focus")).to_have_count(0)
        expect(page.locator("#main")).to_contain_text("go into the plan")
    expect(pin).to_be_hidden()

    # In focus on the results: its place among them, its dots, and that it was selected.
    room.send("focus:set", {"idea_id": ideas[0]})
    for page in walls.values():
        figures = page.locator("#focus .focus-figures")
        expect(figures).to_contain_text("#1")
        expect(figures).to_contain_text("3 dots")
        expect(figures).to_contain_text("selected")
    found += room.fits("focus on a result")
    assert not found, "\n".join(found)


RANKED = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in five years?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 5},
                {"kind": "rank", "shortlist_size": 2},
                {"kind": "done", "select_count": 1},
            ],
        }
    ]
}


def test_an_item_in_focus_left_off_the_shortlist_says_so_with_its_earlier_figures(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    room = Room(browser, server, RANKED)
    try:
        ideas = room.add_ideas()
        room.phase("vote")
        voter = socketio.Client(reconnection=False)
        voter.connect(room.url, transports=["websocket"])
        try:
            joined = voter.call("join", {"code": room.workshop["code"], "name": "Dev"})
            assert joined["ok"], joined
            votes = {str(ideas[0]): 3, str(ideas[2]): 1}
            reply = voter.call("votes:set", {"stage_id": room.stage_id, "votes": votes})
            assert reply["ok"], reply
            room.send("results:reveal", {"stage_id": room.stage_id})
            room.phase("rank")  # the top two by dots: ideas 0 and 2
            reply = voter.call(
                "ranking:set", {"stage_id": room.stage_id, "order": [ideas[2], ideas[0]]}
            )
            assert reply["ok"], reply
        finally:
            voter.disconnect()
        walls = room.open_walls()

        # Before the ranking is revealed and after: the idea the vote left out says so, with
        # its dots from the revealed vote.
        room.send("focus:set", {"idea_id": ideas[1]})
        for page in walls.values():
            figures = page.locator("#focus .focus-figures")
            expect(figures).to_contain_text("Not on the shortlist")
            expect(figures).to_contain_text("0 dots")
        found = room.fits("focus off the shortlist")
        room.send("results:reveal", {"stage_id": room.stage_id})
        for page in walls.values():
            figures = page.locator("#focus .focus-figures")
            expect(figures).to_contain_text("Not on the shortlist")
            expect(figures).to_contain_text("0 dots")
        found += room.fits("focus off a revealed shortlist")
        walls["wall720"].screenshot(path=str(tmp_path / "focus-off-shortlist.png"))

        # One on the shortlist: its place in the revealed ranking, and no such line.
        room.send("focus:set", {"idea_id": ideas[2]})
        for page in walls.values():
            figures = page.locator("#focus .focus-figures")
            expect(figures).to_contain_text("place 1")
            expect(figures).not_to_contain_text("Not on the shortlist")
        assert not found, "\n".join(found)
        assert room.errors == []
    finally:
        room.close()
