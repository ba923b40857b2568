"""The situation analysis in the agenda templates (issue 17): the new built-ins `swot-to-goals`,
`risk-review` and `pestle-scan` validate and make workshops with the right stages and settings;
`full-strategic-plan`'s situation stage is optional (a new workshop starts without it, the
listing says so, and the agenda editor is offered it, filled in for the workshop, to add at its
place, with the link step it gives the goals stage, so the goals link to the SWOT); the
editor's level presets include situation, environment and risks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Room, ok
from tests.test_events import database, stage_of
from tests.test_link import Plan
from workshop.core.levels import LEVELS, PESTLE, SWOT
from workshop.core.traits import DECIDES, FEEDS_SHORTLIST
from workshop.services.agenda import (
    LEVEL_TITLES,
    _adds_of,
    built_in_templates,
    drafts_of,
    include_optional,
    stage_presets,
    with_adds,
)

NEW = ["swot-to-goals", "pestle-scan", "risk-review"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def agenda_of(room: Room) -> dict[str, Any]:
    response = room.client.get(f"/api/workshops/{room.id}/agenda", headers=bearer(room.key))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def stages_of(room: Room) -> dict[str, dict[str, dict[str, Any]]]:
    """Each stage's steps by kind (with their settings), by stage key, in agenda order."""
    return {
        stage["key"]: {step["kind"]: step for step in stage["steps"]}
        for stage in agenda_of(room)["stages"]
    }


def create(client: FlaskClient, template: str) -> Room:
    return Room.create(
        client.application,
        client,
        title="Harbour 2030",
        template=template,
        organization="Harbour Trust",
        horizon_years=5,
    )


def listed(client: FlaskClient) -> dict[str, dict[str, Any]]:
    body = client.get("/api/templates").get_json()
    return {template["id"]: template for template in body["templates"]}


# --------------------------------------------------------------------------- the new built-ins


def test_the_new_templates_are_listed_after_the_older_ones_with_words_for_a_facilitator(
    client: FlaskClient,
) -> None:
    ids = list(listed(client))
    assert ids[-3:] == NEW
    assert ids[0] == "strategic-plan"  # still the default, first
    for template_id in NEW:
        template = listed(client)[template_id]
        assert template["title"] and len(template["description"]) > 40
        assert all(stage["optional"] is False for stage in template["stages"])


def test_swot_to_goals_runs_a_swot_then_a_vision_then_goals_linked_to_it(
    client: FlaskClient,
) -> None:
    room = create(client, "swot-to-goals")
    stages = stages_of(room)
    assert list(stages) == ["situation", "vision", "goals"]
    situation = stages["situation"]
    assert list(situation) == ["brainstorm", "vote", "done"]
    assert situation["brainstorm"]["categories"] == [dict(c) for c in SWOT]
    assert situation["vote"]["per_category"] is True
    assert situation["done"]["select_per_category"] == 3
    assert list(stages["vision"]) == ["brainstorm", "vote", "rank", "done"]
    assert stages["vision"]["done"]["select_count"] == 1
    # The goals are linked to the SWOT's selected items after their results, then defined.
    assert list(stages["goals"]) == ["brainstorm", "vote", "rank", "done", "link", "define"]
    # Prompts are filled in for the workshop.
    prompts = [stage["prompt"] for stage in agenda_of(room)["stages"]]
    assert all("{" not in prompt for prompt in prompts)
    assert "Harbour Trust" in prompts[0] and "5 years" in prompts[2]


def test_risk_review_keeps_the_projects_and_rates_the_risks_for_likelihood_and_impact(
    client: FlaskClient,
) -> None:
    room = create(client, "risk-review")
    stages = stages_of(room)
    assert list(stages) == ["projects", "risks"]
    # The projects are entered beforehand (or carried over) and all kept.
    assert list(stages["projects"]) == ["done"]
    assert stages["projects"]["done"]["select_count"] == 0
    risks = stages["risks"]
    assert list(risks) == ["brainstorm", "rate", "done", "link"]
    assert risks["brainstorm"]["categories"] == []
    scales = risks["rate"]["scales"]
    assert [(s["key"], s["label"]) for s in scales] == [
        ("likelihood", "Likelihood"),
        ("impact", "Impact"),
    ]
    assert risks["rate"]["quadrants"] == {
        "big_bet": "Act now",
        "money_pit": "Plan a response",
        "quick_win": "Watch",
        "fill_in": "Accept",
    }
    assert risks["done"]["select_count"] == 0


