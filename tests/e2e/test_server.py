"""The real thing: `streamlit run dashboard.py` in a subprocess (ports 18100-18199) against the
loopback stand-in upstream and a loopback webhook receiver, with nobody visiting the pages.

The server refreshes every 3 s (CACHE_DURATION_MINUTES=0.05). One server for the module; the
SIGTERM test stops it and runs last. The browser test (`-m browser`) opens a page and watches
it follow a new snapshot without a reload.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from aio import run_async
from browser import StreamlitServer, load, metric_value
from payloads import FAKE_KEY, chute_item, v1_item
from receiver import WebhookReceiver, verify
from upstream import V1, Fault, StandInUpstream

from chutes_data.sources.registry import SOURCES

pytestmark = pytest.mark.server

SECRET = "hook-" + "s" * 27
PORTS = range(18100, 18200)


class Live:
    def __init__(self, server: StreamlitServer, upstream: StandInUpstream, rx: WebhookReceiver):
        self.server, self.upstream, self.rx = server, upstream, rx

    @property
    def url(self) -> str:
        return self.server.url

    def get(self, path: str, **kw) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kw)

    def wait(self, predicate, timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n{self.server.log_text()[-3000:]}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    base = tmp_path_factory.mktemp("server")
    with StandInUpstream() as upstream, WebhookReceiver() as rx:
        env = {
            "CHUTES_BASE_URL": upstream.url,
            "CHUTES_LLM_BASE_URL": upstream.url,
            "CHUTES_API_KEY": FAKE_KEY,
            "CHUTES_CACHE_DIR": str(base / "cache"),
            "CACHE_DURATION_MINUTES": "0.05",
            "CHUTES_HTTP_TIMEOUT": "5",
            "CHUTES_WEBHOOK_URLS": rx.url,
            "CHUTES_WEBHOOK_SECRET": SECRET,
        }
        server = StreamlitServer(env, base / "streamlit.log", ports=PORTS)
        with server:
            lv = Live(server, upstream, rx)
            lv.wait(lambda: lv.get("/api/health").json()["revision"] >= 1, 60, "a first refresh")
            yield lv


def set_price(upstream: StandInUpstream, index: int, usd: float) -> dict:
    item = upstream.chutes_payload["items"][index]
    item["current_estimated_price"]["per_million_tokens"]["input"]["usd"] = usd
    return item


def test_one_port_serves_pages_health_and_api(live: Live):
    assert live.get("/_stcore/health").text == "ok"
    assert "<html" in live.get("/").text.lower()
    doc = live.get("/api/health").json()
    assert doc["status"] == "ok" and doc["data"] == "hit"
    r = httpx.post(live.url + "/api/cache/refresh", timeout=10)
    assert r.status_code == 403 and "CHUTES_ADMIN_TOKEN" in r.json()["message"]
    assert live.get("/api/nope").status_code == 404
    log = live.server.log_text()
    assert "Traceback" not in log and "missing ScriptRunContext" not in log, log[-3000:]
    assert FAKE_KEY not in log


def test_sse_and_a_signed_webhook_with_nobody_visiting(live: Live):
    events: list[tuple[str, dict]] = []
    opened, changed = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.stream("GET", live.url + "/api/events", timeout=httpx.Timeout(5, read=40)) as r:
            name = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    events.append((name, json.loads(line[6:])))
                    opened.set()
                    if name == "change":
                        changed.set()
                        return

    threading.Thread(target=listen, daemon=True).start()
    assert opened.wait(15) and events[0][0] == "snapshot"
    # every source the server keeps (one status rule for all of them)
    assert set(events[0][1]["sources"]) == set(SOURCES)  # catalog, telemetry and market
    before = len(live.rx.accepted)
    item = set_price(live.upstream, 0, 1.2345)
    assert changed.wait(30), (events, live.server.log_text()[-2000:])  # the background refresh
    change = events[-1][1]
    assert change["kind"] == "price_changed" and change["chute_id"] == item["chute_id"]
    live.wait(lambda: len(live.rx.accepted) > before, 20, "the webhook")
    got = live.rx.accepted[-1]
    assert verify(got, SECRET) == got["json"]  # the Standard Webhooks reference library
    assert any(e["new"] == 1.2345 for e in got["json"]["events"])
    changes = live.get("/api/changes?kind=price_changed").json()["changes"]
    assert any(e["new"] == 1.2345 for e in changes)


def test_200_concurrent_requests_during_a_refresh_get_no_5xx(live: Live):
    live.upstream.faults[V1] = Fault(hang=3.0, times=1)
    live.wait(lambda: live.get("/api/health").json()["refreshing"], 20, "a refresh in flight")
    paths = [
        "/api/models",
        "/api/models?hot=true&sort=price_in",
        "/api/cache/status",
        "/api/export/data",
        "/api/changes",
        "/api/models/v1/all",
        "/api/health",
        "/api/merge/report",
    ]

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=live.url, timeout=30, limits=limits) as client:
            responses = await asyncio.gather(
                *(client.get(paths[i % len(paths)]) for i in range(200)), return_exceptions=True
            )
        return [r.status_code if isinstance(r, httpx.Response) else 599 for r in responses]

    statuses = run_async(burst())
    # every one answered 200 within the client's timeout (a stalled one counts as 599)
    assert statuses.count(200) == 200, sorted(set(statuses))
    assert live.get("/api/health").status_code == 200


@pytest.mark.browser
def test_a_first_visit_deep_link_runs_through_the_router_and_follows_new_snapshots(
    live: Live, chromium_browser
):
    """One page session (the server's first) opens a deep link, then watches a new snapshot arrive.

    Without the legacy-pages guard (dashboard.py sets PagesManager.uses_pages_directory = False
    before the first session) Streamlit would run pages/models.py alone: no shared sidebar, a
    foreign page list. Private Streamlit API: this is the test that fails loudly if it changes.
    Then, with nobody reloading, a model added upstream must reach the open page (the refresher's
    new revision, noticed by the ui/live.py fragment)."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        assert not load(page, live.url + "/models")
        assert page.url.rstrip("/") in (live.url, live.url + "/models"), page.url  # the default page
        sidebar = page.query_selector('[data-testid="stSidebar"]')
        assert sidebar is not None and "More filters" in sidebar.inner_text()  # the router's sidebar
        assert not page.query_selector('[data-testid="stSidebarNav"]')  # no legacy page list
        shown = metric_value(page, "Models shown")
        assert shown is not None
        page.wait_for_selector("text=/updated \\d+ s ago/", timeout=20_000)
        items = live.upstream.chutes_payload["items"]
        new = chute_item(50, name="org9/Brand-New-Model")
        items.append(new)
        live.upstream.v1_payload["data"].append(v1_item(new["name"]))
        live.upstream.chutes_payload["total"] = len(items)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and metric_value(page, "Models shown") == shown:
            page.wait_for_timeout(500)
        assert metric_value(page, "Models shown") != shown, live.server.log_text()[-2000:]
    finally:
        context.close()


def test_sigterm_with_an_sse_client_connected_ends_the_server(live: Live):
    """Runs last: it stops the module's server."""
    opened, ended = threading.Event(), threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", live.url + "/api/events", timeout=httpx.Timeout(5, read=60)) as r:
                for line in r.iter_lines():
                    if line.startswith("event: snapshot"):
                        opened.set()
        except httpx.HTTPError:
            pass
        ended.set()

    threading.Thread(target=listen, daemon=True).start()
    assert opened.wait(15)
    proc = live.server.proc
    assert proc is not None
    proc.send_signal(signal.SIGTERM)
    # The open stream must not keep the server alive (a server waiting for its clients to leave
    # never ends): it exits, and the client sees its stream closed. A deadline, not a stopwatch.
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "the server ignored SIGTERM with an SSE client connected\n" + live.server.log_text()[-2000:]
        )
    assert ended.wait(5), "the SSE client's stream was not closed by the server"
    assert "Traceback" not in live.server.log_text()
