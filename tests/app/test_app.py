"""AppTest (in-process) tests of the app frame and the Models page, on the bundled sample.

The expected rows always come from `chutes_data` directly (`load_catalog` + `apply_filters` +
`sort_models` + `ui.columns.table_frame`), and every shown row is also checked against an
independent predicate, so a filter that is wired to the wrong field cannot pass by accident.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from apptest import new_app
from kpis import app_kpi
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, export, load_catalog
from chutes_data.query import Filters, apply_filters, sort_models

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(ROOT.glob("pages/*.py"))
PRICE_COLUMNS = ("input", "output", "cache_read", "step", "hour")


# ---------------------------------------------------------------------------- fixtures
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)


@pytest.fixture
def models() -> pd.DataFrame:
    """The merged sample catalog, straight from the data layer."""
    return load_catalog(Settings.from_env(), allow_sample=True).models


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def table(at: AppTest) -> pd.DataFrame:
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def metric(at: AppTest, label: str) -> str:
    """A value of the Models page's KPI line (tests/kpis.py)."""
    value = app_kpi(at, label)
    assert value is not None, [m.value for m in at.markdown]
    return value


def expected_table(models: pd.DataFrame, f: Filters, sort: str = "popular") -> pd.DataFrame:
    from ui import tables as columns

    return columns.table_frame(sort_models(apply_filters(models, f), sort, f.currency), f.currency)