def test_pestle_scan_is_one_environment_stage_with_the_six_categories(
    client: FlaskClient,
) -> None:
    room = create(client, "pestle-scan")
    stages = stages_of(room)
    assert list(stages) == ["environment"]
    environment = stages["environment"]
    assert environment["brainstorm"]["categories"] == [dict(c) for c in PESTLE]
    assert environment["vote"]["per_category"] is True
    assert environment["done"]["select_per_category"] == 2
    assert agenda_of(room)["stages"][0]["title"] == "Environment (PESTLE)"
    assert agenda_of(room)["optional_stages"] == []


@pytest.mark.parametrize("template_id", sorted(built_in_templates()))
def test_every_built_in_validates_as_a_new_workshop_gets_it(template_id: str) -> None:
    template = built_in_templates()[template_id]
    drafts = drafts_of(template)
    assert [d.key for d in drafts] == [
        s["key"] for s in template["stages"] if not s.get("optional")
    ]
    assert drafts  # never only optional stages


# --------------------------------------------------------------------------- optional stages


def test_full_strategic_plan_starts_without_its_optional_situation_stage(
    client: FlaskClient,
) -> None:
    full = listed(client)["full-strategic-plan"]
    assert [(s["key"], s["optional"]) for s in full["stages"][:2]] == [
        ("situation", True),
        ("vision", False),
    ]
    assert sum(s["optional"] for s in full["stages"]) == 1
    room = create(client, "full-strategic-plan")
    keys = [stage["key"] for stage in agenda_of(room)["stages"]]
    assert keys == ["vision", "mission", "values", "goals", "programs", "projects", "actions"]
    state = room.facilitator_state()
    assert [s["key"] for s in state["stages"]] == keys
    assert state["current"]["stage_id"] == agenda_of(room)["stages"][0]["id"]


def test_the_agenda_offers_the_optional_stage_filled_in_and_it_can_be_added_first(
    client: FlaskClient,
) -> None:
    room = create(client, "full-strategic-plan")
    agenda = agenda_of(room)
    [offer] = agenda["optional_stages"]
    assert offer["key"] == "situation" and offer["title"] == "Situation (SWOT)"
    assert offer["after"] == []  # first in the template
    assert "Harbour Trust" in offer["prompt"] and "{" not in offer["prompt"]
    steps = {step["kind"]: step for step in offer["steps"]}
    assert steps["brainstorm"]["categories"] == [dict(c) for c in SWOT]

    # The editor sends it back as offered, before the other stages: the server takes it.
    kept = [
        {name: value for name, value in stage.items() if name != "started"}
        for stage in agenda["stages"]
    ]
    added = {name: offer[name] for name in ("key", "title", "prompt", "steps")}
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": [added, *kept]},
        headers=bearer(room.key),
    )
    assert response.status_code == 200, response.get_json()
    after = agenda_of(room)
    assert [s["key"] for s in after["stages"]][:2] == ["situation", "vision"]
    assert after["stages"][0]["steps"] == offer["steps"]
    # Still offered (the editor shows its switch on, to remove it again).
    assert [o["key"] for o in after["optional_stages"]] == ["situation"]


def test_a_refused_agenda_with_the_optional_stage_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    room = create(client, "full-strategic-plan")
    [offer] = agenda_of(room)["optional_stages"]
    broken = {name: offer[name] for name in ("key", "title", "prompt", "steps")}
    brainstorm = dict(broken["steps"][0])
    brainstorm["categories"] = [{"key": "s", "label": ""}]
    broken["steps"] = [brainstorm, *broken["steps"][1:]]
    kept = [
        {name: value for name, value in stage.items() if name != "started"}
        for stage in agenda_of(room)["stages"]
    ]
    before = database(app)
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": [broken, *kept]},
        headers=bearer(room.key),
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_setting"
    assert "Situation (SWOT)" in response.get_json()["error"]["message"]
    assert database(app) == before


