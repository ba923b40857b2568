"""The plan as Markdown: participants' text is escaped so it can never become structure."""

from __future__ import annotations

import re

from .document import (
    GAP_LABELS,
    PlanDocument,
    consensus_label,
    detail_lines,
    horizon_label,
    outline,
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def md_escape(text: str) -> str:
    """Escape participants' text so it reads as typed, not as Markdown; keep it on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(plan: PlanDocument) -> str:
    """The plan as Markdown: selected items per stage, then an appendix of every idea."""
    lines: list[str] = [f"# Strategic plan: {md_escape(plan.title)}", ""]
    facts = [md_escape(plan.organization)] if plan.organization else []
    facts += [
        f"Horizon: {horizon_label(plan.horizon_years)}",
        f"Workshop finished {plan.finished_at}",
        f"{plan.participants} participant{'s' if plan.participants != 1 else ''}",
    ]
    lines += [" · ".join(facts), ""]
    for stage in plan.stages:
        lines += [f"## {md_escape(stage.title)}", ""]
        chosen = stage.selected
        if not stage.completed:
            lines += ["*This stage was not completed in the workshop; nothing was selected.*", ""]
        elif not chosen:
            lines += ["*No ideas were selected in this stage.*", ""]
        elif len(chosen) == 1 and not detail_lines(plan, stage, chosen[0]):
            lines += [f"> {md_escape(chosen[0].wording)}", ""]
        else:
            for n, item in enumerate(chosen, 1):
                lines.append(f"{n}. {md_escape(item.wording)}")
                lines += [f"    - {md_escape(line)}" for line in detail_lines(plan, stage, item)]
            lines.append("")
    if plan.aligned:
        lines += ["## Alignment", ""]
        for depth, level, wording in outline(plan):
            lines.append(f"{'    ' * depth}- {md_escape(level)}: {md_escape(wording)}")
        lines += ["", "### Gaps", ""]
        if plan.gaps:
            lines += [f"- {GAP_LABELS[gap.kind]}: {md_escape(gap.item)}" for gap in plan.gaps]
        else:
            lines.append(
                "*No gaps: every goal is served and every program and project serves a goal.*"
            )
        lines.append("")
    lines += ["## Appendix: every idea", ""]
    lines += [
        "How each stage was decided, then every idea: its score in the deciding step, its dots, "
        "and consensus (1: the room agreed about it; a split room is marked). ✔ marks the items "
        "selected for the plan.",
        "",
    ]
    for stage in plan.stages:
        lines += [f"### {md_escape(stage.title)}", ""]
        lines += [f"- {md_escape(note)}" for note in stage.how]
        if stage.how:
            lines.append("")
        if not stage.items:
            lines += ["*No ideas.*", ""]
            continue
        lines += [
            "| Rank | Idea | Dots | Score | Consensus | Selected |",
            "| ---: | --- | ---: | ---: | ---: | :---: |",
        ]
        for item in stage.items:
            mark = "✔" if item.selected else ""
            text = md_escape(item.text)
            if item.also_said:
                text += " (also said: " + "; ".join(md_escape(t) for t in item.also_said) + ")"
            lines.append(
                f"| {item.rank} | {text} | {item.votes} | {item.score} | "
                f"{consensus_label(item)} | {mark} |"
            )
        lines.append("")
    return "\n".join(lines)
