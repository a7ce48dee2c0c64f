"""AppTest of the Model detail, Compare and Calculator pages on the bundled sample."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from apptest import ok
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, calc, load_catalog
from chutes_data.sources.loading import sample_payload

ROOT = Path(__file__).resolve().parents[2]
DETAIL, COMPARE, CALC = "pages/model_detail.py", "pages/compare.py", "pages/calculator.py"
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_catalog(Settings(offline=True), allow_sample=True).models


def llm(sample: pd.DataFrame, n: int = 0) -> pd.Series:
    """A token-priced official LLM listed in both APIs (the n-th by invocations)."""
    rows = sample[
        (sample["source"] == "both")
        & (sample["price_unit"] == "per_1m_tokens")
        & sample["price_input_tao"].notna()
    ]
    return rows.sort_values("invocation_count", ascending=False).iloc[n]


def page(path: str, **params: str | list[str]) -> AppTest:
    """`path` opened with URL `params` (a first run registers st.navigation's pages, so that
    switch_page resolves the url_path, e.g. "model" for model_detail.py)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(path).run()
    return at


def set_currency(at: AppTest, currency: str) -> AppTest:
    """Flip the sidebar's USD/TAO toggle (AppTest holds its formatted labels, "USD"/"TAO")."""
    toggle = next(w for w in at.get("button_group") if getattr(w, "key", None) == "cur")
    toggle.set_value(next(o for o in toggle.options if o.casefold() == currency))
    return at.run()


