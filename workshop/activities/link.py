"""Link: participants propose which selected items of earlier stages each item serves; the
facilitator settles each item's links. This is where the plan's alignment comes from.

The same step links goals to the situation analysis (a goal builds on strengths and
opportunities, answers weaknesses and threats, responds to the environment) and risks to what
they threaten (goals, programs, projects); on a risks stage, the projects that mitigate each
risk are proposed (`link:set` `mitigations`) and settled (`link:confirm` `mitigated_by`) in the
same way. What a link means is `levels.relation`; the snapshot names it per parent option."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, model_validator
from sqlalchemy import JSON, delete
from sqlalchemy import Column as SAColumn
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel, col, select

from ..core import levels
from ..core.errors import DomainError
from ..core.payloads import MAX_ENTRIES, IdeaId, IdKey, Payload, StageId
from ..i18n import N_, gettext
from ..persistence import counters
from ..persistence.models import Idea, Participant, Stage, Workshop
from ..persistence.queries import get_idea, get_stage, list_stages, lock_participant, require_active
from . import common
from .base import (
    ALIGNS,
    NEEDS_SELECTED,
    Activity,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StateChanged,
    Tally,
    WorkshopData,
)

KIND = "link"
MAX_PARENTS = 20
PARENTS_BOUND = 50
"""The payload's outer bound on parents per item; the rule (MAX_PARENTS) answers precisely."""


class LinkProposal(SQLModel, table=True):
    """The parents one participant proposes for one item; replaced whole by `link:set`."""

    participant_id: int = Column(foreign_key="participant.id", primary_key=True)
    idea_id: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    stage_id: int = Column(foreign_key="stage.id", index=True)
    parent_ids: list[int] = Column(default_factory=list, sa_column=SAColumn(JSON, nullable=False))
    # The projects this participant proposes mitigate the item, a risk (migration 0012); an
    # export made before it has none.
    mitigated_by: list[int] = Column(
        default_factory=list,
        sa_column=SAColumn(JSON, nullable=False, info={"import_default": []}),
    )


IdLists = Annotated[
    dict[IdKey, Annotated[list[IdeaId], Field(max_length=PARENTS_BOUND)]],
    Field(max_length=MAX_ENTRIES),
]


class LinkSetPayload(Payload):
    stage_id: StageId
    links: IdLists | None = None
    """The parents of each item; absent keeps the last ones (then `mitigations` is given)."""
    mitigations: IdLists | None = None
    """A risks stage: the projects that mitigate each risk; absent keeps the last ones."""

    @model_validator(mode="after")
    def _something(self) -> LinkSetPayload:
        if self.links is None and self.mitigations is None:
            raise ValueError("Send links, mitigations or both.")
        return self


class LinkConfirmPayload(Payload):
    idea_id: IdeaId
    parent_ids: Annotated[list[IdeaId], Field(max_length=PARENTS_BOUND)]
    mitigated_by: Annotated[list[IdeaId], Field(max_length=PARENTS_BOUND)] | None = None
    """A risk's mitigating projects; absent leaves them as they are, [] clears them."""


# --------------------------------------------------------------------------- reads


def candidates(stages: list[Stage]) -> dict[int, levels.ParentItem]:
    """Every selected item of the decided stages, as a possible parent."""
    return {
        idea_id: levels.ParentItem(idea_id, stage.key, stage.position)
        for stage in stages
        if stage.decided
        for idea_id in stage.selected
    }


def parent_options(stages: list[Stage], stage: Stage) -> list[int]:
    """The ids a stage's items may serve: selected items of earlier stages of parent levels,
    in agenda order, then rank order."""
    return _selected_before(stages, stage, levels.PARENT_LEVELS.get(stage.key, ()))


def _selected_before(stages: list[Stage], stage: Stage, allowed: tuple[str, ...]) -> list[int]:
    """The selected items of the decided stages before `stage` whose level is `allowed`, in
    agenda order, then rank order."""
    return [
        idea_id
        for other in sorted(stages, key=lambda s: s.position)
        if other.decided and other.position < stage.position and other.key in allowed
        for idea_id in other.selected
    ]


def mitigates(stage: Stage) -> bool:
    """Whether the items of this stage are mitigated by others (a risks stage)."""
    return stage.key in levels.MITIGATING_LEVELS


def mitigation_options(stages: list[Stage], stage: Stage) -> list[int]:
    """The ids that may mitigate a stage's items (a risks stage's: selected projects of
    earlier stages), in agenda order, then rank order; [] for any other stage."""
    return _selected_before(stages, stage, levels.MITIGATING_LEVELS.get(stage.key, ()))


