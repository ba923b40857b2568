"""The plan as one self-contained HTML page: inline CSS and SVG, a print stylesheet, no
scripts. Jinja2 autoescapes every piece of user text; the SVG drawings are built here with each
text escaped the same way, and the print footer's CSS string escapes every character that is
not a letter or a digit.

Layouts that never break: words are kept whole (`overflow-wrap: break-word` breaks only a word
wider than its line), dates and numbers never wrap, each table and drawing scrolls inside its
own box on a phone so the page is never wider than the screen, and in print each heading stays
with what follows it, table rows are not split, map parts and charters are kept whole, and the
cover and the strategy page each have a page of their own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .. import i18n
from ..i18n import gettext, ngettext
from . import layout as lay
from . import mapgeom
from .document import PlanDocument, count_text, english, labelled
from .roadmap import RoadmapChart, RoadmapGeometry, roadmap_geometry

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
MAP_WIDTH = 760.0
"""The drawing width of a map part and of the roadmap, in CSS pixels at full size."""
MAP_FONT = 13.0
PHONE_WIDTH = 340.0
"""The width a map part is drawn at for a phone (a 375 px screen less the page's padding),
shown at 1:1 so its text keeps `MAP_FONT` pixels."""
PHONE_ROADMAP_WIDTH = 600.0
"""The phone's roadmap: narrower than the desk's, shown at 1:1 in a box that scrolls."""
ROADMAP_FONT = 11.0
KEEP_WHOLE = (lay.Paragraph, lay.Statement, lay.Items, lay.Facts)
"""Blocks short enough to keep on one printed page with the headings and lead-in lines before
them; a taller block (a table) follows them with `break-after: avoid` instead, and a drawing
takes them inside its first kept-whole figure."""
FLAG_EDGE = "#b42318"

SITUATION_CSS = Markup(
    "/* Issue 17: a 2x2 (the SWOT, the risks) shares a phone's width in two halves rather"
    " than scroll, and the strategy page's threats left unanswered. Only in plans that have"
    " them, so other plans' pages stay byte for byte as they were. */\n"
    "  .grid table { table-layout: fixed; }\n"
    "  .grid td:first-child, .grid th:first-child { border-right: 1px solid var(--line); }\n"
    "  .grid td.wide, .grid td.text, .grid th.wide, .grid th.text { min-width: 0; }\n"
    "  .strategy p.unanswered { margin: .35rem 0 0; color: var(--gap); }\n"
)


def extra_css(blocks: tuple[lay.Block, ...]) -> Markup:
    """The style rules only some plans need (`SITUATION_CSS`), or nothing."""
    needed = any(
        (isinstance(block, lay.Table) and block.style == "grid")
        or (isinstance(block, lay.StrategyPage) and block.unanswered)
        for block in blocks
    )
    return SITUATION_CSS if needed else Markup("")


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Chunk:
    """One block with what leads into it: the headings and short lines ("Served by:") right
    before it, which print on the same page as (at least the start of) the block."""

    lead: tuple[lay.Block, ...]
    block: lay.Block | None
    keep: bool
    """Lead and block are kept whole on one page (a short block)."""


def chunks(blocks: tuple[lay.Block, ...]) -> list[Chunk]:
    """The blocks, each run of headings and the paragraphs after them joined to the block
    that follows (a new heading after a paragraph starts a new run)."""
    found: list[Chunk] = []
    lead: list[lay.Block] = []
    for block in blocks:
        if isinstance(block, lay.Heading) and lead and not isinstance(lead[-1], lay.Heading):
            found.append(Chunk(tuple(lead), None, True))  # a section of paragraphs only
            lead = []
        if isinstance(block, lay.Heading | lay.Paragraph):
            lead.append(block)
            continue
        keep = bool(lead) and isinstance(block, KEEP_WHOLE)
        found.append(Chunk(tuple(lead), block, keep))
        lead = []
    if lead:
        found.append(Chunk(tuple(lead), None, True))
    return found


def cell_class(n: int, numeric: tuple[bool, ...], nowrap: tuple[bool, ...], wide: int) -> str:
    """A table column's class: "num" (right-aligned, never wraps), "nowrap" (dates, codes),
    "wide" (the column given most room: it keeps a readable width on a phone and the table
    scrolls instead) or "text"."""
    if n < len(numeric) and numeric[n]:
        return "num"
    if n < len(nowrap) and nowrap[n]:
        return "nowrap"
    return "wide" if n == wide else "text"


def wide_column(
    widths: tuple[float, ...], numeric: tuple[bool, ...], nowrap: tuple[bool, ...]
) -> int:
    """The column given most room (the idea, the item): the widest by the layout's relative
    widths among those that may wrap, else the first text column. A row's flags go there."""
    candidates = [
        n
        for n in range(max(len(widths), len(numeric)))
        if not (n < len(numeric) and numeric[n]) and not (n < len(nowrap) and nowrap[n])
    ]
    if not candidates:
        return 0
    if not widths:
        return candidates[0]
    return max(candidates, key=lambda n: (widths[n] if n < len(widths) else 0, -n))


def column_percents(widths: tuple[float, ...]) -> list[str]:
    """The layout's relative column widths as CSS percentages (none when it gives none)."""
    total = sum(widths)
    return [f"{100 * w / total:.1f}%" for w in widths] if total > 0 else []


_UNBROKEN = re.compile(
    r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])"  # a date
    r"|\b[A-Z]{3} [-+]?\d[\d.,]*(?: (?:thousand|million|billion|[kKmM]|bn))?\b"  # an amount
)
"""What must never wrap inside running text: ISO dates and amounts with their currency."""


