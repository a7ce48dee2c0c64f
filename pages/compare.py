"""Compare: two to four models side by side, with the cheapest for a workload highlighted."""

import pandas as pd
import streamlit as st

from chutes_data import calc
from chutes_data import formatting as fmt
from chutes_data.textsafe import md_text
from chutes_data.views import speed as speed_view
from ui import (
    calc_view,
    data,
    detail_view,
    history_chart,
    market_pages,
    model_pick,
    nav,
    probe_view,
    sidebar,
    speed,
    speed_figures,
)
from ui.routing_view import route_section
from ui.scores_view import per_dollar

catalog = data.catalog()
cur = sidebar.filters().currency
models = catalog.models
labels = model_pick.labels(models)
by_use = (
    pd.to_numeric(models["invocation_count"], errors="coerce")
    .fillna(-1)
    .sort_values(ascending=False, kind="stable")
    .index
)
options = [labels[i] for i in by_use]  # most used first; typing filters
index_of = {labels[i]: i for i in models.index}
pricing = calc.pricing(models)  # per_1m_tokens | per_step | per_request | per_hour | unknown
MAX_MODELS = 4
CHEAPEST_MARK = " · cheapest"


def _quick_pick(picks: list[str]) -> None:
    st.session_state["cmp_models"] = picks


st.title("Compare models")
st.caption(
    "Pick two to four models. Prices follow the sidebar's USD ⇄ TAO toggle; the URL keeps "
    "your selection, so you can share it."
)

picked = st.multiselect(
    f"Models (2–{MAX_MODELS})",
    options,
    key="cmp_models",
    max_selections=MAX_MODELS,
    bind="query-params",
    placeholder="Type a model name…",
    help="Every model in the catalog (the sidebar filters do not apply here), most used first.",
)
preset_key = st.segmented_control(
    "Cheapest for",
    list(calc.PRESETS),
    key="cmp_preset",
    default=calc.DEFAULT_PRESET,
    required=True,
    bind="query-params",
    format_func=lambda k: calc.PRESETS[k].label,
    help="The workload used to find the cheapest of the models you picked.",
)
preset = calc.preset(preset_key)
workload = preset.workload
chosen = [index_of[x] for x in picked if x in index_of]

if len(chosen) < 2:
    st.info(
        "Pick at least **two** models above to compare them side by side (up to four).",
        icon=":material/compare_arrows:",
    )
    token_ranked = calc.cheapest_token_models(models, workload, cur, n=3)
    popular_llms = [labels[i] for i in by_use if pricing[i] == "per_1m_tokens"][:3]
    with st.container(horizontal=True):
        st.button(
            "The 3 cheapest LLMs for this workload",
            icon=":material/savings:",
            on_click=_quick_pick,
            args=([labels[i] for i in token_ranked.index],),
            disabled=len(token_ranked) < 2,
            key="cmp_quick_cheap",
        )
        st.button(
            "The 3 most used LLMs",
            icon=":material/trending_up:",
            on_click=_quick_pick,
            args=(popular_llms,),
            disabled=len(popular_llms) < 2,
            key="cmp_quick_popular",
        )
