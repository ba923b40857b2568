"""Benchmark the decision measures a live tally computes: standings for each scoring step.

Every tally of a scoring step recomputes the step's standings from everyone's entries (totals,
consensus, contested, and the Borda, Schulze and Copeland picks for `robust`). This prints the
time per standings for a room of N participants, with the pairwise counts done two ways side
by side in one run: the straightforward count over every pair of candidates per ballot (the
first implementation) and the one the app uses, which counts per ballot only the pairs of
items the ballot names.

    python bench/decisions.py --participants 500 --ideas 40
    python bench/decisions.py --against <git revision>

With `--against`, the same rooms are also computed with `workshop/core/decisions.py` as it is
at that revision (read with `git show`, the core is pure) and both columns print with their
ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshop.core import decisions


def every_pair(
    ballots: Sequence[Mapping[int, float]], candidates: Sequence[int]
) -> dict[int, dict[int, int]]:
    """The first implementation: every pair of candidates on every ballot."""
    d = {a: dict.fromkeys((b for b in candidates if b != a), 0) for a in candidates}
    for ballot in ballots:
        for a in candidates:
            if a not in ballot:
                continue
            for b in candidates:
                if b != a and (b not in ballot or ballot[a] > ballot[b]):
                    d[a][b] += 1
    return d


def core_at(revision: str) -> types.ModuleType:
    """`workshop/core/decisions.py` as it is at a git revision, loaded as its own module."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(
        ["git", "show", f"{revision}:workshop/core/decisions.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "decisions_then.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("decisions_then", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["decisions_then"] = module
    spec.loader.exec_module(module)
    return module


def rooms(
    n: int, m: int, seed: int, core: types.ModuleType = decisions
) -> dict[str, Callable[[], object]]:
    """One realistic room per scoring step, as a call that computes its standings."""
    rng = random.Random(seed)
    items = list(range(1, m + 1))
    weights = [1 / (i + 1) for i in range(m)]  # some ideas are far more popular
    dots = []
    for _ in range(n):
        entry: dict[int, int] = {}
        for item in rng.choices(items, weights, k=5):
            if entry.get(item, 0) < 3:
                entry[item] = entry.get(item, 0) + 1
        dots.append(entry)
    points = []
    for _ in range(n):
        chosen = rng.sample(items, 6)
        cuts = sorted(rng.sample(range(1, 100), 5))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        points.append({item: share for item, share in zip(chosen, shares, strict=True) if share})
    ratings = [
        {item: (rng.randint(1, 5), rng.randint(1, 5)) for item in rng.sample(items, m // 2)}
        for _ in range(n)
    ]
    shortlist = items[:5]
    orders = [rng.sample(shortlist, rng.randint(2, 5)) for _ in range(n)]
    votes = {item: 0 for item in items}
    return {
        "vote": lambda: core.allocation_standings("vote", dots, items, picks=5, key="votes"),
        "allocate": lambda: core.allocation_standings(
            "allocate", points, items, picks=5, key="points"
        ),
        "rate": lambda: core.rating_standings(ratings, items, picks=5),
        "rank": lambda: core.ranking_standings(orders, shortlist, votes, method="schulze", picks=1),
    }


def timed(call: Callable[[], object], repeat: int) -> float:
    """The median time of `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--ideas", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", help="a git revision to compare with, side by side")
    args = parser.parse_args()
    print(f"standings of one step: {args.participants} participants, {args.ideas} ideas")
    if args.against:
        then = rooms(args.participants, args.ideas, seed=7, core=core_at(args.against))
        now = rooms(args.participants, args.ideas, seed=7)
        print(f"{'step':<10}{args.against[:12] + ' (ms)':>20}{'this tree (ms)':>17}{'ratio':>8}")
        for kind in now:
            before, after = timed(then[kind], args.repeat), timed(now[kind], args.repeat)
            print(f"{kind:<10}{before:>20.1f}{after:>17.1f}{after / before:>8.2f}")
        return
    calls = rooms(args.participants, args.ideas, seed=7)
    fast = decisions.pairwise_scored
    results: dict[str, tuple[float, float]] = {}
    for kind, call in calls.items():
        decisions.pairwise_scored = every_pair
        before = timed(call, args.repeat)
        decisions.pairwise_scored = fast
        after = timed(call, args.repeat)
        results[kind] = (before, after)
    print(f"{'step':<10}{'every pair (ms)':>18}{'named pairs (ms)':>19}{'ratio':>8}")
    for kind, (before, after) in results.items():
        print(f"{kind:<10}{before:>18.1f}{after:>19.1f}{after / before:>8.2f}")


if __name__ == "__main__":
    main()
