"""Calculator: what a workload costs per request, per day and per month on each model."""

import streamlit as st

from chutes_data import calc
from chutes_data import formatting as fmt
from chutes_data.textsafe import md_text
from chutes_data.views import speed as speed_view
from ui import calc_units, calc_view, data, model_pick, sidebar, url_state
from ui.routing_view import route_section

catalog = data.catalog()
cur = sidebar.filters().currency
view = data.filtered_models(catalog.models)
labels = model_pick.labels(catalog.models)
PRESET_KEYS = list(calc.PRESETS)
AUTO_N = 8


def _preset_values(key: str | None) -> dict[str, float | int]:
    w = calc.preset(key).workload
    return {
        "calc_in": float(w.input_tokens),
        "calc_out": float(w.output_tokens),
        "calc_cache": int(round(w.cache_hit_share * 100)),
        "calc_rpd": float(w.requests_per_day),
    }


def _apply_preset() -> None:
    st.session_state.update(_preset_values(st.session_state.get("calc_preset")))


def _picked_by_hand() -> None:
    st.session_state["calc_auto"] = False


def _setting(key: str, default: float) -> float:
    """A setting whose widget is drawn further down: its state, else the link's value, else the
    default (the widget itself validates the link's value when it is drawn)."""
    value = st.session_state.get(key)
    if value is None and key in st.query_params:
        try:
            value = min(max(float(st.query_params[key]), 0.0), 24.0 if key == "calc_hours" else 1e3)
        except ValueError:
            value = None
    return default if value is None else value


def _back_to_auto() -> None:
    st.session_state["calc_auto"] = True


# Every setting is bound to the URL (bind="query-params"), so a costing can be shared: a link's
# values win over the preset's, and a link naming models means they were picked by hand.
# A setting the link does not give, or gives as a value its widget would not take (`calc_in=abc`,
# out of range), starts at the preset's value, not at the widget's 0; an invalid one is dropped
# from the URL, so the "ignored" note (ui/url_note.py) names it.
WORKLOAD_BOUNDS = {"calc_in": 1e7, "calc_out": 1e6, "calc_cache": 100, "calc_rpd": 1e8}
WORKLOAD_KEYS = tuple(WORKLOAD_BOUNDS)


def _link_value_ok(key: str) -> bool:
    try:
        return 0 <= float(st.query_params[key]) <= WORKLOAD_BOUNDS[key]  # False for nan
    except (KeyError, ValueError):
        return False


# The URL holds the preset's key (?calc_preset=rag); links with its label (RAG) still work.
url_state.seed("calc_preset", "calc_preset", {k: k for k in PRESET_KEYS}, calc.DEFAULT_PRESET)
if any(k not in st.session_state for k in WORKLOAD_KEYS):
    link_preset = st.session_state.get("calc_preset")
    for key, value in _preset_values(link_preset).items():
        if key in st.session_state or _link_value_ok(key):
            continue
        if key in st.query_params:
            del st.query_params[key]
        st.session_state[key] = value
if "calc_models" in st.query_params and "calc_auto" not in st.session_state:
    st.session_state["calc_auto"] = False

st.title("Cost calculator")
st.caption(
    "Pick a workload, adjust it, and see what it costs on each model. Token prices are per "
    "1M tokens; a month is 30 days. Models priced per step, per request or per hour are "
    "ranked in their own section below, never as $0. The sidebar filters and the USD ⇄ TAO "
    "toggle apply."
)

