"""The decision events through the Socket.IO test client (no mocks): `allocation:set`,
`rating:set`, ranking by Schulze or Borda, consensus and contested items, `round:start`,
`idea:merge`/`idea:unmerge`, `group:set`, and private and named brainstorms.

Each test sets its own agenda (one stage, `choices`) with `PUT /api/workshops/<id>/agenda`,
then drives it from a console, a projector and three phones (Ana, Ben and Cy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, ok
from tests.test_events import (
    database,
    inbox,
    me_of,
    phase,
    refuse,
    settle,
    stage_of,
    submit,
    until,
)

NOWHERE = 10**9
STAGE = "choices"
LATER = "later"

# --------------------------------------------------------------------------- helpers


def step(kind: str, **settings: Any) -> dict[str, Any]:
    """One step of an agenda as `PUT .../agenda` takes it (settings flat)."""
    return {"kind": kind, **settings}


def stage_body(key: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "prompt": f"What about {key}?", "steps": steps}


def put_agenda(room: Room, stages: list[dict[str, Any]]) -> dict[str, int]:
    """Replace the workshop's agenda; the new stages' ids by key."""
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": stages},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 200, response.get_json()
    return {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}


@dataclass
class Desk:
    """A workshop on a custom agenda, with a console, a projector and three phones."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]
    made: list[int] = field(default_factory=list)

    @property
    def sid(self) -> int:
        return self.stages[STAGE]

    @property
    def ana(self) -> Participant:
        return self.people[0]

    @property
    def ben(self) -> Participant:
        return self.people[1]

    @property
    def cy(self) -> Participant:
        return self.people[2]

    def ideas(self, count: int) -> list[int]:
        """Ideas "Idea A", "Idea B"... from Ana, Ben and Cy in turn."""
        start = len(self.made)
        for n in range(start, start + count):
            self.made.append(submit(self.people[n % 3], self.sid, f"Idea {chr(65 + n)}"))
        return self.made[start:]

    def to(self, kind: str, stage_id: int | None = None) -> dict[str, Any]:
        return phase(self.fac, stage_id or self.sid, kind)

    def reveal(self) -> dict[str, Any]:
        stage: dict[str, Any] = ok(self.fac, "results:reveal", {"stage_id": self.sid})["stage"]
        return stage

    def console(self) -> dict[str, Any]:
        """The stage as the facilitator's state shows it now."""
        return stage_of(self.room.facilitator_state(), self.sid)

    def phone(self, p: Participant) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stage and `me` as this participant's phone gets them (resumed on a new socket)."""
        sock = self.room.connect()
        state = ok(sock, "join", {"code": self.room.code, "token": p.token})["state"]
        sock.disconnect()
        return stage_of(state, self.sid), state["me"]

    def screen(self) -> dict[str, Any]:
        """The stage as a projector that opens now gets it."""
        sock = self.room.connect()
        state = ok(sock, "present", {"workshop_id": self.room.id, "key": self.room.key})["state"]
        sock.disconnect()
        return stage_of(state, self.sid)

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def settle(self) -> None:
        settle(*self.socks())


def open_desk(room: Room, *steps: dict[str, Any], later: bool = False) -> Desk:
    """A workshop whose agenda is the stage `choices` with these steps (and a pending stage
    `later` when asked), its first step open, and everyone connected."""
    stages = [stage_body(STAGE, list(steps))]
    if later:
        stages.append(stage_body(LATER, [step("brainstorm"), step("done")]))
    ids = put_agenda(room, stages)
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy")]
    desk = Desk(room, fac, proj, people, ids)
    desk.to(steps[0]["kind"])
    desk.settle()
    return desk


def keyed(values: dict[int, Any]) -> dict[str, Any]:
    """An id-keyed mapping as JSON carries it."""
    return {str(k): v for k, v in values.items()}


def dots(p: Participant, stage_id: int, given: dict[int, int]) -> dict[str, Any]:
    return ok(p.sock, "votes:set", {"stage_id": stage_id, "votes": keyed(given)})


def points(p: Participant, stage_id: int, given: dict[int, int]) -> dict[str, Any]:
    return ok(p.sock, "allocation:set", {"stage_id": stage_id, "points": keyed(given)})


def ratings(
    p: Participant, stage_id: int, given: dict[int, dict[str, int | None]]
) -> dict[str, Any]:
    return ok(p.sock, "rating:set", {"stage_id": stage_id, "ratings": keyed(given)})


def order(p: Participant, stage_id: int, ranked: list[int]) -> dict[str, Any]:
    return ok(p.sock, "ranking:set", {"stage_id": stage_id, "order": ranked})


def rating(impact: int | None, effort: int | None) -> dict[str, int | None]:
    return {"impact": impact, "effort": effort}


def decision_items(decision: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(item["idea_id"]): item for item in decision["items"]}


def finish(desk: Desk) -> None:
    ok(desk.fac, "workshop:finish")
    desk.settle()


# --------------------------------------------------------------------------- allocation:set

ALLOCATE = step("allocate", budget=10, per_item_cap=6)


@pytest.fixture
def allocating(room: Room) -> Desk:
    """Three ideas (A, B, C) in an allocate step of 10 points, at most 6 on one idea."""
    desk = open_desk(room, step("brainstorm"), ALLOCATE, step("done", select_count=2), later=True)
    desk.ideas(3)
    desk.to("allocate")
    desk.settle()
    return desk


def test_allocation_set_replaces_the_whole_allocation_and_acks_the_points_left(
    allocating: Desk,
) -> None:
    d = allocating
    a, b, c = d.made
    assert points(d.ana, d.sid, {a: 6, b: 4}) == {
        "ok": True,
        "points": {str(a): 6, str(b): 4},
        "remaining": 0,
    }
    # The new allocation replaces the old one (a retry cannot double-spend); zeros drop out.
    assert points(d.ana, d.sid, {c: 3, a: 0}) == {
        "ok": True,
        "points": {str(c): 3},
        "remaining": 7,
    }
    me = me_of(d.room, d.ana)
    assert me["allocations"] == {str(d.sid): {str(c): 3}}
    assert me["points_left"] == {str(d.sid): 7}
    console = d.console()
    assert [idea["points"] for idea in console["ideas"]] == [0, 0, 3]
    assert (console["progress"]["allocators"], console["progress"]["points"]) == (1, 3)
    # An empty allocation withdraws it: the participant no longer counts as allocating.
    assert points(d.ana, d.sid, {}) == {"ok": True, "points": {}, "remaining": 10}
    me = me_of(d.room, d.ana)
    assert me["allocations"] == {}
    assert me["points_left"] == {str(d.sid): 10}
    console = d.console()
    assert [idea["points"] for idea in console["ideas"]] == [0, 0, 0]
    assert (console["progress"]["allocators"], console["progress"]["points"]) == (0, 0)


