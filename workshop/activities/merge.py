"""Merging duplicate ideas, and clustering ideas into themes (during brainstorm, before a vote).

A merge folds some ideas into one that remains: the merged ones stop counting on their own and
show under it as "also said", with their authors; what participants already gave them moves to
the remaining idea (`core.merging` says how). Each merge is kept as an `IdeaMerge` with every
changed entry before and after, so `idea:unmerge` can put things back: a participant who has
changed their entry since keeps their new one.

Themes are named clusters of ideas on the console. When a step votes on themes (`on: "groups"`),
entering it turns each theme into one new item with its ideas merged into it; moving back
before that step dissolves them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import delete
from sqlmodel import Session, col, select

from ..core import merging, rules
from ..core.errors import DomainError
from ..core.payloads import MAX_ENTRIES, IdeaId, Label, Payload, StageId
from ..core.rules import squash_spaces
from ..i18n import N_, gettext
from ..persistence.models import Idea, IdeaMerge, Stage, StageRound, Workshop
from ..persistence.queries import get_idea, get_stage, require_active, visible_idea_ids
from . import common, registry
from .base import FREEZES_ITEMS, SCORES, Outcome, StateChanged

GROUP_TITLE_MAX = 80
MAX_GROUPS = 30
MAX_MERGE = 50


class IdeaMergePayload(Payload):
    idea_ids: Annotated[list[IdeaId], Field(min_length=1, max_length=MAX_MERGE)]
    into: IdeaId


class IdeaUnmergePayload(Payload):
    idea_id: IdeaId


class GroupPayload(Payload):
    title: Label
    idea_ids: Annotated[list[IdeaId], Field(max_length=MAX_ENTRIES)]


class GroupSetPayload(Payload):
    stage_id: StageId
    groups: Annotated[list[GroupPayload], Field(max_length=MAX_GROUPS)]


def check_open(stage: Stage, what: str) -> None:
    """Merging and grouping happen before the stage reaches a step that freezes its items (it
    is ranked or decided)."""
    if stage.decided or common.has_reached(stage, FREEZES_ITEMS):
        refusals = {
            "merged": N_("Ideas can be merged until the stage is ranked or decided, not after."),
            "unmerged": N_(
                "Ideas can be unmerged until the stage is ranked or decided, not after."
            ),
            "grouped": N_("Ideas can be grouped until the stage is ranked or decided, not after."),
        }
        raise DomainError("wrong_phase", gettext(refusals[what]))


def _scoring_steps(stage: Stage) -> list[tuple[str, dict[str, Any]]]:
    """Each kind of scoring step on the stage's agenda once, with its settings."""
    seen: dict[str, dict[str, Any]] = {}
    for step in stage.steps:
        if registry.has(step["kind"], SCORES) and step["kind"] not in seen:
            seen[step["kind"]] = dict(step.get("settings", {}))
    return list(seen.items())


