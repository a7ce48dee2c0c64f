"""Change webhooks: signing, the persisted outbox, retries, restarts, slow and dead receivers."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aio import run_async
from receiver import WebhookReceiver, verify
from standardwebhooks.webhooks import WebhookVerificationError

from chutes_data.config import Settings
from chutes_data.history import HistoryStore
from chutes_data.history.db import MIGRATIONS
from chutes_data.service import webhooks
from chutes_data.service.webhooks import Dispatcher, Outbox, build_delivery
from chutes_data.urls import display_url

SECRET = "s3cret-" + "x" * 20
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def events(n: int = 2, tag: str = "a") -> list[dict]:
    return [
        {
            "kind": "price_changed",
            "name": f"org/model-{tag}{i}",
            "chute_id": f"id-{tag}{i}",
            "field": "price_input_usd",
            "old": 0.1,
            "new": 0.2,
            "at": "2026-12-01T12:00:00Z",
            "source": "chutes",
        }
        for i in range(n)
    ]


class Clock:
    """The dispatcher's clock, moved by the test instead of sleeping: `advance` pokes it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.dispatchers: list[Dispatcher] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        for d in self.dispatchers:
            d.poke()


def dispatcher(settings: Settings, urls: tuple[str, ...], clock: Clock | None = None, **kw) -> Dispatcher:
    s = settings.with_(webhook_urls=urls, webhook_secret=SECRET)
    clock = clock or Clock()
    kw = {"backoff_base": 30.0, "backoff_cap": 600.0, "timeout": 2.0, "clock": clock, **kw}
    d = Dispatcher(s, s.cache_dir / "history.sqlite", **kw)
    clock.dispatchers.append(d)
    return d


