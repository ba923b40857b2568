"""Agenda templates: which stages a new workshop gets, with their prompts and settings."""

from __future__ import annotations

from dataclasses import dataclass

HORIZONS: tuple[int, ...] = (1, 3, 5, 10)
DEFAULT_HORIZON = 3
DEFAULT_TEMPLATE = "strategic-plan"


@dataclass(frozen=True)
class StageSpec:
    """One stage of a template; the prompt may use {org} and {horizon}."""

    key: str
    title: str
    prompt: str
    select_count: int
    dot_budget: int = 5
    max_dots_per_idea: int = 3
    shortlist_size: int = 5


TEMPLATES: dict[str, tuple[StageSpec, ...]] = {
    "strategic-plan": (
        StageSpec(
            key="vision",
            title="Vision",
            prompt="Where should {org} be in {horizon}? Describe it in one sentence.",
            select_count=1,
        ),
        StageSpec(
            key="goals",
            title="Goals",
            prompt="What must be true in {horizon} for {org} to reach that vision? "
            "Name one strategic goal.",
            select_count=3,
        ),
        StageSpec(
            key="projects",
            title="Projects",
            prompt="Which time-bound project would move {org} towards one of our goals?",
            select_count=5,
        ),
    ),
}


def stage_prompt(spec: StageSpec, *, organization: str | None, horizon_years: int) -> str:
    """Fill a template prompt in with the organisation and horizon."""
    org = organization or "our organisation"
    horizon = "1 year" if horizon_years == 1 else f"{horizon_years} years"
    return spec.prompt.format(org=org, horizon=horizon)
