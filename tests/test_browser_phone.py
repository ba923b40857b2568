"""The participant's phone in a real headless Chromium against the real server: nothing typed
is lost without a word (an idea queued offline after its step closed stays in a notice with a
Copy button; a queued idea arrives exactly once, even after a lost ack), a new step starts at
the top with its heading focused (and a redraw of the same step keeps focus where it was), and
a phone that joins before the start says so. The facilitator drives the workshop over a
socket, as the console would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, WebSocketRoute, expect

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 360, "height": 640}
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in five years?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 5},
                {"kind": "rank"},
                {"kind": "done", "select_count": 2},
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("phone") / "phone.sqlite3") as live:
        yield live


class Room:
    """A new workshop (in its lobby), its facilitator on a socket, and phones in the browser."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", AGENDA, self.key)
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})
        self.stage_id: int = self.state()["stages"][0]["id"]

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        """One facilitator event whose ack must be ok."""
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.send("stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def state(self) -> Any:
        """The facilitator's state snapshot over HTTP."""
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def ideas(self) -> list[str]:
        return [idea["text"] for idea in self.state()["stages"][0]["ideas"]]

    def phone(self, name: str) -> tuple[BrowserContext, Page]:
        """A phone-sized participant that opens the join link and joins with a name."""
        context = self.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name="Join the workshop").click()
        expect(page.locator("#who")).to_have_text(f"You: {name}")
        return context, page

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


def send_idea(phone: Page, text: str) -> None:
    phone.get_by_role("textbox", name="Your idea").fill(text)
    phone.get_by_role("button", name="Send idea").click()


def heading_is_focused(phone: Page) -> bool:
    return bool(phone.evaluate("() => document.activeElement.matches('#stage-view h1')"))


def test_a_phone_that_joins_in_the_lobby_is_told_to_wait_then_follows_the_start(
    room: Room,
) -> None:
    _, phone = room.phone("Ana")
    status = phone.locator("#stage-view .status-line")
    expect(status).to_have_text("You're in. Waiting for the facilitator to start")
    expect(phone.locator("#stage-view h1")).to_have_text("You're in")

    room.phase("brainstorm")
    expect(status).to_contain_text("Strategic goals · Brainstorm")
    expect(phone.get_by_role("textbox", name="Your idea")).to_be_visible()
    assert heading_is_focused(phone)


def test_an_idea_refused_after_its_step_closed_offline_stays_in_a_notice_until_dismissed(
    room: Room,
) -> None:
    room.phase("brainstorm")
    context, phone = room.phone("Ben")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=room.url)
    send_idea(phone, "Sent while the wifi works")
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")

    # The wifi drops; the idea waits on the phone while the facilitator closes the brainstorm.
    context.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible(timeout=15000)
    send_idea(phone, "Night ferry to the islands")
    expect(phone.locator("#stage-view")).to_contain_text("Sending…")
    room.phase("vote")
    context.set_offline(False)

    # Back online, the server refuses it: the phone says so at the top, whatever the step.
    notice = phone.locator("#notices .refusal")
    expect(notice).to_have_count(1, timeout=20000)
    expect(notice).to_have_text(
        re.compile(
            "The brainstorm closed before your idea reached the room: .Night ferry to the islands."
        )
    )
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Dot vote")
    assert "Night ferry to the islands" not in room.ideas()
    assert room.ideas() == ["Sent while the wifi works"]

    # A reload keeps the notice; Copy puts the words on the clipboard.
    phone.reload()
    expect(notice).to_have_count(1)
    expect(notice.locator(".refused-text")).to_have_text("Night ferry to the islands")
    notice.get_by_role("button", name="Copy").click()
    expect(phone.locator("#toast")).to_contain_text(re.compile("Copied|selected"))
    copied = phone.evaluate("() => navigator.clipboard.readText()")
    assert copied == "Night ferry to the islands"

    # Dismiss removes it for good; the idea was never sent.
    notice.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(notice).to_have_count(0)
    phone.reload()
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Dot vote")
    expect(notice).to_have_count(0)
    assert room.ideas() == ["Sent while the wifi works"]


