"""Times and cell values: the one reading of a time and the one JSON-safe form of a cell.

Every path that reads a time (cache files, saved captures, history, CLI arguments, payload fields)
and every path that writes a value to JSON (exports, the merge report, history events, the detail
page) goes through here, so the same input gives the same answer everywhere:

* a time is an ISO-8601 string (``Z``, an offset, or none meaning UTC), unix seconds, a date, a
  datetime or a pandas Timestamp; it becomes an aware UTC datetime;
* a time is written as ``2026-06-11T20:32:01Z`` (microseconds only when there are any);
* NA, NaN and ±inf are written as ``null``; numpy scalars as Python numbers.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

# Times outside this range are bogus for a catalog (and outside what pandas frames hold).
_MIN_YEAR, _MAX_YEAR = 1970, 2200


def is_missing(value: Any) -> bool:
    """None, pd.NA, NaT, or a float NaN (not an empty string, list or zero)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def to_utc(value: Any) -> datetime:
    """An aware UTC datetime from any accepted time (naive means UTC); ValueError otherwise."""
    try:
        if isinstance(value, pd.Timestamp):
            if value is pd.NaT:
                raise ValueError("NaT")
            value = value.to_pydatetime()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            value = datetime.fromtimestamp(float(value), UTC)
        elif isinstance(value, str):
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if not isinstance(value, datetime):
            raise TypeError(type(value).__name__)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"not a time: {value!r} ({exc})") from None
    stamp = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not _MIN_YEAR <= stamp.year <= _MAX_YEAR:
        raise ValueError(f"not a plausible time: {value!r}")
    return stamp


def parse_time(value: Any) -> datetime | None:
    """`to_utc`, or None for anything that is not a usable time (tolerant readers use this)."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return to_utc(value)
    except ValueError:
        return None


def parse_times(values: Any) -> pd.Series:
    """`parse_time` over a sequence, as a `datetime64[ns, UTC]` Series (NaT where unusable).

    Vectorised for the common cases (ISO strings, unix seconds); anything else goes through
    `parse_time` one by one, so the answer is always the scalar reader's."""
    raw = pd.Series(values.to_numpy() if isinstance(values, pd.Series) else list(values), dtype=object)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    if raw.empty:
        return out
    kind = raw.map(
        lambda v: (
            "text"
            if isinstance(v, str)
            else "number"
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            else "none"
            if v is None
            else "other"
        )
    )
    for name, mask in (("text", kind.eq("text")), ("number", kind.eq("number"))):
        if not mask.any():
            continue
        if name == "text":
            parsed = pd.to_datetime(raw[mask].str.strip(), utc=True, errors="coerce", format="ISO8601")
        else:
            seconds = pd.to_numeric(raw[mask], errors="coerce").astype("float64")
            seconds = seconds.where(seconds.abs() < 8e9)  # beyond year 2200 either way
            parsed = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
        years = parsed.dt.year
        out[mask] = parsed.where((years >= _MIN_YEAR) & (years <= _MAX_YEAR)).dt.as_unit("ns")
    other = kind.eq("other")
    if other.any():  # datetimes, dates, Timestamps: rare, the scalar rule
        out[other] = pd.Series(
            [parse_time(v) for v in raw[other]], index=raw.index[other], dtype="datetime64[ns, UTC]"
        )
    return out


def iso(value: Any) -> str | None:
    """A time as `2026-06-11T20:32:01Z` (microseconds only when non-zero); None when missing."""
    if is_missing(value):
        return None
    stamp = to_utc(value)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{stamp.microsecond:06d}Z" if stamp.microsecond else "Z")


def json_safe(value: Any) -> Any:
    """A JSON-safe Python value from a pandas/numpy cell: NA/NaN/inf -> None, numpy scalars ->
    Python, times -> `iso`, lists and tuples element by element, dicts value by value."""
    if is_missing(value):
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return iso(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


__all__ = ["is_missing", "iso", "json_safe", "parse_time", "parse_times", "to_utc"]
