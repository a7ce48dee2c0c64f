"""The model page's "Use it" section: the model id to copy, OpenAI-compatible snippets for LLMs,
and the links onward (chutes.ai, Compare, Calculator)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chutes_data import schema

from . import detail_view, model_pick, nav


def use_it_section(r: pd.Series, kind: str | None, chute_id: str | None, compare_label: str) -> None:
    """`r`: the model's merged row; `kind`: its price unit; `compare_label`: its picker label."""
    st.subheader("Use it", divider="gray")
    mid = model_pick.model_id(r)
    is_llm = kind == "per_1m_tokens" or r["source"] in ("both", "v1")
    st.caption("Model id (copy with the icon on the right):")
    st.code(mid, language=None)
    if is_llm:
        st.caption(
            f"OpenAI-compatible endpoint `{detail_view.LLM_BASE_URL}`; set `CHUTES_API_KEY` "
            "in your environment first."
        )
        py_tab, curl_tab, js_tab = st.tabs(["Python", "curl", "JavaScript"])
        py_tab.code(detail_view.openai_snippet(mid), language="python")
        curl_tab.code(detail_view.curl_snippet(mid), language="bash")
        js_tab.code(detail_view.javascript_snippet(mid), language="javascript")
    else:
        st.caption(
            "This chute is not served through the OpenAI-compatible LLM endpoint; its page on "
            "chutes.ai documents how to call it."
        )
    with st.container(horizontal=True):
        if chute_id:  # a /v1/models-only row with a known chute_id has its page too
            st.link_button("Open on chutes.ai", schema.chute_url(chute_id), icon=":material/open_in_new:")
        st.page_link(
            nav.COMPARE,
            label="Compare with others",
            icon=":material/compare_arrows:",
            query_params={"cmp_models": compare_label},
        )
        st.page_link(nav.CALCULATOR, label="Cost calculator", icon=":material/calculate:")
