"""The plan after ideas were edited and deleted (`idea:edit`, `idea:delete`): the appendix
shows an edited idea's wording as submitted ("edited from") in every format, and a deleted
idea is nowhere in the plan, `ideas.csv` and the counts included.

A real workshop on the real database, driven over Socket.IO, finished, and each format
downloaded over HTTP; then the stored plan is read back as release 1's JSON would be (without
the `edited_from` key).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from docx import Document
from jsonschema import Draft202012Validator
from pypdf import PdfReader
from sqlmodel import Session

from tests.factories import Room, ok
from tests.plan_samples import full_plan
from tests.test_plan_assembly import Day, open_day, stage_body, step
from workshop.persistence.db import get_engine
from workshop.persistence.models import PlanVersion
from workshop.plan import from_dict, render_markdown
from workshop.plan.layout import EDITED_NOTE
from workshop.plan.schema import PLAN_SCHEMA

SUBMITTED = "Cut emisions in half"
EDITED = "Cut emissions in half by 2030"
FIXED_LATER = "A four-day week for everyone"
DELETED = "A typo I withdrew"
PULLED = "An idea the console deleted"
KEPT = "Open data by default"


@pytest.fixture
def day(room: Room) -> Day:
    """One stage: Ana's idea edited by her during the brainstorm, Ben's reworded by the
    facilitator during the vote, Cy's deleted by Cy and one deleted by the console; finished."""
    made = open_day(
        room,
        stage_body("goals", step("brainstorm"), step("vote"), step("done", select_count=2)),
    )
    made.write(
        "goals",
        (SUBMITTED, made.ana),
        ("A 4 day week", made.ben),
        (DELETED, made.cy),
        (PULLED, made.cy),
        (KEPT, made.cy),
    )
    ok(made.ana.sock, "idea:edit", {"idea_id": made.ideas[SUBMITTED], "text": "Cut it"})
    ok(made.ana.sock, "idea:edit", {"idea_id": made.ideas[SUBMITTED], "text": EDITED})
    ok(made.cy.sock, "idea:delete", {"idea_id": made.ideas[DELETED]})
    ok(made.fac, "idea:delete", {"idea_id": made.ideas[PULLED]})
    made.to("vote", "goals")
    made.dots(made.ana, {SUBMITTED: 2, "A 4 day week": 1}, "goals")
    made.dots(made.ben, {"A 4 day week": 2, KEPT: 1}, "goals")
    ok(made.fac, "idea:edit", {"idea_id": made.ideas["A 4 day week"], "text": FIXED_LATER})
    made.to("done", "goals")
    ok(made.fac, "workshop:finish")
    return made


def download(day: Day, name: str) -> bytes:
    response = day.room.client.get(
        f"/api/workshops/{day.room.id}/{name}",
        headers={"Authorization": f"Bearer {day.room.key}"},
    )
    assert response.status_code == 200, (name, response.get_data(as_text=True)[:300])
    return bytes(response.data)


def flat(text: str) -> str:
    """Text as a reader sees it: Markdown's escapes dropped, every run of spaces one space."""
    return " ".join(text.replace("\\", "").split())


def formats(day: Day) -> dict[str, str]:
    """Every document format's text, flattened."""
    pdf = PdfReader(io.BytesIO(download(day, "plan.pdf")))
    document = Document(io.BytesIO(download(day, "plan.docx")))
    docx_text = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    return {
        "md": flat(download(day, "plan.md").decode()),
        "html": flat(download(day, "plan.html").decode()),
        "pdf": flat(" ".join(page.extract_text() for page in pdf.pages)),
        "docx": flat("\n".join(docx_text)),
    }


