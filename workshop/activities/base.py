"""What every activity module provides, and what a handler hands back to the realtime edge.

An activity is one kind of step (brainstorm, vote, rank, link, define, done). Its module owns
its payload types, pure rules, tables, service functions and snapshot slice, and declares all
of that in one `Activity` subclass; `activities/__init__.py` registers them and the rest of the
app (event handlers, snapshot, agenda validation, docs test) is built from that registry.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    TypeDecorator,
)
from sqlmodel import Session, SQLModel
from typing_extensions import TypeVar

from ..core.decisions import Standings
from ..core.errors import DomainError
from ..core.payloads import Payload
from ..core.traits import (
    ALIGNS,
    DECIDES,
    FEEDS_SHORTLIST,
    FREEZES_ITEMS,
    NEEDS_SELECTED,
    REVEAL_FLAG,
    SCORES,
    SHORTLISTS,
    TRAITS,
)
from ..i18n import gettext
from ..persistence.models import (
    Entry,
    Idea,
    IdeaMerge,
    Participant,
    Stage,
    StageRound,
    Workshop,
)

__all__ = [
    # The traits an activity declares (defined in core.traits for the pure core).
    "ALIGNS",
    "DECIDES",
    "FEEDS_SHORTLIST",
    "FREEZES_ITEMS",
    "NEEDS_SELECTED",
    "REVEAL_FLAG",
    "SCORES",
    "SHORTLISTS",
    "TRAITS",
    # The declaration and what it works with.
    "Activity",
    "Actor",
    "AnyEventSpec",
    "Audience",
    "EventSpec",
    "Handler",
    "IdMap",
    "NoSettings",
    "Outcome",
    "Publication",
    "Role",
    "StageSlice",
    "StateChanged",
    "StepSettings",
    "Tally",
    "ToConsole",
    "ToScreens",
    "WorkshopData",
    # Export and import (services/transfer.py).
    "invalid_import",
    "remap_shape",
    "row_json",
    "row_values",
]

Role = Literal["facilitator", "projector", "participant"]
Audience = Literal["facilitator", "projector", "participant"]


class StepSettings(BaseModel):
    """A step's settings: strict types, no unknown keys, every field with a default."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class NoSettings(StepSettings):
    """For activities without settings."""


@functools.cache
def declared_defaults(settings: type[StepSettings]) -> dict[str, Any]:
    """Every setting's declared default (a StepSettings field always has one), as JSON stores
    it: a nested setting's default (a rate's scales) is plain lists and dicts, not models."""
    return {
        name: to_jsonable_python(info.get_default(call_default_factory=True))
        for name, info in settings.model_fields.items()
        if not info.is_required()
    }


# --------------------------------------------------------------------------- what handlers return


@dataclass(frozen=True)
class Tally:
    """Publish a coalesced `tally` of this stage to the console and projector."""

    stage_id: int


@dataclass(frozen=True)
class StateChanged:
    """Publish a fresh `state` to every audience of the workshop."""


@dataclass(frozen=True)
class ToScreens:
    """Send one event to the console and projector (not to phones)."""

    event: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ToConsole:
    """Send one event to the facilitator consoles only."""

    event: str
    payload: dict[str, Any]


Publication = Tally | StateChanged | ToScreens | ToConsole


@dataclass(frozen=True)
class Outcome:
    """A handler's result: the ack's fields and what to publish once it is committed."""

    ack: dict[str, Any]
    publish: tuple[Publication, ...] = ()


Actor = Participant | Workshop
"""Who sends an event: the participant, or the workshop for the facilitator."""

P = TypeVar("P", bound=Payload, default=Payload)
Handler = Callable[[Session, Any, P], Outcome]
"""A handler: (database session, the sender (a `Participant`, a `Workshop` for the
facilitator, or either for an event both may send), the parsed payload) -> `Outcome`."""


class AnyEventSpec:
    """What the realtime edge reads of any `EventSpec`, whatever its payload type.

    `Activity.events` is typed with this plain base, not `EventSpec[Any]`: an `Any` there
    would become the payload type of every `EventSpec(...)` written in it, and mypy would
    check nothing."""

    name: str
    payload: type[Payload]
    roles: tuple[Role, ...]
    handler: Callable[[Session, Any, Any], Outcome]
    summary: str


