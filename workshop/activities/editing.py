"""Editing and deleting ideas: a participant fixes or withdraws their own idea while the
brainstorm is open; the facilitator corrects any idea's wording until the stage is decided,
and deletes any idea until the stage is ranked or decided (as `idea:hide`).

The wording as first submitted is kept (`Idea.original_text`) and the plan's appendix shows
it as "edited from". A deleted idea stays as a tombstone (`Idea.deleted_at`, hidden), so a
retried delete answers the same; every query treats it as gone (`queries.get_idea` does not
find it, `visible_ideas` and the snapshot leave it out). Declared by the brainstorm activity
(`brainstorm.py`).

Two rules keep what the room already did intact:
- An idea someone gave dots, points, a rating or a place to (in the open round or a closed
  one) is not deleted (`idea_has_votes`): every scoring step on the stage's agenda is asked
  through its `entries()`, whatever its kind. The facilitator hides it instead.
- An idea merged into another is edited or deleted through the idea it was merged into
  (`idea_merged`); an idea other ideas were merged into can be reworded, but is not deleted
  (`idea_merged` too), since it speaks for their authors as well: undo the merge first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from ..core import rules
from ..core.errors import DomainError
from ..core.payloads import IdeaId, Payload, ShortText
from ..i18n import gettext
from ..persistence.models import Idea, Participant, Stage, StageRound, Workshop, utcnow
from ..persistence.queries import get_idea, get_stage, get_workshop, require_active
from . import common, registry
from .base import FREEZES_ITEMS, SCORES, Outcome, StateChanged

EDIT_EVENT = "idea:edit"
"""The event a participant may send while the stage's current step declares it (a step that
collects ideas), so no kind is named here."""


class IdeaEditPayload(Payload):
    idea_id: IdeaId
    text: ShortText


class IdeaDeletePayload(Payload):
    idea_id: IdeaId


# --------------------------------------------------------------------------- pure helpers


def _given(value: Any) -> bool:
    """Whether one value of an entry gives the idea something (a dot count above 0, a rating
    with at least one scale set)."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, list | tuple):
        return any(_given(part) for part in value)
    if isinstance(value, Mapping):
        return any(_given(part) for part in value.values())
    return bool(value)


def entry_gives(entry: Any, idea_id: int) -> bool:
    """Whether one participant's entry, in its JSON shape (`base.Activity.entries`), gives the
    idea anything: a key of an object (dots, points, ratings), a member of a list (an order),
    or the whole value (a single pick)."""
    if isinstance(entry, Mapping):
        return any(_given(entry[key]) for key in (str(idea_id), idea_id) if key in entry)
    if isinstance(entry, list | tuple):
        return idea_id in entry or str(idea_id) in entry
    if isinstance(entry, bool):
        return False
    if isinstance(entry, int | str):
        return str(entry) == str(idea_id)
    return False


def edited_from(idea: Idea) -> str | None:
    """The wording as first submitted when the idea now reads otherwise, else None."""
    if idea.original_text is None or idea.original_text == idea.text:
        return None
    return idea.original_text


# --------------------------------------------------------------------------- the rules


def has_votes(db: Session, stage: Stage, idea_id: int) -> bool:
    """Whether any participant gave the idea something in a scoring step of the stage: in
    the open round (each scoring kind on the agenda, through its `entries()`) or in a round
    already closed (`StageRound`, the same entries kept)."""
    assert stage.id is not None
    kinds = dict.fromkeys(
        str(step["kind"]) for step in stage.steps if registry.has(str(step["kind"]), SCORES)
    )
    for kind in kinds:
        current = registry.get(kind).entries(db, [stage.id]).get(stage.id, {})
        if any(entry_gives(entry, idea_id) for entry in current.values()):
            return True
    for closed in db.exec(select(StageRound).where(StageRound.stage_id == stage.id)):
        if any(entry_gives(entry, idea_id) for entry in closed.entries.values()):
            return True
    return False


def _absorbs_others(db: Session, idea: Idea) -> bool:
    """Whether other (not deleted) ideas are merged into this one."""
    query = select(Idea.id).where(Idea.merged_into == idea.id)
    return db.exec(query).first() is not None


def _collects_ideas(stage: Stage) -> bool:
    """Whether the stage's current step is one that collects ideas (it declares `idea:edit`),
    the only time a participant edits or deletes their own."""
    activity = registry.REGISTRY.get(common.current_kind(stage))
    return activity is not None and any(spec.name == EDIT_EVENT for spec in activity.events)


def _load(db: Session, who: Participant | Workshop, idea_id: int) -> tuple[Workshop, Idea]:
    """The sender's workshop and the idea, tombstones included (the caller decides)."""
    workshop_id = who.workshop_id if isinstance(who, Participant) else who.id
    workshop = get_workshop(db, workshop_id)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id, deleted=True)
    return workshop, idea


def _check_own(who: Participant | Workshop, idea: Idea) -> None:
    """A participant acts on their own ideas only, and not on one the facilitator hid."""
    if not isinstance(who, Participant):
        return
    if idea.participant_id != who.id:
        raise DomainError("not_your_idea", gettext("You can only change your own ideas."))
    if idea.hidden:
        raise DomainError(
            "idea_not_found", gettext("Idea %(id)s was hidden by the facilitator.", id=idea.id)
        )


