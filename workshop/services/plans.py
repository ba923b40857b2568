"""The plan's lifecycle: assembled from the workshop, stored by version, rendered per format.

Version 1 is stored when the workshop finishes; each review the facilitator publishes stores
the next. A version's document never changes, so each of its formats is rendered once, on
its first download, off the event loop (in a child process, `offload.py`), and kept in
`planfile`. A draft (the facilitator's download while the workshop runs) is assembled on
every request and rendered only when the workshop changed since the last one
(`offload.DRAFTS`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from .. import activities, i18n, offload
from .. import plan as plan_module
from ..activities import common, editing, outcome, scoring
from ..core.errors import DomainError
from ..core.traits import ALIGNS
from ..i18n import gettext
from ..persistence.db import begin_write
from ..persistence.models import Idea, Participant, PlanFile, PlanVersion, Stage, Workshop, utcnow
from ..persistence.queries import (
    get_workshop,
    list_stages,
    merged_ideas,
    participant_count,
    removed_count,
    visible_ideas,
)
from ..plan import review
from ..plan.document import Participation, VersionEntry, carried_from

VERSION_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
RENDER_SLOTS = 2
"""How many renders may run at once in this process (each a child process, a core each under
the production server); more requests wait their turn without using the CPU."""


def _participation(db: Session, stage: Stage) -> tuple[Participation, ...]:
    """How many people took part in each step of the stage that counts them (each activity
    says: a brainstorm its authors, a scoring step who gave something)."""
    assert stage.id is not None
    out: list[Participation] = []
    for step in stage.steps:
        kind = str(step["kind"])
        activity = activities.REGISTRY.get(kind)
        people = activity.participation(db, stage) if activity is not None else None
        if activity is not None and people is not None:
            label = activity.step_label(step.get("settings") or {})
            out.append(Participation(kind, label, people))
    return tuple(out)


def with_words(
    document: plan_module.PlanDocument, workshop_id: str = ""
) -> plan_module.PlanDocument:
    """The document with what its renderers need to know besides the plan's data: the score
    labels whose 0 means nobody chose the item (not stored: a stored plan gets today's), and
    the workshop it is of (for their log lines, e.g. a glyph no bundled font has)."""
    unchosen = frozenset(
        activity.score_label
        for activity in activities.REGISTRY.values()
        if activity.zero_means_unchosen and activity.score_label
    )
    return replace(document, unchosen=unchosen, workshop_id=workshop_id or document.workshop_id)


def _categories(stage: Stage) -> tuple[dict[str, str], ...]:
    """The categories the stage's steps set (its brainstorm's), in order; () without."""
    return tuple(
        {"key": str(c["key"]), "label": str(c["label"]), "hint": str(c.get("hint") or "")}
        for c in common.categories(stage)
    )


def _rating(stage: Stage) -> tuple[int, tuple[dict[str, str], ...], dict[str, str]] | None:
    """The stage's step that measures each item on two named scales for the plan (a risks
    stage's likelihood x impact, as its activity declares in `plan_scales`): its index, the
    two scales and every quadrant's name. None for a stage without one (also one rated on
    the default scales with the default names: the plan is then as it was before scales
    were settings)."""
    for index, step in enumerate(stage.steps):
        activity = activities.REGISTRY.get(str(step.get("kind")))
        found = activity.plan_scales(step.get("settings") or {}) if activity else None
        if found is not None:
            scales, names = found
            return index, scales, names
    return None


def _measures(
    db: Session, stage: Stage, rating: tuple[int, tuple[dict[str, str], ...], dict[str, str]]
) -> dict[int, tuple[dict[str, float], str | None]]:
    """Each rated idea's means per scale key and its quadrant's position id, from the rate
    step's figures once the stage has reached that step; {} before."""
    index, scales, _names = rating
    if stage.step_index < index:
        return {}
    standings = scoring.read_standings(db, stage, index)
    if standings is None:
        return {}
    out: dict[int, tuple[dict[str, float], str | None]] = {}
    for idea_id, item in standings.items.items():
        means = {
            scale["key"]: round(float(item.extra[scale["key"]]), 4)  # type: ignore[arg-type]
            for scale in scales
            if item.extra.get(scale["key"]) is not None
        }
        position = item.extra.get("quadrant")
        out[idea_id] = (means, str(position) if position else None)
    return out


