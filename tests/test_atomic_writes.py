"""Guarantee 4, atomic writes: every check-then-write holds under real concurrency.

The races run here with real threads on one SQLite file, through the Socket.IO edge (Flask-
SocketIO's test client: each thread's handler runs in that thread, with its own database
session), and in `tests/test_two_processes.py` with two real server processes (`python
app.py`) on one SQLite file, through python-socketio clients. Both use the same races below
(`votes_race`, `phase_race`, `close_race`, `cap_race`, `client_id_race`); each returns how
many of its trials held, and every ack of every race is kept to check that none is
`internal_error`.

What each trial checks is read from the database file itself, and where the order of commits
matters (a vote against the move to rank), a test-only trigger records the stage's step as
each dot-vote write saw it inside its own transaction: a write committed after the stage left
the vote step shows up there, whatever the acks say.

Also here: `begin_write`'s own contract, the 0600 database file, and migration 0007 (the
facilitator's client_id index, and an old database with duplicates).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import text
from sqlmodel import Session

from workshop import create_app
from workshop.core import rules
from workshop.extensions import socketio
from workshop.persistence.db import begin_write, make_engine
from workshop.persistence.migrate import downgrade, upgrade
from workshop.persistence.models import Idea

TRIALS = 100
# Loose limits: the races send many events from few addresses, which is not what the rate
# limits are about (tests/test_limits.py and tests/test_flood.py test those).
LOOSE_LIMITS = {
    "EVENT_RATE": 10_000.0,
    "EVENT_BURST": 10_000.0,
    "JOIN_RATE": 10_000.0,
    "JOIN_BURST": 10_000.0,
    "CREATE_RATE": 10_000.0,
    "CREATE_BURST": 10_000.0,
}


# --------------------------------------------------------------------------- the harness


class Conn(Protocol):
    """One client connection: send an event, get its ack."""

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]: ...


class Setup(Protocol):
    """Where the races run: threads in this process, or two server processes."""

    name: str
    db_path: Path
    acks: list[dict[str, Any]]

    def create_workshop(self) -> dict[str, Any]: ...

    def connect(self, index: int) -> Conn: ...


class Racer:
    """Sends a batch of events from as many threads, released together by a barrier."""

    def __init__(self, acks: list[dict[str, Any]], width: int = 32) -> None:
        self.pool = ThreadPoolExecutor(width, thread_name_prefix="racer")
        self.acks = acks
        self.races = 0
        self.overlapping = 0

    def race(self, calls: Sequence[tuple[Conn, str, dict[str, Any]]]) -> list[dict[str, Any]]:
        barrier = threading.Barrier(len(calls))

        def send(
            conn: Conn, event: str, payload: dict[str, Any]
        ) -> tuple[dict[str, Any], float, float]:
            barrier.wait(timeout=30)
            sent = time.monotonic()
            answer = conn.call(event, payload)
            return answer, sent, time.monotonic()

        futures = [self.pool.submit(send, *call) for call in calls]
        results = [future.result(timeout=120) for future in futures]
        answers = [answer for answer, _, _ in results]
        # Did the race happen? Two events count as racing when the second was sent before the
        # first was answered (both in flight at once).
        spans = sorted((sent, done) for _, sent, done in results)
        self.races += 1
        if any(spans[n + 1][0] < spans[n][1] for n in range(len(spans) - 1)):
            self.overlapping += 1
        self.acks.extend(answers)
        return answers

    def overlap(self) -> str:
        """How many races had events in flight at the same time, since the last call."""
        text = f"{self.overlapping} of {self.races} trials had racing events in flight at once"
        self.races = self.overlapping = 0
        return text

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def call_ok(setup: Setup, conn: Conn, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = conn.call(event, payload)
    setup.acks.append(answer)
    assert answer.get("ok") is True, (event, payload, answer)
    return answer


def fast_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory for a race's database: in memory (/dev/shm) where there is one. The races
    test atomicity, not fsync: on a loaded CI disk one `synchronous=FULL` commit took 58 ms,
    and the races commit thousands of times (the durability settings are the same there)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix=f"workshop-{name}-", dir=shm))
    return tmp_path_factory.mktemp(name)


def reader(db_path: Path) -> sqlite3.Connection:
    """A read-only view of the database file: every query sees the latest commit."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=15)
    connection.isolation_level = None
    return connection


