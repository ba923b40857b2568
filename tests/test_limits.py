"""Rate limits and payload bounds: the pure token buckets, and the edge that applies them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pydantic import BaseModel
from sqlalchemy import event

from tests import apps
from tests.factories import Room, ack
from workshop import activities
from workshop.core import payloads
from workshop.core.ratelimit import Buckets, RateLimited

# --------------------------------------------------------------------------- Buckets (pure)


def test_a_full_bucket_allows_its_burst_then_refuses() -> None:
    buckets = Buckets(rate=20, burst=40)
    assert all(buckets.take("sid", now=0.0) for _ in range(40))
    assert buckets.take("sid", now=0.0) is False
    assert buckets.take("sid", now=0.0) is False


def test_tokens_come_back_at_the_rate() -> None:
    buckets = Buckets(rate=20, burst=40)
    for _ in range(40):
        buckets.take("sid", now=0.0)
    assert buckets.take("sid", now=0.04) is False  # 0.8 of a token
    assert buckets.take("sid", now=0.05) is True  # one token
    assert buckets.take("sid", now=0.05) is False
    # Half a second later: 10 more.
    assert sum(buckets.take("sid", now=0.55) for _ in range(20)) == 10


def test_a_refused_take_costs_nothing() -> None:
    """Hammering an empty bucket does not push the next allowed event further away."""
    buckets = Buckets(rate=1, burst=1)
    assert buckets.take("k", now=0.0)
    for step in range(1, 100):
        assert buckets.take("k", now=step / 100) is False
    assert buckets.take("k", now=1.0) is True


def test_in_debt_a_client_that_keeps_sending_gets_nothing_through() -> None:
    buckets = Buckets(rate=10, burst=5, debt=True)
    assert sum(buckets.take("k", now=0.0) for _ in range(5)) == 5
    # 100 events a second for two seconds: refused all along (each refusal costs a token).
    assert not any(buckets.take("k", now=i / 100) for i in range(1, 200))
    assert buckets.retry_after("k", now=2.0) == pytest.approx(0.59, abs=0.002)  # from -4.9 up to 1
    assert buckets.take("k", now=2.6) is True


def test_waiting_retry_after_in_debt_is_enough() -> None:
    buckets = Buckets(rate=2, burst=2, debt=True)
    buckets.take("k", now=0.0)
    buckets.take("k", now=0.0)
    assert buckets.take("k", now=0.0) is False
    wait = buckets.retry_after("k", now=0.0)
    assert wait == pytest.approx(1.0)
    assert buckets.take("k", now=wait) is True


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    buckets = Buckets(rate=100, burst=3)
    buckets.take("k", now=0.0)
    allowed = sum(buckets.take("k", now=3600.0) for _ in range(10))
    assert allowed == 3


def test_keys_are_independent() -> None:
    buckets = Buckets(rate=1, burst=2)
    assert buckets.take("a", now=0.0) and buckets.take("a", now=0.0)
    assert buckets.take("a", now=0.0) is False
    assert buckets.take("b", now=0.0) is True
    assert buckets.take(("10.0.0.1", 1), now=0.0) is True


@pytest.mark.parametrize(
    ("taken", "at", "expected"),
    [
        (0, 0.0, 0.0),  # untouched: now
        (2, 0.0, 0.5),  # empty: one token at rate 2
        (2, 0.25, 0.25),
        (2, 0.5, 0.0),
        (1, 0.0, 0.0),  # one left
    ],
)
def test_retry_after_says_when_the_next_token_comes(taken: int, at: float, expected: float) -> None:
    buckets = Buckets(rate=2, burst=2)
    for _ in range(taken):
        buckets.take("k", now=0.0)
    assert buckets.retry_after("k", now=at) == pytest.approx(expected)


def test_waiting_retry_after_is_always_enough() -> None:
    buckets = Buckets(rate=3, burst=1)
    buckets.take("k", now=0.0)
    wait = buckets.retry_after("k", now=0.1)
    assert wait > 0
    assert buckets.take("k", now=0.1 + wait) is True


def test_retry_after_does_not_create_a_key() -> None:
    buckets = Buckets(rate=1, burst=1)
    assert buckets.retry_after("ghost", now=0.0) == 0.0
    assert len(buckets) == 0


def test_the_oldest_keys_are_dropped_beyond_max_keys() -> None:
    buckets = Buckets(rate=1, burst=1, max_keys=3)
    for key in "abc":
        assert buckets.take(key, now=0.0)
    assert buckets.take("a", now=0.0) is False  # "a" is now the most recently used
    assert buckets.take("d", now=0.0)  # drops "b", the least recently used
    assert len(buckets) == 3
    assert buckets.take("b", now=0.0) is True  # forgotten: a full bucket again (drops "c")
    assert buckets.take("a", now=0.0) is False  # still remembered


def test_forget_gives_a_key_a_full_bucket() -> None:
    buckets = Buckets(rate=1, burst=1)
    buckets.take("k", now=0.0)
    buckets.forget("k")
    buckets.forget("never-seen")
    assert buckets.take("k", now=0.0) is True


def test_a_clock_going_backwards_refills_nothing() -> None:
    buckets = Buckets(rate=1, burst=1)
    buckets.take("k", now=10.0)
    assert buckets.take("k", now=5.0) is False


def test_without_now_the_monotonic_clock_is_used() -> None:
    buckets = Buckets(rate=1000, burst=1)
    assert buckets.take("k") is True
    assert 0.0 <= buckets.retry_after("k") <= 0.001


@pytest.mark.parametrize(
    ("rate", "burst", "max_keys"), [(0, 1, 10), (-1, 1, 10), (1, 0, 10), (1, 1, 0)]
)
def test_nonsense_settings_are_refused(rate: float, burst: float, max_keys: int) -> None:
    with pytest.raises(ValueError):
        Buckets(rate, burst, max_keys=max_keys)


def test_300_phones_behind_one_nat_join_within_a_minute_at_the_default_join_limit() -> None:
    """JOIN_RATE 5 / JOIN_BURST 300: 300 joins spread evenly over 60 s all pass."""
    buckets = Buckets(rate=5, burst=60)
    assert all(buckets.take("nat", now=i * 60 / 300) for i in range(300))


def test_rate_limited_carries_retry_after() -> None:
    error = RateLimited(0.25)
    assert error.code == "rate_limited"
    assert error.http_status == 429
    assert error.as_payload() == {
        "code": "rate_limited",
        "message": error.message,
        "retry_after": 0.25,
    }


# --------------------------------------------------------------------------- the edge (in process)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    seen: list[str] = []
    engine = app.extensions["workshop_db"]

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


HUGE_VOTES = {"stage_id": 1, "votes": {str(n): 1 for n in range(499)}, "pad": "x" * 50_000}


def test_an_unjoined_socket_is_refused_before_its_payload_is_read(app: Flask, room: Room) -> None:
    sock = room.connect()
    with statements(app) as seen:
        answer = ack(sock, "votes:set", HUGE_VOTES)
        malformed = ack(sock, "votes:set", {"stage_id": "not a number", "votes": []})
    assert answer["error"]["code"] == "not_joined"
    assert malformed["error"]["code"] == "not_joined"  # the payload was never parsed
    assert seen == []


def test_the_wrong_role_is_refused_before_its_payload_is_read(app: Flask, room: Room) -> None:
    phone = room.participant("Ana")
    screen = room.projector()
    with statements(app) as seen:
        assert ack(phone.sock, "stage:phase", {"stage_id": []})["error"]["code"] == "forbidden"
        assert ack(screen, "votes:set", HUGE_VOTES)["error"]["code"] == "forbidden"
        assert ack(screen, "idea:submit", "not an object")["error"]["code"] == "forbidden"
    assert seen == []


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[Flask]:
    """An app with tight limits, so a test reaches them with a few events."""
    app = apps.make_app(
        tmp_path / "strict.sqlite3",
        EVENT_RATE=2.0,
        EVENT_BURST=5.0,
        JOIN_RATE=0.5,
        JOIN_BURST=3.0,
    )
    yield app
    app.extensions["workshop_db"].dispose()


@pytest.fixture
def strict_room(strict: Flask) -> Iterator[Room]:
    room = Room.started(strict, strict.test_client())
    yield room
    room.close()


def test_a_burst_beyond_the_limit_is_answered_rate_limited_without_database_work(
    strict: Flask, strict_room: Room
) -> None:
    phone = strict_room.participant("Ana")
    other = strict_room.participant("Ben")
    answers = [ack(phone.sock, "no:such:event") for _ in range(4)]  # its join took the fifth
    assert [a["error"]["code"] for a in answers] == ["unknown_event"] * 4
    with statements(strict) as seen:
        refused = ack(phone.sock, "idea:submit", {"stage_id": 1, "text": "An idea"})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "rate_limited"
    assert 0 < refused["error"]["retry_after"] <= 1.0  # one token, and the refusal's debt
    assert seen == []
    # The other phone is not affected, nor the limited one's connection.
    assert ack(other.sock, "no:such:event")["error"]["code"] == "unknown_event"
    assert other.sock.is_connected() and phone.sock.is_connected()
    time.sleep(refused["error"]["retry_after"])
    assert ack(phone.sock, "no:such:event")["error"]["code"] == "unknown_event"


def test_one_participant_on_many_sockets_shares_one_budget(strict_room: Room) -> None:
    phone = strict_room.participant("Ana")
    twins = [strict_room.connect() for _ in range(2)]
    for twin in twins:
        assert ack(twin, "join", {"code": strict_room.code, "token": phone.token})["ok"]
    codes = [ack(sock, "votes:set", {}) for sock in (phone.sock, *twins) for _ in range(3)]
    assert sum(a["error"]["code"] == "rate_limited" for a in codes) >= 9 - 5 - 2


def test_a_flooding_connection_is_closed_and_its_token_cools_down(strict_room: Room) -> None:
    phone = strict_room.participant("Ana")
    sent = 0
    while phone.sock.is_connected() and sent < 100:
        ack(phone.sock, "no:such:event")
        sent += 1
    assert not phone.sock.is_connected()
    assert sent == 4 + 10 * 5  # its join took the fifth token; 50 refusals close it
    again = ack(strict_room.connect(), "join", {"code": strict_room.code, "token": phone.token})
    assert again["error"]["code"] == "rate_limited"
    assert 9 < again["error"]["retry_after"] <= 10
    # Someone else on the same address is not affected.
    assert ack(strict_room.connect(), "join", {"code": strict_room.code, "name": "Ben"})["ok"]


def test_joins_without_a_token_are_limited_per_address_and_resuming_is_not(
    strict_room: Room,
) -> None:
    first = strict_room.participant("First")  # the room's own joins took none: one of three
    ack(strict_room.connect(), "join", {"code": strict_room.code, "name": "Second"})
    ack(strict_room.connect(), "join", {"code": strict_room.code, "name": "Third"})
    refused = ack(strict_room.connect(), "join", {"code": strict_room.code, "name": "Fourth"})
    assert refused["error"]["code"] == "rate_limited"
    assert 0 < refused["error"]["retry_after"] <= 2.0
    resumed = ack(strict_room.connect(), "join", {"code": strict_room.code, "token": first.token})
    assert resumed["ok"] is True, resumed


def test_wrong_tokens_are_limited_per_address(strict_room: Room) -> None:
    first = strict_room.participant("First")
    for n in range(3):
        bad = ack(strict_room.connect(), "join", {"code": strict_room.code, "token": f"bad{n}"})
        assert bad["error"]["code"] == "invalid_token"
    refused = ack(strict_room.connect(), "join", {"code": strict_room.code, "token": "bad"})
    assert refused["error"]["code"] == "rate_limited"
    assert refused["error"]["retry_after"] > 0
    # A good token behind the same address (a phone on the room's NAT) still resumes.
    with statements(strict_room.app) as seen:
        good = ack(strict_room.connect(), "join", {"code": strict_room.code, "token": first.token})
    assert good["ok"] is True, good
    assert not any(statement.lstrip().upper().startswith("BEGIN IMMEDIATE") for statement in seen)


def test_present_takes_the_projector_token_or_the_facilitator_key(room: Room) -> None:
    token = room.projector_token
    by_token = ack(room.connect(), "present", {"workshop_id": room.id, "token": token})
    by_key = ack(room.connect(), "present", {"workshop_id": room.id, "key": room.key})
    assert by_token["ok"] and by_key["ok"]
    assert by_token["state"]["audience"] == by_key["state"]["audience"] == "projector"
    wrong = ack(room.connect(), "present", {"workshop_id": room.id, "token": "x" * 32})
    assert wrong["error"]["code"] == "unauthorized"
    neither = ack(room.connect(), "present", {"workshop_id": room.id})
    assert neither["error"]["code"] == "invalid_payload"


# --------------------------------------------------------------------------- payload bounds


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [
        value
        for value in vars(payloads).values()
        if isinstance(value, type) and issubclass(value, payloads.Payload)
    ]
    for _activity, spec in activities.events():
        found.append(spec.payload)
    return sorted(set(found), key=lambda model: model.__name__)


def _unbounded(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    """Every string, array, object and integer in a JSON schema without an upper bound."""
    if "$ref" in schema:
        return _unbounded(defs[schema["$ref"].split("/")[-1]], defs, path)
    missing: list[str] = []
    for key in ("anyOf", "allOf", "oneOf"):
        for part in schema.get(key, []):
            missing += _unbounded(part, defs, path)
    kind = schema.get("type")
    if kind == "string" and "maxLength" not in schema and "enum" not in schema:
        missing.append(path)
    if kind == "integer" and "maximum" not in schema:
        missing.append(path)
    if kind == "array":
        if "maxItems" not in schema:
            missing.append(path)
        missing += _unbounded(schema.get("items", {}), defs, path + "[]")
    if kind == "object":
        if "additionalProperties" in schema:
            if "maxProperties" not in schema:
                missing.append(path)
            names = schema.get("propertyNames", {})
            if names.get("type") == "string" and "maxLength" not in names:
                missing.append(path + "{key}")
            extra = schema["additionalProperties"]
            if isinstance(extra, dict):
                missing += _unbounded(extra, defs, path + "{}")
        for name, part in schema.get("properties", {}).items():
            missing += _unbounded(part, defs, f"{path}.{name}")
    return missing


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_every_string_list_mapping_and_number_of_every_payload_is_bounded(
    model: type[BaseModel],
) -> None:
    schema = model.model_json_schema()
    assert _unbounded(schema, schema.get("$defs", {}), model.__name__) == []


@pytest.mark.parametrize(
    "value",
    [
        [[[[[["too deep"]]]]]],
        list(range(51)),
        {f"k{n}": n for n in range(51)},
        "x" * 2001,
        10**16,
        {"k" * 65: 1},
    ],
    ids=["deep", "long list", "big object", "long text", "big number", "long key"],
)
def test_an_item_field_beyond_its_json_bounds_is_invalid(value: Any) -> None:
    from workshop.activities.define import ItemUpdatePayload
    from workshop.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        payloads.parse(ItemUpdatePayload, {"idea_id": 1, "fields": {"metrics": value}})
    assert caught.value.code == "invalid_payload"
