"""Every kind of gap, as the plan finds it from its items (pure: `document.find_gaps`,
`with_gaps`, `assemble_plan` and `levels.plan_gaps`, no database).

Each table row builds a small plan by hand (stages of the levels it needs, each item with its
fields and links) dated 2026-06-15 with a five-year horizon (2026-2031), and names the gaps
it must have, in the order the Gaps section lists them: by kind (`GAP_LABELS`), then in rank
order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from workshop.core import levels
from workshop.plan.document import (
    GAP_LABELS,
    GapLine,
    PlanDocument,
    PlanItem,
    StageOutcome,
    assemble_plan,
    find_gaps,
    from_dict,
    gap_flags,
    gap_text,
    horizon_of,
    outline,
    with_gaps,
)

DAY = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
METRIC = [{"metric": "Share of rail", "baseline": "28%", "target": "40%", "due": "2029-12-31"}]
WHOLE_GOAL: dict[str, Any] = {"metrics": METRIC}
WHOLE_PROGRAM: dict[str, Any] = {"owner": "Ana", "metrics": METRIC}
WHOLE_PROJECT: dict[str, Any] = {"owner": "Ben", "due": "2027-03-31"}
WHOLE_ACTION: dict[str, Any] = {"owner": "Cy", "due": "2026-09-30"}


def it(idea_id: int, *links: int, rank: int = 0, **fields: Any) -> PlanItem:
    """A selected item; `rank` 0: its id's last digit + 1."""
    return PlanItem(
        text=f"Item {idea_id}",
        rank=rank or idea_id % 10 + 1,
        score=0,
        votes=0,
        shortlisted=True,
        selected=True,
        id=idea_id,
        fields=fields,
        links=tuple(links),
    )


def stage(key: str, *items: PlanItem) -> StageOutcome:
    return StageOutcome(key=key, title=key.title(), prompt="", completed=True, items=items)


def plan_of(*stages: StageOutcome, aligned: bool = True, when: datetime = DAY) -> PlanDocument:
    return assemble_plan(
        title="Harbour",
        organization=None,
        horizon_years=5,
        finished_at=when,
        participants=3,
        stages=stages,
        aligned=aligned,
    )


def kinds(plan: PlanDocument) -> list[tuple[str, int]]:
    return [(gap.kind, gap.id) for gap in plan.gaps]


def test_every_gap_kind_has_a_label_in_the_order_the_model_finds_them() -> None:
    assert tuple(GAP_LABELS) == levels.GAP_KINDS
    assert len(set(GAP_LABELS.values())) == len(GAP_LABELS)


def test_a_whole_plan_has_no_gap() -> None:
    plan = plan_of(
        stage("vision", it(1)),
        stage("goals", it(10, **WHOLE_GOAL)),
        stage("programs", it(20, 10, **WHOLE_PROGRAM)),
        stage("projects", it(30, 20, **WHOLE_PROJECT)),
        stage("actions", it(40, 30, **WHOLE_ACTION)),
    )
    assert plan.gaps == ()


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        pytest.param(
            [stage("goals", it(10, **WHOLE_GOAL), it(11, **WHOLE_GOAL))],
            [],
            id="goals-alone-are-served-by-no-level-the-agenda-has",
        ),
        pytest.param(
            [stage("goals", it(10, **WHOLE_GOAL)), stage("projects", it(30, **WHOLE_PROJECT))],
            [("unserved_goal", 10), ("unaligned_project", 30)],
            id="unserved-goal-and-unaligned-project",
        ),
        pytest.param(
            [stage("goals", it(10), it(11, **WHOLE_GOAL), it(12))],
            [("goal_without_metric", 10), ("goal_without_metric", 12)],
            id="goal-without-metric-in-rank-order",
        ),
        pytest.param(
            [stage("goals", it(10, **WHOLE_GOAL)), stage("programs", it(20, 10))],
            [("program_without_manager", 20), ("program_without_metric", 20)],
            id="program-without-manager-and-metric",
        ),
        pytest.param(
            [stage("programs", it(20, **WHOLE_PROGRAM))],
            [],
            id="program-without-goals-stage-serves-no-goal-the-agenda-lacks",
        ),
        pytest.param(
            [stage("goals", it(10, **WHOLE_GOAL)), stage("programs", it(20, **WHOLE_PROGRAM))],
            [("unserved_goal", 10), ("unaligned_program", 20)],
            id="unaligned-program",
        ),
        pytest.param(
            [stage("projects", it(30), it(31, owner="Ana"), it(32, due="2027-01-01"))],
            [
                ("project_without_owner", 30),
                ("project_without_owner", 32),
                ("project_without_due", 30),
                ("project_without_due", 31),
            ],
            id="project-without-owner-or-completion-date",
        ),
        pytest.param(
            [
                stage("projects", it(30, **WHOLE_PROJECT)),
                stage("actions", it(40, 30), it(41, 30, owner="Cy"), it(42, 30, due="2026-07-01")),
            ],
            [
                ("action_without_owner", 40),
                ("action_without_owner", 42),
                ("action_without_due", 40),
                ("action_without_due", 41),
            ],
            id="action-without-owner-or-date",
        ),
        pytest.param(
            [
                stage("goals", it(10, **WHOLE_GOAL)),
                stage("projects", it(30, 10, **WHOLE_PROJECT)),
                stage("actions", it(40, 10, **WHOLE_ACTION), it(41, **WHOLE_ACTION)),
            ],
            [("action_without_project", 40), ("action_without_project", 41)],
            id="action-serving-a-goal-or-nothing-serves-no-project",
        ),
        pytest.param(
            [
                stage("goals", it(10, **WHOLE_GOAL)),
                stage("programs", it(20, 10, **WHOLE_PROGRAM)),
                stage("actions", it(40, 20, **WHOLE_ACTION)),
            ],
            [],
            id="no-projects-stage-no-action-without-project",
        ),
        pytest.param(
            [
                stage("goals", it(10, **WHOLE_GOAL)),
                stage("programs", it(20, 10, **WHOLE_PROGRAM)),
                stage("projects", it(30, 20, **WHOLE_PROJECT)),
            ],
            [],
            id="project-reaches-its-goal-through-its-program",
        ),
    ],
)
def test_gaps_by_kind(stages: list[StageOutcome], expected: list[tuple[str, int]]) -> None:
    assert kinds(plan_of(*stages)) == expected


