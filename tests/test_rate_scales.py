"""Rating with any two scales: the rate step's `scales` and `quadrants` settings (issue 17).

A risks stage rates likelihood x impact with the risk quadrants' names unless its agenda says
otherwise; `rating:set`, `me.ratings`, the figures of the state, the tally and the results name
the step's scale keys; a step with the default scales sends exactly what it sent before.

Event tests drive one stage (key `risks` or `choices`) from a console, a projector and three
phones (Ana, Ben and Cy), as tests/test_decision_events.py does.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Room, ack
from tests.test_decision_events import (
    STAGE,
    Desk,
    keyed,
    open_desk,
    put_agenda,
    ratings,
    stage_body,
    step,
)
from tests.test_events import database, me_of, refuse, until
from workshop import activities
from workshop.activities import rate
from workshop.core import decisions
from workshop.core.errors import DomainError

RISK_SETTINGS = {
    "scales": [
        {"key": "likelihood", "label": "Likelihood", "low": "rare", "high": "almost certain"},
        {"key": "impact", "label": "Impact", "low": "minor", "high": "severe"},
    ],
    "quadrants": {
        "quick_win": "Watch",
        "big_bet": "Act now",
        "fill_in": "Accept",
        "money_pit": "Plan a response",
    },
    # On a tie of likelihood, the greater impact first.
    "second_tie_break": "higher",
}
DEFAULT_SETTINGS = {
    "scales": [
        {"key": "impact", "label": "Impact", "low": "little", "high": "a lot"},
        {"key": "effort", "label": "Effort", "low": "easy", "high": "hard"},
    ],
    "quadrants": {
        "quick_win": "Quick win",
        "big_bet": "Big bet",
        "fill_in": "Fill-in",
        "money_pit": "Money pit",
    },
    "second_tie_break": "lower",
}
RISK_FIGURES = (
    "likelihood",
    "likelihood_spread",
    "impact",
    "impact_spread",
    "ratings",
    "quadrant",
    "quadrant_label",
)
DEFAULT_FIGURES = ("impact", "impact_spread", "effort", "effort_spread", "ratings", "quadrant")


def two(first: dict[str, Any], second: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `scales` setting of two scales (the second a plain valid one unless given)."""
    return {"scales": [first, second or {"key": "b", "label": "B"}]}


# --------------------------------------------------------------------------- settings

BAD_SETTINGS: list[tuple[str, dict[str, Any], str]] = [
    ("one-scale", {"scales": [{"key": "a", "label": "A"}]}, "at least 2"),
    (
        "three-scales",
        {"scales": [{"key": k, "label": k.upper()} for k in ("a", "b", "c")]},
        "at most 2",
    ),
    ("no-scales", {"scales": []}, "at least 2"),
    ("same-key-twice", two({"key": "b", "label": "A"}), "different keys"),
    ("key-upper-case", two({"key": "Risk", "label": "A"}), "pattern"),
    ("key-starts-with-digit", two({"key": "1st", "label": "A"}), "pattern"),
    ("key-with-dash", two({"key": "a-b", "label": "A"}), "pattern"),
    ("key-too-long", two({"key": "k" * 31, "label": "A"}), "pattern"),
    ("key-ends-in-spread", two({"key": "risk_spread", "label": "A"}), "_spread"),
    ("key-overwrites-a-figure", two({"key": "quadrant", "label": "A"}), "taken"),
    ("key-overwrites-the-text", two({"key": "text", "label": "A"}), "taken"),
    ("label-empty", two({"key": "a", "label": ""}), "at least 1"),
    ("label-too-long", two({"key": "a", "label": "L" * 31}), "at most 30"),
    ("label-missing", two({"key": "a"}), "required"),
    ("low-too-long", two({"key": "a", "label": "A", "low": "w" * 31}), "at most 30"),
    ("high-not-text", two({"key": "a", "label": "A", "high": 5}), "string"),
    ("unknown-field", two({"key": "a", "label": "A", "colour": "red"}), "Extra"),
    ("scales-not-a-list", {"scales": {"key": "a"}}, "list"),
    ("quadrant-name-empty", {"quadrants": {"big_bet": ""}}, "at least 1"),
    ("quadrant-name-too-long", {"quadrants": {"big_bet": "N" * 31}}, "at most 30"),
    ("quadrant-unknown", {"quadrants": {"top_left": "Do"}}, "Extra"),
    ("tie-break-unknown", {"second_tie_break": "up"}, "'lower' or 'higher'"),
]


