"""The renderer registry: one small renderer per plan format, all from one `PlanDocument`.

Adding a format means one module with a `render(plan) -> bytes` function and one entry here;
the plan service renders and caches every registered format, and the routes serve them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import i18n
from . import html, ics, ideas_csv, markdown, plan_json, register_csv
from .document import PlanDocument


def in_its_language(render: Callable[[PlanDocument], bytes]) -> Callable[[PlanDocument], bytes]:
    """`render` run in the plan's language (`PlanDocument.language`), whatever the caller's
    (an HTTP request in the reader's browser language, a worker process in English): its
    headings, labels, dates and numbers are the plan's."""

    def rendered(plan: PlanDocument) -> bytes:
        with i18n.use_language(plan.language):
            return render(plan)

    rendered.__name__ = getattr(render, "__name__", "render")
    rendered.__doc__ = render.__doc__
    return rendered


def _pdf(plan: PlanDocument) -> bytes:
    # Imported on first use: fpdf2 (and its fontTools) take half a second to import, which a
    # process rendering anything else should not pay.
    from .pdf import render_pdf

    return render_pdf(plan)


def _docx(plan: PlanDocument) -> bytes:
    from .word import render_docx

    return render_docx(plan)


@dataclass(frozen=True)
class Renderer:
    """One plan format: its name, file name, media type and pure render function."""

    format: str
    filename: str
    """The route's last segment and the download's suffix: "plan.pdf", "ideas.csv"."""
    media_type: str
    render: Callable[[PlanDocument], bytes]
    """The pure render, in the plan's language (`in_its_language`, applied by the registry)."""
    inline: bool = False
    """Shown in the browser (the HTML page) rather than downloaded."""
    heavy: bool = False
    """Takes long enough (hundreds of milliseconds) to render off the event loop."""
    download_name: str = "strategic-plan"
    """What the download's file name starts with: strategic-plan-acme-2030-v2.pdf,
    ideas-acme-2030.csv."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "render", in_its_language(self.render))

    @property
    def extension(self) -> str:
        """The file extension: "pdf"."""
        return self.filename.rsplit(".", 1)[1]


RENDERERS: dict[str, Renderer] = {
    renderer.format: renderer
    for renderer in (
        Renderer("md", "plan.md", "text/markdown; charset=utf-8", markdown.render_bytes),
        Renderer("html", "plan.html", "text/html; charset=utf-8", html.render_bytes, True),
        Renderer("pdf", "plan.pdf", "application/pdf", _pdf, heavy=True),
        Renderer(
            "docx",
            "plan.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _docx,
            heavy=True,
        ),
        Renderer("json", "plan.json", "application/json", plan_json.render_json),
        Renderer(
            "csv",
            "ideas.csv",
            "text/csv; charset=utf-8",
            ideas_csv.render_csv,
            download_name="ideas",
        ),
        Renderer(
            "register",
            "register.csv",
            "text/csv; charset=utf-8",
            register_csv.render_register,
            download_name="register",
        ),
        Renderer(
            "roadmap",
            "roadmap.ics",
            "text/calendar; charset=utf-8",
            ics.render_ics,
            download_name="roadmap",
        ),
    )
}
"""Every plan format by name; "csv" is the ideas table, `ideas.csv`; "register" the programs,
projects and actions to track (`register.csv`); "roadmap" their dates as a calendar
(`roadmap.ics`)."""

BY_FILENAME: dict[str, Renderer] = {r.filename: r for r in RENDERERS.values()}


def render(plan: PlanDocument, format: str) -> bytes:
    """The plan in one registered format."""
    return RENDERERS[format].render(plan)
