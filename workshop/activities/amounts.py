"""What scoring steps that spread a budget share (the dot vote, the points allocation): a
table of amounts per participant and idea, replaced whole per participant, with a running
total per idea and a count of people, and the `AmountsActivity` base built on it.

Each such activity describes its table once as an `Amounts`, names its budget and cap
settings, and calls these functions; only its settings, wording and error codes differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import Field
from sqlalchemy import delete, distinct, func
from sqlmodel import Session, SQLModel, col, select

from ..core import decisions, merging, rules
from ..core.errors import DomainError
from ..i18n import N_, gettext
from ..persistence import counters
from ..persistence.models import Idea, Stage
from . import common, scoring
from .base import FEEDS_SHORTLIST, SCORES, Audience, StageSlice, WorkshopData
from .scoring import ScoringActivity


@dataclass(frozen=True)
class Amounts:
    """A table with `participant_id`, `idea_id`, `stage_id` and one integer amount column,
    and the names of its running counters (per idea, and people with anything on the stage)."""

    table: type[SQLModel]
    column: str
    per_idea: str
    people: str

    def _col(self, name: str) -> Any:
        return col(getattr(self.table, name))

    def row(self, participant_id: int, stage_id: int, idea_id: int, amount: int) -> SQLModel:
        return self.table(
            participant_id=participant_id,
            idea_id=idea_id,
            stage_id=stage_id,
            **{self.column: amount},
        )

    def mine(self, participant_id: int, stage_id: int) -> tuple[Any, Any]:
        return (
            self._col("participant_id") == participant_id,
            self._col("stage_id") == stage_id,
        )


def entries(db: Session, amounts: Amounts, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
    """stage id -> participant id -> {"<idea id>": amount}, read as plain columns (a live
    tally reads every row of the stage)."""
    out: dict[int, dict[int, Any]] = {sid: {} for sid in stage_ids}
    query = select(
        amounts._col("stage_id"),
        amounts._col("participant_id"),
        amounts._col("idea_id"),
        amounts._col(amounts.column),
    ).where(amounts._col("stage_id").in_(stage_ids))
    for stage_id, participant_id, idea_id, value in db.exec(
        query.order_by(amounts._col("idea_id"))
    ):
        out[stage_id].setdefault(participant_id, {})[str(idea_id)] = value
    return out


def replace(
    db: Session,
    amounts: Amounts,
    *,
    participant_id: int,
    stage_id: int,
    allocation: Mapping[int, int],
) -> bool:
    """Replace one participant's amounts on a stage and move the counters by the difference
    (the caller has locked the participant and commits); False when nothing changed."""
    mine = amounts.mine(participant_id, stage_id)
    before = {
        int(idea_id): int(value)
        for idea_id, value in db.exec(
            select(amounts._col("idea_id"), amounts._col(amounts.column)).where(*mine)
        )
    }
    if before == dict(allocation):
        return False
    db.execute(delete(amounts.table).where(*mine))
    for idea_id, amount in allocation.items():
        db.add(amounts.row(participant_id, stage_id, idea_id, amount))
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    for idea_id in set(before) | set(allocation):
        deltas[(idea_id, amounts.per_idea)] = allocation.get(idea_id, 0) - before.get(idea_id, 0)
    deltas[(counters.STAGE_WIDE, amounts.people)] = int(bool(allocation)) - int(bool(before))
    counters.add(db, stage_id, deltas)
    return True


def write(db: Session, amounts: Amounts, stage_id: int, changed: Mapping[int, Any]) -> None:
    """Replace these participants' entries (JSON shape; None or empty: none) and recount."""
    for participant_id, entry in changed.items():
        db.execute(delete(amounts.table).where(*amounts.mine(participant_id, stage_id)))
        for idea_id, amount in (entry or {}).items():
            if amount > 0:
                db.add(amounts.row(participant_id, stage_id, int(idea_id), amount))
    db.flush()
    recount(db, amounts, stage_id)


def recount(db: Session, amounts: Amounts, stage_id: int) -> None:
    """Rebuild a stage's counters from the stored amounts (after a migration or a merge)."""
    counters.reset(db, stage_id, [amounts.per_idea, amounts.people])
    deltas: dict[tuple[int, str], int] = {}
    query = (
        select(amounts._col("idea_id"), func.sum(amounts._col(amounts.column)))
        .where(amounts._col("stage_id") == stage_id)
        .group_by(amounts._col("idea_id"))
    )
    for idea_id, total in db.exec(query):
        deltas[(idea_id, amounts.per_idea)] = int(total or 0)
    people = db.exec(
        select(func.count(distinct(amounts._col("participant_id")))).where(
            amounts._col("stage_id") == stage_id
        )
    ).one()
    deltas[(counters.STAGE_WIDE, amounts.people)] = int(people)
    counters.add(db, stage_id, deltas)


