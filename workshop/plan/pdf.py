"""The plan as a PDF: A4, drawn with fpdf2 and the bundled DejaVu fonts, nothing else.

Choices, and why:

* **Pure Python, same bytes every time.** fpdf2 needs no system library; the fonts come from
  `fonts/` next to this module, the creation date from the plan, and fpdf2 derives the file
  identifier from the content, so one plan always gives the same file.
* **Our own line breaking.** Every piece of text is wrapped here, word by word, with glyph
  advances read once from the fonts by fontTools (and word widths cached), then placed with
  fpdf2's low-level `text()`. fpdf2's `table()` and `multi_cell()` re-measure each character
  several times per cell, which made a 600-idea appendix take seconds; knowing every row's
  height up front also lets a table repeat its header on each page it spills onto, and keeps
  headings with what follows them. Page breaks are ours too (fpdf2's automatic break is off).
* **Text is only ever text.** Participants' words go through `text()` as they are: no
  markdown, no HTML, so `**bold**` and `<script>` print literally. Whitespace is folded to
  single spaces, as the Markdown renderer does.
* **Glyphs the font lacks become U+FFFD.** DejaVu Sans covers Latin, Greek, Cyrillic and the
  usual symbols (check mark, arrows, dashes) but not emoji: each character missing from the
  font is drawn as "�" (invisible ones, such as joiners and skin-tone modifiers, are
  dropped), so fpdf2 never warns about missing glyphs. The bold and oblique faces cover
  less than the regular one; a string they cannot draw is set in the regular face rather
  than losing characters.
* **The alignment map is a drawing**, from the same geometry as the HTML page's SVG
  (`mapgeom.py`): rounded boxes, elbow connectors and text, split across pages between boxes.
* **Quiet.** The renderer raises no warnings, and fontTools' subsetting chatter (INFO) is
  silenced; fpdf2 has nothing to report when every glyph exists.
* **Drafts say so on every page**: a light rotated watermark (drawn first, under the page's
  content) and "DRAFT" in the running header and footer, which text extraction finds.

Units are points throughout (`FPDF(unit="pt")`), the map's geometry included.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import PageMode

from . import layout as lay
from .document import PlanDocument
from .mapgeom import MapGeometry, MapNode, map_geometry

logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
"""fpdf2 subsets the fonts with fontTools, which logs every table and glyph list it touches
at INFO: a dozen lines per PDF in an application that logs INFO. Its warnings still show."""

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
"""The bundled faces by fpdf2 style: regular, bold, oblique."""
REPLACEMENT = "\ufffd"
DRAFT = "DRAFT"
DASH = "\u2013"

RGB = tuple[int, int, int]
INK: RGB = (27, 36, 48)
MUTED: RGB = (91, 102, 117)
ACCENT: RGB = (31, 95, 191)
GAP_RED: RGB = (150, 24, 24)
RULE: RGB = (208, 214, 222)
HEAD_FILL: RGB = (229, 235, 243)
MARK_FILL: RGB = (226, 240, 230)
QUOTE_FILL: RGB = (237, 242, 250)
EDGE: RGB = (154, 165, 177)
WHITE: RGB = (255, 255, 255)
WATERMARK: RGB = (244, 228, 228)

MARGIN = 56.0
"""Left and right margins (about 20 mm)."""
TOP = 64.0
"""Where content starts: below the running header."""
BOTTOM = 58.0
"""Room kept at the bottom for the footer."""
KEEP_WITH_HEADING = 48.0
"""How much of what follows a heading must fit on its page."""
BASELINE = 0.78
"""A line's baseline below the top of its font size, in ems (DejaVu's ascent, rounded)."""


@dataclass(frozen=True)
class _Type:
    """A text style: face ("", "B" or "I"), size and leading in points, colour."""

    face: str
    size: float
    leading: float
    colour: RGB


TITLE = _Type("B", 28, 34, INK)
KICKER = _Type("B", 10.5, 16, ACCENT)
SUBTITLE = _Type("", 15, 20, INK)
FACT = _Type("", 10.5, 16, MUTED)
FACT_DRAFT = _Type("B", 10.5, 16, GAP_RED)
H2 = _Type("B", 16, 20, INK)
H3 = _Type("B", 12, 16, INK)
BODY = _Type("", 10, 14, INK)
LEAD = _Type("B", 11, 15.5, INK)
NOTE = _Type("I", 9.5, 13, MUTED)
GAP = _Type("", 10, 14, GAP_RED)
DETAIL = _Type("", 9, 12.5, MUTED)
QUOTE = _Type("I", 12.5, 17.5, INK)
CELL = _Type("", 8.5, 11, INK)
CELL_MARKED = _Type("B", 8.5, 11, INK)
HEADER = _Type("", 7.5, 10, MUTED)
HEADER_DRAFT = _Type("B", 7.5, 10, GAP_RED)

PARAGRAPH_TYPES = {"body": BODY, "lead": LEAD, "note": NOTE}
ITEM_TYPES = {"body": BODY, "note": NOTE, "gap": GAP}
ITEM_DETAIL_TYPES = {"body": DETAIL, "note": NOTE, "gap": DETAIL}

Line = tuple[str, float]
"""One wrapped line and its width in points."""


# ---------------------------------------------------------------------------------------
# Font coverage and metrics (read once per process with fontTools)


@dataclass(frozen=True)
class _Face:
    """What one font file can draw: the characters it maps and their advances in ems."""

    chars: frozenset[str]
    advance: dict[str, float]


@cache
def _faces() -> dict[str, _Face]:
    faces: dict[str, _Face] = {}
    for style, name in FONT_FILES.items():
        font = TTFont(FONT_DIR / name, lazy=True)
        try:
            per_em = float(font["head"].unitsPerEm)
            metrics = font["hmtx"].metrics
            advance = {
                chr(code): metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()
            }
        finally:
            font.close()
        faces[style] = _Face(frozenset(advance), advance)
    return faces


def _stand_in(char: str) -> str:
    """What a character the font lacks becomes: nothing if it is invisible, else "�"."""
    if unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me") or 0x1F3FB <= ord(char) <= 0x1F3FF:
        return ""
    return REPLACEMENT


@lru_cache(maxsize=16384)
def _clean(text: str) -> str:
    """The text on one line, with every character the regular face cannot draw replaced."""
    flat = " ".join(text.split())
    chars = _faces()[""].chars
    if chars.issuperset(flat):
        return flat
    return "".join(char if char in chars else _stand_in(char) for char in flat)


@lru_cache(maxsize=16384)
def _styled(text: str, face: str) -> tuple[str, str]:
    """The cleaned text and the face to set it in: the regular face when the bold or oblique
    one lacks some of its characters."""
    clean = _clean(text)
    if face and not _faces()[face].chars.issuperset(clean):
        return clean, ""
    return clean, face


@lru_cache(maxsize=65536)
def _em_width(word: str, face: str) -> float:
    """A string's advance in ems; every character must be in the face (see `_styled`)."""
    return sum(map(_faces()[face].advance.__getitem__, word))


