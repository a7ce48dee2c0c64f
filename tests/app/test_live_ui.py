"""The dashboard under a running service (AppTest): pages take the refresher's snapshot (there
is no other run path), follow a new revision, and show "updated N s ago"."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kpis import app_kpi
from streamlit.testing.v1 import AppTest

from chutes_data import Settings, load_catalog
from chutes_data.filters import canonical
from chutes_data.service import runtime
from chutes_data.service.refresher import Snapshot
from ui.live import updated_text

ROOT = Path(__file__).resolve().parents[2]


class FakeService:
    """What ui/ uses of a running Service: `snapshot`, `wait_ready`, `refresh_blocking`, `memo`;
    a server's (not `own_loop`: the first screen defers the sidebar)."""

    own_loop = False

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refreshes = 0
        self.memos: dict[int, dict] = {}

    def memo(self, snapshot: Snapshot) -> dict:
        return self.memos.setdefault(snapshot.revision, {})

    def wait_ready(self, timeout: float | None = None) -> Snapshot:
        return self.snapshot

    def refresh_blocking(self, timeout: float | None = None) -> Snapshot:
        self.refreshes += 1
        return self.snapshot


def snapshot_of(rows: int, revision: int) -> Snapshot:
    catalog = load_catalog(Settings(offline=True))
    catalog = dataclasses.replace(catalog, models=catalog.models.head(rows).reset_index(drop=True))
    return Snapshot(revision=revision, catalog=catalog, published_at=datetime.now(UTC))


@pytest.fixture
def fake_service(apptest_env, monkeypatch) -> FakeService:
    svc = FakeService(snapshot_of(5, 1))
    monkeypatch.setattr(runtime, "_current", svc)
    return svc


def shown(at: AppTest) -> str:
    return app_kpi(at, "Models shown")


def test_pages_show_the_service_snapshot_and_follow_a_new_revision(fake_service):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert shown(at) == "5"
    # A new session's first screen: the page, and the sidebar's widgets in the next run, which
    # the browser asks for on a timer (ui/sidebar.py; AppTest runs it by hand).
    assert [c.value for c in at.sidebar.caption] == ["Loading the filters…"]
    assert not at.sidebar.text_input
    at.run()
    assert [t.key for t in at.sidebar.text_input] == ["q", "released"]
    assert "Loading the filters…" not in [c.value for c in at.sidebar.caption]
    assert any("updated" in c.value or "bundled sample" in c.value for c in at.sidebar.caption)
    fake_service.snapshot = snapshot_of(3, 2)
    at.run()
    assert shown(at) == "3" and at.session_state["_shown_revision"] == 2


def test_a_bare_run_starts_the_one_service_and_reads_it(apptest_env):
    """AppTest (like a bare script run) has no server: the first run starts the same service
    (refresher and all) the server runs, once, and pages read its snapshot."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    svc = runtime.current()
    assert svc is not None and svc.own_loop and not runtime.served()
    assert at.session_state["_shown_revision"] == svc.snapshot.revision
    assert [t.key for t in at.sidebar.text_input] == ["q", "released"]  # no server: the sidebar at once
    assert any("bundled sample" in c.value for c in at.sidebar.caption)  # the freshness line
    again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not again.exception and runtime.current() is svc  # same settings: reused


def test_other_settings_get_a_fresh_service(apptest_env, monkeypatch, tmp_path):
    AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    first = runtime.current()
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(tmp_path / "elsewhere"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    fresh = runtime.current()
    assert fresh is not first and fresh.settings.cache_dir == tmp_path / "elsewhere"
    assert first.refresher._task is None  # the previous one was stopped


def test_updated_text_counts_from_the_newest_fetch():
    snap = snapshot_of(3, 1)
    now = datetime.now(UTC)
    fetched = now - timedelta(seconds=42)
    live = dataclasses.replace(
        snap.catalog,
        chutes=dataclasses.replace(
            snap.catalog.chutes,
            status=dataclasses.replace(snap.catalog.chutes.status, origin="live", fetched_at=fetched),
        ),
        v1=dataclasses.replace(
            snap.catalog.v1,
            status=dataclasses.replace(
                snap.catalog.v1.status, origin="live", fetched_at=fetched - timedelta(seconds=5)
            ),
        ),
    )
    assert updated_text(dataclasses.replace(snap, catalog=live), now) == "updated 42 s ago"
    assert updated_text(snap, now).startswith("bundled sample")
    ahead = dataclasses.replace(
        live,
        chutes=dataclasses.replace(
            live.chutes, status=dataclasses.replace(live.chutes.status, fetched_at=now + timedelta(hours=10))
        ),
    )  # a fetch time ten hours ahead of this clock: flagged, never "0 s ago"
    assert updated_text(dataclasses.replace(snap, catalog=ahead), now) == (
        "updated in 10 hours (in the future — clock skew?)"
    )


def test_refresh_now_asks_the_running_service(fake_service):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/data_sources.py")
    at.run()
    assert not at.exception
    at.button(key="src_refresh").click()
    at.run()
    assert not at.exception
    assert fake_service.refreshes == 1  # joined through the refresher, not a fetch of its own
    assert "refresh_token" not in at.session_state


def test_first_screen_has_the_tables_of_the_full_one(fake_service):
    """The deferred first screen shows what the full page shows: the defaults are the widgets'."""
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not first.exception and not first.sidebar.text_input
    table = first.dataframe[0].value
    first.run()
    assert first.sidebar.text_input and not first.exception
    assert first.dataframe[0].value.equals(table)
    assert first.session_state["_filters"].is_default()


