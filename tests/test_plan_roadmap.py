"""The roadmap by year (`roadmap.py`): what it holds, its year-by-item table, and where the
drawing puts bars, milestones and the today line."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from tests.plan_samples import FINISHED_AT, board_plan, item, stage
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan.document import GAP_LABELS, PlanItem
from workshop.plan.mapgeom import estimate_width
from workshop.plan.roadmap import (
    BAR_MARK,
    MILESTONE_MARK,
    Milestone,
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


def narrow(text: str) -> float:
    """A measure for the label tests: every character 0.6 em at 9 pt."""
    return len(text) * 9 * 0.6


def test_a_milestone_label_drops_its_date_then_shows_its_target_alone() -> None:
    # today outside the horizon: only the room to the plot's edges counts
    chart = replace(chart_of(sample()), today="2040-01-01")

    def labels(width: float) -> list[tuple[str, str]]:
        drawn = roadmap_geometry(chart, width=width, font_size=9, measure=narrow)
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
    # a one-word measure cannot be shortened between words: the target stands alone
    assert labels(120) == [("400", "start"), ("Exports: 20", "end"), ("Loans: 300", "end")]


def test_the_target_of_a_drawn_milestone_is_its_metric_target() -> None:
    chart = chart_of(board_plan())
    recognise = next(m for m in chart.milestones if m.label.startswith("Residents"))
    assert recognise.target == "45%"
    assert recognise.parts() == ("Residents who recognise the Buy Local mark", "45%")
    # a chart built by hand: the text after the label's last ": " is the target
    assert Milestone("Share: of loans: 12", "2030-01-01", "goal_metric", "G").parts() == (
        "Share: of loans",
        "12",
    )
    assert Milestone("No target", "2030-01-01", "goal_metric", "G").parts() == ("No target", "")


LONG_MEASURES = (
    ("Residents who recognise the Buy Local mark", "45%", "2028-06-30"),
    ("Loans disbursed to businesses by 2030-06-30 in total", "USD 12 million", "2030-06-30"),
    ("Funded businesses still trading after 3 years", "75%", "2031-06-30"),
    ("Jobs created by funded businesses", "400", "2029-12-31"),
    ("Weekend footfall on Main Street", "11,000", "2026-03-31"),
    ("Community events a year", "24", "2027-09-30"),
)


def long_chart(today: str) -> RoadmapChart:
    milestones = tuple(
        Milestone(f"{name}: {target}", due, "goal_metric", f"Goal {n}", (), n, target)
        for n, (name, target, due) in enumerate(LONG_MEASURES)
    )
    return RoadmapChart(2026, 2031, today, (), milestones, ())


@pytest.mark.parametrize("today", ["2026-12-01", "2029-01-15", "2040-01-01"])
@pytest.mark.parametrize("width", [900, 515, 420, 330, 260, 200, 150])
def test_a_shortened_label_never_cuts_into_its_number(width: float, today: str) -> None:
    g = roadmap_geometry(long_chart(today), width=width, font_size=9, measure=narrow)
    small = g.small_size / g.font_size
    for (name, target, due), diamond in zip(LONG_MEASURES, g.milestones, strict=True):
        label = diamond.label
        whole = f"{name}: {target}"
        if label in (f"{whole} ({due})", whole, target):
            continue
        # shortened: whole words of the measure, "…", then the whole target
        assert label.endswith(f"\u2026: {target}"), label
        kept = label[: -len(f"\u2026: {target}")]
        assert name.startswith(kept) and name[len(kept)] == " ", label
        # it fits its side (the shortening happened for a reason and worked)
        room = g.plot_right - diamond.label_x if diamond.anchor == "start" else None
        if room is not None:
            assert diamond.label_x + narrow(label) * small <= g.plot_right
        else:
            assert diamond.label_x - narrow(label) * small >= g.plot_left


def test_shortening_keeps_whole_words_and_the_target() -> None:
    g = roadmap_geometry(long_chart("2026-12-01"), width=330, font_size=9, measure=narrow)
    assert [d.label for d in g.milestones][:4] == [
        "Residents who\u2026: 45%",
        "Loans\u2026: USD 12 million",
        "Funded businesses still\u2026: 75%",
        "Jobs created by\u2026: 400",
    ]


def test_the_board_plan_keeps_its_recognition_target_in_the_pdf_width() -> None:
    # the PDF draws the roadmap 515 pt wide at 8.5 pt: "…mark: 4…" must not come back
    g = roadmap_geometry(chart_of(board_plan()), width=515, font_size=8.5, measure=narrow)
    recognise = next(d for d in g.milestones if d.label.startswith("Residents"))
    assert recognise.label.endswith(": 45%")


def label_extent(g: RoadmapGeometry, diamond, measure) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    width = measure(diamond.label) * g.small_size / g.font_size
    if diamond.anchor == "start":
        return diamond.label_x, diamond.label_x + width
    return diamond.label_x - width, diamond.label_x


def clear_of_today(g: RoadmapGeometry, diamond, measure) -> bool:  # type: ignore[no-untyped-def]
    assert g.today_x is not None
    low, high = label_extent(g, diamond, measure)
    return (
        g.today_x <= low - g.padding + 1e-6
        or g.today_x >= high + g.padding - 1e-6
        or (
            # the line runs through the diamond itself, beside the label
            abs(g.today_x - diamond.x) <= diamond.size * 0.75
        )
    )


@pytest.mark.parametrize("width", [762, 515, 420])
@pytest.mark.parametrize("measured", [True, False])
def test_milestone_labels_do_not_cross_the_today_line(width: float, measured: bool) -> None:
    font = 9.0 if measured else 11.0

    def estimate(text: str) -> float:
        return estimate_width(text, font)

    measure = narrow if measured else estimate
    chart = chart_of(board_plan())
    g = roadmap_geometry(chart, width=width, font_size=font, measure=narrow if measured else None)
    assert g.today_x is not None
    for diamond in g.milestones:
        assert clear_of_today(g, diamond, measure), diamond


def test_a_label_that_would_cross_today_goes_right_of_its_diamond() -> None:
    # Jobs at 2029-12-31 with today 2026-12-01: the whole label with its date fits on the left
    # only across the today line, so it goes right without its date (or left, clear of today)
    chart = chart_of(board_plan())
    g = roadmap_geometry(chart, width=762, font_size=11)
    jobs = next(d for d in g.milestones if d.label.startswith("Jobs created"))
    assert g.today_x is not None and g.today_x < jobs.x
    assert clear_of_today(g, jobs, lambda text: estimate_width(text, 11))
    # without the today line, the date comes back on the left
    free = roadmap_geometry(replace(chart, today="2040-01-01"), width=762, font_size=11)
    jobs_free = next(d for d in free.milestones if d.label.startswith("Jobs created"))
    assert jobs_free.label == "Jobs created by funded businesses: 400 (2029-12-31)"
    assert jobs_free.anchor == "end"
    assert jobs.label != jobs_free.label or jobs.anchor != jobs_free.anchor


def test_a_label_with_no_room_clear_of_today_may_cross_it_but_stays_whole() -> None:
    # a milestone at the horizon's end, today just before it: no room on the right, and not
    # even the target fits between the today line and the diamond; crossing the line is the
    # lesser harm, the label is never cut into its number
    milestone = Milestone("Residents who recognise the mark: 45%", "2031-12-31", "goal_metric", "G")
    chart = RoadmapChart(2026, 2031, "2031-11-20", (), (milestone,), ())
    (diamond,) = roadmap_geometry(chart, width=515, font_size=9, measure=narrow).milestones
    assert diamond.anchor == "end"
    assert diamond.label == "Residents who recognise the mark: 45% (2031-12-31)"
    # with a little more room before the line, the target alone goes there, clear of it
    earlier = RoadmapChart(2026, 2031, "2031-06-01", (), (milestone,), ())
    g = roadmap_geometry(earlier, width=515, font_size=9, measure=narrow)
    (clear,) = g.milestones
    assert clear.label == "45%" and clear.anchor == "end"
    assert clear_of_today(g, clear, narrow)


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
