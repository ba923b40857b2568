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

from babel import numbers as babel_numbers

from .. import i18n
from ..core import levels
from ..i18n import N_, gettext, ngettext

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
    category: str | None = None
    """The key of the stage's category the idea was written under ("threats"); None on a
    stage without categories (and then absent from plan.json)."""
    mitigated_by: tuple[int, ...] = ()
    """A risk's mitigations: the ids of the projects that mitigate it (only what the plan
    holds counts, see `PlanDocument.mitigations`); absent from plan.json when empty."""
    measures: Mapping[str, float] = field(default_factory=dict)
    """A rated stage's means by scale key (`{"likelihood": 4.2, "impact": 3.8}`), on stages
    whose rate step names its scales (`StageOutcome.scales`); empty otherwise (and absent)."""
    quadrant: str | None = None
    """The item's quadrant on those scales, a position id: `quick_win` (first scale high,
    second low), `big_bet` (both high), `fill_in` (both low), `money_pit` (first low, second
    high); its name is `StageOutcome.quadrant_label`. None: not rated on named scales."""

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
    categories: tuple[Mapping[str, str], ...] = ()
    """The stage's categories as its brainstorm step set them, in order: `{"key", "label",
    "hint"}` (a SWOT, a PESTLE); empty on a stage without (and then absent from plan.json)."""
    scales: tuple[Mapping[str, str], ...] = ()
    """The two scales of the stage's rate step when it names them: `{"key", "label", "low",
    "high"}` (likelihood, impact); empty otherwise (today's impact x effort rating, absent)."""
    quadrants: Mapping[str, str] = field(default_factory=dict)
    """The quadrants' names on those scales by position id (`quick_win`, `big_bet`,
    `fill_in`, `money_pit`), set with `scales`; empty otherwise."""

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

    def category_label(self, key: str | None) -> str:
        """The label of one of the stage's categories ("Threats"); the key itself when the
        stage does not have it, "" for None."""
        if key is None:
            return ""
        return next((str(c["label"]) for c in self.categories if c["key"] == key), key)

    def selected_in(self, key: str) -> list[PlanItem]:
        """The items in the plan of one category, best first."""
        return [item for item in self.selected if item.category == key]

    def quadrant_label(self, position: str | None) -> str:
        """The name of a quadrant of the stage ("Act now"); the position id when the stage
        does not name it, "" for None."""
        if position is None:
            return ""
        return str(self.quadrants.get(position, position))

    def selected_in_quadrant(self, position: str) -> list[PlanItem]:
        """The items in the plan in one quadrant, best first."""
        return [item for item in self.selected if item.quadrant == position]


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
    workshop_id: str = field(default="", compare=False)
    """The workshop the plan is of, for the renderers' log lines (a glyph no font has); not
    part of the plan's data, so neither stored nor in plan.json. "" when unknown."""
    language: str = i18n.DEFAULT_LANGUAGE
    """The language the plan is written and rendered in (the workshop's, `i18n.LANGUAGES`):
    its headings, labels, sentences, dates and numbers. plan.json carries it as "language"
    when it is not English (an English plan's JSON is as it was before languages)."""

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
        return gettext("item %(id)s", id=idea_id)

    def links_of(self, item: PlanItem) -> tuple[int, ...]:
        """What an item serves, among the items in the plan: a link to an item dropped in a
        review counts as nothing (the link is kept, so restoring the item restores it)."""
        in_plan = {other.id for stage in self.stages for other in stage.selected}
        return tuple(link for link in item.links if link in in_plan)

    def children(self, idea_id: int) -> list[tuple[StageOutcome, PlanItem]]:
        """The selected items that serve this one, in agenda and rank order (a risk that
        threatens it, or a goal that builds on or answers it, does not serve it: such links
        are not on the alignment map)."""
        own = self.stage_of(idea_id)
        return [
            (stage, item)
            for stage in self.stages
            for item in stage.selected
            if idea_id in item.links
            and (own is None or levels.relation(stage.key, own.key, None) == "serves")
        ]

    def stage_of(self, idea_id: int) -> StageOutcome | None:
        """The stage an item (any, selected or not) was written on."""
        return next(
            (stage for stage in self.stages for item in stage.items if item.id == idea_id), None
        )

    def _in_plan(self) -> dict[int, tuple[StageOutcome, PlanItem]]:
        return {item.id: (stage, item) for stage in self.stages for item in stage.selected}

    def relations_of(self, item: PlanItem) -> list[tuple[str, list[PlanItem]]]:
        """What an item's links mean, among the items in the plan, as (relation, items) in
        `levels.RELATIONS` order, relations without items left out: a goal builds on
        strengths and opportunities, answers weaknesses and threats, responds to PESTLE
        factors (`levels.relation` of the linked item's level and category); a risk threatens
        goals, programs, projects and is `mitigated_by` projects; anything else serves."""
        stage = self.stage_of(item.id)
        if stage is None:
            return []
        in_plan = self._in_plan()
        found: dict[str, list[PlanItem]] = {}
        for link in item.links:
            if link in in_plan:
                parent_stage, parent = in_plan[link]
                kind = levels.relation(stage.key, parent_stage.key, parent.category)
                found.setdefault(kind, []).append(parent)
        mitigations = self.mitigations(item)
        if mitigations:
            found["mitigated_by"] = mitigations
        return [(kind, found[kind]) for kind in levels.RELATIONS if kind in found]

    def related(self, item: PlanItem, relation: str) -> list[PlanItem]:
        """The items in the plan an item links to with one relation ("answers"), in its
        links' order (`relations_of`)."""
        return dict(self.relations_of(item)).get(relation, [])

    def mitigations(self, risk: PlanItem) -> list[PlanItem]:
        """The projects in the plan that mitigate a risk (its `mitigated_by`), in that order."""
        in_plan = self._in_plan()
        return [in_plan[i][1] for i in risk.mitigated_by if i in in_plan]

    def mitigates(self, project: PlanItem) -> list[PlanItem]:
        """The risks in the plan a project mitigates, in agenda and rank order."""
        return [
            item
            for stage in self.stages
            for item in stage.selected
            if project.id in item.mitigated_by
        ]

    def unanswered(self) -> list[PlanItem]:
        """The threats and weaknesses in the plan that no goal answers (the gaps
        `unanswered_threat`), in agenda and rank order."""
        ids = {gap.id for gap in self.gaps if gap.kind == "unanswered_threat"}
        return [item for stage in self.stages for item in stage.selected if item.id in ids]

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
        del data["workshop_id"]
        if self.language == i18n.DEFAULT_LANGUAGE:
            del data["language"]
        data["end_year"] = self.end_year
        for stage in data["stages"]:
            _drop_unset(stage, STAGE_OPTIONAL)
            for item in stage["items"]:
                _drop_unset(item, ITEM_OPTIONAL)
        return data