def keep_dates(text: str) -> Markup:
    """Text, escaped, with each ISO date and each amount ("USD 12 million") in a span that
    never wraps ("2030-12-31" would otherwise break at a hyphen at the end of a line)."""
    escaped = str(escape(text))
    return Markup(_UNBROKEN.sub(lambda m: f'<span class="date">{m.group(0)}</span>', escaped))


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def css_string(text: str) -> str:
    """`text` as a CSS string literal: every character but ASCII letters and digits as a
    six-digit escape, so no text can end the string, the rule or the <style> element."""
    body = "".join(
        char if char.isascii() and char.isalnum() else f"\\{ord(char):06x}" for char in text
    )
    return f'"{body}"'


def page_css(plan: PlanDocument) -> Markup:
    """The @page rules: margins, the control line and the page number in the margin boxes."""
    control = css_string(lay.control_line(plan))
    return Markup(
        "@page { margin: 16mm 15mm 18mm;"
        f" @bottom-left {{ content: {control}; font: 7.5pt system-ui, sans-serif;"
        " color: #5b6675; }"
        f" @bottom-right {{ content: {page_counter()};"
        " font: 7.5pt system-ui, sans-serif; color: #5b6675; } }"
    )


def page_counter() -> str:
    """The page number's CSS content: "Page " counter(page) " of " counter(pages), in the
    language in force."""
    if english():
        return '"Page " counter(page) " of " counter(pages)'
    text = gettext("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for n, piece in enumerate(text.split("\0")):
        if n % 2:
            parts.append(f"counter({piece})" if piece in ("page", "pages") else css_string(piece))
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def colon(label: str) -> str:
    """A label before what it introduces: "Left unanswered:" (French: "… :")."""
    return gettext("%(label)s:", label=label)


def gap_count_line(count: int, top: bool) -> str:
    """ "3 gaps in the plan, the most important:" (or "… in the plan." without a list)."""
    n = count_text(count)
    if top:
        return ngettext(
            "%(count)s gap in the plan, the most important:",
            "%(count)s gaps in the plan, the most important:",
            count,
            count=n,
        )
    return ngettext("%(count)s gap in the plan.", "%(count)s gaps in the plan.", count, count=n)


def _svg_open(css_class: str, width: float, height: float, title: str, ident: str) -> str:
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {_f(width + 2)} {_f(height + 2)}" width="{_f(width + 2)}" '
        f'aria-labelledby="{ident}"><title id="{ident}">{escape(title)}</title>'
    )


