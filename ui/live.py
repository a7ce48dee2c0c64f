"""Live updates: open pages notice the background refresher's new snapshot without a reload.

`freshness()` draws a small fragment that reruns on its own every few seconds. It only reads the
running service's revision number (in memory, no I/O) and prints "updated N s ago"; when the
revision differs from the one the page was drawn with (ui.data.snapshot records it), it reruns the
whole app once, so every page shows the new snapshot. The service is the same everywhere (the
server's, or the one a bare run or AppTest started: `ui.data.provider`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from chutes_data import formatting as fmt
from chutes_data import service
from chutes_data.formatting import duration_text

from . import data

CHECK_SECONDS = 5.0


def updated_text(snapshot: service.runtime.Snapshot, now: datetime | None = None) -> str:
    """ "updated 12 s ago" from the newest successful fetch (the publish time when none)."""
    now = now or datetime.now(UTC)
    if snapshot.catalog.is_sample:
        return "bundled sample · checked " + duration_text(snapshot.age_seconds(now)) + " ago"
    fetched = [d.status.fetched_at for d in snapshot.catalog.sources.values() if d.status.fetched_at]
    at = max(fetched) if fetched else snapshot.published_at
    seconds = (now - at).total_seconds()
    if seconds < -fmt.SKEW_TOLERANCE:  # a fetch time ahead of this clock is flagged, not clamped
        return f"updated {fmt.human_age(seconds)}"
    return f"updated {duration_text(max(0.0, seconds))} ago"


@st.fragment(run_every=CHECK_SECONDS)
def _check() -> None:
    snapshot = data.provider().snapshot
    if snapshot is None:
        return
    shown = st.session_state.get(data.SHOWN_REVISION)
    if shown is not None and shown != snapshot.revision:
        st.session_state[data.SHOWN_REVISION] = snapshot.revision
        st.rerun(scope="app")
    st.caption(
        updated_text(snapshot),
        help="The server refreshes the catalog in the background; "
        "this page follows the newest snapshot by itself.",
    )


def freshness() -> None:
    """The revision check, in the sidebar."""
    with st.sidebar:
        _check()
