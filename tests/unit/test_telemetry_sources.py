"""Telemetry sources against the loopback stand-in upstream: real shapes, every fault, the key."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import telemetry_payloads as tp
from upstream import Fault

from chutes_data import load_catalog
from chutes_data.config import Settings
from chutes_data.sources.registry import MARKET_SOURCES, SOURCES, TELEMETRY_SOURCES
from chutes_data.sources.telemetry_loader import (
    load_telemetry,
    load_telemetry_source,
    telemetry_cache_status,
)

UTIL, LLM = "/chutes/utilization", "/invocations/stats/llm"


@pytest.fixture
def live(settings, upstream) -> Settings:
    return settings.with_(base_url=upstream.url, llm_base_url=upstream.url, http_timeout=1.0)


def test_every_source_loads_live_and_joins_by_chute_id(live, upstream):
    cat = load_catalog(live)
    assert set(cat.telemetry) == set(TELEMETRY_SOURCES)
    for name, data in cat.telemetry.items():
        assert data.status.origin == "live" and not data.status.stale, name
        assert data.status.count > 0 and data.status.error is None, name
    assert list(cat.all_sources) == ["chutes", "v1", *TELEMETRY_SOURCES, *MARKET_SOURCES]
    models = cat.models.set_index("chute_id")
    c0, c1, c2 = (tp.chute_id(i) for i in range(3))
    assert models.loc[c0, "tps_7d"] == 40.0 and models.loc[c0, "ttft_7d_s"] == 1.5
    assert models.loc[c0, "requests_7d"] == 700 and models.loc[c0, "requests_trend"] == 0.0
    assert models.loc[c0, "capacity"] == "busy"
    assert models.loc[c1, "capacity"] == "cold" and bool(models.loc[c1, "cold_start_bounty"])
    assert models.loc[c2, "capacity"] == "throttling" and bool(models.loc[c2, "rolling_update"])
    assert math.isnan(models.loc[c2, "tps_7d"])  # its stats are all zeros: unknown
    assert len(cat.models) == 3  # the stranger chute's telemetry is not a row
    # asked with start_date, on the exact routes (no trailing slash on /chutes/utilization)
    assert [r["query"] for r in upstream.requests[LLM]] == [
        {"start_date": upstream.requests[LLM][0]["query"]["start_date"]}
    ]
    assert upstream.count(UTIL) == 1


def test_the_key_is_never_sent_to_telemetry_routes(live, upstream, fake_key):
    load_catalog(live.with_(api_key=fake_key))
    assert all(h.get("authorization") == f"Bearer {fake_key}" for h in upstream.headers("/chutes/"))
    for path in tp.PATHS.values():
        seen = upstream.headers(path)
        assert seen and all("authorization" not in h for h in seen), path
        assert all(fake_key not in json.dumps(h) for h in seen)
    for name in TELEMETRY_SOURCES:
        assert fake_key not in (live.cache_dir / f"{SOURCES[name].cache_key}.json").read_text()


def test_a_server_ignoring_start_date_is_trimmed_client_side(live, upstream):
    upstream.honour_start_date = False
    upstream.telemetry[LLM] = upstream.telemetry[LLM] + [tp.llm_row(tp.chute_id(0), "2025-02-01")]
    data = load_telemetry_source(live, "llm_stats")
    assert data.status.origin == "live"
    assert "2025-02-01" not in {r["date"] for r in data.payload}
    assert "2025-02-01" not in (live.cache_dir / "telemetry_llm_stats.json").read_text()


FAULTS = {
    "503": Fault(status=503, detail="down"),
    "429": Fault(status=429, retry_after="0"),
    "html": Fault(html=True),
    "truncated": Fault(truncated=True),
    "hang": Fault(hang=5.0),
    "hang_up": Fault(hang_up=True),
    "404": Fault(status=404, detail="Chute not found, or does not belong to you"),
    "wrong shape": Fault(body={"detail": "ok"}),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_source_never_breaks_the_catalog(live, upstream, fault):
    upstream.faults[UTIL] = FAULTS[fault]
    cat = load_catalog(live)
    assert cat.chutes.status.origin == cat.v1.status.origin == "live"
    assert not any(d.status.stale for d in cat.sources.values()) and len(cat.models) == 3
    util = cat.telemetry["utilization"].status
    assert util.origin == "none" and util.error and "utilization" in util.error
    assert cat.models["capacity"].isin(["unknown", "cold"]).all()  # cold: the bounty still says so
    assert cat.models["utilization_1h"].isna().all()
    assert cat.models["tps_7d"].notna().any()  # the other sources still count
    assert cat.telemetry["llm_stats"].status.origin == "live"


def test_a_failed_refresh_serves_the_last_good_snapshot_marked_stale(live, upstream):
    load_catalog(live)
    upstream.faults[LLM] = Fault(status=500, detail="boom")
    cat = load_catalog(live, refresh=True)
    stats = cat.telemetry["llm_stats"].status
    assert stats.origin == "cache" and stats.stale and "HTTP 500" in stats.error
    assert cat.models.set_index("chute_id").loc[tp.chute_id(0), "tps_7d"] == 40.0
    status = telemetry_cache_status(live)
    assert status["llm_stats"].stale and "HTTP 500" in status["llm_stats"].error
    assert not status["utilization"].stale and status["utilization"].count == 4


def test_telemetry_has_its_own_ttl(live, upstream):
    settings = live.with_(cache_minutes=60.0, telemetry_minutes=0.0)
    load_catalog(settings)
    load_catalog(settings)
    assert upstream.count("/chutes/") == 1  # the catalog came from its cache
    assert upstream.count(UTIL) == 2  # telemetry (TTL 0) was refetched
    settings = live.with_(cache_minutes=0.0, telemetry_minutes=60.0)
    load_catalog(settings)
    assert upstream.count(UTIL) == 2 and upstream.count("/chutes/") == 2
    data = load_telemetry(settings)["utilization"]
    assert data.status.origin == "cache" and data.status.ttl_seconds == 3600


def test_telemetry_minutes_from_the_environment():
    assert Settings.from_env({}).telemetry_minutes == 10.0
    assert Settings.from_env({"CHUTES_TELEMETRY_MINUTES": "2.5"}).telemetry_ttl_seconds == 150.0
    bad = Settings.from_env({"CHUTES_TELEMETRY_MINUTES": "soon"})
    assert bad.telemetry_minutes == 10.0 and any("CHUTES_TELEMETRY_MINUTES" in w for w in bad.warnings)


def test_offline_and_files_fetch_no_telemetry(settings, upstream, tmp_path, payloads):
    offline = load_catalog(settings.with_(offline=True))
    assert {d.status.origin for d in offline.telemetry.values()} == {"sample"}
    path = tmp_path / "chutes.json"
    path.write_text(json.dumps(payloads.chutes_payload()))
    live = settings.with_(base_url=upstream.url, llm_base_url=upstream.url)
    cat = load_catalog(live, files={"chutes": path})
    assert cat.telemetry == {} and upstream.count(UTIL) == 0
    assert cat.models["capacity"].eq("unknown").all()


def test_private_names_do_not_matter(live, upstream):
    for row in upstream.telemetry[LLM]:
        row["name"] = "[private]"
    cat = load_catalog(live)
    assert cat.models.set_index("chute_id").loc[tp.chute_id(0), "tps_7d"] == 40.0
    assert "[private]" not in set(cat.models["name"])


# ---------------------------------------------------------------------------- history
def test_daily_stats_are_kept_once_per_chute_per_day(live, upstream):
    from chutes_data.history.telemetry import daily_stats

    load_catalog(live)
    load_catalog(live, refresh=True)  # a second fetch replaces, never doubles, a day
    today = tp.today_utc()
    kept = daily_stats(live, tp.chute_id(0), today=today)
    assert len(kept) == 14 and kept["day"].is_unique
    assert kept["day"].max() == pd.Timestamp(today) - pd.Timedelta(days=1)  # today is partial
    assert kept["tps"].eq(40.0).all() and kept["requests"].eq(100).all()
    zeros = daily_stats(live, tp.chute_id(2), today=today)
    assert len(zeros) == 7 and zeros["tps"].isna().all()  # 0 means unknown, kept as null
    sps = daily_stats(live, tp.chute_id(1), source="diffusion_stats", today=today)
    assert sps["sps"].eq(2.0).all()
    # the series survives the upstream going away (a restart with no network)
    upstream.faults[LLM] = Fault(status=503)
    load_catalog(live, refresh=True)
    assert len(daily_stats(live, tp.chute_id(0), today=today)) == 14


def test_a_version_1_history_database_is_migrated(tmp_path):
    import sqlite3

    from chutes_data.history.db import MIGRATIONS, connect

    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path)
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    conn = connect(path, 5.0)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"snapshots", "daily_stats", "probes"} <= tables
    conn.close()


def test_an_unreachable_host_is_tried_once_not_six_times(settings, upstream, monkeypatch):
    import httpx

    live = settings.with_(base_url=upstream.url, llm_base_url=upstream.url)
    load_catalog(live)  # a good snapshot of every source
    dead = live.with_(base_url="http://127.0.0.1:9", http_timeout=0.5)
    tried: list[str] = []  # every request sent to the dead host (counted, not timed)
    send = httpx.HTTPTransport.handle_request

    def counted(self, request):
        if request.url.port == 9:
            tried.append(request.url.path)
        return send(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counted)
    tele = load_telemetry(dead, refresh=True)
    assert len(tried) == 1, tried  # one request: the other five routes are not tried
    assert "cannot reach" in tele["utilization"].status.error
    for name in TELEMETRY_SOURCES:
        s = tele[name].status
        assert s.origin == "cache" and s.stale, name  # the last good snapshot, marked stale
    assert "not fetched" in tele["llm_stats"].status.error
    assert "cannot reach" in tele["llm_stats"].status.error


def test_a_bad_base_url_leaves_telemetry_unknown(settings):
    tele = load_telemetry(settings.with_(base_url="ftp://x"))
    assert {d.status.origin for d in tele.values()} == {"none"}
    assert all("CHUTES_BASE_URL" in d.status.error for d in tele.values())


def test_cli_status_and_fetch_have_a_line_per_telemetry_source(upstream, monkeypatch, capsys, tmp_path):
    from chutes_data import cli

    for name, value in {
        "CHUTES_BASE_URL": upstream.url,
        "CHUTES_LLM_BASE_URL": upstream.url,
        "CHUTES_CACHE_DIR": str(tmp_path / "c"),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["fetch"]) == 0
    out = capsys.readouterr().out
    for name in TELEMETRY_SOURCES:
        assert f"{name}: fetched" in out, out
    upstream.faults[UTIL] = Fault(status=503, detail="down")
    assert cli.main(["fetch"]) == 0  # telemetry is an extra: never the exit code
    err = capsys.readouterr().err
    assert "warning: utilization: refresh failed" in err and "HTTP 503" in err
    assert cli.main(["status"]) == 0
    text = capsys.readouterr().out
    assert text.count("origin=") == 2  # the two catalog lines keep their format
    for name in TELEMETRY_SOURCES:
        assert f"  {name} " in text
    assert "stale" in text and "last error" in text and "HTTP 503" in text
    assert cli.main(["status", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["utilization"]["stale"] is True and doc["llm_stats"]["count"] > 0
