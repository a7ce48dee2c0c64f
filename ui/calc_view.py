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

from chutes_data import formatting, textsafe
from chutes_data.formatting import currency_unit

from .tables import detail_urls, details_column

# printf formats per column kind and currency.
_FORMATS = {
    "usd": {
        "per_request": "$%.6f",
        "per_day": "$%.2f",
        "per_month": "$%.2f",
        "per_1m": "$%.4f",
        "unit": "$%.6f",
    },
    "tao": {
        "per_request": "%.9f τ",
        "per_day": "%.4f τ",
        "per_month": "%.4f τ",
        "per_1m": "%.6f τ",
        "unit": "%.8f τ",
    },
}


# calc.serving values as the Now column says them (text, no emoji: renders without an emoji font)
NOW_TEXT = {"hot": "hot", "cold": "cold (not running)", "unknown": "—"}


def fmt(currency: str, kind: str) -> str:
    return _FORMATS["tao" if currency == "tao" else "usd"][kind]


def amount(value: object, currency: str, kind: str = "per_month") -> str:
    """A cost as text, by the shared formatter: money per day or month as an amount
    (`$27,000.00`), a cost per request or per unit as a price (`$0.0003`); '—' when unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "—"
    if kind in ("per_day", "per_month"):
        return formatting.amount(value, currency)
    return formatting.price(value, currency)


def _model_columns(rank_help: str) -> dict:
    """Column configs both cost tables start with: rank, model name, details link."""
    cc = st.column_config
    return {
        "rank": cc.NumberColumn("#", format="%d", width=40, pinned=True, help=rank_help),
        "name": cc.TextColumn("Model", pinned=True, width=300),
        "details": details_column(),
    }


def _cost(label: str, currency: str, kind: str, help: str):
    """A money column with the precision of its kind (see `_FORMATS`). A USD day or month is an
    amount (`formatting.amount`: two decimals): Streamlit's "dollar" format adds the thousands
    separator ($1,350.67) that printf formats cannot."""
    column_format = (
        "dollar" if currency == "usd" and kind in ("per_day", "per_month") else fmt(currency, kind)
    )
    return st.column_config.NumberColumn(label, format=column_format, help=help)


def token_table(
    ranked: pd.DataFrame, serving: pd.Series | None = None, seconds: pd.Series | None = None
) -> pd.DataFrame:
    """Display frame for `calc.costs` output; `serving` (calc.serving) adds the Now column,
    `seconds` the estimated time per request (`views.speed.estimated_seconds`, same index)."""
    now = serving.reindex(ranked.index) if serving is not None else pd.Series("unknown", index=ranked.index)
    return pd.DataFrame(
        {
            "rank": ranked["rank"],
            "name": ranked["name"],
            "now": now.map(NOW_TEXT).fillna("—"),
            "details": detail_urls(ranked),
            "per_request": ranked["per_request"],
            "est_seconds": (
                seconds.reindex(ranked.index)
                if seconds is not None
                else pd.Series(float("nan"), index=ranked.index)
            ),
            "per_day": ranked["per_day"],
            "per_month": ranked["per_month"],
            "price_input": ranked["price_input"],
            "price_output": ranked["price_output"],
            "price_cache_read": ranked["price_cache_read"],
            "note": ranked["cache_read_fallback"].map(
                lambda f: "cache read billed at input price (unknown)" if f else ""
            ),
        },
        index=ranked.index,
    )


def token_config(currency: str, requests_per_day: float) -> dict:
    unit = currency_unit(currency)
    return {
        **_model_columns("1 = cheapest for this workload"),
        "now": st.column_config.TextColumn(
            "Now",
            width="small",
            help="hot: an instance is running and can answer now; cold: "
            "none is, a request waits for one to start (or fails)",
        ),
        "per_request": _cost(
            "Per request", currency, "per_request", f"{unit} for one request of this workload"
        ),
        "est_seconds": st.column_config.NumberColumn(
            "Est. time (s)",
            format="%.1f",
            help="Estimated end-to-end seconds per request: 7-day time to first token + output "
            "tokens ÷ 7-day output tokens/s (Chutes' own stats; — when unknown)",
        ),
        "per_day": _cost("Per day", currency, "per_day", f"{unit} for {requests_per_day:,.0f} requests"),
        "per_month": _cost("Per month", currency, "per_month", f"{unit} for 30 days"),
        "price_input": _cost("Input /1M", currency, "per_1m", f"{unit} per 1M input tokens"),
        "price_output": _cost("Output /1M", currency, "per_1m", f"{unit} per 1M output tokens"),
        "price_cache_read": _cost(
            "Cache read /1M", currency, "per_1m", f"{unit} per 1M input tokens read from cache"
        ),
        "note": st.column_config.TextColumn("Note", width="medium"),
    }


def unit_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """Display frame for `calc.unit_costs` output."""
    return pd.DataFrame(
        {
            "pricing": ranked["pricing"],
            "rank": ranked["rank"],
            "name": ranked["name"],
            "details": detail_urls(ranked),
            "template": ranked["template"],
            "price_step": ranked["price_step"],
            "price_request": ranked["price_request"],
            "price_hour": ranked["price_hour"],
            "basis": ranked["basis"],
            "per_request": ranked["per_request"],
            "per_day": ranked["per_day"],
            "per_month": ranked["per_month"],
        },
        index=ranked.index,
    )


def unit_columns(pricing: str) -> list[str]:
    """The columns worth showing for one pricing kind ('per step' | 'per request' | 'per hour')."""
    price = {"per step": "price_step", "per request": "price_request"}.get(pricing, "price_hour")
    cost = ["per_day", "per_month"] if pricing == "per hour" else ["per_request", "per_day", "per_month"]
    return ["rank", "name", "details", price, *cost]  # the basis is the same for the whole kind


def unit_config(currency: str) -> dict:
    cc, unit = st.column_config, currency_unit(currency)
    return {
        "pricing": cc.TextColumn("Priced", width="small"),
        **_model_columns("Rank within its pricing kind"),
        "template": cc.TextColumn("Template", width="small"),
        "price_step": _cost("Per step", currency, "unit", f"{unit} per diffusion step"),
        "price_request": _cost("Per request (price)", currency, "unit", f"{unit} per request"),
        "price_hour": _cost("Per hour", currency, "per_day", f"{unit} per instance-hour"),
        "basis": cc.TextColumn("Assumes", width="medium"),
        "per_request": _cost(
            "Cost per request", currency, "per_request", f"{unit}; hourly chutes do not scale with requests"
        ),
        "per_day": _cost("Per day", currency, "per_day", unit),
        "per_month": _cost("Per month", currency, "per_month", f"{unit} for 30 days"),
    }


def monthly_bar(ranked: pd.DataFrame, currency: str, title: str) -> go.Figure | None:
    """Horizontal bars of the monthly cost, cheapest on top; None when nothing has a known cost."""
    known = ranked[ranked["per_month"].notna()]
    if known.empty:
        return None
    unit = currency_unit(currency)
    frame = pd.DataFrame(
        {
            "model": [textsafe.html_text(n, 60) for n in known["name"]],
            "per_month": known["per_month"].to_numpy(),
            "per_request": known["per_request"].to_numpy(),
        }
    )
    frame["model"] = _unique(frame["model"])
    fig = px.bar(
        frame,
        x="per_month",
        y="model",
        orientation="h",
        title=textsafe.html_text(title, 120),
        labels={"per_month": f"{unit} per month (30 days)", "model": "Model"},
        height=max(260, 48 + 34 * len(frame)),
        custom_data=["per_request"],
    )
    money = "$%{x:,.2f}" if currency == "usd" else "%{x:,.5f} τ"
    per_req = "$%{customdata[0]:,.6f}" if currency == "usd" else "%{customdata[0]:,.9f} τ"
    fig.update_traces(
        hovertemplate=f"%{{y}}<br>{money} per month<br>{per_req} per request<extra></extra>",
        marker_color="#4C78A8",
    )
    fig.update_layout(
        yaxis={"autorange": "reversed", "title": None}, margin={"l": 10, "r": 10, "t": 50, "b": 10}
    )
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
