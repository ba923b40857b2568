"""Editing and deleting ideas (`idea:edit`, `idea:delete`; `workshop/activities/editing.py`)
through the real Socket.IO test client and database: who may do what and when, every error
code (a refusal writes nothing), retries that answer the same, what the console, the
projector and the phones see afterwards, and that a deleted idea is gone for every other event.

Most tests run on one stage (`choices`) with their own agenda, driven from a console, a
projector and three phones (Ana, Ben and Cy): `open_desk` of tests/test_decision_events.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlmodel import Session

from tests.factories import Room, ack, error_code, ok, received
from tests.test_decision_events import (
    Desk,
    dots,
    open_desk,
    order,
    points,
    rating,
    ratings,
    step,
)
from tests.test_events import database, refuse, settle, stage_of, submit
from workshop.activities.editing import entry_gives
from workshop.core import rules
from workshop.persistence.db import get_engine
from workshop.persistence.models import Idea

NOWHERE = 10**9
BRAINSTORM_VOTE_RANK = (
    step("brainstorm"),
    step("vote", dot_budget=5, max_dots_per_idea=3),
    step("rank", shortlist_size=5),
    step("done", select_count=2),
)


# --------------------------------------------------------------------------- helpers


def edit(sock: Any, idea_id: int, text: str) -> dict[str, Any]:
    return ok(sock, "idea:edit", {"idea_id": idea_id, "text": text})


def delete(sock: Any, idea_id: int) -> dict[str, Any]:
    return ok(sock, "idea:delete", {"idea_id": idea_id})


def row(desk: Desk, idea_id: int) -> Idea:
    with Session(get_engine(desk.room.app)) as db:
        idea = db.get(Idea, idea_id)
        assert idea is not None
        db.expunge(idea)
        return idea


def texts(stage: dict[str, Any]) -> list[str]:
    return [idea["text"] for idea in stage["ideas"]]


def states(desk: Desk) -> dict[str, list[Any]]:
    """The `state` payloads each connected screen received since the last drain."""
    return {
        "console": received(desk.fac, "state"),
        "projector": received(desk.proj, "state"),
        **{
            name: received(p.sock, "state")
            for name, p in zip(("ana", "ben", "cy"), desk.people, strict=True)
        },
    }


@pytest.fixture
def desk(room: Room) -> Desk:
    """Ideas A (Ana), B (Ben), C (Cy) and D (Ana) in an open brainstorm; vote, rank, done."""
    made = open_desk(room, *BRAINSTORM_VOTE_RANK)
    made.ideas(4)
    made.settle()
    return made


# --------------------------------------------------------------------------- idea:edit


def test_a_participant_edits_their_own_idea_and_everyone_sees_it(desk: Desk) -> None:
    a = desk.made[0]
    answer = edit(desk.ana.sock, a, "  Idea A, spelt right  ")
    assert answer == {
        "ok": True,
        "idea": {
            "id": a,
            "stage_id": desk.sid,
            "text": "Idea A, spelt right",
            "original_text": "Idea A",
        },
    }
    stored = row(desk, a)
    assert (stored.text, stored.original_text) == ("Idea A, spelt right", "Idea A")
    assert stored.edited_at is not None
    # Every screen gets a fresh state with the new wording.
    got = states(desk)
    for name, payloads in got.items():
        assert payloads, f"{name} got no state"
        assert "Idea A, spelt right" in texts(stage_of(payloads[-1], desk.sid)), name
        assert "Idea A" not in texts(stage_of(payloads[-1], desk.sid)), name
    assert got["ana"][-1]["me"]["ideas"] == [a, desk.made[3]]
    # A second edit keeps the wording as first submitted.
    second = edit(desk.ana.sock, a, "Idea A, third wording")
    assert second["idea"]["original_text"] == "Idea A"
    assert row(desk, a).original_text == "Idea A"


def test_the_same_text_again_changes_nothing_and_answers_the_same(desk: Desk) -> None:
    a = desk.made[0]
    first = edit(desk.ana.sock, a, "Idea A, better")
    settle(*desk.socks())
    before = database(desk.room.app)
    # The retry (and the same text with other spacing, which cleans to the same) is a no-op.
    assert edit(desk.ana.sock, a, "Idea A, better") == first
    assert edit(desk.ana.sock, a, " Idea A, better\n") == first
    assert database(desk.room.app) == before
    assert all(payloads == [] for payloads in states(desk).values())
    # A retry that arrives after the brainstorm closed answers the same too.
    desk.to("vote")
    settle(*desk.socks())
    assert edit(desk.ana.sock, a, "Idea A, better") == first


def test_an_unedited_idea_answers_no_original_text(desk: Desk) -> None:
    b = desk.made[1]
    assert edit(desk.ben.sock, b, "Idea B") == {
        "ok": True,
        "idea": {"id": b, "stage_id": desk.sid, "text": "Idea B", "original_text": None},
    }
    assert row(desk, b).edited_at is None


def test_edit_refusals_write_nothing(desk: Desk, other: Room) -> None:
    a, b = desk.made[0], desk.made[1]
    room = desk.room
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "   "}, "text_empty")
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "x" * 281}, "text_too_long")
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": b, "text": "Mine now"}, "not_your_idea")
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": NOWHERE, "text": "x"}, "idea_not_found")
    foreign = ok(other.facilitator(), "idea:submit", {"stage_id": other.stage_ids()["vision"],
                                                      "text": "Other workshop"})  # fmt: skip
    for sock in (desk.ana.sock, desk.fac):
        refuse(room, sock, "idea:edit", {"idea_id": foreign["idea"]["id"], "text": "x"},
               "idea_not_found")  # fmt: skip
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": a}, "invalid_payload")
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": 5}, "invalid_payload")
    refuse(room, desk.ana.sock, "idea:edit", {"idea_id": "a", "text": "x"}, "invalid_payload")
    refuse(room, desk.proj, "idea:edit", {"idea_id": a, "text": "Screen"}, "forbidden")
    stranger = room.connect()
    refuse(room, stranger, "idea:edit", {"idea_id": a, "text": "Nobody"}, "not_joined")


def test_a_participant_cannot_edit_the_facilitators_item_or_a_hidden_idea(desk: Desk) -> None:
    item = ok(desk.fac, "idea:submit", {"stage_id": desk.sid, "text": "Console item"})
    refuse(desk.room, desk.ana.sock, "idea:edit",
           {"idea_id": item["idea"]["id"], "text": "Mine"}, "not_your_idea")  # fmt: skip
    a = desk.made[0]
    ok(desk.fac, "idea:hide", {"idea_id": a, "hidden": True})
    refuse(desk.room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "Back"}, "idea_not_found")
    refuse(desk.room, desk.ana.sock, "idea:delete", {"idea_id": a}, "idea_not_found")
    # The facilitator may still reword a hidden idea.
    assert edit(desk.fac, a, "Hidden, reworded")["idea"]["text"] == "Hidden, reworded"


def test_participants_edit_only_while_the_brainstorm_is_open(desk: Desk) -> None:
    a = desk.made[0]
    desk.to("vote")
    refuse(desk.room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "Too late"},
           "wrong_phase")  # fmt: skip
    refuse(desk.room, desk.ana.sock, "idea:delete", {"idea_id": a}, "wrong_phase")
    # Back in the brainstorm, both work again.
    desk.to("brainstorm")
    assert edit(desk.ana.sock, a, "Just in time")["idea"]["text"] == "Just in time"


def test_the_facilitator_edits_any_idea_in_a_later_step_until_the_stage_is_decided(
    desk: Desk,
) -> None:
    a, b, c, _d = desk.made
    desk.to("vote")
    dots(desk.ben, desk.sid, {a: 2, b: 1})
    settle(*desk.socks())
    answer = edit(desk.fac, b, "Idea B, as the room meant it")
    assert answer["idea"] == {
        "id": b,
        "stage_id": desk.sid,
        "text": "Idea B, as the room meant it",
        "original_text": "Idea B",
    }
    got = states(desk)
    for name, payloads in got.items():
        assert "Idea B, as the room meant it" in texts(stage_of(payloads[-1], desk.sid)), name
    # The dots stay where they were.
    assert got["ben"][-1]["me"]["votes"] == {str(desk.sid): {str(a): 2, str(b): 1}}
    desk.to("rank")
    assert edit(desk.fac, c, "Idea C while ranking")["idea"]["text"] == "Idea C while ranking"
    desk.to("done")
    refuse(desk.room, desk.fac, "idea:edit", {"idea_id": a, "text": "After the decision"},
           "wrong_phase")  # fmt: skip


def test_edit_and_delete_after_the_workshop_finished(desk: Desk) -> None:
    a, b = desk.made[0], desk.made[1]
    ok(desk.fac, "workshop:finish")
    refuse(desk.room, desk.fac, "idea:edit", {"idea_id": a, "text": "Later"}, "workshop_finished")
    refuse(desk.room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "Later"},
           "workshop_finished")  # fmt: skip
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": b}, "workshop_finished")
    refuse(desk.room, desk.ben.sock, "idea:delete", {"idea_id": b}, "workshop_finished")


# --------------------------------------------------------------------------- idea:delete


def test_a_participant_deletes_their_own_idea_and_it_leaves_every_screen(desk: Desk) -> None:
    a, b, c, d = desk.made
    answer = delete(desk.ana.sock, a)
    assert answer == {"ok": True, "idea": {"id": a, "stage_id": desk.sid, "deleted": True}}
    stored = row(desk, a)
    assert stored.deleted_at is not None and stored.hidden is True
    got = states(desk)
    for name, payloads in got.items():
        stage = stage_of(payloads[-1], desk.sid)
        assert [i["id"] for i in stage["ideas"]] == [b, c, d], name
        assert stage["progress"]["ideas"] == 3, name
    assert got["ana"][-1]["me"]["ideas"] == [d]
    # The console does not list it as hidden either: it is gone.
    console = desk.console()
    assert a not in [i["id"] for i in console["ideas"]]
    # Deleting it again answers the same and sends nothing.
    settle(*desk.socks())
    before = database(desk.room.app)
    assert delete(desk.ana.sock, a) == answer
    assert database(desk.room.app) == before
    assert all(payloads == [] for payloads in states(desk).values())
    # Others cannot tell a deleted idea from one that never was.
    refuse(desk.room, desk.ben.sock, "idea:delete", {"idea_id": a}, "idea_not_found")
    refuse(desk.room, desk.ana.sock, "idea:edit", {"idea_id": a, "text": "Back"},
           "idea_not_found")  # fmt: skip


def test_a_deleted_idea_is_gone_for_every_other_event(desk: Desk) -> None:
    a, b, c, _d = desk.made
    delete(desk.ana.sock, a)
    room = desk.room
    # Showing it again, merging it (either way), theming it: not found.
    refuse(room, desk.fac, "idea:hide", {"idea_id": a, "hidden": False}, "idea_not_found")
    refuse(room, desk.fac, "idea:merge", {"idea_ids": [a], "into": b}, "idea_not_found")
    refuse(room, desk.fac, "idea:merge", {"idea_ids": [b], "into": a}, "idea_not_found")
    refuse(room, desk.fac, "idea:unmerge", {"idea_id": a}, "idea_not_found")
    refuse(room, desk.fac, "group:set",
           {"stage_id": desk.sid, "groups": [{"title": "T", "idea_ids": [a, c]}]},
           "idea_not_found")  # fmt: skip
    # In the vote it cannot be given a dot.
    desk.to("vote")
    assert error_code(desk.ben.sock, "votes:set",
                      {"stage_id": desk.sid, "votes": {str(a): 1}}) == "idea_not_found"  # fmt: skip
    # The facilitator's delete of it answers the same as the author's did.
    assert delete(desk.fac, a)["idea"] == {"id": a, "stage_id": desk.sid, "deleted": True}


def test_the_facilitator_deletes_any_idea_until_the_stage_is_ranked(desk: Desk) -> None:
    a, b, c, d = desk.made
    item = ok(desk.fac, "idea:submit", {"stage_id": desk.sid, "text": "Console item"})["idea"]
    delete(desk.fac, item["id"])
    delete(desk.fac, b)
    desk.to("vote")
    delete(desk.fac, c)
    assert [i["id"] for i in desk.console()["ideas"]] == [a, d]
    desk.to("rank")
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": a}, "wrong_phase")


def test_deleting_a_theme_member_takes_it_out_of_its_theme(desk: Desk) -> None:
    a, b, c, _d = desk.made
    ok(desk.fac, "group:set",
       {"stage_id": desk.sid, "groups": [{"title": "Theme", "idea_ids": [a, b, c]}]})  # fmt: skip
    delete(desk.ben.sock, b)
    assert desk.console()["groups"] == [{"title": "Theme", "idea_ids": [a, c]}]


@pytest.mark.parametrize("by", ["participant", "facilitator"])
def test_an_idea_with_dots_is_not_deleted(desk: Desk, by: str) -> None:
    a, b, _c, _d = desk.made
    desk.to("vote")
    dots(desk.cy, desk.sid, {a: 1})
    desk.to("brainstorm")  # the dots are kept while the room brainstorms again
    sock = desk.ana.sock if by == "participant" else desk.fac
    refuse(desk.room, sock, "idea:delete", {"idea_id": a}, "idea_has_votes")
    # Once the dot is taken back it can go.
    desk.to("vote")
    dots(desk.cy, desk.sid, {b: 1})
    desk.to("brainstorm")
    assert delete(sock, a)["idea"]["deleted"] is True


def test_an_idea_with_dots_in_a_closed_round_is_not_deleted(desk: Desk) -> None:
    a, b, _c, _d = desk.made
    desk.to("vote")
    dots(desk.cy, desk.sid, {a: 1})
    ok(desk.fac, "results:reveal", {"stage_id": desk.sid})
    ok(desk.fac, "round:start", {"stage_id": desk.sid})
    dots(desk.cy, desk.sid, {b: 1})  # round 2 moves the dot; round 1 still gave it one
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": a}, "idea_has_votes")


def test_an_idea_with_a_place_in_a_ranking_is_not_deleted(desk: Desk) -> None:
    a, b, c, d = desk.made
    desk.to("vote")
    dots(desk.ana, desk.sid, {a: 1, b: 1})
    desk.to("rank")
    order(desk.ben, desk.sid, [c])
    desk.to("vote")  # back before the rank step: items are not frozen any more
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": c}, "idea_has_votes")
    assert delete(desk.fac, d)["idea"]["deleted"] is True


def test_an_idea_with_points_or_a_rating_is_not_deleted(room: Room) -> None:
    desk = open_desk(
        room,
        step("brainstorm"),
        step("allocate", budget=10, per_item_cap=6),
        step("rate"),
        step("done", select_count=1),
    )
    a, b, c = desk.ideas(3)
    desk.to("allocate")
    points(desk.ana, desk.sid, {a: 4})
    desk.to("rate")
    ratings(desk.ben, desk.sid, {b: rating(None, 2)})  # one scale is enough
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": a}, "idea_has_votes")
    refuse(desk.room, desk.fac, "idea:delete", {"idea_id": b}, "idea_has_votes")
    assert delete(desk.fac, c)["idea"]["deleted"] is True


def test_merged_ideas(desk: Desk) -> None:
    a, b, c, d = desk.made
    ok(desk.fac, "idea:merge", {"idea_ids": [b], "into": a})
    room = desk.room
    # The idea merged away is edited and deleted through the one it was merged into.
    refuse(room, desk.ben.sock, "idea:edit", {"idea_id": b, "text": "Mine"}, "idea_merged")
    refuse(room, desk.ben.sock, "idea:delete", {"idea_id": b}, "idea_merged")
    refuse(room, desk.fac, "idea:edit", {"idea_id": b, "text": "Mine"}, "idea_merged")
    refuse(room, desk.fac, "idea:delete", {"idea_id": b}, "idea_merged")
    # The idea others were merged into can be reworded, but speaks for them: not deleted.
    assert edit(desk.ana.sock, a, "Idea A and B")["idea"]["text"] == "Idea A and B"
    refuse(room, desk.ana.sock, "idea:delete", {"idea_id": a}, "idea_merged")
    refuse(room, desk.fac, "idea:delete", {"idea_id": a}, "idea_merged")
    # Undo the merge, and both can go.
    ok(desk.fac, "idea:unmerge", {"idea_id": a})
    delete(desk.ana.sock, a)
    delete(desk.ben.sock, b)
    assert [i["id"] for i in desk.console()["ideas"]] == [c, d]


def test_a_deleted_or_merged_away_idea_leaves_the_focus(desk: Desk) -> None:
    a, b, c, _d = desk.made
    ok(desk.fac, "focus:set", {"idea_id": a})
    delete(desk.ana.sock, a)
    got = states(desk)
    assert all(payloads[-1]["focus"] is None for payloads in got.values())
    assert row(desk, a).deleted_at is not None
    refuse(desk.room, desk.fac, "focus:set", {"idea_id": a}, "idea_not_found")
    # Merged away, the focus goes too, and undoing the merge does not bring it back.
    ok(desk.fac, "focus:set", {"idea_id": b})
    ok(desk.fac, "idea:merge", {"idea_ids": [b], "into": c})
    ok(desk.fac, "idea:unmerge", {"idea_id": c})
    assert desk.room.facilitator_state()["focus"] is None


# --------------------------------------------------------------------------- private brainstorm


def test_a_private_brainstorm_phone_edits_and_deletes_its_own_ideas(room: Room) -> None:
    desk = open_desk(room, step("brainstorm", private=True), step("done", select_count=0))
    mine = submit(desk.ana, desk.sid, "My first")
    other = submit(desk.ana, desk.sid, "My second")
    bens = submit(desk.ben, desk.sid, "Ben's")
    settle(*desk.socks())
    edit(desk.ana.sock, mine, "My first, fixed")
    got = states(desk)
    assert got["ana"][-1]["me"]["private_ideas"] == [
        {"id": mine, "stage_id": desk.sid, "text": "My first, fixed"},
        {"id": other, "stage_id": desk.sid, "text": "My second"},
    ]
    assert got["ben"][-1]["me"]["private_ideas"] == [
        {"id": bens, "stage_id": desk.sid, "text": "Ben's"}
    ]
    for name in ("projector", "ben", "cy"):
        assert stage_of(got[name][-1], desk.sid)["ideas"] == [], name
    assert "My first, fixed" in texts(stage_of(got["console"][-1], desk.sid))
    refuse(desk.room, desk.ben.sock, "idea:delete", {"idea_id": mine}, "not_your_idea")
    delete(desk.ana.sock, other)
    got = states(desk)
    assert got["ana"][-1]["me"]["private_ideas"] == [
        {"id": mine, "stage_id": desk.sid, "text": "My first, fixed"}
    ]
    assert texts(stage_of(got["console"][-1], desk.sid)) == ["My first, fixed", "Ben's"]
    assert stage_of(got["projector"][-1], desk.sid)["progress"]["ideas"] == 2


# --------------------------------------------------------------------------- the pure rule


@pytest.mark.parametrize(
    ("entry", "gives"),
    [
        ({"7": 2, "8": 1}, True),  # dots, points
        ({"8": 1}, False),
        ({"7": 0}, False),
        ({"7": [None, 3]}, True),  # a rating on one scale
        ({"7": [None, None]}, False),
        ([9, 7, 8], True),  # an order
        ([9, 8], False),
        (7, True),  # a single pick (a plug-in's poll)
        (8, False),
        ("7", True),
        (None, False),
        ({}, False),
        (True, False),
    ],
)
def test_entry_gives(entry: Any, gives: bool) -> None:
    assert entry_gives(entry, 7) is gives


# --------------------------------------------------------------------------- counts


def test_a_deleted_idea_does_not_count_towards_the_cap(room: Room) -> None:
    desk = open_desk(room, step("brainstorm"), step("done", select_count=0))
    cap = rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE
    made = []
    for n in range(cap):
        # 50 ideas outrun one connection's event budget (a burst of 40): wait as a phone does.
        answer = ack(desk.ana.sock, "idea:submit", {"stage_id": desk.sid, "text": f"Idea {n}"})
        while not answer["ok"] and answer["error"]["code"] == "rate_limited":
            time.sleep(answer["error"]["retry_after"])
            answer = ack(desk.ana.sock, "idea:submit", {"stage_id": desk.sid, "text": f"Idea {n}"})
        made.append(int(answer["idea"]["id"]))
    # Let the budget fill again for the checks below.
    time.sleep(desk.room.app.config["EVENT_BURST"] / desk.room.app.config["EVENT_RATE"])
    payload = {"stage_id": desk.sid, "text": "One too many"}
    refuse(desk.room, desk.ana.sock, "idea:submit", payload, "too_many_ideas")
    delete(desk.ana.sock, made[0])
    assert ok(desk.ana.sock, "idea:submit", payload)["idea"]["text"] == "One too many"
    refuse(desk.room, desk.ana.sock, "idea:submit", {**payload, "text": "And another"},
           "too_many_ideas")  # fmt: skip
