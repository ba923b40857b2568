"""The plan's sections as a sequence of neutral blocks, shared by every document renderer.

`layout(plan)` decides what the document says and in which order; the Markdown, HTML, PDF
and DOCX renderers only decide how a heading, a list, a table, a charter, the roadmap or the
alignment map looks in their format. User text stays plain text in every block: each renderer
escapes it its way.

Sections, in order, each present only when the agenda produced it (docs/plan-format.md):
cover, strategy on a page, roadmap by year, scorecard, situation (SWOT, PESTLE), vision/mission/
values, strategic goals, programs and projects (as charters), risks, custom stages, alignment
map, gaps, action plan, who owns what, governance, appendix. Every section but the cover
starts with `Heading(2, ...)`; the blocks after it (StrategyPage, RoadmapBlock, MapBlock,
Facts…) carry no section heading.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from .. import i18n
from ..i18n import N_, gettext, ngettext, pgettext
from .document import (
    GAP_LABELS,
    REVIEW_CADENCES,
    UNSCORED,
    VOTES_UNIT,
    GapLine,
    PlanDocument,
    PlanItem,
    StageOutcome,
    consensus_label,
    count_text,
    decimal_text,
    detail_lines,
    english,
    gap_flags,
    gap_label,
    gap_text,
    horizon_label,
    labelled,
    local_day,
    metric_line,
    removed_line,
    year_range,
)
from .mapgeom import alignment_map
from .roadmap import roadmap_of

DRAFT_NOTICE = N_("DRAFT: the workshop is still running; this is not the final plan.")
"""Shown on a draft's cover: `gettext(DRAFT_NOTICE)` where it is rendered."""
STATEMENT_LEVELS = ("vision", "mission")
TOP_LEVELS = ("vision", "mission", "values")
SITUATION_LEVELS = ("situation", "environment")
"""The situation analysis (SWOT, PESTLE): the "Situation" section, not custom stages."""
RISKS = "risks"
STRATEGIC_LEVELS = (
    *SITUATION_LEVELS,
    *TOP_LEVELS,
    "goals",
    "programs",
    "projects",
    RISKS,
    "actions",
)
LEVEL_NAMES = {"vision": N_("Vision"), "mission": N_("Mission"), "values": N_("Values")}
SERVER_NAMES = {"programs": N_("Program"), "projects": N_("Project")}
"""What one item serving a goal is called in the goal's "Served by" list."""
LEVEL_WORDS = {"goals": N_("Goal"), "programs": N_("Program"), "projects": N_("Project")}
"""What a risk threatens and what mitigates it are named with their level ("Goal: …")."""
RELATION_WORDS = (
    ("builds_on", N_("Builds on")),
    ("answers", N_("Answers")),
    ("responds_to", N_("Responds to")),
)
"""A goal's links to the situation, as its entry says them, in this order."""


@dataclass(frozen=True)
class Block:
    """One piece of the document."""

    kind: ClassVar[str] = "block"


@dataclass(frozen=True)
class Cover(Block):
    """The title page: the plan's title (renderers add the "Strategic plan" kicker), a
    subtitle (the organisation), facts lines, and whether it is a draft (renderers show
    `DRAFT_NOTICE`)."""

    kind: ClassVar[str] = "cover"
    title: str
    subtitle: str | None
    facts: tuple[str, ...]
    draft: bool


@dataclass(frozen=True)
class Heading(Block):
    """A section (level 2) or sub-section (level 3) heading; the cover holds level 1."""

    kind: ClassVar[str] = "heading"
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph(Block):
    """Running text; `style` "note" is a muted remark, "lead" an emphasised sentence."""

    kind: ClassVar[str] = "paragraph"
    text: str
    style: str = "body"


@dataclass(frozen=True)
class Statement(Block):
    """A selected statement shown on its own (the vision, the mission)."""

    kind: ClassVar[str] = "statement"
    text: str


@dataclass(frozen=True)
class Entry:
    """One list entry with the facts listed under it, and its gap flags."""

    text: str
    details: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Items(Block):
    """A list of entries, numbered when `ordered` (selected items in rank order)."""

    kind: ClassVar[str] = "items"
    entries: tuple[Entry, ...]
    ordered: bool = True
    style: str = "body"


@dataclass(frozen=True)
class Table(Block):
    """A table: header labels, rows of text, which columns are numbers, which rows stand
    out (the selected items) and relative column widths for page formats."""

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    marked: tuple[bool, ...] = ()
    widths: tuple[float, ...] = ()
    flags: tuple[tuple[str, ...], ...] = ()
    """Per row, the gap flags of the item it shows (empty tuples, or () for none at all)."""
    nowrap: tuple[bool, ...] = ()
    """Per column, whether its cells must never wrap (dates, numbers, short codes)."""
    style: str = "body"
    """ "grid": one row of a 2x2 (the SWOT, the risks), two equal columns of short items that
    share a phone's width rather than scroll (HTML); other formats draw it as any table."""


@dataclass(frozen=True)
class Outline(Block):
    """An indented outline: (depth, level title, wording) from the roots down. The layout no
    longer gives one (the map is a `MapBlock` since issue 16); renderers may still draw it."""

    kind: ClassVar[str] = "outline"
    rows: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class PageBreak(Block):
    """Start a new page (print formats); ignored where pages do not exist."""

    kind: ClassVar[str] = "pagebreak"


# ---- blocks of the board's document (issue 16). `flags` everywhere are the labels of the gaps
# of that item or row (GAP_LABELS values, with their detail), shown next to it ("⚠ Project
# without an owner"); empty when nothing is wrong.


@dataclass(frozen=True)
class GoalSummary:
    """One goal on the strategy page: its wording, its headline metric in words ("Jobs
    created from 120 to 400 by 2029-12-31") or None, what serves it (program and project
    wordings, at most a few, the rest as "and 3 more"), and its gap flags."""

    text: str
    metric: str | None
    serving: tuple[str, ...]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class StrategyPage(Block):
    """Strategy on a page, right after the cover: one page in PDF and DOCX, one screen in
    HTML. The layout puts `Heading(2, "Strategy on a page")` right before it (the block has
    no heading of its own); renderers start that heading on a new page and end the page after
    this block. The layout keeps it short enough to fit: wordings are whole, at most
    `STRATEGY_GOALS` goals (`note` then says how many more), `STRATEGY_SERVING` names under
    a goal then "and N more" (N ≥ 2: one more name is shown rather than "and 1 more"),
    `STRATEGY_VALUES` values likewise, 3 gaps, 5 actions."""

    kind: ClassVar[str] = "strategy"
    vision: str | None
    mission: str | None
    values: tuple[str, ...]
    goals: tuple[GoalSummary, ...]
    gap_count: int
    top_gaps: tuple[str, ...]
    """The most important gaps in words ("Goal that nothing serves: Grow exports"), at most 3."""
    first_actions: tuple[tuple[str, str, str], ...]
    """(what, owner, due) of the first five actions; owner/due say "not named yet"/"no date"."""
    note: str | None = None
    """A muted line, shown under the rest: when the agenda produced none of this (custom
    stages only), or that more goals than the page shows are in "Strategic goals"."""
    unanswered: tuple[str, ...] = ()
    """The threats and weaknesses of the situation that no goal answers (the
    `unanswered_threat` gaps), at most `STRATEGY_UNANSWERED` then "and N more": renderers show
    "Left unanswered: …" in the gaps panel. Empty (and nothing shown) for plans without them."""


@dataclass(frozen=True)
class Facts(Block):
    """A charter or any labelled record: a caption ("Program charter"), the item's wording
    as its title, (label, value) rows, and the item's gap flags. Kept whole on one page."""

    kind: ClassVar[str] = "facts"
    caption: str
    title: str
    rows: tuple[tuple[str, str], ...]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoadmapBlock(Block):
    """The roadmap by year (`roadmap.RoadmapChart`): HTML draws it as SVG and the PDF as
    vector shapes (both from `roadmap.roadmap_geometry`); DOCX and Markdown show
    `chart.table()`; every format lists `chart.unscheduled` under it as "Not scheduled yet"."""

    kind: ClassVar[str] = "roadmap"
    chart: Any


