"""The plan as DOCX, read back with python-docx as an independent reader.

Each test reads the rendered file's structure (styles, tables, fields, headers) rather than
trusting the renderer's own helpers.
"""

from __future__ import annotations

import io
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
    BOLD,
    CYRILLIC,
    EMOJI,
    FINISHED_AT,
    GAP_TEXTS,
    GOALS,
    GREEK,
    LONG,
    PROJECTS,
    SCRIPT,
    crowded_plan,
    full_plan,
    item,
    stage,
)
from workshop.plan import PlanDocument, assemble_plan, outline
from workshop.plan.layout import DRAFT_NOTICE, title_line
from workshop.plan.renderers import RENDERERS
from workshop.plan.word import render_docx

APPENDIX = "Appendix: how each decision was made"
APPENDIX_COLUMNS = ["Rank", "Idea", "Dots", "Score (Borda points)", "Consensus", "Selected"]


def read(plan: PlanDocument) -> DocxDocument:
    return Document(io.BytesIO(render_docx(plan)))


@pytest.fixture(scope="module")
def final() -> DocxDocument:
    return read(full_plan())


@pytest.fixture(scope="module")
def draft() -> DocxDocument:
    return read(full_plan(draft=True))


def style_of(paragraph: Paragraph) -> str:
    style = paragraph.style
    return style.name if style is not None and style.name else ""


def headings(doc: DocxDocument) -> list[tuple[str, str]]:
    return [(style_of(p), p.text) for p in doc.paragraphs if style_of(p).startswith("Heading")]


def section(doc: DocxDocument, heading: str) -> list[Paragraph]:
    """The paragraphs after the first heading with this text, up to the next heading."""
    paragraphs = doc.paragraphs
    start = next(
        i for i, p in enumerate(paragraphs) if p.text == heading and style_of(p).startswith("Head")
    )
    found: list[Paragraph] = []
    for paragraph in paragraphs[start + 1 :]:
        if style_of(paragraph).startswith("Heading"):
            break
        found.append(paragraph)
    return found


def table_texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


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


def test_the_document_opens_with_the_cover_and_its_properties(final: DocxDocument) -> None:
    plan = full_plan()
    texts = [p.text for p in final.paragraphs]
    titles = [p.text for p in final.paragraphs if style_of(p) == "Title"]
    assert titles == [plan.title]
    assert texts.index("Strategic plan") < texts.index(plan.title)
    assert "Acme Ports & Co" in texts
    assert "Facilitated by Ana Ñúñez" in texts
    assert final.core_properties.title == f"{title_line(plan)} · Version 1 · published 2026-12-01"
    assert final.core_properties.created == FINISHED_AT
    assert final.core_properties.modified == FINISHED_AT
    assert final.core_properties.last_modified_by == ""


def test_sections_are_word_headings_in_document_order(final: DocxDocument) -> None:
    found = headings(final)
    wanted = [
        ("Heading 1", "Executive summary"),
        ("Heading 1", "Strategic goals"),
        ("Heading 1", "Programs"),
        ("Heading 1", "Projects"),
        ("Heading 1", "Alignment map"),
        ("Heading 2", "Gaps"),
        ("Heading 1", "Action plan"),
        ("Heading 1", APPENDIX),
    ]
    rest = iter(found)
    assert all(any(h == w for h in rest) for w in wanted), found
    assert {style for style, _ in found} == {"Heading 1", "Heading 2"}


def test_goal_subheadings_are_in_rank_order(final: DocxDocument) -> None:
    found = headings(final)
    start = found.index(("Heading 1", "Strategic goals"))
    end = found.index(("Heading 1", "Programs"))
    assert [text for _, text in found[start + 1 : end]] == [
        f"{n}. {goal}" for n, goal in enumerate(GOALS, 1)
    ]


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


