"""The speed and capacity features in headless Chromium (`streamlit run dashboard.py`, sample).

On the session's sample server (tests/conftest.py `sample_server`): the Models page shows the median-speed
KPI and follows the speed filters in the URL (the count matches the data layer); the Price vs
speed and Capacity now charts draw their points; the detail page shows the speed section.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from browser import StreamlitServer, dom_problems, load, main_text, metric_value, screenshot

from chutes_data import Settings, load_catalog
from chutes_data.query import Filters, apply_filters, sort_models, telemetry_kpis

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sample_server) -> StreamlitServer:
    """The session's server on the bundled sample (tests/conftest.py)."""
    return sample_server


@pytest.fixture(scope="module")
def models():
    return load_catalog(Settings(offline=True)).models


def test_models_page_speed_kpi_and_filters(page, server, models):
    assert not load(page, server.url + "/")
    median = telemetry_kpis(models)["median_tps"]
    assert metric_value(page, "Median speed") == f"{median:,.0f} tok/s"
    query = {"min_tps": "60", "max_ttft": "3", "no_cold": "true"}
    assert not load(page, f"{server.url}/?{urlencode(query)}")
    expected = apply_filters(models, Filters(min_tps=60.0, max_ttft=3.0, hide_cold=True))
    assert metric_value(page, "Models shown") == f"{len(expected):,}"
    assert 0 < len(expected) < len(models)
    screenshot(page, "speed-models-filtered")
    assert not dom_problems(page)


@pytest.mark.parametrize("view", ["Price vs speed", "Capacity now"])
def test_speed_charts_draw_points(page, server, view):
    assert not load(page, f"{server.url}/charts?charts_view={quote(view)}", timeout=150)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=30_000)
    assert len(page.query_selector_all(".js-plotly-plot .scatterlayer .point")) > 10
    screenshot(page, f"speed-chart-{view.replace(' ', '-').lower()}")
    assert not dom_problems(page)


def test_detail_page_speed_section(page, server, models):
    row = sort_models(models[models["source"].eq("both")], "fastest").iloc[0]
    assert not load(page, f"{server.url}/model_detail?chute_id={quote(row['chute_id'])}", timeout=150)
    text = main_text(page)
    assert "Speed and capacity" in text and "Test now" in text
    assert metric_value(page, "Output tokens/s (7 days)") == f"{row['tps_7d']:,.1f}"
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    screenshot(page, "speed-detail")


def test_first_table_probe_sees_the_grid_painted(page, server):
    """bench/bench_first_table.py's probe (issue 18): on the Models page it finds the grid canvas
    laid out and then its first row painted (text pixels under the header); a Streamlit change
    to the grid's test ids or drawing would make the benchmark time out instead of measuring."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import harness

    laid, painted = harness.first_table_times(page, server.url + "/", timeout_ms=60_000)
    assert 0 < laid <= painted
