"""One Chutes model's market for Model detail, Compare and `/api/models/{chute_id}`.

"Same model elsewhere" lists every offer the join accepted, cheapest blended price first, free
promotions last (flagged, never the market price). The caveats travel with the data rather than
as sentences to parse: `source` and `as_of` per offer, `match` and `match_score`, and
`quantization` (unknown in both sources today: another provider may serve other precision, and
Chutes serves many models in a TEE, which no other offer is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..query import BLEND_RATIO, blended_price
from ..values import json_safe
from .facts import FACT_COLUMNS

if TYPE_CHECKING:
    from . import Market

ELSEWHERE_COLUMNS = [
    "provider",
    "model_id",
    "price_input_usd",
    "price_output_usd",
    "price_cache_read_usd",
    "blended_usd",
    "context_length",
    "quantization",
    "free",
    "source",
    "as_of",
    "match",
    "match_score",
]


def elsewhere(offers: pd.DataFrame, v1_id: str, ratio: float = BLEND_RATIO) -> pd.DataFrame:
    """The offers of `v1_id` (`Market.offers`), `ELSEWHERE_COLUMNS`, cheapest first."""
    mine = offers.loc[offers["v1_id"].eq(v1_id)] if len(offers) else offers
    if not len(mine):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ELSEWHERE_COLUMNS})
    mine = mine.assign(blended_usd=blended_price(mine, "usd", ratio))
    mine = mine.sort_values(["free", "blended_usd", "provider"], na_position="last", kind="stable")
    return mine[ELSEWHERE_COLUMNS].reset_index(drop=True)


def detail_payload(columns: pd.DataFrame, offers: pd.DataFrame, v1_id: str | None) -> dict[str, Any]:
    """`{"market": [offer, ...], "facts": {...}}` for the API (JSON-safe; unknown -> null)."""
    known = v1_id is not None and v1_id in columns.index
    facts = {c: json_safe(columns.at[v1_id, c]) if known else None for c in FACT_COLUMNS}
    rows = elsewhere(offers, v1_id).to_dict("records") if v1_id is not None else []
    return {"market": [{k: json_safe(v) for k, v in r.items()} for r in rows], "facts": facts}


def model_market(found: Market | None, v1_id: Any) -> dict[str, Any]:
    """`detail_payload` of one merged row's `v1_id` (`/api/models/{chute_id}`): empty offers and
    null facts without a `/v1/models` entry, or when no market was built."""
    if found is None:
        return {"market": [], "facts": dict.fromkeys(FACT_COLUMNS)}
    return detail_payload(found.columns, found.offers, v1_id if isinstance(v1_id, str) else None)
