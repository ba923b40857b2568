"""The plan as PDF, read back with pypdf as an independent reader.

Text extraction breaks wrapped text into lines, so most checks fold whitespace first
(`flat`). Each test asserts something a reader of the PDF would notice: the sections in
order, the words as typed, the map as a drawing, the draft mark on every page.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream

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
    big_plan,
    board_plan,
    crowded_plan,
    full_plan,
    item,
    stage,
)
from workshop.plan import GAP_LABELS, PlanDocument, PlanItem, assemble_plan
from workshop.plan.layout import (
    DRAFT_NOTICE,
    Heading,
    Paragraph,
    StrategyPage,
    Table,
    control_line,
    layout,
    title_line,
)
from workshop.plan.mapgeom import alignment_map
from workshop.plan.pdf import MORE, render_pdf
from workshop.plan.renderers import RENDERERS

A4_WIDTH = 595.28
LONGEST_LINE = 115
"""More characters than any line of the PDF holds at its smallest text size."""


def flat(text: str) -> str:
    return " ".join(text.split())


def drawn(text: str) -> str:
    """Text as the PDF draws it: every character of the samples, emoji included (issue 15:
    the bundled Noto fonts draw what DejaVu lacks)."""
    return text


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in reader(data).pages]


def whole(data: bytes) -> str:
    return flat(" ".join(page_texts(data)))


def positions(text: str, needles: list[str], start: int = 0) -> list[int]:
    """Where each needle is first found at or after `start`; fails on a missing one."""
    found = []
    for needle in needles:
        at = text.find(needle, start)
        assert at >= 0, f"{needle!r} not found after position {start}"
        found.append(at)
    return found


def text_runs(page: PageObject) -> list[tuple[str, float, float]]:
    """Each piece of upright text on the page with where it starts (x, y in points)."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and cm[1] == 0 and tm[1] == 0:
            x = float(cm[0]) * float(tm[4]) + float(cm[4])
            y = float(cm[3]) * float(tm[5]) + float(cm[5])
            runs.append((text.strip(), x, y))

    page.extract_text(visitor_text=visit)
    return runs


def paths(pdf: PdfReader, page: PageObject) -> list[tuple[list[bytes], bytes]]:
    """The page's vector paths: the operators that build each one, and how it is painted."""
    found: list[tuple[list[bytes], bytes]] = []
    building: list[bytes] = []
    for _, operator in ContentStream(page.get_contents(), pdf).operations:
        if operator in (b"m", b"l", b"c", b"h", b"re"):
            building.append(operator)
        elif operator in (b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"n"):
            found.append((building, operator))
            building = []
    return found


def section_page(pdf: PdfReader, title: str) -> int:
    """The index of the page a top-level bookmark opens."""
    entry = next(e for e in pdf.outline if not isinstance(e, list) and e.title == title)
    number = pdf.get_destination_page_number(entry)
    assert number is not None
    return number


def titles(outline_items: list[Any]) -> list[Any]:
    """pypdf's outline as nested lists of titles."""
    return [titles(entry) if isinstance(entry, list) else entry.title for entry in outline_items]


@pytest.fixture(scope="module")
def final() -> bytes:
    return render_pdf(full_plan())


@pytest.fixture(scope="module")
def draft() -> bytes:
    return render_pdf(full_plan(draft=True))


@pytest.fixture(scope="module")
def crowded() -> bytes:
    return render_pdf(crowded_plan(200))


def test_it_is_a_pdf_with_the_plans_title(final: bytes) -> None:
    assert final.startswith(b"%PDF-")
    pdf = reader(final)
    assert len(pdf.pages) >= 4
    assert pdf.metadata is not None
    assert pdf.metadata.title == f"{title_line(full_plan())} · Version 1 · published 2026-12-01"
    assert pdf.metadata.author == "Acme Ports & Co"
    assert pdf.metadata.creation_date == FINISHED_AT
    assert RENDERERS["pdf"].render(full_plan()) == final
    for page in pdf.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_WIDTH, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)


def test_cover_page_has_title_organisation_and_facts(final: bytes) -> None:
    cover = flat(page_texts(final)[0])
    plan = full_plan()
    assert "STRATEGIC PLAN" in cover
    assert plan.title in cover
    assert "Acme Ports & Co" in cover
    assert "Horizon: 2026\u20132031 (5 years)" in cover
    assert "Facilitated by Ana Ñúñez" in cover
    assert "12 participants · 48 contributions" in cover
    assert "Executive summary" not in cover


