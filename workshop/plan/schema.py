"""The JSON Schema of the plan's JSON format (`plan.json`), published at
`/api/plan.schema.json` and described field by field in docs/plan-format.md."""

from __future__ import annotations

from typing import Any

from ..i18n import LANGUAGES
from .document import GAP_LABELS, REVIEW_CADENCES, SCHEMA_VERSION

GAP_KINDS_ALL = tuple(GAP_LABELS)

SCHEMA_ID = "/api/plan.schema.json"

_text = {"type": "string"}
_optional_text = {"type": ["string", "null"]}
_count = {"type": "integer", "minimum": 0}
_date = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_optional_date = {"anyOf": [_date, {"type": "null"}]}

_QUADRANTS = ("quick_win", "big_bet", "fill_in", "money_pit")

_metric = {
    "type": "object",
    "required": ["metric"],
    "properties": {
        "metric": _text,
        "baseline": _optional_text,
        "target": _optional_text,
        "due": _optional_date,
    },
    "additionalProperties": False,
}

_fields = {
    "type": "object",
    "description": "What the facilitator recorded for a selected item; every key is optional.",
    "properties": {
        "text": {**_text, "description": "The corrected wording (the item's `text` is as voted)."},
        "owner": _text,
        "outcome": _text,
        "due": _date,
        "approach": {"enum": ["waterfall", "agile", "hybrid"]},
        "sponsor": _text,
        "budget": {**_text, "description": "An amount as text, with an optional currency."},
        "start": _date,
        "end": _date,
        "deliverables": {"type": "array", "items": _text},
        "metrics": {"type": "array", "items": _metric},
    },
    "additionalProperties": False,
}

_item = {
    "type": "object",
    "required": [
        "id",
        "text",
        "rank",
        "score",
        "votes",
        "shortlisted",
        "selected",
        "fields",
        "links",
        "consensus",
        "contested",
        "also_said",
    ],
    "properties": {
        "tie_break": {
            "type": "boolean",
            "description": "Selected only by a tie-break at the selection's cut.",
        },
        "dropped": {
            "type": "boolean",
            "description": "Removed from the plan in a review (the appendix still lists it).",
        },
        "id": {"type": "integer"},
        "text": {**_text, "description": "The wording as voted."},
        "rank": {"type": "integer", "minimum": 1},
        "score": {"type": "number"},
        "votes": _count,
        "shortlisted": {"type": "boolean"},
        "selected": {"type": "boolean"},
        "fields": _fields,
        "links": {"type": "array", "items": {"type": "integer"}},
        "consensus": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "contested": {"type": "boolean"},
        "also_said": {"type": "array", "items": _text},
        "edited_from": {
            **_optional_text,
            "description": "The wording as submitted, when the idea was reworded in the "
            'workshop (the appendix shows it as "edited from"); null: never edited.',
        },
        "carried_from": {
            "type": ["object", "null"],
            "required": ["title", "date"],
            "properties": {"title": _text, "date": {"type": "string"}},
            "additionalProperties": False,
            "description": "The earlier workshop a preloaded item was carried over from (the "
            'appendix shows "from <title>, <date>"); null: not carried.',
        },
        "category": {
            **_text,
            "description": "The key of the stage's category the item was written under "
            '("threats"); absent on a stage without categories.',
        },
        "mitigated_by": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "A risk's mitigations: the ids of the projects that mitigate it; "
            "absent when none.",
        },
        "measures": {
            "type": "object",
            "additionalProperties": {"type": "number", "minimum": 1, "maximum": 5},
            "description": "A stage rated on named scales: the item's mean rating per scale "
            "key (1-5); absent otherwise.",
        },
        "quadrant": {
            "enum": list(_QUADRANTS),
            "description": "The item's quadrant on the stage's scales (a position: quick_win "
            "= first scale high, second low; big_bet = both high; fill_in = both low; "
            "money_pit = first low, second high; high is a mean above 3); absent otherwise.",
        },
    },
    "additionalProperties": False,
}

_stage = {
    "type": "object",
    "required": [
        "key",
        "title",
        "prompt",
        "completed",
        "items",
        "how",
        "score_label",
        "participation",
    ],
    "properties": {
        "key": _text,
        "title": _text,
        "prompt": _text,
        "completed": {"type": "boolean"},
        "items": {"type": "array", "items": _item},
        "how": {"type": "array", "items": _text},
        "score_label": _text,
        "participation": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "label", "people"],
                "properties": {"kind": _text, "label": _text, "people": _count},
                "additionalProperties": False,
            },
        },
        "categories": {
            "type": "array",
            "description": "The stage's categories in order (a SWOT, a PESTLE); absent on a "
            "stage without.",
            "items": {
                "type": "object",
                "required": ["key", "label", "hint"],
                "properties": {"key": _text, "label": _text, "hint": _text},
                "additionalProperties": False,
            },
        },
        "scales": {
            "type": "array",
            "description": "The two scales of the stage's rate step when it names them "
            "(likelihood, impact); absent for the default impact and effort.",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["key", "label", "low", "high"],
                "properties": {"key": _text, "label": _text, "low": _text, "high": _text},
                "additionalProperties": False,
            },
        },
        "quadrants": {
            "type": "object",
            "description": "Each quadrant's name by position, with `scales`.",
            "propertyNames": {"enum": list(_QUADRANTS)},
            "additionalProperties": _text,
        },
    },
    "additionalProperties": False,
}

_gap = {
    "type": "object",
    "required": ["kind", "item", "id"],
    "properties": {
        "kind": {
            "enum": list(GAP_KINDS_ALL),
        },
        "item": _text,
        "id": {"type": "integer"},
        "detail": {
            **_optional_text,
            "description": "What exactly is wrong, when the kind alone does not say "
            '("Completion date 2035-03-01 is after the horizon ends (2031)").',
        },
    },
    "additionalProperties": False,
}

PLAN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Strategy Workshop plan",
    "description": "A strategic plan as assembled from a workshop (docs/plan-format.md).",
    "type": "object",
    "required": [
        "schema_version",
        "version",
        "draft",
        "title",
        "organization",
        "facilitator",
        "horizon_years",
        "start_year",
        "end_year",
        "date",
        "finished_at",
        "participants",
        "contributions",
        "removed",
        "stages",
        "gaps",
        "aligned",
        "note",
        "published_at",
        "review_cadence",
        "history",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "version": {"type": "integer", "minimum": 0},
        "draft": {"type": "boolean"},
        "title": _text,
        "organization": _optional_text,
        "facilitator": _optional_text,
        "horizon_years": {"type": "integer", "minimum": 1},
        "start_year": {"type": "integer"},
        "end_year": {"type": "integer"},
        "date": _date,
        "finished_at": _text,
        "participants": _count,
        "contributions": _count,
        "removed": _count,
        "stages": {"type": "array", "items": _stage},
        "gaps": {"type": "array", "items": _gap},
        "aligned": {"type": "boolean"},
        "note": _optional_text,
        "published_at": {
            "type": "string",
            "description": "When this version was published (a draft: taken), ISO 8601.",
        },
        "review_cadence": {"enum": list(REVIEW_CADENCES)},
        "language": {
            "enum": list(LANGUAGES),
            "description": "The language the plan is written in (the workshop's); absent: English.",
        },
        "history": {
            "type": "array",
            "description": "Every version published up to this one, oldest first.",
            "items": {
                "type": "object",
                "required": ["version", "published_at", "note"],
                "properties": {
                    "version": {"type": "integer", "minimum": 1},
                    "published_at": _text,
                    "note": _optional_text,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
