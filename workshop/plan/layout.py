"""The plan's sections as a sequence of neutral blocks, shared by every document renderer.

`layout(plan)` decides what the document says and in which order; the Markdown, HTML, PDF
and DOCX renderers only decide how a heading, a list, a table or the alignment map looks in
their format. User text stays plain text in every block: each renderer escapes it its way.

Sections, in order, each present only when the agenda produced it: cover, executive summary,
vision/mission/values, strategic goals, programs, projects (and custom stages), alignment map
with its gaps, action plan, appendix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .document import (
    GAP_LABELS,
    UNSCORED,
    VOTES_UNIT,
    PlanDocument,
    PlanItem,
    StageOutcome,
    consensus_label,
    detail_lines,
    horizon_label,
    metric_line,
    outline,
    plural,
    program_of,
    removed_line,
    year_range,
)

DRAFT_NOTICE = "DRAFT: the workshop is still running; this is not the final plan."
STATEMENT_LEVELS = ("vision", "mission")
TOP_LEVELS = ("vision", "mission", "values")
STRATEGIC_LEVELS = (*TOP_LEVELS, "goals", "programs", "projects", "actions")
LEVEL_NAMES = {"vision": "Vision", "mission": "Mission", "values": "Values"}


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


@dataclass(frozen=True)
class Outline(Block):
    """The alignment map: (depth, level title, wording) from the roots down."""

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
    HTML. Renderers start it on a new page and end the page after it; the layout keeps it
    short enough to fit (wordings are whole, lists capped)."""

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
    """A muted line when the agenda produced none of this (custom stages only)."""


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


def title_line(plan: PlanDocument) -> str:
    """The document's title."""
    return f"Strategic plan: {plan.title}"


def _cover(plan: PlanDocument) -> Cover:
    facts = [
        f"Horizon: {year_range(plan)} ({horizon_label(plan.horizon_years)})",
        f"Dated {plan.date}"
        + (" (draft)" if plan.draft else f" · workshop finished {plan.finished_at}"),
    ]
    if plan.facilitator:
        facts.append(f"Facilitated by {plan.facilitator}")
    removed = removed_line(plan.removed)
    facts.append(
        f"{plural(plan.participants, 'participant', 'participants')}"
        + (f" ({removed})" if removed else "")
        + f" · {plural(plan.contributions, 'contribution', 'contributions')}"
    )
    if not plan.draft and plan.version > 1:
        facts.append(f"Version {plan.version}" + (f": {plan.note}" if plan.note else ""))
    return Cover(plan.title, plan.organization, tuple(facts), plan.draft)


def _not_done(stage: StageOutcome) -> Paragraph | None:
    if not stage.completed:
        return Paragraph(
            "This stage was not completed in the workshop; nothing was selected.", "note"
        )
    if not stage.selected:
        return Paragraph("No ideas were selected in this stage.", "note")
    return None


