"""Cached loaders: the only place the dashboard reaches the data layer.

The catalog (fetch + merge) is cached with `st.cache_data` for CACHE_DURATION_MINUTES, so a
filter change re-runs the page without refetching or re-merging; filtering happens outside the
cache. Raw payloads are kept out of the cached object (they are large and only downloaded).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import streamlit as st

from chutes_data import Catalog, Settings, load_catalog
from chutes_data.cache import DiskCache
from chutes_data.catalog import SAMPLE_DIR, SAMPLE_FILES, history_path

# The TTL is fixed when the module is imported (st.cache_data needs it at decoration time).
TTL_SECONDS = max(Settings.from_env().ttl_seconds, 1.0)


def settings() -> Settings:
    """Settings from the environment, `.env` and Streamlit secrets (exported as env vars)."""
    return Settings.from_env()


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Loading the Chutes catalog…", max_entries=4)
def get_catalog(_settings: Settings, settings_key: str, refresh_token: int = 0) -> Catalog:
    """Both sources, merged; `refresh_token` changes when the user asks for a refresh.

    `_settings` is not hashed (it holds the key); `settings_key` stands for it in the cache key.
    """
    catalog = load_catalog(_settings, refresh=refresh_token > 0, allow_sample=True)
    return dataclasses.replace(
        catalog,
        chutes=dataclasses.replace(catalog.chutes, payload=None),
        v1=dataclasses.replace(catalog.v1, payload=None),
    )


def _settings_key(s: Settings) -> str:
    """Everything that changes what is loaded, except the key itself (only whether one is set)."""
    return repr(s) + f" key={'yes' if s.has_key else 'no'}"


def catalog() -> Catalog:
    """The current catalog (honours the Data sources page's refresh button)."""
    s = settings()
    return get_catalog(s, _settings_key(s), st.session_state.get("refresh_token", 0))


def filtered_models() -> pd.DataFrame:
    """The merged catalog under the sidebar's filters (filtering is outside the cache)."""
    from chutes_data.query import apply_filters

    from . import sidebar

    return apply_filters(catalog().models, sidebar.filters())


def request_refresh() -> None:
    """Refetch both sources now, bypassing the disk cache's TTL too."""
    st.session_state["refresh_token"] = st.session_state.get("refresh_token", 0) + 1
    get_catalog.clear()


def raw_payload_bytes(source: str, origin: str) -> bytes | None:
    """The raw payload behind a source, as served: the cache file or the bundled sample."""
    if origin == "sample":
        path = SAMPLE_DIR / SAMPLE_FILES[source]
    elif origin in ("live", "cache"):
        path = DiskCache(settings().cache_dir).path(source)
    else:
        return None
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=4)
def history_events(refresh_token: int = 0) -> pd.DataFrame:
    """Every change event in the history database, newest first (empty when there is none)."""
    from chutes_data.history import HistoryStore

    columns = ["at", "kind", "source", "name", "chute_id", "field", "old", "new"]
    s = settings()
    path = history_path(s)
    if not path.exists():
        return pd.DataFrame(columns=columns)
    with HistoryStore(path, retention_days=s.history_days) as store:
        events = store.changes()
    frame = pd.DataFrame(events, columns=columns)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=64)
def price_history(key: str, refresh_token: int = 0) -> pd.DataFrame:
    """One model's stored snapshots (for step charts); empty when there is no history."""
    from chutes_data.history import HistoryStore

    s = settings()
    path = history_path(s)
    if not path.exists():
        return pd.DataFrame()
    with HistoryStore(path, retention_days=s.history_days) as store:
        return store.price_history(key)
