"""The alignment map: which item sits where (`alignment_map`), and where each box and
connector of one part goes (`part_geometry`), one geometry for the HTML (SVG) and PDF
renderers so the two draw the same map.

**The layout: a layered outline, one part per goal.** Every item of the plan is drawn exactly
once. A part holds one goal and everything whose first goal (in the goals' rank order) it is;
inside a part each item sits under the parent it is drawn below (its "tree parent": the
deepest-level parent in the part, then the first in plan order), indented by its level, so
goals, programs and projects each keep their own column. A second parent in the same part gets
its own connector, routed in a lane on the right of the boxes; a parent in another part is
named in the box ("also serves"). Actions are not boxes but a count on what they serve
("3 actions"). Items that reach no goal form a last part, "Not connected to any goal".
We chose this over a goal-by-program matrix because programs per goal vary from none to many
and a project can serve two programs or a program and a goal: the outline keeps one reading
order (top to bottom), full-width text and a connector per link, and when a part is too tall
for a page its projects are packed two to four abreast under their program.

Lengths are abstract units (points in the PDF, pixels in the SVG). Text is wrapped to each
box's real inner width with the renderer's `measure` (or an estimate of glyph widths).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..i18n import N_, gettext, ngettext
from .document import PlanDocument, PlanItem, StageOutcome, count_text, gap_flags, labelled

LEVEL_COLOURS: dict[str, str] = {
    "goals": "#2f7d4f",
    "programs": "#8a5a00",
    "projects": "#7a3b8f",
    "actions": "#5b6675",
}
"""A box's edge colour, by its stage key (any other level: `OTHER_COLOUR`)."""
OTHER_COLOUR = "#1f5fbf"
FLAG_COLOUR = "#b42318"
"""The colour of a flagged box's flag lines (renderers may also use it for its edge)."""
FLAG_MARK = "\u26a0"
"""What precedes each flag line in a box: "⚠ Project without an owner"."""

MAP_LEVELS = ("goals", "programs", "projects", "actions")
"""The levels the map draws, top first; actions are counted on what they serve.

Situation and environment items (SWOT, PESTLE) and risks stay off the map (issue 17): the map
shows how the work *serves* the goals, and a goal's link to a strength it builds on or a
threat it answers, or a risk's to what it threatens, is not a "serves" link. Drawing them
would put boxes above the goals and beside the projects that are not part of any part's
chain, and double the map's height for the same plan. What each goal builds on and answers
is in the goal's section, and each risk's threats and mitigations in the Risks section. Links
to items of other levels are simply not parents here (`parents_of` keeps only drawn items)."""
LEVEL_TITLES = {
    "goals": N_("Goal"),
    "programs": N_("Program"),
    "projects": N_("Project"),
    "actions": N_("Action"),
}
UNCONNECTED_TITLE = N_("Not connected to any goal")
NO_GOALS_TITLE = N_("What serves what")
"""The single part of an agenda that has no goals stage."""

Measure = Callable[[str], float]


# --------------------------------------------------------------------------- the map's items


@dataclass(frozen=True)
class MapItem:
    """One item of the map, drawn once.

    `parents` are the ids of the items in the same part it serves, its tree parent (the box it
    sits under) first; the part's top item has none. `also_serves` are the wordings of the
    parents drawn in other parts. `actions` counts the in-plan actions drawn as a count on it
    (each action is counted once, on the deepest-level item it serves)."""

    id: int
    key: str
    level: str
    wording: str
    flags: tuple[str, ...] = ()
    actions: int = 0
    parents: tuple[int, ...] = ()
    also_serves: tuple[str, ...] = ()
    also_served_by: tuple[str, ...] = ()
    """Wordings of the items that serve it but are drawn in other parts (a goal whose
    servers' first goal is another one), so a part never looks emptier than it is."""
    depth: int = 0
    """The item's column: 0 for an item with no parent in the part (the goal; in the last
    part, each item whose parents are all elsewhere or dropped), its tree parent's depth plus
    one otherwise. An item is only ever indented under an item it really serves."""


@dataclass(frozen=True)
class MapPart:
    """One goal with everything drawn under it, or (`unconnected`) the items that reach no
    goal. `items` are in drawing order: each item after its tree parent."""

    title: str
    items: tuple[MapItem, ...]
    unconnected: bool = False


