"""The "Chutes vs market" chart's points: Chutes' blended price against the cheapest other
provider's, both in USD per 1M tokens at the 3:1 blend `market_ratio` uses (market.columns)."""

from __future__ import annotations

import pandas as pd

from ..query import BLEND_RATIO, blended_price

POINT_COLUMNS = ["name", "chute_id", "chutes_usd", "market_usd", "market_provider", "market_ratio"]


def market_points(models: pd.DataFrame) -> pd.DataFrame:
    """One row per merged model with both prices known and above 0 (a log axis holds no 0)."""
    if "market_min_blended_usd" not in models.columns:
        return pd.DataFrame(columns=POINT_COLUMNS)
    out = pd.DataFrame(
        {
            "name": models["name"],
            "chute_id": models["chute_id"],
            "chutes_usd": blended_price(models, "usd", BLEND_RATIO),
            "market_usd": pd.to_numeric(models["market_min_blended_usd"], errors="coerce"),
            "market_provider": models["market_min_provider"],
            "market_ratio": pd.to_numeric(models["market_ratio"], errors="coerce"),
        },
        index=models.index,
    )
    known = out["chutes_usd"].gt(0) & out["market_usd"].gt(0)
    return out.loc[known.fillna(False).astype(bool), POINT_COLUMNS].reset_index(drop=True)
