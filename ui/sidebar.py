"""The shared sidebar: every filter, bound to the URL so a view can be shared.

Widgets use `bind="query-params"`: Streamlit writes each non-default value to the URL, restores
it on load, and drops values that are not valid for the widget (a hostile or stale link falls
back to the default instead of raising). The keys below are the query-parameter names.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from chutes_data import filters as vocab
from chutes_data import service
from chutes_data.errors import ChutesDataError
from chutes_data.formatting import currency_unit
from chutes_data.market_filter import DATE_PATTERN
from chutes_data.query import Filters, options

CONTEXT_STEPS = list(vocab.CONTEXT_STEPS)
SOURCE_CHOICES = vocab.BY_NAME["source"].choices
VISIBILITY_CHOICES = vocab.BY_NAME["visibility"].choices
FILTER_KEYS = vocab.FILTER_KEYS  # the URL keys of every filter but the currency


def _bound(name: str, **extra: Any) -> dict[str, Any]:
    """A widget's label, key (the URL key) and help, from the filter vocabulary."""
    spec = vocab.BY_NAME[name]
    out: dict[str, Any] = {"label": spec.label, "key": spec.url, "bind": "query-params"}
    if spec.help:
        out["help"] = spec.help
    if spec.minimum is not None and spec.kind == "number":
        out.update(min_value=float(spec.minimum), value=None)
    return {**out, **extra}


def _choices(name: str, opts: dict[str, list[str]]) -> list[str]:
    spec = vocab.BY_NAME[name]
    return list(spec.choices) if spec.choices else opts[spec.options or ""]


def currency() -> str:
    """The USD ⇄ TAO choice every page honours (its widget is drawn by `render`)."""
    if "cur" not in st.session_state:  # a deferred first run: the link's, read by `deferred`
        got = st.session_state.get("_filters")
        return got.currency if isinstance(got, Filters) else "usd"
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
        options=["USD", "TAO"], **_bound("currency", default="USD", required=True)
    )  # shown upper case, so the URL holds cur=TAO (the API takes either case)
    cur = currency()
    if not show_filters:
        _keep_filters()
        sb.caption(
            ":material/filter_alt_off: The filters apply on Models, Charts and Calculator, not on this page."
        )
        filters = Filters(currency=cur)
        st.session_state["_filters"] = filters
        return filters
    got: dict[str, Any] = {}  # API name -> the widget's value
    got["q"] = sb.text_input(**_bound("q", placeholder="name, tagline, owner…", max_chars=vocab.MAX_TEXT))
    c1, c2 = sb.columns(2)
    got["hot"] = c1.toggle(**_bound("hot"))
    got["tee"] = c2.toggle(**_bound("tee"))
    # A popover, not an expander: its widgets are only drawn when opened, so the first paint
    # draws three filters instead of fourteen (multiselects, the slider and the number inputs
    # each load and lay out their own components before the table can paint; issue 12).
    # Its label stays fixed so it does not close (re-create) when a choice inside it changes.
    price_format = "%.4f" if cur == "tao" else "%.2f"
    unit = f" ({currency_unit(cur)})"
    with sb.popover("More filters", width="stretch", icon=":material/tune:"):
        for name in ("template", "input_modality", "output_modality", "feature"):
            got[name] = st.multiselect(options=_choices(name, opts), **_bound(name))
        got["min_context"] = st.select_slider(options=CONTEXT_STEPS, **_bound("min_context"))
        c1, c2 = st.columns(2)
        for col, name in ((c1, "max_input_price"), (c2, "max_output_price")):
            spec = vocab.BY_NAME[name]
            got[name] = col.number_input(
                **_bound(name, step=0.05, format=price_format, help=spec.help.rstrip(".") + unit)
            )
        got["free"] = st.toggle(**_bound("free"))
        for name in ("quantization", "owner"):
            got[name] = st.multiselect(options=_choices(name, opts), **_bound(name))
        for name in ("visibility", "source"):
            spec = vocab.BY_NAME[name]
            got[name] = st.segmented_control(
                options=_choices(name, opts), **_bound(name, default=spec.default, required=True)
            )
    # Speed and capacity (Chutes' own telemetry): unknown speeds fail a speed bound.
    with sb.popover("Speed & capacity", width="stretch", icon=":material/speed:"):
        got["min_tps"] = st.number_input(**_bound("min_tps", step=5.0, format="%.0f"))
        got["max_ttft"] = st.number_input(**_bound("max_ttft", step=0.5, format="%.1f"))
        got["no_throttle"] = st.toggle(**_bound("no_throttle"))
        got["no_cold"] = st.toggle(**_bound("no_cold"))
    # The market and what a model is (models.dev, OpenRouter: issue 19); unknown fails a bound.
    with sb.popover("Market & facts", width="stretch", icon=":material/storefront:"):
        got["cheaper_than_market"] = st.toggle(**_bound("cheaper_than_market"))
        got["max_market_ratio"] = st.number_input(**_bound("max_market_ratio", step=0.1, format="%.2f"))
        got["released_after"] = st.text_input(**_bound("released_after", placeholder="e.g. 2025-06"))
        if got["released_after"] and not re.fullmatch(DATE_PATTERN, got["released_after"].strip()):
            st.caption(":red[Released on or after: use YYYY, YYYY-MM or YYYY-MM-DD; ignored for now.]")
        got["open_weights"] = st.toggle(**_bound("open_weights"))
        got["hide_deprecated"] = st.toggle(**_bound("hide_deprecated"))
    filters = vocab.filters_from(got, currency=cur)
    if filters.active_count():
        sb.button("Clear filters", icon=":material/filter_alt_off:", on_click=reset_filters, width="stretch")
    st.session_state["_filters"] = filters
    return filters


