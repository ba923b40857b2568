"""Agenda templates and the agenda editor over HTTP: `GET`/`POST /api/templates` and
`GET`/`PUT /api/workshops/<id>/agenda` (`workshop/web/views.py`, `workshop/services/agenda.py`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Room, ok
from tests.test_events import database, drain, inbox, phase
from workshop.activities import REGISTRY
from workshop.services.agenda import BUILT_IN_DIR

BUILT_IN = [
    "strategic-plan",
    "full-strategic-plan",
    "align-programs-projects",
    "vision-refresh",
    "prioritise-projects",
    "swot-to-goals",
    "pestle-scan",
    "risk-review",
]
CLASSIC_TEMPLATES = BUILT_IN[:5]
"""The built-ins before issue 17 (test_templates_situation tests the situation templates)."""
CLASSIC = ["brainstorm", "vote", "rank", "done"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def error_of(response: Any, status: int | None) -> str:
    """The error code of a JSON error response, checking its shape (and status, unless None)."""
    if status is not None:
        assert response.status_code == status, response.get_json()
    assert response.status_code >= 400
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    code: str = body["error"]["code"]
    return code


def toml_template(template_id: str) -> dict[str, Any]:
    """A built-in template as its data file writes it (read independently of the service)."""
    data: dict[str, Any] = tomllib.loads(
        (Path(BUILT_IN_DIR) / f"{template_id}.toml").read_text(encoding="utf-8")
    )
    return data


def get_agenda(room: Room) -> dict[str, Any]:
    response = room.client.get(f"/api/workshops/{room.id}/agenda", headers=bearer(room.key))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def put_agenda(room: Room, stages: list[dict[str, Any]]) -> Any:
    return room.client.put(
        f"/api/workshops/{room.id}/agenda", json={"stages": stages}, headers=bearer(room.key)
    )


def put_ok(room: Room, stages: list[dict[str, Any]]) -> dict[str, Any]:
    response = put_agenda(room, stages)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    assert body == get_agenda(room)
    return body


def editable(room: Room) -> list[dict[str, Any]]:
    """The agenda's stages as the editor sends them back (ids, keys, titles, prompts, steps)."""
    return [
        {name: value for name, value in stage.items() if name != "started"}
        for stage in get_agenda(room)["stages"]
    ]


def by_key(stages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {stage["key"]: stage for stage in stages}


def everything(room: Room) -> tuple[Any, ...]:
    """Every row, the facilitator's state and the agenda: to show a refusal changed nothing."""
    return database(room.app), room.facilitator_state(), get_agenda(room)


def refuse_put(room: Room, stages: Any, status: int | None, code: str) -> None:
    """Assert the PUT is refused with `code` (and `status`, unless None) and that nothing at all
    changed."""
    before = everything(room)
    body = stages if isinstance(stages, dict) else {"stages": stages}
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key)
    )
    assert error_of(response, status) == code, body
    assert everything(room) == before, f"a refused PUT changed something: {body!r}"


def new_stage(key: str, *steps: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "title": title or key.title(),
        "prompt": f"What about {key}?",
        "steps": list(steps) or [{"kind": "brainstorm"}, {"kind": "done"}],
    }


def count_workshops(app: Flask) -> int:
    return len(database(app)["workshop"])


# --------------------------------------------------------------------------- GET /api/templates


def test_templates_list_the_four_built_ins_first_in_their_exact_shape(client: FlaskClient) -> None:
    response = client.get("/api/templates")
    assert response.status_code == 200
    body = response.get_json()
    # `presets`: the agenda editor's starting stages, built from these same templates.
    assert set(body) == {"templates", "presets"}
    assert [t["id"] for t in body["templates"]] == BUILT_IN
    for template in body["templates"]:
        assert set(template) == {"id", "built_in", "title", "description", "stages"}
        assert template["built_in"] is True
        assert isinstance(template["title"], str) and template["title"]
        assert isinstance(template["description"], str) and template["description"]
        for stage in template["stages"]:
            assert set(stage) == {"key", "title", "steps", "optional"}
            assert all(isinstance(kind, str) for kind in stage["steps"])
            assert isinstance(stage["optional"], bool)


@pytest.mark.parametrize("template_id", BUILT_IN)
def test_each_built_in_is_listed_as_its_data_file_says(
    client: FlaskClient, template_id: str
) -> None:
    listed = next(
        t for t in client.get("/api/templates").get_json()["templates"] if t["id"] == template_id
    )
    data = toml_template(template_id)
    assert listed == {
        "id": template_id,
        "built_in": True,
        "title": data["title"],
        "description": data["description"],
        "stages": [
            {
                "key": stage["key"],
                "title": stage["title"],
                "steps": [step["kind"] for step in stage["steps"]],
                "optional": stage.get("optional", False),
            }
            for stage in data["stages"]
        ],
    }