def test_allocation_tally_gives_the_console_point_totals_and_decision_the_projector_later(
    allocating: Desk,
) -> None:
    d = allocating
    a, b, c = d.made
    points(d.ana, d.sid, {a: 6, b: 4})
    points(d.ben, d.sid, {b: 5})
    wanted = {str(a): 6, str(b): 9, str(c): 0}
    tally = until(d.fac, "tally", lambda t: t.get("point_totals") == wanted)[-1]
    assert (tally["stage_id"], tally["allocators"], tally["points"]) == (d.sid, 2, 15)
    decision = tally["decision"]
    assert (decision["kind"], decision["method"], decision["voters"]) == ("allocate", "totals", 2)
    assert [(i["idea_id"], i["rank"], i["score"], i["points"]) for i in decision["items"]] == [
        (b, 1, 9, 9),
        (a, 2, 6, 6),
        (c, 3, 0, 0),
    ]
    screen = until(d.proj, "tally", lambda t: t["allocators"] == 2)[-1]
    assert "point_totals" not in screen
    assert "decision" not in screen
    assert all("points" not in idea for idea in d.screen()["ideas"])

    d.reveal()
    d.settle()
    points(d.cy, d.sid, {c: 1})
    screen = until(d.proj, "tally", lambda t: t["allocators"] == 3)[-1]
    assert screen["point_totals"] == {str(a): 6, str(b): 9, str(c): 1}
    assert [i["idea_id"] for i in screen["decision"]["items"]] == [b, a, c]
    assert [idea["points"] for idea in d.screen()["ideas"]] == [6, 9, 1]


Build = Callable[[list[int]], Any]

ALLOCATION_REFUSALS: list[tuple[str, Build, str]] = [
    ("text", lambda i: {str(i[0]): "3"}, "invalid_payload"),
    ("float", lambda i: {str(i[0]): 2.5}, "invalid_payload"),
    ("whole-float", lambda i: {str(i[0]): 2.0}, "invalid_payload"),
    ("bool", lambda i: {str(i[0]): True}, "invalid_payload"),
    ("null", lambda i: {str(i[0]): None}, "invalid_payload"),
    ("key-word", lambda i: {"one": 3}, "invalid_payload"),
    ("key-negative", lambda i: {f"-{i[0]}": 3}, "invalid_payload"),
    ("key-decimal", lambda i: {f"{i[0]}.0": 3}, "invalid_payload"),
    ("list", lambda i: [i[0]], "invalid_payload"),
    ("number", lambda i: 3, "invalid_payload"),
    ("unknown-idea", lambda i: {str(NOWHERE): 1}, "idea_not_found"),
    ("negative", lambda i: {str(i[0]): -1}, "invalid_points"),
    ("over-cap", lambda i: {str(i[0]): 7}, "over_cap"),
    ("over-budget", lambda i: {str(i[0]): 6, str(i[1]): 5}, "over_budget"),
]


@pytest.mark.parametrize(
    ("build", "code"),
    [(b, c) for _, b, c in ALLOCATION_REFUSALS],
    ids=[name for name, _, _ in ALLOCATION_REFUSALS],
)
def test_allocation_set_refusals_change_nothing(allocating: Desk, build: Build, code: str) -> None:
    d = allocating
    points(d.ana, d.sid, {d.made[0]: 2})
    d.settle()
    payload = {"stage_id": d.sid, "points": build(d.made)}
    refuse(d.room, d.ana.sock, "allocation:set", payload, code)
    assert me_of(d.room, d.ana)["allocations"] == {str(d.sid): {str(d.made[0]): 2}}


def test_allocation_on_a_hidden_idea_or_another_stages_is_idea_not_found(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), ALLOCATE, step("done"), later=True)
    a, b = d.ideas(2)
    elsewhere = ok(d.fac, "idea:submit", {"stage_id": d.stages[LATER], "text": "Elsewhere"})
    ok(d.fac, "idea:hide", {"idea_id": b})
    d.to("allocate")
    d.settle()
    for idea in (b, elsewhere["idea"]["id"]):
        payload = {"stage_id": d.sid, "points": {str(idea): 1}}
        refuse(d.room, d.ana.sock, "allocation:set", payload, "idea_not_found")
    assert points(d.ana, d.sid, {a: 1})["points"] == {str(a): 1}


def test_allocation_set_outside_the_allocate_step_is_wrong_phase(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), ALLOCATE, step("done"))
    (a,) = d.ideas(1)
    payload = {"stage_id": d.sid, "points": {str(a): 1}}
    refuse(d.room, d.ana.sock, "allocation:set", payload, "wrong_phase")  # still brainstorming
    d.to("allocate")
    d.to("done")
    d.settle()
    refuse(d.room, d.ana.sock, "allocation:set", payload, "wrong_phase")  # decided


def test_allocation_set_on_no_such_stage_or_another_workshops_is_stage_not_found(
    allocating: Desk, other: Room
) -> None:
    d = allocating
    foreign = other.stage_ids()["vision"]
    for stage_id in (NOWHERE, foreign):
        payload = {"stage_id": stage_id, "points": {str(d.made[0]): 1}}
        refuse(d.room, d.ana.sock, "allocation:set", payload, "stage_not_found")


def test_allocation_set_needs_a_joined_participant(allocating: Desk) -> None:
    d = allocating
    payload = {"stage_id": d.sid, "points": {str(d.made[0]): 1}}
    refuse(d.room, d.room.connect(), "allocation:set", payload, "not_joined")
    for screen in (d.fac, d.proj):
        refuse(d.room, screen, "allocation:set", payload, "forbidden")


def test_allocation_set_after_finish_is_workshop_finished(allocating: Desk) -> None:
    d = allocating
    finish(d)
    payload = {"stage_id": d.sid, "points": {str(d.made[0]): 1}}
    refuse(d.room, d.ana.sock, "allocation:set", payload, "workshop_finished")


# --------------------------------------------------------------------------- rating:set


@pytest.fixture
def rating_desk(room: Room) -> Desk:
    """Five ideas (A-E) in a rate step."""
    desk = open_desk(room, step("brainstorm"), step("rate"), step("done"), later=True)
    desk.ideas(5)
    desk.to("rate")
    desk.settle()
    return desk


def test_rating_set_replaces_keeps_partial_ratings_and_drops_empty_ones(
    rating_desk: Desk,
) -> None:
    d = rating_desk
    a, b, c, *_ = d.made
    answer = ratings(d.ana, d.sid, {a: {"impact": 5, "effort": 2}, b: {"impact": 4}, c: {}})
    assert answer == {
        "ok": True,
        "ratings": {str(a): rating(5, 2), str(b): rating(4, None)},
    }
    assert me_of(d.room, d.ana)["ratings"] == {
        str(d.sid): {str(a): rating(5, 2), str(b): rating(4, None)}
    }
    assert d.console()["progress"]["raters"] == 1
    # A new set replaces the old one whole.
    assert ratings(d.ana, d.sid, {c: {"effort": 1}})["ratings"] == {str(c): rating(None, 1)}
    assert me_of(d.room, d.ana)["ratings"] == {str(d.sid): {str(c): rating(None, 1)}}
    # Only empty ratings: nothing is rated, and Ana no longer counts as a rater.
    assert ratings(d.ana, d.sid, {a: {}})["ratings"] == {}
    assert me_of(d.room, d.ana)["ratings"] == {}
    assert d.console()["progress"]["raters"] == 0


