"""`services.agenda.stage_presets`: what the agenda editor starts a new stage with, a pure
function of the templates and the kinds' traits."""

from __future__ import annotations

from typing import Any

from workshop.core.traits import DECIDES, FEEDS_SHORTLIST, SHORTLISTS
from workshop.services.agenda import built_in_templates, stage_presets

TRAITS = {
    "idea": frozenset[str](),
    "score": frozenset({FEEDS_SHORTLIST}),
    "order": frozenset({SHORTLISTS}),
    "end": frozenset({DECIDES}),
}


def stage(key: str, *kinds: str) -> dict[str, Any]:
    steps = [{"kind": kind} for kind in kinds]
    return {"key": key, "title": key.title(), "prompt": f"{key}?", "steps": steps}


def template(tid: str, *stages: dict[str, Any], built_in: bool = True) -> dict[str, Any]:
    return {"id": tid, "built_in": built_in, "title": tid, "stages": list(stages)}


def test_levels_come_from_the_built_in_template_with_the_most_stages() -> None:
    short = template("short", stage("goals", "idea", "end"))
    long = template("long", stage("vision", "idea", "end"), stage("goals", "idea", "end"))
    longer_but_saved = template("mine", *(stage(f"s{i}", "idea") for i in range(5)), built_in=False)
    presets = stage_presets([short, long, longer_but_saved], TRAITS)
    assert [level["key"] for level in presets["levels"]] == ["vision", "goals"]
    assert presets["levels"][0] == {
        "key": "vision",
        "title": "Vision",
        "prompt": "vision?",
        "steps": [{"kind": "idea"}, {"kind": "end"}],
    }


def test_a_custom_stage_takes_the_first_stage_that_scores_and_decides_without_a_shortlist() -> None:
    ranked = stage("goals", "idea", "score", "order", "end")
    plain = stage("values", "idea", "score", "end")
    later = stage("actions", "score", "end")
    presets = stage_presets([template("t", ranked, plain, later)], TRAITS)
    assert presets["custom"] == {"steps": plain["steps"]}


def test_without_such_a_stage_a_custom_stage_starts_like_the_first_level() -> None:
    only = stage("vision", "idea", "end")
    presets = stage_presets([template("t", only)], TRAITS)
    assert presets["custom"] == {"steps": only["steps"]}


def test_without_built_in_templates_there_are_no_presets() -> None:
    saved = template("mine", stage("goals", "idea"), built_in=False)
    assert stage_presets([saved], TRAITS) == {"levels": [], "custom": {"steps": []}}


def test_the_registrys_traits_by_default() -> None:
    found = list(built_in_templates().values())
    presets = stage_presets(found)
    assert presets["levels"] and presets["custom"]["steps"]
