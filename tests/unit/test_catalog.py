"""load_catalog: origins (live / cache / sample / file / none), sample fallback, files, history."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from payloads import chute_item, v1_item

from chutes_data.errors import NoDataError, PayloadError
from chutes_data.history import history_path
from chutes_data.schema import MERGED_COLUMNS
from chutes_data.sources import registry
from chutes_data.sources.cache import DiskCache
from chutes_data.sources.loader import (
    cache_status,
    load_catalog,
    load_source,
    read_payload_file,
)
from chutes_data.sources.loading import sample_payload


def test_live_catalog_merges_both_sources(settings, fake_api, make_client):
    fake_api.chutes_items.append(chute_item(9, name="image-gen", template="diffusion", price="diffusion"))
    fake_api.v1_items.append(v1_item("only/in-v1"))
    cat = load_catalog(settings, client=make_client())
    assert cat.chutes.status.origin == cat.v1.status.origin == "live"
    assert not cat.is_sample and not any(d.status.stale for d in cat.sources.values())
    assert list(cat.models.columns) == MERGED_COLUMNS
    report = cat.report
    assert (report.chutes_total, report.v1_total, report.matched) == (4, 4, 3)
    assert (report.only_in_chutes, report.only_in_v1) == (1, 1)
    assert report.by_method["chute_id"] == 3
    assert len(cat.models) == 5
    row = cat.models.set_index("name").loc["org0/Model-000"]
    assert row.match_method == "chute_id" and row.context_length == 40960


def test_second_load_within_ttl_uses_the_cache(settings, fake_api, make_client):
    load_catalog(settings, client=make_client())
    fake_api.requests.clear()
    cat = load_catalog(settings, client=make_client())
    assert fake_api.requests == []
    assert cat.chutes.status.origin == cat.v1.status.origin == "cache"
    assert cat.report.matched == 3


def test_offline_serves_the_bundled_sample_without_requests(settings, fake_api, make_client):
    cat = load_catalog(settings.with_(offline=True), client=make_client())
    assert fake_api.requests == []
    assert cat.chutes.status.origin == cat.v1.status.origin == "sample"
    assert cat.is_sample and cat.chutes.status.fetched_at is None
    assert len(cat.models) >= 150 and cat.report.matched > 0
    assert not (settings.cache_dir / "chutes.json").exists()  # the sample is never cached


def test_sample_payloads_are_well_formed():
    chutes, v1 = sample_payload("chutes"), sample_payload("v1")
    assert isinstance(chutes["items"], list) and len(chutes["items"]) >= 150
    assert isinstance(v1["data"], list) and len(v1["data"]) >= 10


def test_no_data_at_all_falls_back_to_the_sample_when_allowed(settings, fake_api, make_client):
    fake_api.fault("/chutes/", "connect")
    fake_api.fault("/v1/models", "status", status=503)
    cat = load_catalog(settings, client=make_client(), allow_sample=True)
    assert cat.is_sample and cat.chutes.status.origin == "sample"
    assert any("bundled sample" in w and "HTTP 503" in w for w in cat.warnings)


def test_the_sample_says_why_it_stands_in_to_the_api_sse_and_status(settings, fake_api, make_client):
    """Cold start, both upstreams down: every door's outcome names the upstream errors (as data,
    `Outcome.reason`), not just the log; offline mode says so; a live catalog has no reason."""
    from types import SimpleNamespace

    from chutes_data.service.refresher import Snapshot
    from chutes_data.service.runtime import Service
    from chutes_data.sources.state import OFFLINE_REASON, State, assess, catalog_outcomes

    fake_api.fault("/chutes/", "connect")
    fake_api.fault("/v1/models", "status", status=503)
    cat = load_catalog(settings, client=make_client(), allow_sample=True)
    outcomes = catalog_outcomes(cat, settings)
    assert outcomes["chutes"].state is State.SAMPLE
    assert outcomes["v1"].reason.startswith("no live or cached data: ") and "503" in outcomes["v1"].reason
    assert outcomes["chutes"].reason == "no live or cached data: " + cat.fallback["chutes"]
    assert all(outcomes[n].reason for n in cat.telemetry), "the telemetry beside the sample says why too"
    event = Service.snapshot_event(
        SimpleNamespace(settings=settings), Snapshot(1, cat, datetime(2026, 12, 1, tzinfo=UTC))
    )  # the SSE snapshot event
    assert event["sources"]["v1"]["reason"] == outcomes["v1"].reason
    assert event["sources"]["v1"]["state"] == "sample"
    offline = settings.with_(offline=True)
    off = load_catalog(offline, client=make_client())
    assert assess(off.chutes.status, offline).reason == OFFLINE_REASON  # `status` and the banner's rule
    assert catalog_outcomes(off, offline)["chutes"].reason == OFFLINE_REASON


def test_no_data_at_all_raises_when_data_is_required(settings, fake_api, make_client):
    fake_api.fault("/chutes/", "connect")
    fake_api.fault("/v1/models", "status", status=503)
    with pytest.raises(NoDataError) as info:
        load_catalog(settings, client=make_client(), require_data=True)
    message = str(info.value)
    assert "\n" not in message and "chutes:" in message and "v1:" in message


def test_without_flags_no_data_is_an_empty_catalog(settings, fake_api, make_client):
    fake_api.fault("/chutes/", "connect")
    fake_api.fault("/v1/models", "connect")
    cat = load_catalog(settings, client=make_client())
    assert cat.models.empty and list(cat.models.columns) == MERGED_COLUMNS
    assert cat.chutes.status.origin == "none" and cat.chutes.status.error


def test_sample_is_never_mixed_with_live_data(settings, fake_api, make_client):
    fake_api.fault("/v1/models", "status", status=500)
    cat = load_catalog(settings, client=make_client(), allow_sample=True, require_data=True)
    assert cat.chutes.status.origin == "live" and cat.v1.status.origin == "none"
    assert not cat.is_sample and cat.report.chutes_total == 3


def test_stale_source_marks_the_catalog_stale(settings, fake_api, make_client):
    load_catalog(settings, client=make_client())
    fake_api.fault("/v1/models", "status", status=500)
    cat = load_catalog(settings, client=make_client(), refresh=True)
    assert cat.v1.status.stale and cat.v1.status.origin == "cache" and cat.chutes.status.origin == "live"


def test_files_replace_fetching(settings, fake_api, make_client, tmp_path, payloads):
    chutes_file = tmp_path / "chutes.json"
    chutes_file.write_text(json.dumps(payloads.chutes_payload(n=5)))
    v1_file = tmp_path / "v1.json"
    v1_file.write_text(json.dumps({**payloads.v1_payload(), "_captured_at": "2026-08-22T06:00:00Z"}))
    cat = load_catalog(settings, client=make_client(), files={"chutes": chutes_file, "v1": v1_file})
    assert fake_api.requests == []
    assert cat.chutes.status.origin == cat.v1.status.origin == "file"
    assert cat.chutes.status.count == 5 and cat.chutes.status.fetched_at is None
    assert cat.v1.status.fetched_at == datetime(2026, 8, 22, 6, tzinfo=UTC)


def test_one_file_and_one_fetch(settings, fake_api, make_client, tmp_path, payloads):
    v1_file = tmp_path / "v1.json"
    v1_file.write_text(json.dumps(payloads.v1_payload(names=["x/y"])))
    cat = load_catalog(settings, client=make_client(), files={"chutes": None, "v1": v1_file})
    assert cat.chutes.status.origin == "live" and cat.v1.status.origin == "file"
    assert fake_api.to("/v1/models") == []


def test_our_cache_file_can_be_read_as_a_file(settings, fake_api, make_client):
    load_source(settings, "chutes", client=make_client(), now=datetime(2026, 8, 1, tzinfo=UTC))
    payload, fetched_at = read_payload_file(DiskCache(settings.cache_dir).path("chutes"), "chutes")
    assert len(payload["items"]) == 3 and fetched_at == datetime(2026, 8, 1, tzinfo=UTC)


@pytest.mark.parametrize("content", ["<html>", '{"items": "x"}', "", '{"data": []}'])
def test_bad_files_are_payload_errors(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PayloadError) as info:
        read_payload_file(path, "chutes")
    assert "\n" not in str(info.value)


def test_missing_file_is_a_payload_error(tmp_path):
    with pytest.raises(PayloadError) as info:
        read_payload_file(tmp_path / "absent.json", "v1")
    assert "absent.json" in str(info.value)


def test_a_live_fetch_is_recorded_in_history(settings, fake_api, make_client):
    from chutes_data.history import HistoryStore

    load_catalog(settings, client=make_client())
    with HistoryStore(history_path(settings)) as store:
        snaps = store.snapshots_frame()
    assert sorted(snaps["source"]) == ["chutes", "v1"]


def test_a_history_failure_never_breaks_a_fetch(settings, fake_api, make_client, caplog, monkeypatch):
    from chutes_data.history import store as history

    def broken(self, *a, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(history.HistoryStore, "record", broken)
    data = load_source(settings, "v1", client=make_client())
    assert data.status.origin == "live" and data.status.count == 3
    assert any("history" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert DiskCache(settings.cache_dir).read("v1") is not None


def test_cache_status_marks_a_newer_error_stale(settings, fake_api, make_client):
    now = datetime.now(UTC)
    load_source(settings, "v1", client=make_client(), now=now - timedelta(minutes=1))
    fake_api.fault("/v1/models", "status", status=500)
    load_source(settings, "v1", client=make_client(), now=now, refresh=True)
    status = cache_status(settings)["v1"]
    assert status.stale is True and "HTTP 500" in status.error and status.count == 3


def test_source_status_to_dict_is_the_contract_block(settings, fake_api, make_client):
    data = load_source(settings, "v1", client=make_client(), now=datetime(2026, 8, 1, tzinfo=UTC))
    block = data.status.to_dict()
    assert {"origin", "fetched_at", "count", "stale", "complete", "error"} <= set(block)
    assert block["fetched_at"] == "2026-08-01T00:00:00Z" and "source" not in block
    json.dumps(block, allow_nan=False)


def test_sample_dir_is_inside_the_package():
    assert registry.SAMPLE_DIR.parent.name == "chutes_data"
