"""A new user's chair on the pages: labels, defaults, notes, polish (AppTest on the sample)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from apptest import open_page
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)


def column_labels(at: AppTest, index: int = 0) -> dict[str, str]:
    config = json.loads(at.dataframe[index].proto.columns or "{}")
    return {
        k.removeprefix("col:name:") if isinstance(k, str) else k: v.get("label")
        for k, v in config.items()
        if isinstance(v, dict)
    }


def plain(markdown: str) -> str:
    """Markdown-escaped third-party text as a reader sees it."""
    return re.sub(r"\\(.)", r"\1", str(markdown))


def texts(at: AppTest) -> str:
    return "\n".join(
        str(e.value) for kind in ("markdown", "caption", "info", "warning", "subheader") for e in at.get(kind)
    )


# ---------------------------------------------------------------------------- invocations
def test_invocations_are_labelled_as_the_past_day():
    from chutes_data.schema import CHUTES_COLUMNS

    assert "past day" in CHUTES_COLUMNS["invocation_count"]
    assert "all-time" not in CHUTES_COLUMNS["invocation_count"].split(";")[0]
    at = open_page()
    assert column_labels(at)["invocations"] == "Invocations, past day"
    at = open_page("pages/charts.py", charts_view="Popularity")
    body = texts(at)
    assert "past day" in body and "All-time" not in body and "all time" not in body.lower()


# ---------------------------------------------------------------------------- calculator default
@pytest.fixture
def live_app(monkeypatch: pytest.MonkeyPatch):
    """`live_app(chutes_items, v1_items)`: point the app at a loopback upstream serving them."""
    import payloads
    from upstream import StandInUpstream

    servers = []

    def start(items: list[dict], v1_items: list[dict] | None = None) -> StandInUpstream:
        server = StandInUpstream(
            payloads.chutes_payload(items),
            payloads.v1_payload(v1_items) if v1_items is not None else {"object": "list", "data": []},
        ).start()
        servers.append(server)
        monkeypatch.setenv("CHUTES_OFFLINE", "0")
        monkeypatch.setenv("CHUTES_BASE_URL", server.url)
        monkeypatch.setenv("CHUTES_LLM_BASE_URL", server.url)
        monkeypatch.setenv("CHUTES_HTTP_TIMEOUT", "2")
        return server

    yield start
    for server in servers:
        server.stop()


def _llm(
    n: int, name: str, usd_in: float, usd_out: float, *, hot: bool = True, owner: str = "chutes"
) -> dict:
    import payloads

    return payloads.chute_item(
        n,
        name=name,
        owner=owner,
        hot=hot,
        price=payloads.price_block("vllm", usd_in=usd_in, usd_out=usd_out, cache_read=None),
    )


def test_calculator_default_is_hot_models_and_never_an_unpriced_cheapest(live_app):
    items = [
        _llm(0, "someone/Cold-Cheap", 0.001, 0.002, hot=False, owner="someone"),
        _llm(1, "someone/Zero", 0.0, 0.0, owner="someone"),
        *(_llm(2 + i, f"org/Hot-{i}", 0.1 + i / 100, 0.4 + i / 100) for i in range(10)),
    ]
    live_app(items)
    at = open_page("pages/calculator.py")
    picked = at.multiselect(key="calc_models").value
    assert len(picked) == 8 and all("Hot-" in p for p in picked), picked
    assert "org/Hot-0" in plain(at.success[0].value) and "$0.000000" not in at.success[0].value
    # picking the cold and the $0 model by hand: flagged, and neither is called the cheapest
    options = at.multiselect(key="calc_models").options
    cold = next(o for o in options if "Cold-Cheap" in o)
    zero = next(o for o in options if "Zero" in o)
    at.multiselect(key="calc_models").set_value([zero, cold, picked[0]]).run()
    assert not at.exception
    assert "Cold-Cheap" in plain(at.success[0].value) and "cold" in at.success[0].value
    table = at.dataframe[0].value
    now = dict(zip(table["name"], table["now"], strict=True))
    assert now["someone/Cold-Cheap"] == "cold (not running)" and now["org/Hot-0"] == "hot"
    captions = "\n".join(c.value for c in at.caption)
    assert "state no real price" in captions and "are **cold**" in captions


# ---------------------------------------------------------------------------- failures said out loud
def test_no_network_banner_says_why(monkeypatch):
    monkeypatch.setenv("CHUTES_OFFLINE", "0")  # online, but nothing listens on port 9
    monkeypatch.setenv("CHUTES_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CHUTES_LLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CHUTES_HTTP_TIMEOUT", "1")
    at = open_page()
    info = plain(" ".join(i.value for i in at.info))
    assert "bundled sample" in info and "Why:" in info
    assert "cannot reach 127.0.0.1:9/chutes/" in info


def test_offline_banner_says_offline_mode():
    at = open_page()
    assert "offline mode is on" in " ".join(i.value for i in at.info)


def test_unwritable_cache_dir_in_the_banner_and_on_data_sources(live_app, monkeypatch, tmp_path):
    import payloads

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    live_app([payloads.chute_item(0)])
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(blocker / "cache"))
    at = open_page()
    said = [plain(w.value) for w in at.warning if "Cannot save to the cache directory" in plain(w.value)]
    assert len(said) == 1 and f"Cannot save to the cache directory {blocker / 'cache'}" in said[0]
    assert said[0].rstrip().endswith("or set CHUTES_CACHE_DIR.")  # never cut at its fix
    at.switch_page("pages/data_sources.py").run()
    warnings = plain(" ".join(w.value for w in at.warning))
    assert "is not writable" in warnings and "Not a directory" in warnings


def test_writable_cache_dir_is_said_on_data_sources():
    at = open_page("pages/data_sources.py")
    assert any("writable." in c.value for c in at.caption)


def test_corrupt_history_is_said_on_changes(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "history.sqlite").write_bytes(b"this is not an sqlite database" * 100)
    at = open_page("pages/changes.py")
    assert "No history yet" in " ".join(i.value for i in at.info)  # and no error box
    assert not at.error
    warning = plain(" ".join(w.value for w in at.warning))
    aside = next(cache.glob("history.sqlite.corrupt-*")).resolve()  # the worker's cache (conftest)
    assert "was corrupt" in warning and str(aside) in warning and "restarted empty" in warning


def test_invalid_url_parameters_get_a_note():
    at = open_page(min_ctx="abc", cur="XYZ", sort="nonsense", q="qwen")
    note = [plain(c.value) for c in at.caption if "Ignored from the link" in c.value]
    assert len(note) == 1
    assert "min_ctx=abc" in note[0] and "cur=XYZ" in note[0] and "sort=nonsense" in note[0]
    assert "q=qwen" not in note[0]


def test_valid_url_parameters_get_no_note():
    at = open_page(min_ctx="131072", cur="TAO")
    assert not [c for c in at.caption if "Ignored from the link" in c.value]


# ---------------------------------------------------------------------------- polish
def open_detail(source: str, with_row: bool = False):
    """The Model detail page of the first sample row listed in `source` (with a chute_id)."""
    from chutes_data import Settings, load_catalog

    models = load_catalog(Settings.from_env(), allow_sample=True).models
    row = models[models["source"].eq(source) & models["chute_id"].notna()].iloc[0]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/model_detail.py")
    at.query_params["chute_id"] = row["chute_id"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return (at, row) if with_row else at


EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\ufe0f]")


def test_tables_hold_text_not_emoji():
    from chutes_data import Settings, load_catalog
    from chutes_data.views import changes
    from ui import tables

    assert not any(EMOJI.search(label) for label in changes.KIND_LABELS.values())
    models = load_catalog(Settings.from_env(), allow_sample=True).models
    frame = tables.table_frame(models, "usd")
    for col in ("status", "tee"):
        assert not frame[col].map(lambda v: bool(EMOJI.search(str(v)))).any(), col
    assert set(frame["status"]) <= {"hot", "cold", "—"} and set(frame["tee"]) <= {"TEE", ""}


def test_models_table_text_unknowns_are_dashes_and_numbers_stay_numbers():
    from chutes_data import Settings, load_catalog
    from ui import tables

    models = load_catalog(Settings.from_env(), allow_sample=True).models
    frame = tables.table_frame(models, "usd")
    for col in ("template", "quantization", "owner", "tagline"):
        assert frame[col].notna().all(), col
    assert (frame["quantization"] == "—").any()
    assert frame["price_cache_read"].dtype.kind == "f" and frame["context"].isna().any()


def test_models_table_widths_and_pinned_name():
    at = open_page()
    config = json.loads(at.dataframe[0].proto.columns)
    name = config["name"] if "name" in config else config["col:name:name"]
    assert name.get("pinned") is True and isinstance(name.get("width"), int)
    numeric = [
        v
        for k, v in config.items()
        if k.rsplit(":", 1)[-1]
        in ("price_input", "price_output", "price_cache_read", "context", "max_output")
    ]
    assert len(numeric) == 5 and all(isinstance(v.get("width"), int) and v["width"] <= 100 for v in numeric)


def test_detail_page_snippets_in_python_curl_and_javascript():
    import shlex

    from ui.detail_view import curl_snippet, javascript_snippet

    hostile = 'org/it\'s "quoted"\n$(rm -rf /)'
    words = shlex.split(curl_snippet(hostile).replace("\\\n", " "))
    body = json.loads(words[words.index("-d") + 1])
    assert body["model"] == hostile  # one literal argument: nothing ran, nothing broke out
    assert "process.env.CHUTES_API_KEY" in javascript_snippet("m")
    at = open_detail(source="both")
    assert [t.label for t in at.tabs][:3] == ["Python", "curl", "JavaScript"]
    languages = [c.language for c in at.code]
    assert {"python", "bash", "javascript"} <= set(languages)


def test_v1_only_row_with_a_chute_id_links_to_chutes_ai():
    at, row = open_detail(source="v1", with_row=True)
    buttons = [b for b in at.get("link_button") if "chutes.ai" in b.proto.label]
    assert buttons and buttons[0].proto.url.endswith(row["chute_id"])


def test_calculator_settings_come_from_the_url():
    from chutes_data import Settings, calc, load_catalog
    from ui import model_pick

    models = load_catalog(Settings.from_env(), allow_sample=True).models
    labels = model_pick.labels(models)
    ranked = calc.costs(models, calc.PRESETS["chat"].workload)
    wanted = [labels[i] for i in ranked.index[[3, 5]]]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/calculator.py")
    for key, value in {
        "calc_in": "5000",
        "calc_out": "100",
        "calc_cache": "20",
        "calc_rpd": "10",
        "calc_steps": "50",
        "calc_models": wanted,
    }.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.number_input(key="calc_in").value == 5000
    assert at.number_input(key="calc_out").value == 100
    assert at.slider(key="calc_cache").value == 20
    assert at.number_input(key="calc_rpd").value == 10
    assert at.number_input(key="calc_steps").value == 50
    assert at.multiselect(key="calc_models").value == wanted  # not replaced by the 8 cheapest
    table = at.dataframe[0].value
    assert sorted(table["name"]) == sorted(models.loc[ranked.index[[3, 5]], "name"])


def test_this_view_json_records_filters_and_sort(deferred):
    at = open_page()
    at.multiselect(key="template").set_value(["vllm"])
    at.toggle(key="hot").set_value(True)
    at.selectbox(key="sort").set_value("Largest context")
    at.run()
    button = next(b for b in at.get("download_button") if b.label == "This view (JSON)")
    doc = json.loads(deferred[button.proto.deferred_file_id]())
    assert doc["view"]["filters"]["templates"] == ["vllm"] and doc["view"]["filters"]["hot_only"]
    assert doc["view"]["active_filters"] == 2
    assert doc["view"]["sort"] == "context" and doc["view"]["sort_label"] == "Largest context"
    everything = next(b for b in at.get("download_button") if b.label == "Everything (JSON)")
    assert "view" not in json.loads(deferred[everything.proto.deferred_file_id]())


def test_blended_price_sort_and_free_filter_by_price():
    import pandas as pd

    from chutes_data.query import Filters, apply_filters, blended_price, is_free, sort_models

    m = pd.DataFrame(
        {
            "name": ["a", "free-but-paid", "zero", "img-zero", "unpriced"],
            "price_input_usd": [1.0, 0.5, 0.0, None, None],
            "price_output_usd": [5.0, 0.5, 0.0, None, None],
            "price_step_usd": [None, None, None, 0.0, None],
        }
    )
    blended = blended_price(m)
    assert blended.iloc[0] == (3 * 1.0 + 5.0) / 4 and blended.iloc[1] == 0.5
    assert blended_price(m, ratio=1).iloc[0] == 3.0
    assert sort_models(m, "blended")["name"].tolist()[:3] == ["zero", "free-but-paid", "a"]
    assert is_free(m).tolist() == [False, False, True, True, False]  # by price, never by name
    full = m.assign(
        **{
            c: None
            for c in (
                "template",
                "quantization",
                "owner",
                "hot",
                "tee",
                "public",
                "source",
                "context_tokens",
                "tagline",
                "v1_id",
            )
        }
    )
    assert apply_filters(full, Filters(free_only=True))["name"].tolist() == ["zero", "img-zero"]


def test_models_page_blended_column_ratio_in_the_url():
    at = open_page(blend="1", sort="Cheapest blended")
    table = at.dataframe[0].value
    both = table.dropna(subset=["price_input", "price_output"])
    assert (both["price_blended"] == (both["price_input"] + both["price_output"]) / 2).all()
    shown = table["price_blended"].dropna().tolist()
    assert shown == sorted(shown)
    assert column_labels(at)["price_blended"] == "Blended /1M"


def test_compare_price_histories_share_one_axis(tmp_path):
    from datetime import UTC, datetime, timedelta

    from chutes_data import Settings, load_catalog
    from chutes_data.history import HistoryStore
    from ui import model_pick

    models = load_catalog(Settings.from_env(), allow_sample=True).models
    both = models[models["source"].eq("both") & models["price_unit"].eq("per_1m_tokens")].head(2)
    labels = model_pick.labels(models)

    def item(row, price):
        return {
            "id": row["v1_id"],
            "chute_id": row["chute_id"],
            "object": "model",
            "price": {"input": {"usd": price}, "output": {"usd": price * 4}},
        }

    a, b = both.iloc[0], both.iloc[1]
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    with HistoryStore(tmp_path / "cache" / "history.sqlite") as store:
        for day, items in (
            (0, [item(a, 0.1)]),
            (5, [item(a, 0.2)]),
            (10, [item(a, 0.2), item(b, 1.0)]),
            (20, [item(a, 0.2), item(b, 2.0)]),
        ):
            store.record("v1", {"object": "list", "data": items}, t0 + timedelta(days=day))
    at = open_page("pages/compare.py")
    at.multiselect(key="cmp_models").set_value([labels[a.name], labels[b.name]]).run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2
    x_ranges = {tuple(c["layout"]["xaxis"]["range"]) for c in charts}
    y_ranges = {tuple(c["layout"]["yaxis"]["range"]) for c in charts}
    assert len(x_ranges) == 1 and len(y_ranges) == 1  # one axis for both
    ((y0, y1),) = y_ranges
    assert y0 == 0 and y1 >= 8.0  # room for b's output price, 2.0 x 4


def test_sidebar_filters_only_where_they_apply_and_kept_across_pages():
    at = open_page()
    assert at.sidebar.toggle and any(t.key == "hot" for t in at.sidebar.toggle)
    at.toggle(key="hot").set_value(True).run()
    hot_rows = len(at.dataframe[0].value)
    for page in ("changes", "merge_gaps", "model_detail", "compare", "data_sources"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert not [t for t in at.sidebar.toggle if t.key in ("hot", "tee")], page
        assert at.sidebar.get("button_group"), page  # the currency toggle stays
        assert any("apply on Models, Charts and Calculator" in c.value for c in at.sidebar.caption)
    for page in ("charts", "calculator"):
        at.switch_page(f"pages/{page}.py").run()
        assert any(t.key == "hot" for t in at.sidebar.toggle), page
    at.switch_page("pages/models.py").run()
    assert at.toggle(key="hot").value is True  # the filter survived the pages without filters
    assert len(at.dataframe[0].value) == hot_rows
    assert not at.warning


def test_model_families_group_variants_in_the_table_and_on_the_detail_page():
    import pandas as pd

    from chutes_data.query import family
    from ui import tables

    assert family("Qwen/Qwen3-32B-TEE") == family("Qwen/Qwen3-32B-FP8") == "Qwen/Qwen3-32B"
    assert family("google/gemma-4-31B-turbo-TEE") == "google/gemma-4-31B"
    assert family("org/Model") == "org/Model" and family(None) is None
    frame = pd.DataFrame({"name": ["org/A-TEE", "org/A", "org/B", "org/B"]})
    assert tables._family_cells(frame).tolist() == ["org/A", "org/A", "—", "—"]  # same name: no

    from chutes_data import Settings, load_catalog
    from chutes_data.query import families

    models = load_catalog(Settings.from_env(), allow_sample=True).models
    fam = families(models)
    names = models["name"].groupby(fam).nunique()
    target = names[names > 1].index[0]
    row = models[fam.eq(target).to_numpy(dtype=bool)].iloc[0]
    table = open_page().dataframe[0].value
    assert target in set(table["family"])
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/model_detail.py")
    at.query_params["chute_id" if isinstance(row["chute_id"], str) else "name"] = (
        row["chute_id"] if isinstance(row["chute_id"], str) else row["name"]
    )
    at.run()
    assert not at.exception
    from chutes_data.textsafe import md_text

    shown = f"Family **{md_text(target, 120)}**"  # escaped as the page escapes it
    assert any(shown in c.value for c in at.caption), [c.value for c in at.caption]
