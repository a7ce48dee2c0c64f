"""The export path (issue 12): each payload normalized once, timestamps parsed vectorised with
the element-wise results, rows converted by column, JSON one row per line with the same content.

No timings here (they live in bench/); these pin that the fast paths give the slow paths' answers.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pandas as pd
import pytest
from payloads import chute_item, chutes_payload, v1_payload

from chutes_data import export
from chutes_data.sources import loader, normalize, registry
from chutes_data.values import json_safe, parse_time, parse_times

TRICKY_TIMES = [
    "2025-01-02T03:04:05.123456Z",
    "2025-01-02",
    "2025-01-02T03:04:05+02:00",
    "2025-01-02T03:04:05-11:00",
    " 2025-01-02 ",
    "junk",
    "",
    "2025-13-45",
    "1969-12-31T23:59:59Z",
    "2200-12-31T23:00:00Z",
    "2300-01-01",
    "8206-08-14T22:31:34Z",
    "0001-01-01",
    None,
    True,
    False,
    {},
    [],
    0,
    -5,
    1784718720,
    1784718720.5,
    2e11,
    1e20,
    2**70,
    math.nan,
    math.inf,
    -math.inf,
]


def test_parse_times_equals_the_scalar_reader():
    fast = parse_times(TRICKY_TIMES)
    slow = pd.Series([parse_time(v) for v in TRICKY_TIMES], dtype="datetime64[ns, UTC]")
    assert str(fast.dtype) == "datetime64[ns, UTC]"
    pd.testing.assert_series_equal(fast, slow, check_names=False)


def test_a_payload_file_is_normalized_once(tmp_path, settings, monkeypatch):
    path = tmp_path / "chutes.json"
    path.write_text(json.dumps(chutes_payload(n=4)), encoding="utf-8")
    calls = []
    real = normalize.chutes_frame

    def counting(payload):
        calls.append(1)
        return real(payload)

    monkeypatch.setitem(registry.SOURCES, "chutes", replace(registry.SOURCES["chutes"], frame=counting))
    loader.read_payload_file(path, "chutes")
    assert calls == []  # validating the envelope builds no frame
    data = loader.load_file(settings, "chutes", path)
    assert calls == [1] and data.status.count == 4


def test_a_bad_envelope_is_still_refused_without_the_frame(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"object": "list", "results": []}), encoding="utf-8")
    with pytest.raises(Exception, match="list under 'data'"):
        loader.read_payload_file(path, "v1")


def _old_rows(models: pd.DataFrame) -> list[dict]:
    cols = export.export_columns(models)
    return [
        {c: json_safe(v) for c, v in zip(cols, values, strict=True)}
        for values in models.reindex(columns=cols).itertuples(index=False, name=None)
    ]


def test_column_wise_rows_equal_cell_wise_rows(settings, tmp_path):
    items = [chute_item(i) for i in range(6)]
    items[1]["created_at"] = None
    items[2]["invocation_count"] = None
    items[3]["current_estimated_price"] = None
    files = {"chutes": tmp_path / "c.json", "v1": tmp_path / "v.json"}
    files["chutes"].write_text(json.dumps(chutes_payload(items)), encoding="utf-8")
    files["v1"].write_text(
        json.dumps(v1_payload(names=[i["name"] for i in items[:4]] + ["only/v1"])), encoding="utf-8"
    )
    models = loader.load_catalog(settings, files=files).models.copy()
    models.loc[0, "price_input_usd"] = math.inf
    new, old = export.rows(models), _old_rows(models)
    assert new == old
    assert [[type(v) for v in r.values()] for r in new] == [[type(v) for v in r.values()] for r in old]


def test_json_has_one_row_per_line_and_the_same_content():
    doc = {
        "generated_at": "2026-01-01T00:00:00Z",
        "sources": {"chutes": {"count": 2}},
        "merge_report": {"ids": ["a", "b"], "nested": {"x": [1, {"y": "é"}]}, "empty": []},
        "models": [{"name": "a\nb", "p": 0.1, "l": ["x"]}, {"name": "ü", "p": None, "l": []}],
    }
    text = export.to_json(doc)
    assert json.loads(text) == doc
    assert json.loads(text) == json.loads(json.dumps(doc, indent=1, ensure_ascii=False))
    lines = text.splitlines()
    assert '  {"name": "a\\nb", "p": 0.1, "l": ["x"]},' in lines and "ü" in text
    with pytest.raises(ValueError):
        export.to_json({"models": [{"p": math.nan}]})
    assert export.to_json({}) == "{}" and json.loads(export.to_json({"models": []})) == {"models": []}
