"""Durability: what one app instance acknowledged is there when a new one opens the same file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.factories import Participant, Room, error_code, ok
from workshop import create_app

Server = Callable[[], Flask]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Starts app instances over one SQLite file, as a restarted server would be."""
    apps: list[Flask] = []
    url = f"sqlite:///{tmp_path / 'durable.sqlite3'}"

    def start() -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "test-secret",
                "TALLY_INTERVAL": 0.05,
                "PUBLIC_URL": "",
            }
        )
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.extensions["workshop_db"].dispose()


def stop(room: Room) -> None:
    """Drop every connection and the database engine, once pending tallies have gone out."""
    time.sleep(0.2)
    room.close()
    room.app.extensions["workshop_db"].dispose()


def restart(server: Server, room: Room) -> Room:
    """Stop `room`'s app and open the same workshop on a fresh one."""
    stop(room)
    app = server()
    return Room(app, app.test_client(), room.data)


def resume(room: Room, p: Participant) -> dict[str, Any]:
    result = ok(room.connect(), "join", {"code": room.code, "token": p.token})
    assert result["resumed"] is True
    assert result["participant"]["id"] == p.id
    return result


def phase(fac: Any, stage_id: int, to: str) -> dict[str, Any]:
    stage: dict[str, Any] = ok(fac, "stage:phase", {"stage_id": stage_id, "phase": to})["stage"]
    return stage


def submit(p: Participant, stage_id: int, text: str, client_id: str | None = None) -> int:
    payload: dict[str, Any] = {"stage_id": stage_id, "text": text}
    if client_id:
        payload["client_id"] = client_id
    idea_id: int = ok(p.sock, "idea:submit", payload)["idea"]["id"]
    return idea_id


def votes(p: Participant, stage_id: int, dots: dict[int, int]) -> None:
    payload = {"stage_id": stage_id, "votes": {str(k): v for k, v in dots.items()}}
    ok(p.sock, "votes:set", payload)


def rank(p: Participant, stage_id: int, order: list[int]) -> None:
    ok(p.sock, "ranking:set", {"stage_id": stage_id, "order": order})


