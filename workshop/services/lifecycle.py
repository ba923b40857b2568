"""A workshop's life after the meeting: its summary for the facilitator's home, deleting it
(every row, everywhere), and purging finished workshops after RETENTION_DAYS.

Owner: helper B1 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlmodel import Session

from ..persistence.models import Workshop


def summary(db: Session, workshop: Workshop) -> dict[str, Any]:
    """What the start page's "My workshops" shows of one workshop (docs/api.md)."""
    raise NotImplementedError


def delete_workshop(db: Session, workshop: Workshop) -> None:
    """Delete every row of `workshop` from every table, and commit."""
    raise NotImplementedError


def purge_finished(db: Session, *, days: int, now: datetime | None = None) -> list[str]:
    """Delete the workshops finished more than `days` days before `now`; their ids."""
    raise NotImplementedError


def init_app(app: Flask) -> None:
    """RETENTION_DAYS set: purge at start and then daily."""
