"""Every screen in every phase, measured: a browser journey through the UI alone.

One console (1280x800), the room's screen at 1920x1080 and at 1280x720, and five phones (320,
360, 375, 390 and 412 px wide; the 375 one prefers a dark colour scheme) run a
`full-strategic-plan` day from the lobby to the finished plan, then a `prioritise-projects` day
with 30 projects in one stage (rate, allocate and a Schulze rank, open and revealed). The
phones take part through their own screens (ideas, dots, orders, links, suggestions, ratings,
points); the console moves on with its buttons.

In every phase every screen is measured (tests/screens.py) and photographed:
- the room's screen: it never scrolls, nothing is cut off, no text under 24 px at 1920x1080
  (16 px at 1280x720), no word broken mid-word, zero serious or critical axe-core violations;
- the phones: no sideways scrolling at the device width, no text under 16 px, no touch target
  under 44x44 px, no word broken mid-word, axe-core clean;
- the console: axe-core clean and no sideways scrolling at 1280 px.

Everything found is collected over the whole journey and asserted at the end, so one run
lists everything. With SCREENS_REPORT=<folder> set, the findings go to
<folder>/screens-report.txt and the screenshots to <folder>/shots/ on every run, passing or not.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from playwright.sync_api import Error as PlaywrightError

from tests import screens
from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer

pytestmark = pytest.mark.browser

skip_module_without_chromium()

CONSOLE: ViewportSize = {"width": 1280, "height": 800}
WALLS: dict[str, ViewportSize] = {
    "wall1080": {"width": 1920, "height": 1080},
    "wall720": {"width": 1280, "height": 720},
}
PHONE_WIDTHS = (320, 360, 375, 390, 412)
PHONE_HEIGHT = 700
DARK_PHONES = (375,)  # this phone prefers a dark colour scheme (axe checks its contrast)
NAMES = ("Ana", "Ben", "Cleo", "Dev", "Eli")
SHORT = 5_000  # ms: a phone's own control should be there at once


# --------------------------------------------------------------------------- what a run found


@dataclass
class Report:
    """Findings per phase and screen, notes on the journey itself, and where shots go."""

    shots: Path
    findings: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    journey: list[str] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)
    phases: int = 0
    where: str = ""
    costs: dict[str, float] = field(default_factory=dict)
    axe_runs: int = 0
    flashes: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    axe_skipped: int = 0

    @contextlib.contextmanager
    def cost(self, what: str) -> Iterator[None]:
        """Add the time the block takes to `what` (the report sums where the minutes go)."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.costs[what] = self.costs.get(what, 0.0) + time.monotonic() - started

    def add(self, phase: str, view: str, lines: list[str]) -> None:
        if lines:
            self.findings.setdefault(phase, {}).setdefault(view, []).extend(lines)

    def note(self, line: str) -> None:
        """Something the journey could not do through the UI (it carries on without it)."""
        self.journey.append(f"{self.where}: {line}" if self.where else line)

    def lines(self) -> list[str]:
        out: list[str] = []
        for phase, views in self.findings.items():
            for view, found in views.items():
                out.extend(f"{phase} {view}: {line}" for line in found)
        return out + [f"journey: {line}" for line in self.journey]

    def summary(self) -> str:
        """Every finding, grouped by what is wrong (so one cause is one paragraph), then by
        phase and screen."""
        by_rule: dict[str, list[str]] = {}
        for phase, views in self.findings.items():
            for view, found in views.items():
                for line in found:
                    rule = re.sub(r"\d+(\.\d+)?", "N", line.split(":", 1)[0])[:80]
                    by_rule.setdefault(rule, []).append(f"{phase} {view}: {line}")
        parts = [
            "Screens report (tests/test_browser_screens.py)",
            time.strftime("written %Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            f"{self.phases} phases measured; {len(self.lines())} findings; screenshots: "
            f"{self.shots}",
            f"phones {', '.join(map(str, PHONE_WIDTHS))} px wide; "
            f"{', '.join(map(str, DARK_PHONES))} prefers a dark colour scheme",
            "time spent: "
            + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in self.costs.items()),
            f"axe-core ran {self.axe_runs} times; {self.axe_skipped} screens had the structure "
            "of one already checked in the same phase",
            *self.runs,
            "",
            "== Journey (what the test could not do through the UI) ==",
            *(self.journey or ["(nothing)"]),
            "",
            "== Fitted within a second (not counted as findings) ==",
            *(self.flashes or ["(nothing)"]),
            "",
            "== Findings by kind (count: kind) ==",
        ]
        for rule, lines in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
            parts.append(f"{len(lines):4d}: {rule}")
        parts += ["", "== Findings by phase and screen =="]
        for phase, views in self.findings.items():
            parts.append(f"-- {phase}")
            for view, found in views.items():
                parts.extend(f"   {view}: {line}" for line in found)
        parts += ["", "== Time per phase ==", *self.timings]
        return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- the screens


