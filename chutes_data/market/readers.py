"""Tolerant readers for the two market sources: one compact frame of provider-model offers each.

    models_dev   GET https://models.dev/api.json        {provider_id: {.., models: {model_id: Model}}}
    openrouter   GET https://openrouter.ai/api/v1/models {"data": [Model, ...]}

Field references: shared reference `models-dev.md` §2-3 and `openrouter.md` §1. The models.dev
payload is several MB; a reader walks it once and keeps only `OFFER_COLUMNS`, so the rest is
garbage as soon as the fetch is read. A row is skipped (with a `Skip` saying why) when it has no
usable id; a field of the wrong type, a NaN, a negative or absurd price, an unparseable date
becomes unknown. `PayloadError` only when the envelope itself is unusable.
Prices are USD per 1M tokens (OpenRouter's per-token strings are converted with `Decimal`).
`free` marks promotions (`:free` ids, both prices zero): not a market price.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from ..errors import PayloadError
from ..sources.normalize import _bool, _dict, _int, _str

OFFER_COLUMNS: dict[str, str] = {
    "source": "models.dev | openrouter",
    "provider": "provider id at the source (openrouter, deepinfra, fireworks-ai, chutes, ...)",
    "model_id": "the provider's own model id (str)",
    "name": "display name (str | NA)",
    "hf_id": "Hugging Face repo of the weights, OpenRouter only (str | NA)",
    "family": "model family (str | NA)",
    "release_date": "YYYY-MM or YYYY-MM-DD (str | NA)",
    "last_updated": "YYYY-MM or YYYY-MM-DD (str | NA)",
    "knowledge_cutoff": "YYYY-MM or YYYY-MM-DD (str | NA)",
    "open_weights": "bool | NA",
    "status": "alpha | beta | deprecated (str | NA)",
    "expiration_date": "YYYY-MM-DD (str | NA)",
    "description": "third-party markdown, truncated (str | NA)",
    "price_input_usd": "USD per 1M input tokens (float | NaN)",
    "price_output_usd": "USD per 1M output tokens (float | NaN)",
    "price_cache_read_usd": "USD per 1M cached input tokens (float | NaN)",
    "context_length": "tokens (Int64 | NA)",
    "quantization": "fp8, int4, ... where the source says (str | NA; neither source does today)",
    "free": "a free promotion (`:free` id or zero prices): never a market price (bool)",
}
MAX_ID = 300  # longer ids are junk, not models
MAX_TEXT = 200  # names, families
MAX_DESCRIPTION = 4000
MAX_PRICE = 10_000.0  # USD per 1M tokens; above is a unit error or garbage
_TEXT_COLUMNS = [c for c in OFFER_COLUMNS if c not in ("open_weights", "context_length", "free")]
_TEXT_COLUMNS = [c for c in _TEXT_COLUMNS if not c.startswith("price_")]
_STATUSES = frozenset({"alpha", "beta", "deprecated"})
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True)
class Skip:
    """One row (or field) a reader left out, and why: for the fault report, never an exception."""

    source: str
    key: str
    reason: str


@dataclass(frozen=True)
class Offers:
    """A reader's result: the offers frame and what it skipped."""

    frame: pd.DataFrame
    skipped: tuple[Skip, ...]


# ---------------------------------------------------------------------------- fields
def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    text = _str(value)
    if text is None:
        return None
    text = text.strip()
    return text[:limit] if text else None


