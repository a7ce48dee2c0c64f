"""Filtering and sorting the merged catalog: pure DataFrame-in, DataFrame-out.

The dashboard's sidebar and /api/models build a `Filters` from the filter vocabulary
(chutes_data/filters.py, which names each parameter and the field it sets); `apply_filters` does
the work outside any cache, so a filter change never refetches or re-merges. Prices are compared
in the chosen currency. SORTS and SORT_LABELS are the sorts, declared once, by stable key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd

from .market_filter import market_mask

Currency = Literal["usd", "tao"]
FEATURES = ("tools", "json_mode", "structured_outputs", "reasoning")
SORTS = {
    "popular": ("invocation_count", False),
    "price_in": ("price_input", True),
    "price_out": ("price_output", True),
    "context": ("context_length", False),
    "name": ("name", True),
    "instances": ("instances_active", False),
    "blended": ("blended", True),  # computed: see blended_price
    "fastest": ("tps_7d", False),
    "first_token": ("ttft_7d_s", True),
    "trending": ("requests_trend", False),
    "score": ("score", False),  # issue 20: from CHUTES_SCORES (chutes_data/scores.py)
    "market": ("market_ratio", True),  # Chutes ÷ the cheapest elsewhere (issue 19)
}
SORT_LABELS = {
    "popular": "Most used (past day)",
    "price_in": "Cheapest input",
    "price_out": "Cheapest output",
    "context": "Largest context",
    "name": "Name (A–Z)",
    "instances": "Most hot instances",
    "blended": "Cheapest blended",
    "fastest": "Fastest (tokens/s)",
    "first_token": "Quickest first token",
    "trending": "Trending (requests vs last week)",
    "score": "Best score",
    "market": "Best vs market",
}
BLEND_RATIO = 3.0  # input tokens per output token in the blended price (Artificial Analysis's 3:1)
_PRICE_KINDS = ("input", "output", "cache_read", "step", "request", "hour")
SORT_KEYS = {label: key for key, label in SORT_LABELS.items()}


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Empty tuples and None mean 'no constraint'."""

    search: str = ""
    templates: tuple[str, ...] = ()
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    quantizations: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    min_context: int = 0
    max_input_price: float | None = None
    max_output_price: float | None = None
    hot_only: bool = False
    tee_only: bool = False
    visibility: Literal["all", "public", "private"] = "all"
    source: Literal["all", "both", "chutes", "v1"] = "all"
    free_only: bool = False
    currency: Currency = "usd"
    # telemetry (issue 11): a model whose speed is unknown fails a speed bound
    min_tps: float | None = None
    max_ttft: float | None = None
    hide_throttling: bool = False
    hide_cold: bool = False
    # the market and facts (issue 19, chutes_data/market_filter.py): unknown fails a bound
    cheaper_than_market: bool = False
    max_market_ratio: float | None = None
    released_after: str = ""
    open_weights_only: bool = False
    hide_deprecated: bool = False

    def is_default(self) -> bool:
        return self == Filters(currency=self.currency)

    def active_count(self) -> int:
        default = Filters(currency=self.currency)
        return sum(getattr(self, f.name) != getattr(default, f.name) for f in fields(self))


def price_column(kind: str, currency: Currency) -> str:
    """`price_column("input", "tao")` -> "price_input_tao"."""
    return f"price_{kind}_{currency}"


