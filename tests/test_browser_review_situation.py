"""The review page of a plan with a situation analysis and risks (issue 17), in a real headless
Chromium against the real server: a goal offers the selected SWOT items by category, each
with what a link to it means ("builds on", "answers"); a risk says what it "Threatens" and
has a "Mitigated by" checklist of the plan's projects. The facilitator links a goal to the
threat no goal answered and a project to the high risk nothing mitigated and publishes
version 2, whose plan.json has neither gap while version 1 keeps both. A refused mitigation
is shown next to its checklist and nothing ticked is lost. The page fits 320 px and 1280x800.

The workshop (SWOT -> goals -> projects -> risks rated likelihood x impact) is run over
Socket.IO, then finished; the browser only does the review.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Locator, Page, Route, expect

from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}

LOYAL, OLD_IT, RIVAL = "Loyal customers", "Old IT systems", "A rival opens next door"
LOYALTY, MODERNISE = "Grow customer loyalty", "Modernise our IT"
CRM, HEDGE = "A new CRM", "Hedge energy prices"
BREACH, STAFF = "A data breach", "Key staff leave"
KEEP = {"kind": "done", "select_count": 0}  # every idea selected
LINK = {"kind": "link"}


def stage(key: str, title: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "title": title, "prompt": f"{title}?", "steps": list(steps)}


# The situation stage takes the SWOT categories and the risks' rate step likelihood x impact
# from their levels' defaults.
AGENDA = {
    "stages": [
        stage("situation", "Where we stand", {"kind": "brainstorm"}, KEEP),
        stage("goals", "Strategic goals", {"kind": "brainstorm"}, KEEP, LINK),
        stage("projects", "Projects", {"kind": "brainstorm"}, KEEP),
        stage("risks", "Risks", {"kind": "brainstorm"}, {"kind": "rate"}, KEEP, LINK),
    ]
}
IDEAS = {
    "situation": [(LOYAL, "strengths"), (OLD_IT, "weaknesses"), (RIVAL, "threats")],
    "goals": [(LOYALTY, None), (MODERNISE, None)],
    "projects": [(CRM, None), (HEDGE, None)],
    "risks": [(BREACH, None), (STAFF, None)],
}
LINKS = {LOYALTY: [LOYAL], MODERNISE: [OLD_IT], BREACH: [MODERNISE], STAFF: [LOYALTY]}
# Two phones rate: the breach is likely and severe ("Act now"), staff leaving is not.
RATINGS = {BREACH: (4, 5), STAFF: (2, 2)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("review-situation") / "review.sqlite3"
    with LiveServer(path, port=5441) as live:
        yield live


def call(client: socketio.Client, event: str, payload: Any) -> Any:
    reply = client.call(event, payload)
    assert reply["ok"], (event, reply)
    return reply


class Workshop:
    """A finished workshop: every idea selected, rated and linked as above; the threat
    answered by no goal and the high risk mitigated by no project."""

    def __init__(self, server: LiveServer) -> None:
        self.url = server.url
        made = http(f"{self.url}/api/workshops", "POST", {"title": "Corner Shop 2030"})
        self.id, self.key = made["id"], made["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.id}/agenda", "PUT", AGENDA, self.key)
        self.ideas: dict[str, int] = {}
        clients = [socketio.Client(reconnection=False) for _ in range(3)]
        fac, phones = clients[0], clients[1:]
        try:
            for client in clients:
                client.connect(self.url, transports=["websocket"])
            state = call(fac, "facilitate", {"workshop_id": self.id, "key": self.key})
            for n, phone in enumerate(phones):
                call(phone, "join", {"code": made["code"], "name": f"Phone {n + 1}"})
            for s in state["state"]["stages"]:
                self.run_stage(fac, phones, s)
            call(fac, "workshop:finish", {})
        finally:
            for client in clients:
                client.disconnect()

    def run_stage(
        self, fac: socketio.Client, phones: list[socketio.Client], s: dict[str, Any]
    ) -> None:
        sid = s["id"]
        kinds = [step["kind"] for step in s["steps"]]
        call(fac, "stage:phase", {"stage_id": sid, "phase": "brainstorm"})
        for text, category in IDEAS[s["key"]]:
            payload = {"stage_id": sid, "text": text}
            if category:
                payload["category"] = category
            self.ideas[text] = call(fac, "idea:submit", payload)["idea"]["id"]
        if "rate" in kinds:
            call(fac, "stage:phase", {"stage_id": sid, "phase": "rate"})
            ratings = {
                str(self.ideas[text]): {"likelihood": likely, "impact": impact}
                for text, (likely, impact) in RATINGS.items()
            }
            for phone in phones:
                call(phone, "rating:set", {"stage_id": sid, "ratings": ratings})
        call(fac, "stage:phase", {"stage_id": sid, "phase": "done"})
        if "link" in kinds:
            call(fac, "stage:phase", {"stage_id": sid, "phase": "link"})
            for text, _ in IDEAS[s["key"]]:
                parents = [self.ideas[parent] for parent in LINKS[text]]
                call(fac, "link:confirm", {"idea_id": self.ideas[text], "parent_ids": parents})

    @property
    def review_url(self) -> str:
        return f"{self.url}/w/{self.id}/review#key={self.key}"

    def plan(self, version: int | None = None) -> dict[str, Any]:
        query = f"?version={version}" if version else ""
        found: dict[str, Any] = http(
            f"{self.url}/api/workshops/{self.id}/plan.json{query}", key=self.key
        )
        return found

    def versions(self) -> list[int]:
        listed = http(f"{self.url}/api/workshops/{self.id}/plan/versions", key=self.key)
        return [v["version"] for v in listed["versions"]]


def item_of(plan: dict[str, Any], idea_id: int) -> dict[str, Any]:
    return next(i for s in plan["stages"] for i in s["items"] if i["id"] == idea_id)


def gaps_of(plan: dict[str, Any], idea_id: int) -> set[str]:
    return {gap["kind"] for gap in plan["gaps"] if gap["id"] == idea_id}


def editor(page: Page, voted: str) -> Locator:
    """The review's box of the item voted as `voted`."""
    return page.locator(".review-item").filter(has_text=f"As voted: {voted}")


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("REVIEW_SHOTS", str(tmp_path / "shots")))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width


