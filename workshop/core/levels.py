"""The levels of a strategic plan: which item may serve which, and the fields each level has.

A program serves goals; a project serves programs or goals (one without a program is
"independent"); an action serves a project, a program or a goal. A goal builds on or
answers items of the situation analysis (SWOT) and responds to the environment (PESTLE); a
risk threatens goals, programs and projects, and is mitigated by projects (`relation`).
Links always point up the plan, to selected items of earlier stages, so the alignment map is
a tree-like graph with no cycles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..i18n import N_, gettext
from .errors import DomainError
from .rules import squash_spaces

LEVELS: tuple[str, ...] = (
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
"""The standard stage keys, in agenda order: the situation analysis (SWOT, PESTLE) first, then
the plan from the top, the risks to it after the projects. Any other key is a custom stage."""

PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    "goals": ("situation", "environment"),
    "programs": ("goals",),
    "projects": ("programs", "goals"),
    "risks": ("goals", "programs", "projects"),
    "actions": ("projects", "programs", "goals"),
}
"""Which levels an item of each level may link to (always selected items of earlier stages).
Levels not listed link to nothing. What a link means is its `relation`."""

SERVING_LEVELS: frozenset[str] = frozenset({"programs", "projects", "actions"})
"""The levels whose links mean "serves" (see `relation`): only they make a goal served."""


MITIGATING_LEVELS: dict[str, tuple[str, ...]] = {"risks": ("projects",)}
"""Which levels may mitigate an item of each level: a risk's `mitigated_by` names selected
projects (the risks stage comes after the projects, so the link is kept on the risk)."""

RELATIONS: tuple[str, ...] = (
    "serves",
    "builds_on",
    "answers",
    "responds_to",
    "threatens",
    "mitigated_by",
)
"""What a link from an item to another means (see `relation`); `mitigated_by` is a risk's
link to a project that mitigates it."""

BUILDS_ON_CATEGORIES: frozenset[str] = frozenset({"strengths", "opportunities"})
"""The situation categories a goal builds on; a goal answers an item of any other category
of the situation stage (weaknesses, threats, or a custom category)."""

ANSWERED_CATEGORIES: frozenset[str] = frozenset({"weaknesses", "threats"})
"""The situation categories the plan expects some goal to answer (the `unanswered_threat`
gap)."""


def _category(key: str, label: str, hint: str) -> dict[str, str]:
    return {"key": key, "label": label, "hint": hint}


SWOT: tuple[dict[str, str], ...] = (
    _category("strengths", N_("Strengths"), N_("What do we do well? What can we build on?")),
    _category("weaknesses", N_("Weaknesses"), N_("Where do we fall short? What holds us back?")),
    _category("opportunities", N_("Opportunities"), N_("What outside could we take advantage of?")),
    _category("threats", N_("Threats"), N_("What outside could harm us?")),
)
"""A SWOT's four categories, in the order the board draws its 2x2: helpful inside, harmful
inside (top row), helpful outside, harmful outside (bottom row)."""

PESTLE: tuple[dict[str, str], ...] = (
    _category("political", N_("Political"), N_("Government, policy, elections, public funding")),
    _category("economic", N_("Economic"), N_("Growth, inflation, costs, markets, funding")),
    _category("social", N_("Social"), N_("Demographics, habits, expectations, culture")),
    _category(
        "technological", N_("Technological"), N_("New tools, automation, data, infrastructure")
    ),
    _category("legal", N_("Legal"), N_("Laws, regulation, compliance, contracts")),
    _category("environmental", N_("Environmental"), N_("Climate, resources, sustainability")),
)
"""A PESTLE scan's six categories, in reading order."""

DEFAULT_CATEGORIES: dict[str, tuple[dict[str, str], ...]] = {
    "situation": SWOT,
    "environment": PESTLE,
}
"""The categories a brainstorm on a stage of this level gets when its step names none."""


