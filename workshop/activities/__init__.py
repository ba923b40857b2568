"""The activity registry: every kind of step, declared once, and what the app builds from it.

Adding an activity means one module here (its payloads, rules, tables, services and snapshot
slice in one `Activity` subclass), one entry in `REGISTRY`, one JS module under
`static/js/activities/`, and their tests. Event handlers, agenda validation, the snapshot and
the docs test all read this registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from ..core.errors import DomainError
from .allocate import Allocate
from .base import Activity, EventSpec
from .brainstorm import Brainstorm
from .define import Define
from .done import Done
from .link import Link
from .rank import Rank
from .rate import Rate
from .vote import Vote

REGISTRY: dict[str, Activity] = {}
"""Every activity by kind, in the order the agenda editor offers them (by position, then
kind). Always this same dict: registering changes it in place, so every reader sees it."""


def _reorder() -> None:
    ordered = sorted(REGISTRY.values(), key=lambda a: (a.position, a.kind))
    REGISTRY.clear()
    REGISTRY.update((activity.kind, activity) for activity in ordered)


def register(activity: Activity | type[Activity]) -> Activity:
    """Add an activity (an instance, or a subclass to instantiate); a kind registered again
    is replaced. This is all a third-party activity needs."""
    if isinstance(activity, type):
        activity = activity()
    REGISTRY[activity.kind] = activity
    _reorder()
    return activity


def unregister(kind: str) -> None:
    """Remove a kind (for tests that register one of their own)."""
    REGISTRY.pop(kind, None)


for _builtin in (Brainstorm, Vote, Allocate, Rate, Rank, Link, Define, Done):
    register(_builtin)


def get(kind: str) -> Activity:
    """The activity of a kind (the kind was validated when the agenda was saved)."""
    return REGISTRY[kind]


def events() -> list[tuple[Activity, EventSpec]]:
    """Every client event the activities answer, with the activity that owns it."""
    return [(activity, spec) for activity in REGISTRY.values() for spec in activity.events]


def tables_by_stage() -> list[type[SQLModel]]:
    """Every activity table (each has a `stage_id` column)."""
    return [table for activity in REGISTRY.values() for table in activity.tables]


def check_step(level: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one step `{"kind", ...settings}` for a stage of `level`; return it as stored,
    `{"kind", "settings"}` with every setting filled in from its declared default."""
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise DomainError(
            "unknown_activity",
            f"{kind!r} is not an activity; use one of {', '.join(REGISTRY)}.",
        )
    activity = REGISTRY[kind]
    if activity.levels is not None and level not in activity.levels:
        raise DomainError(
            "activity_not_allowed",
            f"A {kind} step runs on {', '.join(activity.levels)} stages, not on {level!r}.",
        )
    given = raw.get("settings")
    if given is None:
        given = {name: value for name, value in raw.items() if name not in ("kind", "settings")}
    if not isinstance(given, Mapping):
        raise DomainError("invalid_setting", f"{kind}: settings must be an object.")
    try:
        settings = activity.settings.model_validate(dict(given))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise DomainError("invalid_setting", f"{kind}.{where}: {first['msg']}") from None
    return {"kind": kind, "settings": settings.model_dump()}


def describe() -> list[dict[str, Any]]:
    """The activities for the agenda editor: kind, label, description, settings and defaults."""
    out = []
    for activity in REGISTRY.values():
        schema = activity.settings.model_json_schema()
        out.append(
            {
                "kind": activity.kind,
                "label": activity.label,
                "description": activity.description,
                "levels": list(activity.levels) if activity.levels is not None else None,
                "settings": {
                    name: {
                        "type": prop.get("type", "integer"),
                        "default": prop.get("default"),
                        "minimum": prop.get("minimum"),
                        "maximum": prop.get("maximum"),
                        "enum": prop.get("enum"),
                    }
                    for name, prop in schema.get("properties", {}).items()
                },
            }
        )
    return out


def client_declarations() -> list[dict[str, Any]]:
    """What the browser needs of each activity, in registry order: the data of `kinds.js`."""
    described = {entry["kind"]: entry for entry in describe()}
    return [
        {
            "kind": activity.kind,
            "label": activity.label,
            "noun": activity.noun,
            "description": activity.description,
            "levels": described[activity.kind]["levels"],
            "settings": described[activity.kind]["settings"],
            "traits": sorted(activity.traits),
            "progress_counts": list(activity.progress_counts),
            "item_figures": list(activity.item_figures),
            "script": f"/static/js/activities/{activity.kind}.js",
        }
        for activity in REGISTRY.values()
    ]


def traits_by_kind() -> dict[str, frozenset[str]]:
    """Each kind's traits, for the pure core's agenda rules (which take them as data)."""
    return {kind: activity.traits for kind, activity in REGISTRY.items()}


__all__ = [
    "REGISTRY",
    "Activity",
    "EventSpec",
    "check_step",
    "client_declarations",
    "describe",
    "events",
    "get",
    "register",
    "tables_by_stage",
    "traits_by_kind",
    "unregister",
]