def _wrap(text: str, face: str, size: float, width: float) -> list[Line]:
    """Greedy word wrap of cleaned text; a word longer than the line is broken."""
    space = _em_width(" ", face) * size
    lines: list[Line] = []
    words: list[str] = []
    used = 0.0
    for word in text.split(" "):
        word_width = _em_width(word, face) * size
        if words and used + space + word_width <= width:
            words.append(word)
            used += space + word_width
            continue
        if words:
            lines.append((" ".join(words), used))
        if word_width <= width:
            words, used = [word], word_width
            continue
        advance = _faces()[face].advance
        piece, used = "", 0.0
        for char in word:
            char_width = advance[char] * size
            if piece and used + char_width > width:
                lines.append((piece, used))
                piece, used = "", 0.0
            piece += char
            used += char_width
        words = [piece]
    if words:
        lines.append((" ".join(words), used))
    return lines or [("", 0.0)]


def _lines(text: str, kind: _Type, width: float) -> tuple[str, list[Line]]:
    """The face to use and the text wrapped to `width`."""
    clean, face = _styled(text, kind.face)
    return face, _wrap(clean, face, kind.size, width)


def _fit(text: str, kind: _Type, width: float) -> tuple[str, str]:
    """The text cut to one line of `width` (with an ellipsis when cut) and its face."""
    face, lines = _lines(text, kind, width - _em_width(" …", "") * kind.size)
    return (lines[0][0] + (" …" if len(lines) > 1 else "")), face


