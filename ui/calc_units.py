"""The Calculator's second ranking: models priced per step, per request or per hour, with the two
workload settings only they use (steps per image, hours per day). Their costs are not comparable
with token prices, so they are ranked on their own."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chutes_data import calc

from . import calc_view


def unit_pricing_section(view: pd.DataFrame, workload: calc.Workload, cur: str) -> None:
    """The steps/hours inputs (bound to the URL) and the per-step / per-request / per-hour table."""
    st.subheader("Priced per step, per request or per hour", divider="gray")
    st.caption(
        "Image models are billed per diffusion step, some chutes per request, others per "
        "instance-hour while they run. These numbers are not comparable with token prices, "
        "so they are ranked here on their own."
    )
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    c1.number_input(
        "Steps per image (diffusion)",
        min_value=0.0,
        max_value=1e3,
        step=5.0,
        key="calc_steps",
        format="%.0f",
        value=30.0,
        bind="query-params",
        help="Diffusion steps per request; 20–50 is typical.",
    )
    c2.number_input(
        "Hours per day (hourly chutes)",
        min_value=0.0,
        max_value=24.0,
        step=1.0,
        key="calc_hours",
        format="%.1f",
        value=24.0,
        bind="query-params",
        help="How long an hourly-priced chute is kept running each day.",
    )
    units = calc.unit_costs(view, workload, cur)
    counts = units["pricing"].value_counts().to_dict()
    kinds = [k for k in ("per step", "per request", "per hour") if counts.get(k)]
    if units.empty:
        st.info(
            "No model in the current view is priced per step, per request or per hour.",
            icon=":material/search_off:",
        )
    else:
        if st.session_state.get("calc_kind") not in kinds:
            st.session_state.pop("calc_kind", None)
        kind = c3.segmented_control(
            "Show",
            kinds,
            key="calc_kind",
            default=kinds[0],
            required=True,
            format_func=lambda k: f"{k.capitalize()} ({counts[k]})",
        )
        shown = units[units["pricing"] == (kind or kinds[0])]
        w = workload
        if kind == "per step":
            st.caption(
                f"Priced per step: {w.steps_per_request:g} steps per image ⇒ steps × price per "
                f"step per request, × {w.requests_per_day:,.0f} requests/day, × 30 days."
            )
        elif kind == "per request":
            st.caption(f"Priced per request: price × {w.requests_per_day:,.0f} requests/day × 30 days.")
        else:
            st.caption(
                f"Priced per hour: one instance for {w.hours_per_day:g} h/day × 30 days; it does "
                "not depend on the number of requests (within the instance's capacity)."
            )
        st.dataframe(
            calc_view.unit_table(shown),
            column_config=calc_view.unit_config(cur),
            hide_index=True,
            width="stretch",
            key="calc_units_table",
            column_order=calc_view.unit_columns(kind or kinds[0]),
            placeholder="—",
        )
