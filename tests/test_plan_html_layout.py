"""The HTML plan laid out by a real headless Chromium, on a desk, on a phone and printed.

Every table cell is measured word by word (a DOM Range over each word, its client rects): no
date, number or word is broken mid-way, at 1280 and at 375 px, and the page is never wider than
the screen (a wide table scrolls inside its own box). The print is read back with pypdf: no page
ends with a lone heading, the strategy page is exactly one page of its own, and every page
carries the version and publication date in its footer.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from tests.chromium import skip_module_without_chromium
from tests.plan_samples import big_plan, board_plan, crowded_plan, full_plan
from workshop.plan import PlanDocument, render_html
from workshop.plan import layout as lay
from workshop.plan.html import css_string

pytestmark = pytest.mark.browser

skip_module_without_chromium()

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
PLANS: dict[str, Callable[[], PlanDocument]] = {
    "board": board_plan,
    "big": big_plan,
    "full": full_plan,
    "crowded": lambda: crowded_plan(200),
}

# Every word of every table cell and header, every date and every number: the lines it
# spans, by the client rects of a DOM Range over it. Words are runs of letters and digits, so a
# wrap at a hyphen or a slash between words is fine; inside one, or inside a date, it is not.
BROKEN_WORDS = r"""
() => {
  const token = /\d{4}-\d{2}-\d{2}|\d+(?:[.,]\d+)*%?|[\p{L}\p{M}\p{N}]+/gu;
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (rects.length < 2) return 1;
    const tops = rects.map((r) => r.top).sort((a, b) => a - b);
    const height = Math.min(...rects.map((r) => r.height));
    return tops[tops.length - 1] - tops[0] > height / 2 ? 2 : 1;
  };
  const broken = [];
  const check = (root, pattern) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("svg, .map-outline")) continue;
      for (const match of node.data.matchAll(pattern)) {
        if (lines(node, match.index, match.index + match[0].length) > 1) broken.push(match[0]);
      }
    }
  };
  for (const cell of document.querySelectorAll("th, td")) check(cell, token);
  check(document.body, /\d{4}-\d{2}-\d{2}/g);  // a date anywhere: lists, charters, flags
  return broken;
}
"""
TOO_WIDE = r"""
() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]
"""
# Tables whose box scrolls sideways: (first header, box width, table width).
SCROLLING = r"""
() => [...document.querySelectorAll(".table-box")]
  .filter((box) => !box.closest(".map-outline") && box.scrollWidth > box.clientWidth + 1)
  .map((box) => [box.querySelector("th").textContent, box.clientWidth, box.scrollWidth])
"""
FOOTER_TOP = 45.0
"""Points from the foot of an A4 page: the footer's margin boxes sit below this."""
WIDE_COLUMNS = r"""
() => [...document.querySelectorAll("td.wide")].map((td) => td.getBoundingClientRect().width)
"""


@pytest.fixture(scope="module")
def pages(browser: Browser) -> Iterator[dict[tuple[str, int], Page]]:
    """Each sample plan open at each width, once for the module."""
    opened: dict[tuple[str, int], Page] = {}
    contexts = []
    for viewport in (DESK, PHONE):
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        for name, make in PLANS.items():
            page = context.new_page()
            page.set_content(render_html(make()))
            opened[(name, viewport["width"])] = page
    yield opened
    for context in contexts:
        context.close()


@dataclass(frozen=True)
class Printed:
    """One printed page as pypdf reads it: its text, and its last line of body text (above
    the footer) with whether that line is set as a heading (bold, 11.5 pt or larger)."""

    text: str
    last_line: str
    last_is_heading_type: bool


