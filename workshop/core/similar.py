"""Suggested duplicates: which ideas of a stage are likely the same (pure: no I/O).

A pair of ideas is scored in four steps; each is deliberately small, so a facilitator (or a
test) can say why two ideas were or were not paired.

1. **Normalise** (`normalise`): Unicode NFKC (full-width letters, ligatures), then the
   optional accents are dropped (NFKD; the combining marks on Latin, Greek and Cyrillic
   letters, Hebrew points, Arabic harakat and tatweel; NFC again, so Hangul and Indic vowel
   signs stay whole), case is folded (`casefold`: "ß" → "ss", final sigma), letters that do
   not decompose are folded ("ø" → "o", "ł" → "l", "æ" → "ae", Arabic alef forms → "ا"), and
   every punctuation mark or symbol becomes a space; whitespace is collapsed.
2. **Tokens** (`tokens`): words, split on spaces. A run of a script written without spaces
   (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar, Tibetan) becomes its characters and its
   overlapping character bigrams instead ("发展旅游" → 发 展 旅 游 发展 展旅 旅游), so any
   script can be compared.
3. **Light stemming** (`stem`): a small, symmetric suffix stripper, *not* Snowball: common
   English and Western European endings ("-s", "-es", "-ing", "-ed", "-al", "-ment",
   "-ation", "-ung", "-mente", a final vowel…), common Russian/Cyrillic and Greek
   inflections, and the Arabic article. Both sides of a pair are cut the same way, so it only
   has to be consistent, not linguistically right: "regional" and "regions" both become
   "region". A derivational ending is cut at most twice: the first cut leaves 3+ letters
   (4+ for "-al" and "-ity": "equal", "equity", "legal" stay whole, since "equ" or "leg"
   is a root other words share), a second one 5+ ("equality" -> "equal", not "equ";
   "regionally" -> "region"). A short list of function words ("the", "in", "across", "de",
   "и"…) is dropped.
4. **Score** (`score`): a soft Dice coefficient over the two token sets: matched tokens ×
   2 / (tokens of both ideas). Tokens are matched one to one, best first: equal tokens count
   1; two words of 5+ letters one typo apart (SymSpell-style single deletions) and with
   the same first letter (first-letter slips are rare; "Quality" / "Equality", "Loyalty" /
   "Royalty" are other words) count their `rapidfuzz.fuzz.ratio` / 100 when it is at least
   `TYPO_RATIO`, compared both as stems and as whole words (a typo in an ending,
   "Integrety", changes what the stemmer cuts);
   generic strategy words left over on both sides ("grow" and "create", "improve" and
   "better", from a short English list) count `GENERIC_SIMILARITY` (0.5), since either
   would do in the idea. When one idea says everything the other says and more,
   `CONTAINED_BONUS` (0.05) is added. When only one of them says "not"/"no"/"without" (or
   the like, in several languages), the score is multiplied by `NEGATION_FACTOR` (0.7).
   Two ideas that read the same once spaces are removed ("Health care", "healthcare")
   score 1.
5. **One-word ideas** (both ideas a single token, as in a Values stage, where one loose
   match is the whole score) meet a stricter bar: a typo counts only when both words have
   `ONE_WORD_TYPO_LENGTH` (7)+ letters, since short words have real words one letter away
   ("Safety" / "Safely", "Ethics" / "Ethnics"; "Integrity" / "Integrty" still 0.941), and
   equal stems do not count when each word lost a different derivational ending of 2+
   letters ("Integrity" / "Integration": a shared root, not one word; "Creativity" /
   "Creative", "Communities" / "Community", "Equal" / "Equality" still score 1).
   "Honesty" / "Honestly" (0.933) is offered on purpose: one value as noun and adverb.

**The threshold** (`THRESHOLD` = 0.82) was chosen on the tables in `tests/test_similar.py`
and the planted duplicates of `bench/duplicates.py`:
- case, accents, word order, punctuation and stems score 1; one typo 0.95–0.98;
- the issue's "Grow regional jobs" / "Create jobs in the regions" scores 0.833 (the stems
  "region" and "job" match, "grow" and "create" are both generic);
- an idea and the same idea with one word more: 0.85 ("Reduce emissions" / "Reduce carbon
  emissions"; "Hire nurses" / "Hire more nurses");
- ideas that differ in what matters stay below: one word swapped in five 0.8 ("Measure
  energy use for small firms" / "Fund energy use for small firms"), in four 0.75, in three
  0.667 ("Hire more nurses" / "Hire more teachers"), in two 0.5 ("Reduce costs" / "Reduce
  emissions", "Grow exports" / "Grow imports"); a negation on one side only 0.6 ("Do not
  raise taxes" / "Raise taxes"); a different number 0.667 ("Grow revenue 10%" / "… 20%").
At 0.8 the five-word swaps would be offered (in the bench, one in three of the pairs it
suggests that were not planted); at 0.86 an idea with one word more would not. What a string
matcher cannot see stays unseen: synonyms ("Reduce costs" / "Cut costs": 0.5). And some
pairs it offers are not the same: the light stemmer's false friends ("More parks" / "More
parking": 1.0, "-ing" cut; "Integrity in government" / "Integration in government": 1.0,
both "integr"), and a long shared phrase around one different word in scripts
without spaces ("学校で地域の雇用を減らす" /
"地方で地域の雇用を減らす": 0.84, offered; the facilitator says "Not the same"). The
one-word bar costs some real typos of short values ("Courage" / "Courge", "Safety" /
"Saftey": 0, not offered; "Workplace saftey" is still matched).

**Candidates** (`scored_pairs`): only pairs that share a content token (not a generic one,
nor one in more than a quarter of the ideas: "customer" in a workshop about customers), a
near-typo of one, or their spaceless text are considered, and a pair is scored only if it
could reach the threshold were every possible match to hold, so 300 ideas take milliseconds,
not 45,000 full comparisons.

**Groups** (`group`): complete-link, best pair first: an idea joins a group only if it
matches *every* member, so no chain of "a ~ b ~ c" puts a and c together when they
differ; a dismissed pair is never in one group. A group's score is its weakest pair.

No model, no download, no network: rapidfuzz is a C++ string matcher. (`process.cdist` was
not used: it needs numpy, which the app does not depend on; the deletion index finds the
same typo pairs without comparing every token with every other.)
"""