def test_header_and_page_numbers_on_every_page_after_the_cover(final: bytes) -> None:
    pages = page_texts(final)
    running = title_line(full_plan())
    assert "Page 1 of" not in pages[0]
    assert running not in flat(pages[0])
    for number, text in enumerate(pages[1:], 2):
        assert f"Page {number} of {len(pages)}" in text
        assert running in flat(text)


def test_goals_in_rank_order_under_their_heading(final: bytes) -> None:
    text = whole(final)
    section = text.index("Strategic goals", text.index("Vision, Mission and Values"))
    goals = positions(text, [f"{n}. {goal}" for n, goal in enumerate(GOALS, 1)], section)
    assert goals == sorted(goals)
    assert goals[-1] < text.index("Programs are long-term", section)


def test_project_charters_in_rank_order_in_their_section(final: bytes) -> None:
    text = whole(final)
    section = text.index("Projects are time-bound")
    projects = positions(text, [f"PROJECT CHARTER {p}" for p in PROJECTS], section)
    assert projects == sorted(projects)
    assert projects[-1] < text.index("Alignment map", section)
    # Each charter's rows sit below its title, before the next charter.
    assert projects[0] < text.index("Owner Jon Berg", section) < projects[1]
    assert projects[0] < text.index("Deliverables Tug in service; Charging berth") < projects[1]


def test_gaps_are_listed_under_gaps(final: bytes) -> None:
    plan = full_plan()
    text = whole(final)
    gaps_heading = text.index("Gaps", text.index("Alignment map"))
    listed = text[gaps_heading : text.index("Action plan", gaps_heading)]
    for gap in plan.gaps:
        assert GAP_LABELS[gap.kind] in listed
        assert drawn(gap.item) in listed
    for gap_text in GAP_TEXTS:
        assert gap_text in listed


def test_unicode_and_emoji_survive(final: bytes) -> None:
    text = whole(final)
    for sample in (ACCENTS, GREEK, CYRILLIC, "Port 2031 — Ωmega", "2026\u20132031", "⚠", "✔"):
        assert sample in text
    # The bundled Noto Emoji draws the rocket: nothing prints as U+FFFD any more.
    assert EMOJI in text
    assert "\ufffd" not in text


def test_user_text_is_never_markup(final: bytes) -> None:
    text = whole(final)
    assert SCRIPT in text
    assert BOLD in text
    assert '=HYPERLINK("http://evil.example","click")' in text


def test_rendering_is_silent_whatever_the_text(caplog: pytest.LogCaptureFixture) -> None:
    """No warnings (pytest turns them into errors) and no log lines from fpdf2 or fontTools,
    for glyphs the font lacks, invisible characters, and text the oblique face cannot draw
    (it has no Tifinagh: the runner-up note falls back to the upright face)."""
    plan = full_plan()
    odd = stage(
        "goals",
        "Strategic goals",
        [
            item(1, "Zero\u200dwidth 👍🏽 joiners\x07 and a bell", 1, selected=True),
            item(2, "Tifinagh: ⴰⵣⵓⵍ", 2),
            item(3, "Tab\tand\nnew line", 3),
        ],
    )
    with caplog.at_level(logging.INFO):
        data = render_pdf(
            replace(plan, stages=tuple(odd if s.key == "goals" else s for s in plan.stages))
        )
    noisy = [r for r in caplog.records if r.name.startswith(("fpdf", "fontTools"))]
    assert noisy == []
    text = whole(data)
    assert "Zero\u200dwidth 👍🏽 joiners and a bell" in text
    assert "\ufffd" not in text
    assert "Runners-up: Tifinagh: ⴰⵣⵓⵍ" in text
    assert "Tab and new line" in text


def test_long_text_wraps_within_the_page(final: bytes) -> None:
    for page in reader(final).pages:
        for line in page.extract_text().splitlines():
            assert len(line) <= LONGEST_LINE, line
        for text, x, _ in text_runs(page):
            assert 0 <= x < A4_WIDTH - 56, text
    # The 280 characters of the vision's runner-up come out whole, over several lines.
    assert LONG in whole(final)
    appendix = next(text for text in page_texts(final) if "Appendix" in text)
    assert sum("harbour crews" in line for line in appendix.splitlines()) >= 4


def test_a_word_longer_than_a_line_is_broken() -> None:
    word = "https://example.org/" + "x" * 400
    plan = assemble_plan(
        title="Long words",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=3,
        stages=[stage("goals", "Strategic goals", [item(1, word, 1, selected=True)])],
    )
    data = render_pdf(plan)
    assert word in "".join(whole(data).split())
    for text in page_texts(data):
        assert all(len(line) <= LONGEST_LINE for line in text.splitlines())


