"""Every text format of the plan read back by an independent reader, as its users' tools would.

Markdown is parsed by markdown-it-py (CommonMark with tables), HTML by the standard library's
`html.parser`, JSON by `json` and checked against the published JSON Schema with `jsonschema`,
and the ideas table by the `csv` module. Each test reads the structure the reader sees (headings,
lists, tables, cells), not the source text, so a renderer that drifts from its format, lets a
participant's text become structure, or drops a row fails here. The review step (a facilitator's
corrections, as the next version) is checked through what the rendered plan then says.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.plan_samples import (
    ACCENTS,
    ACTIONS,
    BOLD,
    CYRILLIC,
    EMOJI,
    FINISHED_AT,
    FORMULA,
    GAP_TEXTS,
    GOALS,
    GREEK,
    LONG,
    PROGRAMS,
    PROJECTS,
    SCRIPT,
    VISION,
    crowded_plan,
    full_plan,
    item,
    stage,
)
from workshop.core.errors import DomainError
from workshop.plan import (
    SCHEMA_VERSION,
    PlanDocument,
    assemble_plan,
    from_dict,
    render,
    render_html,
    render_markdown,
)
from workshop.plan.document import with_gaps
from workshop.plan.ideas_csv import render_csv
from workshop.plan.plan_json import render_json
from workshop.plan.review import apply_review
from workshop.plan.schema import PLAN_SCHEMA

# The sections of `full_plan`, in document order.
SECTIONS = [
    "Executive summary",
    "Vision, Mission and Values",
    "Strategic goals",
    "Programs",
    "Projects",
    "Alignment map",
    "Action plan",
    "Appendix: how each decision was made",
]
# The alignment map of `full_plan`: (depth, "level: wording"), from the vision down; the
# program and the project that reach no goal sit at the top level after the tree.
MAP = [
    (0, f"Vision: {VISION}"),
    (1, f"Strategic goals: {GOALS[0]}"),
    (2, f"Programs: {PROGRAMS[0]}"),
    (3, f"Projects: {PROJECTS[0]}"),
    (4, f"Action items: {ACTIONS[0]}"),
    (1, f"Strategic goals: {GOALS[1]}"),
    (1, f"Strategic goals: {GOALS[2]}"),
    (2, f"Projects: {PROJECTS[1]}"),
    (3, f"Action items: {ACTIONS[1]}"),
    (0, f"Programs: {PROGRAMS[1]}"),
    (0, f"Projects: {PROJECTS[2]}"),
]
# The gaps of `full_plan`, as the reader sees them.
GAPS = [
    f"Goal that nothing serves: {GAP_TEXTS[0]}",
    f"Program that serves no goal: {GAP_TEXTS[1]}",
    f"Project that serves no goal: {GAP_TEXTS[2]}",
    f"Project without an owner: {SCRIPT}",
    f"Project without a completion date: {BOLD}",
]
DRAFT_NOTICE = "DRAFT: the workshop is still running; this is not the final plan."


def every_idea(plan: PlanDocument) -> list[tuple[str, int, str]]:
    """(stage title, rank, idea as voted) for every idea of every stage, in plan order."""
    return [(s.title, i.rank, i.text) for s in plan.stages for i in s.items]


def retext(plan: PlanDocument, idea_id: int, text: str) -> PlanDocument:
    """The plan with one item voted in other words (gaps found again)."""
    stages = tuple(
        replace(s, items=tuple(replace(i, text=text) if i.id == idea_id else i for i in s.items))
        for s in plan.stages
    )
    return with_gaps(replace(plan, stages=stages))


def one_stage_plan(*texts: str, draft: bool = False, also_said: str | None = None) -> PlanDocument:
    """A plan of one custom stage whose ideas have these texts, the first one selected."""
    ideas = [item(n, text, n, selected=n == 1, votes=5 - n) for n, text in enumerate(texts, 1)]
    if also_said is not None:
        ideas[0] = replace(ideas[0], also_said=(also_said,))
    return assemble_plan(
        title="Tricky",
        organization=None,
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=3,
        stages=[stage("ideas", "Ideas", ideas)],
        draft=draft,
    )


# =========================================================================== Markdown

MD = MarkdownIt("commonmark").enable("table")


def md_tokens(plan: PlanDocument) -> list[Token]:
    return MD.parse(render_markdown(plan))


def every_token(tokens: list[Token]) -> Iterator[Token]:
    """Block tokens and the inline tokens inside them."""
    for token in tokens:
        yield token
        yield from token.children or []


def text_of(inline: Token) -> str:
    """What a reader sees of an inline token: its text, without the emphasis markers."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def split_at(tokens: list[Token], tag: str) -> list[tuple[str, list[Token]]]:
    """The tokens split at the headings `tag` ("h2", "h3"): (heading text, tokens under it,
    up to the next such heading). Tokens before the first such heading are left out."""
    found: list[tuple[str, list[Token]]] = []
    n = 0
    while n < len(tokens):
        token = tokens[n]
        if token.type == "heading_open" and token.tag == tag:
            found.append((text_of(tokens[n + 1]), []))
            n += 3  # heading_open, inline, heading_close
            continue
        if found:
            found[-1][1].append(token)
        n += 1
    return found


