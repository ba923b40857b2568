"""The start page's "My workshops on this device", in a real headless Chromium against a real
server: the workshops this browser created (through the page) or opened as facilitator, each
read through its own summary with its own key; after a reload; a workshop deleted on the server
leaves with a notice; Remove asks first; a pasted facilitator link adds one; the list moves to
another browser as a file; a replaced key says so and takes the new link; a workshop that cannot
be reached stays listed; the console's delete notice shows once; a saved agenda goes into the
picker; the page fits a 320 px phone and a 1280x800 laptop with 1, 3 and 20 workshops. One
browser and one server for the whole module."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 320, "height": 640}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The fit checks alone make 20 workshops: more than the per-address creation burst (10).
    with LiveServer(
        tmp_path_factory.mktemp("home") / "home.sqlite3", env={"CREATE_BURST": "1000"}
    ) as live:
        yield live


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Any]:
    """New browser contexts (a laptop unless told); no page in them may throw."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def new_context(**options: Any) -> BrowserContext:
        options.setdefault("viewport", DESK)
        context = browser.new_context(**options)
        context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        made.append(context)
        return context

    yield new_context
    for context in made:
        context.close()
    assert not errors


def create(server: LiveServer, title: str, **fields: Any) -> dict[str, Any]:
    """A workshop made through the API: its id, key and links."""
    created: dict[str, Any] = http(
        f"{server.url}/api/workshops", "POST", {"title": title, **fields}
    )
    return created


def remember(page: Page, *workshops: dict[str, Any]) -> None:
    """Keep each workshop's key in this browser as its console does, then reload the page."""
    for ws in workshops:
        entry = {"key": ws["facilitator_key"], "shown": True}
        page.evaluate(
            "([name, value]) => localStorage.setItem(name, value)",
            [f"sw:facilitator:{ws['id']}", json.dumps(entry)],
        )
    page.reload()


def home(context: BrowserContext, server: LiveServer, *workshops: dict[str, Any]) -> Page:
    """The start page in `context`, listing `workshops` (besides what it held already)."""
    page = context.new_page()
    page.goto(f"{server.url}/")
    if workshops:
        remember(page, *workshops)
    return page


def items(page: Page) -> Any:
    return page.locator("#mine-list > li")


def item(page: Page, title: str) -> Any:
    return items(page).filter(has=page.locator(".mine-title", has_text=title))


def stored_ids(page: Page) -> list[str]:
    """The workshop ids this browser keeps a facilitator key for."""
    ids: list[str] = page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('sw:facilitator:'))"
        ".map((k) => k.slice(15)).sort()"
    )
    return ids


def status_of(server: LiveServer, path: str, method: str = "GET", key: str = "") -> int:
    request = urllib.request.Request(f"{server.url}{path}", method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def create_through_the_page(page: Page, server: LiveServer, title: str, organisation: str) -> str:
    """Fill in the start page's form, land on the console (its link shown once), come back."""
    page.goto(f"{server.url}/")
    page.get_by_label("Workshop title").fill(title)
    page.get_by_label("Organisation").fill(organisation)
    page.get_by_role("button", name="Create workshop").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f]+/facilitate$"))
    page.get_by_role("button", name="I have saved it").click()
    match = re.search(r"/w/([0-9a-f]+)/facilitate", page.url)
    assert match
    page.goto(f"{server.url}/")
    return match.group(1)


# --------------------------------------------------------------------------- the list