def relation(level: str, parent_level: str, parent_category: str | None = None) -> str:
    """What a link from an item of `level` to one of `parent_level` means: a goal builds on
    strengths and opportunities and answers weaknesses, threats (and any other category of
    the situation); it responds to a factor of the environment (PESTLE); a risk threatens a
    goal, a program or a project; everything else serves what it links to."""
    if level == "goals" and parent_level == "situation":
        return "builds_on" if parent_category in BUILDS_ON_CATEGORIES else "answers"
    if level == "goals" and parent_level == "environment":
        return "responds_to"
    if level == "risks":
        return "threatens"
    return "serves"


APPROACHES: tuple[str, ...] = ("waterfall", "agile", "hybrid")
FIELD_TEXT_MAX = 400
SHORT_FIELD_MAX = 120
MAX_LIST_ITEMS = 20
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
STAGE_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")

FIELDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "goals": ("text", "metrics"),
    "programs": ("text", "owner", "outcome", "metrics", "budget", "start", "end"),
    "projects": (
        "text",
        "owner",
        "sponsor",
        "deliverables",
        "start",
        "due",
        "approach",
        "budget",
    ),
    "actions": ("text", "owner", "due"),
}
"""The fields `item:update` accepts per level; every other level has only `text`. A
program's charter: manager (`owner`), outcome, metrics, budget or funding envelope, and its
duration (`start`, `end`); a project's: owner, sponsor, deliverables, start, completion date
(`due`), approach and budget."""

BUDGET_MAX = 80
"""A budget is text ("EUR 2.5 million over 5 years", "$40,000"), at most this long."""

METRIC_KEYS: tuple[str, ...] = ("metric", "baseline", "target", "due")


def can_link(level: str) -> bool:
    """Whether items of this level link to anything (and so may have a link step)."""
    return level in PARENT_LEVELS


def fields_of(level: str) -> tuple[str, ...]:
    """The fields an item of this level can carry."""
    return FIELDS_BY_LEVEL.get(level, ("text",))


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class ParentItem:
    """A selected item of an earlier stage that items of a later stage may serve."""

    idea_id: int
    level: str
    stage_position: int


def check_parents(
    level: str,
    stage_position: int,
    parent_ids: Sequence[int],
    candidates: Mapping[int, ParentItem],
) -> list[int]:
    """Validate the parents one item of `level` names; return them sorted, without repeats.

    `candidates` are the selected items of the workshop by id, from any stage; ids from other
    workshops are simply absent, so they are as unknown as ids that never existed.
    """
    allowed = PARENT_LEVELS.get(level)
    if allowed is None:
        raise DomainError(
            "link_not_allowed",
            gettext("Items of %(level)s do not serve other items.", level=repr(level)),
        )
    serving = level in SERVING_LEVELS
    return _check_linked(
        parent_ids,
        candidates,
        stage_position,
        allowed,
        twice=gettext("A parent is named twice."),
        wrong=lambda found: (
            gettext(
                "An item of %(level)s can serve %(allowed)s, not %(found)s.",
                level=repr(level),
                allowed=_either(allowed),
                found=repr(found),
            )
            if serving
            else gettext(
                "An item of %(level)s can link to %(allowed)s, not %(found)s.",
                level=repr(level),
                allowed=_either(allowed),
                found=repr(found),
            )
        ),
    )


def _either(names: Sequence[str]) -> str:
    """Level keys as alternatives: "'a' or 'b'" in English (the keys stay ids)."""
    return gettext(" or ").join(names) if len(names) > 1 else "".join(names)


def _check_linked(
    ids: Sequence[int],
    candidates: Mapping[int, ParentItem],
    stage_position: int,
    allowed: Sequence[str],
    *,
    twice: str,
    wrong: Callable[[str], str],
) -> list[int]:
    """Ids named once each, every one a selected item of an earlier stage of an `allowed`
    level (`wrong(level)` words the refusal of another); sorted."""
    if len(set(ids)) != len(ids):
        raise DomainError("invalid_links", twice)
    for linked_id in ids:
        found = candidates.get(linked_id)
        if found is None:
            raise DomainError(
                "parent_not_found",
                gettext(
                    "Item %(linked_id)s is not a selected item of this workshop.",
                    linked_id=linked_id,
                ),
            )
        if found.stage_position >= stage_position or found.level not in allowed:
            raise DomainError("parent_not_allowed", wrong(found.level))
    return sorted(ids)


