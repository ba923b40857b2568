"""Two writes of one participant at the same moment: the running counters stay equal to the rows.

Under `python app.py` eventlet runs one handler at a time, but the threading server and
several processes do not. Each write begins with `begin_write` (SQLite: `BEGIN IMMEDIATE`)
before it reads what it replaces, so the second waits for the first instead of adjusting the
counters from a stale read.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.factories import Room, ok
from workshop.activities import amounts, vote
from workshop.persistence.db import begin_write, get_engine
from workshop.persistence.models import Counter, Participant


def test_concurrent_allocations_of_one_participant_keep_the_counters_true(
    room: Room, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    fac = room.facilitator()
    person = room.participant("Ana")
    vision = room.stage_ids()["vision"]
    idea = ok(person.sock, "idea:submit", {"stage_id": vision, "text": "A"})["idea"]["id"]
    ok(fac, "stage:phase", {"stage_id": vision, "phase": "vote"})

    # Hold each write just after it read the allocation it replaces, until both got there
    # (or a second passed: the lock keeps the second one waiting before its read).
    meeting = threading.Barrier(2)
    replace = amounts.replace

    def held(*args: Any, **kwargs: Any) -> bool:
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=1)
        return replace(*args, **kwargs)

    monkeypatch.setattr(amounts, "replace", held)
    errors: list[BaseException] = []

    def allocate(dots: int) -> None:
        try:
            with app.app_context(), Session(get_engine(app), expire_on_commit=False) as db:
                begin_write(db)
                participant = db.get(Participant, person.id)
                assert participant is not None
                vote.set_votes(db, participant=participant, stage_id=vision, votes={idea: dots})
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(dots,)) for dots in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors

    with Session(get_engine(app)) as db:
        stored = db.exec(select(vote.DotVote).where(vote.DotVote.stage_id == vision)).all()
        counted = {
            (row.idea_id, row.name): row.value
            for row in db.exec(select(Counter).where(Counter.stage_id == vision))
        }
    assert len(stored) == 1 and stored[0].count in (2, 3)
    assert counted == {(idea, "dots"): stored[0].count, (0, "voters"): 1}
