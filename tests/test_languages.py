"""The workshop's language: chosen at creation, changed from the console, in every audience's
state, spoken by the room's screen, the agenda templates' texts and the plan's downloads, kept
by a duplicate and an export; and the HTTP and socket refusals in their reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tests.factories import Room, ack, create_workshop, error_code, ok, received
from workshop import i18n
from workshop.persistence.models import Workshop
from workshop.services import agenda as agenda_service
from workshop.services import transfer


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def french(msgid: str, **params: Any) -> str:
    """`msgid` as the French catalogue has it (which must translate it)."""
    with i18n.use_language("fr"):
        text = i18n.gettext(msgid, **params)
    assert text != msgid % params if params else text != msgid, f"no French for {msgid!r}"
    return text


def in_language(code: str, msgid: str) -> str:
    with i18n.use_language(code):
        return i18n.gettext(msgid)


def workshops_stored(app: Flask) -> int:
    with Session(app.extensions["workshop_db"]) as db:
        return int(db.exec(select(func.count()).select_from(Workshop)).one())


def test_the_shipped_languages_are_listed(client: FlaskClient) -> None:
    response = client.get("/api/languages")
    assert response.status_code == 200
    body = response.get_json()
    assert body["default"] == "en"
    assert [lang["code"] for lang in body["languages"]] == ["en", "fr", "de", "es", "ar"]
    assert {lang["code"]: lang["direction"] for lang in body["languages"]}["ar"] == "rtl"
    assert all(set(lang) == {"code", "name", "direction"} for lang in body["languages"])


def test_a_workshop_is_english_unless_it_names_its_language(
    app: Flask, client: FlaskClient
) -> None:
    plain = Room.create(app, client)
    assert plain.facilitator_state()["workshop"]["language"] == "en"
    named_null = Room.create(app, client, language=None)
    assert named_null.facilitator_state()["workshop"]["language"] == "en"
    # A French browser makes an English workshop unless it says otherwise.
    response = client.post(
        "/api/workshops", json={"title": "Acme"}, headers={"Accept-Language": "fr-FR"}
    )
    assert response.status_code == 201
    made = Room(app, client, response.get_json())
    assert made.facilitator_state()["workshop"]["language"] == "en"


@pytest.mark.parametrize("language", ["xx", "fr-CA", "FR", "", 3, True, ["fr"]])
def test_an_unknown_language_is_refused_and_nothing_is_made(
    app: Flask, client: FlaskClient, language: Any
) -> None:
    before = workshops_stored(app)
    response = client.post("/api/workshops", json={"title": "Acme", "language": language})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_language"
    assert workshops_stored(app) == before


def test_every_audience_gets_the_workshops_language(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client, language="de")
    try:
        fac = room.connect()
        state = ok(fac, "facilitate", {"workshop_id": room.id, "key": room.key})["state"]
        assert state["workshop"]["language"] == "de"
        screen = room.connect()
        shown = ok(screen, "present", {"workshop_id": room.id, "token": room.projector_token})
        assert shown["state"]["workshop"]["language"] == "de"
        phone = room.participant("Ada")
        assert phone.state["workshop"]["language"] == "de"
        assert room.facilitator_state()["workshop"]["language"] == "de"
    finally:
        room.close()


def test_the_console_changes_the_language_and_every_screen_follows(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client)
    try:
        fac = room.facilitator()
        screen = room.projector()
        phone = room.participant("Ada")
        assert ok(fac, "workshop:language", {"language": "fr"}) == {"ok": True, "language": "fr"}
        for sock in (fac, screen, phone.sock):
            states = received(sock, "state")
            assert states and states[-1]["workshop"]["language"] == "fr"
        assert room.facilitator_state()["workshop"]["language"] == "fr"
        # The same language again changes nothing and tells nobody.
        assert ok(fac, "workshop:language", {"language": "fr"})["language"] == "fr"
        assert received(screen, "state") == []
        # Refusals: an unknown code, a payload without one, a phone, the room's screen.
        assert error_code(fac, "workshop:language", {"language": "klingon"}) == "unknown_language"
        assert error_code(fac, "workshop:language", {}) == "invalid_payload"
        assert error_code(phone.sock, "workshop:language", {"language": "de"}) == "forbidden"
        assert error_code(screen, "workshop:language", {"language": "de"}) == "forbidden"
        assert room.facilitator_state()["workshop"]["language"] == "fr"
        # Once finished, the plan is made: its language stays.
        ok(fac, "workshop:finish")
        assert error_code(fac, "workshop:language", {"language": "de"}) == "workshop_finished"
        assert room.facilitator_state()["workshop"]["language"] == "fr"
    finally:
        room.close()


def test_the_room_screen_page_speaks_the_workshops_language(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, language="de")
    page = client.get(f"/w/{room.id}/present", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="de"' in html
    # Another page of the same browser stays in its own language.
    home = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr"' in home
    arabic = Room.create(app, client, language="ar")
    html = client.get(f"/w/{arabic.id}/present").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html


def test_a_french_workshop_gets_the_templates_texts_in_french(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, language="fr", organization="Acme", horizon_years=5)
    stages = room.facilitator_state()["stages"]
    assert [stage["key"] for stage in stages] == ["vision", "goals", "projects"]
    assert stages[0]["title"] == "Vision"  # the same word in French
    assert stages[1]["title"] == french("Goals")
    prompt = french("Where should {org} be in {horizon}? Describe it in one sentence.")
    with i18n.use_language("fr"):
        five_years = i18n.ngettext("%(n)s year", "%(n)s years", 5)
    assert five_years == "5 ans"
    assert stages[0]["prompt"] == prompt.replace("{org}", "Acme").replace("{horizon}", five_years)

    # The same template for an English workshop: as it always was.
    english = Room.create(app, client, organization="Acme", horizon_years=5)
    first = english.facilitator_state()["stages"][0]
    assert first["prompt"] == "Where should Acme be in 5 years? Describe it in one sentence."


def test_a_stage_added_later_and_the_optional_stages_speak_the_workshops_language(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, language="fr", template="full-strategic-plan")
    agenda = client.get(f"/api/workshops/{room.id}/agenda", headers=bearer(room.key)).get_json()
    (situation,) = agenda["optional_stages"]
    prompt = french(
        "Where does {org} stand today? Name one strength, weakness, opportunity or threat."
    )
    assert situation["prompt"] == prompt.replace("{org}", french("our organisation"))


def test_the_templates_are_listed_in_the_requests_language(client: FlaskClient) -> None:
    english = client.get("/api/templates").get_json()
    by_id = {t["id"]: t for t in english["templates"]}
    assert by_id["swot-to-goals"]["title"] == "SWOT to goals"

    listed = client.get("/api/templates", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    by_id = {t["id"]: t for t in listed.get_json()["templates"]}
    assert by_id["swot-to-goals"]["title"] == french("SWOT to goals")
    assert by_id["strategic-plan"]["stages"][1]["title"] == french("Goals")
    levels = {level["key"]: level for level in listed.get_json()["presets"]["levels"]}
    assert levels["risks"]["title"] == french("Risks")
    assert "{horizon}" in levels["risks"]["prompt"]

    # The console asks for its workshop's language; the cookie beats Accept-Language.
    german = client.get("/api/templates?language=de").get_json()
    assert german["templates"][0]["title"] == in_language("de", "Strategic plan")
    assert client.get("/api/templates?language=xx").status_code == 400
    client.set_cookie("lang", "es")
    spanish = client.get("/api/templates", headers={"Accept-Language": "fr"}).get_json()
    assert spanish["templates"][0]["title"] == in_language("es", "Strategic plan")


def test_a_duplicate_keeps_the_language_and_an_export_carries_it(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, language="es")
    copy = client.post(f"/api/workshops/{room.id}/duplicate", headers=bearer(room.key), json={})
    assert copy.status_code == 201, copy.get_json()
    twin = Room(app, client, copy.get_json())
    assert twin.facilitator_state()["workshop"]["language"] == "es"

    engine = app.extensions["workshop_db"]
    with Session(engine) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None
        exported = transfer.export_workshop(db, workshop)
        assert exported["workshop"]["language"] == "es"
        made, _key = transfer.import_workshop(db, exported)
        assert made.language == "es"
        # A file exported before workshops had a language imports as English.
        older = {**exported, "workshop": dict(exported["workshop"])}
        del older["workshop"]["language"]
        made, _key = transfer.import_workshop(db, older)
        assert made.language == "en"
        wrong = {**exported, "workshop": {**exported["workshop"], "language": "xx"}}
        with pytest.raises(Exception) as refused:
            transfer.import_workshop(db, wrong)
        assert "workshop.language" in str(refused.value)


def test_an_http_refusal_is_in_the_browsers_language(client: FlaskClient) -> None:
    response = client.post(
        "/api/workshops", data="not json", headers={"Accept-Language": "fr-CH, de;q=0.5"}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error == {
        "code": "invalid_payload",
        "message": french("Send a JSON object with at least a title."),
    }
    unknown = client.post(
        "/api/workshops",
        json={"title": "Acme", "language": "xx"},
        headers={"Accept-Language": "fr"},
    )
    assert unknown.get_json()["error"]["code"] == "unknown_language"
    assert unknown.get_json()["error"]["message"] == french(
        "%(field)s must be one of %(codes)s.", field="language", codes="en, fr, de, es, ar"
    )
    wrong_key = client.get("/api/workshops/abc", headers={**bearer("x"), "Accept-Language": "de"})
    assert wrong_key.get_json()["error"]["code"] in {"workshop_not_found", "unauthorized"}
    # An unsupported language falls back to English.
    english = client.post("/api/workshops", data="x", headers={"Accept-Language": "ja, zh"})
    message = english.get_json()["error"]["message"]
    assert message == "Send a JSON object with at least a title."


def test_a_socket_refusal_follows_the_connections_language(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    try:
        fac = room.facilitator()
        assert ok(fac, "language", {"language": "fr"}) == {"ok": True, "language": "fr"}
        refused = ack(fac, "workshop:language", {"language": "xx"})
        assert refused["error"]["code"] == "unknown_language"
        assert refused["error"]["message"] == french(
            "%(field)s must be one of %(codes)s.", field="language", codes="en, fr, de, es, ar"
        )
        phone = room.connect()
        assert ok(phone, "language", {"language": "fr"})["language"] == "fr"
        wrong = ack(phone, "join", {"code": room.code, "token": "not-a-token"})
        assert wrong["error"] == {
            "code": "invalid_token",
            "message": french("That participant token does not belong to this workshop."),
        }
        assert error_code(phone, "language", {"language": "tlh"}) == "unknown_language"
    finally:
        room.close()


def test_the_share_page_names_its_downloads_in_the_workshops_language(
    app: Flask, client: FlaskClient
) -> None:
    body = create_workshop(client, title="Acme", language="fr")
    room = Room(app, client, body)
    try:
        room.start()
        fac = room.facilitator()
        ok(fac, "workshop:finish")
        share = client.post(f"/api/workshops/{room.id}/shares", headers=bearer(room.key))
        assert share.status_code == 201, share.get_json()
        url = share.get_json()["url"]
        page = client.get(url[url.index("/s/") :]).get_data(as_text=True)
        assert french("Roadmap dates (calendar)") in page
    finally:
        room.close()


def test_a_templates_default_categories_scales_and_quadrants_are_in_its_language(
    app: Flask, client: FlaskClient
) -> None:
    swot = Room.create(app, client, language="fr", template="swot-to-goals")
    steps = swot.facilitator_state()["stages"][0]["steps"]
    (categories,) = [s["settings"]["categories"] for s in steps if s["kind"] == "brainstorm"]
    assert [c["key"] for c in categories] == ["strengths", "weaknesses", "opportunities", "threats"]
    assert categories[0]["label"] == french("Strengths")

    risks = Room.create(app, client, language="de", template="risk-review")
    rated = [
        step["settings"]
        for stage in risks.facilitator_state()["stages"]
        for step in stage["steps"]
        if step["kind"] == "rate"
    ]
    assert rated and rated[0]["quadrants"]["big_bet"] == in_language("de", "Act now")
    assert rated[0]["quadrants"]["big_bet"] != "Act now"
    assert rated[0]["scales"][0]["label"] == in_language("de", "Likelihood") != "Likelihood"


def test_an_unknown_route_answers_in_the_browsers_language(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    with i18n.use_language("es"):
        expected = i18n.gettext(
            "The requested URL was not found on the server. If you entered the URL manually "
            "please check your spelling and try again."
        )
    assert error["message"] == expected and expected.startswith("La dirección")


def in_language_filled(code: str, msgid: str, org: str, years: int) -> str:
    """A template's prompt as a workshop in `code` for `org` over `years` stores it."""
    with i18n.use_language(code):
        horizon = i18n.ngettext("%(n)s year", "%(n)s years", years)
        return i18n.gettext(msgid).replace("{org}", org).replace("{horizon}", horizon)


