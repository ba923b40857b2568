"""The server's admin over HTTP (`/admin`, ADMIN_PASSWORD): nothing at all without the
password; only a hash of it kept; a wrong password refused and, after five, rate-limited per
address; every form refused without its session's CSRF token (and nothing changes); the
cookie's flags, including Secure over HTTPS and behind a trusted proxy; 8 hours, logout and a
changed password end a session; the list with search, status, size, last activity and pages;
open console (a key the facilitator's new link revokes), export, import (round trip through the
page, size limit, bad files) and delete with its confirm page."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import select
from werkzeug.test import TestResponse

from tests.apps import make_app
from tests.factories import Room, create_workshop, ok, wait_for
from workshop.persistence import rows
from workshop.persistence.models import Idea, Participant, Stage, Workshop
from workshop.web import admin

PASSWORD = "correct horse battery staple"
PAGE = admin.PAGE_SIZE
FORM_EXPIRED = "The form expired; reload the page."
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_URLS = [
    ("GET", "/admin"),
    ("POST", "/admin"),
    ("DELETE", "/admin"),
    ("POST", "/admin/login"),
    ("GET", "/admin/login"),
    ("POST", "/admin/logout"),
    ("POST", "/admin/workshops/abc/console"),
    ("GET", "/admin/workshops/abc/export.json"),
    ("GET", "/admin/workshops/abc/delete"),
    ("POST", "/admin/workshops/abc/delete"),
    ("POST", "/admin/import"),
    ("GET", "/admin/anything/else"),
]


@pytest.fixture
def admin_app(tmp_path: Path) -> Iterator[Flask]:
    """An app with ADMIN_PASSWORD set (and room for the workshops these tests create)."""
    app = make_app(tmp_path / "admin.sqlite3", ADMIN_PASSWORD=PASSWORD, CREATE_BURST=200)
    yield app
    app.extensions["workshop_db"].dispose()


class Admin:
    """A browser at /admin: its cookie jar, the CSRF token of the last page, and forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def page(self, path: str = "/admin", **kwargs: Any) -> TestResponse:
        """GET a page and keep the CSRF token its forms carry."""
        response = self.client.get(path, **kwargs)
        found = TOKEN_FIELD.search(response.get_data(as_text=True))
        if found:
            self.token = found[1]
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """POST a form with this page's CSRF token (unless `data` names its own)."""
        form = {"csrf_token": self.token, **(data or {})}
        return self.client.post(path, data=form, **kwargs)

    def login(self, password: str = PASSWORD, **kwargs: Any) -> TestResponse:
        self.page("/admin", **kwargs)
        response = self.post("/admin/login", {"password": password}, **kwargs)
        if response.status_code == 303:
            self.page("/admin", **kwargs)
        return response


@pytest.fixture
def admin_client(admin_app: Flask) -> Admin:
    return Admin(admin_app.test_client())


@pytest.fixture
def logged_in(admin_client: Admin) -> Admin:
    assert admin_client.login().status_code == 303
    return admin_client


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def listed_titles(response: TestResponse) -> list[str]:
    return re.findall(r'class="admin-workshop-title">([^<]*)<', text(response))


def workshop_count(app: Flask) -> int:
    with app.extensions["workshop_db"].connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM workshop").scalar_one())


def admin_key_hash(app: Flask, workshop_id: str) -> str | None:
    with app.extensions["workshop_db"].connect() as conn:
        sql = "SELECT admin_key_hash FROM workshop WHERE id = ?"
        value = conn.exec_driver_sql(sql, (workshop_id,)).scalar_one()
        return None if value is None else str(value)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def cookie_header(response: TestResponse) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("sw_admin=")]
    assert len(headers) == 1, response.headers
    return headers[0]


# --------------------------------------------------------------------------- no admin


@pytest.mark.parametrize(("method", "path"), ADMIN_URLS)
def test_without_admin_password_every_admin_url_is_the_normal_404(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, data={"password": "", "csrf_token": "x"})
    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "sw_admin" not in response.headers.get("Set-Cookie", "")


def test_an_empty_admin_password_is_no_admin(tmp_path: Path) -> None:
    app = make_app(tmp_path / "empty.sqlite3", ADMIN_PASSWORD="")
    assert not admin.enabled(app)
    assert app.test_client().get("/admin").status_code == 404
    app.extensions["workshop_db"].dispose()


