"""The market and facts filters and the "Best vs market" sort, through the one filter vocabulary."""

from __future__ import annotations

import pandas as pd
import pytest

from chutes_data import Settings, load_catalog
from chutes_data.filters import ParameterError, view_from
from chutes_data.query import Filters, apply_filters, sort_models


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    return load_catalog(Settings(offline=True)).models


def test_cheaper_than_the_market_keeps_only_known_ratios_below_one(models):
    got = apply_filters(models, view_from({"cheaper_than_market": ["true"]}).filters)
    assert len(got) == models["market_ratio"].lt(1).sum() > 0
    assert got["market_ratio"].lt(1).all()
    assert view_from({"cheaper": ["1"]}).filters.cheaper_than_market  # the dashboard's URL key


def test_max_market_ratio(models):
    got = apply_filters(models, view_from({"max_market_ratio": ["1"]}).filters)
    assert (
        len(got)
        == models["market_ratio"].le(1).sum()
        > len(apply_filters(models, Filters(cheaper_than_market=True)))
    )
    with pytest.raises(ParameterError, match="max_market_ratio"):
        view_from({"max_market_ratio": ["-1"]})


@pytest.mark.parametrize("after", ["2026", "2026-03", "2026-03-04"])
def test_released_after_compares_by_prefix(models, after):
    got = apply_filters(models, view_from({"released_after": [after]}).filters)
    known = models["release_date"].dropna()
    assert len(got) == sum(d[: len(after)] >= after for d in known) > 0
    assert got["release_date"].notna().all()


@pytest.mark.parametrize("bad", ["2026/03", "last year", "20260", "2026-3"])
def test_released_after_refuses_other_spellings(bad):
    with pytest.raises(ParameterError, match="released_after.*YYYY"):
        view_from({"released_after": [bad]})


def test_open_weights_and_hide_deprecated(models):
    open_only = apply_filters(models, view_from({"open_weights": ["true"]}).filters)
    assert len(open_only) == models["open_weights"].fillna(False).astype(bool).sum() > 0
    kept = apply_filters(models, view_from({"hide_deprecated": ["true"]}).filters)
    deprecated = models["model_status"].eq("deprecated").sum()
    assert deprecated > 0 and len(kept) == len(models) - deprecated


def test_best_vs_market_sorts_by_ratio_unknown_last(models):
    view = view_from({"sort": ["market"]})
    ordered = sort_models(models, view.sort)
    known = ordered["market_ratio"].notna().sum()
    assert ordered["market_ratio"].iloc[:known].is_monotonic_increasing
    assert ordered["market_ratio"].iloc[known:].isna().all()
    assert view_from({"sort": ["Best vs market"]}).sort == "market"  # the label is an alias
