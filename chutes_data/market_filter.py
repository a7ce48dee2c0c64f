"""The market and facts filters of the Models view (issue 19), kept beside `query.apply_filters`
(which calls `market_mask`): cheaper than the market, a cap on Chutes ÷ market, released on or
after a date, open weights only, hide deprecated. Unknown never passes a bound."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

DATE_PATTERN = r"\d{4}(-\d{2}(-\d{2})?)?"
"""A release date bound: YYYY, YYYY-MM or YYYY-MM-DD (the sources' dates are YYYY-MM[-DD])."""


def _column(models: pd.DataFrame, name: str) -> pd.Series:
    return models[name] if name in models.columns else pd.Series(np.nan, index=models.index)


def market_mask(models: pd.DataFrame, f: Any) -> pd.Series:
    """The rows satisfying `f`'s market fields (`query.Filters`)."""
    mask = pd.Series(True, index=models.index)
    ratio = pd.to_numeric(_column(models, "market_ratio"), errors="coerce")
    if f.cheaper_than_market:
        mask &= ratio.lt(1).fillna(False)
    if f.max_market_ratio is not None:
        mask &= ratio.le(f.max_market_ratio).fillna(False)
    after = (f.released_after or "").strip()
    if after and re.fullmatch(DATE_PATTERN, after):
        released = _column(models, "release_date")
        # "2025-06" is on or after "2025" and "2025-06"; compare the common prefix's order
        mask &= released.map(lambda d: isinstance(d, str) and d[: len(after)] >= after).astype(bool)
    if f.open_weights_only:
        mask &= _column(models, "open_weights").astype("boolean").fillna(False).astype(bool)
    if f.hide_deprecated:
        mask &= ~_column(models, "model_status").eq("deprecated")
    return mask
