"""Strategy Workshop: a live strategic-planning meeting, from ideas on phones to a plan.

The package imports nothing heavy on its own: `create_app` (in `application.py`) loads Flask,
Socket.IO and the database when it is called, so a process that only renders a plan file
(`python -m workshop.plan.worker`) starts in a fraction of the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app", "socketio"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app (see `application.create_app`)."""
    from .application import create_app as build

    return build(test_config)


def __getattr__(name: str) -> Any:
    if name == "socketio":
        from .extensions import socketio

        return socketio
    raise AttributeError(f"module 'workshop' has no attribute {name!r}")
