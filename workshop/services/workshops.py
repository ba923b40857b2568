"""Creating, joining and authenticating: who may act on which workshop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ..core import rules
from ..core.agenda import DEFAULT_HORIZON, DEFAULT_TEMPLATE, HORIZONS, fill_prompt
from ..core.errors import DomainError
from ..core.security import hash_secret, new_join_code, new_secret, new_workshop_id
from ..persistence.models import Participant, Stage, Workshop
from ..persistence.queries import (
    get_workshop,
    get_workshop_by_code,
    list_stages,
    participant_count,
    require_active,
)
from . import agenda as agenda_service

TITLE_MAX_LENGTH = 120


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise DomainError("title_required", "Give the workshop a title.")
    if len(cleaned) > TITLE_MAX_LENGTH:
        raise DomainError(
            "title_too_long", f"A title can be at most {TITLE_MAX_LENGTH} characters."
        )
    return cleaned


def create_workshop(
    db: Session,
    *,
    title: str,
    organization: str | None = None,
    horizon_years: int | None = None,
    template: str | None = None,
    facilitator_name: str | None = None,
) -> tuple[Workshop, str]:
    """Create a workshop from an agenda template; return it with its facilitator key.

    The workshop opens in its lobby: the first stage is current but pending, so people join
    before anything starts; `stage:phase` to its first step starts the workshop. The key is
    returned once and only its hash is kept.
    """
    title = _clean_title(title)
    organization = " ".join((organization or "").split()) or None
    if organization is not None and len(organization) > TITLE_MAX_LENGTH:
        raise DomainError(
            "organization_too_long",
            f"An organisation name can be at most {TITLE_MAX_LENGTH} characters.",
        )
    facilitator = " ".join((facilitator_name or "").split()) or None
    horizon = horizon_years if horizon_years is not None else DEFAULT_HORIZON
    if horizon not in HORIZONS:
        raise DomainError("invalid_horizon", "The horizon must be 1, 3, 5 or 10 years.")
    template_id = DEFAULT_TEMPLATE if template is None else template
    drafts = agenda_service.drafts_of(agenda_service.get_template(db, template_id))

    key = new_secret()
    for _attempt in range(20):
        code = new_join_code()
        taken = db.exec(select(Workshop.id).where(Workshop.code == code)).first()
        if taken is None:
            break
    else:  # pragma: no cover - 31^6 codes make this practically impossible
        raise DomainError("internal_error", "Could not find a free join code; try again.")
    workshop = Workshop(
        id=new_workshop_id(),
        code=code,
        title=title,
        organization=organization,
        facilitator_name=facilitator,
        horizon_years=horizon,
        template=template_id[:40],
        facilitator_key_hash=hash_secret(key),
    )
    db.add(workshop)
    db.flush()
    stages: list[Stage] = []
    for position, draft in enumerate(drafts):
        stage = Stage(
            workshop_id=workshop.id,
            position=position,
            key=draft.key,
            title=draft.title,
            prompt=fill_prompt(draft.prompt, organization=organization, horizon_years=horizon),
            steps=[dict(step) for step in draft.steps],
        )
        db.add(stage)
        stages.append(stage)
    db.flush()
    workshop.current_stage_id = stages[0].id
    db.commit()
    return workshop, key


def in_lobby(workshop: Workshop, stages: Sequence[Stage]) -> bool:
    """Whether the workshop is in its lobby: active, and no stage has ever been opened (every
    stage is pending and none is decided). Stages cannot move back to pending, so once the
    facilitator opens a step the lobby is over for good."""
    return workshop.status == "active" and all(
        stage.step_index < 0 and not stage.decided for stage in stages
    )


def keep_lobby_on_first_stage(db: Session, workshop: Workshop) -> None:
    """In the lobby the current stage is the agenda's first: after the agenda changed (a stage
    moved before it, or it was removed), point at the new first stage."""
    stages = list_stages(db, workshop.id)
    if stages and in_lobby(workshop, stages) and workshop.current_stage_id != stages[0].id:
        workshop.current_stage_id = stages[0].id
        db.add(workshop)
        db.commit()


def room_status(db: Session, workshop_id: str) -> dict[str, Any]:
    """What the room's screen may know without the key: how many have joined, whether the
    workshop is in its lobby, and whether it is active or finished."""
    workshop = get_workshop(db, workshop_id)
    return {
        "participant_count": participant_count(db, workshop.id),
        "lobby": in_lobby(workshop, list_stages(db, workshop.id)),
        "status": workshop.status,
    }


def authenticate_facilitator(db: Session, *, workshop_id: str, key: str) -> Workshop:
    """The workshop, if `key` is its facilitator key."""
    workshop = get_workshop(db, workshop_id)
    if not key or hash_secret(key) != workshop.facilitator_key_hash:
        raise DomainError("unauthorized", "That facilitator key does not open this workshop.")
    return workshop


def authenticate_reader(db: Session, *, workshop_id: str, secret: str) -> Workshop:
    """The workshop, if `secret` is its facilitator key or one of its participants' tokens."""
    return reader_role(db, workshop_id=workshop_id, secret=secret)[0]


def reader_role(db: Session, *, workshop_id: str, secret: str) -> tuple[Workshop, str]:
    """The workshop and who `secret` belongs to: "facilitator" or "participant"."""
    workshop = get_workshop(db, workshop_id)
    hashed = hash_secret(secret) if secret else ""
    if hashed and hashed == workshop.facilitator_key_hash:
        return workshop, "facilitator"
    participant = db.exec(select(Participant).where(Participant.token_hash == hashed)).first()
    if participant is None or participant.workshop_id != workshop.id:
        raise DomainError("unauthorized", "A facilitator key or participant token is required.")
    return workshop, "participant"


@dataclass(frozen=True)
class Joined:
    """The outcome of a join: who, where, and the token to keep (new or the one presented)."""

    workshop: Workshop
    participant: Participant
    token: str
    resumed: bool


def join(db: Session, *, code: str, name: str | None = None, token: str | None = None) -> Joined:
    """Join a workshop by code, or resume as the participant a token belongs to."""
    workshop = get_workshop_by_code(db, code)
    if token is not None:
        participant = db.exec(
            select(Participant).where(Participant.token_hash == hash_secret(token))
        ).first()
        if participant is None or participant.workshop_id != workshop.id:
            raise DomainError(
                "invalid_token", "That participant token does not belong to this workshop."
            )
        cleaned = rules.clean_name(name) if name is not None else None
        if cleaned and cleaned != participant.name and workshop.status == "active":
            participant.name = cleaned
            db.add(participant)
            db.commit()
        return Joined(workshop, participant, token, resumed=True)
    require_active(workshop)
    cleaned = rules.clean_name(name)
    new_token = new_secret()
    participant = Participant(
        workshop_id=workshop.id, name=cleaned, token_hash=hash_secret(new_token)
    )
    db.add(participant)
    db.commit()
    return Joined(workshop, participant, new_token, resumed=False)
