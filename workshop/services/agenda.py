"""Agenda templates (built-in data files and saved ones) and the agenda editor."""

from __future__ import annotations

import functools
import re
import secrets
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from .. import activities, i18n
from ..core import agenda
from ..core.errors import DomainError
from ..core.levels import LEVELS
from ..core.rules import squash_spaces
from ..core.security import hash_secret, matches_any
from ..core.traits import DECIDES, FEEDS_SHORTLIST, SHORTLISTS
from ..persistence import counters
from ..persistence.models import AgendaTemplate, Idea, Stage, Workshop
from ..persistence.queries import list_stages, require_active
from . import timer

BUILT_IN_DIR = Path(__file__).resolve().parent.parent / "agenda_templates"
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A template id: a built-in's name, an older saved one's slug, or a saved one's 192-bit
`secrets.token_urlsafe(24)`."""
LEVEL_TITLES = {
    "situation": i18n.N_("Situation (SWOT)"),
    "environment": i18n.N_("Environment (PESTLE)"),
    "vision": i18n.N_("Vision"),
    "mission": i18n.N_("Mission"),
    "values": i18n.N_("Values"),
    "goals": i18n.N_("Strategic goals"),
    "programs": i18n.N_("Programs"),
    "projects": i18n.N_("Projects"),
    "risks": i18n.N_("Risks"),
    "actions": i18n.N_("Action items"),
}
"""The plan levels as the agenda editor's level list names them."""
TEXT_KEYS = frozenset({"title", "description", "prompt", "label", "hint", "low", "high"})
"""The keys of a built-in template whose texts are translated (tools/i18n.py extracts the same
ones from agenda_templates/*.toml): names, descriptions, stage titles, prompts, and the labels,
hints and scale ends of a step's categories and scales; and the names of its `quadrants`."""


def _localized_value(key: str, value: Any) -> Any:
    if key in TEXT_KEYS and isinstance(value, str) and value.strip():
        return i18n.gettext(value)
    if key == "quadrants" and isinstance(value, Mapping):
        # A rate step's quadrant names, by quadrant key.
        return {
            name: i18n.gettext(label) if isinstance(label, str) and label.strip() else label
            for name, label in value.items()
        }
    return localized(value)


def localized(node: Any) -> Any:
    """A built-in template (or any part of one) with its texts in the language in force: a
    copy, each string under a key of TEXT_KEYS through the catalogue (`{org}` and `{horizon}`
    stay, filled later). Saved templates are the facilitator's words: never through here."""
    if isinstance(node, Mapping):
        return {key: _localized_value(key, value) for key, value in node.items()}
    if isinstance(node, list):
        return [localized(item) for item in node]
    return node


def step_labels() -> dict[str, str]:
    """Each kind of step by its label ("Impact and effort"), as the agenda editor shows it."""
    return {kind: activity.label for kind, activity in activities.REGISTRY.items()}


def _check_step(level: str, raw: Any) -> dict[str, Any]:
    """The registry's step check, its refusals worded with the editor's names for steps,
    levels and settings (the codes stay as they are: they are the API)."""
    try:
        return activities.check_step(level, raw)
    except DomainError as exc:
        kind = raw.get("kind") if hasattr(raw, "get") else None
        activity = activities.REGISTRY.get(kind) if isinstance(kind, str) else None
        if activity is None:
            raise
        if exc.code == "activity_not_allowed" and activity.levels is not None:
            where = [_level_title(key) for key in activity.levels]
            places = (
                where[0]
                if len(where) == 1
                else i18n.gettext(
                    "%(items)s and %(last)s", items=", ".join(where[:-1]), last=where[-1]
                )
            )
            raise DomainError(
                exc.code,
                i18n.gettext(
                    "%(step)s runs only on %(places)s, not on %(here)s.",
                    step=i18n.gettext(activity.label),
                    places=places,
                    here=_level_title(level),
                ),
            ) from None
        found = re.match(rf"{re.escape(activity.kind)}(?:\.([\w.]+))?: (.*)", exc.message, re.S)
        if exc.code == "invalid_setting" and found:
            setting = (found.group(1) or "settings").replace("_", " ").replace(".", " ")
            label = i18n.gettext(activity.label)
            raise DomainError(exc.code, f"{label}, {setting}: {found.group(2)}") from None
        raise


