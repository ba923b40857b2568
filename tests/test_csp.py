"""Content Security Policy (guarantee 6): every page, error and share pages and the plan's HTML
included, sends a policy whose sockets go back to this server only (and PUBLIC_URL's origin),
that no other site may frame, with `base-uri` and `form-action`, and without inline scripts or
(on the app's pages) inline styles; in a real browser the main screens raise no violation in
normal use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import socketio
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Page

from tests import apps
from tests.chromium import skip_module_without_chromium
from tests.factories import Room, ok
from tests.server import LiveServer, http
from tests.test_admin import PASSWORD, Admin
from workshop import create_app

PUBLIC = "https://workshop.example.org"
# What a policy may let a page connect to, besides its own origin.
WILDCARDS = {"*", "ws:", "wss:", "http:", "https:", "data:", "blob:"}
VIOLATION_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def policy(header: str | None) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]} (the first of a repeated directive wins)."""
    assert header, "no Content-Security-Policy header"
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed.setdefault(words[0].lower(), words[1:])
    return parsed


def effective(parsed: dict[str, list[str]], directive: str) -> list[str]:
    """A fetch directive falls back to default-src; none at all allows everything."""
    return parsed.get(directive, parsed.get("default-src", ["*"]))


def allowed_connect(public_url: str | None) -> set[str]:
    allowed = {"'self'", "'none'"}
    if public_url:
        origin = public_url.rstrip("/")
        secure = origin.startswith("https://")
        host = origin.split("://", 1)[1]
        allowed |= {origin, f"{'wss' if secure else 'ws'}://{host}"}
    return allowed


def policy_problems(
    header: str | None, *, app_page: bool, public_url: str | None = None
) -> list[str]:
    """Everything wrong with one page's policy, as readable lines."""
    parsed = policy(header)
    problems: list[str] = []
    connect = effective(parsed, "connect-src")
    extra = set(connect) - allowed_connect(public_url)
    if extra:
        problems.append(f"connect-src allows {sorted(extra)}")
    if set(connect) & WILDCARDS:
        problems.append(f"connect-src has a wildcard: {connect}")
    if parsed.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {parsed.get('frame-ancestors')}, not 'none'")
    if parsed.get("base-uri") not in (["'none'"], ["'self'"]):
        problems.append(f"base-uri is {parsed.get('base-uri')}")
    if parsed.get("form-action") not in (["'self'"], ["'none'"]):
        problems.append(f"form-action is {parsed.get('form-action')}")
    scripts = effective(parsed, "script-src")
    for word in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        if word in scripts:
            problems.append(f"script-src allows {word}")
    if app_page and "'unsafe-inline'" in effective(parsed, "style-src"):
        problems.append("style-src allows 'unsafe-inline' on an app page")
    if "'none'" not in effective(parsed, "object-src") and "object-src" in parsed:
        problems.append(f"object-src is {parsed['object-src']}")
    return problems


# --------------------------------------------------------------------------- every page, over HTTP


def finished_with_share(room: Room) -> str:
    """Finish the room's workshop and open a share link; returns the share page's path."""
    facilitator = room.facilitator()
    ok(facilitator, "workshop:finish", {})
    response = room.client.post(
        f"/api/workshops/{room.id}/shares", headers={"Authorization": f"Bearer {room.key}"}
    )
    assert response.status_code == 201, response.get_json()
    url: str = response.get_json()["url"]
    return "/s/" + url.rsplit("/s/", 1)[1]


def every_page(room: Room, share: str) -> dict[str, tuple[str, bool]]:
    """name → (path, is an app page rather than a plan document)."""
    return {
        "start page": ("/", True),
        "phone page": (f"/j/{room.code}", True),
        "console": (f"/w/{room.id}/facilitate", True),
        "projector": (f"/w/{room.id}/present", True),
        "review": (f"/w/{room.id}/review", True),
        "404 page (unknown join code)": ("/j/ZZZZZZ", True),
        "404 page (unknown path)": ("/no/such/page", True),
        "404 page (unknown workshop)": ("/w/0000000000000000/facilitate", True),
        "share page": (share, False),
        "plan HTML": (f"/api/workshops/{room.id}/plan.html?token={room.key}", False),
        "share's plan HTML": (f"{share}/plan.html", False),
    }


