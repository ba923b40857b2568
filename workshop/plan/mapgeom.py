"""Where each box and connector of the alignment map goes: one geometry for the HTML (SVG)
and PDF renderers, so the two draw the same tree.

The map is drawn top-down like a file tree: one box per row of the outline, indented by its
depth, with an elbow connector from each box to the box it serves. Lengths are in abstract
units (points in the PDF, pixels in the SVG); text is wrapped by an average glyph width.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

LEVEL_SHADES = ("#1f5fbf", "#2f7d4f", "#8a5a00", "#7a3b8f", "#5b6675")
"""A colour per level (in the order levels first appear: vision, goals, programs…)."""


@dataclass(frozen=True)
class MapNode:
    """One box: its place and size, its depth, the level label and the wrapped wording."""

    x: float
    y: float
    width: float
    height: float
    depth: int
    level: str
    lines: tuple[str, ...]
    parent: int | None
    """The index of the node it serves (the nearest earlier row one level up)."""
    colour: str = LEVEL_SHADES[0]
    """The box's edge colour: one per level, so a level looks the same at any depth."""


@dataclass(frozen=True)
class MapGeometry:
    """Every box, the connectors between them, and the drawing's overall size."""

    nodes: tuple[MapNode, ...]
    edges: tuple[tuple[tuple[float, float], ...], ...]
    width: float
    height: float
    font_size: float
    label_size: float
    line_height: float
    padding: float


def wrap(text: str, chars: int) -> tuple[str, ...]:
    """The wording in lines of at most `chars` characters (long words are broken)."""
    return tuple(textwrap.wrap(" ".join(text.split()), max(chars, 8), break_long_words=True)) or (
        "",
    )


def map_geometry(
    rows: list[tuple[int, str, str]] | tuple[tuple[int, str, str], ...],
    *,
    width: float = 720,
    indent: float = 26,
    font_size: float = 11,
    glyph_width: float = 0.56,
    gap: float = 8,
) -> MapGeometry:
    """Lay the outline rows out as boxes, top to bottom."""
    label_size = font_size * 0.72
    line_height = font_size * 1.3
    padding = font_size * 0.5
    nodes: list[MapNode] = []
    edges: list[tuple[tuple[float, float], ...]] = []
    y = 0.0
    last_at_depth: dict[int, int] = {}
    shades: dict[str, str] = {}
    for depth, level, wording in rows:
        colour = shades.setdefault(level, LEVEL_SHADES[min(len(shades), len(LEVEL_SHADES) - 1)])
        x = depth * indent
        box_width = width - x
        chars = int((box_width - 2 * padding) / (font_size * glyph_width))
        lines = wrap(wording, chars)
        height = 2 * padding + label_size * 1.25 + len(lines) * line_height
        parent = last_at_depth.get(depth - 1) if depth > 0 else None
        node = MapNode(x, y, box_width, height, depth, level, lines, parent, colour)
        if parent is not None:
            above = nodes[parent]
            trunk = above.x + indent / 2
            middle = y + height / 2
            edges.append(((trunk, above.y + above.height), (trunk, middle), (x, middle)))
        last_at_depth[depth] = len(nodes)
        for deeper in [d for d in last_at_depth if d > depth]:
            del last_at_depth[deeper]
        nodes.append(node)
        y += height + gap
    return MapGeometry(
        nodes=tuple(nodes),
        edges=tuple(edges),
        width=width,
        height=max(y - gap, 0.0),
        font_size=font_size,
        label_size=label_size,
        line_height=line_height,
        padding=padding,
    )
