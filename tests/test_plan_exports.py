"""The exports for the people who run the plan: `register.csv` (every program, project and
action with owner, sponsor, dates, status, what it serves and its gaps) and `roadmap.ics`
(the plan's dates as all-day events), read back with `csv` and `icalendar`.

A real workshop (goals → programs → projects → actions, linked and defined from the console
over Socket.IO, on the real database) is finished, then its exports are downloaded over HTTP
as the facilitator, a participant, a share link and after a review, with the plan downloads'
rules. The ICS writer's folding and escaping are checked on their own as well.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import icalendar
import pytest

from tests.factories import Room, ok
from tests.plan_samples import board_plan, full_plan
from tests.test_http import bearer, error_of
from tests.test_plan_assembly import Day, open_day, stage_body, step
from workshop.plan import from_dict
from workshop.plan.document import gap_flags
from workshop.plan.ics import LINE_OCTETS, escape_text, fold, render_ics
from workshop.plan.register_csv import COLUMNS, render_register

AGENDA = (
    stage_body("goals", step("brainstorm"), step("vote"), step("done", select_count=2),
               step("define")),
    stage_body("programs", step("brainstorm"), step("vote"), step("done", select_count=1),
               step("link"), step("define")),
    stage_body("projects", step("brainstorm"), step("vote"), step("done", select_count=2),
               step("link"), step("define")),
    stage_body("actions", step("brainstorm"), step("done", select_count=0), step("link"),
               step("define"), title="Action items"),
)  # fmt: skip
GOAL, UNSERVED_GOAL = "More small businesses survive year three", "A greener high street"
PROGRAM = "Small-business funding program"
PROJECT, JUNK_PROJECT = "Community events, quarterly", '=HYPERLINK("http://evil.example","x")'
ACTION, UNDATED_ACTION = "Book the town hall; send invitations", "@ask the council"
GOAL_METRIC = {"metric": "Businesses alive after 3 years", "baseline": "41%", "target": "60%",
               "due": "2029-12-31"}  # fmt: skip
PROGRAM_METRIC = {"metric": "Grants paid", "target": "120", "due": "2028-06-30"}


def run_plan_day(room: Room, *, finish: bool = True) -> Day:
    """Every level written, decided in writing order, linked and defined from the console."""
    day = open_day(room, *AGENDA)
    day.write("goals", (GOAL, day.ana), (UNSERVED_GOAL, day.ben))
    day.to("vote", "goals")
    day.to("done", "goals")
    day.to("define", "goals")
    update(day, GOAL, metrics=[GOAL_METRIC])
    day.to("brainstorm", "programs")
    day.write("programs", (PROGRAM, day.ana), ("A second program", day.cy))
    day.to("vote", "programs")
    day.to("done", "programs")
    day.to("link", "programs")
    link(day, PROGRAM, GOAL)
    day.to("define", "programs")
    update(day, PROGRAM, owner="Maria Costa", budget="EUR 2.5 million over 5 years",
           start="2027-01-01", end="2031-12-31", metrics=[PROGRAM_METRIC])  # fmt: skip
    day.to("brainstorm", "projects")
    day.write("projects", (PROJECT, day.ben), (JUNK_PROJECT, day.cy), ("Third", day.ana))
    day.to("vote", "projects")
    day.to("done", "projects")
    day.to("link", "projects")
    link(day, PROJECT, PROGRAM, GOAL)
    day.to("define", "projects")
    update(day, PROJECT, owner="Jon Berg", sponsor="Deputy mayor", start="2027-02-01",
           due="2027-09-30", budget="$40,000")  # fmt: skip
    update(day, JUNK_PROJECT, owner="+Ben")
    day.to("brainstorm", "actions")
    day.write("actions", (ACTION, day.ana), (UNDATED_ACTION, day.ben))
    day.to("done", "actions")
    day.to("link", "actions")
    link(day, ACTION, PROJECT)
    day.to("define", "actions")
    update(day, ACTION, owner="Ana", due="2027-03-01")
    if finish:
        ok(day.fac, "workshop:finish")
    return day


def update(day: Day, text: str, **fields: Any) -> None:
    ok(day.fac, "item:update", {"idea_id": day.ideas[text], "fields": fields})


def link(day: Day, text: str, *parents: str) -> None:
    parent_ids = [day.ideas[parent] for parent in parents]
    ok(day.fac, "link:confirm", {"idea_id": day.ideas[text], "parent_ids": parent_ids})


def get(day: Day, file: str, query: str = "", secret: str | None = None) -> Any:
    """A download as the facilitator (or with `secret` as the Bearer)."""
    room = day.room
    return room.client.get(
        f"/api/workshops/{room.id}/{file}{query}",
        headers=bearer(room.key if secret is None else secret),
    )


UID = re.compile(r"([0-9a-f]{12})-([0-9]+-[a-z0-9-]+)@strategy-workshop")
"""An event's UID: the plan's key, then the item's id and what the date is."""


