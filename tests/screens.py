"""Measuring a screen as a person in the room sees it, for any browser test.

Each check runs in the page in one `page.evaluate` (no round trip per element) and returns a
list of human-readable findings, empty when the screen passes, so a test can write
`assert not violations, violations`:

- `projector_violations(page, floor_px=...)`: the room's screen never scrolls; nothing is
  below the fold or beyond the right edge; no visible text under the floor (24 px at
  1920x1080, 16 px at 1280x720: `floor_for(viewport)`).
- `phone_violations(page)`: no sideways scrolling at the device width, no visible text under
  16 px, no touch target under 44x44 px.
- `mid_word_breaks(page)`: words broken across lines, and item text styled so that it may be
  (`overflow-wrap: anywhere`, `word-break: break-all`).
- `axe_violations(page)`: axe-core's serious and critical violations (axe-core is vendored
  under tests/vendor/axe-core and injected with `page.evaluate`, which the pages' content
  security policy does not apply to, so no context needs `bypass_csp`).
- `shot(page, name, folder)`: a PNG of what the screen shows.

`watch_mutations(context)` and `settle(pages)` let a test wait until every screen has drawn
what the server sent before it measures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE_TEXT_FLOOR = 16.0
TARGET_MIN = 44.0
FINDINGS_PER_CHECK = 12  # more of the same kind are summed up as "… and N more"


def floor_for(width: int, height: int) -> float:
    """The projector's smallest readable text: 24 px at 1920x1080, scaled to the screen."""
    return min(width / 1920, height / 1080) * 24


# --------------------------------------------------------------------------- in-page helpers

# Shared by every check: how an element is named in a finding, whether it is really drawn,
# and every visible text run with its rendered font size (SVG text scaled by its viewBox).
_COMMON_JS = """
const LIMIT = %(limit)d;
const describe = (el) => {
  if (!el || el.nodeType !== 1) return "?";
  let name = el.tagName.toLowerCase();
  if (el.id) name += "#" + el.id;
  const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
  if (classes[0]) name += "." + classes.slice(0, 2).join(".");
  let parent = el.parentElement, path = [name];
  for (let i = 0; i < 2 && parent && parent !== document.body; i++, parent = parent.parentElement) {
    let p = parent.tagName.toLowerCase();
    if (parent.id) { path.unshift(p + "#" + parent.id); break; }
    const pc = typeof parent.className === "string" ? parent.className.trim().split(/\\s+/) : [];
    if (pc[0]) p += "." + pc[0];
    path.unshift(p);
  }
  return path.join(" > ");
};
const label = (el) => {
  const text = (el.getAttribute && (el.getAttribute("aria-label") || "")) ||
    (el.innerText !== undefined ? el.innerText : el.textContent) || el.value || "";
  const flat = String(text).replace(/\\s+/g, " ").trim();
  return flat.length > 50 ? flat.slice(0, 47) + "…" : flat;
};
const srOnly = (el) => {
  // Visually hidden text for screen readers (1 px and clipped) is not on the screen.
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const s = getComputedStyle(node);
    const r = node.getBoundingClientRect();
    if ((r.width <= 1 || r.height <= 1) && (s.overflow === "hidden" || s.clip !== "auto" ||
        s.clipPath !== "none")) return true;
    if (s.clip !== "auto" && s.position === "absolute") return true;
  }
  return false;
};
const visible = (el) => {
  if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
const cap = (list) => list.length > LIMIT
  ? list.slice(0, LIMIT).concat([`… and ${list.length - LIMIT} more like these`]) : list;
const textRuns = () => {
  // Every visible run of text: its element, rendered size, text and box.
  const runs = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.replace(/\\s+/g, " ").trim();
    const parent = node.parentElement;
    if (!text || !parent || seen.has(parent)) continue;
    const tag = parent.tagName.toLowerCase();
    if (tag === "script" || tag === "style" || tag === "noscript" || tag === "title") continue;
    if (!parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    if (srOnly(parent)) continue;
    seen.add(parent);
    let size = parseFloat(getComputedStyle(parent).fontSize);
    if (parent instanceof SVGElement && parent.getScreenCTM) {
      const m = parent.getScreenCTM();
      if (m) size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    runs.push({ el: parent, size, text: text.length > 40 ? text.slice(0, 37) + "…" : text, box });
  }
  return runs;
};
const smallText = (floor) => {
  const found = [];
  for (const run of textRuns()) {
    if (run.size < floor - 0.05) {
      found.push(`text ${run.size.toFixed(1)} px < ${floor.toFixed(0)} px: "${run.text}" ` +
        `(${describe(run.el)})`);
    }
  }
  return cap(found);
};
// Elements sticking out past the right edge (and below the bottom when `bottom` is given):
// only the outermost of each nest is named, so one wide table is one finding.
const outside = (right, bottom) => {
  const found = [];
  const all = document.body.querySelectorAll("*");
  const out = new Set();
  for (const el of all) {
    const tag = el.tagName.toLowerCase();
    if (tag === "script" || tag === "style" || tag === "br") continue;
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    const wide = r.right > right + 1;
    const low = bottom !== null && r.bottom > bottom + 1;
    if (!wide && !low) continue;
    if (srOnly(el)) continue;
    out.add(el);
    if (el.parentElement && out.has(el.parentElement)) continue;
    const where = [];
    if (wide) where.push(`right edge at ${Math.round(r.right + scrollX)} px > ${right} px`);
    if (low) where.push(`bottom at ${Math.round(r.bottom + scrollY)} px > ${bottom} px`);
    found.push(`${describe(el)} "${label(el)}" ${where.join(", ")}`);
  }
  return cap(found);
};
// What lies past the bottom of a screen that must not scroll: the outermost elements wholly
// below it (which items did not fit), and the innermost ones it cuts through.
const belowFold = (bottom) => {
  const below = new Set(), cut = [];
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (/^(SCRIPT|STYLE|BR)$/.test(el.tagName) || !visible(el) || srOnly(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.bottom <= bottom + 1) continue;
    if (r.top >= bottom - 1) {
      below.add(el);
      if (!(el.parentElement && below.has(el.parentElement))) {
        found.push(`below the fold: ${describe(el)} "${label(el)}" starts at ` +
          `${Math.round(r.top + scrollY)} px, the screen ends at ${bottom} px`);
      }
    } else {
      cut.push(el);
    }
  }
  // The innermost elements the bottom edge cuts through (none of their children is cut).
  const inner = cut.filter((el) => !cut.some((other) => other !== el && el.contains(other)));
  for (const el of inner) {
    const r = el.getBoundingClientRect();
    found.push(`cut by the bottom edge: ${describe(el)} "${label(el)}" ` +
      `(${Math.round(r.top + scrollY)} to ${Math.round(r.bottom + scrollY)} px)`);
  }
  return cap(found);
};
"""


