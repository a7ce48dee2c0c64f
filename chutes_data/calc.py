"""What a workload costs on each model: pure arithmetic on the merged catalog (no streamlit).

Units
-----
* Token prices in the catalog are **per 1,000,000 tokens** (`price_input_*`, `price_output_*`,
  `price_cache_read_*`), in USD or TAO (`currency` = 'usd' | 'tao').
* Step prices are **per diffusion step** (`price_step_*`), hourly prices **per instance-hour**
  (`price_hour_*`), request prices **per request** (`price_request_*`).
* Every cost this module returns is in the chosen currency: `per_request` (one request),
  `per_day` (requests_per_day requests, or hours_per_day hours for hourly chutes) and
  `per_month` (= per_day x 30, `DAYS_PER_MONTH`).

Token-priced models (`price_unit == 'per_1m_tokens'`) are ranked by `costs()`. Of a request's
input tokens, the `cache_hit_share` part is billed at the cache-read price (the input price
when the cache-read price is unknown) and the rest at the input price; output tokens at the
output price. A price we do not know stays NaN, and so does every cost that needs it: an
unknown price is never $0.

Models priced per step, per request or per hour are not token-priced and never appear in the
token ranking (and never as zero): `unit_costs()` ranks them separately with their own unit
columns and a `pricing` label, using `steps_per_request` and `hours_per_day` from the workload.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .schema import PRICE_UNITS, price_units
from .workload import DEFAULT_PRESET, PRESETS, Preset, Workload, preset

# The calculator's inputs live in .workload; re-exported so callers need one import.
__all__ = ["DEFAULT_PRESET", "PRESETS", "Preset", "Workload", "preset"]

Currency = Literal["usd", "tao"]
CURRENCIES = ("usd", "tao")
TOKENS_PER_PRICE_UNIT = 1_000_000  # token prices are per 1M tokens
DAYS_PER_MONTH = 30

# `pricing` labels (the catalog's price_unit values, plus 'unknown' for a row with no price).
PRICING_LABELS = {
    "per_1m_tokens": "per 1M tokens",
    "per_step": "per step",
    "per_request": "per request",
    "per_hour": "per hour",
    "unknown": "price unknown",
}

TOKEN_COLUMNS = [
    "name",
    "chute_id",
    "v1_id",
    "owner",
    "template",
    "pricing",
    "price_input",
    "price_output",
    "price_cache_read",
    "cache_read_fallback",
    "input_cost",
    "output_cost",
    "per_request",
    "per_day",
    "per_month",
    "rank",
]
UNIT_COLUMNS = [
    "name",
    "chute_id",
    "v1_id",
    "owner",
    "template",
    "pricing",
    "price_step",
    "price_request",
    "price_hour",
    "basis",
    "per_request",
    "per_day",
    "per_month",
    "rank",
]


def _currency(currency: str) -> str:
    cur = str(currency).lower()
    if cur not in CURRENCIES:
        raise ValueError(f"currency must be one of {CURRENCIES}, not {currency!r}")
    return cur


def _num(models: pd.DataFrame, column: str) -> pd.Series:
    """A price column as float64 with NaN for unknown (NA, None, strings that aren't numbers)."""
    if column not in models.columns:
        return pd.Series(np.nan, index=models.index, dtype="float64")
    return pd.to_numeric(models[column], errors="coerce").astype("float64")


def _text(models: pd.DataFrame, column: str) -> pd.Series:
    if column not in models.columns:
        return pd.Series(pd.NA, index=models.index, dtype="object")
    return models[column]


def pricing(models: pd.DataFrame) -> pd.Series:
    """How each row is priced: per_1m_tokens | per_step | per_request | per_hour | unknown.

    The catalog's `price_unit` decides; where it is missing the row is classified by the same
    rule the merge uses (`schema.price_units`), and a row with no price at all is 'unknown'.
    """
    unit = _text(models, "price_unit")
    known = unit.where(unit.isin(PRICE_UNITS)).astype("object")
    return known.fillna(price_units(models).astype("object")).fillna("unknown").astype("object")


def _rank(values: pd.Series) -> pd.Series:
    """1 = cheapest in the frame's (already sorted) order; NaN costs get no rank (NA)."""
    return values.rank(method="first", na_option="keep").astype("Int64")


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    key = frame["name"].astype("string").str.casefold()
    out = frame.assign(_name=key).sort_values(by + ["_name"], na_position="last", kind="stable")
    return out.drop(columns="_name")


def _token_part(tokens: float, price: pd.Series) -> pd.Series:
    """tokens x price / 1M; zero tokens cost nothing even when the price is unknown."""
    if tokens == 0:
        return pd.Series(0.0, index=price.index, dtype="float64")
    return price * (tokens / TOKENS_PER_PRICE_UNIT)


def costs(models: pd.DataFrame, workload: Workload, currency: str = "usd") -> pd.DataFrame:
    """Token-priced models ranked by the cost of `workload`, cheapest first (TOKEN_COLUMNS).

    price_* are per 1M tokens; input_cost/output_cost/per_request are for one request, per_day
    for `requests_per_day` requests, per_month for 30 days. `cache_read_fallback` is True where
    a cached share was billed at the input price because the cache-read price is unknown.
    Rows whose cost needs an unknown price keep NaN costs, no rank, and sort last.
    Models priced per step / request / hour are left out (see `unit_costs`).
    """
    cur = _currency(currency)
    kind = pricing(models)
    rows = models[(kind == "per_1m_tokens").to_numpy(dtype=bool)]
    p_in = _num(rows, f"price_input_{cur}")
    p_out = _num(rows, f"price_output_{cur}")
    p_cache = _num(rows, f"price_cache_read_{cur}")
    share = float(workload.cache_hit_share)
    fresh = float(workload.input_tokens) * (1.0 - share)
    cached = float(workload.input_tokens) * share
    fallback = p_cache.isna() & (cached > 0)
    input_cost = _token_part(fresh, p_in) + _token_part(cached, p_cache.fillna(p_in))
    output_cost = _token_part(float(workload.output_tokens), p_out)
    per_request = input_cost + output_cost
    per_day = per_request * float(workload.requests_per_day)
    out = pd.DataFrame(
        {
            "name": _text(rows, "name"),
            "chute_id": _text(rows, "chute_id"),
            "v1_id": _text(rows, "v1_id"),
            "owner": _text(rows, "owner"),
            "template": _text(rows, "template"),
            "pricing": PRICING_LABELS["per_1m_tokens"],
            "price_input": p_in,
            "price_output": p_out,
            "price_cache_read": p_cache,
            "cache_read_fallback": fallback.astype(bool),
            "input_cost": input_cost,
            "output_cost": output_cost,
            "per_request": per_request,
            "per_day": per_day,
            "per_month": per_day * DAYS_PER_MONTH,
        },
        index=rows.index,
    )
    out = _sorted(out, ["per_request"])
    out["rank"] = _rank(out["per_request"])
    out.attrs["currency"] = cur
    return out[TOKEN_COLUMNS]


def unit_costs(models: pd.DataFrame, workload: Workload, currency: str = "usd") -> pd.DataFrame:
    """Models priced per step, per request or per hour, with their own units (UNIT_COLUMNS).

    * per step: per_request = steps_per_request x price_step; per_day = x requests_per_day.
    * per request: per_request = price_request; per_day = x requests_per_day.
    * per hour: per_day = hours_per_day x price_hour (one instance; it does not scale with the
      request count, so per_request stays NaN).
    per_month = per_day x 30. `basis` says how the number was formed. Ranked cheapest per month
    within each pricing kind (step, request, hour); unknown prices stay NaN and sort last.
    Rows with no price at all are left out.
    """
    cur = _currency(currency)
    kind = pricing(models)
    keep = kind.isin(["per_step", "per_request", "per_hour"]).to_numpy(dtype=bool)
    rows, kind = models[keep], kind[keep]
    p_step = _num(rows, f"price_step_{cur}")
    p_req = _num(rows, f"price_request_{cur}")
    p_hour = _num(rows, f"price_hour_{cur}")
    steps, reqs, hours = (
        float(workload.steps_per_request),
        float(workload.requests_per_day),
        float(workload.hours_per_day),
    )
    per_request = pd.Series(np.nan, index=rows.index, dtype="float64")
    per_request = per_request.mask(kind == "per_step", p_step * steps)
    per_request = per_request.mask(kind == "per_request", p_req)
    per_day = per_request * reqs
    per_day = per_day.mask(kind == "per_hour", p_hour * hours)
    basis = kind.map(
        {
            "per_step": f"{steps:g} steps × {reqs:,g} requests/day",
            "per_request": f"{reqs:,g} requests/day",
            "per_hour": f"{hours:g} h/day, one instance",
        }
    )
    out = pd.DataFrame(
        {
            "name": _text(rows, "name"),
            "chute_id": _text(rows, "chute_id"),
            "v1_id": _text(rows, "v1_id"),
            "owner": _text(rows, "owner"),
            "template": _text(rows, "template"),
            "pricing": kind.map(PRICING_LABELS),
            "price_step": p_step.where(kind == "per_step"),
            "price_request": p_req.where(kind == "per_request"),
            "price_hour": p_hour.where(kind == "per_hour"),
            "basis": basis,
            "per_request": per_request,
            "per_day": per_day,
            "per_month": per_day * DAYS_PER_MONTH,
        },
        index=rows.index,
    )
    order = {PRICING_LABELS[k]: i for i, k in enumerate(("per_step", "per_request", "per_hour"))}
    out["_group"] = out["pricing"].map(order)
    out = _sorted(out, ["_group", "per_month"])
    out["rank"] = out.groupby("_group")["per_month"].rank(method="first", na_option="keep").astype("Int64")
    out = out.drop(columns="_group")
    out.attrs["currency"] = cur
    return out[UNIT_COLUMNS]


def serving(models: pd.DataFrame) -> pd.Series:
    """Whether each row can serve a request now: 'hot' (an instance is up), 'cold' (none is: the
    first request waits for one to start, or fails), 'unknown' (no /chutes/ status, e.g. a
    /v1/models-only row)."""
    hot = models["hot"] if "hot" in models.columns else pd.Series(pd.NA, index=models.index)
    return pd.Series(
        [
            "unknown"
            if v is None or v is pd.NA or (isinstance(v, float) and v != v)
            else ("hot" if bool(v) else "cold")
            for v in hot
        ],
        index=models.index,
        dtype="object",
    )


def _priced(ranked: pd.DataFrame) -> pd.DataFrame:
    """Rows with a known, positive cost: a model whose cost is $0 has no real price (an unpriced
    or free chute) and is never called the cheapest."""
    return ranked[ranked["per_request"].notna() & (ranked["per_request"] > 0)]


def cheapest(models: pd.DataFrame, workload: Workload, currency: str = "usd") -> pd.Series | None:
    """The token-priced model with the lowest known, positive cost for `workload` (a `costs()`
    row), or None when no token-priced model has one. Unknown or zero costs are never the
    cheapest."""
    ranked = _priced(costs(models, workload, currency))
    return None if ranked.empty else ranked.iloc[0]


def cheapest_token_models(
    models: pd.DataFrame, workload: Workload, currency: str = "usd", n: int = 8
) -> pd.DataFrame:
    """The `n` cheapest token-priced rows of `models` that can serve now (hot), with a known,
    positive cost (for default selections). Cold models are left out; when no row says whether
    it is hot (no /chutes/ data), the rows not known to be cold are used instead."""
    ranked = _priced(costs(models, workload, currency))
    state = serving(models).reindex(ranked.index)
    hot = ranked[state == "hot"]
    return (hot if len(hot) else ranked[state == "unknown"]).head(n)
