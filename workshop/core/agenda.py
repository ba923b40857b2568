"""Agendas: the stages of a workshop and the steps of each, as templates and the editor send them.

Pure validation of the shape and order; each step's own settings are checked by the activity
registry, passed in as `check_step`, and the order rules read each kind's traits, passed in as
`traits` (kind -> its traits, in the registry's order), so the core does not depend on the
activities and names no kind of step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import DomainError
from .levels import STAGE_KEY
from .traits import DECIDES, FEEDS_SHORTLIST, NEEDS_SELECTED, SHORTLISTS

HORIZONS: tuple[int, ...] = (1, 3, 5, 10)
DEFAULT_HORIZON = 3
DEFAULT_TEMPLATE = "strategic-plan"
MAX_STAGES = 12
MAX_STEPS = 8
STAGE_TITLE_MAX = 80
PROMPT_MAX = 400
StepChecker = Callable[[str, Mapping[str, Any]], dict[str, Any]]
Traits = Mapping[str, frozenset[str]]
"""Each kind of step's traits (`core.traits`), in the order the agenda editor lists the kinds."""


@dataclass(frozen=True)
class StageDraft:
    """One stage of an agenda, validated; `id` is set when it names an existing stage."""

    key: str
    title: str
    prompt: str
    steps: tuple[dict[str, Any], ...]
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The stage as templates and the agenda API write it."""
        body: dict[str, Any] = {"key": self.key, "title": self.title, "prompt": self.prompt}
        body["steps"] = [{"kind": step["kind"], **step["settings"]} for step in self.steps]
        return body


def fill_prompt(prompt: str, *, organization: str | None, horizon_years: int) -> str:
    """Fill `{org}` and `{horizon}` in a template prompt; other braces stay as written."""
    values = {
        "{org}": organization or "our organisation",
        "{horizon}": "1 year" if horizon_years == 1 else f"{horizon_years} years",
    }
    # One pass, so braces inside the organisation's name are kept as written.
    return re.sub(r"\{org\}|\{horizon\}", lambda found: values[found.group(0)], prompt)


def _text(raw: Mapping[str, Any], name: str, limit: int, index: int, *, required: bool) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("invalid_agenda", f"stages[{index}].{name} must be text.")
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise DomainError(f"{name}_required", f"stages[{index}] needs a {name}.")
    if len(cleaned) > limit:
        raise DomainError(
            f"{name}_too_long", f"stages[{index}].{name} can be at most {limit} characters."
        )
    return cleaned


def _join(words: Sequence[str], last: str) -> str:
    """'A', 'A and B', 'A, B and C' (or 'or')."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def check_steps(
    kinds: Sequence[str],
    index: int,
    *,
    traits: Traits,
    labels: Mapping[str, str] | None = None,
    stage: str | None = None,
) -> None:
    """The order rules: each kind once; a step that shortlists (rank) needs a step that feeds
    a shortlist (vote, allocate or rate) before it; and only steps that need selected items
    (link, define) may follow the step that decides (done). Kinds without traits are free.

    A refusal names steps by their `labels` (as the agenda editor shows them: "Impact and
    effort", "Results") and the stage by `stage` (its title), else by its place."""
    names = labels or {}

    def name(kind: str) -> str:
        return names.get(kind, kind)

    def having(trait: str) -> list[str]:
        return [kind for kind, its in traits.items() if trait in its]

    def has(kind: str, trait: str) -> bool:
        return trait in traits.get(kind, frozenset())

    where = stage or f"stage {index + 1}"
    for position, kind in enumerate(kinds):
        if kind in kinds[:position]:
            raise DomainError(
                "duplicate_step",
                f"{name(kind)} appears twice in {where}: a stage runs each step once.",
            )
    for position, kind in enumerate(kinds):
        if has(kind, SHORTLISTS) and not any(has(k, FEEDS_SHORTLIST) for k in kinds[:position]):
            feeders = [name(k) for k in having(FEEDS_SHORTLIST)] or ["scoring"]
            raise DomainError(
                "step_order",
                f"{name(kind)} needs a {_join(feeders, 'or')} step before it "
                f"in {where}: it ranks the top ideas of that step.",
            )
    deciding = next((position for position, k in enumerate(kinds) if has(k, DECIDES)), None)
    if deciding is not None:
        wrong = [kind for kind in kinds[deciding + 1 :] if not has(kind, NEEDS_SELECTED)]
        if wrong:
            allowed = [name(k) for k in having(NEEDS_SELECTED)] or ["no steps"]
            raise DomainError(
                "step_order",
                f"{name(wrong[0])} can't come after {name(kinds[deciding])} in {where}: only "
                f"{_join(allowed, 'and')} work on the selected items.",
            )


