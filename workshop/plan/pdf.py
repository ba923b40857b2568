"""The plan as a PDF: A4, drawn with fpdf2 and the bundled fonts (DejaVu, Noto for other scripts).

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
* **Every script, shaped.** DejaVu Sans draws Latin, Greek, Cyrillic and the usual symbols,
  glyph by glyph as it always did. A line holding anything else (Arabic, Hebrew, CJK,
  Hangul, Devanagari, Thai, an emoji DejaVu lacks, right-to-left text) is drawn by fpdf2 with
  HarfBuzz shaping and the bundled Noto fallback fonts it needs (`_Fonts.use_fonts`), in the
  plan's base direction with the bidirectional algorithm ordering its runs, and measured the
  same way. Words written against the plan's direction (a Hebrew item in a French sentence,
  a Latin one in an Arabic plan) are ordered as a unit, each stretch wrapped in an isolate
  (`_isolated`, as a browser isolates an item with `dir="auto"`), so "(1 dot)" and the commas
  around them stay where the sentence puts them; the isolates draw nothing. A character no
  bundled font has is left out and logged with the workshop id (never drawn as U+FFFD);
  invisible ones nothing draws are dropped. The bold and oblique faces cover less than the
  regular one; a string they cannot draw is set in the regular face rather than losing
  characters. See docs/plan-format.md, "Scripts and symbols".
* **Measured, never guessed.** Everything that must stay together is measured before it is
  drawn: a heading goes to the next page unless the start of what follows it fits too (a
  short intro paragraph, a table's header and first row, a whole charter, the map's first
  part); a table row is never split (unless taller than a page) and the header row repeats;
  a nowrap column (dates, amounts) is as wide as its longest cell; a charter (`Facts`) is a
  framed box kept whole; the strategy page's type is stepped down until it fits its page.
* **The alignment map and the roadmap are drawings**, from the same geometry as the HTML
  page's SVG (`mapgeom.part_geometry`, `roadmap.roadmap_geometry`), given fpdf's own text
  widths so text wraps at each box's real width. Each map part is kept whole on a page (in
  smaller type, or scaled, when it is taller than one); the map starts where the vision box
  and its first part fit. The roadmap breaks between lanes, repeating its years.
* **Document control on every page**: `layout.control_line(plan)` ("Version 2 · published
  2026-12-03", or DRAFT) in every footer, the cover's too; the metadata title is
  `layout.document_title(plan)` (as the HTML and DOCX titles), and the creation date is the
  plan's `published_at` (never the wall clock).
* **Right-to-left plans are mirrored.** In an Arabic plan (`i18n.direction` "rtl") every
  position is drawn mirrored about the page's middle (`_PlanPDF.mirrored`: `put`, `rect`,
  `line`, `polyline`): the layout code places everything as for a left-to-right page, and
  what it puts at the left margin ends at the right one (headings, paragraphs, list numbers
  at the right of their items, a table's first column at the right, the map and roadmap
  mirrored, the header and footer swapped). A left-to-right plan draws exactly as before.
* **Quiet.** The renderer raises no warnings, and fontTools' subsetting chatter (INFO) is
  silenced; fpdf2 has nothing to report when every glyph exists.
* **Drafts say so on every page**: a light rotated watermark (drawn first, under the page's
  content) and "DRAFT" in the running header and footer, which text extraction finds.

Units are points throughout (`FPDF(unit="pt")`), the map's geometry included.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import PageMode
from fpdf.line_break import Fragment

from .. import i18n
from ..i18n import N_, gettext, ngettext
from . import layout as lay
from .document import PlanDocument
from .mapgeom import (
    OTHER_COLOUR,
    AlignmentMap,
    MapGeometry,
    MapNode,
    MapPart,
    part_geometry,
)
from .roadmap import TODAY_COLOUR, Bar, Diamond, RoadmapChart, RoadmapGeometry, roadmap_geometry

log = logging.getLogger(__name__)

logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
"""fpdf2 subsets the fonts with fontTools, which logs every table and glyph list it touches
at INFO: a dozen lines per PDF in an application that logs INFO. Its warnings still show."""

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
"""The bundled faces by fpdf2 style: regular, bold, oblique."""
ARABIC = "NotoSansArabic"
HEBREW = "NotoSansHebrew"
FALLBACKS: dict[str, dict[str, str]] = {
    ARABIC: {"": "NotoSansArabic-Regular.ttf", "B": "NotoSansArabic-Bold.ttf"},
    HEBREW: {"": "NotoSansHebrew-Regular.ttf", "B": "NotoSansHebrew-Bold.ttf"},
    "NotoSansDevanagari": {"": "NotoSansDevanagari-Regular.ttf"},
    "NotoSansThai": {"": "NotoSansThai-Regular.ttf"},
    "NotoSansCJK": {"": "NotoSansCJK-Subset.ttf"},
    "NotoSansKR": {"": "NotoSansKR-Hangul.ttf"},
    "NotoEmoji": {"": "NotoEmoji-Regular.ttf"},
}
"""The fallback fonts by family and fpdf2 style, in the order they are asked for a
character DejaVu lacks (Arabic and Hebrew letters go to theirs first; see `_route`)."""
RTL_FAMILIES = (ARABIC, HEBREW)
FONT_INDEX = {
    (family, style): n
    for n, (family, style) in enumerate(
        ((f, st) for f, styles in FALLBACKS.items() for st in styles), len(FONT_FILES) + 1
    )
}
"""Each fallback face's fixed font number, whenever it is registered: the same plan gives
the same bytes whichever fonts a process had parsed ahead (`prepare`)."""
MEASURE_SIZE = 100.0
"""The size shaped text is measured at (its width is kept in ems)."""
DRAFT = N_("DRAFT")
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
FLAGGED = _Type("", 9, 12.5, GAP_RED)
LABEL = _Type("B", 8, 12, ACCENT)
FIELD = _Type("B", 9, 14, MUTED)

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


def _read_face(path: Path) -> _Face:
    font = TTFont(path, lazy=True)
    try:
        per_em = float(font["head"].unitsPerEm)
        metrics = font["hmtx"].metrics
        advance = {
            chr(code): metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()
        }
    finally:
        font.close()
    return _Face(frozenset(advance), advance)


@cache
def _faces() -> dict[str, _Face]:
    return {style: _read_face(FONT_DIR / name) for style, name in FONT_FILES.items()}


@cache
def _chars_of(family: str) -> frozenset[str]:
    """The characters a fallback font maps (read when first asked: a plan in Latin script
    never reads the CJK fonts)."""
    return _read_face(FONT_DIR / FALLBACKS[family][""]).chars


_RTL = frozenset(("R", "AL", "AN", "RLE", "RLO", "RLI"))


@lru_cache(maxsize=65536)
def _route(char: str) -> str | None:
    """The font that draws a character: "" for DejaVu (the face in use), else a fallback
    family; None when no bundled font has it. Arabic and Hebrew letters, which DejaVu also
    has, go to their Noto fonts, which shape them properly."""
    if unicodedata.bidirectional(char) in _RTL:
        for family in RTL_FAMILIES:
            if char in _chars_of(family):
                return family
    if char in _faces()[""].chars:
        return ""
    for family in FALLBACKS:
        if char in _chars_of(family):
            return family
    return None


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me") or 0x1F3FB <= ord(char) <= 0x1F3FF


_BIDI_CONTROLS = {code: None for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
"""The explicit embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) typed into a
text: dropped, since the PDF orders every run itself (each participant's words isolated by
`_isolated`); an override left in would draw Latin text mirrored, unreadable."""


_MISSING: set[str] = set()
"""Characters no bundled font has, met during the current render (logged at its end)."""


@lru_cache(maxsize=16384)
def _cleaned(text: str) -> tuple[str, frozenset[str]]:
    """The text on one line without the characters no bundled font has, and those (the
    invisible ones, such as a joiner or a skin-tone modifier nothing draws, are dropped
    silently)."""
    flat = " ".join(text.translate(_BIDI_CONTROLS).split())
    simple = _faces()[""].chars
    if simple.issuperset(flat) and not any(unicodedata.bidirectional(c) in _RTL for c in flat):
        return flat, frozenset()
    kept: list[str] = []
    missing: set[str] = set()
    for char in flat:
        if _route(char) is not None:
            kept.append(char)
        elif not _invisible(char):
            missing.add(char)
    return " ".join("".join(kept).split()), frozenset(missing)


def _clean(text: str) -> str:
    """The text on one line, every character some bundled font draws (see `_cleaned`)."""
    clean, missing = _cleaned(text)
    if missing:
        _MISSING.update(missing)
    return clean


@lru_cache(maxsize=16384)
def _complex(text: str) -> bool:
    """Whether a cleaned text needs the shaping path: a character drawn by a fallback font
    (another script, an emoji) or written right to left. Everything else is drawn as before,
    glyph by glyph in DejaVu, byte for byte the same."""
    return any(_route(char) for char in text)


FSI = "\u2068"
"""FIRST STRONG ISOLATE: opens a run the bidirectional algorithm orders on its own."""
PDI = "\u2069"
"""POP DIRECTIONAL ISOLATE: closes it."""
_STRONG = {"ltr": frozenset(("L",)), "rtl": frozenset(("R", "AL"))}
_AGAINST = {"ltr": _STRONG["rtl"], "rtl": _STRONG["ltr"]}


@lru_cache(maxsize=16384)
def _isolated(text: str, direction: str) -> str:
    """The line with each stretch of words written against its base direction (Hebrew or
    Arabic in a French sentence, Latin in an Arabic one) wrapped in FSI … PDI, so the
    bidirectional algorithm orders it as a unit, as a browser orders an item with
    `dir="auto"`: in "A (1 dot); שיתוף פעולה (1 dot)" the "(1" after the Hebrew stays in the
    sentence, and a comma after an Arabic item stays after it. A stretch runs from its first
    strong character to its last before the next character of the base direction, with any
    digits or marks glued to its ends ("Q1"); the punctuation and spaces around it stay
    outside. A line with no character of its base direction is left as it is (it reads the
    same), and so is one with nothing written against it. The isolates draw nothing."""
    own, against = _STRONG[direction], _AGAINST[direction]
    classes = [unicodedata.bidirectional(char) for char in text]
    if not any(c in own for c in classes) or not any(c in against for c in classes):
        return text
    spans: list[tuple[int, int]] = []
    start = end = -1
    for n, kind in enumerate(classes):
        if kind in against:
            if start < 0:
                start = n
            end = n
        elif kind in own and start >= 0:
            spans.append((start, end))
            start = -1
    if start >= 0:
        spans.append((start, end))

    def glued(char: str) -> bool:
        return unicodedata.category(char)[0] in "NM" and unicodedata.bidirectional(char) not in own

    pieces: list[str] = []
    done = 0
    for start, end in spans:
        while start > done and glued(text[start - 1]):
            start -= 1
        while end + 1 < len(text) and glued(text[end + 1]):
            end += 1
        pieces += [text[done:start], FSI, text[start : end + 1], PDI]
        done = end + 1
    pieces.append(text[done:])
    return "".join(pieces)


@lru_cache(maxsize=16384)
def _styled_cached(text: str, face: str) -> tuple[str, str]:
    clean = _cleaned(text)[0]
    if face:
        own = _faces()[face].chars
        if any(_route(char) == "" and char not in own for char in clean):
            return clean, ""
    return clean, face


def _styled(text: str, face: str) -> tuple[str, str]:
    """The cleaned text and the face to set it in: the regular face when the bold or oblique
    one lacks some of its DejaVu characters."""
    _clean(text)
    return _styled_cached(text, face)


@lru_cache(maxsize=65536)
def _em_width(word: str, face: str) -> float:
    """A string's advance in ems, shaped (with its fallback fonts) when it needs it; every
    DejaVu character must be in the face (see `_styled`)."""
    if _complex(word):
        return _shaped_width(word, face)
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
        piece, used = "", 0.0
        for char in _clusters(word):
            char_width = _em_width(char, face) * size
            if piece and used + char_width > width:
                lines.append((piece, _em_width(piece, face) * size))
                piece, used = "", 0.0
            piece += char
            used += char_width
        words = [piece]
        used = _em_width(piece, face) * size
    if words:
        lines.append((" ".join(words), used))
    return lines or [("", 0.0)]


def _clusters(word: str) -> list[str]:
    """A word cut where it may be broken: after each character, keeping combining marks,
    joiners and variation selectors with the character before them."""
    pieces: list[str] = []
    for char in word:
        glued = unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf") or (
            0xFE00 <= ord(char) <= 0xFE0F or 0x1F3FB <= ord(char) <= 0x1F3FF
        )
        if pieces and (glued or pieces[-1].endswith("\u200d")):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


# ---------------------------------------------------------------------------------------
# Shaping: text in another script, right to left, or with emoji (fpdf2 + HarfBuzz)


_MEASURING = threading.Lock()
"""One measurement at a time: the measuring document is shared by the process's threads."""


