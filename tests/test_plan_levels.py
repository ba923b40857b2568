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
        gaps=[
            GapLine("unserved_goal", "Rail share above 40%"),
            GapLine("project_without_owner", "Pilot shore power"),
        ],
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


def test_programs_and_projects_show_as_the_different_things_they_are() -> None:
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
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Vision",
        "## Strategic goals",
        "## Programs",
        "## Projects",
        "## Action items",
        "## Alignment",
        "## Appendix: every idea",
    ]
    assert "### Gaps" in markdown
    assert "- Goal that nothing serves: Rail share above 40%" in markdown
    assert "- Project without an owner: Pilot shore power" in markdown
    assert "                - Action items: Call the crane vendor" in markdown
    assert "    - Completion date: 2027\\-06\\-30" in markdown


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
    assert "1. Electrify every crane by 2028\n    - Wording as voted: Electrify cranes" in markdown
    assert "## Alignment" not in markdown  # nothing linked: no map, no gaps


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
    assert "Alignment" in parser.texts and "Gaps" in parser.texts
    assert "Goal that nothing serves: Rail share above 40%" in parser.texts
    assert "Independent project (under no program)" in parser.texts


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_rendering_is_byte_for_byte_repeatable(render: Any) -> None:
    assert render(full_plan()) == render(full_plan())