def md_sections(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
    """The document's sections: what is under each level-2 heading."""
    return split_at(tokens, "h2")


def md_section(tokens: list[Token], title: str) -> list[Token]:
    sections = dict(md_sections(tokens))
    assert title in sections, f"no section {title!r} in {list(sections)}"
    return sections[title]


def md_subsections(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
    """One section's sub-sections: what is under each level-3 heading."""
    return split_at(tokens, "h3")


def md_headings(tokens: list[Token], tag: str) -> list[str]:
    return [
        text_of(tokens[n + 1])
        for n, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == tag
    ]


def md_list_items(tokens: list[Token]) -> list[tuple[int, str]]:
    """(nesting depth from 0, text) of every list item, by the nesting of list tokens."""
    depth = 0
    found: list[tuple[int, str]] = []
    opened = False
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            opened = True
        elif token.type == "inline" and opened:
            found.append((depth - 1, text_of(token)))
            opened = False
    return found


def md_bullet_depths(tokens: list[Token]) -> list[tuple[int, str]]:
    """(depth, text) of bullet list items, the depth counted by enclosing bullet_list_open."""
    depth = 0
    found: list[tuple[int, str]] = []
    for n, token in enumerate(tokens):
        if token.type == "bullet_list_open":
            depth += 1
        elif token.type == "bullet_list_close":
            depth -= 1
        elif token.type == "inline" and tokens[n - 2].type == "list_item_open":
            found.append((depth - 1, text_of(token)))
    return found


@dataclass
class MdTable:
    header: list[str]
    rows: list[list[str]]


def md_tables(tokens: list[Token]) -> list[MdTable]:
    tables: list[MdTable] = []
    part = ""
    for token in tokens:
        if token.type == "table_open":
            tables.append(MdTable([], []))
        elif token.type in ("thead_open", "tbody_open"):
            part = token.type
        elif token.type == "tr_open" and part == "tbody_open":
            tables[-1].rows.append([])
        elif token.type == "inline" and tables and part:
            (tables[-1].header if part == "thead_open" else tables[-1].rows[-1]).append(
                text_of(token)
            )
        elif token.type == "table_close":
            part = ""
    return tables


def test_markdown_sections_come_in_document_order() -> None:
    tokens = md_tokens(full_plan())
    assert md_headings(tokens, "h1") == ["Strategic plan: Port 2031 — Ωmega"]
    assert md_headings(tokens, "h2") == SECTIONS
    top = md_section(tokens, "Vision, Mission and Values")
    assert md_headings(top, "h3") == ["Vision", "Mission", "Values"]


def test_markdown_lists_the_selected_goals_in_rank_order_with_their_metrics() -> None:
    goals = md_section(md_tokens(full_plan()), "Strategic goals")
    assert md_headings(goals, "h3") == [f"{n}. {goal}" for n, goal in enumerate(GOALS, 1)]
    first = dict(md_subsections(goals))[f"1. {GOALS[0]}"]
    (metrics,) = md_tables(first)
    assert metrics.header == ["Success metric", "Baseline", "Target", "By when"]
    assert metrics.rows == [["Electric cranes", "2 of 14", "14 of 14", "2029-12-31"]]
    assert "Programs: Green energy program" in [text for _, text in md_list_items(first)]


def test_markdown_lists_the_projects_in_order_with_their_facts() -> None:
    projects = md_section(md_tokens(full_plan()), "Projects")
    listed = md_list_items(projects)
    assert [text for depth, text in listed if depth == 0] == list(PROJECTS)
    first = listed[1 : listed.index((0, PROJECTS[1]))]
    assert first == [
        (1, "Owner: Jon Berg"),
        (1, "Deliverables: Tug in service; Charging berth"),
        (1, "Completion date: 2027-06-30"),
        (1, "Approach: agile"),
        (1, "Program: Green energy program"),
    ]


def test_markdown_lists_the_gaps_under_gaps() -> None:
    alignment = md_section(md_tokens(full_plan()), "Alignment map")
    gaps = dict(md_subsections(alignment))["Gaps"]
    assert md_bullet_depths(gaps) == [(0, gap) for gap in GAPS]


def test_markdown_alignment_map_is_a_nested_bullet_list() -> None:
    alignment = md_section(md_tokens(full_plan()), "Alignment map")
    before_gaps = alignment[: next(n for n, t in enumerate(alignment) if t.tag == "h3")]
    assert md_bullet_depths(before_gaps) == MAP


def test_markdown_appendix_has_one_row_per_idea_in_rank_order() -> None:
    plan = full_plan()
    appendix = md_section(md_tokens(plan), "Appendix: how each decision was made")
    sub = md_subsections(appendix)
    assert [title for title, _ in sub] == ["Participation per stage"] + [
        s.title for s in plan.stages
    ]
    (turnout,) = md_tables(sub[0][1])
    assert turnout.header == ["Stage", "Step", "People"]
    assert turnout.rows == [
        [s.title, step, people]
        for s in plan.stages
        for step, people in (("Brainstorm", "9"), ("Dot vote", "8"))
    ]
    for (title, tokens), outcome in zip(sub[1:], plan.stages, strict=True):
        (table,) = md_tables(tokens)
        assert table.header == [
            "Rank",
            "Idea",
            "Dots",
            f"Score ({outcome.score_label})",
            "Consensus",
            "Selected",
        ]
        assert [(title, int(row[0]), row[1]) for row in table.rows] == [
            (title, i.rank, i.text) for i in outcome.items
        ]
        assert [int(row[0]) for row in table.rows] == list(range(1, len(outcome.items) + 1))
        assert [row[5] for row in table.rows] == ["✔" if i.selected else "" for i in outcome.items]
    vision_rows = md_tables(sub[1][1])[0].rows
    assert vision_rows[0] == ["1", VISION, "9", "14", "0.80", "✔"]


def test_markdown_keeps_every_script_as_typed() -> None:
    tokens = md_tokens(full_plan())
    texts = [text_of(t) for t in every_token(tokens) if t.type == "inline"]
    assert GREEK in texts and CYRILLIC in texts and EMOJI in texts  # list items, table cells
    assert f"Vision: {VISION}" in texts and VISION in texts
    assert any(ACCENTS in text for text in texts)
    assert "Facilitated by Ana Ñúñez" in "\n".join(texts)


def test_markdown_shows_markup_typed_by_participants_as_literal_text() -> None:
    tokens = md_tokens(full_plan())
    assert not [t.type for t in every_token(tokens) if t.type in ("html_inline", "html_block")]
    inlines = [t for t in tokens if t.type == "inline"]
    script = [t for t in inlines if text_of(t) == SCRIPT]
    bold = [t for t in inlines if text_of(t) == BOLD]
    assert script and bold  # the project entries (and the appendix cells)
    for token in script + bold:
        kinds = {child.type for child in token.children or []}
        assert kinds == {"text"}, kinds  # no strong, em, link or html from the text
    # The typed pipe did not split the appendix row into more cells.
    projects = md_tables(md_section(tokens, "Appendix: how each decision was made"))[6]
    assert [len(row) for row in projects.rows] == [6, 6, 6, 6]
    assert projects.rows[2][1] == BOLD


@pytest.mark.parametrize(
    "text",
    [
        "a\\|b",
        "ends with \\",
        "|lead | pipe|",
        "<!-- comment -->",
        "&amp; &lt;b&gt; &#42;",
        "[a]: http://example.com",
        "```",
        "1) not a list",
        "***",
        "===",
        "[link](javascript:alert(1))",
        "<http://example.com>",
        "foo*",
        "    four spaces in",
    ],
)
def test_markdown_reads_back_any_typed_text_exactly(text: str) -> None:
    plan = one_stage_plan(text, "other idea")
    tokens = md_tokens(plan)
    expected = " ".join(text.split())
    entries = md_list_items(md_section(tokens, "Ideas"))
    assert entries == [(0, expected)]
    appendix = md_tables(md_section(tokens, "Appendix: how each decision was made"))
    assert [row[1] for row in appendix[-1].rows] == [expected, "other idea"]
    kinds = {child.type for t in tokens if t.type == "inline" for child in t.children or []}
    assert not kinds & {"link_open", "html_inline", "image", "code_inline"}


def test_markdown_keeps_a_280_character_idea_whole() -> None:
    assert len(LONG) == 280
    tokens = md_tokens(full_plan())
    vision = md_tables(md_section(tokens, "Appendix: how each decision was made"))[1]
    assert vision.rows[2][:2] == ["3", LONG]
    runners = [text_of(t) for t in tokens if t.type == "inline" and "Runners-up" in text_of(t)]
    assert any(f"; {LONG} (3 Borda points, 2 dots)." in text for text in runners)


def test_markdown_of_a_crowded_stage_has_every_row_in_rank_order() -> None:
    plan = crowded_plan(200)
    appendix = md_section(md_tokens(plan), "Appendix: how each decision was made")
    (goals,) = [table for table in md_tables(appendix) if table.header[0] == "Rank"]
    assert len(goals.rows) == 200
    # (Idea 50 of the sample ends in a space; Markdown keeps each idea on one trimmed line.)
    assert [(int(row[0]), row[1]) for row in goals.rows] == [
        (i.rank, i.text.strip()) for i in plan.stages[0].items
    ]
    assert [row[5] for row in goals.rows] == ["✔"] * 5 + [""] * 195
    assert md_headings(md_section(md_tokens(plan), "Strategic goals"), "h3") == [
        f"{n}. Idea number {n:03d}: " + " ".join(["word"] * n) for n in range(1, 6)
    ]


def test_a_markdown_draft_says_draft_at_the_top_and_the_bottom() -> None:
    tokens = md_tokens(full_plan(draft=True))
    # Right under the title, before anything else: the draft notice, in bold.
    assert [t.type for t in tokens[:5]] == [
        "heading_open",
        "inline",
        "heading_close",
        "paragraph_open",
        "inline",
    ]
    assert text_of(tokens[4]) == DRAFT_NOTICE
    assert "strong_open" in [child.type for child in tokens[4].children or []]
    # The cover dates it as a draft, and the last paragraph, after a rule, repeats it.
    cover = text_of(tokens[10])
    assert "Dated 2026-12-01 (draft)" in cover.splitlines()
    assert [t.type for t in tokens[-4:]] == ["hr", "paragraph_open", "inline", "paragraph_close"]
    assert text_of(tokens[-2]) == DRAFT_NOTICE


def test_a_final_markdown_plan_never_says_draft() -> None:
    markdown = render_markdown(full_plan())
    assert "DRAFT" not in markdown.upper()
    assert not [t for t in MD.parse(markdown) if t.type == "hr"]


# =========================================================================== HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def elements(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.elements()

    def find_all(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            el
            for el in self.elements()
            if el.tag == tag and (cls is None or cls in (el.attrs.get("class") or "").split())
        ]

    def find(self, tag: str, cls: str | None = None) -> Element:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls!r}>"
        return found[0]

    def text(self) -> str:
        """All the text inside, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def own_text(self) -> str:
        """The text directly in this element (a list entry without its details)."""
        return " ".join(" ".join(c for c in self.children if isinstance(c, str)).split())

    def kids(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]


class TreeBuilder(HTMLParser):
    """A small DOM: elements with attributes and children, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.unmatched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack[-1].tag != tag:
            self.unmatched.append(tag)
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def html_tree(plan: PlanDocument) -> Element:
    builder = TreeBuilder()
    builder.feed(render_html(plan))
    builder.close()
    assert builder.unmatched == [] and [el.tag for el in builder.stack] == ["#document"]
    return builder.root


def html_sections(root: Element) -> dict[str, list[Element]]:
    """The elements of <main> grouped under each <h2>, in order."""
    found: dict[str, list[Element]] = {}
    current: list[Element] | None = None
    for child in root.find("main").kids():
        if child.tag == "h2":
            current = found.setdefault(child.text(), [])
        elif current is not None:
            current.append(child)
    return found


def test_html_is_self_contained_with_no_script_and_a_print_stylesheet() -> None:
    root = html_tree(full_plan())
    tags = [el.tag for el in root.elements()]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    assert "object" not in tags and "embed" not in tags and "img" not in tags
    for el in root.elements():
        assert not any(name.startswith("on") for name in el.attrs), el  # no event handlers
        for name in ("src", "href", "action", "data"):
            value = (el.attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "javascript:")), el
    (style,) = root.find_all("style")
    css = style.text()
    assert "@media print" in css
    assert "url(" not in css and "@import" not in css
    assert root.find("meta").attrs == {"charset": "utf-8"}


