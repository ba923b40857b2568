"""The alignment map (`mapgeom.py`): which item goes in which part, each item once, flags and
action counts, and the geometry of a part (boxes that hold their text, connectors that cross
no box, parts that fit a page)."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.plan_samples import (
    FINISHED_AT,
    big_plan,
    board_plan,
    full_plan,
    item,
    stage,
)
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan.document import GAP_LABELS, PlanItem, StageOutcome
from workshop.plan.mapgeom import (
    NO_GOALS_TITLE,
    UNCONNECTED_TITLE,
    AlignmentMap,
    MapGeometry,
    MapPart,
    alignment_map,
    estimate_width,
    part_geometry,
)

A4_ROOM = 700.0
"""The height a part may take on an A4 page at width 515 (842 pt less margins, header,
footer and the part's caption)."""


def plan_of(*stages: StageOutcome, aligned: bool = True) -> PlanDocument:
    return assemble_plan(
        title="Map test",
        organization=None,
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=5,
        stages=list(stages),
        aligned=aligned,
    )


def goals(*items: PlanItem) -> StageOutcome:
    return stage("goals", "Strategic goals", list(items))


def programs(*items: PlanItem) -> StageOutcome:
    return stage("programs", "Programs", list(items))


def projects(*items: PlanItem) -> StageOutcome:
    return stage("projects", "Projects", list(items))


def actions(*items: PlanItem) -> StageOutcome:
    return stage("actions", "Action items", list(items))


def chosen(idea_id: int, text: str, *links: int, **fields: object) -> PlanItem:
    return item(idea_id, text, idea_id, selected=True, links=links, **fields)


METRIC = [{"metric": "Measure", "baseline": "1", "target": "2", "due": "2029-12-31"}]


def goal(idea_id: int, text: str) -> PlanItem:
    """A goal with a metric: no gap unless nothing serves it."""
    return chosen(idea_id, text, metrics=METRIC)


def program(idea_id: int, text: str, *links: int) -> PlanItem:
    """A program with a manager and a metric: no gap unless it serves no goal."""
    return chosen(idea_id, text, *links, owner="Ann", metrics=METRIC)


def project(idea_id: int, text: str, *links: int) -> PlanItem:
    """A project with an owner and a completion date: no gap unless it serves no goal."""
    return chosen(idea_id, text, *links, owner="Bo", due="2028-06-30")


def action(idea_id: int, text: str, *links: int) -> PlanItem:
    return chosen(idea_id, text, *links, owner="Cy", due="2027-06-30")


def shared_plan() -> PlanDocument:
    """Two goals; a program serving both; a project serving two programs; a project serving
    its program and a goal directly; an unserved goal; a program and a project serving
    nothing; actions on projects, on a program and on nothing."""
    return plan_of(
        stage("vision", "Vision", [chosen(1, "A better port")]),
        goals(
            goal(10, "Cleaner air"),
            goal(11, "More cargo"),
            goal(12, "Happier staff"),  # nothing serves it
        ),
        programs(
            program(20, "Shore power", 10, 11),  # serves two goals
            program(21, "Rail link", 11),
            program(22, "Loose program"),  # serves nothing
        ),
        projects(
            project(30, "Cable the berths", 20, 21),  # two programs, two parts' worth
            project(31, "Buy e-trucks", 20, 10),  # its program and a goal directly
            project(32, "Rail spur", 21),
            project(33, "Loose project"),  # serves nothing
            project(34, "Under the loose program", 22),
        ),
        actions(
            action(40, "Order cable", 30),
            action(41, "Survey berths", 30),
            action(42, "Trial truck", 31),
            action(43, "Budget the program", 20),
            action(44, "A floating action"),  # serves nothing: a box in the last part
        ),
    )


def the_map(plan: PlanDocument) -> AlignmentMap:
    drawn = alignment_map(plan)
    assert drawn is not None
    return drawn


def in_plan_ids(plan: PlanDocument, *keys: str) -> set[int]:
    return {i.id for key in keys for i in plan.selected_of(key)}


def boxes_of(drawn: AlignmentMap) -> Counter[int]:
    return Counter(entry.id for part in drawn.parts for entry in part.items)


def by_id(drawn: AlignmentMap) -> dict[int, tuple[MapPart, int]]:
    return {entry.id: (part, n) for part in drawn.parts for n, entry in enumerate(part.items)}


# --------------------------------------------------------------------------- who goes where


@pytest.mark.parametrize(
    "make", [shared_plan, full_plan, board_plan, big_plan], ids=["shared", "full", "board", "big"]
)
def test_each_goal_program_and_project_is_drawn_exactly_once(
    make: Callable[[], PlanDocument],
) -> None:
    plan = make()
    drawn = the_map(plan)
    counts = boxes_of(drawn)
    assert set(counts.values()) == {1}
    expected = in_plan_ids(plan, "goals", "programs", "projects")
    floating = {a.id for a in plan.selected_of("actions") if not plan.links_of(a)}
    assert set(counts) == expected | floating
    # ...and the outline for the text formats lists the same items, once each.
    texts = Counter(
        row[2].split(" (")[0] for row in drawn.outline() if row[1] not in ("", "Vision")
    )
    assert sum(texts.values()) == len(counts)


def test_one_part_per_goal_in_rank_order_then_the_unconnected_part() -> None:
    drawn = the_map(shared_plan())
    assert drawn.vision == "A better port"
    assert [part.title for part in drawn.parts] == [
        "Goal 1: Cleaner air",
        "Goal 2: More cargo",
        "Goal 3: Happier staff",
        UNCONNECTED_TITLE,
    ]
    assert [part.unconnected for part in drawn.parts] == [False, False, False, True]
    assert [entry.id for entry in drawn.parts[-1].items] == [22, 34, 33, 44]


@pytest.mark.parametrize(
    ("idea_id", "part", "parents", "also_serves"),
    [
        (10, 0, (), ()),
        (20, 0, (10,), ("More cargo",)),  # a program serving two goals: drawn in the first
        (31, 0, (20, 10), ()),  # its program and its goal: two connectors in one part
        (30, 0, (20,), ("Rail link",)),  # the second program lives in goal 2's part
        (21, 1, (11,), ()),
        (32, 1, (21,), ()),
        (12, 2, (), ()),
        (22, 3, (), ()),
        (34, 3, (22,), ()),
    ],
)
def test_items_serving_several_parents_are_drawn_once_with_a_connector_each(
    idea_id: int, part: int, parents: tuple[int, ...], also_serves: tuple[str, ...]
) -> None:
    drawn = the_map(shared_plan())
    found, n = by_id(drawn)[idea_id]
    assert found is drawn.parts[part]
    entry = found.items[n]
    assert entry.parents == parents
    assert entry.also_serves == also_serves
    # each parent named in `parents` is in the same part, and drawn above its child's place
    # for the tree parent
    ids = [e.id for e in found.items]
    if parents:
        assert ids.index(parents[0]) < n
        assert set(parents) <= set(ids)


def test_a_goal_served_from_another_part_says_so() -> None:
    drawn = the_map(shared_plan())
    part, n = by_id(drawn)[11]
    assert part.items[n].also_served_by == ("Shore power",)
    assert (1, "Goal", "More cargo (also served by: Shore power)", ()) in drawn.outline()


@pytest.mark.parametrize(
    ("idea_id", "kinds"),
    [
        (12, ("unserved_goal",)),
        (22, ("unaligned_program",)),
        (33, ("unaligned_project",)),
        (34, ("unaligned_project",)),  # serves a program that reaches no goal
    ],
)
def test_the_unserved_goal_and_each_item_serving_nothing_are_flagged_on_the_map(
    idea_id: int, kinds: tuple[str, ...]
) -> None:
    drawn = the_map(shared_plan())
    part, n = by_id(drawn)[idea_id]
    for kind in kinds:
        assert any(flag.startswith(GAP_LABELS[kind]) for flag in part.items[n].flags)
    geometry = part_geometry(part, width=515, font_size=9)
    node = next(node for node in geometry.nodes if node.id == idea_id)
    assert node.flags == part.items[n].flags
    assert node.flag_lines and node.flag_lines[0].startswith("⚠ ")
    assert geometry.flagged


def test_items_without_a_gap_carry_no_flag() -> None:
    drawn = the_map(shared_plan())
    part, n = by_id(drawn)[10]
    assert part.items[n].flags == ()


@pytest.mark.parametrize(
    ("idea_id", "count", "badge"),
    [(30, 2, "2 actions"), (31, 1, "1 action"), (20, 1, "1 action"), (32, 0, None)],
)
def test_actions_are_counted_on_the_item_they_serve_not_drawn(
    idea_id: int, count: int, badge: str | None
) -> None:
    drawn = the_map(shared_plan())
    part, n = by_id(drawn)[idea_id]
    assert part.items[n].actions == count
    node = next(
        node for node in part_geometry(part, width=515, font_size=9).nodes if node.id == idea_id
    )
    assert node.badge == badge
    assert not {40, 41, 42, 43} & set(boxes_of(drawn))


def test_an_action_serving_nothing_is_a_flagged_box_in_the_last_part() -> None:
    drawn = the_map(shared_plan())
    part, n = by_id(drawn)[44]
    assert part.unconnected
    assert part.items[n].level == "Action"
    assert any(f.startswith(GAP_LABELS["action_without_project"]) for f in part.items[n].flags)


def test_dropped_items_and_links_to_them_are_not_on_the_map() -> None:
    plan = plan_of(
        goals(chosen(10, "Kept goal"), item(11, "Dropped goal", 2, selected=True)),
        projects(chosen(30, "Serves both", 10, 11), chosen(31, "Serves the dropped one", 11)),
    )
    goal_stage, *others = plan.stages
    kept, gone = goal_stage.items
    goal_stage = replace(goal_stage, items=(kept, replace(gone, dropped=True)))
    drawn = the_map(plan_of(goal_stage, *others))
    assert 11 not in boxes_of(drawn)
    part, n = by_id(drawn)[30]
    assert part.items[n].parents == (10,) and part.items[n].also_serves == ()
    part, n = by_id(drawn)[31]
    assert part.unconnected


def test_an_agenda_without_goals_draws_one_plain_part() -> None:
    drawn = the_map(
        plan_of(
            programs(program(20, "A program")),
            projects(project(30, "Under it", 20), project(31, "On its own")),
        )
    )
    (part,) = drawn.parts
    assert (part.title, part.unconnected) == (NO_GOALS_TITLE, False)
    assert [(entry.id, entry.parents, entry.depth) for entry in part.items] == [
        (20, (), 0),
        (30, (20,), 1),
        (31, (), 0),  # serves nothing here: not indented as if under the program
    ]


def test_an_item_is_indented_only_under_an_item_it_serves() -> None:
    # the review drops the fund (120): the action on the fund itself (141) is left serving
    # nothing in the plan; it must not look like a child of the project drawn above it
    drawn = the_map(board_plan(dropped=(120,)))
    last = drawn.parts[-1]
    assert last.unconnected
    orphan = next(entry for entry in last.items if entry.id == 141)
    assert (orphan.parents, orphan.depth) == ((), 0)
    rows = drawn.outline()
    group = next(n for n, row in enumerate(rows) if row[2] == UNCONNECTED_TITLE)
    action_row = next(row for row in rows if row[2].startswith("Agree the fund"))
    assert action_row[0] == rows[group][0] + 1  # right under the group row, like its peers
    geometry = part_geometry(last, width=515, font_size=9, measure=measure_at(9))
    node = next(node for node in geometry.nodes if node.id == 141)
    assert node.x == 0 and node.parent is None
    check_drawing(geometry, measure_at(9))


def test_no_map_when_the_agenda_links_nothing() -> None:
    assert alignment_map(plan_of(goals(chosen(10, "A goal")), aligned=False)) is None


def test_the_outline_for_text_formats() -> None:
    rows = the_map(shared_plan()).outline()
    assert rows[0] == (0, "Vision", "A better port", ())
    assert rows[1] == (1, "Goal", "Cleaner air", ())
    assert rows[2] == (2, "Program", "Shore power (1 action; also serves: More cargo)", ())
    assert (3, "Project", "Cable the berths (2 actions; also serves: Rail link)", ()) in rows
    group = rows.index((1, "", UNCONNECTED_TITLE, ()))
    assert all(depth >= 2 for depth, *_ in rows[group + 1 :])
    flagged = {row[2]: row[3] for row in rows}
    assert flagged["Happier staff"][0].startswith(GAP_LABELS["unserved_goal"])


# --------------------------------------------------------------------------- geometry


def measure_at(size: float) -> Callable[[str], float]:
    """A proportional font of our own: narrow, normal and wide glyphs."""

    def measure(text: str) -> float:
        return sum((0.3 if c in "il.,' " else 0.9 if c in "mwMW" else 0.56) * size for c in text)

    return measure


def crosses(segment: tuple[tuple[float, float], tuple[float, float]], box: object) -> bool:
    (x1, y1), (x2, y2) = segment
    e = 0.01
    left, top = box.x + e, box.y + e  # type: ignore[attr-defined]
    right, bottom = box.x + box.width - e, box.y + box.height - e  # type: ignore[attr-defined]
    if x1 == x2:
        return left < x1 < right and max(y1, y2) > top and min(y1, y2) < bottom
    assert y1 == y2, "connectors are orthogonal"
    return top < y1 < bottom and max(x1, x2) > left and min(x1, x2) < right


def check_drawing(geometry: MapGeometry, measure: Callable[[str], float]) -> None:
    """Boxes inside the drawing and apart, text inside its box, connectors crossing none."""
    nodes = geometry.nodes
    for node in nodes:
        assert node.x >= 0 and node.x + node.width <= geometry.width + 1e-6
        assert node.y >= 0 and node.y + node.height <= geometry.height + 1e-6
        room = node.width - 2 * geometry.padding
        for line in (*node.lines, *node.flag_lines):
            assert measure(line) <= room + 1e-6, (line, room)
    for a in nodes:
        for b in nodes:
            if a is not b:
                apart = (
                    a.x + a.width <= b.x
                    or b.x + b.width <= a.x
                    or a.y + a.height <= b.y
                    or b.y + b.height <= a.y
                )
                assert apart, (a.id, b.id)
    for edge in geometry.edges:
        for segment in itertools.pairwise(edge):
            for node in nodes:
                assert not crosses(segment, node), (segment, node.id)


@pytest.mark.parametrize(
    "make", [shared_plan, board_plan, big_plan], ids=["shared", "board", "big"]
)
def test_parts_have_boxes_apart_text_inside_and_connectors_crossing_no_box(
    make: Callable[[], PlanDocument],
) -> None:
    for part in the_map(make()).parts:
        geometry = part_geometry(part, width=515, font_size=9, measure=measure_at(9))
        check_drawing(geometry, measure_at(9))
        connectors = sum(len(node_item.parents) for node_item in part.items)
        assert len(geometry.edges) == connectors


def test_text_fills_its_box_rather_than_wrapping_short() -> None:
    wording = " ".join(f"word{n} mmm iii" for n in range(30))
    part = MapPart("Goal 1", (the_map(plan_of(goals(chosen(10, wording)))).parts[0].items))
    measure = measure_at(9)
    geometry = part_geometry(part, width=515, font_size=9, measure=measure)
    (node,) = geometry.nodes
    room = node.width - 2 * geometry.padding
    assert len(node.lines) > 2
    for line, following in zip(node.lines, node.lines[1:], strict=False):
        assert measure(line) <= room
        assert measure(f"{line} {following.split(' ')[0]}") > room  # the next word did not fit
        assert measure(line) > 0.85 * room


def test_a_word_longer_than_the_box_is_broken_inside_it() -> None:
    part = the_map(plan_of(goals(chosen(10, "x" * 400)))).parts[0]
    geometry = part_geometry(part, width=200, font_size=9, measure=measure_at(9))
    check_drawing(geometry, measure_at(9))
    assert "".join(geometry.nodes[0].lines) == "x" * 400


def test_the_default_measure_keeps_text_inside_the_box() -> None:
    geometry = part_geometry(the_map(board_plan()).parts[0], width=515, font_size=9)
    check_drawing(geometry, lambda text: estimate_width(text, 9))


def test_a_forty_project_map_splits_by_goal_each_part_on_an_a4_page() -> None:
    plan = big_plan()
    drawn = the_map(plan)
    assert len(drawn.parts) == len(plan.selected_of("goals"))
    for part in drawn.parts:
        geometry = part_geometry(part, width=515, font_size=9, measure=measure_at(9))
        assert geometry.height <= A4_ROOM, (part.title, geometry.height)


def test_a_part_too_tall_for_a_page_packs_its_projects_abreast() -> None:
    plan = plan_of(
        goals(goal(10, "One goal")),
        programs(program(20, "One big program", 10)),
        projects(
            *(project(100 + n, f"Project {n} with a moderately long name", 20) for n in range(40))
        ),
    )
    part = the_map(plan).parts[0]
    measure = measure_at(9)
    stacked = part_geometry(part, width=515, font_size=9, measure=measure, max_height=10_000)
    assert stacked.height > A4_ROOM
    assert len({node.x for node in stacked.nodes}) == 3  # goal, program, projects
    packed = part_geometry(part, width=515, font_size=9, measure=measure)
    assert packed.height <= 515 * 1.3
    assert len({node.x for node in packed.nodes if node.id >= 100}) > 1
    check_drawing(packed, measure)


@pytest.mark.parametrize("make", [board_plan, big_plan], ids=["board", "big"])
@pytest.mark.parametrize("width", [346, 300])
def test_a_phone_draws_each_part_as_one_column_of_full_width_boxes(
    make: Callable[[], PlanDocument], width: float
) -> None:
    # a screen scrolls: no page height to keep to, so nothing is packed abreast and the
    # text stays at a readable size (13 px) with every box as wide as its depth allows
    measure = measure_at(13)
    for part in the_map(make()).parts:
        geometry = part_geometry(
            part, width=width, font_size=13, measure=measure, max_height=math.inf
        )
        check_drawing(geometry, measure)
        assert geometry.font_size == 13
        ys = [node.y for node in geometry.nodes]
        assert ys == sorted(ys) and len(set(ys)) == len(ys)  # one box per row
        lanes = {p for part_item in part.items for p in part_item.parents[1:]}
        right = width - (len(lanes) * 13 + (13 / 2 if lanes else 0))
        for node in geometry.nodes:
            assert node.x + node.width == pytest.approx(right)


def test_geometry_is_deterministic() -> None:
    part = the_map(shared_plan()).parts[0]
    one = part_geometry(part, width=515, font_size=9, measure=measure_at(9))
    two = part_geometry(part, width=515, font_size=9, measure=measure_at(9))
    assert one == two
    assert the_map(shared_plan()) == the_map(shared_plan())


def test_a_second_parent_in_the_part_is_reached_along_a_lane_on_the_right() -> None:
    part = the_map(shared_plan()).parts[0]
    geometry = part_geometry(part, width=515, font_size=9, measure=measure_at(9))
    boxes_right = max(node.x + node.width for node in geometry.nodes)
    lanes = [edge for edge in geometry.edges if max(x for x, _ in edge) > boxes_right]
    assert len(lanes) == 1  # "Buy e-trucks" to "Cleaner air"
    goal = next(node for node in geometry.nodes if node.id == 10)
    truck = next(node for node in geometry.nodes if node.id == 31)
    assert lanes[0][0][0] == goal.x + goal.width and lanes[0][-1][0] == truck.x + truck.width


def random_plan(seed: int) -> PlanDocument:
    """A plan with random links (every kind the levels allow, several parents, none, links
    to dropped items), from a fixed seed."""
    rng = random.Random(seed)
    goal_ids = list(range(10, 10 + rng.randint(0, 4)))
    program_ids = list(range(100, 100 + rng.randint(0, 6)))
    project_ids = list(range(200, 200 + rng.randint(0, 25)))
    action_ids = list(range(400, 400 + rng.randint(0, 12)))

    def some(pool: list[int]) -> tuple[int, ...]:
        return tuple(sorted(rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 1, 2, 3))))))

    def maybe_dropped(entry: PlanItem) -> PlanItem:
        return replace(entry, dropped=rng.random() < 0.1)

    return plan_of(
        goals(
            *(maybe_dropped(goal(i, f"Goal {i} " + "word " * rng.randint(0, 12))) for i in goal_ids)
        ),
        programs(
            *(maybe_dropped(program(i, f"Program {i}", *some(goal_ids))) for i in program_ids)
        ),
        projects(
            *(
                maybe_dropped(
                    project(
                        i,
                        f"Project {i} " + "long " * rng.randint(0, 20),
                        *some(goal_ids + program_ids),
                    )
                )
                for i in project_ids
            )
        ),
        actions(
            *(
                action(i, f"Action {i}", *some(goal_ids + program_ids + project_ids))
                for i in action_ids
            )
        ),
    )


@pytest.mark.parametrize("seed", range(25))
def test_random_plans_draw_every_item_once_and_no_connector_crosses_a_box(seed: int) -> None:
    plan = random_plan(seed)
    drawn = the_map(plan)
    counts = boxes_of(drawn)
    assert set(counts.values()) <= {1}
    floating = {a.id for a in plan.selected_of("actions") if not plan.links_of(a)}
    assert set(counts) == in_plan_ids(plan, "goals", "programs", "projects") | floating
    counted = sum(entry.actions for part in drawn.parts for entry in part.items)
    assert counted == len(plan.selected_of("actions")) - len(floating)
    for part in drawn.parts:
        ids = [entry.id for entry in part.items]
        depth = {entry.id: entry.depth for entry in part.items}
        for n, entry in enumerate(part.items):
            if entry.parents:
                assert ids.index(entry.parents[0]) < n
                assert entry.depth == depth[entry.parents[0]] + 1
            else:
                assert entry.depth == 0  # indented only under an item it serves
            assert set(entry.parents) <= set(ids)
        for width, size in ((515, 9.0), (760, 13.0), (300, 9.0)):
            geometry = part_geometry(part, width=width, font_size=size, measure=measure_at(size))
            check_drawing(geometry, measure_at(size))
