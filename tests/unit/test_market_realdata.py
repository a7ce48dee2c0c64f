"""The market readers and joins against real captures in ../shared/realdata (skipped when absent).

Numbers asserted here are the ones `docs/market.md` reports and the shared references
(`models-dev.md` §6, `openrouter.md` §4) derive by hand from the same files."""

from __future__ import annotations

import json
from functools import cache

import pandas as pd
import pytest
from realdata import MODELS_DEV_API, OPENROUTER_MODELS, V1_DAILY, V1_FILES, needs_market

from chutes_data.market import build, names, read_models_dev, read_openrouter
from chutes_data.sources.normalize import v1_frame

pytestmark = needs_market


@cache
def _md() -> pd.DataFrame:
    return read_models_dev(json.loads(MODELS_DEV_API.read_text(encoding="utf-8"))).frame


@cache
def _or() -> pd.DataFrame:
    return read_openrouter(json.loads(OPENROUTER_MODELS.read_text(encoding="utf-8"))).frame


def _v1(day: str) -> pd.DataFrame:
    return v1_frame(json.loads((V1_DAILY / f"{day}.json").read_text(encoding="utf-8")))


def _union() -> pd.DataFrame:
    """Every model the 73 captures list, with its latest row."""
    frames = [v1_frame(json.loads(p.read_text(encoding="utf-8"))) for p in reversed(V1_FILES)]
    return pd.concat(frames, ignore_index=True).drop_duplicates("v1_id").reset_index(drop=True)


def test_models_dev_reader_keeps_every_provider_model_compactly():
    read = read_models_dev(json.loads(MODELS_DEV_API.read_text(encoding="utf-8")))
    df = read.frame
    assert read.skipped == ()
    assert len(df) == 545
    assert df.groupby("provider").size().to_dict() == {
        "chutes": 13,
        "deepinfra": 27,
        "fireworks-ai": 16,
        "groq": 15,
        "novita-ai": 105,
        "openrouter": 337,
        "togetherai": 32,
    }
    glm = df.loc[df["model_id"].eq("zai-org/GLM-5.1-TEE")].iloc[0]
    assert (glm["provider"], glm["price_input_usd"], glm["price_output_usd"]) == ("chutes", 0.98, 3.08)
    assert df["free"].sum() == 25  # 22 `:free`, openrouter/free, two zero-priced music models


def test_openrouter_reader_converts_per_token_strings_and_drops_router_prices():
    read = read_openrouter(json.loads(OPENROUTER_MODELS.read_text(encoding="utf-8")))
    df = read.frame.set_index("model_id")
    assert read.skipped == () and len(df) == 364
    kimi = df.loc["moonshotai/kimi-k2.6"]
    assert (kimi["price_input_usd"], kimi["price_output_usd"], kimi["price_cache_read_usd"]) == (
        0.73,
        3.49,
        0.25,
    )
    assert kimi["hf_id"] == "moonshotai/Kimi-K2.6"
    assert df.loc["openrouter/auto", ["price_input_usd", "price_output_usd"]].isna().all()  # "-1"
    assert df["hf_id"].notna().sum() == 173  # "" and null alike are unknown
    assert df.index.str.endswith(":free").sum() == 25 and df["free"].sum() >= 25


def test_worked_example_of_the_reference_models_dev_only():
    """models-dev.md §6: Chutes' 2026-07-02 prices against models.dev's providers."""
    market = build(_v1("2026-07-02"), _md(), None)
    cols = market.columns
    kimi = cols.loc["moonshotai/Kimi-K2.6-TEE"]
    assert kimi["market_providers"] == 5 and kimi["market_min_provider"] == "openrouter"
    assert kimi["market_min_blended_usd"] == pytest.approx(1.2125)
    assert kimi["market_ratio"] == pytest.approx(1.3700 / 1.2125)
    glm = cols.loc["zai-org/GLM-5.1-TEE"]
    assert glm["market_min_provider"] == "deepinfra" and glm["market_ratio"] < 1  # Chutes cheapest of 6
    assert glm["market_ratio"] == pytest.approx(1.5050 / 1.6625)
    qwen = cols.loc["Qwen/Qwen3-32B-TEE"]
    assert qwen["market_providers"] == 3 and qwen["market_ratio"] == pytest.approx(1.400)
    offers = market.offers
    kimi_offers = set(offers.loc[offers["v1_id"].eq("moonshotai/Kimi-K2.6-TEE"), "model_id"])
    assert "accounts/fireworks/models/kimi-k2p6" in kimi_offers
    assert "accounts/fireworks/routers/kimi-k2p6-turbo" not in kimi_offers  # a Fireworks router product
    gemma = offers.loc[offers["v1_id"].eq("google/gemma-4-31B-turbo-TEE"), "model_id"]
    assert "pearl-ai/gemma-4-31b-it" not in set(gemma)  # shares only the last segment
    refused = market.near_misses.set_index("model_id")
    assert refused.loc["pearl-ai/gemma-4-31b-it", "reason"] == "org is another lab"


