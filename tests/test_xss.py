"""Injection stays impossible (guarantee 6): 66 known XSS payloads in every user-written field,
on every screen of a real Chromium and in every plan format.

Each payload is at most 35 characters and carries a tag `§<field><n>` (39 in all), so a screen's
text shows which field's payload it displays, and whether literally. Six workshops on one real
server carry them, eleven each, in the title, organisation, facilitator name, stage title and
prompt, participant names (one typed into the phone page), ideas, review edits (wording, owner,
deliverables, the version's facilitator and note) and a saved template's title and description.
A field that takes one short value per workshop holds what fits (a 120-character title three,
an 80-character name two), each field another part of the eleven; 27 more workshops carry the
rest of the 66 in their title, organisation, facilitator name and version 2's facilitator, and
their screens are opened too, so each screen that shows one of these fields shows at least 50
(all 66) of its payloads. Those screens: the title is on every workshop screen; the organisation
on the plan's page and the share page (and on the console only inside the default agenda's stage
prompts, which fill it in); the facilitator name only on version 1's plan page; the version's
facilitator on the review and the share page. The projector and the phone never show the
organisation or a facilitator, nor the console a facilitator.

In the browser (console, projector and phone while voting and once finished, review, the plan's
page, the share page, and the start page with the device's saved templates): no dialog opens,
no element or attribute a payload would inject exists (`[xss]`, any `on…` attribute,
`javascript:`/`data:text/html` URLs, iframes, objects, bases, `srcdoc`…), and no script-src
violation is reported (the CSP would block an injected script: a report means one got into the
page). In the plan formats: the HTML and the Markdown (rendered with markdown-it, raw HTML
allowed) contain no injected tag or attribute and show every payload as text; CSV cells never
start with = + - @; JSON, DOCX and PDF carry the text literally.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
import socketio
from docx import Document
from markdown_it import MarkdownIt
from playwright.sync_api import Browser, BrowserContext, Dialog, Page
from pypdf import PdfReader

from tests.chromium import skip_module_without_chromium
from tests.server import LiveServer, http

pytestmark = pytest.mark.browser

skip_module_without_chromium()

# Known XSS and injection payloads, each at most 35 characters. The ones that would run code
# call alert() (a dialog), the ones that would inject markup carry an `xss` attribute or an
# element the app never uses.
PAYLOADS = [
    # script tags and event handlers
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2) xss>",
    "<svg onload=alert(3) xss>",
    "<svg><script>alert(4)</script>",
    "<body onload=alert(5) xss>",
    "<details open ontoggle=alert(6)>",
    "<input autofocus onfocus=alert(7)>",
    "<video><source onerror=alert(8)>",
    "<audio src=x onerror=alert(9) xss>",
    "<marquee onstart=alert(10) xss>",
    "<svg><set onbegin=alert(11)>",
    "<img srcset=x onerror=alert(12)>",
    "<x onclick=alert(13) xss>click",
    "<b tabindex=1 onfocusin=alert(14)>",
    # attribute and context breakouts
    '"><img src=x onerror=alert(15)>',
    "'><svg onload=alert(16) xss>",
    '" onmouseover="alert(17)" xss="',
    "' autofocus onfocus='alert(18)",
    "</textarea><svg onload=alert(19)>",
    "</title><svg onload=alert(20)>",
    "--><svg onload=alert(21) xss>",
    "]]><svg onload=alert(22) xss>",
    "</style><svg onload=alert(23)>",
    "</script><svg onload=alert(24)>",
    '"-alert(25)-"',
    "';alert(26)//",
    "`;alert(27)//",
    # javascript: and data: URLs
    "javascript:alert(28)",
    "<a href=javascript:alert(29) xss>a",
    "<iframe src=javascript:alert(30)>",
    "<iframe srcdoc='<b xss>31'>",
    "<object data=javascript:alert(32)>",
    "<embed src=javascript:alert(33)>",
    "<form action=javascript:alert(34)>",
    "<IMG SRC=JaVaScRiPt:alert(35) xss>",
    "<img src=jav&#9;ascript:alert(36)>",
    "javascript://%0aalert(37)",
    "data:text/html,<b xss>38",
    # other elements: CSS, base, meta, templates
    "<b style=x:expression(alert(39))>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//ev.il>",
    "<meta http-equiv=refresh content=0>",
    "<base href=//evil.example/>",
    "<template><b xss>44</b></template>",
    "<math href=javascript:alert(45)>",
    "<svg><a xlink:href=javascript:1>",
    # template engines (Jinja, JS template literals, ERB, Ruby)
    "{{1337*1337}}",
    "${1337*1337}",
    "#{1337*1337}",
    "<%= 1337*1337 %>",
    "{% print(1337*1337) %}",
    "{{constructor.constructor('1')()}}",
    # HTML entities and URL encodings (shown as typed, never decoded into markup)
    "&lt;svg onload=alert(52)&gt;",
    "&#60;script&#62;alert(53)",
    "%3Cscript%3Ealert(54)%3C/script%3E",
    # unicode tricks
    "\uff1cscript\uff1ealert(55)\uff1c/script\uff1e",
    "<scr\u200bipt>alert(56)</scr\u200bipt>",
    "\u202e<img src=x onerror=alert(57)>",
    # Markdown structure
    "[x](javascript:alert(58))",
    '![x](x" onerror="alert(59))',
    "<https://evil.example/?q=60>",
    "# H61 **b** _i_ `c` | t |",
    # CSV formulas
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
assert len(PAYLOADS) >= 60 and len(PAYLOADS) % 11 == 0
assert all(len(p) <= 35 and p == p.strip() for p in PAYLOADS), [p for p in PAYLOADS if len(p) > 35]
TEMPLATE_RESULT = "1787569"  # 1337*1337: appears if a template engine evaluated a payload

FIELDS = {
    "t": "workshop title",
    "o": "organisation",
    "f": "facilitator name",
    "s": "stage title",
    "p": "stage prompt",
    "n": "participant name",
    "i": "idea text",
    "a": "define: owner",
    "b": "define: deliverable",
    "w": "review: wording",
    "r": "review: owner",
    "d": "review: deliverable",
    "v": "review: version facilitator",
    "e": "review: note",
    "l": "template title",
    "x": "template description",
}
PER_WORKSHOP = 11
GROUPS = len(PAYLOADS) // PER_WORKSHOP
# How many payloads one value of a field holds (a 120-character field three, 80 two, 280 seven,
# 400 ten; names, ideas and deliverables one each); each field starts at another place in its
# workshop's eleven, so together the short fields still carry every payload.
CAPACITY = {"t": 3, "o": 3, "f": 2, "s": 2, "l": 3, "r": 3, "a": 3, "v": 2}
CAPACITY |= {"w": 7, "p": 10, "e": 10, "x": 10}
PLACED: dict[str, set[int]] = {key: set() for key in FIELDS}
# A saved template's description is stored and returned by the API; no screen shows it.
NOT_ON_SCREENS = {"x"}
SETTINGS = {  # generous limits: this module tests injection, not throttling
    "JOIN_RATE": "1000",
    "JOIN_BURST": "10000",
    "CREATE_RATE": "1000",
    "CREATE_BURST": "10000",
    "EVENT_RATE": "1000",
    "EVENT_BURST": "10000",
}


def tagged(field_key: str, n: int) -> str:
    """Payload n as placed in one field: the payload, then its tag."""
    return f"{PAYLOADS[n]}§{field_key}{n:02d}"


def group(g: int) -> list[int]:
    """The payloads workshop g carries."""
    return list(range(PER_WORKSHOP * g, PER_WORKSHOP * (g + 1)))


def picks(field_key: str, g: int) -> list[int]:
    """The payloads of workshop g that one value of this field holds (all eleven if it can)."""
    count = CAPACITY.get(field_key, PER_WORKSHOP)
    start = (list(FIELDS).index(field_key) * count) % PER_WORKSHOP
    return [group(g)[(start + i) % PER_WORKSHOP] for i in range(count)]


def chosen(field_key: str, g: int) -> list[int]:
    """`picks`, recorded as placed."""
    picked = picks(field_key, g)
    PLACED[field_key].update(picked)
    return picked


def values(field_key: str, g: int) -> str:
    """One value of a field: its payloads for workshop g, tagged, separated by spaces."""
    return " ".join(tagged(field_key, n) for n in chosen(field_key, g))


def every_value(field_key: str, g: int) -> list[str]:
    """As many values of a field as carry all of workshop g's payloads (for a field a workshop
    has many of: items' owners, saved templates, successive stage titles)."""
    count = CAPACITY.get(field_key, PER_WORKSHOP)
    start = (list(FIELDS).index(field_key) * count) % PER_WORKSHOP
    order = [group(g)[(start + i) % PER_WORKSHOP] for i in range(PER_WORKSHOP)]
    PLACED[field_key].update(order)
    chunks = [order[i : i + count] for i in range(0, PER_WORKSHOP, count)]
    return [" ".join(tagged(field_key, n) for n in chunk) for chunk in chunks]


