"""The frame around every page: the data-source banner and small shared formatters."""

from __future__ import annotations

import math

import numpy as np

import streamlit as st

from chutes_data import Catalog
from chutes_data.config import mask_credentials
from chutes_data.textsafe import md_text

ORIGIN_LABELS = {"live": "live", "cache": "cached", "sample": "bundled sample", "file": "saved file",
                 "none": "unavailable"}


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


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
        label = "/chutes/" if name == "chutes" else "/v1/models"
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


def money(value: object, currency: str = "usd", unit: str = "") -> str:
    """A price with 6 significant digits, never in exponent notation (`$0.00275`,
    `0.000012826 τ`); '—' when unknown (never $0 for a price we don't know)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(v):
        return "—"
    text = f"{v:,.2f}" if abs(v) >= 1000 else np.format_float_positional(
        v, precision=6, unique=False, fractional=False, trim="-")
    return (f"${text}" if currency == "usd" else f"{text} τ") + unit


def tokens(value: int | float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = int(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    return f"{value / 1000:.3g}k" if value >= 1000 else str(value)
