"""Benchmark the generic entries table against a typed table: a participant's write and a
snapshot's read, side by side in one run.

A built-in scoring step stores one row per participant and idea in its own table (the dot
vote's `dotvote`: participant, idea, stage, count); an activity without tables of its own
stores one row per participant with the whole entry as JSON (`entry`, via
`workshop/activities/entries.py`). This times, on a real SQLite file set up as the app sets
its own (WAL, `synchronous=FULL`, foreign keys on), each way of storing the same entries:

- **write**: one participant replaces their entry and the running counters move by the
  difference (per idea, and the stage's count of people), then the transaction commits;
  each write in its own database session, as each socket event has;
- **read**: a snapshot reads every participant's entry of the stage.

    python bench/entries.py                               # 300 and 500 participants, 30 ideas
    python bench/entries.py --participants 500 --rounds 7 --max-ratio 1.1

Two entry shapes: a dot vote's (3 of the 30 ideas, as `vote` stores them) and points spread
over every idea (30 rows per participant in a typed table). In each of `--rounds` rounds
every participant writes once to each table, the two writes back to back and which one first
alternating, so both meet the same machine at the same moment (this one is shared and noisy);
then each table is read 10 times, alternating likewise. The figures are medians of every
write (N x rounds) and every read. A write's CPU time (`time.process_time`, no waiting for
the disk) is shown beside its wall-clock time.

The bound: `--max-ratio` (default 1.1, the issue's bound on `bench/realtime.py`) on JSON /
typed for the wall-clock write and the read, because an activity on the generic table should
cost a phone and a snapshot no more than a built-in kind on its own table; the run exits 1
when one misses it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import Engine
from sqlmodel import Session

from workshop.activities import amounts
from workshop.activities.entries import EntryStore
from workshop.activities.vote import DotVote
from workshop.persistence import counters
from workshop.persistence.db import make_engine
from workshop.persistence.migrate import upgrade
from workshop.persistence.models import Idea, Participant, Stage, Workshop

# The dot vote's table and counters, as vote.py declares them.
TYPED = amounts.Amounts(DotVote, "count", per_idea="dots", people="voters")
GENERIC = EntryStore("bench")


@dataclass(frozen=True)
class Shape:
    """What each participant's entry holds: `per_entry` ideas of the stage, with amounts."""

    name: str
    per_entry: int

    def entry(self, participant: int, round_: int, ideas: list[int]) -> dict[int, int]:
        """A participant's allocation in a round: a different set of ideas each round, so
        every write replaces something."""
        start = (participant * 7 + round_ * 3) % len(ideas)
        chosen = [ideas[(start + k) % len(ideas)] for k in range(self.per_entry)]
        return {idea_id: 1 + (participant + k + round_) % 3 for k, idea_id in enumerate(chosen)}


SHAPES = (
    Shape("a dot vote: 3 ideas each", 3),
    Shape("points on every idea: 30 each", 30),
)


@dataclass
class Room:
    engine: Engine
    typed_stage: int
    generic_stage: int
    participants: list[int]
    ideas: list[int]


