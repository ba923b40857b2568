"""End to end on the real eventlet server: Socket.IO and HTTP clients, restarts and a crash."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.server import LiveServer

pytestmark = pytest.mark.server

TIMEOUT = 10.0
# What every participant's idea carries besides its id and text before it is defined or linked.
PLAIN = {"fields": {}, "links": [], "from_facilitator": False}
TITLE = "Acme 2030"
ORGANIZATION = "Acme Port"
NAMES = ("Ana", "Ben", "Cleo")
IDEAS_EACH = 2

# Indices are positions of a stage's ideas in submission order: Ana's two, Ben's two, Cleo's two.
VOTES: tuple[dict[int, int], ...] = ({0: 3, 2: 2}, {2: 3, 4: 1, 1: 1}, {4: 2, 5: 2, 0: 1})
DOTS = {0: 4, 1: 1, 2: 5, 3: 0, 4: 3, 5: 2}
SHORTLIST = [2, 0, 4, 5, 1]  # top 5 by dots; idea 3 has none
RANKINGS: tuple[list[int], ...] = ([0, 2, 4, 5, 1], [4, 0], [5, 0, 2])
# Borda with k=5 (4, 3, 2, 1, 0 points): 0 -> 4+3+3, 4 -> 2+4, 2 -> 3+2, 5 -> 1+4, 1 -> 0.
SCORES = {0: 10, 4: 6, 2: 5, 5: 5, 1: 0, 3: 0}
RESULT_ORDER = [0, 4, 2, 5, 1, 3]  # 2 before 5: same score, more dots; 3 is not shortlisted


# --------------------------------------------------------------------------- HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: Any = None, bearer: str | None = None) -> Reply:
    """One HTTP request with urllib; error statuses are returned, not raised."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, dict(exc.headers), exc.read())


def create_workshop(server: LiveServer) -> dict[str, Any]:
    reply = http(
        "POST",
        f"{server.url}/api/workshops",
        {"title": TITLE, "organization": ORGANIZATION, "horizon_years": 5},
    )
    assert reply.status == 201, reply
    created: dict[str, Any] = reply.json()
    return created


def facilitator_state(server: LiveServer, created: dict[str, Any]) -> dict[str, Any]:
    reply = http(
        "GET", f"{server.url}/api/workshops/{created['id']}", bearer=created["facilitator_key"]
    )
    assert reply.status == 200, reply
    state: dict[str, Any] = reply.json()
    # The moment the state was built differs on every read; the rest must not.
    state.pop("server_time", None)
    return state


# --------------------------------------------------------------------------- Socket.IO


class Peer:
    """A python-socketio client over websocket that records every server event it receives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._changed = threading.Condition()
        self.sio.on("*", self._record)

    def _record(self, event: str, *args: Any) -> None:
        with self._changed:
            self.events.append((event, args[0] if args else None))
            self._changed.notify_all()

    def connect(self) -> Peer:
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=TIMEOUT)
        return self

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    def call(self, event: str, payload: Any) -> dict[str, Any]:
        ack: dict[str, Any] = self.sio.call(event, payload, timeout=TIMEOUT)
        return ack

    def ok(self, event: str, payload: Any) -> dict[str, Any]:
        ack = self.call(event, payload)
        assert ack["ok"] is True, (event, payload, ack)
        return ack

    def mark(self) -> int:
        """A position in the event log; `wait_for(..., since=mark)` looks only after it."""
        with self._changed:
            return len(self.events)

    def received(self, name: str, since: int = 0) -> list[Any]:
        with self._changed:
            return [data for event, data in self.events[since:] if event == name]

    def wait_for(
        self,
        name: str,
        match: Callable[[Any], bool] = lambda _: True,
        *,
        since: int = 0,
        timeout: float = 5.0,
    ) -> Any:
        """The first `name` event after `since` that `match`es, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event, data in self.events[since:]:
                    if event == name and match(data):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [data for event, data in self.events[since:] if event == name]
                    raise AssertionError(f"no matching {name!r} within {timeout}s; got {seen}")
                self._changed.wait(left)