def check_every_page(
    client: FlaskClient, room: Room, *, public_url: str | None
) -> tuple[int, list[str]]:
    share = finished_with_share(room)
    problems: list[str] = []
    checked = 0
    for name, (path, app_page) in every_page(room, share).items():
        response = client.get(path, headers={"Authorization": f"Bearer {room.key}"})
        if response.mimetype != "text/html":
            problems.append(f"{name} {path}: {response.status_code} {response.mimetype}, no page")
            continue
        header = response.headers.get("Content-Security-Policy")
        if header is None:
            problems.append(f"{name} {path}: no Content-Security-Policy")
            continue
        checked += 1
        found = policy_problems(header, app_page=app_page, public_url=public_url)
        problems += [f"{name} {path}: {problem}" for problem in found]
        if len(response.headers.getlist("Content-Security-Policy")) != 1:
            problems.append(f"{name} {path}: more than one CSP header")
    return checked, problems


def test_every_page_has_a_tight_policy(
    client: FlaskClient, room: Room, figure: Callable[[str, str], None]
) -> None:
    checked, problems = check_every_page(client, room, public_url=None)
    assert not problems, "\n".join(problems)
    figure("CSP pages", f"{checked} pages (app, 404, share, plan HTML): no policy problem")


@pytest.fixture
def public_app(tmp_path: Path) -> Iterator[Flask]:
    app = apps.make_app(tmp_path / "public.sqlite3", PUBLIC_URL=PUBLIC + "/")
    yield app
    app.extensions["workshop_db"].dispose()


def test_public_url_adds_its_own_origin_and_nothing_else(public_app: Flask) -> None:
    client = public_app.test_client()
    room = Room.create(public_app, client)
    try:
        checked, problems = check_every_page(client, room, public_url=PUBLIC)
        assert not problems, "\n".join(problems)
        assert checked >= 10
        header = client.get(f"/w/{room.id}/facilitate").headers["Content-Security-Policy"]
        connect = policy(header)["connect-src"]
        assert "'self'" in connect
        assert {PUBLIC, "wss://workshop.example.org"} <= set(connect), connect
    finally:
        room.close()


