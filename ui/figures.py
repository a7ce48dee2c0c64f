"""Plotly figures for the Charts page, built from the frames of `chutes_data.charts`.

Plotly renders a subset of HTML in hover text, tick labels and legends, so every upstream string
(names, owners, templates, GPU names) goes through `textsafe.html_text` before it reaches a figure.
Colours are fixed per template so a template keeps its colour whatever the filters leave.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from chutes_data.formatting import currency_unit
from chutes_data.schema import INVOCATIONS_LABEL
from chutes_data.textsafe import html_text
from chutes_data.views.charts import ordered_templates, power_of_two_label

TEMPLATE_LABELS = {
    "vllm": "LLM (vllm)",
    "diffusion": "Image (diffusion)",
    "tei": "Embeddings (tei)",
    "embedding": "Embeddings",
    "custom": "Custom",
}
# The light palette of .streamlit/config.toml; readable on both themes.
TEMPLATE_COLORS = {
    "vllm": "#1F6FEB",
    "diffusion": "#E8710A",
    "tei": "#1A9E5A",
    "embedding": "#C2185B",
    "custom": "#7E57C2",
}
OTHER_COLOR = "#5F6B7A"
HEIGHT = 540


def template_label(template: object) -> str:
    """The legend label of a template, escaped (an unknown template is upstream text)."""
    return html_text(TEMPLATE_LABELS.get(str(template), str(template)), limit=40)


def _money_hover(axis: str, currency: str) -> str:
    """A hovertemplate fragment for a price on `axis` ('x' or 'y')."""
    return f"%{{{axis}:.6~g}} τ" if currency == "tao" else f"$%{{{axis}:.4~g}}"


def money_tick(value: float, currency: str) -> str:
    """'$0.05', '$1', '0.0002 τ': plain decimals (no SI prefixes such as 'µ')."""
    text = f"{value:.10f}".rstrip("0").rstrip(".") if value < 1 else f"{value:,.10g}"
    return f"{text} τ" if currency == "tao" else f"${text}"


def log_ticks(values: Iterable[float]) -> list[float]:
    """Tick values for a log axis over `values`: 1-2-5 per decade (only 1s over > 4 decades)."""
    positive = [float(v) for v in values if pd.notna(v) and v > 0]
    if not positive:
        return []
    lo, hi = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    steps = (1, 2, 5) if hi - lo <= 4 else (1,)
    ticks = [round(m * 10.0**e, 12) for e in range(lo, hi + 1) for m in steps]
    inside = [t for t in ticks if min(positive) / 1.6 <= t <= max(positive) * 1.6]
    return inside or ticks


def _money_axis(values: Iterable[float], currency: str) -> dict:
    ticks = log_ticks(values)
    return {"type": "log", "tickvals": ticks, "ticktext": [money_tick(t, currency) for t in ticks]}


def _layout(
    fig: go.Figure, *, x_title: str, y_title: str, legend: bool = True, height: int = HEIGHT
) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="closest",
        showlegend=legend,
        legend={
            "title": {"text": "Template"},
            "orientation": "h",
            "traceorder": "normal",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
        },
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def _safe(values: pd.Series, limit: int = 120) -> list[str]:
    return [html_text(v, limit=limit) for v in values.tolist()]


def _owner(values: pd.Series) -> list[str]:
    return [html_text(v, limit=60) if isinstance(v, str) and v else "—" for v in values.tolist()]


def _context_text(values: pd.Series) -> list[str]:
    return [
        power_of_two_label(int(v)) + " tokens" if pd.notna(v) and v > 0 else "unknown"
        for v in values.tolist()
    ]


def _customdata(frame: pd.DataFrame, *extra: list) -> np.ndarray | list:
    """Per point: [escaped name, chute_id (for selection; never displayed), escaped owner, *extra]."""
    ids = [c if isinstance(c, str) else "" for c in frame["chute_id"].tolist()]
    columns = [_safe(frame["name"]), ids, _owner(frame["owner"]), *extra]
    # One object array: plotly validates a numpy array at once, a list of lists cell by cell
    # (about 1 s of 1.3 s for 9,000 points).
    return np.array(list(zip(*columns, strict=True)), dtype=object) if len(frame) else []


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
