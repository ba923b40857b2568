"""The server's admin in a real headless Chromium against the real server (ADMIN_PASSWORD in
its environment): log in (a wrong password first), search, export a workshop, import the file
as a new workshop, open a console from the list, delete the copy through its confirm page, log
out; the pages keep to the CSP, pass axe-core (serious and critical), fit a 1280x800 laptop
and a 320 px phone without scrolling sideways, and leave screenshots."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.devices import Devices
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 320, "height": 700}
PASSWORD = "admin for the browser test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"ADMIN_PASSWORD": PASSWORD, "CREATE_BURST": "50"}
    with LiveServer(tmp_path_factory.mktemp("admin") / "admin.sqlite3", env=env) as live:
        yield live


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("admin-screens")


def workshop(server: LiveServer, title: str, **body: Any) -> dict[str, Any]:
    request = urllib.request.Request(
        server.url + "/api/workshops",
        data=json.dumps({"title": title, **body}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))


def log_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Workshops on this server")).to_be_visible()


def rows_named(page: Page, title: str) -> Any:
    return page.locator("#admin-workshops tbody tr").filter(has_text=title)


def test_an_admin_finds_exports_imports_opens_and_deletes_workshops(
    devices: Devices, server: LiveServer, shots: Path, tmp_path: Path
) -> None:
    harbour = workshop(server, "Harbour strategy 2026", organization="Port Authority")
    workshop(server, "Library day 2027", organization="City Library")
    desk = devices.open("admin", DESK)

    desk.goto(f"{server.url}/admin")
    expect(desk.get_by_role("heading", name="Server admin")).to_be_visible()
    expect(desk.locator("body")).not_to_contain_text("Harbour strategy 2026")
    desk.get_by_label("Password").fill("not it")
    desk.get_by_role("button", name="Log in").click()
    expect(desk.get_by_role("alert")).to_have_text("Wrong password.")
    screens.shot(desk, "login-1280x800", shots)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    expect(desk.get_by_role("heading", name="Workshops on this server")).to_be_visible()
    expect(rows_named(desk, "Harbour strategy 2026")).to_contain_text("Port Authority")
    expect(rows_named(desk, "Harbour strategy 2026")).to_contain_text(harbour["code"])
    expect(rows_named(desk, "Library day 2027")).to_have_count(1)
    assert not screens.horizontal_overflow(desk)
    assert not screens.axe_violations(desk), screens.axe_violations(desk)
    screens.shot(desk, "list-1280x800", shots)

    # Search.
    desk.get_by_label("Search").fill("port auth")
    desk.get_by_role("button", name="Search").click()
    expect(desk.locator("#admin-workshops tbody tr")).to_have_count(1)
    expect(rows_named(desk, "Harbour strategy 2026")).to_have_count(1)
    desk.get_by_role("link", name="Clear").click()
    expect(desk.locator("#admin-workshops tbody tr")).to_have_count(2)

    # Export, then import the file.
    row = rows_named(desk, "Harbour strategy 2026")
    with desk.expect_download() as downloaded:
        row.get_by_role("link", name=re.compile("^Export")).click()
    download = downloaded.value
    assert download.suggested_filename == f"harbour-strategy-2026-{harbour['id']}.json"
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    assert json.loads(exported.read_text())["format"] == "strategy-workshop"
    desk.locator("#import-file").set_input_files(str(exported))
    desk.get_by_role("button", name="Import").click()
    notice = desk.locator("#admin-notice")
    expect(notice).to_contain_text("Imported “Harbour strategy 2026” as a new workshop")
    expect(rows_named(desk, "Harbour strategy 2026")).to_have_count(2)
    # The import redirected to the list: a reload imports nothing again.
    assert desk.url == f"{server.url}/admin"
    screens.shot(desk, "imported-1280x800", shots)
    with desk.context.expect_page() as opened_copy:
        notice.get_by_role("button", name=re.compile("^Open its console")).click()
    copy_console = opened_copy.value
    expect(copy_console.locator("#stage-column")).to_be_visible()
    copy_id = re.search(r"/w/([0-9a-f]+)/facilitate", copy_console.url)[1]  # type: ignore[index]
    assert copy_id != harbour["id"]
    copy_console.close()
    desk.reload()
    expect(desk.locator("#admin-notice")).to_have_count(0)
    expect(rows_named(desk, "Harbour strategy 2026")).to_have_count(2)

    # Open the original's console from the list: a new tab, with a console key of its own.
    original = desk.locator(f'tr[data-workshop-id="{harbour["id"]}"]')
    with desk.context.expect_page() as opened:
        original.get_by_role("button", name=re.compile("^Open console")).click()
    console = opened.value
    expect(console.locator("#stage-column")).to_be_visible()
    expect(console.locator("body")).to_contain_text("Harbour strategy 2026")
    assert harbour["facilitator_key"] not in console.url and "#" not in console.url
    # Not a facilitator link: the console says so instead of "Keep your facilitator link", and
    # the browser's entry is marked as the admin's (the start page lists it as such).
    note = console.locator("#admin-note")
    expect(note).to_be_visible()
    expect(note.get_by_role("heading")).to_have_text("Opened from the server admin")
    expect(note).to_contain_text(
        "This link stops working when the admin opens this console again. To hand the "
        "workshop to a facilitator, replace the facilitator link (Participants & links → "
        "Replace facilitator link)"
    )
    expect(console.locator("#key-panel")).to_be_hidden()
    console.get_by_role("button", name="Participants & links").click()
    expect(console.get_by_role("button", name="Replace facilitator link")).to_be_visible()
    console.keyboard.press("Escape")
    entry = json.loads(
        console.evaluate(f"localStorage.getItem('sw:facilitator:{harbour['id']}')") or "{}"
    )
    assert entry.get("admin") is True and entry.get("shown") is True, entry
    assert entry["key"] != harbour["facilitator_key"]
    assert not screens.horizontal_overflow(console)
    screens.shot(console, "console-from-admin-1280x800", shots)
    console.reload()  # the key kept: the console opens again, still without the key panel
    expect(console.locator("#stage-column")).to_be_visible()
    expect(console.locator("#key-panel")).to_be_hidden()
    console.close()

    # Delete the copy, through the page that names it.
    desk.locator(f'tr[data-workshop-id="{copy_id}"]').get_by_role(
        "link", name=re.compile("^Delete")
    ).click()
    expect(desk.get_by_role("heading", name="Delete “Harbour strategy 2026”?")).to_be_visible()
    expect(desk.locator("body")).to_contain_text("This cannot be undone.")
    assert not screens.horizontal_overflow(desk)
    assert not screens.axe_violations(desk), screens.axe_violations(desk)
    screens.shot(desk, "delete-1280x800", shots)
    desk.get_by_role("button", name="Delete this workshop").click()
    expect(desk.locator("#admin-notice")).to_have_text("Deleted “Harbour strategy 2026”.")
    expect(rows_named(desk, "Harbour strategy 2026")).to_have_count(1)
    expect(desk.locator(f'tr[data-workshop-id="{copy_id}"]')).to_have_count(0)
    expect(desk.locator(f'tr[data-workshop-id="{harbour["id"]}"]')).to_have_count(1)

    desk.get_by_role("button", name="Log out").click()
    expect(desk.get_by_role("status")).to_have_text("Logged out.")
    expect(desk.get_by_label("Password")).to_be_visible()
    assert not devices.errors, devices.errors
    print(f"admin screenshots: {shots}")


def test_the_admin_is_usable_on_a_320_px_phone(
    devices: Devices, server: LiveServer, shots: Path
) -> None:
    workshop(server, "A rather long workshop title that has to wrap on a narrow phone screen")
    phone = devices.open("admin phone", PHONE, phone=True)
    phone.goto(f"{server.url}/admin")
    assert not screens.horizontal_overflow(phone)
    assert not screens.axe_violations(phone), screens.axe_violations(phone)
    screens.shot(phone, "login-320", shots)
    log_in(phone, server)
    expect(phone.locator("#admin-workshops tbody tr").first).to_be_visible()
    assert not screens.horizontal_overflow(phone), screens.horizontal_overflow(phone)
    assert not screens.axe_violations(phone), screens.axe_violations(phone)
    screens.shot(phone, "list-320", shots)
    screens.shot(phone, "list-320-full", shots, full_page=True)
    # The buttons of a workshop are finger-sized.
    first = phone.locator("#admin-workshops tbody tr").first
    for control in first.locator(".admin-actions :is(a, button)").all():
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44, box
    first.get_by_role("link", name=re.compile("^Delete")).click()
    expect(phone.get_by_role("button", name="Delete this workshop")).to_be_visible()
    assert not screens.horizontal_overflow(phone)
    screens.shot(phone, "delete-320", shots)
    assert not devices.errors, devices.errors


def test_an_admin_console_beside_the_facilitators_own_entry_leaves_it_theirs(
    devices: Devices, server: LiveServer
) -> None:
    """The admin opens a console in the browser that holds the facilitator's own link: the
    console runs on the admin's key, and the browser keeps the facilitator's entry as it was
    (so its start page still lists it, with the key that lasts)."""
    ws = workshop(server, "Shared laptop 2026")
    desk = devices.open("desk", {"width": 1280, "height": 800})
    desk.goto(ws["urls"]["facilitate"])
    expect(desk.locator("#ws-code")).to_have_text(ws["code"])
    log_in(desk, server)
    desk.locator("#admin-search, input[name=q]").first.fill("Shared laptop")
    desk.keyboard.press("Enter")
    row = desk.locator(f'tr[data-workshop-id="{ws["id"]}"]')
    with desk.context.expect_page() as opened:
        row.get_by_role("button", name=re.compile("^Open console")).click()
    console = opened.value
    expect(console.locator("#ws-code")).to_have_text(ws["code"])
    expect(console.locator("#admin-note")).to_be_visible()
    entry = json.loads(
        console.evaluate(f"localStorage.getItem('sw:facilitator:{ws['id']}')") or "{}"
    )
    assert entry.get("key") == ws["facilitator_key"] and "admin" not in entry, entry
    desk.goto(f"{server.url}/")
    expect(desk.locator("#mine-list > li").filter(has_text="Shared laptop 2026")).to_have_count(1)
    # Deleted while the admin's console is open: it says so, and nothing about its key stays.
    request = urllib.request.Request(
        f"{server.url}/api/workshops/{ws['id']}",
        headers={"Authorization": f"Bearer {ws['facilitator_key']}"},
        method="DELETE",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 204
    expect(console.locator("#closed-panel")).to_be_visible()
    expect(console.locator("#admin-note")).to_be_hidden()
    assert not devices.errors, devices.errors
