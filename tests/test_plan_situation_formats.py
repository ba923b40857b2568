"""The situation analysis and the risks in every format of the plan (issue 17): the SWOT as a
2x2 of the selected items with their support, the PESTLE as a table, what each goal builds on
and answers, the risks' likelihood x impact grid with each risk's threats and mitigations, and
the threat no goal answers as a gap and on the strategy page.

Built straight from the document model (as `plan_samples.py`), so each renderer is read back
against exactly what it was given: Markdown as text, HTML parsed, the PDF read back with pypdf
and the DOCX with python-docx.
"""

from __future__ import annotations

import io
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from playwright.sync_api import Browser
from pypdf import PdfReader

from tests.plan_samples import BOLD, FINISHED_AT, SCRIPT, full_plan, item, stage
from workshop.core import levels
from workshop.plan import PlanDocument, PlanItem, assemble_plan
from workshop.plan import layout as lay
from workshop.plan.document import GAP_LABELS
from workshop.plan.html import SITUATION_CSS, render_html
from workshop.plan.mapgeom import alignment_map
from workshop.plan.markdown import render_markdown
from workshop.plan.pdf import render_pdf
from workshop.plan.register_csv import render_register
from workshop.plan.word import render_docx

RISK_SCALES = (
    {"key": "likelihood", "label": "Likelihood", "low": "rare", "high": "almost certain"},
    {"key": "impact", "label": "Impact", "low": "minor", "high": "severe"},
)
RISK_QUADRANTS = {
    "big_bet": "Act now",
    "money_pit": "Plan a response",
    "quick_win": "Watch",
    "fill_in": "Accept",
}

STRENGTHS = ("Skilled harbour crews", "Deep-water berth")
WEAKNESSES = ("Ageing cranes",)
OPPORTUNITIES = ("EU green-port funding",)
THREATS = ("Rising fuel prices", "New rival terminal")  # the rival terminal: no goal answers it
PESTLE_ITEMS = {"political": "Port authority elections", "environmental": "Flooding risk"}
GOALS = ("Electrify every crane", "Win the green-port grant")
PROJECTS = ("Pilot an electric tug", "Flood barrier")
RISKS = (
    ("Battery supplier fails", 4.2, 4.5, "big_bet"),  # threatens goal 1, mitigated by project 1
    ("Grant rules change", 2.0, 4.0, "money_pit"),  # threatens goal 2, no mitigation
    ("Crane delivery slips", 4.0, 2.0, "quick_win"),  # threatens the tug project
    ("Minor permit delay", 1.5, 1.5, "fill_in"),
    ("Unmitigated storm", 4.8, 4.6, "big_bet"),  # high, nothing mitigates it: a gap
)


def categorised(
    idea_id: int, text: str, rank: int, category: str, *, votes: int = 0, **fields: object
) -> PlanItem:
    return replace(
        item(idea_id, text, rank, selected=True, votes=votes, score=votes, **fields),
        category=category,
    )


def situation_plan(
    *, strength: str = STRENGTHS[0], threat: str = THREATS[0], rated: bool = True
) -> PlanDocument:
    """A SWOT, a PESTLE, goals answering some threats (and building on `strength`,
    answering `threat`), projects and risks (rated on likelihood x impact when `rated`)."""
    swot = [
        categorised(101, strength, 1, "strengths", votes=7),
        categorised(102, STRENGTHS[1], 2, "strengths", votes=4),
        categorised(103, WEAKNESSES[0], 1, "weaknesses", votes=6),
        categorised(104, OPPORTUNITIES[0], 1, "opportunities", votes=5),
        categorised(105, threat, 1, "threats", votes=8),
        categorised(106, THREATS[1], 2, "threats", votes=3),
    ]
    situation = replace(stage("situation", "SWOT analysis", swot), categories=tuple(levels.SWOT))
    pestle = [
        categorised(111, PESTLE_ITEMS["political"], 1, "political", votes=3),
        categorised(112, PESTLE_ITEMS["environmental"], 2, "environmental", votes=5),
    ]
    environment = replace(
        stage("environment", "PESTLE scan", pestle), categories=tuple(levels.PESTLE)
    )
    goals = stage(
        "goals",
        "Strategic goals",
        [
            # builds on the crews, answers the cranes and fuel prices, responds to flooding
            item(120, GOALS[0], 1, selected=True, votes=9, score=9, links=(101, 103, 105, 112)),
            item(121, GOALS[1], 2, selected=True, votes=6, score=6, links=(104,)),
        ],
    )
    projects = stage(
        "projects",
        "Projects",
        [
            item(130, PROJECTS[0], 1, selected=True, links=(120,), owner="Jon", due="2027-06-30"),
            item(131, PROJECTS[1], 2, selected=True, links=(121,), owner="Li", due="2027-09-30"),
        ],
    )
    threatens = {0: (120,), 1: (121,), 2: (130,), 3: (120,), 4: (120, 131)}
    risks = replace(
        stage(
            "risks",
            "Risks",
            [
                replace(
                    item(140 + n, text, n + 1, selected=True, links=threatens[n]),
                    measures={"likelihood": likelihood, "impact": impact} if rated else {},
                    quadrant=quadrant if rated else None,
                    mitigated_by=(130,) if n == 0 else (),
                )
                for n, (text, likelihood, impact, quadrant) in enumerate(RISKS)
            ],
            label="mean impact",
        ),
        scales=RISK_SCALES if rated else (),
        quadrants=RISK_QUADRANTS if rated else {},
    )
    return assemble_plan(
        title="Port 2031",
        organization="Acme Ports",
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=9,
        stages=[situation, environment, goals, projects, risks],
        aligned=True,
    )


