"""The plan document: what a finished workshop's plan holds, and its pure assembly.

The same workshop gives the same `PlanDocument`, and every renderer (see `renderers.py`)
turns that one structure into its format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class PlanItem:
    """One idea as the plan reports it."""

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

    @property
    def wording(self) -> str:
        """The wording for the plan: the facilitator's correction, else as voted."""
        return str(self.fields.get("text") or self.text)


@dataclass(frozen=True)
class GapLine:
    """One gap in the alignment, for the reader."""

    kind: str
    item: str


@dataclass(frozen=True)
class StageOutcome:
    """What one stage produced: its selected items (in rank order) and every idea."""

    key: str
    title: str
    prompt: str
    completed: bool
    items: tuple[PlanItem, ...]
    how: tuple[str, ...] = ()
    """How the stage was decided, in plain sentences (see `decision_notes`)."""

    @property
    def selected(self) -> list[PlanItem]:
        """The items chosen for the plan, best first."""
        return [item for item in self.items if item.selected]


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

    def item_text(self, idea_id: int) -> str:
        """The wording of a selected item by id (for "serves" lines and the map)."""
        for stage in self.stages:
            for item in stage.items:
                if item.id == idea_id:
                    return item.wording
        return f"item {idea_id}"

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
        """A JSON-ready copy, stored beside the rendered formats."""
        return asdict(self)


def assemble_plan(
    *,
    title: str,
    organization: str | None,
    horizon_years: int,
    finished_at: datetime,
    participants: int,
    stages: list[StageOutcome],
    gaps: list[GapLine] | None = None,
    aligned: bool = False,
) -> PlanDocument:
    """Put the plan together; the timestamp is fixed here so renders are reproducible."""
    return PlanDocument(
        title=title,
        organization=organization,
        horizon_years=horizon_years,
        finished_at=finished_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        participants=participants,
        stages=tuple(stages),
        gaps=tuple(gaps or ()),
        aligned=aligned,
    )


METHOD_WORDS = {
    "borda": "a Borda count (in a shortlist of k, first place earns k-1 points, last 0)",
    "schulze": "the Schulze method (every pair of ideas compared head to head)",
}
PREVIOUS_WORDS = {"vote": "dots", "allocate": "points", "rate": "mean impact"}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


STEP_WORDS = {
    "vote": "The dot vote",
    "allocate": "The points",
    "rate": "The ratings",
    "rank": "The ranking",
}


def _moved_note(decision: Mapping[str, Any], texts: Mapping[int, str]) -> str:
    """One step's second round in a sentence, with what moved between the rounds."""
    moved = [
        (texts.get(int(item["idea_id"]), ""), item)
        for item in decision.get("items", [])
        if item.get("moved")
    ]
    lines = "; ".join(
        f"{text} {'rose' if item['moved'] > 0 else 'fell'} from place "
        f"{item['round1']['rank']} to {item['rank']}"
        for text, item in moved
    )
    step = STEP_WORDS.get(str(decision.get("kind")), "This step")
    return (
        f"{step} had two rounds: the round-1 results were shown and discussed, then everyone "
        "could change their entries; the results are from round 2. What moved between rounds: "
        + (lines + "." if lines else "nothing.")
    )


