"""The plan as a Word document (DOCX), built with python-docx from the shared layout blocks.

Choices, and why:

- Real Word structure, so the navigation pane, the table of contents and screen readers work.
  The cover's big title uses the built-in "Title" style; layout headings of level 2 become
  "Heading 1" and level 3 "Heading 2" (the cover holds the layout's level 1); a charter's
  title is a "Heading 3" (in the navigation pane, not in the contents). Headings keep with
  what follows, and so does a paragraph or one-entry list introducing what comes next (a
  section's note, "Decided by …"), so a heading never ends a page with only its note; a
  list's last entry keeps company with the one before. Lists use the built-in "List
  Number" / "List Bullet" styles, details under an entry "List Bullet 2". Every numbered
  list gets its own numbering instance (a `w:num` over the "List Number" definition,
  restarting at 1), otherwise Word would count on from the previous list.
- The cover carries the control line (version and publication date). The strategy page
  comes right after the cover, then the contents: a table of contents *field*
  (`TOC \\o "1-2" \\h \\z \\u`) whose shown result is already filled in, one paragraph
  per Heading 1/2 in Word's own "toc 1"/"toc 2" styles, each a link to a hidden `_Toc`
  bookmark round its heading. So Word and LibreOffice show the contents on open, and Word's
  Update Field can still rebuild it. Page numbers are left out (a known limit): python-docx
  cannot lay out pages, and a wrong number is worse than none; Update Field (Word) or
  Tools > Update (LibreOffice) adds them. No "update fields on open" flag is set, because it
  makes Word show a warning dialog when the file opens.
- Tables are real Word tables ("Table Grid") with a fixed layout, so Word need not measure
  600 rows: the column widths come from the content (`text_twips` estimates a text's width
  generously from Calibri's character classes): a nowrap column (dates, amounts) is as wide
  as its widest cell and its cells carry `w:noWrap`; every other column is at least as wide
  as its longest word (so "Rank" and "Selected" never break), and the rest of the text
  width is shared by the layout's relative widths. When the content asks for more than the
  page, columns give up only what they hold above their header's longest word in bold.
  Every row is `w:cantSplit`, the header row repeats on every page (`w:tblHeader`) and
  holds to the first row. Numeric columns are right-aligned; the selected items' rows are
  bold on a light green; a row's gap flags
  ("⚠ …") follow its first text cell. Rows are built element by element, never through
  `table.cell(r, c)`, which walks the whole table on every call.
- The strategy page starts on a page of its own and ends it. Word cannot tell how tall it
  sets, so its height is estimated (lines per cell from `text_twips`) and its type stepped
  down from 9 to 6.5 pt until the estimate fits the page with room to spare.
- A charter (`Facts`) is a caption, its item as a "Heading 3", its flags, and a two-column
  table kept whole on one page (every row but the last keeps with the next).
- One typeface, Calibri, is named outright on the document defaults and on every style
  (Latin, East Asian and complex-script slots), never through the theme: the template's
  theme body font is Cambria, which LibreOffice replaces with a much wider serif, so the
  estimated widths fell short and headers broke mid-word ("Ran/k"). LibreOffice sets
  Calibri as Carlito, whose metrics are the same.
- The roadmap is the chart's year-by-item table with only marks in the year cells ("■"
  where an item runs, "◆n" for a milestone; a label there would break mid-word), the
  milestones listed under it by mark with date and label, then what is not scheduled; the
  alignment map an indented outline, one paragraph per item ("List Bullet" to "List
  Bullet 3" by depth, with an explicit left indent growing with depth), flags after it.
- Document control: the cover is a different first page (`w:titlePg`) without header or
  footer; every other page carries the control line ("Version 2 · published 2026-12-03")
  in its header and "Page N of M" (PAGE and NUMPAGES fields) in its footer. A draft also
  says so in every header, the cover's included, and on the cover; a final plan never says
  "DRAFT". The metadata title carries the version.
- User text is data: it only ever becomes the text of runs, never fields, styles or markup.
  Characters XML 1.0 cannot carry (C0 controls other than tab and line breaks, U+FFFE/U+FFFF,
  lone surrogates) are dropped, since lxml refuses them; every script and emoji is kept.
- The same plan gives the same bytes: the core properties' dates are the plan's
  `published_at`, the template's stale thumbnail is dropped, and the zip is written again
  with each entry's time fixed to that moment (python-docx stamps entries with the current
  time).
"""

from __future__ import annotations

import copy
import functools
import io
import re
import unicodedata
import zipfile
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu, Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from ..i18n import N_, gettext, ngettext
from . import layout as lay
from .document import PlanDocument

KICKER = N_("Strategic plan")
CONTENTS = N_("Contents")
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
TOC_STYLES = {1: ("toc 1", "TOC1", 0), 2: ("toc 2", "TOC2", 220)}
"""Word's built-in names and ids for the contents entries of each heading level (so Word
keeps using them when it refreshes the field), with each level's left indent in twips."""
TOC_BOOKMARK = "_Toc{:06d}"
"""Hidden bookmark names (a leading underscore) on the headings the contents links to."""
TABLE_STYLE = "Table Grid"
NOT_SCHEDULED = N_("Not scheduled yet")
MILESTONES = N_("Milestones")
BAR_MARK = "\u25a0"
MILESTONE_MARK = "\u25c6"
STRATEGY_GOALS_COLUMNS = (N_("Goal"), N_("Headline metric"), N_("Served by"))
STRATEGY_GOALS_WIDTHS = (1.3, 1.2, 1.5)
STRATEGY_ACTIONS_COLUMNS = (N_("Action"), N_("Owner"), N_("Due"))
STRATEGY_ACTIONS_WIDTHS = (3.0, 1.4, 1.0)
STRATEGY_ACTIONS_NOWRAP = (False, False, True)
STRATEGY_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5)
"""The strategy page's table type, largest first: the first whose page fits is used."""
FLAG = "\u26a0"
FONT = "Calibri"
"""The one typeface of the whole document, named outright on the defaults and on every
style (never through the theme, whose body font in python-docx's template is Cambria, a
serif LibreOffice replaces with a wider one). Word has Calibri; LibreOffice substitutes
Carlito, which has the same metrics, so the widths `text_twips` estimates hold in both."""
FONT_SLOTS = ("ascii", "hAnsi", "eastAsia", "cs")
"""The rFonts slots named: Latin, other Latin, East Asian and complex script text."""

NOTE_COLOR = RGBColor(0x59, 0x59, 0x59)
GAP_COLOR = RGBColor(0x9C, 0x3D, 0x00)
DRAFT_COLOR = RGBColor(0xC0, 0x00, 0x00)
HEADER_FILL = "D9E2F3"
MARKED_FILL = "E2EFDA"

LIST_INDENT = 360
"""Twips per outline level: the built-in list styles step by a quarter inch."""

BULLET_STYLES = ("List Bullet", "List Bullet 2", "List Bullet 3")

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PROPERTY_LIMIT = 255
"""python-docx refuses core property strings longer than this."""

EMU_PER_TWIP = 635
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
Element = BaseOxmlElement

_FALLBACK_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def clean(text: str) -> str:
    """User text as XML can carry it: characters lxml rejects are dropped, the rest kept."""
    return _XML_INVALID.sub("", text)