# ---------------------------------------------------------------------------------- readers

SWOT_CELLS = {
    "Strengths": [f"{STRENGTHS[0]} (7 dots)", f"{STRENGTHS[1]} (4 dots)"],
    "Weaknesses": [f"{WEAKNESSES[0]} (6 dots)"],
    "Opportunities": [f"{OPPORTUNITIES[0]} (5 dots)"],
    "Threats": [f"{THREATS[0]} (8 dots)", f"{THREATS[1]} (3 dots) {lay.UNANSWERED_MARK}"],
}
"""What each quadrant of the SWOT lists, in rank order: the item with its support, and the
threat no goal answers marked."""
RISK_CELLS = {
    "Act now": [RISKS[0][0], f"{RISKS[4][0]} {lay.UNMITIGATED_MARK}"],
    "Plan a response": [RISKS[1][0]],
    "Watch": [RISKS[2][0]],
    "Accept": [RISKS[3][0]],
}
RELATION_LINES = (
    f"Builds on: {STRENGTHS[0]}",
    f"Answers: {WEAKNESSES[0]}; {THREATS[0]}",
    f"Responds to: {PESTLE_ITEMS['environmental']}",
    f"Builds on: {OPPORTUNITIES[0]}",
)
RISK_RECORDS = {
    RISKS[0][0]: {
        "Quadrant": "Act now",
        "Likelihood": "4.2 (1 rare to 5 almost certain)",
        "Impact": "4.5 (1 minor to 5 severe)",
        "Threatens": f"Goal: {GOALS[0]}",
        "Mitigated by": f"Project: {PROJECTS[0]}",
    },
    RISKS[2][0]: {"Quadrant": "Watch", "Threatens": f"Project: {PROJECTS[0]}"},
    RISKS[4][0]: {
        "Quadrant": "Act now",
        "Threatens": f"Goal: {GOALS[0]}; Project: {PROJECTS[1]}",
        "Mitigated by": "no project yet",
    },
}
LEFT_UNANSWERED = f"Left unanswered: {THREATS[1]}"


def columns_of(rows: list[list[str]]) -> dict[str, list[str]]:
    """A table read back (header row first) as its columns: header -> non-empty cells."""
    header, *body = rows
    return {
        name: [row[n] for row in body if n < len(row) and row[n].strip()]
        for n, name in enumerate(header)
    }


QUADRANT_NAMES = {*SWOT_CELLS, *RISK_CELLS}


def grids(tables: list[list[list[str]]]) -> dict[str, list[str]]:
    """The columns of every table headed by two quadrants (the SWOT's, the risks')."""
    found: dict[str, list[str]] = {}
    for rows in tables:
        if rows and len(rows[0]) == 2 and set(rows[0]) <= QUADRANT_NAMES:
            found.update(columns_of(rows))
    return found


def records(tables: list[list[list[str]]]) -> list[dict[str, str]]:
    """Every two-column Field/Value record (a charter, a risk) as a dict."""
    found = []
    for rows in tables:
        if rows and len(rows[0]) == 2:
            found.append({row[0]: row[1] for row in rows if len(row) == 2})
    return found


def flat(text: str) -> str:
    return " ".join(text.split())


