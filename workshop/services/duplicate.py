"""Start a workshop from an earlier one: the same agenda and settings, and the selected items
of the stages named in `carry_over` as preloaded items marked with where they came from.

Owner: helper B2 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations

from sqlmodel import Session

from ..persistence.models import Workshop


def duplicate_workshop(
    db: Session, source: Workshop, *, title: str | None, carry_over: list[str]
) -> tuple[Workshop, str]:
    """The new workshop and its facilitator key (committed)."""
    raise NotImplementedError
