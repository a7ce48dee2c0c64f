"""Small `/chutes/` and `/v1/models` payloads in the real shapes (see shared/reference/chutes-api.md).

Plain functions, so both the in-process fakes (conftest) and the loopback `StandInUpstream`
(tests/upstream.py) can use them. Every builder returns fresh dicts; tweak them freely.
"""

from __future__ import annotations

import uuid
from typing import Any

#: A key in the real `cpk_<32>.<32>.<32>` shape, distinctive enough to grep for anywhere.
FAKE_KEY = "cpk_" + "a" * 32 + "." + "b" * 32 + "." + "c" * 32


def chute_id_for(name: str, owner: str = "chutes") -> str:
    """The server's deterministic id: uuid5(NAMESPACE_OID, f"{owner}::chute::{name}")."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{owner}::chute::{name}"))


def price_block(
    kind: str = "vllm",
    *,
    usd_in: float = 0.104,
    usd_out: float = 0.416,
    cache_read: float | None = 0.052,
    tao: bool = True,
    per_step: float = 0.0069,
    per_request: float = 0.002,
    hour: float = 2.75,
) -> dict | None:
    """`current_estimated_price` of one chute.

    kind: "vllm" (per_million_tokens), "diffusion" (per_step), "per_request", "hourly" (only the
    usd/tao hour part) or "none" (returns None, as `current_estimated_price: null`).
    `tao=False` drops every `tao` key (the TAO price fetch failed upstream).
    """
    if kind == "none":
        return None

    def money(usd: float) -> dict:
        return {"usd": usd, "tao": round(usd / 197.3, 8)} if tao else {"usd": usd}

    block: dict[str, Any] = {}
    if kind == "vllm":
        block["per_million_tokens"] = {"input": money(usd_in), "output": money(usd_out)}
        if cache_read is not None:
            block["per_million_tokens"]["input_cache_read"] = money(cache_read)
    elif kind == "diffusion":
        block["per_step"] = money(per_step)
    elif kind == "per_request":
        block["per_request"] = money(per_request)
    elif kind != "hourly":
        raise ValueError(f"unknown price kind {kind!r}")
    block["usd"] = {"hour": hour, "second": hour / 3600}
    if tao:
        block["tao"] = {"hour": round(hour / 197.3, 6), "second": round(hour / 197.3 / 3600, 10)}
    return block


def chute_item(
    n: int = 0,
    *,
    name: str | None = None,
    owner: str = "chutes",
    template: str | None = "vllm",
    price: str | dict | None = "vllm",
    tee: bool | None = None,
    hot: bool = True,
    invocations: int | None = None,
    **extra: Any,
) -> dict:
    """One `ChuteResponse` as the list view returns it (`cords` null, `cord_ref_id` set).

    `tee=None` leaves the field out (responses before 2025-12). `price` is a kind for
    `price_block`, a ready dict, or None for `current_estimated_price: null`.
    """
    name = name or f"org{n % 7}/Model-{n:03d}"
    chute_id = chute_id_for(name, owner)
    if isinstance(price, str):
        price = price_block(price)
    instances = [
        {
            "instance_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{chute_id}:{i}")),
            "region": ("us-east", "eu-west")[i % 2],
            "active": hot,
            "verified": hot,
            "last_verified_at": "2026-08-01T00:00:00Z",
        }
        for i in range(2)
    ]
    item: dict[str, Any] = {
        "chute_id": chute_id,
        "name": name,
        "tagline": f"Tagline of {name}",
        "readme": f"# {name}\n\nA test chute.",
        "public": True,
        "version": str(uuid.uuid5(uuid.NAMESPACE_OID, f"version:{name}")),
        "tool_description": None,
        "slug": f"{owner}-{name}".lower().replace("/", "-").replace(".", "-")[:58],
        "standard_template": template,
        "cords": None,
        "jobs": [],
        "cord_ref_id": str(uuid.uuid5(uuid.NAMESPACE_OID, "cords:vllm")),
        "created_at": "2025-01-02T03:04:05.123456Z",
        "updated_at": "2026-07-01T00:00:00Z",
        "image": {"image_id": "img", "name": "vllm", "tag": "0.10", "public": True},
        "user": {
            "username": owner,
            "user_id": str(uuid.uuid5(uuid.NAMESPACE_OID, owner)),
            "logo_id": None,
            "created_at": "2024-01-01T00:00:00Z",
            "logo": None,
        },
        "supported_gpus": ["h200", "h100"],
        "node_selector": {
            "gpu_count": 8,
            "min_vram_gb_per_gpu": 80,
            "exclude": None,
            "include": None,
            "compute_multiplier": 4.0,
            "supported_gpus": ["h200", "h100"],
        },
        "invocation_count": invocations if invocations is not None else 10_000 - n,
        "current_estimated_price": price,
        "instances": instances,
        "logo_id": None,
        "openrouter": False,
        "chutes_version": "0.6.9",
        "revision": "0" * 40,
        "concurrency": 64,
        "boost": None,
        "max_instances": None,
        "scaling_threshold": None,
        "shutdown_after_seconds": None,
        "preemptible": False,
        "logo": None,
        "hot": hot,
    }
    if tee is not None:
        item["tee"] = tee
    item.update(extra)
    return item


def chutes_payload(
    items: list[dict] | None = None,
    *,
    n: int = 3,
    total: int | None = None,
    page: int = 0,
    limit: int | None = None,
) -> dict:
    """A `/chutes/` list envelope around `items` (default: `n` vllm chutes)."""
    items = items if items is not None else [chute_item(i) for i in range(n)]
    return {
        "total": len(items) if total is None else total,
        "page": page,
        "limit": len(items) if limit is None else limit,
        "items": items,
        "cord_refs": {
            str(uuid.uuid5(uuid.NAMESPACE_OID, "cords:vllm")): [
                {
                    "method": "POST",
                    "path": "/v1/chat/completions",
                    "function": "chat",
                    "stream": True,
                    "passthrough": True,
                    "public_api_path": "/v1/chat/completions",
                    "public_api_method": "POST",
                }
            ]
        },
    }


def v1_item(
    name: str,
    *,
    chute_id: str | None = None,
    usd_in: float = 0.104,
    usd_out: float = 0.416,
    cache_read: float | None = 0.052,
    tao: bool = True,
    overrides: bool = True,
    **extra: Any,
) -> dict:
    """One `/v1/models` entry; `overrides=False` leaves out every admin-override field."""

    def money(usd: float) -> dict:
        return {"tao": round(usd / 197.3, 8), "usd": usd} if tao else {"usd": usd}

    price = {"input": money(usd_in), "output": money(usd_out)}
    pricing = {"completion": usd_out, "prompt": usd_in}
    if cache_read is not None:
        price["input_cache_read"] = money(cache_read)
        pricing["input_cache_read"] = cache_read
    item: dict[str, Any] = {
        "chute_id": chute_id or chute_id_for(name),
        "confidential_compute": name.endswith("-TEE"),
        "created": 1784718720,
        "id": name,
        "max_model_len": 40960,
        "object": "model",
        "owned_by": "sglang",
        "parent": None,
        "price": price,
        "pricing": pricing,
        "root": name.removesuffix("-TEE"),
    }
    if overrides:
        item.update(
            {
                "context_length": 40960,
                "input_modalities": ["text"],
                "max_output_length": 40960,
                "output_modalities": ["text"],
                "quantization": "fp8",
                "supported_features": ["json_mode", "tools", "structured_outputs"],
                "supported_sampling_parameters": ["temperature", "top_p", "seed"],
            }
        )
    item.update(extra)
    return item


def v1_payload(items: list[dict] | None = None, *, names: list[str] | None = None) -> dict:
    """A `/v1/models` envelope (default: one entry per name, or three vllm test models)."""
    if items is None:
        names = names if names is not None else [f"org{i % 7}/Model-{i:03d}" for i in range(3)]
        items = [v1_item(name) for name in names]
    return {"object": "list", "data": items}


# ---------------------------------------------------------------------------- market (issue 19)
def models_dev_body(names: list[str] | None = None) -> dict:
    """A models.dev `api.json` with Chutes' own entry for each `/v1/models` name (the facts) and
    another provider ("acme-ai") offering each, cheaper (default: `v1_payload()`'s names)."""
    names = names if names is not None else [f"org{i % 7}/Model-{i:03d}" for i in range(3)]
    return {
        "chutes": {
            "id": "chutes",
            "models": {
                n: {"id": n, "release_date": "2025-06-01", "knowledge": "2025-01", "open_weights": True}
                for n in names
            },
        },
        "acme-ai": {
            "id": "acme-ai",
            "models": {
                n.split("/")[-1].lower(): {
                    "id": n.split("/")[-1].lower(),
                    "cost": {"input": 0.05, "output": 0.2},
                }
                for n in names
            },
        },
    }


def openrouter_body(names: list[str] | None = None) -> dict:
    """OpenRouter's `/api/v1/models` naming each `/v1/models` name as its `hugging_face_id`."""
    names = names if names is not None else [f"org{i % 7}/Model-{i:03d}" for i in range(3)]
    return {
        "data": [
            {
                "id": n.lower(),
                "hugging_face_id": n,
                "pricing": {"prompt": "0.00000008", "completion": "0.0000003"},
                "context_length": 32768,
            }
            for n in names
        ]
    }


def market_bodies() -> dict[str, Any]:
    """The StandInUpstream's market bodies by route (models.dev, OpenRouter)."""
    return {"/api.json": models_dev_body(), "/api/v1/models": openrouter_body()}
