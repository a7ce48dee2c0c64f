"""Exports: the JSON document users script against, and formula-safe CSV.

CSV cells that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage
return, per OWASP's CSV-injection guidance) get a leading apostrophe; the text stays readable and
numbers stay numbers (only text cells are touched).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from .config import Settings
from .schema import EXPORT_COLUMNS, LIST_COLUMNS, MERGED_COLUMNS, SCORE_COLUMNS
from .sources.state import State, assess_all
from .values import iso, json_safe

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_columns(models: pd.DataFrame) -> list[str]:
    """Every contract column, in order (empty when the frame lacks one), then the further
    merged columns the frame carries."""
    extra = [*MERGED_COLUMNS[len(EXPORT_COLUMNS) :], *SCORE_COLUMNS]
    return EXPORT_COLUMNS + [c for c in extra if c in models.columns]


def rows(models: pd.DataFrame) -> list[dict]:
    """The merged frame as JSON-safe row dicts, contract columns first.

    Converted a column at a time (numpy does the numbers, missing values and timestamps at
    once); only object cells that are not plain strings go through `json_safe` one by one."""
    cols = export_columns(models)
    columns = [_plain_column(models[c]) if c in models.columns else [None] * len(models) for c in cols]
    return [dict(zip(cols, values, strict=True)) for values in zip(*columns, strict=True)]


def _plain_column(series: pd.Series) -> list[Any]:
    """`[json_safe(v) for v in series]`, vectorised by dtype."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        stamps = series.dt.tz_localize("UTC") if not isinstance(dtype, pd.DatetimeTZDtype) else series
        return [None if v is pd.NaT else iso(v.to_pydatetime(warn=False)) for v in stamps]
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and (
        pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    ):
        return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]  # Int64, boolean
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype="float64")
        out = values.astype(object)
        out[~np.isfinite(values)] = None
        return out.tolist()
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return series.to_numpy().tolist()  # numpy ints and bools -> Python ones
    return [v if type(v) is str else _plain_object(v) for v in series.to_numpy(dtype=object)]


def _plain_object(value: Any) -> Any:
    """`json_safe`, with a fast path for the usual list cell (a list of plain strings; copied, so
    a caller editing a row cannot edit the frame)."""
    if type(value) is list and all(type(v) is str for v in value):
        return list(value)
    return json_safe(value)


def document(
    catalog: Any,
    models: pd.DataFrame | None = None,
    *,
    view: dict | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> dict:
    """The JSON export: sources (and telemetry sources, when loaded), merge report and rows
    (of `models`, default the whole catalog).
    `view`: how `models` was chosen (`{"filters": {...}, "sort": ...}`), recorded as the
    document's `view` so a file says which filters and sort produced it. Each source's `stale`
    is the one rule's (`sources.state.assess` under `settings`, at `now`)."""
    now = now or datetime.now(UTC)
    doc: dict[str, Any] = {
        "generated_at": iso(now),
        "sources": _statuses(catalog.sources, settings or Settings(), now),
    }
    telemetry = getattr(catalog, "telemetry", None)
    if telemetry:  # where the rows' telemetry columns (speed, capacity, usage) came from
        doc["telemetry_sources"] = _statuses(telemetry, settings or Settings(), now)
    doc["merge_report"] = catalog.report.to_dict()
    if view is not None:
        doc["view"] = json.loads(json.dumps(view, default=str))  # plain JSON values only
    doc["models"] = rows(catalog.models if models is None else models)
    return doc


def _statuses(sources: dict, settings: Settings, now: datetime) -> dict[str, dict]:
    outcomes = assess_all({n: d.status for n, d in sources.items()}, settings, now)
    return {
        name: {**data.status.to_dict(), "stale": outcomes[name].state is State.STALE}
        for name, data in sources.items()
    }


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode  # no indent: the C encoder


def to_json(doc: dict) -> str:
    """The document as JSON text: NaN refused, non-ASCII kept, one line per model row.

    The small blocks are indented; the rows list has one compact row per line, which reads and
    diffs well and lets the stdlib's C encoder do the work (on Python 3.11 an `indent` makes
    `json.dumps` fall back to its pure-Python encoder: 3x slower on a 10,000-row export)."""
    if not isinstance(doc, dict):
        return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            text = "[\n  " + ",\n  ".join(map(_ENCODE, value)) + "\n ]"
        else:  # JSON text holds no raw newline inside a string: safe to indent by replacing
            text = json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False).replace("\n", "\n ")
        parts.append(f" {_ENCODE(str(key))}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


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
            frame[col] = [", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in frame[col]]
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
