"""The OpenAPI 3.1 document of the JSON API (served at /api/openapi.json), built from the route
table `api` passes in and the parameter tables of `params` (the /api/models ones come from the
filter vocabulary, chutes_data/filters.py), so it cannot drift from what the handlers accept.
It imports nothing from `api`: the route table is an argument, so there is no import circle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .contract import ERROR, response_schema
from .params import CHANGES_PARAMS, MAX_INT, MODEL_PARAMS, ROUTING_PARAMS, TIME_PATTERN, Param

_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "maxLength": 200},
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "number": {"type": "number"},
    "price": {"type": "number", "minimum": 0},
    "bool": {"type": "boolean"},
    "time": {"type": "string", "pattern": TIME_PATTERN, "examples": ["2026-07-01", "2026-07-01T12:00:00Z"]},
}
_PARAMS = {"/api/models": MODEL_PARAMS, "/api/changes": CHANGES_PARAMS, "/api/changes.atom": CHANGES_PARAMS}
_PARAMS["/api/routing"] = ROUTING_PARAMS  # issue 20
_MEDIA = {"/api/changes.atom": "application/atom+xml", "/api/events": "text/event-stream"}
_TEXT = {"type": "string"}  # a text answer (feed, stream, CSV, Markdown): its body as a string
_ERROR = ERROR


def _schema(p: Param, options: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    known = (options or {}).get(p.options or "")
    if known:  # a filter whose values come from the catalog: the current catalog's values (an
        # empty value, `template=`, is no constraint: a dashboard link may carry one)
        return {"type": "array", "items": {"type": "string", "enum": ["", *known]}}
    if p.kind == "choice" and p.repeat:  # kind=a&kind=b, or kind=a,b: each item a comma-separated list
        words = "|".join(p.choices)
        schema: dict[str, Any] = {"type": "string", "pattern": rf"^({words})(,({words}))*$"}
        return {"type": "array", "items": schema, "examples": [[p.choices[0]]]}
    if p.kind == "choice":
        schema = {"type": "string", "enum": list(p.choices)}
    else:
        schema = dict(_TYPES[p.kind])
    if p.pattern:  # empty, or the pattern in full (the server strips white space first)
        schema["pattern"] = rf"^\s*(?:{p.pattern})?\s*$"
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    return {"type": "array", "items": schema} if p.repeat else schema


def _parameter(p: Param, options: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    doc = p.doc + (f" (also `{'`, `'.join(p.aliases)}`, the dashboard's URL name)" if p.aliases else "")
    schema = _schema(p, options)
    out = {"name": p.name, "in": "query", "required": False, "description": doc, "schema": schema}
    if p.repeat:
        out.update(style="form", explode=True)
    return out


def _operation(
    path: str, fn: Any, method: str, options: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    media = _MEDIA.get(path, "application/json")
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {media: {"schema": response_schema(path) if media == "application/json" else _TEXT}},
        },
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "400": {
            "description": "A bad parameter (named in `parameter`)",
            "content": {"application/json": {"schema": _ERROR}},
        },
        "503": {"description": "No data yet", "content": {"application/json": {"schema": _ERROR}}},
    }
    if path == "/api/models":
        responses["200"]["content"]["text/csv"] = {"schema": _TEXT}
        responses["200"]["content"]["text/markdown"] = {"schema": _TEXT}
    if "{chute_id}" in path:
        responses["404"] = {
            "description": "Unknown or malformed chute_id",
            "content": {"application/json": {"schema": _ERROR}},
        }
    op: dict[str, Any] = {
        "operationId": fn.__name__,
        "summary": (fn.__doc__ or "").strip().split("\n")[0],
        "parameters": [_parameter(p, options) for p in _PARAMS.get(path, ())],
        "responses": responses,
    }
    if "{chute_id}" in path:
        op["parameters"].append(
            {"name": "chute_id", "in": "path", "required": True, "schema": {"type": "string"}}
        )
    if method == "post":
        op["security"] = [{"adminToken": []}]
        op["responses"].update(
            {
                "401": {
                    "description": "Missing or wrong token",
                    "content": {"application/json": {"schema": _ERROR}},
                },
                "403": {
                    "description": "CHUTES_ADMIN_TOKEN is not configured",
                    "content": {"application/json": {"schema": _ERROR}},
                },
            }
        )
    return op


def document(
    table: Iterable[tuple[str, Any, list[str]]],
    server_url: str = "",
    options: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The document for `table`, the API's (path, handler, methods) routes. `options`: the
    catalog's choices (`query.options`), the enums of the filters that take the catalog's values
    (without them, those are any text, which the server may then refuse)."""
    paths: dict[str, Any] = {}
    for path, fn, methods in table:
        for method in methods:
            paths.setdefault(path, {})[method.lower()] = _operation(path, fn, method.lower(), options)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Chutes Model Explorer API",
            "version": "1",
            "description": "Read-only JSON over the merged Chutes catalog, its history and "
            "its cache; served by the dashboard's own server.",
        },
        "servers": [{"url": server_url}] if server_url else [],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the value of CHUTES_ADMIN_TOKEN",
                }
            }
        },
    }
