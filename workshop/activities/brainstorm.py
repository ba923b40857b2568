"""Brainstorm: everyone sends short ideas. The facilitator can add items too (preloaded before
the stage opens, like last year's goals, or during it) and hide duplicates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..core import levels, rules
from ..core.errors import DomainError
from ..core.payloads import ClientId, IdeaId, Payload, ShortText, StageId
from ..i18n import N_, gettext
from ..persistence.models import Idea, Participant, Stage, Workshop
from ..persistence.queries import (
    get_idea,
    get_stage,
    get_workshop,
    own_idea_count,
    require_active,
)
from . import common, duplicates, editing, merge
from .base import (
    FREEZES_ITEMS,
    SHORTLISTS,
    Activity,
    Audience,
    EventSpec,
    Outcome,
    StageSlice,
    StateChanged,
    StepSettings,
    Tally,
    ToConsole,
    ToScreens,
    WorkshopData,
)

KIND = "brainstorm"


MAX_CATEGORIES = 8
CATEGORY_KEY = r"^[a-z][a-z0-9-]{0,39}$"

CategoryKey = Annotated[str, Field(max_length=40)]
"""A category key as a payload carries it; whether it is one of the stage's is a rule
(`unknown_category`), not a payload check."""


class IdeaSubmitPayload(Payload):
    stage_id: StageId
    text: ShortText
    category: CategoryKey | None = None
    client_id: ClientId | None = None


class IdeaUpdatePayload(Payload):
    idea_id: IdeaId
    category: CategoryKey


class Category(BaseModel):
    """One category of a categorised brainstorm: a SWOT quadrant, a PESTLE factor."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    key: Annotated[str, StringConstraints(pattern=CATEGORY_KEY)]
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    hint: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""


Categories = Annotated[list[Category], Field(max_length=MAX_CATEGORIES, title=N_("Categories"))]


class BrainstormSettings(StepSettings):
    private: Annotated[bool, Field(title=N_("Private until revealed"))] = False
    """Participants see only their own ideas (and the projector only a count) until the
    facilitator reveals them, so the first ideas do not anchor the rest."""
    named: Annotated[bool, Field(title=N_("Show authors' names"))] = False
    """Ideas show their authors' names; by default they are anonymous."""
    # A plain list default: pydantic copies it for each model, and the schema shows it (`[]`).
    categories: Categories = []  # noqa: RUF012
    """Ideas are filed under one of these (a SWOT's four quadrants, a PESTLE's six factors):
    each idea names its category's key. None (the default, `[]`) is a plain brainstorm."""

    @field_validator("categories")
    @classmethod
    def _unique_keys(cls, value: list[Category]) -> list[Category]:
        keys = [category.key for category in value]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"each category needs its own key; {twice[0]!r} is given twice")
        return value


def settings_of(stage: Stage) -> dict[str, Any]:
    """The stage's brainstorm settings (defaults when it has no brainstorm step)."""
    return common.step_settings(stage, KIND) or BrainstormSettings().model_dump()


def is_private(stage: Stage) -> bool:
    """Whether the stage is in a private brainstorm whose ideas are not revealed yet."""
    if common.current_kind(stage) != KIND:
        return False
    settings = stage.steps[stage.step_index].get("settings", {})
    return bool(settings.get("private")) and stage.step_index not in stage.reveals


def is_named(stage: Stage) -> bool:
    """Whether the stage's ideas show their authors."""
    return bool(settings_of(stage).get("named"))


def idea_json(idea: Idea, authors: list[str] | None = None) -> dict[str, Any]:
    """An idea as `idea:added` and the `idea:submit` ack carry it (with its authors' names
    when the stage is named, its category when it has one)."""
    out: dict[str, Any] = {"id": idea.id, "stage_id": idea.stage_id, "text": idea.text}
    if idea.category is not None:
        out["category"] = idea.category
    if authors is not None:
        out["authors"] = authors
    return out


def check_category(stage: Stage, category: str | None) -> str | None:
    """The category an idea of this stage is filed under: required and one of the keys when
    the stage has categories, absent otherwise (`unknown_category`, naming the labels)."""
    listed = common.categories(stage)
    if not listed:
        if category is None:
            return None
        raise DomainError(
            "unknown_category",
            gettext("This stage has no categories; send the idea without one."),
        )
    if category in {str(c["key"]) for c in listed}:
        return category
    labels = ", ".join(str(c["label"]) for c in listed)
    if category is None:
        raise DomainError(
            "unknown_category",
            gettext("Choose a category for the idea: %(labels)s.", labels=labels),
        )
    raise DomainError(
        "unknown_category",
        gettext(
            "%(category)s is not a category here; choose one of: %(labels)s.",
            category=repr(category),
            labels=labels,
        ),
    )


