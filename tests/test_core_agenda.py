"""The pure agenda validation in `workshop.core.agenda`: table tests of every rule and code.

Most tables run with a tiny fake step checker, so they test the agenda's own rules; the last
ones run with the real activity registry (`workshop.activities.check_step`). The order rules
always read the registry's traits (`traits_by_kind()`), as the service passes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from workshop.activities import check_step, traits_by_kind
from workshop.core import agenda
from workshop.core.agenda import StageDraft, fill_prompt
from workshop.core.errors import DomainError
from workshop.core.traits import DECIDES, FEEDS_SHORTLIST, NEEDS_SELECTED, SHORTLISTS


def check_steps(kinds: list[str], index: int, **named: Any) -> None:
    """`agenda.check_steps` with the registry's traits."""
    named.setdefault("traits", traits_by_kind())
    agenda.check_steps(kinds, index, **named)


def check_stage(
    raw: Any, index: int, checker: agenda.StepChecker, labels: Mapping[str, str] | None = None
) -> StageDraft:
    """`agenda.check_stage` with the registry's traits."""
    return agenda.check_stage(raw, index, checker, labels, traits=traits_by_kind())


def check_agenda(
    raw: Any, checker: agenda.StepChecker, labels: Mapping[str, str] | None = None
) -> list[StageDraft]:
    """`agenda.check_agenda` with the registry's traits."""
    return agenda.check_agenda(raw, checker, labels, traits=traits_by_kind())


def fake_step(level: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A step checker that knows no activities: every kind is fine, settings pass through."""
    if raw.get("kind") == "refused":
        raise DomainError("fake_refusal", f"refused on {level}")
    return {"kind": raw["kind"], "settings": {k: v for k, v in raw.items() if k != "kind"}}


def stage(key: str = "vision", *kinds: str, **extra: Any) -> dict[str, Any]:
    """A valid stage body with these step kinds (brainstorm and done by default)."""
    body: dict[str, Any] = {
        "key": key,
        "title": key.title(),
        "prompt": f"About {key}?",
        "steps": [{"kind": kind} for kind in (kinds or ("brainstorm", "done"))],
    }
    body.update(extra)
    return body


def code_of(call: Any, *args: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert caught.value.message
    return caught.value.code


# --------------------------------------------------------------------------- fill_prompt


@pytest.mark.parametrize(
    ("prompt", "organization", "horizon", "expected"),
    [
        ("Where should {org} be in {horizon}?", "Acme", 3, "Where should Acme be in 3 years?"),
        (
            "Where should {org} be in {horizon}?",
            None,
            5,
            "Where should our organisation be in 5 years?",
        ),
        (
            "Where should {org} be in {horizon}?",
            "",
            10,
            "Where should our organisation be in 10 years?",
        ),
        ("In {horizon}", "Acme", 1, "In 1 year"),
        ("{org} and {org}", "Acme", 3, "Acme and Acme"),
        ("No placeholders", "Acme", 3, "No placeholders"),
        ("Keep {other} and {ORG} and {}", "Acme", 3, "Keep {other} and {ORG} and {}"),
        ("", "Acme", 3, ""),
    ],
)
def test_fill_prompt(prompt: str, organization: str | None, horizon: int, expected: str) -> None:
    assert fill_prompt(prompt, organization=organization, horizon_years=horizon) == expected


def test_fill_prompt_takes_the_organisation_name_literally() -> None:
    """The name is the facilitator's text, not part of the template: braces in it stay."""
    filled = fill_prompt("{org} in {horizon}", organization="Team {horizon}", horizon_years=3)
    assert filled == "Team {horizon} in 3 years"


# --------------------------------------------------------------------------- check_steps


@pytest.mark.parametrize(
    "kinds",
    [
        ["brainstorm"],
        ["done"],
        ["brainstorm", "vote", "rank", "done"],
        ["brainstorm", "vote", "done"],
        ["brainstorm", "done"],
        ["vote", "rank"],
        ["done", "link"],
        ["done", "define"],
        ["done", "link", "define"],
        ["done", "define", "link"],
        ["brainstorm", "link", "vote", "rank", "done", "define"],
        ["brainstorm", "vote", "rank", "done", "link", "define"],
        ["custom-kind", "another"],
    ],
)
def test_check_steps_accepts(kinds: list[str]) -> None:
    check_steps(kinds, 0)


@pytest.mark.parametrize(
    ("kinds", "code"),
    [
        (["brainstorm", "brainstorm"], "duplicate_step"),
        (["brainstorm", "vote", "done", "vote"], "duplicate_step"),
        (["done", "link", "link"], "duplicate_step"),
        (["rank"], "step_order"),
        (["brainstorm", "rank", "done"], "step_order"),
        (["brainstorm", "rank", "vote", "done"], "step_order"),
        (["done", "brainstorm"], "step_order"),
        (["brainstorm", "done", "vote"], "step_order"),
        (["vote", "done", "rank"], "step_order"),
        (["done", "link", "brainstorm"], "step_order"),
        (["brainstorm", "done", "define", "custom"], "step_order"),
    ],
)
def test_check_steps_refuses(kinds: list[str], code: str) -> None:
    assert code_of(check_steps, kinds, 2) == code


def test_check_steps_names_the_stage_by_place_without_a_title() -> None:
    with pytest.raises(DomainError) as caught:
        check_steps(["rank"], 4)
    assert "in stage 5" in caught.value.message


LABELS = {
    "brainstorm": "Brainstorm",
    "vote": "Dot vote",
    "allocate": "Allocate points",
    "rate": "Impact and effort",
    "rank": "Rank",
    "done": "Results",
    "link": "Link",
    "define": "Define",
}


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        (
            ["brainstorm", "vote", "done", "rate"],
            "Impact and effort can't come after Results in Programs: "
            "only Link and Define work on the selected items.",
        ),
        (
            ["brainstorm", "rank", "done"],
            "Rank needs a Dot vote, Allocate points or Impact and effort step before it in "
            "Programs: it ranks the top ideas of that step.",
        ),
        (
            ["brainstorm", "vote", "vote"],
            "Dot vote appears twice in Programs: a stage runs each step once.",
        ),
    ],
)
def test_check_steps_speaks_the_editors_words(kinds: list[str], message: str) -> None:
    """Steps by their labels and the stage by its title, never internal kinds."""
    with pytest.raises(DomainError) as caught:
        check_steps(kinds, 4, labels=LABELS, stage="Programs")
    assert caught.value.message == message