def check_mitigations(
    level: str,
    stage_position: int,
    ids: Sequence[int],
    candidates: Mapping[int, ParentItem],
) -> list[int]:
    """Validate the items that mitigate one item of `level` (a risk's projects); return them
    sorted, without repeats.

    As `check_parents`: each must be a selected item of an earlier stage of a level in
    `MITIGATING_LEVELS[level]`; ids of other workshops are absent from `candidates`, so they
    are not found. A level nothing mitigates refuses any list, even an empty one.
    """
    allowed = MITIGATING_LEVELS.get(level)
    if allowed is None:
        raise DomainError(
            "link_not_allowed",
            gettext(
                "Only risks are mitigated by other items; items of %(level)s are not.",
                level=repr(level),
            ),
        )
    return _check_linked(
        ids,
        candidates,
        stage_position,
        allowed,
        twice=gettext("A mitigating item is named twice."),
        wrong=lambda found: gettext(
            "An item of %(level)s can be mitigated by %(allowed)s, not by %(found)s.",
            level=repr(level),
            allowed=_either(allowed),
            found=repr(found),
        ),
    )


# --------------------------------------------------------------------------- fields


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise DomainError("invalid_field", gettext("%(field)s is required.", field=field))
        return None
    if not isinstance(value, str):
        raise DomainError("invalid_field", gettext("%(field)s must be text.", field=field))
    cleaned = squash_spaces(value)
    if not cleaned:
        if required:
            raise DomainError("invalid_field", gettext("%(field)s is required.", field=field))
        return None
    if len(cleaned) > limit:
        raise DomainError(
            "invalid_field",
            gettext("%(field)s can be at most %(limit)s characters.", field=field, limit=limit),
        )
    return cleaned


def check_date(value: Any, field: str) -> str | None:
    """An ISO date (YYYY-MM-DD) or nothing."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DomainError(
            "invalid_date", gettext("%(field)s must be a date written YYYY-MM-DD.", field=field)
        )
    written = value.strip()
    try:
        if not ISO_DATE.fullmatch(written):
            raise ValueError(written)
        return date.fromisoformat(written).isoformat()
    except ValueError:
        raise DomainError(
            "invalid_date",
            gettext(
                "%(field)s: %(value)s is not a YYYY-MM-DD date.", field=field, value=repr(value)
            ),
        ) from None


def _metrics(value: Any) -> list[dict[str, str | None]]:
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise DomainError(
            "invalid_field",
            gettext(
                "metrics must be a list of at most %(max)s.",
                max=MAX_LIST_ITEMS,
            ),
        )
    out: list[dict[str, str | None]] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict) or set(raw) - set(METRIC_KEYS):
            raise DomainError(
                "invalid_field",
                gettext(
                    "metrics[%(index)s] must be an object with %(keys)s.",
                    index=index,
                    keys=", ".join(METRIC_KEYS),
                ),
            )
        out.append(
            {
                "metric": _text(raw.get("metric"), f"metrics[{index}].metric", 200, required=True),
                "baseline": _text(raw.get("baseline"), f"metrics[{index}].baseline", 100),
                "target": _text(raw.get("target"), f"metrics[{index}].target", 100),
                "due": check_date(raw.get("due"), f"metrics[{index}].due"),
            }
        )
    return out


def _deliverables(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise DomainError(
            "invalid_field",
            gettext(
                "deliverables must be a list of at most %(max)s texts.",
                max=MAX_LIST_ITEMS,
            ),
        )
    out = []
    for index, raw in enumerate(value):
        cleaned = _text(raw, f"deliverables[{index}]", 200, required=True)
        assert cleaned is not None
        out.append(cleaned)
    return out


def check_fields(level: str, fields: Mapping[str, Any], *, text_limit: int) -> dict[str, Any]:
    """Validate an `item:update`; return the cleaned values (None means: clear this field)."""
    allowed = fields_of(level)
    if not fields:
        raise DomainError("invalid_field", gettext("Send at least one field to change."))
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            raise DomainError(
                "unknown_field",
                gettext(
                    "Items of %(level)s have the fields %(allowed)s; not %(name)s.",
                    level=repr(level),
                    allowed=", ".join(allowed),
                    name=repr(name),
                ),
            )
        if name == "text":
            cleaned[name] = _text(value, "text", text_limit)
        elif name in ("owner", "sponsor"):
            cleaned[name] = _text(value, name, SHORT_FIELD_MAX)
        elif name == "budget":
            cleaned[name] = _text(value, name, BUDGET_MAX)
        elif name == "outcome":
            cleaned[name] = _text(value, name, FIELD_TEXT_MAX)
        elif name in ("due", "start", "end"):
            cleaned[name] = check_date(value, name)
        elif name == "approach":
            if value is not None and value not in APPROACHES:
                raise DomainError(
                    "invalid_approach",
                    gettext("approach is one of %(approaches)s.", approaches=", ".join(APPROACHES)),
                )
            cleaned[name] = value
        elif name == "metrics":
            cleaned[name] = _metrics(value) if value is not None else None
        elif name == "deliverables":
            cleaned[name] = _deliverables(value) if value is not None else None
    return cleaned


def merge_fields(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a cleaned update: given fields replace, None clears, the rest stay."""
    merged = dict(current)
    for name, value in update.items():
        if value is None or value == []:
            merged.pop(name, None)
        else:
            merged[name] = value
    return {name: merged[name] for name in sorted(merged)}


