"""The register: every program, project and action in the plan as one CSV table, for the
people who run the plan (a spreadsheet to track who does what by when).

One row per item in the plan (dropped items are not in it), programs first, then projects,
then actions, each in the plan's order. Cells are defused exactly as in `ideas.csv`.

Risks and situation items (issue 17) are not rows: they are not work anyone does by a date,
and have no owner, sponsor or dates for the columns; the plan's Risks section lists each risk
with what it threatens and the projects that mitigate it. So the register of every plan is
byte for byte what it was.
"""

from __future__ import annotations

import csv
import io

from ..i18n import N_, gettext
from .document import PlanDocument, PlanItem, StageOutcome, gap_flags, labelled
from .ideas_csv import safe_cell

COLUMNS = (
    N_("Type"),
    N_("Item"),
    N_("Owner"),
    N_("Sponsor"),
    N_("Start"),
    N_("Due"),
    N_("Status"),
    N_("Serves"),
    N_("Gaps"),
    N_("Plan version"),
)
TYPES = {"programs": N_("Program"), "projects": N_("Project"), "actions": N_("Action")}
"""The levels the register lists, in its order, with the word its Type column uses."""
DUE_FIELD = {"programs": "end", "projects": "due", "actions": "due"}
"""Where each level keeps the date the register calls Due: a program's end, a project's
completion date, an action's date."""
LEVEL_WORDS = {"goals": N_("Goal"), "programs": N_("Program"), "projects": N_("Project")}
NOT_STARTED = N_("not started")
"""Every item's status on the day the plan is made; the people running it update the column."""


def serves(plan: PlanDocument, item: PlanItem) -> str:
    """What the item serves, in plan order, each parent in the plan with its level:
    "Goal: Grow revenue; Program: Small-business fund"."""
    return "; ".join(
        labelled(
            gettext(LEVEL_WORDS[stage.key]) if stage.key in LEVEL_WORDS else stage.title,
            parent.wording,
        )
        for stage in plan.stages
        for parent in stage.selected
        if parent.id in item.links
    )


def _row(
    plan: PlanDocument,
    stage: StageOutcome,
    item: PlanItem,
    flags: dict[int, tuple[str, ...]],
    version: str,
) -> tuple[str, ...]:
    fields = item.fields
    return (
        gettext(TYPES[stage.key]),
        item.wording,
        str(fields.get("owner") or ""),
        str(fields.get("sponsor") or ""),
        str(fields.get("start") or ""),
        str(fields.get(DUE_FIELD[stage.key]) or ""),
        gettext(NOT_STARTED),
        serves(plan, item),
        "; ".join(flags.get(item.id, ())),
        version,
    )


def render_register(plan: PlanDocument) -> bytes:
    """The register as UTF-8 CSV with a byte order mark and a header row (as `ideas.csv`, so
    Excel reads accents right); drafts say DRAFT in the version column."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext(column) for column in COLUMNS])
    version = gettext("DRAFT") if plan.draft else str(plan.version)
    flags = gap_flags(plan)
    for level in TYPES:
        for stage in (stage for stage in plan.stages if stage.key == level):
            for item in stage.selected:
                row = _row(plan, stage, item, flags, version)
                writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")
