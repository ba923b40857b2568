"""A typed payload per client event and HTTP body; malformed input becomes invalid_payload.

Only the shape is checked here (types, required keys, sizes that protect the server); the
domain rules (text length, budgets, phases) live in `rules` and answer with their own codes.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import DomainError

IdeaId = Annotated[int, Field(ge=1, le=2**62)]
StageId = Annotated[int, Field(ge=1, le=2**62)]
# Generous outer limits: the rules give the precise errors (text_too_long at 280, and so on).
ShortText = Annotated[str, StringConstraints(max_length=4000)]


class Payload(BaseModel):
    """Strict types (no "3" for 3, no true for 1); unknown keys are ignored for forward compat."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class JoinPayload(Payload):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    name: ShortText | None = None
    token: Annotated[str, StringConstraints(max_length=200)] | None = None


class FacilitatePayload(Payload):
    workshop_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    key: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class StagePhasePayload(Payload):
    stage_id: StageId
    phase: Annotated[str, StringConstraints(max_length=20)]


class StagePayload(Payload):
    stage_id: StageId


class IdeaHidePayload(Payload):
    idea_id: IdeaId
    hidden: bool = True


class EmptyPayload(Payload):
    pass


class TemplateSavePayload(Payload):
    workshop_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    title: ShortText | None = None
    description: ShortText | None = None


class CreateWorkshopPayload(Payload):
    title: ShortText
    template: Annotated[str, StringConstraints(max_length=64)] | None = None
    organization: ShortText | None = None
    horizon_years: int | None = None
    facilitator_name: Annotated[str, StringConstraints(max_length=80)] | None = None


class PublishPlanPayload(Payload):
    """A review to publish; `items` and `facilitator` are checked by `plan.review`."""

    based_on: int
    note: Annotated[str, StringConstraints(max_length=400)] | None = None


P = TypeVar("P", bound=Payload)


def parse(model: type[P], raw: Any) -> P:
    """Validate `raw` as `model`, or raise invalid_payload naming the first problem."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DomainError("invalid_payload", "The payload must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise DomainError("invalid_payload", f"{where}: {first['msg']}") from None
