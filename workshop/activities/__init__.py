"""The activity registry: every kind of step, declared once, and what the app builds from it.

The registry fills itself: every module of this package that defines an `Activity` subclass
with a `kind` is found and registered (`pkgutil`), then every entry point of the group
`strategy_workshop.activities` (each an `Activity` subclass or instance), and a third-party
activity may also call `register()` once. Adding an activity is one Python module (its payloads,
rules, tables, services and snapshot slice in one `Activity` subclass), one JS module, their
tests and their docs section. Event handlers, agenda validation, the snapshot, the plan, the
browser's list of kinds (`client_declarations`) and the docs test all read this registry.

The dict itself lives in `registry` (a leaf module), so the shared activity modules look kinds
up there without importing this package.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from ..core.errors import DomainError
from ..i18n import gettext
from ..persistence.models import Entry
from .base import Activity, EventSpec, declared_defaults
from .registry import REGISTRY, get, register, traits_by_kind, unregister

ENTRY_POINT_GROUP = "strategy_workshop.activities"
log = logging.getLogger(__name__)


def _activities_of(module: Any) -> list[type[Activity]]:
    """The activity classes a module defines (a base without a `kind` is not one)."""
    return [
        cls
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Activity)
        and cls.__module__ == module.__name__
        and isinstance(getattr(cls, "kind", None), str)
    ]


def discover() -> None:
    """Register this package's activities, then those of the installed entry points."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls in _activities_of(module):
            register(cls)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        where = f"Entry point {point.name!r} ({point.value}) of {ENTRY_POINT_GROUP}"
        try:
            loaded = point.load()
        except Exception as exc:
            raise ImportError(f"{where} could not be loaded: {exc}") from exc
        if not isinstance(loaded, Activity) and not (
            isinstance(loaded, type) and issubclass(loaded, Activity)
        ):
            raise TypeError(f"{where} is {loaded!r}, not an Activity subclass or instance.")
        kind = getattr(loaded, "kind", None)
        replaced = REGISTRY.get(kind) if isinstance(kind, str) else None
        try:
            register(loaded)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{where}: {exc}") from exc
        if replaced is not None:
            log.warning(
                "%s replaces the %r activity of %s.", where, kind, type(replaced).__module__
            )


discover()


def events() -> list[tuple[Activity, EventSpec[Any]]]:
    """Every client event the activities answer, with the activity that owns it."""
    return [
        (activity, spec)
        for activity in REGISTRY.values()
        for spec in activity.events
        if isinstance(spec, EventSpec)
    ]


def tables_by_stage() -> list[type[SQLModel]]:
    """Every table with rows per stage that activities write (each has a `stage_id` column):
    the generic entries table, then each activity's own, once each."""
    tables: dict[type[SQLModel], None] = {Entry: None}
    for activity in REGISTRY.values():
        tables.update(dict.fromkeys(activity.tables))
    return list(tables)


def check_step(level: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one step `{"kind", ...settings}` for a stage of `level`; return it as stored,
    `{"kind", "settings"}` with every setting filled in from its declared default."""
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise DomainError(
            "unknown_activity",
            gettext(
                "%(kind)s is not an activity; use one of %(kinds)s.",
                kind=repr(kind),
                kinds=", ".join(REGISTRY),
            ),
        )
    activity = REGISTRY[kind]
    if activity.levels is not None and level not in activity.levels:
        raise DomainError(
            "activity_not_allowed",
            gettext(
                "A %(kind)s step runs on %(levels)s stages, not on %(level)s.",
                kind=kind,
                levels=", ".join(activity.levels),
                level=repr(level),
            ),
        )
    given = raw.get("settings")
    if given is None:
        given = {name: value for name, value in raw.items() if name not in ("kind", "settings")}
    if not isinstance(given, Mapping):
        raise DomainError(
            "invalid_setting", gettext("%(kind)s: settings must be an object.", kind=kind)
        )
    try:
        settings = activity.settings.model_validate({**activity.level_defaults(level), **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise DomainError(
            "invalid_setting",
            gettext(
                "%(kind)s.%(where)s: %(problem)s", kind=kind, where=where, problem=first["msg"]
            ),
        ) from None
    return {"kind": kind, "settings": settings.model_dump()}


def _json_type(prop: Mapping[str, Any]) -> str:
    """A setting's JSON type: a nested model (a `$ref`, maybe wrapped in `allOf`) is an object,
    a list of them an array; a bare number with no type of its own an integer."""
    if "type" in prop:
        return str(prop["type"])
    if "$ref" in prop or any("$ref" in part for part in prop.get("allOf", ())):
        return "object"
    return "integer"


def _default(defaults: Mapping[str, Any], name: str, prop: Mapping[str, Any]) -> Any:
    """A setting's default as the step stores it (a default factory's value included)."""
    return defaults[name] if name in defaults else prop.get("default")


def describe() -> list[dict[str, Any]]:
    """The activities for the agenda editor: kind, label, description, settings and defaults."""
    out = []
    for activity in REGISTRY.values():
        schema = activity.settings.model_json_schema()
        fields = activity.settings.model_fields
        defaults = declared_defaults(activity.settings)
        out.append(
            {
                "kind": activity.kind,
                "label": activity.label,
                "description": activity.description,
                "levels": list(activity.levels) if activity.levels is not None else None,
                "settings": {
                    name: {
                        "type": _json_type(prop),
                        "default": _default(defaults, name, prop),
                        "minimum": prop.get("minimum"),
                        "maximum": prop.get("maximum"),
                        "enum": prop.get("enum"),
                        "label": fields[name].title if name in fields else None,
                        "choices": prop.get("choices"),
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
            "noun": activity.noun or activity.label.lower(),
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


__all__ = [
    "REGISTRY",
    "Activity",
    "EventSpec",
    "check_step",
    "client_declarations",
    "describe",
    "discover",
    "events",
    "get",
    "register",
    "tables_by_stage",
    "traits_by_kind",
    "unregister",
]