@dataclass(frozen=True)
class AlignmentMap:
    """The whole map: the vision (shown once, above the parts) and one part per goal, then the
    part "Not connected to any goal" when some item reaches no goal."""

    vision: str | None
    parts: tuple[MapPart, ...]

    def outline(self) -> tuple[tuple[int, str, str, tuple[str, ...]], ...]:
        """The map as an indented outline for the text formats: (depth, level, wording,
        flags), each item once. The vision is the first row (depth 0, level "Vision") when
        there is one and the goals sit at depth 1. The unconnected part starts with a group
        row whose level is "" ((depth, "", "Not connected to any goal", ())); its items sit
        one deeper. The wording carries what the drawing shows around it, in parentheses:
        "Pilot a tug (3 actions; also serves: Rail share above 40%)"; `flags` are the gap
        texts (`document.gap_text`)."""
        rows: list[tuple[int, str, str, tuple[str, ...]]] = []
        base = 0
        if self.vision is not None:
            rows.append((0, "Vision", self.vision, ()))
            base = 1
        for part in self.parts:
            start = base
            if part.unconnected:
                rows.append((base, "", part.title, ()))
                start = base + 1
            for item in part.items:
                rows.append((start + item.depth, item.level, _annotated(item), item.flags))
        return tuple(rows)


def _annotated(item: MapItem) -> str:
    notes = []
    if item.actions:
        notes.append(action_badge(item.actions))
    if item.also_serves:
        notes.append(labelled(gettext("also serves"), "; ".join(item.also_serves)))
    if item.also_served_by:
        notes.append(labelled(gettext("also served by"), "; ".join(item.also_served_by)))
    return f"{item.wording} ({'; '.join(notes)})" if notes else item.wording


def action_badge(count: int) -> str:
    """ "1 action", "3 actions"."""
    return ngettext("%(count)s action", "%(count)s actions", count, count=count_text(count))


def _deepest_first(parents: Sequence[int], level_of: dict[int, int]) -> list[int]:
    """Parents, the deepest level first, then in plan order (stable)."""
    return sorted(parents, key=lambda pid: -level_of[pid])


def alignment_map(plan: PlanDocument) -> AlignmentMap | None:
    """The plan's alignment map (None when the agenda links nothing: `plan.aligned` false).

    Parts: one per selected goal, in rank order; an item belongs to the part of the first goal
    it reaches. Then the items that reach no goal, flagged by their gaps, in a last part
    (`unconnected`; for an agenda without a goals stage, a plain part "What serves what")."""
    if not plan.aligned:
        return None
    vision_stage = plan.stage("vision")
    visions = vision_stage.selected if vision_stage is not None else []
    vision = visions[0].wording if visions else None

    entries: list[tuple[StageOutcome, PlanItem]] = [
        (stage, item)
        for key in MAP_LEVELS
        for stage in plan.stages
        if stage.key == key
        for item in stage.selected
    ]
    order = {item.id: n for n, (_stage, item) in enumerate(entries)}
    level_of = {item.id: MAP_LEVELS.index(stage.key) for stage, item in entries}
    by_id = {item.id: (stage, item) for stage, item in entries}
    parents_of = {
        item.id: [link for link in item.links if link in by_id and link != item.id]
        for _stage, item in entries
    }
    flags = gap_flags(plan)

    # Actions are counted on their deepest parent; an action that serves nothing in the plan
    # is drawn as a box in the unconnected part.
    counts: dict[int, int] = {}
    boxed = []
    for stage, item in entries:
        if stage.key == "actions" and parents_of[item.id]:
            target = _deepest_first(parents_of[item.id], level_of)[0]
            counts[target] = counts.get(target, 0) + 1
        else:
            boxed.append((stage, item))

    goals = [item.id for stage, item in boxed if stage.key == "goals"]
    home: dict[int, int | None] = {}

    def reached(idea_id: int, path: frozenset[int]) -> set[int]:
        if level_of[idea_id] == 0:
            return {idea_id}
        found: set[int] = set()
        for parent in parents_of[idea_id]:
            if parent not in path:
                found |= reached(parent, path | {parent})
        return found

    for _stage, item in boxed:
        goals_reached = reached(item.id, frozenset({item.id}))
        home[item.id] = min(goals_reached, key=order.__getitem__) if goals_reached else None

    parts: list[MapPart] = []
    for number, goal in enumerate(goals, 1):
        members = [item.id for _stage, item in boxed if home[item.id] == goal]
        parts.append(
            MapPart(
                labelled(
                    gettext("Goal %(number)s", number=count_text(number)), by_id[goal][1].wording
                ),
                _part_items(members, by_id, parents_of, level_of, order, counts, flags),
            )
        )
    loose = [item.id for _stage, item in boxed if home[item.id] is None]
    if loose:
        # An agenda without a goals stage has nothing to connect to: one plain part.
        no_goals = plan.stage("goals") is None
        parts.append(
            MapPart(
                gettext(NO_GOALS_TITLE) if no_goals else gettext(UNCONNECTED_TITLE),
                _part_items(loose, by_id, parents_of, level_of, order, counts, flags),
                unconnected=not no_goals,
            )
        )
    return AlignmentMap(vision, tuple(parts))