RATING_REFUSALS: list[tuple[str, Build, str]] = [
    ("impact-0", lambda i: {str(i[0]): {"impact": 0}}, "invalid_rating"),
    ("impact-6", lambda i: {str(i[0]): {"impact": 6}}, "invalid_rating"),
    ("effort-0", lambda i: {str(i[0]): {"impact": 3, "effort": 0}}, "invalid_rating"),
    ("effort-6", lambda i: {str(i[0]): {"effort": 6}}, "invalid_rating"),
    ("text", lambda i: {str(i[0]): {"impact": "3"}}, "invalid_payload"),
    ("float", lambda i: {str(i[0]): {"impact": 3.5}}, "invalid_payload"),
    ("bool", lambda i: {str(i[0]): {"effort": True}}, "invalid_payload"),
    ("not-an-object", lambda i: {str(i[0]): 3}, "invalid_payload"),
    ("key-word", lambda i: {"first": {"impact": 3}}, "invalid_payload"),
    ("list", lambda i: [{"impact": 3}], "invalid_payload"),
    ("unknown-idea", lambda i: {str(NOWHERE): {"impact": 3}}, "idea_not_found"),
    ("unknown-idea-empty", lambda i: {str(NOWHERE): {}}, "idea_not_found"),
]


@pytest.mark.parametrize(
    ("build", "code"),
    [(b, c) for _, b, c in RATING_REFUSALS],
    ids=[name for name, _, _ in RATING_REFUSALS],
)
def test_rating_set_refusals_change_nothing(rating_desk: Desk, build: Build, code: str) -> None:
    d = rating_desk
    ratings(d.ana, d.sid, {d.made[1]: {"impact": 2, "effort": 2}})
    d.settle()
    refuse(d.room, d.ana.sock, "rating:set", {"stage_id": d.sid, "ratings": build(d.made)}, code)
    assert me_of(d.room, d.ana)["ratings"] == {str(d.sid): {str(d.made[1]): rating(2, 2)}}


def test_rating_set_refusals_for_phase_stage_identity_and_finish(
    rating_desk: Desk, other: Room
) -> None:
    d = rating_desk
    payload = {"stage_id": d.sid, "ratings": {str(d.made[0]): {"impact": 3}}}
    for stage_id in (NOWHERE, other.stage_ids()["vision"]):
        refuse(
            d.room, d.ana.sock, "rating:set", {**payload, "stage_id": stage_id}, "stage_not_found"
        )
    refuse(d.room, d.room.connect(), "rating:set", payload, "not_joined")
    for screen in (d.fac, d.proj):
        refuse(d.room, screen, "rating:set", payload, "forbidden")
    d.to("brainstorm")
    d.settle()
    refuse(d.room, d.ana.sock, "rating:set", payload, "wrong_phase")
    d.to("rate")
    d.to("done")
    d.settle()
    refuse(d.room, d.ana.sock, "rating:set", payload, "wrong_phase")
    finish(d)
    refuse(d.room, d.ana.sock, "rating:set", payload, "workshop_finished")


RATED_KEYS = ("impact", "impact_spread", "effort", "effort_spread", "ratings", "quadrant")


def test_rating_means_spreads_and_quadrants_live_on_the_console_and_for_the_room_on_reveal(
    rating_desk: Desk,
) -> None:
    d = rating_desk
    a, b, c, e, f = d.made
    ratings(d.ana, d.sid, {a: rating(5, 2), b: rating(2, 5), c: rating(4, 4), e: rating(3, 3)})
    ratings(d.ben, d.sid, {a: rating(4, 1), b: rating(1, 4), c: rating(5, 5), f: rating(4, None)})
    ratings(d.cy, d.sid, {a: rating(3, 3)})
    # a: impact 5, 4, 3: mean 4, spread sqrt(2/3) = 0.8165; effort 2, 1, 3: mean 2, same spread.
    # b: impact 2, 1 (1.5, spread 0.5); effort 5, 4 (4.5, 0.5). c: 4, 5 and 4, 5: 4.5 each.
    # e: one rating 3 and 3; a mean of exactly 3 is low on both scales: a fill-in.
    # f: impact only, so no quadrant yet.
    expected = {
        a: (4.0, 0.8165, 2.0, 0.8165, 3, "quick_win"),
        b: (1.5, 0.5, 4.5, 0.5, 2, "money_pit"),
        c: (4.5, 0.5, 4.5, 0.5, 2, "big_bet"),
        e: (3.0, 0.0, 3.0, 0.0, 1, "fill_in"),
        f: (4.0, 0.0, None, None, 1, None),
    }
    console = d.console()
    assert {i["id"]: tuple(i[k] for k in RATED_KEYS) for i in console["ideas"]} == expected
    # By mean impact, then the lower mean effort (a's 2 beats f's none), then the earlier idea.
    assert [i["idea_id"] for i in console["decision"]["items"]] == [c, a, f, e, b]
    assert console["progress"]["raters"] == 3

    phone, _me = d.phone(d.cy)
    for hidden in (phone, d.screen()):
        assert all(not set(RATED_KEYS) & set(idea) for idea in hidden["ideas"])
        assert hidden["decision"] is None

    d.reveal()
    for shown in (d.phone(d.cy)[0], d.screen()):
        assert {i["id"]: tuple(i[k] for k in RATED_KEYS) for i in shown["ideas"]} == expected
        assert [i["idea_id"] for i in shown["decision"]["items"]] == [c, a, f, e, b]


# --------------------------------------------------------------------------- rank methods

# Four ideas A, B, C, D; three full ballots: Ana and Ben A > B > C > D, Cy B > C > D > A.
# Borda (first of 4 earns 3): A 3+3+0 = 6, B 2+2+3 = 7, C 1+1+2 = 4, D 0+0+1 = 1, so Borda
# says B, A, C, D. Head to head A beats B, C and D 2-1 each (the Condorcet winner), B beats C
# and D 3-0, C beats D 3-0: Schulze (and Copeland: A +3, B +1, C -1, D -3) say A, B, C, D.
# Kendall's W: rank sums A 1+1+4 = 6, B 2+2+1 = 5, C 3+3+2 = 8, D 4+4+3 = 11 around a mean of
# 3 * 5 / 2 = 7.5: S = 2.25 + 6.25 + 0.25 + 12.25 = 21, W = 12 * 21 / (3**2 * (4**3 - 4))
# = 252 / 540 = 0.4667.
# A's positions, normalised to 0..1: 0, 0, 1; their spread is sqrt(2/9) = 0.4714, so its
# consensus is 1 - 2 * 0.4714 = 0.0572, and it is contested: two thirds put it at the top, a
# third at the bottom. B's are 1/3, 1/3, 0: spread 0.1571, consensus 0.6857, not contested.
BALLOTS = [[0, 1, 2, 3], [0, 1, 2, 3], [1, 2, 3, 0]]


