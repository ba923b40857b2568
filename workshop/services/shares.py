"""Read-only share links to a finished plan, for people who were not in the room.

A link is `/s/<secret>`: the secret is 192 random bits, kept only as its hash, so the link
is shown once, when it is made. Revoking a link keeps its row (when it was made and revoked)
and from then on the link answers 404, exactly like a link that never existed.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from ..core.errors import DomainError
from ..core.security import hash_secret, new_secret
from ..i18n import gettext
from ..persistence.models import PlanShare, Workshop, utcnow
from ..persistence.queries import get_workshop
from . import plans

MAX_ACTIVE = 50


def active_shares(db: Session, workshop_id: str) -> list[PlanShare]:
    """The links that still open the plan, oldest first."""
    query = (
        select(PlanShare)
        .where(PlanShare.workshop_id == workshop_id, col(PlanShare.revoked_at).is_(None))
        .order_by(col(PlanShare.created_at))
    )
    return list(db.exec(query))


def create_share(db: Session, *, workshop: Workshop) -> tuple[PlanShare, str]:
    """A new link to the finished plan; returns the row and the secret for its URL."""
    plans.get_version(db, workshop=workshop)  # not_finished while the workshop runs
    if len(active_shares(db, workshop.id)) >= MAX_ACTIVE:
        raise DomainError(
            "too_many_shares",
            gettext("A plan can have at most %(max)s open share links.", max=MAX_ACTIVE),
        )
    secret = new_secret()
    share = PlanShare(
        id=secrets.token_hex(6), workshop_id=workshop.id, token_hash=hash_secret(secret)
    )
    db.add(share)
    db.commit()
    return share, secret


def revoke_share(db: Session, *, workshop: Workshop, share_id: str) -> None:
    """Revoke a link of this workshop; a link already revoked or unknown is share_not_found."""
    share = db.get(PlanShare, share_id)
    if share is None or share.workshop_id != workshop.id or share.revoked_at is not None:
        raise DomainError("share_not_found", gettext("There is no open share link with that id."))
    share.revoked_at = utcnow()
    db.add(share)
    db.commit()


def open_share(db: Session, secret: str) -> Workshop:
    """The workshop an open link shows; share_not_found (404) for a revoked or unknown one."""
    share = (
        db.exec(select(PlanShare).where(PlanShare.token_hash == hash_secret(secret))).first()
        if secret
        else None
    )
    if share is None or share.revoked_at is not None:
        raise DomainError(
            "share_not_found", gettext("This link does not exist or has been revoked.")
        )
    return get_workshop(db, share.workshop_id)