class HtmlTables(HTMLParser):
    """The HTML's tables as rows of cell texts, and its text outside them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._depth = 0
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "svg", "title"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg", "title"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(flat("".join(self._cell)))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def html_read(plan: PlanDocument) -> HtmlTables:
    parser = HtmlTables()
    parser.feed(render_html(plan))
    return parser


def docx_tables(doc: DocxDocument) -> list[list[list[str]]]:
    return [[[flat(cell.text) for cell in row.cells] for row in table.rows] for table in doc.tables]


def docx_text(doc: DocxDocument) -> str:
    return flat(" ".join(p.text for p in doc.paragraphs))


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def plan() -> PlanDocument:
    return situation_plan()


@pytest.fixture(scope="module")
def markdown(plan: PlanDocument) -> str:
    return render_markdown(plan)


@pytest.fixture(scope="module")
def html(plan: PlanDocument) -> HtmlTables:
    return html_read(plan)


@pytest.fixture(scope="module")
def pdf_pages(plan: PlanDocument) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(render_pdf(plan))).pages]


@pytest.fixture(scope="module")
def word(plan: PlanDocument) -> DocxDocument:
    return Document(io.BytesIO(render_docx(plan)))


def markdown_tables(text: str) -> list[list[list[str]]]:
    """The Markdown's pipe tables as rows of cells (the alignment row left out)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("| "):
            cells = [flat(cell) for cell in line.strip()[2:-2].split(" | ")]
            if all(set(cell) <= set("-:") for cell in cells):
                continue
            if current is None:
                current = []
                tables.append(current)
            current.append(cells)
        else:
            current = None
    return tables


# ---------------------------------------------------------------------------------- layout


def test_the_plan_knows_the_gaps_this_test_reads(plan: PlanDocument) -> None:
    kinds = {(gap.kind, gap.item) for gap in plan.gaps}
    assert ("unanswered_threat", THREATS[1]) in kinds
    assert ("unmitigated_risk", RISKS[4][0]) in kinds
    assert not any(gap.kind == "unanswered_threat" and gap.item == THREATS[0] for gap in plan.gaps)


def test_the_sections_come_in_reading_order_and_situation_stages_are_not_custom(
    plan: PlanDocument,
) -> None:
    sections = [b.text for b in lay.layout(plan) if isinstance(b, lay.Heading) and b.level == 2]
    assert sections.index("Situation") < sections.index("Strategic goals")
    assert sections.index("Projects") < sections.index("Risks") < sections.index("Gaps")
    assert "SWOT analysis" not in sections and "PESTLE scan" not in sections
    assert sections.count("Risks") == 1


# ---------------------------------------------------------------------------------- formats


def test_markdown_shows_the_swot_goals_risks_and_the_unanswered_threat(markdown: str) -> None:
    tables = markdown_tables(markdown)
    quadrants = grids(tables)
    for name, cells in {**SWOT_CELLS, **RISK_CELLS}.items():
        assert quadrants[name] == cells, name
    pestle = next(rows for rows in tables if rows[0] == ["Factor", "Item", "Support"])
    assert ["Political", PESTLE_ITEMS["political"], "3 dots"] in pestle
    assert ["Environmental", PESTLE_ITEMS["environmental"], "5 dots"] in pestle
    for line in RELATION_LINES:
        assert f"\n{line}\n" in markdown
    found = records(tables)
    for risk, rows in RISK_RECORDS.items():
        assert any(rows.items() <= record.items() for record in found), risk
    strategy = markdown.split("## Strategy on a page")[1].split("\n## ")[0]
    assert f"**Left unanswered:** {THREATS[1]}" in strategy
    gaps = markdown.split("\n## Gaps")[1].split("\n## ")[0]
    assert f"**{GAP_LABELS['unanswered_threat']} (1)**" in gaps
    assert f"- {THREATS[1]}" in gaps
    assert f"**{GAP_LABELS['unmitigated_risk']} (1)**" in gaps


def test_html_shows_the_swot_goals_risks_and_the_unanswered_threat(html: HtmlTables) -> None:
    quadrants = grids(html.tables)
    for name, cells in {**SWOT_CELLS, **RISK_CELLS}.items():
        assert quadrants[name] == cells, name
    text = flat(" ".join(html.text))
    for line in RELATION_LINES:
        assert line in text
    # a risk's record is a charter card (a definition list): read from the text
    for risk, rows in RISK_RECORDS.items():
        card = text.split(f"Risk {risk}")[1][:400]
        for label, value in rows.items():
            assert f"{label} {value}" in card, (risk, label)
    strategy = text.split("Strategy on a page")[1].split("Roadmap by year")[0]
    assert LEFT_UNANSWERED in strategy
    gaps = text.split("Gaps")[-1]
    assert f"{GAP_LABELS['unanswered_threat']} (1) {THREATS[1]}" in gaps


