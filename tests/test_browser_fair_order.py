"""Fair order in a real headless Chromium against the real server: in a vote, and in a ranking's
starting order, each phone lists the items in its own order (fair-order.js's `fairOrder` of
its participant, the stage and the step), the same after a reload; a new idea
does not reorder the others; the console and the room screen keep writing order; a step whose
`shuffle` is off shows every phone writing order. One server and one browser for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
ROOM_SCREEN: ViewportSize = {"width": 1280, "height": 720}
IDEAS = [f"Idea {letter}: a harbour that works for {letter}" for letter in "ABCDEFGHIJKL"]


def agenda(*, shuffle: bool = True) -> dict[str, Any]:
    return {
        "stages": [
            {
                "key": "goals",
                "title": "Strategic goals",
                "steps": [
                    {"kind": "brainstorm"},
                    {"kind": "vote", "dot_budget": 5, "shuffle": shuffle},
                    {"kind": "rank", "shortlist_size": 6, "shuffle": shuffle},
                    {"kind": "done", "select_count": 2},
                ],
            }
        ]
    }


def fair(page: Page, ids: list[int], participant: int, stage: int, step: int) -> list[int]:
    """The order the contract's `fairOrder` (static/js/fair-order.js, loaded in `page`) gives
    these ids for this participant, stage and step: what the phone must show."""
    order: list[int] = page.evaluate(
        """async ([ids, seed]) => {
            const { fairOrder } = await import("/static/js/fair-order.js");
            return fairOrder(ids.map((id) => ({ id })), seed).map((item) => item.id);
        }""",
        [ids, {"participantId": participant, "stageId": stage, "step": step}],
    )
    return order


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("fair-order") / "fair.sqlite3") as live:
        yield live


class Room:
    """A workshop whose brainstorm holds IDEAS (the facilitator's), and its devices."""

    def __init__(self, browser: Browser, server: LiveServer, *, shuffle: bool) -> None:
        self.url = server.url
        self.devices = Devices(browser)
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        workshop_url = f"{self.url}/api/workshops/{self.workshop['id']}"
        http(f"{workshop_url}/agenda", "PUT", agenda(shuffle=shuffle), self.key)
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})
        self.stage_id: int = self.state()["stages"][0]["id"]
        self.phase("brainstorm")
        self.ids = [self.add(text) for text in IDEAS]

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], reply
        return reply

    def add(self, text: str) -> int:
        reply = self.send("idea:submit", {"stage_id": self.stage_id, "text": text})
        idea_id: int = reply["idea"]["id"]
        return idea_id

    def phase(self, phase: str) -> None:
        self.send("stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def state(self) -> Any:
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def step(self) -> int:
        step: int = self.state()["stages"][0]["step"]
        return step

    def phone(self, name: str) -> tuple[Page, int]:
        """A phone that joined with a name, and its participant id."""
        page = self.devices.open(name, PHONE, phone=True)
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name="Join the workshop").click()
        expect(page.locator("#who")).to_have_text(f"You: {name}")
        participant = next(p["id"] for p in self.state()["participants"] if p["name"] == name)
        return page, participant

    def open(self, name: str, url: str, viewport: ViewportSize) -> Page:
        page = self.devices.open(name, viewport)
        page.goto(url)
        return page


def shown(page: Page, selector: str, count: int) -> list[int]:
    """The idea ids of a list's items, in the order shown, once it shows `count`."""
    items = page.locator(selector)
    expect(items).to_have_count(count)
    ids: list[int] = items.evaluate_all("(nodes) => nodes.map((n) => Number(n.dataset.ideaId))")
    return ids


VOTE_LIST = ".vote-item[data-idea-id]"
RANK_LIST = ".rank-item[data-idea-id]"