def decision_notes(
    steps: Sequence[Mapping[str, Any]],
    decision: Mapping[str, Any] | None,
    texts: Mapping[int, str],
    rounds: Sequence[Mapping[str, Any]] = (),
) -> tuple[str, ...]:
    """How a stage was decided, in plain sentences for the plan's appendix: the method and its
    settings, the shortlist, tie-breaks, rounds and what moved, agreement and robustness.
    `rounds` are the final standings of the stage's other steps that had two rounds."""
    kinds = [str(step["kind"]) for step in steps]
    settings = {str(step["kind"]): dict(step.get("settings", {})) for step in steps}
    notes: list[str] = []
    select = int(settings.get("done", {}).get("select_count", 0))
    if decision is None:
        notes.append("Every item was kept, in the order it was written.")
        return tuple(notes)
    kind = str(decision["kind"])
    voters = int(decision.get("voters", 0))
    people = _plural(voters, "participant", "participants")
    if "vote" in kinds:
        vote = settings["vote"]
        notes.append(
            f"Dot vote: each participant had {vote.get('dot_budget')} dots, at most "
            f"{vote.get('max_dots_per_idea')} on one idea."
        )
    if "allocate" in kinds:
        allocate = settings["allocate"]
        notes.append(
            f"Points: each participant spread {allocate.get('budget')} points, at most "
            f"{allocate.get('per_item_cap')} on one idea."
        )
    if "rate" in kinds:
        notes.append(
            "Impact and effort: each rated from 1 to 5; a mean above 3 is high (quick win: high "
            "impact, low effort; big bet: both high; fill-in: both low; money pit: low impact, "
            "high effort)."
        )
    if kind == "rank":
        before = next(
            (k for k in reversed(kinds[: kinds.index("rank")]) if k in PREVIOUS_WORDS), ""
        )
        size = settings["rank"].get("shortlist_size")
        method = str(decision.get("method", "borda"))
        notes.append(
            f"The top {size} by {PREVIOUS_WORDS.get(before, 'dots')} were shortlisted; {people} "
            f"ranked them, counted by {METHOD_WORDS.get(method, method)}. Ties go to the higher "
            "Borda score, then more dots, then the earlier idea."
        )
    elif kind == "vote":
        notes.append(f"Decided by the dots of {people}; on equal dots the earlier idea goes first.")
    elif kind == "allocate":
        notes.append(
            f"Decided by the points of {people}; on equal points the earlier idea goes first."
        )
    elif kind == "rate":
        notes.append(
            f"Decided by the ratings of {people}: the highest mean impact first, then the lower "
            "mean effort."
        )
    notes.append(
        "Every item was kept."
        if select == 0
        else f"The top {_plural(select, 'item was', 'items were')} selected."
    )
    for earlier in (*rounds, decision):
        if int(earlier.get("round", 1)) > 1:
            notes.append(_moved_note(earlier, texts))
    picks = int(decision.get("picks", 0))
    if 0 < picks < len(decision.get("items", [])):
        if decision.get("robust"):
            notes.append("Borda, Schulze and Copeland counting would pick the same items.")
        else:
            methods = decision.get("methods", {})
            each = "; ".join(
                f"{name.capitalize()}: {', '.join(texts.get(int(i), '') for i in ids)}"
                for name, ids in methods.items()
            )
            notes.append(f"The counting method decides this one. {each}.")
    w = decision.get("kendall_w")
    if w is not None:
        notes.append(f"Agreement on the order (Kendall's W, 0 to 1): {float(w):.2f}.")
    winner = decision.get("condorcet_winner")
    if winner:
        notes.append(f"{texts.get(int(winner), '')} beats every other idea head to head.")
    split = [
        texts.get(int(i["idea_id"]), "") for i in decision.get("items", []) if i.get("contested")
    ]
    if split:
        notes.append("The room was split about: " + "; ".join(split) + ".")
    return tuple(notes)


GAP_LABELS = {
    "unserved_goal": "Goal that nothing serves",
    "unaligned_program": "Program that serves no goal",
    "unaligned_project": "Project that serves no goal",
    "project_without_owner": "Project without an owner",
    "project_without_due": "Project without a completion date",
}

FIELD_LABELS = {
    "owner": "Owner",
    "outcome": "Outcome",
    "due": "Due",
    "approach": "Approach",
}


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
        parts = [str(metric.get("metric"))]
        if metric.get("baseline"):
            parts.append(f"from {metric['baseline']}")
        if metric.get("target"):
            parts.append(f"to {metric['target']}")
        if metric.get("due"):
            parts.append(f"by {metric['due']}")
        lines.append("Success metric: " + " ".join(parts))
    if item.links:
        lines.append("Serves: " + "; ".join(plan.item_text(link) for link in item.links))
    if stage.key == "projects" and any(s.key == "programs" for s in plan.stages):
        under_program = any(
            s.key == "programs" and any(i.id in item.links for i in s.selected) for s in plan.stages
        )
        if not under_program:
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


def consensus_label(item: PlanItem) -> str:
    """Consensus as the appendix shows it: "0.82", "0.31 split", or "n/a" without a measure."""
    if item.consensus is None:
        return "n/a"
    return f"{item.consensus:.2f}" + (" split" if item.contested else "")
