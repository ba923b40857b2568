"""Small helpers the activity modules share: the current step of a stage, id-keyed payloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from ..core import steps
from ..core.errors import DomainError
from ..i18n import gettext
from ..persistence.models import Stage
from ..persistence.queries import get_stage, get_workshop, require_active, visible_idea_ids
from . import registry
from .base import DECIDES

__all__ = [
    "categories",
    "category_label",
    "current_kind",
    "first_with",
    "has_reached",
    "id_keys",
    "item_ids",
    "me_entries",
    "open_step",
    "select_count",
    "select_per_category",
    "step_index_of",
    "step_settings",
    "trait_settings",
    "trait_step",
    "visible_idea_ids",
]


def kinds(stage: Stage) -> list[str]:
    """The kinds of a stage's steps, in agenda order."""
    return [str(step["kind"]) for step in stage.steps]


def current_kind(stage: Stage) -> str:
    """The stage's phase: the kind of its current step, or "pending"."""
    return steps.phase_of(kinds(stage), stage.step_index)


def step_settings(stage: Stage, kind: str) -> dict[str, Any] | None:
    """The settings of the stage's current step if it is of `kind`, else of its first step of
    that kind, else None (the stage has no such step)."""
    if current_kind(stage) == kind:
        return dict(stage.steps[stage.step_index].get("settings", {}))
    for step in stage.steps:
        if step["kind"] == kind:
            return dict(step.get("settings", {}))
    return None


def categories(stage: Stage) -> list[dict[str, Any]]:
    """The stage's categories (`{"key", "label", "hint"}`, in order): those of its first step
    whose settings name any (a categorised brainstorm), else [] (a plain stage). Every step of
    the stage reads them from there: the budgets per category, the selection per category."""
    for step in stage.steps:
        listed = step.get("settings", {}).get("categories")
        if listed:
            return [dict(category) for category in listed]
    return []


def category_label(stage: Stage, key: str | None) -> str:
    """A category's label on the stage, for messages ("Threats"); its key when the stage no
    longer lists it; "no category" for None."""
    if key is None:
        return "no category"
    return next((str(c["label"]) for c in categories(stage) if c["key"] == key), key)


def item_ids(db: Session, stage: Stage) -> list[int]:
    """The items of a stage later steps work on: its selected items once it is decided,
    otherwise its visible ideas."""
    assert stage.id is not None
    if stage.decided:
        return list(stage.selected)
    return visible_idea_ids(db, stage.id)


def first_with(stage: Stage, trait: str) -> int | None:
    """The index of the stage's first step whose kind has `trait`, or None."""
    return next(
        (i for i, step in enumerate(stage.steps) if registry.has(str(step["kind"]), trait)), None
    )


def has_reached(stage: Stage, trait: str) -> bool:
    """Whether the stage is at or past its first step whose kind has `trait`."""
    first = first_with(stage, trait)
    return first is not None and stage.step_index >= first


def trait_step(stage: Stage, trait: str) -> tuple[str, dict[str, Any]] | None:
    """The kind and settings of the stage's current step if its kind has `trait`, else of its
    first step with it, else None."""
    index = stage.step_index if registry.has(current_kind(stage), trait) else None
    if index is None:
        index = first_with(stage, trait)
    if index is None:
        return None
    step = stage.steps[index]
    return str(step["kind"]), dict(step.get("settings", {}))


def trait_settings(stage: Stage, trait: str) -> dict[str, Any] | None:
    """The settings of the stage's current step if its kind has `trait`, else of its first
    step with it, else None."""
    found = trait_step(stage, trait)
    return None if found is None else found[1]


def select_count(stage: Stage) -> int | None:
    """How many items the stage's deciding step selects (0: every item, or no single cut when
    it selects per category: see `select_per_category`); None without one."""
    found = trait_step(stage, DECIDES)
    if found is None:
        return None
    if select_per_category(stage) > 0:
        return 0
    return registry.get(found[0]).picks(found[1])


def select_per_category(stage: Stage) -> int:
    """How many items of each category the stage's deciding step selects (its
    `select_per_category`); 0 when it selects by `select_count` (the setting is off, or the
    stage has no categories)."""
    found = trait_step(stage, DECIDES)
    if found is None or not categories(stage):
        return 0
    return int(found[1].get("select_per_category", 0) or 0)


def me_entries(
    data: Any,
    kind: str,
    key: str,
    only: int | None,
    shape: Callable[[Any], Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """A scoring activity's part of `me` from the entries it loaded: participant id ->
    {key: {"<stage id>": {"<idea id>": value}}}, visible ideas only, `shape` applied to each
    value."""
    out: dict[int, dict[str, Any]] = {}
    for sid, by_participant in data.parts[kind]["entries"].items():
        visible = {str(i) for i in data.visible_ids(sid)}
        for pid, entry in by_participant.items():
            if only is not None and pid != only:
                continue
            kept = {k: (shape(v) if shape else v) for k, v in entry.items() if k in visible}
            if kept:
                out.setdefault(pid, {key: {}})[key][str(sid)] = kept
    return out


def step_index_of(stage: Stage, kind: str) -> int:
    """The index of the stage's current step if it is of `kind`, else of its first such step."""
    if current_kind(stage) == kind:
        return stage.step_index
    return next(i for i, step in enumerate(stage.steps) if step["kind"] == kind)


def open_step(
    db: Session, workshop_id: str, stage_id: int, kind: str
) -> tuple[Stage, dict[str, Any]]:
    """The stage, if the workshop is active and the stage is in a `kind` step; its settings."""
    workshop = get_workshop(db, workshop_id)
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    actual = current_kind(stage)
    if actual != kind:
        raise DomainError(
            "wrong_phase",
            gettext(
                "This stage is in its %(actual)s phase; that needs %(kind)s.",
                actual=repr(actual),
                kind=repr(kind),
            ),
        )
    return stage, dict(stage.steps[stage.step_index].get("settings", {}))


def id_keys(values: Mapping[str, Any], where: str) -> dict[int, Any]:
    """An object keyed by ids written as text (JSON keys are text) keyed by int instead."""
    out: dict[int, Any] = {}
    for key, value in values.items():
        if not (key.isascii() and key.isdigit()) or len(key) > 18:
            raise DomainError(
                "invalid_payload",
                gettext("%(where)s: %(key)s is not an id.", where=where, key=repr(key)),
            )
        out[int(key)] = value
    return out
