"""Speed and capacity in the dashboard (issue 11): the telemetry source table, the Models
table's speed columns, and the detail/compare speed section (figures: `ui.speed_figures`).

Every upstream string reaching a Plotly figure goes through `textsafe.html_text`; Markdown gets
`md_text`. The data comes from `chutes_data.views.speed` (pure).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from chutes_data import Catalog, Settings
from chutes_data import formatting as fmt
from chutes_data.sources.telemetry_loader import telemetry_today
from chutes_data.views import speed

from .sections import sources_table
from .speed_figures import (
    CAPACITY_COLORS,
    METRIC_LABELS,
    capacity_scatter,
    daily_figure,
    price_speed_scatter,
)

# The figures live in .speed_figures; re-exported: the pages draw them as `speed.*`.
__all__ = ["CAPACITY_COLORS", "METRIC_LABELS", "capacity_scatter", "daily_figure", "price_speed_scatter"]


# ---------------------------------------------------------------------------- Data sources page
def sources_section(catalog: Catalog, settings: Settings, now: datetime | None = None) -> None:
    sources_table(
        "Telemetry (speed and capacity)",
        catalog.telemetry,
        settings,
        now,
        key="src_telemetry",
        empty="No telemetry loaded (a saved catalog file is never mixed with live telemetry).",
        name="Route",
        rows="Rows",
        caption=(
            "Anonymous GETs on CHUTES_BASE_URL (the API key is never sent to them), cached for "
            "CHUTES_TELEMETRY_MINUTES. A failing route leaves its columns unknown; the catalog "
            "works without it."
        ),
    )


# ---------------------------------------------------------------------------- Models table
def column_config() -> dict:
    """Column configs of the Models table's speed columns (ui.tables uses them)."""
    cc = st.column_config
    return {
        "tps": cc.NumberColumn(
            "TPS",
            format="%.1f",
            help="Output tokens per second of decode, "
            "output-token-weighted over the last 7 complete UTC days (Chutes' "
            "own stats; excludes time to first token)",
        ),
        "ttft": cc.NumberColumn(
            "TTFT (s)",
            format="%.2f",
            help="Time to first token in seconds, request-weighted over the same days (streamed requests)",
        ),
        "capacity": cc.TextColumn(
            "Capacity",
            width="small",
            help="Now, from the autoscaler: ok, busy "
            "(utilization ≥ 50 %), throttling (≥ 3 % rate-limited), cold (no "
            "active instance)",
        ),
    }


# ---------------------------------------------------------------------------- detail / compare
def lines_for(catalog: Catalog, row: pd.Series, days: int = 30) -> pd.DataFrame:
    """A chute's daily lines: the loaded stats, completed by the history's kept days."""
    from . import data

    chute_id = row["chute_id"] if isinstance(row["chute_id"], str) else None
    stats = catalog.telemetry.get("llm_stats")
    frame = stats.frame if stats is not None and stats.status.origin != "none" else None
    today = telemetry_today(catalog.telemetry) if catalog.telemetry else datetime.now(UTC).date()
    kept = data.daily_stats(chute_id, today) if chute_id and not catalog.is_sample else None
    return speed.daily_lines(frame, kept, chute_id, today, days)


def speed_section(catalog: Catalog, row: pd.Series, key: str) -> None:
    """Metrics, the capacity state with the autoscaler's time, and the 30-day lines."""
    cap = speed.capacity_summary(row)
    with st.container(horizontal=True):
        st.metric(
            "Output tokens/s (7 days)",
            _num(row.get("tps_7d"), "{:,.1f}"),
            border=True,
            help="Chutes' own decode speed, output-token-weighted over 7 complete UTC days",
        )
        st.metric(
            "Time to first token (7 days)",
            _num(row.get("ttft_7d_s"), "{:,.2f} s"),
            border=True,
            help="Request-weighted over the same days (streamed requests; excludes API overhead)",
        )
        st.metric(
            "Requests (7 days)",
            _num(row.get("requests_7d"), "{:,.0f}"),
            border=True,
            delta=_trend(row.get("requests_trend")),
            delta_color="off",
            delta_arrow=fmt.change_direction(row.get("requests_trend")),
            help="The delta compares with the 7 days before",
        )
        st.metric("Capacity now", cap["label"], border=True, help=cap["text"])
    when = f" Autoscaler run {cap['age']} ({cap['at']:%Y-%m-%d %H:%M} UTC)." if cap["age"] else ""
    extra = []
    if pd.notna(row.get("utilization_1h")):
        extra.append(f"utilization {float(row['utilization_1h']):.0%}")
    if pd.notna(row.get("rate_limit_ratio_1h")):
        extra.append(f"{float(row['rate_limit_ratio_1h']):.1%} rate-limited (last hour)")
    if pd.notna(row.get("instances_target")):
        extra.append(
            f"target {int(row['instances_target'])} instances, room for "
            f"{_num(row.get('scale_allowance'), '{:,.0f}')} more"
        )
    if row.get("cold_start_bounty") is True:
        extra.append("a cold-start bounty is open")
    if row.get("rolling_update") is True:
        extra.append("a version roll-out is in progress")
    st.caption(f"{cap['text']}." + when + (" " + "; ".join(extra).capitalize() + "." if extra else ""))
    lines = lines_for(catalog, row)
    if lines.empty or lines[["tps", "ttft_s", "requests"]].isna().all().all():
        st.caption(
            "No daily stats for this chute in the last 30 days (Chutes publishes them per "
            "chute and UTC day; 0 means unknown and is not drawn)."
        )
    else:
        st.plotly_chart(daily_figure(lines), width="stretch", key=key)


def _num(value: object, fmt: str) -> str:
    return "—" if value is None or pd.isna(value) else fmt.format(float(value))


def _trend(value: object) -> str | None:
    """`43% vs the week before`: the metric's arrow (`delta_arrow`) carries the sign."""
    return (
        None
        if value is None or pd.isna(value)
        else f"{fmt.percent_change(value, arrow=False)} vs the week before"
    )
