"""How cost tables (chutes_data.calc) are shown: display frames, column configs, the bar chart.

Costs span six orders of magnitude (a request costs fractions of a cent, a month hundreds of
dollars), so each column gets a fixed number of decimals that suits it instead of Streamlit's
two-decimal "dollar" format, which would show a real cost as $0.00. TAO is shown with τ.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from chutes_data import textsafe

from . import frame
from .columns import detail_url

# printf formats per column kind and currency.
_FORMATS = {
    "usd": {"per_request": "$%.6f", "per_day": "$%.4f", "per_month": "$%.2f", "per_1m": "$%.4f",
            "unit": "$%.6f"},
    "tao": {"per_request": "%.9f τ", "per_day": "%.6f τ", "per_month": "%.5f τ", "per_1m": "%.6f τ",
            "unit": "%.8f τ"},
}


def unit_name(currency: str) -> str:
    return "USD" if currency == "usd" else "TAO"


def fmt(currency: str, kind: str) -> str:
    return _FORMATS["tao" if currency == "tao" else "usd"][kind]


def amount(value: object, currency: str, kind: str = "per_month") -> str:
    """A cost as text with the column's precision ('—' when unknown, never $0 for NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "—"
    return fmt(currency, kind) % float(value)


price_text = frame.money  # one formatter for every price the app prints


def token_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """Display frame for `calc.costs` output."""
    return pd.DataFrame({
        "rank": ranked["rank"],
        "name": ranked["name"],
        "details": [detail_url(c, n) for c, n in zip(ranked["chute_id"], ranked["name"], strict=True)],
        "per_request": ranked["per_request"],
        "per_day": ranked["per_day"],
        "per_month": ranked["per_month"],
        "price_input": ranked["price_input"],
        "price_output": ranked["price_output"],
        "price_cache_read": ranked["price_cache_read"],
        "note": ranked["cache_read_fallback"].map(
            lambda f: "cache read billed at input price (unknown)" if f else ""),
    }, index=ranked.index)


def token_config(currency: str, requests_per_day: float) -> dict:
    cc, unit = st.column_config, unit_name(currency)
    return {
        "rank": cc.NumberColumn("#", format="%d", width=40, pinned=True,
                                help="1 = cheapest for this workload"),
        "name": cc.TextColumn("Model", pinned=True, width=300),
        "details": cc.LinkColumn("Details", display_text="Open", width="small"),
        "per_request": cc.NumberColumn("Per request", format=fmt(currency, "per_request"),
                                       help=f"{unit} for one request of this workload"),
        "per_day": cc.NumberColumn("Per day", format=fmt(currency, "per_day"),
                                   help=f"{unit} for {requests_per_day:,.0f} requests"),
        "per_month": cc.NumberColumn("Per month", format=fmt(currency, "per_month"),
                                     help=f"{unit} for 30 days"),
        "price_input": cc.NumberColumn("Input /1M", format=fmt(currency, "per_1m"),
                                       help=f"{unit} per 1M input tokens"),
        "price_output": cc.NumberColumn("Output /1M", format=fmt(currency, "per_1m"),
                                        help=f"{unit} per 1M output tokens"),
        "price_cache_read": cc.NumberColumn("Cache read /1M", format=fmt(currency, "per_1m"),
                                            help=f"{unit} per 1M input tokens read from cache"),
        "note": cc.TextColumn("Note", width="medium"),
    }


def unit_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """Display frame for `calc.unit_costs` output."""
    return pd.DataFrame({
        "pricing": ranked["pricing"],
        "rank": ranked["rank"],
        "name": ranked["name"],
        "details": [detail_url(c, n) for c, n in zip(ranked["chute_id"], ranked["name"], strict=True)],
        "template": ranked["template"],
        "price_step": ranked["price_step"],
        "price_request": ranked["price_request"],
        "price_hour": ranked["price_hour"],
        "basis": ranked["basis"],
        "per_request": ranked["per_request"],
        "per_day": ranked["per_day"],
        "per_month": ranked["per_month"],
    }, index=ranked.index)


def unit_columns(pricing: str) -> list[str]:
    """The columns worth showing for one pricing kind ('per step' | 'per request' | 'per hour')."""
    price = {"per step": "price_step", "per request": "price_request"}.get(pricing, "price_hour")
    cost = ["per_day", "per_month"] if pricing == "per hour" else ["per_request", "per_day", "per_month"]
    return ["rank", "name", "details", price, *cost]  # the basis is the same for the whole kind


def unit_config(currency: str) -> dict:
    cc, unit = st.column_config, unit_name(currency)
    return {
        "pricing": cc.TextColumn("Priced", width="small"),
        "rank": cc.NumberColumn("#", format="%d", width=40, pinned=True,
                                help="Rank within its pricing kind"),
        "name": cc.TextColumn("Model", pinned=True, width=300),
        "details": cc.LinkColumn("Details", display_text="Open", width="small"),
        "template": cc.TextColumn("Template", width="small"),
        "price_step": cc.NumberColumn("Per step", format=fmt(currency, "unit"),
                                      help=f"{unit} per diffusion step"),
        "price_request": cc.NumberColumn("Per request (price)", format=fmt(currency, "unit"),
                                         help=f"{unit} per request"),
        "price_hour": cc.NumberColumn("Per hour", format=fmt(currency, "per_day"),
                                      help=f"{unit} per instance-hour"),
        "basis": cc.TextColumn("Assumes", width="medium"),
        "per_request": cc.NumberColumn("Cost per request", format=fmt(currency, "per_request"),
                                       help=f"{unit}; hourly chutes do not scale with requests"),
        "per_day": cc.NumberColumn("Per day", format=fmt(currency, "per_day"), help=unit),
        "per_month": cc.NumberColumn("Per month", format=fmt(currency, "per_month"),
                                     help=f"{unit} for 30 days"),
    }


def monthly_bar(ranked: pd.DataFrame, currency: str, title: str) -> go.Figure | None:
    """Horizontal bars of the monthly cost, cheapest on top; None when nothing has a known cost."""
    known = ranked[ranked["per_month"].notna()]
    if known.empty:
        return None
    unit = unit_name(currency)
    frame = pd.DataFrame({
        "model": [textsafe.html_text(n, 60) for n in known["name"]],
        "per_month": known["per_month"].to_numpy(),
        "per_request": known["per_request"].to_numpy(),
    })
    frame["model"] = _unique(frame["model"])
    fig = px.bar(frame, x="per_month", y="model", orientation="h", title=textsafe.html_text(title, 120),
                 labels={"per_month": f"{unit} per month (30 days)", "model": "Model"},
                 height=max(260, 48 + 34 * len(frame)), custom_data=["per_request"])
    money = "$%{x:,.2f}" if currency == "usd" else "%{x:,.5f} τ"
    per_req = "$%{customdata[0]:,.6f}" if currency == "usd" else "%{customdata[0]:,.9f} τ"
    fig.update_traces(hovertemplate=f"%{{y}}<br>{money} per month<br>{per_req} per request<extra></extra>",
                      marker_color="#4C78A8")
    fig.update_layout(yaxis={"autorange": "reversed", "title": None},
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    if currency == "tao":
        fig.update_xaxes(ticksuffix=" τ")
    else:
        fig.update_xaxes(tickprefix="$")
    return fig


def _unique(names: pd.Series) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out