@pytest.mark.parametrize(
    ("settings", "words"),
    [(s, w) for _, s, w in BAD_SETTINGS],
    ids=[name for name, _, _ in BAD_SETTINGS],
)
def test_bad_scales_and_quadrant_names_are_invalid_settings(
    settings: dict[str, Any], words: str
) -> None:
    with pytest.raises(DomainError) as refused:
        activities.check_step("goals", {"kind": "rate", **settings})
    assert refused.value.code == "invalid_setting"
    assert words in refused.value.message


def test_good_scales_are_stored_whole_and_quadrant_names_default_per_position() -> None:
    given = two({"key": "cost_eur", "label": "Cost (€)", "low": "", "high": "x" * 30})
    checked = activities.check_step("goals", {"kind": "rate", **given})
    assert checked["settings"]["scales"] == [
        {"key": "cost_eur", "label": "Cost (€)", "low": "", "high": "x" * 30},
        {"key": "b", "label": "B", "low": "", "high": ""},
    ]
    # Names not given keep their defaults, one by one.
    named = activities.check_step("goals", {"kind": "rate", "quadrants": {"big_bet": "Go"}})
    assert named["settings"]["quadrants"] == {**DEFAULT_SETTINGS["quadrants"], "big_bet": "Go"}


def test_a_rate_step_takes_likelihood_and_impact_on_a_risks_stage_and_the_defaults_elsewhere() -> (
    None
):
    risks = activities.check_step("risks", {"kind": "rate"})["settings"]
    assert {k: risks[k] for k in RISK_SETTINGS} == RISK_SETTINGS
    for level in ("goals", "projects", "situation", "choices"):
        plain = activities.check_step(level, {"kind": "rate"})["settings"]
        assert {k: plain[k] for k in DEFAULT_SETTINGS} == DEFAULT_SETTINGS
    # What the agenda gives wins over the level's defaults, setting by setting.
    mine = two({"key": "a", "label": "A"})
    chosen = activities.check_step("risks", {"kind": "rate", **mine})["settings"]
    assert chosen["scales"][0]["key"] == "a"
    assert chosen["quadrants"] == RISK_SETTINGS["quadrants"]


def test_an_agenda_with_bad_scales_is_refused_and_nothing_changes(room: Room) -> None:
    put_agenda(room, [stage_body("risks", [step("brainstorm"), step("rate"), step("done")])])
    before = database(room.app)
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={
            "stages": [
                stage_body(
                    "risks",
                    [
                        step("brainstorm"),
                        step("rate", **two({"key": "b", "label": "X"})),
                        step("done"),
                    ],
                )
            ]
        },
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_setting"
    assert database(room.app) == before


# --------------------------------------------------------------------------- the core


@pytest.mark.parametrize(
    ("first", "second", "position", "risk_name"),
    [
        (4.0, 2.0, "quick_win", "Watch"),
        (4.0, 4.0, "big_bet", "Act now"),
        (2.0, 2.0, "fill_in", "Accept"),
        (2.0, 4.0, "money_pit", "Plan a response"),
        (3.0, 3.0, "fill_in", "Accept"),  # exactly 3 is not above the midpoint
        (3.0001, 3.0, "quick_win", "Watch"),
        (3.0, 3.0001, "money_pit", "Plan a response"),
        (None, 4.0, None, None),
    ],
)
def test_quadrant_positions_and_their_names_with_custom_scales(
    first: float | None, second: float | None, position: str | None, risk_name: str | None
) -> None:
    assert decisions.quadrant(first, second) == position
    assert decisions.quadrant_name(position, RISK_SETTINGS["quadrants"]) == risk_name
    assert decisions.quadrant_name(position) == (
        decisions.QUADRANT_NAMES[position] if position else None
    )


def test_rating_standings_name_the_figures_by_the_scale_keys() -> None:
    entries: list[dict[int, decisions.Rating]] = [
        {1: (5, 5), 2: (4, 1), 3: (1, 5), 4: (2, None)},
        {1: (4, 4), 2: (4, 2)},
    ]
    s = decisions.rating_standings(
        entries,
        [1, 2, 3, 4],
        picks=0,
        kind="rate",
        scales=("likelihood", "impact"),
        names=RISK_SETTINGS["quadrants"],
    )
    assert {i: tuple(item.extra.get(k) for k in RISK_FIGURES) for i, item in s.items.items()} == {
        1: (4.5, 0.5, 4.5, 0.5, 2, "big_bet", "Act now"),
        2: (4.0, 0.0, 1.5, 0.5, 2, "quick_win", "Watch"),
        3: (1.0, 0.0, 5.0, 0.0, 1, "money_pit", "Plan a response"),
        4: (2.0, 0.0, None, None, 1, None, None),
    }
    assert all("effort" not in item.extra for item in s.items.values())
    # By the first scale's mean, then the lower mean on the second.
    assert s.order == [1, 2, 4, 3]
    # A tie on the first scale: the lower second first, or the higher when asked (risks).
    tied: list[dict[int, decisions.Rating]] = [{1: (4, 2), 2: (4, 5), 3: (4, None)}]
    assert decisions.rating_standings(tied, [1, 2, 3], picks=0, kind="rate").order == [1, 2, 3]
    assert decisions.rating_standings(
        tied, [1, 2, 3], picks=0, kind="rate", higher_second_first=True
    ).order == [2, 1, 3]
    # Without names (a default step) there is no quadrant_label, as before.
    plain = decisions.rating_standings(entries, [1, 2, 3, 4], picks=0, kind="rate")
    assert all(set(item.extra) == set(DEFAULT_FIGURES) for item in plain.items.values())


