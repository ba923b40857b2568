"""More table tests of the pure decision core (`workshop/core/decisions.py`) and of what a
merge does to an entry (`workshop/core/merging.py`), on hand-computed examples; and a check of
the score-ballot functions (ties within ballots, truncation) against `pref_voting`."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest
from pref_voting import (  # type: ignore[import-untyped, unused-ignore]
    c1_methods,
    margin_based_methods,
    profiles_with_ties,
    scoring_methods,
)

from workshop.core.decisions import (
    ItemStanding,
    Rating,
    ScoreBallot,
    Standings,
    allocation_standings,
    borda_beaten,
    condorcet_winner,
    copeland_scores,
    is_robust,
    method_orders,
    moved,
    pairwise_scored,
    quadrant,
    ranking_standings,
    rating_standings,
    schulze_winners,
)
from workshop.core.merging import merge_amounts, merge_order, merge_ratings

ABC = [1, 2, 3]


def measures(standings: Standings) -> dict[int, tuple[int, float, float, bool]]:
    """Each item's (rank, score, consensus, contested)."""
    return {
        i: (item.rank, item.score, item.consensus, item.contested)
        for i, item in standings.items.items()
    }


def extra(item: ItemStanding, *keys: str) -> tuple[object, ...]:
    return tuple(item.extra[key] for key in keys)


# --------------------------------------------------------------------------- allocation_standings


def test_allocation_standings_totals_order_and_agreement() -> None:
    entries = [{1: 3, 2: 2}, {2: 3}, {3: 1}]
    s = allocation_standings("vote", entries, ABC, picks=0, key="votes")
    # Totals 1: 3, 2: 5, 3: 1, over 3 voters (docs/decisions.md: total / (voters * the
    # largest gift to the item)): 1 is 3 / (3 * 3) = 0.3333, 2 is 5 / (3 * 3) = 0.5556, 3 is
    # 1 / (3 * 1) = 0.3333. Each voter has a different favourite (3 of 5, 3 of 3, 1 of 1), so
    # each item has a camp of a third and a third who gave it nothing and favour another
    # (2: the third voter; the first voter's 2 dots on it are not nothing): all contested.
    assert s.order == [2, 1, 3]
    assert measures(s) == {
        2: (1, 5.0, 0.5556, True),
        1: (2, 3.0, 0.3333, True),
        3: (3, 1.0, 0.3333, True),
    }
    assert {i: item.extra for i, item in s.items.items()} == {
        1: {"votes": 3},
        2: {"votes": 5},
        3: {"votes": 1},
    }
    assert (s.kind, s.method, s.voters, s.picks) == ("vote", "totals", 3, 0)
    assert (s.kendall_w, s.condorcet_winner) == (None, None)


def test_allocation_standings_ties_go_to_the_earlier_item() -> None:
    s = allocation_standings("allocate", [{3: 40, 1: 40, 2: 20}], [3, 1, 2], picks=0, key="points")
    assert s.order == [1, 3, 2]
    assert s.items[1].extra == {"points": 40}


def test_allocation_standings_with_one_voter_agree_fully() -> None:
    s = allocation_standings("vote", [{2: 5}], ABC, picks=1, key="votes")
    assert s.order == [2, 1, 3]
    # The voter agrees with themself about 2; nobody chose 1 or 3: 0, not agreed.
    assert measures(s) == {
        2: (1, 5.0, 1.0, False),
        1: (2, 0.0, 0.0, False),
        3: (3, 0.0, 0.0, False),
    }
    assert s.voters == 1
    assert s.robust is True


def test_allocation_standings_without_voters() -> None:
    s = allocation_standings("allocate", [], [3, 1, 2], picks=1, key="points")
    assert s.order == [1, 2, 3]
    # Nobody chose anything: consensus 0 (docs/decisions.md), nothing contested.
    assert measures(s) == {i: (i, 0.0, 0.0, False) for i in ABC}
    assert s.voters == 0
    assert s.robust is True


def test_allocation_totals_ignore_items_that_are_not_counted() -> None:
    """Points on an item outside `items` (hidden) add to no total."""
    s = allocation_standings("vote", [{1: 2, 9: 3}, {2: 1}], [1, 2], picks=0, key="votes")
    assert {i: item.score for i, item in s.items.items()} == {1: 2.0, 2: 1.0}
    assert set(s.items) == {1, 2}


