"""One item in front of everyone (`focus:set` / `focus:clear`, facilitator): the projector shows
it large with its figures so far (as revealed), every phone pins it at the top. It lasts until
cleared or a stage changes step (`clear_on_step_change`), and goes when the item is hidden,
merged away or deleted.
"""

from __future__ import annotations

from typing import Any

from ..activities.base import WorkshopData


def focus_json(data: WorkshopData) -> dict[str, Any] | None:
    """The item in focus as the state carries it, `{"idea_id", "stage_id", "text"}`, or None
    (nothing in focus, or the item is no longer visible)."""
    idea_id = data.workshop.focus_idea_id
    if idea_id is None:
        return None
    for ideas in data.ideas.values():
        for idea in ideas:
            if idea.id == idea_id:
                if idea.hidden or idea.merged_into is not None or idea.deleted_at is not None:
                    return None
                return {"idea_id": idea.id, "stage_id": idea.stage_id, "text": idea.text}
    return None