@dataclass
class Room:
    """A workshop for one race: its console, its first stage and that stage's items."""

    setup: Setup
    data: dict[str, Any]
    console: Conn
    stage_id: int
    ideas: list[int] = field(default_factory=list)

    @classmethod
    def open(cls, setup: Setup, items: int = 6) -> Room:
        data = setup.create_workshop()
        console = setup.connect(0)
        state = call_ok(setup, console, "facilitate", {"workshop_id": data["id"], "key": key(data)})
        stage = state["state"]["stages"][0]
        room = cls(setup, data, console, stage["id"])
        room.move("brainstorm")
        for number in range(items):
            answer = room.submit(console, f"Item {number + 1}")
            room.ideas.append(answer["idea"]["id"])
        return room

    def facilitator(self, index: int) -> Conn:
        conn = self.setup.connect(index)
        call_ok(
            self.setup, conn, "facilitate", {"workshop_id": self.data["id"], "key": key(self.data)}
        )
        return conn

    def join(
        self, index: int, token: str | None = None, name: str = "P"
    ) -> tuple[Conn, dict[str, Any]]:
        conn = self.setup.connect(index)
        payload: dict[str, Any] = {"code": self.data["code"], "name": name}
        if token is not None:
            payload["token"] = token
        return conn, call_ok(self.setup, conn, "join", payload)

    def rejoin(self, conn: Conn, token: str | None = None, name: str = "P") -> dict[str, Any]:
        payload: dict[str, Any] = {"code": self.data["code"], "name": name}
        if token is not None:
            payload["token"] = token
        return call_ok(self.setup, conn, "join", payload)

    def move(self, phase: str, conn: Conn | None = None) -> dict[str, Any]:
        payload = {"stage_id": self.stage_id, "phase": phase}
        return call_ok(self.setup, conn or self.console, "stage:phase", payload)

    def submit(self, conn: Conn, words: str, client_id: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"stage_id": self.stage_id, "text": words}
        if client_id is not None:
            payload["client_id"] = client_id
        return call_ok(self.setup, conn, "idea:submit", payload)


def key(data: dict[str, Any]) -> str:
    return str(data["facilitator_key"])


def allocation(
    rng: random.Random, ideas: Sequence[int], budget: int = 5, cap: int = 3
) -> dict[int, int]:
    """A random valid dot allocation (at least one dot)."""
    out: dict[int, int] = {}
    for _ in range(rng.randint(1, budget)):
        idea = rng.choice(ideas)
        if out.get(idea, 0) < cap:
            out[idea] = out.get(idea, 0) + 1
    return out


def as_payload(stage_id: int, votes: dict[int, int]) -> dict[str, Any]:
    return {"stage_id": stage_id, "votes": {str(k): v for k, v in votes.items()}}


def counters_match_rows(db: sqlite3.Connection, stage_id: int) -> bool:
    """The running dot and voter counters equal what the dot-vote rows add up to."""
    dots: dict[int, int] = {}
    voters: set[int] = set()
    for participant_id, idea_id, count in db.execute(
        "SELECT participant_id, idea_id, count FROM dotvote WHERE stage_id = ?", (stage_id,)
    ):
        dots[idea_id] = dots.get(idea_id, 0) + count
        voters.add(participant_id)
    counted: dict[tuple[int, str], int] = {
        (idea_id, name): value
        for idea_id, name, value in db.execute(
            "SELECT idea_id, name, value FROM counter WHERE stage_id = ? AND value != 0",
            (stage_id,),
        )
    }
    expected = {(idea, "dots"): count for idea, count in dots.items() if count}
    if voters:
        expected[(0, "voters")] = len(voters)
    return counted == expected