# ruff: noqa: RUF001, RUF002, RUF003  (words and endings of many scripts, on purpose)

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import TypedDict

from rapidfuzz import fuzz

THRESHOLD = 0.82
"""A pair at or above this score is suggested (see the module docstring for why 0.82)."""
TYPO_RATIO = 80.0
"""Two words count as one typo apart at this `fuzz.ratio` or more (one typo in 5+ letters)."""
TYPO_MIN_LENGTH = 5
"""Shorter words match only exactly: "cost" and "coat", "train" and "rain" are different
words, not a typo (both words of a typo pair have at least this many letters)."""
ONE_WORD_TYPO_LENGTH = 7
"""When both ideas are one word ("Safety", a value), a typo counts only if both words have
this many letters: short words have real words one letter away ("Safety" / "Safely",
"Ethics" / "Ethnics"), and the one loose match would be the whole score."""
COMMON_SHARE = 0.25
COMMON_MIN = 20
"""A token in more than COMMON_SHARE of a stage's ideas (and more than COMMON_MIN of them)
proposes no candidate pairs by itself: in a workshop about customers, "customer" alone would
make every pair a candidate, and two ideas sharing only it are not the same idea."""
GENERIC_SIMILARITY = 0.5
"""Two different generic strategy words ("grow" and "create", "improve" and "better") left
unmatched in a pair count as this similar to each other: either would do in the idea."""
CONTAINED_BONUS = 0.05
"""Added when one idea says everything the other says and more ("Reduce emissions" /
"Reduce carbon emissions"): a stronger sign of the same idea than as many words in common
with one word swapped ("Measure energy use for small firms" / "Fund energy use…")."""
NEGATION_FACTOR = 0.7
"""A pair where only one idea negates ("not", "no", "without"…) keeps this share of its score."""

# --------------------------------------------------------------------------- normalising

_FOLD = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        # Arabic: the alef forms, alef maqsura and ta marbuta as people type them.
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ـ": "",  # tatweel, a stretching stroke
    }
)


