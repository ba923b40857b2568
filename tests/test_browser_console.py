"""The facilitator's console in a real headless Chromium at 1280x800: the agenda editor puts a
new step where it belongs and speaks the editor's words, finishing with unsaved define edits
asks first, the start page's title error goes once a title is typed, and the N key moves the
room on (not while typing). One browser and one real server for the whole module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}


# --------------------------------------------------------------------------- helpers


def new_workshop(server: LiveServer, stages: list[dict[str, Any]] | None = None) -> Any:
    """A workshop made through the API (the default agenda, or `stages`)."""
    created = http(f"{server.url}/api/workshops", "POST", {"title": "Harbour 2030"})
    if stages is not None:
        url = f"{server.url}/api/workshops/{created['id']}/agenda"
        http(url, "PUT", {"stages": stages}, created["facilitator_key"])
    return created


def agenda_kinds(server: LiveServer, workshop: Any) -> dict[str, list[str]]:
    """Each stage's step kinds by stage key, as the server has them."""
    url = f"{server.url}/api/workshops/{workshop['id']}/agenda"
    stages = http(url, key=workshop["facilitator_key"])["stages"]
    return {stage["key"]: [step["kind"] for step in stage["steps"]] for stage in stages}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("console") / "console.sqlite3") as live:
        yield live


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """Open pages at 1280x800, each in its own context; no page may throw."""
    contexts = []
    errors: list[str] = []

    def open_one(url: str) -> Page:
        context = browser.new_context(viewport=DESK)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert not errors


def console_of(open_page: Any, workshop: Any) -> Page:
    """The facilitator's console, its one-time key panel dismissed."""
    page: Page = open_page(workshop["urls"]["facilitate"])
    page.get_by_role("button", name="I have saved it").click()
    expect(page.locator("#stage-panel")).to_be_visible()
    return page


# --------------------------------------------------------------------------- agenda editor


