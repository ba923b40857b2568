"""The roadmap by year (`roadmap.py`): what it holds, its year-by-item table, and where the
drawing puts bars, milestones and the today line."""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.plan_samples import FINISHED_AT, board_plan, item, stage
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan.document import GAP_LABELS, PlanItem
from workshop.plan.roadmap import (
    BAR_MARK,
    MILESTONE_MARK,
    RoadmapChart,
    RoadmapGeometry,
    roadmap_geometry,
    roadmap_of,
)

# The plan is dated 2026-12-01 with a 5-year horizon: 2026-01-01 to 2031-12-31.


def metric(name: str, target: str, due: str) -> dict[str, str]:
    return {"metric": name, "baseline": "0", "target": target, "due": due}


def chosen(idea_id: int, text: str, *links: int, **fields: object) -> PlanItem:
    return item(idea_id, text, idea_id, selected=True, links=links, **fields)


def sample() -> PlanDocument:
    return assemble_plan(
        title="Roadmap test",
        organization=None,
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=4,
        aligned=True,
        stages=[
            stage(
                "goals",
                "Strategic goals",
                [
                    chosen(10, "More jobs", metrics=[metric("Jobs", "400", "2029-06-30")]),
                    chosen(11, "Later goal", metrics=[metric("Exports", "20", "2034-03-01")]),
                    chosen(12, "Undated goal", metrics=[metric("Trust", "high", "")]),
                ],
            ),
            stage(
                "programs",
                "Programs",
                [
                    chosen(
                        20,
                        "Growth fund",
                        10,
                        owner="Ann",
                        start="2027-01-01",
                        end="2032-06-30",  # past the horizon
                        metrics=[metric("Loans", "300", "2030-12-31")],
                    ),
                    chosen(21, "Undated program", 10, owner="Ann"),
                    chosen(22, "Open-ended program", 11, owner="Ann", start="2028-04-01"),
                ],
            ),
            stage(
                "projects",
                "Projects",
                [
                    chosen(30, "Loan portal", 20, owner="Bo", start="2027-03-01", due="2027-12-31"),
                    chosen(31, "Only a due date", 20, owner="Bo", due="2028-06-30"),
                    chosen(32, "No dates at all", 10, owner="Bo"),
                    chosen(33, "Independent", 10, owner="Bo", start="2025-05-01", due="2026-09-30"),
                ],
            ),
        ],
    )


def chart_of(plan: PlanDocument) -> RoadmapChart:
    chart = roadmap_of(plan)
    assert chart is not None
    return chart


def row_of(chart: RoadmapChart, label: str):  # type: ignore[no-untyped-def]
    return next(row for row in chart.rows if row.label == label)


def test_the_horizon_and_today() -> None:
    chart = chart_of(sample())
    assert (chart.start_year, chart.end_year, chart.today) == (2026, 2031, "2026-12-01")
    assert chart.years() == (2026, 2027, 2028, 2029, 2030, 2031)


def test_rows_programs_with_their_projects_and_items_without_dates_not_scheduled() -> None:
    chart = chart_of(sample())
    assert [(row.kind, row.label, row.under) for row in chart.rows] == [
        ("program", "Growth fund", None),
        ("program", "Open-ended program", None),
        ("project", "Loan portal", "Growth fund"),
        ("project", "Only a due date", "Growth fund"),
        ("project", "Independent", None),
    ]
    assert chart.unscheduled == ("Program: Undated program", "Project: No dates at all")
    assert [lane.label for lane in chart.lanes()] == [
        "Goal: More jobs",
        "Goal: Later goal",
        "Program: Growth fund",
        "Project: Loan portal",
        "Project: Only a due date",
        "Program: Open-ended program",
        "Project: Independent",
    ]


def test_a_project_is_its_start_to_its_completion_date() -> None:
    row = row_of(chart_of(sample()), "Loan portal")
    assert (row.start, row.end, row.flags) == ("2027-03-01", "2027-12-31", ())


@pytest.mark.parametrize(
    ("label", "span"),
    [
        # only a completion date: from the plan's date, the start marked open
        ("Only a due date", (date(2026, 12, 1), date(2028, 6, 30), True, False)),
        # only a start: to the horizon's end, the end marked open
        ("Open-ended program", (date(2028, 4, 1), date(2031, 12, 31), False, True)),
        # outside the horizon: clipped to its edges
        ("Growth fund", (date(2027, 1, 1), date(2031, 12, 31), False, False)),
        ("Independent", (date(2026, 1, 1), date(2026, 9, 30), False, False)),
    ],
)
def test_spans_as_drawn(label: str, span: tuple[date, date, bool, bool]) -> None:
    chart = chart_of(sample())
    assert chart.span(row_of(chart, label)) == span


