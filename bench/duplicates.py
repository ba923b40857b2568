"""Benchmark the suggested duplicates (`workshop/core/similar.py` through
`workshop/activities/duplicates.suggestions`) against a plain difflib baseline, side by side.

    python bench/duplicates.py                 # 50, 300 and 1000 ideas, 5 repeats
    python bench/duplicates.py --sizes 300 --repeat 9

The ideas are what a room writes: short strategy ideas in English, Spanish, French, German,
Russian, Greek, Arabic, Chinese and Japanese, built from verbs, objects and places (so most
are different but share words, as real ones do), and about one in eight written again by
someone else: other case, no accents, words swapped, one letter wrong, a plural, a word more.
Those planted pairs are the ground truth for the quality columns.

For each size, in one run and interleaved (the machine is shared and noisy):
- **cold**: nothing cached (every text normalised and stemmed, every candidate pair scored);
- **one new idea**: the texts seen before are cached, the pairs are scored again (what a new
  idea costs: its tally recomputes the stage's suggestions);
- **cached**: the same ideas again (a tally after a vote, a state after a phase change);
- **difflib**: the baseline a reader would write first: `SequenceMatcher.ratio()` of the
  lower-cased texts for every pair (with difflib's own `real_quick_ratio`/`quick_ratio`
  filters first), threshold 0.8.

Quality: how many planted duplicates each finds (recall), and how many pairs each suggests
that were not planted (planted pairs are the only known duplicates; a generated "Grow exports
in Asia" / "Grow exports in Africa" is a false pair).

Two corpora: `room` (above) and `shared`, the worst case for the candidate filter (the
review's R3): every idea says "customer" ("<verb> customer <noun> <noun> for <noun>").

The bound: 300 ideas cold must take under 100 ms (the issue's) in every corpus; the run exits
1 otherwise. It is checked on the CPU time of the call (`time.process_time`), printed beside
the wall-clock time: on an idle machine the two agree, while on this shared one (load 12 to 16
on 2 CPUs while it was written) the wall clock measured the other sessions. Figures are
medians of `--repeat` runs.
"""

# ruff: noqa: RUF001  (ideas in Greek, Cyrillic and other scripts, on purpose)

from __future__ import annotations

import argparse
import difflib
import os
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshop.activities import duplicates
from workshop.core import similar
from workshop.persistence.models import Stage

BOUND_MS = 100.0
BOUND_SIZE = 300


def _words(text: str) -> list[str]:
    """A word list written as one "|"-separated string (shorter than a list literal)."""
    return text.split("|")


# Word lists per language: verbs, objects, places; ideas are "verb object place".
LANGUAGES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "en": (
        _words(
            "Grow|Reduce|Improve|Hire more|Train|Cut|Open|Expand|Measure|Automate|Simplify|Fund"
            "|Share|Publish|Review|Protect|Digitise|Outsource|Support|Double"
        ),
        _words(
            "exports|imports|costs|emissions|customer service|nurses|teachers|regional jobs"
            "|tourism|training for staff|the website|public transport|health care|sales"
            "|supplier contracts|energy use|waste|volunteer programmes|research grants"
            "|office space|onboarding|data quality|safety checks|payroll|marketing budget"
            "|student housing|broadband access|water quality|local suppliers|night buses"
        ),
        _words(
            "in the regions|for young people|in Lisbon|by 2030|across all sites|in rural areas"
            "|with partners|for small firms|in schools|online|this year|in the north"
        ),
    ),
    "es": (
        _words("Crear|Reducir|Mejorar|Ampliar|Formar|Financiar|Digitalizar|Proteger"),
        _words(
            "empleos|costes|exportaciones|el turismo|la atención al cliente|la formación"
            "|el transporte público|la energía solar|las viviendas|los servicios"
        ),
        _words("en las regiones|para jóvenes|en el norte|antes de 2030|en las escuelas"),
    ),
    "fr": (
        _words("Créer|Réduire|Améliorer|Développer|Former|Financer|Simplifier"),
        _words(
            "des emplois|les coûts|le tourisme|la formation|les transports publics"
            "|le service client|les exportations|le logement étudiant"
        ),
        _words("dans les régions|pour les jeunes|en ligne|d'ici 2030|dans les écoles"),
    ),
    "de": (
        _words("Schaffen|Senken|Verbessern|Ausbauen|Fördern|Digitalisieren"),
        _words(
            "Arbeitsplätze|Kosten|Tourismus|Weiterbildung|öffentlichen Nahverkehr"
            "|Kundenservice|Exporte|Wohnungen"
        ),
        _words("in den Regionen|für junge Menschen|bis 2030|in Schulen|auf dem Land"),
    ),
    "ru": (
        _words("Развитие|Снижение|Улучшение|Расширение|Поддержка|Обучение"),
        _words(
            "туризма|расходов|экспорта|обслуживания клиентов|общественного транспорта"
            "|рабочих мест|малого бизнеса|образования"
        ),
        _words("в регионах|для молодёжи|к 2030 году|в школах|на севере"),
    ),
    "el": (
        _words("Ανάπτυξη|Μείωση|Βελτίωση|Στήριξη|Επέκταση"),
        _words("τουρισμού|κόστους|εξαγωγών|εξυπηρέτησης πελατών|δημόσιων συγκοινωνιών"),
        _words("στις περιφέρειες|για τους νέους|έως το 2030|στα σχολεία"),
    ),
    "ar": (
        _words("تطوير|خفض|تحسين|دعم|توسيع"),
        _words("السياحة|التكاليف|الصادرات|خدمة العملاء|النقل العام|فرص العمل"),
        _words("في المناطق|للشباب|بحلول 2030|في المدارس"),
    ),
    "zh": (
        _words("发展|降低|提高|扩大|支持"),
        _words("旅游业|成本|出口|客户服务|公共交通|就业机会"),
        _words("在农村地区|为年轻人|到2030年|在学校"),
    ),
    "ja": (
        _words("増やす|減らす|改善する|広げる|支える"),
        _words("地域の雇用を|コストを|輸出を|顧客サービスを|公共交通を|観光を"),
        _words("地方で|若者のために|2030年までに|学校で"),
    ),
}
# How often each language is picked (a mostly English room with others).
SHARES = {"en": 50, "es": 10, "fr": 8, "de": 8, "ru": 8, "el": 4, "ar": 4, "zh": 4, "ja": 4}