def test_strategic_plan_is_vision_goals_projects_each_brainstorm_vote_rank_done_then_linked(
    client: FlaskClient,
) -> None:
    """The default day aligns: its projects are linked to the goals they serve after the
    results, so the plan has an alignment map and its gaps."""
    first = client.get("/api/templates").get_json()["templates"][0]
    assert first["id"] == "strategic-plan"
    assert first["stages"] == [
        {"key": "vision", "title": "Vision", "steps": CLASSIC, "optional": False},
        {"key": "goals", "title": "Goals", "steps": CLASSIC, "optional": False},
        {"key": "projects", "title": "Projects", "steps": [*CLASSIC, "link"], "optional": False},
    ]


def test_full_strategic_plan_has_every_level_in_order(client: FlaskClient) -> None:
    templates = {t["id"]: t for t in client.get("/api/templates").get_json()["templates"]}
    full = templates["full-strategic-plan"]
    # The situation analysis first, optional: a new workshop starts without it.
    assert [stage["optional"] for stage in full["stages"]] == [True] + [False] * 7
    assert [stage["key"] for stage in full["stages"]] == [
        "situation",
        "vision",
        "mission",
        "values",
        "goals",
        "programs",
        "projects",
        "actions",
    ]
    steps = {stage["key"]: stage["steps"] for stage in full["stages"]}
    assert steps["goals"] == [*CLASSIC, "define"]
    assert steps["programs"] == [*CLASSIC, "link", "define"]
    assert steps["projects"] == [*CLASSIC, "link", "define"]
    assert steps["actions"] == ["brainstorm", "done", "link", "define"]


def test_presets_are_the_fullest_built_in_templates_stages(client: FlaskClient) -> None:
    """The agenda editor starts a level's stage as the built-in template with the most stages
    has it, and a custom stage with the first built-in stage that scores and decides without
    ranking a shortlist."""
    body = client.get("/api/templates").get_json()
    presets = body["presets"]
    levels = presets["levels"]
    assert [level["key"] for level in levels] == [
        "situation",
        "environment",
        "vision",
        "mission",
        "values",
        "goals",
        "programs",
        "projects",
        "risks",
        "actions",
    ]
    vision = levels[2]
    assert vision["title"] == "Vision"
    assert "{org}" in vision["prompt"] and "{horizon}" in vision["prompt"]
    assert [step["kind"] for step in vision["steps"]] == ["brainstorm", "vote", "rank", "done"]
    assert vision["steps"][-1]["select_count"] == 1
    assert presets["custom"]["steps"] == levels[4]["steps"]  # the Values stage


def test_templates_need_no_key_and_list_no_secrets(client: FlaskClient, room: Room) -> None:
    text = client.get("/api/templates").get_data(as_text=True)
    assert room.key not in text
    assert room.id not in text


# --------------------------------------------------------------------------- creating from them


DEFAULT_SCALES = [
    {"key": "impact", "label": "Impact", "low": "little", "high": "a lot"},
    {"key": "effort", "label": "Effort", "low": "easy", "high": "hard"},
]
DEFAULT_QUADRANTS = {
    "quick_win": "Quick win",
    "big_bet": "Big bet",
    "fill_in": "Fill-in",
    "money_pit": "Money pit",
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "brainstorm": {"private": False, "named": False, "categories": []},
    "vote": {
        "dot_budget": 5,
        "max_dots_per_idea": 3,
        "on": "ideas",
        "shuffle": True,
        "per_category": False,
    },
    "allocate": {
        "budget": 100,
        "per_item_cap": 100,
        "on": "ideas",
        "shuffle": True,
        "per_category": False,
    },
    "rate": {
        "on": "ideas",
        "shuffle": True,
        "scales": DEFAULT_SCALES,
        "second_tie_break": "lower",
        "quadrants": DEFAULT_QUADRANTS,
    },
    "rank": {"shortlist_size": 5, "method": "borda", "shuffle": True},
    "link": {},
    "define": {},
    "done": {"select_count": 1, "select_per_category": 0},
}


