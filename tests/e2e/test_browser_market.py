"""The market (issue 19) in headless Chromium on the session's sample server: the Chutes vs
market chart draws its points and the parity line, Model detail shows "About this model" and
"Same model elsewhere", Merge gaps and Data sources list the market; a screenshot of each."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browser import StreamlitServer, dom_problems, load, main_text, screenshot

from chutes_data import Settings, load_catalog
from chutes_data.market.chart import market_points

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sample_server) -> StreamlitServer:
    return sample_server


@pytest.fixture(scope="module")
def models():
    return load_catalog(Settings(offline=True)).models


def test_chutes_vs_market_chart(page, server, models):
    assert not load(page, f"{server.url}/charts?charts_view={quote('Chutes vs market')}", timeout=150)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=30_000)
    assert len(page.query_selector_all(".js-plotly-plot .scatterlayer .point")) == len(market_points(models))
    assert "Parity (same price)" in main_text(page) or page.query_selector("text=Parity (same price)")
    screenshot(page, "market-chart")
    assert not dom_problems(page)


def test_detail_about_and_elsewhere(page, server, models):
    row = models.loc[models["market_providers"].fillna(0).ge(3) & models["facts_source"].notna()].iloc[0]
    assert not load(page, f"{server.url}/model_detail?chute_id={quote(row['chute_id'])}", timeout=150)
    page.get_by_text("Same model elsewhere").first.scroll_into_view_if_needed()
    text = main_text(page)
    assert "About this model" in text and "Same model elsewhere" in text and "TEE" in text
    screenshot(page, "market-detail")


def test_merge_gaps_and_data_sources(page, server):
    assert not load(page, f"{server.url}/merge_gaps", timeout=150)
    page.get_by_text("Market near misses").first.scroll_into_view_if_needed()
    assert "No match in the market" in main_text(page)
    screenshot(page, "market-merge-gaps")
    assert not load(page, f"{server.url}/data_sources", timeout=150)
    page.get_by_text("Market (models.dev, OpenRouter)").first.scroll_into_view_if_needed()
    screenshot(page, "market-data-sources")