# --------------------------------------------------------------------------- the races


def votes_race(setup: Setup, racer: Racer, trials: int = TRIALS, width: int = 25) -> int:
    """`width` connections of ONE participant send `votes:set` at once, each a different
    allocation: afterwards the participant holds exactly one of them, whole, and the running
    counters equal the rows."""
    room = Room.open(setup)
    room.move("vote")
    first, joined = room.join(0)
    token, person = joined["token"], joined["participant"]["id"]
    conns = [first] + [room.join(i, token)[0] for i in range(1, width)]
    rng = random.Random(4)
    held = 0
    with reader(setup.db_path) as db:
        for _ in range(trials):
            sent: list[dict[int, int]] = []
            while len(sent) < width:
                candidate = allocation(rng, room.ideas)
                if candidate not in sent:
                    sent.append(candidate)
            answers = racer.race(
                [
                    (conn, "votes:set", as_payload(room.stage_id, votes))
                    for conn, votes in zip(conns, sent, strict=True)
                ]
            )
            stored = dict(
                db.execute(
                    "SELECT idea_id, count FROM dotvote WHERE participant_id = ? AND stage_id = ?",
                    (person, room.stage_id),
                ).fetchall()
            )
            if (
                all(answer.get("ok") for answer in answers)
                and stored in sent
                and counters_match_rows(db, room.stage_id)
            ):
                held += 1
    return held


def phase_race(setup: Setup, racer: Racer, trials: int = TRIALS) -> int:
    """Two consoles (on different servers, where there are two) move one stage in opposite
    directions at once, from vote: one to rank, one back to brainstorm. Exactly one move is
    legal once the other has happened; the stage ends where that one put it, with a frozen
    shortlist exactly when it is in rank."""
    room = Room.open(setup)
    room.move("vote")
    voter, _ = room.join(1)
    call_ok(
        setup, voter, "votes:set", as_payload(room.stage_id, {room.ideas[0]: 2, room.ideas[1]: 1})
    )
    consoles = [room.console, room.facilitator(1)]
    held = 0
    with reader(setup.db_path) as db:
        for trial in range(trials):
            forward, back = (consoles[0], consoles[1]) if trial % 2 else (consoles[1], consoles[0])
            answers = racer.race(
                [
                    (forward, "stage:phase", {"stage_id": room.stage_id, "phase": "rank"}),
                    (back, "stage:phase", {"stage_id": room.stage_id, "phase": "brainstorm"}),
                ]
            )
            step_index, shortlist = db.execute(
                "SELECT step_index, shortlist FROM stage WHERE id = ?", (room.stage_id,)
            ).fetchone()
            accepted = [answer for answer in answers if answer.get("ok")]
            refused = [answer["error"]["code"] for answer in answers if not answer.get("ok")]
            frozen = shortlist not in ("[]", "null", None)
            consistent = (step_index == 2 and frozen) or (step_index == 0 and not frozen)
            if len(accepted) == 1 and refused == ["invalid_transition"] and consistent:
                held += 1
            room.move("vote")
    return held


AUDIT = """
CREATE TABLE IF NOT EXISTS h4_audit (stage_id INTEGER, step_index INTEGER, what TEXT);
CREATE TRIGGER IF NOT EXISTS h4_vote_insert AFTER INSERT ON dotvote BEGIN
  INSERT INTO h4_audit SELECT NEW.stage_id, step_index, 'insert' FROM stage WHERE id = NEW.stage_id;
END;
CREATE TRIGGER IF NOT EXISTS h4_vote_update AFTER UPDATE ON dotvote BEGIN
  INSERT INTO h4_audit SELECT NEW.stage_id, step_index, 'update' FROM stage WHERE id = NEW.stage_id;
END;
CREATE TRIGGER IF NOT EXISTS h4_vote_delete AFTER DELETE ON dotvote BEGIN
  INSERT INTO h4_audit SELECT OLD.stage_id, step_index, 'delete' FROM stage WHERE id = OLD.stage_id;
END;
"""