def _by_client_id(
    db: Session, *, workshop_id: str, participant_id: int | None, client_id: str
) -> Idea | None:
    query = select(Idea).where(Idea.workshop_id == workshop_id, Idea.client_id == client_id)
    if participant_id is None:
        query = query.where(Idea.participant_id == None)  # noqa: E711  (SQL IS NULL)
    else:
        query = query.where(Idea.participant_id == participant_id)
    return db.exec(query).first()


def submit_idea(
    db: Session,
    *,
    workshop_id: str,
    participant: Participant | None,
    stage_id: int,
    text: str,
    client_id: str | None = None,
    category: str | None = None,
) -> tuple[Idea, bool]:
    """Add an idea to a stage; return it and whether it is new.

    Participants add ideas while the stage is in brainstorm. The facilitator (`participant`
    None) may add items at any time before the stage is decided, except while it is being
    ranked (the shortlist is frozen then). A retry carrying the same client_id returns the
    first idea instead of adding a second, so a phone that lost the ack can send again.
    On a stage with categories the idea names one of them (`unknown_category` otherwise).
    """
    workshop = get_workshop(db, workshop_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    author = participant.id if participant is not None else None
    if client_id:
        existing = _by_client_id(
            db, workshop_id=workshop.id, participant_id=author, client_id=client_id
        )
        if existing is not None:
            if existing.stage_id != stage.id:
                raise DomainError(
                    "invalid_payload", gettext("That client_id was already used for another stage.")
                )
            return existing, False
    require_active(workshop)
    phase = common.current_kind(stage)
    if participant is not None and phase != KIND:
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage is in its %(phase)s phase; that needs 'brainstorm'.", phase=repr(phase)
            ),
        )
    # A decided stage that keeps every item (and never narrowed them to a shortlist) takes
    # more; otherwise items are frozen from the first step that freezes them.
    keeps_all = (
        stage.decided
        and common.select_count(stage) == 0
        and common.select_per_category(stage) == 0
        and common.first_with(stage, SHORTLISTS) is None
    )
    frozen = stage.decided or common.has_reached(stage, FREEZES_ITEMS)
    if participant is None and frozen and not keeps_all:
        raise DomainError(
            "wrong_phase", gettext("Items can be added until the stage is ranked or decided.")
        )
    cleaned = rules.clean_idea_text(text)
    filed = check_category(stage, category)
    if participant is not None:
        assert stage.id is not None and participant.id is not None
        mine = own_idea_count(db, stage_id=stage.id, participant_id=participant.id)
        if mine >= rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE:
            raise DomainError(
                "too_many_ideas",
                gettext(
                    "You can send at most %(max)s ideas per stage.",
                    max=rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE,
                ),
            )
    assert stage.id is not None
    idea = Idea(
        workshop_id=workshop.id,
        stage_id=stage.id,
        participant_id=author,
        client_id=client_id or None,
        text=cleaned,
        category=filed,
    )
    db.add(idea)
    try:
        if participant is None and keeps_all:
            # A decided stage that keeps every item (goals the facilitator entered, say)
            # keeps a forgotten one too.
            db.flush()
            assert idea.id is not None
            stage.selected = [*stage.selected, idea.id]
            db.add(stage)
        db.commit()
    except IntegrityError:
        # The same client_id raced in from a second connection (a participant's unique
        # constraint, or the facilitator's partial unique index of migration 0007): the first
        # one won, and this is its retry. Only reached without the write lock (begin_write).
        db.rollback()
        existing = _by_client_id(
            db, workshop_id=workshop.id, participant_id=author, client_id=client_id or ""
        )
        if existing is None:
            raise
        if existing.stage_id != stage_id:
            raise DomainError(
                "invalid_payload", gettext("That client_id was already used for another stage.")
            ) from None
        return existing, False
    return idea, True


def _on_idea_submit(
    db: Session, who: Participant | Workshop, payload: IdeaSubmitPayload
) -> Outcome:
    participant = who if isinstance(who, Participant) else None
    idea, created = submit_idea(
        db,
        workshop_id=who.workshop_id if isinstance(who, Participant) else who.id,
        participant=participant,
        stage_id=payload.stage_id,
        text=payload.text,
        client_id=payload.client_id,
        category=payload.category,
    )
    # The stage submit_idea loaded (the session keeps it after the commit): no second query.
    stage = db.get(Stage, idea.stage_id)
    assert stage is not None
    authors = None
    if is_named(stage):
        authors = [participant.name] if participant is not None and participant.name else []
    shown = idea_json(idea, authors)
    publish: tuple[Any, ...] = ()
    if created:
        if is_private(stage):
            # Only the console reads a private brainstorm; the projector counts ideas.
            publish = (ToConsole("idea:added", {"idea": shown}), Tally(idea.stage_id))
        else:
            # The tally carries the console's suggested duplicates, which the new idea may
            # change (coalesced: a burst of ideas costs one suggestion pass).
            publish = (ToScreens("idea:added", {"idea": shown}), Tally(idea.stage_id))
        if participant is None:
            # A facilitator's item is part of the agenda: everyone's state shows it.
            publish = (*publish, StateChanged())
    return Outcome(ack={"idea": shown, "duplicate": not created}, publish=publish)


