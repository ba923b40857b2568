"""The poll plug-in (tests/plugins/) through the Socket.IO API: a kind of step added by one
Python module and one JS module, registered with one `register()` call, and treated by every
rule, screen payload and plan section as the built-in kinds are.

Poll is registered before each test's app is created and unregistered after it, so no other
test module ever sees it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mypy.api
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.factories import Participant, Room, error_code, ok
from tests.plugins.poll import Poll
from tests.test_events import SETTLE, inbox, me_of, phase, refuse, settle, stage_of, submit, until
from tests.test_http import bearer
from tests.test_kind_names import js_hits, python_hits
from workshop import activities

ROOT = Path(__file__).resolve().parent.parent
KIND = "poll"


@pytest.fixture
def registered() -> Iterator[Poll]:
    """The poll, registered as a third party does it; gone again after the test."""
    assert KIND not in activities.REGISTRY
    poll = Poll()
    activities.register(poll)
    yield poll
    activities.unregister(KIND)
    assert KIND not in activities.REGISTRY


@pytest.fixture
def app(registered: Poll, app: Flask) -> Flask:
    """The conftest app, created once the poll is registered (as a plug-in's host app is)."""
    return app


# --------------------------------------------------------------------------- a poll workshop


class PollRoom:
    """A workshop whose one stage runs `steps`, started, with a console, a projector and
    three participants who each wrote one idea."""

    def __init__(self, app: Flask, client: FlaskClient, steps: list[dict[str, Any]]) -> None:
        self.room = Room.create(app, client)
        response = client.put(
            f"/api/workshops/{self.room.id}/agenda",
            json={"stages": [stage(steps)]},
            headers=bearer(self.room.key),
        )
        assert response.status_code == 200, response.get_json()
        self.room.start()
        self.stage = self.room.stage_ids()["goals"]
        self.fac = self.room.facilitator()
        self.proj = self.room.projector()
        self.people = [self.room.participant(name) for name in ("Ana", "Ben", "Cy")]
        self.ideas = [
            submit(p, self.stage, text)
            for p, text in zip(self.people, ("Grow", "Hire", "Save"), strict=True)
        ]
        self.settle()

    def socks(self) -> list[SocketIOTestClient]:
        return [self.fac, self.proj, *(p.sock for p in self.people)]

    def settle(self) -> None:
        settle(*self.socks())

    def to(self, kind: str) -> dict[str, Any]:
        return phase(self.fac, self.stage, kind)

    def pick(self, who: Participant, idea_id: int | None) -> dict[str, Any]:
        return ok(who.sock, "poll:pick", {"stage_id": self.stage, "idea_id": idea_id})

    def facilitator_stage(self) -> dict[str, Any]:
        return stage_of(self.room.facilitator_state(), self.stage)

    def projector_stage(self) -> dict[str, Any]:
        state = ok(
            self.room.connect(), "present", {"workshop_id": self.room.id, "key": self.room.key}
        )
        return stage_of(state["state"], self.stage)

    def plan_stage(self) -> dict[str, Any]:
        """The plan's section of the stage (the facilitator's draft of plan.json)."""
        response = self.room.client.get(
            f"/api/workshops/{self.room.id}/plan.json", headers=bearer(self.room.key)
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        found: dict[str, Any] = next(
            s for s in response.get_json()["stages"] if s["key"] == "goals"
        )
        return found


def stage(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": "goals", "title": "Goals", "prompt": "What should we aim for?", "steps": steps}


POLL_THEN_DONE = [{"kind": "brainstorm"}, {"kind": KIND}, {"kind": "done", "select_count": 1}]
POLL_THEN_RANK = [
    {"kind": "brainstorm"},
    {"kind": KIND},
    {"kind": "rank", "shortlist_size": 2},
    {"kind": "done", "select_count": 1},
]


@pytest.fixture
def polling(app: Flask, client: FlaskClient) -> Iterator[PollRoom]:
    """brainstorm → poll → done, in its poll step."""
    world = PollRoom(app, client, POLL_THEN_DONE)
    world.to(KIND)
    world.settle()
    yield world
    world.room.close()


def picks_of(stage_json: dict[str, Any]) -> list[int | None]:
    return [idea.get("picks") for idea in stage_json["ideas"]]


# --------------------------------------------------------------------------- registration


def test_a_registered_poll_is_declared_to_the_clients_and_its_module_served(
    registered: Poll, client: FlaskClient
) -> None:
    """One register() call: the client declarations list it, its JS module is served at the
    built-ins' URL, and the agenda editor offers it. Nothing in the package knows it."""
    declared = {d["kind"]: d for d in activities.client_declarations()}
    assert declared[KIND] == {
        "kind": KIND,
        "label": "Poll",
        "noun": "poll",
        "description": Poll.description,
        "levels": None,
        "settings": {},
        "traits": ["feeds_shortlist", "scores"],
        "progress_counts": ["pollers"],
        "item_figures": ["picks"],
        "script": "/static/js/activities/poll.js",
    }
    assert list(declared)[-1] == KIND  # position 90: after the built-ins' 10 to 80
    served = client.get("/static/js/activities/poll.js")
    assert served.status_code == 200
    assert served.get_data() == (ROOT / "tests" / "plugins" / "poll.js").read_bytes()
    kinds_js = client.get("/static/js/activities/kinds.js").get_data(as_text=True)
    assert '"/static/js/activities/poll.js"' in kinds_js
    assert not list((ROOT / "workshop").rglob("poll*")), "the poll lives outside the package"


def test_an_installed_package_adds_the_poll_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other way a third party registers: an installed distribution that declares the
    poll in the entry-point group `strategy_workshop.activities` (here a bare .dist-info on
    sys.path, which is all `pip install` leaves for importlib.metadata to find)."""
    assert KIND not in activities.REGISTRY
    info = tmp_path / "workshop_poll-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: workshop-poll\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[strategy_workshop.activities]\npoll = tests.plugins.poll:Poll\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    built_in = list(activities.REGISTRY)
    try:
        activities.discover()
        assert isinstance(activities.REGISTRY[KIND], Poll)
        assert list(activities.REGISTRY) == [*built_in, KIND]
    finally:
        activities.unregister(KIND)
    assert list(activities.REGISTRY) == built_in


def test_nothing_outside_the_plugin_names_the_poll_or_what_it_declares(registered: Poll) -> None:
    """The proof that a kind is one Python and one JS module: with the poll registered, the
    kind-names check finds it nowhere in shared code, and neither its event, its counter nor
    its `me` key appear in the app's Python, JS or templates (its figure, "picks", is also an
    ordinary word there: how many items a step chooses)."""
    assert [str(hit) for hit in python_hits() + js_hits() if hit.kind == KIND] == []
    words = re.compile(r"poll:pick|\bpollers\b|\bpoll_picks\b")
    shared = [
        *(ROOT / "workshop").rglob("*.py"),
        *(p for p in (ROOT / "static").rglob("*.js") if "vendor" not in p.parts),
        *(ROOT / "templates").rglob("*.html"),
    ]
    named = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in shared
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if words.search(line)
    ]
    assert named == []


def test_an_agenda_may_run_a_rank_step_after_a_poll(app: Flask, client: FlaskClient) -> None:
    """The agenda rules read traits: a poll feeds a shortlist as a vote does."""
    world = PollRoom(app, client, POLL_THEN_RANK)
    assert [s["kind"] for s in world.facilitator_stage()["steps"]] == [
        "brainstorm",
        KIND,
        "rank",
        "done",
    ]
    world.room.close()


def test_an_unknown_setting_on_a_poll_step_is_refused(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    response = client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": [stage([{"kind": "brainstorm"}, {"kind": KIND, "budget": 3}])]},
        headers=bearer(room.key),
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_setting"
    room.close()


PROBE = """
from sqlmodel import Session

from tests.plugins.poll import PollPickPayload
from workshop.activities.base import EventSpec, Outcome
from workshop.core.payloads import StagePayload
from workshop.persistence.models import Participant


def right(db: Session, participant: Participant, payload: PollPickPayload) -> Outcome:
    raise NotImplementedError


def wrong(db: Session, participant: Participant, payload: StagePayload) -> Outcome:
    raise NotImplementedError


FINE = EventSpec("poll:pick", PollPickPayload, ("participant",), right, "typed right")
REFUSED = EventSpec("poll:pick", PollPickPayload, ("participant",), wrong, "typed wrong")
"""


def test_mypy_checks_a_handler_against_the_payload_it_is_declared_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EventSpec is generic in its payload: a plug-in's handler typed for another payload is a
    type error at its declaration (the actor stays Any: roles are checked at run time)."""
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    monkeypatch.chdir(ROOT)
    out, err, status = mypy.api.run([str(probe), "--config-file", str(ROOT / "pyproject.toml")])
    errors = [line for line in out.splitlines() if ": error:" in line]
    refused = next(n for n, line in enumerate(PROBE.splitlines(), 1) if "REFUSED" in line)
    assert status == 1, out + err
    assert len(errors) == 1, out
    # (mypy's cache may name the probe by an earlier run's folder: compare from its name on)
    assert f'probe.py:{refused}: error: Argument 4 to "EventSpec"' in errors[0], out
    assert errors[0].endswith("[arg-type]")


# --------------------------------------------------------------------------- picking


def test_a_pick_is_acked_kept_in_me_and_counted_in_the_tally(polling: PollRoom) -> None:
    w = polling
    ana, ben, cy = w.people
    assert w.pick(ana, w.ideas[1]) == {"ok": True, "idea_id": w.ideas[1]}
    w.pick(ben, w.ideas[1])
    tally = until(w.fac, "tally", lambda t: t.get("pollers") == 2)[-1]
    assert tally["phase"] == KIND
    assert {int(i["idea_id"]): i["picks"] for i in tally["decision"]["items"]} == {
        w.ideas[0]: 0,
        w.ideas[1]: 2,
        w.ideas[2]: 0,
    }
    assert tally["decision"]["kind"] == KIND
    assert me_of(w.room, ana)["poll_picks"] == {str(w.stage): w.ideas[1]}
    assert me_of(w.room, cy)["poll_picks"] == {}
    # The room's screen counts the people, not what they picked, until the reveal.
    proj = until(w.proj, "tally", lambda t: t.get("pollers") == 2)[-1]
    assert "decision" not in proj


def test_a_new_pick_replaces_the_old_one_and_null_withdraws_it(polling: PollRoom) -> None:
    w = polling
    ana, ben, _cy = w.people
    w.pick(ana, w.ideas[0])
    w.pick(ben, w.ideas[0])
    assert w.pick(ana, w.ideas[2]) == {"ok": True, "idea_id": w.ideas[2]}
    assert picks_of(w.facilitator_stage()) == [1, 0, 1]
    assert w.facilitator_stage()["progress"]["pollers"] == 2
    assert w.pick(ben, None) == {"ok": True, "idea_id": None}
    assert picks_of(w.facilitator_stage()) == [0, 0, 1]
    assert w.facilitator_stage()["progress"]["pollers"] == 1
    assert me_of(w.room, ben)["poll_picks"] == {}
    # The same pick again changes nothing: no tally goes out.
    w.settle()
    w.pick(ana, w.ideas[2])
    time.sleep(SETTLE)
    assert "tally" not in inbox(w.fac)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"idea_id": 999999}, "idea_not_found"),
        ({"idea_id": "1"}, "invalid_payload"),
        ({"idea_id": 0}, "invalid_payload"),
        ({"idea_id": [1]}, "invalid_payload"),
        ({}, "invalid_payload"),
        ({"stage_id": None, "idea_id": 1}, "invalid_payload"),
        ({"stage_id": 999999, "idea_id": 1}, "stage_not_found"),
    ],
)
def test_a_bad_pick_is_refused_with_a_clear_error_and_changes_nothing(
    polling: PollRoom, payload: dict[str, Any], code: str
) -> None:
    w = polling
    w.pick(w.people[0], w.ideas[0])
    refuse(w.room, w.people[1].sock, "poll:pick", {"stage_id": w.stage, **payload}, code)


