"""The plan of a situation analysis (issue 17): a SWOT stage, goals linked to its strengths
and threats, projects, and risks rated likelihood x impact and linked to what they threaten
and what mitigates them, assembled from a real workshop (real events through the Socket.IO
test client, the real database, `plan.json` checked against the published schema).

The plan says each item's category, what each goal builds on and answers, each risk's means,
quadrant and mitigations; it finds the threats no goal answers and the high risks no project
mitigates, and a review that names a risk's mitigation closes that gap in the next version
while the version before keeps it. A workshop without categories or named scales gives the
same plan.json as before these keys existed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

import pytest
from flask import Flask

from tests import plan_samples
from tests.factories import Room, ok
from tests.test_http import bearer, count_rows, error_of
from tests.test_plan_assembly import Day, download_plan, open_day, stage_body, step
from workshop.plan import PlanDocument, from_dict
from workshop.plan.document import GAP_LABELS, gap_text, outline
from workshop.plan.plan_json import render_json

LOYAL, OLD_IT, EXPORT_MARKET, RIVAL, COSTS = (
    "Loyal customers",
    "Old IT systems",
    "A new export market",
    "A rival opens next door",
    "Energy costs rise",
)
LOYALTY, MODERNISE = "Grow customer loyalty", "Modernise our IT"
CRM, HEDGE = "A new CRM", "Hedge energy prices"
BREACH, STAFF = "A data breach", "Key staff leave"

AGENDA = (
    stage_body("situation", step("brainstorm"), step("done", select_count=0)),
    stage_body("goals", step("brainstorm"), step("done", select_count=0), step("link")),
    stage_body("projects", step("brainstorm"), step("done", select_count=0)),
    stage_body(
        "risks", step("brainstorm"), step("rate"), step("done", select_count=0), step("link")
    ),
)


def submit(day: Day, key: str, text: str, who: int, category: str | None = None) -> int:
    payload: dict[str, Any] = {"stage_id": day.stages[key], "text": text}
    if category is not None:
        payload["category"] = category
    idea_id: int = ok(day.people[who].sock, "idea:submit", payload)["idea"]["id"]
    day.ideas[text] = idea_id
    return idea_id


def confirm(day: Day, text: str, parents: list[str], **extra: Any) -> None:
    ids = day.ideas
    payload = {"idea_id": ids[text], "parent_ids": [ids[p] for p in parents], **extra}
    ok(day.fac, "link:confirm", payload)


def run_day(room: Room) -> Day:
    """The whole day: a SWOT, goals linked to it, two projects, two rated risks (the breach
    a high risk that nothing mitigates, staff leaving a low one mitigated by the CRM)."""
    day = open_day(room, *AGENDA)
    submit(day, "situation", LOYAL, 0, "strengths")
    submit(day, "situation", OLD_IT, 1, "weaknesses")
    submit(day, "situation", EXPORT_MARKET, 2, "opportunities")
    submit(day, "situation", RIVAL, 0, "threats")
    submit(day, "situation", COSTS, 1, "threats")
    day.to("done", "situation")

    day.to("brainstorm", "goals")
    submit(day, "goals", LOYALTY, 0)
    submit(day, "goals", MODERNISE, 1)
    day.to("done", "goals")
    day.to("link", "goals")
    confirm(day, LOYALTY, [LOYAL, RIVAL])
    confirm(day, MODERNISE, [OLD_IT])

    day.to("brainstorm", "projects")
    submit(day, "projects", CRM, 2)
    submit(day, "projects", HEDGE, 0)
    day.to("done", "projects")

    day.to("brainstorm", "risks")
    submit(day, "risks", BREACH, 1)
    submit(day, "risks", STAFF, 2)
    day.to("rate", "risks")
    given = {BREACH: [(4, 5), (5, 5), (4, 4)], STAFF: [(2, 3), (1, 2), (2, 2)]}
    for n, person in enumerate(day.people):
        ratings = {
            str(day.ideas[text]): {"likelihood": pairs[n][0], "impact": pairs[n][1]}
            for text, pairs in given.items()
        }
        ok(person.sock, "rating:set", {"stage_id": day.stages["risks"], "ratings": ratings})
    day.to("done", "risks")
    day.to("link", "risks")
    confirm(day, BREACH, [MODERNISE])
    confirm(day, STAFF, [LOYALTY], mitigated_by=[day.ideas[CRM]])
    return day


@pytest.fixture
def day(room: Room) -> Day:
    return run_day(room)


def item_of(plan: PlanDocument, text: str) -> Any:
    found = [i for stage in plan.stages for i in stage.items if i.text == text]
    assert len(found) == 1
    return found[0]


def words(items: Any) -> list[str]:
    return [i.wording for i in items]


def test_the_plan_carries_the_swot_relations_measures_and_quadrants(day: Day) -> None:
    plan = day.finish()
    situation, risks = plan.stage("situation"), plan.stage("risks")
    assert situation is not None and risks is not None
    assert [c["key"] for c in situation.categories] == [
        "strengths",
        "weaknesses",
        "opportunities",
        "threats",
    ]
    assert situation.category_label("threats") == "Threats"
    assert words(situation.selected_in("threats")) == [RIVAL, COSTS]
    assert item_of(plan, LOYAL).category == "strengths"
    # Goals, projects and risks have no categories: neither the stage nor its items.
    goals = plan.stage("goals")
    assert goals is not None and goals.categories == () and goals.scales == ()
    assert item_of(plan, LOYALTY).category is None

    # What each goal builds on and answers, by the category of what it links to.
    loyalty, modernise = item_of(plan, LOYALTY), item_of(plan, MODERNISE)
    assert [(kind, words(items)) for kind, items in plan.relations_of(loyalty)] == [
        ("builds_on", [LOYAL]),
        ("answers", [RIVAL]),
    ]
    assert words(plan.related(modernise, "answers")) == [OLD_IT]

    # The risks: rated likelihood x impact, named for risks, each with its quadrant.
    assert [s["key"] for s in risks.scales] == ["likelihood", "impact"]
    assert risks.quadrants["big_bet"] == "Act now"
    assert risks.score_label == "mean likelihood"  # the rate step orders by its first scale
    breach, staff = item_of(plan, BREACH), item_of(plan, STAFF)
    assert breach.measures == {"likelihood": 4.3333, "impact": 4.6667}  # means, to 4 places
    assert (breach.quadrant, risks.quadrant_label(breach.quadrant)) == ("big_bet", "Act now")
    assert (staff.quadrant, risks.quadrant_label(staff.quadrant)) == ("fill_in", "Accept")
    assert words(plan.related(breach, "threatens")) == [MODERNISE]
    assert staff.mitigated_by == (day.ideas[CRM],)
    assert words(plan.mitigations(staff)) == [CRM]
    assert words(plan.mitigates(item_of(plan, CRM))) == [STAFF]
    assert plan.mitigations(breach) == []


def test_the_plan_finds_the_unanswered_threat_and_the_unmitigated_high_risk(day: Day) -> None:
    plan = day.finish()
    found = {(gap.kind, gap.item): gap for gap in plan.gaps}
    unanswered = found[("unanswered_threat", COSTS)]
    assert gap_text(unanswered) == "Threat or weakness that no goal answers: threat"
    assert ("unanswered_threat", RIVAL) not in found  # a goal answers it
    assert ("unanswered_threat", OLD_IT) not in found  # a weakness a goal answers
    assert words(plan.unanswered()) == [COSTS]
    risky = found[("unmitigated_risk", BREACH)]
    assert gap_text(risky) == (
        "High risk that no project mitigates: Act now: likelihood 4.3, impact 4.7"
    )
    # A low risk is not a gap, mitigated or not; the gaps come in the Gaps section's order.
    assert not any(gap.item == STAFF and gap.kind == "unmitigated_risk" for gap in plan.gaps)
    order = list(GAP_LABELS)
    assert [order.index(gap.kind) for gap in plan.gaps] == sorted(
        order.index(gap.kind) for gap in plan.gaps
    )
    assert plan.gaps[0].kind == "unanswered_threat"


def review(day: Day, body: Any) -> Any:
    url = f"/api/workshops/{day.room.id}/plan/versions"
    return day.room.client.post(url, headers=bearer(day.room.key), json=body)


def plan_json(day: Day, version: int) -> dict[str, Any]:
    url = f"/api/workshops/{day.room.id}/plan.json?version={version}"
    response = day.room.client.get(url, headers=bearer(day.room.key))
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.get_data())
    return data


def test_a_review_that_names_a_mitigation_closes_the_gap_in_version_2_only(
    day: Day, app: Flask
) -> None:
    day.finish()
    ids = day.ideas
    response = review(
        day, {"based_on": 1, "items": [{"id": ids[BREACH], "mitigated_by": [ids[CRM]]}]}
    )
    assert response.status_code == 201, response.get_json()
    second = from_dict(plan_json(day, 2))
    assert item_of(second, BREACH).mitigated_by == (ids[CRM],)
    assert words(second.mitigates(item_of(second, CRM))) == [BREACH, STAFF]
    assert not [gap for gap in second.gaps if gap.kind == "unmitigated_risk"]
    first = from_dict(plan_json(day, 1))
    assert [gap.item for gap in first.gaps if gap.kind == "unmitigated_risk"] == [BREACH]
    assert item_of(first, BREACH).mitigated_by == ()
    # Clearing it opens the gap again in version 3.
    response = review(day, {"based_on": 2, "items": [{"id": ids[BREACH], "mitigated_by": []}]})
    assert response.status_code == 201, response.get_json()
    third = download_plan(day.room)
    assert [gap.item for gap in third.gaps if gap.kind == "unmitigated_risk"] == [BREACH]


def test_a_refused_mitigation_names_its_field_and_stores_nothing(day: Day, app: Flask) -> None:
    day.finish()
    ids = day.ideas
    before, rows = plan_json(day, 1), count_rows(app, "planversion")
    for change, code, start in [
        ({"id": ids[LOYALTY], "mitigated_by": []}, "link_not_allowed", "items[0].mitigated_by: "),
        (
            {"id": ids[BREACH], "mitigated_by": [ids[LOYALTY]]},
            "parent_not_allowed",
            "items[0].mitigated_by[0]: ",
        ),
        (
            {"id": ids[BREACH], "mitigated_by": [999_999]},
            "parent_not_found",
            "items[0].mitigated_by[0]: item 999999",
        ),
        (
            {"id": ids[BREACH], "mitigated_by": [ids[CRM], ids[CRM]]},
            "invalid_links",
            "items[0].mitigated_by: ",
        ),
        (
            {"id": ids[BREACH], "mitigated_by": ids[CRM]},
            "invalid_payload",
            "items[0].mitigated_by ",
        ),
        (
            {"id": ids[BREACH], "mitigated_by": [str(ids[CRM])]},
            "invalid_links",
            "items[0].mitigated_by[0] ",
        ),
        ({"id": ids[STAFF], "mitigated_by": [ids[CRM]]}, "no_changes", "Nothing"),
    ]:
        response = review(day, {"based_on": 1, "items": [change]})
        assert response.status_code == 400, (change, response.get_json())
        assert error_of(response) == code, change
        assert response.get_json()["error"]["message"].startswith(start), response.get_json()
    assert count_rows(app, "planversion") == rows
    assert plan_json(day, 1) == before


def test_a_plan_stored_with_the_new_keys_reads_back_the_same(day: Day) -> None:
    ok(day.fac, "workshop:finish")
    data = plan_json(day, 1)
    stage = next(s for s in data["stages"] if s["key"] == "situation")
    assert [c["key"] for c in stage["categories"]] == [
        "strengths",
        "weaknesses",
        "opportunities",
        "threats",
    ]
    risks = next(s for s in data["stages"] if s["key"] == "risks")
    assert set(risks) >= {"scales", "quadrants"} and "categories" not in risks
    assert json.loads(render_json(from_dict(data))) == data


# --------------------------------------------------------------------------- plain plans

PLAIN_HASHES = {
    # sha256 of plan.json of the sample plans, rendered by f4cddfb (before issue 17).
    "full": "4d71a3c4ba1cc17509b620a77d06ad492aa519af403bdfe3bb82c51a2ecfaff7",
    "draft": "d084338f73dc30ae56f97d57089620f77ba8cc2ac3402cd29ed316599cd92457",
    "crowded": "21665c8dd20079b2aeba89b2388cd43f54e60b63031d75757ea87680b6207580",
}


@pytest.mark.parametrize("name", list(PLAIN_HASHES))
def test_a_plain_plan_is_byte_identical_to_before(name: str) -> None:
    plan = {
        "full": plan_samples.full_plan,
        "draft": lambda: plan_samples.full_plan(draft=True),
        "crowded": plan_samples.crowded_plan,
    }[name]()
    rendered = render_json(plan)
    assert hashlib.sha256(rendered).hexdigest() == PLAIN_HASHES[name]
    # A plan stored before the keys reads back with none of them, and gives the same bytes.
    assert render_json(from_dict(json.loads(rendered))) == rendered


NEW_ITEM_KEYS = {"category", "mitigated_by", "measures", "quadrant"}
NEW_STAGE_KEYS = {"categories", "scales", "quadrants"}


def test_a_plain_workshop_rated_on_impact_and_effort_has_none_of_the_new_keys(room: Room) -> None:
    day = open_day(
        room,
        stage_body("goals", step("brainstorm"), step("rate"), step("done", select_count=1)),
        stage_body("projects", step("brainstorm"), step("done", select_count=0), step("link")),
    )
    day.write_abcd("goals", 2)
    day.to("rate", "goals")
    ratings = {str(day.ideas["Idea A"]): {"impact": 5, "effort": 1}}
    ok(day.ana.sock, "rating:set", {"stage_id": day.stages["goals"], "ratings": ratings})
    day.to("done", "goals")
    day.to("brainstorm", "projects")
    day.write("projects", ("A project", day.ben))
    day.to("done", "projects")
    day.to("link", "projects")
    ok(
        day.fac,
        "link:confirm",
        {"idea_id": day.ideas["A project"], "parent_ids": [day.ideas["Idea A"]]},
    )
    plan = day.finish()
    data = plan.as_dict()
    for stage in data["stages"]:
        assert not NEW_STAGE_KEYS & set(stage), stage["key"]
        for item in stage["items"]:
            assert not NEW_ITEM_KEYS & set(item), item["text"]
    # The document's own fields are there, at their defaults.
    first = asdict(plan.stages[0].items[0])
    assert (first["category"], first["quadrant"], first["measures"]) == (None, None, {})
    assert [line for line in render_json(plan).decode().splitlines() if "quadrant" in line] == []
    goals = plan.stage("goals")
    assert goals is not None
    assert [p.label for p in goals.participation] == ["Brainstorm", "Impact and effort"]


def test_the_appendix_names_a_risks_rating_by_its_scales(day: Day) -> None:
    plan = day.finish()
    risks = plan.stage("risks")
    assert risks is not None
    assert [(p.label, p.people) for p in risks.participation] == [
        ("Brainstorm", 2),
        ("Likelihood and impact", 3),
    ]
    assert "Impact and effort" not in render_json(plan).decode()


# --------------------------------------------------------------------------- per category


def test_a_per_category_selection_is_said_in_the_appendix(room: Room) -> None:
    day = open_day(
        room,
        stage_body(
            "situation",
            step("brainstorm"),
            step("vote", dot_budget=1, per_category=True),
            step("done", select_per_category=1),
        ),
    )
    submit(day, "situation", LOYAL, 0, "strengths")
    submit(day, "situation", "Skilled staff", 1, "strengths")
    submit(day, "situation", RIVAL, 2, "threats")
    submit(day, "situation", COSTS, 0, "threats")
    day.to("vote", "situation")
    for person in day.people:
        day.dots(person, {"Skilled staff": 1, COSTS: 1}, "situation")
    day.to("done", "situation")
    situation = day.outcome("situation")
    assert words(situation.selected) == ["Skilled staff", COSTS]
    assert [i.category for i in situation.selected] == ["strengths", "threats"]
    assert "The top item of each category was selected." in situation.how
    assert "Every item was kept." not in situation.how


def test_a_tie_marks_a_selection_only_within_its_own_category(room: Room) -> None:
    """Each category is cut on its own: a strength that won its category outright is not
    "selected by a tie-break" because a weakness with as many dots was left out of another
    one; two threats level at the cut are."""
    day = open_day(
        room,
        stage_body(
            "situation",
            step("brainstorm"),
            step("vote", dot_budget=2, per_category=True),
            step("done", select_per_category=1),
        ),
    )
    submit(day, "situation", LOYAL, 0, "strengths")
    submit(day, "situation", "Skilled staff", 1, "strengths")
    submit(day, "situation", "Cash poor", 2, "weaknesses")
    submit(day, "situation", OLD_IT, 0, "weaknesses")
    submit(day, "situation", RIVAL, 1, "threats")
    submit(day, "situation", COSTS, 2, "threats")
    day.to("vote", "situation")
    ana, ben, cleo = day.people
    day.dots(ana, {LOYAL: 1, "Cash poor": 1, OLD_IT: 1, RIVAL: 1}, "situation")
    day.dots(ben, {LOYAL: 1, "Cash poor": 1, OLD_IT: 1, COSTS: 1}, "situation")
    day.dots(cleo, {"Skilled staff": 1, "Cash poor": 1}, "situation")
    day.to("done", "situation")
    plan = day.finish()
    situation = plan.stage("situation")
    assert situation is not None
    chosen = {i.text: i.tie_break for i in situation.selected}
    # Loyal customers (2 dots) beat Skilled staff (1); Old IT's 2 dots are another category's.
    assert chosen[LOYAL] is False
    assert chosen["Cash poor"] is False
    # The rival and the energy costs have a dot each: the tie-break chose between them.
    threats = [text for text in chosen if text in (RIVAL, COSTS)]
    assert len(threats) == 1 and chosen[threats[0]] is True
    assert len(chosen) == 3


def test_risks_and_the_swot_are_not_on_the_alignment_outline(day: Day) -> None:
    plan = day.finish()
    rows = [(depth, wording) for depth, _level, wording in outline(plan)]
    assert (0, LOYALTY) in rows and (0, MODERNISE) in rows
    assert not {LOYAL, RIVAL, OLD_IT, BREACH, STAFF} & {wording for _d, wording in rows}
    assert plan.children(day.ideas[MODERNISE]) == []  # the breach threatens it, not serves
