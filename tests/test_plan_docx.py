"""The plan as DOCX, read back with python-docx and its XML as an independent reader.

Each test reads the rendered file's structure (styles, tables, fields, headers, bookmarks)
and compares it with what the shared layout says the document holds, rather than trusting
the renderer's own helpers.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from tests.plan_samples import (
    ACCENTS,
    BOARD_ACTIONS,
    BOARD_FINISHED_AT,
    BOARD_GOALS,
    BOARD_UNDATED_ACTION,
    BOARD_UNSERVED_GOAL,
    BOARD_VISION,
    BOLD,
    CYRILLIC,
    EMOJI,
    FINISHED_AT,
    GREEK,
    LONG,
    PROJECTS,
    SCRIPT,
    big_plan,
    board_plan,
    crowded_plan,
    full_plan,
    item,
    stage,
)
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan import layout as lay
from workshop.plan.layout import DRAFT_NOTICE, title_line
from workshop.plan.renderers import RENDERERS
from workshop.plan.word import _Writer, render_docx, text_twips

APPENDIX = "Appendix: how each decision was made"
APPENDIX_COLUMNS = ["Rank", "Idea", "Dots", "Score (Borda points)", "Consensus", "Selected"]
FLAG = "⚠"
BAR = "■"
DIAMOND = "◆"
CONTENTS = "TOC Heading"
A4_TEXT_TWIPS = round((210 - 40) / 25.4 * 1440)
"""The text width of an A4 page with 2 cm margins, in twips."""


def read(plan: PlanDocument) -> DocxDocument:
    return Document(io.BytesIO(render_docx(plan)))


@pytest.fixture(scope="module")
def final() -> DocxDocument:
    return read(full_plan())


@pytest.fixture(scope="module")
def draft() -> DocxDocument:
    return read(full_plan(draft=True))


@pytest.fixture(scope="module")
def board() -> DocxDocument:
    return read(board_plan())


@pytest.fixture(scope="module")
def big() -> DocxDocument:
    return read(big_plan())


@pytest.fixture(scope="module")
def board_blocks() -> tuple[lay.Block, ...]:
    return lay.layout(board_plan())


def style_of(paragraph: Paragraph) -> str:
    style = paragraph.style
    return style.name if style is not None and style.name else ""


def body(doc: DocxDocument) -> list[Paragraph | Table]:
    """The body's paragraphs and tables, in document order."""
    found: list[Paragraph | Table] = []
    for element in doc.element.body.iterchildren():
        if element.tag == qn("w:p"):
            found.append(Paragraph(element, doc))
        elif element.tag == qn("w:tbl"):
            found.append(Table(element, doc))
    return found


def headings(doc: DocxDocument, levels: tuple[str, ...] = ("1", "2")) -> list[tuple[str, str]]:
    wanted = {f"Heading {level}" for level in levels}
    return [(style_of(p), p.text) for p in doc.paragraphs if style_of(p) in wanted]


def heading_index(parts: list[Paragraph | Table], text: str) -> int:
    return next(
        i
        for i, part in enumerate(parts)
        if isinstance(part, Paragraph)
        and part.text == text
        and style_of(part).startswith("Heading")
    )


def section(doc: DocxDocument, heading: str) -> list[Paragraph | Table]:
    """Paragraphs and tables after the first heading with this text, up to the next Word
    heading of level 1 or 2."""
    parts = body(doc)
    found: list[Paragraph | Table] = []
    for part in parts[heading_index(parts, heading) + 1 :]:
        if isinstance(part, Paragraph) and style_of(part) in ("Heading 1", "Heading 2", CONTENTS):
            break
        found.append(part)
    return found


def paragraphs_of(parts: list[Paragraph | Table]) -> list[Paragraph]:
    return [part for part in parts if isinstance(part, Paragraph)]


def tables_of(parts: list[Paragraph | Table]) -> list[Table]:
    return [part for part in parts if isinstance(part, Table)]


def table_texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def first_line_texts(table: Table) -> list[list[str]]:
    """Each cell's first paragraph (flags, when any, follow as paragraphs of their own)."""
    return [[cell.paragraphs[0].text for cell in row.cells] for row in table.rows]


def every_text(doc: DocxDocument) -> Iterator[str]:
    """Every paragraph's and cell's text, then every header's and footer's."""
    for paragraph in doc.paragraphs:
        yield paragraph.text
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield cell.text
    for sec in doc.sections:
        for part in (
            sec.header,
            sec.footer,
            sec.first_page_header,
            sec.first_page_footer,
            sec.even_page_header,
            sec.even_page_footer,
        ):
            for paragraph in part.paragraphs:
                yield paragraph.text


