"""Creating, joining and authenticating: who may act on which workshop, and the room's access
(the projector's token, key rotation, the join lock, the participant cap, removing someone)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import activities, i18n
from ..activities import common
from ..core import rules
from ..core.agenda import DEFAULT_HORIZON, DEFAULT_TEMPLATE, HORIZONS, PROMPT_MAX, fill_prompt
from ..core.errors import DomainError
from ..core.rules import squash_spaces
from ..core.security import (
    hash_secret,
    matches_any,
    new_join_code,
    new_secret,
    new_workshop_id,
)
from ..core.traits import FREEZES_ITEMS
from ..persistence import counters
from ..persistence.db import begin_write
from ..persistence.models import Entry, Idea, IdeaMerge, Participant, Stage, Workshop, utcnow
from ..persistence.queries import (
    get_workshop,
    get_workshop_by_code,
    list_stages,
    participant_count,
    removed_count,
    require_active,
)
from ..plan.document import DEFAULT_CADENCE, REVIEW_CADENCES
from . import agenda as agenda_service
from . import timer

TITLE_MAX_LENGTH = 120
DEFAULT_MAX_PARTICIPANTS = 2000
"""The participant cap of a new workshop when neither the request nor the configuration
(`MAX_PARTICIPANTS`) names one."""
MAX_PARTICIPANTS_LIMIT = 10_000
"""The highest cap a workshop may have."""
CODE_ATTEMPTS = 20


def _clean_title(title: str) -> str:
    cleaned = squash_spaces(title)
    if not cleaned:
        raise DomainError("title_required", i18n.gettext("Give the workshop a title."))
    if len(cleaned) > TITLE_MAX_LENGTH:
        raise DomainError(
            "title_too_long",
            i18n.gettext("A title can be at most %(limit)s characters.", limit=TITLE_MAX_LENGTH),
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
    max_participants: int | None = None,
    review_cadence: str | None = None,
    language: str | None = None,
) -> tuple[Workshop, str]:
    """Create a workshop from an agenda template; return it with its facilitator key.

    The workshop opens in its lobby: the first stage is current but pending, so people join
    before anything starts; `stage:phase` to its first step starts the workshop. The key is
    returned once and only its hash is kept; the room screen's projector token is stored
    plain (`workshop.projector_token`: it only reads). `max_participants` (1 to 10,000; the
    edge passes the `MAX_PARTICIPANTS` setting when the request names none) caps how many
    active participants may join. A join code another workshop took meanwhile (two
    processes) is retried with a new one. `review_cadence` (`REVIEW_CADENCES`, quarterly
    when None) is how often the plan will be reviewed: its governance section says so.
    `language` (a code of `i18n.LANGUAGES`, English when None; anything else is
    `unknown_language` and nothing is created) is the room's: the projector and the plan
    speak it, and the template's titles, prompts and descriptions are stored in it.
    """
    code = i18n.DEFAULT_LANGUAGE if language is None else i18n.check_language(language)
    cap = DEFAULT_MAX_PARTICIPANTS if max_participants is None else max_participants
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_PARTICIPANTS_LIMIT:
        raise DomainError(
            "invalid_payload",
            i18n.gettext(
                "max_participants must be a whole number from 1 to %(limit)s.",
                limit=i18n.format_number(MAX_PARTICIPANTS_LIMIT),
            ),
        )
    title = _clean_title(title)
    organization = squash_spaces(organization or "") or None
    if organization is not None and len(organization) > TITLE_MAX_LENGTH:
        raise DomainError(
            "organization_too_long",
            i18n.gettext(
                "An organisation name can be at most %(limit)s characters.",
                limit=TITLE_MAX_LENGTH,
            ),
        )
    facilitator = squash_spaces(facilitator_name or "") or None
    horizon = horizon_years if horizon_years is not None else DEFAULT_HORIZON
    if horizon not in HORIZONS:
        raise DomainError(
            "invalid_horizon", i18n.gettext("The horizon must be 1, 3, 5 or 10 years.")
        )
    cadence = DEFAULT_CADENCE if review_cadence is None else review_cadence
    if cadence not in REVIEW_CADENCES:
        raise DomainError(
            "invalid_payload",
            i18n.gettext(
                "review_cadence is one of %(cadences)s.", cadences=", ".join(REVIEW_CADENCES)
            ),
        )
    template_id = DEFAULT_TEMPLATE if template is None else template
    with i18n.use_language(code):
        # The template's texts, and its prompts' `{org}` / `{horizon}`, in the room's language.
        drafts = agenda_service.drafts_of(agenda_service.get_template(db, template_id))
        prompts = [
            fill_prompt(draft.prompt, organization=organization, horizon_years=horizon)
            for draft in drafts
        ]

    key = new_secret()
    for _attempt in range(CODE_ATTEMPTS):
        workshop = Workshop(
            id=new_workshop_id(),
            code=new_join_code(),
            title=title,
            organization=organization,
            facilitator_name=facilitator,
            horizon_years=horizon,
            template=template_id[:40],
            facilitator_key_hash=hash_secret(key),
            projector_token=new_secret(),
            max_participants=cap,
            review_cadence=cadence,
            language=code,
        )
        try:
            # A savepoint: a code (or id) taken meanwhile rolls back this insert only.
            with db.begin_nested():
                db.add(workshop)
                db.flush()
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - 31^6 codes make 20 collisions in a row practically impossible
        raise DomainError(
            "code_unavailable", i18n.gettext("Could not find a free join code; try again.")
        )
    stages: list[Stage] = []
    for position, (draft, prompt) in enumerate(zip(drafts, prompts, strict=True)):
        if len(prompt) > PROMPT_MAX:
            # A saved agenda's prompt checked at its length with `{org}` in it, filled with a
            # long organisation name: refused rather than stored longer than its column.
            raise DomainError(
                "organization_too_long",
                i18n.gettext(
                    "With this organisation name, the prompt of “%(stage)s” would be longer "
                    "than %(limit)s characters; shorten the name or that stage's prompt.",
                    stage=draft.title,
                    limit=PROMPT_MAX,
                ),
            )
        stage = Stage(
            workshop_id=workshop.id,
            position=position,
            key=draft.key,
            title=draft.title,
            prompt=prompt,
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
        # A countdown set in the lobby belonged to the stage that was first: it goes with it.
        for stage in stages:
            if stage.id == workshop.current_stage_id:
                timer.clear_on_step_change(stage)
                db.add(stage)
        workshop.current_stage_id = stages[0].id
        workshop.focus_idea_id = None
        db.add(workshop)
        db.commit()


def room_status(db: Session, workshop_id: str) -> dict[str, Any]:
    """What the room's screen may know without the key: how many have joined, whether the
    workshop is in its lobby, and whether it is active or finished."""
    workshop = get_workshop(db, workshop_id)
    return {
        "participant_count": participant_count(db, workshop.id),
        "removed_count": removed_count(db, workshop.id),
        "join_locked": workshop.join_locked,
        "lobby": in_lobby(workshop, list_stages(db, workshop.id)),
        "status": workshop.status,
    }


def authenticate_facilitator(db: Session, *, workshop_id: str, key: str) -> Workshop:
    """The workshop, if `key` is its facilitator key (the current one: a rotated key fails)
    or the console key the server's admin last opened it with (`admin_key_hash`)."""
    workshop = get_workshop(db, workshop_id)
    if not key or not opens_console(workshop, hash_secret(key)):
        raise DomainError(
            "unauthorized", i18n.gettext("That facilitator key does not open this workshop.")
        )
    return workshop


