"""The telemetry columns of the catalog: pure frames in, one row per chute_id out.

`telemetry_columns(frames, today)` computes `TELEMETRY_COLUMNS` from the tidy frames of
`sources.telemetry` (any of them may be missing: a source that failed gives NA columns, never an
error); `join_telemetry(models, columns)` adds them to the merged catalog by `chute_id`. Stats
for chutes the catalog does not list are simply not joined.

Definitions (the README text is docs/readme-11.md):

* The window is the 7 complete UTC days before `today` (today's row is partial and ignored);
  the prior window is the 7 days before those.
* `tps_7d`: output-token-weighted mean of the non-zero `average_tps` in the window (a day whose
  output tokens are unknown or 0 weighs nothing; if every such day weighs nothing, the plain
  mean of the non-zero values). Null when the window has no non-zero TPS.
* `ttft_7d_s`: the same with request weights, for `average_ttft` (seconds).
* `requests_7d`, `output_tokens_7d`: sums over the window; 0 for a chute the stats list on other
  days only (a day without a row had no traffic); null for a chute the stats never mention.
* `requests_trend`: requests_7d / the prior window's requests - 1; null when the prior window
  has no row or no requests.
* `sps_7d`: request-weighted mean of the non-zero `average_sps` (diffusion stats).
* `usage_usd_7d`: sum of `usd_amount` over the window (`/invocations/usage`).
* `utilization_1h`, `rate_limit_ratio_1h`, `instances_target` (`target_count`),
  `scale_allowance`, `telemetry_at` (the row's `timestamp`, UTC): from `/chutes/utilization`.
* `cold_start_bounty`, `rolling_update`: membership in `/bounties/` and
  `/chutes/rolling_updates` (NA when that list could not be loaded).
* `capacity`, first rule that holds: `cold` when the utilization row has no active instance
  (or, without a utilization row, when the chute has a cold-start bounty); `throttling` when the
  rate-limit ratio is >= 0.03; `busy` when utilization is >= 0.5; `ok` otherwise; `unknown`
  without a utilization row. Ratio and utilization are the 5-minute values (the freshest), the
  1-hour ones when the 5-minute ones are null (autoscaler constants RATE_LIMIT_SCALE_UP and
  UTILIZATION_SCALE_UP).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..schema import TELEMETRY_COLUMNS

UTILIZATION_BUSY = 0.5  # UTILIZATION_SCALE_UP
RATE_LIMIT_THROTTLING = 0.03  # RATE_LIMIT_SCALE_UP
WINDOW_DAYS = 7
CAPACITY_STATES = ("ok", "busy", "throttling", "cold", "unknown")

_FLOAT = (
    "tps_7d",
    "ttft_7d_s",
    "requests_trend",
    "sps_7d",
    "usage_usd_7d",
    "utilization_1h",
    "rate_limit_ratio_1h",
)
_INT = ("requests_7d", "output_tokens_7d", "instances_target", "scale_allowance")
_BOOL = ("cold_start_bounty", "rolling_update")


def window(today: date, weeks_back: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[first, last] day (naive midnights) of the 7 complete days before `today`
    (`weeks_back=1`: the 7 days before those)."""
    last = pd.Timestamp(today - timedelta(days=1 + WINDOW_DAYS * weeks_back))
    return last - pd.Timedelta(days=WINDOW_DAYS - 1), last


