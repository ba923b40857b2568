"""Poll: each participant picks one item of the stage; the picks decide, like dots would.

A worked example of a third-party activity: this module and `poll.js` beside it are all it
takes. It is registered with one call, `workshop.activities.register(Poll())` (an installed
package would name `Poll` in the `strategy_workshop.activities` entry-point group instead),
keeps its picks in the generic `entry` table through an `EntryStore` (no table, no
migration), keeps its live counts in the running counters (`picks` per item, `pollers` per
stage), and declares everything shared code needs: its traits (it scores items and can feed a
rank step's shortlist), its counters, its per-item figure and its words for the plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ConfigDict, RootModel
from sqlmodel import Session

from workshop.activities import common, scoring
from workshop.activities.base import (
    FEEDS_SHORTLIST,
    SCORES,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    Tally,
    WorkshopData,
)
from workshop.activities.entries import EntryStore
from workshop.activities.scoring import ScoringActivity
from workshop.core import decisions
from workshop.core.errors import DomainError
from workshop.core.payloads import IdeaId, Payload, StageId
from workshop.persistence import counters
from workshop.persistence.models import Participant, Stage
from workshop.persistence.queries import lock_participant

KIND = "poll"
PICKS = "picks"  # per idea: how many picked it
POLLERS = "pollers"  # stage-wide: how many picked something


class Pick(RootModel[int]):
    """One participant's entry: the id of the item they picked. A plain value rather than an
    object: shared code reads an object entry as keyed by idea id (dots, points, ratings),
    and compares any other entry whole (undoing a merge puts it back if it is unchanged)."""

    model_config = ConfigDict(strict=True, frozen=True)


class PollPickPayload(Payload):
    stage_id: StageId
    idea_id: IdeaId | None
    """The item picked; null withdraws the pick."""


STORE = EntryStore(KIND, Pick)


# --------------------------------------------------------------------------- service


def pick(
    db: Session, *, participant: Participant, stage_id: int, idea_id: int | None
) -> tuple[Stage, int | None, bool]:
    """Replace a participant's pick on a stage (None withdraws it); return the stage, the pick
    and whether anything changed. The counters move in the same transaction."""
    stage, _settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    if idea_id is not None and idea_id not in common.visible_idea_ids(db, stage.id):
        raise DomainError("idea_not_found", f"Idea {idea_id} is not open for the poll here.")
    lock_participant(db, participant.id)
    before = STORE.get(db, stage_id=stage.id, participant_id=participant.id)
    old = int(before) if before else None
    if old == idea_id:
        return stage, idea_id, False
    deltas: dict[tuple[int, str], int] = {}
    if old is not None:
        deltas[(old, PICKS)] = -1
    if idea_id is not None:
        deltas[(idea_id, PICKS)] = 1
    if (old is None) != (idea_id is None):
        deltas[(counters.STAGE_WIDE, POLLERS)] = 1 if old is None else -1
    STORE.put(db, stage_id=stage.id, participant_id=participant.id, entry=idea_id)
    counters.add(db, stage.id, deltas)
    db.commit()
    return stage, idea_id, True


def recount(db: Session, stage_id: int) -> None:
    """Rebuild a stage's poll counters from the stored picks (after a merge or an undo)."""
    counters.reset(db, stage_id, [PICKS, POLLERS])
    chosen = [int(e) for e in STORE.read(db, [stage_id]).get(stage_id, {}).values() if e]
    deltas = {(idea_id, PICKS): n for idea_id, n in Counter(chosen).items()}
    if chosen:
        deltas[(counters.STAGE_WIDE, POLLERS)] = len(chosen)
        counters.add(db, stage_id, deltas)


def _on_pick(db: Session, participant: Participant, payload: PollPickPayload) -> Outcome:
    stage, chosen, changed = pick(
        db, participant=participant, stage_id=payload.stage_id, idea_id=payload.idea_id
    )
    assert stage.id is not None
    return Outcome(ack={"idea_id": chosen}, publish=(Tally(stage.id),) if changed else ())


# --------------------------------------------------------------------------- the activity


class Poll(ScoringActivity):
    kind = KIND
    label = "Poll"
    noun = "poll"
    description = "Everyone picks one item; the picks stay hidden until the reveal."
    position = 90
    script: ClassVar[Path | None] = Path(__file__).with_name("poll.js")
    traits = frozenset({SCORES, FEEDS_SHORTLIST})
    progress_counts = (POLLERS,)
    item_figures = (PICKS,)
    me_keys = ("poll_picks",)
    events = (
        EventSpec(
            "poll:pick",
            PollPickPayload,
            ("participant",),
            _on_pick,
            "Replace the participant's pick on a stage (null withdraws it).",
        ),
    )

    # The plan's words.
    score_label = "picks"
    adds_up = "picks"
    step_words = "The poll"
    zero_means_unchosen = True  # an item nobody picked is "not chosen", not a split room

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        return "Poll: each participant picked one item."

    def decided_note(
        self, settings: Mapping[str, Any], decision: Mapping[str, Any], *, people: str, earlier: str
    ) -> str | None:
        return f"Decided by the picks of {people}; on equal picks the earlier idea goes first."

    # Entries: the picked idea's id per participant, in the generic entry table.

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        found = STORE.read(db, stage_ids)
        return {sid: dict(found.get(sid, {})) for sid in stage_ids}

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        assert stage.id is not None
        STORE.write(db, stage.id, changed)
        db.flush()
        recount(db, stage.id)

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        return into if entry in absorbed else entry

    def standings(
        self,
        stage: Stage,
        settings: Mapping[str, Any],
        entries: Mapping[int, Any],
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
        picks: int,
    ) -> decisions.Standings:
        given = [{int(entry): 1} for entry in entries.values() if entry]
        return decisions.allocation_standings(KIND, given, visible, picks=picks, key=PICKS)

    # The snapshot (`load` is the base's: everyone's entries, read once).

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        picked = data.counted.get(stage.id, {}).get(PICKS, {})
        visible = data.visible_ids(stage.id)
        see = audience == "facilitator" or scoring.is_revealed(
            stage, common.step_index_of(stage, KIND)
        )
        return StageSlice(
            progress={POLLERS: data.count(stage.id, POLLERS)},
            per_idea={i: {PICKS: picked.get(i, 0)} for i in visible} if see else {},
        )

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for sid, by_participant in data.parts[KIND]["entries"].items():
            visible = set(data.visible_ids(sid))
            for pid, entry in by_participant.items():
                if (only is None or pid == only) and entry in visible:
                    out.setdefault(pid, {"poll_picks": {}})["poll_picks"][str(sid)] = entry
        return out
