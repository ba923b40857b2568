"""What every activity module provides, and what a handler hands back to the realtime edge.

An activity is one kind of step (brainstorm, vote, rank, link, define, done). Its module owns
its payload types, pure rules, tables, service functions and snapshot slice, and declares all
of that in one `Activity` subclass; `activities/__init__.py` registers them and the rest of the
app (event handlers, snapshot, agenda validation, docs test) is built from that registry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, SQLModel
from typing_extensions import TypeVar

from ..core.decisions import Standings
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
from ..persistence.models import Idea, IdeaMerge, Participant, Stage, StageRound, Workshop

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
    """Every setting's declared default (a StepSettings field always has one)."""
    return {
        name: info.get_default(call_default_factory=True)
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
