"""The agenda editor and the situation analysis in a real headless Chromium: the switch "Start
with a situation analysis (SWOT)" adds full-strategic-plan's optional stage at its place and
removes it again; a brainstorm's categories and a rating's quadrant names are edited and saved;
a category without a label is refused next to its field with nothing typed lost; the editor
fits a 1280x800 laptop and a 320 px phone. One browser and one real server for the module.

Screenshots go to $AGENDA_SHOTS (a temporary folder unless set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http
from workshop.core.levels import SWOT

pytestmark = pytest.mark.browser

skip_module_without_chromium()

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 320, "height": 640}
SWITCH = "Start with a situation analysis (SWOT)"
GOALS_TODAY = ["brainstorm", "vote", "rank", "done", "define"]
"""full-strategic-plan's goals stage without the SWOT, as before issue 17."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("agenda") / "agenda.sqlite3") as live:
        yield live


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("AGENDA_SHOTS") or tmp_path_factory.mktemp("agenda-shots"))


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """Open pages in their own contexts (1280x800 unless told); no page may throw."""
    contexts = []
    errors: list[str] = []

    def open_one(url: str, viewport: ViewportSize = LAPTOP) -> Page:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert not errors


def new_workshop(server: LiveServer, template: str) -> Any:
    body = {"title": "Harbour 2030", "template": template, "organization": "Harbour Trust"}
    return http(f"{server.url}/api/workshops", "POST", body)


def agenda_of(server: LiveServer, workshop: Any) -> dict[str, Any]:
    url = f"{server.url}/api/workshops/{workshop['id']}/agenda"
    found: dict[str, Any] = http(url, key=workshop["facilitator_key"])
    return found


def steps_of(server: LiveServer, workshop: Any, key: str) -> dict[str, dict[str, Any]]:
    """A stage's steps by kind, with their settings, as the server has them."""
    stage = next(s for s in agenda_of(server, workshop)["stages"] if s["key"] == key)
    return {step["kind"]: step for step in stage["steps"]}


def open_editor(open_page: Any, workshop: Any, viewport: ViewportSize = LAPTOP) -> Locator:
    page: Page = open_page(workshop["urls"]["facilitate"], viewport)
    page.get_by_role("button", name="I have saved it").click()
    expect(page.locator("#stage-panel")).to_be_visible()
    page.get_by_role("button", name="Edit agenda").click()
    dialog = page.locator("#agenda-dialog")
    expect(dialog.locator(".agenda-stage").first).to_be_visible()
    return dialog


def stage_titles(dialog: Locator) -> list[str]:
    titles = dialog.locator(".agenda-stage").get_by_label("Title", exact=True)
    return [titles.nth(i).input_value() for i in range(titles.count())]