def read_page(page: Any) -> Printed:
    runs: list[tuple[float, float, bool, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            y = tm[5] * cm[3] + cm[5]
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            runs.append((y, size * tm[3] * cm[3], bold, text))

    text = page.extract_text(visitor_text=visit)
    body = [run for run in runs if run[0] > FOOTER_TOP]
    if not body:
        return Printed(text, "", False)
    lowest = min(y for y, *_ in body)
    last = [run for run in body if abs(run[0] - lowest) < 1]
    line = unicodedata.normalize("NFKC", "".join(run[3] for run in last)).strip()
    heading_type = all(bold and size >= 11.5 for _y, size, bold, _t in last)
    return Printed(text, line, heading_type)


@pytest.fixture(scope="module")
def prints(browser: Browser) -> dict[str, list[Printed]]:
    """Each sample plan printed to PDF (A4) by Chromium, each page read back by pypdf."""
    printed: dict[str, list[Printed]] = {}
    page = browser.new_page()
    for name in ("board", "big", "crowded"):
        page.set_content(render_html(PLANS[name]()))
        reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
        printed[name] = [read_page(p) for p in reader.pages]
    page.close()
    return printed


@pytest.mark.parametrize("width", [DESK["width"], PHONE["width"]])
@pytest.mark.parametrize("name", list(PLANS))
def test_no_table_cell_breaks_a_word_or_a_number_and_no_date_breaks_anywhere(
    pages: dict[tuple[str, int], Page], name: str, width: int
) -> None:
    assert pages[(name, width)].evaluate(BROKEN_WORDS) == []


@pytest.mark.parametrize("width", [DESK["width"], PHONE["width"]])
@pytest.mark.parametrize("name", list(PLANS))
def test_the_page_is_never_wider_than_the_screen(
    pages: dict[tuple[str, int], Page], name: str, width: int
) -> None:
    scroll_width, client_width = pages[(name, width)].evaluate(TOO_WIDE)
    assert client_width == width
    assert scroll_width <= client_width


@pytest.mark.parametrize("name", list(PLANS))
def test_on_a_desk_no_table_needs_to_scroll(pages: dict[tuple[str, int], Page], name: str) -> None:
    assert pages[(name, DESK["width"])].evaluate(SCROLLING) == []


def test_on_a_phone_the_idea_column_stays_readable_and_its_table_scrolls(
    pages: dict[tuple[str, int], Page],
) -> None:
    page = pages[("crowded", PHONE["width"])]
    widths = page.evaluate(WIDE_COLUMNS)
    assert len(widths) >= 200  # every appendix row
    assert min(widths) >= 200  # 14rem, never a few letters a line
    scrolling = page.evaluate(SCROLLING)
    assert any(header == "Rank" for header, _box, _table in scrolling)


@pytest.mark.parametrize("name", ["board", "big", "full"])
def test_the_strategy_page_is_one_screen_on_a_desk(
    pages: dict[tuple[str, int], Page], name: str
) -> None:
    page = pages[(name, DESK["width"])]
    box = page.locator("section.strategy").bounding_box()
    assert box is not None
    assert box["height"] <= DESK["height"]
    assert box["width"] > 1000  # it uses the screen's width, not the reading column's


def test_a_phone_gets_drawings_made_for_its_width(pages: dict[tuple[str, int], Page]) -> None:
    page = pages[("board", PHONE["width"])]
    drawings = page.evaluate(
        """() => [...document.querySelectorAll("svg")]
             .filter((svg) => getComputedStyle(svg).display !== "none")
             .map((svg) => [svg.getAttribute("class"), svg.parentElement.clientWidth,
                            svg.getBoundingClientRect().width, svg.viewBox.baseVal.width,
                            Math.min(...[...svg.querySelectorAll("text")]
                              .filter((t) => !t.hasAttribute("font-weight"))  // not labels
                              .filter((t) => !t.classList.contains("badge"))
                              .map((t) => parseFloat(t.getAttribute("font-size"))))])"""
    )
    maps = [d for d in drawings if d[0] == "map-drawing phone"]
    roadmaps = [d for d in drawings if d[0] == "roadmap-drawing phone"]
    assert len(maps) == 5 and len(roadmaps) == 1  # 4 goals and the unconnected part
    assert len(drawings) == 6  # the desk's drawings are hidden
    for _cls, box, drawn, view, smallest in maps:
        assert drawn <= box + 1 and box <= PHONE["width"]  # a map part fits: nothing clipped
        scale = drawn / view
        assert scale >= 0.97 and smallest * scale >= 11 * 0.97  # boxes' text near 1:1
    ((_cls, box, drawn, view, smallest),) = roadmaps
    assert drawn == pytest.approx(view)  # the roadmap at 1:1, scrolling in its box
    assert drawn > box and smallest >= 8


@pytest.mark.parametrize("name", ["board", "big"])
def test_drawn_text_keeps_its_size_and_stays_inside_its_drawing(
    pages: dict[tuple[str, int], Page], name: str
) -> None:
    # The page's CSS must not restyle SVG text (a class shared with the page's own flags
    # once drew the roadmap's flag lines twice their size, over the bars).
    wrong = pages[(name, DESK["width"])].evaluate(
        """() => [...document.querySelectorAll("svg text")].filter((text) => {
             const size = parseFloat(text.getAttribute("font-size"));
             const box = text.getBBox();
             const view = text.ownerSVGElement.viewBox.baseVal;
             return Math.abs(parseFloat(getComputedStyle(text).fontSize) - size) > 0.01
               || box.x < view.x - 0.5 || box.x + box.width > view.x + view.width + 0.5;
           }).map((text) => text.textContent)"""
    )
    assert wrong == []


def headings_of(plan: PlanDocument) -> list[str]:
    """Every heading the printed plan shows: sections, sub-sections, charter titles."""
    found = [block.text for block in lay.layout(plan) if isinstance(block, lay.Heading)]
    found += [block.title for block in lay.layout(plan) if isinstance(block, lay.Facts)]
    return found


def body_lines(text: str, plan: PlanDocument) -> list[str]:
    """A printed page's lines without its footer (the control line and "Page n of m")."""
    text = unicodedata.normalize("NFKC", text).replace(lay.control_line(plan), "\n")
    text = re.sub(r"Page \d+ of \d+", "\n", text)
    return [line.strip() for line in text.splitlines() if line.strip()]


A4_CONTENT = {"width": 680, "height": 994}
"""An A4 page inside the print margins (180 by 263 mm), in CSS pixels."""


@pytest.mark.parametrize("name", ["board", "big", "crowded", "full"])
def test_everything_kept_whole_in_print_fits_on_a_page(browser: Browser, name: str) -> None:
    # A group kept whole but taller than a page is split anyway, wherever it falls; a heading
    # group (a heading with its paragraphs and a short list or charter) stays well under a
    # page, so keeping it whole never leaves more than part of a page blank.
    page = browser.new_page(viewport=A4_CONTENT)  # type: ignore[arg-type]
    page.emulate_media(media="print")
    page.set_content(render_html(PLANS[name]()))
    heights = page.evaluate(
        """() => [...document.querySelectorAll(".keep, .charter, figure")]
             .map((el) => [el.className, el.textContent.trim().slice(0, 40),
                           el.getBoundingClientRect().height])"""
    )
    page.close()
    assert heights
    page_height = A4_CONTENT["height"]
    assert [h for h in heights if h[0] == "keep" and h[2] > 0.6 * page_height] == []
    assert [h for h in heights if h[2] > page_height] == []


@pytest.mark.parametrize("name", ["board", "big", "crowded"])
def test_no_printed_page_ends_with_a_lone_heading(
    prints: dict[str, list[Printed]], name: str
) -> None:
    headings = headings_of(PLANS[name]())
    for number, page in enumerate(prints[name], 1):
        assert page.last_line, f"page {number} is blank"
    for number, page in enumerate(prints[name][:-1], 1):
        lone = [h for h in headings if page.last_line and page.last_line in h]
        assert not (page.last_is_heading_type and lone), (
            f"page {number} ends with the heading {lone[0]!r}"
        )


@pytest.mark.parametrize("name", ["board", "big", "crowded"])
def test_every_printed_page_carries_the_version_and_date(
    prints: dict[str, list[Printed]], name: str
) -> None:
    plan = PLANS[name]()
    line = lay.control_line(plan)
    assert str(plan.version) in line and plan.published_at[:10] in line
    assert all(line in page.text for page in prints[name])
    count = len(prints[name])
    assert all(f"Page {n} of {count}" in page.text for n, page in enumerate(prints[name][1:], 2))


@pytest.mark.parametrize("name", ["board", "big"])
def test_the_strategy_page_prints_as_one_page_of_its_own(
    prints: dict[str, list[Printed]], name: str
) -> None:
    plan = PLANS[name]()
    (strategy,) = [b for b in lay.layout(plan) if isinstance(b, lay.StrategyPage)]
    printed = [" ".join(body_lines(page.text, plan)) for page in prints[name]]
    (number,) = [n for n, text in enumerate(printed) if "Strategy on a page" in text]
    assert number == 1  # right after the cover
    assert plan.title in printed[0] and "Strategy on a page" not in printed[0]
    page = printed[number]
    for goal in strategy.goals:
        assert goal.text in page
    for what, _who, due in strategy.first_actions:
        assert what in page and due in page
    following = body_lines(prints[name][number + 1].text, plan)
    assert following[0] in headings_of(plan)  # the next section starts on a page of its own


def test_the_title_and_the_cover_carry_the_version_and_publication() -> None:
    plan = board_plan()
    html = render_html(plan)
    title = re.search(r"<title>(.*?)</title>", html)
    assert title is not None
    assert title.group(1) == lay.document_title(plan)
    assert f"Strategic plan: {plan.title}" in title.group(1) and "Version 1" in title.group(1)
    assert plan.published_at[:10] in html.split("</header>", 1)[0]


@pytest.mark.parametrize(
    "text", ["</style><script>alert(1)</script>", 'a"b', "a\\", "x; } @import url(y)", "é · 2"]
)
def test_the_footer_text_cannot_leave_its_css_string(text: str) -> None:
    literal = css_string(text)
    inner = literal[1:-1]
    assert literal == f'"{inner}"' and re.fullmatch(r"(?:[A-Za-z0-9]|\\[0-9a-f]{6})*", inner)
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), inner)
    assert decoded == text
