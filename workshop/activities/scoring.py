"""What every scoring step (vote, allocate, rate, rank) shares: how many items it picks, its
standings and the decision payload built from them, reveals, and the second round (Delphi).

A step's standings come from its activity's pure `standings` over everyone's entries; the
measures themselves (consensus, contested, robust, Kendall's W, Condorcet) live in
`core.decisions`. A closed round is kept as a `StageRound` row with everyone's entries and the
standings at its end; the open round is the activity's own table, which round 2 starts from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from ..core import decisions
from ..core.errors import DomainError
from ..persistence import counters
from ..persistence.models import Stage, StageRound, Workshop
from ..persistence.queries import get_stage, require_active, visible_idea_ids
from . import common

MAX_ROUNDS = 2
METHOD_LABELS = {
    "totals": "totals",
    "impact": "mean impact",
    "borda": "Borda count",
    "schulze": "Schulze method",
}


def _registry() -> Mapping[str, Any]:
    from . import REGISTRY  # the registry imports every activity, this module included

    return REGISTRY


def scoring_kinds() -> tuple[str, ...]:
    """The kinds of step that score items."""
    return tuple(kind for kind, activity in _registry().items() if activity.scores)


def picks_for(stage: Stage, index: int) -> int:
    """How many items the step at `index` chooses: the next rank step's shortlist (for a step
    before it), else the stage's selection (`done`'s select_count; 0 means all)."""
    kinds = common.kinds(stage)
    for later in range(index + 1, len(kinds)):
        settings = stage.steps[later].get("settings", {})
        if kinds[later] == "rank" and kinds[index] != "rank":
            return int(settings.get("shortlist_size", 0))
        if kinds[later] == "done":
            return int(settings.get("select_count", 0))
    return 0


def latest_index(stage: Stage, *, before: int | None = None) -> int | None:
    """The index of the last scoring step reached (the current step if it scores), or of the
    last one before step `before`."""
    kinds = common.kinds(stage)
    limit = stage.step_index if before is None else before - 1
    scoring = scoring_kinds()
    for index in range(min(limit, len(kinds) - 1), -1, -1):
        if kinds[index] in scoring:
            return index
    return None


def step_standings(
    stage: Stage,
    index: int,
    entries: Mapping[int, Any],
    *,
    visible: list[int],
    counted: Mapping[str, Mapping[int, int]],
) -> decisions.Standings | None:
    """The standings of the step at `index` from everyone's entries."""
    step = stage.steps[index]
    activity = _registry()[step["kind"]]
    return activity.standings(  # type: ignore[no-any-return]
        stage,
        step.get("settings", {}),
        entries,
        visible=visible,
        counted=counted,
        picks=picks_for(stage, index),
    )


def cached_standings(data: Any, stage: Stage, index: int) -> decisions.Standings | None:
    """A step's standings in a snapshot, from the entries its activity loaded (once each)."""
    assert stage.id is not None
    key = (stage.id, index)
    if key not in data.standings:
        kind = stage.steps[index]["kind"]
        entries = data.parts.get(kind, {}).get("entries", {}).get(stage.id, {})
        data.standings[key] = step_standings(
            stage,
            index,
            entries,
            visible=data.visible_ids(stage.id),
            counted=data.counted.get(stage.id, {}),
        )
    return data.standings[key]  # type: ignore[no-any-return]


def read_standings(db: Session, stage: Stage, index: int) -> decisions.Standings | None:
    """A step's standings now, read from the database."""
    assert stage.id is not None
    activity = _registry()[stage.steps[index]["kind"]]
    entries = activity.entries(db, [stage.id]).get(stage.id, {})
    return step_standings(
        stage,
        index,
        entries,
        visible=visible_idea_ids(db, stage.id),
        counted=counters.read(db, [stage.id]).get(stage.id, {}),
    )


def number(value: float) -> float | int:
    """A score as JSON carries it: whole numbers without a fraction."""
    return int(value) if float(value).is_integer() else round(value, 4)


def items_json(standings: decisions.Standings) -> list[dict[str, Any]]:
    """Each item of the standings, best first, as the snapshot and a closed round carry it."""
    return [
        {
            "idea_id": item.idea_id,
            "rank": item.rank,
            "score": number(item.score),
            "consensus": item.consensus,
            "contested": item.contested,
            **item.extra,
        }
        for item in standings.items.values()
    ]


