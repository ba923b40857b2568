"""Who may open what, in a real headless Chromium against the real server: the room's screen
opens from the console's projector link and never holds the facilitator key; replacing the
facilitator link in one console cuts off another; removing a participant takes them off their
phone, drops their dot from the revealed tally, and the console and the room's screen say
"N participants were removed" beside the joined count and under the results; a locked
workshop says so on the join page; a phone told to slow down (`rate_limited`) keeps what was
typed and sends it after the wait."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests import screens
from tests.chromium import launched, skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1280, "height": 720}
PHONE: ViewportSize = {"width": 320, "height": 700}
# A slow event rate for this module's server, so one phone can be throttled by hand: a burst
# of 10 events, then one a second (the consoles here send a handful each).
EVENT_RATE, EVENT_BURST = 1, 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"EVENT_RATE": str(EVENT_RATE), "EVENT_BURST": str(EVENT_BURST)}
    with LiveServer(tmp_path_factory.mktemp("access") / "access.sqlite3", env=env) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched()


def api(
    server: LiveServer, method: str, path: str, key: str | None = None, body: Any = None
) -> Any:
    """One HTTP call; (status, JSON body or None)."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        exc.close()
        return exc.code, json.loads(raw) if raw else None


def workshop(server: LiveServer, title: str) -> dict[str, Any]:
    status, body = api(server, "POST", "/api/workshops", body={"title": title})
    assert status == 201, body
    return dict(body)


def console_for(devices: Devices, ws: dict[str, Any], name: str = "console") -> Page:
    console = devices.open(name, DESK)
    console.goto(ws["urls"]["facilitate"])
    expect(console.locator("#stage-column")).to_be_visible()
    return console


def join(devices: Devices, ws: dict[str, Any], name: str) -> Page:
    phone = devices.open(name, PHONE, phone=True)
    phone.goto(ws["urls"]["join"])
    phone.fill("#name", name)
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#who")).to_contain_text(name)
    return phone


def storage(page: Page) -> str:
    """Everything the page's origin keeps: localStorage and sessionStorage, as one text."""
    return str(
        page.evaluate(
            "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
        )
    )


def test_the_projector_opens_from_the_consoles_link_without_the_facilitator_key(
    devices: Devices, server: LiveServer
) -> None:
    ws = workshop(server, "Harbour day")
    key = ws["facilitator_key"]
    console = console_for(devices, ws)
    link = console.locator("#open-projector")
    expect(link).to_have_attribute("href", re.compile(r"/present#token="))
    href = str(link.get_attribute("href"))
    assert key not in href

    # The page alone shows nothing of the room: no code, and it says where to open it.
    html = urllib.request.urlopen(f"{server.url}/w/{ws['id']}/present").read().decode()
    assert ws["code"] not in html and key not in html
    bare = devices.open("bare projector", WALL)
    bare.goto(f"{server.url}/w/{ws['id']}/present")
    expect(bare.locator("#main")).to_contain_text("Open this screen from the console")
    expect(bare.locator("#code")).to_be_hidden()

    # From the console's link: the room, and the token gone from the address bar.
    wall = devices.open("projector", WALL)
    wall.goto(href if href.startswith("http") else server.url + href)
    expect(wall.locator("#code")).to_have_text(ws["code"])
    expect(wall.locator("#join-qr")).to_be_visible()
    assert "#" not in wall.url and "token" not in wall.url
    kept = storage(wall)
    assert key not in kept, "the projector stored the facilitator key"
    assert ws["projector_token"] in kept or href.split("#token=")[1] in kept
    wall.reload()  # the tab keeps its token (sessionStorage) across a reload
    expect(wall.locator("#code")).to_have_text(ws["code"])
    assert key not in storage(wall) and key not in wall.url

    # A new projector link: the open screen is told to use it; the console's link changes.
    console.get_by_role("button", name="Participants & links").click()
    console.get_by_role("button", name="New projector link").click()
    console.locator("#ask-ok").click()
    expect(wall.locator("#main")).to_contain_text("This projector link was replaced")
    expect(wall.locator("#code")).to_be_hidden()
    expect(link).not_to_have_attribute("href", href)
    newer = str(link.get_attribute("href"))
    assert "#token=" in newer and key not in newer
    again = devices.open("projector again", WALL)
    again.goto(newer if newer.startswith("http") else server.url + newer)
    expect(again.locator("#code")).to_have_text(ws["code"])
    assert devices.errors == []