def parent_relations(data: WorkshopData, stage: Stage, options: list[int]) -> dict[str, str]:
    """What linking one of the stage's items to each parent option means (`levels.relation`:
    `builds_on`, `answers`, `responds_to`, `threatens`), by parent id."""
    where = {
        idea.id: (other.key, idea.category)
        for other in data.stages
        if other.id is not None
        for idea in data.ideas.get(other.id, [])
        if idea.id is not None
    }
    return {
        str(idea_id): levels.relation(stage.key, *where.get(idea_id, ("", None)))
        for idea_id in options
    }


Counts = dict[int, dict[int, dict[int, int]]]


def proposal_counts(db: Session, stage_ids: list[int], field: str = "parent_ids") -> Counts:
    """stage id -> item id -> parent id -> how many participants proposed that link (with
    `field="mitigated_by"`: mitigating project id -> how many proposed it)."""
    counts: Counts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    if stage_ids:
        query = select(LinkProposal).where(col(LinkProposal.stage_id).in_(stage_ids))
        for row in db.exec(query):
            for parent_id in getattr(row, field):
                counts[row.stage_id][row.idea_id][parent_id] += 1
    return counts


def proposals_json(
    counts: Mapping[int, Mapping[int, int]], items: set[int], parents: set[int]
) -> dict[str, dict[str, int]]:
    """`link_proposals` as the facilitator's state and tally carry it: for today's items and
    parents only."""
    out: dict[str, dict[str, int]] = {}
    for idea_id, per in sorted(counts.items()):
        kept = {str(p): n for p, n in sorted(per.items()) if p in parents}
        if idea_id in items and kept:
            out[str(idea_id)] = kept
    return out


def current_choices(data: WorkshopData, stage: Stage) -> tuple[set[int], set[int]]:
    """The stage's items and the parents they may serve right now (from a loaded snapshot).

    Proposals naming anything else (an item hidden since, a goal no longer selected after its
    stage was decided again) are left out of what the snapshot shows, so a phone never sends
    a stale id back.
    """
    assert stage.id is not None
    items = set(stage.selected) if stage.decided else set(data.visible_ids(stage.id))
    return items, set(parent_options(data.stages, stage))


def _current(
    proposals: Mapping[int, list[int]], items: set[int], parents: set[int]
) -> dict[int, list[int]]:
    kept = {
        idea_id: [p for p in chosen if p in parents]
        for idea_id, chosen in proposals.items()
        if idea_id in items
    }
    return {idea_id: chosen for idea_id, chosen in kept.items() if chosen}


# --------------------------------------------------------------------------- services


def _checked(
    given: Mapping[int, list[int]],
    items: set[int],
    check: Any,
    stage: Stage,
    every: Mapping[int, levels.ParentItem],
) -> dict[int, list[int]]:
    """Each item's validated ids (`check`: `levels.check_parents` or `check_mitigations`),
    items with none left out."""
    checked: dict[int, list[int]] = {}
    for idea_id, ids in sorted(given.items()):
        if idea_id not in items:
            raise DomainError(
                "idea_not_found",
                gettext("Idea %(idea_id)s is not an item of this stage.", idea_id=idea_id),
            )
        if len(ids) > MAX_PARENTS:
            raise DomainError(
                "invalid_links",
                gettext("At most %(max)s parents per item.", max=MAX_PARENTS),
            )
        found = check(stage.key, stage.position, ids, every)
        if found:
            checked[idea_id] = found
    return checked