def test_two_phones_see_their_own_stable_orders_and_the_console_keeps_writing_order(
    browser: Browser, server: LiveServer
) -> None:
    room = Room(browser, server, shuffle=True)
    try:
        ana, ana_id = room.phone("Ana")
        ben, ben_id = room.phone("Ben")
        console = room.open("console", room.workshop["urls"]["facilitate"], LAPTOP)
        console.get_by_role("button", name="I have saved it").click()
        screen = room.open("room screen", room.workshop["urls"]["present"], ROOM_SCREEN)

        room.phase("vote")
        vote_step = room.step()
        n = len(IDEAS)
        first_ana, first_ben = shown(ana, VOTE_LIST, n), shown(ben, VOTE_LIST, n)
        assert first_ana == fair(ana, room.ids, ana_id, room.stage_id, vote_step)
        assert first_ben == fair(ben, room.ids, ben_id, room.stage_id, vote_step)
        assert first_ana != first_ben

        # The console lists them in writing order (no dots yet: the tie-break is writing
        # order), and the room screen's wall too.
        assert shown(console, ".console-ideas li[data-idea-id]", n) == room.ids
        expect(screen.locator(".wall .note")).to_have_text(IDEAS)

        # The same order after a reload.
        ana.reload()
        ben.reload()
        assert shown(ana, VOTE_LIST, n) == first_ana
        assert shown(ben, VOTE_LIST, n) == first_ben

        # A new idea finds its place without moving the others.
        late = room.add("Idea M: a late one")
        after = shown(ana, VOTE_LIST, n + 1)
        assert [i for i in after if i != late] == first_ana
        assert after == fair(ana, [*room.ids, late], ana_id, room.stage_id, vote_step)

        # Dots on the last idea written: the console keeps writing order while the room votes
        # (nothing moves under the facilitator's hand), and lists the results once revealed.
        last = room.ids[-1]
        ben.locator(f'{VOTE_LIST.split("[")[0]}[data-idea-id="{last}"]').get_by_role(
            "button", name="Add a dot"
        ).click()
        expect(console.locator("#stage-panel")).to_contain_text("1/2")
        expect(console.locator(".console-ideas li[data-idea-id]").first).to_have_attribute(
            "data-idea-id", str(room.ids[0])
        )
        assert shown(console, ".console-ideas li[data-idea-id]", n + 1) == [*room.ids, late]
        room.send("results:reveal", {"stage_id": room.stage_id})
        expect(console.locator(".console-ideas li[data-idea-id]").first).to_have_attribute(
            "data-idea-id", str(last)
        )

        # The ranking starts each phone from its own order of the shortlist, also stable.
        room.phase("rank")
        rank_step = room.step()
        shortlist = room.state()["stages"][0]["shortlist"]
        assert len(shortlist) == 6
        start_ana, start_ben = shown(ana, RANK_LIST, 6), shown(ben, RANK_LIST, 6)
        assert start_ana == fair(ana, shortlist, ana_id, room.stage_id, rank_step)
        assert start_ben == fair(ben, shortlist, ben_id, room.stage_id, rank_step)
        assert start_ana != start_ben
        ana.reload()
        assert shown(ana, RANK_LIST, 6) == start_ana
        expect(console.locator(".console-ideas li[data-idea-id]")).to_have_count(6)
        assert shown(console, ".console-ideas li[data-idea-id]", 6) == shortlist
    finally:
        room.devices.close()
        room.facilitator.disconnect()
    assert room.devices.errors == []


def test_with_shuffle_off_every_phone_lists_writing_order(
    browser: Browser, server: LiveServer
) -> None:
    room = Room(browser, server, shuffle=False)
    try:
        ana, _ = room.phone("Ana")
        ben, _ = room.phone("Ben")
        room.phase("vote")
        assert shown(ana, VOTE_LIST, len(IDEAS)) == room.ids
        assert shown(ben, VOTE_LIST, len(IDEAS)) == room.ids
        room.phase("rank")
        shortlist = room.state()["stages"][0]["shortlist"]
        assert shown(ana, RANK_LIST, 6) == shortlist
    finally:
        room.devices.close()
        room.facilitator.disconnect()
    assert room.devices.errors == []
