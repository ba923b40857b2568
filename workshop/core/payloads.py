"""A typed payload per client event and HTTP body; malformed input becomes invalid_payload.

Only the shape is checked here (types, required keys, sizes that protect the server); the
domain rules (text length, budgets, phases) live in `rules` and answer with their own codes.
Every string, list, mapping and number has an outer bound here (docs/api.md, "Limits"): loose
enough that the rules still answer the precise error (`text_too_long` at 280, and so on),
tight enough that no payload costs more than its real use does.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ..i18n import gettext
from .errors import DomainError

IdeaId = Annotated[int, Field(ge=1, le=2**62)]
StageId = Annotated[int, Field(ge=1, le=2**62)]
# Generous outer limits: the rules give the precise errors (text_too_long at 280, and so on).
ShortText = Annotated[str, StringConstraints(max_length=2000)]
"""A text people write (an idea: 280 by the rules; a field or a suggestion: 400)."""
Label = Annotated[str, StringConstraints(max_length=400)]
"""A name or title (a participant's name: 40 by the rules; a workshop's title: 120)."""
IdKey = Annotated[str, StringConstraints(max_length=24)]
"""An id written as a JSON object's key ("12"); the handler reads it as a number."""
Amount = Annotated[int, Field(ge=-(10**9), le=10**9)]
"""Dots, points, a rating: the rules check the real range (budgets, caps, 1-5)."""
MAX_ENTRIES = 500
"""Ideas one participant's vote, points, ratings or links may name at once."""
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=32)]
WorkshopId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A facilitator key, projector token or participant token (32 characters when real)."""

MAX_JSON_DEPTH = 4
MAX_JSON_ITEMS = 50


def _bounded(value: Any, depth: int = 0) -> Any:
    """A JSON value no deeper than MAX_JSON_DEPTH, with at most MAX_JSON_ITEMS per list or
    object, keys of at most 64 and texts of at most 2,000 characters."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH}")
    if isinstance(value, str):
        if len(value) > 2000:
            raise ValueError("a text of at most 2000 characters")
    elif isinstance(value, list | dict):
        if len(value) > MAX_JSON_ITEMS:
            raise ValueError(f"at most {MAX_JSON_ITEMS} items")
        if isinstance(value, dict):
            if any(not isinstance(key, str) or len(key) > 64 for key in value):
                raise ValueError("keys of at most 64 characters")
            value = list(value.values())
        for item in value:
            _bounded(item, depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        raise ValueError("a number of at most 15 digits")
    return value


BoundedJson = Annotated[Any, AfterValidator(_bounded)]
"""Any JSON value within the bounds of `_bounded` (an item's fields; the rules check them)."""


class Payload(BaseModel):
    """Strict types (no "3" for 3, no true for 1); unknown keys are ignored for forward compat."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class JoinPayload(Payload):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    name: Label | None = None
    token: Annotated[str, StringConstraints(max_length=200)] | None = None


class FacilitatePayload(Payload):
    workshop_id: WorkshopId
    key: Secret


class PresentPayload(Payload):
    """The room screen: the projector token, or the facilitator key (the console's own
    "open the room screen"); with both, the token is used."""

    workshop_id: WorkshopId
    token: Secret | None = None
    key: Secret | None = None

    @model_validator(mode="after")
    def _one_secret(self) -> PresentPayload:
        if self.token is None and self.key is None:
            raise ValueError("send the projector token (token) or the facilitator key (key)")
        return self


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


class LanguagePayload(Payload):
    """`language`: the language this connection's screen shows (a code of `i18n.LANGUAGES`;
    checked by the handler, so an unknown one is `unknown_language`, not `invalid_payload`)."""

    language: Annotated[str, StringConstraints(min_length=1, max_length=16)]


TIMER_MIN_SECONDS = 10
TIMER_MAX_SECONDS = 7200
"""A stage's timer runs 10 s to 2 hours (`timer:set`; `timer:add` keeps what is left in it)."""


class TimerSetPayload(Payload):
    stage_id: StageId
    seconds: Annotated[int, Field(ge=TIMER_MIN_SECONDS, le=TIMER_MAX_SECONDS)]
    client_id: ClientId | None = None


class TimerAddPayload(Payload):
    stage_id: StageId
    seconds: Annotated[int, Field(ge=-TIMER_MAX_SECONDS, le=TIMER_MAX_SECONDS)]
    """Seconds to add (negative: take off); 0 is refused."""
    client_id: ClientId | None = None


class FocusSetPayload(Payload):
    idea_id: IdeaId


class TemplateSavePayload(Payload):
    workshop_id: WorkshopId
    title: Label | None = None
    description: ShortText | None = None


class CreateWorkshopPayload(Payload):
    title: Label
    template: Annotated[str, StringConstraints(max_length=64)] | None = None
    organization: Label | None = None
    horizon_years: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    facilitator_name: Annotated[str, StringConstraints(max_length=80)] | None = None
    max_participants: Annotated[int, Field(ge=1, le=10_000)] | None = None
    review_cadence: Annotated[str, StringConstraints(max_length=16)] | None = None
    """How often the plan will be reviewed (checked by `services.workshops`)."""


class DuplicateWorkshopPayload(Payload):
    """`POST /api/workshops/<id>/duplicate`: the new workshop's title (None: the source's,
    checked like a new workshop's) and the stage keys whose selected items are carried over
    (checked by `services.duplicate`)."""

    title: Label | None = None
    carry_over: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=50)
    ] = []


class PublishPlanPayload(Payload):
    """A review to publish; `items` and `facilitator` are checked by `plan.review`."""

    based_on: Annotated[int, Field(ge=-(2**62), le=2**62)]
    note: Annotated[str, StringConstraints(max_length=400)] | None = None
    review_cadence: Annotated[str, StringConstraints(max_length=16)] | None = None
    """How often the plan is reviewed from now on (checked by `plan.review`)."""


P = TypeVar("P", bound=Payload)


def parse(model: type[P], raw: Any) -> P:
    """Validate `raw` as `model`, or raise invalid_payload naming the first problem."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DomainError("invalid_payload", gettext("The payload must be a JSON object."))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise DomainError(
            "invalid_payload", gettext("%(where)s: %(problem)s", where=where, problem=first["msg"])
        ) from None