def with_defaults(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A data file's stages (key, title, steps) with every step's defaults filled in."""
    return [
        {
            "key": stage["key"],
            "title": stage["title"],
            "steps": [{**DEFAULTS[step["kind"]], **step} for step in stage["steps"]],
        }
        for stage in data["stages"]
    ]


@pytest.mark.parametrize("template_id", CLASSIC_TEMPLATES)
def test_a_workshop_from_each_built_in_has_its_stages_and_settings(
    client: FlaskClient, template_id: str
) -> None:
    room = Room.create(
        client.application,
        client,
        title="Acme 2030",
        template=template_id,
        organization="Acme",
        horizon_years=5,
    )
    agenda = get_agenda(room)
    data = toml_template(template_id)
    # Optional stages (full-strategic-plan's situation) are left out of a new workshop.
    data["stages"] = [stage for stage in data["stages"] if not stage.get("optional")]
    found = [{key: stage[key] for key in ("key", "title", "steps")} for stage in agenda["stages"]]
    assert found == with_defaults(data)
    for stage, written in zip(agenda["stages"], data["stages"], strict=True):
        expected = written["prompt"].replace("{org}", "Acme").replace("{horizon}", "5 years")
        assert stage["prompt"] == expected
    # Even a first stage whose brainstorm opened at creation can be edited until it is used.
    assert [stage["started"] for stage in agenda["stages"]] == [False] * len(data["stages"])
    state = room.facilitator_state()
    assert state["workshop"]["template"] == template_id
    assert state["current"]["stage_id"] == agenda["stages"][0]["id"]
    assert [s["key"] for s in state["stages"]] == [s["key"] for s in data["stages"]]


def test_the_default_template_is_strategic_plan(client: FlaskClient) -> None:
    room = Room.create(client.application, client)
    assert [s["key"] for s in get_agenda(room)["stages"]] == ["vision", "goals", "projects"]
    assert room.facilitator_state()["workshop"]["template"] == "strategic-plan"


@pytest.mark.parametrize("template_id", ["no-such-template", "Strategic-Plan", "", "../etc"])
def test_an_unknown_template_is_refused_and_creates_nothing(
    app: Flask, client: FlaskClient, template_id: str
) -> None:
    response = client.post("/api/workshops", json={"title": "Acme", "template": template_id})
    assert error_of(response, 400) == "unknown_template"
    assert count_workshops(app) == 0


# --------------------------------------------------------------------------- GET the agenda


def use(room: Room, stage_key: str) -> None:
    """A participant sends an idea to a stage in brainstorm: from now on it has started."""
    person = room.participant()
    ok(person.sock, "idea:submit", {"stage_id": room.stage_ids()[stage_key], "text": "Used"})


def test_get_agenda_shows_stages_with_settings_and_the_activities(room: Room) -> None:
    use(room, "vision")
    agenda = get_agenda(room)
    assert set(agenda) == {"stages", "activities", "optional_stages"}
    assert agenda["optional_stages"] == []  # strategic-plan has none
    vision, goals, projects = agenda["stages"]
    assert set(vision) == {"id", "key", "title", "prompt", "started", "steps"}
    assert (vision["key"], vision["started"], goals["started"], projects["started"]) == (
        "vision",
        True,
        False,
        False,
    )
    assert vision["steps"] == [
        {"kind": "brainstorm", **DEFAULTS["brainstorm"]},
        {
            "kind": "vote",
            "dot_budget": 5,
            "max_dots_per_idea": 3,
            "on": "ideas",
            "shuffle": True,
            "per_category": False,
        },
        {"kind": "rank", "shortlist_size": 5, "method": "borda", "shuffle": True},
        {"kind": "done", "select_count": 1, "select_per_category": 0},
    ]
    assert [s["id"] for s in agenda["stages"]] == list(room.stage_ids().values())
    kinds = {activity["kind"]: activity for activity in agenda["activities"]}
    # The editor offers every registered kind, in the registry's order (read, never pinned:
    # a plug-in registered at run time is offered too).
    assert list(kinds) == list(REGISTRY)
    assert kinds["link"]["levels"] == ["goals", "programs", "projects", "risks", "actions"]
    assert kinds["vote"]["settings"]["dot_budget"] == {
        "type": "integer",
        "default": 5,
        "minimum": 1,
        "maximum": 100,
        "enum": None,
        "label": "Dots per person",
        "choices": None,
    }
    assert kinds["rank"]["settings"]["method"] == {
        "type": "string",
        "default": "borda",
        "minimum": None,
        "maximum": None,
        "enum": ["borda", "schulze"],
        "label": "Counting method",
        "choices": {"borda": "Borda count", "schulze": "Schulze method"},
    }
    assert kinds["done"]["settings"]["select_count"]["minimum"] == 0


@pytest.mark.parametrize("method", ["get", "put"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-the-key"},
        {"Authorization": "Basic abc"},
    ],
)
def test_agenda_needs_the_facilitator_key(room: Room, method: str, headers: dict[str, str]) -> None:
    before = everything(room)
    call = getattr(room.client, method)
    response = call(
        f"/api/workshops/{room.id}/agenda", json={"stages": editable(room)}, headers=headers
    )
    assert error_of(response, 401) == "unauthorized"
    assert everything(room) == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_agenda_refuses_another_workshops_key(room: Room, other: Room, method: str) -> None:
    before = everything(room)
    call = getattr(room.client, method)
    response = call(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": editable(room)},
        headers=bearer(other.key),
    )
    assert error_of(response, 401) == "unauthorized"
    assert everything(room) == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_agenda_of_an_unknown_workshop_is_404(room: Room, method: str) -> None:
    call = getattr(room.client, method)
    response = call(
        "/api/workshops/0000000000000000/agenda",
        json={"stages": editable(room)},
        headers=bearer(room.key),
    )
    assert error_of(response, 404) == "workshop_not_found"


# --------------------------------------------------------------------------- PUT: editing


def test_put_edits_pending_stages(room: Room) -> None:
    vision, goals, projects = editable(room)
    projects.update(
        title="Initiatives",
        prompt="Which initiative, in one line?",
        steps=[
            {"kind": "brainstorm"},
            {"kind": "vote", "dot_budget": 7},
            {"kind": "done", "select_count": 2},
        ],
    )
    goals["steps"][2]["shortlist_size"] = 3
    risks = new_stage("risks", {"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done"})
    body = put_ok(room, [vision, projects, risks, goals])
    stages = body["stages"]
    assert [s["key"] for s in stages] == ["vision", "projects", "risks", "goals"]
    assert [s["id"] for s in stages[:2]] == [vision["id"], projects["id"]]
    assert stages[3]["id"] == goals["id"]
    assert isinstance(stages[2]["id"], int) and stages[2]["id"] not in (
        vision["id"],
        goals["id"],
        projects["id"],
    )
    assert [s["started"] for s in stages] == [False, False, False, False]
    assert stages[1] == {
        "id": projects["id"],
        "key": "projects",
        "title": "Initiatives",
        "prompt": "Which initiative, in one line?",
        "started": False,
        "steps": [
            {"kind": "brainstorm", **DEFAULTS["brainstorm"]},
            {
                "kind": "vote",
                "dot_budget": 7,
                "max_dots_per_idea": 3,
                "on": "ideas",
                "shuffle": True,
                "per_category": False,
            },
            {"kind": "done", "select_count": 2, "select_per_category": 0},
        ],
    }
    assert stages[2]["steps"] == [
        {"kind": "brainstorm", **DEFAULTS["brainstorm"]},
        {
            "kind": "vote",
            "dot_budget": 5,
            "max_dots_per_idea": 3,
            "on": "ideas",
            "shuffle": True,
            "per_category": False,
        },
        {"kind": "done", "select_count": 1, "select_per_category": 0},
    ]
    assert stages[3]["steps"][2] == {
        "kind": "rank",
        "shortlist_size": 3,
        "method": "borda",
        "shuffle": True,
    }
    state = room.facilitator_state()
    assert [(s["key"], s["position"], s["phase"]) for s in state["stages"]] == [
        ("vision", 0, "brainstorm"),
        ("projects", 1, "pending"),
        ("risks", 2, "pending"),
        ("goals", 3, "pending"),
    ]
    assert by_key(state["stages"])["projects"]["dot_budget"] == 7
    assert by_key(state["stages"])["projects"]["title"] == "Initiatives"


def test_put_takes_settings_nested_or_flat(room: Room) -> None:
    vision, goals, projects = editable(room)
    goals["steps"] = [{"kind": "brainstorm"}, {"kind": "vote", "settings": {"dot_budget": 9}}]
    stages = put_ok(room, [vision, goals, projects])["stages"]
    assert stages[1]["steps"][1] == {
        "kind": "vote",
        "dot_budget": 9,
        "max_dots_per_idea": 3,
        "on": "ideas",
        "shuffle": True,
        "per_category": False,
    }


def test_put_the_same_agenda_changes_nothing(room: Room) -> None:
    before = database(room.app)
    put_ok(room, editable(room))
    assert database(room.app) == before


def test_put_removes_pending_stages_with_their_preloaded_items(room: Room) -> None:
    fac = room.facilitator()
    ids = room.stage_ids()
    preloaded = ok(fac, "idea:submit", {"stage_id": ids["goals"], "text": "Last year's goal"})
    vision, _goals, projects = editable(room)
    put_ok(room, [vision, projects])
    rows = database(room.app)
    assert all(row[0] != ids["goals"] for row in rows["stage"])
    assert preloaded["idea"]["id"] not in [row[0] for row in rows["idea"]]
    assert list(room.stage_ids()) == ["vision", "projects"]


def test_put_renames_and_reprompts_a_started_stage(room: Room) -> None:
    use(room, "vision")
    vision, goals, projects = editable(room)
    vision.update(title="Our vision", prompt="Where in 2030?")
    stages = put_ok(room, [vision, goals, projects])["stages"]
    assert (stages[0]["title"], stages[0]["prompt"], stages[0]["started"]) == (
        "Our vision",
        "Where in 2030?",
        True,
    )
    assert stages[0]["steps"] == vision["steps"]
    assert room.facilitator_state()["stages"][0]["phase"] == "brainstorm"


def test_put_may_send_a_started_stage_with_its_defaults_left_out(room: Room) -> None:
    vision, goals, projects = editable(room)
    vision["steps"] = [
        {"kind": "brainstorm"},
        {"kind": "vote"},
        {"kind": "rank"},
        {"kind": "done"},
    ]
    put_ok(room, [vision, goals, projects])


def test_put_a_new_stage_when_the_current_one_is_removed(client: FlaskClient) -> None:
    """align-programs-projects opens nothing: its current stage is pending, so removable."""
    room = Room.create(client.application, client, template="align-programs-projects")
    goals, programs, projects = editable(room)
    assert room.facilitator_state()["current"]["stage_id"] == goals["id"]
    put_ok(room, [programs, projects])
    assert room.facilitator_state()["current"] == {"stage_id": programs["id"], "phase": "pending"}


def test_put_broadcasts_a_new_state_to_every_connected_client(room: Room) -> None:
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant("Ana"), room.participant("Ben")]
    drain(fac, proj, *(p.sock for p in people))
    vision, goals, projects = editable(room)
    goals["title"] = "Strategic goals"
    put_ok(room, [vision, goals, projects])
    for sock, audience in [(fac, "facilitator"), (proj, "projector")]:
        states = inbox(sock)["state"]
        assert len(states) == 1
        assert states[0]["audience"] == audience
        assert [s["title"] for s in states[0]["stages"]] == [
            "Vision",
            "Strategic goals",
            "Projects",
        ]
        assert "me" not in states[0]
    for person in people:
        states = inbox(person.sock)["state"]
        assert len(states) == 1
        assert states[0]["audience"] == "participant"
        assert states[0]["stages"][1]["title"] == "Strategic goals"
        assert states[0]["me"]["id"] == person.id


def test_put_reaches_no_client_of_another_workshop(room: Room, other: Room) -> None:
    theirs = [other.facilitator(), other.participant("Zed").sock]
    drain(*theirs)
    vision, goals, projects = editable(room)
    goals["title"] = "Strategic goals"
    put_ok(room, [vision, goals, projects])
    for sock in theirs:
        assert "state" not in inbox(sock)


def test_put_a_body_that_is_not_json_is_invalid_agenda(room: Room) -> None:
    before = everything(room)
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        data="stages",
        content_type="application/json",
        headers=bearer(room.key),
    )
    assert error_of(response, 400) == "invalid_agenda"
    assert everything(room) == before


def test_put_after_finish_is_workshop_finished(room: Room) -> None:
    fac = room.facilitator()
    ok(fac, "workshop:finish")
    vision, goals, projects = editable(room)
    goals["title"] = "Too late"
    refuse_put(room, [vision, goals, projects], 409, "workshop_finished")


# --------------------------------------------------------------------------- PUT: started stages


@pytest.fixture
def started(room: Room) -> Room:
    """The default workshop with vision and goals both started (goals is current)."""
    fac = room.facilitator()
    phase(fac, room.stage_ids()["goals"], "brainstorm")
    use(room, "vision")
    use(room, "goals")
    return room


def _drop_rank(stages: list[dict[str, Any]]) -> None:
    stages[1]["steps"] = [s for s in stages[1]["steps"] if s["kind"] != "rank"]


def _budget(stages: list[dict[str, Any]]) -> None:
    stages[1]["steps"][1]["dot_budget"] = 6


def _settings_nested(stages: list[dict[str, Any]]) -> None:
    stages[1]["steps"][1] = {"kind": "vote", "settings": {"max_dots_per_idea": 2}}


def _key(stages: list[dict[str, Any]]) -> None:
    stages[1]["key"] = "priorities"


def _remove(stages: list[dict[str, Any]]) -> None:
    del stages[1]


def _swap(stages: list[dict[str, Any]]) -> None:
    stages[0], stages[1] = stages[1], stages[0]


def _as_new(stages: list[dict[str, Any]]) -> None:
    del stages[1]["id"]
    stages[1]["key"] = "goals-again"


def _rename_then_change_steps(stages: list[dict[str, Any]]) -> None:
    """A valid edit (vision renamed, projects re-prompted) and an invalid one (goals' steps)."""
    stages[0]["title"] = "Renamed vision"
    stages[2]["prompt"] = "New prompt"
    stages[2]["steps"] = [{"kind": "brainstorm"}, {"kind": "done"}]
    stages[1]["steps"] = [{"kind": "brainstorm"}, {"kind": "done", "select_count": 3}]


@pytest.mark.parametrize(
    "edit",
    [
        _drop_rank,
        _budget,
        _settings_nested,
        _key,
        _remove,
        _swap,
        _as_new,
        _rename_then_change_steps,
    ],
)
def test_a_started_stage_keeps_its_key_steps_and_place(started: Room, edit: Any) -> None:
    stages = editable(started)
    edit(stages)
    # The status is checked once, in the next test, so this table shows the rule on its own.
    refuse_put(started, stages, None, "stage_started")


def test_stage_started_is_409_as_documented(started: Room) -> None:
    stages = editable(started)
    _drop_rank(stages)
    refuse_put(started, stages, 409, "stage_started")


def test_a_started_stage_can_be_renamed_while_pending_ones_change(started: Room) -> None:
    vision, goals, projects = editable(started)
    vision["title"] = "Renamed vision"
    goals["prompt"] = "A new goals prompt"
    projects["steps"] = [{"kind": "brainstorm"}, {"kind": "done", "select_count": 4}]
    stages = put_ok(started, [vision, goals, projects])["stages"]
    assert [s["title"] for s in stages] == ["Renamed vision", "Goals", "Projects"]
    assert stages[1]["prompt"] == "A new goals prompt"
    assert stages[2]["steps"] == [
        {"kind": "brainstorm", **DEFAULTS["brainstorm"]},
        {"kind": "done", "select_count": 4, "select_per_category": 0},
    ]
    state = started.facilitator_state()
    assert state["current"]["stage_id"] == goals["id"]
    assert [s["phase"] for s in state["stages"]] == ["brainstorm", "brainstorm", "pending"]


# --------------------------------------------------------------------------- PUT: validation


def _stages_with(room: Room, index: int, **changes: Any) -> list[dict[str, Any]]:
    stages = editable(room)
    stages[index].update(changes)
    return stages


VOTE_STEPS = [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done"}]


@pytest.mark.parametrize(
    ("index", "changes", "code"),
    [
        (
            1,
            {"steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 0}]},
            "invalid_setting",
        ),
        (
            1,
            {"steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": "5"}]},
            "invalid_setting",
        ),
        (1, {"steps": [{"kind": "vote", "max_dots_per_idea": 101}]}, "invalid_setting"),
        (1, {"steps": [{"kind": "vote", "budget": 5}]}, "invalid_setting"),
        (
            1,
            {"steps": [{"kind": "vote"}, {"kind": "rank", "shortlist_size": 0}]},
            "invalid_setting",
        ),
        (1, {"steps": [{"kind": "done", "select_count": -1}]}, "invalid_setting"),
        (1, {"steps": [{"kind": "brainstorm"}, {"kind": "quiz"}]}, "unknown_activity"),
        (1, {"steps": [{"kind": "brainstorm"}, {}]}, "unknown_activity"),
        (0, {"steps": [{"kind": "brainstorm"}, {"kind": "link"}]}, "activity_not_allowed"),
        (
            2,
            {"key": "vision-2", "steps": [{"kind": "brainstorm"}, {"kind": "link"}]},
            "activity_not_allowed",
        ),
        (1, {"steps": [{"kind": "brainstorm"}, {"kind": "rank"}, {"kind": "vote"}]}, "step_order"),
        (1, {"steps": [{"kind": "brainstorm"}, {"kind": "rank"}]}, "step_order"),
        (1, {"steps": [{"kind": "done"}, {"kind": "brainstorm"}]}, "step_order"),
        (1, {"steps": [{"kind": "brainstorm"}, {"kind": "brainstorm"}]}, "duplicate_step"),
        (1, {"steps": []}, "steps_required"),
        (1, {"steps": [{"kind": "brainstorm"}] * 9}, "too_many_steps"),
        (1, {"steps": "brainstorm"}, "invalid_agenda"),
        (1, {"steps": ["brainstorm"]}, "invalid_agenda"),
        (1, {"key": "vision"}, "duplicate_stage_key"),
        (2, {"key": "Projects"}, "invalid_stage_key"),
        (2, {"key": ""}, "invalid_stage_key"),
        (2, {"title": "  "}, "title_required"),
        (2, {"title": "t" * 81}, "title_too_long"),
        (2, {"title": 5}, "invalid_agenda"),
        (2, {"prompt": "p" * 401}, "prompt_too_long"),
        (2, {"id": "3"}, "invalid_agenda"),
        (2, {"id": 0}, "invalid_agenda"),
    ],
)
def test_put_validation_errors_change_nothing(
    room: Room, index: int, changes: dict[str, Any], code: str
) -> None:
    refuse_put(room, _stages_with(room, index, **changes), 400, code)


@pytest.mark.parametrize(
    ("index", "changes", "message"),
    [
        (
            2,
            {
                "steps": [
                    {"kind": "brainstorm"},
                    {"kind": "vote"},
                    {"kind": "done"},
                    {"kind": "rate"},
                ]
            },
            "Impact and effort can't come after Results in Projects: "
            "only Link and Define work on the selected items.",
        ),
        (
            1,
            {"steps": [{"kind": "brainstorm"}, {"kind": "rank"}, {"kind": "vote"}]},
            "Rank needs a Dot vote, Allocate points or Impact and effort step before it in "
            "Goals: it ranks the top ideas of that step.",
        ),
        (
            1,
            {"steps": [{"kind": "brainstorm"}, {"kind": "brainstorm"}]},
            "Brainstorm appears twice in Goals: a stage runs each step once.",
        ),
        (
            0,
            {"steps": [{"kind": "brainstorm"}, {"kind": "link"}]},
            "Stage 1 (Vision): Link runs only on Strategic goals, Programs, Projects, Risks and "
            "Action items, not on Vision.",
        ),
        (
            1,
            {"steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 0}]},
            "Stage 2 (Goals): Dot vote, dot budget: Input should be greater than or equal to 1",
        ),
        (2, {"title": "  "}, "Stage 3 (projects) needs a title."),
        (
            1,
            {"key": "vision"},
            "Vision and Goals have the same level (vision): a plan has each level once.",
        ),
    ],
)
def test_put_refusals_speak_the_editors_words(
    room: Room, index: int, changes: dict[str, Any], message: str
) -> None:
    """Steps by their labels, stages by their titles, levels as the editor lists them: never
    an internal kind like 'rate' or 'done'."""
    response = put_agenda(room, _stages_with(room, index, **changes))
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_agenda"),
        ({"stages": None}, "invalid_agenda"),
        ({"stages": {"0": {}}}, "invalid_agenda"),
        ({"stages": []}, "agenda_empty"),
        ({"stages": ["vision"]}, "invalid_agenda"),
        ([], "invalid_agenda"),
    ],
)
def test_put_malformed_agendas_change_nothing(room: Room, body: Any, code: str) -> None:
    before = everything(room)
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key)
    )
    assert error_of(response, 400) == code
    assert everything(room) == before