def suggestion_field(level: str, field: str) -> str:
    """A participant may suggest any field of the level; the text goes to the console."""
    if field not in fields_of(level):
        raise DomainError(
            "unknown_field",
            gettext(
                "Items of %(level)s have the fields %(fields)s; not %(field)s.",
                level=repr(level),
                fields=", ".join(fields_of(level)),
                field=repr(field),
            ),
        )
    return field


# --------------------------------------------------------------------------- alignment


@dataclass(frozen=True)
class AlignedItem:
    """A selected item as the alignment check sees it."""

    idea_id: int
    level: str
    links: tuple[int, ...]
    fields: Mapping[str, Any]
    tie_break: bool = False
    """Selected only by a tie-break at its stage's cut."""
    category: str | None = None
    """The category the item was brainstormed in (a SWOT item's `threats`), if any."""
    mitigated_by: tuple[int, ...] = ()
    """A risk's mitigating projects."""
    high_risk: bool = False
    """A risk rated above both scales' midpoints (the caller decides: quadrant `big_bet`)."""


@dataclass(frozen=True)
class Gaps:
    """What the plan must surface: the places where alignment breaks."""

    unserved_goals: tuple[int, ...]
    unaligned_programs: tuple[int, ...]
    unaligned_projects: tuple[int, ...]
    projects_without_owner: tuple[int, ...]
    projects_without_due: tuple[int, ...]

    def any(self) -> bool:
        """Whether there is at least one gap."""
        return any(
            (
                self.unserved_goals,
                self.unaligned_programs,
                self.unaligned_projects,
                self.projects_without_owner,
                self.projects_without_due,
            )
        )


def find_gaps(items: Sequence[AlignedItem], levels_present: set[str]) -> Gaps:
    """Goals nothing serves; programs and projects that serve no goal (directly or through a
    program); projects without an owner or a completion date.

    A gap is only reported about levels the agenda produced: a workshop without a projects
    stage does not call every goal unserved by projects, only by programs or projects it has.
    """
    by_id = {item.idea_id: item for item in items}
    goals = [item for item in items if item.level == "goals"]
    served: set[int] = set()
    for item in items:
        # Only what serves counts: a goal's links to the situation or a risk's to what it
        # threatens make nothing served.
        if item.level in SERVING_LEVELS:
            served.update(item.links)

    def reaches_goal(item: AlignedItem, seen: frozenset[int] = frozenset()) -> bool:
        for parent_id in item.links:
            parent = by_id.get(parent_id)
            if parent is None or parent_id in seen:
                continue
            if parent.level == "goals" or reaches_goal(parent, seen | {parent_id}):
                return True
        return False

    servers_present = bool(levels_present & {"programs", "projects", "actions"})
    programs = [item for item in items if item.level == "programs"]
    projects = [item for item in items if item.level == "projects"]
    goals_present = "goals" in levels_present
    return Gaps(
        unserved_goals=tuple(
            goal.idea_id for goal in goals if servers_present and goal.idea_id not in served
        ),
        unaligned_programs=tuple(
            p.idea_id for p in programs if goals_present and not reaches_goal(p)
        ),
        unaligned_projects=tuple(
            p.idea_id for p in projects if goals_present and not reaches_goal(p)
        ),
        projects_without_owner=tuple(p.idea_id for p in projects if not p.fields.get("owner")),
        projects_without_due=tuple(p.idea_id for p in projects if not p.fields.get("due")),
    )