GOALS_TODAY = ["brainstorm", "vote", "rank", "done", "define"]
"""full-strategic-plan's goals stage as a workshop without the SWOT has it (before issue 17)."""


def kinds_by_key(stages: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {stage["key"]: [step["kind"] for step in stage["steps"]] for stage in stages}


def test_the_swot_gives_the_goals_stage_a_link_step_and_without_it_goals_are_as_today() -> None:
    full = built_in_templates()["full-strategic-plan"]
    without = include_optional(full, set())
    assert kinds_by_key(without)["goals"] == GOALS_TODAY
    assert [d.as_dict() for d in drafts_of(full)] == without  # a new workshop: as today
    with_swot = kinds_by_key(include_optional(full, {"situation"}))
    assert list(with_swot)[:2] == ["situation", "vision"]
    assert with_swot["goals"] == ["brainstorm", "vote", "rank", "done", "link", "define"]
    # Only the goals stage changes.
    assert {k: v for k, v in with_swot.items() if k not in ("situation", "goals")} == {
        k: v for k, v in kinds_by_key(without).items() if k != "goals"
    }


def test_the_agenda_offers_the_swot_with_what_it_adds(client: FlaskClient) -> None:
    room = create(client, "full-strategic-plan")
    [offer] = agenda_of(room)["optional_stages"]
    assert offer["adds"] == [{"stage": "goals", "before": "define", "step": {"kind": "link"}}]
    assert stages_of(room)["goals"].keys() == set(GOALS_TODAY)


def test_an_added_step_goes_before_its_step_or_last_and_never_twice() -> None:
    stages = [{"key": "goals", "steps": [{"kind": "brainstorm"}, {"kind": "define"}]}]
    link = {"kind": "link"}
    before = with_adds(stages, [{"stage": "goals", "before": "define", "step": link}])
    assert kinds_by_key(before)["goals"] == ["brainstorm", "link", "define"]
    last = with_adds(stages, [{"stage": "goals", "step": link}])
    assert kinds_by_key(last)["goals"] == ["brainstorm", "define", "link"]
    assert with_adds(before, [{"stage": "goals", "step": link}]) == before
    assert kinds_by_key(stages)["goals"] == ["brainstorm", "define"]  # not changed in place


@pytest.mark.parametrize(
    ("adds", "optional", "message"),
    [
        ([{"stage": "goals", "step": {"kind": "link"}}], False, "only an optional stage"),
        ([{"stage": "risks", "step": {"kind": "link"}}], True, "not a stage of the template"),
        ([{"stage": "goals", "step": {}}], True, "step needs a kind"),
        ([{"stage": "goals", "step": {"kind": "define"}}], True, "already has a define step"),
        (
            [{"stage": "goals", "before": "rank", "step": {"kind": "link"}}],
            True,
            "has no 'rank' step",
        ),
    ],
)
def test_a_template_files_adds_are_checked(
    adds: list[dict[str, Any]], optional: bool, message: str
) -> None:
    data = {
        "stages": [
            {"key": "situation", "optional": optional, "adds": adds, "steps": []},
            {"key": "goals", "steps": [{"kind": "brainstorm"}, {"kind": "define"}]},
        ]
    }
    with pytest.raises(ValueError, match=message):
        _adds_of(data, [optional, False], "t.toml")


def test_with_the_swot_switched_on_the_goals_link_to_its_selected_items(
    app: Flask, client: FlaskClient
) -> None:
    """R19: the SWOT is not a dead end: the goals stage's link step offers its items, with
    what each link would mean."""
    room = create(client, "full-strategic-plan")
    agenda = agenda_of(room)
    [offer] = agenda["optional_stages"]
    kept = [{k: v for k, v in s.items() if k != "started"} for s in agenda["stages"]]
    added = {name: offer[name] for name in ("key", "title", "prompt", "steps")}
    # What the editor's switch sends: the stage first, the goals stage with its link step.
    body = {"stages": with_adds([added, *kept], offer["adds"])}
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key)
    )
    assert response.status_code == 200, response.get_json()
    plan = Plan(room, room.facilitator(), room.projector(), [], room.stage_ids())
    swot = plan.stages["situation"]
    ids = {
        category: ok(
            plan.fac, "idea:submit", {"stage_id": swot, "text": category, "category": category}
        )["idea"]["id"]
        for category in ("strengths", "threats")
    }
    plan.to("situation", "done")
    plan.preload("goals", "Own the harbour front")
    plan.to("goals", "link")
    goals = stage_of(room.facilitator_state(), plan.stages["goals"])
    assert goals["parents"] == [ids["strengths"], ids["threats"]]
    assert goals["parent_relations"] == {
        str(ids["strengths"]): "builds_on",
        str(ids["threats"]): "answers",
    }
    room.close()