def test_add_step_lands_at_its_first_valid_place_and_errors_speak_the_editors_words(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    assert agenda_kinds(server, workshop)["goals"] == ["brainstorm", "vote", "rank", "done"]
    console = console_of(open_page, workshop)
    console.get_by_role("button", name="Edit agenda").click()
    dialog = console.locator("#agenda-dialog")
    goals = dialog.locator(".agenda-stage").nth(1)
    expect(goals.get_by_label("Title", exact=True)).to_have_value("Goals")
    steps = goals.locator(".step-edit .step-name strong")

    # The stage ends with Results: an Impact and effort step goes before it, where it is valid.
    goals.get_by_label("Step to add to").select_option(label="Impact and effort")
    goals.get_by_role("button", name="Add step").click()
    expect(steps).to_have_count(5)
    names = steps.all_inner_texts()
    assert names.index("Impact and effort") < names.index("Results")
    expect(goals).to_contain_text("Impact and effort added before")
    expect(goals.locator(".step-problem")).to_have_count(0)

    # Moved after Results by hand, the stage says what is wrong in the editor's words.
    while steps.all_inner_texts()[-1] != "Impact and effort":
        goals.get_by_role("button", name="Move Impact and effort later").click()
    problem = (
        "Impact and effort can't come after Results in Goals: "
        "only Link and Define work on the selected items."
    )
    expect(goals.locator(".step-problem")).to_have_text(problem)
    dialog.get_by_role("button", name="Save agenda").click()
    error = dialog.locator("#agenda-error")
    expect(error).to_have_text(problem)
    assert agenda_kinds(server, workshop)["goals"] == ["brainstorm", "vote", "rank", "done"]

    # Put back, the stale error goes at once; the saved agenda is the valid one.
    goals.get_by_role("button", name="Move Impact and effort earlier").click()
    expect(error).to_be_hidden()
    expect(goals.locator(".step-problem")).to_have_count(0)
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    kinds = agenda_kinds(server, workshop)["goals"]
    assert kinds[-1] == "done" and "rate" in kinds


def test_a_refused_save_keeps_its_message_and_the_edits_until_the_next_change(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    console = console_of(open_page, workshop)
    console.get_by_role("button", name="Edit agenda").click()
    dialog = console.locator("#agenda-dialog")
    title = dialog.locator(".agenda-stage").nth(1).get_by_label("Title", exact=True)
    title.fill("Goals for 2030")
    console.context.set_offline(True)
    dialog.get_by_role("button", name="Save agenda").click()
    error = dialog.locator("#agenda-error")
    expect(error).to_have_text(
        "Not saved: No connection to the server. Your changes are still here; try again."
    )
    console.wait_for_timeout(500)  # the buttons' own re-check must not take it away
    expect(error).to_be_visible()
    expect(title).to_have_value("Goals for 2030")
    console.context.set_offline(False)
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    url = f"{server.url}/api/workshops/{workshop['id']}/agenda"
    stages = http(url, key=workshop["facilitator_key"])["stages"]
    assert stages[1]["title"] == "Goals for 2030"


# --------------------------------------------------------------------------- unsaved define


def projects_in_define(server: LiveServer, ideas: list[str]) -> Any:
    """A workshop whose one stage, Projects, is at its define step with these items selected."""
    workshop = new_workshop(
        server,
        [
            {
                "key": "projects",
                "title": "Projects",
                "steps": [
                    {"kind": "brainstorm"},
                    {"kind": "done", "select_count": 0},
                    {"kind": "define"},
                ],
            }
        ],
    )
    facilitator = socketio.Client(reconnection=False)
    facilitator.connect(server.url, transports=["websocket"])
    try:
        login = {"workshop_id": workshop["id"], "key": workshop["facilitator_key"]}
        stage_id = facilitator.call("facilitate", login)["state"]["stages"][0]["id"]
        assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": "brainstorm"})["ok"]
        for n, text in enumerate(ideas):
            payload = {"stage_id": stage_id, "text": text, "client_id": f"c{n}"}
            assert facilitator.call("idea:submit", payload)["ok"]
        for phase in ("done", "define"):
            assert facilitator.call("stage:phase", {"stage_id": stage_id, "phase": phase})["ok"]
    finally:
        facilitator.disconnect()
    return workshop


def test_finishing_with_an_unsaved_define_edit_asks_and_save_them_keeps_it(
    server: LiveServer, open_page: Any
) -> None:
    workshop = projects_in_define(server, ["Harbour app", "New pier"])
    login = {"workshop_id": workshop["id"], "key": workshop["facilitator_key"]}
    console = console_of(open_page, workshop)
    owner = console.get_by_label("Owner").first
    owner.fill("Ana Costa")
    expect(console.locator("#stage-panel")).to_contain_text("Unsaved changes")

    # Finish asks first, naming the one item; "Go back" keeps what was typed.
    console.locator("#finish").click()
    ask = console.locator("#confirm-unsaved")
    expect(ask).to_be_visible()
    expect(ask).to_contain_text("1 item has unsaved changes: save them, discard them, or go back.")
    expect(ask.locator("li")).to_have_count(1)
    ask.get_by_role("button", name="Go back").click()
    expect(ask).to_be_hidden()
    expect(owner).to_have_value("Ana Costa")
    expect(console.locator(".define-item:focus-within")).to_contain_text("Harbour app")
    assert (
        http(f"{server.url}/api/workshops/{workshop['id']}", key=login["key"])["workshop"]["status"]
        == "active"
    )

    # "Save them" sends the edit, then finishes: the plan has the owner.
    console.locator("#finish").click()
    ask.get_by_role("button", name="Save them").click()
    expect(console.locator("#stage-panel")).to_contain_text("The workshop is finished")
    plan_url = f"{server.url}/api/workshops/{workshop['id']}/plan.json"
    plan = json.dumps(http(plan_url, key=login["key"]))
    assert "Ana Costa" in plan


# --------------------------------------------------------------------------- start page


def test_the_start_pages_title_error_goes_once_a_title_is_typed(
    server: LiveServer, open_page: Any
) -> None:
    home = open_page(f"{server.url}/")
    home.get_by_role("button", name="Create workshop").click()
    error = home.locator("#create-error")
    expect(error).to_have_text("Give the workshop a title.")
    expect(home.locator("#title")).to_have_attribute("aria-invalid", "true")
    home.locator("#title").press_sequentially("Ha")
    expect(error).to_be_hidden()
    expect(home.locator("#title")).not_to_have_attribute("aria-invalid", "true")


# --------------------------------------------------------------------------- keyboard


def test_start_then_n_moves_to_the_next_step_but_not_while_typing(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    console = console_of(open_page, workshop)
    current = console.locator(".steps li.is-current")

    # The lobby: who has joined and a big Start.
    start = console.locator("#start-workshop")
    expect(start).to_be_visible()
    expect(console.locator("#lobby")).to_contain_text("0 people have joined")
    expect(console.locator("#next-step")).to_be_hidden()
    phone = socketio.Client(reconnection=False)
    phone.connect(server.url, transports=["websocket"])
    try:
        assert phone.call("join", {"code": workshop["code"], "name": "Ana Costa"})["ok"]
        expect(console.locator("#lobby")).to_contain_text("1 person has joined")
        state = http(
            f"{server.url}/api/workshops/{workshop['id']}", key=workshop["facilitator_key"]
        )
        if "participants" in state["workshop"]:  # the names, where the snapshot carries them
            expect(console.locator("#lobby-names")).to_have_text("Ana Costa")
    finally:
        phone.disconnect()
    start.click()
    expect(current).to_contain_text("Brainstorm")
    next_step = console.locator("#next-step")
    expect(next_step).to_contain_text("Next: Close ideas")
    expect(next_step.locator("kbd")).to_have_text("N")
    expect(console.locator("#prev-step")).to_be_disabled()

    # Typing an "n" in a text field types it; the room stays where it is.
    console.locator("details.add-item").evaluate("details => { details.open = true; }")
    item = console.locator("#new-item")
    item.press_sequentially("n")
    expect(item).to_have_value("n")
    console.wait_for_timeout(300)
    expect(current).to_contain_text("Brainstorm")

    # Outside a field, N moves on and B (or ←) comes back.
    console.locator("#stage-panel h2").click()
    console.keyboard.press("n")
    expect(current).to_contain_text("Dot vote")
    expect(next_step).to_contain_text("Next: Close voting")
    expect(console.locator("#prev-step")).to_contain_text("Back to brainstorm")
    console.keyboard.press("ArrowLeft")
    expect(current).to_contain_text("Brainstorm")
    console.keyboard.press("ArrowRight")
    expect(current).to_contain_text("Dot vote")


def test_tallies_do_not_reannounce_the_phase(server: LiveServer, open_page: Any) -> None:
    """The polite status region says the new step once; a tally leaves it alone."""
    workshop = new_workshop(server)
    console = console_of(open_page, workshop)
    console.locator("#start-workshop").click()
    announce = console.locator("#announce")
    expect(announce).to_have_text("Now: Vision, brainstorm.")
    console.evaluate("document.getElementById('announce').textContent = ''")
    phone = socketio.Client(reconnection=False)
    phone.connect(server.url, transports=["websocket"])
    try:
        assert phone.call("join", {"code": workshop["code"], "name": "Ben"})["ok"]
        expect(console.locator("#ws-count")).to_have_text("1")
        console.wait_for_timeout(400)
        expect(announce).to_have_text("")
    finally:
        phone.disconnect()


def test_the_key_card_leaves_the_stage_panel_in_its_column(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    page: Page = open_page(workshop["urls"]["facilitate"])
    expect(page.locator("#key-panel")).to_be_visible()
    expect(page.locator("#start-workshop")).to_be_visible()
    agenda = page.locator("#agenda-card").bounding_box()
    column = page.locator("#stage-column").bounding_box()
    assert agenda and column
    assert column["x"] > agenda["x"] + agenda["width"] - 1  # beside the agenda, not below it
    assert column["x"] + column["width"] <= DESK["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]


def test_state_snapshot_has_a_lobby_flag(server: LiveServer) -> None:
    """The console renders the lobby from `state.workshop.lobby` (the backend's contract)."""
    workshop = new_workshop(server)
    state = http(f"{server.url}/api/workshops/{workshop['id']}", key=workshop["facilitator_key"])
    assert state["workshop"]["lobby"] is True


def test_a_long_define_list_folds_so_the_item_at_hand_and_next_stay_in_view(
    server: LiveServer, open_page: Any
) -> None:
    ideas = [f"Project {n}: a harbour-wide booking platform for visitors" for n in range(1, 13)]
    workshop = projects_in_define(server, ideas)
    console = console_of(open_page, workshop)
    items = console.locator(".define-board > li")
    expect(items).to_have_count(12)
    unfolded = console.locator(".define-board details[open]")
    expect(unfolded).to_have_count(1)
    expect(unfolded).to_contain_text(ideas[0])
    expect(items.nth(11)).to_contain_text("Not filled in yet")

    # Saved, the first item folds and the next one to fill in opens.
    form = console.get_by_role("form", name=f"Fields of: {ideas[0]}")
    form.get_by_label("Owner").fill("Ana Costa")
    form.get_by_role("button", name="Save").click()
    expect(unfolded).to_have_count(1)
    expect(unfolded).to_contain_text(ideas[1])
    expect(items.first).to_contain_text("✓ Owner")

    # Scrolled to the end of the page, Next is still on screen; a folded item opens on a click.
    console.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    box = console.locator("#next-step").bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= DESK["height"]
    items.nth(11).locator("summary").click()
    expect(console.get_by_role("form", name=f"Fields of: {ideas[11]}")).to_be_visible()
    folded = items.nth(5).bounding_box()
    assert folded and folded["height"] < 80, folded  # one line per folded item
