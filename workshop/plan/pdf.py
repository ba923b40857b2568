"""Placeholder, replaced by the real renderer."""

from __future__ import annotations

from .document import PlanDocument


def render_pdf(plan: PlanDocument) -> bytes:
    raise NotImplementedError
