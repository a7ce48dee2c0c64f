"""The data-source banner shown above every page: sample, stale, partial or missing data."""

from __future__ import annotations

import streamlit as st

from chutes_data import Catalog
from chutes_data.config import mask_credentials
from chutes_data.formatting import human_age
from chutes_data.schema import SOURCE_LABELS
from chutes_data.textsafe import md_text

from .speed import telemetry_banner


def _said(text: object) -> str:
    """An error or warning for Markdown: upstream text inside it shows literally, and URL
    credentials are masked (errors carry no key: the data layer redacts it)."""
    return md_text(mask_credentials(str(text or "")), limit=400)


def banner(catalog: Catalog) -> None:
    """Always visible when the data is stale, partial, unavailable or the bundled sample."""
    if catalog.is_sample:
        st.info("You are looking at the **bundled sample** (synthetic data, not the live catalog). "
                "Prices, names and counts are illustrative.", icon=":material/science:")
    for name, data in catalog.sources.items():
        s = data.status
        label = SOURCE_LABELS.get(name, name)
        if s.origin == "none":
            st.error(f"{label} is unavailable: {_said(s.error or 'no data')}",
                     icon=":material/cloud_off:")
        elif s.stale:
            st.warning(f"{label} shows the last good snapshot ({human_age(s.age_seconds())}); "
                       f"the refresh failed: {_said(s.error)}", icon=":material/history:")
        elif not s.complete:
            st.warning(f"{label} is incomplete: {_said(s.error)}", icon=":material/warning:")
    for warning in catalog.warnings:
        if not warning.startswith("No live or cached data"):
            st.warning(_said(warning), icon=":material/settings:")
    telemetry_banner(catalog)