def appendix_tables(doc: DocxDocument) -> list[Table]:
    return [t for t in doc.tables if t.rows[0].cells[0].text == "Rank"]


def grid(table: Table) -> list[int]:
    """The table's grid column widths in twips."""
    return [int(w) for w in table._tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]


def floor_twips(text: str, size: float, *, bold: bool = False) -> float:
    """A floor on how wide `text` sets on one line: Calibri's (and Carlito's) mean advance
    is about 0.45 em for lower case, 0.5 to 0.6 em for capitals and digits (bold ~5 % wider), plus
    Word's default cell margins of 108 twips each side."""
    ems = sum(0.55 if c.isupper() or c.isdigit() else 0.44 for c in text)
    return ems * size * 20 * (1.05 if bold else 1.0) + 216


def contents_entries(doc: DocxDocument) -> list[Paragraph]:
    """The paragraphs of the contents field's shown result, from its begin to its end."""
    paragraphs = doc.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Contents") + 1
    end = next(
        i
        for i, p in enumerate(paragraphs)
        if i >= start and p._p.xpath('.//w:fldChar[@w:fldCharType="end"]')
    )
    return paragraphs[start:end]


def layout_tables(blocks: tuple[lay.Block, ...]) -> list[lay.Table]:
    return [block for block in blocks if isinstance(block, lay.Table)]


def docx_table_for(doc: DocxDocument, block: lay.Table) -> Table:
    """The Word table showing a layout table: the first with its header and first row."""
    wanted = [list(block.columns), *([list(block.rows[0])] if block.rows else [])]
    for table in doc.tables:
        rows = table._tbl.xpath("./w:tr")[: len(wanted)]
        found = [
            ["".join(str(t) for t in tc.xpath("./w:p[1]//w:t/text()")) for tc in tr.xpath("./w:tc")]
            for tr in rows
        ]  # each cell's first paragraph, read from the XML (python-docx's cells are slow)
        if found == wanted:
            return table
    raise AssertionError(f"no table {block.columns}")


# ---- cover, properties, document control


def test_the_document_opens_with_the_cover_and_its_properties(final: DocxDocument) -> None:
    plan = full_plan()
    texts = [p.text for p in final.paragraphs]
    titles = [p.text for p in final.paragraphs if style_of(p) == "Title"]
    assert titles == [plan.title]
    assert texts.index("Strategic plan") < texts.index(plan.title)
    assert "Acme Ports & Co" in texts
    assert "Facilitated by Ana Ñúñez" in texts
    assert texts.index("Version 1 · published 2026-12-01") < texts.index("Contents")
    assert final.core_properties.title == f"{title_line(plan)} · Version 1 · published 2026-12-01"
    assert final.core_properties.created == FINISHED_AT
    assert final.core_properties.modified == FINISHED_AT
    assert final.core_properties.last_modified_by == ""


def test_the_cover_has_no_page_number_and_other_pages_carry_the_version(
    board: DocxDocument,
) -> None:
    (sec,) = board.sections
    assert sec.different_first_page_header_footer  # the cover is the first page
    for part in (sec.first_page_header, sec.first_page_footer):
        assert not part.is_linked_to_previous
        assert not part._element.xpath(".//w:instrText | .//w:fldSimple")
        assert not "".join(p.text for p in part.paragraphs).strip()
    assert [p.text for p in sec.header.paragraphs] == ["Version 1 · published 2026-12-03"]
    footer = sec.footer._element
    assert [str(t).strip() for t in footer.xpath(".//w:instrText/text()")] == [
        "PAGE",
        "NUMPAGES",
    ]
    assert [p.text for p in sec.footer.paragraphs] == ["Page 1 of 1"]  # the fields' results
    assert board.core_properties.created == BOARD_FINISHED_AT


def test_a_review_carries_its_version_on_every_page_and_in_its_title() -> None:
    plan = replace(
        board_plan(), version=2, published_at="2026-12-10T09:15:00+00:00", note="Links fixed"
    )
    doc = read(plan)
    line = "Version 2 · published 2026-12-10"
    assert [p.text for p in doc.sections[0].header.paragraphs] == [line]
    cover = [p.text for p in doc.paragraphs]
    assert line in cover[: cover.index("Strategy on a page")]
    assert doc.core_properties.title == f"{title_line(plan)} · {line}"
    moment = datetime(2026, 12, 10, 9, 15, tzinfo=UTC)
    assert doc.core_properties.created == doc.core_properties.modified == moment
    assert doc.core_properties.revision == 2


