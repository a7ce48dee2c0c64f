"""The look every figure shares: template labels and colours, money and log axes, the layout, and
escaped hover text (every upstream string goes through `textsafe.html_text`: Plotly renders a
subset of HTML). `ui.figures` and `ui.speed_figures` draw with it."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from chutes_data.textsafe import html_text
from chutes_data.views.charts import power_of_two_label

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
