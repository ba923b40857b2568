"""Start a workshop from an earlier one: the same agenda and settings, and the selected items
of the stages named in `carry_over` as preloaded items marked with where they came from.

A carried item is an ordinary preloaded item (`participant_id` None, as the facilitator adds
them with `idea:submit`), so the room keeps, rewords or replaces it like any other; only its
`origin` says where it came from ("from <title>, <date>" on every screen).

Once the source's plan has been reviewed, the plan is what the organisation adopted: a carried
item has the wording, fields and links of the latest published version, and an item dropped in
a review is not carried.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import activities, i18n
from ..core.errors import DomainError
from ..core.security import hash_secret, new_join_code, new_secret, new_workshop_id
from ..persistence.models import Idea, Stage, Workshop
from ..persistence.queries import list_stages
from ..plan.document import PlanItem
from . import agenda as agenda_service
from . import plans, workshops

YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
"""A year in a title: four digits, 19xx or 20xx, not part of a longer number."""


def next_title(title: str) -> str:
    """Next year's title: the last year in `title` plus one ("Strategy day 2026" → "Strategy
    day 2027"); a title without a year stays as it is."""
    found = list(YEAR.finditer(title))
    if not found:
        return title
    last = found[-1]
    return f"{title[: last.start()]}{int(last.group()) + 1}{title[last.end() :]}"


def origin_of(source: Workshop, idea: Idea) -> dict[str, Any]:
    """Where a carried item came from: the workshop (id and title), its date (the day it
    finished, else the day it was created) and the item's id there."""
    when = source.finished_at or source.created_at
    return {
        "workshop_id": source.id,
        "title": source.title,
        "date": when.date().isoformat(),
        "idea_id": idea.id,
    }


@dataclass(frozen=True)
class Carried:
    """One item to carry: the source's idea and what the new item gets from it."""

    idea: Idea
    text: str
    fields: dict[str, Any]
    links: tuple[int, ...]
    mitigated_by: tuple[int, ...] = ()
    """A risk's mitigating projects, as the ids of the source's ideas (kept when carried too)."""


def carried_text(idea: Idea) -> str:
    """The wording as last corrected: the `text` field when the room corrected it."""
    corrected = idea.fields.get("text")
    return corrected if isinstance(corrected, str) and corrected.strip() else idea.text


def reviewed_stages(db: Session, source: Workshop) -> Mapping[str, list[PlanItem]]:
    """The selected items of each stage (by key, best first) in the source's latest plan
    version ({} before the finish): what a review corrected, linked or dropped."""
    row = plans.latest_version(db, source.id)
    if row is None:
        return {}
    document = plans.document_of(db, workshop=source, row=row)
    return {stage.key: [item for item in stage.items if item.selected] for stage in document.stages}


def _paired(ideas: Sequence[Idea], items: Sequence[PlanItem]) -> dict[int, PlanItem]:
    """Each selected idea's item in the plan (idea id -> item), found by the wording as voted,
    in order (both are best first). Not by id: a stored plan keeps the ids of the server it
    was made on, and a workshop imported from another server has new ones."""
    free = list(items)
    paired: dict[int, PlanItem] = {}
    for idea in ideas:
        match = next((n for n, item in enumerate(free) if item.text == idea.text), None)
        if match is not None and idea.id is not None:
            paired[idea.id] = free.pop(match)
    return paired


def _carried(idea: Idea, item: PlanItem | None, plan_ids: Mapping[int, int]) -> Carried | None:
    """What one selected idea carries: as the latest plan has it when there is one (None
    when a review dropped it; its links, plan ids, as the ids of the source's ideas), else
    as the workshop left it."""
    if item is None:
        fields = {name: copy.deepcopy(value) for name, value in idea.fields.items()}
        fields.pop("text", None)  # the corrected wording is the carried item's text
        return Carried(
            idea, carried_text(idea), fields, tuple(idea.links), tuple(idea.mitigated_by)
        )
    if item.dropped:
        return None
    fields = {name: copy.deepcopy(value) for name, value in item.fields.items()}
    fields.pop("text", None)
    links = tuple(plan_ids[parent] for parent in item.links if parent in plan_ids)
    mitigated_by = tuple(plan_ids[other] for other in item.mitigated_by if other in plan_ids)
    return Carried(idea, item.wording, fields, links, mitigated_by)


def selected_items(db: Session, stage: Stage) -> list[Idea]:
    """A decided stage's selected items as the screens show them, best first (hidden or
    deleted ones left out); none when the stage is not decided."""
    if not stage.decided or not stage.selected:
        return []
    query = select(Idea).where(
        col(Idea.id).in_(stage.selected),
        Idea.stage_id == stage.id,
        col(Idea.hidden).is_(False),
        col(Idea.deleted_at).is_(None),
    )
    found = {idea.id: idea for idea in db.exec(query)}
    return [found[idea_id] for idea_id in stage.selected if idea_id in found]


def _refused(message: str) -> DomainError:
    return DomainError("invalid_carry_over", message)