@pytest.mark.parametrize(
    ("label", "flag"),
    [
        ("Growth fund", "2032-06-30"),
        ("Independent", "2025-05-01"),
    ],
)
def test_dates_outside_the_horizon_are_flagged(label: str, flag: str) -> None:
    flags = row_of(chart_of(sample()), label).flags
    assert any(flag in text for text in flags), flags
    assert any(text.startswith(GAP_LABELS["date_outside_horizon"]) for text in flags)


def test_milestones_are_dated_goal_and_program_metrics() -> None:
    chart = chart_of(sample())
    assert [(m.kind, m.item, m.label, m.date) for m in chart.milestones] == [
        ("goal_metric", "More jobs", "Jobs: 400", "2029-06-30"),
        ("goal_metric", "Later goal", "Exports: 20", "2034-03-01"),
        ("program_metric", "Growth fund", "Loans: 300", "2030-12-31"),
    ]
    later = chart.milestones[1]
    assert any("2034-03-01" in flag for flag in later.flags)
    assert not chart.milestones[0].flags


def test_the_table_marks_the_years_each_item_runs_and_its_milestones() -> None:
    chart = chart_of(sample())
    columns, rows = chart.table()
    assert columns == ("Item", "2026", "2027", "2028", "2029", "2030", "2031")
    table = {row[0]: row[1:] for row in rows}
    b, m = BAR_MARK, MILESTONE_MARK
    assert table["Goal: More jobs"] == ("", "", "", f"{m} Jobs: 400", "", "")
    assert table["Goal: Later goal"] == ("", "", "", "", "", f"{m} Exports: 20")  # clipped
    assert table["Program: Growth fund"] == ("", b, b, b, f"{b} {m} Loans: 300", b)
    assert table["Project: Loan portal"] == ("", b, "", "", "", "")
    assert table["Project: Only a due date"] == (b, b, b, "", "", "")
    assert table["Project: Independent"] == (b, "", "", "", "", "")
    flags = dict(zip((row[0] for row in rows), chart.table_flags(), strict=True))
    assert flags["Project: Loan portal"] == ()
    assert any("2032-06-30" in flag for flag in flags["Program: Growth fund"])


def test_no_roadmap_without_programs_projects_or_metrics() -> None:
    plan = assemble_plan(
        title="Goals only",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=3,
        stages=[stage("goals", "Strategic goals", [chosen(10, "A goal")])],
    )
    assert roadmap_of(plan) is None


def test_a_start_after_the_end_is_flagged_and_drawn_the_right_way_round() -> None:
    plan = assemble_plan(
        title="Reversed",
        organization=None,
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=3,
        aligned=True,
        stages=[
            stage("goals", "Strategic goals", [chosen(10, "A goal")]),
            stage(
                "projects",
                "Projects",
                [chosen(30, "Backwards", 10, owner="Bo", start="2029-01-01", due="2028-01-01")],
            ),
        ],
    )
    chart = chart_of(plan)
    row = chart.rows[0]
    assert chart.span(row) == (date(2028, 1, 1), date(2029, 1, 1), False, False)
    assert any(flag.startswith(GAP_LABELS["dates_reversed"]) for flag in row.flags)


# --------------------------------------------------------------------------- geometry


def x_at(g: RoadmapGeometry, day: date) -> float:
    """Where a day begins on the chart, worked out independently of the module."""
    first, last = date(2026, 1, 1), date(2031, 12, 31)
    fraction = (day - first).days / ((last - first).days + 1)
    return g.plot_left + fraction * (g.plot_right - g.plot_left)


def geometry() -> RoadmapGeometry:
    return roadmap_geometry(chart_of(sample()), width=515, font_size=9)


def test_year_columns_span_the_horizon_after_the_label_column() -> None:
    g = geometry()
    assert g.label_width == g.plot_left > 0
    assert g.plot_right <= g.width
    assert [label for _x, label in g.years] == [str(y) for y in range(2026, 2032)]
    assert g.years[0][0] == g.plot_left
    for x, label in g.years:
        assert x == pytest.approx(x_at(g, date(int(label), 1, 1)))