def test_html_sections_come_in_order_with_the_goals_in_rank_order() -> None:
    root = html_tree(full_plan())
    assert [h.text() for h in root.find_all("h2")] == SECTIONS
    sections = html_sections(root)
    goals = [el.text() for el in sections["Strategic goals"] if el.tag == "h3"]
    assert goals == [f"{n}. {goal}" for n, goal in enumerate(GOALS, 1)]
    projects = next(el for el in sections["Projects"] if el.tag == "ol")
    assert [li.own_text() for li in projects.kids()] == list(PROJECTS)
    assert [h.text() for h in sections["Vision, Mission and Values"] if h.tag == "h3"] == [
        "Vision",
        "Mission",
        "Values",
    ]


def test_html_lists_the_gaps() -> None:
    sections = html_sections(html_tree(full_plan()))
    alignment = sections["Alignment map"]
    (gaps,) = [el for el in alignment if el.tag == "ul" and el.attrs.get("class") == "gap"]
    assert [li.text() for li in gaps.kids()] == GAPS
    heading = [el.text() for el in alignment if el.tag == "h3"]
    assert heading == ["Gaps"]


def svg_nodes(svg: Element) -> list[tuple[str, list[str]]]:
    """The map's boxes: (level label, wording lines), from the <text> elements in order."""
    nodes: list[tuple[str, list[str]]] = []
    for text in svg.find_all("text"):
        if text.attrs.get("font-weight") == "700":
            nodes.append((text.text(), []))
        else:
            nodes[-1][1].append(text.text())
    return nodes