def number_text(value: float | int) -> str:
    """A score as text: whole numbers without a decimal point, others to two places."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def amount(value: float | int, label: str) -> str:
    """ "1 dot", "14 Borda points", "3.50 mean impact"."""
    unit = label[:-1] if value == 1 and label.endswith("s") else label
    return f"{number_text(value)} {unit}"


def support(stage: StageOutcome, item: PlanItem) -> str:
    """How much support an item had, in words: "14 Borda points, 9 dots"."""
    if stage.score_label == UNSCORED:  # nothing was counted: only dots, if any
        return plural(item.votes, "dot", "dots")
    parts = [amount(item.score, stage.score_label)]
    if stage.score_label != VOTES_UNIT and item.votes:  # the score is not the dots already
        parts.append(plural(item.votes, "dot", "dots"))
    return ", ".join(parts)


def _runners_up(stage: StageOutcome) -> list[Paragraph]:
    others = stage.runners_up if stage.completed else []
    if not others:
        return []
    listed = "; ".join(f"{item.wording} ({support(stage, item)})" for item in others)
    return [Paragraph(f"Runners-up: {listed}.", "note")]


def _and_list(words: list[str]) -> str:
    """ "Vision", "Vision and Values", "Vision, Mission and Values"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _summary(plan: PlanDocument) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Executive summary")]
    vision = plan.stage("vision")
    if vision is not None:
        chosen = vision.selected
        blocks.append(
            Paragraph(f"Vision: {chosen[0].wording}", "lead")
            if chosen
            else Paragraph("No vision was selected in the workshop.", "note")
        )
    goals = plan.stage("goals")
    if goals is not None:
        chosen = goals.selected
        if chosen:
            blocks.append(Paragraph("Strategic goals:"))
            blocks.append(Items(tuple(Entry(goal.wording) for goal in chosen)))
        else:
            blocks.append(Paragraph("No strategic goals were selected.", "note"))
    counts = [
        plural(len(plan.selected_of(key)), one, many)
        for key, one, many in (
            ("programs", "program", "programs"),
            ("projects", "project", "projects"),
            ("actions", "action", "actions"),
        )
        if plan.stage(key) is not None
    ]
    if counts:
        blocks.append(Paragraph(f"The plan holds {_and_list(counts)}."))
    if plan.aligned:
        blocks.append(
            Paragraph(
                f"The alignment map lists {plural(len(plan.gaps), 'gap', 'gaps')}."
                if plan.gaps
                else "The alignment map shows no gaps."
            )
        )
    if len(blocks) == 1:
        blocks.append(
            Paragraph(
                "This agenda produced no vision, goals, programs, projects or actions; the "
                "selected items of each stage follow.",
                "note",
            )
        )
    return blocks


def _top_levels(plan: PlanDocument) -> list[Block]:
    present = [stage for stage in plan.stages if stage.key in TOP_LEVELS]
    if not present:
        return []
    names = [LEVEL_NAMES[key] for key in TOP_LEVELS if plan.stage(key) is not None]
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
            blocks.append(_entries(plan, stage, chosen))
        blocks += _runners_up(stage)
    return blocks


def _entries(plan: PlanDocument, stage: StageOutcome, chosen: list[PlanItem]) -> Items:
    return Items(
        tuple(Entry(item.wording, tuple(detail_lines(plan, stage, item))) for item in chosen)
    )


def _metrics_table(item: PlanItem) -> Table | None:
    metrics = item.fields.get("metrics") or []
    if not metrics:
        return None
    return Table(
        ("Success metric", "Baseline", "Target", "By when"),
        tuple(
            (
                str(m.get("metric") or ""),
                str(m.get("baseline") or ""),
                str(m.get("target") or ""),
                str(m.get("due") or ""),
            )
            for m in metrics
        ),
        (False, False, False, False),
        widths=(3, 1.3, 1.3, 1.3),
    )


def _serving(plan: PlanDocument, goal: PlanItem) -> list[str]:
    """What serves a goal: its programs, then its projects, directly or through one of
    those programs ("Projects: Solar roof (through Green operations)")."""
    direct = plan.children(goal.id)
    programs = [child for stage, child in direct if stage.key == "programs"]
    projects = [(stage, child) for stage, child in direct if stage.key == "projects"]
    lines = [
        f"{stage.title}: {child.wording}" for stage, child in direct if stage.key == "programs"
    ]
    lines += [f"{stage.title}: {child.wording}" for stage, child in projects]
    seen = {child.id for _stage, child in projects}
    for program in programs:
        for stage, child in plan.children(program.id):
            if stage.key == "projects" and child.id not in seen:
                seen.add(child.id)
                lines.append(f"{stage.title}: {child.wording} (through {program.wording})")
    return lines


