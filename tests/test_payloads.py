"""Payload parsing: anything not shaped like the documented event is answered invalid_payload."""

from __future__ import annotations

from typing import Any

import pytest

from workshop.activities.brainstorm import IdeaSubmitPayload
from workshop.activities.rank import RankingSetPayload
from workshop.activities.vote import VotesSetPayload
from workshop.core import rules
from workshop.core.errors import DomainError
from workshop.core.payloads import (
    CreateWorkshopPayload,
    EmptyPayload,
    FacilitatePayload,
    IdeaHidePayload,
    JoinPayload,
    Payload,
    StagePayload,
    StagePhasePayload,
    parse,
)


def refused(model: type[Payload], raw: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        parse(model, raw)
    return caught.value


@pytest.mark.parametrize("raw", [[], ["stage_id", 1], "stage_id=1", 1, 1.5, True, b"{}"])
@pytest.mark.parametrize("model", [StagePayload, EmptyPayload, JoinPayload])
def test_a_payload_that_is_not_an_object_is_refused(model: type[Payload], raw: Any) -> None:
    assert refused(model, raw).code == "invalid_payload"


def test_an_event_without_arguments_is_an_empty_object() -> None:
    assert parse(EmptyPayload, None) == EmptyPayload()
    assert parse(EmptyPayload, {}) == EmptyPayload()
    assert refused(StagePayload, None).code == "invalid_payload"


@pytest.mark.parametrize(
    ("model", "raw"),
    [
        (JoinPayload, {}),
        (JoinPayload, {"name": "Ana"}),
        (FacilitatePayload, {"workshop_id": "3f9c0a1b2c3d4e5f"}),
        (FacilitatePayload, {"key": "k"}),
        (IdeaSubmitPayload, {"stage_id": 1}),
        (IdeaSubmitPayload, {"text": "an idea"}),
        (VotesSetPayload, {"stage_id": 1}),
        (VotesSetPayload, {"votes": {"1": 1}}),
        (RankingSetPayload, {"stage_id": 1}),
        (RankingSetPayload, {"order": [1]}),
        (StagePhasePayload, {"stage_id": 1}),
        (StagePhasePayload, {"phase": "vote"}),
        (StagePayload, {}),
        (IdeaHidePayload, {"hidden": True}),
        (CreateWorkshopPayload, {"organization": "Acme"}),
    ],
)
def test_a_missing_key_is_refused(model: type[Payload], raw: dict[str, Any]) -> None:
    assert refused(model, raw).code == "invalid_payload"


@pytest.mark.parametrize(
    ("model", "raw"),
    [
        (StagePayload, {"stage_id": "3"}),
        (StagePayload, {"stage_id": True}),
        (StagePayload, {"stage_id": 3.0}),
        (StagePayload, {"stage_id": None}),
        (StagePayload, {"stage_id": 0}),
        (StagePayload, {"stage_id": -1}),
        (StagePayload, {"stage_id": 2**63}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": 5}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": ["an idea"]}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": "x" * 4001}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": "an idea", "client_id": ""}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": "an idea", "client_id": "c" * 65}),
        (IdeaSubmitPayload, {"stage_id": 1, "text": "an idea", "client_id": 7}),
        (VotesSetPayload, {"stage_id": 1, "votes": {"1": "2"}}),
        (VotesSetPayload, {"stage_id": 1, "votes": {"1": True}}),
        (VotesSetPayload, {"stage_id": 1, "votes": {"1": 1.0}}),
        (VotesSetPayload, {"stage_id": 1, "votes": [[1, 2]]}),
        (VotesSetPayload, {"stage_id": 1, "votes": {str(i): 0 for i in range(1, 502)}}),
        (RankingSetPayload, {"stage_id": 1, "order": ["1"]}),
        (RankingSetPayload, {"stage_id": 1, "order": [True]}),
        (RankingSetPayload, {"stage_id": 1, "order": [0]}),
        (RankingSetPayload, {"stage_id": 1, "order": (1, 2)}),
        (RankingSetPayload, {"stage_id": 1, "order": list(range(1, 102))}),
        (RankingSetPayload, {"stage_id": 1, "order": {"1": 1}}),
        (StagePhasePayload, {"stage_id": 1, "phase": 2}),
        (StagePhasePayload, {"stage_id": 1, "phase": "v" * 21}),
        (IdeaHidePayload, {"idea_id": 1, "hidden": 1}),
        (IdeaHidePayload, {"idea_id": 1, "hidden": "false"}),
        (IdeaHidePayload, {"idea_id": "1"}),
        (JoinPayload, {"code": ""}),
        (JoinPayload, {"code": 123456}),
        (JoinPayload, {"code": "K7MPQ2", "token": 1}),
        (JoinPayload, {"code": "K7MPQ2", "name": False}),
        (FacilitatePayload, {"workshop_id": "", "key": "k"}),
        (FacilitatePayload, {"workshop_id": "w", "key": ""}),
        (CreateWorkshopPayload, {"title": "Acme", "horizon_years": "3"}),
        (CreateWorkshopPayload, {"title": "Acme", "horizon_years": True}),
        (CreateWorkshopPayload, {"title": "Acme", "horizon_years": 3.0}),
        (CreateWorkshopPayload, {"title": None}),
    ],
)
def test_a_value_of_the_wrong_type_or_size_is_refused(
    model: type[Payload], raw: dict[str, Any]
) -> None:
    assert refused(model, raw).code == "invalid_payload"


