"""The roadmap by year: programs and projects as spans across the plan's horizon, goal and
program metric due dates as milestones, the plan's date as "today".

`roadmap_of(plan)` decides what the chart holds (pure, from the document); `RoadmapChart.table()`
is the year-by-item table of the text formats (DOCX, Markdown); `roadmap_geometry` places every
bar, diamond and line for the drawn formats (SVG in HTML, vector shapes in the PDF), so both
draw the same chart.

Choices, in the plan's words (docs/plan-format.md):
- A program runs from its `start` to its `end`; a project from its `start` to its completion
  date (`due`).
- A span with only its end date is drawn from the plan's date ("today"), with an open start
  (`open_start`: renderers fade or dash its left end); a span with only its start date runs to
  the horizon's end with an open end. An item with no date at all is "not scheduled yet"
  (`unscheduled`).
- The horizon runs from 1 January of the plan's first year to 31 December of its last. A date
  outside it is clipped to the edge and flagged (by the plan's gap "Date outside the plan's
  horizon: …", or when no gap names it, "Shown to the horizon's end: 2035-03-01 is after it").
- A row shows the item's date gaps (no completion date, outside the horizon, in the past,
  start after end) about its own dates, a milestone those about its due date; other gaps are
  flagged where the item is described.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .. import i18n
from ..i18n import gettext
from .document import PlanDocument, PlanItem, gap_text, labelled, local_day, program_of
from .mapgeom import estimate_width, wrap_to

Measure = Callable[[str], float]

BAR_MARK = "\u25a0"
"""A table cell's mark for a year the item runs in: "■"."""
MILESTONE_MARK = "\u25c6"
"""A milestone in a table cell: "◆ Jobs created: 400"."""
FLAG_MARK = "\u26a0"

COLOURS = {
    "program": "#8a5a00",
    "project": "#7a3b8f",
    "goal_metric": "#2f7d4f",
    "program_metric": "#8a5a00",
    "goal": "#2f7d4f",
}
"""Bar and milestone colours by kind (the alignment map's level colours)."""
TODAY_COLOUR = "#b42318"
FLAG_COLOUR = "#b42318"

DATE_GAPS = (
    "project_without_due",
    "date_outside_horizon",
    "date_in_past",
    "dates_reversed",
)
"""The gaps a roadmap row shows next to its item."""
KIND_NAMES = {"program": "Program", "project": "Project", "goal": "Goal"}


@dataclass(frozen=True)
class RoadmapRow:
    """One program or project. `start`/`end` are its own dates as written (None: not set);
    a project's end is its completion date. `under` is the wording of the program a project
    runs under (its first), None for a program or an independent project. `flags`: its date
    gaps and clipping notes."""

    label: str
    kind: str
    start: str | None
    end: str | None
    flags: tuple[str, ...] = ()
    under: str | None = None
    id: int = 0
    """The item's id (0 for a chart built by hand)."""
    under_id: int = 0
    """The id of the program in `under`."""


@dataclass(frozen=True)
class Milestone:
    """A goal's or program's success metric due on `date`: `label` is "Metric: target",
    `item` the wording of the goal or program."""

    label: str
    date: str
    kind: str
    item: str
    flags: tuple[str, ...] = ()
    item_id: int = 0
    """The id of the goal or program."""
    target: str = ""
    """The metric's target as written ("45%", "USD 12 million"), the end of `label`; a label
    shortened to fit keeps it whole. Empty for a chart built by hand: then the text after the
    label's last ": " counts as the target."""

    def parts(self) -> tuple[str, str]:
        """The label as (the measure's words, the target), the target "" when there is none."""
        if self.target and self.label == self.target:
            return "", self.target
        if self.target and self.label.endswith(f": {self.target}"):
            return self.label[: -len(self.target) - 2], self.target
        if not self.target and ": " in self.label:
            words, _, target = self.label.rpartition(": ")
            if words.strip() and target.strip():
                return words, target
        return self.label, ""