def people(db: Session, amounts: Amounts, stage_id: int) -> set[int]:
    """The participants with anything on a stage (its open round: a closed round's entries
    are kept in `stageround`)."""
    query = (
        select(amounts._col("participant_id"))
        .where(amounts._col("stage_id") == stage_id)
        .distinct()
    )
    return {int(pid) for pid in db.exec(query)}


# --------------------------------------------------------------------------- per category
# A step with `per_category` on a stage with categories gives each participant the budget in
# every category: the items of each category (and those filed under none, as one more) are
# spent on separately. On a stage without categories the setting changes nothing.

PerCategory = Annotated[
    bool,
    Field(
        title=N_("Budget per category"),
        description=(
            "On a stage with categories (a SWOT), each participant has the whole budget in "
            "every category; the most on one item is unchanged."
        ),
    ),
]
"""The `per_category` setting of the dot vote and the points."""

MAX_BUCKETS = 9
"""The most budgets one participant can have on a stage: 8 categories and the items of none."""


def buckets(db: Session, stage: Stage, settings: Mapping[str, Any]) -> dict[int, str | None] | None:
    """Each visible item's category (None: filed under none) when the step spends its budget
    per category on this stage, else None (one budget for every item)."""
    if not settings.get("per_category") or not common.categories(stage):
        return None
    assert stage.id is not None
    ids = common.visible_idea_ids(db, stage.id)
    query = select(Idea.id, Idea.category).where(col(Idea.id).in_(ids))
    return {int(idea_id): category for idea_id, category in db.exec(query) if idea_id is not None}


def spent_by_category(
    allocation: Mapping[int, int], filed: Mapping[int, str | None]
) -> dict[str | None, int]:
    """What an allocation spends in each category."""
    out: dict[str | None, int] = defaultdict(int)
    for idea_id, amount in allocation.items():
        out[filed.get(idea_id)] += amount
    return dict(out)


def check_per_category(
    stage: Stage,
    allocation: Mapping[int, int],
    filed: Mapping[int, str | None],
    *,
    budget: int,
    unit: str,
) -> None:
    """Refuse (`over_budget`, naming the category) an allocation over the budget in a
    category."""
    for category, spent in spent_by_category(allocation, filed).items():
        if spent > budget:
            label = common.category_label(stage, category)
            where = gettext("items without a category") if category is None else label
            raise DomainError(
                "over_budget",
                gettext(
                    "You have %(budget)s %(unit)s for %(where)s; this allocation spends "
                    "%(spent)s there.",
                    budget=budget,
                    unit=gettext(unit),
                    where=where,
                    spent=spent,
                ),
            )


def left_by_category(
    stage: Stage, allocation: Mapping[int, int], filed: Mapping[int, str | None], budget: int
) -> dict[str, int]:
    """What is left in each category (`""`: the items filed under none, when there are any)."""
    spent = spent_by_category(allocation, filed)
    keys: list[str | None] = [str(c["key"]) for c in common.categories(stage)]
    if any(filed.get(i) not in keys for i in filed):
        keys.append(None)
    return {key or "": budget - spent.get(key, 0) for key in keys}


def budgets(stage: Stage, filed: Mapping[int, str | None]) -> int:
    """How many budgets a participant has on a per-category stage: one per category, and one
    more when some items are filed under none (or under a category no longer listed)."""
    keys = {str(c["key"]) for c in common.categories(stage)}
    return len(keys) + int(any(category not in keys for category in filed.values()))


def spend(
    db: Session,
    stage: Stage,
    given: Mapping[int, int],
    *,
    budget: int,
    cap: int,
    per_category: bool,
    unit: str,
    negative: str,
) -> tuple[dict[int, int], int, dict[str, int] | None]:
    """One participant's allocation checked against the step's cap and budget (per category
    when `per_category` and the stage has categories): the allocation without zeros, what is
    left in all, and what is left per category (None: one budget)."""
    assert stage.id is not None
    filed = buckets(db, stage, {"per_category": per_category})
    allocation = rules.check_allocation(
        given,
        eligible=common.visible_idea_ids(db, stage.id),
        budget=budget if filed is None else budget * MAX_BUCKETS,
        per_idea_cap=cap,
        unit=unit,
        negative=negative,
    )
    if filed is None:
        return allocation, budget - sum(allocation.values()), None
    check_per_category(stage, allocation, filed, budget=budget, unit=unit)
    total = budget * budgets(stage, filed) - sum(allocation.values())
    return allocation, total, left_by_category(stage, allocation, filed, budget)


def fits(entry: Any, *, cap: int, budget: int) -> bool:
    """Whether an entry keeps the per-idea cap and the budget."""
    values = list((entry or {}).values())
    return sum(values) <= budget and all(0 <= n <= cap for n in values)