def add_audit(db_path: Path) -> None:
    """Test-only triggers: every dot-vote write records the stage's step as its own
    transaction sees it, so a vote written after the stage left the vote step is caught."""
    with sqlite3.connect(db_path, timeout=15) as connection:
        connection.executescript(AUDIT)


def close_race(setup: Setup, racer: Racer, trials: int = TRIALS, voters: int = 4) -> int:
    """`voters` participants send `votes:set` while the console moves the stage to rank: no
    dot-vote write happens in a transaction that sees the stage past its vote step, every
    refused vote is `wrong_phase`, and the shortlist rank froze equals the one the stored
    votes make."""
    room = Room.open(setup)
    add_audit(setup.db_path)
    room.move("vote")
    conns = [room.join(1 + i, name=f"V{i}")[0] for i in range(voters)]
    rng = random.Random(5)
    held = 0
    with reader(setup.db_path) as db:
        for _ in range(trials):
            seen = db.execute("SELECT count(*) FROM h4_audit").fetchone()[0]
            calls: list[tuple[Conn, str, dict[str, Any]]] = [
                (conn, "votes:set", as_payload(room.stage_id, allocation(rng, room.ideas)))
                for conn in conns
            ]
            calls.insert(
                rng.randrange(len(calls) + 1),
                (room.console, "stage:phase", {"stage_id": room.stage_id, "phase": "rank"}),
            )
            answers = racer.race(calls)
            steps = [
                row[0]
                for row in db.execute(
                    "SELECT step_index FROM h4_audit WHERE stage_id = ? LIMIT -1 OFFSET ?",
                    (room.stage_id, seen),
                )
            ]
            move_ok = all(
                a.get("ok") for a, c in zip(answers, calls, strict=True) if c[1] == "stage:phase"
            )
            refusals = {a["error"]["code"] for a in answers if not a.get("ok")}
            if (
                move_ok
                and all(step == 1 for step in steps)
                and refusals <= {"wrong_phase"}
                and counters_match_rows(db, room.stage_id)
            ):
                held += 1
            room.move("vote")
    return held


def cap_race(setup: Setup, racer: Racer, trials: int = TRIALS, width: int = 4) -> int:
    """A participant two ideas short of the per-stage cap sends `width` new ideas from
    `width` connections at once: exactly two are stored, the others are `too_many_ideas`.
    Between trials the participant's ideas are deleted from the file and the earlier ones
    written straight into it (the trial is the race, not the 48 ideas before it)."""
    cap = rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE
    room = Room.open(setup, items=0)
    first, joined = room.join(0, name="Capped")
    token, person = joined["token"], joined["participant"]["id"]
    conns = [first] + [room.join(i, token)[0] for i in range(1, width)]
    engine = make_engine(f"sqlite:///{setup.db_path}")
    held = 0
    try:
        with reader(setup.db_path) as db:
            for trial in range(trials):
                with Session(engine) as session:
                    begin_write(session)
                    session.execute(
                        text("DELETE FROM idea WHERE participant_id = :person"), {"person": person}
                    )
                    session.add_all(
                        Idea(
                            workshop_id=room.data["id"],
                            stage_id=room.stage_id,
                            participant_id=person,
                            text=f"Earlier idea {n}",
                        )
                        for n in range(cap - 2)
                    )
                    session.commit()
                answers = racer.race(
                    [
                        (
                            conn,
                            "idea:submit",
                            {
                                "stage_id": room.stage_id,
                                "text": f"Race {trial}.{n}",
                                "client_id": f"c{trial}.{n}",
                            },
                        )
                        for n, conn in enumerate(conns)
                    ]
                )
                stored = db.execute(
                    "SELECT count(*) FROM idea WHERE participant_id = ? AND stage_id = ?",
                    (person, room.stage_id),
                ).fetchone()[0]
                accepted = sum(1 for answer in answers if answer.get("ok"))
                refused = [answer["error"]["code"] for answer in answers if not answer.get("ok")]
                if stored == cap and accepted == 2 and set(refused) == {"too_many_ideas"}:
                    held += 1
    finally:
        engine.dispose()
    return held


