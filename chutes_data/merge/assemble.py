"""The merged rows: one per chute plus one per v1 entry no chute matched, values joined.

`/chutes/` prices win where both sources price a model (they are org-specific); v1 prices fill the
gaps. Context, lengths, quantization, modalities and features come from v1; rows without v1 data
get modalities only where the template makes them certain (diffusion: text -> image,
embedding/tei: text -> embedding). `tee` is the chute's flag, else v1's `confidential_compute`.
v1-only rows: template ``vllm``, owner ``chutes``, official and public (v1 lists only public
official chutes), hot/instances NA.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..schema import (
    MARKET_DTYPES,
    MERGED_COLUMNS,
    PRICE_UNIT_COLUMNS,
    TELEMETRY_COLUMN_NAMES,
    chute_url,
    context_tokens,
    price_units,
)
from .match import flag
from .telemetry import join_telemetry

# Per-1M-token prices both sources state: v1 fills the chute's gaps.
_PER_1M = PRICE_UNIT_COLUMNS["per_1m_tokens"]
_STR_COLUMNS = (
    "name",
    "chute_id",
    "v1_id",
    "source",
    "match_method",
    "owner",
    "template",
    "quantization",
    "tagline",
    "price_unit",
    "root",
    "owned_by",
    "slug",
    "chute_url",
)
_INT_COLUMNS = (
    "instances_active",
    "instances_total",
    "context_length",
    "max_model_len",
    "max_output_length",
    "invocation_count",
    "gpu_count",
    "context_tokens",
)
_BOOLEAN_COLUMNS = ("public", "hot", "tee")


def aligned(
    chutes: pd.DataFrame, v1: pd.DataFrame, pairs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The chute side and the v1 side of every output row, row-aligned: all chutes in input
    order, then the unmatched v1 entries in input order. A missing side is an all-NA row."""
    v_of_c = np.full(len(chutes), -1, dtype="int64")
    v_of_c[pairs["_c"].to_numpy(dtype="int64")] = pairs["_v"].to_numpy(dtype="int64")
    v_only = np.setdiff1d(np.arange(len(v1)), pairs["_v"].to_numpy(dtype="int64"))
    c_pos = np.concatenate([np.arange(len(chutes)), np.full(len(v_only), -1)])
    v_pos = np.concatenate([v_of_c, v_only])
    # reindex with label -1 (absent) yields an all-NA row: positional take with gaps.
    left = chutes.reindex(c_pos).reset_index(drop=True)
    right = v1.rename(columns={"chute_id": "v1_chute_id"}).reindex(v_pos).reset_index(drop=True)
    return left, right, c_pos, v_pos


