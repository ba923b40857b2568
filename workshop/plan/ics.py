"""The roadmap's dates as an iCalendar file (RFC 5545), for the calendars of the people who
run the plan.

One all-day event per date the plan commits to: each goal's and program's success metric
due date (a milestone), each program's end, each project's completion date and each action's
date. Dropped items are not in the plan, so not in the calendar.

The file is deterministic like every format: the same plan gives the same bytes. DTSTAMP is
the version's publication time (never the clock). Each event's UID is the same in every
version of the plan, so importing a later version updates the events instead of adding them
twice (SEQUENCE is the plan's version), and differs from every other workshop's (RFC 5545
wants UIDs globally unique; idea ids are unique only within one installation): it is made of
a digest of what identifies the workshop's plan (title, organisation and finish time, which
no review changes), the item's id, and what the date is (a metric by a digest of its name,
so removing one metric does not move another's event).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..i18n import N_, gettext
from .document import PlanDocument, PlanItem, StageOutcome, count_text, labelled, metric_line

PRODID = "-//Strategy Workshop//Roadmap//EN"
UID_DOMAIN = "strategy-workshop"
LINE_OCTETS = 75
"""RFC 5545 3.1: lines longer than 75 octets are folded (CRLF, then one space)."""
LEVEL_WORDS = {
    "goals": N_("Success metric of the goal “%(item)s”"),
    "programs": N_("Success metric of the program “%(item)s”"),
    "projects": N_("Success metric of the project “%(item)s”"),
    "actions": N_("Success metric of the action “%(item)s”"),
}
"""The levels whose items have dates, with what a metric's milestone says of its item."""


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event: its date, a stable UID, a summary and a description."""

    day: date
    uid: str
    summary: str
    description: str


def escape_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says: backslash, semicolon, comma and line
    breaks."""
    out = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return out.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a UTF-8 character; CRLF ended."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            # A continuation line starts with a space, which counts toward its 75 octets.
            current, size, limit = char, width, LINE_OCTETS - 1
        else:
            current += char
            size += width
    pieces.append(current)
    return "\r\n ".join(pieces) + "\r\n"


def _day(value: Any) -> date | None:
    """A YYYY-MM-DD field as a date; None when absent or not a date (an old stored plan)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def plan_key(plan: PlanDocument) -> str:
    """What tells this workshop's plan from any other's, in every version: 12 hex digits."""
    return _digest("\x1f".join((plan.title, plan.organization or "", plan.finished_at)), 12)


def _serves(plan: PlanDocument, item: PlanItem) -> str:
    """The wordings of the items in the plan it serves, in plan order."""
    return "; ".join(
        parent.wording
        for stage in plan.stages
        for parent in stage.selected
        if parent.id in item.links
    )


def _item_events(
    plan: PlanDocument, stage: StageOutcome, item: PlanItem
) -> Iterator[CalendarEvent]:
    level = LEVEL_WORDS.get(stage.key)
    if level is None:
        return
    fields = item.fields
    owner = fields.get("owner")
    role = gettext("Program manager") if stage.key == "programs" else gettext("Owner")
    facts = [labelled(role, owner)] if owner else []
    if _serves(plan, item):
        facts.append(labelled(gettext("Serves"), _serves(plan, item)))
    prefix = f"{plan_key(plan)}-{item.id}"
    if stage.key in ("goals", "programs"):
        seen: set[str] = set()
        for metric in fields.get("metrics") or []:
            due = _day(metric.get("due"))
            if due is None:
                continue
            key = _digest(str(metric.get("metric")), 8)
            while key in seen:  # two metrics of one name: the second gets the next key
                key = _digest(key, 8)
            seen.add(key)
            measure = metric_line({**metric, "due": None})
            yield CalendarEvent(
                due,
                f"{prefix}-metric-{key}@{UID_DOMAIN}",
                labelled(gettext("Milestone"), measure),
                "\n".join([gettext(level, item=item.wording), *facts]),
            )
    dated = {
        "programs": ("end", N_("Program ends")),
        "projects": ("due", N_("Project completion")),
        "actions": ("due", N_("Action due")),
    }.get(stage.key)
    if dated is None:
        return
    name, what = dated
    due = _day(fields.get(name))
    if due is not None:
        yield CalendarEvent(
            due,
            f"{prefix}-{name}@{UID_DOMAIN}",
            labelled(gettext(what), item.wording),
            "\n".join(facts),
        )


def calendar_events(plan: PlanDocument) -> list[CalendarEvent]:
    """Every dated commitment of the items in the plan, by date, then in plan order."""
    events = [
        event
        for stage in plan.stages
        for item in stage.selected
        for event in _item_events(plan, stage, item)
    ]
    return sorted(events, key=lambda event: event.day)  # stable: plan order within a day


def _stamp(plan: PlanDocument) -> str:
    """The version's publication time in UTC, as a DATE-TIME: 20261201T163000Z."""
    try:
        moment = datetime.fromisoformat(plan.published_at)
    except ValueError:
        moment = datetime(plan.start_year or 1970, 1, 1, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _basic(day: date) -> str:
    """A DATE value: 20270630."""
    return day.isoformat().replace("-", "")


def render_ics(plan: PlanDocument) -> bytes:
    """The calendar, UTF-8 with CRLF line ends and folded lines."""
    version = (
        gettext("DRAFT")
        if plan.draft
        else gettext("version %(version)s", version=count_text(plan.version))
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        # The value type said outright: a non-standard property is TEXT by default (RFC 5545
        # 3.8.8.2), so its commas and semicolons are escaped, but not every reader knows that.
        f"X-WR-CALNAME;VALUE=TEXT:{escape_text(plan.title)}",
    ]
    stamp = _stamp(plan)
    footer = gettext("From the plan: %(title)s, %(version)s", title=plan.title, version=version)
    for event in calendar_events(plan):
        if event.day == date.max:
            continue  # no day after it to end on; no plan runs that long
        description = "\n".join(part for part in (event.description, footer) if part)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{plan.version}",
            f"DTSTART;VALUE=DATE:{_basic(event.day)}",
            f"DTEND;VALUE=DATE:{_basic(event.day + timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"DESCRIPTION:{escape_text(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")
