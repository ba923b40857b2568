"""The generic entries table: one JSON entry per stage, kind and participant, validated by the
activity's model, replaced whole, deleted when empty, never committed by the store itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pydantic
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.factories import Room
from workshop.activities.entries import EntryStore
from workshop.core.errors import DomainError
from workshop.persistence import counters
from workshop.persistence.db import make_engine
from workshop.persistence.migrate import upgrade
from workshop.persistence.models import Participant, Stage, Workshop


class Pick(pydantic.BaseModel):
    """A poll's entry: the one item picked."""

    model_config = pydantic.ConfigDict(extra="forbid")

    idea_id: Annotated[int, pydantic.Field(ge=1)]


Scores = pydantic.RootModel[dict[int, Annotated[int, pydantic.Field(ge=0, le=5)]]]

POLL = EntryStore("poll", Pick)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file, set up as the app sets its own (WAL, foreign keys on)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'entries.sqlite3'}")
    upgrade(engine)
    with Session(engine) as db:
        db.add(Workshop(id="w1", code="ABCDEF", title="Acme", facilitator_key_hash="0" * 64))
        db.flush()
        for position in range(2):
            db.add(
                Stage(workshop_id="w1", position=position, key=f"s{position}", title="", prompt="")
            )
        for n in range(3):
            db.add(Participant(workshop_id="w1", token_hash=f"{n:064d}"))
        db.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db:
        yield db


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    """The table as stored, from another connection (what is committed)."""
    with engine.connect() as connection:
        query = "SELECT stage_id, kind, participant_id, data FROM entry ORDER BY 1, 2, 3"
        return [tuple(row) for row in connection.execute(sa.text(query))]


def test_put_stores_the_validated_entry_and_read_gives_it_back_by_stage(
    db: Session, engine: Engine
) -> None:
    assert POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4}) is True
    assert POLL.put(db, stage_id=1, participant_id=2, entry=Pick(idea_id=5)) is True
    assert POLL.put(db, stage_id=2, participant_id=1, entry={"idea_id": "6"}) is True
    db.commit()

    assert POLL.read(db, [1, 2, 3]) == {
        1: {1: {"idea_id": 4}, 2: {"idea_id": 5}},
        2: {1: {"idea_id": 6}},
        3: {},
    }
    assert POLL.read(db, []) == {}
    assert rows(engine) == [
        (1, "poll", 1, '{"idea_id": 4}'),
        (1, "poll", 2, '{"idea_id": 5}'),
        (2, "poll", 1, '{"idea_id": 6}'),
    ]


def test_put_replaces_and_says_whether_anything_changed(db: Session) -> None:
    assert POLL.get(db, stage_id=1, participant_id=1) is None
    assert POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4}) is True
    assert POLL.get(db, stage_id=1, participant_id=1) == {"idea_id": 4}
    assert POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4}) is False
    assert POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 7}) is True
    assert POLL.read(db, [1]) == {1: {1: {"idea_id": 7}}}


@pytest.mark.parametrize("empty", [None, {}, []])
def test_none_or_an_empty_entry_deletes_it(db: Session, empty: Any) -> None:
    POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4})
    assert POLL.put(db, stage_id=1, participant_id=1, entry=empty) is True
    assert POLL.read(db, [1]) == {1: {}}
    assert POLL.put(db, stage_id=1, participant_id=1, entry=empty) is False


def test_a_root_model_entry_is_stored_with_text_keys_and_empty_once_validated_is_none(
    db: Session,
) -> None:
    scores = EntryStore("score", Scores)
    assert scores.put(db, stage_id=1, participant_id=1, entry={4: 2, "5": 0}) is True
    assert scores.read(db, [1]) == {1: {1: {"4": 2, "5": 0}}}
    # The same entry spelled differently is no change.
    assert scores.put(db, stage_id=1, participant_id=1, entry={"4": 2, 5: 0}) is False
    assert scores.put(db, stage_id=1, participant_id=1, entry=Scores({})) is True
    assert scores.read(db, [1]) == {1: {}}


