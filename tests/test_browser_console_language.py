"""The facilitator's console in its reader's language, in a real headless Chromium at 1280x800:
the switcher in its header turns the console French without a reload and without losing what
is typed (the item box, the agenda editor's fields); a French browser opens it in French; the
"Workshop language" select moves the room's screen to German and says a refusal beside it.
The French words come from the shipped catalogue (static/i18n/fr.json), so the test follows the
translators. One browser and one real server for the whole module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
CATALOGUES = Path(__file__).resolve().parent.parent / "static" / "i18n"


def french(msgid: str) -> str:
    """`msgid` as the shipped French catalogue has it (English where it has none yet)."""
    messages = json.loads((CATALOGUES / "fr.json").read_text(encoding="utf-8"))["messages"]
    text = messages.get(msgid)
    return text if isinstance(text, str) and text else msgid


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("console-lang") / "console.sqlite3") as live:
        yield live


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """Open pages at 1280x800, each in its own context (`locale` optional); no page may throw."""
    contexts = []
    errors: list[str] = []

    def open_one(url: str, locale: str = "en-GB") -> Page:
        context = browser.new_context(viewport=DESK, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert not errors


def new_workshop(server: LiveServer, **extra: Any) -> Any:
    return http(f"{server.url}/api/workshops", "POST", {"title": "Harbour 2030", **extra})


def console_of(open_page: Any, workshop: Any, locale: str = "en-GB") -> Page:
    """The facilitator's console, its one-time key panel dismissed."""
    page: Page = open_page(workshop["urls"]["facilitate"], locale)
    page.locator("#dismiss-key").click()
    expect(page.locator("#stage-panel")).to_be_visible()
    return page


def test_the_switcher_turns_the_console_french_without_a_reload_and_keeps_what_is_typed(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    page = console_of(open_page, workshop)
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator(".brand")).to_contain_text("Facilitator console")
    expect(page.locator("#start-workshop")).to_contain_text("Start")
    page.evaluate("window.notReloaded = true")
    page.locator("#new-item").fill("Un port plus vert")

    page.locator("#console-language-select").select_option("fr")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.evaluate("window.notReloaded") is True
    # The template's text, the text the console drew and the attributes, all in French.
    expect(page.locator(".brand")).to_contain_text(french("Facilitator console"))
    expect(page.locator("#finish")).to_have_text(french("Finish workshop"))
    expect(page.locator("#edit-agenda")).to_have_text(french("Edit agenda"))
    expect(page.locator("label[for=workshop-language]")).to_have_text(french("Workshop language"))
    expect(page.locator("#new-item")).to_have_attribute(
        "placeholder", french("e.g. one of last year's goals")
    )
    expect(page.locator("#new-item")).to_have_value("Un port plus vert")
    expect(page.locator("#plan-status")).to_have_text(
        french("Download a draft at any time: every page is marked DRAFT until you finish.")
    )
    expect(page.locator("#timer-add")).to_have_attribute("title", french("Add one minute"))
    if french("Facilitator console") != "Facilitator console":
        assert "Facilitator console" not in page.locator("header").inner_text()
    # The choice is this browser's: the next console it opens is French from the server.
    other = new_workshop(server)
    again = page.context.new_page()
    again.goto(other["urls"]["facilitate"])
    expect(again.locator("html")).to_have_attribute("lang", "fr")
    expect(again.locator("#finish")).to_have_text(french("Finish workshop"))
    again.close()

    # And back to English: the English console as it was.
    page.locator("#console-language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#finish")).to_have_text("Finish workshop")
    expect(page.locator("#new-item")).to_have_value("Un port plus vert")


def test_a_french_browser_opens_the_console_in_french(server: LiveServer, open_page: Any) -> None:
    workshop = new_workshop(server)
    page = console_of(open_page, workshop, locale="fr-FR")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#console-language-select")).to_have_value("fr")
    expect(page.locator("#finish")).to_have_text(french("Finish workshop"))
    expect(page.locator("#start-workshop")).to_contain_text(french("verb\u0004Start"))
    expect(page.locator("#open-access")).to_have_text(french("Participants & links"))
    # The workshop itself stays English: the select says so.
    expect(page.locator("#workshop-language")).to_have_value("en")


def test_the_agenda_editor_keeps_its_unsaved_fields_across_a_switch(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    page = console_of(open_page, workshop)
    page.locator("#edit-agenda").click()
    title = page.locator("#agenda-body input[id$='-title']").first
    expect(title).to_be_visible()
    title.fill("Notre vision")
    prompt = page.locator("#agenda-body textarea[id$='-prompt']").first
    prompt.fill("Où serons-nous en 2030 ?")
    # The switcher sits under the open dialog: switch the way it does.
    page.evaluate(
        "import('/static/js/i18n.js').then((m) => m.setLanguage('fr', { remember: true }))"
    )
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#agenda-save")).to_have_text(french("Save agenda"))
    expect(page.locator("#agenda-body h4").first).to_have_text(french("Steps"))
    expect(page.locator("#agenda-body input[id$='-title']").first).to_have_value("Notre vision")
    expect(page.locator("#agenda-body textarea[id$='-prompt']").first).to_have_value(
        "Où serons-nous en 2030 ?"
    )
    page.locator("#agenda-save").click()
    expect(page.locator("#agenda-dialog")).not_to_be_visible()
    url = f"{server.url}/api/workshops/{workshop['id']}/agenda"
    first = http(url, key=workshop["facilitator_key"])["stages"][0]
    assert first["title"] == "Notre vision"


def test_the_workshop_language_moves_the_projector_and_refusals_show_beside_it(
    server: LiveServer, open_page: Any
) -> None:
    workshop = new_workshop(server)
    page = console_of(open_page, workshop)
    projector = open_page(workshop["urls"]["present"])
    expect(projector.locator("html")).to_have_attribute("lang", "en")
    select = page.locator("#workshop-language")
    expect(select).to_have_value("en")
    # The console's own language is not the workshop's.
    expect(page.locator("#console-language-select")).to_have_value("en")

    select.select_option("de")

    expect(projector.locator("html")).to_have_attribute("lang", "de", timeout=10_000)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(select).to_have_value("de")
    expect(page.locator("#workshop-language-error")).to_be_hidden()

    # A language the server does not ship: refused, said beside the select, the value restored.
    page.evaluate(
        """() => {
            const select = document.getElementById('workshop-language');
            select.append(new Option('Klingon', 'tlh'));
            select.value = 'tlh';
            select.dispatchEvent(new Event('change'));
        }"""
    )
    error = page.locator("#workshop-language-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(select).to_have_value("de")
