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
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from .. import activities, i18n
from ..activities.base import (
    Activity,
    IdMap,
    invalid_import,
    row_json,
    row_values,
)
from ..core import agenda, rules
from ..core.agenda import HORIZONS, MAX_STAGES
from ..core.errors import DomainError
from ..core.levels import STAGE_KEY
from ..core.rules import squash_spaces
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
from ..persistence.rows import selections
from ..plan import RENDERERS
from ..plan.document import REVIEW_CADENCES
from .agenda import step_labels
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
    "gone",
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
    rows = _rows_of(db, workshop.id)

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
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
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
        "gone": {},
    }
    out["gone"] = _gone(workshop.id, out)
    return out


def _rows_of(db: Session, workshop_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every exported row of the workshop by table name, in primary-key order. Each table is
    read through its `narrow` selection (`persistence/rows.py`: the workshop's id, else its
    stages' ids, which an index finds), not the OR of every column that can name the workshop
    (a scan of the whole table, on a server of many workshops): in the app's data each row
    names its own workshop's stage. The tables an export leaves out are not read."""
    out: dict[str, list[dict[str, Any]]] = {}
    for chosen in selections(workshop_id):
        table = chosen.table
        if table.name in NOT_EXPORTED:
            continue
        query = select(table).where(chosen.narrow).order_by(*table.primary_key.columns)
        out[table.name] = [dict(row) for row in db.execute(query).mappings()]
    return out


CORE = (Workshop, Stage, Participant, Idea, IdeaMerge, StageRound, Counter, PlanVersion, PlanFile)


def _gone(workshop_id: str, data: Mapping[str, Any]) -> dict[str, list[int]]:
    """The ids the workshop's records name though their rows are gone (`IdMap.gone`), found by
    remapping the export as an import would, each id to itself, recording instead of
    refusing. A workshop this server would not import (a step whose plug-in is gone) is
    still exported, without this list: the import names the problem."""
    seen: dict[str, set[int]] = {}
    try:
        decoded = _decode(data)
        recorder = IdMap(
            workshop_id=workshop_id,
            stages={old: old for old, _row, _at in decoded.stages},
            participants={old: old for old, _row, _at in decoded.participants},
            ideas={old: old for old, _row, _at in decoded.ideas},
            seen=seen,
        )
        _remapped(decoded, recorder)
    except DomainError:
        return {}
    return {
        f"{what}s": sorted(seen[what])
        for what in ("stage", "participant", "idea")
        if seen.get(what)
    }


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
    decoded = _decode(data)
    _check_rules(decoded)
    versions, files = _plan_rows(data)
    begin_write(db)
    try:
        workshop, key = _store(db, decoded, versions, files)
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        cause = str(exc.orig).splitlines()[0] if exc.orig is not None else "a constraint"
        raise invalid_import(
            "file", i18n.gettext("rows that contradict each other (%(cause)s)", cause=cause)
        ) from None
    except BaseException:
        db.rollback()
        raise
    return workshop, key


def _parsed(data: Any) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid_import("file", i18n.gettext("not UTF-8 text")) from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise invalid_import("file", i18n.gettext("not JSON (%(error)s)", error=exc)) from None
    return data


Row = tuple[int, dict[str, Any], str]
"""An exported row by its exported id, with where it is in the file."""


@dataclass
class Decoded:
    """An export checked and decoded (every value of its column's type), rows by id."""

    workshop: dict[str, Any]
    stages: list[Row]
    participants: list[Row]
    ideas: list[Row]
    merges: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    counters: list[dict[str, Any]]
    activities: dict[str, Any]
    gone: dict[str, frozenset[int]] = field(default_factory=dict)


def _decode(data: Any) -> Decoded:
    _header(data)
    workshop = _workshop_values(data["workshop"])
    stages = _by_id(_rows(data, "stages", Stage, OWNER), "stages")
    for _old, row, at in stages:
        _check_steps(row, at)
    participants = _by_id(
        _rows(data, "participants", Participant, PARTICIPANT_LEFT_OUT), "participants"
    )
    ideas = _by_id(_rows(_with_idea_defaults(data), "ideas", Idea, OWNER), "ideas")
    stage_ids = {old for old, _row, _at in stages}
    people = {old for old, _row, _at in participants}
    keys = {old: _category_keys(row["steps"]) for old, row, _at in stages}
    for _old, row, at in ideas:
        if row["stage_id"] not in stage_ids:
            raise invalid_import(
                f"{at}.stage_id",
                i18n.gettext("stage %(id)s is not in the file", id=row["stage_id"]),
            )
        category = row["category"]
        if category is not None and category not in keys[row["stage_id"]]:
            listed = ", ".join(sorted(keys[row["stage_id"]])) or "none"
            raise invalid_import(
                f"{at}.category", f"{category!r} is not a category of its stage ({listed})"
            )
        author = row["participant_id"]
        if author is not None and author not in people:
            raise invalid_import(
                f"{at}.participant_id",
                i18n.gettext("participant %(id)s is not in the file", id=author),
            )
        if not isinstance(row["fields"], dict):
            raise invalid_import(f"{at}.fields", i18n.gettext("not an object"))
        if row["origin"] is not None and not isinstance(row["origin"], dict):
            raise invalid_import(f"{at}.origin", i18n.gettext("not an object"))
    return Decoded(
        workshop=workshop,
        stages=stages,
        participants=participants,
        ideas=ideas,
        merges=_rows(data, "merges", IdeaMerge, ()),
        rounds=_rows(data, "rounds", StageRound, ()),
        counters=_rows(data, "counters", Counter, ()),
        activities=data["activities"],
        gone=_gone_ids(data["gone"]),
    )


IDEA_DEFAULTS: dict[str, Any] = {"category": None, "mitigated_by": []}
"""The idea columns migration 0012 added, as an export made before them reads (no category,
no mitigations); a file written since has them all."""


def _with_idea_defaults(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The export with each idea row that lacks a column of `IDEA_DEFAULTS` given it."""
    listed = data.get("ideas")
    if not isinstance(listed, list):
        return data
    ideas = [
        {**IDEA_DEFAULTS, **raw} if isinstance(raw, dict) and IDEA_DEFAULTS.keys() - raw else raw
        for raw in listed
    ]
    return {**data, "ideas": ideas}


def _category_keys(steps: Any) -> set[str]:
    """The category keys a stage's steps name (its categorised brainstorm's); the steps were
    checked before (`_check_steps`)."""
    for step in steps if isinstance(steps, list) else []:
        settings = step.get("settings") if isinstance(step, dict) else None
        listed = settings.get("categories") if isinstance(settings, dict) else None
        if listed:
            return {str(c.get("key")) for c in listed if isinstance(c, dict)}
    return set()


def _header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise invalid_import("format", i18n.gettext("not a %(format)s export", format=FORMAT))
    version = data.get("version")
    if version != VERSION:
        raise invalid_import(
            "version",
            i18n.gettext(
                "version %(version)s cannot be read (this server reads version %(current)s)",
                version=repr(version),
                current=VERSION,
            ),
        )
    for name in SECTIONS:
        if name not in data:
            raise invalid_import(name, i18n.gettext("missing"))
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise invalid_import(
            unknown[0], i18n.gettext("not part of version %(version)s", version=VERSION)
        )
    for name in SECTIONS[3:]:
        wanted = dict if name in ("workshop", "activities", "gone") else list
        if not isinstance(data[name], wanted):
            raise invalid_import(
                name,
                i18n.gettext("not an object") if wanted is dict else i18n.gettext("not a list"),
            )


def _gone_ids(raw: Mapping[str, Any]) -> dict[str, frozenset[int]]:
    out: dict[str, frozenset[int]] = {}
    for name, listed in raw.items():
        if name not in ("stages", "participants", "ideas"):
            raise invalid_import(f"gone.{name}", i18n.gettext("not stages, participants or ideas"))
        if not isinstance(listed, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in listed
        ):
            raise invalid_import(f"gone.{name}", i18n.gettext("not a list of ids"))
        out[name[:-1]] = frozenset(listed)
    return out


def _rows(
    data: Mapping[str, Any], section: str, model: type[SQLModel], left_out: Sequence[str]
) -> list[dict[str, Any]]:
    table = _table(model)
    return [
        row_values(table, raw, f"{section}[{n}]", skip=left_out)
        for n, raw in enumerate(data[section])
    ]


def _by_id(rows: list[dict[str, Any]], section: str) -> list[Row]:
    """The rows by their exported id, earliest first; an id given twice is refused."""
    seen: set[int] = set()
    for n, row in enumerate(rows):
        if row["id"] in seen:
            raise invalid_import(
                f"{section}[{n}].id", i18n.gettext("%(id)s is given twice", id=row["id"])
            )
        seen.add(row["id"])
    return sorted(
        ((row["id"], row, f"{section}[{n}]") for n, row in enumerate(rows)), key=lambda r: r[0]
    )


def _one_of(values: Any) -> str:
    return i18n.gettext("is one of %(values)s", values=", ".join(values))


def _workshop_values(raw: Any) -> dict[str, Any]:
    row = row_values(_table(Workshop), raw, "workshop", skip=WORKSHOP_LEFT_OUT)
    title = squash_spaces(row["title"])
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise invalid_import("workshop.title", i18n.gettext("a workshop needs a title"))
    checks: list[tuple[str, Callable[[Any], bool], str]] = [
        ("status", lambda v: v in STATUSES, _one_of(STATUSES)),
        ("horizon_years", lambda v: v in HORIZONS, i18n.gettext("is 1, 3, 5 or 10 years")),
        ("review_cadence", lambda v: v in REVIEW_CADENCES, _one_of(REVIEW_CADENCES)),
        ("language", lambda v: v in i18n.LANGUAGES, _one_of(i18n.LANGUAGES)),
        (
            "max_participants",
            lambda v: 1 <= v <= MAX_PARTICIPANTS_LIMIT,
            i18n.gettext("is from 1 to %(limit)s", limit=MAX_PARTICIPANTS_LIMIT),
        ),
    ]
    for name, fits, rule in checks:
        if not fits(row[name]):
            raise invalid_import(
                f"workshop.{name}",
                i18n.gettext("%(value)s: it %(rule)s", value=repr(row[name]), rule=rule),
            )
    return row


def _check_steps(row: Mapping[str, Any], at: str) -> None:
    # The key first: each step's check reads it (the levels a kind runs on).
    if not STAGE_KEY.fullmatch(row["key"]):
        raise invalid_import(
            f"{at}.key",
            i18n.gettext(
                "%(key)s: a stage key is lower-case letters, digits and dashes (1-40), "
                "starting with a letter",
                key=repr(row["key"]),
            ),
        )
    steps = row["steps"]
    if not isinstance(steps, list):
        raise invalid_import(f"{at}.steps", i18n.gettext("not a list"))
    for n, step in enumerate(steps):
        if not isinstance(step, dict) or set(step) != {"kind", "settings"}:
            raise invalid_import(f"{at}.steps[{n}]", i18n.gettext('not {"kind", "settings"}'))
        try:
            activities.check_step(row["key"], step)
        except DomainError as exc:
            raise invalid_import(f"{at}.steps[{n}]", exc.message) from None
    if not -1 <= row["step_index"] < len(steps):
        raise invalid_import(
            f"{at}.step_index", i18n.gettext("%(n)s is not one of its steps", n=row["step_index"])
        )
    reveals = row["reveals"]
    if not isinstance(reveals, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(steps) for i in reveals
    ):
        raise invalid_import(f"{at}.reveals", i18n.gettext("not a list of its steps' indexes"))


AGENDA_FIELDS = {
    "invalid_stage_key": "key",
    "title_required": "title",
    "title_too_long": "title",
    "prompt_too_long": "prompt",
}
"""The agenda check's refusals that concern one field of a stage; any other is its steps'."""


def _check_rules(decoded: Decoded) -> None:
    """The product's own rules, which the columns' types do not say: what the app itself
    would never store is refused (an idea without text, a stage key the agenda editor
    refuses, a finished workshop without its finishing time), naming the field."""
    finished = decoded.workshop["status"] == "finished"
    if finished != (decoded.workshop["finished_at"] is not None):
        raise invalid_import(
            "workshop.finished_at",
            i18n.gettext(
                "a finished workshop has the time it finished, an active one none "
                "(status %(status)s)",
                status=repr(decoded.workshop["status"]),
            ),
        )
    _check_agenda(decoded.stages)
    for _old, row, at in decoded.participants:
        if row["name"] is not None and rules.clean_name(row["name"]) is None:
            raise invalid_import(
                f"{at}.name", i18n.gettext("blank (a participant without a name has null)")
            )
    for _old, row, at in decoded.ideas:
        for name in ("text", "original_text"):
            try:
                if row[name] is not None:
                    rules.clean_idea_text(row[name])  # as idea:submit checks it
            except DomainError as exc:
                raise invalid_import(
                    f"{at}.{name}",
                    i18n.gettext(
                        "an idea has 1 to %(limit)s characters (%(code)s)",
                        limit=rules.IDEA_MAX_LENGTH,
                        code=exc.code,
                    ),
                ) from None


def _check_agenda(stages: Sequence[Row]) -> None:
    """The stages, in their order, through the agenda editor's checks (`core/agenda.py`):
    each stage's key, title, prompt and steps (their number and order), and the agenda's
    number of stages and its keys, each once."""
    if not stages:
        raise invalid_import("stages", i18n.gettext("a workshop has at least one stage"))
    if len(stages) > MAX_STAGES:
        raise invalid_import(
            "stages",
            i18n.gettext(
                "%(n)s stages: an agenda has at most %(limit)s", n=len(stages), limit=MAX_STAGES
            ),
        )
    labels, traits = step_labels(), activities.traits_by_kind()
    placed: dict[int, str] = {}
    keys: dict[str, str] = {}
    for _old, row, at in sorted(stages, key=lambda r: r[1]["position"]):
        if row["position"] in placed:
            raise invalid_import(
                f"{at}.position",
                i18n.gettext(
                    "%(position)s is also %(other)s's",
                    position=row["position"],
                    other=placed[row["position"]],
                ),
            )
        placed[row["position"]] = at
        index = int(at[at.index("[") + 1 : -1])
        raw = {
            "key": row["key"],
            "title": row["title"],
            "prompt": row["prompt"],
            "steps": [{"kind": step["kind"], **step["settings"]} for step in row["steps"]],
        }
        try:
            agenda.check_stage(raw, index, activities.check_step, labels, traits=traits)
        except DomainError as exc:
            # "Stage 2 (Goals): …" / "Stage 2 (Goals) needs …": the field names the stage.
            what = exc.message.removeprefix(agenda.stage_label(raw, index)).strip()
            what = what.removeprefix(":").strip()
            raise invalid_import(f"{at}.{AGENDA_FIELDS.get(exc.code, 'steps')}", what) from None
        if row["key"] in keys:
            raise invalid_import(
                f"{at}.key",
                i18n.gettext(
                    "%(key)s is also %(other)s's: a plan has each once",
                    key=repr(row["key"]),
                    other=keys[row["key"]],
                ),
            )
        keys[row["key"]] = at


def _plan_rows(data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plan's versions and their rendered files, checked (stored verbatim)."""
    versions = _rows(data, "plan_versions", PlanVersion, OWNER)
    numbers: set[int] = set()
    for n, row in enumerate(versions):
        if not isinstance(row["data"], dict):
            raise invalid_import(f"plan_versions[{n}].data", i18n.gettext("not an object"))
        if row["version"] < 1 or row["version"] in numbers:
            raise invalid_import(
                f"plan_versions[{n}].version",
                i18n.gettext("%(n)s is not a new version number", n=row["version"]),
            )
        numbers.add(row["version"])
    files = _rows(data, "plan_files", PlanFile, OWNER)
    for n, row in enumerate(files):
        if row["version"] not in numbers:
            raise invalid_import(
                f"plan_files[{n}].version",
                i18n.gettext("the file has no plan version %(n)s", n=row["version"]),
            )
        if row["format"] not in RENDERERS:
            raise invalid_import(
                f"plan_files[{n}].format",
                i18n.gettext("%(format)s is not a plan format", format=repr(row["format"])),
            )
    return versions, files


# ----------------------------------------------------------------------- ids inside rows


@dataclass
class Remapped:
    """Every id inside an export's rows, remapped: what the new rows get once they have ids."""

    stages: dict[int, dict[str, Any]]  # exported stage id -> shortlist, selected, groups
    ideas: dict[int, dict[str, Any]]  # exported idea id -> links, mitigated_by, merged_into
    workshop: dict[str, Any]  # current_stage_id, focus_idea_id
    rows: list[tuple[Table, list[dict[str, Any]]]]  # merges, rounds, counters, activities


def _remapped(decoded: Decoded, ids: IdMap) -> Remapped:
    """Pure: the export runs it to find what is gone, the import to store the rows."""
    stages = {}
    for old, row, at in decoded.stages:
        groups = row["groups"]
        if not isinstance(groups, list):
            raise invalid_import(f"{at}.groups", i18n.gettext("not a list"))
        themes = []
        for n, group in enumerate(groups):
            if not isinstance(group, dict) or "idea_ids" not in group:
                raise invalid_import(
                    f"{at}.groups[{n}]", i18n.gettext('not a theme {"title", "idea_ids"}')
                )
            members = _idea_list(group["idea_ids"], ids, f"{at}.groups[{n}].idea_ids")
            themes.append({**group, "idea_ids": members})
        stages[old] = {
            "shortlist": _idea_list(row["shortlist"], ids, f"{at}.shortlist"),
            "selected": _idea_list(row["selected"], ids, f"{at}.selected"),
            "groups": themes,
        }
    ideas = {
        old: {
            "links": _idea_list(row["links"], ids, f"{at}.links"),
            "mitigated_by": _idea_list(row["mitigated_by"], ids, f"{at}.mitigated_by"),
            "merged_into": None
            if row["merged_into"] is None
            else ids.idea(row["merged_into"], f"{at}.merged_into"),
        }
        for old, row, at in decoded.ideas
    }
    current, focus = decoded.workshop["current_stage_id"], decoded.workshop["focus_idea_id"]
    workshop = {
        "current_stage_id": None
        if current is None
        else ids.stage(current, "workshop.current_stage_id"),
        "focus_idea_id": None if focus is None else ids.idea(focus, "workshop.focus_idea_id"),
    }
    rows = [
        (_table(IdeaMerge), _merges(decoded.merges, ids)),
        (_table(StageRound), _rounds(decoded.rounds, ids)),
        (_table(Counter), _counters(decoded.counters, ids)),
    ]
    for kind, part in decoded.activities.items():
        rows += _activity(str(kind)).import_rows(part, ids, f"activities.{kind}")
    return Remapped(stages, ideas, workshop, rows)


def _idea_list(value: Any, ids: IdMap, where: str) -> list[int]:
    if not isinstance(value, list):
        raise invalid_import(where, i18n.gettext("not a list of idea ids"))
    return [ids.idea(item, f"{where}[{n}]") for n, item in enumerate(value)]


def _entries_of(activity: Activity, ids: IdMap) -> Callable[[Any, str], Any]:
    """How one participant's entry of this activity is remapped."""

    def remap(entry: Any, where: str) -> Any:
        return activity.remap_entry(entry, ids, where)

    return remap


def _by_participant(
    value: Any, ids: IdMap, where: str, entry: Callable[[Any, str], Any]
) -> dict[str, Any]:
    """`{"<participant id>": entry}` (a round's or a merge record's) with both remapped."""
    if not isinstance(value, dict):
        raise invalid_import(where, i18n.gettext("not an object keyed by participant id"))
    return {
        str(ids.participant(pid, f"{where}.{pid}")): entry(item, f"{where}.{pid}")
        for pid, item in value.items()
    }


def _merges(rows: list[dict[str, Any]], ids: IdMap) -> list[dict[str, Any]]:
    values = []
    for n, row in enumerate(rows):
        at = f"merges[{n}]"
        record = row["entries"]
        if not isinstance(record, dict):
            raise invalid_import(f"{at}.entries", i18n.gettext("not an object keyed by step kind"))
        entries: dict[str, Any] = {}
        for kind, change in record.items():
            if not isinstance(change, dict):
                raise invalid_import(
                    f"{at}.entries.{kind}", i18n.gettext('not {"before", "after"}')
                )
            remap = _entries_of(_activity(str(kind)), ids)
            entries[kind] = {
                side: _by_participant(given, ids, f"{at}.entries.{kind}.{side}", remap)
                for side, given in change.items()
            }
        values.append(
            {
                **{k: v for k, v in row.items() if k != "id"},  # numbered anew, in order
                "stage_id": ids.stage(row["stage_id"], f"{at}.stage_id"),
                "into": ids.idea(row["into"], f"{at}.into"),
                "idea_ids": _idea_list(row["idea_ids"], ids, f"{at}.idea_ids"),
                "entries": entries,
            }
        )
    return values


def _rounds(rows: list[dict[str, Any]], ids: IdMap) -> list[dict[str, Any]]:
    values = []
    for n, row in enumerate(rows):
        at = f"rounds[{n}]"
        activity = _activity(row["kind"])
        values.append(
            {
                **row,
                "stage_id": ids.stage(row["stage_id"], f"{at}.stage_id"),
                "entries": _by_participant(
                    row["entries"], ids, f"{at}.entries", _entries_of(activity, ids)
                ),
                "standings": activity.remap_standings(row["standings"], ids, f"{at}.standings"),
            }
        )
    return values


def _counters(rows: list[dict[str, Any]], ids: IdMap) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "stage_id": ids.stage(row["stage_id"], f"counters[{n}].stage_id"),
            # Idea 0 holds the stage-wide counts (voters, rankers).
            "idea_id": 0
            if row["idea_id"] == 0
            else ids.idea(row["idea_id"], f"counters[{n}].idea_id"),
        }
        for n, row in enumerate(rows)
    ]