def test_the_switch_adds_the_situation_stage_first_and_removes_it_again(
    server: LiveServer, open_page: Any, shots: Path
) -> None:
    workshop = new_workshop(server, "full-strategic-plan")
    original = agenda_of(server, workshop)["stages"]
    keys = [s["key"] for s in original]
    assert keys[0] == "vision" and "situation" not in keys  # optional: left out by default
    assert list(steps_of(server, workshop, "goals")) == GOALS_TODAY

    dialog = open_editor(open_page, workshop)
    switch = dialog.get_by_label(SWITCH)
    expect(switch).not_to_be_checked()
    switch.check()
    expect(switch).to_be_checked()
    situation = dialog.locator(".agenda-stage").first
    expect(situation.get_by_label("Title", exact=True)).to_have_value("Situation (SWOT)")
    prompt = situation.get_by_label("Prompt")
    expect(prompt).to_have_value(
        "Where does Harbour Trust stand today? Name one strength, weakness, opportunity or threat."
    )
    # The SWOT's four categories, as the template has them, each in its own field.
    for n, category in enumerate(SWOT, start=1):
        expect(situation.get_by_label(f"Category {n}", exact=True)).to_have_value(category["label"])
    expect(situation.get_by_label("Budget per category")).to_be_checked()
    # The goals stage links each goal to the SWOT: a Link step before the definitions.
    expect(dialog.locator(".optional-stages")).to_contain_text(
        "adds a Link step to Strategic goals"
    )
    goals = dialog.locator(".agenda-stage").nth(keys.index("goals") + 1)
    expect(goals.locator(".step-name strong")).to_have_text(
        ["Brainstorm", "Dot vote", "Rank", "Results", "Link", "Define"]
    )
    screens.shot(dialog.page, "editor-1280-situation-on", shots)
    assert screens.horizontal_overflow(dialog.page) == []

    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    agenda = agenda_of(server, workshop)
    assert [s["key"] for s in agenda["stages"]] == ["situation", *keys]
    steps = steps_of(server, workshop, "situation")
    assert steps["brainstorm"]["categories"] == [dict(c) for c in SWOT]
    assert steps["vote"]["per_category"] is True
    assert steps["done"]["select_per_category"] == 3
    assert list(steps_of(server, workshop, "goals")) == [*GOALS_TODAY[:4], "link", "define"]

    # Opened again, the switch is on; off, the stage goes (it has not started).
    page = dialog.page
    page.get_by_role("button", name="Edit agenda").click()
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(dialog.locator(".agenda-stage")).to_have_count(len(keys))
    assert stage_titles(dialog)[0] == "Vision"
    goals = dialog.locator(".agenda-stage").nth(keys.index("goals"))
    expect(goals.locator(".step-name strong")).to_have_count(len(GOALS_TODAY))
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    # The agenda is today's again, exactly (the link step went with the SWOT).
    assert agenda_of(server, workshop)["stages"] == original


def test_a_workshop_from_a_template_without_optional_stages_has_no_switch(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server, "strategic-plan")
    dialog = open_editor(open_page, workshop)
    expect(dialog.locator(".agenda-stage")).to_have_count(3)
    expect(dialog.get_by_label(SWITCH)).to_have_count(0)


def test_categories_are_edited_and_saved_and_a_missing_label_is_refused_next_to_it(
    server: LiveServer, open_page: Any, shots: Path
) -> None:
    workshop = new_workshop(server, "swot-to-goals")
    dialog = open_editor(open_page, workshop)
    situation = dialog.locator(".agenda-stage").first
    categories = situation.locator("fieldset", has_text="Categories")

    # Renamed: the key stays (a goal builds on "strengths" whatever it is called).
    situation.get_by_label("Category 1", exact=True).fill("What we do well")
    # Threats removed, a category of our own added: its key follows its label.
    categories.get_by_role("button", name="Remove category Threats").click()
    categories.get_by_role("button", name="Add category").click()
    expect(situation.get_by_label("Category 4", exact=True)).to_be_focused()
    hint = situation.get_by_label("Hint (optional)").nth(3)
    hint.fill("What is changing around us?")

    # No label yet: refused next to the field, and nothing typed is lost.
    problem = categories.locator(".error-text")
    expect(problem).to_have_text("Categories: category 4 needs a label.")
    before = agenda_of(server, workshop)
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog.locator("#agenda-error")).to_contain_text("category 4 needs a label")
    assert agenda_of(server, workshop) == before
    expect(hint).to_have_value("What is changing around us?")
    expect(situation.get_by_label("Category 1", exact=True)).to_have_value("What we do well")
    screens.shot(dialog.page, "editor-1280-category-refused", shots)

    situation.get_by_label("Category 4", exact=True).fill("Big trends")
    expect(problem).to_be_hidden()
    expect(dialog.locator("#agenda-error")).to_be_hidden()
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    saved = steps_of(server, workshop, "situation")["brainstorm"]["categories"]
    assert saved == [
        {"key": "strengths", "label": "What we do well", "hint": SWOT[0]["hint"]},
        dict(SWOT[1]),
        dict(SWOT[2]),
        {"key": "big-trends", "label": "Big trends", "hint": "What is changing around us?"},
    ]


