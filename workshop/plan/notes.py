"""How each stage was decided, in plain sentences for the plan's appendix (pure).

What each kind of step says (how it works, how it decided, what it adds up) comes from its
declaration, passed in as `kinds` (kind -> `StepNotes`, in the registry's order): the plan
never imports the activities and names no kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

METHOD_NAMES = {"borda": "Borda", "schulze": "Schulze", "copeland": "Copeland"}


class StepNotes(Protocol):
    """What the plan's appendix asks of a kind of step (an `Activity` declares all of it)."""

    @property
    def score_label(self) -> str | None:
        """What an item's score is in the results ("dots"); None: "score"."""

    @property
    def adds_up(self) -> str:
        """What the step adds up ("dots"): "The top 5 by dots", "By dots (this step)"."""

    @property
    def step_words(self) -> str:
        """The step as a sentence's subject ("The dot vote"); "": "This step"."""

    def method_note(self, settings: Mapping[str, Any]) -> str | None:
        """How the step works, when it is on the stage's agenda."""

    def decided_note(
        self,
        settings: Mapping[str, Any],
        decision: Mapping[str, Any],
        *,
        people: str,
        earlier: str,
    ) -> str | None:
        """How the step decided the stage (`earlier`: what the step before it adds up)."""


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _moved_note(
    decision: Mapping[str, Any], texts: Mapping[int, str], kinds: Mapping[str, StepNotes]
) -> str:
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
    notes = kinds.get(str(decision.get("kind")))
    step = (notes.step_words if notes is not None else "") or "This step"
    return (
        f"{step} had two rounds: the round-1 results were shown and discussed, then everyone "
        "could change their entries; the results are from round 2. What moved between rounds: "
        + (lines + "." if lines else "nothing.")
    )


def _robustness_note(
    decision: Mapping[str, Any],
    picks: int,
    texts: Mapping[int, str],
    kinds: Mapping[str, StepNotes],
) -> str:
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
    notes = kinds.get(kind)
    adds_up = (notes.adds_up if notes is not None else "") or kind
    own_name = METHOD_NAMES.get(method) or f"By {adds_up} (this step)"

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


def _adds_up(kinds: Mapping[str, StepNotes], kind: str) -> str:
    notes = kinds.get(kind)
    return notes.adds_up if notes is not None else ""


def decision_notes(
    steps: Sequence[Mapping[str, Any]],
    decision: Mapping[str, Any] | None,
    texts: Mapping[int, str],
    rounds: Sequence[Mapping[str, Any]] = (),
    *,
    kinds: Mapping[str, StepNotes],
    select: int,
    per_category: int = 0,
) -> tuple[str, ...]:
    """How a stage was decided, in plain sentences for the plan's appendix: the method and its
    settings, the shortlist, tie-breaks, rounds and what moved, agreement and robustness.
    `rounds` are the final standings of the stage's other steps that had two rounds; `kinds`
    says what each kind of step writes (its method notes come in the order of `kinds`);
    `select` is how many items the deciding step selects (0: every item); `per_category` how
    many of each category it selects instead (its `select_per_category`; 0: off)."""
    agenda = [str(step["kind"]) for step in steps]
    settings = {str(step["kind"]): dict(step.get("settings", {})) for step in steps}
    notes: list[str] = []
    if decision is None:
        first = "The first item" if per_category == 1 else f"The first {per_category} items"
        notes.append(
            f"{first} of each category, in the order written, went into the plan."
            if per_category
            else "Every item was kept, in the order it was written."
        )
        return tuple(notes)
    kind = str(decision["kind"])
    voters = int(decision.get("voters", 0))
    people = _plural(voters, "participant", "participants")
    for other, declared in kinds.items():
        if other in settings:
            method_note = declared.method_note(settings[other])
            if method_note:
                notes.append(method_note)
    deciding = kinds.get(kind)
    if deciding is not None:
        before = agenda[: agenda.index(kind)] if kind in agenda else []
        earlier = next(
            (words for k in reversed(before) if (words := _adds_up(kinds, k))),
            "",
        )
        decided = deciding.decided_note(
            settings.get(kind, {}), decision, people=people, earlier=earlier
        )
        if decided:
            notes.append(decided)
    if per_category:
        notes.append(
            "The top item of each category was selected."
            if per_category == 1
            else f"The top {per_category} items of each category were selected."
        )
    else:
        notes.append(
            "Every item was kept."
            if select == 0
            else f"The top {_plural(select, 'item was', 'items were')} selected."
        )
    for closed in (*rounds, decision):
        if int(closed.get("round", 1)) > 1:
            notes.append(_moved_note(closed, texts, kinds))
    picks = int(decision.get("picks", 0))
    if 0 < picks < len(decision.get("items", [])):
        if decision.get("robust"):
            notes.append("Borda, Schulze and Copeland counting would pick the same items.")
        else:
            notes.append(_robustness_note(decision, picks, texts, kinds))
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
