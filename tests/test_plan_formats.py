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
from hypothesis import given, settings
from hypothesis import strategies as st
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
    board_plan,
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
from workshop.plan.document import GAP_LABELS, gap_flags, with_gaps
from workshop.plan.html import chunks, keep_dates, wide_column
from workshop.plan.ideas_csv import render_csv
from workshop.plan.layout import Facts, Heading, Paragraph, Table
from workshop.plan.markdown import BLOCK, CELL, HEADING, INLINE, WRAPPED, md_escape
from workshop.plan.plan_json import render_json
from workshop.plan.review import apply_review
from workshop.plan.schema import PLAN_SCHEMA

# The sections of `full_plan`, in document order.
SECTIONS = [
    "Strategy on a page",
    "Roadmap by year",
    "Scorecard",
    "Vision, Mission and Values",
    "Strategic goals",
    "Programs",
    "Projects",
    "Alignment map",
    "Gaps",
    "Action plan",
    "Who owns what",
    "Governance",
    "Appendix: how each decision was made",
]
# The alignment map of `full_plan`: (depth, "level: wording", id) from the vision down, each
# item once; actions are counted on their project; the program and project that reach no goal
# are grouped last. (The flags each row carries come from `gap_flags`, by id.)
MAP = [
    (0, f"Vision: {VISION}", None),
    (1, f"Goal: {GOALS[0]}", 10),
    (2, f"Program: {PROGRAMS[0]}", 20),
    (3, f"Project: {PROJECTS[0]} (1 action)", 30),
    (1, f"Goal: {GOALS[1]}", 11),
    (1, f"Goal: {GOALS[2]}", 12),
    (2, f"Project: {PROJECTS[1]} (1 action)", 31),
    (1, "Not connected to any goal", None),
    (2, f"Program: {PROGRAMS[1]}", 21),
    (2, f"Project: {PROJECTS[2]}", 32),
]
MAP_ITEMS = [row for row in MAP if row[2] is not None and not row[1].startswith("Vision")]


def flag_suffix(plan: PlanDocument, idea_id: int | None) -> str:
    """What a text format writes after an item with gaps: " (⚠ a; ⚠ b)"."""
    flags = gap_flags(plan).get(idea_id, ()) if idea_id is not None else ()
    return " (" + "; ".join(f"⚠ {flag}" for flag in flags) + ")" if flags else ""


def gaps_by_kind(plan: PlanDocument) -> list[tuple[str, list[str]]]:
    """The Gaps section as a reader sees it: each kind's label with its count, then the items."""
    kinds: dict[str, list[str]] = {}
    for gap in plan.gaps:
        kinds.setdefault(GAP_LABELS[gap.kind], []).append(gap.item)
    return [(f"{label} ({len(items)})", items) for label, items in kinds.items()]