def test_two_workshops_created_on_the_page_are_listed_with_their_links_and_after_a_reload(
    server: LiveServer, contexts: Any
) -> None:
    page = contexts().new_page()
    # Each summary is asked with its own workshop's key, and with no other.
    asked: list[tuple[str, str]] = []

    def watch(request: Request) -> None:
        found = re.search(r"/api/workshops/([0-9a-f]+)/summary$", request.url)
        if found:
            asked.append((found.group(1), request.headers.get("authorization", "")))

    page.on("request", watch)
    page.goto(f"{server.url}/")
    expect(page.locator("#mine-empty")).to_be_visible()
    first = create_through_the_page(page, server, "Harbour strategy 2030", "Harbour Trust")
    expect(items(page)).to_have_count(1)
    second = create_through_the_page(page, server, "Riverside 2031", "Riverside Council")

    expect(items(page)).to_have_count(2)
    expect(page.locator("#mine-empty")).to_be_hidden()
    harbour = item(page, "Harbour strategy 2030")
    expect(harbour).to_contain_text("Harbour Trust")
    expect(harbour).to_contain_text("0 participants")
    expect(harbour.locator(".mine-badge")).to_have_text(re.compile("lobby", re.I))
    expect(item(page, "Riverside 2031")).to_contain_text("Riverside Council")
    # The console's link carries no key (the console reads it from this browser); the room
    # screen's carries the projector token only.
    console = harbour.get_by_role("link", name="Open console")
    expect(console).to_have_attribute("href", f"/w/{first}/facilitate")
    room = harbour.get_by_role("link", name="Room screen")
    expect(room).to_have_attribute("href", re.compile(rf"/w/{first}/present#token=\w+"))

    page.reload()
    expect(items(page)).to_have_count(2)
    expect(item(page, "Riverside 2031")).to_have_count(1)
    keys = {
        ws: page.evaluate(f"JSON.parse(localStorage.getItem('sw:facilitator:{ws}')).key")
        for ws in (first, second)
    }
    assert asked and {ws for ws, _ in asked} == {first, second}
    assert all(header == f"Bearer {keys[ws]}" for ws, header in asked), asked

    # The console opens from the list with the key this browser kept.
    item(page, "Harbour strategy 2030").get_by_role("link", name="Open console").click()
    page.wait_for_url(re.compile(rf"/w/{first}/facilitate$"))
    expect(page.locator("#ws-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    expect(page.locator("#key-panel")).to_be_hidden()


def test_a_workshop_deleted_on_the_server_leaves_the_list_with_a_notice_once(
    server: LiveServer, contexts: Any
) -> None:
    kept, deleted = create(server, "Kept day"), create(server, "Old offsite 2024")
    page = home(contexts(), server, kept, deleted)
    expect(items(page)).to_have_count(2)
    expect(item(page, "Old offsite 2024")).to_have_count(1)

    path = f"/api/workshops/{deleted['id']}"
    assert status_of(server, path, "DELETE", deleted["facilitator_key"]) == 204
    page.reload()
    notice = page.locator("#mine-notices")
    expect(notice).to_contain_text(
        "\N{LEFT DOUBLE QUOTATION MARK}Old offsite 2024\N{RIGHT DOUBLE QUOTATION MARK} was "
        "deleted from the server; it is no longer listed."
    )
    expect(items(page)).to_have_count(1)
    expect(item(page, "Kept day")).to_have_count(1)
    assert stored_ids(page) == [kept["id"]]
    page.reload()
    expect(item(page, "Kept day")).to_have_count(1)
    expect(notice).to_be_empty()


def test_remove_asks_first_and_then_forgets_the_key(server: LiveServer, contexts: Any) -> None:
    ws = create(server, "Board retreat")
    page = home(contexts(), server, ws)
    entry = item(page, "Board retreat")
    expect(entry).to_have_count(1)
    questions: list[str] = []

    def answer(accept: bool) -> None:
        def handle(dialog: Any) -> None:
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", handle)

    answer(False)
    entry.get_by_role("button", name="Remove Board retreat from list").click()
    expect(entry).to_have_count(1)
    assert "you will need its facilitator link to open it again" in questions[0].lower()
    answer(True)
    entry.get_by_role("button", name="Remove Board retreat from list").click()
    expect(items(page)).to_have_count(0)
    expect(page.locator("#mine-empty")).to_be_visible()
    assert stored_ids(page) == []
    page.reload()
    expect(page.locator("#mine-empty")).to_be_visible()
    # Only this list forgot it: the workshop is still on the server.
    assert status_of(server, f"/api/workshops/{ws['id']}/summary", key=ws["facilitator_key"]) == 200


def test_a_pasted_facilitator_link_adds_the_workshop_once(
    server: LiveServer, contexts: Any
) -> None:
    ws, other = create(server, "Pasted 2030"), create(server, "Not mine")
    page = home(contexts(), server)
    sent: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda request: sent.append((request.url, request.headers.get("authorization", ""))),
    )
    page.get_by_text("Add a workshop, or move this list to another device").click()
    link, add, result = (
        page.locator("#mine-link"),
        page.locator("#mine-add-form button"),
        page.locator("#mine-add-result"),
    )
    refused = {
        "hello": "not a facilitator link",
        f"{server.url}/w/{ws['id']}/facilitate": "no facilitator key",
        f"https://elsewhere.example/w/{ws['id']}/facilitate#key={ws['facilitator_key']}": (
            "another server"
        ),
        f"{server.url}/w/{ws['id']}/facilitate#key={other['facilitator_key']}": "no longer opens",
        f"{server.url}/w/0123456789abcdef/facilitate#key=x": "no workshop on this server",
        "https://other.example/w/fedcba9876543210/facilitate#key=theirs": "another server",
    }
    for text, why in refused.items():
        link.fill(text)
        add.click()
        expect(result).to_contain_text(why, ignore_case=True)
        expect(link).to_have_attribute("aria-invalid", "true")
    expect(items(page)).to_have_count(0)
    assert stored_ids(page) == []
    # Another server's workshop: this server was asked whether it has it, without its key.
    assert not [auth for url, auth in sent if "fedcba9876543210" in url and auth]
    assert [url for url, _ in sent if "fedcba9876543210" in url]

    link.fill(f"  {ws['urls']['facilitate']}  ")
    add.click()
    expect(result).to_contain_text("Added \N{LEFT DOUBLE QUOTATION MARK}Pasted 2030")
    expect(item(page, "Pasted 2030")).to_contain_text("0 participants")
    expect(link).to_have_value("")
    link.fill(ws["urls"]["facilitate"])
    add.click()
    expect(result).to_contain_text("already on this list")
    expect(items(page)).to_have_count(1)
    page.reload()
    expect(item(page, "Pasted 2030")).to_have_count(1)
    assert stored_ids(page) == [ws["id"]]


def test_a_console_the_admin_opened_is_not_listed_until_its_own_link_is_pasted(
    server: LiveServer, contexts: Any
) -> None:
    """The admin's console key (an entry marked `admin: true` by the console opened from
    /admin) is replaced by the admin's next "Open console": it is no workshop of this
    browser's, so it is neither listed nor exported. Pasting the facilitator's own link
    lists it."""
    mine, theirs = create(server, "Mine 2030"), create(server, "Opened by the admin")
    page = home(contexts(), server, mine)
    page.evaluate(
        "([name, value]) => localStorage.setItem(name, value)",
        [
            f"sw:facilitator:{theirs['id']}",
            json.dumps({"key": "an-admin-key", "shown": True, "admin": True}),
        ],
    )
    page.reload()
    expect(item(page, "Mine 2030")).to_have_count(1)
    expect(items(page)).to_have_count(1)
    page.get_by_text("Add a workshop, or move this list to another device").click()
    page.locator("#mine-link").fill(theirs["urls"]["facilitate"])
    page.locator("#mine-add-form button").click()
    expect(item(page, "Opened by the admin")).to_have_count(1)
    entry = json.loads(
        page.evaluate(f"localStorage.getItem('sw:facilitator:{theirs['id']}')") or "{}"
    )
    assert entry["key"] == theirs["facilitator_key"] and "admin" not in entry


def test_the_list_moves_to_another_browser_as_a_file(
    server: LiveServer, contexts: Any, tmp_path: Path
) -> None:
    made = [create(server, title) for title in ("Moving one", "Moving two", "Moving three")]
    laptop = home(contexts(accept_downloads=True), server, *made)
    expect(items(laptop)).to_have_count(3)
    laptop.get_by_text("Add a workshop, or move this list to another device").click()
    warning = laptop.locator("#mine-file-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Anyone holding this file can run these workshops")
    with laptop.expect_download() as started:
        laptop.get_by_role("button", name="Export the list").click()
    path = tmp_path / started.value.suggested_filename
    started.value.save_as(path)
    assert re.fullmatch(r"my-workshops-\d{4}-\d\d-\d\d\.json", path.name)
    data = json.loads(path.read_text())
    assert data["format"] == "strategy-workshop-links" and data["version"] == 1
    assert data["exported_at"]
    assert sorted(w["title"] for w in data["workshops"]) == [
        "Moving one",
        "Moving three",
        "Moving two",
    ]
    for ws in made:
        entry = next(w for w in data["workshops"] if w["id"] == ws["id"])
        assert (
            entry["facilitator_url"]
            == f"{server.url}/w/{ws['id']}/facilitate#key={ws['facilitator_key']}"
        )

    # Another browser already lists one of them; the file also carries something else.
    data["workshops"].append({"id": "x", "title": "Scribble", "facilitator_url": "not a link"})
    path.write_text(json.dumps(data))
    other = home(contexts(), server, made[0])
    expect(items(other)).to_have_count(1)
    other.get_by_text("Add a workshop, or move this list to another device").click()
    expect(other.locator("#mine-file-warning")).to_be_visible()
    other.locator("#mine-import").set_input_files(str(path))
    report = other.locator("#mine-transfer-result")
    expect(report).to_contain_text("Added 2 · already listed 1 · not recognised 1")
    expect(report).to_contain_text("Scribble")
    expect(items(other)).to_have_count(3)
    assert stored_ids(other) == sorted(ws["id"] for ws in made)
    expect(item(other, "Moving two").locator(".mine-badge")).to_have_text(re.compile("lobby", re.I))
    # The same list again, all of it known and nothing refused: said in so many words.
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({**data, "workshops": data["workshops"][:-1]}))
    other.locator("#mine-import").set_input_files(str(clean))
    expect(report).to_contain_text("Added 0 · already listed 3 · not recognised 0.")
    assert report.inner_text().split("\n")[0] == "Added 0 · already listed 3 · not recognised 0."
    expect(report).not_to_contain_text("null")

    # The imported key opens the console there.
    item(other, "Moving three").get_by_role("link", name="Open console").click()
    expect(other.locator("#ws-code")).to_have_text(made[2]["code"])

    # Not a list at all: said, and nothing changes.
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"format": "strategy-workshop", "version": 1}))
    other.goto(f"{server.url}/")
    other.get_by_text("Add a workshop, or move this list to another device").click()
    other.locator("#mine-import").set_input_files(str(junk))
    expect(other.locator("#mine-transfer-result")).to_contain_text("not a list of workshops")
    assert stored_ids(other) == sorted(ws["id"] for ws in made)