@dataclass(frozen=True)
class MapBlock(Block):
    """The alignment map (`mapgeom.AlignmentMap`): HTML and PDF draw each part with
    `mapgeom.part_geometry` (a part is kept whole on a page; the PDF starts a part where it
    fits); DOCX and Markdown show `map.outline()`."""

    kind: ClassVar[str] = "map"
    map: Any


STRATEGY_GOALS = 6
"""The most goals the strategy page shows (the rest are in "Strategic goals")."""
STRATEGY_SERVING = 3
"""The most programs and projects named under a goal on the strategy page."""
STRATEGY_VALUES = 8
"""The most values the strategy page names (then "and N more")."""
STRATEGY_GAPS = 3
STRATEGY_UNANSWERED = 4
"""The most unanswered threats the strategy page names (then "and N more")."""
STRATEGY_ACTIONS = 5
UNANSWERED = "unanswered_threat"
"""The gap of a threat or weakness no goal answers (the strategy page names them)."""
NOT_NAMED = N_("not named yet")
NO_DATE = N_("no date")
GAP_IMPORTANCE = (
    "unserved_goal",
    "unaligned_program",
    "unaligned_project",
    "unanswered_threat",
    "unmitigated_risk",
    "program_without_manager",
    "project_without_owner",
    "action_without_owner",
    "goal_without_metric",
    "program_without_metric",
    "project_without_due",
    "action_without_due",
    "dates_reversed",
    "date_outside_horizon",
    "date_in_past",
    "action_without_project",
    "tie_break_selection",
)
"""Which gaps the strategy page names first: what breaks the alignment (a goal nothing
serves, work that serves no goal, a threat no goal answers, a high risk nothing mitigates;
the page names the unanswered threats on a line of their own, so they are not repeated among
its top gaps), then work nobody owns, then what cannot be measured or
scheduled, then dates, then what only needs confirming. Kinds not listed come last."""


def title_line(plan: PlanDocument) -> str:
    """The document's title."""
    return gettext("Strategic plan: %(title)s", title=plan.title)


def _moment(plan: PlanDocument) -> datetime | None:
    """When the version was published (a draft: taken), in UTC."""
    try:
        moment = datetime.fromisoformat(plan.published_at)
    except ValueError:
        try:
            moment = datetime.strptime(plan.finished_at, "%Y-%m-%d %H:%M UTC")
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _day_of(moment: str) -> str:
    """The UTC day of an ISO 8601 time ("2026-12-03"), as the control line gives it."""
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return moment[:10]
    if parsed.tzinfo is None:
        return parsed.strftime("%Y-%m-%d")
    return parsed.astimezone(UTC).strftime("%Y-%m-%d")


def control_line(plan: PlanDocument) -> str:
    """The document-control line for running headers and footers, metadata and the HTML
    title: "Version 2 · published 2026-12-03", or for a draft "DRAFT · taken 2026-12-07 14:05
    UTC"."""
    moment = _moment(plan)
    if plan.draft:
        when = local_moment(moment) if moment else plan.finished_at
        return gettext("DRAFT · taken %(when)s", when=when)
    day = moment.strftime("%Y-%m-%d") if moment else plan.date
    return gettext(
        "Version %(version)s · published %(day)s",
        version=count_text(plan.version),
        day=local_day(day),
    )


def local_moment(moment: datetime) -> str:
    """A UTC moment as the plan says it: "2026-12-07 14:05 UTC" in English, else as the
    language writes a date and time (still in UTC)."""
    if english():
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return gettext(
        "%(moment)s UTC", moment=i18n.format_datetime(moment.replace(tzinfo=None), "short")
    )


def local_finish(finished_at: str) -> str:
    """The plan's `finished_at` ("2026-12-01 16:30 UTC") as the language writes it."""
    try:
        moment = datetime.strptime(finished_at, "%Y-%m-%d %H:%M UTC")
    except ValueError:
        return finished_at
    return local_moment(moment)


def document_title(plan: PlanDocument) -> str:
    """The title for the HTML `<title>` and the PDF and DOCX metadata: "Strategic plan: Port
    2031 · Version 2 · published 2026-12-03" (a draft: "… · DRAFT · taken …")."""
    return f"{title_line(plan)} · {control_line(plan)}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 January + 1 month
    is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(plan: PlanDocument) -> date | None:
    """When the plan is next reviewed: this version's publication date plus the review
    cadence's months (None for a draft, or a plan without a readable date)."""
    moment = _moment(plan)
    if plan.draft or moment is None:
        return None
    return add_months(moment.date(), REVIEW_CADENCES.get(plan.review_cadence, 3))


CADENCE_NAMES = {
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "half-yearly": N_("Half-yearly"),
    "yearly": N_("Yearly"),
}
"""The review cadences (`REVIEW_CADENCES`) as the governance section names them."""


def cadence_name(cadence: str) -> str:
    """ "Quarterly" (another cadence: its key, capitalised)."""
    name = CADENCE_NAMES.get(cadence)
    return gettext(name) if name else cadence.capitalize()


def cadence_words(cadence: str) -> str:
    """ "Quarterly (every 3 months)"."""
    months = REVIEW_CADENCES.get(cadence, 3)
    return ngettext(
        "%(cadence)s (every %(count)s month)",
        "%(cadence)s (every %(count)s months)",
        months,
        cadence=cadence_name(cadence),
        count=count_text(months),
    )


def person_key(name: str) -> str:
    """A person's name as compared: case and spaces do not matter ("priya  Shah " is
    "Priya Shah")."""
    return " ".join(name.split()).casefold()


def _field(item: PlanItem, name: str) -> str:
    """A text field, with its spaces folded ("" when absent)."""
    return " ".join(str(item.fields.get(name) or "").split())


class Look:
    """What the sections look up about a plan, found once per layout: the plan's own lookups
    scan every stage on each call, and a 200-project plan asks thousands of times."""

    def __init__(self, plan: PlanDocument) -> None:
        self.plan = plan
        self.flags = gap_flags(plan)
        self.names = names_of(plan)
        self.wording = {item.id: item.wording for stage in plan.stages for item in stage.items}
        self._selected: dict[str, list[PlanItem]] = {}
        self._children: dict[int, list[tuple[StageOutcome, PlanItem]]] = {}
        in_plan = [(stage, item) for stage in plan.stages for item in stage.selected]
        self.in_plan = frozenset(item.id for _stage, item in in_plan)
        self.item_of = {item.id: (stage, item) for stage, item in in_plan}
        for stage, item in in_plan:
            for link in dict.fromkeys(item.links):
                self._children.setdefault(link, []).append((stage, item))

    def selected_of(self, key: str) -> list[PlanItem]:
        """`PlanDocument.selected_of`, once per level."""
        if key not in self._selected:
            self._selected[key] = self.plan.selected_of(key)
        return self._selected[key]

    def children(self, idea_id: int) -> list[tuple[StageOutcome, PlanItem]]:
        """`PlanDocument.children`: what in the plan serves this item."""
        return self._children.get(idea_id, [])

    def links(self, item: PlanItem) -> list[int]:
        """`PlanDocument.links_of`: what the item serves among the items in the plan."""
        return [link for link in item.links if link in self.in_plan]

    def text(self, idea_id: int) -> str:
        return self.wording.get(idea_id) or gettext("item %(id)s", id=idea_id)

    def person(self, item: PlanItem, field_name: str) -> str:
        """The person an item names in a field, spelled as everywhere in the plan
        (`names_of`), or "not named yet"."""
        name = _field(item, field_name)
        return _shown(self.names, name) if name else gettext(NOT_NAMED)

    def flag(self, idea_id: int) -> tuple[str, ...]:
        return self.flags.get(idea_id, ())

    def named(self, item: PlanItem) -> str:
        """An item with its level's name: "Goal: Grow exports", "Project: Pilot a tug"."""
        stage = self.item_of.get(item.id, (None, item))[0]
        key = stage.key if stage is not None else ""
        return (
            labelled(gettext(LEVEL_WORDS[key]), item.wording)
            if key in LEVEL_WORDS
            else item.wording
        )