def test_the_contents_field_follows_the_cover_on_a_new_page(final: DocxDocument) -> None:
    paragraphs = final.paragraphs
    contents = next(i for i, p in enumerate(paragraphs) if p.text == "Contents")
    assert paragraphs[contents].paragraph_format.page_break_before
    assert contents < next(i for i, p in enumerate(paragraphs) if p.text == "Executive summary")
    field = paragraphs[contents + 1]._p
    assert "TOC" in "".join(field.xpath(".//w:instrText/text()"))
    kinds = [str(k) for p in paragraphs for k in p._p.xpath(".//w:fldChar/@w:fldCharType")]
    assert kinds == ["begin", "separate", "end"]
    assert "Update Field" not in " ".join(p.text for p in paragraphs)
    summary = next(
        p for p in paragraphs if p.text == "Executive summary" and style_of(p) == "Heading 1"
    )
    assert summary.paragraph_format.page_break_before


def test_the_contents_is_filled_with_every_heading_and_links_to_it(final: DocxDocument) -> None:
    entries = contents_entries(final)
    listed = [(style_of(p), p.text) for p in entries]
    wanted = [(style.replace("Heading", "toc"), text) for style, text in headings(final)]
    assert listed == wanted
    assert ("toc 1", "Executive summary") in listed
    assert ("toc 2", "Gaps") in listed
    bookmarks = {
        str(name): p.text
        for p in final.paragraphs
        if style_of(p).startswith("Heading")
        for name in p._p.xpath("./w:bookmarkStart/@w:name")
    }
    assert len(bookmarks) == len(entries)
    for paragraph in entries:
        (anchor,) = paragraph._p.xpath("./w:hyperlink/@w:anchor")
        assert bookmarks[str(anchor)] == paragraph.text
    styles = final.styles.element
    assert styles.xpath('./w:style[@w:styleId="TOC1"]/w:name/@w:val') == ["toc 1"]
    assert styles.xpath('./w:style[@w:styleId="TOC2"]/w:name/@w:val') == ["toc 2"]


def test_lists_use_the_built_in_list_styles(final: DocxDocument) -> None:
    summary = section(final, "Executive summary")
    goals = [p for p in summary if style_of(p) == "List Number"]
    assert [p.text for p in goals] == list(GOALS)
    projects = section(final, "Projects")
    entries = [p.text for p in projects if style_of(p) == "List Number"]
    assert entries == list(PROJECTS)
    assert "Owner: Jon Berg" in [p.text for p in projects if style_of(p) == "List Bullet 2"]
    served = section(final, "1. Electrify every crane")
    assert ("List Bullet", "Programs: Green energy program") in [
        (style_of(p), p.text) for p in served
    ]


def test_every_numbered_list_restarts_at_one(final: DocxDocument) -> None:
    def num_ids(paragraphs: list[Paragraph]) -> set[str]:
        return {
            str(v)
            for p in paragraphs
            if style_of(p) == "List Number"
            for v in p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        }

    summary = num_ids(section(final, "Executive summary"))
    programs = num_ids(section(final, "Programs"))
    projects = num_ids(section(final, "Projects"))
    assert len(summary) == len(programs) == len(projects) == 1
    assert len(summary | programs | projects) == 3
    numbering = final.part.numbering_part.element
    for num_id in summary | programs | projects:
        start = numbering.xpath(f'./w:num[@w:numId="{num_id}"]//w:startOverride/@w:val')
        assert start == ["1"]


def test_the_alignment_map_is_an_outline_indented_by_depth(final: DocxDocument) -> None:
    plan = full_plan()
    rows = outline(plan)
    assert max(depth for depth, _, _ in rows) >= 3  # past the deepest built-in bullet style
    mapped = [p for p in section(final, "Alignment map") if style_of(p).startswith("List")]
    assert [p.text for p in mapped] == [f"{level}: {wording}" for _, level, wording in rows]
    for paragraph, (_, level, _) in zip(mapped, rows, strict=True):
        first = paragraph.runs[0]
        assert first.text == level
        assert first.bold
        assert not any(run.bold for run in paragraph.runs[1:])
    indent: dict[int, set[int]] = {}
    for paragraph, (depth, _, _) in zip(mapped, rows, strict=True):
        left = paragraph.paragraph_format.left_indent
        assert left is not None
        indent.setdefault(depth, set()).add(int(left))
    assert all(len(values) == 1 for values in indent.values()), indent
    by_depth = [indent[depth].pop() for depth in sorted(indent)]
    assert by_depth == sorted(set(by_depth)), by_depth
    assert [style_of(p) for p in mapped][:3] == ["List Bullet", "List Bullet 2", "List Bullet 3"]