# ---------------------------------------------------------------- the first screen, table first
# Every first visit of the Models page (`/`, `/models`, a link with query parameters) is sent
# with a one-line sidebar; the widgets follow in a second run. They are the heaviest part of the
# first screen in the browser (each kind loads and lays out its own component), and a table sent
# with them painted 0.25-0.8 s later (issue 12, issue 18; docs/performance.md). The line keeps
# the sidebar's place, so nothing shifts when the widgets come.
# The first run filters by the link's parameters as the widgets will read them (`_link_filters`),
# so both runs show the same rows; the URL keeps its parameters (no widget is bound yet, so none
# is dropped), and the second run's widgets read them from it. Only the Models page defers: the
# others seed widgets through session state (the calculator's), which a second run started
# before the browser has mounted them would lose. Only under the server: AppTest and a bare
# script run draw the sidebar at once.
DRAW_AFTER_SECONDS = 0.1  # timed by the browser, from when it has the first screen
PENDING_KEY = "sidebar_pending"
_STAGE = "_sidebar_stage"  # absent: the session's first run; then "waiting", "due", "drawn"


def deferred(models_page: bool, models: pd.DataFrame) -> bool:
    """Whether this run leaves the sidebar's widgets for the next one (see above); decided on a
    session's first run. When it does, it draws the sidebar's placeholder line."""
    if _STAGE in st.session_state:  # a later run: the timer's, or the user's before it
        st.session_state[_STAGE] = "drawn"
        return False
    later = models_page and service.runtime.served()
    st.session_state[_STAGE] = "waiting" if later else "drawn"
    if later:  # keyed: the browser tests and benches wait for it to go (class st-key-…)
        st.session_state["_filters"] = _link_filters(models)
        st.sidebar.container(key=PENDING_KEY).caption("Loading the filters…")
    return later


def _link_filters(models: pd.DataFrame) -> Filters:
    """The filters the URL holds, as the sidebar's widgets will read them: only their URL keys,
    and a value a widget would drop (not a choice, out of bounds) is dropped here too."""
    opts = options(models)
    values: dict[str, list[str]] = {}
    for key in st.query_params:
        spec = vocab.BY_NAME.get(key)
        if spec is None or spec.field is None or spec.url != key:
            continue
        for text in st.query_params.get_all(key):
            try:
                vocab.parse_value(spec, text, opts)
            except ChutesDataError:
                continue
            values.setdefault(key, []).append(text)
    return vocab.view_from(
        {k: v if vocab.BY_NAME[k].kind == "multi" else v[:1] for k, v in values.items()}, opts
    ).filters


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
