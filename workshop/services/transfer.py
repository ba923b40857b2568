"""A workshop's complete data as JSON, and a new workshop made from such a file: what the
server's admin exports and imports (`/admin`).

The export holds every row of the workshop (`persistence/rows.py` finds them) but its secrets:
the facilitator's and the admin's key hashes, the projector token, the participants' token
hashes and the share links. Each activity exports and imports its own rows through its
`Activity` hooks (`export_rows`, `import_rows`, `remap_entry`, `remap_standings`), so nothing
here names a kind. An import makes a new workshop (new id, join code, facilitator key,
projector token and participant tokens) with every id remapped, stages, participants and ideas
keeping their order (a lower id is still the earlier idea, so every tie-break is the same),
and the plan versions and plan files stored verbatim: the imported workshop's state, results
and plan bytes equal the source's. A bad file is refused as a whole (`invalid_import`,
"<where>: <what>") and nothing is stored. The format: docs/api.md, "Workshop export".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from .. import activities
from ..activities.base import (
    Activity,
    IdMap,
    invalid_import,
    row_json,
    row_values,
)
from ..core.agenda import HORIZONS
from ..core.errors import DomainError
from ..core.security import hash_secret, new_join_code, new_secret, new_workshop_id
from ..persistence.db import begin_write
from ..persistence.models import (
    AgendaTemplate,
    Counter,
    Entry,
    Idea,
    IdeaMerge,
    Participant,
    PlanFile,
    PlanShare,
    PlanVersion,
    Stage,
    StageRound,
    Workshop,
    utcnow,
)
from ..persistence.rows import workshop_rows
from ..plan import RENDERERS
from ..plan.document import REVIEW_CADENCES
from .workshops import CODE_ATTEMPTS, MAX_PARTICIPANTS_LIMIT, TITLE_MAX_LENGTH

FORMAT = "strategy-workshop"
VERSION = 1

SECRETS = ("facilitator_key_hash", "admin_key_hash", "projector_token")
"""The workshop's credentials: never exported; an import makes new ones."""
WORKSHOP_LEFT_OUT = (*SECRETS, "code")
"""The join code is the source's (an import gets a new one), so it is not carried."""
OWNER = ("workshop_id",)
PARTICIPANT_LEFT_OUT = (*OWNER, "token_hash")
NOT_EXPORTED = {
    PlanShare.__tablename__: "share links are secrets: the new workshop shares its plan anew",
    AgendaTemplate.__tablename__: "agendas saved from it belong to the facilitator's library",
}
"""Tables holding rows of a workshop that an export leaves out, and why."""

SECTIONS = (
    "format",
    "version",
    "exported_at",
    "workshop",
    "stages",
    "participants",
    "ideas",
    "merges",
    "rounds",
    "counters",
    "activities",
    "plan_versions",
    "plan_files",
)
"""Every key of a version 1 export, in the order it is written."""

STATUSES = ("active", "finished")


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _activity(kind: str) -> Activity:
    """The activity of a kind, or for a kind no activity on this server declares (a plug-in
    since removed, whose entries stay in `entry`) the default hooks alone."""
    if kind in activities.REGISTRY:
        return activities.registry.get(kind)
    stray: type[Activity] = type(
        "Unregistered", (Activity,), {"kind": kind, "label": kind, "description": ""}
    )
    return stray()


# --------------------------------------------------------------------------- export


def export_workshop(db: Session, workshop: Workshop) -> dict[str, Any]:
    """Everything needed to recreate `workshop` (docs/api.md, "Workshop export"), as JSON
    values: every row of it but its secrets, ids as stored, times in ISO 8601 (UTC), plan
    files in base64."""
    rows = {table.name: found for table, found in workshop_rows(db, workshop.id)}

    def listed(model: type[SQLModel], left_out: Sequence[str] = OWNER) -> list[dict[str, Any]]:
        table = _table(model)
        return [
            {k: v for k, v in row_json(table, row).items() if k not in left_out}
            for row in rows.get(table.name, ())
        ]

    (workshop_row,) = listed(Workshop, WORKSHOP_LEFT_OUT)
    kinds = list(activities.REGISTRY)
    kinds += sorted({str(row["kind"]) for row in rows.get(_table(Entry).name, ())} - set(kinds))
    parts = {kind: _activity(kind).export_rows(rows) for kind in kinds}
    _check_complete(rows, parts)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": row_json(_table(PlanFile), {"created_at": utcnow()})["created_at"],
        "workshop": workshop_row,
        "stages": listed(Stage),
        "participants": listed(Participant, PARTICIPANT_LEFT_OUT),
        "ideas": listed(Idea),
        "merges": listed(IdeaMerge, ()),
        "rounds": listed(StageRound, ()),
        "counters": listed(Counter, ()),
        "activities": {kind: part for kind, part in parts.items() if any(part.values())},
        "plan_versions": listed(PlanVersion),
        "plan_files": listed(PlanFile),
    }


