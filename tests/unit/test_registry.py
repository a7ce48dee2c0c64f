"""The source table: every upstream source is one `registry.Source`, loaded by one rule."""

from __future__ import annotations

import pandas as pd
import pytest

from chutes_data.errors import NetworkError
from chutes_data.sources import loading, registry


def test_every_source_is_declared_once_with_its_own_files():
    assert registry.CATALOG_SOURCES == ("chutes", "v1")
    assert len(registry.TELEMETRY_SOURCES) == 6
    specs = registry.SOURCES.values()
    for attr in ("cache_key", "sample_file", "path"):
        values = [getattr(s, attr) for s in specs]
        assert len(set(values)) == len(values), attr
    assert registry.LABELS["chutes"] == "/chutes/" and registry.LABELS["v1"] == "/v1/models"
    for spec in specs:  # the empty payload makes the empty frame
        assert registry.frame(spec.name, None).empty


@pytest.fixture
def extra(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A made-up source added as one entry: its fetch is a function the test controls."""
    state = {"calls": 0, "down": False}

    def fetch(client, source, today):
        state["calls"] += 1
        if state["down"]:
            raise NetworkError("extra: cannot reach the host", source="extra")
        return [{"chute_id": "a"}, {"chute_id": "b"}]

    spec = registry.Source(
        "extra",
        "telemetry",
        "/extra",
        lambda p: pd.DataFrame(list(p)),
        fetch,
        empty=[],
        cache_key="telemetry_extra",
        sample_file="telemetry_extra.json",
        ttl="telemetry_ttl_seconds",
        sample_optional=True,
    )
    monkeypatch.setitem(registry.SOURCES, "extra", spec)
    return state


def test_a_new_source_is_one_entry_and_follows_the_rule(settings, extra):
    live, error = loading.load(settings, "extra")
    assert error is None and live.status.origin == "live" and live.status.count == 2
    assert (settings.cache_dir / "telemetry_extra.json").is_file()
    assert live.status.ttl_seconds == settings.telemetry_ttl_seconds

    cached, _ = loading.load(settings, "extra")
    assert cached.status.origin == "cache" and extra["calls"] == 1  # fresh: not fetched again

    extra["down"] = True
    stale, error = loading.load(settings, "extra", refresh=True)
    assert isinstance(error, NetworkError)
    assert stale.status.origin == "cache" and stale.status.stale and stale.status.count == 2
    assert "cannot reach" in stale.status.error
    status = loading.cached_status(settings, ("extra",))["extra"]
    assert status.stale and status.count == 2 and "cannot reach" in status.error

    skipped, _ = loading.load(settings, "extra", refresh=True, unreachable="the host is down")
    assert skipped.status.origin == "cache" and extra["calls"] == 2  # not tried again

    offline = loading.load(settings.with_(offline=True), "extra")[0]
    assert offline.status.origin == "sample" and offline.status.count == 0  # no sample file


def test_a_new_source_with_nothing_cached_reports_none(settings, extra):
    extra["down"] = True
    data, _ = loading.load(settings, "extra")
    assert data.status.origin == "none" and data.status.count == 0
    assert "cannot reach" in data.status.error