@cache
def _measurer() -> _Fonts:
    """A document that is never written, used to measure shaped text."""
    measurer = _Fonts()
    measurer.add_page()
    return measurer


@lru_cache(maxsize=65536)
def _shaped_width(text: str, face: str) -> float:
    """The advance of shaped text in ems, as `_Fonts.shaped` draws it."""
    with _MEASURING:
        measurer = _measurer()
        measurer.use_fonts(text, face, MEASURE_SIZE)
        try:
            shown = _isolated(text, measurer.direction)
            return float(measurer.get_string_width(shown)) / MEASURE_SIZE
        finally:
            measurer.plain()


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


class _Fonts(FPDF):
    """A document with DejaVu registered and the fallback fonts registered when first needed
    (each parse costs up to a fifth of a second: the CJK and Hangul fonts)."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="pt", format="A4")
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / name))
            self._prune(FAMILY.lower() + style)
        self.fallbacks: set[str] = set()
        """The fallback families registered."""
        self.direction = "ltr"
        """The plan's writing direction: a line's base direction (a goal in Arabic under
        its number in an English plan reads "1. <the goal>")."""

    def _prune(self, key: str) -> None:
        """DejaVu without the Arabic and Hebrew letters their Noto fonts draw, so fpdf2 takes
        those from them (only shaped text ever holds them)."""
        font: Any = self.fonts[key]
        for char in _pruned():
            font.cmap.pop(ord(char), None)
        _quiet_clusters(font)

    def register(self, family: str) -> None:
        if family in self.fallbacks:
            return
        for style, name in FALLBACKS[family].items():
            self.add_font(family, style, str(FONT_DIR / name))
            font = self.fonts[family.lower() + style]
            font.i = FONT_INDEX[family, style]
            _quiet_clusters(font)
        self.fallbacks.add(family)

    def use_fonts(self, text: str, face: str, size: float) -> None:
        """Set up to draw or measure `text` shaped, HarfBuzz on (`plain` ends it). Text with
        Arabic or Hebrew letters is set in their Noto font (which has the spaces, digits and
        punctuation between its words, so a right-to-left run stays one run), anything it
        lacks in DejaVu then the other fallbacks; other text in DejaVu in `face`, with the
        fallbacks it needs, in `FALLBACKS` order."""
        routes = [family for char in text if (family := _route(char))]
        needed = set(routes)
        for family in needed:
            self.register(family)
        rtl = next((family for family in routes if family in RTL_FAMILIES), None)
        others = [family for family in FALLBACKS if family in needed and family != rtl]
        if rtl is None:
            self.set_font(FAMILY, face, size)
        else:
            self.set_font(rtl, face if face in FALLBACKS[rtl] else "", size)
            others.insert(0, FAMILY)
        self.set_fallback_fonts(others, exact_match=False)
        self.set_text_shaping(True, direction=self.direction)

    def _preload_font_styles(
        self,
        text: str | None,
        markdown: bool,
        _initial_emphasis: tuple[bool, bool, bool, bool] | None = None,
    ) -> Sequence[Fragment]:
        """fpdf2 styles each run the bidirectional algorithm made: the isolates that
        ordered the runs (`_isolated`) are left out of them, so nothing is drawn or extracted
        for them."""
        if text and (FSI in text or PDI in text):
            text = text.replace(FSI, "").replace(PDI, "")
        return super()._preload_font_styles(text, markdown, _initial_emphasis)

    def plain(self) -> None:
        """Back to glyph-by-glyph text: no shaping, no fallback fonts, and the next text sets
        its font again (shaped text may have left another one in force on the page)."""
        self.set_text_shaping(False)
        self._fallback_font_ids = []
        self.current_font_is_set_on_page = False

    def shaped(self, x: float, baseline: float, text: str, face: str, size: float) -> None:
        """Draw `text` shaped, in visual order (right to left where it is), its first glyph
        at `x` and on `baseline`; the flow position is left where it was."""
        here, margin = (self.x, self.y), self.c_margin
        self.use_fonts(text, face, size)
        try:
            self.c_margin = 0
            # fpdf2 puts a cell's baseline 0.8 of its height (here the font size) below its top.
            self.set_xy(x, baseline - 0.8 * size)
            self.cell(h=size, text=_isolated(text, self.direction))
        finally:
            self.c_margin = margin
            self.plain()
            self.x, self.y = here

    def drop_unused(self) -> None:
        """Forget the fallback faces nothing was drawn with, so they are not embedded."""
        for family in self.fallbacks:
            for style in FALLBACKS[family]:
                key = family.lower() + style
                font: Any = self.fonts.get(key)
                if font is not None and not font.subset._next:
                    font.close()
                    del self.fonts[key]


@cache
def _pruned() -> frozenset[str]:
    return frozenset(c for c in _faces()[""].chars if _route(c) in RTL_FAMILIES)


class _Unmapped(tuple[int, ...]):
    """The text of a glyph that shares its characters with the glyph before it (the dots of
    an Arabic letter drawn apart, a Devanagari vowel sign in two parts): written to the PDF's
    ToUnicode map as no text at all (`<code> <>`), where fpdf2 would leave the glyph out of
    the map and readers would extract its glyph number as a control character."""

    def __len__(self) -> int:
        return 1


_NO_TEXT = _Unmapped(())


def _quiet_clusters(font: Any) -> None:
    """Give the extra glyphs of a shaped cluster `_NO_TEXT` as their text."""
    subset = font.subset
    get_glyph = subset.get_glyph

    def glyph_for(
        glyph: int | None = None,
        unicode: int | tuple[int, ...] | None = None,
        glyph_name: str | None = None,
        glyph_width: int | None = None,
    ) -> Any:
        if glyph and unicode == () and glyph_name is not None and glyph_width is not None:
            unicode = _NO_TEXT
        return get_glyph(glyph, unicode, glyph_name, glyph_width)

    glyph_for.cache_clear = get_glyph.cache_clear  # type: ignore[attr-defined]
    subset.get_glyph = glyph_for


class _PlanPDF(_Fonts):
    """A4 in points, with the bundled fonts, the running header, footer and draft mark."""

    def __init__(self, running_title: str, draft: bool, control: str = "") -> None:
        super().__init__()
        self.running_title = running_title
        self.draft = draft
        self.control = control
        """The document-control line ("Version 2 · published 2026-12-03"), in every footer."""
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

    @property
    def mirrored(self) -> bool:
        """Whether the page is laid out right to left (an Arabic or Hebrew plan): every
        position is drawn mirrored about the page's middle (see `put`, `rect`, `line`,
        `polyline`), so what the layout puts at the left margin ends at the right one."""
        return self.direction == "rtl"

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        style: Any = None,
        round_corners: Any = False,
        corner_radius: float = 0,
    ) -> None:
        if self.mirrored:
            x = self.w - x - w
        super().rect(x, y, w, h, style, round_corners, corner_radius)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        if self.mirrored:
            x1, x2 = self.w - x1, self.w - x2
        super().line(x1, y1, x2, y2)

    def polyline(
        self,
        point_list: Sequence[tuple[float, float]],
        fill: bool = False,
        polygon: bool = False,
        style: Any = None,
    ) -> None:
        if self.mirrored:
            point_list = [(self.w - x, y) for x, y in point_list]
        super().polyline(point_list, fill, polygon, style)

    def put(
        self,
        x: float,
        baseline: float,
        text: str,
        face: str,
        kind: _Type,
        *,
        marker: bool = False,
    ) -> None:
        """Draw one line of cleaned text with its baseline at `baseline`, its left edge at
        `x` (on a mirrored page, its right edge at `x` mirrored). A `marker` (a list number)
        on a mirrored page is shaped right to left: "1." reads ".1" as in an Arabic list."""
        if not text:
            return
        self.set_text_color(*kind.colour)
        if self.mirrored:
            x = self.w - x - _em_width(text, face) * kind.size
            if marker:
                self.shaped(x, baseline, text, face, kind.size)
                return
        if _complex(text):
            self.shaped(x, baseline, text, face, kind.size)
            return
        self.set_font(FAMILY, face, kind.size)
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
            draft, face = _styled(gettext(DRAFT), "B")
            width = _em_width(draft, face) * HEADER_DRAFT.size
            self.put(self.w - self.r_margin - width, 36, draft, face, HEADER_DRAFT)
        self.y = self.t_margin

    def _watermark(self) -> None:
        size = 130.0
        draft, face = _styled(gettext(DRAFT), "B")
        width = _em_width(draft, face) * size
        middle_x, middle_y = self.w / 2, self.h / 2
        with self.rotation(angle=50, x=middle_x, y=middle_y):
            self.put(
                middle_x - width / 2,
                middle_y + size * 0.36,
                draft,
                face,
                _Type("B", size, size, WATERMARK),
            )

    def footer(self) -> None:
        baseline = self.h - 30
        kind = HEADER_DRAFT if self.draft else HEADER
        if self.page_no() > 1:
            self.rule(self.l_margin, self.w - self.r_margin, baseline - 12, RULE, 0.5)
        control, face = _fit(
            self.control or (gettext(DRAFT) if self.draft else ""), kind, self.epw - 80
        )
        self.put(self.l_margin, baseline, control, face, kind)
        if self.page_no() == 1:
            return
        page = gettext("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}")
        page = _clean(page)
        self.set_text_color(*HEADER.colour)
        if _complex(page):
            self.use_fonts(page, "", HEADER.size)
            margin, self.c_margin = self.c_margin, 0
        else:
            self.set_font(FAMILY, "", HEADER.size)
        try:
            self.set_xy(self.l_margin, baseline - HEADER.size * 0.9)
            self.cell(self.epw, HEADER.size * 1.2, page, align="L" if self.mirrored else "R")
        finally:
            if _complex(page):
                self.c_margin = margin
                self.plain()


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
            pdf.put(marker[1] - sign_width, baseline, sign, sign_face, kind, marker=True)
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
    keep: float = 0.0,
) -> None:
    """A wrapped text from the current position, kept with its second line when it can, and
    with `keep` points of what follows it when it is all on one page."""
    x = pdf.l_margin + indent
    face, lines = _lines(text, kind, pdf.epw - indent)
    pdf.room(kind.leading * min(len(lines), 2))
    if keep and pdf.y + len(lines) * kind.leading + after + keep > pdf.bottom:
        pdf.room(len(lines) * kind.leading + after + keep)
    _paint(pdf, face, lines, kind, x, marker=marker)
    pdf.y += after


# ---------------------------------------------------------------------------------------
# Blocks


def _cover(pdf: _PlanPDF, block: lay.Cover, title: str) -> None:
    pdf.fill(0, 0, pdf.w, 12, ACCENT)
    pdf.y = 210
    _flow(pdf, gettext("Strategic plan").upper(), KICKER, after=4)
    _flow(pdf, title, TITLE, after=10)
    pdf.rule(pdf.l_margin, pdf.l_margin + 90, pdf.y, ACCENT, 3)
    pdf.y += 18
    if block.subtitle:
        _flow(pdf, block.subtitle, SUBTITLE, after=14)
    for fact in block.facts:
        _flow(pdf, fact, FACT, after=2)
    if block.draft:
        _flow(pdf, gettext(lay.DRAFT_NOTICE), FACT_DRAFT, after=2)


class _Sections:
    """The bookmark outline: heading levels 2 and 3 become outline levels 0 and 1."""

    def __init__(self) -> None:
        self.started = False

    def start(self, pdf: _PlanPDF, heading: lay.Heading) -> None:
        level = 1 if heading.level > 2 and self.started else 0
        pdf.start_section(" ".join(heading.text.split()), level=level)
        self.started = True


def _heading_height(pdf: _PlanPDF, block: lay.Heading) -> float:
    """A heading's own height (without the space before it)."""
    kind = H2 if block.level <= 2 else H3
    _, lines = _lines(block.text, kind, pdf.epw)
    return len(lines) * kind.leading + (10 if block.level <= 2 else 4)


