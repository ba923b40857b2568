"""The facilitator's everyday tools as Socket.IO events: the stage timer (`timer:*`) and the
item in focus (`focus:*`). Registered with `events.client_event`, like the core's own events."""

from __future__ import annotations
