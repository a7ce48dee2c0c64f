"""The shared sidebar: every filter, bound to the URL so a view can be shared.

Widgets use `bind="query-params"`: Streamlit writes each non-default value to the URL, restores
it on load, and drops values that are not valid for the widget (a hostile or stale link falls
back to the default instead of raising). The keys below are the query-parameter names.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chutes_data import service
from chutes_data.formatting import currency_unit
from chutes_data.query import Filters, options

CONTEXT_STEPS = [0, 8_192, 32_768, 65_536, 131_072, 262_144, 1_000_000]
SOURCE_CHOICES = ("all", "both", "chutes", "v1")
VISIBILITY_CHOICES = ("all", "public", "private")
FILTER_KEYS = (
    "q",
    "template",
    "in",
    "out",
    "feature",
    "quant",
    "owner",
    "min_ctx",
    "max_in",
    "max_out",
    "hot",
    "tee",
    "vis",
    "src",
    "min_tps",
    "max_ttft",
    "no_throttle",
    "no_cold",
    "free",
)


def currency() -> str:
    """The USD ⇄ TAO choice every page honours (its widget is drawn by `render`)."""
    return "tao" if st.session_state.get("cur") == "TAO" else "usd"


def reset_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)


def _keep_filters() -> None:
    """Keep the filters' values on a page that does not draw them: a widget not drawn in a run
    loses its state, so a filter set on Models would be gone on the way back from Changes.
    Re-assigning makes the value plain session state until the widget is drawn again."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def render(models: pd.DataFrame, show_filters: bool = True) -> Filters:
    """Draw the sidebar and return the user's filters. With `show_filters=False` (a page they do
    not apply to) only the currency toggle is drawn, the filters are kept, and defaults are
    returned."""
    opts = options(models) if show_filters else {}
    sb = st.sidebar
    # Bound widgets put what they display in the URL (a format_func label, not the value), so
    # the bound widgets here show raw values: ?template=vllm&min_ctx=131072&cur=TAO.
    sb.segmented_control(
        "Currency",
        ["USD", "TAO"],
        key="cur",
        default="USD",
        required=True,
        bind="query-params",
        help="Show and filter prices in US dollars or in TAO.",
    )
    cur = currency()
    if not show_filters:
        _keep_filters()
        sb.caption(
            ":material/filter_alt_off: The filters apply on Models, Charts and Calculator, not on this page."
        )
        filters = Filters(currency=cur)
        st.session_state["_filters"] = filters
        return filters
    search = sb.text_input(
        "Search", key="q", bind="query-params", placeholder="name, tagline, owner…", max_chars=200
    )
    c1, c2 = sb.columns(2)
    hot = c1.toggle(
        "Hot", key="hot", bind="query-params", help="Only models with at least one instance up now."
    )
    tee = c2.toggle(
        "TEE", key="tee", bind="query-params", help="Only models running in a Trusted Execution Environment."
    )
    # A popover, not an expander: its widgets are only drawn when opened, so the first paint
    # draws three filters instead of fourteen (multiselects, the slider and the number inputs
    # each load and lay out their own components before the table can paint; issue 12).
    # Its label stays fixed so it does not close (re-create) when a choice inside it changes.
    unit = currency_unit(cur)
    price_format = "%.4f" if cur == "tao" else "%.2f"
    with sb.popover("More filters", width="stretch", icon=":material/tune:"):
        templates = st.multiselect(
            "Template",
            opts["templates"],
            key="template",
            bind="query-params",
            help="vllm: LLMs · diffusion: images · tei/embedding: embeddings · custom: anything else",
        )
        inputs = st.multiselect(
            "Input modalities",
            opts["input_modalities"],
            key="in",
            bind="query-params",
            help="The model accepts all of these.",
        )
        outputs = st.multiselect(
            "Output modalities", opts["output_modalities"], key="out", bind="query-params"
        )
        features = st.multiselect(
            "Features",
            opts["features"],
            key="feature",  # FEATURES always
            bind="query-params",
            help="The model supports all of these.",
        )
        min_ctx = st.select_slider(
            "Minimum context (tokens)",
            CONTEXT_STEPS,
            key="min_ctx",
            bind="query-params",
            help="e.g. 131072 = 128k tokens",
        )
        c1, c2 = st.columns(2)
        max_in = c1.number_input(
            "Max input /1M",
            help=f"In {unit} per 1M input tokens.",
            min_value=0.0,
            value=None,
            step=0.05,
            key="max_in",
            bind="query-params",
            format=price_format,
        )
        max_out = c2.number_input(
            "Max output /1M",
            help=f"In {unit} per 1M output tokens.",
            min_value=0.0,
            value=None,
            step=0.05,
            key="max_out",
            bind="query-params",
            format=price_format,
        )
        free = st.toggle(
            "Free only",
            key="free",
            bind="query-params",
            help="Only models whose stated prices are all 0 (found by price, not name).",
        )
        quants = st.multiselect("Quantization", opts["quantizations"], key="quant", bind="query-params")
        owners = st.multiselect("Owner", opts["owners"], key="owner", bind="query-params")
        vis = st.segmented_control(
            "Visibility",
            list(VISIBILITY_CHOICES),
            key="vis",
            default="all",
            required=True,
            bind="query-params",
        )
        src = st.segmented_control(
            "Listed in",
            list(SOURCE_CHOICES),
            key="src",
            default="all",
            required=True,
            bind="query-params",
            help="both: in /chutes/ and /v1/models · chutes: only /chutes/ · "
            "v1: only /v1/models (which lists just the official LLMs)",
        )
    # Speed and capacity (Chutes' own telemetry): unknown speeds fail a speed bound.
    with sb.popover("Speed & capacity", width="stretch", icon=":material/speed:"):
        min_tps = st.number_input(
            "Min output tokens/s",
            min_value=0.0,
            value=None,
            step=5.0,
            key="min_tps",
            bind="query-params",
            format="%.0f",
            help="7-day output tokens per second; models without a known speed are hidden while this is set.",
        )
        max_ttft = st.number_input(
            "Max time to first token (s)",
            min_value=0.0,
            value=None,
            step=0.5,
            key="max_ttft",
            bind="query-params",
            format="%.1f",
            help="7-day time to first token, seconds.",
        )
        no_throttle = st.toggle(
            "Hide throttling",
            key="no_throttle",
            bind="query-params",
            help="Hide models where 3 % or more of requests are rate-limited.",
        )
        no_cold = st.toggle(
            "Hide cold",
            key="no_cold",
            bind="query-params",
            help="Hide models with no active instance right now.",
        )
    filters = Filters(
        search=search or "",
        templates=tuple(templates),
        input_modalities=tuple(inputs),
        output_modalities=tuple(outputs),
        features=tuple(features),
        quantizations=tuple(quants),
        owners=tuple(owners),
        min_context=int(min_ctx or 0),
        max_input_price=max_in,
        max_output_price=max_out,
        hot_only=bool(hot),
        tee_only=bool(tee),
        visibility=vis or "all",
        source=src or "all",
        free_only=bool(free),
        currency=cur,
        min_tps=min_tps,
        max_ttft=max_ttft,
        hide_throttling=bool(no_throttle),
        hide_cold=bool(no_cold),
    )
    if filters.active_count():
        sb.button("Clear filters", icon=":material/filter_alt_off:", on_click=reset_filters, width="stretch")
    st.session_state["_filters"] = filters
    return filters