def set_links(
    db: Session,
    *,
    participant: Participant,
    stage_id: int,
    links: Mapping[int, list[int]] | None,
    mitigations: Mapping[int, list[int]] | None = None,
) -> tuple[Stage, dict[int, list[int]], dict[int, list[int]], bool]:
    """Replace a participant's link proposals for a stage and the projects they propose
    mitigate each risk (either, when None, stays as it was for the items still on the
    stage); return the links, the mitigations and whether anything changed."""
    stage, _settings = common.open_step(db, participant.workshop_id, stage_id, KIND)
    assert stage.id is not None and participant.id is not None
    items = set(common.item_ids(db, stage))
    every = candidates(list_stages(db, participant.workshop_id))
    linked = None
    if links is not None:
        linked = _checked(links, items, levels.check_parents, stage, every)
    given = None
    if mitigations is not None:
        given = _checked(mitigations, items, levels.check_mitigations, stage, every)
    lock_participant(db, participant.id)
    mine = (
        col(LinkProposal.participant_id) == participant.id,
        col(LinkProposal.stage_id) == stage.id,
    )
    rows = list(db.exec(select(LinkProposal).where(*mine)))
    before = {row.idea_id: (list(row.parent_ids), list(row.mitigated_by)) for row in rows}
    # What is not sent stays as last proposed, for the items still on the stage.
    checked = linked
    if checked is None:
        checked = {
            idea_id: kept for idea_id, (kept, _) in before.items() if kept and idea_id in items
        }
    mitigated = given
    if mitigated is None:
        mitigated = {
            idea_id: kept for idea_id, (_, kept) in before.items() if kept and idea_id in items
        }
    after = {
        idea_id: (checked.get(idea_id, []), mitigated.get(idea_id, []))
        for idea_id in sorted(set(checked) | set(mitigated))
    }
    if before == after:
        return stage, checked, mitigated, False
    db.execute(delete(LinkProposal).where(*mine))
    for idea_id, (parents, mitigating) in after.items():
        db.add(
            LinkProposal(
                participant_id=participant.id,
                idea_id=idea_id,
                stage_id=stage.id,
                parent_ids=parents,
                mitigated_by=mitigating,
            )
        )
    delta = int(bool(after)) - int(bool(before))
    counters.add(db, stage.id, {(counters.STAGE_WIDE, "linkers"): delta})
    db.commit()
    return stage, checked, mitigated, True


def confirm_links(
    db: Session,
    *,
    workshop: Workshop,
    idea_id: int,
    parent_ids: list[int],
    mitigated_by: list[int] | None = None,
) -> tuple[Idea, Stage]:
    """Settle which items an item serves (the facilitator's word, shown in the plan) and,
    when given, which projects mitigate it (a risk); return the item and its stage."""
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if idea.hidden:
        raise DomainError("idea_not_found", gettext("Idea %(idea_id)s is hidden.", idea_id=idea_id))
    if len(parent_ids) > MAX_PARENTS:
        raise DomainError(
            "invalid_links",
            gettext("At most %(max)s parents per item.", max=MAX_PARENTS),
        )
    every = candidates(list_stages(db, workshop.id))
    parents = levels.check_parents(stage.key, stage.position, parent_ids, every)
    mitigating = list(idea.mitigated_by)
    if mitigated_by is not None:
        if len(mitigated_by) > MAX_PARENTS:
            raise DomainError(
                "invalid_links",
                gettext("At most %(max)s mitigations per item.", max=MAX_PARENTS),
            )
        mitigating = levels.check_mitigations(stage.key, stage.position, mitigated_by, every)
    if list(idea.links) != parents or list(idea.mitigated_by) != mitigating:
        idea.links = parents
        idea.mitigated_by = mitigating
        db.add(idea)
        db.commit()
    return idea, stage


def _on_link_set(db: Session, participant: Participant, payload: LinkSetPayload) -> Outcome:
    given, linked = payload.mitigations, payload.links
    stage, links, mitigations, changed = set_links(
        db,
        participant=participant,
        stage_id=payload.stage_id,
        links=None if linked is None else common.id_keys(linked, "links"),
        mitigations=None if given is None else common.id_keys(given, "mitigations"),
    )
    assert stage.id is not None
    ack: dict[str, Any] = {"links": {str(k): v for k, v in links.items()}}
    if mitigates(stage):
        ack["mitigations"] = {str(k): v for k, v in mitigations.items()}
    return Outcome(ack=ack, publish=(Tally(stage.id),) if changed else ())


def _on_link_confirm(db: Session, workshop: Workshop, payload: LinkConfirmPayload) -> Outcome:
    given = payload.mitigated_by
    idea, stage = confirm_links(
        db,
        workshop=workshop,
        idea_id=payload.idea_id,
        parent_ids=list(payload.parent_ids),
        mitigated_by=None if given is None else list(given),
    )
    shown: dict[str, Any] = {"id": idea.id, "stage_id": idea.stage_id, "links": list(idea.links)}
    if mitigates(stage):
        shown["mitigated_by"] = list(idea.mitigated_by)
    return Outcome(ack={"idea": shown}, publish=(StateChanged(),))


# --------------------------------------------------------------------------- the activity


