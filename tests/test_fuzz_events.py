"""Guarantee 5 (Socket.IO): hypothesis sends at least 1,000 generated payloads to every client
event, as the role allowed to send it, in a workshop where the event applies (a stage parked in
every step kind, see tests/attack.py).

Payloads are generated from each event's payload model (`model_json_schema()`, with the
workshop's real ids, codes and secrets mixed in so many of them get past the shape checks) and
mixed with hostile shapes: wrong types, huge, negative and 5,000-digit numbers, deep nesting,
long strings, unicode (lone surrogates and NUL included), extra keys, missing keys, non-objects,
no payload at all, and packets whose JSON cannot be read. For every payload:
- an ack comes back, `{"ok": true, ...}` or an error whose code is in docs/api.md's error table,
  never `internal_error`;
- a refused payload commits nothing (SQLite's `data_version` seen from a connection of our own);
- the `workshop` loggers write no ERROR and no traceback, and at most one line per packet.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import websocket
from flask_socketio import SocketIOTestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.attack import (
    ANYONE,
    IDENTIFY,
    SOCKET_ROLES,
    UNTHROTTLED,
    CommitWatch,
    World,
    build_world,
    changed_tables,
    documented_error_codes,
    dump,
    emit,
    make_app,
    raw_emit,
)
from tests.server import LiveServer
from workshop import activities
from workshop.core import payloads as core_payloads
from workshop.extensions import socketio
from workshop.realtime import room_events
from workshop.realtime.events import CLIENT_EVENTS

PER_EVENT = 1000
WORKERS = max(1, min(2, os.cpu_count() or 1))

# Who sends each event, in the order they are fuzzed: the participants' events first, the
# console's after (merges, locks, removals, phase moves), `workshop:finish` last, so each
# event finds the workshop still where it applies. The events are dealt round-robin to the
# workers (even places to one, odd to the other): `join` comes after `join:unlock` in its
# worker, late, so the participants it creates do not weigh on every other event's broadcasts.
FUZZ_ORDER: list[tuple[str, str]] = [
    ("facilitate", "none"),
    ("present", "none"),
    ("idea:submit", "participant"),
    ("votes:set", "participant"),
    ("allocation:set", "participant"),
    ("rating:set", "participant"),
    ("ranking:set", "participant"),
    ("link:set", "participant"),
    ("suggestion:submit", "participant"),
    ("idea:edit", "participant"),
    ("idea:delete", "participant"),
    ("idea:submit", "facilitator"),
    ("idea:hide", "facilitator"),
    ("group:set", "facilitator"),
    ("idea:merge", "facilitator"),
    ("idea:unmerge", "facilitator"),
    ("link:confirm", "facilitator"),
    ("item:update", "facilitator"),
    ("idea:edit", "facilitator"),
    ("idea:update", "facilitator"),
    ("duplicate:dismiss", "facilitator"),
    ("timer:set", "facilitator"),
    ("timer:add", "facilitator"),
    ("timer:pause", "facilitator"),
    ("timer:resume", "facilitator"),
    ("timer:clear", "facilitator"),
    ("focus:set", "facilitator"),
    ("focus:clear", "facilitator"),
    ("results:reveal", "facilitator"),
    ("round:start", "facilitator"),
    ("join:unlock", "facilitator"),
    ("join:lock", "facilitator"),
    ("language", "participant"),
    ("workshop:language", "facilitator"),
    ("join", "none"),
    ("participant:remove", "facilitator"),
    ("idea:delete", "facilitator"),
    ("stage:phase", "facilitator"),
    ("workshop:finish", "facilitator"),
]

# Where each event applies: the kind of the stage whose ids it mostly gets, and the stage whose
# items are its parents (links point at the decided goals).
WHERE: dict[str, tuple[str, str | None]] = {
    "idea:submit": ("brainstorm", None),
    "idea:hide": ("brainstorm", None),
    "idea:merge": ("brainstorm", None),
    "idea:unmerge": ("brainstorm", None),
    "group:set": ("brainstorm", None),
    "votes:set": ("vote", None),
    "results:reveal": ("vote", None),
    "round:start": ("vote", None),
    "allocation:set": ("allocate", None),
    "rating:set": ("rate", None),
    "ranking:set": ("rank", None),
    "link:set": ("link", "define"),
    "link:confirm": ("link", "define"),
    "item:update": ("define", None),
    "suggestion:submit": ("define", None),
    "stage:phase": ("brainstorm", None),
    "idea:edit": ("brainstorm", None),
    "idea:update": ("categories", None),
    "idea:delete": ("brainstorm", None),
    "duplicate:dismiss": ("brainstorm", None),
    "timer:set": ("brainstorm", None),
    "timer:add": ("brainstorm", None),
    "timer:pause": ("brainstorm", None),
    "timer:resume": ("brainstorm", None),
    "timer:clear": ("brainstorm", None),
    "focus:set": ("vote", None),
}

# The payload models of the events the app answers itself (the activities declare theirs).
CORE_MODELS: dict[str, type[BaseModel]] = {
    "join": core_payloads.JoinPayload,
    "facilitate": core_payloads.FacilitatePayload,
    "present": core_payloads.PresentPayload,
    "stage:phase": core_payloads.StagePhasePayload,
    "results:reveal": core_payloads.StagePayload,
    "round:start": core_payloads.StagePayload,
    "idea:hide": core_payloads.IdeaHidePayload,
    "workshop:finish": core_payloads.EmptyPayload,
    "join:lock": core_payloads.EmptyPayload,
    "join:unlock": core_payloads.EmptyPayload,
    "participant:remove": room_events.ParticipantRemovePayload,
    "timer:set": core_payloads.TimerSetPayload,
    "timer:add": core_payloads.TimerAddPayload,
    "timer:pause": core_payloads.StagePayload,
    "timer:resume": core_payloads.StagePayload,
    "timer:clear": core_payloads.StagePayload,
    "focus:set": core_payloads.FocusSetPayload,
    "focus:clear": core_payloads.EmptyPayload,
    "language": core_payloads.LanguagePayload,
    "workshop:language": core_payloads.LanguagePayload,
}


def payload_model(event: str) -> type[BaseModel]:
    for _activity, spec in activities.events():
        if spec.name == event:
            model: type[BaseModel] = spec.payload
            return model
    return CORE_MODELS[event]


# --------------------------------------------------------------------------- what is sent


@dataclass(frozen=True)
class Raw:
    """Arguments written as JSON text by hand (what `json.dumps` cannot write)."""

    text: str


@dataclass(frozen=True)
class Nothing:
    """An event with no payload argument at all."""


HUGE_INTS = [
    0,
    -1,
    -(2**31),
    2**31,
    2**53 + 1,
    2**62,
    2**62 + 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**100,
    -(10**4299),
    10**4299,
]
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil",
    "\ufeff",
    "🙂" * 300,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%n",
    "\r\n\t",
    "\u03a9\u2248\u00e7\u221a\u222b\u02dc\u00b5",
    "\U0001d57f\U0001d58d\U0001d58a",
    "null",
    "1e999",
]
RAW_TOKENS = [
    "9" * 5000,
    "-" + "9" * 5000,
    "1" + "0" * 4300,
    "1e999999",
    "-1e400",
    "NaN",
    "-Infinity",
    "[" * 30_000 + "]" * 30_000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    "[" * 2000 + "]" * 2000,
    "tru",
    "'single'",
    "undefined",
    '"\\ud800"',
    '"\\u0000"',
    "0x10",
    "01",
    "+1",
    ".5",
    "",
]
RAW_WHOLE = [
    "",
    "{",
    '{"stage_id":}',
    "{'a': 1}",
    '{"a":1,}',
    "[1,2",
    '"unterminated',
    "[" * 60_000,
    "{}" * 3,
    "\x00",
]

SENTINEL = "\x01HOLE\x01"


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value: the wrong type for whatever key it lands in."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(HUGE_INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(NASTY_TEXT),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def long_strings() -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(["a", "é", "🙂", " ", "\x00", "<"]), st.integers(0, 12_000)
    ).map(lambda pair: pair[0] * pair[1])


def nested(depth: int) -> Any:
    value: Any = 1
    for n in range(depth):
        value = [value] if n % 2 else {"k": value}
    return value


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        json_values(),
        st.sampled_from(HUGE_INTS),
        st.integers(-(2**70), 2**70),
        long_strings(),
        st.sampled_from(NASTY_TEXT),
        st.text(),
        st.integers(1, 400).map(nested),
    )


@dataclass
class Hints:
    """The workshop's real ids and secrets, so generated payloads reach the services: the ids of
    the stage where the event applies come up most often (`focus`), any other id of the workshop
    next, then any integer."""

    stage_ids: list[int]
    idea_ids: list[int]
    participant_ids: list[int]
    strings: dict[str, list[str]] = field(default_factory=dict)
    focus_stage: list[int] = field(default_factory=list)
    focus_ideas: list[int] = field(default_factory=list)
    parent_ideas: list[int] = field(default_factory=list)

    def focus(self, stage_id: int | None, ideas: list[int], parents: list[int]) -> Hints:
        return replace(
            self,
            focus_stage=[stage_id] if stage_id is not None else [],
            focus_ideas=ideas,
            parent_ideas=parents,
        )

    def ids(self, name: str) -> list[list[int]]:
        """The real ids a key of this name takes, most likely first."""
        if name == "stage_id":
            return [self.focus_stage, self.stage_ids]
        if name in ("parent_ids", "links"):
            return [self.parent_ideas, self.idea_ids]
        if name in ("idea_id", "into", "idea_ids", "order", "votes", "points", "ratings"):
            return [self.focus_ideas, self.idea_ids]
        if name == "participant_id":
            return [self.participant_ids]
        return []

    def integer(
        self, name: str, minimum: int | None, maximum: int | None
    ) -> st.SearchStrategy[int]:
        edges = [value for value in (minimum, maximum, 0, 1) if value is not None]
        choices: list[st.SearchStrategy[int]] = []
        for weight, real in zip((3, 1), self.ids(name), strict=False):
            if real:
                choices += [st.sampled_from(real)] * weight
        choices += [st.integers(min_value=minimum, max_value=maximum), st.sampled_from(edges)]
        return st.one_of(*choices)

    def string(self, name: str, max_length: int | None, min_length: int) -> st.SearchStrategy[str]:
        top = max_length if max_length is not None else 300
        choices: list[st.SearchStrategy[str]] = [
            st.text(min_size=min_length, max_size=min(top, 40)),
            st.integers(max(0, top - 2), top + 2).map(lambda n: "x" * n),
        ]
        real = self.strings.get(name)
        if real:
            choices = [st.sampled_from(real), st.sampled_from(real), *choices]
        return st.one_of(*choices)

    def key(self, name: str) -> st.SearchStrategy[str]:
        """A key of an object whose keys the schema leaves open: ids written as strings (the
        votes, points, ratings and links) or field names (an item's fields)."""
        if name == "fields":
            real = st.sampled_from(self.strings["field"])
        else:
            ids = [idea for group in self.ids(name) for idea in group] or self.idea_ids
            real = st.sampled_from([str(idea) for idea in ids])
        return st.one_of(
            real,
            real,
            st.sampled_from(["0", "-1", "1.5", "abc", "", " 1", "1" * 30]),
            st.text(max_size=10),
        )


def from_schema(
    schema: dict[str, Any], defs: dict[str, Any], hints: Hints, name: str = ""
) -> st.SearchStrategy[Any]:
    """A strategy for values that fit (or nearly fit) one JSON schema node."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[1]], defs, hints, name)
    if "anyOf" in schema:
        return st.one_of(*(from_schema(option, defs, hints, name) for option in schema["anyOf"]))
    kind = schema.get("type")
    if kind == "integer":
        return hints.integer(name, schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        return hints.string(name, schema.get("maxLength"), schema.get("minLength", 0))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        top = schema.get("maxItems", 10)
        items = from_schema(schema.get("items", {}), defs, hints, name)
        at_bound = st.tuples(items, st.integers(top, top + 1)).map(lambda pair: [pair[0]] * pair[1])
        return st.one_of(st.lists(items, max_size=min(top, 6)), at_bound)
    if kind == "object" and "properties" in schema:
        properties = {
            key: from_schema(value, defs, hints, key) for key, value in schema["properties"].items()
        }
        required = {key: properties[key] for key in schema.get("required", [])}
        optional = {key: value for key, value in properties.items() if key not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "object":
        extra = schema.get("additionalProperties", True)
        values = (
            from_schema(extra, defs, hints, name) if isinstance(extra, dict) else json_values(4)
        )
        return st.dictionaries(hints.key(name), values, max_size=6)
    return json_values(4)


def payloads(model: type[BaseModel], hints: Hints) -> st.SearchStrategy[Any]:
    """Payloads for one event: the model's shape, and that shape broken every way we know."""
    schema = model.model_json_schema()
    shaped = from_schema(schema, schema.get("$defs", {}), hints)
    keys = list(schema.get("properties", {}))

    target = st.sampled_from(keys or ["x"])

    def wrong_value(parts: tuple[dict[str, Any], str, Any]) -> dict[str, Any]:
        value, key, bad = parts
        return {**value, key: bad}

    def missing_key(parts: tuple[dict[str, Any], str]) -> dict[str, Any]:
        value, gone = parts
        return {key: item for key, item in value.items() if key != gone}

    def raw_hole(parts: tuple[dict[str, Any], str, str]) -> Raw:
        value, key, token = parts
        text = json.dumps({**value, key: SENTINEL})
        return Raw(text.replace(json.dumps(SENTINEL), token))

    extra_keys = st.dictionaries(st.text(max_size=12), json_values(4), min_size=1, max_size=5)
    return st.one_of(
        shaped,
        shaped,
        st.tuples(shaped, target, hostile_values()).map(wrong_value),
        st.tuples(shaped, target).map(missing_key),
        st.tuples(shaped, extra_keys).map(lambda pair: {**pair[1], **pair[0]}),
        json_values().map(lambda value: [value] if isinstance(value, dict) else value),
        hostile_values(),
        st.tuples(shaped, target, st.sampled_from(RAW_TOKENS)).map(raw_hole),
        st.sampled_from(RAW_WHOLE).map(Raw),
        st.just(Nothing()),
    )


# --------------------------------------------------------------------------- one worker

BATCH = 10
"""Payloads per hypothesis example: its engine costs about 2 ms an example, a payload through
the real handler about 2 ms, so ten to an example keep the generation from doubling the time."""


class Records(logging.Handler):
    """Everything the `workshop` loggers write while the fuzz runs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Result:
    """What one (event, role) got: payloads tried, refused and accepted, and what went wrong."""

    event: str
    role: str
    refused: int = 0
    accepted: int = 0
    problems: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0

    @property
    def tried(self) -> int:
        return self.refused + self.accepted


@dataclass
class Fuzzer:
    """One app, one workshop, one connection per role; events fuzzed one after the other."""

    world: World
    watch: CommitWatch
    records: Records
    hints: Hints
    documented: set[str]
    socks: dict[str, SocketIOTestClient] = field(default_factory=dict)

    def sock(self, role: str) -> SocketIOTestClient:
        current = self.socks.get(role)
        if current is None or not current.is_connected():
            opener: dict[str, Callable[[], SocketIOTestClient]] = {
                "none": self.world.connect,
                "participant": self.world.participant,
                "facilitator": self.world.facilitator,
            }
            current = self.socks[role] = opener[role]()
        return current

    def run(self, event: str, role: str) -> Result:
        result = Result(event, role)
        self.prepare(event)
        kind, parents = WHERE.get(event, (None, None))
        world = self.world
        hints = self.hints.focus(
            world.stages[kind] if kind else None,
            world.ideas[kind] if kind else [],
            world.ideas[parents] if parents else [],
        )
        strategy = st.lists(payloads(payload_model(event), hints), min_size=BATCH, max_size=BATCH)
        before = dump(self.world.app)
        started = time.process_time()

        @settings(
            max_examples=PER_EVENT // BATCH,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def send(batch: list[Any]) -> None:
            for payload in batch:
                self.one(result, payload)

        send()
        self.reset(event)
        result.cpu_seconds = time.process_time() - started
        if result.accepted == 0:
            # Nothing accepted: the whole run must have left every table as it found it.
            changed = changed_tables(before, dump(self.world.app))
            if changed:
                result.problems.append(f"every payload refused, yet {changed} changed")
        return result

    def prepare(self, event: str) -> None:
        """Bring the workshop to where the event applies: a revealed vote for `round:start`,
        a merge to undo for `idea:unmerge`."""
        console = self.sock("facilitator")
        ideas = self.world.ideas["brainstorm"]
        if event == "round:start":
            emit(console, "results:reveal", {"stage_id": self.world.stages["vote"]})
        if event == "idea:unmerge":
            emit(console, "idea:merge", {"idea_ids": [ideas[3]], "into": ideas[2]})

    def reset(self, event: str) -> None:
        """Undo what would keep later events from applying: hidden ideas are shown again."""
        if event == "idea:hide":
            console = self.sock("facilitator")
            for ideas in self.world.ideas.values():
                for idea in ideas:
                    emit(console, "idea:hide", {"idea_id": idea, "hidden": False})

    def one(self, result: Result, payload: Any) -> None:
        sock = self.sock(result.role)
        self.watch.committed()
        logged = len(self.records.records)
        answer = deliver(sock, result.event, payload)
        committed = self.watch.committed()
        if isinstance(answer, dict) and answer.get("ok") is True:
            result.accepted += 1
        else:
            result.refused += 1
        problem = check(answer, committed, self.documented)
        lines = self.records.records[logged:]
        if any(record.levelno >= logging.ERROR or record.exc_info for record in lines):
            problem = problem or f"logged an error: {lines[-1].getMessage()[:200]}"
        if len(lines) > 1:
            problem = problem or f"{len(lines)} log lines for one packet"
        if problem is not None and len(result.problems) < 50:
            result.problems.append(f"{_short(payload)}: {problem}")


def deliver(sock: SocketIOTestClient, event: str, payload: Any) -> Any:
    if isinstance(payload, Raw):
        return raw_emit(sock, event, payload.text)
    if isinstance(payload, Nothing):
        sock.acks = None
        return sock.emit(event, callback=True)
    return emit(sock, event, payload)


def check(answer: Any, committed: bool, documented: set[str]) -> str | None:
    """What is wrong with one answer, or None."""
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        return f"no ack (got {answer!r:.200})"
    if answer["ok"]:
        return None
    error = answer.get("error")
    if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
        return f"malformed error {answer!r:.200}"
    code = error["code"]
    if code == "internal_error":
        return "internal_error"
    if code not in documented:
        return f"undocumented error code {code!r}"
    if committed:
        return f"refused ({code}) yet committed a write"
    return None


def fuzz_events(pairs: list[tuple[str, str]], directory: str) -> list[Result]:
    """Fuzz each (event, role) in order on a workshop of this worker's own (run in a child
    process, one per core)."""
    database = Path(directory) / "fuzz.sqlite3"
    app = make_app(database)
    world = build_world(app, app.test_client())
    # Hypothesis collects garbage before each run; with the app's objects frozen out of the
    # collector's view that costs milliseconds, not most of a second per event.
    gc.freeze()
    records = Records()
    logger = logging.getLogger("workshop")
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    fuzzer = Fuzzer(
        world, CommitWatch(database), records, hints_for(world), documented_error_codes()
    )
    try:
        return [fuzzer.run(event, role) for event, role in pairs]
    finally:
        logger.removeHandler(records)
        fuzzer.watch.close()
        world.close()
        app.extensions["workshop_db"].dispose()


def hints_for(world: World) -> Hints:
    stage_ids = sorted(world.stages.values())
    return Hints(
        stage_ids=[*stage_ids, stage_ids[-1] + 1],
        idea_ids=sorted({idea for ideas in world.ideas.values() for idea in ideas}),
        participant_ids=[world.participant_id, world.removed_id, world.participant_id + 1000],
        strings={
            "code": [world.room.code, world.room.code.lower(), world.other.code],
            "workshop_id": [world.room.id, world.other.id],
            "key": [world.key, world.other.key, world.participant_token],
            "token": [world.participant_token, world.projector_token, world.key, world.other_token],
            "phase": ["brainstorm", "vote", "allocate", "rate", "rank", "done", "link", "define"],
            # The goals (the define stage) have text and metrics; the rest are other levels'.
            "field": ["text", "text", "text", "metrics", "owner", "outcome", "due", "approach"],
        },
    )


# --------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Result]:
    """Every (event, role) fuzzed, split over two worker processes (two cores), each with its
    own app and workshop; the SQLite files live in /dev/shm when there is one (a real database,
    without the disk's fsync on the accepted payloads)."""
    workers = WORKERS
    shards = [FUZZ_ORDER[n::workers] for n in range(workers)]
    directories = []
    for n in range(workers):
        directory = tmp_path_factory.mktemp(f"fuzz{n}")
        if Path("/dev/shm").is_dir():
            directory = Path(tempfile.mkdtemp(prefix="fuzz-", dir="/dev/shm"))
        directories.append(directory)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(fuzz_events, shard, str(directory))
                for shard, directory in zip(shards, directories, strict=True)
            ]
            done = [result for future in futures for result in future.result()]
    finally:
        for directory in directories:
            if str(directory).startswith("/dev/shm/"):
                shutil.rmtree(directory, ignore_errors=True)
    return {(result.event, result.role): result for result in done}


