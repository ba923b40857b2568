"""The plan as a Word document (DOCX), built with python-docx from the shared layout blocks.

Choices, and why:

- Real Word structure, so the navigation pane, the table of contents and screen readers work.
  The cover's big title uses the built-in "Title" style; layout headings of level 2 become
  "Heading 1" and level 3 "Heading 2" (the cover holds the layout's level 1). Lists use the
  built-in "List Number" / "List Bullet" styles, details under an entry "List Bullet 2".
  Every numbered list gets its own numbering instance (a `w:num` over the "List Number"
  definition, restarting at 1), otherwise Word would count on from the previous list.
- A table of contents *field* (`TOC \\o "1-2" \\h \\z \\u`) follows the cover under a
  "Contents" paragraph. python-docx cannot lay out pages, so the field holds a placeholder
  until Word or LibreOffice updates it; no "update fields on open" flag is set, because it
  makes Word show a warning dialog when the file opens.
- Tables are real Word tables ("Table Grid"): the header row repeats on every page
  (`w:tblHeader`), numeric columns are right-aligned, the selected items' rows are bold on a
  light green, and the layout's relative widths are spread over the text width with a fixed
  table layout (so Word need not measure 600 rows to size the columns). Rows are built
  element by element (`w:tr`, then one `w:tc` per column, wrapped once as a cell), never
  through `table.cell(r, c)`, which walks the whole table on every call.
- The alignment map is an indented outline, one paragraph per row: "List Bullet" to
  "List Bullet 3" by depth, with an explicit left indent growing with depth (also past the
  third level, where Word has no further built-in bullet style).
- A draft says so on every page: the notice sits in the section's header (headers repeat on
  every page) and on the cover. A final plan has no header and never says "DRAFT". The
  footer numbers the pages with PAGE and NUMPAGES fields.
- User text is data: it only ever becomes the text of runs, never fields, styles or markup.
  Characters XML 1.0 cannot carry (C0 controls other than tab and line breaks, U+FFFE/U+FFFF,
  lone surrogates) are dropped, since lxml refuses them; every script and emoji is kept.
- The same plan gives the same bytes: the core properties' dates come from the plan, the
  template's stale thumbnail is dropped, and the zip is written again with each entry's time
  fixed to the plan's date (python-docx stamps entries with the current time).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

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

from . import layout as lay
from .document import PlanDocument

KICKER = "Strategic plan"
CONTENTS = "Contents"
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
TOC_PLACEHOLDER = "Right-click and choose Update Field to build the table of contents."
TABLE_STYLE = "Table Grid"

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
    """When the plan is dated: its finish time when that falls on the plan's date (a first
    version), else midnight UTC of the date (a review), else a fixed moment."""
    try:
        day = datetime.strptime(plan.date, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return _FALLBACK_MOMENT
    try:
        finished = datetime.strptime(plan.finished_at, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return day
    return finished if finished.date() == day.date() else day


def _element(tag: str, **attrs: str) -> Element:
    return OxmlElement(tag, {qn(f"w:{name}"): value for name, value in attrs.items()})


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
    child = _element(tag, **attrs)
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
        width = section.page_width or Emu(0)
        margins = (section.left_margin or Emu(0)) + (section.right_margin or Emu(0))
        self.text_width = int(width) - int(margins)
        self.styles = self._add_styles()
        self.style_ids = {
            key: None if style.name == "Normal" else style.style_id
            for key, style in self.styles.items()
        }
        cell_style = self.style_ids["cell"]
        assert cell_style is not None
        self.cell_style: str = cell_style
        self.list_number_abstract = self._abstract_num_of("List Number")
        self.next_num_id = self._max_num_id() + 1
        self.break_pending = False

    # Styles and numbering

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
            return style

        made = {
            "note": add("Plan Note", italic=True, color=NOTE_COLOR),
            "lead": add("Plan Lead", size=12, bold=True),
            "kicker": add("Plan Kicker", size=14, bold=True, color=NOTE_COLOR, before=96),
            "fact": add("Plan Fact", after=4),
            "draft": add("Plan Draft", size=12, bold=True, color=DRAFT_COLOR, after=4),
            "cell": add("Plan Table Text", size=9, after=0),
            "spacer": add("Plan Spacer", size=6, after=0),
        }
        made["kicker"].font.all_caps = True
        made["cell"].paragraph_format.line_spacing = 1.0
        made["spacer"].paragraph_format.line_spacing = 1.0
        for name in ("Title", "Subtitle", "Intense Quote", "Heading 1", "Heading 2", "Normal"):
            made[name] = self._style(name)
        for name in ("List Number", *BULLET_STYLES, "TOC Heading", "Header", "Footer"):
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

    def page_break(self) -> None:
        """Start the next paragraph on a new page ("page break before" on it, rather than a
        paragraph holding a break, which would leave an empty line atop the new page)."""
        self.break_pending = True

    def flush_break(self) -> None:
        """A pending page break as a paragraph of its own (before a table, at the end)."""
        if self.break_pending:
            self.break_pending = False
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Blocks

    def block(self, block: lay.Block) -> None:
        if isinstance(block, lay.Cover):
            self.cover(block)
        elif isinstance(block, lay.Heading):
            level = min(max(block.level - 1, 1), 2)
            self.paragraph(f"Heading {level}", block.text)
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

    def cover(self, cover: lay.Cover) -> None:
        title = cover.title
        self.paragraph("kicker", KICKER)
        if cover.draft:
            self.paragraph("draft", "DRAFT")
        self.paragraph("Title", title)
        if cover.subtitle:
            self.paragraph("Subtitle", cover.subtitle)
        for fact in cover.facts:
            self.paragraph("fact", fact)
        if cover.draft:
            self.paragraph("draft", lay.DRAFT_NOTICE)
        self.page_break()
        self.paragraph("TOC Heading", CONTENTS)
        _add_field(self.new_paragraph("Normal"), TOC_INSTRUCTION, TOC_PLACEHOLDER)
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
        num_id = self._restarted_numbering() if block.ordered else None
        for entry in block.entries:
            paragraph = self.new_paragraph("List Number" if block.ordered else "List Bullet")
            if num_id is not None:
                num_pr = _element("w:numPr")
                num_pr.append(_element("w:ilvl", val="0"))
                num_pr.append(_element("w:numId", val=num_id))
                paragraph._p.get_or_add_pPr().append(num_pr)
            self._styled_run(paragraph, entry.text, block.style)
            for detail in entry.details:
                self._styled_run(
                    self.new_paragraph("List Bullet 2"),
                    detail,
                    block.style,
                )

    def outline(self, block: lay.Outline) -> None:
        if not block.rows:
            self.paragraph("note", "Nothing is linked yet.")
            return
        for depth, level, wording in block.rows:
            style = BULLET_STYLES[min(max(depth, 0), len(BULLET_STYLES) - 1)]
            paragraph = self.new_paragraph(style)
            fmt = paragraph.paragraph_format
            fmt.left_indent = Twips(LIST_INDENT * (max(depth, 0) + 1))
            fmt.first_line_indent = Twips(-LIST_INDENT)
            paragraph.add_run(clean(level)).bold = True
            paragraph.add_run(": " + clean(wording))

    def _widths(self, block: lay.Table) -> list[int]:
        count = len(block.columns)
        relative = list(block.widths) if len(block.widths) == count else [1.0] * count
        total = sum(w for w in relative if w > 0)
        if total <= 0:
            relative, total = [1.0] * count, float(count)
        return [int(self.text_width * max(w, 0) / total) for w in relative]

    def _cell(self, text: str, width: int, *, right: bool, bold: bool, fill: str) -> Element:
        """One table cell, built element by element: cheaper than python-docx's cell and
        paragraph objects, which re-find each child's place on every property set."""
        tc = OxmlElement("w:tc")
        tc_pr = _sub(tc, "w:tcPr")
        _sub(tc_pr, "w:tcW", w=str(width // EMU_PER_TWIP), type="dxa")
        if fill:
            _sub(tc_pr, "w:shd", val="clear", color="auto", fill=fill)
        p = _sub(tc, "w:p")
        p_pr = _sub(p, "w:pPr")
        _sub(p_pr, "w:pStyle", val=self.cell_style)
        if right:
            _sub(p_pr, "w:jc", val="right")
        if text:
            r = _sub(p, "w:r")
            if bold:
                _sub(_sub(r, "w:rPr"), "w:b")
            _append_text(r, clean(text))
        return tc

    def _row(
        self,
        values: tuple[str, ...],
        widths: list[int],
        numeric: list[bool],
        *,
        header: bool = False,
        marked: bool = False,
    ) -> Element:
        tr = OxmlElement("w:tr")
        if header:
            tr_pr = _sub(tr, "w:trPr")
            _sub(tr_pr, "w:cantSplit")
            _sub(tr_pr, "w:tblHeader")
        fill = HEADER_FILL if header else MARKED_FILL if marked else ""
        for i, width in enumerate(widths):
            text = values[i] if i < len(values) else ""
            tr.append(self._cell(text, width, right=numeric[i], bold=header or marked, fill=fill))
        return tr

    def table(self, block: lay.Table) -> None:
        count = len(block.columns)
        if count == 0:
            return
        self.flush_break()
        table: DocxTable = self.doc.add_table(rows=0, cols=count)
        table.style = self.doc.styles[TABLE_STYLE]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        widths = self._widths(block)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Emu(width)
        numeric = [i < len(block.numeric) and block.numeric[i] for i in range(count)]
        tbl = table._tbl
        tbl.append(self._row(block.columns, widths, numeric, header=True))
        for r, values in enumerate(block.rows):
            marked = r < len(block.marked) and block.marked[r]
            tbl.append(self._row(values, widths, numeric, marked=marked))
        self.paragraph("spacer")

    # Page furniture and properties

    def furniture(self) -> None:
        section = self.doc.sections[0]
        if self.plan.draft:
            header = section.header
            header.is_linked_to_previous = False
            paragraph = header.paragraphs[0]
            self.restyle(paragraph, "Header")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(lay.DRAFT_NOTICE)
            run.bold = True
            run.font.color.rgb = DRAFT_COLOR
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        self.restyle(paragraph, "Footer")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run("Page ")
        _add_field(paragraph, " PAGE ", "1")
        paragraph.add_run(" of ")
        _add_field(paragraph, " NUMPAGES ", "1")

    def properties(self) -> None:
        plan = self.plan
        moment = plan_moment(plan)
        props = self.doc.core_properties
        props.title = clean(lay.title_line(plan))[:_PROPERTY_LIMIT]
        props.subject = clean(plan.organization or "")[:_PROPERTY_LIMIT]
        props.author = clean(plan.facilitator or "")[:_PROPERTY_LIMIT]
        props.comments = ""
        props.keywords = ""
        props.category = KICKER
        props.last_modified_by = ""
        props.revision = max(plan.version, 1)
        props.created = moment
        props.modified = moment
        package = self.doc.part.package
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del package.rels[rel_id]

    def render(self) -> bytes:
        for block in lay.layout(self.plan):
            self.block(block)
        self.furniture()
        self.properties()
        out = io.BytesIO()
        self.doc.save(out)
        return _fixed_zip(out.getvalue(), plan_moment(self.plan))


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