def test_an_action_without_a_project_says_what_it_serves_instead() -> None:
    plan = plan_of(
        stage("goals", it(10, **WHOLE_GOAL)),
        stage("programs", it(20, 10, **WHOLE_PROGRAM)),
        stage("projects", it(30, 20, **WHOLE_PROJECT)),
        stage("actions", it(40, 10, 20, **WHOLE_ACTION), it(41, **WHOLE_ACTION)),
    )
    assert [(g.kind, g.id, g.detail) for g in plan.gaps] == [
        ("action_without_project", 40, "serves the goal Item 10 and the program Item 20 directly"),
        ("action_without_project", 41, None),
    ]


def test_a_plan_whose_agenda_linked_nothing_has_no_gaps() -> None:
    plan = plan_of(stage("goals", it(10)), stage("projects", it(30)), aligned=False)
    assert plan.gaps == () and with_gaps(plan).gaps == ()


def test_gaps_come_by_kind_then_in_rank_order_whatever_the_stage_order() -> None:
    plan = plan_of(
        stage("goals", it(11, rank=2), it(10, rank=1, **WHOLE_GOAL)),
        stage("projects", it(31, 10, rank=1), it(30, 11, rank=2, owner="Ana")),
    )
    assert kinds(plan) == [
        ("goal_without_metric", 11),
        ("project_without_owner", 31),
        ("project_without_due", 31),
        ("project_without_due", 30),
    ]


# --------------------------------------------------------------------------- dates

# The plan is dated 2026-06-15; its horizon is 2026-2031.


