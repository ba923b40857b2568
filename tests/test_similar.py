"""The duplicate matcher (`core/similar.py`): pairs that must match and pairs that must not, in
any script; normalising, tokens and stems; grouping; dismissed pairs."""

# ruff: noqa: RUF001  (ideas in Cyrillic, Greek and other scripts, on purpose)

from __future__ import annotations

import pytest

from workshop.core import similar
from workshop.core.similar import THRESHOLD, group, normalise, score, stem, suggest, tokens

# Pairs a facilitator would merge: case, accents, word order, stemming, a typo, any script.
MUST_MATCH = [
    ("Integrity", "integrity"),
    ("Café local", "cafe local"),
    ("Grow regional jobs", "Jobs: grow regional"),
    ("Improve custmer service", "Improve customer service"),
    ("Развитие туризма", "развитие туризма"),
    ("Развитие туризма", "Развитие турзма"),  # a typo in Cyrillic
    ("Grow regional jobs", "Create jobs in the regions"),  # the example: stems
    ("Reduce emissions", "Reduce carbon emissions"),  # the same idea with one word more
    ("Hire nurses", "Hire more nurses"),
    ("Improve customer service", "Better customer service"),  # generic words
    ("Health care for all", "Healthcare for all"),  # spaces
    ("Train staff", "Staff training"),
    ("Increase revenue", "Increase revenues!"),
    ("Ανάπτυξη τουρισμού", "ανάπτυξη τουρισμου"),  # Greek: case and tonos
    ("تطوير السياحة", "السياحة تطوير"),  # Arabic: word order, the article
    ("发展旅游业", "发展旅游"),  # Chinese: character bigrams
    ("地域の雇用を増やす", "地域雇用を増やす"),  # Japanese
    ("지역 일자리 창출", "지역 일자리를 창출"),  # Korean: a particle
    ("पर्यटन का विकास", "पर्यटन विकास"),  # Hindi: a function word
    ("Plus d'emplois régionaux", "plus d emplois regionales"),  # French
    ("Empleos en las regiones", "empleo regional"),  # Spanish
    ("Arbeitsplätze in der Region", "Arbeitsplatz in den Regionen"),  # German
    ("ＧＲＯＷ　ＥＸＰＯＲＴＳ", "grow exports"),  # full-width letters (NFKC)
    ("Straße bauen", "STRASSE BAUEN"),  # casefold
    ("Grow exports", "Grow exprots"),  # a swap is one typo too
    ("Integrity", "Integrety"),  # a typo in the ending the stemmer cuts
    ("Sustainability", "Sustainabilty"),
    ("Customer satisfaction", "Customer satisfacion"),
    ("Ανάπτυξη του ελληνικού τουρισμού", "Ανάπτυξη ελληνικός τουρισμός"),  # Greek endings
    # One-word ideas (a Values stage: "one value in a few words"): a typo in a long word, one
    # word with an ending of the other.
    ("Integrity", "Integrty"),
    ("Innovation", "Inovation"),
    ("Creativity", "Creative"),
    ("Equal", "Equality"),
    ("Communities", "Community"),
    # The same value as a noun and as an adverb: merging them loses nothing a facilitator
    # would keep apart (both 7+ letters, one letter more: a typo-sized difference).
    ("Honesty", "Honestly"),
]

# Pairs that differ in what matters: a key word, a number, a negation, or everything.
MUST_NOT_MATCH = [
    ("Grow exports", "Grow imports"),
    ("Hire more nurses", "Hire more teachers"),
    ("Hire more nurses", "Hire fewer nurses"),
    ("Reduce costs", "Reduce emissions"),
    ("Reduce costs", "Cut costs"),  # synonyms are beyond a string matcher (said honestly)
    ("Increase sales", "Reduce sales"),
    ("Do not raise taxes", "Raise taxes"),
    ("Grow revenue 10%", "Grow revenue 20%"),
    ("Improve public transport", "Improve public health"),
    ("Improve staff training", "Improve staff wellbeing"),
    ("Measure energy use for small firms", "Fund energy use for small firms"),  # 1 of 5
    ("Train teachers for young people", "Improve teachers for young people"),
    ("Integrity", "Integrity matters"),
    ("Open an office in Asia", "Open an office in Africa"),
    ("Open a new office in Lisbon", "Lower prices for students"),
    ("Развитие туризма", "Развитие экспорта"),
    ("发展旅游业", "降低成本"),
    ("Cost", "Coat"),  # short words match only exactly
    ("Train staff", "Rain staff"),
    # One-word values (R13): other words one letter away, or sharing only a root.
    ("Quality", "Equality"),  # a typo keeps the first letter
    ("Diversity", "Adversity"),
    ("Loyalty", "Royalty"),
    ("Creativity", "Reactivity"),
    ("Safety", "Safely"),  # one-word ideas: a typo only in words of 7+ letters
    ("Ethics", "Ethnics"),
    ("Equity", "Equality"),  # "equ" is no stem: "-ity"/"-al" leave 4+ letters
    ("Equity", "Equal"),
    ("Integrity", "Integration"),  # one word each: different derivations of one root
    ("", "Grow exports"),
    ("!!!", "Grow exports"),
]