def _heading(pdf: _PlanPDF, block: lay.Heading, sections: _Sections, follow: float) -> None:
    """A heading, on a new page unless it and `follow` (the measured start of what comes
    after it) fit on this one: no page ends with a heading."""
    kind = H2 if block.level <= 2 else H3
    face, lines = _lines(block.text, kind, pdf.epw)
    before = 18.0 if block.level <= 2 else 10.0
    height = _heading_height(pdf, block)
    follow = min(follow, pdf.bottom - pdf.t_margin - height)
    if pdf.y + before + height + follow > pdf.bottom:
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
        for flag_face, flag_lines in _flag_lines(entry.flags, FLAGGED, pdf.epw - indent - 10):
            _paint(pdf, flag_face, flag_lines, FLAGGED, text_x + 10)
        pdf.y += 3
    pdf.y += 5


@dataclass(frozen=True)
class _Cell:
    """One table cell, ready to draw: its lines, each with its width, face and style (a
    flagged row's gap lines are red)."""

    lines: tuple[tuple[str, float, str, _Type], ...]

    @property
    def height(self) -> float:
        return sum(kind.leading for *_, kind in self.lines)


@dataclass(frozen=True)
class _Row:
    """One table row: its cells and its background."""

    cells: tuple[_Cell, ...]
    fill: RGB | None

    @property
    def depth(self) -> float:
        """The height of its tallest cell (without padding)."""
        return max(cell.height for cell in self.cells)


