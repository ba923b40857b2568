"""Rate: everyone rates ideas on two scales, each from 1 to 5 (partial ratings are fine: some
ideas, or one scale of an idea). The scales are the step's `scales` setting: impact and effort
unless the agenda names others (a risks stage rates likelihood and impact). The room sees each
idea's mean and spread on both scales and its quadrant once revealed; the console sees them
live. The order is by the first scale's mean, then the lower mean on the second (the higher
with `second_tie_break: "higher"`, as a risks stage has it: the greater impact first).

Quadrants are positions: `quick_win` is the first scale high and the second low, `big_bet` both
high, `fill_in` both low, `money_pit` the first low and the second high (high: a mean above 3).
The step's `quadrants` setting names them ("Quick win", "Big bet", "Fill-in", "Money pit"
unless it says otherwise; on a risks stage "Watch", "Act now", "Accept", "Plan a response").

Storage: a `Rating` row keeps the first scale's value in its `impact` column and the second's
in `effort`, whatever the scales are called (the columns are named for the default scales);
an entry is `[first, second]` likewise. Payloads (`rating:set`, its ack, `me.ratings`, the
figures) name the values by the step's scale keys. A step with the default scales and quadrant
names sends exactly what it sent before scales were settings (no `quadrant_label` either).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator
from sqlalchemy import delete, distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel, col, select

from ..core import decisions, merging
from ..core.errors import DomainError
from ..core.payloads import MAX_ENTRIES, Amount, IdKey, Payload, StageId
from ..i18n import N_, current_language, gettext
from ..persistence import counters
from ..persistence.models import Participant, Stage
from ..persistence.queries import lock_participant
from . import common, scoring
from .base import (
    FEEDS_SHORTLIST,
    SCORES,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StepSettings,
    Tally,
    WorkshopData,
)

KIND = "rate"
SCALES = decisions.SCALE_KEYS
FIGURES = ("impact", "impact_spread", "effort", "effort_spread", "ratings", "quadrant")
"""What each rated idea carries with the default scales: mean and spread on both scales, how
many rated it, its quadrant. With other scales (or quadrant names) see `figures`."""

RESERVED_KEYS = frozenset(
    {
        # What an idea, a decision item and a result row already carry.
        "id",
        "idea_id",
        "stage_id",
        "text",
        "authors",
        "fields",
        "links",
        "from_facilitator",
        "origin",
        "also_said",
        "merged",
        "hidden",
        "group",
        "category",
        "mitigated_by",
        "rank",
        "step_rank",
        "score",
        "consensus",
        "contested",
        "round1",
        "moved",
        "votes",
        "dots",
        "points",
        "shortlisted",
        "selected",
        # The rate step's own figures.
        "ratings",
        "quadrant",
        "quadrant_label",
    }
)
"""Scale keys that would overwrite something an idea already carries."""


class Rating(SQLModel, table=True):
    """One participant's ratings of one idea on the step's two scales (either may be missing):
    `impact` holds the first scale's value and `effort` the second's, whatever the scales are
    called."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    idea_id: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    impact: int | None = None
    effort: int | None = None


ScaleKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=30)]
EndWord = Annotated[str, StringConstraints(max_length=30)]


class ScaleSetting(StepSettings):
    """One scale: its key (in payloads), its label, and the words at its ends (1 and 5)."""

    key: ScaleKey
    label: Label
    low: EndWord = ""
    high: EndWord = ""

    @model_validator(mode="after")
    def _usable_key(self) -> ScaleSetting:
        if self.key.endswith("_spread"):
            raise ValueError(f"a scale's key must not end in _spread ({self.key!r})")
        if self.key in RESERVED_KEYS:
            raise ValueError(f"{self.key!r} is taken; choose another key for the scale")
        return self


DEFAULT_SCALES = (
    ScaleSetting(key="impact", label=N_("Impact"), low=N_("little"), high=N_("a lot")),
    ScaleSetting(key="effort", label=N_("Effort"), low=N_("easy"), high=N_("hard")),
)


