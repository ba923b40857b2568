"""Agendas: the stages of a workshop and the steps of each, as templates and the editor send them.

Pure validation of the shape and order; each step's own settings are checked by the activity
registry, passed in as `check_step`, so the core does not depend on the activities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import DomainError
from .levels import STAGE_KEY

HORIZONS: tuple[int, ...] = (1, 3, 5, 10)
DEFAULT_HORIZON = 3
DEFAULT_TEMPLATE = "strategic-plan"
MAX_STAGES = 12
MAX_STEPS = 8
STAGE_TITLE_MAX = 80
PROMPT_MAX = 400
DECIDED_KINDS = ("link", "define")
"""The only steps that may follow `done`: they work on the stage's selected items."""

StepChecker = Callable[[str, Mapping[str, Any]], dict[str, Any]]


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


def check_steps(kinds: Sequence[str], index: int) -> None:
    """The order rules: each kind once, a rank needs a vote, allocate or rate
    step before it, and only link and
    define may follow `done` (they work on the selected items)."""
    if len(set(kinds)) != len(kinds):
        raise DomainError("duplicate_step", f"stages[{index}] has the same step twice.")
    scorers = ("vote", "allocate", "rate")
    if "rank" in kinds and not any(k in scorers for k in kinds[: kinds.index("rank")]):
        raise DomainError(
            "step_order",
            f"stages[{index}]: a rank step needs a vote, allocate or rate step before it.",
        )
    if "done" in kinds:
        after = kinds[kinds.index("done") + 1 :]
        wrong = [kind for kind in after if kind not in DECIDED_KINDS]
        if wrong:
            raise DomainError(
                "step_order",
                f"stages[{index}]: only link and define can come after done, not {wrong[0]}.",
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


def check_stage(raw: Any, index: int, check_step: StepChecker) -> StageDraft:
    """Validate one stage `{"id"?, "key", "title", "prompt", "steps": [...]}`; a refusal's
    message starts with the stage's place and title, as the agenda editor shows them."""
    try:
        return _check_stage(raw, index, check_step)
    except DomainError as exc:
        detail = re.sub(rf"^stages\[{index}\](\.|: | )?", "", exc.message)
        raise DomainError(exc.code, f"{stage_label(raw, index)}: {detail}") from None


def _check_stage(raw: Any, index: int, check_step: StepChecker) -> StageDraft:
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
    check_steps([step["kind"] for step in checked], index)
    return StageDraft(key=key, title=title, prompt=prompt, steps=tuple(checked), id=stage_id)


def check_agenda(raw: Any, check_step: StepChecker) -> list[StageDraft]:
    """Validate a whole agenda `{"stages": [...]}`; every problem is a specific DomainError."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("stages"), list):
        raise DomainError("invalid_agenda", 'Send {"stages": [...]}.')
    stages = raw["stages"]
    if not stages:
        raise DomainError("agenda_empty", "An agenda needs at least one stage.")
    if len(stages) > MAX_STAGES:
        raise DomainError("too_many_stages", f"An agenda can have at most {MAX_STAGES} stages.")
    drafts = [check_stage(stage, index, check_step) for index, stage in enumerate(stages)]
    keys = [draft.key for draft in drafts]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise DomainError("duplicate_stage_key", f"Two stages have the key {key!r}.")
    ids = [draft.id for draft in drafts if draft.id is not None]
    if len(set(ids)) != len(ids):
        raise DomainError("invalid_agenda", "A stage id appears twice.")
    return drafts
