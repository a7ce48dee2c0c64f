"""The market beside every Chutes model (issue 19) in the dashboard: the two keyless sources on
Data sources, "About this model" and "Same model elsewhere" on Model detail and Compare.

The data comes from `chutes_data.market` (pure); upstream text goes through `textsafe.md_text`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from chutes_data import Catalog, Settings
from chutes_data.sources.registry import LABELS
from chutes_data.views import sources as diag


# ---------------------------------------------------------------------------- Data sources page
def sources_section(catalog: Catalog, settings: Settings, now: datetime | None = None) -> None:
    st.subheader("Market (models.dev, OpenRouter)", divider="gray")
    if not catalog.market:
        st.caption("No market loaded (a saved catalog file is never mixed with live market data).")
        return
    rows = []
    for name, data in catalog.market.items():
        facts = diag.source_facts(data.status, now or datetime.now(UTC), settings.api_key, settings=settings)
        rows.append(
            {
                "source": LABELS.get(name, name),
                "origin": facts["origin"],
                "rows": facts["count"],
                "age": facts["age"],
                "ttl": facts["ttl"],
                "state": facts["state"],
                "stale": facts["stale"],
                "error": facts["error"],
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        key="src_market",
        column_config={
            "source": st.column_config.TextColumn("Source", width="medium"),
            "origin": "Origin",
            "rows": st.column_config.NumberColumn("Provider-models"),
            "age": "Age",
            "ttl": "Cache TTL",
            "state": "State",
            "stale": st.column_config.TextColumn("Stale", width="medium"),
            "error": st.column_config.TextColumn("Last error", width="large"),
        },
        placeholder="—",
    )
    st.caption(
        "Keyless GETs of CHUTES_MODELS_DEV_URL and CHUTES_OPENROUTER_URL (the Chutes API key is "
        "never sent to them), cached for CHUTES_MARKET_MINUTES. A failing source leaves its "
        "columns unknown (—); the catalog works without it."
    )