def decision_json(
    standings: decisions.Standings,
    *,
    index: int,
    round_number: int,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The `decision` of a stage: the step's standings with every measure, and for a second
    round each item's round-1 rank and score and how many places it moved."""
    items = items_json(standings)
    moved: dict[int, int | None] = {}
    before: dict[int, dict[str, Any]] = {}
    if previous is not None:
        before = {int(item["idea_id"]): item for item in previous.get("items", [])}
        moved = decisions.moved(
            {int(item["idea_id"]): int(item["rank"]) for item in items},
            {item_id: int(item["rank"]) for item_id, item in before.items()},
        )
        for item in items:
            earlier = before.get(int(item["idea_id"]))
            item["round1"] = (
                {"rank": earlier["rank"], "score": earlier["score"]} if earlier else None
            )
            item["moved"] = moved.get(int(item["idea_id"]))
    return {
        "kind": standings.kind,
        "step": index,
        "round": round_number,
        "method": standings.method,
        "voters": standings.voters,
        "picks": standings.picks,
        "robust": standings.robust,
        "methods": standings.methods,
        "kendall_w": standings.kendall_w,
        "condorcet_winner": standings.condorcet_winner,
        "items": items,
    }


def rounds_of(rounds: list[StageRound], index: int) -> list[StageRound]:
    """The closed rounds of one step, earliest first."""
    return sorted((r for r in rounds if r.step_index == index), key=lambda r: r.round)


def round_number(rounds: list[StageRound], index: int) -> int:
    """The open round of a step: one more than its closed rounds."""
    return len(rounds_of(rounds, index)) + 1


def load_rounds(db: Session, stage_ids: list[int]) -> dict[int, list[StageRound]]:
    """Every closed round of these stages."""
    out: dict[int, list[StageRound]] = {}
    if stage_ids:
        query = select(StageRound).where(col(StageRound.stage_id).in_(stage_ids))
        for row in db.exec(query):
            out.setdefault(row.stage_id, []).append(row)
    return out


def is_revealed(stage: Stage, index: int) -> bool:
    """Whether the step's results are shown to the room (phones and projector)."""
    if stage.decided or index in stage.reveals:
        return True
    # Release 1's reveal of the dots also reveals a vote step reached before it.
    return stage.revealed and common.kinds(stage)[index] == "vote"


def participation(activity: Any, db: Session, stage: Stage) -> int:
    """How many people gave a scoring step of the stage something (a non-empty entry)."""
    assert stage.id is not None
    entries = activity.entries(db, [stage.id]).get(stage.id, {})
    return sum(1 for entry in entries.values() if entry)


# --------------------------------------------------------------------------- hooks


def enter_scoring(db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
    """Entering a scoring step: a vote on themes turns each theme into one item."""
    if settings.get("on") == "groups":
        from . import merge

        merge.materialise_groups(db, stage)


def unwind_scoring(db: Session, stage: Stage) -> None:
    """Leaving a scoring step backwards: its results are hidden again until the next reveal
    (its closed rounds are kept: coming back continues where the room was); a vote on themes
    is undone if no earlier step votes on them."""
    assert stage.id is not None
    index = stage.step_index
    stage.reveals = [i for i in stage.reveals if i != index]
    if common.kinds(stage)[index] == "vote":
        stage.revealed = False
    earlier = [s.get("settings", {}).get("on") for s in stage.steps[:index]]
    if stage.steps[index].get("settings", {}).get("on") == "groups" and "groups" not in earlier:
        from . import merge

        merge.dissolve_groups(db, stage)


# --------------------------------------------------------------------------- round 2


def start_round(db: Session, *, workshop: Workshop, stage_id: int) -> tuple[Stage, int]:
    """Close the current round of a stage's scoring step and open the next; return the stage
    and the new round's number.

    Needs the step's results to have been revealed (so the room discussed them). The closed
    round keeps everyone's entries and its standings; the new round starts from those same
    entries, and its results are hidden again until the next reveal.
    """
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    assert stage.id is not None
    kind = common.current_kind(stage)
    if kind not in scoring_kinds():
        raise DomainError(
            "wrong_phase",
            f"This stage is in its {kind!r} phase; a new round needs a vote, allocate, "
            "rate or rank step.",
        )
    index = stage.step_index
    closed = load_rounds(db, [stage.id]).get(stage.id, [])
    number = round_number(closed, index)
    if number >= MAX_ROUNDS:
        raise DomainError("round_limit", f"A step has at most {MAX_ROUNDS} rounds.")
    if not is_revealed(stage, index):
        raise DomainError(
            "not_revealed", "Reveal this round's results first, so the room can discuss them."
        )
    activity = _registry()[kind]
    entries = activity.entries(db, [stage.id]).get(stage.id, {})
    standings = step_standings(
        stage,
        index,
        entries,
        visible=visible_idea_ids(db, stage.id),
        counted=counters.read(db, [stage.id]).get(stage.id, {}),
    )
    assert standings is not None
    previous = rounds_of(closed, index)
    db.add(
        StageRound(
            stage_id=stage.id,
            step_index=index,
            round=number,
            kind=kind,
            entries={str(pid): entry for pid, entry in entries.items()},
            standings=decision_json(
                standings,
                index=index,
                round_number=number,
                previous=previous[-1].standings if previous else None,
            ),
        )
    )
    stage.reveals = [i for i in stage.reveals if i != index]
    if kind == "vote":
        stage.revealed = False
    db.add(stage)
    db.commit()
    return stage, number + 1
