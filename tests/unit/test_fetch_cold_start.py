"""Cold start (issue 12): both sources fetched at the same time, a refused connection fails at
once, the retry budget is a setting, and the listing asks for the server's maximum page size.

All against the loopback StandInUpstream (tests/upstream.py). No timed assertions: concurrency
is shown with a barrier both requests must reach together, fast failure by counting attempts
and sleeps.
"""

from __future__ import annotations

import socket
import threading

import pytest
from payloads import chute_item
from upstream import LIST, V1, Fault, StandInUpstream

from chutes_data.config import MAX_PAGE_SIZE, Settings
from chutes_data.errors import NetworkError, UpstreamError
from chutes_data.sources.client import ChutesClient
from chutes_data.sources.loader import load_catalog


def _closed_port() -> int:
    """A loopback port in our range (18300-18399) that nothing listens on."""
    for port in range(18390, 18400):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free loopback port in 18390-18399")


def test_both_sources_are_fetched_at_the_same_time(settings, upstream):
    """Each route waits until the other one's request has arrived: fetched one after the other,
    the first request would wait for the second forever (the barrier breaks, the fetch fails)."""
    barrier = threading.Barrier(2, timeout=10)
    original = upstream._record
    met: list[str] = []

    def record(route, path, query, headers):
        fault = original(route, path, query, headers)
        if route in (LIST, V1):
            barrier.wait()  # raises BrokenBarrierError in the handler when alone
            met.append(route)
        return fault

    upstream._record = record
    s = settings.with_(base_url=upstream.url, llm_base_url=upstream.url, max_retries=0)
    catalog = load_catalog(s, refresh=True)
    assert sorted(met) == sorted([LIST, V1])
    assert catalog.chutes.status.origin == "live" and catalog.v1.status.origin == "live"
    assert catalog.chutes.status.error is None and catalog.v1.status.error is None


def test_refused_connection_is_not_retried(settings):
    port = _closed_port()
    sleeps: list[float] = []
    s = settings.with_(
        base_url=f"http://127.0.0.1:{port}",
        llm_base_url=f"http://127.0.0.1:{port}",
        max_retries=5,
        backoff_base=1.0,
    )
    with ChutesClient(s, sleep=sleeps.append) as client:
        with pytest.raises(NetworkError) as info:
            client.list_chutes()
        assert f"cannot reach 127.0.0.1:{port}/chutes/" in str(info.value)  # the port is said
        assert "attempts" not in str(info.value)
        with pytest.raises(NetworkError):
            client.list_v1_models()
    assert sleeps == []  # no backoff at all


def test_cold_start_with_upstream_refused_serves_the_sample_without_waiting(settings, monkeypatch):
    port = _closed_port()
    sleeps: list[float] = []  # any backoff of any client the loader makes would show here
    real_init = ChutesClient.__init__

    def init(self, settings_, **kw):
        kw.setdefault("sleep", sleeps.append)
        real_init(self, settings_, **kw)

    monkeypatch.setattr(ChutesClient, "__init__", init)
    s = settings.with_(
        base_url=f"http://127.0.0.1:{port}",
        llm_base_url=f"http://127.0.0.1:{port}",
        models_dev_url=f"http://127.0.0.1:{port}/api.json",  # the market sources too (issue 19)
        openrouter_url=f"http://127.0.0.1:{port}/api/v1/models",
        max_retries=3,
    )
    catalog = load_catalog(s, allow_sample=True)
    assert catalog.is_sample and len(catalog.models)
    assert "Connection refused" in catalog.warnings[-1] or "cannot reach" in catalog.warnings[-1]
    assert sleeps == []


def test_a_5xx_is_still_retried_over_a_real_socket(settings, upstream):
    upstream.faults[V1] = Fault(status=503, times=2)
    s = settings.with_(base_url=upstream.url, llm_base_url=upstream.url, max_retries=2)
    with ChutesClient(s) as client:
        assert len(client.list_v1_models()["data"]) == 3
    assert upstream.count(V1) == 3


@pytest.mark.parametrize("retries", [0, 1, 4])
def test_retry_budget_is_the_setting(settings, upstream, retries):
    upstream.faults[LIST] = Fault(status=502)
    s = Settings.from_env(
        {
            "CHUTES_HTTP_RETRIES": str(retries),
            "CHUTES_BASE_URL": upstream.url,
            "CHUTES_LLM_BASE_URL": upstream.url,
            "CHUTES_CACHE_DIR": str(settings.cache_dir),
        }
    )
    assert s.max_retries == retries and s.warnings == ()
    s = s.with_(backoff_base=0.001)
    with ChutesClient(s) as client, pytest.raises(UpstreamError) as info:
        client.list_chutes()
    assert upstream.count(LIST) == retries + 1
    assert info.value.status == 502


@pytest.mark.parametrize("raw", ["-1", "11", "2.5", "many", "inf"])
def test_a_bad_retry_setting_falls_back_with_a_warning(raw):
    s = Settings.from_env({"CHUTES_HTTP_RETRIES": raw})
    assert s.max_retries == 3
    assert len(s.warnings) == 1 and s.warnings[0].startswith("CHUTES_HTTP_RETRIES=")


def test_listing_asks_for_the_servers_maximum_page():
    assert Settings().page_size == MAX_PAGE_SIZE == 5000
    assert Settings.from_env({}).page_size == 5000


def test_ten_thousand_chutes_are_two_requests(settings):
    base = chute_item(0)
    items = [{**base, "chute_id": f"id-{i:05d}", "name": f"org/model-{i:05d}"} for i in range(10_000)]
    with StandInUpstream({"total": len(items), "items": items, "cord_refs": {}}) as up:
        s = Settings(cache_dir=settings.cache_dir, base_url=up.url, llm_base_url=up.url)
        with ChutesClient(s) as client:
            payload = client.list_chutes()
        assert len(payload["items"]) == 10_000
        assert [(r["query"]["limit"], r["query"]["page"]) for r in up.requests[LIST]] == [
            ("5000", "0"),
            ("5000", "1"),
        ]