PAD_X, PAD_Y = 4.0, 3.0
"""A table cell's inner padding."""
FLAG = "\u26a0"
"""The warning sign set before each gap flag."""


def _longest(texts: Sequence[str], kind: _Type, *, words: bool) -> float:
    """The widest of the texts (or of their words) set in `kind`, in points."""
    widest = 0.0
    for text in texts:
        clean, face = _styled(text, kind.face)
        for piece in clean.split(" ") if words else [clean]:
            widest = max(widest, _em_width(piece, face) * kind.size)
    return widest


def _column_widths(block: lay.Table, epw: float) -> list[float]:
    """Each column's width. A nowrap column is as wide as its longest cell (dates and numbers
    never break); the others share the rest by their relative widths, each widened (taking
    room from the columns that have some to spare) so that no word of its header, nor of a
    numeric column's values, has to be broken."""
    count = len(block.columns)
    relative = (
        list(block.widths)
        if len(block.widths) == count and all(w > 0 for w in block.widths)
        else [1.0] * count
    )
    column = [[row[n] if n < len(row) else "" for row in block.rows] for n in range(count)]
    nowrap = [n < len(block.nowrap) and block.nowrap[n] for n in range(count)]
    numeric = [n < len(block.numeric) and block.numeric[n] for n in range(count)]
    fixed = {
        n: max(
            _longest(column[n], CELL_MARKED, words=False),
            _longest([block.columns[n]], CELL_MARKED, words=True),
        )
        + 2 * PAD_X
        for n in range(count)
        if nowrap[n]
    }
    if sum(fixed.values()) > epw * 0.75:  # no room left for the text: let them wrap
        fixed = {}
    free = [n for n in range(count) if n not in fixed]
    room = epw - sum(fixed.values())
    share = sum(relative[n] for n in free) or 1.0
    base = {n: room * relative[n] / share for n in free}
    need = {
        n: _longest([block.columns[n]] + (column[n] if numeric[n] else []), CELL_MARKED, words=True)
        + 2 * PAD_X
        for n in free
    }
    short = sum(max(need[n] - base[n], 0.0) for n in free)
    spare = sum(max(base[n] - need[n], 0.0) for n in free)
    if 0 < short <= spare:
        base = {
            n: need[n] if base[n] <= need[n] else base[n] - (base[n] - need[n]) * short / spare
            for n in free
        }
    return [fixed[n] if n in fixed else base[n] for n in range(count)]


def _flag_lines(flags: Sequence[str], kind: _Type, width: float) -> list[tuple[str, list[Line]]]:
    """Each gap flag as "⚠ label", wrapped: (face, lines) per flag."""
    return [_lines(f"{FLAG} {flag}", kind, width) for flag in flags]


def _table_rows(block: lay.Table, widths: list[float]) -> tuple[_Row, list[_Row]]:
    """The header row and the body rows, measured."""
    count = len(block.columns)
    nowrap = [n < len(block.nowrap) and block.nowrap[n] for n in range(count)]
    # A row's gap flags go under its widest wrapping column (usually the item's wording).
    flag_column = max(
        (n for n in range(count) if not nowrap[n]), key=lambda n: widths[n], default=0
    )
    flag_kind = _Type("", CELL.size, CELL.leading, GAP_RED)

    def cell(text: str, n: int, kind: _Type, head: bool) -> list[tuple[str, float, str, _Type]]:
        room = widths[n] - 2 * PAD_X
        if nowrap[n] and not head:  # a header wraps between words (none is wider than room)
            clean, face = _styled(text, kind.face)
            return [(clean, _em_width(clean, face) * kind.size, face, kind)]
        face, lines = _lines(text, kind, room)
        return [(line, width, face, kind) for line, width in lines]

    def row(
        cells: Sequence[str], kind: _Type, fill: RGB | None, flags: Sequence[str], head: bool
    ) -> _Row:
        built = []
        for n in range(count):
            lines = cell(cells[n] if n < len(cells) else "", n, kind, head)
            if n == flag_column:
                for face, wrapped in _flag_lines(flags, flag_kind, widths[n] - 2 * PAD_X):
                    lines += [(line, width, face, flag_kind) for line, width in wrapped]
            built.append(_Cell(tuple(lines)))
        return _Row(tuple(built), fill)

    head = row(block.columns, CELL_MARKED, HEAD_FILL, (), True)
    body = []
    for n, cells in enumerate(block.rows):
        marked = n < len(block.marked) and block.marked[n]
        flags = block.flags[n] if n < len(block.flags) else ()
        body.append(
            row(cells, CELL_MARKED if marked else CELL, MARK_FILL if marked else None, flags, False)
        )
    return head, body


def _table(pdf: _PlanPDF, block: lay.Table) -> None:
    """Rows under a shaded header row, which is drawn again at the top of each page the table
    continues on. A row is never split across pages unless it is taller than a page."""
    count = len(block.columns)
    if not count:
        return
    numeric = [n < len(block.numeric) and block.numeric[n] for n in range(count)]
    widths = _column_widths(block, pdf.epw)
    lefts = [pdf.l_margin + sum(widths[:n]) for n in range(count)]
    head, rows = _table_rows(block, widths)

    def draw(line: _Row, start: float, stop: float, rule: tuple[RGB, float]) -> None:
        """The part of a row whose lines start between `start` and `stop` (from its top)."""
        drawn = 0.0
        for n, cell in enumerate(line.cells):
            top = 0.0
            for text, text_width, face, kind in cell.lines:
                if start <= top < stop:
                    x = (
                        lefts[n] + widths[n] - PAD_X - text_width
                        if numeric[n]
                        else lefts[n] + PAD_X
                    )
                    y = pdf.y + PAD_Y + top - start
                    baseline = y + (kind.leading - kind.size) / 2 + kind.size * BASELINE
                    pdf.put(x, baseline, text, face, kind)
                    drawn = max(drawn, top + kind.leading - start)
                top += kind.leading
        pdf.y += drawn + 2 * PAD_Y
        pdf.rule(pdf.l_margin, pdf.w - pdf.r_margin, pdf.y, *rule)

    def band(line: _Row, start: float, stop: float, rule: tuple[RGB, float]) -> None:
        drawn = _row_extent(line, start, stop)
        if line.fill is not None:
            pdf.fill(pdf.l_margin, pdf.y, pdf.epw, drawn + 2 * PAD_Y, line.fill)
        draw(line, start, stop, rule)

    def heading() -> None:
        band(head, 0.0, head.depth + 1, (EDGE, 0.9))

    head_height = head.depth + 2 * PAD_Y
    first = rows[0].depth + 2 * PAD_Y if rows else 0.0
    pdf.room(head_height + min(first, pdf.bottom - pdf.t_margin - head_height))
    heading()
    for line in rows:
        height = line.depth + 2 * PAD_Y
        if pdf.y + height > pdf.bottom and height <= pdf.bottom - pdf.t_margin - head_height:
            pdf.new_page()
            heading()
        start = 0.0
        while start < line.depth:
            room = pdf.bottom - pdf.y - 2 * PAD_Y
            stop = start + room if line.depth - start > room else line.depth + 1
            band(line, start, stop, (RULE, 0.5))
            start = stop
            if start < line.depth:
                pdf.new_page()
                heading()
    pdf.y += 10


