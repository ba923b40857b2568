"""The strategic plan: assembled once from a finished workshop, then rendered per format.

Assembly and rendering are pure: the same workshop gives the same plan, byte for byte.
`document.py` holds the plan's structure and assembly; `markdown.py` and `html.py` render it;
`renderers.py` is the registry of formats.
"""

from __future__ import annotations

from .document import (
    FIELD_LABELS,
    GAP_LABELS,
    GapLine,
    PlanDocument,
    PlanItem,
    StageOutcome,
    assemble_plan,
    consensus_label,
    decision_notes,
    detail_lines,
    horizon_label,
    outline,
)
from .html import render_html
from .markdown import md_escape, render_markdown
from .renderers import RENDERERS, Renderer, render

__all__ = [
    "FIELD_LABELS",
    "GAP_LABELS",
    "RENDERERS",
    "GapLine",
    "PlanDocument",
    "PlanItem",
    "Renderer",
    "StageOutcome",
    "assemble_plan",
    "consensus_label",
    "decision_notes",
    "detail_lines",
    "horizon_label",
    "md_escape",
    "outline",
    "render",
    "render_html",
    "render_markdown",
]
