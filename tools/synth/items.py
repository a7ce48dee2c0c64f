"""One `/chutes/` item and one `/v1/models` entry, in the server's shapes and key order."""

from __future__ import annotations

import uuid
from typing import Any

from .generator import Generator
from .records import LLM, Chute, chute_id_for, iso_z, logo_url, money, slugify
from .tables import CACHE_DISCOUNT, CHUTES_VERSIONS, COMPUTE_UNIT_PRICE_BASIS, OFFICIAL, SAMPLING, TAGLINES


# ---------------------------------------------------------------------------- /chutes/ items
def chute_item(
    g: Generator,
    *,
    owner: str,
    name: str,
    template: str | None,
    public: bool = True,
    llm: LLM | None = None,
    suffix: str = "",
    prices: dict[str, float] | None = None,
    tee: bool | None = None,
    invocations: int,
    hot_bias: float,
    need_gb: float,
    legacy: bool = False,
    display: str | None = None,
) -> Chute:
    """Build a `ChuteResponse` item in the server's field order."""
    rng = g.rng
    is_tee = name.endswith("-TEE") if tee is None else tee
    count, tier, gpus, hourly = g.hardware(need_gb, is_tee)
    cm = round(hourly / COMPUTE_UNIT_PRICE_BASIS, 4)
    hourly = COMPUTE_UNIT_PRICE_BASIS * cm
    with_tao = not g.chance(0.04)
    with_cache = template == "vllm" and not g.chance(0.08)
    per_request = (
        round(rng.uniform(0.0002, 0.01), 5)
        if template not in ("vllm", "diffusion") and g.chance(0.4)
        else None
    )
    prices = prices or {}
    price = g.price_object(template, hourly, prices, with_tao, with_cache, per_request)

    created = g.days_ago(3, 720)
    updated = created + (g.now - created) * rng.random()
    model = display or name.split("/")[-1]
    tagline = None if g.chance(0.08) else rng.choice(TAGLINES[template]).format(model=model)
    readme_lines = [f"# {name}", "", tagline or f"{model} on Chutes.", ""]
    if llm is not None:
        readme_lines.append(f"- Context: {llm.context_length:,} tokens")
    readme_lines.append(f"- Hardware: {count}x {gpus[0]} ({tier} GB)")
    image = g.image_for(template, owner, model, llm)
    logo_id = g.uuid4() if g.chance(0.35) else None
    instances = g.instances(hot_bias, 6 if owner == OFFICIAL else 3)
    boost = rng.choice((1.25, 1.5, 2.0)) if g.chance(0.1) else None
    chute_id = chute_id_for(owner, name)
    item: dict[str, Any] = {
        "chute_id": chute_id,
        "name": name,
        "tagline": tagline,
        "readme": "\n".join(readme_lines) + "\n",
        "public": public,
        "version": str(
            uuid.uuid5(uuid.NAMESPACE_OID, f"{image['image_id']}:{image['patch_version']}:{name}")
        ),
        "tool_description": None,
        "slug": slugify(f"{owner}-{name}"),
        "standard_template": template,
        "cords": None,
        "jobs": [],
        "cord_ref_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"cords::{template or chute_id}")),
        "created_at": iso_z(created),
        "updated_at": iso_z(updated),
        "image": image,
        "user": g.user(owner),
        "supported_gpus": gpus,
        "node_selector": {
            "gpu_count": count,
            "min_vram_gb_per_gpu": tier,
            "compute_multiplier": cm,
            "supported_gpus": gpus,
        },
        "invocation_count": invocations,
        "current_estimated_price": price,
        "instances": instances,
        "logo_id": logo_id,
        "openrouter": owner == OFFICIAL and template == "vllm" and g.chance(0.4),
        "chutes_version": rng.choice(CHUTES_VERSIONS),
        "revision": g.hexstr(160) if template is not None or g.chance(0.3) else None,
        "concurrency": {
            "vllm": rng.choice((8, 16, 32, 64, 128)),
            "diffusion": 1,
            "tei": 32,
            "embedding": 64,
        }.get(template, rng.choice((1, 2, 4, None))),
        "boost": boost,
        "max_instances": None if public else rng.choice((1, 2, 4)),
        "scaling_threshold": None if public else 0.75,
        "shutdown_after_seconds": None if public else 300,
        "preemptible": owner != OFFICIAL and g.chance(0.2),
        "allow_external_egress": template is None and g.chance(0.3),
        "tee": is_tee,
        "effective_compute_multiplier": round(cm * (boost or 1.0) * (1.1 if is_tee else 1.0), 4),
        "compute_multiplier_factors": ({"base": cm, "tee": 1.1} if is_tee else {"base": cm}),
        "bounty": rng.choice((50, 100, 250)) if not instances and g.chance(0.3) else None,
        "logo": logo_url(logo_id),
        "hot": any(i["active"] and i["verified"] for i in instances),
    }
    if legacy:  # an older/cached response: fields added 2025-12..2026-02 are absent
        for key in (
            "tee",
            "allow_external_egress",
            "effective_compute_multiplier",
            "compute_multiplier_factors",
            "bounty",
        ):
            del item[key]
    return Chute(
        item=item,
        template=template,
        owner=owner,
        llm=llm,
        prices=prices,
        with_tao=with_tao,
        with_cache=with_cache,
    )