def _row_extent(line: _Row, start: float, stop: float) -> float:
    """How tall the part of a row drawn between `start` and `stop` is."""
    drawn = 0.0
    for cell in line.cells:
        top = 0.0
        for *_, kind in cell.lines:
            if start <= top < stop:
                drawn = max(drawn, top + kind.leading - start)
            top += kind.leading
    return drawn


def _outline(pdf: _PlanPDF, block: lay.Outline) -> None:
    """The alignment map as an indented outline: what the layout gives when it has no drawn
    map (see `MapBlock`)."""
    if not block.rows:
        _flow(pdf, gettext("Nothing is linked yet."), NOTE)
        return
    for depth, level, wording in block.rows:
        _flow(pdf, f"{level}: {wording}", BODY, indent=14.0 * depth, after=2)
    pdf.y += 6


# ---------------------------------------------------------------------------------------
# Bands: pieces measured before they are drawn, so a charter or the strategy page is placed
# (or shrunk) knowing its height.


@dataclass(frozen=True)
class _Band:
    """A horizontal strip of content: its height and how to draw it with its top at y."""

    height: float
    paint: Callable[[float], None]


def _text_band(
    pdf: _PlanPDF,
    text: str,
    kind: _Type,
    x: float,
    width: float,
    *,
    after: float = 0.0,
    marker: str | None = None,
) -> _Band:
    """Wrapped text at `x`, `width` wide; `marker` (a number or bullet) is set right-aligned
    just left of its first line."""
    face, lines = _lines(text, kind, width)

    def paint(y: float) -> None:
        for n, (line, _) in enumerate(lines):
            baseline = y + n * kind.leading + (kind.leading - kind.size) / 2 + kind.size * BASELINE
            if n == 0 and marker is not None:
                sign, sign_face = _styled(marker, kind.face)
                sign_width = _em_width(sign, sign_face) * kind.size
                pdf.put(x - 5 - sign_width, baseline, sign, sign_face, kind, marker=True)
            pdf.put(x, baseline, line, face, kind)

    return _Band(len(lines) * kind.leading + after, paint)


def _pair_band(
    pdf: _PlanPDF,
    left: _Band,
    right: _Band,
    *,
    after: float = 0.0,
) -> _Band:
    """Two bands side by side (a label and its value), as tall as the taller."""

    def paint(y: float) -> None:
        left.paint(y)
        right.paint(y)

    return _Band(max(left.height, right.height) + after, paint)


def _space(height: float) -> _Band:
    return _Band(height, lambda y: None)


def _place(pdf: _PlanPDF, bands: Sequence[_Band]) -> None:
    """Draw bands from the current position, between bands across pages if they must."""
    for band in bands:
        if pdf.y + band.height > pdf.bottom and not pdf.at_top:
            pdf.new_page()
        band.paint(pdf.y)
        pdf.y += band.height


def _scaled(kind: _Type, scale: float, colour: RGB | None = None) -> _Type:
    return _Type(kind.face, kind.size * scale, kind.leading * scale, colour or kind.colour)


# ---------------------------------------------------------------------------------------
# Charters (Facts)

FACTS_PAD = 10.0


def _facts_bands(pdf: _PlanPDF, block: lay.Facts) -> list[_Band]:
    """A charter's content: caption, title, label/value rows, flags."""
    x = pdf.l_margin + FACTS_PAD + 3
    inner = pdf.epw - 2 * FACTS_PAD - 3
    bands = [
        _space(FACTS_PAD),
        _text_band(pdf, block.caption.upper(), LABEL, x, inner, after=2),
        _text_band(pdf, block.title, H3, x, inner, after=5),
    ]
    label_width = min(_longest([label for label, _ in block.rows], FIELD, words=False), inner * 0.3)
    for label, value in block.rows:
        bands.append(
            _pair_band(
                pdf,
                _text_band(pdf, label, FIELD, x, label_width),
                _text_band(pdf, value, BODY, x + label_width + 10, inner - label_width - 10),
                after=2,
            )
        )
    for flag in block.flags:
        bands.append(_text_band(pdf, f"{FLAG} {flag}", FLAGGED, x, inner))
    bands.append(_space(FACTS_PAD - 2))
    return bands


def _facts_height(pdf: _PlanPDF, block: lay.Facts) -> float:
    return sum(band.height for band in _facts_bands(pdf, block)) + 8


def _facts(pdf: _PlanPDF, block: lay.Facts) -> None:
    """A charter as a framed box, kept whole on one page (unless taller than a page)."""
    bands = _facts_bands(pdf, block)
    height = sum(band.height for band in bands)
    if height <= pdf.bottom - pdf.t_margin:
        pdf.room(height)
        pdf.set_draw_color(*RULE)
        pdf.set_fill_color(*WHITE)
        pdf.set_line_width(0.8)
        pdf.rect(pdf.l_margin, pdf.y, pdf.epw, height, style="D")
        pdf.fill(pdf.l_margin, pdf.y, 3, height, GAP_RED if block.flags else ACCENT)
    _place(pdf, bands)
    pdf.y += 8


# ---------------------------------------------------------------------------------------
# Strategy on a page

PAGE_TOP_SLACK = 80.0
"""How far down a page the strategy page may start (below its own heading) and still be on
the page it was given."""
STRATEGY_SCALES = tuple(1.0 - 0.04 * n for n in range(12))
"""The type scales tried, largest first, until the page's content fits (down to 0.56)."""
MORE = N_("More in the sections that follow.")


def _strategy_bands(pdf: _PlanPDF, block: lay.StrategyPage, scale: float) -> list[_Band]:
    """The strategy page's content at one type scale."""
    x, width = pdf.l_margin, pdf.epw
    label = _scaled(LABEL, scale)
    body = _scaled(BODY, scale)
    lead = _scaled(LEAD, scale)
    detail = _scaled(DETAIL, scale)
    flagged = _scaled(FLAGGED, scale)
    quote = _scaled(QUOTE, scale)
    gap = 10 * scale
    bands: list[_Band] = []

    def section(name: str) -> None:
        bands.append(_text_band(pdf, name.upper(), label, x, width, after=2 * scale))

    for name, text in ((gettext("Vision"), block.vision), (gettext("Mission"), block.mission)):
        if text:
            section(name)
            bands.append(_text_band(pdf, text, quote, x, width, after=gap))
    if block.values:
        section(gettext("Values"))
        bands.append(_text_band(pdf, " · ".join(block.values), body, x, width, after=gap))
    if block.goals:
        section(gettext("Strategic goals"))
        indent = _em_width(f"{len(block.goals)}.", "B") * lead.size + 6
        for n, goal in enumerate(block.goals, 1):
            inner_x, inner = x + indent, width - indent
            bands.append(_text_band(pdf, goal.text, lead, inner_x, inner, marker=f"{n}."))
            if goal.metric:
                target = gettext("Target: %(metric)s", metric=goal.metric)
                bands.append(_text_band(pdf, target, body, inner_x, inner))
            else:
                none = gettext("No headline metric yet")
                bands.append(_text_band(pdf, none, detail, inner_x, inner))
            if goal.serving:
                served = gettext("Served by: %(items)s", items="; ".join(goal.serving))
                bands.append(_text_band(pdf, served, detail, inner_x, inner))
            for flag in goal.flags:
                bands.append(_text_band(pdf, f"{FLAG} {flag}", flagged, inner_x, inner))
            bands.append(_space(5 * scale))
        bands.append(_space(gap - 5 * scale))
    section(gettext("Gaps"))
    if block.gap_count:
        if block.top_gaps:
            count = ngettext(
                "%(n)s gap in the plan; the most important:",
                "%(n)s gaps in the plan; the most important:",
                block.gap_count,
            )
        else:
            count = ngettext("%(n)s gap in the plan.", "%(n)s gaps in the plan.", block.gap_count)
        bands.append(_text_band(pdf, count, body, x, width))
        for top in block.top_gaps:
            bands.append(_text_band(pdf, top, flagged, x + 12, width - 12, marker=FLAG))
    else:
        bands.append(_text_band(pdf, gettext("No gaps."), body, x, width))
    if block.unanswered:
        left = gettext("Left unanswered: %(items)s", items="; ".join(block.unanswered))
        bands.append(_text_band(pdf, left, flagged, x, width, after=2 * scale))
    bands.append(_space(gap))
    if block.first_actions:
        section(gettext("First actions"))
        bands += _action_rows(pdf, block.first_actions, scale)
    if block.note:
        bands.append(_text_band(pdf, block.note, _scaled(NOTE, scale), x, width))
    return bands


