"""A `swot-to-goals` day in a real headless Chromium against the real server: three phones and
the room's screen. The phones write a SWOT, each idea landing in its category's quadrant on the
room's screen; a vision is chosen; the phones write goals, and on the link step a phone links a
goal to the threat it answers (and another to the strength it builds on); the facilitator
confirms what the room proposed and finishes. The plan then shows the SWOT, what each goal
builds on and answers, and the threat no goal answers as a gap and on the strategy page.

The facilitator works over a socket (its console has browser tests of its own); everything a
participant does is done on a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
WALL: ViewportSize = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("swot-day") / "swot.sqlite3") as live:
        yield live


def wait_until(test: Callable[[], bool], what: str, timeout: float = 8.0) -> None:
    end = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.1)


class Day:
    """A workshop made from the swot-to-goals template, its facilitator on a socket."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.url = server.url
        self.devices = Devices(browser)
        self.workshop = http(
            f"{self.url}/api/workshops",
            "POST",
            {
                "title": "Riverside 2030",
                "organization": "Riverside Trust",
                "template": "swot-to-goals",
            },
        )
        self.key: str = self.workshop["facilitator_key"]
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})
        self.stages = {stage["key"]: stage["id"] for stage in self.state()["stages"]}

    def send(self, event: str, payload: dict[str, Any] | None = None) -> Any:
        """One facilitator event whose ack must be ok (waiting out the event budget)."""
        reply = self.facilitator.call(event, payload or {})
        while not reply["ok"] and reply["error"]["code"] == "rate_limited":
            time.sleep(reply["error"]["retry_after"])
            reply = self.facilitator.call(event, payload or {})
        assert reply["ok"], reply
        return reply

    def phase(self, stage: str, phase: str) -> None:
        """Move a stage on step by step, as the console's Next does, until `phase`."""
        kinds = [step["kind"] for step in self.stage(stage)["steps"]]
        current = self.stage(stage)["phase"]
        start = kinds.index(current) + 1 if current in kinds else 0
        for kind in kinds[start : kinds.index(phase) + 1]:
            self.send("stage:phase", {"stage_id": self.stages[stage], "phase": kind})

    def state(self) -> Any:
        return http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)

    def stage(self, key: str) -> Any:
        return next(s for s in self.state()["stages"] if s["key"] == key)

    def phone(self, name: str) -> Page:
        page = self.devices.open(name, PHONE, phone=True)
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name="Join the workshop").click()
        expect(page.locator("#who")).to_have_text(f"You: {name}")
        return page

    def projector(self) -> Page:
        page = self.devices.open("projector", WALL)
        page.goto(self.workshop["projector_url"])
        expect(page.locator("#code")).to_have_text(self.workshop["code"])
        return page

    def plan(self, filename: str) -> str:
        data = http(f"{self.url}/api/workshops/{self.workshop['id']}/{filename}", key=self.key)
        return data.decode() if isinstance(data, bytes) else str(data)

    def close(self) -> None:
        self.facilitator.disconnect()
        self.devices.close()


@pytest.fixture
def day(browser: Browser, server: LiveServer) -> Iterator[Day]:
    opened = Day(browser, server)
    yield opened
    opened.close()
    assert opened.devices.errors == []


def send_idea(phone: Page, category: str, label: str, text: str) -> None:
    """A phone picks a category with its large button and sends an idea to it."""
    phone.locator(f"#category-picker button[data-category='{category}']").click()
    phone.get_by_role("textbox", name=f"Your idea ({label})").fill(text)
    phone.get_by_role("button", name=f"Send to {label}").click()
    expect(phone.locator("#my-ideas li", has_text=text)).to_have_count(1)


def send_plain(phone: Page, text: str) -> None:
    phone.get_by_role("textbox", name="Your idea").fill(text)
    phone.get_by_role("button", name="Send idea").click()
    expect(phone.locator("#my-ideas li", has_text=text)).to_have_count(1)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
    assert width <= 0, f"the page scrolls sideways by {width} px"


