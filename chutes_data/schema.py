"""The documented columns of every DataFrame the package hands out.

Normalizers guarantee these columns exist (missing upstream fields become NA), so the merge,
the exports and the pages can rely on them without `if col in df` checks. Extra upstream
fields are ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

# One row per chute from `GET /chutes/` (normalize.chutes_frame).
CHUTES_COLUMNS: dict[str, str] = {
    "chute_id": "uuid of the chute (str)",
    "name": "chute name, e.g. 'deepseek-ai/DeepSeek-V3.2-TEE' (str); not unique across owners",
    "owner": "user.username (str | NA)",
    "official": "owner == 'chutes' (bool)",
    "template": "standard_template: vllm | diffusion | tei | embedding | custom (null upstream)",
    "tagline": "one-line description, third-party text (str | NA)",
    "readme": "markdown readme, third-party text (str | NA)",
    "slug": "subdomain slug (str | NA)",
    "logo": "logo URL (str | NA)",
    "public": "bool | NA",
    "tee": "runs in a Trusted Execution Environment (bool | NA; absent before 2025-12)",
    "hot": "any instance active and verified (bool)",
    "instances_total": "all instances listed (int)",
    "instances_active": "instances active and verified (int)",
    "regions": "sorted distinct regions of active instances (list[str])",
    "supported_gpus": "GPU refs the chute may run on (list[str])",
    "gpu_count": "GPUs per instance from node_selector (Int64 | NA)",
    "min_vram_gb": "min VRAM per GPU from node_selector (Int64 | NA)",
    "invocation_count": "invocations over the past day (Int64 | NA): the server re-sums the last "
    "24 h every 10 minutes; not an all-time total",
    "price_input_usd": "USD per 1M input tokens (float | NA; vllm only)",
    "price_output_usd": "USD per 1M output tokens (float | NA)",
    "price_cache_read_usd": "USD per 1M cached input tokens (float | NA)",
    "price_input_tao": "TAO per 1M input tokens (float | NA)",
    "price_output_tao": "TAO per 1M output tokens (float | NA)",
    "price_cache_read_tao": "TAO per 1M cached input tokens (float | NA)",
    "price_step_usd": "USD per diffusion step (float | NA)",
    "price_step_tao": "TAO per diffusion step (float | NA)",
    "price_request_usd": "USD per request override (float | NA)",
    "price_request_tao": "TAO per request override (float | NA)",
    "price_hour_usd": "USD per instance-hour (float | NA)",
    "price_hour_tao": "TAO per instance-hour (float | NA)",
    "openrouter": "listed on OpenRouter (bool | NA)",
    "revision": "HF commit sha (str | NA)",
    "created_at": "tz-aware UTC timestamp | NaT",
    "updated_at": "tz-aware UTC timestamp | NaT",
}

# One row per entry of `GET /v1/models` (normalize.v1_frame).
V1_COLUMNS: dict[str, str] = {
    "v1_id": "model id == the chute name (str)",
    "chute_id": "join key to /chutes/ (str | NA: absent in older responses)",
    "root": "HF repo the engine loaded (str | NA)",
    "owned_by": "engine: sglang | vllm (str | NA)",
    "created": "when the engine answered the refresh, not a release date (UTC timestamp | NaT)",
    "max_model_len": "engine limit in tokens (Int64 | NA)",
    "context_length": "advertised context in tokens (Int64 | NA)",
    "max_output_length": "output limit in tokens (Int64 | NA)",
    "quantization": "fp8, fp4, bf16, ... (str | NA)",
    "input_modalities": "list[str] (empty when unknown)",
    "output_modalities": "list[str] (empty when unknown)",
    "supported_features": "list[str]: tools, json_mode, structured_outputs, reasoning",
    "supported_sampling_parameters": "list[str]",
    "confidential_compute": "TEE (bool | NA)",
    "v1_price_input_usd": "USD per 1M input tokens (float | NA)",
    "v1_price_output_usd": "USD per 1M output tokens (float | NA)",
    "v1_price_cache_read_usd": "USD per 1M cached input tokens (float | NA)",
    "v1_price_input_tao": "float | NA",
    "v1_price_output_tao": "float | NA",
    "v1_price_cache_read_tao": "float | NA",
}

# The merged catalog (merge.merge_catalogs): one row per chute plus one per unmatched v1 entry.
# The first block is the export contract users script against; keep its order.
EXPORT_COLUMNS: list[str] = [
    "name",
    "chute_id",
    "v1_id",
    "source",
    "match_method",
    "match_score",
    "owner",
    "template",
    "public",
    "hot",
    "instances_active",
    "tee",
    "price_input_usd",
    "price_output_usd",
    "price_cache_read_usd",
    "price_input_tao",
    "price_output_tao",
    "price_hour_usd",
    "price_step_usd",
    "context_length",
    "max_model_len",
    "max_output_length",
    "quantization",
    "input_modalities",
    "output_modalities",
    "supported_features",
    "invocation_count",
    "tagline",
]

# Further merged columns the UI uses and the export appends after the contract block.
MERGED_EXTRA_COLUMNS: list[str] = [
    "official",
    "price_unit",
    "price_cache_read_tao",
    "price_step_tao",
    "price_hour_tao",
    "price_request_usd",
    "price_request_tao",
    "instances_total",
    "regions",
    "supported_gpus",
    "gpu_count",
    "root",
    "owned_by",
    "slug",
    "chute_url",
    "created_at",
    "context_tokens",
]

# Chutes' own telemetry, joined by chute_id (merge/telemetry.py computes them); NA until
# the loader joins the telemetry sources (issue 11).
TELEMETRY_COLUMNS: dict[str, str] = {
    "tps_7d": "output tokens/s of decode, output-token-weighted over the last 7 complete UTC days "
    "(float | NA)",
    "ttft_7d_s": "time to first token in seconds, request-weighted over the same days (float | NA)",
    "requests_7d": "requests over the same days (Int64 | NA)",
    "output_tokens_7d": "output tokens over the same days (Int64 | NA)",
    "requests_trend": "requests_7d / the 7 days before - 1 (float | NA)",
    "sps_7d": "diffusion steps/s, request-weighted over the same days (float | NA)",
    "usage_usd_7d": "USD at list price over the same days (float | NA)",
    "utilization_1h": "mean connections / concurrency over the last hour, 0-1 (float | NA)",
    "rate_limit_ratio_1h": "share of requests rate-limited over the last hour, 0-1 (float | NA)",
    "instances_target": "the autoscaler's target instance count (Int64 | NA)",
    "scale_allowance": "how many more instances the autoscaler allows (Int64 | NA)",
    "telemetry_at": "when the autoscaler computed these numbers (UTC timestamp | NaT)",
    "cold_start_bounty": "has a cold-start bounty: requested but without instances (bool | NA)",
    "rolling_update": "a version roll-out is in progress (bool | NA)",
    "capacity": "ok | busy | throttling | cold | unknown",
}
TELEMETRY_COLUMN_NAMES: list[str] = list(TELEMETRY_COLUMNS)

# The market beside every Chutes model (issue 19; chutes_data/market computes them, the loader
# joins them by v1_id): NA when unknown (no match, or the source failed), never 0.
MARKET_COLUMNS: dict[str, str] = {
    "market_providers": "priced, non-free offers of the same model elsewhere (Int64 | NA: no match)",
    "market_free_offers": "free promotions seen and left out of the minimum (Int64 | NA)",
    "market_min_provider": "who offers the cheapest blended price elsewhere (str | NA)",
    "market_min_input_usd": "its input price, USD per 1M tokens (float | NA)",
    "market_min_output_usd": "its output price, USD per 1M tokens (float | NA)",
    "market_min_blended_usd": "its blended price at 3 input tokens per output token (float | NA)",
    "market_ratio": "Chutes' blended price / market_min_blended_usd; below 1 Chutes is cheaper (float | NA)",
    "market_match": "how the same model was found: hf_id | normalized | fuzzy (str | NA)",
}
FACT_COLUMNS: dict[str, str] = {
    "release_date": "release date, YYYY-MM[-DD] (str | NA)",
    "last_updated": "last update, YYYY-MM[-DD] (str | NA)",
    "knowledge_cutoff": "training data cutoff, YYYY-MM[-DD] (str | NA)",
    "open_weights": "the weights are public (bool | NA)",
    "model_family": "model family, as models.dev names it (str | NA)",
    "model_status": "alpha | beta | deprecated (str | NA: generally available or unknown)",
    "expiration_date": "when the model is retired, YYYY-MM-DD (str | NA)",
    "description": "third-party description (markdown: rendered as safely as readmes) (str | NA)",
    "facts_source": "the records the facts came from, e.g. 'models.dev:chutes, openrouter' (str | NA)",
}
MARKET_COLUMN_NAMES: list[str] = list(MARKET_COLUMNS) + list(FACT_COLUMNS)
MARKET_DTYPES: dict[str, str] = {
    **dict.fromkeys(MARKET_COLUMN_NAMES, "object"),
    **dict.fromkeys(("market_providers", "market_free_offers"), "Int64"),
    **dict.fromkeys(
        ("market_min_input_usd", "market_min_output_usd", "market_min_blended_usd", "market_ratio"), "float64"
    ),
    "open_weights": "boolean",
}

MERGED_COLUMNS: list[str] = (
    EXPORT_COLUMNS + MERGED_EXTRA_COLUMNS + TELEMETRY_COLUMN_NAMES + MARKET_COLUMN_NAMES
)
# issue 20: from the CHUTES_SCORES tables (chutes_data/scores.py), present when one is set;
# exported after the merged columns
SCORE_COLUMNS = {
    "score": "the row's score in the first CHUTES_SCORES table that has the model (float | NA)",
    "score_source": "that table and how the score was made: `#column`, or the mean of its numeric columns",
    "score_match": "the table's name for the model and the match method (normalized, hf_id, fuzzy N)",
}

LIST_COLUMNS = (
    "input_modalities",
    "output_modalities",
    "supported_features",
    "supported_sampling_parameters",
    "regions",
    "supported_gpus",
)

# How the UI and the docs name `invocation_count` (what /chutes/ reports: the past day's calls).
INVOCATIONS_LABEL = "Invocations, past day"
INVOCATIONS_HELP = (
    "Invocations over the past 24 hours as /chutes/ reports them (re-summed every "
    "10 minutes); not an all-time total. v1-only rows have no count."
)

# The sources themselves (names, routes, labels) are declared in sources/registry.py.
MATCH_METHODS = ("chute_id", "name", "normalized", "fuzzy")
TEMPLATES = ("vllm", "diffusion", "tei", "embedding", "custom")

# ---------------------------------------------------------------------------- derived columns
# The billing units (the merged `price_unit`), most specific first, each with the price columns
# that say a row is billed that way: a row is in the first unit any of whose columns is priced.
PRICE_UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "per_1m_tokens": (
        "price_input_usd",
        "price_output_usd",
        "price_cache_read_usd",
        "price_input_tao",
        "price_output_tao",
        "price_cache_read_tao",
    ),
    "per_step": ("price_step_usd",),
    "per_request": ("price_request_usd",),
    "per_hour": ("price_hour_usd",),
}
PRICE_UNITS = tuple(PRICE_UNIT_COLUMNS)
# The USD price series of each unit (what price charts and price events follow). A token model
# also has a compute price per hour; charted with its token prices it would flatten them.
UNIT_PRICE_SERIES: dict[str, tuple[str, ...]] = {
    unit: tuple(c for c in cols if c.endswith("_usd")) for unit, cols in PRICE_UNIT_COLUMNS.items()
}


def price_units(frame: pd.DataFrame) -> pd.Series:
    """The merged `price_unit` of each row (PRICE_UNITS; NA for a row with no price). Columns the
    frame lacks count as unpriced."""
    stated = [
        frame.reindex(columns=list(cols)).notna().any(axis=1).to_numpy(dtype=bool)
        for cols in PRICE_UNIT_COLUMNS.values()
    ]
    unit = np.select(stated, list(PRICE_UNITS), default=None)  # type: ignore[call-overload]
    return pd.Series(unit, index=frame.index, dtype="str")


def price_unit(prices: Mapping[str, Any]) -> str | None:
    """`price_units` for one record (a dict of price fields; missing keys, None and NaN are
    unpriced): the unit, or None."""
    for unit, cols in PRICE_UNIT_COLUMNS.items():
        if any(not pd.isna(prices.get(c)) for c in cols):
            return unit
    return None


def context_tokens(frame: pd.DataFrame) -> pd.Series:
    """The merged `context_tokens`: the advertised `context_length`, else the engine limit
    `max_model_len` (Int64; NA when neither is known)."""
    return frame["context_length"].astype("Int64").fillna(frame["max_model_len"].astype("Int64"))


def chute_url(chute_id: str) -> str:
    """The public page of a chute on chutes.ai (the id is URL-quoted: it is upstream text)."""
    return f"https://chutes.ai/app/chute/{quote(str(chute_id), safe='')}"
