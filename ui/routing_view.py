"""The "Route these" section (issue 20): a Chutes `model` string for the models a page shows,
to copy, with Python, curl and JavaScript calls and why each model was picked or skipped.

Pages call `route_section` in one line; the pick and the string's validation are
chutes_data/routing.py (the API and CLI use the same), the snippets ui/detail_view.py's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chutes_data import routing
from chutes_data.query import BLEND_RATIO, Filters
from chutes_data.textsafe import md_text

from . import detail_view

STRATEGY_LABELS = {
    "failover": "Failover (in this order)",
    "latency": "Quickest first token (:latency)",
    "throughput": "Most tokens/s (:throughput)",
}
ORDER_LABELS = {
    "price": "Cheapest blended",
    "tps": "Fastest tokens/s",
    "ttft": "Quickest first token",
    "score": "Best score",
}


def route_section(
    models: pd.DataFrame,
    key: str,
    filters: Filters | None = None,
    blend: float = BLEND_RATIO,
    title: str = "Route these",
) -> None:
    """`models`: the page's models (with `filters`, the whole catalog they filter: routing then
    says which filtered-out features or context it skipped for); `key`: a prefix for widget keys."""
    st.subheader(title, divider="gray")
    st.caption(
        "Chutes takes several models in one `model` value: `a,b,c` tries them in turn (the next "
        "one on a 429 or 503), and `:latency` or `:throughput` lets Chutes pick among them by "
        "its own speed numbers. Cold and throttling models are left out."
    )
    with st.container(horizontal=True):
        strategy = st.selectbox(
            "Strategy", list(STRATEGY_LABELS), format_func=STRATEGY_LABELS.get, key=f"{key}_route_strategy"
        )
        order = st.selectbox(
            "Order by", list(ORDER_LABELS), format_func=ORDER_LABELS.get, key=f"{key}_route_order"
        )
        n = st.number_input(
            "Models",
            min_value=1,
            max_value=routing.MAX_N,
            value=min(routing.DEFAULT_N, max(len(models), 1)),
            step=1,
            key=f"{key}_route_n",
            help=f"1 to {routing.MAX_N}: the most model ids Chutes accepts in one list",
        )
    if filters is None:
        route = routing.pick(models, strategy, int(n), order, blend=blend)
    else:
        route = routing.pick_view(models, filters, strategy, int(n), order, blend)
    if route.model is None:
        st.info(
            "No model here can be routed to: each is cold, throttling, not an LLM of /v1/models, or "
            "lacks what the filters require (reasons below).",
            icon=":material/route:",
        )
    else:
        st.caption("The `model` value (copy with the icon on the right):")
        st.code(route.model, language=None)
        st.caption(
            f"Send it to `{detail_view.LLM_BASE_URL}/chat/completions` with your key in "
            "`CHUTES_API_KEY`; the answer's `model` field names the model that replied."
        )
        py_tab, curl_tab, js_tab = st.tabs(["Python", "curl", "JavaScript"])
        py_tab.code(detail_view.openai_snippet(route.model), language="python")
        curl_tab.code(detail_view.curl_snippet(route.model), language="bash")
        js_tab.caption('Top-level `await`: run it as an ES module (`node route.mjs`, or `"type": "module"`).')
        js_tab.code(detail_view.javascript_snippet(route.model), language="javascript")
    _reasons(route, key)


def _reasons(route: routing.Route, key: str) -> None:
    """Why each model was picked or passed over: one line each (text, not a grid: the page's
    one dataframe stays its table)."""
    lines = [f"- picked `{_code(p.name)}`: {md_text(p.reason, 200)}" for p in route.picked]
    lines += [f"- skipped `{_code(s.name)}`: {md_text(s.reason, 200)}" for s in route.skipped]
    if not lines:
        return
    with st.expander(f"Why these ({len(route.picked)} picked, {len(route.skipped)} skipped)"):
        st.markdown("\n".join(lines))


def _code(name: str) -> str:
    """A name inside a Markdown code span (no escaping applies there; a backtick would end it)."""
    return name.replace("`", "'").replace("\n", " ")[:120]
