"""The plan document: what a workshop's plan holds, and its pure assembly.

The same workshop gives the same `PlanDocument`, and every renderer (see `renderers.py`)
turns that one structure into its format through the shared layout (`layout.py`). The JSON
format is `as_dict()` itself; `from_dict` reads a stored version back, including the plans
release 1 stored before the document had a `schema_version`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from ..core import levels

SCHEMA_VERSION = 1
"""The version of the JSON plan format (docs/plan-format.md); bumped on a breaking change."""

REVIEW_CADENCES: dict[str, int] = {
    "monthly": 1,
    "quarterly": 3,
    "half-yearly": 6,
    "yearly": 12,
}
"""How often a plan can be reviewed, and the months between two reviews."""
DEFAULT_CADENCE = "quarterly"


UNSCORED = "score"
"""The score label of a stage no step scored (its items keep the order they were written)."""
VOTES_UNIT = "dots"
"""What an item's `votes` count: the dots given to it (release 1's column, on every plan)."""


@dataclass(frozen=True)
class PlanItem:
    """One idea as the plan reports it. `text` is the wording as voted (the appendix keeps
    it); a correction made in the workshop or in a review goes into `fields["text"]`."""

    text: str
    rank: int
    score: float | int
    votes: int
    shortlisted: bool
    selected: bool
    id: int = 0
    fields: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[int, ...] = ()
    consensus: float | None = None
    contested: bool = False
    also_said: tuple[str, ...] = ()
    tie_break: bool = False
    """Selected only by a tie-break (it tied with an item left out at the selection's cut):
    the plan flags it as a gap, so the facilitator can confirm it in the review."""
    dropped: bool = False
    """Removed from the plan in a review (still `selected`, as decided in the room): no
    section lists it but the appendix, which says "removed in review"; a later review can
    restore it."""
    edited_from: str | None = None
    """The wording as submitted, when the idea was reworded in the workshop (`idea:edit`):
    the appendix shows it as "edited from". None: never edited (and in plans stored before
    the key)."""
    carried_from: Mapping[str, str] | None = None
    """`{"title", "date"}` of the earlier workshop a preloaded item was carried over from
    (`POST /api/workshops/<id>/duplicate`): the appendix says "from <title>, <date>". None:
    not carried (and in plans stored before the key)."""

    @property
    def in_plan(self) -> bool:
        """Selected in the workshop and not dropped in a review."""
        return self.selected and not self.dropped

    @property
    def wording(self) -> str:
        """The wording for the plan: the facilitator's correction, else as voted."""
        return str(self.fields.get("text") or self.text)


@dataclass(frozen=True)
class GapLine:
    """One gap in the alignment, for the reader."""

    kind: str
    item: str
    id: int = 0
    detail: str | None = None
    """What exactly is wrong when the kind alone does not say ("Completion date 2035-03-01
    is after the horizon ends (2031)"); None otherwise."""


@dataclass(frozen=True)
class VersionEntry:
    """One published version, for the plan's governance section."""

    version: int
    published_at: str
    """ISO 8601 with the UTC offset, to the second: "2026-12-01T16:30:00+00:00"."""
    note: str | None = None


@dataclass(frozen=True)
class Participation:
    """How many people took part in one step of a stage."""

    kind: str
    label: str
    people: int


@dataclass(frozen=True)
class StageOutcome:
    """What one stage produced: its selected items (in rank order) and every idea."""

    key: str
    title: str
    prompt: str
    completed: bool
    items: tuple[PlanItem, ...]
    how: tuple[str, ...] = ()
    """How the stage was decided, in plain sentences (see `notes.decision_notes`)."""
    score_label: str = UNSCORED
    """What an item's score counts in the deciding step: "Borda points", "dots", "points"…"""
    participation: tuple[Participation, ...] = ()

    @property
    def selected(self) -> list[PlanItem]:
        """The items in the plan, best first: selected in the workshop and not dropped in a
        review."""
        return [item for item in self.items if item.in_plan]

    @property
    def dropped(self) -> list[PlanItem]:
        """The selected items a review removed from the plan, best first."""
        return [item for item in self.items if item.selected and item.dropped]

    @property
    def runners_up(self) -> list[PlanItem]:
        """The best items that were not selected (at most three), best first."""
        return [item for item in self.items if not item.selected][:3]


@dataclass(frozen=True)
class PlanDocument:
    """The whole plan, ready for any renderer."""

    title: str
    organization: str | None
    horizon_years: int
    finished_at: str
    participants: int
    stages: tuple[StageOutcome, ...]
    gaps: tuple[GapLine, ...] = ()
    aligned: bool = False
    """Whether the agenda linked items to each other (then the alignment map and gaps show)."""
    schema_version: int = SCHEMA_VERSION
    version: int = 1
    """The plan's version: 1 when the workshop finished, one more per published review; 0 for
    a draft taken while the workshop runs."""
    draft: bool = False
    date: str = ""
    """The day the plan is dated, YYYY-MM-DD (the finish, or when a draft was taken)."""
    start_year: int = 0
    facilitator: str | None = None
    contributions: int = 0
    """Ideas the participants sent, across every stage."""
    removed: int = 0
    """Participants the facilitator removed: not in `participants`, their entries in no
    figure (the plan says so wherever it counts people)."""
    note: str | None = None
    """What the facilitator changed in this version (a review's note)."""
    published_at: str = ""
    """When this version was published (ISO 8601 with the UTC offset); a draft: when it was
    taken. Plans stored before this key read as their finish time."""
    review_cadence: str = "quarterly"
    """How often the plan is reviewed (`REVIEW_CADENCES`), for the governance section."""
    history: tuple[VersionEntry, ...] = ()
    """Every version published up to and including this one, oldest first."""
    unchosen: frozenset[str] = field(default=frozenset(), compare=False)
    """Score labels whose 0 means nobody chose the item ("dots", "points"): there the appendix
    says "not chosen" rather than a consensus of 0. Words for the renderers, given by the app
    from the activities' declarations (`zero_means_unchosen`); not part of the plan's data, so
    neither stored nor in plan.json."""

    @property
    def end_year(self) -> int:
        """The last year of the horizon."""
        return self.start_year + self.horizon_years

    def stage(self, key: str) -> StageOutcome | None:
        """The first stage of a level, if the agenda has one."""
        return next((stage for stage in self.stages if stage.key == key), None)

    def selected_of(self, key: str) -> list[PlanItem]:
        """The selected items of a level, best first (none when there is no such stage)."""
        return [item for stage in self.stages if stage.key == key for item in stage.selected]

    def item_text(self, idea_id: int) -> str:
        """The wording of an item in the plan by id (for "serves" lines and the map); an item
        not in the plan (dropped in a review, say) is only "item <id>"."""
        for stage in self.stages:
            for item in stage.selected:
                if item.id == idea_id:
                    return item.wording
        return f"item {idea_id}"

    def links_of(self, item: PlanItem) -> tuple[int, ...]:
        """What an item serves, among the items in the plan: a link to an item dropped in a
        review counts as nothing (the link is kept, so restoring the item restores it)."""
        in_plan = {other.id for stage in self.stages for other in stage.selected}
        return tuple(link for link in item.links if link in in_plan)

    def children(self, idea_id: int) -> list[tuple[StageOutcome, PlanItem]]:
        """The selected items that serve this one, in agenda and rank order."""
        return [
            (stage, item)
            for stage in self.stages
            for item in stage.selected
            if idea_id in item.links
        ]

    def roots(self) -> list[tuple[StageOutcome, PlanItem]]:
        """The top of the alignment map: the vision, else the goals, else unlinked items."""
        for key in ("vision", "goals"):
            found = [(s, i) for s in self.stages if s.key == key for i in s.selected]
            if found:
                return found
        return []

    def as_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data: the JSON format and the stored version."""
        data = asdict(self)
        del data["unchosen"]
        data["end_year"] = self.end_year
        return data


def _item(data: Mapping[str, Any]) -> PlanItem:
    return PlanItem(
        text=str(data["text"]),
        rank=int(data["rank"]),
        score=data["score"],
        votes=int(data["votes"]),
        shortlisted=bool(data["shortlisted"]),
        selected=bool(data["selected"]),
        id=int(data.get("id", 0)),
        fields=dict(data.get("fields") or {}),
        links=tuple(int(link) for link in data.get("links") or ()),
        consensus=data.get("consensus"),
        contested=bool(data.get("contested", False)),
        also_said=tuple(str(text) for text in data.get("also_said") or ()),
        tie_break=bool(data.get("tie_break", False)),
        dropped=bool(data.get("dropped", False)),
        edited_from=_optional_str(data.get("edited_from")),
        carried_from=carried_from(data.get("carried_from")),
    )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def carried_from(origin: Any) -> dict[str, str] | None:
    """What the plan says of where an item was carried from: the earlier workshop's title
    and date out of an idea's `origin` (never its id), or None."""
    if not isinstance(origin, Mapping) or not origin.get("title"):
        return None
    return {"title": str(origin["title"]), "date": str(origin.get("date") or "")}


def _stage(data: Mapping[str, Any]) -> StageOutcome:
    return StageOutcome(
        key=str(data["key"]),
        title=str(data["title"]),
        prompt=str(data.get("prompt", "")),
        completed=bool(data["completed"]),
        items=tuple(_item(item) for item in data.get("items") or ()),
        how=tuple(str(note) for note in data.get("how") or ()),
        score_label=str(data.get("score_label", UNSCORED)),
        participation=tuple(
            Participation(str(p["kind"]), str(p["label"]), int(p["people"]))
            for p in data.get("participation") or ()
        ),
    )


def from_dict(data: Mapping[str, Any]) -> PlanDocument:
    """A stored plan back as a document. Plans of release 1 (no `schema_version`) lack the
    cover's date, years and counts: the year comes from their finish time."""
    finished_at = str(data["finished_at"])
    return PlanDocument(
        title=str(data["title"]),
        organization=data.get("organization"),
        horizon_years=int(data["horizon_years"]),
        finished_at=finished_at,
        participants=int(data["participants"]),
        stages=tuple(_stage(stage) for stage in data.get("stages") or ()),
        gaps=tuple(
            GapLine(str(g["kind"]), str(g["item"]), int(g.get("id", 0)), g.get("detail"))
            for g in data.get("gaps") or ()
        ),
        aligned=bool(data.get("aligned", False)),
        schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
        version=int(data.get("version", 1)),
        draft=bool(data.get("draft", False)),
        date=str(data.get("date") or finished_at[:10]),
        start_year=int(data.get("start_year") or finished_at[:4]),
        facilitator=data.get("facilitator"),
        contributions=int(data.get("contributions", 0)),
        removed=int(data.get("removed", 0)),
        note=data.get("note"),
        published_at=str(data.get("published_at") or _iso_minute(finished_at)),
        review_cadence=str(data.get("review_cadence") or DEFAULT_CADENCE),
        history=tuple(
            VersionEntry(int(v["version"]), str(v["published_at"]), v.get("note"))
            for v in data.get("history") or ()
        ),
    )


def _iso_minute(finished_at: str) -> str:
    """ "2026-12-01 16:30 UTC" as ISO 8601: "2026-12-01T16:30:00+00:00"."""
    try:
        moment = datetime.strptime(finished_at, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return finished_at
    return moment.isoformat()


def horizon_of(plan: PlanDocument) -> levels.Horizon | None:
    """The plan's day and years, against which its dates are checked (None for a plan with
    no date)."""
    try:
        today = date.fromisoformat(plan.date)
    except ValueError:
        return None
    return levels.Horizon(today, plan.start_year, plan.end_year)


def find_gaps(
    stages: Sequence[StageOutcome], horizon: levels.Horizon | None = None
) -> tuple[GapLine, ...]:
    """Every gap among the items in the plan (`levels.plan_gaps`), in the order the plan
    lists them: by kind (`GAP_LABELS`), then in agenda and rank order. Dates are checked
    against `horizon` when given. Dropped items are not in the plan: never a gap, and a link
    to one counts as nothing."""
    aligned = [
        levels.AlignedItem(item.id, stage.key, item.links, item.fields, item.tie_break)
        for stage in stages
        for item in stage.selected
    ]
    gaps = levels.plan_gaps(aligned, {stage.key for stage in stages}, horizon)
    wording = {item.id: item.wording for stage in stages for item in stage.items}
    level_of = {item.id: stage.key for stage in stages for item in stage.selected}
    links = {item.id: item.links for stage in stages for item in stage.selected}

    def detail(gap: levels.Gap) -> str | None:
        if gap.kind != "action_without_project":
            return gap.detail
        # Say what the action serves instead, so the reader sees why it is listed.
        served = [
            f"the {LEVEL_NOUNS.get(level_of[link], 'item')} {wording[link]}"
            for link in links[gap.idea_id]
            if link in level_of
        ]
        return f"serves {' and '.join(served)} directly" if served else None

    return tuple(GapLine(gap.kind, wording[gap.idea_id], gap.idea_id, detail(gap)) for gap in gaps)


LEVEL_NOUNS = {"goals": "goal", "programs": "program", "projects": "project"}


def assemble_plan(
    *,
    title: str,
    organization: str | None,
    horizon_years: int,
    finished_at: datetime,
    participants: int,
    stages: Sequence[StageOutcome],
    aligned: bool = False,
    facilitator: str | None = None,
    contributions: int = 0,
    version: int = 1,
    draft: bool = False,
    removed: int = 0,
    review_cadence: str = DEFAULT_CADENCE,
) -> PlanDocument:
    """Put the plan together. The timestamp is fixed to the minute here so renders are
    reproducible, and the gaps are found from the selected items and their links."""
    moment = finished_at.astimezone(UTC).replace(second=0, microsecond=0)
    published_at = moment.isoformat()
    plan = PlanDocument(
        title=title,
        organization=organization,
        horizon_years=horizon_years,
        finished_at=moment.strftime("%Y-%m-%d %H:%M UTC"),
        participants=participants,
        stages=tuple(stages),
        aligned=aligned,
        version=0 if draft else version,
        draft=draft,
        date=moment.strftime("%Y-%m-%d"),
        start_year=moment.year,
        facilitator=facilitator,
        contributions=contributions,
        removed=removed,
        published_at=published_at,
        review_cadence=review_cadence,
        history=() if draft else (VersionEntry(version, published_at, None),),
    )
    return with_gaps(plan)


def removed_line(removed: int) -> str:
    """What the plan says of participants the facilitator removed ("1 participant was
    removed"); "" when nobody was."""
    if removed <= 0:
        return ""
    verb = "was" if removed == 1 else "were"
    return f"{plural(removed, 'participant', 'participants')} {verb} removed"


def with_gaps(plan: PlanDocument) -> PlanDocument:
    """The plan with its gaps found again (after a review filled in owners or dates, changed
    links or dropped an item); a plan whose agenda linked nothing has none (no map, no
    Gaps section)."""
    gaps = find_gaps(plan.stages, horizon_of(plan)) if plan.aligned else ()
    return replace(plan, gaps=gaps)


GAP_LABELS = {
    "unserved_goal": "Goal that nothing serves",
    "goal_without_metric": "Goal without a success metric",
    "unaligned_program": "Program that serves no goal",
    "program_without_manager": "Program without a manager",
    "program_without_metric": "Program without a success metric",
    "unaligned_project": "Project that serves no goal",
    "project_without_owner": "Project without an owner",
    "project_without_due": "Project without a completion date",
    "action_without_owner": "Action without an owner",
    "action_without_due": "Action without a date",
    "action_without_project": "Action that serves no project",
    "date_outside_horizon": "Date outside the plan's horizon",
    "date_in_past": "Date already past",
    "dates_reversed": "Start date after the end date",
    "tie_break_selection": "Selected by a tie-break",
}
"""Every kind of gap, in the order the Gaps section lists them, with its label (the kinds
are `levels.GAP_KINDS`)."""


def gap_text(gap: GapLine) -> str:
    """A gap as the plan flags it next to its item: "Project without an owner", or with its
    detail: "Date outside the plan's horizon: completion date 2035-03-01"."""
    label = GAP_LABELS.get(gap.kind, gap.kind)
    return f"{label}: {gap.detail}" if gap.detail else label


def gap_flags(plan: PlanDocument) -> dict[int, tuple[str, ...]]:
    """Every item's gaps as flag texts (`gap_text`), by item id, in the Gaps section's order;
    items without a gap are absent."""
    flags: dict[int, list[str]] = {}
    for gap in plan.gaps:
        flags.setdefault(gap.id, []).append(gap_text(gap))
    return {idea_id: tuple(texts) for idea_id, texts in flags.items()}


FIELD_LABELS = {
    "owner": "Owner",
    "outcome": "Outcome",
    "due": "Due",
    "approach": "Approach",
}


def metric_line(metric: Mapping[str, Any]) -> str:
    """One success metric in words: "Share of rail from 28% to 40% by 2028-12-31"."""
    parts = [str(metric.get("metric"))]
    if metric.get("baseline"):
        parts.append(f"from {metric['baseline']}")
    if metric.get("target"):
        parts.append(f"to {metric['target']}")
    if metric.get("due"):
        parts.append(f"by {metric['due']}")
    return " ".join(parts)


def program_of(plan: PlanDocument, item: PlanItem) -> list[PlanItem]:
    """The programs in the plan a project runs under (none: an independent project)."""
    return [program for program in plan.selected_of("programs") if program.id in item.links]


def detail_lines(plan: PlanDocument, stage: StageOutcome, item: PlanItem) -> list[str]:
    """The plain-text facts under a selected item: fields, metrics, what it serves."""
    lines: list[str] = []
    owner_label = "Program manager" if stage.key == "programs" else "Owner"
    for name in ("owner", "outcome", "due", "approach"):
        value = item.fields.get(name)
        if value:
            label = owner_label if name == "owner" else FIELD_LABELS[name]
            if name == "due" and stage.key == "projects":
                label = "Completion date"
            lines.append(f"{label}: {value}")
    deliverables = item.fields.get("deliverables") or []
    if deliverables:
        lines.append("Deliverables: " + "; ".join(str(d) for d in deliverables))
    for metric in item.fields.get("metrics") or []:
        lines.append("Success metric: " + metric_line(metric))
    links = plan.links_of(item)
    if links:
        lines.append("Serves: " + "; ".join(plan.item_text(link) for link in links))
    programs_stage = plan.stage("programs") is not None
    if stage.key == "projects" and programs_stage and not program_of(plan, item):
        lines.append("Independent project (under no program)")
    if item.wording != item.text:
        lines.append(f"Wording as voted: {item.text}")
    return lines


def outline(plan: PlanDocument) -> list[tuple[int, str, str]]:
    """The alignment map as (depth, level title, wording), from the roots down.

    Items are listed under each item they serve; a goal sits under the vision. Selected
    items of linkable levels that reach no root are listed at the end, at depth 0.
    """
    rows: list[tuple[int, str, str]] = []
    shown: set[int] = set()

    def walk(stage: StageOutcome, item: PlanItem, depth: int, path: frozenset[int]) -> None:
        rows.append((depth, stage.title, item.wording))
        shown.add(item.id)
        for child_stage, child in plan.children(item.id):
            if child.id not in path:
                walk(child_stage, child, depth + 1, path | {child.id})

    roots = plan.roots()
    vision_root = bool(roots) and roots[0][0].key == "vision"
    for stage, item in roots:
        rows.append((0, stage.title, item.wording))
        shown.add(item.id)
        if vision_root:
            for goal_stage in plan.stages:
                if goal_stage.key == "goals":
                    for goal in goal_stage.selected:
                        walk(goal_stage, goal, 1, frozenset({goal.id}))
        else:
            for child_stage, child in plan.children(item.id):
                walk(child_stage, child, 1, frozenset({child.id}))
    for stage in plan.stages:
        if stage.key in ("programs", "projects", "actions"):
            for item in stage.selected:
                if item.id not in shown:
                    walk(stage, item, 0, frozenset({item.id}))
    return rows


def horizon_label(years: int) -> str:
    """'1 year' or 'N years'."""
    return "1 year" if years == 1 else f"{years} years"


EN_DASH = "\u2013"


def year_range(plan: PlanDocument) -> str:
    """The horizon as years joined by an en dash: "2026\u20132031" for five years from 2026."""
    return f"{plan.start_year}{EN_DASH}{plan.end_year}"


def consensus_label(
    item: PlanItem, score_label: str = UNSCORED, unchosen: frozenset[str] = frozenset()
) -> str:
    """Consensus as the appendix shows it: "0.82", "0.31 split", "not chosen" for an idea
    given nothing where a score of 0 means nobody chose it (`unchosen` score labels: a dot vote,
    a points allocation; docs/decisions.md), or "n/a" without a measure."""
    if item.consensus is None:
        return "n/a"
    if score_label in unchosen and not item.score:
        return "not chosen"
    return f"{item.consensus:.2f}" + (" split" if item.contested else "")


def plural(n: int, one: str, many: str) -> str:
    """ "1 project", "3 projects"."""
    return f"{n} {one if n == 1 else many}"
