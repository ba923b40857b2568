"""The finished plan over HTTP: versions and reviews, `?version=`, drafts, share links, the
schema route and the access log, through the Flask test client, real Socket.IO test clients
and the real database.

Each workshop runs a small agenda (goals, then projects, each brainstorm → vote → done with
one item selected) from a console and two phones, then finishes; the tests download, review
and share its plan as the facilitator, a participant and a stranger would.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from jsonschema import Draft202012Validator
from sqlalchemy import text

from tests.factories import Participant, Room, ok, wait_for
from tests.test_events import phase
from tests.test_http import bearer, count_rows, error_of
from workshop.persistence.db import get_engine
from workshop.plan import md_escape
from workshop.web.headers import redacted_path

FILES = (
    "plan.md",
    "plan.html",
    "plan.pdf",
    "plan.docx",
    "plan.json",
    "ideas.csv",
    "register.csv",
    "roadmap.ics",
)
MEDIA_TYPES = {
    "plan.md": "text/markdown; charset=utf-8",
    "plan.html": "text/html; charset=utf-8",
    "plan.pdf": "application/pdf",
    "plan.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "plan.json": "application/json",
    "ideas.csv": "text/csv; charset=utf-8",
    "register.csv": "text/csv; charset=utf-8",
    "roadmap.ics": "text/calendar; charset=utf-8",
}
GOAL, OTHER_GOAL = "Cut emissions by half", "Grow revenue"
PROJECT, OTHER_PROJECT = "Electrify the cranes", "New website"
CORRECTED_GOAL = "Halve our CO2 emissions by 2030"


def stage_body(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "title": key.title(),
        "prompt": f"What are our {key}?",
        "steps": [{"kind": "brainstorm"}, {"kind": "vote"}, {"kind": "done", "select_count": 1}],
    }


@dataclass
class Day:
    """A workshop on the goals → projects agenda, its console, two phones and the ideas."""

    room: Room
    fac: SocketIOTestClient
    people: list[Participant]
    ideas: dict[str, int]

    @property
    def token(self) -> str:
        return self.people[0].token

    def url(self, file: str) -> str:
        return f"/api/workshops/{self.room.id}/{file}"

    def get(self, file: str, query: str = "", secret: str | None = None) -> Any:
        """A plan download as the facilitator (or with `secret` as the Bearer)."""
        return self.room.client.get(
            self.url(file) + query, headers=bearer(self.room.key if secret is None else secret)
        )

    def versions(self) -> list[dict[str, Any]]:
        response = self.room.client.get(self.url("plan/versions"), headers=bearer(self.room.key))
        assert response.status_code == 200, response.get_json()
        found: list[dict[str, Any]] = response.get_json()["versions"]
        return found

    def publish(self, body: Any, secret: str | None = None, **raw: Any) -> Any:
        """POST a review as JSON (or `raw` as data=..., content_type=...)."""
        headers = {} if secret == "" else bearer(self.room.key if secret is None else secret)
        sent = raw or {"json": body}
        return self.room.client.post(self.url("plan/versions"), headers=headers, **sent)

    def plan_json(self, query: str = "") -> dict[str, Any]:
        response = self.get("plan.json", query)
        assert response.status_code == 200, response.get_data(as_text=True)
        data: dict[str, Any] = json.loads(response.get_data())
        return data

    def share(self) -> tuple[str, str]:
        """A new share link: its id and its path (`/s/<secret>`)."""
        response = self.room.client.post(self.url("shares"), headers=bearer(self.room.key))
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        match = re.fullmatch(r"http://127\.0\.0\.1:5000(/s/([A-Za-z0-9_-]{32,}))", body["url"])
        assert match, body
        return body["id"], match.group(1)

    def shares(self) -> list[dict[str, Any]]:
        response = self.room.client.get(self.url("shares"), headers=bearer(self.room.key))
        assert response.status_code == 200, response.get_json()
        found: list[dict[str, Any]] = response.get_json()["shares"]
        return found


def run_day(room: Room, *, finish: bool = True) -> Day:
    """Goals and projects, each decided by dots (the first idea wins), then the finish."""
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": [stage_body("goals"), stage_body("projects")]},
        headers=bearer(room.key),
    )
    assert response.status_code == 200, response.get_json()
    stages = {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}
    fac = room.facilitator()
    people = [room.participant("Ana"), room.participant("Ben")]
    ideas: dict[str, int] = {}
    for key, texts in (("goals", (GOAL, OTHER_GOAL)), ("projects", (PROJECT, OTHER_PROJECT))):
        stage_id = stages[key]
        phase(fac, stage_id, "brainstorm")
        for person, wording in zip(people, texts, strict=True):
            payload = {"stage_id": stage_id, "text": wording}
            ideas[wording] = ok(person.sock, "idea:submit", payload)["idea"]["id"]
        phase(fac, stage_id, "vote")
        first, second = (str(ideas[t]) for t in texts)
        ok(people[0].sock, "votes:set", {"stage_id": stage_id, "votes": {first: 3}})
        ok(people[1].sock, "votes:set", {"stage_id": stage_id, "votes": {first: 1, second: 2}})
        phase(fac, stage_id, "done")
    if finish:
        ok(fac, "workshop:finish")
    fac.get_received()
    return Day(room, fac, people, ideas)


def review_body(day: Day, based_on: int = 1) -> dict[str, Any]:
    """A correction of the goal's wording and an owner, a date and an approach for the
    project, with the facilitator's name and a note."""
    return {
        "based_on": based_on,
        "items": [
            {"id": day.ideas[GOAL], "fields": {"text": CORRECTED_GOAL}},
            {
                "id": day.ideas[PROJECT],
                "fields": {"owner": "Jon Berg", "due": "2027-06-30", "approach": "agile"},
            },
        ],
        "facilitator": "Ana Costa",
        "note": "Owners from Monday's leadership meeting",
    }