def _cover(plan: PlanDocument) -> Cover:
    facts = [
        gettext(
            "Horizon: %(years)s (%(length)s)",
            years=year_range(plan),
            length=horizon_label(plan.horizon_years),
        ),
        gettext("Dated %(date)s (draft)", date=local_day(plan.date))
        if plan.draft
        else gettext(
            "Dated %(date)s · workshop finished %(when)s",
            date=local_day(plan.date),
            when=local_finish(plan.finished_at),
        ),
    ]
    if plan.facilitator:
        facts.append(gettext("Facilitated by %(name)s", name=plan.facilitator))
    removed = removed_line(plan.removed)
    people = ngettext(
        "%(count)s participant",
        "%(count)s participants",
        plan.participants,
        count=count_text(plan.participants),
    )
    facts.append(
        people
        + (f" ({removed})" if removed else "")
        + " · "
        + ngettext(
            "%(count)s contribution",
            "%(count)s contributions",
            plan.contributions,
            count=count_text(plan.contributions),
        )
    )
    if not plan.draft and plan.version > 1:
        version = gettext("Version %(version)s", version=count_text(plan.version))
        facts.append(labelled(version, plan.note) if plan.note else version)
    return Cover(plan.title, plan.organization, tuple(facts), plan.draft)


def _not_done(stage: StageOutcome) -> Paragraph | None:
    if not stage.completed:
        return Paragraph(
            gettext("This stage was not completed in the workshop; nothing was selected."), "note"
        )
    if not stage.selected:
        return Paragraph(gettext("No ideas were selected in this stage."), "note")
    return None


def number_text(value: float | int) -> str:
    """A score as text: whole numbers without a decimal point, others to two places."""
    if float(value).is_integer():
        return count_text(int(value))
    return decimal_text(float(value), 2)


def amount(value: float | int, label: str) -> str:
    """ "1 dot", "14 Borda points", "3.50 mean impact"."""
    if english():
        unit = label[:-1] if value == 1 and label.endswith("s") else label
        return f"{number_text(value)} {unit}"
    count = int(value) if float(value).is_integer() else 100  # a fraction reads as "other"
    shown = number_text(value)
    if label == VOTES_UNIT:
        return ngettext("%(count)s dot", "%(count)s dots", count, count=shown)
    if label == "points":
        return ngettext("%(count)s point", "%(count)s points", count, count=shown)
    if label == "Borda points":
        return ngettext("%(count)s Borda point", "%(count)s Borda points", count, count=shown)
    return gettext("%(value)s %(unit)s", value=shown, unit=unit_name(label))


def unit_name(label: str) -> str:
    """What a stage's scores count, in the language in force ("mean impact")."""
    return gettext(label)


def dots(n: int) -> str:
    """ "1 dot", "9 dots"."""
    return ngettext("%(count)s dot", "%(count)s dots", n, count=count_text(n))


def support(stage: StageOutcome, item: PlanItem) -> str:
    """How much support an item had, in words: "14 Borda points, 9 dots"."""
    if stage.score_label == UNSCORED:  # nothing was counted: only dots, if any
        return dots(item.votes)
    parts = [amount(item.score, stage.score_label)]
    if stage.score_label != VOTES_UNIT and item.votes:  # the score is not the dots already
        parts.append(dots(item.votes))
    return gettext(", ").join(parts)


def _runners_up(stage: StageOutcome) -> list[Paragraph]:
    others = stage.runners_up if stage.completed else []
    if not others:
        return []
    listed = "; ".join(f"{item.wording} ({support(stage, item)})" for item in others)
    return [Paragraph(gettext("Runners-up: %(items)s.", items=listed), "note")]


def _and_list(words: list[str]) -> str:
    """ "Vision", "Vision and Values", "Vision, Mission and Values"."""
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s and %(last)s", first=gettext(", ").join(words[:-1]), last=words[-1])


def _capped(names: list[str], cap: int) -> tuple[str, ...]:
    """At most `cap` names, the rest as "and N more" (never "and 1 more" for one name)."""
    if len(names) <= cap + 1:
        return tuple(names)
    more = len(names) - cap
    return (
        *names[:cap],
        ngettext("and %(count)s more", "and %(count)s more", more, count=count_text(more)),
    )


# ---- strategy on a page


def serving_items(look: Look, goal: PlanItem) -> list[tuple[StageOutcome, PlanItem, str]]:
    """What serves a goal, programs first: (stage, item, through) for each program and project
    serving it directly, then each project serving it through one of those programs
    (`through` is that program's wording, "" for a direct link). Each item once."""
    direct = look.children(goal.id)
    found = [(stage, child, "") for stage, child in direct if stage.key == "programs"]
    found += [(stage, child, "") for stage, child in direct if stage.key == "projects"]
    seen = {child.id for _stage, child, _via in found}
    programs = [child for stage, child in direct if stage.key == "programs"]
    for program in programs:
        for stage, child in look.children(program.id):
            if stage.key == "projects" and child.id not in seen:
                seen.add(child.id)
                found.append((stage, child, program.wording))
    return found


def _gap_line(gap: GapLine) -> str:
    return labelled(gap_label(gap.kind), gap.item)