def ranked_room(room: Room, method: str) -> tuple[Desk, list[int]]:
    """The profile above ranked in a stage whose rank step uses `method`, then decided."""
    d = open_desk(
        room,
        step("brainstorm"),
        step("vote"),
        step("rank", shortlist_size=4, method=method),
        step("done", select_count=1),
    )
    ideas = d.ideas(4)
    d.to("vote")
    assert d.to("rank")["shortlist"] == ideas
    for p, ballot in zip(d.people, BALLOTS, strict=True):
        order(p, d.sid, [ideas[i] for i in ballot])
    return d, ideas


def test_schulze_ranks_the_condorcet_winner_first_where_borda_would_not(room: Room) -> None:
    d, (a, b, c, e) = ranked_room(room, "schulze")
    decision = d.console()["decision"]
    assert decision["method"] == "schulze"
    assert [(i["idea_id"], i["rank"], i["score"]) for i in decision["items"]] == [
        (a, 1, 6),
        (b, 2, 7),
        (c, 3, 4),
        (e, 4, 1),
    ]
    assert decision["condorcet_winner"] == a
    assert decision["kendall_w"] == pytest.approx(0.4667)
    assert decision["robust"] is False
    assert decision["methods"] == {"borda": [b], "schulze": [a], "copeland": [a]}
    items = decision_items(decision)
    assert (items[a]["consensus"], items[a]["contested"]) == (0.0572, True)
    assert (items[b]["consensus"], items[b]["contested"]) == (0.6857, False)

    d.to("done")
    results = d.console()["results"]
    assert [(r["idea_id"], r["rank"], r["score"], r["selected"]) for r in results] == [
        (a, 1, 6, True),
        (b, 2, 7, False),
        (c, 3, 4, False),
        (e, 4, 1, False),
    ]
    assert [item["id"] for item in d.console()["selected"]] == [a]
    phone, _me = d.phone(d.ana)
    assert phone["results"] == results
    assert phone["decision"]["method"] == "schulze"
    assert phone["decision"]["robust"] is False


def test_borda_on_the_same_profile_ranks_the_broadly_liked_idea_first(room: Room) -> None:
    d, (a, b, c, e) = ranked_room(room, "borda")
    decision = d.console()["decision"]
    assert decision["method"] == "borda"
    assert [i["idea_id"] for i in decision["items"]] == [b, a, c, e]
    assert decision["robust"] is False
    assert decision["methods"] == {"borda": [b], "schulze": [a], "copeland": [a]}
    assert decision["condorcet_winner"] == a
    assert decision["kendall_w"] == pytest.approx(0.4667)
    d.to("done")
    results = d.console()["results"]
    assert [(r["idea_id"], r["score"], r["selected"]) for r in results] == [
        (b, 7, True),
        (a, 6, False),
        (c, 4, False),
        (e, 1, False),
    ]


# --------------------------------------------------------------------------- consensus


@dataclass(frozen=True)
class Kind:
    """One scoring step kind: its agenda and how a phone gives each idea an amount 1..3."""

    name: str
    steps: tuple[dict[str, Any], ...]
    me_key: str
    live_key: str | None  # the per-idea key that shows its total, None for rank

    def give(self, p: Participant, stage_id: int, amounts: dict[int, int]) -> None:
        if self.name == "vote":
            dots(p, stage_id, amounts)
        elif self.name == "allocate":
            points(p, stage_id, amounts)
        elif self.name == "rate":
            # Amount n is an impact of 2n - 1 (1 -> 1, 2 -> 3, 3 -> 5) and an effort of 2.
            ratings(
                p, stage_id, {i: {"impact": 2 * n - 1, "effort": 2} for i, n in amounts.items()}
            )
        else:
            order(p, stage_id, sorted(amounts, key=lambda i: (-amounts[i], i)))

    def mine(self, amounts: dict[int, int]) -> Any:
        """What `me` holds for this entry."""
        if self.name == "rate":
            return {str(i): rating(2 * n - 1, 2) for i, n in sorted(amounts.items())}
        if self.name == "rank":
            return sorted(amounts, key=lambda i: (-amounts[i], i))
        return {str(i): n for i, n in sorted(amounts.items())}

    def open(self, room: Room, count: int = 3) -> tuple[Desk, list[int]]:
        d = open_desk(room, *self.steps)
        ideas = d.ideas(count)
        for s in self.steps[1:]:
            if s["kind"] == "done":
                break
            d.to(s["kind"])
        d.settle()
        return d, ideas


KINDS = [
    Kind("vote", (step("brainstorm"), step("vote"), step("done")), "votes", "votes"),
    Kind(
        "allocate",
        (step("brainstorm"), step("allocate", budget=10), step("done")),
        "allocations",
        "points",
    ),
    Kind("rate", (step("brainstorm"), step("rate"), step("done")), "ratings", "impact"),
    Kind(
        "rank",
        (step("brainstorm"), step("vote"), step("rank", shortlist_size=3), step("done")),
        "rankings",
        None,
    ),
]
KIND_IDS = [kind.name for kind in KINDS]


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_unanimous_room_has_full_consensus_and_nothing_contested(room: Room, kind: Kind) -> None:
    d, (a, b, _c) = kind.open(room)
    for p in d.people:
        kind.give(p, d.sid, {a: 3, b: 1})
    decision = d.console()["decision"]
    assert decision["kind"] == kind.name
    assert decision["voters"] == 3
    agreement = [(i["consensus"], i["contested"]) for i in decision["items"]]
    if kind.name in ("vote", "allocate"):
        # Everyone gave a and b the same: full consensus; nobody chose c, which is 0 (not chosen).
        assert agreement == [(1.0, False), (1.0, False), (0.0, False)]
    else:
        assert agreement == [(1.0, False)] * 3
    assert decision["robust"] is True
    if kind.name == "rank":
        assert decision["kendall_w"] == 1.0
        assert decision["condorcet_winner"] == a


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_an_idea_the_room_is_split_about_is_contested(room: Room, kind: Kind) -> None:
    d, (a, b, c) = kind.open(room)
    # Ana and Ben put a first; Cy puts it last, rates its impact 1 or gives it nothing.
    cy = {"rank": {b: 3, c: 2, a: 1}, "rate": {b: 3, a: 1}}.get(kind.name, {b: 3})
    kind.give(d.ana, d.sid, {a: 3, b: 2, c: 1} if kind.name == "rank" else {a: 3})
    kind.give(d.ben, d.sid, {a: 3, b: 2, c: 1} if kind.name == "rank" else {a: 3})
    kind.give(d.cy, d.sid, cy)
    items = decision_items(d.console()["decision"])
    if kind.name in ("vote", "allocate"):
        # Two of three voters gave a 3, the largest gift: 6 / (3 voters x 3) = 0.6667; both made it
        # their favourite and Cy, who gave it nothing, favours b: two camps, so contested.
        assert (items[a]["consensus"], items[a]["contested"]) == (0.6667, True)
    else:
        # a's values on 0..1 are 1, 1, 0 (positions 0, 0, 1; impacts (5 - 1) / 4, ...): consensus
        # 1 - 2 * sqrt(2/9) = 0.0572; two thirds at the top and a third at the bottom.
        assert (items[a]["consensus"], items[a]["contested"]) == (0.0572, True)
    assert items[c]["contested"] is False
    if kind.name in ("vote", "allocate"):
        # Nobody gave c anything: it is not chosen (0), and nobody is split about it.
        assert items[c]["consensus"] == 0.0
    elif kind.name == "rate":
        # Nobody rated c: there is no disagreement about it.
        assert items[c]["consensus"] == 1.0


