"""The Models page's view and table frame are shared between sessions per snapshot (issue 12:
the server's memory grew with every visit while each session kept its own sorted copy)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chutes_data import Settings, load_catalog
from chutes_data.query import Filters
from ui import shared_views


@pytest.fixture(scope="module")
def models():
    return load_catalog(Settings.from_env({"CHUTES_OFFLINE": "1"}), allow_sample=True).models


@pytest.fixture
def running(monkeypatch):
    """A running service whose current snapshot is revision 7, shown by this run."""
    snapshot = SimpleNamespace(revision=7)
    kept: dict = {}
    svc = SimpleNamespace(snapshot=snapshot, memo=lambda s: kept if s.revision == 7 else None)
    monkeypatch.setattr(shared_views.data, "provider", lambda: svc)
    monkeypatch.setattr(shared_views.data.st, "session_state", {"_shown_revision": 7})
    return SimpleNamespace(memo=kept)


def test_sessions_showing_one_snapshot_share_one_view_and_table(models, running):
    a = shared_views.models_view(models, Filters(), "popular", "usd", 3.0)
    b = shared_views.models_view(models, Filters(), "popular", "usd", 3)
    assert a is b and len(a) == len(models)
    assert shared_views.table_frame(a, Filters(), "popular", "usd", 3.0) is shared_views.table_frame(
        b, Filters(), "popular", "usd", 3.0
    )
    other = shared_views.models_view(models, Filters(search="qwen"), "popular", "usd", 3.0)
    assert other is not a and len(other) < len(a)


def test_the_memo_is_bounded_and_follows_the_snapshot(models, running, monkeypatch):
    for i in range(shared_views.MAX_ENTRIES + 5):
        shared_views.models_view(models, Filters(min_context=i), "popular", "usd", 3.0)
    assert len(running.memo["ui_models_views"]) == shared_views.MAX_ENTRIES
    first = shared_views.models_view(models, Filters(), "name", "usd", 3.0)
    monkeypatch.setattr(shared_views.data.st, "session_state", {"_shown_revision": 6})  # an older page
    assert shared_views.models_view(models, Filters(), "name", "usd", 3.0) is not first


def test_a_run_without_the_snapshots_memo_builds_its_own(models, monkeypatch):
    monkeypatch.setattr(shared_views.data, "memo", lambda: None)  # a newer snapshot is out
    a = shared_views.models_view(models, Filters(), "popular", "usd", 3.0)
    assert a is not shared_views.models_view(models, Filters(), "popular", "usd", 3.0)
    assert a.equals(shared_views.models_view(models, Filters(), "popular", "usd", 3.0))
