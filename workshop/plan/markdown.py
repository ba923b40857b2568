"""The plan as Markdown that reads well as plain text.

Participants' text can never become structure, yet it is escaped only where a character
would turn into structure in its position (CommonMark, plus the table pipes and the
strikethrough of GitHub's dialect): a date such as 2027-03-15 stays as typed, while a line
that starts with "# " or "1. ", an emphasis delimiter that could open or close, a backtick, a
link bracket, a tag, an entity or a table pipe gets its backslash.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .. import i18n
from ..i18n import N_, gettext
from . import layout as lay
from .document import PlanDocument, labelled
from .html import colon, gap_count_line, wide_column

# Positions a text can be written in: each lets different characters become structure.
BLOCK = "block"
"""At the start of a line: a paragraph, a list item's text, a block quote's text."""
HEADING = "heading"
"""After an ATX heading's hashes: inline only, but a trailing " #" would close the heading."""
CELL = "cell"
"""A table cell: inline only, and a pipe would end the cell."""
INLINE = "inline"
"""Inside a line after the renderer's own text ("Owner: …", "⚠ …"): inline only."""
WRAPPED = "wrapped"
"""Inside the renderer's own emphasis (`*…*`, `**…**`): a delimiter at either end would merge."""

_HEADING_START = re.compile(r"#{1,6}(?:\s|$)")
_LIST_START = re.compile(r"[-+*](?:\s|$)")
_ORDERED_START = re.compile(r"(\d{1,9})[.)](?:\s|$)")
_RULE_LINE = re.compile(r"([-*_])(?:\s*\1){2,}\s*$")
_SETEXT_LINE = re.compile(r"(?:=+|-+)\s*$")
_FENCE_START = re.compile(r"(?:~~~|```)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_TAG_NEXT = re.compile(r"[A-Za-z/!?]")
_CLOSING_HASHES = re.compile(r"(?:^|\s)(#+)\s*$")
_ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_space(char: str) -> bool:
    return char == "" or char.isspace()


def _is_punct(char: str) -> bool:
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith(("P", "S"))


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """(left-flanking, right-flanking) of a delimiter run between these two characters
    ("" for the edge of the line), as CommonMark defines them."""
    left = not _is_space(after) and (not _is_punct(after) or _is_space(before) or _is_punct(before))
    right = not _is_space(before) and (
        not _is_punct(before) or _is_space(after) or _is_punct(after)
    )
    return left, right


def _delimiter_runs(text: str, position: str) -> set[int]:
    """Indexes of the `*`, `_` and `~` characters that could open or close emphasis (or
    GitHub's strikethrough) where they stand, so they need a backslash."""
    marked: set[int] = set()
    n = 0
    while n < len(text):
        char = text[n]
        if char not in "*_~":
            n += 1
            continue
        end = n
        while end < len(text) and text[end] == char:
            end += 1
        before = text[n - 1] if n else ""
        after = text[end] if end < len(text) else ""
        left, right = _flanking(before, after)
        if char == "_":
            opens = left and (not right or _is_punct(before))
            closes = right and (not left or _is_punct(after))
        elif char == "~":
            opens, closes = (left, right) if end - n >= 2 else (False, False)
        else:
            opens, closes = left, right
        at_edge = n == 0 or end == len(text)
        if opens or closes or (position == WRAPPED and at_edge and char != "~"):
            marked.update(range(n, end))
        n = end
    return marked


def _line_start(text: str) -> int | None:
    """Where a backslash goes so the start of a line stays text, or None."""
    if _HEADING_START.match(text) or _LIST_START.match(text) or text[:1] in (">", "|"):
        return 0
    if _RULE_LINE.match(text) or _SETEXT_LINE.match(text) or _FENCE_START.match(text):
        return 0
    ordered = _ORDERED_START.match(text)
    if ordered:
        return ordered.end(1)
    return None


def md_escape(text: str, position: str = BLOCK) -> str:
    """Participants' text on one line, with a backslash only before the characters that
    would become Markdown structure in `position` (BLOCK, HEADING, CELL, INLINE or WRAPPED)."""
    text = " ".join(text.split())
    marks = _delimiter_runs(text, position)
    if position == BLOCK:
        start = _line_start(text)
        if start is not None:
            marks.add(start)
    if position == HEADING:
        closing = _CLOSING_HASHES.search(text)
        if closing:
            marks.add(closing.start(1))
    opened_bracket = False
    for n, char in enumerate(text):
        after = text[n + 1 : n + 2]
        if char == "[" and "]" in text[n + 1 :]:
            opened_bracket = True
        if (
            (char == "\\" and (after == "" or after in _ASCII_PUNCTUATION))
            or char == "`"
            or (char == "[" and "]" in text[n + 1 :])
            or (char == "]" and opened_bracket)
            or (char == "<" and _TAG_NEXT.match(after))
            or (char == "&" and _ENTITY.match(text, n))
            or (char == "|" and position == CELL)
        ):
            marks.add(n)
    return "".join(f"\\{char}" if n in marks else char for n, char in enumerate(text))


def flagged(text: str, flags: tuple[str, ...], position: str = BLOCK) -> str:
    """An item's text followed by its gap flags, "Grow exports (⚠ Goal that nothing serves)"."""
    escaped = md_escape(text, position)
    if not flags:
        return escaped
    inner = CELL if position == CELL else INLINE
    marks = "; ".join(f"⚠ {md_escape(flag, inner)}" for flag in flags)
    return f"{escaped} ({marks})" if escaped else marks


def _cell(text: str) -> str:
    return md_escape(text, CELL) or " "


def _table(columns: tuple[str, ...], rows: Any, numeric: tuple[bool, ...] = ()) -> list[str]:
    align = ["---:" if n < len(numeric) and numeric[n] else "---" for n in range(len(columns))]
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += ["| " + " | ".join(_cell(str(c)) for c in row) + " |" for row in rows]
    return lines


def _cover(plan: PlanDocument, block: lay.Cover) -> list[str]:
    lines = ["# " + gettext("Strategic plan: %(title)s", title=md_escape(block.title, HEADING)), ""]
    if block.draft:
        lines += [f"**{md_escape(gettext(lay.DRAFT_NOTICE), WRAPPED)}**", ""]
    if block.subtitle:
        lines += [f"**{md_escape(block.subtitle, WRAPPED)}**", ""]
    lines += [f"{md_escape(fact)}  " for fact in block.facts]
    if not block.draft:
        lines.append(f"{md_escape(lay.control_line(plan))}  ")
    lines[-1] = lines[-1].rstrip()
    return [*lines, ""]


def _strategy(block: Any, after_heading: bool) -> list[str]:
    lines = [] if after_heading else ["## " + gettext("Strategy on a page"), ""]
    if block.note:
        lines += [f"*{md_escape(block.note, WRAPPED)}*", ""]
    for label, text in ((N_("Vision"), block.vision), (N_("Mission"), block.mission)):
        if text:
            lines += [f"**{colon(gettext(label))}** {md_escape(text, INLINE)}", ""]
    if block.values:
        values = " · ".join(md_escape(v, INLINE) for v in block.values)
        lines += ["**" + colon(gettext("Values")) + f"** {values}", ""]
    if block.goals:
        lines += ["### " + gettext("Goals"), ""]
        for n, goal in enumerate(block.goals, 1):
            lines.append(f"{lay.number_text(n)}. {flagged(goal.text, goal.flags)}")
            details = [labelled(gettext("Target"), goal.metric)] if goal.metric else []
            if goal.serving:
                details.append(labelled(gettext("Served by"), "; ".join(goal.serving)))
            lines += [f"   - {md_escape(detail)}" for detail in details]
        lines.append("")
    lines += ["### " + gettext("Gaps"), ""]
    if block.gap_count:
        lines += [gap_count_line(block.gap_count, bool(block.top_gaps)), ""]
        lines += [f"- ⚠ {md_escape(gap, INLINE)}" for gap in block.top_gaps]
        lines += [""] if block.top_gaps else []
    else:
        lines += [gettext("No gaps."), ""]
    if block.unanswered:
        named = "; ".join(md_escape(text, INLINE) for text in block.unanswered)
        lines += ["**" + colon(gettext("Left unanswered")) + f"** {named}", ""]
    if block.first_actions:
        lines += ["### " + gettext("First actions"), ""]
        lines += _table((gettext("What"), gettext("Who"), gettext("By when")), block.first_actions)
        lines.append("")
    return lines


def _facts(block: Any) -> list[str]:
    caption = md_escape(block.caption, WRAPPED)
    lines = [f"**{labelled(caption, md_escape(block.title, WRAPPED))}**", ""]
    if block.flags:
        lines += [f"- ⚠ {md_escape(flag, INLINE)}" for flag in block.flags]
        lines.append("")
    if block.rows:
        lines += _table((gettext("Field"), gettext("Value")), block.rows)
        lines.append("")
    return lines


def _roadmap(block: Any) -> list[str]:
    chart = block.chart
    lines: list[str] = []
    columns, rows = chart.table()
    if rows:
        lines += [*_table(tuple(columns), rows), ""]
    if chart.unscheduled:
        lines += ["**" + colon(gettext("Not scheduled yet")) + "**", ""]
        lines += [f"- {md_escape(name)}" for name in chart.unscheduled]
        lines.append("")
    return lines or ["*" + gettext("Nothing is scheduled yet.") + "*", ""]


def _map(block: Any) -> list[str]:
    """The map's outline as nested bullets. A list nests one level at a time, so a row never
    sits more than one deeper than the row before it (a project straight under a goal)."""
    lines: list[str] = []
    shown = -1
    for depth, level, wording, flags in block.map.outline():
        shown = min(depth, shown + 1)
        text = (
            f"{colon(md_escape(level))} {flagged(wording, tuple(flags), INLINE)}"
            if level
            else f"**{md_escape(wording, WRAPPED)}**"
        )
        lines.append(f"{'    ' * shown}- {text}")
    return [*(lines or ["*" + gettext("Nothing is linked yet.") + "*"]), ""]


def _block(plan: PlanDocument, block: lay.Block, previous: lay.Block | None) -> list[str]:
    if isinstance(block, lay.Cover):
        return _cover(plan, block)
    if isinstance(block, lay.Heading):
        return [f"{'#' * block.level} {md_escape(block.text, HEADING)}", ""]
    if isinstance(block, lay.Paragraph):
        if block.style == "note":
            return [f"*{md_escape(block.text, WRAPPED)}*", ""]
        if block.style == "lead":
            return [f"**{md_escape(block.text, WRAPPED)}**", ""]
        return [md_escape(block.text), ""]
    if isinstance(block, lay.Statement):
        return [f"> {md_escape(block.text)}", ""]
    if isinstance(block, lay.Items):
        lines = []
        for n, entry in enumerate(block.entries, 1):
            marker = f"{lay.number_text(n)}." if block.ordered else "-"
            lines.append(f"{marker} {flagged(entry.text, entry.flags)}")
            pad = " " * (len(marker) + 1)
            lines += [f"{pad}- {md_escape(detail)}" for detail in entry.details]
        return [*lines, ""]
    if isinstance(block, lay.Table):
        column = wide_column(block.widths, block.numeric, block.nowrap)
        lines = _table(block.columns, (), block.numeric)
        for n, row in enumerate(block.rows):
            flags = block.flags[n] if n < len(block.flags) else ()
            cells = [
                flagged(cell, flags, CELL) if k == column else md_escape(cell, CELL)
                for k, cell in enumerate(row)
            ]
            lines.append("| " + " | ".join(cell or " " for cell in cells) + " |")
        return [*lines, ""]
    if isinstance(block, lay.Outline):
        lines = [
            f"{'    ' * depth}- {colon(md_escape(level))} {md_escape(wording, INLINE)}"
            for depth, level, wording in block.rows
        ]
        return [*(lines or ["*" + gettext("Nothing is linked yet.") + "*"]), ""]
    if isinstance(block, lay.StrategyPage):
        return _strategy(block, isinstance(previous, lay.Heading))
    if isinstance(block, lay.Facts):
        return _facts(block)
    if isinstance(block, lay.RoadmapBlock):
        return _roadmap(block)
    if isinstance(block, lay.MapBlock):
        return _map(block)
    return []


def render_markdown(plan: PlanDocument) -> str:
    """The plan as Markdown, section by section (see `layout.py`). A plan in another language
    than English starts with front matter saying its language and direction (`lang`, `dir`);
    an English plan has none (it reads as it did before languages): no front matter means
    English, left to right."""
    lines: list[str] = front_matter(plan)
    previous: lay.Block | None = None
    for block in lay.layout(plan):
        lines += _block(plan, block, previous)
        previous = block
    if plan.draft:
        lines += ["---", "", f"**{md_escape(gettext(lay.DRAFT_NOTICE), WRAPPED)}**", ""]
    return "\n".join(lines)


def front_matter(plan: PlanDocument) -> list[str]:
    """YAML front matter with the plan's language and direction: `lang: ar`, `dir: rtl`
    (none for an English plan)."""
    if plan.language == i18n.DEFAULT_LANGUAGE:
        return []
    return ["---", f"lang: {plan.language}", f"dir: {i18n.direction(plan.language)}", "---", ""]


def render_bytes(plan: PlanDocument) -> bytes:
    """The Markdown file, UTF-8."""
    return render_markdown(plan).encode("utf-8")
