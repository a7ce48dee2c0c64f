"""Chutes' public telemetry: six anonymous GET routes, tolerant readers, and how to fetch them.

Routes (declared in `registry.SOURCES`, like every upstream source; all on `CHUTES_BASE_URL`,
all public; the API key is never sent to them, see shared reference `chutes-telemetry.md`):

    utilization      GET /chutes/utilization          (no trailing slash: with one it is a 404)
    llm_stats        GET /invocations/stats/llm        per chute per UTC day; ask with start_date
    diffusion_stats  GET /invocations/stats/diffusion  per diffusion chute per day
    usage            GET /invocations/usage            per chute per day, last 11 days, USD
    bounties         GET /bounties/                    chutes demanded but without instances
    rolling_updates  GET /chutes/rolling_updates       chutes mid version roll-out

Each body is a bare JSON array (a `{"items": [...]}` or `{"data": [...]}` wrapper, as a saved
file may have, is accepted too). A reader never raises on a field: every field may be absent,
null or of a surprising type; it raises `PayloadError` only when the envelope is unusable.
Speed numbers of 0 (or null) mean *unknown* (the server writes `float(x or 0)`), so they
become NaN here, never a real zero. Names are ignored for joining (private chutes are
`"[private]"` / `"[private chute]"`); `chute_id` is the key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..errors import PayloadError, UpstreamError
from ..values import parse_time
from .normalize import _bool, _float, _int, _str

# How many complete days the column builder needs (7 + the 7 before them) and the detail lines.
STATS_DAYS = 31


# ---------------------------------------------------------------------------- coercion
def _rows(payload: Any, source: str) -> list[dict]:
    if isinstance(payload, dict):
        for key in ("items", "data", "rows"):
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
    if not isinstance(payload, list):
        raise PayloadError(f"{source}: expected a JSON array of rows", source=source)
    return [r for r in payload if isinstance(r, dict) and _str(r.get("chute_id"))]


def _ratio(value: Any) -> float | None:
    """A finite, non-negative number (utilization may briefly exceed 1), else None."""
    return _float(value)


def _speed(value: Any) -> float | None:
    """A speed or latency where 0 means unknown: positive finite, else None."""
    number = _float(value)
    return number if number is not None and number > 0 else None


def _day(value: Any) -> pd.Timestamp | None:
    """A 'YYYY-MM-DD' (or ISO datetime) -> the naive midnight of that UTC day, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        stamp = pd.Timestamp(value.strip()[:10])
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None
    if pd.isna(stamp) or not 2000 <= stamp.year <= 2200:
        return None
    return stamp.normalize()


def _naive_utc(value: Any) -> Any:
    """The server's naive ISO timestamps are UTC: an aware UTC datetime, else None."""
    return parse_time(value) if isinstance(value, str) else None


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    for col, kind in columns.items():
        if kind == "int":
            df[col] = pd.array(df[col].tolist(), dtype="Int64")
        elif kind == "float":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        elif kind == "bool":
            df[col] = pd.array(df[col].tolist(), dtype="boolean")
        elif kind == "day":
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
        elif kind == "utc":
            df[col] = pd.Series(pd.to_datetime(df[col].tolist(), utc=True), dtype="datetime64[ns, UTC]")
        else:
            df[col] = df[col].astype("object")
    return df


# ---------------------------------------------------------------------------- readers
UTILIZATION_COLUMNS = {
    "chute_id": "str",
    "name": "str",
    "timestamp": "utc",
    "utilization_current": "float",
    "utilization_5m": "float",
    "utilization_15m": "float",
    "utilization_1h": "float",
    "rate_limit_ratio_5m": "float",
    "rate_limit_ratio_15m": "float",
    "rate_limit_ratio_1h": "float",
    "total_requests_1h": "float",
    "rate_limited_requests_1h": "float",
    "instance_count": "int",
    "action_taken": "str",
    "target_count": "int",
    "total_instance_count": "int",
    "active_instance_count": "int",
    "scalable": "bool",
    "scale_allowance": "int",
}


def utilization_frame(payload: Any) -> pd.DataFrame:
    """`/chutes/utilization` -> one row per chute (the newest autoscaler row it has)."""
    df = _frame(_read(payload, "utilization", UTILIZATION_COLUMNS, timestamp=_naive_utc), UTILIZATION_COLUMNS)
    # one row per chute: the newest (NaT sorts first and loses)
    return (
        df.sort_values("timestamp", na_position="first", kind="stable")
        .drop_duplicates("chute_id", keep="last")
        .reset_index(drop=True)
    )