def opens_console(workshop: Workshop, key_hash: str) -> bool:
    """Whether a key with this hash opens the workshop's console: the facilitator's key, or
    the admin's console key (compared in constant time, both of them)."""
    return matches_any(key_hash, workshop.facilitator_key_hash, workshop.admin_key_hash)


def authenticate_projector(db: Session, *, workshop_id: str, token: str) -> Workshop:
    """The workshop, if `token` is its (current) projector token: it opens the room's screen,
    which reads the room's state and can change nothing."""
    workshop = get_workshop(db, workshop_id)
    if not token or not secrets.compare_digest(
        token.encode("utf-8"), workshop.projector_token.encode("utf-8")
    ):
        raise DomainError(
            "unauthorized", i18n.gettext("That projector link does not open this workshop.")
        )
    return workshop


def authenticate_room(db: Session, *, workshop_id: str, secret: str) -> tuple[Workshop, str]:
    """The workshop and who `secret` opens its room screen as: "projector" (its projector
    token) or "facilitator" (its key); anything else is unauthorized."""
    try:
        return authenticate_projector(db, workshop_id=workshop_id, token=secret), "projector"
    except DomainError as exc:
        if exc.code != "unauthorized":
            raise
    try:
        return authenticate_facilitator(db, workshop_id=workshop_id, key=secret), "facilitator"
    except DomainError as exc:
        if exc.code != "unauthorized":
            raise
    raise DomainError(
        "unauthorized", i18n.gettext("The projector token or the facilitator key is required.")
    )