def test_html_draws_the_alignment_map_as_inline_svg_with_every_wording() -> None:
    sections = html_sections(html_tree(full_plan()))
    (svg,) = [el for el in sections["Alignment map"] if el.tag == "svg"]
    assert {el.tag for el in svg.elements()} == {"svg", "title", "polyline", "rect", "text"}
    nodes = svg_nodes(svg)
    assert [(label, " ".join(lines)) for label, lines in nodes] == [
        (entry.split(": ", 1)[0].upper(), entry.split(": ", 1)[1]) for _, entry in MAP
    ]
    # One connector per box that serves another.
    assert len(svg.find_all("polyline")) == sum(1 for depth, _ in MAP if depth > 0)
    assert len(svg.find_all("rect")) == len(MAP)
    # The outline is there as a list too, for screen readers and copying.
    outline = next(el for el in sections["Alignment map"] if el.tag == "ul")
    assert [(int(li.attrs["data-depth"] or 0), li.text()) for li in outline.kids()] == MAP


def test_html_map_wraps_a_long_wording_over_several_lines_keeping_every_word() -> None:
    plan = retext(full_plan(), 11, LONG)  # the second goal, at depth 1
    sections = html_sections(html_tree(plan))
    (svg,) = [el for el in sections["Alignment map"] if el.tag == "svg"]
    nodes = svg_nodes(svg)
    label, lines = nodes[5]
    assert label == "STRATEGIC GOALS"
    assert len(lines) > 1
    assert " ".join(lines).split() == LONG.split()
    assert "".join(lines).replace(" ", "") == LONG.replace(" ", "")
    assert all(len(line) < len(LONG) for line in lines)