def squeeze(text: str) -> str:
    """Text compared without whitespace or invisible format characters (PDF extraction and
    browsers treat those freely)."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def shown(text: str, keep: Callable[[str], str] = str) -> set[tuple[str, int]]:
    """(field, payload) pairs whose tagged payload `text` shows literally (after `keep`, which
    drops what a format cannot show, from both)."""
    flat = squeeze(keep(text))
    found: set[tuple[str, int]] = set()
    for match in re.finditer(r"§([a-z])(\d\d)", flat):
        key, n = match.group(1), int(match.group(2))
        if key in FIELDS and n < len(PAYLOADS) and squeeze(keep(tagged(key, n))) in flat:
            found.add((key, n))
    return found


# --------------------------------------------------------------------------- the workshops


@dataclass
class Workshop:
    g: int
    id: str
    code: str
    key: str
    urls: dict[str, str]
    projector: str
    stage_id: int = 0
    share: str = ""
    templates: list[dict[str, str]] = field(default_factory=list)
    ideas: list[int] = field(default_factory=list)
    stage_title: str = ""
    defined: bool = False
    facilitator: socketio.Client | None = None
    clients: list[socketio.Client] = field(default_factory=list)


def connect(base: str, workshop: Workshop) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(base, transports=["websocket"])
    workshop.clients.append(client)
    return client


def call(client: socketio.Client, event: str, payload: Any) -> Any:
    reply = client.call(event, payload, timeout=30)
    assert reply["ok"], (event, reply)
    return reply


def prepare(base: str, g: int) -> Workshop:
    """Workshop g: its payloads in every field that exists before the finish, in its vote."""
    created = http(
        f"{base}/api/workshops",
        "POST",
        {
            "title": values("t", g),
            "organization": values("o", g),
            "facilitator_name": values("f", g),
        },
    )
    projector = created.get("projector_url") or created["urls"]["present"]
    workshop = Workshop(
        g, created["id"], created["code"], created["facilitator_key"], created["urls"], projector
    )
    workshop.stage_title = values("s", g)
    agenda = {
        "stages": [
            {
                "key": "projects",
                "title": workshop.stage_title,
                "prompt": values("p", g),
                "steps": STEPS,
            }
        ]
    }
    http(f"{base}/api/workshops/{workshop.id}/agenda", "PUT", agenda, workshop.key)
    workshop.facilitator = connect(base, workshop)
    state = call(
        workshop.facilitator, "facilitate", {"workshop_id": workshop.id, "key": workshop.key}
    )
    workshop.stage_id = state["state"]["stages"][0]["id"]
    descriptions = every_value("x", g)
    for i, title in enumerate(every_value("l", g)):
        body = {"workshop_id": workshop.id, "title": title, "description": descriptions[i % 2]}
        saved = http(f"{base}/api/templates", "POST", body, workshop.key)
        workshop.templates.append({"id": saved["id"], "title": title})
    voters = []
    # The first payload's name is typed into the phone page; the others join over sockets.
    for n in group(g)[1:]:
        voter = connect(base, workshop)
        call(voter, "join", {"code": workshop.code, "name": tagged("n", n)})
        voters.append(voter)
    PLACED["n"].update(group(g))
    stage = {"stage_id": workshop.stage_id}
    call(workshop.facilitator, "stage:phase", {**stage, "phase": "brainstorm"})
    for n in group(g):
        reply = call(voters[n % len(voters)], "idea:submit", {**stage, "text": tagged("i", n)})
        workshop.ideas.append(reply["idea"]["id"])
    PLACED["i"].update(group(g))
    call(workshop.facilitator, "stage:phase", {**stage, "phase": "vote"})
    for voter in voters:
        voter.disconnect()
    return workshop


STEPS = [
    {"kind": "brainstorm"},
    {"kind": "vote"},
    {"kind": "done", "select_count": 0},
    {"kind": "define"},
]


def rename(base: str, workshop: Workshop, title: str) -> None:
    """The agenda with the stage's new title (its steps as they are)."""
    stage = {
        "id": workshop.stage_id,
        "key": "projects",
        "title": title,
        "prompt": values("p", workshop.g),
        "steps": STEPS,
    }
    url = f"{base}/api/workshops/{workshop.id}/agenda"
    http(url, "PUT", {"stages": [stage]}, workshop.key)
    workshop.stage_title = title