def rows_behind(models: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
    """The merged rows behind the table rows (by their unique detail link)."""
    from ui import tables as columns

    by_link = dict(zip(columns.table_frame(models, "usd")["details"], models.index, strict=True))
    return models.loc[[by_link[link] for link in shown["details"]]]


def assert_same_rows(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(shown) == len(expected)
    assert shown["details"].tolist() == expected["details"].tolist()  # same rows, same order
    assert shown["name"].tolist() == expected["name"].tolist()
    for col in ("price_input", "price_output", "price_hour", "price_step"):
        pd.testing.assert_series_equal(
            shown[col].reset_index(drop=True).astype("float64"),
            expected[col].reset_index(drop=True).astype("float64"),
            check_names=False,
        )


def _has_all(values: object, wanted: set[str]) -> bool:
    return isinstance(values, (list, tuple)) and wanted <= {str(v).casefold() for v in values}


def _context(rows: pd.DataFrame) -> pd.Series:
    return rows["context_length"].fillna(rows["max_model_len"])


# ---------------------------------------------------------------------------- (a) the frame
def test_app_runs_with_the_sample_banner(models):
    at = run_ok(new_app())
    banners = [i.value for i in at.info if "bundled sample" in i.value]
    assert len(banners) == 1
    assert at.title[0].value == "Models on Chutes"
    assert len(at.sidebar.children) > 0
    # a widget rerun keeps the whole frame (router, sidebar, banner), not just the page
    run_ok(at)
    assert [i.value for i in at.info if "bundled sample" in i.value] == banners
    assert at.text_input(key="q") is not None


# ---------------------------------------------------------------------------- (b) all rows
def test_models_table_shows_the_whole_catalog(models):
    at = run_ok(new_app())
    shown = table(at)
    assert len(shown) == len(models) > 100
    assert_same_rows(shown, expected_table(models, Filters()))
    assert metric(at, "Models shown") == f"{len(models):,}"
    assert metric(at, "Catalog size") == f"{len(models):,}"
    assert metric(at, "Hot now") == f"{int(models['hot'].fillna(False).astype(bool).sum()):,}"
    assert metric(at, "Median input price").startswith("$")


# ---------------------------------------------------------------------------- (c) each filter
def _set(kind: str, key: str, value: Any) -> Callable[[AppTest], None]:
    def act(at: AppTest) -> None:
        getattr(at, kind)(key=key).set_value(value)

    return act


FILTER_CASES = [
    pytest.param(
        _set("text_input", "q", "qwen"),
        {"search": "qwen"},
        lambda r: (
            (r["name"].fillna("") + r["tagline"].fillna("") + r["owner"].fillna("") + r["v1_id"].fillna(""))
            .str.casefold()
            .str.contains("qwen")
        ),
        id="search",
    ),
    pytest.param(
        _set("text_input", "q", "  DeepSeek "),
        {"search": "  DeepSeek "},
        lambda r: (
            (r["name"].fillna("") + r["tagline"].fillna("") + r["owner"].fillna("") + r["v1_id"].fillna(""))
            .str.casefold()
            .str.contains("deepseek")
        ),
        id="search-case-and-spaces",
    ),
    pytest.param(
        _set("multiselect", "template", ["diffusion", "tei"]),
        {"templates": ("diffusion", "tei")},
        lambda r: r["template"].isin(["diffusion", "tei"]),
        id="template",
    ),
    pytest.param(
        _set("multiselect", "in", ["image", "text"]),
        {"input_modalities": ("image", "text")},
        lambda r: r["input_modalities"].map(lambda v: _has_all(v, {"image", "text"})),
        id="input-modalities-all-of",
    ),
    pytest.param(
        _set("multiselect", "out", ["image"]),
        {"output_modalities": ("image",)},
        lambda r: r["output_modalities"].map(lambda v: _has_all(v, {"image"})),
        id="output-modalities",
    ),
    pytest.param(
        _set("multiselect", "feature", ["tools", "reasoning"]),
        {"features": ("tools", "reasoning")},
        lambda r: r["supported_features"].map(lambda v: _has_all(v, {"tools", "reasoning"})),
        id="features-all-of",
    ),
    pytest.param(
        _set("multiselect", "quant", ["fp8"]),
        {"quantizations": ("fp8",)},
        lambda r: r["quantization"].eq("fp8"),
        id="quantization",
    ),
    pytest.param(
        _set("select_slider", "min_ctx", 131_072),
        {"min_context": 131_072},
        lambda r: _context(r).notna() & (_context(r).fillna(0) >= 131_072),
        id="min-context",
    ),
    pytest.param(
        _set("number_input", "max_in", 0.2),
        {"max_input_price": 0.2},
        lambda r: r["price_input_usd"].notna() & (r["price_input_usd"] <= 0.2),
        id="max-input-price",
    ),
    pytest.param(
        _set("number_input", "max_out", 1.0),
        {"max_output_price": 1.0},
        lambda r: r["price_output_usd"].notna() & (r["price_output_usd"] <= 1.0),
        id="max-output-price",
    ),
    pytest.param(
        _set("toggle", "hot", True),
        {"hot_only": True},
        lambda r: r["hot"].eq(True).fillna(False),
        id="hot-only",
    ),
    pytest.param(
        _set("toggle", "tee", True),
        {"tee_only": True},
        lambda r: r["tee"].eq(True).fillna(False),
        id="tee-only",
    ),
    pytest.param(
        _set("multiselect", "owner", ["opalinference", "driftwood-ai"]),
        {"owners": ("opalinference", "driftwood-ai")},
        lambda r: r["owner"].isin(["opalinference", "driftwood-ai"]),
        id="owner",
    ),
    pytest.param(
        _set("button_group", "vis", "private"),
        {"visibility": "private"},
        lambda r: r["public"].eq(False).fillna(False),
        id="visibility-private",
    ),
    pytest.param(
        _set("button_group", "vis", "public"),
        {"visibility": "public"},
        lambda r: r["public"].eq(True).fillna(False),
        id="visibility-public",
    ),
    pytest.param(
        _set("button_group", "src", "both"),
        {"source": "both"},
        lambda r: r["source"].eq("both"),
        id="source-both",
    ),
    pytest.param(
        _set("button_group", "src", "chutes"),
        {"source": "chutes"},
        lambda r: r["source"].eq("chutes"),
        id="source-chutes",
    ),
    pytest.param(
        _set("button_group", "src", "v1"), {"source": "v1"}, lambda r: r["source"].eq("v1"), id="source-v1"
    ),
]


@pytest.mark.parametrize(("act", "fields", "predicate"), FILTER_CASES)
def test_each_sidebar_filter(models, act, fields, predicate):
    at = run_ok(new_app())
    act(at)
    run_ok(at)
    expected = expected_table(models, Filters(**fields))
    assert 0 < len(expected) < len(models), "the sample should make this filter meaningful"
    shown = table(at)
    assert_same_rows(shown, expected)
    behind = rows_behind(models, shown)
    assert predicate(behind).astype(bool).all()
    # ...and no row the filter admits is missing
    assert predicate(models).astype(bool).sum() == len(shown)
    assert metric(at, "Models shown") == f"{len(shown):,}"
    assert any(b.label == "Clear filters" for b in at.sidebar.button)


def test_input_modalities_mean_all_of(models):
    at = run_ok(new_app())
    counts = {}
    for wanted in (["image"], ["text"], ["image", "text"]):
        at.multiselect(key="in").set_value(wanted)
        counts[tuple(wanted)] = len(table(run_ok(at)))
    assert counts[("image", "text")] <= min(counts[("image",)], counts[("text",)])
    assert counts[("image", "text")] < counts[("image",)] + counts[("text",)]


def test_filters_combine_and_clear(models):
    at = run_ok(new_app())
    at.multiselect(key="template").set_value(["vllm"])
    at.toggle(key="hot").set_value(True)
    at.select_slider(key="min_ctx").set_value(32_768)
    at.text_input(key="q").set_value("a")
    run_ok(at)
    f = Filters(search="a", templates=("vllm",), hot_only=True, min_context=32_768)
    expected = expected_table(models, f)
    assert 0 < len(expected) < len(models)
    assert_same_rows(table(at), expected)

    clear = [b for b in at.sidebar.button if b.label == "Clear filters"]
    assert len(clear) == 1
    clear[0].click()
    run_ok(at)
    assert_same_rows(table(at), expected_table(models, Filters()))
    assert at.text_input(key="q").value == ""
    assert at.multiselect(key="template").value == []
    assert not any(b.label == "Clear filters" for b in at.sidebar.button)


def test_no_match_shows_an_empty_state(models):
    at = run_ok(new_app())
    at.text_input(key="q").set_value("zz-no-such-model-zz")
    run_ok(at)
    assert len(at.dataframe) == 0
    assert any("No model matches" in i.value for i in at.info)
    assert metric(at, "Models shown") == "0"
    assert metric(at, "Median input price") == "—"
    buttons = {b.label: b for b in at.get("download_button")}
    assert buttons["This view (CSV)"].proto.disabled and buttons["This view (JSON)"].proto.disabled
    assert not buttons["Everything (CSV)"].proto.disabled


def test_sort_changes_the_order(models):
    at = run_ok(new_app())
    at.selectbox(key="sort").set_value("Name (A–Z)")
    run_ok(at)
    assert_same_rows(table(at), expected_table(models, Filters(), sort="name"))


def test_a_filter_change_does_not_refetch_or_remerge(models, monkeypatch, tmp_path):
    import chutes_data.service.refresher as refresher_module
    import chutes_data.sources.loader as catalog_module

    monkeypatch.setenv("CHUTES_CACHE_DIR", str(tmp_path / "own"))  # other settings: a fresh service
    calls = {"load": 0, "merge_catalogs": 0}

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(refresher_module, "load", counting("load", refresher_module.load))
    monkeypatch.setattr(
        catalog_module, "merge_catalogs", counting("merge_catalogs", catalog_module.merge_catalogs)
    )
    at = run_ok(new_app())
    assert calls == {"load": 2, "merge_catalogs": 1}  # the service's first refresh: both sources
    at.text_input(key="q").set_value("qwen")
    run_ok(at)
    at.multiselect(key="template").set_value(["vllm"])
    run_ok(at)
    at.button_group(key="cur").set_value("TAO")
    run_ok(at)
    at.switch_page("pages/charts.py")
    run_ok(at)
    assert calls == {"load": 2, "merge_catalogs": 1}  # the service's first refresh: both sources


# ---------------------------------------------------------------------------- (d) URL params
@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"template": "diffusion"}, {"templates": ("diffusion",)}),
        ({"template": ["diffusion", "tei"]}, {"templates": ("diffusion", "tei")}),
        ({"q": "qwen"}, {"search": "qwen"}),
        ({"hot": "true"}, {"hot_only": True}),
        ({"src": "both"}, {"source": "both"}),
        ({"vis": "private"}, {"visibility": "private"}),
        ({"in": ["image", "text"]}, {"input_modalities": ("image", "text")}),
        ({"max_in": "0.2"}, {"max_input_price": 0.2}),
        ({"template": ["nope", "vllm"]}, {"templates": ("vllm",)}),  # unknown values dropped
    ],
)
def test_url_params_filter_the_rows(models, query, fields):
    at = run_ok(new_app(**query))
    expected = expected_table(models, Filters(**fields))
    assert 0 < len(expected) < len(models)
    assert_same_rows(table(at), expected)


