"""The market join, columns and facts on small hand-made frames: decoys that must never join,
the tiers that must, free promotions, and sources that failed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chutes_data.market import build, read_models_dev, read_openrouter


def _v1(*rows: tuple[str, str | None, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"v1_id": i, "root": r, "v1_price_input_usd": p_in, "v1_price_output_usd": p_out}
            for i, r, p_in, p_out in rows
        ]
    )


def _md(providers: dict[str, dict[str, tuple[float, float]]], **extra: dict) -> pd.DataFrame:
    payload = {
        pid: {
            "id": pid,
            "models": {
                mid: {"id": mid, "name": mid, "cost": {"input": p[0], "output": p[1]}, **extra.get(mid, {})}
                for mid, p in models.items()
            },
        }
        for pid, models in providers.items()
    }
    return read_models_dev(payload).frame


def _or(*rows: tuple[str, str | None, str, str]) -> pd.DataFrame:
    data = [{"id": i, "hugging_face_id": h, "pricing": {"prompt": p, "completion": c}} for i, h, p, c in rows]
    return read_openrouter({"data": data}).frame


DECOYS = _md(
    {
        "novita-ai": {
            "deepseek/deepseek-v3.2-exp": (0.27, 0.41),
            "qwen/qwen3-30b-a3b-fp8": (0.09, 0.45),
            "moonshotai/kimi-k2.5": (0.6, 2.5),
            "z-ai/glm-5-turbo": (1.2, 4.0),
        },
        "togetherai": {"pearl-ai/gemma-4-31b-it": (0.1, 0.2)},
        "fireworks-ai": {"accounts/fireworks/routers/kimi-k2p6-turbo": (2.0, 8.0)},
    }
)


def test_decoys_never_join_and_are_reported_as_near_misses():
    v1 = _v1(
        ("deepseek-ai/DeepSeek-V3.2-TEE", "deepseek-ai/DeepSeek-V3.2", 1.0, 1.0),
        ("Qwen/Qwen3-32B-TEE", "Qwen/Qwen3-32B-FP8", 0.1, 0.4),
        ("moonshotai/Kimi-K2-TEE", None, 0.5, 2.0),
        ("zai-org/GLM-5-TEE", None, 1.0, 3.0),
        ("google/gemma-4-31B-turbo-TEE", "nvidia/Gemma-4-31B-IT-NVFP4", 0.12, 0.37),
        ("moonshotai/Kimi-K2.6-TEE", None, 0.6, 3.4),
    )
    market = build(v1, DECOYS, None)
    assert market.offers.empty
    assert market.columns["market_match"].isna().all()
    assert market.columns["market_providers"].isna().all()
    reasons = market.near_misses.set_index("model_id")["reason"].to_dict()
    assert reasons["deepseek/deepseek-v3.2-exp"] == "qualifier words differ: (none) vs exp"
    assert reasons["pearl-ai/gemma-4-31b-it"] == "org is another lab"
    assert reasons["moonshotai/kimi-k2.5"].startswith("version tokens differ")


def test_each_tier_joins_and_keeps_its_score():
    v1 = _v1(
        ("zai-org/GLM-5.1-TEE", "zai-org/GLM-5.1-FP8", 0.98, 3.08),
        ("Qwen/Qwen3-235B-A22B-Thinking-2507-TEE", None, 0.3, 1.2),
    )
    md = _md(
        {
            "fireworks-ai": {"accounts/fireworks/models/glm-5p1": (1.4, 4.4)},
            "novita-ai": {"qwen/qwen3-235b-a22b-2507-thinking": (0.3, 3.0)},
        }
    )
    orr = _or(("z-ai/glm-5.1", "zai-org/GLM-5.1", "0.00000098", "0.00000308"))
    market = build(v1, md, orr, {"models.dev": "2026-07-02", "openrouter": "2026-05-15"})
    got = market.offers.set_index("model_id")
    assert got.loc["z-ai/glm-5.1", ["match", "match_score", "as_of"]].tolist() == [
        "hf_id",
        100.0,
        "2026-05-15",
    ]
    assert got.loc["accounts/fireworks/models/glm-5p1", "match"] == "normalized"
    fuzzy = got.loc["qwen/qwen3-235b-a22b-2507-thinking"]
    assert (fuzzy["match"], fuzzy["match_score"], fuzzy["as_of"]) == ("fuzzy", 100.0, "2026-07-02")
    cols = market.columns
    assert cols.loc["zai-org/GLM-5.1-TEE", "market_match"] == "hf_id"
    assert cols.loc["Qwen/Qwen3-235B-A22B-Thinking-2507-TEE", "market_match"] == "fuzzy"


def test_free_promotions_are_listed_but_not_the_market_price():
    v1 = _v1(("Qwen/Qwen3-32B-TEE", "Qwen/Qwen3-32B-FP8", 0.1, 0.4))
    orr = _or(
        ("qwen/qwen3-32b:free", "Qwen/Qwen3-32B", "0", "0"),
        ("qwen/qwen3-32b", "Qwen/Qwen3-32B", "0.00000008", "0.00000028"),
    )
    md = _md({"groq": {"qwen/qwen3-32b": (0.0, 0.0)}, "novita-ai": {"qwen/qwen3-32b-fp8": (0.1, 0.45)}})
    market = build(v1, md, orr, ratio=3.0)
    row = market.columns.iloc[0]
    assert (row["market_providers"], row["market_free_offers"]) == (2, 2)
    assert row["market_min_provider"] == "openrouter"
    assert row["market_min_blended_usd"] == pytest.approx((3 * 0.08 + 0.28) / 4)
    assert row["market_ratio"] == pytest.approx(((3 * 0.1 + 0.4) / 4) / ((3 * 0.08 + 0.28) / 4))
    assert set(market.offers["model_id"]) == {"qwen/qwen3-32b:free", "qwen/qwen3-32b", "qwen/qwen3-32b-fp8"}
    # the blend ratio is a parameter: at 1:1 the cheapest is still openrouter, at another price
    assert build(v1, md, orr, ratio=1.0).columns.iloc[0]["market_min_blended_usd"] == pytest.approx(0.18)


def test_the_same_openrouter_model_from_both_sources_is_one_offer():
    v1 = _v1(("moonshotai/Kimi-K2.6-TEE", "moonshotai/Kimi-K2.6", 0.58, 3.4))
    md = _md(
        {
            "openrouter": {"moonshotai/kimi-k2.6": (0.55, 3.2)},
            "chutes": {"moonshotai/Kimi-K2.6-TEE": (0.66, 3.5)},
        }
    )
    orr = _or(("moonshotai/kimi-k2.6", "moonshotai/Kimi-K2.6", "0.00000073", "0.00000349"))
    offers = build(v1, md, orr).offers
    assert offers[["source", "provider", "model_id"]].values.tolist() == [
        ["openrouter", "openrouter", "moonshotai/kimi-k2.6"]
    ]  # models.dev's own `chutes` entry is Chutes, never "elsewhere"


def test_a_failed_source_leaves_the_columns_unknown_never_zero():
    v1 = _v1(("zai-org/GLM-5.1-TEE", None, 0.98, 3.08), ("x/Unpriced", None, math.nan, math.nan))
    cols = build(v1, None, None).columns
    assert list(cols.index) == ["zai-org/GLM-5.1-TEE", "x/Unpriced"]
    assert cols["market_providers"].isna().all() and cols["market_ratio"].isna().all()
    assert cols["facts_source"].isna().all() and cols["open_weights"].isna().all()
    # a matched model without a Chutes price: the market side is known, the ratio is not
    md = _md({"deepinfra": {"x/Unpriced": (0.1, 0.2)}})
    row = build(v1, md, None).columns.loc["x/Unpriced"]
    assert row["market_providers"] == 1 and math.isnan(row["market_ratio"])


def test_facts_prefer_the_exact_chutes_entry_then_the_same_model_elsewhere():
    v1 = _v1(("zai-org/GLM-5.1-TEE", None, 1.0, 3.0), ("Qwen/Qwen3-32B-TEE", "Qwen/Qwen3-32B", 0.1, 0.4))
    md = _md(
        {
            "chutes": {"zai-org/GLM-5.1-TEE": (1.0, 3.0)},
            "deepinfra": {"zai-org/GLM-5.1": (1.05, 3.5), "Qwen/Qwen3-32B": (0.1, 0.3)},
        },
        **{
            "zai-org/GLM-5.1-TEE": {"release_date": "2026-04-07", "family": "glm", "open_weights": True},
            "zai-org/GLM-5.1": {"release_date": "2020-01-01", "knowledge": "2025-04", "status": "deprecated"},
            "Qwen/Qwen3-32B": {"release_date": "2025-04-29", "status": "beta", "open_weights": True},
        },
    )
    orr = _or(("qwen/qwen3-32b", "Qwen/Qwen3-32B", "0.00000008", "0.00000028"))
    orr.loc[0, ["knowledge_cutoff", "expiration_date", "description"]] = [
        "2025-03-31",
        "2027-01-01",
        "**Qwen3**",
    ]
    facts = build(v1, md, orr).columns
    glm = facts.loc["zai-org/GLM-5.1-TEE"]
    assert glm["release_date"] == "2026-04-07"  # the exact entry wins field by field
    assert (glm["knowledge_cutoff"], glm["model_status"]) == (
        "2025-04",
        "deprecated",
    )  # filled from elsewhere
    assert glm["facts_source"] == "models.dev:chutes, models.dev:deepinfra"
    qwen = facts.loc["Qwen/Qwen3-32B-TEE"]
    assert (qwen["release_date"], qwen["model_status"], bool(qwen["open_weights"])) == (
        "2025-04-29",
        "beta",
        True,
    )
    assert (qwen["knowledge_cutoff"], qwen["expiration_date"]) == ("2025-03-31", "2027-01-01")
    assert (
        qwen["description"] == "**Qwen3**" and qwen["facts_source"] == "openrouter, models.dev:deepinfra"
    )  # hf_id tier first


def test_same_model_elsewhere_lists_cheapest_first_free_last_and_is_json_safe():
    from chutes_data.market.detail import detail_payload, elsewhere

    v1 = _v1(("Qwen/Qwen3-32B-TEE", "Qwen/Qwen3-32B-FP8", 0.1, 0.4), ("x/Alone", None, 1.0, 1.0))
    orr = _or(
        ("qwen/qwen3-32b:free", "Qwen/Qwen3-32B", "0", "0"),
        ("qwen/qwen3-32b", "Qwen/Qwen3-32B", "0.00000008", "0.00000028"),
    )
    md = _md(
        {"groq": {"qwen/qwen3-32b": (0.29, 0.59)}, "chutes": {"Qwen/Qwen3-32B-TEE": (0.1, 0.4)}},
        **{"Qwen/Qwen3-32B-TEE": {"family": "qwen"}},
    )
    market = build(v1, md, orr, {"openrouter": "2026-05-15"})
    table = elsewhere(market.offers, "Qwen/Qwen3-32B-TEE")
    assert table["model_id"].tolist() == ["qwen/qwen3-32b", "qwen/qwen3-32b", "qwen/qwen3-32b:free"]
    assert table["provider"].tolist() == ["openrouter", "groq", "openrouter"]
    assert table["free"].tolist() == [False, False, True]
    payload = detail_payload(market.columns, market.offers, "Qwen/Qwen3-32B-TEE")
    assert payload["market"][0]["as_of"] == "2026-05-15" and payload["market"][1]["as_of"] is None
    assert payload["market"][0]["quantization"] is None  # unknown, said as null
    assert (
        payload["facts"]["model_family"] == "qwen" and payload["facts"]["facts_source"] == "models.dev:chutes"
    )
    empty = detail_payload(market.columns, market.offers, "x/Alone")
    assert empty["market"] == [] and set(empty["facts"].values()) == {None}
    assert detail_payload(market.columns, market.offers, None)["market"] == []


def test_v1_rows_without_an_id_or_repeated_are_one_row_each_or_none():
    v1 = pd.concat(
        [
            _v1(("Qwen/Qwen3-32B-TEE", None, 0.1, 0.4), ("Qwen/Qwen3-32B-TEE", None, 9.0, 9.0)),
            _v1((None, "x", 1, 1)),
        ],
        ignore_index=True,
    )
    v1.loc[len(v1)] = {"v1_id": "  ", "root": None, "v1_price_input_usd": 1.0, "v1_price_output_usd": 1.0}
    md = _md({"deepinfra": {"Qwen/Qwen3-32B": (0.08, 0.28)}})
    market = build(v1, md, None)
    assert list(market.columns.index) == ["Qwen/Qwen3-32B-TEE"]
    assert market.columns.iloc[0]["market_ratio"] == pytest.approx(0.175 / 0.13)  # the first row's price
    assert market.offers["v1_id"].tolist() == ["Qwen/Qwen3-32B-TEE"]