def _run(page: Page, body: str, arg: Any = None) -> list[str]:
    """Run `body` (JS statements that `return` a list of strings) with the shared helpers."""
    script = "(arg) => {\n" + (_COMMON_JS % {"limit": FINDINGS_PER_CHECK}) + body + "\n}"
    found: list[str] = page.evaluate(script, arg)
    return found


# --------------------------------------------------------------------------- the checks


def projector_violations(page: Page, *, floor_px: float) -> list[str]:
    """What keeps the room's screen from fitting and reading from the back of the room."""
    return _run(
        page,
        """
    const found = [];
    const doc = document.documentElement;
    if (doc.scrollHeight > innerHeight) {
      found.push(`page scrolls: content ${doc.scrollHeight} px tall in a ${innerHeight} px screen`);
    }
    if (doc.scrollWidth > innerWidth) {
      found.push(`page scrolls sideways: ${doc.scrollWidth} px wide in a ${innerWidth} px screen`);
    }
    for (const line of outside(innerWidth, null)) found.push("cut off: " + line);
    for (const line of belowFold(innerHeight)) found.push(line);
    for (const line of smallText(arg)) found.push(line);
    return found;
    """,
        floor_px,
    )


def phone_violations(page: Page, *, width: int | None = None) -> list[str]:
    """What makes a phone scroll sideways, squint or miss a tap. `width` is the device width
    (the viewport's by default: Chrome on a phone widens `innerWidth` to fit wide content)."""
    device = width or (page.viewport_size or {"width": 0})["width"]
    return _run(
        page,
        """
    const [device, textFloor, targetMin] = arg;
    const found = [];
    const doc = document.documentElement;
    const wide = Math.max(doc.scrollWidth, document.body.scrollWidth);
    if (wide > device) found.push(`page scrolls sideways: ${wide} px wide on a ${device} px phone`);
    for (const line of outside(device, null)) found.push("sticks out: " + line);
    for (const line of smallText(textFloor)) found.push(line);
    const targets = document.querySelectorAll(
      "button, a[href], input:not([type=hidden]), select, textarea, summary, label.check, " +
      "[role=button]");
    const small = [];
    for (const el of targets) {
      if (!visible(el) || srOnly(el)) continue;
      let r = el.getBoundingClientRect();
      if (el.matches("input[type=checkbox], input[type=radio]")) {
        // A box inside (or named by) a big enough label is tapped through the label.
        const owner = el.closest("label") ||
          (el.id && document.querySelector(`label[for="${el.id}"]`));
        if (owner) {
          const lr = owner.getBoundingClientRect();
          if (lr.width >= targetMin - 0.5 && lr.height >= targetMin - 0.5) continue;
        }
      }
      if (r.width < targetMin - 0.5 || r.height < targetMin - 0.5) {
        small.push(`target ${Math.round(r.width)}x${Math.round(r.height)} px < 44x44: ` +
          `${describe(el)} "${label(el)}"`);
      }
    }
    for (const line of cap(small)) found.push(line);
    return found;
    """,
        [device, PHONE_TEXT_FLOOR, TARGET_MIN],
    )


