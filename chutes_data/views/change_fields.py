"""What a history event's field is and how to show it: labels, units, one side of a change
(`$0.74`, `hot`, `1,048,576`), the change itself (`$1.2 → $0.98 (−18.3%)`). Pure; the Changes
tables (`chutes_data.views.changes`) and the model page's price history build on it."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..formatting import money
from ..schema import UNIT_PRICE_SERIES

# Plain text (no emoji: a table cell cannot hold a material icon, and emoji render as boxes
# without an emoji font).
KIND_LABELS = {
    "added": "added",
    "removed": "removed",
    "price_changed": "price",
    "status_changed": "status",
    "context_changed": "context",
}
KIND_NAMES = {
    "added": "added",
    "removed": "removed",
    "price_changed": "price",
    "status_changed": "hot/cold",
    "context_changed": "context",
}
FIELD_LABELS = {
    "price_input_usd": "input /1M",
    "price_output_usd": "output /1M",
    "price_cache_read_usd": "cache read /1M",
    "price_step_usd": "per step",
    "price_request_usd": "per request",
    "price_hour_usd": "per hour",
    "hot": "hot/cold",
    "context_length": "context length",
    "max_output_length": "max output",
}
# The billing unit a price event (or a price series) is about.
FIELD_UNITS = {field: unit for unit, fields in UNIT_PRICE_SERIES.items() for field in fields}
UNIT_AXIS = {
    "per_1m_tokens": "USD per 1M tokens",
    "per_step": "USD per step",
    "per_request": "USD per request",
    "per_hour": "USD per instance-hour",
}


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str | None:
    return None if _missing(value) or not isinstance(value, str) or not value else value


def history_key(source: Any, name: Any, chute_id: Any) -> str | None:
    """The history key of an event's model: the chute_id for /chutes/, the model id for /v1/models."""
    return _text(chute_id) if source == "chutes" else _text(name)


def format_value(field: Any, value: Any) -> str:
    """One side of an event: `$0.74` (USD), `hot`/`cold`, `1,048,576` (tokens), `—` (unknown)."""
    if _missing(value):
        return "—"
    if field == "hot":
        return "hot" if bool(value) else "cold"
    if field in FIELD_UNITS:
        return money(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"
    return str(value)


def change_text(field: Any, old: Any, new: Any) -> str:
    """`$1.2 → $0.98 (−18.3%)` (relative change for prices); empty for events without a field
    (added, removed)."""
    if _missing(field) or not field:
        return ""
    text = f"{format_value(field, old)} → {format_value(field, new)}"
    rel = relative_change(field, old, new)
    return text if rel is None else f"{text} ({'+' if rel >= 0 else '−'}{abs(rel):.1%})"


def relative_change(field: Any, old: Any, new: Any) -> float | None:
    """(new - old) / old for a price event with both sides known and old > 0; else None."""
    if field not in FIELD_UNITS or _missing(old) or _missing(new):
        return None
    old, new = float(old), float(new)
    return (new - old) / old if old > 0 else None
