"""HTTP routes through the Flask test client: creating workshops, state, plans, pages, errors."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.factories import Participant, Room, ok
from workshop.core.security import CODE_ALPHABET
from workshop.persistence.db import get_engine


def count_rows(app: Flask, table: str) -> int:
    with get_engine(app).connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def error_of(response: Any) -> str:
    """The error code of a JSON error response (checking its shape)."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    code: str = body["error"]["code"]
    return code


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def finish(room: Room) -> list[Participant]:
    """Run the vision stage to done with two participants and finish the workshop."""
    fac = room.facilitator()
    people = [room.participant("Ana"), room.participant("Ben")]
    vision = room.stage_ids()["vision"]
    ideas = [
        ok(p.sock, "idea:submit", {"stage_id": vision, "text": t})["idea"]["id"]
        for p, t in zip(people, ["Carbon neutral port", "Best place to work"], strict=True)
    ]
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "vote"})
    ok(people[0].sock, "votes:set", {"stage_id": vision, "votes": {str(ideas[1]): 3}})
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "rank"})
    ok(people[1].sock, "ranking:set", {"stage_id": vision, "order": [ideas[1], ideas[0]]})
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "done"})
    ok(fac, "workshop:finish")
    return people


# --------------------------------------------------------------------------- creating


def test_create_workshop_returns_id_code_key_and_urls(client: FlaskClient) -> None:
    response = client.post("/api/workshops", json={"title": "Acme 2030"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "id",
        "code",
        "facilitator_key",
        "projector_token",
        "projector_url",
        "urls",
    }
    assert re.fullmatch(r"[0-9a-f]{16}", body["id"])
    assert len(body["code"]) == 6
    assert set(body["code"]) <= set(CODE_ALPHABET)
    key = body["facilitator_key"]
    assert len(key) >= 32
    # Links come from the listening address (HOST:PORT), never the request's Host header.
    root = "http://127.0.0.1:5000/"
    token = body["projector_token"]
    assert len(token) >= 32 and token != key
    assert body["projector_url"] == f"{root}w/{body['id']}/present#token={token}"
    assert body["urls"] == {
        "join": f"{root}j/{body['code']}",
        "facilitate": f"{root}w/{body['id']}/facilitate#key={key}",
        "present": body["projector_url"],
    }
    assert response.headers["Cache-Control"] == "no-store"
    again = client.post("/api/workshops", json={"title": "Acme 2030"}).get_json()
    assert again["id"] != body["id"]
    assert again["code"] != body["code"]
    assert again["facilitator_key"] != key


def test_a_new_workshop_has_the_default_agenda(client: FlaskClient) -> None:
    body = client.post("/api/workshops", json={"title": "  Acme   2030 "}).get_json()
    state = client.get(f"/api/workshops/{body['id']}", headers=bearer(body["facilitator_key"]))
    assert state.status_code == 200
    snapshot = state.get_json()
    assert snapshot["audience"] == "facilitator"
    assert snapshot["workshop"] == {
        "id": body["id"],
        "title": "Acme 2030",
        "organization": None,
        "horizon_years": 3,
        "review_cadence": "quarterly",
        "language": "en",
        "template": "strategic-plan",
        "status": "active",
        "code": body["code"],
        "join_url": f"http://127.0.0.1:5000/j/{body['code']}",
        # The test app listens on 127.0.0.1: no phone could open that link.
        "join_reachable": False,
        "participant_count": 0,
        "lobby": True,
        "participants": [],
        "join_locked": False,
        "removed_count": 0,
        "max_participants": 2000,
        "projector_url": body["projector_url"],
    }
    stages = snapshot["stages"]
    # The workshop opens in its lobby: the first stage is current, nothing is open yet.
    assert [(s["key"], s["title"], s["phase"], s["step"]) for s in stages] == [
        ("vision", "Vision", "pending", -1),
        ("goals", "Goals", "pending", -1),
        ("projects", "Projects", "pending", -1),
    ]
    assert [s["select_count"] for s in stages] == [1, 3, 5]
    for stage in stages:
        assert (stage["dot_budget"], stage["max_dots_per_idea"], stage["shortlist_size"]) == (
            5,
            3,
            5,
        )
        assert "our organisation" in stage["prompt"]
    assert "3 years" in stages[0]["prompt"]
    assert snapshot["current"] == {"stage_id": stages[0]["id"], "phase": "pending"}
    assert snapshot["plan"] is None


def test_organisation_and_horizon_shape_the_prompts(client: FlaskClient) -> None:
    body = client.post(
        "/api/workshops",
        json={
            "title": "Port 2035",
            "organization": "Port of Acme",
            "horizon_years": 10,
            "template": "strategic-plan",
        },
    ).get_json()
    state = client.get(f"/api/workshops/{body['id']}", headers=bearer(body["facilitator_key"]))
    snapshot = state.get_json()
    assert snapshot["workshop"]["organization"] == "Port of Acme"
    assert snapshot["workshop"]["horizon_years"] == 10
    assert snapshot["stages"][0]["prompt"] == (
        "Where should Port of Acme be in 10 years? Describe it in one sentence."
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_payload"),
        ({"organization": "Acme"}, "invalid_payload"),
        ({"title": 2030}, "invalid_payload"),
        ({"title": "Acme", "horizon_years": "3"}, "invalid_payload"),
        ({"title": "Acme", "horizon_years": True}, "invalid_payload"),
        ({"title": "Acme", "organization": 7}, "invalid_payload"),
        ({"title": ""}, "title_required"),
        ({"title": "   "}, "title_required"),
        ({"title": "t" * 121}, "title_too_long"),
        ({"title": "Acme", "organization": "o" * 121}, "organization_too_long"),
        ({"title": "Acme", "horizon_years": 2}, "invalid_horizon"),
        ({"title": "Acme", "horizon_years": 0}, "invalid_horizon"),
        ({"title": "Acme", "horizon_years": -3}, "invalid_horizon"),
        ({"title": "Acme", "template": "okr"}, "unknown_template"),
        ([{"title": "Acme"}], "invalid_payload"),
        ("Acme", "invalid_payload"),
    ],
)
def test_invalid_workshops_are_refused_and_nothing_is_created(
    app: Flask, client: FlaskClient, body: Any, code: str
) -> None:
    response = client.post("/api/workshops", json=body)
    assert response.status_code == 400
    assert error_of(response) == code
    assert count_rows(app, "workshop") == 0
    assert count_rows(app, "stage") == 0