def _hex(colour: str) -> RGB:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# ---------------------------------------------------------------------------------------
# The document


class _PlanPDF(FPDF):
    """A4 in points, with the bundled fonts, the running header, footer and draft mark."""

    def __init__(self, running_title: str, draft: bool) -> None:
        super().__init__(orientation="portrait", unit="pt", format="A4")
        self.running_title = running_title
        self.draft = draft
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / name))
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(False, BOTTOM)
        self.alias_nb_pages()
        self.page_mode = PageMode.USE_OUTLINES
        self.set_font(FAMILY, "", BODY.size)

    @property
    def bottom(self) -> float:
        """The lowest y content may reach."""
        return self.h - BOTTOM

    @property
    def at_top(self) -> bool:
        """Whether nothing has been drawn on this page's content area yet."""
        return self.y <= self.t_margin + 0.01

    def put(self, x: float, baseline: float, text: str, face: str, kind: _Type) -> None:
        """Draw one line of cleaned text with its baseline at `baseline`."""
        if text:
            self.set_font(FAMILY, face, kind.size)
            self.set_text_color(*kind.colour)
            self.text(x, baseline, text)

    def fill(self, x: float, y: float, w: float, h: float, colour: RGB) -> None:
        """A filled rectangle with no border."""
        self.set_fill_color(*colour)
        self.rect(x, y, w, h, style="F")

    def rule(self, x1: float, x2: float, y: float, colour: RGB, width: float) -> None:
        """A horizontal line."""
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(x1, y, x2, y)

    def new_page(self) -> None:
        """Start a page; content begins below the running header."""
        self.add_page()
        self.y = self.t_margin

    def room(self, height: float) -> None:
        """Go to a new page unless `height` still fits on this one."""
        if self.y + height > self.bottom and not self.at_top:
            self.new_page()

    def header(self) -> None:
        if self.draft:
            self._watermark()
        if self.page_no() > 1:
            title, face = _fit(self.running_title, HEADER, self.epw - 60)
            self.put(self.l_margin, 36, title, face, HEADER)
            self.rule(self.l_margin, self.w - self.r_margin, 43, RULE, 0.5)
        if self.draft:
            width = _em_width(DRAFT, "B") * HEADER_DRAFT.size
            self.put(self.w - self.r_margin - width, 36, DRAFT, "B", HEADER_DRAFT)
        self.y = self.t_margin

    def _watermark(self) -> None:
        size = 130.0
        width = _em_width(DRAFT, "B") * size
        middle_x, middle_y = self.w / 2, self.h / 2
        with self.rotation(angle=50, x=middle_x, y=middle_y):
            self.put(
                middle_x - width / 2,
                middle_y + size * 0.36,
                DRAFT,
                "B",
                _Type("B", size, size, WATERMARK),
            )

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        baseline = self.h - 30
        self.rule(self.l_margin, self.w - self.r_margin, baseline - 12, RULE, 0.5)
        if self.draft:
            self.put(self.l_margin, baseline, DRAFT, "B", HEADER_DRAFT)
        self.set_font(FAMILY, "", HEADER.size)
        self.set_text_color(*HEADER.colour)
        self.set_xy(self.l_margin, baseline - HEADER.size * 0.9)
        self.cell(self.epw, HEADER.size * 1.2, f"Page {self.page_no()} of {{nb}}", align="R")