def test_replacing_the_facilitator_link_cuts_off_the_other_console(
    devices: Devices, server: LiveServer
) -> None:
    ws = workshop(server, "Rotation")
    old = ws["facilitator_key"]
    first = console_for(devices, ws, "first console")
    second = console_for(devices, ws, "second console")

    first.get_by_role("button", name="Participants & links").click()
    first.get_by_role("button", name="Replace facilitator link").click()
    expect(first.locator("#ask-text")).to_contain_text("stops working")
    first.locator("#ask-ok").click()

    # The console that asked shows the new link and carries on with it.
    expect(first.locator("#key-title")).to_have_text("Your new facilitator link")
    new_link = first.locator("#key-link").inner_text()
    new = new_link.split("#key=", 1)[1].strip()
    assert new and new != old
    # The other console is told and stops.
    expect(second.locator("#need-key")).to_be_visible()
    expect(second.locator("#need-key")).to_contain_text("The facilitator link was replaced")
    expect(second.locator("#stage-column")).to_be_hidden()
    assert old not in storage(second)

    # The old key fails over HTTP; the new one works, and so does the first console.
    assert api(server, "GET", f"/api/workshops/{ws['id']}", old)[0] == 401
    assert api(server, "GET", f"/api/workshops/{ws['id']}", new)[0] == 200
    assert new in storage(first) and old not in storage(first)
    expect(first.locator("#stage-column")).to_be_visible()
    first.locator("#start-workshop").click()
    expect(first.locator("#next-step")).to_be_visible()

    # The second console opens again with the new link, pasted.
    second.fill("#key-input", new_link)
    second.get_by_role("button", name="Open", exact=True).click()
    expect(second.locator("#stage-column")).to_be_visible()
    expect(second.locator("#need-key")).to_be_hidden()
    assert devices.errors == []


# One stage: ideas, then dots (the removal test runs it to its revealed tally).
VOTE_AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in five years?",
            "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 3}],
        }
    ]
}


class Facilitator:
    """The facilitator on a socket of its own (as the console would), to move the stage."""

    def __init__(self, server: LiveServer, ws: dict[str, Any]) -> None:
        self.server = server
        self.ws = ws
        self.socket = socketio.Client(reconnection=False)
        self.socket.connect(server.url, transports=["websocket"])
        state = self.send("facilitate", {"workshop_id": ws["id"], "key": ws["facilitator_key"]})
        self.stage_id: int = state["state"]["stages"][0]["id"]

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        reply = self.socket.call(event, payload)
        assert reply["ok"], reply
        return reply

    def dots(self) -> int:
        _, state = api(
            self.server, "GET", f"/api/workshops/{self.ws['id']}", self.ws["facilitator_key"]
        )
        return int(state["stages"][0]["progress"].get("dots", 0))

    def close(self) -> None:
        self.socket.disconnect()


