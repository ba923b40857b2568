"""The plan document: assembled once, rendered byte for byte the same as Markdown and HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from html import escape
from typing import Any

import pytest
from markdown_it import MarkdownIt

from workshop.activities import REGISTRY
from workshop.core.traits import DECIDES
from workshop.plan import (
    PlanDocument,
    PlanItem,
    StageOutcome,
    assemble_plan,
    consensus_label,
    render_html,
    render_markdown,
)
from workshop.plan import notes as plan_notes

FINISHED_AT = datetime(2030, 1, 2, 9, 5, 42, tzinfo=UTC)


def item(text: str, rank: int, votes: int, score: int = 0, *, selected: bool = False) -> PlanItem:
    return PlanItem(
        text=text,
        rank=rank,
        score=score,
        votes=votes,
        shortlisted=score > 0 or selected,
        selected=selected,
    )


def stages() -> list[StageOutcome]:
    return [
        StageOutcome(
            key="vision",
            title="Vision",
            prompt="Where should Acme be in 3 years?",
            completed=True,
            items=(
                item("The region's first carbon neutral port", 1, 9, 8, selected=True),
                item("Twice the cargo, half the emissions", 2, 7, 4),
                item("A port the city is proud of", 3, 2),
            ),
        ),
        StageOutcome(
            key="goals",
            title="Goals",
            prompt="What must be true?",
            completed=True,
            items=(
                item("Electrify every crane", 1, 6, 9, selected=True),
                item("Shore power at all berths", 2, 8, 7, selected=True),
                item("Rail share above 40%", 3, 5, 3, selected=True),
                item("Publish emissions monthly", 4, 4, 1),
            ),
        ),
        StageOutcome(
            key="projects",
            title="Projects",
            prompt="Which project?",
            completed=False,
            items=(item("Pilot an electric tug", 1, 0),),
        ),
    ]


def build(stage_list: list[StageOutcome] | None = None, **overrides: object) -> PlanDocument:
    fields: dict[str, object] = {
        "title": "Acme 2030",
        "organization": "Acme Ports",
        "horizon_years": 3,
        "finished_at": FINISHED_AT,
        "participants": 12,
        "stages": stages() if stage_list is None else stage_list,
    }
    fields.update(overrides)
    return assemble_plan(**fields)  # type: ignore[arg-type]


def html_text(html: str) -> str:
    """The words of some HTML, tags dropped and spaces joined."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def level_html(html: str, title: str) -> str:
    """The HTML of a level's own section: after its "<h2>", up to the next "<h2>"."""
    return html.split(f"<h2>{escape(title, quote=False)}</h2>", 1)[1].split("<h2", 1)[0]


def level_section(markdown: str, title: str) -> str:
    """The stage's own section: "### <title>" under "## <title>" (the strategy page before it
    may name the level too)."""
    return section(markdown.split(f"\n## {title}\n", 1)[1], f"### {title}")


