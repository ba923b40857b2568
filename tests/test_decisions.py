"""The pure decision measures, on hand-computed examples: ties, a Condorcet cycle, truncated
ballots, one voter and no voters."""

from __future__ import annotations

import pytest

from workshop.core.decisions import (
    Agreement,
    condorcet_winner,
    copeland_order,
    kendalls_w,
    pairwise,
    positions,
    ranking_agreement,
    schulze_order,
    schulze_strengths,
    schulze_winners,
)

ABC = [1, 2, 3]


def test_pairwise_counts_truncated_ballots_as_ranked_over_unranked() -> None:
    # [1] says 1 beats 2 and 3, and nothing about 2 against 3.
    assert pairwise([[1], [2, 3]], ABC) == {
        1: {2: 1, 3: 1},
        2: {1: 1, 3: 1},
        3: {1: 1, 2: 0},
    }


def test_pairwise_skips_ids_that_are_not_candidates_and_repeats() -> None:
    assert pairwise([[9, 2, 2, 1]], [1, 2]) == {1: {2: 0}, 2: {1: 1}}


@pytest.mark.parametrize(
    ("ballots", "winner"),
    [
        ([[1, 2, 3], [1, 3, 2], [2, 1, 3]], 1),
        ([[3]], 3),  # one voter ranking only a favourite
        ([[1, 2, 3], [2, 3, 1], [3, 1, 2]], None),  # a Condorcet cycle
        ([[1, 2], [2, 1]], None),  # a tie
        ([], None),  # no voters
    ],
)
def test_condorcet_winner(ballots: list[list[int]], winner: int | None) -> None:
    assert condorcet_winner(pairwise(ballots, ABC)) == winner


def test_schulze_breaks_a_cycle_by_the_strongest_paths() -> None:
    # 4 of 1>2>3, 3 of 2>3>1, 2 of 3>1>2: 1 beats 2 by 6-3, 2 beats 3 by 7-2, 3 beats 1 by 5-4.
    ballots = [[1, 2, 3]] * 4 + [[2, 3, 1]] * 3 + [[3, 1, 2]] * 2
    d = pairwise(ballots, ABC)
    assert condorcet_winner(d) is None
    p = schulze_strengths(d)
    # Margins 1>2 3, 2>3 5, 3>1 1. Strongest paths: 1->3 min(3, 5) = 3, 2->1 min(5, 1) = 1,
    # 3->2 min(1, 3) = 1.
    assert p == {1: {2: 3, 3: 3}, 2: {1: 1, 3: 5}, 3: {1: 1, 2: 1}}
    assert schulze_order(ballots, ABC, []) == [1, 2, 3]


def test_schulze_ties_fall_to_borda_then_dots_then_the_earlier_item() -> None:
    ballots = [[1, 2], [2, 1]]  # 1 and 2 tie head to head
    assert schulze_order(ballots, [1, 2], [{1: 3, 2: 3}, {1: 1, 2: 4}]) == [2, 1]
    assert schulze_order(ballots, [1, 2], [{1: 3, 2: 3}, {1: 4, 2: 4}]) == [1, 2]
    assert schulze_order([], [2, 1], []) == [1, 2]  # no voters: the earlier item first


def test_copeland_counts_wins_minus_losses() -> None:
    # 1 beats 2 and 3; 2 beats 3.
    ballots = [[1, 2, 3], [1, 3, 2], [2, 1, 3]]
    assert copeland_order(ballots, ABC, []) == [1, 2, 3]
    # In a cycle every item has one win and one loss: the tie-breaks decide.
    cycle = [[1, 2, 3], [2, 3, 1], [3, 1, 2]]
    assert copeland_order(cycle, ABC, [{3: 2}]) == [3, 1, 2]


@pytest.mark.parametrize(
    ("ballot", "expected"),
    [
        ([2, 1, 3], {2: 1.0, 1: 2.0, 3: 3.0}),
        ([2], {2: 1.0, 1: 2.5, 3: 2.5}),  # the unranked share positions 2 and 3
        ([], {1: 2.0, 2: 2.0, 3: 2.0}),
    ],
)
def test_positions(ballot: list[int], expected: dict[int, float]) -> None:
    assert positions(ballot, ABC) == expected


@pytest.mark.parametrize(
    ("ballots", "w"),
    [
        ([[1, 2, 3]] * 4, 1.0),  # unanimous
        ([[1, 2, 3], [3, 2, 1]], 0.0),  # opposed: every rank sum is 4
        ([[1, 2, 3]], 1.0),  # one voter agrees with themself
        # Rank sums 2, 5, 5 around a mean of 4: S = 4 + 1 + 1 = 6; W = 12 * 6 / (4 * 24).
        ([[1, 2, 3], [1, 3, 2]], 0.75),
    ],
)
def test_kendalls_w(ballots: list[list[int]], w: float) -> None:
    assert kendalls_w(ballots, ABC) == pytest.approx(w)


def test_kendalls_w_without_ballots_or_with_one_candidate() -> None:
    assert kendalls_w([], ABC) is None
    assert kendalls_w([[1]], [1]) == 1.0


def test_kendalls_w_corrects_for_the_ties_of_truncated_ballots() -> None:
    # Each ballot leaves two items tied at 2.5: T = 2**3 - 2 = 6 per ballot, 12 in all.
    # [1], [1]: sums 2, 5, 5, S = 6, W = 12 * 6 / (4 * 24 - 2 * 12) = 1: they agree fully.
    assert kendalls_w([[1], [1]], ABC) == pytest.approx(1.0)
    # [1], [2]: sums 3.5, 3.5, 5, S = 1.5, W = 12 * 1.5 / 72.
    assert kendalls_w([[1], [2]], ABC) == pytest.approx(0.25)


def test_a_unanimous_room_has_full_consensus_and_nothing_contested() -> None:
    agreement = ranking_agreement([[1, 2, 3]] * 5, ABC)
    assert agreement == dict.fromkeys(ABC, Agreement(1.0, False))


def test_an_item_half_the_room_loves_and_half_rejects_is_contested() -> None:
    agreement = ranking_agreement([[1, 2, 3], [1, 2, 3], [3, 2, 1], [3, 2, 1]], ABC)
    # 1 and 3 sit at the top for half the room and at the bottom for the other half.
    assert agreement[1] == Agreement(0.0, True)
    assert agreement[3] == Agreement(0.0, True)
    # 2 is everyone's second choice.
    assert agreement[2] == Agreement(1.0, False)


def test_no_voters_means_nothing_to_disagree_about() -> None:
    assert ranking_agreement([], ABC) == dict.fromkeys(ABC, Agreement(1.0, False))


def test_the_schulze_order_starts_with_an_unbeaten_item_not_the_one_beating_most() -> None:
    # [1], [2, 3]: 2 beats 3, nothing beats 1 or 2: both are Schulze winners, so the tie-break
    # (here: 1 has more dots) decides, even though 2 beats more items than 1 does.
    ballots = [[1], [2, 3]]
    assert schulze_winners(pairwise(ballots, ABC), ABC) == [1, 2]
    assert schulze_order(ballots, ABC, [{1: 5, 2: 1}]) == [1, 2, 3]
    assert schulze_order(ballots, ABC, [{1: 1, 2: 5}]) == [2, 1, 3]