Slab = Callable[[float, float], None]
"""Paints the background of a line band: (top y, height)."""


def _paint(
    pdf: _PlanPDF,
    face: str,
    lines: Sequence[Line],
    kind: _Type,
    x: float,
    *,
    width: float = 0.0,
    right: bool = False,
    slab: Slab | None = None,
    marker: tuple[str, float] | None = None,
) -> None:
    """Draw wrapped lines from `pdf.y` down, breaking pages between lines. `marker` (text,
    right edge) is set before the first line: a list number or bullet."""
    for n, (text, text_width) in enumerate(lines):
        pdf.room(kind.leading)
        if slab is not None:
            slab(pdf.y, kind.leading)
        baseline = pdf.y + (kind.leading - kind.size) / 2 + kind.size * BASELINE
        if n == 0 and marker is not None:
            sign, sign_face = _styled(marker[0], kind.face)
            sign_width = _em_width(sign, sign_face) * kind.size
            pdf.put(marker[1] - sign_width, baseline, sign, sign_face, kind)
        pdf.put(x + width - text_width if right else x, baseline, text, face, kind)
        pdf.y += kind.leading


def _flow(
    pdf: _PlanPDF,
    text: str,
    kind: _Type,
    *,
    indent: float = 0.0,
    after: float = 6.0,
    marker: tuple[str, float] | None = None,
) -> None:
    """A wrapped text from the current position, kept with its second line when it can."""
    x = pdf.l_margin + indent
    face, lines = _lines(text, kind, pdf.epw - indent)
    pdf.room(kind.leading * min(len(lines), 2))
    _paint(pdf, face, lines, kind, x, marker=marker)
    pdf.y += after


# ---------------------------------------------------------------------------------------
# Blocks


def _cover(pdf: _PlanPDF, block: lay.Cover, title: str) -> None:
    pdf.fill(0, 0, pdf.w, 12, ACCENT)
    pdf.y = 210
    _flow(pdf, "STRATEGIC PLAN", KICKER, after=4)
    _flow(pdf, title, TITLE, after=10)
    pdf.rule(pdf.l_margin, pdf.l_margin + 90, pdf.y, ACCENT, 3)
    pdf.y += 18
    if block.subtitle:
        _flow(pdf, block.subtitle, SUBTITLE, after=14)
    for fact in block.facts:
        _flow(pdf, fact, FACT, after=2)
    if block.draft:
        _flow(pdf, lay.DRAFT_NOTICE, FACT_DRAFT, after=2)


class _Sections:
    """The bookmark outline: heading levels 2 and 3 become outline levels 0 and 1."""

    def __init__(self) -> None:
        self.started = False

    def start(self, pdf: _PlanPDF, heading: lay.Heading) -> None:
        level = 1 if heading.level > 2 and self.started else 0
        pdf.start_section(" ".join(heading.text.split()), level=level)
        self.started = True


def _heading(pdf: _PlanPDF, block: lay.Heading, sections: _Sections) -> None:
    kind = H2 if block.level <= 2 else H3
    face, lines = _lines(block.text, kind, pdf.epw)
    before = 18.0 if block.level <= 2 else 10.0
    height = len(lines) * kind.leading + 8
    if pdf.y + before + height + KEEP_WITH_HEADING > pdf.bottom:
        if not pdf.at_top:
            pdf.new_page()
    elif not pdf.at_top:
        pdf.y += before
    sections.start(pdf, block)
    _paint(pdf, face, lines, kind, pdf.l_margin)
    if block.level <= 2:
        pdf.rule(pdf.l_margin, pdf.w - pdf.r_margin, pdf.y + 2, ACCENT, 1.2)
        pdf.y += 10
    else:
        pdf.y += 4


