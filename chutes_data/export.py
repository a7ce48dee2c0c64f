"""Exports: the JSON document users script against, and formula-safe CSV.

CSV cells that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage
return, per OWASP's CSV-injection guidance) get a leading apostrophe; the text stays readable and
numbers stay numbers (only text cells are touched).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from .schema import EXPORT_COLUMNS, LIST_COLUMNS, MERGED_COLUMNS
from .values import iso, json_safe

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_columns(models: pd.DataFrame) -> list[str]:
    """Every contract column, in order (empty when the frame lacks one), then the further
    merged columns the frame carries."""
    return EXPORT_COLUMNS + [c for c in MERGED_COLUMNS[len(EXPORT_COLUMNS):] if c in models.columns]


def rows(models: pd.DataFrame) -> list[dict]:
    """The merged frame as JSON-safe row dicts, contract columns first."""
    cols = export_columns(models)
    return [{c: json_safe(v) for c, v in zip(cols, values, strict=True)}
            for values in models.reindex(columns=cols).itertuples(index=False, name=None)]


def document(catalog: Any, models: pd.DataFrame | None = None, *, view: dict | None = None) -> dict:
    """The JSON export: sources, merge report and rows (of `models`, default the whole catalog).
    `view`: how `models` was chosen (`{"filters": {...}, "sort": ...}`), recorded as the
    document's `view` so a file says which filters and sort produced it."""
    doc = {
        "generated_at": iso(datetime.now(UTC)),
        "sources": {name: data.status.to_dict() for name, data in catalog.sources.items()},
        "merge_report": catalog.report,
    }
    if view is not None:
        doc["view"] = json.loads(json.dumps(view, default=str))  # plain JSON values only
    doc["models"] = rows(catalog.models if models is None else models)
    return doc


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)


def safe_cell(value: Any) -> Any:
    """Neutralize a text cell a spreadsheet would evaluate; leave other values alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(models: pd.DataFrame) -> str:
    """Formula-safe CSV with the export columns; list cells joined with ', '."""
    cols = export_columns(models)
    frame = models.reindex(columns=cols)
    for col in frame.columns:
        if col in LIST_COLUMNS:
            frame[col] = [", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
                          for v in frame[col]]
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = [json_safe(v) for v in frame[col]]
        if not (pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])):
            frame[col] = [_csv_text(v) for v in frame[col]]
    return frame.to_csv(index=False, lineterminator="\n")


def _csv_text(value: Any) -> Any:
    """`safe_cell`, then carriage returns as newlines: with a newline line terminator the csv
    writer quotes a cell holding a newline but not one holding a bare carriage return, which a
    reader would take as a line break (a broken or injected row)."""
    value = safe_cell(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


__all__ = ["EXPORT_COLUMNS", "document", "rows", "safe_cell", "to_csv", "to_json"]