CORE = (Workshop, Stage, Participant, Idea, IdeaMerge, StageRound, Counter, PlanVersion, PlanFile)


def _check_complete(
    rows: Mapping[str, Sequence[Any]], parts: Mapping[str, Mapping[str, Sequence[Any]]]
) -> None:
    """Every row of the workshop is in the export, or left out on purpose (`NOT_EXPORTED`): a
    table nobody exports would be lost on import without a word."""
    exported = {_table(model).name: len(rows.get(_table(model).name, ())) for model in CORE}
    for part in parts.values():
        for name, listed in part.items():
            exported[name] = exported.get(name, 0) + len(listed)
    for name, found in rows.items():
        if found and name not in NOT_EXPORTED and exported.get(name, 0) != len(found):
            raise RuntimeError(  # pragma: no cover - a table an activity failed to declare
                f"The export of table {name} holds {exported.get(name, 0)} of {len(found)} rows."
            )


# --------------------------------------------------------------------------- import


def import_workshop(db: Session, data: Any) -> tuple[Workshop, str]:
    """A new workshop made from an export, and its new facilitator key (committed). Bad data
    raises `invalid_import` naming the first problem, and stores nothing. `data` is the parsed
    file, or its text or bytes."""
    data = _parsed(data)
    begin_write(db)
    try:
        workshop, key = _store(db, data)
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        cause = str(exc.orig).splitlines()[0] if exc.orig is not None else "a constraint"
        raise invalid_import("file", f"rows that contradict each other ({cause})") from None
    except BaseException:
        db.rollback()
        raise
    return workshop, key


def _parsed(data: Any) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_import("file", "not UTF-8 text") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise invalid_import("file", f"not JSON ({exc})") from None
    return data


def _header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise invalid_import("format", f"not a {FORMAT} export")
    version = data.get("version")
    if version != VERSION:
        raise invalid_import(
            "version", f"version {version!r} cannot be read (this server reads version {VERSION})"
        )
    for name in SECTIONS:
        if name not in data:
            raise invalid_import(name, "missing")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise invalid_import(unknown[0], f"not part of version {VERSION}")
    for name in SECTIONS[4:]:
        wanted = dict if name in ("workshop", "activities") else list
        if not isinstance(data[name], wanted):
            raise invalid_import(name, "not an object" if wanted is dict else "not a list")


def _rows(
    data: Mapping[str, Any], section: str, model: type[SQLModel], left_out: Sequence[str]
) -> list[dict[str, Any]]:
    table = _table(model)
    return [
        row_values(table, raw, f"{section}[{n}]", skip=left_out)
        for n, raw in enumerate(data[section])
    ]


def _store(db: Session, data: Any) -> tuple[Workshop, str]:
    _header(data)
    workshop, key = _new_workshop(db, data["workshop"])
    stages = _stages(db, workshop, _rows(data, "stages", Stage, OWNER))
    participants = _participants(
        db, workshop, _rows(data, "participants", Participant, PARTICIPANT_LEFT_OUT)
    )
    ideas_rows = _rows(data, "ideas", Idea, OWNER)
    ideas = _ideas(db, workshop, ideas_rows, stages, participants)
    ids = IdMap(
        workshop_id=workshop.id,
        stages={old: row.id for old, (row, _raw) in stages.items() if row.id is not None},
        participants=participants,
        ideas={old: row.id for old, (row, _raw) in ideas.items() if row.id is not None},
    )
    _references(workshop, data["workshop"], stages, ideas, ids)
    _merges(db, _rows(data, "merges", IdeaMerge, ()), ids)
    _rounds(db, _rows(data, "rounds", StageRound, ()), ids)
    _counters(db, _rows(data, "counters", Counter, ()), ids)
    for kind, part in data["activities"].items():
        _activity(str(kind)).import_rows(db, part, ids, f"activities.{kind}")
    _plan(db, workshop, data)
    db.flush()
    return workshop, key