@pytest.mark.parametrize(
    "query",
    [
        {"min_ctx": "abc"},
        {"min_ctx": "-5"},
        {"min_ctx": "131073"},
        {"max_in": "<script>"},
        {"max_in": "-1"},
        {"max_in": "nan"},
        {"max_out": "1e999"},
        {"template": "nope"},
        {"template": "<script>alert(1)</script>"},
        {"cur": "EUR"},
        {"cur": "tao"},
        {"src": "everything"},
        {"vis": "secret"},
        {"hot": "yes please"},
        {"in": "smell"},
        {"feature": "telepathy"},
        {"owner": "' OR 1=1 --"},
        {"sort": "bogus"},
        {"q": "x" * 5000},
    ],
)
def test_invalid_url_params_fall_back_to_defaults(models, query):
    at = run_ok(new_app(**query))
    assert any("bundled sample" in i.value for i in at.info)
    if "q" in query:  # the text itself is harmless: it just matches nothing
        assert len(at.dataframe) == 0
        return
    assert_same_rows(table(at), expected_table(models, Filters()))
    assert metric(at, "Median input price").startswith("$")


def test_url_currency_param(models):
    at = run_ok(new_app(cur="TAO"))
    assert_same_rows(table(at), expected_table(models, Filters(currency="tao")))
    assert metric(at, "Median input price").endswith("τ /1M")