# ---------------------------------------------------------------------------- the workload
with st.container(border=True):
    preset_key = st.segmented_control(
        "Workload preset",
        PRESET_KEYS,
        key="calc_preset",
        required=True,
        format_func=lambda k: calc.PRESETS[k].label,
        on_change=_apply_preset,
        help="Fills the four numbers below; edit them freely.",
    )
    url_state.write("calc_preset", "calc_preset", preset_key or calc.DEFAULT_PRESET, calc.DEFAULT_PRESET)
    preset = calc.preset(preset_key)
    st.caption(preset.description)
    c1, c2, c3, c4 = st.columns(4)
    # Token and request counts are float widgets shown as whole numbers: a bound int widget
    # raises on a link such as ?calc_in=-1e999 (int(inf)), a float one falls back to its default.
    c1.number_input(
        "Input tokens per request",
        min_value=0.0,
        max_value=1e7,
        step=500.0,
        format="%.0f",
        key="calc_in",
        bind="query-params",
        help="Prompt, context and history sent with each request.",
    )
    c2.number_input(
        "Output tokens per request",
        min_value=0.0,
        max_value=1e6,
        step=100.0,
        format="%.0f",
        key="calc_out",
        bind="query-params",
        help="Tokens the model writes back (including reasoning).",
    )
    c3.slider(
        "Cache hits (% of input)",
        min_value=0,
        max_value=100,
        step=5,
        key="calc_cache",
        bind="query-params",
        format="%d%%",
        help="Share of input tokens read from the prompt cache, billed at "
        "the cache-read price (the input price when a model has none).",
    )
    c4.number_input(
        "Requests per day",
        min_value=0.0,
        max_value=1e8,
        step=100.0,
        key="calc_rpd",
        format="%.0f",
        bind="query-params",
    )
    edited = (
        st.session_state["calc_in"],
        st.session_state["calc_out"],
        st.session_state["calc_cache"] / 100,
        st.session_state["calc_rpd"],
    ) != (
        preset.workload.input_tokens,
        preset.workload.output_tokens,
        preset.workload.cache_hit_share,
        preset.workload.requests_per_day,
    )
    if edited:
        st.caption(f"Edited from the *{preset.label}* preset. Pick the preset again to restore it.")

workload = calc.Workload(
    input_tokens=int(st.session_state["calc_in"] or 0),
    output_tokens=int(st.session_state["calc_out"] or 0),
    cache_hit_share=(st.session_state["calc_cache"] or 0) / 100,
    requests_per_day=int(st.session_state["calc_rpd"] or 0),
    steps_per_request=int(_setting("calc_steps", 30)),  # drawn further down; a link's value first
    hours_per_day=_setting("calc_hours", 24.0),
)
unit = fmt.currency_unit(cur)

# ---------------------------------------------------------------------------- token-priced models
ranked_view = calc.costs(view, workload, cur)
options = [labels[i] for i in ranked_view.index]
# the default: the cheapest that can serve now (hot), never a cold or unpriced ($0) model
cheapest_n = [labels[i] for i in calc.cheapest_token_models(view, workload, cur, n=AUTO_N).index]
if st.session_state.get("calc_auto", True) or "calc_models" not in st.session_state:
    st.session_state["calc_models"] = cheapest_n
else:
    allowed = set(options)
    st.session_state["calc_models"] = [x for x in st.session_state["calc_models"] if x in allowed]

st.subheader("Token-priced models", divider="gray")
if ranked_view.empty:
    st.info(
        "No token-priced model matches the sidebar filters. Loosen a filter to compare "
        "LLM costs; per-step and hourly chutes are below.",
        icon=":material/search_off:",
    )
    picked = []
else:
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    picked = left.multiselect(
        "Models to compare",
        options,
        key="calc_models",
        on_change=_picked_by_hand,
        wrap=True,
        # Auto-picked models are not the user's pick: unbound, the URL says nothing of them, so
        # a shared link keeps meaning "the N cheapest" (bound, it would list the eight names).
        bind=None if st.session_state.get("calc_auto", True) else "query-params",
        placeholder="Pick token-priced models (cheapest first)",
        help=f"Token-priced models in the current view, cheapest first. By default the {AUTO_N} "
        "cheapest for this workload among those that can serve now (hot); cold models and "
        "models without a price are left out of the default.",
    )
    right.button(
        f"{AUTO_N} cheapest",
        on_click=_back_to_auto,
        icon=":material/restart_alt:",
        disabled=st.session_state.get("calc_auto", True),
        width="stretch",
        help=f"Go back to the {AUTO_N} cheapest hot models for this workload.",
    )