@dataclass
class Person:
    name: str
    peer: Peer
    token: str
    id: int
    ideas: dict[int, list[int]] = field(default_factory=dict)  # stage id -> own idea ids


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "workshop.sqlite3")
    with live:
        yield live
    print(live.output())  # shown by pytest only when the test failed


@pytest.fixture
def connect(server: LiveServer) -> Iterator[Callable[[], Peer]]:
    """Make connected clients; all are disconnected before the server stops."""
    peers: list[Peer] = []

    def make() -> Peer:
        peer = Peer(server.url)
        peers.append(peer)
        return peer.connect()

    yield make
    for peer in peers:
        peer.close()


def current_is(stage_id: int, phase: str) -> Callable[[Any], bool]:
    return lambda state: bool(state["current"] == {"stage_id": stage_id, "phase": phase})


def set_phase(fac: Peer, people: list[Person], stage_id: int, phase: str) -> dict[str, Any]:
    """Move a stage and check every participant (and the console) is pushed the new state."""
    marks = [person.peer.mark() for person in people]
    fac_mark = fac.mark()
    ack = fac.ok("stage:phase", {"stage_id": stage_id, "phase": phase})
    assert ack["stage"]["id"] == stage_id and ack["stage"]["phase"] == phase
    fac.wait_for("state", current_is(stage_id, phase), since=fac_mark)
    for person, mark in zip(people, marks, strict=True):
        state = person.peer.wait_for("state", current_is(stage_id, phase), since=mark)
        assert state["audience"] == "participant"
        assert state["me"]["id"] == person.id
    return ack


def announces(idea_id: int) -> Callable[[Any], bool]:
    return lambda event: bool(event["idea"]["id"] == idea_id)


def stage_of(state: dict[str, Any], stage_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in state["stages"] if s["id"] == stage_id)
    return found


def idea_text(key: str, index: int) -> str:
    # Letters, digits and spaces only, so the text reads the same in Markdown and HTML.
    return f"{key.title()} idea {index + 1} by {NAMES[index // IDEAS_EACH]}"