def test_allocation_where_one_big_giver_outweighs_a_majority_is_not_robust() -> None:
    # Totals: 1 has 10, 2 has 2, so the totals pick 1. Head to head, two of three put 2
    # above 1; Borda (items each ballot puts it above): 1 gets 2, 2 gets 2 + 2 = 4, and
    # Copeland: 2 beats 1 and 3 (+2), 1 beats 3 (0), 3 (-2). Every method picks 2.
    entries = [{1: 10}, {2: 1}, {2: 1}]
    s = allocation_standings("allocate", entries, ABC, picks=1, key="points")
    assert s.order == [1, 2, 3]
    assert s.methods == {"borda": [2], "schulze": [2], "copeland": [2]}
    assert s.robust is False


# --------------------------------------------------------------------------- rating_standings


RATED = ("impact", "impact_spread", "effort", "effort_spread", "ratings", "quadrant")


def test_rating_standings_means_spreads_and_quadrants() -> None:
    entries: list[dict[int, Rating]] = [
        {1: (5, 1), 2: (3, 3), 3: (4, 3), 4: (3, 4), 5: (None, 2)},
        {1: (3, 1)},
    ]
    s = rating_standings(entries, [1, 2, 3, 4, 5], picks=0, kind="rate")
    assert {i: extra(item, *RATED) for i, item in s.items.items()} == {
        # impact 5, 3: mean 4, spread 1; effort 1, 1: mean 1, spread 0. High, low.
        1: (4.0, 1.0, 1.0, 0.0, 2, "quick_win"),
        # Exactly 3 is not above the midpoint: low on both scales.
        2: (3.0, 0.0, 3.0, 0.0, 1, "fill_in"),
        3: (4.0, 0.0, 3.0, 0.0, 1, "quick_win"),
        4: (3.0, 0.0, 4.0, 0.0, 1, "money_pit"),
        # Effort only: a partial rating counts on its scale, but there is no quadrant yet.
        5: (None, None, 2.0, 0.0, 1, None),
    }
    # By mean impact (4, 4, 3, 3), then the lower mean effort, then unrated impact last.
    assert s.order == [1, 3, 2, 4, 5]
    assert {i: item.score for i, item in s.items.items()} == {
        1: 4.0,
        3: 4.0,
        2: 3.0,
        4: 3.0,
        5: 0.0,
    }
    # Item 1's impacts on 0..1 are 1 and 0.5: spread 0.25, consensus 0.5; one of two rated it
    # 4-5 and none 1-2, so it is not contested.
    assert (s.items[1].consensus, s.items[1].contested) == (0.5, False)
    assert (s.kind, s.method, s.voters) == ("rate", "impact", 2)


@pytest.mark.parametrize(
    ("impact", "effort", "expected"),
    [
        (3.0, 3.0, "fill_in"),
        (3.0001, 3.0, "quick_win"),
        (3.0, 3.0001, "money_pit"),
        (3.0001, 3.0001, "big_bet"),
        (5.0, 1.0, "quick_win"),
        (1.0, 5.0, "money_pit"),
        (None, 4.0, None),
        (4.0, None, None),
    ],
)
def test_quadrant_thresholds_a_mean_above_3_is_high(
    impact: float | None, effort: float | None, expected: str | None
) -> None:
    assert quadrant(impact, effort) == expected


def test_a_rating_split_between_high_and_low_is_contested() -> None:
    entries: list[dict[int, Rating]] = [{1: (5, 3)}, {1: (5, 3)}, {1: (1, 3)}, {1: (1, 3)}]
    s = rating_standings(entries, [1], picks=0, kind="rate")
    # Impacts on 0..1: 1, 1, 0, 0: spread 0.5, consensus 0; half rated 4-5, half 1-2.
    assert (s.items[1].consensus, s.items[1].contested) == (0.0, True)
    assert extra(s.items[1], "impact", "impact_spread", "quadrant") == (3.0, 2.0, "fill_in")


def test_a_spread_on_effort_alone_lowers_consensus() -> None:
    entries: list[dict[int, Rating]] = [{1: (4, 5)}, {1: (4, 1)}]
    s = rating_standings(entries, [1], picks=0, kind="rate")
    # Effort on 0..1: 1 and 0, spread 0.5, so consensus 0 although impact is unanimous.
    assert (s.items[1].consensus, s.items[1].contested) == (0.0, True)


def test_rating_standings_without_voters() -> None:
    s = rating_standings([], [2, 1], picks=1, kind="rate")
    assert s.order == [1, 2]
    assert {i: extra(item, *RATED) for i, item in s.items.items()} == {
        i: (None, None, None, None, 0, None) for i in (1, 2)
    }
    assert all((item.consensus, item.contested) == (1.0, False) for item in s.items.values())
    assert s.voters == 0