@pytest.mark.parametrize(
    ("level", "fields", "expected"),
    [
        ("projects", {"due": "2031-12-31"}, []),
        ("projects", {"due": "2026-06-15"}, []),
        (
            "projects",
            {"due": "2032-01-01"},
            [("date_outside_horizon", "completion date 2032-01-01, after the horizon ends (2031)")],
        ),
        (
            "projects",
            {"due": "2035-03-01", "start": "2025-12-31"},
            [
                (
                    "date_outside_horizon",
                    "start date 2025-12-31, before the horizon begins (2026)",
                ),
                (
                    "date_outside_horizon",
                    "completion date 2035-03-01, after the horizon ends (2031)",
                ),
            ],
        ),
        (
            "projects",
            {"due": "2026-06-14"},
            [("date_in_past", "completion date 2026-06-14, before the plan's date (2026-06-15)")],
        ),
        (
            "projects",
            {"due": "2026-01-01", "start": "2026-01-01"},
            [
                ("date_in_past", "start date 2026-01-01, before the plan's date (2026-06-15)"),
                ("date_in_past", "completion date 2026-01-01, before the plan's date (2026-06-15)"),
            ],
        ),
        (
            "projects",
            {"due": "2027-01-01", "start": "2028-01-01"},
            [("dates_reversed", "start date 2028-01-01, after its completion date 2027-01-01")],
        ),
        (
            "programs",
            {"start": "2026-07-01", "end": "2032-06-30"},
            [("date_outside_horizon", "end date 2032-06-30, after the horizon ends (2031)")],
        ),
        (
            "programs",
            {"start": "2030-01-01", "end": "2029-01-01"},
            [("dates_reversed", "start date 2030-01-01, after its end date 2029-01-01")],
        ),
        (
            "programs",
            {"metrics": [{"metric": "Jobs", "due": "2040-01-01"}]},
            [
                (
                    "date_outside_horizon",
                    "due date of the metric 'Jobs' 2040-01-01, after the horizon ends (2031)",
                )
            ],
        ),
        (
            "goals",
            {"metrics": [{"metric": "Rail", "due": "2026-03-01"}, {"metric": "Sea"}]},
            [
                (
                    "date_in_past",
                    "due date of the metric 'Rail' 2026-03-01, before the plan's date (2026-06-15)",
                )
            ],
        ),
        (
            "actions",
            {"due": "2031-12-31"},
            [],
        ),
        (
            "actions",
            {"due": "2025-12-31"},
            [("date_outside_horizon", "date 2025-12-31, before the horizon begins (2026)")],
        ),
    ],
)
def test_dates_outside_the_horizon_in_the_past_or_reversed(
    level: str, fields: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    whole = {
        "goals": {"metrics": METRIC},
        "programs": {"owner": "Ana", "metrics": METRIC},
        "projects": {"owner": "Ben", "due": "2027-03-31"},
        "actions": {"owner": "Cy", "due": "2026-09-30"},
    }[level]
    plan = plan_of(stage(level, it(50, **{**whole, **fields})))
    found = [(gap.kind, gap.detail) for gap in plan.gaps if gap.kind.startswith("date")]
    assert found == expected
    for gap in plan.gaps:
        if gap.detail:
            assert gap_text(gap) == f"{GAP_LABELS[gap.kind]}: {gap.detail}"


def test_the_horizon_is_the_plans_own_day_and_years() -> None:
    plan = plan_of(stage("projects", it(30, owner="Ana", due="2031-12-31")))
    assert horizon_of(plan) == levels.Horizon(datetime(2026, 6, 15).date(), 2026, 2031)
    assert plan.gaps == ()
    # The same plan a year later: its date moved, so did its horizon (and its past).
    later = replace(plan, date="2027-06-15", start_year=2027)
    assert [(g.kind, g.detail) for g in with_gaps(later).gaps] == []
    earlier = replace(plan, date="2025-06-15", start_year=2025)
    assert [(g.kind, g.detail) for g in with_gaps(earlier).gaps] == [
        ("date_outside_horizon", "completion date 2031-12-31, after the horizon ends (2030)")
    ]
    # Without a date nothing is checked against it.
    assert horizon_of(replace(plan, date="")) is None


def test_without_a_horizon_find_gaps_checks_no_date() -> None:
    stages = [stage("projects", it(30, owner="Ana", due="1999-01-01"))]
    assert find_gaps(stages) == ()


# --------------------------------------------------------------------------- tie-breaks


def test_an_item_selected_by_a_tie_break_is_a_gap() -> None:
    tied = replace(it(10, **WHOLE_GOAL), tie_break=True)
    plan = plan_of(stage("goals", it(11, rank=1, **WHOLE_GOAL), tied))
    assert plan.gaps == (GapLine("tie_break_selection", "Item 10", 10),)
    assert gap_flags(plan) == {10: ("Selected by a tie-break",)}


def test_a_tie_break_item_not_selected_is_no_gap() -> None:
    runner_up = replace(it(11, **WHOLE_GOAL), tie_break=True, selected=False)
    assert plan_of(stage("goals", it(10, **WHOLE_GOAL), runner_up)).gaps == ()


# --------------------------------------------------------------------------- dropped items


def test_a_dropped_item_is_never_a_gap_and_links_to_it_count_as_nothing() -> None:
    goal = it(10, **WHOLE_GOAL)
    dropped_goal = replace(it(11), dropped=True)
    project = it(30, 11, **WHOLE_PROJECT)  # serves only the dropped goal
    dropped_project = replace(it(31, 10), dropped=True)  # the only one serving goal 10
    plan = plan_of(stage("goals", goal, dropped_goal), stage("projects", project, dropped_project))
    assert kinds(plan) == [("unserved_goal", 10), ("unaligned_project", 30)]
    # Nothing shows the dropped items but the appendix.
    assert plan.selected_of("goals") == [goal]
    assert plan.children(10) == [] and plan.links_of(project) == ()
    assert plan.item_text(11) == "item 11"
    assert [text for _, _, text in outline(plan)] == ["Item 10", "Item 30"]
    goals = plan.stage("goals")
    assert goals is not None and goals.dropped == [dropped_goal]
    # Restored, both come back with their links.
    restored = with_gaps(
        replace(
            plan,
            stages=(
                stage("goals", goal, replace(dropped_goal, dropped=False)),
                stage("projects", project, replace(dropped_project, dropped=False)),
            ),
        )
    )
    assert kinds(restored) == [
        ("goal_without_metric", 11),
        ("project_without_owner", 31),
        ("project_without_due", 31),
    ]
    assert restored.links_of(project) == (11,) and restored.item_text(11) == "Item 11"


def test_a_dropped_item_stays_dropped_through_json() -> None:
    plan = plan_of(stage("goals", it(10, **WHOLE_GOAL), replace(it(11), dropped=True)))
    back = from_dict(plan.as_dict())
    assert back == plan
    goals = back.stage("goals")
    assert goals is not None and [i.id for i in goals.dropped] == [11]