def test_a_language_change_retranslates_the_template_texts_nobody_edited(
    app: Flask, client: FlaskClient
) -> None:
    vision = "Where should {org} be in {horizon}? Describe it in one sentence."
    room = Room.create(app, client, language="de", organization="Acme", horizon_years=5)
    try:
        stages = room.facilitator_state()["stages"]
        assert [stage["key"] for stage in stages] == ["vision", "goals", "projects"]
        assert stages[0]["prompt"] == in_language_filled("de", vision, "Acme", 5)
        # The vision stage starts (someone sent an idea); the facilitator edits the projects'
        # prompt; the goals stage is left as the template gave it.
        room.start()
        person = room.participant("Ada")
        ok(person.sock, "idea:submit", {"stage_id": stages[0]["id"], "text": "Offen"})
        body = {
            "stages": [
                {**{k: s[k] for k in ("id", "key", "title", "prompt")}, "steps": s["steps"]}
                for s in client.get(
                    f"/api/workshops/{room.id}/agenda", headers=bearer(room.key)
                ).get_json()["stages"]
            ]
        }
        body["stages"][2]["prompt"] = "Welche Projekte zuerst?"
        edited = client.put(f"/api/workshops/{room.id}/agenda", json=body, headers=bearer(room.key))
        assert edited.status_code == 200
        before = room.facilitator_state()["stages"]

        fac = room.facilitator()
        assert ok(fac, "workshop:language", {"language": "fr"})["language"] == "fr"
        # The broadcast state already shows it.
        (state, *_) = reversed(received(fac, "state"))
        after = state["stages"]
        assert after[1]["title"] == in_language("fr", "Goals") != before[1]["title"]
        goals_prompt = next(
            stage["prompt"]
            for stage in agenda_service.built_in_templates()["strategic-plan"]["stages"]
            if stage["key"] == "goals"
        )
        assert after[1]["prompt"] == in_language_filled("fr", goals_prompt, "Acme", 5)
        assert after[1]["prompt"] != before[1]["prompt"]
        # The started stage and the edited prompt stay; the unedited title follows.
        assert (after[0]["title"], after[0]["prompt"]) == (before[0]["title"], before[0]["prompt"])
        assert after[2]["prompt"] == "Welche Projekte zuerst?"
        assert after[2]["title"] == in_language("fr", "Projects") != before[2]["title"]
        assert room.facilitator_state()["stages"] == after

        # Back to German: the German texts again.
        ok(fac, "workshop:language", {"language": "de"})
        assert room.facilitator_state()["stages"] == before
    finally:
        room.close()


def test_a_language_change_retranslates_default_categories_scales_and_quadrants(
    app: Flask, client: FlaskClient
) -> None:
    for template, language in (("swot-to-goals", "de"), ("risk-review", "ar")):
        room = Room.create(app, client, language="fr", template=template)
        try:
            before = room.facilitator_state()["stages"]
            ok(room.facilitator(), "workshop:language", {"language": language})
            after = room.facilitator_state()["stages"]
            assert after != before
            # Back to French: as the template made it.
            ok(room.facilitator(), "workshop:language", {"language": "fr"})
            assert room.facilitator_state()["stages"] == before
        finally:
            room.close()
        fresh = Room.create(app, client, language=language, template=template)
        assert [s["steps"] for s in fresh.facilitator_state()["stages"]] == [
            s["steps"] for s in after
        ]
        assert [(s["title"], s["prompt"]) for s in fresh.facilitator_state()["stages"]] == [
            (s["title"], s["prompt"]) for s in after
        ]
