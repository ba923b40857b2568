"""The strategic plan: assembled once from a finished workshop, then rendered per format.

Assembly and rendering are pure: the same workshop gives the same plan, byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class PlanItem:
    """One idea as the plan reports it."""

    text: str
    rank: int
    score: int
    votes: int
    shortlisted: bool
    selected: bool


@dataclass(frozen=True)
class StageOutcome:
    """What one stage produced: its selected items (in rank order) and every idea."""

    key: str
    title: str
    prompt: str
    completed: bool
    items: tuple[PlanItem, ...]

    @property
    def selected(self) -> list[PlanItem]:
        """The items chosen for the plan, best first."""
        return [item for item in self.items if item.selected]


@dataclass(frozen=True)
class PlanDocument:
    """The whole plan, ready for any renderer."""

    title: str
    organization: str | None
    horizon_years: int
    finished_at: str
    participants: int
    stages: tuple[StageOutcome, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, stored beside the rendered formats."""
        return asdict(self)


def assemble_plan(
    *,
    title: str,
    organization: str | None,
    horizon_years: int,
    finished_at: datetime,
    participants: int,
    stages: list[StageOutcome],
) -> PlanDocument:
    """Put the plan together; the timestamp is fixed here so renders are reproducible."""
    return PlanDocument(
        title=title,
        organization=organization,
        horizon_years=horizon_years,
        finished_at=finished_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        participants=participants,
        stages=tuple(stages),
    )


def horizon_label(years: int) -> str:
    """'1 year' or 'N years'."""
    return "1 year" if years == 1 else f"{years} years"


# --------------------------------------------------------------------------- Markdown

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
        elif len(chosen) == 1:
            lines += [f"> {md_escape(chosen[0].text)}", ""]
        else:
            lines += [f"{n}. {md_escape(item.text)}" for n, item in enumerate(chosen, 1)]
            lines.append("")
    lines += ["## Appendix: every idea", ""]
    lines += [
        "Score is the Borda count from the ranking round (shortlisted ideas only); dots are "
        "the dot votes. ✔ marks the items selected for the plan.",
        "",
    ]
    for stage in plan.stages:
        lines += [f"### {md_escape(stage.title)}", ""]
        if not stage.items:
            lines += ["*No ideas.*", ""]
            continue
        lines += [
            "| Rank | Idea | Dots | Score | Selected |",
            "| ---: | --- | ---: | ---: | :---: |",
        ]
        for item in stage.items:
            mark = "✔" if item.selected else ""
            lines.append(
                f"| {item.rank} | {md_escape(item.text)} | {item.votes} | {item.score} | {mark} |"
            )
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(plan: PlanDocument) -> str:
    """The plan as one printable, self-contained HTML page (inline styles, no scripts)."""
    template = _env.get_template("plan_document.html")
    return template.render(plan=plan, horizon=horizon_label(plan.horizon_years))