def part_svg(part: mapgeom.MapPart, number: int, *, phone: bool = False) -> Markup:
    """One part of the alignment map as an inline SVG (see `mapgeom.part_geometry`): boxes
    by level, a flagged box with a red edge and its ⚠ lines, the action count as a badge.
    `phone`: drawn for a narrow screen at 1:1, one column of boxes, however tall."""
    if phone:
        geometry = mapgeom.part_geometry(
            part, width=PHONE_WIDTH, font_size=MAP_FONT, max_height=math.inf
        )
    else:
        geometry = mapgeom.part_geometry(part, width=MAP_WIDTH, font_size=MAP_FONT)
    size = geometry.font_size
    parts = [
        _svg_open(
            "map-drawing phone" if phone else "map-drawing wide",
            geometry.width,
            geometry.height,
            labelled(gettext("Alignment map"), geometry.title),
            f"map-part-{number}{'-phone' if phone else ''}",
        )
    ]
    for edge in geometry.edges:
        points = " ".join(f"{_f(x + 1)},{_f(y + 1)}" for x, y in edge)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#9aa5b1" stroke-width="1.5"/>'
        )
    for node in geometry.nodes:
        x, y = node.x + 1, node.y + 1
        flagged = bool(node.flags)
        marked = ' class="flagged"' if flagged else ""
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(node.width)}" height="{_f(node.height)}" '
            f'rx="6" fill="{"#fff5f3" if flagged else "#ffffff"}" '
            f'stroke="{FLAG_EDGE if flagged else node.colour}" '
            f'stroke-width="{"2.5" if flagged else "1.5"}"'
            f"{marked}/>"
        )
        label_y = y + geometry.padding + geometry.label_size
        parts.append(
            f'<text x="{_f(x + geometry.padding)}" y="{_f(label_y)}" '
            f'font-size="{_f(geometry.label_size)}" fill="{node.colour}" font-weight="700" '
            f'letter-spacing="0.5">{escape(node.level.upper())}</text>'
        )
        if node.badge:
            parts.append(
                f'<text class="badge" x="{_f(x + node.width - geometry.padding)}" '
                f'y="{_f(label_y)}" font-size="{_f(geometry.label_size)}" fill="#5b6675" '
                f'text-anchor="end">{escape(node.badge)}</text>'
            )
        lines = [(line, "#1b2430", "") for line in node.lines]
        lines += [(line, FLAG_EDGE, ' class="flag-line"') for line in node.flag_lines]
        for n, (line, colour, extra) in enumerate(lines):
            line_y = (
                y + geometry.padding + geometry.label_size * 1.25 + (n + 1) * geometry.line_height
            )
            parts.append(
                f'<text x="{_f(x + geometry.padding)}" y="{_f(line_y - size * 0.25)}" '
                f'font-size="{_f(size)}" fill="{colour}"{extra}>{escape(line)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def roadmap_svg(chart: RoadmapChart, *, phone: bool = False) -> Markup:
    """The roadmap as an inline SVG (see `roadmap.roadmap_geometry`); `phone`: a narrower
    drawing shown at 1:1 on a narrow screen (it scrolls sideways in its box)."""
    width = PHONE_ROADMAP_WIDTH if phone else MAP_WIDTH
    geometry = roadmap_geometry(chart, width=width, font_size=ROADMAP_FONT)
    return Markup(_roadmap_drawing(geometry, "phone" if phone else "wide"))


def _roadmap_drawing(g: RoadmapGeometry, variant: str) -> str:
    """The SVG of a `roadmap.RoadmapGeometry`, drawn as its docstring places each part."""
    parts = [
        _svg_open(
            f"roadmap-drawing {variant}",
            g.width,
            g.height,
            gettext("Roadmap by year"),
            f"roadmap-title-{variant}",
        )
    ]
    bottom = g.height - g.footer_height
    for n, lane in enumerate(g.lanes):
        if n % 2:
            parts.append(
                f'<rect x="1" y="{_f(lane.y + 1)}" width="{_f(g.width)}" height="{_f(lane.h)}" '
                'fill="#f4f6f9"/>'
            )
        rows = [(line, "#1b2430", "") for line in lane.lines]
        rows += [(line, FLAG_EDGE, ' class="flag-line"') for line in lane.flag_lines]
        bold = ' font-weight="600"' if lane.kind == "program" else ""
        for k, (line, colour, extra) in enumerate(rows):
            weight = bold if k < len(lane.lines) else ""
            base = lane.y + g.padding + g.font_size + k * g.line_height
            parts.append(
                f'<text x="{_f(g.padding + lane.indent + 1)}" y="{_f(base + 1)}" '
                f'font-size="{_f(g.font_size)}" fill="{colour}"{weight}'
                f"{extra}>{escape(line)}</text>"
            )
    edges = [x for x, _label in g.years] + [g.plot_right]
    for x in edges:
        parts.append(
            f'<line x1="{_f(x + 1)}" y1="{_f(g.header_height + 1)}" x2="{_f(x + 1)}" '
            f'y2="{_f(bottom + 1)}" stroke="#d9dee5" stroke-width="1"/>'
        )
    for (x, label), right in zip(g.years, edges[1:], strict=True):
        parts.append(
            f'<text x="{_f((x + right) / 2 + 1)}" y="{_f(g.header_height - g.padding + 1)}" '
            f'font-size="{_f(g.font_size)}" font-weight="700" fill="#5b6675" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for bar in g.bars:
        edge = f' stroke="{FLAG_EDGE}" stroke-width="2"' if bar.flags else ""
        faded = (
            ' fill-opacity="0.55" stroke-dasharray="4 2"' if bar.open_start or bar.open_end else ""
        )
        if faded and not edge:
            edge = f' stroke="{bar.colour}" stroke-width="1"'
        parts.append(
            f'<rect x="{_f(bar.x + 1)}" y="{_f(bar.y + 1)}" width="{_f(bar.w)}" '
            f'height="{_f(bar.h)}" rx="3" fill="{bar.colour}"{edge}{faded}>'
            f"<title>{escape(bar.label)}</title></rect>"
        )
        middle = bar.y + bar.h / 2 + 1
        if bar.clipped_start:
            parts.append(_arrow(bar.x + 1, middle, -1, bar.h))
        if bar.clipped_end:
            parts.append(_arrow(bar.x + bar.w + 1, middle, 1, bar.h))
    for diamond in g.milestones:
        half = diamond.size / 2
        x, y = diamond.x + 1, diamond.y + 1
        parts.append(
            f'<path d="M{_f(x)} {_f(y - half)} L{_f(x + half)} {_f(y)} L{_f(x)} {_f(y + half)} '
            f'L{_f(x - half)} {_f(y)} Z" fill="{diamond.colour}"/>'
            f'<text x="{_f(diamond.label_x + 1)}" y="{_f(diamond.label_y + 1)}" '
            f'font-size="{_f(g.small_size)}" fill="#1b2430" text-anchor="{diamond.anchor}">'
            f"{escape(diamond.label)}</text>"
        )
    if g.today_x is not None:
        x = g.today_x + 1
        parts.append(
            f'<line x1="{_f(x)}" y1="{_f(g.header_height + 1)}" x2="{_f(x)}" y2="{_f(bottom + 1)}" '
            f'stroke="{FLAG_EDGE}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="{_f(x)}" y="{_f(g.height - g.padding + 1)}" font-size="{_f(g.small_size)}" '
            f'fill="{FLAG_EDGE}" text-anchor="middle">{escape(g.today_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _arrow(x: float, y: float, direction: int, height: float) -> str:
    """A small arrowhead at a bar's clipped end: the item runs on beyond the horizon."""
    size = height / 2
    tip = x + direction * size
    return (
        f'<path d="M{_f(x)} {_f(y - size)} L{_f(tip)} {_f(y)} L{_f(x)} {_f(y + size)} Z" '
        'fill="#1b2430"/>'
    )


_env.filters["dates"] = keep_dates
_env.globals.update(
    cell_class=cell_class,
    wide_column=wide_column,
    column_percents=column_percents,
    _=gettext,
    gettext=gettext,
    ngettext=ngettext,
    labelled=labelled,
    colon=colon,
    gap_count_line=gap_count_line,
)


def render_html(plan: PlanDocument, *, downloads: list[tuple[str, str]] | None = None) -> str:
    """The plan as one printable, self-contained HTML page. `downloads` (label, URL) adds a
    bar of links to the other formats, for the read-only share page. In the plan's language,
    whoever calls it."""
    with i18n.use_language(plan.language):
        return _render_html(plan, downloads)


def _render_html(plan: PlanDocument, downloads: list[tuple[str, str]] | None) -> str:
    template = _env.get_template("plan_document.html")
    blocks = lay.layout(plan)
    return template.render(
        plan=plan,
        title=lay.document_title(plan),
        page_css=page_css(plan),
        extra_css=extra_css(blocks),
        control=lay.control_line(plan),
        chunks=chunks(blocks),
        part_svg=part_svg,
        roadmap_svg=roadmap_svg,
        draft_notice=gettext(lay.DRAFT_NOTICE),
        lang=i18n.current_language(),
        auto=Markup("") if english() else Markup(' dir="auto"'),
        dir=i18n.direction(),
        downloads=downloads or [],
    )


def render_bytes(plan: PlanDocument) -> bytes:
    """The HTML file, UTF-8."""
    return render_html(plan).encode("utf-8")