def test_latest_capture_counts_and_tiers():
    """openrouter.md §4.1: 7 of 14 by hugging_face_id; what docs/market.md reports."""
    cols = build(_v1("2026-08-22"), _md(), _or()).columns
    assert len(cols) == 14
    assert cols["market_match"].value_counts().to_dict() == {"hf_id": 7, "normalized": 4}
    assert int(cols["market_providers"].gt(0).sum()) == 10  # Nemotron has only a `:free` twin
    nemotron = cols.loc["Nemotron-3-Nano-Omni-30B-TEE"]
    assert (nemotron["market_providers"], nemotron["market_free_offers"]) == (0, 1)
    assert pd.isna(nemotron["market_ratio"])
    assert set(cols.index[cols["market_match"].isna()]) == {
        "Qwen/Qwen3.8-27B-TEE",
        "moonshotai/Kimi-K3-TEE",
        "deepseek-ai/DeepSeek-V4-Flash-0731-TEE",
    }
    assert int(cols["facts_source"].notna().sum()) == 11
    assert int(cols["facts_source"].fillna("").str.startswith("models.dev:chutes").sum()) == 10
    glm = cols.loc["zai-org/GLM-5.1-TEE"]
    assert (glm["release_date"], glm["model_family"], bool(glm["open_weights"])) == (
        "2026-04-07",
        "glm",
        True,
    )


def test_all_captures_counts():
    cols = build(_union(), _md(), _or()).columns
    assert len(cols) == 18
    assert int(cols["market_match"].notna().sum()) == 14
    assert int(cols["market_providers"].gt(0).sum()) == 13
    assert int(cols["facts_source"].notna().sum()) == 14


def test_no_offer_differs_in_size_version_or_qualifier_from_its_chutes_model():
    """The decoys in the real data (Kimi-K2.5 vs K2.6, GLM-5 vs 5.1 vs 5-turbo, V3.2 vs V3.2-Exp,
    Qwen3-32B vs 30B-A3B): every accepted offer passes the guards against a Chutes name."""
    v1 = _union()
    market = build(v1, _md(), _or())
    keys = {
        r.v1_id: {names.loose_key(n) for n in (r.v1_id, r.root) if isinstance(n, str)}
        for r in v1.itertuples()
    }
    for offer in market.offers.itertuples():
        theirs = [offer.model_id] + ([offer.hf_id] if isinstance(offer.hf_id, str) else [])
        assert any(names.guard(a, names.loose_key(b)) is None for a in keys[offer.v1_id] for b in theirs), (
            offer.v1_id,
            offer.model_id,
        )
    by_model = market.offers.groupby("v1_id")["model_id"].apply(set)
    assert not {m for m in by_model["deepseek-ai/DeepSeek-V3.2-TEE"] if "exp" in m.casefold()}
    assert not {m for m in by_model["moonshotai/Kimi-K2.5-TEE"] if "k2.6" in m or "k2p6" in m}
    assert not {m for m in by_model["zai-org/GLM-5-TEE"] if "5.1" in m or "5p1" in m or "turbo" in m}
    assert not {m for m in by_model["Qwen/Qwen3-32B-TEE"] if "30b" in m.casefold()}
    reasons = market.near_misses.loc[
        market.near_misses["v1_id"].eq("deepseek-ai/DeepSeek-V3.2-TEE"), "reason"
    ]
    assert reasons.str.startswith("qualifier words differ").any()
