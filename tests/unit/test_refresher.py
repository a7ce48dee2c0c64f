"""The background refresher and the service around it, against the loopback stand-in upstream."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
from aio import run_async
from receiver import WebhookReceiver
from upstream import LIST, V1, Fault

from chutes_data.config import Settings
from chutes_data.history import HistoryStore
from chutes_data.service import runtime
from chutes_data.service.events import EventBus, format_event
from chutes_data.service.refresher import Refresher, in_thread
from chutes_data.service.runtime import Service
from chutes_data.service.watch import watch


@pytest.fixture
def live(settings: Settings, upstream) -> Settings:
    return settings.with_(base_url=upstream.url, llm_base_url=upstream.url, http_timeout=5.0)


def set_price(upstream, index: int, usd_in: float) -> dict:
    item = upstream.chutes_payload["items"][index]
    item["current_estimated_price"]["per_million_tokens"]["input"]["usd"] = usd_in
    return item


def test_fractional_cache_minutes_set_the_interval():
    s = Settings.from_env({"CACHE_DURATION_MINUTES": "0.1"})
    assert s.ttl_seconds == pytest.approx(6.0)
    assert Refresher(s).interval == pytest.approx(6.0)
    assert Refresher(Settings.from_env({"CACHE_DURATION_MINUTES": "0"})).interval == 2.0  # floor


def test_both_sources_are_fetched_concurrently(live: Settings, upstream):
    from chutes_data.sources.loader import load_source

    # Each fetch waits until the other has started: fetched one after the other, the first
    # would wait alone and break the barrier (no clock: the overlap itself is what is checked).
    both_started = threading.Barrier(2, timeout=30)

    def loader(settings: Settings, source: str, force: bool):
        both_started.wait()
        return load_source(settings, source, refresh=force)

    snapshot = run_async(Refresher(live, loader=loader).refresh())
    assert snapshot.refreshed == ("chutes", "v1")
    assert not both_started.broken


def test_refresh_is_single_flight(live: Settings, upstream):
    upstream.faults[V1] = Fault(hang=0.5, times=1)

    async def main() -> None:
        r = Refresher(live)
        snaps = await asyncio.gather(*(r.refresh() for _ in range(5)))
        assert r.refresh_count == 1 and len({s.revision for s in snaps}) == 1
        assert (await r.refresh()).revision == 2  # a later call is a new refresh

    run_async(main())
    assert upstream.count(V1) == 2 and upstream.count(LIST) == 2


def test_each_refresh_records_history_and_reports_the_new_events(live: Settings, upstream):
    async def main() -> None:
        r = Refresher(live)
        first = await r.refresh()
        assert first.events == () and first.revision == 1
        item = set_price(upstream, 0, 0.5)
        second = await r.refresh()
        # one durable sequence numbers the events, then the revision that publishes them
        ids = [e["id"] for e in second.events]
        assert ids == list(range(2, 2 + len(ids))) and second.revision == 2 + len(ids)
        moved = [e for e in second.events if e["kind"] == "price_changed"]
        assert moved and moved[0]["chute_id"] == item["chute_id"] and moved[0]["new"] == 0.5
        third = await r.refresh()  # nothing changed since
        assert third.events == () and third.revision == second.revision + 1

    run_async(main())
    with HistoryStore(live.cache_dir / "history.sqlite") as store:
        assert any(e["kind"] == "price_changed" for e in store.changes())


def test_the_revision_survives_a_restart(live: Settings, upstream):
    """51 -> 9 after a restart was the bug: SSE ids and X-Chutes-Revision went backwards."""
    before = [run_async(Refresher(live).refresh()).revision for _ in range(3)]  # three "processes"
    assert before == sorted(before) and len(set(before)) == 3
    with HistoryStore(live.cache_dir / "history.sqlite") as store:
        assert store.current_revision() == before[-1]


def test_a_failed_refresh_keeps_the_last_good_snapshot(live: Settings, upstream):
    async def main() -> None:
        r = Refresher(live)
        await r.refresh()
        upstream.faults[V1] = Fault(status=503)
        snap = await r.refresh()
        v1 = snap.catalog.v1.status
        assert v1.origin == "cache" and v1.stale and "503" in (v1.error or "")
        assert snap.refreshed == ("chutes",) and len(snap.catalog.v1.frame) == 3

    run_async(main())


def test_first_refresh_serves_a_fresh_cache_without_fetching(live: Settings, upstream):
    run_async(Refresher(live).refresh())
    before = upstream.count(V1)

    async def main() -> None:
        r = Refresher(live)
        snap = await r.refresh(force=False)
        assert {d.status.origin for d in snap.catalog.sources.values()} == {"cache"}
        assert 2.0 <= r.delay() <= live.ttl_seconds  # until the first cached source expires

    run_async(main())
    assert upstream.count(V1) == before


def test_the_loop_refreshes_on_its_own(live: Settings, upstream):
    async def main() -> int:
        r = Refresher(live, interval=0.2, min_interval=0.2)
        r.start()
        deadline = time.monotonic() + 20
        while r.refresh_count < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert r.next_refresh_at is not None
        await r.stop()
        return r.refresh_count

    assert run_async(main()) >= 3
    assert upstream.count(V1) >= 2  # the first served the (empty) cache by fetching, later ones refetch


def test_in_thread_runs_in_a_daemon_thread_and_raises():
    import threading

    async def main() -> None:
        assert await in_thread(lambda: threading.current_thread().daemon)
        with pytest.raises(ZeroDivisionError):
            await in_thread(lambda: 1 / 0)

    run_async(main())


def test_event_bus_stream_ends_on_shutdown():
    async def main() -> list[bytes]:
        import threading

        bus, stop = EventBus(), threading.Event()
        out: list[bytes] = []

        async def read() -> None:
            async for chunk in bus.stream([format_event("snapshot", {"r": 1}, 1)], stop, heartbeat=0.3):
                out.append(chunk)

        task = asyncio.create_task(read())
        await asyncio.sleep(0.1)
        bus.publish("change", {"kind": "added"}, 2)
        await asyncio.sleep(0.6)
        stop.set()
        await asyncio.wait_for(task, 2)
        assert bus.subscribers == 0
        return out

    out = run_async(main())
    assert out[0].startswith(b"retry:")
    assert out[1] == b'id: 1\nevent: snapshot\ndata: {"r": 1}\n\n'
    assert out[2] == b'id: 2\nevent: change\ndata: {"kind": "added"}\n\n'
    assert b": ping\n\n" in out[3:]


def test_service_publishes_to_stream_webhooks_and_registry(live: Settings, upstream):
    with WebhookReceiver() as rx:
        s = live.with_(webhook_urls=(rx.url,), webhook_secret="k" * 20)

        async def main() -> None:
            svc = Service(s, interval=3600)
            await svc.start()
            try:
                assert runtime.current() is svc
                await svc.ready(10)
                while svc.refresher.refreshing:  # the first refresh may still be publishing
                    await asyncio.sleep(0.02)
                queue = svc.bus.subscribe()
                set_price(upstream, 1, 0.77)
                snap = await svc.refresher.refresh()
                names = []
                while not queue.empty():
                    names.append((await queue.get()).split(b"\n")[1])
                # changes first, then the snapshot that publishes them: ids ascend on the stream
                assert names[-1] == b"event: snapshot" and b"event: change" in names
                assert len(names) == 1 + len(snap.events)
                await asyncio.get_running_loop().run_in_executor(None, rx.wait_for, 1, 10)
            finally:
                await svc.stop()
            assert runtime.current() is None

        run_async(main())
        (got,) = rx.accepted
        assert any(e["new"] == 0.77 for e in got["json"]["events"])


def test_watch_once_refreshes_and_delivers(live: Settings, upstream):
    with WebhookReceiver() as rx:
        s = live.with_(webhook_urls=(rx.url,))
        out = io.StringIO()
        assert run_async(watch(s, once=True, out=out)) == 0
        set_price(upstream, 2, 0.33)
        assert run_async(watch(s, once=True, out=out)) == 0
        assert len(rx.accepted) == 1  # the first run had nothing to compare with
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("once;") and "127.0.0.1" in lines[0]  # no "every 600 s" for --once
    assert not any("watching: every" in line for line in lines), lines
    assert "revision 1: chutes live 3, v1 live 3; 0 change(s)" in lines[1]
    assert "change(s)" in lines[-1] and "0 change(s)" not in lines[-1]


def test_changes_recorded_but_not_queued_go_out_with_the_next_publish(live: Settings, upstream, monkeypatch):
    """A crash (here: a locked outbox) between recording a capture and queueing its changes must
    not lose them: the next refresh sends them, even though it finds nothing new itself."""
    from chutes_data.errors import HistoryError
    from chutes_data.service.outbox import Outbox

    with WebhookReceiver() as rx:
        s = live.with_(webhook_urls=(rx.url,))
        out = io.StringIO()
        assert run_async(watch(s, once=True, out=out)) == 0  # the baseline
        set_price(upstream, 2, 0.44)
        real_queue = Outbox.queue_journal

        def locked(*args, **kw):
            raise HistoryError("history database: database is locked")

        monkeypatch.setattr(Outbox, "queue_journal", locked)
        assert run_async(watch(s, once=True, out=out)) == 0  # recorded, but not queued
        assert rx.accepted == []
        monkeypatch.setattr(Outbox, "queue_journal", real_queue)
        assert run_async(watch(s, once=True, out=out)) == 0  # nothing new upstream
        assert "0 change(s)" in out.getvalue().splitlines()[-1]
        (got,) = rx.accepted
        assert any(e["new"] == 0.44 for e in got["json"]["events"])
        assert run_async(watch(s, once=True, out=out)) == 0
        assert len(rx.accepted) == 1  # and only once


def test_watch_cli_refuses_offline(monkeypatch, capsys):
    from chutes_data.cli import main

    monkeypatch.setenv("CHUTES_OFFLINE", "1")
    assert main(["watch", "--once"]) == 1
    assert "needs the network" in capsys.readouterr().err


def test_a_reconnect_misses_nothing_published_during_its_replay_and_repeats_nothing():
    """The endpoint subscribes before it reads the history: an event published in between is
    queued; the stream sends it once, whether the replay already held it (5) or not (6)."""

    async def main() -> list[bytes]:
        import threading

        bus, stop = EventBus(), threading.Event()
        queue = bus.subscribe()  # what /api/events does before its replay
        bus.publish("change", {"n": 5}, 5)  # journaled and published while the replay ran
        bus.publish("change", {"n": 6}, 6)  # published after the replay read the journal
        replay = [format_event("change", {"n": 4}, 4), format_event("change", {"n": 5}, 5)]
        out: list[bytes] = []

        async def read() -> None:
            async for chunk in bus.stream(replay, stop, heartbeat=30, queue=queue):
                out.append(chunk)
                if len(out) == 4:
                    stop.set()

        await asyncio.wait_for(read(), 10)
        assert bus.subscribers == 0
        return out

    out = run_async(main())
    ids = [chunk.split(b"\n", 1)[0] for chunk in out[1:]]
    assert ids == [b"id: 4", b"id: 5", b"id: 6"], out
