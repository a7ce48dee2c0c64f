"""The Charts, Merge gaps and Data sources pages, and the pure modules behind them.

* `chutes_data.views.charts` / `chutes_data.views.gaps`: unit tests on small hand-made frames and on
  the bundled sample (expected values computed independently of the functions under test).
* `ui.charts`: figures escape upstream text, ticks never use SI prefixes.
* AppTest on the bundled sample: no exception, no error element, and real content checked
  against `chutes_data` called directly (chart points, merge-report KPIs and tables, source
  status); filters and the currency change what the charts show; the API key never appears.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio
import pytest
from apptest import ok, open_page
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, load_catalog
from chutes_data.merge import Conflict, NearMiss, merge_catalogs
from chutes_data.schema import MERGED_COLUMNS, context_tokens
from chutes_data.sources.registry import SAMPLE_DIR, SAMPLE_FILES
from chutes_data.sources.types import SourceStatus
from chutes_data.views import charts
from chutes_data.views import gaps as diagnostics
from chutes_data.views import sources as source_views

ROOT = Path(__file__).resolve().parents[2]
CHARTS, GAPS, SOURCES = "pages/charts.py", "pages/merge_gaps.py", "pages/data_sources.py"
VIEWS = ("Input vs output price", "Context length", "Price vs context", "Popularity", "Instances & GPUs")
SECRET = "cpk_zz9PluralZAlpha.Sekrit0042.TESTKEYxyzzy"
SECRET_PARTS = ("zz9PluralZAlpha", "Sekrit0042", "TESTKEYxyzzy")


# ---------------------------------------------------------------------------- fixtures
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)


@pytest.fixture
def catalog():
    return load_catalog(Settings.from_env(), allow_sample=True)


@pytest.fixture
def models(catalog) -> pd.DataFrame:
    return catalog.models


# ---------------------------------------------------------------------------- helpers
def figures(at: AppTest) -> list[Any]:
    """The plotly figures on the page, decoded."""
    return [pio.from_json(el.proto.spec, skip_invalid=True) for el in at.get("plotly_chart")]


def values(array: Any) -> list:
    """A trace's x/y as a list (plotly 6+ serializes numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array) if array is not None else []


def points(fig: Any) -> list[tuple[float, float]]:
    return sorted(
        (float(x), float(y)) for t in fig.data for x, y in zip(values(t.x), values(t.y), strict=True)
    )


def pick_view(at: AppTest, view: str) -> AppTest:
    at.segmented_control(key="charts_view").set_value(view)
    return ok(at.run())


