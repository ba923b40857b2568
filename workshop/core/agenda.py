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

from ..i18n import gettext, ngettext
from .errors import DomainError
from .levels import STAGE_KEY
from .rules import squash_spaces
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


def prompt_words(*, organization: str | None, horizon_years: int) -> dict[str, str]:
    """What `{org}` and `{horizon}` stand for in a workshop's prompts, in the language in force
    (the workshop's, where its prompts are filled): its organisation (else "our
    organisation") and its horizon ("3 years")."""
    return {
        "{org}": organization or gettext("our organisation"),
        "{horizon}": ngettext("%(n)s year", "%(n)s years", horizon_years),
    }


def fill_prompt(prompt: str, *, organization: str | None, horizon_years: int) -> str:
    """Fill `{org}` and `{horizon}` in a template prompt (in the language in force); other
    braces stay as written."""
    values = prompt_words(organization=organization, horizon_years=horizon_years)
    # One pass, so braces inside the organisation's name are kept as written.
    return re.sub(r"\{org\}|\{horizon\}", lambda found: values[found.group(0)], prompt)


class _StageProblem(DomainError):
    """A refusal about one stage, worded without naming it (`check_stage` names it): `joint`
    is how the two read together, " " ("Stage 3 (Goals) needs a title.") or ": "."""

    def __init__(self, code: str, message: str, joint: str = ": ") -> None:
        super().__init__(code, message)
        self.joint = joint


def _text(raw: Mapping[str, Any], name: str, limit: int, index: int, *, required: bool) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _StageProblem("invalid_agenda", gettext("%(field)s must be text.", field=name))
    cleaned = squash_spaces(value)
    if required and not cleaned:
        # Only a title is required.
        raise _StageProblem(f"{name}_required", gettext("needs a title."), " ")
    if len(cleaned) > limit:
        raise _StageProblem(
            f"{name}_too_long",
            gettext("%(field)s can be at most %(limit)s characters.", field=name, limit=limit),
        )
    return cleaned


def _join(words: Sequence[str], last: str) -> str:
    """'A', 'A and B', 'A, B and C' (or 'or')."""
    if len(words) == 1:
        return words[0]
    joined = ", ".join(words[:-1])
    if last == "or":
        return gettext("%(items)s or %(last)s", items=joined, last=words[-1])
    return gettext("%(items)s and %(last)s", items=joined, last=words[-1])


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

    where = stage or gettext("stage %(n)s", n=index + 1)
    for position, kind in enumerate(kinds):
        if kind in kinds[:position]:
            raise DomainError(
                "duplicate_step",
                gettext(
                    "%(step)s appears twice in %(stage)s: a stage runs each step once.",
                    step=name(kind),
                    stage=where,
                ),
            )
    for position, kind in enumerate(kinds):
        if has(kind, SHORTLISTS) and not any(has(k, FEEDS_SHORTLIST) for k in kinds[:position]):
            feeders = [name(k) for k in having(FEEDS_SHORTLIST)] or [gettext("scoring")]
            raise DomainError(
                "step_order",
                gettext(
                    "%(step)s needs a %(feeders)s step before it in %(stage)s: it ranks the "
                    "top ideas of that step.",
                    step=name(kind),
                    feeders=_join(feeders, "or"),
                    stage=where,
                ),
            )
    deciding = next((position for position, k in enumerate(kinds) if has(k, DECIDES)), None)
    if deciding is not None:
        wrong = [kind for kind in kinds[deciding + 1 :] if not has(kind, NEEDS_SELECTED)]
        if wrong:
            allowed = [name(k) for k in having(NEEDS_SELECTED)] or [gettext("no steps")]
            raise DomainError(
                "step_order",
                gettext(
                    "%(step)s can't come after %(deciding)s in %(stage)s: only %(allowed)s "
                    "work on the selected items.",
                    step=name(wrong[0]),
                    deciding=name(kinds[deciding]),
                    stage=where,
                    allowed=_join(allowed, "and"),
                ),
            )