def _idea(rng: random.Random, language: str) -> str:
    verbs, objects, places = LANGUAGES[language]
    if language == "ja":
        return f"{rng.choice(places)}{rng.choice(objects)}{rng.choice(verbs)}"
    if language == "zh":
        return f"{rng.choice(places)}{rng.choice(verbs)}{rng.choice(objects)}"
    text = f"{rng.choice(verbs)} {rng.choice(objects)}"
    if rng.random() < 0.7:
        text += f" {rng.choice(places)}"
    return text


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text.lower()
    i = rng.choice(long)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    words[i] = word[:j] + word[j + 1 :]  # one letter dropped
    return " ".join(words)


def _rewrite(rng: random.Random, text: str) -> str:
    """The same idea written by someone else."""
    how = rng.choice(["case", "accents", "swap", "typo", "punctuation"])
    if how == "case":
        return text.upper() if rng.random() < 0.3 else text.lower()
    if how == "accents":
        return _strip_accents(text).lower()
    if how == "swap" and " " in text:
        words = text.split(" ")
        return " ".join(words[1:] + words[:1]).capitalize()
    if how == "typo":
        return _typo(rng, text)
    return f"{text}!"


def ideas(count: int, seed: int = 14) -> tuple[list[tuple[int, str]], set[tuple[int, int]]]:
    """`count` ideas `(id, text)` and the planted duplicate pairs (ids, lower first)."""
    rng = random.Random(seed)
    languages = [lang for lang, share in SHARES.items() for _ in range(share)]
    texts: list[str] = []
    planted: set[tuple[int, int]] = set()
    seen: set[str] = set()
    while len(texts) < count:
        if texts and rng.random() < 0.12:
            original = rng.randrange(len(texts))
            texts.append(_rewrite(rng, texts[original]))
            planted.add((original + 1, len(texts)))
            continue
        text = _idea(rng, rng.choice(languages))
        if text in seen:
            continue
        seen.add(text)
        texts.append(text)
    items = [(i + 1, text) for i, text in enumerate(texts)]
    # A rewrite of a rewrite is a duplicate of both: close the planted pairs transitively.
    groups: dict[int, set[int]] = {}
    for a, b in sorted(planted):
        members = groups.get(a, {a}) | groups.get(b, {b})
        for m in members:
            groups[m] = members
    closed = {(x, y) for members in groups.values() for x, y in combinations(sorted(members), 2)}
    return items, closed


SHARED_VERBS = _words("Improve|Reduce|Measure|Grow|Simplify|Track|Fund|Automate|Review|Share")
SHARED_NOUNS = _words(
    "service|satisfaction|retention|support|churn|loyalty|onboarding|feedback|complaints"
    "|surveys|portal|billing|contracts|calls|emails|chat|training|data|privacy|pricing"
)


def shared_word_ideas(
    count: int, seed: int = 3
) -> tuple[list[tuple[int, str]], set[tuple[int, int]]]:
    """The worst case for candidates (the review's R3): a workshop about customers, where
    every idea says "customer" ("<verb> customer <noun> <noun> for <noun>"). No planted pairs."""
    rng = random.Random(seed)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < count:
        nouns = [rng.choice(SHARED_NOUNS) for _ in range(3)]
        text = f"{rng.choice(SHARED_VERBS)} customer {nouns[0]} {nouns[1]} for {nouns[2]}"
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return [(i + 1, text) for i, text in enumerate(texts)], set()