def test_crowded_appendix_lists_every_idea_in_rank_order(crowded: bytes) -> None:
    text = whole(crowded)
    appendix = text.index("Appendix: how each decision was made")
    ideas = positions(text, [f"Idea number {n:03d}" for n in range(1, 201)], appendix)
    assert ideas == sorted(ideas)


def test_a_long_table_repeats_its_header_on_every_page(crowded: bytes) -> None:
    pages = [flat(text) for text in page_texts(crowded)]
    start = next(n for n, text in enumerate(pages) if "Appendix" in text)
    spilled = [text for text in pages[start:] if "Idea number" in text]
    assert len(spilled) >= 4
    for text in spilled:
        header = text.find("Rank Idea Dots Score (dots) Consensus Selected")
        assert 0 <= header < text.index("Idea number")


def test_numbers_are_right_aligned(crowded: bytes) -> None:
    page = next(p for p in reader(crowded).pages if "Idea number 010" in p.extract_text())
    ranks = {text: x for text, x, _ in text_runs(page) if text in ("9", "10") and x < 100}
    assert ranks["10"] < ranks["9"] - 2


def test_draft_is_marked_on_every_page(draft: bytes) -> None:
    pages = page_texts(draft)
    assert len(pages) >= 4
    for text in pages:
        assert "DRAFT" in text
    assert DRAFT_NOTICE in flat(pages[0])


def test_final_plan_never_says_draft(final: bytes) -> None:
    for text in page_texts(final):
        assert "DRAFT" not in text
    metadata = reader(final).metadata
    assert metadata is not None
    assert "DRAFT" not in str(dict(metadata))


def test_alignment_map_is_a_drawing(final: bytes) -> None:
    plan = full_plan()
    drawing = alignment_map(plan)
    assert drawing is not None
    items = [entry for part in drawing.parts for entry in part.items]
    pdf = reader(final)
    number = section_page(pdf, "Alignment map")
    page = pdf.pages[number]
    text = flat(page.extract_text())
    for entry in items:
        assert entry.level.upper() in text
        assert flat(drawn(entry.wording)) in text
        for flag in entry.flags:
            assert f"⚠ {drawn(flag)}" in text
    shapes = paths(pdf, page)
    # One rounded box (four corner curves, filled and stroked) per item and the vision's, and
    # one stroked polyline from each item to each parent it has in its part.
    boxes = [ops for ops, paint in shapes if ops.count(b"c") == 4 and paint == b"B"]
    lines = [
        ops for ops, paint in shapes if ops[:1] == [b"m"] and b"c" not in ops and paint == b"S"
    ]
    assert len(boxes) == len(items) + 1
    assert len(lines) >= sum(len(entry.parents) for entry in items)
    assert not [ops for ops, _ in paths(pdf, pdf.pages[number - 1]) if b"c" in ops]


def test_each_item_is_drawn_once_and_flagged_boxes_are_red(final: bytes) -> None:
    plan = full_plan()
    drawing = alignment_map(plan)
    assert drawing is not None
    pdf = reader(final)
    page = pdf.pages[section_page(pdf, "Alignment map")]
    text = flat(page.extract_text())
    for part in drawing.parts:
        for entry in part.items:
            assert text.count(flat(drawn(entry.wording))) >= 1
    assert "Not connected to any goal" in text
    # Flagged boxes are stroked in the gap red (150, 24, 24).
    contents = page.get_contents()
    assert contents is not None
    assert b"0.5882 0.0941 0.0941 RG" in contents.get_data()


def test_bookmarks_list_the_sections(final: bytes) -> None:
    pdf = reader(final)
    tree = titles(pdf.outline)
    top = [entry for entry in tree if isinstance(entry, str)]
    blocks = layout(full_plan())
    assert top == [b.text for b in blocks if isinstance(b, Heading) and b.level == 2]
    assert top[0] == "Strategy on a page"
    under_goals = tree[tree.index("Strategic goals") + 1]
    assert under_goals == [f"{n}. {goal}" for n, goal in enumerate(GOALS, 1)]
    # Each bookmark opens the page its heading is on.
    for title in top:
        assert title in flat(pdf.pages[section_page(pdf, title)].extract_text())


def test_same_plan_same_bytes(final: bytes, draft: bytes) -> None:
    assert render_pdf(full_plan()) == final
    assert render_pdf(full_plan(draft=True)) == draft
    assert draft != final


