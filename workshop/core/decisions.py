"""How sure a room is: pairwise counts, Schulze, Copeland, Condorcet, Kendall's W, consensus.

Pure functions over ballots (orders of item ids, best first, possibly truncated) and over what
each participant gave (dots, points, ratings). Every step that scores items (vote, allocate,
rate, rank) turns its entries into `Standings` here: the order, each item's score, consensus
and contested flag, and whether Borda, Schulze and Copeland would pick the same items.

Truncated ballots count like this: a ranked item beats every unranked item, and unranked items
are tied with each other, so a voter who ranks only a favourite still says something about it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..i18n import N_

Ballot = Sequence[int]


ScoreBallot = Mapping[int, float]
"""What one participant gave each item (dots, points, a rating); an item absent from it is
below every item present, and absent items are tied with each other."""


def order_scores(ballot: Ballot) -> dict[int, float]:
    """An order as a score ballot: the first item scores highest; a repeat counts once."""
    scores: dict[int, float] = {}
    for item in ballot:
        if item not in scores:
            scores[item] = -float(len(scores))
    return scores


def pairwise_scored(
    ballots: Sequence[ScoreBallot], candidates: Sequence[int]
) -> dict[int, dict[int, int]]:
    """d[a][b]: how many ballots put a above b (equal scores, or both absent: no preference).

    A ballot names few items (a handful of dots), so this counts per ballot only the pairs of
    items it names: d[a][b] = (ballots naming a) - (ballots naming both) + (ballots naming both
    with a above b), in O(ballots * named² + candidates²) instead of O(ballots * candidates²).
    """
    index = {a: i for i, a in enumerate(candidates)}
    m = len(candidates)
    named = [0] * m
    both = [[0] * m for _ in range(m)]
    above = [[0] * m for _ in range(m)]
    for ballot in ballots:
        present = [(index[a], score) for a, score in ballot.items() if a in index]
        for i, score in present:
            named[i] += 1
            row_both, row_above = both[i], above[i]
            for j, other in present:
                row_both[j] += 1
                if score > other:
                    row_above[j] += 1
    return {
        a: {b: named[i] - both[i][j] + above[i][j] for j, b in enumerate(candidates) if j != i}
        for i, a in enumerate(candidates)
    }


def pairwise(ballots: Sequence[Ballot], candidates: Sequence[int]) -> dict[int, dict[int, int]]:
    """d[a][b]: how many ballots prefer a to b. Ids on a ballot that are not candidates are
    skipped; a candidate named twice on a ballot counts at its first place."""
    return pairwise_scored([order_scores(ballot) for ballot in ballots], candidates)


def borda_beaten(ballots: Sequence[ScoreBallot], candidates: Sequence[int]) -> dict[int, int]:
    """Borda as "how many items each ballot puts it above". On an order of a shortlist of k
    this is the usual count: first place k-1 points, last 0, unranked 0. Per ballot only the
    items it names score: each beats every item it leaves out and those it scores lower."""
    allowed = set(candidates)
    scores = dict.fromkeys(candidates, 0)
    m = len(candidates)
    for ballot in ballots:
        present = [(a, score) for a, score in ballot.items() if a in allowed]
        absent = m - len(present)
        ranked = sorted(score for _a, score in present)
        for a, score in present:
            scores[a] += absent + bisect.bisect_left(ranked, score)
    return scores


def borda_of(d: Mapping[int, Mapping[int, int]]) -> dict[int, int]:
    """Borda scores from pairwise counts: an item's points are the ballots putting it above
    each other item, summed."""
    return {a: sum(row.values()) for a, row in d.items()}


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
    m = len(items)
    # Lists indexed by position: the m³ loop is the hot part of a live tally.
    p = [[max(d[a][b] - d[b][a], 0) if a != b else 0 for b in items] for a in items]
    for k in range(m):
        row_k = p[k]
        for i in range(m):
            if i == k:
                continue
            row_i = p[i]
            via = row_i[k]
            if via == 0:
                continue
            for j in range(m):
                if j != i and j != k:
                    through = via if via < row_k[j] else row_k[j]
                    if through > row_i[j]:
                        row_i[j] = through
    return {a: {b: p[i][j] for j, b in enumerate(items) if j != i} for i, a in enumerate(items)}


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
    return schulze_order_of(pairwise(ballots, candidates), candidates, tie_breaks)


def schulze_order_of(
    d: Mapping[int, Mapping[int, int]],
    candidates: Sequence[int],
    tie_breaks: Sequence[Mapping[int, float]],
) -> list[int]:
    """The Schulze order from pairwise counts (see `schulze_order`)."""
    p = schulze_strengths(d)
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


def spread(values: Sequence[float]) -> float:
    """The population standard deviation, in floats (the statistics module's exact version is
    far slower, and a live tally computes hundreds of these)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / n)