class Link(Activity):
    kind = KIND
    label = N_("Link")
    description = N_(
        "Everyone proposes which goals (or programs, projects) each item serves; goals link to "
        "the situation analysis, risks to what they threaten and the projects that mitigate them."
    )
    levels = tuple(levels.PARENT_LEVELS)
    tables = (LinkProposal,)
    position = 60
    noun = N_("link")
    traits = frozenset({NEEDS_SELECTED, ALIGNS})
    progress_counts = ("linkers",)
    me_keys = ("links",)
    events = (
        EventSpec(
            "link:set",
            LinkSetPayload,
            ("participant",),
            _on_link_set,
            "Replace the participant's proposed links (and a risk's mitigations) for a stage.",
        ),
        EventSpec(
            "link:confirm",
            LinkConfirmPayload,
            ("facilitator",),
            _on_link_confirm,
            "Settle which items an item serves (and which projects mitigate a risk).",
        ),
    )

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        counts = proposal_counts(db, stage_ids)
        risky = [stage.id for stage in data.stages if stage.id in stage_ids and mitigates(stage)]
        mitigations = proposal_counts(db, risky, "mitigated_by")
        linkers = {sid: data.count(sid, "linkers") for sid in stage_ids}
        return {"counts": counts, "mitigations": mitigations, "linkers": linkers}

    def stage_slice(
        self, data: WorkshopData, stage: Stage, settings: Mapping[str, Any], audience: Audience
    ) -> StageSlice:
        assert stage.id is not None
        loaded = data.parts[KIND]
        options = parent_options(data.stages, stage)
        keys: dict[str, Any] = {"parents": options}
        if stage.key not in levels.SERVING_LEVELS:
            # A goal builds on / answers / responds to, a risk threatens: the phones say so.
            keys["parent_relations"] = parent_relations(data, stage, options)
        if mitigates(stage):
            keys["mitigation_options"] = mitigation_options(data.stages, stage)
        if audience == "facilitator":
            items, parents = current_choices(data, stage)
            keys["link_proposals"] = proposals_json(
                loaded["counts"].get(stage.id, {}), items, parents
            )
            if mitigates(stage):
                keys["mitigation_proposals"] = proposals_json(
                    loaded["mitigations"].get(stage.id, {}),
                    items,
                    set(keys["mitigation_options"]),
                )
        return StageSlice(keys=keys, progress={"linkers": loaded["linkers"].get(stage.id, 0)})

    def me(
        self, db: Session, data: WorkshopData, stage_ids: list[int], only: int | None
    ) -> dict[int, dict[str, Any]]:
        query = select(LinkProposal).where(col(LinkProposal.stage_id).in_(stage_ids))
        if only is not None:
            query = query.where(LinkProposal.participant_id == only)
        choices = {sid: current_choices(data, data.stage(sid)) for sid in stage_ids}
        options = {sid: set(mitigation_options(data.stages, data.stage(sid))) for sid in stage_ids}
        out: dict[int, dict[str, Any]] = defaultdict(lambda: {"links": {}})
        for row in db.exec(query.order_by(col(LinkProposal.idea_id))):
            items, parents = choices[row.stage_id]
            for key, given, allowed in (
                ("links", row.parent_ids, parents),
                ("mitigations", row.mitigated_by, options[row.stage_id]),
            ):
                kept = _current({row.idea_id: list(given)}, items, allowed)
                if kept:
                    per_stage = out[row.participant_id].setdefault(key, {})
                    per_stage.setdefault(str(row.stage_id), {})[str(row.idea_id)] = kept[
                        row.idea_id
                    ]
        return dict(out)

    def me_summary(self, data: WorkshopData, me: dict[str, Any]) -> dict[str, Any]:
        """`me.mitigations` ({} for one who proposed none), only in a workshop with a link step
        on a risks stage: every other `me` stays as it was."""
        if any(mitigates(stage) and KIND in common.kinds(stage) for stage in data.stages):
            return {"mitigations": me.get("mitigations", {})}
        return {}

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has proposed a link for any item of the stage (the `linkers`)."""
        query = (
            select(LinkProposal.participant_id).where(LinkProposal.stage_id == stage.id).distinct()
        )
        return {int(pid) for pid in db.exec(query)}

    def tally(
        self,
        db: Session,
        stage: Stage,
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """On a stage with a link step, the console's tally carries the link proposals."""
        if KIND not in common.kinds(stage):
            return {}, {}
        assert stage.id is not None
        counts = proposal_counts(db, [stage.id]).get(stage.id, {})
        stages = list_stages(db, stage.workshop_id)
        parents = set(parent_options(stages, stage))
        items = set(common.item_ids(db, stage))
        console = {"link_proposals": proposals_json(counts, items, parents)}
        if mitigates(stage):
            counted_mitigations = proposal_counts(db, [stage.id], "mitigated_by").get(stage.id, {})
            options = set(mitigation_options(stages, stage))
            console["mitigation_proposals"] = proposals_json(counted_mitigations, items, options)
        return console, {}
