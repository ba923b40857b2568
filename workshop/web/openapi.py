"""The OpenAPI 3.1 description of every `/api/` route, served at `GET /api/openapi.json`.

Request bodies are the JSON Schemas of the payload classes the routes parse with
(`core.payloads`), so the document describes exactly what the parser accepts; the domain rules
then refuse with their own codes (`title_too_long`, ...), each a documented 4xx. Responses
name every status a route answers with; errors share one object. `tests/test_openapi.py` runs
schemathesis against this document, and checks that every `/api/` rule of the app is in it.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, jsonify

from .. import i18n
from .. import plan as plan_module
from ..core.payloads import (
    CreateWorkshopPayload,
    DuplicateWorkshopPayload,
    Payload,
    PublishPlanPayload,
    TemplateSavePayload,
)

bp = Blueprint("openapi", __name__)

JSON = "application/json"

ERROR_CODES = {
    400: "invalid input (`invalid_payload`, `invalid_agenda`, `title_required`, ...)",
    401: "a missing or wrong key or token (`unauthorized`)",
    403: "the wrong role (`forbidden`, `participant_removed`)",
    404: "no such workshop, template, version or link (`..._not_found`)",
    409: "not now (`not_finished`, `stage_started`, `stale_version`, `too_many_...`)",
    413: "a body over MAX_CONTENT_LENGTH (`payload_too_large`)",
    429: "too many requests from this address (`rate_limited`, with `Retry-After`)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_CODES[status],
        "content": {JSON: {"schema": _ref("Error")}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        }
    return response


def _ok(description: str, schema: dict[str, Any], media_type: str = JSON) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _operation(
    summary: str,
    responses: dict[int, dict[str, Any]],
    *errors: int,
    secured: bool | str = False,
    body: dict[str, Any] | None = None,
    query: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One operation: its summary, who may call it, its body and its responses."""
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            **{str(status): response for status, response in responses.items()},
            **{str(status): _error(status) for status in errors},
        },
    }
    if secured == "reader":
        # A plan link opened straight from a phone carries the secret as ?token=.
        operation["security"] = [{"bearer": []}, {"token": []}]
    elif secured:
        operation["security"] = [{"bearer": []}]
    else:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if query:
        operation["parameters"] = query
    return operation


def _payload_schema(model: type[Payload]) -> dict[str, Any]:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of a payload class."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for field in schema.get("properties", {}).values():
        field.pop("title", None)
    return schema


LANGUAGE_CODES = list(i18n.LANGUAGES)


def _with_language(schema: dict[str, Any]) -> dict[str, Any]:
    """A new workshop's body with its optional `language` (checked by the service, so another
    value is `unknown_language`, not `invalid_payload`)."""
    properties = dict(schema.get("properties", {}))
    properties["language"] = {
        "anyOf": [{"enum": LANGUAGE_CODES}, {"type": "null"}],
        "default": i18n.DEFAULT_LANGUAGE,
        "description": "The room's language: the projector, the plan and the template's texts.",
    }
    return {**schema, "properties": properties}


LANGUAGES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["languages", "default"],
    "properties": {
        "languages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "direction"],
                "properties": {
                    "code": {"enum": LANGUAGE_CODES},
                    "name": {"type": "string"},
                    "direction": {"enum": ["ltr", "rtl"]},
                },
            },
        },
        "default": {"enum": LANGUAGE_CODES},
    },
}


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


WORKSHOP_ID = _path("workshop_id", "The workshop's id (16 hex characters).")
VERSION = {
    "name": "version",
    "in": "query",
    "required": False,
    "description": "A plan version (a whole number from 1); the latest by default.",
    "schema": {"type": "string"},
}

