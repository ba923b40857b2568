"""The plan covers every level: fields under each item, what it serves, the alignment and gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from workshop.plan import (
    GapLine,
    PlanDocument,
    PlanItem,
    StageOutcome,
    assemble_plan,
    detail_lines,
    outline,
    render_html,
    render_markdown,
)
from workshop.plan.layout import Heading, Items, layout

FINISHED_AT = datetime(2030, 1, 2, 9, 5, tzinfo=UTC)


def chosen(
    idea_id: int, wording: str, rank: int, *, links: tuple[int, ...] = (), **fields: Any
) -> PlanItem:
    return PlanItem(
        text=wording,
        rank=rank,
        score=0,
        votes=0,
        shortlisted=True,
        selected=True,
        id=idea_id,
        fields=fields,
        links=links,
    )


def stage(key: str, title: str, *items: PlanItem) -> StageOutcome:
    return StageOutcome(key=key, title=title, prompt="", completed=True, items=items)


def full_plan() -> PlanDocument:
    return assemble_plan(
        title="Acme 2030",
        organization="Acme",
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=3,
        aligned=True,
        stages=[
            stage("vision", "Vision", chosen(1, "A carbon neutral port", 1)),
            stage(
                "goals",
                "Strategic goals",
                chosen(
                    2,
                    "Halve emissions",
                    1,
                    metrics=[
                        {
                            "metric": "CO2 t/yr",
                            "baseline": "1200",
                            "target": "600",
                            "due": "2028-12-31",
                        }
                    ],
                ),
                chosen(3, "Rail share above 40%", 2),
            ),
            stage(
                "programs",
                "Programs",
                chosen(4, "Electrification", 1, links=(2,), owner="Ana", outcome="No diesel"),
            ),
            stage(
                "projects",
                "Projects",
                chosen(
                    5,
                    "Electric cranes",
                    1,
                    links=(4,),
                    owner="Ben",
                    due="2027-06-30",
                    approach="agile",
                    deliverables=["6 cranes", "Training"],
                ),
                chosen(6, "Pilot shore power", 2, links=(2,)),
            ),
            stage(
                "actions",
                "Action items",
                chosen(7, "Call the crane vendor", 1, links=(5,), owner="Cleo", due="2027-01-15"),
            ),
        ],
    )


def entries(plan: PlanDocument, heading: str) -> dict[str, tuple[str, ...]]:
    """The entries listed in the section under the H2 `heading`, with their facts."""
    blocks = list(layout(plan))
    start = blocks.index(Heading(2, heading))
    found: dict[str, tuple[str, ...]] = {}
    for block in blocks[start + 1 :]:
        if isinstance(block, Heading) and block.level == 2:
            break
        if isinstance(block, Items):
            found.update({entry.text: entry.details for entry in block.entries})
    return found


def test_programs_and_projects_show_as_the_different_things_they_are() -> None:
    plan = full_plan()
    # A program is judged by its outcome, under a program manager, and lists its projects.
    assert entries(plan, "Programs") == {
        "Electrification": (
            "Program manager: Ana",
            "Outcome: No diesel",
            "Serves: Halve emissions",
            "Projects: Electric cranes",
        )
    }
    # A project is judged by deliverables and a completion date, under an owner; one under
    # no program is independent, and what it serves directly is named.
    assert entries(plan, "Projects") == {
        "Electric cranes": (
            "Owner: Ben",
            "Deliverables: 6 cranes; Training",
            "Completion date: 2027-06-30",
            "Approach: agile",
            "Program: Electrification",
        ),
        "Pilot shore power": (
            "Owner: not named yet",
            "Deliverables: none listed",
            "Completion date: not set yet",
            "Approach: not chosen",
            "Independent project (under no program)",
            "Serves: Halve emissions",
        ),
    }


def test_detail_lines_name_each_field_by_what_it_means_at_its_level() -> None:
    plan = full_plan()
    program = detail_lines(plan, plan.stages[2], plan.stages[2].items[0])
    assert program == ["Program manager: Ana", "Outcome: No diesel", "Serves: Halve emissions"]
    project = detail_lines(plan, plan.stages[3], plan.stages[3].items[0])
    assert project == [
        "Owner: Ben",
        "Completion date: 2027-06-30",
        "Approach: agile",
        "Deliverables: 6 cranes; Training",
        "Serves: Electrification",
    ]
    independent = detail_lines(plan, plan.stages[3], plan.stages[3].items[1])
    assert independent == ["Serves: Halve emissions", "Independent project (under no program)"]
    goal = detail_lines(plan, plan.stages[1], plan.stages[1].items[0])
    assert goal == ["Success metric: CO2 t/yr from 1200 to 600 by 2028-12-31"]


def test_the_gaps_are_found_from_the_selected_items_and_their_links() -> None:
    assert full_plan().gaps == (
        GapLine("unserved_goal", "Rail share above 40%", 3),
        GapLine("project_without_owner", "Pilot shore power", 6),
        GapLine("project_without_due", "Pilot shore power", 6),
    )


def test_the_alignment_map_is_a_tree_from_the_vision_down() -> None:
    assert outline(full_plan()) == [
        (0, "Vision", "A carbon neutral port"),
        (1, "Strategic goals", "Halve emissions"),
        (2, "Programs", "Electrification"),
        (3, "Projects", "Electric cranes"),
        (4, "Action items", "Call the crane vendor"),
        (2, "Projects", "Pilot shore power"),
        (1, "Strategic goals", "Rail share above 40%"),
    ]


def test_items_that_reach_no_root_are_listed_at_the_top_level() -> None:
    plan = assemble_plan(
        title="T",
        organization=None,
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=0,
        aligned=True,
        stages=[
            stage("goals", "Goals", chosen(1, "G", 1)),
            stage("projects", "Projects", chosen(2, "Orphan", 1)),
        ],
    )
    assert outline(plan) == [(0, "Goals", "G"), (0, "Projects", "Orphan")]


def test_markdown_has_every_level_the_alignment_and_the_gaps() -> None:
    markdown = render_markdown(full_plan())
    lines = markdown.splitlines()
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Executive summary",
        "## Vision",
        "## Strategic goals",
        "## Programs",
        "## Projects",
        "## Alignment map",
        "## Action plan",
        "## Appendix: how each decision was made",
    ]
    assert "### Gaps" in lines
    assert "- Goal that nothing serves: Rail share above 40%" in lines
    assert "- Project without an owner: Pilot shore power" in lines
    assert "- Project without a completion date: Pilot shore power" in lines
    # The action sits four levels under the vision: vision, goal, program, project, action.
    assert "                - Action items: Call the crane vendor" in lines
    assert r"   - Completion date: 2027\-06\-30" in lines
    # The action plan is a table of who does what by when, and what it serves.
    assert r"| 1 | Call the crane vendor | Cleo | 2027\-01\-15 | Electric cranes |" in lines


def test_a_corrected_wording_is_shown_with_the_wording_as_voted() -> None:
    item = chosen(1, "Electrify cranes", 1, text="Electrify every crane by 2028")
    plan = assemble_plan(
        title="T",
        organization=None,
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=0,
        stages=[stage("goals", "Goals", item, chosen(2, "Other", 2))],
    )
    markdown = render_markdown(plan)
    goal = markdown.split("### 1\\. Electrify every crane by 2028\n", 1)[1].split("### ", 1)[0]
    assert "*Wording as voted: Electrify cranes*" in goal.splitlines()
    assert "1. Electrify every crane by 2028" in markdown.splitlines()  # the summary
    # The appendix keeps the wording the room voted on.
    appendix = markdown.split("## Appendix: how each decision was made\n", 1)[1]
    assert "| 1 | Electrify cranes | 0 | 0 | n/a | ✔ |" in appendix.splitlines()
    assert "Electrify every crane by 2028" not in appendix
    assert "## Alignment map" not in markdown  # nothing linked: no map, no gaps


class Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(" ".join(data.split()))


def test_html_has_the_alignment_and_the_gaps_and_no_script() -> None:
    parser = Texts()
    parser.feed(render_html(full_plan()))
    assert "script" not in parser.tags
    assert "Alignment map" in parser.texts and "Gaps" in parser.texts
    assert "Goal that nothing serves: Rail share above 40%" in parser.texts
    assert "Independent project (under no program)" in parser.texts
    assert "Project without a completion date: Pilot shore power" in parser.texts


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_rendering_is_byte_for_byte_repeatable(render: Any) -> None:
    assert render(full_plan()) == render(full_plan())


def test_a_goal_lists_the_projects_that_serve_it_through_its_programs() -> None:
    from tests.plan_samples import GOALS, full_plan

    markdown = render_markdown(full_plan())
    first_goal = markdown.split(f"### 1\\. {GOALS[0]}\n", 1)[1].split("\n### ", 1)[0]
    assert "- Programs: Green energy program" in first_goal
    assert "- Projects: Pilot an electric tug \\(through Green energy program\\)" in first_goal
    third_goal = markdown.split("### 3\\. Rail share above 40%\n", 1)[1].split("\n## ", 1)[0]
    assert "(through" not in third_goal.replace("\\(", "(")