def _level_title(key: str) -> str:
    """A level as the agenda editor names it, in the language in force (else its key)."""
    return i18n.gettext(LEVEL_TITLES[key]) if key in LEVEL_TITLES else key


def check_agenda(body: Any) -> list[agenda.StageDraft]:
    """Validate an agenda against today's activities; refusals speak the editor's words."""
    return agenda.check_agenda(body, _check_step, step_labels(), traits=activities.traits_by_kind())


def _optional_flags(data: Mapping[str, Any], name: str) -> list[bool]:
    """Each stage's `optional` flag in a template file (false when left out)."""
    stages = data.get("stages")
    flags: list[bool] = []
    for index, stage in enumerate(stages if isinstance(stages, list) else []):
        flag = stage.get("optional", False) if isinstance(stage, Mapping) else False
        if not isinstance(flag, bool):
            raise ValueError(f"{name}: stages[{index}].optional must be true or false")
        flags.append(flag)
    return flags


def _adds_of(data: Mapping[str, Any], flags: list[bool], name: str) -> list[list[dict[str, Any]]]:
    """Each stage's `adds` in a template file: what an optional stage gives other stages while
    it is in (`[{"stage": <key>, "before": <kind>?, "step": {"kind", ...settings}}]`). Only an
    optional stage may have them; the target is a stage of the template that is not optional
    and has no step of that kind yet."""
    stages = [s if isinstance(s, Mapping) else {} for s in data.get("stages") or []]
    keys = [s.get("key") for s in stages]
    found: list[list[dict[str, Any]]] = []
    for index, stage in enumerate(stages):
        adds = stage.get("adds", [])
        where = f"{name}: stages[{index}].adds"
        if adds and not flags[index]:
            raise ValueError(f"{where}: only an optional stage adds steps to other stages")
        if not isinstance(adds, list):
            raise ValueError(f"{where} must be a list")
        checked = []
        for add in adds:
            target = add.get("stage") if isinstance(add, Mapping) else None
            step = add.get("step") if isinstance(add, Mapping) else None
            before = add.get("before") if isinstance(add, Mapping) else None
            if target not in keys or flags[keys.index(target)]:
                raise ValueError(f"{where}: {target!r} is not a stage of the template")
            if not isinstance(step, Mapping) or not isinstance(step.get("kind"), str):
                raise ValueError(f"{where}: step needs a kind")
            kinds = [s.get("kind") for s in stages[keys.index(target)].get("steps", [])]
            if step["kind"] in kinds:
                raise ValueError(f"{where}: {target!r} already has a {step['kind']} step")
            if before is not None and before not in kinds:
                raise ValueError(f"{where}: {target!r} has no {before!r} step")
            checked.append(
                {"stage": target, **({"before": before} if before else {}), "step": dict(step)}
            )
        found.append(checked)
    return found


