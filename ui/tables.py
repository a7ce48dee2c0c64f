"""How the merged catalog is shown in `st.dataframe`: display columns and their column_config.

Third-party text (names, taglines, owners) is passed as plain cells; `st.dataframe` renders them
as text, never HTML. Links are built here from ids we quote, never taken from upstream.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from chutes_data.formatting import currency_unit, price_printf
from chutes_data.markdown_table import Column, to_markdown
from chutes_data.query import BLEND_RATIO, blended_price, families
from chutes_data.schema import INVOCATIONS_HELP, INVOCATIONS_LABEL
from chutes_data.views.speed import CAPACITY_LABELS

from . import nav
from .market import column_config as market_config
from .market import table_columns as market_columns
from .speed import column_config as speed_columns


def detail_url(chute_id: object = None, name: object = None) -> str | None:
    """Relative link to the Model detail page for one row (by chute_id, else by name)."""
    if isinstance(chute_id, str) and chute_id:
        return nav.page_url(nav.MODEL_DETAIL, chute_id=chute_id)
    if isinstance(name, str) and name:
        return nav.page_url(nav.MODEL_DETAIL, name=name)
    return None


def detail_urls(rows: pd.DataFrame) -> list[str | None]:
    """`detail_url` of every row of a frame with `chute_id` and `name` columns."""
    return [detail_url(c, n) for c, n in zip(rows["chute_id"], rows["name"], strict=True)]


def details_column(label: str = "Details", help: str | None = None):
    """The LinkColumn for `detail_url` cells: an "Open" link to the Model detail page."""
    return st.column_config.LinkColumn(label, display_text="Open", width="small", help=help)


def price_format(currency: str) -> str:
    """printf format of a price per 1M tokens in table cells ($ with 4 decimals, τ with 6)."""
    return "$%.4f" if currency == "usd" else "%.6f τ"


def _status(hot: object) -> str:
    if hot is None or hot is pd.NA or (isinstance(hot, float) and hot != hot):
        return "—"
    return "hot" if bool(hot) else "cold"  # text: emoji render as boxes without an emoji font


def _match(method: object, score: object) -> str:
    if not isinstance(method, str):
        return "—"
    return f"{method} ({float(score):.0f})" if method == "fuzzy" and pd.notna(score) else method


NAME_WIDTH = 170  # px, the pinned Model column
DASH = "—"  # the app's "unknown", in text cells (st.dataframe itself prints a grey "None")


def dash(values: pd.Series) -> pd.Series:
    """A text column with every missing value shown as "—" (numbers stay numbers elsewhere)."""
    return values.astype("object").where(values.notna(), DASH)


def _family_cells(models: pd.DataFrame) -> pd.Series:
    """The family of a row when this frame holds another variant of it (a different name; else
    "—"), e.g. `Qwen/Qwen3-32B`
    for both `Qwen/Qwen3-32B-TEE` and `Qwen/Qwen3-32B-FP8`: sorting by it groups the variants."""
    fam = families(models)
    names = models["name"].groupby(fam).nunique()  # variants have different names
    return fam.where(fam.map(names).fillna(0).gt(1), DASH).astype("object")


def table_frame(models: pd.DataFrame, currency: str, blend_ratio: float = BLEND_RATIO) -> pd.DataFrame:
    """The columns the Models table shows, in order, for `currency` ('usd' or 'tao'): what a
    chooser compares (price, speed, capacity, context) right after the name, on the first screen
    at 1400 px; the rest after. Missing
    text is "—"; missing numbers stay NaN so the columns sort as numbers."""
    cur = currency
    frame = pd.DataFrame(
        {
            "name": models["name"],
            "details": detail_urls(models),
            "price_input": models[f"price_input_{cur}"],
            "price_output": models[f"price_output_{cur}"],
            "tps": models["tps_7d"],
            "ttft": models["ttft_7d_s"],
            "capacity": [
                CAPACITY_LABELS.get(c, "—") if isinstance(c, str) else "—" for c in models["capacity"]
            ],
            "context": models["context_tokens"],
            "status": [_status(h) for h in models["hot"]],
            "family": _family_cells(models),
            "tee": ["TEE" if v is not pd.NA and v is not None and bool(v) else "" for v in models["tee"]],
            "template": dash(models["template"]),
            "price_cache_read": models[f"price_cache_read_{cur}"],
            "price_blended": blended_price(models, cur, blend_ratio),
            "price_step": models[f"price_step_{cur}"],
            "price_hour": models[f"price_hour_{cur}"],
            "max_output": models["max_output_length"],
            "quantization": dash(models["quantization"]),
            "input_modalities": models["input_modalities"],
            "output_modalities": models["output_modalities"],
            "features": models["supported_features"],
            "instances": models["instances_active"],
            "invocations": models["invocation_count"],
            "owner": dash(models["owner"]),
            "match": [
                _match(m, s) for m, s in zip(models["match_method"], models["match_score"], strict=True)
            ],
            "chutes_url": models["chute_url"],
            "tagline": dash(models["tagline"]),
            **market_columns(models),
        },
        index=models.index,
    )
    if "score" in models.columns:  # issue 20: only when CHUTES_SCORES is set
        frame.insert(int(frame.columns.get_loc("price_blended")) + 1, "score", models["score"])
    return frame


PRICE_COLUMNS = (
    "price_input",
    "price_output",
    "price_cache_read",
    "price_blended",
    "price_step",
    "price_hour",
)


def column_config(currency: str, blend_ratio: float = BLEND_RATIO, shown: pd.DataFrame | None = None) -> dict:
    """The Models table's column_config; with the `shown` frame each price column gets the
    decimals its own prices need (`formatting.price_printf`: `$1.0000` above `$0.2989`, `$0.50`)."""
    money, unit = price_format(currency), currency_unit(currency)
    cc = st.column_config
    config = {
        # Pinned, so scrolling right keeps the name; narrow enough for a phone (400 px: under half
        # the width; a longer name ends in "…", whole on hover and on its Details page).
        "name": cc.TextColumn("Model", pinned=True, width=NAME_WIDTH),
        "family": cc.TextColumn(
            "Family",
            width=160,
            help="Variants of one model (-TEE, -FP8, -turbo) share a family; "
            "sort by it to see them together. — : no variant listed",
        ),
        "details": details_column(help="Everything about this model"),
        "status": cc.TextColumn("Status", width=60, help="Hot: at least one instance up now"),
        "tee": cc.TextColumn("TEE", width=50, help="Trusted Execution Environment"),
        "template": cc.TextColumn("Template", width=80),
        "price_input": cc.NumberColumn(
            "Input /1M", format=money, width=90, help=f"{unit} per 1M input tokens"
        ),
        "price_output": cc.NumberColumn(
            "Output /1M", format=money, width=90, help=f"{unit} per 1M output tokens"
        ),
        "price_cache_read": cc.NumberColumn(
            "Cache read /1M", format=money, width=90, help=f"{unit} per 1M cached input tokens"
        ),
        "price_blended": cc.NumberColumn(
            "Blended /1M",
            format=money,
            width=90,
            help=f"{unit} per 1M tokens at {blend_ratio:g}:1 input:output, "
            f"(ratio x input + output) / (ratio + 1); the ratio is set above the table",
        ),
        "price_step": cc.NumberColumn("Per step", format=money, width=80, help=f"{unit} per diffusion step"),
        "price_hour": cc.NumberColumn("Per hour", format=money, width=80, help=f"{unit} per instance-hour"),
        **speed_columns(),
        "context": cc.NumberColumn("Context", format="compact", width=75, help="Context length in tokens"),
        "max_output": cc.NumberColumn(
            "Max output", format="compact", width=85, help="Output limit in tokens"
        ),
        "quantization": cc.TextColumn("Quant", width="small"),
        "input_modalities": cc.ListColumn("Input"),
        "output_modalities": cc.ListColumn("Output"),
        "features": cc.ListColumn("Features"),
        "instances": cc.NumberColumn("Hot instances", format="%d"),
        "invocations": cc.NumberColumn(INVOCATIONS_LABEL, format="compact", help=INVOCATIONS_HELP),
        "owner": cc.TextColumn("Owner"),
        "match": cc.TextColumn("Joined by", help="How the two APIs were matched (fuzzy: score)"),
        "chutes_url": cc.LinkColumn("chutes.ai", display_text="Open ↗", width="small"),
        "tagline": cc.TextColumn("Tagline", width="large"),
        "score": cc.NumberColumn(
            "Score",
            format="%.1f",
            width=70,
            help="From your CHUTES_SCORES table(s): one column, or the mean of its numeric columns "
            "(see Data sources). — : the table has no row for this model",
        ),
        **market_config(),
    }
    if shown is not None:
        for name in PRICE_COLUMNS:
            if name in shown.columns:
                config[name]["type_config"]["format"] = price_printf(shown[name], currency)
    return config


# ---------------------------------------------------------------------------- the Markdown download
_MD_KINDS = {"context": "size", "max_output": "size", "instances": "count", "invocations": "count"}
_MD_LISTS = ("input_modalities", "output_modalities", "features")
_MD_SKIP = ("details", "chutes_url")  # links to this app / chutes.ai: buttons, not facts
_MD_DECIMALS = {"tps": "{:,.1f}", "ttft": "{:,.2f}"}


def markdown_view(shown: pd.DataFrame, currency: str, generated_at: datetime) -> str:
    """The Models table as shown (`shown` = `table_frame`, same columns, order and headers) as
    a Markdown table (`chutes_data.markdown_table`: cells escaped, the count and the time)."""
    config = column_config(currency)
    frame = shown.drop(columns=[c for c in _MD_SKIP if c in shown.columns])
    for name, pattern in _MD_DECIMALS.items():  # as the table's printf formats show them
        if name in frame.columns:
            frame[name] = [None if pd.isna(v) else pattern.format(float(v)) for v in frame[name]]
    columns = [
        Column(
            name,
            config[name]["label"] if name in config else name,
            "price"
            if name.startswith("price_")
            else ("list" if name in _MD_LISTS else _MD_KINDS.get(name, "text")),
        )
        for name in frame.columns
    ]
    return to_markdown(frame, generated_at=generated_at, columns=columns, currency=currency)