def _check_not_merged(idea: Idea, what: str) -> None:
    if idea.merged_into is not None:
        raise DomainError(
            "idea_merged",
            gettext(
                "This idea was merged into idea %(merged_into)s; edit that one instead.",
                merged_into=idea.merged_into,
            )
            if what == "edit"
            else gettext(
                "This idea was merged into idea %(merged_into)s; delete that one instead.",
                merged_into=idea.merged_into,
            ),
        )


def edit_idea(
    db: Session, *, who: Participant | Workshop, idea_id: int, text: str
) -> tuple[Idea, bool]:
    """Change an idea's wording; return it and whether anything changed.

    A participant: their own idea, while the stage's current step collects ideas. The
    facilitator: any idea, until the stage is decided. The text is cleaned and checked as
    for `idea:submit`; the first edit keeps the wording as submitted. The same text again
    changes nothing and answers the same (a retry after the step moved on included).
    """
    workshop, idea = _load(db, who, idea_id)
    if idea.deleted_at is not None:
        raise DomainError(
            "idea_not_found", gettext("Idea %(idea_id)s was deleted.", idea_id=idea_id)
        )
    _check_own(who, idea)
    _check_not_merged(idea, "edit")
    cleaned = rules.clean_idea_text(text)
    if cleaned == idea.text:
        return idea, False
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if isinstance(who, Participant):
        if not _collects_ideas(stage):
            raise DomainError(
                "wrong_phase",
                gettext("Ideas can be edited while the brainstorm is open, not after."),
            )
    elif stage.decided:
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage is decided; correct an item's wording in a define step or a review."
            ),
        )
    if idea.original_text is None:
        idea.original_text = idea.text
    idea.text = cleaned
    idea.edited_at = utcnow()
    db.add(idea)
    db.commit()
    return idea, True


def delete_idea(db: Session, *, who: Participant | Workshop, idea_id: int) -> tuple[Idea, bool]:
    """Delete an idea nobody has given anything to; return it and whether it was deleted now.

    A participant: their own idea, while the stage's current step collects ideas. The
    facilitator: any idea, until the stage is ranked or decided. Refused when anyone gave
    it dots, points, a rating or a place (`idea_has_votes`), and for an idea merged into
    another or one others were merged into (`idea_merged`). The idea stays as a tombstone
    (hidden, `deleted_at` set): deleting it again answers the same.
    """
    workshop, idea = _load(db, who, idea_id)
    if idea.deleted_at is not None:
        if isinstance(who, Participant) and idea.participant_id != who.id:
            raise DomainError(
                "idea_not_found", gettext("Idea %(idea_id)s was deleted.", idea_id=idea_id)
            )
        return idea, False
    _check_own(who, idea)
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if isinstance(who, Participant):
        if not _collects_ideas(stage):
            raise DomainError(
                "wrong_phase",
                gettext("Ideas can be deleted while the brainstorm is open, not after."),
            )
    elif stage.decided or common.has_reached(stage, FREEZES_ITEMS):
        raise DomainError(
            "wrong_phase",
            gettext("Ideas can be deleted until the stage is ranked or decided, not after."),
        )
    _check_not_merged(idea, "delete")
    if _absorbs_others(db, idea):
        raise DomainError(
            "idea_merged",
            gettext(
                "Other ideas were merged into this one, so it speaks for them too: undo the "
                "merge first (or hide it)."
            ),
        )
    assert idea.id is not None
    if has_votes(db, stage, idea.id):
        raise DomainError(
            "idea_has_votes",
            gettext(
                "Someone already gave this idea dots, points, a rating or a place; the "
                "facilitator can hide it instead."
            ),
        )
    idea.deleted_at = utcnow()
    idea.hidden = True
    db.add(idea)
    if stage.groups and any(idea.id in group.get("idea_ids", []) for group in stage.groups):
        stage.groups = [
            {**group, "idea_ids": [i for i in group.get("idea_ids", []) if i != idea.id]}
            for group in stage.groups
        ]
        db.add(stage)
    if workshop.focus_idea_id == idea.id:
        workshop.focus_idea_id = None
        db.add(workshop)
    db.commit()
    return idea, True


# --------------------------------------------------------------------------- events


def on_edit(db: Session, who: Participant | Workshop, payload: IdeaEditPayload) -> Outcome:
    idea, changed = edit_idea(db, who=who, idea_id=payload.idea_id, text=payload.text)
    shown: dict[str, Any] = {
        "id": idea.id,
        "stage_id": idea.stage_id,
        "text": idea.text,
        "original_text": idea.original_text,
    }
    if idea.category is not None:
        shown["category"] = idea.category
    return Outcome(ack={"idea": shown}, publish=(StateChanged(),) if changed else ())


def on_delete(db: Session, who: Participant | Workshop, payload: IdeaDeletePayload) -> Outcome:
    idea, changed = delete_idea(db, who=who, idea_id=payload.idea_id)
    shown = {"id": idea.id, "stage_id": idea.stage_id, "deleted": True}
    return Outcome(ack={"idea": shown}, publish=(StateChanged(),) if changed else ())
