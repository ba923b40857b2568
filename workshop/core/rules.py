"""The rules as pure functions: idea text, dot budgets, shortlist, Borda, selection.

Nothing here touches Flask, the database or the network, so every rule can be tested
exhaustively and reused unchanged by the services, the snapshots and the plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..i18n import gettext
from .errors import DomainError

IDEA_MAX_LENGTH = 280
NAME_MAX_LENGTH = 40
MAX_IDEAS_PER_PARTICIPANT_PER_STAGE = 50


# --------------------------------------------------------------------------- text


def clean_idea_text(text: str) -> str:
    """Trim an idea and check it is 1..280 characters long."""
    cleaned = text.strip()
    if not cleaned:
        raise DomainError("text_empty", gettext("Write something before sending the idea."))
    if len(cleaned) > IDEA_MAX_LENGTH:
        raise DomainError(
            "text_too_long",
            gettext(
                "An idea can be at most %(max)s characters (%(given)s given).",
                max=IDEA_MAX_LENGTH,
                given=len(cleaned),
            ),
        )
    return cleaned


_SPACES = re.compile(
    r"[ \t\r\n\f\v\x1c-\x1f\x85\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]+"
)
"""Runs of white space a cleaner folds into one space: every Unicode white space but the
no-break ones (U+00A0, U+2007, U+202F), which French puts before "?", ":" and ";" and which
must stay unbreakable."""


def squash_spaces(text: str) -> str:
    """`text` with each run of breaking white space one space, trimmed at both ends; the
    no-break spaces a language's typography needs are kept inside it."""
    return _SPACES.sub(" ", text).strip(" \u00a0\u2007\u202f")


def clean_name(name: str | None) -> str | None:
    """Trim an optional display name; blank means anonymous."""
    if name is None:
        return None
    cleaned = squash_spaces(name)
    if not cleaned:
        return None
    if len(cleaned) > NAME_MAX_LENGTH:
        raise DomainError(
            "name_too_long",
            gettext(
                "A name can be at most %(max)s characters.",
                max=NAME_MAX_LENGTH,
            ),
        )
    return cleaned


# --------------------------------------------------------------------------- dot votes


def check_allocation(
    votes: Mapping[int, int],
    *,
    eligible: Iterable[int],
    budget: int,
    per_idea_cap: int,
    unit: str = "dots",
    negative: str = "invalid_votes",
) -> dict[int, int]:
    """Validate one participant's whole allocation (of dots, or points) for a stage; return
    it without zeros.

    The allocation replaces the previous one, so the budget is checked against the payload
    alone and a retried request can never double-spend.
    """
    allowed = set(eligible)
    for idea_id, count in votes.items():
        if idea_id not in allowed:
            raise DomainError(
                "idea_not_found",
                gettext("Idea %(idea_id)s is not open for voting here.", idea_id=idea_id),
            )
        if count < 0:
            raise DomainError(
                negative,
                gettext("%(what)s cannot be negative.", what=gettext(unit).capitalize()),
            )
        if count > per_idea_cap:
            raise DomainError(
                "over_cap",
                gettext(
                    "At most %(per_idea_cap)s %(unit)s can go on one idea (%(count)s given).",
                    per_idea_cap=per_idea_cap,
                    unit=gettext(unit),
                    count=count,
                ),
            )
    spent = sum(votes.values())
    if spent > budget:
        raise DomainError(
            "over_budget",
            gettext(
                "You have %(budget)s %(unit)s; this allocation spends %(spent)s.",
                budget=budget,
                unit=gettext(unit),
                spent=spent,
            ),
        )
    return {idea_id: count for idea_id, count in sorted(votes.items()) if count > 0}


def remaining_dots(votes: Mapping[int, int], budget: int) -> int:
    """Dots a participant still has to spend."""
    return budget - sum(votes.values())


def dot_totals(allocations: Iterable[Mapping[int, int]], ideas: Iterable[int]) -> dict[int, int]:
    """Sum every participant's dots per idea; ideas nobody voted for get 0."""
    totals = dict.fromkeys(ideas, 0)
    for allocation in allocations:
        for idea_id, count in allocation.items():
            if idea_id in totals:
                totals[idea_id] += count
    return totals


def shortlist(totals: Mapping[int, int], size: int) -> list[int]:
    """The top `size` ideas by dots; on equal dots the earlier idea (lower id) goes first."""
    ordered = sorted(totals, key=lambda idea_id: (-totals[idea_id], idea_id))
    return ordered[: max(size, 0)]