def client_id_race(setup: Setup, racer: Racer, trials: int = TRIALS, width: int = 3) -> int:
    """`width` consoles (across both servers, where there are two) add the same facilitator
    item, one client_id, at once: one item is stored, every ack names it, one says it is new."""
    room = Room.open(setup, items=0)
    consoles = [room.console] + [room.facilitator(i) for i in range(1, width)]
    held = 0
    with reader(setup.db_path) as db:
        for trial in range(trials):
            client_id = f"item-{trial}-{random.getrandbits(32):08x}"
            payload = {"stage_id": room.stage_id, "text": f"Item {trial}", "client_id": client_id}
            answers = racer.race([(conn, "idea:submit", payload) for conn in consoles])
            stored = db.execute(
                "SELECT count(*) FROM idea WHERE workshop_id = ? AND client_id = ? "
                "AND participant_id IS NULL",
                (room.data["id"], client_id),
            ).fetchone()[0]
            ids = {answer["idea"]["id"] for answer in answers if answer.get("ok")}
            new = [answer for answer in answers if answer.get("ok") and not answer.get("duplicate")]
            if (
                stored == 1
                and len(ids) == 1
                and len(new) == 1
                and all(a.get("ok") for a in answers)
            ):
                held += 1
    return held


def internal_errors(acks: Sequence[dict[str, Any]]) -> int:
    return sum(
        1
        for answer in acks
        if not answer.get("ok") and (answer.get("error") or {}).get("code") == "internal_error"
    )


def record(
    figure: Callable[[str, str], None], guarantee: int, name: str, value: str, test: str
) -> None:
    """Print the figure with the run (the run's summary lists every figure; docs/security.md
    quotes them)."""
    figure(f"{name} (guarantee {guarantee})", value)


RACES: dict[str, tuple[Callable[[Setup, Racer], int], str]] = {
    "votes": (
        votes_race,
        "25 concurrent votes:set from one participant -> exactly one valid allocation",
    ),
    "phase": (phase_race, "two consoles moving the phase at once -> one legal transition"),
    "close": (close_race, "votes racing the move to rank -> none committed after the phase closed"),
    "cap": (cap_race, "the per-participant idea cap holds"),
    "client_id": (client_id_race, "one facilitator item per client_id"),
}


# --------------------------------------------------------------------------- threads


class ClientConn:
    def __init__(self, sock: SocketIOTestClient) -> None:
        self.sock = sock

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.sock.emit(event, payload, callback=True)
        self.sock.get_received()  # keep the client's inbox small
        return answer


@dataclass
class Threads:
    """The app in this process (threading mode) on one SQLite file; each racing thread
    handles its own event through the Socket.IO test client."""

    app: Flask
    client: FlaskClient
    db_path: Path
    name: str = "threads"
    acks: list[dict[str, Any]] = field(default_factory=list)
    socks: list[SocketIOTestClient] = field(default_factory=list)

    def create_workshop(self) -> dict[str, Any]:
        response = self.client.post("/api/workshops", json={"title": "Race Co"})
        assert response.status_code == 201, response.get_json()
        data: dict[str, Any] = response.get_json()
        return data

    def connect(self, index: int) -> Conn:
        sock = socketio.test_client(self.app, flask_test_client=self.client)
        self.socks.append(sock)
        return ClientConn(sock)

    def close(self) -> None:
        for sock in self.socks:
            if sock.is_connected():
                sock.disconnect()