# --------------------------------------------------------------------------- every gap

GAP_KINDS: tuple[str, ...] = (
    "unanswered_threat",
    "unserved_goal",
    "goal_without_metric",
    "unaligned_program",
    "program_without_manager",
    "program_without_metric",
    "unaligned_project",
    "project_without_owner",
    "project_without_due",
    "unmitigated_risk",
    "action_without_owner",
    "action_without_due",
    "action_without_project",
    "date_outside_horizon",
    "date_in_past",
    "dates_reversed",
    "tie_break_selection",
)
"""Every kind of gap `plan_gaps` reports, in the order a plan lists them."""


@dataclass(frozen=True)
class Gap:
    """One gap: its kind, the item it is about and, when the kind alone does not say, what
    exactly is wrong (which date, of which field)."""

    kind: str
    idea_id: int
    detail: str | None = None


@dataclass(frozen=True)
class Horizon:
    """The plan's own dates: the day it is dated and the first and last years it covers."""

    today: date
    first_year: int
    last_year: int


DATE_NAMES: dict[str, dict[str, str]] = {
    "programs": {"start": N_("start date"), "end": N_("end date")},
    "projects": {"start": N_("start date"), "due": N_("completion date")},
    "actions": {"due": N_("date")},
}
"""The dates an item of each level has in its own fields, by field, in the plan's words."""

END_FIELDS: dict[str, str] = {"programs": "end", "projects": "due"}
"""The field a level's start date must not come after."""


def _dates_of(item: AlignedItem) -> list[tuple[str, str]]:
    """Every date of an item as (what it is, YYYY-MM-DD): its own dates, then its metrics'."""
    out = [
        (gettext(name), str(item.fields[field]))
        for field, name in DATE_NAMES.get(item.level, {}).items()
        if item.fields.get(field)
    ]
    for metric in item.fields.get("metrics") or ():
        if isinstance(metric, Mapping) and metric.get("due"):
            name = gettext("due date of the metric %(metric)s", metric=repr(metric.get("metric")))
            out.append((name, str(metric["due"])))
    return out


def _day(written: str) -> date | None:
    try:
        return date.fromisoformat(written)
    except ValueError:
        return None


def _date_gaps(item: AlignedItem, horizon: Horizon) -> list[Gap]:
    """A date after the horizon's last year or before its first is outside the horizon; one
    inside it but before the plan's date is past (one gap per date, the horizon first). A
    start after the item's end or completion date has its own kind, `dates_reversed`."""
    gaps: list[Gap] = []
    for name, written in _dates_of(item):
        day = _day(written)
        if day is None:
            continue
        if day.year > horizon.last_year:
            detail = gettext(
                "%(name)s %(date)s, after the horizon ends (%(year)s)",
                name=name,
                date=written,
                year=horizon.last_year,
            )
            gaps.append(Gap("date_outside_horizon", item.idea_id, detail))
        elif day.year < horizon.first_year:
            detail = gettext(
                "%(name)s %(date)s, before the horizon begins (%(year)s)",
                name=name,
                date=written,
                year=horizon.first_year,
            )
            gaps.append(Gap("date_outside_horizon", item.idea_id, detail))
        elif day < horizon.today:
            detail = gettext(
                "%(name)s %(date)s, before the plan's date (%(today)s)",
                name=name,
                date=written,
                today=horizon.today.isoformat(),
            )
            gaps.append(Gap("date_in_past", item.idea_id, detail))
    end_field = END_FIELDS.get(item.level)
    if end_field is not None:
        start, end = item.fields.get("start"), item.fields.get(end_field)
        first, last = _day(str(start or "")), _day(str(end or ""))
        if first is not None and last is not None and first > last:
            end_name = gettext(DATE_NAMES[item.level][end_field])
            detail = gettext(
                "start date %(start)s, after its %(end_name)s %(end)s",
                start=start,
                end_name=end_name,
                end=end,
            )
            gaps.append(Gap("dates_reversed", item.idea_id, detail))
    return gaps