# Some gaps of `full_plan` that must be there, whatever else the model finds.
GAPS = [
    ("Goal that nothing serves", GAP_TEXTS[0]),
    ("Program that serves no goal", GAP_TEXTS[1]),
    ("Project that serves no goal", GAP_TEXTS[2]),
    ("Project without an owner", SCRIPT),
    ("Project without a completion date", BOLD),
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
    served = [text for _, text in md_list_items(first)]
    assert any(text.startswith(f"Program: {PROGRAMS[0]}") for text in served)


def md_charters(tokens: list[Token]) -> list[tuple[str, list[list[str]], list[str]]]:
    """The charters of a section: (bold caption line, its table's rows, its flags)."""
    found: list[tuple[str, list[list[str]], list[str]]] = []
    tables = iter(md_tables(tokens))
    for n, token in enumerate(tokens):
        if token.type == "inline" and found and tokens[n - 2].type == "list_item_open":
            found[-1][2].append(text_of(token))
        elif token.type == "inline" and tokens[n - 1].type == "paragraph_open":
            kinds = [c.type for c in token.children or [] if c.type != "text" or c.content]
            if kinds[:1] == ["strong_open"] and "charter" in text_of(token):
                found.append((text_of(token), [], []))
        elif token.type == "table_open" and found:
            found[-1] = (found[-1][0], next(tables).rows, found[-1][2])
    return found


def test_markdown_gives_each_project_its_charter_in_order() -> None:
    plan = full_plan()
    charters = md_charters(md_section(md_tokens(plan), "Projects"))
    assert [caption for caption, _rows, _flags in charters] == [
        f"Project charter: {project}" for project in PROJECTS
    ]
    rows = dict((label, value) for label, value in charters[0][1])
    assert rows["Owner"] == "Jon Berg"
    assert rows["Deliverables"] == "Tug in service; Charging berth"
    assert rows["Completion date"] == "2027-06-30"
    assert rows["Approach"] == "agile"
    assert charters[1][2] == [f"⚠ {flag}" for flag in gap_flags(plan)[31]]
    assert "⚠ Project without an owner" in charters[1][2]


def test_markdown_lists_the_gaps_by_kind_under_gaps() -> None:
    plan = full_plan()
    gaps = md_section(md_tokens(plan), "Gaps")
    labels = [
        text_of(t)
        for n, t in enumerate(gaps)
        if t.type == "inline"
        and n > 0
        and gaps[n - 1].type == "paragraph_open"
        and gaps[n - 2].type != "list_item_open"
    ]
    expected = gaps_by_kind(plan)
    assert labels[1:] == [label for label, _items in expected]  # after the note
    assert [text for depth, text in md_bullet_depths(gaps) if depth == 0] == [
        item for _label, items in expected for item in items
    ]
    listed = {(label.rsplit(" (", 1)[0], item) for label, items in expected for item in items}
    assert set(GAPS) <= listed


def test_markdown_alignment_map_is_a_nested_bullet_list_with_flags() -> None:
    plan = full_plan()
    alignment = md_section(md_tokens(plan), "Alignment map")
    assert md_bullet_depths(alignment) == [
        (depth, text + flag_suffix(plan, idea_id)) for depth, text, idea_id in MAP
    ]


def test_markdown_shows_the_strategy_page_roadmap_and_flags_as_plain_text() -> None:
    plan = full_plan()
    tokens = md_tokens(plan)
    strategy = md_section(tokens, "Strategy on a page")
    assert md_headings(strategy, "h3")[:2] == ["Goals", "Gaps"]
    goals = [text for depth, text in md_list_items(strategy) if depth == 0]
    assert goals[:3] == [
        goal + flag_suffix(plan, n) for goal, n in zip(GOALS, (10, 11, 12), strict=True)
    ]
    (actions,) = md_tables(dict(md_subsections(strategy))["First actions"])
    assert actions.rows[0] == [ACTIONS[0], "Jon", "2027-01-15"]
    roadmap = md_section(tokens, "Roadmap by year")
    (table,) = md_tables(roadmap)
    assert table.header == ["Item", "2026", "2027", "2028", "2029", "2030", "2031"]
    unscheduled = [text for depth, text in md_bullet_depths(roadmap)]
    assert f"Project: {PROJECTS[2]}" in unscheduled


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


WRAPPERS = {"keep", "lead-in", "table-box", "figure-box", "strategy"}
"""Boxes the HTML puts around blocks (keeping a heading with what follows, scrolling a table
on a phone): the sections below read through them."""


def flat(element: Element) -> Iterator[Element]:
    """An element's children, reading through the layout's wrapper boxes and figures."""
    for child in element.kids():
        classes = set((child.attrs.get("class") or "").split())
        if child.tag == "figure" or (child.tag in ("div", "section") and classes & WRAPPERS):
            yield from flat(child)
        else:
            yield child


def html_sections(root: Element) -> dict[str, list[Element]]:
    """The elements of <main> grouped under each <h2>, in order."""
    found: dict[str, list[Element]] = {}
    current: list[Element] | None = None
    for child in flat(root.find("main")):
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
    charters = [el for el in sections["Projects"] if el.tag == "section"]
    assert [c.find("h4").text() for c in charters] == list(PROJECTS)
    assert [c.find("p", "caption").text() for c in charters] == ["Project charter"] * 3
    assert [h.text() for h in sections["Vision, Mission and Values"] if h.tag == "h3"] == [
        "Vision",
        "Mission",
        "Values",
    ]


def test_html_lists_the_gaps_by_kind() -> None:
    plan = full_plan()
    gaps = html_sections(html_tree(plan))["Gaps"]
    labels = [el.text() for el in gaps if el.tag == "p" and el.attrs.get("class") == "lead"]
    lists = [el for el in gaps if el.tag == "ul" and el.attrs.get("class") == "gap"]
    expected = gaps_by_kind(plan)
    assert labels == [label for label, _items in expected]
    assert [[li.own_text() for li in ul.kids()] for ul in lists] == [
        items for _label, items in expected
    ]


def test_html_flags_each_item_with_a_gap_where_it_appears() -> None:
    plan = full_plan()
    root = html_tree(plan)
    sections = html_sections(root)
    flags = gap_flags(plan)
    charters = [el for el in sections["Projects"] if el.tag == "section"]
    unowned = charters[1]
    assert "flagged" in (unowned.attrs.get("class") or "").split()
    assert [li.text() for li in unowned.find("ul", "flags-list").kids()] == [
        f"⚠ {flag}" for flag in flags[31]
    ]
    assert "flagged" not in (charters[0].attrs.get("class") or "").split()
    actions = next(el for el in sections["Action plan"] if el.tag == "table")
    rows = actions.find("tbody").find_all("tr")
    assert rows[1].attrs.get("class") == "flagged" and rows[0].attrs.get("class") is None
    marks = [span.text() for span in rows[1].find_all("span", "flag")]
    assert marks == [f"⚠ {flag}" for flag in flags[41]]
    strategy = root.find("section", "strategy")
    goal_marks = [span.text() for span in strategy.find("ol", "goals").find_all("span", "flag")]
    assert f"⚠ {flags[11][0]}" in goal_marks


def svg_nodes(svg: Element) -> list[tuple[str, list[str]]]:
    """The map's boxes: (level label, wording and flag lines), from the <text> elements."""
    nodes: list[tuple[str, list[str]]] = []
    for text in svg.find_all("text"):
        if text.attrs.get("font-weight") == "700":
            nodes.append((text.text(), []))
        elif "badge" not in (text.attrs.get("class") or ""):
            nodes[-1][1].append(text.text())
    return nodes


def map_parts(root: Element) -> list[Element]:
    return root.find_all("figure", "map-part")


def test_html_draws_each_part_of_the_alignment_map_as_inline_svg_each_item_once() -> None:
    plan = full_plan()
    root = html_tree(plan)
    parts = map_parts(root)
    captions = [part.find("figcaption").text() for part in parts]
    assert captions[-1] == "Not connected to any goal"
    assert len(parts) == len(GOALS) + 1
    boxes: list[tuple[str, list[str]]] = []
    for part in parts:
        (svg, phone) = part.find_all("svg")
        assert svg.attrs["class"] == "map-drawing wide"
        assert phone.attrs["class"] == "map-drawing phone"  # the same part drawn for a phone
        for drawing in (svg, phone):
            tags = {el.tag for el in drawing.elements()}
            assert tags <= {"svg", "title", "polyline", "rect", "text"}
        wide_boxes = svg_nodes(svg)
        assert [label for label, _ in svg_nodes(phone)] == [label for label, _ in wide_boxes]
        boxes += wide_boxes
    # Each item once, in map order; a box's lines hold its wording, then its flags.
    assert [label for label, _lines in boxes] == [
        text.split(": ", 1)[0].upper() for _d, text, _i in MAP_ITEMS
    ]
    for (_label, lines), (_d, text, idea_id) in zip(boxes, MAP_ITEMS, strict=True):
        wording = text.split(": ", 1)[1].removesuffix(" (1 action)")
        assert " ".join(lines).startswith(wording)
        for flag in gap_flags(plan).get(idea_id or 0, ()):
            assert f"⚠ {flag}" in " ".join(lines)
    # Flagged boxes have a red edge; the others their level's colour.
    flagged = [
        r
        for part in parts
        for r in part.find_all("svg")[0].find_all("rect")
        if r.attrs.get("class")
    ]
    assert len(flagged) == sum(1 for _d, _t, i in MAP_ITEMS if gap_flags(plan).get(i or 0))
    assert {r.attrs["stroke"] for r in flagged} == {"#b42318"}
    # Actions are counted on their project, as a badge.
    badges = [t.text() for part in parts for t in part.find_all("svg")[0].find_all("text", "badge")]
    assert badges == ["1 action", "1 action"]
    # The outline is there as a list too, for screen readers and copying.
    outline = next(el for el in root.find_all("ul", "map-outline"))
    assert outline.kids()[0].own_text() == f"Vision: {VISION}"


def test_html_map_wraps_a_long_wording_over_several_lines_keeping_every_word() -> None:
    plan = retext(full_plan(), 11, LONG)  # the second goal
    (svg, _phone) = map_parts(html_tree(plan))[1].find_all("svg")
    label, lines = svg_nodes(svg)[0]
    assert label == "GOAL"
    wording = [line for line in lines if not line.startswith("⚠")]
    assert len(wording) > 1
    assert " ".join(wording).split() == LONG.split()
    assert all(len(line) < len(LONG) for line in wording)


def test_html_draws_the_roadmap_as_inline_svg_and_lists_what_is_not_scheduled() -> None:
    root = html_tree(full_plan())
    roadmap = root.find("figure", "roadmap")
    (svg, phone) = roadmap.find_all("svg")
    assert phone.attrs["class"] == "roadmap-drawing phone"
    texts = [t.text() for t in svg.find_all("text")]
    assert [t for t in texts if t.isdigit()] == ["2026", "2027", "2028", "2029", "2030", "2031"]
    assert any(PROJECTS[0] in t for t in texts)
    unscheduled = root.find("p", "unscheduled").text()
    assert unscheduled.startswith("Not scheduled yet:") and PROJECTS[2] in unscheduled


def test_html_shows_markup_typed_by_participants_as_literal_text() -> None:
    root = html_tree(full_plan())
    tags = {el.tag for el in root.elements()}
    assert "b" not in tags and "script" not in tags  # SCRIPT holds both
    sections = html_sections(root)
    charters = [el for el in sections["Projects"] if el.tag == "section"]
    assert [c.find("h4").text() for c in charters][1:] == [SCRIPT, BOLD]
    svg_texts = [t.text() for part in map_parts(root) for t in part.find_all("text")]
    assert SCRIPT in svg_texts and BOLD in svg_texts
    cells = [td.text() for td in root.find_all("td")]
    for text in (FORMULA, EMOJI, LONG, GREEK, CYRILLIC, VISION):
        assert any(cell.startswith(text) for cell in cells), text
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
    assert "· DRAFT · taken " in draft.find("title").text()
    assert draft.find("div", "draft-mark").text() == "DRAFT"
    banners = [p.text() for p in draft.find_all("p", "draft-banner")]
    assert banners == [DRAFT_NOTICE, DRAFT_NOTICE]  # on the cover and at the end
    final = html_tree(full_plan())
    assert not final.find_all("div", "draft-mark") and not final.find_all("p", "draft-banner")
    assert "DRAFT" not in final.find("title").text().upper()
    assert "DRAFT" not in final.find("body").text().upper()


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("by 2030-12-31", 'by <span class="date">2030-12-31</span>'),
        (
            "2027-01-15 to 2027-06-30",
            '<span class="date">2027-01-15</span> to <span class="date">2027-06-30</span>',
        ),
        ("<b>2027-01-15</b>", '&lt;b&gt;<span class="date">2027-01-15</span>&lt;/b&gt;'),
        ("no date", "no date"),
        (
            "from USD 0 to USD 12 million by 2031",
            'from <span class="date">USD 0</span> to '
            '<span class="date">USD 12 million</span> by 2031',
        ),
        ("EUR 1,500.50 a year", '<span class="date">EUR 1,500.50</span> a year'),
        ("20271-01-15x", "20271-01-15x"),  # not a date
    ],
)
def test_html_keeps_each_date_on_one_line_and_escapes_the_rest(text: str, html: str) -> None:
    assert str(keep_dates(text)) == html


