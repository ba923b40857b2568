"""What `layout(plan)` says, block by block, before any renderer draws it: the board's
document (issue 16) in its section order, the strategy page and its caps, the scorecard, the
charters, the owners table, governance dates, the gaps inline and the appendix.

Plans come from `tests/plan_samples.py` (no database): `board_plan()` is a realistic
12-person full strategic plan with deliberate gaps, `big_plan()` 40 projects under 6 goals.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import date
from typing import Any

import pytest

from tests.plan_samples import (
    BOARD_ACTIONS,
    BOARD_GOALS,
    BOARD_MISSION,
    BOARD_PROGRAMS,
    BOARD_PROJECTS,
    BOARD_UNALIGNED_PROJECT,
    BOARD_UNDATED_ACTION,
    BOARD_UNSERVED_GOAL,
    BOARD_VALUES,
    BOARD_VISION,
    FINISHED_AT,
    big_plan,
    board_plan,
    crowded_plan,
    full_plan,
    item,
    stage,
)
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan.document import GAP_LABELS, UNSCORED, VersionEntry, from_dict, with_gaps
from workshop.plan.layout import (
    OWNERS_COLUMNS,
    SCORECARD_COLUMNS,
    STRATEGY_GOALS,
    Block,
    Cover,
    Entry,
    Facts,
    GoalSummary,
    Heading,
    Items,
    MapBlock,
    Outline,
    PageBreak,
    Paragraph,
    RoadmapBlock,
    StrategyPage,
    Table,
    add_months,
    control_line,
    document_title,
    duties,
    layout,
    next_review,
)

APPENDIX = "Appendix: how each decision was made"
BOARD_SECTIONS = [
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
    APPENDIX,
]


def sections(blocks: tuple[Block, ...]) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Heading) and b.level == 2]


def section(blocks: tuple[Block, ...], title: str) -> list[Block]:
    """The blocks of one level-2 section, its heading left out."""
    start = next(
        n
        for n, b in enumerate(blocks)
        if isinstance(b, Heading) and b.level == 2 and b.text == title
    )
    out: list[Block] = []
    for block in blocks[start + 1 :]:
        if (isinstance(block, Heading) and block.level == 2) or isinstance(block, PageBreak):
            break
        out.append(block)
    return out


def only(blocks: list[Block], kind: type) -> list:
    return [b for b in blocks if isinstance(b, kind)]


def texts(value: object) -> list[str]:
    """Every string inside a block, however deeply nested."""
    if isinstance(value, str):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        return [t for f in fields(value) for t in texts(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [t for part in value for t in texts(part)]
    return []


def strategy(plan: PlanDocument) -> StrategyPage:
    return only(section(layout(plan), "Strategy on a page"), StrategyPage)[0]


def custom_only_plan() -> PlanDocument:
    return assemble_plan(
        title="Ideas day",
        organization=None,
        horizon_years=2,
        finished_at=FINISHED_AT,
        participants=5,
        stages=[
            stage("ideas", "Ideas", [item(1, "Open a café", 1, selected=True, votes=3, score=3)]),
            stage("risks", "Risks", [item(2, "Rain", 1, votes=1, score=1)]),
        ],
    )


def nothing_selected_plan() -> PlanDocument:
    return assemble_plan(
        title="Undecided",
        organization="Nobody",
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=4,
        stages=[
            stage("goals", "Strategic goals", [item(1, "Maybe", 1)]),
            stage("projects", "Projects", [item(2, "Perhaps", 1)], completed=False),
            stage("actions", "Action items", [], label=UNSCORED),
        ],
        aligned=True,
    )


# ---- section order


def test_the_board_plan_has_every_section_in_the_issues_order() -> None:
    blocks = layout(board_plan())
    assert isinstance(blocks[0], Cover)
    assert sections(blocks) == BOARD_SECTIONS
    assert isinstance(blocks[1], Heading) and isinstance(blocks[2], StrategyPage)
    assert only(section(blocks, "Roadmap by year"), RoadmapBlock)
    assert only(section(blocks, "Alignment map"), MapBlock)
    assert not only(list(blocks), Outline)  # the drawn map replaces the outline


def test_a_draft_has_the_same_sections_and_no_version_history() -> None:
    blocks = layout(board_plan(draft=True))
    assert sections(blocks) == BOARD_SECTIONS
    governance = section(blocks, "Governance")
    assert not any(isinstance(b, Heading) and b.text == "Version history" for b in governance)
    rows = dict(only(governance, Facts)[0].rows)
    assert rows["Next review"] == "set when the plan is published"
    assert rows["This document"].startswith("DRAFT · taken ")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            custom_only_plan,
            ["Strategy on a page", "Ideas", "Risks", "Governance", APPENDIX],
        ),
        (
            nothing_selected_plan,
            [
                "Strategy on a page",
                "Strategic goals",
                "Projects",
                "Gaps",
                "Action plan",
                "Who owns what",
                "Governance",
                APPENDIX,
            ],
        ),
        (
            lambda: crowded_plan(1),
            ["Strategy on a page", "Scorecard", "Strategic goals", "Governance", APPENDIX],
        ),
        (
            lambda: crowded_plan(50),
            ["Strategy on a page", "Scorecard", "Strategic goals", "Governance", APPENDIX],
        ),
    ],
    ids=["custom-stages-only", "nothing-selected", "one-item", "fifty-items"],
)
def test_each_section_appears_only_when_the_agenda_produced_it(make, expected) -> None:
    assert sections(layout(make())) == expected


def test_a_plan_of_custom_stages_says_so_on_the_strategy_page() -> None:
    page = strategy(custom_only_plan())
    assert page.goals == () and page.first_actions == () and page.vision is None
    assert page.note is not None and "no vision, goals or actions" in page.note


@pytest.mark.parametrize(
    "make",
    [full_plan, lambda: full_plan(draft=True), big_plan, board_plan, lambda: big_plan(1)],
    ids=["full", "full-draft", "big", "board", "one-project"],
)
def test_every_table_has_a_nowrap_flag_per_column_and_flags_per_row(make) -> None:
    for table in only(list(layout(make())), Table):
        assert len(table.nowrap) == len(table.columns), table.columns
        assert not table.flags or len(table.flags) == len(table.rows), table.columns
        assert not table.widths or len(table.widths) == len(table.columns), table.columns
        assert all(len(row) == len(table.columns) for row in table.rows), table.columns


def test_a_stored_plan_read_back_lays_out_the_same() -> None:
    for plan in (board_plan(), board_plan(dropped=(134,)), big_plan()):
        assert layout(from_dict(plan.as_dict())) == layout(plan)


# ---- strategy on a page


def test_the_strategy_page_holds_the_strategy() -> None:
    page = strategy(board_plan())
    assert page.vision == BOARD_VISION
    assert page.mission == BOARD_MISSION
    assert page.values == BOARD_VALUES
    assert [goal.text for goal in page.goals] == list(BOARD_GOALS)
    assert page.goals[0].metric == "Jobs created by funded businesses from 0 to 400 by 2029-12-31"
    assert page.goals[2].serving == (
        BOARD_PROGRAMS[1],
        BOARD_PROGRAMS[2],
        BOARD_PROJECTS[2],
        BOARD_PROJECTS[3],
    )
    assert page.goals[3] == GoalSummary(
        BOARD_UNSERVED_GOAL,
        "Local makers selling abroad from 4 to 20 by 2030-12-31",
        (),
        ("Goal that nothing serves",),
    )
    assert page.note is None


def test_the_strategy_page_caps_what_serves_a_goal() -> None:
    # Goal 1 is served by two programs, one project directly and three through the fund.
    serving = strategy(board_plan()).goals[0].serving
    assert serving == (BOARD_PROGRAMS[0], BOARD_PROGRAMS[2], BOARD_PROJECTS[0], "and 3 more")
    for goal in strategy(big_plan()).goals:  # 6 or 7 projects per goal
        assert len(goal.serving) == 4 and goal.serving[-1].startswith("and ")


def test_the_strategy_page_names_the_most_important_gaps_first() -> None:
    plan = board_plan()
    page = strategy(plan)
    assert page.gap_count == len(plan.gaps) > 3
    assert page.top_gaps == (
        f"Goal that nothing serves: {BOARD_UNSERVED_GOAL}",
        f"Project that serves no goal: {BOARD_UNALIGNED_PROJECT}",
        f"Action without a date: {BOARD_UNDATED_ACTION}",
    )


def test_the_strategy_page_lists_the_first_five_actions_with_owner_and_date() -> None:
    page = strategy(board_plan())
    assert page.first_actions == (
        (BOARD_ACTIONS[0], "Sam Okafor", "2027-01-29"),
        (BOARD_ACTIONS[1], "Dana Whitfield", "2027-02-26"),  # written "Dana  Whitfield"
        (BOARD_ACTIONS[2], "Priya Shah", "2027-03-31"),
        (BOARD_ACTIONS[3], "Luis Ortega", "2027-02-15"),
        (BOARD_ACTIONS[4], "Grace Kim", "2027-06-30"),  # written "grace kim"
    )
    undated = strategy(board_plan(dropped=(140,))).first_actions[4]
    assert undated == (BOARD_UNDATED_ACTION, "Maria Lopez", "no date")


def test_the_strategy_page_shows_at_most_six_goals_and_says_how_many_more() -> None:
    goals = [item(n, f"Goal {n}", n, selected=True, votes=20 - n) for n in range(1, 10)]
    plan = assemble_plan(
        title="Many goals",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=3,
        stages=[stage("goals", "Strategic goals", goals)],
    )
    page = strategy(plan)
    assert len(page.goals) == STRATEGY_GOALS == 6
    assert page.note == "3 more goals are listed under Strategic goals (9 in all)."
    assert [goal.metric for goal in page.goals] == [None] * 6


# ---- scorecard


def test_the_scorecard_lists_every_goal_and_program_measure() -> None:
    table = only(section(layout(board_plan()), "Scorecard"), Table)[0]
    assert table.columns == SCORECARD_COLUMNS
    assert table.rows == (
        (
            "Jobs created by funded businesses",
            f"Goal: {BOARD_GOALS[0]}",
            "Dana Whitfield; Priya Shah",
            "0",
            "400",
            "2029-12-31",
            "Quarterly",
        ),
        (
            "Funded businesses still trading after 3 years",
            f"Goal: {BOARD_GOALS[0]}",
            "Dana Whitfield; Priya Shah",
            "62%",
            "75%",
            "2031-06-30",
            "Quarterly",
        ),
        (
            "Loans to first-time owners a year",
            f"Goal: {BOARD_GOALS[1]}",
            "Dana Whitfield",
            "35",
            "120",
            "2028-12-31",
            "Quarterly",
        ),
        (
            "Weekend footfall on Main Street",
            f"Goal: {BOARD_GOALS[2]}",
            "Luis Ortega; Priya Shah",
            "8,200",
            "11,000",
            "2028-09-30",
            "Quarterly",
        ),
        (
            "Local makers selling abroad",
            f"Goal: {BOARD_UNSERVED_GOAL}",
            "not named yet",
            "4",
            "20",
            "2030-12-31",
            "Quarterly",
        ),
        (
            "Loans disbursed",
            f"Program: {BOARD_PROGRAMS[0]}",
            "Dana Whitfield",
            "USD 0",
            "USD 12 million",
            "2031-06-30",
            "Quarterly",
        ),
        (
            "Businesses funded",
            f"Program: {BOARD_PROGRAMS[0]}",
            "Dana Whitfield",
            "0",
            "300",
            "2031-06-30",
            "Quarterly",
        ),
        (
            "Community events a year",
            f"Program: {BOARD_PROGRAMS[1]}",
            "Luis Ortega",
            "6",
            "24",
            "2028-12-31",
            "Quarterly",
        ),
        (
            "Residents who recognise the Buy Local mark",
            f"Program: {BOARD_PROGRAMS[2]}",
            "Priya Shah",  # written "priya shah "
            "10%",
            "45%",
            "2028-06-30",
            "Quarterly",
        ),
    )
    # The unserved goal and the program ending after the horizon are flagged where the items
    # are shown, not on their measures: none of these measures is itself wrong.
    assert table.flags == ()
    assert table.nowrap[SCORECARD_COLUMNS.index("Due")]


def test_a_measure_due_after_the_horizon_is_flagged_on_its_own_row_only() -> None:
    board = board_plan()

    def moved(metric: dict[str, Any]) -> dict[str, Any]:
        return (
            {**metric, "due": "2033-03-31"} if metric["metric"] == "Businesses funded" else metric
        )

    stages = tuple(
        replace(
            stage,
            items=tuple(
                replace(
                    item,
                    fields={**item.fields, "metrics": [moved(m) for m in item.fields["metrics"]]},
                )
                if item.id == 120
                else item
                for item in stage.items
            ),
        )
        for stage in board.stages
    )
    plan = with_gaps(replace(board, stages=stages))
    table = only(section(layout(plan), "Scorecard"), Table)[0]
    flags = {row[0]: row_flags for row, row_flags in zip(table.rows, table.flags, strict=True)}
    assert len(flags["Businesses funded"]) == 1
    assert "2033-03-31" in flags["Businesses funded"][0]
    assert flags["Businesses funded"][0].startswith(GAP_LABELS["date_outside_horizon"])
    assert flags["Loans disbursed"] == ()  # the program's own end date is not about it
    assert [name for name, found in flags.items() if found] == ["Businesses funded"]


@pytest.mark.parametrize(
    ("cadence", "shown"),
    [
        ("monthly", "Monthly"),
        ("quarterly", "Quarterly"),
        ("half-yearly", "Half-yearly"),
        ("yearly", "Yearly"),
    ],
)
def test_the_scorecards_review_frequency_is_the_plans_cadence(cadence: str, shown: str) -> None:
    table = only(section(layout(board_plan(review_cadence=cadence)), "Scorecard"), Table)[0]
    assert {row[-1] for row in table.rows} == {shown}


def test_a_goal_served_only_by_projects_is_owned_by_their_owners() -> None:
    table = only(section(layout(full_plan()), "Scorecard"), Table)[0]
    owners = {row[1]: row[2] for row in table.rows}
    assert owners == {"Goal: Electrify every crane": "Maria Costa"}  # the program's manager


# ---- charters


def test_programs_and_projects_are_charters() -> None:
    blocks = layout(board_plan())
    programs = only(section(blocks, "Programs"), Facts)
    projects = only(section(blocks, "Projects"), Facts)
    assert [(f.caption, f.title) for f in programs] == [
        ("Program charter", p) for p in BOARD_PROGRAMS
    ]
    assert [(f.caption, f.title) for f in projects] == [
        ("Project charter", p) for p in BOARD_PROJECTS
    ]
    assert programs[1].rows == (
        ("Program manager", "Luis Ortega"),
        ("Outcome", "A reason to come to Main Street every month of the year"),
        ("Measure", "Community events a year from 6 to 24 by 2028-12-31"),
        ("Budget or funding", "USD 180,000 a year"),
        ("Duration", "2027-03-01 to 2029-12-31"),
        ("Goals served", BOARD_GOALS[2]),
        ("Projects", BOARD_PROJECTS[2]),
    )
    assert projects[1].rows == (
        ("Owner", "Priya Shah"),
        ("Sponsor", "Maria Lopez"),
        ("Deliverables", "40 volunteer mentors; A matching guide"),
        ("Start", "2027-03-01"),
        ("Completion date", "2027-12-15"),
        ("Approach", "hybrid"),
        ("Budget", "USD 30,000"),
        ("Program", BOARD_PROGRAMS[0]),
        ("Goals served", f"{BOARD_GOALS[1]}; {BOARD_GOALS[0]} (through {BOARD_PROGRAMS[0]})"),
    )
    lone = dict(projects[4].rows)
    assert lone["Program"] == "Independent project (under no program)"
    assert lone["Goals served"] == "no goal" and lone["Sponsor"] == "not named yet"
    judged = [b.text for b in section(blocks, "Programs") if isinstance(b, Paragraph)]
    assert "judged by" in judged[0] and "outcome" in judged[0]
    judged = [b.text for b in section(blocks, "Projects") if isinstance(b, Paragraph)]
    assert "judged by" in judged[0] and "deliverables" in judged[0]


# ---- who owns what


def test_the_owners_table_merges_names_across_case_and_spaces_and_lists_sponsors() -> None:
    people = {
        person: [(d.role, d.item.wording) for d in theirs]
        for person, theirs in duties(board_plan())
    }
    assert list(people) == sorted(people, key=str.casefold)
    assert people["Priya Shah"] == [
        ("Program manager", BOARD_PROGRAMS[2]),  # "priya shah "
        ("Project owner", BOARD_PROJECTS[1]),
        ("Project sponsor", BOARD_PROJECTS[3]),  # "PRIYA SHAH"
        ("Action owner", BOARD_ACTIONS[2]),
    ]
    assert people["Dana Whitfield"] == [
        ("Program manager", BOARD_PROGRAMS[0]),
        ("Project sponsor", BOARD_PROJECTS[0]),
        ("Project sponsor", BOARD_PROJECTS[5]),
        ("Action owner", BOARD_ACTIONS[1]),  # "Dana  Whitfield"
    ]
    assert people["Grace Kim"] == [
        ("Project owner", BOARD_PROJECTS[3]),
        ("Action owner", BOARD_ACTIONS[4]),  # "grace kim"
    ]
    assert people["Maria Lopez"] == [
        ("Project sponsor", BOARD_PROJECTS[1]),
        ("Project sponsor", BOARD_PROJECTS[2]),
        ("Action owner", BOARD_UNDATED_ACTION),
    ]
    assert len(people) == 8


def test_a_person_is_spelled_the_same_in_charters_and_the_action_plan() -> None:
    blocks = layout(board_plan())
    programs = {f.title: dict(f.rows) for f in only(section(blocks, "Programs"), Facts)}
    assert programs[BOARD_PROGRAMS[2]]["Program manager"] == "Priya Shah"  # "priya shah "
    projects = {f.title: dict(f.rows) for f in only(section(blocks, "Projects"), Facts)}
    assert projects[BOARD_PROJECTS[3]]["Sponsor"] == "Priya Shah"  # "PRIYA SHAH"
    actions = only(section(blocks, "Action plan"), Table)[0]
    assert [row[2] for row in actions.rows][1:5] == [
        "Dana Whitfield",  # "Dana  Whitfield"
        "Priya Shah",
        "Luis Ortega",
        "Grace Kim",  # "grace kim"
    ]


def test_the_owners_table_shows_each_person_once_with_their_dates() -> None:
    table = only(section(layout(board_plan()), "Who owns what"), Table)[0]
    assert table.columns == OWNERS_COLUMNS
    named = [row[0] for row in table.rows if row[0]]
    assert len(named) == len(set(named)) == 8
    fund = next(row for row in table.rows if row[2] == BOARD_PROGRAMS[0])
    assert fund == (
        "Dana Whitfield",
        "Program manager",
        BOARD_PROGRAMS[0],
        "2027-07-01",
        "2032-06-30",
    )
    undated = next(row for row in table.rows if row[2] == BOARD_UNDATED_ACTION)
    assert (
        undated[3:] == ("", "")
        and "Action without a date" in table.flags[table.rows.index(undated)]
    )
    assert table.nowrap == (False, True, False, True, True)


def test_items_nobody_owns_are_listed_last_as_not_named_yet() -> None:
    table = only(section(layout(full_plan()), "Who owns what"), Table)[0]
    last = [row for row in table.rows[-3:]]
    assert last[0][0] == "Not named yet"
    assert {row[2] for row in last} >= {"Стратегия развития: Ёлка и щука"}


# ---- governance


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 3), 3, date(2027, 3, 3)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
    ],
)
def test_add_months_clamps_to_the_months_last_day(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("published_at", "cadence", "expected"),
    [
        ("2026-12-03T16:45:00+00:00", "monthly", "2027-01-03"),
        ("2026-12-03T16:45:00+00:00", "quarterly", "2027-03-03"),
        ("2026-12-03T16:45:00+00:00", "half-yearly", "2027-06-03"),
        ("2026-12-03T16:45:00+00:00", "yearly", "2027-12-03"),
        ("2027-01-31T09:00:00+00:00", "monthly", "2027-02-28"),
        ("2027-01-31T23:30:00-02:00", "monthly", "2027-03-01"),  # 1 February in UTC
    ],
)
def test_the_next_review_is_the_publication_date_plus_the_cadence(
    published_at: str, cadence: str, expected: str
) -> None:
    plan = replace(board_plan(review_cadence=cadence), published_at=published_at)
    assert next_review(plan) == date.fromisoformat(expected)
    rows = dict(only(section(layout(plan), "Governance"), Facts)[0].rows)
    assert rows["Next review"] == expected
    assert rows["Review cadence"].startswith(cadence.capitalize() + " (every ")


def test_the_version_history_lists_every_version_with_its_date_and_note() -> None:
    plan = replace(
        board_plan(),
        version=2,
        published_at="2027-01-10T08:00:00+00:00",
        note="Linked the website rebrand",
        history=(
            VersionEntry(1, "2026-12-03T23:45:00-05:00", None),  # 4 December in UTC
            VersionEntry(2, "2027-01-10T08:00:00+00:00", "Linked the website rebrand"),
        ),
    )
    governance = section(layout(plan), "Governance")
    table = only(governance, Table)[0]
    assert table.columns == ("Version", "Date", "Note")
    assert table.rows == (
        ("1", "2026-12-04", "As the workshop finished it"),
        ("2", "2027-01-10", "Linked the website rebrand"),
    )
    assert (
        dict(only(governance, Facts)[0].rows)["This version"] == "Version 2 · published 2027-01-10"
    )


def test_the_control_line_names_the_version_or_the_draft() -> None:
    assert control_line(board_plan()) == "Version 1 · published 2026-12-03"
    assert control_line(board_plan(draft=True)) == "DRAFT · taken 2026-12-03 16:45 UTC"
    assert document_title(board_plan()) == (
        "Strategic plan: Small Business 2031 · Version 1 · published 2026-12-03"
    )


# ---- gaps inline and in their section


def test_every_item_with_a_gap_is_flagged_where_it_appears() -> None:
    blocks = layout(board_plan())
    goals = section(blocks, "Strategic goals")
    at = next(
        n for n, b in enumerate(goals) if isinstance(b, Heading) and BOARD_UNSERVED_GOAL in b.text
    )
    assert goals[at + 1] == Items(
        (Entry("⚠ Goal that nothing serves"),), ordered=False, style="gap"
    )
    charters = {f.title: f.flags for f in only(section(blocks, "Projects"), Facts)}
    assert charters[BOARD_UNALIGNED_PROJECT] == ("Project that serves no goal",)
    assert charters[BOARD_PROJECTS[5]] == ("Selected by a tie-break",)
    assert charters[BOARD_PROJECTS[0]] == ()
    program = only(section(blocks, "Programs"), Facts)[0]
    assert program.flags == (
        "Date outside the plan's horizon: end date 2032-06-30, after the horizon ends (2031)",
    )
    actions = only(section(blocks, "Action plan"), Table)[0]
    undated = [row[1] for row in actions.rows].index(BOARD_UNDATED_ACTION)
    assert "Action without a date" in actions.flags[undated]
    assert actions.flags[0] == ()
    assert actions.nowrap == (True, False, False, True, False)


def test_the_gaps_section_groups_every_gap_by_kind_with_its_detail() -> None:
    plan = board_plan()
    gaps = section(layout(plan), "Gaps")
    groups = [b.text for b in gaps if isinstance(b, Paragraph) and b.style == "lead"]
    kinds = [kind for kind in GAP_LABELS if any(gap.kind == kind for gap in plan.gaps)]
    assert groups == [
        f"{GAP_LABELS[kind]} ({sum(gap.kind == kind for gap in plan.gaps)})" for kind in kinds
    ]
    entries = [entry for block in only(gaps, Items) for entry in block.entries]
    assert len(entries) == len(plan.gaps)
    late = next(entry for entry in entries if entry.text == BOARD_PROGRAMS[0])
    assert late.details == ("End date 2032-06-30, after the horizon ends (2031)",)


def test_a_plan_without_gaps_says_so() -> None:
    plan = replace(board_plan(), gaps=())
    gaps = section(layout(plan), "Gaps")
    assert gaps[0] == Paragraph(
        "No gaps: every goal is served, and every item is owned, dated and serves the plan.",
        "note",
    )
    assert strategy(plan).gap_count == 0 and strategy(plan).top_gaps == ()


# ---- the appendix


def appendix(plan: PlanDocument) -> list[Block]:
    blocks = layout(plan)
    start = next(n for n, b in enumerate(blocks) if isinstance(b, Heading) and b.text == APPENDIX)
    return list(blocks[start:])


def test_a_stage_with_no_scoring_step_lists_its_ideas_without_a_score_table() -> None:
    blocks = appendix(board_plan())
    at = next(
        n for n, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Action items"
    )
    after = blocks[at + 1 :]
    assert not only(after, Table)
    listed = only(after, Items)[-1]
    assert [entry.text for entry in listed.entries] == list(BOARD_ACTIONS)
    scored = [t.columns[3] for t in only(blocks, Table) if t.columns[0] == "Rank"]
    assert scored == ["Score (Borda points)"] * 2 + ["Score (dots)"] + ["Score (Borda points)"] * 3


def test_dropped_items_appear_only_in_the_appendix_marked_removed_in_review() -> None:
    dropped = (BOARD_UNALIGNED_PROJECT, BOARD_ACTIONS[7], BOARD_GOALS[3])
    plan = board_plan(dropped=(134, 147, 113))
    blocks = layout(plan)
    end = next(n for n, b in enumerate(blocks) if isinstance(b, Heading) and b.text == APPENDIX)
    before = [text for block in blocks[:end] for text in texts(block)]
    for wording in dropped:
        assert not any(wording in text for text in before), wording
    rest = appendix(plan)
    projects = next(
        t for t in only(rest, Table) if BOARD_UNALIGNED_PROJECT in [r[1] for r in t.rows]
    )
    row = [r[1] for r in projects.rows].index(BOARD_UNALIGNED_PROJECT)
    assert projects.rows[row][-1] == "removed in review"
    assert projects.marked[row] is False and projects.marked[0] is True
    actions = only(rest, Items)[-1]
    assert actions.entries[7] == Entry(BOARD_ACTIONS[7], ("Removed in review",))
    assert actions.entries[0] == Entry(BOARD_ACTIONS[0], ())


def test_an_unselected_idea_of_an_unscored_stage_says_so() -> None:
    plan = assemble_plan(
        title="Unscored",
        organization=None,
        horizon_years=1,
        finished_at=FINISHED_AT,
        participants=2,
        stages=[
            stage(
                "ideas",
                "Ideas",
                [item(1, "Kept", 1, selected=True), item(2, "Left", 2)],
                label=UNSCORED,
            )
        ],
    )
    listed = only(appendix(plan), Items)[-1]
    assert listed.entries == (Entry("Kept", ()), Entry("Left", ("Not selected",)))


def test_an_action_whose_project_was_dropped_serves_nothing_yet_in_the_action_plan() -> None:
    board = board_plan()
    first = board.selected_of("actions")[0]
    (project,) = first.links
    before = only(section(layout(board), "Action plan"), Table)[0]
    assert before.rows[0][-1] == board.item_text(project)
    after = only(section(layout(board_plan(dropped=(project,))), "Action plan"), Table)[0]
    assert after.rows[0][1] == first.wording
    assert after.rows[0][-1] == "nothing yet"