def test_only_participants_pick_and_only_while_the_poll_is_open(
    app: Flask, client: FlaskClient
) -> None:
    w = PollRoom(app, client, POLL_THEN_DONE)
    payload = {"stage_id": w.stage, "idea_id": w.ideas[0]}
    refuse(w.room, w.people[0].sock, "poll:pick", payload, "wrong_phase")  # still brainstorming
    w.to(KIND)
    refuse(w.room, w.fac, "poll:pick", payload, "forbidden")
    refuse(w.room, w.proj, "poll:pick", payload, "forbidden")
    hidden = w.ideas[2]
    ok(w.fac, "idea:hide", {"idea_id": hidden, "hidden": True})
    refuse(w.room, w.people[0].sock, "poll:pick", {**payload, "idea_id": hidden}, "idea_not_found")
    w.to("done")
    refuse(w.room, w.people[0].sock, "poll:pick", payload, "wrong_phase")
    assert error_code(w.people[0].sock, "poll:pick", payload) == "wrong_phase"
    w.room.close()


# --------------------------------------------------------------------------- reveal and decide


def test_the_picks_stay_hidden_from_the_room_until_the_reveal(polling: PollRoom) -> None:
    w = polling
    for who, idea in zip(w.people, (1, 1, 0), strict=True):
        w.pick(who, w.ideas[idea])
    assert picks_of(w.facilitator_stage()) == [1, 2, 0]
    assert picks_of(w.projector_stage()) == [None, None, None]
    assert w.projector_stage()["progress"]["pollers"] == 3
    w.settle()

    assert ok(w.fac, "results:reveal", {"stage_id": w.stage})["stage"]["reveals"] == [1]
    for sock in w.socks():
        shown = stage_of(inbox(sock)["state"][-1], w.stage)
        assert picks_of(shown) == [1, 2, 0]
        assert shown["decision"]["kind"] == KIND
    # Later picks reach the projector's tally with the standings.
    w.pick(w.people[2], w.ideas[2])
    proj = until(w.proj, "tally", lambda t: "decision" in t and t["pollers"] == 3)[-1]
    items = {int(i["idea_id"]): i["picks"] for i in proj["decision"]["items"]}
    assert items == {w.ideas[0]: 0, w.ideas[1]: 2, w.ideas[2]: 1}