@pytest.mark.parametrize(
    ("widths", "numeric", "nowrap", "wide"),
    [
        ((0.6, 4.2, 0.7, 1.1, 1.1, 1.0), (True, False, True, True, False, False), (), 1),
        (
            (0.4, 3, 1.4, 1.1, 2.4),
            (True, False, False, False, False),
            (True, False, False, True, False),
            1,
        ),
        ((1.5, 1.4, 3.2, 1.1, 1.1), (False,) * 5, (False, False, False, True, True), 2),
        ((2.4, 2.4, 1.6), (False,) * 3, (), 0),  # a tie: the first
        ((), (True, False, False), (), 1),  # no widths: the first text column
        ((1, 1), (True, True), (), 0),
    ],
)
def test_html_gives_the_widest_wrapping_column_the_room_and_the_flags(
    widths: tuple[float, ...], numeric: tuple[bool, ...], nowrap: tuple[bool, ...], wide: int
) -> None:
    assert wide_column(widths, numeric, nowrap) == wide


def test_html_groups_headings_and_notes_with_the_block_they_lead_into() -> None:
    heading, note = Heading(2, "Programs"), Paragraph("A note.", "note")
    table = Table(("A",), (("1",),), (False,))
    facts = Facts("Program charter", "Fund", (("Manager", "Ana"),))
    found = chunks(
        (
            heading,
            note,
            facts,
            Paragraph("Served by:"),
            table,
            heading,
            note,
            Heading(2, "Next"),
            heading,
        )
    )
    assert [(len(c.lead), c.block, c.keep) for c in found] == [
        (2, facts, True),  # short: kept whole with its heading
        (1, table, False),  # a table may be long: its lead-in only avoids a break after
        (2, None, True),  # a section of notes only ends where the next heading starts
        (2, None, True),  # headings left at the end
    ]


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
    gaps = [(GAP_LABELS[g["kind"]], g["item"]) for g in data["gaps"]]
    assert set(GAPS) <= set(gaps)


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
    (_caption, rows, _flags) = md_charters(md_section(tokens, "Projects"))[1]
    assert ["Goals served", "Rail share above 45% by 2030"] in rows
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
    before = {(g.kind, g.item) for g in plan.gaps}
    after = {(g.kind, g.item) for g in reviewed.gaps}
    assert before - after == {("project_without_owner", SCRIPT), ("project_without_due", BOLD)}
    assert after < before
    listed = md_bullet_depths(md_section(md_tokens(reviewed), "Gaps"))
    assert [text for depth, text in listed if depth == 0] == [
        item for _label, items in gaps_by_kind(reviewed) for item in items
    ]
    assert SCRIPT not in [text for _depth, text in listed]
    assert reviewed.version == plan.version + 1 == 2
    assert reviewed.note == "Owners and dates agreed after the day"
    cover = text_of(md_tokens(reviewed)[7])
    assert "Version 2: Owners and dates agreed after the day" in cover
    charters = md_charters(md_section(md_tokens(reviewed), "Projects"))
    assert ["Owner", "Ana Costa"] in charters[1][1]
    assert ["Completion date", "2028-03-31"] in charters[2][1]