def section(markdown: str, heading: str) -> str:
    """The Markdown between `heading` and the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = markdown.index(heading + "\n")
    rest = markdown[start + len(heading) + 1 :]
    stop = re.search(rf"^#{{1,{len(level)}}} ", rest, re.MULTILINE)
    return rest[: stop.start()] if stop else rest


def html_section(html: str, title: str, level: int = 2) -> str:
    """The HTML after the first heading `<h{level}>title</h{level}>`, up to the next heading
    of the same or a higher level (the page has no section elements: headings delimit)."""
    heading = f"<h{level}>{escape(title, quote=False)}</h{level}>"
    assert heading in html, f"no heading {heading!r}"
    rest = html.split(heading, 1)[1]
    stop = re.search(rf"<h[1-{level}]>", rest)
    return rest[: stop.start()] if stop else rest


def table_cells(row: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


# --------------------------------------------------------------------------- determinism


def test_same_workshop_gives_the_same_plan_byte_for_byte() -> None:
    first, second = build(), build()
    assert first == second
    assert first.as_dict() == second.as_dict()
    assert render_markdown(first).encode() == render_markdown(second).encode()
    assert render_html(first).encode() == render_html(second).encode()


def test_the_finish_time_is_fixed_at_assembly_to_the_minute() -> None:
    plan = build()
    assert plan.finished_at == "2030-01-02 09:05 UTC"
    assert (plan.date, plan.start_year, plan.end_year) == ("2030-01-02", 2030, 2033)
    # A date is no structure: Markdown writes it as it is.
    assert (
        "Dated 2030-01-02 · workshop finished 2030-01-02 09:05 UTC"
        in render_markdown(plan).splitlines()[5]
    )
    cover = render_html(plan).split('<header class="cover">', 1)[1].split("</header>", 1)[0]
    assert "Dated 2030-01-02 · workshop finished 2030-01-02 09:05 UTC" in html_text(cover)


def test_as_dict_is_a_plain_copy_of_the_plan() -> None:
    data = build().as_dict()
    assert data["title"] == "Acme 2030"
    assert [stage["key"] for stage in data["stages"]] == ["vision", "goals", "projects"]
    assert data["stages"][0]["items"][0]["text"] == "The region's first carbon neutral port"
    assert (data["start_year"], data["end_year"], data["date"]) == (2030, 2033, "2030-01-02")


# --------------------------------------------------------------------------- the cover


@pytest.mark.parametrize(
    ("years", "participants", "contributions", "horizon", "turnout"),
    [
        (1, 1, 1, "Horizon: 2030\u20132031 (1 year)", "1 participant · 1 contribution"),
        (3, 12, 40, "Horizon: 2030\u20132033 (3 years)", "12 participants · 40 contributions"),
        (10, 0, 0, "Horizon: 2030\u20132040 (10 years)", "0 participants · 0 contributions"),
    ],
)
def test_markdown_cover_states_horizon_and_turnout(
    years: int, participants: int, contributions: int, horizon: str, turnout: str
) -> None:
    markdown = render_markdown(
        build(horizon_years=years, participants=participants, contributions=contributions)
    )
    lines = markdown.splitlines()
    assert lines[:8] == [
        "# Strategic plan: Acme 2030",
        "",
        "**Acme Ports**",
        "",
        horizon + "  ",  # two spaces: a hard line break between the cover's facts
        "Dated 2030-01-02 · workshop finished 2030-01-02 09:05 UTC  ",
        turnout + "  ",
        "Version 1 · published 2030-01-02",
    ]


def test_markdown_cover_without_organisation_or_facilitator() -> None:
    lines = render_markdown(build(organization=None)).splitlines()
    assert lines[2].startswith("Horizon: 2030\u20132033 (3 years)")
    assert not any(line.startswith("Facilitated by") for line in lines)


def test_the_cover_names_the_facilitator() -> None:
    plan = build(facilitator="Ana Ñúñez")
    assert render_markdown(plan).splitlines()[6] == "Facilitated by Ana Ñúñez  "
    assert "<li>Facilitated by Ana Ñúñez</li>" in render_html(plan)


# --------------------------------------------------------------------------- selected items


def test_a_single_selected_item_is_a_statement() -> None:
    plan = build()
    vision = section(render_markdown(plan), "### Vision")
    statements = [line for line in vision.splitlines() if line.startswith("> ")]
    assert statements == ["> The region's first carbon neutral port"]
    # The others are only mentioned as runners-up, with the support they had.
    others = [line for line in vision.splitlines() if "Twice the cargo" in line]
    assert others == [
        "*Runners-up: Twice the cargo, half the emissions (7 dots); "
        "A port the city is proud of (2 dots).*"
    ]
    html = level_html(render_html(plan), "Vision")
    assert re.findall(r"<blockquote>(.*?)</blockquote>", html, re.DOTALL) == [
        "The region&#39;s first carbon neutral port"
    ]
    assert '<p class="note">Runners-up: Twice the cargo' in html


def test_the_selected_goals_are_numbered_sub_sections_in_rank_order() -> None:
    plan = build()
    goals = section(render_markdown(plan), "## Strategic goals")
    headings = [line for line in goals.splitlines() if line.startswith("### ")]
    assert headings == [
        "### 1. Electrify every crane",
        "### 2. Shore power at all berths",
        "### 3. Rail share above 40%",
    ]
    # The goal that was not selected is only a runner-up, after the selected ones.
    mentions = [line for line in goals.splitlines() if "Publish emissions monthly" in line]
    assert mentions == ["*Runners-up: Publish emissions monthly (4 dots).*"]
    html = html_section(render_html(plan), "Strategic goals")
    assert re.findall(r"<h3>(.*?)</h3>", html) == [
        "1. Electrify every crane",
        "2. Shore power at all berths",
        "3. Rail share above 40%",
    ]
    assert "<blockquote>" not in html


def test_several_selected_values_are_an_ordered_list_in_rank_order() -> None:
    values = StageOutcome(
        key="values",
        title="Values",
        prompt="?",
        completed=True,
        items=(
            item("Safety first", 1, 9, 9, selected=True),
            item("Open books", 2, 7, 7, selected=True),
            item("Kindness", 3, 5, 5, selected=True),
            item("Speed", 4, 1, 1),
        ),
    )
    plan = build([values])
    markdown = level_section(render_markdown(plan), "Values")
    listed = [line for line in markdown.splitlines() if re.match(r"\d+\. ", line)]
    assert listed == ["1. Safety first", "2. Open books", "3. Kindness"]
    assert "Speed" not in "\n".join(listed)
    html = level_html(render_html(plan), "Values")
    assert re.findall(r"<li>(.*?)</li>", html) == ["Safety first", "Open books", "Kindness"]
    assert "<blockquote>" not in html


def test_a_stage_not_completed_says_so_and_selects_nothing() -> None:
    plan = build()
    projects = section(render_markdown(plan), "## Projects")
    assert "not completed" in projects
    assert "Pilot an electric tug" not in projects
    html = html_section(render_html(plan), "Projects")
    assert "not completed" in html
    assert "<li>" not in html and "<blockquote>" not in html
    assert "Pilot an electric tug" not in html


def test_a_completed_stage_with_no_selection_says_so() -> None:
    empty = StageOutcome(key="values", title="Values", prompt="?", completed=True, items=())
    plan = build([empty])
    values = level_section(render_markdown(plan), "Values")
    assert "*No ideas were selected in this stage.*" in values.splitlines()
    assert "not completed" not in values
    html = html_section(render_html(plan), "Values", level=3)
    assert '<p class="note">No ideas were selected in this stage.</p>' in html


# --------------------------------------------------------------------------- appendix


def scored(plan: PlanDocument) -> PlanDocument:
    """The plan with every stage decided by a dot vote (its appendix then has tables; a stage
    no step scored lists its ideas as written)."""
    return replace(plan, stages=tuple(replace(s, score_label="dots") for s in plan.stages))


def test_the_appendix_lists_every_idea_with_dots_score_and_selection() -> None:
    plan = scored(build())
    appendix = render_markdown(plan).split("## Appendix: how each decision was made\n", 1)[1]
    for stage in plan.stages:
        lines = section(appendix, f"### {stage.title}").splitlines()
        header = next(line for line in lines if line.startswith("| Rank"))
        assert table_cells(header) == [
            "Rank",
            "Idea",
            "Dots",
            "Score (dots)",
            "Consensus",
            "Selected",
        ]
        rows = [table_cells(line) for line in lines if re.match(r"\| \d+ \|", line)]
        assert rows == [
            [
                str(i.rank),
                i.text,
                str(i.votes),
                str(i.score),
                consensus_label(i),
                "✔" if i.selected else "",
            ]
            for i in stage.items
        ]


def test_the_html_appendix_lists_every_idea_with_dots_score_and_selection() -> None:
    plan = scored(build())
    html = render_html(plan).split("Appendix: how each decision was made", 1)[1]
    rows = re.findall(r"<tr( class=\"marked\")?>(<td.*?)</tr>", html)
    expected = [
        (
            ' class="marked"' if i.selected else "",
            [str(i.rank), i.text, str(i.votes), str(i.score), consensus_label(i)]
            + (["✔"] if i.selected else [""]),
        )
        for stage in plan.stages
        for i in stage.items
    ]
    assert [(marked, re.findall(r"<td[^>]*>(.*?)</td>", cells)) for marked, cells in rows] == [
        (marked, [escape(cell).replace("&#x27;", "&#39;") for cell in cells])
        for marked, cells in expected
    ]


def test_a_stage_without_ideas_says_so_in_the_appendix() -> None:
    empty = StageOutcome(key="values", title="Values", prompt="?", completed=False, items=())
    markdown = render_markdown(build([empty]))
    appendix = markdown.split("## Appendix: how each decision was made\n", 1)[1]
    values = [line for line in section(appendix, "### Values").splitlines() if line]
    assert values == ["*No ideas.*"]  # no table, no notes: the stage was never decided


# --------------------------------------------------------------------------- escaping

TRICKY = "*bold* | pipe # heading"


def tricky_plan(text: str) -> PlanDocument:
    stage = StageOutcome(
        key="vision",
        title="Vision",
        prompt="?",
        completed=True,
        items=(item(text, 1, 3, 2, selected=True), item("plain", 2, 1)),
    )
    return build([stage])


MD = MarkdownIt("commonmark").enable("table")


def read_back(markdown: str) -> list[tuple[str, list[str]]]:
    """Each paragraph, heading, list item and cell of the Markdown as a reader gets it: its
    text and the kinds of inline structure in it (none but text for typed words)."""
    out = []
    for token in MD.parse(markdown):
        if token.type == "inline":
            children = token.children or []
            kinds = sorted({c.type for c in children} - {"text", "softbreak", "hardbreak"})
            text = "".join(c.content for c in children if c.type == "text")
            out.append((text, kinds))
    return out


def test_markdown_keeps_participant_text_as_typed_and_on_one_line() -> None:
    markdown = render_markdown(tricky_plan(TRICKY))
    read = read_back(markdown)
    # The statement and the appendix read back exactly as typed, with no structure.
    assert [kinds for text, kinds in read if text == TRICKY] == [[], []]
    assert ("Vision: " + TRICKY, ["strong"]) not in read  # the summary: bold label, then text
    assert sum(TRICKY in text for text, _ in read) == 3


@pytest.mark.parametrize(
    "text",
    [
        "first line\nsecond line",
        "first line\r\n\r\n  second line",
        "first line\tsecond line",
        "first line\u2028second line",
    ],
)
def test_markdown_keeps_a_multi_line_idea_on_one_line(text: str) -> None:
    markdown = render_markdown(tricky_plan(text))
    lines = markdown.splitlines()
    assert "> first line second line" in lines
    # The strategy page's vision, the statement and the appendix entry: each on one line.
    assert sum("first line second line" in line for line in lines) == 3
    assert not any(line.strip() == "second line" for line in lines)


@pytest.mark.parametrize(
    "text",
    [
        "<b>loud</b>",
        "[click](http://evil.example)",
        "![img](x.png)",
        "`code` and \\backslash",
        "1. not a list",
        "- not a bullet",
        "+ not a bullet",
        "# not a heading",
        "> not a quote",
        "~~gone~~ _slanted_ *bold* {x}",
        "Zoë's plan: 100% 天空",
    ],
)
def test_markdown_specials_in_ideas_read_back_as_typed(text: str) -> None:
    markdown = render_markdown(tricky_plan(text))
    read = read_back(markdown)
    found = [kinds for typed, kinds in read if typed == text]
    assert found == [[], []], read  # the statement and the appendix entry
    tokens = [t.type for t in MD.parse(markdown)]
    assert "html_block" not in tokens


def test_markdown_does_not_turn_typed_entities_into_characters() -> None:
    # CommonMark decodes "&amp;", "&lt;" and "&copy;" in text; a participant who typed them
    # must see them as typed, so the "&" needs escaping like every other special character.
    text = "R&amp;D budget &lt; 5% &copy; 2030"
    markdown = render_markdown(tricky_plan(text))
    line = next(line for line in markdown.splitlines() if line.startswith("> "))
    assert not re.search(r"(?<!\\)&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", line, re.IGNORECASE)


def test_plan_title_and_organisation_are_escaped_too() -> None:
    markdown = render_markdown(build(title="# Acme *2030*", organization="Acme | Ports"))
    read = read_back(markdown)
    assert read[0] == ("Strategic plan: # Acme *2030*", [])
    assert read[1] == ("Acme | Ports", ["strong_close", "strong_open"])


def test_html_escapes_scripts_in_participant_text() -> None:
    attack = "<script>alert('x')</script>"
    html = render_html(
        build(
            title=attack,
            organization=attack,
            stage_list=[
                StageOutcome(
                    key="vision",
                    title=attack,
                    prompt="?",
                    completed=True,
                    items=(item(attack, 1, 2, 1, selected=True),),
                )
            ],
        )
    )
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert re.search(r"<blockquote>\s*&lt;script&gt;", html)


def test_html_is_self_contained_and_printable() -> None:
    html = render_html(build())
    lowered = html.lower()
    assert lowered.startswith("<!doctype html>")
    assert "<style>" in lowered and "</style>" in lowered
    assert "<script" not in lowered
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    assert not re.search(r"\b(src|href)\s*=", lowered)
    assert "http://" not in lowered and "https://" not in lowered
    assert '<meta charset="utf-8">' in lowered


def test_html_with_a_link_typed_as_an_idea_shows_it_as_text() -> None:
    html = render_html(tricky_plan('<a href="https://evil.example">x</a>'))
    assert not re.search(r"<a\b", html)
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt;" in html


# --------------------------------------------------------------------------- how it was decided


def decision_notes(
    steps: list[dict[str, Any]],
    decision: dict[str, Any] | None,
    texts: dict[int, str],
    rounds: list[dict[str, Any]] | tuple[()] = (),
) -> tuple[str, ...]:
    """The notes as the plan writes them, with the registry's kinds' words and the selection
    of the step that decides."""
    select = next(
        (
            REGISTRY[step["kind"]].picks(step["settings"])
            for step in steps
            if DECIDES in REGISTRY[step["kind"]].traits
        ),
        0,
    )
    return plan_notes.decision_notes(steps, decision, texts, rounds, kinds=REGISTRY, select=select)


RANK_STEPS = [
    {"kind": "brainstorm", "settings": {}},
    {"kind": "vote", "settings": {"dot_budget": 5, "max_dots_per_idea": 3}},
    {"kind": "rank", "settings": {"shortlist_size": 3, "method": "schulze"}},
    {"kind": "done", "settings": {"select_count": 1}},
]
TEXTS = {1: "Alpha", 2: "Beta", 3: "Gamma"}


def rank_decision(**overrides: Any) -> dict[str, Any]:
    decision: dict[str, Any] = {
        "kind": "rank",
        "method": "schulze",
        "round": 1,
        "voters": 7,
        "picks": 1,
        "robust": True,
        "methods": {"borda": [1], "schulze": [1], "copeland": [1]},
        "kendall_w": 0.5,
        "condorcet_winner": None,
        "items": [
            {"idea_id": 1, "rank": 1, "score": 9, "consensus": 0.8, "contested": False},
            {"idea_id": 2, "rank": 2, "score": 6, "consensus": 0.2, "contested": True},
            {"idea_id": 3, "rank": 3, "score": 3, "consensus": 0.9, "contested": False},
        ],
    }
    decision.update(overrides)
    return decision


def test_the_notes_say_how_a_ranking_decided_in_plain_words() -> None:
    notes = decision_notes(RANK_STEPS, rank_decision(), TEXTS)
    assert "Dot vote: each participant had 5 dots, at most 3 on one idea." in notes
    assert any(
        "The top 3 by dots were shortlisted; 7 participants ranked them, counted by the Schulze"
        in note
        for note in notes
    )
    assert "The top 1 item was selected." in notes
    assert "Borda, Schulze and Copeland counting would pick the same items." in notes
    assert "Agreement on the order (Kendall's W, 0 to 1): 0.50." in notes
    assert "The room was split about: Beta." in notes
    assert not any("counting method decides" in note for note in notes)


def test_the_notes_say_when_the_counting_method_decides() -> None:
    methods = {"borda": [2], "schulze": [1], "copeland": [1]}
    notes = decision_notes(RANK_STEPS, rank_decision(robust=False, methods=methods), TEXTS)
    # The step's own count (Schulze) first, then only the counts that pick something else.
    assert "The counting method decides this one. Schulze: Alpha; Borda: Beta." in notes


def test_a_dot_vote_that_the_counting_method_decides_names_its_own_pick() -> None:
    steps = [RANK_STEPS[0], RANK_STEPS[1], RANK_STEPS[3]]
    decision = rank_decision(
        kind="vote",
        method="totals",  # what a dot vote's standings carry
        robust=False,
        methods={"borda": [1], "schulze": [1], "copeland": [1]},
        items=[
            {"idea_id": 2, "rank": 1, "score": 4, "consensus": 0.5, "contested": False},
            {"idea_id": 1, "rank": 2, "score": 4, "consensus": 0.6, "contested": False},
        ],
    )
    notes = decision_notes(steps, decision, TEXTS)
    # Never three identical picks and a claim that the method decides: the dots' own pick shows.
    assert (
        "The counting method decides this one. By dots (this step): Beta; Borda: Alpha; "
        "Schulze: Alpha; Copeland: Alpha." in notes
    )


def test_the_notes_report_what_moved_between_rounds() -> None:
    items = [
        {
            "idea_id": 2,
            "rank": 1,
            "score": 9,
            "consensus": 1.0,
            "contested": False,
            "round1": {"rank": 3, "score": 2},
            "moved": 2,
        },
        {
            "idea_id": 1,
            "rank": 2,
            "score": 6,
            "consensus": 1.0,
            "contested": False,
            "round1": {"rank": 1, "score": 9},
            "moved": -1,
        },
        {
            "idea_id": 3,
            "rank": 3,
            "score": 3,
            "consensus": 1.0,
            "contested": False,
            "round1": {"rank": 2, "score": 4},
            "moved": -1,
        },
    ]
    notes = decision_notes(RANK_STEPS, rank_decision(round=2, items=items), TEXTS)
    moved = next(note for note in notes if note.startswith("The ranking had two rounds"))
    assert moved.endswith(
        "What moved between rounds: Beta rose from place 3 to 1; Alpha fell from place 1 to 2; "
        "Gamma fell from place 2 to 3."
    )


class Tally:
    """A kind of step the plan has never heard of, declaring its words (a `StepNotes`)."""

    score_label = "votes"
    adds_up = "votes"
    step_words = "The show of hands"

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        return f"Show of hands: one hand each, {settings['hands']} rounds."

    def decided_note(
        self, settings: Mapping[str, Any], decision: Mapping[str, Any], *, people: str, earlier: str
    ) -> str | None:
        return f"Decided by the hands of {people}."


def test_the_notes_take_every_words_from_the_kinds_declarations() -> None:
    steps = [{"kind": "hands", "settings": {"hands": 2}}, {"kind": "end", "settings": {}}]
    items = [
        {"idea_id": 1, "rank": 1, "round1": {"rank": 2}, "moved": 1},
        {"idea_id": 2, "rank": 2, "round1": {"rank": 1}, "moved": -1},
    ]
    decision = {"kind": "hands", "method": "totals", "round": 2, "voters": 1, "items": items}
    notes = plan_notes.decision_notes(steps, decision, TEXTS, kinds={"hands": Tally()}, select=0)
    assert notes[:3] == (
        "Show of hands: one hand each, 2 rounds.",
        "Decided by the hands of 1 participant.",
        "Every item was kept.",
    )
    assert notes[3].startswith("The show of hands had two rounds")


def test_a_stage_without_a_scoring_step_keeps_every_item_in_writing_order() -> None:
    steps = [
        {"kind": "brainstorm", "settings": {}},
        {"kind": "done", "settings": {"select_count": 0}},
    ]
    assert decision_notes(steps, None, {}) == ("Every item was kept, in the order it was written.",)


def test_the_appendix_shows_how_it_was_decided_and_each_ideas_consensus() -> None:
    stage = StageOutcome(
        key="goals",
        title="Goals",
        prompt="?",
        completed=True,
        items=(
            PlanItem(
                "Alpha",
                rank=1,
                score=9,
                votes=3,
                shortlisted=True,
                selected=True,
                id=1,
                consensus=0.82,
            ),
            PlanItem(
                "Beta",
                rank=2,
                score=6,
                votes=1,
                shortlisted=True,
                selected=False,
                id=2,
                consensus=0.31,
                contested=True,
                also_said=("beta again",),
            ),
        ),
        how=("Decided by <b>magic</b> *today*.",),
        score_label="dots",
    )
    plan = build([stage])
    appendix = render_markdown(plan).split("## Appendix: how each decision was made\n", 1)[1]
    goals = section(appendix, "### Goals")
    assert ("Decided by <b>magic</b> *today*.", []) in read_back(goals)
    rows = [table_cells(line) for line in goals.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows == [
        ["1", "Alpha", "3", "9", "0.82", "✔"],
        ["2", "Beta (also said: beta again)", "1", "6", "0.31 split", ""],
    ]
    html = render_html(plan).split("Appendix: how each decision was made", 1)[1]
    assert "<li>Decided by &lt;b&gt;magic&lt;/b&gt; *today*.</li>" in html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert "0.31 split" in cells and "Beta (also said: beta again)" in cells


def test_the_notes_report_a_second_round_of_an_earlier_step_too() -> None:
    points = {
        "kind": "allocate",
        "round": 2,
        "items": [
            {"idea_id": 3, "rank": 1, "score": 60, "round1": {"rank": 2, "score": 30}, "moved": 1},
            {"idea_id": 1, "rank": 2, "score": 40, "round1": {"rank": 1, "score": 70}, "moved": -1},
        ],
    }
    notes = decision_notes(RANK_STEPS, rank_decision(), TEXTS, [points])
    assert (
        "The points had two rounds: the round-1 results were shown and discussed, then everyone "
        "could change their entries; the results are from round 2. What moved between rounds: "
        "Gamma rose from place 2 to 1; Alpha fell from place 1 to 2."
    ) in notes


@pytest.mark.parametrize(
    ("score", "consensus", "contested", "score_label", "shown"),
    [
        (0, 0.0, False, "dots", "not chosen"),  # nobody gave it a dot: not "0.00", not divided
        (0, 0.0, False, "points", "not chosen"),
        (3, 0.5, True, "dots", "0.50 split"),
        (0, 0.25, False, "Borda points", "0.25"),  # last in every ranking: a real measure
        (0, None, False, "dots", "n/a"),
    ],
)
def test_the_appendix_says_an_idea_nobody_chose_was_not_chosen(
    score: int, consensus: float | None, contested: bool, score_label: str, shown: str
) -> None:
    idea = PlanItem(
        text="Idea",
        rank=1,
        score=score,
        votes=score,
        shortlisted=False,
        selected=False,
        consensus=consensus,
        contested=contested,
    )
    unchosen = frozenset(
        a.score_label for a in REGISTRY.values() if a.zero_means_unchosen and a.score_label
    )
    assert consensus_label(idea, score_label, unchosen) == shown