def update_idea(
    db: Session, *, workshop: Workshop, idea_id: int, category: str
) -> tuple[Idea, bool]:
    """Move an idea to another category of its stage (the facilitator); return it and whether
    it moved. Until the stage is decided, and not while a step spending a budget per category
    is open (`wrong_phase`); the key must be one of the stage's
    (`unknown_category`); an idea merged into another moves with that one (`idea_merged`).
    The category it already has answers the same (a retry)."""
    workshop = get_workshop(db, workshop.id)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    if idea.merged_into is not None:
        raise DomainError(
            "idea_merged",
            gettext(
                "This idea was merged into idea %(merged_into)s; move that one instead.",
                merged_into=idea.merged_into,
            ),
        )
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if not common.categories(stage):
        raise DomainError(
            "unknown_category", gettext("This stage has no categories to move ideas between.")
        )
    check_category(stage, category)
    if idea.category == category:
        return idea, False
    require_active(workshop)
    if stage.decided:
        raise DomainError(
            "wrong_phase", gettext("This stage is decided; its items stay in their categories.")
        )
    if 0 <= stage.step_index < len(stage.steps) and stage.steps[stage.step_index].get(
        "settings", {}
    ).get("per_category"):
        # What people gave would move to another category's budget and leave them over it.
        raise DomainError(
            "wrong_phase",
            gettext("Each category has its own budget in this step: move ideas before it starts."),
        )
    idea.category = category
    db.add(idea)
    db.commit()
    return idea, True


def _on_idea_update(db: Session, workshop: Workshop, payload: IdeaUpdatePayload) -> Outcome:
    idea, changed = update_idea(
        db, workshop=workshop, idea_id=payload.idea_id, category=payload.category
    )
    return Outcome(ack={"idea": idea_json(idea)}, publish=(StateChanged(),) if changed else ())


def _suggested(data: WorkshopData, stage: Stage) -> list[dict[str, Any]]:
    """A stage's suggested duplicates from a loaded snapshot ([] once merging is closed)."""
    assert stage.id is not None
    rounds = bool(data.rounds.get(stage.id))
    if not duplicates.can_merge(stage, rounds=rounds, active=data.workshop.status == "active"):
        return []
    themes = [row.into for row in data.merges.get(stage.id, []) if row.group]
    ideas = duplicates.mergeable_ideas(data.ideas.get(stage.id, []), themes)
    dismissed = (data.parts.get(KIND) or {}).get(stage.id, set())
    found = duplicates.suggestions(stage, ideas, dismissed)
    if not common.categories(stage):
        return found
    return within_categories(found, {i.id: i.category for i in data.ideas.get(stage.id, [])})


def within_categories(
    suggested: list[dict[str, Any]], filed: Mapping[int | None, str | None]
) -> list[dict[str, Any]]:
    """Suggested duplicates split by category (`idea:merge` merges within one): each group's
    ideas of one category, when there are two or more."""
    out = []
    for group in suggested:
        by_category: dict[str | None, list[int]] = {}
        for idea_id in group["idea_ids"]:
            by_category.setdefault(filed.get(idea_id), []).append(idea_id)
        out += [{**group, "idea_ids": ids} for ids in by_category.values() if len(ids) > 1]
    return out


def ideas_by_category(stage: Stage, filed: list[str | None]) -> dict[str, int] | None:
    """How many visible ideas each of the stage's categories has (every key, 0 included), for
    the counts a private brainstorm shows the room; None on a stage without categories."""
    listed = common.categories(stage)
    if not listed:
        return None
    return {str(c["key"]): sum(1 for key in filed if key == c["key"]) for c in listed}


