"""Services: each one authorises against the database, applies a rule and commits.

Every function takes the database session explicitly and commits before it returns, so an edge
that acknowledges after a service call never acknowledges something that is not stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from . import plan as plan_module
from . import rules
from .agenda import DEFAULT_TEMPLATE, HORIZONS, TEMPLATES, stage_prompt
from .errors import DomainError
from .models import DotVote, Idea, Participant, Plan, Ranking, Stage, Workshop, utcnow
from .security import hash_secret, new_join_code, new_secret, new_workshop_id, normalise_code

TITLE_MAX_LENGTH = 120


# --------------------------------------------------------------------------- lookups


def get_workshop(db: Session, workshop_id: str) -> Workshop:
    """The workshop with this id, or workshop_not_found."""
    workshop = db.get(Workshop, workshop_id)
    if workshop is None:
        raise DomainError("workshop_not_found", "There is no workshop with that id.")
    return workshop


def get_workshop_by_code(db: Session, code: str) -> Workshop:
    """The workshop with this join code (any case), or workshop_not_found."""
    workshop = db.exec(select(Workshop).where(Workshop.code == normalise_code(code))).first()
    if workshop is None:
        raise DomainError("workshop_not_found", f"No workshop has the code {code!r}.")
    return workshop


def get_stage(db: Session, *, workshop_id: str, stage_id: int) -> Stage:
    """A stage of this workshop; a stage of another workshop is as unknown as a missing one."""
    stage = db.get(Stage, stage_id)
    if stage is None or stage.workshop_id != workshop_id:
        raise DomainError("stage_not_found", f"This workshop has no stage {stage_id}.")
    return stage


def list_stages(db: Session, workshop_id: str) -> list[Stage]:
    """A workshop's stages in agenda order."""
    query = select(Stage).where(Stage.workshop_id == workshop_id).order_by(col(Stage.position))
    return list(db.exec(query))


def visible_ideas(db: Session, stage_id: int) -> list[Idea]:
    """A stage's ideas that are not hidden, earliest first."""
    query = (
        select(Idea)
        .where(Idea.stage_id == stage_id, col(Idea.hidden).is_(False))
        .order_by(col(Idea.id))
    )
    return list(db.exec(query))


def visible_idea_ids(db: Session, stage_id: int) -> list[int]:
    """The ids of a stage's visible ideas, earliest first (one light query)."""
    query = (
        select(Idea.id)
        .where(Idea.stage_id == stage_id, col(Idea.hidden).is_(False))
        .order_by(col(Idea.id))
    )
    return [idea_id for idea_id in db.exec(query) if idea_id is not None]


def stage_totals(db: Session, stage_id: int) -> dict[int, int]:
    """Dots per visible idea of a stage (0 for ideas nobody voted for)."""
    totals = dict.fromkeys(visible_idea_ids(db, stage_id), 0)
    query = (
        select(DotVote.idea_id, func.sum(DotVote.count))
        .where(DotVote.stage_id == stage_id)
        .group_by(col(DotVote.idea_id))
    )
    for idea_id, total in db.exec(query):
        if idea_id in totals:
            totals[idea_id] = int(total or 0)
    return totals


def stage_results(db: Session, stage: Stage) -> list[rules.Result]:
    """The stage's results from its stored shortlist, rankings and dots."""
    assert stage.id is not None
    orders = db.exec(select(Ranking.idea_order).where(Ranking.stage_id == stage.id))
    return rules.decide(
        totals=stage_totals(db, stage.id),
        stored_shortlist=stage.shortlist,
        orders=orders,
        select_count=stage.select_count,
    )


def participant_count(db: Session, workshop_id: str) -> int:
    """How many people have joined this workshop."""
    query = (
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
    )
    return int(db.exec(query).one())


def _require_active(workshop: Workshop) -> None:
    if workshop.status != "active":
        raise DomainError("workshop_finished", "This workshop has finished; its plan is ready.")


# --------------------------------------------------------------------------- creating and joining