def make_room(path: Path, participants: int, ideas: int) -> Room:
    """A migrated database with one workshop, a stage per way of storing, its ideas on the
    typed stage (the generic table names ideas only inside its JSON) and N participants."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        db.add(Workshop(id="bench", code="BENCH1", title="Bench", facilitator_key_hash="0" * 64))
        db.flush()
        typed = Stage(workshop_id="bench", position=0, key="typed", title="", prompt="")
        generic = Stage(workshop_id="bench", position=1, key="generic", title="", prompt="")
        people = [
            Participant(workshop_id="bench", token_hash=f"{n:064d}") for n in range(participants)
        ]
        db.add_all([typed, generic, *people])
        db.flush()
        assert typed.id is not None and generic.id is not None
        rows = [
            Idea(workshop_id="bench", stage_id=typed.id, text=f"Idea {n}") for n in range(ideas)
        ]
        db.add_all(rows)
        db.commit()
        return Room(
            engine,
            typed.id,
            generic.id,
            [p.id for p in people if p.id is not None],
            [i.id for i in rows if i.id is not None],
        )


def write_typed(room: Room, participant_id: int, entry: Mapping[int, int]) -> None:
    """The dot vote's write: replace the participant's rows, move the counters, commit."""
    with Session(room.engine, expire_on_commit=False) as db:
        if amounts.replace(
            db, TYPED, participant_id=participant_id, stage_id=room.typed_stage, allocation=entry
        ):
            db.commit()


def write_generic(room: Room, participant_id: int, entry: Mapping[int, int]) -> None:
    """The same write on the generic table: read the entry before, replace it, move the same
    counters by the difference, commit."""
    stage_id = room.generic_stage
    with Session(room.engine, expire_on_commit=False) as db:
        before = GENERIC.get(db, stage_id=stage_id, participant_id=participant_id) or {}
        if not GENERIC.put(db, stage_id=stage_id, participant_id=participant_id, entry=entry):
            return
        after = {str(idea_id): n for idea_id, n in entry.items()}
        deltas: dict[tuple[int, str], int] = defaultdict(int)
        for idea_id in set(before) | set(after):
            deltas[(int(idea_id), "dots")] = after.get(idea_id, 0) - before.get(idea_id, 0)
        deltas[(counters.STAGE_WIDE, "voters")] = int(bool(after)) - int(bool(before))
        counters.add(db, stage_id, deltas)
        db.commit()


def read_typed(room: Room) -> dict[int, Any]:
    with Session(room.engine, expire_on_commit=False) as db:
        return amounts.entries(db, TYPED, [room.typed_stage])[room.typed_stage]


def read_generic(room: Room) -> dict[int, Any]:
    with Session(room.engine, expire_on_commit=False) as db:
        return GENERIC.read(db, [room.generic_stage])[room.generic_stage]


Writer = Callable[[Room, int, Mapping[int, int]], None]
Reader = Callable[[Room], dict[int, Any]]
SIDES: tuple[tuple[str, Writer, Reader], ...] = (
    ("typed", write_typed, read_typed),
    ("JSON", write_generic, read_generic),
)


def timed(call: Callable[[], object], figures: dict[str, list[float]], name: str) -> None:
    """Run `call`, adding its wall-clock seconds to `name` and its CPU seconds to `name cpu`
    (the CPU time leaves out waiting for the disk, so it is the code's own cost)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    figures[f"{name} cpu"].append(time.process_time() - cpu)
    figures[name].append(time.perf_counter() - wall)


def write_round(room: Room, shape: Shape, round_: int, figures: dict[str, list[float]]) -> None:
    """Every participant replaces their entry once in each table (with one that differs from
    the last round's, so every write commits), the two writes back to back, which one first
    alternating, so both meet the same disk at the same moment."""
    for n, participant_id in enumerate(room.participants):
        entry = shape.entry(participant_id, round_, room.ideas)
        assert entry != shape.entry(participant_id, round_ - 1, room.ideas)
        for side, write, _read in SIDES if (n + round_) % 2 else SIDES[::-1]:
            timed(partial(write, room, participant_id, entry), figures, f"write {side}")


def read_round(room: Room, figures: dict[str, list[float]], repeat: int = 10) -> None:
    """Read the stage's entries from each table `repeat` times, alternating which first."""
    for n in range(repeat):
        for side, _write, read in SIDES if n % 2 else SIDES[::-1]:
            timed(partial(read, room), figures, f"read {side}")


def measure(participants: int, ideas: int, shape: Shape, rounds: int) -> dict[str, list[float]]:
    """Every write and read of both ways for one room and entry shape, in seconds."""
    figures: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        room = make_room(Path(tmp) / "entries.sqlite3", participants, ideas)
        try:
            # Round 0 fills both tables (first writes are inserts); it is not timed.
            write_round(room, shape, 0, defaultdict(list))
            typed, generic = read_typed(room), read_generic(room)
            assert typed == generic and len(typed) == participants, "the two ways disagree"
            for round_ in range(1, rounds + 1):
                write_round(room, shape, round_, figures)
                read_round(room, figures)
            assert read_typed(room) == read_generic(room), "the two ways disagree"
        finally:
            room.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[300, 500])
    parser.add_argument("--ideas", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-ratio", type=float, default=1.1)
    args = parser.parse_args()

    print(
        f"SQLite file (WAL, synchronous=FULL); medians of {args.rounds} alternating rounds; "
        f"ratio = JSON entry table / typed table (bound {args.max_ratio}x)\n"
    )
    print(f"{'participants':>12}  {'entry':<31} {'figure':<26} ", end="")
    print(f"{'typed':>10} {'JSON':>10} {'ratio':>7}")
    missed = []
    for participants in args.participants:
        for shape in SHAPES:
            if shape.per_entry > args.ideas:
                continue
            figures = measure(participants, args.ideas, shape, args.rounds)
            for name, label, bounded in (
                ("write", "write + counters + commit", True),
                ("write cpu", "  of which CPU", False),
                ("read", f"read all {participants} entries", True),
            ):
                what, _, cpu = name.partition(" ")
                typed, generic = (
                    statistics.median(figures[f"{what} {side}{' ' + cpu if cpu else ''}"])
                    for side in ("typed", "JSON")
                )
                ratio = generic / typed
                mark = ""
                if bounded and ratio > args.max_ratio:
                    missed.append(f"{participants} / {shape.name} / {name}")
                    mark = "  over the bound"
                print(
                    f"{participants:>12}  {shape.name:<31} {label:<26} "
                    f"{typed * 1000:8.2f}ms {generic * 1000:8.2f}ms {ratio:7.2f}{mark}"
                )
    if missed:
        raise SystemExit(
            f"\n{len(missed)} figure(s) of the JSON table over {args.max_ratio}x the typed "
            f"table's: {'; '.join(missed)}"
        )


if __name__ == "__main__":
    main()
