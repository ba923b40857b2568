"""The one family of domain errors; the HTTP and Socket.IO edges turn them into error payloads."""

from __future__ import annotations

from typing import Any

# The HTTP status that fits each error code; anything unlisted is a 400.
HTTP_STATUS: dict[str, int] = {
    "unauthorized": 401,
    "invalid_token": 401,
    "forbidden": 403,
    "not_joined": 403,
    "workshop_not_found": 404,
    "stage_not_found": 404,
    "idea_not_found": 404,
    "not_found": 404,
    "version_not_found": 404,
    "share_not_found": 404,
    "item_not_found": 404,
    "unknown_format": 404,
    "not_finished": 409,
    "workshop_finished": 409,
    "wrong_phase": 409,
    "stage_started": 409,
    "not_revealed": 409,
    "round_limit": 409,
    "stale_version": 409,
    "too_many_shares": 409,
    "method_not_allowed": 405,
    "participant_removed": 403,
    "join_locked": 403,
    "workshop_full": 409,
    "participant_not_found": 404,
    "template_not_found": 404,
    "too_many_templates": 409,
    "not_your_idea": 403,
    "idea_has_votes": 409,
    "idea_merged": 409,
    "not_current_stage": 409,
    "no_timer": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "host_not_allowed": 400,
    "internal_error": 500,
    # Issue 20, spelled out though 400 is the default: a duplicate's `carry_over` naming no
    # stage of the source, twice, or a stage with nothing selected; an admin import that is
    # not a workshop export (or a broken one).
    "invalid_carry_over": 400,
    "invalid_import": 400,
}


class DomainError(Exception):
    """A broken rule or an unservable request: `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        """The HTTP status this error is answered with."""
        return HTTP_STATUS.get(self.code, 400)

    def as_payload(self) -> dict[str, Any]:
        """The `{"code", "message"}` object both edges send."""
        return {"code": self.code, "message": self.message}