ITEM_OPTIONAL = ("category", "mitigated_by", "measures", "quadrant")
"""An item's keys plan.json carries only when set (a plain workshop's plan is as before)."""
STAGE_OPTIONAL = ("categories", "scales", "quadrants")
"""A stage's keys plan.json carries only when set."""


def _drop_unset(data: dict[str, Any], keys: Sequence[str]) -> None:
    for key in keys:
        if data.get(key) in (None, (), [], {}):
            data.pop(key, None)


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
        category=_optional_str(data.get("category")),
        mitigated_by=tuple(int(i) for i in data.get("mitigated_by") or ()),
        measures={str(k): float(v) for k, v in (data.get("measures") or {}).items()},
        quadrant=_optional_str(data.get("quadrant")),
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
        categories=tuple(
            {str(k): str(v) for k, v in c.items()} for c in data.get("categories") or ()
        ),
        scales=tuple({str(k): str(v) for k, v in s.items()} for s in data.get("scales") or ()),
        quadrants={str(k): str(v) for k, v in (data.get("quadrants") or {}).items()},
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
        language=plan_language(data.get("language")),
    )


def plan_language(value: Any) -> str:
    """A stored plan's language: a shipped one, else English (plans stored before languages
    have none)."""
    return value if isinstance(value, str) and value in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


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
    aligned = [_aligned(stage, item) for stage in stages for item in stage.selected]
    gaps = levels.plan_gaps(aligned, {stage.key for stage in stages}, horizon)
    wording = {item.id: item.wording for stage in stages for item in stage.items}
    level_of = {item.id: stage.key for stage in stages for item in stage.selected}
    links = {item.id: item.links for stage in stages for item in stage.selected}
    in_plan = {item.id: (stage, item) for stage in stages for item in stage.selected}

    def detail(gap: levels.Gap) -> str | None:
        if gap.kind == "unanswered_threat":
            stage, item = in_plan[gap.idea_id]
            return category_noun(stage, item.category)
        if gap.kind == "unmitigated_risk":
            stage, item = in_plan[gap.idea_id]
            return measures_line(stage, item) or gap.detail
        if gap.kind != "action_without_project":
            return gap.detail
        # Say what the action serves instead, so the reader sees why it is listed.
        served = [
            gettext(LEVEL_NOUNS.get(level_of[link], THE_ITEM), item=wording[link])
            for link in links[gap.idea_id]
            if link in level_of
        ]
        if not served:
            return None
        joined = served[0]
        for other in served[1:]:
            joined = gettext("%(first)s and %(second)s", first=joined, second=other)
        return gettext("serves %(items)s directly", items=joined)

    return tuple(GapLine(gap.kind, wording[gap.idea_id], gap.idea_id, detail(gap)) for gap in gaps)