def test_six_hundred_ideas_in_one_stage_all_reach_the_appendix() -> None:
    # How long this takes is measured by bench/plan.py, not here.
    plan: PlanDocument = crowded_plan(600)
    text = whole(render_pdf(plan))
    assert "Idea number 600" in text
    places = [text.index(f"Idea number {n:03d}") for n in (1, 250, 600)]
    assert places == sorted(places)


def test_an_empty_plan_still_renders() -> None:
    plan = assemble_plan(
        title="Nothing decided",
        organization=None,
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=0,
        stages=[stage("goals", "Strategic goals", [], completed=False)],
    )
    text = whole(render_pdf(plan))
    assert "Nothing decided" in text
    assert "This stage was not completed in the workshop" in text


# ---- the board's document: the strategy page, the map's parts, page breaks, document control

HEADER_Y = 790.0
"""Text above this (PDF y, from the bottom) is the running header."""
FOOTER_Y = 50.0
"""Text below this is the running footer."""


@pytest.fixture(scope="module")
def board() -> bytes:
    return render_pdf(board_plan())


@pytest.fixture(scope="module")
def big() -> bytes:
    return render_pdf(big_plan())


PLANS: dict[str, Callable[[], PlanDocument]] = {
    "full": full_plan,
    "board": board_plan,
    "big": big_plan,
    "crowded": crowded_plan,
    "draft": lambda: full_plan(draft=True),
}
"""The sample plans the module's rendered fixtures hold, by fixture name."""


def strategy_page(plan: PlanDocument) -> StrategyPage:
    return next(b for b in layout(plan) if isinstance(b, StrategyPage))


def top_headings(plan: PlanDocument) -> list[str]:
    return [b.text for b in layout(plan) if isinstance(b, Heading) and b.level == 2]


def content_runs(page: PageObject) -> list[tuple[str, float, float]]:
    """The page's text between its running header and footer."""
    return [run for run in text_runs(page) if FOOTER_Y < run[2] < HEADER_Y]


def wordy(plan: PlanDocument) -> PlanDocument:
    """The plan with every statement, goal and action worded three times as long."""

    def longer(item: PlanItem) -> PlanItem:
        return replace(item, fields={**item.fields, "text": " ".join([item.wording] * 3)})

    return replace(
        plan,
        stages=tuple(
            replace(s, items=tuple(longer(i) for i in s.items))
            if s.key in ("vision", "mission", "values", "goals", "actions")
            else s
            for s in plan.stages
        ),
    )


def assert_strategy_on_one_page(plan: PlanDocument, data: bytes) -> None:
    pdf = reader(data)
    number = section_page(pdf, "Strategy on a page")
    page = flat(pdf.pages[number].extract_text())
    block = strategy_page(plan)
    wanted = [block.vision or "", block.mission or ""] + [goal.text for goal in block.goals]
    wanted += [what for what, _, _ in block.first_actions]
    if MORE not in page:  # shrunk to fit: every goal and action on it
        for text in wanted:
            assert flat(drawn(text)) in page
    else:  # even the smallest type did not hold it all: the vision at least
        assert flat(drawn(wanted[0])) in page
    headings = top_headings(plan)
    following = headings[headings.index("Strategy on a page") + 1]
    assert following not in page
    assert section_page(pdf, following) == number + 1
    assert flat(pdf.pages[number + 1].extract_text()).find(following) >= 0


@pytest.mark.parametrize("name", ["full", "board", "big"])
def test_the_strategy_page_is_one_page(name: str, final: bytes, board: bytes, big: bytes) -> None:
    plan = PLANS[name]()
    assert_strategy_on_one_page(plan, {"full": final, "board": board, "big": big}[name])


def test_a_wordy_strategy_page_is_shrunk_to_one_page() -> None:
    plan = wordy(board_plan())
    data = render_pdf(plan)
    assert_strategy_on_one_page(plan, data)
    # It fits by smaller type, not by leaving things out.
    page = reader(data).pages[section_page(reader(data), "Strategy on a page")]
    assert MORE not in page.extract_text()