@pytest.fixture(scope="module")
def threads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Threads]:
    folder = fast_dir(tmp_path_factory, "atomic")
    db_path = folder / "race.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "test-secret",
            # Tallies are coalesced; the races read the database, not the tallies.
            "TALLY_INTERVAL": 1.0,
            "PUBLIC_URL": "",
            **LOOSE_LIMITS,
        }
    )
    setup = Threads(app, app.test_client(), db_path)
    yield setup
    setup.close()
    app.extensions["workshop_db"].dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def racer(threads: Threads) -> Iterator[Racer]:
    racer = Racer(threads.acks)
    yield racer
    racer.close()


@pytest.mark.parametrize("race", list(RACES))
def test_races_hold_with_threads(
    race: str, threads: Threads, racer: Racer, figure: Callable[[str, str], None]
) -> None:
    run, name = RACES[race]
    racer.overlap()
    started = time.monotonic()
    held = run(threads, racer)
    seconds = time.monotonic() - started
    record(
        figure,
        4,
        f"{name} (threads)",
        f"{held} of {TRIALS} trials ({racer.overlap()}; {seconds:.1f} s)",
        f"test_atomic_writes::{race}",
    )
    assert held == TRIALS


def test_no_race_is_answered_internal_error_with_threads(
    threads: Threads, figure: Callable[[str, str], None]
) -> None:
    assert threads.acks, "run with the races above"
    count = internal_errors(threads.acks)
    record(
        figure,
        4,
        "internal_error answers to races (threads)",
        f"{count} of {len(threads.acks)} acks",
        "test_atomic_writes",
    )
    assert count == 0


# --------------------------------------------------------------------------- begin_write itself


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    yield engine
    engine.dispose()


def statements(engine: Any) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def test_begin_write_starts_the_transaction_with_begin_immediate(engine: Any) -> None:
    seen = statements(engine)
    with Session(engine) as db:
        begin_write(db)
        begin_write(db)  # a second call in the same transaction changes nothing
        db.execute(text("SELECT count(*) FROM t")).one()
    assert seen[:2] == ["BEGIN IMMEDIATE", "SELECT count(*) FROM t"]
    with Session(engine) as db:
        db.execute(text("SELECT count(*) FROM t")).one()
    assert seen[-2:] == ["BEGIN", "SELECT count(*) FROM t"]


def test_a_writer_waits_for_the_lock_and_readers_do_not(engine: Any) -> None:
    holder = Session(engine)
    begin_write(holder)
    holder.execute(text("INSERT INTO t VALUES (1)"))
    started = time.monotonic()
    with Session(engine) as db:  # a WAL reader: no lock, the last commit
        assert db.execute(text("SELECT count(*) FROM t")).scalar() == 0
    assert time.monotonic() - started < 0.5
    waited: list[float] = []

    def write() -> None:
        with Session(engine) as db:
            begun = time.monotonic()
            begin_write(db)
            waited.append(time.monotonic() - begun)
            db.execute(text("INSERT INTO t VALUES (2)"))
            db.commit()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.3)
    assert not waited
    holder.commit()
    holder.close()
    thread.join(timeout=10)
    assert waited and waited[0] >= 0.25
    with Session(engine) as db:
        assert db.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_begin_write_after_a_read_rereads_under_the_lock(engine: Any) -> None:
    seen = statements(engine)
    with Session(engine) as db:
        db.execute(text("SELECT count(*) FROM t")).one()
        begin_write(db)
        db.execute(text("INSERT INTO t VALUES (3)"))
        db.commit()
    assert seen == [
        "BEGIN",
        "SELECT count(*) FROM t",
        "BEGIN IMMEDIATE",
        "INSERT INTO t VALUES (3)",
    ]


def test_begin_write_after_a_write_is_a_programming_error(engine: Any) -> None:
    with Session(engine) as db:
        db.execute(text("INSERT INTO t VALUES (4)"))
        with pytest.raises(RuntimeError, match="before the first query"):
            begin_write(db)


