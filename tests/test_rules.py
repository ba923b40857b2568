"""The pure rules: phase steps, idea text, names, dot budgets, shortlist, Borda and results."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.core import rules, steps
from workshop.core.errors import DomainError

# Hypothesis keeps no example database, so a test run leaves no files in the repository.
quick = settings(database=None, max_examples=150, deadline=None)


def error_code(call: object, *args: object, **kwargs: object) -> str:
    """Run `call` and return the DomainError code it raised."""
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# --------------------------------------------------------------------------- phases

ALLOWED_TRANSITIONS = [
    ("pending", "brainstorm"),
    ("brainstorm", "brainstorm"),
    ("brainstorm", "vote"),
    ("vote", "brainstorm"),
    ("vote", "vote"),
    ("vote", "rank"),
    ("rank", "vote"),
    ("rank", "rank"),
    ("rank", "done"),
    ("done", "rank"),
    ("done", "done"),
]

SKIPPING_TRANSITIONS = [
    ("pending", "vote"),
    ("pending", "rank"),
    ("pending", "done"),
    ("brainstorm", "rank"),
    ("brainstorm", "done"),
    ("vote", "done"),
    ("rank", "brainstorm"),
    ("done", "brainstorm"),
    ("done", "vote"),
]


PHASES = ("pending", "brainstorm", "vote", "rank", "done")
KINDS = PHASES[1:]  # the steps of a v1 stage


def move(current: str, target: str) -> int:
    return steps.resolve_move(KINDS, PHASES.index(current) - 1, target)


def test_transition_tables_cover_every_pair_of_phases() -> None:
    pairs = set(ALLOWED_TRANSITIONS) | set(SKIPPING_TRANSITIONS)
    assert len(pairs) == len(ALLOWED_TRANSITIONS) + len(SKIPPING_TRANSITIONS)
    assert pairs == {(a, b) for a in PHASES for b in KINDS}


@pytest.mark.parametrize(("current", "target"), ALLOWED_TRANSITIONS)
def test_one_step_forward_or_back_or_staying_is_allowed(current: str, target: str) -> None:
    assert KINDS[move(current, target)] == target


@pytest.mark.parametrize(("current", "target"), SKIPPING_TRANSITIONS)
def test_skipping_a_phase_is_refused(current: str, target: str) -> None:
    assert error_code(move, current, target) == "invalid_transition"


@pytest.mark.parametrize("current", PHASES)
@pytest.mark.parametrize("target", ["pending", "", "Vote", " vote", "finished", "ranking"])
def test_unknown_or_unsettable_phase_is_refused(current: str, target: str) -> None:
    assert error_code(move, current, target) == "invalid_phase"


@pytest.mark.parametrize(
    ("kinds", "index", "phase"),
    [
        (KINDS, -1, "pending"),
        (KINDS, 0, "brainstorm"),
        (KINDS, 3, "done"),
        (("brainstorm", "done", "define"), 2, "define"),
        (("done",), 5, "pending"),
    ],
)
def test_the_phase_is_the_kind_of_the_current_step(
    kinds: tuple[str, ...], index: int, phase: str
) -> None:
    assert steps.phase_of(kinds, index) == phase


@pytest.mark.parametrize(
    ("kinds", "current", "target", "expected"),
    [
        (("brainstorm", "link", "vote", "rank", "done"), 0, "link", 1),
        (("brainstorm", "link", "vote", "rank", "done"), 2, "link", 1),
        (("done", "define"), -1, "done", 0),
        (("brainstorm", "done", "link", "define"), 1, "link", 2),
        (("brainstorm", "done", "link", "define"), 3, "define", 3),
    ],
)
def test_moves_through_custom_agendas(
    kinds: tuple[str, ...], current: int, target: str, expected: int
) -> None:
    assert steps.resolve_move(kinds, current, target) == expected


def test_a_step_the_agenda_lacks_is_an_invalid_phase() -> None:
    assert error_code(steps.resolve_move, ("brainstorm", "done"), 0, "vote") == "invalid_phase"


# --------------------------------------------------------------------------- idea text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("A carbon-neutral port", "A carbon-neutral port"),
        ("   padded idea \n\t", "padded idea"),
        ("keeps  inner   spaces", "keeps  inner   spaces"),
        ("x", "x"),
        ("a" * 280, "a" * 280),
        ("  " + "a" * 280 + "\n", "a" * 280),
        ("é" * 280, "é" * 280),
        ("🚀" * 280, "🚀" * 280),
        ("Zoë's 天空 idea", "Zoë's 天空 idea"),
    ],
)
def test_clean_idea_text_trims_and_accepts_up_to_280_characters(text: str, cleaned: str) -> None:
    assert rules.clean_idea_text(text) == cleaned


@pytest.mark.parametrize("text", ["a" * 281, " " + "b" * 281 + " ", "é" * 281, "🚀" * 300])
def test_clean_idea_text_refuses_over_280_characters(text: str) -> None:
    assert error_code(rules.clean_idea_text, text) == "text_too_long"


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000\u00a0"])
def test_clean_idea_text_refuses_blank_ideas(text: str) -> None:
    assert error_code(rules.clean_idea_text, text) == "text_empty"


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\t\n", None),
        ("Ana", "Ana"),
        ("  Ana  ", "Ana"),
        ("Ana \t  María", "Ana María"),
        ("n" * 40, "n" * 40),
        ("  " + "n" * 40 + "  ", "n" * 40),
        ("Ødegård", "Ødegård"),
    ],
)
def test_clean_name_trims_and_treats_blank_as_anonymous(
    name: str | None, cleaned: str | None
) -> None:
    assert rules.clean_name(name) == cleaned


@pytest.mark.parametrize("name", ["n" * 41, " " + "n" * 41 + " ", "ü" * 41])
def test_clean_name_refuses_over_40_characters(name: str) -> None:
    assert error_code(rules.clean_name, name) == "name_too_long"


# --------------------------------------------------------------------------- dot votes

ELIGIBLE = (1, 2, 3)


@pytest.mark.parametrize(
    ("votes", "stored"),
    [
        ({}, {}),
        ({1: 3, 2: 2}, {1: 3, 2: 2}),  # the whole budget, exactly
        ({1: 3}, {1: 3}),  # the per-idea cap, exactly
        ({1: 1, 2: 1, 3: 1}, {1: 1, 2: 1, 3: 1}),
        ({1: 0, 2: 0, 3: 0}, {}),  # zeros are dropped
        ({3: 2, 1: 0, 2: 1}, {2: 1, 3: 2}),
    ],
)
def test_check_allocation_accepts_and_drops_zeros(
    votes: dict[int, int], stored: dict[int, int]
) -> None:
    assert rules.check_allocation(votes, eligible=ELIGIBLE, budget=5, per_idea_cap=3) == stored


@pytest.mark.parametrize(
    ("votes", "budget", "cap", "code"),
    [
        ({1: 3, 2: 3}, 5, 3, "over_budget"),
        ({1: 2, 2: 2, 3: 2}, 5, 3, "over_budget"),
        ({1: 1}, 0, 3, "over_budget"),
        ({1: 4}, 5, 3, "over_cap"),
        ({1: 2}, 5, 1, "over_cap"),
        ({1: -1}, 5, 3, "invalid_votes"),
        # A negative count cannot buy extra dots elsewhere.
        ({1: -1, 2: 3, 3: 3}, 5, 3, "invalid_votes"),
        ({9: 1}, 5, 3, "idea_not_found"),
        ({1: 1, 9: 0}, 5, 3, "idea_not_found"),
    ],
)
def test_check_allocation_refuses_broken_allocations(
    votes: dict[int, int], budget: int, cap: int, code: str
) -> None:
    assert (
        error_code(
            rules.check_allocation, votes, eligible=ELIGIBLE, budget=budget, per_idea_cap=cap
        )
        == code
    )


def test_check_allocation_with_no_eligible_ideas_refuses_any_dot() -> None:
    assert rules.check_allocation({}, eligible=[], budget=5, per_idea_cap=3) == {}
    assert (
        error_code(rules.check_allocation, {1: 1}, eligible=[], budget=5, per_idea_cap=3)
        == "idea_not_found"
    )


@given(
    votes=st.dictionaries(st.integers(1, 8), st.integers(-2, 6), max_size=8),
    budget=st.integers(0, 8),
    cap=st.integers(0, 4),
)
@quick
def test_check_allocation_never_lets_a_participant_overspend(
    votes: dict[int, int], budget: int, cap: int
) -> None:
    eligible = range(1, 7)
    try:
        stored = rules.check_allocation(votes, eligible=eligible, budget=budget, per_idea_cap=cap)
    except DomainError as exc:
        assert exc.code in {"idea_not_found", "invalid_votes", "over_cap", "over_budget"}
        return
    assert sum(stored.values()) <= budget
    assert all(idea in eligible and 0 < count <= cap for idea, count in stored.items())
    assert stored == {idea: count for idea, count in votes.items() if count}


@pytest.mark.parametrize(
    ("votes", "budget", "left"),
    [({}, 5, 5), ({1: 2}, 5, 3), ({1: 3, 2: 2}, 5, 0), ({4: 1, 5: 1, 6: 1}, 10, 7)],
)
def test_remaining_dots(votes: dict[int, int], budget: int, left: int) -> None:
    assert rules.remaining_dots(votes, budget) == left


@pytest.mark.parametrize(
    ("allocations", "ideas", "totals"),
    [
        ([], [1, 2], {1: 0, 2: 0}),
        ([{1: 2, 2: 1}, {1: 1, 3: 3}], [1, 2, 3, 4], {1: 3, 2: 1, 3: 3, 4: 0}),
        ([{}, {2: 3}, {}], [1, 2], {1: 0, 2: 3}),
        # Dots on an idea that is no longer visible (hidden) do not count.
        ([{1: 2, 9: 3}], [1], {1: 2}),
        ([{1: 2}], [], {}),
    ],
)
def test_dot_totals(
    allocations: list[dict[int, int]], ideas: list[int], totals: dict[int, int]
) -> None:
    assert rules.dot_totals(allocations, ideas) == totals


@pytest.mark.parametrize(
    ("totals", "size", "expected"),
    [
        ({1: 2, 2: 5, 3: 2, 4: 0}, 2, [2, 1]),
        ({1: 2, 2: 5, 3: 2, 4: 0}, 3, [2, 1, 3]),
        # Equal dots: the earlier idea (lower id) first, whatever order the totals come in.
        ({7: 3, 3: 3, 5: 3}, 2, [3, 5]),
        ({9: 1, 2: 1, 4: 4}, 5, [4, 2, 9]),
        ({1: 0, 2: 0}, 1, [1]),
        ({1: 4, 2: 3}, 10, [1, 2]),  # larger than the ideas: all of them
        ({1: 4, 2: 3}, 0, []),
        ({1: 4, 2: 3}, -1, []),
        ({}, 5, []),
    ],
)
def test_shortlist_takes_top_ideas_by_dots_ties_to_earlier(
    totals: dict[int, int], size: int, expected: list[int]
) -> None:
    assert rules.shortlist(totals, size) == expected


@given(
    totals=st.dictionaries(st.integers(1, 40), st.integers(0, 6), max_size=15),
    size=st.integers(0, 20),
)
@quick
def test_shortlist_is_the_best_ideas_whatever_order_they_arrive_in(
    totals: dict[int, int], size: int
) -> None:
    picked = rules.shortlist(totals, size)
    assert len(picked) == min(size, len(totals))
    assert len(set(picked)) == len(picked)
    reversed_totals = dict(reversed(list(totals.items())))
    assert rules.shortlist(reversed_totals, size) == picked
    keys = [(-totals[i], i) for i in picked]
    assert keys == sorted(keys)
    left_out = set(totals) - set(picked)
    if picked:
        assert all((-totals[i], i) > keys[-1] for i in left_out)


# --------------------------------------------------------------------------- ranking

SHORTLIST = [4, 7, 9]


@pytest.mark.parametrize(
    "order", [[], [7], [9, 4], [4, 7, 9], [9, 7, 4], (7, 4, 9)], ids=lambda o: repr(list(o))
)
def test_check_order_accepts_full_and_partial_orders(order: Sequence[int]) -> None:
    assert rules.check_order(order, SHORTLIST) == list(order)


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ([7, 7], "invalid_ranking"),
        ([4, 7, 9, 4], "invalid_ranking"),
        ([5], "not_in_shortlist"),
        ([4, 5], "not_in_shortlist"),
        ([4, 7, 9, 10], "not_in_shortlist"),
    ],
)
def test_check_order_refuses_duplicates_and_strangers(order: list[int], code: str) -> None:
    assert error_code(rules.check_order, order, SHORTLIST) == code


def test_check_order_against_an_empty_shortlist() -> None:
    assert rules.check_order([], []) == []
    assert error_code(rules.check_order, [1], []) == "not_in_shortlist"


@pytest.mark.parametrize(
    ("orders", "shortlisted", "scores"),
    [
        ([], [1, 2, 3], {1: 0, 2: 0, 3: 0}),
        ([[1, 2, 3]], [1, 2, 3], {1: 2, 2: 1, 3: 0}),
        ([[1, 2, 3], [3, 2, 1]], [1, 2, 3], {1: 2, 2: 2, 3: 2}),
        ([[2, 1, 3], [2, 3, 1], [1, 2, 3]], [1, 2, 3], {1: 3, 2: 5, 3: 1}),
        # Partial orders: the first choice still earns k-1; unranked ideas earn nothing.
        ([[3]], [1, 2, 3], {1: 0, 2: 0, 3: 2}),
        ([[2, 1]], [1, 2, 3], {1: 1, 2: 2, 3: 0}),
        ([[], [1]], [1, 2, 3], {1: 2, 2: 0, 3: 0}),
        # Entries no longer on the shortlist are skipped and take no place.
        ([[9, 2, 1]], [1, 2, 3], {1: 1, 2: 2, 3: 0}),
        ([[2, 8, 3, 9, 1]], [1, 2, 3], {1: 0, 2: 2, 3: 1}),
        ([[5, 6]], [1, 2], {1: 0, 2: 0}),
        ([[1]], [1], {1: 0}),
        ([[1, 2]], [], {}),
        ([[1, 2, 3, 4, 5]], [1, 2, 3, 4, 5], {1: 4, 2: 3, 3: 2, 4: 1, 5: 0}),
    ],
)
def test_borda_scores(
    orders: list[list[int]], shortlisted: list[int], scores: dict[int, int]
) -> None:
    assert rules.borda_scores(orders, shortlisted) == scores


@st.composite
def rankings(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    """A shortlist and some partial orders of it, sprinkled with ideas no longer shortlisted."""
    shortlisted = draw(st.lists(st.integers(1, 30), min_size=0, max_size=7, unique=True))
    stale = st.integers(31, 40)
    orders = []
    for _ in range(draw(st.integers(0, 6))):
        ranked = draw(st.permutations(shortlisted))[: draw(st.integers(0, len(shortlisted)))]
        order = list(ranked)
        for _ in range(draw(st.integers(0, 2))):
            order.insert(draw(st.integers(0, len(order))), draw(stale))
        orders.append(order)
    return shortlisted, orders


@given(rankings())
@quick
def test_borda_hands_out_k_minus_1_down_to_0_per_order(
    case: tuple[list[int], list[list[int]]],
) -> None:
    shortlisted, orders = case
    k = len(shortlisted)
    scores = rules.borda_scores(orders, shortlisted)
    assert set(scores) == set(shortlisted)
    ranked_lengths = [len([i for i in order if i in shortlisted]) for order in orders]
    assert sum(scores.values()) == sum(sum(k - 1 - i for i in range(n)) for n in ranked_lengths)
    assert all(0 <= score <= (k - 1) * len(orders) for score in scores.values())
    assert rules.borda_scores(list(reversed(orders)), shortlisted) == scores


# --------------------------------------------------------------------------- results


def summary(out: Sequence[rules.Result]) -> list[tuple[int, int, int, int, bool, bool]]:
    return [(r.idea_id, r.rank, r.score, r.votes, r.shortlisted, r.selected) for r in out]


def test_results_put_the_shortlist_first_by_borda_then_the_rest_by_dots() -> None:
    out = rules.results(
        ideas=[1, 2, 3, 4, 5, 6],
        totals={1: 5, 2: 4, 3: 4, 4: 1, 5: 3, 6: 3},
        shortlisted=[1, 2, 3],
        scores={1: 1, 2: 4, 3: 1},
        select_count=2,
    )
    assert summary(out) == [
        (2, 1, 4, 4, True, True),
        (1, 2, 1, 5, True, True),  # ties with 3 on score; more dots wins
        (3, 3, 1, 4, True, False),
        (5, 4, 0, 3, False, False),  # not shortlisted: by dots, then the earlier idea
        (6, 5, 0, 3, False, False),
        (4, 6, 0, 1, False, False),
    ]


def test_results_equal_score_and_dots_go_to_the_earlier_idea() -> None:
    out = rules.results(
        ideas=[8, 3, 5],
        totals={3: 2, 5: 2, 8: 2},
        shortlisted=[3, 5, 8],
        scores={3: 1, 5: 1, 8: 1},
        select_count=1,
    )
    assert [(r.idea_id, r.selected) for r in out] == [(3, True), (5, False), (8, False)]


def test_results_an_unshortlisted_idea_with_more_dots_still_comes_after() -> None:
    out = rules.results(
        ideas=[1, 2, 3],
        totals={1: 1, 2: 9, 3: 0},
        shortlisted=[3, 1],
        scores={3: 1, 1: 0},
        select_count=3,
    )
    assert summary(out) == [
        (3, 1, 1, 0, True, True),
        (1, 2, 0, 1, True, True),
        (2, 3, 0, 9, False, False),
    ]


def test_results_select_count_larger_than_the_shortlist_selects_only_the_shortlist() -> None:
    out = rules.results(
        ideas=[1, 2, 3, 4],
        totals={1: 3, 2: 2, 3: 1, 4: 0},
        shortlisted=[1, 2],
        scores={1: 0, 2: 1},
        select_count=5,
    )
    assert [(r.idea_id, r.selected) for r in out] == [(2, True), (1, True), (3, False), (4, False)]


@pytest.mark.parametrize("select_count", [0, 1, 3])
def test_results_without_a_shortlist_select_nothing(select_count: int) -> None:
    out = rules.results(
        ideas=[1, 2, 3],
        totals={1: 0, 2: 3, 3: 1},
        shortlisted=[],
        scores={},
        select_count=select_count,
    )
    assert summary(out) == [
        (2, 1, 0, 3, False, False),
        (3, 2, 0, 1, False, False),
        (1, 3, 0, 0, False, False),
    ]


def test_results_of_no_ideas_is_empty() -> None:
    assert rules.results(ideas=[], totals={}, shortlisted=[], scores={}, select_count=1) == []


def test_results_missing_totals_count_as_zero_dots() -> None:
    out = rules.results(ideas=[1, 2], totals={2: 1}, shortlisted=[], scores={}, select_count=1)
    assert summary(out) == [(2, 1, 0, 1, False, False), (1, 2, 0, 0, False, False)]


@st.composite
def finished_stages(
    draw: st.DrawFn,
) -> tuple[list[int], dict[int, int], list[int], list[list[int]], int]:
    """A stage as services would see it in `done`: ideas, dots, shortlist, orders, select count."""
    ideas = draw(st.lists(st.integers(1, 60), max_size=12, unique=True))
    totals = {idea: draw(st.integers(0, 9)) for idea in ideas}
    listed = rules.shortlist(totals, draw(st.integers(0, 6)))
    orders = [
        draw(st.permutations(listed))[: draw(st.integers(0, len(listed)))]
        for _ in range(draw(st.integers(0, 5)))
    ]
    return ideas, totals, listed, orders, draw(st.integers(0, 6))


@given(finished_stages(), st.randoms(use_true_random=False))
@quick
def test_results_rank_every_idea_once_deterministically(
    stage: tuple[list[int], dict[int, int], list[int], list[list[int]], int],
    rng: random.Random,
) -> None:
    ideas, totals, listed, orders, select_count = stage
    scores = rules.borda_scores(orders, listed)

    def run(idea_order: list[int], totals_map: Mapping[int, int]) -> list[rules.Result]:
        return rules.results(
            ideas=idea_order,
            totals=totals_map,
            shortlisted=listed,
            scores=scores,
            select_count=select_count,
        )

    out = run(ideas, totals)
    assert sorted(r.idea_id for r in out) == sorted(ideas)
    assert [r.rank for r in out] == list(range(1, len(ideas) + 1))
    # Same inputs, in any order, give the same results.
    shuffled = list(ideas)
    rng.shuffle(shuffled)
    assert run(shuffled, dict(reversed(list(totals.items())))) == out
    # Shortlisted ideas first; selection is the top of the shortlist and nothing else.
    flags = [r.shortlisted for r in out]
    assert flags == sorted(flags, reverse=True)
    selected = [r.idea_id for r in out if r.selected]
    assert selected == [r.idea_id for r in out[: min(select_count, len(listed))]]
    assert all(r.score == 0 for r in out if not r.shortlisted)
    assert all(r.votes == totals[r.idea_id] for r in out)
    listed_keys = [(-r.score, -r.votes, r.idea_id) for r in out if r.shortlisted]
    assert listed_keys == sorted(listed_keys)
    other_keys = [(-r.votes, r.idea_id) for r in out if not r.shortlisted]
    assert other_keys == sorted(other_keys)


@pytest.mark.parametrize(
    ("totals", "select_count", "order", "selected"),
    [
        # Decided by dots alone: most dots first, ties to the earlier idea.
        ({1: 2, 2: 5, 3: 5}, 2, [2, 3, 1], [2, 3]),
        ({1: 0, 2: 0, 3: 0}, 1, [1, 2, 3], [1]),
        # 0 keeps every idea (values, action items).
        ({4: 1, 7: 3}, 0, [7, 4], [7, 4]),
        # Nothing to decide.
        ({}, 3, [], []),
    ],
)
def test_a_stage_without_a_rank_step_is_decided_by_dots(
    totals: dict[int, int], select_count: int, order: list[int], selected: list[int]
) -> None:
    results = rules.decide(
        totals=totals, stored_shortlist=None, orders=[[99]], select_count=select_count
    )
    assert [r.idea_id for r in results] == order
    assert [r.idea_id for r in results if r.selected] == selected
    assert all(r.score == totals[r.idea_id] for r in results)


def test_select_count_zero_after_a_rank_keeps_the_whole_shortlist() -> None:
    results = rules.decide(
        totals={1: 3, 2: 2, 3: 1}, stored_shortlist=[1, 2], orders=[[2, 1]], select_count=0
    )
    assert [r.idea_id for r in results if r.selected] == [2, 1]


def test_cleaning_folds_breaking_spaces_but_keeps_the_no_break_ones_french_needs() -> None:
    """A French "?" or ":" follows a no-break space: folding it into a plain space would let
    the mark wrap alone onto the next line of a phone."""
    typed = "  Où en est-on\u00a0?\n\t Bien\u202f!  "
    assert rules.squash_spaces(typed) == "Où en est-on\u00a0? Bien\u202f!"
    assert rules.squash_spaces("a\u2003\u2003b\u3000c") == "a b c"
    assert rules.squash_spaces("\u00a0 \u00a0") == ""
    assert rules.clean_name("  Zoé\u00a0: équipe  ") == "Zoé\u00a0: équipe"
    assert rules.clean_name(" \u00a0 ") is None
