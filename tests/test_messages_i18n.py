"""Issue 15: the server's messages in the reader's language.

A refusal raised anywhere in the domain (rules, activities, services, queries) is written in
the language of whoever asked: an HTTP request's browser (`Accept-Language`, the `lang`
cookie), a Socket.IO connection's (its handshake, then the `language` event). Its code stays
the same English identifier. Constants the browser or the plan show (activity labels, SWOT
and PESTLE categories, scales, quadrant names, gap details) are marked for the catalogue and
translated where they are shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Room, ack, ok
from workshop import activities, i18n
from workshop.core import decisions, levels, rules
from workshop.core.errors import DomainError
from workshop.realtime import closing

SHIPPED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


def refusal(result: dict[str, object]) -> dict[str, str]:
    assert result["ok"] is False, result
    error = result["error"]
    assert isinstance(error, dict)
    return error


# --------------------------------------------------------------------------- over HTTP


def test_an_http_refusal_is_in_the_browsers_language(client: FlaskClient) -> None:
    english = client.get("/api/workshops/nope")
    assert english.status_code == 404
    assert english.get_json()["error"] == {
        "code": "workshop_not_found",
        "message": "There is no workshop with that id.",
    }
    french = client.get("/api/workshops/nope", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert french.status_code == 404
    assert french.get_json()["error"] == {
        "code": "workshop_not_found",
        "message": "Aucun atelier ne porte cet identifiant.",
    }
    arabic = client.get("/api/workshops/nope", headers={"Accept-Language": "ar"})
    assert arabic.get_json()["error"]["code"] == "workshop_not_found"
    assert arabic.get_json()["error"]["message"] == "لا توجد ورشة عمل بهذا المعرّف."


def test_an_unsupported_browser_language_reads_english(client: FlaskClient) -> None:
    response = client.get("/api/workshops/nope", headers={"Accept-Language": "ja, zh;q=0.5"})
    assert response.get_json()["error"]["message"] == "There is no workshop with that id."


# --------------------------------------------------------------------------- over the socket


def test_a_socket_refusal_follows_the_language_event(app: Flask, client: FlaskClient) -> None:
    room = Room.started(app, client)
    try:
        stage_id = room.stage_ids()[room.facilitator_state()["stages"][0]["key"]]
        person = room.participant("Lina")
        empty = {"stage_id": stage_id, "text": "   "}
        english = refusal(ack(person.sock, "idea:submit", empty))
        assert english == {
            "code": "text_empty",
            "message": "Write something before sending the idea.",
        }

        assert ok(person.sock, "language", {"language": "fr"})["language"] == "fr"
        french = refusal(ack(person.sock, "idea:submit", empty))
        assert french == {
            "code": "text_empty",
            "message": "Écrivez quelque chose avant d\u2019envoyer l\u2019idée.",
        }
        too_long = refusal(
            ack(person.sock, "idea:submit", {"stage_id": stage_id, "text": "x" * 281})
        )
        assert too_long["code"] == "text_too_long"
        assert too_long["message"] == "Une idée peut compter au plus 280 caractères (281 saisis)."

        ok(person.sock, "language", {"language": "ar"})
        arabic = refusal(ack(person.sock, "idea:submit", empty))
        assert arabic == {"code": "text_empty", "message": "اكتب شيئًا قبل إرسال الفكرة."}

        # Another connection keeps its own language: the choice is per connection.
        other = room.participant("Max")
        assert refusal(ack(other.sock, "idea:submit", empty))["message"] == (
            "Write something before sending the idea."
        )
    finally:
        room.close()


def test_a_join_refusal_is_in_the_connections_language(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    try:
        sock = room.connect()
        ok(sock, "language", {"language": "de"})
        error = refusal(ack(sock, "join", {"code": "ZZZZZZ"}))
        assert error["code"] == "workshop_not_found"
        assert error["message"] == "Kein Workshop hat den Code 'ZZZZZZ'."
    finally:
        room.close()


# --------------------------------------------------------------------------- at the point raised


@pytest.mark.parametrize("code", SHIPPED)
def test_a_domain_error_is_worded_when_raised(code: str) -> None:
    with i18n.use_language(code), pytest.raises(DomainError) as raised:
        rules.clean_idea_text(" ")
    assert raised.value.code == "text_empty"
    assert raised.value.message != "Write something before sending the idea."
    # Raised in English, it stays English (the msgid is the English text, unchanged).
    with pytest.raises(DomainError) as english:
        rules.clean_idea_text(" ")
    assert english.value.message == "Write something before sending the idea."


def test_glued_sentences_became_whole_messages() -> None:
    """A level's refusal names its alternatives with a translated "or"; the level keys stay
    ids; English reads as it always did."""
    candidates = {7: levels.ParentItem(7, "vision", 0)}
    with pytest.raises(DomainError) as english:
        levels.check_parents("projects", 5, [7], candidates)
    assert english.value.message == (
        "An item of 'projects' can serve programs or goals, not 'vision'."
    )
    with i18n.use_language("es"), pytest.raises(DomainError) as spanish:
        levels.check_parents("projects", 5, [7], candidates)
    assert spanish.value.message == (
        "Un elemento de 'projects' puede servir a programs o goals, no a 'vision'."
    )


def test_gap_details_are_in_the_language_in_force() -> None:
    item = levels.AlignedItem(1, "actions", (), {"text": "Hire", "due": "2040-01-01"})
    horizon = levels.Horizon(dt.date(2026, 1, 1), 2026, 2030)
    (english,) = [g for g in levels.plan_gaps([item], {"actions"}, horizon) if g.detail]
    assert english.detail == "date 2040-01-01, after the horizon ends (2030)"
    with i18n.use_language("fr"):
        (french,) = [g for g in levels.plan_gaps([item], {"actions"}, horizon) if g.detail]
    assert french.kind == "date_outside_horizon"
    assert french.detail == "date 2040-01-01, après la fin de l\u2019horizon (2030)"


# --------------------------------------------------------------------------- N_ constants


def shown_constants() -> list[str]:
    """Every constant the server marks for translation where it is shown."""
    out: list[str] = []
    for activity in activities.REGISTRY.values():
        out += [activity.label, activity.noun, activity.description]
    for entry in activities.describe():
        out += [s["label"] for s in entry["settings"].values() if s["label"]]
        for setting in entry["settings"].values():
            out += list((setting["choices"] or {}).values())
    for categories in levels.DEFAULT_CATEGORIES.values():
        for category in categories:
            out += [category["label"], category["hint"]]
    out += list(decisions.QUADRANT_NAMES.values())
    out += list(closing.MESSAGES.values())
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shown_constant_has_a_translation(code: str) -> None:
    catalogue = i18n.translations(code)
    missing = [
        text
        for text in shown_constants()
        if not catalogue.gettext(text) or (catalogue.gettext(text) == text and " " in text)
    ]
    assert not missing, f"{code}: untranslated {missing}"


def test_shown_constants_stay_english_msgids() -> None:
    """The browser and the plan translate them: what is stored and sent is the English."""
    assert levels.SWOT[0]["label"] == "Strengths"
    assert activities.REGISTRY["vote"].label == "Dot vote"
    assert closing.closed_payload("w", "deleted")["message"] == (
        "This workshop was deleted by its facilitator."
    )
    with i18n.use_language("fr"):
        assert i18n.gettext(levels.SWOT[0]["label"]) == "Forces"
        assert i18n.gettext(activities.REGISTRY["vote"].label) == "Vote par gommettes"
        assert i18n.gettext(decisions.QUADRANT_NAMES["quick_win"]) != "Quick win"
    with i18n.use_language("ar"):
        assert i18n.gettext(levels.PESTLE[0]["label"]) == "سياسي"


def test_the_plans_notes_are_worded_in_the_language_in_force() -> None:
    """The plan (rendered inside `use_language`) asks each step how it decided the stage."""
    vote = activities.REGISTRY["vote"]
    settings = {"dot_budget": 5, "max_dots_per_idea": 3}
    assert vote.method_note(settings) == (
        "Dot vote: each participant had 5 dots, at most 3 on one idea."
    )
    with i18n.use_language("de"):
        assert vote.method_note(settings) == (
            "Punktabstimmung: Jeder Teilnehmer hatte 5 Punkte, höchstens 3 pro Idee."
        )
    rate = activities.REGISTRY["rate"]
    risks = rate.level_defaults("risks")
    assert rate.step_label(risks) == "Likelihood and impact"
    with i18n.use_language("fr"):
        assert rate.step_label(risks) == "Probabilité et impact"


def test_a_rate_limit_refusal_is_in_the_connections_language(tmp_path: Path) -> None:
    from tests import apps

    app = apps.make_app(tmp_path / "strict.sqlite3", EVENT_RATE=0.001, EVENT_BURST=3.0)
    try:
        room = Room.started(app, app.test_client())
        sock = room.connect()
        ok(sock, "language", {"language": "es"})
        answers = [ack(sock, "no:such:event") for _ in range(4)]
        limited = [a["error"] for a in answers if a["error"]["code"] == "rate_limited"]
        assert limited, answers
        assert limited[0]["message"] == (
            "Demasiados eventos desde esta conexión; vaya más despacio."
        )
        room.close()
    finally:
        app.extensions["workshop_db"].dispose()
