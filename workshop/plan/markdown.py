"""The plan as Markdown: participants' text is escaped so it can never become structure."""

from __future__ import annotations

import re

from . import layout as lay
from .document import PlanDocument

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def md_escape(text: str) -> str:
    """Escape participants' text so it reads as typed, not as Markdown; keep it on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return md_escape(text) or " "


def _block(block: lay.Block) -> list[str]:
    if isinstance(block, lay.Cover):
        lines = [f"# Strategic plan: {md_escape(block.title)}", ""]
        if block.draft:
            lines += [f"**{md_escape(lay.DRAFT_NOTICE)}**", ""]
        if block.subtitle:
            lines += [f"**{md_escape(block.subtitle)}**", ""]
        lines += [f"{md_escape(fact)}  " for fact in block.facts]
        lines[-1] = lines[-1].rstrip()
        return [*lines, ""]
    if isinstance(block, lay.Heading):
        return [f"{'#' * block.level} {md_escape(block.text)}", ""]
    if isinstance(block, lay.Paragraph):
        text = md_escape(block.text)
        if block.style == "note":
            text = f"*{text}*"
        elif block.style == "lead":
            text = f"**{text}**"
        return [text, ""]
    if isinstance(block, lay.Statement):
        return [f"> {md_escape(block.text)}", ""]
    if isinstance(block, lay.Items):
        lines = []
        for n, entry in enumerate(block.entries, 1):
            marker = f"{n}." if block.ordered else "-"
            lines.append(f"{marker} {md_escape(entry.text)}")
            pad = " " * (len(marker) + 1)
            lines += [f"{pad}- {md_escape(detail)}" for detail in entry.details]
        return [*lines, ""]
    if isinstance(block, lay.Table):
        align = ["---:" if numeric else "---" for numeric in block.numeric]
        lines = [
            "| " + " | ".join(_cell(c) for c in block.columns) + " |",
            "| " + " | ".join(align) + " |",
        ]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    if isinstance(block, lay.Outline):
        lines = [
            f"{'    ' * depth}- {md_escape(level)}: {md_escape(wording)}"
            for depth, level, wording in block.rows
        ]
        return [*(lines or ["*Nothing is linked yet.*"]), ""]
    return []


def render_markdown(plan: PlanDocument) -> str:
    """The plan as Markdown, section by section (see `layout.py`)."""
    lines: list[str] = []
    for block in lay.layout(plan):
        lines += _block(block)
    if plan.draft:
        lines += ["---", "", f"**{md_escape(lay.DRAFT_NOTICE)}**", ""]
    return "\n".join(lines)


def render_bytes(plan: PlanDocument) -> bytes:
    """The Markdown file, UTF-8."""
    return render_markdown(plan).encode("utf-8")
