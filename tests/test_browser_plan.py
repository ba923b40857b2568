"""A real headless Chromium around the plan: the facilitator downloads a draft while the
workshop runs, finishes it, reviews the plan and publishes version 2, shares a read-only link
and revokes it; the phone and the projector offer every format."""

from __future__ import annotations

import io
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Download, Page, expect
from pypdf import PdfReader

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK = {"width": 1280, "height": 900}
WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 3},
                {"kind": "done", "select_count": 2},
            ],
        },
        {
            "key": "projects",
            "title": "Projects",
            "prompt": "Which project?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 3},
                {"kind": "done", "select_count": 2},
                {"kind": "link"},
            ],
        },
    ]
}
IDEAS = {
    "goals": ["Electrify every crane", "Rail share above 40 %", "Publish emissions monthly"],
    "projects": ["Pilot an electric tug", "Shore power at berth 3", "A museum ship"],
}


def http(url: str, method: str = "GET", body: Any = None, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        raw = response.read()
        return json.loads(raw) if raw[:1] in (b"{", b"[") else raw


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def saved(download: Download) -> bytes:
    return Path(download.path()).read_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(tmp_path / "plan.sqlite3") as live:
        yield live


class Day:
    """One workshop run over sockets to its last stage, with browser screens around it."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        self.errors: list[str] = []
        self.clients: list[socketio.Client] = []
        self.workshop = http(
            f"{self.url}/api/workshops",
            "POST",
            {"title": "Harbour 2031", "organization": "Trust", "facilitator_name": "Ana"},
        )
        self.id = self.workshop["id"]
        self.key = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.id}/agenda", "PUT", AGENDA, self.key)
        self.facilitator = self.client()
        self.credentials = {"workshop_id": self.id, "key": self.key}
        assert self.facilitator.call("facilitate", self.credentials)["ok"]

    def client(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=["websocket"])
        self.clients.append(client)
        return client

    def send(self, client: socketio.Client, event: str, payload: Any) -> Any:
        reply = client.call(event, payload)
        assert reply["ok"], reply
        return reply

    def open(self, name: str, viewport: dict[str, int], *, phone: bool = False) -> Page:
        context = self.browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        self.pages[name] = page
        return page

    def run_stages(self, voter: socketio.Client) -> None:
        """Every stage: ideas in, dots on the first two, decided."""
        state = self.facilitator.call("facilitate", self.credentials)["state"]
        for stage in state["stages"]:
            sid = stage["id"]
            self.send(self.facilitator, "stage:phase", {"stage_id": sid, "phase": "brainstorm"})
            ids = [
                self.send(voter, "idea:submit", {"stage_id": sid, "text": text})["idea"]["id"]
                for text in IDEAS[stage["key"]]
            ]
            self.send(self.facilitator, "stage:phase", {"stage_id": sid, "phase": "vote"})
            votes = {str(ids[0]): 2, str(ids[1]): 1}
            self.send(voter, "votes:set", {"stage_id": sid, "votes": votes})
            self.send(self.facilitator, "stage:phase", {"stage_id": sid, "phase": "done"})

    def close(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if not page.is_closed():
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True, timeout=5000)
        for client in self.clients:
            client.disconnect()
        for context in self.contexts:
            context.close()


def test_draft_finish_review_share_and_every_format_on_every_screen(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    day = Day(browser, server)
    try:
        console = day.open("console", DESK)
        console.goto(day.workshop["urls"]["facilitate"])
        console.get_by_role("button", name="I have saved it").click()
        phone = day.open("phone", PHONE, phone=True)
        phone.goto(day.workshop["urls"]["join"])
        phone.fill("#name", "Bo")
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_have_text("You: Bo")
        voter = day.client()
        day.send(voter, "join", {"code": day.workshop["code"], "name": "Cy"})
        day.run_stages(voter)

        # While the workshop runs the console offers a draft in every format, marked DRAFT.
        files = console.locator("#plan-files")
        for label in ("PDF", "Word", "Web page", "Markdown", "JSON", "Ideas (CSV)"):
            expect(files.get_by_role("button", name=f"{label} (draft)")).to_be_visible()
        with console.expect_download() as got:
            files.get_by_role("button", name="PDF (draft)").click()
        assert re.fullmatch(r"strategic-plan-harbour-2031-draft\.pdf", got.value.suggested_filename)
        draft = pdf_text(saved(got.value))
        assert "DRAFT" in draft and "Electrify every crane" in draft
        with console.expect_download() as got:
            files.get_by_role("button", name="Word (draft)").click()
        assert got.value.suggested_filename.endswith("-draft.docx")

        # Finish from the console.
        console.get_by_role("button", name="Finish workshop").first.click()
        console.get_by_role("button", name="Finish and create the plan").click()
        expect(files.get_by_role("button", name="PDF", exact=True)).to_be_visible()

        # The phone links every format with its token; the PDF is final (no DRAFT).
        for label in ("PDF", "Word", "Web page", "Markdown", "JSON", "Ideas (CSV)"):
            expect(
                phone.get_by_role("link", name=re.compile(f"^{re.escape(label)}"))
            ).to_be_visible()
        href = phone.get_by_role("link", name=re.compile("^PDF")).get_attribute("href")
        final = phone.request.get(server.url + str(href))
        assert final.status == 200
        assert "DRAFT" not in pdf_text(final.body())

        # The projector's final screen says the plan is ready; it only reads (its token opens
        # no file), so the files are on the phones and in the console.
        projector = day.open("projector", WALL)
        projector.goto(day.workshop["urls"]["present"])
        expect(projector.locator("#main")).to_contain_text("The strategic plan is ready")
        expect(projector.locator("#main")).to_contain_text("Electrify every crane")
        expect(projector.get_by_role("button")).to_have_count(0)

        # Review: correct a goal's wording, name a project owner, publish version 2.
        console.get_by_role("link", name="Review and publish a new version").click()
        review = console
        expect(review.locator("#review-base")).to_have_text("1")
        goal = review.locator(".review-item").filter(has_text="As voted: Electrify every crane")
        goal.get_by_label("Wording in the plan").fill("Electrify all 14 cranes")
        project = review.locator(".review-item").filter(has_text="As voted: Pilot an electric tug")
        project.get_by_label("Owner").fill("Jon Berg")
        project.get_by_label("Completion date").fill("2027-06-30")
        review.get_by_label("What changed in this version").fill("Owners from Monday")
        review.get_by_role("button", name="Publish new version").click()
        expect(review.locator("#review-base")).to_have_text("2")
        versions = review.locator("#version-list > li")
        expect(versions).to_have_count(2)
        expect(versions.first).to_contain_text("Version 2 (latest)")
        expect(versions.first).to_contain_text("Owners from Monday")
        if "PLAN_SHOTS" in os.environ:
            review.screenshot(path=f"{os.environ['PLAN_SHOTS']}/review.png", full_page=True)

        # Both versions stay downloadable; version 2 is the default.
        root = f"{server.url}/api/workshops/{day.id}"
        latest = http(f"{root}/plan.md", key=day.key).decode()
        first = http(f"{root}/plan.md?version=1", key=day.key).decode()
        assert "### 1. Electrify all 14 cranes" in latest
        assert "| Owner | Jon Berg |" in latest and "| Completion date | 2027-06-30 |" in latest
        assert "Electrify all 14 cranes" not in first
        appendix = latest.split("## Appendix", 1)[1]
        assert "| Electrify every crane |" in appendix  # the wording as voted
        with review.expect_download() as got:
            versions.nth(1).get_by_role("button", name="PDF").click()
        assert "Electrify all 14 cranes" not in pdf_text(saved(got.value))

        # Share: a read-only link for someone who was not in the room, then revoked.
        console.goto(day.workshop["urls"]["facilitate"])
        console.get_by_role("button", name="Create a share link").click()
        link = console.locator("#new-share-url")
        expect(link).to_contain_text("/s/")
        url = link.inner_text().strip()
        guest = day.open("guest", DESK)
        guest.goto(url)
        expect(guest.locator("h1")).to_have_text("Harbour 2031")
        expect(guest.locator("main")).to_contain_text("Electrify all 14 cranes")
        with guest.expect_download() as got:
            guest.get_by_role("link", name="PDF").click()
        assert "Electrify all 14 cranes" in pdf_text(saved(got.value))
        console.once("dialog", lambda dialog: dialog.accept())
        console.locator("#share-list").get_by_role("button", name="Revoke").click()
        expect(console.locator("#share-list li")).to_have_count(0)
        assert status_of(url) == 404
        assert status_of(f"{url}/plan.pdf") == 404
        assert day.errors == []
    finally:
        shots = Path(os.environ.get("PLAN_SHOTS", str(tmp_path / "shots")))
        day.close(shots)