def test_removing_a_participant_takes_them_off_their_phone(
    devices: Devices, server: LiveServer
) -> None:
    ws = workshop(server, "Removal")
    status, body = api(
        server, "PUT", f"/api/workshops/{ws['id']}/agenda", ws["facilitator_key"], VOTE_AGENDA
    )
    assert status == 200, body
    console = console_for(devices, ws)
    wall = devices.open("projector", WALL)
    wall.goto(ws["projector_url"])
    expect(wall.locator("#code")).to_have_text(ws["code"])
    ana = join(devices, ws, "Ana")
    ben = join(devices, ws, "Ben")
    expect(console.locator("#ws-count")).to_have_text("2")
    expect(wall.locator("#count")).to_have_text("2")
    # Nobody removed yet: nothing said.
    expect(console.locator("#ws-removed")).to_be_hidden()
    expect(wall.locator("#removed")).to_be_hidden()

    console.get_by_role("button", name="Participants & links").click()
    people = console.locator("#people-list")
    expect(people.locator("li")).to_have_count(2)
    # The dialog fits a laptop and reads well (axe-core).
    found = screens.horizontal_overflow(console) + screens.axe_violations(console)
    people.get_by_role("button", name="Remove Ben").click()
    expect(console.locator("#ask-title")).to_have_text("Remove Ben?")
    console.locator("#ask-ok").click()

    expect(ben.locator("#removed-view")).to_contain_text(
        "The facilitator removed you from this workshop"
    )
    expect(ben.locator("#stage-view")).to_be_hidden()
    assert f"sw:participant:{ws['code']}" not in storage(ben), "the removed token was kept"
    expect(console.locator("#ws-count")).to_have_text("1")
    expect(people.locator("li")).to_have_count(1)
    expect(people).to_contain_text("Ana")
    expect(console.locator("#people-summary")).to_contain_text("1 participant removed")
    # Said beside the joined count, in the console's header and lobby and on the room's screen.
    expect(console.locator("#ws-removed")).to_have_text("1 participant was removed")
    expect(console.locator("#lobby-removed")).to_have_text("1 participant was removed")
    expect(wall.locator("#count")).to_have_text("1")
    expect(wall.locator("#removed")).to_have_text("1 participant was removed")
    found += screens.projector_violations(wall, floor_px=screens.floor_for(**WALL))
    # Ana carries on.
    expect(ana.locator("#stage-view")).to_be_visible()
    found += screens.phone_violations(ben) + screens.axe_violations(ben)
    # The same dialog on a 320 px phone.
    small = devices.open("console on a phone", PHONE, phone=True)
    small.goto(ws["urls"]["facilitate"])
    small.get_by_role("button", name="Participants & links").click()
    expect(small.locator("#people-list li")).to_have_count(1)
    found += screens.horizontal_overflow(small)
    assert not found, "\n".join(found)
    ben.reload()  # a reload offers the join form, not the removed identity
    expect(ben.locator("#join-view")).to_be_visible()

    # Later, Cy joins, places a dot beside Ana's and is removed during the vote: the revealed
    # tally drops Cy's dot, and both screens say so under it and beside the count (plural).
    cy = join(devices, ws, "Cy")
    room = Facilitator(server, ws)
    try:
        room.send("stage:phase", {"stage_id": room.stage_id, "phase": "brainstorm"})
        ana.get_by_role("textbox", name="Your idea").fill("A harbour that runs on wind")
        ana.get_by_role("button", name="Send idea").click()
        expect(wall.locator("#main")).to_contain_text("A harbour that runs on wind")
        room.send("stage:phase", {"stage_id": room.stage_id, "phase": "vote"})
        for phone in (ana, cy):
            phone.get_by_role("button", name="Add a dot").click()
        deadline = time.monotonic() + 10
        while room.dots() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert room.dots() == 2
        room.send("results:reveal", {"stage_id": room.stage_id})
        cy_id = next(
            p["id"]
            for p in room.send(
                "facilitate", {"workshop_id": ws["id"], "key": ws["facilitator_key"]}
            )["state"]["workshop"]["participants"]
            if p["name"] == "Cy"
        )
        room.send("participant:remove", {"participant_id": cy_id})
        assert room.dots() == 1
    finally:
        room.close()
    two = "2 participants were removed"
    expect(console.locator("#ws-removed")).to_have_text(two)
    expect(console.locator("#panel-removed")).to_have_text(two)
    expect(wall.locator("#removed")).to_have_text(two)
    expect(wall.locator("#main .removed-note")).to_have_text(two)
    expect(wall.locator("#main")).to_contain_text(re.compile(r"(?<!\d)1 dot(?!s)"))
    found = screens.projector_violations(wall, floor_px=screens.floor_for(**WALL))
    found += screens.horizontal_overflow(console)
    assert not found, "\n".join(found)
    assert devices.errors == []


def test_a_locked_workshop_says_so_on_the_join_page_and_the_projector(
    devices: Devices, server: LiveServer
) -> None:
    ws = workshop(server, "Locked")
    console = console_for(devices, ws)
    link = console.locator("#open-projector")
    expect(link).to_have_attribute("href", re.compile(r"/present#token="))
    wall = devices.open("projector", WALL)
    wall.goto(server.url + str(link.get_attribute("href")))
    expect(wall.locator("#code")).to_have_text(ws["code"])

    console.get_by_role("button", name="Participants & links").click()
    console.get_by_role("button", name="Lock joining").click()
    expect(console.get_by_role("button", name="Unlock joining")).to_be_visible()
    expect(console.locator("#ws-locked")).to_be_visible()
    expect(wall.locator("#main")).to_contain_text("Joining is closed")
    expect(wall.locator("#code")).to_be_hidden()
    expect(wall.locator("#join-qr")).to_be_hidden()

    phone = devices.open("late phone", PHONE, phone=True)
    phone.goto(ws["urls"]["join"])
    expect(phone.locator("#join-view")).to_contain_text("Joining is closed")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#join-error")).to_contain_text("Joining is closed")
    expect(phone.locator("#stage-view")).to_be_hidden()
    found = screens.phone_violations(phone) + screens.axe_violations(phone)
    found += screens.projector_violations(wall, floor_px=screens.floor_for(**WALL))
    assert not found, "\n".join(found)

    console.get_by_role("button", name="Unlock joining").click()
    expect(wall.locator("#code")).to_have_text(ws["code"])
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#stage-view")).to_be_visible()
    expect(console.locator("#ws-count")).to_have_text("1")
    assert devices.errors == []


