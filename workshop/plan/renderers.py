"""The renderer registry: one small renderer per plan format, all from one `PlanDocument`.

Adding a format means one module with a `render(plan) -> bytes` function and one entry here;
the plan service renders and caches every registered format, and the routes serve them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import html, ideas_csv, markdown, pdf, plan_json, word
from .document import PlanDocument


@dataclass(frozen=True)
class Renderer:
    """One plan format: its name, file name, media type and pure render function."""

    format: str
    filename: str
    """The route's last segment and the download's suffix: "plan.pdf", "ideas.csv"."""
    media_type: str
    render: Callable[[PlanDocument], bytes]
    inline: bool = False
    """Shown in the browser (the HTML page) rather than downloaded."""

    @property
    def extension(self) -> str:
        """The file extension: "pdf"."""
        return self.filename.rsplit(".", 1)[1]


RENDERERS: dict[str, Renderer] = {
    renderer.format: renderer
    for renderer in (
        Renderer("md", "plan.md", "text/markdown; charset=utf-8", markdown.render_bytes),
        Renderer("html", "plan.html", "text/html; charset=utf-8", html.render_bytes, True),
        Renderer("pdf", "plan.pdf", "application/pdf", pdf.render_pdf),
        Renderer(
            "docx",
            "plan.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            word.render_docx,
        ),
        Renderer("json", "plan.json", "application/json", plan_json.render_json),
        Renderer("csv", "ideas.csv", "text/csv; charset=utf-8", ideas_csv.render_csv),
    )
}
"""Every plan format by name; "csv" is the ideas table, `ideas.csv`."""

BY_FILENAME: dict[str, Renderer] = {r.filename: r for r in RENDERERS.values()}


def render(plan: PlanDocument, format: str) -> bytes:
    """The plan in one registered format."""
    return RENDERERS[format].render(plan)