# --------------------------------------------------------------------------- the editor's presets


def test_presets_include_situation_environment_and_risks_in_the_plans_order(
    client: FlaskClient,
) -> None:
    levels = client.get("/api/templates").get_json()["presets"]["levels"]
    keys = [level["key"] for level in levels]
    assert keys == [key for key in LEVELS if key in keys]  # LEVELS order
    assert {"situation", "environment", "risks"} <= set(keys)
    found = {level["key"]: level for level in levels}
    assert found["situation"]["title"] == LEVEL_TITLES["situation"] == "Situation (SWOT)"
    assert found["environment"]["title"] == LEVEL_TITLES["environment"] == "Environment (PESTLE)"
    assert found["risks"]["title"] == LEVEL_TITLES["risks"] == "Risks"
    situation = {step["kind"]: step for step in found["situation"]["steps"]}
    assert situation["brainstorm"]["categories"] == [dict(c) for c in SWOT]
    risks = {step["kind"]: step for step in found["risks"]["steps"]}
    assert [s["key"] for s in risks["rate"]["scales"]] == ["likelihood", "impact"]
    assert "{org}" in found["environment"]["prompt"]
    # A custom stage still starts as the Values stage does (never as an optional stage).
    custom = client.get("/api/templates").get_json()["presets"]["custom"]
    assert custom["steps"] == found["values"]["steps"]


def stage(key: str, *kinds: str, optional: bool = False) -> dict[str, Any]:
    steps = [{"kind": kind} for kind in kinds]
    body = {"key": key, "title": key.title(), "prompt": f"{key}?", "steps": steps}
    return {**body, "optional": True} if optional else body


def template(tid: str, *stages: dict[str, Any]) -> dict[str, Any]:
    return {"id": tid, "built_in": True, "title": tid, "stages": list(stages)}


TRAITS = {
    "idea": frozenset[str](),
    "score": frozenset({FEEDS_SHORTLIST}),
    "end": frozenset({DECIDES}),
}


def test_each_level_comes_from_the_longest_template_that_has_it() -> None:
    long = template(
        "long", stage("vision", "idea"), stage("goals", "idea"), stage("projects", "idea")
    )
    risky = template("risky", stage("projects", "idea", "end"), stage("risks", "idea", "score"))
    scan = template("scan", stage("situation", "idea", "score", "end", optional=True))
    presets = stage_presets([long, risky, scan], TRAITS)
    keys = [level["key"] for level in presets["levels"]]
    assert keys == ["situation", "vision", "goals", "projects", "risks"]
    by_key = {level["key"]: level for level in presets["levels"]}
    assert by_key["projects"]["steps"] == [{"kind": "idea"}]  # from the longest
    assert by_key["risks"]["steps"] == [{"kind": "idea"}, {"kind": "score"}]
    assert set(by_key["situation"]) == {"key", "title", "prompt", "steps"}
    # The only stage that scores and decides is optional: a custom stage does not take it.
    assert presets["custom"] == {"steps": [{"kind": "idea"}]}