def test_every_event_is_fuzzed_as_every_role_that_may_send_it(tmp_path: Path) -> None:
    app = make_app(tmp_path / "events.sqlite3")
    registered = (set(socketio.server.handlers["/"]) | set(CLIENT_EVENTS)) - {
        "*",
        "connect",
        "disconnect",
    }
    app.extensions["workshop_db"].dispose()
    fuzzed = {event for event, _role in FUZZ_ORDER}
    assert registered - fuzzed == set(), "events nobody fuzzes"
    for event in registered:
        roles = SOCKET_ROLES[event]
        wanted = {"none"} if roles == IDENTIFY else set(roles)
        if roles == ANYONE:
            # Anyone may send it; fuzzed from a joined phone (a console sends the same).
            wanted = {"participant"}
        assert {role for name, role in FUZZ_ORDER if name == event} == wanted, event


@pytest.mark.parametrize(("event", "role"), FUZZ_ORDER, ids=[f"{e}-{r}" for e, r in FUZZ_ORDER])
def test_fuzz_event(
    results: dict[tuple[str, str], Result],
    event: str,
    role: str,
    figure: Callable[[str, str], None],
) -> None:
    """At least 1,000 payloads; an ack for each; documented codes only; refusals write nothing;
    no error and no traceback logged."""
    result = results[(event, role)]
    figure(
        f"fuzz {event} as {role}",
        f"{result.tried} payloads ({result.refused} refused, {result.accepted} accepted), "
        f"{result.cpu_seconds:.1f} s CPU",
    )
    assert result.problems == [], f"{event} as {role}:\n" + "\n".join(result.problems[:25])
    assert result.tried >= PER_EVENT


