"""A small note when a link's query parameters were not valid and were ignored.

Bound widgets (`bind="query-params"`) drop a value they cannot show (`?min_ctx=abc`, `?cur=XYZ`,
`?sort=nonsense`) and use their default, which is safe but silent. `start()` keeps the query
parameters the session was opened with, before any widget runs; `finish()`, after the page ran,
names the ones that are gone (or lost a value) in one caption. Only for the link a session was
opened with: later changes are the user's own.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from chutes_data.filters import MAX_TEXT, SPECS, URL_VALUES, canonical
from chutes_data.textsafe import md_text

_KEY = "_url_note_opened_with"
_DONE = "_url_note_done"
_SHORTENED = "_url_note_shortened"


def start() -> Any:
    """Call before the sidebar and the page: remember the link's parameters, drop the values no
    widget can take (below); returns the spot (an empty container) where `finish` writes the note."""
    if not st.session_state.get(_DONE) and _KEY not in st.session_state:
        st.session_state[_KEY] = {k: list(st.query_params.get_all(k)) for k in st.query_params}
    _drop_non_finite()
    _shorten_long_text()
    return st.empty()


def _non_finite(value: str) -> bool:
    try:
        return not math.isfinite(float(value))
    except ValueError:
        return False


def _drop_non_finite() -> None:
    """A bound number widget raises (OverflowError) on a value such as `-1e999`, `inf` or `nan`
    instead of falling back to its default: such values are removed before any widget runs, and
    `finish` names them like every other ignored value."""
    for key in list(st.query_params):
        values = st.query_params.get_all(key)
        kept = [v for v in values if not _non_finite(v)]
        if len(kept) == len(values):
            continue
        if kept:
            st.query_params[key] = kept
        else:
            del st.query_params[key]


def _shorten_long_text() -> None:
    """A text value longer than the search box takes (`?q=` of 5,000 characters) is cut to its
    first MAX_TEXT characters before any widget runs, so the box, the rows and the note tell one
    story: the search runs on what the box shows, and `finish` says it was shortened."""
    for spec in SPECS:
        if spec.kind != "text" or spec.url not in st.query_params:
            continue
        value = st.query_params[spec.url]
        if len(value) > MAX_TEXT:
            st.query_params[spec.url] = value[:MAX_TEXT]
            st.session_state.setdefault(_SHORTENED, {})[spec.url] = value[:MAX_TEXT]


def ignored(opened_with: dict[str, list[str]], now: dict[str, list[str]]) -> list[str]:
    """`key=value` for every value of the link that is no longer in the URL, by itself or by
    the key it stands for (`sort=Cheapest input` became `sort=price_in`: not ignored)."""
    out = []
    for key, values in opened_with.items():
        kept = now.get(key, [])
        out += [f"{key}={v}" for v in values if v not in kept and canonical(key, v) not in kept]
        if key in URL_VALUES:  # its default is not written back (ui/url_state.py)
            out = [o for o in out if canonical(key, o.split("=", 1)[1]) != URL_VALUES[key].default]
    return out


def finish(spot: Any) -> None:
    """Call after the page ran: one caption naming the ignored parameters (once per session)."""
    opened_with = st.session_state.get(_KEY)
    if st.session_state.get(_DONE) or opened_with is None:
        return
    st.session_state[_DONE] = True
    now = {k: list(st.query_params.get_all(k)) for k in st.query_params}
    shortened = st.session_state.get(_SHORTENED, {})
    dropped = [d for d in ignored(opened_with, now) if d.split("=", 1)[0] not in shortened]
    if shortened:
        spot.caption(
            ":material/content_cut: Shortened from the link to its first "
            f"{MAX_TEXT} characters (the most the search takes): "
            + ", ".join(md_text(k, 20) for k in shortened)
        )
        spot = st.empty()
    if dropped:
        shown = ", ".join(md_text(d, 60) for d in dropped[:8]) + (" …" if len(dropped) > 8 else "")
        spot.caption(
            f":material/link_off: Ignored from the link (not valid here, so the default is used): {shown}"
        )