def _goals(plan: PlanDocument) -> list[Block]:
    stage = plan.stage("goals")
    if stage is None:
        return []
    blocks: list[Block] = [Heading(2, "Strategic goals")]
    missing = _not_done(stage)
    if missing is not None:
        return [*blocks, missing]
    servers = plan.stage("programs") is not None or plan.stage("projects") is not None
    for n, goal in enumerate(stage.selected, 1):
        blocks.append(Heading(3, f"{n}. {goal.wording}"))
        table = _metrics_table(goal)
        blocks.append(
            table if table else Paragraph("No success metric was set for this goal.", "note")
        )
        served = _serving(plan, goal)
        if served:
            blocks.append(Paragraph("Served by:"))
            blocks.append(Items(tuple(Entry(line) for line in served), ordered=False))
        elif servers:
            blocks.append(Paragraph("No program or project serves this goal yet.", "note"))
        if goal.wording != goal.text:
            blocks.append(Paragraph(f"Wording as voted: {goal.text}", "note"))
    blocks += _runners_up(stage)
    return blocks


def _program_facts(plan: PlanDocument, item: PlanItem) -> tuple[str, ...]:
    facts = [
        f"Program manager: {item.fields.get('owner') or 'not named yet'}",
        f"Outcome: {item.fields.get('outcome') or 'not described yet'}",
    ]
    facts += [f"Success metric: {metric_line(m)}" for m in item.fields.get("metrics") or []]
    goals = [plan.item_text(link) for link in item.links]
    facts.append("Serves: " + ("; ".join(goals) if goals else "no goal"))
    projects = [child.wording for stage, child in plan.children(item.id) if stage.key == "projects"]
    if plan.stage("projects") is not None:
        facts.append("Projects: " + ("; ".join(projects) if projects else "none yet"))
    if item.wording != item.text:
        facts.append(f"Wording as voted: {item.text}")
    return tuple(facts)


def _project_facts(plan: PlanDocument, item: PlanItem) -> tuple[str, ...]:
    fields = item.fields
    facts = [f"Owner: {fields.get('owner') or 'not named yet'}"]
    deliverables = fields.get("deliverables") or []
    facts.append(
        "Deliverables: "
        + ("; ".join(str(d) for d in deliverables) if deliverables else "none listed")
    )
    facts.append(f"Completion date: {fields.get('due') or 'not set yet'}")
    facts.append(f"Approach: {fields.get('approach') or 'not chosen'}")
    programs = program_of(plan, item)
    if plan.stage("programs") is not None:
        facts.append(
            "Program: " + "; ".join(p.wording for p in programs)
            if programs
            else "Independent project (under no program)"
        )
    goals = [link for link in item.links if link not in {p.id for p in programs}]
    if goals:
        facts.append("Serves: " + "; ".join(plan.item_text(link) for link in goals))
    if item.wording != item.text:
        facts.append(f"Wording as voted: {item.text}")
    return tuple(facts)


PROGRAMS_NOTE = (
    "Programs are long-term and outcome-focused: each is judged by whether its outcome and "
    "success metrics move."
)
PROJECTS_NOTE = (
    "Projects are time-bound and output-focused: each is judged by whether its deliverables "
    "ship by the completion date."
)


def _programs_projects(plan: PlanDocument) -> list[Block]:
    blocks: list[Block] = []
    for key, heading, note, facts in (
        ("programs", "Programs", PROGRAMS_NOTE, _program_facts),
        ("projects", "Projects", PROJECTS_NOTE, _project_facts),
    ):
        stage = plan.stage(key)
        if stage is None:
            continue
        blocks += [Heading(2, heading), Paragraph(note, "note")]
        missing = _not_done(stage)
        if missing is not None:
            blocks.append(missing)
            continue
        blocks.append(
            Items(tuple(Entry(item.wording, facts(plan, item)) for item in stage.selected))
        )
    return blocks


def _custom(plan: PlanDocument) -> list[Block]:
    blocks: list[Block] = []
    for stage in plan.stages:
        if stage.key in STRATEGIC_LEVELS:
            continue
        blocks.append(Heading(2, stage.title))
        missing = _not_done(stage)
        blocks.append(missing if missing is not None else _entries(plan, stage, stage.selected))
    return blocks