def test_a_blank_template_is_unknown_template(app: Flask, client: FlaskClient) -> None:
    """The contract allows only "strategic-plan" (or no template at all)."""
    response = client.post("/api/workshops", json={"title": "Acme", "template": ""})
    assert response.status_code == 400
    assert error_of(response) == "unknown_template"
    assert count_rows(app, "workshop") == 0


def test_the_longest_title_and_organisation_are_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/api/workshops", json={"title": "t" * 120, "organization": "o" * 120, "horizon_years": 1}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("title=Acme", "application/x-www-form-urlencoded"),
        ("Acme 2030", "text/plain"),
        ('{"title": "Acme"', "application/json"),
        ("null", "application/json"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid_payload(
    app: Flask, client: FlaskClient, data: str, content_type: str
) -> None:
    response = client.post("/api/workshops", data=data, content_type=content_type)
    assert response.status_code == 400
    assert error_of(response) == "invalid_payload"
    assert count_rows(app, "workshop") == 0


# --------------------------------------------------------------------------- state


def test_workshop_state_needs_the_facilitator_key(room: Room, other: Room) -> None:
    url = f"/api/workshops/{room.id}"
    participant = room.participant("Ana")
    for headers in (
        {},
        bearer("wrong-key"),
        bearer(""),
        bearer(other.key),
        bearer(participant.token),
        {"Authorization": room.key},
        {"Authorization": f"Basic {room.key}"},
    ):
        response = room.client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response) == "unauthorized"
    unknown = room.client.get("/api/workshops/0123456789abcdef", headers=bearer(room.key))
    assert unknown.status_code == 404
    assert error_of(unknown) == "workshop_not_found"
    good = room.client.get(url, headers=bearer(room.key))
    assert good.status_code == 200
    assert good.get_json()["workshop"]["participant_count"] == 1


# --------------------------------------------------------------------------- plans


def test_plan_is_not_ready_for_participants_before_finish(room: Room) -> None:
    participant = room.participant()
    for file in ("plan.md", "plan.html", "plan.pdf", "plan.docx", "plan.json", "ideas.csv"):
        url = f"/api/workshops/{room.id}/{file}"
        response = room.client.get(f"{url}?token={participant.token}")
        assert response.status_code == 409
        assert error_of(response) == "not_finished"
        # The facilitator gets a draft meanwhile, but no version to pick from yet.
        response = room.client.get(f"{url}?version=1", headers=bearer(room.key))
        assert response.status_code == 409
        assert error_of(response) == "not_finished"


def test_plan_downloads_need_a_key_or_token_of_that_workshop(room: Room, other: Room) -> None:
    people = finish(room)
    stranger = other.participant("Stranger")
    for ext in ("md", "html"):
        url = f"/api/workshops/{room.id}/plan.{ext}"
        for response in (
            room.client.get(url),
            room.client.get(url, headers=bearer("nope")),
            room.client.get(f"{url}?token=nope"),
            room.client.get(f"{url}?token="),
            room.client.get(f"{url}?token={stranger.token}"),
            room.client.get(url, headers=bearer(stranger.token)),
            room.client.get(url, headers=bearer(other.key)),
            room.client.get(f"{url}?token={other.key}"),
        ):
            assert response.status_code == 401
            assert error_of(response) == "unauthorized"
        allowed = [
            room.client.get(url, headers=bearer(room.key)),
            room.client.get(f"{url}?token={people[0].token}"),
            room.client.get(url, headers=bearer(people[1].token)),
        ]
        assert [r.status_code for r in allowed] == [200, 200, 200]
        # Generated once: every download is the same bytes.
        assert len({r.get_data() for r in allowed}) == 1
    unknown = room.client.get("/api/workshops/0123456789abcdef/plan.md", headers=bearer(room.key))
    assert unknown.status_code == 404
    assert error_of(unknown) == "workshop_not_found"