label_to_index = {labels[i]: i for i in ranked_view.index}
chosen = [label_to_index[x] for x in picked if x in label_to_index]
ranked = calc.costs(view.loc[chosen], workload, cur) if chosen else ranked_view.iloc[0:0]

if not ranked_view.empty and ranked.empty:
    st.info("Pick at least one model above to see what this workload costs.", icon=":material/touch_app:")
elif not ranked.empty:
    known = ranked[ranked["per_month"].notna() & (ranked["per_request"] > 0)]  # $0: no real price
    state = calc.serving(view).reindex(ranked.index)
    tokens_month = (
        (workload.input_tokens + workload.output_tokens) * workload.requests_per_day * calc.DAYS_PER_MONTH
    )
    with st.container(horizontal=True):
        st.metric(
            "Cheapest per month",
            calc_view.amount(known["per_month"].iloc[0] if len(known) else None, cur),
            border=True,
            help=f"{unit} for 30 days at {workload.requests_per_day:,.0f} requests/day",
        )
        st.metric(
            "Priciest per month",
            calc_view.amount(known["per_month"].iloc[-1] if len(known) else None, cur),
            border=True,
        )
        spread = (
            known["per_month"].iloc[-1] / known["per_month"].iloc[0]
            if len(known) > 1 and known["per_month"].iloc[0] > 0
            else None
        )
        st.metric(
            "Spread",
            f"{spread:,.1f}×" if spread else "—",
            border=True,
            help="Priciest ÷ cheapest of your selection",
        )
        st.metric(
            "Tokens per month",
            fmt.size(tokens_month),
            border=True,
            help="(input + output tokens) × requests/day × 30",
        )
    if len(known):
        best = known.iloc[0]
        cold = state.get(best.name) == "cold"
        st.success(
            f"Cheapest for *{preset.label if not edited else 'this workload'}*: "
            f"**{md_text(best['name'])}**, "
            f"{fmt.price(best['per_request'], cur)} "
            f"per request, {calc_view.amount(best['per_month'], cur)} per month"
            + (" (cold: no instance is running now, the first request waits for one)." if cold else "."),
            icon=":material/savings:",
        )
    missing = int(ranked["per_month"].isna().sum())
    if missing:
        st.caption(
            f"{missing} selected model(s) lack a {unit} price this workload needs; their "
            "cost shows as — and they sort last."
        )
    zero = int((ranked["per_request"] == 0).sum())
    if zero:
        st.caption(
            f"{zero} selected model(s) cost {fmt.amount(0, cur)}: they state no real price "
            "(unpriced or free), so none of them is called the cheapest."
        )
    n_cold = int((state == "cold").sum())
    if n_cold:
        st.caption(
            f":material/ac_unit: {n_cold} selected model(s) are **cold** (no instance "
            "running now): a request waits for one to start, or fails. See *Now* below."
        )
    shown_table = calc_view.token_table(
        ranked, state, speed_view.estimated_seconds(view.loc[ranked.index], workload.output_tokens)
    )
    st.dataframe(
        shown_table,
        column_config=calc_view.token_config(cur, workload.requests_per_day),
        hide_index=True,
        width="stretch",
        key="calc_table",
        column_order=[c for c in shown_table.columns if c != "note" or shown_table[c].any()],
        placeholder="—",
    )
    fig = calc_view.monthly_bar(ranked, cur, f"Monthly cost ({unit}, 30 days)")
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key="calc_chart")
    st.caption(
        "Per request = (input × (1 − cache share) × input price + input × cache share × "
        "cache-read price + output × output price) ÷ 1,000,000. Per day × requests/day; "
        "per month × 30. Est. time = 7-day time to first token + output tokens ÷ 7-day "
        "output tokens/s (queueing and network excluded)."
    )
    route_section(view.loc[ranked.index], "calc", title="Route the chosen models")

# ---------------------------------------------------------------------------- other pricing
calc_units.unit_pricing_section(view, workload, cur)

unpriced = int((calc.pricing(view) == "unknown").sum())
if unpriced:
    st.caption(f"{unpriced} model(s) in this view have no published price and appear in neither ranking.")