def metric(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def everything_shown(at: AppTest) -> str:
    """Every proto of every element and block (labels, values, help, table bytes...)."""
    parts = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
    for d in at.dataframe:
        parts.append(d.value.to_csv())
    return "\n".join(parts)


def tiny(**columns: list) -> pd.DataFrame:
    """A merged-schema frame of len(columns' lists) rows; unspecified columns are NA."""
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {c: [None] * n for c in MERGED_COLUMNS}
    base.update(
        source=["chutes"] * n,
        template=["vllm"] * n,
        input_modalities=[[] for _ in range(n)],
        output_modalities=[[] for _ in range(n)],
        supported_features=[[] for _ in range(n)],
        regions=[[] for _ in range(n)],
        supported_gpus=[[] for _ in range(n)],
        official=[True] * n,
    )
    base.update(columns)
    frame = pd.DataFrame(base)
    for col in ("instances_active", "instances_total", "context_length", "max_model_len", "invocation_count"):
        frame[col] = frame[col].astype("Int64")
    for col in ("hot", "public", "tee"):
        frame[col] = frame[col].astype("boolean")
    for col in [c for c in MERGED_COLUMNS if c.startswith("price_") and c != "price_unit"]:
        frame[col] = frame[col].astype("float64")
    if "context_tokens" not in columns:  # derived as the merge derives it
        frame["context_tokens"] = context_tokens(frame)
    return frame


# ============================================================================ chutes_data.charts
def test_price_points_keep_only_known_positive_prices():
    m = tiny(
        name=["a", "b", "c", "d", "e"],
        chute_id=["1", "2", "3", "4", "5"],
        price_input_usd=[0.1, None, 0.0, 0.2, 0.3],
        price_output_usd=[0.5, 0.4, 0.2, None, 0.9],
        price_input_tao=[0.001, None, 0.0, 0.002, None],
        price_output_tao=[0.005, 0.004, 0.002, None, None],
        context_length=[None, 8192, None, None, None],
        max_model_len=[4096, None, None, None, None],
    )
    usd = charts.price_points(m, "usd")
    assert usd["name"].tolist() == ["a", "e"]
    assert usd["price_input"].tolist() == [0.1, 0.3]
    assert usd["context"].tolist()[0] == 4096  # falls back to the engine limit
    assert charts.price_gaps(m, "usd") == {"shown": 2, "free": 1, "unpriced": 2}
    tao = charts.price_points(m, "tao")
    assert tao["name"].tolist() == ["a"] and tao["price_output"].tolist() == [0.005]
    assert charts.price_gaps(m, "tao") == {"shown": 1, "free": 1, "unpriced": 3}


def test_price_context_points_need_both():
    m = tiny(
        name=["a", "b", "c"],
        price_input_usd=[0.1, 0.2, None],
        price_output_usd=[1.0, None, 2.0],
        context_length=[32768, None, 65536],
        max_model_len=[None, None, None],
    )
    assert charts.price_context_points(m, "usd", "input")["name"].tolist() == ["a"]
    out = charts.price_context_points(m, "usd", "output")
    assert out["name"].tolist() == ["a", "c"] and out["price"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        charts.price_context_points(m, "usd", "step")


@pytest.mark.parametrize(
    ("tokens", "label"), [(512, "512"), (8192, "8K"), (131072, "128K"), (1048576, "1M"), (2097152, "2M")]
)
def test_power_of_two_labels(tokens, label):
    assert charts.power_of_two_label(tokens) == label


def test_context_buckets_are_half_open_powers_of_two_without_gaps():
    m = tiny(
        name=list("abcde"),
        template=["vllm", "vllm", "vllm", "custom", "vllm"],
        context_length=[131072, 131071, None, 8192, None],
        max_model_len=[None, None, 1048576, None, None],
    )
    b = charts.context_buckets(m)
    counts = b.groupby("bucket", sort=False)["models"].sum()
    assert counts["128K–256K"] == 1 and counts["64K–128K"] == 1 and counts["1M–2M"] == 1
    assert counts["8K–16K"] == 1
    # every bucket from 8K to 1M is on the axis, zero-filled, once per template present
    lows = sorted(set(b["bucket_low"]))
    assert lows == [2**k for k in range(13, 21)]
    assert set(b["template"]) == {"vllm", "custom"} and len(b) == len(lows) * 2
    assert int(b["models"].sum()) == 4  # the row with no context at all is not counted
    assert charts.context_buckets(m.iloc[0:0]).empty
    assert charts.context_buckets(tiny(name=["x"])).empty


def test_top_invocations_sorted_limited_and_labels_unique():
    m = tiny(
        name=["dup", "dup", "solo", "v1only", "none"],
        owner=["chutes", "alice", "bob", None, "x"],
        chute_id=["c1", "c2", "c3", "c4", "c5"],
        source=["both", "chutes", "chutes", "v1", "chutes"],
        invocation_count=[50, 70, 10, 999, None],
    )
    top = charts.top_invocations(m, 10)
    assert top["invocations"].tolist() == [70, 50, 10]  # v1-only and unknown counts left out
    assert top["label"].tolist() == ["dup (alice)", "dup (chutes)", "solo"]
    assert charts.top_invocations(m, 2)["name"].tolist() == ["dup", "dup"]
    same = tiny(
        name=["x", "x"], owner=["o", "o"], chute_id=["aaaaaaaa-1", "bbbbbbbb-2"], invocation_count=[2, 1]
    )
    assert charts.top_invocations(same, 5)["label"].tolist() == ["x (o) · aaaaaaaa", "x (o) · bbbbbbbb"]


def test_instances_and_gpus():
    m = tiny(
        name=list("abcd"),
        template=["vllm", "vllm", "diffusion", "vllm"],
        source=["chutes", "both", "chutes", "v1"],
        hot=[True, False, True, None],
        instances_active=[3, 0, 2, None],
        instances_total=[4, 1, 2, None],
        supported_gpus=[["h100", "a100", "h100"], ["h100"], ["l40"], []],
    )
    by = charts.instances_by_template(m)
    assert by.to_dict("records") == [
        {"template": "vllm", "chutes": 2, "hot_chutes": 1, "instances_active": 3, "instances_total": 5},
        {"template": "diffusion", "chutes": 1, "hot_chutes": 1, "instances_active": 2, "instances_total": 2},
    ]
    top = charts.top_instances(m, 10)
    assert top["name"].tolist() == ["a", "c"]  # zero active left out
    gpus = charts.gpu_counts(m)
    assert gpus.to_dict("records") == [
        {"gpu": "h100", "chutes": 2, "hot_chutes": 1},
        {"gpu": "a100", "chutes": 1, "hot_chutes": 1},
        {"gpu": "l40", "chutes": 1, "hot_chutes": 1},
    ]
    empty = m.iloc[0:0]
    assert charts.instances_by_template(empty).empty and charts.gpu_counts(empty).empty
    assert charts.top_instances(empty).empty and charts.top_invocations(empty).empty


def test_chart_frames_on_the_sample_agree_with_the_catalog(models):
    ctx = models["context_length"].fillna(models["max_model_len"])
    assert int(charts.context_buckets(models)["models"].sum()) == int(ctx.notna().sum())
    both = models["price_input_usd"].gt(0) & models["price_output_usd"].gt(0)
    assert len(charts.price_points(models, "usd")) == int(both.sum()) > 20
    chutes_rows = models[models["source"] != "v1"]
    by = charts.instances_by_template(models)
    assert int(by["instances_active"].sum()) == int(chutes_rows["instances_active"].sum())
    assert int(by["chutes"].sum()) == len(chutes_rows)
    gpus = charts.gpu_counts(models)
    for gpu in gpus["gpu"].head(3):
        n = int(chutes_rows["supported_gpus"].map(lambda v, g=gpu: g in v).sum())
        assert int(gpus.loc[gpus["gpu"] == gpu, "chutes"].iloc[0]) == n


# ============================================================================ ui.charts
def test_figures_escape_upstream_text():
    from ui import figures as ui_charts

    evil = "<img src=x onerror=alert(1)><b>Evil</b>"
    m = tiny(
        name=[evil, "ok"],
        owner=["<script>x</script>", "chutes"],
        chute_id=["c1", "c2"],
        template=["<i>weird</i>", "vllm"],
        price_input_usd=[0.1, 0.2],
        price_output_usd=[0.3, 0.4],
        context_length=[8192, 16384],
        invocation_count=[5, 4],
        instances_active=[1, 2],
        instances_total=[1, 2],
        supported_gpus=[["<u>gpu</u>"], ["h100"]],
        hot=[True, False],
    )
    figs = [
        ui_charts.price_scatter(charts.price_points(m, "usd"), "usd"),
        ui_charts.price_context_scatter(charts.price_context_points(m, "usd", "input"), "usd", "input"),
        ui_charts.context_histogram(charts.context_buckets(m)),
        ui_charts.popularity_bars(charts.top_invocations(m, 5)),
        ui_charts.instances_bars(charts.top_instances(m, 5)),
        ui_charts.template_instances_bars(charts.instances_by_template(m)),
        ui_charts.gpu_bars(charts.gpu_counts(m)),
    ]
    texts = [json.dumps(json.loads(fig.to_json()), ensure_ascii=False) for fig in figs]
    for text in texts:
        for raw in ("<img", "<script", "<i>", "<u>", "<b>Evil"):
            assert raw not in text, (raw, text[:300])
    assert "&lt;img src=x onerror=alert(1)&gt;" in texts[0]
    assert "&lt;i&gt;weird&lt;/i&gt;" in {t.name for t in figs[0].data}  # unknown template's legend
    assert "&lt;u&gt;gpu&lt;/u&gt;" in texts[-1]


def test_money_ticks_are_plain_decimals():
    from ui import figures as ui_charts

    assert ui_charts.money_tick(0.0001, "tao") == "0.0001 τ"
    assert ui_charts.money_tick(0.05, "usd") == "$0.05"
    assert ui_charts.money_tick(2, "usd") == "$2"
    ticks = ui_charts.log_ticks([0.02, 1.3])
    assert ticks[0] <= 0.02 * 1.6 and ticks[-1] >= 1.3 / 1.6
    assert all(str(t)[0] in "125" or str(t).startswith("0.") for t in ticks)
    assert ui_charts.log_ticks([]) == []


def test_selected_chute_ids_reads_customdata():
    from types import SimpleNamespace

    from ui import figures as ui_charts

    event = SimpleNamespace(
        selection=SimpleNamespace(
            points=[
                {"customdata": ["name", "id-1", "owner"]},
                {"customdata": ["n", "", "o"]},
                {"customdata": ["name", "id-1", "owner"]},
                {"x": 1},
            ]
        )
    )
    assert ui_charts.selected_chute_ids(event) == ["id-1"]
    assert ui_charts.selected_chute_ids(None) == []


# ============================================================================ chutes_data.diagnostics
def test_gap_frames_follow_the_report(catalog):
    report, models = catalog.report, catalog.models
    methods = diagnostics.method_frame(report)
    assert dict(zip(methods["method"], methods["joined"], strict=True)) == report.by_method
    assert math.isclose(methods["share"].sum(), 1.0)
    breakdown = diagnostics.only_in_chutes_breakdown(models)
    total = breakdown[breakdown["template"] == "all"].iloc[0]
    assert int(total["total"]) == report.only_in_chutes
    assert int(total["community"]) == report.unofficial_only_in_chutes
    per = breakdown[breakdown["template"] != "all"].set_index("template")["total"].to_dict()
    assert per == report.only_in_chutes_by_template
    only_v1 = diagnostics.only_in_v1_frame(models, report, lambda c, n: f"L:{c}:{n}")
    assert only_v1["v1_id"].tolist() == list(report.only_in_v1_ids)
    conflicts = diagnostics.conflicts_frame(report)
    assert len(conflicts) == len(report.conflicts)
    assert len(diagnostics.fuzzy_frame(report)) == len(report.fuzzy_matches)


def test_conflict_and_near_miss_rows_are_text():
    empty = merge_catalogs(pd.DataFrame(), pd.DataFrame()).report
    report = dataclasses.replace(
        empty,
        conflicts=(
            Conflict(name="m", chute_id="c", field="price_input_usd", chutes_value=0.5, v1_value=0.4),
            Conflict(name="m", chute_id="c", field="context_length", chutes_value=32768, v1_value=65536),
            Conflict(name="m", chute_id="c", field="tee", chutes_value=True, v1_value=False),
            Conflict(name="m", chute_id=None, field="name", chutes_value="a", v1_value=None),
        ),
        near_misses=(
            NearMiss(
                v1_id="Qwen/Qwen3-32B",
                candidate="Qwen/Qwen3-30B",
                chute_id="c9",
                score=91.0,
                reason="version tokens differ: 32B vs 30B",
            ),
            NearMiss(
                v1_id="x",
                candidate=None,
                chute_id=None,
                score=None,
                reason="ambiguous normalized name: 2 candidates",
            ),
        ),
    )
    c = diagnostics.conflicts_frame(report, lambda cid, name: f"model?chute_id={cid}" if cid else None)
    assert c["chutes_value"].tolist() == ["$0.5", "32,768 tokens", "yes", "a"]
    assert c["v1_value"].tolist() == ["$0.4", "65,536 tokens", "no", "—"]
    assert c["note"].iloc[0].startswith("/chutes/ +25.0%")
    assert c["details"].iloc[0] == "model?chute_id=c" and pd.isna(c["details"].iloc[3])
    n = diagnostics.near_miss_frame(report, lambda cid, name: f"model?chute_id={cid}")
    assert n["candidate"].tolist() == ["Qwen/Qwen3-30B", "—"]
    assert n["details"].iloc[0] == "model?chute_id=c9" and pd.isna(n["details"].iloc[1])
    assert n["score"].iloc[0] == 91.0 and pd.isna(n["score"].iloc[1])
    # a report without conflicts or near misses gives empty frames with the columns
    assert list(diagnostics.conflicts_frame(empty).columns) == [
        "name",
        "details",
        "field",
        "chutes_value",
        "v1_value",
        "note",
    ]
    assert diagnostics.near_miss_frame(empty).empty and diagnostics.method_frame(empty)["joined"].sum() == 0
    assert list(diagnostics.fuzzy_frame(empty).columns) == ["v1_id", "name", "score", "details"]


def test_settings_rows_never_hold_the_key():
    s = Settings(api_key=SECRET, base_url="https://user:pw@api.example.com/x?token=abc#f")
    rows = source_views.settings_rows(s)
    text = rows.to_csv()
    assert SECRET not in text and not any(p in text for p in SECRET_PARTS)
    assert rows.set_index("setting").at["API key", "value"] == "configured"
    assert "pw" not in text and "token" not in text
    assert rows.set_index("setting").at["Chutes API base URL", "value"] == "https://***@api.example.com/x"
    assert source_views.settings_rows(Settings()).set_index("setting").at["API key", "value"] == "not set"


def test_scrub_redacts_key_and_url_credentials():
    assert source_views.scrub(f"401 for Bearer {SECRET}", SECRET) == "401 for Bearer [redacted]"
    assert source_views.scrub("bad 'https://me:secret@host/x'") == "bad 'https://***@host/x'"
    assert source_views.scrub(None) == ""


def test_source_facts():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    stale = SourceStatus(
        "chutes", "cache", now - timedelta(hours=2), 1234, True, True, f"timeout with key {SECRET}", 600.0
    )
    f = source_views.source_facts(stale, now, SECRET, settings=Settings())
    assert f["origin"] == "cache" and f["age"] == "2 hours" and f["count"] == "1,234"
    assert f["stale"].startswith("yes") and f["fresh"].startswith("expired") and f["state"] == "stale"
    assert SECRET not in f["error"] and "[redacted]" in f["error"]
    sample = SourceStatus("v1", "sample", None, 64, False, True, None, 600.0)
    g = source_views.source_facts(sample, now, settings=Settings())
    assert g["age"] == "—" and g["error"] == "none" and "sample" in g["fetched_at"]


def test_recorded_error_fills_in_when_the_sample_stands_in(tmp_path):
    from chutes_data.sources.cache import DiskCache

    at = datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    DiskCache(tmp_path).write_error("chutes", f"401 Unauthorized for {SECRET}", at)
    live = Settings(api_key=SECRET, cache_dir=tmp_path)
    recorded = source_views.recorded_error(live, "chutes")
    assert recorded is not None and source_views.recorded_error(live, "v1") is None
    assert source_views.recorded_error(live.with_(offline=True), "chutes") is None
    sample = SourceStatus("chutes", "sample", None, 180, False, True, None, 600.0)
    facts = source_views.source_facts(sample, at, SECRET, recorded, settings=live)
    assert facts["error"] == "401 Unauthorized for [redacted] (at 2026-01-01 11:00 UTC)"
    # an error of this very load wins over the recorded one
    failed = SourceStatus("chutes", "none", None, 0, False, False, "timeout", 600.0)
    assert source_views.source_facts(failed, at, SECRET, recorded, settings=live)["error"] == "timeout"


def test_sources_page_shows_the_recorded_failure(monkeypatch, tmp_path):
    from chutes_data.sources.cache import DiskCache

    monkeypatch.setenv("CHUTES_OFFLINE", "0")
    monkeypatch.setenv("CHUTES_BASE_URL", "ftp://nowhere.invalid")  # fails before any request
    monkeypatch.setenv("CHUTES_LLM_BASE_URL", "ftp://nowhere.invalid")
    monkeypatch.setenv("CHUTES_API_KEY", SECRET)
    at = open_page(SOURCES)
    assert metric(at, "Origin") == ["sample", "sample"]  # the dashboard's fallback
    facts = [d.value for d in at.dataframe if "fact" in d.value.columns]
    errors = [f.set_index("fact").at["last error", "value"] for f in facts]
    assert all("ftp" in e and "UTC" in e for e in errors), errors
    assert DiskCache(tmp_path / "cache").read_error("v1") is not None
    assert not any(p in everything_shown(at) for p in (SECRET, *SECRET_PARTS))


# ============================================================================ Charts page
def test_charts_every_view_draws_a_chart(models):
    at = open_page(CHARTS)
    assert at.title[0].value == "Charts"
    assert len(at.sidebar.children) > 0  # the router and the sidebar ran too
    for view in VIEWS:
        pick_view(at, view)
        figs = figures(at)
        assert figs, view
        for fig in figs:
            assert fig.layout.xaxis.title.text or fig.layout.yaxis.title.text, view
        assert not at.info or all("bundled sample" in i.value for i in at.info), view
    # the capacity view has both instance modes and the GPU chart
    at.segmented_control(key="charts_cap_by").set_value("models")
    ok(at.run())
    assert len(figures(at)) == 2
    assert [s.value for s in at.subheader] == ["Top models by active instances", "GPU types across chutes"]


def test_price_scatter_plots_exactly_the_priced_models(models):
    at = open_page(CHARTS)
    fig = figures(at)[0]
    expected = charts.price_points(models, "usd")
    assert points(fig) == sorted(zip(expected["price_input"], expected["price_output"], strict=True))
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "USD per 1M tokens" in fig.layout.xaxis.title.text
    assert all(t.startswith("$") for t in fig.layout.xaxis.ticktext)


def test_currency_switch_redraws_in_tao(models):
    at = open_page(CHARTS, cur="TAO")
    fig = figures(at)[0]
    expected = charts.price_points(models, "tao")
    assert points(fig) == sorted(zip(expected["price_input"], expected["price_output"], strict=True))
    assert "TAO per 1M tokens" in fig.layout.yaxis.title.text
    assert all(t.endswith(" τ") for t in fig.layout.yaxis.ticktext)
    assert "TAO" in at.subheader[0].value


def test_template_filter_from_the_url_empties_the_price_scatter(models):
    at = open_page(CHARTS, template="diffusion")
    assert at.multiselect(key="template").value == ["diffusion"]
    assert not at.get("plotly_chart")
    assert any("No model with both an input and an output price" in i.value for i in at.info)
    n = int((models["template"] == "diffusion").sum())
    assert at.caption[0].value.startswith(f"{n} of {len(models)} models")
    # other views still draw, for the filtered rows only
    pick_view(at, "Popularity")
    names = {t.name for t in figures(at)[0].data}
    assert names == {"Image (diffusion)"}


def test_sidebar_filter_changes_the_chart(models):
    at = open_page(CHARTS)
    pick_view(at, "Popularity")
    before = {t.name for t in figures(at)[0].data}
    assert len(before) > 1
    at.multiselect(key="template").set_value(["tei"])
    ok(at.run())
    fig = figures(at)[0]
    assert {t.name for t in fig.data} == {"Embeddings (tei)"}
    tei = models[(models["template"] == "tei") & models["invocation_count"].notna()]
    assert sum(len(values(t.x)) for t in fig.data) == min(20, len(tei))


def test_popularity_top_n_matches_the_data(models):
    at = open_page(CHARTS, charts_view="Popularity")
    assert at.segmented_control(key="charts_view").value == "Popularity"
    at.slider(key="charts_top_n").set_value(10)
    ok(at.run())
    fig = figures(at)[0]
    expected = charts.top_invocations(models, 10)
    shown = sorted((int(x), str(y)) for t in fig.data for x, y in zip(values(t.x), values(t.y), strict=True))
    assert shown == sorted(zip(expected["invocations"].astype(int), expected["label"], strict=True))
    assert fig.layout.xaxis.title.text == "Invocations, past day"  # what /chutes/ reports


def test_context_view_counts_every_stated_context(models):
    at = open_page(CHARTS, charts_view="Context length")
    fig = figures(at)[0]
    ctx = models["context_length"].fillna(models["max_model_len"])
    assert sum(int(sum(values(t.y))) for t in fig.data) == int(ctx.notna().sum())
    assert "tokens" in fig.layout.xaxis.title.text and fig.layout.yaxis.title.text == "Models"


def test_filters_that_leave_nothing_give_friendly_empty_states():
    at = open_page(CHARTS, q="no-such-model-anywhere")
    for view in VIEWS:
        pick_view(at, view)
        assert not at.get("plotly_chart"), view
        assert any("Loosen a filter" in i.value for i in at.info), view


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "prices", ""])
def test_odd_chart_choice_in_the_url_falls_back(value):
    at = open_page(CHARTS, charts_view=value)
    assert at.segmented_control(key="charts_view").value in (VIEWS[0], None)  # '' may clear it
    assert at.subheader[0].value.startswith("Input vs output price")
    assert len(figures(at)) == 1