LLM_STATS_COLUMNS = {
    "chute_id": "str",
    "name": "str",
    "date": "day",
    "total_requests": "int",
    "total_input_tokens": "int",
    "total_output_tokens": "int",
    "average_tps": "float",
    "average_ttft": "float",
}


def llm_stats_frame(payload: Any) -> pd.DataFrame:
    """`/invocations/stats/llm` -> one row per (chute_id, day); 0 TPS/TTFT become NaN."""
    return _tidy(payload, "llm_stats", LLM_STATS_COLUMNS, average_tps=_speed, average_ttft=_speed)


DIFFUSION_STATS_COLUMNS = {
    "chute_id": "str",
    "name": "str",
    "date": "day",
    "total_steps": "int",
    "total_requests": "int",
    "average_sps": "float",
}


def diffusion_stats_frame(payload: Any) -> pd.DataFrame:
    """`/invocations/stats/diffusion` -> one row per (chute_id, day); 0 SPS becomes NaN."""
    return _tidy(payload, "diffusion_stats", DIFFUSION_STATS_COLUMNS, average_sps=_speed)


USAGE_COLUMNS = {"chute_id": "str", "date": "day", "usd_amount": "float", "invocation_count": "int"}


def usage_frame(payload: Any) -> pd.DataFrame:
    """`/invocations/usage` -> one row per (chute_id, day): USD (list price) and invocations."""
    return _tidy(payload, "usage", USAGE_COLUMNS)


BOUNTIES_COLUMNS = {
    "chute_id": "str",
    "bounty_amount": "int",
    "seconds_elapsed": "int",
    "time_remaining": "int",
    "created_at": "utc",
}


def bounties_frame(payload: Any) -> pd.DataFrame:
    """`/bounties/` -> one row per chute with a cold-start bounty."""
    return _tidy(payload, "bounties", BOUNTIES_COLUMNS)


ROLLING_COLUMNS = {"chute_id": "str", "old_version": "str", "new_version": "str", "started_at": "utc"}


def rolling_updates_frame(payload: Any) -> pd.DataFrame:
    """`/chutes/rolling_updates` -> one row per chute mid roll-out."""
    return _tidy(payload, "rolling_updates", ROLLING_COLUMNS, started_at=_naive_utc)


# How a field of each kind is read, unless a reader says otherwise (`_read(..., col=fn)`).
_COERCE: dict[str, Callable[[Any], Any]] = {
    "str": _str,
    "int": _int,
    "float": _ratio,
    "bool": _bool,
    "day": _day,
    "utc": parse_time,
}


def _read(payload: Any, source: str, columns: dict[str, str], **coerce: Callable[[Any], Any]) -> list[dict]:
    """The rows of a payload, each field read by its kind (or by the reader given for it)."""
    readers = {c: coerce.get(c, _COERCE[kind]) for c, kind in columns.items()}
    return [{c: read(r.get(c)) for c, read in readers.items()} for r in _rows(payload, source)]


def _tidy(payload: Any, source: str, columns: dict[str, str], **coerce: Callable[[Any], Any]) -> pd.DataFrame:
    """The frame of a payload: one row per chute, or per (chute_id, day) for dated rows (rows
    without a usable day are dropped); a repeated key keeps its first row."""
    rows = _read(payload, source, columns, **coerce)
    key = ["chute_id", "date"] if "date" in columns else ["chute_id"]
    if "date" in columns:
        rows = [r for r in rows if r["date"] is not None]
    return _frame(rows, columns).drop_duplicates(key, keep="first").reset_index(drop=True)


# ---------------------------------------------------------------------------- fetching
def start_date(today: date, days: int = STATS_DAYS) -> str:
    """The `start_date` asked of the dated routes: enough complete days for every column."""
    return (today - timedelta(days=days)).isoformat()


def fetch(get_json: Callable[..., Any], source: Any, today: date) -> list:
    """One telemetry payload as a list of rows, via `get_json(name, path, params=...)`, for a
    declared `source` (`registry.Source`: its name, path, and whether it is dated / asked since).

    The LLM stats are large (the whole platform since 2025-01-30), so they are asked with
    `start_date`. A server that does not know the parameter (older versions) ignores it and sends
    everything; one that rejects it (400/422) is asked again without it. Either way, rows before
    the start date are dropped here, so the cache holds only what the columns use.
    """
    since = start_date(today)
    params = {"start_date": since} if source.since else None
    try:
        body = get_json(source.name, source.path, params=params)
    except UpstreamError as exc:
        if params is None or exc.status not in (400, 422):
            raise
        body = get_json(source.name, source.path, params=None)
    rows = _rows(body, source.name)  # raises PayloadError on an unusable envelope
    if source.dated:
        rows = [r for r in rows if not isinstance(r.get("date"), str) or r["date"][:10] >= since]
    return rows
