"""Charts: prices, context, popularity and capacity of the models the sidebar filters leave.

Only the chart picked in the segmented control is computed and drawn. The frames come from
`chutes_data.charts`, the figures from `ui.charts` (which escapes every upstream string).
"""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from chutes_data import formatting as fmt
from chutes_data.textsafe import md_text
from chutes_data.views import charts as shape
from chutes_data.views import speed as speed_view
from ui import data, figures, market_pages, nav, sidebar
from ui import speed as speed_figures
from ui.scores_view import frontier_chart

# Plain labels: the choice is bound to the URL (`?charts_view=...`), which holds the label itself.
PRICES, CONTEXT, PRICE_CONTEXT, POPULARITY, CAPACITY, SPEED, LOAD, MARKET = VIEWS = (
    "Input vs output price",
    "Context length",
    "Price vs context",
    "Popularity",
    "Instances & GPUs",
    "Price vs speed",
    "Capacity now",
    "Chutes vs market",
)

catalog = data.catalog()
filters = sidebar.filters()
cur = filters.currency
unit = fmt.currency_unit(cur)
view = data.filtered_models(catalog.models)

st.title("Charts")
st.caption(
    f"{len(view):,} of {len(catalog.models):,} models in this view. Charts follow the "
    f"sidebar filters; prices are in **{unit}** (switch in the sidebar). Hover a point for "
    "the model, click one to get a link to its details."
)

choice = (
    st.segmented_control(
        "Chart",
        VIEWS,
        key="charts_view",
        default=PRICES,
        required=True,
        bind="query-params",
        label_visibility="collapsed",
    )
    or PRICES
)


def show(fig, key: str, points: pd.DataFrame | None = None) -> None:
    """Draw `fig`; when its points are models (`points`), link a clicked one to its details."""
    if points is None:
        st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})
        return
    event = st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        on_select="rerun",
        selection_mode="points",
        config={"displaylogo": False},
    )
    picked = figures.selected_chute_ids(event)
    by_id = points.dropna(subset=["chute_id"]).drop_duplicates("chute_id").set_index("chute_id")
    picked = [c for c in picked if c in by_id.index][:5]
    if picked:
        with st.container(horizontal=True):
            for chute_id in picked:
                name = md_text(by_id.at[chute_id, "name"])
                st.page_link(
                    nav.MODEL_DETAIL,
                    label=f"Details of {name}",
                    icon=":material/arrow_forward:",
                    query_params={"chute_id": chute_id},
                )


def empty(message: str) -> None:
    st.info(message + " Loosen a filter or clear them all in the sidebar.", icon=":material/search_off:")


def section(
    title: str,
    frame: pd.DataFrame,
    nothing: str,
    figure: Callable[[], Any],
    key: str,
    caption: Callable[[], str],
    *,
    points: pd.DataFrame | None = None,
    blank: bool | None = None,
    above: Callable[[], None] | None = None,
) -> None:
    """One chart: its heading (and `above()` under it), then `figure()` (clicks on `points` link
    to details) and `caption()`, or the empty-view note `nothing` when `frame` has no rows (or
    when `blank`)."""
    st.subheader(title)
    if above is not None:
        above()
    if frame.empty if blank is None else blank:
        empty(nothing)
        return
    show(figure(), key, points)
    st.caption(caption())


if choice == PRICES:
    points = shape.price_points(view, cur)
    gaps = shape.price_gaps(view, cur)
    notes = [f"{gaps['shown']:,} models plotted on log–log axes."]
    if gaps["unpriced"]:
        notes.append(
            f"{gaps['unpriced']:,} in this view have no per-token price "
            "(priced per step, request or hour, or unknown) and are left out."
        )
    if gaps["free"]:
        notes.append(f"{gaps['free']:,} with a price of 0 cannot sit on a log axis and are left out.")
    section(
        f"Input vs output price ({unit} per 1M tokens)",
        points,
        "No model with both an input and an output price in this view "
        "(image, embedding and custom chutes are priced per step, request or hour).",
        lambda: figures.price_scatter(points, cur),
        "charts_prices_fig",
        lambda: " ".join(notes),
        points=points,
    )

elif choice == CONTEXT:
    buckets = shape.context_buckets(view)
    section(
        "Context length distribution",
        buckets,
        "No model in this view states a context length (only the LLMs of `/v1/models` do).",
        lambda: figures.context_histogram(buckets),
        "charts_context_fig",
        lambda: (
            f"{int(buckets['models'].sum()):,} of {len(view):,} models in this view state "
            "a context length (advertised context, else the engine limit). Buckets double "
            "in size: a 128K model sits in 128K–256K."
        ),
    )