def with_adds(
    stages: Sequence[Mapping[str, Any]], adds: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """`stages` (`{"key", "steps", ...}`) with what optional stages add to them: each added step
    goes into its stage before its `before` step (at the end without one), unless the stage
    has a step of that kind already."""
    result = [{**stage, "steps": [dict(step) for step in stage["steps"]]} for stage in stages]
    for add in adds:
        for stage in result:
            kinds = [step["kind"] for step in stage["steps"]]
            if stage["key"] != add["stage"] or add["step"]["kind"] in kinds:
                continue
            at = kinds.index(add["before"]) if add.get("before") in kinds else len(kinds)
            stage["steps"].insert(at, dict(add["step"]))
    return result


def include_optional(template: Mapping[str, Any], keys: set[str]) -> list[dict[str, Any]]:
    """A template's stages with the optional ones named in `keys` in (the others left out) and
    what those add to the other stages (full-strategic-plan's SWOT gives its goals stage a
    `link` step). With no keys: the stages a new workshop gets (`drafts_of`)."""
    chosen = [
        stage for stage in template["stages"] if not stage.get("optional") or stage["key"] in keys
    ]
    adds = [add for stage in chosen for add in stage.get("adds", [])]
    bare = [{k: v for k, v in s.items() if k not in ("optional", "adds")} for s in chosen]
    return with_adds(bare, adds)


@functools.cache
def built_in_templates() -> dict[str, dict[str, Any]]:
    """The built-in templates by id, read once from `agenda_templates/*.toml` and validated,
    in English (the catalogue's msgids; `localized` gives them in another language).

    A stage marked `optional = true` is listed with the template (`"optional": true`) but left
    out of a workshop made from it (`drafts_of`); the agenda editor can add it. Both the whole
    template and the agenda without its optional stages must be valid."""
    with i18n.use_language(i18n.DEFAULT_LANGUAGE):
        return _read_built_in()


def _read_built_in() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(BUILT_IN_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("id") != path.stem:
            raise ValueError(f"{path.name}: id must be {path.stem!r}")
        flags = _optional_flags(data, path.name)
        adds = _adds_of(data, flags, path.name)
        try:
            drafts = check_agenda(
                {"stages": [{k: v for k, v in s.items() if k != "adds"} for s in data["stages"]]}
            )
        except DomainError as exc:
            raise ValueError(f"{path.name}: {exc.message} ({exc.code})") from exc
        stages: list[dict[str, Any]] = []
        for draft, flag, added in zip(drafts, flags, adds, strict=True):
            stage = draft.as_dict()
            if flag:
                stage["optional"] = True
            if added:
                # Each added step as checked for its stage (every setting filled in).
                stage["adds"] = [
                    {**add, "step": _as_given(_check_step(add["stage"], add["step"]))}
                    for add in added
                ]
            stages.append(stage)
        template = {
            "id": path.stem,
            "built_in": True,
            "title": str(data["title"]),
            "description": str(data.get("description", "")),
            "stages": stages,
        }
        optional = {s["key"] for s in stages if s.get("optional")}
        try:
            # Valid without its optional stages, and with each of them (and what it adds).
            for keys in [set(), *({key} for key in optional), optional]:
                check_agenda({"stages": include_optional(template, keys)})
        except DomainError as exc:
            raise ValueError(f"{path.name}: {exc.message} ({exc.code})") from exc
        found[path.stem] = template
    return found


def _as_given(step: Mapping[str, Any]) -> dict[str, Any]:
    """A checked step (`{"kind", "settings"}`) as templates write it (`{"kind", ...}`)."""
    return {"kind": step["kind"], **step["settings"]}


def _order(template_id: str) -> tuple[int, str]:
    order = [
        "strategic-plan",
        "full-strategic-plan",
        "align-programs-projects",
        "vision-refresh",
        "prioritise-projects",
        "swot-to-goals",
        "pestle-scan",
        "risk-review",
    ]
    return (order.index(template_id) if template_id in order else len(order), template_id)


def list_templates() -> list[dict[str, Any]]:
    """The built-in templates, the default first, in the language in force. Saved ones are
    never listed to anyone: their id is the capability to use them (see `find_template`,
    `saved_by`)."""
    return [
        localized(built_in_templates()[tid]) for tid in sorted(built_in_templates(), key=_order)
    ]


def saved_json(row: AgendaTemplate) -> dict[str, Any]:
    """A saved template in the shape of a built-in one."""
    return {
        "id": row.id,
        "built_in": False,
        "title": row.title,
        "description": row.description,
        "stages": list(row.stages),
    }


def _saved_row(db: Session, template_id: str) -> AgendaTemplate | None:
    if template_id in built_in_templates() or not TEMPLATE_ID.fullmatch(template_id):
        return None
    return db.get(AgendaTemplate, template_id)


def find_template(db: Session, template_id: str) -> dict[str, Any]:
    """One template by id (a built-in, in the language in force; or a saved one, as it was
    saved, for whoever has its id), or template_not_found (404)."""
    built = built_in_templates().get(template_id)
    if built is not None:
        return dict(localized(built))
    row = _saved_row(db, template_id)
    if row is None:
        raise DomainError(
            "template_not_found", i18n.gettext("There is no agenda template with that id.")
        )
    return saved_json(row)


def get_template(db: Session, template_id: str) -> dict[str, Any]:
    """The template a new workshop starts from, or unknown_template (400: the request named
    a template that does not exist, as it always has)."""
    try:
        return find_template(db, template_id)
    except DomainError:
        raise DomainError(
            "unknown_template", i18n.gettext("There is no agenda template with that id.")
        ) from None


def saved_by(db: Session, workshop_id: str) -> list[AgendaTemplate]:
    """The templates a workshop saved, oldest first."""
    query = (
        select(AgendaTemplate)
        .where(AgendaTemplate.source_workshop_id == workshop_id)
        .order_by(col(AgendaTemplate.created_at), col(AgendaTemplate.id))
    )
    return list(db.exec(query))


def delete_template(db: Session, *, template_id: str, key: str) -> None:
    """Delete a saved template, given the facilitator key of the workshop that saved it.
    A built-in one is forbidden; an unknown id template_not_found; another key unauthorized
    (a template saved before issue 18 without its workshop can no longer be deleted)."""
    if template_id in built_in_templates():
        raise DomainError("forbidden", i18n.gettext("Built-in templates cannot be deleted."))
    row = _saved_row(db, template_id)
    if row is None:
        raise DomainError(
            "template_not_found", i18n.gettext("There is no agenda template with that id.")
        )
    owner = db.get(Workshop, row.source_workshop_id) if row.source_workshop_id else None
    if (
        owner is None
        or not key
        or not matches_any(hash_secret(key), owner.facilitator_key_hash, owner.admin_key_hash)
    ):
        raise DomainError(
            "unauthorized",
            i18n.gettext("Only the key of the workshop that saved it deletes a template."),
        )
    db.delete(row)
    db.commit()


def stage_presets(
    templates: list[dict[str, Any]], traits: Mapping[str, frozenset[str]] | None = None
) -> dict[str, Any]:
    """What a new stage starts with in the agenda editor, from the built-in templates (so the
    editor keeps no copy of them): each level of the plan (`levels.LEVELS`, in that order) as
    the built-in template with the most stages that has it gives it (title, prompt with `{org}`
    and `{horizon}`, steps with their settings), and for a custom stage the steps of the first
    built-in stage (not an optional one) that scores its ideas and decides without ranking a
    shortlist (a brainstorm, a dot vote and the results). Kinds are told apart by their
    `traits` (kind -> traits; the registry's by default)."""
    built = [t for t in templates if t["built_in"]]
    if not built:
        return {"levels": [], "custom": {"steps": []}}
    levels = []
    for key in LEVELS:
        having = [t for t in built if any(s["key"] == key for s in t["stages"])]
        if not having:
            continue
        fullest = max(having, key=lambda t: len(t["stages"]))  # the first of the longest
        s = next(s for s in fullest["stages"] if s["key"] == key)
        levels.append(
            {"key": s["key"], "title": s["title"], "prompt": s["prompt"], "steps": s["steps"]}
        )
    known = activities.traits_by_kind() if traits is None else traits

    def has(stage: dict[str, Any], trait: str) -> bool:
        return any(trait in known.get(step["kind"], frozenset()) for step in stage["steps"])

    required = [s for t in built for s in t["stages"] if not s.get("optional")]
    plain = [
        s
        for s in required
        if has(s, FEEDS_SHORTLIST) and has(s, DECIDES) and not has(s, SHORTLISTS)
    ]
    longest = max(built, key=lambda t: len(t["stages"]))
    first = next((s for s in longest["stages"] if not s.get("optional")), longest["stages"][0])
    custom = plain[0] if plain else first
    return {"levels": levels, "custom": {"steps": custom["steps"]}}


def template_summary(template: dict[str, Any]) -> dict[str, Any]:
    """A template as `GET /api/templates` lists it: stages with their step kinds, and whether
    each is optional (left out of a new workshop; the agenda editor can add it)."""
    return {
        "id": template["id"],
        "built_in": template["built_in"],
        "title": template["title"],
        "description": template["description"],
        "stages": [
            {
                "key": stage["key"],
                "title": stage["title"],
                "steps": [step["kind"] for step in stage["steps"]],
                "optional": bool(stage.get("optional", False)),
            }
            for stage in template["stages"]
        ],
    }


def drafts_of(template: dict[str, Any]) -> list[agenda.StageDraft]:
    """A template's stages as a new workshop gets them, validated against today's activities:
    its optional stages are left out (the agenda editor can add them later)."""
    return check_agenda({"stages": include_optional(template, set())})


def optional_stages(
    template: Mapping[str, Any], *, organization: str | None, horizon_years: int
) -> list[dict[str, Any]]:
    """A template's optional stages as the agenda editor adds them to a workshop made from it:
    key, title, prompt (filled in for the workshop), steps with their settings, `after`, the
    keys of the template's stages before it (the editor inserts it after the last of them the
    agenda has, else first), and `adds`, the steps it gives other stages while it is in
    (`[{"stage", "before"?, "step"}]`, see `include_optional`; `[]` for none)."""
    stages = list(template["stages"])
    return [
        {
            "key": stage["key"],
            "title": stage["title"],
            "prompt": agenda.fill_prompt(
                stage["prompt"], organization=organization, horizon_years=horizon_years
            ),
            "steps": [dict(step) for step in stage["steps"]],
            "after": [earlier["key"] for earlier in stages[:index]],
            "adds": [{**add, "step": dict(add["step"])} for add in stage.get("adds", [])],
        }
        for index, stage in enumerate(stages)
        if stage.get("optional")
    ]


# --------------------------------------------------------------------------- a workshop's agenda


def started_stage_ids(db: Session, stages: list[Stage]) -> set[int]:
    """The stages whose agenda is fixed: past their first step, decided, or holding anything a
    participant sent. A stage that only opened its first step (as the first stage does when
    the facilitator starts the workshop from the lobby) stays editable until someone uses it."""
    ids = [stage.id for stage in stages if stage.id is not None]
    used: set[int] = set()
    if ids:
        query = select(Idea.stage_id).where(
            col(Idea.stage_id).in_(ids), col(Idea.participant_id).is_not(None)
        )
        used = set(db.exec(query.distinct()))
    return {
        stage.id
        for stage in stages
        if stage.id is not None and (stage.step_index > 0 or stage.decided or stage.id in used)
    }


def stage_json(stage: Stage, started: set[int]) -> dict[str, Any]:
    """A stage as the agenda API shows it."""
    return {
        "id": stage.id,
        "key": stage.key,
        "title": stage.title,
        "prompt": stage.prompt,
        "started": stage.id in started,
        "steps": [{"kind": step["kind"], **step["settings"]} for step in stage.steps],
    }


def get_agenda(db: Session, workshop: Workshop) -> dict[str, Any]:
    """The workshop's agenda as `GET /api/workshops/<id>/agenda` returns it, with the optional
    stages of the built-in template it was made from (`optional_stages`), which the editor
    offers to add."""
    stages = list_stages(db, workshop.id)
    started = started_stage_ids(db, stages)
    template = built_in_templates().get(workshop.template or "")
    optional: list[dict[str, Any]] = []
    if template is not None:
        # Its optional stages join the workshop's agenda: in the workshop's language.
        with i18n.use_language(workshop.language):
            optional = optional_stages(
                localized(template),
                organization=workshop.organization,
                horizon_years=workshop.horizon_years,
            )
    return {
        "stages": [stage_json(stage, started) for stage in stages],
        "activities": activities.describe(),
        "optional_stages": optional,
    }


def _started_changes(stage: Stage, draft: agenda.StageDraft) -> None:
    if draft.key != stage.key or list(draft.steps) != list(stage.steps):
        raise DomainError(
            "stage_started",
            i18n.gettext(
                "Stage %(title)s has started: only its title and prompt can change.",
                title=repr(stage.title),
            ),
        )


def replace_agenda(db: Session, *, workshop: Workshop, body: Any) -> list[Stage]:
    """Replace the stages that have not started; started ones keep their steps and order.

    Stages named by `id` are kept (and edited); stages without an `id` are new; stages left
    out are removed with their items. A started stage (see `started_stage_ids`) may only be
    renamed or re-prompted, and may not be removed or moved past another started stage. Any
    refusal changes nothing.
    """
    require_active(workshop)
    # Refusals in the reader's language; the settings left out (a new stage's default
    # categories, scales, quadrants) filled in the workshop's, like its template's texts.
    check_agenda(body)
    with i18n.use_language(workshop.language):
        drafts = check_agenda(body)
    existing = {stage.id: stage for stage in list_stages(db, workshop.id)}
    named = {draft.id for draft in drafts if draft.id is not None}
    for draft in drafts:
        if draft.id is not None and draft.id not in existing:
            raise DomainError(
                "stage_not_found", i18n.gettext("This workshop has no stage %(id)s.", id=draft.id)
            )
    locked = started_stage_ids(db, list(existing.values()))
    started = [stage for stage in existing.values() if stage.id in locked]
    for stage in started:
        if stage.id not in named:
            raise DomainError(
                "stage_started",
                i18n.gettext(
                    "Stage %(title)s has started and cannot be removed.", title=repr(stage.title)
                ),
            )
    started_positions = [
        index for index, draft in enumerate(drafts) if existing.get(draft.id or 0) in started
    ]
    original = sorted(started, key=lambda stage: stage.position)
    if [drafts[i].id for i in started_positions] != [stage.id for stage in original]:
        raise DomainError("stage_started", i18n.gettext("Started stages cannot be reordered."))
    kept: list[Stage] = []
    for position, draft in enumerate(drafts):
        found = existing.get(draft.id) if draft.id is not None else None
        if found is not None and found.id in locked:
            _started_changes(found, draft)
        elif (
            found is not None
            and found.step_index >= 0
            and draft.steps[0]["kind"] != found.steps[0]["kind"]
        ):
            # Opened but unused, and its first step changed: it is pending again, with no
            # countdown (a step change clears it).
            found.step_index = -1
            timer.clear_on_step_change(found)
        row = found or Stage(
            workshop_id=workshop.id, position=position, key=draft.key, title="", prompt=""
        )
        row.key = draft.key
        row.title = draft.title
        row.prompt = draft.prompt
        row.steps = [dict(step) for step in draft.steps]
        kept.append(row)
    removed = [stage for stage_id, stage in existing.items() if stage_id not in named]
    for stage in removed:
        _delete_stage(db, stage)
    for position, stage in enumerate(kept):
        stage.position = position
        db.add(stage)
    db.flush()
    if workshop.current_stage_id not in {stage.id for stage in kept}:
        # The current stage was removed: the first one is current now, afresh.
        workshop.current_stage_id = kept[0].id
        workshop.focus_idea_id = None
        timer.clear_on_step_change(kept[0])
        db.add(workshop)
    db.commit()
    return kept


def _delete_stage(db: Session, stage: Stage) -> None:
    """Remove a pending stage and whatever was stored for it (only preloaded items can be)."""
    assert stage.id is not None
    for table in activities.tables_by_stage():
        db.execute(delete(table).where(table.stage_id == stage.id))  # type: ignore[attr-defined]
    counters.drop_stage(db, stage.id)
    db.execute(delete(Idea).where(col(Idea.stage_id) == stage.id))
    db.delete(stage)


MAX_TEMPLATES_PER_WORKSHOP = 10
DEFAULT_SAVED_TITLE = i18n.N_("Saved agenda")


def unfill_prompt(prompt: str, *, organization: str | None, horizon_years: int) -> str:
    """Put `{org}` and `{horizon}` back into a prompt filled in for one workshop, so a saved
    template asks the next organisation about itself."""
    words = agenda.prompt_words(organization=organization, horizon_years=horizon_years)
    horizon, org = words["{horizon}"], words["{org}"]
    pattern = "|".join(re.escape(word) for word in sorted({org, horizon}, key=len, reverse=True))
    return re.sub(pattern, lambda found: "{org}" if found.group(0) == org else "{horizon}", prompt)


def _unfilled(workshop: Workshop, prompt: str) -> str:
    """A stage's prompt with its placeholders back, read in the workshop's language (the one
    its prompts were filled in)."""
    with i18n.use_language(workshop.language):
        return unfill_prompt(
            prompt, organization=workshop.organization, horizon_years=workshop.horizon_years
        )


def save_template(
    db: Session, *, workshop: Workshop, title: str | None = None, description: str | None = None
) -> AgendaTemplate:
    """Save a workshop's agenda as a new template of its own and return it.

    Prompts get their `{org}` and `{horizon}` placeholders back. The title defaults to
    "Saved agenda" and the description to "" (never the workshop's title: the template may
    travel to another organisation); a workshop can save at most MAX_TEMPLATES_PER_WORKSHOP
    templates. The id is `secrets.token_urlsafe(24)` (192 random bits): whoever has it can
    start a workshop from the template, and nobody can find it otherwise.
    """
    saved = db.exec(
        select(func.count())
        .select_from(AgendaTemplate)
        .where(AgendaTemplate.source_workshop_id == workshop.id)
    ).one()
    if saved >= MAX_TEMPLATES_PER_WORKSHOP:
        raise DomainError(
            "too_many_templates",
            i18n.gettext(
                "A workshop can save at most %(n)s templates.", n=MAX_TEMPLATES_PER_WORKSHOP
            ),
        )
    name = squash_spaces(title or i18n.gettext(DEFAULT_SAVED_TITLE))
    if not name or len(name) > 120:
        raise DomainError(
            "invalid_template", i18n.gettext("A template title is 1 to 120 characters.")
        )
    about = squash_spaces(description or "")
    if len(about) > 400:
        raise DomainError(
            "invalid_template", i18n.gettext("A template description is at most 400 characters.")
        )
    stages = list_stages(db, workshop.id)
    body = {
        "stages": [
            {
                "key": stage.key,
                "title": stage.title,
                "prompt": _unfilled(workshop, stage.prompt),
                "steps": [{"kind": s["kind"], **s["settings"]} for s in stage.steps],
            }
            for stage in stages
        ]
    }
    check_agenda(body)
    # 32 characters: the id is kept (up to 40) on every workshop made from the template.
    row = AgendaTemplate(
        id=secrets.token_urlsafe(24),
        title=name,
        description=about,
        source_workshop_id=workshop.id,
        stages=body["stages"],
    )
    db.add(row)
    db.commit()
    return row


# ------------------------------------------------------------------ a change of the room's language


def _template_texts(node: Any, key: str | None = None) -> set[str]:
    """The English texts of a built-in template's steps (or any part of one) that `localized`
    translates: each string under a key of TEXT_KEYS and each quadrant name."""
    if isinstance(node, Mapping):
        if key == "quadrants":
            return {v for v in node.values() if isinstance(v, str) and v.strip()}
        return {text for name, value in node.items() for text in _template_texts(value, name)}
    if isinstance(node, list):
        return {text for item in node for text in _template_texts(item, key)}
    if key in TEXT_KEYS and isinstance(node, str) and node.strip():
        return {node}
    return set()


@functools.cache
def _built_in_texts() -> tuple[dict[str, list[tuple[str, str]]], frozenset[str]]:
    """Every built-in template's stages by key (English title and prompt, optional stages
    too: the editor adds them and presets come from them), and the English texts of their
    steps' settings and of each level's defaults (categories, scales, quadrant names)."""
    stages: dict[str, list[tuple[str, str]]] = {}
    texts: set[str] = set()
    for template in built_in_templates().values():
        for stage in template["stages"]:
            pair = (stage["title"], stage["prompt"])
            if pair not in stages.setdefault(stage["key"], []):
                stages[stage["key"]].append(pair)
            texts |= _template_texts(stage["steps"])
    for activity in activities.REGISTRY.values():
        for level in LEVELS:
            texts |= _template_texts(activity.level_defaults(level))
    return stages, frozenset(texts)


def _in(language: str, msgid: str) -> str:
    """A template's text as a workshop in `language` stores it."""
    with i18n.use_language(language):
        return squash_spaces(i18n.gettext(msgid))


def _filled(workshop: Workshop, language: str, prompt: str) -> str:
    """A template's prompt filled in for the workshop, as a workshop in `language` stores it."""
    with i18n.use_language(language):
        return agenda.fill_prompt(
            _in(language, prompt),
            organization=workshop.organization,
            horizon_years=workshop.horizon_years,
        )


def _renamed(node: Any, names: Mapping[str, str], key: str | None = None) -> Any:
    """A step's settings with each template text found in `names` (its text in the old
    language -> in the new one) replaced; every other value as it was."""
    if isinstance(node, Mapping):
        if key == "quadrants":
            return {k: names.get(v, v) if isinstance(v, str) else v for k, v in node.items()}
        return {name: _renamed(value, names, name) for name, value in node.items()}
    if isinstance(node, list):
        return [_renamed(item, names, key) for item in node]
    if key in TEXT_KEYS and isinstance(node, str):
        return names.get(node, node)
    return node


def retranslate(db: Session, workshop: Workshop, old: str, new: str) -> None:
    """The room's language changed from `old` to `new`: each stage that has not started (see
    `started_stage_ids`) whose title, prompt (filled in for the workshop) or template-given
    category labels and hints, scale names and ends and quadrant names are still exactly a
    built-in template's text in `old` gets that text in `new`. What the facilitator edited,
    and started stages, stay as they are. Not committed: the caller's transaction."""
    if old == new:
        return
    by_key, texts = _built_in_texts()
    names: dict[str, str] = {}
    clashes: set[str] = set()
    for msgid in texts:
        before, after = _in(old, msgid), _in(new, msgid)
        if names.get(before, after) != after:
            clashes.add(before)  # two texts read the same in `old`: which one is unknown
        names[before] = after
    for clash in clashes:
        del names[clash]
    stages = list_stages(db, workshop.id)
    started = started_stage_ids(db, stages)
    for stage in stages:
        if stage.id in started:
            continue
        title, prompt = stage.title, stage.prompt
        for their_title, their_prompt in by_key.get(stage.key, []):
            if title == stage.title == _in(old, their_title):
                title = _in(new, their_title)
            if (
                prompt == stage.prompt
                and their_prompt.strip()
                and stage.prompt == _filled(workshop, old, their_prompt)
            ):
                prompt = _filled(workshop, new, their_prompt)
        changed = (title, prompt) != (stage.title, stage.prompt)
        stage.title, stage.prompt = title, prompt
        steps = [_renamed(dict(step), names) for step in stage.steps]
        if steps != list(stage.steps):
            stage.steps, changed = steps, True
        if changed:
            db.add(stage)