def run_stage(fac: Peer, people: list[Person], stage: dict[str, Any]) -> list[int]:
    """Brainstorm, vote, reveal, rank and close one stage; return its idea ids in order."""
    sid, key = stage["id"], stage["key"]
    if stage["phase"] == "pending":
        set_phase(fac, people, sid, "brainstorm")

    # Brainstorm: every idea reaches the console live as `idea:added`.
    ids: list[int] = []
    for person in people:
        person.ideas[sid] = []
        for _ in range(IDEAS_EACH):
            index = len(ids)
            payload = {
                "stage_id": sid,
                "text": f"  {idea_text(key, index)} ",
                "client_id": f"{key}{index}",
            }
            ack = person.peer.ok("idea:submit", payload)
            assert ack["duplicate"] is False
            assert ack["idea"]["stage_id"] == sid
            assert ack["idea"]["text"] == idea_text(key, index)
            ids.append(ack["idea"]["id"])
            person.ideas[sid].append(ack["idea"]["id"])
    assert ids == sorted(ids)
    retry = people[0].peer.ok("idea:submit", {"stage_id": sid, "text": "x", "client_id": f"{key}0"})
    assert retry == {
        "ok": True,
        "idea": {"id": ids[0], "stage_id": sid, "text": idea_text(key, 0)},
        "duplicate": True,
    }
    for index, idea_id in enumerate(ids):
        added = fac.wait_for("idea:added", announces(idea_id))
        assert added == {"idea": {"id": idea_id, "stage_id": sid, "text": idea_text(key, index)}}

    # Vote: the state that opens the vote carries the ideas to the phones, totals hidden.
    marks = [person.peer.mark() for person in people]
    set_phase(fac, people, sid, "vote")
    for person, mark in zip(people, marks, strict=True):
        state = person.peer.wait_for("state", current_is(sid, "vote"), since=mark)
        assert stage_of(state, sid)["ideas"] == [
            {"id": idea_id, "text": idea_text(key, i), **PLAIN} for i, idea_id in enumerate(ids)
        ]
        assert state["me"]["remaining"][str(sid)] == 5
        assert state["me"]["ideas"] == [i for ideas in person.ideas.values() for i in ideas]
    fac_mark = fac.mark()
    for person, allocation in zip(people, VOTES, strict=True):
        votes = {str(ids[i]): count for i, count in allocation.items()}
        ack = person.peer.ok("votes:set", {"stage_id": sid, "votes": votes})
        assert ack["votes"] == dict(sorted(votes.items(), key=lambda kv: int(kv[0])))
        assert ack["remaining"] == 5 - sum(allocation.values())
    tally = fac.wait_for(
        "tally", lambda t: t["stage_id"] == sid and t["dots"] == 15, since=fac_mark
    )
    assert tally["voters"] == 3 and tally["participants"] == 3 and tally["phase"] == "vote"
    assert tally["totals"] == {str(ids[i]): dots for i, dots in DOTS.items()}

    # Reveal: totals now reach the phones.
    marks = [person.peer.mark() for person in people]
    fac.ok("results:reveal", {"stage_id": sid})
    for person, mark, allocation in zip(people, marks, VOTES, strict=True):
        state = person.peer.wait_for(
            "state", lambda s: stage_of(s, sid)["revealed"] is True, since=mark
        )
        assert [idea["votes"] for idea in stage_of(state, sid)["ideas"]] == [
            DOTS[i] for i in range(len(ids))
        ]
        assert state["me"]["votes"][str(sid)] == {
            str(ids[i]): count for i, count in sorted(allocation.items())
        }

    # Rank: the shortlist is frozen from the dots.
    ack = set_phase(fac, people, sid, "rank")
    assert ack["stage"]["shortlist"] == [ids[i] for i in SHORTLIST]
    fac_mark = fac.mark()
    for person, ranking in zip(people, RANKINGS, strict=True):
        order = [ids[i] for i in ranking]
        assert person.peer.ok("ranking:set", {"stage_id": sid, "order": order})["order"] == order
    tally = fac.wait_for(
        "tally", lambda t: t["stage_id"] == sid and t["rankers"] == 3, since=fac_mark
    )
    assert tally["phase"] == "rank"

    # Done: results by Borda score; the top `select_count` are selected.
    fac_mark = fac.mark()
    set_phase(fac, people, sid, "done")
    state = fac.wait_for("state", current_is(sid, "done"), since=fac_mark)
    results = stage_of(state, sid)["results"]
    assert [r["idea_id"] for r in results] == [ids[i] for i in RESULT_ORDER]
    assert [r["rank"] for r in results] == list(range(1, len(ids) + 1))
    assert {r["idea_id"]: r["score"] for r in results} == {ids[i]: s for i, s in SCORES.items()}
    assert {r["idea_id"]: r["votes"] for r in results} == {ids[i]: d for i, d in DOTS.items()}
    count = stage["select_count"]
    assert [r["selected"] for r in results] == [n < count for n in range(len(ids))]
    assert [r["shortlisted"] for r in results] == [True] * 5 + [False]

    # Only the six new ideas were announced (the retry added nothing).
    added = [e for e in fac.received("idea:added") if e["idea"]["stage_id"] == sid]
    assert [e["idea"]["id"] for e in added] == ids
    return ids


def expected_me(person: Person, stage_ids: list[int], ids: dict[int, list[int]]) -> dict[str, Any]:
    index = NAMES.index(person.name)
    return {
        "id": person.id,
        "name": person.name,
        "ideas": [i for sid in stage_ids for i in person.ideas[sid]],
        "votes": {
            str(sid): {str(ids[sid][i]): c for i, c in sorted(VOTES[index].items())}
            for sid in stage_ids
        },
        "rankings": {str(sid): [ids[sid][i] for i in RANKINGS[index]] for sid in stage_ids},
        "links": {},
        "suggestions": {},
        # The strategic plan has no allocate or rate step and no private brainstorm.
        "allocations": {},
        "ratings": {},
        "private_ideas": [],
        "merged_ideas": [],
        "remaining": {str(sid): 5 - sum(VOTES[index].values()) for sid in stage_ids},
        "points_left": {},
    }


