"""The plan as one self-contained HTML page: inline CSS and SVG, a print stylesheet, no
scripts. Jinja2 autoescapes every piece of user text; the SVG map is built here with each
text escaped the same way."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from . import layout as lay
from .document import PlanDocument
from .mapgeom import map_geometry

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def map_svg(rows: tuple[tuple[int, str, str], ...]) -> Markup:
    """The alignment map as an inline SVG tree (see `mapgeom.py`)."""
    geometry = map_geometry(rows, width=760, font_size=13)
    size = geometry.font_size
    parts = [
        f'<svg class="map-drawing" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {_f(geometry.width + 2)} {_f(geometry.height + 2)}" '
        f'width="100%" aria-labelledby="map-title">',
        '<title id="map-title">Alignment map: what serves what</title>',
    ]
    for edge in geometry.edges:
        points = " ".join(f"{_f(x + 1)},{_f(y + 1)}" for x, y in edge)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#9aa5b1" stroke-width="1.5"/>'
        )
    for node in geometry.nodes:
        x, y = node.x + 1, node.y + 1
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(node.width)}" height="{_f(node.height)}" '
            f'rx="6" fill="#ffffff" stroke="{node.colour}" stroke-width="1.5"/>'
        )
        label_y = y + geometry.padding + geometry.label_size
        parts.append(
            f'<text x="{_f(x + geometry.padding)}" y="{_f(label_y)}" '
            f'font-size="{_f(geometry.label_size)}" '
            f'fill="{node.colour}" font-weight="700" letter-spacing="0.5">'
            f"{escape(node.level.upper())}</text>"
        )
        for n, line in enumerate(node.lines):
            line_y = label_y + geometry.label_size * 0.25 + (n + 1) * geometry.line_height
            parts.append(
                f'<text x="{_f(x + geometry.padding)}" y="{_f(line_y - size * 0.25)}" '
                f'font-size="{_f(size)}" fill="#1b2430">{escape(line)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def render_html(plan: PlanDocument, *, downloads: list[tuple[str, str]] | None = None) -> str:
    """The plan as one printable, self-contained HTML page. `downloads` (label, URL) adds a
    bar of links to the other formats, for the read-only share page."""
    template = _env.get_template("plan_document.html")
    return template.render(
        plan=plan,
        blocks=lay.layout(plan),
        map_svg=map_svg,
        draft_notice=lay.DRAFT_NOTICE,
        downloads=downloads or [],
    )


def render_bytes(plan: PlanDocument) -> bytes:
    """The HTML file, UTF-8."""
    return render_html(plan).encode("utf-8")