def check_carry_over(
    db: Session,
    stages: Sequence[Stage],
    carry_over: Sequence[str],
    reviewed: Mapping[str, list[PlanItem]] | None = None,
) -> dict[str, list[Carried]]:
    """The items to carry, by stage key, in the order asked; a key that is not one of the
    stages', a key named twice or a stage with no selected item (or only items a review
    dropped) is refused (`invalid_carry_over`, naming the key)."""
    by_key = {stage.key: stage for stage in stages}
    chosen: dict[str, list[Idea]] = {}
    for key in carry_over:
        if key in chosen:
            raise _refused(i18n.gettext("carry_over names “%(key)s” twice.", key=key))
        stage = by_key.get(key)
        if stage is None:
            known = ", ".join(stage.key for stage in stages)
            raise _refused(
                i18n.gettext(
                    "This workshop has no stage “%(key)s” (its stages: %(known)s).",
                    key=key,
                    known=known,
                )
            )
        chosen[key] = selected_items(db, stage)
    # The plan's items of the carried stages, and their plan ids as the source's idea ids.
    pairs = {key: _paired(ideas, (reviewed or {}).get(key, [])) for key, ideas in chosen.items()}
    plan_ids = {item.id: idea_id for paired in pairs.values() for idea_id, item in paired.items()}
    carried: dict[str, list[Carried]] = {}
    for key, ideas in chosen.items():
        items = [
            found
            for idea in ideas
            if idea.id is not None
            and (found := _carried(idea, pairs[key].get(idea.id), plan_ids)) is not None
        ]
        if not items:
            stage = by_key[key]
            raise _refused(
                i18n.gettext(
                    "“%(key)s” (%(title)s) has no selected item to carry over.",
                    key=key,
                    title=stage.title,
                )
            )
        carried[key] = items
    return carried


def duplicate_workshop(
    db: Session, source: Workshop, *, title: str | None, carry_over: list[str]
) -> tuple[Workshop, str]:
    """The new workshop and its facilitator key (committed).

    It has the source's current agenda (every stage with its steps and settings, checked
    against today's activities as a new workshop's are) and settings (organisation,
    facilitator name, horizon, template, participant cap, review cadence), a new id, join
    code, key and projector token, and opens in its lobby. The selected items of the stages
    in `carry_over` become preloaded items of the same stages, best first, with their fields,
    their category, and the links (and a risk's mitigations) whose other end was carried too.
    Everything is checked before anything is written: a refusal stores nothing.
    """
    chosen = next_title(source.title) if title is None else title
    cleaned = workshops._clean_title(chosen)
    stages = list_stages(db, source.id)
    carried = check_carry_over(db, stages, carry_over, reviewed_stages(db, source))
    drafts = agenda_service.check_agenda(
        {
            "stages": [
                {
                    "key": stage.key,
                    "title": stage.title,
                    "prompt": stage.prompt,
                    # Every setting as the source ran it (one stored before it existed at
                    # its default), so no level default a later release added changes it.
                    "steps": [{"kind": s["kind"], **_as_run(s)} for s in stage.steps],
                }
                for stage in stages
            ]
        }
    )

    key = new_secret()
    workshop = _insert_workshop(db, source, title=cleaned, key=key)
    new_stages: dict[str, Stage] = {}
    for position, draft in enumerate(drafts):
        stage = Stage(
            workshop_id=workshop.id,
            position=position,
            key=draft.key,
            title=draft.title,
            prompt=draft.prompt,
            steps=[copy.deepcopy(dict(step)) for step in draft.steps],
        )
        db.add(stage)
        new_stages[draft.key] = stage
    db.flush()
    workshop.current_stage_id = new_stages[drafts[0].key].id
    db.add(workshop)

    renamed: dict[int, int] = {}  # the source's item id -> the carried item's id
    copies: list[tuple[Carried, Idea]] = []
    for stage_key, items in carried.items():
        target = new_stages[stage_key]
        assert target.id is not None
        for item in items:
            old = item.idea
            new = Idea(
                workshop_id=workshop.id,
                stage_id=target.id,
                participant_id=None,
                text=item.text,
                fields=item.fields,
                origin=origin_of(source, old),
                category=old.category,
            )
            db.add(new)
            # One at a time, so the carried items' ids keep their order (best first).
            db.flush()
            assert old.id is not None and new.id is not None
            renamed[old.id] = new.id
            copies.append((item, new))
    for item, new in copies:
        links = [renamed[parent] for parent in item.links if parent in renamed]
        if links:
            new.links = links
            db.add(new)
        mitigated_by = [renamed[other] for other in item.mitigated_by if other in renamed]
        if mitigated_by:
            new.mitigated_by = mitigated_by
            db.add(new)
    db.commit()
    return workshop, key


def _as_run(step: Mapping[str, Any]) -> dict[str, Any]:
    """A stored step's settings with every setting it lacks at its declared default."""
    activity = activities.REGISTRY.get(str(step["kind"]))
    stored = dict(step.get("settings", {}))
    return activity.stored_settings(stored) if activity is not None else stored


def _insert_workshop(db: Session, source: Workshop, *, title: str, key: str) -> Workshop:
    """The new workshop row with the source's settings; a join code another workshop took
    meanwhile is retried with a new one (as `workshops.create_workshop` does)."""
    for _attempt in range(workshops.CODE_ATTEMPTS):
        workshop = Workshop(
            id=new_workshop_id(),
            code=new_join_code(),
            title=title,
            organization=source.organization,
            facilitator_name=source.facilitator_name,
            horizon_years=source.horizon_years,
            template=source.template,
            facilitator_key_hash=hash_secret(key),
            projector_token=new_secret(),
            max_participants=source.max_participants,
            review_cadence=source.review_cadence,
            language=source.language,
        )
        try:
            with db.begin_nested():
                db.add(workshop)
                db.flush()
        except IntegrityError:
            continue
        return workshop
    raise DomainError(  # pragma: no cover - as unlikely as in create_workshop
        "code_unavailable", i18n.gettext("Could not find a free join code; try again.")
    )