def plan_gaps(
    items: Sequence[AlignedItem], levels_present: set[str], horizon: Horizon | None = None
) -> tuple[Gap, ...]:
    """Every gap of a plan, in `GAP_KINDS` order, then in the order of `items` (the plan's
    items, in agenda and rank order; only the items in the plan: a dropped item is neither a
    gap nor served by anything, and a link to it counts as nothing).

    Selected situation items in `ANSWERED_CATEGORIES` (weaknesses, threats) that no goal
    links to, when the agenda has a goals stage (`unanswered_threat`); the alignment gaps of
    `find_gaps`; high risks that no project in the plan mitigates, when the agenda has a
    projects stage (`unmitigated_risk`); goals and programs without a success metric; programs
    without a manager (their `owner`); actions without an owner or a date, and, when the
    agenda has a projects stage, actions that serve no project; dates outside the `horizon`
    or before its day (none checked without a horizon); a start after its end; and items
    selected only by a tie-break. As in `find_gaps`, a level the agenda did not produce
    is never the reason for a gap.
    """
    in_plan = {item.idea_id for item in items}
    kept = [
        AlignedItem(
            item.idea_id,
            item.level,
            tuple(link for link in item.links if link in in_plan),
            item.fields,
            item.tie_break,
            item.category,
            tuple(link for link in item.mitigated_by if link in in_plan),
            item.high_risk,
        )
        for item in items
    ]
    by_id = {item.idea_id: item for item in kept}
    alignment = find_gaps(kept, levels_present)
    found: dict[str, list[Gap]] = {kind: [] for kind in GAP_KINDS}

    def add(kind: str, ids: Sequence[int]) -> None:
        found[kind].extend(Gap(kind, idea_id) for idea_id in ids)

    def of(level: str) -> list[AlignedItem]:
        return [item for item in kept if item.level == level]

    if "goals" in levels_present:
        answered = {link for goal in of("goals") for link in goal.links}
        add(
            "unanswered_threat",
            [
                s.idea_id
                for s in of("situation")
                if s.category in ANSWERED_CATEGORIES and s.idea_id not in answered
            ],
        )
    add("unserved_goal", alignment.unserved_goals)
    add("unaligned_program", alignment.unaligned_programs)
    add("unaligned_project", alignment.unaligned_projects)
    add("project_without_owner", alignment.projects_without_owner)
    add("project_without_due", alignment.projects_without_due)
    if "projects" in levels_present:
        add(
            "unmitigated_risk",
            [
                r.idea_id
                for r in of("risks")
                if r.high_risk and not any(by_id[m].level == "projects" for m in r.mitigated_by)
            ],
        )
    add("goal_without_metric", [g.idea_id for g in of("goals") if not g.fields.get("metrics")])
    programs = of("programs")
    add("program_without_manager", [p.idea_id for p in programs if not p.fields.get("owner")])
    add("program_without_metric", [p.idea_id for p in programs if not p.fields.get("metrics")])
    actions = of("actions")
    add("action_without_owner", [a.idea_id for a in actions if not a.fields.get("owner")])
    add("action_without_due", [a.idea_id for a in actions if not a.fields.get("due")])
    if "projects" in levels_present:
        add(
            "action_without_project",
            [
                a.idea_id
                for a in actions
                if not any(by_id[link].level == "projects" for link in a.links)
            ],
        )
    if horizon is not None:
        for item in kept:
            for gap in _date_gaps(item, horizon):
                found[gap.kind].append(gap)
    add("tie_break_selection", [item.idea_id for item in kept if item.tie_break])
    return tuple(gap for kind in GAP_KINDS for gap in found[kind])