def rotate_key(db: Session, workshop: Workshop) -> str:
    """Give the workshop a new facilitator key and return it (once; only its hash is kept).
    The old key fails everywhere from the commit on: HTTP, and the next event of a console
    that opened with it (the realtime edge then tells and disconnects those consoles)."""
    key = new_secret()
    workshop.facilitator_key_hash = hash_secret(key)
    # The admin's console key goes too: after a rotation only the new link opens the console.
    workshop.admin_key_hash = None
    db.add(workshop)
    db.commit()
    return key


def grant_admin_key(db: Session, workshop: Workshop) -> str:
    """A new console key for the server's admin (`/admin`): it opens the console like the
    facilitator's own, which keeps working; it replaces the admin's previous one, and the
    facilitator replacing their link revokes it. Returned once; only its hash is kept."""
    key = new_secret()
    workshop.admin_key_hash = hash_secret(key)
    db.add(workshop)
    db.commit()
    return key


def rotate_projector_token(db: Session, workshop: Workshop) -> str:
    """Give the workshop a new projector token and return it; the old projector link stops
    working (connected room screens are told and disconnected by the edge)."""
    workshop.projector_token = new_secret()
    db.add(workshop)
    db.commit()
    return workshop.projector_token


def set_join_lock(db: Session, workshop: Workshop, locked: bool) -> Workshop:
    """Lock joining (no new participants; people who joined still resume with their token)
    or unlock it. Setting what is already set changes nothing."""
    if workshop.join_locked != locked:
        workshop.join_locked = locked
        db.add(workshop)
    # Ends the transaction (and its write lock) either way, before anything is broadcast.
    db.commit()
    return workshop


def set_language(db: Session, workshop: Workshop, language: Any) -> bool:
    """Make `language` (a code of `i18n.LANGUAGES`, else `unknown_language`) the room's: the
    projector and the plan speak it from now on, and so do the template texts of the stages
    not yet started that nobody edited. Refused once the workshop is finished (its plan is
    made). Returns whether it changed; the caller broadcasts the fresh state."""
    code = i18n.check_language(language)
    require_active(workshop)
    changed = workshop.language != code
    if changed:
        # The agenda's template texts the facilitator left as they were, in stages not yet
        # started, follow the room (`agenda.retranslate`).
        agenda_service.retranslate(db, workshop, workshop.language, code)
        workshop.language = code
        db.add(workshop)
    # Ends the transaction (and its write lock) either way, before anything is broadcast.
    db.commit()
    return changed


def get_participant_of(db: Session, workshop: Workshop, participant_id: int) -> Participant:
    """A participant of this workshop (removed or not); another workshop's is as unknown as a
    missing one."""
    participant = db.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id:
        raise DomainError(
            "participant_not_found",
            i18n.gettext("This workshop has no participant %(id)s.", id=participant_id),
        )
    return participant


