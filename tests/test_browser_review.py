"""The review page in a real headless Chromium against the real server: the facilitator re-links
a project to the goal nothing served, drops a junk project and publishes version 2, whose
plan.json shows the link, the dropped item and the closed gaps; a refused review shows its
message next to the field and keeps everything typed. The page fits a 320 px phone and a
1280 by 800 screen.

The workshop is run over Socket.IO (goals → projects → actions, decided, linked), then
finished; the browser only does what the test is about, the review.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Locator, Page, expect

from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}

GOAL, UNSERVED_GOAL = "More local jobs by 2031", "A greener high street"
EVENTS, MARKETING, JUNK = "Community events, four a year", "Shop-local marketing", "Free pizza"
ACTION = "Book the town hall"
PICKED = {"kind": "done", "select_count": 0}  # every idea selected
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true?",
            "steps": [{"kind": "brainstorm"}, PICKED],
        },
        {
            "key": "projects",
            "title": "Projects",
            "prompt": "Which project?",
            "steps": [{"kind": "brainstorm"}, PICKED, {"kind": "link"}],
        },
        {
            "key": "actions",
            "title": "Action items",
            "prompt": "First step?",
            "steps": [{"kind": "brainstorm"}, PICKED, {"kind": "link"}],
        },
    ]
}
IDEAS = {"goals": [GOAL, UNSERVED_GOAL], "projects": [EVENTS, MARKETING, JUNK], "actions": [ACTION]}
LINKS = {EVENTS: [GOAL], ACTION: [EVENTS]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("review") / "review.sqlite3") as live:
        yield live


class Workshop:
    """A finished workshop: every idea selected, the links above confirmed."""

    def __init__(self, server: LiveServer) -> None:
        self.url = server.url
        made = http(f"{self.url}/api/workshops", "POST", {"title": "High Street 2031"})
        self.id, self.key = made["id"], made["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.id}/agenda", "PUT", AGENDA, self.key)
        self.ideas: dict[str, int] = {}
        fac = socketio.Client(reconnection=False)
        fac.connect(self.url, transports=["websocket"])
        try:
            state = self.call(fac, "facilitate", {"workshop_id": self.id, "key": self.key})
            for stage in state["state"]["stages"]:
                sid = stage["id"]
                self.call(fac, "stage:phase", {"stage_id": sid, "phase": "brainstorm"})
                for text in IDEAS[stage["key"]]:
                    reply = self.call(fac, "idea:submit", {"stage_id": sid, "text": text})
                    self.ideas[text] = reply["idea"]["id"]
                self.call(fac, "stage:phase", {"stage_id": sid, "phase": "done"})
                if stage["key"] != "goals":
                    self.call(fac, "stage:phase", {"stage_id": sid, "phase": "link"})
                for text in IDEAS[stage["key"]]:
                    if text in LINKS:
                        parents = [self.ideas[parent] for parent in LINKS[text]]
                        payload = {"idea_id": self.ideas[text], "parent_ids": parents}
                        self.call(fac, "link:confirm", payload)
            self.call(fac, "workshop:finish", {})
        finally:
            fac.disconnect()

    @staticmethod
    def call(client: socketio.Client, event: str, payload: Any) -> Any:
        reply = client.call(event, payload)
        assert reply["ok"], (event, reply)
        return reply

    @property
    def review_url(self) -> str:
        return f"{self.url}/w/{self.id}/review#key={self.key}"

    def plan(self, version: int | None = None) -> dict[str, Any]:
        query = f"?version={version}" if version else ""
        found: dict[str, Any] = http(
            f"{self.url}/api/workshops/{self.id}/plan.json{query}", key=self.key
        )
        return found

    def versions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = http(
            f"{self.url}/api/workshops/{self.id}/plan/versions", key=self.key
        )["versions"]
        return found


def item_of(plan: dict[str, Any], idea_id: int) -> dict[str, Any]:
    return next(i for stage in plan["stages"] for i in stage["items"] if i["id"] == idea_id)


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
    """The page is no wider than its viewport (nothing scrolls sideways)."""
    viewport = page.viewport_size
    assert viewport is not None
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width


def test_relink_drop_and_publish_close_the_gaps_in_version_2(
    server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    workshop = Workshop(server)
    ids = workshop.ideas
    v1 = workshop.plan()
    assert gaps_of(v1, ids[UNSERVED_GOAL]) >= {"unserved_goal"}
    assert gaps_of(v1, ids[MARKETING]) >= {"unaligned_project"}

    page = devices.open("review", DESK)
    page.goto(workshop.review_url)
    expect(page.locator("#review-base")).to_have_text("1")
    # Each item shows its gaps; the new fields sit next to the old ones.
    expect(editor(page, MARKETING).locator(".review-flags")).to_contain_text(
        "⚠ Project that serves no goal"
    )
    expect(editor(page, UNSERVED_GOAL).locator(".review-flags")).to_contain_text(
        "⚠ Goal that nothing serves"
    )
    marketing = editor(page, MARKETING)
    for label in ("Owner", "Sponsor", "Start date", "Completion date", "Budget", "Approach"):
        expect(marketing.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_label("How often the plan is reviewed")).to_have_value("quarterly")
    shot = shots(tmp_path)
    page.screenshot(path=str(shot / "review-1280.png"), full_page=True)
    no_sideways_scroll(page)

    # Re-link the marketing project to the goal nothing served; give it a sponsor and budget.
    links = marketing.locator(".review-links")
    expect(links.get_by_label(GOAL)).to_be_checked(checked=False)
    links.get_by_label(UNSERVED_GOAL).check()
    marketing.get_by_label("Sponsor", exact=True).fill("Deputy mayor")
    marketing.get_by_label("Budget", exact=True).fill("EUR 40,000")
    # Drop the junk project: greyed, marked, restorable; the action cannot serve it now.
    junk = editor(page, JUNK)
    junk.get_by_role("button", name="Drop from the plan").click()
    expect(junk).to_have_class("review-item dropped")
    expect(junk.locator(".removed-badge")).to_have_text("Removed in review")
    expect(junk.get_by_role("button", name="Restore")).to_be_visible()
    expect(junk.get_by_label("Wording in the plan")).to_be_disabled()
    expect(editor(page, ACTION).locator(".review-links")).not_to_contain_text(JUNK)
    page.get_by_label("How often the plan is reviewed").select_option("half-yearly")
    page.get_by_label("What changed in this version").fill("Links fixed, junk dropped")
    page.get_by_role("button", name="Publish new version").click()
    expect(page.locator("#review-base")).to_have_text("2")
    expect(page.locator("#version-list > li")).to_have_count(2)

    # Version 2 has the link, the dropped item and neither gap; version 1 is as it was.
    v2 = workshop.plan()
    assert v2["version"] == 2
    assert item_of(v2, ids[MARKETING])["links"] == [ids[UNSERVED_GOAL]]
    assert item_of(v2, ids[MARKETING])["fields"]["sponsor"] == "Deputy mayor"
    assert item_of(v2, ids[MARKETING])["fields"]["budget"] == "EUR 40,000"
    assert item_of(v2, ids[JUNK])["dropped"] is True
    assert item_of(v2, ids[EVENTS])["dropped"] is False
    assert "unaligned_project" not in gaps_of(v2, ids[MARKETING])
    assert "unserved_goal" not in gaps_of(v2, ids[UNSERVED_GOAL])
    assert gaps_of(v2, ids[JUNK]) == set()
    assert v2["review_cadence"] == "half-yearly"
    assert v2["note"] == "Links fixed, junk dropped"
    assert workshop.plan(1) == v1

    # The form now shows version 2: the dropped item greyed and restorable, the gaps gone.
    junk = editor(page, JUNK)
    expect(junk).to_have_class("review-item dropped")
    expect(junk.get_by_role("button", name="Restore")).to_be_visible()
    expect(editor(page, MARKETING).locator(".review-flags")).not_to_contain_text("serves no goal")
    expect(editor(page, UNSERVED_GOAL).locator(".review-flags")).not_to_contain_text("nothing")
    relinked = editor(page, MARKETING).locator(".review-links").get_by_label(UNSERVED_GOAL)
    expect(relinked).to_be_checked()
    expect(page.get_by_label("How often the plan is reviewed")).to_have_value("half-yearly")
    page.screenshot(path=str(shot / "review-1280-v2.png"), full_page=True)

    # Restored in version 3, with its wording as it was.
    junk.get_by_role("button", name="Restore").click()
    expect(junk).to_have_class("review-item")
    expect(junk.get_by_label("Wording in the plan")).to_be_enabled()
    expect(editor(page, ACTION).locator(".review-links")).to_contain_text(JUNK)
    page.get_by_role("button", name="Publish new version").click()
    expect(page.locator("#review-base")).to_have_text("3")
    v3 = workshop.plan()
    assert item_of(v3, ids[JUNK])["dropped"] is False
    assert "unaligned_project" in gaps_of(v3, ids[JUNK])
    assert workshop.plan(2) == v2
    assert devices.errors == []


def test_a_refused_review_names_the_field_and_keeps_what_was_typed(
    server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    workshop = Workshop(server)
    page = devices.open("phone", PHONE, phone=True)
    page.goto(workshop.review_url)
    expect(page.locator("#review-base")).to_have_text("1")
    no_sideways_scroll(page)
    page.screenshot(path=str(shots(tmp_path) / "review-320.png"), full_page=True)

    # A metric with a target but no name: the server refuses it (a metric needs its name).
    goal = editor(page, GOAL)
    goal.get_by_role("button", name="Add a metric").click()
    goal.get_by_label("Target").fill("300 new jobs")
    marketing = editor(page, MARKETING)
    marketing.get_by_label("Owner", exact=True).fill("Jon Berg")
    marketing.locator(".review-links").get_by_label(UNSERVED_GOAL).check()
    editor(page, JUNK).get_by_role("button", name="Drop from the plan").click()
    page.get_by_role("button", name="Publish new version").click()

    refusal = goal.locator(".metrics .field-error")
    expect(refusal).to_have_text("The metric's name is required.")
    expect(page.locator("#review-error")).to_contain_text("Not published")
    name = goal.get_by_label("Metric", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    # Everything typed is still there; nothing was stored.
    expect(goal.get_by_label("Target")).to_have_value("300 new jobs")
    expect(marketing.get_by_label("Owner", exact=True)).to_have_value("Jon Berg")
    expect(marketing.locator(".review-links").get_by_label(UNSERVED_GOAL)).to_be_checked()
    expect(editor(page, JUNK)).to_have_class("review-item dropped")
    expect(page.locator("#review-base")).to_have_text("1")
    assert [v["version"] for v in workshop.versions()] == [1]
    no_sideways_scroll(page)
    page.screenshot(path=str(shots(tmp_path) / "review-320-refused.png"), full_page=True)

    # Named, the metric goes through with the rest.
    name.fill("Jobs in local shops")
    page.get_by_role("button", name="Publish new version").click()
    expect(page.locator("#review-base")).to_have_text("2")
    expect(page.locator(".field-error")).to_have_count(0)
    v2 = workshop.plan()
    assert item_of(v2, workshop.ideas[GOAL])["fields"]["metrics"] == [
        {"metric": "Jobs in local shops", "baseline": None, "target": "300 new jobs", "due": None}
    ]
    assert item_of(v2, workshop.ideas[MARKETING])["fields"]["owner"] == "Jon Berg"
    assert item_of(v2, workshop.ideas[JUNK])["dropped"] is True
    assert devices.errors == []


# --------------------------------------------------------------------------- define step

DEFINE_AGENDA = {
    "stages": [
        {
            "key": key,
            "title": key.title(),
            "prompt": f"Which {key}?",
            "steps": [{"kind": "brainstorm"}, PICKED, {"kind": "define"}],
        }
        for key in ("programs", "projects")
    ]
}
PROGRAM, PROJECT = "Small-business funding program", "Shop-local campaign"


def in_define(server: LiveServer) -> tuple[dict[str, Any], dict[str, int]]:
    """A workshop whose programs and projects are decided, the programs at their define step."""
    made = http(f"{server.url}/api/workshops", "POST", {"title": "Funding 2031"})
    http(
        f"{server.url}/api/workshops/{made['id']}/agenda",
        "PUT",
        DEFINE_AGENDA,
        made["facilitator_key"],
    )
    fac = socketio.Client(reconnection=False)
    fac.connect(server.url, transports=["websocket"])
    stages: dict[str, int] = {}
    try:
        login = {"workshop_id": made["id"], "key": made["facilitator_key"]}
        state = Workshop.call(fac, "facilitate", login)["state"]
        for stage, text in zip(state["stages"], (PROGRAM, PROJECT), strict=True):
            stages[stage["key"]] = stage["id"]
            Workshop.call(fac, "stage:phase", {"stage_id": stage["id"], "phase": "brainstorm"})
            Workshop.call(fac, "idea:submit", {"stage_id": stage["id"], "text": text})
            Workshop.call(fac, "stage:phase", {"stage_id": stage["id"], "phase": "done"})
        Workshop.call(fac, "stage:phase", {"stage_id": stages["programs"], "phase": "define"})
    finally:
        fac.disconnect()
    return made, stages


def test_the_define_step_takes_the_charter_fields_on_the_console_and_shows_them_on_phones(
    server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    made, stages = in_define(server)
    console = devices.open("console", DESK)
    console.goto(made["urls"]["facilitate"])
    console.get_by_role("button", name="I have saved it").click()
    phone = devices.open("phone", PHONE, phone=True)
    phone.goto(made["urls"]["join"])
    phone.fill("#name", "Bo")
    phone.get_by_role("button", name="Join the workshop").click()

    form = console.locator(".define-form").filter(has_text="Budget")
    budget = form.get_by_label("Budget", exact=True)
    expect(budget).to_have_attribute("maxlength", "80")
    expect(form.get_by_label("Start", exact=True)).to_have_attribute("type", "date")
    expect(form.get_by_label("End", exact=True)).to_have_attribute("type", "date")
    form.get_by_label("Program manager").fill("Maria Costa")
    budget.fill("EUR 2.5 million over 5 years")
    form.get_by_label("Start", exact=True).fill("2027-01-01")
    form.get_by_label("End", exact=True).fill("2031-12-31")
    form.get_by_role("button", name="Save").click()
    shown = phone.locator(".define-item .fields")
    expect(shown).to_contain_text("Budget")
    expect(shown).to_contain_text("EUR 2.5 million over 5 years")
    expect(shown).to_contain_text("2031-12-31")
    # The phone suggests a start as a date.
    phone.get_by_label("Suggest", exact=True).select_option(label="Start")
    expect(phone.locator(".suggest input[type=date]")).to_be_visible()
    no_sideways_scroll(phone)
    folder = shots(tmp_path)
    phone.screenshot(path=str(folder / "define-phone-320.png"), full_page=True)
    console.screenshot(path=str(folder / "define-console-1280.png"), full_page=True)

    # The project's sponsor (at most 120 characters), start and budget.
    fac = socketio.Client(reconnection=False)
    fac.connect(server.url, transports=["websocket"])
    try:
        login = {"workshop_id": made["id"], "key": made["facilitator_key"]}
        Workshop.call(fac, "facilitate", login)
        Workshop.call(fac, "stage:phase", {"stage_id": stages["projects"], "phase": "define"})
    finally:
        fac.disconnect()
    form = console.locator(".define-form").filter(has_text="Sponsor")
    expect(form.get_by_label("Sponsor")).to_have_attribute("maxlength", "120")
    form.get_by_label("Sponsor").fill("Deputy mayor")
    form.get_by_label("Start", exact=True).fill("2027-02-01")
    form.get_by_label("Budget", exact=True).fill("$40,000")
    form.get_by_role("button", name="Save").click()
    expect(phone.locator(".define-item .fields")).to_contain_text("Deputy mayor")
    expect(phone.locator(".define-item .fields")).to_contain_text("$40,000")
    console.screenshot(path=str(folder / "define-console-project-1280.png"), full_page=True)
    assert devices.errors == []