# ---------------------------------------------------------------- the first screen, table first
# A plain first visit of the Models page (`/`, no query parameter) is sent with a one-line
# sidebar; the widgets follow in a second run. They are the heaviest part of the first screen in
# the browser (each kind loads and lays out its own component), and a table sent with them
# painted about 0.25 s later (issue 12; bench/bench_first_table.py). The line keeps the
# sidebar's place, so nothing shifts when the widgets come.
# Only there: with no parameter every widget shows its default, so the page is drawn with the
# filters the widgets will show, and nothing on it holds a value the second run could lose (it
# starts before the browser has mounted every widget; a widget the page seeded through session
# state, as the calculator's, would come back at 0). A link is drawn in one run, as before. Only
# under the server: AppTest and a bare script run draw the sidebar at once.
DRAW_AFTER_SECONDS = 0.1  # timed by the browser, from when it has the first screen
PENDING_KEY = "sidebar_pending"
_STAGE = "_sidebar_stage"  # absent: the session's first run; then "waiting", "due", "drawn"


def deferred(models_page: bool) -> bool:
    """Whether this run leaves the sidebar's widgets for the next one (see above); decided on a
    session's first run. When it does, it draws the sidebar's placeholder line."""
    if _STAGE in st.session_state:  # a later run: the timer's, or the user's before it
        st.session_state[_STAGE] = "drawn"
        return False
    later = models_page and service.runtime.served() and not len(st.query_params)
    st.session_state[_STAGE] = "waiting" if later else "drawn"
    if later:  # keyed: the browser tests and benches wait for it to go (class st-key-…)
        st.sidebar.container(key=PENDING_KEY).caption("Loading the filters…")
    return later


@st.fragment(run_every=DRAW_AFTER_SECONDS)
def draw_soon() -> None:
    """Call at the end of a deferred run: once the browser has the first screen, rerun the app,
    which draws the sidebar. Runs once inline (with the deferred run) and once on its timer; the
    rerun no longer calls it, which stops the timer. The rerun re-sends no table: Streamlit
    answers a message the browser already holds (10 kB and up) with a reference to it."""
    if st.session_state.get(_STAGE) == "waiting":
        st.session_state[_STAGE] = "due"
    elif st.session_state.get(_STAGE) == "due":
        st.session_state[_STAGE] = "drawn"
        st.rerun(scope="app")


def filters() -> Filters:
    """The filters the sidebar drew this run (defaults when it has not run)."""
    value = st.session_state.get("_filters")
    return value if isinstance(value, Filters) else Filters(currency=currency())