class QuadrantNames(StepSettings):
    """The name of each quadrant (its key is its position, see the module's docstring)."""

    quick_win: Label = decisions.QUADRANT_NAMES["quick_win"]
    big_bet: Label = decisions.QUADRANT_NAMES["big_bet"]
    fill_in: Label = decisions.QUADRANT_NAMES["fill_in"]
    money_pit: Label = decisions.QUADRANT_NAMES["money_pit"]


RISK_SCALES = (
    ScaleSetting(
        key="likelihood", label=N_("Likelihood"), low=N_("rare"), high=N_("almost certain")
    ),
    ScaleSetting(key="impact", label=N_("Impact"), low=N_("minor"), high=N_("severe")),
)
RISK_QUADRANTS = QuadrantNames(
    big_bet=N_("Act now"),
    money_pit=N_("Plan a response"),
    quick_win=N_("Watch"),
    fill_in=N_("Accept"),
)


class RateSettings(StepSettings):
    on: Annotated[scoring.OnWhat, scoring.on_what(N_("Rate"))] = "ideas"
    shuffle: scoring.Shuffle = True
    scales: Annotated[
        list[ScaleSetting],
        Field(
            min_length=2,
            max_length=2,
            title=N_("The two scales"),
            description=(
                "Exactly two scales, each {key, label, low, high}: the first is drawn up the "
                "chart and orders the items, the second across."
            ),
        ),
    ] = Field(default_factory=lambda: list(DEFAULT_SCALES))
    second_tie_break: Annotated[
        Literal["lower", "higher"],
        Field(
            title=N_("On a tie, first the idea rated"),
            description=(
                "The order is by the first scale's mean; on a tie, the lower mean on the second "
                "scale comes first (less effort), or the higher (a risk's greater impact)."
            ),
            json_schema_extra={
                "choices": {"lower": N_("lower on the second scale"), "higher": N_("higher on it")}
            },
        ),
    ] = "lower"
    quadrants: Annotated[
        QuadrantNames,
        Field(
            title=N_("Quadrant names"),
            description=(
                "quick_win: first scale high, second low; big_bet: both high; fill_in: both "
                "low; money_pit: first low, second high."
            ),
        ),
    ] = QuadrantNames()

    @field_validator("scales")
    @classmethod
    def _distinct_keys(cls, scales: list[ScaleSetting]) -> list[ScaleSetting]:
        keys = [scale.key for scale in scales]
        if len(set(keys)) != len(keys):
            raise ValueError(f"the two scales need different keys ({keys[0]!r} twice)")
        return scales


class StepScales:
    """A rate step's scales and quadrant names as its (stored) settings give them."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        given = settings.get("scales")
        scales = (
            tuple(ScaleSetting.model_validate(scale) for scale in given)
            if given
            else DEFAULT_SCALES
        )
        self.scales: tuple[ScaleSetting, ...] = scales
        self.keys: tuple[str, str] = (scales[0].key, scales[1].key)
        self.names: dict[str, str] = {
            **decisions.QUADRANT_NAMES,
            **dict(settings.get("quadrants") or {}),
        }
        self.higher_second_first = settings.get("second_tie_break") == "higher"
        self.default = (
            not self.higher_second_first
            and self.keys == decisions.SCALE_KEYS
            and list(scales) == list(DEFAULT_SCALES)
            and self.names == decisions.QUADRANT_NAMES
        )

    @property
    def labels(self) -> tuple[str, str]:
        return (self.scales[0].label, self.scales[1].label)

    def figures(self) -> tuple[str, ...]:
        """The per-idea figures a step with these scales carries."""
        first, second = self.keys
        extra = () if self.default else ("quadrant_label",)
        return (first, f"{first}_spread", second, f"{second}_spread", "ratings", "quadrant", *extra)


def step_scales(settings: Mapping[str, Any]) -> StepScales:
    """The scales and quadrant names of a rate step with these settings."""
    return StepScales(settings)


class RatingSetPayload(Payload):
    stage_id: StageId
    ratings: Annotated[
        dict[
            IdKey,
            Annotated[
                dict[Annotated[str, StringConstraints(max_length=40)], Amount | None],
                Field(max_length=8),
            ],
        ],
        Field(max_length=MAX_ENTRIES),
    ]


Entry = dict[str, list[int | None]]
"""The JSON shape of one participant's ratings: idea id -> [first scale, second scale]."""