def _aligned(stage: StageOutcome, item: PlanItem) -> levels.AlignedItem:
    """An item in the plan as the alignment check sees it: its links, fields, category and
    mitigations, and whether it is a high risk (quadrant `big_bet`)."""
    return levels.AlignedItem(
        item.id,
        stage.key,
        item.links,
        item.fields,
        item.tie_break,
        category=item.category,
        mitigated_by=item.mitigated_by,
        high_risk=item.quadrant == HIGH_RISK,
    )


LEVEL_NOUNS = {
    "goals": N_("the goal %(item)s"),
    "programs": N_("the program %(item)s"),
    "projects": N_("the project %(item)s"),
}
"""What an action serves, named with its level, in the `action_without_project` gap's detail."""
THE_ITEM = N_("the item %(item)s")

HIGH_RISK = "big_bet"
"""The quadrant of a high risk: both means above the scales' midpoint (likelihood and
impact high), the `unmitigated_risk` gap's concern."""

CATEGORY_NOUNS = {
    "strengths": N_("strength"),
    "weaknesses": N_("weakness"),
    "opportunities": N_("opportunity"),
    "threats": N_("threat"),
}
"""The SWOT's categories as one item of each is called ("a threat")."""


def category_noun(stage: StageOutcome, key: str | None) -> str | None:
    """What one item of a category is ("threat", "weakness"); another category's label in
    lower case; None without a category."""
    if key is None:
        return None
    noun = CATEGORY_NOUNS.get(key)
    return gettext(noun) if noun else gettext(stage.category_label(key)).lower()


def measures_line(stage: StageOutcome, item: PlanItem) -> str:
    """A rated item's means on its stage's scales, with its quadrant's name: "Act now:
    likelihood 4.3, impact 4.0"; "" when the item has none."""
    parts = [
        gettext(
            "%(scale)s %(value)s",
            scale=gettext(str(scale["label"])).lower(),
            value=decimal_text(item.measures[str(scale["key"])], 1),
        )
        for scale in stage.scales
        if str(scale["key"]) in item.measures
    ]
    if not parts:
        return ""
    quadrant = stage.quadrant_label(item.quadrant)
    listed = gettext(", ").join(parts)
    return labelled(gettext(quadrant), listed) if quadrant else listed


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
    language: str = i18n.DEFAULT_LANGUAGE,
) -> PlanDocument:
    """Put the plan together. The timestamp is fixed to the minute here so renders are
    reproducible, and the gaps are found from the selected items and their links. `language`
    is the workshop's: the caller assembles the stages' texts (how each was decided) in it."""
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
        language=plan_language(language),
    )
    return with_gaps(plan)


def removed_line(removed: int) -> str:
    """What the plan says of participants the facilitator removed ("1 participant was
    removed"); "" when nobody was."""
    if removed <= 0:
        return ""
    return ngettext(
        "%(count)s participant was removed",
        "%(count)s participants were removed",
        removed,
        count=count_text(removed),
    )