def test_a_restart_keeps_every_acknowledged_change(server: Server) -> None:
    """Ideas, dots, rankings, phases, hidden ideas and names survive; the facilitator key and
    the participant tokens still open the workshop; the workshop carries on to its plan."""
    app = server()
    room = Room.create(app, app.test_client(), title="Acme 2030", organization="Acme")
    fac = room.facilitator()
    ana, ben, cy = (room.participant(name) for name in ("Ana", "Ben", "Cy"))
    stages = room.stage_ids()
    vision, goals, projects = stages["vision"], stages["goals"], stages["projects"]
    phase(fac, vision, "brainstorm")  # everyone joined in the lobby; the facilitator starts

    v = [submit(p, vision, f"Vision {n}") for n, p in enumerate((ana, ben, cy, ana))]
    phase(fac, vision, "vote")
    votes(ana, vision, {v[1]: 3, v[2]: 2})
    votes(ben, vision, {v[2]: 3})
    phase(fac, vision, "rank")
    rank(ana, vision, [v[1], v[2]])
    rank(cy, vision, [v[2], v[1], v[0]])
    phase(fac, vision, "done")

    phase(fac, goals, "brainstorm")
    g = [submit(p, goals, f"Goal {n}", client_id=f"g-{n}") for n, p in enumerate((ben, cy, ana))]
    phase(fac, goals, "vote")
    votes(cy, goals, {g[0]: 1, g[2]: 3})
    ok(fac, "results:reveal", {"stage_id": goals})

    phase(fac, projects, "brainstorm")
    hidden = submit(ben, projects, "Unrelated project")
    submit(cy, projects, "A real project")
    ok(fac, "idea:hide", {"idea_id": hidden})
    ok(room.connect(), "join", {"code": room.code, "token": ben.token, "name": "Benjamin"})

    before = room.facilitator_state()
    mes = {p.id: resume(room, p)["state"]["me"] for p in (ana, ben, cy)}
    assert mes[ben.id]["name"] == "Benjamin"
    assert mes[cy.id]["votes"] == {str(goals): {str(g[0]): 1, str(g[2]): 3}}
    assert mes[ana.id]["rankings"] == {str(vision): [v[1], v[2]]}

    room = restart(server, room)

    # Exactly the same workshop, seen through the facilitator key on the new instance.
    assert room.facilitator_state() == before
    fac = room.connect()
    opened = ok(fac, "facilitate", {"workshop_id": room.id, "key": room.key})["state"]
    opened.pop("server_time")  # the moment it was built; the rest must be the same
    assert opened == before
    projector = room.connect()
    assert ok(projector, "present", {"workshop_id": room.id, "key": room.key})["ok"] is True
    people = []
    for p in (ana, ben, cy):
        result = resume(room, p)
        assert result["state"]["me"] == mes[p.id]
        people.append(Participant(room.clients[-1], p.token, p.id, result["state"]))
    ana, ben, cy = people
    assert before["current"] == {"stage_id": projects, "phase": "brainstorm"}
    vision_state = next(s for s in before["stages"] if s["id"] == vision)
    assert [r["idea_id"] for r in vision_state["results"] if r["selected"]] == [v[2]]

    # A retry of an idea acknowledged before the restart is still recognised.
    again = ok(ben.sock, "idea:submit", {"stage_id": goals, "text": "Goal 0", "client_id": "g-0"})
    assert again["idea"]["id"] == g[0]
    assert again["duplicate"] is True

    # The workshop carries on where it was.
    votes(ana, goals, {g[1]: 3, g[0]: 2})
    phase(fac, goals, "rank")
    rank(ben, goals, [g[2], g[0], g[1]])
    phase(fac, goals, "done")
    plan = ok(fac, "workshop:finish")["plan"]
    assert plan["urls"]["md"].endswith(f"/api/workshops/{room.id}/plan.md")
    markdown = room.client.get(f"/api/workshops/{room.id}/plan.md?token={cy.token}")
    assert markdown.status_code == 200
    text = markdown.get_data(as_text=True)
    assert "> Vision 2\n" in text
    goals_section = text.split("\n## Strategic goals\n", 1)[1].split("\n## ", 1)[0]
    headings = [line for line in goals_section.splitlines() if line.startswith("### ")]
    assert headings == ["### 1. Goal 2", "### 2. Goal 0", "### 3. Goal 1"]
    assert "Unrelated project" not in text
    assert "A real project" in text


def test_the_finished_plan_is_the_same_bytes_after_a_restart(server: Server) -> None:
    app = server()
    room = Room.started(app, app.test_client(), title="Acme 2030")
    fac = room.facilitator()
    ana = room.participant("Ana")
    vision = room.stage_ids()["vision"]
    idea = submit(ana, vision, "Carbon neutral port")
    phase(fac, vision, "vote")
    votes(ana, vision, {idea: 2})
    phase(fac, vision, "rank")
    rank(ana, vision, [idea])
    phase(fac, vision, "done")
    plan = ok(fac, "workshop:finish")["plan"]
    root = f"/api/workshops/{room.id}"
    downloads = {
        ext: room.client.get(f"{root}/plan.{ext}?token={ana.token}").get_data()
        for ext in ("md", "html")
    }
    assert b"Carbon neutral port" in downloads["md"]

    room = restart(server, room)

    state = room.facilitator_state()
    assert state["workshop"]["status"] == "finished"
    assert state["plan"] == plan
    for ext, body in downloads.items():
        by_key = room.client.get(
            f"{root}/plan.{ext}", headers={"Authorization": f"Bearer {room.key}"}
        )
        by_token = room.client.get(f"{root}/plan.{ext}?token={ana.token}")
        assert by_key.status_code == by_token.status_code == 200
        assert by_key.get_data() == by_token.get_data() == body
    # Still finished: finishing again gives the same plan, newcomers are turned away,
    # and Ana can come back to it.
    fac = room.connect()
    ok(fac, "facilitate", {"workshop_id": room.id, "key": room.key})
    assert ok(fac, "workshop:finish")["plan"] == plan
    assert error_code(room.connect(), "join", {"code": room.code}) == "workshop_finished"
    assert resume(room, ana)["state"]["plan"] == plan
    assert room.client.get(f"{root}/plan.md?token={ana.token}").get_data() == downloads["md"]