def _optional_mark(base: int, mark: str) -> bool:
    """Whether a combining mark is an optional accent: on a Latin, Greek or Cyrillic letter,
    or a Hebrew point or Arabic vowel sign (other scripts' marks are spelling, and stay)."""
    code = ord(mark)
    if 0x0591 <= code <= 0x05C7 or 0x064B <= code <= 0x065F or code == 0x0670:
        return True
    return base < 0x0530 or 0x1E00 <= base <= 0x1FFF


_ASCII_PUNCTUATION = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """The text folded for comparison: no case, no optional accents, no punctuation."""
    if text.isascii():
        # Most ideas: nothing to decompose, so only case and punctuation (the same result as
        # the general path below, faster).
        return " ".join(_ASCII_PUNCTUATION.sub(" ", text.lower()).split())
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    kept: list[str] = []
    base = 0
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn":
            if not _optional_mark(base, char):
                kept.append(char)
            continue
        if category[0] in "PSZC":
            kept.append(" ")
            base = 0
            continue
        base = ord(char)
        kept.append(char)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold().translate(_FOLD)
    return " ".join(folded.split())


# --------------------------------------------------------------------------- tokens

_NO_SPACES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FFF),  # CJK radicals
    (0x3040, 0x31FF),  # kana, bopomofo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B–G
)


_SPACELESS_RUN = re.compile(
    "([" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _NO_SPACES) + "]+)"
)


def _runs(word: str) -> list[tuple[str, bool]]:
    """A word cut into runs of spaceless-script characters (True) and of others (False)."""
    if word.isascii():
        return [(word, False)]
    parts = _SPACELESS_RUN.split(word)
    # re.split with one group alternates: other, spaceless, other, ... (empty ones dropped).
    return [(part, index % 2 == 1) for index, part in enumerate(parts) if part]


def grams(run: str) -> list[str]:
    """A run of a spaceless script as its characters and its overlapping character pairs:
    the pairs carry the words, the characters let a dropped particle ("の") cost one token
    rather than two pairs."""
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return list(dict.fromkeys([*run, *pairs]))


# --------------------------------------------------------------------------- light stemming