@dataclass(frozen=True)
class Lane:
    """One line of the chart and of the table: a goal with its milestones, a program (its
    span, if dated, and its milestones) or a project (its span)."""

    label: str
    """ "Goal: …", "Program: …", "Project: …"."""
    kind: str
    """ "goal" | "program" | "project"."""
    row: RoadmapRow | None
    milestones: tuple[Milestone, ...]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoadmapChart:
    """What the roadmap shows: the horizon's years (`start_year`..`end_year`, both drawn),
    the plan's date as `today`, dated programs and projects in `rows` (each program followed by
    its projects, then independent projects), `milestones` (goal metrics first), and the
    wordings of programs and projects with no date at all in `unscheduled` ("Program: …")."""

    start_year: int
    end_year: int
    today: str
    rows: tuple[RoadmapRow, ...]
    milestones: tuple[Milestone, ...]
    unscheduled: tuple[str, ...]
    programs: tuple[tuple[int, str], ...] = ()
    """Every program in the plan as (id, wording), in plan order: the order of the program
    lanes (a chart built without them orders its programs by their rows)."""

    @property
    def first_day(self) -> date:
        return date(self.start_year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.end_year, 12, 31)

    def years(self) -> tuple[int, ...]:
        """Every year of the horizon, in order."""
        return tuple(range(self.start_year, self.end_year + 1))

    def span(self, row: RoadmapRow) -> tuple[date, date, bool, bool] | None:
        """Where a row's bar runs, clipped to the horizon: (from, to, open_start, open_end);
        None when it has no date. A span wholly outside the horizon shrinks to its edge."""
        start, end = _day(row.start), _day(row.end)
        if start is None and end is None:
            return None
        today = _day(self.today) or self.first_day
        open_start, open_end = start is None, end is None
        begin = start if start is not None else min(today, end or today)
        finish = end if end is not None else self.last_day
        if finish < begin:
            begin, finish = finish, begin
        begin = min(max(begin, self.first_day), self.last_day)
        finish = min(max(finish, self.first_day), self.last_day)
        return begin, finish, open_start, open_end

    def lanes(self) -> tuple[Lane, ...]:
        """The chart's lines in order: goals with milestones, then each program (its span
        and milestones) followed by its projects, then the projects under no program."""
        lanes: list[Lane] = []
        goals: list[tuple[int, str]] = []
        for milestone in self.milestones:
            key = (milestone.item_id, milestone.item)
            if milestone.kind == "goal_metric" and key not in goals:
                goals.append(key)
        for goal in goals:
            marks = tuple(
                m
                for m in self.milestones
                if m.kind == "goal_metric" and (m.item_id, m.item) == goal
            )
            lanes.append(Lane(labelled(gettext("Goal"), goal[1]), "goal", None, marks))
        # Every program that has a span, a milestone or a dated project, in plan order.
        shown = [(r.id, r.label) for r in self.rows if r.kind == "program"]
        shown += [(m.item_id, m.item) for m in self.milestones if m.kind == "program_metric"]
        shown += [(r.under_id, r.under) for r in self.rows if r.kind == "project" and r.under]
        programs = [p for p in self.programs if p in shown]
        programs += [p for n, p in enumerate(shown) if p not in programs and p not in shown[:n]]
        placed: set[int] = set()
        for program in programs:
            dated = [r for r in self.rows if r.kind == "program" and (r.id, r.label) == program]
            row = dated[0] if dated else None
            marks = tuple(
                m
                for m in self.milestones
                if m.kind == "program_metric" and (m.item_id, m.item) == program
            )
            lanes.append(
                Lane(
                    labelled(gettext("Program"), program[1]),
                    "program",
                    row,
                    marks,
                    row.flags if row else (),
                )
            )
            for n, project in enumerate(self.rows):
                if project.kind == "project" and (project.under_id, project.under) == program:
                    placed.add(n)
                    lanes.append(_project_lane(project))
        for n, project in enumerate(self.rows):
            if project.kind == "project" and n not in placed:
                lanes.append(_project_lane(project))
        return tuple(lanes)

    def table(self) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """The year-by-item table of the text formats: columns ("Item", "2026", …, "2031"),
        one row per lane (`lanes()`): "■" in each year the item runs, "◆ label" for each
        milestone in its year (several joined by "; ")."""
        years = self.years()
        rows = []
        for lane in self.lanes():
            cells = []
            span = self.span(lane.row) if lane.row else None
            for year in years:
                parts = []
                if span and span[0].year <= year <= span[1].year:
                    parts.append(BAR_MARK)
                marks = [
                    f"{MILESTONE_MARK} {m.label}"
                    for m in lane.milestones
                    if _clip_year(m.date, self) == year
                ]
                if marks:
                    parts.append("; ".join(marks))
                cells.append(" ".join(parts))
            rows.append((lane.label, *cells))
        return (gettext("Item"), *(i18n.format_year(year) for year in years)), tuple(rows)

    def table_flags(self) -> tuple[tuple[str, ...], ...]:
        """Per row of `table()`, the flags of its item and milestones."""
        return tuple(
            (*lane.flags, *(flag for m in lane.milestones for flag in m.flags))
            for lane in self.lanes()
        )