def test_the_error_message_names_the_offending_key() -> None:
    assert "stage_id" in refused(IdeaSubmitPayload, {"stage_id": "3", "text": "x"}).message


@pytest.mark.parametrize(
    ("model", "raw", "expected"),
    [
        (StagePayload, {"stage_id": 3}, StagePayload(stage_id=3)),
        (StagePayload, {"stage_id": 3, "extra": "x", "v": 2}, StagePayload(stage_id=3)),
        (EmptyPayload, {"anything": [1, 2]}, EmptyPayload()),
        (
            JoinPayload,
            {"code": "K7MPQ2", "client": "phone/2.0"},
            JoinPayload(code="K7MPQ2", name=None, token=None),
        ),
        (
            IdeaSubmitPayload,
            {"stage_id": 2, "text": "  An idea  ", "client_id": "c1", "lang": "en"},
            IdeaSubmitPayload(stage_id=2, text="  An idea  ", client_id="c1"),
        ),
        (
            RankingSetPayload,
            {"stage_id": 2, "order": [], "future": True},
            RankingSetPayload(stage_id=2, order=[]),
        ),
        (IdeaHidePayload, {"idea_id": 5}, IdeaHidePayload(idea_id=5, hidden=True)),
        (
            IdeaHidePayload,
            {"idea_id": 5, "hidden": False},
            IdeaHidePayload(idea_id=5, hidden=False),
        ),
        (
            CreateWorkshopPayload,
            {"title": "Acme 2030", "horizon_years": 5},
            CreateWorkshopPayload(title="Acme 2030", horizon_years=5),
        ),
    ],
)
def test_well_formed_payloads_parse_and_extra_keys_are_ignored(
    model: type[Payload], raw: dict[str, Any], expected: Payload
) -> None:
    assert parse(model, raw) == expected


def test_text_is_not_trimmed_here_so_the_rules_can_answer_precisely() -> None:
    # Shape checks are generous: an over-long idea gets text_too_long from the rules, not
    # a vague invalid_payload.
    payload = parse(IdeaSubmitPayload, {"stage_id": 1, "text": "x" * 281})
    with pytest.raises(DomainError) as caught:
        rules.clean_idea_text(payload.text)
    assert caught.value.code == "text_too_long"


@pytest.mark.parametrize(
    ("votes", "allocation"),
    [
        ({}, {}),
        ({"1": 2}, {1: 2}),
        ({"4": 1, "17": 0, "9": 3}, {4: 1, 17: 0, 9: 3}),
        ({"123456789012345678": 1}, {123456789012345678: 1}),
    ],
)
def test_allocation_keys_become_idea_ids(votes: dict[str, int], allocation: dict[int, int]) -> None:
    payload = parse(VotesSetPayload, {"stage_id": 1, "votes": votes})
    assert payload.allocation() == allocation


@pytest.mark.parametrize(
    "key", ["", "a", "one", "-1", "+1", "1.5", "1e3", " 1", "1 ", "0x1", "1" * 19, "½", "²", "¹2"]
)
def test_allocation_refuses_keys_that_are_not_idea_ids(key: str) -> None:
    payload = parse(VotesSetPayload, {"stage_id": 1, "votes": {"1": 1, key: 1}})
    with pytest.raises(DomainError) as caught:
        payload.allocation()
    assert caught.value.code == "invalid_payload"


def test_a_negative_dot_count_reaches_the_rules_and_gets_invalid_votes() -> None:
    payload = parse(VotesSetPayload, {"stage_id": 1, "votes": {"1": -2, "2": 3}})
    with pytest.raises(DomainError) as caught:
        rules.check_allocation(payload.allocation(), eligible=[1, 2], budget=5, per_idea_cap=3)
    assert caught.value.code == "invalid_votes"
