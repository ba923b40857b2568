"""A real headless Chromium through a whole day: the facilitator builds an agenda in the editor,
then a full strategic plan is run from the vision to the action items with a console, a
projector and three phones, using only what those screens offer."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.factories import next_from_console, start_from_console
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
WALL: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}


# --------------------------------------------------------------------------- helpers


class Screens:
    """The browser contexts of one test (console, projector, phones), each page's errors, and
    screenshots of every page when the test failed."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.url = base_url
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        self.errors: list[str] = []

    def open(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        """A new browser context (its own storage, like a separate device) with one page."""
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        self.pages[name] = page
        return page

    def join(self, code: str, name: str) -> Page:
        """A phone that types the join code on the start page, then its name."""
        phone = self.open(name, PHONE, phone=True)
        phone.goto(f"{self.url}/")
        phone.get_by_label("Join code").fill(code)
        phone.get_by_role("button", name="Join", exact=True).click()
        phone.get_by_label("Your name").fill(name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_have_text(f"You: {name}")
        return phone

    def screenshots(self, folder: Path) -> None:
        """Every open page as it looks now, one PNG per screen."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if not page.is_closed():
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True, timeout=5000)

    def close(self) -> None:
        """Close every context (and so its pages), as warnings-as-errors requires."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path / "day.sqlite3") as live:
        yield live


@pytest.fixture
def screens(
    request: pytest.FixtureRequest, server: LiveServer, browser: Browser, tmp_path: Path
) -> Iterator[Screens]:
    """Every screen of the test; on a failure each page is saved under the test's tmp_path."""
    failed_before = request.session.testsfailed
    opened = Screens(browser, server.url)
    yield opened
    try:
        # The call's report is logged before teardown, so a failed test has raised the count.
        if request.session.testsfailed > failed_before:
            opened.screenshots(tmp_path / "screenshots")
            print(f"screenshots: {tmp_path / 'screenshots'}")
    finally:
        opened.close()


def api(url: str, key: str | None = None) -> Any:
    """GET a JSON route, with the facilitator key when given."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return json.loads(response.read())


def create_workshop(console: Page, base_url: str, title: str, template: str | None = None) -> str:
    """Fill in the start page's form and land on the console; returns the workshop id."""
    console.goto(f"{base_url}/")
    if template:
        # The picker is filled from GET /api/templates once the page has loaded.
        expect(console.locator(f"#template option[value='{template}']")).to_be_attached()
        console.get_by_label("Agenda").select_option(template)
    console.get_by_label("Workshop title").fill(title)
    console.get_by_label("Organisation").fill("Riverside Trust")
    console.get_by_role("button", name="Create workshop").click()
    console.wait_for_url(re.compile(r"/w/[0-9a-f]+/facilitate$"))
    match = re.search(r"/w/([0-9a-f]+)/facilitate", console.url)
    assert match
    return match.group(1)


def facilitator_key(console: Page) -> str:
    """The key from the facilitator link the console shows once, which it then hides."""
    link = console.locator("#key-link")
    expect(link).to_contain_text("#key=")
    key = link.inner_text().split("#key=", 1)[1].strip()
    console.get_by_role("button", name="I have saved it").click()
    expect(link).to_be_hidden()
    return key


# --------------------------------------------------------------------------- the agenda editor


def test_facilitator_builds_a_custom_agenda_in_the_editor(
    screens: Screens, server: LiveServer
) -> None:
    console = screens.open("console", DESK)
    workshop_id = create_workshop(console, server.url, "Riverside retreat")
    key = facilitator_key(console)
    code = console.locator("#ws-code").inner_text().strip()
    agenda_url = f"{server.url}/api/workshops/{workshop_id}/agenda"
    # In the lobby every stage can be edited.
    assert [s["started"] for s in api(agenda_url, key)["stages"]] == [False, False, False]

    phone = screens.join(code, "Ana")
    start_from_console(console)
    expect(phone.locator(".stage-head")).to_contain_text("Vision · Brainstorm")
    # Before anyone sends anything, even the open vision brainstorm can still be edited.
    assert [s["started"] for s in api(agenda_url, key)["stages"]] == [False, False, False]
    send_idea(phone, console, "A riverside everyone can reach")
    original = api(agenda_url, key)["stages"]
    assert [(s["key"], s["started"]) for s in original] == [
        ("vision", True),
        ("goals", False),
        ("projects", False),
    ]
    vision, goals, _projects = original

    console.get_by_role("button", name="Edit agenda").click()
    dialog = console.get_by_role("dialog", name="Edit the agenda")
    stages = dialog.locator(".agenda-stage")
    expect(stages).to_have_count(3)
    save = dialog.get_by_role("button", name="Save agenda")
    expect(dialog.get_by_role("button", name="No changes to save")).to_be_disabled()

    # The started vision keeps its steps and place: it offers no moves and no removal.
    first = stages.nth(0)
    expect(first).to_contain_text("Started: only the title and prompt can change")
    expect(first.get_by_role("button", name="Move Vision down")).to_have_count(0)
    expect(first.get_by_role("button", name="Remove Vision")).to_have_count(0)
    first.get_by_label("Title", exact=True).fill("Our river vision")
    first.get_by_label("Prompt").fill("Where will the river be in ten years? One sentence")

    # Goals: a new prompt, and two items selected instead of three.
    second = stages.nth(1)
    second.get_by_label("Prompt").fill("Which goals would bring the river back to life?")
    second.get_by_label("Items selected (0 keeps all)").fill("2")

    # Projects has not started: it can go.
    dialog.get_by_role("button", name="Remove Projects").click()
    expect(stages).to_have_count(2)

    # A custom stage at the end; saving it without a title is stopped in the page.
    dialog.get_by_label("Add a stage").select_option("custom")
    dialog.get_by_role("button", name="Add stage").click()
    expect(stages).to_have_count(3)
    save.click()
    error = dialog.get_by_role("alert")
    expect(error).to_have_text("Stage 3 needs a title.")

    risks = stages.nth(2)
    risks.get_by_label("Key").fill("risks")
    risks.get_by_label("Title", exact=True).fill("Risks")
    risks.get_by_label("Prompt").fill("What could stop us from getting there?")
    risks.get_by_label("Dots per person").fill("3")
    # A private brainstorm (a checkbox), and a vote on the themes (a list of choices).
    risks.get_by_label("Private until revealed").check()
    risks.get_by_label("Vote on").select_option(label="the themes")
    # A rank step goes where it is valid, before the results.
    risks.get_by_label("Step to add to").select_option("rank")
    risks.get_by_role("button", name="Add step").click()
    expect(risks.locator(".step-edit")).to_have_count(4)
    names = risks.locator(".step-edit .step-name strong").all_inner_texts()
    assert names.index("Rank") < names.index("Results"), names
    dialog.get_by_role("button", name="Move Risks up").click()
    risks = stages.nth(1)
    expect(risks.get_by_label("Title", exact=True)).to_have_value("Risks")

    # Moved after the results by hand, it is not saved, in the editor's words.
    risks.get_by_role("button", name="Move Rank later").click()
    save.click()
    expect(error).to_have_text(
        "Rank can't come after Results in Risks: only Link and Define work on the selected items."
    )
    expect(dialog).to_be_visible()
    assert api(agenda_url, key)["stages"] == original
    expect(phone.locator(".stage-head")).to_contain_text("Vision · Brainstorm")

    risks.get_by_role("button", name="Remove step Rank").click()
    expect(risks.locator(".step-edit")).to_have_count(3)
    save.click()
    expect(dialog).to_be_hidden()
    expect(console.locator("#toast")).to_contain_text("Agenda saved.")

    # The server has exactly the agenda that was built: the custom stage started with the
    # steps the server presets for one (from its built-in templates), as edited above.
    custom = api(f"{server.url}/api/templates")["presets"]["custom"]["steps"]
    assert [step["kind"] for step in custom] == ["brainstorm", "vote", "done"]
    preset = {step["kind"]: step for step in custom}
    built = api(agenda_url, key)["stages"]
    ids = [stage.pop("id") for stage in built]
    assert ids[0] == vision["id"] and ids[2] == goals["id"]
    assert ids[1] not in {stage["id"] for stage in original}  # the custom stage is new
    assert built == [
        {
            "key": "vision",
            "title": "Our river vision",
            "prompt": "Where will the river be in ten years? One sentence",
            "started": True,
            "steps": vision["steps"],
        },
        {
            "key": "risks",
            "title": "Risks",
            "prompt": "What could stop us from getting there?",
            "started": False,
            "steps": [
                {**preset["brainstorm"], "private": True},
                {**preset["vote"], "dot_budget": 3, "on": "groups"},
                preset["done"],
            ],
        },
        {
            "key": "goals",
            "title": "Goals",
            "prompt": "Which goals would bring the river back to life?",
            "started": False,
            "steps": [
                *goals["steps"][:-1],
                {"kind": "done", "select_count": 2, "select_per_category": 0},
            ],
        },
    ]

    # The phone has the renamed vision at once; then the console opens the new stage.
    head = phone.locator(".stage-head")
    expect(head).to_contain_text("Our river vision · Brainstorm")
    expect(head.locator(".prompt")).to_have_text(
        "Where will the river be in ten years? One sentence"
    )
    agenda = console.get_by_role("navigation", name="Agenda")
    expect(agenda.get_by_role("listitem")).to_have_count(3)
    expect(agenda.get_by_role("listitem")).to_contain_text(["Our river vision", "Risks", "Goals"])
    agenda.get_by_role("button", name=re.compile("^Risks")).click()
    console.get_by_role("button", name="Open Risks now").click()
    expect(head).to_contain_text("Risks · Brainstorm")
    expect(head.locator(".prompt")).to_have_text("What could stop us from getting there?")

    # Save as template: private (not in the public list), readable by its id, which this
    # browser keeps, and offered by this browser's start page.
    console.get_by_role("button", name="Edit agenda").click()
    expect(stages).to_have_count(3)
    dialog.get_by_role("button", name="Save as template").click()
    result = dialog.locator("#agenda-result")
    expect(result).to_contain_text("Saved as the template “Saved agenda” (3 stages)")
    template_id = str(console.evaluate("JSON.parse(localStorage.getItem('sw:templates'))[0].id"))
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(console.locator("#template-list li")).to_contain_text(["Saved agenda"])

    listed = {t["id"] for t in api(f"{server.url}/api/templates")["templates"]}
    assert template_id not in listed
    kinds = [[step["kind"] for step in stage["steps"]] for stage in built]
    assert api(f"{server.url}/api/templates/{template_id}") == {
        "id": template_id,
        "built_in": False,
        "title": "Saved agenda",
        "description": "",
        "stages": [
            {"key": "vision", "title": "Our river vision", "steps": kinds[0], "optional": False},
            {
                "key": "risks",
                "title": "Risks",
                "steps": ["brainstorm", "vote", "done"],
                "optional": False,
            },
            {"key": "goals", "title": "Goals", "steps": kinds[2], "optional": False},
        ],
    }

    home = console.context.new_page()
    home.goto(f"{server.url}/")
    saved = home.locator("#template optgroup[label='Saved on this device'] option")
    expect(saved).to_have_text(["Saved agenda"])
    home.get_by_label("Agenda").select_option(template_id)
    picked = home.get_by_role("list", name="Stages of Saved agenda").get_by_role("listitem")
    expect(picked).to_have_text(
        [
            "Our river vision — brainstorm · dot vote · rank · results",
            "Risks — brainstorm · dot vote · results",
            "Goals — brainstorm · dot vote · rank · results",
        ]
    )
    home.close()
    assert screens.errors == []


# --------------------------------------------------------------------------- a full day


def advance(console: Page, button: str, phones: list[Page], kicker: str) -> None:
    """The console moves on with its Next button, doing what `button` says; every phone
    follows."""
    next_from_console(console, button)
    for phone in phones:
        expect(phone.locator(".stage-head .kicker")).to_have_text(kicker)


def send_idea(phone: Page, console: Page, text: str) -> None:
    """A phone sends an idea; it is acknowledged and shows up on the console."""
    phone.get_by_role("textbox", name="Your idea").fill(text)
    phone.get_by_role("button", name="Send idea").click()
    expect(phone.get_by_role("region", name=re.compile(r"^Your ideas"))).to_contain_text(text)
    expect(phone.locator("#stage-view")).not_to_contain_text("Sending…")
    expect(console.locator("#stage-panel")).to_contain_text(text)


def add_dots(phone: Page, idea: str, count: int) -> None:
    """A phone puts `count` dots on one idea and waits until the server has them."""
    for _ in range(count):
        phone.get_by_role("group", name=f"Dots on: {idea}").get_by_role(
            "button", name="Add a dot"
        ).click()
    expect(phone.locator("#stage-view")).to_contain_text("Your dots are saved")


def put_first(phone: Page, idea: str) -> None:
    """A phone ranks `idea` first in a shortlist of two: it moves it up, or, when its own
    order already has it on top, submits that order as it is."""
    up = phone.get_by_role("button", name=f"Move up: {idea}")
    expect(up).to_be_visible()
    if up.is_enabled():
        up.click()
    else:
        phone.get_by_role("button", name="Submit my ranking").click()


def fill_in(console: Page, item: str, values: dict[str, str]) -> None:
    """The console types an item's fields in the define step and saves them."""
    form = console.get_by_role("form", name=f"Fields of: {item}")
    for label, value in values.items():
        field = form.get_by_label(label, exact=True)
        if label == "Approach":
            field.select_option(value)
        else:
            field.fill(value)
    expect(form.get_by_role("status")).to_have_text("Unsaved changes")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("status")).to_have_text("")


def link_card(console: Page, item: str) -> Locator:
    """An item's card on the console's link board."""
    return console.locator(".link-board > li").filter(
        has=console.get_by_role("heading", name=item, exact=True)
    )


def confirm_link(console: Page, item: str, parent: str, level: str) -> None:
    """The console ticks what an item serves; the card then says so."""
    card = link_card(console, item)
    card.get_by_label(parent).check()
    expect(card.locator(".serves")).to_contain_text(f"Serves: {level}: {parent}")


def chart(screen: Page, title: str) -> Locator:
    """The bar chart of `title` ("Dot totals", "Vision results"): its summary for screen readers
    (an image's name) starts with the title."""
    summary = screen.get_by_role("img", name=re.compile("^" + re.escape(title) + ", bar chart"))
    return screen.locator("figure.chart").filter(has=summary)


def unescape(markdown: str) -> str:
    """The plan escapes Markdown's special characters in typed text; read it as typed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def sections(markdown: str, marker: str) -> dict[str, list[str]]:
    """The non-empty lines under each heading that starts with `marker` ("## ", "### ")."""
    found: dict[str, list[str]] = {}
    lines: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith(marker):
            lines = found.setdefault(line[len(marker) :], [])
        elif line.startswith("#"):  # another heading (typed text has its "#" escaped)
            lines = None
        elif lines is not None and line.strip():
            lines.append(line)
    return found


VISION = ("A clean river the whole city swims in", "The greenest waterfront in the country")
MISSION = ("We bring people back to the river", "We protect the river for the next generation")
GOALS = ("Grow our membership", "Halve our emissions", "Open a second site")
PROGRAMS = ("Green operations program", "Community outreach program")
PROJECTS = ("Solar roof on the depot", "New volunteer app")
ACTION = "Get three solar quotes"


def test_a_full_strategic_plan_day_through_the_ui(screens: Screens, server: LiveServer) -> None:
    console = screens.open("console", DESK)
    create_workshop(console, server.url, "Riverside day", template="full-strategic-plan")
    facilitator_key(console)
    code = console.locator("#ws-code").inner_text().strip()
    panel = console.locator("#stage-panel")
    expect(panel).to_contain_text("Vision")

    projector = screens.open("projector", WALL)
    projector.goto(server.url + str(console.get_attribute("#open-projector", "href")))
    expect(projector.locator("#code")).to_have_text(code)
    wall = projector.locator("#main")
    expect(wall).to_contain_text("Riverside day")  # the lobby

    # Everyone joins in the lobby; then the facilitator starts.
    ana, ben, cleo = (screens.join(code, name) for name in ("Ana", "Ben", "Cleo"))
    phones = [ana, ben, cleo]
    expect(console.locator("#ws-count")).to_have_text("3")
    expect(projector.locator("#count")).to_have_text("3")
    start_from_console(console)
    for phone in phones:
        expect(phone.locator(".stage-head .kicker")).to_have_text("Vision · Brainstorm")
    expect(wall.get_by_role("heading", level=1)).to_have_text("Vision")

    # Vision: two ideas; the dots favour the first, the ranking the second, and ranking decides.
    send_idea(ana, console, VISION[0])
    send_idea(ben, console, VISION[1])
    notes = projector.get_by_role("list", name="Ideas").get_by_role("listitem")
    expect(notes).to_have_text(list(VISION[::-1]))  # newest first
    advance(console, "Close ideas, start dot vote", phones, "Vision · Dot vote")
    # Each phone says in one line where the meeting is and what to do now.
    expect(ana.locator(".status-line .where")).to_have_text("Vision · Dot vote · step 2 of 4")
    status = ana.locator(".status-line .now")
    expect(status).to_have_text("Spend your 5 dots")
    add_dots(ana, VISION[0], 2)
    expect(status).to_have_text("3 dots left")
    add_dots(cleo, VISION[0], 1)
    add_dots(ben, VISION[1], 1)
    expect(panel).to_contain_text("3 dots")
    console.get_by_role("button", name="Reveal dot totals").click()
    # The projector draws the totals as a bar chart, most dots first. Ana and Cleo made the
    # first idea their favourite, Ben the second: two camps, so both split the room (the first:
    # 3 dots over 3 voters x 2 = 0.5; the second 1 / 3).
    totals = chart(projector, "Dot totals")
    rows = totals.locator(".chart-row")
    expect(rows.locator(".chart-text")).to_have_text(list(VISION))
    expect(rows.locator(".chart-value")).to_have_text(["3 dots", "1 dot"])
    expect(rows.locator(".chart-note")).to_have_text(["⚡ split room", "⚡ split room"])
    # Screen readers get the same in the chart's table.
    expect(totals.get_by_role("table", name="Dot totals").get_by_role("row")).to_have_text(
        [re.compile("^Item"), f"{VISION[0]} (⚡ split room)3", f"{VISION[1]} (⚡ split room)1"]
    )
    expect(ben.locator("#stage-view")).to_contain_text("Room total: 3 dots")
    # How sure the room is, in one sentence on the projector and the phones.
    for screen in (projector, ben):
        expect(screen.locator(".decision-sentence")).to_have_text(
            "2 ideas split the room: worth a word before deciding."
        )
    advance(console, "Close voting, start ranking", phones, "Vision · Rank")
    # Each phone starts from its own order of the shortlist (fair order): Ben and Cleo put the
    # second idea first, Ana the first.
    for phone in (ben, cleo):
        put_first(phone, VISION[1])
    put_first(ana, VISION[0])
    for phone in phones:
        expect(phone.locator(".save-state")).to_have_text("✓ Your ranking is saved.")
    expect(panel).to_contain_text(re.compile(r"3/3\s*ranked"))
    advance(console, "Close ranking, show results", phones, "Vision · Results")
    first = ana.get_by_role("list", name="Vision results").get_by_role("listitem").first
    expect(first).to_contain_text(VISION[1])
    expect(first).to_contain_text("2 pts · 1 dot")
    # The projector's bar chart has the winner first, selected (a ✓ and, for screen readers,
    # the word), its bar measured in rank points, its dots beside them (they break ties).
    results = chart(projector, "Vision results")
    top = results.locator(".chart-row").first
    expect(top.locator(".chart-text")).to_have_text(VISION[1])
    expect(top.locator(".chart-value")).to_have_text("2 pts · 1 dot")
    expect(top).to_have_class(re.compile(r"\bselected\b"))
    expect(top.locator(".chart-check")).to_have_text("✓")
    expect(results.get_by_role("row").nth(1)).to_have_text(
        re.compile(r"^" + re.escape(VISION[1]) + r".*2 pts · 1 dotselected$")
    )

    # Mission and values: decided by dots alone (nobody ranks the mission).
    advance(console, "Open Mission", phones, "Mission · Brainstorm")
    send_idea(cleo, console, MISSION[0])
    send_idea(ana, console, MISSION[1])
    advance(console, "Close ideas, start dot vote", phones, "Mission · Dot vote")
    add_dots(ben, MISSION[1], 2)
    advance(console, "Close voting, start ranking", phones, "Mission · Rank")
    advance(console, "Close ranking, show results", phones, "Mission · Results")
    expect(
        ben.get_by_role("list", name="Mission results").get_by_role("listitem").first
    ).to_contain_text(MISSION[1])

    advance(console, "Open Values", phones, "Values · Brainstorm")
    send_idea(ben, console, "Honesty")
    send_idea(cleo, console, "Courage")
    advance(console, "Close ideas, start dot vote", phones, "Values · Dot vote")
    add_dots(ana, "Courage", 2)
    advance(console, "Close voting, show results", phones, "Values · Results")

    # Strategic goals: three, all selected; the first gets a success metric.
    advance(console, "Open Strategic goals", phones, "Strategic goals · Brainstorm")
    for phone, goal in zip(phones, GOALS, strict=True):
        send_idea(phone, console, goal)
    advance(console, "Close ideas, start dot vote", phones, "Strategic goals · Dot vote")
    advance(console, "Close voting, start ranking", phones, "Strategic goals · Rank")
    advance(console, "Close ranking, show results", phones, "Strategic goals · Results")
    advance(console, "Keep these results, start defining", phones, "Strategic goals · Define")
    console.get_by_role("form", name=f"Fields of: {GOALS[0]}").get_by_role(
        "button", name="Add metric"
    ).click()
    fill_in(
        console,
        GOALS[0],
        {
            "Metric 1 metric": "Members",
            "Metric 1 baseline": "120",
            "Metric 1 target": "300",
            "Metric 1 by": "2028-12-31",
        },
    )
    expect(wall).to_contain_text("Members from 120 to 300 by 2028-12-31")
    expect(ana.get_by_role("region", name=GOALS[0])).to_contain_text("Members from 120 to 300")

    # Programs: the phones propose what the first serves and the console takes that; it links
    # the second itself, fills in the first and adopts a phone's suggestion for the second.
    advance(console, "Open Programs", phones, "Programs · Brainstorm")
    send_idea(ana, console, PROGRAMS[0])
    send_idea(ben, console, PROGRAMS[1])
    advance(console, "Close ideas, start dot vote", phones, "Programs · Dot vote")
    advance(console, "Close voting, start ranking", phones, "Programs · Rank")
    advance(console, "Close ranking, show results", phones, "Programs · Results")
    advance(console, "Keep these results, start linking", phones, "Programs · Link")
    for phone in (ana, ben):
        phone.get_by_role("group", name=PROGRAMS[0]).get_by_label(GOALS[1]).check()
        expect(phone.locator(".save-state")).to_have_text("✓ Your links are saved (1 of 2 items).")
    card = link_card(console, PROGRAMS[0])
    expect(card.get_by_label(GOALS[1])).not_to_be_checked()
    expect(card).to_contain_text("2 proposals")
    card.get_by_role("button", name="Confirm what most proposed").click()
    expect(card.locator(".serves")).to_contain_text(f"Serves: Strategic goals: {GOALS[1]}")
    expect(card.get_by_label(GOALS[1])).to_be_checked()
    confirm_link(console, PROGRAMS[1], GOALS[0], "Strategic goals")
    expect(wall).to_contain_text(re.compile(r"2/2\s*items linked"))
    advance(console, "Close linking, start defining", phones, "Programs · Define")
    fill_in(
        console,
        PROGRAMS[0],
        {"Program manager": "Dana Smith", "Outcome": "Half the emissions of today"},
    )
    suggest = cleo.get_by_role("form", name=f"Suggest for: {PROGRAMS[1]}")
    expect(suggest.get_by_label("Suggest", exact=True)).to_have_value("owner")
    suggest.get_by_label("Program manager").fill("Zoe Park")
    suggest.get_by_role("button", name="Send suggestion").click()
    expect(cleo.get_by_role("list", name="Your suggestions")).to_contain_text(
        "Program manager: Zoe Park ✓ sent"
    )
    console.get_by_role("button", name="Adopt Program manager: Zoe Park").click()
    expect(console.get_by_role("region", name="Suggestions from the room")).to_contain_text(
        "✓ adopted"
    )
    expect(cleo.get_by_role("region", name=PROGRAMS[1])).to_contain_text(
        re.compile(r"Program manager\s*Zoe Park")
    )

    # Projects: the first under the green program, fully defined; the second under nothing
    # and without an owner, so the plan has gaps.
    advance(console, "Open Projects", phones, "Projects · Brainstorm")
    send_idea(ben, console, PROJECTS[0])
    send_idea(cleo, console, PROJECTS[1])
    advance(console, "Close ideas, start dot vote", phones, "Projects · Dot vote")
    advance(console, "Close voting, start ranking", phones, "Projects · Rank")
    advance(console, "Close ranking, show results", phones, "Projects · Results")
    advance(console, "Keep these results, start linking", phones, "Projects · Link")
    confirm_link(console, PROJECTS[0], PROGRAMS[0], "Programs")
    expect(link_card(console, PROJECTS[1])).to_contain_text(
        "Independent project (under no program)"
    )
    advance(console, "Close linking, start defining", phones, "Projects · Define")
    form = console.get_by_role("form", name=f"Fields of: {PROJECTS[0]}")
    form.get_by_role("button", name="Add deliverable").click()
    fill_in(
        console,
        PROJECTS[0],
        {
            "Owner": "Ed Jones",
            "Deliverable 1": "Panels installed",
            "Completion date": "2027-06-30",
            "Approach": "agile",
        },
    )
    expect(wall).to_contain_text(re.compile(r"Completion date\s*2027-06-30"))

    # Action items: every idea is kept, linked to the solar roof, with an owner and a date.
    advance(console, "Open Action items", phones, "Action items · Brainstorm")
    send_idea(ana, console, ACTION)
    advance(console, "Close ideas, show results", phones, "Action items · Results")
    advance(console, "Keep these results, start linking", phones, "Action items · Link")
    confirm_link(console, ACTION, PROJECTS[0], "Projects")
    advance(console, "Close linking, start defining", phones, "Action items · Define")
    fill_in(console, ACTION, {"Owner": "Fay Lee", "Due": "2026-03-31"})

    next_from_console(console, "Finish the workshop and create the plan")
    finish = console.get_by_role("dialog", name="Finish the workshop?")
    expect(finish).to_contain_text("nobody can add ideas")
    finish.get_by_role("button", name="Finish and create the plan").click()
    files = console.locator("#plan-files")
    expect(files.get_by_role("button", name="Markdown", exact=True)).to_be_visible()
    expect(projector.locator(".present-phase")).to_have_text("Finished")
    expect(projector.locator(".present-plan")).to_contain_text(VISION[1])

    # The console's download and the phone's link give the same plan.
    with console.expect_download() as downloaded:
        files.get_by_role("button", name="Markdown", exact=True).click()
    plan = Path(downloaded.value.path()).read_text(encoding="utf-8")
    href = cleo.get_by_role("link", name=re.compile("^Markdown")).get_attribute("href")
    assert href and "?token=" in href
    from_phone = cleo.request.get(server.url + href)
    assert from_phone.status == 200
    assert from_phone.text() == plan

    text = unescape(plan)
    assert text.startswith("# Strategic plan: Riverside day\n")
    levels = sections(text, "## ")
    assert list(levels) == [
        "Strategy on a page",
        "Roadmap by year",
        "Scorecard",
        "Vision, Mission and Values",
        "Strategic goals",
        "Programs",
        "Projects",
        "Alignment map",
        "Gaps",
        "Action plan",
        "Who owns what",
        "Governance",
        "Appendix: how each decision was made",
    ]
    assert levels["Strategy on a page"][0] == f"**Vision:** {VISION[1]}"
    assert f"**Mission:** {MISSION[1]}" in levels["Strategy on a page"]
    # The sub-sections of the plan itself (the appendix repeats the stage titles).
    statements = sections(text.split("\n## Appendix", 1)[0], "### ")
    assert statements["Vision"][0] == f"> {VISION[1]}"
    assert statements["Mission"][0] == f"> {MISSION[1]}"
    assert statements["Values"] == ["1. Courage", "2. Honesty"]
    goals = [f"1. {GOALS[0]}", f"2. {GOALS[1]}", f"3. {GOALS[2]}"]
    assert [heading for heading in statements if heading[:2] in ("1.", "2.", "3.")] == goals
    assert "| Members | 120 | 300 | 2028-12-31 |" in statements[goals[0]]
    # The strategy page names each goal with its headline metric and what serves it.
    assert statements["Goals"][:3] == [
        f"1. {GOALS[0]}",
        "   - Target: Members from 120 to 300 by 2028-12-31",
        f"   - Served by: {PROGRAMS[1]}",
    ]
    assert (
        "| Members | Goal: Grow our membership | Zoe Park | 120 | 300 | 2028-12-31 | Quarterly |"
        in (levels["Scorecard"])
    )
    # Programs and projects as charters, with what the room and the console filled in.
    assert f"**Program charter: {PROGRAMS[0]}**" in levels["Programs"]
    for row in (
        "| Program manager | Dana Smith |",
        "| Outcome | Half the emissions of today |",
        f"| Goals served | {GOALS[1]} |",
        f"| Projects | {PROJECTS[0]} |",
        "| Program manager | Zoe Park |",
        "| Outcome | not described yet |",
        f"| Goals served | {GOALS[0]} |",
        "| Projects | none yet |",
    ):
        assert row in levels["Programs"], row
    for row in (
        "| Owner | Ed Jones |",
        "| Deliverables | Panels installed |",
        "| Completion date | 2027-06-30 |",
        "| Approach | agile |",
        f"| Program | {PROGRAMS[0]} |",
        "| Owner | not named yet |",
        "| Deliverables | none listed |",
        "| Completion date | not set yet |",
        "| Approach | not chosen |",
        "| Program | Independent project (under no program) |",
    ):
        assert row in levels["Projects"], row
    assert f"**Project charter: {PROJECTS[1]}**" in levels["Projects"]
    assert any(
        line.startswith(f"| 1 | {ACTION}") and "| Fay Lee | 2026-03-31 |" in line
        for line in levels["Action plan"]
    )
    # The map lists each item once, under what it serves; the unconnected project last.
    assert levels["Alignment map"][1:] == [
        f"- Vision: {VISION[1]}",
        f"    - Goal: {GOALS[0]}",
        f"        - Program: {PROGRAMS[1]} (⚠ Program without a success metric)",
        f"    - Goal: {GOALS[1]} (⚠ Goal without a success metric)",
        f"        - Program: {PROGRAMS[0]} (⚠ Program without a success metric)",
        f"            - Project: {PROJECTS[0]} (1 action)",
        f"    - Goal: {GOALS[2]} (⚠ Goal that nothing serves; ⚠ Goal without a success metric)",
        "    - **Not connected to any goal**",
        f"        - Project: {PROJECTS[1]} (⚠ Project that serves no goal; ⚠ Project without"
        " an owner; ⚠ Project without a completion date)",
    ]
    gaps = "\n".join(levels["Gaps"])
    for kind, item in (
        ("Goal that nothing serves (1)", GOALS[2]),
        ("Project that serves no goal (1)", PROJECTS[1]),
        ("Project without an owner (1)", PROJECTS[1]),
        ("Project without a completion date (1)", PROJECTS[1]),
    ):
        assert f"**{kind}**\n- {item}" in gaps, kind
    owners = levels["Who owns what"]
    assert any(line.startswith("| Dana Smith | Program manager |") for line in owners)
    assert any(line.startswith("| Ed Jones | Project owner |") for line in owners)
    assert any(line.startswith("| Fay Lee | Action owner |") for line in owners)
    assert screens.errors == []