def test_dots_on_a_hidden_idea_do_not_weigh_in_consensus(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"), step("done"))
    a, b, h = d.ideas(3)
    d.to("vote")
    dots(d.ana, d.sid, {a: 1, h: 3})
    dots(d.ben, d.sid, {a: 1, h: 3})
    dots(d.cy, d.sid, {b: 1})
    ok(d.fac, "idea:hide", {"idea_id": h})
    decision = d.console()["decision"]
    assert [i["idea_id"] for i in decision["items"]] == [a, b]
    # Dots on a hidden idea stop counting: Ana and Ben gave a their only counted dot, Cy gave b
    # his. a: 2 / (3 voters x 1) = 0.6667, contested (two camps: a's and b's), exactly as if h
    # had never been voted on; with h counted, a would be no one's favourite.
    items = decision_items(decision)
    assert (items[a]["consensus"], items[a]["contested"]) == (0.6667, True)


# --------------------------------------------------------------------------- round:start

# Round 1: Ana gives a 3; Ben a 2 and b 1; Cy b 3. Round 2: Ben changes to b 3 and a 1.
# Vote and allocate: a 5, b 4, c 0, then b 6, a 4. Rate (impact = 2 * amount - 1): a 5 and 3
# (mean 4), b 1 and 5 (3), then a 5 and 1 (3), b 5 and 5 (5). Rank (Borda over 3, first place
# 2 points): Ana [a], Ben [a, b], Cy [b]: a 2 + 2 = 4, b 1 + 2 = 3; then Ben [b, a]: b 2 + 2 = 4,
# a 2 + 1 = 3. Either way b moves up one place and a down one; c stays third.
ROUND1 = [{0: 3}, {0: 2, 1: 1}, {1: 3}]
ROUND2_BEN = {1: 3, 0: 1}
SCORES1 = {"vote": (5, 4, 0), "allocate": (5, 4, 0), "rate": (4, 3, 0), "rank": (4, 3, 0)}
SCORES2 = {"vote": (4, 6, 0), "allocate": (4, 6, 0), "rate": (3, 5, 0), "rank": (3, 4, 0)}


def start_round(d: Desk) -> dict[str, Any]:
    stage: dict[str, Any] = ok(d.fac, "round:start", {"stage_id": d.sid})["stage"]
    return stage


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_second_round_starts_from_round_one_and_reports_what_moved(
    room: Room, kind: Kind
) -> None:
    d, (a, b, c) = kind.open(room)
    ideas = [a, b, c]
    for p, amounts in zip(d.people, ROUND1, strict=True):
        kind.give(p, d.sid, {ideas[i]: n for i, n in amounts.items()})
    d.reveal()
    index = d.console()["step"]
    assert start_round(d) == {"id": d.sid, "round": 2, "step": index}

    console = d.console()
    assert console["round"] == 2
    assert len(console["rounds"]) == 1
    closed = console["rounds"][0]
    assert (closed["kind"], closed["round"], closed["step"]) == (kind.name, 1, index)
    assert [(i["idea_id"], i["score"]) for i in closed["items"]] == list(
        zip(ideas, SCORES1[kind.name], strict=True)
    )
    assert console["decision"]["round"] == 2

    # Every phone starts round 2 from its own round-1 entry; the totals are hidden again.
    for p, amounts in zip(d.people, ROUND1, strict=True):
        stage, me = d.phone(p)
        assert me[kind.me_key] == {str(d.sid): kind.mine({ideas[i]: n for i, n in amounts.items()})}
        assert stage["round"] == 2
        assert stage["rounds"] == console["rounds"]
    for hidden in (d.phone(d.ana)[0], d.screen()):
        assert hidden["decision"] is None
        if kind.live_key is not None:
            assert all(kind.live_key not in idea for idea in hidden["ideas"])

    kind.give(d.ben, d.sid, {ideas[i]: n for i, n in ROUND2_BEN.items()})
    d.reveal()
    for shown in (d.console(), d.phone(d.cy)[0], d.screen()):
        decision = shown["decision"]
        assert decision["round"] == 2
        assert [
            (i["idea_id"], i["rank"], i["score"], i["round1"], i["moved"])
            for i in decision["items"]
        ] == [
            (b, 1, SCORES2[kind.name][1], {"rank": 2, "score": SCORES1[kind.name][1]}, 1),
            (a, 2, SCORES2[kind.name][0], {"rank": 1, "score": SCORES1[kind.name][0]}, -1),
            (c, 3, 0, {"rank": 3, "score": 0}, 0),
        ]

    refuse(d.room, d.fac, "round:start", {"stage_id": d.sid}, "round_limit")
    d.to("done")
    results = d.console()["results"]
    assert [r["idea_id"] for r in results] == [b, a, c]
    assert results[0]["round1"] == {"rank": 2, "score": SCORES1[kind.name][1]}


def test_round_start_refusals_change_nothing(room: Room, other: Room) -> None:
    d = open_desk(room, step("brainstorm"), ALLOCATE, step("done"))
    (a,) = d.ideas(1)
    payload = {"stage_id": d.sid}
    refuse(d.room, d.fac, "round:start", payload, "wrong_phase")  # brainstorm
    d.to("allocate")
    points(d.ana, d.sid, {a: 4})
    d.settle()
    refuse(d.room, d.fac, "round:start", payload, "not_revealed")
    refuse(d.room, d.ana.sock, "round:start", payload, "forbidden")
    refuse(d.room, d.proj, "round:start", payload, "forbidden")
    refuse(d.room, d.room.connect(), "round:start", payload, "not_joined")
    refuse(d.room, d.fac, "round:start", {"stage_id": NOWHERE}, "stage_not_found")
    refuse(d.room, d.fac, "round:start", {"stage_id": "1"}, "invalid_payload")
    d.reveal()
    start_round(d)
    # Round 2 is not revealed yet, but a third round is refused as such.
    refuse(d.room, d.fac, "round:start", payload, "round_limit")
    d.reveal()
    refuse(d.room, d.fac, "round:start", payload, "round_limit")
    foreign = other.facilitator()
    refuse(d.room, foreign, "round:start", payload, "stage_not_found")
    finish(d)
    refuse(d.room, d.fac, "round:start", payload, "workshop_finished")


# --------------------------------------------------------------------------- idea:merge


def merge(d: Desk, into: int, *ids: int) -> dict[str, Any]:
    idea: dict[str, Any] = ok(d.fac, "idea:merge", {"idea_ids": list(ids), "into": into})["idea"]
    return idea


def unmerge(d: Desk, idea_id: int) -> dict[str, Any]:
    idea: dict[str, Any] = ok(d.fac, "idea:unmerge", {"idea_id": idea_id})["idea"]
    return idea


def test_merging_sums_dots_up_to_the_cap_and_unmerging_restores_what_nobody_changed(
    room: Room,
) -> None:
    d = open_desk(room, step("brainstorm"), step("vote", dot_budget=5, max_dots_per_idea=3))
    a, b, c, e = d.ideas(4)  # from Ana, Ben, Cy and Ana
    d.to("vote")
    dots(d.ana, d.sid, {a: 2, b: 2})
    dots(d.ben, d.sid, {b: 3})
    dots(d.cy, d.sid, {c: 1})
    d.settle()

    assert merge(d, a, b) == {"id": a, "stage_id": d.sid, "merged": [b]}
    # Ana gave a 2 and b 2: she keeps 4, capped at 3 on one idea; her budget still holds.
    for p, votes, left in [(d.ana, {a: 3}, 2), (d.ben, {a: 3}, 2), (d.cy, {c: 1}, 4)]:
        stage, me = d.phone(p)
        assert me["votes"] == {str(d.sid): keyed(votes)}
        assert me["remaining"] == {str(d.sid): left}
    stage, me = d.phone(d.ben)
    assert me["ideas"] == []  # Ben's only idea now counts as part of a
    assert [i["id"] for i in stage["ideas"]] == [a, c, e]
    merged = stage["ideas"][0]
    assert (merged["also_said"], merged["merged"]) == (["Idea B"], [b])
    console = d.console()
    assert [(i["id"], i["votes"]) for i in console["ideas"]] == [(a, 6), (c, 1), (e, 0)]
    assert console["progress"]["dots"] == 7
    assert [i["idea_id"] for i in console["decision"]["items"]] == [a, c, e]

    # Ben changes his dots after the merge; Ana and Cy do not.
    dots(d.ben, d.sid, {a: 1, c: 2})
    assert unmerge(d, a) == {"id": a, "stage_id": d.sid, "unmerged": [b]}
    assert me_of(d.room, d.ana)["votes"] == {str(d.sid): keyed({a: 2, b: 2})}
    assert me_of(d.room, d.ben)["votes"] == {str(d.sid): keyed({a: 1, c: 2})}
    assert me_of(d.room, d.cy)["votes"] == {str(d.sid): keyed({c: 1})}
    console = d.console()
    assert [(i["id"], i["votes"]) for i in console["ideas"]] == [(a, 3), (b, 2), (c, 3), (e, 0)]
    assert all("also_said" not in i for i in console["ideas"])
    assert d.phone(d.ben)[1]["ideas"] == [b]


def test_merging_moves_points_capped_per_item_and_back(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), ALLOCATE)
    a, b, c = d.ideas(3)
    d.to("allocate")
    points(d.ana, d.sid, {a: 4, b: 4})
    points(d.ben, d.sid, {b: 5, c: 5})
    merge(d, a, b)
    ana, ben = me_of(d.room, d.ana), me_of(d.room, d.ben)
    assert ana["allocations"] == {str(d.sid): keyed({a: 6})}  # 8, capped at 6
    assert ana["points_left"] == {str(d.sid): 4}
    assert ben["allocations"] == {str(d.sid): keyed({a: 5, c: 5})}
    assert [(i["id"], i["points"]) for i in d.console()["ideas"]] == [(a, 11), (c, 5)]
    unmerge(d, b)  # undone from the absorbed idea's side
    assert me_of(d.room, d.ana)["allocations"] == {str(d.sid): keyed({a: 4, b: 4})}
    assert me_of(d.room, d.ben)["allocations"] == {str(d.sid): keyed({b: 5, c: 5})}
    assert [(i["id"], i["points"]) for i in d.console()["ideas"]] == [(a, 4), (b, 9), (c, 5)]