@dataclass(frozen=True)
class EventSpec(AnyEventSpec, Generic[P]):
    """One client event an activity answers: its payload type, who may send it, its handler.

    Generic in the payload, so mypy checks the handler's signature against the payload it is
    declared with: in `EventSpec("votes:set", VotesSetPayload, ..., _on_votes_set, ...)` the
    handler must take a `VotesSetPayload`."""

    name: str
    payload: type[P]
    roles: tuple[Role, ...]
    handler: Handler[P]
    summary: str


# --------------------------------------------------------------------------- snapshot context


@dataclass
class WorkshopData:
    """Everything loaded once for one snapshot of a workshop; activities add their own parts."""

    workshop: Workshop
    stages: list[Stage]
    ideas: dict[int, list[Idea]]  # stage id -> every idea (hidden ones too), earliest first
    participants: int
    # stage id -> counter name -> idea id (0: stage-wide) -> value, read once per snapshot.
    counted: dict[int, dict[str, dict[int, int]]] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)  # activity kind -> what it loaded
    names: dict[int, str | None] = field(default_factory=dict)  # participant id -> name
    rounds: dict[int, list[StageRound]] = field(default_factory=dict)  # closed rounds by stage
    merges: dict[int, list[IdeaMerge]] = field(default_factory=dict)  # live merges by stage
    standings: dict[tuple[int, int], Standings | None] = field(default_factory=dict)
    """(stage id, step index) -> that step's standings, computed once per snapshot."""

    def count(self, stage_id: int, name: str) -> int:
        """A stage-wide running count (voters, rankers, linkers)."""
        return self.counted.get(stage_id, {}).get(name, {}).get(0, 0)

    def stage(self, stage_id: int) -> Stage:
        """A loaded stage by id."""
        return next(stage for stage in self.stages if stage.id == stage_id)

    def visible_ids(self, stage_id: int) -> list[int]:
        """The ids of a stage's visible ideas, earliest first."""
        return [
            i.id
            for i in self.ideas.get(stage_id, [])
            if i.id is not None and not i.hidden and i.merged_into is None
        ]