# ============================================================================ Merge gaps page
def test_merge_gaps_kpis_equal_the_report(catalog):
    report = catalog.report
    at = open_page(GAPS)
    assert at.title[0].value == "Merge gaps"
    for label, key in (
        ("Chutes", "chutes_total"),
        ("v1 models", "v1_total"),
        ("Matched", "matched"),
        ("Only in /chutes/", "only_in_chutes"),
        ("Only in /v1/models", "only_in_v1"),
    ):
        assert metric(at, label) == [f"{getattr(report, key):,}"], label
    assert any("Why one-sided rows are expected" in m.value for m in at.markdown)


def test_merge_gaps_tables(catalog):
    report = catalog.report
    at = open_page(GAPS)
    methods = frame_with(at, "method")
    assert dict(zip(methods["method"], methods["joined"], strict=True)) == report.by_method
    only_v1 = frame_with(at, "v1_id")
    assert only_v1["v1_id"].tolist() == list(report.only_in_v1_ids)
    conflicts = frame_with(at, "note")
    assert len(conflicts) == len(report.conflicts) > 0
    want = {(c.name, c.chute_id) for c in report.conflicts}
    assert {
        (n, d.split("chute_id=")[1]) for n, d in zip(conflicts["name"], conflicts["details"], strict=True)
    } == want
    fuzzy = frame_with(at, "score")
    assert fuzzy["v1_id"].tolist() == [f.v1_id for f in report.fuzzy_matches]
    assert all(str(d).startswith("model_detail?chute_id=") for d in fuzzy["details"])
    breakdown = frame_with(at, "community")
    assert int(breakdown["total"].iloc[-1]) == report.only_in_chutes
    if not report.near_misses:
        assert any("No near miss" in i.value for i in at.info)
    subheaders = [s.value for s in at.subheader]
    assert f"Conflicts ({len(report.conflicts)})" in subheaders
    assert f"Only in /v1/models ({report.only_in_v1})" in subheaders


