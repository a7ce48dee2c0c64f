"""The market (issue 19) on Charts ("Chutes vs market"), Merge gaps (no market match, refused
near misses) and Compare ("Same model elsewhere" side by side). Pure data from `chutes_data.market`;
the per-model pieces live in `ui.market`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from chutes_data import Catalog

from .market import CAVEATS, elsewhere_frame


# ---------------------------------------------------------------------------- Charts
def chart_section(view: pd.DataFrame, section: Any) -> None:
    """ "Chutes vs market" on Charts, through the page's `section(...)` (heading, figure, links)."""
    from chutes_data.market.chart import market_points

    from .market_figures import market_scatter

    points = market_points(view)
    below = int(points["market_ratio"].lt(1).sum())
    section(
        "Chutes vs the cheapest elsewhere (USD per 1M tokens, blended 3:1)",
        points,
        "No model in this view has both a Chutes price and a market price (models.dev, OpenRouter).",
        lambda: market_scatter(points),
        "charts_market_fig",
        lambda: (
            f"{len(points):,} models with a price elsewhere; Chutes is the cheaper on {below:,} "
            "(below the dashed parity line). Always in USD. Same weights, not the same service: "
            "Chutes serves many models in a TEE, and quantization may differ; free promotions "
            "are left out."
        ),
        points=points,
    )


# ---------------------------------------------------------------------------- Merge gaps
def gaps_frames(catalog: Catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the `/v1/models` models without a market match, the refused near misses), each with a
    link to the model's details."""
    from .tables import detail_url

    models = catalog.models.loc[catalog.models["v1_id"].notna()]
    unmatched = models.loc[models["market_match"].isna()]
    lonely = pd.DataFrame(
        {
            "v1_id": unmatched["v1_id"],
            "root": unmatched["root"].astype("object").where(unmatched["root"].notna(), "—"),
            "details": [
                detail_url(c, n) for c, n in zip(unmatched["chute_id"], unmatched["name"], strict=True)
            ],
        }
    ).reset_index(drop=True)
    found = catalog.market_view
    near = found.near_misses if found is not None else pd.DataFrame()
    if len(near):
        chute = models.drop_duplicates("v1_id").set_index("v1_id")
        near = near.assign(
            details=[
                detail_url(chute.at[v, "chute_id"], chute.at[v, "name"]) if v in chute.index else None
                for v in near["v1_id"]
            ]
        )
    return lonely, near


def gaps_section(catalog: Catalog) -> None:
    """Merge gaps: which Chutes models found no market match, and which near misses were refused."""
    from .sections import table_section
    from .tables import details_column

    cc = st.column_config
    if not catalog.market or all(d.status.origin == "none" for d in catalog.market.values()):
        st.subheader("Market matches", divider="gray")
        st.caption("No market data loaded (models.dev and OpenRouter unavailable): nothing to match.")
        return
    lonely, near = gaps_frames(catalog)
    table_section(
        "No match in the market",
        lonely,
        {
            "v1_id": cc.TextColumn("v1 id", width="medium"),
            "root": cc.TextColumn("Base checkpoint (root)", width="medium"),
            "details": details_column(),
        },
        empty="Every /v1/models model found the same model at another provider.",
        ok=True,
        caption="/v1/models entries that no models.dev provider or OpenRouter model names the same "
        "way (by Hugging Face id, a normalized name, or a careful fuzzy step): their market "
        "columns are unknown (—).",
    )
    table_section(
        "Market near misses",
        near,
        {
            "v1_id": cc.TextColumn("v1 id", width="medium"),
            "source": "Source",
            "provider": "Provider",
            "model_id": cc.TextColumn("Their id", width="medium"),
            "score": cc.NumberColumn("Score", format="%.0f"),
            "reason": cc.TextColumn("Why not joined", width="large"),
            "details": details_column(),
        },
        empty="No market near miss to review.",
        caption="Offers whose names scored at least 80 but were refused: another size, version or "
        "qualifier (-Exp, -Thinking, turbo), or another lab's repackage. A wrong match is worse "
        "than none.",
    )


# ---------------------------------------------------------------------------- Compare
def compare_section(catalog: Catalog, rows: list[tuple[str, pd.Series]]) -> None:
    """ "Same model elsewhere" for each compared model: the cheapest offers side by side."""
    st.subheader("Same model elsewhere", divider="gray")
    st.caption(CAVEATS)
    cols = st.columns(len(rows))
    for col, (label, row) in zip(cols, rows, strict=True):
        with col:
            from chutes_data.textsafe import md_text

            st.markdown(f"**{md_text(label, 80)}**")
            offers = elsewhere_frame(catalog, row)
            if offers.empty:
                st.caption("No other provider found for this model.")
                continue
            ratio = row.get("market_ratio")
            if isinstance(ratio, float) and ratio == ratio:
                st.caption(f"Chutes ÷ cheapest elsewhere: **{ratio:.2f}** (3:1 blend)")
            st.dataframe(
                offers[["provider", "price_input_usd", "price_output_usd", "blended_usd", "source", "as_of"]],
                hide_index=True,
                width="stretch",
                key=f"cmp_market_{row.name}",
                column_config={
                    "provider": "Provider",
                    "price_input_usd": cc_money("Input /1M"),
                    "price_output_usd": cc_money("Output /1M"),
                    "blended_usd": cc_money("Blended /1M"),
                    "source": "Source",
                    "as_of": "As of",
                },
                placeholder="—",
            )


def cc_money(label: str) -> Any:
    return st.column_config.NumberColumn(label, format="$%.4f")