def test_a_second_review_makes_version_three() -> None:
    second = apply_review(full_plan(), items=[{"id": 31, "fields": {"owner": "Ana"}}])
    third = apply_review(second, items=[{"id": 31, "fields": {"owner": None}}], facilitator="Bo")
    assert (second.version, third.version) == (2, 3)
    assert third.facilitator == "Bo"
    gaps = dict(gaps_by_kind(third))
    assert SCRIPT in gaps["Project without an owner (1)"]
    mapped = [text for _, text in md_bullet_depths(md_section(md_tokens(third), "Alignment map"))]
    assert f"Project: {SCRIPT} (1 action){flag_suffix(third, 31)}" in mapped
    assert "⚠ Project without an owner" in flag_suffix(third, 31)


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


# Escaping only where structure would form: whatever a participant types, each position reads
# back exactly as typed (markdown-it as the independent reader), and text that cannot become
# structure there keeps no backslash.
MARKDOWN_ALPHABET = "\\`*_{}[]<>()#+-.!|~&=:;'\"/ aZ19é⚠\t"
TYPED = st.text(alphabet=MARKDOWN_ALPHABET, max_size=24).filter(lambda t: t.split())


def md_inline_of(markdown: str) -> Token:
    (inline,) = [t for t in MD.parse(markdown) if t.type == "inline"][-1:]
    return inline