def register_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def events(data: bytes) -> dict[str, icalendar.Event]:
    """The calendar's events by UID (checking the file's shape on the way)."""
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= LINE_OCTETS for line in data.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(data)
    listed = calendar.walk("VEVENT")
    matched = [UID.fullmatch(str(event["UID"])) for event in listed]
    assert all(matched), [str(event["UID"]) for event in listed]
    assert len({uid.group(1) for uid in matched if uid}) <= 1  # one plan, one key
    found = {uid.group(2): event for uid, event in zip(matched, listed, strict=True) if uid}
    assert len(found) == len(calendar.walk("VEVENT"))  # every UID once
    return found


def uids(data: bytes) -> set[str]:
    """Every event's whole UID."""
    return {str(event["UID"]) for event in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def metric_event(found: dict[str, icalendar.Event], idea_id: int) -> icalendar.Event:
    """The one metric milestone of an item."""
    (event,) = [e for what, e in found.items() if what.startswith(f"{idea_id}-metric-")]
    return event


def plan_json(day: Day, query: str = "") -> dict[str, Any]:
    response = get(day, "plan.json", query)
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = json.loads(response.get_data())
    return data


def filename_of(response: Any) -> str:
    match = re.search(r'filename="([^"]*)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


# --------------------------------------------------------------------------- register.csv


def test_the_register_lists_every_program_project_and_action_with_its_gaps(room: Room) -> None:
    day = run_plan_day(room)
    response = get(day, "register.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert filename_of(response).startswith("register-")
    assert filename_of(response).endswith(".csv")
    rows = register_rows(response.get_data())
    flags = gap_flags(from_dict(plan_json(day)))

    def gaps(text: str) -> str:
        return "; ".join(flags.get(day.ideas[text], ()))

    assert [(row["Type"], row["Item"]) for row in rows] == [
        ("Program", PROGRAM),
        ("Project", PROJECT),
        ("Project", "'" + JUNK_PROJECT),  # defused: a spreadsheet shows it, never runs it
        ("Action", ACTION),
        ("Action", "'" + UNDATED_ACTION),
    ]
    program, project, junk, action, undated = rows
    assert program == {
        "Type": "Program",
        "Item": PROGRAM,
        "Owner": "Maria Costa",  # the program manager
        "Sponsor": "",
        "Start": "2027-01-01",
        "Due": "2031-12-31",  # the program's end
        "Status": "not started",
        "Serves": f"Goal: {GOAL}",
        "Gaps": gaps(PROGRAM),
        "Plan version": "1",
    }
    assert project == {
        "Type": "Project",
        "Item": PROJECT,
        "Owner": "Jon Berg",
        "Sponsor": "Deputy mayor",
        "Start": "2027-02-01",
        "Due": "2027-09-30",  # the completion date
        "Status": "not started",
        "Serves": f"Goal: {GOAL}; Program: {PROGRAM}",  # in plan order
        "Gaps": gaps(PROJECT),
        "Plan version": "1",
    }
    assert (junk["Owner"], junk["Serves"], junk["Due"]) == ("'+Ben", "", "")
    assert "Project that serves no goal" in junk["Gaps"].split("; ")
    assert "Project without a completion date" in junk["Gaps"].split("; ")
    assert junk["Gaps"] == gaps(JUNK_PROJECT)
    assert (action["Owner"], action["Due"], action["Serves"]) == (
        "Ana",
        "2027-03-01",
        f"Project: {PROJECT}",
    )
    assert (undated["Owner"], undated["Due"], undated["Gaps"]) == ("", "", gaps(UNDATED_ACTION))
    # Renders are deterministic: the same version gives the same bytes.
    assert render_register(from_dict(plan_json(day))) == response.get_data()


def test_every_formula_start_is_defused_in_the_register() -> None:
    plan = full_plan()
    stages = []
    for stage in plan.stages:
        if stage.key == "projects":
            first = stage.items[0]
            fields = {**first.fields, "owner": "-1+1", "sponsor": "@SUM(A1)", "text": "\tTabbed"}
            stage = replace(stage, items=(replace(first, fields=fields), *stage.items[1:]))
        stages.append(stage)
    rows = register_rows(render_register(replace(plan, stages=tuple(stages))))
    tug = next(row for row in rows if row["Type"] == "Project")
    assert (tug["Item"], tug["Owner"], tug["Sponsor"]) == ("'\tTabbed", "'-1+1", "'@SUM(A1)")
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_an_item_dropped_in_review_is_in_neither_export_nor_served_by_anything() -> None:
    """The board's plan with the website project (134) dropped: gone from the register and
    the calendar, and the action that served it serves nothing in the plan."""
    kept, dropped = board_plan(), board_plan(dropped=(134,))
    website = "Rebrand the department's website"
    before = {row["Item"]: row for row in register_rows(render_register(kept))}
    after = {row["Item"]: row for row in register_rows(render_register(dropped))}
    assert website in before and website not in after
    assert set(before) - set(after) == {website}
    content_plan = "Write the website content plan"
    assert before[content_plan]["Serves"] == f"Project: {website}"
    assert after[content_plan]["Serves"] == ""
    assert "134-due" in events(render_ics(kept))
    calendar = events(render_ics(dropped))
    assert "134-due" not in calendar
    assert "Serves" not in str(calendar["147-due"]["DESCRIPTION"])
    # Every other dated item of the board's plan is in the calendar.
    assert len(calendar) == len(events(render_ics(kept))) - 1


# --------------------------------------------------------------------------- roadmap.ics


def test_the_roadmap_has_an_all_day_event_for_every_date_the_plan_commits_to(
    room: Room,
) -> None:
    day = run_plan_day(room)
    response = get(day, "roadmap.ics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r"roadmap-[a-z0-9-]+\.ics", filename_of(response))
    data = response.get_data()
    calendar = icalendar.Calendar.from_ical(data)
    title = plan_json(day)["title"]
    assert str(calendar["X-WR-CALNAME"]) == title
    found = events(data)
    ids = day.ideas
    goal_metric, program_metric = metric_event(found, ids[GOAL]), metric_event(found, ids[PROGRAM])
    expected = {
        f"{ids[PROGRAM]}-end": (date(2031, 12, 31), "Program ends: "),
        f"{ids[PROJECT]}-due": (date(2027, 9, 30), "Project completion: "),
        f"{ids[ACTION]}-due": (date(2027, 3, 1), "Action due: "),
    }
    assert len(found) == len(expected) + 2
    assert set(expected) <= set(found)
    published = datetime.fromisoformat(plan_json(day)["published_at"])
    checked = [(found[what], *when) for what, when in expected.items()]
    checked += [
        (goal_metric, date(2029, 12, 31), "Milestone: "),
        (program_metric, date(2028, 6, 30), "Milestone: "),
    ]
    for event, day_of, prefix in checked:
        assert event["DTSTART"].dt == day_of  # a date, not a time: all day
        assert not isinstance(event["DTSTART"].dt, datetime)
        assert (event["DTEND"].dt - day_of).days == 1
        assert event["DTSTAMP"].dt == published  # the publication time, never the clock
        assert str(event["SUMMARY"]).startswith(prefix), event["SUMMARY"]
    assert str(found[f"{ids[ACTION]}-due"]["SUMMARY"]) == f"Action due: {ACTION}"
    assert str(goal_metric["SUMMARY"]) == (
        "Milestone: Businesses alive after 3 years from 41% to 60%"
    )
    description = str(found[f"{ids[PROJECT]}-due"]["DESCRIPTION"])
    assert description.splitlines() == [
        "Owner: Jon Berg",
        f"Serves: {GOAL}; {PROGRAM}",
        f"From the plan: {title}, version 1",
    ]
    # In date order, and deterministic.
    starts = [event["DTSTART"].dt for event in calendar.walk("VEVENT")]
    assert starts == sorted(starts)
    assert render_ics(from_dict(plan_json(day))) == data


def test_a_title_with_commas_semicolons_emoji_and_length_folds_and_reads_back() -> None:
    title = "Port 2031; growth, jobs & a clean harbour 🚀🌊 — " + "Ωmega strategy " * 8
    summary_text = 'Back\\slash, "quotes"; two\nlines 😀 ' + "é" * 90
    plan = full_plan()
    stages = []
    for stage in plan.stages:
        if stage.key == "actions":
            first = stage.items[0]
            fields = {**first.fields, "text": summary_text}
            stage = replace(stage, items=(replace(first, fields=fields), *stage.items[1:]))
        stages.append(stage)
    data = render_ics(replace(plan, title=title, stages=tuple(stages)))
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and b"\n" not in b"".join(lines)  # CRLF ends every line
    assert max(len(line) for line in lines) <= LINE_OCTETS
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # no character cut in two by a fold
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == title
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert f"Action due: {summary_text}" in summaries


def test_uids_differ_between_workshops_and_stay_when_a_metric_goes() -> None:
    """Idea ids repeat across installations, so the UID carries the plan's own key; and a
    metric's event is known by its name, not its place in the list."""
    plan = board_plan()
    other = replace(plan, title="Another county 2031")  # same ids, another workshop
    assert uids(render_ics(plan)).isdisjoint(uids(render_ics(other)))
    later = replace(plan, finished_at="2027-01-05 09:00 UTC")  # another run of the same day
    assert uids(render_ics(plan)).isdisjoint(uids(render_ics(later)))
    assert uids(render_ics(replace(plan, version=2, published_at="2027-01-01T00:00:00+00:00"))) == (
        uids(render_ics(plan))
    )
    goal = next(item for item in plan.selected_of("goals") if item.fields.get("metrics"))
    first = {**goal.fields["metrics"][0], "due": "2029-06-30", "metric": "First measure"}
    second = {**goal.fields["metrics"][0], "due": "2030-06-30", "metric": "Second measure"}

    def with_metrics(*metrics: dict[str, Any]) -> set[str]:
        stages = tuple(
            replace(stage, items=tuple(
                replace(item, fields={**item.fields, "metrics": list(metrics)})
                if item.id == goal.id else item
                for item in stage.items
            ))
            for stage in plan.stages
        )  # fmt: skip
        found = events(render_ics(replace(plan, stages=stages)))
        return {what for what in found if what.startswith(f"{goal.id}-metric-")}

    both, only_second = with_metrics(first, second), with_metrics(second)
    assert len(both) == 2 and len(only_second) == 1
    assert only_second < both
    assert len(with_metrics(first, first)) == 2  # two metrics of one name: two events


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a, b; c", "a\\, b\\; c"),
        ("back\\slash", "back\\\\slash"),
        ("one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
        ("colon: stays", "colon: stays"),
    ],
)
def test_text_values_are_escaped_as_rfc_5545_says(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


@pytest.mark.parametrize(
    "line",
    ["X:" + "a" * 73, "X:" + "a" * 74, "X:" + "é" * 80, "X:" + "🚀" * 40, "X:" + "a" * 300],
)
def test_folding_keeps_every_line_within_75_octets_and_unfolds_to_the_original(
    line: str,
) -> None:
    folded = fold(line).encode()
    assert folded.endswith(b"\r\n")
    parts = folded[:-2].split(b"\r\n")
    assert all(len(part) <= LINE_OCTETS for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    assert b"".join([parts[0], *(part[1:] for part in parts[1:])]).decode() == line
    assert (len(parts) == 1) is (len(line.encode()) <= LINE_OCTETS)


# --------------------------------------------------------------------------- access, versions


def test_a_participant_gets_the_exports_after_the_finish_and_not_before(room: Room) -> None:
    day = run_plan_day(room, finish=False)
    token = day.people[0].token
    for file in ("register.csv", "roadmap.ics"):
        refused = get(day, file, secret=token)
        assert refused.status_code == 409, file
        assert error_of(refused) == "not_finished"
        stranger = room.client.get(f"/api/workshops/{room.id}/{file}")
        assert stranger.status_code == 401, file
        # The facilitator's draft, marked as such.
        draft = get(day, file)
        assert draft.status_code == 200, file
        assert filename_of(draft).endswith(f"-draft.{file.rsplit('.', 1)[1]}")
    assert {row["Plan version"] for row in register_rows(get(day, "register.csv").get_data())} == {
        "DRAFT"
    }
    assert b"DRAFT" in get(day, "roadmap.ics").get_data()
    ok(day.fac, "workshop:finish")
    for file in ("register.csv", "roadmap.ics"):
        as_participant = get(day, file, secret=token)
        assert as_participant.status_code == 200, file
        assert as_participant.get_data() == get(day, file).get_data()


def test_a_share_link_serves_both_exports(room: Room) -> None:
    day = run_plan_day(room)
    made = room.client.post(f"/api/workshops/{room.id}/shares", headers=bearer(room.key))
    assert made.status_code == 201, made.get_json()
    path = "/" + made.get_json()["url"].split("/", 3)[3]
    for file in ("register.csv", "roadmap.ics"):
        shared = room.client.get(f"{path}/{file}")
        assert shared.status_code == 200, file
        assert shared.headers["Referrer-Policy"] == "no-referrer"
        assert shared.get_data() == get(day, file).get_data()
        assert room.client.get(f"{path}/{file}?version=1").get_data() == shared.get_data()


def test_a_review_gives_version_2_of_the_exports_and_version_1_stays(room: Room) -> None:
    day = run_plan_day(room)
    v1_register, v1_calendar = get(day, "register.csv"), get(day, "roadmap.ics")
    body = {
        "based_on": 1,
        "items": [
            {"id": day.ideas[JUNK_PROJECT], "fields": {"owner": "Kim Lee", "due": "2028-03-31"}},
        ],
        "note": "Owners from the board",
    }
    published = room.client.post(
        f"/api/workshops/{room.id}/plan/versions", json=body, headers=bearer(room.key)
    )
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["urls"]["register"].endswith("/register.csv?version=2")
    assert published.get_json()["urls"]["roadmap"].endswith("/roadmap.ics?version=2")

    latest = get(day, "register.csv")
    assert re.fullmatch(r"register-[a-z0-9-]+-v2\.csv", filename_of(latest))
    junk = next(row for row in register_rows(latest.get_data()) if row["Type"] == "Project"
                and row["Item"] == "'" + JUNK_PROJECT)  # fmt: skip
    assert (junk["Owner"], junk["Due"], junk["Plan version"]) == ("Kim Lee", "2028-03-31", "2")
    assert "Project without a completion date" not in junk["Gaps"]
    assert get(day, "register.csv", "?version=2").get_data() == latest.get_data()
    assert get(day, "register.csv", "?version=1").get_data() == v1_register.get_data()

    calendar = get(day, "roadmap.ics")
    found = events(calendar.get_data())
    uid = f"{day.ideas[JUNK_PROJECT]}-due"
    assert found[uid]["DTSTART"].dt == date(2028, 3, 31)
    assert int(found[uid]["SEQUENCE"]) == 2
    v2_published = datetime.fromisoformat(plan_json(day)["published_at"])
    assert found[uid]["DTSTAMP"].dt == v2_published
    assert uid not in events(v1_calendar.get_data())
    # Every event of version 1 keeps its UID in version 2, so a calendar updates it.
    assert uids(v1_calendar.get_data()) < uids(calendar.get_data())
    assert get(day, "roadmap.ics", "?version=1").get_data() == v1_calendar.get_data()
    missing = get(day, "roadmap.ics", "?version=3")
    assert missing.status_code == 404
    assert error_of(missing) == "version_not_found"
