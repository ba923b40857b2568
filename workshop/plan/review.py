"""A facilitator's review of a finished plan, as a pure step from one version to the next.

The review corrects the wording of selected items and fills in their fields (owners, dates,
metrics, outcomes, deliverables, approach, budgets), with the same rules as the `define`
step; changes what an item serves, with the same rules as the `link` step, and which projects
mitigate a risk (`mitigated_by`, as `link:confirm` checks it); and drops an item
from the plan or restores one dropped earlier. The wording as voted (`PlanItem.text`) never
changes, so the appendix keeps it; the correction goes into `fields["text"]`. Gaps are found
again, since an owner, a date, a link or a drop may close one (or open one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from ..core import levels
from ..core.errors import DomainError
from ..core.rules import IDEA_MAX_LENGTH
from ..i18n import gettext
from .document import (
    GAP_LABELS,
    RELATION_LABELS,
    REVIEW_CADENCES,
    PlanDocument,
    PlanItem,
    StageOutcome,
    VersionEntry,
    with_gaps,
)

NAME_MAX = 80
NOTE_MAX = 400
MAX_ITEMS = 500
CHANGE_KEYS = frozenset({"fields", "links", "mitigated_by", "dropped"})
ITEM_KEYS = CHANGE_KEYS | {"id"}


class Unset:
    """The facilitator's name was not sent (keep it), as opposed to None (clear it)."""


UNSET: Final = Unset()


