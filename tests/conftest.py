"""Shared fixtures. Generic on purpose: other test files build on these; add yours at the end.

* autouse `_isolated_env`: no CHUTES_* / CACHE_DURATION_MINUTES from the developer's shell or
  `.env` reaches a test; CHUTES_CACHE_DIR points into tmp_path.
* autouse `_no_network`: name resolution of anything but loopback fails, so a test that forgets
  to inject a transport errors out instead of calling the real API.
* `settings` / `keyed_settings`: fast retries, tmp cache; `fake_key`: a distinctive fake key.
* `payloads`: the builders of tests/payloads.py (real `/chutes/` and `/v1/models` shapes).
* `fake_api`: an in-process `httpx.MockTransport` router for both APIs, with pagination (and a
  clamp), switchable faults and a request log. `clock`: a fake monotonic clock whose `sleep`
  advances it. `make_client`: a `ChutesClient` wired to both.
* `upstream`: a started loopback `StandInUpstream` (tests/upstream.py), stopped afterwards.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

# The project root (for `chutes_data`) and tests/ (for payloads.py, upstream.py) on the path.
for _path in (Path(__file__).resolve().parents[1], Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import payloads as _payloads  # noqa: E402
import telemetry_payloads as _telemetry  # noqa: E402
from upstream import StandInUpstream  # noqa: E402

from chutes_data import config as _config  # noqa: E402
from chutes_data.config import Settings  # noqa: E402
from chutes_data.sources.client import ChutesClient  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FAKE_KEY = _payloads.FAKE_KEY


# ---------------------------------------------------------------------------- tiers
# The folder is the tier: tests/unit (the pure package), tests/app (AppTest and the in-process
# API), tests/e2e (real `streamlit run` servers, Chromium, PostgreSQL). Each test gets its
# folder's marker, so `-m unit` and `tests/unit` select the same tests; a browser or server
# test outside tests/e2e is a collection error, so the fast tiers never start a server.
TIERS = ("unit", "app", "e2e")
_E2E_ONLY = ("browser", "server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        parts = Path(str(item.fspath)).resolve().relative_to(tests_dir).parts
        tier = parts[0] if len(parts) > 1 and parts[0] in TIERS else None
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid}: every test lives in tests/unit, tests/app or tests/e2e")
        item.add_marker(getattr(pytest.mark, tier))
        for name in _E2E_ONLY:
            if tier != "e2e" and item.get_closest_marker(name):
                raise pytest.UsageError(f"{item.nodeid} is marked {name} but lives in tests/{tier}")


# ---------------------------------------------------------------------------- isolation
@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("CHUTES_") or name == "CACHE_DURATION_MINUTES":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(tmp_path / "cache"))
    # Settings.from_env() reads PROJECT_ROOT/.env; a developer's real .env must not leak in.
    monkeypatch.setattr(_config, "PROJECT_ROOT", tmp_path / "no-project")


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: Any) -> bool:
    if host in (None, "", b""):
        return True  # binding to "any" address, not a lookup
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests must not resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


# ---------------------------------------------------------------------------- settings
@pytest.fixture
def fake_key() -> str:
    return FAKE_KEY


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Anonymous settings with a tmp cache and fast retries (2 retries, ~1 ms backoff)."""
    return Settings(
        api_key=None,
        cache_dir=tmp_path / "cache",
        cache_minutes=10.0,
        http_timeout=5.0,
        max_retries=2,
        backoff_base=0.001,
        retry_after_cap=5.0,
        page_size=1000,
    )


@pytest.fixture
def keyed_settings(settings: Settings) -> Settings:
    return settings.with_(api_key=FAKE_KEY)


@pytest.fixture
def payloads() -> Any:
    """The payload builders module (chute_item, chutes_payload, v1_item, v1_payload, ...)."""
    return _payloads


# ---------------------------------------------------------------------------- fake time
class FakeClock:
    """A monotonic clock that only moves when `sleep` is called (or `advance`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ---------------------------------------------------------------------------- the fake API
@dataclass
class MockFault:
    """One fault of `FakeAPI`: `kind` is status | html | truncated | wrong_shape | timeout |
    connect | custom; `times=None` means every matching request."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    body: Any = None
    times: int | None = None
    when: Callable[[httpx.Request], bool] | None = None
    respond: Callable[[httpx.Request], httpx.Response] | None = None