def _project_lane(project: RoadmapRow) -> Lane:
    return Lane(labelled(gettext("Project"), project.label), "project", project, (), project.flags)


def _day(written: str | None) -> date | None:
    if not written:
        return None
    try:
        return date.fromisoformat(str(written)[:10])
    except ValueError:
        return None


def _clip_year(written: str, chart: RoadmapChart) -> int | None:
    day = _day(written)
    if day is None:
        return None
    return min(max(day.year, chart.start_year), chart.end_year)


def _outside(written: str | None, first: date, last: date) -> str | None:
    """A clipping note for a date outside the horizon, else None."""
    day = _day(written)
    if day is None:
        return None
    if day < first:
        return gettext(
            "Shown from the horizon's start: %(date)s is before it", date=local_day(str(written))
        )
    if day > last:
        return gettext(
            "Shown to the horizon's end: %(date)s is after it", date=local_day(str(written))
        )
    return None


def roadmap_of(plan: PlanDocument) -> RoadmapChart | None:
    """The plan's roadmap (None when the plan has no program, project or dated metric)."""
    first, last = date(plan.start_year, 1, 1), date(plan.end_year, 12, 31)

    def about(item: PlanItem, dates: tuple[str | None, ...]) -> list[str]:
        """The item's date gaps that concern these dates (or no date in particular), then a
        clipping note for each of them outside the horizon that no gap names already."""
        mine = [
            gap
            for gap in plan.gaps
            if gap.id == item.id
            and gap.kind in DATE_GAPS
            and (gap.detail is None or any(d and d in gap.detail for d in dates))
        ]
        notes = [gap_text(gap) for gap in mine]
        for value in dates:
            named = any(value and gap.detail and value in gap.detail for gap in mine)
            note = None if named else _outside(value, first, last)
            if note:
                notes.append(note)
        return notes

    def row(item: PlanItem, kind: str, end_field: str, under: PlanItem | None) -> RoadmapRow | None:
        start = item.fields.get("start") or None
        end = item.fields.get(end_field) or None
        if start is None and end is None:
            return None
        notes = about(item, (start, end))
        return RoadmapRow(
            item.wording,
            kind,
            start,
            end,
            tuple(notes),
            under.wording if under else None,
            item.id,
            under.id if under else 0,
        )

    rows: list[RoadmapRow] = []
    unscheduled: list[str] = []
    programs = plan.selected_of("programs")
    projects = plan.selected_of("projects")
    for program in programs:
        made = row(program, "program", "end", None)
        if made:
            rows.append(made)
        else:
            unscheduled.append(labelled(gettext("Program"), program.wording))
    for project in projects:
        under = program_of(plan, project)
        made = row(project, "project", "due", under[0] if under else None)
        if made:
            rows.append(made)
        else:
            unscheduled.append(labelled(gettext("Project"), project.wording))

    milestones: list[Milestone] = []
    for key, kind in (("goals", "goal_metric"), ("programs", "program_metric")):
        for item in plan.selected_of(key):
            for metric in item.fields.get("metrics") or []:
                due = metric.get("due")
                if not due or _day(due) is None:
                    continue
                name, target = str(metric.get("metric") or ""), str(metric.get("target") or "")
                label = f"{name}: {target}" if name and target else name or target
                notes = tuple(about(item, (str(due),)))
                milestones.append(
                    Milestone(
                        label,
                        str(due),
                        kind,
                        item.wording,
                        notes,
                        item.id,
                        target,
                    )
                )
    if not rows and not milestones and not unscheduled:
        return None
    return RoadmapChart(
        plan.start_year,
        plan.end_year,
        plan.date,
        tuple(rows),
        tuple(milestones),
        tuple(unscheduled),
        tuple((program.id, program.wording) for program in programs),
    )