def test_the_json_plan_carries_the_wording_as_submitted(day: Day) -> None:
    data = json.loads(download(day, "plan.json"))
    assert [e.message for e in Draft202012Validator(PLAN_SCHEMA).iter_errors(data)] == []
    items = {item["text"]: item for item in data["stages"][0]["items"]}
    assert items[EDITED]["edited_from"] == SUBMITTED  # the first wording, not "Cut it"
    assert items[FIXED_LATER]["edited_from"] == "A 4 day week"
    assert items[KEPT]["edited_from"] is None
    # Deleted ideas are not items, and not contributions either.
    assert set(items) == {EDITED, FIXED_LATER, KEPT}
    assert data["contributions"] == 3


def test_every_document_shows_edited_from_and_no_deleted_idea(day: Day) -> None:
    for name, text in formats(day).items():
        assert f"{EDITED} (edited from “{SUBMITTED}”)" in text, name
        assert f"{FIXED_LATER} (edited from “A 4 day week”)" in text, name
        assert flat(EDITED_NOTE) in text, name
        assert KEPT in text and f"{KEPT} (edited" not in text, name
        for gone in (DELETED, PULLED):
            assert gone not in text, (name, gone)


def test_ideas_csv_has_no_deleted_idea(day: Day) -> None:
    rows = list(csv.DictReader(io.StringIO(download(day, "ideas.csv").decode("utf-8-sig"))))
    assert {row["Idea"] for row in rows} == {EDITED, FIXED_LATER, KEPT}


def test_a_plan_stored_before_edited_from_still_reads(day: Day) -> None:
    """Version 1 as an earlier release stored it (no `edited_from` on its items) still
    downloads in every format, with nothing shown as edited."""
    with Session(get_engine(day.room.app)) as db:
        stored = db.get(PlanVersion, (day.room.id, 1))
        assert stored is not None
        data = json.loads(json.dumps(stored.data))
        for stage in data["stages"]:
            for item in stage["items"]:
                del item["edited_from"]
        stored.data = data
        db.add(stored)
        db.commit()
    served = json.loads(download(day, "plan.json"))
    assert [e.message for e in Draft202012Validator(PLAN_SCHEMA).iter_errors(served)] == []
    assert {item["edited_from"] for item in served["stages"][0]["items"]} == {None}
    assert all(item.edited_from is None for s in from_dict(data).stages for item in s.items)
    for name, text in formats(day).items():
        assert "edited from" not in text, name
        assert EDITED in text, name


def test_a_plan_without_edits_reads_as_before() -> None:
    """No edited idea: neither the note's sentence nor any "edited from" (byte-stable plans)."""
    text = render_markdown(full_plan())
    assert "edited from" not in text


def test_edited_from_survives_a_review(day: Day) -> None:
    """A review's new version keeps the appendix's "edited from"."""
    data: dict[str, Any] = json.loads(download(day, "plan.json"))
    chosen = next(item for item in data["stages"][0]["items"] if item["selected"])
    response = day.room.client.post(
        f"/api/workshops/{day.room.id}/plan/versions",
        json={"based_on": 1, "items": [{"id": chosen["id"], "fields": {"text": "Shorter"}}]},
        headers={"Authorization": f"Bearer {day.room.key}"},
    )
    assert response.status_code == 201, response.get_json()
    second = json.loads(download(day, "plan.json"))
    assert second["version"] == 2
    items = {item["text"]: item for item in second["stages"][0]["items"]}
    assert items[EDITED]["edited_from"] == SUBMITTED


def test_someone_who_deleted_every_idea_took_no_part_in_the_brainstorm(room: Room) -> None:
    made = open_day(room, stage_body("goals", step("brainstorm"), step("done", select_count=0)))
    made.write("goals", ("Ana's", made.ana), ("Ben's", made.ben), ("Cy's, withdrawn", made.cy))
    ok(made.cy.sock, "idea:delete", {"idea_id": made.ideas["Cy's, withdrawn"]})
    made.to("done", "goals")
    plan = made.plan()
    goals = plan.stage("goals")
    assert goals is not None
    assert [(p.kind, p.people) for p in goals.participation] == [("brainstorm", 2)]
    assert [item.text for item in goals.items] == ["Ana's", "Ben's"]
    assert plan.contributions == 2
