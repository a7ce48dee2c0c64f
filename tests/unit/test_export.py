"""The JSON export document and the formula-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd
import pytest
from payloads import FAKE_KEY, chute_item, price_block, v1_item

from chutes_data import export
from chutes_data.schema import EXPORT_COLUMNS, MERGED_COLUMNS
from chutes_data.sources.loader import load_catalog

SOURCE_BLOCK = {"origin", "fetched_at", "count", "stale", "complete", "error"}
NASTY = ["=1+1", "-2", "+x", "@x", "\tx", "\rx", '=HYPERLINK("http://evil.test","click")']


def strict_loads(text: str):
    def no_constants(name: str):
        raise AssertionError(f"{name} in the JSON export")

    return json.loads(text, parse_constant=no_constants)


def parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def catalog(settings, fake_api, make_client):
    """A live catalog: 3 matched vllm chutes, a diffusion chute, a v1-only model, nasty names."""
    fake_api.chutes_items += [
        chute_item(10, name="image-gen", template="diffusion", price="diffusion"),
        chute_item(11, name="cheap", price=price_block("vllm", usd_in=0.5, usd_out=1.25, cache_read=None)),
    ]
    fake_api.chutes_items += [
        chute_item(20 + i, name=f"{bad}-{i}", owner="mallory", template=None, price=None, tagline=bad)
        for i, bad in enumerate(NASTY)
    ]
    fake_api.v1_items.append(v1_item("only/in-v1", cache_read=None))
    return load_catalog(settings, client=make_client())


def test_document_shape_is_the_contract(catalog):
    doc = export.document(catalog)
    assert set(doc) == {"generated_at", "sources", "telemetry_sources", "merge_report", "models"}
    assert set(doc["telemetry_sources"]) == set(catalog.telemetry) and catalog.telemetry
    assert doc["generated_at"].endswith("Z")
    assert set(doc["sources"]) == {"chutes", "v1"}
    for name, block in doc["sources"].items():
        assert SOURCE_BLOCK <= set(block), name
        assert block["origin"] == "live" and block["stale"] is False and block["complete"] is True
        assert block["error"] is None and block["fetched_at"].endswith("Z")
    assert doc["sources"]["chutes"]["count"] == 3 + 2 + len(NASTY)
    assert doc["sources"]["v1"]["count"] == 4
    assert doc["merge_report"] == catalog.report.to_dict()
    assert {"matched", "only_in_chutes", "only_in_v1", "conflicts"} <= set(doc["merge_report"])
    assert len(doc["models"]) == len(catalog.models)
    for row in doc["models"]:
        assert list(row)[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS


def test_json_round_trip_has_no_nan(catalog):
    text = export.to_json(export.document(catalog))
    doc = strict_loads(text)
    rows = {r["name"]: r for r in doc["models"]}
    image = rows["image-gen"]
    assert image["price_input_usd"] is None and image["price_step_usd"] == 0.0069
    assert rows["cheap"]["price_input_usd"] == 0.5 and rows["cheap"]["price_cache_read_usd"] is None
    matched = rows["org0/Model-000"]
    assert matched["input_modalities"] == ["text"] and matched["context_length"] == 40960
    assert matched["source"] == "both" and matched["match_method"] == "chute_id"
    assert isinstance(matched["hot"], bool) and isinstance(matched["invocation_count"], int)
    assert rows["only/in-v1"]["chute_id"] == v1_item("only/in-v1")["chute_id"]
    assert doc == json.loads(export.to_json(doc))  # stable


def test_json_export_refuses_nan_and_converts_odd_cells():
    frame = pd.DataFrame(
        {
            "name": ["a"],
            "price_input_usd": [math.nan],
            "created_at": [pd.Timestamp("2026-01-02T03:04:05Z")],
            "input_modalities": [["text", float("nan")]],
        }
    )
    (row,) = export.rows(frame)
    assert row["price_input_usd"] is None and row["created_at"] == "2026-01-02T03:04:05Z"
    assert row["input_modalities"] == ["text", None]
    assert set(EXPORT_COLUMNS) <= set(row)  # missing contract columns are present, empty
    assert all(row[c] is None for c in EXPORT_COLUMNS if c not in frame.columns)
    with pytest.raises(ValueError):
        export.to_json({"x": math.nan})


def test_filtered_models_are_exported(catalog):
    subset = catalog.models[catalog.models["template"] == "diffusion"]
    doc = export.document(catalog, subset)
    assert [r["name"] for r in doc["models"]] == ["image-gen"]


def test_csv_has_the_json_columns(catalog):
    doc = strict_loads(export.to_json(export.document(catalog)))
    text = export.to_csv(catalog.models)
    rows = parse_csv(text)
    assert list(rows[0]) == list(doc["models"][0]) == export.export_columns(catalog.models)
    assert list(rows[0])[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    assert len(rows) == len(doc["models"])
    assert set(MERGED_COLUMNS) == set(rows[0])


def test_csv_cells_are_formula_safe(catalog):
    rows = parse_csv(export.to_csv(catalog.models))
    by_tagline = {r["owner"] + r["tagline"]: r for r in rows if r["owner"] == "mallory"}
    assert len(by_tagline) == len(NASTY)
    assert len(rows) == 3 + 2 + len(NASTY) + 1  # no row was split
    for bad in NASTY:
        shown = bad.replace("\r", "\n")  # a bare CR would end the row in a reader
        row = by_tagline["mallory'" + shown]
        assert row["tagline"] == "'" + shown
        assert row["name"].startswith("'") and row["name"][1:].startswith(shown[:2])
    for row in rows:
        for col, cell in row.items():
            assert not cell.startswith(export.FORMULA_PREFIXES), (col, cell)


def test_csv_numbers_stay_numbers(catalog):
    rows = {r["name"]: r for r in parse_csv(export.to_csv(catalog.models))}
    cheap = rows["cheap"]
    assert cheap["price_input_usd"] == "0.5" and cheap["price_output_usd"] == "1.25"
    assert cheap["price_cache_read_usd"] == ""
    assert cheap["invocation_count"] == str(10_000 - 11)
    assert cheap["hot"] == "True" and cheap["public"] == "True"
    matched = rows["org0/Model-000"]
    assert matched["input_modalities"] == "text" and matched["context_length"] == "40960"
    assert matched["supported_features"] == "json_mode, tools, structured_outputs"
    assert matched["created_at"] == "2025-01-02T03:04:05.123456Z"


def test_csv_negative_numbers_are_not_touched():
    frame = pd.DataFrame(
        {
            "name": ["-neg", "ok"],
            "price_input_usd": [-2.0, 0.5],
            "invocation_count": pd.array([-1, 3], dtype="Int64"),
        }
    )
    rows = parse_csv(export.to_csv(frame))
    assert [r["name"] for r in rows] == ["'-neg", "ok"]
    assert [r["price_input_usd"] for r in rows] == ["-2.0", "0.5"]
    assert [r["invocation_count"] for r in rows] == ["-1", "3"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("+x", "'+x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
        (0.5, 0.5),
        (-2, -2),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert export.safe_cell(value) == expected


def test_exports_never_contain_the_key(keyed_settings, fake_api, make_client):
    fake_api.fault("/v1/models", "status", status=401, body={"detail": f"no: {FAKE_KEY}"})
    cat = load_catalog(keyed_settings, client=make_client(keyed_settings))
    assert cat.v1.status.error  # the failure is reported...
    text = export.to_json(export.document(cat)) + export.to_csv(cat.models)
    assert FAKE_KEY not in text and "a" * 32 not in text  # ...without the key
