"""The telemetry figures: output price against decode speed or time to first token, capacity
now, and a chute's daily lines. Built from the frames of `chutes_data.views.speed`; drawn with
the shared look of `ui.plot_style`. No streamlit here: `ui.speed` lays them out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from chutes_data.formatting import currency_unit
from chutes_data.merge.telemetry import RATE_LIMIT_THROTTLING, UTILIZATION_BUSY
from chutes_data.textsafe import html_text
from chutes_data.views import speed
from chutes_data.views.charts import ordered_templates

from .plot_style import (
    OTHER_COLOR,
    TEMPLATE_COLORS,
    _layout,
    _money_axis,
    _money_hover,
    _owner,
    _safe,
    template_label,
)

CAPACITY_COLORS = {
    "ok": "#1A9E5A",
    "busy": "#E8A90A",
    "throttling": "#E8710A",
    "cold": "#1F6FEB",
    "unknown": "#5F6B7A",
}
METRIC_LABELS = {"tps_7d": "Output tokens/s (7-day, decode)", "ttft_7d_s": "Time to first token (s, 7-day)"}


# ---------------------------------------------------------------------------- figures
def price_speed_scatter(points: pd.DataFrame, metric: str, currency: str) -> go.Figure:
    """Speed (x) vs output price (y, log), one trace per template, hover names escaped."""
    unit = currency_unit(currency)
    fig = go.Figure()
    value_fmt = "%{x:.1f} tok/s" if metric == "tps_7d" else "%{x:.2f} s"
    for template in ordered_templates(points["template"]):
        part = points.loc[points["template"].eq(template)]
        fig.add_trace(
            go.Scatter(
                x=part["value"],
                y=part["price"],
                mode="markers",
                name=template_label(template),
                marker={
                    "color": TEMPLATE_COLORS.get(template, OTHER_COLOR),
                    "size": 10,
                    "opacity": 0.85,
                    "line": {"width": 0.5, "color": "rgba(0,0,0,0.35)"},
                },
                customdata=[
                    list(r)
                    for r in zip(
                        _safe(part["name"]),
                        [c if isinstance(c, str) else "" for c in part["chute_id"]],
                        _owner(part["owner"]),
                        strict=True,
                    )
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>owner: %{customdata[2]}<br>"
                    f"{METRIC_LABELS[metric].split(' (')[0]}: {value_fmt}<br>"
                    f"output: {_money_hover('y', currency)} /1M<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(**_money_axis(points["price"], currency))
    return _layout(
        fig, x_title=METRIC_LABELS[metric], y_title=f"Output price ({unit} per 1M tokens, log scale)"
    )


def capacity_scatter(points: pd.DataFrame) -> go.Figure:
    """Utilization vs rate-limit ratio (last hour), sized by 7-day requests, coloured by state,
    with the autoscaler's thresholds drawn."""
    fig = go.Figure()
    biggest = max(float(points["requests"].max()), 1.0) if len(points) else 1.0
    for state in speed.CAPACITY_ORDER:
        part = points.loc[points["capacity"].eq(state)]
        if part.empty:
            continue
        size = 8 + 32 * (part["requests"].clip(lower=0) / biggest) ** 0.5
        fig.add_trace(
            go.Scatter(
                x=part["utilization"],
                y=part["rate_limit_ratio"],
                mode="markers",
                name=state,
                marker={
                    "color": CAPACITY_COLORS[state],
                    "size": size,
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": "rgba(0,0,0,0.35)"},
                },
                customdata=[
                    list(r)
                    for r in zip(
                        _safe(part["name"]),
                        [c if isinstance(c, str) else "" for c in part["chute_id"]],
                        _owner(part["owner"]),
                        [f"{v:,.0f}" for v in part["requests"]],
                        strict=True,
                    )
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>owner: %{customdata[2]}<br>utilization: "
                    "%{x:.0%}<br>rate-limited: %{y:.1%}<br>requests (7 days): %{customdata[3]}"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_vline(x=UTILIZATION_BUSY, line_dash="dot", line_color="#E8A90A")
    fig.add_hline(y=RATE_LIMIT_THROTTLING, line_dash="dot", line_color="#E8710A")
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    fig = _layout(
        fig,
        x_title="Utilization, last hour (mean connections ÷ concurrency)",
        y_title="Requests rate-limited, last hour",
    )
    fig.update_layout(legend={"title": {"text": "Capacity"}})
    return fig


def shared_ranges(all_lines: list[pd.DataFrame]) -> dict[str, list[float]]:
    """One y-range per metric over several models' lines (0 to the largest value, +5 %), so
    Compare draws them on one scale and they can be compared by eye."""
    out = {}
    for metric in ("tps", "ttft_s", "requests"):
        top = max((float(v) for lines in all_lines for v in lines[metric].dropna()), default=0.0)
        if top > 0:
            out[metric] = [0.0, top * 1.05]
    return out


def daily_figure(
    lines: pd.DataFrame, title: str = "", height: int = 420, ranges: dict[str, list[float]] | None = None
) -> go.Figure:
    """Three stacked daily lines: TPS, TTFT and requests (gaps where unknown); `ranges` fixes
    each metric's y-range (`shared_ranges`), else each scales to its own data."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=("Output tokens/s", "Time to first token (s)", "Requests"),
    )
    fig.add_trace(
        go.Scatter(
            x=lines["date"],
            y=lines["tps"],
            mode="lines+markers",
            name="TPS",
            connectgaps=False,
            line={"color": "#1F6FEB"},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=lines["date"],
            y=lines["ttft_s"],
            mode="lines+markers",
            name="TTFT",
            connectgaps=False,
            line={"color": "#E8710A"},
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Bar(x=lines["date"], y=lines["requests"], name="requests", marker={"color": "#1A9E5A"}),
        row=3,
        col=1,
    )
    fig.update_layout(
        height=height,
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": html_text(title, 120)} if title else None,
    )
    for row, metric in enumerate(("tps", "ttft_s", "requests"), start=1):
        if ranges and metric in ranges:
            fig.update_yaxes(range=ranges[metric], row=row, col=1)
    return fig
