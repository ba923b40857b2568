"""A workshop's complete data as JSON, and a new workshop made from such a file: what the
server's admin exports and imports (`/admin`).

Owner: helper B3 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..persistence.models import Workshop


def export_workshop(db: Session, workshop: Workshop) -> dict[str, Any]:
    """Everything needed to recreate `workshop` (docs/api.md, "Workshop export")."""
    raise NotImplementedError


def import_workshop(db: Session, data: Any) -> tuple[Workshop, str]:
    """A new workshop made from an export, and its new facilitator key (committed). Bad data
    raises `invalid_import` naming the first problem, and stores nothing."""
    raise NotImplementedError
