"""Closing a deleted workshop's live rooms: every connected client is told (`workshop:closed`)
and disconnected, and nothing in this process's memory keeps the workshop.

Owner: helper B1 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations


def close_workshop(workshop_id: str, *, reason: str = "deleted") -> None:
    """Tell every client of the workshop it is closed, then disconnect them."""