def test_put_more_than_twelve_stages_is_too_many_stages(room: Room) -> None:
    stages = editable(room) + [new_stage(f"extra-{n}") for n in range(10)]
    refuse_put(room, stages, 400, "too_many_stages")


def test_put_twelve_stages_is_fine(room: Room) -> None:
    stages = editable(room) + [new_stage(f"extra-{n}") for n in range(9)]
    assert len(put_ok(room, stages)["stages"]) == 12


def test_put_the_same_stage_id_twice_is_invalid_agenda(room: Room) -> None:
    vision, goals, projects = editable(room)
    twin = {**goals, "key": "goals-2"}
    refuse_put(room, [vision, goals, projects, twin], 400, "invalid_agenda")


def test_put_an_unknown_stage_id_is_stage_not_found(room: Room) -> None:
    vision, goals, projects = editable(room)
    goals["id"] = 999_999
    refuse_put(room, [vision, goals, projects], 404, "stage_not_found")


def test_put_a_stage_of_another_workshop_is_stage_not_found(room: Room, other: Room) -> None:
    vision, goals, projects = editable(room)
    theirs = other.stage_ids()["goals"]
    refuse_put(room, [vision, goals, {**projects, "id": theirs}], 404, "stage_not_found")
    assert get_agenda(other)["stages"][1]["id"] == theirs


