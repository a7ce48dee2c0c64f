"""The "Chutes vs market" figure: log-log, the parity line drawn, hover naming both offers.
Upstream strings are escaped (`textsafe.html_text` via `plot_style._safe`). No streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .plot_style import _layout, _money_axis, _safe

CHEAPER, DEARER = "#1A9E5A", "#E8710A"


def market_scatter(points: pd.DataFrame) -> go.Figure:
    """x: the cheapest elsewhere; y: Chutes. Below the dashed line Chutes is the cheaper."""
    fig = go.Figure()
    cheaper = points["market_ratio"].lt(1)
    for label, part, color in (
        ("Chutes cheaper", points.loc[cheaper], CHEAPER),
        ("Market cheaper or equal", points.loc[~cheaper], DEARER),
    ):
        fig.add_trace(
            go.Scatter(
                x=part["market_usd"],
                y=part["chutes_usd"],
                mode="markers",
                name=label,
                marker={"color": color, "size": 10, "opacity": 0.85, "line": {"width": 0.5, "color": "#333"}},
                customdata=[
                    [n, c if isinstance(c, str) else "", p, f"{r:.2f}"]
                    for n, c, p, r in zip(
                        _safe(part["name"]),
                        part["chute_id"],
                        _safe(part["market_provider"].fillna("—"), 60),
                        part["market_ratio"],
                        strict=True,
                    )
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>Chutes: $%{y:.4~g} /1M<br>"
                    "cheapest elsewhere: $%{x:.4~g} /1M at %{customdata[2]}<br>"
                    "Chutes ÷ market: %{customdata[3]}<extra></extra>"
                ),
            )
        )
    values = pd.concat([points["market_usd"], points["chutes_usd"]])
    if len(values):
        low, high = float(values.min()) / 1.5, float(values.max()) * 1.5
        fig.add_trace(
            go.Scatter(
                x=[low, high],
                y=[low, high],
                mode="lines",
                name="Parity (same price)",
                line={"color": "#5F6B7A", "dash": "dash", "width": 1},
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(**_money_axis(values, "usd"))
    fig.update_yaxes(**_money_axis(values, "usd"))
    fig = _layout(
        fig,
        x_title="Cheapest elsewhere (USD per 1M tokens, blended 3:1, log scale)",
        y_title="Chutes (USD per 1M tokens, blended 3:1, log scale)",
    )
    fig.update_layout(legend={"title": {"text": ""}})
    return fig