def _move_entries(
    db: Session, stage: Stage, into: int, absorbed: Sequence[int]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Move what participants gave the absorbed ideas onto `into`; return what changed."""
    assert stage.id is not None
    record: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, settings in _scoring_steps(stage):
        activity = registry.get(kind)
        current = activity.entries(db, [stage.id]).get(stage.id, {})
        changed: dict[int, Any] = {}
        before: dict[str, Any] = {}
        for participant_id, entry in current.items():
            merged = activity.merge_entry(entry, into, absorbed, settings)
            if not merging.same_entry(merged, entry):
                changed[participant_id] = merged
                before[str(participant_id)] = entry
        if changed:
            activity.write_entries(db, stage, changed)
            record[kind] = {
                "before": before,
                "after": {str(pid): entry for pid, entry in changed.items()},
            }
    return record


def _merge(
    db: Session, stage: Stage, into: Idea, absorbed: list[Idea], *, group: bool
) -> IdeaMerge:
    assert stage.id is not None and into.id is not None
    ids = [idea.id for idea in absorbed if idea.id is not None]
    record = _move_entries(db, stage, into.id, ids)
    for idea in absorbed:
        idea.merged_into = into.id
        db.add(idea)
    if stage.shortlist:
        stage.shortlist = merging.merge_order(stage.shortlist, into.id, ids)
    if stage.groups and not group:
        stage.groups = merged_groups(stage.groups, into.id, ids)
    db.add(stage)
    row = IdeaMerge(stage_id=stage.id, into=into.id, idea_ids=ids, group=group, entries=record)
    db.add(row)
    return row


def merged_groups(
    groups: Sequence[Mapping[str, Any]], into: int, absorbed: Sequence[int]
) -> list[dict[str, Any]]:
    """Themes once `absorbed` are merged into `into`: the merged ideas leave their themes, and
    `into` takes the first theme any of them was in when it was in none."""
    gone = set(absorbed)
    placed = any(into in g.get("idea_ids", []) for g in groups)
    out: list[dict[str, Any]] = []
    for group in groups:
        ids = list(group.get("idea_ids", []))
        kept = [i for i in ids if i not in gone]
        if not placed and len(kept) < len(ids):
            kept.append(into)
            placed = True
        out.append({"title": group["title"], "idea_ids": kept})
    return out


def merge_ideas(
    db: Session, *, workshop: Workshop, idea_ids: Sequence[int], into: int
) -> tuple[Idea, list[int]]:
    """Merge `idea_ids` into the idea `into` (it may be listed among them); return the
    remaining idea and the ids merged into it."""
    require_active(workshop)
    keep = get_idea(db, workshop_id=workshop.id, idea_id=into)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=keep.stage_id)
    check_open(stage, "merged")
    if db.exec(select(StageRound).where(StageRound.stage_id == stage.id)).first() is not None:
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage has had a second round; merging now would change round 1's results."
            ),
        )
    visible = set(visible_idea_ids(db, stage.id or 0))
    if into not in visible:
        raise DomainError(
            "invalid_merge", gettext("Idea %(into)s is hidden or merged already.", into=into)
        )
    others: list[Idea] = []
    for idea_id in dict.fromkeys(idea_ids):
        if idea_id == into:
            continue
        idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
        if idea.stage_id != stage.id:
            raise DomainError(
                "invalid_merge", gettext("Only ideas of the same stage can be merged.")
            )
        if idea_id not in visible:
            raise DomainError(
                "invalid_merge",
                gettext("Idea %(idea_id)s is hidden or merged already.", idea_id=idea_id),
            )
        others.append(idea)
    if not others:
        raise DomainError("invalid_merge", gettext("Name at least one idea to merge into another."))
    if any(idea.category != keep.category for idea in others):
        # The merged ideas would leave their category (a threat merged into an opportunity
        # is no longer a threat): one category at a time.
        raise DomainError(
            "invalid_merge",
            gettext("These ideas are in different categories; move them into one category first."),
        )
    themes = {row.into for row in _live_groups(db, stage)}
    if into in themes or any(idea.id in themes for idea in others):
        raise DomainError(
            "invalid_merge",
            gettext(
                "The room is voting on this theme as one item; move back to change the themes."
            ),
        )
    _merge(db, stage, keep, others, group=False)
    if workshop.focus_idea_id in {idea.id for idea in others}:
        # An idea merged away leaves the focus (undoing the merge does not bring it back).
        workshop.focus_idea_id = None
        db.add(workshop)
    db.commit()
    return keep, [idea.id for idea in others if idea.id is not None]


def _undo(db: Session, stage: Stage, row: IdeaMerge, *, force: bool) -> None:
    """Put back what the merge moved (see `merging.restore_entry`): a participant who has
    changed what they gave the merged ideas since keeps it, and so does one whose entry would
    no longer fit the budget. `force` (dissolving a vote on themes, where the theme item
    itself goes) puts back every entry as it was."""
    assert stage.id is not None
    touched = {str(i) for i in row.idea_ids} | {str(row.into)}
    settings = dict(_scoring_steps(stage))
    for kind, change in row.entries.items():
        activity = registry.get(kind)
        current = activity.entries(db, [stage.id]).get(stage.id, {})
        restore: dict[int, Any] = {}
        for key, after in change.get("after", {}).items():
            participant_id = int(key)
            before = change["before"].get(key)
            if force:
                restore[participant_id] = before
                continue
            back = merging.restore_entry(current.get(participant_id), before, after, touched)
            if back is not None and activity.fits(back, settings.get(kind, {})):
                restore[participant_id] = back
        if restore:
            activity.write_entries(db, stage, restore)
    for idea in db.exec(select(Idea).where(col(Idea.merged_into) == row.into)):
        if idea.id in row.idea_ids:
            idea.merged_into = None
            db.add(idea)
    row.undone = True
    db.add(row)


def unmerge_idea(db: Session, *, workshop: Workshop, idea_id: int) -> IdeaMerge:
    """Undo the latest merge into `idea_id` (or the merge that absorbed it)."""
    require_active(workshop)
    idea = get_idea(db, workshop_id=workshop.id, idea_id=idea_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    check_open(stage, "unmerged")
    rows = db.exec(
        select(IdeaMerge)
        .where(
            IdeaMerge.stage_id == stage.id,
            col(IdeaMerge.undone).is_(False),
            col(IdeaMerge.group).is_(False),
        )
        .order_by(col(IdeaMerge.id).desc())
    ).all()
    row = next((r for r in rows if r.into == idea_id or idea_id in r.idea_ids), None)
    if row is None:
        raise DomainError(
            "not_merged", gettext("Idea %(idea_id)s has nothing merged into it.", idea_id=idea_id)
        )
    keep = get_idea(db, workshop_id=workshop.id, idea_id=row.into)
    if keep.merged_into is not None:
        raise DomainError(
            "invalid_merge",
            gettext(
                "Idea %(into)s was merged into idea %(merged_into)s since; undo that first.",
                into=row.into,
                merged_into=keep.merged_into,
            ),
        )
    _undo(db, stage, row, force=False)
    db.commit()
    return row


# --------------------------------------------------------------------------- themes


def set_groups(
    db: Session, *, workshop: Workshop, stage_id: int, groups: Sequence[GroupPayload]
) -> Stage:
    """Replace a stage's themes. Each idea is in at most one; an empty list clears them."""
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    check_open(stage, "grouped")
    if _live_groups(db, stage):
        raise DomainError(
            "wrong_phase", gettext("The room is voting on these themes; move back to change them.")
        )
    visible = set(visible_idea_ids(db, stage_id))
    seen: set[int] = set()
    stored: list[dict[str, Any]] = []
    for group in groups:
        title = squash_spaces(group.title)
        if not title:
            raise DomainError("text_empty", gettext("Give every theme a title."))
        if len(title) > GROUP_TITLE_MAX:
            raise DomainError(
                "text_too_long",
                gettext(
                    "A theme's title can be at most %(max)s characters.",
                    max=GROUP_TITLE_MAX,
                ),
            )
        for idea_id in group.idea_ids:
            if idea_id not in visible:
                raise DomainError(
                    "idea_not_found",
                    gettext(
                        "Idea %(idea_id)s is not a visible idea of this stage.", idea_id=idea_id
                    ),
                )
            if idea_id in seen:
                raise DomainError(
                    "invalid_group", gettext("Idea %(idea_id)s is in two themes.", idea_id=idea_id)
                )
            seen.add(idea_id)
        stored.append({"title": title, "idea_ids": list(dict.fromkeys(group.idea_ids))})
    if stored != stage.groups:
        stage.groups = stored
        db.add(stage)
        db.commit()
    return stage


def _live_groups(db: Session, stage: Stage) -> list[IdeaMerge]:
    return list(
        db.exec(
            select(IdeaMerge).where(
                IdeaMerge.stage_id == stage.id,
                col(IdeaMerge.group).is_(True),
                col(IdeaMerge.undone).is_(False),
            )
        )
    )


def materialise_groups(db: Session, stage: Stage) -> None:
    """Each theme with ideas becomes one item (the facilitator's, titled like the theme) with
    its ideas merged into it. Called on entering a step that votes on themes."""
    assert stage.id is not None
    if _live_groups(db, stage):
        return
    visible = set(visible_idea_ids(db, stage.id))
    for group in stage.groups:
        members = [i for i in group.get("idea_ids", []) if i in visible]
        if not members:
            continue
        absorbed = [db.get(Idea, i) for i in members]
        filed = [idea.category for idea in absorbed if idea is not None]
        item = Idea(
            workshop_id=stage.workshop_id,
            stage_id=stage.id,
            participant_id=None,
            text=rules.clean_idea_text(str(group["title"])),
            # A theme is filed under its first idea's category (the console can move it).
            category=filed[0] if filed else None,
        )
        db.add(item)
        db.flush()
        _merge(db, stage, item, [i for i in absorbed if i is not None], group=True)
    db.flush()


def dissolve_groups(db: Session, stage: Stage) -> None:
    """Undo a vote on themes: the ideas stand on their own again and the theme items go."""
    assert stage.id is not None
    for row in sorted(_live_groups(db, stage), key=lambda r: r.id or 0, reverse=True):
        _undo(db, stage, row, force=True)
        for kind, _settings in _scoring_steps(stage):
            # What was given to the theme item itself since goes with it.
            activity = registry.get(kind)
            current = activity.entries(db, [stage.id]).get(stage.id, {})
            stale = {
                pid: _without(entry, row.into)
                for pid, entry in current.items()
                if _mentions(entry, row.into)
            }
            if stale:
                activity.write_entries(db, stage, stale)
        db.flush()
        db.execute(delete(IdeaMerge).where(col(IdeaMerge.id) == row.id))
        item = db.get(Idea, row.into)
        if item is not None:
            db.delete(item)
    db.flush()


def _mentions(entry: Any, idea_id: int) -> bool:
    if isinstance(entry, dict):
        return str(idea_id) in entry
    if isinstance(entry, list):
        return idea_id in entry
    return False


def _without(entry: Any, idea_id: int) -> Any:
    if isinstance(entry, dict):
        return {k: v for k, v in entry.items() if k != str(idea_id)}
    if isinstance(entry, list):
        return [i for i in entry if i != idea_id]
    return entry


# --------------------------------------------------------------------------- events


def on_merge(db: Session, workshop: Workshop, payload: IdeaMergePayload) -> Outcome:
    keep, merged = merge_ideas(db, workshop=workshop, idea_ids=payload.idea_ids, into=payload.into)
    shown: dict[str, Any] = {"id": keep.id, "stage_id": keep.stage_id, "merged": merged}
    if keep.category is not None:
        # The idea kept keeps its category; the merged ones go with it.
        shown["category"] = keep.category
    return Outcome(ack={"idea": shown}, publish=(StateChanged(),))


def on_unmerge(db: Session, workshop: Workshop, payload: IdeaUnmergePayload) -> Outcome:
    row = unmerge_idea(db, workshop=workshop, idea_id=payload.idea_id)
    return Outcome(
        ack={"idea": {"id": row.into, "stage_id": row.stage_id, "unmerged": list(row.idea_ids)}},
        publish=(StateChanged(),),
    )


def on_group_set(db: Session, workshop: Workshop, payload: GroupSetPayload) -> Outcome:
    stage = set_groups(db, workshop=workshop, stage_id=payload.stage_id, groups=payload.groups)
    return Outcome(ack={"groups": list(stage.groups)}, publish=(StateChanged(),))