def texts(at: AppTest) -> str:
    """Every Markdown-ish string on the page (titles, captions, callouts, markdown, code)."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "success",
        "code",
        "text",
    ):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


# ---------------------------------------------------------------------------- model detail
def test_detail_by_chute_id_shows_the_model(sample: pd.DataFrame) -> None:
    row = llm(sample)
    at = page(DETAIL, chute_id=row["chute_id"])
    ok(at)
    title = at.title[0].value
    assert title.replace("\\", "") == row["name"]
    body = texts(at)
    # the id, a snippet with the key from the environment and the id as a JSON string literal
    codes = [c.value for c in at.code]
    assert row["v1_id"] in codes
    snippet = next(c for c in codes if "OpenAI(" in c)
    assert 'os.environ["CHUTES_API_KEY"]' in snippet and "https://llm.chutes.ai/v1" in snippet
    assert f"model={json.dumps(row['v1_id'])}" in snippet
    assert "Input /1M tokens" in body and "$" in body
    assert "Prices" in [s.value for s in at.subheader]
    # both currencies in the price table
    prices = at.dataframe[0].value
    assert {"usd", "tao"} <= set(prices.columns)
    assert prices["tao"].str.contains("τ").any() and prices["usd"].str.startswith("$").any()
    assert "No price history" in body  # no history DB yet
    assert at.selectbox(key="detail_pick").value is not None


def test_detail_by_name_prefers_the_official_chute(sample: pd.DataFrame) -> None:
    dup = sample[sample["name"].duplicated(keep=False)]
    name = dup["name"].iloc[0]
    official = sample[(sample["name"] == name) & sample["official"]]
    at = page(DETAIL, name=name)
    ok(at)
    assert at.title[0].value.replace("\\", "") == name
    if len(official):
        codes = [c.value for c in at.code]
        assert any(name in c for c in codes)
        assert "chutes are named" in texts(at)


def test_detail_for_a_diffusion_model_has_no_llm_snippet(sample: pd.DataFrame) -> None:
    row = sample[sample["price_unit"] == "per_step"].iloc[0]
    at = page(DETAIL, chute_id=row["chute_id"])
    ok(at)
    assert not any("OpenAI(" in c.value for c in at.code)
    assert any("per step" in m.label for m in at.metric)
    assert "Step" in set(at.dataframe[0].value["price"])


@pytest.mark.parametrize(
    "bad",
    [
        "00000000-0000-0000-0000-000000000000",
        "<script>alert(1)</script>",
        "",
        "x" * 5000,
        "[x](javascript:alert(1))",
        "%00\u202e",
    ],
)
def test_detail_unknown_or_hostile_chute_id_is_a_friendly_not_found(bad: str) -> None:
    at = page(DETAIL, chute_id=bad)
    ok(at)
    assert len(at.warning) >= 1
    warning = at.warning[-1].value
    assert "No model" in warning
    assert "<script>" not in warning  # escaped: shown literally, never parsed
    assert len(warning) < 400  # truncated
    assert [t.value for t in at.title] == ["Model detail"]
    assert at.selectbox(key="detail_pick").value is None  # the picker is there to recover


def test_detail_unknown_name_is_a_friendly_not_found() -> None:
    at = page(DETAIL, name="no such model <b>")
    ok(at)
    assert "No model with name" in at.warning[-1].value
    assert "<b>" not in at.warning[-1].value


def test_detail_without_params_offers_a_picker_and_picking_opens_the_model(sample: pd.DataFrame) -> None:
    at = page(DETAIL)
    ok(at)
    assert "Pick a model" in texts(at)
    row = llm(sample, 1)
    box = at.selectbox(key="detail_pick")
    label = next(o for o in box.options if o == row["name"])
    box.set_value(label).run()
    ok(at)
    assert at.query_params["chute_id"] == [row["chute_id"]] or at.query_params["chute_id"] == row["chute_id"]
    assert at.title[0].value.replace("\\", "") == row["name"]


def test_detail_runs_inside_the_entrypoint_with_the_sidebar(sample: pd.DataFrame) -> None:
    # url_path "model" differs from the file name, so Streamlit resolves it through st.navigation
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.query_params["chute_id"] = llm(sample)["chute_id"]
    at.switch_page(DETAIL).run()
    ok(at)
    assert any(getattr(w, "key", None) == "cur" for w in at.get("button_group"))
    set_currency(at, "tao")
    ok(at)
    assert at.metric[0].value.endswith("τ")


def test_detail_never_shows_the_api_key(
    monkeypatch: pytest.MonkeyPatch, sample: pd.DataFrame, fake_key: str
) -> None:
    monkeypatch.setenv("CHUTES_API_KEY", fake_key)
    at = page(DETAIL, chute_id=llm(sample)["chute_id"])
    ok(at)
    everything = (
        texts(at)
        + "".join(str(d.value.to_dict()) for d in at.dataframe)
        + "".join(str(j.value) for j in at.json)
    )
    assert fake_key not in everything and fake_key[:8] not in everything


def test_detail_shows_price_history_when_there_is_some(tmp_path: Path, sample: pd.DataFrame) -> None:
    from chutes_data.history import HistoryStore

    row = llm(sample)
    payload = sample_payload("chutes")
    later = copy.deepcopy(payload)
    item = next(i for i in later["items"] if i["chute_id"] == row["chute_id"])
    item["current_estimated_price"]["per_million_tokens"]["input"]["usd"] *= 0.5
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with HistoryStore(tmp_path / "cache" / "history.sqlite") as store:  # CHUTES_CACHE_DIR (conftest)
        store.record("chutes", payload, t0)
        store.record("chutes", later, t0 + timedelta(days=2))
    at = page(DETAIL, chute_id=row["chute_id"])
    ok(at)
    charts = at.get("plotly_chart")
    assert charts, "expected a price-history chart"
    spec = json.loads(charts[0].proto.spec)
    assert all(t.get("line", {}).get("shape") == "hv" for t in spec["data"])
    assert "No price history" not in texts(at)


# ---------------------------------------------------------------------------- compare
def test_compare_prompts_for_two_models() -> None:
    at = page(COMPARE)
    ok(at)
    assert any("two" in i.value for i in at.info)
    assert not at.dataframe


def test_compare_two_models_side_by_side_with_the_cheapest_highlighted(sample: pd.DataFrame) -> None:
    a, b = llm(sample, 0), llm(sample, 1)
    at = page(COMPARE)
    at.multiselect(key="cmp_models").set_value([a["name"], b["name"]]).run()
    ok(at)
    table = at.dataframe[0].value
    assert len(table.columns) == 2
    w = calc.PRESETS[calc.DEFAULT_PRESET].workload
    best = calc.cheapest(sample.loc[[a.name, b.name]], w, "usd")
    assert f"{best['name']} · cheapest" in table.columns
    other = (set([a["name"], b["name"]]) - {best["name"]}).pop()
    assert other in table.columns
    assert "Cheapest for *Chat*" in at.success[0].value
    assert best["name"] in at.success[0].value.replace("\\", "")
    assert table.loc["Input /1M tokens"].str.startswith("$").all()
    assert {
        "Context (tokens)",
        "Quantization",
        "TEE",
        "Owner",
        "Template",
        "Features",
        "Hot instances",
    } <= set(table.index)


def test_compare_preset_changes_the_cheapest_costs(sample: pd.DataFrame) -> None:
    a, b = llm(sample, 0), llm(sample, 2)
    at = page(COMPARE)
    at.multiselect(key="cmp_models").set_value([a["name"], b["name"]]).run()
    chat = at.success[0].value
    at.segmented_control(key="cmp_preset").set_value("agentic").run()
    ok(at)
    assert "Cheapest for *Agentic*" in at.success[0].value and at.success[0].value != chat
    assert any("(Agentic)" in i for i in at.dataframe[0].value.index)


def test_compare_from_the_url_and_hostile_values(sample: pd.DataFrame) -> None:
    a, b = llm(sample, 0), llm(sample, 1)
    at = page(COMPARE, cmp_models=[a["name"], "<script>alert(1)</script>", b["name"]], cmp_preset="RAG")
    ok(at)
    assert at.multiselect(key="cmp_models").value == [a["name"], b["name"]]
    assert "Cheapest for *RAG*" in at.success[0].value


def test_compare_currency_toggle_changes_units(sample: pd.DataFrame) -> None:
    a, b = llm(sample, 0), llm(sample, 1)
    at = page(COMPARE)
    at.multiselect(key="cmp_models").set_value([a["name"], b["name"]]).run()
    assert at.dataframe[0].value.loc["Input /1M tokens"].str.startswith("$").all()
    set_currency(at, "tao")
    ok(at)
    row = at.dataframe[0].value.loc["Input /1M tokens"]
    assert row.str.endswith("τ").all() and not row.str.contains(r"\$").any()
    assert "τ" in at.success[0].value


def test_compare_quick_pick_and_mixed_pricing(sample: pd.DataFrame) -> None:
    at = page(COMPARE)
    at.button(key="cmp_quick_cheap").click().run()
    ok(at)
    assert len(at.multiselect(key="cmp_models").value) == 3
    assert at.success and at.dataframe
    step = sample[sample["price_unit"] == "per_step"].iloc[0]
    at.multiselect(key="cmp_models").set_value(
        [
            llm(sample)["name"],
            at.multiselect(key="cmp_models").options[
                list(sample.sort_values("invocation_count", ascending=False, kind="stable").index).index(
                    step.name
                )
            ],
        ]
    ).run()
    ok(at)
    table = at.dataframe[0].value
    step_col = next(c for c in table.columns if step["name"] in c)
    assert table.loc["Per step", step_col].startswith("$")
    assert "not per token" in table[step_col].tolist()


# ---------------------------------------------------------------------------- calculator
def test_calculator_defaults_to_the_cheapest_token_models(sample: pd.DataFrame) -> None:
    at = page(CALC)
    ok(at)
    picked = at.multiselect(key="calc_models").value
    expected = calc.cheapest_token_models(sample, calc.PRESETS["chat"].workload, "usd", n=8)
    assert picked == list(expected["name"])
    table = at.dataframe[0].value
    assert list(table["rank"]) == list(range(1, len(picked) + 1))
    assert table["per_request"].is_monotonic_increasing
    assert (table["per_month"] > 0).all()
    assert at.get("plotly_chart")
    assert "Cheapest for *Chat*" in at.success[0].value


def test_calculator_presets_change_the_numbers() -> None:
    at = page(CALC)
    assert at.number_input(key="calc_in").value == 1_000
    assert at.number_input(key="calc_out").value == 400
    before = at.dataframe[0].value["per_request"].tolist()
    at.segmented_control(key="calc_preset").set_value("rag").run()
    ok(at)
    assert at.number_input(key="calc_in").value == 8_000
    assert at.number_input(key="calc_out").value == 300
    assert at.slider(key="calc_cache").value == 60
    assert at.number_input(key="calc_rpd").value == 500
    assert at.dataframe[0].value["per_request"].tolist() != before
    # editing a number recomputes and says it departs from the preset
    at.number_input(key="calc_rpd").set_value(1_000).run()
    ok(at)
    assert "Edited from the" in texts(at)


def test_calculator_hand_check_against_calc(sample: pd.DataFrame) -> None:
    at = page(CALC)
    at.number_input(key="calc_in").set_value(2_000).run()
    at.slider(key="calc_cache").set_value(50).run()
    table = at.dataframe[0].value.set_index("name")
    w = calc.Workload(2_000, 400, 0.5, 1_000)
    for name, got in table["per_month"].items():
        row = sample[sample["name"] == name]
        want = calc.costs(row, w, "usd")["per_month"].iloc[0]
        assert got == pytest.approx(want)


def test_calculator_currency_toggle(sample: pd.DataFrame) -> None:
    at = page(CALC)
    usd_metric = at.metric[0].value
    assert usd_metric.startswith("$")
    set_currency(at, "tao")
    ok(at)
    assert at.metric[0].value.endswith("τ")
    assert "τ" in at.success[0].value
    # TAO numbers are a different scale from USD
    assert at.dataframe[0].value["per_month"].max() < 1


def test_calculator_per_step_and_hourly_section(sample: pd.DataFrame) -> None:
    at = page(CALC)
    token_names = set(at.dataframe[0].value["name"])
    units = at.dataframe[1].value
    assert set(units["pricing"]) == {"per step"}
    assert not token_names & set(units["name"])
    assert (units["per_month"].dropna() > 0).all()
    first = units["per_request"].dropna().iloc[0]
    at.number_input(key="calc_steps").set_value(60).run()
    assert at.dataframe[1].value["per_request"].dropna().iloc[0] == pytest.approx(first * 2)
    at.segmented_control(key="calc_kind").set_value("per hour").run()
    ok(at)
    hourly = at.dataframe[1].value
    assert set(hourly["pricing"]) == {"per hour"}
    month = hourly["per_month"].dropna().iloc[0]
    at.number_input(key="calc_hours").set_value(12.0).run()
    assert at.dataframe[1].value["per_month"].dropna().iloc[0] == pytest.approx(month / 2)


def test_calculator_manual_selection_sticks_and_resets(sample: pd.DataFrame) -> None:
    at = page(CALC)
    options = at.multiselect(key="calc_models").options
    at.multiselect(key="calc_models").set_value(options[-2:]).run()
    ok(at)
    assert at.multiselect(key="calc_models").value == options[-2:]
    at.segmented_control(key="calc_preset").set_value("code").run()
    assert len(at.multiselect(key="calc_models").value) == 2  # kept across preset changes
    at.button[0].click().run()
    assert len(at.multiselect(key="calc_models").value) == 8


def test_calculator_empty_view_is_friendly() -> None:
    at = page(CALC)
    at.text_input(key="q").set_value("no-such-model-anywhere").run()
    ok(at)
    assert any("No token-priced model" in i.value for i in at.info)


@pytest.mark.parametrize("path", [DETAIL, COMPARE, CALC])
def test_pages_run_inside_the_entrypoint(path: str) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page(path).run()
    ok(at)
    assert any(getattr(w, "key", None) == "cur" for w in at.get("button_group"))  # the sidebar
    assert any("bundled sample" in i.value for i in at.info)  # the banner