def test_each_gap_is_in_the_gaps_list(final: DocxDocument) -> None:
    gaps = [p.text for p in section(final, "Gaps")]
    assert all(style_of(p) == "List Bullet" for p in section(final, "Gaps"))
    for text in GAP_TEXTS:
        assert any(line.endswith(f": {text}") for line in gaps), (text, gaps)


def test_the_appendix_tables_list_every_idea_in_rank_order(final: DocxDocument) -> None:
    plan = full_plan()
    tables = appendix_tables(final)
    stages = [s for s in plan.stages if s.items]
    assert len(tables) == len(stages)
    for table, plan_stage in zip(tables, stages, strict=True):
        rows = table_texts(table)
        assert rows[0][:3] == ["Rank", "Idea", "Dots"]
        assert rows[0][4:] == ["Consensus", "Selected"]
        body = rows[1:]
        assert [row[1] for row in body] == [i.text for i in plan_stage.items]
        ranks = [int(row[0]) for row in body]
        assert ranks == sorted(ranks)
    goals = table_texts(tables[[s.key for s in stages].index("goals")])
    assert goals[0] == APPENDIX_COLUMNS
    assert [row[1] for row in goals[1:4]] == list(GOALS)


def test_a_crowded_stage_has_one_row_per_idea_in_rank_order() -> None:
    doc = read(crowded_plan(200))
    (table,) = appendix_tables(doc)
    body = table.rows[1:]
    assert len(body) == 200
    texts = [[cell.text for cell in row.cells] for row in body]
    assert [int(row[0]) for row in texts] == list(range(1, 201))
    assert [row[1][:15] for row in texts] == [f"Idea number {n:03d}" for n in range(1, 201)]
    bold = [any(run.bold for run in row.cells[1].paragraphs[0].runs) for row in body]
    assert bold == [n <= 5 for n in range(1, 201)]
    shaded = [bool(row._tr.xpath("./w:tc/w:tcPr/w:shd")) for row in body]
    assert shaded == bold


def test_every_table_repeats_its_header_row(final: DocxDocument) -> None:
    assert len(final.tables) >= 5
    for table in final.tables:
        flags = [bool(row._tr.xpath("./w:trPr/w:tblHeader")) for row in table.rows]
        assert flags[0]
        assert not any(flags[1:])


def test_numeric_columns_are_right_aligned_and_columns_fill_the_page(final: DocxDocument) -> None:
    table = appendix_tables(final)[0]
    for row in table.rows:
        aligns = [cell.paragraphs[0].alignment for cell in row.cells]
        # Rank, dots and score are numbers; consensus reads "0.31 split" or "n/a".
        assert aligns[0] == aligns[2] == aligns[3] == WD_ALIGN_PARAGRAPH.RIGHT
        assert WD_ALIGN_PARAGRAPH.RIGHT not in (aligns[1], aligns[4], aligns[5])
    widths = [column.width for column in table.columns]
    assert all(width is not None for width in widths)
    rank, idea = int(widths[0] or 0), int(widths[1] or 0)
    assert idea > 4 * rank
    section_ = final.sections[0]
    text_width = int(section_.page_width or 0) - int(section_.left_margin or 0)
    text_width -= int(section_.right_margin or 0)
    assert sum(int(w or 0) for w in widths) == pytest.approx(text_width, rel=0.01)
    for row in table.rows:
        assert row._tr.xpath("./w:trPr/w:cantSplit")