def with_gaps(plan: PlanDocument) -> PlanDocument:
    """The plan with its gaps found again (after a review filled in owners or dates, changed
    links or dropped an item); a plan whose agenda linked nothing has none (no map, no
    Gaps section)."""
    with i18n.use_language(plan.language):  # the gaps' details are the plan's text
        gaps = find_gaps(plan.stages, horizon_of(plan)) if plan.aligned else ()
    return replace(plan, gaps=gaps)


GAP_LABELS = {
    "unanswered_threat": N_("Threat or weakness that no goal answers"),
    "unserved_goal": N_("Goal that nothing serves"),
    "goal_without_metric": N_("Goal without a success metric"),
    "unaligned_program": N_("Program that serves no goal"),
    "program_without_manager": N_("Program without a manager"),
    "program_without_metric": N_("Program without a success metric"),
    "unaligned_project": N_("Project that serves no goal"),
    "project_without_owner": N_("Project without an owner"),
    "project_without_due": N_("Project without a completion date"),
    "unmitigated_risk": N_("High risk that no project mitigates"),
    "action_without_owner": N_("Action without an owner"),
    "action_without_due": N_("Action without a date"),
    "action_without_project": N_("Action that serves no project"),
    "date_outside_horizon": N_("Date outside the plan's horizon"),
    "date_in_past": N_("Date already past"),
    "dates_reversed": N_("Start date after the end date"),
    "tie_break_selection": N_("Selected by a tie-break"),
}
"""Every kind of gap, in the order the Gaps section lists them, with its label (the kinds
are `levels.GAP_KINDS`)."""


def gap_text(gap: GapLine) -> str:
    """A gap as the plan flags it next to its item: "Project without an owner", or with its
    detail: "Date outside the plan's horizon: completion date 2035-03-01"."""
    label = gap_label(gap.kind)
    return labelled(label, gap.detail) if gap.detail else label


def gap_label(kind: str) -> str:
    """A kind of gap's label in the language in force ("Project without an owner")."""
    label = GAP_LABELS.get(kind)
    return gettext(label) if label else kind


def gap_flags(plan: PlanDocument) -> dict[int, tuple[str, ...]]:
    """Every item's gaps as flag texts (`gap_text`), by item id, in the Gaps section's order;
    items without a gap are absent."""
    flags: dict[int, list[str]] = {}
    for gap in plan.gaps:
        flags.setdefault(gap.id, []).append(gap_text(gap))
    return {idea_id: tuple(texts) for idea_id, texts in flags.items()}


RELATION_LABELS = {
    "serves": N_("Serves"),
    "builds_on": N_("Builds on"),
    "answers": N_("Answers"),
    "responds_to": N_("Responds to"),
    "threatens": N_("Threatens"),
    "mitigated_by": N_("Mitigated by"),
}
"""How the plan introduces what an item links to, by `levels.RELATIONS` ("Answers: …")."""

FIELD_LABELS = {
    "owner": N_("Owner"),
    "outcome": N_("Outcome"),
    "due": N_("Due"),
    "approach": N_("Approach"),
}


def metric_line(metric: Mapping[str, Any]) -> str:
    """One success metric in words: "Share of rail from 28% to 40% by 2028-12-31"."""
    parts = [str(metric.get("metric"))]
    if metric.get("baseline"):
        parts.append(gettext("from %(value)s", value=metric["baseline"]))
    if metric.get("target"):
        parts.append(gettext("to %(value)s", value=metric["target"]))
    if metric.get("due"):
        parts.append(gettext("by %(date)s", date=local_day(str(metric["due"]))))
    return " ".join(parts)


def program_of(plan: PlanDocument, item: PlanItem) -> list[PlanItem]:
    """The programs in the plan a project runs under (none: an independent project)."""
    return [program for program in plan.selected_of("programs") if program.id in item.links]