else:
    rows = models.loc[chosen]
    ranked = calc.costs(rows, workload, cur)
    best = calc.cheapest(rows, workload, cur)
    known = ranked[ranked["per_request"].notna()]
    best_label = labels[known.index[0]] if best is not None else None

    if best is not None:
        st.success(
            f"Cheapest for *{preset.label}*: **{md_text(best['name'])}**, "
            f"{calc_view.amount(best['per_request'], cur, 'per_request')} per request, "
            f"{calc_view.amount(best['per_month'], cur)} per month "
            f"({workload.input_tokens:,.0f} in / {workload.output_tokens:,.0f} out tokens, "
            f"{workload.cache_hit_share:.0%} cache hits, {workload.requests_per_day:,.0f} requests/day).",
            icon=":material/emoji_events:",
        )
    else:
        st.info(
            f"None of these models has a known per-token price, so there is no cheapest for "
            f"*{preset.label}*. Compare their unit prices below.",
            icon=":material/info:",
        )
    others = [labels[i] for i in chosen if i not in ranked.index]
    if others and best is not None:
        st.caption(
            "Not priced per token, so not in the cheapest pick: "
            + ", ".join(md_text(o, 80) for o in others)
            + "."
        )

    row_decimals = detail_view.price_row_decimals(models.loc[chosen], cur)  # one per row
    table = {
        labels[i] + (CHEAPEST_MARK if labels[i] == best_label else ""): detail_view.comparison_facts(
            models.loc[i],
            cur,
            pricing[i],
            ranked.loc[i] if i in ranked.index else None,
            preset.label,
            decimals=row_decimals,
        )
        for i in chosen
    }
    side = pd.DataFrame(table)
    best_header = f"{best_label}{CHEAPEST_MARK}" if best_label else None
    styled = side.style
    if best_header in side.columns:
        styled = styled.set_properties(
            subset=[best_header], **{"background-color": "rgba(33, 195, 84, 0.14)", "font-weight": "600"}
        )
    unit = fmt.currency_unit(cur)
    st.subheader("Side by side", divider="gray")
    st.dataframe(
        styled,
        width="stretch",
        height=35 * (len(side) + 1) + 3,
        key="cmp_table",
        column_config={
            "_index": st.column_config.TextColumn("", pinned=True, width="medium"),
            **{c: st.column_config.TextColumn(c, width="medium") for c in side.columns},
        },
        placeholder="—",
    )
    st.caption(
        f"Prices in {unit}; token prices per 1M tokens. — means unknown (never shown as 0). "
        f"Costs use the *{preset.label}* workload; tune it on the Calculator page."
    )

    with st.container(horizontal=True):
        for i in chosen:
            st.page_link(
                nav.MODEL_DETAIL,
                label=f"Details: {md_text(labels[i], 60)}",
                icon=":material/info:",
                query_params=model_pick.detail_params(models.loc[i]),
            )

    st.subheader("Price history", divider="gray")
    charts = []
    for i in chosen:
        cid = models.loc[i, "chute_id"]
        key = cid if isinstance(cid, str) else models.loc[i, "name"]
        charts.append(
            (
                i,
                history_chart.price_step_figure(
                    data.price_history(str(key)), title=labels[i], height=280, price_unit=pricing[i]
                ),
            )
        )
    if all(fig is None for _, fig in charts):
        st.caption(
            "No price history yet for these models. History builds up as the app refreshes "
            "the live catalog (USD prices, one step per change)."
        )
    else:
        # one time range for all, one price range per billing unit: comparable by eye
        history_chart.share_axes([(pricing[i], fig) for i, fig in charts])
        st.caption(
            "All charts share one time axis, and charts of the same price unit one price "
            "axis (from 0), so the lines can be compared by eye."
        )
        cols = st.columns(len(charts))
        for col, (i, fig) in zip(cols, charts, strict=True):
            with col:
                if fig is None:
                    st.caption(f"No history yet for {md_text(labels[i], 80)}.")
                else:
                    st.plotly_chart(fig, width="stretch", key=f"cmp_hist_{i}")

    st.subheader("Speed and capacity, last 30 days", divider="gray")
    st.caption(
        "Chutes' own daily stats per UTC day (0 means unknown and is not drawn); capacity "
        "from the autoscaler's latest run. **Test now** measures a model yourself."
    )
    ranges = speed_figures.shared_ranges([speed.lines_for(catalog, models.loc[i]) for i in chosen])
    cols = st.columns(len(chosen))
    for col, i in zip(cols, chosen, strict=True):
        with col:
            row = models.loc[i]
            st.markdown(f"**{md_text(labels[i], 80)}**")
            lines = speed.lines_for(catalog, row)
            cap = speed_view.capacity_summary(row)
            st.caption(f"{cap['label']}" + (f" · autoscaler {cap['age']}" if cap["age"] else ""))
            if lines.empty or lines[["tps", "ttft_s", "requests"]].isna().all().all():
                st.caption("No daily stats for this model.")
            else:
                figure = speed.daily_figure(lines, height=380, ranges=ranges)  # one scale for all
                st.plotly_chart(figure, width="stretch", key=f"cmp_speed_{i}")
            probe_view.test_now(row, key=f"cmp_probe_{i}")
    per_dollar(rows, cur)
    route_section(rows, "cmp", title="Route the compared models")

    market_pages.compare_section(catalog, [(labels[i], models.loc[i]) for i in chosen])  # issue 19