def test_a_queued_idea_arrives_exactly_once_after_an_offline_spell_and_after_a_lost_ack(
    room: Room,
) -> None:
    room.phase("brainstorm")
    context, phone = room.phone("Cleo")

    # Typed offline while the brainstorm is open: it arrives once the phone is back.
    context.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible(timeout=15000)
    send_idea(phone, "Typed in a dead spot")
    expect(phone.locator("#stage-view")).to_contain_text("Sending…")
    context.set_offline(False)
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (1)", timeout=20000)
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")
    assert room.ideas() == ["Typed in a dead spot"]

    # The server takes the next idea but its ack never reaches the phone, and the connection
    # drops: the phone sends it again with the same client_id, and the room has it once.
    dropped: list[str] = []
    asked: set[str] = set()
    upgraded: list[bool] = []

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if text == "5":  # Engine.IO's upgrade: the polling transport is done
                upgraded.append(True)
            found = re.match(r'42(\d+)\["idea:submit"', text)
            if found:
                asked.add(found.group(1))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            found = re.match(r"43(\d+)\[", text)
            if found and found.group(1) in asked and not dropped:
                dropped.append(text)
                ws.close()  # the ack is lost with the connection
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    phone.route_web_socket(re.compile(r"/socket\.io/"), route)
    phone.reload()  # the next connection goes through the route
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (1)")
    while not upgraded:  # Socket.IO starts on long-polling; the idea must go by websocket
        phone.wait_for_timeout(50)
    send_idea(phone, "Acked into the void")
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (2)", timeout=30000)
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")
    assert dropped, "the first ack was not dropped"
    assert sorted(room.ideas()) == ["Acked into the void", "Typed in a dead spot"]
    expect(phone.locator("#notices .refusal")).to_have_count(0)


def test_a_new_step_scrolls_to_the_top_and_focuses_its_heading_but_a_redraw_does_not(
    room: Room,
) -> None:
    room.phase("brainstorm")
    for n in range(14):
        room.send(
            "idea:submit",
            {
                "stage_id": room.stage_id,
                "text": f"Idea number {n + 1} for the harbour",
                "client_id": f"facilitator-{n}",
            },
        )
    _, phone = room.phone("Dan")
    room.phase("vote")
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Dot vote")
    assert heading_is_focused(phone)

    # Deep in the list, a dot on the last idea: focus stays on its button through redraws.
    last = phone.get_by_role("button", name="Add a dot").last
    last.scroll_into_view_if_needed()
    last.click()
    assert phone.evaluate("() => window.scrollY") > 200
    focus = phone.evaluate("() => document.activeElement.dataset.focus")
    assert focus and focus.startswith("more-")
    first_id = room.state()["stages"][0]["ideas"][0]["id"]
    room.send("idea:hide", {"idea_id": first_id, "hidden": True})
    expect(phone.locator("#stage-view")).not_to_contain_text("Idea number 1 for the harbour")
    assert phone.evaluate("() => document.activeElement.dataset.focus") == focus
    assert phone.evaluate("() => window.scrollY") > 200

    # The facilitator moves on: the new instruction is at the top, its heading focused.
    room.phase("rank")
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Rank")
    phone.wait_for_function("() => window.scrollY === 0")
    assert heading_is_focused(phone)
    assert phone.evaluate("() => document.activeElement.tabIndex") == -1

    # A redraw of the new step (the facilitator reveals the ranking) keeps the heading focused.
    phone.evaluate("() => { window.drawnHeading = document.querySelector('#stage-view h1'); }")
    room.send("results:reveal", {"stage_id": room.stage_id})
    phone.wait_for_function(
        "() => document.querySelector('#stage-view h1') !== window.drawnHeading"
    )
    assert heading_is_focused(phone)
    assert phone.evaluate("() => window.scrollY") == 0


def test_dots_refused_because_voting_closed_while_offline_leave_a_notice(room: Room) -> None:
    room.phase("brainstorm")
    room.send("idea:submit", {"stage_id": room.stage_id, "text": "Shore power", "client_id": "f-1"})
    room.phase("vote")
    context, phone = room.phone("Eve")
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Dot vote")

    context.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible(timeout=15000)
    phone.get_by_role("button", name="Add a dot").click()
    room.phase("rank")
    context.set_offline(False)

    notice = phone.locator("#notices .refusal")
    expect(notice).to_have_count(1, timeout=20000)
    expect(notice).to_contain_text(re.compile("closed", re.IGNORECASE))
    expect(notice.get_by_role("button", name="Copy")).to_have_count(0)
    assert room.state()["stages"][0]["progress"].get("dots", 0) == 0
    phone.reload()
    expect(notice).to_have_count(1)
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Rank")
    notice.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(notice).to_have_count(0)
    assert heading_is_focused(phone)  # focus does not fall back to the page's start