CORPORA = {"room": ideas, "shared": shared_word_ideas}


def difflib_pairs(items: list[tuple[int, str]], threshold: float = 0.8) -> set[tuple[int, int]]:
    """The baseline: every pair, difflib's ratio of the lower-cased texts."""
    lowered = [(i, t.lower()) for i, t in items]
    found: set[tuple[int, int]] = set()
    for n, (a, ta) in enumerate(lowered):
        matcher = difflib.SequenceMatcher(None, "", ta, autojunk=False)
        for b, tb in lowered[n + 1 :]:
            matcher.set_seq1(tb)
            if (
                matcher.real_quick_ratio() >= threshold
                and matcher.quick_ratio() >= threshold
                and matcher.ratio() >= threshold
            ):
                found.add((min(a, b), max(a, b)))
    return found


def _ms(action: Callable[[], object], cpu: list[float] | None = None) -> float:
    """Wall-clock milliseconds of one call (its CPU milliseconds appended to `cpu`)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    action()
    if cpu is not None:
        cpu.append((time.process_time() - start_cpu) * 1000)
    return (time.perf_counter() - start) * 1000


def _cold() -> None:
    duplicates.clear_cache()
    similar.clear_caches()


def _pairs_in(groups: list[dict[str, Any]]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for g in groups:
        out.update(combinations(sorted(g["idea_ids"]), 2))
    return out


def run(size: int, repeat: int, corpus: str = "room") -> dict[str, float]:
    """One size's figures (milliseconds, medians; recall and false pairs)."""
    items, planted = CORPORA[corpus](size)
    stage = Stage(
        workshop_id="bench",
        position=0,
        key="vision",
        title="Vision",
        prompt="",
        steps=[{"kind": "brainstorm", "settings": {}}, {"kind": "vote", "settings": {}}],
        step_index=0,
    )
    cold: list[float] = []
    cold_cpu: list[float] = []
    new_idea: list[float] = []
    cached: list[float] = []
    base: list[float] = []
    result: list[dict[str, Any]] = []
    baseline: set[tuple[int, int]] = set()
    for _ in range(repeat):
        _cold()
        cold.append(_ms(lambda: duplicates.suggestions(stage, items, ()), cold_cpu))
        cached.append(_ms(lambda: duplicates.suggestions(stage, items, ())))
        # One new idea: every other text analysed already, the pairs scored again.
        fresh = [*items, (size + 1, "Grow regional jobs")]

        def one_more(fresh: list[tuple[int, str]] = fresh) -> None:
            duplicates.suggestions(stage, fresh, ())

        new_idea.append(_ms(one_more))
        result = duplicates.suggestions(stage, items, ())

        def keep() -> None:
            baseline.clear()
            baseline.update(difflib_pairs(items))

        base.append(_ms(keep))
    found = _pairs_in(result)
    return {
        "size": size,
        "cold": statistics.median(cold),
        "cold_cpu": statistics.median(cold_cpu),
        "new_idea": statistics.median(new_idea),
        "cached": statistics.median(cached),
        "difflib": statistics.median(base),
        "planted": len(planted),
        "found": len(found & planted),
        "false": len(found - planted),
        "groups": len(result),
        "difflib_found": len(baseline & planted),
        "difflib_false": len(baseline - planted),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 300, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", choices=sorted(CORPORA), nargs="+", default=["room", "shared"])
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs; medians of {args.repeat} runs")
    print(
        f"{'corpus':>6} {'ideas':>5} {'cold ms':>8} {'cold cpu':>8} {'new idea':>9} "
        f"{'cached':>8} {'difflib':>9} "
        f"{'difflib/cold':>12}  {'planted':>7} {'found':>6} {'false':>6} "
        f"{'difflib found':>13} {'difflib false':>13}"
    )
    failed = False
    for corpus in args.corpus:
        for size in args.sizes:
            row = run(size, args.repeat, corpus)
            ratio = row["difflib"] / row["cold"] if row["cold"] else float("inf")
            print(
                f"{corpus:>6} {size:>5} {row['cold']:>8.1f} {row['cold_cpu']:>8.1f} "
                f"{row['new_idea']:>9.1f} {row['cached']:>8.3f} "
                f"{row['difflib']:>9.1f} {ratio:>11.0f}x  {row['planted']:>7} {row['found']:>6} "
                f"{row['false']:>6} {row['difflib_found']:>13} {row['difflib_false']:>13}"
            )
            if size == BOUND_SIZE and row["cold_cpu"] >= BOUND_MS:
                failed = True
    if failed:
        print(f"FAIL: {BOUND_SIZE} ideas took {BOUND_MS:.0f} ms of CPU or more cold")
        return 1
    print(f"OK: {BOUND_SIZE} ideas under {BOUND_MS:.0f} ms of CPU cold, in every corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