def md_plain(inline: Token, allowed: frozenset[str] = frozenset()) -> str:
    kinds = {child.type for child in inline.children or []}
    assert kinds <= {"text"} | allowed, kinds
    return text_of(inline)


@settings(database=None, max_examples=300, deadline=None)
@given(TYPED)
def test_markdown_escaping_reads_back_exactly_in_every_position(typed: str) -> None:
    text = " ".join(typed.split())
    for markdown, prefix in (
        (md_escape(typed), ""),
        (f"- {md_escape(typed)}", ""),
        (f"1. {md_escape(typed)}", ""),
        (f"> {md_escape(typed)}", ""),
        (f"## {md_escape(typed, HEADING)}", ""),
        (f"- Owner: {md_escape(typed, INLINE)}", "Owner: "),
        (f"Line one  \n{md_escape(typed)}", "Line one\n"),
    ):
        tokens = MD.parse(markdown)
        assert not [t for t in tokens if t.type in ("hr", "code_block", "fence", "html_block")]
        assert md_plain(md_inline_of(markdown), frozenset({"hardbreak"})) == prefix + text
    for wrapped, kind in (
        (f"*{md_escape(typed, WRAPPED)}*", "em"),
        (f"**{md_escape(typed, WRAPPED)}**", "strong"),
    ):
        inline = md_inline_of(wrapped)
        children = [c.type for c in inline.children or [] if c.type != "text" or c.content]
        assert children[0] == f"{kind}_open" and children[-1] == f"{kind}_close"
        assert md_plain(inline, frozenset({f"{kind}_open", f"{kind}_close"})) == text
    table = f"| A | B |\n| --- | --- |\n| {md_escape(typed, CELL)} | z |"
    (parsed,) = md_tables(MD.parse(table))
    assert parsed.rows == [[text, "z"]]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("Completion date: 2027-03-15", BLOCK),
        ("0.89 mean impact, 3 dots (2 of 14)", CELL),
        ("Acme Ports & Co", HEADING),
        ("Jobs created from 120 to 400 by 2029-12-31", INLINE),
        ("snake_case and 2 * 3 = 6 + 1", BLOCK),
        ("Runners-up: one (3 dots); two #2.", WRAPPED),
    ],
)
def test_markdown_leaves_text_that_cannot_become_structure_alone(text: str, position: str) -> None:
    assert md_escape(text, position) == text


def test_the_board_plan_in_markdown_has_no_backslash_at_all() -> None:
    markdown = render_markdown(board_plan())
    assert "\\" not in markdown
    assert "2029-12-31" in markdown
