"""How each stage was decided, in plain sentences for the plan's appendix (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

METHOD_WORDS = {
    "borda": "a Borda count (in a shortlist of k, first place earns k-1 points, last 0)",
    "schulze": "the Schulze method (every pair of ideas compared head to head)",
}
PREVIOUS_WORDS = {"vote": "dots", "allocate": "points", "rate": "mean impact"}
METHOD_NAMES = {"borda": "Borda", "schulze": "Schulze", "copeland": "Copeland"}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


STEP_WORDS = {
    "vote": "The dot vote",
    "allocate": "The points",
    "rate": "The ratings",
    "rank": "The ranking",
}


def _moved_note(decision: Mapping[str, Any], texts: Mapping[int, str]) -> str:
    """One step's second round in a sentence, with what moved between the rounds."""
    moved = [
        (texts.get(int(item["idea_id"]), ""), item)
        for item in decision.get("items", [])
        if item.get("moved")
    ]
    lines = "; ".join(
        f"{text} {'rose' if item['moved'] > 0 else 'fell'} from place "
        f"{item['round1']['rank']} to {item['rank']}"
        for text, item in moved
    )
    step = STEP_WORDS.get(str(decision.get("kind")), "This step")
    return (
        f"{step} had two rounds: the round-1 results were shown and discussed, then everyone "
        "could change their entries; the results are from round 2. What moved between rounds: "
        + (lines + "." if lines else "nothing.")
    )


def _robustness_note(decision: Mapping[str, Any], picks: int, texts: Mapping[int, str]) -> str:
    """'The counting method decides this one', comparing like with like: the step's own picks
    (its order's top `picks`) and only the counting methods that would pick other items."""
    kind = str(decision["kind"])
    own_ids = [
        int(item["idea_id"])
        for item in sorted(decision.get("items", []), key=lambda item: int(item["rank"]))
    ][:picks]
    # A step whose own method is a counting method (a ranking) is named by it; the others
    # (dots, points, mean impact: method "totals" or "mean") by what they add up.
    method = str(decision.get("method", ""))
    own_name = METHOD_NAMES.get(method) or f"By {PREVIOUS_WORDS.get(kind, kind)} (this step)"

    def named(ids: Sequence[Any]) -> str:
        return ", ".join(texts.get(int(i), "") for i in ids)

    differing = [
        f"{METHOD_NAMES.get(name, name.capitalize())}: {named(ids)}"
        for name, ids in decision.get("methods", {}).items()
        if {int(i) for i in ids} != set(own_ids)
    ]
    return (
        f"The counting method decides this one. {own_name}: {named(own_ids)}; "
        + "; ".join(differing)
        + "."
    )


def decision_notes(
    steps: Sequence[Mapping[str, Any]],
    decision: Mapping[str, Any] | None,
    texts: Mapping[int, str],
    rounds: Sequence[Mapping[str, Any]] = (),
) -> tuple[str, ...]:
    """How a stage was decided, in plain sentences for the plan's appendix: the method and its
    settings, the shortlist, tie-breaks, rounds and what moved, agreement and robustness.
    `rounds` are the final standings of the stage's other steps that had two rounds."""
    kinds = [str(step["kind"]) for step in steps]
    settings = {str(step["kind"]): dict(step.get("settings", {})) for step in steps}
    notes: list[str] = []
    select = int(settings.get("done", {}).get("select_count", 0))
    if decision is None:
        notes.append("Every item was kept, in the order it was written.")
        return tuple(notes)
    kind = str(decision["kind"])
    voters = int(decision.get("voters", 0))
    people = _plural(voters, "participant", "participants")
    if "vote" in kinds:
        vote = settings["vote"]
        notes.append(
            f"Dot vote: each participant had {vote.get('dot_budget')} dots, at most "
            f"{vote.get('max_dots_per_idea')} on one idea."
        )
    if "allocate" in kinds:
        allocate = settings["allocate"]
        notes.append(
            f"Points: each participant spread {allocate.get('budget')} points, at most "
            f"{allocate.get('per_item_cap')} on one idea."
        )
    if "rate" in kinds:
        notes.append(
            "Impact and effort: each rated from 1 to 5; a mean above 3 is high (quick win: high "
            "impact, low effort; big bet: both high; fill-in: both low; money pit: low impact, "
            "high effort)."
        )
    if kind == "rank":
        before = next(
            (k for k in reversed(kinds[: kinds.index("rank")]) if k in PREVIOUS_WORDS), ""
        )
        size = settings["rank"].get("shortlist_size")
        method = str(decision.get("method", "borda"))
        notes.append(
            f"The top {size} by {PREVIOUS_WORDS.get(before, 'dots')} were shortlisted; {people} "
            f"ranked them, counted by {METHOD_WORDS.get(method, method)}. Ties go to the higher "
            "Borda score, then more dots, then the earlier idea."
        )
    elif kind == "vote":
        notes.append(f"Decided by the dots of {people}; on equal dots the earlier idea goes first.")
    elif kind == "allocate":
        notes.append(
            f"Decided by the points of {people}; on equal points the earlier idea goes first."
        )
    elif kind == "rate":
        notes.append(
            f"Decided by the ratings of {people}: the highest mean impact first, then the lower "
            "mean effort."
        )
    notes.append(
        "Every item was kept."
        if select == 0
        else f"The top {_plural(select, 'item was', 'items were')} selected."
    )
    for earlier in (*rounds, decision):
        if int(earlier.get("round", 1)) > 1:
            notes.append(_moved_note(earlier, texts))
    picks = int(decision.get("picks", 0))
    if 0 < picks < len(decision.get("items", [])):
        if decision.get("robust"):
            notes.append("Borda, Schulze and Copeland counting would pick the same items.")
        else:
            notes.append(_robustness_note(decision, picks, texts))
    w = decision.get("kendall_w")
    if w is not None:
        notes.append(f"Agreement on the order (Kendall's W, 0 to 1): {float(w):.2f}.")
    winner = decision.get("condorcet_winner")
    if winner:
        notes.append(f"{texts.get(int(winner), '')} beats every other idea head to head.")
    split = [
        texts.get(int(i["idea_id"]), "") for i in decision.get("items", []) if i.get("contested")
    ]
    if split:
        notes.append("The room was split about: " + "; ".join(split) + ".")
    return tuple(notes)