def _score_label(decision: Mapping[str, Any] | None, stage: Stage) -> str:
    """What the deciding step's scores are ("dots"), as the plan's results name them, with
    its settings (a rate step's is the mean of its first scale: "mean likelihood" on a risks
    stage)."""
    activity = activities.REGISTRY.get(str((decision or {}).get("kind")))
    if activity is None:
        return plan_module.UNSCORED
    index = int((decision or {}).get("step", -1))
    settings = (stage.steps[index].get("settings") or {}) if 0 <= index < len(stage.steps) else {}
    return activity.plan_score_label(settings) or plan_module.UNSCORED


def _contributions(db: Session, workshop_id: str) -> int:
    """Every idea the participants sent (hidden and merged ones too), but a removed
    participant's and the ones their authors deleted (withdrawn, not contributed)."""
    query = (
        select(func.count())
        .select_from(Idea)
        .join(Participant, col(Participant.id) == col(Idea.participant_id))
        .where(
            Idea.workshop_id == workshop_id,
            col(Participant.removed_at).is_(None),
            col(Idea.deleted_at).is_(None),
        )
    )
    return int(db.exec(query).one())


def assemble(
    db: Session, *, workshop: Workshop, finished_at: datetime, draft: bool = False
) -> plan_module.PlanDocument:
    """The plan document of a workshop as it stands (pure assembly after the reads), in the
    workshop's language whoever asks for it: the sentences written at assembly (how each
    stage was decided, the gaps' details) are in it, and every renderer renders in it."""
    with i18n.use_language(workshop.language):
        return _assemble(db, workshop=workshop, finished_at=finished_at, draft=draft)


def _assemble(
    db: Session, *, workshop: Workshop, finished_at: datetime, draft: bool
) -> plan_module.PlanDocument:
    sections: list[plan_module.StageOutcome] = []
    every_stage = list_stages(db, workshop.id)
    # Links count only to items selected now: a goal dropped when its stage was decided
    # again is not served by anything in the plan.
    current = {i for stage in every_stage if stage.decided for i in stage.selected}
    links_items = any(common.first_with(stage, ALIGNS) is not None for stage in every_stage)
    for stage in every_stage:
        assert stage.id is not None
        ideas = {idea.id: idea for idea in visible_ideas(db, stage.id) if idea.id is not None}
        results, decision = outcome.read_outcome(db, stage)
        measured = {int(i["idea_id"]): i for i in (decision or {}).get("items", [])}
        rating = _rating(stage)
        rated = _measures(db, stage, rating) if rating is not None else {}
        merged: dict[int, list[str]] = {}
        for other in merged_ideas(db, stage.id):
            if other.merged_into is not None:
                merged.setdefault(other.merged_into, []).append(other.text)
        items = []
        for result in results:
            idea = ideas[result.idea_id]
            links = tuple(link for link in idea.links if link in current)
            mitigated_by = tuple(i for i in idea.mitigated_by or () if i in current)
            means, position = rated.get(result.idea_id, ({}, None))
            selected = stage.decided and result.idea_id in stage.selected
            items.append(
                plan_module.PlanItem(
                    text=idea.text,
                    rank=result.rank,
                    score=scoring.number(result.score),
                    votes=result.votes,
                    shortlisted=result.shortlisted,
                    selected=selected,
                    id=result.idea_id,
                    fields=dict(idea.fields),
                    links=links,
                    consensus=measured.get(result.idea_id, {}).get("consensus"),
                    contested=bool(measured.get(result.idea_id, {}).get("contested")),
                    also_said=tuple(merged.get(result.idea_id, [])),
                    edited_from=editing.edited_from(idea),
                    carried_from=carried_from(idea.origin),
                    category=idea.category,
                    mitigated_by=mitigated_by,
                    measures=means,
                    quadrant=position,
                )
            )
            links_items = links_items or bool(links) or bool(mitigated_by)
        if decision is not None:
            items = tie_breaks(items, per_category=common.select_per_category(stage) > 0)
        sections.append(
            plan_module.StageOutcome(
                key=stage.key,
                title=stage.title,
                prompt=stage.prompt,
                completed=stage.decided,
                items=tuple(items),
                how=plan_module.decision_notes(
                    stage.steps,
                    decision,
                    {i: idea.text for i, idea in ideas.items()},
                    other_rounds(db, stage, decision),
                    kinds=activities.REGISTRY,
                    select=common.select_count(stage) or 0,
                    per_category=common.select_per_category(stage),
                )
                if stage.decided
                else (),
                score_label=_score_label(decision, stage),
                participation=_participation(db, stage),
                categories=_categories(stage),
                scales=rating[1] if rating is not None else (),
                quadrants=rating[2] if rating is not None else {},
            )
        )
    document = plan_module.assemble_plan(
        title=workshop.title,
        organization=workshop.organization,
        horizon_years=workshop.horizon_years,
        finished_at=finished_at,
        participants=participant_count(db, workshop.id),
        stages=sections,
        aligned=links_items,
        facilitator=workshop.facilitator_name,
        contributions=_contributions(db, workshop.id),
        draft=draft,
        removed=removed_count(db, workshop.id),
        review_cadence=workshop.review_cadence,
        language=workshop.language,
    )
    return with_words(document, workshop.id)