def test_html_shows_markup_typed_by_participants_as_literal_text() -> None:
    root = html_tree(full_plan())
    tags = {el.tag for el in root.elements()}
    assert "b" not in tags and "script" not in tags  # SCRIPT holds both
    sections = html_sections(root)
    projects = next(el for el in sections["Projects"] if el.tag == "ol")
    assert [li.own_text() for li in projects.kids()][1:] == [SCRIPT, BOLD]
    svg_texts = [t.text() for t in root.find("svg").find_all("text")]
    assert SCRIPT in svg_texts and BOLD in svg_texts
    cells = [td.text() for td in root.find_all("td")]
    for text in (FORMULA, EMOJI, LONG, GREEK, CYRILLIC, VISION):
        assert text in cells, text
    assert root.find("h1").text() == "Port 2031 — Ωmega"
    assert "Facilitated by Ana Ñúñez" in [li.text() for li in root.find("header").find_all("li")]


def test_html_of_a_crowded_stage_has_every_row_in_rank_order() -> None:
    plan = crowded_plan(200)
    appendix = html_sections(html_tree(plan))["Appendix: how each decision was made"]
    tables = [el for el in appendix if el.tag == "table"]
    rows = tables[-1].find("tbody").find_all("tr")
    assert len(rows) == 200
    cells = [[td.text() for td in row.kids()] for row in rows]
    # (The reader collapses whitespace as a browser shows it; idea 50 of the sample ends in one.)
    assert [(int(c[0]), c[1]) for c in cells] == [
        (i.rank, i.text.strip()) for i in plan.stages[0].items
    ]
    marked = [row.attrs.get("class") == "marked" for row in rows]
    assert marked == [True] * 5 + [False] * 195


