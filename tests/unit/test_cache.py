"""DiskCache and load_source: atomic writes, corrupt files, TTL, stale-on-failure, error files."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from payloads import FAKE_KEY, chute_item

from chutes_data.sources import cache as cache_mod
from chutes_data.sources.cache import DiskCache, iso, parse_time
from chutes_data.sources.loader import cache_status, load_source
from chutes_data.sources.state import State, assess

T0 = datetime(2026, 8, 1, 12, 0, 0, 123456, tzinfo=UTC)


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# ---------------------------------------------------------------------------- DiskCache
def test_write_then_read_round_trip(tmp_path):
    cache = DiskCache(tmp_path / "c")
    payload = {"object": "list", "data": [{"id": "a/b", "price": {"input": {"usd": 0.1}}}], "note": "ünïcode"}
    assert cache.write("v1", payload, T0) is True
    got = cache.read("v1")
    assert got is not None and got.payload == payload and got.fetched_at == T0
    assert got.source == "v1"
    doc = json.loads(cache.path("v1").read_text(encoding="utf-8"))
    assert doc == {
        "source": "v1",
        "fetched_at": "2026-08-01T12:00:00.123456Z",
        "complete": True,
        "payload": payload,
    }
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["v1.json"]  # no temp files left


def test_read_absent_is_none_without_warning(tmp_path, caplog):
    assert DiskCache(tmp_path / "nothing").read("chutes") is None
    assert warnings_of(caplog) == []


CORRUPT = {
    "not json": b"<html>oops</html>",
    "truncated": b'{"source": "v1", "fetched_at": "2026-08-01T12:00:00Z", "complete": true, "pay',
    "empty": b"",
    "binary": b"\xff\xfe\x00garbage",
    "a list": b"[]",
    "wrong source": json.dumps(
        {"source": "chutes", "fetched_at": "2026-08-01T12:00:00Z", "complete": True, "payload": {"data": []}}
    ).encode(),
    "incomplete": json.dumps(
        {"source": "v1", "fetched_at": "2026-08-01T12:00:00Z", "complete": False, "payload": {"data": []}}
    ).encode(),
    "no payload": json.dumps(
        {"source": "v1", "fetched_at": "2026-08-01T12:00:00Z", "complete": True}
    ).encode(),
    "bad time": json.dumps(
        {"source": "v1", "fetched_at": "yesterday", "complete": True, "payload": {"data": []}}
    ).encode(),
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_cache_file_is_ignored_with_a_warning(tmp_path, caplog, content):
    cache = DiskCache(tmp_path)
    cache.path("v1").write_bytes(content)
    assert cache.read("v1") is None
    (warning,) = warnings_of(caplog)
    assert "ignoring it" in warning and "v1.json" in warning


def test_unreadable_cache_path_is_ignored(tmp_path, caplog):
    cache = DiskCache(tmp_path)
    cache.path("v1").mkdir()  # a directory where the file should be
    assert cache.read("v1") is None
    assert len(warnings_of(caplog)) == 1


def test_failed_write_keeps_the_old_file_and_does_not_crash(tmp_path, caplog, monkeypatch):
    cache = DiskCache(tmp_path)
    cache.write("v1", {"data": [1]}, T0)
    before = cache.path("v1").read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.os, "replace", refuse)
    assert cache.write("v1", {"data": [2]}, T0 + timedelta(hours=1)) is False
    assert cache.path("v1").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v1.json"]  # the temp file is gone
    assert any("cannot write cache file" in w for w in warnings_of(caplog))


def test_write_into_unusable_directory_returns_false(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DiskCache(blocker / "cache")
    assert cache.write("chutes", {"items": []}, T0) is False
    cache.write_error("chutes", "boom", T0)  # must not raise either
    assert cache.read("chutes") is None and cache.read_error("chutes") is None
    assert len(warnings_of(caplog)) >= 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_write_into_read_only_directory_returns_false(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        assert DiskCache(directory).write("v1", {"data": []}, T0) is False
    finally:
        directory.chmod(0o700)


def test_error_file_round_trip_and_clear(tmp_path):
    cache = DiskCache(tmp_path)
    assert cache.read_error("v1") is None
    cache.write_error("v1", "v1: boom", T0)
    err = cache.read_error("v1")
    assert err is not None and err.message == "v1: boom" and err.at == T0
    cache.write("v1", {"data": []}, T0)  # a good write clears it
    assert cache.read_error("v1") is None
    assert not (tmp_path / "v1.error.json").exists()


def test_corrupt_error_file_is_ignored(tmp_path):
    cache = DiskCache(tmp_path)
    (tmp_path / "v1.error.json").write_text("{not json")
    assert cache.read_error("v1") is None
    (tmp_path / "v1.error.json").write_text('{"message": "x"}')
    assert cache.read_error("v1") is None


def test_parse_time_and_iso():
    assert parse_time("2026-08-01T12:00:00Z") == datetime(2026, 8, 1, 12, tzinfo=UTC)
    assert parse_time("2026-08-01T14:00:00+02:00") == datetime(2026, 8, 1, 12, tzinfo=UTC)
    assert parse_time("2026-08-01T12:00:00") == datetime(2026, 8, 1, 12, tzinfo=UTC)
    assert parse_time("garbage") is None and parse_time(None) is None and parse_time(True) is None
    assert iso(datetime(2026, 8, 1, 12, tzinfo=UTC)) == "2026-08-01T12:00:00Z"
    assert iso(None) is None


# ---------------------------------------------------------------------------- load_source
def test_first_load_is_live_and_written(settings, fake_api, make_client):
    data = load_source(settings, "chutes", client=make_client(), now=T0)
    s = data.status
    assert (s.origin, s.count, s.stale, s.complete, s.error) == ("live", 3, False, True, None)
    assert s.fetched_at == T0
    cached = DiskCache(settings.cache_dir).read("chutes")
    assert cached is not None and cached.fetched_at == T0
    assert [i["chute_id"] for i in cached.payload["items"]] == [i["chute_id"] for i in fake_api.chutes_items]


def test_within_ttl_nothing_goes_upstream(settings, fake_api, make_client):
    load_source(settings, "v1", client=make_client(), now=T0)
    fake_api.requests.clear()
    data = load_source(settings, "v1", client=make_client(), now=T0 + timedelta(minutes=9))
    assert fake_api.requests == []
    assert data.status.origin == "cache" and data.status.stale is False
    assert data.status.fetched_at == T0 and data.status.count == 3


def test_past_ttl_refetches(settings, fake_api, make_client):
    load_source(settings, "v1", client=make_client(), now=T0)
    fake_api.requests.clear()
    fake_api.v1_items = fake_api.v1_items[:2]
    later = T0 + timedelta(minutes=10, seconds=1)
    data = load_source(settings, "v1", client=make_client(), now=later)
    assert len(fake_api.to("/v1/models")) == 1
    assert data.status.origin == "live" and data.status.count == 2
    assert DiskCache(settings.cache_dir).read("v1").fetched_at == later


def test_refresh_forces_a_fetch(settings, fake_api, make_client):
    load_source(settings, "chutes", client=make_client(), now=T0)
    fake_api.requests.clear()
    data = load_source(settings, "chutes", client=make_client(), now=T0 + timedelta(seconds=5), refresh=True)
    assert len(fake_api.to("/chutes/")) == 1 and data.status.origin == "live"


def test_zero_ttl_always_refetches(settings, fake_api, make_client):
    zero = settings.with_(cache_minutes=0)
    load_source(zero, "v1", client=make_client(zero), now=T0)
    load_source(zero, "v1", client=make_client(zero), now=T0)
    assert len(fake_api.to("/v1/models")) == 2


@pytest.mark.parametrize(
    "content",
    [CORRUPT["not json"], CORRUPT["truncated"], CORRUPT["a list"]],
    ids=["not json", "truncated", "wrong shape"],
)
def test_corrupt_cache_is_refetched_and_repaired(settings, fake_api, make_client, caplog, content):
    path = DiskCache(settings.cache_dir).path("v1")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    data = load_source(settings, "v1", client=make_client(), now=T0)
    assert data.status.origin == "live" and data.status.count == 3
    assert len(fake_api.to("/v1/models")) == 1
    assert any("v1.json" in w for w in warnings_of(caplog))
    assert DiskCache(settings.cache_dir).read("v1").fetched_at == T0  # repaired


def test_cached_payload_of_the_wrong_shape_is_refetched(settings, fake_api, make_client, caplog):
    DiskCache(settings.cache_dir).write("chutes", {"not": "a listing"}, T0)
    data = load_source(settings, "chutes", client=make_client(), now=T0 + timedelta(minutes=1))
    assert data.status.origin == "live" and len(fake_api.to("/chutes/")) == 1
    assert any("unusable" in w for w in warnings_of(caplog))


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "connect"},
        {"kind": "timeout"},
        {"kind": "html"},
        {"kind": "truncated"},
        {"kind": "wrong_shape"},
    ],
)
def test_failed_refresh_keeps_the_last_good_snapshot(settings, fake_api, make_client, fault):
    good = load_source(settings, "chutes", client=make_client(), now=T0)
    path = DiskCache(settings.cache_dir).path("chutes")
    before = path.read_bytes()
    fake_api.fault("/chutes/", **fault)
    later = T0 + timedelta(hours=1)
    data = load_source(settings, "chutes", client=make_client(), now=later)
    s = data.status
    assert (s.origin, s.stale, s.complete) == ("cache", True, True)
    assert s.count == good.status.count == 3 and s.fetched_at == T0
    assert s.error and s.error.startswith("chutes:") and "\n" not in s.error
    assert path.read_bytes() == before
    err = DiskCache(settings.cache_dir).read_error("chutes")
    assert err is not None and err.message == s.error and err.at == later
    status = cache_status(settings)["chutes"]
    assert status.origin == "cache" and status.stale is True and status.error == s.error

    fake_api.clear_faults()  # the next good fetch replaces the snapshot and clears the error
    fresh = load_source(
        settings, "chutes", client=make_client(), now=later + timedelta(hours=1), refresh=True
    )
    assert fresh.status.origin == "live" and fresh.status.error is None
    assert DiskCache(settings.cache_dir).read_error("chutes") is None
    assert cache_status(settings)["chutes"].error is None


def test_partial_fetch_never_replaces_the_snapshot(settings, fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(120)]
    fake_api.max_page_size = 50
    load_source(settings, "chutes", client=make_client(), now=T0)
    path = DiskCache(settings.cache_dir).path("chutes")
    before = path.read_bytes()
    fake_api.fault("/chutes/", "status", status=500, when=lambda r: r.url.params["page"] == "2")
    data = load_source(settings, "chutes", client=make_client(), now=T0 + timedelta(hours=1))
    assert data.status.origin == "cache" and data.status.stale and data.status.count == 120
    assert "100 of 120" in data.status.error
    assert path.read_bytes() == before


def test_partial_fetch_without_cache_is_served_incomplete(settings, fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(120)]
    fake_api.max_page_size = 50
    fake_api.total = 150
    data = load_source(settings, "chutes", client=make_client(), now=T0)
    s = data.status
    assert (s.origin, s.complete, s.count) == ("live", False, 120)
    assert "120 of 150" in s.error
    assert not DiskCache(settings.cache_dir).path("chutes").exists()
    assert DiskCache(settings.cache_dir).read_error("chutes") is not None


def test_failure_without_cache_is_origin_none(settings, fake_api, make_client):
    fake_api.fault("/v1/models", "status", status=502)
    data = load_source(settings, "v1", client=make_client(), now=T0)
    s = data.status
    assert (s.origin, s.count, s.fetched_at) == ("none", 0, None)
    assert "HTTP 502" in s.error
    assert data.frame.empty and "v1_id" in data.frame.columns


def test_write_failure_does_not_break_a_fetch(settings, fake_api, make_client, tmp_path, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    unwritable = settings.with_(cache_dir=blocker / "cache")
    data = load_source(unwritable, "v1", client=make_client(unwritable), now=T0)
    assert data.status.origin == "live" and data.status.count == 3
    assert any("cannot write cache file" in w for w in warnings_of(caplog))
    fake_api.fault("/v1/models", "status", status=500)
    failed = load_source(unwritable, "v1", client=make_client(unwritable), now=T0)
    assert failed.status.origin == "none"


def test_cache_status_before_and_after(settings, fake_api, make_client):
    before = cache_status(settings)
    assert {k: (v.origin, v.count, v.fetched_at) for k, v in before.items()} == {
        "chutes": ("none", 0, None),
        "v1": ("none", 0, None),
    }
    now = datetime.now(UTC)
    load_source(settings, "v1", client=make_client(), now=now)
    after = cache_status(settings)
    assert after["v1"].origin == "cache" and after["v1"].count == 3 and not after["v1"].stale
    assert after["chutes"].origin == "none"
    old = now - timedelta(hours=1)
    DiskCache(settings.cache_dir).write("chutes", {"items": [chute_item(1)]}, old)
    old_chutes = cache_status(settings)["chutes"]  # an hour old: past its TTL plus one interval
    assert assess(old_chutes, settings).state is State.STALE  # the one rule (sources.state)
    assert assess(after["v1"], settings).state is State.CACHED


# ---------------------------------------------------------------------------- the key
def key_leaks(paths: list[Path]) -> list[str]:
    return [str(p) for p in paths if p.is_file() and FAKE_KEY.encode() in p.read_bytes()]


def test_key_is_never_written_to_disk_or_status(keyed_settings, fake_api, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    load_source(keyed_settings, "chutes", client=make_client(keyed_settings), now=T0)
    load_source(keyed_settings, "v1", client=make_client(keyed_settings), now=T0)
    # upstream errors that echo the key, and transport errors that mention it
    fake_api.fault("/chutes/", "status", status=401, body={"detail": f"bad token {FAKE_KEY}"})
    fake_api.fault(
        "/v1/models",
        "custom",
        respond=lambda r: (_ for _ in ()).throw(
            httpx.ConnectError(f"proxy refused Bearer {FAKE_KEY}", request=r)
        ),
    )
    later = T0 + timedelta(hours=1)
    chutes = load_source(keyed_settings, "chutes", client=make_client(keyed_settings), now=later)
    v1 = load_source(keyed_settings, "v1", client=make_client(keyed_settings), now=later)
    assert chutes.status.stale and v1.status.stale
    assert "API key was rejected" in chutes.status.error
    for text in (chutes.status.error, v1.status.error, repr(chutes.status), repr(v1.status), caplog.text):
        assert FAKE_KEY not in text
    files = list(keyed_settings.cache_dir.rglob("*"))
    assert any(p.name == "chutes.error.json" for p in files)
    assert key_leaks(files) == []


def test_network_error_messages_redact_the_key(keyed_settings, fake_api, make_client):
    from chutes_data.errors import NetworkError

    fake_api.fault(
        "/chutes/",
        "custom",
        respond=lambda r: (_ for _ in ()).throw(httpx.ConnectError(f"refused {FAKE_KEY}", request=r)),
    )
    with pytest.raises(NetworkError) as info:
        make_client(keyed_settings).list_chutes()
    assert FAKE_KEY not in str(info.value)


def test_a_cache_file_from_before_the_scrub_is_scrubbed_when_read(settings, fake_api, make_client):
    """A cache written before the key was scrubbed at the source may hold an echo of it: what is
    read back (and everything built from it) carries the key nowhere, and nothing is fetched."""
    keyed = settings.with_(api_key=FAKE_KEY)
    load_source(keyed, "chutes", client=make_client(), now=T0)  # a well-formed cache file
    path = DiskCache(keyed.cache_dir).path("chutes")
    doc = json.loads(path.read_text())
    doc["payload"]["items"][0]["name"] = f"leaky/{FAKE_KEY}"  # as an old, unscrubbed file held it
    doc["payload"]["items"][0]["tagline"] = {FAKE_KEY: f"x {FAKE_KEY} y"}
    path.write_text(json.dumps(doc))
    assert FAKE_KEY in path.read_text()
    fake_api.requests.clear()
    data = load_source(keyed, "chutes", client=make_client(), now=T0 + timedelta(minutes=1))
    assert fake_api.requests == [] and data.status.origin == "cache"
    assert FAKE_KEY not in json.dumps(data.payload)
    assert FAKE_KEY not in data.frame.to_json()
    assert any(name.startswith("leaky/") for name in data.frame["name"]), data.frame["name"].tolist()
    assert FAKE_KEY not in json.dumps(DiskCache(keyed.cache_dir, FAKE_KEY).read("chutes").payload)
    assert FAKE_KEY in json.dumps(DiskCache(keyed.cache_dir).read("chutes").payload)  # no key: as is
