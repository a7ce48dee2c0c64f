"""Loading CHUTES_SCORES tables (issue 20): TTL, cache, the last good copy, status as data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd

from chutes_data import export
from chutes_data.config import Settings
from chutes_data.sources.loader import load_catalog
from chutes_data.sources.scores_loader import load_scores

V1 = pd.DataFrame({"v1_id": ["zai-org/GLM-5.2-TEE"], "root": ["zai-org/GLM-5.2"]})
T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


def settings(tmp_path, *entries: str) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", cache_minutes=10, scores=entries)


def test_live_then_cached_then_stale_keeps_the_last_good_copy(tmp_path):
    table = tmp_path / "evals.csv"
    table.write_text("model,quality\nglm-5.2,81\n")
    s = settings(tmp_path, str(table))
    first = load_scores(s, V1, now=T0)
    assert [(t.origin, t.rows, t.matched, t.error) for t in first.statuses] == [("live", 1, 1, None)]
    assert first.match.scores["score"].tolist() == [81.0]
    table.write_text("model,quality\nglm-5.2,5\n")  # within the TTL: the cached copy
    again = load_scores(s, V1, now=T0 + timedelta(minutes=5))
    assert again.statuses[0].origin == "cache" and again.match.scores["score"].tolist() == [81.0]
    table.write_bytes(b"\xff\xfe\x00garbage-not-a-table")  # turned bad: the last good copy, stale
    stale = load_scores(s, V1, now=T0 + timedelta(minutes=20))
    status = stale.statuses[0]
    assert status.origin == "stale" and status.error and status.fetched_at == T0
    assert stale.match.scores["score"].tolist() == [81.0]
    table.unlink()
    gone = load_scores(s, V1, now=T0 + timedelta(minutes=40))
    assert gone.statuses[0].origin == "stale" and "cannot read it" in gone.statuses[0].error


def test_a_missing_table_without_a_copy_is_none_with_the_reason(tmp_path):
    result = load_scores(settings(tmp_path, str(tmp_path / "nope.csv")), V1, now=T0)
    status = result.statuses[0]
    assert status.origin == "none" and "nope.csv: cannot read it" in status.error
    assert result.match.scores.empty


def test_urls_keep_no_query_string_in_the_label_and_the_column_suffix_is_kept(tmp_path):
    seen = []

    def reader(location: str, timeout: float) -> bytes:
        seen.append(location)
        return b"model,a,b\nglm-5.2,1,9\n"

    s = settings(tmp_path, "https://evals.test/t.csv?token=abc#b")
    result = load_scores(s, V1, now=T0, reader=reader)
    assert seen == ["https://evals.test/t.csv?token=abc"]
    status = result.statuses[0]
    assert status.label == "https://evals.test/t.csv#b" and "token" not in status.label
    assert status.method == "column b" and result.match.scores["score"].tolist() == [9.0]


def test_the_catalog_carries_score_columns_and_exports_them(tmp_path, monkeypatch):
    evals = tmp_path / "evals.json"
    sample = load_catalog(Settings(offline=True), allow_sample=True).models
    name = sample["v1_id"].dropna().iloc[0]
    evals.write_text(json.dumps([{"model": name.split("/")[-1].lower(), "score": 42}]))
    s = Settings(offline=True, cache_dir=tmp_path / "cache", scores=(str(evals),))
    catalog = load_catalog(s, allow_sample=True)
    row = catalog.models.set_index("v1_id").loc[name]
    assert row["score"] == 42 and row["score_source"] == "evals.json: mean of 1 column (score)"
    assert "(normalized)" in row["score_match"] or "(fuzzy" in row["score_match"]
    assert export.export_columns(catalog.models)[-3:] == ["score", "score_source", "score_match"]
    assert catalog.scores.statuses[0].matched >= 1