def test_an_html_draft_is_marked_draft_and_a_final_plan_is_not() -> None:
    draft = html_tree(full_plan(draft=True))
    assert draft.find("title").text().startswith("DRAFT · ")
    assert draft.find("div", "draft-mark").text() == "DRAFT"
    banners = [p.text() for p in draft.find_all("p", "draft-banner")]
    assert banners == [DRAFT_NOTICE, DRAFT_NOTICE]  # on the cover and at the end
    final = html_tree(full_plan())
    assert not final.find_all("div", "draft-mark") and not final.find_all("p", "draft-banner")
    assert "DRAFT" not in final.find("title").text().upper()
    assert "DRAFT" not in final.find("body").text().upper()


# =========================================================================== JSON

VALIDATOR = Draft202012Validator(PLAN_SCHEMA)


def test_the_plan_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(PLAN_SCHEMA)
    assert PLAN_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    "plan",
    [full_plan(), full_plan(draft=True), full_plan(facilitator=None), crowded_plan(200)],
    ids=["final", "draft", "no-facilitator", "crowded"],
)
def test_json_validates_and_reads_back_as_the_same_plan(plan: PlanDocument) -> None:
    data = json.loads(render_json(plan))
    assert [error.message for error in VALIDATOR.iter_errors(data)] == []
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert from_dict(data) == plan
    assert data["end_year"] == plan.start_year + plan.horizon_years


def test_json_keeps_tricky_text_exactly() -> None:
    raw = render_json(full_plan())
    data = json.loads(raw)
    texts = [i["text"] for s in data["stages"] for i in s["items"]]
    for text in (SCRIPT, BOLD, FORMULA, EMOJI, GREEK, CYRILLIC, LONG, VISION):
        assert text in texts, text
    assert EMOJI.encode() in raw  # UTF-8 as is, not \\u escapes
    assert data["title"] == "Port 2031 — Ωmega"
    assert data["facilitator"] == "Ana Ñúñez"
    assert [g["item"] for g in data["gaps"]] == [gap.split(": ", 1)[1] for gap in GAPS]


def break_missing(data: dict[str, Any]) -> None:
    del data["stages"]


def break_type(data: dict[str, Any]) -> None:
    data["horizon_years"] = "5"


def break_item_key(data: dict[str, Any]) -> None:
    del data["stages"][0]["items"][0]["text"]


def break_rank(data: dict[str, Any]) -> None:
    data["stages"][0]["items"][0]["rank"] = 0


def break_gap_kind(data: dict[str, Any]) -> None:
    data["gaps"][0]["kind"] = "a gap of some kind"


def break_extra_key(data: dict[str, Any]) -> None:
    data["secret"] = "not part of the format"


def break_date(data: dict[str, Any]) -> None:
    data["stages"][5]["items"][0]["fields"]["due"] = "next summer"


def break_schema_version(data: dict[str, Any]) -> None:
    data["schema_version"] = 2


def break_consensus(data: dict[str, Any]) -> None:
    data["stages"][0]["items"][0]["consensus"] = 1.5


def break_approach(data: dict[str, Any]) -> None:
    data["stages"][5]["items"][0]["fields"]["approach"] = "chaos"


@pytest.mark.parametrize(
    "breaks",
    [
        break_missing,
        break_type,
        break_item_key,
        break_rank,
        break_gap_kind,
        break_extra_key,
        break_date,
        break_schema_version,
        break_consensus,
        break_approach,
    ],
)
def test_the_schema_refuses_a_broken_plan(breaks: Any) -> None:
    data = json.loads(render_json(full_plan()))
    assert VALIDATOR.is_valid(data)
    broken = copy.deepcopy(data)
    breaks(broken)
    assert not VALIDATOR.is_valid(broken)


# =========================================================================== CSV

COLUMNS = [
    "Stage",
    "Level",
    "Rank",
    "Idea",
    "Wording in plan",
    "Dots",
    "Score",
    "Score counts",
    "Consensus",
    "Contested",
    "Shortlisted",
    "Selected",
    "Also said",
    "Plan version",
]