def test_results_select_by_picks_and_the_plan_says_so(polling: PollRoom) -> None:
    """brainstorm → poll → done: the poll decides; ties go to the earlier idea."""
    w = polling
    w.pick(w.people[0], w.ideas[2])
    w.pick(w.people[1], w.ideas[2])
    w.pick(w.people[2], w.ideas[0])
    w.to("done")
    decided = w.facilitator_stage()
    assert decided["decided"] is True
    assert decided["decision"]["kind"] == KIND
    assert decided["decision"]["voters"] == 3
    assert [(r["idea_id"], r["picks"], r["selected"]) for r in decided["results"]] == [
        (w.ideas[2], 2, True),
        (w.ideas[0], 1, False),
        (w.ideas[1], 0, False),
    ]
    assert w.projector_stage()["results"] == decided["results"]

    plan = w.plan_stage()
    assert plan["score_label"] == "picks"
    assert [item["id"] for item in plan["items"] if item["selected"]] == [w.ideas[2]]
    assert "Poll: each participant picked one item." in plan["how"]
    assert (
        "Decided by the picks of 3 participants; on equal picks the earlier idea goes first."
        in plan["how"]
    )
    assert {"kind": KIND, "label": "Poll", "people": 3} in plan["participation"]
    # The appendix says an item nobody picked was not chosen, as for dots and points.
    markdown = w.room.client.get(
        f"/api/workshops/{w.room.id}/plan.md", headers=bearer(w.room.key)
    ).get_data(as_text=True)
    hire = next(line for line in markdown.splitlines() if "Hire" in line and "|" in line)
    assert "not chosen" in hire, hire