def _has_all(column: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    need = {w.casefold() for w in wanted}
    return column.map(lambda v: isinstance(v, (list, tuple)) and need <= {str(x).casefold() for x in v})


def apply_filters(models: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows of `models` that satisfy every constraint of `f` (a new frame)."""
    mask = pd.Series(True, index=models.index)
    if f.search.strip():
        needle = f.search.strip().casefold()
        text = (
            models["name"].fillna("").astype(str)
            + "\n"
            + models["tagline"].fillna("").astype(str)
            + "\n"
            + models["owner"].fillna("").astype(str)
            + "\n"
            + models["v1_id"].fillna("").astype(str)
        ).str.casefold()
        mask &= text.str.contains(needle, regex=False)
    if f.templates:
        mask &= models["template"].isin(f.templates)
    if f.quantizations:
        mask &= models["quantization"].isin(f.quantizations)
    if f.owners:
        mask &= models["owner"].isin(f.owners)
    if f.input_modalities:
        mask &= _has_all(models["input_modalities"], f.input_modalities)
    if f.output_modalities:
        mask &= _has_all(models["output_modalities"], f.output_modalities)
    if f.features:
        mask &= _has_all(models["supported_features"], f.features)
    if f.min_context > 0:
        mask &= models["context_tokens"].fillna(0).astype(float) >= f.min_context
    for kind, cap in (("input", f.max_input_price), ("output", f.max_output_price)):
        if cap is not None:
            mask &= models[price_column(kind, f.currency)].le(cap).fillna(False).astype(bool)
    if f.hot_only:
        mask &= models["hot"].fillna(False).astype(bool)
    if f.tee_only:
        mask &= models["tee"].fillna(False).astype(bool)
    if f.visibility != "all":
        mask &= models["public"].fillna(f.visibility == "private").astype(bool) == (f.visibility == "public")
    if f.source != "all":
        mask &= models["source"].eq(f.source)
    mask &= _telemetry_mask(models, f)
    mask &= market_mask(models, f)
    if f.free_only:
        mask &= is_free(models, f.currency)
    return models[mask.to_numpy(dtype=bool)]


def _column(models: pd.DataFrame, name: str) -> pd.Series:
    """A telemetry column, or all-NA when the frame predates it."""
    return models[name] if name in models.columns else pd.Series(np.nan, index=models.index)


def _telemetry_mask(models: pd.DataFrame, f: Filters) -> pd.Series:
    mask = pd.Series(True, index=models.index)
    if f.min_tps is not None:
        mask &= pd.to_numeric(_column(models, "tps_7d"), errors="coerce").ge(f.min_tps).fillna(False)
    if f.max_ttft is not None:
        mask &= pd.to_numeric(_column(models, "ttft_7d_s"), errors="coerce").le(f.max_ttft).fillna(False)
    capacity = _column(models, "capacity")
    if f.hide_throttling:
        mask &= ~capacity.eq("throttling").fillna(False).astype(bool)
    if f.hide_cold:
        mask &= ~capacity.eq("cold").fillna(False).astype(bool)
    return mask.astype(bool)


def is_free(models: pd.DataFrame, currency: Currency = "usd") -> pd.Series:
    """Rows whose stated prices are all 0 (at least one stated, none positive): free by price,
    whatever the name says ("-free" in a name is not a price)."""
    prices = pd.DataFrame(
        {
            k: pd.to_numeric(models[c], errors="coerce")
            for k in _PRICE_KINDS
            if (c := price_column(k, currency)) in models.columns
        },
        index=models.index,
    )
    stated = prices.notna().any(axis=1)
    return (stated & prices.fillna(0).eq(0).all(axis=1)).astype(bool)


def blended_price(models: pd.DataFrame, currency: Currency = "usd", ratio: float = BLEND_RATIO) -> pd.Series:
    """One number per token-priced row: (ratio x input + output) / (ratio + 1) per 1M tokens, the
    price of a typical mix of `ratio` input tokens to 1 output token (NaN unless both known)."""
    ratio = max(float(ratio), 0.0)
    p_in = pd.to_numeric(models[price_column("input", currency)], errors="coerce")
    p_out = pd.to_numeric(models[price_column("output", currency)], errors="coerce")
    return ((ratio * p_in + p_out) / (ratio + 1)).astype("float64")


def sort_models(
    models: pd.DataFrame, sort: str, currency: Currency = "usd", ratio: float = BLEND_RATIO
) -> pd.DataFrame:
    """Sort by one of SORTS; missing values always sink to the bottom. `ratio`: of the blended
    price (sort "blended")."""
    column, ascending = SORTS.get(sort, SORTS["popular"])
    if column == "blended":
        key = blended_price(models, currency, ratio)
        return models.loc[key.sort_values(ascending=True, na_position="last", kind="stable").index]
    if column.startswith("price_"):
        column = f"{column}_{currency}"
    by: Callable[[pd.Series], pd.Series] | None = (lambda s: s.str.casefold()) if column == "name" else None
    if column not in models.columns:  # a frame without the telemetry columns: nothing to sort by
        return models
    return models.sort_values(column, ascending=ascending, na_position="last", key=by, kind="stable")


def options(models: pd.DataFrame) -> dict[str, list[str]]:
    """Distinct values for the sidebar's choices, sorted, from the whole catalog."""

    def flat(col: str) -> list[str]:
        return sorted({str(x) for v in models[col] if isinstance(v, (list, tuple)) for x in v})

    def distinct(col: str) -> list[str]:
        return sorted({str(v) for v in models[col].dropna()}, key=str.casefold)

    return {
        "templates": distinct("template"),
        "input_modalities": flat("input_modalities"),
        "output_modalities": flat("output_modalities"),
        "features": sorted(set(FEATURES) | set(flat("supported_features"))),
        "quantizations": distinct("quantization"),
        "owners": distinct("owner"),
    }


def kpis(models: pd.DataFrame, currency: Currency = "usd") -> dict[str, float | int | None]:
    """Headline numbers for the current view."""
    prices = models[price_column("input", currency)].dropna()
    context = models["context_tokens"].dropna()
    return {
        "shown": len(models),
        "hot": int(models["hot"].fillna(False).astype(bool).sum()),
        "median_input_price": float(np.median(prices)) if len(prices) else None,
        "max_context": int(context.max()) if len(context) else None,
    }


def view_record(filters: Filters, sort: str) -> dict:
    """What produced a view, for its JSON export: every filter (defaults mean no constraint),
    how many are set, and the sort, by key and as labelled."""
    from dataclasses import asdict

    return {
        "filters": asdict(filters),
        "active_filters": filters.active_count(),
        "sort": sort,
        "sort_label": SORT_LABELS.get(sort, sort),
    }


# Variant suffixes of one model (as models.dev groups them under a base_model): the TEE twin, a
# quantized build, a faster build. Stripped repeatedly, case-insensitively, from the end.
VARIANT_SUFFIXES = ("-TEE", "-FP8", "-FP4", "-NVFP4", "-turbo")


def family(name: object) -> str | None:
    """The family a model name belongs to: the name without its variant suffixes
    (`Qwen/Qwen3-32B-TEE`, `Qwen/Qwen3-32B-FP8` and `Qwen/Qwen3-32B` are all `Qwen/Qwen3-32B`)."""
    if not isinstance(name, str) or not name.strip():
        return None
    base = name.strip()
    changed = True
    while changed:
        changed = False
        for suffix in VARIANT_SUFFIXES:
            if base.lower().endswith(suffix.lower()) and len(base) > len(suffix):
                base, changed = base[: -len(suffix)], True
    return base


def families(models: pd.DataFrame) -> pd.Series:
    """`family()` of every row's name (None for a row without one)."""
    return models["name"].map(family)


def telemetry_kpis(models: pd.DataFrame) -> dict[str, float | int | None]:
    """Speed headline numbers for the current view: medians of the known values only."""
    tps = pd.to_numeric(_column(models, "tps_7d"), errors="coerce").dropna()
    ttft = pd.to_numeric(_column(models, "ttft_7d_s"), errors="coerce").dropna()
    capacity = _column(models, "capacity")
    return {
        "median_tps": float(np.median(tps)) if len(tps) else None,
        "median_ttft": float(np.median(ttft)) if len(ttft) else None,
        "with_speed": int(len(tps)),
        "throttling": int(capacity.eq("throttling").fillna(False).sum()),
        "cold": int(capacity.eq("cold").fillna(False).sum()),
    }
