"""The synthetic catalog: deterministic, in the real API shapes, with the promised defects."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chutes_data.sources.registry import SAMPLE_DIR  # noqa: E402
from tools import synth

KW = synth.SAMPLE_KWARGS
TEMPLATES = {"vllm", "diffusion", "tei", "embedding", None}
OVERRIDE_KEYS = {
    "quantization",
    "context_length",
    "max_output_length",
    "input_modalities",
    "output_modalities",
    "supported_features",
    "supported_sampling_parameters",
}
CHUTE_KEYS = {
    "chute_id",
    "name",
    "tagline",
    "readme",
    "public",
    "version",
    "slug",
    "standard_template",
    "cords",
    "cord_ref_id",
    "created_at",
    "updated_at",
    "image",
    "user",
    "supported_gpus",
    "node_selector",
    "invocation_count",
    "current_estimated_price",
    "instances",
    "logo_id",
    "logo",
    "openrouter",
    "chutes_version",
    "revision",
    "concurrency",
    "boost",
    "preemptible",
    "hot",
}


def _official(item: dict) -> bool:
    return item["user"]["username"] == "chutes"


def _loose(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold().replace("_", "-")


def _uuid5(item: dict) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{item['user']['username']}::chute::{item['name']}"))


@pytest.fixture(scope="module")
def sample() -> tuple[dict, dict]:
    return synth.generate(**KW)


@pytest.fixture(scope="module")
def big() -> tuple[tuple[dict, dict], float]:
    start = time.perf_counter()
    payloads = synth.generate(10_000, 8_000, v1_without_chute_id=1000, v1_renamed=200)
    return payloads, time.perf_counter() - start


# ---------------------------------------------------------------------------- determinism
def test_bundled_sample_equals_fresh_generation(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    assert (SAMPLE_DIR / "chutes.json").read_text(encoding="utf-8") == synth.dump_json(chutes)
    assert (SAMPLE_DIR / "v1_models.json").read_text(encoding="utf-8") == synth.dump_json(v1)


def test_cli_defaults_write_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert synth.main(["--out", str(tmp_path)]) == 0
    for name in ("chutes.json", "v1_models.json"):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes()
    assert "v1_models.json" in capsys.readouterr().out


def test_sample_is_small_and_documented() -> None:
    total = sum((SAMPLE_DIR / n).stat().st_size for n in ("chutes.json", "v1_models.json"))
    assert total < 1_500_000
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert "python -m tools.synth" in readme and "ynthetic" in readme


def test_same_arguments_same_output_other_seed_differs() -> None:
    a = synth.generate(60, 20, seed=3)
    assert a == synth.generate(60, 20, seed=3)
    assert a != synth.generate(60, 20, seed=4)
    assert synth.generate(60, 20, seed=3, now=synth.SAMPLE_NOW) == a  # now=None is SAMPLE_NOW


# ---------------------------------------------------------------------------- /chutes/ shape
def test_counts_and_template_mix(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    items = chutes["items"]
    assert set(chutes) == {"total", "page", "limit", "items", "cord_refs"}
    assert chutes["total"] == chutes["limit"] == len(items) == KW["n_chutes"] >= 150
    assert chutes["page"] == 0 and chutes["cord_refs"] == {}
    kinds = Counter(i["standard_template"] for i in items)
    assert set(kinds) == TEMPLATES
    assert 0.4 <= kinds["vllm"] / len(items) <= 0.6
    assert v1["object"] == "list" and len(v1["data"]) == KW["n_v1"] >= 60
    counts = [i["invocation_count"] for i in items]
    assert counts == sorted(counts, reverse=True)  # server order


def test_chute_items_follow_the_server_rules(sample: tuple[dict, dict]) -> None:
    items = sample[0]["items"]
    assert len({(i["user"]["username"], i["name"]) for i in items}) == len(items)
    for item in items:
        assert CHUTE_KEYS <= set(item), item["name"]
        assert item["chute_id"] == _uuid5(item)
        assert item["cords"] is None
        assert item["hot"] == any(x["active"] and x["verified"] for x in item["instances"])
        assert item["created_at"].endswith("Z") and item["updated_at"] >= item["created_at"]
        assert item["node_selector"]["supported_gpus"] == item["supported_gpus"]
        if "tee" in item and _official(item):
            assert item["tee"] == item["name"].endswith("-TEE")
        price = item["current_estimated_price"]
        if price is None:
            assert item["standard_template"] is None
            continue
        assert set(price["usd"]) == {"hour", "second"}
        if item["standard_template"] == "vllm":
            tokens = price["per_million_tokens"]
            assert 0.02 <= tokens["input"]["usd"] <= 3.0
            assert 2 <= tokens["output"]["usd"] / tokens["input"]["usd"] <= 5.01
            if "input_cache_read" in tokens:
                assert tokens["input_cache_read"]["usd"] == pytest.approx(tokens["input"]["usd"] * 0.5)
        elif item["standard_template"] == "diffusion":
            assert "per_step" in price


def test_optional_fields_are_sometimes_missing(sample: tuple[dict, dict]) -> None:
    items = sample[0]["items"]
    priced = [i for i in items if i["current_estimated_price"] is not None]
    assert sum(i["current_estimated_price"] is None for i in items) >= 2
    assert any(i["tagline"] is None for i in items)
    assert any("tee" not in i for i in items)
    assert any("tao" not in i["current_estimated_price"] for i in priced)
    assert any(
        "input_cache_read" not in i["current_estimated_price"]["per_million_tokens"]
        for i in priced
        if i["standard_template"] == "vllm"
    )
    assert any("per_request" in i["current_estimated_price"] for i in priced)


def test_official_llm_names_look_real(sample: tuple[dict, dict]) -> None:
    names = [i["name"] for i in sample[0]["items"] if _official(i) and i["standard_template"] == "vllm"]
    assert sum(n.endswith("-TEE") for n in names) >= len(names) // 4
    assert sum("/" in n for n in names) >= len(names) * 0.9


# ---------------------------------------------------------------------------- /v1/models
def _v1_split(chutes: dict, v1: dict) -> dict[str, list[dict[str, Any]]]:
    """Classify v1 entries the way the merge would have to."""
    by_id = {i["chute_id"]: i for i in chutes["items"]}
    names = {i["name"] for i in chutes["items"]}
    out: dict[str, list[dict[str, Any]]] = {"by_id": [], "only": [], "by_name": [], "renamed": []}
    for e in v1["data"]:
        if "chute_id" in e:
            out["by_id" if e["chute_id"] in by_id else "only"].append(e)
        else:
            out["by_name" if e["id"] in names else "renamed"].append(e)
    return out


def test_v1_entries_are_official_public_vllm_chutes(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    by_id = {i["chute_id"]: i for i in chutes["items"]}
    split = _v1_split(chutes, v1)
    for entry in split["by_id"]:
        item = by_id[entry["chute_id"]]
        assert _official(item) and item["public"] and item["standard_template"] == "vllm"
        assert entry["id"] == item["name"]
        assert entry["confidential_compute"] == item["name"].endswith("-TEE")
    assert len(split["only"]) == KW["v1_only"]
    names = {i["name"] for i in chutes["items"]}
    for entry in split["only"]:
        assert entry["id"] not in names
        expected = uuid.uuid5(uuid.NAMESPACE_OID, f"chutes::chute::{entry['id']}")
        assert entry["chute_id"] == str(expected)
    official_vllm = [
        i for i in chutes["items"] if _official(i) and i["public"] and i["standard_template"] == "vllm"
    ]
    assert len(official_vllm) >= KW["n_v1"] - KW["v1_only"]


def test_v1_entries_have_the_real_shape(sample: tuple[dict, dict]) -> None:
    data = sample[1]["data"]
    base = {
        "confidential_compute",
        "created",
        "id",
        "max_model_len",
        "object",
        "owned_by",
        "parent",
        "price",
        "pricing",
        "root",
    }
    for entry in data:
        assert list(entry) == sorted(entry)  # JSONB key order as in real captures
        assert base <= set(entry)
        assert entry["object"] == "model" and entry["parent"] is None
        assert ("permission" in entry) == (entry["owned_by"] == "vllm")
        assert entry["pricing"]["prompt"] == entry["price"]["input"]["usd"]
        assert entry["pricing"]["completion"] == entry["price"]["output"]["usd"]
        assert 8192 <= entry["max_model_len"] <= 1_048_576
    bare = [e for e in data if not OVERRIDE_KEYS & set(e)]
    assert len(bare) >= 3
    assert all(OVERRIDE_KEYS <= set(e) for e in data if e not in bare)


def test_v1_defects_for_every_match_method(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    split = _v1_split(chutes, v1)
    official = [i for i in chutes["items"] if _official(i)]
    assert len(split["by_name"]) == KW["v1_without_chute_id"]
    assert len(split["renamed"]) == KW["v1_renamed"]
    for entry in split["renamed"]:
        key = _loose(entry["id"])
        pairs = [i for i in official if _loose(i["name"]) in (key, key + "-tee")]
        assert len(pairs) == 1, entry["id"]  # a lenient matcher finds exactly one chute
    by_id = {i["chute_id"]: i for i in chutes["items"]}
    conflicts = [
        e
        for e in split["by_id"]
        if e["pricing"]["prompt"]
        != by_id[e["chute_id"]]["current_estimated_price"]["per_million_tokens"]["input"]["usd"]
    ]
    assert len(conflicts) == KW["price_conflicts"]


def test_impostors_copy_official_names_with_other_owners(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    items = chutes["items"]
    official = {i["name"]: i for i in items if _official(i) and i["standard_template"] == "vllm"}
    impostors = [i for i in items if not _official(i) and i["name"] in official]
    assert len(impostors) == KW["impostors"]
    v1_ids = {e["id"] for e in v1["data"]}
    for imp in impostors:
        real = official[imp["name"]]
        assert imp["chute_id"] != real["chute_id"]
        assert imp["name"] in v1_ids
        price = imp["current_estimated_price"]["per_million_tokens"]["input"]["usd"]
        assert price != real["current_estimated_price"]["per_million_tokens"]["input"]["usd"]
    # at least one id-less v1 entry names an impostored model: name fallback must pick "chutes"
    assert {e["id"] for e in _v1_split(chutes, v1)["by_name"]} & {i["name"] for i in impostors}


# ---------------------------------------------------------------------------- scale
def test_big_catalog_is_unique_and_exact(big: tuple[tuple[dict, dict], float]) -> None:
    # how fast it is made is for bench/ to measure, never a timed assertion on a shared machine
    (chutes, v1), _elapsed = big
    items = chutes["items"]
    assert len(items) == chutes["total"] == 10_000
    assert len(v1["data"]) == 8_000
    assert len({(i["user"]["username"], i["name"]) for i in items}) == 10_000
    assert {i["standard_template"] for i in items} == TEMPLATES
    split = _v1_split(chutes, v1)
    assert len(split["by_name"]) == 1000 and len(split["renamed"]) == 200
    assert len(split["only"]) == 2
    assert sum(not _official(i) and i["name"] in {e["id"] for e in v1["data"]} for i in items) == 3


def test_impossible_requests_are_rejected() -> None:
    with pytest.raises(ValueError, match="too small"):
        synth.generate(50, 64)
    with pytest.raises(ValueError):
        synth.generate(180, 64, v1_without_chute_id=40, v1_renamed=40)
    with pytest.raises(ValueError):
        synth.generate(180, 64, v1_only=65)


# ---------------------------------------------------------------------------- hostile
def test_hostile_strings_cover_the_classics() -> None:
    strings = synth.hostile_strings()
    for needle in (
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "@SUM(A1)",
        "{{7*7}}",
        "'; DROP TABLE chutes;--",
        "</textarea><svg onload=alert(1)>",
    ):
        assert needle in strings
    assert any(s.startswith("=") for s in strings)
    assert any(len(s) >= 10_000 for s in strings)
    assert any("\x00" in s for s in strings) and any("\u202e" in s for s in strings)


def test_hostile_keeps_shapes_and_injects(sample: tuple[dict, dict]) -> None:
    chutes, v1 = sample
    before = json.dumps(sample)
    hc, hv = synth.hostile(chutes, v1)
    assert json.dumps(sample) == before  # inputs untouched
    assert set(hc) == set(chutes) and hc["total"] == len(hc["items"]) == len(chutes["items"])
    for old, new in zip(chutes["items"], hc["items"], strict=True):
        assert list(old) == list(new)
        assert new["chute_id"] == _uuid5(new)
    for old, new in zip(v1["data"], hv["data"], strict=True):
        assert list(old) == list(new)
    text = json.dumps(hc, ensure_ascii=False)
    for s in synth.hostile_strings():
        assert json.dumps(s, ensure_ascii=False)[1:-1] in text
    hostile_set = set(synth.hostile_strings())
    assert any(i["user"]["username"] in hostile_set for i in hc["items"])
    # official chutes renamed with hostile names are still listed under those names in v1
    split = _v1_split(hc, hv)
    assert any(e["id"] in hostile_set for e in split["by_id"])
    assert len(split["only"]) == KW["v1_only"]
    json.loads(json.dumps(hc)), json.loads(json.dumps(hv))  # still plain JSON