def test_a_rank_step_after_a_poll_shortlists_the_most_picked(
    app: Flask, client: FlaskClient
) -> None:
    w = PollRoom(app, client, POLL_THEN_RANK)
    w.to(KIND)
    w.pick(w.people[0], w.ideas[2])
    w.pick(w.people[1], w.ideas[1])
    w.pick(w.people[2], w.ideas[2])
    shortlist = w.to("rank")["shortlist"]
    assert shortlist == [w.ideas[2], w.ideas[1]]  # by picks; the earlier idea on a tie
    for who, order in zip(w.people, ([1, 2], [1, 2], [2, 1]), strict=True):
        ok(who.sock, "ranking:set", {"stage_id": w.stage, "order": [w.ideas[i] for i in order]})
    w.to("done")
    decided = w.facilitator_stage()
    assert decided["decision"]["kind"] == "rank"
    assert [r["idea_id"] for r in decided["results"] if r["selected"]] == [w.ideas[1]]

    plan = w.plan_stage()
    assert plan["score_label"] == "Borda points"
    assert "Poll: each participant picked one item." in plan["how"]
    assert any(
        note.startswith("The top 2 by picks were shortlisted; 3 participants ranked them")
        for note in plan["how"]
    ), plan["how"]
    assert {"kind": KIND, "label": "Poll", "people": 3} in plan["participation"]
    assert {"kind": "rank", "label": "Rank", "people": 3} in plan["participation"]
    w.room.close()