def test_only_a_hash_of_the_password_is_kept(admin_app: Flask) -> None:
    assert admin.enabled(admin_app)
    assert "ADMIN_PASSWORD" not in admin_app.config
    assert PASSWORD not in repr(dict(admin_app.config))
    state = admin_app.extensions[admin.STATE]
    kept = repr(vars(state)).encode() + state.digest + state.salt
    assert PASSWORD.encode() not in kept
    assert len(state.digest) == 32 and len(state.salt) == 16
    assert state.verifies(PASSWORD) and not state.verifies(PASSWORD + " ")


# --------------------------------------------------------------------------- log in


def test_the_login_form_shows_no_workshop_and_a_wrong_password_is_refused(
    admin_app: Flask, admin_client: Admin
) -> None:
    create_workshop(admin_app.test_client(), title="Hidden from strangers")
    page = admin_client.page()
    assert page.status_code == 200
    assert 'type="password"' in text(page) and "Hidden from strangers" not in text(page)
    wrong = admin_client.post("/admin/login", {"password": "guess"})
    assert wrong.status_code == 401
    assert "Wrong password." in text(wrong)
    assert "Hidden from strangers" not in text(admin_client.page())
    assert admin_client.login().status_code == 303
    assert "Hidden from strangers" in text(admin_client.page())


