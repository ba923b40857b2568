"""The plan as one printable, self-contained HTML page (Jinja2, autoescaped)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .document import (
    GAP_LABELS,
    PlanDocument,
    consensus_label,
    detail_lines,
    horizon_label,
    outline,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(plan: PlanDocument) -> str:
    """The plan as one printable, self-contained HTML page (inline styles, no scripts)."""
    template = _env.get_template("plan_document.html")
    linked = plan.aligned
    return template.render(
        plan=plan,
        horizon=horizon_label(plan.horizon_years),
        details=lambda stage, item: detail_lines(plan, stage, item),
        outline=outline(plan) if linked else None,
        gap_labels=GAP_LABELS,
        consensus_label=consensus_label,
    )