def test_merging_averages_ratings_rounded_half_up_and_back(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("rate"))
    a, b, c = d.ideas(3)
    d.to("rate")
    ratings(d.ana, d.sid, {a: rating(5, 2), b: rating(2, 3)})
    ratings(d.ben, d.sid, {b: rating(1, None)})
    ratings(d.cy, d.sid, {c: rating(3, 3)})
    merge(d, a, b)
    # Ana: impact (5 + 2) / 2 = 3.5 -> 4, effort (2 + 3) / 2 = 2.5 -> 3. Ben's b moves to a.
    assert me_of(d.room, d.ana)["ratings"] == {str(d.sid): {str(a): rating(4, 3)}}
    assert me_of(d.room, d.ben)["ratings"] == {str(d.sid): {str(a): rating(1, None)}}
    assert me_of(d.room, d.cy)["ratings"] == {str(d.sid): {str(c): rating(3, 3)}}
    shown = {i["id"]: (i["impact"], i["effort"], i["ratings"]) for i in d.console()["ideas"]}
    assert shown == {a: (2.5, 3.0, 2), c: (3.0, 3.0, 1)}
    unmerge(d, a)
    assert me_of(d.room, d.ana)["ratings"] == {
        str(d.sid): {str(a): rating(5, 2), str(b): rating(2, 3)}
    }
    assert me_of(d.room, d.ben)["ratings"] == {str(d.sid): {str(b): rating(1, None)}}


