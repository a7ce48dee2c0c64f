"""Tolerant readers: raw API payloads in, tidy DataFrames with the columns of `schema` out.

Upstream fields come and go by server version (see shared reference): every optional field may be
absent, null or of a surprising type. A reader never raises on a field; it raises `PayloadError`
only when the envelope itself is unusable (not a dict, no list of items).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..errors import PayloadError
from ..schema import CHUTES_COLUMNS, V1_COLUMNS
from ..values import parse_times

_INT_COLUMNS = (
    "gpu_count",
    "min_vram_gb",
    "invocation_count",
    "max_model_len",
    "context_length",
    "max_output_length",
)
_BOOL_COLUMNS = ("public", "tee", "openrouter", "confidential_compute")


# ---------------------------------------------------------------------------- scalar coercion
def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _float(value: Any) -> float | None:
    """A finite, non-negative float, or None. Booleans and strings that are not numbers are None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _int(value: Any) -> int | None:
    number = _float(value)
    if number is None or number > 2**62:
        return None
    return int(number)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def _money(node: Any, currency: str) -> float | None:
    """`{"usd": x, "tao": y}` -> x; tolerate a bare number meaning USD."""
    if isinstance(node, dict):
        return _float(node.get(currency))
    return _float(node) if currency == "usd" else None


def _items(payload: Any, key: str, source: str) -> list[dict]:
    if isinstance(payload, list):  # a bare list of items, as some saved files are
        items = payload
    elif isinstance(payload, dict) and isinstance(payload.get(key), list):
        items = payload[key]
    else:
        raise PayloadError(f"{source}: expected a JSON object with a list under {key!r}", source=source)
    return [item for item in items if isinstance(item, dict)]


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    for col in _INT_COLUMNS:
        if col in df:
            df[col] = pd.array(df[col].tolist(), dtype="Int64")
    for col in _BOOL_COLUMNS:
        if col in df:
            df[col] = pd.array(df[col].tolist(), dtype="boolean")
    for col in df.columns:
        if col.startswith(("price_", "v1_price_")):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


# ---------------------------------------------------------------------------- /chutes/
def chute_row(item: dict) -> dict:
    """One `ChuteResponse` dict -> one row of CHUTES_COLUMNS (no timestamps parsed yet)."""
    user = _dict(item.get("user"))
    owner = _str(user.get("username"))
    price = _dict(item.get("current_estimated_price"))
    per_m = _dict(price.get("per_million_tokens"))
    instances = (
        [i for i in item.get("instances") or [] if isinstance(i, dict)]
        if isinstance(item.get("instances"), list)
        else []
    )
    live = [i for i in instances if i.get("active") is True and i.get("verified") is True]
    selector = _dict(item.get("node_selector"))
    gpus = _str_list(item.get("supported_gpus")) or _str_list(selector.get("supported_gpus"))
    hot = _bool(item.get("hot"))
    template = _str(item.get("standard_template"))
    return {
        "chute_id": _str(item.get("chute_id")),
        "name": _str(item.get("name")),
        "owner": owner,
        "official": owner == "chutes",
        "template": template.lower() if template else "custom",
        "tagline": _str(item.get("tagline")),
        "readme": _str(item.get("readme")),
        "slug": _str(item.get("slug")),
        "logo": _str(item.get("logo")),
        "public": _bool(item.get("public")),
        "tee": _bool(item.get("tee")),
        "hot": bool(live) if hot is None else hot,
        "instances_total": len(instances),
        "instances_active": len(live),
        "regions": sorted({str(i["region"]) for i in live if isinstance(i.get("region"), str)}),
        "supported_gpus": gpus,
        "gpu_count": _int(selector.get("gpu_count")),
        "min_vram_gb": _int(selector.get("min_vram_gb_per_gpu")),
        "invocation_count": _int(item.get("invocation_count")),
        "price_input_usd": _money(per_m.get("input"), "usd"),
        "price_output_usd": _money(per_m.get("output"), "usd"),
        "price_cache_read_usd": _money(per_m.get("input_cache_read"), "usd"),
        "price_input_tao": _money(per_m.get("input"), "tao"),
        "price_output_tao": _money(per_m.get("output"), "tao"),
        "price_cache_read_tao": _money(per_m.get("input_cache_read"), "tao"),
        "price_step_usd": _money(price.get("per_step"), "usd"),
        "price_step_tao": _money(price.get("per_step"), "tao"),
        "price_request_usd": _money(price.get("per_request"), "usd"),
        "price_request_tao": _money(price.get("per_request"), "tao"),
        "price_hour_usd": _float(_dict(price.get("usd")).get("hour")),
        "price_hour_tao": _float(_dict(price.get("tao")).get("hour")),
        "openrouter": _bool(item.get("openrouter")),
        "revision": _str(item.get("revision")),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
    }


