"""Synthetic market payloads for a synthetic catalog: models.dev `api.json` and OpenRouter's
`/api/v1/models` (issue 19), consistent with the sample's `/v1/models` models.

Invented prices, dates and providers in the real shapes (shared references `models-dev.md` §2-3,
`openrouter.md` §1.1); every provider name and description says "synthetic". The quirks the
market join must handle are there on purpose: models.dev's `chutes` provider under exactly the
`/v1/models` ids; other providers naming the same model with `-TEE` dropped, lower-cased, with a
quantization tag, or fireworks-style `accounts/<x>/models/<name with 5p1>`; OpenRouter ids with
another org slug joined through `hugging_face_id`; `:free` twins at price 0; a router at "-1";
and decoys that must not join (`-Exp`, another size, another lab's repackage). A pure function of
the `/v1/models` payload and the seed. `python -m tools.synth.market --out chutes_data/sample`
reads `v1_models.json` there and writes `models_dev.json` and `openrouter_models.json` beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from .records import dump_json

MODELS_DEV_FILE = "models_dev.json"
OPENROUTER_FILE = "openrouter_models.json"
LABEL = "synthetic sample, invented by tools/synth/market.py; not real provider data"
# Invented providers, each with the naming habit of a real one (models-dev.md §4.2).
PROVIDERS = {
    "acme-ai": "hf",  # the Hugging Face repo name: `-TEE` dropped, case kept
    "lowcase-cloud": "lower",  # lower-cased, quantization tag kept (`-fp8`)
    "sparkworks": "fireworks",  # accounts/sparkworks/models/<name>, `.` as `p`
}
_ORG_SLUG = {"zai-org": "z-ai", "deepseek-ai": "deepseek", "meta-llama": "meta", "mistralai": "mistral"}
_QUANT = re.compile(r"-(FP8|NVFP4|AWQ|BF16|INT4)$", re.IGNORECASE)
_FAMILIES = ("qwen", "glm", "kimi", "deepseek", "gemma", "llama", "phi", "hermes", "mistral")


def _base(v1_id: str) -> str:
    """`Qwen/Qwen3-32B-TEE` -> `Qwen/Qwen3-32B` (the repo the model comes from)."""
    return re.sub(r"-TEE$", "", v1_id.strip(), flags=re.IGNORECASE).replace("/ ", "/")


def _family(v1_id: str) -> str | None:
    low = v1_id.casefold()
    return next((f for f in _FAMILIES if f in low), None)


def _day(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _entry(model_id: str, name: str, p_in: float, p_out: float, ctx: int, facts: dict) -> dict:
    return {
        "id": model_id,
        "name": name,
        "family": facts.get("family"),
        "attachment": False,
        "reasoning": "thinking" in model_id.casefold(),
        "tool_call": True,
        "temperature": True,
        "knowledge": facts.get("knowledge"),
        "release_date": facts["release_date"],
        "last_updated": facts["last_updated"],
        "modalities": {"input": ["text"], "output": ["text"]},
        "open_weights": True,
        "limit": {"context": ctx, "output": min(ctx, 32768)},
        "cost": {"input": round(p_in, 4), "output": round(p_out, 4), "cache_read": round(p_in / 5, 4)},
        **({"status": facts["status"]} if facts.get("status") else {}),
    }


def _clean(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if v is not None}


def _other_id(style: str, base: str) -> str:
    org, _, name = base.rpartition("/")
    if style == "hf":
        return base
    if style == "lower":
        return f"{org.casefold()}/{name.casefold()}-fp8" if org else f"{name.casefold()}-fp8"
    return "accounts/sparkworks/models/" + re.sub(r"(?<=\d)\.(?=\d)", "p", name.casefold())


def _per_token(usd_per_m: float) -> str:
    return format(Decimal(str(round(usd_per_m, 4))) / Decimal(1_000_000), "f")


def generate_market(v1_payload: dict, *, seed: int = 7) -> tuple[dict, dict]:
    """(models.dev `api.json`, OpenRouter `/api/v1/models`) for the sample's `/v1/models` models."""
    rng = random.Random(f"market-{seed}")
    models = [m for m in v1_payload.get("data", []) if isinstance(m, dict) and isinstance(m.get("id"), str)]
    chutes: dict[str, dict] = {}
    others: dict[str, dict[str, dict]] = {p: {} for p in PROVIDERS}
    or_models: dict[str, dict] = {}
    router: list[dict] = []
    for n, model in enumerate(models):
        v1_id, pricing = model["id"], model.get("pricing") or {}
        p_in, p_out = float(pricing.get("prompt") or 0.1), float(pricing.get("completion") or 0.3)
        ctx = int(model.get("context_length") or 32768)
        year = rng.choice((2024, 2025, 2025, 2026))
        facts = {
            "family": _family(v1_id),
            "release_date": _day(rng, year),
            "last_updated": _day(rng, min(year + 1, 2026)),
            "knowledge": f"{year - 1}-{rng.randint(1, 12):02d}" if rng.random() < 0.7 else None,
            "status": "deprecated" if n % 17 == 5 else ("beta" if n % 13 == 3 else None),
        }
        if rng.random() < 0.75:  # models.dev syncs most Chutes models under the exact id
            chutes[v1_id] = _clean(_entry(v1_id, v1_id.rsplit("/", 1)[-1], p_in, p_out, ctx, facts))
        base = _base(v1_id)
        if rng.random() < 0.3:  # not offered elsewhere at all
            continue
        for provider, style in PROVIDERS.items():
            if rng.random() < 0.55:
                factor = rng.choice((0.7, 0.85, 1.0, 1.15, 1.4, 2.0))
                mid = _other_id(style, base)
                others[provider][mid] = _clean(
                    _entry(mid, base.rsplit("/", 1)[-1], p_in * factor, p_out * factor, ctx, facts)
                )
        if rng.random() < 0.25:  # a decoy: the experimental sibling, a different model
            mid = _other_id("hf", base) + "-Exp"
            others["acme-ai"][mid] = _clean(_entry(mid, mid, p_in * 0.5, p_out * 0.5, ctx, facts))
        if rng.random() < 0.15:  # a decoy: another lab's fine-tune under the same repo name
            mid = "pearl-lab/" + base.rsplit("/", 1)[-1].casefold()
            others["lowcase-cloud"][mid] = _clean(_entry(mid, mid, p_in * 0.4, p_out * 0.4, ctx, facts))
        reordered = re.sub(r"-(Thinking|Instruct)-(\d{4})$", r"-\2-\1", base)
        if reordered != base:  # the fuzzy step's case: the same words in another order
            mid = reordered.casefold()
            others["sparkworks"][mid] = _clean(_entry(mid, mid, p_in * 1.2, p_out * 1.2, ctx, facts))
        if rng.random() < 0.6:
            org, _, name = base.rpartition("/")
            slug = f"{_ORG_SLUG.get(org, org).casefold() or 'unknown'}/{name.casefold()}"
            root = model.get("root") if isinstance(model.get("root"), str) else base
            hf = rng.choice((base, _QUANT.sub("", root), "", None))
            factor = rng.choice((0.8, 0.9, 1.0, 1.1, 1.3))
            or_models[slug] = _openrouter(slug, hf, p_in * factor, p_out * factor, ctx, facts, n)
            if rng.random() < 0.2:  # a free promotion: listed, never the market price
                or_models[slug + ":free"] = _openrouter(slug + ":free", hf, 0.0, 0.0, ctx, facts, n)
    router.append(_openrouter("synthetic/auto", None, -1.0, -1.0, 2_000_000, {}, 0))
    api = {"chutes": _provider("chutes", "Chutes (synthetic sample)", chutes)}
    for provider in PROVIDERS:
        api[provider] = _provider(provider, f"{provider} (synthetic sample)", others[provider])
    api["openrouter"] = _provider(
        "openrouter",
        "OpenRouter (synthetic sample)",
        {k: _models_dev_copy(v) for k, v in list(or_models.items())[::2]},
    )
    return api, {"_sample": LABEL, "data": [*or_models.values(), *router]}