def horizontal_overflow(page: Page) -> list[str]:
    """The console's check: nothing makes the page scroll sideways."""
    return _run(
        page,
        """
    const doc = document.documentElement;
    const found = [];
    if (doc.scrollWidth > innerWidth) {
      found.push(`page scrolls sideways: ${doc.scrollWidth} px wide in a ${innerWidth} px window`);
      for (const line of outside(innerWidth, null)) found.push("sticks out: " + line);
    }
    return found;
    """,
    )


def mid_word_breaks(page: Page) -> list[str]:
    """Words the layout broke across two lines, and text styled to allow it anywhere."""
    return _run(
        page,
        """
    const found = [];
    const styled = new Set();
    for (const run of textRuns()) {
      const style = getComputedStyle(run.el);
      // A URL or a code may break anywhere; words may not.
      const url = /^\\S*[/.:]\\S*$/.test(run.text);
      if (!url && (style.overflowWrap === "anywhere" || style.wordBreak === "break-all")) {
        let owner = run.el;
        while (owner.parentElement) {
          const p = getComputedStyle(owner.parentElement);
          if (p.overflowWrap !== style.overflowWrap || p.wordBreak !== style.wordBreak) break;
          owner = owner.parentElement;
        }
        if (!styled.has(owner)) {
          styled.add(owner);
          const rule = style.wordBreak === "break-all" ? "word-break: break-all"
            : "overflow-wrap: anywhere";
          found.push(`${rule} on text: ${describe(owner)} "${label(owner)}"`);
        }
      }
    }
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      // A word: letters and digits (a line may break after a hyphen or a slash).
      if (!parent || !/[\\p{L}\\p{N}]{3,}/u.test(node.nodeValue)) continue;
      if (!parent.checkVisibility({ checkVisibilityCSS: true })) continue;
      if (parent.closest("svg, script, style")) continue;
      const style = getComputedStyle(parent);
      if (style.hyphens === "auto" || /^(pre|nowrap)$/.test(style.whiteSpace)) continue;
      const words = node.nodeValue.matchAll(/[\\p{L}\\p{N}]{3,}/gu);
      for (const match of words) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (rects.length < 2) continue;
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        if (tops.size < 2) continue;
        broken.push(`word broken across lines: "${match[0].slice(0, 30)}" ` +
          `(${Math.round(parent.getBoundingClientRect().width)} px wide ${describe(parent)})`);
        break;
      }
    }
    return found.concat(cap(broken));
    """,
    )