def test_fuzz_total(
    results: dict[tuple[str, str], Result], figure: Callable[[str, str], None]
) -> None:
    total = sum(result.tried for result in results.values())
    events = {event for event, _role in results}
    cpu = sum(result.cpu_seconds for result in results.values())
    figure(
        "fuzz total",
        f"{total} payloads to {len(events)} events ({len(results)} event-role pairs), "
        f"{cpu:.0f} s CPU in {WORKERS} worker processes",
    )
    assert all(result.tried >= PER_EVENT for result in results.values())


def _short(payload: Any) -> str:
    text = payload.text if isinstance(payload, Raw) else repr(payload)
    return text if len(text) <= 160 else f"{text[:120]}… ({len(text)} chars)"


# --------------------------------------------------------------------------- the real server


ACK_WAIT = 2.0


class Wire:
    """A raw Socket.IO client over a real websocket: frames are written by hand, so a frame
    can carry what no client library would send."""

    def __init__(self, port: int) -> None:
        self.closed = False
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=ACK_WAIT
        )
        assert str(self.ws.recv()).startswith("0")  # Engine.IO open
        self.ws.send("40")
        assert str(self.recv()).startswith("40")  # Socket.IO connect
        self.counter = 0

    def recv(self) -> str:
        while True:
            frame = str(self.ws.recv())
            if frame == "2":  # the server's ping
                self.ws.send("3")
                continue
            return frame

    def call(self, event: str, json_args: str | None) -> Any:
        """Send `42<id>["event",<args>]` and return the ack's first argument: None when the
        server closed the connection instead, or sent no ack within ACK_WAIT seconds (its pings
        keep coming, so the socket's own timeout would never fire)."""
        self.counter += 1
        name = json.dumps(event)
        body = f"[{name}]" if json_args is None else f"[{name},{json_args}]"
        try:
            self.ws.send(f"42{self.counter}{body}")
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            self.closed = True
            return None
        prefix = f"43{self.counter}"
        deadline = time.monotonic() + ACK_WAIT
        while time.monotonic() < deadline:
            try:
                frame = self.recv()
            except websocket.WebSocketTimeoutException:
                return None
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                self.closed = True
                return None
            if frame.startswith(prefix + "["):
                return json.loads(frame[len(prefix) :])[0]
        return None

    def close(self) -> None:
        self.ws.close()


