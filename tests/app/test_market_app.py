"""AppTest of the market (issue 19) on the pages: Data sources lists both keyless sources, and a
failing one is named by the banner while the catalog stays whole."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from apptest import open_page
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, load_catalog
from chutes_data.service import runtime
from chutes_data.service.refresher import Snapshot
from chutes_data.sources.loading import source_data

ROOT = Path(__file__).resolve().parents[2]


class FakeService:
    """What ui/ uses of a running Service (as in test_live_ui.py)."""

    own_loop = False

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.memos: dict[int, dict] = {}

    def memo(self, snapshot: Snapshot) -> dict:
        return self.memos.setdefault(snapshot.revision, {})

    def wait_ready(self, timeout: float | None = None) -> Snapshot:
        return self.snapshot

    def refresh_blocking(self, timeout: float | None = None) -> Snapshot:
        return self.snapshot


def test_data_sources_lists_both_market_sources(apptest_env):
    at = open_page("pages/data_sources.py", timeout=90)
    assert not at.exception
    frame = next(
        d.value
        for d in at.dataframe
        if "source" in d.value.columns and "OpenRouter" in set(d.value["source"])
    )
    assert list(frame["source"]) == ["models.dev", "OpenRouter"] and set(frame["origin"]) == {"sample"}
    settings = next(d.value for d in at.dataframe if "env" in d.value.columns)
    assert {"CHUTES_MODELS_DEV_URL", "CHUTES_OPENROUTER_URL", "CHUTES_MARKET_MINUTES"} <= set(settings["env"])


def test_the_banner_names_a_failing_market_source(apptest_env, monkeypatch):
    settings = Settings(offline=True)
    catalog = load_catalog(settings)
    at_cache = {"origin": "cache", "fetched_at": datetime.now(UTC)}  # not the sample: the banner speaks
    catalog = dataclasses.replace(
        catalog,
        chutes=dataclasses.replace(
            catalog.chutes, status=dataclasses.replace(catalog.chutes.status, **at_cache)
        ),
        v1=dataclasses.replace(catalog.v1, status=dataclasses.replace(catalog.v1.status, **at_cache)),
        market={
            **catalog.market,
            "openrouter": source_data(
                settings, "openrouter", "none", None, fetched_at=None, error="openrouter: answered HTTP 500"
            ),
        },
    )
    monkeypatch.setattr(runtime, "_current", FakeService(Snapshot(1, catalog, datetime.now(UTC))))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    said = [w.value for w in at.warning if "Market" in w.value]
    assert len(said) == 1 and "OpenRouter" in said[0] and "HTTP 500" in said[0]
    assert "models.dev" not in said[0] and "catalog itself is unaffected" in said[0]


def _sample_models():
    return load_catalog(Settings(offline=True)).models


def test_models_table_has_the_market_and_facts_columns(apptest_env):
    models = _sample_models()
    at = open_page(timeout=90)
    shown = at.dataframe[0].value
    assert {"market_min", "market_ratio", "market_provider", "released", "open_weights"} <= set(shown.columns)
    assert shown["market_ratio"].notna().sum() == models["market_ratio"].notna().sum() > 20
    assert set(shown["open_weights"]) <= {"open", "closed", "—"} and "open" in set(shown["open_weights"])


def test_model_detail_shows_about_and_same_model_elsewhere(apptest_env):
    models = _sample_models()
    row = models.loc[models["market_providers"].fillna(0).ge(3) & models["facts_source"].notna()].iloc[0]
    at = open_page("pages/model_detail.py", timeout=90, chute_id=row["chute_id"])
    headers = [s.value for s in at.subheader]
    assert "About this model" in headers and "Same model elsewhere" in headers
    about = next(
        d.value for d in at.dataframe if "field" in d.value.columns and "Facts from" in set(d.value["field"])
    )
    facts = dict(zip(about["field"], about["value"], strict=True))
    assert facts["Facts from"] == row["facts_source"] and facts["Released"] == (row["release_date"] or "—")
    offers = next(
        d.value for d in at.dataframe if "provider" in d.value.columns and "as_of" in d.value.columns
    )
    assert (
        len(offers) >= row["market_providers"]
        and offers["blended_usd"].iloc[0] == row["market_min_blended_usd"]
    )
    assert offers["provider"].iloc[0] == row["market_min_provider"]
    captions = " ".join(c.value for c in at.caption)
    assert "TEE" in captions and "quantization" in captions


def test_model_detail_without_a_match_says_so(apptest_env):
    models = _sample_models()
    row = models.loc[
        models["market_match"].isna() & models["facts_source"].isna() & models["chute_id"].notna()
    ].iloc[0]
    at = open_page("pages/model_detail.py", timeout=90, chute_id=row["chute_id"])
    captions = " ".join(c.value for c in at.caption)
    assert "No facts found" in captions and "No other provider found" in captions


def test_market_filters_and_sort_from_the_url(apptest_env):
    models = _sample_models()
    at = open_page(timeout=90, cheaper="true", sort="market")
    shown = at.dataframe[0].value
    assert len(shown) == models["market_ratio"].lt(1).sum() > 0
    assert shown["market_ratio"].lt(1).all() and shown["market_ratio"].is_monotonic_increasing
    at = open_page(timeout=90, released="2026", no_deprecated="true", open_weights="true")
    shown = at.dataframe[0].value
    assert len(shown) > 0 and (shown["released"] >= "2026").all()
    assert set(shown["open_weights"]) == {"open"} and "deprecated" not in set(shown["model_status"])


def test_charts_chutes_vs_market_is_log_log_with_parity_and_both_offers_in_the_hover(apptest_env):
    from chutes_data.market.chart import market_points

    models = _sample_models()
    at = open_page("pages/charts.py", timeout=90, charts_view="Chutes vs market")
    assert "Chutes vs the cheapest elsewhere" in " ".join(s.value for s in at.subheader)
    import json

    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = {t["name"]: t for t in fig["data"]}
    assert set(traces) == {"Chutes cheaper", "Market cheaper or equal", "Parity (same price)"}
    assert fig["layout"]["xaxis"]["type"] == fig["layout"]["yaxis"]["type"] == "log"
    parity = traces["Parity (same price)"]
    assert parity["x"] == parity["y"] and parity["line"]["dash"] == "dash"
    points = market_points(models)
    cheaper, dearer = traces["Chutes cheaper"]["customdata"], traces["Market cheaper or equal"]["customdata"]
    assert len(cheaper) == points["market_ratio"].lt(1).sum() > 0  # (x, y are binary-packed)
    assert len(cheaper) + len(dearer) == len(points)
    assert all(float(r[3]) < 1 for r in cheaper) and all(float(r[3]) >= 1 for r in dearer)
    hover = traces["Chutes cheaper"]["hovertemplate"]
    assert "Chutes:" in hover and "cheapest elsewhere" in hover and "customdata[2]" in hover
    assert all(row[2] != "—" for row in traces["Chutes cheaper"]["customdata"])  # the provider is named


def test_merge_gaps_lists_unmatched_models_and_refused_market_near_misses(apptest_env):
    catalog = load_catalog(Settings(offline=True))
    at = open_page("pages/merge_gaps.py", timeout=90)
    heads = [s.value for s in at.subheader]
    unmatched = catalog.models.loc[catalog.models["v1_id"].notna() & catalog.models["market_match"].isna()]
    assert f"No match in the market ({len(unmatched):,})" in heads
    near = catalog.market_view.near_misses
    assert f"Market near misses ({len(near):,})" in heads and len(near) > 0
    frame = next(
        d.value for d in at.dataframe if "reason" in d.value.columns and "provider" in d.value.columns
    )
    assert set(frame["v1_id"]) == set(near["v1_id"])
    assert frame["reason"].str.contains("exp|another lab|version|size", case=False).any()  # decoys refused
    lonely = next(d.value for d in at.dataframe if list(d.value.columns) == ["v1_id", "root", "details"])
    assert set(lonely["v1_id"]) == set(unmatched["v1_id"])


def test_compare_shows_same_model_elsewhere_per_model(apptest_env):
    models = _sample_models()
    matched = models.loc[models["market_providers"].fillna(0).gt(0)]
    a, b = matched.iloc[0], models.loc[models["market_match"].isna() & models["v1_id"].notna()].iloc[0]
    at = open_page("pages/compare.py", timeout=90)
    at.multiselect(key="cmp_models").set_value([a["name"], b["name"]]).run()
    assert not at.exception
    assert "Same model elsewhere" in [s.value for s in at.subheader]
    offers = [d.value for d in at.dataframe if "blended_usd" in d.value.columns]
    assert len(offers) == 1 and offers[0]["blended_usd"].iloc[0] == a["market_min_blended_usd"]
    assert "No other provider found for this model." in [c.value for c in at.caption]