def item_of(plan: dict[str, Any], idea_id: int) -> dict[str, Any]:
    found = [item for stage in plan["stages"] for item in stage["items"] if item["id"] == idea_id]
    assert len(found) == 1, idea_id
    return found[0]


def filename_of(response: Any) -> str:
    match = re.search(r'filename="([^"]*)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


def appendix(markdown: str) -> str:
    _head, marker, tail = markdown.partition("## Appendix")
    assert marker, markdown
    return tail


def csv_rows(response: Any) -> dict[str, dict[str, str]]:
    """ideas.csv by the idea as voted."""
    table = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    return {row["Idea"]: row for row in table}


def stored(app: Flask, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with get_engine(app).connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


# --------------------------------------------------------------------------- versions


def test_the_versions_list_is_empty_while_the_workshop_runs_then_holds_version_1(
    room: Room,
) -> None:
    day = run_day(room, finish=False)
    assert day.versions() == []
    as_participant = room.client.get(f"{day.url('plan/versions')}?token={day.token}")
    assert as_participant.status_code == 200
    assert as_participant.get_json() == {"versions": []}
    ok(day.fac, "workshop:finish")
    versions = day.versions()
    assert len(versions) == 1
    first = versions[0]
    assert (first["version"], first["latest"], first["note"]) == (1, True, None)
    assert first["created_at"]
    root = f"http://127.0.0.1:5000/api/workshops/{room.id}"
    assert first["urls"] == {
        "md": f"{root}/plan.md?version=1",
        "html": f"{root}/plan.html?version=1",
        "pdf": f"{root}/plan.pdf?version=1",
        "docx": f"{root}/plan.docx?version=1",
        "json": f"{root}/plan.json?version=1",
        "csv": f"{root}/ideas.csv?version=1",
        "register": f"{root}/register.csv?version=1",
        "roadmap": f"{root}/roadmap.ics?version=1",
    }
    # A participant reads the same list; a stranger reads nothing.
    listed = room.client.get(day.url("plan/versions"), headers=bearer(day.token))
    assert listed.get_json()["versions"] == versions
    stranger = room.client.get(day.url("plan/versions"))
    assert stranger.status_code == 401
    assert error_of(stranger) == "unauthorized"


def test_a_review_is_published_as_version_2_and_version_1_stays_as_it_was(room: Room) -> None:
    day = run_day(room)
    v1_markdown = day.get("plan.md")
    assert v1_markdown.status_code == 200
    v1_json = day.get("plan.json").get_data()

    response = day.publish(review_body(day))
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert published["version"] == 2
    assert published["latest"] is True
    assert published["note"] == "Owners from Monday's leadership meeting"
    root = f"http://127.0.0.1:5000/api/workshops/{room.id}"
    assert published["urls"]["md"] == f"{root}/plan.md?version=2"
    assert published["urls"]["csv"] == f"{root}/ideas.csv?version=2"
    assert published["urls"]["roadmap"] == f"{root}/roadmap.ics?version=2"
    assert len(published["urls"]) == 8
    # Everyone connected hears about it.
    assert wait_for(day.fac, "state")

    versions = day.versions()
    assert [(v["version"], v["latest"], v["note"]) for v in versions] == [
        (1, False, None),
        (2, True, "Owners from Monday's leadership meeting"),
    ]
    assert versions[1] == published

    # The default download is version 2, for the facilitator and for a participant.
    latest = day.get("plan.md")
    assert latest.status_code == 200
    assert filename_of(latest) == "strategic-plan-acme-2030-v2.md"
    assert day.get("plan.md", secret=day.token).get_data() == latest.get_data()
    assert day.get("plan.md", "?version=2").get_data() == latest.get_data()
    markdown = latest.get_data(as_text=True)
    assert md_escape(CORRECTED_GOAL) in markdown
    assert "| Owner | Jon Berg |" in markdown
    assert "| Completion date | 2027-06-30 |" in markdown
    assert md_escape(f"Wording as voted: {GOAL}") in markdown
    assert "Ana Costa" in markdown
    # The appendix keeps the wording as voted.
    assert md_escape(GOAL) in appendix(markdown)
    assert md_escape(CORRECTED_GOAL) not in appendix(markdown)

    # Version 1 is still there, byte for byte.
    old = day.get("plan.md", "?version=1")
    assert old.status_code == 200
    assert old.get_data() == v1_markdown.get_data()
    assert filename_of(old) == "strategic-plan-acme-2030.md"
    assert md_escape(CORRECTED_GOAL) not in old.get_data(as_text=True)
    assert day.get("plan.json", "?version=1").get_data() == v1_json

    plan = day.plan_json("?version=2")
    assert plan["version"] == 2
    assert plan["draft"] is False
    assert plan["note"] == "Owners from Monday's leadership meeting"
    assert plan["facilitator"] == "Ana Costa"
    goal = item_of(plan, day.ideas[GOAL])
    assert goal["fields"]["text"] == CORRECTED_GOAL
    assert goal["text"] == GOAL
    project = item_of(plan, day.ideas[PROJECT])
    assert project["fields"] == {"approach": "agile", "due": "2027-06-30", "owner": "Jon Berg"}
    assert project["text"] == PROJECT
    assert plan == day.plan_json()
    before = json.loads(v1_json)
    assert before["version"] == 1
    assert item_of(before, day.ideas[GOAL])["fields"] == {}


def test_a_review_can_build_on_the_latest_version_and_clear_a_field(room: Room) -> None:
    day = run_day(room)
    assert day.publish(review_body(day)).status_code == 201
    response = day.publish(
        {
            "based_on": 2,
            "items": [{"id": day.ideas[PROJECT], "fields": {"owner": None}}],
            "note": "Jon moved on",
        }
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 3
    plan = day.plan_json()
    assert plan["version"] == 3
    assert item_of(plan, day.ideas[PROJECT])["fields"] == {
        "approach": "agile",
        "due": "2027-06-30",
    }
    # Kept from version 2: the correction and the facilitator's name.
    assert item_of(plan, day.ideas[GOAL])["fields"] == {"text": CORRECTED_GOAL}
    assert plan["facilitator"] == "Ana Costa"
    assert [v["version"] for v in day.versions()] == [1, 2, 3]
    assert filename_of(day.get("plan.md")) == "strategic-plan-acme-2030-v3.md"


# --------------------------------------------------------------------------- refused reviews


def assert_nothing_published(day: Day, versions: int = 1) -> None:
    assert [v["version"] for v in day.versions()] == list(range(1, versions + 1))
    assert count_rows(day.room.app, "planversion") == versions
    assert day.plan_json()["version"] == versions


def test_only_the_facilitator_publishes_a_review(room: Room, other: Room) -> None:
    day = run_day(room)
    body = review_body(day)
    for secret in (day.token, "", "not-a-key", other.key, room.code):
        response = day.publish(body, secret=secret)
        assert response.status_code == 401, secret
        assert error_of(response) == "unauthorized"
    as_query = room.client.post(f"{day.url('plan/versions')}?token={room.key}", json=body)
    assert as_query.status_code == 401
    assert error_of(as_query) == "unauthorized"
    assert_nothing_published(day)


def test_a_review_before_the_finish_is_not_finished(room: Room) -> None:
    day = run_day(room, finish=False)
    for based_on in (0, 1):
        response = day.publish({**review_body(day), "based_on": based_on})
        assert response.status_code == 409
        assert error_of(response) == "not_finished"
    assert day.versions() == []
    assert count_rows(room.app, "planversion") == 0


def test_a_review_based_on_an_older_version_is_stale(room: Room) -> None:
    day = run_day(room)
    assert day.publish(review_body(day)).status_code == 201
    again = {
        "based_on": 1,
        "items": [{"id": day.ideas[PROJECT], "fields": {"owner": "Someone Else"}}],
    }
    response = day.publish(again)
    assert response.status_code == 409
    assert error_of(response) == "stale_version"
    for based_on in (3, 0, -1):
        response = day.publish({**again, "based_on": based_on})
        assert response.status_code == 409, based_on
        assert error_of(response) == "stale_version"
    assert_nothing_published(day, versions=2)
    assert item_of(day.plan_json(), day.ideas[PROJECT])["fields"]["owner"] == "Jon Berg"


BAD_BODIES: list[tuple[str, str]] = [
    # (content type, raw body)
    ("text/plain", "based_on=1"),
    ("application/x-www-form-urlencoded", "based_on=1"),
    ("application/json", '{"based_on": 1'),
    ("application/json", ""),
    ("application/json", "null"),
    ("application/json", '[{"based_on": 1}]'),
    ("application/json", '"based_on"'),
    ("application/json", "1"),
    ("application/json", "[" * 100_000),
    ("application/json", '{"a":' * 50_000),
    ("application/json", "[" * 5_000 + "]" * 5_000),
]


def test_a_body_that_is_not_a_json_object_is_invalid_payload(room: Room) -> None:
    day = run_day(room)
    for content_type, data in BAD_BODIES:
        response = day.publish(None, data=data, content_type=content_type)
        assert response.status_code == 400, (content_type, data[:20])
        assert error_of(response) == "invalid_payload", (content_type, data[:20])
    assert_nothing_published(day)


def bad_reviews(day: Day, other_idea: int) -> list[tuple[Any, str]]:
    goal, project = day.ideas[GOAL], day.ideas[PROJECT]
    fix = [{"id": goal, "fields": {"text": CORRECTED_GOAL}}]
    return [
        ({"items": fix}, "invalid_payload"),
        ({"based_on": "1", "items": fix}, "invalid_payload"),
        ({"based_on": True, "items": fix}, "invalid_payload"),
        ({"based_on": 1.0, "items": fix}, "invalid_payload"),
        ({"based_on": None, "items": fix}, "invalid_payload"),
        ({"based_on": 1, "items": {"id": goal, "fields": {"text": "x"}}}, "invalid_payload"),
        ({"based_on": 1, "items": "all"}, "invalid_payload"),
        ({"based_on": 1, "items": None}, "invalid_payload"),
        ({"based_on": 1, "items": [goal]}, "invalid_payload"),
        ({"based_on": 1, "items": [{"id": True, "fields": {"text": "x"}}]}, "invalid_payload"),
        ({"based_on": 1, "items": [{"id": str(goal), "fields": {"text": "x"}}]}, "invalid_payload"),
        (
            {"based_on": 1, "items": [{"id": float(goal), "fields": {"text": "x"}}]},
            "invalid_payload",
        ),
        ({"based_on": 1, "items": [{"id": goal, "fields": [["text", "x"]]}]}, "invalid_payload"),
        ({"based_on": 1, "items": [{"id": goal}]}, "invalid_payload"),
        (
            {"based_on": 1, "items": [{"id": goal, "fields": {"text": "x"}, "rank": 1}]},
            "invalid_payload",
        ),
        ({"based_on": 1, "items": [*fix, *fix]}, "invalid_payload"),
        ({"based_on": 1, "items": fix, "facilitator": "F" * 81}, "invalid_payload"),
        ({"based_on": 1, "items": fix, "facilitator": 7}, "invalid_payload"),
        ({"based_on": 1, "items": fix, "note": "n" * 401}, "invalid_payload"),
        ({"based_on": 1, "items": fix, "note": ["n"]}, "invalid_payload"),
        # Not a selected item of this plan: a runner-up, another workshop's idea, no idea.
        (
            {"based_on": 1, "items": [{"id": day.ideas[OTHER_GOAL], "fields": {"text": "x"}}]},
            "item_not_found",
        ),
        (
            {"based_on": 1, "items": [{"id": day.ideas[OTHER_PROJECT], "fields": {"owner": "x"}}]},
            "item_not_found",
        ),
        ({"based_on": 1, "items": [{"id": other_idea, "fields": {"text": "x"}}]}, "item_not_found"),
        ({"based_on": 1, "items": [{"id": 999_999, "fields": {"text": "x"}}]}, "item_not_found"),
        # A valid correction first does not get stored when a later item is refused.
        (
            {"based_on": 1, "items": [*fix, {"id": goal + 100_000, "fields": {"text": "x"}}]},
            "item_not_found",
        ),
        # Fields follow the rules of item:update.
        ({"based_on": 1, "items": [{"id": goal, "fields": {"owner": "Jon"}}]}, "unknown_field"),
        (
            {"based_on": 1, "items": [{"id": project, "fields": {"metrics": []}}]},
            "unknown_field",
        ),
        ({"based_on": 1, "items": [{"id": goal, "fields": {"colour": "red"}}]}, "unknown_field"),
        (
            {"based_on": 1, "items": [{"id": project, "fields": {"due": "2027-02-30"}}]},
            "invalid_date",
        ),
        (
            {"based_on": 1, "items": [{"id": project, "fields": {"due": "30/06/2027"}}]},
            "invalid_date",
        ),
        ({"based_on": 1, "items": [{"id": project, "fields": {"due": 2027}}]}, "invalid_date"),
        (
            {"based_on": 1, "items": [{"id": project, "fields": {"approach": "scrum"}}]},
            "invalid_approach",
        ),
        ({"based_on": 1, "items": [{"id": goal, "fields": {"metrics": "lots"}}]}, "invalid_field"),
        (
            {"based_on": 1, "items": [{"id": goal, "fields": {"metrics": [{"size": 3}]}}]},
            "invalid_field",
        ),
        (
            {"based_on": 1, "items": [{"id": goal, "fields": {"metrics": [{"metric": " "}]}}]},
            "invalid_field",
        ),
        ({"based_on": 1, "items": [{"id": goal, "fields": {}}]}, "invalid_field"),
        ({"based_on": 1, "items": [{"id": goal, "fields": {"text": 5}}]}, "invalid_field"),
        (
            {"based_on": 1, "items": [{"id": goal, "fields": {"text": "t" * 281}}]},
            "invalid_field",
        ),
        (
            {"based_on": 1, "items": [{"id": project, "fields": {"owner": "o" * 121}}]},
            "invalid_field",
        ),
        # Nothing would change.
        ({"based_on": 1}, "no_changes"),
        ({"based_on": 1, "items": []}, "no_changes"),
        ({"based_on": 1, "items": [], "note": "Looked again"}, "no_changes"),
        ({"based_on": 1, "items": [], "facilitator": None}, "no_changes"),
        ({"based_on": 1, "items": [{"id": goal, "fields": {"text": GOAL}}]}, "no_changes"),
        ({"based_on": 1, "items": [{"id": goal, "fields": {"text": f"  {GOAL} "}}]}, "no_changes"),
        ({"based_on": 1, "items": [{"id": project, "fields": {"owner": None}}]}, "no_changes"),
        ({"based_on": 1, "items": [{"id": project, "fields": {"owner": "  "}}]}, "no_changes"),
    ]


STATUS = {
    "invalid_payload": 400,
    "item_not_found": 404,
    "unknown_field": 400,
    "invalid_date": 400,
    "invalid_approach": 400,
    "invalid_field": 400,
    "no_changes": 400,
}


def test_refused_reviews_answer_their_code_and_publish_nothing(room: Room, other: Room) -> None:
    stranger = other.participant("Stranger")
    vision = other.stage_ids()["vision"]
    other_idea = ok(stranger.sock, "idea:submit", {"stage_id": vision, "text": "Theirs"})
    day = run_day(room)
    for body, code in bad_reviews(day, other_idea["idea"]["id"]):
        response = day.publish(body)
        assert response.status_code == STATUS[code], (body, response.get_json())
        assert error_of(response) == code, body
    assert_nothing_published(day)
    assert stored(room.app, "SELECT version, format FROM planfile") == [(1, "json")]
    # The same review, made right, is then accepted as version 2.
    good = day.publish({**review_body(day), "facilitator": "F" * 80})
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["version"] == 2
    assert day.plan_json()["facilitator"] == "F" * 80


# --------------------------------------------------------------------------- ?version=

FULL_WIDTH_ONE, SUPERSCRIPT_TWO, ARABIC_INDIC_THREE = "\uff11", "\u00b2", "\u0663"
BAD_VERSIONS = ["0", "-1", "1.5", "01", "+1", " 1", "1 ", "1e0", "0x1", "abc", "9" * 5000]
BAD_VERSIONS += [FULL_WIDTH_ONE, SUPERSCRIPT_TWO, ARABIC_INDIC_THREE]


@pytest.mark.parametrize("file", FILES)
def test_a_version_that_is_not_a_whole_number_from_1_is_invalid_version(
    room: Room, file: str
) -> None:
    day = run_day(room)
    for value in BAD_VERSIONS:
        for secret in (room.key, day.token):
            response = room.client.get(
                day.url(file), query_string={"version": value}, headers=bearer(secret)
            )
            assert response.status_code == 400, (file, value[:10])
            assert error_of(response) == "invalid_version"
    missing = day.get(file, "?version=7")
    assert missing.status_code == 404
    assert error_of(missing) == "version_not_found"
    assert day.get(file, "?version=999999999").status_code == 404
    assert day.get(file, "?version=1").status_code == 200
    # Nothing was rendered for the refused requests: only version 1 of this file is stored.
    assert stored(room.app, "SELECT version FROM planfile") == [(1,)]


def test_share_links_parse_the_version_too(room: Room) -> None:
    day = run_day(room)
    _share_id, path = day.share()
    for target in (path, *(f"{path}/{file}" for file in FILES)):
        for value in BAD_VERSIONS:
            response = room.client.get(target, query_string={"version": value})
            assert response.status_code == 400, (target, value[:10])
        assert room.client.get(f"{target}?version=7").status_code == 404, target
        assert room.client.get(f"{target}?version=1").status_code == 200, target


def test_a_version_before_the_finish_is_not_finished_for_the_facilitator_too(room: Room) -> None:
    day = run_day(room, finish=False)
    for file in FILES:
        for secret in (room.key, day.token):
            for value in ("1", "2"):
                response = day.get(file, f"?version={value}", secret=secret)
                assert response.status_code == 409, (file, value)
                assert error_of(response) == "not_finished"
            bad = day.get(file, "?version=0", secret=secret)
            assert bad.status_code == 400
            assert error_of(bad) == "invalid_version"
    assert count_rows(room.app, "planfile") == 0
    assert count_rows(room.app, "planversion") == 0


# --------------------------------------------------------------------------- drafts


def test_the_facilitator_downloads_drafts_while_the_workshop_runs(room: Room) -> None:
    day = run_day(room, finish=False)
    for file in FILES:
        response = day.get(file)
        assert response.status_code == 200, file
        assert response.headers["Content-Type"] == MEDIA_TYPES[file], file
        _stem, ext = file.rsplit(".", 1)
        kind = {"ideas.csv": "ideas", "register.csv": "register", "roadmap.ics": "roadmap"}.get(
            file, "strategic-plan"
        )
        assert filename_of(response) == f"{kind}-acme-2030-draft.{ext}"
        disposition = response.headers["Content-Disposition"]
        assert disposition.endswith(f"filename*=UTF-8''{kind}-acme-2030-draft.{ext}")
        assert disposition.startswith("inline;" if file == "plan.html" else "attachment;")
        assert response.headers["Cache-Control"] == "private, no-store"
    markdown = day.get("plan.md").get_data(as_text=True)
    assert markdown.startswith("# Strategic plan: Acme 2030\n\n**DRAFT")
    assert markdown.rstrip().endswith("not the final plan.**")
    plan = day.plan_json()
    assert plan["draft"] is True
    assert plan["version"] == 0
    assert item_of(plan, day.ideas[GOAL])["selected"] is True
    ideas = csv_rows(day.get("ideas.csv"))
    assert set(ideas) == {GOAL, OTHER_GOAL, PROJECT, OTHER_PROJECT}
    assert {row["Plan version"] for row in ideas.values()} == {"DRAFT"}
    assert b"DRAFT" in day.get("plan.html").get_data()
    assert day.get("plan.pdf").get_data().startswith(b"%PDF")
    assert zipfile.is_zipfile(io.BytesIO(day.get("plan.docx").get_data()))
    # A draft is neither a version nor a stored file.
    assert day.versions() == []
    assert count_rows(room.app, "planfile") == 0
    assert count_rows(room.app, "planversion") == 0


def test_a_participant_gets_no_draft(room: Room) -> None:
    day = run_day(room, finish=False)
    for file in FILES:
        for response in (
            day.get(file, secret=day.token),
            room.client.get(f"{day.url(file)}?token={day.people[1].token}"),
        ):
            assert response.status_code == 409, file
            assert error_of(response) == "not_finished"
    assert count_rows(room.app, "planfile") == 0


def test_after_the_finish_the_same_urls_give_the_final_plan(room: Room) -> None:
    day = run_day(room, finish=False)
    draft = day.get("plan.md").get_data(as_text=True)
    assert "DRAFT" in draft
    ok(day.fac, "workshop:finish")
    for file in FILES:
        response = day.get(file)
        assert response.status_code == 200, file
        assert response.headers["Content-Type"] == MEDIA_TYPES[file], file
        assert "draft" not in filename_of(response), file
        assert day.get(file, secret=day.token).get_data() == response.get_data(), file
    markdown = day.get("plan.md").get_data(as_text=True)
    assert "DRAFT" not in markdown
    assert md_escape(GOAL) in markdown
    ideas = csv_rows(day.get("ideas.csv"))
    assert {row["Plan version"] for row in ideas.values()} == {"1"}
    assert (ideas[GOAL]["Selected"], ideas[OTHER_GOAL]["Selected"]) == ("yes", "no")
    plan = day.plan_json()
    assert (plan["draft"], plan["version"]) == (False, 1)


# --------------------------------------------------------------------------- shares


def test_a_share_link_needs_a_finished_plan_and_the_facilitator_key(
    room: Room, other: Room
) -> None:
    day = run_day(room, finish=False)
    early = room.client.post(day.url("shares"), headers=bearer(room.key))
    assert early.status_code == 409
    assert error_of(early) == "not_finished"
    assert day.shares() == []
    ok(day.fac, "workshop:finish")
    for headers in ({}, bearer(day.token), bearer(other.key), bearer("nope")):
        refused = room.client.post(day.url("shares"), headers=headers)
        assert refused.status_code == 401, headers
        assert error_of(refused) == "unauthorized"
        listing = room.client.get(day.url("shares"), headers=headers)
        assert listing.status_code == 401, headers
        assert error_of(listing) == "unauthorized"
    assert day.shares() == []
    assert count_rows(room.app, "planshare") == 0


def test_a_share_link_opens_the_plan_without_a_key(room: Room) -> None:
    day = run_day(room)
    response = room.client.post(day.url("shares"), headers=bearer(room.key))
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"id", "url", "created_at"}
    share_id, path = day.share()
    assert share_id != body["id"]
    secret = path.removeprefix("/s/")

    listing = room.client.get(day.url("shares"), headers=bearer(room.key))
    assert [s["id"] for s in listing.get_json()["shares"]] == [body["id"], share_id]
    assert all(set(s) == {"id", "created_at"} for s in listing.get_json()["shares"])
    assert secret not in listing.get_data(as_text=True)
    # Only the hash is stored.
    dump = repr(stored(room.app, "SELECT * FROM planshare"))
    assert secret not in dump

    page = room.client.get(path)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    html = page.get_data(as_text=True)
    assert "Acme 2030" in html
    assert GOAL in html
    for file in FILES:
        assert f'href="http://127.0.0.1:5000{path}/{file}"' in html, file
    assert room.key not in html

    for file in FILES:
        download = room.client.get(f"{path}/{file}")
        assert download.status_code == 200, file
        assert download.headers["Content-Type"] == MEDIA_TYPES[file], file
        assert download.headers["Referrer-Policy"] == "no-referrer", file
        assert download.get_data() == day.get(file).get_data(), file
        assert room.client.get(f"{path}/{file}?version=1").get_data() == download.get_data()
    for missing in ("nothing.txt", "plan.exe", "plan.MD", "ideas.json", "..", "plan.md.bak"):
        response = room.client.get(f"{path}/{missing}")
        assert response.status_code == 404, missing
    unknown = room.client.get(f"/s/{'x' * len(secret)}")
    assert unknown.status_code == 404
    assert room.client.get(f"/s/{'x' * len(secret)}/plan.md").status_code == 404


def test_a_plan_has_at_most_50_open_share_links(room: Room) -> None:
    day = run_day(room)
    made = [day.share() for _ in range(50)]
    refused = room.client.post(day.url("shares"), headers=bearer(room.key))
    assert refused.status_code == 409
    assert error_of(refused) == "too_many_shares"
    assert len(day.shares()) == 50
    assert count_rows(room.app, "planshare") == 50
    revoked = room.client.delete(day.url(f"shares/{made[0][0]}"), headers=bearer(room.key))
    assert revoked.status_code == 204
    day.share()
    assert len(day.shares()) == 50
    assert room.client.get(made[-1][1]).status_code == 200


def test_a_share_link_shows_the_latest_version_or_the_one_asked_for(room: Room) -> None:
    day = run_day(room)
    _share_id, path = day.share()
    assert day.publish(review_body(day)).status_code == 201
    latest = room.client.get(path).get_data(as_text=True)
    assert CORRECTED_GOAL in latest
    first = room.client.get(f"{path}?version=1").get_data(as_text=True)
    assert CORRECTED_GOAL not in first
    assert GOAL in first
    assert f'href="http://127.0.0.1:5000{path}/plan.pdf?version=1"' in first
    shared = room.client.get(f"{path}/plan.json")
    assert json.loads(shared.get_data())["version"] == 2
    assert filename_of(shared) == "strategic-plan-acme-2030-v2.json"
    assert json.loads(room.client.get(f"{path}/plan.json?version=1").get_data())["version"] == 1


def test_a_revoked_share_link_answers_404_like_one_that_never_existed(room: Room) -> None:
    day = run_day(room)
    share_id, path = day.share()
    kept_id, kept = day.share()
    never = room.client.get("/s/" + "A" * 32)
    revoke = room.client.delete(day.url(f"shares/{share_id}"), headers=bearer(room.key))
    assert revoke.status_code == 204
    assert revoke.get_data() == b""
    gone = room.client.get(path)
    assert gone.status_code == 404
    assert gone.get_data() == never.get_data()
    for file in FILES:
        assert room.client.get(f"{path}/{file}").status_code == 404, file
        assert room.client.get(f"{path}/{file}?version=1").status_code == 404, file
    assert [s["id"] for s in day.shares()] == [kept_id]
    again = room.client.delete(day.url(f"shares/{share_id}"), headers=bearer(room.key))
    assert again.status_code == 404
    assert error_of(again) == "share_not_found"
    unknown = room.client.delete(day.url("shares/000000000000"), headers=bearer(room.key))
    assert unknown.status_code == 404
    assert error_of(unknown) == "share_not_found"
    # The other link still opens the plan.
    assert room.client.get(kept).status_code == 200
    assert room.client.get(f"{kept}/plan.md").status_code == 200


def test_a_share_link_belongs_to_one_workshop(room: Room, other: Room) -> None:
    day = run_day(room)
    share_id, path = day.share()
    theirs = run_day(other)
    their_id, their_path = theirs.share()

    # Another workshop's facilitator cannot revoke it, through either workshop's URL.
    for url, key in (
        (day.url(f"shares/{share_id}"), other.key),
        (day.url(f"shares/{share_id}"), day.token),
        (day.url(f"shares/{share_id}"), ""),
    ):
        response = room.client.delete(url, headers=bearer(key) if key else {})
        assert response.status_code == 401
        assert error_of(response) == "unauthorized"
    cross = room.client.delete(theirs.url(f"shares/{share_id}"), headers=bearer(other.key))
    assert cross.status_code == 404
    assert error_of(cross) == "share_not_found"
    assert [s["id"] for s in day.shares()] == [share_id]
    assert [s["id"] for s in theirs.shares()] == [their_id]

    # Each link opens its own workshop's plan and nothing else.
    mine = room.client.get(f"{path}/plan.json")
    assert mine.status_code == 200
    assert json.loads(mine.get_data())["title"] == "Acme 2030"
    assert "Other Co 2030" not in room.client.get(path).get_data(as_text=True)
    assert json.loads(room.client.get(f"{their_path}/plan.json").get_data())["title"] == (
        "Other Co 2030"
    )
    assert room.client.get(f"{path}/plan.md").get_data() == day.get("plan.md").get_data()
    # A key or token is not a share secret.
    for secret in (room.key, day.token, other.key):
        assert room.client.get(f"/s/{secret}").status_code == 404
        assert room.client.get(f"/s/{secret}/plan.md").status_code == 404


# --------------------------------------------------------------------------- the schema


def test_plan_json_validates_against_the_published_schema(room: Room) -> None:
    response = room.client.get("/api/plan.schema.json")
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    schema = json.loads(response.get_data())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    day = run_day(room, finish=False)
    draft = day.plan_json()
    assert [e.message for e in validator.iter_errors(draft)] == []
    ok(day.fac, "workshop:finish")
    assert day.publish(review_body(day)).status_code == 201
    for query in ("?version=1", "?version=2"):
        plan = day.plan_json(query)
        assert [e.message for e in validator.iter_errors(plan)] == [], query
    # The schema is not a rubber stamp.
    broken = day.plan_json()
    broken["version"] = "2"
    assert list(validator.iter_errors(broken))


# --------------------------------------------------------------------------- the access log


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "workshop.http"]


def test_share_secrets_never_reach_the_access_log(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    day = run_day(room)
    share_id, path = day.share()
    secret = path.removeprefix("/s/")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="workshop.http"):
        assert room.client.get(f"{path}/plan.md").status_code == 200
        assert room.client.get(path).status_code == 200
        assert room.client.get(f"{path}/plan.pdf?version=1").status_code == 200
        assert room.client.get(f"{day.url('plan.md')}?token={day.token}").status_code == 200
        revoked = room.client.delete(day.url(f"shares/{share_id}"), headers=bearer(room.key))
        assert revoked.status_code == 204
        assert room.client.get(f"{path}/plan.md").status_code == 404
    lines = log_lines(caplog)
    assert len(lines) == 6
    for line in lines:
        assert secret not in line
        assert day.token not in line
        assert room.key not in line
    shape = r"GET /s/(…|%E2%80%A6)/plan\.md {} [0-9.]+ms"
    assert re.fullmatch(shape.format(200), lines[0]), lines[0]
    assert re.fullmatch(r"GET /s/(…|%E2%80%A6) 200 [0-9.]+ms", lines[1]), lines[1]
    assert re.fullmatch(r"GET /s/(…|%E2%80%A6)/plan\.pdf 200 [0-9.]+ms", lines[2]), lines[2]
    assert lines[3].startswith(f"GET /api/workshops/{room.id}/plan.md 200 ")
    assert re.fullmatch(shape.format(404), lines[5]), lines[5]
    for record in caplog.records:
        assert secret not in repr(record.args)


def test_a_share_link_with_a_doubled_slash_keeps_its_secret_out_of_the_log(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    """`/s//<secret>` is redirected to the share page, so the link works: it is a share
    link's request like any other, and its secret must not be logged either."""
    day = run_day(room)
    _share_id, path = day.share()
    secret = path.removeprefix("/s/")
    with caplog.at_level(logging.INFO, logger="workshop.http"):
        response = room.client.get(f"/s//{secret}/plan.md", follow_redirects=True)
        assert response.status_code == 200
    lines = log_lines(caplog)
    assert lines
    for line in lines:
        assert secret not in line, line


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/s/abcDEF123_-/plan.md", "/s/…/plan.md"),
        ("/s/abcDEF123_-", "/s/…"),
        ("/s/abcDEF123_-/", "/s/…/"),
        ("/s/abc/plan.pdf", "/s/…/plan.pdf"),
        ("/s/", "/s/"),  # nothing to hide
        ("/api/workshops/0123456789abcdef/plan.md", "/api/workshops/0123456789abcdef/plan.md"),
        ("/static/s/app.js", "/static/s/app.js"),
        ("/", "/"),
        ("/sx/abc", "/sx/abc"),
    ],
)
def test_redacted_path_hides_the_share_secret_and_nothing_else(path: str, logged: str) -> None:
    assert redacted_path(path) == logged