def remove_participant(db: Session, *, workshop: Workshop, participant_id: int) -> Participant:
    """Remove a participant: their token stops working, and what they gave drops out.

    Their entries are deleted, now, on every stage (votes, points, ratings, rankings, link
    proposals, suggestions, any activity's generic entries), each activity recounting its
    counters, so every tally, standing, result, decision not taken yet and the plan's
    participation leaves them out, and stepping back to re-decide a stage cannot bring them
    back. They are also taken out of the records of live merges, so undoing a merge does not
    restore them. What was already decided stays: a decided stage's selection, a frozen
    shortlist, and closed rounds (what the room saw and discussed then). Their ideas stay in
    the database but are hidden, except on stages whose items are frozen (ranked or decided)
    and ideas others' ideas were merged into. Removing someone twice changes nothing.
    """
    require_active(workshop)
    participant = get_participant_of(db, workshop, participant_id)
    if participant.removed_at is not None:
        db.commit()  # nothing to change: end the transaction before anything is broadcast
        return participant
    assert participant.id is not None
    participant.removed_at = utcnow()
    db.add(participant)
    stages = list_stages(db, workshop.id)
    for stage in stages:
        _forget_entries(db, stage, participant.id)
        _hide_ideas(db, stage, participant.id)
    _forget_in_merges(db, [s.id for s in stages if s.id is not None], participant.id)
    db.commit()
    return participant


def _forget_entries(db: Session, stage: Stage, participant_id: int) -> None:
    """Delete one participant's entries on a stage, activity by activity (declared, never
    named): a scoring step through its own `write_entries` (which recounts its counters); any
    other activity's tables with a `participant_id` and its generic entries directly, taking
    one off each of its stage-wide "people who gave something" counters when they had any."""
    assert stage.id is not None
    for kind in dict.fromkeys(common.kinds(stage)):
        activity = activities.REGISTRY.get(kind)
        if activity is None:
            continue
        if activity.scores:
            activity.write_entries(db, stage, {participant_id: None})
            continue
        had = False
        for table in activity.tables:
            columns = inspect(table).columns
            if "participant_id" not in columns or "stage_id" not in columns:
                continue
            result = db.execute(
                delete(table).where(
                    columns["stage_id"] == stage.id, columns["participant_id"] == participant_id
                )
            )
            had = had or bool(getattr(result, "rowcount", 0))
        result = db.execute(
            delete(Entry).where(
                col(Entry.stage_id) == stage.id,
                col(Entry.kind) == kind,
                col(Entry.participant_id) == participant_id,
            )
        )
        had = had or bool(getattr(result, "rowcount", 0))
        if had and activity.progress_counts:
            counters.add(
                db,
                stage.id,
                {(counters.STAGE_WIDE, name): -1 for name in activity.progress_counts},
            )


def _hide_ideas(db: Session, stage: Stage, participant_id: int) -> None:
    """Hide a removed participant's ideas on a stage whose items are not frozen yet; an idea
    other people's ideas were merged into stays (it speaks for them too)."""
    assert stage.id is not None
    if stage.decided or common.has_reached(stage, FREEZES_ITEMS):
        return
    ideas = list(
        db.exec(
            select(Idea).where(
                Idea.stage_id == stage.id,
                Idea.participant_id == participant_id,
                col(Idea.hidden).is_(False),
            )
        )
    )
    if not ideas:
        return
    targets = set(
        db.exec(
            select(Idea.merged_into).where(
                Idea.stage_id == stage.id,
                col(Idea.merged_into).is_not(None),
                col(Idea.participant_id).is_distinct_from(participant_id),
            )
        )
    )
    for idea in ideas:
        if idea.id not in targets:
            idea.hidden = True
            db.add(idea)