# --------------------------------------------------------------------------- ranking


def check_order(order: Sequence[int], shortlisted: Sequence[int]) -> list[int]:
    """Validate a participant's (possibly partial) order of the shortlist."""
    allowed = set(shortlisted)
    seen: set[int] = set()
    for idea_id in order:
        if idea_id not in allowed:
            raise DomainError(
                "not_in_shortlist",
                gettext("Idea %(idea_id)s is not on the shortlist.", idea_id=idea_id),
            )
        if idea_id in seen:
            raise DomainError(
                "invalid_ranking",
                gettext("Idea %(idea_id)s appears twice in the order.", idea_id=idea_id),
            )
        seen.add(idea_id)
    return list(order)


def borda_scores(orders: Iterable[Sequence[int]], shortlisted: Sequence[int]) -> dict[int, int]:
    """Borda count: in a shortlist of k, first place earns k-1 points, last 0, unranked 0.

    Borda rewards ideas the whole room rates highly rather than ones a faction loves, which is
    what a plan everyone must carry out needs. A partial order still gives its first choice
    k-1 points, so ranking only your favourite is a fair, if weaker, vote. Entries that are no
    longer on the shortlist (after a facilitator reopened voting) are skipped.
    """
    k = len(shortlisted)
    scores = dict.fromkeys(shortlisted, 0)
    for order in orders:
        position = 0
        for idea_id in order:
            if idea_id in scores:
                scores[idea_id] += k - 1 - position
                position += 1
    return scores


@dataclass(frozen=True)
class Result:
    """One idea's place in a finished stage."""

    idea_id: int
    rank: int
    score: float
    votes: int
    shortlisted: bool
    selected: bool


def results(
    *,
    ideas: Sequence[int],
    totals: Mapping[int, int],
    shortlisted: Sequence[int],
    scores: Mapping[int, float],
    select_count: int,
    order: Sequence[int] | None = None,
) -> list[Result]:
    """Order every visible idea and mark the stage's selected items.

    Shortlisted ideas come first, in `order` when given (Schulze's, say), else by score, then
    dots, then the earlier idea; the rest follow by dots, then the earlier idea, with score 0.
    Only shortlisted ideas can be selected: the top `select_count` of them.
    """
    on_list = set(shortlisted)
    place = {idea_id: index for index, idea_id in enumerate(order or ())}

    def key(idea_id: int) -> tuple[int, float, float, int]:
        listed = idea_id in on_list
        if listed and order is not None:
            return (0, place.get(idea_id, len(place)), 0, idea_id)
        return (0 if listed else 1, -scores.get(idea_id, 0), -totals.get(idea_id, 0), idea_id)

    ordered = sorted(ideas, key=key)
    out: list[Result] = []
    for index, idea_id in enumerate(ordered):
        listed = idea_id in on_list
        out.append(
            Result(
                idea_id=idea_id,
                rank=index + 1,
                score=scores.get(idea_id, 0) if listed else 0,
                votes=totals.get(idea_id, 0),
                shortlisted=listed,
                selected=listed and index < select_count,
            )
        )
    return out


def decide(
    *,
    totals: Mapping[int, int],
    stored_shortlist: Sequence[int] | None,
    orders: Iterable[Sequence[int]],
    select_count: int,
) -> list[Result]:
    """A stage's results from its dots, its frozen shortlist and everyone's orders.

    Shortlisted ideas that were hidden since (absent from `totals`) drop out of the count.
    A stage without a rank step (`stored_shortlist` None) is decided by dots alone: every idea
    counts as shortlisted, scored by its dots; with neither vote nor rank, by the order the
    ideas were written. `select_count` 0 selects every idea.
    """
    if select_count <= 0:
        select_count = len(totals)
    if stored_shortlist is None:
        by_dots = shortlist(totals, len(totals))
        return results(
            ideas=by_dots,
            totals=totals,
            shortlisted=by_dots,
            scores=totals,
            select_count=select_count,
        )
    shortlisted = [idea_id for idea_id in stored_shortlist if idea_id in totals]
    return results(
        ideas=list(totals),
        totals=totals,
        shortlisted=shortlisted,
        scores=borda_scores(orders, shortlisted),
        select_count=select_count,
    )