def download(server: LiveServer, created: dict[str, Any], token: str) -> tuple[bytes, bytes]:
    """plan.md with the token as a Bearer header and plan.html with it in the query string."""
    root = f"{server.url}/api/workshops/{created['id']}"
    md = http("GET", f"{root}/plan.md", bearer=token)
    assert md.status == 200, md
    assert md.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert md.headers["Content-Disposition"].startswith("attachment;")
    page = http("GET", f"{root}/plan.html?token={token}")
    assert page.status == 200, page
    assert page.headers["Content-Type"].startswith("text/html")
    return md.body, page.body


# --------------------------------------------------------------------------- tests


def test_full_workshop_over_websocket_survives_a_restart(
    server: LiveServer, connect: Callable[[], Peer]
) -> None:
    created = create_workshop(server)
    wid, code, key = created["id"], created["code"], created["facilitator_key"]
    assert created["urls"]["join"] == f"{server.url}/j/{code}"

    fac = connect()
    ack = fac.ok("facilitate", {"workshop_id": wid, "key": key})
    assert fac.wait_for("state") == ack["state"]
    stages = ack["state"]["stages"]
    assert [s["key"] for s in stages] == ["vision", "goals", "projects"]
    # The workshop waits in its lobby; the first run_stage starts it.
    assert [s["phase"] for s in stages] == ["pending", "pending", "pending"]
    assert ack["state"]["workshop"]["lobby"] is True
    assert [s["select_count"] for s in stages] == [1, 3, 5]

    people: list[Person] = []
    for name in NAMES:
        peer = connect()
        joined = peer.ok("join", {"code": code, "name": name})
        assert joined["resumed"] is False and joined["participant"]["name"] == name
        assert joined["state"]["workshop"]["lobby"] is True
        assert peer.wait_for("state")["me"]["id"] == joined["participant"]["id"]
        people.append(Person(name, peer, joined["token"], joined["participant"]["id"]))
    fac.wait_for("participants", lambda p: p["count"] == 3)

    ids = {stage["id"]: run_stage(fac, people, stage) for stage in stages}
    stage_ids = list(ids)

    # Finish: everyone hears about the plan.
    marks = [person.peer.mark() for person in people]
    finished = fac.ok("workshop:finish", {})
    files = {
        "md": "plan.md",
        "html": "plan.html",
        "pdf": "plan.pdf",
        "docx": "plan.docx",
        "json": "plan.json",
        "csv": "ideas.csv",
        "register": "register.csv",
        "roadmap": "roadmap.ics",
    }
    plan_urls = {name: f"{server.url}/api/workshops/{wid}/{file}" for name, file in files.items()}
    assert finished["plan"] == {"urls": plan_urls}
    for person, mark in zip(people, marks, strict=True):
        assert person.peer.wait_for("workshop:finished", since=mark) == {
            "plan": {"urls": plan_urls}
        }
        state = person.peer.wait_for(
            "state", lambda s: s["workshop"]["status"] == "finished", since=mark
        )
        assert state["plan"] == {"urls": plan_urls}
        assert state["me"] == expected_me(person, stage_ids, ids)
    assert fac.ok("workshop:finish", {})["plan"] == finished["plan"]
    late = connect().call("join", {"code": code, "name": "Late"})
    assert late["ok"] is False and late["error"]["code"] == "workshop_finished"

    # The plan, for a participant and (same bytes) for the facilitator.
    plan_md, plan_html = download(server, created, people[1].token)
    assert (plan_md, plan_html) == download(server, created, key)
    assert http("GET", plan_urls["md"]).status == 401
    markdown = plan_md.decode()
    assert markdown.startswith(f"# Strategic plan: {TITLE}\n")
    assert "not completed" not in markdown
    html = plan_html.decode()
    for stage in stages:
        chosen = [idea_text(stage["key"], i) for i in RESULT_ORDER[: stage["select_count"]]]
        positions = [markdown.index(text) for text in chosen]
        assert positions == sorted(positions), chosen
        assert all(text in html for text in chosen)
    assert f"> {idea_text('vision', RESULT_ORDER[0])}\n" in markdown
    assert "<script" not in html.lower()

    before = facilitator_state(server, created)
    assert before["workshop"]["status"] == "finished"
    assert before["workshop"]["participant_count"] == 3
    last_states = {person.id: person.peer.received("state")[-1] for person in people}

    # Graceful restart on the same database file and port.
    for peer in [fac] + [person.peer for person in people]:
        peer.close()
    server.restart()

    assert facilitator_state(server, created) == before
    assert download(server, created, people[1].token) == (plan_md, plan_html)
    assert download(server, created, key) == (plan_md, plan_html)
    for person in people:
        peer = connect()
        resumed = peer.ok("join", {"code": code, "token": person.token})
        assert resumed["resumed"] is True
        assert resumed["token"] == person.token
        assert resumed["participant"] == {"id": person.id, "name": person.name}
        assert resumed["state"]["me"] == expected_me(person, stage_ids, ids)
        # The same state but for the moment each was built.
        last = dict(last_states[person.id])
        built = resumed["state"].pop("server_time")
        assert last.pop("server_time") < built
        assert resumed["state"] == last
        # The join's own `state` event is the ack's state, built once.
        pushed = peer.wait_for("state")
        assert pushed.pop("server_time") == built
        assert pushed == resumed["state"]

    output = server.output()
    assert "Eventlet is deprecated" not in output
    assert "Traceback" not in output
    assert output.count("Strategy Workshop at") == 2