def test_put_refused_at_its_third_of_four_stages_changes_nothing(room: Room) -> None:
    vision, goals, projects = editable(room)
    goals["title"] = "Renamed goals"
    projects["steps"] = [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 0}]
    risks = new_stage("risks")
    refuse_put(room, [vision, goals, projects, risks], 400, "invalid_setting")


def test_put_a_valid_removal_with_an_invalid_new_stage_changes_nothing(room: Room) -> None:
    fac = room.facilitator()
    ok(fac, "idea:submit", {"stage_id": room.stage_ids()["projects"], "text": "Preloaded"})
    vision, goals, _projects = editable(room)
    refuse_put(
        room,
        [vision, goals, new_stage("risks-2030", {"kind": "link"})],
        400,
        "activity_not_allowed",
    )


def test_refused_put_sends_no_state(room: Room) -> None:
    fac = room.facilitator()
    person = room.participant("Ana")
    drain(fac, person.sock)
    stages = _stages_with(room, 1, steps=[{"kind": "quiz"}])
    assert put_agenda(room, stages).status_code == 400
    assert "state" not in inbox(fac)
    assert "state" not in inbox(person.sock)


# --------------------------------------------------------------------------- POST /api/templates


def save(room: Room, key: str | None = None) -> Any:
    return room.client.post(
        "/api/templates", json={"workshop_id": room.id}, headers=bearer(key or room.key)
    )


