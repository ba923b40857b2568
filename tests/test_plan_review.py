"""A review that closes gaps, over HTTP: `POST /api/workshops/<id>/plan/versions` with an
item's new links or `dropped`, on a real app and its SQLite database, driven by real
Socket.IO test clients.

Each workshop runs goals (two of three selected), projects (two of three, then linked) and
actions (every one kept, then linked), and finishes: version 1 has a goal nothing serves
("Cut emissions") and a project that serves no goal ("Free coffee"). The tests re-link, drop
and restore items across versions 2 and 3, check every refused review says which field is
wrong and stores nothing, and the review cadence from the workshop's creation to its plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from jsonschema import Draft202012Validator

from tests.factories import Participant, Room, ok
from tests.test_events import phase
from tests.test_http import bearer, count_rows, error_of
from workshop.plan.schema import PLAN_SCHEMA

VALIDATOR = Draft202012Validator(PLAN_SCHEMA)
EXPORTS, EMISSIONS, MUSEUM = "Grow exports", "Cut emissions", "Open a museum"
DESK, COFFEE, SOLAR = "Export desk", "Free coffee", "Solar roofs"
OFFICER = "Hire an export officer"


def stage_body(key: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "prompt": f"Our {key}?", "steps": list(steps)}


AGENDA = [
    stage_body(
        "goals", {"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done", "select_count": 2}
    ),
    stage_body(
        "projects",
        {"kind": "brainstorm"},
        {"kind": "vote"},
        {"kind": "done", "select_count": 2},
        {"kind": "link"},
    ),
    stage_body(
        "actions", {"kind": "brainstorm"}, {"kind": "done", "select_count": 0}, {"kind": "link"}
    ),
]


@dataclass
class Day:
    room: Room
    fac: SocketIOTestClient
    people: list[Participant]
    ideas: dict[str, int]

    def url(self, file: str) -> str:
        return f"/api/workshops/{self.room.id}/{file}"

    def publish(self, body: Any) -> Any:
        return self.room.client.post(
            self.url("plan/versions"), headers=bearer(self.room.key), json=body
        )

    def review(self, based_on: int, *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Publish a review that must be accepted; the new version's plan.json."""
        response = self.publish({"based_on": based_on, "items": list(items), **extra})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["version"] == based_on + 1
        return self.plan(based_on + 1)

    def plan(self, version: int | None = None) -> dict[str, Any]:
        query = "" if version is None else f"?version={version}"
        response = self.room.client.get(
            self.url("plan.json") + query, headers=bearer(self.room.key)
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        data: dict[str, Any] = json.loads(response.get_data())
        assert list(VALIDATOR.iter_errors(data)) == []
        return data

    def markdown(self, version: int) -> str:
        response = self.room.client.get(
            self.url("plan.md") + f"?version={version}", headers=bearer(self.room.key)
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def versions(self) -> list[int]:
        response = self.room.client.get(self.url("plan/versions"), headers=bearer(self.room.key))
        return [v["version"] for v in response.get_json()["versions"]]


def gaps(plan: dict[str, Any]) -> list[tuple[str, str]]:
    return [(gap["kind"], gap["item"]) for gap in plan["gaps"]]


def item(plan: dict[str, Any], idea_id: int) -> dict[str, Any]:
    found = [i for stage in plan["stages"] for i in stage["items"] if i["id"] == idea_id]
    assert len(found) == 1
    return found[0]


def run_day(room: Room) -> Day:
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", json={"stages": AGENDA}, headers=bearer(room.key)
    )
    assert response.status_code == 200, response.get_json()
    stages = {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}
    fac = room.facilitator()
    ana, ben = room.participant("Ana"), room.participant("Ben")
    ideas: dict[str, int] = {}

    def write(key: str, *named: tuple[str, Participant]) -> None:
        phase(fac, stages[key], "brainstorm")
        for text, who in named:
            payload = {"stage_id": stages[key], "text": text}
            ideas[text] = ok(who.sock, "idea:submit", payload)["idea"]["id"]

    def dots(key: str, who: Participant, given: dict[str, int]) -> None:
        votes = {str(ideas[text]): n for text, n in given.items()}
        ok(who.sock, "votes:set", {"stage_id": stages[key], "votes": votes})

    def link(child: str, *parents: str) -> None:
        payload = {"idea_id": ideas[child], "parent_ids": [ideas[p] for p in parents]}
        ok(fac, "link:confirm", payload)

    # No ties at either cut: 4 and 3 dots against 0.
    write("goals", (EXPORTS, ana), (EMISSIONS, ben), (MUSEUM, ana))
    phase(fac, stages["goals"], "vote")
    dots("goals", ana, {EXPORTS: 3, EMISSIONS: 1})
    dots("goals", ben, {EXPORTS: 1, EMISSIONS: 2})
    phase(fac, stages["goals"], "done")
    write("projects", (DESK, ana), (COFFEE, ben), (SOLAR, ana))
    phase(fac, stages["projects"], "vote")
    dots("projects", ana, {DESK: 3, COFFEE: 2})
    dots("projects", ben, {DESK: 1, COFFEE: 1})
    phase(fac, stages["projects"], "done")
    phase(fac, stages["projects"], "link")
    link(DESK, EXPORTS)
    write("actions", (OFFICER, ana))
    phase(fac, stages["actions"], "done")
    phase(fac, stages["actions"], "link")
    link(OFFICER, DESK)
    ok(fac, "workshop:finish")
    fac.get_received()
    return Day(room, fac, [ana, ben], ideas)


@pytest.fixture
def day(room: Room) -> Day:
    return run_day(room)


ALIGNMENT = ("unserved_goal", "unaligned_program", "unaligned_project")


def alignment_gaps(plan: dict[str, Any]) -> list[tuple[str, str]]:
    return [gap for gap in gaps(plan) if gap[0] in ALIGNMENT]


def test_relinking_a_project_to_a_goal_closes_both_gaps_in_version_2_only(day: Day) -> None:
    first = day.plan(1)
    assert alignment_gaps(first) == [("unserved_goal", EMISSIONS), ("unaligned_project", COFFEE)]
    assert not any(gap[0] == "tie_break_selection" for gap in gaps(first))

    second = day.review(
        1, {"id": day.ideas[COFFEE], "links": [day.ideas[EMISSIONS]]}, note="Coffee cuts emissions"
    )
    assert alignment_gaps(second) == []
    assert item(second, day.ideas[COFFEE])["links"] == [day.ideas[EMISSIONS]]
    # Version 1 keeps its gaps and its links, as published.
    assert day.plan(1) == first
    assert item(first, day.ideas[COFFEE])["links"] == []
    assert day.versions() == [1, 2]
    assert [v["version"] for v in second["history"]] == [1, 2]
    assert second["history"][1]["note"] == "Coffee cuts emissions"
    # Re-linked back to nothing, the gaps come back in version 3.
    third = day.review(2, {"id": day.ideas[COFFEE], "links": []})
    assert alignment_gaps(third) == alignment_gaps(first)
    # Two parents at once, given in any order, are stored in order.
    both = sorted([day.ideas[EMISSIONS], day.ideas[EXPORTS]])
    fourth = day.review(3, {"id": day.ideas[COFFEE], "links": both[::-1]})
    assert item(fourth, day.ideas[COFFEE])["links"] == both


def test_dropping_an_item_removes_it_from_the_plan_and_a_later_review_restores_it(
    day: Day,
) -> None:
    coffee = day.ideas[COFFEE]
    first = day.plan(1)
    assert ("unaligned_project", COFFEE) in gaps(first)

    second = day.review(1, {"id": coffee, "dropped": True})
    dropped = item(second, coffee)
    assert (dropped["selected"], dropped["dropped"]) == (True, True)
    assert COFFEE not in [gap[1] for gap in gaps(second)]
    # In version 2's document it is only in the appendix.
    body, _, appendix = day.markdown(2).partition("## Appendix")
    assert COFFEE not in body and COFFEE in appendix
    assert COFFEE in day.markdown(1).partition("## Appendix")[0]

    # Restored in version 3, with its gaps; a field edited while dropped is kept.
    day.review(2, {"id": coffee, "fields": {"owner": "Ben"}})
    third = day.plan(3)
    assert (
        item(third, coffee)["dropped"] is True and item(third, coffee)["fields"]["owner"] == "Ben"
    )
    fourth = day.review(3, {"id": coffee, "dropped": False})
    assert item(fourth, coffee)["dropped"] is False
    assert ("unaligned_project", COFFEE) in gaps(fourth)
    assert ("project_without_owner", COFFEE) not in gaps(fourth)
    assert COFFEE in day.markdown(4).partition("## Appendix")[0]
    assert day.versions() == [1, 2, 3, 4]


def test_a_dropped_goal_serves_nothing_and_cannot_be_linked_to(day: Day) -> None:
    exports, desk, officer = day.ideas[EXPORTS], day.ideas[DESK], day.ideas[OFFICER]
    second = day.review(1, {"id": exports, "dropped": True})
    # The desk served only that goal: it serves none now (its link is kept for a restore).
    assert ("unaligned_project", DESK) in gaps(second)
    assert item(second, desk)["links"] == [exports]
    assert EXPORTS not in [gap[1] for gap in gaps(second)]
    assert item(second, officer)["links"] == [desk]
    refused = day.publish({"based_on": 2, "items": [{"id": desk, "links": [exports]}]})
    assert refused.status_code == 400
    assert error_of(refused) == "parent_not_found"
    assert refused.get_json()["error"]["message"] == (
        f"items[0].links[0]: item {exports} is dropped from the plan; "
        "restore it first to link to it."
    )
    # Dropped and linked to in the same review: the same refusal, nothing stored.
    same = day.publish(
        {
            "based_on": 2,
            "items": [{"id": desk, "dropped": True}, {"id": officer, "links": [desk]}],
        }
    )
    assert error_of(same) == "parent_not_found"
    assert "is dropped from the plan" in same.get_json()["error"]["message"]
    assert day.versions() == [1, 2]
    restored = day.review(2, {"id": exports, "dropped": False})
    assert ("unaligned_project", DESK) not in gaps(restored)


def refusals(day: Day) -> list[tuple[dict[str, Any], int, str, str]]:
    """(body, status, code, the start of its message) for every refused review."""
    ids = day.ideas
    desk, coffee, exports = ids[DESK], ids[COFFEE], ids[EXPORTS]

    def items(*listed: dict[str, Any]) -> dict[str, Any]:
        return {"based_on": 1, "items": list(listed)}

    return [
        (
            items({"id": desk, "links": [999_999]}),
            400,
            "parent_not_found",
            "items[0].links[0]: item 999999",
        ),
        (
            items({"id": desk, "links": [ids[OFFICER]]}),
            400,
            "parent_not_allowed",
            "items[0].links[0]: ",
        ),
        (items({"id": desk, "links": [coffee]}), 400, "parent_not_allowed", "items[0].links[0]: "),
        (
            items({"id": desk, "links": [ids[MUSEUM]]}),
            400,
            "parent_not_found",
            "items[0].links[0]: ",
        ),
        (
            items({"id": exports, "links": [coffee]}),
            400,
            "parent_not_allowed",
            "items[0].links[0]: ",
        ),
        (
            items({"id": exports, "mitigated_by": []}),
            400,
            "link_not_allowed",
            "items[0].mitigated_by: ",
        ),
        (
            items({"id": desk, "mitigated_by": "x"}),
            400,
            "invalid_payload",
            "items[0].mitigated_by ",
        ),
        (
            items({"id": exports, "dropped": True}, {"id": coffee, "links": [exports]}),
            400,
            "parent_not_found",
            "items[1].links[0]: ",
        ),
        (
            items({"id": desk, "links": [exports, exports]}),
            400,
            "invalid_links",
            "items[0].links: ",
        ),
        (items({"id": desk, "links": [str(exports)]}), 400, "invalid_links", "items[0].links[0] "),
        (items({"id": desk, "links": [True]}), 400, "invalid_links", "items[0].links[0] "),
        (items({"id": desk, "links": exports}), 400, "invalid_payload", "items[0].links "),
        (items({"id": desk, "dropped": "yes"}), 400, "invalid_payload", "items[0].dropped "),
        (items({"id": desk, "dropped": None}), 400, "invalid_payload", "items[0].dropped "),
        (items({"id": desk, "colour": "red"}), 400, "invalid_payload", "items[0].colour: "),
        (items({"id": desk}), 400, "invalid_payload", "items[0]: "),
        (items({"id": desk, "fields": {"due": "soon"}}), 400, "invalid_date", "items[0].fields: "),
        (items({"id": desk, "fields": {"budget": 5}}), 400, "invalid_field", "items[0].fields: "),
        (items({"id": ids[SOLAR], "dropped": True}), 404, "item_not_found", "items[0].id: "),
        (
            items({"id": desk, "dropped": True}, {"id": desk, "links": []}),
            400,
            "invalid_payload",
            "items[1].id: ",
        ),
        ({**items(), "review_cadence": "weekly"}, 400, "invalid_payload", "review_cadence "),
        ({**items(), "review_cadence": 3}, 400, "invalid_payload", "review_cadence: "),
        (items({"id": desk, "dropped": False}), 400, "no_changes", "Nothing"),
        (items({"id": desk, "links": [exports]}), 400, "no_changes", "Nothing"),
    ]


def test_every_refused_review_names_its_field_and_stores_nothing(day: Day, app: Flask) -> None:
    before = day.plan(1)
    rows = count_rows(app, "planversion")
    for body, status, code, message in refusals(day):
        response = day.publish(body)
        assert response.status_code == status, (body, response.get_json())
        assert error_of(response) == code, body
        assert response.get_json()["error"]["message"].startswith(message), (
            body,
            response.get_json(),
        )
    assert count_rows(app, "planversion") == rows
    assert day.versions() == [1]
    assert day.plan() == before


# --------------------------------------------------------------------------- review cadence


def test_the_review_cadence_set_at_creation_is_the_plans_until_a_review_changes_it(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.started(app, client, review_cadence="monthly")
    try:
        day = run_day(room)
        first = day.plan(1)
        assert first["review_cadence"] == "monthly"
        second = day.review(1, {"id": day.ideas[DESK], "fields": {"owner": "Ana"}})
        assert second["review_cadence"] == "monthly"
        third = day.review(2, review_cadence="half-yearly")
        assert third["review_cadence"] == "half-yearly"
        assert [day.plan(v)["review_cadence"] for v in (1, 2, 3)] == [
            "monthly",
            "monthly",
            "half-yearly",
        ]
        # The same cadence again changes nothing.
        again = day.publish({"based_on": 3, "items": [], "review_cadence": "half-yearly"})
        assert (again.status_code, error_of(again)) == (400, "no_changes")
    finally:
        room.close()


def test_a_workshop_made_without_a_cadence_is_reviewed_quarterly(day: Day) -> None:
    assert day.plan(1)["review_cadence"] == "quarterly"


@pytest.mark.parametrize("cadence", ["weekly", "", "Quarterly", 3, None])
def test_a_workshop_with_an_unknown_cadence_is_refused_and_not_made(
    app: Flask, client: FlaskClient, cadence: Any
) -> None:
    before = count_rows(app, "workshop")
    response = client.post("/api/workshops", json={"title": "Acme", "review_cadence": cadence})
    if cadence is None:  # null: the default
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.get_json()
    assert error_of(response) == "invalid_payload"
    assert "review_cadence" in response.get_json()["error"]["message"]
    assert count_rows(app, "workshop") == before


@pytest.mark.parametrize("cadence", ["monthly", "quarterly", "half-yearly", "yearly"])
def test_every_cadence_is_accepted_at_creation(
    app: Flask, client: FlaskClient, cadence: str
) -> None:
    response = client.post("/api/workshops", json={"title": "Acme", "review_cadence": cadence})
    assert response.status_code == 201, response.get_json()


# --------------------------------------------------------------------------- first version


def test_version_1_and_2_carry_their_publication_time_and_history(day: Day) -> None:
    first = day.plan(1)
    assert first["history"] == [{"version": 1, "published_at": first["published_at"], "note": None}]
    assert first["published_at"].endswith("+00:00")
    second = day.review(1, {"id": day.ideas[DESK], "fields": {"owner": "Ana"}}, note="Owners")
    assert second["history"][0] == first["history"][0]
    assert second["history"][1] == {
        "version": 2,
        "published_at": second["published_at"],
        "note": "Owners",
    }
    assert second["published_at"] >= first["published_at"]