def merged_rows(
    left: pd.DataFrame, right: pd.DataFrame, c_pos: np.ndarray, v_pos: np.ndarray, pairs: pd.DataFrame
) -> pd.DataFrame:
    """The merged frame, `MERGED_COLUMNS` in order, with sane dtypes and real lists."""
    has_c, has_v = c_pos >= 0, v_pos >= 0
    by_v = pairs.set_index("_v")
    method = by_v["match_method"].reindex(v_pos).to_numpy(dtype=object)
    score = by_v["match_score"].reindex(v_pos).to_numpy(dtype="float64")
    chute_id = left["chute_id"].where(has_c, right["v1_chute_id"])
    template = left["template"].where(has_c, "vllm")
    prices = {col: left[col].fillna(right[f"v1_{col}"]) for col in _PER_1M}
    inputs, outputs = _modalities(right, template, has_v)
    columns: dict[str, Any] = {
        "name": left["name"].where(has_c, right["v1_id"]),
        "chute_id": chute_id,
        "v1_id": right["v1_id"],
        "source": np.select([has_c & has_v, has_c], ["both", "chutes"], "v1"),
        "match_method": method,
        "match_score": score,
        "owner": left["owner"].where(has_c, "chutes"),
        "template": template,
        "public": left["public"].astype("boolean").where(has_c, True),
        "hot": left["hot"],
        "instances_active": left["instances_active"],
        "tee": left["tee"].astype("boolean").fillna(right["confidential_compute"].astype("boolean")),
        **prices,
        "price_hour_usd": left["price_hour_usd"],
        "price_step_usd": left["price_step_usd"],
        "context_length": right["context_length"],
        "max_model_len": right["max_model_len"],
        "max_output_length": right["max_output_length"],
        "quantization": right["quantization"],
        "input_modalities": inputs,
        "output_modalities": outputs,
        "supported_features": _lists(right["supported_features"]),
        "invocation_count": left["invocation_count"],
        "tagline": left["tagline"],
        "official": flag(left["official"]) | ~has_c,
        "price_step_tao": left["price_step_tao"],
        "price_hour_tao": left["price_hour_tao"],
        "price_request_usd": left["price_request_usd"],
        "price_request_tao": left["price_request_tao"],
        "instances_total": left["instances_total"],
        "regions": _lists(left["regions"]),
        "supported_gpus": _lists(left["supported_gpus"]),
        "gpu_count": left["gpu_count"],
        "root": right["root"],
        "owned_by": right["owned_by"],
        "slug": left["slug"],
        "chute_url": chute_id.map(chute_url, na_action="ignore"),
        "created_at": left["created_at"],
    }
    models = pd.DataFrame(columns, index=left.index)
    derived = {"price_unit": price_units(models), "context_tokens": context_tokens(models)}
    base = [c for c in MERGED_COLUMNS if c not in TELEMETRY_COLUMN_NAMES and c not in MARKET_DTYPES]
    # the telemetry columns are NA here; the loader joins the real ones by chute_id (issue 11),
    # and the market's by v1_id (issue 19)
    merged = join_telemetry(models.assign(**derived)[base].pipe(_typed), None)
    unknown = {
        c: pd.Series([None] * len(merged), index=merged.index, dtype=t) for c, t in MARKET_DTYPES.items()
    }
    return merged.assign(**unknown)


def _lists(values: pd.Series) -> list[list]:
    """A fresh Python list per row (never NaN, never one shared list object)."""
    return [list(v) if isinstance(v, (list, tuple)) else [] for v in values.tolist()]


def _modalities(right: pd.DataFrame, template: pd.Series, has_v: np.ndarray) -> tuple[list[list], list[list]]:
    """v1 modalities where v1 describes the row; otherwise only what the template makes
    certain (diffusion: text -> image; embedding/tei: text -> embedding), else empty."""
    inputs, outputs = _lists(right["input_modalities"]), _lists(right["output_modalities"])
    inferred = {
        "diffusion": ("text", "image"),
        "embedding": ("text", "embedding"),
        "tei": ("text", "embedding"),
    }
    for k, (kind, with_v1) in enumerate(zip(template.tolist(), has_v.tolist(), strict=True)):
        if not with_v1 and kind in inferred:
            inputs[k], outputs[k] = [inferred[kind][0]], [inferred[kind][1]]
    return inputs, outputs


def _typed(models: pd.DataFrame) -> pd.DataFrame:
    """Pin dtypes: reindexing and empty inputs otherwise leave object/float columns behind."""
    dtypes: dict[str, Any] = {c: "str" for c in _STR_COLUMNS}
    dtypes |= {c: "Int64" for c in _INT_COLUMNS}
    dtypes |= {c: "boolean" for c in _BOOLEAN_COLUMNS}
    dtypes |= {c: "float64" for c in models.columns if c.startswith("price_") and c != "price_unit"}
    dtypes |= {"match_score": "float64", "official": "bool"}
    created = models["created_at"]
    if not isinstance(created.dtype, pd.DatetimeTZDtype):  # bare/empty input: object NaN
        created = pd.to_datetime(created, utc=True)
    return models.astype(dtypes).assign(created_at=created)
