"""The activity registry: it fills itself (the package's modules, then entry points), keeps
its order, takes a third party's `register()`, and declares each kind to the browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workshop import activities
from workshop.activities import base, registry
from workshop.activities.base import DECIDES, SCORES, SHORTLISTS, TRAITS, Activity
from workshop.core.payloads import Payload
from workshop.persistence.models import Entry


class Sample(Activity):
    kind = "sample"
    label = "Sample step"
    description = "A step for the registry's tests."
    position = 25
    traits = frozenset({SCORES})


@pytest.fixture
def restored() -> Iterator[None]:
    """The registry as it was, after the test (the same dict, refilled in place)."""
    before = dict(activities.REGISTRY)
    yield
    activities.REGISTRY.clear()
    activities.REGISTRY.update(before)


def test_the_package_registers_its_own_modules() -> None:
    builtin = [
        kind
        for kind, activity in activities.REGISTRY.items()
        if type(activity).__module__.startswith("workshop.activities.")
    ]
    assert builtin, "the package's kind modules were found"
    # Each kind module's activity is registered under the kind it declares.
    for kind in builtin:
        assert activities.get(kind).kind == kind


def test_the_order_is_by_position_then_kind() -> None:
    entries = list(activities.REGISTRY.values())
    assert entries == sorted(entries, key=lambda a: (a.position, a.kind))


def test_register_adds_in_order_to_the_same_dict_and_unregister_removes(restored: None) -> None:
    shared = activities.REGISTRY
    activities.register(Sample)
    assert activities.REGISTRY is shared is registry.REGISTRY
    assert isinstance(shared["sample"], Sample)
    kinds = list(shared)
    assert kinds == sorted(kinds, key=lambda k: (shared[k].position, k))
    assert "sample" in registry.with_trait(SCORES)
    activities.unregister("sample")
    assert "sample" not in shared


def test_registering_a_kind_again_replaces_it(restored: None) -> None:
    first = activities.register(Sample())
    second = activities.register(Sample())
    assert activities.get("sample") is second is not first
    assert list(activities.REGISTRY).count("sample") == 1


def test_an_activity_without_a_kind_is_refused() -> None:
    with pytest.raises(TypeError):
        activities.register(Activity())


def test_entry_points_are_registered(monkeypatch: pytest.MonkeyPatch, restored: None) -> None:
    class Point:
        name = "sample"
        value = "sample_plugin:Sample"

        def load(self) -> Any:
            return Sample

    def entry_points(*, group: str) -> list[Point]:
        assert group == activities.ENTRY_POINT_GROUP
        return [Point()]

    monkeypatch.setattr(activities, "entry_points", entry_points)
    before = set(activities.REGISTRY)
    activities.discover()
    assert set(activities.REGISTRY) == before | {"sample"}


def test_an_entry_point_that_is_not_an_activity_is_refused(
    monkeypatch: pytest.MonkeyPatch, restored: None
) -> None:
    class Point:
        name = "broken"
        value = "broken_plugin:Broken"

        def load(self) -> Any:
            return object()

    monkeypatch.setattr(activities, "entry_points", lambda *, group: [Point()])
    with pytest.raises(TypeError, match="broken"):
        activities.discover()


def test_scores_and_the_scores_trait_agree() -> None:
    class Scored(Activity):
        kind = "scored"
        label = "Scored"
        description = ""
        scores = True

    assert SCORES in Scored.traits
    for activity in activities.REGISTRY.values():
        assert activity.scores == (SCORES in activity.traits)
        assert activity.traits <= set(TRAITS), activity.kind


def test_client_declarations_follow_the_registry(restored: None) -> None:
    activities.register(Sample)
    declared = activities.client_declarations()
    assert [entry["kind"] for entry in declared] == list(activities.REGISTRY)
    described = {entry["kind"]: entry for entry in activities.describe()}
    for entry in declared:
        activity = activities.get(entry["kind"])
        assert entry == {
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
    assert next(e for e in declared if e["kind"] == "sample")["noun"] == "sample step"


def test_traits_by_kind(restored: None) -> None:
    activities.register(Sample)
    traits = activities.traits_by_kind()
    assert traits == {kind: a.traits for kind, a in activities.REGISTRY.items()}
    assert traits["sample"] == frozenset({SCORES})
    assert any(DECIDES in t for t in traits.values())


def test_event_specs_are_generic_in_their_payload() -> None:
    specs = activities.events()
    assert specs
    for _activity, spec in specs:
        assert isinstance(spec, base.EventSpec)
        assert issubclass(spec.payload, Payload)


def test_tables_by_stage_has_the_entries_table_once(restored: None) -> None:
    class WithEntries(Activity):
        kind = "with_entries"
        label = "With entries"
        description = ""
        tables = (Entry,)

    activities.register(WithEntries)
    tables = activities.tables_by_stage()
    assert tables.count(Entry) == 1
    assert tables[0] is Entry


def test_an_entry_point_that_fails_to_import_is_named(
    monkeypatch: pytest.MonkeyPatch, restored: None
) -> None:
    class Point:
        name = "missing"
        value = "missing_plugin:Missing"

        def load(self) -> Any:
            raise ModuleNotFoundError("No module named 'missing_plugin'")

    monkeypatch.setattr(activities, "entry_points", lambda *, group: [Point()])
    with pytest.raises(ImportError, match="'missing' \\(missing_plugin:Missing\\)"):
        activities.discover()


def _kind(name: str, **declared: Any) -> Activity:
    """An activity of kind `name` with these declarations."""
    cls = type(
        "Declared",
        (Activity,),
        {"kind": name, "label": name, "description": "", "__module__": "plugins.declared"},
    )
    for key, value in declared.items():
        setattr(cls, key, value)
    activity: Activity = cls()
    return activity


@pytest.mark.parametrize(
    "kind",
    ["", "Vote", "2nd", "with-dash", "with space", "a" * 41, "../up", "poll.js"],
)
def test_a_kind_must_be_a_plain_lower_case_name(kind: str, restored: None) -> None:
    with pytest.raises((ValueError, TypeError)):
        activities.register(_kind(kind))
    assert kind not in activities.REGISTRY


@pytest.mark.parametrize("kind", ["kinds", "index", "decision", "ideas", "themes"])
def test_a_kind_may_not_hide_a_shared_front_end_module(kind: str, restored: None) -> None:
    """kinds.js is generated, index.js is the registry; the others exist in
    static/js/activities/ and are not kind modules."""
    with pytest.raises(ValueError, match="module"):
        activities.register(_kind(kind))
    assert kind not in activities.REGISTRY


def test_a_plug_in_may_replace_a_registered_kind(restored: None) -> None:
    vote = activities.get("vote")
    replacement = _kind("vote", position=vote.position, me_keys=vote.me_keys)
    activities.register(replacement)
    assert activities.get("vote") is replacement


@pytest.mark.parametrize("key", ["id", "ideas", "merged_ideas", "votes", "rankings"])
def test_me_keys_may_not_collide(key: str, restored: None) -> None:
    with pytest.raises(ValueError, match=f"`me` key '{key}'"):
        activities.register(_kind("sample", me_keys=(key,)))


@pytest.mark.parametrize("key", ["phase", "ideas", "decision", "voters", "linkers"])
def test_progress_counts_may_not_collide(key: str, restored: None) -> None:
    with pytest.raises(ValueError, match=f"tally count '{key}'"):
        activities.register(_kind("sample", progress_counts=(key,)))


def test_event_names_may_not_collide(restored: None) -> None:
    taken = activities.get("vote").events[0]
    with pytest.raises(ValueError, match=f"event '{taken.name}'"):
        activities.register(_kind("sample", events=(taken,)))


def test_the_deciding_and_shortlisting_steps_say_how_many_they_keep() -> None:
    deciding = activities.get(registry.with_trait(DECIDES)[0])
    assert deciding.picks(deciding.settings().model_dump()) == 1
    assert deciding.picks({"select_count": 0}) == 0
    shortlisting = activities.get(registry.with_trait(SHORTLISTS)[0])
    assert shortlisting.picks({"shortlist_size": 7}) == 7
    assert Activity().picks({}) == 0
