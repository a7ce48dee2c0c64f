"""The bundled sample's synthetic telemetry: made by tools/synth, byte-identical, labelled."""

from __future__ import annotations

import json

from chutes_data import load_catalog
from chutes_data.config import Settings
from chutes_data.sources.registry import SAMPLE_DIR, SAMPLE_FILES, TELEMETRY_SOURCES
from chutes_data.sources.telemetry_loader import SAMPLE_TODAY
from tools.synth import SAMPLE_KWARGS, SAMPLE_NOW, dump_json, generate
from tools.synth.telemetry import generate_telemetry


def test_bundled_telemetry_is_what_the_generator_makes():
    chutes, _ = generate(**{k: v for k, v in SAMPLE_KWARGS.items()})
    bodies = generate_telemetry(chutes, seed=SAMPLE_KWARGS["seed"], now=SAMPLE_NOW)
    assert set(bodies) == set(TELEMETRY_SOURCES)
    for name, body in bodies.items():
        assert (SAMPLE_DIR / SAMPLE_FILES[name]).read_text(encoding="utf-8") == dump_json(body), name
    assert SAMPLE_TODAY == SAMPLE_NOW.date()


def test_sample_telemetry_has_the_real_quirks():
    rows = json.loads((SAMPLE_DIR / SAMPLE_FILES["llm_stats"]).read_text())
    assert any(r["average_tps"] == 0 for r in rows)  # zeros meaning unknown
    assert any(r["name"] == "[private]" for r in rows)  # private names
    assert any(r["date"] == SAMPLE_NOW.date().isoformat() for r in rows)  # a partial today
    catalog = {i["chute_id"] for i in json.loads((SAMPLE_DIR / "chutes.json").read_text())["items"]}
    assert any(r["chute_id"] not in catalog for r in rows)  # stats for a chute not listed
    util = json.loads((SAMPLE_DIR / SAMPLE_FILES["utilization"]).read_text())
    assert all("Z" not in r["timestamp"] and "+" not in r["timestamp"] for r in util)


def test_offline_catalog_shows_sample_telemetry_labelled_as_sample():
    cat = load_catalog(Settings(offline=True))
    assert cat.is_sample
    assert {d.status.origin for d in cat.telemetry.values()} == {"sample"}
    models = cat.models
    assert models["tps_7d"].notna().sum() >= 30 and models["ttft_7d_s"].notna().sum() >= 30
    assert set(models["capacity"]) == {"ok", "busy", "throttling", "cold", "unknown"}
    assert models["requests_trend"].notna().any() and models["sps_7d"].notna().any()
