"""The two market sources (models.dev, OpenRouter) against the loopback stand-in: live, cached,
the last good snapshot, every fault, the key never sent, offline, and the catalog kept whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from upstream import MODELS_DEV, OPENROUTER, Fault

from chutes_data import load_catalog
from chutes_data.config import Settings
from chutes_data.sources import client as client_module
from chutes_data.sources.market_loader import load_market, market_cache_status
from chutes_data.sources.registry import MARKET_SOURCES, SOURCES
from chutes_data.sources.state import State, assess_all

ROUTES = {"models_dev": MODELS_DEV, "openrouter": OPENROUTER}


@pytest.fixture
def live(settings, upstream) -> Settings:
    return settings.with_(
        base_url=upstream.url,
        llm_base_url=upstream.url,
        models_dev_url=upstream.url + MODELS_DEV,
        openrouter_url=upstream.url + OPENROUTER,
        http_timeout=1.0,
        max_retries=0,
    )


def test_both_load_live_and_fill_the_columns_by_v1_id(live, upstream):
    cat = load_catalog(live)
    assert set(cat.market) == set(MARKET_SOURCES) == {"models_dev", "openrouter"}
    for name, data in cat.market.items():
        assert data.status.origin == "live" and data.status.error is None, name
        assert data.status.count == 3 + (3 if name == "models_dev" else 0), name  # chutes + acme-ai
        assert upstream.count(ROUTES[name]) == 1
    row = cat.models.set_index("v1_id").loc["org0/Model-000"]
    assert row.market_providers == 2 and row.market_match == "hf_id"
    assert row.market_min_provider == "acme-ai" and row.market_min_blended_usd == pytest.approx(0.0875)
    assert row.market_ratio == pytest.approx((3 * 0.104 + 0.416) / 4 / 0.0875)
    assert row.release_date == "2025-06-01" and row.facts_source == "models.dev:chutes"
    assert bool(row.open_weights)
    assert cat.market_view is not None and len(cat.market_view.offers) == 6


def test_the_chutes_key_is_never_sent_to_either(live, upstream, fake_key):
    load_catalog(live.with_(api_key=fake_key))
    for route in ROUTES.values():
        (headers,) = upstream.headers(route)
        assert "authorization" not in headers
        assert fake_key not in json.dumps(headers)
    assert any("authorization" in h for h in upstream.headers("/chutes/"))  # the key is in use


@pytest.mark.parametrize(
    "fault, said",
    [
        (Fault(status=500), "HTTP 500"),
        (Fault(hang=5), "did not answer within"),
        (Fault(truncated=True), "not JSON"),
        (Fault(body={"data": "not a list"}), "expected"),
        (Fault(html=True), "not JSON"),
    ],
    ids=["500", "timeout", "malformed-json", "wrong-shape", "html"],
)
@pytest.mark.parametrize("failing", ["models_dev", "openrouter"])
def test_either_failing_leaves_the_catalog_whole_and_its_columns_unknown(
    live, upstream, fault, said, failing
):
    if failing == "models_dev" and fault.body is not None:
        fault = Fault(body=["a list, not providers"])
    upstream.faults[ROUTES[failing]] = fault
    cat = load_catalog(live.with_(http_timeout=0.3))
    bad, good = cat.market[failing], cat.market[({"models_dev", "openrouter"} - {failing}).pop()]
    assert bad.status.origin == "none" and said in bad.status.error and failing in bad.status.error
    assert good.status.origin == "live"
    assert len(cat.models) == 3 and cat.chutes.status.origin == "live"  # whole
    outcomes = assess_all({n: d.status for n, d in cat.all_sources.items()}, live)
    assert outcomes[failing].state is State.FAILED and outcomes[good.status.source].state is State.LIVE
    row = cat.models.set_index("v1_id").loc["org1/Model-001"]
    if failing == "models_dev":  # only OpenRouter's offer is left, and no facts from Chutes' entry
        assert row.market_providers == 1 and row.market_min_provider == "openrouter"
        assert pd.isna(row.release_date)
    else:
        assert row.market_providers == 1 and row.market_min_provider == "acme-ai"
        assert row.release_date == "2025-06-01"


def test_a_huge_payload_is_refused(live, upstream, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_MARKET_BYTES", 200)
    market = load_market(live)
    for name, data in market.items():
        assert data.status.origin == "none" and "MB allowed" in data.status.error, name


def test_a_failed_refresh_serves_the_last_good_snapshot_marked_stale(live, upstream):
    first = load_market(live)
    upstream.faults[MODELS_DEV] = Fault(status=503)
    later = datetime.now(UTC) + timedelta(hours=7)  # past the 6 h TTL
    again = load_market(live, now=later)
    kept = again["models_dev"].status
    assert kept.origin == "cache" and kept.stale and "HTTP 503" in kept.error
    assert kept.count == first["models_dev"].status.count
    assert again["openrouter"].status.origin == "live"
    status = market_cache_status(live)
    assert status["models_dev"].stale and not status["openrouter"].stale


def test_the_market_has_its_own_ttl(live, upstream):
    load_market(live)
    assert SOURCES["models_dev"].ttl_seconds(live) == 360 * 60
    within = datetime.now(UTC) + timedelta(hours=5)
    again = load_market(live, now=within)
    assert {d.status.origin for d in again.values()} == {"cache"}
    assert upstream.count(MODELS_DEV) == upstream.count(OPENROUTER) == 1
    short = load_market(live.with_(market_minutes=60), now=within)
    assert {d.status.origin for d in short.values()} == {"live"}


def test_settings_from_the_environment():
    s = Settings.from_env(
        {
            "CHUTES_MODELS_DEV_URL": "http://127.0.0.1:9/models.json",
            "CHUTES_OPENROUTER_URL": "http://127.0.0.1:9/or/",
            "CHUTES_MARKET_MINUTES": "30",
        }
    )
    assert (s.models_dev_url, s.openrouter_url) == ("http://127.0.0.1:9/models.json", "http://127.0.0.1:9/or")
    assert s.market_ttl_seconds == 1800
    d = Settings.from_env({})
    assert d.models_dev_url == "https://models.dev/api.json"
    assert d.openrouter_url == "https://openrouter.ai/api/v1/models" and d.market_minutes == 360
    bad = Settings.from_env({"CHUTES_MARKET_MINUTES": "soon", "CHUTES_OPENROUTER_URL": "ftp://x"})
    assert bad.market_minutes == 360
    assert any("CHUTES_MARKET_MINUTES" in w for w in bad.warnings)
    assert any("CHUTES_OPENROUTER_URL" in w for w in bad.warnings)


def test_a_bad_url_leaves_the_market_unknown(settings):
    market = load_market(settings.with_(models_dev_url="ftp://nowhere", openrouter_url="not a url"))
    assert market["models_dev"].status.origin == "none"
    assert "CHUTES_MODELS_DEV_URL" in market["models_dev"].status.error
    assert "CHUTES_OPENROUTER_URL" in market["openrouter"].status.error


def test_offline_serves_the_bundled_synthetic_market(settings):
    cat = load_catalog(settings.with_(offline=True))
    assert {d.status.origin for d in cat.market.values()} == {"sample"}
    assert cat.models["market_match"].notna().sum() > 20
    assert set(cat.models["market_match"].dropna()) == {"hf_id", "normalized"}


def test_status_has_a_market_line_per_source(live, upstream, monkeypatch, capsys):
    from chutes_data.cli import main

    load_market(live)
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(live.cache_dir))
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "market (TTL 360 min" in out
    for name in MARKET_SOURCES:
        assert next(line for line in out.splitlines() if line.strip().startswith(name)).split()[1] == "cache"
    assert main(["status", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["openrouter"]["count"] == 3 and doc["models_dev"]["state"] == "cached"