def test_check_steps_reads_traits_not_names() -> None:
    """A kind the rules have never heard of takes part by its traits alone."""
    traits = {
        "poll": frozenset({FEEDS_SHORTLIST}),
        "order": frozenset({SHORTLISTS}),
        "close": frozenset({DECIDES}),
        "map": frozenset({NEEDS_SELECTED}),
    }
    check_steps(["poll", "order", "close", "map"], 0, traits=traits)
    labels = {"poll": "Poll", "order": "Order", "close": "Close", "map": "Map"}
    with pytest.raises(DomainError) as caught:
        check_steps(["order", "poll"], 0, traits=traits, labels=labels, stage="Goals")
    assert caught.value.message == (
        "Order needs a Poll step before it in Goals: it ranks the top ideas of that step."
    )
    with pytest.raises(DomainError) as caught:
        check_steps(["close", "poll"], 0, traits=traits, labels=labels, stage="Goals")
    assert caught.value.message == (
        "Poll can't come after Close in Goals: only Map work on the selected items."
    )
    check_steps(["order", "close", "poll", "other"], 0, traits={})


# --------------------------------------------------------------------------- check_stage


def test_check_stage_returns_a_draft() -> None:
    raw = stage("goals", "brainstorm", "vote", "done")
    raw["steps"][1]["dot_budget"] = 7
    draft = check_stage(raw, 0, fake_step)
    assert draft == StageDraft(
        key="goals",
        title="Goals",
        prompt="About goals?",
        steps=(
            {"kind": "brainstorm", "settings": {}},
            {"kind": "vote", "settings": {"dot_budget": 7}},
            {"kind": "done", "settings": {}},
        ),
        id=None,
    )
    assert draft.as_dict() == {
        "key": "goals",
        "title": "Goals",
        "prompt": "About goals?",
        "steps": [{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 7}, {"kind": "done"}],
    }


