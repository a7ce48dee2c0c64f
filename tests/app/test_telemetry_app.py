"""AppTest of the speed and capacity features on the bundled sample (synthetic telemetry)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from apptest import open_page
from kpis import app_kpi
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, load_catalog
from chutes_data.query import Filters, apply_filters, sort_models, telemetry_kpis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("apptest_env")


@pytest.fixture
def models() -> pd.DataFrame:
    return load_catalog(Settings.from_env(), allow_sample=True).models


def run(page: str | None = None, **query: str) -> AppTest:
    return open_page(page, timeout=90, **query)


def table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def test_models_table_has_speed_columns_and_the_median_tps_kpi(models):
    at = run()
    shown = table(at)
    assert {"tps", "ttft", "capacity"} <= set(shown.columns)
    assert shown["tps"].notna().sum() == models["tps_7d"].notna().sum() > 30
    assert {"ok", "busy", "throttling", "cold", "—"} == set(shown["capacity"])
    median = telemetry_kpis(models)["median_tps"]
    assert app_kpi(at, "Median speed") == f"{median:,.0f} tok/s"


def test_sort_fastest_and_quickest_first_token(models):
    at = run(sort="Fastest (tokens/s)")
    shown = table(at)
    expected = sort_models(models, "fastest")
    assert shown["name"].tolist() == expected["name"].tolist()
    known = shown["tps"].dropna()
    assert known.is_monotonic_decreasing and shown["tps"].iloc[: len(known)].notna().all()
    at = run(sort="Quickest first token")
    assert table(at)["ttft"].dropna().is_monotonic_increasing


def test_speed_filters_from_the_url(models):
    at = run(min_tps="80", max_ttft="3", no_throttle="true", no_cold="true")
    shown = table(at)
    expected = apply_filters(
        models, Filters(min_tps=80.0, max_ttft=3.0, hide_throttling=True, hide_cold=True)
    )
    assert len(shown) == len(expected) > 0
    assert (shown["tps"] >= 80).all() and (shown["ttft"] <= 3).all()
    assert not shown["capacity"].isin(["throttling", "cold"]).any()


def test_speed_filter_widgets(models):
    at = run()
    at.number_input(key="min_tps").set_value(100.0).run()
    assert not at.exception
    shown = table(at)
    assert len(shown) == int((models["tps_7d"] >= 100).sum()) > 0
    at.toggle(key="no_throttle").set_value(True).run()
    assert not table(at)["capacity"].eq("throttling").any()


@pytest.mark.parametrize("view", ["Price vs speed", "Capacity now"])
def test_speed_and_capacity_charts(view):
    at = run("pages/charts.py", charts_view=view)
    assert len(at.get("plotly_chart")) >= 1
    if view == "Capacity now":
        labels = {m.label for m in at.metric}
        assert {"Ok", "Busy", "Throttling", "Cold", "Unknown"} <= labels


def test_price_vs_ttft_chart():
    at = run("pages/charts.py", charts_view="Price vs speed")
    at.segmented_control(key="charts_speed_metric").set_value("ttft_7d_s").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    assert "time to first token" in at.subheader[0].value


def _fastest(models: pd.DataFrame) -> pd.Series:
    return sort_models(models[models["source"].eq("both")], "fastest").iloc[0]


def test_model_detail_speed_section_and_test_now_without_key(models):
    row = _fastest(models)
    at = run("pages/model_detail.py", chute_id=row["chute_id"])
    labels = {m.label: m.value for m in at.metric}
    assert labels["Output tokens/s (7 days)"] == f"{row['tps_7d']:,.1f}"
    assert labels["Time to first token (7 days)"] == f"{row['ttft_7d_s']:,.2f} s"
    assert any("Speed and capacity" in s.value for s in at.subheader)
    assert len(at.get("plotly_chart")) >= 1  # the 30-day lines
    assert any("Test now" in e.label for e in at.expander)
    assert not [b for b in at.button if b.key == "detail_probe_go"]  # no key: nothing to click
    assert any("CHUTES_API_KEY" in c.value for c in at.caption)


def test_compare_shows_speed_rows_and_lines(models):
    fast = sort_models(models[models["source"].eq("both")], "fastest")
    from ui import model_pick

    labels = model_pick.labels(models)
    picks = [labels[i] for i in fast.index[:2]]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/compare.py")
    at.run()
    at.multiselect(key="cmp_models").set_value(picks).run()
    assert not at.exception and not at.error
    side = at.dataframe[0].value
    assert "Speed (tokens/s, 7 days)" in side.index and "Capacity now" in side.index
    assert any("Speed and capacity" in s.value for s in at.subheader)


def test_calculator_shows_estimated_time(models):
    at = run("pages/calculator.py")
    shown = at.dataframe[0].value
    assert "est_seconds" in shown.columns and "per_request" in shown.columns
    from chutes_data.views.speed import estimated_seconds

    behind = models.set_index("name").loc[shown["name"]]
    expected = estimated_seconds(behind, at.number_input(key="calc_out").value)
    pd.testing.assert_series_equal(
        shown["est_seconds"].reset_index(drop=True), expected.reset_index(drop=True), check_names=False
    )


def test_data_sources_lists_each_telemetry_source():
    at = run("pages/data_sources.py")
    frame = next(
        d.value
        for d in at.dataframe
        if "source" in d.value.columns and "/chutes/utilization" in set(d.value["source"])
    )
    assert len(frame) == 6 and set(frame["origin"]) == {"sample"}
    assert "/chutes/utilization" in set(frame["source"])
