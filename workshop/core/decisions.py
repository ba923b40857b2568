"""How sure a room is: pairwise counts, Schulze, Copeland, Condorcet, Kendall's W, consensus.

Pure functions over ballots (orders of item ids, best first, possibly truncated). They are the
groundwork of the "decisions a room can trust" issue; the activities do not use them yet.

Truncated ballots count like this: a ranked item beats every unranked item, and unranked items
are tied with each other, so a voter who ranks only a favourite still says something about it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Ballot = Sequence[int]


def pairwise(ballots: Sequence[Ballot], candidates: Sequence[int]) -> dict[int, dict[int, int]]:
    """d[a][b]: how many ballots prefer a to b. Ids on a ballot that are not candidates are
    skipped; a candidate named twice on a ballot counts at its first place."""
    allowed = set(candidates)
    d = {a: dict.fromkeys((b for b in candidates if b != a), 0) for a in candidates}
    for ballot in ballots:
        place: dict[int, int] = {}
        for item in ballot:
            if item in allowed and item not in place:
                place[item] = len(place)
        for a in candidates:
            if a not in place:
                continue
            for b in candidates:
                if b != a and (b not in place or place[a] < place[b]):
                    d[a][b] += 1
    return d


def condorcet_winner(d: Mapping[int, Mapping[int, int]]) -> int | None:
    """The item that beats every other head to head, when there is one."""
    for a, row in d.items():
        if all(row[b] > d[b][a] for b in row):
            return a
    return None


def schulze_strengths(d: Mapping[int, Mapping[int, int]]) -> dict[int, dict[int, int]]:
    """p[a][b]: the strength of the strongest path from a to b, by the widest-path variant of
    Floyd-Warshall. A link's strength is its margin (d[a][b] - d[b][a], when positive): with
    truncated ballots many pairs are not compared at all, and margins, unlike winning votes,
    do not let a pair that few people compared outweigh one everyone did."""
    items = list(d)
    p = {a: {b: max(d[a][b] - d[b][a], 0) for b in items if b != a} for a in items}
    for k in items:
        for a in items:
            if a == k:
                continue
            for b in items:
                if b in (a, k):
                    continue
                p[a][b] = max(p[a][b], min(p[a][k], p[k][b]))
    return p


def _ordered(score: Mapping[int, float], tie_breaks: Sequence[Mapping[int, float]]) -> list[int]:
    """Items by score, then each tie-break (higher first), then the earlier item (lower id)."""
    return sorted(score, key=lambda i: (-score[i], *(-tb.get(i, 0) for tb in tie_breaks), i))


def schulze_winners(d: Mapping[int, Mapping[int, int]], among: Sequence[int]) -> list[int]:
    """The items of `among` that no other item of `among` beats on strongest paths."""
    p = schulze_strengths(d)
    return [a for a in among if not any(p[b][a] > p[a][b] for b in among if b != a)]


def schulze_order(
    ballots: Sequence[Ballot], candidates: Sequence[int], tie_breaks: Sequence[Mapping[int, float]]
) -> list[int]:
    """The Schulze order: again and again, of the items left, those no other item beats on
    strongest paths, the best of them by the tie-breaks (the issue's: Borda score, then dots),
    then the earlier item. The first item is always a Schulze winner."""
    p = schulze_strengths(pairwise(ballots, candidates))
    left = list(candidates)
    order: list[int] = []
    while left:
        unbeaten = [a for a in left if not any(p[b][a] > p[a][b] for b in left if b != a)]
        best = _ordered(dict.fromkeys(unbeaten, 0.0), tie_breaks)[0]
        order.append(best)
        left.remove(best)
    return order


def copeland_scores(d: Mapping[int, Mapping[int, int]]) -> dict[int, int]:
    """Head-to-head wins minus losses, per item."""
    return {a: sum((d[a][b] > d[b][a]) - (d[a][b] < d[b][a]) for b in d[a]) for a in d}


def copeland_order(
    ballots: Sequence[Ballot], candidates: Sequence[int], tie_breaks: Sequence[Mapping[int, float]]
) -> list[int]:
    """The Copeland order: head-to-head wins minus losses, then the tie-breaks."""
    scores = copeland_scores(pairwise(ballots, candidates))
    return _ordered({a: float(n) for a, n in scores.items()}, tie_breaks)


def positions(ballot: Ballot, candidates: Sequence[int]) -> dict[int, float]:
    """Each candidate's position on one ballot, 1 = best; unranked candidates share the
    average of the positions left (ties count as their mean rank)."""
    place: dict[int, float] = {}
    for item in ballot:
        if item in candidates and item not in place:
            place[item] = float(len(place) + 1)
    rest = [c for c in candidates if c not in place]
    if rest:
        shared = (len(place) + 1 + len(candidates)) / 2
        place.update(dict.fromkeys(rest, shared))
    return place


def kendalls_w(ballots: Sequence[Ballot], candidates: Sequence[int]) -> float | None:
    """Kendall's coefficient of concordance, 0 (no agreement) to 1 (everyone agrees), with the
    correction for ties. None without ballots; 1.0 with fewer than two candidates."""
    n, m = len(ballots), len(candidates)
    if n == 0:
        return None
    if m < 2:
        return 1.0
    sums = dict.fromkeys(candidates, 0.0)
    ties = 0.0
    for ballot in ballots:
        place = positions(ballot, candidates)
        for item, value in place.items():
            sums[item] += value
        unranked = sum(1 for item in candidates if item not in ballot)
        if unranked > 1:
            ties += unranked**3 - unranked
    mean = n * (m + 1) / 2
    s = sum((total - mean) ** 2 for total in sums.values())
    denominator = n * n * (m**3 - m) - n * ties
    return 1.0 if denominator <= 0 else max(0.0, min(1.0, 12 * s / denominator))


@dataclass(frozen=True)
class Agreement:
    """How much the room agrees about one item."""

    consensus: float
    contested: bool


CONTESTED_SHARE = 0.3
"""An item is contested when at least this share of ballots puts it in the top third of
positions and at least this share in the bottom third."""


def ranking_agreement(ballots: Sequence[Ballot], candidates: Sequence[int]) -> dict[int, Agreement]:
    """Per item: consensus = 1 - 2 * the standard deviation of its normalised positions (0 at
    the top, 1 at the bottom; 0.5 is the largest spread possible), and contested when the room
    is split between the top and the bottom third. With no ballots or one candidate,
    every item has consensus 1 and nothing is contested."""
    m = len(candidates)
    if not ballots or m < 2:
        return {item: Agreement(1.0, False) for item in candidates}
    spread: dict[int, list[float]] = {item: [] for item in candidates}
    for ballot in ballots:
        for item, value in positions(ballot, candidates).items():
            spread[item].append((value - 1) / (m - 1))
    out: dict[int, Agreement] = {}
    for item, values in spread.items():
        deviation = statistics.pstdev(values)
        top = sum(1 for v in values if v <= 1 / 3) / len(values)
        bottom = sum(1 for v in values if v >= 2 / 3) / len(values)
        out[item] = Agreement(
            consensus=round(max(0.0, 1 - 2 * deviation), 4),
            contested=top >= CONTESTED_SHARE and bottom >= CONTESTED_SHARE,
        )
    return out