# --------------------------------------------------------------------------- storing


def _store(
    db: Session,
    decoded: Decoded,
    versions: list[dict[str, Any]],
    files: list[dict[str, Any]],
) -> tuple[Workshop, str]:
    workshop, key = _new_workshop(db, decoded.workshop)
    stages = _inserted(
        db,
        [
            (old, Stage(**{**row, "id": None, "workshop_id": workshop.id}))
            for old, row, _at in decoded.stages
        ],
    )
    participants = _inserted(
        db,
        [
            # A new token nobody holds: a participant of the source cannot speak in the copy.
            (
                old,
                Participant(
                    **{
                        **row,
                        "id": None,
                        "workshop_id": workshop.id,
                        "token_hash": hash_secret(new_secret()),
                    }
                ),
            )
            for old, row, _at in decoded.participants
        ],
    )
    ideas = _inserted(
        db,
        [
            (
                old,
                Idea(
                    **{
                        **row,
                        "id": None,
                        "workshop_id": workshop.id,
                        "stage_id": stages[row["stage_id"]].id,
                        "participant_id": None
                        if row["participant_id"] is None
                        else participants[row["participant_id"]].id,
                        "merged_into": None,
                    }
                ),
            )
            for old, row, _at in decoded.ideas
        ],
    )
    ids = IdMap(
        workshop_id=workshop.id,
        stages=_numbers(stages),
        participants=_numbers(participants),
        ideas=_numbers(ideas),
        gone=decoded.gone,
    )
    remapped = _remapped(decoded, ids)
    for old, values in remapped.stages.items():
        for name, value in values.items():
            setattr(stages[old], name, value)
    for old, values in remapped.ideas.items():
        for name, value in values.items():
            setattr(ideas[old], name, value)
    for name, value in remapped.workshop.items():
        setattr(workshop, name, value)
    db.flush()
    plan = [
        (_table(PlanVersion), [{**row, "workshop_id": workshop.id} for row in versions]),
        (_table(PlanFile), [{**row, "workshop_id": workshop.id} for row in files]),
    ]
    for table, listed in [*remapped.rows, *plan]:
        if listed:
            db.execute(insert(table), listed)
    db.flush()
    return workshop, key


def _new_workshop(db: Session, row: Mapping[str, Any]) -> tuple[Workshop, str]:
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


Made = TypeVar("Made", Stage, Participant, Idea)


def _inserted(db: Session, made: list[tuple[int, Made]]) -> dict[int, Made]:
    """Insert new rows (given by their exported id, earliest first) and check the database
    numbered them in the same order, so a lower id is still the earlier row."""
    db.add_all([row for _old, row in made])
    db.flush()
    numbers = [row.id or 0 for _old, row in made]
    if numbers != sorted(numbers):  # pragma: no cover - every database numbers rows in order
        raise RuntimeError("The new rows were not numbered in order.")
    return dict(made)


def _numbers(rows: Mapping[int, Stage | Participant | Idea]) -> dict[int, int]:
    return {old: row.id for old, row in rows.items() if row.id is not None}