def test_a_draft_is_marked_on_every_page(draft: DocxDocument) -> None:
    for sec in draft.sections:
        for part in (sec.header, sec.first_page_header):
            assert not part.is_linked_to_previous
            assert "DRAFT" in " ".join(p.text for p in part.paragraphs)
        assert not sec.first_page_footer._element.xpath(".//w:instrText")
    texts = [p.text for p in draft.paragraphs]
    assert DRAFT_NOTICE in texts[: texts.index("Contents")]


def test_a_final_plan_never_says_draft(final: DocxDocument) -> None:
    assert not any("DRAFT" in text for text in every_text(final))
    data = render_docx(full_plan())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert b"DRAFT" not in archive.read(name), name


def test_the_same_plan_gives_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    first = render_docx(full_plan())
    board_first = render_docx(board_plan())
    later = time.time() + 3 * 86400 + 17
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_docx(full_plan()) == first
    assert render_docx(board_plan()) == board_first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        stamps = {info.date_time for info in archive.infolist()}
        names = archive.namelist()
    assert stamps == {(2026, 12, 1, 16, 30, 0)}
    assert "docProps/thumbnail.jpeg" not in names


# ---- headings and the contents


def test_sections_are_word_headings_in_layout_order(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    wanted = [
        (f"Heading {block.level - 1}", block.text)
        for block in board_blocks
        if isinstance(block, lay.Heading)
    ]
    assert headings(board) == wanted
    assert wanted[0] == ("Heading 1", "Strategy on a page")
    charters = [block.title for block in board_blocks if isinstance(block, lay.Facts)]
    assert [text for _, text in headings(board, ("3",))] == charters


def test_the_contents_follow_the_strategy_page_on_a_page_of_their_own(
    final: DocxDocument,
) -> None:
    paragraphs = final.paragraphs
    contents = next(i for i, p in enumerate(paragraphs) if p.text == "Contents")
    assert style_of(paragraphs[contents]) == CONTENTS
    assert paragraphs[contents].paragraph_format.page_break_before
    strategy = next(i for i, p in enumerate(paragraphs) if p.text == "Strategy on a page")
    roadmap = next(
        i
        for i, p in enumerate(paragraphs)
        if p.text == "Roadmap by year" and style_of(p) == "Heading 1"
    )
    assert strategy < contents < roadmap  # the strategy page right after the cover
    assert paragraphs[roadmap].paragraph_format.page_break_before
    field = paragraphs[contents + 1]._p
    assert "TOC" in "".join(field.xpath(".//w:instrText/text()"))
    kinds = [str(k) for p in paragraphs for k in p._p.xpath(".//w:fldChar/@w:fldCharType")]
    assert kinds == ["begin", "separate", "end"]  # one field, whole
    assert "Update Field" not in " ".join(p.text for p in paragraphs)


def test_the_contents_is_filled_with_every_heading_and_links_to_it(board: DocxDocument) -> None:
    entries = contents_entries(board)
    listed = [(style_of(p), p.text) for p in entries]
    assert listed == [(style.replace("Heading", "toc"), text) for style, text in headings(board)]
    assert ("toc 1", "Strategy on a page") in listed
    assert ("toc 2", f"1. {BOARD_GOALS[0]}") in listed
    bookmarks = {
        str(name): p.text
        for p in board.paragraphs
        if style_of(p) in ("Heading 1", "Heading 2")
        for name in p._p.xpath("./w:bookmarkStart/@w:name")
    }
    assert len(bookmarks) == len(entries)
    for paragraph in entries:
        (anchor,) = paragraph._p.xpath("./w:hyperlink/@w:anchor")
        assert bookmarks[str(anchor)] == paragraph.text
    styles = board.styles.element
    assert styles.xpath('./w:style[@w:styleId="TOC1"]/w:name/@w:val') == ["toc 1"]
    assert styles.xpath('./w:style[@w:styleId="TOC2"]/w:name/@w:val') == ["toc 2"]


def test_headings_keep_with_what_follows(board: DocxDocument) -> None:
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        assert board.styles[name].element.xpath("./w:pPr/w:keepNext"), name


# ---- the board's sections


def strategy_block(blocks: tuple[lay.Block, ...]) -> lay.StrategyPage:
    return next(block for block in blocks if isinstance(block, lay.StrategyPage))


def test_the_strategy_page_stands_on_a_page_of_its_own(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    page = strategy_block(board_blocks)
    parts = body(board)
    start = heading_index(parts, "Strategy on a page")
    heading = parts[start]
    assert isinstance(heading, Paragraph)
    assert heading.paragraph_format.page_break_before
    shown = section(board, "Strategy on a page")
    after = parts[start + 1 + len(shown)]
    assert isinstance(after, Paragraph)
    assert after.paragraph_format.page_break_before  # the next section starts a new page
    texts = [p.text for p in paragraphs_of(shown)]
    assert f"Vision: {BOARD_VISION}" in texts
    assert f"{FLAG} Goal that nothing serves: {BOARD_UNSERVED_GOAL}" in texts
    goals, actions = tables_of(shown)
    rows = first_line_texts(goals)
    assert rows[0] == ["Goal", "Headline metric", "Served by"]
    assert [row[0] for row in rows[1:]] == list(BOARD_GOALS)
    for row, summary in zip(rows[1:], page.goals, strict=True):
        assert row[1] == (summary.metric or "No metric yet")
    served = goals.rows[1].cells[2].text.split("\n")
    assert served == list(page.goals[0].serving)
    unserved = goals.rows[1 + BOARD_GOALS.index(BOARD_UNSERVED_GOAL)].cells[0]
    assert f"{FLAG} Goal that nothing serves" in [p.text for p in unserved.paragraphs]
    assert table_texts(actions)[1:] == [list(row) for row in page.first_actions]
    assert [row[0] for row in table_texts(actions)[1:]] == list(BOARD_ACTIONS[:5])
    sizes = board.styles["Plan Table Small"].font.size
    assert sizes is not None and sizes.pt <= 9  # compact, so it holds on one page


def test_a_crowded_strategy_page_steps_its_type_down(board: DocxDocument) -> None:
    long_goal = "Grow the county's small businesses and their jobs in every town " * 4
    plan = board_plan()
    goals = plan.stage("goals")
    assert goals is not None
    crowded = tuple(
        replace(idea, text=f"{long_goal} ({idea.id})") if idea.selected else idea
        for idea in goals.items
    )
    stages = tuple(replace(s, items=crowded) if s.key == "goals" else s for s in plan.stages)
    small = read(replace(plan, stages=stages)).styles["Plan Table Small"].font.size
    roomy = board.styles["Plan Table Small"].font.size
    assert small is not None and roomy is not None
    assert small.pt < roomy.pt


def test_charters_are_captioned_records_kept_whole(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    charters = [block for block in board_blocks if isinstance(block, lay.Facts)]
    parts = body(board)
    for charter in charters:
        title = next(
            i
            for i, part in enumerate(parts)
            if isinstance(part, Paragraph)
            and style_of(part) == "Heading 3"
            and part.text == charter.title
        )
        caption = parts[title - 1]
        assert isinstance(caption, Paragraph)
        assert caption.text == charter.caption
        assert (
            caption.paragraph_format.keep_with_next or caption.style.paragraph_format.keep_with_next
        )
        flags = parts[title + 1 : title + 1 + len(charter.flags)]
        assert [p.text for p in flags if isinstance(p, Paragraph)] == [
            f"{FLAG} {flag}" for flag in charter.flags
        ]
        table = parts[title + 1 + len(charter.flags)]
        assert isinstance(table, Table)
        assert [tuple(row) for row in table_texts(table)] == list(charter.rows)
        assert not table._tbl.xpath(".//w:tblHeader")  # a record, not a list
        rows = table.rows
        for row in rows[:-1]:  # each row holds to the next: the table stays on one page
            assert all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
        assert not any(
            p.paragraph_format.keep_with_next for c in rows[-1].cells for p in c.paragraphs
        )
        labels = grid(table)[0]
        assert all(labels >= floor_twips(label, 9) for label, _ in charter.rows)


def test_the_roadmap_is_a_year_by_item_table_of_marks_then_its_milestones(
    board: DocxDocument, final: DocxDocument
) -> None:
    """Year cells hold only marks ("■" where an item runs, "◆n" for a milestone), so no
    milestone word is squeezed into a year column; the milestones are listed under the
    table by their marks, with their dates; then what is not scheduled."""
    for plan, doc in ((board_plan(), board), (full_plan(), final)):
        chart = next(b for b in lay.layout(plan) if isinstance(b, lay.RoadmapBlock)).chart
        shown = section(doc, "Roadmap by year")
        table = tables_of(shown)[0]
        columns, rows = chart.table()
        texts = first_line_texts(table)
        assert texts[0] == list(columns)
        assert texts[0][1:] == [str(y) for y in range(plan.start_year, plan.end_year + 1)]
        assert [row[0] for row in texts[1:]] == [row[0] for row in rows]
        marks: list[str] = []
        for got, want in zip(texts[1:], rows, strict=True):
            for cell, expected in zip(got[1:], want[1:], strict=True):
                words = cell.split()
                assert (BAR in words) == expected.startswith(BAR), (cell, expected)
                milestones = [w for w in words if w != BAR]
                assert all(re.fullmatch(f"{DIAMOND}[0-9]+", w) for w in milestones), cell
                assert len(milestones) == expected.count(DIAMOND), (cell, expected)
                marks += milestones
        assert marks == [f"{DIAMOND}{n}" for n in range(1, len(marks) + 1)]
        after = [p.text for p in paragraphs_of(shown)]
        labels = [m.label for lane in chart.lanes() for m in lane.milestones]
        dates = [m.date for lane in chart.lanes() for m in lane.milestones]
        assert len(labels) == len(marks) > 0
        start = after.index("Milestones")
        listed = after[start + 1 : start + 1 + len(marks)]
        assert listed == [
            f"{mark} {day} · {label}" for mark, day, label in zip(marks, dates, labels, strict=True)
        ]
        if chart.unscheduled:
            start = after.index("Not scheduled yet")
            assert after[start + 1 : start + 1 + len(chart.unscheduled)] == list(chart.unscheduled)
        else:
            assert "Not scheduled yet" not in after


def test_the_alignment_map_is_an_outline_with_each_item_once_and_its_flags(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    drawn = next(block for block in board_blocks if isinstance(block, lay.MapBlock)).map
    rows = drawn.outline()
    mapped = [
        p for p in paragraphs_of(section(board, "Alignment map")) if style_of(p).startswith("List")
    ]
    assert len(mapped) == len(rows)
    indents: dict[int, set[int]] = {}
    for paragraph, (depth, level, wording, flags) in zip(mapped, rows, strict=True):
        name = f"{level}: {wording}" if level else wording
        assert paragraph.text == name + "".join(f"  {FLAG} {flag}" for flag in flags)
        assert paragraph.runs[0].bold
        left = paragraph.paragraph_format.left_indent
        assert left is not None
        indents.setdefault(depth, set()).add(int(left))
    assert all(len(values) == 1 for values in indents.values())
    by_depth = [indents[depth].pop() for depth in sorted(indents)]
    assert by_depth == sorted(set(by_depth))
    flagged = [p.text for p in mapped if FLAG in p.text]
    assert any(
        BOARD_UNSERVED_GOAL in text and "Goal that nothing serves" in text for text in flagged
    )
    assert "Not connected to any goal" in [p.text for p in mapped]


def test_a_big_map_lists_each_item_once_and_its_strategy_page_is_compact(
    big: DocxDocument,
) -> None:
    plan = big_plan()
    doc = big
    mapped = [
        p.text
        for p in paragraphs_of(section(doc, "Alignment map"))
        if style_of(p).startswith("List")
    ]
    named = [text.split(": ", 1)[-1] for text in mapped]
    for key in ("goals", "projects"):
        for chosen in plan.selected_of(key):
            wording = chosen.wording
            assert sum(text.startswith(wording) for text in named) == 1, wording
    size = doc.styles["Plan Table Small"].font.size
    assert size is not None and size.pt <= 9


def test_flags_stand_next_to_their_rows(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    plan_table = next(
        block for block in layout_tables(board_blocks) if block.columns[:2] == ("#", "What")
    )
    table = docx_table_for(board, plan_table)
    undated = next(
        row for row in table.rows[1:] if row.cells[1].paragraphs[0].text == BOARD_UNDATED_ACTION
    )
    lines = [p.text for p in undated.cells[1].paragraphs]
    assert f"{FLAG} Action without a date" in lines
    flagged = [p for p in undated.cells[1].paragraphs if p.text.startswith(FLAG)]
    assert all(run.font.color.rgb is not None for p in flagged for run in p.runs)


# ---- tables that never break


def test_every_row_is_kept_whole_and_headers_repeat(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    charters = sum(isinstance(block, lay.Facts) for block in board_blocks)
    headed = 0
    for table in board.tables:
        for row in table.rows:
            assert row._tr.xpath("./w:trPr/w:cantSplit"), table_texts(table)[0]
        flags = [bool(row._tr.xpath("./w:trPr/w:tblHeader")) for row in table.rows]
        assert not any(flags[1:])
        headed += flags[0]
    assert headed == len(board.tables) - charters
    assert headed >= len(layout_tables(board_blocks)) + 3  # + strategy page's two, roadmap


def test_columns_fill_the_page_and_the_grid_matches_the_cells(board: DocxDocument) -> None:
    for table in board.tables:
        widths = grid(table)
        assert sum(widths) == pytest.approx(A4_TEXT_TWIPS, abs=len(widths) + 2)
        assert table._tbl.xpath("./w:tblPr/w:tblLayout/@w:type") == ["fixed"]
        for row in table.rows:
            cells = [int(w) for w in row._tr.xpath("./w:tc/w:tcPr/w:tcW/@w:w")]
            assert cells == widths


def test_nowrap_columns_hold_their_longest_cell_on_one_line(
    board: DocxDocument, board_blocks: tuple[lay.Block, ...]
) -> None:
    checked = 0
    for block in layout_tables(board_blocks):
        table = docx_table_for(board, block)
        widths = grid(table)
        for column, nowrap in enumerate(block.nowrap):
            if not nowrap:
                continue
            checked += 1
            cells = [row._tr.xpath("./w:tc")[column] for row in table.rows]
            assert all(tc.xpath("./w:tcPr/w:noWrap") for tc in cells)
            longest = max(
                [floor_twips(block.columns[column], 9, bold=True)]
                + [floor_twips(row[column], 9) for row in block.rows]
            )
            assert widths[column] >= longest, (block.columns[column], widths[column], longest)
    assert checked >= 5  # scorecard, metrics, action plan, owners, appendix


def test_short_words_never_break_in_narrow_columns(board: DocxDocument) -> None:
    for table in appendix_tables(board):
        widths = grid(table)
        for column, text in enumerate(table_texts(table)[0]):
            for word in text.split():
                assert widths[column] >= floor_twips(word, 9, bold=True), (word, widths)
        for row in table_texts(table)[1:]:
            for column in (0, 2, 3):  # rank, dots, score
                assert widths[column] >= floor_twips(row[column], 9)


def test_one_named_font_everywhere_and_no_theme_font(board: DocxDocument) -> None:
    """The defaults and every style name Calibri (Carlito in LibreOffice, same metrics)
    for Latin, East Asian and complex-script text; nothing falls back to the theme, whose
    body font in the template is Cambria (a serif set much wider in LibreOffice)."""
    styles = board.styles.element
    defaults = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")
    assert len(defaults) == 1
    every = [*defaults, *styles.xpath("./w:style/w:rPr/w:rFonts")]
    assert len(every) > 5
    for fonts in every:
        named = {key.split("}")[-1]: value for key, value in fonts.attrib.items()}
        assert named == {slot: "Calibri" for slot in ("ascii", "hAnsi", "eastAsia", "cs")}
    runs = board.element.body.xpath(".//w:rFonts")
    assert not any("Theme" in key or "theme" in key for r in runs for key in r.attrib)


def header_floor(word: str, size: float) -> int:
    return text_twips(word, size, bold=True) + 216


def test_no_header_word_breaks_in_any_table(
    board: DocxDocument, final: DocxDocument, big: DocxDocument
) -> None:
    """Every column is at least as wide as its header's longest word set in bold at the
    table's size, plus the cell margins (so "Rank", "Dots", "Consensus", "Selected",
    "People" never break), in the board, full and 40-project plans."""
    checked = 0
    for doc in (board, final, big):
        sizes = {
            style.style_id: style.font.size.pt
            for style in doc.styles
            if style.name in ("Plan Table Text", "Plan Table Small") and style.font.size
        }
        for table in doc.tables:
            header = table._tbl.xpath("./w:tr[w:trPr/w:tblHeader]")
            if not header:
                continue
            widths = grid(table)
            for column, tc in enumerate(header[0].xpath("./w:tc")):
                size = sizes[tc.xpath("./w:p/w:pPr/w:pStyle/@w:val")[0]]
                for word in "".join(tc.xpath(".//w:t/text()")).split():
                    assert widths[column] >= header_floor(word, size), (word, widths)
                    checked += 1
    assert checked > 100


def test_crowded_columns_shrink_above_their_headers_floor() -> None:
    """When the content asks for more than the page, columns give up what they hold above
    their header's longest word, never that."""
    writer = _Writer(full_plan())
    columns = (
        "Rank",
        "Dots",
        "Score",
        "Consensus",
        "Selected",
        "Owner",
        "Responsible",
        "Accountable",
        "Participants",
    )
    rows = (tuple("Extraordinarily-long-unbreakable-" + c for c in columns),)
    widths = writer._widths(columns, rows, [1.0] * len(columns), [False] * len(columns), 9.0)
    assert sum(widths) <= A4_TEXT_TWIPS + len(widths)
    for column, width in zip(columns, widths, strict=True):
        assert width >= header_floor(column, 9.0), (column, widths)


def keeps(paragraph: Paragraph) -> bool:
    """Whether a paragraph keeps with the next, set on it or on its style's chain."""
    if paragraph.paragraph_format.keep_with_next is not None:
        return bool(paragraph.paragraph_format.keep_with_next)
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.keep_with_next is not None:
            return bool(style.paragraph_format.keep_with_next)
        style = style.base_style
    return False


@pytest.mark.parametrize("name", ["board", "final", "big"])
def test_no_heading_is_left_at_a_page_foot_with_only_its_note(
    name: str, request: pytest.FixtureRequest
) -> None:
    """From each section heading down to the table it introduces, every paragraph (its
    note, "Decided by …", a charter's caption and title) keeps with the next, so a heading
    never ends a page with only its note under it; a numbered list's last entry keeps
    company with the one before."""
    doc: DocxDocument = request.getfixturevalue(name)
    parts = body(doc)
    checked = 0
    for i, part in enumerate(parts):
        if not (isinstance(part, Paragraph) and style_of(part) in ("Heading 1", "Heading 2")):
            continue
        if part.text == "Strategy on a page":  # a page of its own, its type fitted to it
            continue
        chain: list[Paragraph] = [part]
        for following in parts[i + 1 : i + 5]:
            if isinstance(following, Table):
                for paragraph in chain:
                    assert keeps(paragraph), (part.text, paragraph.text)
                    checked += 1
                break
            if style_of(following) in ("Heading 1", "Heading 2"):
                break
            chain.append(following)
    assert checked >= 10
    numbered = [p for p in body(doc) if isinstance(p, Paragraph)]
    runs: list[list[Paragraph]] = [[]]
    for paragraph in numbered:
        if style_of(paragraph) == "List Number":
            runs[-1].append(paragraph)
        elif runs[-1]:
            runs.append([])
    lists = [run for run in runs if len(run) >= 2]
    assert lists
    assert all(keeps(run[-2]) for run in lists)


def test_numeric_columns_are_right_aligned(final: DocxDocument) -> None:
    table = appendix_tables(final)[0]
    for row in table.rows:
        aligns = [cell.paragraphs[0].alignment for cell in row.cells]
        assert aligns[0] == aligns[2] == aligns[3] == WD_ALIGN_PARAGRAPH.RIGHT
        assert WD_ALIGN_PARAGRAPH.RIGHT not in (aligns[1], aligns[5])


# ---- lists, appendix, text


def test_lists_use_the_built_in_list_styles(final: DocxDocument) -> None:
    values = paragraphs_of(section(final, "Values"))
    assert [p.text for p in values if style_of(p) == "List Number"] == [
        "Safety first",
        "Open books",
    ]
    served = paragraphs_of(section(final, "1. Electrify every crane"))
    assert "List Bullet" in {style_of(p) for p in served}


def test_every_numbered_list_restarts_at_one(board: DocxDocument) -> None:
    runs: list[set[str]] = []
    previous = False
    for part in body(board):
        numbered = isinstance(part, Paragraph) and style_of(part) == "List Number"
        if numbered and isinstance(part, Paragraph):
            ids = {str(v) for v in part._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")}
            if previous:
                runs[-1] |= ids
            else:
                runs.append(ids)
        previous = numbered
    assert runs
    assert all(len(ids) == 1 for ids in runs)
    assert len(set.union(*runs)) == len(runs)
    numbering = board.part.numbering_part.element
    for num_id in set.union(*runs):
        start = numbering.xpath(f'./w:num[@w:numId="{num_id}"]//w:startOverride/@w:val')
        assert start == ["1"]


def test_the_appendix_tables_list_every_idea_in_rank_order(final: DocxDocument) -> None:
    plan = full_plan()
    tables = appendix_tables(final)
    stages = [s for s in plan.stages if s.items]
    assert len(tables) == len(stages)
    for table, plan_stage in zip(tables, stages, strict=True):
        rows = table_texts(table)
        assert rows[0][:3] == ["Rank", "Idea", "Dots"]
        assert rows[0][4:] == ["Consensus", "Selected"]
        assert [row[1] for row in rows[1:]] == [i.text for i in plan_stage.items]
        ranks = [int(row[0]) for row in rows[1:]]
        assert ranks == sorted(ranks)
    goals = table_texts(tables[[s.key for s in stages].index("goals")])
    assert goals[0] == APPENDIX_COLUMNS


def test_a_crowded_stage_has_one_row_per_idea_in_rank_order() -> None:
    doc = read(crowded_plan(200))
    (table,) = appendix_tables(doc)
    rows = table.rows[1:]
    assert len(rows) == 200
    texts = [[cell.text for cell in row.cells] for row in rows]
    assert [int(row[0]) for row in texts] == list(range(1, 201))
    assert [row[1][:15] for row in texts] == [f"Idea number {n:03d}" for n in range(1, 201)]
    bold = [any(run.bold for run in row.cells[1].paragraphs[0].runs) for row in rows]
    assert bold == [n <= 5 for n in range(1, 201)]
    shaded = [bool(row._tr.xpath("./w:tc/w:tcPr/w:shd")) for row in rows]
    assert shaded == bold
    assert all(row._tr.xpath("./w:trPr/w:cantSplit") for row in rows)


@pytest.mark.parametrize(
    "text",
    [ACCENTS, GREEK, CYRILLIC, EMOJI, SCRIPT, BOLD, LONG],
    ids=["accents", "greek", "cyrillic", "emoji", "script", "bold", "long"],
)
def test_user_text_survives_exactly(final: DocxDocument, text: str) -> None:
    assert any(text in found for found in every_text(final))


def test_markup_in_user_text_stays_literal(final: DocxDocument) -> None:
    titles = [text for style, text in headings(final, ("3",))]
    assert SCRIPT in titles and BOLD in titles
    bold = next(p for p in final.paragraphs if p.text == BOLD and style_of(p) == "Heading 3")
    assert [run.text for run in bold.runs] == [BOLD]
    assert PROJECTS[0] in titles
    cells = [cell.text for t in appendix_tables(final) for row in t.rows for cell in row.cells]
    assert LONG in cells  # whole, in one cell


def test_user_text_never_becomes_a_field_or_a_link(final: DocxDocument) -> None:
    element = final.element.body
    instructions = [" ".join(str(t).split()) for t in element.xpath(".//w:instrText/text()")]
    assert instructions == ['TOC \\o "1-2" \\h \\z \\u']
    assert not element.xpath(".//w:fldSimple")
    # the only links are the contents' entries, to bookmarks inside the document
    links = element.xpath(".//w:hyperlink")
    assert len(links) == len(contents_entries(final))
    assert all(str(link.get(qn("w:anchor"))).startswith("_Toc") for link in links)
    assert not element.xpath(".//w:hyperlink/@r:id")
    assert not any(rel.is_external for rel in final.part.rels.values())


def test_control_characters_and_long_titles_do_not_break_the_file() -> None:
    nasty = "Bell\x07 null\x00 tab\there\nnext line \x1f\ufffe end"
    plan = assemble_plan(
        title="T" * 300 + "\x01",
        organization="Org\x0b",
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=3,
        stages=[stage("goals", "Strategic goals", [item(1, nasty, 1, selected=True, votes=2)])],
    )
    doc = read(plan)
    title = doc.core_properties.title
    assert title == (title_line(plan) + " · Version 1 · published 2026-12-01")[:255].replace(
        "\x01", ""
    )
    goal = next(p for p in doc.paragraphs if style_of(p) == "Heading 2")
    assert goal.text == "1. Bell null tab\there\nnext line  end"


def test_the_registry_serves_this_renderer() -> None:
    data = RENDERERS["docx"].render(crowded_plan(20))
    assert data.startswith(b"PK")
    assert len(appendix_tables(Document(io.BytesIO(data)))[0].rows) == 21


def test_the_pages_are_a4_like_the_pdf(final: DocxDocument) -> None:
    sec = final.sections[0]
    assert sec.page_width is not None and sec.page_height is not None
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
