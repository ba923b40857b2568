"""A real headless Chromium: a phone-sized participant joins, brainstorms, votes and ranks while
the facilitator runs the stage from the console, then both download the plan."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from playwright import sync_api

from tests.chromium import skip_module_without_chromium
from tests.factories import next_from_console, start_from_console
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path / "browser.sqlite3") as live:
        yield live


def test_phone_joins_brainstorms_votes_and_ranks_while_facilitator_runs_the_stage(
    server: LiveServer, browser: object, tmp_path: Path
) -> None:
    expect = sync_api.expect
    errors: list[str] = []

    desk = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    console = desk.new_page()
    console.on("pageerror", lambda exc: errors.append(f"console: {exc}"))

    # The facilitator creates the workshop from the start page and lands on the console.
    console.goto(f"{server.url}/")
    console.fill("#title", "Harbour strategy 2030")
    console.fill("#organization", "Harbour Trust")
    console.select_option("#horizon", "5")
    console.get_by_role("button", name="Create workshop").click()
    console.wait_for_url(re.compile(r"/w/[0-9a-f]+/facilitate$"))
    expect(console.locator("#key-panel")).to_be_visible()
    assert "#key=" in console.inner_text("#key-link")
    code = console.inner_text("#ws-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    # It opens in the lobby: who has joined, and Start.
    expect(console.locator("#lobby")).to_be_visible()
    expect(console.locator("#start-workshop")).to_be_visible()

    # The room's screen, opened from the console on a projector-sized page.
    wall = browser.new_context(viewport={"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    projector = wall.new_page()
    projector.on("pageerror", lambda exc: errors.append(f"projector: {exc}"))
    projector.goto(server.url + str(console.get_attribute("#open-projector", "href")))
    expect(projector.locator("#code")).to_have_text(code)
    expect(projector.locator("#main")).to_contain_text("Harbour strategy 2030")
    assert projector.locator(".present-qr img").evaluate("img => img.naturalWidth") > 0

    # A participant on a phone-sized screen joins by typing the code on the start page.
    mobile = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = mobile.new_page()
    phone.on("pageerror", lambda exc: errors.append(f"phone: {exc}"))
    phone.goto(f"{server.url}/")
    phone.fill("#code", code.lower())
    phone.get_by_role("button", name="Join", exact=True).click()
    phone.fill("#name", "Ana")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#who")).to_have_text("You: Ana")
    expect(console.locator("#ws-count")).to_have_text("1")
    expect(console.locator("#lobby-count")).to_have_text("1")
    expect(phone.locator("#idea-text")).to_have_count(0)  # nothing to write in the lobby

    # The facilitator starts the workshop: the first brainstorm opens on every screen.
    start_from_console(console)
    expect(console.locator("#stage-panel")).to_contain_text("Vision")
    expect(projector.locator("#main")).to_contain_text("Vision")
    expect(phone.locator("#idea-text")).to_be_visible()

    # Brainstorm: two ideas from the phone appear live on the console.
    for text in ("A carbon-neutral harbour", "The best employer on the coast"):
        phone.fill("#idea-text", text)
        phone.get_by_role("button", name="Send idea").click()
        expect(console.locator("#stage-panel")).to_contain_text(text)
        expect(projector.locator("#wall")).to_contain_text(text)
    expect(projector.locator("#count")).to_have_text("1")
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (2)")

    # A reload brings the phone back as the same participant with its ideas.
    phone.reload()
    expect(phone.locator("#who")).to_have_text("You: Ana")
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (2)")
    expect(console.locator("#ws-count")).to_have_text("1")

    # Two ideas sent in quick succession (the second while the first is in flight) both land.
    phone.evaluate(
        """() => {
            const send = (idea) => {
                document.getElementById("idea-text").value = idea;
                document.querySelector('form[aria-label="New idea"]').requestSubmit();
            };
            send("Quick one");
            send("Quick two");
        }"""
    )
    expect(console.locator("#stage-panel")).to_contain_text("Quick one")
    expect(console.locator("#stage-panel")).to_contain_text("Quick two")
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (4)")
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")

    # Offline (bad conference wifi): the idea waits on the phone and is sent on reconnection.
    mobile.set_offline(True)
    expect(phone.locator("#connection")).to_be_visible(timeout=15000)
    phone.fill("#idea-text", "Sent from a dead spot")
    phone.get_by_role("button", name="Send idea").click()
    expect(phone.locator("#stage-view")).to_contain_text("Sending…")
    mobile.set_offline(False)
    expect(console.locator("#stage-panel")).to_contain_text("Sent from a dead spot", timeout=20000)
    expect(phone.locator("#stage-view")).to_contain_text("Your ideas (5)")
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")

    # Vote: the facilitator opens the vote; the phone spends 3 dots and sees 2 left.
    next_from_console(console, "Close ideas, start dot vote")
    expect(phone.locator("#stage-view")).to_contain_text("Spend your dots")
    expect(phone.locator(".dots-left")).to_contain_text("5 dots left")

    # Each phone lists the ideas in its own order (fair order): pick them by their wording.
    def add_dot(text: str) -> None:
        row = phone.locator("#stage-view [data-idea-id]").filter(has_text=text)
        row.get_by_role("button", name="Add a dot").click()

    add_dot("The best employer on the coast")
    add_dot("The best employer on the coast")
    add_dot("A carbon-neutral harbour")
    expect(phone.locator(".dots-left")).to_contain_text("2 dots left")
    # The console sees the dots live (a coalesced tally); the phone does not see totals.
    expect(console.locator("#stage-panel")).to_contain_text("2 dots")
    expect(console.locator("#stage-panel")).to_contain_text("1 dot")
    expect(phone.locator("#stage-view")).not_to_contain_text("Room total")
    expect(phone.locator("#stage-view")).to_contain_text("Your dots are saved")

    # The dots survive a reload too.
    phone.reload()
    expect(phone.locator(".dots-left")).to_contain_text("2 dots left")

    # Rank: totals are still hidden, so the phone gets the shortlist in its own order (fair
    # order; the console sees it by dots); the phone moves the idea it prefers to the top.
    next_from_console(console, "Close voting, start ranking")
    expect(phone.locator("#stage-view")).to_contain_text("Put the shortlist in order")
    items = phone.locator(".rank-item .rank-text")
    expect(items.first).to_be_visible()
    expect(console.locator(".console-ideas li").first).to_contain_text("The best employer")
    best = "The best employer on the coast"
    place = next(n for n, text in enumerate(items.all_inner_texts()) if best in text)
    if place == 0:
        # Already on top in this phone's order: move it down first, so the phone sends a ranking.
        phone.get_by_role("button", name=f"Move down: {best}").click()
        expect(items.nth(1)).to_contain_text(best)
        place = 1
    for _ in range(place):
        phone.get_by_role("button", name=f"Move up: {best}").click()
    expect(items.nth(0)).to_contain_text(best)
    expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")
    # Keyboard focus stays on the arrow of the moved idea after the redraw.
    focused = phone.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and "The best employer on the coast" in focused

    # Done: the phone's ranking decides (Borda), shown on the phone.
    next_from_console(console, "Close ranking, show results")
    first = phone.locator(".results li").first
    expect(first).to_contain_text("The best employer on the coast")
    expect(first).to_have_class(re.compile("selected"))

    # Finish: the phone offers the plan, and the download works with its token.
    console.get_by_role("button", name="Finish workshop").first.click()
    console.get_by_role("button", name="Finish and create the plan").click()
    for label in ("PDF", "Word", "Web page", "JSON", "Ideas (CSV)"):
        expect(phone.get_by_role("link", name=re.compile(f"^{re.escape(label)}"))).to_be_visible()
    link = phone.get_by_role("link", name=re.compile("^Markdown"))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href and "?token=" in href
    assert href.startswith("/api/workshops/")
    markdown = phone.request.get(server.url + href)
    assert markdown.status == 200
    plan = markdown.text()
    assert "# Strategic plan: Harbour strategy 2030" in plan
    assert "> The best employer on the coast" in plan
    pdf = phone.request.get(
        server.url + str(phone.get_by_role("link", name=re.compile("^PDF")).get_attribute("href"))
    )
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    # The console downloads the printable page with its key (no key in the URL).
    with desk.expect_page() as opened:
        console.locator("#plan-files").get_by_role("button", name="Web page").click()
    page = opened.value
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("Harbour strategy 2030")

    console.screenshot(path=str(tmp_path / "console.png"))
    phone.screenshot(path=str(tmp_path / "phone.png"))
    assert errors == []
    mobile.close()
    wall.close()
    desk.close()


def test_phone_reorders_the_shortlist_by_dragging(server: LiveServer, browser: object) -> None:
    """Dragging an item's handle (pointer events, as from a finger) saves the new order."""
    expect = sync_api.expect
    body = json.dumps({"title": "Drag test"}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/workshops", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        created = json.loads(response.read())
    facilitator = socketio.Client(reconnection=False)
    facilitator.connect(server.url, transports=["websocket"])
    try:
        key = {"workshop_id": created["id"], "key": created["facilitator_key"]}
        stage_id = facilitator.call("facilitate", key)["state"]["stages"][0]["id"]
        # Out of the lobby: the first brainstorm opens.
        assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": "brainstorm"})["ok"]

        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone = context.new_page()
        phone.goto(created["urls"]["join"])
        phone.get_by_role("button", name="Join the workshop").click()
        for text in ("First idea", "Second idea", "Third idea"):
            phone.fill("#idea-text", text)
            phone.get_by_role("button", name="Send idea").click()
            expect(phone.locator("#stage-view")).to_contain_text(text)
        expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")
        for to in ("vote", "rank"):
            assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": to})["ok"]
        items = phone.locator(".rank-item .rank-text")
        expect(items).to_have_count(3)
        # Measure the handles only once the ranking view has settled.
        expect(phone.locator(".save-state")).to_have_text("Not submitted yet.")

        # The phone lists the shortlist in its own order (fair order): drag its last item.
        last = re.sub(r"^Place \d+:\s*", "", items.nth(2).inner_text().strip())
        grip, top = phone.locator(".grip").nth(2).bounding_box(), items.nth(0).bounding_box()
        assert grip and top
        x = grip["x"] + grip["width"] / 2
        phone.mouse.move(x, grip["y"] + grip["height"] / 2)
        phone.mouse.down()
        for step in range(1, 11):
            phone.mouse.move(x, grip["y"] + (top["y"] - grip["y"]) * step / 10)
        phone.mouse.up()

        expect(items.nth(0)).to_contain_text(last)
        expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")
        state = facilitator.call("facilitate", key)["state"]
        assert state["stages"][0]["progress"]["rankers"] == 1
        context.close()
    finally:
        facilitator.disconnect()
