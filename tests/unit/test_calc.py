"""chutes_data.calc: hand-computed costs, NaN handling, separate non-token pricing, currencies."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chutes_data import calc
from chutes_data.calc import Workload

NAN = float("nan")


def model(name: str, unit: str | None = "per_1m_tokens", **prices: float) -> dict:
    row = {
        "name": name,
        "chute_id": f"id-{name}",
        "v1_id": None,
        "owner": "chutes",
        "template": "vllm",
        "price_unit": unit,
    }
    for stem in ("input", "output", "cache_read", "step", "request", "hour"):
        for cur in ("usd", "tao"):
            row[f"price_{stem}_{cur}"] = prices.get(f"{stem}_{cur}", NAN)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


CHAT = Workload(input_tokens=1_000, output_tokens=400, cache_hit_share=0.0, requests_per_day=1_000)


def test_hand_computed_request_day_month() -> None:
    # 1,000 in x $0.10/1M = $0.0001; 400 out x $0.40/1M = $0.00016 => $0.00026 per request.
    out = calc.costs(frame(model("a", input_usd=0.10, output_usd=0.40)), CHAT, "usd")
    row = out.iloc[0]
    assert row["input_cost"] == pytest.approx(0.0001)
    assert row["output_cost"] == pytest.approx(0.00016)
    assert row["per_request"] == pytest.approx(0.00026)
    assert row["per_day"] == pytest.approx(0.26)  # x 1,000 requests/day
    assert row["per_month"] == pytest.approx(7.8)  # x 30 days
    assert row["rank"] == 1
    assert row["pricing"] == "per 1M tokens"


def test_cache_hits_billed_at_cache_read_price() -> None:
    # 50% of 1,000 input tokens from cache: 500 x $0.10/1M + 500 x $0.05/1M = $0.000075;
    # + 400 x $0.40/1M = $0.00016 => $0.000235 per request; x 1,000 x 30 = $7.05 per month.
    w = CHAT.with_(cache_hit_share=0.5)
    row = calc.costs(frame(model("a", input_usd=0.10, output_usd=0.40, cache_read_usd=0.05)), w).iloc[0]
    assert row["input_cost"] == pytest.approx(0.000075)
    assert row["per_request"] == pytest.approx(0.000235)
    assert row["per_month"] == pytest.approx(7.05)
    assert not row["cache_read_fallback"]


def test_unknown_cache_read_price_falls_back_to_input_price() -> None:
    w = CHAT.with_(cache_hit_share=0.5)
    row = calc.costs(frame(model("a", input_usd=0.10, output_usd=0.40)), w).iloc[0]
    assert row["per_request"] == pytest.approx(0.00026)  # as if nothing were cached
    assert row["cache_read_fallback"]
    # no cache hits: no fallback to report
    plain = calc.costs(frame(model("a", input_usd=0.10, output_usd=0.40)), CHAT).iloc[0]
    assert not plain["cache_read_fallback"]


def test_full_cache_and_zero_output() -> None:
    w = Workload(input_tokens=2_000_000, output_tokens=0, cache_hit_share=1.0, requests_per_day=10)
    row = calc.costs(frame(model("a", input_usd=1.0, output_usd=NAN, cache_read_usd=0.25)), w).iloc[0]
    # 2M tokens all from cache at $0.25/1M = $0.50; the unknown output price is irrelevant at 0 tokens.
    assert row["per_request"] == pytest.approx(0.5)
    assert row["per_month"] == pytest.approx(0.5 * 10 * 30)


def test_nan_prices_stay_nan_and_sort_last_unranked() -> None:
    models = frame(
        model("no-output", input_usd=0.01, output_usd=NAN),
        model("dear", input_usd=1.0, output_usd=2.0),
        model("cheap", input_usd=0.1, output_usd=0.2),
    )
    out = calc.costs(models, CHAT)
    assert list(out["name"]) == ["cheap", "dear", "no-output"]
    last = out.iloc[-1]
    assert math.isnan(last["per_request"]) and math.isnan(last["per_day"]) and math.isnan(last["per_month"])
    assert last["rank"] is pd.NA
    assert list(out["rank"].iloc[:2]) == [1, 2]
    assert (out["per_request"].fillna(1) != 0).all()  # nothing unknown shows as 0


def test_ranking_cheapest_first_depends_on_workload() -> None:
    # in-heavy vs out-heavy models swap places between a RAG-like and a reasoning-like workload
    models = frame(
        model("cheap-in", input_usd=0.05, output_usd=2.0), model("cheap-out", input_usd=0.5, output_usd=0.2)
    )
    rag = Workload(8_000, 300, 0.0, 100)
    reasoning = Workload(1_000, 1_500, 0.0, 100)
    assert list(calc.costs(models, rag)["name"]) == ["cheap-in", "cheap-out"]
    assert list(calc.costs(models, reasoning)["name"]) == ["cheap-out", "cheap-in"]
    assert calc.cheapest(models, rag)["name"] == "cheap-in"
    assert calc.cheapest(models, reasoning)["name"] == "cheap-out"


def test_ties_rank_by_name() -> None:
    models = frame(model("b", input_usd=0.1, output_usd=0.1), model("A", input_usd=0.1, output_usd=0.1))
    out = calc.costs(models, CHAT)
    assert list(out["name"]) == ["A", "b"] and list(out["rank"]) == [1, 2]


def test_step_hour_request_models_are_not_in_token_ranking_and_not_zero() -> None:
    models = frame(
        model("llm", input_usd=0.1, output_usd=0.4),
        model("flux", "per_step", step_usd=0.002, hour_usd=0.5),
        model("hourly", "per_hour", hour_usd=0.3),
        model("per-req", "per_request", request_usd=0.007, hour_usd=0.3),
        model("free-looking", None),
    )  # no price at all
    tokens = calc.costs(models, CHAT)
    assert list(tokens["name"]) == ["llm"]
    assert calc.cheapest(models, CHAT)["name"] == "llm"

    w = CHAT.with_(steps_per_request=25, hours_per_day=8)
    units = calc.unit_costs(models, w).set_index("name")
    assert set(units.index) == {"flux", "hourly", "per-req"}
    assert units.loc["flux", "pricing"] == "per step"
    # 25 steps x $0.002 = $0.05 per image; x 1,000/day = $50; x 30 = $1,500
    assert units.loc["flux", "per_request"] == pytest.approx(0.05)
    assert units.loc["flux", "per_day"] == pytest.approx(50)
    assert units.loc["flux", "per_month"] == pytest.approx(1_500)
    assert math.isnan(units.loc["flux", "price_hour"])  # the compute price is not its billing unit
    # one instance 8 h/day at $0.30/h = $2.40/day, $72/month; not per request
    assert units.loc["hourly", "pricing"] == "per hour"
    assert units.loc["hourly", "per_day"] == pytest.approx(2.4)
    assert units.loc["hourly", "per_month"] == pytest.approx(72)
    assert math.isnan(units.loc["hourly", "per_request"])
    assert units.loc["per-req", "per_day"] == pytest.approx(7.0)
    assert (units[["per_day", "per_month"]] > 0).all().all()
    assert "free-looking" not in set(tokens["name"]) | set(units.index)
    assert calc.pricing(models).tolist() == [
        "per_1m_tokens",
        "per_step",
        "per_hour",
        "per_request",
        "unknown",
    ]


def test_unit_costs_rank_within_kind() -> None:
    models = frame(
        model("s2", "per_step", step_usd=0.004),
        model("s1", "per_step", step_usd=0.001),
        model("h1", "per_hour", hour_usd=0.2),
        model("s-unknown", "per_step"),
    )
    out = calc.unit_costs(models, CHAT)
    assert list(out["name"]) == ["s1", "s2", "s-unknown", "h1"]
    assert out["rank"].tolist()[:2] == [1, 2] and out["rank"].iloc[2] is pd.NA and out["rank"].iloc[3] == 1
    assert math.isnan(out.iloc[2]["per_month"])


def test_pricing_inferred_when_price_unit_missing() -> None:
    models = frame(model("t", None, input_usd=0.1, output_usd=0.2), model("s", None, step_usd=0.01))
    assert calc.pricing(models).tolist() == ["per_1m_tokens", "per_step"]
    # the merge's rule (schema.price_units): any per-1M price, TAO or cache-read included
    odd = frame(model("tao", None, input_tao=0.001, hour_usd=0.3), model("none", None))
    assert calc.pricing(odd).tolist() == ["per_1m_tokens", "unknown"]
    assert list(calc.costs(models, CHAT)["name"]) == ["t"]


def test_tao_currency_uses_tao_columns() -> None:
    m = model("a", input_usd=0.10, output_usd=0.40, input_tao=0.0005, output_tao=0.002)
    out = calc.costs(frame(m), CHAT, "tao")
    # 1,000 x 0.0005/1M + 400 x 0.002/1M = 0.0000013 TAO
    assert out.iloc[0]["per_request"] == pytest.approx(1.3e-6)
    assert out.iloc[0]["price_input"] == pytest.approx(0.0005)
    assert out.attrs["currency"] == "tao"
    # a model with USD but no TAO price keeps NaN in TAO (not 0, not the USD figure)
    usd_only = calc.costs(frame(model("b", input_usd=0.1, output_usd=0.4)), CHAT, "tao").iloc[0]
    assert math.isnan(usd_only["per_request"])
    with pytest.raises(ValueError):
        calc.costs(frame(m), CHAT, "eur")


def test_workload_validation() -> None:
    with pytest.raises(ValueError):
        Workload(cache_hit_share=1.5)
    with pytest.raises(ValueError):
        Workload(input_tokens=-1)
    with pytest.raises(ValueError):
        Workload(hours_per_day=25)
    with pytest.raises(ValueError):
        Workload(requests_per_day=float("inf"))


def test_presets_shapes() -> None:
    p = calc.PRESETS
    assert (p["chat"].workload.input_tokens, p["chat"].workload.output_tokens) == (1_000, 400)
    assert (p["rag"].workload.input_tokens, p["rag"].workload.output_tokens) == (8_000, 300)
    assert p["rag"].workload.cache_hit_share >= 0.5
    assert (p["code"].workload.input_tokens, p["code"].workload.output_tokens) == (2_000, 1_500)
    assert (p["agentic"].workload.input_tokens, p["agentic"].workload.output_tokens) == (12_000, 800)
    assert p["agentic"].workload.cache_hit_share > 0
    ext = p["extraction"].workload
    assert ext.input_tokens / (ext.input_tokens + ext.output_tokens) == pytest.approx(0.8)
    rea = p["reasoning"].workload
    assert rea.input_tokens / (rea.input_tokens + rea.output_tokens) == pytest.approx(0.4)
    assert calc.DEFAULT_PRESET in p
    assert len({pr.label for pr in p.values()}) == len(p)


def test_empty_and_minimal_frames() -> None:
    empty = pd.DataFrame({"name": pd.Series(dtype="object")})
    assert calc.costs(empty, CHAT).empty
    assert calc.unit_costs(empty, CHAT).empty
    assert calc.cheapest(empty, CHAT) is None
    assert list(calc.costs(empty, CHAT).columns) == calc.TOKEN_COLUMNS


def test_sample_catalog_has_no_zero_costs() -> None:
    from chutes_data import Settings, load_catalog

    catalog = load_catalog(Settings(offline=True), allow_sample=True)
    for preset in calc.PRESETS.values():
        for cur in ("usd", "tao"):
            tokens = calc.costs(catalog.models, preset.workload, cur)
            units = calc.unit_costs(catalog.models, preset.workload, cur)
            assert len(tokens) == int((catalog.models["price_unit"] == "per_1m_tokens").sum())
            assert not (tokens["per_request"] == 0).any()
            assert not (units["per_month"] == 0).any()
            known = tokens["per_request"].dropna().to_numpy()
            assert np.all(np.diff(known) >= 0)  # cheapest first