def hostile_frames(event: str) -> list[str | None]:
    """The arguments no JSON library writes, each in a frame of its own, for one event: every
    raw token in the place of each of the model's keys, every unreadable text, non-objects,
    and no payload at all. Each frame stays under the 64 KB message limit."""
    keys = list(payload_model(event).model_json_schema().get("properties", {})) or ["x"]
    frames: list[str | None] = [None, "null", "[]", "1", '"text"', "true", "[{}]"]
    frames += RAW_WHOLE
    for key in keys:
        frames += [f"{{{json.dumps(key)}:{token}}}" for token in RAW_TOKENS]
    return frames


def test_hostile_frames_on_the_real_server(
    tmp_path: Path, figure: Callable[[str, str], None]
) -> None:
    """The frames the test client cannot carry, sent over a real websocket to `python app.py`
    (eventlet): every one acked with a documented code, never internal_error; the server's log
    has no ERROR and no traceback, and at most one line per frame."""
    documented = documented_error_codes()
    env = {name: str(value) for name, value in UNTHROTTLED.items()}
    problems: list[str] = []
    sent = 0
    with LiveServer(tmp_path / "wire.sqlite3", env=env) as server:
        base = f"http://127.0.0.1:{server.port}"
        request = urllib.request.Request(
            f"{base}/api/workshops",
            data=json.dumps({"title": "Wire Co"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            created = json.loads(response.read())
        before = server.output()
        token: list[str] = []

        def identified(role: str) -> Wire:
            """A fresh connection speaking as `role`: each event's frames get their own, so no
            connection sits idle through the other events' frames past the ping window."""
            wire = Wire(server.port)
            if role == "participant":
                args = {"code": created["code"], **({"token": token[0]} if token else {})}
                joined = wire.call("join", json.dumps(args))
                assert joined["ok"], joined
                token[:] = [joined["token"]]
            elif role == "facilitator":
                opened = wire.call(
                    "facilitate",
                    json.dumps({"workshop_id": created["id"], "key": created["facilitator_key"]}),
                )
                assert opened["ok"], opened
            return wire

        for event, role in FUZZ_ORDER:
            wire = identified(role)
            for frame in hostile_frames(event):
                answer = wire.call(event, frame)
                sent += 1
                problem = check(answer, False, documented)
                if problem is not None and len(problems) < 50:
                    problems.append(f"{event} as {role} {_short(Raw(frame or ''))}: {problem}")
                if wire.closed:
                    wire = identified(role)
            wire.close()
        log = server.output()[len(before) :]
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    figure(
        "hostile frames on the real server",
        f"{sent} frames to {len(FUZZ_ORDER)} event-role pairs, "
        f"{len(lines)} log lines, {len(errors)} errors",
    )
    assert problems == [], "\n".join(problems)
    assert errors == [], "\n".join(errors[:20])
    assert len(lines) <= sent