def test_merge_gaps_ignores_sidebar_filters(catalog):
    at = open_page(GAPS, template="diffusion", q="zzz")
    assert metric(at, "Chutes") == [f"{catalog.report.chutes_total:,}"]


# ============================================================================ Data sources page
def test_data_sources_show_the_sample(catalog):
    at = open_page(SOURCES)
    assert at.title[0].value == "Data sources"
    assert metric(at, "Origin") == ["sample", "sample"]
    assert metric(at, "Entries") == [f"{len(catalog.chutes.frame):,}", f"{len(catalog.v1.frame):,}"]
    settings = frame_with(at, "setting").set_index("setting")["value"]
    assert settings["API key"] == "not set"
    assert settings["Offline (bundled sample only)"] == "yes"
    assert settings["Cache TTL"] == "10 min"
    assert [s.value for s in at.subheader][:2] == ["/chutes/", "/v1/models"]


def test_data_sources_never_show_the_key(monkeypatch):
    monkeypatch.setenv("CHUTES_API_KEY", SECRET)
    at = open_page(SOURCES)
    settings = frame_with(at, "setting").set_index("setting")["value"]
    assert settings["API key"] == "configured"
    shown = everything_shown(at)
    assert "configured" in shown
    for part in (SECRET, *SECRET_PARTS):
        assert part not in shown, part
    # and on the other two pages as well
    for path in (CHARTS, GAPS):
        at.switch_page(path)
        ok(at.run())
        assert not any(p in everything_shown(at) for p in (SECRET, *SECRET_PARTS))