@dataclass
class FakeAPI:
    """Both Chutes APIs in-process, for `httpx.MockTransport`.

    `/chutes/` pages `chutes_items` by `page` and `limit` (`limit` clamped to `max_page_size`
    when set, and echoed as clamped); `total` overrides the reported total; `/chutes/{id}` finds
    an item by id or name (else the real 404); `/v1/models` serves `v1_items`. Faults are added
    per path with `fault(...)`; every request is kept in `requests`.
    """

    chutes_items: list[dict] = field(default_factory=list)
    v1_items: list[dict] = field(default_factory=list)
    total: int | None = None
    max_page_size: int | None = None
    faults: dict[str, list[MockFault]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    #: telemetry route path -> its body (tests/telemetry_payloads.py, relative to today, UTC)
    telemetry: dict[str, Any] = field(default_factory=lambda: _telemetry.bodies_by_path())
    #: market route path ("/api.json", "/api/v1/models": models.dev, OpenRouter) -> its body
    market: dict[str, Any] = field(default_factory=lambda: _payloads.market_bodies())

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def fault(self, path: str, kind: str, **kw: Any) -> MockFault:
        """Add a fault on `path` ("/chutes/", "/v1/models" or a detail path like "/chutes/x")."""
        f = MockFault(kind, **kw)
        self.faults.setdefault(path, []).append(f)
        return f

    def clear_faults(self) -> None:
        self.faults.clear()

    def to(self, path: str) -> list[httpx.Request]:
        """Requests whose path is `path` ("/chutes/" for the list, "/v1/models", ...)."""
        return [r for r in self.requests if r.url.path == path]

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        for f in list(self.faults.get(path, [])):
            if f.when is not None and not f.when(request):
                continue
            if f.times is not None:
                f.times -= 1
                if f.times <= 0:
                    self.faults[path].remove(f)
            return self._act(f, request)
        if path == "/chutes/":
            return self._list(request)
        if path in self.telemetry:
            return httpx.Response(200, json=self.telemetry[path])
        if path in self.market:
            return httpx.Response(200, json=self.market[path])
        if path.startswith("/chutes/"):
            ident = unquote(path[len("/chutes/") :])
            for item in self.chutes_items:
                if ident in (item["chute_id"], item["name"]):
                    return httpx.Response(200, json={**item, "cords": [], "cord_ref_id": None})
            return httpx.Response(404, json={"detail": "Chute not found, or does not belong to you"})
        if path == "/v1/models":
            return httpx.Response(200, json={"object": "list", "data": self.v1_items})
        return httpx.Response(404, json={"detail": "Not Found"})

    def _list(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit, page = int(params.get("limit", 25)), int(params.get("page", 0))
        if not 1 <= limit <= 5000 or not 0 <= page <= 100:
            return httpx.Response(
                422, json={"detail": [{"type": "less_than_equal", "msg": "Input out of range"}]}
            )
        if self.max_page_size is not None:
            limit = min(limit, self.max_page_size)
        body = {
            "total": len(self.chutes_items) if self.total is None else self.total,
            "page": page,
            "limit": limit,
            "items": self.chutes_items[page * limit : (page + 1) * limit],
            "cord_refs": _payloads.chutes_payload([])["cord_refs"],
        }
        return httpx.Response(200, json=body)

    @staticmethod
    def _act(f: MockFault, request: httpx.Request) -> httpx.Response:
        if f.kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if f.kind == "connect":  # refused: the client fails fast on it (no retry)
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if f.kind == "reset":  # a transient transport error: retried like a 5xx
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if f.kind == "html":
            return httpx.Response(
                200,
                headers={"content-type": "text/html; charset=utf-8"},
                content=b"<!DOCTYPE html><html><body>Just a moment...</body></html>",
            )
        if f.kind == "truncated":
            return httpx.Response(
                200,
                headers={"content-type": "application/json"},
                content=b'{"total": 3, "page": 0, "items": [{"chute_id": "x", "na',
            )
        if f.kind == "wrong_shape":
            body = f.body if f.body is not None else {"detail": "ok", "results": []}
            return httpx.Response(
                200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
            )
        if f.kind == "custom":
            assert f.respond is not None
            return f.respond(request)
        if f.kind == "status":
            headers = {"Retry-After": f.retry_after} if f.retry_after is not None else {}
            body = f.body if f.body is not None else {"detail": f"fault {f.status}"}
            if isinstance(body, (bytes, str)):
                return httpx.Response(f.status, headers=headers, content=body)
            return httpx.Response(f.status, headers=headers, json=body)
        raise AssertionError(f"unknown fault kind {f.kind!r}")


@pytest.fixture
def fake_api() -> FakeAPI:
    """Three vllm chutes and the matching three /v1/models entries."""
    items = [_payloads.chute_item(i) for i in range(3)]
    return FakeAPI(chutes_items=items, v1_items=[_payloads.v1_item(i["name"]) for i in items])


@pytest.fixture
def make_client(
    fake_api: FakeAPI, clock: FakeClock, settings: Settings
) -> Iterator[Callable[..., ChutesClient]]:
    """`make_client(settings=None, api=None)` -> a ChutesClient on the fake API and fake clock."""
    made: list[ChutesClient] = []

    def make(settings_: Settings | None = None, api: FakeAPI | None = None) -> ChutesClient:
        client = ChutesClient(
            settings_ or settings, transport=(api or fake_api).transport, sleep=clock.sleep, clock=clock
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# ---------------------------------------------------------------------------- loopback upstream
@pytest.fixture
def upstream() -> Iterator[StandInUpstream]:
    """A started StandInUpstream with the default small payloads; tweak attributes freely."""
    with StandInUpstream() as server:
        yield server


# ---------------------------------------------------------------------------- browser (tests/browser.py)
@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One headless Debian chromium for the whole session (fails clearly when it is missing,
    skips when SKIP_BROWSER_TESTS=1). Tests open their own context/page on it."""
    from browser import launch_chromium, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def sample_server(chromium_browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A warmed-up server on the bundled sample (read-only, offline), one per test session (per
    xdist worker) and shared by every e2e module that needs no special settings: each server
    start costs seconds, and a test that needs a *fresh* server starts its own."""
    from browser import sample_env, warm_server

    tmp = tmp_path_factory.mktemp("sample_server")
    with warm_server(chromium_browser, sample_env(tmp), tmp / "streamlit.log") as srv:
        yield srv


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh tab (1400x1000, downloads accepted) in its own context on the session's chromium.
    A JavaScript dialog (alert, confirm, prompt) is dismissed, listed in `page.dialogs`, and
    fails the test."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()
    assert not dialogs, f"a JavaScript dialog opened: {dialogs}"


# ---------------------------------------------------------------------------- AppTest
@pytest.fixture(scope="session")
def apptest_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache directory every AppTest of a worker process shares (see `apptest_env`)."""
    return tmp_path_factory.mktemp("apptest") / "cache"


@pytest.fixture
def apptest_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, apptest_cache: Path) -> Iterator[None]:
    """What every AppTest of dashboard.py needs: the bundled sample, an empty cache directory,
    an empty st.cache_data before and after (it outlives AppTest runs in one process,
    streamlit#9139), and the st.navigation path kept for every run.

    Pages read the running service's snapshots, as under the server: the first AppTest starts
    it (`service.runtime.ensure`) and the next ones reuse it while their settings are the same,
    so the sample is merged once per worker, not once per test. So the settings stay the same,
    the cache directory is one per worker (`tmp_path / "cache"` links to it, for tests that put
    a history there) and it is emptied after each test; a test that sets other settings (another
    cache directory, an upstream, a fault) gets a fresh service.

    The last part works around AppTest (streamlit 1.67): before every run it resets
    `PagesManager.uses_pages_directory`, which a `pages/` folder beside dashboard.py turns on
    again, so a later run (a widget change, `switch_page`) would run the page file alone, with
    no dashboard.py, sidebar or banner. A real server keeps it off after the first
    st.navigation call (ui/__init__.py makes sure of that), so pin it here.
    """
    import shutil

    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    apptest_cache.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache").symlink_to(apptest_cache, target_is_directory=True)
    monkeypatch.setenv("CHUTES_OFFLINE", "1")
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(apptest_cache))
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    st.cache_data.clear()
    yield
    st.cache_data.clear()
    for item in apptest_cache.iterdir():  # the next test starts from an empty cache directory
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """file_id -> the callable a deferred `st.download_button` registered (AppTest discards its
    media manager after each run, so record the callables as they are added)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(
        self: MediaFileManager, data_callable: Callable[[], Any], *args: Any, **kwargs: Any
    ) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        seen[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


# ---------------------------------------------------------------------------- PostgreSQL (tests/pgcluster.py)
@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """One throwaway PostgreSQL server per test session (per xdist worker): Debian's binaries, run
    as the `postgres` user when the tests run as root, data in a temporary folder, a loopback
    port, password auth over TCP; stopped and deleted afterwards. Fails clearly when PostgreSQL
    is missing, skips when SKIP_POSTGRES_TESTS=1. `stop()`/`start()`/`kill()` take it away and
    back (the same port and data)."""
    from pgcluster import require_postgres, throwaway_cluster

    with throwaway_cluster(require_postgres()) as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: Any) -> str:
    """A fresh empty database on the session's cluster: its postgresql:// URL (with password)."""
    if not pg_cluster.running:  # an earlier test stopped it and failed before starting it again
        pg_cluster.start()
    return pg_cluster.create_database()