def _provider(pid: str, name: str, models: dict) -> dict:
    return {
        "id": pid,
        "env": [],
        "npm": "@ai-sdk/openai-compatible",
        "name": name,
        "doc": "https://example.invalid/synthetic",
        "models": dict(sorted(models.items())),
    }


def _openrouter(slug: str, hf: str | None, p_in: float, p_out: float, ctx: int, facts: dict, n: int) -> dict:
    price = (lambda v: "-1") if p_in < 0 else _per_token
    return {
        "id": slug,
        "canonical_slug": slug.removesuffix(":free"),
        "hugging_face_id": hf,
        "name": f"Synthetic: {slug}",
        "created": 1_760_000_000 + n * 86_400,
        "description": f"Synthetic sample entry for {slug} ({LABEL}).",
        "context_length": ctx,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
        },
        "pricing": {"prompt": price(p_in), "completion": price(p_out)},
        "top_provider": {"context_length": ctx, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None,
        "supported_parameters": ["tools", "temperature"],
        "default_parameters": {},
        "supported_voices": None,
        "knowledge_cutoff": (facts.get("knowledge") + "-28") if facts.get("knowledge") else None,
        "expiration_date": "2027-03-31" if facts.get("status") == "deprecated" else None,
        "links": {"details": f"/api/v1/models/{slug}/endpoints"},
    }


def _models_dev_copy(item: dict) -> dict:
    """models.dev's copy of an OpenRouter model (its `openrouter` provider), prices per 1M."""
    per_m = {k: float(Decimal(v) * 1_000_000) for k, v in item["pricing"].items()}
    return {
        "id": item["id"],
        "name": item["name"],
        "release_date": "2026-01-01",
        "last_updated": "2026-01-01",
        "open_weights": True,
        "limit": {"context": item["context_length"], "output": 32768},
        "cost": {"input": per_m["prompt"], "output": per_m["completion"]},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.synth.market", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the sample folder (reads v1_models.json)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    v1 = json.loads((args.out / "v1_models.json").read_text(encoding="utf-8"))
    for name, payload in zip(
        (MODELS_DEV_FILE, OPENROUTER_FILE), generate_market(v1, seed=args.seed), strict=True
    ):
        path = args.out / name
        path.write_text(dump_json(payload), encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