def _short(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError("invalid_payload", gettext("%(field)s must be text.", field=field))
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise DomainError(
            "invalid_payload",
            gettext("%(field)s can be at most %(limit)s characters.", field=field, limit=limit),
        )
    return cleaned or None


def _named(where: str, error: DomainError) -> DomainError:
    """The same refusal, its message prefixed by the field it is about ("items[2].links[0]:
    item 99 is not a selected item of this workshop.")."""
    message = error.message[:1].lower() + error.message[1:]
    return DomainError(error.code, f"{where}: {message}")


@dataclass
class _Change:
    """One review item, checked: the cleaned fields, the new parents, the new dropped."""

    fields: dict[str, Any] | None = None
    links: list[Any] | None = None
    mitigated_by: list[Any] | None = None
    dropped: bool | None = None


def _read_items(
    items: Any, selected: Mapping[int, tuple[int, StageOutcome]]
) -> dict[int, tuple[int, _Change]]:
    """The review's items by id with their index, shapes and fields checked (links are
    checked once every drop is known)."""
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise DomainError(
            "invalid_payload",
            gettext("items must be a list of at most %(limit)s.", limit=MAX_ITEMS),
        )
    changes: dict[int, tuple[int, _Change]] = {}
    for index, raw in enumerate(items):
        at = f"items[{index}]"
        if not isinstance(raw, Mapping):
            raise DomainError("invalid_payload", gettext("%(field)s must be an object.", field=at))
        unknown = sorted(str(key) for key in set(raw) - ITEM_KEYS)
        if unknown:
            raise DomainError(
                "invalid_payload",
                gettext(
                    "%(field)s: unknown key; an item has id, fields, links, mitigated_by and "
                    "dropped.",
                    field=f"{at}.{unknown[0]}",
                ),
            )
        if not set(raw) & CHANGE_KEYS:
            raise DomainError(
                "invalid_payload",
                gettext(
                    "%(field)s: send fields, links, mitigated_by or dropped with the id.", field=at
                ),
            )
        idea_id = raw.get("id")
        if not isinstance(idea_id, int) or isinstance(idea_id, bool):
            raise DomainError(
                "invalid_payload", gettext("%(field)s must be a number.", field=f"{at}.id")
            )
        if idea_id not in selected:
            raise DomainError(
                "item_not_found",
                gettext(
                    "%(field)s: item %(id)s is not a selected item of this plan.",
                    field=f"{at}.id",
                    id=idea_id,
                ),
            )
        if idea_id in changes:
            raise DomainError(
                "invalid_payload",
                gettext("%(field)s: item %(id)s is listed twice.", field=f"{at}.id", id=idea_id),
            )
        change = _Change()
        stage = selected[idea_id][1]
        if "fields" in raw:
            fields = raw["fields"]
            if not isinstance(fields, Mapping):
                raise DomainError(
                    "invalid_payload", gettext("%(field)s must be an object.", field=f"{at}.fields")
                )
            try:
                change.fields = levels.check_fields(stage.key, fields, text_limit=IDEA_MAX_LENGTH)
            except DomainError as refused:
                raise _named(f"{at}.fields", refused) from None
        if "links" in raw:
            links = raw["links"]
            if not isinstance(links, list) or len(links) > levels.MAX_LIST_ITEMS:
                raise DomainError(
                    "invalid_payload",
                    gettext(
                        "%(field)s must be a list of at most %(limit)s item ids.",
                        field=f"{at}.links",
                        limit=levels.MAX_LIST_ITEMS,
                    ),
                )
            change.links = links
        if "mitigated_by" in raw:
            mitigations = raw["mitigated_by"]
            if not isinstance(mitigations, list) or len(mitigations) > levels.MAX_LIST_ITEMS:
                raise DomainError(
                    "invalid_payload",
                    gettext(
                        "%(field)s must be a list of at most %(limit)s project ids.",
                        field=f"{at}.mitigated_by",
                        limit=levels.MAX_LIST_ITEMS,
                    ),
                )
            change.mitigated_by = mitigations
        if "dropped" in raw:
            dropped = raw["dropped"]
            if not isinstance(dropped, bool):
                raise DomainError(
                    "invalid_payload",
                    gettext("%(field)s must be true or false.", field=f"{at}.dropped"),
                )
            change.dropped = dropped
        changes[idea_id] = (index, change)
    return changes


def _check_links(
    plan: PlanDocument,
    changes: Mapping[int, tuple[int, _Change]],
    selected: Mapping[int, tuple[int, StageOutcome]],
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    """Each new list of parents and of mitigating projects, validated as `link:confirm`
    validates them (`levels.check_parents`, `levels.check_mitigations`): the candidates are
    the items in the plan once this review's drops and restores are applied."""

    def in_plan(item: PlanItem) -> bool:
        change = changes.get(item.id)
        if change is not None and change[1].dropped is not None:
            return item.selected and not change[1].dropped
        return item.in_plan

    candidates = {
        item.id: levels.ParentItem(item.id, stage.key, position)
        for position, stage in enumerate(plan.stages)
        for item in stage.items
        if in_plan(item)
    }
    dropped = {
        item.id
        for stage in plan.stages
        for item in stage.items
        if item.selected and item.id not in candidates
    }
    out: dict[int, tuple[int, ...]] = {}
    mitigations: dict[int, tuple[int, ...]] = {}
    for idea_id, (index, change) in changes.items():
        position, stage = selected[idea_id]
        for key, given, check, found in (
            ("links", change.links, levels.check_parents, out),
            ("mitigated_by", change.mitigated_by, levels.check_mitigations, mitigations),
        ):
            if given is None:
                continue
            at = f"items[{index}].{key}"
            links_allowed = (
                levels.can_link(stage.key)
                if key == "links"
                else stage.key in levels.MITIGATING_LEVELS
            )
            if not links_allowed:
                # The item's level links to nothing of this kind: say so first.
                try:
                    check(stage.key, position, [], candidates)
                except DomainError as refused:
                    raise _named(at, refused) from None
            for number, link in enumerate(given):
                if not isinstance(link, int) or isinstance(link, bool):
                    raise DomainError(
                        "invalid_links",
                        gettext("%(field)s must be an item id.", field=f"{at}[{number}]"),
                    )
                if link in dropped:
                    raise DomainError(
                        "parent_not_found",
                        gettext(
                            "%(field)s: item %(id)s is dropped from the plan; restore it first "
                            "to link to it.",
                            field=f"{at}[{number}]",
                            id=link,
                        ),
                    )
                try:
                    check(stage.key, position, [link], candidates)
                except DomainError as refused:
                    raise _named(f"{at}[{number}]", refused) from None
            try:
                found[idea_id] = tuple(check(stage.key, position, given, candidates))
            except DomainError as refused:
                raise _named(at, refused) from None
    return out, mitigations


def apply_review(
    plan: PlanDocument,
    *,
    items: Sequence[Mapping[str, Any]],
    facilitator: str | Unset | None = UNSET,
    note: str | None = None,
    review_cadence: str | None = None,
    published_at: datetime | None = None,
) -> PlanDocument:
    """The next version. Each of `items` is `{"id": <selected item>, "fields": {...},
    "links": [...], "mitigated_by": [...], "dropped": true|false}` with at least one of the
    last four: a field set to None (or an empty list) is cleared; `links` is the item's whole
    new list of parents (checked like `link:confirm`, among the items in the plan of earlier
    stages); `mitigated_by` a risk's whole new list of mitigating projects (`[]` clears it);
    `dropped`
    removes a selected item from the plan (the appendix keeps it) or restores it. Every
    refusal names the field it is about; `no_changes` when nothing would change."""
    selected: dict[int, tuple[int, StageOutcome]] = {
        item.id: (position, stage)
        for position, stage in enumerate(plan.stages)
        for item in stage.items
        if item.selected
    }
    changes = _read_items(items, selected)
    new_links, new_mitigations = _check_links(plan, changes, selected)
    stages = []
    for stage in plan.stages:
        revised = []
        for item in stage.items:
            found = changes.get(item.id)
            if found is None or not item.selected:
                revised.append(item)
                continue
            change = found[1]
            if change.fields is not None:
                merged = levels.merge_fields(item.fields, change.fields)
                if merged.get("text") == item.text:
                    merged.pop("text")  # back to the wording as voted
                item = replace(item, fields=merged)
            if item.id in new_links:
                item = replace(item, links=new_links[item.id])
            if item.id in new_mitigations:
                item = replace(item, mitigated_by=new_mitigations[item.id])
            if change.dropped is not None:
                item = replace(item, dropped=change.dropped)
            revised.append(item)
        stages.append(replace(stage, items=tuple(revised)))
    name = (
        plan.facilitator
        if isinstance(facilitator, Unset)
        else _short(facilitator, "facilitator", NAME_MAX)
    )
    cadence = plan.review_cadence if review_cadence is None else review_cadence
    if cadence not in REVIEW_CADENCES:
        raise DomainError(
            "invalid_payload",
            gettext("review_cadence is one of %(cadences)s.", cadences=", ".join(REVIEW_CADENCES)),
        )
    next_plan = with_gaps(
        replace(plan, stages=tuple(stages), facilitator=name, review_cadence=cadence)
    )
    if next_plan == plan:
        raise DomainError(
            "no_changes", gettext("Nothing in the plan would change: no version published.")
        )
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


def review_rules() -> dict[str, Any]:
    """What the review page needs of the plan's rules, so its script keeps no copy: which
    levels each level links to and is mitigated by (`levels.PARENT_LEVELS`,
    `MITIGATING_LEVELS`), what each link means (`levels.relation`, per level and parent level:
    the relation of any category, and those of the categories that differ from it), and the
    words of the relations and the gaps (`RELATION_LABELS`, `GAP_LABELS`) in the language in
    force (the reader's)."""
    categories = sorted(levels.BUILDS_ON_CATEGORIES | levels.ANSWERED_CATEGORIES)
    relations: dict[str, dict[str, Any]] = {}
    for level, parents in levels.PARENT_LEVELS.items():
        relations[level] = {}
        for parent in parents:
            default = levels.relation(level, parent)
            differ = {c: levels.relation(level, parent, c) for c in categories}
            relations[level][parent] = {
                "default": default,
                "by_category": {c: r for c, r in differ.items() if r != default},
            }
    return {
        "parent_levels": {k: list(v) for k, v in levels.PARENT_LEVELS.items()},
        "mitigating_levels": {k: list(v) for k, v in levels.MITIGATING_LEVELS.items()},
        "relations": relations,
        "relation_labels": {k: gettext(v) for k, v in RELATION_LABELS.items()},
        "gap_labels": {k: gettext(v) for k, v in GAP_LABELS.items()},
    }