def test_a_replaced_key_says_so_and_takes_the_new_link(server: LiveServer, contexts: Any) -> None:
    ws = create(server, "Rotated day")
    page = home(contexts(), server, ws)
    expect(item(page, "Rotated day").locator(".mine-badge")).to_have_text(re.compile("lobby", re.I))
    rotated = http(f"{server.url}/api/workshops/{ws['id']}/key", "POST", key=ws["facilitator_key"])

    page.reload()
    entry = item(page, "Rotated day")
    expect(entry).to_contain_text(
        "This link no longer opens it (the facilitator link was replaced)."
    )
    expect(entry.get_by_role("link", name="Open console")).to_have_count(0)
    expect(entry.get_by_role("button", name="Remove Rotated day from list")).to_be_visible()
    field = entry.get_by_label("Paste its new facilitator link")
    field.fill(ws["urls"]["facilitate"])  # the old one again
    entry.get_by_role("button", name="Save").click()
    expect(entry).to_contain_text("no longer opens it. Paste the new one")
    field.fill(rotated["facilitator_url"])
    entry.get_by_role("button", name="Save").click()
    expect(entry.get_by_role("link", name="Open console")).to_be_visible()
    expect(entry).not_to_contain_text("no longer opens")
    key = page.evaluate(f"JSON.parse(localStorage.getItem('sw:facilitator:{ws['id']}')).key")
    assert key == rotated["key"]