def _forget_in_merges(db: Session, stage_ids: list[int], participant_id: int) -> None:
    """Take a removed participant out of the live merges' records (what they gave before and
    after each merge), so undoing a merge never writes their entries back."""
    if not stage_ids:
        return
    key = str(participant_id)
    query = select(IdeaMerge).where(
        col(IdeaMerge.stage_id).in_(stage_ids), col(IdeaMerge.undone).is_(False)
    )
    for row in db.exec(query):
        changed = False
        entries: dict[str, Any] = {}
        for kind, change in row.entries.items():
            kept = {
                side: {pid: entry for pid, entry in dict(values).items() if pid != key}
                for side, values in dict(change).items()
            }
            changed = changed or kept != change
            entries[kind] = kept
        if changed:
            row.entries = entries
            db.add(row)


def authenticate_reader(db: Session, *, workshop_id: str, secret: str) -> Workshop:
    """The workshop, if `secret` is its facilitator key or one of its participants' tokens."""
    return reader_role(db, workshop_id=workshop_id, secret=secret)[0]


def reader_role(db: Session, *, workshop_id: str, secret: str) -> tuple[Workshop, str]:
    """The workshop and who `secret` belongs to: "facilitator" or "participant" (a removed
    participant's token is refused: participant_removed)."""
    workshop = get_workshop(db, workshop_id)
    hashed = hash_secret(secret) if secret else ""
    if hashed and opens_console(workshop, hashed):
        return workshop, "facilitator"
    participant = db.exec(select(Participant).where(Participant.token_hash == hashed)).first()
    if participant is None or participant.workshop_id != workshop.id:
        raise DomainError(
            "unauthorized", i18n.gettext("A facilitator key or participant token is required.")
        )
    if participant.removed_at is not None:
        raise _removed()
    return workshop, "participant"


def _removed() -> DomainError:
    return DomainError(
        "participant_removed", i18n.gettext("The facilitator removed you from this workshop.")
    )


@dataclass(frozen=True)
class Joined:
    """The outcome of a join: who, where, and the token to keep (new or the one presented)."""

    workshop: Workshop
    participant: Participant
    token: str
    resumed: bool


def join(db: Session, *, code: str, name: str | None = None, token: str | None = None) -> Joined:
    """Join a workshop by code, or resume as the participant a token belongs to.

    A new participant is refused while joining is locked (join_locked) and once the workshop
    has `max_participants` active participants (workshop_full); resuming with a token works
    either way, unless the facilitator removed that participant (participant_removed). The
    caller holds the write lock (`begin_write`), so the cap holds under concurrent joins."""
    workshop = get_workshop_by_code(db, code)
    if token is not None:
        participant = db.exec(
            select(Participant).where(Participant.token_hash == hash_secret(token))
        ).first()
        if participant is None or participant.workshop_id != workshop.id:
            raise DomainError(
                "invalid_token",
                i18n.gettext("That participant token does not belong to this workshop."),
            )
        if participant.removed_at is not None:
            raise _removed()
        cleaned = rules.clean_name(name) if name is not None else None
        if cleaned and cleaned != participant.name and workshop.status == "active":
            # Only a rename writes: a plain resume never queues behind the room's writes.
            begin_write(db)
            participant.name = cleaned
            db.add(participant)
        db.commit()
        return Joined(workshop, participant, token, resumed=True)
    # A new participant: the lock, the cap and the insert under the write lock.
    begin_write(db)
    require_active(workshop)
    if workshop.join_locked:
        raise DomainError(
            "join_locked", i18n.gettext("The facilitator has closed joining for now.")
        )
    if participant_count(db, workshop.id) >= workshop.max_participants:
        raise DomainError(
            "workshop_full",
            i18n.gettext(
                "This workshop is full (%(n)s participants).", n=workshop.max_participants
            ),
        )
    cleaned = rules.clean_name(name)
    new_token = new_secret()
    participant = Participant(
        workshop_id=workshop.id, name=cleaned, token_hash=hash_secret(new_token)
    )
    db.add(participant)
    db.commit()
    return Joined(workshop, participant, new_token, resumed=False)