def test_save_an_edited_agenda_as_a_template_and_start_from_it(
    app: Flask, client: FlaskClient, room: Room
) -> None:
    vision, goals, projects = editable(room)
    goals["steps"] = [
        {"kind": "brainstorm"},
        {"kind": "vote", "dot_budget": 8, "max_dots_per_idea": 4},
        {"kind": "rank", "shortlist_size": 4},
        {"kind": "done", "select_count": 2},
        {"kind": "define"},
    ]
    risks = new_stage("risks", {"kind": "brainstorm"}, {"kind": "done", "select_count": 0})
    source = put_ok(room, [vision, goals, risks, projects])["stages"]

    response = save(room)
    assert response.status_code == 201
    saved = response.get_json()
    assert set(saved) == {"id", "built_in", "title", "description", "stages"}
    assert saved["built_in"] is False
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", saved["id"])  # secrets.token_urlsafe(24)
    assert saved["title"] == "Saved agenda"
    assert saved["description"] == ""
    assert saved["stages"] == [
        {
            "key": s["key"],
            "title": s["title"],
            "steps": [step["kind"] for step in s["steps"]],
            "optional": False,
        }
        for s in source
    ]

    listed = client.get("/api/templates").get_json()["templates"]
    assert [t["id"] for t in listed] == BUILT_IN  # saved ones are never listed publicly
    assert client.get(f"/api/templates/{saved['id']}").get_json() == saved

    copy = Room.create(app, client, title="Beta 2031", template=saved["id"])
    stages = get_agenda(copy)["stages"]
    strip = ("key", "title", "prompt", "steps")
    assert [{k: s[k] for k in strip} for s in stages] == [{k: s[k] for k in strip} for s in source]
    assert [s["started"] for s in stages] == [False, False, False, False]
    assert copy.facilitator_state()["workshop"]["template"] == saved["id"]