def test_the_host_header_never_widens_connect_src(tmp_path: Path) -> None:
    """Even where every Host is accepted (ALLOWED_HOSTS=*), a forged Host adds no origin."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'host.sqlite3'}",
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "",
            "ALLOWED_HOSTS": "*",
        }
    )
    try:
        response = app.test_client().get("/", headers={"Host": "evil.example:8080"})
        assert response.status_code == 200
        header = response.headers["Content-Security-Policy"]
        assert "evil.example" not in header
        assert policy(header)["connect-src"] == ["'self'"]
    finally:
        app.extensions["workshop_db"].dispose()


@pytest.mark.parametrize(
    ("header", "wrong"),
    [
        ("default-src 'self'; connect-src 'self' ws: wss:", "wildcard"),
        ("default-src 'self'; connect-src 'self' https://evil.example", "connect-src allows"),
        ("default-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'self'", "frame"),
        ("default-src 'self'; frame-ancestors 'none'; form-action 'self'", "base-uri"),
        ("default-src 'self'; script-src 'self' 'unsafe-inline'", "script-src"),
        ("default-src 'self'; style-src 'self' 'unsafe-inline'", "style-src"),
    ],
)
def test_the_checker_catches_what_it_should(header: str, wrong: str) -> None:
    """The checker itself: each known-bad policy is caught."""
    problems = policy_problems(header, app_page=True)
    assert any(wrong in problem for problem in problems), problems


# --------------------------------------------------------------------------- in the browser

browser_only = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("csp") / "csp.sqlite3") as live:
        yield live


class Watched:
    """Pages whose CSP violations (events and console lines) are all kept."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.add_init_script(VIOLATION_LISTENER)
        self.violations: list[str] = []
        self.errors: list[str] = []

    def open(self, name: str, url: str) -> Page:
        page = self.context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            text = message.text
            if "Content Security Policy" in text or "Refused to" in text:
                self.violations.append(f"{name} (console): {text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.goto(url)
        return page

    def collect(self, name: str, page: Page) -> None:
        found = page.evaluate("window.__csp || []")
        self.violations += [f"{name}: {line}" for line in found]


@browser_only
def test_no_violation_on_the_main_screens_in_normal_use(
    browser: Browser, server: LiveServer, figure: Callable[[str, str], None]
) -> None:
    skip_module_without_chromium()
    base = server.url
    created = http(f"{base}/api/workshops", "POST", {"title": "Harbour 2031"})
    workshop_id, key, code = created["id"], created["facilitator_key"], created["code"]
    projector_url = created.get("projector_url") or created["urls"]["present"]
    watched = Watched(browser)
    screens: dict[str, Page] = {}
    facilitator = socketio.Client(reconnection=False)
    voter = socketio.Client(reconnection=False)
    try:
        screens["start page"] = watched.open("start page", f"{base}/")
        screens["start page"].wait_for_selector("#template option", state="attached")
        console = watched.open("console", created["urls"]["facilitate"])
        screens["console"] = console
        console.get_by_role("button", name="I have saved it").click()
        screens["projector"] = watched.open("projector", projector_url)
        phone = watched.open("phone", f"{base}/j/{code}")
        screens["phone"] = phone
        phone.fill("#name", "Bo")
        phone.get_by_role("button", name="Join the workshop").click()
        phone.wait_for_selector("#who")

        # Normal use over the sockets while the screens follow: start, ideas, vote, finish.
        facilitator.connect(base, transports=["websocket"])
        voter.connect(base, transports=["websocket"])
        state = facilitator.call("facilitate", {"workshop_id": workshop_id, "key": key})["state"]
        assert voter.call("join", {"code": code, "name": "Cy"})["ok"]
        stage = state["stages"][0]["id"]
        assert facilitator.call("stage:phase", {"stage_id": stage, "phase": "brainstorm"})["ok"]
        phone.get_by_role("textbox", name="Your idea").fill("Electrify every crane")
        phone.keyboard.press("Enter")
        for text in ("Rail share above 40 %", "Publish emissions monthly"):
            assert voter.call("idea:submit", {"stage_id": stage, "text": text})["ok"]
        console.wait_for_function("document.body.innerText.includes('Publish emissions')")
        assert facilitator.call("stage:phase", {"stage_id": stage, "phase": "vote"})["ok"]
        console.wait_for_timeout(300)
        assert facilitator.call("workshop:finish", {})["ok"]
        console.wait_for_timeout(500)
        share = http(f"{base}/api/workshops/{workshop_id}/shares", "POST", {}, key)["url"]
        screens["review"] = watched.open("review", f"{base}/w/{workshop_id}/review#key={key}")
        screens["review"].wait_for_selector("#review-base")
        screens["plan HTML"] = watched.open(
            "plan HTML", f"{base}/api/workshops/{workshop_id}/plan.html?token={key}"
        )
        screens["share page"] = watched.open("share page", share)
        screens["404 page"] = watched.open("404 page", f"{base}/j/ZZZZZZ")
        for name, page in screens.items():
            page.wait_for_load_state("load")
            watched.collect(name, page)
        assert not watched.violations, "\n".join(watched.violations)
        assert not watched.errors, "\n".join(watched.errors)
        figure("CSP in the browser", f"{len(screens)} screens in normal use: 0 violations")
    finally:
        for client in (facilitator, voter):
            if client.connected:
                client.disconnect()
        watched.context.close()


def test_the_admin_pages_have_the_same_tight_policy(
    tmp_path: Path, figure: Callable[[str, str], None]
) -> None:
    """The admin's pages (ADMIN_PASSWORD set) are app pages like the others: the login form,
    the list, the delete confirmation."""
    app = apps.make_app(tmp_path / "admin.sqlite3", ADMIN_PASSWORD=PASSWORD)
    try:
        admin = Admin(app.test_client())
        room = Room.create(app, admin.client, title="Checked")
        pages = {"login": admin.page("/admin")}
        assert admin.login().status_code == 303
        pages["list"] = admin.page("/admin")
        pages["search"] = admin.page("/admin?q=checked")
        pages["delete confirmation"] = admin.page(f"/admin/workshops/{room.id}/delete")
        problems: list[str] = []
        for name, response in pages.items():
            assert response.status_code == 200 and response.mimetype == "text/html", name
            header = response.headers.get("Content-Security-Policy", "")
            problems += [
                f"{name}: {problem}"
                for problem in policy_problems(header, app_page=True, public_url=None)
            ]
        assert not problems, "\n".join(problems)
        figure("CSP admin pages", f"{len(pages)} pages: no policy problem")
    finally:
        app.extensions["workshop_db"].dispose()
