"""The define activity (`workshop/activities/define.py`): `item:update` from the console and
`suggestion:submit` from phones, through the Socket.IO test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Participant, Room, ok, received
from tests.test_events import database, inbox, me_of, refuse, settle, stage_of
from tests.test_link import NOWHERE, Linking, Plan, foreign_idea, full_plan, linked

METRIC = {"metric": "CO2 t/yr", "baseline": "1200", "target": "600", "due": "2028-12-31"}


@pytest.fixture
def defining(app: Flask, client: FlaskClient) -> Iterator[Linking]:
    """The linking plan with goals, programs, projects and actions all in their define step."""
    plan = full_plan(app, client)
    made = linked(plan)
    for key in ("goals", "programs", "projects", "actions"):
        plan.to(key, "define")
    plan.settle()
    yield made
    plan.room.close()


def update(plan: Plan, idea_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    return ok(plan.fac, "item:update", {"idea_id": idea_id, "fields": fields})


def suggest(p: Participant, idea_id: int, field: str, text: str, **extra: Any) -> dict[str, Any]:
    return ok(
        p.sock, "suggestion:submit", {"idea_id": idea_id, "field": field, "text": text, **extra}
    )


def item_in(state: dict[str, Any], stage_id: int, idea_id: int) -> dict[str, Any]:
    stage = stage_of(state, stage_id)
    item: dict[str, Any] = next(i for i in stage["ideas"] if i["id"] == idea_id)
    selected = [i for i in stage["selected"] if i["id"] == idea_id]
    assert not selected or selected[0]["fields"] == item["fields"]
    return item


# --------------------------------------------------------------------------- item:update


def test_item_update_sets_fields_and_everyone_gets_them(defining: Linking) -> None:
    plan = defining.plan
    g1, goals = defining["G1"], plan.stages["goals"]
    plan.settle()
    answer = update(plan, g1, {"metrics": [METRIC, {"metric": " Members "}]})
    fields = {
        "metrics": [METRIC, {"metric": "Members", "baseline": None, "target": None, "due": None}]
    }
    assert answer == {"ok": True, "idea": {"id": g1, "stage_id": goals, "fields": fields}}
    for sock in plan.socks():
        state = inbox(sock)["state"][-1]
        item = item_in(state, goals, g1)
        assert item["fields"] == fields
        assert item["text"] == "G1"
    assert item_in(plan.room.facilitator_state(), goals, g1)["fields"] == fields


@pytest.mark.parametrize(
    ("item", "first", "then", "result"),
    [
        (
            "P1",
            {"owner": "Ana", "outcome": "Less CO2"},
            {"owner": None},
            {"outcome": "Less CO2"},
        ),
        (
            "P1",
            {"owner": "Ana", "metrics": [METRIC]},
            {"metrics": []},
            {"owner": "Ana"},
        ),
        (
            "J1",
            {"owner": "Ben", "deliverables": ["App", "Site"], "due": "2027-06-30"},
            {"deliverables": [], "approach": "agile"},
            {"approach": "agile", "due": "2027-06-30", "owner": "Ben"},
        ),
        (
            "J1",
            {"owner": "Ben", "due": "2027-06-30", "approach": "hybrid"},
            {"due": "", "approach": None, "owner": "  "},
            {},
        ),
        (
            "A1",
            {"owner": "Cy", "due": "2027-01-15"},
            {"due": "2027-02-01"},
            {"due": "2027-02-01", "owner": "Cy"},
        ),
    ],
)
def test_item_update_replaces_given_fields_clears_empty_ones_keeps_the_rest(
    defining: Linking,
    item: str,
    first: dict[str, Any],
    then: dict[str, Any],
    result: dict[str, Any],
) -> None:
    plan = defining.plan
    update(plan, defining[item], first)
    assert update(plan, defining[item], then)["idea"]["fields"] == result


def test_item_update_text_is_a_correction_beside_the_voted_wording(defining: Linking) -> None:
    plan = defining.plan
    v1, vision = defining["V1"], plan.stages["vision"]
    assert update(plan, v1, {"text": "  The greenest   port "})["idea"]["fields"] == {
        "text": "The greenest port"
    }
    item = item_in(plan.room.facilitator_state(), vision, v1)
    assert (item["text"], item["fields"]) == ("V1", {"text": "The greenest port"})
    assert update(plan, v1, {"text": "V1"})["idea"]["fields"] == {}
    assert update(plan, v1, {"text": None})["idea"]["fields"] == {}


def test_item_update_again_changes_nothing(defining: Linking) -> None:
    plan = defining.plan
    fields = {"owner": "Ben", "deliverables": ["App"], "due": "2027-06-30"}
    first = update(plan, defining["J2"], fields)
    before = database(plan.room.app)
    assert update(plan, defining["J2"], fields) == first
    assert database(plan.room.app) == before


def test_item_update_before_the_define_step(defining: Linking) -> None:
    """The console can fix an item while the stage is still in `link` (or any step)."""
    plan = defining.plan
    ok(plan.fac, "stage:phase", {"stage_id": plan.stages["projects"], "phase": "link"})
    assert update(plan, defining["J1"], {"owner": "Ana"})["idea"]["fields"] == {"owner": "Ana"}


def test_item_update_malformed_payloads_are_invalid_payload(defining: Linking) -> None:
    j1 = defining["J1"]
    for payload in [
        None,
        {"idea_id": j1},
        {"fields": {"owner": "Ana"}},
        {"idea_id": str(j1), "fields": {"owner": "Ana"}},
        {"idea_id": 0, "fields": {"owner": "Ana"}},
        {"idea_id": j1, "fields": [["owner", "Ana"]]},
        {"idea_id": j1, "fields": "owner"},
        {"idea_id": j1, "fields": {f"f{n}": n for n in range(11)}},
    ]:
        refuse(defining.room, defining.plan.fac, "item:update", payload, "invalid_payload")


def test_item_update_is_for_the_console(defining: Linking) -> None:
    plan = defining.plan
    payload = {"idea_id": defining["J1"], "fields": {"owner": "Ana"}}
    refuse(plan.room, plan.room.connect(), "item:update", payload, "not_joined")
    refuse(plan.room, plan.people[0].sock, "item:update", payload, "forbidden")
    refuse(plan.room, plan.proj, "item:update", payload, "forbidden")


def test_item_update_on_an_unknown_foreign_or_hidden_idea(defining: Linking, other: Room) -> None:
    stranger = foreign_idea(other)
    theirs = other.facilitator_state()
    for idea_id in (NOWHERE, stranger, defining["J3"]):
        payload = {"idea_id": idea_id, "fields": {"text": "Mine now"}}
        refuse(defining.room, defining.plan.fac, "item:update", payload, "idea_not_found")
    assert other.facilitator_state() == theirs


@pytest.mark.parametrize(
    ("item", "fields", "code"),
    [
        ("V1", {"owner": "Ana"}, "unknown_field"),
        ("G1", {"owner": "Ana"}, "unknown_field"),
        ("G1", {"due": "2027-01-01"}, "unknown_field"),
        ("P1", {"deliverables": ["App"]}, "unknown_field"),
        ("J1", {"metrics": [METRIC]}, "unknown_field"),
        ("J1", {"owner": "Ana", "end": "2027-01-01"}, "unknown_field"),
        ("A1", {"budget": "USD 5,000"}, "unknown_field"),
        ("J1", {"budget": 10}, "invalid_field"),
        ("J1", {"budget": "x" * 81}, "invalid_field"),
        ("J1", {"sponsor": "s" * 121}, "invalid_field"),
        ("J1", {"start": "2027-02-30"}, "invalid_date"),
        ("A1", {"approach": "agile"}, "unknown_field"),
        ("J1", {}, "invalid_field"),
        ("J1", {"text": "t" * 281}, "invalid_field"),
        ("J1", {"text": 5}, "invalid_field"),
        ("J1", {"owner": "o" * 121}, "invalid_field"),
        ("P1", {"outcome": "x" * 401}, "invalid_field"),
        ("G1", {"metrics": METRIC}, "invalid_field"),
        ("G1", {"metrics": [{"target": "600"}]}, "invalid_field"),
        ("G1", {"metrics": [{**METRIC, "owner": "Ana"}]}, "invalid_field"),
        ("J1", {"deliverables": "App"}, "invalid_field"),
        ("J1", {"deliverables": ["App", ""]}, "invalid_field"),
        ("J1", {"deliverables": ["App"] * 21}, "invalid_field"),
        ("J1", {"due": "2027-02-30"}, "invalid_date"),
        ("J1", {"due": "end of June"}, "invalid_date"),
        ("A1", {"due": 2027}, "invalid_date"),
        ("G1", {"metrics": [{**METRIC, "due": "2028-13-01"}]}, "invalid_date"),
        ("J1", {"approach": "scrum"}, "invalid_approach"),
        ("J1", {"owner": "Ana", "approach": "Agile"}, "invalid_approach"),
    ],
)
def test_item_update_refuses(
    defining: Linking, item: str, fields: dict[str, Any], code: str
) -> None:
    payload = {"idea_id": defining[item], "fields": fields}
    refuse(defining.room, defining.plan.fac, "item:update", payload, code)


def test_item_update_after_finish_is_workshop_finished(defining: Linking) -> None:
    ok(defining.plan.fac, "workshop:finish")
    payload = {"idea_id": defining["J1"], "fields": {"owner": "Ana"}}
    refuse(defining.room, defining.plan.fac, "item:update", payload, "workshop_finished")


# --------------------------------------------------------------------------- suggestion:submit


def test_a_suggestion_reaches_the_console_only(defining: Linking) -> None:
    plan = defining.plan
    ana, ben = plan.people
    goals, g1 = plan.stages["goals"], defining["G1"]
    settle(*plan.socks())
    answer = suggest(ana, g1, "metrics", "  Tonnes of CO2 per year  ", client_id="s-1")
    suggestion = answer["suggestion"]
    assert answer == {
        "ok": True,
        "suggestion": {
            "id": suggestion["id"],
            "stage_id": goals,
            "idea_id": g1,
            "field": "metrics",
            "text": "Tonnes of CO2 per year",
            "participant_id": ana.id,
        },
        "duplicate": False,
    }
    assert isinstance(suggestion["id"], int)
    assert inbox(plan.fac) == {"suggestion:added": [{"suggestion": suggestion}]}
    for sock in (plan.proj, ana.sock, ben.sock):
        assert inbox(sock) == {}
    console = stage_of(plan.room.facilitator_state(), goals)
    assert console["suggestions"] == [suggestion]
    assert console["item_fields"] == ["text", "metrics"]
    screen = ok(plan.room.connect(), "present", {"workshop_id": plan.room.id, "key": plan.room.key})
    phone = ok(plan.room.connect(), "join", {"code": plan.room.code, "token": ben.token})
    for state in (screen["state"], phone["state"]):
        shown = stage_of(state, goals)
        assert "suggestions" not in shown
        assert shown["item_fields"] == ["text", "metrics"]


def test_me_lists_only_my_own_suggestions(defining: Linking) -> None:
    plan = defining.plan
    ana, ben = plan.people
    goal = suggest(ana, defining["G1"], "metrics", "Members")["suggestion"]
    project = suggest(ana, defining["J1"], "owner", "Ben")["suggestion"]
    suggest(ben, defining["J1"], "owner", "Ana")
    assert me_of(plan.room, ana)["suggestions"] == {
        str(plan.stages["goals"]): [goal],
        str(plan.stages["projects"]): [project],
    }
    assert len(me_of(plan.room, ben)["suggestions"][str(plan.stages["projects"])]) == 1
    settle(*plan.socks())
    ok(plan.fac, "stage:phase", {"stage_id": plan.stages["goals"], "phase": "define"})
    state = inbox(ana.sock)["state"][-1]
    assert state["me"]["suggestions"][str(plan.stages["goals"])] == [goal]


def test_suggestions_are_listed_oldest_first_per_stage(defining: Linking) -> None:
    plan = defining.plan
    ana, ben = plan.people
    first = suggest(ana, defining["J1"], "owner", "Ben")["suggestion"]
    second = suggest(ben, defining["J2"], "due", "2027-06-30")["suggestion"]
    third = suggest(ben, defining["J1"], "text", "Port app, phase 1")["suggestion"]
    other_stage = suggest(ana, defining["A1"], "owner", "Cy")["suggestion"]
    state = plan.room.facilitator_state()
    assert stage_of(state, plan.stages["projects"])["suggestions"] == [first, second, third]
    assert stage_of(state, plan.stages["actions"])["suggestions"] == [other_stage]
    assert "suggestions" not in stage_of(state, plan.stages["vision"])


def test_a_suggestion_retried_with_its_client_id_is_stored_once(defining: Linking) -> None:
    plan = defining.plan
    ana, ben = plan.people
    first = suggest(ana, defining["P1"], "owner", "Dee", client_id="retry-1")
    received(plan.fac, "suggestion:added")
    before = (database(plan.room.app), plan.room.facilitator_state())
    again = suggest(ana, defining["P1"], "owner", "Dee", client_id="retry-1")
    assert again == {**first, "duplicate": True}
    assert (database(plan.room.app), plan.room.facilitator_state()) == before
    assert received(plan.fac, "suggestion:added") == []
    # The client id is per participant; without one every send is new.
    theirs = suggest(ben, defining["P1"], "owner", "Dee", client_id="retry-1")
    assert theirs["duplicate"] is False
    assert theirs["suggestion"]["id"] != first["suggestion"]["id"]
    twice = [suggest(ana, defining["P1"], "outcome", "More members") for _ in range(2)]
    assert twice[0]["suggestion"]["id"] != twice[1]["suggestion"]["id"]
    suggestions = stage_of(plan.room.facilitator_state(), plan.stages["programs"])["suggestions"]
    assert len(suggestions) == 4


def test_a_client_id_reused_for_another_item_is_invalid_payload(defining: Linking) -> None:
    """As for `idea:submit`: a client id names one send; reusing it for a different item must
    not be answered as a harmless retry while the new suggestion is dropped."""
    ana = defining.plan.people[0]
    suggest(ana, defining["J1"], "owner", "Ben", client_id="once")
    payload = {"idea_id": defining["J2"], "field": "due", "text": "2027-06-30", "client_id": "once"}
    refuse(defining.room, ana.sock, "suggestion:submit", payload, "invalid_payload")


def test_suggestion_malformed_payloads_are_invalid_payload(defining: Linking) -> None:
    sock = defining.plan.people[0].sock
    j1 = defining["J1"]
    for payload in [
        None,
        {"field": "owner", "text": "Ana"},
        {"idea_id": j1, "text": "Ana"},
        {"idea_id": j1, "field": "owner"},
        {"idea_id": str(j1), "field": "owner", "text": "Ana"},
        {"idea_id": j1, "field": "", "text": "Ana"},
        {"idea_id": j1, "field": "f" * 33, "text": "Ana"},
        {"idea_id": j1, "field": 5, "text": "Ana"},
        {"idea_id": j1, "field": "owner", "text": 5},
        {"idea_id": j1, "field": "owner", "text": "Ana", "client_id": ""},
        {"idea_id": j1, "field": "owner", "text": "Ana", "client_id": "c" * 65},
        {"idea_id": j1, "field": "owner", "text": "Ana", "client_id": 7},
    ]:
        refuse(defining.room, sock, "suggestion:submit", payload, "invalid_payload")


def test_suggestions_come_from_phones(defining: Linking) -> None:
    plan = defining.plan
    payload = {"idea_id": defining["J1"], "field": "owner", "text": "Ana"}
    refuse(plan.room, plan.room.connect(), "suggestion:submit", payload, "not_joined")
    refuse(plan.room, plan.fac, "suggestion:submit", payload, "forbidden")
    refuse(plan.room, plan.proj, "suggestion:submit", payload, "forbidden")


def test_suggestions_only_for_the_items_of_a_stage_in_define(
    defining: Linking, other: Room
) -> None:
    plan = defining.plan
    sock = plan.people[0].sock
    stranger = foreign_idea(other)
    for idea_id in (NOWHERE, stranger, defining["G5"], defining["P4"]):
        payload = {"idea_id": idea_id, "field": "text", "text": "Better words"}
        refuse(plan.room, sock, "suggestion:submit", payload, "idea_not_found")


def test_suggestions_need_the_define_step(defining: Linking) -> None:
    plan = defining.plan
    sock = plan.people[0].sock
    ok(plan.fac, "stage:phase", {"stage_id": plan.stages["projects"], "phase": "link"})
    for idea_id in (defining["V1"], defining["J1"]):
        payload = {"idea_id": idea_id, "field": "text", "text": "Better words"}
        refuse(plan.room, sock, "suggestion:submit", payload, "wrong_phase")


@pytest.mark.parametrize(
    ("item", "field", "text", "code"),
    [
        ("G1", "owner", "Ana", "unknown_field"),
        ("G1", "due", "2027-01-01", "unknown_field"),
        ("J1", "metrics", "CO2", "unknown_field"),
        ("A1", "approach", "agile", "unknown_field"),
        ("J1", "Owner", "Ana", "unknown_field"),
        ("J1", "owner", "", "text_empty"),
        ("J1", "owner", " \n\t ", "text_empty"),
        ("J1", "owner", "x" * 281, "text_too_long"),
    ],
)
def test_suggestion_refuses(defining: Linking, item: str, field: str, text: str, code: str) -> None:
    payload = {"idea_id": defining[item], "field": field, "text": text}
    refuse(defining.room, defining.plan.people[0].sock, "suggestion:submit", payload, code)


def test_suggestion_after_finish_is_workshop_finished(defining: Linking) -> None:
    plan = defining.plan
    ok(plan.fac, "workshop:finish")
    payload = {"idea_id": defining["J1"], "field": "owner", "text": "Ana"}
    refuse(plan.room, plan.people[0].sock, "suggestion:submit", payload, "workshop_finished")


def test_a_phone_can_send_at_most_thirty_suggestions_per_stage(defining: Linking) -> None:
    ana = defining.plan.people[0]
    for n in range(30):
        suggest(ana, defining["J1"], "owner", f"Owner {n}")
    payload = {"idea_id": defining["J1"], "field": "owner", "text": "One more"}
    refuse(defining.room, ana.sock, "suggestion:submit", payload, "too_many_suggestions")
    # Someone else still can.
    suggest(defining.plan.people[1], defining["J1"], "owner", "Ben")