def _statement(pdf: _PlanPDF, block: lay.Statement) -> None:
    """A quote block: a tinted band with an accent bar on its left."""
    pad, inset = 9.0, 16.0
    face, lines = _lines(block.text, QUOTE, pdf.epw - inset - pad)
    left = pdf.l_margin

    def slab(top: float, height: float) -> None:
        pdf.fill(left, top, pdf.epw, height, QUOTE_FILL)
        pdf.fill(left, top, 3.5, height, ACCENT)

    pdf.room(min(len(lines) * QUOTE.leading + 2 * pad, pdf.bottom - pdf.t_margin))
    slab(pdf.y, pad)
    pdf.y += pad
    _paint(pdf, face, lines, QUOTE, left + inset, slab=slab)
    slab(pdf.y, pad)
    pdf.y += pad + 8


def _items(pdf: _PlanPDF, block: lay.Items) -> None:
    kind = ITEM_TYPES.get(block.style, BODY)
    detail_kind = ITEM_DETAIL_TYPES.get(block.style, DETAIL)
    count = len(block.entries)
    number_width = _em_width(f"{count}.", kind.face) * kind.size if block.ordered else 0.0
    indent = max(number_width + 6, 16.0)
    text_x = pdf.l_margin + indent
    for n, entry in enumerate(block.entries, 1):
        face, lines = _lines(entry.text, kind, pdf.epw - indent)
        first_detail = detail_kind.leading if entry.details else 0.0
        pdf.room(kind.leading * min(len(lines), 2) + first_detail)
        marker = (f"{n}." if block.ordered else "•", text_x - 6)
        _paint(pdf, face, lines, kind, text_x, marker=marker)
        for detail in entry.details:
            detail_face, detail_lines = _lines(detail, detail_kind, pdf.epw - indent - 10)
            _paint(
                pdf,
                detail_face,
                detail_lines,
                detail_kind,
                text_x + 10,
                marker=(DASH, text_x + 6),
            )
        pdf.y += 3
    pdf.y += 5


@dataclass(frozen=True)
class _Row:
    """One table row, ready to draw: each cell's face and lines."""

    cells: tuple[tuple[str, list[Line]], ...]
    kind: _Type
    fill: RGB | None

    @property
    def depth(self) -> int:
        """The number of lines of its tallest cell."""
        return max(len(lines) for _, lines in self.cells)


def _column_widths(base: list[float], unbroken: list[list[str]], padding: float) -> list[float]:
    """The columns' widths from their relative shares, each widened (taking room from the
    columns that have some to spare) so that no word of its `unbroken` texts (the header
    label, and the values of a numeric column) has to be broken."""
    need = []
    for texts in unbroken:
        words = [word for text in texts for word in _styled(text, "B")[0].split(" ")]
        need.append(max((_em_width(w, _styled(w, "B")[1]) for w in words), default=0.0))
    need = [width * CELL_MARKED.size + padding for width in need]
    short = sum(max(n - b, 0.0) for b, n in zip(base, need, strict=True))
    spare = sum(max(b - n, 0.0) for b, n in zip(base, need, strict=True))
    if short <= 0 or spare < short:
        return base
    return [n if b <= n else b - (b - n) * short / spare for b, n in zip(base, need, strict=True)]


