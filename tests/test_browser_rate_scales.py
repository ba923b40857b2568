"""Rating with any two scales in a real headless Chromium: on a risks stage a phone rates
likelihood and impact (each with the words at its ends) and the room's revealed chart names the
risk quadrants ("Act now"); a stage with the default scales still rates impact and effort.
The phone (320 px) and the projector (1920x1080 and 1280x720) must fit. One server and one
browser for the module; each test makes its own workshop; screenshots go to the test's tmp_path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
SMALL_WALL: ViewportSize = {"width": 1280, "height": 720}
RISKS = ("Quay wall fails in a storm", "Grant is cut", "Key engineer leaves", "Fuel costs rise")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("rate-scales") / "rate.sqlite3") as live:
        yield live


class Room:
    """A workshop whose one stage (`key`) brainstorms, rates and keeps every item, driven by
    the facilitator's socket; its screens are browser contexts whose errors are kept."""

    def __init__(self, browser: Browser, server: LiveServer, key: str) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.clients: list[socketio.Client] = []
        self.errors: list[str] = []
        self.workshop = http(f"{self.url}/api/workshops", "POST", {"title": "Harbour 2030"})
        self.key: str = self.workshop["facilitator_key"]
        self.code: str = self.workshop["code"]
        steps = [{"kind": "brainstorm"}, {"kind": "rate"}, {"kind": "done", "select_count": 0}]
        agenda = {"stages": [{"key": key, "title": key.title(), "prompt": "?", "steps": steps}]}
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", agenda, self.key)
        self.facilitator = self.socket()
        self.send(
            self.facilitator, "facilitate", {"workshop_id": self.workshop["id"], "key": self.key}
        )
        self.stage_id: int = self.state()["stages"][0]["id"]

    def socket(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=["websocket"])
        self.clients.append(client)
        return client

    @staticmethod
    def send(client: socketio.Client, event: str, payload: dict[str, Any]) -> Any:
        reply = client.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.send(self.facilitator, "stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def state(self) -> Any:
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def participant(self, name: str) -> socketio.Client:
        client = self.socket()
        self.send(client, "join", {"code": self.code, "name": name})
        return client

    def ideas(self, texts: tuple[str, ...]) -> dict[str, int]:
        """The ideas sent from a participant's socket; text -> id."""
        author = self.participant("Ben")
        return {
            text: self.send(author, "idea:submit", {"stage_id": self.stage_id, "text": text})[
                "idea"
            ]["id"]
            for text in texts
        }

    def rate(self, name: str, given: dict[int, dict[str, int]]) -> None:
        ratings = {str(k): v for k, v in given.items()}
        self.send(
            self.participant(name), "rating:set", {"stage_id": self.stage_id, "ratings": ratings}
        )

    def open(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        return page

    def phone(self, name: str) -> Page:
        phone = self.open(name, PHONE, phone=True)
        phone.goto(self.workshop["urls"]["join"])
        phone.fill("#name", name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_have_text(f"You: {name}")
        return phone

    def projector(self) -> Page:
        projector = self.open("projector", WALL)
        projector.goto(self.workshop["urls"]["present"])
        expect(projector.locator("#code")).to_have_text(self.code)
        return projector

    def console(self) -> Page:
        console = self.open("console", DESK)
        console.goto(self.workshop["urls"]["facilitate"])
        console.get_by_role("button", name="I have saved it").click()
        expect(console.locator("#stage-panel")).to_be_visible()
        return console

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
        for context in self.contexts:
            context.close()


@pytest.fixture
def rooms(browser: Browser, server: LiveServer) -> Iterator[list[Room]]:
    made: list[Room] = []
    yield made
    for room in made:
        room.close()


def scale(phone: Page, idea: str, label: str) -> Locator:
    return phone.get_by_role("group", name=f"{label} of: {idea}")


def fits(wall: Page, folder: Path, name: str) -> list[str]:
    """The projector's fit findings at 1920x1080 and 1280x720, with a screenshot of each."""
    found: list[str] = []
    for viewport in (WALL, SMALL_WALL):
        wall.set_viewport_size(viewport)
        floor = screens.floor_for(viewport["width"], viewport["height"])
        # The screen scales its type and places the chart's labels again after a resize.
        for _ in range(20):
            wall.wait_for_timeout(200)
            lines = screens.projector_violations(wall, floor_px=floor)
            if not lines:
                break
        screens.shot(wall, f"{name}-{viewport['width']}x{viewport['height']}", folder)
        found += [f"{viewport['width']}: {line}" for line in lines]
    return found


def test_a_phone_rates_likelihood_and_impact_and_the_wall_names_the_risk_quadrants(
    rooms: list[Room], browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    room = Room(browser, server, "risks")
    rooms.append(room)
    room.phase("brainstorm")
    ids = room.ideas(RISKS)
    room.phase("rate")
    console = room.console()
    projector = room.projector()
    phone = room.phone("Ana")

    # Each idea has a Likelihood and an Impact row, each with the words at its ends.
    quay = RISKS[0]
    likelihood = scale(phone, quay, "Likelihood")
    impact = scale(phone, quay, "Impact")
    expect(likelihood).to_contain_text("1 rare · 5 almost certain")
    expect(impact).to_contain_text("1 minor · 5 severe")
    expect(phone.locator(".rate-item").first.locator(".scale")).to_have_count(2)
    expect(phone.locator("#stage-view")).not_to_contain_text("Effort")
    likelihood.get_by_role("button", name="Likelihood 5 of 5").click()
    impact.get_by_role("button", name="Impact 4 of 5").click()
    expect(phone.locator("#stage-view")).to_contain_text("1 idea rated; saved.")
    screens.shot(phone, "risks-phone-320", tmp_path, full_page=True)
    assert not screens.phone_violations(phone), screens.phone_violations(phone)
    # The server has them under the step's scale keys.
    assert room.state()["stages"][0]["ideas"][0]["likelihood"] == 5.0
    room.rate(
        "Cy",
        {ids[quay]: {"likelihood": 4, "impact": 5}, ids[RISKS[1]]: {"likelihood": 4, "impact": 1}},
    )
    room.rate(
        "Dee",
        {
            ids[RISKS[1]]: {"likelihood": 5, "impact": 2},
            ids[RISKS[2]]: {"likelihood": 1, "impact": 5},
            ids[RISKS[3]]: {"likelihood": 2, "impact": 2},
        },
    )

    # The console's chart: likelihood up, impact across, the risk quadrants' names.
    chart = console.locator(".scatter-figure")
    expect(chart.locator(".scatter-axis.y")).to_have_text("Likelihood →")
    expect(chart.locator(".scatter-axis.x")).to_have_text("Impact →")
    expect(chart.locator(".scatter-q span")).to_have_text(
        ["Watch", "Act now", "Accept", "Plan a response"]
    )
    expect(chart.locator("g.point")).to_have_count(4)
    screens.shot(console, "risks-console-1280x800", tmp_path, full_page=True)

    # The room sees the chart once revealed: "Act now" for the quay wall.
    expect(projector.locator("svg.scatter")).to_have_count(0)
    room.send(room.facilitator, "results:reveal", {"stage_id": room.stage_id})
    expect(projector.locator("svg.scatter")).to_be_visible()
    expect(projector.locator(".scatter-q.top")).to_contain_text("Act now")
    # Likelihood 4.5 both, the greater impact first: the quay wall before the grant.
    expect(projector.locator(".scatter-legend li").nth(0)).to_contain_text(quay)
    quay_line = projector.locator(".scatter-legend li", has_text=quay)
    expect(quay_line).to_contain_text("Act now")
    expect(quay_line).to_contain_text("likelihood 4.5 ± 0.5, impact 4.5 ± 0.5")
    expect(projector.locator(".scatter-legend")).to_contain_text("Plan a response")
    found = fits(projector, tmp_path, "risks-projector")

    # The results name the quadrants too.
    room.phase("done")
    projector.set_viewport_size(WALL)
    expect(projector.locator("#main")).to_contain_text("Act now")
    expect(phone.locator(".results li", has_text=quay)).to_contain_text(
        re.compile(r"likelihood 4\.5 · impact 4\.5 · Act now")
    )
    screens.shot(projector, "risks-projector-results-1920x1080", tmp_path)
    assert not found, found
    assert room.errors == []


def test_a_stage_with_the_default_scales_still_rates_impact_and_effort(
    rooms: list[Room], browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    room = Room(browser, server, "goals")
    rooms.append(room)
    room.phase("brainstorm")
    ids = room.ideas(("Shore power for ships", "Deepen the channel"))
    room.phase("rate")
    projector = room.projector()
    phone = room.phone("Ana")
    idea = "Shore power for ships"
    expect(scale(phone, idea, "Impact")).to_contain_text("1 little · 5 a lot")
    expect(scale(phone, idea, "Effort")).to_contain_text("1 easy · 5 hard")
    expect(phone.locator("#stage-view")).to_contain_text(
        "how much would it change things (impact), and how hard is it (effort)?"
    )
    screens.shot(phone, "default-phone-320", tmp_path, full_page=True)
    assert not screens.phone_violations(phone), screens.phone_violations(phone)
    room.rate("Cy", {ids[idea]: {"impact": 5, "effort": 1}})
    room.rate("Dee", {ids["Deepen the channel"]: {"impact": 4, "effort": 5}})
    room.send(room.facilitator, "results:reveal", {"stage_id": room.stage_id})
    expect(projector.locator("svg.scatter")).to_be_visible()
    expect(projector.locator(".scatter-q span")).to_have_text(
        ["Quick wins", "Big bets", "Fill-ins", "Money pits"]
    )
    expect(projector.locator(".scatter-axis.y")).to_have_text("Impact →")
    expect(projector.locator(".scatter-axis.x")).to_have_text("Effort →")
    expect(projector.locator(".scatter-legend li").nth(0)).to_contain_text("Quick win")
    found = fits(projector, tmp_path, "default-projector")
    assert not found, found
    assert room.errors == []
