"""The Socket.IO JSON codec (`workshop/realtime/codec.py`): plain JSON for plain values, and a
shared snapshot serialised once with each phone's `me` spliced in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import Room, ok
from tests.test_events import drain, inbox, me_of, phase, settle, submit
from workshop.realtime import codec
from workshop.realtime.codec import Shared, WithMe

SNAPSHOT: dict[str, Any] = {
    "version": 2,
    "audience": "participant",
    "workshop": {"id": "3f9c", "title": "Acme «2030» ✓", "status": "active"},
    "stages": [{"id": 1, "ideas": [{"id": 4, "text": 'Say "hi"\n'}], "shortlist": []}],
    "plan": None,
}
ME: dict[str, Any] = {"id": 9, "name": "Ana", "ideas": [4], "votes": {"1": {"4": 2}}}


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -3.5,
        'text with "quotes" and ünïcode ✓',
        [],
        {},
        ["state", {"a": 1}],
        ["tally", {"stage_id": 3, "totals": {"4": 2}}, None],
        {"nested": [{"deep": [1, 2, {"x": None}]}]},
        SNAPSHOT,
    ],
)
def test_plain_values_are_plain_json(value: Any) -> None:
    assert codec.dumps(value) == json.dumps(value)
    assert codec.dumps(value, separators=(",", ":")) == json.dumps(value, separators=(",", ":"))
    assert codec.loads(codec.dumps(value)) == value


def test_loads_is_json_loads() -> None:
    text = json.dumps(SNAPSHOT)
    assert codec.loads(text) == json.loads(text)
    assert codec.loads(text.encode()) == SNAPSHOT


def test_a_shared_object_is_serialised_once_and_sent_as_is() -> None:
    shared = Shared(SNAPSHOT)
    assert json.loads(shared.encoded) == SNAPSHOT
    assert codec.dumps(shared) == shared.encoded
    assert json.loads(codec.dumps(["state", shared])) == ["state", SNAPSHOT]


def test_a_shared_object_cannot_be_empty() -> None:
    with pytest.raises(ValueError):
        Shared({})


def test_with_me_decodes_to_the_snapshot_plus_me() -> None:
    packet = ["state", WithMe(Shared(SNAPSHOT), ME)]
    decoded = json.loads(codec.dumps(packet, separators=(",", ":")))
    assert decoded == ["state", {**SNAPSHOT, "me": ME}]
    assert list(decoded[1])[-1] == "me"
    assert WithMe(Shared(SNAPSHOT), ME).as_dict() == {**SNAPSHOT, "me": ME}


def test_many_phones_share_one_serialisation() -> None:
    shared = Shared(SNAPSHOT)
    mes = [{**ME, "id": n, "name": None if n % 2 else f"P{n}"} for n in range(5)]
    packets = [codec.dumps(["state", WithMe(shared, me)]) for me in mes]
    for packet, me in zip(packets, mes, strict=True):
        assert json.loads(packet) == ["state", {**SNAPSHOT, "me": me}]
        assert shared.encoded[:-1] in packet


def test_with_me_of_a_single_key_snapshot_and_an_empty_me() -> None:
    assert json.loads(codec.dumps([WithMe(Shared({"a": 1}), {})])) == [{"a": 1, "me": {}}]


def test_a_packet_mixing_shared_and_plain_values() -> None:
    shared = Shared({"k": "v"})
    packet = ["event", shared, {"plain": [1, 2]}, WithMe(shared, {"id": 1}), "tail"]
    assert json.loads(codec.dumps(packet)) == [
        "event",
        {"k": "v"},
        {"plain": [1, 2]},
        {"k": "v", "me": {"id": 1}},
        "tail",
    ]


# --------------------------------------------------------------------------- over Socket.IO


def test_each_phone_gets_its_own_me_and_the_same_rest(room: Room) -> None:
    fac, proj = room.facilitator(), room.projector()
    people = [room.participant(name) for name in ("Ana", "Ben", None)]
    vision = room.stage_ids()["vision"]
    mine = {
        p.id: [submit(p, vision, f"Idea of {p.id} #{n}") for n in range(p.id % 3 + 1)]
        for p in people
    }
    settle(fac, proj, *(p.sock for p in people))

    phase(fac, vision, "vote")
    states = {p.id: inbox(p.sock)["state"] for p in people}
    assert all(len(got) == 1 for got in states.values())
    shared = [{k: v for k, v in got[0].items() if k != "me"} for got in states.values()]
    assert all(rest == shared[0] for rest in shared)
    assert shared[0]["audience"] == "participant"
    assert shared[0]["current"] == {"stage_id": vision, "phase": "vote"}
    for person in people:
        me = states[person.id][0]["me"]
        assert me["id"] == person.id
        assert me["ideas"] == mine[person.id]
        assert me == me_of(room, person)
    assert [got[0]["me"]["name"] for got in states.values()] == ["Ana", "Ben", None]

    # A vote changes only the voter's `me`; the next broadcast carries it to that phone alone.
    idea = mine[people[1].id][0]
    ok(people[0].sock, "votes:set", {"stage_id": vision, "votes": {str(idea): 2}})
    drain(*(p.sock for p in people))
    ok(fac, "results:reveal", {"stage_id": vision})
    after = {p.id: inbox(p.sock)["state"][-1] for p in people}
    assert after[people[0].id]["me"]["votes"] == {str(vision): {str(idea): 2}}
    assert after[people[0].id]["me"]["remaining"][str(vision)] == 3
    for person in people[1:]:
        assert after[person.id]["me"]["votes"] == {}
        assert after[person.id]["me"]["remaining"][str(vision)] == 5
    rests = [{k: v for k, v in state.items() if k != "me"} for state in after.values()]
    assert all(rest == rests[0] for rest in rests)

    # Screens get the shared snapshot with no `me` at all.
    for screen in (fac, proj):
        assert all("me" not in state for state in inbox(screen)["state"])


def test_the_join_ack_and_the_broadcast_agree(room: Room) -> None:
    fac = room.facilitator()
    person = room.participant("Ana")
    vision = room.stage_ids()["vision"]
    submit(person, vision, "An idea")
    phase(fac, vision, "vote")
    broadcast = inbox(person.sock)["state"][-1]
    resumed = ok(room.connect(), "join", {"code": room.code, "token": person.token})["state"]
    # Each carries the moment it was built; everything else is the same.
    assert broadcast.pop("server_time") <= resumed.pop("server_time")
    assert broadcast == resumed