def test_url_sort_param_orders_the_first_render(models):
    """A shared link with a sort must be sorted on the first load, not only after a rerun."""
    label = "Name (A–Z)"  # the URL holds the label the selectbox shows
    at = run_ok(new_app(sort=label))
    assert at.selectbox(key="sort").value == label
    assert_same_rows(table(at), expected_table(models, Filters(), sort="name"))


# ---------------------------------------------------------------------------- (e) currency
def test_currency_toggle_shows_tao_prices(models):
    at = run_ok(new_app())
    usd = table(at)
    at.button_group(key="cur").set_value("TAO")
    run_ok(at)
    tao = table(at)
    expected = expected_table(models, Filters(currency="tao"))
    assert_same_rows(tao, expected)
    behind = rows_behind(models, tao)
    for kind in PRICE_COLUMNS:
        pd.testing.assert_series_equal(
            tao[f"price_{kind}"].reset_index(drop=True).astype("float64"),
            behind[f"price_{kind}_tao"].reset_index(drop=True).astype("float64"),
            check_names=False,
        )
    known = usd["price_input"].notna()
    assert known.any()
    assert (tao.loc[known, "price_input"] != usd.loc[known, "price_input"]).all()
    assert metric(at, "Median input price").endswith("τ /1M")
    # back to USD
    at.button_group(key="cur").set_value("USD")
    run_ok(at)
    assert_same_rows(table(at), expected_table(models, Filters()))


def test_price_cap_is_read_in_the_chosen_currency(models):
    at = run_ok(new_app())
    at.button_group(key="cur").set_value("TAO")
    at.number_input(key="max_in").set_value(0.0005)
    run_ok(at)
    expected = expected_table(models, Filters(max_input_price=0.0005, currency="tao"))
    assert 0 < len(expected) < len(models)
    assert_same_rows(table(at), expected)


# ---------------------------------------------------------------------------- (f) downloads
def test_download_buttons(models, deferred):
    at = run_ok(new_app())
    at.multiselect(key="template").set_value(["vllm"])
    at.toggle(key="hot").set_value(True)
    run_ok(at)
    buttons = {b.label: b for b in at.get("download_button")}
    assert set(buttons) == {
        "This view (CSV)",
        "This view (JSON)",
        "This view (Markdown)",
        "Everything (CSV)",
        "Everything (JSON)",
    }
    view = sort_models(apply_filters(models, Filters(templates=("vllm",), hot_only=True)), "popular")
    assert 0 < len(view) < len(models)

    def data(label: str) -> str:
        file_id = buttons[label].proto.deferred_file_id
        assert file_id in deferred, "the files are built only on click"
        out = deferred[file_id]()
        return out.decode() if isinstance(out, bytes) else out

    view_csv = data("This view (CSV)")
    assert view_csv == export.to_csv(view)
    parsed = pd.read_csv(io.StringIO(view_csv))
    assert len(parsed) == len(view)
    assert parsed["name"].tolist() == view["name"].tolist()
    assert set(parsed["template"]) == {"vllm"}

    doc = json.loads(data("This view (JSON)"))
    assert [r["name"] for r in doc["models"]] == view["name"].tolist()
    assert set(doc["sources"]) == {"chutes", "v1"}

    markdown = data("This view (Markdown)").splitlines()
    assert f"{len(view):,} rows · generated" in markdown[0]
    from chutes_data.markdown_table import escape_cell

    first_cells = [line.split(" | ")[0].removeprefix("| ") for line in markdown[4:]]
    assert first_cells == [escape_cell(n) for n in view["name"]]  # the view's rows, in its order

    assert len(pd.read_csv(io.StringIO(data("Everything (CSV)")))) == len(models)
    assert len(json.loads(data("Everything (JSON)"))["models"]) == len(models)


# ---------------------------------------------------------------------------- (g) every page
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_page_runs(page, models):
    at = run_ok(new_app())
    at.switch_page(str(page.relative_to(ROOT)))
    run_ok(at)
    assert any("bundled sample" in i.value for i in at.info)  # the frame is still drawn
    assert len(at.sidebar.children) > 0
    assert len(at.main.children) > 0
    # and a second run on the same page (a widget rerun) still works
    run_ok(at)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_page_with_hostile_params(page):
    query = {
        "chute_id": "<script>alert(1)</script>",
        "name": "../../etc/passwd",
        "a": "' OR 1",
        "min_ctx": "abc",
        "cur": "EUR",
    }
    at = run_ok(new_app())
    at.query_params.update(query)
    at.switch_page(str(page.relative_to(ROOT)))
    run_ok(at)
