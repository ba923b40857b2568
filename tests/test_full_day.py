"""A whole full-strategic-plan day through the socket API: vision to action items, then the plan."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Room, ok

FIELDS = {
    "goals": {"metrics": [{"metric": "CO2 t/yr", "baseline": "1200", "target": "600"}]},
    "programs": {"owner": "Ana", "outcome": "No diesel on the quay"},
    "projects": {
        "owner": "Ben",
        "due": "2027-06-30",
        "approach": "agile",
        "deliverables": ["Six cranes"],
    },
    "actions": {"owner": "Cleo", "due": "2027-01-15"},
}


def stage_state(room: Room, key: str) -> dict[str, Any]:
    return next(s for s in room.facilitator_state()["stages"] if s["key"] == key)


def run_stage(room: Room, fac: SocketIOTestClient, phones: list[Any], key: str) -> list[int]:
    """Drive one stage through its agenda; return its selected item ids."""
    stage = stage_state(room, key)
    ideas: list[int] = []
    for step in stage["steps"]:
        kind = step["kind"]
        moved = ok(fac, "stage:phase", {"stage_id": stage["id"], "phase": kind})["stage"]
        if kind == "brainstorm":
            for n, phone in enumerate(phones):
                text = f"{key} idea {n}"
                sent = ok(phone.sock, "idea:submit", {"stage_id": stage["id"], "text": text})
                ideas.append(sent["idea"]["id"])
        elif kind == "vote":
            for n, phone in enumerate(phones):
                votes = {str(ideas[n]): 1, str(ideas[0]): 2}
                ok(phone.sock, "votes:set", {"stage_id": stage["id"], "votes": votes})
        elif kind == "rank":
            for phone in phones:
                order = moved["shortlist"]
                ok(phone.sock, "ranking:set", {"stage_id": stage["id"], "order": order})
        elif kind == "link":
            current = stage_state(room, key)
            items = [item["id"] for item in current["selected"]]
            top_parent = current["parents"][0]
            for phone in phones:
                links = {str(items[0]): [top_parent]}
                ok(phone.sock, "link:set", {"stage_id": stage["id"], "links": links})
            proposals = stage_state(room, key)["link_proposals"]
            assert proposals == {str(items[0]): {str(top_parent): len(phones)}}
            # The facilitator settles every item but the last: it stays a gap.
            for item in items[:-1]:
                ok(fac, "link:confirm", {"idea_id": item, "parent_ids": [top_parent]})
        elif kind == "define":
            first = stage_state(room, key)["selected"][0]["id"]
            ok(fac, "item:update", {"idea_id": first, "fields": FIELDS[key]})
    return [item["id"] for item in stage_state(room, key)["selected"]]


def test_a_full_strategic_planning_day(client: FlaskClient, app: Any) -> None:
    room = Room.create(app, client, title="Acme Port 2031", template="full-strategic-plan")
    try:
        fac = room.facilitator()
        phones = [room.participant(name) for name in ("Ana", "Ben", "Cleo")]
        keys = ["vision", "mission", "values", "goals", "programs", "projects", "actions"]
        assert [s["key"] for s in room.facilitator_state()["stages"]] == keys
        selected = {key: run_stage(room, fac, phones, key) for key in keys}
        assert len(selected["vision"]) == 1 and len(selected["goals"]) == 3
        assert len(selected["actions"]) == 3  # select_count 0: every action is kept
        programs = stage_state(room, "programs")
        assert programs["selected"][0]["fields"] == FIELDS["programs"]
        assert programs["selected"][0]["links"] == [selected["goals"][0]]
        ok(fac, "workshop:finish")
        plan = client.get(
            f"/api/workshops/{room.id}/plan.md", headers={"Authorization": f"Bearer {room.key}"}
        ).get_data(as_text=True)
    finally:
        room.close()
    for heading in ("## Vision, Mission and Values", "### Vision", "### Mission", "### Values"):
        assert f"\n{heading}\n" in plan
    for heading in ("## Strategic goals", "## Programs", "## Projects", "## Action plan"):
        assert f"\n{heading}\n" in plan
    for heading in ("## Strategy on a page", "## Scorecard", "## Alignment map", "## Gaps"):
        assert f"\n{heading}\n" in plan
    assert "| Program manager | Ana |" in plan
    assert "| CO2 t/yr | 1200 | 600 |" in plan
    assert "| Deliverables | Six cranes |" in plan
    gaps = plan.split("\n## Gaps\n", 1)[1].split("\n## ", 1)[0]
    for kind, item in (
        ("Goal that nothing serves", "goals idea 1"),
        ("Program that serves no goal", "programs idea 2"),
        ("Project without an owner", "projects idea 1"),
    ):
        listed = gaps.split(f"**{kind} (", 1)[1].split("\n**", 1)[0]
        assert f"\n- {item}\n" in listed, (kind, listed)
