"""A page section that is one table: a counted heading, its notes, then the table or a message.

`table_section` draws what several pages repeat: `st.subheader("Title (n)")`, an optional
caption (`caption`: always; `note`: only above a table that has rows), then `st.dataframe` with
the given column config, or, when the frame has no rows, an info box (a success box with
`ok=True`: nothing to report is good news).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


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