def _alignment(plan: PlanDocument) -> list[Block]:
    if not plan.aligned:
        return []
    blocks: list[Block] = [
        Heading(2, "Alignment map"),
        Paragraph(
            "Vision → goals → programs → projects → actions: each item sits under what it "
            "serves (an item that serves several appears under each).",
            "note",
        ),
        Outline(tuple(outline(plan))),
        Heading(3, "Gaps"),
    ]
    if plan.gaps:
        blocks.append(
            Items(
                tuple(Entry(f"{GAP_LABELS[gap.kind]}: {gap.item}") for gap in plan.gaps),
                ordered=False,
                style="gap",
            )
        )
    else:
        blocks.append(
            Paragraph(
                "No gaps: every goal is served and every program and project serves a goal.",
                "note",
            )
        )
    return blocks


def _actions(plan: PlanDocument) -> list[Block]:
    stage = plan.stage("actions")
    if stage is None:
        return []
    blocks: list[Block] = [
        Heading(2, "Action plan"),
        Paragraph("Who does what by when: the operational next steps.", "note"),
    ]
    missing = _not_done(stage)
    if missing is not None:
        return [*blocks, missing]
    rows = tuple(
        (
            str(n),
            item.wording,
            str(item.fields.get("owner") or "not named yet"),
            str(item.fields.get("due") or "no date"),
            "; ".join(plan.item_text(link) for link in item.links),
        )
        for n, item in enumerate(stage.selected, 1)
    )
    blocks.append(
        Table(
            ("#", "What", "Who", "By when", "Serves"),
            rows,
            (True, False, False, False, False),
            widths=(0.4, 3, 1.4, 1.2, 2.4),
        )
    )
    return blocks


def _appendix(plan: PlanDocument) -> list[Block]:
    blocks: list[Block] = [
        PageBreak(),
        Heading(2, "Appendix: how each decision was made"),
        Paragraph(
            "How each stage was decided, then every idea as voted: its rank, dots and score in "
            "the deciding step, and consensus (1: the room agreed about it; a split room is "
            "marked). Selected items are marked ✔.",
            "note",
        ),
    ]
    turnout = tuple(
        (stage.title, part.label, str(part.people))
        for stage in plan.stages
        for part in stage.participation
    )
    removed = removed_line(plan.removed)
    if turnout or removed:
        blocks.append(Heading(3, "Participation per stage"))
    if turnout:
        blocks.append(
            Table(("Stage", "Step", "People"), turnout, (False, False, True), widths=(2, 2, 1))
        )
    if removed:
        blocks.append(
            Paragraph(
                f"{removed[0].upper()}{removed[1:]} by the facilitator: what they gave is not "
                "counted in any figure of this plan.",
                "note",
            )
        )
    for stage in plan.stages:
        blocks.append(Heading(3, stage.title))
        if stage.how:
            blocks.append(Items(tuple(Entry(note) for note in stage.how), ordered=False))
        if not stage.items:
            blocks.append(Paragraph("No ideas.", "note"))
            continue
        rows = tuple(
            (
                str(item.rank),
                item.text
                + (" (also said: " + "; ".join(item.also_said) + ")" if item.also_said else ""),
                str(item.votes),
                number_text(item.score),
                consensus_label(item, stage.score_label, plan.unchosen),
                "✔" if item.selected else "",
            )
            for item in stage.items
        )
        blocks.append(
            Table(
                ("Rank", "Idea", "Dots", f"Score ({stage.score_label})", "Consensus", "Selected"),
                rows,
                (True, False, True, True, False, False),
                tuple(item.selected for item in stage.items),
                widths=(0.6, 4.2, 0.7, 1.1, 1.1, 0.8),
            )
        )
    return blocks


def layout(plan: PlanDocument) -> tuple[Block, ...]:
    """The plan's blocks, in document order."""
    return (
        _cover(plan),
        *_summary(plan),
        *_top_levels(plan),
        *_goals(plan),
        *_programs_projects(plan),
        *_custom(plan),
        *_alignment(plan),
        *_actions(plan),
        *_appendix(plan),
    )