# --------------------------------------------------------------------------- geometry


class Bar(NamedTuple):
    """A span: its rectangle (`x`, `y` top left, `w`, `h`), the item's wording as `label`
    (for a tooltip or title; the lane's label column shows it), its `colour` and `flags`.
    `open_start`/`open_end`: the date was not set (renderers fade or dash that end);
    `clipped_start`/`clipped_end`: the date lies outside the horizon (renderers draw an arrow
    or a jagged end there)."""

    x: float
    y: float
    w: float
    h: float
    label: str
    colour: str
    flags: tuple[str, ...]
    open_start: bool = False
    open_end: bool = False
    clipped_start: bool = False
    clipped_end: bool = False


class Diamond(NamedTuple):
    """A milestone: a diamond centred on (`x`, `y`) with half-diagonal `size / 2`; its
    `label` is drawn at `small_size` with its baseline at `label_y`, starting at `label_x`
    (`anchor` "start") or ending there (`anchor` "end"). `label` is the milestone's label with
    its date in parentheses where that fits, else without the date, else its measure's words
    shortened between words with its target kept whole ("Residents who recognise…: 45%"), else
    the target alone: a number, amount or date is never cut. A label does not cross the today
    line where any of these fits clear of it (it goes to the other side of its diamond or is
    shortened first)."""

    x: float
    y: float
    label: str
    colour: str
    size: float
    label_x: float
    label_y: float
    anchor: str
    flags: tuple[str, ...] = ()
    date: str = ""


class LaneBox(NamedTuple):
    """One lane's label column: the band from `y` to `y + h` (the whole chart's width), its
    `lines` (the label wrapped to `label_width - 2 * padding`, at `font_size`, first baseline
    at `y + padding + font_size`, then one `line_height` apart, starting at `padding`), then
    its `flag_lines` ("⚠ …", same size and spacing, in `FLAG_COLOUR`), its `kind` and the
    `colour` of its kind. Renderers may shade every other lane."""

    y: float
    h: float
    lines: tuple[str, ...]
    flag_lines: tuple[str, ...]
    kind: str
    colour: str
    indent: float