def _new_workshop(db: Session, raw: Any) -> tuple[Workshop, str]:
    row = row_values(_table(Workshop), raw, "workshop", skip=WORKSHOP_LEFT_OUT)
    title = " ".join(row["title"].split())
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise invalid_import("workshop.title", "a workshop needs a title")
    checks: list[tuple[str, Callable[[Any], bool], str]] = [
        ("status", lambda v: v in STATUSES, f"is one of {', '.join(STATUSES)}"),
        ("horizon_years", lambda v: v in HORIZONS, "is 1, 3, 5 or 10 years"),
        (
            "review_cadence",
            lambda v: v in REVIEW_CADENCES,
            f"is one of {', '.join(REVIEW_CADENCES)}",
        ),
        (
            "max_participants",
            lambda v: 1 <= v <= MAX_PARTICIPANTS_LIMIT,
            f"is from 1 to {MAX_PARTICIPANTS_LIMIT}",
        ),
    ]
    for name, fits, rule in checks:
        if not fits(row[name]):
            raise invalid_import(f"workshop.{name}", f"{row[name]!r}: it {rule}")
    key = new_secret()
    values = {
        **row,
        "current_stage_id": None,
        "focus_idea_id": None,
        "facilitator_key_hash": hash_secret(key),
        "projector_token": new_secret(),
    }
    for _attempt in range(CODE_ATTEMPTS):
        workshop = Workshop(**{**values, "id": new_workshop_id(), "code": new_join_code()})
        try:
            # A savepoint: a code (or id) taken meanwhile rolls back this insert only.
            with db.begin_nested():
                db.add(workshop)
                db.flush()
        except IntegrityError:
            continue
        return workshop, key
    raise DomainError(  # pragma: no cover - as unlikely as in create_workshop
        "code_unavailable", "Could not find a free join code; try again."
    )