def test_data_sources_refresh_and_raw_downloads(deferred):
    at = open_page(SOURCES)
    before = set(deferred)
    revision = at.session_state["_shown_revision"]
    at.button(key="src_refresh").click()
    ok(at.run())
    assert at.session_state["_shown_revision"] == revision + 1  # the refresher published anew
    assert metric(at, "Origin") == ["sample", "sample"]
    payloads = [fn() for fid, fn in deferred.items() if fid not in before] or [
        fn() for fn in deferred.values()
    ]
    wanted = {(SAMPLE_DIR / SAMPLE_FILES[s]).read_bytes() for s in ("chutes", "v1")}
    assert wanted <= set(payloads)
    for payload in wanted:
        json.loads(payload)


def test_data_sources_show_settings_warnings_without_error(monkeypatch):
    monkeypatch.setenv("CHUTES_HTTP_TIMEOUT", "soon")
    at = open_page(SOURCES)
    # Markdown-escaped (CHUTES\_HTTP\_TIMEOUT) so upstream text in warnings shows literally.
    assert any("CHUTES_HTTP_TIMEOUT" in w.value.replace("\\", "") for w in at.warning)
    settings = frame_with(at, "setting").set_index("setting")["value"]
    assert settings["HTTP timeout"] == "20 s"


def test_base_url_credentials_are_masked_on_the_sources_page(monkeypatch):
    monkeypatch.setenv("CHUTES_BASE_URL", "https://me:hunter2secret@api.example.com")
    at = open_page(SOURCES)
    settings = frame_with(at, "setting").set_index("setting")["value"]
    assert settings["Chutes API base URL"] == "https://***@api.example.com"
    assert "hunter2secret" not in "\n".join(d.value.to_csv() for d in at.dataframe)
    # this page's own copy of the settings warning is masked (the banner above is ui/frame.py's)
    masked = [w.value for w in at.warning if "\\*\\*\\*@api" in w.value]
    assert masked and not any("hunter2secret" in w for w in masked)
