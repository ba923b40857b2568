"""Consensus and contested items (`docs/decisions.md`, "Agreement"), on hand-computed tables:
a unanimous room, a room that spreads its dots evenly, a polarised room on every kind of
step, one voter, and an idea nobody chose.

Dots and points: consensus = total / (voters * the item's largest gift), 0 when nobody gave
it anything; contested when at least 30% made it their favourite (at least half of what they
gave) and at least 30% gave it nothing while favouring another item. Ratings and rankings:
1 - 2 * the standard deviation of the values on 0..1; contested when at least 30% put it in
the top third and at least 30% in the bottom third."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from workshop.core.decisions import (
    Agreement,
    allocation_agreement,
    allocation_standings,
    ranking_agreement,
    rating_agreement,
)

Expected = Mapping[int, tuple[float, bool]]


def table(agreement: Mapping[int, Agreement]) -> dict[int, tuple[float, bool]]:
    return {item: (a.consensus, a.contested) for item, a in agreement.items()}


# --------------------------------------------------------------------------- dots and points

# Each case: what each voter gave, the items counted, and each item's (consensus, contested).
ALLOCATIONS: dict[str, tuple[list[dict[int, int]], list[int], Expected]] = {
    # Everyone gives 1 three dots and 2 two: both totals are voters * largest gift. Nobody
    # gave 3 anything: 0, not "agreed". 1 is everyone's favourite, so no rival camp exists.
    "unanimous room, dots": (
        [{1: 3, 2: 2}] * 4,
        [1, 2, 3],
        {1: (1.0, False), 2: (1.0, False), 3: (0.0, False)},
    ),
    "unanimous room, points": (
        [{1: 60, 2: 40}] * 3,
        [1, 2, 3],
        {1: (1.0, False), 2: (1.0, False), 3: (0.0, False)},
    ),
    # Five dots, one on each of 1..5, from everyone: each total is 4 = 4 voters * 1. Nobody
    # has a favourite (1 of 5 is under half), so nothing is contested.
    "everyone spreads dots evenly": (
        [{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}] * 4,
        [1, 2, 3, 4, 5, 6],
        {1: (1.0, False), 2: (1.0, False), 3: (1.0, False), 4: (1.0, False), 5: (1.0, False)}
        | {6: (0.0, False)},
    ),
    # 100 points over three items as evenly as whole points allow. 1 and 2: totals 134 over
    # 4 * 34 = 0.9853; 3: 132 over 4 * 33 = 1. The largest gift, 34, is under half of 100.
    "everyone spreads points evenly": (
        [{1: 34, 2: 33, 3: 33}, {1: 33, 2: 34, 3: 33}] * 2,
        [1, 2, 3],
        {1: (0.9853, False), 2: (0.9853, False), 3: (1.0, False)},
    ),
    # Half give 1 the most a dot vote allows (3 of 5) and 2 the rest; the other half do the
    # same for 3 and 4. 1: total 6 over 4 * 3 = 0.5; half favour it, the other half give it
    # nothing and favour 3: contested, and 3 likewise. 2 and 4: 4 over 4 * 2 = 0.5, nobody's
    # favourite (2 of 5), so not contested.
    "polarised room, dots": (
        [{1: 3, 2: 2}, {3: 3, 4: 2}] * 2,
        [1, 2, 3, 4],
        {1: (0.5, True), 2: (0.5, False), 3: (0.5, True), 4: (0.5, False)},
    ),
    # Half put all 100 points on 1, half all on 2: 300 over 6 * 100 = 0.5 each, contested.
    "polarised room, points": (
        [{1: 100}, {2: 100}] * 3,
        [1, 2],
        {1: (0.5, True), 2: (0.5, True)},
    ),
    # One voter agrees with themself about what they chose; 3 they did not choose.
    "one voter": (
        [{1: 2, 2: 3}],
        [1, 2, 3],
        {1: (1.0, False), 2: (1.0, False), 3: (0.0, False)},
    ),
    "nobody voted": ([], [1, 2], {1: (0.0, False), 2: (0.0, False)}),
    # Only dots on a hidden idea (9): they do not count, so nobody chose 1 or 2.
    "only a hidden idea was chosen": ([{9: 3}], [1, 2], {1: (0.0, False), 2: (0.0, False)}),
    # docs/decisions.md's worked example: 5 dots each, at most 3 on one idea.
    # A: 8 over 5 * 3 = 0.5333; B: 5 over 5 * 2 = 0.5; C: 6 over 5 * 2 = 0.6;
    # D: 2 over 5 * 1 = 0.4; E: 4 over 5 * 2 = 0.4; F: nobody, 0. Ana and Cy favour A (3 of
    # 5), nobody else has a favourite: nothing is contested although two of five gave the
    # most-voted idea nothing.
    "worked example": (
        [{1: 3, 2: 2}, {1: 2, 3: 2, 4: 1}, {1: 3, 5: 2}, {2: 2, 3: 2, 4: 1}, {2: 1, 3: 2, 5: 2}],
        [1, 2, 3, 4, 5, 6],
        {1: (0.5333, False), 2: (0.5, False), 3: (0.6, False), 4: (0.4, False)}
        | {5: (0.4, False), 6: (0.0, False)},
    ),
    # The same with Dee and Eve putting 3 on C: A is favoured by 2 of 5 and ignored by the
    # 2 of 5 who favour C, and the other way round: both contested, both at 8 / 15.
    # B: Ana 2 + Dee 2 = 4 over 5 * 2 = 0.4; D: Ben's 1 over 5 * 1 = 0.2.
    "worked example, two camps": (
        [{1: 3, 2: 2}, {1: 2, 3: 2, 4: 1}, {1: 3, 5: 2}, {3: 3, 2: 2}, {3: 3, 5: 2}],
        [1, 2, 3, 4, 5, 6],
        {1: (0.5333, True), 2: (0.4, False), 3: (0.5333, True), 4: (0.2, False)}
        | {5: (0.4, False), 6: (0.0, False)},
    ),
    # The most-voted idea is not split because most people spent their dots elsewhere: 1..5
    # get one dot from 4 of 10 (total 4 over 10 * 1 = 0.4), 6..10 and 11..15 one from 3 of
    # 10 (0.3). Six of ten gave 1 nothing, but everyone spread their five dots, so nobody
    # has a favourite and nothing is contested.
    "the most-voted idea, the rest spent elsewhere": (
        [dict.fromkeys(range(1, 6), 1)] * 4
        + [dict.fromkeys(range(6, 11), 1)] * 3
        + [dict.fromkeys(range(11, 16), 1)] * 3,
        list(range(1, 16)),
        {i: (0.4 if i <= 5 else 0.3, False) for i in range(1, 16)},
    ),
    # A favourite needs at least half of what one gave: exactly half makes two favourites.
    # Two give 1 and 2 50 each, two give 3 all 100: 1 is favoured by half and ignored by the
    # half favouring 3, so contested (consensus 100 over 4 * 50 = 0.5).
    "half is a favourite": (
        [{1: 50, 2: 50}, {3: 100}] * 2,
        [1, 2, 3],
        {1: (0.5, True), 2: (0.5, True), 3: (0.5, True)},
    ),
    # Uneven backing lowers consensus without anyone opposing: all four gave 1 something,
    # 3, 1, 1 and 1: 6 over 4 * 3 = 0.5 (only the first voter favours it: 25%, no camp).
    # Everyone gave 2 two dots: 8 over 4 * 2 = 1; three of four gave 3 two: 6 over 8 = 0.75.
    "everyone backs it, unevenly": (
        [{1: 3, 2: 2}, {1: 1, 2: 2, 3: 2}] + [{1: 1, 3: 2, 2: 2}] * 2,
        [1, 2, 3],
        {1: (0.5, False), 2: (1.0, False), 3: (0.75, False)},
    ),
}


@pytest.mark.parametrize(
    ("entries", "items", "expected"), list(ALLOCATIONS.values()), ids=list(ALLOCATIONS)
)
def test_allocation_agreement(
    entries: list[dict[int, int]], items: list[int], expected: Expected
) -> None:
    assert table(allocation_agreement(entries, items)) == expected


def test_standings_carry_the_allocation_agreement() -> None:
    entries, items, expected = ALLOCATIONS["worked example"]
    s = allocation_standings("vote", entries, items, picks=2, key="votes")
    assert s.order == [1, 3, 2, 5, 4, 6]
    assert {i: (item.consensus, item.contested) for i, item in s.items.items()} == expected
    assert all(isinstance(item.consensus, float) for item in s.items.values())


def test_a_polarised_rooms_favourite_is_never_agreed() -> None:
    # However large the room, an item only half the voters back scores at most 0.5.
    for half in range(1, 8):
        agreement = allocation_agreement([{1: 3, 2: 2}, {3: 3, 2: 2}] * half, [1, 2, 3])
        assert table(agreement) == {1: (0.5, True), 2: (1.0, False), 3: (0.5, True)}


# --------------------------------------------------------------------------- ratings

RATINGS: dict[str, tuple[list[int], list[int], tuple[float, bool]]] = {
    "unanimous room": ([4, 4, 4, 4], [2, 2, 2, 2], (1.0, False)),
    # Impacts on 0..1: 1, 1, 0, 0: spread 0.5, consensus 0; half 4-5, half 1-2.
    "polarised room on impact": ([5, 5, 1, 1], [3, 3, 3, 3], (0.0, True)),
    # Effort on 0..1: 0.75, 0.75, 0.25, 0.25: spread 0.25, consensus 0.5; half 4, half 2.
    "polarised room on effort": ([3, 3, 3, 3], [4, 4, 2, 2], (0.5, True)),
    # Two thirds 5 and a third 1 on impact: 1, 1, 0: spread sqrt(2/9) = 0.4714, 0.0572.
    "two camps of unequal size": ([5, 5, 1], [3, 3, 3], (0.0572, True)),
    # Everyone high, some higher: 1, 0.75, 1, 0.75: spread 0.125, consensus 0.75; nobody low.
    "everyone rates it high": ([5, 4, 5, 4], [], (0.75, False)),
    "one voter": ([5], [1], (1.0, False)),
    # Ratings keep their rule: an item nobody rated has nothing to disagree about.
    "nobody rated it": ([], [], (1.0, False)),
}


@pytest.mark.parametrize(
    ("impacts", "efforts", "expected"), list(RATINGS.values()), ids=list(RATINGS)
)
def test_rating_agreement(
    impacts: list[int], efforts: list[int], expected: tuple[float, bool]
) -> None:
    a = rating_agreement(impacts, efforts)
    assert (a.consensus, a.contested) == expected


# --------------------------------------------------------------------------- rankings

RANKINGS: dict[str, tuple[list[list[int]], Expected]] = {
    "unanimous room": ([[1, 2, 3]] * 4, {1: (1.0, False), 2: (1.0, False), 3: (1.0, False)}),
    # 1 and 3 at the top for half and at the bottom for the other half: 0, 0, 1, 1, spread
    # 0.5, consensus 0, contested; 2 is everyone's second choice.
    "polarised room": (
        [[1, 2, 3], [1, 2, 3], [3, 2, 1], [3, 2, 1]],
        {1: (0.0, True), 2: (1.0, False), 3: (0.0, True)},
    ),
    # Half put 1 first, half last behind a rival 2: 1 sits at 0, 0, 1, 1 (consensus 0,
    # contested); 2 at 0.5, 0.5, 0, 0 (spread 0.25, consensus 0.5; nobody puts it in the
    # bottom third); 3 at 1, 1, 0.5, 0.5 (0.5, nobody puts it in the top third).
    "polarised room with a rival": (
        [[1, 2, 3], [1, 2, 3], [2, 3, 1], [2, 3, 1]],
        {1: (0.0, True), 2: (0.5, False), 3: (0.5, False)},
    ),
    "one voter": ([[2, 1, 3]], {1: (1.0, False), 2: (1.0, False), 3: (1.0, False)}),
}


@pytest.mark.parametrize(("ballots", "expected"), list(RANKINGS.values()), ids=list(RANKINGS))
def test_ranking_agreement(ballots: Sequence[Sequence[int]], expected: Expected) -> None:
    assert table(ranking_agreement(ballots, [1, 2, 3])) == expected