def test_a_workshop_that_cannot_be_reached_stays_listed(server: LiveServer, contexts: Any) -> None:
    ws = create(server, "Far away")
    context = contexts()
    page = home(context, server)

    def drop(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route("**/summary", drop)
    remember(page, ws)  # its title is not known before its first answer
    expect(items(page)).to_have_count(1)
    expect(items(page)).to_contain_text("could not be reached just now")
    assert stored_ids(page) == [ws["id"]]
    context.unroute("**/summary", drop)
    items(page).get_by_role("button", name="Try again").click()
    entry = item(page, "Far away")
    expect(entry.get_by_role("link", name="Room screen")).to_be_visible()
    # Known now: the next time it cannot be reached, it is still named.
    context.route("**/summary", drop)
    page.reload()
    expect(item(page, "Far away")).to_contain_text("could not be reached just now")
    # Back online, it is asked again by itself.
    context.unroute("**/summary", drop)
    context.set_offline(True)
    context.set_offline(False)
    expect(item(page, "Far away").get_by_role("link", name="Room screen")).to_be_visible()


def test_the_consoles_delete_notice_shows_once(server: LiveServer, contexts: Any) -> None:
    page = home(contexts(), server)
    page.evaluate(
        "sessionStorage.setItem('sw:notice', "
        "'Deleted \N{LEFT DOUBLE QUOTATION MARK}Gone day\N{RIGHT DOUBLE QUOTATION MARK}.')"
    )
    page.reload()
    expect(page.locator("#mine-notices")).to_have_text(
        "Deleted \N{LEFT DOUBLE QUOTATION MARK}Gone day\N{RIGHT DOUBLE QUOTATION MARK}."
    )
    page.reload()
    expect(page.locator("#mine-notices")).to_be_empty()


def test_a_workshops_saved_agenda_goes_into_the_picker(server: LiveServer, contexts: Any) -> None:
    ws = create(server, "Agenda source")
    url = f"{server.url}/api/workshops/{ws['id']}/agenda"
    agenda = http(url, key=ws["facilitator_key"])
    agenda["stages"] = agenda["stages"][:1]
    http(url, "PUT", {"stages": agenda["stages"]}, ws["facilitator_key"])
    saved = http(
        f"{server.url}/api/templates",
        "POST",
        {"workshop_id": ws["id"], "title": "Vision only"},
        ws["facilitator_key"],
    )
    page = home(contexts(), server, ws)
    entry = item(page, "Agenda source")
    entry.get_by_text("Saved agendas (1)").click()
    use = "Use \N{LEFT DOUBLE QUOTATION MARK}Vision only\N{RIGHT DOUBLE QUOTATION MARK} for a new"
    entry.get_by_role("button", name=use).click()
    expect(page.get_by_label("Agenda")).to_have_value(saved["id"])
    expect(
        page.get_by_role("list", name="Stages of Vision only").get_by_role("listitem")
    ).to_have_count(1)
    expect(page.get_by_label("Agenda")).to_be_focused()


# --------------------------------------------------------------------------- fits


@pytest.fixture(scope="module")
def twenty(server: LiveServer) -> list[dict[str, Any]]:
    """20 workshops as a facilitator's year leaves them: one finished with its plan, one
    running, the rest in the lobby; long and short titles and organisations."""
    titles = [
        "Strategy day 2026",
        "Harbour Trust board retreat on the next five years of the harbour and its people",
        "Riverside 2030",
    ]
    made = [
        create(
            server,
            f"{titles[i % 3]} #{i + 1}" if i >= 3 else titles[i],
            organization=(
                "The Riverside and Harbour Community Foundation of the Northern Districts"
                if i % 4 == 1
                else ("Acme" if i % 2 == 0 else None)
            ),
        )
        for i in range(20)
    ]
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"])
    try:
        finished, running = made[0], made[1]
        assert client.call(
            "facilitate", {"workshop_id": finished["id"], "key": finished["facilitator_key"]}
        )["ok"]
        assert client.call("workshop:finish", {})["ok"]
        client.disconnect()
        client = socketio.Client(reconnection=False)
        client.connect(server.url, transports=["websocket"])
        assert client.call(
            "facilitate", {"workshop_id": running["id"], "key": running["facilitator_key"]}
        )["ok"]
        state = http(f"{server.url}/api/workshops/{running['id']}", key=running["facilitator_key"])
        stage = state["stages"][0]["id"]
        assert client.call("stage:phase", {"stage_id": stage, "phase": "brainstorm"})["ok"]
    finally:
        client.disconnect()
    return made


@pytest.mark.parametrize("count", [1, 3, 20])
@pytest.mark.parametrize("screen", ["phone", "laptop"])
def test_the_start_page_fits_a_phone_and_a_laptop(
    server: LiveServer,
    contexts: Any,
    twenty: list[dict[str, Any]],
    screen: str,
    count: int,
    tmp_path: Path,
) -> None:
    phone = screen == "phone"
    context = contexts(viewport=PHONE, is_mobile=True, has_touch=True) if phone else contexts()
    page = home(context, server, *twenty[:count])
    if count > 6:
        # The newest six, then the rest on demand: the new-workshop form stays near.
        expect(page.locator("#mine-list > li.is-ok")).to_have_count(6)
        page.get_by_role("button", name=f"Show all {count} workshops").click()
    expect(page.locator("#mine-list > li.is-ok")).to_have_count(count)
    expect(page.locator("#mine-more")).to_be_hidden()
    # Everything a card can hold is open: the plan's downloads, the tools.
    page.evaluate(
        "document.querySelectorAll('#my-workshops details').forEach((d) => d.open = true)"
    )
    if count >= 7:
        expect(page.get_by_label("Find a workshop")).to_be_visible()
    # The join form stays first: on a phone it is the first thing on the screen.
    join = page.locator("#code").bounding_box()
    mine = page.locator("#my-workshops").bounding_box()
    assert join and mine
    assert join["y"] + join["height"] < (PHONE if phone else DESK)["height"]
    screens.shot(page, f"home-{screen}-{count}", tmp_path, full_page=True)
    if phone:
        assert join["y"] < mine["y"]
        assert not screens.phone_violations(page), screens.phone_violations(page)
    else:
        # On a laptop the list sits beside the forms, its top on the first screen.
        assert mine["x"] > join["x"] + join["width"] and mine["y"] < DESK["height"] / 4
        assert not screens.horizontal_overflow(page), screens.horizontal_overflow(page)
    assert not screens.mid_word_breaks(page), screens.mid_word_breaks(page)
    if count == 3:
        assert not screens.axe_violations(page), screens.axe_violations(page)

    # A filter finds one workshop among twenty.
    if count == 20:
        page.get_by_label("Find a workshop").fill("riverside 2030 #18")
        expect(items(page)).to_have_count(1)
        page.get_by_label("Find a workshop").fill("nothing like it")
        expect(page.locator("#mine-no-match")).to_be_visible()


def test_each_workshop_says_where_it_stands_and_a_finished_one_offers_its_plan(
    server: LiveServer, contexts: Any, twenty: list[dict[str, Any]], tmp_path: Path
) -> None:
    finished, running, lobby = twenty[:3]
    page = home(contexts(accept_downloads=True), server, finished, running, lobby)
    ended = item(page, "Strategy day 2026")
    expect(ended.locator(".mine-badge")).to_have_text(re.compile("finished", re.I))
    expect(ended.locator(".mine-status")).to_contain_text("Finished")
    started = item(page, "Harbour Trust board retreat")
    expect(started.locator(".mine-badge")).to_have_text(re.compile("running", re.I))
    expect(started.locator(".mine-status")).to_have_text("Vision \N{MIDDLE DOT} Brainstorm")
    expect(started).to_contain_text("The Riverside and Harbour Community Foundation")
    expect(item(page, "Riverside 2030").locator(".mine-status")).to_contain_text("lobby")
    # Only a finished workshop has plan files here.
    expect(started.get_by_text("Plan downloads")).to_have_count(0)
    ended.get_by_text("Plan downloads").click()
    with page.expect_download() as download:
        ended.get_by_role("button", name="Markdown").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".md" and "Strategy day 2026" in path.read_text()
    # The list drawn again (another entry removed): the downloads stay open.
    page.once("dialog", lambda dialog: dialog.accept())
    item(page, "Riverside 2030").get_by_role(
        "button", name="Remove Riverside 2030 from list"
    ).click()
    expect(items(page)).to_have_count(2)
    expect(ended.get_by_role("button", name="Markdown")).to_be_visible()
