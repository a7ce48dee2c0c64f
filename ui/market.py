"""The market beside every Chutes model (issue 19) in the dashboard: the two keyless sources on
Data sources, "About this model" and "Same model elsewhere" on Model detail and Compare.

The data comes from `chutes_data.market` (pure); upstream text goes through `textsafe.md_text`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from chutes_data import Catalog, Settings

from .sections import sources_table


# ---------------------------------------------------------------------------- Data sources page
def sources_section(catalog: Catalog, settings: Settings, now: datetime | None = None) -> None:
    sources_table(
        "Market (models.dev, OpenRouter)",
        catalog.market,
        settings,
        now,
        key="src_market",
        empty="No market loaded (a saved catalog file is never mixed with live market data).",
        name="Source",
        rows="Provider-models",
        caption=(
            "Keyless GETs of CHUTES_MODELS_DEV_URL and CHUTES_OPENROUTER_URL (the Chutes API key is "
            "never sent to them), cached for CHUTES_MARKET_MINUTES. A failing source leaves its "
            "columns unknown (—); the catalog works without it."
        ),
    )


# ---------------------------------------------------------------------------- Models table
def table_columns(models: pd.DataFrame) -> dict[str, pd.Series]:
    """The market and facts cells of the Models table (text "—" when unknown; numbers NaN)."""

    def text(col: str) -> pd.Series:
        return models[col].astype("object").where(models[col].notna(), "—")

    return {
        "market_min": models["market_min_blended_usd"],
        "market_ratio": models["market_ratio"],
        "market_provider": text("market_min_provider"),
        "market_offers": models["market_providers"],
        "released": text("release_date"),
        "knowledge": text("knowledge_cutoff"),
        "open_weights": [
            "—" if v is pd.NA or v is None else ("open" if bool(v) else "closed")
            for v in models["open_weights"]
        ],
        "model_status": text("model_status"),
    }


def column_config() -> dict:
    cc = st.column_config
    return {
        "market_min": cc.NumberColumn(
            "Cheapest elsewhere /1M",
            format="$%.4f",
            width=110,
            help="The cheapest other provider's blended USD price per 1M tokens (3:1 input:output) "
            "for the same model (models.dev, OpenRouter); free promotions left out. — : no match",
        ),
        "market_ratio": cc.NumberColumn(
            "Chutes ÷ market",
            format="%.2f",
            width=90,
            help="Chutes' blended price ÷ the cheapest elsewhere (both at 3:1). Below 1: Chutes is "
            "the cheapest. Chutes serves many models in a TEE; quantization may differ.",
        ),
        "market_provider": cc.TextColumn("Cheapest at", width=110),
        "market_offers": cc.NumberColumn("Offers elsewhere", format="%d", width=80),
        "released": cc.TextColumn("Released", width=90, help="Release date (models.dev, OpenRouter)"),
        "knowledge": cc.TextColumn("Knowledge", width=80, help="Training data cutoff"),
        "open_weights": cc.TextColumn("Weights", width=70, help="Open or closed weights"),
        "model_status": cc.TextColumn("Lifecycle", width=80, help="alpha, beta or deprecated (— : neither)"),
    }


# ---------------------------------------------------------------------------- Model detail / Compare
CAVEATS = (
    "Same weights, not the same service: Chutes serves many models in a TEE (a Trusted Execution "
    "Environment), other providers do not; another provider may serve another quantization "
    "(unknown in both sources); OpenRouter's price is one headline number whose upstream is not "
    "stated; the two sides may be from different days (see *as of*). Free promotions are listed "
    "but never count as the market price."
)


def _cell(value: object) -> str:
    return (
        "—"
        if value is None or value is pd.NA or (isinstance(value, float) and value != value)
        else str(value)
    )


def about_section(row: pd.Series, key: str) -> None:
    """ "About this model": the facts (models.dev, OpenRouter), with where they came from."""
    from chutes_data.textsafe import safe_readme

    from . import detail_view

    st.subheader("About this model", divider="gray")
    if not isinstance(row.get("facts_source"), str):
        st.caption(
            "No facts found for this model: neither models.dev nor OpenRouter lists it under a "
            "name we can match safely (or the market sources are unavailable)."
        )
        return
    weights = detail_view.flag(row.get("open_weights"))
    facts = {
        "Released": _cell(row.get("release_date")),
        "Last updated": _cell(row.get("last_updated")),
        "Knowledge cutoff": _cell(row.get("knowledge_cutoff")),
        "Weights": "—" if weights is None else ("open" if weights else "closed"),
        "Family": _cell(row.get("model_family")),
        "Lifecycle": _cell(row.get("model_status")),
        "Retired on": _cell(row.get("expiration_date")),
        "Facts from": _cell(row.get("facts_source")),
    }
    detail_view.facts_table(facts, key=key)
    if row.get("model_status") == "deprecated":
        st.warning("This model is marked **deprecated** by its source.", icon=":material/schedule:")
    description = row.get("description")
    if isinstance(description, str) and description.strip():
        with st.container(border=True):
            st.markdown(detail_view.demote_headings(safe_readme(description), by=3))
        st.caption("Description by a third party (models.dev or OpenRouter). Links shown, images not loaded.")
    st.caption(
        "models.dev's own Chutes entry is used first; for a model new to models.dev its release "
        "date may be the day Chutes listed it."
    )


def elsewhere_frame(catalog: Catalog, row: pd.Series) -> pd.DataFrame:
    """The "Same model elsewhere" rows of one merged row (empty without a match)."""
    from chutes_data.market.detail import elsewhere

    found, v1_id = catalog.market_view, row.get("v1_id")
    if found is None or not isinstance(v1_id, str):
        return pd.DataFrame()
    return elsewhere(found.offers, v1_id)


def elsewhere_section(catalog: Catalog, row: pd.Series, key: str) -> None:
    """ "Same model elsewhere": every accepted offer, cheapest first, with the caveats."""
    st.subheader("Same model elsewhere", divider="gray")
    offers = elsewhere_frame(catalog, row)
    if offers.empty:
        st.caption(
            "No other provider found for this model (models.dev, OpenRouter). A wrong match is "
            "worse than none: different sizes or versions are never joined."
        )
        return
    ratio = row.get("market_ratio")
    if isinstance(ratio, float) and ratio == ratio:
        st.metric(
            "Chutes ÷ cheapest elsewhere",
            f"{ratio:.2f}",
            border=True,
            help="Both blended at 3:1 input:output. Below 1: Chutes is the cheapest.",
        )
    shown = offers.assign(
        as_of=offers["as_of"].map(_cell),
        quantization=offers["quantization"].map(_cell),
        free=offers["free"].map(lambda v: "free promotion" if bool(v) else ""),
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_order=[
            "provider",
            "model_id",
            "price_input_usd",
            "price_output_usd",
            "price_cache_read_usd",
            "blended_usd",
            "context_length",
            "quantization",
            "free",
            "source",
            "as_of",
            "match",
        ],
        column_config={
            "provider": st.column_config.TextColumn("Provider"),
            "model_id": st.column_config.TextColumn("Their id", width="medium"),
            "price_input_usd": st.column_config.NumberColumn("Input /1M", format="$%.4f"),
            "price_output_usd": st.column_config.NumberColumn("Output /1M", format="$%.4f"),
            "price_cache_read_usd": st.column_config.NumberColumn("Cache read /1M", format="$%.4f"),
            "blended_usd": st.column_config.NumberColumn("Blended /1M (3:1)", format="$%.4f"),
            "context_length": st.column_config.NumberColumn("Context", format="compact"),
            "quantization": "Quant",
            "free": "Note",
            "source": "Source",
            "as_of": "As of",
            "match": st.column_config.TextColumn("Matched by", help="hf_id, normalized or fuzzy"),
        },
        placeholder="—",
    )
    st.caption(CAVEATS)