def _table(pdf: _PlanPDF, block: lay.Table) -> None:
    """Rows under a shaded header row, which is drawn again at the top of each page the table
    continues on; a row taller than a page is split between lines."""
    count = len(block.columns)
    if not count:
        return
    relative = (
        block.widths
        if len(block.widths) == count and all(w > 0 for w in block.widths)
        else (1.0,) * count
    )
    numeric = [n < len(block.numeric) and block.numeric[n] for n in range(count)]
    pad_x, pad_y = 4.0, 3.0
    widths = _column_widths(
        [pdf.epw * w / sum(relative) for w in relative],
        [
            [block.columns[n]]
            + ([row[n] for row in block.rows if n < len(row)] if numeric[n] else [])
            for n in range(count)
        ],
        2 * pad_x,
    )
    lefts = [pdf.l_margin + sum(widths[:n]) for n in range(count)]

    def row(cells: Sequence[str], kind: _Type, fill: RGB | None) -> _Row:
        texts = [cells[n] if n < len(cells) else "" for n in range(count)]
        return _Row(
            tuple(_lines(text, kind, widths[n] - 2 * pad_x) for n, text in enumerate(texts)),
            kind,
            fill,
        )

    def draw(line: _Row, start: int, stop: int, rule: tuple[RGB, float]) -> None:
        height = (stop - start) * line.kind.leading + 2 * pad_y
        if line.fill is not None:
            pdf.fill(pdf.l_margin, pdf.y, pdf.epw, height, line.fill)
        for n, (face, lines) in enumerate(line.cells):
            top = pdf.y + pad_y
            for text, text_width in lines[start:stop]:
                x = lefts[n] + widths[n] - pad_x - text_width if numeric[n] else lefts[n] + pad_x
                baseline = top + (line.kind.leading - line.kind.size) / 2
                pdf.put(x, baseline + line.kind.size * BASELINE, text, face, line.kind)
                top += line.kind.leading
        pdf.y += height
        pdf.rule(pdf.l_margin, pdf.w - pdf.r_margin, pdf.y, *rule)

    head = row(block.columns, CELL_MARKED, HEAD_FILL)
    head_height = head.depth * CELL.leading + 2 * pad_y

    def heading() -> float:
        draw(head, 0, head.depth, (EDGE, 0.9))
        return pdf.y

    rows = [
        row(
            cells,
            CELL_MARKED if n < len(block.marked) and block.marked[n] else CELL,
            MARK_FILL if n < len(block.marked) and block.marked[n] else None,
        )
        for n, cells in enumerate(block.rows)
    ]
    first = rows[0].depth * CELL.leading + 2 * pad_y if rows else 0.0
    pdf.room(head_height + min(first, 3 * CELL.leading + 2 * pad_y))
    fresh = heading()
    for line in rows:
        start, depth = 0, line.depth
        while start < depth:
            fits = int((pdf.bottom - pdf.y - 2 * pad_y) // line.kind.leading)
            if depth - start > fits and pdf.y > fresh:
                pdf.new_page()
                fresh = heading()
                continue
            stop = start + max(min(depth - start, fits), 1)
            draw(line, start, stop, (RULE, 0.5))
            start = stop
            if start < depth:
                pdf.new_page()
                fresh = heading()
    pdf.y += 10


def _alignment_map(pdf: _PlanPDF, block: lay.Outline) -> None:
    """The alignment map as boxes and elbow connectors, split between boxes across pages."""
    if not block.rows:
        _flow(pdf, "Nothing is linked yet.", NOTE)
        return
    geometry = map_geometry(block.rows, width=pdf.epw - 2, font_size=9, glyph_width=0.6)
    nodes = geometry.nodes
    pdf.room(nodes[0].height + 4)
    # Pages of the map: (first node, end node, top and bottom in map units, page y of top).
    pages: list[tuple[int, int, float, float, float]] = []
    first, page_top = 0, pdf.y
    for n, node in enumerate(nodes):
        if n > first and page_top + node.y + node.height - nodes[first].y > pdf.bottom:
            last = nodes[n - 1]
            pages.append((first, n, nodes[first].y, last.y + last.height, page_top))
            first, page_top = n, pdf.t_margin
    last = nodes[-1]
    pages.append((first, len(nodes), nodes[first].y, last.y + last.height, page_top))

    left = pdf.l_margin + 1
    for page_number, (start, stop, top, bottom, page_y) in enumerate(pages):
        if page_number > 0:
            pdf.new_page()
        shift = page_y - top
        clip_top = top - (6 if page_number > 0 else 0)
        clip_bottom = bottom + (6 if page_number < len(pages) - 1 else 0)
        pdf.set_draw_color(*EDGE)
        pdf.set_line_width(1.2)
        for edge in geometry.edges:
            (trunk, upper), (_, middle), (end_x, _) = edge
            if middle < clip_top or upper > clip_bottom:
                continue
            upper = max(upper, clip_top)
            if middle <= bottom:
                points = [(trunk, upper), (trunk, middle), (end_x, middle)]
            else:
                points = [(trunk, upper), (trunk, clip_bottom)]
            pdf.polyline([(left + x, y + shift) for x, y in points], style="D")
        for node in nodes[start:stop]:
            _map_box(pdf, node, geometry, left, shift)
        pdf.y = bottom + shift + 12


def _map_box(
    pdf: _PlanPDF, node: MapNode, geometry: MapGeometry, left: float, shift: float
) -> None:
    """One box: its edge in the level's colour, the level label, the wrapped wording (placed
    as the SVG places it)."""
    padding, label_size, size = geometry.padding, geometry.label_size, geometry.font_size
    colour = _hex(node.colour)
    x, y = left + node.x, node.y + shift
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*WHITE)
    pdf.set_line_width(1.1)
    pdf.rect(x, y, node.width, node.height, style="DF", round_corners=True, corner_radius=4)
    room = node.width - 2 * padding
    label_kind = _Type("B", label_size, label_size, colour)
    label, label_face = _fit(node.level.upper(), label_kind, room)
    label_y = y + padding + label_size
    pdf.put(x + padding, label_y, label, label_face, label_kind)
    kind = _Type("", size, geometry.line_height, INK)
    for n, raw in enumerate(node.lines):
        text, face = _styled(raw, "")
        width = _em_width(text, face) * size
        baseline = label_y + label_size * 0.25 + (n + 1) * geometry.line_height - size * 0.25
        squeeze = width > room
        if squeeze:
            pdf.set_stretching(100 * room / width)
        pdf.put(x + padding, baseline, text, face, kind)
        if squeeze:
            pdf.set_stretching(100)