@dataclass
class StageSlice:
    """What one activity adds to one stage of a snapshot."""

    keys: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)
    per_idea: dict[int, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- export and import
# A workshop's export (`services/transfer.py`) carries every stored row as JSON; an import
# stores them again in a new workshop with every id remapped. Each activity exports and imports
# its own rows (`Activity.export_rows`, `import_rows`, `remap_entry`); the defaults below serve
# any activity whose tables and entries keep to the shapes this module documents.


def invalid_import(where: str, what: str) -> DomainError:
    """The error of every refused import: where in the file, and what is wrong there."""
    return DomainError("invalid_import", gettext("%(where)s: %(what)s", where=where, what=what))


@dataclass(frozen=True)
class IdMap:
    """An import's ids: the exported stage, participant and idea ids -> the new workshop's.
    Every reference in an imported row goes through it, so one to a row the file does not
    hold is refused (`invalid_import`) rather than stored.

    `gone` are ids the workshop's own records still name though their rows are gone (a theme
    item dissolved after a closed round counted it): the export lists them, and the import
    writes each as its negative, which names no row. `seen`, when given, makes the map record
    instead of refuse: the export finds what is gone by remapping its own file with it."""

    workshop_id: str
    stages: Mapping[int, int]
    participants: Mapping[int, int]
    ideas: Mapping[int, int]
    gone: Mapping[str, AbstractSet[int]] = field(default_factory=dict)
    seen: dict[str, set[int]] | None = None

    def stage(self, old: Any, where: str) -> int:
        """The new id of an exported stage id."""
        return self._new(self.stages, old, where, "stage")

    def participant(self, old: Any, where: str) -> int:
        """The new id of an exported participant id."""
        return self._new(self.participants, old, where, "participant")

    def idea(self, old: Any, where: str) -> int:
        """The new id of an exported idea id (an int, or its text as an object key has it)."""
        return self._new(self.ideas, old, where, "idea")

    def _new(self, ids: Mapping[int, int], old: Any, where: str, what: str) -> int:
        number = _id_number(old)
        if number is None:
            raise invalid_import(
                where, gettext("%(old)s is not a %(what)s id", old=repr(old), what=what)
            )
        if number in ids:
            return ids[number]
        if number in self.gone.get(what, ()):
            return -abs(number)
        if self.seen is not None:
            self.seen.setdefault(what, set()).add(number)
            return number
        raise invalid_import(
            where, gettext("%(what)s %(number)s is not in the file", what=what, number=number)
        )


def _id_number(value: Any) -> int | None:
    """An id given as an int, or as the decimal text an object key carries; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdecimal() and len(value) < 19:
        return int(value)
    return None


def remap_shape(value: Any, ids: IdMap, where: str) -> Any:
    """An entry with its idea ids remapped, in any of the shapes entries take
    (architecture.md, "What an activity declares"): an object keyed by idea id (dots, points,
    ratings: its values are kept), a list of idea ids (an order; anything in it that is not a
    whole number is kept), or one idea id (a pick). Anything else is kept as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ids.idea(value, where)
    if isinstance(value, list):
        return [
            ids.idea(item, f"{where}[{n}]")
            if isinstance(item, int) and not isinstance(item, bool)
            else item
            for n, item in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            (str(ids.idea(key, f"{where}.{key}")) if _id_number(key) is not None else key): item
            for key, item in value.items()
        }
    return value


def _utc_text(moment: datetime) -> str:
    """A stored time as ISO 8601 with its offset (SQLite gives back naive UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def row_json(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """One stored row as JSON, column by column: times as ISO 8601 in UTC, bytes as base64,
    everything else (JSON columns too) as stored."""
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.name)
        if isinstance(value, datetime):
            value = _utc_text(value)
        elif isinstance(value, bytes | bytearray | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[column.name] = value
    return out


def row_values(table: Table, raw: Any, where: str, *, skip: Sequence[str] = ()) -> dict[str, Any]:
    """An exported row checked against its table's columns and decoded for storing: every
    column present (but `skip`, and those a later migration added, which declare their
    `import_default` in the column's `info`), none unknown, each of its column's type (text
    within its length, a time in ISO 8601, bytes in base64), None only where the column
    allows it."""
    if not isinstance(raw, dict):
        raise invalid_import(where, gettext("not an object"))
    names = [column.name for column in table.columns if column.name not in skip]
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise invalid_import(
            f"{where}.{unknown[0]}", gettext("not a column of %(table)s", table=table.name)
        )
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name in skip:
            continue
        at = f"{where}.{column.name}"
        if column.name not in raw:
            if "import_default" in column.info:
                # A column a later migration added: an export made before it reads as its
                # default (a link proposal exported before 0012 mitigates nothing).
                out[column.name] = column.info["import_default"]
                continue
            raise invalid_import(at, gettext("missing"))
        out[column.name] = _column_value(column, raw[column.name], at)
    return out


def _column_value(column: Any, value: Any, where: str) -> Any:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # SQLModel's AutoString: a String underneath
        kind = kind.impl_instance
    if value is None:
        if column.nullable and not column.primary_key:
            return None
        raise invalid_import(where, gettext("must not be null"))
    if isinstance(kind, Boolean):
        if isinstance(value, bool):
            return value
        raise invalid_import(where, gettext("must be true or false"))
    if isinstance(kind, Integer):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62:
            return value
        raise invalid_import(where, gettext("must be a whole number"))
    if isinstance(kind, Float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise invalid_import(where, gettext("must be a number"))
    if isinstance(kind, DateTime):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise invalid_import(where, gettext("must be a time in ISO 8601"))
        return moment if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(kind, LargeBinary):
        try:
            return base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            pass
        raise invalid_import(where, gettext("must be base64 text"))
    if isinstance(kind, String):
        if not isinstance(value, str):
            raise invalid_import(where, gettext("must be text"))
        if kind.length is not None and len(value) > kind.length:
            raise invalid_import(
                where, gettext("is longer than %(max)s characters", max=kind.length)
            )
        return value
    if isinstance(kind, JSON):
        return value
    raise invalid_import(where, f"a column of type {kind} cannot be imported")  # pragma: no cover


def _reference(column: Any) -> str | None:
    """What a column names: a workshop, stage, participant or idea (by foreign key, or by its
    name as `persistence/rows.py` reads it), or nothing."""
    for key in column.foreign_keys:
        if key.column.table.name in ("workshop", "stage", "participant", "idea"):
            return str(key.column.table.name)
    return {
        "workshop_id": "workshop",
        "stage_id": "stage",
        "participant_id": "participant",
        "idea_id": "idea",
    }.get(column.name)


def _generated_id(table: Table) -> str | None:
    """The name of a table's own generated id (one whole-number key naming nothing else)."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer) and _reference(keys[0]) is None:
        return str(keys[0].name)
    return None


class Activity:
    """The declaration of one activity; subclasses override what they need."""

    kind: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str]
    settings: ClassVar[type[StepSettings]] = NoSettings
    levels: ClassVar[tuple[str, ...] | None] = None
    """Stage keys this step may run on; None means any."""
    events: ClassVar[Sequence[AnyEventSpec]] = ()
    tables: ClassVar[tuple[type[SQLModel], ...]] = ()
    """This activity's tables; each has a `stage_id` column."""
    position: ClassVar[int] = 100
    """Where it comes in the registry and the agenda editor (then by kind)."""
    noun: ClassVar[str] = ""
    """The lower-case word an agenda summary uses for the step ("dot vote", "results"); "":
    its label in lower case."""
    traits: ClassVar[frozenset[str]] = frozenset()
    """What shared code may ask of the step: the constants of `core.traits` (SCORES,
    FEEDS_SHORTLIST, ...), re-exported here."""
    script: ClassVar[Path | None] = None
    """The file of its JS module; None: `static/js/activities/<kind>.js`. Either way it is
    served at `/static/js/activities/<kind>.js`."""
    progress_counts: ClassVar[tuple[str, ...]] = ()
    """Stage-wide running counters every tally carries (people who gave something)."""
    item_figures: ClassVar[tuple[str, ...]] = ()
    """Per-idea keys of its decision items that the client copies onto the ideas."""
    me_keys: ClassVar[tuple[str, ...]] = ()
    """The keys of its part of each participant's `me`; each is {} for one who gave nothing."""

    # Plan words: how a step of this kind decides a stage, in the plan's appendix.
    score_label: ClassVar[str | None] = None
    """What an item's score is, in the plan's results ("dots"); None: "score"."""
    adds_up: ClassVar[str] = ""
    """What the step adds up ("dots"), for "the top 5 by dots" and "By dots (this step)"."""
    step_words: ClassVar[str] = ""
    """The step as the subject of a sentence ("The dot vote"); "": "This step"."""
    zero_means_unchosen: ClassVar[bool] = False
    """An item with a score of 0 was chosen by nobody (dots, points): the plan says "not
    chosen" rather than a consensus of 0."""

    def level_defaults(self, level: str) -> dict[str, Any]:
        """Settings a step of this kind takes on a stage of `level` when the agenda leaves them
        out, before the declared defaults: a brainstorm on `situation` gets the SWOT's
        categories, a rate on `risks` likelihood and impact. Only applied when an agenda is
        checked (`check_step`), so a stored agenda keeps what it was created with."""
        return {}

    def stored_settings(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored step's settings with every setting it lacks at its declared default: an
        agenda saved before a setting existed reads as if it had chosen the default."""
        return {**declared_defaults(self.settings), **stored}

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """The ids of the participants who have acted in the stage's current step (this kind
        is its kind): who has an entry in its current round, sent an idea, proposed links.
        None: the step asks nothing of participants (nobody is waited for). Called once per
        console state and console tally of the current stage, so one query."""
        return None

    def enter(self, db: Session, stage: Stage, settings: Mapping[str, Any]) -> None:
        """The stage has just moved to this step from another one (not yet committed)."""

    def unwind(self, db: Session, stage: Stage) -> None:
        """The stage moved back from this step to an earlier one (not yet committed)."""

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        """Read what this activity's slices need, for all its stages at once."""
        return None

    def stage_slice(
        self,
        data: WorkshopData,
        stage: Stage,
        settings: Mapping[str, Any],
        audience: Audience,
    ) -> StageSlice:
        """This activity's part of one stage in a snapshot for `audience`."""
        return StageSlice()

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        """Per participant (or just `only`), this activity's part of `me`, keyed by `me` key."""
        return {}

    def me_summary(self, data: WorkshopData, me: dict[str, Any]) -> dict[str, Any]:
        """Keys this activity adds to one participant's `me` once every activity's `me()` part
        is in (called for every registered activity, e.g. the dots left per stage)."""
        return {}

    def tally(
        self,
        db: Session,
        stage: Stage,
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Extra keys of a stage's live tally: the console's and the projector's. Called for
        every registered activity on every tally; `counted` is the stage's running counters."""
        return {}, {}

    # ----------------------------------------------------------------------- plan
    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        """The plan's sentence on how this step works, when it is on the stage's agenda."""
        return None

    def step_label(self, settings: Mapping[str, Any]) -> str:
        """The step's name with these settings, as the plan's appendix shows it (the kind's
        `label`, unless its settings change what it does: a rate on likelihood and impact)."""
        return self.label

    def plan_score_label(self, settings: Mapping[str, Any]) -> str | None:
        """What an item's score is when this step decided the stage with these settings, in
        the plan's results; the kind's `score_label` unless the settings name it otherwise."""
        return self.score_label

    def plan_scales(
        self, settings: Mapping[str, Any]
    ) -> tuple[tuple[dict[str, str], ...], dict[str, str]] | None:
        """The scales a step with these settings measures each item on ({"key", "label",
        "low", "high"} each), and its quadrants' names by position id, when the plan shows
        them (a risks stage's likelihood x impact grid); None: the plan shows no measures
        (also a rate on the default impact and effort, so its plan is as before)."""
        return None

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        """The plan's sentence on how this step decided the stage (`people`: "12
        participants"; `earlier`: what the last feeds_shortlist step before it adds up)."""
        return None

    def participation(self, db: Session, stage: Stage) -> int | None:
        """How many people took part in this step of the stage; None: not counted."""
        return None

    def picks(self, settings: Mapping[str, Any]) -> int:
        """How many items a step with these settings keeps: a SHORTLISTS step's shortlist, a
        DECIDES step's selection (0: every item). Shared code asks the step with the trait."""
        return 0

    # ----------------------------------------------------------------------- scoring steps
    # A step that scores items (vote, allocate, rate, rank) also implements these, so rounds,
    # merges and the decision measures work the same for every one of them. An entry is what
    # one participant gave on the stage, in its JSON shape (`{"<idea id>": n}`, an order...).

    scores: ClassVar[bool] = False
    """True for a step that scores items and can run a second round (the SCORES trait: one
    implies the other)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.scores and SCORES not in cls.traits:
            cls.traits = cls.traits | {SCORES}
        cls.scores = SCORES in cls.traits

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        """stage id -> participant id -> entry (only participants who gave something)."""
        return {}

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        """Replace these participants' entries (None or empty: no entry) and recount."""

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        """One participant's entry once `absorbed` ideas are merged into `into`."""
        return entry

    def fits(self, entry: Any, settings: Mapping[str, Any]) -> bool:
        """Whether an entry keeps the step's limits (budgets, caps)."""
        return True

    def standings(
        self,
        stage: Stage,
        settings: Mapping[str, Any],
        entries: Mapping[int, Any],
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
        picks: int,
    ) -> Standings | None:
        """Where this step leaves the stage's items, from everyone's entries (pure)."""
        return None

    # ----------------------------------------------------------------------- export and import
    # A workshop's export carries each activity's rows (`services/transfer.py`), and an import
    # stores them in the new workshop with every id remapped. The defaults read this
    # activity's `tables` and its rows of the generic `entry` table; an activity whose JSON
    # holds ids in another shape than an entry's overrides `remap_entry` (or `remap_row`).

    def export_rows(
        self, rows: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> dict[str, list[dict[str, Any]]]:
        """Its part of a workshop's export, from the workshop's rows by table name
        (`persistence/rows.py`): table name -> rows as JSON (`row_json`). Default: every row
        of each of its tables, and its rows of `entry`."""
        out: dict[str, list[dict[str, Any]]] = {}
        for model in self.tables:
            table = _table(model)
            out[table.name] = [row_json(table, row) for row in rows.get(table.name, ())]
        entry = _table(Entry)
        out[entry.name] = [
            row_json(entry, row) for row in rows.get(entry.name, ()) if row["kind"] == self.kind
        ]
        return out

    def import_rows(
        self, exported: Any, ids: IdMap, where: str
    ) -> list[tuple[Table, list[dict[str, Any]]]]:
        """Its part of an export (what `export_rows` gave) as the rows to store in the
        imported workshop, ids remapped: (table, rows) in the order to insert them; nothing is
        stored here (the export also runs it, to find what is gone). Refuses
        (`invalid_import`, naming the place) an unknown table, a bad value, a broken
        reference. Default: each row checked column by column (`row_values`) and remapped by
        `remap_row`, its own generated id left to the database (rows keep their order)."""
        if not isinstance(exported, dict):
            raise invalid_import(where, gettext("not an object"))
        models: list[type[SQLModel]] = [*self.tables, Entry]
        tables = {_table(model).name: _table(model) for model in models}
        out: list[tuple[Table, list[dict[str, Any]]]] = []
        for name, listed in exported.items():
            table = tables.get(name)
            if table is None:
                raise invalid_import(
                    f"{where}.{name}", gettext("not a table of the %(kind)s step", kind=self.kind)
                )
            if not isinstance(listed, list):
                raise invalid_import(f"{where}.{name}", gettext("not a list"))
            own = _generated_id(table)
            values = []
            for n, raw in enumerate(listed):
                at = f"{where}.{name}[{n}]"
                row = row_values(table, raw, at)
                if own is not None:
                    row.pop(own)
                if table is _table(Entry) and row["kind"] != self.kind:
                    raise invalid_import(
                        f"{at}.kind", gettext("not %(kind)s", kind=repr(self.kind))
                    )
                values.append(self.remap_row(table, row, ids, at))
            out.append((table, values))
        return out

    def remap_row(
        self, table: Table, row: dict[str, Any], ids: IdMap, where: str
    ) -> dict[str, Any]:
        """One of its rows with its ids remapped: columns naming a workshop, stage,
        participant or idea (foreign key or name), and JSON columns through `remap_entry`."""
        out = dict(row)
        for column in table.columns:
            value = out.get(column.name)
            if value is None:
                continue
            at = f"{where}.{column.name}"
            target = _reference(column)
            if target == "workshop":
                out[column.name] = ids.workshop_id
            elif target == "stage":
                out[column.name] = ids.stage(value, at)
            elif target == "participant":
                out[column.name] = ids.participant(value, at)
            elif target == "idea":
                out[column.name] = ids.idea(value, at)
            elif isinstance(column.type, JSON):
                out[column.name] = self.remap_entry(value, ids, at)
        return out

    def remap_entry(self, entry: Any, ids: IdMap, where: str) -> Any:
        """One participant's entry with its idea ids remapped: as `entries` gives it, as a
        closed round and a merge record keep it, as its tables' JSON columns hold it.
        Default: `remap_shape` (an object keyed by idea id, a list of idea ids, one idea id)."""
        return remap_shape(entry, ids, where)

    def remap_standings(self, standings: Any, ids: IdMap, where: str) -> Any:
        """A closed round's standings (`scoring.decision_json`) with their idea ids remapped:
        each item's `idea_id`, every method's order, the Condorcet winner."""
        if not isinstance(standings, dict):
            raise invalid_import(where, gettext("not an object"))
        out = dict(standings)
        items = out.get("items", [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise invalid_import(f"{where}.items", gettext("not a list of objects"))
        out["items"] = [
            {**item, "idea_id": ids.idea(item.get("idea_id"), f"{where}.items[{n}].idea_id")}
            for n, item in enumerate(items)
        ]
        methods = out.get("methods", {})
        if not isinstance(methods, dict):
            raise invalid_import(f"{where}.methods", gettext("not an object"))
        out["methods"] = {
            name: remap_shape(order, ids, f"{where}.methods.{name}")
            for name, order in methods.items()
        }
        if out.get("condorcet_winner") is not None:
            out["condorcet_winner"] = ids.idea(out["condorcet_winner"], f"{where}.condorcet_winner")
        return out


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