def test_a_throttled_phone_keeps_its_ideas_and_sends_them_after_the_wait(
    devices: Devices, server: LiveServer, figure: Callable[[str, str], None]
) -> None:
    ws = workshop(server, "Throttled")
    key = ws["facilitator_key"]
    console = console_for(devices, ws)
    phone = join(devices, ws, "Cleo")
    console.locator("#start-workshop").click()
    box = phone.get_by_role("textbox", name="Your idea")
    expect(box).to_be_visible()

    # More ideas at once than the connection's burst: the later ones are answered
    # `rate_limited`; the phone says it is busy and keeps them until they go through.
    ideas = [f"Idea number {i}" for i in range(1, EVENT_BURST + 4)]
    started = time.monotonic()
    for text in ideas:
        box.fill(text)
        phone.get_by_role("button", name="Send idea").click()
    expect(phone.locator("#busy")).to_be_visible()
    expect(phone.locator("#busy")).to_contain_text("Busy — retrying")
    assert not screens.phone_violations(phone)
    expect(phone.locator("#notices")).to_be_empty()

    def sent() -> list[str]:
        state = api(server, "GET", f"/api/workshops/{ws['id']}", key)[1]
        return [idea["text"] for stage in state["stages"] for idea in stage["ideas"]]

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(sent()) < len(ideas):
        time.sleep(0.2)
    took = time.monotonic() - started
    assert sorted(sent()) == sorted(ideas), "an idea was lost or sent twice"
    expect(phone.locator("#busy")).to_be_hidden()
    expect(phone.locator("#mine-title")).to_have_text(f"Your ideas ({len(ideas)})")
    expect(phone.locator("#notices")).to_be_empty()
    figure(
        "phone under rate_limited",
        f"{len(ideas)} of {len(ideas)} ideas delivered after throttling "
        f"(burst {EVENT_BURST}, {EVENT_RATE}/s), in {took:.1f} s, none lost or doubled",
    )
    assert devices.errors == []


def test_saved_templates_are_listed_in_their_console_and_on_this_devices_start_page(
    devices: Devices, server: LiveServer
) -> None:
    ws = workshop(server, "Template source")
    console = console_for(devices, ws)
    console.get_by_role("button", name="Edit agenda").click()
    console.get_by_role("button", name="Save as template").click()
    expect(console.locator("#agenda-result")).to_contain_text("Saved as the template")
    console.locator("#agenda-close").click()
    saved = console.locator("#template-list li")
    expect(saved).to_have_count(1)
    expect(saved).to_contain_text("Saved agenda")

    # The public list has the built-ins only; this browser's start page offers its own.
    status, body = api(server, "GET", "/api/templates")
    assert status == 200 and all(t["built_in"] for t in body["templates"])
    start = console.context.new_page()
    start.goto(f"{server.url}/")
    expect(start.locator("#saved-agenda-list li")).to_have_count(1)
    expect(start.locator("#template optgroup[label='Saved on this device'] option")).to_have_text(
        ["Saved agenda"]
    )
    other = devices.open("another browser", DESK)
    other.goto(f"{server.url}/")
    expect(other.locator("#template option").first).to_be_attached()
    expect(other.locator("#saved-agendas")).to_be_hidden()

    # Deleted in the console: gone from the console and, next time, from the start page.
    console.once("dialog", lambda dialog: dialog.accept())
    saved.get_by_role("button", name="Delete the template Saved agenda").click()
    expect(console.locator("#templates-section")).to_be_hidden()
    start.reload()
    expect(start.locator("#template option").first).to_be_attached()
    expect(start.locator("#saved-agendas")).to_be_hidden()
    expect(start.locator("#template option", has_text="Saved agenda")).to_have_count(0)
    assert devices.errors == []
