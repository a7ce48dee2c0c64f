"""A page section that is one table: a counted heading, its notes, then the table or a message.

`table_section` draws what several pages repeat: `st.subheader("Title (n)")`, an optional
caption (`caption`: always; `note`: only above a table that has rows), then `st.dataframe` with
the given column config, or, when the frame has no rows, an info box (a success box with
`ok=True`: nothing to report is good news).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from chutes_data import Settings
from chutes_data.sources.registry import LABELS
from chutes_data.sources.types import SourceData
from chutes_data.views import sources as diag


def table_section(
    title: str,
    frame: pd.DataFrame,
    columns: dict[str, Any],
    *,
    empty: str,
    ok: bool = False,
    caption: str | None = None,
    note: str | None = None,
    count: int | None = None,
) -> None:
    """`count`: the number in the heading when it is not the frame's row count."""
    st.subheader(f"{title} ({len(frame) if count is None else count:,})", divider="gray")
    if caption:
        st.caption(caption)
    if frame.empty:
        if ok:
            st.success(empty, icon=":material/check_circle:")
        else:
            st.info(empty, icon=":material/verified:")
        return
    if note:
        st.caption(note)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=columns, placeholder="—")


def sources_table(
    title: str,
    sources: dict[str, SourceData],
    settings: Settings,
    now: datetime | None,
    *,
    key: str,
    empty: str,
    name: str,
    rows: str,
    caption: str,
) -> None:
    """Data sources: one row per source of a family (the telemetry routes, the market sources),
    each with its state by the one rule (`views.sources.source_facts`)."""
    st.subheader(title, divider="gray")
    if not sources:
        st.caption(empty)
        return
    columns = {"origin": "origin", "rows": "count", "age": "age", "ttl": "ttl", "state": "state"}
    columns |= {"stale": "stale", "error": "error"}  # the table's column: the fact it shows
    now = now or datetime.now(UTC)
    facts = {
        n: diag.source_facts(d.status, now, settings.api_key, settings=settings) for n, d in sources.items()
    }
    table = pd.DataFrame(
        [{"source": LABELS.get(n, n)} | {c: f[fact] for c, fact in columns.items()} for n, f in facts.items()]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "source": st.column_config.TextColumn(name, width="medium"),
            "origin": "Origin",
            "rows": st.column_config.NumberColumn(rows),
            "age": "Age",
            "ttl": "Cache TTL",
            "state": "State",
            "stale": st.column_config.TextColumn("Stale", width="medium"),
            "error": st.column_config.TextColumn("Last error", width="large"),
        },
        placeholder="—",
    )
    st.caption(caption)
