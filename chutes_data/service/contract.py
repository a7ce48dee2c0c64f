"""The JSON schemas of the API's answers, for the OpenAPI document (openapi.py), derived from the
declarations the code itself uses: a model row's properties from the column declarations
(`schema.CHUTES_COLUMNS`, `V1_COLUMNS`, `TELEMETRY_COLUMNS`, in `export.export_columns`' order),
the event kinds from the history, the sources from the registry. A column added to those
declarations appears here with no edit; one without a typed declaration is still listed (any
JSON value). Every object also allows further properties, so a new field is not a broken client.
"""

from __future__ import annotations

import re
from typing import Any

from .. import schema as columns
from ..history import EVENT_KINDS
from ..sources.registry import CATALOG_SOURCES

__all__ = ["ERROR", "ROW", "column_schema", "response_schema"]

Schema = dict[str, Any]


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


ANY: Schema = {}  # any JSON value
TIME = _nullable("string", format="date-time")
ERROR: Schema = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "parameter": {"type": "string"},
    },
    "examples": [{"error": "bad_parameter", "message": "limit: must be 1 to 10000", "parameter": "limit"}],
}

# Merged columns computed by the merge (not read from a source), typed where they are made.
_MERGED: dict[str, Schema] = {
    "source": _nullable("string"),
    "match_method": _nullable("string", enum=[*columns.MATCH_METHODS, None]),
    "match_score": _nullable("number"),
    "price_unit": _nullable("string"),
    "chute_url": _nullable("string"),
    "context_tokens": _nullable("integer"),
    "capacity": _nullable("string"),
}
# A declaration's text names its type: "(bool | NA)", "(float | NA)", "Int64", "list[str]", ...
_TYPED = (
    (re.compile(r"list\[str\]"), {"type": ["array", "null"], "items": {"type": "string"}}),
    (re.compile(r"timestamp"), TIME),
    (re.compile(r"\bbool\b"), _nullable("boolean")),
    (re.compile(r"\b(Int64|int)\b"), _nullable("integer")),
    (re.compile(r"\bfloat\b"), _nullable("number")),
    (re.compile(r"\bstr\b|\|"), _nullable("string")),
)


def column_schema(name: str) -> Schema:
    """One row property: typed from the column's declaration, described by it."""
    if name in _MERGED:
        return dict(_MERGED[name])
    declared = {**columns.CHUTES_COLUMNS, **columns.V1_COLUMNS, **columns.TELEMETRY_COLUMNS}.get(name)
    if declared is None:
        return dict(ANY)
    for pattern, typed in _TYPED:
        if pattern.search(declared):
            return {**typed, "description": declared}
    return {**ANY, "description": declared}


def _object(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra: Any) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": True,
        **extra,
    }


ROW = _object({c: column_schema(c) for c in columns.MERGED_COLUMNS}, ("name",))
SOURCE_STATUS = _object(
    {
        "origin": {"type": "string"},
        "fetched_at": TIME,
        "count": _nullable("integer"),
        "stale": {"type": "boolean"},
        "complete": {"type": "boolean"},
        "error": _nullable("string"),
        "ttl_seconds": _nullable("number"),
    },
    ("origin",),
)
SOURCES = {"type": "object", "additionalProperties": SOURCE_STATUS}
OUTCOME = _object(
    {
        **SOURCE_STATUS["properties"],
        "state": {"type": "string"},
        "reason": _nullable("string"),
        "since": TIME,
        "age_seconds": _nullable("number"),
        "valid": {"type": "boolean"},
        "next_refresh": TIME,
    },
    ("origin", "state"),
)
EVENT = _object(
    {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(EVENT_KINDS)},
        "name": _nullable("string"),
        "chute_id": _nullable("string"),
        "field": _nullable("string"),
        "old": ANY,
        "new": ANY,
        "at": TIME,
        "source": {"type": "string", "enum": list(CATALOG_SOURCES)},
    },
    ("kind",),
)
REPORT = _object(
    {"chutes_total": {"type": "integer"}, "v1_total": {"type": "integer"}, "matched": {"type": "integer"}}
)
_INT, _STR = {"type": "integer"}, {"type": "string"}

# The JSON answer of each route (a route not listed here answers some JSON object).
_RESPONSES: dict[str, Schema] = {
    "/api/health": _object(
        {
            "status": {"type": "string", "enum": ["ok"]},
            "revision": _INT,
            "data": _STR,
            "refreshing": {"type": "boolean"},
        },
        ("status",),
    ),
    "/api/models": _object(
        {
            "generated_at": TIME,
            "sources": SOURCES,
            "count": _INT,
            "total": _INT,
            "offset": _INT,
            "limit": _nullable("integer"),
            "models": {"type": "array", "items": ROW},
        },
        ("count", "total", "models"),
    ),
    "/api/models/{chute_id}": _object(
        {"model": ROW, "chute": {"type": ["object", "null"], "additionalProperties": True}}, ("model",)
    ),
    "/api/cache/status": _object(
        {
            "generated_at": TIME,
            "revision": _INT,
            "refreshing": {"type": "boolean"},
            "next_refresh": TIME,
            "sources": {"type": "object", "additionalProperties": OUTCOME},
        },
        ("revision", "sources"),
    ),
    "/api/cache/refresh": _object(
        {
            "refreshed": {"type": "array", "items": _STR},
            "revision": _INT,
            "changes": _INT,
            "sources": SOURCES,
        },
        ("revision",),
    ),
    "/api/export/data": _object(
        {
            "generated_at": TIME,
            "sources": SOURCES,
            "merge_report": REPORT,
            "models": {"type": "array", "items": ROW},
        },
        ("models",),
    ),
    "/api/merge/report": _object(
        {"generated_at": TIME, "sources": SOURCES, "merge_report": REPORT}, ("merge_report",)
    ),
    "/api/changes": _object(
        {"count": _INT, "changes": {"type": "array", "items": EVENT}}, ("count", "changes")
    ),
    "/api/openapi.json": _object({"openapi": _STR, "paths": {"type": "object"}}, ("openapi", "paths")),
}


def response_schema(path: str) -> Schema:
    """The schema of `path`'s JSON answer (an object with any properties when not declared)."""
    return _RESPONSES.get(path, _object({}))