def test_a_swot_to_goals_day_ends_in_a_plan_that_says_which_threats_it_answers(
    day: Day, tmp_path: Path
) -> None:
    assert list(day.stages) == ["situation", "vision", "goals"]
    projector = day.projector()
    ana, ben, cleo = day.phone("Ana"), day.phone("Ben"), day.phone("Cleo")
    day.phase("situation", "brainstorm")

    # The SWOT: each idea lands in its category's quadrant on the room's screen.
    sent = [
        (ana, "strengths", "Strengths", "Loyal volunteers who know every family"),
        (ben, "weaknesses", "Weaknesses", "An old boiler that fails every winter"),
        (cleo, "opportunities", "Opportunities", "The college wants a community partner"),
        (ana, "threats", "Threats", "Rents keep rising and push members out"),
        (ben, "threats", "Threats", "A rival food bank opens two streets away"),
    ]
    for phone, key, label, text in sent:
        send_idea(phone, key, label, text)
    for key in ("strengths", "weaknesses", "opportunities", "threats"):
        region = projector.locator(f".category-region[data-category='{key}']")
        expected = [text for _phone, k, _label, text in sent if k == key]
        expect(region.locator(".note")).to_have_count(len(expected))
        assert sorted(region.locator(".note").all_inner_texts()) == sorted(expected)
    found = screens.projector_violations(projector, floor_px=screens.floor_for(1280, 720))
    assert not found, found
    assert {i["text"]: i["category"] for i in day.stage("situation")["ideas"]} == {
        text: key for _phone, key, _label, text in sent
    }

    # The top three of each category are kept: here, every item.
    day.phase("situation", "done")
    assert len(day.stage("situation")["selected"]) == 5

    # A vision, entered by the facilitator and kept.
    day.phase("vision", "brainstorm")
    day.send(
        "idea:submit",
        {"stage_id": day.stages["vision"], "text": "Every family in Riverside has a warm home"},
    )
    day.phase("vision", "done")

    # Goals from the phones, all kept, then linked to the SWOT on the phones.
    day.phase("goals", "brainstorm")
    send_plain(ana, "Keep members in town with fair rents")
    send_plain(ben, "Warm rooms all winter by 2028")
    day.phase("goals", "done")
    goals = {item["text"]: item["id"] for item in day.stage("goals")["selected"]}
    swot = {item["text"]: item["id"] for item in day.stage("situation")["selected"]}
    assert len(goals) == 2
    day.phase("goals", "link")

    rents = swot["Rents keep rising and push members out"]
    volunteers = swot["Loyal volunteers who know every family"]
    boiler = swot["An old boiler that fails every winter"]
    members = goals["Keep members in town with fair rents"]
    warm = goals["Warm rooms all winter by 2028"]
    # Ana's phone: her goal answers the rents threat and builds on the volunteers.
    answer = ana.locator(f"#link-{members}-{rents}")
    expect(answer).to_be_visible()
    item = ana.locator(".link-item", has_text="Keep members in town with fair rents")
    expect(item).to_contain_text("Threats")
    answer.check()
    ana.locator(f"#link-{members}-{volunteers}").check()
    # Ben's phone: his goal answers the boiler weakness.
    ben.locator(f"#link-{warm}-{boiler}").check()
    no_sideways_scroll(ana)
    screens.shot(ana, "phone-320-link", tmp_path)

    def proposals() -> dict[str, Any]:
        return dict(day.stage("goals").get("link_proposals") or {})

    wait_until(
        lambda: (
            proposals().get(str(members), {}).keys() >= {str(rents), str(volunteers)}
            and str(boiler) in proposals().get(str(warm), {})
        ),
        "the phones' links to reach the console",
    )
    # The facilitator confirms what the room proposed, and finishes.
    for goal, parents in proposals().items():
        day.send("link:confirm", {"idea_id": int(goal), "parent_ids": sorted(map(int, parents))})
    day.send("workshop:finish")
    expect(projector.locator("body")).to_contain_text("plan", ignore_case=True)

    markdown = day.plan("plan.md")
    # The SWOT, each item in its quadrant.
    assert "Situation" in markdown
    situation = markdown[markdown.index("Situation") :]
    for _phone, _key, _label, text in sent:
        assert text in situation
    # What each goal builds on and answers.
    assert re.search(r"Builds on:?\**\s*Loyal volunteers who know every family", markdown)
    assert re.search(r"Answers:?\**\s*Rents keep rising and push members out", markdown)
    assert re.search(r"Answers:?\**\s*An old boiler that fails every winter", markdown)
    # The threat no goal answers is a gap, and the strategy page names it.
    gaps = markdown[markdown.index("Threat or weakness that no goal answers") :]
    assert "A rival food bank opens two streets away" in gaps.split("\n\n#")[0]
    assert "Left unanswered" in markdown
    plan = http(f"{day.url}/api/workshops/{day.workshop['id']}/plan.json", key=day.key)
    kinds = [(gap["kind"], gap["item"]) for gap in plan["gaps"]]
    assert ("unanswered_threat", "A rival food bank opens two streets away") in kinds
    assert ("unanswered_threat", "Rents keep rising and push members out") not in kinds
    assert ("unanswered_threat", "An old boiler that fails every winter") not in kinds

    # The plan's web page reads on a phone without sideways scrolling.
    page = day.devices.open("plan", PHONE, phone=True)
    page.set_content(day.plan("plan.html"))
    expect(page.locator("body")).to_contain_text("A rival food bank opens two streets away")
    no_sideways_scroll(page)
    screens.shot(page, "plan-320", tmp_path, full_page=True)