def test_milestones_sit_at_their_date() -> None:
    g = geometry()
    jobs, exports, loans = g.milestones
    assert jobs.x == pytest.approx(x_at(g, date(2029, 6, 30)))
    assert loans.x == pytest.approx(x_at(g, date(2030, 12, 31)))
    assert exports.x == pytest.approx(x_at(g, date(2031, 12, 31)))  # clipped to the edge
    assert exports.flags
    assert jobs.label == "Jobs: 400 (2029-06-30)" and jobs.anchor == "start"
    assert exports.anchor == "end"  # no room right of the horizon's end


def test_a_milestone_label_drops_its_date_before_it_is_shortened() -> None:
    chart = chart_of(sample())

    def measure(text: str) -> float:
        return len(text) * 9 * 0.6

    def labels(width: float) -> list[tuple[str, str]]:
        drawn = roadmap_geometry(chart, width=width, font_size=9, measure=measure)
        return [(diamond.label, diamond.anchor) for diamond in drawn.milestones]

    assert labels(300) == [
        ("Jobs: 400 (2029-06-30)", "end"),
        ("Exports: 20 (2034-03-01)", "end"),
        ("Loans: 300 (2030-12-31)", "end"),
    ]
    assert labels(200) == [
        ("Jobs: 400", "start"),
        ("Exports: 20 (2034-03-01)", "end"),
        ("Loans: 300", "end"),
    ]
    assert labels(120) == [("Jobs:\u2026", "end"), ("Exports: 20", "end"), ("Loans: 300", "end")]


def test_bars_run_from_start_to_end_clipped_and_marked() -> None:
    g = geometry()
    bars = {bar.label: bar for bar in g.bars}
    portal = bars["Loan portal"]
    assert portal.x == pytest.approx(x_at(g, date(2027, 3, 1)))
    assert portal.x + portal.w == pytest.approx(x_at(g, date(2028, 1, 1)))
    assert not (portal.open_start or portal.open_end or portal.clipped_start or portal.clipped_end)
    fund = bars["Growth fund"]
    assert fund.x + fund.w == pytest.approx(g.plot_right)
    assert fund.clipped_end and not fund.clipped_start and fund.flags
    independent = bars["Independent"]
    assert independent.x == pytest.approx(g.plot_left) and independent.clipped_start
    due_only = bars["Only a due date"]
    assert due_only.open_start and due_only.x == pytest.approx(x_at(g, date(2026, 12, 1)))
    assert bars["Open-ended program"].open_end
    assert "No dates at all" not in bars


def test_the_today_line_is_at_the_plan_date() -> None:
    g = geometry()
    assert g.today_x == pytest.approx(x_at(g, date(2026, 12, 1)))
    assert g.today_label == "Today 2026-12-01"


def test_lanes_stack_and_hold_their_bars_and_milestones() -> None:
    g = geometry()
    assert g.lanes[0].y == g.header_height
    for above, below in zip(g.lanes, g.lanes[1:], strict=False):
        assert below.y == pytest.approx(above.y + above.h)
    assert g.height == pytest.approx(g.lanes[-1].y + g.lanes[-1].h + g.footer_height)
    for shape_y in [bar.y for bar in g.bars] + [d.y for d in g.milestones]:
        assert any(lane.y <= shape_y <= lane.y + lane.h for lane in g.lanes)
    # the program's milestone is on its own line of the program's lane, under its bar
    fund_lane = g.lanes[2]
    loans = g.milestones[2]
    fund_bar = next(bar for bar in g.bars if bar.label == "Growth fund")
    assert fund_lane.y < fund_bar.y < loans.y < fund_lane.y + fund_lane.h


def test_labels_fit_their_column_by_the_measure() -> None:
    def measure(text: str) -> float:
        return len(text) * 9 * 0.6

    g = roadmap_geometry(chart_of(board_plan()), width=515, font_size=9, measure=measure)
    for lane in g.lanes:
        for line in (*lane.lines, *lane.flag_lines):
            assert measure(line) <= g.label_width - 2 * g.padding - lane.indent
    small = g.small_size / g.font_size
    for diamond in g.milestones:
        width = measure(diamond.label) * small
        if diamond.anchor == "start":
            assert diamond.label_x + width <= g.plot_right
        else:
            assert diamond.label_x - width >= g.plot_left