def _draw(pdf: _PlanPDF, block: lay.Block, plan: PlanDocument, sections: _Sections) -> None:
    if isinstance(block, lay.Cover):
        _cover(pdf, block, plan.title)
        pdf.new_page()
    elif isinstance(block, lay.Heading):
        _heading(pdf, block, sections)
    elif isinstance(block, lay.Paragraph):
        _flow(pdf, block.text, PARAGRAPH_TYPES.get(block.style, BODY))
    elif isinstance(block, lay.Statement):
        _statement(pdf, block)
    elif isinstance(block, lay.Items):
        _items(pdf, block)
    elif isinstance(block, lay.Table):
        _table(pdf, block)
    elif isinstance(block, lay.Outline):
        _alignment_map(pdf, block)
    elif isinstance(block, lay.PageBreak) and not pdf.at_top:
        pdf.new_page()


def _created(plan: PlanDocument) -> datetime:
    """The document's creation date: the plan's finish (or draft) time, else its date."""
    for text, pattern in ((plan.finished_at, "%Y-%m-%d %H:%M UTC"), (plan.date, "%Y-%m-%d")):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(plan.finished_at)
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_pdf(plan: PlanDocument) -> bytes:
    """The plan as an A4 PDF, section by section (see `layout.py`); the same plan gives the
    same bytes."""
    title = lay.title_line(plan)
    pdf = _PlanPDF(title, plan.draft)
    pdf.set_title(title)
    pdf.set_author(plan.organization or plan.facilitator or "Strategy workshop")
    pdf.set_subject(f"Strategic plan, {plan.date}")
    pdf.set_creator("Strategy workshop")
    pdf.set_lang("en")
    pdf.set_creation_date(_created(plan))
    pdf.add_page()
    sections = _Sections()
    for block in lay.layout(plan):
        _draw(pdf, block, plan, sections)
    return bytes(pdf.output())