@pytest.fixture(scope="module")
def workshop(server: LiveServer) -> Workshop:
    return Workshop(server)


def test_the_review_answers_the_threat_and_mitigates_the_high_risk_in_version_2(
    workshop: Workshop, devices: Devices, tmp_path: Path
) -> None:
    ids = workshop.ideas
    v1 = workshop.plan()
    assert "unanswered_threat" in gaps_of(v1, ids[RIVAL])
    assert "unmitigated_risk" in gaps_of(v1, ids[BREACH])

    page = devices.open("review", DESK)
    page.goto(workshop.review_url)
    expect(page.locator("#review-base")).to_have_text("1")
    # The new gaps are flagged with their labels.
    expect(editor(page, RIVAL).locator(".review-flags")).to_contain_text(
        "⚠ Threat or weakness that no goal answers: threat"
    )
    expect(editor(page, BREACH).locator(".review-flags")).to_contain_text(
        "⚠ High risk that no project mitigates: Act now"
    )
    expect(editor(page, RIVAL).locator(".review-title")).to_have_text("Situation item 3 · Threats")

    # A goal's checklist: the SWOT items by category, each with what the link means.
    goal = editor(page, LOYALTY).locator(".links-slot .review-links")
    expect(goal.locator("legend")).to_have_text("Builds on / Answers")
    expect(goal.locator(".link-category")).to_have_text(
        ["Strengths · builds on", "Weaknesses · answers", "Threats · answers"]
    )
    expect(goal.get_by_label(LOYAL)).to_be_checked()
    expect(goal.get_by_label(RIVAL)).to_be_checked(checked=False)
    # A risk threatens goals and projects, and is mitigated by projects only.
    risk = editor(page, BREACH)
    threatens = risk.locator(".links-slot .review-links")
    expect(threatens.locator("legend")).to_have_text("Threatens")
    expect(threatens.get_by_label(MODERNISE)).to_be_checked()
    expect(threatens.get_by_label(CRM)).to_be_visible()
    mitigations = risk.locator(".review-mitigations")
    expect(mitigations.locator("legend")).to_have_text("Mitigated by")
    expect(mitigations.locator("input[type=checkbox]")).to_have_count(2)
    expect(mitigations.get_by_label(CRM)).to_be_checked(checked=False)
    # A project still serves (a goal or a program), as before.
    expect(editor(page, CRM).locator(".review-links legend")).to_have_text("Serves")
    shot = shots(tmp_path)
    page.screenshot(path=str(shot / "review-situation-1280.png"), full_page=True)
    no_sideways_scroll(page)

    goal.get_by_label(RIVAL).check()
    mitigations.get_by_label(CRM).check()

    # A page gone stale names a project that is not in the plan: the server's refusal shows
    # next to the checklist and every tick stays as it was; nothing is published.
    def stale(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        for change in body["items"]:
            if "mitigated_by" in change:
                change["mitigated_by"] = [ids[LOYALTY]]
        route.continue_(post_data=json.dumps(body))

    versions_url = f"**/api/workshops/{workshop.id}/plan/versions"
    page.route(versions_url, stale)
    page.get_by_role("button", name="Publish new version").click()
    refusal = mitigations.locator(".field-error")
    expect(refusal).to_contain_text("can be mitigated by projects")
    expect(page.locator("#review-error")).to_contain_text("Not published")
    expect(mitigations.get_by_label(CRM)).to_be_checked()
    expect(goal.get_by_label(RIVAL)).to_be_checked()
    assert workshop.versions() == [1]
    page.unroute(versions_url, stale)

    page.get_by_role("button", name="Publish new version").click()
    expect(page.locator("#review-base")).to_have_text("2")
    expect(page.locator(".field-error")).to_have_count(0)

    v2 = workshop.plan()
    assert sorted(item_of(v2, ids[LOYALTY])["links"]) == sorted([ids[LOYAL], ids[RIVAL]])
    assert item_of(v2, ids[BREACH])["mitigated_by"] == [ids[CRM]]
    assert item_of(v2, ids[BREACH])["links"] == [ids[MODERNISE]]
    assert "unanswered_threat" not in {gap["kind"] for gap in v2["gaps"]}
    assert "unmitigated_risk" not in {gap["kind"] for gap in v2["gaps"]}
    assert workshop.plan(1) == v1

    # The form shows version 2: the ticks as published, the flags gone.
    expect(editor(page, RIVAL).locator(".review-flags")).to_have_count(0)
    expect(editor(page, BREACH).locator(".review-flags")).to_have_count(0)
    expect(editor(page, BREACH).locator(".review-mitigations").get_by_label(CRM)).to_be_checked()
    page.screenshot(path=str(shot / "review-situation-1280-v2.png"), full_page=True)
    assert devices.errors == []


def test_the_situation_review_fits_a_phone(
    workshop: Workshop, devices: Devices, tmp_path: Path
) -> None:
    page = devices.open("phone", PHONE, phone=True)
    page.goto(workshop.review_url)
    expect(page.locator(".review-mitigations").first).to_be_visible()
    no_sideways_scroll(page)
    box = editor(page, LOYALTY).locator(".links-slot .review-links")
    expect(box.locator(".link-category").first).to_have_text("Strengths · builds on")
    page.screenshot(path=str(shots(tmp_path) / "review-situation-320.png"), full_page=True)
    assert devices.errors == []