def _part_items(
    members: list[int],
    by_id: dict[int, tuple[StageOutcome, PlanItem]],
    parents_of: dict[int, list[int]],
    level_of: dict[int, int],
    order: dict[int, int],
    counts: dict[int, int],
    flags: dict[int, tuple[str, ...]],
) -> tuple[MapItem, ...]:
    """A part's items in drawing order: a depth-first walk from its top items, each child
    under its tree parent, children by level then plan order."""
    inside = set(members)
    boxed_ids = set(parents_of) - {
        i for i, (stage, _item) in by_id.items() if stage.key == "actions" and parents_of[i]
    }
    served_by: dict[int, list[int]] = {}
    for child in sorted(parents_of, key=order.__getitem__):
        for parent in parents_of[child]:
            served_by.setdefault(parent, []).append(child)
    tree_parent: dict[int, int | None] = {}
    in_part: dict[int, list[int]] = {}
    for member in members:
        here = _deepest_first([p for p in parents_of[member] if p in inside], level_of)
        in_part[member] = here
        tree_parent[member] = here[0] if here else None
    children: dict[int | None, list[int]] = {}
    for member in sorted(members, key=lambda m: (level_of[m], order[m])):
        children.setdefault(tree_parent[member], []).append(member)

    items: list[MapItem] = []

    def walk(idea_id: int, depth: int) -> None:
        stage, item = by_id[idea_id]
        items.append(
            MapItem(
                id=idea_id,
                key=stage.key,
                level=gettext(LEVEL_TITLES[stage.key])
                if stage.key in LEVEL_TITLES
                else stage.title,
                wording=item.wording,
                flags=flags.get(idea_id, ()),
                actions=counts.get(idea_id, 0),
                parents=tuple(in_part[idea_id]),
                also_serves=tuple(
                    by_id[p][1].wording for p in parents_of[idea_id] if p not in inside
                ),
                also_served_by=tuple(
                    by_id[c][1].wording
                    for c in served_by.get(idea_id, ())
                    if c not in inside and c in boxed_ids
                ),
                depth=depth,
            )
        )
        for child in children.get(idea_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return tuple(items)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class MapNode:
    """One box of a part.

    `x`, `y` are its top-left corner; `lines` the wording wrapped to the box's inner width
    (`width - 2 * padding`); `flag_lines` the flags wrapped the same way, each flag's first
    line starting with "⚠ ", drawn after the wording in `FLAG_COLOUR`; `flags` the flag texts
    themselves; `badge` the action count ("3 actions") drawn right-aligned on the level label's
    line at the label size; `colour` the edge colour of the level.

    Text positions inside the box (both renderers): the level label (upper case, bold,
    `label_size`) has its baseline at `y + padding + label_size`; text line n (counting the
    wording lines, then the flag lines) has its baseline at
    `y + padding + label_size * 1.25 + (n + 1) * line_height - font_size * 0.25`, starting at
    `x + padding`. `height = 2 * padding + label_size * 1.25 + (len(lines) +
    len(flag_lines)) * line_height`."""

    id: int
    x: float
    y: float
    width: float
    height: float
    level: str
    lines: tuple[str, ...]
    colour: str = OTHER_COLOUR
    flags: tuple[str, ...] = ()
    badge: str | None = None
    flag_lines: tuple[str, ...] = ()
    also_serves: tuple[str, ...] = ()
    """Parents drawn in other parts (already part of `lines`: "Also serves: …"; likewise
    `MapItem.also_served_by` as "Also served by: …")."""
    depth: int = 0
    """The box's column (`MapItem.depth`): it is indented `depth * 2 * font_size`."""
    parent: int | None = None
    """The index in `nodes` of the box it is drawn under (None for the top)."""


@dataclass(frozen=True)
class MapGeometry:
    """One part as boxes and connectors, in a `width` by `height` drawing with (0, 0) at the
    top left. `edges` are orthogonal polylines (lists of points) from a parent to a child; no
    edge crosses a box. `title` is the part's title (renderers show it as a caption above)."""

    title: str
    nodes: tuple[MapNode, ...]
    edges: tuple[tuple[tuple[float, float], ...], ...]
    width: float
    height: float
    font_size: float
    label_size: float
    line_height: float
    padding: float
    flagged: bool = False
    """Whether any box carries a flag (renderers may add a legend)."""
    unconnected: bool = False


GLYPH_CLASSES: tuple[tuple[frozenset[str], float], ...] = (
    (frozenset(" il.,;:'|!j`Ii()[]-/\\"), 0.33),
    (frozenset('ftr"*_'), 0.42),
    (frozenset("csz?^"), 0.54),
    (frozenset("mwMW@%\u2014\u2026"), 0.97),
    (frozenset("#+<=>~&\u00d7"), 0.84),
)
"""Advances in ems of a few classes of glyphs, rounded up from DejaVu Sans (the widest face
the renderers fall back to); capitals are 0.74 and every other character 0.64."""
SAFETY = 1.03
"""Estimates are made 3 % wide: wrapping a little early beats running out of the box."""


def estimate_width(text: str, font_size: float) -> float:
    """A text's width at `font_size` estimated from classes of glyphs (`GLYPH_CLASSES`), for
    renderers that cannot measure (the SVG's font is the reader's browser's)."""
    total = 0.0
    for char in text:
        for chars, advance in GLYPH_CLASSES:
            if char in chars:
                total += advance
                break
        else:
            total += 0.74 if char.isupper() else 0.64
    return total * font_size * SAFETY


def wrap_to(text: str, room: float, measure: Measure) -> tuple[str, ...]:
    """The text in lines no wider than `room` by `measure`, greedily; a word longer than a
    line is broken between characters."""
    words = " ".join(text.split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while word and measure(word) > room:
            cut = 1
            while cut < len(word) and measure(word[: cut + 1]) <= room:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return tuple(lines)


@dataclass
class _Box:
    item: MapItem
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0
    lines: tuple[str, ...] = ()
    flag_lines: tuple[str, ...] = ()
    grid: bool = False
    children: list[int] = field(default_factory=list)


PAGE_RATIO = 1.3
"""A part is kept within `width * PAGE_RATIO` high when it can be (an A4 page's text area is
about 1.4 times as high as wide): past that its projects are packed several abreast."""
MAX_COLUMNS = 4


def part_geometry(
    part: MapPart,
    *,
    width: float,
    font_size: float = 11.0,
    measure: Measure | None = None,
    max_height: float | None = None,
) -> MapGeometry:
    """Lay one part out: boxes top to bottom, each indented by its depth under its tree
    parent, elbow connectors from the parent's trunk, and connectors to a second parent in
    the part along lanes on the right. When the part would be taller than `max_height`
    (default `width * PAGE_RATIO`), leaf boxes under one parent are packed 2, 3 or 4 abreast,
    the fewest that fit; a screen that scrolls (a phone) passes `max_height=math.inf` for one
    column of boxes as wide as their depth allows. Deterministic: same part and sizes, same
    geometry."""
    measure_text: Measure = measure or (lambda text: estimate_width(text, font_size))
    limit = max_height if max_height is not None else width * PAGE_RATIO
    best = _layout(part, width, font_size, measure_text, 1)
    columns = 2
    while best.height > limit and columns <= MAX_COLUMNS:
        packed = _layout(part, width, font_size, measure_text, columns)
        if packed.height < best.height:
            best = packed
        columns += 1
    return best


def _layout(
    part: MapPart, width: float, font_size: float, measure: Measure, columns: int
) -> MapGeometry:
    label_size = font_size * 0.72
    line_height = font_size * 1.3
    padding = font_size * 0.5
    indent = font_size * 2
    gap = font_size * 0.8
    lane_gap = font_size
    index = {item.id: n for n, item in enumerate(part.items)}
    boxes = [_Box(item) for item in part.items]
    extra_parents = sorted(
        {p for item in part.items for p in item.parents[1:]}, key=index.__getitem__
    )
    lanes = {parent: n for n, parent in enumerate(extra_parents)}
    right = width - (len(lanes) * lane_gap + (lane_gap / 2 if lanes else 0))
    for item in part.items:
        if item.parents:
            boxes[index[item.parents[0]]].children.append(index[item.id])
    for box in boxes:
        box.grid = (
            columns > 1
            and not box.children
            and len(box.item.parents) == 1
            and box.item.id not in lanes
        )

    def fill(box: _Box, x: float, box_width: float) -> None:
        room = box_width - 2 * padding
        lines = list(wrap_to(box.item.wording, room, measure))
        if box.item.also_serves:
            also = labelled(gettext("Also serves"), "; ".join(box.item.also_serves))
            lines += wrap_to(also, room, measure)
        if box.item.also_served_by:
            also = labelled(gettext("Also served by"), "; ".join(box.item.also_served_by))
            lines += wrap_to(also, room, measure)
        box.lines = tuple(lines)
        box.flag_lines = tuple(
            line
            for flag in box.item.flags
            for line in wrap_to(f"{FLAG_MARK} {flag}", room, measure)
        )
        box.x, box.width = x, box_width
        box.height = (
            2 * padding + label_size * 1.25 + (len(box.lines) + len(box.flag_lines)) * line_height
        )

    y = 0.0
    edges: list[tuple[tuple[float, float], ...]] = []
    n = 0
    while n < len(boxes):
        box = boxes[n]
        x = box.item.depth * indent
        if not box.grid:
            fill(box, x, right - x)
            box.y = y
            y += box.height + gap
            n += 1
            continue
        # A run of packable leaves under the same parent: rows of `columns` boxes.
        run = [n]
        while (
            run[-1] + 1 < len(boxes)
            and boxes[run[-1] + 1].grid
            and boxes[run[-1] + 1].item.parents[:1] == box.item.parents[:1]
        ):
            run.append(run[-1] + 1)
        cell = (right - x - (columns - 1) * gap) / columns
        for start in range(0, len(run), columns):
            row = run[start : start + columns]
            for column, member in enumerate(row):
                fill(boxes[member], x + column * (cell + gap), cell)
                boxes[member].y = y
            y += max(boxes[member].height for member in row) + gap
        n = run[-1] + 1

    for box in boxes:
        if not box.item.parents:
            continue
        parent = boxes[index[box.item.parents[0]]]
        trunk = parent.x + indent / 2
        if box.grid and box.x > parent.x + indent + 0.01:
            bus = box.y - gap / 2
            drop = box.x + min(indent / 2, box.width / 2)
            edges.append(
                ((trunk, parent.y + parent.height), (trunk, bus), (drop, bus), (drop, box.y))
            )
        else:
            middle = box.y + min(box.height / 2, padding + label_size)
            edges.append(((trunk, parent.y + parent.height), (trunk, middle), (box.x, middle)))
    for box in boxes:
        for parent_id in box.item.parents[1:]:
            parent = boxes[index[parent_id]]
            lane_x = right + lane_gap / 2 + lanes[parent_id] * lane_gap
            leave_y = parent.y + min(parent.height / 2, padding + label_size)
            enter_y = box.y + min(box.height / 2, padding + label_size)
            edges.append(
                (
                    (parent.x + parent.width, leave_y),
                    (lane_x, leave_y),
                    (lane_x, enter_y),
                    (box.x + box.width, enter_y),
                )
            )

    nodes = tuple(
        MapNode(
            id=box.item.id,
            x=box.x,
            y=box.y,
            width=box.width,
            height=box.height,
            level=box.item.level,
            lines=box.lines,
            colour=LEVEL_COLOURS.get(box.item.key, OTHER_COLOUR),
            flags=box.item.flags,
            badge=action_badge(box.item.actions) if box.item.actions else None,
            flag_lines=box.flag_lines,
            also_serves=box.item.also_serves,
            depth=box.item.depth,
            parent=index[box.item.parents[0]] if box.item.parents else None,
        )
        for box in boxes
    )
    return MapGeometry(
        title=part.title,
        nodes=nodes,
        edges=tuple(edges),
        width=width,
        height=max(y - gap, 0.0),
        font_size=font_size,
        label_size=label_size,
        line_height=line_height,
        padding=padding,
        flagged=any(box.item.flags for box in boxes),
        unconnected=part.unconnected,
    )
