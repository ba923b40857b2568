"""Our Condorcet, Schulze, Copeland and Borda results equal the `pref_voting` package's on
1,000 random profiles with truncated ballots (a test dependency only)."""

from __future__ import annotations

import random

import pytest
from pref_voting import c1_methods, margin_based_methods, profiles_with_ties, scoring_methods

from workshop.core import rules
from workshop.core.decisions import (
    condorcet_winner,
    copeland_scores,
    pairwise,
    schulze_winners,
)

PROFILES = 1000


def random_ballots(rng: random.Random, complete: bool) -> tuple[list[int], list[list[int]]]:
    candidates = list(range(rng.randint(2, 6)))
    ballots = []
    for _ in range(rng.randint(1, 9)):
        order = rng.sample(candidates, len(candidates))
        ballots.append(order if complete else order[: rng.randint(1, len(candidates))])
    return candidates, ballots


def reference(candidates: list[int], ballots: list[list[int]]) -> object:
    rankings = [{item: place + 1 for place, item in enumerate(ballot)} for ballot in ballots]
    profile = profiles_with_ties.ProfileWithTies(rankings, candidates=candidates)
    # Ranked above unranked, unranked tied: the rule our truncated ballots follow.
    profile.use_extended_strict_preference()
    return profile


@pytest.mark.parametrize("complete", [False, True], ids=["truncated", "complete"])
def test_condorcet_schulze_and_copeland_match_pref_voting(complete: bool) -> None:
    rng = random.Random(20261201 + complete)
    for _ in range(PROFILES):
        candidates, ballots = random_ballots(rng, complete)
        profile = reference(candidates, ballots)
        d = pairwise(ballots, candidates)
        assert condorcet_winner(d) == profile.condorcet_winner(), ballots
        assert schulze_winners(d, candidates) == sorted(margin_based_methods.beat_path(profile)), (
            ballots
        )
        scores = copeland_scores(d)
        best = max(scores.values())
        ours = sorted(item for item, score in scores.items() if score == best)
        assert ours == sorted(c1_methods.copeland(profile)), ballots


def test_borda_matches_pref_voting_on_complete_ballots() -> None:
    rng = random.Random(7)
    for _ in range(PROFILES):
        candidates, ballots = random_ballots(rng, complete=True)
        profile = reference(candidates, ballots).to_linear_profile()
        scores = rules.borda_scores(ballots, candidates)
        best = max(scores.values())
        ours = sorted(item for item, score in scores.items() if score == best)
        assert ours == sorted(scoring_methods.borda(profile)), ballots
