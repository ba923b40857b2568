"""Removing a participant, locking joins and the participant cap, through the real Socket.IO
test client and a real SQLite file (no mocks): `participant:remove`, `join:lock`,
`join:unlock`, and `join` against `max_participants`.

A removed participant's token stops working, their connections are told and closed, and what
they gave (votes, points, ratings, rankings, link proposals, suggestions) drops out of every
tally, result, decision not yet taken and the plan's counts, which say "1 participant was
removed". Decisions already taken stay. Refusals (bad ids, wrong roles) change nothing.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from pypdf import PdfReader

from tests.factories import Participant, Room, error_code, ok
from tests.test_events import database, inbox, phase, settle, stage_of, submit

PEOPLE = ("Ana", "Ben", "Cy")
# Every table that holds what one participant gave, and the generic entries.
ENTRY_TABLES = ("dotvote", "allocation", "rating", "ranking", "linkproposal", "suggestion", "entry")


def step(kind: str, **settings: Any) -> dict[str, Any]:
    return {"kind": kind, **settings}


def stage_body(key: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "prompt": f"What about {key}?", "steps": steps}


AGENDA = [
    stage_body(
        "goals",
        [
            step("brainstorm"),
            step("vote", dot_budget=5, max_dots_per_idea=5),
            step("allocate", budget=10, per_item_cap=10),
            step("rate"),
            step("rank", shortlist_size=3),
            step("done", select_count=2),
        ],
    ),
    stage_body(
        "programs",
        [
            step("brainstorm"),
            step("vote"),
            step("done", select_count=1),
            step("link"),
            step("define"),
        ],
    ),
    stage_body("projects", [step("brainstorm"), step("vote"), step("done", select_count=1)]),
]


@dataclass
class Workshop:
    """A workshop on `AGENDA`, with a console, a projector and Ana, Ben and Cy."""

    room: Room
    fac: SocketIOTestClient
    proj: SocketIOTestClient
    people: list[Participant]
    stages: dict[str, int]

    def person(self, name: str) -> Participant:
        return self.people[PEOPLE.index(name)]

    def to(self, key: str, kind: str) -> None:
        phase(self.fac, self.stages[key], kind)

    def settle(self) -> None:
        settle(self.fac, self.proj, *(p.sock for p in self.people if p.sock.is_connected()))

    def console(self) -> dict[str, Any]:
        return self.room.facilitator_state()

    def screen(self) -> dict[str, Any]:
        """The state a room screen opening now gets (with the projector token)."""
        sock = self.room.connect()
        payload = {"workshop_id": self.room.id, "token": self.room.projector_token}
        state: dict[str, Any] = ok(sock, "present", payload)["state"]
        sock.disconnect()
        return state


def open_workshop(room: Room) -> Workshop:
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": AGENDA},
        headers={"Authorization": f"Bearer {room.key}"},
    )
    assert response.status_code == 200, response.get_json()
    ids = {stage["key"]: stage["id"] for stage in response.get_json()["stages"]}
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in PEOPLE]
    return Workshop(room, fac, proj, people, ids)


@pytest.fixture
def lobby(app: Flask, client: FlaskClient) -> Room:
    room = Room.create(app, client)
    return room


def keyed(values: dict[int, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in values.items()}


def rows_of(app: Flask, participant_id: int) -> dict[str, int]:
    """How many rows of each entry table belong to this participant."""
    tables = database(app)
    found = {}
    for table in ENTRY_TABLES:
        with app.extensions["workshop_db"].connect() as conn:
            columns = [row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')]
        where = columns.index("participant_id")
        found[table] = sum(1 for row in tables[table] if row[where] == participant_id)
    return found


def kept(sock: SocketIOTestClient, name: str) -> list[Any]:
    """The `name` events a client received, read even after the server disconnected it (the
    test client's `get_received` refuses a disconnected client)."""
    return [m["args"][0] for m in sock.queue if m["name"] == name and m["args"]]


def idea_ids(stage: dict[str, Any]) -> list[int]:
    return [int(item["id"]) for item in stage["ideas"]]


# --------------------------------------------------------------------------- the whole day


def test_a_removed_participant_drops_out_of_every_count_and_the_plan_says_so(
    lobby: Room, figure: Callable[[str, str], None]
) -> None:
    day = open_workshop(lobby)
    ana, ben, cy = day.people
    goals, programs, projects = (day.stages[k] for k in ("goals", "programs", "projects"))

    # Goals, decided with Cy: every kind of scoring entry.
    day.to("goals", "brainstorm")
    g1, g2 = submit(ana, goals, "Grow"), submit(ben, goals, "Green")
    g3, g4 = submit(cy, goals, "Global"), submit(cy, goals, "Gentle")
    day.to("goals", "vote")
    ok(ana.sock, "votes:set", {"stage_id": goals, "votes": keyed({g1: 3, g2: 2})})
    ok(ben.sock, "votes:set", {"stage_id": goals, "votes": keyed({g2: 3, g3: 1})})
    ok(cy.sock, "votes:set", {"stage_id": goals, "votes": keyed({g3: 5})})
    day.to("goals", "allocate")
    for p, given in ((ana, {g1: 10}), (ben, {g2: 10}), (cy, {g3: 6, g4: 4})):
        ok(p.sock, "allocation:set", {"stage_id": goals, "points": keyed(given)})
    day.to("goals", "rate")
    for p, impact in ((ana, 5), (ben, 4), (cy, 1)):
        rated = {g1: {"impact": impact, "effort": 2}, g3: {"impact": 6 - impact, "effort": 3}}
        ok(p.sock, "rating:set", {"stage_id": goals, "ratings": keyed(rated)})
    day.to("goals", "rank")
    shortlist = stage_of(day.console(), goals)["shortlist"]
    assert len(shortlist) == 3
    for p in (ana, ben, cy):
        ok(p.sock, "ranking:set", {"stage_id": goals, "order": shortlist})
    day.to("goals", "done")
    goals_selected = stage_of(day.console(), goals)["selected"]
    assert len(goals_selected) == 2

    # Programs: decided, then linked and defined with Cy.
    day.to("programs", "brainstorm")
    p1 = submit(ana, programs, "Plant")
    submit(ben, programs, "Pay")
    p3 = submit(cy, programs, "Print")
    day.to("programs", "vote")
    for p, given in ((ana, {p1: 2}), (ben, {p1: 1}), (cy, {p3: 3})):
        ok(p.sock, "votes:set", {"stage_id": programs, "votes": keyed(given)})
    day.to("programs", "done")
    programs_selected = stage_of(day.console(), programs)["selected"]
    day.to("programs", "link")
    parent = goals_selected[0]["id"]
    for p in (ana, cy):
        ok(p.sock, "link:set", {"stage_id": programs, "links": keyed({p1: [parent]})})
    day.to("programs", "define")
    for p in (ana, cy):
        ok(p.sock, "suggestion:submit", {"idea_id": p1, "field": "owner", "text": f"Owner {p.id}"})

    # Projects, in its vote: with Cy's dots, Y would win; without them, X.
    day.to("projects", "brainstorm")
    x, y = submit(ana, projects, "X-ray"), submit(ben, projects, "Yard")
    z = submit(cy, projects, "Zoo")
    day.to("projects", "vote")
    for p, given in ((ana, {x: 2}), (ben, {y: 1}), (cy, {y: 3})):
        ok(p.sock, "votes:set", {"stage_id": projects, "votes": keyed(given)})
    day.settle()
    before = rows_of(lobby.app, cy.id)
    assert all(before[table] for table in ENTRY_TABLES if table != "entry"), before
    linkers = stage_of(day.console(), programs)["progress"]["linkers"]
    assert linkers == 2

    # A second tab of Cy's, joined with the same token.
    tab = lobby.connect()
    ok(tab, "join", {"code": lobby.code, "token": cy.token})
    tab.get_received()

    answer = ok(day.fac, "participant:remove", {"participant_id": cy.id})

    assert answer["participant"] == {"id": cy.id, "removed": True}
    # Cy's phone and tab are told, then disconnected.
    for sock in (cy.sock, tab):
        told = kept(sock, "participant:removed")
        assert len(told) == 1 and told[0]["message"]
        assert not sock.is_connected()
    # Their token is refused from now on.
    again = lobby.connect()
    assert error_code(again, "join", {"code": lobby.code, "token": cy.token}) == (
        "participant_removed"
    )
    # Every entry of theirs is gone, in every activity.
    after = rows_of(lobby.app, cy.id)
    assert after == dict.fromkeys(ENTRY_TABLES, 0)
    figure(
        "participant:remove: entries left of the removed participant",
        f"0 of {sum(before.values())} (in {sum(1 for n in before.values() if n)} tables)",
    )

    # The room's counts, on the console and the projector.
    console, screen = day.console(), day.screen()
    for state in (console, screen):
        assert state["participant_count"] == 2
        assert state["workshop"]["participant_count"] == 2
        assert state["removed_count"] == 1
        assert state["join_locked"] is False
    assert [p["id"] for p in console["participants"]] == [ana.id, ben.id]
    assert "participants" not in screen and "projector_url" not in screen
    # Decided stages keep their decision; their results are recounted without Cy.
    assert stage_of(console, goals)["selected"] == goals_selected
    chosen = {int(r["idea_id"]) for r in stage_of(console, goals)["results"] if r["selected"]}
    assert chosen == {int(i["id"]) for i in goals_selected}
    assert stage_of(console, programs)["selected"] == programs_selected
    assert stage_of(console, goals)["progress"]["voters"] == 2
    assert stage_of(console, goals)["decision"]["voters"] == 2
    assert stage_of(console, programs)["progress"]["linkers"] == 1
    assert stage_of(console, programs)["suggestions"] == [
        s for s in stage_of(console, programs)["suggestions"] if s["participant_id"] == ana.id
    ]
    assert len(stage_of(console, programs)["suggestions"]) == 1
    # Frozen stages keep Cy's ideas; the open one hides them.
    assert {g3, g4} <= set(idea_ids(stage_of(screen, goals)))
    assert p3 in idea_ids(stage_of(screen, programs))
    assert z not in idea_ids(stage_of(screen, projects))
    hidden = {i["id"]: i["hidden"] for i in stage_of(console, projects)["ideas"]}
    assert hidden == {x: False, y: False, z: True}
    # The live vote: Cy's three dots on Y are gone.
    live = {i["id"]: i["votes"] for i in stage_of(console, projects)["ideas"] if not i["hidden"]}
    assert live == {x: 2, y: 1}
    assert stage_of(console, projects)["progress"]["voters"] == 2
    tally = ok(ana.sock, "votes:set", {"stage_id": projects, "votes": keyed({x: 3})})
    assert tally["ok"]
    day.settle()

    # The decision not taken yet is taken without Cy.
    day.to("projects", "done")
    assert [i["id"] for i in stage_of(day.console(), projects)["selected"]] == [x]

    ok(day.fac, "workshop:finish")
    day.settle()
    auth = {"Authorization": f"Bearer {lobby.key}"}
    root = f"/api/workshops/{lobby.id}"
    plan = lobby.client.get(f"{root}/plan.json", headers=auth).get_json()
    assert plan["participants"] == 2
    assert plan["removed"] == 1
    turnout = {
        (stage["key"], part["kind"]): part["people"]
        for stage in plan["stages"]
        for part in stage["participation"]
    }
    for key, kind in (
        ("goals", "brainstorm"),
        ("programs", "brainstorm"),
        ("projects", "brainstorm"),
        ("goals", "vote"),
        ("goals", "allocate"),
        ("goals", "rate"),
        ("goals", "rank"),
        ("programs", "vote"),
        ("projects", "vote"),
    ):
        assert turnout[(key, kind)] == 2, (key, kind, turnout)
    texts = {
        "md": lobby.client.get(f"{root}/plan.md", headers=auth).get_data(as_text=True),
        "html": lobby.client.get(f"{root}/plan.html", headers=auth).get_data(as_text=True),
        "pdf": " ".join(
            page.extract_text()
            for page in PdfReader(
                io.BytesIO(lobby.client.get(f"{root}/plan.pdf", headers=auth).data)
            ).pages
        ),
        "docx": "\n".join(
            paragraph.text
            for paragraph in Document(
                io.BytesIO(lobby.client.get(f"{root}/plan.docx", headers=auth).data)
            ).paragraphs
        ),
        "json": json.dumps(plan),
    }
    for name in ("md", "html", "pdf", "docx"):
        # Markdown escapes its punctuation ("\\("): read it as a reader sees it.
        flat = " ".join(texts[name].replace("\\", "").split())
        assert "2 participants (1 participant was removed)" in flat, name
        assert "1 participant was removed by the facilitator" in flat, name
    # A removed participant cannot download the plan either.
    refused = lobby.client.get(f"{root}/plan.md?token={cy.token}")
    assert refused.status_code in (401, 403)
    assert refused.get_json()["error"]["code"] == "participant_removed"
    figure("plan after 1 of 3 removed", "'1 participant was removed' in 4 of 4 text formats")


# --------------------------------------------------------------------------- refusals


def test_removing_twice_answers_the_same_and_changes_nothing_more(lobby: Room) -> None:
    fac = lobby.facilitator()
    projector = lobby.projector()
    ana, ben = lobby.participant("Ana"), lobby.participant("Ben")
    first = ok(fac, "participant:remove", {"participant_id": ben.id})
    state = lobby.facilitator_state()
    rows = database(lobby.app)
    settle(fac, projector)
    second = ok(fac, "participant:remove", {"participant_id": ben.id})
    assert second == first
    time.sleep(0.3)  # a coalesced count would have landed by now
    told = [m["name"] for m in projector.get_received()]
    assert "state" not in told and "participants" not in told
    assert database(lobby.app) == rows
    assert lobby.facilitator_state() == state
    assert state["removed_count"] == 1 and state["participant_count"] == 1
    assert [p["id"] for p in state["participants"]] == [ana.id]


BAD_IDS: list[tuple[Any, str]] = [
    ({"participant_id": 10**9}, "participant_not_found"),
    ({"participant_id": "1"}, "invalid_payload"),
    ({"participant_id": 0}, "invalid_payload"),
    ({"participant_id": -3}, "invalid_payload"),
    ({"participant_id": 1.5}, "invalid_payload"),
    ({"participant_id": True}, "invalid_payload"),
    ({"participant_id": 10**30}, "invalid_payload"),
    ({}, "invalid_payload"),
    ([1], "invalid_payload"),
]


def test_a_bad_participant_id_is_refused_clearly_and_changes_nothing(lobby: Room) -> None:
    fac = lobby.facilitator()
    lobby.participant("Ana")
    before = database(lobby.app), lobby.facilitator_state()
    for payload, code in BAD_IDS:
        assert error_code(fac, "participant:remove", payload) == code, payload
        assert (database(lobby.app), lobby.facilitator_state()) == before, payload


def test_another_workshops_participant_cannot_be_removed(
    lobby: Room, app: Flask, client: FlaskClient
) -> None:
    other = Room.create(app, client, title="Other Co")
    theirs = other.participant("Zed")
    fac = lobby.facilitator()
    before = database(app)
    assert error_code(fac, "participant:remove", {"participant_id": theirs.id}) == (
        "participant_not_found"
    )
    assert database(app) == before
    assert ok(theirs.sock, "join", {"code": other.code, "token": theirs.token})["resumed"]


def test_only_the_facilitator_removes_or_locks(lobby: Room) -> None:
    ana, ben = lobby.participant("Ana"), lobby.participant("Ben")
    projector = lobby.projector()
    stranger = lobby.connect()
    before = database(lobby.app)
    for sock, code in ((ana.sock, "forbidden"), (projector, "forbidden"), (stranger, "not_joined")):
        assert error_code(sock, "participant:remove", {"participant_id": ben.id}) == code
        assert error_code(sock, "join:lock", {}) == code
        assert error_code(sock, "join:unlock", {}) == code
    assert database(lobby.app) == before


def test_a_removed_participants_connection_elsewhere_is_refused_on_its_next_event(
    room: Room,
) -> None:
    """A connection the removal could not close (another server process holds it) is refused
    `participant_removed` on its next event and writes nothing."""
    from sqlmodel import Session

    from workshop.persistence.db import get_engine
    from workshop.persistence.queries import get_workshop
    from workshop.services import workshops

    ana = room.participant("Ana")
    stage_id = room.stage_ids()["vision"]
    with Session(get_engine(room.app)) as db:
        workshop = get_workshop(db, room.id)
        workshops.remove_participant(db, workshop=workshop, participant_id=ana.id)
    before = database(room.app)
    payload = {"stage_id": stage_id, "text": "Still here?"}
    assert error_code(ana.sock, "idea:submit", payload) == "participant_removed"
    assert database(room.app) == before


def test_removing_during_a_merge_does_not_come_back_on_unmerge(room: Room) -> None:
    fac = room.facilitator()
    ana, ben, cy = (room.participant(name) for name in PEOPLE)
    vision = room.stage_ids()["vision"]
    x, y, w = submit(ana, vision, "X"), submit(ben, vision, "Y"), submit(ben, vision, "W")
    phase(fac, vision, "vote")
    ok(cy.sock, "votes:set", {"stage_id": vision, "votes": keyed({w: 2})})
    ok(ana.sock, "votes:set", {"stage_id": vision, "votes": keyed({x: 1, w: 1})})
    ok(fac, "idea:merge", {"idea_ids": [w], "into": y})
    ok(fac, "participant:remove", {"participant_id": cy.id})
    ok(fac, "idea:unmerge", {"idea_id": y})
    assert rows_of(room.app, cy.id)["dotvote"] == 0
    votes = {i["id"]: i["votes"] for i in stage_of(room.facilitator_state(), vision)["ideas"]}
    assert votes == {x: 1, y: 0, w: 1}


# --------------------------------------------------------------------------- joining


def test_a_locked_workshop_takes_no_new_participants_but_lets_members_back(lobby: Room) -> None:
    fac = lobby.facilitator()
    projector = lobby.projector()
    ana = lobby.participant("Ana")
    ana.sock.get_received()

    assert ok(fac, "join:lock") == {"ok": True, "join_locked": True}
    assert inbox(projector)["state"][-1]["join_locked"] is True
    assert inbox(ana.sock)["state"][-1]["join_locked"] is True
    newcomer = lobby.connect()
    before = database(lobby.app)
    assert error_code(newcomer, "join", {"code": lobby.code, "name": "Late"}) == "join_locked"
    assert database(lobby.app) == before
    assert ok(lobby.connect(), "join", {"code": lobby.code, "token": ana.token})["resumed"]
    projector.get_received()
    assert ok(fac, "join:lock")["join_locked"] is True  # again: no change, nobody told
    assert "state" not in inbox(projector)

    assert ok(fac, "join:unlock") == {"ok": True, "join_locked": False}
    assert inbox(projector)["state"][-1]["join_locked"] is False
    assert ok(newcomer, "join", {"code": lobby.code, "name": "Late"})["resumed"] is False
    assert lobby.facilitator_state()["participant_count"] == 2


def test_a_full_workshop_refuses_new_participants_until_one_is_removed(
    app: Flask, client: FlaskClient
) -> None:
    room = Room.create(app, client, max_participants=2)
    fac = room.facilitator()
    assert room.facilitator_state()["max_participants"] == 2
    ana, ben = room.participant("Ana"), room.participant("Ben")
    third = room.connect()
    before = database(app)
    assert error_code(third, "join", {"code": room.code}) == "workshop_full"
    assert database(app) == before
    # Members still resume when it is full.
    assert ok(room.connect(), "join", {"code": room.code, "token": ben.token})["resumed"]
    ok(fac, "participant:remove", {"participant_id": ana.id})
    assert ok(third, "join", {"code": room.code})["resumed"] is False
    assert error_code(room.connect(), "join", {"code": room.code}) == "workshop_full"
    room.close()


def test_the_default_cap_is_the_setting_and_a_cap_must_fit(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    assert room.facilitator_state()["max_participants"] == app.config.get("MAX_PARTICIPANTS", 2000)
    for wrong in (0, 10_001, -1, "5", 2.5):
        response = client.post("/api/workshops", json={"title": "T", "max_participants": wrong})
        assert response.status_code == 400, wrong
        assert response.get_json()["error"]["code"] == "invalid_payload"
    assert (
        Room.create(app, client, max_participants=10_000).facilitator_state()["max_participants"]
        == 10_000
    )


def test_the_cap_holds_when_many_join_at_once(
    app: Flask, figure: Callable[[str, str], None]
) -> None:
    """Joins racing on real threads, each with its own database session: the count and the
    insert run under the write lock, so exactly `max_participants` get in, every time."""
    import threading

    from sqlmodel import Session

    from workshop.core.errors import DomainError
    from workshop.persistence.db import get_engine
    from workshop.persistence.queries import participant_count
    from workshop.services import workshops

    cap, threads, trials = 5, 12, 20
    exact = 0
    for trial in range(trials):
        with Session(get_engine(app)) as db:
            workshop, _key = workshops.create_workshop(
                db, title=f"Race {trial}", max_participants=cap
            )
            code, workshop_id = workshop.code, workshop.id
        answers: list[str] = []
        start = threading.Barrier(threads)

        def join(code: str = code, answers: list[str] = answers, start: Any = start) -> None:
            start.wait()
            with Session(get_engine(app)) as db:
                try:
                    workshops.join(db, code=code)
                    answers.append("joined")
                except DomainError as exc:
                    db.rollback()
                    answers.append(exc.code)

        running = [threading.Thread(target=join) for _ in range(threads)]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
        assert sorted(set(answers)) == ["joined", "workshop_full"], answers
        with Session(get_engine(app)) as db:
            count = participant_count(db, workshop_id)
        exact += answers.count("joined") == cap and count == cap
    assert exact == trials
    figure(
        "3: participant cap under racing joins (threads)",
        f"{exact} of {trials} trials exactly {cap} of {threads} joined",
    )