@pytest.mark.parametrize(("first", "second"), MUST_MATCH)
def test_pairs_that_must_match(first: str, second: str) -> None:
    value = score(first, second)
    assert value >= THRESHOLD, (first, second, value, tokens(first), tokens(second))
    assert score(second, first) == value  # symmetric
    assert suggest([(1, first), (2, second)]) == [{"idea_ids": [1, 2], "score": value}]


@pytest.mark.parametrize(("first", "second"), MUST_NOT_MATCH)
def test_pairs_that_must_not_match(first: str, second: str) -> None:
    value = score(first, second)
    assert value < THRESHOLD, (first, second, value, tokens(first), tokens(second))
    assert suggest([(1, first), (2, second)]) == []


def test_the_documented_scores() -> None:
    """The figures the module's docstring quotes for its threshold."""
    documented = {
        ("Integrity", "integrity"): 1.0,
        ("Grow regional jobs", "Create jobs in the regions"): 0.833,
        ("Reduce emissions", "Reduce carbon emissions"): 0.85,
        ("Hire nurses", "Hire more nurses"): 0.85,
        ("Measure energy use for small firms", "Fund energy use for small firms"): 0.8,
        ("Hire more nurses", "Hire more teachers"): 0.667,
        ("Reduce costs", "Reduce emissions"): 0.5,
        ("Grow exports", "Grow imports"): 0.5,
        ("Do not raise taxes", "Raise taxes"): 0.595,
        ("Grow revenue 10%", "Grow revenue 20%"): 0.667,
        ("Reduce costs", "Cut costs"): 0.5,
        ("学校で地域の雇用を減らす", "地方で地域の雇用を減らす"): 0.844,
    }
    for (first, second), value in documented.items():
        assert score(first, second) == pytest.approx(value), (first, second)
    assert 0.95 <= score("Improve custmer service", "Improve customer service") < 1


def test_what_the_one_word_rules_cost() -> None:
    """Said honestly: a one-word idea with a typo in a word under 7 letters is not offered
    ("Courage" / "Courge"), nor one whose typo changes the first letter; in longer ideas the
    same typo still is, and two derivations of one root still meet there (the stemmer's false
    friends, like "More parks" / "More parking")."""
    assert score("Courage", "Courge") == 0.0
    assert score("Safety", "Saftey") == 0.0
    assert score("Workplace safety", "Workplace saftey") >= THRESHOLD
    assert score("Integrity in government", "Integration in government") == 1.0


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Café  Local!", "cafe local"),
        ("Jobs: grow—regional", "jobs grow regional"),
        ("Ærø Łódź", "aero lodz"),
        ("ΟΔΌΣ", "οδοσ"),  # final sigma and tonos
        ("Ｆｕｌｌ　ｗｉｄｔｈ", "full width"),
        ("مُدَرِّس", "مدرس"),  # Arabic vowel signs are optional
        ("हिन्दी", "हिन्दी"),  # Devanagari vowel signs are spelling: kept
        ("한국어", "한국어"),  # Hangul survives NFKD and back
        ("tab\tand\nnewline", "tab and newline"),
    ],
)
def test_normalise(text: str, folded: str) -> None:
    assert normalise(text) == folded


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["regional", "regions", "region"], True),
        (["nurse", "nurses"], True),
        (["process", "processes"], True),
        (["business", "businesses"], True),
        (["community", "communities"], True),
        (["improve", "improving", "improvement", "improved"], True),
        (["service", "services"], True),
        (["empleo", "empleos"], True),
        (["туризма", "туризм"], True),
        (["export", "import"], False),
        (["cost", "coast"], False),
        (["equal", "equality", "equals"], True),  # a second cut leaves 5+ letters
        (["equity", "equality"], False),
        (["creative", "creativity"], True),
    ],
)
def test_stem(words: list[str], same: bool) -> None:
    stems = {stem(normalise(word)) for word in words}
    assert (len(stems) == 1) is same, stems


