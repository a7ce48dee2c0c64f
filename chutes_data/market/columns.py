"""The market columns of each Chutes model: how many offers, the cheapest, and Chutes against it.

    market_providers        priced, non-free offers elsewhere (Int64; 0 = matched, none priced)
    market_free_offers      free promotions seen and left out of the minimum (Int64)
    market_min_provider     who offers the cheapest blended price (str | NA)
    market_min_input_usd    its input price, USD per 1M tokens
    market_min_output_usd   its output price
    market_min_blended_usd  its blended price at `ratio` input tokens per output token (3:1 default)
    market_ratio            Chutes' blended price / market_min_blended_usd (< 1: Chutes is cheaper)
    market_match            the strongest match among the offers: hf_id | normalized | fuzzy (NA: none)

The blended price is `query.blended_price`, the one the Models page sorts by. NA/NaN when unknown,
so a failed source leaves the columns unknown, never zero.
"""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..query import BLEND_RATIO, blended_price
from .join import MATCH_ORDER

_PRICE_COLS = ("price_input_usd", "price_output_usd")

MARKET_COLUMNS = list(schema.MARKET_COLUMNS)  # declared (with their meaning) in the export contract


def _blended(frame: pd.DataFrame, input_col: str, output_col: str, ratio: float) -> pd.Series:
    prices = pd.DataFrame({"price_input_usd": frame[input_col], "price_output_usd": frame[output_col]})
    return blended_price(prices, "usd", ratio)


def market_columns(v1: pd.DataFrame, offers: pd.DataFrame, ratio: float = BLEND_RATIO) -> pd.DataFrame:
    """One row per `v1_id` of `v1` (index), `MARKET_COLUMNS`. `offers`: `join.match_market(...).offers`."""
    out = pd.DataFrame(index=pd.Index(v1["v1_id"].tolist(), name="v1_id"))
    if len(offers):
        free = offers["free"].astype(bool)
        priced = offers.loc[~free].assign(_blended=lambda f: _blended(f, *_PRICE_COLS, ratio))
        priced = priced.loc[priced["_blended"].notna()]
        counts = priced.groupby("v1_id")["provider"].size()
        best = priced.sort_values(["v1_id", "_blended", "provider"], kind="stable").drop_duplicates("v1_id")
        best = best.set_index("v1_id")
        rank = offers["match"].map({m: i for i, m in enumerate(MATCH_ORDER)})
        strongest = offers.assign(_r=rank).sort_values("_r", kind="stable").drop_duplicates("v1_id")
        matched = out.index.isin(offers["v1_id"])
        out["market_providers"] = pd.array(
            [int(counts.get(v, 0)) if m else None for v, m in zip(out.index, matched, strict=True)],
            dtype="Int64",
        )
        out["market_free_offers"] = pd.array(
            offers.loc[free].groupby("v1_id").size().reindex(out.index).fillna(0).where(matched).tolist(),
            dtype="Int64",
        )
        out["market_min_provider"] = _objects(best["provider"].reindex(out.index))
        out["market_min_input_usd"] = best["price_input_usd"].reindex(out.index).astype("float64")
        out["market_min_output_usd"] = best["price_output_usd"].reindex(out.index).astype("float64")
        out["market_min_blended_usd"] = best["_blended"].reindex(out.index).astype("float64")
        out["market_match"] = _objects(strongest.set_index("v1_id")["match"].reindex(out.index))
    else:
        out["market_providers"] = out["market_free_offers"] = pd.array([None] * len(out), dtype="Int64")
        out["market_min_provider"] = out["market_match"] = pd.Series(
            [None] * len(out), index=out.index, dtype=object
        )
        for col in ("market_min_input_usd", "market_min_output_usd", "market_min_blended_usd"):
            out[col] = float("nan")
    chutes = pd.Series(
        _blended(v1, "v1_price_input_usd", "v1_price_output_usd", ratio).to_numpy(), index=out.index
    )
    cheapest = out["market_min_blended_usd"]
    out["market_ratio"] = (chutes / cheapest.where(cheapest.gt(0))).astype("float64")
    return out[MARKET_COLUMNS]


def _objects(values: pd.Series) -> pd.Series:
    """An object column with None (not NaN) for unknown: what JSON and the table expect."""
    return values.astype(object).where(values.notna(), None)