def create_workshop(
    db: Session,
    *,
    title: str,
    organization: str | None = None,
    horizon_years: int | None = None,
    template: str | None = None,
) -> tuple[Workshop, str]:
    """Create a workshop from an agenda template; return it with its facilitator key.

    The key is returned once and only its hash is kept.
    """
    title = " ".join(title.split())
    if not title:
        raise DomainError("title_required", "Give the workshop a title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(
            "title_too_long", f"A title can be at most {TITLE_MAX_LENGTH} characters."
        )
    organization = " ".join((organization or "").split()) or None
    if organization is not None and len(organization) > TITLE_MAX_LENGTH:
        raise DomainError(
            "organization_too_long",
            f"An organisation name can be at most {TITLE_MAX_LENGTH} characters.",
        )
    horizon = horizon_years if horizon_years is not None else 3
    if horizon not in HORIZONS:
        raise DomainError("invalid_horizon", "The horizon must be 1, 3, 5 or 10 years.")
    template = DEFAULT_TEMPLATE if template is None else template
    if template not in TEMPLATES:
        raise DomainError("unknown_template", f"There is no agenda template {template!r}.")

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
        horizon_years=horizon,
        template=template,
        facilitator_key_hash=hash_secret(key),
    )
    db.add(workshop)
    db.flush()
    stages: list[Stage] = []
    for position, spec in enumerate(TEMPLATES[template]):
        stage = Stage(
            workshop_id=workshop.id,
            position=position,
            key=spec.key,
            title=spec.title,
            prompt=stage_prompt(spec, organization=organization, horizon_years=horizon),
            # The first stage opens for ideas at once, so people can start while others join.
            phase="brainstorm" if position == 0 else "pending",
            dot_budget=spec.dot_budget,
            max_dots_per_idea=spec.max_dots_per_idea,
            shortlist_size=spec.shortlist_size,
            select_count=spec.select_count,
        )
        db.add(stage)
        stages.append(stage)
    db.flush()
    workshop.current_stage_id = stages[0].id
    db.commit()
    return workshop, key


def authenticate_facilitator(db: Session, *, workshop_id: str, key: str) -> Workshop:
    """The workshop, if `key` is its facilitator key."""
    workshop = get_workshop(db, workshop_id)
    if not key or hash_secret(key) != workshop.facilitator_key_hash:
        raise DomainError("unauthorized", "That facilitator key does not open this workshop.")
    return workshop


def authenticate_reader(db: Session, *, workshop_id: str, secret: str) -> Workshop:
    """The workshop, if `secret` is its facilitator key or one of its participants' tokens."""
    workshop = get_workshop(db, workshop_id)
    hashed = hash_secret(secret) if secret else ""
    if hashed and hashed == workshop.facilitator_key_hash:
        return workshop
    participant = db.exec(select(Participant).where(Participant.token_hash == hashed)).first()
    if participant is None or participant.workshop_id != workshop.id:
        raise DomainError("unauthorized", "A facilitator key or participant token is required.")
    return workshop


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
    _require_active(workshop)
    cleaned = rules.clean_name(name)
    new_token = new_secret()
    participant = Participant(
        workshop_id=workshop.id, name=cleaned, token_hash=hash_secret(new_token)
    )
    db.add(participant)
    db.commit()
    return Joined(workshop, participant, new_token, resumed=False)


def get_participant(db: Session, participant_id: int) -> Participant:
    """A participant by id (the socket layer keeps only the id)."""
    participant = db.get(Participant, participant_id)
    if participant is None:
        raise DomainError("not_joined", "Join the workshop again.")
    return participant


# --------------------------------------------------------------------------- participant actions


