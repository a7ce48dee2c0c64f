""" "Test now" on the Model detail and Compare pages: measure one model with the user's key.

Nothing is sent until the button is clicked; before that the panel says exactly what will be
sent, where, and that it is billed. The result is kept in the history as the user's own
measurement and shown beside the platform's 7-day averages.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from chutes_data.probe import DEFAULT_MAX_TOKENS, DEFAULT_PROMPT, ProbeResult, probe
from chutes_data.textsafe import clean, md_text

from . import data, model_pick


def code_span(text: str) -> str:
    """`text` as a Markdown code span, shown literally: inside code a backslash escape would show
    as a backslash, so the fence is longer than any run of backticks in `text` instead."""
    flat = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _is_llm(row: pd.Series) -> bool:
    return row.get("template") == "vllm" or row.get("source") in ("both", "v1")


def _seconds(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.2f} s"


def test_now(row: pd.Series, key: str) -> None:
    """The Test now panel for one catalog row (LLMs only)."""
    if not _is_llm(row):
        return
    settings = data.settings()
    model = model_pick.model_id(row)
    with st.expander("Test now: measure it yourself", icon=":material/timer:"):
        st.markdown(
            f"Sends **one** streamed chat completion to "
            f"{code_span(clean(settings.llm_base_url, 120) + '/v1/chat/completions')} with your API key: "
            f"model {code_span(clean(model, 150))}, the message "
            f"“{md_text(DEFAULT_PROMPT)}”, at most {DEFAULT_MAX_TOKENS} output tokens. "
            "**It is billed** and counts against your quota; testing a cold model asks Chutes to "
            "start an instance (a cold-start bounty). Nothing is sent until you click."
        )
        if settings.offline or not settings.has_key:
            st.caption("Set CHUTES_API_KEY (and leave offline mode) to measure a model yourself.")
            clicked = False
        else:
            clicked = st.button("Send one test request", key=f"{key}_go", icon=":material/send:")
        state_key = f"{key}_result"
        if clicked:
            with st.spinner("Measuring…"):
                result = probe(
                    settings,
                    model,
                    chute_id=row.get("chute_id") if isinstance(row.get("chute_id"), str) else None,
                )
            try:
                from chutes_data.history.telemetry import record_probe

                record_probe(settings, result)
            except Exception:  # noqa: BLE001 - keeping it is an extra; the result still shows
                st.caption("The result could not be kept in the history.")
            st.session_state[state_key] = result
        result = st.session_state.get(state_key)
        if isinstance(result, ProbeResult) and result.model == model:
            show_result(result, row)
        past = data.probe_history(model)
        if past is not None and not past.empty:
            st.caption("Your earlier measurements of this model:")
            st.dataframe(
                past[["at", "outcome", "ttft_s", "tps", "total_s", "output_tokens"]],
                hide_index=True,
                width="stretch",
                key=f"{key}_past",
                column_config={
                    "at": st.column_config.DatetimeColumn("When (UTC)"),
                    "ttft_s": st.column_config.NumberColumn("TTFT (s)", format="%.2f"),
                    "tps": st.column_config.NumberColumn("Tokens/s", format="%.1f"),
                    "total_s": st.column_config.NumberColumn("Total (s)", format="%.2f"),
                    "output_tokens": st.column_config.NumberColumn("Tokens"),
                },
                placeholder="—",
            )


def show_result(result: ProbeResult, row: pd.Series) -> None:
    if not result.ok:
        (st.warning if result.outcome in ("cold", "full", "rate_limited", "timeout") else st.error)(
            md_text(result.message, 400), icon=":material/error:"
        )
        return
    platform_tps, platform_ttft = row.get("tps_7d"), row.get("ttft_7d_s")
    with st.container(horizontal=True):
        st.metric(
            "Your time to first token",
            _seconds(result.ttft_s),
            border=True,
            help=f"Platform 7-day average: {_seconds(platform_ttft)} (excludes edge and API "
            "overhead, which yours includes)",
        )
        st.metric(
            "Your output tokens/s",
            "—" if result.tps is None else f"{result.tps:,.1f}",
            border=True,
            help="Platform 7-day average: "
            + ("—" if platform_tps is None or pd.isna(platform_tps) else f"{float(platform_tps):,.1f}"),
        )
        st.metric(
            "Total time",
            _seconds(result.total_s),
            border=True,
            help=f"{result.output_tokens or 0} output tokens",
        )
    st.caption(
        f"{md_text(result.message)} Platform averages: TTFT {_seconds(platform_ttft)}, "
        + (
            "— tokens/s"
            if platform_tps is None or pd.isna(platform_tps)
            else f"{float(platform_tps):,.1f} tokens/s"
        )
        + " (7 days)."
    )
