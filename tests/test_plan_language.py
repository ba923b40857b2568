"""The plan in its workshop's language (issue 15): a German workshop's plan has German headings
in every format, an Arabic one reads right to left, and an English plan is as it was.

The plan's language is `PlanDocument.language` (plan.json: "language", absent for English);
every renderer runs inside `i18n.use_language(plan.language)`, whatever the caller's language.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests import plan_samples
from tests.factories import Room
from tests.test_http import bearer
from workshop import i18n, offload
from workshop.plan import RENDERERS, PlanDocument, assemble_plan, from_dict, render
from workshop.plan.document import StageOutcome
from workshop.plan.worker import read_request, request

GERMAN_HEADINGS = ("Die Strategie auf einer Seite", "Strategische Ziele", "Anhang")


def german() -> PlanDocument:
    return replace(plan_samples.full_plan(), language="de")


def text_of(format: str, plan: PlanDocument) -> str:
    """What a reader sees of the plan in one format, as text."""
    data = render(plan, format)
    if format == "pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if format == "docx":
        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return data.decode("utf-8-sig")


@pytest.mark.parametrize("format", ["md", "html", "pdf", "docx"])
def test_a_german_plan_has_german_headings(format: str) -> None:
    english = text_of(format, plan_samples.full_plan())
    text = text_of(format, german())
    for heading in GERMAN_HEADINGS:
        assert heading in text, (format, heading)
    for heading in ("Strategy on a page", "Appendix: how each decision was made"):
        assert heading in english and heading not in text, (format, heading)
    # Participants' words are never translated.
    assert plan_samples.full_plan().title in text


def test_the_german_csv_files_and_calendar_speak_german() -> None:
    plan = german()
    ideas = next(csv.reader(io.StringIO(render(plan, "csv").decode("utf-8-sig"))))
    assert ideas[0] == "Etappe" and "Idee" in ideas and "Stage" not in ideas
    register = next(csv.reader(io.StringIO(render(plan, "register").decode("utf-8-sig"))))
    assert register[0] == "Typ" and "Type" not in register
    calendar = render(plan, "roadmap").decode("utf-8")
    if "BEGIN:VEVENT" in calendar:
        assert "Aus dem Plan:" in calendar.replace("\r\n ", "")
        assert "From the plan" not in calendar


def test_the_plan_renders_in_its_language_whatever_the_callers() -> None:
    with i18n.use_language("fr"):
        markdown = render(german(), "md").decode("utf-8")
        assert i18n.current_language() == "fr"
    assert "## Strategische Ziele" in markdown
    with i18n.use_language("de"):
        assert "## Strategic goals" in render(plan_samples.full_plan(), "md").decode("utf-8")


def test_html_and_markdown_carry_lang_and_dir() -> None:
    html = render(german(), "html").decode("utf-8")
    assert '<html lang="de" dir="ltr">' in html
    assert 'dir="auto"' in html  # participants' words read in their own direction
    arabic = replace(plan_samples.full_plan(), language="ar")
    assert '<html lang="ar" dir="rtl">' in render(arabic, "html").decode("utf-8")
    markdown = render(arabic, "md").decode("utf-8")
    assert markdown.startswith("---\nlang: ar\ndir: rtl\n---\n")
    # English: no front matter, <html lang="en"> as before.
    assert render(plan_samples.full_plan(), "md").decode("utf-8").startswith("# Strategic plan: ")
    assert '<html lang="en">' in render(plan_samples.full_plan(), "html").decode("utf-8")


def test_dates_numbers_and_years_follow_the_locale() -> None:
    plan = german()
    markdown = render(plan, "md").decode("utf-8")
    years = i18n.format_year_range(plan.start_year, plan.end_year, "de")
    assert years in markdown
    day = plan.date  # "YYYY-MM-DD" in English, the German way in German
    assert f"Datiert {i18n.format_date(datetime.fromisoformat(day), 'medium', 'de')}" in markdown
    assert f"Dated {day}" in render(plan_samples.full_plan(), "md").decode("utf-8")


def test_plan_json_carries_the_language_and_reads_it_back() -> None:
    data = json.loads(render(german(), "json"))
    assert data["language"] == "de"
    assert from_dict(data).language == "de"
    english = json.loads(render(plan_samples.full_plan(), "json"))
    assert "language" not in english  # an English plan.json is byte for byte as before
    assert from_dict(english).language == "en"
    assert from_dict({**english, "language": "xx"}).language == "en"


def test_workers_and_drafts_keep_the_language() -> None:
    plan = german()
    assert read_request(json.loads(request(plan))).language == "de"
    assert offload.revision(plan) != offload.revision(plan_samples.full_plan())
    assert all(renderer.render(plan) for renderer in RENDERERS.values() if not renderer.heavy)


def test_gaps_are_found_in_the_plans_language() -> None:
    goals = StageOutcome(
        "goals",
        "Ziele",
        "?",
        True,
        (plan_samples.item(1, "Mehr Export", 1, selected=True),),
    )
    plan = assemble_plan(
        title="Hafen 2031",
        organization=None,
        horizon_years=5,
        finished_at=datetime(2026, 12, 1, 16, 30, tzinfo=UTC),
        participants=3,
        stages=(goals,),
        aligned=True,
        language="de",
    )
    assert plan.language == "de"
    markdown = render(plan, "md").decode("utf-8")
    assert "## Lücken" in markdown and "Ziel ohne Erfolgskennzahl" in markdown


ENGLISH_HASHES = {
    # sha256 of the English sample plans rendered by 28b45bd, before the plan had a language.
    ("full", "md"): "cc8f0240625ae6f7126220a2c9eecee85d42021a35cc67d9cc6a101077710a89",
    ("full", "csv"): "02dee9d1835401b6782089b7cc185dff3a676a535669b9ace94a506ad47bddb2",
    ("full", "register"): "3169c2492be5f7eeb99253b0df122d6325ed033a30b464f75c65527a069232a1",
    ("full", "roadmap"): "40cc5601141dc3983f25c952e71503d90868341f64deaed04ba87a4c03a1d91a",
    ("draft", "md"): "b1a86f9163594ec127b47797d4b2516688dfd8b9575d4c8cfba8a46e0b952d12",
    ("board", "md"): "c238cfdc18ac006bc9adb757c0f4a23c0da4fad8986b63c5b1d08096c851103c",
    ("board", "csv"): "1886f02d279aaa0146f446647f5e32715dd34a94f20c5ff64f153f96c0d2254e",
    ("board", "register"): "f55367806c06dbb2776ac2a669c93a55465d0fec0759de4a52a7a7431b207b9a",
    ("board", "roadmap"): "09e67188c315b99fbe52f956402c88170c19f111e45cd9996e423ed26feb654d",
}


@pytest.mark.parametrize(("name", "format"), list(ENGLISH_HASHES))
def test_an_english_plan_reads_as_before_languages(name: str, format: str) -> None:
    plan = {
        "full": plan_samples.full_plan,
        "draft": lambda: plan_samples.full_plan(draft=True),
        "board": plan_samples.board_plan,
    }[name]()
    with i18n.use_language("ar"):  # whatever the caller's language
        rendered = render(plan, format)
    assert hashlib.sha256(rendered).hexdigest() == ENGLISH_HASHES[(name, format)]


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def german_room(app: Flask, client: FlaskClient) -> Iterator[Room]:
    room = Room.create(app, client, language="de")
    yield room
    room.close()


def test_a_german_workshops_plan_is_german_whoever_downloads_it(german_room: Room) -> None:
    from tests.test_plan_http import run_day

    day = run_day(german_room)
    # The facilitator's browser asks for French: the plan is the workshop's, German.
    headers = {"Accept-Language": "fr-FR,fr;q=0.9"}
    markdown = german_room.client.get(
        day.url("plan.md"), headers={**bearer(german_room.key), **headers}
    ).get_data(as_text=True)
    assert markdown.startswith("---\nlang: de\ndir: ltr\n---\n")
    assert "## Strategische Ziele" in markdown and "## Anhang: wie jede Entscheidung" in markdown
    assert day.plan_json()["language"] == "de"
    html = day.get("plan.html").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