TEMPLATE_SUMMARY = {
    "type": "object",
    "required": ["id", "built_in", "title", "description", "stages"],
    "properties": {
        "id": {"type": "string"},
        "built_in": {"type": "boolean"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "created_at": {"type": "string"},
        "stages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "title", "steps"],
                "properties": {
                    "key": {"type": "string"},
                    "title": {"type": "string"},
                    "steps": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

AGENDA_BODY = {
    "type": "object",
    "required": ["stages"],
    "properties": {
        "stages": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "`{id?, key, title, prompt?, steps: [{kind, ...settings}]}`",
            },
        }
    },
}

AGENDA = {
    "type": "object",
    "required": ["stages", "activities"],
    "properties": {
        "stages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "key", "title", "prompt", "started", "steps"],
                "properties": {
                    "id": {"type": "integer"},
                    "key": {"type": "string"},
                    "title": {"type": "string"},
                    "prompt": {"type": "string"},
                    "started": {"type": "boolean"},
                    "steps": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
        "activities": {"type": ["object", "array"]},
    },
}

VERSION_ENTRY = {
    "type": "object",
    "required": ["version", "created_at", "note", "latest", "urls"],
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "created_at": {"type": "string"},
        "note": {"type": ["string", "null"]},
        "latest": {"type": "boolean"},
        "urls": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

PUBLISH_BODY = {
    **_payload_schema(PublishPlanPayload),
}
PUBLISH_BODY["properties"] = {
    **PUBLISH_BODY["properties"],
    "items": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "description": "A selected item of the plan."},
                "fields": {
                    "type": "object",
                    "description": "Its fields, by the rules of item:update (null clears one).",
                },
                "links": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Its whole new list of parents, checked as link:confirm.",
                },
                "mitigated_by": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "A risk's whole new list of mitigating projects ([] clears "
                    "it), checked as link:confirm's mitigated_by.",
                },
                "dropped": {
                    "type": "boolean",
                    "description": "true: removed from the plan; false: restored.",
                },
            },
            "additionalProperties": False,
        },
        "description": "Corrections of selected items, each with at least one of fields, "
        "links, mitigated_by and dropped (docs/api.md).",
    },
    "facilitator": {"type": ["string", "null"]},
}


CREATED = {
    "type": "object",
    "required": ["id", "code", "facilitator_key", "projector_token", "projector_url", "urls"],
    "properties": {
        "id": {"type": "string"},
        "code": {"type": "string"},
        "facilitator_key": {"type": "string", "minLength": 32},
        "projector_token": {"type": "string", "minLength": 32},
        "projector_url": {"type": "string"},
        "urls": {
            "type": "object",
            "required": ["join", "facilitate", "present"],
            "additionalProperties": {"type": "string"},
        },
    },
}
"""The answer of `POST /api/workshops` and of `POST /api/workshops/<id>/duplicate`."""

TIME = {"type": "string", "description": "ISO 8601, UTC."}
SUMMARY = {
    "type": "object",
    "required": [
        "id",
        "title",
        "organization",
        "status",
        "code",
        "created_at",
        "finished_at",
        "last_activity_at",
        "participant_count",
        "stage_count",
        "current",
        "plan_versions",
        "urls",
        "templates",
    ],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "organization": {"type": ["string", "null"]},
        "status": {"enum": ["active", "finished"]},
        "code": {"type": "string"},
        "created_at": TIME,
        "finished_at": {"type": ["string", "null"], "description": "ISO 8601, UTC."},
        "last_activity_at": TIME,
        "participant_count": {"type": "integer", "minimum": 0},
        "stage_count": {"type": "integer", "minimum": 0},
        "current": {
            "type": ["object", "null"],
            "description": "Where the room is; null once finished.",
            "required": ["stage_title", "step_kind", "lobby"],
            "properties": {
                "stage_title": {"type": "string"},
                "step_kind": {"type": ["string", "null"]},
                "lobby": {"type": "boolean"},
            },
        },
        "plan_versions": {"type": "integer", "minimum": 0},
        "urls": {
            "type": "object",
            "required": ["join", "present"],
            "properties": {"join": {"type": "string"}, "present": {"type": "string"}},
        },
        "templates": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "created_at"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "created_at": TIME,
                },
            },
        },
    },
}
"""`GET /api/workshops/<id>/summary`: what the start page's "My workshops" lists."""


def _duplicate() -> dict[str, Any]:
    """`POST /api/workshops/<id>/duplicate`: its body may be left out (all defaults)."""
    operation = _operation(
        "A new workshop with this one's agenda and settings; the selected items of the "
        "stages named in carry_over become its preloaded items (throttled like a new one).",
        {201: _ok("The new workshop, as POST /api/workshops answers.", CREATED)},
        400,
        401,
        404,
        413,
        429,
        secured=True,
        body=_payload_schema(DuplicateWorkshopPayload),
    )
    operation["requestBody"]["required"] = False
    return operation


