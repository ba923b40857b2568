"""The registry itself: every activity by kind, and lookups by trait.

A leaf module (it imports only `base`), so the shared activity modules (scoring, merge,
common) and the kinds look kinds up here without importing the package, which imports every
kind. The package (`activities/__init__.py`) fills it: its own modules, then the entry points
of `strategy_workshop.activities`, then any `register()` call.

Register before serving: `register()` and `unregister()` change the one shared dict in place
(under a lock, so two registrations do not interleave), and a request iterating it at that
moment could see it change.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from .base import Activity

REGISTRY: dict[str, Activity] = {}
"""Every activity by kind, in the order the agenda editor offers them (by position, then
kind). Always this same dict: registering changes it in place, so every reader sees it."""

KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""A kind: lower case, at most 40 characters (the `entry.kind` column), usable in a file name
and a URL (`/static/js/activities/<kind>.js`)."""
SCRIPTS = Path(__file__).resolve().parents[2] / "static" / "js" / "activities"
"""The front end's activity modules: the built-in kinds' and the shared ones (index.js, ...)."""
RESERVED_KINDS = frozenset({"kinds", "index"})
"""Names of front-end modules that are never a kind's (`kinds.js` is generated)."""
CORE_ME_KEYS = frozenset({"id", "name", "ideas", "private_ideas", "merged_ideas"})
"""The keys of a participant's `me` that the snapshot itself writes."""
CORE_TALLY_KEYS = frozenset(
    {
        "workshop_id",
        "stage_id",
        "phase",
        "participants",
        "ideas",
        "decision",
        "not_yet",
        "duplicates",
    }
)
"""The keys of a tally that the snapshot itself writes."""

_lock = threading.Lock()


def _builtin(activity: Activity) -> bool:
    """Whether the activity is one of this package's (its JS module is in SCRIPTS)."""
    return type(activity).__module__.startswith(__name__.rsplit(".", 1)[0] + ".")


def check(activity: Activity) -> None:
    """Refuse an activity whose kind or declared names would break or silently overwrite
    what others declared (a kind replacing itself is fine)."""
    kind = activity.kind
    if not KIND_PATTERN.fullmatch(kind):
        raise ValueError(
            f"Kind {kind!r}: use 1-40 lower-case letters, digits and underscores, "
            "starting with a letter."
        )
    if kind in RESERVED_KINDS:
        raise ValueError(f"Kind {kind!r} is the name of a shared front-end module.")
    if not _builtin(activity) and kind not in REGISTRY and (SCRIPTS / f"{kind}.js").exists():
        raise ValueError(
            f"Kind {kind!r} would hide the shared front-end module "
            f"static/js/activities/{kind}.js; choose another name."
        )
    others = [other for name, other in REGISTRY.items() if name != kind]
    taken = {key: "the snapshot" for key in CORE_ME_KEYS}
    taken.update({key: repr(o.kind) for o in others for key in o.me_keys})
    for key in activity.me_keys:
        if key in taken:
            raise ValueError(f"Kind {kind!r}: `me` key {key!r} is already {taken[key]}'s.")
    taken = {key: "the snapshot" for key in CORE_TALLY_KEYS}
    taken.update({key: repr(o.kind) for o in others for key in o.progress_counts})
    for key in activity.progress_counts:
        if key in taken:
            raise ValueError(f"Kind {kind!r}: tally count {key!r} is already {taken[key]}'s.")
    events = {spec.name: o.kind for o in others for spec in o.events}
    for spec in activity.events:
        if spec.name in events:
            raise ValueError(
                f"Kind {kind!r}: event {spec.name!r} is already answered by {events[spec.name]!r}."
            )


def register(activity: Activity | type[Activity]) -> Activity:
    """Add an activity (an instance, or a subclass to instantiate); a kind registered again is
    replaced. This is all a third-party activity needs. Raises ValueError when its kind or a
    declared name clashes with another's (see `check`)."""
    if isinstance(activity, type):
        activity = activity()
    kind = getattr(activity, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{activity!r} declares no kind.")
    with _lock:
        check(activity)
        ordered = sorted(
            [*(a for name, a in REGISTRY.items() if name != kind), activity],
            key=lambda a: (a.position, a.kind),
        )
        REGISTRY.clear()
        REGISTRY.update((a.kind, a) for a in ordered)
    return activity


def unregister(kind: str) -> None:
    """Remove a kind (for tests that register one of their own)."""
    with _lock:
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