def test_plan_markdown_is_an_attachment_with_the_results(room: Room) -> None:
    people = finish(room)
    response = room.client.get(f"/api/workshops/{room.id}/plan.md?token={people[0].token}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="strategic-plan-acme-2030.md"' in disposition
    assert disposition.endswith("filename*=UTF-8''strategic-plan-acme-2030.md")
    markdown = response.get_data(as_text=True)
    assert markdown.startswith("# Strategic plan: Acme 2030\n")
    # Ben ranked "Best place to work" first: it is the selected vision statement.
    assert "## Vision\n\n> Best place to work\n" in markdown
    assert "not completed" in markdown  # goals and projects never reached done
    assert (
        room.client.get(f"/api/workshops/{room.id}/plan.md", headers=bearer(room.key)).get_data()
        == response.get_data()
    )


def test_plan_html_is_one_self_contained_page(room: Room) -> None:
    finish(room)
    response = room.client.get(f"/api/workshops/{room.id}/plan.html", headers=bearer(room.key))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<blockquote>Best place to work</blockquote>" in page
    lowered = page.lower()
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in lowered


# --------------------------------------------------------------------------- other routes


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True}


def test_pages(room: Room) -> None:
    client = room.client
    home = client.get("/")
    assert home.status_code == 200
    assert home.mimetype == "text/html"
    phone = client.get(f"/j/{room.code}")
    assert phone.status_code == 200
    assert phone.mimetype == "text/html"
    for page in ("facilitate", "present"):
        response = client.get(f"/w/{room.id}/{page}")
        assert response.status_code == 200, page
        assert response.mimetype == "text/html"
        assert room.key not in response.get_data(as_text=True)


def test_join_codes_are_forgiving_in_urls(room: Room) -> None:
    client = room.client
    lower = client.get(f"/j/{room.code.lower()}")
    assert lower.status_code in (301, 302, 303, 307, 308)
    assert lower.headers["Location"].endswith(f"/j/{room.code}")
    typed = f"{room.code[:3].lower()}-{room.code[3:].lower()} "
    form = client.get("/join", query_string={"code": typed})
    assert form.status_code in (301, 302, 303, 307, 308)
    assert form.headers["Location"].endswith(f"/j/{room.code}")


def test_unknown_codes_and_workshops_get_a_404_page(room: Room) -> None:
    client = room.client
    unknown_code = "ZZZZZZ" if room.code != "ZZZZZZ" else "YYYYYY"
    for url in (
        f"/j/{unknown_code}",
        f"/join?code={unknown_code}",
        f"/j/{unknown_code}/qr.svg",
        "/w/0123456789abcdef/facilitate",
        "/w/0123456789abcdef/present",
        "/no/such/page",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html", url


def test_an_empty_join_code_goes_back_to_the_start_page(client: FlaskClient) -> None:
    response = client.get("/join?code=+")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_join_qr_code_is_an_svg(room: Room) -> None:
    response = room.client.get(f"/j/{room.code}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg


def test_unknown_api_routes_and_methods_answer_json(client: FlaskClient, room: Room) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.mimetype == "application/json"
    assert error_of(missing) == "not_found"
    missing_plan = client.get(f"/api/workshops/{room.id}/plan.txt", headers=bearer(room.key))
    assert missing_plan.status_code == 404
    assert error_of(missing_plan) == "not_found"
    for method, url in (
        ("GET", "/api/workshops"),
        ("PUT", "/api/workshops"),
        ("PUT", f"/api/workshops/{room.id}"),
        ("DELETE", f"/api/workshops/{room.id}/summary"),
        ("GET", f"/api/workshops/{room.id}/duplicate"),
        ("POST", f"/api/workshops/{room.id}/plan.md"),
    ):
        response = client.open(url, method=method, headers=bearer(room.key))
        assert response.status_code == 405, (method, url)
        assert response.mimetype == "application/json"
        assert error_of(response) == "method_not_allowed"
    assert client.get(f"/api/workshops/{room.id}", headers=bearer(room.key)).status_code == 200


# --------------------------------------------------------------------------- secrets at rest


def test_facilitator_key_and_participant_tokens_are_stored_hashed(room: Room) -> None:
    people = finish(room)
    secrets = [room.key, *(p.token for p in people)]
    with get_engine(room.app).connect() as conn:
        tables = [
            name
            for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        assert {"workshop", "participant"} <= set(tables)
        dump = "\n".join(
            repr(tuple(row))
            for table in tables
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )
        key_hash = conn.execute(
            text("SELECT facilitator_key_hash FROM workshop WHERE id = :id"), {"id": room.id}
        ).scalar_one()
        token_hashes = {row[0] for row in conn.execute(text("SELECT token_hash FROM participant"))}
    for secret in secrets:
        assert secret not in dump
    assert key_hash == hashlib.sha256(room.key.encode()).hexdigest()
    assert token_hashes == {hashlib.sha256(p.token.encode()).hexdigest() for p in people}