def test_a_second_round_starts_from_the_first_rounds_picks(polling: PollRoom) -> None:
    """Rounds work through the poll's entries as for any scoring step: round 1 is kept, every
    phone starts round 2 from its own pick, the picks are hidden again, and what moved shows."""
    w = polling
    for who, idea in zip(w.people, (0, 0, 1), strict=True):
        w.pick(who, w.ideas[idea])
    ok(w.fac, "results:reveal", {"stage_id": w.stage})
    assert ok(w.fac, "round:start", {"stage_id": w.stage})["stage"]["round"] == 2
    console = w.facilitator_stage()
    assert [(i["idea_id"], i["score"]) for i in console["rounds"][0]["items"]] == [
        (w.ideas[0], 2),
        (w.ideas[1], 1),
        (w.ideas[2], 0),
    ]
    assert me_of(w.room, w.people[1])["poll_picks"] == {str(w.stage): w.ideas[0]}
    assert picks_of(w.projector_stage()) == [None, None, None]

    w.pick(w.people[0], w.ideas[1])
    w.pick(w.people[1], w.ideas[1])
    w.to("done")
    decided = w.facilitator_stage()
    assert decided["decision"]["round"] == 2
    assert [(i["idea_id"], i["picks"], i["moved"]) for i in decided["decision"]["items"]] == [
        (w.ideas[1], 3, 1),
        (w.ideas[0], 0, -1),
        (w.ideas[2], 0, 0),
    ]
    assert any(note.startswith("The poll had two rounds") for note in w.plan_stage()["how"])


def test_merging_ideas_moves_their_picks(polling: PollRoom) -> None:
    """A merge works through the poll's entries, as for any scoring step."""
    w = polling
    w.pick(w.people[0], w.ideas[0])
    w.pick(w.people[1], w.ideas[1])
    ok(w.fac, "idea:merge", {"idea_ids": [w.ideas[1]], "into": w.ideas[0]})
    picks = {idea["id"]: idea.get("picks") for idea in w.facilitator_stage()["ideas"]}
    assert picks[w.ideas[0]] == 2
    assert me_of(w.room, w.people[1])["poll_picks"] == {str(w.stage): w.ideas[0]}
    ok(w.fac, "idea:unmerge", {"idea_id": w.ideas[0]})
    assert me_of(w.room, w.people[1])["poll_picks"] == {str(w.stage): w.ideas[1]}
    assert w.facilitator_stage()["progress"]["pollers"] == 2