def submit_idea(
    db: Session,
    *,
    participant: Participant,
    stage_id: int,
    text: str,
    client_id: str | None = None,
) -> tuple[Idea, bool]:
    """Add an idea to a stage in brainstorm; return it and whether it is new.

    A retry carrying the same client_id returns the first idea instead of adding a second, so
    a phone that lost the ack on bad wifi can safely send again.
    """
    workshop = get_workshop(db, participant.workshop_id)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    if client_id:
        existing = _idea_by_client_id(db, participant, client_id)
        if existing is not None:
            return existing, False
    _require_active(workshop)
    rules.require_phase(stage.phase, "brainstorm")
    cleaned = rules.clean_idea_text(text)
    mine = db.exec(
        select(func.count())
        .select_from(Idea)
        .where(Idea.stage_id == stage.id, Idea.participant_id == participant.id)
    ).one()
    if mine >= rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE:
        raise DomainError(
            "too_many_ideas",
            f"You can send at most {rules.MAX_IDEAS_PER_PARTICIPANT_PER_STAGE} ideas per stage.",
        )
    assert stage.id is not None
    idea = Idea(
        workshop_id=workshop.id,
        stage_id=stage.id,
        participant_id=participant.id,
        client_id=client_id or None,
        text=cleaned,
    )
    db.add(idea)
    try:
        db.commit()
    except IntegrityError:
        # The same client_id raced in from a second connection: the first one won.
        db.rollback()
        existing = _idea_by_client_id(db, participant, client_id or "")
        if existing is None:
            raise
        return existing, False
    return idea, True


def _idea_by_client_id(db: Session, participant: Participant, client_id: str) -> Idea | None:
    query = select(Idea).where(Idea.participant_id == participant.id, Idea.client_id == client_id)
    return db.exec(query).first()


def set_votes(
    db: Session, *, participant: Participant, stage_id: int, votes: Mapping[int, int]
) -> tuple[Stage, dict[int, int], int, bool]:
    """Replace a participant's dot allocation for a stage.

    Returns the stage, the stored allocation, the dots left and whether anything changed.
    """
    workshop = get_workshop(db, participant.workshop_id)
    _require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    rules.require_phase(stage.phase, "vote")
    assert stage.id is not None and participant.id is not None
    eligible = visible_idea_ids(db, stage.id)
    allocation = rules.check_allocation(
        votes,
        eligible=eligible,
        budget=stage.dot_budget,
        per_idea_cap=stage.max_dots_per_idea,
    )
    mine = (col(DotVote.participant_id) == participant.id, col(DotVote.stage_id) == stage.id)
    before = {vote.idea_id: vote.count for vote in db.exec(select(DotVote).where(*mine))}
    remaining = rules.remaining_dots(allocation, stage.dot_budget)
    if before == allocation:
        return stage, allocation, remaining, False
    db.execute(delete(DotVote).where(*mine))
    for idea_id, count in allocation.items():
        db.add(
            DotVote(participant_id=participant.id, idea_id=idea_id, stage_id=stage.id, count=count)
        )
    db.commit()
    return stage, allocation, remaining, True


def set_ranking(
    db: Session, *, participant: Participant, stage_id: int, order: Sequence[int]
) -> tuple[Stage, list[int], bool]:
    """Replace a participant's order of a stage's shortlist (partial orders are fine).

    Returns the stage, the stored order and whether anything changed.
    """
    workshop = get_workshop(db, participant.workshop_id)
    _require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    rules.require_phase(stage.phase, "rank")
    checked = rules.check_order(order, stage.shortlist)
    assert stage.id is not None and participant.id is not None
    ranking = db.get(Ranking, (participant.id, stage.id))
    if not checked:
        # An empty order withdraws the ranking: the participant no longer counts as ranked.
        if ranking is None:
            return stage, checked, False
        db.delete(ranking)
        db.commit()
        return stage, checked, True
    if ranking is not None and list(ranking.idea_order) == checked:
        return stage, checked, False
    if ranking is None:
        ranking = Ranking(participant_id=participant.id, stage_id=stage.id, idea_order=checked)
    else:
        ranking.idea_order = checked
        ranking.updated_at = utcnow()
    db.add(ranking)
    db.commit()
    return stage, checked, True


# --------------------------------------------------------------------------- facilitator actions