# --------------------------------------------------------------------------- ranking_standings


def test_ranking_ties_go_to_dots_then_the_earlier_item() -> None:
    ballots = [[1, 2], [2, 1]]  # Borda 1 each, and a tie head to head
    for method in ("borda", "schulze"):
        with_dots = ranking_standings(ballots, [1, 2], {2: 3}, method=method, picks=0, kind="rank")
        assert with_dots.order == [2, 1]
        assert with_dots.items[2].extra == {"votes": 3}
        without = ranking_standings(ballots, [1, 2], {}, method=method, picks=0, kind="rank")
        assert without.order == [1, 2]
        assert without.condorcet_winner is None


# 4 ballots 1 > 2 > 3, 3 ballots 2 > 3 > 1, 2 ballots 3 > 1 > 2: 1 beats 2 6-3, 2 beats 3
# 7-2, 3 beats 1 5-4, a Condorcet cycle. Borda (first of 3 earns 2): 1 4*2 + 2*1 = 10,
# 2 4*1 + 3*2 = 10, 3 3*1 + 2*2 = 7. Strongest paths by margin: 1 -> 2 3, 1 -> 3 min(3, 5) = 3,
# 2 -> 1 min(5, 1) = 1, 3 -> 1 1: Schulze ranks 1, then 2 (2 -> 3 5 beats 3 -> 2 1), then 3.
# Copeland: one win, one loss each: all tied at 0; ties go to Borda (1 and 2 at 10), then dots.
# Kendall's W: rank sums 1: 4 + 9 + 4 = 17, 2: 8 + 3 + 6 = 17, 3: 12 + 6 + 2 = 20 around 18:
# S = 1 + 1 + 4 = 6, W = 12 * 6 / (81 * 24) = 0.0370.
CYCLE = [[1, 2, 3]] * 4 + [[2, 3, 1]] * 3 + [[3, 1, 2]] * 2


def test_ranking_a_condorcet_cycle_by_schulze_and_by_borda() -> None:
    schulze = ranking_standings(CYCLE, ABC, {2: 1}, method="schulze", picks=1, kind="rank")
    assert schulze.order == [1, 2, 3]
    assert {i: item.score for i, item in schulze.items.items()} == {1: 10.0, 2: 10.0, 3: 7.0}
    assert schulze.condorcet_winner is None
    assert schulze.kendall_w == 0.037
    # Borda's tie between 1 and 2 goes to 2's dot; Copeland's three-way tie the same way.
    assert schulze.methods == {"borda": [2], "schulze": [1], "copeland": [2]}
    assert schulze.robust is False
    borda = ranking_standings(CYCLE, ABC, {2: 1}, method="borda", picks=1, kind="rank")
    assert borda.order == [2, 1, 3]
    assert borda.robust is False
    assert (borda.method, schulze.method) == ("borda", "schulze")


def test_ranking_truncated_ballots() -> None:
    # [1] says 1 beats 2 and 3; [2, 3] says 2 beats 3 and 1, and 3 beats 1. So 1 and 2 tie
    # head to head, 1 and 3 tie, 2 beats 3. Borda (items each ballot puts it above): 1 2,
    # 2 2, 3 1. Schulze: 1 and 2 are unbeaten, the tie goes to the earlier item.
    # Kendall's W: positions [1]: 1, 2.5, 2.5 and [2, 3]: 3, 1, 2: sums 4, 3.5, 4.5 around 4,
    # S = 0.5; the first ballot ties two items: T = 2**3 - 2 = 6; W = 12 * 0.5 / (4 * 24 - 2 * 6)
    # = 6 / 84 = 0.0714.
    s = ranking_standings([[1], [2, 3]], ABC, {}, method="schulze", picks=0, kind="rank")
    assert s.order == [1, 2, 3]
    assert {i: item.score for i, item in s.items.items()} == {1: 2.0, 2: 2.0, 3: 1.0}
    assert s.condorcet_winner is None
    assert s.kendall_w == 0.0714
    assert s.voters == 2
    # 1 is at the top of one ballot and the bottom of the other: consensus 0, contested.
    assert (s.items[1].consensus, s.items[1].contested) == (0.0, True)


def test_ranking_with_one_voter() -> None:
    s = ranking_standings([[3, 1]], ABC, {}, method="borda", picks=1, kind="rank")
    assert s.order == [3, 1, 2]
    assert measures(s) == {
        3: (1, 2.0, 1.0, False),
        1: (2, 1.0, 1.0, False),
        2: (3, 0.0, 1.0, False),
    }
    assert s.condorcet_winner == 3
    assert s.kendall_w == 1.0
    assert s.robust is True