def test_the_plan_notes_name_the_scales_and_the_quadrants() -> None:
    activity = activities.REGISTRY["rate"]
    risks = activities.check_step("risks", {"kind": "rate"})["settings"]
    assert activity.method_note(risks) == (
        "Likelihood and impact: each rated from 1 to 5 (likelihood from rare to almost "
        "certain, impact from minor to severe); a mean above 3 is high (watch: high likelihood, "
        "low impact; act now: both high; accept: both low; plan a response: low likelihood, "
        "high impact)."
    )
    assert activity.decided_note(risks, {}, people="3 participants", earlier="") == (
        "Decided by the ratings of 3 participants: the highest mean likelihood first, then the "
        "higher mean impact."
    )
    # The default step, and a stored one from before scales were settings, say what they said.
    for plain in (activities.check_step("goals", {"kind": "rate"})["settings"], {}):
        assert activity.method_note(plain) == (
            "Impact and effort: each rated from 1 to 5; a mean above 3 is high (quick win: high "
            "impact, low effort; big bet: both high; fill-in: both low; money pit: low impact, "
            "high effort)."
        )
        assert activity.decided_note(plain, {}, people="2 participants", earlier="") == (
            "Decided by the ratings of 2 participants: the highest mean impact first, then the "
            "lower mean effort."
        )


# --------------------------------------------------------------------------- events


def risks_desk(room: Room) -> Desk:
    """Four ideas (A-D) on a `risks` stage in its rate step (likelihood x impact)."""
    ids = put_agenda(room, [stage_body("risks", [step("brainstorm"), step("rate"), step("done")])])
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy")]
    desk = Desk(room, fac, proj, people, {STAGE: ids["risks"]})
    desk.to("brainstorm")
    desk.ideas(4)
    desk.to("rate")
    desk.settle()
    return desk


def test_phones_rate_likelihood_and_impact_on_a_risks_stage(room: Room) -> None:
    d = risks_desk(room)
    a, b, c, e = d.made
    assert d.console()["steps"][1]["settings"]["scales"] == RISK_SETTINGS["scales"]
    answer = ratings(d.ana, d.sid, {a: {"likelihood": 5, "impact": 4}, b: {"impact": 2}, c: {}})
    assert answer == {
        "ok": True,
        "ratings": {
            str(a): {"likelihood": 5, "impact": 4},
            str(b): {"likelihood": None, "impact": 2},
        },
    }
    assert me_of(d.room, d.ana)["ratings"] == {str(d.sid): answer["ratings"]}
    # Stored as the first scale in `impact` and the second in `effort` (rate.py's docstring).
    rows = sorted(database(d.room.app)["rating"])
    assert [(row[1], row[3], row[4]) for row in rows] == [(a, 5, 4), (b, None, 2)]
    ratings(d.ben, d.sid, {a: {"likelihood": 4, "impact": 5}, e: {"likelihood": 2}})

    console = d.console()
    figures = {i["id"]: tuple(i.get(k) for k in RISK_FIGURES) for i in console["ideas"]}
    assert figures[a] == (4.5, 0.5, 4.5, 0.5, 2, "big_bet", "Act now")
    assert figures[b] == (None, None, 2.0, 0.0, 1, None, None)
    assert figures[e] == (2.0, 0.0, None, None, 1, None, None)
    assert all("effort" not in i for i in console["ideas"])
    # By mean likelihood; ideas without one come last (b has an impact, c nothing at all).
    assert [i["idea_id"] for i in console["decision"]["items"]] == [a, e, b, c]
    assert console["decision"]["items"][0]["quadrant_label"] == "Act now"

    # The room sees nothing until the reveal, then the same figures.
    assert all("likelihood" not in i for i in d.screen()["ideas"])
    d.reveal()
    shown = {i["id"]: tuple(i.get(k) for k in RISK_FIGURES) for i in d.screen()["ideas"]}
    assert shown == figures

    # The live tally carries them too.
    ratings(d.cy, d.sid, {c: {"likelihood": 1, "impact": 5}})
    tally = until(d.fac, "tally", lambda t: t.get("raters") == 3)[-1]
    by_id = {item["idea_id"]: item for item in tally["decision"]["items"]}
    assert (by_id[c]["quadrant"], by_id[c]["quadrant_label"]) == ("money_pit", "Plan a response")

    # The results rows carry them once the stage is decided.
    d.to("done")
    results = {r["idea_id"]: r for r in d.console()["results"]}
    assert (results[a]["likelihood"], results[a]["impact"]) == (4.5, 4.5)
    assert results[a]["quadrant_label"] == "Act now"