def set_phase(db: Session, *, workshop: Workshop, stage_id: int, phase: str) -> Stage:
    """Make a stage current and move it to `phase` (one step forward or back).

    Entering "rank" freezes the shortlist from the dots; entering "done" reveals the results.
    """
    _require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    rules.check_transition(stage.phase, phase)
    assert stage.id is not None
    if phase == "rank" and stage.phase != "rank":
        stage.shortlist = rules.shortlist(stage_totals(db, stage.id), stage.shortlist_size)
    elif phase in ("brainstorm", "vote"):
        stage.shortlist = []
    if phase == "done":
        stage.revealed = True
    stage.phase = phase
    workshop.current_stage_id = stage.id
    db.add(stage)
    db.add(workshop)
    db.commit()
    return stage


def reveal_results(db: Session, *, workshop: Workshop, stage_id: int) -> Stage:
    """Show a stage's dot totals to participants and the projector (idempotent)."""
    _require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    if stage.phase in ("pending", "brainstorm"):
        raise DomainError("wrong_phase", "There are no dots to reveal before voting starts.")
    if not stage.revealed:
        stage.revealed = True
        db.add(stage)
        db.commit()
    return stage


def hide_idea(db: Session, *, workshop: Workshop, idea_id: int, hidden: bool = True) -> Idea:
    """Hide an idea from participants and the projector (or show it again).

    Allowed while the stage is in brainstorm or vote: once the shortlist is frozen, hiding
    would silently change what people are ranking. Dots already on a hidden idea are kept but
    no longer count, so showing it again restores them.
    """
    _require_active(workshop)
    idea = db.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        raise DomainError("idea_not_found", f"This workshop has no idea {idea_id}.")
    stage = get_stage(db, workshop_id=workshop.id, stage_id=idea.stage_id)
    if stage.phase not in ("brainstorm", "vote"):
        raise DomainError(
            "wrong_phase", "Ideas can be hidden during brainstorm and vote, not after."
        )
    if idea.hidden != hidden:
        idea.hidden = hidden
        db.add(idea)
        db.commit()
    return idea


def finish_workshop(db: Session, *, workshop: Workshop) -> Plan:
    """Finish the workshop and store its plan; finishing again returns the stored plan."""
    existing = db.get(Plan, workshop.id)
    if existing is not None:
        return existing
    _require_active(workshop)
    finished_at = utcnow()
    sections: list[plan_module.StageOutcome] = []
    for stage in list_stages(db, workshop.id):
        assert stage.id is not None
        texts = {idea.id: idea.text for idea in visible_ideas(db, stage.id) if idea.id is not None}
        outcome = stage_results(db, stage)
        sections.append(
            plan_module.StageOutcome(
                key=stage.key,
                title=stage.title,
                prompt=stage.prompt,
                completed=stage.phase == "done",
                items=tuple(
                    plan_module.PlanItem(
                        text=texts[result.idea_id],
                        rank=result.rank,
                        score=result.score,
                        votes=result.votes,
                        shortlisted=result.shortlisted,
                        selected=result.selected and stage.phase == "done",
                    )
                    for result in outcome
                ),
            )
        )
    data = plan_module.assemble_plan(
        title=workshop.title,
        organization=workshop.organization,
        horizon_years=workshop.horizon_years,
        finished_at=finished_at,
        participants=participant_count(db, workshop.id),
        stages=sections,
    )
    plan = Plan(
        workshop_id=workshop.id,
        created_at=finished_at,
        data=data.as_dict(),
        markdown=plan_module.render_markdown(data),
        html=plan_module.render_html(data),
    )
    workshop.status = "finished"
    workshop.finished_at = finished_at
    db.add(plan)
    db.add(workshop)
    try:
        db.commit()
    except IntegrityError:
        # A second console finished the workshop at the same moment: its plan stands.
        db.rollback()
        return get_plan(db, workshop=get_workshop(db, workshop.id))
    return plan


def get_plan(db: Session, *, workshop: Workshop) -> Plan:
    """The stored plan, or not_finished while the workshop is running."""
    plan = db.get(Plan, workshop.id)
    if plan is None:
        raise DomainError("not_finished", "The plan is ready once the facilitator finishes.")
    return plan