def _agreement(values: Sequence[float], top: Sequence[bool], bottom: Sequence[bool]) -> Agreement:
    """Consensus 1 - 2 * the standard deviation of values on a 0..1 scale (0.5 is the largest
    spread possible); contested when both the top and the bottom hold CONTESTED_SHARE."""
    if not values:
        return Agreement(1.0, False)
    deviation = spread(values)
    n = len(values)
    return Agreement(
        consensus=round(max(0.0, 1 - 2 * deviation), 4),
        contested=sum(top) / n >= CONTESTED_SHARE and sum(bottom) / n >= CONTESTED_SHARE,
    )


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
    return {
        item: _agreement(values, [v <= 1 / 3 for v in values], [v >= 2 / 3 for v in values])
        for item, values in spread.items()
    }


FAVOURITE_SHARE = 0.5
"""On dots and points, an item is a participant's favourite when it holds at least this share
of what they gave (several items can be, at exactly half each)."""


def allocation_agreement(
    entries: Sequence[Mapping[int, int]], items: Sequence[int]
) -> dict[int, Agreement]:
    """Per item, from what each participant gave the counted items (dots or points).

    Giving an item nothing is not opposing it: with a few dots to spend, most of the room gives
    most items nothing. So consensus is how widely the item was backed (its supporters' share
    of the voters) times how evenly its supporters backed it (their mean gift over the largest
    one), which is its total over `voters * its largest gift`: 1 when every voter gave it the
    same amount, 0 when nobody gave it anything (0 here means "not chosen", not "divided").
    An item is contested when the room splits into camps: at least 30% made it their favourite
    (at least half of what they gave) and at least 30% gave it nothing while making another
    item their favourite. Voters are those who gave something to a counted item."""
    counted = set(items)  # dots on a hidden idea do not count, here either
    given = [{i: n for i, n in entry.items() if i in counted and n > 0} for entry in entries]
    given = [entry for entry in given if entry]
    voters = len(given)
    favourites = [
        {i for i, n in entry.items() if n >= FAVOURITE_SHARE * sum(entry.values())}
        for entry in given
    ]
    out: dict[int, Agreement] = {}
    for item in items:
        gifts = [entry[item] for entry in given if item in entry]
        if not gifts:
            out[item] = Agreement(0.0, False)
            continue
        camp = sum(1 for chosen in favourites if item in chosen)
        rivals = sum(
            1
            for entry, chosen in zip(given, favourites, strict=True)
            if item not in entry and chosen
        )
        out[item] = Agreement(
            consensus=round(sum(gifts) / (voters * max(gifts)), 4),
            contested=camp / voters >= CONTESTED_SHARE and rivals / voters >= CONTESTED_SHARE,
        )
    return out


# --------------------------------------------------------------------------- ratings

SCALE_LOW, SCALE_HIGH = 1, 5
MIDPOINT = 3.0
"""A mean rating above the midpoint is high; at or below it, low (on either scale)."""

SCALE_KEYS = ("impact", "effort")
"""The rate step's scales unless its settings name others: the first is drawn up the chart
and orders the items (higher first), the second across (lower first on a tie)."""