def test_check_stage_collapses_whitespace_and_keeps_the_id() -> None:
    raw = stage("vision", title="  Our \n  vision ", prompt="  Where \t to?  ", id=12)
    draft = check_stage(raw, 0, fake_step)
    assert (draft.title, draft.prompt, draft.id) == ("Our vision", "Where to?", 12)


@pytest.mark.parametrize(
    "changes",
    [
        {"prompt": None},
        {"prompt": ""},
        {"prompt": "p" * agenda.PROMPT_MAX},
        {"title": "t" * agenda.STAGE_TITLE_MAX},
        {"title": " " + "t" * agenda.STAGE_TITLE_MAX + "  "},
        {"key": "a"},
        {"key": "a" * 40},
        {"key": "risks-2030"},
        {"steps": [{"kind": f"k{n}"} for n in range(agenda.MAX_STEPS)]},
        {"id": None},
        {"id": 1},
    ],
)
def test_check_stage_accepts(changes: dict[str, Any]) -> None:
    raw = stage("vision")
    raw.update(changes)
    check_stage(raw, 0, fake_step)


def test_check_stage_without_a_prompt_has_an_empty_one() -> None:
    raw = stage("vision")
    del raw["prompt"]
    assert check_stage(raw, 0, fake_step).prompt == ""


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"key": None}, "invalid_stage_key"),
        ({"key": 5}, "invalid_stage_key"),
        ({"key": ""}, "invalid_stage_key"),
        ({"key": "Vision"}, "invalid_stage_key"),
        ({"key": "1vision"}, "invalid_stage_key"),
        ({"key": "-vision"}, "invalid_stage_key"),
        ({"key": "vi_sion"}, "invalid_stage_key"),
        ({"key": "vi sion"}, "invalid_stage_key"),
        ({"key": "a" * 41}, "invalid_stage_key"),
        ({"key": "vision\n"}, "invalid_stage_key"),
        ({"id": 0}, "invalid_agenda"),
        ({"id": -3}, "invalid_agenda"),
        ({"id": "4"}, "invalid_agenda"),
        ({"id": True}, "invalid_agenda"),
        ({"id": 1.0}, "invalid_agenda"),
        ({"title": None}, "title_required"),
        ({"title": ""}, "title_required"),
        ({"title": " \n\t "}, "title_required"),
        ({"title": 7}, "invalid_agenda"),
        ({"title": ["Vision"]}, "invalid_agenda"),
        ({"title": "t" * (agenda.STAGE_TITLE_MAX + 1)}, "title_too_long"),
        ({"prompt": "p" * (agenda.PROMPT_MAX + 1)}, "prompt_too_long"),
        ({"prompt": 3}, "invalid_agenda"),
        ({"steps": None}, "invalid_agenda"),
        ({"steps": {"kind": "brainstorm"}}, "invalid_agenda"),
        ({"steps": "brainstorm"}, "invalid_agenda"),
        ({"steps": []}, "steps_required"),
        ({"steps": [{"kind": f"k{n}"} for n in range(agenda.MAX_STEPS + 1)]}, "too_many_steps"),
        ({"steps": ["brainstorm"]}, "invalid_agenda"),
        ({"steps": [{"kind": "brainstorm"}, None]}, "invalid_agenda"),
        ({"steps": [{"kind": "brainstorm"}, {"kind": "brainstorm"}]}, "duplicate_step"),
        ({"steps": [{"kind": "rank"}, {"kind": "vote"}]}, "step_order"),
        ({"steps": [{"kind": "done"}, {"kind": "vote"}]}, "step_order"),
        ({"steps": [{"kind": "brainstorm"}, {"kind": "refused"}]}, "fake_refusal"),
    ],
)
def test_check_stage_refuses(changes: dict[str, Any], code: str) -> None:
    raw = stage("vision")
    raw.update(changes)
    assert code_of(check_stage, raw, 3, fake_step) == code


