# ruff: noqa: RUF001  (French typography: the pages use the typographic apostrophe)
"""The phone and the room's screen in their languages, in a real headless Chromium against the
real server: a French phone and an Arabic phone (browsers set to those languages) join the same
English workshop and each reads its own language (the Arabic one right to left, with no
horizontal scroll on a 320 px phone) in the lobby, the brainstorm, the vote and once the votes
are revealed, while participants' words keep their own direction; the phone's switcher changes
the page in place (no reload: nothing typed is lost) and is remembered on the phone; and the
room's screen of a German workshop reads German, and follows when the facilitator changes the
workshop's language. The facilitator drives the workshop over a socket, as the console would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

PHONE: ViewportSize = {"width": 320, "height": 640}
WALL: ViewportSize = {"width": 1280, "height": 720}
AGENDA = {
    "stages": [
        {
            "key": "goals",
            "title": "Strategic goals",
            "prompt": "What must be true in five years?",
            "steps": [
                {"kind": "brainstorm"},
                {"kind": "vote", "dot_budget": 3},
                {"kind": "done", "select_count": 1},
            ],
        }
    ]
}
ARABIC_NAME = "ناديا"
ARABIC_IDEA = "زيادة عدد الأعضاء"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    with LiveServer(tmp_path_factory.mktemp("languages") / "languages.sqlite3") as live:
        yield live


class Room:
    """A new workshop (in its lobby, in `language`), its facilitator on a socket, and screens."""

    def __init__(self, browser: Browser, server: LiveServer, language: str | None = None) -> None:
        self.browser = browser
        self.url = server.url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        body: dict[str, Any] = {"title": "Harbour 2030"}
        if language:
            body["language"] = language
        self.workshop = http(f"{self.url}/api/workshops", "POST", body)
        self.key: str = self.workshop["facilitator_key"]
        http(f"{self.url}/api/workshops/{self.workshop['id']}/agenda", "PUT", AGENDA, self.key)
        self.facilitator = socketio.Client(reconnection=False)
        self.facilitator.connect(self.url, transports=["websocket"])
        self.send("facilitate", {"workshop_id": self.workshop["id"], "key": self.key})
        state = http(f"{self.url}/api/workshops/{self.workshop['id']}", key=self.key)
        self.stage_id: int = state["stages"][0]["id"]

    def send(self, event: str, payload: dict[str, Any]) -> Any:
        """One facilitator event whose ack must be ok."""
        reply = self.facilitator.call(event, payload)
        assert reply["ok"], reply
        return reply

    def phase(self, phase: str) -> None:
        self.send("stage:phase", {"stage_id": self.stage_id, "phase": phase})

    def page(self, name: str, viewport: ViewportSize, locale: str) -> Page:
        """A new browser (its languages: `locale`) with one page, its errors collected."""
        small = viewport is PHONE
        context = self.browser.new_context(
            viewport=viewport, locale=locale, is_mobile=small, has_touch=small
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        return page

    def phone(self, name: str, locale: str, join_button: str) -> Page:
        """A 320 px phone in `locale` that opens the join link and joins with a name."""
        page = self.page(name, PHONE, locale)
        page.goto(self.workshop["urls"]["join"])
        page.fill("#name", name)
        page.get_by_role("button", name=join_button).click()
        expect(page.locator("#stage-view")).to_be_visible()
        return page

    def close(self) -> None:
        self.facilitator.disconnect()
        for context in self.contexts:
            context.close()


@pytest.fixture
def room(browser: Browser, server: LiveServer) -> Iterator[Room]:
    opened = Room(browser, server)
    yield opened
    opened.close()
    assert opened.errors == []


def language_of(page: Page) -> tuple[str, str]:
    found = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
    return str(found[0]), str(found[1])


def scrolls_sideways(page: Page) -> bool:
    root = "document.documentElement"
    return bool(page.evaluate(f"() => {root}.scrollWidth > {root}.clientWidth"))


def send_idea(phone: Page, text: str) -> None:
    """Type an idea and send it (Ctrl+Enter: no button name, which is in the phone's language)."""
    box = phone.locator("#idea-text")
    box.fill(text)
    box.press("Control+Enter")
    expect(box).to_have_value("")


def check_phone(phone: Page, language: str, direction: str, state: str) -> None:
    assert language_of(phone) == (language, direction), state
    assert not scrolls_sideways(phone), f"{language} phone scrolls sideways in {state}"
    # The switcher is on the page, in every state, in the phone's language.
    expect(phone.locator("#language-switcher")).to_be_visible()
    expect(phone.locator("#language-switcher")).to_have_value(language)


def test_a_french_and_an_arabic_phone_read_their_own_languages_in_an_english_workshop(
    room: Room,
) -> None:
    french = room.phone("Ana", "fr-FR", "Rejoindre l’atelier")
    arabic = room.phone(ARABIC_NAME, "ar", "الانضمام إلى ورشة العمل")

    # The lobby.
    expect(french.locator("#stage-view h1")).to_have_text("Vous y êtes")
    expect(french.locator("#stage-view .status-line")).to_have_text(
        "Vous y êtes. En attente du démarrage par l’animateur"
    )
    expect(french.locator("#who")).to_have_text("Vous : Ana")
    expect(french.locator("label[for=language-switcher]")).to_have_text("Langue")
    expect(arabic.locator("#stage-view h1")).to_have_text("لقد انضممت")
    expect(arabic.locator("#who")).to_have_text(f"أنت: {ARABIC_NAME}")
    expect(arabic.locator("label[for=language-switcher]")).to_have_text("اللغة")
    # The workshop's own words are the facilitator's: never translated, in their own direction.
    expect(arabic.locator("#stage-view")).to_contain_text("Harbour 2030")
    expect(arabic.locator("#who [dir=auto]")).to_have_text(ARABIC_NAME)
    check_phone(french, "fr", "ltr", "the lobby")
    check_phone(arabic, "ar", "rtl", "the lobby")

    # The brainstorm.
    room.phase("brainstorm")
    expect(french.locator("#stage-view .status-line")).to_contain_text("activité 1 sur 3")
    expect(arabic.locator("#stage-view .status-line")).to_contain_text("الخطوة 1 من 3")
    expect(arabic.locator("#stage-view .prompt")).to_have_text("What must be true in five years?")
    assert arabic.get_attribute("#stage-view .prompt", "dir") == "auto"
    send_idea(french, "Grow our membership")
    send_idea(arabic, ARABIC_IDEA)
    check_phone(french, "fr", "ltr", "the brainstorm")
    check_phone(arabic, "ar", "rtl", "the brainstorm")

    # The vote: each phone votes on both ideas, the Arabic one shown in its own direction.
    room.phase("vote")
    expect(french.locator("#stage-view .status-line")).to_contain_text("activité 2 sur 3")
    expect(arabic.locator("#stage-view .status-line")).to_contain_text("الخطوة 2 من 3")
    expect(french.locator("#stage-view")).to_contain_text(ARABIC_IDEA)
    expect(arabic.locator("#stage-view")).to_contain_text("Grow our membership")
    check_phone(french, "fr", "ltr", "the vote")
    check_phone(arabic, "ar", "rtl", "the vote")

    # The votes revealed.
    room.send("results:reveal", {"stage_id": room.stage_id})
    for phone, language, direction in ((french, "fr", "ltr"), (arabic, "ar", "rtl")):
        phone.wait_for_timeout(300)
        check_phone(phone, language, direction, "the revealed vote")

    # The end: the plan is ready, in each phone's language.
    room.phase("done")
    room.send("workshop:finish", {})
    expect(french.locator("#stage-view h1").first).to_have_text("Le plan est prêt")
    expect(arabic.locator("#stage-view h1").first).to_have_text("الخطة جاهزة")
    check_phone(french, "fr", "ltr", "the end")
    check_phone(arabic, "ar", "rtl", "the end")


def test_the_switcher_changes_the_phone_in_place_and_keeps_what_is_typed(room: Room) -> None:
    room.phase("brainstorm")
    phone = room.phone("Ana", "fr-FR", "Rejoindre l’atelier")
    expect(phone.locator("#stage-view .status-line")).to_contain_text("activité 1 sur 3")
    phone.evaluate("() => { window.notReloaded = true; }")
    box = phone.locator("#idea-text")
    box.fill("Des mots à moitié tapés")

    phone.select_option("#language-switcher", "de")
    expect(phone.locator("#who")).to_have_text("Sie: Ana")
    expect(phone.locator("#stage-view .status-line")).to_contain_text("Schritt 1 von 3")
    expect(phone.locator("label[for=language-switcher]")).to_have_text("Sprache")
    assert language_of(phone) == ("de", "ltr")
    assert phone.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    expect(box).to_have_value("Des mots à moitié tapés")

    # To Arabic: right to left at once, still the same page and the same words, no sideways scroll.
    phone.select_option("#language-switcher", "ar")
    expect(phone.locator("#who")).to_have_text("أنت: Ana")
    assert language_of(phone) == ("ar", "rtl")
    assert phone.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    expect(box).to_have_value("Des mots à moitié tapés")
    assert not scrolls_sideways(phone)

    # Remembered on this phone: the next visit opens in Arabic, whatever the browser says.
    assert phone.evaluate("() => localStorage.getItem('sw-language')") == "ar"
    assert "lang=ar" in phone.evaluate("() => document.cookie")
    phone.reload()
    expect(phone.locator("#who")).to_have_text("أنت: Ana")
    assert language_of(phone) == ("ar", "rtl")

    # Back to the browser's French; the idea sent reaches the room as typed.
    phone.select_option("#language-switcher", "fr")
    expect(phone.locator("#who")).to_have_text("Vous : Ana")
    send_idea(phone, "Des mots à moitié tapés")
    texts: list[str] = []
    for _ in range(50):
        state = http(f"{room.url}/api/workshops/{room.workshop['id']}", key=room.key)
        texts = [idea["text"] for idea in state["stages"][0]["ideas"]]
        if texts:
            break
        phone.wait_for_timeout(100)
    assert texts == ["Des mots à moitié tapés"]


def test_the_switcher_is_reachable_before_joining_and_after_a_refusal(room: Room) -> None:
    phone = room.page("Ana", PHONE, "en-GB")
    phone.goto(room.workshop["urls"]["join"])
    expect(phone.get_by_role("button", name="Join the workshop")).to_be_visible()
    phone.fill("#name", "Ana the typist")
    phone.select_option("#language-switcher", "es")
    expect(phone.get_by_role("button", name="Unirse al taller")).to_be_visible()
    expect(phone.locator("#name")).to_have_value("Ana the typist")
    expect(phone.locator("#name")).to_have_attribute("placeholder", "Anónimo")
    assert language_of(phone) == ("es", "ltr")
    # A name too long is refused on the phone, in its language, and follows a switch.
    # (The field's maxlength stops typing; a pasted-in script value still reaches the check.)
    phone.evaluate("() => { document.querySelector('#name').value = 'x'.repeat(41); }")
    phone.get_by_role("button", name="Unirse al taller").click()
    expect(phone.locator("#join-error")).to_have_text(
        "Un nombre puede tener como máximo 40 caracteres."
    )
    phone.select_option("#language-switcher", "en")
    expect(phone.locator("#join-error")).to_have_text("A name can be at most 40 characters.")
    expect(phone.locator("#name")).to_have_value("x" * 41)


@pytest.fixture
def german_room(browser: Browser, server: LiveServer) -> Iterator[Room]:
    opened = Room(browser, server, language="de")
    yield opened
    opened.close()
    assert opened.errors == []


def test_the_room_screen_of_a_german_workshop_is_german_and_follows_its_language(
    german_room: Room,
) -> None:
    room = german_room
    # The room's screen runs on an English machine: the workshop's language is what counts.
    wall = room.page("projector", WALL, "en-US")
    wall.goto(room.workshop["urls"]["present"])
    expect(wall.locator("#main")).to_contain_text("Jetzt mit dem Telefon beitreten")
    expect(wall.locator("#join")).to_contain_text("Beitreten unter")
    assert language_of(wall) == ("de", "ltr")

    # An English phone in the same room stays English.
    phone = room.phone("Ana", "en-US", "Join the workshop")
    expect(phone.locator("#stage-view h1")).to_have_text("You're in")
    expect(wall.locator("#count")).to_have_text("1")
    expect(wall.locator(".join-count")).to_have_text("1 beigetreten")

    room.phase("brainstorm")
    expect(wall.locator("#phase")).to_contain_text("Strategic goals · ")
    assert language_of(wall) == ("de", "ltr")

    # The facilitator changes the workshop's language: the screen follows, no reload.
    wall.evaluate("() => { window.notReloaded = true; }")
    room.send("workshop:language", {"language": "ar"})
    expect(wall.locator("html")).to_have_attribute("lang", "ar")
    assert language_of(wall) == ("ar", "rtl")
    expect(wall.locator(".join-count")).to_contain_text("انضم")
    assert wall.evaluate("() => window.notReloaded === true"), "the room's screen was reloaded"
    expect(phone.locator("#stage-view h1")).not_to_have_text("")
    assert language_of(phone) == ("en", "ltr")

    room.send("workshop:language", {"language": "fr"})
    expect(wall.locator("html")).to_have_attribute("lang", "fr")
    assert language_of(wall) == ("fr", "ltr")
    expect(wall.locator(".join-count")).to_have_text("1 inscrit")
