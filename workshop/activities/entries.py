"""The generic entries table: storage for activities that bring no tables of their own.

One row per stage, step kind and participant (`persistence.models.Entry`), its `data` the
participant's whole entry as JSON, validated by the model the activity declares. A write
replaces the entry; None or an empty entry deletes it. Nothing here commits: the activity's
service locks the participant (`queries.lock_participant`), calls `put`, moves its counters
(`persistence.counters`) and commits, all in one transaction.

Built-in activities keep their typed tables (a dot vote's rows per idea); `bench/entries.py`
measures what this table costs against them (docs/performance.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from ..core.errors import DomainError
from ..i18n import gettext
from ..persistence.models import Entry, utcnow

__all__ = ["EntryStore"]


class EntryStore:
    """One activity's entries in the `entry` table, keyed by stage and participant.

    `model` validates every entry written (a pydantic model, or a `RootModel` for a plain
    value); the stored data is its JSON dump, and `read` gives that JSON back as stored. Without
    a model any JSON value is accepted. Entries read back are JSON-shaped: object keys are text.
    """

    def __init__(self, kind: str, model: type[pydantic.BaseModel] | None = None) -> None:
        self.kind = kind
        self.model = model

    def read(self, db: Session, stage_ids: Iterable[int]) -> dict[int, dict[int, Any]]:
        """stage id -> participant id -> entry, for every stage asked (empty where none)."""
        ids = list(stage_ids)
        out: dict[int, dict[int, Any]] = {stage_id: {} for stage_id in ids}
        if not ids:
            return out
        query = (
            select(col(Entry.stage_id), col(Entry.participant_id), col(Entry.data))
            .where(col(Entry.kind) == self.kind, col(Entry.stage_id).in_(ids))
            .order_by(col(Entry.stage_id), col(Entry.participant_id))
        )
        for stage_id, participant_id, data in db.exec(query):
            out[stage_id][participant_id] = data
        return out

    def get(self, db: Session, *, stage_id: int, participant_id: int) -> Any:
        """One participant's entry on a stage as stored, None when there is none (read it
        after locking the participant to move counters by the difference a `put` makes)."""
        return db.exec(select(col(Entry.data)).where(*self._mine(stage_id, participant_id))).first()

    def put(self, db: Session, *, stage_id: int, participant_id: int, entry: Any) -> bool:
        """Replace one participant's entry on a stage (None or empty: delete it); False when
        nothing changed. Raises DomainError("invalid_payload") when the model refuses it."""
        value = self.stored(entry)
        mine = self._mine(stage_id, participant_id)
        before = db.exec(select(col(Entry.data)).where(*mine)).first()
        if value == before:
            return False
        if value is None:
            db.execute(delete(Entry).where(*mine))
        elif before is None:
            db.execute(
                insert(Entry).values(
                    stage_id=stage_id,
                    kind=self.kind,
                    participant_id=participant_id,
                    data=value,
                    updated_at=utcnow(),
                )
            )
        else:
            db.execute(update(Entry).where(*mine).values(data=value, updated_at=utcnow()))
        return True

    def write(self, db: Session, stage_id: int, changed: Mapping[int, Any]) -> None:
        """Replace these participants' entries on a stage (a merge's or an undo's result;
        None or empty: none). The caller recounts its counters and commits."""
        for participant_id, entry in changed.items():
            self.put(db, stage_id=stage_id, participant_id=participant_id, entry=entry)

    def delete_stage(self, db: Session, stage_id: int) -> None:
        """Drop every entry of this kind on a stage."""
        db.execute(
            delete(Entry).where(col(Entry.stage_id) == stage_id, col(Entry.kind) == self.kind)
        )

    def _mine(self, stage_id: int, participant_id: int) -> tuple[Any, Any, Any]:
        return (
            col(Entry.stage_id) == stage_id,
            col(Entry.kind) == self.kind,
            col(Entry.participant_id) == participant_id,
        )

    def stored(self, entry: Any) -> Any:
        """An entry as it is stored: validated by the model and dumped as JSON, object keys
        as text; None when there is nothing to store (None, or empty once validated)."""
        if _empty(entry):
            return None
        if self.model is not None:
            try:
                entry = self.model.model_validate(entry).model_dump(mode="json")
            except pydantic.ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "entry"
                raise DomainError(
                    "invalid_payload",
                    gettext(
                        "%(kind)s.%(where)s: %(problem)s",
                        kind=self.kind,
                        where=where,
                        problem=first["msg"],
                    ),
                ) from None
        try:
            # Round-tripped, so what is compared and returned is what `read` gives back.
            value = json.loads(json.dumps(entry))
        except (TypeError, ValueError):
            raise DomainError(
                "invalid_payload", gettext("%(kind)s: an entry must be JSON.", kind=self.kind)
            ) from None
        return None if _empty(value) else value


def _empty(entry: Any) -> bool:
    return entry is None or (isinstance(entry, dict | list | tuple | str) and not entry)