def test_check_stage_without_a_title_is_title_required() -> None:
    raw = stage("vision")
    del raw["title"]
    assert code_of(check_stage, raw, 0, fake_step) == "title_required"


def test_check_stage_without_steps_is_invalid_agenda() -> None:
    raw = stage("vision")
    del raw["steps"]
    assert code_of(check_stage, raw, 0, fake_step) == "invalid_agenda"


@pytest.mark.parametrize("raw", [None, [], "vision", 3, [("key", "vision")]])
def test_check_stage_refuses_what_is_not_an_object(raw: Any) -> None:
    assert code_of(check_stage, raw, 0, fake_step) == "invalid_agenda"


def test_check_stage_passes_the_stage_key_to_the_step_checker() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def spy(level: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        seen.append((level, dict(raw)))
        return fake_step(level, raw)

    check_stage(stage("projects", "brainstorm", "done", "link"), 0, spy)
    assert seen == [
        ("projects", {"kind": "brainstorm"}),
        ("projects", {"kind": "done"}),
        ("projects", {"kind": "link"}),
    ]


def test_check_stage_orders_by_the_kinds_the_checker_returns() -> None:
    """The order rules apply to the checked kinds, not to what was sent."""

    def renaming(level: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"kind": "brainstorm", "settings": {}}

    raw = stage("vision", "vote", "done")
    assert code_of(check_stage, raw, 0, renaming) == "duplicate_step"


# --------------------------------------------------------------------------- check_agenda


def test_check_agenda_returns_the_drafts_in_order() -> None:
    drafts = check_agenda(
        {"stages": [stage("vision"), stage("goals", id=4), stage("projects")]}, fake_step
    )
    assert [(d.key, d.id) for d in drafts] == [("vision", None), ("goals", 4), ("projects", None)]


def test_check_agenda_allows_the_most_stages() -> None:
    stages = [stage(f"stage-{n}") for n in range(agenda.MAX_STAGES)]
    assert len(check_agenda({"stages": stages}, fake_step)) == agenda.MAX_STAGES


def test_check_agenda_ignores_other_top_level_keys() -> None:
    drafts = check_agenda({"stages": [stage("vision")], "title": "x", "id": "y"}, fake_step)
    assert [d.key for d in drafts] == ["vision"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "invalid_agenda"),
        ([], "invalid_agenda"),
        ([stage("vision")], "invalid_agenda"),
        ("stages", "invalid_agenda"),
        ({}, "invalid_agenda"),
        ({"stage": [stage("vision")]}, "invalid_agenda"),
        ({"stages": None}, "invalid_agenda"),
        ({"stages": {"0": stage("vision")}}, "invalid_agenda"),
        ({"stages": stage("vision")}, "invalid_agenda"),
        ({"stages": []}, "agenda_empty"),
        ({"stages": [stage(f"s{n}") for n in range(agenda.MAX_STAGES + 1)]}, "too_many_stages"),
        ({"stages": [stage("vision"), "goals"]}, "invalid_agenda"),
        ({"stages": [stage("vision"), stage("Goals")]}, "invalid_stage_key"),
        ({"stages": [stage("vision"), stage("goals"), stage("vision")]}, "duplicate_stage_key"),
        ({"stages": [stage("vision", id=3), stage("goals", id=3)]}, "invalid_agenda"),
        ({"stages": [stage("vision"), stage("goals", title="")]}, "title_required"),
        ({"stages": [stage("vision"), stage("goals", title="g" * 81)]}, "title_too_long"),
        ({"stages": [stage("vision"), stage("goals", prompt="p" * 401)]}, "prompt_too_long"),
        ({"stages": [stage("vision"), stage("goals", steps=[])]}, "steps_required"),
        (
            {"stages": [stage("vision"), stage("goals", *[f"k{n}" for n in range(9)])]},
            "too_many_steps",
        ),
        ({"stages": [stage("vision", "vote", "vote")]}, "duplicate_step"),
        ({"stages": [stage("vision", "brainstorm", "rank", "done")]}, "step_order"),
        ({"stages": [stage("vision", "refused")]}, "fake_refusal"),
    ],
)
def test_check_agenda_refuses(raw: Any, code: str) -> None:
    assert code_of(check_agenda, raw, fake_step) == code


