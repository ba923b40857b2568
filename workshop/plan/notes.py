"""How each stage was decided, in plain sentences for the plan's appendix (pure).

What each kind of step says (how it works, how it decided, what it adds up) comes from its
declaration, passed in as `kinds` (kind -> `StepNotes`, in the registry's order): the plan
never imports the activities and names no kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..i18n import gettext, ngettext
from .document import count_text, decimal_text

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
        (
            gettext(
                "%(item)s rose from place %(before)s to %(after)s",
                item=text,
                before=count_text(int(item["round1"]["rank"])),
                after=count_text(int(item["rank"])),
            )
            if item["moved"] > 0
            else gettext(
                "%(item)s fell from place %(before)s to %(after)s",
                item=text,
                before=count_text(int(item["round1"]["rank"])),
                after=count_text(int(item["rank"])),
            )
        )
        for text, item in moved
    )
    notes = kinds.get(str(decision.get("kind")))
    words = notes.step_words if notes is not None else ""
    step = gettext(words) if words else gettext("This step")
    return gettext(
        "%(step)s had two rounds: the round-1 results were shown and discussed, then everyone "
        "could change their entries; the results are from round 2. What moved between rounds: "
        "%(moved)s",
        step=step,
        moved=gettext("%(items)s.", items=lines) if lines else gettext("nothing."),
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
    own_name = METHOD_NAMES.get(method) or gettext("By %(unit)s (this step)", unit=gettext(adds_up))

    def named(ids: Sequence[Any]) -> str:
        return ", ".join(texts.get(int(i), "") for i in ids)

    differing = [
        f"{METHOD_NAMES.get(name, name.capitalize())}: {named(ids)}"
        for name, ids in decision.get("methods", {}).items()
        if {int(i) for i in ids} != set(own_ids)
    ]
    return gettext(
        "The counting method decides this one. %(own)s: %(picks)s; %(others)s.",
        own=own_name,
        picks=named(own_ids),
        others="; ".join(differing),
    )


def _adds_up(kinds: Mapping[str, StepNotes], kind: str) -> str:
    notes = kinds.get(kind)
    return gettext(notes.adds_up) if notes is not None and notes.adds_up else ""


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
        notes.append(
            ngettext(
                "The first item of each category, in the order written, went into the plan.",
                "The first %(count)s items of each category, in the order written, went into "
                "the plan.",
                per_category,
                count=count_text(per_category),
            )
            if per_category
            else gettext("Every item was kept, in the order it was written.")
        )
        return tuple(notes)
    kind = str(decision["kind"])
    voters = int(decision.get("voters", 0))
    people = ngettext(
        "%(count)s participant", "%(count)s participants", voters, count=count_text(voters)
    )
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
            ngettext(
                "The top item of each category was selected.",
                "The top %(count)s items of each category were selected.",
                per_category,
                count=count_text(per_category),
            )
        )
    else:
        notes.append(
            gettext("Every item was kept.")
            if select == 0
            else ngettext(
                "The top %(count)s item was selected.",
                "The top %(count)s items were selected.",
                select,
                count=count_text(select),
            )
        )
    for closed in (*rounds, decision):
        if int(closed.get("round", 1)) > 1:
            notes.append(_moved_note(closed, texts, kinds))
    picks = int(decision.get("picks", 0))
    if 0 < picks < len(decision.get("items", [])):
        if decision.get("robust"):
            notes.append(gettext("Borda, Schulze and Copeland counting would pick the same items."))
        else:
            notes.append(_robustness_note(decision, picks, texts, kinds))
    w = decision.get("kendall_w")
    if w is not None:
        notes.append(
            gettext(
                "Agreement on the order (Kendall's W, 0 to 1): %(value)s.",
                value=decimal_text(float(w), 2),
            )
        )
    winner = decision.get("condorcet_winner")
    if winner:
        notes.append(
            gettext(
                "%(item)s beats every other idea head to head.", item=texts.get(int(winner), "")
            )
        )
    split = [
        texts.get(int(i["idea_id"]), "") for i in decision.get("items", []) if i.get("contested")
    ]
    if split:
        notes.append(gettext("The room was split about: %(items)s.", items="; ".join(split)))
    return tuple(notes)