def test_failed_logins_are_rate_limited_per_address(
    admin_app: Flask, admin_client: Admin, figure: Callable[[str, str], None]
) -> None:
    admin_client.page()
    statuses = [
        admin_client.post("/admin/login", {"password": f"guess {i}"}).status_code for i in range(5)
    ]
    assert statuses == [401] * 5
    # The sixth try is refused before the password is even checked, the right one too.
    limited = admin_client.post("/admin/login", {"password": PASSWORD})
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= admin.LOGIN_INTERVAL
    assert f"try again in {wait} s" in text(limited)
    assert 'type="password"' in text(admin_client.page())  # still not logged in
    # Another address is not held up by this one's guesses.
    other = Admin(admin_app.test_client())
    assert other.login(environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 303
    figure("admin: failed logins", f"5 x 401, then 429 with Retry-After {wait} s (any password)")


def test_the_password_is_compared_whole(admin_client: Admin) -> None:
    for guess in ("", PASSWORD[:-1], PASSWORD.upper(), PASSWORD + "x"):
        admin_client.page()
        assert admin_client.post("/admin/login", {"password": guess}).status_code == 401


# --------------------------------------------------------------------------- CSRF


def test_forms_without_their_sessions_token_are_refused_and_change_nothing(
    admin_app: Flask, logged_in: Admin
) -> None:
    room = Room.create(admin_app, logged_in.client, title="Keep me")
    before = workshop_count(admin_app)
    other = Admin(admin_app.test_client())
    other.page()  # a token of another (logged-out) browser
    for token in ("", "wrong", other.token):
        attempts = [
            logged_in.post(f"/admin/workshops/{room.id}/delete", {"csrf_token": token}),
            logged_in.post(f"/admin/workshops/{room.id}/console", {"csrf_token": token}),
            logged_in.post("/admin/logout", {"csrf_token": token}),
            logged_in.client.post(
                "/admin/import",
                data={"csrf_token": token, "file": (io.BytesIO(b"{}"), "w.json")},
                content_type="multipart/form-data",
            ),
        ]
        for response in attempts:
            assert response.status_code == 400, response.request.path
            assert FORM_EXPIRED in text(response)
        assert workshop_count(admin_app) == before
        assert admin_key_hash(admin_app, room.id) is None
        assert "Keep me" in text(logged_in.page())  # still logged in: logout refused too


def test_the_login_form_needs_its_token_too(admin_client: Admin) -> None:
    admin_client.page()
    for token in ("", "forged"):
        response = admin_client.post("/admin/login", {"password": PASSWORD, "csrf_token": token})
        assert response.status_code == 400
        assert FORM_EXPIRED in text(response)
    assert 'type="password"' in text(admin_client.page())
    # A login post from a browser that never opened the form (another site's form).
    bare = admin_client.client.application.test_client()
    response = bare.post("/admin/login", data={"password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 400


# --------------------------------------------------------------------------- the cookie


def test_the_cookie_is_httponly_lax_for_8_hours_and_not_secure_over_http(
    admin_client: Admin,
) -> None:
    first = cookie_header(admin_client.client.get("/admin"))
    admin_client.page()
    after_login = cookie_header(admin_client.post("/admin/login", {"password": PASSWORD}))
    for header in (first, after_login):
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/admin" in header
        assert "Secure" not in header
    max_age = int(re.search(r"Max-Age=(\d+)", after_login)[1])  # type: ignore[index]
    assert 8 * 3600 - 5 <= max_age <= 8 * 3600


def test_the_cookie_is_secure_over_https(admin_app: Flask) -> None:
    client = admin_app.test_client()
    response = client.get("/admin", base_url="https://localhost")
    assert "Secure" in cookie_header(response)


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusted = make_app(tmp_path / "p.sqlite3", ADMIN_PASSWORD=PASSWORD, FORWARDED_HOPS=1)
    untrusted = make_app(tmp_path / "q.sqlite3", ADMIN_PASSWORD=PASSWORD)
    try:
        behind = trusted.test_client().get("/admin", headers=forwarded)
        assert "Secure" in cookie_header(behind)
        # Without FORWARDED_HOPS a client's own X-Forwarded-Proto is not believed.
        direct = untrusted.test_client().get("/admin", headers=forwarded)
        assert "Secure" not in cookie_header(direct)
    finally:
        trusted.extensions["workshop_db"].dispose()
        untrusted.extensions["workshop_db"].dispose()


def test_a_login_lasts_8_hours(admin_app: Flask, logged_in: Admin) -> None:
    state = admin_app.extensions[admin.STATE]
    stale = {"csrf": "t", "sid": "s", "login_at": int(time.time()) - 8 * 3600 - 1}
    client = admin_app.test_client()
    client.set_cookie("sw_admin", state.signer.dumps(stale), path="/admin")
    response = client.get("/admin")
    assert 'type="password"' in text(response)
    assert "admin-workshops" not in text(response)


def test_a_changed_password_ends_every_session_and_a_restart_keeps_them(
    tmp_path: Path,
) -> None:
    database = tmp_path / "restart.sqlite3"
    first = make_app(database, ADMIN_PASSWORD=PASSWORD)
    browser = Admin(first.test_client())
    assert browser.login().status_code == 303
    cookie = browser.client.get_cookie("sw_admin", path="/admin")
    assert cookie is not None
    restarted = make_app(database, ADMIN_PASSWORD=PASSWORD)
    changed = make_app(database, ADMIN_PASSWORD="a new password")
    try:
        for app, opens in ((restarted, True), (changed, False)):
            client = app.test_client()
            client.set_cookie("sw_admin", cookie.value, path="/admin")
            page = text(client.get("/admin"))
            assert ("Workshops on this server" in page) is opens
            assert ('type="password"' in page) is not opens
    finally:
        for app in (first, restarted, changed):
            app.extensions["workshop_db"].dispose()


def test_logout_ends_the_session_even_for_a_kept_cookie(admin_app: Flask, logged_in: Admin) -> None:
    kept = logged_in.client.get_cookie("sw_admin", path="/admin")
    assert kept is not None
    response = logged_in.post("/admin/logout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin")
    page = logged_in.page()
    assert "Logged out." in text(page) and 'type="password"' in text(page)
    replay = admin_app.test_client()
    replay.set_cookie("sw_admin", kept.value, path="/admin")
    assert 'type="password"' in text(replay.get("/admin"))
    assert replay.get("/admin/workshops/x/delete").status_code == 401


def test_logged_out_every_admin_page_but_the_login_answers_401(
    admin_app: Flask, admin_client: Admin
) -> None:
    room = Room.create(admin_app, admin_client.client, title="Private")
    admin_client.page()
    refused = [
        admin_client.client.get(f"/admin/workshops/{room.id}/export.json"),
        admin_client.client.get(f"/admin/workshops/{room.id}/delete"),
        admin_client.post(f"/admin/workshops/{room.id}/delete"),
        admin_client.post(f"/admin/workshops/{room.id}/console"),
        admin_client.post("/admin/logout"),
        admin_client.client.get(
            f"/admin/workshops/{room.id}/export.json", headers=bearer(room.key)
        ),
    ]
    for response in refused:
        assert response.status_code == 401, response.request.path
        assert 'type="password"' in text(response)
        assert "Private" not in text(response)
    assert workshop_count(admin_app) == 1
    assert admin_key_hash(admin_app, room.id) is None


# --------------------------------------------------------------------------- the list


def test_the_list_has_every_workshop_with_its_figures_newest_activity_first(
    admin_app: Flask, logged_in: Admin
) -> None:
    client = logged_in.client
    older = Room.create(admin_app, client, title="Harbour 2026", organization="Port Authority")
    newer = Room.create(admin_app, client, title="Library day")
    first = text(logged_in.page())
    assert listed_titles(logged_in.page()) == ["Library day", "Harbour 2026"]
    assert "Port Authority" in first and older.code in first and older.id in first
    # People joining the older one make it the latest activity.
    time.sleep(0.01)
    older.participant("Ana")
    older.participant("Ben")
    page = logged_in.page()
    assert listed_titles(page) == ["Harbour 2026", "Library day"]
    row = re.search(rf'<tr data-workshop-id="{older.id}">(.*?)</tr>', text(page), re.S)[1]  # type: ignore[index]
    assert re.search(r'data-label="People" class="num">2<', row)
    with admin_app.app_context():
        from workshop.persistence.db import get_db

        counted = sum(rows.count_rows(get_db(), older.id).values())
    assert f"{counted:,} rows" in row
    assert re.search(r"\d+(\.\d)? KB|\d+ bytes", row)
    assert newer.id in text(page)


def test_search_by_title_organisation_code_or_id_and_status(
    admin_app: Flask, logged_in: Admin
) -> None:
    client = logged_in.client
    harbour = Room.create(admin_app, client, title="Harbour 2026", organization="Port Authority")
    library = Room.create(admin_app, client, title="Library day", organization="Städtische Bühne")
    done = Room.started(admin_app, client, title="Finished retreat")
    ok(done.facilitator(), "workshop:finish")

    def found(**query: str) -> list[str]:
        return listed_titles(logged_in.page("/admin", query_string=query))

    assert found(q="harbour") == ["Harbour 2026"]
    assert found(q="PORT auth") == ["Harbour 2026"]
    assert found(q="städtische") == ["Library day"]
    assert found(q=library.code.lower()) == ["Library day"]
    assert found(q=harbour.id[:10]) == ["Harbour 2026"]
    assert found(status="finished") == ["Finished retreat"]
    assert set(found(status="active")) == {"Harbour 2026", "Library day"}
    assert found(q="retreat", status="active") == []
    empty = logged_in.page("/admin", query_string={"q": "nothing like it"})
    assert "No workshop matches “nothing like it”" in text(empty)
    # Search words are shown as text, never as markup.
    odd = logged_in.page("/admin", query_string={"q": '"><script>x</script>'})
    assert "<script>x</script>" not in text(odd)


def test_the_list_is_paged_50_at_a_time(admin_app: Flask, logged_in: Admin) -> None:
    for number in range(53):
        create_workshop(logged_in.client, title=f"Workshop {number:02d}")
    first = logged_in.page()
    assert len(listed_titles(first)) == 50
    assert "Page 1 of 2" in text(first) and "53 in all" in text(first)
    second = logged_in.page("/admin", query_string={"page": "2"})
    assert len(listed_titles(second)) == 3
    assert set(listed_titles(first)).isdisjoint(listed_titles(second))
    beyond = logged_in.page("/admin", query_string={"page": "99"})
    assert listed_titles(beyond) == listed_titles(second)


def sqlite_steps(app: Flask) -> Callable[[], int]:
    """Count SQLite's virtual-machine steps (in hundreds) of every statement this thread runs
    from now on: the work a page makes the database do, independent of the machine's speed."""
    steps = [0]
    me = threading.get_ident()

    def tick() -> int:
        if threading.get_ident() == me:
            steps[0] += 1
        return 0

    def count(conn: Any, *_args: Any) -> None:
        conn.connection.dbapi_connection.set_progress_handler(tick, 100)

    event.listen(app.extensions["workshop_db"], "before_cursor_execute", count)
    return lambda: steps[0]


def test_the_list_reads_only_the_shown_page_not_the_whole_server(
    admin_app: Flask, logged_in: Admin, figure: Callable[[str, str], None]
) -> None:
    """A page of the list costs the same however many rows the workshops off that page hold:
    search, order and paging are SQL over the workshop table (and each one's newest idea and
    participant by index); last activity and size are read for the 50 shown only."""
    oldest = create_workshop(logged_in.client, title="Old and big")
    for number in range(PAGE):
        create_workshop(logged_in.client, title=f"Workshop {number:02d}")
    steps = sqlite_steps(admin_app)

    def page_cost() -> int:
        before = steps()
        page = logged_in.page()
        assert len(listed_titles(page)) == PAGE and "Old and big" not in listed_titles(page)
        return steps() - before

    small = min(page_cost() for _ in range(3))
    # The workshop off the page grows big: thousands of people and ideas, from long ago.
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with admin_app.app_context():
        from workshop.persistence.db import get_db

        db = get_db()
        stage = db.exec(select(Stage).where(Stage.workshop_id == oldest["id"])).first()
        assert stage is not None and stage.id is not None
        db.add_all(
            Participant(workshop_id=oldest["id"], token_hash=f"{n:064x}", joined_at=long_ago)
            for n in range(3000)
        )
        db.add_all(
            Idea(workshop_id=oldest["id"], stage_id=stage.id, text=f"Idea {n}", created_at=long_ago)
            for n in range(3000)
        )
        db.commit()
    big = min(page_cost() for _ in range(3))
    print(f"admin list page 1: {small * 100:,} SQLite steps; {big * 100:,} after")
    assert big < small * 1.1, (small, big)
    second = logged_in.page("/admin", query_string={"page": "2"})
    assert listed_titles(second) == ["Old and big"]
    assert re.search(r'data-label="People" class="num">3000<', text(second))
    figure(
        "admin: list page 1 (50 of 51 workshops)",
        f"{small * 100:,} SQLite steps; {big * 100:,} after another workshop got 6,000 rows",
    )


# --------------------------------------------------------------------------- open console


def test_open_console_gives_a_key_that_the_facilitators_new_link_revokes(
    admin_app: Flask, logged_in: Admin
) -> None:
    room = Room.create(admin_app, logged_in.client, title="Open me")
    response = logged_in.post(f"/admin/workshops/{room.id}/console")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert response.headers["Cache-Control"] == "no-store"
    # Marked as the admin's (admin=1): the console says it is not a facilitator link.
    found = re.fullmatch(rf"/w/{room.id}/facilitate#key=([A-Za-z0-9_-]+)&admin=1", location)
    assert found, location
    key = found[1]
    assert key != room.key
    client = logged_in.client
    assert client.get(f"/w/{room.id}/facilitate").status_code == 200
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(key)).status_code == 200
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(room.key)).status_code == 200
    # Opening it again replaces the admin's previous key.
    again = logged_in.post(f"/admin/workshops/{room.id}/console").headers["Location"]
    newer = again.split("#key=")[1].removesuffix("&admin=1")
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(key)).status_code == 401
    # The facilitator replaces their link: the admin's key goes with the old one.
    rotated = client.post(f"/api/workshops/{room.id}/key", headers=bearer(room.key))
    assert rotated.status_code == 200
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(newer)).status_code == 401
    fresh = rotated.get_json()["key"]
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(fresh)).status_code == 200