elif choice == PRICE_CONTEXT:
    left, _ = st.columns([1, 3])
    kind = (
        left.segmented_control(
            "Price",
            ["input", "output"],
            key="charts_pc_kind",
            default="input",
            required=True,
            format_func=str.capitalize,
        )
        or "input"
    )
    points = shape.price_context_points(view, cur, kind)
    section(
        f"{kind.capitalize()} price vs context length",
        points,
        f"No model with both a context length and an {kind} price in this view.",
        lambda: figures.price_context_scatter(points, cur, kind),
        "charts_pc_fig",
        lambda: (
            f"{len(points):,} models with a stated context and a positive {kind} price "
            f"({unit} per 1M tokens)."
        ),
        points=points,
    )

elif choice == POPULARITY:
    n = st.slider("How many", 5, 50, 20, step=5, key="charts_top_n", width=320)
    top = shape.top_invocations(view, n)
    section(
        f"Top {len(top) or n} by invocations over the past day",
        top,
        "No chute in this view has an invocation count.",
        lambda: figures.popularity_bars(top),
        "charts_pop_fig",
        lambda: (
            "Invocations over the past 24 hours, as `/chutes/` reports them (the server "
            "re-sums the last day every 10 minutes; not an all-time total). v1-only rows "
            "have no count."
        ),
        points=top,
    )

elif choice == SPEED:
    left, _ = st.columns([1, 3])
    metric = (
        left.segmented_control(
            "Speed",
            ["tps_7d", "ttft_7d_s"],
            key="charts_speed_metric",
            default="tps_7d",
            required=True,
            format_func={"tps_7d": "Tokens/s", "ttft_7d_s": "First token"}.get,
        )
        or "tps_7d"
    )
    points = speed_view.speed_points(view, metric, cur)
    what = "output tokens/s" if metric == "tps_7d" else "time to first token"
    section(
        f"Output price vs {what}",
        points,
        f"No model in this view has both an output price and a known {what} "
        "(Chutes' 7-day stats; 0 means unknown).",
        lambda: speed_figures.price_speed_scatter(points, metric, cur),
        f"charts_speed_{metric}",
        lambda: (
            f"{len(points):,} models with a positive output price ({unit} per 1M tokens, "
            "log scale) and a known 7-day speed from Chutes' own daily stats. "
            + (
                "Right and low is fast and cheap."
                if metric == "tps_7d"
                else "Left and low answers quickly and is cheap."
            )
        ),
        points=points,
    )

elif choice == LOAD:
    points = speed_view.capacity_points(view)
    counts = speed_view.capacity_counts(view)

    def capacity_metrics() -> None:
        with st.container(horizontal=True):
            for state, n in zip(counts["capacity"], counts["models"], strict=True):
                st.metric(state.capitalize(), f"{n:,}", border=True, help=speed_view.CAPACITY_TEXT[state])

    section(
        "Capacity now: utilization vs rate limiting",
        points,
        "No model in this view is in Chutes' utilization feed.",
        lambda: speed_figures.capacity_scatter(points),
        "charts_load_fig",
        lambda: (
            "Last hour, from the autoscaler's latest run; marker size follows the 7-day "
            "requests. Dotted lines: the autoscaler's thresholds (50 % utilization, 3 % "
            "rate-limited)."
        ),
        points=points,
        above=capacity_metrics,
    )

elif choice == MARKET:  # issue 19: the same model's cheapest price at other providers
    market_pages.chart_section(view, section)

else:  # capacity
    by = (
        st.segmented_control(
            "Instances",
            ["template", "models"],
            key="charts_cap_by",
            default="template",
            required=True,
            format_func={"template": "By template", "models": "Top models"}.get,
        )
        or "template"
    )
    if by == "template":
        table = shape.instances_by_template(view)
        section(
            "Active instances by template",
            table,
            "No active instance in this view.",
            lambda: figures.template_instances_bars(table),
            "charts_tpl_fig",
            lambda: (
                f"{int(table['instances_active'].sum()):,} active instances across "
                f"{int(table['hot_chutes'].sum()):,} hot chutes of "
                f"{int(table['chutes'].sum()):,}."
            ),
            blank=table.empty or int(table["instances_active"].sum()) == 0,
        )
    else:
        top = shape.top_instances(view, 25)
        section(
            "Top models by active instances",
            top,
            "No chute in this view has an active instance.",
            lambda: figures.instances_bars(top),
            "charts_inst_fig",
            lambda: "Active, verified instances right now (top 25).",
            points=top,
        )

    gpus = shape.gpu_counts(view)
    more = f" (top 30 of {len(gpus)} GPU types)" if len(gpus) > 30 else ""
    section(
        "GPU types across chutes",
        gpus,
        "No chute in this view lists supported GPUs.",
        lambda: figures.gpu_bars(gpus),
        "charts_gpu_fig",
        lambda: (
            f"Chutes that may run on each GPU type{more}; a chute usually lists several, "
            "so the bars add up to more than the number of chutes."
        ),
    )

frontier_chart(view, cur)
