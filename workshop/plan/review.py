"""A facilitator's review of a finished plan, as a pure step from one version to the next.

The review corrects the wording of selected items and fills in their fields (owners, dates,
metrics, outcomes, deliverables, approach), with the same rules as the `define` step. The
wording as voted (`PlanItem.text`) never changes, so the appendix keeps it; the correction
goes into `fields["text"]`. Gaps are found again, since an owner or a date may close one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from ..core import levels
from ..core.errors import DomainError
from ..core.rules import IDEA_MAX_LENGTH
from .document import REVIEW_CADENCES, PlanDocument, StageOutcome, VersionEntry, with_gaps

NAME_MAX = 80
NOTE_MAX = 400
MAX_ITEMS = 500


class Unset:
    """The facilitator's name was not sent (keep it), as opposed to None (clear it)."""


UNSET: Final = Unset()


def _short(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError("invalid_payload", f"{field} must be text.")
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise DomainError("invalid_payload", f"{field} can be at most {limit} characters.")
    return cleaned or None


def apply_review(
    plan: PlanDocument,
    *,
    items: Sequence[Mapping[str, Any]],
    facilitator: str | Unset | None = UNSET,
    note: str | None = None,
    review_cadence: str | None = None,
    published_at: datetime | None = None,
) -> PlanDocument:
    """The next version: `items` are `{"id": <selected item>, "fields": {...}}`; a field set
    to None (or an empty list) is cleared. Raises `no_changes` when nothing would change."""
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise DomainError("invalid_payload", f"items must be a list of at most {MAX_ITEMS}.")
    where: dict[int, StageOutcome] = {
        item.id: stage for stage in plan.stages for item in stage.selected
    }
    updates: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping) or set(raw) - {"id", "fields"}:
            raise DomainError("invalid_payload", f'items[{index}] must be {{"id", "fields"}}.')
        idea_id, fields = raw.get("id"), raw.get("fields")
        if not isinstance(idea_id, int) or isinstance(idea_id, bool):
            raise DomainError("invalid_payload", f"items[{index}].id must be a number.")
        if idea_id not in where:
            raise DomainError(
                "item_not_found", f"Item {idea_id} is not a selected item of this plan."
            )
        if idea_id in updates:
            raise DomainError("invalid_payload", f"Item {idea_id} is listed twice.")
        if not isinstance(fields, Mapping):
            raise DomainError("invalid_payload", f"items[{index}].fields must be an object.")
        updates[idea_id] = levels.check_fields(
            where[idea_id].key, fields, text_limit=IDEA_MAX_LENGTH
        )
    stages = []
    for stage in plan.stages:
        revised = []
        for item in stage.items:
            cleaned = updates.get(item.id)
            if cleaned is None or not item.selected:
                revised.append(item)
                continue
            merged = levels.merge_fields(item.fields, cleaned)
            if merged.get("text") == item.text:
                merged.pop("text")  # back to the wording as voted
            revised.append(replace(item, fields=merged))
        stages.append(replace(stage, items=tuple(revised)))
    name = (
        plan.facilitator
        if isinstance(facilitator, Unset)
        else _short(facilitator, "facilitator", NAME_MAX)
    )
    cadence = plan.review_cadence if review_cadence is None else review_cadence
    if cadence not in REVIEW_CADENCES:
        raise DomainError(
            "invalid_payload", f"review_cadence is one of {', '.join(REVIEW_CADENCES)}."
        )
    next_plan = with_gaps(
        replace(plan, stages=tuple(stages), facilitator=name, review_cadence=cadence)
    )
    if next_plan == plan:
        raise DomainError("no_changes", "Nothing in the plan would change: no version published.")
    moment = (published_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    version = plan.version + 1
    cleaned_note = _short(note, "note", NOTE_MAX)
    history = plan.history or (VersionEntry(plan.version, plan.published_at, plan.note),)
    return replace(
        next_plan,
        version=version,
        draft=False,
        note=cleaned_note,
        published_at=moment.isoformat(),
        history=(*history, VersionEntry(version, moment.isoformat(), cleaned_note)),
    )