IMPACT_EFFORT_ON_RISKS: list[tuple[str, dict[str, Any]]] = [
    ("effort", {"impact": 3, "effort": 2}),
    ("effort-alone", {"effort": 2}),
    ("unknown-key", {"likelihood": 2, "severity": 4}),
    ("empty-key", {"": 3}),
]


@pytest.mark.parametrize(
    "given", [g for _, g in IMPACT_EFFORT_ON_RISKS], ids=[n for n, _ in IMPACT_EFFORT_ON_RISKS]
)
def test_a_key_that_is_not_a_scale_of_the_step_is_refused_and_nothing_is_written(
    room: Room, given: dict[str, Any]
) -> None:
    d = risks_desk(room)
    ratings(d.ana, d.sid, {d.made[1]: {"likelihood": 2, "impact": 2}})
    d.settle()
    payload = {"stage_id": d.sid, "ratings": keyed({d.made[0]: given})}
    refuse(d.room, d.ana.sock, "rating:set", payload, "invalid_rating")
    message = ack(d.ana.sock, "rating:set", payload)["error"]["message"]
    assert "Likelihood" in message and "Impact" in message
    assert me_of(d.room, d.ana)["ratings"] == {
        str(d.sid): {str(d.made[1]): {"likelihood": 2, "impact": 2}}
    }


def test_a_rating_out_of_range_names_the_scale(room: Room) -> None:
    d = risks_desk(room)
    payload = {"stage_id": d.sid, "ratings": keyed({d.made[0]: {"likelihood": 6}})}
    refuse(d.room, d.ana.sock, "rating:set", payload, "invalid_rating")
    assert ack(d.ana.sock, "rating:set", payload)["error"]["message"].startswith("Likelihood")


def test_a_default_stage_keeps_impact_and_effort_exactly(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("rate"), step("done"))
    a, b = d.ideas(2)
    d.to("rate")
    d.settle()
    # likelihood is no scale here.
    payload = {"stage_id": d.sid, "ratings": keyed({a: {"likelihood": 3}})}
    refuse(d.room, d.ana.sock, "rating:set", payload, "invalid_rating")
    assert (
        "Impact ('impact') and Effort ('effort')"
        in (ack(d.ana.sock, "rating:set", payload)["error"]["message"])
    )
    answer = ratings(d.ana, d.sid, {a: {"impact": 5, "effort": 2}, b: {"effort": 4}})
    assert answer == {
        "ok": True,
        "ratings": {
            str(a): {"impact": 5, "effort": 2},
            str(b): {"impact": None, "effort": 4},
        },
    }
    assert me_of(d.room, d.ana)["ratings"] == {str(d.sid): answer["ratings"]}
    console = d.console()
    rated = {
        i["id"]: {k: i[k] for k in i if k in (*DEFAULT_FIGURES, "quadrant_label")}
        for i in console["ideas"]
    }
    assert rated[a] == {
        "impact": 5.0,
        "impact_spread": 0.0,
        "effort": 2.0,
        "effort_spread": 0.0,
        "ratings": 1,
        "quadrant": "quick_win",
    }
    items = console["decision"]["items"]
    assert all(
        set(item) - {"idea_id", "rank", "score", "consensus", "contested"} == set(DEFAULT_FIGURES)
        for item in items
    )
    assert console["decision"]["method"] == "impact"


def test_a_stored_step_without_scales_reads_as_impact_and_effort() -> None:
    """A step stored before `scales` existed: its settings lack them."""
    scales = rate.step_scales({"on": "ideas", "shuffle": True})
    assert scales.keys == ("impact", "effort")
    assert scales.default is True
    assert scales.figures() == DEFAULT_FIGURES
    risky = rate.step_scales(RISK_SETTINGS)
    assert risky.figures() == RISK_FIGURES
    assert risky.default is False