def stage_label(raw: Any, index: int) -> str:
    """How messages name a stage: its place, and its title (else its key) when it has one."""
    name = ""
    if isinstance(raw, Mapping):
        for field_name in ("title", "key"):
            value = raw.get(field_name)
            if isinstance(value, str) and value.strip():
                name = squash_spaces(value)[:40]
                break
    if name:
        return gettext("Stage %(n)s (%(name)s)", n=index + 1, name=name)
    return gettext("Stage %(n)s", n=index + 1)


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
    except _StageProblem as exc:
        # "needs a title." reads "Stage 3 (Goals) needs a title."
        raise DomainError(exc.code, _named(raw, index, exc.message, exc.joint)) from None
    except DomainError as exc:
        # A step's own refusal (the registry's): "Stage 3 (Goals): …".
        raise DomainError(exc.code, _named(raw, index, exc.message, ": ")) from None


def _named(raw: Any, index: int, problem: str, joint: str) -> str:
    """A stage's refusal with the stage named in front of it."""
    if joint == " ":
        return gettext("%(stage)s %(problem)s", stage=stage_label(raw, index), problem=problem)
    return gettext("%(stage)s: %(problem)s", stage=stage_label(raw, index), problem=problem)


def _check_stage(
    raw: Any,
    index: int,
    check_step: StepChecker,
    labels: Mapping[str, str] | None,
    traits: Traits,
) -> StageDraft:
    if not isinstance(raw, Mapping):
        raise _StageProblem("invalid_agenda", gettext("must be an object."), " ")
    key = raw.get("key")
    if not isinstance(key, str) or not STAGE_KEY.fullmatch(key):
        raise _StageProblem(
            "invalid_stage_key",
            gettext(
                "key must be lower-case letters, digits and dashes (1-40), starting with a letter."
            ),
        )
    stage_id = raw.get("id")
    if stage_id is not None and (
        not isinstance(stage_id, int) or isinstance(stage_id, bool) or stage_id < 1
    ):
        raise _StageProblem("invalid_agenda", gettext("id must be a stage id."))
    title = _text(raw, "title", STAGE_TITLE_MAX, index, required=True)
    prompt = _text(raw, "prompt", PROMPT_MAX, index, required=False)
    steps = raw.get("steps")
    if not isinstance(steps, list):
        raise _StageProblem("invalid_agenda", gettext("steps must be a list."))
    if not steps:
        raise _StageProblem("steps_required", gettext("needs at least one step."), " ")
    if len(steps) > MAX_STEPS:
        raise DomainError(
            "too_many_steps", gettext("A stage can have at most %(n)s steps.", n=MAX_STEPS)
        )
    checked = []
    for step in steps:
        if not isinstance(step, Mapping):
            raise _StageProblem("invalid_agenda", gettext("steps must hold objects."))
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
        raise DomainError("invalid_agenda", gettext('Send {"stages": [...]}.'))
    stages = raw["stages"]
    if not stages:
        raise DomainError("agenda_empty", gettext("An agenda needs at least one stage."))
    if len(stages) > MAX_STAGES:
        raise DomainError(
            "too_many_stages", gettext("An agenda can have at most %(n)s stages.", n=MAX_STAGES)
        )
    drafts = [
        check_stage(stage, index, check_step, labels, traits=traits)
        for index, stage in enumerate(stages)
    ]
    keys = [draft.key for draft in drafts]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise DomainError(
                "duplicate_stage_key",
                gettext(
                    "%(first)s and %(second)s have the same level (%(key)s): a plan has each "
                    "level once.",
                    first=drafts[keys.index(key)].title,
                    second=drafts[index].title,
                    key=key,
                ),
            )
    ids = [draft.id for draft in drafts if draft.id is not None]
    if len(set(ids)) != len(ids):
        raise DomainError("invalid_agenda", gettext("A stage id appears twice."))
    return drafts