def test_check_agenda_reports_the_first_bad_stage_by_index() -> None:
    raw = {"stages": [stage("vision"), stage("goals"), stage("projects", title="")]}
    with pytest.raises(DomainError) as caught:
        check_agenda(raw, fake_step)
    assert caught.value.code == "title_required"
    assert caught.value.message == "Stage 3 (projects) needs a title."


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        (stage("goals", title="Strategic  goals", steps=[]), "Stage 2 (Strategic goals) needs "),
        (stage("goals", title="", steps=[]), "Stage 2 (goals) needs a title."),
        (stage("goals", title="g" * 81), "Stage 2 (" + "g" * 40 + "): "),
        ({"key": 5, "title": None}, "Stage 2: "),
        ("goals", "Stage 2 must be an object."),
    ],
)
def test_check_stage_names_the_stage_by_place_and_title(raw: Any, label: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_stage(raw, 1, fake_step)
    assert caught.value.message.startswith(label)
    assert "stages[1]" not in caught.value.message


# --------------------------------------------------------------------------- the real registry


def test_real_checker_fills_in_every_default() -> None:
    drafts = check_agenda(
        {"stages": [stage("goals", "brainstorm", "vote", "rank", "done", "define")]}, check_step
    )
    assert drafts[0].steps == (
        {"kind": "brainstorm", "settings": {"private": False, "named": False, "categories": []}},
        {
            "kind": "vote",
            "settings": {
                "dot_budget": 5,
                "max_dots_per_idea": 3,
                "on": "ideas",
                "shuffle": True,
                "per_category": False,
            },
        },
        {"kind": "rank", "settings": {"shortlist_size": 5, "method": "borda", "shuffle": True}},
        {"kind": "done", "settings": {"select_count": 1, "select_per_category": 0}},
        {"kind": "define", "settings": {}},
    )


@pytest.mark.parametrize(
    ("level", "raw", "settings"),
    [
        (
            "vision",
            {"kind": "vote", "dot_budget": 1},
            {
                "dot_budget": 1,
                "max_dots_per_idea": 3,
                "on": "ideas",
                "shuffle": True,
                "per_category": False,
            },
        ),
        (
            "vision",
            {"kind": "vote", "dot_budget": 100, "max_dots_per_idea": 100},
            {
                "dot_budget": 100,
                "max_dots_per_idea": 100,
                "on": "ideas",
                "shuffle": True,
                "per_category": False,
            },
        ),
        (
            "vision",
            {"kind": "vote", "settings": {"dot_budget": 8}},
            {
                "dot_budget": 8,
                "max_dots_per_idea": 3,
                "on": "ideas",
                "shuffle": True,
                "per_category": False,
            },
        ),
        (
            "vision",
            {"kind": "rank", "shortlist_size": 1},
            {"shortlist_size": 1, "method": "borda", "shuffle": True},
        ),
        (
            "vision",
            {"kind": "rank", "shortlist_size": 50},
            {"shortlist_size": 50, "method": "borda", "shuffle": True},
        ),
        (
            "values",
            {"kind": "done", "select_count": 0},
            {"select_count": 0, "select_per_category": 0},
        ),
        (
            "values",
            {"kind": "done", "select_count": 100},
            {"select_count": 100, "select_per_category": 0},
        ),
        ("programs", {"kind": "link"}, {}),
        ("projects", {"kind": "link"}, {}),
        ("actions", {"kind": "link"}, {}),
        ("goals", {"kind": "link"}, {}),
        ("risks", {"kind": "link"}, {}),
        ("risks", {"kind": "define"}, {}),
        ("risks", {"kind": "brainstorm"}, {"private": False, "named": False, "categories": []}),
        (
            "vision",
            {"kind": "vote", "shuffle": False},
            {
                "dot_budget": 5,
                "max_dots_per_idea": 3,
                "on": "ideas",
                "shuffle": False,
                "per_category": False,
            },
        ),
    ],
)
def test_real_checker_accepts(level: str, raw: dict[str, Any], settings: dict[str, Any]) -> None:
    assert check_step(level, raw) == {"kind": raw["kind"], "settings": settings}


@pytest.mark.parametrize(
    ("level", "raw", "code"),
    [
        ("vision", {}, "unknown_activity"),
        ("vision", {"kind": None}, "unknown_activity"),
        ("vision", {"kind": 3}, "unknown_activity"),
        ("vision", {"kind": "dance"}, "unknown_activity"),
        ("vision", {"kind": "Vote"}, "unknown_activity"),
        ("vision", {"kind": "pending"}, "unknown_activity"),
        ("vision", {"kind": "link"}, "activity_not_allowed"),
        ("mission", {"kind": "link"}, "activity_not_allowed"),
        ("values", {"kind": "link"}, "activity_not_allowed"),
        ("situation", {"kind": "link"}, "activity_not_allowed"),
        ("environment", {"kind": "link"}, "activity_not_allowed"),
        ("risks-2030", {"kind": "link"}, "activity_not_allowed"),
        ("vision", {"kind": "vote", "dot_budget": 0}, "invalid_setting"),
        ("vision", {"kind": "vote", "dot_budget": 101}, "invalid_setting"),
        ("vision", {"kind": "vote", "dot_budget": "5"}, "invalid_setting"),
        ("vision", {"kind": "vote", "dot_budget": 5.0}, "invalid_setting"),
        ("vision", {"kind": "vote", "dot_budget": True}, "invalid_setting"),
        ("vision", {"kind": "vote", "dot_budget": None}, "invalid_setting"),
        ("vision", {"kind": "vote", "max_dots_per_idea": 0}, "invalid_setting"),
        ("vision", {"kind": "vote", "budget": 5}, "invalid_setting"),
        ("vision", {"kind": "vote", "settings": 5}, "invalid_setting"),
        ("vision", {"kind": "vote", "settings": [5]}, "invalid_setting"),
        ("vision", {"kind": "vote", "settings": {"dot_budget": 0}}, "invalid_setting"),
        ("vision", {"kind": "rank", "shortlist_size": 0}, "invalid_setting"),
        ("vision", {"kind": "rank", "shortlist_size": 51}, "invalid_setting"),
        ("vision", {"kind": "done", "select_count": -1}, "invalid_setting"),
        ("vision", {"kind": "done", "select_count": 101}, "invalid_setting"),
        ("vision", {"kind": "brainstorm", "anything": 1}, "invalid_setting"),
        ("programs", {"kind": "link", "max": 3}, "invalid_setting"),
        ("goals", {"kind": "define", "fields": ["text"]}, "invalid_setting"),
    ],
)
def test_real_checker_refuses(level: str, raw: dict[str, Any], code: str) -> None:
    assert code_of(check_step, level, raw) == code


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": 0}], "invalid_setting"),
        ([{"kind": "brainstorm"}, {"kind": "vote", "dot_budget": "5"}], "invalid_setting"),
        ([{"kind": "brainstorm"}, {"kind": "quiz"}], "unknown_activity"),
        ([{"kind": "brainstorm"}, {"kind": "done"}, {"kind": "link"}], "activity_not_allowed"),
        ([{"kind": "brainstorm"}, {"kind": "rank"}, {"kind": "vote"}], "step_order"),
        ([{"kind": "brainstorm"}, {"kind": "done"}, {"kind": "vote"}], "step_order"),
        ([{"kind": "done"}, {"kind": "define"}, {"kind": "define"}], "duplicate_step"),
    ],
)
def test_real_checker_inside_an_agenda(steps: list[dict[str, Any]], code: str) -> None:
    raw = {"stages": [stage("goals"), stage("vision", steps=steps)]}
    assert code_of(check_agenda, raw, check_step) == code


def test_real_checker_accepts_link_and_define_after_done_on_projects() -> None:
    raw = {"stages": [stage("projects", "brainstorm", "vote", "rank", "done", "link", "define")]}
    drafts = check_agenda(raw, check_step)
    assert [step["kind"] for step in drafts[0].steps] == [
        "brainstorm",
        "vote",
        "rank",
        "done",
        "link",
        "define",
    ]
