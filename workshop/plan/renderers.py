"""The renderer registry: one small renderer per plan format, all from one `PlanDocument`.

Adding a format means one module with a `render(plan) -> str` function and one entry here;
the service that stores the plan renders every registered format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import html, markdown
from .document import PlanDocument


@dataclass(frozen=True)
class Renderer:
    """One plan format: its file extension, media type and pure render function."""

    extension: str
    media_type: str
    render: Callable[[PlanDocument], str]


RENDERERS: dict[str, Renderer] = {
    "md": Renderer("md", "text/markdown; charset=utf-8", markdown.render_markdown),
    "html": Renderer("html", "text/html; charset=utf-8", html.render_html),
}
"""Every plan format by extension."""


def render(plan: PlanDocument, extension: str) -> str:
    """The plan in one registered format."""
    return RENDERERS[extension].render(plan)
