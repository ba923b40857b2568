"""Editing ideas in a real headless Chromium against the real server: a phone fixes and takes
back its own ideas while the brainstorm is open (edits made offline arrive when it is back; a
refusal is said plainly and what was typed is kept), and the facilitator corrects any idea's
wording from the console's list, which every phone sees. One server and one browser for the
module; each test makes its own workshop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Dialog, Locator, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("edit-ideas") / "edit.sqlite3") as live:
        yield live


class Room:
    """A new workshop with its brainstorm open, the facilitator on a socket, and devices."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.url = server.url
        self.devices = Devices(browser)
        self.sockets: list[socketio.Client] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", AGENDA, self.key)
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
        """One event whose ack must be ok."""
        reply = client.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.send(self.facilitator, "stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def state(self) -> Any:
        """The facilitator's state snapshot over HTTP."""
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def ideas(self) -> list[str]:
        """The wording of the stage's ideas as the server has them, in writing order."""
        return [idea["text"] for idea in self.state()["stages"][0]["ideas"]]

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

    def close(self) -> None:
        for client in self.sockets:
            client.disconnect()
        self.devices.close()


@pytest.fixture
def room(browser: Browser, server: LiveServer) -> Iterator[Room]:
    opened = Room(browser, server)
    yield opened
    opened.close()
    assert opened.devices.errors == []


def send_idea(phone: Page, text: str) -> None:
    phone.get_by_role("textbox", name="Your idea").fill(text)
    phone.get_by_role("button", name="Send idea").click()


def own_idea(phone: Page, text: str) -> Locator:
    return phone.locator("#my-ideas li[data-idea-id]", has_text=text)


def accept(dialog: Dialog) -> None:
    dialog.accept()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert width == 0, f"the page scrolls sideways by {width} px"


def test_a_phone_edits_and_deletes_its_own_ideas_and_the_console_sees_it(room: Room) -> None:
    console = room.console()
    phone = room.phone("Ana")
    send_idea(phone, "Carbon nuetral harbour")
    send_idea(phone, "A half-thought")
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_count(2)
    rows = console.locator(".console-ideas li")
    expect(rows).to_have_count(2)

    # Edit: the words in an editor with the submit box's limit and counter; Save sends them.
    own_idea(phone, "Carbon nuetral").locator("button.edit-idea").click()
    editor = phone.locator("#my-ideas li.is-editing")
    box = editor.get_by_role("textbox", name="Edit your idea")
    expect(box).to_have_value("Carbon nuetral harbour")
    expect(box).to_be_focused()
    assert box.get_attribute("maxlength") == "280"
    box.fill("Carbon-neutral harbour by 2030")
    expect(editor.locator(".counter")).to_have_text("30 / 280")
    no_sideways_scroll(phone)
    editor.get_by_role("button", name="Save").click()
    expect(own_idea(phone, "Carbon-neutral harbour by 2030")).to_have_count(1)
    expect(rows.filter(has_text="Carbon-neutral harbour by 2030")).to_have_count(1)
    expect(console.locator(".console-ideas")).not_to_contain_text("nuetral")

    # An empty edit is refused on the phone, and Cancel leaves the idea as it was.
    own_idea(phone, "A half-thought").locator("button.edit-idea").click()
    box = phone.locator("#my-ideas li.is-editing textarea")
    box.fill("   ")
    phone.locator("#my-ideas li.is-editing").get_by_role("button", name="Save").click()
    expect(phone.locator("#my-ideas [role=alert]")).to_have_text(
        "Write something, or delete the idea instead."
    )
    phone.locator("#my-ideas li.is-editing").get_by_role("button", name="Cancel").click()
    expect(phone.locator("#my-ideas li.is-editing")).to_have_count(0)
    expect(phone.locator(":focus")).to_have_class(re.compile("edit-idea"))

    # Delete asks first: saying no keeps it, saying yes takes it off every screen.
    phone.once("dialog", lambda dialog: dialog.dismiss())
    own_idea(phone, "A half-thought").locator("button.delete-idea").click()
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_count(2)
    phone.once("dialog", accept)
    own_idea(phone, "A half-thought").locator("button.delete-idea").click()
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_count(1)
    expect(rows).to_have_count(1)
    expect(phone.locator("#my-ideas h2")).to_have_text("Your ideas (1)")
    assert room.ideas() == ["Carbon-neutral harbour by 2030"]

    # A reload shows what the server has.
    phone.reload()
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_text(
        [re.compile("^Carbon-neutral harbour by 2030")]
    )


def test_an_edit_made_offline_arrives_when_the_phone_is_back(room: Room) -> None:
    phone = room.phone("Ben")
    send_idea(phone, "Ferry every hour")
    expect(own_idea(phone, "Ferry every hour")).to_have_count(1)

    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible(timeout=15000)
    own_idea(phone, "Ferry every hour").locator("button.edit-idea").click()
    phone.locator("#my-ideas li.is-editing textarea").fill("Ferry every half hour")
    phone.locator("#my-ideas li.is-editing").get_by_role("button", name="Save").click()
    waiting = own_idea(phone, "Ferry every half hour")
    expect(waiting).to_contain_text("Saving your change…")
    assert room.ideas() == ["Ferry every hour"]

    phone.context.set_offline(False)
    expect(waiting).not_to_contain_text("Saving", timeout=20000)
    assert room.ideas() == ["Ferry every half hour"]


def test_refusals_are_said_plainly_and_what_was_typed_is_kept(room: Room) -> None:
    phone = room.phone("Cleo")
    send_idea(phone, "Shore power for ships")
    send_idea(phone, "Night ferry")
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_count(2)
    shore = next(
        i for i in room.state()["stages"][0]["ideas"] if i["text"] == "Shore power for ships"
    )

    # An idea others were merged into speaks for them too: no Delete, and the phone says why.
    other = room.socket()
    room.send(other, "join", {"code": room.workshop["code"], "name": "Eve"})
    night = room.send(
        other, "idea:submit", {"stage_id": room.stage_id, "text": "A ferry at night"}
    )["idea"]["id"]
    mine = next(i["id"] for i in room.state()["stages"][0]["ideas"] if i["text"] == "Night ferry")
    room.send(room.facilitator, "idea:merge", {"idea_ids": [night], "into": mine})
    merged = own_idea(phone, "Night ferry")
    expect(merged).to_contain_text("Similar ideas were merged into it")
    expect(merged.locator("button.delete-idea")).to_have_count(0)
    expect(merged.locator("button.edit-idea")).to_have_count(1)

    # Someone gives it a dot; the facilitator goes back to the brainstorm: Cleo may not delete
    # it any more, and the phone says why and what to do instead.
    room.phase("vote")
    voter = room.socket()
    room.send(voter, "join", {"code": room.workshop["code"], "name": "Dan"})
    room.send(voter, "votes:set", {"stage_id": room.stage_id, "votes": {str(shore["id"]): 1}})
    room.phase("brainstorm")
    phone.once("dialog", accept)
    own_idea(phone, "Shore power").locator("button.delete-idea").click()
    notice = phone.locator("#notices .refusal")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(
        "Not deleted (someone already voted for it; ask the facilitator to hide it)"
    )
    expect(own_idea(phone, "Shore power for ships")).to_have_count(1)
    assert "Shore power for ships" in room.ideas()
    notice.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(notice).to_have_count(0)

    # An edit still open when the brainstorm closes is not lost: it waits in a notice with
    # the words and a Copy button.
    own_idea(phone, "Night ferry").locator("button.edit-idea").click()
    phone.locator("#my-ideas li.is-editing textarea").fill("Night ferry to the islands, twice")
    room.phase("vote")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("The brainstorm closed before you saved your change")
    expect(notice.locator(".refused-text")).to_have_text("Night ferry to the islands, twice")
    expect(notice.get_by_role("button", name="Copy")).to_be_visible()
    assert "Night ferry" in room.ideas()


def test_the_facilitator_corrects_wording_from_the_console_and_phones_see_it(room: Room) -> None:
    console = room.console()
    phone = room.phone("Dan")
    send_idea(phone, "Grow regonal jobs")
    row = console.locator(".console-ideas li", has_text="Grow regonal jobs")
    expect(row).to_have_count(1)

    # Edit wording, inline in the console's list: the phone's own list follows.
    row.get_by_role("button", name="Edit wording").click()
    editor = console.locator(".console-ideas li.is-editing")
    box = editor.get_by_role("textbox")
    expect(box).to_be_focused()
    box.fill("Grow regional jobs")
    # A new idea redraws the list while the facilitator types: the words and the focus stay.
    send_idea(phone, "Parks by the water")
    expect(console.locator(".console-ideas li")).to_have_count(2)
    expect(box).to_have_value("Grow regional jobs")
    expect(box).to_be_focused()
    editor.get_by_role("button", name="Save").click()
    expect(console.locator(".console-ideas li.is-editing")).to_have_count(0)
    expect(console.locator(".console-ideas li", has_text="Grow regional jobs")).to_have_count(1)
    expect(own_idea(phone, "Grow regional jobs")).to_have_count(1)

    # Still allowed in the vote, where the phones' lists show the new words.
    room.phase("vote")
    row = console.locator(".console-ideas li", has_text="Grow regional jobs")
    row.locator("button.edit-idea").click()
    console.locator(".console-ideas li.is-editing textarea").fill("Grow jobs in every region")
    console.locator(".console-ideas li.is-editing").get_by_role("button", name="Save").click()
    expect(
        phone.locator(".vote-item[data-idea-id]", has_text="Grow jobs in every region")
    ).to_have_count(1)

    # Focus from the same row: the phone pins it; "In focus" takes it away again.
    console.locator(".console-ideas li", has_text="Grow jobs").locator("button.focus-idea").click()
    expect(phone.locator("#focus-pin")).to_contain_text("Grow jobs in every region")
    in_focus = console.locator(".console-ideas li button.focus-idea[aria-pressed=true]")
    expect(in_focus).to_have_text("In focus")
    in_focus.click()
    expect(phone.locator("#focus-pin")).to_be_hidden()

    # Once the stage is decided the wording is settled: no Edit any more; its results can
    # still be put in focus.
    room.phase("done")
    expect(console.locator("#stage-panel button.edit-idea")).to_have_count(0)
    result = console.locator("#stage-panel .results li[data-idea-id]", has_text="Grow jobs")
    result.locator("button.focus-idea").click()
    expect(phone.locator("#focus-pin")).to_contain_text("Grow jobs in every region")


def test_words_typed_into_an_idea_the_facilitator_takes_away_wait_in_a_notice(
    room: Room, tmp_path: Path
) -> None:
    phone = room.phone("Fay")
    send_idea(phone, "Harbour festival")
    send_idea(phone, "Bike lanes")
    expect(phone.locator("#my-ideas li[data-idea-id]")).to_have_count(2)
    ids = {i["text"]: i["id"] for i in room.state()["stages"][0]["ideas"]}

    # Fay is rewording her idea when the facilitator hides it: the editor goes with the idea,
    # and her words wait at the top, saying what happened, with Copy.
    own_idea(phone, "Harbour festival").locator("button.edit-idea").click()
    phone.locator("#my-ideas li.is-editing textarea").fill("A harbour festival every summer")
    room.send(room.facilitator, "idea:hide", {"idea_id": ids["Harbour festival"]})
    expect(own_idea(phone, "Harbour festival")).to_have_count(0)
    notice = phone.locator("#notices .refusal")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("The facilitator removed this idea; your new wording")
    expect(notice.locator(".refused-text")).to_have_text("A harbour festival every summer")
    expect(notice.get_by_role("button", name="Copy")).to_be_visible()
    no_sideways_scroll(phone)
    phone.screenshot(path=str(tmp_path / "edit-removed-notice.png"), full_page=True)
    # A reload keeps the notice, and no editor comes back for the hidden idea.
    phone.reload()
    expect(notice).to_contain_text("A harbour festival every summer")
    notice.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(notice).to_have_count(0)

    # Words left in an editor by a page closed mid-edit come back as a notice when the page
    # is opened again after the brainstorm closed.
    own_idea(phone, "Bike lanes").locator("button.edit-idea").click()
    phone.locator("#my-ideas li.is-editing textarea").fill("Protected bike lanes on the quay")
    join_url = phone.url
    phone.goto("about:blank")
    room.phase("vote")
    phone.goto(join_url)
    expect(phone.locator(".vote-item[data-idea-id]").first).to_be_visible()
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("The brainstorm closed before you saved your change")
    expect(notice.locator(".refused-text")).to_have_text("Protected bike lanes on the quay")
    assert "Bike lanes" in room.ideas()
