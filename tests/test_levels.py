"""The levels of a plan in `workshop.core.levels`: who may serve whom, item fields, gaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from workshop.core import levels
from workshop.core.errors import DomainError
from workshop.core.levels import (
    AlignedItem,
    Gaps,
    ParentItem,
    check_fields,
    check_parents,
    find_gaps,
    merge_fields,
)

TEXT_LIMIT = 280

# The selected items of a full agenda, by id: vision 1 (position 0), mission 2 (1), values 3
# (2), goals 10 and 11 (3), programs 20 and 21 (4), projects 30 (5), actions 40 (6), and a
# risks stage after them, 5 (7); then a goals stage placed after everything (8), item 50.
CANDIDATES: dict[int, ParentItem] = {
    item.idea_id: item
    for item in (
        ParentItem(1, "vision", 0),
        ParentItem(2, "mission", 1),
        ParentItem(3, "values", 2),
        ParentItem(10, "goals", 3),
        ParentItem(11, "goals", 3),
        ParentItem(20, "programs", 4),
        ParentItem(21, "programs", 4),
        ParentItem(30, "projects", 5),
        ParentItem(40, "actions", 6),
        ParentItem(5, "risks", 7),
        ParentItem(50, "goals", 8),
    )
}
POSITION = {"programs": 4, "projects": 5, "actions": 6}


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.message
    return caught.value.code


# --------------------------------------------------------------------------- the tables


def test_the_levels_and_who_serves_whom() -> None:
    assert levels.LEVELS == (
        "situation",
        "environment",
        "vision",
        "mission",
        "values",
        "goals",
        "programs",
        "projects",
        "risks",
        "actions",
    )
    assert levels.PARENT_LEVELS == {
        "goals": ("situation", "environment"),
        "programs": ("goals",),
        "projects": ("programs", "goals"),
        "risks": ("goals", "programs", "projects"),
        "actions": ("projects", "programs", "goals"),
    }
    assert levels.MITIGATING_LEVELS == {"risks": ("projects",)}


@pytest.mark.parametrize(
    ("level", "linkable"),
    [
        ("situation", False),
        ("environment", False),
        ("vision", False),
        ("mission", False),
        ("values", False),
        ("goals", True),
        ("programs", True),
        ("projects", True),
        ("risks", True),
        ("actions", True),
        ("budget", False),
    ],
)
def test_can_link(level: str, linkable: bool) -> None:
    assert levels.can_link(level) is linkable


@pytest.mark.parametrize(
    ("level", "fields"),
    [
        ("vision", ("text",)),
        ("mission", ("text",)),
        ("values", ("text",)),
        ("goals", ("text", "metrics")),
        ("programs", ("text", "owner", "outcome", "metrics", "budget", "start", "end")),
        (
            "projects",
            ("text", "owner", "sponsor", "deliverables", "start", "due", "approach", "budget"),
        ),
        ("actions", ("text", "owner", "due")),
        ("risks", ("text",)),
    ],
)
def test_fields_of(level: str, fields: tuple[str, ...]) -> None:
    assert levels.fields_of(level) == fields


# --------------------------------------------------------------------------- check_parents


@pytest.mark.parametrize(
    ("level", "parent_ids", "expected"),
    [
        ("programs", [], []),
        ("programs", [10], [10]),
        ("programs", [11, 10], [10, 11]),
        ("projects", [], []),
        ("projects", [10], [10]),
        ("projects", [20], [20]),
        ("projects", [21, 11, 20], [11, 20, 21]),
        ("actions", [30], [30]),
        ("actions", [20], [20]),
        ("actions", [10], [10]),
        ("actions", [30, 21, 10], [10, 21, 30]),
    ],
)
def test_check_parents_accepts(level: str, parent_ids: list[int], expected: list[int]) -> None:
    assert check_parents(level, POSITION[level], parent_ids, CANDIDATES) == expected


def test_check_parents_does_not_change_its_argument() -> None:
    given = [11, 10]
    check_parents("programs", 4, given, CANDIDATES)
    assert given == [11, 10]


@pytest.mark.parametrize(
    "level", ["situation", "environment", "vision", "mission", "values", "budget"]
)
@pytest.mark.parametrize("parent_ids", [[], [1], [10]])
def test_check_parents_levels_that_serve_nothing(level: str, parent_ids: list[int]) -> None:
    assert code_of(check_parents, level, 9, parent_ids, CANDIDATES) == "link_not_allowed"


@pytest.mark.parametrize(
    ("level", "parent_ids", "code"),
    [
        # Not a selected item of this workshop: never existed, or of another workshop (the
        # caller leaves those out of the candidates, so they look exactly the same).
        ("programs", [999], "parent_not_found"),
        ("programs", [10, 999], "parent_not_found"),
        ("projects", [0], "parent_not_found"),
        ("actions", [30, 31], "parent_not_found"),
        # The wrong level.
        ("programs", [1], "parent_not_allowed"),
        ("programs", [2], "parent_not_allowed"),
        ("programs", [3], "parent_not_allowed"),
        ("programs", [20], "parent_not_allowed"),
        ("programs", [10, 21], "parent_not_allowed"),
        ("projects", [1], "parent_not_allowed"),
        ("projects", [3], "parent_not_allowed"),
        ("actions", [1], "parent_not_allowed"),
        ("actions", [5], "parent_not_allowed"),
        # The same or a later stage.
        ("projects", [30], "parent_not_allowed"),
        ("programs", [30], "parent_not_allowed"),
        ("programs", [40], "parent_not_allowed"),
        ("projects", [40], "parent_not_allowed"),
        ("actions", [40], "parent_not_allowed"),
        # The right level, but its stage comes later in the agenda.
        ("programs", [50], "parent_not_allowed"),
        ("projects", [50], "parent_not_allowed"),
        ("actions", [10, 50], "parent_not_allowed"),
        # Named twice (checked before anything else).
        ("programs", [10, 10], "invalid_links"),
        ("actions", [30, 20, 30], "invalid_links"),
        ("programs", [999, 999], "invalid_links"),
        ("programs", [1, 1], "invalid_links"),
    ],
)
def test_check_parents_refuses(level: str, parent_ids: list[int], code: str) -> None:
    assert code_of(check_parents, level, POSITION[level], parent_ids, CANDIDATES) == code


def test_check_parents_with_no_candidates_finds_nothing() -> None:
    assert check_parents("projects", 5, [], {}) == []
    assert code_of(check_parents, "projects", 5, [10], {}) == "parent_not_found"


# --------------------------------------------------------------------------- check_fields


def metric(**values: Any) -> dict[str, Any]:
    return {"metric": "CO2 t/yr", **values}


@pytest.mark.parametrize(
    ("level", "fields", "cleaned"),
    [
        ("vision", {"text": "  A   better\nport "}, {"text": "A better port"}),
        ("risks", {"text": "Flooding"}, {"text": "Flooding"}),
        ("goals", {"text": "t" * TEXT_LIMIT}, {"text": "t" * TEXT_LIMIT}),
        ("goals", {"text": None}, {"text": None}),
        ("goals", {"text": "   "}, {"text": None}),
        ("programs", {"owner": " Ana  Li "}, {"owner": "Ana Li"}),
        ("programs", {"owner": "o" * 120}, {"owner": "o" * 120}),
        ("programs", {"owner": ""}, {"owner": None}),
        ("programs", {"outcome": "x" * 400}, {"outcome": "x" * 400}),
        ("programs", {"outcome": None}, {"outcome": None}),
        ("actions", {"owner": "Cy", "due": "2027-01-15"}, {"owner": "Cy", "due": "2027-01-15"}),
        ("projects", {"due": " 2027-06-30 "}, {"due": "2027-06-30"}),
        (
            "programs",
            {"budget": " EUR 2.5 million ", "start": "2027-01-01", "end": "2031-12-31"},
            {"budget": "EUR 2.5 million", "start": "2027-01-01", "end": "2031-12-31"},
        ),
        (
            "projects",
            {"sponsor": "Dana  Lee", "budget": ""},
            {"sponsor": "Dana Lee", "budget": None},
        ),
        ("projects", {"due": "2028-02-29"}, {"due": "2028-02-29"}),
        ("projects", {"due": ""}, {"due": None}),
        ("projects", {"due": None}, {"due": None}),
        ("projects", {"approach": "waterfall"}, {"approach": "waterfall"}),
        ("projects", {"approach": "agile"}, {"approach": "agile"}),
        ("projects", {"approach": "hybrid"}, {"approach": "hybrid"}),
        ("projects", {"approach": None}, {"approach": None}),
        (
            "projects",
            {"deliverables": [" New  site ", "App"]},
            {"deliverables": ["New site", "App"]},
        ),
        ("projects", {"deliverables": ["d" * 200] * 20}, {"deliverables": ["d" * 200] * 20}),
        ("projects", {"deliverables": []}, {"deliverables": []}),
        ("projects", {"deliverables": None}, {"deliverables": None}),
        ("goals", {"metrics": []}, {"metrics": []}),
        ("goals", {"metrics": None}, {"metrics": None}),
        (
            "goals",
            {"metrics": [metric()]},
            {"metrics": [{"metric": "CO2 t/yr", "baseline": None, "target": None, "due": None}]},
        ),
        (
            "programs",
            {
                "metrics": [
                    metric(baseline=" 1200 ", target="600", due="2028-12-31"),
                    {"metric": "m" * 200, "baseline": "b" * 100, "target": "t" * 100, "due": ""},
                ]
            },
            {
                "metrics": [
                    {
                        "metric": "CO2 t/yr",
                        "baseline": "1200",
                        "target": "600",
                        "due": "2028-12-31",
                    },
                    {"metric": "m" * 200, "baseline": "b" * 100, "target": "t" * 100, "due": None},
                ]
            },
        ),
        (
            "goals",
            {"metrics": [metric()] * 20},
            {"metrics": [metric(baseline=None, target=None, due=None)] * 20},
        ),
        (
            "projects",
            {
                "text": "Port app",
                "owner": "Ben",
                "deliverables": ["A"],
                "due": "2027-06-30",
                "approach": "agile",
            },
            {
                "text": "Port app",
                "owner": "Ben",
                "deliverables": ["A"],
                "due": "2027-06-30",
                "approach": "agile",
            },
        ),
    ],
)
def test_check_fields_accepts(level: str, fields: dict[str, Any], cleaned: dict[str, Any]) -> None:
    assert check_fields(level, fields, text_limit=TEXT_LIMIT) == cleaned


@pytest.mark.parametrize(
    ("level", "fields", "code"),
    [
        # Fields the level does not have.
        ("vision", {"owner": "Ana"}, "unknown_field"),
        ("mission", {"metrics": []}, "unknown_field"),
        ("values", {"due": "2027-01-01"}, "unknown_field"),
        ("goals", {"owner": "Ana"}, "unknown_field"),
        ("goals", {"due": "2027-01-01"}, "unknown_field"),
        ("programs", {"due": "2027-01-01"}, "unknown_field"),
        ("programs", {"deliverables": ["A"]}, "unknown_field"),
        ("projects", {"metrics": []}, "unknown_field"),
        ("projects", {"outcome": "More"}, "unknown_field"),
        ("actions", {"deliverables": ["A"]}, "unknown_field"),
        ("actions", {"approach": "agile"}, "unknown_field"),
        ("risks", {"owner": "Ana"}, "unknown_field"),
        ("projects", {"Owner": "Ana"}, "unknown_field"),
        ("projects", {"owner": "Ana", "colour": "red"}, "unknown_field"),
        ("projects", {"owner": "Ana", "budget": 5}, "invalid_field"),
        ("programs", {"budget": "x" * 81}, "invalid_field"),
        ("projects", {"sponsor": "x" * 121}, "invalid_field"),
        ("programs", {"end": "2031-02-30"}, "invalid_date"),
        ("actions", {"sponsor": "Ana"}, "unknown_field"),
        # Nothing to change.
        ("projects", {}, "invalid_field"),
        # Text of the wrong type or too long.
        ("goals", {"text": 5}, "invalid_field"),
        ("goals", {"text": ["a"]}, "invalid_field"),
        ("goals", {"text": "t" * (TEXT_LIMIT + 1)}, "invalid_field"),
        ("programs", {"owner": "o" * 121}, "invalid_field"),
        ("programs", {"owner": 7}, "invalid_field"),
        ("programs", {"owner": True}, "invalid_field"),
        ("programs", {"outcome": "x" * 401}, "invalid_field"),
        ("programs", {"outcome": {"text": "x"}}, "invalid_field"),
        # Metrics: a list of at most 20 objects with metric (required), baseline, target, due.
        ("goals", {"metrics": "CO2"}, "invalid_field"),
        ("goals", {"metrics": {"metric": "CO2"}}, "invalid_field"),
        ("goals", {"metrics": [metric()] * 21}, "invalid_field"),
        ("goals", {"metrics": ["CO2"]}, "invalid_field"),
        ("goals", {"metrics": [None]}, "invalid_field"),
        ("goals", {"metrics": [metric(owner="Ana")]}, "invalid_field"),
        ("goals", {"metrics": [{"baseline": "1"}]}, "invalid_field"),
        ("goals", {"metrics": [{"metric": "  "}]}, "invalid_field"),
        ("goals", {"metrics": [{"metric": None}]}, "invalid_field"),
        ("goals", {"metrics": [{"metric": 3}]}, "invalid_field"),
        ("goals", {"metrics": [{"metric": "m" * 201}]}, "invalid_field"),
        ("goals", {"metrics": [metric(baseline="b" * 101)]}, "invalid_field"),
        ("goals", {"metrics": [metric(target="t" * 101)]}, "invalid_field"),
        ("goals", {"metrics": [metric(target=600)]}, "invalid_field"),
        ("goals", {"metrics": [metric(), metric(due="soon")]}, "invalid_date"),
        # Deliverables: a list of at most 20 texts of 1 to 200 characters.
        ("projects", {"deliverables": "App"}, "invalid_field"),
        ("projects", {"deliverables": ["A"] * 21}, "invalid_field"),
        ("projects", {"deliverables": ["A", 3]}, "invalid_field"),
        ("projects", {"deliverables": ["A", None]}, "invalid_field"),
        ("projects", {"deliverables": ["A", "  "]}, "invalid_field"),
        ("projects", {"deliverables": ["d" * 201]}, "invalid_field"),
        # Dates: YYYY-MM-DD.
        ("projects", {"due": "2027-13-01"}, "invalid_date"),
        ("projects", {"due": "2027-02-30"}, "invalid_date"),
        ("projects", {"due": "next spring"}, "invalid_date"),
        ("projects", {"due": "30/06/2027"}, "invalid_date"),
        ("projects", {"due": 20270630}, "invalid_date"),
        ("projects", {"due": ["2027-06-30"]}, "invalid_date"),
        ("actions", {"due": "2027-06-31"}, "invalid_date"),
        # Approach: one of three words.
        ("projects", {"approach": "scrum"}, "invalid_approach"),
        ("projects", {"approach": "Agile"}, "invalid_approach"),
        ("projects", {"approach": ""}, "invalid_approach"),
        ("projects", {"approach": 1}, "invalid_approach"),
        ("projects", {"approach": ["agile"]}, "invalid_approach"),
        # One bad field refuses the whole update.
        ("projects", {"owner": "Ana", "approach": "kanban"}, "invalid_approach"),
        ("projects", {"owner": "Ana", "due": "never"}, "invalid_date"),
    ],
)
def test_check_fields_refuses(level: str, fields: dict[str, Any], code: str) -> None:
    assert code_of(check_fields, level, fields, text_limit=TEXT_LIMIT) == code


def test_check_fields_uses_the_given_text_limit() -> None:
    assert check_fields("goals", {"text": "abcde"}, text_limit=5) == {"text": "abcde"}
    assert code_of(check_fields, "goals", {"text": "abcdef"}, text_limit=5) == "invalid_field"


@pytest.mark.parametrize(
    ("level", "field", "ok"),
    [
        ("goals", "metrics", True),
        ("goals", "text", True),
        ("goals", "owner", False),
        ("projects", "owner", True),
        ("projects", "deliverables", True),
        ("projects", "metrics", False),
        ("vision", "text", True),
        ("vision", "owner", False),
    ],
)
def test_suggestion_field(level: str, field: str, ok: bool) -> None:
    if ok:
        assert levels.suggestion_field(level, field) == field
    else:
        assert code_of(levels.suggestion_field, level, field) == "unknown_field"


# --------------------------------------------------------------------------- merge_fields


CURRENT: dict[str, Any] = {"owner": "Ana", "due": "2027-06-30", "deliverables": ["App"]}


@pytest.mark.parametrize(
    ("update", "merged"),
    [
        ({}, {"deliverables": ["App"], "due": "2027-06-30", "owner": "Ana"}),
        ({"owner": "Ben"}, {"deliverables": ["App"], "due": "2027-06-30", "owner": "Ben"}),
        ({"owner": None}, {"deliverables": ["App"], "due": "2027-06-30"}),
        ({"deliverables": []}, {"due": "2027-06-30", "owner": "Ana"}),
        ({"deliverables": None}, {"due": "2027-06-30", "owner": "Ana"}),
        (
            {"approach": "agile"},
            {"approach": "agile", "deliverables": ["App"], "due": "2027-06-30", "owner": "Ana"},
        ),
        ({"approach": None}, {"deliverables": ["App"], "due": "2027-06-30", "owner": "Ana"}),
        ({"owner": None, "due": None, "deliverables": []}, {}),
        (
            {"deliverables": ["App", "Site"], "due": None},
            {"deliverables": ["App", "Site"], "owner": "Ana"},
        ),
        (
            {"text": "Better wording"},
            {
                "deliverables": ["App"],
                "due": "2027-06-30",
                "owner": "Ana",
                "text": "Better wording",
            },
        ),
    ],
)
def test_merge_fields(update: dict[str, Any], merged: dict[str, Any]) -> None:
    before = dict(CURRENT)
    result = merge_fields(CURRENT, update)
    assert result == merged
    assert list(result) == sorted(result)
    assert before == CURRENT


def test_merge_fields_from_nothing() -> None:
    assert merge_fields({}, {"metrics": [], "text": None}) == {}
    assert merge_fields({}, {"text": "x"}) == {"text": "x"}


# --------------------------------------------------------------------------- find_gaps


def item(idea_id: int, level: str, links: Sequence[int] = (), **fields: Any) -> AlignedItem:
    return AlignedItem(idea_id, level, tuple(links), fields)


CHARTERED: Mapping[str, Any] = {"owner": "Ben", "due": "2027-06-30"}
NO_GAPS = Gaps((), (), (), (), ())
EVERY_LEVEL = set(levels.LEVELS)


@pytest.mark.parametrize(
    ("items", "present", "gaps"),
    [
        # Nothing at all.
        ([], EVERY_LEVEL, NO_GAPS),
        # A goal served directly by a project.
        (
            [item(10, "goals"), item(30, "projects", [10], **CHARTERED)],
            {"goals", "projects"},
            NO_GAPS,
        ),
        # A goal served through a program.
        (
            [
                item(10, "goals"),
                item(20, "programs", [10]),
                item(30, "projects", [20], **CHARTERED),
            ],
            {"goals", "programs", "projects"},
            NO_GAPS,
        ),
        # An action serving a goal serves it too.
        ([item(10, "goals"), item(40, "actions", [10])], {"goals", "actions"}, NO_GAPS),
        # A goal that nothing serves.
        (
            [item(10, "goals"), item(11, "goals"), item(30, "projects", [10], **CHARTERED)],
            {"goals", "projects"},
            Gaps((11,), (), (), (), ()),
        ),
        # A project under a program that serves no goal: both unaligned, the goal unserved.
        (
            [
                item(10, "goals"),
                item(20, "programs"),
                item(30, "projects", [20], **CHARTERED),
            ],
            {"goals", "programs", "projects"},
            Gaps((10,), (20,), (30,), (), ()),
        ),
        # A project serving nothing.
        (
            [item(10, "goals"), item(20, "programs", [10]), item(30, "projects", **CHARTERED)],
            {"goals", "programs", "projects"},
            Gaps((), (), (30,), (), ()),
        ),
        # Projects without an owner or a completion date (empty counts as missing).
        (
            [
                item(10, "goals"),
                item(30, "projects", [10], owner="Ben"),
                item(31, "projects", [10], due="2027-06-30"),
                item(32, "projects", [10]),
                item(33, "projects", [10], owner="", due=""),
                item(34, "projects", [10], **CHARTERED),
            ],
            {"goals", "projects"},
            Gaps((), (), (), (31, 32, 33), (30, 32, 33)),
        ),
        # Goals only: nothing in the agenda could serve them, so no gap.
        ([item(10, "goals"), item(11, "goals")], {"vision", "goals"}, NO_GAPS),
        # No goals stage: programs and projects cannot be unaligned.
        (
            [item(20, "programs"), item(30, "projects", [20], **CHARTERED)],
            {"programs", "projects"},
            NO_GAPS,
        ),
        # ... but a project's charter gaps still show.
        ([item(30, "projects")], {"projects"}, Gaps((), (), (), (30,), (30,))),
        # A goals stage with no selected goals: every program and project is unaligned.
        (
            [item(20, "programs"), item(30, "projects", [20], **CHARTERED)],
            {"goals", "programs", "projects"},
            Gaps((), (20,), (30,), (), ()),
        ),
        # A link to something that is not a selected item is ignored.
        (
            [item(10, "goals"), item(30, "projects", [999], **CHARTERED)],
            {"goals", "projects"},
            Gaps((10,), (), (30,), (), ()),
        ),
        # A loop between programs ends (and reaches no goal).
        (
            [item(10, "goals"), item(20, "programs", [21]), item(21, "programs", [20])],
            {"goals", "programs"},
            Gaps((10,), (20, 21), (), (), ()),
        ),
        # A link to a vision is not a link to a goal.
        (
            [item(1, "vision"), item(10, "goals"), item(20, "programs", [1])],
            {"vision", "goals", "programs"},
            Gaps((10,), (20,), (), (), ()),
        ),
    ],
)
def test_find_gaps(items: list[AlignedItem], present: set[str], gaps: Gaps) -> None:
    found = find_gaps(items, present)
    assert found == gaps
    assert found.any() is (gaps != NO_GAPS)


def test_gaps_any() -> None:
    assert NO_GAPS.any() is False
    for index in range(5):
        parts: list[tuple[int, ...]] = [(), (), (), (), ()]
        parts[index] = (7,)
        assert Gaps(*parts).any() is True