def _action_rows(
    pdf: _PlanPDF, actions: Sequence[tuple[str, str, str]], scale: float
) -> list[_Band]:
    """What, who and by when, as three columns; the date column as wide as its longest."""
    body = _scaled(BODY, scale)
    head = _scaled(FIELD, scale)
    what_head, who_head, when_head = gettext("What"), gettext("Who"), gettext("By when")
    when = max(_longest([due for *_, due in actions] + [when_head], body, words=False), 40.0)
    who = min(_longest([owner for _, owner, _ in actions] + [who_head], body, words=False), 150.0)
    what = pdf.epw - who - when - 24
    x = pdf.l_margin
    rows = [(what_head, who_head, when_head, head)]
    rows += [(a, b, c, body) for a, b, c in actions]
    bands = []
    for what_text, who_text, when_text, kind in rows:
        first = _text_band(pdf, what_text, kind, x, what)
        second = _text_band(pdf, who_text, kind, x + what + 12, who)
        clean, face = _styled(when_text, kind.face)

        def third(y: float, clean: str = clean, face: str = face, kind: _Type = kind) -> None:
            baseline = y + (kind.leading - kind.size) / 2 + kind.size * BASELINE
            pdf.put(x + what + who + 24, baseline, clean, face, kind)

        pair = _pair_band(pdf, first, second)
        bands.append(_pair_band(pdf, pair, _Band(kind.leading, third), after=3 * scale))
    return bands


def _strategy(pdf: _PlanPDF, block: lay.StrategyPage) -> None:
    """Strategy on a page: below its heading (which the layout puts first, on a new page), the
    type stepped down until all of it fits the rest of the page (measured); at the smallest
    scale what still does not fit is left to the sections. The next block starts a new page."""
    if pdf.y > pdf.t_margin + PAGE_TOP_SLACK:
        pdf.new_page()
    room = pdf.bottom - pdf.y
    for scale in STRATEGY_SCALES:
        bands = _strategy_bands(pdf, block, scale)
        if sum(band.height for band in bands) <= room:
            break
    else:
        note = _text_band(pdf, gettext(MORE), _scaled(NOTE, scale), pdf.l_margin, pdf.epw)
        kept: list[_Band] = []
        used = note.height
        for band in bands:
            if used + band.height > room:
                break
            kept.append(band)
            used += band.height
        bands = [*kept, note]
    for band in bands:
        band.paint(pdf.y)
        pdf.y += band.height
    pdf.new_page()


# ---------------------------------------------------------------------------------------
# The document, block by block


INTRO_LINES = 6
"""A paragraph this short is kept with the start of the block after it, under a heading."""


def _lead(pdf: _PlanPDF, blocks: Sequence[lay.Block], index: int) -> float:
    """How much of block `index` must follow a heading on its page: its first unit (a line
    pair, a list entry, a table's header and first row, a whole charter or drawing)."""
    if index >= len(blocks):
        return 0.0
    block = blocks[index]
    if isinstance(block, lay.Heading):
        return _heading_height(pdf, block) + 10 + _lead(pdf, blocks, index + 1)
    if isinstance(block, lay.Paragraph):
        kind = PARAGRAPH_TYPES.get(block.style, BODY)
        lines = len(_lines(block.text, kind, pdf.epw)[1])
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if lines > INTRO_LINES or after is None or isinstance(after, lay.Heading):
            return kind.leading * min(lines, 2)
        # A short paragraph introduces what follows it ("Served by:", a map's how-to-read):
        # the heading keeps both.
        return kind.leading * lines + 6 + _lead(pdf, blocks, index + 1)
    if isinstance(block, lay.Statement):
        return QUOTE.leading * min(len(_lines(block.text, QUOTE, pdf.epw - 25)[1]), 3) + 18
    if isinstance(block, lay.Items) and block.entries:
        kind = ITEM_TYPES.get(block.style, BODY)
        entry = block.entries[0]
        lines = len(_lines(entry.text, kind, pdf.epw - 16)[1])
        return kind.leading * min(lines, 2) + (DETAIL.leading if entry.details else 0.0)
    if isinstance(block, lay.Table) and block.columns:
        head, rows = _table_rows(block, _column_widths(block, pdf.epw))
        return head.depth + 2 * PAD_Y + (rows[0].depth + 2 * PAD_Y if rows else 0.0)
    if isinstance(block, lay.Facts):
        return _facts_height(pdf, block)
    if isinstance(block, lay.Outline) and block.rows:
        return BODY.leading * 2
    return _drawing_lead(pdf, block)


def _drawing_lead(pdf: _PlanPDF, block: lay.Block) -> float:
    """The height a drawing (map, roadmap) needs below its heading: the map's first part
    (with the vision box above it), the whole roadmap."""
    if isinstance(block, lay.RoadmapBlock) and block.chart is not None:
        return _roadmap_lead(pdf, block.chart)
    if isinstance(block, lay.MapBlock) and block.map is not None and block.map.parts:
        first = _part_layout(pdf, block.map.parts[0])
        return _vision_height(pdf, block.map.vision) + first.caption + first.height
    return 0.0


# ---------------------------------------------------------------------------------------
# The roadmap (`roadmap.roadmap_geometry`), split between lanes across pages

ROADMAP_SIZE = 8.5
"""The roadmap's label and year size, in points."""
LANE_SHADE: RGB = (246, 248, 251)
UNSCHEDULED = N_("Not scheduled yet:")


def _roadmap_geometry(pdf: _PlanPDF, chart: RoadmapChart) -> RoadmapGeometry:
    return roadmap_geometry(
        chart, width=pdf.epw, font_size=ROADMAP_SIZE, measure=_measure(ROADMAP_SIZE)
    )


def _roadmap_lead(pdf: _PlanPDF, chart: RoadmapChart) -> float:
    """The chart's header, first three lanes and footer: what must follow its heading."""
    geometry = _roadmap_geometry(pdf, chart)
    lanes = sum(lane.h for lane in geometry.lanes[:3])
    return geometry.header_height + lanes + geometry.footer_height


def _roadmap(pdf: _PlanPDF, block: lay.RoadmapBlock) -> None:
    """The chart, its years repeated on each page it continues on (it breaks between lanes),
    then the items with no date as "Not scheduled yet"."""
    chart: RoadmapChart | None = block.chart
    if chart is None:
        return
    geometry = _roadmap_geometry(pdf, chart)
    lanes = geometry.lanes
    start = 0
    while start < len(lanes):
        room = pdf.bottom - pdf.y - geometry.header_height - geometry.footer_height
        stop, used = start, 0.0
        while stop < len(lanes) and used + lanes[stop].h <= room:
            used += lanes[stop].h
            stop += 1
        if stop == start:
            if not pdf.at_top:
                pdf.new_page()
                continue
            stop = start + 1  # a lane taller than a page: drawn as it is
        _roadmap_slice(pdf, geometry, start, stop)
        start = stop
        if start < len(lanes):
            pdf.new_page()
    if not lanes:
        _roadmap_slice(pdf, geometry, 0, 0)
    pdf.y += 8
    if chart.unscheduled:
        _flow(pdf, gettext(UNSCHEDULED), LEAD, after=2)
        _items(pdf, lay.Items(tuple(lay.Entry(text) for text in chart.unscheduled), False))


def _lighter(colour: RGB, share: float = 0.55) -> RGB:
    """The colour mixed with white (an open end: a date not set)."""
    red, green, blue = (round(c + (255 - c) * share) for c in colour)
    return red, green, blue


