"""Every idea of every stage as CSV, one row per idea, for spreadsheets.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by a
spreadsheet as a formula (CSV injection), so it is prefixed with an apostrophe: the program
shows the text as typed and never evaluates it.
"""

from __future__ import annotations

import csv
import io

from ..i18n import N_, gettext, pgettext
from .document import PlanDocument, consensus_label


def _column(name: str) -> str:
    """A column's header in the plan's language ("Rank" here is a place, not the activity)."""
    return pgettext("column", "Rank") if name == "Rank" else gettext(name)


COLUMNS = (
    N_("Stage"),
    N_("Level"),
    N_("Rank"),
    N_("Idea"),
    N_("Wording in plan"),
    N_("Dots"),
    N_("Score"),
    N_("Score counts"),
    N_("Consensus"),
    N_("Contested"),
    N_("Shortlisted"),
    N_("Selected"),
    N_("Also said"),
    N_("Plan version"),
)
CATEGORY_COLUMN = N_("Category")
"""Right after "Level", and only when some stage of the plan has categories (a SWOT, a
PESTLE): each idea's category by its label. A plan without categories keeps the columns above,
byte for byte."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, defused if a spreadsheet would take it for a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(plan: PlanDocument) -> bytes:
    """The ideas table, UTF-8 with a byte order mark (without one, Excel reads the file in
    the system's code page and garbles accents, Greek and Cyrillic), with a header row;
    drafts say DRAFT in the version column. A plan with categories adds a "Category" column
    after "Level" (each idea's category label, empty for an idea without one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    categorised = any(stage.categories for stage in plan.stages)
    columns = tuple(_column(column) for column in COLUMNS)
    writer.writerow(_with_category(columns, gettext(CATEGORY_COLUMN)) if categorised else columns)
    version = gettext("DRAFT") if plan.draft else str(plan.version)
    yes, no = gettext("yes"), gettext("no")
    for stage in plan.stages:
        for item in stage.items:
            row: tuple[object, ...] = (
                stage.title,
                stage.key,
                item.rank,
                item.text,
                item.wording if item.selected else "",
                item.votes,
                item.score,
                gettext(stage.score_label),
                "" if item.consensus is None else consensus_label(item).split()[0],
                yes if item.contested else no,
                yes if item.shortlisted else no,
                yes if item.selected else no,
                "; ".join(item.also_said),
                version,
            )
            if categorised:
                label = (
                    "" if item.category is None else gettext(stage.category_label(item.category))
                )
                row = _with_category(row, label)
            writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")


def _with_category(row: tuple[object, ...], category: object) -> tuple[object, ...]:
    """A row with the category cell after the level's (the second cell)."""
    return (*row[:2], category, *row[2:])