@pytest.mark.parametrize(
    "text",
    [ACCENTS, GREEK, CYRILLIC, EMOJI, SCRIPT, BOLD, LONG],
    ids=["accents", "greek", "cyrillic", "emoji", "script", "bold", "long"],
)
def test_user_text_survives_exactly(final: DocxDocument, text: str) -> None:
    assert any(text in found for found in every_text(final))


def test_markup_in_user_text_stays_literal(final: DocxDocument) -> None:
    projects = [p for p in section(final, "Projects") if style_of(p) == "List Number"]
    script, bold = projects[1], projects[2]
    assert script.text == SCRIPT
    assert bold.text == BOLD
    assert not any(run.bold for run in bold.runs)
    cells = [cell.text for t in appendix_tables(final) for row in t.rows for cell in row.cells]
    assert LONG in cells  # whole, in one cell


def test_user_text_never_becomes_a_field_or_a_link(final: DocxDocument) -> None:
    body = final.element.body
    instructions = [" ".join(str(t).split()) for t in body.xpath(".//w:instrText/text()")]
    assert instructions == ['TOC \\o "1-2" \\h \\z \\u']
    assert not body.xpath(".//w:fldSimple")
    # the only links are the contents' entries, to bookmarks inside the document
    links = body.xpath(".//w:hyperlink")
    assert len(links) == len(contents_entries(final))
    assert all(link.get(qn("w:anchor")).startswith("_Toc") for link in links)
    assert not body.xpath(".//w:hyperlink/@r:id")
    assert not final.part.rels or all(not rel.is_external for rel in final.part.rels.values())
    footer = final.sections[0].footer._element
    assert [str(t).strip() for t in footer.xpath(".//w:instrText/text()")] == [
        "PAGE",
        "NUMPAGES",
    ]


def test_the_cover_has_no_page_number_and_other_pages_carry_the_version(
    final: DocxDocument,
) -> None:
    (sec,) = final.sections
    assert sec.different_first_page_header_footer
    for part in (sec.first_page_header, sec.first_page_footer):
        assert not part.is_linked_to_previous
        assert not part._element.xpath(".//w:instrText | .//w:fldSimple")
        assert not "".join(p.text for p in part.paragraphs).strip()
    assert [p.text for p in sec.header.paragraphs] == ["Version 1 · published 2026-12-01"]
    assert [p.text for p in sec.footer.paragraphs] == ["Page 1 of 1"]  # fields' shown results


def test_a_review_carries_its_version_on_every_page_and_in_its_title() -> None:
    plan = replace(
        full_plan(),
        version=2,
        published_at="2026-12-03T09:15:00+00:00",
        note="Links fixed",
    )
    doc = read(plan)
    line = "Version 2 · published 2026-12-03"
    assert [p.text for p in doc.sections[0].header.paragraphs] == [line]
    assert doc.core_properties.title == f"{title_line(plan)} · {line}"
    moment = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
    assert doc.core_properties.created == doc.core_properties.modified == moment


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
    later = time.time() + 3 * 86400 + 17
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_docx(full_plan()) == first
    assert render_docx(full_plan(draft=True)) == render_docx(full_plan(draft=True))
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        stamps = {info.date_time for info in archive.infolist()}
        names = archive.namelist()
    assert stamps == {(2026, 12, 1, 16, 30, 0)}
    assert "docProps/thumbnail.jpeg" not in names


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
    assert doc.core_properties.title == title_line(plan)[:255].replace("\x01", "")
    goal = next(p for p in doc.paragraphs if style_of(p) == "List Number")
    assert goal.text == "Bell null tab\there\nnext line  end"


def test_the_registry_serves_this_renderer() -> None:
    data = RENDERERS["docx"].render(crowded_plan(20))
    assert data.startswith(b"PK")
    assert len(appendix_tables(Document(io.BytesIO(data)))[0].rows) == 21


def test_the_pages_are_a4_like_the_pdf(final: DocxDocument) -> None:
    section = final.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
