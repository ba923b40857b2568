"""The plan as assembled from a real workshop: real events through the Socket.IO test client,
the real database, then `workshop.services.plans.assemble` (or `plan.json` after
`workshop:finish`) read as a `PlanDocument`.

Each test sets its own agenda with `PUT /api/workshops/<id>/agenda`, drives it from a console
and three phones (Ana, Ben and Cy), and checks what the plan then says: the order of the items
and their support, ties, empty stages, truncated rankings, merged ideas, gaps, second rounds,
turnout per step, the number of contributions and the cover.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from jsonschema import Draft202012Validator
from sqlmodel import Session

from tests.factories import Participant, Room, ok
from tests.test_events import phase, settle
from workshop.persistence.db import get_engine
from workshop.persistence.models import Workshop
from workshop.plan import PlanDocument, StageOutcome, from_dict, render_markdown
from workshop.plan.document import GapLine, Participation
from workshop.plan.schema import PLAN_SCHEMA
from workshop.services import plans

WHEN = datetime(2027, 3, 4, 10, 15, 30, tzinfo=UTC)
STAGE = "choices"


def step(kind: str, **settings: Any) -> dict[str, Any]:
    return {"kind": kind, **settings}


def stage_body(key: str, *steps: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "title": title or key.title(),
        "prompt": f"What about {key}?",
        "steps": list(steps),
    }


@dataclass
class Day:
    """A workshop on a custom agenda with a console and three phones (Ana, Ben, Cy)."""

    room: Room
    fac: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]
    ideas: dict[str, int] = field(default_factory=dict)

    @property
    def ana(self) -> Participant:
        return self.people[0]

    @property
    def ben(self) -> Participant:
        return self.people[1]

    @property
    def cy(self) -> Participant:
        return self.people[2]

    def to(self, kind: str, key: str = STAGE) -> dict[str, Any]:
        return phase(self.fac, self.stages[key], kind)

    def write(self, key: str, *named: tuple[str, Participant | None]) -> list[int]:
        """Ideas in order, each by a phone (or the console when None); kept by text."""
        made = []
        for text, who in named:
            sock = self.fac if who is None else who.sock
            payload = {"stage_id": self.stages[key], "text": text}
            idea_id = ok(sock, "idea:submit", payload)["idea"]["id"]
            self.ideas[text] = idea_id
            made.append(idea_id)
        return made

    def write_abcd(self, key: str = STAGE, count: int = 4) -> list[int]:
        """Ideas "Idea A", "Idea B"... from Ana, Ben and Cy in turn."""
        return self.write(key, *((f"Idea {chr(65 + n)}", self.people[n % 3]) for n in range(count)))

    def dots(self, p: Participant, given: dict[str, int], key: str = STAGE) -> None:
        votes = {str(self.ideas[text]): n for text, n in given.items()}
        ok(p.sock, "votes:set", {"stage_id": self.stages[key], "votes": votes})

    def points(self, p: Participant, given: dict[str, int], key: str = STAGE) -> None:
        allocation = {str(self.ideas[text]): n for text, n in given.items()}
        ok(p.sock, "allocation:set", {"stage_id": self.stages[key], "points": allocation})

    def rank(self, p: Participant, texts: list[str], key: str = STAGE) -> None:
        order = [self.ideas[text] for text in texts]
        ok(p.sock, "ranking:set", {"stage_id": self.stages[key], "order": order})

    def reveal(self, key: str = STAGE) -> None:
        ok(self.fac, "results:reveal", {"stage_id": self.stages[key]})

    def new_round(self, key: str = STAGE) -> None:
        ok(self.fac, "round:start", {"stage_id": self.stages[key]})

    def merge(self, into: str, *texts: str) -> None:
        ids = [self.ideas[text] for text in texts]
        ok(self.fac, "idea:merge", {"idea_ids": ids, "into": self.ideas[into]})

    def plan(self) -> PlanDocument:
        """The plan as the service assembles it from the database now."""
        settle(self.fac, *(p.sock for p in self.people))
        with Session(get_engine(self.room.app)) as db:
            workshop = db.get(Workshop, self.room.id)
            assert workshop is not None
            return plans.assemble(db, workshop=workshop, finished_at=WHEN)

    def finish(self) -> PlanDocument:
        """Finish the workshop and read `plan.json` back (checked against the schema)."""
        ok(self.fac, "workshop:finish")
        return download_plan(self.room)

    def outcome(self, key: str = STAGE) -> StageOutcome:
        found = self.plan().stage(key)
        assert found is not None
        return found


def download_plan(room: Room) -> PlanDocument:
    response = room.client.get(
        f"/api/workshops/{room.id}/plan.json", headers={"Authorization": f"Bearer {room.key}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    data = json.loads(response.get_data())
    errors = [error.message for error in Draft202012Validator(PLAN_SCHEMA).iter_errors(data)]
    assert errors == []
    return from_dict(data)


def open_day(room: Room, *stages: dict[str, Any]) -> Day:
    """The agenda of these stages, the first one open in its first step, everyone joined."""
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": list(stages)},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 200, response.get_json()
    ids = {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}
    fac = room.facilitator()
    people = [room.participant(name) for name in ("Ana", "Ben", "Cy")]
    day = Day(room, fac, people, ids)
    day.to(stages[0]["steps"][0]["kind"], stages[0]["key"])
    return day


def rows(outcome: StageOutcome) -> list[tuple[str, int, float | int, int, bool]]:
    """(text, rank, score, dots, selected) of every item, in plan order."""
    return [(i.text, i.rank, i.score, i.votes, i.selected) for i in outcome.items]


# --------------------------------------------------------------------------- ties

VOTED = stage_body(STAGE, step("brainstorm"), step("vote"), step("done", select_count=2))


@pytest.mark.parametrize(
    ("given", "order"),
    [
        # Everyone spreads their dots evenly: all tie, so the order they were written.
        (
            [{"Idea A": 1, "Idea B": 1, "Idea C": 1, "Idea D": 1}] * 3,
            [("Idea A", 3), ("Idea B", 3), ("Idea C", 3), ("Idea D", 3)],
        ),
        # A later idea leads; the two after it tie and keep their writing order.
        (
            [{"Idea D": 3}, {"Idea C": 2, "Idea B": 2}, {}],
            [("Idea D", 3), ("Idea B", 2), ("Idea C", 2), ("Idea A", 0)],
        ),
        # The tie sits on the cut (two are selected): the earlier idea gets in.
        (
            [{"Idea C": 3}, {"Idea B": 2}, {"Idea A": 2}],
            [("Idea C", 3), ("Idea A", 2), ("Idea B", 2), ("Idea D", 0)],
        ),
    ],
    ids=["all-equal", "tie-after-a-leader", "tie-on-the-cut"],
)
def test_equal_dots_put_the_earlier_idea_first(
    room: Room, given: list[dict[str, int]], order: list[tuple[str, int]]
) -> None:
    day = open_day(room, VOTED)
    day.write_abcd()
    day.to("vote")
    for person, dots in zip(day.people, given, strict=True):
        if dots:
            day.dots(person, dots)
    day.to("done")
    outcome = day.outcome()
    assert outcome.completed and outcome.score_label == "dots"
    assert rows(outcome) == [
        (text, n, dots, dots, n <= 2) for n, (text, dots) in enumerate(order, 1)
    ]
    assert [i.wording for i in outcome.selected] == [text for text, _ in order[:2]]
    assert "Decided by the dots of" in " ".join(outcome.how)
    assert "on equal dots the earlier idea goes first" in " ".join(outcome.how)


# --------------------------------------------------------------------------- empty stages


@pytest.mark.parametrize("decided", [True, False], ids=["decided-empty", "never-opened"])
def test_a_stage_without_ideas_is_in_the_plan_with_no_items(room: Room, decided: bool) -> None:
    day = open_day(
        room,
        stage_body("values", step("brainstorm"), step("done", select_count=0)),
        stage_body(STAGE, step("brainstorm"), step("done")),
    )
    if decided:
        day.to("done", "values")
    day.to("brainstorm")
    day.write(STAGE, ("Something else", day.ana))
    plan = day.plan()
    assert [s.key for s in plan.stages] == ["values", STAGE]
    values = plan.stages[0]
    assert (values.completed, values.items, values.selected) == (decided, (), [])
    assert [p.people for p in values.participation] == [0]
    markdown = render_markdown(plan)
    expected = "No ideas were selected in this stage" if decided else "was not completed"
    assert expected in markdown.split("### Values", 1)[1].split("##", 1)[0]
    # (read without Markdown's escapes, which only mark what would otherwise be structure)
    assert "*No ideas.*" in markdown.split("## Appendix", 1)[1].replace("\\", "")


# --------------------------------------------------------------------------- truncated rankings

RANKED = stage_body(
    STAGE,
    step("brainstorm"),
    step("vote", dot_budget=5, max_dots_per_idea=3),
    step("rank", shortlist_size=3, method="borda"),
    step("done", select_count=2),
)
# Dots: A 3, B 3, C 4, D 1, so the shortlist of three is C, A, B (A before B: written first).
SHORTLIST_DOTS = [
    {"Idea A": 3, "Idea B": 2},
    {"Idea C": 3, "Idea B": 1},
    {"Idea D": 1, "Idea C": 1},
]
DOTS = {"Idea A": 3, "Idea B": 3, "Idea C": 4, "Idea D": 1}


@pytest.mark.parametrize(
    ("ballots", "order", "voters"),
    [
        # Borda over 3 gives 2, 1, 0 points by place and 0 to an unranked idea. A and B tie on
        # 2 points and 3 dots each: the earlier idea first. C, on nobody's ballot, scores 0.
        ([["Idea A"], ["Idea B"], None], [("Idea A", 2), ("Idea B", 2), ("Idea C", 0)], 2),
        # A: 1 + 2 = 3. B and C tie on 2 points: C has more dots (4 to 3), so C first.
        (
            [["Idea C", "Idea A"], ["Idea A"], ["Idea B"]],
            [("Idea A", 3), ("Idea C", 2), ("Idea B", 2)],
            3,
        ),
        # Complete ballots, for comparison: B 2 + 2 + 1 = 5, C 0 + 1 + 2 = 3, A 1 + 0 + 0 = 1.
        (
            [
                ["Idea B", "Idea A", "Idea C"],
                ["Idea B", "Idea C", "Idea A"],
                ["Idea C", "Idea B", "Idea A"],
            ],
            [("Idea B", 5), ("Idea C", 3), ("Idea A", 1)],
            3,
        ),
    ],
    ids=["favourites-only", "partly-ranked", "complete"],
)
def test_truncated_rankings_count_only_the_places_given(
    room: Room, ballots: list[list[str] | None], order: list[tuple[str, int]], voters: int
) -> None:
    day = open_day(room, RANKED)
    day.write_abcd()
    day.to("vote")
    for person, dots in zip(day.people, SHORTLIST_DOTS, strict=True):
        day.dots(person, dots)
    shortlist = day.to("rank")["shortlist"]
    assert shortlist == [day.ideas[t] for t in ("Idea C", "Idea A", "Idea B")]
    for person, ballot in zip(day.people, ballots, strict=True):
        if ballot is not None:
            day.rank(person, ballot)
    day.to("done")
    outcome = day.outcome()
    assert outcome.score_label == "Borda points"
    assert [(i.text, i.rank, i.score, i.votes, i.shortlisted) for i in outcome.items] == [
        *((text, n, score, DOTS[text], True) for n, (text, score) in enumerate(order, 1)),
        ("Idea D", 4, 0, 1, False),  # never on the shortlist: after every shortlisted idea
    ]
    assert [i.text for i in outcome.selected] == [text for text, _ in order[:2]]
    assert [(p.kind, p.people) for p in outcome.participation] == [
        ("brainstorm", 3),
        ("vote", 3),
        ("rank", voters),
    ]
    shortlisted = next(note for note in outcome.how if note.startswith("The top 3 by dots"))
    ranked_by = "1 participant" if voters == 1 else f"{voters} participants"
    assert f"were shortlisted; {ranked_by} ranked them" in shortlisted
    # Every shortlisted idea has a consensus measure; the idea outside the shortlist none.
    assert [i.consensus is None for i in outcome.items] == [False, False, False, True]


# --------------------------------------------------------------------------- merged ideas


@pytest.mark.parametrize(
    ("merged", "given", "dots"),
    [
        # Ana 1 + 1 on A and B, Ben 2 on B: A ends with 2 + 2 = 4 dots.
        (["Idea B"], [{"Idea A": 1, "Idea B": 1}, {"Idea B": 2}, {"Idea C": 2}], 4),
        # Two ideas into one: every dot on any of them counts for A.
        (["Idea B", "Idea C"], [{"Idea A": 1, "Idea B": 1}, {"Idea B": 2}, {"Idea C": 2}], 6),
        # Ana's 2 + 2 is capped at 3 dots on one idea; Ben's 3 stay 3.
        (["Idea B"], [{"Idea A": 2, "Idea B": 2}, {"Idea B": 3}, {}], 6),
    ],
    ids=["one-into-a", "two-into-a", "capped-per-idea"],
)
def test_a_merged_idea_shows_as_also_said_and_its_dots_are_summed(
    room: Room, merged: list[str], given: list[dict[str, int]], dots: int
) -> None:
    day = open_day(room, stage_body(STAGE, step("brainstorm"), step("vote"), step("done")))
    day.write_abcd()
    day.to("vote")
    for person, amounts in zip(day.people, given, strict=True):
        if amounts:
            day.dots(person, amounts)
    day.merge("Idea A", *merged)
    day.to("done")
    plan = day.plan()
    outcome = plan.stage(STAGE)
    assert outcome is not None
    first = outcome.items[0]
    assert (first.text, first.votes, first.score, first.selected) == ("Idea A", dots, dots, True)
    assert first.also_said == tuple(merged)
    assert [i.text for i in outcome.items if i.text in merged] == []  # no row of their own
    assert len(outcome.items) == 4 - len(merged)
    assert plan.contributions == 4  # merged ideas were still sent by someone
    appendix = render_markdown(plan).split("## Appendix", 1)[1].replace("\\", "")
    assert f"Idea A (also said: {'; '.join(merged)})" in appendix


# --------------------------------------------------------------------------- gaps

ALIGNED = [
    stage_body("goals", step("brainstorm"), step("vote"), step("done", select_count=2)),
    stage_body(
        "projects",
        step("brainstorm"),
        step("vote"),
        step("done", select_count=2),
        step("link"),
        step("define"),
    ),
]


def decided_goals_and_projects(room: Room) -> Day:
    """Goals G1, G2 and projects P1, P2 selected (in writing order: no dots given)."""
    day = open_day(room, *ALIGNED)
    day.write("goals", ("Goal one", day.ana), ("Goal two", day.ben), ("Goal three", day.cy))
    day.to("vote", "goals")
    day.to("done", "goals")
    day.to("brainstorm", "projects")
    day.write("projects", ("Project one", day.ana), ("Project two", day.ben))
    day.to("vote", "projects")
    day.to("done", "projects")
    day.to("link", "projects")
    return day


@pytest.mark.parametrize("defined", [False, True], ids=["undefined", "owner-and-date"])
def test_gaps_name_the_unserved_goal_and_the_project_that_serves_no_goal(
    room: Room, defined: bool
) -> None:
    day = decided_goals_and_projects(room)
    one, two = day.ideas["Project one"], day.ideas["Project two"]
    ok(day.fac, "link:confirm", {"idea_id": one, "parent_ids": [day.ideas["Goal one"]]})
    if defined:
        day.to("define", "projects")
        fields = {"owner": "Ana", "due": "2027-12-31"}
        ok(day.fac, "item:update", {"idea_id": one, "fields": fields})
    plan = day.finish()
    assert plan.aligned
    projects = plan.stage("projects")
    assert projects is not None
    assert [i.links for i in projects.selected] == [(day.ideas["Goal one"],), ()]
    owner_gaps = [] if defined else [GapLine("project_without_owner", "Project one", one)]
    due_gaps = [] if defined else [GapLine("project_without_due", "Project one", one)]
    goal_one, goal_two = day.ideas["Goal one"], day.ideas["Goal two"]
    assert plan.gaps == (
        GapLine("unserved_goal", "Goal two", goal_two),
        GapLine("goal_without_metric", "Goal one", goal_one),
        GapLine("goal_without_metric", "Goal two", goal_two),
        GapLine("unaligned_project", "Project two", two),
        *owner_gaps,
        GapLine("project_without_owner", "Project two", two),
        *due_gaps,
        GapLine("project_without_due", "Project two", two),
        # Nobody gave a dot: the two goals selected of three got in by the earlier idea.
        GapLine("tie_break_selection", "Goal one", goal_one),
        GapLine("tie_break_selection", "Goal two", goal_two),
    )
    goals = plan.stage("goals")
    assert goals is not None
    assert [(i.text, i.tie_break) for i in goals.items] == [
        ("Goal one", True),
        ("Goal two", True),
        ("Goal three", False),
    ]
    assert [i.tie_break for i in projects.items] == [False, False]  # both kept: no cut
    lines = render_markdown(plan).splitlines()

    def listed(label: str, item: str) -> bool:
        """A bullet of the Gaps section: "- <label>: <item>" (a sign may come first)."""
        return any(line.startswith("- ") and line.endswith(f"{label}: {item}") for line in lines)

    assert listed("Goal that nothing serves", "Goal two")
    assert listed("Project that serves no goal", "Project two")
    assert listed("Project without an owner", "Project one") is not defined


def test_a_plan_with_no_links_has_no_alignment_and_no_gaps(room: Room) -> None:
    day = open_day(room, VOTED)
    day.write_abcd()
    day.to("vote")
    day.to("done")
    plan = day.plan()
    assert (plan.aligned, plan.gaps) == (False, ())
    assert "## Alignment map" not in render_markdown(plan)


# --------------------------------------------------------------------------- two rounds


@dataclass(frozen=True)
class Rounds:
    """A stage whose `kind` step has two rounds, and how its notes name the step."""

    kind: str
    steps: tuple[dict[str, Any], ...]
    name: str


VOTE_ROUNDS = Rounds("vote", (step("brainstorm"), step("vote"), step("done")), "The dot vote")
POINT_ROUNDS = Rounds(
    "allocate",
    (step("brainstorm"), step("allocate", budget=10, per_item_cap=6), step("done")),
    "The points",
)
EARLIER_ROUND = Rounds(
    "vote",
    (step("brainstorm"), step("vote"), step("rank", shortlist_size=3), step("done")),
    "The dot vote",
)


def give(day: Day, kind: str, p: Participant, amounts: dict[str, int]) -> None:
    (day.dots if kind == "vote" else day.points)(p, amounts)


# Round 1: A 5, B 4 (Ana 3 on A; Ben 2 on A, 1 on B; Cy 3 on B). Round 2: Ben moves to B 3
# and A 1, so B 6, A 4: B rises from place 2 to 1 and A falls from 1 to 2; C stays third.
ROUND1 = [{"Idea A": 3}, {"Idea A": 2, "Idea B": 1}, {"Idea B": 3}]


@pytest.mark.parametrize(
    ("rounds", "changed", "moved"),
    [
        (
            VOTE_ROUNDS,
            {"Idea B": 3, "Idea A": 1},
            "Idea B rose from place 2 to 1; Idea A fell from place 1 to 2.",
        ),
        (
            POINT_ROUNDS,
            {"Idea B": 3, "Idea A": 1},
            "Idea B rose from place 2 to 1; Idea A fell from place 1 to 2.",
        ),
        (VOTE_ROUNDS, None, "nothing."),
        (
            EARLIER_ROUND,
            {"Idea B": 3, "Idea A": 1},
            "Idea B rose from place 2 to 1; Idea A fell from place 1 to 2.",
        ),
    ],
    ids=["dot-vote", "points", "nothing-moved", "vote-before-a-ranking"],
)
def test_two_rounds_are_told_with_what_moved(
    room: Room, rounds: Rounds, changed: dict[str, int] | None, moved: str
) -> None:
    day = open_day(room, stage_body(STAGE, *rounds.steps))
    day.write_abcd(count=3)
    day.to(rounds.kind)
    for person, amounts in zip(day.people, ROUND1, strict=True):
        give(day, rounds.kind, person, amounts)
    day.reveal()
    day.new_round()
    if changed is not None:
        give(day, rounds.kind, day.ben, changed)
    day.reveal()
    if rounds is EARLIER_ROUND:
        day.to("rank")
        for person in day.people:
            day.rank(person, ["Idea A"])  # the ranking decides: A first whatever the dots
    day.to("done")
    outcome = day.outcome()
    told = [note for note in outcome.how if note.startswith(rounds.name + " had two rounds")]
    assert told == [
        f"{rounds.name} had two rounds: the round-1 results were shown and discussed, then "
        "everyone could change their entries; the results are from round 2. What moved "
        f"between rounds: {moved}"
    ]
    if rounds is EARLIER_ROUND:
        assert [i.text for i in outcome.items] == ["Idea A", "Idea B", "Idea C"]
    else:
        final = ["Idea A", "Idea B"] if changed is None else ["Idea B", "Idea A"]
        assert [i.text for i in outcome.items] == [*final, "Idea C"]


# --------------------------------------------------------------------------- participation


@pytest.mark.parametrize(
    ("writers", "voters", "rankers", "withdrawn"),
    [
        ([0, 1], [0, 1, 2], [0], None),
        ([0], [1], [1, 2], None),
        ([0, 1, 2], [0, 1, 2], [0, 1, 2], 2),  # Cy takes every dot back: not counted
    ],
    ids=["two-three-one", "one-one-two", "a-withdrawn-vote"],
)
def test_participation_counts_the_people_in_each_step(
    room: Room, writers: list[int], voters: list[int], rankers: list[int], withdrawn: int | None
) -> None:
    day = open_day(room, RANKED, stage_body("later", step("brainstorm"), step("vote")))
    day.write(STAGE, ("From the console", None))  # the facilitator's item: nobody's turnout
    day.write(STAGE, *((f"Idea {chr(65 + n)}", day.people[n]) for n in writers))
    day.to("vote")
    for n in voters:
        day.dots(day.people[n], {"From the console": 1})
    if withdrawn is not None:
        day.dots(day.people[withdrawn], {})
    shortlist = day.to("rank")["shortlist"]
    for n in rankers:
        ok(day.people[n].sock, "ranking:set", {"stage_id": day.stages[STAGE], "order": shortlist})
    day.to("done")
    plan = day.plan()
    voted = len(voters) - (withdrawn is not None)
    assert plan.stages[0].participation == (
        Participation("brainstorm", "Brainstorm", len(writers)),
        Participation("vote", "Dot vote", voted),
        Participation("rank", "Rank", len(rankers)),
    )
    assert plan.stages[1].participation == (
        Participation("brainstorm", "Brainstorm", 0),
        Participation("vote", "Dot vote", 0),
    )
    assert plan.participants == 3
    turnout = render_markdown(plan).split("### Participation per stage", 1)[1]
    assert f"| Choices | Dot vote | {voted} |" in turnout.splitlines()


# --------------------------------------------------------------------------- contributions


@pytest.mark.parametrize(
    ("by_phones", "by_console", "hidden", "merged"),
    [(0, 0, 0, 0), (4, 0, 0, 0), (4, 3, 0, 0), (5, 2, 1, 0), (6, 1, 1, 2)],
)
def test_contributions_count_every_idea_the_participants_sent(
    room: Room, by_phones: int, by_console: int, hidden: int, merged: int
) -> None:
    day = open_day(
        room,
        stage_body(STAGE, step("brainstorm"), step("vote"), step("done", select_count=0)),
        stage_body("later", step("brainstorm"), step("done")),
    )
    sent = [f"Phone idea {n}" for n in range(by_phones)]
    day.write(STAGE, *((text, day.people[n % 3]) for n, text in enumerate(sent)))
    day.write(STAGE, *((f"Console idea {n}", None) for n in range(by_console)))
    for text in sent[:hidden]:
        ok(day.fac, "idea:hide", {"idea_id": day.ideas[text]})
    if merged:
        day.merge(sent[hidden], *sent[hidden + 1 : hidden + 1 + merged])
    day.to("vote")
    day.to("done")
    day.to("brainstorm", "later")
    day.write("later", ("One more", day.cy))  # every stage counts
    plan = day.plan()
    assert plan.contributions == by_phones + 1
    shown = by_phones + by_console - hidden - merged
    assert len(plan.stages[0].items) == shown
    cover = [line.strip() for line in render_markdown(plan).split("## ", 1)[0].splitlines()]
    count = "1 contribution" if by_phones == 0 else f"{by_phones + 1} contributions"
    assert f"3 participants · {count}" in cover


# --------------------------------------------------------------------------- the cover


@pytest.mark.parametrize(
    ("sent", "named"),
    [("Ana Ñúñez", "Ana Ñúñez"), ("  Bo   Li  ", "Bo Li"), (None, None), ("   ", None)],
    ids=["accents", "spaces-collapsed", "not-sent", "blank"],
)
def test_the_cover_names_the_facilitator_given_at_creation(
    app: Flask, client: FlaskClient, sent: str | None, named: str | None
) -> None:
    body: dict[str, Any] = {"title": "Port 2031", "organization": "Acme", "horizon_years": 5}
    if sent is not None:
        body["facilitator_name"] = sent
    room = Room.create(app, client, **body)
    try:
        fac = room.facilitator()
        room.participant("Ana")
        ok(fac, "workshop:finish")
        plan = download_plan(room)
    finally:
        room.close()
    assert plan.facilitator == named
    assert (plan.title, plan.organization, plan.horizon_years) == ("Port 2031", "Acme", 5)
    assert (plan.version, plan.draft, plan.participants) == (1, False, 1)
    assert plan.end_year == plan.start_year + 5
    cover = [line.strip() for line in render_markdown(plan).split("## ", 1)[0].splitlines()]
    facilitated = [line for line in cover if line.startswith("Facilitated by")]
    assert facilitated == ([] if named is None else [f"Facilitated by {named}"])


def test_a_facilitator_name_over_80_characters_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/api/workshops", json={"title": "Port 2031", "facilitator_name": "x" * 81}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_payload"


def test_the_stored_plan_is_the_plan_assembled_at_the_finish(room: Room) -> None:
    day = open_day(room, VOTED)
    day.write_abcd()
    day.to("vote")
    day.dots(day.ana, {"Idea C": 2})
    day.to("done")
    stored = day.finish()
    with Session(get_engine(room.app)) as db:
        workshop = db.get(Workshop, room.id)
        assert workshop is not None and workshop.finished_at is not None
        again = plans.assemble(db, workshop=workshop, finished_at=workshop.finished_at)
    assert stored == again
    assert [i.text for i in stored.stages[0].selected] == ["Idea C", "Idea A"]
    assert stored.contributions == 4 and stored.participants == 3


def test_the_facilitators_plan_while_the_workshop_runs_is_a_draft(room: Room) -> None:
    day = open_day(room, VOTED)
    day.write_abcd()
    day.to("vote")
    day.dots(day.ben, {"Idea B": 3})
    headers = {"Authorization": f"Bearer {room.key}"}
    draft = download_plan(room)  # the facilitator, before the finish
    assert (draft.draft, draft.version) == (True, 0)
    outcome = draft.stage(STAGE)
    assert outcome is not None and not outcome.completed and outcome.selected == []
    ideas = room.client.get(f"/api/workshops/{room.id}/ideas.csv", headers=headers)
    assert ideas.status_code == 200
    versions = [line.rsplit(",", 1)[1] for line in ideas.get_data(as_text=True).splitlines()[1:]]
    assert versions == ["DRAFT"] * 4
    phone = {"Authorization": f"Bearer {day.ana.token}"}
    refused = room.client.get(f"/api/workshops/{room.id}/plan.json", headers=phone)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_finished"