def _day(value: Any) -> str | None:
    """`2025-06` / `2025-06-30` (a datetime string is cut to its date), else None."""
    text = _text(value, 40)
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    if not (1990 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return match[0]


def _price(value: Any, scale: int = 1) -> float | None:
    """A finite price in [0, MAX_PRICE] USD per 1M tokens (`scale`: per-token -> per-1M), else None."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    try:
        number = Decimal(str(value).strip()[:64]) * scale
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    price = round(float(number), 9)
    return price if math.isfinite(price) and 0 <= price <= MAX_PRICE else None


def _model_id(value: Any) -> tuple[str | None, str | None]:
    """(id, None) or (None, why it is unusable)."""
    if value is None:
        return None, "no id"
    if not isinstance(value, str):
        return None, f"id is {type(value).__name__}, not a string"
    text = value.strip()
    if not text:
        return None, "empty id"
    if len(text) > MAX_ID:
        return None, f"id longer than {MAX_ID} characters"
    return text, None


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(OFFER_COLUMNS))
    for col in ("price_input_usd", "price_output_usd", "price_cache_read_usd"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df["context_length"] = pd.array(df["context_length"].tolist(), dtype="Int64")
    df["open_weights"] = pd.array(df["open_weights"].tolist(), dtype="boolean")
    df["free"] = df["free"].astype(bool)
    for col in _TEXT_COLUMNS:
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df.drop_duplicates(["source", "provider", "model_id"]).reset_index(drop=True)


def _free(model_id: str, p_in: float | None, p_out: float | None) -> bool:
    return model_id.endswith(":free") or (p_in == 0 and p_out == 0)


# ---------------------------------------------------------------------------- models.dev
def read_models_dev(payload: Any) -> Offers:
    """`api.json` -> one row per provider-model (the `chutes` provider included: facts need it)."""
    if not isinstance(payload, dict):
        raise PayloadError("models_dev: expected a JSON object of providers", source="models_dev")
    rows: list[dict] = []
    skipped: list[Skip] = []
    for key, provider in payload.items():
        pid = _text(provider.get("id") if isinstance(provider, dict) else None, MAX_ID) or _text(key, MAX_ID)
        models = provider.get("models") if isinstance(provider, dict) else None
        if not pid or not isinstance(models, dict):
            skipped.append(Skip("models_dev", str(key)[:MAX_TEXT], "provider without a models object"))
            continue
        for mkey, model in models.items():
            if not isinstance(model, dict):
                skipped.append(Skip("models_dev", f"{pid}:{str(mkey)[:MAX_TEXT]}", "model is not an object"))
                continue
            model_id, why = _model_id(model.get("id", mkey))
            if model_id is None:
                skipped.append(Skip("models_dev", f"{pid}:{str(mkey)[:MAX_TEXT]}", why or "no id"))
                continue
            rows.append(_models_dev_row(pid, model_id, model))
    return Offers(_frame(rows), tuple(skipped))


def _models_dev_row(provider: str, model_id: str, model: dict) -> dict:
    cost, limit = _dict(model.get("cost")), _dict(model.get("limit"))
    p_in, p_out = _price(cost.get("input")), _price(cost.get("output"))
    status = _text(model.get("status"))
    return {
        "source": "models.dev",
        "provider": provider,
        "model_id": model_id,
        "name": _text(model.get("name")),
        "hf_id": None,
        "family": _text(model.get("family")),
        "release_date": _day(model.get("release_date")),
        "last_updated": _day(model.get("last_updated")),
        "knowledge_cutoff": _day(model.get("knowledge")),
        "open_weights": _bool(model.get("open_weights")),
        "status": status if status in _STATUSES else None,
        "expiration_date": None,
        "description": None,
        "price_input_usd": p_in,
        "price_output_usd": p_out,
        "price_cache_read_usd": _price(cost.get("cache_read")),
        "context_length": _int(limit.get("context")),
        "quantization": None,
        "free": _free(model_id, p_in, p_out),
    }


def models_dev_frame(payload: Any) -> pd.DataFrame:
    """The registry's reader: `read_models_dev(payload).frame`."""
    return read_models_dev(payload).frame


# ---------------------------------------------------------------------------- OpenRouter
def read_openrouter(payload: Any) -> Offers:
    """`/api/v1/models` (`{"data": [...]}` or a bare list) -> one row per model, provider `openrouter`."""
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise PayloadError("openrouter: expected a JSON object with a list under 'data'", source="openrouter")
    rows: list[dict] = []
    skipped: list[Skip] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            skipped.append(Skip("openrouter", f"#{n}", "item is not an object"))
            continue
        model_id, why = _model_id(item.get("id"))
        if model_id is None:
            skipped.append(Skip("openrouter", f"#{n}", why or "no id"))
            continue
        rows.append(_openrouter_row(model_id, item))
    return Offers(_frame(rows), tuple(skipped))


def _openrouter_row(model_id: str, item: dict) -> dict:
    pricing, top = _dict(item.get("pricing")), _dict(item.get("top_provider"))
    p_in, p_out = _price(pricing.get("prompt"), 1_000_000), _price(pricing.get("completion"), 1_000_000)
    hf_id, _ = _model_id(item.get("hugging_face_id"))
    return {
        "source": "openrouter",
        "provider": "openrouter",
        "model_id": model_id,
        "name": _text(item.get("name")),
        "hf_id": hf_id,
        "family": None,
        "release_date": None,  # `created` is when OpenRouter listed it, not a release
        "last_updated": None,
        "knowledge_cutoff": _day(item.get("knowledge_cutoff")),
        "open_weights": None,
        "status": None,
        "expiration_date": _day(item.get("expiration_date")),
        "description": _text(item.get("description"), MAX_DESCRIPTION),
        "price_input_usd": p_in,
        "price_output_usd": p_out,
        "price_cache_read_usd": _price(pricing.get("input_cache_read"), 1_000_000),
        "context_length": _int(item.get("context_length")) or _int(top.get("context_length")),
        "quantization": None,
        "free": _free(model_id, p_in, p_out),
    }


def openrouter_frame(payload: Any) -> pd.DataFrame:
    """The registry's reader: `read_openrouter(payload).frame`."""
    return read_openrouter(payload).frame