def test_saved_templates_are_listed_oldest_first_and_each_is_new(
    client: FlaskClient, room: Room, other: Room
) -> None:
    first = save(room).get_json()["id"]
    second = save(other).get_json()["id"]
    third = save(room).get_json()["id"]
    assert len({first, second, third}) == 3
    ids = [t["id"] for t in client.get("/api/templates").get_json()["templates"]]
    assert ids == BUILT_IN

    def saved_by(workshop: Room) -> list[str]:
        response = client.get(
            f"/api/workshops/{workshop.id}/templates", headers=bearer(workshop.key)
        )
        return [t["id"] for t in response.get_json()["templates"]]

    assert saved_by(room) == [first, third]
    assert saved_by(other) == [second]


def test_a_workshop_from_a_saved_template_names_it_in_its_state(
    app: Flask, client: FlaskClient
) -> None:
    long_title = "The Northern Harbour Authority strategy day 2030"
    source = Room.create(app, client, title=long_title)
    saved = save(source)
    assert saved.status_code == 201, saved.get_json()
    template_id = saved.get_json()["id"]
    copy = Room.create(app, client, title="Copy", template=template_id)
    assert copy.facilitator_state()["workshop"]["template"] == template_id


def test_save_template_with_a_title_of_no_ascii_letters(app: Flask, client: FlaskClient) -> None:
    source = Room.create(app, client, title="Стратегия 2030")
    saved = save(source).get_json()
    # The id no longer comes from the title: 192 random bits, whatever the title's letters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", saved["id"])
    assert saved["title"] == "Saved agenda"
    Room.create(app, client, title="Copy", template=saved["id"])


