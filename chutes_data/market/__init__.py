"""The market beside every Chutes model: what it is (models.dev facts) and what it costs elsewhere.

Two keyless sources (shared references `models-dev.md`, `openrouter.md`):

* `readers` - `api.json` and OpenRouter's `/api/v1/models` -> one compact offers frame each;
* `names` - loose keys, the org rule and the size/version guards (reusing the catalog merge's);
* `join` - which offers are the same model as a `/v1/models` entry, and the refused near misses;
* `columns` - `market_*` columns (cheapest elsewhere, Chutes' ratio to it);
* `facts` - release date, knowledge cutoff, open weights, family, status, description;
* `detail` - "Same model elsewhere" and the API detail payload for one model.

`build` runs the whole chain for one `/v1/models` frame. Either source may be None (failed or
not loaded): its offers are absent and the columns it would have filled stay unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..query import BLEND_RATIO
from .columns import MARKET_COLUMNS, market_columns
from .facts import FACT_COLUMNS, facts_columns
from .join import DEFAULT_CUTOFF, DEFAULT_MARGIN, combine, match_market
from .readers import (
    OFFER_COLUMNS,
    Offers,
    Skip,
    models_dev_frame,
    openrouter_frame,
    read_models_dev,
    read_openrouter,
)

__all__ = [
    "FACT_COLUMNS",
    "MARKET_COLUMNS",
    "OFFER_COLUMNS",
    "Market",
    "Offers",
    "Skip",
    "build",
    "models_dev_frame",
    "openrouter_frame",
    "read_models_dev",
    "read_openrouter",
]


@dataclass(frozen=True)
class Market:
    """Per `v1_id` (index) the `MARKET_COLUMNS` + `FACT_COLUMNS`; the offers behind them (one row
    per Chutes model and offer, for "Same model elsewhere"); the near misses (for Merge gaps)."""

    columns: pd.DataFrame
    offers: pd.DataFrame
    near_misses: pd.DataFrame


def build(
    v1: pd.DataFrame,
    models_dev: pd.DataFrame | None,
    openrouter: pd.DataFrame | None,
    as_of: Mapping[str, str | None] | None = None,
    *,
    ratio: float = BLEND_RATIO,
    cutoff: float = DEFAULT_CUTOFF,
    margin: float = DEFAULT_MARGIN,
) -> Market:
    """The market and facts of every `/v1/models` entry (`v1`: `normalize.v1_frame` columns; one
    row per distinct non-empty `v1_id`).
    `as_of`: the snapshot date per source ("models.dev", "openrouter"), carried on each offer."""
    ids = v1["v1_id"].map(lambda v: isinstance(v, str) and bool(v.strip()))
    v1 = v1.loc[ids.astype(bool)].drop_duplicates("v1_id").reset_index(drop=True)
    offers = combine(models_dev, openrouter, as_of or {})
    found = match_market(v1, offers, cutoff, margin)
    columns = market_columns(v1, found.offers, ratio).join(facts_columns(v1, offers, found.offers))
    return Market(columns, found.offers, found.near_misses)