@pytest.mark.parametrize(
    "query",
    [{"q": "qwen"}, {"hot": "true"}, {"cur": "TAO"}, {"sort": "Largest context"}, {"min_tps": "abc"}],
)
def test_a_link_defers_the_sidebar_and_applies_its_values_at_once(fake_service, query):
    """A link is sent table first too: its values filter the first run's table as its widgets
    read them in the second (an invalid one dropped by both), and the URL keeps them."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.sidebar.text_input
    assert "Loading the filters…" in [c.value for c in at.sidebar.caption]
    table, first = at.dataframe[0].value, at.session_state["_filters"]
    assert first.is_default() == bool({"sort", "min_tps", "cur"} & set(query)), first
    assert first.currency == ("tao" if "cur" in query else "usd")
    kept = {k: canonical(k, v) for k, v in query.items()}  # a sort label becomes its key
    assert all(at.query_params[k] in (v, [v]) for k, v in kept.items()), dict(at.query_params)
    at.run()
    assert not at.exception
    assert [t.key for t in at.sidebar.text_input] == ["q", "released"]
    assert "Loading the filters…" not in [c.value for c in at.sidebar.caption]
    assert at.session_state["_filters"] == first
    assert at.dataframe[0].value.equals(table)


def test_only_the_models_page_defers(fake_service):
    """Other pages seed widgets through session state (the calculator's presets): one run."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/calculator.py").run()
    assert not at.exception
    assert [t.key for t in at.sidebar.text_input] == ["q", "released"]
    assert "Loading the filters…" not in [c.value for c in at.sidebar.caption]


def failing_telemetry_snapshot(revision: int) -> Snapshot:
    """A live catalog whose /chutes/utilization refresh failed (its last good snapshot stands in,
    stale) and whose /invocations/usage has nothing at all."""
    snap = snapshot_of(5, revision)
    now = datetime.now(UTC)

    def live(d):
        return dataclasses.replace(d, status=dataclasses.replace(d.status, origin="live", fetched_at=now))

    telemetry = {name: live(d) for name, d in snap.catalog.telemetry.items()}
    util = telemetry["utilization"]
    telemetry["utilization"] = dataclasses.replace(
        util,
        status=dataclasses.replace(
            util.status,
            origin="cache",
            stale=True,
            fetched_at=now - timedelta(minutes=30),
            error="utilization: HTTP 502 from /chutes/utilization",
        ),
    )
    usage = telemetry["usage"]
    telemetry["usage"] = dataclasses.replace(
        usage,
        status=dataclasses.replace(usage.status, origin="none", fetched_at=None, error="usage: timed out"),
    )
    catalog = dataclasses.replace(
        snap.catalog, chutes=live(snap.catalog.chutes), v1=live(snap.catalog.v1), telemetry=telemetry
    )
    return dataclasses.replace(snap, catalog=catalog)


def test_the_banner_names_every_failing_telemetry_route(fake_service):
    """With a last good snapshot a failing telemetry route still reaches the Models page's banner,
    by name and with its reason, beside a route that has nothing at all."""
    fake_service.snapshot = failing_telemetry_snapshot(1)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "/chutes/utilization" in warnings and "HTTP 502" in warnings, warnings
    assert "last good snapshot" in warnings and "30 minutes" in warnings
    assert "/invocations/usage" in warnings and "timed out" in warnings
    assert "/invocations/stats/llm" not in warnings  # a working route is not named
