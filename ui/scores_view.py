"""Your scores on the pages (issue 20): the banner line when a CHUTES_SCORES table fails, its status
on Data sources, its unmatched rows on Merge gaps, score against price with the efficient
frontier on Charts, score per dollar on Compare. Each page calls one function; nothing shows
when CHUTES_SCORES is unset."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from chutes_data.scores import frontier, score_per_dollar
from chutes_data.sources.types import Catalog
from chutes_data.values import iso


def banner(catalog: Catalog) -> None:
    """One warning naming every table that could not be read (stale: its last good copy is used)."""
    if catalog.scores is None:
        return
    failed = [s for s in catalog.scores.statuses if s.error]
    if failed:
        st.warning(
            "Scores: "
            + "; ".join(
                f"{s.label} {'uses its last good copy' if s.origin == 'stale' else 'is unavailable'} "
                f"({s.error[:160]})"
                for s in failed
            )
            + ". Everything else is unaffected.",
            icon=":material/leaderboard:",
        )


def sources_section(catalog: Catalog) -> None:
    """Data sources: one row per CHUTES_SCORES table."""
    if catalog.scores is None:
        return
    st.subheader("Scores (CHUTES_SCORES)", divider="gray")
    rows = [
        {
            "table": s.label,
            "state": s.origin,
            "fetched_at": iso(s.fetched_at) or "—",
            "rows": s.rows,
            "matched": s.matched,
            "score is": s.method or "—",
            "problems": "; ".join(s.problems) or "—",
            "error": s.error or "—",
        }
        for s in catalog.scores.statuses
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="scores_sources")


def gaps_section(catalog: Catalog) -> None:
    """Merge gaps: the table rows that matched no Chutes model, with the nearest refusal."""
    if catalog.scores is None:
        return
    st.subheader("Scores that match no Chutes model", divider="gray")
    gaps = catalog.scores.match.unmatched
    if gaps.empty:
        st.caption("Every row of the scores tables matched a Chutes model.")
        return
    st.caption(
        "Rows of your CHUTES_SCORES tables whose model name matches no /v1/models id by the catalog's "
        "name rules (a mode suffix such as -thinking, or another version, is another model)."
    )
    st.dataframe(gaps.fillna({"nearest": "—"}), hide_index=True, width="stretch", key="scores_gaps")


def frontier_chart(models: pd.DataFrame, currency: str) -> None:
    """Charts: score against blended price, the efficient frontier drawn."""
    if "score" not in models.columns:
        return
    st.subheader("Score against blended price", divider="gray")
    points = frontier(models, currency)
    if points.empty:
        st.caption("No model in this view has both a score and a blended price.")
        return
    fig = go.Figure()
    fig.add_scatter(
        x=points["price"], y=points["score"], mode="markers", name="models", text=points["v1_id"],
        hovertemplate="%{text}<br>blended %{x:.4g}<br>score %{y:.1f}<extra></extra>",
    )  # fmt: skip
    best = points[points["efficient"]]
    fig.add_scatter(x=best["price"], y=best["score"], mode="lines+markers", name="efficient frontier",
                    line={"shape": "hv"}, text=best["v1_id"], hoverinfo="text")  # fmt: skip
    fig.update_layout(xaxis_title=f"Blended price per 1M tokens ({currency.upper()})", yaxis_title="Score")
    st.plotly_chart(fig, width="stretch", key="scores_frontier")
    st.caption(
        "On the frontier: no other model is both cheaper (or as cheap) and better. "
        f"{len(best)} of {len(points)} models with a score are on it."
    )


def per_dollar(models: pd.DataFrame, currency: str) -> None:
    """Compare: score per unit of blended price."""
    if "score" not in models.columns:
        return
    value = score_per_dollar(models, currency)
    frame = pd.DataFrame({"model": models["name"], "score": models["score"], "score per 1 /1M": value})
    st.subheader("Score per dollar", divider="gray")
    st.dataframe(frame, hide_index=True, width="stretch", key="scores_per_dollar")
    st.caption(f"Score ÷ blended price per 1M tokens ({currency.upper()}); — without a score or a price.")