def stage_label(raw: Any, index: int) -> str:
    """How messages name a stage: its place, and its title (else its key) when it has one."""
    name = ""
    if isinstance(raw, Mapping):
        for field_name in ("title", "key"):
            value = raw.get(field_name)
            if isinstance(value, str) and value.strip():
                name = " ".join(value.split())[:40]
                break
    return f"Stage {index + 1} ({name})" if name else f"Stage {index + 1}"


class _StageNamed(DomainError):
    """A refusal whose message already names its stage in words."""


def check_stage(
    raw: Any,
    index: int,
    check_step: StepChecker,
    labels: Mapping[str, str] | None = None,
    *,
    traits: Traits,
) -> StageDraft:
    """Validate one stage `{"id"?, "key", "title", "prompt", "steps": [...]}` (its step order
    by the kinds' `traits`); a refusal's message names the stage by its place and title and
    each step by its label (`labels`, kind to label), as the agenda editor shows them."""
    try:
        return _check_stage(raw, index, check_step, labels, traits)
    except _StageNamed as exc:
        raise DomainError(exc.code, exc.message) from None
    except DomainError as exc:
        found = re.match(rf"stages\[{index}\](\.|: | )?(.*)", exc.message, re.S)
        # "stages[2] needs a title." reads "Stage 3 (Goals) needs a title."
        joint, detail = (found.group(1), found.group(2)) if found else (None, exc.message)
        glue = " " if joint == " " else ": "
        raise DomainError(exc.code, f"{stage_label(raw, index)}{glue}{detail}") from None


def _check_stage(
    raw: Any,
    index: int,
    check_step: StepChecker,
    labels: Mapping[str, str] | None,
    traits: Traits,
) -> StageDraft:
    if not isinstance(raw, Mapping):
        raise DomainError("invalid_agenda", f"stages[{index}] must be an object.")
    key = raw.get("key")
    if not isinstance(key, str) or not STAGE_KEY.fullmatch(key):
        raise DomainError(
            "invalid_stage_key",
            f"stages[{index}].key must be lower-case letters, digits and dashes (1-40), "
            "starting with a letter.",
        )
    stage_id = raw.get("id")
    if stage_id is not None and (
        not isinstance(stage_id, int) or isinstance(stage_id, bool) or stage_id < 1
    ):
        raise DomainError("invalid_agenda", f"stages[{index}].id must be a stage id.")
    title = _text(raw, "title", STAGE_TITLE_MAX, index, required=True)
    prompt = _text(raw, "prompt", PROMPT_MAX, index, required=False)
    steps = raw.get("steps")
    if not isinstance(steps, list):
        raise DomainError("invalid_agenda", f"stages[{index}].steps must be a list.")
    if not steps:
        raise DomainError("steps_required", f"stages[{index}] needs at least one step.")
    if len(steps) > MAX_STEPS:
        raise DomainError("too_many_steps", f"A stage can have at most {MAX_STEPS} steps.")
    checked = []
    for step in steps:
        if not isinstance(step, Mapping):
            raise DomainError("invalid_agenda", f"stages[{index}].steps must hold objects.")
        checked.append(check_step(key, step))
    try:
        kinds = [step["kind"] for step in checked]
        check_steps(kinds, index, traits=traits, labels=labels, stage=title)
    except DomainError as exc:
        raise _StageNamed(exc.code, exc.message) from None
    return StageDraft(key=key, title=title, prompt=prompt, steps=tuple(checked), id=stage_id)


def check_agenda(
    raw: Any,
    check_step: StepChecker,
    labels: Mapping[str, str] | None = None,
    *,
    traits: Traits,
) -> list[StageDraft]:
    """Validate a whole agenda `{"stages": [...]}` (step orders by the kinds' `traits`); every
    problem is a specific DomainError whose message names stages and steps (by `labels`, kind
    to label) as the editor does."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("stages"), list):
        raise DomainError("invalid_agenda", 'Send {"stages": [...]}.')
    stages = raw["stages"]
    if not stages:
        raise DomainError("agenda_empty", "An agenda needs at least one stage.")
    if len(stages) > MAX_STAGES:
        raise DomainError("too_many_stages", f"An agenda can have at most {MAX_STAGES} stages.")
    drafts = [
        check_stage(stage, index, check_step, labels, traits=traits)
        for index, stage in enumerate(stages)
    ]
    keys = [draft.key for draft in drafts]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise DomainError(
                "duplicate_stage_key",
                f"{drafts[keys.index(key)].title} and {drafts[index].title} have the same "
                f"level ({key}): a plan has each level once.",
            )
    ids = [draft.id for draft in drafts if draft.id is not None]
    if len(set(ids)) != len(ids):
        raise DomainError("invalid_agenda", "A stage id appears twice.")
    return drafts