def test_pdf_shows_the_swot_goals_risks_and_the_unanswered_threat(pdf_pages: list[str]) -> None:
    strategy = next(page for page in pdf_pages if "Strategy on a page" in page)
    assert LEFT_UNANSWERED in strategy
    situation = next(page for page in pdf_pages if "Situation" in page and "SWOT" in page)
    for name, cells in SWOT_CELLS.items():
        assert name in situation
        for cell in cells:
            assert cell.split(" ⚠")[0] in situation, cell
    assert "Political Port authority elections 3 dots" in situation
    everything = " ".join(pdf_pages)
    for line in RELATION_LINES:
        assert line in everything
    grid = next(page for page in pdf_pages if "Likelihood and impact" in page)
    assert "Act now Plan a response" in grid and "Watch Accept" in grid
    assert f"{RISKS[0][0]} {RISKS[1][0]}" in grid  # side by side in the first row
    assert f"{RISKS[2][0]} {RISKS[3][0]}" in grid
    for risk, rows in RISK_RECORDS.items():
        card = everything.split(f"RISK {risk}")[1][:400]
        for label, value in rows.items():
            assert f"{label} {value}" in card, (risk, label)
    gaps = everything.split("Gaps")[-1]
    assert f"{GAP_LABELS['unanswered_threat']} (1)" in gaps and THREATS[1] in gaps


def test_docx_shows_the_swot_goals_risks_and_the_unanswered_threat(word: DocxDocument) -> None:
    tables = docx_tables(word)
    quadrants = grids(tables)
    for name, cells in {**SWOT_CELLS, **RISK_CELLS}.items():
        assert quadrants[name] == cells, name
    pestle = next(rows for rows in tables if rows[0] == ["Factor", "Item", "Support"])
    assert ["Legal", "nothing selected", ""] in pestle
    text = docx_text(word)
    for line in RELATION_LINES:
        assert line in text
    found = records(tables)
    for risk, rows in RISK_RECORDS.items():
        assert any(rows.items() <= record.items() for record in found), risk
    assert LEFT_UNANSWERED in text
    assert text.index(LEFT_UNANSWERED) < text.index("Roadmap by year")
    assert f"{GAP_LABELS['unanswered_threat']} (1)" in text


def test_user_text_in_the_grids_stays_text() -> None:
    plan = situation_plan(strength=BOLD, threat=SCRIPT)
    markdown = render_markdown(plan)
    assert "| **bold** and" not in markdown and r"\*\*bold\*\* and" in markdown
    assert r"\| pipe" in markdown  # the pipe does not end the cell
    page = render_html(plan)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    quadrants = grids(html_read(plan).tables)
    assert quadrants["Strengths"][0] == f"{BOLD} (7 dots)"
    assert quadrants["Threats"][0] == f"{SCRIPT} (8 dots)"


# ---------------------------------------------------------------------------------- variants


def test_unrated_risks_have_no_grid_and_each_still_says_what_it_threatens() -> None:
    plan = situation_plan(rated=False)
    blocks = lay.layout(plan)
    headings = [b.text for b in blocks if isinstance(b, lay.Heading)]
    assert "Likelihood and impact" not in headings and "Each risk" not in headings
    cards = [b for b in blocks if isinstance(b, lay.Facts) and b.caption == "Risk"]
    assert [card.title for card in cards] == [risk[0] for risk in RISKS]
    assert all(label != "Quadrant" for card in cards for label, _value in card.rows)
    assert dict(cards[1].rows)["Threatens"] == f"Goal: {GOALS[1]}"
    assert dict(cards[1].rows)["Mitigated by"] == "no project yet"


def test_a_pestle_scan_alone_reads_without_goals() -> None:
    pestle = [
        categorised(111, PESTLE_ITEMS["political"], 1, "political", votes=3),
        categorised(112, PESTLE_ITEMS["environmental"], 2, "environmental", votes=5),
    ]
    plan = assemble_plan(
        title="Scan",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=4,
        stages=[replace(stage("environment", "PESTLE", pestle), categories=tuple(levels.PESTLE))],
    )
    markdown = render_markdown(plan)
    assert (
        "## Situation" in markdown
        and "| Political | Port authority elections | 3 dots |" in markdown
    )
    assert "Each strategic goal" not in markdown
    assert "Left unanswered" not in markdown