@pytest.mark.parametrize("key", ["", "not-the-key"])
def test_save_template_needs_the_key(app: Flask, client: FlaskClient, room: Room, key: str) -> None:
    response = client.post(
        "/api/templates",
        json={"workshop_id": room.id},
        headers=bearer(key) if key else {},
    )
    assert error_of(response, 401) == "unauthorized"
    assert database(app)["agendatemplate"] == []


def test_save_template_with_another_workshops_key_is_unauthorized(
    app: Flask, room: Room, other: Room
) -> None:
    assert error_of(save(room, key=other.key), 401) == "unauthorized"
    assert database(app)["agendatemplate"] == []


def test_save_template_of_an_unknown_workshop_is_404(client: FlaskClient, room: Room) -> None:
    response = client.post(
        "/api/templates", json={"workshop_id": "0000000000000000"}, headers=bearer(room.key)
    )
    assert error_of(response, 404) == "workshop_not_found"


@pytest.mark.parametrize("body", [{}, {"workshop_id": 5}, {"workshop_id": ""}, ["x"]])
def test_save_template_with_a_malformed_body_is_invalid_payload(
    client: FlaskClient, room: Room, body: Any
) -> None:
    response = client.post("/api/templates", json=body, headers=bearer(room.key))
    assert error_of(response, 400) == "invalid_payload"


def test_save_template_without_json_is_invalid_payload(client: FlaskClient, room: Room) -> None:
    response = client.post("/api/templates", data="x", headers=bearer(room.key))
    assert error_of(response, 400) == "invalid_payload"


def test_a_saved_template_asks_the_next_organisation_about_itself(
    app: Flask, client: FlaskClient
) -> None:
    source = Room.create(app, client, title="Acme 2028", organization="Acme", horizon_years=3)
    body = {"workshop_id": source.id, "title": "Our yearly retreat"}
    saved = client.post(
        "/api/templates", json=body, headers={"Authorization": f"Bearer {source.key}"}
    )
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["title"] == "Our yearly retreat"
    copy = Room.create(
        app,
        client,
        title="Globex",
        organization="Globex",
        horizon_years=10,
        template=saved.get_json()["id"],
    )
    prompts = [stage["prompt"] for stage in get_agenda(copy)["stages"]]
    assert prompts[0] == "Where should Globex be in 10 years? Describe it in one sentence."
    assert all("Acme" not in prompt and "3 years" not in prompt for prompt in prompts)


def test_a_workshop_saves_at_most_ten_templates(app: Flask, client: FlaskClient) -> None:
    source = Room.create(app, client, title="Acme")
    headers = {"Authorization": f"Bearer {source.key}"}
    for _ in range(10):
        response = client.post("/api/templates", json={"workshop_id": source.id}, headers=headers)
        assert response.status_code == 201
    again = client.post("/api/templates", json={"workshop_id": source.id}, headers=headers)
    assert error_of(again, 409) == "too_many_templates"
    mine = client.get(f"/api/workshops/{source.id}/templates", headers=headers)
    assert len(mine.get_json()["templates"]) == 10
    assert len(client.get("/api/templates").get_json()["templates"]) == len(BUILT_IN)


def test_a_saved_prompt_that_a_long_organisation_would_stretch_past_400_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    """A saved agenda keeps `{org}` in its prompts; a new workshop fills it. A 400-character
    prompt filled with a 120-character name would be stored longer than its column (and
    PostgreSQL refuses that): the new workshop is refused, saying what to shorten."""
    source = Room.create(app, client, title="Alpha", organization="Acme")
    stages = editable(source)
    stages[0]["prompt"] = "Acme " + "x" * 394  # saved as "{org} xxx…": 400 characters
    put_ok(source, stages)
    saved = save(source)
    assert saved.status_code == 201, saved.get_json()
    template_id = saved.get_json()["id"]
    before = database(app)

    long_name = "O" * 120
    response = client.post(
        "/api/workshops", json={"title": "Beta", "organization": long_name, "template": template_id}
    )

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "organization_too_long"
    assert "400 characters" in error["message"] and stages[0]["title"] in error["message"]
    assert database(app) == before
    # A short name fits: the prompt is filled in.
    fits = Room.create(app, client, title="Gamma", organization="Acme", template=template_id)
    assert get_agenda(fits)["stages"][0]["prompt"] == stages[0]["prompt"]
