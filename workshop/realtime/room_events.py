"""The facilitator's room events: locking joins and removing a participant.

Registered with `events.client_event`; `events` imports this module at its end, so this
module's `from .events import ...` finds everything it needs already defined.
"""

from __future__ import annotations

from .events import client_event

__all__ = ["client_event"]