def _listed(keys: Sequence[str], labels: Sequence[str]) -> str:
    return " and ".join(f"{label} ({key!r})" for key, label in zip(keys, labels, strict=True))


def check_ratings(
    ratings: Mapping[int, Mapping[str, int | None]],
    eligible: Sequence[int],
    scales: StepScales | None = None,
) -> dict[int, tuple[int | None, int | None]]:
    """Each rating on 1..5 and on one of the step's scales; an idea rated on neither scale is
    dropped (not rated)."""
    scales = scales or StepScales({})
    keys = scales.keys
    allowed = set(eligible)
    out: dict[int, tuple[int | None, int | None]] = {}
    for idea_id, rating in sorted(ratings.items()):
        if idea_id not in allowed:
            raise DomainError(
                "idea_not_found",
                gettext("Idea %(idea_id)s is not open for rating here.", idea_id=idea_id),
            )
        unknown = sorted(set(rating) - set(keys))
        if unknown:
            raise DomainError(
                "invalid_rating",
                gettext(
                    "%(unknown)s is not a scale of this step; it rates %(listed)s.",
                    unknown=repr(unknown[0]),
                    listed=_listed(keys, scales.labels),
                ),
            )
        for key, label in zip(keys, scales.labels, strict=True):
            value = rating.get(key)
            if value is not None and not decisions.SCALE_LOW <= value <= decisions.SCALE_HIGH:
                raise DomainError(
                    "invalid_rating",
                    gettext(
                        "%(label)s is rated from %(scale_low)s to %(scale_high)s (%(value)s "
                        "given).",
                        label=label,
                        scale_low=decisions.SCALE_LOW,
                        scale_high=decisions.SCALE_HIGH,
                        value=value,
                    ),
                )
        first, second = rating.get(keys[0]), rating.get(keys[1])
        if first is not None or second is not None:
            out[idea_id] = (first, second)
    return out


def ratings_json(
    entry: Mapping[int, tuple[int | None, int | None]], keys: Sequence[str] = SCALES
) -> dict[str, Any]:
    """Ratings as acks and `me` carry them: idea id -> {"<first key>", "<second key>"}
    ({"impact", "effort"} by default)."""
    first, second = keys
    return {str(k): {first: i, second: e} for k, (i, e) in sorted(entry.items())}


def recount(db: Session, stage_id: int) -> None:
    """Rebuild a stage's raters counter from the stored ratings."""
    counters.reset(db, stage_id, ["raters"])
    people = db.exec(
        select(func.count(distinct(col(Rating.participant_id)))).where(Rating.stage_id == stage_id)
    ).one()
    counters.add(db, stage_id, {(counters.STAGE_WIDE, "raters"): int(people)})


def set_ratings(
    db: Session,
    *,
    participant: Participant,
    stage_id: int,
    ratings: Mapping[int, Mapping[str, int | None]],
) -> tuple[Stage, StepScales, dict[int, tuple[int | None, int | None]], bool]:
    """Replace a participant's ratings for a stage; return the stage, the step's scales, the
    stored ratings and whether anything changed. A refusal writes nothing."""
    stage, settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    scales = step_scales(settings)
    checked = check_ratings(ratings, common.visible_idea_ids(db, stage.id), scales)
    lock_participant(db, participant.id)
    mine = (col(Rating.participant_id) == participant.id, col(Rating.stage_id) == stage.id)
    before = {r.idea_id: (r.impact, r.effort) for r in db.exec(select(Rating).where(*mine))}
    if before == checked:
        return stage, scales, checked, False
    db.execute(delete(Rating).where(*mine))
    for idea_id, (impact, effort) in checked.items():
        db.add(
            Rating(
                participant_id=participant.id,
                idea_id=idea_id,
                stage_id=stage.id,
                impact=impact,
                effort=effort,
            )
        )
    counters.add(
        db, stage.id, {(counters.STAGE_WIDE, "raters"): int(bool(checked)) - int(bool(before))}
    )
    db.commit()
    return stage, scales, checked, True