def define(workshop: Workshop) -> None:
    """Reveal, decide (every idea selected) and define: an item's owner and deliverables."""
    assert workshop.facilitator is not None
    stage = {"stage_id": workshop.stage_id}
    call(workshop.facilitator, "results:reveal", stage)
    call(workshop.facilitator, "stage:phase", {**stage, "phase": "done"})
    call(workshop.facilitator, "stage:phase", {**stage, "phase": "define"})
    for i, owner in enumerate(every_value("a", workshop.g)):
        fields: dict[str, Any] = {"owner": owner}
        if i == 0:
            fields["deliverables"] = [tagged("b", n) for n in group(workshop.g)]
        call(workshop.facilitator, "item:update", {"idea_id": workshop.ideas[i], "fields": fields})
    PLACED["b"].update(group(workshop.g))
    workshop.defined = True


def finish(base: str, workshop: Workshop) -> None:
    """Finish, publish a review with the payloads, and share the plan."""
    assert workshop.facilitator is not None
    if not workshop.defined:
        define(workshop)
    call(workshop.facilitator, "workshop:finish", {})
    root = f"{base}/api/workshops/{workshop.id}"
    plan = http(f"{root}/plan.json", key=workshop.key)
    ids = sorted(
        item["id"]
        for item in _walk(plan)
        if isinstance(item, dict) and isinstance(item.get("id"), int) and "text" in item
    )
    g = workshop.g
    edits: dict[int, dict[str, Any]] = {
        ids[0]: {"deliverables": [tagged("d", n) for n in group(g)]}
    }
    for i, owner in enumerate(every_value("r", g)):
        edits.setdefault(ids[i], {})["owner"] = owner
    for i, wording in enumerate(every_value("w", g)):
        edits.setdefault(ids[i], {})["text"] = wording
    review = {
        "based_on": 1,
        "items": [{"id": item, "fields": fields} for item, fields in edits.items()],
        "facilitator": values("v", g),
        "note": values("e", g),
    }
    PLACED["d"].update(group(g))
    http(f"{root}/plan/versions", "POST", review, workshop.key)
    workshop.share = http(f"{root}/shares", "POST", {}, workshop.key)["url"]


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("xss")
    with LiveServer(folder / "xss.sqlite3", env=SETTINGS) as live:
        yield live