@dataclass(frozen=True)
class RoadmapGeometry:
    """Everything the drawn roadmap holds, in a `width` by `height` drawing with (0, 0) at the
    top left (points in the PDF, pixels in the SVG).

    - The label column runs from 0 to `label_width`; the years from `plot_left` to
      `plot_right` (a little short of `width`, leaving room for a clipped bar's arrow).
    - `years`: (x, label) of each year's left edge; the last year ends at `plot_right`. Draw a
      light vertical rule at each x and at `plot_right`, from `header_height` to
      `height - footer_height`, and each label centred in its column with its baseline at
      `header_height - padding`, at `font_size`, bold.
    - `lanes`: one `LaneBox` per line of the chart (see `RoadmapChart.lanes()`), top to bottom
      from `header_height`; a project under a program has `indent` > 0 (its label starts at
      `padding + indent`).
    - `bars`: `Bar`s (filled rectangles in their colour; flagged ones outlined in
      `FLAG_COLOUR`). `milestones`: `Diamond`s with their labels.
    - `today_x`: the plan's date, when inside the horizon (else None): a vertical line in
      `TODAY_COLOUR` from `header_height` to `height - footer_height`, with `today_label` at
      `small_size` centred under it, baseline at `height - padding`.
    - `font_size` for labels and years; `small_size` for milestone labels and today's label.
    """

    width: float
    height: float
    font_size: float
    small_size: float
    line_height: float
    padding: float
    label_width: float
    plot_left: float
    plot_right: float
    header_height: float
    footer_height: float
    years: tuple[tuple[float, str], ...]
    lanes: tuple[LaneBox, ...]
    bars: tuple[Bar, ...]
    milestones: tuple[Diamond, ...]
    today_x: float | None
    today_label: str


ELLIPSIS = "\u2026"


def _cut_words(words: str, tail: str, room: float, measure: Measure) -> str | None:
    """The most of the measure's words that fits `room` with "…" and the target's `tail`
    (": 45%") after them, cut between words (a word, date or number is never cut); None when
    not even the first word fits."""
    split = words.split()
    for count in range(len(split) - 1, 0, -1):
        text = " ".join(split[:count]).rstrip(" ,;:") + ELLIPSIS + tail
        if measure(text) <= room:
            return text
    return None


def _milestone_label(
    milestone: Milestone,
    rooms: tuple[tuple[float, float], tuple[float, float]],
    measure: Measure,
) -> tuple[str, str]:
    """Which side of its diamond a milestone's label goes ("start": right, "end": left) and
    its text. `rooms` holds the (right, left) room twice: first kept clear of the today line,
    then up to the plot's edges. In the first rooms, then the second: the label with its date
    where that fits on either side (right first), else without its date, else the measure's
    words shortened between words ("Residents who recognise…: 45%") on the side that keeps
    more of them, else the target alone ("45%"). A target, amount or date is never cut; past
    all that the target (or the first word) is drawn whole on the roomier side."""
    words, target = milestone.parts()
    tail = f": {target}" if words and target else target
    whole = (f"{milestone.label} ({milestone.date})", milestone.label)
    for right, left in rooms:
        sides = (("start", right), ("end", left))
        for text in whole:
            for anchor, room in sides:
                if measure(text) <= room:
                    return anchor, text
        cuts = [
            (anchor, cut)
            for anchor, room in sides
            if (cut := _cut_words(words, tail, room, measure)) is not None
        ]
        if cuts:
            return max(cuts, key=lambda found: len(found[1]))
        if target:
            for anchor, room in sides:
                if measure(target) <= room:
                    return anchor, target
    right, left = rooms[-1]
    fallback = target or (words.split() or [milestone.label])[0] + ELLIPSIS
    return ("start" if right >= left else "end"), fallback


LABEL_SHARE = 0.32
"""The label column's share of the chart's width."""