@pytest.mark.parametrize("path", ["/s//abcDEF123_-", "/s//abcDEF123_-/plan.md"])
def test_redacted_path_hides_a_secret_after_a_doubled_slash(path: str) -> None:
    assert "abcDEF123_-" not in redacted_path(path)


# --------------------------------------------------------------------------- stored files


def test_each_version_is_rendered_once_per_format_and_served_from_the_database(
    room: Room,
) -> None:
    day = run_day(room)
    first = day.get("plan.pdf")
    second = day.get("plan.pdf", secret=day.token)
    assert first.status_code == second.status_code == 200
    assert first.get_data().startswith(b"%PDF")
    assert first.get_data() == second.get_data()
    rows = stored(room.app, "SELECT version, format, content FROM planfile")
    assert rows == [(1, "pdf", first.get_data())]
    # What is served is the stored file, not a new render.
    with get_engine(room.app).begin() as conn:
        conn.execute(text("UPDATE planfile SET content = :c"), {"c": b"%PDF-stored"})
    assert day.get("plan.pdf").get_data() == b"%PDF-stored"
    assert day.get("plan.pdf", "?version=1").get_data() == b"%PDF-stored"


def test_a_format_of_version_1_stays_version_1_after_version_2_is_published(room: Room) -> None:
    day = run_day(room)
    v1_pdf = day.get("plan.pdf").get_data()
    assert day.publish(review_body(day)).status_code == 201
    v2_pdf = day.get("plan.pdf")
    assert filename_of(v2_pdf) == "strategic-plan-acme-2030-v2.pdf"
    assert v2_pdf.get_data() != v1_pdf
    assert day.get("plan.pdf", "?version=1").get_data() == v1_pdf
    assert day.get("plan.pdf", "?version=2").get_data() == v2_pdf.get_data()
    # Formats first downloaded after version 2 exists still render version 1 as it was.
    old_docx = day.get("plan.docx", "?version=1")
    assert old_docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(old_docx.get_data())) as docx:
        document = docx.read("word/document.xml").decode()
    assert GOAL in document
    assert CORRECTED_GOAL not in document
    assert "Jon Berg" not in document
    old_csv = csv_rows(day.get("ideas.csv", "?version=1"))
    new_csv = csv_rows(day.get("ideas.csv"))
    assert (old_csv[GOAL]["Wording in plan"], old_csv[GOAL]["Plan version"]) == (GOAL, "1")
    assert (new_csv[GOAL]["Wording in plan"], new_csv[GOAL]["Plan version"]) == (
        CORRECTED_GOAL,
        "2",
    )
    old_md = day.get("plan.md", "?version=1").get_data(as_text=True)
    assert CORRECTED_GOAL not in old_md
    assert "Jon Berg" not in old_md
    assert sorted(stored(room.app, "SELECT version, format FROM planfile")) == [
        (1, "csv"),
        (1, "docx"),
        (1, "md"),
        (1, "pdf"),
        (2, "csv"),
        (2, "pdf"),
    ]


def test_redacted_path_hides_a_secret_after_a_dot_segment() -> None:
    assert redacted_path("/./s/abcDEF123_-/plan.md") == "/./s/…/plan.md"