def _plan_files() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for renderer in plan_module.RENDERERS.values():
        media = renderer.media_type.split(";")[0]
        paths[f"/api/workshops/{{workshop_id}}/{renderer.filename}"] = {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                f"The plan as {renderer.filename} (a draft for the facilitator while it runs).",
                {200: _ok("The file.", _file_schema(media), media)},
                400,
                401,
                403,
                404,
                409,
                secured="reader",
                query=[VERSION, _token_parameter()],
            ),
        }
    return paths


def _file_schema(media: str) -> dict[str, Any]:
    if media == JSON:
        return {"type": "object", "required": ["schema_version", "title", "stages"]}
    return {"type": "string"}


def _token_parameter() -> dict[str, Any]:
    return {
        "name": "token",
        "in": "query",
        "required": False,
        "description": "The facilitator key or a participant token, instead of the header.",
        "schema": {"type": "string"},
    }


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once)."""
    workshop_paths: dict[str, Any] = {
        "/api/workshops": {
            "post": _operation(
                "Create a workshop; its facilitator key and projector token are in the answer.",
                {201: _ok("The new workshop.", CREATED)},
                400,
                413,
                429,
                body=_with_language(_payload_schema(CreateWorkshopPayload)),
            )
        },
        "/api/workshops/{workshop_id}": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "The facilitator's state snapshot.",
                {200: _ok("The state.", {"type": "object", "required": ["workshop", "stages"]})},
                401,
                404,
                secured=True,
            ),
            "delete": _operation(
                "Delete the workshop and every row of it (ideas, entries, results, plan "
                "versions and files, share links, templates saved from it); its connected "
                "screens get workshop:closed and are disconnected. Cannot be undone.",
                {204: {"description": "Deleted."}},
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/summary": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "What the start page lists of the workshop (404 once it was deleted).",
                {200: _ok("The summary.", SUMMARY)},
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/duplicate": {
            "parameters": [WORKSHOP_ID],
            "post": _duplicate(),
        },
        "/api/workshops/{workshop_id}/room": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "The room's counts, for the room screen (projector token or facilitator key).",
                {
                    200: _ok(
                        "The counts.",
                        {
                            "type": "object",
                            "required": ["participant_count", "lobby", "status"],
                            "properties": {
                                "participant_count": {"type": "integer", "minimum": 0},
                                "removed_count": {"type": "integer", "minimum": 0},
                                "join_locked": {"type": "boolean"},
                                "lobby": {"type": "boolean"},
                                "status": {"enum": ["active", "finished"]},
                            },
                        },
                    )
                },
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/key": {
            "parameters": [WORKSHOP_ID],
            "post": _operation(
                "Replace the facilitator key; the old one fails everywhere from now on.",
                {
                    200: _ok(
                        "The new key.",
                        {
                            "type": "object",
                            "required": ["key", "facilitator_url"],
                            "properties": {
                                "key": {"type": "string", "minLength": 32},
                                "facilitator_url": {"type": "string"},
                            },
                        },
                    )
                },
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/projector-token": {
            "parameters": [WORKSHOP_ID],
            "post": _operation(
                "Replace the projector token; connected room screens are disconnected.",
                {
                    200: _ok(
                        "The new token.",
                        {
                            "type": "object",
                            "required": ["projector_token", "projector_url"],
                            "properties": {
                                "projector_token": {"type": "string", "minLength": 32},
                                "projector_url": {"type": "string"},
                            },
                        },
                    )
                },
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/agenda": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "The workshop's agenda, for the agenda editor.",
                {200: _ok("The agenda.", AGENDA)},
                401,
                404,
                secured=True,
            ),
            "put": _operation(
                "Replace the stages that have not started.",
                {200: _ok("The new agenda.", AGENDA)},
                400,
                401,
                404,
                409,
                413,
                secured=True,
                body=AGENDA_BODY,
            ),
        },
        "/api/workshops/{workshop_id}/templates": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "The templates this workshop saved, oldest first.",
                {
                    200: _ok(
                        "Its templates.",
                        {
                            "type": "object",
                            "required": ["templates"],
                            "properties": {
                                "templates": {"type": "array", "items": TEMPLATE_SUMMARY}
                            },
                        },
                    )
                },
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/plan/versions": {
            "parameters": [WORKSHOP_ID],
            "get": _operation(
                "Every published version of the plan, oldest first.",
                {
                    200: _ok(
                        "The versions.",
                        {
                            "type": "object",
                            "required": ["versions"],
                            "properties": {"versions": {"type": "array", "items": VERSION_ENTRY}},
                        },
                    )
                },
                401,
                403,
                404,
                secured="reader",
                query=[_token_parameter()],
            ),
            "post": _operation(
                "Publish the facilitator's review as the next version.",
                {201: _ok("The new version.", VERSION_ENTRY)},
                400,
                401,
                404,
                409,
                413,
                secured=True,
                body=PUBLISH_BODY,
            ),
        },
        "/api/workshops/{workshop_id}/shares": {
            "parameters": [WORKSHOP_ID],
            "post": _operation(
                "A read-only link to the finished plan (its URL is shown only here).",
                {
                    201: _ok(
                        "The link.",
                        {
                            "type": "object",
                            "required": ["id", "url", "created_at"],
                            "properties": {
                                "id": {"type": "string"},
                                "url": {"type": "string"},
                                "created_at": {"type": "string"},
                            },
                        },
                    )
                },
                401,
                404,
                409,
                secured=True,
            ),
            "get": _operation(
                "The open share links.",
                {
                    200: _ok(
                        "The links (without their URLs).",
                        {
                            "type": "object",
                            "required": ["shares"],
                            "properties": {
                                "shares": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "created_at"],
                                    },
                                }
                            },
                        },
                    )
                },
                401,
                404,
                secured=True,
            ),
        },
        "/api/workshops/{workshop_id}/shares/{share_id}": {
            "parameters": [WORKSHOP_ID, _path("share_id", "The link's id.")],
            "delete": _operation(
                "Revoke a share link: from now on it answers 404.",
                {204: {"description": "Revoked."}},
                401,
                404,
                secured=True,
            ),
        },
        **_plan_files(),
    }
    template_paths: dict[str, Any] = {
        "/api/languages": {
            "get": _operation(
                "The shipped languages: code, own name, script direction; and the default.",
                {200: _ok("The languages.", LANGUAGES_SCHEMA)},
            )
        },
        "/api/templates": {
            "get": _operation(
                "The built-in agenda templates (saved ones are never listed), and the presets "
                "the agenda editor starts a new stage with, in the request's language (or "
                "`?language=`).",
                {
                    200: _ok(
                        "The templates.",
                        {
                            "type": "object",
                            "required": ["templates", "presets"],
                            "properties": {
                                "templates": {"type": "array", "items": TEMPLATE_SUMMARY},
                                "presets": {"type": "object"},
                            },
                        },
                    )
                },
                400,
                query=[
                    {
                        "name": "language",
                        "in": "query",
                        "required": False,
                        "description": "The language of the texts (else the request's); "
                        "another code is 400 unknown_language.",
                        "schema": {"enum": LANGUAGE_CODES},
                    }
                ],
            ),
            "post": _operation(
                "Save a workshop's agenda as a template; its 192-bit id is its capability.",
                {201: _ok("The saved template.", TEMPLATE_SUMMARY)},
                400,
                401,
                404,
                409,
                413,
                secured=True,
                body=_payload_schema(TemplateSavePayload),
            ),
        },
        "/api/templates/{template_id}": {
            "parameters": [_path("template_id", "A built-in's name or a saved template's id.")],
            "get": _operation(
                "One template, for whoever has its id.",
                {200: _ok("The template.", TEMPLATE_SUMMARY)},
                404,
            ),
            "delete": _operation(
                "Delete a saved template (the key of the workshop that saved it).",
                {204: {"description": "Deleted."}},
                401,
                403,
                404,
                secured=True,
            ),
        },
    }
    other_paths: dict[str, Any] = {
        "/api/plan.schema.json": {
            "get": _operation(
                "The JSON Schema of plan.json.",
                {200: _ok("The schema.", {"type": "object"}, "application/schema+json")},
            )
        },
        "/api/openapi.json": {
            "get": _operation("This document.", {200: _ok("OpenAPI 3.1.", {"type": "object"})})
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Strategy Workshop API",
            "version": "2",
            "description": "The HTTP half of the API (docs/api.md); the realtime half is "
            'Socket.IO. Errors are `{"error": {"code", "message"}}`.',
        },
        "paths": {**workshop_paths, **template_paths, **other_paths},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The facilitator key (or, where a route says so, the "
                    "projector token or a participant token).",
                },
                "token": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "The same secret as `?token=` (plan links opened on phones).",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "pattern": "^[a-z_]+$"},
                                "message": {"type": ["string", "null"]},
                                "retry_after": {"type": "number", "minimum": 0},
                            },
                        }
                    },
                }
            },
        },
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 description of every `/api/` route."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