def test_tokens_for_scripts_without_spaces() -> None:
    assert tokens("发展旅游业") == ["发", "展", "旅", "游", "业", "发展", "展旅", "旅游", "游业"]
    assert tokens("Grow 旅游 in 2030") == ["grow", "旅", "游", "旅游", "2030"]
    assert tokens("the and of") == []  # function words only


def test_group_is_complete_link() -> None:
    """a ~ b and b ~ c but not a ~ c: no chain puts a and c in one group."""
    pairs = {(1, 2): 0.9, (2, 3): 0.85}
    assert group(pairs) == [{"idea_ids": [1, 2], "score": 0.9}]
    pairs[(1, 3)] = 0.8
    assert group(pairs) == [{"idea_ids": [1, 2, 3], "score": 0.8}]


def test_groups_best_first_then_earliest() -> None:
    pairs = {(5, 6): 0.9, (1, 2): 0.9, (3, 4): 1.0}
    assert [g["idea_ids"] for g in group(pairs)] == [[3, 4], [1, 2], [5, 6]]


def test_dismissed_pairs_are_never_suggested() -> None:
    ideas = [(1, "Integrity"), (2, "integrity"), (3, "INTEGRITY"), (4, "Grow exports")]
    assert suggest(ideas) == [{"idea_ids": [1, 2, 3], "score": 1.0}]
    # Dismissing one pair splits the group so that pair is never together again.
    split = suggest(ideas, dismissed=[(2, 1)])
    assert all(not {1, 2} <= set(g["idea_ids"]) for g in split)
    assert split == [{"idea_ids": [1, 3], "score": 1.0}]
    # Dismissing the whole group (every pair) leaves nothing.
    assert suggest(ideas, dismissed=[(1, 2), (1, 3), (2, 3)]) == []


def test_a_group_of_many_writings() -> None:
    ideas = [
        (10, "Grow regional jobs"),
        (11, "grow regional jobs"),
        (12, "Jobs: grow regional"),
        (13, "Grow regonal jobs"),
        (14, "Reduce costs"),
        (15, "reduce costs"),
        (16, "Hire more teachers"),
    ]
    # Best first: the exact pair (1.0) before the group with a typo (its weakest pair).
    found = suggest(ideas)
    assert [g["idea_ids"] for g in found] == [[14, 15], [10, 11, 12, 13]]
    assert found[0]["score"] == 1.0
    assert THRESHOLD <= float(found[1]["score"]) < 1.0


def test_a_word_in_most_ideas_makes_no_candidates_alone() -> None:
    """A workshop about customers: "customer" in every idea proposes no pair by itself, and
    the pairs that do match are still found (the filter only skips hopeless pairs)."""
    nouns = ["service", "retention", "churn", "loyalty", "billing", "portal", "surveys"]
    items = [
        (n, f"customer {noun} {other}")
        for n, (noun, other) in enumerate(((a, b) for a in nouns for b in nouns if a != b), start=1)
    ]
    items.append((1000, "Customer service retention!"))
    items.append((1001, "customer"))
    items.append((1002, "Customers"))
    found = similar.scored_pairs(items)
    assert found[(1, 1000)] == 1.0
    assert found[(1001, 1002)] == 1.0
    every = {
        (a, b)
        for (a, ta), (b, tb) in ((x, y) for x in items for y in items if x[0] < y[0])
        if score(ta, tb) >= THRESHOLD
    }
    assert set(found) == every


def test_scored_pairs_finds_what_score_finds() -> None:
    """The candidate filter drops no pair that the full comparison would suggest."""
    texts = [first for first, _ in MUST_MATCH + MUST_NOT_MATCH] + [
        second for _, second in MUST_MATCH + MUST_NOT_MATCH
    ]
    items = list(enumerate(dict.fromkeys(texts), start=1))
    found = similar.scored_pairs(items)
    for (a, ta), (b, tb) in ((x, y) for x in items for y in items if x[0] < y[0]):
        value = score(ta, tb)
        if value >= THRESHOLD:
            assert found.get((a, b)) == value, (ta, tb)
        else:
            assert (a, b) not in found, (ta, tb)
