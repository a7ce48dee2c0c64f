"""The dashboard's catalog (issue 12): one Catalog shared by every session and rerun, handed out
as copy-on-write views, so a page cannot change what the other sessions see and no session
holds its own copy of the frames."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def data(monkeypatch, tmp_path):
    monkeypatch.setenv("CHUTES_OFFLINE", "1")
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(tmp_path / "cache"))
    from ui import data as module

    return module


def _shared(data):
    """The catalog pages get views of: the running service's (started as a bare run does)."""
    svc = data.provider()
    return data.shared_catalog(svc, svc.wait_ready(60))


def test_every_call_returns_the_same_catalog(data):
    first, second = _shared(data), _shared(data)
    assert first is second  # not an unpickled copy per call


def test_views_share_the_data_without_copying_it(data):
    shared = _shared(data)
    a, b = data._view(shared), data._view(shared)
    assert a.models is not shared.models and b.models is not a.models
    for col in ("price_input_usd", "price_output_usd", "match_score"):
        assert np.shares_memory(a.models[col].to_numpy(), shared.models[col].to_numpy())


def test_a_page_writing_into_its_view_does_not_change_the_shared_catalog(data):
    shared = _shared(data)
    before = shared.models.copy(deep=True)
    view = data._view(shared)
    view.models.loc[view.models.index[0], "price_input_usd"] = 12345.0
    view.models["name"] = "overwritten"
    view.chutes.frame.loc[view.chutes.frame.index[0], "name"] = "x"
    assert "price_input_usd" in shared.models and shared.models.equals(before)
    assert data._view(shared).models.equals(before)
    assert shared.chutes.frame["name"].iloc[0] != "x"
