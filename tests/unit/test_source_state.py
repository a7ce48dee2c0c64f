"""The state vocabulary and the one staleness rule (`sources.state`), and the refresher's
per-source schedule (each source on its own TTL, each with its own deadline), on an injected
clock: no real sleeps."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from aio import run_async

from chutes_data.config import Settings
from chutes_data.service.refresher import Refresher
from chutes_data.sources.loading import source_data
from chutes_data.sources.registry import CATALOG_SOURCES, MARKET_SOURCES, SOURCES, TELEMETRY_SOURCES
from chutes_data.sources.state import State, assess, refresh_interval, stale_after
from chutes_data.sources.types import SourceStatus

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def status(origin: str = "cache", age: float = 0.0, **kw) -> SourceStatus:
    fields = dict(
        source="utilization",
        origin=origin,
        fetched_at=None if origin in ("none", "sample") else T0 - timedelta(seconds=age),
        count=3,
        stale=False,
        complete=True,
        error=None,
        ttl_seconds=60.0,
    )
    return SourceStatus(**{**fields, **kw})


S = Settings(cache_minutes=1.0, telemetry_minutes=1.0)  # both TTLs 60 s: the interval is 60 s


def test_stale_after_is_the_ttl_plus_one_refresh_interval():
    assert refresh_interval(S) == 60.0 and stale_after(status(), S) == 120.0
    assert refresh_interval(Settings(cache_minutes=0, telemetry_minutes=0)) == 2.0  # the floor


@pytest.mark.parametrize(
    ("s", "state"),
    [
        (status("live", 10), State.LIVE),
        (status("cache", 119.9), State.CACHED),  # past its TTL, within one more interval
        (status("cache", 120.0), State.STALE),  # the rule: TTL + one interval
        (status("live", 121), State.STALE),
        (status("cache", 5, stale=True, error="HTTP 503"), State.STALE),  # a refresh failed
        (status("live", 5, complete=False, error="cut short"), State.INCOMPLETE),
        (status("none", error="HTTP 500"), State.FAILED),
        (status("sample"), State.SAMPLE),
        (status("file", 10_000), State.FILE),  # a saved file is what it is, never stale
    ],
)
def test_assess_names_one_state(s: SourceStatus, state: State):
    outcome = assess(s, S, T0)
    assert outcome.state is state and outcome.source == "utilization" and outcome.since == s.fetched_at
    assert outcome.state.failing == (state in (State.STALE, State.INCOMPLETE, State.FAILED))


def test_an_old_snapshot_says_why_it_is_stale_and_a_failure_keeps_its_reason():
    assert assess(status("cache", 600), S, T0).reason == "not refreshed for 10.0 min"
    assert assess(status("cache", 5, stale=True, error="HTTP 503"), S, T0).reason == "HTTP 503"
    doc = assess(status("none", error="down"), S, T0).to_dict()
    assert doc == {"source": "utilization", "state": "failed", "reason": "down", "since": None}


# ---------------------------------------------------------------------------- the schedule
class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def counting_loader(clock: Clock, calls: list[str], hang: set[str] | None = None):
    """A loader without network: each call a live, complete fetch at the clock's time; a source
    in `hang` blocks until released."""
    release = threading.Event()

    def loader(settings: Settings, source: str, force: bool):
        calls.append(source)
        if hang and source in hang:
            release.wait(30)
        payload = (
            {"items": []} if source == "chutes" else {"data": []} if source == "v1" else SOURCES[source].empty
        )
        return source_data(settings, source, "live", payload, fetched_at=clock())

    loader.release = release
    return loader


def test_each_source_is_refetched_when_its_own_ttl_runs_out(tmp_path):
    """Catalog TTL 120 s, telemetry TTL 30 s: telemetry is due at 30 s, 60 s, 90 s (never an
    interval late), the catalog at 120 s; the loop sleeps until the next one is due."""
    clock, calls = Clock(), []
    s = Settings(cache_dir=tmp_path, cache_minutes=2.0, telemetry_minutes=0.5)
    r = Refresher(s, loader=counting_loader(clock, calls), clock=clock)
    assert r.interval == 30.0

    async def main() -> None:
        await r.refresh(force=False)
        assert sorted(calls) == sorted(
            CATALOG_SOURCES + TELEMETRY_SOURCES + MARKET_SOURCES
        )  # market: 6 h TTL
        assert r.delay() == 30.0 and r.due() == ()
        for step in (30, 60, 90):
            calls.clear()
            clock.advance(30)
            assert r.delay() == 2.0  # due now: the floor, not a whole interval
            await r.refresh(force=False)
            assert sorted(calls) == sorted(TELEMETRY_SOURCES + (CATALOG_SOURCES if step == 120 else ())), step
        calls.clear()
        clock.advance(30)
        await r.refresh(force=False)
        assert sorted(calls) == sorted(CATALOG_SOURCES + TELEMETRY_SOURCES)  # 120 s: everything

    run_async(main())


def test_the_loop_sleeps_on_the_injected_clock(tmp_path):
    clock, calls, slept = Clock(), [], []
    s = Settings(cache_dir=tmp_path, cache_minutes=2.0, telemetry_minutes=0.5)

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)
        if len(slept) == 5:
            raise asyncio.CancelledError

    r = Refresher(s, loader=counting_loader(clock, calls), clock=clock, sleep=fake_sleep)

    async def main() -> None:
        with pytest.raises(asyncio.CancelledError):
            await r.run()

    run_async(main())
    assert slept == [30.0] * 5 and r.revision == 5  # refreshed at 0, 30, 60, 90 and 120 s
    assert calls.count("chutes") == 2 and calls.count("utilization") == 5  # the catalog: 0 s, 120 s


def test_a_hanging_route_holds_no_other_source_back(tmp_path):
    """One telemetry route that does not answer: past its deadline the refresh publishes the
    others, and the hung one keeps its last good snapshot, marked stale with the reason."""
    clock, calls = Clock(), []
    s = Settings(cache_dir=tmp_path, cache_minutes=1.0, telemetry_minutes=1.0)
    loader = counting_loader(clock, calls)
    r = Refresher(s, loader=loader, clock=clock, deadline=2.0)

    async def main() -> None:
        await r.refresh()
        hung = counting_loader(clock, calls, hang={"usage"})
        r._loader = hung
        clock.advance(60)
        try:
            snap = await r.refresh()
        finally:
            hung.release.set()
        usage = snap.catalog.telemetry["usage"].status
        assert usage.stale and "no answer within 2 s" in usage.error
        assert assess(usage, s, clock()).state is State.STALE
        others = [d.status for n, d in snap.catalog.all_sources.items() if n != "usage"]
        assert all(o.origin == "live" and o.fetched_at == clock() for o in others)

    run_async(main())