# ---------------------------------------------------------------------------- /v1/models entries
def v1_item(
    g: Generator, c: Chute, *, created: int, overrides: bool, price_factor: float = 1.0
) -> dict[str, Any]:
    """A `/v1/models` item: engine fields + API fields + admin overrides, keys sorted
    as in real captures (JSONB order)."""
    llm = c.llm
    assert llm is not None
    digits = 4

    def scaled(v: float) -> float:
        return round(v * price_factor, digits) if price_factor != 1.0 else v

    inp, out = scaled(c.prices["input"]), scaled(c.prices["output"])
    cache = inp * (1 - CACHE_DISCOUNT)
    price = {
        "input": money(inp, c.with_tao, tao_first=True),
        "output": money(out, c.with_tao, tao_first=True),
    }
    pricing: dict[str, float] = {"completion": out, "prompt": inp}
    if c.with_cache:
        price["input_cache_read"] = money(cache, c.with_tao, tao_first=True)
        pricing["input_cache_read"] = cache
    entry: dict[str, Any] = {
        "chute_id": c.chute_id,
        "confidential_compute": c.name.endswith("-TEE"),
        "created": created,
        "id": c.name,
        "max_model_len": llm.max_model_len,
        "object": "model",
        "owned_by": llm.owned_by,
        "parent": None,
        "price": dict(sorted(price.items())),
        "pricing": dict(sorted(pricing.items())),
        "root": llm.root,
    }
    if llm.owned_by == "vllm":
        entry["permission"] = [
            {
                "allow_create_engine": False,
                "allow_fine_tuning": False,
                "allow_logprobs": True,
                "allow_sampling": True,
                "allow_search_indices": False,
                "allow_view": True,
                "created": created,
                "group": None,
                "id": f"modelperm-{g.hexstr(64)}",
                "is_blocking": False,
                "object": "model_permission",
                "organization": "*",
            }
        ]
    if overrides:
        features = ["json_mode"]
        if llm.tools:
            features.append("tools")
        features.append("structured_outputs")
        if llm.reasoning:
            features.append("reasoning")
        entry.update(
            {
                "quantization": llm.quantization,
                "context_length": llm.context_length,
                "max_output_length": llm.max_output_length,
                "input_modalities": ["text", "image"] if llm.vision else ["text"],
                "output_modalities": ["text"],
                "supported_features": features,
                "supported_sampling_parameters": list(SAMPLING if g.chance(0.85) else SAMPLING[:5]),
            }
        )
    return dict(sorted(entry.items()))
