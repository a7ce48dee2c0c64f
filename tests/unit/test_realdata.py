"""The readers against real third-party captures in ../shared/realdata (skipped when absent).

* `v1_models_daily/*.json`: 73 real `GET /v1/models` responses (2026-06 .. 2026-08).
* `chutes_catalog_2025-10-22.md`: a 282-chute table built from a real `/chutes/` response; it is
  parsed here back into a `/chutes/` payload in the real shape.
The captures are never copied into the project.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pandas as pd
import pytest
from realdata import CATALOG_MD, V1_FILES, needs_catalog, needs_v1

from chutes_data.merge import merge_catalogs
from chutes_data.sources import normalize
from chutes_data.sources.client import ChutesClient
from chutes_data.sources.loader import read_payload_file

needs_md = needs_catalog


# ---------------------------------------------------------------------------- /v1/models captures
@needs_v1
def test_there_are_many_daily_captures():
    assert len(V1_FILES) >= 70


@needs_v1
@pytest.mark.parametrize("path", V1_FILES, ids=[p.stem for p in V1_FILES])
def test_each_daily_capture_parses(path):
    payload = json.loads(path.read_text(encoding="utf-8"))
    frame = normalize.v1_frame(payload)
    assert len(frame) >= 10 and len(frame) == len(payload["data"])
    assert frame["v1_id"].is_unique
    for col in ("chute_id", "v1_price_input_usd", "v1_price_output_usd", "max_model_len"):
        assert frame[col].notna().all(), col
    assert (frame["v1_price_input_usd"] > 0).all()
    assert (frame["v1_price_output_usd"] >= frame["v1_price_input_usd"]).all()
    # every entry is the official chute of that name (chute_id = uuid5 of "chutes::chute::<id>")
    expected = [str(uuid.uuid5(uuid.NAMESPACE_OID, f"chutes::chute::{i}")) for i in frame["v1_id"]]
    assert list(frame["chute_id"]) == expected
    assert frame["created"].notna().all() and str(frame["created"].dt.tz) == "UTC"
    assert frame["confidential_compute"].notna().all()


@needs_v1
def test_missing_overrides_are_tolerated():
    """Some real entries have none of the admin-override fields."""
    seen = 0
    for path in V1_FILES:
        payload = json.loads(path.read_text(encoding="utf-8"))
        frame = normalize.v1_frame(payload).set_index("v1_id")
        for item in payload["data"]:
            if "context_length" not in item:
                seen += 1
                row = frame.loc[item["id"]]
                assert pd.isna(row["context_length"]) and list(row["input_modalities"]) == []
    assert seen > 0


@needs_v1
def test_real_capture_through_the_client_and_as_a_file(settings):
    path = V1_FILES[-1]
    body = path.read_bytes()
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "application/json"})
    )
    with ChutesClient(settings, transport=transport, sleep=lambda s: None) as client:
        payload = client.list_v1_models()
    assert len(normalize.v1_frame(payload)) == len(json.loads(body)["data"])
    loaded, fetched_at = read_payload_file(path, "v1")
    assert fetched_at is not None and fetched_at.date().isoformat() == path.stem


# ---------------------------------------------------------------------------- the catalog table
ROW = re.compile(
    r"^\| \[(?P<name>[^\]]+)\]\(https://chutes\.ai/app/chute/(?P<id>[0-9a-f-]{36})\) "
    r"\| (?P<template>\w+) \| (?P<modalities>[^|]*) \| \$(?P<input>[\d.]+) "
    r"\| \$(?P<output>[\d.]+) \| (?P<invocations>[\d.]+[KM]?) \| (?P<status>[^|]+) "
    r"\| (?P<hot>[^|]+) \|$"
)


def invocations(text: str) -> int:
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return round(float(text.rstrip("KM")) * scale)


def item_from_row(m: re.Match) -> dict:
    """A `/chutes/` list item in the real shape, from one table row."""
    template = m["template"].lower()
    hot = "Hot" in m["hot"]
    active = "Active" in m["status"]
    price: dict = {"usd": {"hour": 1.0, "second": 1 / 3600}}
    if template == "vllm":
        price["per_million_tokens"] = {
            "input": {"usd": float(m["input"])},
            "output": {"usd": float(m["output"])},
        }
    return {
        "chute_id": m["id"],
        "name": m["name"],
        "tagline": None,
        "public": True,
        "standard_template": None if template == "custom" else template,
        "cords": None,
        "cord_ref_id": None,
        "invocation_count": invocations(m["invocations"]),
        "current_estimated_price": price,
        "user": {"username": "chutes"},
        "instances": [{"instance_id": "i", "region": "us", "active": active, "verified": hot}],
        "hot": hot,
    }


def catalog_payload() -> dict:
    items = [item_from_row(m) for m in map(ROW.match, CATALOG_MD.read_text("utf-8").splitlines()) if m]
    return {"total": len(items), "page": 0, "limit": len(items), "items": items, "cord_refs": {}}


@needs_md
def test_catalog_table_parses_into_282_chutes():
    payload = catalog_payload()
    frame = normalize.chutes_frame(payload)
    assert len(payload["items"]) == len(frame) == 282
    assert frame["chute_id"].is_unique
    assert frame["template"].value_counts().to_dict() == {
        "vllm": 244,
        "diffusion": 19,
        "custom": 12,
        "embedding": 4,
        "tei": 3,
    }
    rows = frame.set_index("name")
    gemma = rows.loc["unsloth/gemma-3-12b-it"]
    assert gemma.chute_id == "83594561-0940-5839-ac92-1d94dd280567"
    assert (gemma.price_input_usd, gemma.price_output_usd) == (0.03, 0.1)
    assert gemma.invocation_count == 13_100 and bool(gemma.hot) is True
    affine = rows.loc["Deval1004/Affine-v25.0.1"]
    assert bool(affine.hot) is False and affine.invocation_count == 0
    vllm = frame[frame["template"] == "vllm"]
    assert vllm["price_input_usd"].notna().all() and vllm["price_output_usd"].notna().all()
    others = frame[frame["template"] != "vllm"]
    assert others["price_input_usd"].isna().all() and others["price_hour_usd"].notna().all()
    assert int(frame["hot"].sum()) == 180


@needs_md
@needs_v1
def test_real_catalog_and_real_v1_merge():
    chutes = normalize.chutes_frame(catalog_payload())
    v1 = normalize.v1_frame(json.loads(V1_FILES[0].read_text("utf-8")))
    result = merge_catalogs(chutes, v1)
    report = result.report
    assert report.chutes_total == 282 and report.v1_total == len(v1)
    assert report.matched + report.only_in_v1 == len(v1)
    assert len(result.models) == 282 + report.only_in_v1
    assert result.models["chute_id"].dropna().is_unique