def test_the_map_leaves_the_situation_and_the_risks_off(plan: PlanDocument) -> None:
    drawn = alignment_map(plan)
    assert drawn is not None
    wordings = {row[2].split(" (")[0] for row in drawn.outline()}
    assert wordings == {*GOALS, *PROJECTS}


def test_the_register_lists_work_not_risks(plan: PlanDocument) -> None:
    register = render_register(plan).decode("utf-8-sig")
    assert PROJECTS[0] in register and RISKS[0][0] not in register
    assert THREATS[0] not in register


def test_a_plain_plan_has_none_of_it() -> None:
    plain = full_plan()
    markdown = render_markdown(plain)
    page = render_html(plain)
    for text in ("Situation", "Left unanswered", "Builds on", "## Risks", "Mitigates"):
        assert text not in markdown
    assert str(SITUATION_CSS) not in page and "table-box grid" not in page


# ---------------------------------------------------------------------------------- browser


GRID_BOXES = r"""
() => [...document.querySelectorAll(".table-box.grid")].map((box) => [
  box.querySelector("th").textContent, box.clientWidth, box.scrollWidth])
"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(320, 640), (1280, 800)])
def test_the_grids_fit_a_phone_and_a_laptop(
    browser: Browser, plan: PlanDocument, viewport: tuple[int, int]
) -> None:
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_content(render_html(plan))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        boxes = page.evaluate(GRID_BOXES)
        assert [name for name, _box, _table in boxes] == [
            "Strengths",
            "Opportunities",
            "Act now",
            "Watch",
        ]
        assert all(table <= box + 1 for _name, box, table in boxes), boxes
    finally:
        context.close()


def test_a_risks_stage_of_an_older_agenda_reads_as_it_always_did() -> None:
    """A custom "risks" stage from before the level existed (no ratings on named scales, no
    links, no mitigations) keeps its plain list under its own title, in agenda order."""
    plan = assemble_plan(
        title="Ideas day",
        organization=None,
        horizon_years=2,
        finished_at=FINISHED_AT,
        participants=5,
        stages=[
            stage("ideas", "Ideas", [item(1, "Open a café", 1, selected=True, votes=3)]),
            stage("risks", "What could go wrong", [item(2, "Rain", 1, selected=True, votes=2)]),
        ],
    )
    blocks = lay.layout(plan)
    sections = [b.text for b in blocks if isinstance(b, lay.Heading) and b.level == 2]
    assert sections[1:3] == ["Ideas", "What could go wrong"]
    assert "Risks" not in sections
    assert not any(isinstance(b, lay.Facts) and b.caption == "Risk" for b in blocks)


def test_the_strategy_page_names_a_few_unanswered_threats_then_how_many_more() -> None:
    threats = [categorised(200 + n, f"Threat {n}", n + 1, "threats", votes=9 - n) for n in range(7)]
    situation = replace(stage("situation", "SWOT", threats), categories=tuple(levels.SWOT))
    goals = stage("goals", "Goals", [item(300, "Grow", 1, selected=True, votes=3)])
    plan = assemble_plan(
        title="Many threats",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=4,
        stages=[situation, goals],
        aligned=True,
    )
    page = next(b for b in lay.layout(plan) if isinstance(b, lay.StrategyPage))
    assert page.unanswered == ("Threat 0", "Threat 1", "Threat 2", "Threat 3", "and 3 more")
    assert not any(GAP_LABELS["unanswered_threat"] in gap for gap in page.top_gaps)
    assert page.gap_count == 8  # seven threats and the goal without a metric


def test_a_risk_the_room_did_not_rate_is_listed_under_the_grid() -> None:
    plan = situation_plan()
    risks = next(s for s in plan.stages if s.key == "risks")
    late = replace(risks.items[3], measures={}, quadrant=None)
    stages = tuple(
        replace(s, items=(*s.items[:3], late, *s.items[4:])) if s is risks else s
        for s in plan.stages
    )
    markdown = render_markdown(replace(plan, stages=stages))
    grid = markdown.split("### Likelihood and impact")[1].split("### Each risk")[0]
    assert "Risks that were not rated are listed under the grid." in grid
    assert f"\nNot rated: {RISKS[3][0]}\n" in grid
    assert "| Watch | Accept |\n| --- | --- |\n| Crane delivery slips | nothing selected |" in grid