def _in(frame: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    return frame.loc[frame["date"].between(*span)]


def _weighted(rows: pd.DataFrame, value: str, weight: str) -> pd.Series:
    """Per chute: weighted mean of the non-null (non-zero upstream) `value`; a chute whose
    weights all vanish gets the plain mean."""
    known = rows.loc[rows[value].notna(), ["chute_id", value, weight]].copy()
    if known.empty:
        return pd.Series(dtype="float64")
    w = pd.to_numeric(known[weight], errors="coerce").astype("float64").fillna(0.0).clip(lower=0)
    known["_w"] = w
    known["_wv"] = w * known[value]
    grouped = known.groupby("chute_id")
    total_w = grouped["_w"].sum()
    mean = grouped["_wv"].sum() / total_w.where(total_w > 0)
    return mean.fillna(grouped[value].mean())


def _sums(rows: pd.DataFrame, column: str, ids: pd.Index) -> pd.Series:
    """Per chute in `ids`: the sum of `column` over `rows`, 0 for chutes with no row there."""
    values = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    return values.groupby(rows["chute_id"]).sum().reindex(ids, fill_value=0.0)


def _llm(stats: pd.DataFrame, today: date) -> pd.DataFrame:
    ids = pd.Index(stats["chute_id"].dropna().unique())
    now, prior = _in(stats, window(today)), _in(stats, window(today, 1))
    requests = _sums(now, "total_requests", ids)
    before = _sums(prior, "total_requests", ids)
    has_prior = pd.Series(ids.isin(prior["chute_id"]), index=ids)
    trend = (requests / before.where(has_prior & (before > 0))) - 1
    return pd.DataFrame(
        {
            "tps_7d": _weighted(now, "average_tps", "total_output_tokens").reindex(ids),
            "ttft_7d_s": _weighted(now, "average_ttft", "total_requests").reindex(ids),
            "requests_7d": requests,
            "output_tokens_7d": _sums(now, "total_output_tokens", ids),
            "requests_trend": trend,
        },
        index=ids,
    )


def _capacity(util: pd.DataFrame, bounty: pd.Series | None) -> pd.Series:
    """The capacity state per utilization row (see the module docstring)."""
    ratio = util["rate_limit_ratio_5m"].fillna(util["rate_limit_ratio_1h"])
    busy = util["utilization_5m"].fillna(util["utilization_1h"])
    cold = util["active_instance_count"].astype("Float64").eq(0).fillna(False).to_numpy(dtype=bool)
    state = np.select(
        [
            cold,
            (ratio >= RATE_LIMIT_THROTTLING).to_numpy(dtype=bool),
            (busy >= UTILIZATION_BUSY).to_numpy(dtype=bool),
            (ratio.notna() | busy.notna() | util["active_instance_count"].notna()).to_numpy(dtype=bool),
        ],
        ["cold", "throttling", "busy", "ok"],
        default="unknown",
    )
    return pd.Series(state, index=util["chute_id"].to_numpy(), dtype="object")


def _members(frame: pd.DataFrame | None, ids: pd.Index) -> pd.Series:
    if frame is None:
        return pd.Series(pd.NA, index=ids, dtype="boolean")
    return pd.Series(ids.isin(frame["chute_id"]), index=ids, dtype="boolean")


def empty_columns(index: pd.Index | None = None) -> pd.DataFrame:
    """All-NA telemetry columns with the right dtypes (capacity 'unknown')."""
    index = pd.Index([], dtype="object", name="chute_id") if index is None else index
    out = pd.DataFrame(index=index)
    for col in TELEMETRY_COLUMNS:
        if col in _FLOAT:
            out[col] = pd.Series(np.nan, index=index, dtype="float64")
        elif col in _INT:
            out[col] = pd.Series(pd.NA, index=index, dtype="Int64")
        elif col in _BOOL:
            out[col] = pd.Series(pd.NA, index=index, dtype="boolean")
        elif col == "telemetry_at":
            out[col] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
        else:
            out[col] = pd.Series("unknown", index=index, dtype="object")
    return out


def telemetry_columns(frames: Mapping[str, pd.DataFrame | None], today: date) -> pd.DataFrame:
    """`TELEMETRY_COLUMNS` indexed by chute_id, for every chute any frame mentions.

    `frames` maps source names (`utilization`, `llm_stats`, `diffusion_stats`, `usage`,
    `bounties`, `rolling_updates`) to their tidy frames; a missing or None entry means that
    source is unavailable, and its columns stay NA.
    """
    present = {k: v for k, v in frames.items() if v is not None}
    ids = pd.Index(
        sorted({str(c) for f in present.values() for c in f["chute_id"].dropna()}),
        dtype="object",
        name="chute_id",
    )
    out = empty_columns(ids)
    if not len(ids):
        return out
    if "llm_stats" in present and len(present["llm_stats"]):
        llm = _llm(present["llm_stats"], today)
        for col in llm.columns:
            out.loc[llm.index, col] = llm[col]
    if "diffusion_stats" in present and len(present["diffusion_stats"]):
        diff = present["diffusion_stats"]
        sps = _weighted(_in(diff, window(today)), "average_sps", "total_requests")
        out.loc[sps.index, "sps_7d"] = sps
    if "usage" in present and len(present["usage"]):
        usage = present["usage"]
        usd = _sums(_in(usage, window(today)), "usd_amount", pd.Index(usage["chute_id"].dropna().unique()))
        out.loc[usd.index, "usage_usd_7d"] = usd
    bounty = _members(present.get("bounties"), ids)
    out["cold_start_bounty"] = bounty
    out["rolling_update"] = _members(present.get("rolling_updates"), ids)
    util = present.get("utilization")
    if util is not None and len(util):
        u = util.set_index("chute_id")
        out.loc[u.index, "utilization_1h"] = u["utilization_1h"]
        out.loc[u.index, "rate_limit_ratio_1h"] = u["rate_limit_ratio_1h"]
        out.loc[u.index, "instances_target"] = u["target_count"]
        out.loc[u.index, "scale_allowance"] = u["scale_allowance"]
        out.loc[u.index, "telemetry_at"] = u["timestamp"]
        cap = _capacity(util, bounty)
        out.loc[cap.index, "capacity"] = cap
    # without a utilization row, a bounty still says the chute is cold and demanded
    no_util = out["capacity"].eq("unknown") & out["cold_start_bounty"].fillna(False).astype(bool)
    out.loc[no_util, "capacity"] = "cold"
    return _typed(out)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for col in _FLOAT:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in _INT:
        out[col] = pd.array([None if pd.isna(v) else int(round(float(v))) for v in out[col]], dtype="Int64")
    for col in _BOOL:
        out[col] = out[col].astype("boolean")
    out["telemetry_at"] = pd.to_datetime(out["telemetry_at"], utc=True)
    out["capacity"] = out["capacity"].astype("object")
    return out[list(TELEMETRY_COLUMNS)]


def join_telemetry(models: pd.DataFrame, columns: pd.DataFrame | None) -> pd.DataFrame:
    """`models` with `TELEMETRY_COLUMNS` added (replaced when present) by chute_id; rows
    without telemetry get NA (capacity 'unknown'). Row order and index are kept."""
    base = models.drop(columns=[c for c in TELEMETRY_COLUMNS if c in models.columns])
    columns = empty_columns() if columns is None else columns
    columns = columns.loc[~columns.index.duplicated()]
    keys = [k if isinstance(k, str) else None for k in base["chute_id"].tolist()]
    keyed = columns.reindex(keys)
    keyed["capacity"] = keyed["capacity"].fillna("unknown")
    keyed.index = base.index
    return pd.concat([base, _typed(keyed)], axis=1)


def daily_series(stats: pd.DataFrame | None, chute_id: str, today: date, days: int = 30) -> pd.DataFrame:
    """One chute's complete days (the last `days` before today) of an LLM stats frame:
    date, requests, output tokens, TPS and TTFT (NaN when unknown), oldest first."""
    cols = ["date", "total_requests", "total_output_tokens", "average_tps", "average_ttft"]
    if stats is None or stats.empty:
        return pd.DataFrame(columns=cols)
    last = pd.Timestamp(today - timedelta(days=1))
    rows = stats.loc[
        stats["chute_id"].eq(chute_id) & stats["date"].between(last - pd.Timedelta(days=days - 1), last), cols
    ]
    return rows.sort_values("date").reset_index(drop=True)