def _on_rating_set(db: Session, participant: Participant, payload: RatingSetPayload) -> Outcome:
    stage, scales, checked, changed = set_ratings(
        db,
        participant=participant,
        stage_id=payload.stage_id,
        ratings=common.id_keys(payload.ratings, "ratings"),
    )
    assert stage.id is not None
    return Outcome(
        ack={"ratings": ratings_json(checked, scales.keys)},
        publish=(Tally(stage.id),) if changed else (),
    )


class Rate(scoring.ScoringActivity):
    kind = KIND
    label = N_("Impact and effort")
    description = N_(
        "Everyone rates ideas for impact and effort (1-5); the room sees quick wins, big bets, "
        "fill-ins and money pits. The two scales and the quadrants' names are settings (a "
        "risks stage rates likelihood and impact)."
    )
    settings = RateSettings
    tables = (Rating,)
    position = 40
    noun = N_("impact and effort")
    traits = frozenset({SCORES, FEEDS_SHORTLIST})
    progress_counts = ("raters",)
    item_figures = FIGURES
    score_label = N_("mean impact")
    adds_up = N_("mean impact")
    step_words = N_("The ratings")
    me_keys = ("ratings",)
    events = (
        EventSpec(
            "rating:set",
            RatingSetPayload,
            ("participant",),
            _on_rating_set,
            "Replace the participant's ratings for a stage, on the step's two scales (impact "
            "and effort by default).",
        ),
    )

    def entries(self, db: Session, stage_ids: list[int]) -> dict[int, dict[int, Any]]:
        out: dict[int, dict[int, Any]] = {sid: {} for sid in stage_ids}
        # Plain columns, not ORM objects: a live tally reads every row of the stage.
        query = sa_select(
            col(Rating.stage_id),
            col(Rating.participant_id),
            col(Rating.idea_id),
            col(Rating.impact),
            col(Rating.effort),
        ).where(col(Rating.stage_id).in_(stage_ids))
        for stage_id, participant_id, idea_id, impact, effort in db.execute(
            query.order_by(col(Rating.idea_id))
        ):
            out[stage_id].setdefault(participant_id, {})[str(idea_id)] = [impact, effort]
        return out

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has rated anything in the current round."""
        query = select(Rating.participant_id).where(Rating.stage_id == stage.id).distinct()
        return {int(pid) for pid in db.exec(query)}

    def write_entries(self, db: Session, stage: Stage, changed: Mapping[int, Any]) -> None:
        assert stage.id is not None
        for participant_id, entry in changed.items():
            db.execute(
                delete(Rating).where(
                    col(Rating.participant_id) == participant_id, col(Rating.stage_id) == stage.id
                )
            )
            for idea_id, (impact, effort) in (entry or {}).items():
                if impact is not None or effort is not None:
                    db.add(
                        Rating(
                            participant_id=participant_id,
                            idea_id=int(idea_id),
                            stage_id=stage.id,
                            impact=impact,
                            effort=effort,
                        )
                    )
        db.flush()
        recount(db, stage.id)

    def merge_entry(
        self, entry: Any, into: int, absorbed: Sequence[int], settings: Mapping[str, Any]
    ) -> Any:
        return merging.merge_ratings(entry, into, absorbed)

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
        given = [
            {int(k): (v[0], v[1]) for k, v in entry.items()} for entry in entries.values() if entry
        ]
        scales = step_scales(settings)
        return decisions.rating_standings(
            given,
            visible,
            picks=picks,
            kind=KIND,
            scales=scales.keys,
            names=None if scales.default else scales.names,
            higher_second_first=scales.higher_second_first,
        )

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        index = common.step_index_of(stage, KIND)
        see = audience == "facilitator" or scoring.is_revealed(stage, index)
        per_idea: dict[int, dict[str, Any]] = {}
        if see and index <= max(stage.step_index, -1):
            standings = scoring.cached_standings(data, stage, index)
            if standings is not None:
                figures = step_scales(settings).figures()
                per_idea = {
                    item.idea_id: {k: item.extra[k] for k in figures if k in item.extra}
                    for item in standings.items.values()
                }
        return StageSlice(
            keys={"scale": [decisions.SCALE_LOW, decisions.SCALE_HIGH]},
            progress={"raters": data.count(stage.id, "raters")},
            per_idea=per_idea,
        )

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        """Each participant's ratings per stage, named by that stage's scale keys."""
        out = common.me_entries(data, KIND, "ratings", only)
        keys = {sid: self.stage_scales(data.stage(sid)).keys for sid in stage_ids}
        for mine in out.values():
            for sid, entry in mine["ratings"].items():
                first, second = keys.get(int(sid)) or SCALES
                for idea_id, (i, e) in entry.items():
                    entry[idea_id] = {first: i, second: e}
        return out

    def stage_scales(self, stage: Stage) -> StepScales:
        """The scales of the stage's rate step (its current one, else its first): the one its
        `Rating` rows belong to."""
        kinds = common.kinds(stage)
        if KIND not in kinds:
            return StepScales({})
        return step_scales(stage.steps[common.step_index_of(stage, KIND)].get("settings", {}))

    def level_defaults(self, level: str) -> dict[str, Any]:
        if level == "risks":
            return {
                "scales": [scale.model_dump() for scale in RISK_SCALES],
                "quadrants": RISK_QUADRANTS.model_dump(),
                "second_tie_break": "higher",
            }
        return {}

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        scales = step_scales(settings)
        labels = [gettext(label) for label in scales.labels]
        first, second = (_lower(label) for label in labels)
        names = {k: _lower(gettext(v)) for k, v in scales.names.items()}
        measured = gettext(
            "%(first)s and %(second)s: each rated from 1 to 5", first=labels[0], second=second
        )
        ends = [
            gettext(
                "%(scale)s from %(low)s to %(high)s",
                scale=_lower(gettext(scale.label)),
                low=gettext(scale.low) if scale.low else 1,
                high=gettext(scale.high) if scale.high else 5,
            )
            for scale in scales.scales
            if scale.low or scale.high
        ]
        if ends and not scales.default:
            measured += f" ({', '.join(ends)})"
        return gettext(
            "%(measured)s; a mean above 3 is high (%(quick_win)s: high %(first)s, low "
            "%(second)s; %(big_bet)s: both high; %(fill_in)s: both low; %(money_pit)s: low "
            "%(first)s, high %(second)s).",
            measured=measured,
            first=first,
            second=second,
            **names,
        )

    def step_label(self, settings: Mapping[str, Any]) -> str:
        """ "Impact and effort", or the step's own scales ("Likelihood and impact"), as the
        screens' stepLabel says it."""
        scales = step_scales(settings)
        if scales.default:
            return self.label
        first, second = (gettext(label) for label in scales.labels)
        return gettext("%(first)s and %(second)s", first=first, second=_lower(second))

    def plan_score_label(self, settings: Mapping[str, Any]) -> str | None:
        """The mean of the first scale ("mean likelihood" on a risks stage)."""
        scales = step_scales(settings)
        if scales.default:
            return self.score_label
        return gettext("mean %(scale)s", scale=_lower(gettext(scales.labels[0])))

    def plan_scales(
        self, settings: Mapping[str, Any]
    ) -> tuple[tuple[dict[str, str], ...], dict[str, str]] | None:
        scales = step_scales(settings)
        if scales.default:
            return None
        return (
            tuple(
                {"key": s.key, "label": s.label, "low": s.low, "high": s.high}
                for s in scales.scales
            ),
            {position: str(name) for position, name in scales.names.items()},
        )

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        scales = step_scales(settings)
        first, second = (_lower(gettext(label)) for label in scales.labels)
        if scales.higher_second_first:
            return gettext(
                "Decided by the ratings of %(people)s: the highest mean %(first)s first, then "
                "the higher mean %(second)s.",
                people=people,
                first=first,
                second=second,
            )
        return gettext(
            "Decided by the ratings of %(people)s: the highest mean %(first)s first, then the "
            "lower mean %(second)s.",
            people=people,
            first=first,
            second=second,
        )


def _lower(words: str) -> str:
    """A label or name inside a sentence: its first letter in lower case, unless the first
    word is an abbreviation ("CO2 output" stays)."""
    head = words.split(" ", 1)[0]
    if current_language() == "de" or (len(head) > 1 and head[1:2].isupper()):
        return words
    return words[:1].lower() + words[1:]
