"""`generate`: the whole synthetic catalog, `(chutes_payload, v1_payload)`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .generator import Generator
from .items import chute_item
from .records import Chute, make_plan
from .tables import (
    CACHE_DISCOUNT,
    COMMUNITY_USERS,
    CUSTOM_MODELS,
    DIFFUSION_MODELS,
    EMBEDDING_MODELS,
    FINETUNES,
    OFFICIAL,
    TEI_MODELS,
)
from .v1_list import v1_list

SAMPLE_NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
# The arguments the bundled sample (chutes_data/sample/) is generated with; the CLI defaults.
SAMPLE_KWARGS: dict[str, Any] = {
    "n_chutes": 180,
    "n_v1": 64,
    "seed": 7,
    "v1_without_chute_id": 2,
    "v1_renamed": 2,
    "v1_only": 2,
    "price_conflicts": 2,
    "impostors": 3,
    "now": SAMPLE_NOW,
}


def generate(
    n_chutes: int = 180,
    n_v1: int = 64,
    *,
    seed: int = 7,
    v1_without_chute_id: int = 0,
    v1_renamed: int = 0,
    v1_only: int = 2,
    price_conflicts: int = 2,
    impostors: int = 3,
    now: datetime | None = None,
) -> tuple[dict, dict]:
    """Build `(chutes_payload, v1_payload)` in the real API shapes.

    `n_v1` counts every v1 entry, the `v1_only` ones included. The special v1 subsets
    (`price_conflicts`, `v1_without_chute_id`, `v1_renamed`) are disjoint. `now` defaults to
    `SAMPLE_NOW`, so the output depends on the arguments only.
    """
    for label, value in (
        ("n_chutes", n_chutes),
        ("n_v1", n_v1),
        ("v1_without_chute_id", v1_without_chute_id),
        ("v1_renamed", v1_renamed),
        ("v1_only", v1_only),
        ("price_conflicts", price_conflicts),
        ("impostors", impostors),
    ):
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    if v1_only > n_v1:
        raise ValueError(f"v1_only={v1_only} exceeds n_v1={n_v1}")
    matched_n = n_v1 - v1_only
    if price_conflicts + v1_without_chute_id + v1_renamed > matched_n:
        raise ValueError(
            "price_conflicts + v1_without_chute_id + v1_renamed exceeds the "
            f"{matched_n} v1 entries that match a chute"
        )
    if impostors and not matched_n:
        raise ValueError("impostors need at least one official v1-listed chute to copy")
    plan = make_plan(n_chutes, n_v1, v1_only, impostors)
    g = Generator(seed, now or SAMPLE_NOW)
    rng = g.rng
    chutes: list[Chute] = []

    # Official vllm chutes: the only ones /v1/models can list.
    pool = g.llm_pool()
    official_llms: list[Chute] = []
    for _ in range(plan.official_vllm):
        name, part, suffix, params, vision = next(pool)
        name = g.claim(OFFICIAL, name)
        llm = g.llm_details(name, part, suffix, params, vision)
        bytes_per_param = {"fp8": 1.0, "bf16": 2.0, "fp4": 0.55, "int4": 0.6, "mxfp4": 0.55}
        need = params * bytes_per_param[llm.quantization] * 1.2 + 6
        c = chute_item(
            g,
            owner=OFFICIAL,
            name=name,
            template="vllm",
            llm=llm,
            suffix=suffix,
            prices=g.llm_prices(params, suffix, name.endswith("-TEE")),
            invocations=g.log_int(3, 7.4),
            hot_bias=0.85,
            need_gb=need,
            legacy=g.chance(0.03),
            display=part,
        )
        official_llms.append(c)
    detail_idx = sorted(rng.sample(range(len(official_llms)), matched_n))
    matched = [official_llms[i] for i in detail_idx]
    chutes.extend(official_llms)

    # Community users; more of them for big catalogs so names stay varied.
    n_community = n_chutes - plan.official_vllm
    users = list(COMMUNITY_USERS)
    for k in range(max(0, n_community // 15 - len(users))):
        base, rnd = COMMUNITY_USERS[k % len(COMMUNITY_USERS)], k // len(COMMUNITY_USERS)
        users.append(f"{base}{rnd + 2}")

    # Impostors: community chutes named exactly like an official v1-listed LLM.
    targets = rng.sample(matched, min(impostors, len(matched)))
    for k in range(impostors):
        target = targets[k % len(targets)]
        owner = next(u for u in rng.sample(users, len(users)) if (u, target.name) not in g.used)
        g.claim(owner, target.name)
        factor = rng.choice((0.5, 0.7, 1.4, 2.0))
        inp = round(target.prices["input"] * factor, 4)
        prices = {
            "input": inp,
            "output": round(target.prices["output"] * factor, 4),
            "cache": inp * (1 - CACHE_DISCOUNT),
        }
        assert target.llm is not None
        c = chute_item(
            g,
            owner=owner,
            name=target.name,
            template="vllm",
            prices=prices,
            tee=False,
            invocations=g.log_int(0, 4),
            hot_bias=0.6,
            need_gb=target.llm.params + 6,
            display=target.name.split("/")[-1],
        )
        chutes.append(c)

    # Other community vllm chutes: fine-tunes under the user's own namespace.
    for _ in range(plan.community_vllm - impostors):
        _, part, _suffix, params, _ = next(pool)
        owner = rng.choice(users)
        name = g.claim(owner, f"{owner}/{part}-{rng.choice(FINETUNES)}")
        chutes.append(
            chute_item(
                g,
                owner=owner,
                name=name,
                template="vllm",
                prices=g.llm_prices(params, "", False),
                tee=False,
                invocations=g.log_int(0, 5),
                hot_bias=0.55,
                need_gb=params * 2 + 6,
                public=not g.chance(0.03),
                display=part,
            )
        )

    # Non-LLM templates: official and community mixed.
    kinds: tuple[tuple[str | None, int, Sequence[str], float, tuple[float, float]], ...] = (
        ("diffusion", plan.diffusion, DIFFUSION_MODELS, 0.6, (20, 40)),
        ("tei", plan.tei, TEI_MODELS, 0.6, (4, 20)),
        ("embedding", plan.embedding, EMBEDDING_MODELS, 0.6, (4, 30)),
        (None, plan.custom, CUSTOM_MODELS, 0.25, (8, 70)),
    )
    custom: list[Chute] = []
    for template, count, names, p_official, (low_gb, high_gb) in kinds:
        official_names = g.cycle_names(names)
        for _ in range(count):
            if g.chance(p_official):
                owner, name = OFFICIAL, g.claim(OFFICIAL, next(official_names))
            else:
                owner = rng.choice(users)
                base = rng.choice(names)
                if template is None and g.chance(0.2):
                    base = f"affine-{g.hexstr(32)[:8]}"
                name = g.claim(owner, base)
            c = chute_item(
                g,
                owner=owner,
                name=name,
                template=template,
                tee=False,
                invocations=g.log_int(1 if owner != OFFICIAL else 2, 6.5),
                hot_bias=0.75,
                need_gb=rng.uniform(low_gb, high_gb),
                public=owner == OFFICIAL or not g.chance(0.03),
                legacy=g.chance(0.03),
            )
            chutes.append(c)
            if template is None:
                custom.append(c)
    # A few custom chutes have no price at all (no hourly estimate).
    for c in custom[: min(len(custom), max(2, len(custom) // 50))]:
        c.item["current_estimated_price"] = None

    chutes.sort(key=lambda c: -c.item["invocation_count"])
    items = [c.item for c in chutes]
    chutes_payload = {"total": len(items), "page": 0, "limit": len(items), "items": items, "cord_refs": {}}
    v1_payload = {
        "object": "list",
        "data": v1_list(
            g,
            matched,
            chutes,
            targets,
            v1_only=v1_only,
            price_conflicts=price_conflicts,
            without_chute_id=v1_without_chute_id,
            renamed=v1_renamed,
        ),
    }
    return chutes_payload, v1_payload