class AmountsActivity(ScoringActivity):
    """A scoring step where each participant spreads a budget over the items, at most a cap
    on one: its entry is `{"<idea id>": amount}` and the items are ordered by their totals."""

    traits = frozenset({SCORES, FEEDS_SHORTLIST})
    zero_means_unchosen = True
    amounts: ClassVar[Amounts]
    budget_setting: ClassVar[str]
    """The setting with each participant's budget."""
    cap_setting: ClassVar[str]
    """The setting with the most one participant may put on one item."""
    item_key: ClassVar[str]
    """What an idea's total is called in the snapshot and the standings ("votes", "points")."""
    totals_key: ClassVar[str]
    """The tally's key of the per-idea totals ("totals", "point_totals")."""
    left_key: ClassVar[str]
    """The `me` key of what each participant has left per stage ("remaining")."""
    tally_everywhere: ClassVar[bool] = False
    """Every tally carries this step's figures, on stages without it too (0 and {})."""

    def revealed(self, stage: Stage) -> bool:
        """Whether the room (phones, projector) sees the per-idea totals: once this step's
        results are revealed."""
        return scoring.is_revealed(stage, common.step_index_of(stage, self.kind))

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        """The budget and cap, how many people gave something and the total given, and each
        visible idea's total (for the facilitator, and for the room once revealed)."""
        assert stage.id is not None
        given = data.counted.get(stage.id, {}).get(self.amounts.per_idea, {})
        visible = data.visible_ids(stage.id)
        see = audience == "facilitator" or self.revealed(stage)
        return StageSlice(
            keys={
                self.budget_setting: settings[self.budget_setting],
                self.cap_setting: settings[self.cap_setting],
            },
            progress={
                self.amounts.people: data.count(stage.id, self.amounts.people),
                self.amounts.per_idea: sum(given.get(i, 0) for i in visible),
            },
            per_idea={i: {self.item_key: given.get(i, 0)} for i in visible} if see else {},
        )

    def tally(
        self,
        db: Session,
        stage: Stage,
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The total given and each idea's total; the projector's per-idea totals only once
        revealed. Only on stages with this step, unless `tally_everywhere`."""
        if not self.tally_everywhere and self.kind not in common.kinds(stage):
            return {}, {}
        given = counted.get(self.amounts.per_idea, {})
        console: dict[str, Any] = {self.amounts.per_idea: sum(given.get(i, 0) for i in visible)}
        projector = dict(console)
        console[self.totals_key] = {str(i): given.get(i, 0) for i in visible}
        if self.revealed(stage):
            projector[self.totals_key] = console[self.totals_key]
        return console, projector

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        return entries(db, self.amounts, stage_ids)

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has spent anything in the current round."""
        assert stage.id is not None
        return people(db, self.amounts, stage.id)

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        assert stage.id is not None
        write(db, self.amounts, stage.id, changed)

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        return merging.merge_amounts(entry, into, absorbed, int(settings[self.cap_setting]))

    def fits(self, entry: Any, settings: Mapping[str, Any]) -> bool:
        cap, budget = int(settings[self.cap_setting]), int(settings[self.budget_setting])
        if settings.get("per_category"):
            # Without the stage at hand: at most every budget it can have.
            budget *= MAX_BUCKETS
        return fits(entry, cap=cap, budget=budget)

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
        given = [{int(k): n for k, n in entry.items()} for entry in entries.values() if entry]
        return decisions.allocation_standings(
            self.kind, given, visible, picks=picks, key=self.item_key
        )

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        """The entries, and each participant's budget per stage with a step of this kind
        (read once here, not once per participant)."""
        budgets_: dict[str, int] = {}
        for stage in data.stages:
            settings = common.step_settings(stage, self.kind)
            if settings is not None:
                budget = int(settings[self.budget_setting])
                if settings.get("per_category") and common.categories(stage):
                    # A budget in each category: what is left in all of them.
                    assert stage.id is not None
                    shown = set(data.visible_ids(stage.id))
                    filed = {
                        i.id: i.category for i in data.ideas.get(stage.id, []) if i.id in shown
                    }
                    budget *= budgets(stage, filed)
                budgets_[str(stage.id)] = budget
        return {"entries": self.entries(db, stage_ids), "budgets": budgets_}

    def me_summary(self, data: WorkshopData, me: dict[str, Any]) -> dict[str, Any]:
        """What the participant has left of the budget, per stage with a step of this kind."""
        mine = me[self.me_keys[0]]
        return {
            self.left_key: {
                stage_id: budget - sum(mine.get(stage_id, {}).values())
                for stage_id, budget in data.parts[self.kind]["budgets"].items()
            }
        }