def test_no_today_line_when_the_plan_date_is_outside_the_horizon() -> None:
    chart = chart_of(sample())
    moved = RoadmapChart(
        chart.start_year, chart.end_year, "2040-01-01", chart.rows, chart.milestones, ()
    )
    g = roadmap_geometry(moved, width=515)
    assert g.today_x is None and g.today_label == ""


def test_geometry_is_deterministic() -> None:
    assert geometry() == geometry()


def test_programs_with_the_same_wording_keep_their_own_projects() -> None:
    plan = assemble_plan(
        title="Twins",
        organization=None,
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=3,
        aligned=True,
        stages=[
            stage("goals", "Strategic goals", [chosen(10, "A goal")]),
            stage(
                "programs",
                "Programs",
                [
                    chosen(20, "Twin", 10, owner="Ann", start="2027-01-01"),
                    chosen(21, "Twin", 10, owner="Ann", start="2028-01-01"),
                ],
            ),
            stage(
                "projects",
                "Projects",
                [
                    chosen(30, "Second's project", 21, owner="Bo", due="2028-06-30"),
                    chosen(31, "First's project", 20, owner="Bo", due="2027-06-30"),
                ],
            ),
        ],
    )
    lanes = chart_of(plan).lanes()
    assert [(lane.label, lane.row.id if lane.row else None) for lane in lanes] == [
        ("Program: Twin", 20),
        ("Project: First's project", 31),
        ("Program: Twin", 21),
        ("Project: Second's project", 30),
    ]


def random_plan(seed: int) -> PlanDocument:
    """Programs and projects with random dates (missing, inside, before or after the horizon,
    reversed), from a fixed seed."""
    rng = random.Random(seed)

    def some_date() -> str | None:
        if rng.random() < 0.3:
            return None
        return f"{rng.randint(2023, 2035)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def dated(**fields: str | None) -> dict[str, str]:
        return {name: value for name, value in fields.items() if value}

    program_ids = list(range(20, 20 + rng.randint(0, 5)))
    return assemble_plan(
        title="Random",
        organization=None,
        horizon_years=rng.randint(1, 6),
        finished_at=FINISHED_AT,
        participants=3,
        aligned=True,
        stages=[
            stage(
                "goals",
                "Strategic goals",
                [chosen(10, "A goal", metrics=[metric("M", "1", some_date() or "")])],
            ),
            stage(
                "programs",
                "Programs",
                [
                    chosen(
                        i,
                        f"Program {i}",
                        10,
                        owner="A",
                        **dated(start=some_date(), end=some_date()),
                    )
                    for i in program_ids
                ],
            ),
            stage(
                "projects",
                "Projects",
                [
                    chosen(
                        i,
                        f"Project {i}",
                        *rng.sample([*program_ids, 10], 1),
                        owner="B",
                        **dated(start=some_date(), due=some_date()),
                    )
                    for i in range(30, 30 + rng.randint(0, 15))
                ],
            ),
        ],
    )


@pytest.mark.parametrize("seed", range(25))
def test_random_roadmaps_list_every_item_once_and_draw_inside_the_chart(seed: int) -> None:
    plan = random_plan(seed)
    chart = roadmap_of(plan)
    if chart is None:
        assert not plan.selected_of("programs") and not plan.selected_of("projects")
        return
    items = plan.selected_of("programs") + plan.selected_of("projects")
    assert len(chart.rows) + len(chart.unscheduled) == len(items)
    project_lanes = [lane for lane in chart.lanes() if lane.kind == "project"]
    assert len(project_lanes) == sum(row.kind == "project" for row in chart.rows)
    columns, table = chart.table()
    assert len(table) == len(chart.lanes()) == len(chart.table_flags())
    assert all(len(row) == len(columns) for row in table)
    g = roadmap_geometry(chart, width=515, font_size=9)
    assert len(g.bars) == len(chart.rows)
    for bar in g.bars:
        assert g.plot_left - 1e-6 <= bar.x and bar.x + bar.w <= g.plot_right + 1.0
    for diamond in g.milestones:
        assert g.plot_left - 1e-6 <= diamond.x <= g.plot_right + 1e-6
    for row in chart.rows:
        day = [date.fromisoformat(d) for d in (row.start, row.end) if d]
        outside = [d for d in day if not chart.first_day <= d <= chart.last_day]
        if outside:
            assert any(str(d) in flag for d in outside for flag in row.flags), row