@pytest.mark.parametrize(
    ("entry", "where"),
    [({"idea_id": 0}, "poll.idea_id"), ({"idea": 3}, "poll.idea_id"), ("x", "poll.entry")],
)
def test_the_model_refuses_a_bad_entry_and_nothing_is_stored(
    db: Session, entry: Any, where: str
) -> None:
    with pytest.raises(DomainError) as refused:
        POLL.put(db, stage_id=1, participant_id=1, entry=entry)
    assert refused.value.code == "invalid_payload"
    assert refused.value.message.startswith(where)
    assert POLL.read(db, [1]) == {1: {}}


def test_without_a_model_any_json_is_kept_and_anything_else_refused(db: Session) -> None:
    free = EntryStore("free")
    assert free.put(db, stage_id=1, participant_id=1, entry={"a": [1, 2.5, None], 3: "x"})
    assert free.put(db, stage_id=1, participant_id=2, entry=3)
    assert free.read(db, [1]) == {1: {1: {"a": [1, 2.5, None], "3": "x"}, 2: 3}}
    with pytest.raises(DomainError, match="must be JSON"):
        free.put(db, stage_id=1, participant_id=3, entry={"when": object()})


def test_kinds_keep_their_own_entries(db: Session) -> None:
    other = EntryStore("other")
    POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4})
    other.put(db, stage_id=1, participant_id=1, entry=["mine"])
    assert POLL.read(db, [1]) == {1: {1: {"idea_id": 4}}}
    assert other.read(db, [1]) == {1: {1: ["mine"]}}

    POLL.delete_stage(db, 1)
    assert POLL.read(db, [1]) == {1: {}}
    assert other.read(db, [1]) == {1: {1: ["mine"]}}


def test_write_replaces_several_entries_for_a_merge(db: Session) -> None:
    POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4})
    POLL.put(db, stage_id=1, participant_id=2, entry={"idea_id": 5})
    POLL.put(db, stage_id=2, participant_id=1, entry={"idea_id": 9})

    POLL.write(db, 1, {1: {"idea_id": 5}, 2: None, 3: {"idea_id": 6}})

    assert POLL.read(db, [1, 2]) == {
        1: {1: {"idea_id": 5}, 3: {"idea_id": 6}},
        2: {1: {"idea_id": 9}},
    }


def test_nothing_is_committed_by_the_store(db: Session, engine: Engine) -> None:
    POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4})
    POLL.write(db, 2, {2: {"idea_id": 5}})
    assert rows(engine) == []
    db.rollback()
    assert POLL.read(db, [1, 2]) == {1: {}, 2: {}}

    POLL.put(db, stage_id=1, participant_id=1, entry={"idea_id": 4})
    db.commit()
    POLL.delete_stage(db, 1)
    assert rows(engine) == [(1, "poll", 1, '{"idea_id": 4}')]
    db.commit()
    assert rows(engine) == []


def test_an_entry_needs_its_stage_and_participant(db: Session) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        POLL.put(db, stage_id=99, participant_id=1, entry={"idea_id": 4})
    db.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        POLL.put(db, stage_id=1, participant_id=99, entry={"idea_id": 4})


def test_removing_a_pending_stage_drops_its_entries_and_counters_of_every_kind(
    room: Room,
) -> None:
    """The agenda's stage removal deletes without naming kinds: the generic table's rows and
    every counter of the stage go with it; other stages keep theirs."""
    ids = room.stage_ids()
    person = room.participant("Ana")
    engine = room.app.extensions["workshop_db"]
    with Session(engine) as db:
        for stage_id in (ids["goals"], ids["projects"]):
            POLL.put(db, stage_id=stage_id, participant_id=person.id, entry={"idea_id": 1})
            counters.add(db, stage_id, {(0, "pollers"): 1})
        db.commit()
    auth = {"Authorization": f"Bearer {room.key}"}
    agenda = room.client.get(f"/api/workshops/{room.id}/agenda", headers=auth).get_json()
    kept = [
        {name: value for name, value in stage.items() if name != "started"}
        for stage in agenda["stages"]
        if stage["id"] != ids["goals"]
    ]
    response = room.client.put(
        f"/api/workshops/{room.id}/agenda", headers=auth, json={"stages": kept}
    )
    assert response.status_code == 200, response.get_json()

    assert rows(engine) == [(ids["projects"], "poll", person.id, '{"idea_id": 1}')]
    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT stage_id, name FROM counter")).all()
    assert [tuple(row) for row in left] == [(ids["projects"], "pollers")]