def test_a_risk_ratings_quadrant_names_are_edited_and_saved(
    server: LiveServer, open_page: Any, shots: Path
) -> None:
    workshop = new_workshop(server, "risk-review")
    rate = steps_of(server, workshop, "risks")["rate"]
    assert [scale["key"] for scale in rate["scales"]] == ["likelihood", "impact"]
    dialog = open_editor(open_page, workshop)
    risks = dialog.locator(".agenda-stage").nth(1)
    first = risks.get_by_label("First scale (up the chart)")
    expect(first).to_have_value("Likelihood")
    big = risks.get_by_label("High likelihood, high impact")
    expect(big).to_have_value("Act now")
    big.fill("Act this month")
    risks.get_by_label("5 means").first.fill("very likely")
    big.scroll_into_view_if_needed()
    screens.shot(dialog.page, "editor-1280-risk-scales", shots)
    dialog.get_by_role("button", name="Save agenda").click()
    expect(dialog).to_be_hidden()
    rate = steps_of(server, workshop, "risks")["rate"]
    assert rate["quadrants"]["big_bet"] == "Act this month"
    assert rate["scales"][0] == {
        "key": "likelihood",
        "label": "Likelihood",
        "low": "rare",
        "high": "very likely",
    }


def test_the_editor_with_the_situation_stage_fits_a_phone(
    server: LiveServer, open_page: Any, shots: Path
) -> None:
    workshop = new_workshop(server, "full-strategic-plan")
    dialog = open_editor(open_page, workshop, PHONE)
    dialog.get_by_label(SWITCH).check()
    situation = dialog.locator(".agenda-stage").first
    expect(situation.get_by_label("Category 4", exact=True)).to_have_value("Threats")
    page = dialog.page
    assert screens.horizontal_overflow(page) == []
    expect(dialog.locator(".optional-stages")).to_contain_text(
        "adds a Link step to Strategic goals"
    )
    screens.shot(page, "editor-320-switch", shots)
    situation.get_by_label("Category 1", exact=True).scroll_into_view_if_needed()
    screens.shot(page, "editor-320-categories", shots)
    box = situation.get_by_label("Hint (optional)").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_start_page_shows_the_swot_as_optional(
    server: LiveServer, open_page: Any, shots: Path
) -> None:
    """R13: picking "Full strategic plan" lists the stages a new workshop gets; the SWOT
    apart, as optional, switched on in the agenda editor."""
    for name, viewport in (("1280", LAPTOP), ("320", PHONE)):
        page: Page = open_page(f"{server.url}/", viewport)
        page.get_by_label("Agenda").select_option("full-strategic-plan")
        stages = page.get_by_role("list", name="Stages of Full strategic plan", exact=True)
        expect(stages.get_by_role("listitem")).to_have_count(7)
        expect(stages.get_by_role("listitem").first).to_contain_text("Vision")
        expect(stages).not_to_contain_text("Situation")
        detail = page.locator("#template-detail")
        expect(detail).to_contain_text("Optional, switch it on in the agenda editor:")
        optional = page.get_by_role("list", name="Optional stages of Full strategic plan")
        expect(optional.get_by_role("listitem")).to_have_text(
            [
                "Situation (SWOT) \N{EM DASH} brainstorm \N{MIDDLE DOT} dot vote \N{MIDDLE DOT} "
                "results"
            ]
        )
        detail.scroll_into_view_if_needed()
        screens.shot(page, f"home-{name}-optional-stage", shots)
        assert screens.horizontal_overflow(page) == []
        # A template without optional stages says nothing about them.
        page.get_by_label("Agenda").select_option("strategic-plan")
        expect(detail).not_to_contain_text("Optional")
