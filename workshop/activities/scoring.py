"""What every scoring step shares: the `ScoringActivity` base, how many items a step picks, its
standings and the decision payload built from them, reveals, and the second round (Delphi).

A step's standings come from its activity's pure `standings` over everyone's entries; the
measures themselves (consensus, contested, robust, Kendall's W, Condorcet) live in
`core.decisions`. A closed round is kept as a `StageRound` row with everyone's entries and the
standings at its end; the open round is the activity's own table, which round 2 starts from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlmodel import Session, col, select

from ..core import decisions
from ..core.errors import DomainError
from ..i18n import N_, gettext
from ..persistence import counters
from ..persistence.models import Stage, StageRound, Workshop
from ..persistence.queries import get_stage, require_active, visible_idea_ids
from . import common, merge, registry
from .base import (
    DECIDES,
    REVEAL_FLAG,
    SCORES,
    SHORTLISTS,
    Activity,
    WorkshopData,
)

MAX_ROUNDS = 2
METHOD_LABELS = {
    "totals": "totals",
    "impact": "mean impact",
    "borda": "Borda count",
    "schulze": "Schulze method",
}


OnWhat = Literal["ideas", "groups"]
"""What a scoring step puts to the vote: each idea, or the facilitator's themes as one item
each (ideas in no theme stay on their own)."""


def on_what(title: str) -> Any:
    """The `on` setting's field, titled as the agenda editor shows it (`Annotated[OnWhat,
    on_what("Vote on")]`)."""
    return Field(
        title=title,
        json_schema_extra={"choices": {"ideas": N_("each idea"), "groups": N_("the themes")}},
    )


Shuffle = Annotated[
    bool,
    Field(
        title=N_("Shuffle the order on each phone"),
        description=(
            "Each phone lists the items in its own order, the same on every reload (seeded by "
            "the participant, the stage and the step: static/js/fair-order.js), so no item "
            "gains from being listed first; the console and the projector keep a neutral order."
        ),
    ),
]
"""The `shuffle` setting of a step that puts every item to each participant (dot vote, points,
ratings, ranking): `shuffle: scoring.Shuffle = True`. Dot voting favours the items listed
first, so it is on by default; an agenda stored before the setting existed reads it as on
(`Activity.stored_settings`)."""


def scoring_kinds() -> tuple[str, ...]:
    """The kinds of step that score items."""
    return registry.with_trait(SCORES)


def picks_for(stage: Stage, index: int) -> int:
    """How many items the step at `index` chooses: the shortlist of the next step that works
    on one (for a step before it), else the stage's selection (the deciding step's
    select_count; 0 means all)."""
    kinds = common.kinds(stage)
    for later in range(index + 1, len(kinds)):
        settings = stage.steps[later].get("settings", {})
        if registry.has(kinds[later], SHORTLISTS) and not registry.has(kinds[index], SHORTLISTS):
            return registry.get(kinds[later]).picks(settings)
        if registry.has(kinds[later], DECIDES):
            return registry.get(kinds[later]).picks(settings)
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
    activity = registry.get(step["kind"])
    return activity.standings(
        stage,
        step.get("settings", {}),
        entries,
        visible=visible,
        counted=counted,
        picks=picks_for(stage, index),
    )


def cached_standings(data: WorkshopData, stage: Stage, index: int) -> decisions.Standings | None:
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
    return data.standings[key]


def read_standings(db: Session, stage: Stage, index: int) -> decisions.Standings | None:
    """A step's standings now, read from the database."""
    assert stage.id is not None
    activity = registry.get(stage.steps[index]["kind"])
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
    # Release 1's reveal of the dots also reveals the step that flag stands for.
    return stage.revealed and registry.has(common.kinds(stage)[index], REVEAL_FLAG)


def participation(activity: Activity, db: Session, stage: Stage) -> int:
    """How many people gave a scoring step of the stage something (a non-empty entry)."""
    assert stage.id is not None
    entries = activity.entries(db, [stage.id]).get(stage.id, {})
    return sum(1 for entry in entries.values() if entry)


# --------------------------------------------------------------------------- hooks


def enter_scoring(db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
    """Entering a scoring step: a vote on themes turns each theme into one item."""
    if settings.get("on") == "groups":
        merge.materialise_groups(db, stage)


def unwind_scoring(db: Session, stage: Stage) -> None:
    """Leaving a scoring step backwards: its results are hidden again until the next reveal
    (its closed rounds are kept: coming back continues where the room was); a vote on themes
    is undone if no earlier step votes on them."""
    assert stage.id is not None
    index = stage.step_index
    stage.reveals = [i for i in stage.reveals if i != index]
    if registry.has(common.kinds(stage)[index], REVEAL_FLAG):
        stage.revealed = False
    earlier = [s.get("settings", {}).get("on") for s in stage.steps[:index]]
    if stage.steps[index].get("settings", {}).get("on") == "groups" and "groups" not in earlier:
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
    scorers = scoring_kinds()
    if kind not in scorers:
        either = " or ".join([", ".join(scorers[:-1]), scorers[-1]] if scorers[1:] else scorers)
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage is in its %(kind)s phase; a new round needs a %(either)s step.",
                kind=repr(kind),
                either=either,
            ),
        )
    index = stage.step_index
    closed = load_rounds(db, [stage.id]).get(stage.id, [])
    number = round_number(closed, index)
    if number >= MAX_ROUNDS:
        raise DomainError(
            "round_limit",
            gettext("A step has at most %(max)s rounds.", max=MAX_ROUNDS),
        )
    if not is_revealed(stage, index):
        raise DomainError(
            "not_revealed",
            gettext("Reveal this round's results first, so the room can discuss them."),
        )
    activity = registry.get(kind)
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
    if registry.has(kind, REVEAL_FLAG):
        stage.revealed = False
    db.add(stage)
    db.commit()
    return stage, number + 1


# --------------------------------------------------------------------------- the base


class ScoringActivity(Activity):
    """A step that scores items. A subclass declares its kind, words, settings, table and
    event, and how it reads, writes, merges and counts entries (`entries`, `write_entries`,
    `merge_entry`, `fits`, `standings`); rounds, reveals, themes, `me` and participation are
    the same for every one of them."""

    scores = True
    traits = frozenset({SCORES})

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        enter_scoring(db, stage, settings)

    def unwind(self, db: Session, stage: Stage) -> None:
        unwind_scoring(db, stage)

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        return {"entries": self.entries(db, stage_ids)}

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        """Each participant's entries per stage under its first `me_keys` key ("votes"),
        visible ideas only."""
        if not self.me_keys:
            return {}
        return common.me_entries(data, self.kind, self.me_keys[0], only)

    def participation(self, db: Session, stage: Stage) -> int | None:
        return participation(self, db, stage)

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has a non-empty entry in the current round (the open round's entries; a kind
        with a table of its own reads just the participant ids instead)."""
        assert stage.id is not None
        entries = self.entries(db, [stage.id]).get(stage.id, {})
        return {participant_id for participant_id, entry in entries.items() if entry}