async def until(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once closed: connection refused


# ---------------------------------------------------------------------------- the pieces
def test_the_reference_library_refuses_a_forged_or_replayed_delivery(settings: Settings):
    async def main() -> None:
        with WebhookReceiver() as rx:
            d = dispatcher(settings, (rx.url,))
            d.start()
            await d.publish(events(), NOW)
            await until(lambda: rx.accepted)
            await d.stop()
        (got,) = rx.accepted
        assert verify(got, SECRET, NOW)["events"] == events()
        assert verify(got, SECRET, NOW + timedelta(seconds=299))  # within the five minutes
        with pytest.raises(WebhookVerificationError, match="too old"):  # the same request, replayed
            verify(got, SECRET, NOW + timedelta(seconds=301))
        with pytest.raises(WebhookVerificationError, match="signature"):
            verify({**got, "body": got["body"].replace(b"0.2", b"9.2")}, SECRET, NOW)
        with pytest.raises(WebhookVerificationError, match="signature"):
            verify(got, "another-secret-" + "y" * 20, NOW)
        # the old homemade headers are gone
        assert not any(h.startswith("x-chutes-") for h in got["headers"])

    run_async(main())


def test_delivery_id_is_stable_and_the_body_carries_it():
    first, body = build_delivery(events(), NOW)
    again, _ = build_delivery(events(), NOW)
    other, _ = build_delivery(events(tag="b"), NOW)
    assert first == again != other and first.startswith("dlv_")
    doc = json.loads(body)
    assert doc == {"id": first, "generated_at": "2026-12-01T12:00:00Z", "events": events()}


def test_outbox_enqueue_is_idempotent_and_tracks_state(tmp_path: Path):
    box = Outbox(tmp_path / "h.sqlite")
    try:
        did, body = build_delivery(events(), NOW)
        assert box.queue(did, ["http://a/", "http://b/"], body, NOW) == 2
        assert box.queue(did, ["http://a/", "http://b/"], body, NOW) == 0
        due = box.due(NOW, ["http://a/"])
        assert [(d.delivery_id, d.url, d.body) for d in due] == [(did, "http://a/", body)]
        box.delivered(due[0], NOW)
        assert box.due(NOW, ["http://a/", "http://b/"])[0].url == "http://b/"
        assert box.counts() == {"pending": 1, "delivered": 1, "failed": 0}
    finally:
        box.close()


def test_migration_3_adds_the_outbox_to_an_existing_history(tmp_path: Path, payloads):
    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    box = Outbox(path)  # opening migrates 1 -> 6 (3 is the outbox, 6 the journal and its mark)
    box.close()
    with HistoryStore(path) as store:  # the history itself is untouched and usable
        store.record("v1", payloads.v1_payload(), NOW)
        assert len(store.snapshots_frame()) == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
    conn.close()


def test_display_url_masks_credentials_and_query():
    shown = display_url("https://user:pa55@hooks.example.test:8443/in/abc?token=t0k3n#frag")
    assert shown == "https://***@hooks.example.test:8443/in/abc?***"
    assert "pa55" not in shown and "t0k3n" not in shown


def test_webhook_settings_are_validated_and_hidden(monkeypatch):
    s = Settings.from_env(
        {
            "CHUTES_WEBHOOK_URLS": " http://127.0.0.1:9/a , ftp://x/y,, http://u:pw@h/b ",
            "CHUTES_WEBHOOK_SECRET": SECRET,
            "CHUTES_ADMIN_TOKEN": "tiny9",
        },
        dotenv=Path("/nonexistent"),
    )
    assert s.webhook_urls == ("http://127.0.0.1:9/a", "http://u:pw@h/b")
    assert s.webhook_secret == SECRET and s.admin_token is None
    text = " ".join(s.warnings)
    assert "ftp://x/y" in text and "CHUTES_ADMIN_TOKEN" in text and "tiny9" not in text
    assert SECRET not in repr(s) and "pw" not in repr(s)
    token = "t" * 32
    s = Settings.from_env(
        {"CHUTES_ADMIN_TOKEN": f"  {token} ", "CHUTES_WEBHOOK_SECRET": " "}, dotenv=Path("/nonexistent")
    )
    assert s.admin_token == token and token not in repr(s) and s.webhook_secret is None
    assert any("CHUTES_WEBHOOK_SECRET" in w for w in s.warnings)


# ---------------------------------------------------------------------------- delivering
def test_signed_delivery_reaches_every_receiver(settings: Settings):
    async def main() -> None:
        with WebhookReceiver() as a, WebhookReceiver() as b:
            d = dispatcher(settings, (a.url, b.url))
            d.start()
            delivery_id = await d.publish(events(), NOW)
            await until(lambda: a.accepted and b.accepted)
            await d.stop()
            for rx in (a, b):
                (got,) = rx.accepted
                assert got["headers"]["webhook-id"] == delivery_id
                assert got["headers"]["webhook-timestamp"] == str(int(NOW.timestamp()))
                assert verify(got, SECRET, NOW)["id"] == delivery_id
                assert got["json"]["events"] == events() and got["json"]["id"] == delivery_id
                assert got["headers"]["content-type"] == "application/json"

    run_async(main())


def test_failing_receiver_is_retried_with_backoff_and_gets_each_delivery_once(settings: Settings):
    async def main() -> None:
        with WebhookReceiver() as rx:
            rx.fail_next = 2
            d = dispatcher(settings, (rx.url,))
            d.start()
            first = await d.publish(events(tag="a"), NOW)
            second = await d.publish(events(tag="b"), NOW)
            await until(lambda: len(rx.seen) >= 2 and d.idle)
            # retried after a backoff, not in a tight loop: until the clock moves, nothing more
            assert len(rx.seen) == 2 and rx.accepted == []
            d.clock.advance(29)
            await until(lambda: d.idle)
            assert len(rx.seen) == 2
            d.clock.advance(1)  # the backoff (30 s) has passed
            await until(lambda: len(rx.accepted) >= 2 and d.idle)
            counts = await d.counts()
            await d.stop()
        ids = [r["headers"]["webhook-id"] for r in rx.accepted]
        assert sorted(ids) == sorted([first, second])  # each once
        # each attempt signed at its own time: the retry, 30 s on, is not a replay of the first
        stamps = [int(r["headers"]["webhook-timestamp"]) for r in rx.seen]
        assert stamps == [int(NOW.timestamp())] * 2 + [int(NOW.timestamp()) + 30] * 2
        for r in rx.accepted:
            assert verify(r, SECRET, NOW + timedelta(seconds=30))
        assert len(rx.seen) == 4  # two failures, then one success each
        assert counts == {"pending": 0, "delivered": 2, "failed": 0}

    run_async(main())


def test_retries_are_bounded(settings: Settings):
    async def main() -> None:
        with WebhookReceiver() as rx:
            rx.fail_next = 100
            d = dispatcher(settings, (rx.url,), max_attempts=3)
            d.start()
            await d.publish(events(), NOW)
            for _ in range(5):  # more than enough time for a wrong extra attempt
                await until(lambda: d.idle)
                d.clock.advance(1000)
            await until(lambda: d.idle)
            counts = await d.counts()
            await d.stop()
        assert len(rx.seen) == 3 and counts == {"pending": 0, "delivered": 0, "failed": 1}

    run_async(main())


def test_restart_neither_loses_nor_repeats_a_delivery(settings: Settings):
    port = closed_port()
    url = f"http://127.0.0.1:{port}/hook"

    async def first_run() -> None:  # the receiver is down: the delivery stays pending
        d = dispatcher(settings, (url,))
        d.start()
        await d.publish(events(), NOW)
        await until(lambda: d.attempts >= 1 and d.idle)
        d.clock.advance(1000)
        await until(lambda: d.attempts >= 2 and d.idle)
        await d.stop()

    async def later_run(rx: WebhookReceiver) -> None:
        d = dispatcher(settings, (url,), Clock(NOW + timedelta(days=1)))  # the retry is due
        d.start()
        await until(lambda: d.idle and (rx.accepted or d.attempts == 0), timeout=10)
        await d.stop()

    run_async(first_run())
    with WebhookReceiver(port=port) as rx:
        run_async(later_run(rx))  # restarted: the pending delivery goes out
        run_async(later_run(rx))  # restarted again: nothing is sent twice
        assert len(rx.accepted) == 1 and len(rx.seen) == 1


def test_a_slow_receiver_does_not_hold_up_the_others(settings: Settings):
    async def main() -> None:
        with WebhookReceiver() as slow, WebhookReceiver() as fast:
            slow.hang = 60.0  # answers only when the receiver shuts down
            d = dispatcher(settings, (slow.url, fast.url), timeout=30.0)
            d.start()
            await d.publish(events(), NOW)
            await until(lambda: fast.accepted and slow.seen, timeout=10)
            assert not slow.accepted  # the fast one got it while the slow one still hangs
            await d.stop()

    run_async(main())


def test_urls_with_credentials_are_never_logged_in_full(settings: Settings, caplog):
    port = closed_port()
    url = f"http://hookuser:hookpass@127.0.0.1:{port}/hook?token=querytoken"

    async def main() -> None:
        d = dispatcher(settings, (url,), max_attempts=2)
        d.start()
        await d.publish(events(), NOW)
        await until(lambda: d.attempts >= 1 and d.idle)
        d.clock.advance(1000)
        await until(lambda: d.attempts >= 2 and d.idle)
        await d.stop()

    with caplog.at_level(logging.DEBUG, logger="chutes_data"):
        run_async(main())
    text = caplog.text
    assert "failed" in text and f"127.0.0.1:{port}/hook" in text
    assert "hookpass" not in text and "querytoken" not in text and "hookuser" not in text


def test_module_defaults_can_be_shortened(monkeypatch, settings: Settings):
    monkeypatch.setattr(webhooks, "BACKOFF_BASE", 0.01)
    d = Dispatcher(settings.with_(webhook_urls=("http://127.0.0.1:9/",)), settings.cache_dir / "h")
    assert d.backoff_base == 0.01 and d.max_attempts == webhooks.MAX_ATTEMPTS


@pytest.mark.parametrize(
    "urls",
    [
        (),
    ],
)
def test_no_receivers_means_nothing_is_queued(settings: Settings, urls):
    async def main() -> None:
        d = dispatcher(settings, urls)
        assert not d.enabled and d.start() is None
        assert await d.publish(events(), NOW) is None
        await d.stop()

    run_async(main())
    assert not (settings.cache_dir / "history.sqlite").exists()