def test_acknowledged_writes_survive_sigkill(
    server: LiveServer, connect: Callable[[], Peer]
) -> None:
    created = create_workshop(server)
    wid, code, key = created["id"], created["code"], created["facilitator_key"]
    starter = connect()
    first = starter.ok("facilitate", {"workshop_id": wid, "key": key})["state"]["stages"][0]
    starter.ok("stage:phase", {"stage_id": first["id"], "phase": "brainstorm"})
    ana = connect()
    joined = ana.ok("join", {"code": code, "name": "Ana"})
    token, me_id = joined["token"], joined["participant"]["id"]
    sid = joined["state"]["current"]["stage_id"]
    text = "A carbon neutral port"
    idea = ana.ok("idea:submit", {"stage_id": sid, "text": text, "client_id": "c1"})["idea"]

    assert server.kill() == -9  # no graceful shutdown: the ack alone must mean stored
    server.start()

    ana = connect()
    resumed = ana.ok("join", {"code": code, "token": token})
    assert resumed["resumed"] is True and resumed["participant"] == {"id": me_id, "name": "Ana"}
    assert resumed["state"]["current"] == {"stage_id": sid, "phase": "brainstorm"}
    assert resumed["state"]["me"]["ideas"] == [idea["id"]]
    ideas = stage_of(facilitator_state(server, created), sid)["ideas"]
    assert ideas == [{"id": idea["id"], "text": text, **PLAIN, "hidden": False, "votes": 0}]
    retry = ana.ok("idea:submit", {"stage_id": sid, "text": text, "client_id": "c1"})
    assert retry == {"ok": True, "idea": idea, "duplicate": True}

    # The same for a dot allocation.
    fac = connect()
    fac.ok("facilitate", {"workshop_id": wid, "key": key})
    fac.ok("stage:phase", {"stage_id": sid, "phase": "vote"})
    votes = {str(idea["id"]): 2}
    assert ana.ok("votes:set", {"stage_id": sid, "votes": votes})["remaining"] == 3

    assert server.kill() == -9
    server.start()

    ana = connect()
    me = ana.ok("join", {"code": code, "token": token})["state"]["me"]
    assert me["id"] == me_id
    assert me["votes"] == {str(sid): votes}
    assert me["remaining"][str(sid)] == 3
    progress = stage_of(facilitator_state(server, created), sid)["progress"]
    assert progress == {"voters": 1, "rankers": 0, "dots": 2, "ideas": 1}

    output = server.output()
    assert "Eventlet is deprecated" not in output
    assert "Traceback" not in output