def plan_moment(plan: PlanDocument) -> datetime:
    """When the plan is dated: its publication time (`published_at`), else its finish time
    when that falls on the plan's date, else midnight UTC of the date, else a fixed moment.
    Never the wall clock, so the same plan gives the same bytes."""
    try:
        published = datetime.fromisoformat(plan.published_at)
    except ValueError:
        published = None
    if published is not None:
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return published.astimezone(UTC)
    try:
        day = datetime.strptime(plan.date, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return _FALLBACK_MOMENT
    try:
        finished = datetime.strptime(plan.finished_at, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return day
    return finished if finished.date() == day.date() else day


@functools.cache
def _qn(tag: str) -> str:
    """A prefixed tag as lxml's Clark name, worked out once per tag."""
    return qn(tag)


def _element(tag: str, **attrs: str) -> Element:
    return OxmlElement(tag, {_qn(f"w:{name}"): value for name, value in attrs.items()})


def _add_field(paragraph: DocxParagraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin, instruction, separate, shown result, end) at the paragraph's
    end. Only our own constant instructions go here, never user text."""
    begin = paragraph.add_run()
    begin._r.append(_element("w:fldChar", fldCharType="begin"))
    code = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(XML_SPACE, "preserve")
    instr.text = instruction
    code._r.append(instr)
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="end"))


def _sub(parent: Element, tag: str, **attrs: str) -> Element:
    """A new last child of `parent`, made by the parent's own parser (so python-docx's
    element classes still apply), much cheaper than python-docx's `OxmlElement`."""
    child: Element = parent.makeelement(
        _qn(tag), {_qn(f"w:{name}"): value for name, value in attrs.items()}
    )
    parent.append(child)
    return child


_PIECES = re.compile(r"(\t|\r\n|\r|\n)")


def _append_text(run: Element, text: str) -> None:
    """`text` as a run's content: tabs and line breaks as Word's own elements, the rest as
    literal text (lxml escapes it; nothing in it is ever read as markup)."""
    for piece in _PIECES.split(text):
        if piece == "\t":
            _sub(run, "w:tab")
        elif piece in ("\r\n", "\r", "\n"):
            _sub(run, "w:br")
        elif piece:
            t = _sub(run, "w:t")
            t.set(XML_SPACE, "preserve")
            t.text = piece


_NARROW = set("il.,:;'|!jI()[]{} ")
_SLIM = set("tfr1")
_WIDE = set("mwMW@%&")


WIDTH_SLACK = 1.06
"""Room for a substitute font a little wider than Calibri."""


def text_twips(text: str, size: float, *, bold: bool = False) -> int:
    """How wide `text` sets on one line at `size` points, in twips, estimated generously
    from the character classes of a proportional sans serif (Calibri, or Carlito in
    LibreOffice): Word cannot be asked, so columns are sized from this estimate."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.3
        elif char in _SLIM:
            ems += 0.4
        elif char in _WIDE:
            ems += 0.88
        elif char.isascii():
            ems += 0.62 if char.isupper() else 0.53
        else:
            ems += 1.0 if ord(char) >= 0x2E80 or not char.isalpha() else 0.6
    return int(ems * size * 20 * (1.07 if bold else 1.0) * WIDTH_SLACK) + 1


CELL_MARGINS = 2 * 108
"""Twips of the default left and right cell margins of a Word table."""
CELL_SIZE = 9.0
"""Points of the table text (the "Plan Table Text" style)."""
SMALL_SIZE = 8.0
"""Points of the strategy page's table text ("Plan Table Small")."""


def _longest_word(text: str) -> str:
    return max(text.split(), key=len, default="")


class _Writer:
    """Appends the layout's blocks to one python-docx document."""

    def __init__(self, plan: PlanDocument) -> None:
        self.plan = plan
        self.doc: DocxDocument = Document()
        section = self.doc.sections[0]
        # A4 with 2 cm margins, like the PDF (python-docx's template is US Letter).
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
        section.header_distance = section.footer_distance = Mm(10)
        width = section.page_width or Emu(0)
        margins = (section.left_margin or Emu(0)) + (section.right_margin or Emu(0))
        self.text_width = int(width) - int(margins)
        self.text_twips = self.text_width // EMU_PER_TWIP
        height = int(section.page_height or Emu(0))
        height -= int(section.top_margin or Emu(0)) + int(section.bottom_margin or Emu(0))
        self.text_twips_high = height // EMU_PER_TWIP
        self.small_size = SMALL_SIZE
        self.table_style = str(self.doc.styles[TABLE_STYLE].style_id)
        self._set_fonts()
        self.styles = self._add_styles()
        self.style_ids = {
            key: None if style.name == "Normal" else style.style_id
            for key, style in self.styles.items()
        }
        self.list_number_abstract = self._abstract_num_of("List Number")
        self.next_num_id = self._max_num_id() + 1
        self.break_pending = False
        self.made: list[DocxParagraph] = []
        """Every body paragraph made, in order (to keep a block's paragraphs with the next)."""
        self.contents: list[tuple[int, str, str]] = []
        """(Word heading level, text, bookmark) of every heading, for the contents."""
        self.toc_anchor: Element | None = None
        self.strategy_follows = False
        """Whether the strategy page comes right after the cover (then the contents follow
        it, rather than the cover)."""

    # Styles and numbering

    def _set_fonts(self) -> None:
        """`FONT` on the document defaults and on every style that names a font, in every
        slot, with the theme references removed (a theme font overrides a named one)."""
        styles = self.doc.styles.element
        defaults = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")
        if defaults:
            r_pr = defaults[0]
        else:
            r_pr = _sub(_sub(_sub(styles, "w:docDefaults"), "w:rPrDefault"), "w:rPr")
            styles.insert(0, r_pr.getparent().getparent())
        found = r_pr.xpath("./w:rFonts")
        if not found:
            found = [_sub(r_pr, "w:rFonts")]
            r_pr.insert(0, found[0])
        for fonts in (*found, *styles.xpath("./w:style/w:rPr/w:rFonts")):
            for name in list(fonts.attrib):
                if name.endswith("Theme") or name.endswith("theme"):
                    del fonts.attrib[name]
            for slot in FONT_SLOTS:
                fonts.set(_qn(f"w:{slot}"), FONT)

    def _add_styles(self) -> dict[str, ParagraphStyle]:
        styles = self.doc.styles
        normal = styles["Normal"]

        def add(
            name: str,
            *,
            size: float | None = None,
            bold: bool = False,
            italic: bool = False,
            color: RGBColor | None = None,
            before: float | None = None,
            after: float | None = None,
            keep: bool = False,
        ) -> ParagraphStyle:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            assert isinstance(style, ParagraphStyle)
            style.base_style = normal
            style.quick_style = True
            font = style.font
            if size is not None:
                font.size = Pt(size)
            font.bold = bold or None
            font.italic = italic or None
            if color is not None:
                font.color.rgb = color
            fmt = style.paragraph_format
            if before is not None:
                fmt.space_before = Pt(before)
            if after is not None:
                fmt.space_after = Pt(after)
            if keep:
                fmt.keep_with_next = True
            return style

        made = {
            "note": add("Plan Note", italic=True, color=NOTE_COLOR),
            "lead": add("Plan Lead", size=12, bold=True),
            "kicker": add("Plan Kicker", size=14, bold=True, color=NOTE_COLOR, before=96),
            "fact": add("Plan Fact", after=4),
            "draft": add("Plan Draft", size=12, bold=True, color=DRAFT_COLOR, after=4),
            "cell": add("Plan Table Text", size=CELL_SIZE, after=0),
            "small cell": add("Plan Table Small", size=SMALL_SIZE, after=0),
            "spacer": add("Plan Spacer", size=6, after=0),
            "minor": add("Plan Minor Heading", size=11, bold=True, before=8, after=2, keep=True),
            "compact": add("Plan Compact", size=9.5, after=2),
            "caption": add(
                "Plan Caption", size=9, bold=True, color=NOTE_COLOR, before=10, after=0, keep=True
            ),
            "flag": add("Plan Flag", size=9, color=GAP_COLOR, after=2, keep=True),
            "control": add("Plan Control", size=8.5, color=NOTE_COLOR, after=0),
        }
        made["kicker"].font.all_caps = True
        made["caption"].font.all_caps = True
        for key in ("cell", "small cell", "spacer", "control"):
            made[key].paragraph_format.line_spacing = 1.0
        made["compact"].paragraph_format.line_spacing = 1.05
        for level, (name, style_id, indent) in TOC_STYLES.items():
            style = add(name, after=3 if level == 1 else 1)
            style.element.styleId = style_id
            style.quick_style = False
            style.paragraph_format.left_indent = Twips(indent)
            style.font.bold = level == 1 or None
            made[f"toc {level}"] = style
        for name in ("Title", "Subtitle", "Intense Quote", "Normal"):
            made[name] = self._style(name)
        for name in ("Heading 1", "Heading 2", "Heading 3", "List Number", *BULLET_STYLES):
            made[name] = self._style(name)
        for name in ("TOC Heading", "Header", "Footer"):
            made[name] = self._style(name)
        return made

    def _style(self, name: str) -> ParagraphStyle:
        style = self.doc.styles[name]
        assert isinstance(style, ParagraphStyle)
        return style

    def _numbering(self) -> BaseOxmlElement:
        element: BaseOxmlElement = self.doc.part.numbering_part.element
        return element

    def _abstract_num_of(self, style_name: str) -> str:
        """The abstract numbering a built-in list style numbers with."""
        style = self._style(style_name).element
        num_ids = style.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        if not num_ids:
            return "0"
        found = self._numbering().xpath(f'./w:num[@w:numId="{num_ids[0]}"]/w:abstractNumId/@w:val')
        return str(found[0]) if found else "0"

    def _max_num_id(self) -> int:
        ids = self._numbering().xpath("./w:num/@w:numId")
        return max((int(value) for value in ids), default=0)

    def _restarted_numbering(self) -> str:
        """A new numbering instance of "List Number" that starts again at 1."""
        num_id = str(self.next_num_id)
        self.next_num_id += 1
        num = _element("w:num", numId=num_id)
        num.append(_element("w:abstractNumId", val=self.list_number_abstract))
        override = _element("w:lvlOverride", ilvl="0")
        override.append(_element("w:startOverride", val="1"))
        num.append(override)
        self._numbering().append(num)
        return num_id

    # Paragraphs

    def restyle(self, paragraph: DocxParagraph, style: str) -> None:
        """Set a paragraph's style by id: python-docx's `paragraph.style = ...` looks the
        default style up on every call, which dominates a large table's time."""
        paragraph._p.get_or_add_pPr().style = self.style_ids[style]

    def new_paragraph(self, style: str) -> DocxParagraph:
        paragraph = self.doc.add_paragraph()
        self.made.append(paragraph)
        self.restyle(paragraph, style)
        if self.break_pending:
            paragraph.paragraph_format.page_break_before = True
            self.break_pending = False
        return paragraph

    def paragraph(self, style: str, text: str = "") -> DocxParagraph:
        paragraph = self.new_paragraph(style)
        if text:
            paragraph.add_run(clean(text))
        return paragraph

    def heading(self, level: int, text: str) -> DocxParagraph:
        """A Word heading (level 1 or 2) with a hidden bookmark round its text, listed in
        the contents, which links to the bookmark."""
        paragraph = self.new_paragraph(f"Heading {level}")
        mark = str(len(self.contents) + 1)
        name = TOC_BOOKMARK.format(len(self.contents) + 1)
        paragraph._p.append(_element("w:bookmarkStart", id=mark, name=name))
        paragraph.add_run(clean(text))
        paragraph._p.append(_element("w:bookmarkEnd", id=mark))
        self.contents.append((level, clean(text), name))
        return paragraph

    def page_break(self) -> None:
        """Start the next paragraph on a new page ("page break before" on it, rather than a
        paragraph holding a break, which would leave an empty line atop the new page)."""
        self.break_pending = True

    def flush_break(self) -> None:
        """A pending page break as a paragraph of its own (before a table, at the end)."""
        if self.break_pending:
            self.break_pending = False
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def flags(self, paragraph: DocxParagraph, flags: tuple[str, ...]) -> None:
        """Gap flags after an entry's text: "⚠ Project without an owner", in the gap colour."""
        for flag in flags:
            run = paragraph.add_run(f"  {FLAG} {clean(flag)}")
            run.font.color.rgb = GAP_COLOR

    # Blocks

    def block(self, block: lay.Block) -> None:
        if isinstance(block, lay.Cover):
            self.cover(block)
        elif isinstance(block, lay.Heading):
            self.heading(min(max(block.level - 1, 1), 2), block.text)
        elif isinstance(block, lay.Paragraph):
            style = block.style if block.style in ("note", "lead") else "Normal"
            self.paragraph(style, block.text)
        elif isinstance(block, lay.Statement):
            self.paragraph("Intense Quote", block.text)
        elif isinstance(block, lay.Items):
            self.items(block)
        elif isinstance(block, lay.Table):
            self.table(block)
        elif isinstance(block, lay.Outline):
            self.outline(block)
        elif isinstance(block, lay.PageBreak):
            self.page_break()
        elif isinstance(block, lay.StrategyPage):
            self.strategy(block)
        elif isinstance(block, lay.Facts):
            self.facts(block)
        elif isinstance(block, lay.RoadmapBlock):
            self.roadmap(block)
        elif isinstance(block, lay.MapBlock):
            self.alignment_map(block)

    def cover(self, cover: lay.Cover) -> None:
        title = cover.title
        self.paragraph("kicker", gettext(KICKER))
        if cover.draft:
            self.paragraph("draft", gettext("DRAFT"))
        self.paragraph("Title", title)
        if cover.subtitle:
            self.paragraph("Subtitle", cover.subtitle)
        for fact in cover.facts:
            self.paragraph("fact", fact)
        self.paragraph("fact", lay.control_line(self.plan)).runs[0].bold = True
        if cover.draft:
            self.paragraph("draft", gettext(lay.DRAFT_NOTICE))
        self.page_break()
        if not self.strategy_follows:
            self.contents_page()

    def contents_page(self) -> None:
        """The "Contents" page: a heading and the place the contents field goes once every
        heading is known (`fill_contents`)."""
        self.paragraph("TOC Heading", gettext(CONTENTS))
        self.toc_anchor = self.new_paragraph("Normal")._p
        self.page_break()

    def _styled_run(self, paragraph: DocxParagraph, text: str, style: str) -> Run:
        run = paragraph.add_run(clean(text))
        if style == "note":
            run.italic = True
            run.font.color.rgb = NOTE_COLOR
        elif style == "gap":
            run.font.color.rgb = GAP_COLOR
        return run

    def items(self, block: lay.Items) -> None:
        """A list; its last entry never stands alone atop a page (the one before it keeps
        with it)."""
        num_id = self._restarted_numbering() if block.ordered else None
        for n, entry in enumerate(block.entries):
            if n and n == len(block.entries) - 1:
                self.made[-1].paragraph_format.keep_with_next = True
            paragraph = self.new_paragraph("List Number" if block.ordered else "List Bullet")
            if num_id is not None:
                num_pr = _element("w:numPr")
                num_pr.append(_element("w:ilvl", val="0"))
                num_pr.append(_element("w:numId", val=num_id))
                paragraph._p.get_or_add_pPr().append(num_pr)
            self._styled_run(paragraph, entry.text, block.style)
            self.flags(paragraph, entry.flags)
            for detail in entry.details:
                self._styled_run(
                    self.new_paragraph("List Bullet 2"),
                    detail,
                    block.style,
                )

    def _outline_row(self, depth: int, level: str, wording: str) -> DocxParagraph:
        style = BULLET_STYLES[min(max(depth, 0), len(BULLET_STYLES) - 1)]
        paragraph = self.new_paragraph(style)
        fmt = paragraph.paragraph_format
        fmt.left_indent = Twips(LIST_INDENT * (max(depth, 0) + 1))
        fmt.first_line_indent = Twips(-LIST_INDENT)
        if level:
            paragraph.add_run(clean(level)).bold = True
            paragraph.add_run(": " + clean(wording))
        else:  # a group row ("Not connected to any goal")
            paragraph.add_run(clean(wording)).bold = True
        return paragraph

    def outline(self, block: lay.Outline) -> None:
        if not block.rows:
            self.paragraph("note", gettext("Nothing is linked yet."))
            return
        for depth, level, wording in block.rows:
            self._outline_row(depth, level, wording)

    # Tables

    def _widths(
        self,
        columns: tuple[str, ...],
        rows: tuple[tuple[str, ...], ...],
        relative: list[float],
        nowrap: list[bool],
        size: float,
    ) -> list[int]:
        """Column widths in twips that fill the text width: a nowrap column as wide as its
        widest cell (header in bold), every other column at least as wide as its longest
        word, and what is left shared by the layout's relative widths."""
        count = len(columns)
        total_relative = sum(w for w in relative if w > 0)
        if len(relative) != count or total_relative <= 0:
            relative, total_relative = [1.0] * count, float(count)

        def header_need(i: int) -> int:
            """The header's longest word in bold with the cell margins: never less."""
            return text_twips(_longest_word(columns[i]), size, bold=True) + CELL_MARGINS + 30

        need = [0] * count
        for i, header in enumerate(columns):
            longest = header if nowrap[i] else _longest_word(header)
            need[i] = text_twips(longest, size, bold=True)
        for row in rows:
            for i in range(count):
                text = row[i] if i < len(row) else ""
                if not text:
                    continue
                pieces = text.splitlines() if nowrap[i] else text.split()
                need[i] = max(need[i], *(text_twips(piece, size) for piece in pieces))
        cap = self.text_twips // 3
        need = [
            max(min(n + CELL_MARGINS + 30, cap), header_need(i)) if n else CELL_MARGINS
            for i, n in enumerate(need)
        ]
        share = [self.text_twips * max(w, 0) / total_relative for w in relative]
        widths = [0] * count
        fixed = [nowrap[i] for i in range(count)]
        while True:
            left = self.text_twips - sum(need[i] for i in range(count) if fixed[i])
            free = [i for i in range(count) if not fixed[i]]
            weight = sum(share[i] for i in free) or 1.0
            grown = False
            for i in free:
                if left * share[i] / weight < need[i]:
                    fixed[i] = True
                    grown = True
            if not grown:
                break
        for i in range(count):
            widths[i] = need[i] if fixed[i] else int(left * share[i] / weight)
        overflow = sum(widths) - self.text_twips
        if overflow > 0:  # too many wide columns: shrink what lies above each header's floor
            floor = [min(header_need(i), widths[i]) for i in range(count)]
            slack = sum(widths) - sum(floor)
            if slack >= overflow:
                widths = [
                    floor[i] + int((widths[i] - floor[i]) * (slack - overflow) / slack)
                    for i in range(count)
                ]
            else:  # not even the headers fit: shrink them all alike
                widths = [int(w * self.text_twips / sum(widths)) for w in widths]
        return widths

    def _cell(
        self,
        text: str,
        width: int,
        *,
        style: str,
        right: bool,
        bold: bool,
        fill: str,
        nowrap: bool,
        keep: bool,
        flags: tuple[str, ...] = (),
    ) -> Element:
        """One table cell, built element by element: cheaper than python-docx's cell and
        paragraph objects, which re-find each child's place on every property set."""
        tc = OxmlElement("w:tc")
        tc_pr = _sub(tc, "w:tcPr")
        _sub(tc_pr, "w:tcW", w=str(width), type="dxa")
        if fill:
            _sub(tc_pr, "w:shd", val="clear", color="auto", fill=fill)
        if nowrap:
            _sub(tc_pr, "w:noWrap")
        p = _sub(tc, "w:p")
        p_pr = _sub(p, "w:pPr")
        _sub(p_pr, "w:pStyle", val=style)
        if keep:
            _sub(p_pr, "w:keepNext")
        if right:
            _sub(p_pr, "w:jc", val="right")
        if text:
            r = _sub(p, "w:r")
            if bold:
                _sub(_sub(r, "w:rPr"), "w:b")
            _append_text(r, clean(text))
        for flag in flags:
            p = _sub(tc, "w:p")
            p_pr = _sub(p, "w:pPr")
            _sub(p_pr, "w:pStyle", val=style)
            if keep:
                _sub(p_pr, "w:keepNext")
            r = _sub(p, "w:r")
            _sub(_sub(r, "w:rPr"), "w:color", val=str(GAP_COLOR))
            _append_text(r, f"{FLAG} {clean(flag)}")
        return tc

    def _row(
        self,
        values: tuple[str, ...],
        widths: list[int],
        numeric: list[bool],
        nowrap: list[bool],
        *,
        style: str,
        header: bool = False,
        marked: bool = False,
        keep: bool = False,
        flags: tuple[str, ...] = (),
        flag_column: int = 0,
    ) -> Element:
        """One row: never split across pages, repeated atop each page when a header; `keep`
        holds it on the page of the next row (a table kept whole)."""
        tr = OxmlElement("w:tr")
        tr_pr = _sub(tr, "w:trPr")
        _sub(tr_pr, "w:cantSplit")
        if header:
            _sub(tr_pr, "w:tblHeader")
        fill = HEADER_FILL if header else MARKED_FILL if marked else ""
        for i, width in enumerate(widths):
            text = values[i] if i < len(values) else ""
            tr.append(
                self._cell(
                    text,
                    width,
                    style=style,
                    right=numeric[i],
                    bold=header or marked,
                    fill=fill,
                    nowrap=nowrap[i],
                    keep=keep or header,
                    flags=flags if i == flag_column else (),
                )
            )
        return tr

    def grid_table(
        self,
        columns: tuple[str, ...],
        rows: tuple[tuple[str, ...], ...],
        *,
        numeric: tuple[bool, ...] = (),
        marked: tuple[bool, ...] = (),
        relative: tuple[float, ...] = (),
        flags: tuple[tuple[str, ...], ...] = (),
        nowrap: tuple[bool, ...] = (),
        small: bool = False,
        whole: bool = False,
        header: bool = True,
    ) -> None:
        """A Word table with a fixed layout and widths from its content; `whole` keeps it
        on one page, `header` = False makes the first row an ordinary one (a record)."""
        count = len(columns)
        if count == 0:
            return
        self.flush_break()
        table: DocxTable = self.doc.add_table(rows=0, cols=count)
        tbl_pr = table._tbl.tblPr
        tbl_pr.insert(0, _element("w:tblStyle", val=self.table_style))
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        size = self.small_size if small else CELL_SIZE
        style_id = self.style_ids["small cell" if small else "cell"]
        assert style_id is not None
        numbers = [i < len(numeric) and numeric[i] for i in range(count)]
        unbroken = [i < len(nowrap) and nowrap[i] for i in range(count)]
        widths = self._widths(columns, rows, list(relative), unbroken, size)
        unbroken = [unbroken[i] and widths[i] < self.text_twips // 3 for i in range(count)]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Twips(width)
        tbl = table._tbl
        for tbl_w in tbl.xpath("./w:tblPr/w:tblW"):
            tbl_w.set(qn("w:w"), str(sum(widths)))
            tbl_w.set(qn("w:type"), "dxa")
        flag_column = next((i for i in range(count) if not numbers[i] and not unbroken[i]), 0)
        if header:
            tbl.append(self._row(columns, widths, numbers, unbroken, style=style_id, header=True))
        for r, values in enumerate(rows):
            tbl.append(
                self._row(
                    values,
                    widths,
                    numbers,
                    unbroken,
                    style=style_id,
                    marked=r < len(marked) and marked[r],
                    keep=whole and r < len(rows) - 1,
                    flags=flags[r] if r < len(flags) else (),
                    flag_column=flag_column,
                )
            )
        self.paragraph("spacer")

    def table(self, block: lay.Table) -> None:
        self.grid_table(
            block.columns,
            block.rows,
            numeric=block.numeric,
            marked=block.marked,
            relative=block.widths,
            flags=block.flags,
            nowrap=block.nowrap,
        )

    # The board's blocks

    def _strategy_parts(self, page: lay.StrategyPage) -> dict[str, Any]:
        """What the strategy page shows, as texts and table rows."""
        statements = [(gettext("Vision"), page.vision), (gettext("Mission"), page.mission)]
        if page.values:
            statements.append((gettext("Values"), " · ".join(page.values)))
        gaps = []
        if page.gap_count or page.top_gaps:
            if page.top_gaps:
                gaps.append(
                    ngettext(
                        "The plan has %(n)s gap: the most important are listed.",
                        "The plan has %(n)s gaps: the most important are listed.",
                        page.gap_count,
                    )
                )
            else:
                gaps.append(
                    ngettext("The plan has %(n)s gap.", "The plan has %(n)s gaps.", page.gap_count)
                )
            gaps += [f"{FLAG} {gap}" for gap in page.top_gaps]
        if page.unanswered:
            gaps.append(gettext("Left unanswered: %(items)s", items="; ".join(page.unanswered)))
        goals = tuple(
            (
                goal.text,
                goal.metric or gettext("No metric yet"),
                "\n".join(goal.serving) if goal.serving else gettext("Nothing yet"),
            )
            for goal in page.goals
        )
        return {
            "statements": [(label, text) for label, text in statements if text],
            "goals": goals,
            "gaps": gaps,
        }

    def _lines(self, text: str, size: float, width: int, *, bold: bool = False) -> int:
        """Lines `text` takes in `width` twips at `size` points, counted generously (Word
        wraps at spaces, so a line holds less than its full width)."""
        room = max(width, 200)
        return sum(
            max(1, -(-int(text_twips(piece, size, bold=bold) * 1.12) // room))
            for piece in text.split("\n")
        )

    def _table_height(
        self,
        columns: tuple[str, ...],
        rows: tuple[tuple[str, ...], ...],
        relative: tuple[float, ...],
        nowrap: tuple[bool, ...],
        flags: tuple[tuple[str, ...], ...],
        size: float,
    ) -> int:
        """A table's estimated height in twips: each row as tall as its tallest cell."""
        unbroken = [i < len(nowrap) and nowrap[i] for i in range(len(columns))]
        widths = self._widths(columns, rows, list(relative), unbroken, size)
        line = size * 1.25 * 20
        height = 0
        for r, row in enumerate((columns, *rows)):
            extra = flags[r - 1] if 0 < r <= len(flags) else ()
            tallest = 0
            for i, width in enumerate(widths):
                text = row[i] if i < len(row) else ""
                count = self._lines(text, size, width - CELL_MARGINS, bold=r == 0)
                if i == 0:
                    count += sum(
                        self._lines(f"{FLAG} {f}", size, width - CELL_MARGINS) for f in extra
                    )
                tallest = max(tallest, count)
            height += int(tallest * line) + 30
        return height + 150  # the spacer after it

    def _strategy_height(self, page: lay.StrategyPage, size: float) -> int:
        """The strategy page's estimated height in twips with its text at `size` points."""
        parts = self._strategy_parts(page)
        compact = size + 1
        line = compact * 1.3 * 20
        height = 900  # its heading
        for label, text in parts["statements"]:
            height += int(self._lines(f"{label}: {text}", compact, self.text_twips) * line) + 40
        minor = 470
        if parts["goals"]:
            height += minor + self._table_height(
                tuple(gettext(column) for column in STRATEGY_GOALS_COLUMNS),
                parts["goals"],
                STRATEGY_GOALS_WIDTHS,
                (),
                tuple(goal.flags for goal in page.goals),
                size,
            )
        if parts["gaps"]:
            height += minor + sum(
                int(self._lines(text, compact, self.text_twips) * line) + 40
                for text in parts["gaps"]
            )
        if page.first_actions:
            height += minor + self._table_height(
                tuple(gettext(column) for column in STRATEGY_ACTIONS_COLUMNS),
                page.first_actions,
                STRATEGY_ACTIONS_WIDTHS,
                STRATEGY_ACTIONS_NOWRAP,
                (),
                size,
            )
        if page.note:
            height += int(self._lines(page.note, 11, self.text_twips) * 11 * 1.3 * 20) + 200
        return height

    def strategy(self, page: lay.StrategyPage) -> None:
        """Strategy on a page, under the heading the layout puts before it (which starts a
        new page), and the page ends after it. Word cannot say how tall text sets, so the
        page's height is estimated generously and its type stepped down (9 pt to 6.5 pt)
        until the estimate fits the page."""
        room = int(self.text_twips_high * 0.95)
        size = next(
            (s for s in STRATEGY_SIZES if self._strategy_height(page, s) <= room),
            STRATEGY_SIZES[-1],
        )
        self.small_size = size
        self.styles["small cell"].font.size = Pt(size)
        self.styles["compact"].font.size = Pt(size + 1)
        parts = self._strategy_parts(page)
        for label, text in parts["statements"]:
            paragraph = self.new_paragraph("compact")
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(clean(text))
        if parts["goals"]:
            self.paragraph("minor", gettext("Goals"))
            self.grid_table(
                tuple(gettext(column) for column in STRATEGY_GOALS_COLUMNS),
                parts["goals"],
                relative=STRATEGY_GOALS_WIDTHS,
                flags=tuple(goal.flags for goal in page.goals),
                small=True,
            )
        if parts["gaps"]:
            self.paragraph("minor", gettext("Gaps"))
            count, *named = parts["gaps"]
            self.paragraph("compact", count).paragraph_format.keep_with_next = bool(named)
            for text in named:
                run = self.new_paragraph("compact").add_run(clean(text))
                run.font.color.rgb = GAP_COLOR
        if page.first_actions:
            self.paragraph("minor", gettext("First actions"))
            self.grid_table(
                tuple(gettext(column) for column in STRATEGY_ACTIONS_COLUMNS),
                page.first_actions,
                relative=STRATEGY_ACTIONS_WIDTHS,
                nowrap=STRATEGY_ACTIONS_NOWRAP,
                small=True,
            )
        if page.note:
            self.paragraph("note", page.note)
        self.page_break()
        if self.toc_anchor is None:  # the contents follow the strategy page
            self.contents_page()

    def facts(self, block: lay.Facts) -> None:
        """A charter: caption and title kept with a two-column table kept whole."""
        self.paragraph("caption", block.caption)
        self.paragraph("Heading 3", block.title).paragraph_format.space_before = Pt(2)
        for flag in block.flags:
            self.paragraph("flag", f"{FLAG} {flag}")
        if not block.rows:
            return
        self.grid_table(
            ("", ""),
            block.rows,
            relative=(1.0, 3.0),
            nowrap=(False, False),
            whole=True,
            header=False,
        )

    def roadmap(self, block: lay.RoadmapBlock) -> None:
        """The roadmap as a table of items by year ("■" where an item runs, "◆n" for its
        milestone n), the milestones listed under it with their dates and labels (a label
        in a year column would break mid-word), then what has no dates yet."""
        chart = block.chart
        columns, rows, milestones = roadmap_table(chart)
        count = len(columns)
        if rows:
            self.grid_table(
                columns,
                rows,
                relative=(3.0, *([1.0] * (count - 1))),
                flags=_roadmap_flags(chart, len(rows)),
            )
        if milestones:
            self.paragraph("minor", gettext(MILESTONES))
            for n, (mark, text) in enumerate(milestones):
                paragraph = self.new_paragraph("fact")
                paragraph.paragraph_format.keep_with_next = n < len(milestones) - 1
                paragraph.add_run(mark).bold = True
                paragraph.add_run(" " + clean(text))
        unscheduled = tuple(chart.unscheduled)
        if unscheduled:
            self.paragraph("minor", gettext(NOT_SCHEDULED))
            for text in unscheduled:
                self.paragraph("List Bullet", str(text))

    def alignment_map(self, block: lay.MapBlock) -> None:
        """The alignment map as an indented outline, each item once with its flags."""
        rows = block.map.outline()
        if not rows:
            self.paragraph("note", gettext("Nothing is linked yet."))
            return
        for depth, level, wording, flags in rows:
            paragraph = self._outline_row(depth, level, wording)
            self.flags(paragraph, tuple(flags))

    # The contents

    def fill_contents(self) -> None:
        """The contents field with its entries as its shown result: one paragraph per
        heading in the TOC styles, each a link to the heading's bookmark, so Word and
        LibreOffice show it without updating; Word can still refresh it (page numbers are
        left to that refresh)."""
        anchor = self.toc_anchor
        if anchor is None:
            return
        made: list[Element] = []
        for level, text, bookmark in self.contents:
            p = OxmlElement("w:p")
            _sub(_sub(p, "w:pPr"), "w:pStyle", val=TOC_STYLES[level][1])
            link = _sub(p, "w:hyperlink", anchor=bookmark, history="1")
            _append_text(_sub(link, "w:r"), text)
            made.append(p)
        if not made:
            p = OxmlElement("w:p")
            _sub(_sub(p, "w:pPr"), "w:pStyle", val=TOC_STYLES[1][1])
            made.append(p)
        begin, code, separate = _element("w:r"), _element("w:r"), _element("w:r")
        _sub(begin, "w:fldChar", fldCharType="begin")
        instr = _sub(code, "w:instrText")
        instr.set(XML_SPACE, "preserve")
        instr.text = TOC_INSTRUCTION
        _sub(separate, "w:fldChar", fldCharType="separate")
        p_pr = made[0][0]
        p_pr.addnext(separate)
        p_pr.addnext(code)
        p_pr.addnext(begin)
        end = OxmlElement("w:p")
        _sub(_sub(end, "w:r"), "w:fldChar", fldCharType="end")
        made.append(end)
        for p in reversed(made):
            anchor.addnext(p)
        parent = anchor.getparent()
        assert parent is not None
        parent.remove(anchor)

    # Page furniture and properties

    def furniture(self) -> None:
        """The cover has no header or footer (a different first page) but the draft notice;
        every other page has the control line above and "Page N of M" below."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        first_header = section.first_page_header
        first_header.is_linked_to_previous = False
        first_footer = section.first_page_footer
        first_footer.is_linked_to_previous = False
        header = section.header
        header.is_linked_to_previous = False
        control = header.paragraphs[0]
        self.restyle(control, "control")
        control.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        control.add_run(clean(lay.control_line(self.plan)))
        if self.plan.draft:
            for part in (first_header, header):
                paragraph = part.paragraphs[0] if part is first_header else part.add_paragraph()
                self.restyle(paragraph, "Header")
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = paragraph.add_run(gettext(lay.DRAFT_NOTICE))
                run.bold = True
                run.font.color.rgb = DRAFT_COLOR
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        self.restyle(paragraph, "Footer")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fields = {"PAGE": " PAGE ", "PAGES": " NUMPAGES "}
        line = gettext("Page %(page)s of %(pages)s", page="\0PAGE\0", pages="\0PAGES\0")
        for n, piece in enumerate(line.split("\0")):
            if n % 2:
                _add_field(paragraph, fields[piece], "1")
            elif piece:
                paragraph.add_run(piece)

    def properties(self) -> None:
        plan = self.plan
        moment = plan_moment(plan)
        props = self.doc.core_properties
        props.title = clean(lay.document_title(plan))[:_PROPERTY_LIMIT]
        props.subject = clean(plan.organization or "")[:_PROPERTY_LIMIT]
        props.author = clean(plan.facilitator or "")[:_PROPERTY_LIMIT]
        props.comments = ""
        props.keywords = ""
        props.category = gettext(KICKER)
        props.last_modified_by = ""
        props.revision = max(plan.version, 1)
        props.created = moment
        props.modified = moment
        package = self.doc.part.package
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del package.rels[rel_id]

    def scripts(self) -> None:
        """Every script marked in the body, the headers and the footers (`mark_scripts`),
        and the document's language on its defaults."""
        language = self.plan.language if self.plan.language in LOCALES else "en"
        rtl = language == "ar"
        _document_language(self.doc.styles.element, language)
        mark_scripts(self.doc.element.body, rtl)
        for section in self.doc.sections:
            for part in (
                section.header,
                section.first_page_header,
                section.footer,
                section.first_page_footer,
            ):
                if not part.is_linked_to_previous:
                    mark_scripts(part._element, rtl)

    def render(self) -> bytes:
        blocks = lay.layout(self.plan)
        self.strategy_follows = any(isinstance(block, lay.StrategyPage) for block in blocks)
        for n, block in enumerate(blocks):
            following = blocks[n + 1] if n + 1 < len(blocks) else None
            if isinstance(block, lay.Heading) and isinstance(following, lay.StrategyPage):
                self.page_break()  # the strategy page starts with its heading
            made = len(self.made)
            self.block(block)
            if _introduces(block, following):
                for paragraph in self.made[made:]:
                    paragraph.paragraph_format.keep_with_next = True
        self.break_pending = False  # nothing follows a last page break
        self.fill_contents()
        self.furniture()
        self.properties()
        self.scripts()
        out = io.BytesIO()
        self.doc.save(out)
        return _fixed_zip(out.getvalue(), plan_moment(self.plan))


def roadmap_table(
    chart: Any,
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[tuple[str, str], ...]]:
    """The roadmap's columns and rows as `chart.table()` gives them, but each year cell
    holding only marks: "■" where the item runs and "◆n" for its n-th milestone there; and
    the milestones as (mark, "date · label") in the order of their marks."""
    columns, rows = chart.table()
    lanes = chart.lanes()
    if len(lanes) != len(rows):  # marks cannot be paired with lanes: keep the labels
        return tuple(columns), tuple(tuple(row) for row in rows), ()
    years = [int(year) for year in columns[1:]]
    made: list[tuple[str, ...]] = []
    listed: list[tuple[str, str]] = []
    for row, lane in zip(rows, lanes, strict=True):
        cells = []
        for c, year in enumerate(years):
            shown = row[c + 1] if c + 1 < len(row) else ""
            marks = [BAR_MARK] if shown.startswith(BAR_MARK) else []
            for milestone in lane.milestones:
                if _year_of(milestone.date, years) == year:
                    mark = f"{MILESTONE_MARK}{len(listed) + 1}"
                    listed.append((mark, f"{milestone.date} · {milestone.label}"))
                    marks.append(mark)
            cells.append(" ".join(marks))
        made.append((row[0], *cells))
    return tuple(columns), tuple(made), tuple(listed)


def _year_of(written: str, years: list[int]) -> int | None:
    """The year column a date falls in, clipped to the horizon (None: no date)."""
    try:
        year = int(str(written)[:4])
    except ValueError:
        return None
    return min(max(year, years[0]), years[-1]) if years else None


def _introduces(block: lay.Block, following: lay.Block | None) -> bool:
    """Whether `block` introduces what follows it, and so keeps with it on a page: a
    paragraph or a one-entry list (a section's note, "Decided by …", "Served by:") before
    anything but a heading or a page break. A heading then never stands alone at a page's
    foot with only its note under it."""
    if following is None or isinstance(following, (lay.Heading, lay.PageBreak)):
        return False
    if isinstance(block, lay.Paragraph):
        return True
    return isinstance(block, lay.Items) and len(block.entries) == 1 and not block.entries[0].details


def _roadmap_flags(chart: Any, count: int) -> tuple[tuple[str, ...], ...]:
    """The flags of each row of the roadmap's table (`chart.table_flags()`)."""
    found = tuple(tuple(flags) for flags in chart.table_flags())
    return found if len(found) == count else ()


# ---------------------------------------------------------------------------------------
# Scripts: each run of text in another script names a font Word and LibreOffice have for it,
# its language, and whether it reads right to left; right-to-left paragraphs say so.

SCRIPT_FONTS: dict[str, tuple[str, str]] = {
    "ar": ("cs", "Arial"),
    "he": ("cs", "Arial"),
    "hi": ("cs", "Nirmala UI"),
    "th": ("cs", "Tahoma"),
    "zh": ("eastAsia", "Microsoft YaHei"),
    "ja": ("eastAsia", "Yu Gothic"),
    "ko": ("eastAsia", "Malgun Gothic"),
    "emoji": ("all", "Segoe UI Emoji"),
}
"""The rFonts slot and font named for each script: Word on Windows has each of them (and
Word on a Mac, or LibreOffice, substitutes its own font for the script, as it does for any
font it lacks). Calibri stays the Latin font."""
SCRIPT_LANGUAGES = {
    "ar": ("bidi", "ar-SA"),
    "he": ("bidi", "he-IL"),
    "hi": ("bidi", "hi-IN"),
    "th": ("bidi", "th-TH"),
    "zh": ("eastAsia", "zh-CN"),
    "ja": ("eastAsia", "ja-JP"),
    "ko": ("eastAsia", "ko-KR"),
}
"""The w:lang attribute and language of each script's runs (spelling, hyphenation, and
which font Word picks for text both scripts share)."""
LOCALES = {"en": "en-GB", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "ar": "ar-SA"}
"""The document language (w:lang on the defaults) for each plan language."""
RTL_SCRIPTS = frozenset(("ar", "he"))
COMPLEX_SCRIPTS = frozenset(("ar", "he", "hi", "th"))
_OTHER_SCRIPT = re.compile(
    "[\u0590-\u08ff\u0900-\u097f\u0e00-\u0e7f\u1100-\u11ff\u2e80-\u9fff\ua8e0-\ua8ff"
    "\uac00-\ud7af\uf900-\ufaff\ufb1d-\ufdff\ufe70-\ufeff\uff00-\uffef"
    "\U0001f000-\U0001faff\U00020000-\U0003ffff]"
)
"""Any character of a script (or an emoji) that Calibri does not draw."""


def _script(char: str) -> str | None:
    """The script of a character that needs its own font ("latin" for other letters), or None
    for one that goes with its neighbours (spaces, digits, punctuation, marks, joiners)."""
    code = ord(char)
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "he"
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "ar" if unicodedata.bidirectional(char) in ("AL", "R") else None
    if 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF:
        return None if unicodedata.category(char) in ("Mn", "Mc") else "hi"
    if 0x0E00 <= code <= 0x0E7F:
        return None if unicodedata.category(char) == "Mn" else "th"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "ja"
    if 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xAC00 <= code <= 0xD7AF:
        return "ko"
    if (
        0x2E80 <= code <= 0x2FFF
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or (0x3000 <= code <= 0x303F and code != 0x3000)
        or 0xFF01 <= code <= 0xFF65
    ):
        return "zh"
    if 0x1F000 <= code <= 0x1FAFF and not 0x1F3FB <= code <= 0x1F3FF:
        return "emoji"
    if unicodedata.bidirectional(char) == "L" and unicodedata.category(char)[0] == "L":
        return "latin"
    return None


def _pieces(text: str) -> list[tuple[str | None, str]]:
    """The text cut where its script changes; characters of no script join the piece before
    them (or the first one). Chinese characters among kana are Japanese."""
    pieces: list[tuple[str | None, str]] = []
    for char in text:
        script = _script(char)
        if pieces and (script is None or script == pieces[-1][0]):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + char)
        elif pieces and pieces[-1][0] is None:
            pieces[-1] = (script, pieces[-1][1] + char)
        else:
            pieces.append((script, char))
    if any(script == "ja" for script, _ in pieces):
        pieces = [("ja" if script == "zh" else script, piece) for script, piece in pieces]
    return pieces


_R_PR_AFTER_FONTS = ("w:rStyle",)
_R_PR_AFTER_RFONTS = (
    "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike", "w:dstrike",
    "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish",
    "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
    "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
)  # fmt: skip
_R_PR_TAIL = ("w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish")


def _child(
    parent: Element, tag: str, *, after: tuple[str, ...] = (), before: tuple[str, ...] = ()
) -> Element:
    """The child `tag` of `parent`, made in its schema place when missing: after the last of
    `after`, else before the first of `before`, else last."""
    found: Element | None = parent.find(_qn(tag))
    if found is not None:
        return found
    child: Element = parent.makeelement(_qn(tag), {})
    placed = [c for c in parent if c.tag in {_qn(t) for t in after}]
    if placed:
        placed[-1].addnext(child)
        return child
    later = [c for c in parent if c.tag in {_qn(t) for t in before}]
    if later:
        later[0].addprevious(child)
    else:
        parent.append(child)
    return child


def _mark_run(run: Element, script: str) -> None:
    """Name the script's font and language on a run; right-to-left runs get w:rtl, other
    complex scripts w:cs, and their bold, italic and size the complex-script twins."""
    r_pr = _child(run, "w:rPr", before=("w:t", "w:tab", "w:br", "w:fldChar", "w:instrText"))
    fonts = _child(r_pr, "w:rFonts", after=_R_PR_AFTER_FONTS, before=_R_PR_AFTER_RFONTS)
    slot, font = SCRIPT_FONTS[script]
    for name in FONT_SLOTS if slot == "all" else (slot,):
        fonts.set(_qn(f"w:{name}"), font)
    if slot == "eastAsia":
        fonts.set(_qn("w:hint"), "eastAsia")
    _complex_twins(r_pr)
    if script in COMPLEX_SCRIPTS:
        _child(r_pr, "w:rtl" if script in RTL_SCRIPTS else "w:cs", before=_R_PR_TAIL[2:])
    if script in SCRIPT_LANGUAGES:
        attribute, language = SCRIPT_LANGUAGES[script]
        _child(r_pr, "w:lang", before=_R_PR_TAIL[4:]).set(_qn(f"w:{attribute}"), language)


def _complex_twins(r_pr: Element) -> None:
    """w:bCs after w:b, w:iCs after w:i, w:szCs after w:sz: complex-script text (Arabic,
    Hebrew, Devanagari, Thai) takes its weight, slant and size from these."""
    for plain, twin in (("w:b", "w:bCs"), ("w:i", "w:iCs"), ("w:sz", "w:szCs")):
        found = r_pr.find(_qn(plain))
        if found is not None and r_pr.find(_qn(twin)) is None:
            made = r_pr.makeelement(_qn(twin), dict(found.attrib))
            found.addnext(made)


def _split_run(run: Element) -> list[tuple[Element, str | None]]:
    """The run cut into one run per script piece of its text (the same formatting on each),
    with each piece's script; a run without text of another script is left whole."""
    texts = [child for child in run if child.tag == _qn("w:t")]
    if not texts or not any(_OTHER_SCRIPT.search(t.text or "") for t in texts):
        return [(run, None)]
    if len(texts) == 1 and len(run) <= 2:
        pieces = _pieces(texts[0].text or "")
        if len(pieces) == 1:
            return [(run, pieces[0][0])]
    r_pr = run.find(_qn("w:rPr"))
    made: list[tuple[Element, str | None]] = []
    for child in list(run):
        if child is r_pr:
            continue
        pieces = _pieces(child.text or "") if child.tag == _qn("w:t") else [(None, "")]
        for script, piece in pieces:
            if child.tag == _qn("w:t"):
                element: Element = child.makeelement(_qn("w:t"), {XML_SPACE: "preserve"})
                element.text = piece
            else:
                element = copy.deepcopy(child)
            if made and (script is None or script == made[-1][1]) and child.tag != _qn("w:t"):
                made[-1][0].append(element)
                continue
            new = run.makeelement(_qn("w:r"), {})
            if r_pr is not None:
                new.append(copy.deepcopy(r_pr))
            new.append(element)
            made.append((new, script))
    for new, _ in made:
        run.addprevious(new)
    run.getparent().remove(run)
    return made


def _first_strong(text: str) -> str | None:
    """ "rtl" or "ltr": the direction of the first strong character, None if there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


_P_PR_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def mark_scripts(root: Element, rtl_document: bool) -> None:
    """Every run of `root` (a body, header or footer) marked with its scripts' fonts and
    languages (`_mark_run`), and every paragraph whose text starts right to left (or, in a
    right-to-left plan, has no strong character) marked w:bidi; in a right-to-left plan the
    tables run right to left too (w:bidiVisual)."""
    for paragraph in list(root.iter(_qn("w:p"))):
        for run in list(paragraph.iter(_qn("w:r"))):
            for piece, script in _split_run(run):
                if script is not None and script != "latin":
                    _mark_run(piece, script)
        text = "".join(t.text or "" for t in paragraph.iter(_qn("w:t")))
        direction = _first_strong(text) or ("rtl" if rtl_document else None)
        if direction == "rtl":
            p_pr = _child(paragraph, "w:pPr")
            _child(p_pr, "w:bidi", before=_P_PR_AFTER_BIDI)
    if rtl_document:
        for tbl_pr in root.iter(_qn("w:tblPr")):
            _child(
                tbl_pr,
                "w:bidiVisual",
                after=("w:tblStyle", "w:tblpPr", "w:tblOverlap"),
                before=("w:tblStyleRowBandSize", "w:tblW", "w:jc", "w:tblLayout"),
            )


def _document_language(styles: Element, language: str) -> None:
    """The document's languages on its defaults (w:lang): the plan's, Chinese for East Asian
    text and Arabic (or the plan's, when it is right to left) for complex scripts; and every
    style's bold, italic and size twinned for complex scripts."""
    r_pr = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr")[0]
    lang = _child(r_pr, "w:lang", before=_R_PR_TAIL[4:])
    lang.set(_qn("w:val"), LOCALES.get(language, "en-GB"))
    lang.set(_qn("w:eastAsia"), "zh-CN")
    lang.set(_qn("w:bidi"), LOCALES[language] if language in ("ar",) else "ar-SA")
    for style_r_pr in styles.xpath("./w:style/w:rPr"):
        _complex_twins(style_r_pr)


def _fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The same archive with every entry stamped `moment` (zip times start in 1980)."""
    year = min(max(moment.year, 1980), 2107)
    stamp = (year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def render_docx(plan: PlanDocument) -> bytes:
    """The plan as a DOCX file, section by section (see `layout.py`)."""
    return _Writer(plan).render()
