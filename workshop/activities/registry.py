"""The registry itself: every activity by kind, and lookups by trait.

A leaf module (it imports only `base`), so the shared activity modules (scoring, merge,
common) and the kinds look kinds up here without importing the package, which imports every
kind. The package (`activities/__init__.py`) fills it: its own modules, then the entry points
of `strategy_workshop.activities`, then any `register()` call.
"""

from __future__ import annotations

from .base import Activity

REGISTRY: dict[str, Activity] = {}
"""Every activity by kind, in the order the agenda editor offers them (by position, then
kind). Always this same dict: registering changes it in place, so every reader sees it."""


def _reorder() -> None:
    ordered = sorted(REGISTRY.values(), key=lambda a: (a.position, a.kind))
    REGISTRY.clear()
    REGISTRY.update((activity.kind, activity) for activity in ordered)


def register(activity: Activity | type[Activity]) -> Activity:
    """Add an activity (an instance, or a subclass to instantiate); a kind registered again is
    replaced. This is all a third-party activity needs."""
    if isinstance(activity, type):
        activity = activity()
    kind = getattr(activity, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{activity!r} declares no kind.")
    REGISTRY[kind] = activity
    _reorder()
    return activity


def unregister(kind: str) -> None:
    """Remove a kind (for tests that register one of their own)."""
    REGISTRY.pop(kind, None)


def get(kind: str) -> Activity:
    """The activity of a kind (the kind was validated when the agenda was saved)."""
    return REGISTRY[kind]


def has(kind: str, trait: str) -> bool:
    """Whether the kind is registered and has the trait."""
    activity = REGISTRY.get(kind)
    return activity is not None and trait in activity.traits


def with_trait(trait: str) -> tuple[str, ...]:
    """The kinds with a trait, in registry order."""
    return tuple(kind for kind, activity in REGISTRY.items() if trait in activity.traits)


def traits_by_kind() -> dict[str, frozenset[str]]:
    """Each kind's traits, for the pure core's agenda rules (which take them as data)."""
    return {kind: activity.traits for kind, activity in REGISTRY.items()}