def chutes_items(payload: Any) -> list[dict]:
    """The item dicts of a `/chutes/` payload (raises PayloadError on an unusable envelope)."""
    return _items(payload, "items", "chutes")


def chutes_frame(payload: Any) -> pd.DataFrame:
    """A `/chutes/` list payload -> DataFrame with CHUTES_COLUMNS, one row per chute with an id.

    Items without a usable `chute_id` or `name` are dropped; a chute listed twice (paging while the
    sort key moves) is kept once.
    """
    rows = [chute_row(item) for item in chutes_items(payload)]
    rows = [r for r in rows if r["chute_id"] and r["name"]]
    df = _frame(rows, CHUTES_COLUMNS).drop_duplicates("chute_id", keep="first").reset_index(drop=True)
    df["created_at"] = parse_times(df["created_at"].tolist())
    df["updated_at"] = parse_times(df["updated_at"].tolist())
    df["official"] = df["official"].astype(bool)
    df["hot"] = df["hot"].astype(bool)
    df["instances_total"] = df["instances_total"].astype("int64")
    df["instances_active"] = df["instances_active"].astype("int64")
    return df


# ---------------------------------------------------------------------------- /v1/models
def v1_row(item: dict) -> dict:
    """One `/v1/models` entry -> one row of V1_COLUMNS (`price` first, `pricing` as fallback)."""
    price = _dict(item.get("price"))
    pricing = _dict(item.get("pricing"))

    def usd(price_key: str, pricing_key: str) -> float | None:
        value = _money(price.get(price_key), "usd")
        return value if value is not None else _float(pricing.get(pricing_key))

    return {
        "v1_id": _str(item.get("id")),
        "chute_id": _str(item.get("chute_id")),
        "root": _str(item.get("root")),
        "owned_by": _str(item.get("owned_by")),
        "created": item.get("created"),
        "max_model_len": _int(item.get("max_model_len")),
        "context_length": _int(item.get("context_length")),
        "max_output_length": _int(item.get("max_output_length")),
        "quantization": _str(item.get("quantization")),
        "input_modalities": _str_list(item.get("input_modalities")),
        "output_modalities": _str_list(item.get("output_modalities")),
        "supported_features": _str_list(item.get("supported_features")),
        "supported_sampling_parameters": _str_list(item.get("supported_sampling_parameters")),
        "confidential_compute": _bool(item.get("confidential_compute")),
        "v1_price_input_usd": usd("input", "prompt"),
        "v1_price_output_usd": usd("output", "completion"),
        "v1_price_cache_read_usd": usd("input_cache_read", "input_cache_read"),
        "v1_price_input_tao": _money(price.get("input"), "tao"),
        "v1_price_output_tao": _money(price.get("output"), "tao"),
        "v1_price_cache_read_tao": _money(price.get("input_cache_read"), "tao"),
    }


def v1_items(payload: Any) -> list[dict]:
    """The entries of a `/v1/models` payload (raises PayloadError on an unusable envelope)."""
    return _items(payload, "data", "v1")


def v1_frame(payload: Any) -> pd.DataFrame:
    """A `/v1/models` payload -> DataFrame with V1_COLUMNS, one row per distinct model id."""
    rows = [v1_row(item) for item in v1_items(payload)]
    rows = [r for r in rows if r["v1_id"]]
    df = _frame(rows, V1_COLUMNS).drop_duplicates("v1_id", keep="first").reset_index(drop=True)
    df["created"] = parse_times(df["created"].tolist())
    return df
