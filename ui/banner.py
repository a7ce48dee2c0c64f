"""The data-source banner shown above every page: sample, stale, partial or missing data."""

from __future__ import annotations

import streamlit as st

from chutes_data import Catalog
from chutes_data.formatting import human_age
from chutes_data.sources.registry import LABELS as SOURCE_LABELS
from chutes_data.textsafe import md_text
from chutes_data.urls import mask_credentials, public_bind_warning

from .speed import telemetry_banner


def _said(text: object) -> str:
    """An error or warning for Markdown: upstream text inside it shows literally, and URL
    credentials are masked (errors carry no key: the data layer redacts it)."""
    return md_text(mask_credentials(str(text or "")), limit=400)


_FALLBACK = "No live or cached data ("


def _why_sample(catalog: Catalog) -> str:
    """Why the sample is shown: offline mode asked for it, or why neither API could be had."""
    for warning in catalog.warnings:
        if warning.startswith(_FALLBACK):
            reasons = warning[len(_FALLBACK) :].rsplit("). Showing the bundled sample.", 1)[0]
            return f"**Why:** {_said(reasons)}."
    return "**Why:** offline mode is on (`CHUTES_OFFLINE`, or `--offline`)."


_warned_bind: list[str] = []  # once per server process


def warn_public_bind(has_key: bool) -> None:
    """Log (server log, not the page) when a key is set and the server is not loopback-only."""
    import logging

    message = public_bind_warning(st.get_option("server.address"), has_key)
    if message and message not in _warned_bind:
        _warned_bind.append(message)
        logging.getLogger("chutes_explorer").warning("%s", message)


def banner(catalog: Catalog) -> None:
    """Always visible when the data is stale, partial, unavailable or the bundled sample."""
    if catalog.is_sample:
        st.info(
            "You are looking at the **bundled sample** (synthetic data, not the live catalog). "
            f"Prices, names and counts are illustrative. {_why_sample(catalog)}",
            icon=":material/science:",
        )
    for name, data in catalog.sources.items():
        s = data.status
        label = SOURCE_LABELS.get(name, name)
        if s.origin == "none":
            st.error(f"{label} is unavailable: {_said(s.error or 'no data')}", icon=":material/cloud_off:")
        elif s.stale:
            st.warning(
                f"{label} shows the last good snapshot ({human_age(s.age_seconds())}); "
                f"the refresh failed: {_said(s.error)}",
                icon=":material/history:",
            )
        elif not s.complete:
            st.warning(f"{label} is incomplete: {_said(s.error)}", icon=":material/warning:")
    for warning in catalog.warnings:
        if not warning.startswith("No live or cached data"):
            st.warning(_said(warning), icon=":material/settings:")
    telemetry_banner(catalog)
