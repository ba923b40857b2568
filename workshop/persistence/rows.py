"""Every row of one workshop, in every table, found from the schema rather than listed by hand.

A table holds rows of a workshop when it has a column that names the workshop or one of its
stages, ideas or participants: a column called `workshop_id`, `source_workshop_id`,
`stage_id`, `idea_id` or `participant_id`, or any foreign key to `workshop`, `stage`, `idea`
or `participant` (a duplicate dismissal's `idea_a`, a merge's `into`). The tables are read
from `SQLModel.metadata`, so an activity's own tables (a plug-in's too) are covered by being
declared. Deleting a workshop (`services/lifecycle.py`) and exporting one
(`services/transfer.py`) both walk these selections; the order is children before parents,
so deleting in this order never trips a foreign key, and reading it backwards gives parents
before children (what an import inserts first).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Select, Table, delete, false, func, or_, select
from sqlalchemy.schema import sort_tables
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel

WORKSHOP_TABLE = "workshop"
# The tables whose own ids other tables refer to, and the column naming each by convention.
OWNED_BY_ID = {"stage": "stage_id", "idea": "idea_id", "participant": "participant_id"}
WORKSHOP_COLUMNS = ("workshop_id", "source_workshop_id")


@dataclass(frozen=True)
class Selection:
    """The rows of one table that belong to one workshop: `where` tests every column that can
    name the workshop (what a delete needs, so no row is left even if the data disagrees with
    itself); `narrow` only the most direct one (the workshop's id, else its stage's, its
    participant's, its idea's), which finds the same rows in consistent data and uses an index
    (what a summary needs)."""

    table: Table
    where: ColumnElement[bool]
    narrow: ColumnElement[bool]

    def select(self) -> Select[Any]:
        """SELECT the rows, in primary-key order (so an export is deterministic)."""
        return select(self.table).where(self.where).order_by(*self.table.primary_key.columns)

    def delete(self) -> Delete:
        """DELETE the rows."""
        return delete(self.table).where(self.where)

    def count(self) -> Select[Any]:
        """COUNT the rows."""
        return select(func.count()).select_from(self.table).where(self.where)


def _tables() -> list[Table]:
    """Every table of the schema, with every activity's tables registered first."""
    # The activity modules declare their tables on import; the app has imported them, but a
    # script or test that only imported the models must not miss a table (and leave rows).
    importlib.import_module("workshop.activities")
    return list(SQLModel.metadata.sorted_tables)


def _references(table: Table, target: str) -> list[Any]:
    """The columns of `table` that name a row of `target` (by foreign key or by name)."""
    found: list[Any] = []
    for column in table.columns:
        by_key = any(fk.column.table.name == target for fk in column.foreign_keys)
        by_name = column.name == OWNED_BY_ID.get(target)
        if by_key or by_name:
            found.append(column)
    return found


def _owned(tables: Iterable[Table]) -> list[tuple[Table, list[str]]]:
    """Each table holding workshop rows, with the names of the tables it reaches them through."""
    out: list[tuple[Table, list[str]]] = []
    for table in tables:
        if table.name == WORKSHOP_TABLE:
            out.append((table, []))
            continue
        anchors = [
            target
            for target in (WORKSHOP_TABLE, *OWNED_BY_ID)
            if target != table.name and _references(table, target)
        ]
        by_column = any(name in table.columns for name in WORKSHOP_COLUMNS)
        if anchors or by_column:
            out.append((table, anchors))
    return out


def selections(workshop_id: str) -> list[Selection]:
    """One selection per table that can hold rows of the workshop, children before parents."""
    tables = _tables()
    by_name = {table.name: table for table in tables}
    workshop = by_name[WORKSHOP_TABLE]
    ids: dict[str, Select[Any]] = {
        name: select(by_name[name].c.id).where(by_name[name].c.workshop_id == workshop_id)
        for name in OWNED_BY_ID
    }
    owned = _owned(tables)
    # A column that names a stage/idea/participant without a foreign key still makes its table
    # a child of that table for the order (its rows go before the rows they name).
    extra = [(by_name[anchor], table) for table, anchors in owned for anchor in anchors]
    order = sort_tables([table for table, _anchors in owned], extra_dependencies=extra)
    anchors_of = {table.name: anchors for table, anchors in owned}
    out: list[Selection] = []
    for table in reversed(order):
        if table is workshop:
            out.append(Selection(table, table.c.id == workshop_id, table.c.id == workshop_id))
            continue
        # Column name -> the table it names; each column is tested once.
        names: dict[str, str] = {name: WORKSHOP_TABLE for name in WORKSHOP_COLUMNS}
        named = {c.name: WORKSHOP_TABLE for c in table.columns if c.name in names}
        for anchor in anchors_of[table.name]:
            named.update({column.name: anchor for column in _references(table, anchor)})
        terms: list[ColumnElement[bool]] = [
            table.c[name] == workshop_id
            if anchor == WORKSHOP_TABLE
            else table.c[name].in_(ids[anchor])
            for name, anchor in named.items()
        ]
        out.append(
            Selection(table, or_(*terms) if terms else false(), terms[0] if terms else false())
        )
    return out


def workshop_rows(db: Session, workshop_id: str) -> list[tuple[Table, list[dict[str, Any]]]]:
    """Every row of the workshop: (table, rows as column -> value) for every table that can
    hold some (empty lists included), children before parents, rows in primary-key order."""
    return [
        (chosen.table, [dict(row) for row in db.execute(chosen.select()).mappings()])
        for chosen in selections(workshop_id)
    ]


def count_rows(db: Session, workshop_id: str) -> dict[str, int]:
    """How many rows of the workshop each table holds (table name -> count, zeros included)."""
    return {
        chosen.table.name: int(db.execute(chosen.count()).scalar_one())
        for chosen in selections(workshop_id)
    }


def delete_rows(db: Session, workshop_id: str) -> dict[str, int]:
    """Delete every row of the workshop, children before parents, in the caller's transaction
    (the caller commits); table name -> rows deleted."""
    deleted = {}
    for chosen in selections(workshop_id):
        result = db.execute(chosen.delete())
        deleted[chosen.table.name] = int(getattr(result, "rowcount", 0) or 0)
    return deleted


def owner_of(table: Table) -> tuple[ColumnElement[Any], Any] | None:
    """The expression naming a row's workshop in `table`, and the join it needs (None: none):
    the workshop's own id, a `workshop_id`-like column, or the `workshop_id` of the stage,
    idea or participant the row names. None for a table that reaches its workshop no simpler
    way (per-workshop reads use its `Selection` instead)."""
    if table.name == WORKSHOP_TABLE:
        return table.c.id, None
    for name in WORKSHOP_COLUMNS:
        if name in table.c:
            return table.c[name], None
    tables = SQLModel.metadata.tables
    for owner, column in OWNED_BY_ID.items():
        if column in table.c and owner in tables:
            parent = tables[owner]
            return parent.c.workshop_id, table.join(parent, parent.c.id == table.c[column])
    return None
