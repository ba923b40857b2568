"""The traits a kind of step declares, so shared code asks what a step does, not what it is.

The pure core's rules (the agenda's step order) take each kind's traits as data
(`kind -> frozenset of these`); the activities declare them (`Activity.traits`, re-exported by
`workshop.activities.base`).
"""

from __future__ import annotations

SCORES = "scores"
"""The step scores items (its standings can decide the stage; it can run a second round)."""
FEEDS_SHORTLIST = "feeds_shortlist"
"""A shortlist can be taken from this step's standings (the top of them)."""
SHORTLISTS = "shortlists"
"""The step works on a shortlist taken from a feeds_shortlist step before it; its
`shortlist_size` is how many items the steps before it pick."""
FREEZES_ITEMS = "freezes_items"
"""Once the stage reaches this step its items cannot be merged, grouped or added any more."""
DECIDES = "decides"
"""The step decides the stage (selects `select_count` items); only needs_selected steps may
follow it."""
NEEDS_SELECTED = "needs_selected"
"""The step works on the selected items of decided stages."""
REVEAL_FLAG = "reveal_flag"
"""The stage's release-1 `revealed` flag is also this step's reveal."""
ALIGNS = "aligns"
"""The step links items to the items they serve: a plan from a workshop with one reports the
alignment's gaps (a program that serves no goal)."""

TRAITS = (
    SCORES,
    FEEDS_SHORTLIST,
    SHORTLISTS,
    FREEZES_ITEMS,
    DECIDES,
    NEEDS_SELECTED,
    REVEAL_FLAG,
    ALIGNS,
)

__all__ = [
    "ALIGNS",
    "DECIDES",
    "FEEDS_SHORTLIST",
    "FREEZES_ITEMS",
    "NEEDS_SELECTED",
    "REVEAL_FLAG",
    "SCORES",
    "SHORTLISTS",
    "TRAITS",
]