def test_merge_and_unmerge_refusals_change_nothing(room: Room, other: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"), step("rank"), step("done"), later=True)
    a, b, c, e, f = d.ideas(5)
    later = ok(d.fac, "idea:submit", {"stage_id": d.stages[LATER], "text": "Later"})["idea"]["id"]
    stranger = other.participant("Stranger")
    foreign = submit(stranger, other.stage_ids()["vision"], "Theirs")
    ok(d.fac, "idea:hide", {"idea_id": f})
    d.to("vote")
    dots(d.ana, d.sid, {a: 1, b: 1})
    merge(d, a, b)
    d.settle()

    def refused(payload: dict[str, Any], code: str, sock: SocketIOTestClient = d.fac) -> None:
        refuse(d.room, sock, "idea:merge", payload, code)

    refused({"idea_ids": [later], "into": c}, "invalid_merge")  # another stage
    refused({"idea_ids": [c], "into": f}, "invalid_merge")  # into a hidden idea
    refused({"idea_ids": [f], "into": c}, "invalid_merge")  # a hidden idea into another
    refused({"idea_ids": [c], "into": b}, "invalid_merge")  # into an idea merged already
    refused({"idea_ids": [b], "into": c}, "invalid_merge")  # an idea merged already
    refused({"idea_ids": [c], "into": c}, "invalid_merge")  # nothing to merge
    refused({"idea_ids": [c], "into": NOWHERE}, "idea_not_found")
    refused({"idea_ids": [NOWHERE], "into": c}, "idea_not_found")
    refused({"idea_ids": [foreign], "into": c}, "idea_not_found")
    refused({"idea_ids": [], "into": c}, "invalid_payload")
    refused({"idea_ids": [e], "into": c}, "forbidden", d.ana.sock)
    refused({"idea_ids": [e], "into": c}, "forbidden", d.proj)
    refuse(d.room, d.fac, "idea:unmerge", {"idea_id": c}, "not_merged")
    refuse(d.room, d.fac, "idea:unmerge", {"idea_id": NOWHERE}, "idea_not_found")
    refuse(d.room, d.ana.sock, "idea:unmerge", {"idea_id": a}, "forbidden")
    refuse(d.room, d.proj, "idea:unmerge", {"idea_id": a}, "forbidden")

    d.to("rank")
    d.settle()
    refused({"idea_ids": [e], "into": c}, "wrong_phase")
    refuse(d.room, d.fac, "idea:unmerge", {"idea_id": a}, "wrong_phase")
    d.to("done")
    d.settle()
    refused({"idea_ids": [e], "into": c}, "wrong_phase")
    refuse(d.room, d.fac, "idea:unmerge", {"idea_id": a}, "wrong_phase")


def test_a_merge_whose_idea_was_merged_since_is_undone_only_after_that(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"))
    a, b, c = d.ideas(3)
    merge(d, b, c)
    merge(d, a, b)
    d.settle()
    refuse(d.room, d.fac, "idea:unmerge", {"idea_id": c}, "invalid_merge")
    unmerge(d, a)
    unmerge(d, b)
    assert [i["id"] for i in d.console()["ideas"]] == [a, b, c]


def test_a_merge_during_brainstorm_keeps_the_other_wordings_for_the_vote(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"))
    a, b, c = d.ideas(3)
    merge(d, c, a, b, c)  # `into` may be listed among the ideas
    d.to("vote")
    stage, me = d.phone(d.ana)
    assert [(i["id"], i.get("also_said"), i.get("merged")) for i in stage["ideas"]] == [
        (c, ["Idea A", "Idea B"], [a, b])
    ]
    assert me["ideas"] == []
    refuse(
        d.room,
        d.ana.sock,
        "votes:set",
        {"stage_id": d.sid, "votes": {str(a): 1}},
        "idea_not_found",
    )


# --------------------------------------------------------------------------- group:set


def groups(d: Desk, *themes: tuple[str, list[int]]) -> dict[str, Any]:
    payload = {"stage_id": d.sid, "groups": [{"title": t, "idea_ids": i} for t, i in themes]}
    return ok(d.fac, "group:set", payload)


def test_group_set_stores_themes_everyone_sees(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"))
    a, b, c = d.ideas(3)
    assert groups(d, ("  Green   ideas ", [a, b]), ("Cost", [c])) == {
        "ok": True,
        "groups": [
            {"title": "Green ideas", "idea_ids": [a, b]},
            {"title": "Cost", "idea_ids": [c]},
        ],
    }
    expected = [{"title": "Green ideas", "idea_ids": [a, b]}, {"title": "Cost", "idea_ids": [c]}]
    assert d.console()["groups"] == expected
    assert d.phone(d.ana)[0]["groups"] == expected
    assert d.screen()["groups"] == expected
    # The ideas stay ideas: grouping alone merges nothing.
    assert [i["id"] for i in d.console()["ideas"]] == [a, b, c]
    assert groups(d)["groups"] == []
    assert d.console()["groups"] == []


def test_group_set_refusals_change_nothing(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"), step("rank"), step("done"))
    a, b, c = d.ideas(3)
    ok(d.fac, "idea:hide", {"idea_id": c})
    groups(d, ("Kept", [a]))
    d.settle()

    def refused(themes: list[dict[str, Any]], code: str) -> None:
        payload = {"stage_id": d.sid, "groups": themes}
        refuse(d.room, d.fac, "group:set", payload, code)

    refused([{"title": "   ", "idea_ids": [a]}], "text_empty")
    refused([{"title": "x" * 81, "idea_ids": [a]}], "text_too_long")
    refused([{"title": "Gone", "idea_ids": [NOWHERE]}], "idea_not_found")
    refused([{"title": "Hidden", "idea_ids": [c]}], "idea_not_found")
    refused(
        [{"title": "One", "idea_ids": [a]}, {"title": "Two", "idea_ids": [a, b]}], "invalid_group"
    )
    refused([{"title": 5, "idea_ids": [a]}], "invalid_payload")
    refuse(d.room, d.ana.sock, "group:set", {"stage_id": d.sid, "groups": []}, "forbidden")
    d.to("vote")
    d.to("rank")
    d.settle()
    refused([{"title": "Late", "idea_ids": [b]}], "wrong_phase")


def test_a_vote_on_themes_makes_each_theme_one_item_until_moving_back(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote", on="groups"), step("done"))
    a, b, c = d.ideas(3)
    groups(d, ("Green", [a, b]))
    d.to("vote")
    stage, _me = d.phone(d.ana)
    assert stage["ideas"][0]["id"] == c
    (theme,) = (i for i in stage["ideas"] if i["id"] != c)
    assert theme["text"] == "Green"
    assert theme["theme"] is True
    assert theme["from_facilitator"] is True
    assert (theme["also_said"], theme["merged"]) == (["Idea A", "Idea B"], [a, b])
    t = theme["id"]
    assert dots(d.ana, d.sid, {t: 2, c: 1})["votes"] == keyed({c: 1, t: 2})
    refuse(
        d.room, d.ben.sock, "votes:set", {"stage_id": d.sid, "votes": {str(a): 1}}, "idea_not_found"
    )
    refuse(
        d.room,
        d.fac,
        "group:set",
        {"stage_id": d.sid, "groups": [{"title": "Other", "idea_ids": [c]}]},
        "wrong_phase",
    )
    assert [(i["id"], i["votes"]) for i in d.console()["ideas"]] == [(c, 1), (t, 2)]

    d.to("brainstorm")
    console = d.console()
    assert [i["id"] for i in console["ideas"]] == [a, b, c]
    assert all("theme" not in i and "also_said" not in i for i in console["ideas"])
    assert console["groups"] == [{"title": "Green", "idea_ids": [a, b]}]
    assert me_of(d.room, d.ana)["votes"] == {str(d.sid): keyed({c: 1})}
    # The theme's item is gone with the vote on it.
    assert all("Green" not in row for row in database(d.room.app)["idea"])


def test_moving_back_from_a_vote_on_themes_after_a_merge_into_a_theme_loses_no_idea(
    room: Room,
) -> None:
    d = open_desk(room, step("brainstorm"), step("vote", on="groups"), step("done"))
    a, b, c = d.ideas(3)
    groups(d, ("Green", [a, b]))
    d.to("vote")
    (theme,) = (i["id"] for i in d.console()["ideas"] if i.get("theme"))
    dots(d.ana, d.sid, {c: 2})
    # The console may merge a duplicate into the theme, or refuse to; either way the
    # facilitator must still be able to step back, and every idea must stand on its own again.
    ack = d.fac.emit("idea:merge", {"idea_ids": [c], "into": theme}, callback=True)
    assert ack["ok"] is True or ack["error"]["code"] == "invalid_merge", ack
    assert d.to("brainstorm")["phase"] == "brainstorm"
    console = d.console()
    assert [i["id"] for i in console["ideas"]] == [a, b, c]
    assert all("also_said" not in i for i in console["ideas"])
    assert me_of(d.room, d.ana)["votes"] == {str(d.sid): keyed({c: 2})}


# --------------------------------------------------------------------------- brainstorm settings


def test_a_private_brainstorm_shows_each_phone_only_its_own_ideas_until_revealed(
    room: Room,
) -> None:
    d = open_desk(room, step("brainstorm", private=True), step("vote"))
    a = submit(d.ana, d.sid, "Ana's idea")
    b = submit(d.ben, d.sid, "Ben's idea")
    added = [m["idea"]["id"] for m in inbox(d.fac)["idea:added"]]
    assert added == [a, b]
    assert "idea:added" not in inbox(d.proj)
    for p in d.people:
        assert "idea:added" not in inbox(p.sock)

    stage, me = d.phone(d.ben)
    assert (stage["private"], stage["ideas"]) == (True, [])
    assert me["private_ideas"] == [{"id": b, "stage_id": d.sid, "text": "Ben's idea"}]
    assert me["ideas"] == [b]
    screen = d.screen()
    assert (screen["private"], screen["ideas"]) == (True, [])
    assert screen["progress"]["ideas"] == 2
    console = d.console()
    assert console["private"] is False
    assert [i["id"] for i in console["ideas"]] == [a, b]

    assert d.reveal()["reveals"] == [0]
    stage, me = d.phone(d.cy)
    assert stage["private"] is False
    assert [i["id"] for i in stage["ideas"]] == [a, b]
    assert me["private_ideas"] == []
    assert [i["id"] for i in d.screen()["ideas"]] == [a, b]
    d.settle()
    c = submit(d.cy, d.sid, "Cy's idea")
    assert [m["idea"]["id"] for m in inbox(d.proj)["idea:added"]] == [c]


def test_revealing_a_private_brainstorm_twice_changes_nothing_the_second_time(
    room: Room,
) -> None:
    """`results:reveal` is idempotent, in a private brainstorm too."""
    d = open_desk(room, step("brainstorm", private=True), step("vote"))
    submit(d.ana, d.sid, "Ana's idea")
    d.reveal()
    d.settle()
    before = (database(d.room.app), d.console())
    assert d.reveal()["reveals"] == [0]
    assert (database(d.room.app), d.console()) == before


def test_a_named_brainstorm_shows_the_authors_of_an_idea_and_of_those_merged_into_it(
    room: Room,
) -> None:
    d = open_desk(room, step("brainstorm", named=True), step("vote"))
    answer = ok(d.ana.sock, "idea:submit", {"stage_id": d.sid, "text": "Solar roofs"})
    a = answer["idea"]["id"]
    assert answer["idea"]["authors"] == ["Ana"]
    assert inbox(d.fac)["idea:added"] == [
        {"idea": {"id": a, "stage_id": d.sid, "text": "Solar roofs", "authors": ["Ana"]}}
    ]
    b = submit(d.ben, d.sid, "Solar panels")
    c = submit(d.cy, d.sid, "Heat pumps")
    merge(d, a, b)
    stage, _me = d.phone(d.cy)
    assert [(i["id"], i["authors"]) for i in stage["ideas"]] == [(a, ["Ana", "Ben"]), (c, ["Cy"])]


def test_ideas_are_anonymous_by_default(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"))
    answer = ok(d.ana.sock, "idea:submit", {"stage_id": d.sid, "text": "Solar roofs"})
    assert "authors" not in answer["idea"]
    assert all("authors" not in m["idea"] for m in inbox(d.fac)["idea:added"])
    for stage in (d.console(), d.phone(d.ben)[0], d.screen()):
        assert all("authors" not in i for i in stage["ideas"])


# --------------------------------------------------------------------------- review fixes


def test_revealing_the_ratings_does_not_show_a_later_votes_dots(room: Room) -> None:
    """Each step is revealed on its own: the ratings shown to the room, the dots of the vote
    after them stay hidden from phones and the projector until their own reveal."""
    d = open_desk(room, step("brainstorm"), step("rate"), step("vote"), step("done"))
    a, b = d.ideas(2)
    d.to("rate")
    ratings(d.ana, d.sid, {a: rating(5, 1)})
    d.reveal()
    d.to("vote")
    dots(d.ben, d.sid, {b: 3})
    d.settle()
    for stage in (d.phone(d.cy)[0], d.screen()):
        assert stage["revealed"] is False
        assert all("votes" not in idea for idea in stage["ideas"])
        assert stage["decision"] is None
    assert d.reveal()["revealed"] is True
    assert [i["votes"] for i in d.screen()["ideas"]] == [0, 3]


def test_a_shortlist_built_from_hidden_points_reaches_the_room_in_writing_order(
    room: Room,
) -> None:
    d = open_desk(
        room,
        step("brainstorm"),
        step("allocate"),
        step("rank", shortlist_size=3),
        step("done"),
    )
    a, b, c = d.ideas(3)
    d.to("allocate")
    points(d.ana, d.sid, {c: 60, b: 40})
    d.to("rank")
    assert d.console()["shortlist"] == [c, b, a]
    for stage in (d.phone(d.ben)[0], d.screen()):
        assert stage["shortlist"] == [a, b, c]
        assert stage["shortlist_ranked"] is False


def test_undoing_a_merge_survives_a_later_unrelated_merge(room: Room) -> None:
    """Ana's dots on the first merge's ideas come back although a second merge changed
    another part of her allocation; nothing is lost and the budget holds."""
    d = open_desk(room, step("brainstorm"), step("vote", dot_budget=6, max_dots_per_idea=3))
    a, b, c, e = d.ideas(4)
    d.to("vote")
    dots(d.ana, d.sid, {a: 2, b: 2, c: 1, e: 1})
    merge(d, a, b)  # a: 3 (capped), b gone
    merge(d, c, e)  # c: 2, e gone
    unmerge(d, b)
    _stage, me = d.phone(d.ana)
    assert me["votes"] == {str(d.sid): keyed({a: 2, b: 2, c: 2})}
    assert me["remaining"] == {str(d.sid): 0}


def test_merging_an_idea_of_a_theme_keeps_the_themes_editable(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"))
    a, b, c = d.ideas(3)
    ok(d.fac, "group:set", {"stage_id": d.sid, "groups": [{"title": "T", "idea_ids": [a, b]}]})
    merge(d, c, b)
    groups = d.console()["groups"]
    assert groups == [{"title": "T", "idea_ids": [a, c]}]
    assert ok(d.fac, "group:set", {"stage_id": d.sid, "groups": groups})["groups"] == groups


def test_moving_back_keeps_a_closed_round_and_merging_after_it_is_refused(room: Room) -> None:
    d = open_desk(room, step("brainstorm"), step("vote"), step("done"))
    a, b = d.ideas(2)
    d.to("vote")
    dots(d.ana, d.sid, {a: 2})
    d.reveal()
    start_round(d)
    d.to("brainstorm")
    d.to("vote")
    stage = d.console()
    assert stage["round"] == 2
    assert [r["round"] for r in stage["rounds"]] == [1]
    refuse(room, d.fac, "idea:merge", {"idea_ids": [b], "into": a}, "wrong_phase")