@pytest.mark.parametrize("name", ["full", "board", "big"])
def test_every_map_part_is_on_a_single_page(
    name: str, final: bytes, board: bytes, big: bytes
) -> None:
    plan = PLANS[name]()
    pages = [flat(text) for text in page_texts({"full": final, "board": board, "big": big}[name])]
    drawing = alignment_map(plan)
    assert drawing is not None
    start = pages.index(next(p for p in pages if "How to read the map" in p))
    first = None
    for part in drawing.parts:
        holding = [
            n
            for n, text in enumerate(pages)
            if n >= start
            and text.count(part.title) >= 1
            and all(flat(drawn(entry.wording)) in text for entry in part.items)
        ]
        assert holding, part.title
        first = holding[0] if first is None else first
    # The vision box sits on the page of the first part.
    assert drawing.vision is None or flat(drawn(drawing.vision)) in pages[first or 0]


@pytest.mark.parametrize("name", ["full", "board", "big", "crowded", "draft"])
def test_no_page_ends_with_a_heading(
    name: str, final: bytes, board: bytes, big: bytes, crowded: bytes, draft: bytes
) -> None:
    plan = PLANS[name]()
    data = {"full": final, "board": board, "big": big, "crowded": crowded, "draft": draft}[name]
    blocks = layout(plan)
    headings = {flat(b.text) for b in blocks if isinstance(b, Heading)}
    # A line that introduces the next block ("Served by:", a gap kind) must not end a page
    # either.
    headings |= {
        flat(b.text)
        for b, after in pairwise(blocks)
        if isinstance(b, Paragraph)
        and (b.style == "lead" or b.text.endswith(":"))
        and not isinstance(after, Heading)
    }
    pages = reader(data).pages
    for number, page in enumerate(pages[:-1]):
        runs = content_runs(page)
        if not runs:
            continue
        last = min(runs, key=lambda run: run[2])[0]
        assert not any(
            heading == last or (heading.startswith(last) and len(last) >= 20)
            for heading in headings
        ), f"page {number + 1} ends with the heading {last!r}"


@pytest.mark.parametrize("name", ["full", "board", "big"])
def test_nowrap_cells_are_on_one_line(name: str, final: bytes, board: bytes, big: bytes) -> None:
    """Dates, amounts and numbers of every table stand whole on one line ("2027-01-15",
    never "2027-01-/15")."""
    plan = PLANS[name]()
    data = {"full": final, "board": board, "big": big}[name]
    runs = {text for page in reader(data).pages for text, _, _ in text_runs(page)}
    checked = 0
    for block in layout(plan):
        if not isinstance(block, Table):
            continue
        for n, nowrap in enumerate(block.nowrap):
            for row in block.rows if nowrap else ():
                if n < len(row) and row[n].strip():
                    assert flat(drawn(row[n])) in runs, row[n]
                    checked += 1
    assert checked > 10
    dates = re.compile(r"\d{4}-\d{2}-\d{2}")
    assert any(dates.fullmatch(text) for text in runs)
    assert not [t for t in runs if re.fullmatch(r"\d{4}-(\d{2}-?)?", t)]


def test_the_version_is_in_the_title_and_on_every_page() -> None:
    plan = replace(
        board_plan(), version=2, published_at="2026-12-08T09:15:00+00:00", note="Links fixed"
    )
    data = render_pdf(plan)
    pdf = reader(data)
    assert control_line(plan) == "Version 2 · published 2026-12-08"
    assert pdf.metadata is not None
    assert pdf.metadata.title == f"{title_line(plan)} · Version 2 · published 2026-12-08"
    assert pdf.metadata.author == plan.organization
    assert pdf.metadata.creation_date == datetime(2026, 12, 8, 9, 15, tzinfo=UTC)
    assert "version 2" in (pdf.metadata.subject or "").lower()
    for text in page_texts(data):
        assert "Version 2 · published 2026-12-08" in flat(text)
    assert render_pdf(plan) == data


def test_a_draft_says_draft_in_its_title_and_on_every_page(draft: bytes) -> None:
    pdf = reader(draft)
    assert pdf.metadata is not None
    assert "DRAFT" in (pdf.metadata.title or "")
    for text in page_texts(draft):
        assert control_line(full_plan(draft=True)) in flat(text)


def test_table_rows_never_split_across_pages(big: bytes) -> None:
    """Every row of the 40-project plan's tables is whole on one page: its flags (under the
    wording) are on the page of its first cell."""
    plan = big_plan()
    pages = [flat(text) for text in page_texts(big)]
    for block in layout(plan):
        if not isinstance(block, Table) or not block.flags:
            continue
        for row, flags in zip(block.rows, block.flags, strict=False):
            if not flags:
                continue
            first = flat(drawn(row[1] if len(row) > 1 else row[0]))[:30]
            assert any(
                first in page and all(drawn(f)[:20] in page for f in flags) for page in pages
            )