def detail_lines(plan: PlanDocument, stage: StageOutcome, item: PlanItem) -> list[str]:
    """The plain-text facts under a selected item: fields, metrics, what it serves."""
    lines: list[str] = []
    owner_label = N_("Program manager") if stage.key == "programs" else FIELD_LABELS["owner"]
    for name in ("owner", "outcome", "due", "approach"):
        value = item.fields.get(name)
        if value:
            label = owner_label if name == "owner" else FIELD_LABELS[name]
            if name == "due" and stage.key == "projects":
                label = N_("Completion date")
            shown = local_day(str(value)) if name == "due" else value
            lines.append(labelled(gettext(label), shown))
    deliverables = item.fields.get("deliverables") or []
    if deliverables:
        lines.append(labelled(gettext("Deliverables"), "; ".join(str(d) for d in deliverables)))
    for metric in item.fields.get("metrics") or []:
        lines.append(labelled(gettext("Success metric"), metric_line(metric)))
    for relation, related in plan.relations_of(item):
        label = gettext(RELATION_LABELS[relation])
        lines.append(labelled(label, "; ".join(other.wording for other in related)))
    mitigated = plan.mitigates(item)
    if mitigated:
        lines.append(labelled(gettext("Mitigates"), "; ".join(risk.wording for risk in mitigated)))
    rated = measures_line(stage, item)
    if rated:
        lines.append(labelled(gettext("Rated"), rated))
    programs_stage = plan.stage("programs") is not None
    if stage.key == "projects" and programs_stage and not program_of(plan, item):
        lines.append(gettext("Independent project (under no program)"))
    if item.wording != item.text:
        lines.append(labelled(gettext("Wording as voted"), item.text))
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
    return ngettext("%(count)s year", "%(count)s years", years, count=count_text(years))


EN_DASH = "\u2013"


def year_range(plan: PlanDocument) -> str:
    """The horizon as years joined by an en dash: "2026\u20132031" for five years from 2026."""
    return i18n.format_year_range(plan.start_year, plan.end_year)


def consensus_label(
    item: PlanItem, score_label: str = UNSCORED, unchosen: frozenset[str] = frozenset()
) -> str:
    """Consensus as the appendix shows it: "0.82", "0.31 split", "not chosen" for an idea
    given nothing where a score of 0 means nobody chose it (`unchosen` score labels: a dot vote,
    a points allocation; docs/decisions.md), or "n/a" without a measure."""
    if item.consensus is None:
        return gettext("n/a")
    if score_label in unchosen and not item.score:
        return gettext("not chosen")
    value = decimal_text(item.consensus, 2)
    return gettext("%(value)s split", value=value) if item.contested else value


def plural(n: int, one: str, many: str) -> str:
    """ "1 project", "3 projects" (English words: the plan's text uses `counted`)."""
    return f"{n} {one if n == 1 else many}"


# --------------------------------------------------------------------------- words per language
#
# The plan is written in its language (`PlanDocument.language`, in force while it is assembled
# and rendered: `i18n.use_language`). English keeps the text it always had, byte for byte: ISO
# dates, plain digits; other languages write dates and numbers as their locale does.


def english() -> bool:
    """Whether the language in force is English (the plan's text as before languages)."""
    return i18n.current_language() == i18n.DEFAULT_LANGUAGE


def count_text(n: int) -> str:
    """A count as the language writes it: "1234" in English (as always), "1.234" in German.
    Counted messages name it `%(count)s` (`ngettext`'s own `%(n)s` groups English digits)."""
    return str(n) if english() else i18n.format_number(n)


def decimal_text(value: float, places: int) -> str:
    """A number to `places` decimals: "0.82" in English, "0,82" in French and German."""
    if english():
        return f"{value:.{places}f}"
    pattern = "0." + "0" * places if places else "0"
    return babel_numbers.format_decimal(value, format=pattern, locale=i18n.locale())


def labelled(label: str, value: Any) -> str:
    """ "Owner: Priya" (French: "Responsable : Priya")."""
    return gettext("%(label)s: %(value)s", label=label, value=value)


def local_day(text: str) -> str:
    """A YYYY-MM-DD date as the language writes it ("8 déc. 2026", "08.12.2026"); English
    keeps the ISO date, and text that is not such a date stays as it is."""
    if english() or len(text) != 10:
        return text
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return i18n.format_date(day, "medium")
