"""The market readers on hostile payloads: wrong types, missing fields, huge strings, NaN,
negative prices. Bad rows are skipped with a reason, bad fields become unknown, nothing raises
except an unusable envelope (PayloadError)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from chutes_data.errors import PayloadError
from chutes_data.market import OFFER_COLUMNS, read_models_dev, read_openrouter
from chutes_data.market.readers import MAX_DESCRIPTION, MAX_ID


@pytest.mark.parametrize("payload", [None, [], "api.json", 3, {"data": "x"}.get("data")])
def test_models_dev_unusable_envelope_is_a_payload_error(payload):
    with pytest.raises(PayloadError, match="models_dev"):
        read_models_dev(payload)


@pytest.mark.parametrize("payload", [None, {}, {"data": {"id": "x"}}, "models", 7])
def test_openrouter_unusable_envelope_is_a_payload_error(payload):
    with pytest.raises(PayloadError, match="openrouter"):
        read_openrouter(payload)


def test_models_dev_hostile_rows_are_skipped_or_kept_with_unknown_fields():
    payload = json.loads(
        json.dumps(
            {
                "broken": "not a provider",
                "listy": {"id": "listy", "models": [1, 2]},
                "p": {
                    "id": "p",
                    "models": {
                        "ok": {"id": "org/ok", "cost": {"input": 0.5, "output": 1.5, "cache_read": 0.1}},
                        "int-id": {"id": 12345},
                        "long": {"id": "x" * (MAX_ID + 1)},
                        "not-a-dict": ["x"],
                        "blank": {"id": "   "},
                        "nan": {"id": "org/nan", "cost": {"input": float("nan"), "output": float("inf")}},
                        "neg": {"id": "org/neg", "cost": {"input": -1, "output": "-0.5"}},
                        "junk": {
                            "id": "org/junk",
                            "cost": ["1", "2"],
                            "limit": {"context": "1e400"},
                            "release_date": "yesterday",
                            "knowledge": "2025-13",
                            "last_updated": 20250101,
                            "open_weights": "yes",
                            "status": "gamma",
                            "family": {"a": 1},
                            "name": "n" * 10_000,
                        },
                        "huge": {"id": "org/huge", "cost": {"input": 1e12, "output": "1e999"}},
                        "keyed": {"cost": {"input": "0.2", "output": "0.6"}, "status": "deprecated"},
                    },
                },
            }
        )
    )
    read = read_models_dev(payload)
    df = read.frame.set_index("model_id")
    assert list(read.frame.columns) == list(OFFER_COLUMNS)
    assert set(df.index) == {"org/ok", "org/nan", "org/neg", "org/junk", "org/huge", "keyed"}
    reasons = {s.key: s.reason for s in read.skipped}
    assert reasons["broken"] == reasons["listy"] == "provider without a models object"
    assert reasons["p:int-id"] == "id is int, not a string"
    assert reasons["p:long"] == f"id longer than {MAX_ID} characters"
    assert reasons["p:not-a-dict"] == "model is not an object"
    assert reasons["p:blank"] == "empty id"
    assert df.loc["org/ok", ["price_input_usd", "price_output_usd", "price_cache_read_usd"]].tolist() == [
        0.5,
        1.5,
        0.1,
    ]
    for bad in ("org/nan", "org/neg", "org/junk", "org/huge"):
        assert math.isnan(df.loc[bad, "price_input_usd"]) and math.isnan(df.loc[bad, "price_output_usd"])
        assert not df.loc[bad, "free"]  # unknown is not free
    junk = df.loc["org/junk"]
    assert junk["release_date"] is None and junk["knowledge_cutoff"] is None and junk["last_updated"] is None
    assert junk["status"] is None and junk["family"] is None and len(junk["name"]) == 200
    assert junk["open_weights"] is pd.NA and junk["context_length"] is pd.NA
    assert df.loc["keyed", "status"] == "deprecated" and df.loc["keyed", "price_input_usd"] == 0.2


def test_openrouter_hostile_rows_and_fields():
    long_text = "<script>alert(1)</script>" * 1000
    data = [
        "a string",
        {"name": "no id"},
        {"id": ["x"]},
        {
            "id": "org/ok",
            "hugging_face_id": "",
            "pricing": {"prompt": "0.00000073", "completion": "0.00000349", "input_cache_read": "NaN"},
            "context_length": "262144",
            "description": long_text,
            "knowledge_cutoff": "2025-01-31T00:00:00Z",
            "expiration_date": "soon",
        },
        {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}},
        {"id": "org/free:free", "hugging_face_id": "Org/Free", "pricing": {"prompt": "0", "completion": "0"}},
        {"id": "org/zero", "hugging_face_id": None, "pricing": {"prompt": 0, "completion": 0}},
        {"id": "org/weird", "pricing": "free", "top_provider": {"context_length": 8192}, "created": "x"},
        {"id": "org/big", "pricing": {"prompt": "1", "completion": "1e-300"}},
    ]
    read = read_openrouter({"data": data})
    df = read.frame.set_index("model_id")
    assert [(s.key, s.reason) for s in read.skipped] == [
        ("#0", "item is not an object"),
        ("#1", "no id"),
        ("#2", "id is list, not a string"),
    ]
    ok = df.loc["org/ok"]
    assert (ok["price_input_usd"], ok["price_output_usd"]) == (0.73, 3.49)
    assert math.isnan(ok["price_cache_read_usd"]) and ok["hf_id"] is None
    assert ok["context_length"] == 262144 and len(ok["description"]) == MAX_DESCRIPTION
    assert ok["knowledge_cutoff"] == "2025-01-31" and ok["expiration_date"] is None
    assert df.loc["openrouter/auto", ["price_input_usd", "price_output_usd"]].isna().all()
    assert not df.loc["openrouter/auto", "free"]  # a router's "-1" is unknown, not free
    assert df.loc["org/free:free", "free"] and df.loc["org/zero", "free"]
    assert df.loc["org/weird", "context_length"] == 8192 and math.isnan(
        df.loc["org/weird", "price_input_usd"]
    )
    # 1 USD per token is 1,000,000 per 1M: beyond any real price, so unknown
    assert math.isnan(df.loc["org/big", "price_input_usd"]) and df.loc["org/big", "price_output_usd"] == 0.0


def test_openrouter_bare_list_and_duplicates():
    item = {"id": "a/b", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    df = read_openrouter([item, dict(item, name="again")]).frame
    assert df["model_id"].tolist() == ["a/b"] and df["price_input_usd"].tolist() == [1.0]