def test_ranking_without_voters() -> None:
    s = ranking_standings([], [3, 1, 2], {}, method="schulze", picks=1, kind="rank")
    assert s.order == [1, 2, 3]
    assert measures(s) == {i: (i, 0.0, 1.0, False) for i in ABC}
    assert (s.kendall_w, s.condorcet_winner, s.voters) == (None, None, 0)
    assert s.robust is True


def test_a_unanimous_ranking() -> None:
    s = ranking_standings([[2, 3, 1]] * 4, ABC, {}, method="schulze", picks=2, kind="rank")
    assert s.order == [2, 3, 1]
    assert all((item.consensus, item.contested) == (1.0, False) for item in s.items.values())
    assert (s.kendall_w, s.condorcet_winner, s.robust) == (1.0, 2, True)
    assert s.methods == {"borda": [2, 3], "schulze": [2, 3], "copeland": [2, 3]}


# --------------------------------------------------------------------------- is_robust and moved


@pytest.mark.parametrize(
    ("own", "others", "picks", "robust"),
    [
        ([1, 2, 3], {"borda": [3, 2, 1]}, 0, True),  # 0 picks every item
        ([1, 2, 3], {"borda": [3, 2, 1]}, 3, True),  # so does picking all of them
        ([1, 2, 3], {"borda": [3, 2, 1]}, 5, True),
        ([1, 2, 3], {"borda": [2, 1, 3], "schulze": [1, 2, 3]}, 2, True),  # same set
        ([1, 2, 3], {"borda": [2, 1, 3], "schulze": [1, 2, 3]}, 1, False),
        ([1, 2, 3], {"borda": [1, 2, 3], "copeland": [1, 3, 2]}, 2, False),
        ([1, 2, 3], {}, 1, True),
    ],
)
def test_is_robust(own: list[int], others: dict[str, list[int]], picks: int, robust: bool) -> None:
    assert is_robust(own, others, picks) is robust


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ({1: 1, 2: 2}, {2: 1, 1: 2}, {1: 1, 2: -1}),
        ({1: 1, 2: 2, 3: 3}, {1: 1, 2: 2, 3: 3}, {1: 0, 2: 0, 3: 0}),
        ({3: 1, 1: 2}, {1: 1, 2: 2}, {3: None, 1: -1}),  # 3 is new; 2 left the list
        ({5: 1}, {}, {5: None}),
        ({}, {1: 1}, {}),
    ],
)
def test_moved_counts_places_up_as_positive(
    now: dict[int, int], before: dict[int, int], expected: dict[int, int | None]
) -> None:
    assert moved(now, before) == expected


# --------------------------------------------------------------------------- merging


@pytest.mark.parametrize(
    ("entry", "into", "absorbed", "cap", "expected"),
    [
        ({"1": 2, "2": 2, "3": 1}, 1, [2], 3, {"1": 3, "3": 1}),  # 4, capped at 3
        ({"2": 1, "5": 1}, 1, [2, 5], 3, {"1": 2}),  # onto an idea the voter had left out
        ({"1": 2, "2": 1}, 1, [2], 3, {"1": 3}),  # exactly the cap
        ({"3": 2}, 1, [2], 3, {"3": 2}),  # nothing on the merged ideas
        ({"1": 2}, 1, [2], 3, {"1": 2}),
        ({}, 1, [2], 3, {}),
    ],
)
def test_merge_amounts_sums_onto_the_remaining_idea_up_to_the_cap(
    entry: dict[str, int], into: int, absorbed: list[int], cap: int, expected: dict[str, int]
) -> None:
    merged = merge_amounts(entry, into, absorbed, cap)
    assert merged == expected
    assert sum(merged.values()) <= sum(entry.values())  # a budget can only hold


def test_merge_amounts_keeps_ids_in_numeric_order() -> None:
    merged = merge_amounts({"10": 1, "2": 1, "9": 4}, 2, [10], 5)
    assert list(merged.items()) == [("2", 2), ("9", 4)]