def top_gaps(
    plan: PlanDocument, count: int = STRATEGY_GAPS, skip: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The most important gaps in words (`GAP_IMPORTANCE`, then the plan's order), leaving
    out the kinds in `skip` (named elsewhere on the page)."""
    rank = {kind: n for n, kind in enumerate(GAP_IMPORTANCE)}
    ordered = sorted(
        ((n, gap) for n, gap in enumerate(plan.gaps) if gap.kind not in skip),
        key=lambda pair: (rank.get(pair[1].kind, len(rank)), pair[0]),
    )
    return tuple(_gap_line(gap) for _n, gap in ordered[:count])


def _first(plan: PlanDocument, key: str) -> str | None:
    chosen = plan.selected_of(key)
    return chosen[0].wording if chosen else None


def _strategy(look: Look) -> list[Block]:
    plan = look.plan
    goals = look.selected_of("goals")
    summaries = tuple(
        GoalSummary(
            goal.wording,
            metric_line((goal.fields.get("metrics") or [None])[0])
            if goal.fields.get("metrics")
            else None,
            _capped(
                [child.wording for _stage, child, _via in serving_items(look, goal)],
                STRATEGY_SERVING,
            ),
            look.flag(goal.id),
        )
        for goal in goals[:STRATEGY_GOALS]
    )
    actions = tuple(
        (
            action.wording,
            look.person(action, "owner"),
            local_day(_field(action, "due")) or gettext(NO_DATE),
        )
        for action in look.selected_of("actions")[:STRATEGY_ACTIONS]
    )
    note = None
    if len(goals) > STRATEGY_GOALS:
        more = len(goals) - STRATEGY_GOALS
        note = ngettext(
            "%(count)s more goal is listed under Strategic goals (%(total)s in all).",
            "%(count)s more goals are listed under Strategic goals (%(total)s in all).",
            more,
            count=count_text(more),
            total=count_text(len(goals)),
        )
    if not any(plan.stage(key) for key in ("vision", "mission", "values", "goals", "actions")):
        note = gettext(
            "This agenda produced no vision, goals or actions; the selected items of each "
            "stage follow."
        )
    unanswered = [gap.item for gap in plan.gaps if gap.kind == UNANSWERED]
    page = StrategyPage(
        vision=_first(plan, "vision"),
        mission=_first(plan, "mission"),
        values=_capped([value.wording for value in plan.selected_of("values")], STRATEGY_VALUES),
        goals=summaries,
        gap_count=len(plan.gaps),
        top_gaps=top_gaps(plan, skip=frozenset({UNANSWERED}) if unanswered else frozenset()),
        first_actions=actions,
        note=note,
        unanswered=_capped(unanswered, STRATEGY_UNANSWERED),
    )
    return [Heading(2, gettext("Strategy on a page")), page]


# ---- roadmap, scorecard


def _roadmap(plan: PlanDocument) -> list[Block]:
    chart = roadmap_of(plan)
    if chart is None:
        return []
    return [
        Heading(2, gettext("Roadmap by year")),
        Paragraph(
            gettext(
                "Projects run as bars from their start to their completion date, programs as "
                "spans over their duration, and the due dates of goal and program measures are "
                "milestones; the line marks the plan's date."
            ),
            "note",
        ),
        RoadmapBlock(chart),
    ]


def _names(names: list[str]) -> list[str]:
    """Names without repeats (case and spaces ignored), first spelling kept, spaces folded."""
    seen: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        if cleaned:
            seen.setdefault(person_key(cleaned), cleaned)
    return list(seen.values())


def goal_owner(look: Look, goal: PlanItem) -> str:
    """Who answers for a goal's measures: the managers of the programs that serve it, else
    the owners of the projects that serve it directly, else "not named yet"."""
    serving = [(stage, child) for stage, child, via in serving_items(look, goal) if not via]
    for key in ("programs", "projects"):
        names = _names([_field(child, "owner") for stage, child in serving if stage.key == key])
        if names:
            return "; ".join(_shown(look.names, name) for name in names)
    return gettext(NOT_NAMED)


SCORECARD_COLUMNS = (
    N_("Measure"),
    N_("For"),
    N_("Owner"),
    N_("Baseline"),
    N_("Target"),
    N_("Due"),
    N_("Review"),
)


def _metric_flags(plan: PlanDocument, item: PlanItem, metric: Mapping[str, Any]) -> tuple[str, ...]:
    """The gaps about one measure (its due date outside the horizon or past), for its row of
    the scorecard. The item's other gaps (a program's own end date, a goal nothing serves) are
    not about the measure: they are flagged where the item itself is shown."""
    # The detail names the metric and its date in any language ("due date of the metric
    # 'Jobs' 2035-03-01, after …"); the metric's name as quoted, else as written.
    name, due = str(metric.get("metric")), str(metric.get("due") or "")
    return tuple(
        gap_text(gap)
        for gap in plan.gaps
        if gap.id == item.id
        and gap.detail is not None
        and (f"{name!r}" in gap.detail or (name in gap.detail and bool(due) and due in gap.detail))
    )


def _scorecard(look: Look) -> list[Block]:
    plan = look.plan
    measured = [(key, item) for key in ("goals", "programs") for item in look.selected_of(key)]
    if not measured:
        return []
    review = cadence_name(plan.review_cadence)
    rows: list[tuple[str, ...]] = []
    row_flags: list[tuple[str, ...]] = []
    for key, item in measured:
        if key == "goals":
            whom, owner = labelled(gettext("Goal"), item.wording), goal_owner(look, item)
        else:
            whom = labelled(gettext("Program"), item.wording)
            owner = look.person(item, "owner")
        for metric in item.fields.get("metrics") or []:
            rows.append(
                (
                    str(metric.get("metric") or ""),
                    whom,
                    owner,
                    str(metric.get("baseline") or gettext("not set")),
                    str(metric.get("target") or gettext("not set")),
                    local_day(str(metric.get("due") or "")) or gettext(NO_DATE),
                    review,
                )
            )
            row_flags.append(_metric_flags(plan, item, metric))
    blocks: list[Block] = [
        Heading(2, gettext("Scorecard")),
        Paragraph(
            gettext(
                "Every measure of the goals and programs, with who answers for it. A program's "
                "measures belong to its manager; a goal's to the managers of the programs serving "
                "it (else the owners of the projects serving it)."
            ),
            "note",
        ),
    ]
    if not rows:
        return [*blocks, Paragraph(gettext("No success metric was set yet."), "note")]
    blocks.append(
        Table(
            tuple(gettext(column) for column in SCORECARD_COLUMNS),
            tuple(rows),
            (False,) * 7,
            widths=(2.4, 2.4, 1.6, 1.1, 1.1, 1.1, 1.0),
            flags=tuple(row_flags) if any(row_flags) else (),
            nowrap=(False, False, False, False, False, True, True),
        )
    )
    return blocks


# ---- vision, mission, values; goals


def _top_levels(plan: PlanDocument) -> list[Block]:
    present = [stage for stage in plan.stages if stage.key in TOP_LEVELS]
    if not present:
        return []
    names = [gettext(LEVEL_NAMES[key]) for key in TOP_LEVELS if plan.stage(key) is not None]
    blocks: list[Block] = [Heading(2, _and_list(names))]
    for stage in present:
        blocks.append(Heading(3, stage.title))
        missing = _not_done(stage)
        if missing is not None:
            blocks.append(missing)
            continue
        chosen = stage.selected
        if stage.key in STATEMENT_LEVELS and len(chosen) == 1:
            blocks.append(Statement(chosen[0].wording))
            details = detail_lines(plan, stage, chosen[0])
            if details:
                blocks.append(Items((Entry(" · ".join(details)),), ordered=False, style="note"))
        else:
            blocks.append(_entries(plan, stage, chosen, {}))
        blocks += _runners_up(stage)
    return blocks


def _entries(
    plan: PlanDocument,
    stage: StageOutcome,
    chosen: list[PlanItem],
    flags: Mapping[int, tuple[str, ...]],
) -> Items:
    return Items(
        tuple(
            Entry(item.wording, tuple(detail_lines(plan, stage, item)), flags.get(item.id, ()))
            for item in chosen
        )
    )


def _metrics_table(item: PlanItem) -> Table | None:
    metrics = item.fields.get("metrics") or []
    if not metrics:
        return None
    return Table(
        (gettext("Success metric"), gettext("Baseline"), gettext("Target"), gettext("By when")),
        tuple(
            (
                str(m.get("metric") or ""),
                str(m.get("baseline") or ""),
                str(m.get("target") or ""),
                local_day(str(m.get("due") or "")),
            )
            for m in metrics
        ),
        (False, False, False, False),
        widths=(3, 1.3, 1.3, 1.3),
        nowrap=(False, False, False, True),
    )


def _flag_list(item_flags: tuple[str, ...]) -> list[Block]:
    """An item's gaps as a list of its own, where the item is a heading, not an entry."""
    if not item_flags:
        return []
    return [Items(tuple(Entry(f"⚠ {flag}") for flag in item_flags), ordered=False, style="gap")]


def _goals(look: Look) -> list[Block]:
    plan = look.plan
    stage = plan.stage("goals")
    if stage is None:
        return []
    blocks: list[Block] = [Heading(2, gettext("Strategic goals"))]
    missing = _not_done(stage)
    if missing is not None:
        return [*blocks, missing]
    servers = plan.stage("programs") is not None or plan.stage("projects") is not None
    for n, goal in enumerate(stage.selected, 1):
        blocks.append(Heading(3, f"{count_text(n)}. {goal.wording}"))
        blocks += _flag_list(look.flag(goal.id))
        blocks += _goal_relations(look, goal)
        table = _metrics_table(goal)
        blocks.append(
            table
            if table
            else Paragraph(gettext("No success metric was set for this goal."), "note")
        )
        served = serving_items(look, goal)
        if served:
            blocks.append(Paragraph(gettext("Served by:")))
            blocks.append(
                Items(
                    tuple(
                        Entry(
                            labelled(_server_name(kind), child.wording)
                            + (gettext(" (through %(item)s)", item=via) if via else ""),
                            flags=look.flag(child.id),
                        )
                        for kind, child, via in served
                    ),
                    ordered=False,
                )
            )
        elif servers:
            blocks.append(Paragraph(gettext("No program or project serves this goal yet."), "note"))
        if goal.wording != goal.text:
            blocks.append(Paragraph(labelled(gettext("Wording as voted"), goal.text), "note"))
    blocks += _runners_up(stage)
    return blocks


def _server_name(stage: StageOutcome) -> str:
    name = SERVER_NAMES.get(stage.key)
    return gettext(name) if name else stage.title


def _goal_relations(look: Look, goal: PlanItem) -> list[Block]:
    """What a goal builds on, answers and responds to in the situation analysis, a line
    each ("Answers: Rising fuel costs; Ageing cranes"); nothing for a goal linked to none."""
    relations = dict(look.plan.relations_of(goal))
    return [
        Paragraph(labelled(gettext(words), "; ".join(item.wording for item in relations[kind])))
        for kind, words in RELATION_WORDS
        if relations.get(kind)
    ]


# ---- situation: SWOT, PESTLE (issue 17)
#
# The section comes after the scorecard and before the vision, mission and values: the agenda
# starts with it (it is where the organisation stands before it says where it goes), and the
# strategy page, roadmap and scorecard stay the first pages a reader opens. Only tables and
# lists, so every renderer shows it as it shows any table (no block type of its own).

SITUATION_NOTE = N_(
    "Where the organisation stands, as the room saw it: the selected items of each analysis "
    "with their support."
)
SITUATION_GOALS_NOTE = N_(
    " Each strategic goal says what it builds on and what it answers; a threat or weakness "
    "that no goal answers is marked ⚠ and listed under Gaps."
)
"""Added to the note when the agenda has a goals stage."""
UNANSWERED_MARK = N_("⚠ no goal answers it")
UNMITIGATED = "unmitigated_risk"
UNMITIGATED_MARK = N_("⚠ no project mitigates it")
"""After a high risk in the risks grid that no project mitigates (its gap)."""
"""After a threat or weakness in the SWOT grid that no goal answers (its gap)."""
NOTHING_SELECTED = N_("nothing selected")


def _support_of(stage: StageOutcome, item: PlanItem) -> str:
    """An item's support ("5 dots"), "" when nothing was counted on its stage."""
    if stage.score_label == UNSCORED and not item.votes:
        return ""
    return support(stage, item)


def _situation_cell(look: Look, stage: StageOutcome, item: PlanItem) -> str:
    """One item in a SWOT quadrant: "Skilled crews (5 dots)", with its gaps after it."""
    backing = _support_of(stage, item)
    text = f"{item.wording} ({backing})" if backing else item.wording
    marks = [
        gettext(UNANSWERED_MARK) if gap.kind == UNANSWERED else f"⚠ {gap_text(gap)}"
        for gap in look.plan.gaps
        if gap.id == item.id
    ]
    return " ".join([text, *marks])


def _grid(columns: tuple[str, str], cells: tuple[list[str], list[str]]) -> Table:
    """One row of a 2x2 as a two-column table: each column lists its quadrant's items, one a
    row ("nothing selected" for an empty one)."""
    left, right = (cell or [gettext(NOTHING_SELECTED)] for cell in cells)
    depth = max(len(left), len(right))
    rows = tuple(
        (left[n] if n < len(left) else "", right[n] if n < len(right) else "") for n in range(depth)
    )
    return Table(columns, rows, (False, False), widths=(1, 1), style="grid")


def _categories(stage: StageOutcome) -> list[tuple[str, str]]:
    """The stage's categories as (key, label), then any category its items carry that the
    stage does not list (kept, never lost), then "Not in a category" for items without one."""
    found = [(str(c["key"]), gettext(str(c["label"]))) for c in stage.categories]
    known = {key for key, _label in found}
    for item in stage.selected:
        if item.category is not None and item.category not in known:
            known.add(item.category)
            found.append((item.category, gettext(stage.category_label(item.category))))
    return found


def _swot(look: Look, stage: StageOutcome) -> list[Block]:
    """Four categories as a 2x2: the first two side by side over the last two (Strengths |
    Weaknesses over Opportunities | Threats)."""
    quadrants = [
        (label, [_situation_cell(look, stage, item) for item in stage.selected_in(key)])
        for key, label in _categories(stage)
    ]
    blocks: list[Block] = [
        _grid((quadrants[0][0], quadrants[1][0]), (quadrants[0][1], quadrants[1][1])),
        _grid((quadrants[2][0], quadrants[3][0]), (quadrants[2][1], quadrants[3][1])),
    ]
    loose = [item for item in stage.selected if item.category is None]
    if loose:
        blocks.append(Paragraph(gettext("Not in a category:")))
        blocks.append(
            Items(tuple(Entry(_situation_cell(look, stage, item)) for item in loose), False)
        )
    return blocks


def _factor_table(look: Look, stage: StageOutcome) -> Table:
    """Any other number of categories (a PESTLE): a table of factor, item and support, the
    factor named on its first row, an empty factor saying "nothing selected"."""
    rows: list[tuple[str, ...]] = []
    row_flags: list[tuple[str, ...]] = []
    groups = [(label, stage.selected_in(key)) for key, label in _categories(stage)]
    loose = [item for item in stage.selected if item.category is None]
    if loose:
        groups.append((gettext("Not in a category"), loose))
    for label, chosen in groups:
        if not chosen:
            rows.append((label, gettext(NOTHING_SELECTED), ""))
            row_flags.append(())
        for n, item in enumerate(chosen):
            rows.append((label if n == 0 else "", item.wording, _support_of(stage, item)))
            row_flags.append(look.flag(item.id))
    return Table(
        (gettext("Factor"), gettext("Item"), gettext("Support")),
        tuple(rows),
        (False, False, False),
        widths=(1.4, 4, 1.4),
        flags=tuple(row_flags) if any(row_flags) else (),
        nowrap=(False, False, True),
    )


def _situation(look: Look) -> list[Block]:
    plan = look.plan
    present = [s for s in plan.stages if s.key in SITUATION_LEVELS and own_section(s)]
    if not present:
        return []
    note = gettext(SITUATION_NOTE) + (
        gettext(SITUATION_GOALS_NOTE) if plan.stage("goals") is not None else ""
    )
    blocks: list[Block] = [Heading(2, gettext("Situation")), Paragraph(note, "note")]
    for stage in present:
        blocks.append(Heading(3, stage.title))
        missing = _not_done(stage)
        if missing is not None:
            blocks.append(missing)
            continue
        if len(_categories(stage)) == 4:
            blocks += _swot(look, stage)
        else:
            blocks.append(_factor_table(look, stage))
    return blocks


# ---- programs and projects as charters


def span(start: str, end: str) -> str:
    """A duration in words: "2027-03-01 to 2029-12-31", "from 2027-03-01", "until
    2029-12-31", or "not set yet"."""
    start, end = local_day(start), local_day(end)
    if start and end:
        return gettext("%(start)s to %(end)s", start=start, end=end)
    if start:
        return gettext("from %(value)s", value=start)
    if end:
        return gettext("until %(date)s", date=end)
    return gettext("not set yet")


def program_charter(look: Look, item: PlanItem) -> tuple[tuple[str, str], ...]:
    """A program's charter rows: manager, outcome, measures, budget, duration, goals served,
    projects."""
    rows = [
        (gettext("Program manager"), look.person(item, "owner")),
        (gettext("Outcome"), _field(item, "outcome") or gettext("not described yet")),
    ]
    metrics = item.fields.get("metrics") or []
    rows += [(gettext("Measure"), metric_line(m)) for m in metrics] or [
        (gettext("Measures"), gettext("none set yet"))
    ]
    rows.append((gettext("Budget or funding"), _field(item, "budget") or gettext("not set yet")))
    rows.append((gettext("Duration"), span(_field(item, "start"), _field(item, "end"))))
    goals = [look.text(link) for link in look.links(item)]
    rows.append((gettext("Goals served"), "; ".join(goals) if goals else gettext("no goal")))
    if look.plan.stage("projects") is not None:
        projects = [
            child.wording for stage, child in look.children(item.id) if stage.key == "projects"
        ]
        rows.append((gettext("Projects"), "; ".join(projects) if projects else gettext("none yet")))
    if item.wording != item.text:
        rows.append((gettext("Wording as voted"), item.text))
    return tuple(rows)


def project_charter(look: Look, item: PlanItem) -> tuple[tuple[str, str], ...]:
    """A project's charter rows: owner, sponsor, deliverables, start, completion date,
    approach, budget, program (or "Independent project"), goals served."""
    deliverables = [str(d) for d in item.fields.get("deliverables") or []]
    rows = [
        (gettext("Owner"), look.person(item, "owner")),
        (gettext("Sponsor"), look.person(item, "sponsor")),
        (
            gettext("Deliverables"),
            "; ".join(deliverables) if deliverables else gettext("none listed"),
        ),
        (gettext("Start"), local_day(_field(item, "start")) or gettext("not set yet")),
        (gettext("Completion date"), local_day(_field(item, "due")) or gettext("not set yet")),
        (gettext("Approach"), _field(item, "approach") or gettext("not chosen")),
        (gettext("Budget"), _field(item, "budget") or gettext("not set yet")),
    ]
    links = look.links(item)
    programs = [p for p in look.selected_of("programs") if p.id in links]
    if look.plan.stage("programs") is not None:
        rows.append(
            (gettext("Program"), "; ".join(p.wording for p in programs))
            if programs
            else (gettext("Program"), gettext("Independent project (under no program)"))
        )
    program_ids = {p.id for p in programs}
    goals = [look.text(link) for link in links if link not in program_ids]
    for program in programs:
        goals += [
            look.text(link) + gettext(" (through %(item)s)", item=program.wording)
            for link in look.links(program)
            if link not in links
        ]
    rows.append((gettext("Goals served"), "; ".join(goals) if goals else gettext("no goal")))
    mitigated = look.plan.mitigates(item) if look.plan.stage(RISKS) is not None else []
    if mitigated:
        rows.append((gettext("Mitigates"), "; ".join(risk.wording for risk in mitigated)))
    if item.wording != item.text:
        rows.append((gettext("Wording as voted"), item.text))
    return tuple(rows)


PROGRAMS_NOTE = N_(
    "Programs are long-term and outcome-focused: each is judged by whether its outcome and "
    "measures move, within its budget or funding over its duration. Each charter names its "
    "manager."
)
PROJECTS_NOTE = N_(
    "Projects are time-bound and output-focused: each is judged by whether its deliverables "
    "ship by the completion date, within its budget. Each charter names its owner and sponsor."
)


def _programs_projects(look: Look) -> list[Block]:
    plan = look.plan
    blocks: list[Block] = []
    for key, heading, note, caption, charter in (
        ("programs", N_("Programs"), PROGRAMS_NOTE, N_("Program charter"), program_charter),
        ("projects", N_("Projects"), PROJECTS_NOTE, N_("Project charter"), project_charter),
    ):
        stage = plan.stage(key)
        if stage is None:
            continue
        blocks += [Heading(2, gettext(heading)), Paragraph(gettext(note), "note")]
        missing = _not_done(stage)
        if missing is not None:
            blocks.append(missing)
            continue
        blocks += [
            Facts(gettext(caption), item.wording, charter(look, item), look.flag(item.id))
            for item in stage.selected
        ]
    return blocks


# ---- risks (issue 17): after the projects, as in the agenda (a risk threatens goals, programs
# and projects, and projects mitigate it). The grid is two two-column tables, as the SWOT.

GRID = (("big_bet", "money_pit"), ("quick_win", "fill_in"))
"""The quadrants as the grid draws them: the second scale (impact) high on the first row, the
first scale (likelihood) high in the left column."""
QUADRANT_NAMES = {
    "quick_win": N_("Quick win"),
    "big_bet": N_("Big bet"),
    "fill_in": N_("Fill-in"),
    "money_pit": N_("Money pit"),
}
"""The rate step's default names, for a stage that rated on named scales without naming its
quadrants."""
RISKS_NOTE = N_(
    "What could stop the plan, as the room rated it: each risk with what it threatens and the "
    "projects that mitigate it. A high risk (both ratings above the middle of the scale) that "
    "no project mitigates is marked ⚠ and listed under Gaps."
)


def _quadrant_name(stage: StageOutcome, position: str) -> str:
    return gettext(str(stage.quadrants.get(position) or QUADRANT_NAMES.get(position, position)))


def _scale_words(stage: StageOutcome) -> tuple[str, str]:
    """The two scales' names in lower case ("likelihood", "impact")."""
    labels = [gettext(str(scale.get("label") or scale.get("key") or "")) for scale in stage.scales]
    labels += [gettext("the first scale"), gettext("the second scale")][len(labels) :]
    return labels[0].lower(), labels[1].lower()


def _risk_cell(look: Look, item: PlanItem) -> str:
    """A risk in the grid, marked when it is a high risk that no project mitigates."""
    unmitigated = any(gap.id == item.id and gap.kind == UNMITIGATED for gap in look.plan.gaps)
    return f"{item.wording} {gettext(UNMITIGATED_MARK)}" if unmitigated else item.wording


def _risk_grid(look: Look, stage: StageOutcome) -> list[Block]:
    first, second = _scale_words(stage)
    unrated = [item for item in stage.selected if item.quadrant is None]
    blocks: list[Block] = [
        Paragraph(
            gettext(
                "Each risk sits in the quadrant of its mean ratings (1 to 5; above 3 is high): "
                "the first row holds the risks of high %(second)s, the left column those of "
                "high %(first)s.",
                first=first,
                second=second,
            )
            + (gettext(" Risks that were not rated are listed under the grid.") if unrated else ""),
            "note",
        )
    ]
    for row in GRID:
        blocks.append(
            _grid(
                (_quadrant_name(stage, row[0]), _quadrant_name(stage, row[1])),
                (
                    [_risk_cell(look, item) for item in stage.selected_in_quadrant(row[0])],
                    [_risk_cell(look, item) for item in stage.selected_in_quadrant(row[1])],
                ),
            )
        )
    if unrated:
        blocks.append(
            Paragraph(labelled(gettext("Not rated"), "; ".join(item.wording for item in unrated)))
        )
    return blocks


def risk_record(look: Look, stage: StageOutcome, item: PlanItem) -> tuple[tuple[str, str], ...]:
    """A risk's rows: its quadrant and mean ratings (when rated), what it threatens and what
    mitigates it."""
    rows: list[tuple[str, str]] = []
    if item.quadrant is not None:
        rows.append((gettext("Quadrant"), _quadrant_name(stage, item.quadrant)))
    for scale in stage.scales:
        key = str(scale.get("key"))
        if key in item.measures:
            low, high = scale.get("low") or "", scale.get("high") or ""
            ends = (
                gettext(" (1 %(low)s to 5 %(high)s)", low=gettext(low), high=gettext(high))
                if low and high
                else ""
            )
            value = decimal_text(item.measures[key], 1)
            rows.append((gettext(str(scale.get("label") or key)), f"{value}{ends}"))
    threatened = look.plan.related(item, "threatens")
    rows.append(
        (
            gettext("Threatens"),
            "; ".join(look.named(other) for other in threatened)
            if threatened
            else gettext("not linked"),
        )
    )
    mitigations = look.plan.mitigations(item)
    rows.append(
        (
            gettext("Mitigated by"),
            "; ".join(look.named(project) for project in mitigations)
            if mitigations
            else gettext("no project yet"),
        )
    )
    if item.wording != item.text:
        rows.append((gettext("Wording as voted"), item.text))
    return tuple(rows)


def _risks(look: Look) -> list[Block]:
    present = [stage for stage in look.plan.stages if own_section(stage)]
    present = [stage for stage in present if stage.key == RISKS]
    if not present:
        return []
    blocks: list[Block] = [Heading(2, gettext("Risks")), Paragraph(gettext(RISKS_NOTE), "note")]
    for stage in present:
        if len(present) > 1:
            blocks.append(Heading(3, stage.title))
        missing = _not_done(stage)
        if missing is not None:
            blocks.append(missing)
            continue
        if any(item.quadrant is not None for item in stage.selected):
            heading = gettext("Likelihood and impact") if stage.scales else gettext("Ratings")
            blocks += [Heading(3, heading)]
            blocks += _risk_grid(look, stage)
            blocks.append(Heading(3, gettext("Each risk")))
        blocks += [
            Facts(gettext("Risk"), item.wording, risk_record(look, stage, item), look.flag(item.id))
            for item in stage.selected
        ]
    return blocks


def own_section(stage: StageOutcome) -> bool:
    """Whether a stage is shown in a section of its level rather than as a custom stage.
    A situation or environment stage needs categories (its 2x2 or factor table) and a risks
    stage ratings on named scales, links or mitigations (its grid and cards); without them
    it reads as a plain list under its own title, exactly as before these levels existed
    (a plan whose agenda had a custom "risks" stage renders as it always did)."""
    if stage.key in SITUATION_LEVELS:
        return bool(stage.categories) or any(item.category for item in stage.items)
    if stage.key == RISKS:
        return bool(stage.scales) or any(
            item.links or item.mitigated_by or item.quadrant for item in stage.items
        )
    return stage.key in STRATEGIC_LEVELS


def _custom(look: Look) -> list[Block]:
    plan = look.plan
    blocks: list[Block] = []
    for stage in plan.stages:
        if own_section(stage):
            continue
        blocks.append(Heading(2, stage.title))
        missing = _not_done(stage)
        blocks.append(
            missing if missing is not None else _entries(plan, stage, stage.selected, look.flags)
        )
    return blocks


# ---- alignment map and gaps

MAP_NOTE = N_(
    "How to read the map: each goal heads its own part, with the programs and projects that "
    "serve it below it, a line from each to what it serves. Every item is drawn once: one "
    "serving several has a line to each in its part, and names those in other parts in its "
    "box (“Also serves”); a goal served from other parts says so (“Also served by”). "
    "Actions are counted on the item they serve. Items marked ⚠ have a "
    "gap (listed under Gaps); items that reach no goal are grouped last, under “Not "
    "connected to any goal”."
)
MAP_NOTE_NO_GOALS = N_(
    "How to read the map: each item is drawn once, below what it serves, with a line to each "
    "item it serves. Actions are counted on the item they serve. Items marked ⚠ have a gap "
    "(listed under Gaps)."
)


def _alignment(plan: PlanDocument) -> list[Block]:
    drawn = alignment_map(plan) if plan.aligned else None
    if drawn is None or not drawn.parts:  # nothing linked, or nothing in the plan to draw
        return []
    note = MAP_NOTE if plan.stage("goals") is not None else MAP_NOTE_NO_GOALS
    return [Heading(2, gettext("Alignment map")), Paragraph(gettext(note), "note"), MapBlock(drawn)]


def _gaps(plan: PlanDocument) -> list[Block]:
    if not plan.aligned and not plan.gaps:
        return []
    blocks: list[Block] = [Heading(2, gettext("Gaps"))]
    if not plan.gaps:
        return [
            *blocks,
            Paragraph(
                gettext(
                    "No gaps: every goal is served, and every item is owned, dated and serves "
                    "the plan."
                ),
                "note",
            ),
        ]
    blocks.append(
        Paragraph(
            ngettext(
                "%(count)s gap, by kind. Each is also marked ⚠ next to its item wherever the "
                "plan shows it; the review can close most of them.",
                "%(count)s gaps, by kind. Each is also marked ⚠ next to its item wherever the "
                "plan shows it; the review can close most of them.",
                len(plan.gaps),
                count=count_text(len(plan.gaps)),
            ),
            "note",
        )
    )
    kinds = [*GAP_LABELS, *sorted({gap.kind for gap in plan.gaps} - set(GAP_LABELS))]
    for kind in kinds:
        found = [gap for gap in plan.gaps if gap.kind == kind]
        if not found:
            continue
        blocks.append(Paragraph(f"{gap_label(kind)} ({count_text(len(found))})", "lead"))
        blocks.append(
            Items(
                tuple(
                    Entry(gap.item, (gap.detail[0].upper() + gap.detail[1:],) if gap.detail else ())
                    for gap in found
                ),
                ordered=False,
                style="gap",
            )
        )
    return blocks


# ---- action plan, owners, governance


def _actions(look: Look) -> list[Block]:
    plan = look.plan
    stage = plan.stage("actions")
    if stage is None:
        return []
    blocks: list[Block] = [
        Heading(2, gettext("Action plan")),
        Paragraph(gettext("Who does what by when: the operational next steps."), "note"),
    ]
    missing = _not_done(stage)
    if missing is not None:
        return [*blocks, missing]
    chosen = stage.selected
    rows = tuple(
        (
            count_text(n),
            item.wording,
            look.person(item, "owner"),
            local_day(_field(item, "due")) or gettext(NO_DATE),
            "; ".join(look.text(link) for link in look.links(item)) or gettext("nothing yet"),
        )
        for n, item in enumerate(chosen, 1)
    )
    row_flags = tuple(look.flag(item.id) for item in chosen)
    blocks.append(
        Table(
            ("#", gettext("What"), gettext("Who"), gettext("By when"), gettext("Serves")),
            rows,
            (True, False, False, False, False),
            widths=(0.4, 3, 1.4, 1.1, 2.4),
            flags=row_flags if any(row_flags) else (),
            nowrap=(True, False, False, True, False),
        )
    )
    return blocks


@dataclass(frozen=True)
class Duty:
    """One thing a person answers for, in the owners table."""

    person: str
    role: str
    item: PlanItem
    start: str
    due: str


ROLES = (
    ("programs", "owner", N_("Program manager")),
    ("projects", "owner", N_("Project owner")),
    ("projects", "sponsor", N_("Project sponsor")),
    ("actions", "owner", N_("Action owner")),
)
"""Who answers for what: (level, field, role), in the order the owners table lists them."""


def names_of(plan: PlanDocument) -> dict[str, str]:
    """Every person the plan names (managers, owners, sponsors), by `person_key`, with the
    spelling the plan shows for them everywhere they are summed up: the first one written
    in mixed case ("Priya Shah" over "priya shah" and "PRIYA SHAH"), else the first."""
    spellings: dict[str, list[str]] = {}
    for key, field_name, _role in ROLES:
        for item in plan.selected_of(key):
            name = _field(item, field_name)
            if name:
                spellings.setdefault(person_key(name), []).append(name)
    return {
        key: next((n for n in names if n not in (n.lower(), n.upper())), names[0])
        for key, names in spellings.items()
    }


def _shown(names: Mapping[str, str], name: str) -> str:
    return names.get(person_key(name), " ".join(name.split()))


def duties(plan: PlanDocument) -> list[tuple[str, list[Duty]]]:
    """Who owns what: per person (names matched without regard to case or spaces, shown as
    `names_of` spells them), in alphabetical order, the programs they manage, the projects
    they own and sponsor and the actions they own, in that order and in rank order within
    each."""
    names = names_of(plan)
    found: dict[str, list[Duty]] = {}
    for key, field_name, role in ROLES:
        for item in plan.selected_of(key):
            name = _field(item, field_name)
            if name:
                due = _field(item, "end" if key == "programs" else "due")
                duty = Duty(_shown(names, name), role, item, _field(item, "start"), due)
                found.setdefault(person_key(name), []).append(duty)
    return [(names[key], found[key]) for key in sorted(found)]


OWNERS_COLUMNS = (N_("Person"), N_("Role"), N_("Item"), N_("Start"), N_("Due"))


def _owners(look: Look) -> list[Block]:
    plan = look.plan
    if not any(plan.stage(key) for key in ("programs", "projects", "actions")):
        return []
    blocks: list[Block] = [
        Heading(2, gettext("Who owns what")),
        Paragraph(
            gettext(
                "Per person: the programs they manage, the projects they own or sponsor and the "
                "actions they own, with their dates (a program's due date is its end)."
            ),
            "note",
        ),
    ]
    people = duties(plan)
    if not people:
        return [*blocks, Paragraph(gettext("Nobody is named yet."), "note")]
    rows: list[tuple[str, ...]] = []
    row_flags: list[tuple[str, ...]] = []
    for person, theirs in people:
        for n, duty in enumerate(theirs):
            rows.append(
                (
                    person if n == 0 else "",
                    gettext(duty.role),
                    duty.item.wording,
                    local_day(duty.start),
                    local_day(duty.due),
                )
            )
            row_flags.append(look.flag(duty.item.id))
    unowned = [
        (role, item)
        for key, role in (
            ("programs", N_("Program manager")),
            ("projects", N_("Project owner")),
            ("actions", N_("Action owner")),
        )
        for item in plan.selected_of(key)
        if not _field(item, "owner")
    ]
    for n, (role, item) in enumerate(unowned):
        end = _field(item, "end") if role == "Program manager" else _field(item, "due")
        rows.append(
            (
                gettext("Not named yet") if n == 0 else "",
                gettext(role),
                item.wording,
                local_day(_field(item, "start")),
                local_day(end),
            )
        )
        row_flags.append(look.flag(item.id))
    blocks.append(
        Table(
            tuple(gettext(column) for column in OWNERS_COLUMNS),
            tuple(rows),
            (False,) * 5,
            widths=(1.5, 1.4, 3.2, 1.1, 1.1),
            flags=tuple(row_flags) if any(row_flags) else (),
            nowrap=(False, True, False, True, True),
        )
    )
    return blocks


def _governance(plan: PlanDocument) -> list[Block]:
    rows = [(gettext("Review cadence"), cadence_words(plan.review_cadence))]
    upcoming = next_review(plan)
    if upcoming is None:
        rows.append((gettext("Next review"), gettext("set when the plan is published")))
        rows.append((gettext("This document"), control_line(plan)))
    else:
        rows.append((gettext("Next review"), local_day(upcoming.isoformat())))
        rows.append((gettext("This version"), control_line(plan)))
    blocks: list[Block] = [
        Heading(2, gettext("Governance")),
        Paragraph(
            gettext(
                "How the plan is kept alive: the team reviews it at this cadence, and each "
                "published review is a new version of this document."
            ),
            "note",
        ),
        Facts(gettext("Governance"), gettext("Review"), tuple(rows)),
    ]
    if plan.history:
        blocks.append(Heading(3, gettext("Version history")))
        blocks.append(
            Table(
                (gettext("Version"), gettext("Date"), gettext("Note")),
                tuple(
                    (
                        count_text(entry.version),
                        local_day(_day_of(entry.published_at)),
                        entry.note
                        or (gettext("As the workshop finished it") if entry.version == 1 else ""),
                    )
                    for entry in plan.history
                ),
                (True, False, False),
                widths=(0.8, 1.2, 5),
                nowrap=(True, True, False),
            )
        )
    return blocks


# ---- appendix


def _as_voted(item: PlanItem) -> str:
    """An idea in the appendix: its wording as voted, the wording it was submitted with when
    it was reworded in the workshop, the earlier workshop it was carried over from, and what
    was merged into it."""
    text = item.text
    if item.edited_from:
        text += gettext(" (edited from “%(text)s”)", text=item.edited_from)
    if item.carried_from:
        parts = (item.carried_from["title"], local_day(item.carried_from["date"]))
        origin = ", ".join(p for p in parts if p)
        text += gettext(" (from %(origin)s)", origin=origin)
    if item.also_said:
        text += gettext(" (also said: %(texts)s)", texts="; ".join(item.also_said))
    return text


def _picked(item: PlanItem) -> str:
    if item.dropped and item.selected:
        return gettext("removed in review")
    return "✔" if item.selected else ""


EDITED_NOTE = N_(
    " An idea reworded during the workshop shows the wording it was sent with (“edited from”)."
)
"""Added to the appendix's note only when an idea was edited, so other plans read as before."""
CARRIED_NOTE = N_(
    " An item carried over from an earlier workshop says which one and its date (“from”)."
)
"""Added to the appendix's note only when an item was carried over, likewise."""


def _appendix(plan: PlanDocument) -> list[Block]:
    blocks: list[Block] = [
        PageBreak(),
        Heading(2, gettext("Appendix: how each decision was made")),
        Paragraph(
            gettext(
                "How each stage was decided, then every idea as voted: its rank, dots and score in "
                "the deciding step, and consensus (1: the room agreed about it; a split room is "
                "marked). Selected items are marked ✔; an item a review took out of the plan says "
                "“removed in review”. A stage with no scoring step lists its ideas as written."
            )
            + (
                gettext(EDITED_NOTE)
                if any(i.edited_from for s in plan.stages for i in s.items)
                else ""
            )
            + (
                gettext(CARRIED_NOTE)
                if any(i.carried_from for s in plan.stages for i in s.items)
                else ""
            ),
            "note",
        ),
    ]
    turnout = tuple(
        (stage.title, gettext(part.label), count_text(part.people))
        for stage in plan.stages
        for part in stage.participation
    )
    removed = removed_line(plan.removed)
    if turnout or removed:
        blocks.append(Heading(3, gettext("Participation per stage")))
    if turnout:
        blocks.append(
            Table(
                (gettext("Stage"), gettext("Step"), gettext("People")),
                turnout,
                (False, False, True),
                widths=(2, 2, 1),
                nowrap=(False, False, True),
            )
        )
    if removed:
        blocks.append(
            Paragraph(
                gettext(
                    "%(removed)s by the facilitator: what they gave is not counted in any "
                    "figure of this plan.",
                    removed=f"{removed[0].upper()}{removed[1:]}",
                ),
                "note",
            )
        )
    for stage in plan.stages:
        blocks.append(Heading(3, stage.title))
        if stage.how:
            blocks.append(Items(tuple(Entry(note) for note in stage.how), ordered=False))
        if not stage.items:
            blocks.append(Paragraph(gettext("No ideas."), "note"))
            continue
        if stage.score_label == UNSCORED:
            blocks.append(
                Items(
                    tuple(
                        Entry(
                            _as_voted(item),
                            (gettext("Removed in review"),)
                            if item.selected and item.dropped
                            else ()
                            if item.selected
                            else (gettext("Not selected"),),
                        )
                        for item in stage.items
                    )
                )
            )
            continue
        rows = tuple(
            (
                count_text(item.rank),
                _as_voted(item),
                count_text(item.votes),
                number_text(item.score),
                consensus_label(item, stage.score_label, plan.unchosen),
                _picked(item),
            )
            for item in stage.items
        )
        blocks.append(
            Table(
                (
                    pgettext("column", "Rank"),
                    gettext("Idea"),
                    gettext("Dots"),
                    gettext("Score (%(unit)s)", unit=unit_name(stage.score_label)),
                    gettext("Consensus"),
                    gettext("Selected"),
                ),
                rows,
                (True, False, True, True, False, False),
                tuple(item.in_plan for item in stage.items),
                widths=(0.6, 4.2, 0.7, 1.1, 1.1, 1.0),
                nowrap=(True, False, True, True, True, False),
            )
        )
    return blocks


def layout(plan: PlanDocument) -> tuple[Block, ...]:
    """The plan's blocks, in document order."""
    look = Look(plan)
    return (
        _cover(plan),
        *_strategy(look),
        *_roadmap(plan),
        *_scorecard(look),
        *_situation(look),
        *_top_levels(plan),
        *_goals(look),
        *_programs_projects(look),
        *_risks(look),
        *_custom(look),
        *_alignment(plan),
        *_gaps(plan),
        *_actions(look),
        *_owners(look),
        *_governance(plan),
        *_appendix(plan),
    )