def _roadmap_slice(pdf: _PlanPDF, geometry: RoadmapGeometry, start: int, stop: int) -> None:
    """Lanes `start` to `stop` under the year header, with the year rules, today's line and
    its label below; `pdf.y` is the slice's top."""
    lanes = geometry.lanes[start:stop]
    top_in = lanes[0].y if lanes else geometry.header_height
    bottom_in = lanes[-1].y + lanes[-1].h if lanes else geometry.header_height
    top = pdf.y
    shift = top + geometry.header_height - top_in
    left = pdf.l_margin
    size, small, pad = geometry.font_size, geometry.small_size, geometry.padding
    year_kind = _Type("B", size, size, INK)
    label_kind = _Type("", size, geometry.line_height, INK)
    flag_kind = _Type("", size, geometry.line_height, GAP_RED)
    small_kind = _Type("", small, small, INK)
    plot_bottom = bottom_in + shift
    for n, lane in enumerate(lanes, start):
        if n % 2:
            pdf.fill(left, lane.y + shift, geometry.width, lane.h, LANE_SHADE)
    pdf.fill(left, top, geometry.width, geometry.header_height, HEAD_FILL)
    rules = [x for x, _ in geometry.years] + [geometry.plot_right]
    for x in rules:
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.5)
        pdf.line(left + x, top, left + x, plot_bottom)
    ends = [*(x for x, _ in geometry.years[1:]), geometry.plot_right]
    for (x, year), end in zip(geometry.years, ends, strict=True):
        width = _em_width(year, "B") * size
        pdf.put(
            left + (x + end) / 2 - width / 2,
            top + geometry.header_height - pad,
            year,
            "B",
            year_kind,
        )
    for lane in lanes:
        x = left + pad + lane.indent
        texts = [(line, label_kind) for line in lane.lines]
        texts += [(line, flag_kind) for line in lane.flag_lines]
        for n, (raw, kind) in enumerate(texts):
            text, face = _styled(raw, "")
            baseline = lane.y + shift + pad + size + n * geometry.line_height
            pdf.put(x, baseline, text, face, kind)
    for bar in geometry.bars:
        if not top_in <= bar.y < bottom_in:
            continue
        _bar(pdf, bar, left, shift)
    for diamond in geometry.milestones:
        if not top_in <= diamond.y < bottom_in:
            continue
        _diamond(pdf, diamond, left, shift, small_kind)
    pdf.rule(left, left + geometry.width, plot_bottom, EDGE, 0.6)
    if geometry.today_x is not None:
        today = _hex(TODAY_COLOUR)
        x = left + geometry.today_x
        pdf.set_draw_color(*today)
        pdf.set_line_width(1.0)
        pdf.set_dash_pattern(dash=3, gap=2)
        pdf.line(x, top + geometry.header_height, x, plot_bottom)
        pdf.set_dash_pattern()
        label, face = _styled(geometry.today_label, "")
        width = _em_width(label, face) * small
        x = min(max(x - width / 2, left + geometry.plot_left), left + geometry.width - width)
        pdf.put(
            x,
            plot_bottom + geometry.footer_height - pad,
            label,
            face,
            _Type("", small, small, today),
        )
    pdf.y = plot_bottom + geometry.footer_height


def _bar(pdf: _PlanPDF, bar: Bar, left: float, shift: float) -> None:
    """A span: filled in its kind's colour, lighter where a date is not set, an arrow where it
    runs past the horizon, outlined in red when flagged."""
    colour = _hex(bar.colour)
    x, y = left + bar.x, bar.y + shift
    fill = _lighter(colour) if bar.open_start or bar.open_end else colour
    pdf.set_fill_color(*fill)
    if bar.flags:
        pdf.set_draw_color(*GAP_RED)
        pdf.set_line_width(1.2)
        pdf.rect(x, y, bar.w, bar.h, style="DF")
    else:
        pdf.rect(x, y, bar.w, bar.h, style="F")
    tip = bar.h * 0.6
    pdf.set_fill_color(*colour)
    if bar.clipped_end:
        end = x + bar.w
        pdf.polygon([(end, y), (end + tip, y + bar.h / 2), (end, y + bar.h)], style="F")
    if bar.clipped_start:
        pdf.polygon([(x, y), (x - tip, y + bar.h / 2), (x, y + bar.h)], style="F")


def _diamond(pdf: _PlanPDF, diamond: Diamond, left: float, shift: float, kind: _Type) -> None:
    """A milestone: a filled diamond and its label beside it (red outline when flagged)."""
    colour = _hex(diamond.colour)
    x, y, half = left + diamond.x, diamond.y + shift, diamond.size / 2
    pdf.set_fill_color(*colour)
    points = [(x, y - half), (x + half, y), (x, y + half), (x - half, y)]
    if diamond.flags:
        pdf.set_draw_color(*GAP_RED)
        pdf.set_line_width(1.0)
        pdf.polygon(points, style="DF")
    else:
        pdf.polygon(points, style="F")
    text, face = _styled(diamond.label, "")
    width = _em_width(text, face) * kind.size
    label_x = left + diamond.label_x - (width if diamond.anchor == "end" else 0.0)
    label_kind = _Type("", kind.size, kind.leading, GAP_RED if diamond.flags else kind.colour)
    pdf.put(label_x, diamond.label_y + shift, text, face, label_kind)


# ---------------------------------------------------------------------------------------
# The alignment map (`mapgeom.alignment_map`, one drawing per part)

MAP_SIZES = (9.5, 8.5, 7.5)
"""Map text sizes tried, largest first, until a part fits a page; past the smallest the part
is drawn scaled down to the page."""
PART_CAPTION = _Type("B", 10, 15, INK)
PART_CAPTION_FLAGGED = _Type("B", 10, 15, GAP_RED)


def _measure(size: float) -> Callable[[str], float]:
    """The width of a text as the map draws it (regular face at `size`), in points."""

    def measure(text: str) -> float:
        clean, face = _styled(text, "")
        return _em_width(clean, face) * size

    return measure


@lru_cache(maxsize=256)
def _part_geometry(part: MapPart, width: float, size: float, room: float) -> MapGeometry:
    return part_geometry(part, width=width, font_size=size, measure=_measure(size), max_height=room)


@dataclass(frozen=True)
class _PartLayout:
    """One part, laid out for the page: its geometry, the scale it is drawn at (1 unless it
    is taller than a page at the smallest size), its caption's height and its total height."""

    geometry: MapGeometry
    scale: float
    caption: float

    @property
    def height(self) -> float:
        return self.geometry.height * self.scale


def _part_layout(pdf: _PlanPDF, part: MapPart) -> _PartLayout:
    caption = PART_CAPTION.leading * len(_lines(part.title, PART_CAPTION, pdf.epw)[1]) + 4
    room = pdf.bottom - pdf.t_margin - caption - 4
    geometry = _part_geometry(part, pdf.epw, MAP_SIZES[0], room)
    for size in MAP_SIZES[1:]:
        if geometry.height <= room:
            break
        geometry = _part_geometry(part, pdf.epw, size, room)
    return _PartLayout(
        geometry, min(1.0, room / geometry.height) if geometry.height else 1.0, caption
    )


def _vision_lines(pdf: _PlanPDF, vision: str) -> tuple[str, list[Line]]:
    return _lines(vision, _Type("", MAP_SIZES[0], MAP_SIZES[0] * 1.3, INK), pdf.epw - 12)


def _vision_height(pdf: _PlanPDF, vision: str | None) -> float:
    if not vision:
        return 0.0
    return (
        12
        + MAP_SIZES[0] * 0.72 * 1.25
        + len(_vision_lines(pdf, vision)[1]) * MAP_SIZES[0] * 1.3
        + 14
    )


def _map(pdf: _PlanPDF, block: lay.MapBlock) -> None:
    """The map part by part, each part whole on a page, starting where the first part fits
    (the vision box, when there is one, goes with it)."""
    amap: AlignmentMap | None = block.map
    if amap is None or not amap.parts:
        _flow(pdf, gettext("Nothing is linked yet."), NOTE)
        return
    for number, part in enumerate(amap.parts):
        laid = _part_layout(pdf, part)
        vision = _vision_height(pdf, amap.vision) if number == 0 else 0.0
        if pdf.y + vision + laid.caption + laid.height > pdf.bottom and not pdf.at_top:
            pdf.new_page()
        if number == 0 and amap.vision:
            _vision_box(pdf, amap.vision)
        kind = PART_CAPTION_FLAGGED if part.unconnected else PART_CAPTION
        face, lines = _lines(part.title, kind, pdf.epw)
        _paint(pdf, face, lines, kind, pdf.l_margin)
        pdf.y += 4
        _part_drawing(pdf, laid)
        pdf.y += 14


def _vision_box(pdf: _PlanPDF, vision: str) -> None:
    size = MAP_SIZES[0]
    face, lines = _vision_lines(pdf, vision)
    height = _vision_height(pdf, vision) - 14
    colour = _hex(OTHER_COLOUR)
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*QUOTE_FILL)
    pdf.set_line_width(1.1)
    pdf.rect(pdf.l_margin, pdf.y, pdf.epw, height, style="DF", round_corners=True, corner_radius=4)
    label = _Type("B", size * 0.72, size * 0.72, colour)
    vision_label, vision_face = _styled(gettext("Vision").upper(), "B")
    pdf.put(pdf.l_margin + 6, pdf.y + 6 + label.size, vision_label, vision_face, label)
    kind = _Type("", size, size * 1.3, INK)
    for n, (text, _) in enumerate(lines):
        baseline = pdf.y + 6 + label.size * 1.25 + (n + 1) * kind.leading - size * 0.25
        pdf.put(pdf.l_margin + 6, baseline, text, face, kind)
    pdf.y += height + 14


