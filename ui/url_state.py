"""Values a page keeps in its URL by a stable key while its widget shows a label.

A widget bound to the URL (`bind="query-params"`) writes what it displays there, so a label
(`sort=Cheapest+input`, `calc_preset=RAG`) would become part of every shared link, and renaming
it would break them. These widgets are not bound; `seed` gives the widget the link's value
before it is drawn (its key, or an old label: `chutes_data.filters.URL_VALUES` lists both), and
`write`, after it is drawn, puts the key back in the URL (nothing for the default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from chutes_data import filters as vocab


def _shadow(widget_key: str) -> str:
    return f"_url_keep_{widget_key}"


def seed(url_key: str, widget_key: str, values: Mapping[str, Any], default: str) -> None:
    """Before the widget is drawn: set its state (`values`: URL key -> the widget's value) from
    the link, else from what it held when last drawn (a widget not drawn in a run loses its
    state, e.g. on another page), else the default. A value the link gives that names no choice
    is removed from the URL, so the "ignored" note (ui/url_note.py) names it."""
    if widget_key in st.session_state:
        return
    text = st.query_params.get(url_key)
    key = vocab.canonical(url_key, text) if text is not None else None
    if key in values:
        st.session_state[widget_key] = values[key]
        return
    if text is not None:
        del st.query_params[url_key]
    kept = st.session_state.get(_shadow(widget_key))
    st.session_state[widget_key] = kept if kept in values.values() else values[default]


def write(url_key: str, widget_key: str, key: str, default: str) -> None:
    """After the widget is drawn: the URL holds its key (`key`), or nothing for the default."""
    st.session_state[_shadow(widget_key)] = st.session_state.get(widget_key)
    if key == default:
        if url_key in st.query_params:
            del st.query_params[url_key]
    elif st.query_params.get(url_key) != key:
        st.query_params[url_key] = key