@dataclass
class View:
    name: str
    kind: str  # "console", "wall" or "phone"
    page: Page
    floor: float = 0.0
    dark: bool = False  # prefers-color-scheme: dark


class Room:
    """The screens of the journey: one browser context each, like separate devices."""

    def __init__(self, browser: Browser, server: LiveServer, report: Report) -> None:
        self.browser = browser
        self.url = server.url
        self.report = report
        self.contexts: list[BrowserContext] = []
        self.views: dict[str, View] = {}
        self.errors: list[str] = []
        self.workshop_id = ""
        self.key = ""
        self.code = ""
        self.counter = 0
        self.prefix = ""

    def open(
        self,
        name: str,
        kind: str,
        viewport: ViewportSize,
        *,
        phone: bool = False,
        dark: bool = False,
    ) -> Page:
        context = self.browser.new_context(
            color_scheme="dark" if dark else "light",
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
            # Bars and scatters grow in over a moment; the measure is of the drawn screen.
            reduced_motion="reduce",
        )
        screens.watch_mutations(context)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        floor = screens.floor_for(viewport["width"], viewport["height"]) if kind == "wall" else 0
        self.views[name] = View(name, kind, page, floor, dark)
        return page

    @property
    def console(self) -> Page:
        return self.views["console"].page

    def phones(self) -> list[Page]:
        return [v.page for v in self.views.values() if v.kind == "phone"]

    def walls(self) -> list[Page]:
        return [v.page for v in self.views.values() if v.kind == "wall"]

    def pages(self) -> list[Page]:
        return [v.page for v in self.views.values()]

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    # ----------------------------------------------------------------- state (read only)

    def state(self) -> Any:
        """The facilitator's snapshot over HTTP: the test reads it to know where it is."""
        request = urllib.request.Request(
            f"{self.url}/api/workshops/{self.workshop_id}",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def current(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The snapshot and its current stage."""
        state = self.state()
        stage = next(s for s in state["stages"] if s["id"] == state["current"]["stage_id"])
        return state, stage

    def wait_for(self, test: Callable[[Any], bool], what: str, timeout: float = 8.0) -> bool:
        """Poll the snapshot until `test` holds; a note (not a failure) when it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if test(self.state()):
                return True
            time.sleep(0.1)
        self.report.note(f"the server never had {what} within {timeout:.0f} s")
        return False

    # ----------------------------------------------------------------- measuring

    def marks(self) -> dict[Page, int]:
        return {page: screens.changes(page) for page in self.pages()}

    def measure(self, label: str, since: dict[Page, int] | None = None) -> None:
        """Wait until the screens are still, then measure and photograph every one."""
        self.counter += 1
        phase = f"{self.prefix}-{self.counter:02d}-{label}"
        with self.report.cost("waiting for screens to settle"):
            slow = screens.settle(self.pages(), since=since, timeout=8.0)
        for page in slow:
            name = next(v.name for v in self.views.values() if v.page is page)
            self.report.note(f"{phase}: {name} did not redraw (or never went still) in 8 s")
        started = time.monotonic()
        moment = "lobby" if label == "lobby" else "finished" if label == "finished" else "running"
        for view in self.views.values():
            page = view.page
            with self.report.cost("checks"):
                found = contract(view, moment, label, len(self.phones()))
                self.report.add(phase, view.name, found)
                if view.kind == "wall":
                    found = screens.projector_violations(page, floor_px=view.floor)
                    if found:
                        found = self.recheck(phase, view, found)
                    found += screens.mid_word_breaks(page)
                elif view.kind == "phone":
                    found = screens.phone_violations(page)
                    found += screens.mid_word_breaks(page)
                else:
                    found = screens.horizontal_overflow(page)
            self.report.add(phase, view.name, found)
            with self.report.cost("screenshots"):
                screens.shot(page, f"{phase}-{view.name}", self.report.shots)
        with self.report.cost("axe"):
            # axe-core once per distinct structure of a kind of screen: the five phones
            # usually draw the same elements at five widths (what differs with the width,
            # overflow, text size and targets, the checks above measure on every phone).
            checked: dict[tuple[str, str, str], str] = {}
            copies: dict[str, str] = {}
            for view in self.views.values():
                shape = (view.kind, str(view.dark), screens.structure(view.page))
                if shape in checked:
                    copies[view.name] = checked[shape]
                    continue
                checked[shape] = view.name
                screens.start_axe(view.page)
            for view in self.views.values():
                if view.name not in copies:
                    self.report.add(phase, view.name, screens.axe_findings(view.page))
            self.report.axe_runs += len(checked)
            self.report.axe_skipped += len(copies)
        self.report.phases += 1
        self.report.timings.append(f"  {phase}: measured in {time.monotonic() - started:.1f} s")

    def recheck(self, phase: str, view: View, found: list[str]) -> list[str]:
        """A room's screen that does not fit yet may still be fitting itself: measured again a
        second later, what went is reported as a flash (not a failure), what stayed stays."""
        time.sleep(1.0)
        later = screens.projector_violations(view.page, floor_px=view.floor)
        gone = [line for line in found if line not in later]
        if gone and not later:
            self.report.flashes.append(f"{phase} {view.name}: for a moment: {gone[0]}")
        return later

    # ----------------------------------------------------------------- soft UI actions

    def attempt(self, what: str, action: Callable[[], object]) -> bool:
        """Do one thing through a screen; if that screen cannot, note it and carry on."""
        try:
            action()
        except (PlaywrightError, AssertionError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.report.note(f"{what}: {first[:200]}")
            return False
        return True


# What the screens promise each other (the contracts of issue 13), checked in one evaluate:
# the console's Start or Next is in view; the room's screen keeps its join strip in view after
# the lobby, counts everyone who joined and draws a bar chart after a dot-vote or points
# reveal; a phone always has its status line, never says "Ctrl+Enter", and after a step change
# it is at the top with the focus on the stage heading.
_CONTRACT_JS = """([kind, moment, moved, label, people]) => {
  const found = [];
  const inView = (selector, what) => {
    const el = document.querySelector(selector);
    if (!el || !el.checkVisibility()) { found.push(`${what} (${selector}) is not shown`); return; }
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1) {
      const [x, y] = [Math.round(r.left), Math.round(r.top)];
      const [x2, y2] = [Math.round(r.right), Math.round(r.bottom)];
      found.push(`${what} (${selector}) is out of view: ${x},${y} to ${x2},${y2}`);
    }
  };
  if (kind === "console" && moment === "lobby") inView("#start-workshop", "the Start button");
  if (kind === "console" && moment === "running") inView("#next-step", "the Next button");
  if (kind === "wall" && moment === "running") inView("#code", "the join code");
  if (kind === "wall" && moment !== "finished") {
    const count = document.querySelector("#count");
    const shown = count ? count.textContent.trim() : "nothing";
    if (shown !== String(people)) found.push(`the count says ${shown} joined, not ${people}`);
  }
  if (kind === "wall" && /-(vote|allocate)-revealed$/.test(label) &&
      !document.querySelector("#main svg")) {
    found.push("no bar chart (an inline SVG in #main) after the reveal");
  }
  if (kind === "phone" && /Ctrl\\+Enter/.test(document.body.innerText)) {
    found.push('the phone says "Ctrl+Enter"');
  }
  if (kind === "phone" && moment !== "finished") {
    const line = document.querySelector(".status-line");
    if (!line || !line.checkVisibility() || !line.textContent.trim()) {
      found.push("no status line (.status-line) saying what is expected now");
    }
  }
  if (kind === "phone" && moved) {
    if (scrollY > 0) {
      found.push(`after the step change the phone is scrolled ${Math.round(scrollY)} px down`);
    }
    const active = document.activeElement;
    if (!active || active.tagName !== "H1") {
      const what = active ? active.tagName.toLowerCase() : "nothing";
      found.push(`after the step change the focus is on ${what}, not the stage heading`);
    }
  }
  return found;
}"""


def contract(view: View, moment: str, label: str, people: int) -> list[str]:
    moved = label.endswith("-open")
    found: list[str] = view.page.evaluate(_CONTRACT_JS, [view.kind, moment, moved, label, people])
    return found


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Playwright's sync API must not run in an eventlet-patched process: the server is separate.
    folder = tmp_path_factory.mktemp("screens")
    with LiveServer(folder / "screens.sqlite3") as live:
        yield live


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """One report for the module; written (with the screenshots) after each test."""
    target = os.environ.get("SCREENS_REPORT")
    shots = Path(target) / "shots" if target else tmp_path_factory.mktemp("shots")
    if target and shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True, exist_ok=True)
    found = Report(shots)
    yield found
    write_report(found)


def write_report(report: Report) -> None:
    target = os.environ.get("SCREENS_REPORT")
    path = Path(target) / "screens-report.txt" if target else report.shots / "report.txt"
    path.write_text(report.summary(), encoding="utf-8")


@pytest.fixture
def room(browser: Browser, server: LiveServer, report: Report) -> Iterator[Room]:
    opened = Room(browser, server, report)
    report.where = ""
    started = time.monotonic()
    try:
        yield opened
    finally:
        opened.close()
        report.runs.append(f"{report.where or 'a room'}: run in {time.monotonic() - started:.0f} s")
        write_report(report)


# --------------------------------------------------------------------------- the journey's moves


def create(room: Room, title: str, template: str) -> None:
    """The start page creates the workshop; the console keeps its key; the screens open."""
    if "console" not in room.views:
        room.open("console", "console", CONSOLE)
    console = room.console
    console.goto(f"{room.url}/")
    expect(console.locator(f"#template option[value='{template}']")).to_be_attached()
    console.get_by_label("Agenda").select_option(template)
    console.get_by_label("Workshop title").fill(title)
    console.get_by_label("Organisation").fill("Riverside Trust")
    console.get_by_role("button", name="Create workshop").click()
    console.wait_for_url(re.compile(r"/w/[0-9a-f]+/facilitate"))
    match = re.search(r"/w/([0-9a-f]+)/facilitate", console.url)
    assert match
    room.workshop_id = match.group(1)
    link = console.locator("#key-link")
    expect(link).to_contain_text("#key=")
    room.key = link.inner_text().split("#key=", 1)[1].strip()
    console.get_by_role("button", name="I have saved it").click()
    room.code = console.locator("#ws-code").inner_text().strip()

    # The link comes with the console's first state (the projector token), not with the page.
    expect(console.locator("#open-projector")).to_have_attribute(
        "href", re.compile(r"/present#token=")
    )
    present = console.get_attribute("#open-projector", "href")
    assert present and "/present" in present, present
    for name, viewport in WALLS.items():
        wall = room.views[name].page if name in room.views else room.open(name, "wall", viewport)
        wall.goto(present if present.startswith("http") else room.url + present)
        expect(wall.locator("#code")).to_have_text(room.code)

    # The phones open the join URL the QR code holds, and type their names.
    for width, name in zip(PHONE_WIDTHS, NAMES, strict=True):
        view = f"phone{width}"
        phone = (
            room.views[view].page
            if view in room.views
            else room.open(
                view,
                "phone",
                {"width": width, "height": PHONE_HEIGHT},
                phone=True,
                dark=width in DARK_PHONES,
            )
        )
        phone.goto(f"{room.url}/j/{room.code}")
        phone.fill("#name", name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.locator("#who")).to_contain_text(name)
    room.wait_for(
        lambda s: s["workshop"]["participant_count"] == len(PHONE_WIDTHS), "five participants"
    )


def start(room: Room) -> None:
    """The lobby's Start button (or, before the lobby exists, the first stage's Open)."""
    console = room.console
    button = console.locator("#start-workshop")
    if button.count():
        button.click()
    else:
        room.report.note("console: no #start-workshop in the lobby; used the stage's Open button")
        console.locator("#stage-panel .controls button.primary").first.click()


def next_step(room: Room, here: tuple[int, int]) -> None:
    """The console's one Next action (or, before it exists, the stage panel's primary), and
    a wait until the server has moved on."""
    console = room.console
    button = console.locator("#next-step")
    if not button.count():
        if "no #next-step" not in " ".join(room.report.journey):
            room.report.note("console: no #next-step; used the stage panel's primary button")
        button = console.locator("#stage-panel .controls button.primary")
    words = button.first.inner_text().replace("\n", " ").strip()
    button.first.click()

    def moved(state: Any) -> bool:
        stage = next(s for s in state["stages"] if s["id"] == state["current"]["stage_id"])
        return (stage["id"], stage["step"]) != here

    if room.wait_for(moved, f"the next step after clicking {words!r}", timeout=5):
        return
    dialog = console.get_by_role("dialog")
    if dialog.count() and dialog.first.is_visible():
        room.report.note(f"console: a dialog after {words!r}: {dialog.first.inner_text()[:200]!r}")
    # Once more with the keyboard shortcut, from the page's body.
    console.locator("body").press("n")
    room.wait_for(moved, "the next step after the N key", timeout=5)


def reveal(room: Room) -> bool:
    """The console's Reveal button for the current step, when it has one."""
    button = room.console.get_by_role("button", name=re.compile(r"^Reveal"))
    if not button.count():
        return False
    return room.attempt("console: reveal", lambda: button.first.click())


def send_ideas(room: Room, stage: dict[str, Any], ideas: list[str]) -> None:
    """The phones take turns sending `ideas` through their brainstorm form."""
    phones = room.phones()
    before = stage["progress"].get("ideas", 0)
    for i, text in enumerate(ideas):
        phone = phones[i % len(phones)]

        def send(phone: Page = phone, text: str = text) -> None:
            phone.get_by_role("textbox", name="Your idea").fill(text, timeout=SHORT)
            phone.get_by_role("button", name="Send idea").click(timeout=SHORT)

        room.attempt(f"phone{PHONE_WIDTHS[i % len(phones)]}: send an idea", send)
    stage_id = stage["id"]

    def arrived(state: Any) -> bool:
        found = next(s for s in state["stages"] if s["id"] == stage_id)
        return bool(found["progress"].get("ideas", 0) >= before + len(ideas))

    room.wait_for(arrived, f"{len(ideas)} new ideas in {stage['key']}")


def each_phone(room: Room, what: str, act: Callable[[int, Page], None]) -> None:
    for i, phone in enumerate(room.phones()):
        room.attempt(f"phone{PHONE_WIDTHS[i]}: {what}", functools.partial(act, i, phone))


def dots(i: int, phone: Page) -> None:
    """Three dots, on the phone's own choice of ideas (each phone has its own order)."""
    add = phone.get_by_role("button", name="Add a dot")
    add.first.wait_for(timeout=SHORT)
    count = add.count()
    for k in (0, 0, 1) if i % 2 else (0, 1, 2):
        add.nth(min(k + i % 2, count - 1)).click(timeout=SHORT)


def order(i: int, phone: Page) -> None:
    """Move one item up (a different one per phone) and submit the order."""
    ups = phone.locator("#stage-view").get_by_role("button", name=re.compile(r"^Move up"))
    ups.first.wait_for(timeout=SHORT, state="attached")
    enabled = [k for k in range(ups.count()) if ups.nth(k).is_enabled()]
    if enabled:
        ups.nth(enabled[i % len(enabled)]).click(timeout=SHORT)
    phone.get_by_role("button", name=re.compile(r"^(Submit my ranking|Save again)")).click(
        timeout=SHORT
    )


def links(i: int, phone: Page) -> None:
    """Propose what the first items serve."""
    boxes = phone.locator("#stage-view input[type=checkbox]")
    boxes.first.wait_for(timeout=SHORT, state="attached")
    boxes.nth(i % boxes.count()).check(timeout=SHORT)


def suggestion(i: int, phone: Page) -> None:
    """Suggest a value for the first item (the phones only suggest; the console decides)."""
    view = phone.locator("#stage-view")
    summary = view.locator("summary").filter(has_text=re.compile("Suggest"))
    if summary.count():
        summary.nth(i % summary.count()).click(timeout=SHORT)
    form = view.locator("form[aria-label^='Suggest for']").nth(
        i % max(1, view.locator("form[aria-label^='Suggest for']").count())
    )
    field = form.locator("input[type=text], input:not([type]), textarea").first
    field.fill(f"{NAMES[i]} Jones", timeout=SHORT)
    form.get_by_role("button", name=re.compile("Send suggestion")).click(timeout=SHORT)


def points(i: int, phone: Page) -> None:
    """Spend points: +5 on three ideas, a few taps each."""
    more = phone.get_by_role("button", name=re.compile(r"more points$"))
    more.first.wait_for(timeout=SHORT)
    for k, taps in ((i, 4), (i + 3, 2), (i + 7, 1)):
        for _ in range(taps):
            more.nth(k % more.count()).click(timeout=SHORT)


def ratings(i: int, phone: Page) -> None:
    """Rate impact and effort of six ideas (different ones per phone)."""
    view = phone.locator("#stage-view")
    groups = view.get_by_role("group", name=re.compile(r"^Impact of: "))
    groups.first.wait_for(timeout=SHORT)
    total = groups.count()
    for k in range(6):
        n = (i * 5 + k) % total
        impact = 1 + (i + k * 2) % 5
        effort = 1 + (i * 3 + k) % 5
        view.get_by_role("group", name=re.compile(r"^Impact of: ")).nth(n).get_by_role(
            "button", name=f"Impact {impact} of 5"
        ).click(timeout=SHORT)
        view.get_by_role("group", name=re.compile(r"^Effort of: ")).nth(n).get_by_role(
            "button", name=f"Effort {effort} of 5"
        ).click(timeout=SHORT)


def contribute(room: Room, stage: dict[str, Any], kind: str, ideas: dict[str, list[str]]) -> None:
    """The phones take part in the current step through their screens."""
    stage_id = stage["id"]

    def progress(key: str, n: int) -> Callable[[Any], bool]:
        def test(state: Any) -> bool:
            found = next(s for s in state["stages"] if s["id"] == stage_id)
            return bool(found["progress"].get(key, 0) >= n)

        return test

    if kind == "brainstorm":
        send_ideas(room, stage, ideas.get(stage["key"], []))
    elif kind == "vote":
        each_phone(room, "spend dots", dots)
        room.wait_for(progress("voters", len(PHONE_WIDTHS)), "five voters")
    elif kind == "rank":
        each_phone(room, "order the shortlist", order)
        room.wait_for(progress("rankers", len(PHONE_WIDTHS)), "five rankings")
    elif kind == "link":
        each_phone(room, "propose a link", links)
    elif kind == "define":
        each_phone(room, "suggest a value", suggestion)
    elif kind == "allocate":
        each_phone(room, "allocate points", points)
    elif kind == "rate":
        each_phone(room, "rate impact and effort", ratings)


def run_agenda(
    room: Room,
    ideas: dict[str, list[str]],
    *,
    round_two: str | None = None,
) -> None:
    """From the lobby to the finished plan: every step of every stage, measured."""
    room.measure("lobby")
    marks = room.marks()
    start(room)
    seen: set[tuple[int, int]] = set()
    while True:
        state, stage = room.current()
        if state["workshop"]["status"] == "finished":
            break
        here = (stage["id"], stage["step"])
        if here in seen or stage["step"] < 0:
            room.report.note(f"stuck at {stage['key']} step {stage['step']}: the journey stops")
            break
        seen.add(here)
        kind = stage["steps"][stage["step"]]["kind"]
        label = f"{stage['key']}-{kind}"
        room.measure(f"{label}-open", since=marks)
        marks = room.marks()
        if kind != "done":  # the results step asks nothing of the phones
            contribute(room, stage, kind, ideas)
            room.measure(f"{label}-taking-part", since={room.console: marks[room.console]})
        settings = stage["steps"][stage["step"]].get("settings", {})
        if kind in ("vote", "rank", "allocate", "rate") or settings.get("private"):
            marks = room.marks()
            if reveal(room):
                room.measure(f"{label}-revealed", since=marks)
            if kind == "rank" and stage["key"] == round_two:
                start_round_two(room, stage, label)
        marks = room.marks()
        last_stage = stage["position"] == max(s["position"] for s in state["stages"])
        if last_stage and stage["step"] == len(stage["steps"]) - 1:
            finish(room)
            room.measure("finished", since=marks)
            break
        next_step(room, here)


def start_round_two(room: Room, stage: dict[str, Any], label: str) -> None:
    button = room.console.get_by_role("button", name="Start round 2")
    marks = room.marks()
    if not room.attempt("console: start round 2", lambda: button.click(timeout=SHORT)):
        return
    room.measure(f"{label}-round2-open", since=marks)
    each_phone(room, "order the shortlist again", order)
    marks = room.marks()
    if reveal(room):
        room.measure(f"{label}-round2-revealed", since=marks)


def finish(room: Room) -> None:
    """`#finish` (or the panel's Finish button), then the dialog's confirmation."""
    console = room.console
    button = console.locator("#finish")
    if not button.is_visible():
        button = console.get_by_role("button", name=re.compile("^Finish"))
    button.first.click()
    dialog = console.get_by_role("dialog")
    dialog.get_by_role("button", name=re.compile("^Finish")).first.click()
    room.wait_for(lambda s: s["workshop"]["status"] == "finished", "the finish")


# --------------------------------------------------------------------------- the ideas

DAY = {
    "vision": [
        "A clean river the whole city swims in",
        "The greenest waterfront in the country",
        "Every child in Riverside can reach the water on foot within fifteen minutes",
        "A river trusted again",
        "Riverside: where the city meets nature",
    ],
    "mission": [
        "We bring people back to the river",
        "We protect the river for the next generation",
        "We connect neighbourhoods through their waterways",
        "Clean water, open banks, for everyone",
    ],
    "values": [
        "Honesty",
        "Courage",
        "Stewardship",
        "Openness to every neighbour",
        "Curiosity",
        "Accountability",
        "Joy",
    ],
    "goals": [
        "Grow our membership",
        "Halve our emissions",
        "Open a second site",
        "Restore 10 km of riverbank habitat by 2030",
        "Double the number of school visits",
        "Financial resilience through diversified income",
        "Make every event accessible",
        "Build a volunteer corps of 500 people",
        "Internationalisation",
    ],
    "programs": [
        "Green operations program",
        "Community outreach program",
        "Habitat restoration programme with the council and landowners",
        "Learning on the river",
        "Fundraising",
    ],
    "projects": [
        "Solar roof on the depot",
        "New volunteer app",
        "Riverbank clean-up days every month",
        "Boathouse renovation",
        "School kit for water testing, designed with teachers",
        "Member newsletter",
        "Accessible jetty at the north landing",
        "Grant application to the lottery fund",
        "Electric workboat",
        "Second site feasibility study",
    ],
    "actions": [
        "Get three solar quotes",
        "Call the council about the jetty permit",
        "Draft the grant application by Friday",
        "Book the first clean-up day",
        "Ask teachers to test the kit",
    ],
}

PROJECT_WORDS = (
    "Solar roof",
    "Volunteer app",
    "Clean-up days",
    "Boathouse renovation",
    "School water kit",
    "Member newsletter",
    "Accessible jetty",
    "Lottery grant",
    "Electric workboat",
    "Second site study",
    "Heat pumps for the hall",
    "Interpretation boards along the towpath",
    "Rainwater harvesting",
    "Kayak hire",
    "Youth rangers",
    "Wildflower meadow",
    "Café on the quay",
    "Flood early-warning sensors",
    "Oral history archive",
    "Bike racks",
    "Fish pass at the weir",
    "Night-time safety lighting",
    "Dragon boat festival",
    "Open data portal for water quality",
    "Composting toilets",
    "Otter survey",
    "Corporate volunteering days",
    "Mentoring scheme",
    "Wheelchair-accessible boat",
    "Microplastics study",
)

PRIORITISE = {
    "goals": ["Grow our membership", "Halve our emissions", "Open a second site"],
    "projects": list(PROJECT_WORDS),
}


# --------------------------------------------------------------------------- the tests


def assert_clean(room: Room, report: Report) -> None:
    """Everything this test's room found (the report holds the whole module's)."""
    lines = [
        line
        for line in report.lines()
        if line.startswith((f"{room.prefix}-", f"journey: {room.prefix}: "))
    ]
    lines += [f"page error: {error}" for error in room.errors]
    assert not lines, "\n".join(lines)


PROBLEMS = """<!doctype html><html lang="en"><head><title>Problems</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<main style="font: 20px sans-serif">
  <h1>Known problems</h1>
  <p style="font-size: 12px">Small print</p>
  <div style="width: 500px">A row wider than a small phone</div>
  <p style="width: 70px; overflow-wrap: anywhere">Internationalisation</p>
  <button style="width: 20px; height: 20px; font-size: 16px">x</button>
  <label class="check" style="display: block; padding: 12px 0">
    <input type="checkbox"> Big enough</label>
  <span style="position: absolute; width: 1px; height: 1px; overflow: hidden;
               clip: rect(0 0 0 0); font-size: 10px">Only for screen readers</span>
  <svg width="100" height="20" viewBox="0 0 1000 200">
    <text y="150" font-size="150">Scaled</text></svg>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <ol>{items}</ol>
</main></body></html>"""


def test_the_measures_find_what_they_look_for(browser: Browser) -> None:
    """Each check finds a planted problem and passes over what is fine, so a clean journey
    means clean screens, not blind checks."""
    items = "".join(f"<li>Item {n}</li>" for n in range(40))
    context = browser.new_context(viewport={"width": 320, "height": 600}, is_mobile=True)
    try:
        page = context.new_page()
        page.set_content(PROBLEMS.format(items=items))
        phone = "\n".join(screens.phone_violations(page))
        assert "page scrolls sideways: " in phone
        assert "sticks out: main > div" in phone
        assert 'text 12.0 px < 16 px: "Small print"' in phone
        assert 'target 20x20 px < 44x44: main > button "x"' in phone
        assert "Big enough" not in phone and "screen readers" not in phone
        breaks = "\n".join(screens.mid_word_breaks(page))
        assert 'overflow-wrap: anywhere on text: main > p "Internationalisation"' in breaks
        assert 'word broken across lines: "Internationalisation"' in breaks
        wall = "\n".join(screens.projector_violations(page, floor_px=24))
        assert "page scrolls: content " in wall
        assert 'below the fold: main > ol > li "Item ' in wall
        assert 'text 15.0 px < 24 px: "Scaled"' in wall  # SVG text scaled by its viewBox
        assert any(
            line.startswith("axe image-alt (critical)") for line in screens.axe_violations(page)
        )
    finally:
        context.close()


def test_every_screen_fits_in_every_phase_of_a_full_strategic_plan(
    room: Room, report: Report
) -> None:
    room.prefix = report.where = "day"
    create(room, "Riverside day", "full-strategic-plan")
    run_agenda(room, DAY, round_two="goals")
    assert_clean(room, report)


def test_every_screen_fits_with_30_projects_rated_allocated_and_ranked(
    room: Room, report: Report
) -> None:
    room.prefix = report.where = "p"
    create(room, "Riverside projects", "prioritise-projects")
    run_agenda(room, PRIORITISE)
    assert_clean(room, report)
