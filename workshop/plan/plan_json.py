"""The plan as JSON: the `PlanDocument` itself, with its `schema_version` (docs/plan-format.md,
published as a JSON Schema by `schema.py`)."""

from __future__ import annotations

import json

from .document import PlanDocument


def render_json(plan: PlanDocument) -> bytes:
    """The plan's data, UTF-8, keys in a fixed order so the same plan gives the same bytes."""
    text = json.dumps(plan.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")
