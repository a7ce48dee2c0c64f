"""The Models page's view and table frame, built once per snapshot and query, shared by sessions.

Every session used to sort its own copy of the catalog and build its own table frame on every
rerun, and kept them: the page's table fragment and its deferred downloads hold on to the view
until the session is gone, so twenty visits kept twenty copies (issue 12: +128 MB at 10,000
chutes). Under the server the frames are memoized on the running snapshot (bounded, dropped with
it): visitors of the same view share one frame, and a rerun that changes nothing builds nothing.
Without a running service (AppTest, a bare script run) they are built per call, as before.

The shared frames are read-only: pages pass them to Streamlit and to `chutes_data` functions
that build new frames (pandas' copy-on-write protects the shared one from a stray write).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd

from chutes_data.query import Filters, apply_filters, sort_models

from . import data, tables

MAX_ENTRIES = 16  # per snapshot: views (and their table frames) of recent queries
_lock = threading.Lock()


def _memo() -> OrderedDict | None:
    """The views memo of the snapshot this run shows (None when a newer one is out)."""
    kept = data.memo()
    if kept is None:
        return None
    with _lock:
        return kept.setdefault("ui_models_views", OrderedDict())


def _shared(key: tuple, build: Callable[[], Any]) -> Any:
    memo = _memo()
    if memo is None:
        return build()
    with _lock:
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    value = build()  # outside the lock: two sessions may build one key once each, never wrongly
    with _lock:
        memo[key] = value
        while len(memo) > MAX_ENTRIES:
            memo.popitem(last=False)
    return value


def models_view(
    models: pd.DataFrame, filters: Filters, sort: str, currency: str, ratio: float
) -> pd.DataFrame:
    """`models` (the shown catalog's) under `filters`, sorted by `sort`."""
    return _shared(
        ("view", filters, sort, currency, float(ratio)),
        lambda: sort_models(apply_filters(models, filters), sort, currency, ratio),
    )


def table_frame(view: pd.DataFrame, filters: Filters, sort: str, currency: str, ratio: float) -> pd.DataFrame:
    """`tables.table_frame` of `models_view(...)` for the same arguments."""
    return _shared(
        ("table", filters, sort, currency, float(ratio)), lambda: tables.table_frame(view, currency, ratio)
    )