@pytest.fixture(scope="module")
def workshops(server: LiveServer) -> Iterator[list[Workshop]]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda g: prepare(server.url, g), range(GROUPS)))
    yield made
    for workshop in made:
        for client in workshop.clients:
            if client.connected:
                client.disconnect()


# --------------------------------------------------------------------------- the browser

SCAN = """() => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "data", "poster",
                    "background", "srcset"];
  const never = ["iframe", "frame", "object", "embed", "base", "applet", "marquee", "template",
                 "video", "audio", "math"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (never.includes(tag)) bad.push(`<${tag}>`);
    if (tag === "script" && !el.src) bad.push("inline <script>");
    if (tag === "meta" && el.httpEquiv) bad.push(`<meta http-equiv=${el.httpEquiv}>`);
    if (tag === "style" && el.textContent.includes("display:none")) bad.push("injected <style>");
    if (tag === "link" && (el.getAttribute("href") || "").includes("ev.il")) bad.push("<link>");
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\x00-\\x1f]/g, "").toLowerCase();
      if (name === "xss") bad.push(`<${tag} xss>`);
      if (name.startsWith("on")) bad.push(`<${tag} ${name}>`);
      if (name === "srcdoc") bad.push(`<${tag} srcdoc>`);
      if (name === "style" && value.includes("expression(")) bad.push(`<${tag} style=expression>`);
      if (urlAttrs.includes(name) && /^(javascript:|vbscript:|data:text\\/html)/.test(value))
        bad.push(`<${tag} ${name}=${value.slice(0, 30)}>`);
    }
  }
  const values = [...document.querySelectorAll("input, textarea")].map((e) => e.value);
  const text = (document.body ? document.body.innerText : "") + "\\n" + values.join("\\n");
  return {bad, text,
          csp: (window.__csp || []).filter((v) => !v.startsWith("style-src"))};
}"""
VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sample || ""}`);
});
"""
SCREENS = ("console", "projector", "phone", "review", "plan HTML", "share page", "start page")


class Room:
    """One browser context per kind of screen; every dialog and finding kept."""

    def __init__(self, browser: Browser) -> None:
        self.contexts: dict[str, BrowserContext] = {}
        self.browser = browser
        self.dialogs: list[str] = []
        self.bad: list[str] = []
        self.shown: dict[str, set[tuple[str, int]]] = {screen: set() for screen in SCREENS}
        self.scans = 0

    def page(self, screen: str, url: str) -> Page:
        if screen not in self.contexts:
            phone = screen == "phone"
            context = self.browser.new_context(
                viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
                is_mobile=phone,
                has_touch=phone,
            )
            context.add_init_script(VIOLATIONS)
            self.contexts[screen] = context
        page = self.contexts[screen].new_page()

        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{screen} {page.url}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(url, wait_until="commit")  # the caller waits for what it reads
        return page

    def scan(self, screen: str, page: Page, where: str) -> None:
        result = page.evaluate(SCAN)
        self.scans += 1
        self.bad += [f"{screen} ({where}): {item}" for item in result["bad"]]
        self.bad += [f"{screen} ({where}): CSP blocked {item}" for item in result["csp"]]
        if TEMPLATE_RESULT in result["text"]:
            self.bad.append(f"{screen} ({where}): a template expression was evaluated")
        self.shown[screen] |= shown(result["text"])

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def settle(page: Page, needle: str, timeout: float = 8000) -> bool:
    """Wait until the page's text shows `needle` (False when it never does)."""
    try:
        page.wait_for_function(
            "(t) => document.body && document.body.innerText.includes(t)",
            arg=needle,
            timeout=timeout,
        )
        return True
    except Exception:
        return False


# The fields a workshop has one short value of: how many payloads that value holds.
ONE_VALUE = {"t": 3, "o": 3, "f": 2, "v": 2}


def rest(field_key: str) -> list[int]:
    """The payloads the six workshops do not place in a one-value field."""
    placed = {n for g in range(GROUPS) for n in picks(field_key, g)}
    return [n for n in range(len(PAYLOADS)) if n not in placed]


# Extra workshops that carry the rest of the payloads in their one-value fields, for the screens.
EXTRA = max(-(-len(rest(key)) // count) for key, count in ONE_VALUE.items())
EXTRA_PLACED: dict[str, set[int]] = {key: set() for key in ONE_VALUE}


def extra_value(field_key: str, e: int) -> str:
    """Extra workshop e's value of a one-value field: the next of the rest of the payloads."""
    missing, count = rest(field_key), ONE_VALUE[field_key]
    numbers = [missing[(count * e + i) % len(missing)] for i in range(count)]
    EXTRA_PLACED[field_key].update(numbers)
    return " ".join(tagged(field_key, n) for n in numbers)


@dataclass
class Extra:
    id: str
    key: str
    urls: dict[str, str]
    projector: str
    needles: dict[str, str]
    share: str = ""


def extra(base: str, e: int) -> Extra:
    """Extra workshop e, not started: its payloads in its title, organisation and facilitator."""
    body = {
        "title": extra_value("t", e),
        "organization": extra_value("o", e),
        "facilitator_name": extra_value("f", e),
    }
    created = http(f"{base}/api/workshops", "POST", body)
    projector = created.get("projector_url") or created["urls"]["present"]
    last = {key: value.split(" ")[-1][-4:] for key, value in body.items()}
    needles = {"t": last["title"], "f": last["facilitator_name"]}
    return Extra(created["id"], created["facilitator_key"], created["urls"], projector, needles)


def finish_extra(base: str, workshop: Extra, e: int) -> None:
    """Finish an extra workshop, publish version 2 naming another facilitator, share it."""
    client = socketio.Client(reconnection=False)
    client.connect(base, transports=["websocket"])
    try:
        call(client, "facilitate", {"workshop_id": workshop.id, "key": workshop.key})
        call(client, "workshop:finish", {})
    finally:
        client.disconnect()
    root = f"{base}/api/workshops/{workshop.id}"
    version = extra_value("v", e)
    workshop.needles["v"] = version.split(" ")[-1][-4:]
    http(
        f"{root}/plan/versions",
        "POST",
        {"based_on": 1, "items": [], "facilitator": version},
        workshop.key,
    )
    workshop.share = http(f"{root}/shares", "POST", {}, workshop.key)["url"]


SHOWS = """(t) => document.body && (document.body.innerText.includes(t) ||
  [...document.querySelectorAll("input, textarea")].some((e) => e.value.includes(t)))"""


def settle_value(page: Page, needle: str, timeout: float = 4000) -> None:
    """Wait until the page's text or one of its inputs shows `needle` (at most `timeout`)."""
    with contextlib.suppress(Exception):
        page.wait_for_function(SHOWS, arg=needle, timeout=timeout)


# The screens that show a one-value field: each must show at least 50 of its payloads. (The
# console also shows the organisation inside the default agenda's stage prompts, which fill it
# in: counted, not required. No other screen shows the organisation or a facilitator name.)
SHOWN_ON = {
    "t": ("console", "projector", "phone", "review", "plan HTML", "share page"),
    "o": ("plan HTML", "share page"),
    "f": ("plan HTML",),
    "v": ("review", "share page"),
}
# What shows that a live screen drew the workshop's state (not only the page's own title).
DRAWN = {
    "console": "!document.getElementById('agenda-card').hidden",
    "projector": "!document.getElementById('present-status')",
    "phone": "!document.getElementById('join-view').hidden",
}


def one_value_screens(room: Room, base: str) -> float:
    """The extra workshops' screens, one page per screen navigated from one to the next: the
    title on the console, projector and phone before the start, then, finished, the
    organisation and facilitator name on version 1's plan page, the version's facilitator on
    the review and the share page (version 2). Returns the seconds it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        extras = list(pool.map(lambda e: extra(base, e), range(EXTRA)))
    live = {screen: room.page(screen, "about:blank") for screen in DRAWN}
    # The live screens show only the title: the first extra workshops carry the rest of it.
    for workshop in extras[: -(-len(rest("t")) // ONE_VALUE["t"])]:
        urls = {
            "console": workshop.urls["facilitate"],
            "projector": workshop.projector,
            "phone": workshop.urls["join"],
        }
        for screen, page in live.items():
            page.goto(urls[screen], wait_until="commit")
        for screen, page in live.items():
            drawn = f"(t) => ({DRAWN[screen]}) && document.body.innerText.includes(t)"
            with contextlib.suppress(Exception):  # the scan records what it shows
                page.wait_for_function(drawn, arg=workshop.needles["t"], timeout=4000)
            room.scan(screen, page, f"extra workshop {workshop.id}")
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda e: finish_extra(base, extras[e], e), range(EXTRA)))
    finished = {
        screen: room.page(screen, "about:blank") for screen in ("plan HTML", "review", "share page")
    }
    for workshop in extras:
        root = f"{base}/api/workshops/{workshop.id}"
        targets = {
            "plan HTML": (f"{root}/plan.html?version=1&token={workshop.key}", "f"),
            "review": (f"{base}/w/{workshop.id}/review#key={workshop.key}", "v"),
            "share page": (workshop.share, "v"),
        }
        for screen, page in finished.items():
            page.goto(targets[screen][0], wait_until="commit")
        for screen, page in finished.items():
            settle_value(page, workshop.needles[targets[screen][1]])
            room.scan(screen, page, f"extra workshop {workshop.id}")
    for page in [*live.values(), *finished.values()]:
        page.close()
    return time.monotonic() - started


def test_no_payload_runs_or_injects_on_any_screen(
    browser: Browser,
    server: LiveServer,
    workshops: list[Workshop],
    figure: Callable[[str, str], None],
) -> None:
    started = time.monotonic()
    room = Room(browser)
    base = server.url
    try:
        # The live screens of every workshop at once: the console, the room's screen and a
        # phone that joins with a payload as its name.
        live: list[tuple[Workshop, dict[str, Page]]] = []
        for workshop in workshops:
            pages = {
                "console": room.page("console", workshop.urls["facilitate"]),
                "projector": room.page("projector", workshop.projector),
                "phone": room.page("phone", workshop.urls["join"]),
            }
            live.append((workshop, pages))
        for workshop, pages in live:
            pages["phone"].fill("#name", tagged("n", group(workshop.g)[0]))
            pages["phone"].get_by_role("button", name="Join the workshop").click()
        # In the vote every screen shows the stage and its ideas.
        for workshop, pages in live:
            for screen, page in pages.items():
                settle(page, f"§i{group(workshop.g)[-1]:02d}")
                room.scan(screen, page, f"workshop {workshop.g} in its vote")
            # The console's Participants and links dialog names everyone who joined.
            console = pages["console"]
            console.click("#open-access")
            settle(console, f"§n{group(workshop.g)[-1]:02d}", timeout=3000)
            room.scan("console", console, f"workshop {workshop.g}, its participants")
            console.click("#access-close")
        # A started stage may be renamed: the stage title takes every payload in turn while
        # the screens watch.
        titles = {w.g: every_value("s", w.g) for w in workshops}
        for turn in range(1, len(titles[0])):
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(lambda w, t=turn: rename(base, w, titles[w.g][t]), workshops))
            for workshop, pages in live:
                needle = titles[workshop.g][turn].split(" ")[-1][-4:]
                for screen, page in pages.items():
                    settle(page, needle, timeout=3000)
                    room.scan(screen, page, f"workshop {workshop.g}, stage title {turn}")
        # The define step: an item's owner and deliverables.
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(define, workshops))
        for workshop, pages in live:
            for screen, page in pages.items():
                settle(page, f"§b{group(workshop.g)[-1]:02d}", timeout=3000)
                room.scan(screen, page, f"workshop {workshop.g} in its define step")
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda w: finish(base, w), workshops))
        # Finished: the same screens show the result.
        settle(live[-1][1]["console"], "PDF", timeout=4000)
        live[-1][1]["console"].wait_for_timeout(300)
        for workshop, pages in live:
            for screen, page in pages.items():
                room.scan(screen, page, f"workshop {workshop.g} finished")
                page.close()
        # The review (version 2 published), version 1's plan page (the facilitator name given
        # at the start is on its cover) and the share page (version 2).
        for workshop in workshops:
            first = group(workshop.g)[0]
            others = {
                "review": (f"{base}/w/{workshop.id}/review#key={workshop.key}", f"§e{first:02d}"),
                "plan HTML": (
                    f"{base}/api/workshops/{workshop.id}/plan.html?version=1&token={workshop.key}",
                    f"§i{first:02d}",
                ),
                "share page": (workshop.share, f"§w{first:02d}"),
            }
            opened = [
                (screen, room.page(screen, url), needle) for screen, (url, needle) in others.items()
            ]
            for screen, page, needle in opened:
                page.wait_for_load_state("load")
                settle(page, needle, 4000)
                room.scan(screen, page, f"workshop {workshop.g}")
                page.close()
        # The start page of the console's device lists the templates saved on it.
        start = room.page("start page", f"{base}/")
        start.wait_for_load_state("domcontentloaded")
        device = [template for w in workshops for template in w.templates]
        start.evaluate(
            "(list) => localStorage.setItem('sw:templates', JSON.stringify(list))", device
        )
        start.reload()
        settle(start, f"§l{len(PAYLOADS) - 1:02d}", 8000)
        room.scan("start page", start, "after every workshop")
        extra_seconds = one_value_screens(room, base)
        elapsed = time.monotonic() - started

        assert not room.dialogs, "\n".join(room.dialogs)
        assert not room.bad, "\n".join(room.bad[:40])
        triples = sum(len(found) for found in room.shown.values())
        per_screen = ", ".join(
            f"{screen} {len({k for k, _ in found})} fields/{len(found)}"
            for screen, found in room.shown.items()
        )
        fields_seen = {key for found in room.shown.values() for key, _ in found}
        every = {k: PLACED[k] | EXTRA_PLACED.get(k, set()) for k in FIELDS}
        placed = sum(len(numbers) for numbers in every.values())
        per_field = ", ".join(f"{FIELDS[k]} {len(every[k])}" for k in FIELDS if every[k])
        # The one-value fields: how many distinct payloads each screen that shows one showed.
        on_screen = {
            key: {
                screen: len({n for k, n in found if k == key})
                for screen, found in room.shown.items()
                if any(k == key for k, _ in found)
            }
            for key in ONE_VALUE
        }
        one_line = "; ".join(
            f"{FIELDS[key]}: " + ", ".join(f"{screen} {count}" for screen, count in counts.items())
            for key, counts in on_screen.items()
        )
        missing = sorted(FIELDS[key] for key in set(FIELDS) - fields_seen - NOT_ON_SCREENS)
        figure(
            "XSS in the browser",
            f"{len(PAYLOADS)} payloads, {placed} (payload, field) placements in "
            f"{len(fields_seen)} fields of {len(workshops)} workshops and {EXTRA} more that carry "
            f"the rest in their one-value fields, {len(SCREENS)} screens: "
            f"{triples} (payload, field, screen) shown literally, {room.scans} page scans, "
            f"0 dialogs, 0 injected elements, 0 script-src violations ({per_screen}; "
            f"payloads per field: {per_field}); one-value fields on screen, distinct payloads "
            f"shown: {one_line}; {elapsed:.0f} s ({extra_seconds:.0f} s of it the {EXTRA} "
            "extra workshops)",
        )
        few = [
            f"{FIELDS[key]} on the {screen}: {on_screen[key].get(screen, 0)} payloads"
            for key, screens in SHOWN_ON.items()
            for screen in screens
            if on_screen[key].get(screen, 0) < 50
        ]
        assert not few, "\n".join(few)
        assert not missing, f"fields no screen showed: {missing}"
        # Every payload placed in a field is shown literally on some screen. (A screen may show
        # one value of a field at a time: a phone its own name, the review and plan pages the
        # stage's last title, the projector the item in focus.)
        unseen = [
            f"{FIELDS[key]}: payloads {sorted(every[key] - got)} on no screen"
            for key in set(FIELDS) - NOT_ON_SCREENS
            if every[key]
            - (got := {n for found in room.shown.values() for k, n in found if k == key})
        ]
        assert not unseen, "\n".join(unseen)
    finally:
        room.close()


# --------------------------------------------------------------------------- the plan formats

INJECTABLE_TAGS = {
    "script", "iframe", "frame", "object", "embed", "base", "applet", "marquee", "template",
    "form", "input", "button", "video", "audio", "source", "details", "math", "textarea",
    "body", "x", "link", "meta", "img", "set",
}  # fmt: skip


class Tags(HTMLParser):
    """Every start tag and attribute of a document, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def injected(html: str, *, allowed: set[str]) -> tuple[list[str], str]:
    """What in `html` a payload injected, and its text."""
    parser = Tags()
    parser.feed(html)
    parser.close()
    found: list[str] = []
    for tag, attrs in parser.tags:
        if tag in INJECTABLE_TAGS - allowed:
            found.append(f"<{tag}>")
        for name, value in attrs:
            flat = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name == "xss" or name.startswith("on") or name == "srcdoc":
                found.append(f"<{tag} {name}>")
            elif flat.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"<{tag} {name}={flat[:30]}>")
            elif name in ("href", "src") and "evil.example" in flat:
                found.append(f"<{tag} {name}={flat[:40]}>")
    return found, "".join(parser.text)


def download(url: str, key: str) -> bytes:
    data = http(url, key=key)
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    # Text boxes and fields: read the XML's text runs too.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    parts += re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    return "\n".join(parts)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unneutralised(cell: str) -> str:
    """A CSV cell as typed: without the quote that keeps a formula from running."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def formats(base: str, workshop: Workshop) -> dict[str, bytes]:
    """Every format of version 1 and 2 (PDF and DOCX of version 2, the one with the review)."""
    root = f"{base}/api/workshops/{workshop.id}"
    files = {}
    for version in ("1", "2"):
        names = ["plan.html", "plan.md", "plan.json", "ideas.csv"]
        if version == "2":
            names += ["plan.docx", "plan.pdf"]
        for name in names:
            files[f"{name} v{version}"] = download(f"{root}/{name}?version={version}", workshop.key)
    return files


def pdf_font_lacks() -> Callable[[str], str]:
    """Drop from a text the characters the plan's bundled font has no glyph for: DejaVu Sans has
    no halfwidth and fullwidth forms (U+FF00-U+FFEF), which the PDF prints as a missing-glyph
    box (extracted as U+FFFD). The PDF cannot show those, literally or otherwise."""
    return lambda text: "".join(
        ch for ch in text if not 0xFF00 <= ord(ch) <= 0xFFEF and ch != "\ufffd"
    )


THIN = 33  # workshops that carry only the one-value fields, so each holds every payload


def one_value(field_key: str, t: int) -> str:
    """Thin workshop t's value of a one-value field: the next payloads in turn."""
    count = ONE_VALUE[field_key]
    numbers = [(count * t + i) % len(PAYLOADS) for i in range(count)]
    PLACED[field_key].update(numbers)
    return " ".join(tagged(field_key, n) for n in numbers)


def thin(base: str, t: int) -> dict[str, bytes]:
    """A workshop with payloads in its title, organisation and facilitator name, finished at
    once, its version 2 naming another facilitator; its text formats of both versions."""
    body = {
        "title": one_value("t", t),
        "organization": one_value("o", t),
        "facilitator_name": one_value("f", t),
    }
    created = http(f"{base}/api/workshops", "POST", body)
    key = created["facilitator_key"]
    client = socketio.Client(reconnection=False)
    client.connect(base, transports=["websocket"])
    try:
        call(client, "facilitate", {"workshop_id": created["id"], "key": key})
        call(client, "workshop:finish", {})
    finally:
        client.disconnect()
    root = f"{base}/api/workshops/{created['id']}"
    review = {"based_on": 1, "items": [], "facilitator": one_value("v", t)}
    http(f"{root}/plan/versions", "POST", review, key)
    return {
        f"{name} v{version}": download(f"{root}/{name}?version={version}", key)
        for version in ("1", "2")
        for name in ("plan.html", "plan.md", "plan.json")
    }


def test_every_plan_format_keeps_the_payloads_as_text(
    server: LiveServer, workshops: list[Workshop], figure: Callable[[str, str], None]
) -> None:
    started = time.monotonic()
    unfinished = [workshop for workshop in workshops if not workshop.share]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda w: finish(server.url, w), unfinished))
        downloaded = list(pool.map(lambda w: formats(server.url, w), workshops))
        rich = {key: set(numbers) for key, numbers in PLACED.items()}
        thin_files = list(pool.map(lambda t: thin(server.url, t), range(THIN)))
    # A plan holds its stage's title as it was at the finish (the last of its renames).
    final = {int(n) for w in workshops for n in re.findall(r"§s(\d\d)", w.stage_title)}
    markdown = MarkdownIt("commonmark")  # raw HTML is allowed: escaping must stop it
    in_font = pdf_font_lacks()
    problems: list[str] = []
    seen: dict[str, set[tuple[str, int]]] = {}
    cells = 0
    named = [(f"workshop {w.g}", files) for w, files in zip(workshops, downloaded, strict=True)]
    named += [(f"thin workshop {t}", files) for t, files in enumerate(thin_files)]
    for owner, files in named:
        for name, data in files.items():
            where = f"{name} of {owner}"
            kind = name.split()[0]
            if kind == "plan.html":
                bad, text = injected(data.decode(), allowed={"body", "meta", "link", "img"})
                problems += [f"{where}: {b}" for b in bad]
                seen.setdefault("HTML", set()).update(shown(text))
            elif kind == "plan.md":
                bad, text = injected(markdown.render(data.decode()), allowed=set())
                problems += [f"{where}: {b}" for b in bad]
                seen.setdefault("Markdown", set()).update(shown(text))
            elif kind == "plan.json":
                strings = "\n".join(s for s in _walk(json.loads(data)) if isinstance(s, str))
                seen.setdefault("JSON", set()).update(shown(strings))
            elif kind == "ideas.csv":
                rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
                for cell in (cell for row in rows for cell in row if "§" in cell):
                    cells += 1
                    if cell.startswith(FORMULA_START):
                        problems.append(f"{where}: formula cell {cell!r}")
                flat = "\n".join(unneutralised(c) for r in rows for c in r)
                seen.setdefault("CSV", set()).update(shown(flat))
            elif kind == "plan.docx":
                seen.setdefault("DOCX", set()).update(shown(docx_text(data)))
            elif kind == "plan.pdf":
                seen.setdefault("PDF", set()).update(shown(pdf_text(data), keep=in_font))
            if kind in ("plan.html", "plan.md") and TEMPLATE_RESULT.encode() in data:
                problems.append(f"{where}: a template expression was evaluated")
    elapsed = time.monotonic() - started
    assert not problems, "\n".join(problems[:40])

    # Every field a format shows at all, it shows literally for every payload placed in it.
    partial: list[str] = []
    for fmt, found in seen.items():
        for key in {k for k, _ in found}:
            placed = rich[key] if fmt in ("CSV", "DOCX", "PDF") else PLACED[key]
            placed = final if key == "s" else placed
            missing = sorted(placed - {n for k, n in found if k == key})
            if missing:
                partial.append(f"{fmt} {FIELDS[key]}: payloads {missing} not literal")
    summary = ", ".join(f"{fmt} {len({k for k, _ in f})} fields" for fmt, f in seen.items())
    summary += "; payloads per field: " + ", ".join(
        f"{FIELDS[k]} {len(PLACED[k])}" for k in FIELDS if PLACED[k]
    )
    triples = sum(len(found) for found in seen.values())
    figure(
        "XSS in the plan formats",
        f"{len(PAYLOADS)} payloads in {len(FIELDS)} fields of {len(workshops)} plans "
        f"(versions 1 and 2) and {THIN} more whose title, organisation and facilitators take "
        f"every payload (HTML, Markdown, JSON), 6 formats: {triples} (payload, field, format) "
        "literal "
        f"({summary}); 0 injected tags or attributes (HTML parsed, Markdown rendered with "
        f"markdown-it); {cells} CSV cells, 0 formulas; {elapsed:.0f} s",
    )
    assert not partial, "\n".join(partial)