def test_an_unknown_workshop_is_404(logged_in: Admin) -> None:
    assert logged_in.client.get("/admin/workshops/nope/export.json").status_code == 404
    assert logged_in.client.get("/admin/workshops/nope/delete").status_code == 404
    assert logged_in.post("/admin/workshops/nope/console").status_code == 404


# --------------------------------------------------------------------------- export, import


def test_export_is_a_json_attachment_never_cached(admin_app: Flask, logged_in: Admin) -> None:
    room = Room.started(admin_app, logged_in.client, title="Strategy day 2026")
    room.participant("Ana")
    response = logged_in.client.get(f"/admin/workshops/{room.id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="strategy-day-2026-{room.id}.json"' in disposition
    data = json.loads(response.get_data())
    assert data["format"] == "strategy-workshop" and data["version"] == 1
    assert room.key not in response.get_data(as_text=True)
    assert room.projector_token not in response.get_data(as_text=True)


def import_file(browser: Admin, content: bytes, name: str = "export.json") -> TestResponse:
    """Post the import form with this file, as the page does."""
    return browser.client.post(
        "/admin/import",
        data={"csrf_token": browser.token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_import_through_the_page_makes_a_new_workshop_with_a_console_button(
    admin_app: Flask, logged_in: Admin, figure: Callable[[str, str], None]
) -> None:
    room = Room.started(admin_app, logged_in.client, title="Round trip 2026")
    sock = room.participant("Ana").sock
    stage = room.stage_ids()
    ok(sock, "idea:submit", {"stage_id": next(iter(stage.values())), "text": "Open data"})
    exported = logged_in.client.get(f"/admin/workshops/{room.id}/export.json").get_data()
    logged_in.page()
    response = import_file(logged_in, exported, "round-trip.json")
    # Post/Redirect/Get: the list is a GET, so reloading it imports nothing again.
    assert response.status_code == 303, text(response)
    assert response.headers["Location"].endswith("/admin")
    assert workshop_count(admin_app) == 2
    page = logged_in.page()
    assert "Imported “Round trip 2026” as a new workshop" in text(page)
    assert listed_titles(page).count("Round trip 2026") == 2
    new_id = re.search(
        r'action="/admin/workshops/([0-9a-f]+)/console"', text(page).split('id="admin-notice"')[1]
    )[1]  # type: ignore[index]
    assert new_id != room.id
    assert 'id="admin-notice-console"' in text(page) and "#key=" not in text(page)
    # No key was minted for the notice: the button mints one when used.
    assert admin_key_hash(admin_app, new_id) is None
    for _reload in range(2):
        again = logged_in.page()
        assert listed_titles(again).count("Round trip 2026") == 2
        assert "Imported “Round trip 2026”" not in text(again)  # said once
    assert workshop_count(admin_app) == 2
    opened = logged_in.post(f"/admin/workshops/{new_id}/console")
    assert opened.status_code == 303
    key = re.fullmatch(
        rf"/w/{new_id}/facilitate#key=([A-Za-z0-9_-]+)&admin=1", opened.headers["Location"]
    )[1]  # type: ignore[index]
    state = logged_in.client.get(f"/api/workshops/{new_id}", headers=bearer(key))
    assert state.status_code == 200
    original = room.facilitator_state()
    copy = state.get_json()
    assert copy["workshop"]["title"] == original["workshop"]["title"]
    assert [s["title"] for s in copy["stages"]] == [s["title"] for s in original["stages"]]
    figure("admin: import round trip", f"{len(exported):,}-byte export imported via the page")


def finished_export(app: Flask, browser: Admin, title: str, finished_at: str) -> bytes:
    """The export of a finished workshop, as if it had finished at `finished_at`."""
    room = Room.started(app, browser.client, title=title)
    ok(room.facilitator(), "workshop:finish")
    data = json.loads(browser.client.get(f"/admin/workshops/{room.id}/export.json").get_data())
    data["workshop"]["finished_at"] = finished_at
    return json.dumps(data).encode()


def test_the_import_notice_says_when_retention_will_delete_the_workshop(tmp_path: Path) -> None:
    app = make_app(tmp_path / "retain.sqlite3", ADMIN_PASSWORD=PASSWORD, RETENTION_DAYS=30)
    try:
        browser = Admin(app.test_client())
        assert browser.login().status_code == 303
        old = finished_export(app, browser, "Retreat 2019", "2019-03-14T10:00:00+00:00")
        assert import_file(browser, old).status_code == 303
        page = text(browser.page())
        assert "Imported “Retreat 2019” as a new workshop" in page
        assert (
            "This server deletes finished workshops after 30 days (RETENTION_DAYS); this one "
            "finished on 14 Mar 2019, so the next daily purge deletes it." in page
        )
        assert 'class="notice warn admin-notice"' in page
        recent = datetime.now(UTC) - timedelta(days=2)
        fresh = finished_export(app, browser, "Fresh 2026", recent.isoformat())
        browser.page()
        assert import_file(browser, fresh).status_code == 303
        due = (recent + timedelta(days=30)).strftime("%-d %b %Y")
        assert f"so it is deleted after {due}." in text(browser.page())
    finally:
        app.extensions["workshop_db"].dispose()
    # Without RETENTION_DAYS nothing is said about it.
    plain = make_app(tmp_path / "plain.sqlite3", ADMIN_PASSWORD=PASSWORD)
    try:
        browser = Admin(plain.test_client())
        assert browser.login().status_code == 303
        old = finished_export(plain, browser, "Retreat 2019", "2019-03-14T10:00:00+00:00")
        assert import_file(browser, old).status_code == 303
        page = text(browser.page())
        assert "Imported “Retreat 2019”" in page and "RETENTION_DAYS" not in page
    finally:
        plain.extensions["workshop_db"].dispose()


def test_import_refuses_what_is_not_an_export_and_stores_nothing(
    admin_app: Flask, logged_in: Admin
) -> None:
    before = workshop_count(admin_app)
    logged_in.page()
    files = [
        (b"\x89PNG not json", "picture.png", "is not a workshop export"),
        (b'{"format": "something else"}', "other.json", "Not imported:"),
        (b"[1, 2, 3]", "list.json", "Not imported:"),
    ]
    for content, name, message in files:
        response = logged_in.client.post(
            "/admin/import",
            data={"csrf_token": logged_in.token, "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, text(response)
        assert message in text(response)
    missing = logged_in.post("/admin/import")
    assert missing.status_code == 400 and "Choose an export file" in text(missing)
    assert workshop_count(admin_app) == before


def test_import_takes_up_to_max_import_bytes(tmp_path: Path) -> None:
    """The import's own limit, above the other routes' (MAX_CONTENT_LENGTH) and enforced."""
    app = make_app(
        tmp_path / "limit.sqlite3",
        ADMIN_PASSWORD=PASSWORD,
        MAX_CONTENT_LENGTH=4096,
        MAX_IMPORT_BYTES=20_000,
    )
    try:
        browser = Admin(app.test_client())
        assert browser.login().status_code == 303

        def upload(size: int) -> TestResponse:
            content = b"x" * size  # not JSON: the size is what is checked first
            return browser.client.post(
                "/admin/import",
                data={"csrf_token": browser.token, "file": (io.BytesIO(content), "big.json")},
                content_type="multipart/form-data",
            )

        within = upload(10_000)  # over MAX_CONTENT_LENGTH, within MAX_IMPORT_BYTES
        assert within.status_code == 400 and "is not a workshop export" in text(within)
        over = upload(30_000)
        assert over.status_code == 413
        assert "larger than 20 KB" in text(over) and "MAX_IMPORT_BYTES" in text(over)
        assert workshop_count(app) == 0
        # Other routes keep MAX_CONTENT_LENGTH.
        big = browser.client.post("/api/workshops", json={"title": "x" * 5000})
        assert big.status_code == 413
    finally:
        app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- delete


def test_delete_asks_first_then_removes_every_row_and_closes_the_room(
    admin_app: Flask, logged_in: Admin
) -> None:
    keep = Room.create(admin_app, logged_in.client, title="Keep this one")
    room = Room.started(admin_app, logged_in.client, title="Old retreat 2019")
    phone = room.participant("Ana")
    confirm = logged_in.page(f"/admin/workshops/{room.id}/delete")
    assert confirm.status_code == 200
    assert "Delete “Old retreat 2019”?" in text(confirm)
    assert "cannot be undone" in text(confirm)
    # What the export leaves out, which the delete removes too, is said before it is too late.
    assert "but its share links and the agendas saved from it" in text(confirm)
    assert workshop_count(admin_app) == 2  # asking deletes nothing
    response = logged_in.post(f"/admin/workshops/{room.id}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin")
    page = logged_in.page()
    assert "Deleted “Old retreat 2019”." in text(page)
    assert listed_titles(page) == ["Keep this one"]
    assert "Deleted “Old retreat 2019”." not in text(logged_in.page())  # said once
    with admin_app.app_context():
        from workshop.persistence.db import get_db

        db = get_db()
        assert sum(rows.count_rows(db, room.id).values()) == 0
        assert db.get(Workshop, keep.id) is not None
    # The phone was told and disconnected (tests/test_delete.py checks the notice itself).
    try:
        closed = wait_for(phone.sock, "workshop:closed")
    except RuntimeError:  # disconnected by the server before this read
        closed = []
    assert (closed and closed[0]["reason"] == "removed") or not phone.sock.is_connected()
    if closed:
        assert closed[0]["message"] == "This workshop was deleted by the server's administrator."
    assert logged_in.client.get(f"/admin/workshops/{room.id}/delete").status_code == 404
