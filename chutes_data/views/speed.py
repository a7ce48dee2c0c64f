"""The data behind the speed and capacity views: pure frames for the pages (issue 11).

Charts: price vs TPS / TTFT points, the capacity overview. Detail and Compare: one chute's
30-day daily lines (from the live stats frame, else the history's kept days) and its capacity in
words. Calculator: an estimated end-to-end time per request, `ttft_7d_s + output / tps_7d`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import percent_change, relative_time

CAPACITY_TEXT = {
    "ok": "OK: instances up and not under pressure",
    "busy": "Busy: utilization at or above 50 % (the autoscaler scales up from there)",
    "throttling": "Throttling: 3 % or more of requests were rate-limited (expect 429s)",
    "cold": "Cold: no active instance (the first request waits for one, or gets a 503)",
    "unknown": "Unknown: Chutes' utilization feed does not list this chute",
}
# Plain text labels: emoji status dots render as boxes without an emoji font (issue 13), and a
# table cell cannot hold a material icon.
CAPACITY_LABELS = {"ok": "ok", "busy": "busy", "throttling": "throttling", "cold": "cold", "unknown": "—"}
CAPACITY_ORDER = ("ok", "busy", "throttling", "cold", "unknown")
DAILY_COLUMNS = ["date", "requests", "tps", "ttft_s"]


def _col(models: pd.DataFrame, name: str) -> pd.Series:
    return models[name] if name in models.columns else pd.Series(np.nan, index=models.index)


def estimated_seconds(models: pd.DataFrame, output_tokens: float) -> pd.Series:
    """Per row: `ttft_7d_s + output_tokens / tps_7d` (seconds); NaN when either is unknown."""
    tps = pd.to_numeric(_col(models, "tps_7d"), errors="coerce").astype("float64")
    ttft = pd.to_numeric(_col(models, "ttft_7d_s"), errors="coerce").astype("float64")
    tps = tps.where(tps > 0)
    return (ttft + float(max(output_tokens, 0)) / tps).astype("float64")


def speed_points(models: pd.DataFrame, metric: str, currency: str = "usd") -> pd.DataFrame:
    """Rows with a positive output price and a known `metric` ('tps_7d' | 'ttft_7d_s'), for a
    price-vs-speed scatter (log price): name, chute_id, owner, template, price, value, requests."""
    price = pd.to_numeric(_col(models, f"price_output_{currency}"), errors="coerce")
    value = pd.to_numeric(_col(models, metric), errors="coerce")
    keep = price.gt(0) & value.gt(0)
    out = models.loc[keep, ["name", "chute_id", "owner", "template"]].copy()
    out["price"] = price[keep].astype("float64")
    out["value"] = value[keep].astype("float64")
    out["requests"] = pd.to_numeric(_col(models, "requests_7d"), errors="coerce")[keep]
    return out.reset_index(drop=True)


def capacity_points(models: pd.DataFrame) -> pd.DataFrame:
    """Rows the utilization feed describes: name, chute_id, owner, template, utilization,
    rate-limit ratio, requests_7d (NaN->0 for the marker size) and capacity."""
    util = pd.to_numeric(_col(models, "utilization_1h"), errors="coerce")
    ratio = pd.to_numeric(_col(models, "rate_limit_ratio_1h"), errors="coerce")
    keep = util.notna() & ratio.notna()
    out = models.loc[keep, ["name", "chute_id", "owner", "template"]].copy()
    out["utilization"] = util[keep].astype("float64")
    out["rate_limit_ratio"] = ratio[keep].astype("float64")
    out["requests"] = pd.to_numeric(_col(models, "requests_7d"), errors="coerce")[keep].fillna(0)
    out["capacity"] = _col(models, "capacity")[keep].fillna("unknown").astype(str)
    return out.reset_index(drop=True)


def capacity_counts(models: pd.DataFrame) -> pd.DataFrame:
    """How many models of the view are in each capacity state (every state listed)."""
    counts = _col(models, "capacity").fillna("unknown").value_counts()
    return pd.DataFrame(
        {"capacity": list(CAPACITY_ORDER), "models": [int(counts.get(s, 0)) for s in CAPACITY_ORDER]}
    )


def daily_lines(
    stats: pd.DataFrame | None, kept: pd.DataFrame | None, chute_id: str | None, today: date, days: int = 30
) -> pd.DataFrame:
    """One chute's last `days` complete UTC days: date, requests, tps, ttft_s (NaN = unknown).
    The live stats frame wins; days it lacks come from the history's kept rows."""
    if not chute_id:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    last = pd.Timestamp(today) - pd.Timedelta(days=1)
    first = last - pd.Timedelta(days=days - 1)
    parts = []
    if stats is not None and not stats.empty:
        rows = stats.loc[stats["chute_id"].eq(chute_id) & stats["date"].between(first, last)]
        parts.append(
            pd.DataFrame(
                {
                    "date": rows["date"],
                    "requests": rows["total_requests"],
                    "tps": rows["average_tps"],
                    "ttft_s": rows["average_ttft"],
                }
            )
        )
    if kept is not None and not kept.empty:
        rows = kept.loc[kept["day"].between(first, last)]
        parts.append(
            pd.DataFrame(
                {
                    "date": rows["day"],
                    "requests": rows["requests"],
                    "tps": rows["tps"],
                    "ttft_s": rows["ttft_s"],
                }
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    out = pd.concat(parts, ignore_index=True).drop_duplicates("date", keep="first")
    out["requests"] = pd.to_numeric(out["requests"], errors="coerce")
    for col in ("tps", "ttft_s"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out.sort_values("date").reset_index(drop=True)


def capacity_summary(row: pd.Series, now: datetime | None = None) -> dict[str, Any]:
    """The capacity state of one catalog row in words, with the autoscaler's time."""
    capacity = row.get("capacity")
    state = capacity if isinstance(capacity, str) else "unknown"
    at = row.get("telemetry_at")
    when = at.to_pydatetime() if isinstance(at, pd.Timestamp) and not pd.isna(at) else None
    return {
        "state": state,
        "text": CAPACITY_TEXT.get(state, CAPACITY_TEXT["unknown"]),
        "label": CAPACITY_LABELS.get(state, "—"),
        "at": at if when is not None else None,
        # "3 hours ago", "just now", or a future time flagged (never clamped: a clamp hides skew)
        "age": relative_time(when, now or datetime.now(UTC)) if when is not None else None,
    }


def speed_facts(row: pd.Series) -> dict[str, str]:
    """The Compare table's speed rows for one model (plain text, '—' when unknown)."""

    def num(value: Any, fmt: str) -> str:
        return "—" if value is None or pd.isna(value) else fmt.format(float(value))

    trend = row.get("requests_trend")
    capacity = row.get("capacity")
    return {
        "Speed (tokens/s, 7 days)": num(row.get("tps_7d"), "{:,.1f}"),
        "First token (s, 7 days)": num(row.get("ttft_7d_s"), "{:,.2f}"),
        "Requests (7 days)": num(row.get("requests_7d"), "{:,.0f}"),
        "Requests vs week before": percent_change(trend),
        "Capacity now": CAPACITY_LABELS.get(capacity if isinstance(capacity, str) else "unknown", "—"),
    }