def structure(page: Page) -> str:
    """The page's element structure without text (tags and classes, in order): two phones
    with the same structure get the same axe-core findings, whatever their widths."""
    signature: str = page.evaluate(
        """() => {
          let hash = 0;
          const parts = [...document.body.querySelectorAll("*")].map((el) =>
            el.tagName + "." + (typeof el.className === "string" ? el.className : "") +
            (el.hidden ? "!" : "")).join("|");
          for (let i = 0; i < parts.length; i++) hash = (hash * 31 + parts.charCodeAt(i)) | 0;
          return `${parts.length}:${hash}`;
        }"""
    )
    return signature


_AXE_SOURCE: str | None = None


def axe_source() -> str:
    """The vendored axe-core, read once."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
    return _AXE_SOURCE


def start_axe(page: Page, *, impacts: Iterable[str] = ("serious", "critical")) -> None:
    """Start axe-core on the page without waiting for it, so several pages (each in its own
    renderer) are checked at once; `axe_findings(page)` collects the result."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated over the DevTools protocol, which the page's CSP (script-src 'self') does
        # not govern; add_script_tag(path=) would inline it in a <script> the CSP refuses.
        page.evaluate(axe_source() + "\n;undefined")
    page.evaluate(
        """(impacts) => {
          window.__axeFindings = null;
          window.axe.run(document, {
            resultTypes: ["violations"],
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "wcag22aa", "best-practice"] },
          }).then((result) => {
            window.__axeFindings = result.violations.filter((v) => impacts.includes(v.impact))
              .map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({
                  target: n.target.join(" "),
                  summary: (n.failureSummary || "").split("\\n").slice(1, 2).join(" ").trim(),
                })),
              }));
          }, (error) => { window.__axeFindings = { error: String(error) }; });
        }""",
        list(impacts),
    )


def axe_findings(page: Page, *, timeout: float = 30_000) -> list[str]:
    """The result of `start_axe(page)`, one line per violated rule."""
    page.wait_for_function("() => window.__axeFindings !== null", timeout=timeout)
    results: Any = page.evaluate("() => window.__axeFindings")
    if isinstance(results, dict):
        return [f"axe could not run: {results.get('error')}"]
    found: list[str] = []
    for violation in results:
        nodes = violation["nodes"]
        targets = "; ".join(
            node["target"] + (f" ({node['summary']})" if node["summary"] else "")
            for node in nodes[:4]
        )
        more = f"; … and {len(nodes) - 4} more" if len(nodes) > 4 else ""
        found.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']}: {targets}{more}"
        )
    return found


def axe_violations(page: Page, *, impacts: Iterable[str] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts, each with its rule, help and targets."""
    start_axe(page, impacts=impacts)
    return axe_findings(page)


def shot(page: Page, name: str, folder: Path, *, full_page: bool = False) -> Path:
    """Save what the screen shows as `<folder>/<name>.png` (one image pixel per CSS pixel)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, scale="css", animations="disabled")
    return path


# --------------------------------------------------------------------------- waiting for screens

_WATCH_JS = """
(() => {
  window.__screenChanges = 0;
  window.__screenQuietSince = performance.now();
  const start = () => {
    new MutationObserver(() => {
      window.__screenChanges += 1;
      window.__screenQuietSince = performance.now();
    }).observe(document.documentElement, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
  };
  if (document.documentElement) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
"""


def watch_mutations(context: BrowserContext) -> None:
    """Count every DOM change of the context's pages (for `settle`); call before `goto`."""
    context.add_init_script(script=_WATCH_JS)


def changes(page: Page) -> int:
    """How many DOM changes the page has had so far (see `watch_mutations`)."""
    count: int = page.evaluate("() => window.__screenChanges || 0")
    return count


def settle(
    pages: Iterable[Page],
    *,
    since: dict[Page, int] | None = None,
    quiet_ms: float = 200,
    timeout: float = 4.0,
) -> list[Page]:
    """Wait until each page has been still for `quiet_ms` (and, for pages in `since`, has
    changed after that count), all pages at once; returns the pages that never got there."""
    waiting = list(pages)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        still: list[Page] = []
        for page in waiting:
            changed, quiet = page.evaluate(
                "() => [window.__screenChanges || 0,"
                " performance.now() - (window.__screenQuietSince || 0)]"
            )
            if (since is not None and page in since and changed <= since[page]) or (
                quiet < quiet_ms
            ):
                still.append(page)
        waiting = still
        if waiting:
            time.sleep(0.05)
    return waiting
