"""Price-history step charts (Plotly) from `ui.data.price_history(key)`.

The history stores USD prices per snapshot; a snapshot's value holds until the next one, so the
chart is a step line (`line_shape="hv"`) extended to the last capture that still showed it.
Third-party text in labels and hovers goes through `textsafe.html_text`.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from chutes_data import textsafe
from chutes_data.schema import UNIT_PRICE_SERIES
from chutes_data.sources.registry import LABELS as SOURCE_LABELS

# Legend label of each stored USD price series.
SERIES = {
    "price_input_usd": "Input /1M tokens",
    "price_output_usd": "Output /1M tokens",
    "price_cache_read_usd": "Cache read /1M tokens",
    "price_step_usd": "Per step",
    "price_request_usd": "Per request",
    "price_hour_usd": "Per hour",
}


def long_frame(history: pd.DataFrame, price_unit: str | None = None) -> pd.DataFrame:
    """at, series, source, usd: one row per snapshot and known price, plus a closing point at
    `last_seen_at` so the last step is drawn up to the newest capture. With `price_unit`, only
    the series of that billing unit (all known prices when it has none)."""
    columns = ["at", "series", "source", "usd"]
    if history is None or history.empty or "at" not in history.columns:
        return pd.DataFrame(columns=columns)
    prices = [c for c in SERIES if c in history.columns and history[c].notna().any()]
    if price_unit in UNIT_PRICE_SERIES:
        prices = [c for c in prices if c in UNIT_PRICE_SERIES[price_unit]] or prices
    if not prices:
        return pd.DataFrame(columns=columns)
    base = history.assign(source=history.get("source", pd.Series("chutes", index=history.index)))
    last_seen = base.get("last_seen_at")
    parts = [
        _closing_points(
            base[["at", "source", col]]
            .rename(columns={col: "usd"})
            .dropna(subset=["usd"])
            .assign(series=SERIES[col]),
            last_seen,
        )
        for col in prices
    ]
    out = pd.concat(parts, ignore_index=True)
    out["source"] = out["source"].map(lambda s: SOURCE_LABELS.get(s, textsafe.html_text(s, 40)))
    return out.sort_values(["series", "source", "at"], kind="stable")[columns].reset_index(drop=True)


def _closing_points(part: pd.DataFrame, last_seen: pd.Series | None) -> pd.DataFrame:
    """`part` plus, per source, a copy of its last point moved to that snapshot's `last_seen_at`
    when the state was still seen later (so the last step reaches the newest capture)."""
    if last_seen is None or part.empty:
        return part
    last = part.groupby("source", sort=False).tail(1)
    seen = last_seen.loc[last.index]
    later = (seen.notna() & (seen > last["at"])).to_numpy(dtype=bool)
    return pd.concat([part, last.loc[later].assign(at=seen.loc[later])], ignore_index=True)


DAY_MS = 86_400_000
DATE_TICKS = [
    {"dtickrange": [None, DAY_MS], "value": "%b %-d %H:%M"},
    {"dtickrange": [DAY_MS, None], "value": "%b %-d"},
]


def price_step_figure(
    history: pd.DataFrame,
    title: str = "Price history (USD)",
    *,
    height: int = 320,
    price_unit: str | None = None,
) -> go.Figure | None:
    """A step chart of the known USD prices over time (those of `price_unit` when given), or None
    when there is nothing to draw."""
    frame = long_frame(history, price_unit=price_unit)
    if frame.empty:
        return None
    many_sources = frame["source"].nunique() > 1
    fig = px.line(
        frame,
        x="at",
        y="usd",
        color="series",
        line_dash="source" if many_sources else None,
        line_shape="hv",
        markers=True,
        title=textsafe.html_text(title, 120),
        labels={"at": "Captured (UTC)", "usd": "USD", "series": "Price", "source": "Source"},
        height=height,
    )
    fig.update_traces(hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>$%{y:,.6g}<extra>%{fullData.name}</extra>")
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend_title_text="",
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
        yaxis_title="USD",
        xaxis_title=None,
    )
    fig.update_yaxes(rangemode="tozero", tickprefix="$", separatethousands=True)
    # Dates, not Plotly's two-level ticks ("Dec", "01:" and "0 0 0 0" in a narrow Compare column):
    # a day and month, with the hour only when the ticks are less than a day apart.
    fig.update_xaxes(nticks=4, tickangle=0, tickformatstops=DATE_TICKS)
    return fig


def share_axes(figures: list[tuple[str | None, go.Figure | None]]) -> None:
    """Put small multiples on one scale, so they compare by eye: every figure gets the same time
    range, and figures of the same price unit (the str of each pair) the same price range, from 0.
    Figures are changed in place; None entries are skipped."""
    xs, ys_by_unit = [], {}
    for unit, fig in figures:
        if fig is None:
            continue
        for trace in fig.data:
            xs += [pd.Timestamp(x) for x in (trace.x if trace.x is not None else ())]
            ys_by_unit.setdefault(unit, []).extend(
                float(y) for y in (trace.y if trace.y is not None else ()) if y is not None
            )
    if not xs:
        return
    lo, hi = min(xs), max(xs)
    pad = (hi - lo) * 0.03 if hi > lo else pd.Timedelta(hours=12)
    for unit, fig in figures:
        if fig is None:
            continue
        fig.update_xaxes(range=[lo - pad, hi + pad])
        top = max(ys_by_unit.get(unit) or [0.0])
        if top > 0:
            fig.update_yaxes(range=[0, top * 1.08], autorange=False)
