"""The strategic plan: assembled from a workshop, stored by version, rendered per format.

Assembly and rendering are pure: the same workshop gives the same plan, byte for byte.
`document.py` holds the plan's structure and assembly, `notes.py` how each stage was decided,
`layout.py` the document's sections as neutral blocks, `mapgeom.py` the alignment map's
drawing, `review.py` a facilitator's corrections; one module per format renders it and
`renderers.py` is the registry of formats.
"""

from __future__ import annotations

from .document import (
    FIELD_LABELS,
    GAP_LABELS,
    SCHEMA_VERSION,
    UNSCORED,
    GapLine,
    Participation,
    PlanDocument,
    PlanItem,
    StageOutcome,
    assemble_plan,
    consensus_label,
    detail_lines,
    from_dict,
    horizon_label,
    outline,
)
from .html import render_html
from .markdown import md_escape, render_markdown
from .notes import decision_notes
from .renderers import BY_FILENAME, RENDERERS, Renderer, render

__all__ = [
    "BY_FILENAME",
    "FIELD_LABELS",
    "GAP_LABELS",
    "RENDERERS",
    "SCHEMA_VERSION",
    "UNSCORED",
    "GapLine",
    "Participation",
    "PlanDocument",
    "PlanItem",
    "Renderer",
    "StageOutcome",
    "assemble_plan",
    "consensus_label",
    "decision_notes",
    "detail_lines",
    "from_dict",
    "horizon_label",
    "md_escape",
    "outline",
    "render",
    "render_html",
    "render_markdown",
]
