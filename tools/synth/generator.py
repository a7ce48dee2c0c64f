"""The RNG, clock, name pools, hardware and prices behind one generated catalog."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .records import LLM, iso_z, logo_url, money, slugify
from .tables import (
    CACHE_DISCOUNT,
    CHUTES_VERSIONS,
    CONTEXT_WEIGHTS,
    CONTEXTS,
    GPU_COUNTS,
    GPUS,
    LLM_FAMILIES,
    LLM_SUFFIXES,
    OFFICIAL,
    PER_STEP_FACTOR,
    REGIONS,
    TAO_USD,
    TEE_GPUS,
    VRAM_TIERS,
)


# ---------------------------------------------------------------------------- the generator
class Generator:
    """Holds the RNG, the clock and the name pools while one catalog is built."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now.astimezone(UTC)
        self.used: set[tuple[str, str]] = set()
        self.images: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}

    # -- randomness helpers ----------------------------------------------------------------
    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hexstr(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def log_int(self, low_exp: float, high_exp: float) -> int:
        return int(10 ** self.rng.uniform(low_exp, high_exp))

    # -- names -----------------------------------------------------------------------------
    def llm_pool(self) -> Iterator[tuple[str, str, str, float, bool]]:
        """Endless unique official LLM names: (name, model part, suffix, params, vision).

        Round 0 uses the invented combos; later rounds insert `-r{n}` before the suffix, so
        big catalogs stay unique per owner. Weighted shuffle (Efraimidis-Spirakis) makes
        `-TEE` the most common suffix.
        """
        combos: list[tuple[float, str, str, str, float, bool]] = []
        for org, series, sizes, variants, vision in LLM_FAMILIES:
            for s in series:
                for size_label, params in sizes:
                    for variant in variants:
                        model = f"{s}{size_label}{variant}"
                        for suffix, weight in LLM_SUFFIXES.items():
                            if suffix == "-FP8" and "FP8" in model:
                                continue
                            key = self.rng.random() ** (1.0 / weight)
                            combos.append((key, org, model, suffix, params, vision))
        combos.sort(key=lambda c: -c[0])
        rnd = 0
        while True:
            tag = "" if rnd == 0 else f"-r{rnd + 1}"
            for _, org, model, suffix, params, vision in combos:
                part = f"{model}{tag}"
                name = f"{org}/{part}{suffix}" if org else f"{part}{suffix}"
                yield name, part, suffix, params, vision
            rnd += 1

    @staticmethod
    def cycle_names(names: Sequence[str]) -> Iterator[str]:
        rnd = 0
        while True:
            for name in names:
                yield name if rnd == 0 else f"{name}-v{rnd + 1}"
            rnd += 1

    def claim(self, owner: str, name: str) -> str:
        """Reserve (owner, name); on a clash append a number, as a user redeploying would."""
        candidate, k = name, 2
        while (owner, candidate) in self.used:
            candidate = f"{name}-{k}"
            k += 1
        self.used.add((owner, candidate))
        return candidate

    # -- shared objects --------------------------------------------------------------------
    def user(self, username: str) -> dict[str, Any]:
        if username not in self.users:
            logo_id = self.uuid4() if username == OFFICIAL or self.chance(0.4) else None
            created = self.now - timedelta(days=745) if username == OFFICIAL else self.days_ago(30, 700)
            self.users[username] = {
                "username": username,
                "user_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"user::{username}")),
                "logo_id": logo_id,
                "created_at": iso_z(created),
                "logo": logo_url(logo_id),
            }
        return dict(self.users[username])

    def image(self, owner: str, name: str, tag: str) -> dict[str, Any]:
        key = (owner, name, tag)
        if key not in self.images:
            created = self.days_ago(20, 400)
            self.images[key] = {
                "image_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"image::{owner}/{name}:{tag}")),
                "name": name,
                "readme": "",
                "tag": tag,
                "public": owner == OFFICIAL or self.chance(0.5),
                "status": "built and pushed",
                "created_at": iso_z(created),
                "build_started_at": iso_z(created + timedelta(seconds=12)),
                "build_completed_at": iso_z(created + timedelta(minutes=self.rng.uniform(4, 40))),
                "logo_id": None,
                "patch_version": self.hexstr(32)[:12] if self.chance(0.3) else None,
                "chutes_version": self.rng.choice(CHUTES_VERSIONS),
                "logo": None,
            }
        return dict(self.images[key])

    def image_for(self, template: str | None, owner: str, model: str, llm: LLM | None) -> dict[str, Any]:
        """Standard templates run the official engine images; custom chutes their own."""
        choice = self.rng.choice
        if template == "vllm":
            if llm is not None and llm.owned_by == "sglang":
                return self.image(OFFICIAL, "sglang", choice(("0.5.4", "0.5.6")))
            return self.image(OFFICIAL, "vllm", choice(("0.11.2", "0.12.0", "0.13.1")))
        if template == "diffusion":
            return self.image(OFFICIAL, "diffusion", choice(("0.35.1", "0.36.0")))
        if template == "tei":
            return self.image(OFFICIAL, "tei", "1.8.2")
        if template == "embedding":
            return self.image(OFFICIAL, "vllm", "0.12.0")
        return self.image(owner, slugify(model) or "app", choice(("latest", "0.1.3", "0.2.0")))

    # -- hardware and price ----------------------------------------------------------------
    def hardware(self, need_gb: float, tee: bool) -> tuple[int, int, list[str], float]:
        """(gpu_count, min_vram_gb_per_gpu, supported_gpus, usd_per_hour) for a memory need."""
        options = sorted(
            ((c * t, c, t) for c in GPU_COUNTS for t in VRAM_TIERS if c * t >= need_gb),
            key=lambda o: (o[0], o[1]),
        )
        if not options:
            options = [(8 * 288, 8, 288)]
        pick = options[1] if len(options) > 1 and self.chance(0.25) else options[0]
        _, count, tier = pick
        pool = [g for g in (TEE_GPUS if tee else GPUS) if GPUS[g][0] >= tier]
        if not pool:
            pool = [max(TEE_GPUS if tee else GPUS, key=lambda g: GPUS[g][0])]
        keep = [g for g in pool if self.chance(0.7)] or [pool[-1]]
        hourly = count * min(GPUS[g][1] for g in keep)
        return count, tier, keep, hourly

    def llm_prices(self, params: float, suffix: str, tee: bool) -> dict[str, float]:
        """Invented per-1M-token prices: grow with size, $0.02-$3 input, output 2-5x input."""
        base = 0.02 * (max(params, 1.0) / 4) ** 0.6 * self.rng.uniform(0.5, 3.0)
        if suffix == "-turbo":
            base *= 2.5
        if tee:
            base *= 1.1
        digits = self.rng.choice((2, 3, 3, 4))
        inp = round(min(max(base, 0.02), 3.0), digits) or 0.02
        out = round(inp * self.rng.uniform(2.0, 5.0), digits)
        return {"input": inp, "output": out, "cache": inp * (1 - CACHE_DISCOUNT)}

    def price_object(
        self,
        template: str | None,
        hourly: float,
        prices: dict[str, float],
        with_tao: bool,
        with_cache: bool,
        per_request: float | None,
    ) -> dict[str, Any]:
        """`current_estimated_price` shaped per template (`_inject_current_estimated_price`)."""
        price: dict[str, Any] = {}
        if template == "vllm":
            tokens = {"input": money(prices["input"], with_tao), "output": money(prices["output"], with_tao)}
            if with_cache:
                tokens["input_cache_read"] = money(prices["cache"], with_tao)
            price["per_million_tokens"] = tokens
        elif template == "diffusion":
            price["per_step"] = money(hourly * PER_STEP_FACTOR, with_tao)
        elif per_request is not None:
            price["per_request"] = money(per_request, with_tao)
        price["usd"] = {"hour": hourly, "second": hourly / 3600}
        if with_tao:
            price["tao"] = {"hour": hourly / TAO_USD, "second": hourly / TAO_USD / 3600}
        return price

    def instances(self, hot_bias: float, max_n: int) -> list[dict[str, Any]]:
        if self.chance(0.12):
            return []
        out = []
        for _ in range(self.rng.randint(1, max_n)):
            active = self.chance(hot_bias)
            verified = self.chance(0.93 if active else 0.2)
            out.append(
                {
                    "instance_id": self.uuid4(),
                    "region": self.rng.choice(REGIONS),
                    "active": active,
                    "verified": verified,
                    "last_verified_at": iso_z(self.days_ago(0, 3)) if verified else None,
                }
            )
        return out

    # -- LLM details -------------------------------------------------------------------------
    def llm_details(self, name: str, part: str, suffix: str, params: float, vision: bool) -> LLM:
        lower = name.lower()
        if "fp8" in lower:
            quant = "fp8"
        elif part.startswith("gpt-oss"):
            quant = "mxfp4"
        else:
            quant = self.rng.choices(("fp8", "bf16", "fp4", "int4"), (50, 25, 15, 10))[0]
        max_len = self.rng.choices(CONTEXTS, CONTEXT_WEIGHTS)[0]
        if params < 10 and max_len > 262144:
            max_len = 131072
        ctx = max_len if self.chance(0.8) else max(8192, max_len // 2)
        out_len = ctx if self.chance(0.3) else min(ctx, self.rng.choice((8192, 16384, 32768, 65536)))
        reasoning = any(
            k in part
            for k in ("Thinking", "R1", "R2", "reasoning", "Reasoning", "Speciale", "gpt-oss", "Ring")
        ) or self.chance(0.25)
        root_model = name[: -len(suffix)] if suffix else name
        root = {
            "fp8": root_model if "FP8" in root_model else f"{root_model}-FP8",
            "fp4": f"{root_model}-NVFP4",
            "int4": f"{root_model}-AWQ",
        }.get(quant, root_model)
        return LLM(
            params=params,
            vision=vision,
            quantization=quant,
            max_model_len=max_len,
            context_length=ctx,
            max_output_length=out_len,
            reasoning=reasoning,
            tools=self.chance(0.85),
            owned_by="sglang" if self.chance(0.6) else "vllm",
            root=root,
        )