# Plural endings go first, once ("ies" -> "y", "es", "s"; never the "s" of "ss": "process"),
# then derivational endings, longest first, up to twice while a stem of at least _MIN_STEM
# letters remains, then one final vowel ("nurse"/"nurses" -> "nurs", "empleo" -> "emple").
_PLURALS = (("ies", "y"), ("es", ""), ("s", ""))
_LATIN_ENDINGS = sorted(
    [
        ("izations", ""), ("isations", ""), ("ization", ""), ("isation", ""),
        ("ation", ""), ("ition", ""), ("ement", ""), ("ment", ""),
        ("ity", ""), ("ness", ""), ("ing", ""), ("ied", "y"), ("ed", ""),
        ("ally", ""), ("ly", ""), ("al", ""), ("aux", ""),
        ("mente", ""), ("cion", "c"), ("idad", ""),
        ("ungen", ""), ("ung", ""), ("heit", ""), ("keit", ""), ("en", ""), ("er", ""),
    ],
    key=lambda pair: -len(pair[0]),
)  # fmt: skip
_CYRILLIC_ENDINGS = sorted(
    [
        "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "иях",
        "ых", "их", "ия", "ие", "ий", "ый", "ой", "ая", "яя", "ое", "ее", "ые", "ам",
        "ям", "ах", "ях", "ом", "ем", "ов", "ев", "ей", "ью", "ию",
        "а", "я", "ы", "и", "е", "у", "ю", "о", "ь", "й", "і", "ї",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
# Written with "σ": `normalise` has casefolded every final "ς" before a word is stemmed.
_GREEK_ENDINGS = sorted(
    ["ουσ", "ων", "εσ", "οσ", "ησ", "ασ", "ου", "εισ", "α", "η", "ο", "ι", "ε"],
    key=len,
    reverse=True,
)
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ات", "ون", "ين", "ها", "ه")
_MIN_STEM = 3


_SECOND_CUT_STEM = 5
"""A second derivational ending is cut only when this many letters remain: "equality" ->
"equal", not "equ" (the stem of "equity"); "regionally" -> "regional" -> "region"."""


def _latin_plural(word: str) -> str:
    for ending, replacement in _PLURALS:
        if (
            word.endswith(ending)
            and len(word) - len(ending) >= _MIN_STEM
            and not (ending == "s" and word.endswith("ss"))
        ):
            return word[: -len(ending)] + replacement
    return word


_ROOT_ENDINGS = frozenset({"al", "ity"})
"""Endings cut only from 4+ letters: "equal", "equity", "legal", "local" stay whole (a
three-letter rest, "equ", "leg", is a root other words share, not this word's stem)."""


def _latin_stem(word: str) -> str:
    word = _latin_plural(word)
    for keep in (_MIN_STEM, _SECOND_CUT_STEM):
        for ending, replacement in _LATIN_ENDINGS:
            least = max(keep, _MIN_STEM + 1) if ending in _ROOT_ENDINGS else keep
            if word.endswith(ending) and len(word) - len(ending) >= least:
                word = word[: -len(ending)] + replacement
                break
        else:
            break
    if len(word) > _MIN_STEM + 1 and word[-1] in "aeo":
        word = word[:-1]
    return word


def _strip_once(word: str, endings: Sequence[str], keep: int) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            return word[: -len(ending)]
    return word


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
        return "greek"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F:
        return "arabic"
    return "other"


def stem(word: str) -> str:
    """A normalised word with its common inflection cut off (see the module docstring)."""
    if not word or word.isdigit():
        return word
    script = _script(word[0])
    if script == "latin":
        return _latin_stem(word)
    if script == "cyrillic":
        return _strip_once(word, _CYRILLIC_ENDINGS, 4)
    if script == "greek":
        return _strip_once(word, _GREEK_ENDINGS, 3)
    if script == "arabic":
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        return _strip_once(word, _ARABIC_SUFFIXES, 3)
    return word


# Function words dropped before scoring (a few common languages; a word another language
# needs is simply weighed like any other there).
_STOP_TEXT = """
    a an the and or of in on at to for with by from into onto our we us its it their this
    that these those be is are as so do does all across each every per via within than also
    both any some such very will should must can has have had was were been
    le la les l de des du d et en un une pour avec au aux sur dans par
    el los las del y e para con por al lo su sus
    der die das den dem des und im zu zum zur mit fur von ein eine einen einem
    o os as do da dos das em um uma no na nos nas
    il gli di della delle dei per con
    и в во на с со к ко по для из о об а у от до за
    και το τα της του των στο στη στην στις στα στον στους τη την τις τους ο η οι με για σε
    و في من على الى عن مع
    का की के को में से और पर है
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_NEGATION_TEXT = """
    not no never without non none nor
    nicht kein keine keinen ohne nie sans pas ni jamais sin nunca nao nada senza mai
    не нет без ни никогда δεν μη χωρις لا ليس بدون
"""
_NEGATIONS = frozenset(_NEGATION_TEXT.split())
_GENERIC_VERBS = (
    "grow create build develop improve enhance boost strengthen expand support promote "
    "foster ensure make deliver establish provide achieve advance better new"
)
_GENERIC = frozenset(_latin_stem(word) for word in _GENERIC_VERBS.split())


@dataclass(frozen=True)
class Analysed:
    """One text ready to compare: its tokens with their weights."""

    flat: str
    """The normalised text without spaces ("health care" and "healthcare" meet here)."""
    weights: Mapping[str, float]
    """Token -> weight (1 for every token today; kept per token for the soft Dice)."""
    words: frozenset[str]
    """The tokens that may match another by a typo: words whose stem or whole word has
    TYPO_MIN_LENGTH+ letters."""
    surfaces: Mapping[str, str]
    """Token -> the word it was cut from, for `words`: a typo in an ending ("integrety")
    changes what the stemmer cuts, so the whole words are compared too."""
    generic: frozenset[str]
    """Its generic strategy words ("grow", "improve"…), which may stand in for each other."""
    negated: bool
    total: float


@lru_cache(maxsize=16384)
def analyse(text: str) -> Analysed:
    """A text's normalised form and weighted tokens (cached: the same text, the same result)."""
    folded = normalise(text)
    weights: dict[str, float] = {}
    words: set[str] = set()
    surfaces: dict[str, str] = {}
    generic: set[str] = set()
    negated = False
    for word in folded.split(" "):
        if not word:
            continue
        for run, spaceless in _runs(word):
            if spaceless:
                for gram in grams(run):
                    weights[gram] = 1.0
                continue
            if run in _NEGATIONS:
                negated = True
                weights[run] = 1.0
                continue
            if run in _STOP_WORDS:
                continue
            token = stem(run)
            weights[token] = 1.0
            if token in _GENERIC:
                generic.add(token)
            if max(len(token), len(run)) >= TYPO_MIN_LENGTH and not token.isdigit():
                words.add(token)
                surfaces.setdefault(token, run)
    return Analysed(
        flat=folded.replace(" ", ""),
        weights=weights,
        words=frozenset(words),
        surfaces=surfaces,
        generic=frozenset(generic),
        negated=negated,
        total=sum(weights.values()),
    )


def tokens(text: str) -> list[str]:
    """The tokens a text is compared by (stemmed words, or bigrams), in first-seen order."""
    return list(analyse(text).weights)


# --------------------------------------------------------------------------- scoring


def _deletions(word: str) -> set[str]:
    """The word and every form of it with one letter deleted (a SymSpell key set): two words
    one substitution, insertion, deletion or swap apart share one of these."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def typo_pairs(words: Iterable[str]) -> dict[tuple[str, str], float]:
    """Pairs of different words one typo apart, with their similarity (0..1), both ways."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for word in sorted(set(words)):
        if len(word) < TYPO_MIN_LENGTH:
            continue
        for key in _deletions(word):
            by_key[key].append(word)
    found: dict[tuple[str, str], float] = {}
    for group in by_key.values():
        for a, b in combinations(group, 2):
            if (a, b) in found or a[0] != b[0]:
                # A typo keeps the word's first letter: "Quality" / "Equality", "Loyalty" /
                # "Royalty", "Diversity" / "Adversity" are other words, not slips.
                continue
            ratio = fuzz.ratio(a, b, score_cutoff=TYPO_RATIO)
            if ratio:
                found[(a, b)] = found[(b, a)] = ratio / 100.0
    return found


def _soft_dice(a: Analysed, b: Analysed, typos: Mapping[tuple[str, str], float]) -> float:
    if not a.total or not b.total:
        return 0.0
    wa, wb = a.weights, b.weights
    matched = 0.0
    shared = wa.keys() & wb.keys()
    pairs = len(shared)
    for token in shared:
        matched += wa[token] + wb[token]
    one_word = len(wa) == 1 and len(wb) == 1
    if one_word and shared and _sibling_words(a, b, next(iter(shared))):
        return 0.0
    left_a = a.words - shared
    left_b = b.words - shared
    used_a: set[str] = set()
    used_b: set[str] = set()
    if left_a and left_b and typos:
        options = []
        for x in left_a:
            for y in left_b:
                if one_word and min(len(a.surfaces[x]), len(b.surfaces[y])) < ONE_WORD_TYPO_LENGTH:
                    continue
                similarity = max(
                    typos.get((x, y), 0.0), typos.get((a.surfaces[x], b.surfaces[y]), 0.0)
                )
                if similarity:
                    options.append((-similarity, x, y))
        options.sort()
        for negative, x, y in options:
            if x in used_a or y in used_b:
                continue
            used_a.add(x)
            used_b.add(y)
            pairs += 1
            matched += -negative * (wa[x] + wb[y])
    if a.generic and b.generic:
        spare_a = sorted(a.generic - shared - used_a)
        spare_b = sorted(b.generic - shared - used_b)
        for x, y in zip(spare_a, spare_b, strict=False):
            pairs += 1
            matched += GENERIC_SIMILARITY * (wa[x] + wb[y])
    result = matched / (a.total + b.total)
    if pairs == min(len(wa), len(wb)) and len(wa) != len(wb):
        result += CONTAINED_BONUS
    if a.negated != b.negated:
        result *= NEGATION_FACTOR
    return min(result, 1.0)


def _derivation(word: str, token: str) -> str:
    """What the stemmer cut from a Latin word beyond its plural ending ("integrity" -> "ity",
    "integration" -> "ation", "communities" -> "ity", "nurses" -> "e")."""
    single = _latin_plural(word)
    common = 0
    for x, y in zip(single, token, strict=False):
        if x != y:
            break
        common += 1
    return single[common:]


def _sibling_words(a: Analysed, b: Analysed, token: str) -> bool:
    """Whether two one-word ideas share only a root: each word lost a different derivational
    ending of 2+ letters ("Integrity" / "Integration", "Equity" / "Equal"). One word with an
    inflection of the other ("Creativity" / "Creative", "Kindness" / "Kind", "Communities" /
    "Community") is not."""
    first, second = a.surfaces.get(token), b.surfaces.get(token)
    if first is None or second is None or first == second or _script(token[0]) != "latin":
        return False
    cut_a, cut_b = _derivation(first, token), _derivation(second, token)
    return cut_a != cut_b and len(cut_a) >= 2 and len(cut_b) >= 2


def score(first: str, second: str) -> float:
    """How likely two texts are the same idea, 0..1 (suggested at THRESHOLD or more)."""
    a, b = analyse(first), analyse(second)
    if a.flat and a.flat == b.flat:
        return 1.0
    return round(_soft_dice(a, b, typo_pairs(_typo_keys(a) | _typo_keys(b))), 3)


def _typo_keys(item: Analysed) -> set[str]:
    """The forms of an idea's words compared for typos: their stems and the whole words."""
    return set(item.words) | set(item.surfaces.values())


PAIR_CACHE_SIZE = 200_000
"""Pair scores kept across calls, keyed on the two texts (a pair's score depends on nothing
else), so a new idea costs its own pairs, not all of them again; emptied when full."""
_PAIR_SCORES: dict[tuple[str, str], float] = {}


def clear_caches() -> None:
    """Forget every text analysed and pair scored (for benchmarks of a cold start)."""
    normalise.cache_clear()
    analyse.cache_clear()
    _PAIR_SCORES.clear()


def scored_pairs(
    items: Sequence[tuple[int, str]], threshold: float = THRESHOLD
) -> dict[tuple[int, int], float]:
    """Every pair of ideas `(id, text)` scoring at least `threshold`, keyed (lower id, higher
    id). Only candidates are scored: pairs that share a token (not a generic or common one,
    unless an idea has nothing else), a pair of words one typo apart, or their spaceless
    text."""
    analysed = [(idea_id, analyse(text)) for idea_id, text in items]
    counts: dict[str, int] = defaultdict(int)
    for _, item in analysed:
        for token in item.weights:
            counts[token] += 1
    common = max(COMMON_MIN, COMMON_SHARE * len(analysed))
    everything: dict[str, list[int]] = defaultdict(list)  # token -> every idea with it
    postings: dict[str, list[int]] = defaultdict(list)  # token -> ideas it may pair
    by_typo_key: dict[str, list[int]] = defaultdict(list)
    by_flat: dict[str, list[int]] = defaultdict(list)
    fallback: list[int] = []  # ideas with nothing but generic or common tokens
    for index, (_, item) in enumerate(analysed):
        if item.flat:
            by_flat[item.flat].append(index)
        for token in item.weights:
            everything[token].append(index)
        content = [t for t in item.weights if t not in item.generic and counts[t] <= common]
        if not content:
            fallback.append(index)
        for token in content:
            postings[token].append(index)
        for key in _typo_keys(item):
            by_typo_key[key].append(index)
    typos = typo_pairs(by_typo_key)
    # Each candidate pair with how many of its tokens are shown to match (shared posted
    # tokens, typo links); the tokens not posted (generic, common) may match one to one too.
    links: dict[tuple[int, int], int] = defaultdict(int)
    for indices in postings.values():
        for pair in combinations(indices, 2):
            links[pair] += 1
    for i in fallback:
        # Such an idea pairs with every idea sharing any of its tokens (they are few).
        for token in analysed[i][1].weights:
            for j in everything[token]:
                if i != j:
                    links[(i, j) if i < j else (j, i)] += 0
    for x, y in typos:
        if x < y:
            for i in by_typo_key[x]:
                for j in by_typo_key[y]:
                    if i != j:
                        links[(i, j) if i < j else (j, i)] += 1
    unposted = [
        sum(1 for t in item.weights if t in item.generic or counts[t] > common)
        for _, item in analysed
    ]
    exact: set[tuple[int, int]] = set()
    for indices in by_flat.values():
        exact.update(combinations(indices, 2))
    found: dict[tuple[int, int], float] = {}
    for i, j in exact:
        found[pair_key(analysed[i][0], analysed[j][0])] = 1.0
    for (i, j), linked in links.items():
        id_i, a = analysed[i]
        id_j, b = analysed[j]
        if id_i == id_j or (i, j) in exact or not a.total or not b.total:
            continue
        # The best this pair could score if every possible match held: too low, skip it.
        shorter = min(len(a.weights), len(b.weights))
        most = min(linked + min(unposted[i], unposted[j]), shorter)
        bonus = CONTAINED_BONUS if most == shorter and len(a.weights) != len(b.weights) else 0
        if 2 * most / (a.total + b.total) + bonus < threshold:
            continue
        # Keyed (and scored) in text order, so either order of the ideas gives one score.
        texts = (items[i][1], items[j][1])
        if texts[1] < texts[0]:
            texts, a, b = (texts[1], texts[0]), b, a
        value = _PAIR_SCORES.get(texts, -1.0)
        if value < 0:
            value = round(_soft_dice(a, b, typos), 3)
            if len(_PAIR_SCORES) >= PAIR_CACHE_SIZE:
                _PAIR_SCORES.clear()
            _PAIR_SCORES[texts] = value
        if value >= threshold:
            found[pair_key(id_i, id_j)] = value
    return found


# --------------------------------------------------------------------------- groups


class Suggestion(TypedDict):
    """One suggested group: its ideas (ascending ids) and its weakest pair's score."""

    idea_ids: list[int]
    score: float


def pair_key(a: int, b: int) -> tuple[int, int]:
    """A pair of idea ids in the order dismissals and scores keep them (lower first)."""
    return (a, b) if a < b else (b, a)


def group(
    pairs: Mapping[tuple[int, int], float], dismissed: Iterable[tuple[int, int]] = ()
) -> list[Suggestion]:
    """Suggested groups from scored pairs: `[{"idea_ids": [ascending], "score"}]`, best first
    (then by the earliest idea). Complete-link: pairs are taken best first, and two groups
    join only if every idea of one matches every idea of the other and none of those pairs
    was dismissed. A group's score is its weakest pair."""
    refused = {pair_key(a, b) for a, b in dismissed}
    live = {key: value for key, value in pairs.items() if key not in refused}
    member: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for (a, b), _value in sorted(live.items(), key=lambda kv: (-kv[1], kv[0])):
        ga, gb = member.get(a), member.get(b)
        if ga is not None and ga == gb:
            continue
        ideas_a = groups[ga] if ga is not None else [a]
        ideas_b = groups[gb] if gb is not None else [b]
        if any(pair_key(x, y) not in live for x in ideas_a for y in ideas_b):
            continue
        merged = sorted(ideas_a + ideas_b)
        root = merged[0]
        for gone in (ga, gb):
            if gone is not None:
                groups.pop(gone, None)
        groups[root] = merged
        for idea_id in merged:
            member[idea_id] = root
    out: list[Suggestion] = []
    for ideas in groups.values():
        weakest = min(live[pair_key(x, y)] for x, y in combinations(ideas, 2))
        out.append({"idea_ids": ideas, "score": weakest})
    out.sort(key=lambda g: (-g["score"], g["idea_ids"]))
    return out


def suggest(
    items: Sequence[tuple[int, str]],
    dismissed: Iterable[tuple[int, int]] = (),
    threshold: float = THRESHOLD,
) -> list[Suggestion]:
    """The suggested duplicate groups among ideas `(id, text)`, without dismissed pairs."""
    return group(scored_pairs(items, threshold), dismissed)


__all__ = [
    "COMMON_MIN",
    "COMMON_SHARE",
    "CONTAINED_BONUS",
    "GENERIC_SIMILARITY",
    "NEGATION_FACTOR",
    "ONE_WORD_TYPO_LENGTH",
    "THRESHOLD",
    "TYPO_MIN_LENGTH",
    "TYPO_RATIO",
    "Analysed",
    "Suggestion",
    "analyse",
    "clear_caches",
    "grams",
    "group",
    "normalise",
    "pair_key",
    "score",
    "scored_pairs",
    "stem",
    "suggest",
    "tokens",
    "typo_pairs",
]