QUADRANTS = {
    (True, False): "quick_win",
    (True, True): "big_bet",
    (False, False): "fill_in",
    (False, True): "money_pit",
}
"""(first scale high, second scale high) -> the quadrant's position id. The ids are named for
impact and effort, but they are positions: `quick_win` is the first scale high and the second
low whatever the scales are."""

QUADRANT_NAMES = {
    "quick_win": N_("Quick win"),
    "big_bet": N_("Big bet"),
    "fill_in": N_("Fill-in"),
    "money_pit": N_("Money pit"),
}
"""Each position's name unless the step's settings name it otherwise."""


def quadrant(first: float | None, second: float | None) -> str | None:
    """The position id of a pair of means: quick_win (first scale high, second low), big_bet
    (both high), fill_in (both low) or money_pit (first low, second high); high is above the
    midpoint. None until the item has a mean on both scales. With the default scales: quick
    win (high impact, low effort), big bet, fill-in, money pit (low impact, high effort)."""
    if first is None or second is None:
        return None
    return QUADRANTS[(first > MIDPOINT, second > MIDPOINT)]


def quadrant_name(position: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """A position id's name: from `names` (a step's `quadrants` setting), else the default."""
    if position is None:
        return None
    return (names or QUADRANT_NAMES).get(position, QUADRANT_NAMES[position])


@dataclass(frozen=True)
class Scale:
    """One scale's ratings of one item."""

    n: int
    mean: float | None
    spread: float | None  # the standard deviation of the ratings


def scale_of(values: Sequence[int]) -> Scale:
    """The count, mean and spread of one item's ratings on one scale."""
    if not values:
        return Scale(0, None, None)
    return Scale(
        len(values),
        round(math.fsum(values) / len(values), 4),
        round(spread([float(v) for v in values]), 4),
    )


Rating = tuple[int | None, int | None]
"""(first scale, second scale), impact and effort by default; either may be missing: partial
ratings are allowed."""


def rating_agreement(first: Sequence[int], second: Sequence[int]) -> Agreement:
    """Consensus 1 - 2 * the larger spread of the two scales on 0..1; contested when, on either
    scale, at least 30% rated it 4-5 and at least 30% rated it 1-2."""
    if not first and not second:
        return Agreement(1.0, False)
    worst = 0.0
    contested = False
    for values in (first, second):
        if not values:
            continue
        worst = max(worst, spread([(v - SCALE_LOW) / 4 for v in values]))
        n = len(values)
        high = sum(1 for v in values if v >= 4) / n
        low = sum(1 for v in values if v <= 2) / n
        contested = contested or (high >= CONTESTED_SHARE and low >= CONTESTED_SHARE)
    return Agreement(round(max(0.0, 1 - 2 * worst), 4), contested)


# --------------------------------------------------------------------------- standings


@dataclass(frozen=True)
class ItemStanding:
    """One item in a step's standings."""

    idea_id: int
    rank: int
    score: float
    consensus: float
    contested: bool
    extra: Mapping[str, object]


@dataclass(frozen=True)
class Standings:
    """Where a step leaves its items: the order (best first), each item, and how sure it is.

    `picks` is how many items the step chooses (a later shortlist, or the stage's selection;
    0: all). `methods` holds the picks under Borda, Schulze and Copeland over everyone's
    preferences; `robust` is true when they and the step's own order pick the same items.
    """

    kind: str
    order: list[int]
    items: dict[int, ItemStanding]
    voters: int
    picks: int
    robust: bool
    methods: dict[str, list[int]]
    method: str
    kendall_w: float | None = None
    condorcet_winner: int | None = None


LEADING = 40
"""Schulze and Copeland compare the step's leading items (its own top `LEADING`, or twice its
picks when that is more) rather than every idea: a stage can hold hundreds of ideas, Schulze
costs the cube of their number, and an item far down the step's own order is not one the
methods could disagree about picking. With fewer items, the comparison covers them all."""


def leading(order: Sequence[int], picks: int) -> list[int]:
    """The items the robustness check compares: the head of the step's own order."""
    return list(order[: max(LEADING, 2 * picks)])


def method_orders(
    ballots: Sequence[ScoreBallot],
    candidates: Sequence[int],
    tie_breaks: Sequence[Mapping[int, float]],
    among: Sequence[int] | None = None,
) -> dict[str, list[int]]:
    """The order under Borda (over every candidate), Schulze and Copeland (over `among`, the
    leading candidates, or all of them). Borda's ties go to the tie-breaks; the others' to
    Borda first, then the tie-breaks; then the earlier item."""
    pool = list(candidates if among is None else among)
    d = pairwise_scored(ballots, pool)
    borda = {a: float(n) for a, n in borda_beaten(ballots, candidates).items()}
    copeland = {a: float(n) for a, n in copeland_scores(d).items()}
    return {
        "borda": _ordered(borda, tie_breaks),
        "schulze": schulze_order_of(d, pool, [borda, *tie_breaks]),
        "copeland": _ordered(copeland, [borda, *tie_breaks]),
    }


def top(order: Sequence[int], picks: int) -> list[int]:
    """The first `picks` items of an order (all of them for 0)."""
    return list(order) if picks <= 0 else list(order[:picks])


def is_robust(own: Sequence[int], others: Mapping[str, Sequence[int]], picks: int) -> bool:
    """Whether every method picks the same set of items as the step's own order."""
    if picks <= 0 or picks >= len(own):
        return True
    chosen = set(top(own, picks))
    return all(set(top(order, picks)) == chosen for order in others.values())


def _standings(
    kind: str,
    method: str,
    order: list[int],
    scores: Mapping[int, float],
    agreement: Mapping[int, Agreement],
    extra: Mapping[int, Mapping[str, object]],
    *,
    voters: int,
    picks: int,
    methods: dict[str, list[int]],
    **overall: object,
) -> Standings:
    items = {
        item: ItemStanding(
            idea_id=item,
            rank=index + 1,
            score=scores.get(item, 0),
            consensus=agreement[item].consensus,
            contested=agreement[item].contested,
            extra=extra.get(item, {}),
        )
        for index, item in enumerate(order)
    }
    return Standings(
        kind=kind,
        order=order,
        items=items,
        voters=voters,
        picks=picks,
        robust=is_robust(order, methods, picks),
        methods={name: top(o, picks) for name, o in methods.items()},
        method=method,
        **overall,  # type: ignore[arg-type]
    )


def allocation_standings(
    kind: str,
    entries: Sequence[Mapping[int, int]],
    items: Sequence[int],
    *,
    picks: int,
    key: str,
) -> Standings:
    """Dots or points: totals (summed here), order by total then the earlier item, and the
    measures. `entries` holds one allocation per participant who took part."""
    totals = dict.fromkeys(items, 0)
    for entry in entries:
        for item, n in entry.items():
            if item in totals:
                totals[item] += n
    order = sorted(items, key=lambda item: (-totals[item], item))
    ballots = [{i: float(n) for i, n in entry.items() if n > 0} for entry in entries]
    return _standings(
        kind,
        "totals",
        order,
        {item: float(n) for item, n in totals.items()},
        allocation_agreement(entries, items),
        {item: {key: totals[item]} for item in items},
        voters=len(entries),
        picks=picks,
        methods=method_orders(
            ballots,
            items,
            [{i: float(n) for i, n in totals.items()}],
            among=leading(order, picks),
        ),
    )


def rating_standings(
    entries: Sequence[Mapping[int, Rating]],
    items: Sequence[int],
    *,
    picks: int,
    kind: str,
    scales: Sequence[str] = SCALE_KEYS,
    names: Mapping[str, str] | None = None,
    higher_second_first: bool = False,
) -> Standings:
    """Two scales (impact and effort unless `scales` names others): each scale's mean and
    spread under its key (`<key>`, `<key>_spread`), how many rated the item, its quadrant's
    position id, and with `names` (the step's quadrant names) its `quadrant_label`. The order
    is by the first scale's mean, then the lower mean on the second (the higher with
    `higher_second_first`: a risk's impact), then the earlier item (items nobody rated on the
    first scale come last, and on a tie those not rated on the second). `kind` is the step's
    kind, as the standings carry it; the method is "impact" (the first scale's mean) whatever
    the scales."""
    first_key, second_key = scales
    firsts: dict[int, list[int]] = {item: [] for item in items}
    seconds: dict[int, list[int]] = {item: [] for item in items}
    for entry in entries:
        for item, (first, second) in entry.items():
            if item in firsts:
                if first is not None:
                    firsts[item].append(first)
                if second is not None:
                    seconds[item].append(second)
    extra: dict[int, dict[str, object]] = {}
    means: dict[int, tuple[float | None, float | None]] = {}
    scores: dict[int, float] = {}
    for item in items:
        i, e = scale_of(firsts[item]), scale_of(seconds[item])
        means[item] = (i.mean, e.mean)
        position = quadrant(i.mean, e.mean)
        extra[item] = {
            first_key: i.mean,
            f"{first_key}_spread": i.spread,
            second_key: e.mean,
            f"{second_key}_spread": e.spread,
            "ratings": max(i.n, e.n),
            "quadrant": position,
        }
        if names is not None:
            extra[item]["quadrant_label"] = quadrant_name(position, names)
        scores[item] = i.mean if i.mean is not None else 0.0

    def key(item: int) -> tuple[int, float, float, int]:
        i, e = means[item]
        return (
            0 if i is not None else 1,
            -i if i is not None else 0.0,
            float(SCALE_HIGH + 1) if e is None else -e if higher_second_first else e,
            item,
        )

    order = sorted(items, key=key)
    ballots = [
        {item: float(first) for item, (first, _e) in entry.items() if first is not None}
        for entry in entries
    ]
    return _standings(
        kind,
        "impact",
        order,
        scores,
        {item: rating_agreement(firsts[item], seconds[item]) for item in items},
        extra,
        voters=len(entries),
        picks=picks,
        methods=method_orders(ballots, items, [scores], among=leading(order, picks)),
    )


METHODS = ("borda", "schulze")


def ranking_standings(
    ballots: Sequence[Ballot],
    shortlist: Sequence[int],
    dots: Mapping[int, int],
    *,
    method: str,
    picks: int,
    kind: str,
) -> Standings:
    """A ranking of the shortlist by Borda or Schulze (ties: Borda score, then dots, then the
    earlier item), with each item's Borda score, consensus from the spread of its positions,
    Kendall's W for the room and the Condorcet winner when there is one. `kind` is the step's
    kind, as the standings carry it."""
    scored = [order_scores(ballot) for ballot in ballots]
    tie_dots = {item: float(dots.get(item, 0)) for item in shortlist}
    by_method = method_orders(scored, shortlist, [tie_dots])
    d = pairwise_scored(scored, shortlist)
    borda = borda_of(d)
    order = by_method["schulze" if method == "schulze" else "borda"]
    return _standings(
        kind,
        method,
        order,
        {item: float(n) for item, n in borda.items()},
        ranking_agreement(ballots, shortlist),
        {item: {"votes": dots.get(item, 0)} for item in shortlist},
        voters=len(ballots),
        picks=picks,
        methods=by_method,
        kendall_w=None if not ballots else round(kendalls_w(ballots, shortlist) or 0.0, 4),
        condorcet_winner=condorcet_winner(d) if ballots else None,
    )


def moved(now: Mapping[int, int], before: Mapping[int, int]) -> dict[int, int | None]:
    """Places each item moved between rounds (positive: up), None for an item new to the list."""
    return {item: (before[item] - rank if item in before else None) for item, rank in now.items()}