def test_durability_settings_are_unchanged(engine: Any) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --------------------------------------------------------------------------- 0600


def test_a_new_database_file_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a usual umask: files would be 0644
    try:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                "SECRET_KEY": "x",
            }
        )
    finally:
        os.umask(previous)
    try:
        files = sorted(tmp_path.glob("new.sqlite3*"))
        assert {path.name for path in files} >= {
            "new.sqlite3",
            "new.sqlite3-wal",
            "new.sqlite3-shm",
        }
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        app.extensions["workshop_db"].dispose()


# --------------------------------------------------------------------------- migration 0007


def test_migration_0007_keeps_the_earliest_of_duplicated_facilitator_items(tmp_path: Path) -> None:
    """A database of 0006 with one facilitator item stored three times (the race of issue
    18) migrates: the earliest keeps its client_id, the copies give it up, and the index then
    refuses a fourth."""
    from sqlalchemy.exc import IntegrityError

    from tests.factories import Room as Workshop
    from tests.factories import ok

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
            "SECRET_KEY": "x",
            **LOOSE_LIMITS,
        }
    )
    engine = app.extensions["workshop_db"]
    try:
        room = Workshop.started(app, app.test_client())
        stage = room.stage_ids()["vision"]
        payload = {"stage_id": stage, "text": "Twice", "client_id": "dup"}
        first = ok(room.facilitator(), "idea:submit", payload)["idea"]["id"]
        room.close()
        downgrade(engine, "0006")
        with engine.begin() as connection:
            names = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(idea)")]
            copied = ", ".join(name for name in names if name != "id")
            for _ in range(2):
                connection.exec_driver_sql(
                    f"INSERT INTO idea ({copied}) SELECT {copied} FROM idea WHERE id = {first}"
                )
        upgrade(engine)
        with engine.begin() as connection:
            rows = connection.exec_driver_sql(
                "SELECT id, client_id FROM idea WHERE text = 'Twice' ORDER BY id"
            ).all()
            assert [tuple(row) for row in rows] == [
                (first, "dup"),
                (rows[1][0], None),
                (rows[2][0], None),
            ]
            index = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_idea_facilitator_client'"
            ).scalar()
            assert "WHERE participant_id IS NULL AND client_id IS NOT NULL" in index
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                f"INSERT INTO idea ({copied}) SELECT {copied} FROM idea WHERE id = {first}"
            )
        # The copies are items of their own still: nothing was deleted.
        with engine.begin() as connection:
            assert (
                connection.exec_driver_sql(
                    "SELECT count(*) FROM idea WHERE text = 'Twice'"
                ).scalar()
                == 3
            )
    finally:
        engine.dispose()


def test_a_facilitator_item_that_raced_past_the_check_gets_the_first_one(
    room: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the lock (PostgreSQL, or a caller that forgot begin_write) the check for an
    earlier item with the client_id can miss it; the partial unique index then refuses the
    insert and the answer is the first item, never internal_error."""
    from tests.factories import ok
    from workshop.activities import brainstorm

    console = room.facilitator()
    stage = room.stage_ids()["vision"]
    payload = {"stage_id": stage, "text": "Once", "client_id": "raced"}
    first = ok(console, "idea:submit", payload)["idea"]["id"]
    looked_up = brainstorm._by_client_id
    calls: list[int] = []

    def blind_first_time(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else looked_up(*args, **kwargs)

    monkeypatch.setattr(brainstorm, "_by_client_id", blind_first_time)
    answer = ok(console, "idea:submit", payload)
    assert answer["idea"]["id"] == first and answer["duplicate"] is True
    assert len(calls) == 2
    other = room.stage_ids()["goals"]
    calls.clear()
    refused = console.emit("idea:submit", {**payload, "stage_id": other}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "invalid_payload"