def roadmap_geometry(
    chart: RoadmapChart,
    *,
    width: float,
    font_size: float = 9.0,
    measure: Measure | None = None,
) -> RoadmapGeometry:
    """Place the chart: a label column, one column per year, a bar per dated item, a diamond
    per milestone (each on its own line of its lane, so labels never collide), a line at
    today. `measure(text)` gives a text's width at `font_size` in the drawing's units (default:
    an estimate); smaller text is measured in proportion. Deterministic."""
    measure_text: Measure = measure or (lambda text: estimate_width(text, font_size))
    small = font_size * 0.85

    def measure_small(text: str) -> float:
        return measure_text(text) * small / font_size

    padding = font_size * 0.4
    line_height = font_size * 1.35
    label_width = round(width * LABEL_SHARE, 2)
    plot_left, plot_right = label_width, width - font_size * 0.6  # room for a clipped end's arrow
    header_height = font_size + 2 * padding
    footer_height = small + 2 * padding
    first, last = chart.first_day, chart.last_day
    days = (last - first).days + 1

    def x_of(day: date) -> float:
        return plot_left + (day - first).days / days * (plot_right - plot_left)

    def x_end(day: date) -> float:
        return plot_left + ((day - first).days + 1) / days * (plot_right - plot_left)

    years = tuple((x_of(date(year, 1, 1)), i18n.format_year(year)) for year in chart.years())
    lanes: list[LaneBox] = []
    bars: list[Bar] = []
    diamonds: list[Diamond] = []
    indent = font_size
    diamond = font_size * 0.8
    today = _day(chart.today)
    today_x = x_of(today) if today is not None and first <= today <= last else None
    y = header_height
    for lane in chart.lanes():
        lane_indent = indent if lane.kind == "project" and lane.row and lane.row.under else 0.0
        room = label_width - 2 * padding - lane_indent
        lines = wrap_to(lane.label, room, measure_text)
        flag_lines = tuple(
            line
            for flag in lane.flags
            for line in wrap_to(f"{FLAG_MARK} {flag}", room, measure_text)
        )
        span = chart.span(lane.row) if lane.row else None
        content = (1 if span else 0) + len(lane.milestones)
        count = max(len(lines) + len(flag_lines), content, 1)
        height = count * line_height + 2 * padding
        colour = COLOURS.get(lane.kind, COLOURS["program"])
        lanes.append(LaneBox(y, height, lines, flag_lines, lane.kind, colour, lane_indent))
        line = 0
        if span and lane.row:
            begin, finish, open_start, open_end = span
            middle = y + padding + line_height / 2
            bar_h = font_size * 0.9
            start_day, end_day = _day(lane.row.start), _day(lane.row.end)
            bars.append(
                Bar(
                    x_of(begin),
                    middle - bar_h / 2,
                    max(x_end(finish) - x_of(begin), 1.0),
                    bar_h,
                    lane.row.label,
                    colour,
                    lane.row.flags,
                    open_start,
                    open_end,
                    bool(start_day and start_day < first) or bool(end_day and end_day < first),
                    bool(end_day and end_day > last) or bool(start_day and start_day > last),
                )
            )
            line = 1
        for milestone in lane.milestones:
            day = _day(milestone.date) or first
            centre = x_of(min(max(day, first), last))
            middle = y + padding + (line + 0.5) * line_height
            gap = diamond * 0.75
            after = plot_right - (centre + gap) - padding
            before = centre - gap - plot_left - padding
            clear_after, clear_before = after, before
            if today_x is not None and today_x >= centre + gap:
                clear_after = min(after, today_x - padding - (centre + gap))
            if today_x is not None and today_x <= centre - gap:
                clear_before = min(before, centre - gap - (today_x + padding))
            anchor, text = _milestone_label(
                milestone, ((clear_after, clear_before), (after, before)), measure_small
            )
            label_x = centre + gap if anchor == "start" else centre - gap
            diamonds.append(
                Diamond(
                    centre,
                    middle,
                    text,
                    COLOURS.get(milestone.kind, COLOURS["goal"]),
                    diamond,
                    label_x,
                    middle + small * 0.35,
                    anchor,
                    milestone.flags,
                    milestone.date,
                )
            )
            line += 1
        y += height
    return RoadmapGeometry(
        width=width,
        height=y + footer_height,
        font_size=font_size,
        small_size=small,
        line_height=line_height,
        padding=padding,
        label_width=label_width,
        plot_left=plot_left,
        plot_right=plot_right,
        header_height=header_height,
        footer_height=footer_height,
        years=years,
        lanes=tuple(lanes),
        bars=tuple(bars),
        milestones=tuple(diamonds),
        today_x=today_x,
        today_label=gettext("Today %(date)s", date=local_day(str(chart.today)))
        if today_x is not None
        else "",
    )
