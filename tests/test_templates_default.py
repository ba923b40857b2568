"""The default agenda (`strategic-plan`) aligns: its projects are linked to the goals they
serve after their results, so the default day ends with an alignment map and its gaps.
Workshops keep the agenda they were made with: one made on the earlier default (no link step)
runs and finishes as it did, without a map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.apps import make_app
from tests.factories import Room, ok
from tests.test_events import phase
from workshop.persistence.db import get_engine
from workshop.services.agenda import built_in_templates

EARLIER_PROJECT_STEPS = ["brainstorm", "vote", "rank", "done"]
"""The projects stage of `strategic-plan` before it had a link step."""


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def step_kinds(room: Room) -> dict[str, list[str]]:
    state = room.client.get(f"/api/workshops/{room.id}", headers=bearer(room.key)).get_json()
    return {s["key"]: [step["kind"] for step in s["steps"]] for s in state["stages"]}


def test_the_default_agenda_links_the_projects_after_their_results() -> None:
    stages = {s["key"]: s for s in built_in_templates()["strategic-plan"]["stages"]}
    assert list(stages) == ["vision", "goals", "projects"]
    assert [s["kind"] for s in stages["projects"]["steps"]] == [*EARLIER_PROJECT_STEPS, "link"]
    assert [s["kind"] for s in stages["goals"]["steps"]] == EARLIER_PROJECT_STEPS


def run_default_day(room: Room, *, link: bool) -> dict[str, Any]:
    """Every stage of the agenda as it stands, two ideas each (the first gets the dots), the
    first project linked to the first goal when the agenda has a link step; the plan.json."""
    fac = room.facilitator()
    people = [room.participant("Ana"), room.participant("Ben")]
    ideas: dict[str, int] = {}
    stages = room.stage_ids()
    for key, kinds in step_kinds(room).items():
        stage_id = stages[key]
        for kind in kinds:
            phase(fac, stage_id, kind)
            if kind == "brainstorm":
                for n, person in enumerate(people):
                    wording = f"{key} {n + 1}"
                    sent = {"stage_id": stage_id, "text": wording}
                    ideas[wording] = ok(person.sock, "idea:submit", sent)["idea"]["id"]
            elif kind == "vote":
                votes = {str(ideas[f"{key} 1"]): 3, str(ideas[f"{key} 2"]): 1}
                for person in people:
                    ok(person.sock, "votes:set", {"stage_id": stage_id, "votes": votes})
            elif kind == "link" and link:
                payload = {"idea_id": ideas[f"{key} 1"], "parent_ids": [ideas["goals 1"]]}
                ok(fac, "link:confirm", payload)
    ok(fac, "workshop:finish")
    response = room.client.get(f"/api/workshops/{room.id}/plan.json", headers=bearer(room.key))
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.get_data())
    return data


def test_the_default_day_ends_with_an_alignment_map_and_its_gaps(room: Room) -> None:
    assert step_kinds(room)["projects"] == [*EARLIER_PROJECT_STEPS, "link"]
    plan = run_default_day(room, link=True)
    assert plan["aligned"] is True
    kinds = [(gap["kind"], gap["item"]) for gap in plan["gaps"]]
    assert ("unserved_goal", "goals 2") in kinds
    assert ("unaligned_project", "projects 2") in kinds
    assert ("unserved_goal", "goals 1") not in kinds
    assert ("unaligned_project", "projects 1") not in kinds
    markdown = room.client.get(f"/api/workshops/{room.id}/plan.md", headers=bearer(room.key))
    assert "## Alignment map" in markdown.get_data(as_text=True)


def test_a_workshop_made_on_the_earlier_default_keeps_its_agenda(tmp_path: Path) -> None:
    """A workshop stored with the earlier default's steps (as the previous release made it)
    is opened by today's app with those steps, runs them and finishes without a map."""
    database = tmp_path / "earlier.sqlite3"
    first = make_app(database)
    room = Room.started(first, first.test_client())
    with get_engine(first).begin() as connection:
        # The earlier default's projects stage: today's steps without the link at the end.
        where = {"w": room.id}
        (stored,) = connection.execute(
            text("SELECT steps FROM stage WHERE workshop_id = :w AND key = 'projects'"), where
        ).one()
        steps = json.loads(stored)
        assert steps[-1]["kind"] == "link"
        connection.execute(
            text("UPDATE stage SET steps = :steps WHERE workshop_id = :w AND key = 'projects'"),
            {**where, "steps": json.dumps(steps[:-1])},
        )
    room.close()
    get_engine(first).dispose()

    app: Flask = make_app(database)  # today's app on the same file, as after an upgrade
    client: FlaskClient = app.test_client()
    again = Room(app, client, room.data)
    try:
        assert step_kinds(again)["projects"] == EARLIER_PROJECT_STEPS
        plan = run_default_day(again, link=False)
        assert (plan["aligned"], plan["gaps"]) == (False, [])
        assert [s["key"] for s in plan["stages"]] == ["vision", "goals", "projects"]
    finally:
        again.close()
        get_engine(app).dispose()
