"""The synthetic market sample (tools/synth/market.py): deterministic, labelled, consistent with
the bundled `/v1/models` sample, and exercising every tier and refusal of the market join."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chutes_data.market import build, read_models_dev, read_openrouter
from chutes_data.sources.normalize import v1_frame
from tools.synth.market import LABEL, MODELS_DEV_FILE, OPENROUTER_FILE, generate_market, main

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "chutes_data" / "sample"


def _load(name: str) -> dict:
    return json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))


def test_bundled_market_sample_equals_fresh_generation(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "v1_models.json").write_bytes((SAMPLE_DIR / "v1_models.json").read_bytes())
    assert main(["--out", str(tmp_path)]) == 0
    for name in (MODELS_DEV_FILE, OPENROUTER_FILE):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes()
    assert OPENROUTER_FILE in capsys.readouterr().out
    v1 = _load("v1_models.json")
    assert generate_market(v1, seed=7) == generate_market(v1, seed=7) != generate_market(v1, seed=8)


def test_market_sample_is_labelled_synthetic_and_small() -> None:
    api, orr = _load(MODELS_DEV_FILE), _load(OPENROUTER_FILE)
    assert all("synthetic" in p["name"] for p in api.values())
    assert orr["_sample"] == LABEL
    assert all("Synthetic" in m["name"] for m in orr["data"])
    assert sum((SAMPLE_DIR / n).stat().st_size for n in (MODELS_DEV_FILE, OPENROUTER_FILE)) < 300_000


def test_market_sample_exercises_every_tier_and_refusal() -> None:
    md, orr = read_models_dev(_load(MODELS_DEV_FILE)), read_openrouter(_load(OPENROUTER_FILE))
    assert md.skipped == () and orr.skipped == ()
    v1 = v1_frame(_load("v1_models.json"))
    chutes_ids = set(md.frame.loc[md.frame["provider"].eq("chutes"), "model_id"])
    assert chutes_ids and chutes_ids <= set(v1["v1_id"])  # models.dev's chutes ids are /v1/models ids
    market = build(v1, md.frame, orr.frame)
    cols = market.columns
    assert set(market.offers["match"]) == {"hf_id", "normalized", "fuzzy"}
    assert market.offers.loc[market.offers["match"].eq("fuzzy"), "match_score"].ge(90).all()
    assert cols["market_match"].isna().any()  # some models are offered nowhere else
    assert cols["market_ratio"].lt(1).any() and cols["market_ratio"].gt(1).any()
    assert cols["market_free_offers"].gt(0).any()
    assert cols["model_status"].eq("deprecated").any() and cols["facts_source"].notna().any()
    reasons = market.near_misses["reason"]
    for kind in ("org is another lab", "qualifier words differ", "version tokens differ"):
        assert reasons.str.startswith(kind).any(), kind
    joined = market.offers["model_id"]
    assert not joined.str.endswith("-Exp").any() and not joined.str.startswith("pearl-lab/").any()