def tie_breaks(
    items: Sequence[plan_module.PlanItem], *, per_category: bool = False
) -> list[plan_module.PlanItem]:
    """The items of a stage a scoring step decided, each selected item that got in only by a
    tie-break marked so: its score (what the deciding step counts: Borda points, dots,
    points...) equals that of a shortlisted item left out at the cut, so the step's
    tie-break (the dots, then the earlier idea) chose between them. A stage that keeps every
    item leaves nothing out, so has none. A stage that selects per category cuts each
    category on its own: only an item left out of the same category can tie with it."""

    def cut(item: plan_module.PlanItem) -> tuple[str | None, float]:
        return (item.category if per_category else None, float(item.score))

    left_out = {cut(item) for item in items if item.shortlisted and not item.selected}
    return [
        replace(item, tie_break=True) if item.selected and cut(item) in left_out else item
        for item in items
    ]


def other_rounds(
    db: Session, stage: Stage, decision: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The final standings of every step of the stage that had a second round, other than
    the step that decided it (whose standings are `decision`)."""
    assert stage.id is not None
    closed = scoring.load_rounds(db, [stage.id]).get(stage.id, [])
    deciding = decision["step"] if decision else None
    out = []
    for index in sorted({r.step_index for r in closed} - {deciding}):
        if index >= len(stage.steps):
            continue
        standings = scoring.read_standings(db, stage, index)
        if standings is None:
            continue
        previous = scoring.rounds_of(closed, index)
        out.append(
            scoring.decision_json(
                standings,
                index=index,
                round_number=len(previous) + 1,
                previous=previous[-1].standings,
            )
        )
    return out


# --------------------------------------------------------------------------- versions


def first_version(db: Session, *, workshop: Workshop, finished_at: datetime) -> PlanVersion:
    """Version 1, to store when the workshop finishes (the caller commits)."""
    document = assemble(db, workshop=workshop, finished_at=finished_at)
    return PlanVersion(
        workshop_id=workshop.id, version=1, created_at=finished_at, data=document.as_dict()
    )


def list_versions(db: Session, workshop_id: str) -> list[PlanVersion]:
    """Every stored version of a workshop's plan, oldest first."""
    query = (
        select(PlanVersion)
        .where(PlanVersion.workshop_id == workshop_id)
        .order_by(col(PlanVersion.version))
    )
    return list(db.exec(query))


def latest_version(db: Session, workshop_id: str) -> PlanVersion | None:
    """The newest version, or None before the finish."""
    query = (
        select(PlanVersion)
        .where(PlanVersion.workshop_id == workshop_id)
        .order_by(col(PlanVersion.version).desc())
        .limit(1)
    )
    return db.exec(query).first()


def parse_version(raw: str | None) -> int | None:
    """The `?version=` of a download: None for the latest, else a whole number from 1."""
    if raw is None or raw == "":
        return None
    if not VERSION_NUMBER.fullmatch(raw):
        raise DomainError("invalid_version", gettext("version must be a whole number from 1."))
    return int(raw)


def get_version(db: Session, *, workshop: Workshop, number: int | None = None) -> PlanVersion:
    """One version (the latest by default); not_finished before the finish."""
    if number is None:
        row = latest_version(db, workshop.id)
    else:
        row = db.get(PlanVersion, (workshop.id, number))
        if row is None and latest_version(db, workshop.id) is not None:
            raise DomainError(
                "version_not_found", gettext("The plan has no version %(number)s.", number=number)
            )
    if row is None:
        raise DomainError(
            "not_finished", gettext("The plan is ready once the facilitator finishes.")
        )
    return row


def document_of(db: Session, *, workshop: Workshop, row: PlanVersion) -> plan_module.PlanDocument:
    """A stored version as a document. A plan stored by release 1 (before the document had a
    `schema_version`) is assembled again from the finished workshop, which no longer changes;
    its stored Markdown and HTML are still served as they were."""
    if "schema_version" in row.data:
        document = plan_module.from_dict(row.data)
    else:
        document = assemble(
            db, workshop=workshop, finished_at=workshop.finished_at or row.created_at
        )
    if "history" not in row.data:
        # Stored before plans kept their history: the versions table has it.
        earlier = [r for r in list_versions(db, workshop.id) if r.version <= row.version]
        document = replace(
            document,
            version=row.version,
            published_at=_iso(row.created_at)
            if "published_at" not in row.data
            else document.published_at,
            note=row.note,
            history=tuple(VersionEntry(r.version, _iso(r.created_at), r.note) for r in earlier),
        )
    return with_words(document, workshop.id)


def _iso(moment: datetime) -> str:
    """A stored time (UTC, naive in SQLite) as ISO 8601 with its offset, to the second."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class RenderedPlan:
    """A plan file: its bytes, its format's renderer, and the version it is (0: a draft)."""

    content: bytes
    renderer: plan_module.Renderer
    version: int

    @property
    def draft(self) -> bool:
        """Whether this is a draft taken while the workshop runs."""
        return self.version == 0


def _renderer(format: str) -> plan_module.Renderer:
    renderer = plan_module.RENDERERS.get(format)
    if renderer is None:
        raise DomainError(
            "unknown_format", gettext("There is no plan format %(format)s.", format=repr(format))
        )
    return renderer


_renders_lock = threading.Lock()
_renders: dict[tuple[str, int, str], threading.Event] = {}
_render_slots = threading.BoundedSemaphore(RENDER_SLOTS)
RENDER_WAIT_SECONDS = 120


def _render(renderer: plan_module.Renderer, document: plan_module.PlanDocument) -> bytes:
    """One render off the event loop (`offload.py`), at most `RENDER_SLOTS` at a time in this
    process."""
    with _render_slots:
        return offload.render(renderer.format, document)


def stored_file(
    db: Session, *, workshop: Workshop, format: str, number: int | None = None
) -> RenderedPlan:
    """A finished plan's version in one format: rendered on its first download (in a child
    process, never on the event loop), then served from the database. When the whole room
    asks for a new version at once, one request renders it and the others wait for that
    render (under eventlet, `threading` is green: waiting costs nothing) instead of each
    rendering it again."""
    renderer = _renderer(format)
    row = get_version(db, workshop=workshop, number=number)
    key = (workshop.id, row.version, format)
    cached = db.get(PlanFile, key)
    if cached is not None:
        return RenderedPlan(bytes(cached.content), renderer, row.version)
    with _renders_lock:
        running = _renders.get(key)
        if running is None:
            _renders[key] = threading.Event()
    if running is not None:
        running.wait(RENDER_WAIT_SECONDS)
        db.rollback()  # a fresh read: the render's file was committed after we began
        cached = db.get(PlanFile, key)
        if cached is not None:
            return RenderedPlan(bytes(cached.content), renderer, row.version)
        # That render failed: render here (concurrent renders are still safe, see below).
    try:
        document = document_of(db, workshop=workshop, row=row)
        db.commit()  # end the read transaction before the render: nothing is held meanwhile
        content = _render(renderer, document)
        # Storing it takes the write lock first (as every write does): SQLite's own busy
        # wait would stall the event loop while another writer holds it.
        begin_write(db)
        db.add(
            PlanFile(workshop_id=workshop.id, version=row.version, format=format, content=content)
        )
        try:
            db.commit()
        except IntegrityError as clash:
            # Another process (or a render that timed out) stored it first; that file stands.
            db.rollback()
            stored = db.get(PlanFile, key)
            if stored is None:
                # No file stored, so the workshop went while this rendered (deleted, or
                # purged): said as it is, not as a server error.
                get_workshop(db, key[0])
                raise DomainError(
                    "workshop_not_found", gettext("There is no workshop with that id.")
                ) from clash
            content = bytes(stored.content)
    finally:
        if running is None:
            with _renders_lock:
                _renders.pop(key).set()
    return RenderedPlan(content, renderer, row.version)


def draft_file(db: Session, *, workshop: Workshop, format: str) -> RenderedPlan:
    """The plan as it stands now, marked DRAFT, for the facilitator while the workshop runs:
    rendered only when the workshop changed since the last draft (`offload.DRAFTS`), else the
    file of that draft (with the time it was taken)."""
    renderer = _renderer(format)
    document = assemble(db, workshop=workshop, finished_at=utcnow(), draft=True)
    db.commit()
    content = offload.DRAFTS.file(
        workshop.id, format, document, lambda: _render(renderer, document)
    )
    return RenderedPlan(content, renderer, 0)


def publish(
    db: Session,
    *,
    workshop: Workshop,
    based_on: int,
    items: Sequence[Mapping[str, Any]],
    facilitator: str | review.Unset | None = review.UNSET,
    note: str | None = None,
    review_cadence: str | None = None,
) -> PlanVersion:
    """Publish the facilitator's corrections as the next version. `based_on` must be the
    latest version, so two reviewers cannot overwrite each other's work unseen."""
    latest = get_version(db, workshop=workshop)
    if based_on != latest.version:
        raise DomainError(
            "stale_version",
            gettext(
                "Version %(version)s was published meanwhile; reload the plan and review it.",
                version=latest.version,
            ),
        )
    document = document_of(db, workshop=workshop, row=latest)
    now = utcnow()
    revised = review.apply_review(
        document,
        items=items,
        facilitator=facilitator,
        note=note,
        review_cadence=review_cadence,
        published_at=now,
    )
    row = PlanVersion(
        workshop_id=workshop.id,
        version=revised.version,
        created_at=now,
        data=revised.as_dict(),
        note=revised.note,
    )
    if review_cadence is not None:
        workshop.review_cadence = revised.review_cadence
        db.add(workshop)
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise DomainError(
            "stale_version",
            gettext("Another review was published at the same moment; reload the plan."),
        ) from None
    return row