def csv_rows(plan: PlanDocument) -> list[dict[str, str]]:
    """The ideas table as a spreadsheet would read it (header row first, checked here)."""
    data = render_csv(plan)
    # A byte order mark first, so Excel reads the file as UTF-8; the text after it is UTF-8.
    assert data.startswith(codecs.BOM_UTF8)
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert header == COLUMNS
    assert all(len(row) == len(COLUMNS) for row in rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_csv_has_one_row_per_idea_of_every_stage_in_order() -> None:
    plan = full_plan()
    rows = csv_rows(plan)
    expected = [
        (title, str(rank), "'" + text if text == FORMULA else text)
        for title, rank, text in every_idea(plan)
    ]
    assert [(r["Stage"], r["Rank"], r["Idea"]) for r in rows] == expected
    assert [r["Level"] for r in rows] == [s.key for s in plan.stages for _ in s.items]
    first = rows[0]
    assert first == {
        "Stage": "Vision",
        "Level": "vision",
        "Rank": "1",
        "Idea": VISION,
        "Wording in plan": VISION,
        "Dots": "9",
        "Score": "14",
        "Score counts": "Borda points",
        "Consensus": "0.80",
        "Contested": "no",
        "Shortlisted": "yes",
        "Selected": "yes",
        "Also said": "",
        "Plan version": "1",
    }
    greek = next(r for r in rows if r["Idea"] == GREEK)
    assert (greek["Contested"], greek["Selected"]) == ("yes", "yes")
    museum = next(r for r in rows if r["Idea"] == "A museum ship")
    assert (museum["Selected"], museum["Wording in plan"]) == ("no", "")


def test_csv_of_a_crowded_stage_has_every_row_in_rank_order() -> None:
    plan = crowded_plan(200)
    rows = csv_rows(plan)
    assert [(int(r["Rank"]), r["Idea"]) for r in rows] == [
        (i.rank, i.text) for i in plan.stages[0].items
    ]


@pytest.mark.parametrize(
    "text",
    [FORMULA, "=1+1", "+1 555 0100", "-2+3", "@SUM(A1:A9)", "\tcmd|' /C calc'!A0", "\r=2+5"],
    ids=["hyperlink", "equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_csv_defuses_cells_a_spreadsheet_would_take_for_a_formula(text: str) -> None:
    (chosen, other) = csv_rows(one_stage_plan(text, "Plain idea", also_said=text))
    assert chosen["Idea"] == "'" + text
    assert chosen["Wording in plan"] == "'" + text
    assert chosen["Also said"] == "'" + text
    assert other["Idea"] == "Plain idea"


@pytest.mark.parametrize(
    "text",
    ["Plain idea", "a = b + c", "Café 🚀 für alle", "100% - done", "'quoted'", "x@example.com"],
)
def test_csv_leaves_ordinary_text_untouched(text: str) -> None:
    (chosen,) = csv_rows(one_stage_plan(text))
    assert chosen["Idea"] == text and chosen["Wording in plan"] == text


def test_csv_rows_of_a_draft_say_draft_in_the_plan_version() -> None:
    assert {r["Plan version"] for r in csv_rows(full_plan(draft=True))} == {"DRAFT"}
    assert {r["Plan version"] for r in csv_rows(full_plan())} == {"1"}


# =========================================================================== determinism


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_each_format_gives_the_same_bytes_for_the_same_plan(fmt: str) -> None:
    first = render(full_plan(), fmt)
    assert isinstance(first, bytes) and first
    assert render(full_plan(), fmt) == first
    # A version stored as JSON and read back renders exactly as it did when it was made.
    assert render(from_dict(json.loads(render_json(full_plan()))), fmt) == first


# =========================================================================== review

# Ids in `full_plan`: goals 10-13 (13 not selected), programs 20-21, projects 30-33 (33 not
# selected); project 31 (SCRIPT) has no owner, project 32 (BOLD) no completion date.


def test_a_review_corrects_the_wording_in_the_plan_and_keeps_the_vote_in_the_appendix() -> None:
    plan = full_plan()
    reviewed = apply_review(
        plan, items=[{"id": 12, "fields": {"text": "Rail share above 45% by 2030"}}]
    )
    tokens = md_tokens(reviewed)
    goals = md_section(tokens, "Strategic goals")
    assert md_headings(goals, "h3")[2] == "3. Rail share above 45% by 2030"
    texts = [text_of(t) for t in goals if t.type == "inline"]
    assert f"Wording as voted: {GOALS[2]}" in texts
    # What serves the goal now names it in its new words.
    projects = md_list_items(md_section(tokens, "Projects"))
    assert (1, "Serves: Rail share above 45% by 2030") in projects
    appendix = md_tables(md_section(tokens, "Appendix: how each decision was made"))[4]
    assert appendix.rows[2][1] == GOALS[2]
    assert reviewed.version == 2
    data = json.loads(render_json(reviewed))
    assert VALIDATOR.is_valid(data)
    goal = data["stages"][3]["items"][2]
    assert (goal["text"], goal["fields"]["text"]) == (GOALS[2], "Rail share above 45% by 2030")


def test_a_review_that_fills_owner_and_date_closes_those_gaps() -> None:
    plan = full_plan()
    reviewed = apply_review(
        plan,
        items=[
            {"id": 31, "fields": {"owner": "Ana Costa"}},
            {"id": 32, "fields": {"due": "2028-03-31"}},
        ],
        note="Owners and dates agreed after the day",
    )
    alignment = md_section(md_tokens(reviewed), "Alignment map")
    gaps = dict(md_subsections(alignment))["Gaps"]
    assert md_bullet_depths(gaps) == [(0, gap) for gap in GAPS[:3]]
    assert [g.kind for g in reviewed.gaps] == [
        "unserved_goal",
        "unaligned_program",
        "unaligned_project",
    ]
    assert reviewed.version == plan.version + 1 == 2
    assert reviewed.note == "Owners and dates agreed after the day"
    cover = text_of(md_tokens(reviewed)[7])
    assert "Version 2: Owners and dates agreed after the day" in cover
    projects = md_list_items(md_section(md_tokens(reviewed), "Projects"))
    assert (1, "Owner: Ana Costa") in projects and (1, "Completion date: 2028-03-31") in projects


def test_a_second_review_makes_version_three() -> None:
    second = apply_review(full_plan(), items=[{"id": 31, "fields": {"owner": "Ana"}}])
    third = apply_review(second, items=[{"id": 31, "fields": {"owner": None}}], facilitator="Bo")
    assert (second.version, third.version) == (2, 3)
    assert third.facilitator == "Bo"
    assert f"Project without an owner: {SCRIPT}" in [
        text for _, text in md_bullet_depths(md_section(md_tokens(third), "Alignment map"))
    ]


@pytest.mark.parametrize(
    ("idea_id", "fields", "code"),
    [
        (31, {"owner": 5}, "invalid_field"),
        (31, {"due": "31/12/2027"}, "invalid_date"),
        (31, {"due": "2027-02-30"}, "invalid_date"),
        (31, {"approach": "chaos"}, "invalid_approach"),
        (31, {"deliverables": "one thing"}, "invalid_field"),
        (31, {"budget": 100}, "invalid_field"),
        (31, {"budget": "x" * 81}, "invalid_field"),
        (31, {"start": "2027-13-01"}, "invalid_date"),
        (31, {"colour": "red"}, "unknown_field"),
        (10, {"owner": "Goals have no owner"}, "unknown_field"),
        (10, {"metrics": [{"target": "no metric name"}]}, "invalid_field"),
        (31, {"text": "x" * 281}, "invalid_field"),
        (31, {}, "invalid_field"),
    ],
)
def test_a_review_with_an_invalid_field_is_refused(
    idea_id: int, fields: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        apply_review(full_plan(), items=[{"id": idea_id, "fields": fields}])
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([{"id": 13, "fields": {"text": "Publish emissions weekly"}}], "item_not_found"),
        ([{"id": 33, "fields": {"owner": "Ana"}}], "item_not_found"),
        ([{"id": 999, "fields": {"text": "Nowhere"}}], "item_not_found"),
        ([{"id": "31", "fields": {"owner": "Ana"}}], "invalid_payload"),
        (
            [{"id": 31, "fields": {"owner": "A"}}, {"id": 31, "fields": {"due": None}}],
            "invalid_payload",
        ),
        ({"id": 31}, "invalid_payload"),
        ([{"id": 31, "fields": {"owner": "Ana"}, "extra": 1}], "invalid_payload"),
    ],
    ids=[
        "runner-up",
        "unselected-project",
        "unknown",
        "id-as-text",
        "twice",
        "not-a-list",
        "extra",
    ],
)
def test_a_review_of_something_not_in_the_plan_is_refused(items: Any, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        apply_review(full_plan(), items=items)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"id": 30, "fields": {"owner": "Jon Berg"}}],
        [{"id": 12, "fields": {"text": f"  {GOALS[2]} "}}],
        [{"id": 31, "fields": {"owner": None}}],
    ],
    ids=["nothing", "same-owner", "wording-as-voted", "clear-what-is-empty"],
)
def test_a_review_that_changes_nothing_publishes_no_version(items: list[dict[str, Any]]) -> None:
    with pytest.raises(DomainError) as refused:
        apply_review(full_plan(), items=items)
    assert refused.value.code == "no_changes"


def test_a_review_leaves_the_plan_it_started_from_unchanged() -> None:
    plan = full_plan()
    before = copy.deepcopy(plan.as_dict())
    rendered = render_markdown(plan)
    reviewed = apply_review(
        plan,
        items=[
            {"id": 12, "fields": {"text": "Rail share above 45%"}},
            {"id": 30, "fields": {"owner": None, "deliverables": ["Tug"]}},
        ],
        facilitator=None,
    )
    assert plan.as_dict() == before and plan == full_plan()
    assert render_markdown(plan) == rendered
    assert reviewed != plan and reviewed.facilitator is None
    tug = reviewed.stages[5].items[0]
    assert "owner" not in tug.fields and tug.fields["deliverables"] == ["Tug"]
