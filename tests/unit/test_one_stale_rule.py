"""The X-Cache header, `watch`'s line and the export document's `stale` say what the one rule
(`sources.state.assess`) says: a snapshot older than its TTL plus one refresh interval is stale
even though no refresh failed (its `stale` flag is still False)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from chutes_data import export
from chutes_data.config import Settings
from chutes_data.service.refresher import Snapshot
from chutes_data.service.responses import cache_headers
from chutes_data.service.watch import summary
from chutes_data.sources.loader import load_catalog
from chutes_data.sources.state import stale_after


def _live_catalog(age: float):
    """The bundled sample's rows, its two catalog sources shown as live fetches `age` s old."""
    catalog = load_catalog(Settings(offline=True))
    fetched = datetime.now(UTC) - timedelta(seconds=age)
    sources = {
        name: dataclasses.replace(
            d, status=dataclasses.replace(d.status, origin="live", fetched_at=fetched, stale=False)
        )
        for name, d in catalog.sources.items()
    }
    return dataclasses.replace(catalog, chutes=sources["chutes"], v1=sources["v1"])


def test_every_door_calls_an_old_snapshot_stale_and_a_fresh_one_not():
    settings = Settings()
    fresh = _live_catalog(1.0)
    limit = stale_after(fresh.chutes.status, settings)
    old = _live_catalog(limit + 60)
    assert not old.chutes.status.stale  # no failed refresh: only the rule can call it stale
    for catalog, stale in ((fresh, False), (old, True)):
        snap = Snapshot(revision=3, catalog=catalog, published_at=datetime.now(UTC))
        assert cache_headers(snap, settings)["X-Cache"] == ("STALE" if stale else "HIT")
        line = summary(snap, settings)
        assert ("chutes stale" in line) == stale and ("chutes live" in line) == (not stale), line
        doc = export.document(catalog, settings=settings)
        assert {s["stale"] for s in doc["sources"].values()} == {stale}, doc["sources"]