def _unique(rows: list[dict[str, Any]], section: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows by their exported id, earliest first; an id given twice is refused."""
    seen: set[int] = set()
    for n, row in enumerate(rows):
        if row["id"] in seen:
            raise invalid_import(f"{section}[{n}].id", f"{row['id']} is given twice")
        seen.add(row["id"])
    return sorted(((row["id"], row) for row in rows), key=lambda pair: pair[0])


def _inserted(db: Session, made: list[Any], section: str) -> None:
    """Flush new rows and check the database numbered them in order (so a lower id is still
    the earlier row)."""
    db.add_all(made)
    db.flush()
    numbers = [row.id for row in made]
    if numbers != sorted(numbers):  # pragma: no cover - every database numbers rows in order
        raise RuntimeError(f"The new {section} were not numbered in order.")


def _stages(
    db: Session, workshop: Workshop, rows: list[dict[str, Any]]
) -> dict[int, tuple[Stage, dict[str, Any]]]:
    out: dict[int, tuple[Stage, dict[str, Any]]] = {}
    made: list[Stage] = []
    where = {row["id"]: n for n, row in enumerate(rows)}
    for old, row in _unique(rows, "stages"):
        at = f"stages[{where[old]}]"
        _check_steps(row, at)
        stage = Stage(
            **{
                **row,
                "id": None,
                "workshop_id": workshop.id,
                "shortlist": [],
                "selected": [],
                "groups": [],
            }
        )
        made.append(stage)
        out[old] = (stage, {**row, "at": at})
    _inserted(db, made, "stages")
    return out


def _check_steps(row: Mapping[str, Any], at: str) -> None:
    steps = row["steps"]
    if not isinstance(steps, list):
        raise invalid_import(f"{at}.steps", "not a list")
    for n, step in enumerate(steps):
        if not isinstance(step, dict) or set(step) != {"kind", "settings"}:
            raise invalid_import(f"{at}.steps[{n}]", 'not {"kind", "settings"}')
        try:
            activities.check_step(row["key"], step)
        except DomainError as exc:
            raise invalid_import(f"{at}.steps[{n}]", exc.message) from None
    if not -1 <= row["step_index"] < len(steps):
        raise invalid_import(f"{at}.step_index", f"{row['step_index']} is not one of its steps")
    reveals = row["reveals"]
    if not isinstance(reveals, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(steps) for i in reveals
    ):
        raise invalid_import(f"{at}.reveals", "not a list of its steps' indexes")


def _participants(db: Session, workshop: Workshop, rows: list[dict[str, Any]]) -> dict[int, int]:
    made: list[tuple[int, Participant]] = []
    for old, row in _unique(rows, "participants"):
        # A new token nobody holds: a participant of the source cannot speak in the copy.
        values = {
            **row,
            "id": None,
            "workshop_id": workshop.id,
            "token_hash": hash_secret(new_secret()),
        }
        made.append((old, Participant(**values)))
    _inserted(db, [p for _old, p in made], "participants")
    return {old: p.id for old, p in made if p.id is not None}


def _ideas(
    db: Session,
    workshop: Workshop,
    rows: list[dict[str, Any]],
    stages: Mapping[int, tuple[Stage, Any]],
    participants: Mapping[int, int],
) -> dict[int, tuple[Idea, dict[str, Any]]]:
    out: dict[int, tuple[Idea, dict[str, Any]]] = {}
    where = {row["id"]: n for n, row in enumerate(rows)}
    for old, row in _unique(rows, "ideas"):
        at = f"ideas[{where[old]}]"
        if row["stage_id"] not in stages:
            raise invalid_import(f"{at}.stage_id", f"stage {row['stage_id']} is not in the file")
        author = row["participant_id"]
        if author is not None and author not in participants:
            raise invalid_import(f"{at}.participant_id", f"participant {author} is not in the file")
        if not isinstance(row["fields"], dict):
            raise invalid_import(f"{at}.fields", "not an object")
        if row["origin"] is not None and not isinstance(row["origin"], dict):
            raise invalid_import(f"{at}.origin", "not an object")
        stage = stages[row["stage_id"]][0]
        idea = Idea(
            **{
                **row,
                "id": None,
                "workshop_id": workshop.id,
                "stage_id": stage.id,
                "participant_id": None if author is None else participants[author],
                "links": [],
                "merged_into": None,
            }
        )
        out[old] = (idea, {**row, "at": at})
    _inserted(db, [idea for idea, _row in out.values()], "ideas")
    return out


def _references(
    workshop: Workshop,
    raw: Mapping[str, Any],
    stages: Mapping[int, tuple[Stage, dict[str, Any]]],
    ideas: Mapping[int, tuple[Idea, dict[str, Any]]],
    ids: IdMap,
) -> None:
    """The ids inside rows that name other rows: each stage's shortlist, selection and themes,
    each idea's links and merge, the workshop's current stage and focus."""
    for stage, row in stages.values():
        at = row["at"]
        stage.shortlist = _idea_list(row["shortlist"], ids, f"{at}.shortlist")
        stage.selected = _idea_list(row["selected"], ids, f"{at}.selected")
        groups = row["groups"]
        if not isinstance(groups, list):
            raise invalid_import(f"{at}.groups", "not a list")
        remapped = []
        for n, group in enumerate(groups):
            if not isinstance(group, dict) or "idea_ids" not in group:
                raise invalid_import(f"{at}.groups[{n}]", 'not a theme {"title", "idea_ids"}')
            remapped.append(
                {
                    **group,
                    "idea_ids": _idea_list(group["idea_ids"], ids, f"{at}.groups[{n}].idea_ids"),
                }
            )
        stage.groups = remapped
    for idea, row in ideas.values():
        at = row["at"]
        idea.links = _idea_list(row["links"], ids, f"{at}.links")
        if row["merged_into"] is not None:
            idea.merged_into = ids.idea(row["merged_into"], f"{at}.merged_into")
    current = raw.get("current_stage_id")
    workshop.current_stage_id = (
        None if current is None else ids.stage(current, "workshop.current_stage_id")
    )
    focus = raw.get("focus_idea_id")
    workshop.focus_idea_id = None if focus is None else ids.idea(focus, "workshop.focus_idea_id")


def _idea_list(value: Any, ids: IdMap, where: str) -> list[int]:
    if not isinstance(value, list):
        raise invalid_import(where, "not a list of idea ids")
    return [ids.idea(item, f"{where}[{n}]") for n, item in enumerate(value)]


def _by_participant(
    value: Any, ids: IdMap, where: str, entry: Callable[[Any, str], Any]
) -> dict[str, Any]:
    """`{"<participant id>": entry}` (a round's or a merge record's) with both remapped."""
    if not isinstance(value, dict):
        raise invalid_import(where, "not an object keyed by participant id")
    return {
        str(ids.participant(pid, f"{where}.{pid}")): entry(item, f"{where}.{pid}")
        for pid, item in value.items()
    }


def _entries_of(activity: Activity, ids: IdMap) -> Callable[[Any, str], Any]:
    """How one participant's entry of this activity is remapped."""

    def remap(entry: Any, where: str) -> Any:
        return activity.remap_entry(entry, ids, where)

    return remap


def _merges(db: Session, rows: list[dict[str, Any]], ids: IdMap) -> None:
    values = []
    for n, row in enumerate(rows):
        at = f"merges[{n}]"
        record = row["entries"]
        if not isinstance(record, dict):
            raise invalid_import(f"{at}.entries", "not an object keyed by step kind")
        entries: dict[str, Any] = {}
        for kind, change in record.items():
            activity = _activity(str(kind))
            if not isinstance(change, dict):
                raise invalid_import(f"{at}.entries.{kind}", 'not {"before", "after"}')
            entries[kind] = {
                side: _by_participant(
                    given,
                    ids,
                    f"{at}.entries.{kind}.{side}",
                    _entries_of(activity, ids),
                )
                for side, given in change.items()
            }
        row.pop("id")  # the database numbers them anew, in the same order
        values.append(
            {
                **row,
                "stage_id": ids.stage(row["stage_id"], f"{at}.stage_id"),
                "into": ids.idea(row["into"], f"{at}.into"),
                "idea_ids": _idea_list(row["idea_ids"], ids, f"{at}.idea_ids"),
                "entries": entries,
            }
        )
    if values:
        db.execute(insert(_table(IdeaMerge)), values)


def _rounds(db: Session, rows: list[dict[str, Any]], ids: IdMap) -> None:
    values = []
    for n, row in enumerate(rows):
        at = f"rounds[{n}]"
        activity = _activity(row["kind"])
        values.append(
            {
                **row,
                "stage_id": ids.stage(row["stage_id"], f"{at}.stage_id"),
                "entries": _by_participant(
                    row["entries"],
                    ids,
                    f"{at}.entries",
                    _entries_of(activity, ids),
                ),
                "standings": activity.remap_standings(row["standings"], ids, f"{at}.standings"),
            }
        )
    if values:
        db.execute(insert(_table(StageRound)), values)


def _counters(db: Session, rows: list[dict[str, Any]], ids: IdMap) -> None:
    values = [
        {
            **row,
            "stage_id": ids.stage(row["stage_id"], f"counters[{n}].stage_id"),
            # idea 0 holds the stage-wide counts (voters, rankers).
            "idea_id": 0
            if row["idea_id"] == 0
            else ids.idea(row["idea_id"], f"counters[{n}].idea_id"),
        }
        for n, row in enumerate(rows)
    ]
    if values:
        db.execute(insert(_table(Counter)), values)


def _plan(db: Session, workshop: Workshop, data: Mapping[str, Any]) -> None:
    """The plan's versions and their rendered files, verbatim: a version never changes."""
    versions = _rows(data, "plan_versions", PlanVersion, OWNER)
    numbers: set[int] = set()
    for n, row in enumerate(versions):
        if not isinstance(row["data"], dict):
            raise invalid_import(f"plan_versions[{n}].data", "not an object")
        if row["version"] < 1 or row["version"] in numbers:
            raise invalid_import(
                f"plan_versions[{n}].version", f"{row['version']} is not a new version number"
            )
        numbers.add(row["version"])
    files = _rows(data, "plan_files", PlanFile, OWNER)
    for n, row in enumerate(files):
        if row["version"] not in numbers:
            raise invalid_import(
                f"plan_files[{n}].version", f"the file has no plan version {row['version']}"
            )
        if row["format"] not in RENDERERS:
            raise invalid_import(
                f"plan_files[{n}].format", f"{row['format']!r} is not a plan format"
            )
    if versions:
        db.execute(
            insert(_table(PlanVersion)), [{**row, "workshop_id": workshop.id} for row in versions]
        )
    if files:
        db.execute(insert(_table(PlanFile)), [{**row, "workshop_id": workshop.id} for row in files])
