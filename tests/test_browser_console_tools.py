"""The facilitator's everyday tools on the console, in a real headless Chromium at 1280x800
against a real server: the join panel (link, copy, QR, and the warning a loopback server
needs), the timer (presets, a custom value, +1 min, pause, resume, clear, "Time's up" and its
optional tone), suggested duplicates (Merge in one click, "Not the same" for good), who has
not taken part yet, and the item in focus. Phones are Socket.IO clients. One browser and one
server for the whole module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
SOON = 3_000  # ms: what the facilitator clicked shows within this
TIMES_UP = "Time\N{RIGHT SINGLE QUOTATION MARK}s up"

# Counts the tones the page starts (a spy on the browser's own WebAudio, which still plays).
AUDIO_SPY = """
(() => {
  window.__tones = 0;
  const original = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (...args) {
    window.__tones += 1;
    return original.apply(this, args);
  };
})();
"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    # Each test makes its own workshop: more than the per-address burst of workshop creation
    # (10) in a minute, which a real facilitator never needs.
    with LiveServer(
        tmp_path_factory.mktemp("tools") / "tools.sqlite3", env={"CREATE_BURST": "1000"}
    ) as live:
        yield live


class Room:
    """A workshop made through the API, its phones (Socket.IO clients) and a facilitator
    client for what the test does behind the console's back."""

    def __init__(self, server: LiveServer, stages: list[dict[str, Any]] | None = None) -> None:
        self.server = server
        self.workshop = http(f"{server.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key = self.workshop["facilitator_key"]
        if stages is not None:
            url = f"{server.url}/api/workshops/{self.workshop['id']}/agenda"
            http(url, "PUT", {"stages": stages}, self.key)
        self.clients: list[socketio.Client] = []
        self.facilitator = self.connect()
        login = {"workshop_id": self.workshop["id"], "key": self.key}
        assert self.facilitator.call("facilitate", login)["ok"]
        self.stage_id: int = self.state()["stages"][0]["id"]

    def connect(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.server.url, transports=["websocket"])
        self.clients.append(client)
        return client

    def state(self) -> Any:
        """The facilitator's state, as the server has it now."""
        return http(f"{self.server.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def stage(self) -> Any:
        return next(s for s in self.state()["stages"] if s["id"] == self.stage_id)

    def call(self, event: str, payload: dict[str, Any]) -> Any:
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.call("stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def phone(self, name: str | None = None) -> socketio.Client:
        phone = self.connect()
        body: dict[str, Any] = {"code": self.workshop["code"]}
        if name:
            body["name"] = name
        assert phone.call("join", body)["ok"]
        return phone

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()


@pytest.fixture
def rooms(server: LiveServer) -> Iterator[Any]:
    made: list[Room] = []

    def make(stages: list[dict[str, Any]] | None = None) -> Room:
        room = Room(server, stages)
        made.append(room)
        return room

    yield make
    for room in made:
        room.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Any]:
    """New browser contexts at 1280x800; no page in them may throw."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def new_context(**options: Any) -> BrowserContext:
        context = browser.new_context(viewport=DESK, **options)
        context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        made.append(context)
        return context

    yield new_context
    for context in made:
        context.close()
    assert not errors


def open_console(context: BrowserContext, room: Room) -> Page:
    """The room's console in `context`, its one-time key panel dismissed."""
    page = context.new_page()
    page.goto(room.workshop["urls"]["facilitate"])
    page.get_by_role("button", name="I have saved it").click()
    expect(page.locator("#stage-panel h2")).to_be_visible()
    return page


def seconds_shown(page: Page) -> int:
    """The console's countdown as seconds ("4:05" → 245)."""
    text = page.locator("#timer-panel .countdown-time").inner_text()
    match = re.fullmatch(r"(\d+):(\d\d)", text.strip())
    assert match, text
    return int(match.group(1)) * 60 + int(match.group(2))


# --------------------------------------------------------------------------- duplicates


def test_a_suggested_duplicate_merges_into_the_earliest_idea_in_one_click(
    rooms: Any, contexts: Any
) -> None:
    room = rooms()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    first, second = room.phone("Ana"), room.phone("Ben")
    assert first.call("idea:submit", {"stage_id": room.stage_id, "text": "Integrity"})["ok"]
    assert second.call("idea:submit", {"stage_id": room.stage_id, "text": "integrity"})["ok"]

    # The console suggests them as one group, live, the earliest wording marked as kept.
    groups = console.locator("#duplicates .duplicate-group")
    expect(groups).to_have_count(1)
    expect(groups.first.locator(".is-kept")).to_contain_text("Integrity")
    expect(groups.first).to_contain_text("integrity")

    groups.first.locator("button.merge-duplicates").click()
    expect(groups).to_have_count(0)
    expect(console.locator("#duplicates")).to_have_count(0)
    ideas = [idea for idea in room.stage()["ideas"] if not idea.get("hidden")]
    assert [idea["text"] for idea in ideas] == ["Integrity"]
    assert ideas[0]["also_said"] == ["integrity"]
    expect(console.locator("#stage-panel")).to_contain_text("integrity")  # also said


def test_the_facilitator_picks_which_wording_a_merge_keeps(rooms: Any, contexts: Any) -> None:
    """The earliest wording has a typo: pressing the later one makes Merge keep that instead."""
    room = rooms()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    phone = room.phone()
    for text in ("Improve custmer service", "Improve customer service"):
        assert phone.call("idea:submit", {"stage_id": room.stage_id, "text": text})["ok"]
    group = console.locator("#duplicates .duplicate-group")
    expect(group).to_have_count(1)
    expect(group.locator(".is-kept")).to_contain_text("Improve custmer service")

    choice = group.locator("button.duplicate-choice").filter(has_text="Improve customer service")
    choice.click()
    expect(group.locator(".is-kept")).to_have_text(re.compile("^Improve customer service"))
    expect(
        group.get_by_role("button", name=re.compile("^Improve customer service"))
    ).to_have_attribute("aria-pressed", "true")
    group.locator("button.merge-duplicates").click()
    expect(console.locator("#duplicates")).to_have_count(0)
    ideas = [idea for idea in room.stage()["ideas"] if not idea.get("hidden")]
    assert [idea["text"] for idea in ideas] == ["Improve customer service"]
    assert ideas[0]["also_said"] == ["Improve custmer service"]


def test_not_the_same_dismisses_the_suggestion_for_good(rooms: Any, contexts: Any) -> None:
    room = rooms()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    phone = room.phone()
    for text in ("Grow regional jobs", "grow regional jobs"):
        assert phone.call("idea:submit", {"stage_id": room.stage_id, "text": text})["ok"]
    groups = console.locator(".duplicate-group")
    expect(groups).to_have_count(1)

    # From the keyboard; the keyboard stays in the stage once the suggestion is gone.
    groups.first.locator("button.dismiss-duplicates").focus()
    console.keyboard.press("Enter")
    expect(console.locator("#duplicates")).to_have_count(0)
    expect(console.locator("#stage-panel h2")).to_be_focused()
    assert room.stage()["duplicates"] == []
    assert len(room.stage()["ideas"]) == 2  # both ideas stay

    # After a reload the ideas are there and the suggestion is not.
    console.reload()
    expect(console.locator("#stage-panel")).to_contain_text("grow regional jobs")
    expect(console.locator("#stage-panel .metric strong").first).to_have_text("2")
    expect(groups).to_have_count(0)


# --------------------------------------------------------------------------- timer


def test_the_timer_starts_pauses_resumes_adds_and_clears(rooms: Any, contexts: Any) -> None:
    room = rooms()
    console = open_console(contexts(), room)
    panel = console.locator("#timer-panel")
    countdown = panel.locator(".countdown")
    # In the lobby the timer counts down to the start ("we start in 5 minutes").
    expect(panel).to_be_visible()
    panel.locator('button[data-minutes="5"]').click()
    expect(countdown.locator(".countdown-time")).to_have_text(re.compile(r"^(5:00|4:5\d)$"))
    assert room.state()["timer"]["seconds"] == 300
    # Starting the first step is a step change: it clears the lobby's countdown.
    console.locator("#start-workshop").click()
    expect(panel).to_be_visible()
    expect(countdown).to_be_hidden()
    for control in ("#timer-pause", "#timer-resume", "#timer-add", "#timer-clear"):
        expect(console.locator(control)).to_be_hidden()  # nothing to act on yet

    # 3 minutes: the countdown shows at once and counts down from 3:00.
    panel.locator('button[data-minutes="3"]').click()
    expect(countdown).to_be_visible(timeout=SOON)
    expect(countdown.locator(".countdown-time")).to_have_text(re.compile(r"^(3:00|2:5\d)$"))
    timer = room.state()["timer"]
    assert timer["seconds"] == 180 and timer["running"] is True

    # Pause keeps the seconds left and says so; Resume runs on from there.
    console.locator("#timer-pause").click()
    expect(countdown).to_have_class(re.compile(r"\bis-paused\b"), timeout=SOON)
    expect(countdown.locator(".countdown-note")).to_have_text("paused")
    expect(console.locator("#timer-resume")).to_be_focused()
    left = seconds_shown(console)
    console.wait_for_timeout(1_200)
    assert seconds_shown(console) == left
    assert room.state()["timer"]["running"] is False
    console.locator("#timer-resume").click()
    expect(countdown).not_to_have_class(re.compile(r"\bis-paused\b"), timeout=SOON)
    assert room.state()["timer"]["running"] is True

    # +1 min adds a minute to what is left.
    before = seconds_shown(console)
    console.locator("#timer-add").click()
    console.wait_for_function(
        """(least) => {
          const shown = document.querySelector("#timer-panel .countdown-time").textContent;
          const [m, s] = shown.split(":");
          return Number(m) * 60 + Number(s) >= least;
        }""",
        arg=before + 55,
        timeout=SOON,
    )

    # Clear takes it off every screen.
    console.locator("#timer-clear").click()
    expect(countdown).to_be_hidden(timeout=SOON)
    expect(console.locator("#timer-clear")).to_be_hidden()
    assert room.state()["timer"] is None


def test_a_custom_timer_is_checked_before_it_is_sent(rooms: Any, contexts: Any) -> None:
    room = rooms()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    custom = console.locator("#timer-custom")
    error = console.locator("#timer-error")

    refused = (
        ("0.1", "10 seconds"),
        ("121", "120 minutes"),
        ("", "number of minutes"),
        ("ten", "number of minutes"),
    )
    for typed, message in refused:
        custom.fill(typed)
        console.locator("#timer-custom-start").click()
        expect(error).to_contain_text(message)
        expect(custom).to_have_attribute("aria-invalid", "true")
        assert room.state()["timer"] is None  # nothing was sent

    # Typing again takes the message away; Enter starts it. A decimal comma is a decimal point.
    custom.fill("1,5")
    expect(error).to_be_hidden()
    custom.press("Enter")
    expect(console.locator("#timer-panel .countdown-time")).to_have_text(
        re.compile(r"^1:(30|2\d)$"), timeout=SOON
    )
    assert room.state()["timer"]["seconds"] == 90
    expect(custom).to_have_value("")


def test_times_up_at_zero_rings_once_when_asked_and_not_after_a_reload(
    rooms: Any, contexts: Any
) -> None:
    room = rooms()
    room.phase("brainstorm")
    context = contexts()
    context.add_init_script(AUDIO_SPY)
    console = open_console(context, room)
    sound = console.locator("#timer-sound")
    expect(sound).not_to_be_checked()  # off by default
    sound.check()
    console.locator('button[data-minutes="1"]').click()
    expect(console.locator("#timer-panel .countdown")).to_be_visible(timeout=SOON)
    assert console.evaluate("window.__tones") == 0

    # Another console takes the time off: this one reaches zero, says so and rings.
    room.call("timer:add", {"stage_id": room.stage_id, "seconds": -60})
    countdown = console.locator("#timer-panel .countdown")
    expect(countdown.locator(".countdown-time")).to_have_text(TIMES_UP, timeout=SOON)
    expect(countdown).to_have_class(re.compile(r"\bis-up\b"))
    console.wait_for_function("window.__tones === 3", timeout=SOON)
    expect(console.locator("#timer-pause")).to_be_hidden()
    expect(console.locator("#timer-add")).to_be_visible()  # more time is one click away

    # A reload finds the timer up: it says so, remembers the sound choice, and stays quiet.
    console.reload()
    expect(console.locator("#timer-panel .countdown-time")).to_have_text(TIMES_UP)
    expect(console.locator("#timer-sound")).to_be_checked()
    console.wait_for_timeout(800)
    assert console.evaluate("window.__tones") == 0


def test_finished_workshops_have_no_timer(rooms: Any, contexts: Any) -> None:
    room = rooms()
    room.phase("brainstorm")
    room.call("timer:set", {"stage_id": room.stage_id, "seconds": 300})
    console = open_console(contexts(), room)
    expect(console.locator("#timer-panel .countdown")).to_be_visible()
    room.call("workshop:finish", {})
    expect(console.locator("#stage-panel")).to_contain_text("The workshop is finished")
    expect(console.locator("#timer-panel")).to_be_hidden()
    expect(console.locator("#join-panel")).to_be_visible()


# --------------------------------------------------------------------------- join panel


def test_the_join_panel_shows_the_link_its_qr_and_why_phones_cannot_open_it(
    rooms: Any, contexts: Any
) -> None:
    room = rooms()
    join_url = room.state()["workshop"]["join_url"]
    context = contexts()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    console = open_console(context, room)

    # In the lobby it sits beside who has joined: link, QR, code.
    panel = console.locator("#lobby #join-panel")
    expect(panel).to_be_visible()
    link = console.locator("#join-link")
    expect(link).to_have_attribute("href", join_url)
    expect(link).to_have_text(join_url)
    qr = console.locator("#join-qr")
    expect(qr).to_have_attribute("src", f"/j/{room.workshop['code']}/qr.svg")
    console.wait_for_function("document.getElementById('join-qr').naturalWidth > 0")
    expect(panel).to_contain_text(room.workshop["code"])

    # The test server listens on 127.0.0.1 only: the console says phones cannot open it.
    warning = console.locator("#join-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Phones cannot open this link")
    expect(warning).to_contain_text("HOST=0.0.0.0")
    expect(warning).to_contain_text("PUBLIC_URL")

    console.locator("#copy-join").click()
    expect(console.locator("#toast")).to_have_text("Link copied")
    assert console.evaluate("navigator.clipboard.readText()") == join_url

    # Once the day runs it stays, compact, at the top of the side column.
    console.locator("#start-workshop").click()
    expect(console.locator("#console-side #join-panel.is-compact")).to_be_visible()
    expect(link).to_be_visible()
    expect(qr).to_be_visible()
    expect(warning).to_be_visible()


def test_copy_falls_back_to_selecting_the_link_outside_a_secure_context(
    rooms: Any, contexts: Any
) -> None:
    """On plain http over a LAN the clipboard API is missing: the link is selected and copied
    with the browser's copy command."""
    room = rooms()
    context = contexts()
    context.add_init_script(
        "Object.defineProperty(window, 'isSecureContext', { value: false });"
        "Object.defineProperty(navigator, 'clipboard', { value: undefined });"
    )
    console = open_console(context, room)
    console.locator("#copy-join").click()
    expect(console.locator("#toast")).to_be_visible()
    join_url = room.state()["workshop"]["join_url"]
    assert console.evaluate("getSelection().toString()") == join_url


# --------------------------------------------------------------------------- who has not acted


def test_not_yet_names_shrink_as_phones_vote(rooms: Any, contexts: Any) -> None:
    room = rooms()
    phones = {name: room.phone(name) for name in ("Ana Costa", "Ben Ito")}
    room.phone()  # one without a name
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    idea = phones["Ana Costa"].call("idea:submit", {"stage_id": room.stage_id, "text": "Open port"})
    room.phase("vote")

    not_yet = console.locator("#not-yet")
    names = not_yet.locator(".not-yet-names li")
    expect(names).to_have_text(["Ana Costa", "Ben Ito", "+ 1 without a name"], timeout=SOON)
    expect(not_yet).to_contain_text("3 of 3")

    vote = {"stage_id": room.stage_id, "votes": {str(idea["idea"]["id"]): 1}}
    assert phones["Ana Costa"].call("votes:set", vote)["ok"]
    expect(names).to_have_text(["Ben Ito", "+ 1 without a name"], timeout=SOON)
    # Only someone without a name is left: the count says it.
    assert phones["Ben Ito"].call("votes:set", vote)["ok"]
    expect(not_yet).to_contain_text("1 person has not taken part in this step yet.", timeout=SOON)
    expect(names).to_have_count(0)


def test_an_anonymous_room_shows_only_how_many_have_not_acted(rooms: Any, contexts: Any) -> None:
    room = rooms()
    room.phone()
    room.phone()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    not_yet = console.locator("#not-yet")
    expect(not_yet).to_contain_text("2 people have not taken part in this step yet.")
    expect(not_yet.locator("li")).to_have_count(0)

    # Viewing another stage shows nothing about the room's current step.
    console.locator("#agenda button").nth(1).click()
    expect(console.locator("#stage-panel h2")).to_contain_text("Goals")
    expect(not_yet).to_have_count(0)


def test_a_big_room_lists_thirty_names_then_how_many_more(rooms: Any, contexts: Any) -> None:
    room = rooms()
    for n in range(1, 36):
        room.phone(f"Person {n:02}")
    room.phone()
    room.phase("brainstorm")
    console = open_console(contexts(), room)
    names = console.locator("#not-yet .not-yet-names li")
    expect(names).to_have_count(32)
    shown = names.all_inner_texts()
    assert shown[:30] == [f"Person {n:02}" for n in range(1, 31)]
    assert shown[30:] == ["and 5 more", "+ 1 without a name"]
    expect(console.locator("#not-yet")).to_contain_text("36 of 36")


# --------------------------------------------------------------------------- focus


def test_the_focus_banner_names_the_item_and_stops_it(rooms: Any, contexts: Any) -> None:
    room = rooms()
    room.phase("brainstorm")
    item = {"stage_id": room.stage_id, "text": "Open the harbour front", "client_id": "f1"}
    reply = room.call("idea:submit", item)
    console = open_console(contexts(), room)
    banner = console.locator("#focus-banner")
    expect(banner).to_be_hidden()
    room.call("focus:set", {"idea_id": reply["idea"]["id"]})
    expect(banner).to_be_visible(timeout=SOON)
    expect(banner).to_contain_text("Open the harbour front")
    console.locator("#focus-clear").click()
    expect(banner).to_be_hidden(timeout=SOON)
    assert room.state()["focus"] is None


# --------------------------------------------------------------------------- layout


def test_the_tools_fit_a_laptop_and_pass_axe(rooms: Any, contexts: Any) -> None:
    """A brainstorm with a running timer, an item in focus, duplicates and who has not taken
    part: no sideways scrolling at 1280 px, the timer on one line, the sticky bar leaves most
    of the screen to the ideas, and axe-core finds nothing serious."""
    room = rooms()
    phone = room.phone("Ana Costa")
    room.phone("Ben Ito")
    room.phase("brainstorm")
    ids = [
        phone.call("idea:submit", {"stage_id": room.stage_id, "text": text})["idea"]["id"]
        for text in ("Integrity", "integrity", "Halve our emissions by 2030")
    ]
    room.call("timer:set", {"stage_id": room.stage_id, "seconds": 300})
    room.call("focus:set", {"idea_id": ids[2]})
    console = open_console(contexts(), room)
    expect(console.locator(".duplicate-group")).to_have_count(1)
    expect(console.locator("#not-yet")).to_be_visible()
    expect(console.locator("#focus-banner")).to_be_visible()
    assert console.evaluate("document.documentElement.scrollWidth") <= DESK["width"]

    tops = console.locator("#timer-panel > :not([hidden])").evaluate_all(
        "nodes => nodes.filter(n => n.getClientRects().length)"
        ".map(n => Math.round(n.getBoundingClientRect().top))"
    )
    assert max(tops) - min(tops) < 20, tops  # one line at 1280 px
    bar = console.locator("#step-nav").bounding_box()
    assert bar and bar["height"] < DESK["height"] * 0.3, bar

    assert screens.axe_violations(console) == []

    # At 360 px everything is still there, one under the other, and nothing scrolls sideways.
    console.set_viewport_size({"width": 360, "height": 740})
    assert console.evaluate("document.documentElement.scrollWidth") <= 360
    for control in ("#join-link", "#copy-join", "#timer-pause", "#timer-custom", "#focus-clear"):
        box = console.locator(control).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (control, box)
