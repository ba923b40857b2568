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
                            "due": "2032-12-31",
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
                    due="2031-06-30",
                    approach="agile",
                    deliverables=["6 cranes", "Training"],
                ),
                chosen(6, "Pilot shore power", 2, links=(2,)),
            ),
            stage(
                "actions",
                "Action items",
                chosen(7, "Call the crane vendor", 1, links=(5,), owner="Cleo", due="2030-03-15"),
            ),
        ],
    )


def plain_lines(plan: PlanDocument) -> list[str]:
    """The plan's Markdown lines, read without its escapes (a backslash only marks a character
    that would otherwise be structure)."""
    return [line.replace("\\", "").rstrip() for line in render_markdown(plan).splitlines()]


def test_programs_and_projects_show_as_the_different_things_they_are() -> None:
    lines = plain_lines(full_plan())
    # A program's charter: judged by its outcome, under a program manager, with its projects.
    program = lines[lines.index("**Program charter: Electrification**") :]
    for row in (
        "| Program manager | Ana |",
        "| Outcome | No diesel |",
        "| Goals served | Halve emissions |",
        "| Projects | Electric cranes |",
    ):
        assert row in program[: program.index("## Projects")]
    # A project's: deliverables and a completion date under an owner; one under no program is
    # independent, and what it serves directly is named.
    cranes = lines[lines.index("**Project charter: Electric cranes**") :]
    for row in (
        "| Owner | Ben |",
        "| Deliverables | 6 cranes; Training |",
        "| Completion date | 2031-06-30 |",
        "| Approach | agile |",
        "| Program | Electrification |",
    ):
        assert row in cranes[: cranes.index("**Project charter: Pilot shore power**")]
    shore = lines[lines.index("**Project charter: Pilot shore power**") :]
    shore = shore[: shore.index("## Alignment map")]
    assert "| Program | Independent project (under no program) |" in shore
    assert "| Goals served | Halve emissions |" in shore


def test_detail_lines_name_each_field_by_what_it_means_at_its_level() -> None:
    plan = full_plan()
    program = detail_lines(plan, plan.stages[2], plan.stages[2].items[0])
    assert program == ["Program manager: Ana", "Outcome: No diesel", "Serves: Halve emissions"]
    project = detail_lines(plan, plan.stages[3], plan.stages[3].items[0])
    assert project == [
        "Owner: Ben",
        "Completion date: 2031-06-30",
        "Approach: agile",
        "Deliverables: 6 cranes; Training",
        "Serves: Electrification",
    ]
    independent = detail_lines(plan, plan.stages[3], plan.stages[3].items[1])
    assert independent == ["Serves: Halve emissions", "Independent project (under no program)"]
    goal = detail_lines(plan, plan.stages[1], plan.stages[1].items[0])
    assert goal == ["Success metric: CO2 t/yr from 1200 to 600 by 2032-12-31"]


def test_the_gaps_are_found_from_the_selected_items_and_their_links() -> None:
    assert full_plan().gaps == (
        GapLine("unserved_goal", "Rail share above 40%", 3),
        GapLine("goal_without_metric", "Rail share above 40%", 3),
        GapLine("program_without_metric", "Electrification", 4),
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
    lines = plain_lines(full_plan())
    headings = [line for line in lines if line.startswith("## ")]
    in_order = [
        "## Vision",
        "## Strategic goals",
        "## Programs",
        "## Projects",
        "## Alignment map",
        "## Gaps",
        "## Action plan",
        "## Appendix: how each decision was made",
    ]
    assert [h for h in headings if h in in_order] == in_order
    gaps = lines[lines.index("## Gaps") : lines.index("## Action plan")]
    for label, item in (
        ("Goal that nothing serves", "Rail share above 40%"),
        ("Project without an owner", "Pilot shore power"),
        ("Project without a completion date", "Pilot shore power"),
    ):
        assert gaps[gaps.index(f"**{label} (1)**") + 2] == f"- {item}"
    # The action sits four levels under the vision: vision, goal, program, project, action.
    outline = lines[lines.index("## Alignment map") : lines.index("## Gaps")]
    depth = {line.strip(): len(line) - len(line.lstrip()) for line in outline if "- " in line}
    assert depth["- Vision: A carbon neutral port"] == 0
    assert depth["- Project: Electric cranes (1 action)"] == 3 * depth["- Goal: Halve emissions"]
    # The action plan is a table of who does what by when, and what it serves.
    assert "| 1 | Call the crane vendor | Cleo | 2030-03-15 | Electric cranes |" in lines


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
    lines = plain_lines(plan)
    goal = lines[lines.index("### 1. Electrify every crane by 2028") :]
    goal = goal[: next(n for n, line in enumerate(goal[1:], 1) if line.startswith("#"))]
    assert "*Wording as voted: Electrify cranes*" in goal
    # The appendix keeps the wording the room voted on.
    appendix = lines[lines.index("## Appendix: how each decision was made") :]
    assert any("Electrify cranes" in line for line in appendix)
    assert not any("Electrify every crane by 2028" in line for line in appendix)
    assert "## Alignment map" not in lines  # nothing linked: no map, no gaps


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
    texts = " ".join(parser.texts)
    for label in GAP_LABELS_SHOWN:
        assert label in texts
    assert "Rail share above 40%" in texts
    assert "Independent project (under no program)" in texts


GAP_LABELS_SHOWN = (
    "Goal that nothing serves",
    "Goal without a success metric",
    "Program without a success metric",
    "Project without an owner",
    "Project without a completion date",
)


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_rendering_is_byte_for_byte_repeatable(render: Any) -> None:
    assert render(full_plan()) == render(full_plan())


def test_a_goal_lists_the_projects_that_serve_it_through_its_programs() -> None:
    from tests.plan_samples import GOALS, full_plan

    lines = plain_lines(full_plan())
    start = lines.index(f"### 1. {GOALS[0]}".replace("\\", ""))
    first_goal = lines[start + 1 : lines.index("### 2. " + GOALS[1].replace("\\", ""))]
    assert any(line.startswith("- Program: Green energy program") for line in first_goal)
    assert any(
        line.startswith("- Project: Pilot an electric tug (through Green energy program)")
        for line in first_goal
    )
    third = lines.index("### 3. Rail share above 40%")
    third_goal = lines[
        third : third + next(n for n, x in enumerate(lines[third + 1 :], 1) if x.startswith("#"))
    ]
    assert not any("(through" in line for line in third_goal)
