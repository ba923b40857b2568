"""Suggested duplicates: during a brainstorm and before a vote, the console lists groups of
ideas that are likely the same (`core/similar.py`), each with "Merge" (the existing
`idea:merge`) and "Not the same" (`duplicate:dismiss`, kept in `DuplicateDismissal`). Declared
by the brainstorm activity (`brainstorm.py`).

Suggestions are offered while the stage has not reached a scoring step (the issue's "during a
brainstorm and before a vote": once people give dots or points, a merge moves what they gave,
which the facilitator may still do by hand) and `idea:merge` would accept them
(`merge.check_open`, and no second round yet), among the stage's visible ideas that are not
themes the room votes on as one item. They are computed from the ideas' ids and wordings
alone (`core/similar.py`), so the result is cached on those: a tally or a state that follows
a phase change or a dismissal reuses the scored pairs instead of scoring every pair again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import combinations
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel, col, select

from ..core import similar
from ..core.errors import DomainError
from ..core.payloads import IdeaId, Payload, StageId
from ..i18n import gettext
from ..persistence.models import Idea, IdeaMerge, Stage, StageRound, Workshop, utcnow
from ..persistence.queries import get_stage, require_active, visible_idea_ids
from . import common, merge
from .base import SCORES, Outcome, StateChanged


class DuplicateDismissal(SQLModel, table=True):
    """Two ideas of a stage the facilitator said are not the same (`idea_a` < `idea_b`): no
    suggestion pairs them again."""

    __tablename__ = "duplicate_dismissal"

    stage_id: int = Column(foreign_key="stage.id", primary_key=True)
    idea_a: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    idea_b: int = Column(foreign_key="idea.id", primary_key=True, index=True)
    created_at: datetime = Column(default_factory=utcnow)


class DuplicateDismissPayload(Payload):
    stage_id: StageId
    idea_ids: Annotated[list[IdeaId], Field(min_length=2, max_length=50)]


def on_dismiss(db: Session, who: Workshop, payload: DuplicateDismissPayload) -> Outcome:
    """Facilitator: the named ideas are not the same; store every pair of them (idempotent:
    pairs already dismissed are kept, and counted as 0). Sends a fresh state."""
    dismissed = dismiss(db, workshop=who, stage_id=payload.stage_id, idea_ids=payload.idea_ids)
    return Outcome(ack={"dismissed": dismissed}, publish=(StateChanged(),))


def dismiss(db: Session, *, workshop: Workshop, stage_id: int, idea_ids: Sequence[int]) -> int:
    """Store every pair of `idea_ids` as not the same; return how many pairs are new."""
    require_active(workshop)
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    assert stage.id is not None
    if len(set(idea_ids)) != len(idea_ids):
        raise DomainError("invalid_duplicates", gettext("Name each idea once."))
    visible = set(visible_idea_ids(db, stage.id))
    missing = [idea_id for idea_id in idea_ids if idea_id not in visible]
    if missing:
        raise DomainError(
            "invalid_duplicates",
            gettext(
                "Idea %(missing)s is not a visible idea of this stage (hidden, merged, deleted "
                "or of another stage).",
                missing=missing[0],
            ),
        )
    wanted = {similar.pair_key(a, b) for a, b in combinations(idea_ids, 2)}
    known = set(dismissed_pairs(db, [stage.id]).get(stage.id, set()))
    new = sorted(wanted - known)
    for a, b in new:
        db.add(DuplicateDismissal(stage_id=stage.id, idea_a=a, idea_b=b))
    db.commit()
    return len(new)


def dismissed_pairs(db: Session, stage_ids: Sequence[int]) -> dict[int, set[tuple[int, int]]]:
    """Stage id -> the pairs of ideas dismissed there (lower id first)."""
    out: dict[int, set[tuple[int, int]]] = {}
    if not stage_ids:
        return out
    query = select(
        DuplicateDismissal.stage_id, DuplicateDismissal.idea_a, DuplicateDismissal.idea_b
    ).where(col(DuplicateDismissal.stage_id).in_(stage_ids))
    for stage_id, a, b in db.exec(query):
        out.setdefault(stage_id, set()).add(similar.pair_key(a, b))
    return out


# --------------------------------------------------------------------------- suggestions


def can_merge(stage: Stage, *, rounds: bool = False, active: bool = True) -> bool:
    """Whether the console suggests duplicates on this stage now: before its first scoring
    step, and while `idea:merge` would accept its ideas (the workshop is `active`,
    `merge.check_open`: not ranked or decided, no second round)."""
    if rounds or not active or common.has_reached(stage, SCORES):
        return False
    try:
        merge.check_open(stage, "merged")
    except DomainError:
        return False
    return True


CACHE_SIZE = 64
"""Scored pairs kept for this many different sets of ideas (one per stage and wording state:
a workshop's few brainstorm stages, many workshops)."""

_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(key: tuple[Any, ...], compute: Any) -> Any:
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget every cached result (for benchmarks and tests that time a cold start)."""
    with _cache_lock:
        _cache.clear()


IdeaLike = Idea | tuple[int, str]


def _pairs_of(item: IdeaLike) -> tuple[int, str]:
    if isinstance(item, Idea):
        assert item.id is not None
        return item.id, item.text
    return int(item[0]), str(item[1])


def suggestions(
    stage: Stage, ideas: Iterable[IdeaLike], dismissed: Iterable[tuple[int, int]]
) -> list[dict[str, Any]]:
    """The stage's suggested duplicates among `ideas` (the mergeable ones: `Idea` rows or
    `(id, text)`), without dismissed pairs: `[{"idea_ids": [ascending], "score"}]`, best
    first; [] from the stage's first scoring step on.

    Cached on the ideas' (id, text) and the dismissed pairs: a repeated state or tally, which
    most are (votes and phase changes do not change wordings), costs a dictionary lookup."""
    if not can_merge(stage):
        return []
    items = tuple(sorted(_pairs_of(idea) for idea in ideas))
    if len(items) < 2:
        return []
    refused = frozenset(similar.pair_key(a, b) for a, b in dismissed)
    scored: Mapping[tuple[int, int], float] = _cached(
        ("pairs", similar.THRESHOLD, items), lambda: similar.scored_pairs(items)
    )
    relevant = frozenset(pair for pair in refused if pair in scored)
    groups: list[similar.Suggestion] = _cached(
        ("groups", similar.THRESHOLD, items, relevant),
        lambda: similar.group(scored, relevant),
    )
    return [{"idea_ids": list(g["idea_ids"]), "score": g["score"]} for g in groups]


def mergeable_ideas(ideas: Iterable[Idea], themes: Iterable[int] = ()) -> list[tuple[int, str]]:
    """The ideas a suggestion may name: visible (not hidden, merged or deleted) and not a
    theme the room votes on as one item (`idea:merge` refuses those)."""
    skip = set(themes)
    return [
        (idea.id, idea.text)
        for idea in ideas
        if idea.id is not None
        and not idea.hidden
        and idea.merged_into is None
        and idea.deleted_at is None
        and idea.id not in skip
    ]


def read_suggestions(db: Session, stage: Stage) -> list[dict[str, Any]]:
    """A stage's suggestions read from the database (for a live tally)."""
    assert stage.id is not None
    workshop = db.get(Workshop, stage.workshop_id)
    if not can_merge(stage, active=workshop is not None and workshop.status == "active"):
        return []
    rounds = db.exec(select(StageRound.stage_id).where(StageRound.stage_id == stage.id)).first()
    if rounds is not None:
        return []
    ideas = db.exec(
        select(Idea).where(
            Idea.stage_id == stage.id,
            col(Idea.hidden).is_(False),
            col(Idea.merged_into).is_(None),
            col(Idea.deleted_at).is_(None),
        )
    ).all()
    themes = db.exec(
        select(IdeaMerge.into).where(
            IdeaMerge.stage_id == stage.id,
            col(IdeaMerge.group).is_(True),
            col(IdeaMerge.undone).is_(False),
        )
    ).all()
    dismissed = dismissed_pairs(db, [stage.id]).get(stage.id, set())
    return suggestions(stage, mergeable_ideas(ideas, themes), dismissed)