class Brainstorm(Activity):
    kind = KIND
    label = N_("Brainstorm")
    description = N_(
        "Everyone sends short ideas; the facilitator merges duplicates and clusters themes."
    )
    settings = BrainstormSettings
    position = 10
    noun = N_("brainstorm")
    events = (
        EventSpec(
            "idea:submit",
            IdeaSubmitPayload,
            ("participant", "facilitator"),
            _on_idea_submit,
            "Add an idea (participants in brainstorm; the facilitator until the stage is ranked).",
        ),
        EventSpec(
            "idea:update",
            IdeaUpdatePayload,
            ("facilitator",),
            _on_idea_update,
            "Move an idea to another category of its stage (until the stage is decided).",
        ),
        EventSpec(
            "idea:merge",
            merge.IdeaMergePayload,
            ("facilitator",),
            merge.on_merge,
            "Merge duplicate ideas into one; what was given to them moves to it.",
        ),
        EventSpec(
            "idea:unmerge",
            merge.IdeaUnmergePayload,
            ("facilitator",),
            merge.on_unmerge,
            "Undo the latest merge into an idea (or the merge that absorbed it).",
        ),
        EventSpec(
            "group:set",
            merge.GroupSetPayload,
            ("facilitator",),
            merge.on_group_set,
            "Replace a stage's themes: named clusters of its ideas.",
        ),
        EventSpec(
            "idea:edit",
            editing.IdeaEditPayload,
            ("participant", "facilitator"),
            editing.on_edit,
            "Change an idea's wording (participants: their own, while the brainstorm is open; "
            "the facilitator: any, until the stage is done).",
        ),
        EventSpec(
            "idea:delete",
            editing.IdeaDeletePayload,
            ("participant", "facilitator"),
            editing.on_delete,
            "Delete an idea nobody has given anything to yet (participants: their own, while "
            "the brainstorm is open).",
        ),
        EventSpec(
            "duplicate:dismiss",
            duplicates.DuplicateDismissPayload,
            ("facilitator",),
            duplicates.on_dismiss,
            "Say that suggested duplicates are not the same; the suggestion stays dismissed.",
        ),
    )
    tables = (duplicates.DuplicateDismissal,)

    def level_defaults(self, level: str) -> dict[str, Any]:
        """A situation stage's brainstorm is a SWOT, an environment stage's a PESTLE scan."""
        found = levels.DEFAULT_CATEGORIES.get(level)
        return {"categories": [dict(category) for category in found]} if found else {}

    def load(self, db: Session, data: WorkshopData, stage_ids: list[int]) -> Any:
        """The pairs of ideas the facilitator said are not the same, per stage."""
        return duplicates.dismissed_pairs(db, stage_ids)

    def stage_slice(
        self,
        data: WorkshopData,
        stage: Stage,
        settings: Mapping[str, Any],
        audience: Audience,
    ) -> StageSlice:
        """The console's suggested duplicates (`duplicates`); phones and the projector get
        none. On a stage with categories every audience's `progress` counts the visible ideas
        of each category (`ideas_by_category`), which a private brainstorm shows the room."""
        assert stage.id is not None
        shown = set(data.visible_ids(stage.id))
        counts = ideas_by_category(
            stage, [i.category for i in data.ideas.get(stage.id, []) if i.id in shown]
        )
        progress = {} if counts is None else {"ideas_by_category": counts}
        if audience != "facilitator":
            return StageSlice(progress=progress)
        return StageSlice(keys={"duplicates": _suggested(data, stage)}, progress=progress)

    def tally(
        self,
        db: Session,
        stage: Stage,
        *,
        visible: list[int],
        counted: Mapping[str, Mapping[int, int]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The console's tally of a stage with a brainstorm step carries its suggested
        duplicates, so a new idea's suggestion reaches the console without a state; on a stage
        with categories the console's and the projector's carry `ideas_by_category`."""
        if KIND not in common.kinds(stage):
            return {}, {}
        suggested = duplicates.read_suggestions(db, stage)
        if not common.categories(stage):
            return {"duplicates": suggested}, {}
        query = select(Idea.id, Idea.category).where(col(Idea.id).in_(visible))
        filed = {idea_id: category for idea_id, category in db.exec(query)}
        counts = ideas_by_category(stage, [filed.get(i) for i in visible])
        console = {"duplicates": within_categories(suggested, filed), "ideas_by_category": counts}
        return console, {"ideas_by_category": counts}

    def participation(self, db: Session, stage: Stage) -> int | None:
        """The participants who sent ideas to the stage (the facilitator's items, removed
        participants and deleted ideas do not count)."""
        query = (
            select(func.count(func.distinct(Idea.participant_id)))
            .join(Participant, col(Participant.id) == col(Idea.participant_id))
            .where(
                Idea.stage_id == stage.id,
                col(Participant.removed_at).is_(None),
                col(Idea.deleted_at).is_(None),
            )
        )
        return int(db.exec(query).one())

    def acted(self, db: Session, stage: Stage) -> set[int] | None:
        """Who has sent an idea to the stage (the facilitator's items are nobody's; an idea
        its author deleted does not count, one the facilitator hid or merged does)."""
        query = (
            select(Idea.participant_id)
            .where(
                Idea.stage_id == stage.id,
                col(Idea.participant_id).is_not(None),
                col(Idea.deleted_at).is_(None),
            )
            .distinct()
        )
        return {int(pid) for pid in db.exec(query) if pid is not None}
