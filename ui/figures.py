"""Plotly figures for the Charts page, built from the frames of `chutes_data.charts`.

Plotly renders a subset of HTML in hover text, tick labels and legends, so every upstream string
(names, owners, templates, GPU names) goes through `textsafe.html_text` before it reaches a figure.
Colours are fixed per template so a template keeps its colour whatever the filters leave.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from chutes_data.formatting import currency_unit
from chutes_data.schema import INVOCATIONS_LABEL
from chutes_data.views.charts import ordered_templates, power_of_two_label

from .plot_style import (
    HEIGHT,
    OTHER_COLOR,
    TEMPLATE_COLORS,
    TEMPLATE_LABELS,
    _context_text,
    _customdata,
    _layout,
    _money_axis,
    _money_hover,
    _safe,
    log_ticks,
    money_tick,
    template_label,
)

# The shared look lives in .plot_style; these names are re-exported for the pages and tests.
__all__ = [
    "HEIGHT",
    "OTHER_COLOR",
    "TEMPLATE_COLORS",
    "TEMPLATE_LABELS",
    "log_ticks",
    "money_tick",
    "template_label",
]


# Above this many points a scatter is drawn with WebGL (`Scattergl`: one canvas, not an SVG
# element per point). SVG took 10-20 s to draw 9,000 points (issue 12's scale table); below it,
# SVG keeps the crisp markers and the per-point DOM the browser tests hover.
WEBGL_POINTS = 1_000


def _scatter(points: pd.DataFrame, x: str, y: str, hover: str) -> go.Figure:
    """One marker trace per template (in `ordered_templates` order, fixed colours). `hover` is the
    hovertemplate after the name/owner lines; customdata[3] is the context as text. WebGL
    (`Scattergl`) beyond WEBGL_POINTS points in all."""
    fig = go.Figure()
    trace = go.Scattergl if len(points) > WEBGL_POINTS else go.Scatter
    for template in ordered_templates(points["template"]):
        part = points.loc[points["template"].eq(template)]
        fig.add_trace(
            trace(
                x=part[x],
                y=part[y],
                mode="markers",
                name=template_label(template),
                marker={
                    "color": TEMPLATE_COLORS.get(template, OTHER_COLOR),
                    "size": 10,
                    "opacity": 0.85,
                    "line": {"width": 0.5, "color": "rgba(0,0,0,0.35)"},
                },
                customdata=_customdata(part, _context_text(part["context"])),
                hovertemplate=(
                    f"<b>%{{customdata[0]}}</b><br>owner: %{{customdata[2]}}<br>{hover}<extra></extra>"
                ),
            )
        )
    return fig


# ---------------------------------------------------------------------------- figures
def price_scatter(points: pd.DataFrame, currency: str) -> go.Figure:
    """Input vs output price per 1M tokens, log-log, one trace per template."""
    unit = currency_unit(currency)
    fig = _scatter(
        points,
        "price_input",
        "price_output",
        f"input: {_money_hover('x', currency)} /1M<br>"
        f"output: {_money_hover('y', currency)} /1M<br>"
        "context: %{customdata[3]}",
    )
    fig.update_xaxes(**_money_axis(points["price_input"], currency))
    fig.update_yaxes(**_money_axis(points["price_output"], currency))
    return _layout(
        fig,
        x_title=f"Input price ({unit} per 1M tokens, log scale)",
        y_title=f"Output price ({unit} per 1M tokens, log scale)",
    )


def context_histogram(buckets: pd.DataFrame) -> go.Figure:
    """Models per power-of-two context bucket, stacked by template."""
    order = list(dict.fromkeys(buckets.sort_values("bucket_low")["bucket"]))
    fig = go.Figure()
    for template in ordered_templates(buckets["template"]):
        part = buckets.loc[buckets["template"].eq(template)].set_index("bucket").reindex(order)
        fig.add_trace(
            go.Bar(
                x=order,
                y=part["models"].fillna(0).astype(int),
                name=template_label(template),
                marker={"color": TEMPLATE_COLORS.get(template, OTHER_COLOR)},
                customdata=[[template_label(template)]] * len(order),
                hovertemplate="%{x} tokens<br>%{customdata[0]}: %{y} models<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.15)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    fig.update_yaxes(rangemode="tozero", tickformat="d")
    return _layout(fig, x_title="Context length (tokens; bucket from 2ⁿ up to 2ⁿ⁺¹)", y_title="Models")


def price_context_scatter(points: pd.DataFrame, currency: str, kind: str) -> go.Figure:
    """Context (log2 axis) vs the `kind` price per 1M tokens (log axis)."""
    unit = currency_unit(currency)
    fig = _scatter(
        points,
        "context",
        "price",
        f"context: %{{customdata[3]}}<br>{kind}: {_money_hover('y', currency)} /1M",
    )
    ticks = _power_ticks(points["context"])
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[power_of_two_label(t) for t in ticks])
    fig.update_yaxes(**_money_axis(points["price"], currency))
    return _layout(
        fig,
        x_title="Context length (tokens, log scale)",
        y_title=f"{kind.capitalize()} price ({unit} per 1M tokens, log scale)",
    )


def _power_ticks(values: pd.Series) -> list[int]:
    v = values[values > 0]
    if v.empty:
        return []
    lo, hi = int(v.min()).bit_length() - 1, int(v.max()).bit_length()
    step = 2 if hi - lo > 8 else 1
    return [2**k for k in range(lo, hi + 1, step)]


def _hbar(
    frame: pd.DataFrame,
    value: str,
    x_title: str,
    hover_value: str,
    extra_hover: str = "",
    extra: list | None = None,
) -> go.Figure:
    """A horizontal bar per row (largest on top), coloured by template."""
    frame = frame.iloc[::-1]  # plotly draws the first category at the bottom
    labels = _safe(frame["label"], limit=80)
    fig = go.Figure()
    for template in ordered_templates(frame["template"]):
        mask = frame["template"].eq(template).to_numpy(dtype=bool)
        part = frame.loc[mask]
        fig.add_trace(
            go.Bar(
                x=part[value],
                y=[lab for lab, m in zip(labels, mask, strict=True) if m],
                orientation="h",
                name=template_label(template),
                marker={"color": TEMPLATE_COLORS.get(template, OTHER_COLOR)},
                customdata=_customdata(
                    part, *([[e for e, m in zip(extra, mask, strict=True) if m]] if extra is not None else [])
                ),
                hovertemplate=(
                    f"<b>%{{customdata[0]}}</b><br>owner: %{{customdata[2]}}<br>{hover_value}"
                    f"{extra_hover}<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, automargin=True)
    fig.update_layout(barmode="stack")
    return _layout(fig, x_title=x_title, y_title="", height=max(320, 26 * len(frame) + 120))


def popularity_bars(top: pd.DataFrame) -> go.Figure:
    fig = _hbar(top, "invocations", INVOCATIONS_LABEL, "invocations, past day: %{x:,}")
    fig.update_xaxes(tickformat="~s")
    return fig


def instances_bars(top: pd.DataFrame) -> go.Figure:
    totals = [f"{int(t):,}" for t in top.iloc[::-1]["instances_total"].tolist()]
    fig = _hbar(
        top,
        "instances_active",
        "Active instances (now)",
        "active instances: %{x}",
        "<br>instances listed: %{customdata[3]}",
        totals,
    )
    fig.update_xaxes(tickformat="d", rangemode="tozero")
    return fig


def template_instances_bars(by_template: pd.DataFrame) -> go.Figure:
    """Active instances per template (hover: chutes, hot chutes, listed instances)."""
    fig = go.Figure()
    for row in by_template.itertuples(index=False):
        label = template_label(row.template)
        fig.add_trace(
            go.Bar(
                x=[label],
                y=[row.instances_active],
                name=label,
                marker={"color": TEMPLATE_COLORS.get(row.template, OTHER_COLOR)},
                customdata=[[row.chutes, row.hot_chutes, row.instances_total]],
                hovertemplate=(
                    f"<b>{label}</b><br>active instances: %{{y:,}}<br>"
                    "instances listed: %{customdata[2]:,}<br>"
                    "hot chutes: %{customdata[1]:,} of %{customdata[0]:,}<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(tickformat="d", rangemode="tozero")
    return _layout(fig, x_title="Template", y_title="Active instances (now)", legend=False, height=400)


def gpu_bars(gpus: pd.DataFrame, limit: int = 30) -> go.Figure:
    """Chutes per supported GPU type (top `limit`), hot chutes stacked inside."""
    shown = gpus.head(limit).iloc[::-1]
    labels = _safe(shown["gpu"], limit=40)
    cold = (shown["chutes"] - shown["hot_chutes"]).tolist()
    fig = go.Figure(
        [
            go.Bar(
                x=shown["hot_chutes"],
                y=labels,
                orientation="h",
                name="hot now",
                marker={"color": "#E8710A"},
                hovertemplate="<b>%{y}</b><br>hot chutes: %{x:,}<extra></extra>",
            ),
            go.Bar(
                x=cold,
                y=labels,
                orientation="h",
                name="not hot",
                marker={"color": "#8DA2BB"},
                hovertemplate="<b>%{y}</b><br>chutes not hot: %{x:,}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, automargin=True)
    fig.update_xaxes(tickformat="d", rangemode="tozero")
    fig = _layout(
        fig,
        x_title="Chutes that may run on this GPU",
        y_title="GPU type",
        height=max(320, 24 * len(shown) + 120),
    )
    fig.update_layout(legend={"title": {"text": "Chutes"}})
    return fig


def selected_chute_ids(event: object) -> list[str]:
    """The chute ids of the points a user selected in a chart built here (customdata[1])."""
    try:
        points = event.selection.points  # type: ignore[attr-defined]
    except AttributeError:
        return []
    out: list[str] = []
    for point in points or []:
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, (list, tuple)) and len(data) > 1 and isinstance(data[1], str) and data[1]:
            out.append(data[1])
    return list(dict.fromkeys(out))