@pytest.mark.parametrize(
    ("entry", "into", "absorbed", "expected"),
    [
        # (5 + 2) / 2 = 3.5 -> 4 and (2 + 3) / 2 = 2.5 -> 3: half up, not to even.
        ({"1": [5, 2], "2": [2, 3]}, 1, [2], {"1": [4, 3]}),
        ({"1": [4, 4], "2": [5, 5]}, 1, [2], {"1": [5, 5]}),  # 4.5 -> 5 (round() gives 4)
        ({"2": [1, None]}, 1, [2], {"1": [1, None]}),  # moves as it is
        ({"1": [None, 4], "2": [2, None]}, 1, [2], {"1": [2, 4]}),  # each scale on its own
        # (1 + 2 + 2) / 3 = 1.67 -> 2, (1 + 2 + 5) / 3 = 2.67 -> 3.
        (
            {"1": [1, 1], "2": [2, 2], "3": [2, 5], "7": [3, 3]},
            1,
            [2, 3],
            {"1": [2, 3], "7": [3, 3]},
        ),
        ({"7": [3, 3]}, 1, [2], {"7": [3, 3]}),
        ({"2": [3, 4]}, 10, [2], {"10": [3, 4]}),
    ],
)
def test_merge_ratings_takes_the_mean_rounded_half_up(
    entry: dict[str, list[int | None]],
    into: int,
    absorbed: list[int],
    expected: dict[str, list[int | None]],
) -> None:
    assert merge_ratings(entry, into, absorbed) == expected


@pytest.mark.parametrize(
    ("order", "into", "absorbed", "expected"),
    [
        ([3, 1, 2], 1, [2], [3, 1]),
        ([3, 2, 1], 1, [2], [3, 1]),  # the remaining idea takes the best place of them
        ([2, 3], 1, [2], [1, 3]),
        ([2, 4, 3], 1, [2, 3], [1, 4]),
        ([3], 1, [2], [3]),
        ([], 1, [2], []),
    ],
)
def test_merge_order_puts_the_remaining_idea_at_the_best_place(
    order: list[int], into: int, absorbed: list[int], expected: list[int]
) -> None:
    assert merge_order(order, into, absorbed) == expected


# --------------------------------------------------------------------------- against pref_voting

PROFILES = 1200


def random_profile(rng: random.Random) -> tuple[list[int], list[dict[int, float]]]:
    """2-6 candidates, 1-9 score ballots; each scores a random subset (maybe none, maybe all)
    on 1-3, so ballots tie items and leave some out."""
    candidates = list(range(rng.randint(2, 6)))
    ballots: list[dict[int, float]] = []
    for _ in range(rng.randint(1, 9)):
        given = rng.sample(candidates, rng.randint(0, len(candidates)))
        ballots.append({c: float(rng.randint(1, 3)) for c in given})
    return candidates, ballots


def reference(candidates: list[int], ballots: list[dict[int, float]]) -> Any:
    # Rank 1 is the highest score; equal scores share a rank; unscored items are unranked.
    rankings = [{c: 4 - int(score) for c, score in ballot.items()} for ballot in ballots]
    profile = profiles_with_ties.ProfileWithTies(rankings, candidates=candidates)
    profile.use_extended_strict_preference()  # ranked above unranked, unranked tied
    return profile


def best(scores: Mapping[int, float]) -> list[int]:
    top = max(scores.values())
    return sorted(item for item, score in scores.items() if score == top)


def test_score_ballots_match_pref_voting_with_ties_and_truncation() -> None:
    rng = random.Random(20261202)
    tied = truncated = 0
    for _ in range(PROFILES):
        candidates, ballots = random_profile(rng)
        tied += any(len(set(b.values())) < len(b) for b in ballots)
        truncated += any(len(b) < len(candidates) for b in ballots)
        profile = reference(candidates, ballots)
        scored: list[ScoreBallot] = list(ballots)
        d = pairwise_scored(scored, candidates)
        support = {a: {b: profile.support(a, b) for b in candidates if b != a} for a in candidates}
        assert d == support, ballots
        borda = borda_beaten(scored, candidates)
        assert borda == scoring_methods.domination_borda_scores(profile), ballots
        copeland = copeland_scores(d)
        assert copeland == profile.copeland_scores(), ballots
        winner = condorcet_winner(d)
        assert winner == profile.condorcet_winner(), ballots
        schulze = sorted(margin_based_methods.beat_path(profile))
        assert schulze_winners(d, candidates) == schulze, ballots

        orders = method_orders(scored, candidates, [])
        assert orders["borda"][0] in best({a: float(n) for a, n in borda.items()}), ballots
        assert orders["schulze"][0] in schulze, ballots
        assert orders["copeland"][0] in sorted(c1_methods.copeland(profile)), ballots
        if winner is not None:
            assert orders["schulze"][0] == winner == orders["copeland"][0], ballots
        for order in orders.values():
            assert sorted(order) == candidates
    # The sample really has ties within ballots and truncated ballots.
    assert tied > PROFILES // 2
    assert truncated > PROFILES // 2