def _part_drawing(pdf: _PlanPDF, laid: _PartLayout) -> None:
    """One part's connectors, then its boxes, with its top at `pdf.y`."""
    geometry, k = laid.geometry, laid.scale
    left, top = pdf.l_margin, pdf.y
    pdf.set_draw_color(*EDGE)
    pdf.set_line_width(1.2 * k)
    for edge in geometry.edges:
        pdf.polyline([(left + x * k, top + y * k) for x, y in edge], style="D")
    for node in geometry.nodes:
        _part_box(pdf, node, geometry, left, top, k)
    pdf.y = top + laid.height


def _part_box(
    pdf: _PlanPDF, node: MapNode, geometry: MapGeometry, left: float, top: float, k: float
) -> None:
    """One box: its edge in the level's colour (red and thicker when flagged), the level label
    with the action count at its right, the wording, then the flags in red (placed as
    `MapNode` documents)."""
    padding, label_size = geometry.padding * k, geometry.label_size * k
    size, leading = geometry.font_size * k, geometry.line_height * k
    colour = GAP_RED if node.flags else _hex(node.colour)
    x, y = left + node.x * k, top + node.y * k
    width, height = node.width * k, node.height * k
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*WHITE)
    pdf.set_line_width((1.8 if node.flags else 1.1) * k)
    pdf.rect(x, y, width, height, style="DF", round_corners=True, corner_radius=4 * k)
    room = width - 2 * padding
    label_kind = _Type("B", label_size, label_size, _hex(node.colour))
    badge_width = 0.0
    if node.badge:
        badge, badge_face = _styled(node.badge, "B")
        badge_width = _em_width(badge, badge_face) * label_size
        badge_kind = _Type("B", label_size, label_size, MUTED)
        pdf.put(
            x + width - padding - badge_width,
            y + padding + label_size,
            badge,
            badge_face,
            badge_kind,
        )
    label, label_face = _fit(node.level.upper(), label_kind, room - badge_width - 6)
    pdf.put(x + padding, y + padding + label_size, label, label_face, label_kind)
    text_kind = _Type("", size, leading, INK)
    flag_kind = _Type("", size, leading, GAP_RED)
    texts = [(line, text_kind) for line in node.lines]
    texts += [(line, flag_kind) for line in node.flag_lines]
    for n, (raw, kind) in enumerate(texts):
        text, face = _styled(raw, "")
        baseline = y + padding + label_size * 1.25 + (n + 1) * leading - size * 0.25
        pdf.put(x + padding, baseline, text, face, kind)


def _paragraph(pdf: _PlanPDF, blocks: Sequence[lay.Block], index: int) -> None:
    """A paragraph; a short one that introduces what follows ("Served by:", a gap kind's
    label) stays on the page of that block's start (up to a third of a page of it)."""
    block = blocks[index]
    assert isinstance(block, lay.Paragraph)
    kind = PARAGRAPH_TYPES.get(block.style, BODY)
    keep = _lead(pdf, blocks, index) - _lead_own(pdf, block)
    _flow(pdf, block.text, kind, keep=min(max(keep, 0.0), (pdf.bottom - pdf.t_margin) / 3))


def _lead_own(pdf: _PlanPDF, block: lay.Paragraph) -> float:
    """A paragraph's own part of its `_lead`: its lines and the space after it."""
    kind = PARAGRAPH_TYPES.get(block.style, BODY)
    return kind.leading * len(_lines(block.text, kind, pdf.epw)[1]) + 6


def _draw(
    pdf: _PlanPDF,
    blocks: Sequence[lay.Block],
    index: int,
    plan: PlanDocument,
    sections: _Sections,
) -> None:
    block = blocks[index]
    if isinstance(block, lay.Cover):
        _cover(pdf, block, plan.title)
        pdf.new_page()
    elif isinstance(block, lay.StrategyPage):
        _strategy(pdf, block)
    elif isinstance(block, lay.Heading):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if isinstance(following, lay.StrategyPage) and not pdf.at_top:
            pdf.new_page()
        _heading(pdf, block, sections, _lead(pdf, blocks, index + 1))
    elif isinstance(block, lay.Paragraph):
        _paragraph(pdf, blocks, index)
    elif isinstance(block, lay.Statement):
        _statement(pdf, block)
    elif isinstance(block, lay.Items):
        _items(pdf, block)
    elif isinstance(block, lay.Table):
        _table(pdf, block)
    elif isinstance(block, lay.Facts):
        _facts(pdf, block)
    elif isinstance(block, lay.MapBlock):
        _map(pdf, block)
    elif isinstance(block, lay.RoadmapBlock):
        _roadmap(pdf, block)
    elif isinstance(block, lay.Outline):
        _outline(pdf, block)
    elif isinstance(block, lay.PageBreak) and not pdf.at_top:
        pdf.new_page()


def _created(plan: PlanDocument) -> datetime:
    """The document's creation date: when the version was published (a draft: taken), else
    the plan's finish time or date. Never the wall clock, so the bytes stay the same."""
    try:
        moment = datetime.fromisoformat(plan.published_at)
    except ValueError:
        moment = None
    if moment is not None:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    for text, pattern in ((plan.finished_at, "%Y-%m-%d %H:%M UTC"), (plan.date, "%Y-%m-%d")):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime(2000, 1, 1, tzinfo=UTC)


_SPARE: list[_PlanPDF] = []


def prepare() -> None:
    """Parse the fonts for the next render ahead of time (`add_font` is most of a render's
    fixed cost). The warm render worker calls this once in its parent process; each render it
    forks starts with its own copy of this blank document (every fallback font registered;
    those a plan does not use are dropped before it is written, and each keeps its fixed
    number, so the bytes are those of a cold render), so no parsed font is ever used by two
    documents. A process that renders several plans itself never calls it."""
    spare = _PlanPDF("", False)
    measurer = _measurer()
    for family in FALLBACKS:
        spare.register(family)
        measurer.register(family)
        _chars_of(family)
    for document in (spare, measurer):
        faces: list[Any] = list(document.fonts.values())
        for font in faces:
            font.hbfont  # noqa: B018 (HarfBuzz's face, made on first use: made now)
    _pruned()
    _SPARE[:] = [spare]


WORKSHOP = "workshop_id"
"""The attribute of a plan that names its workshop, when the caller set one (for the log)."""


def render_pdf(plan: PlanDocument, workshop_id: str | None = None) -> bytes:
    """The plan as an A4 PDF, section by section (see `layout.py`); the same plan gives the
    same bytes. A character no bundled font has is left out and logged (a warning naming
    the workshop, `workshop_id` or the plan's own `workshop_id` when it has one)."""
    title = lay.title_line(plan)
    control = lay.control_line(plan)
    if _SPARE:
        pdf = _SPARE.pop()
        pdf.running_title, pdf.draft, pdf.control = title, plan.draft, control
    else:
        pdf = _PlanPDF(title, plan.draft, control)
    _MISSING.clear()
    pdf.direction = i18n.direction(plan.language) if plan.language in i18n.LANGUAGES else "ltr"
    pdf.set_title(lay.document_title(plan))
    pdf.set_author(plan.organization or plan.facilitator or gettext("Strategy workshop"))
    pdf.set_subject(gettext("Strategic plan, %(control)s", control=control))
    pdf.set_creator("Strategy workshop")
    pdf.set_lang(plan.language or "en")
    pdf.set_creation_date(_created(plan))
    pdf.add_page()
    sections = _Sections()
    blocks = lay.layout(plan)
    for index in range(len(blocks)):
        _draw(pdf, blocks, index, plan, sections)
    pdf.drop_unused()
    if _MISSING:
        workshop = workshop_id or getattr(plan, WORKSHOP, None) or "unknown"
        log.warning(
            "plan PDF of workshop %s: no bundled font has %s; left out",
            workshop,
            ", ".join(f"U+{ord(c):04X}" for c in sorted(_MISSING)),
        )
        _MISSING.clear()
    return bytes(pdf.output())
