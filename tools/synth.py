"""Deterministic synthetic Chutes catalog: `GET /chutes/` and `GET /v1/models` payloads.

Why: the dashboard needs a bundled offline sample, and the readers/merge need fixtures that
exercise the real-world quirks (shared names across owners, v1 entries without `chute_id`,
renamed ids, v1-only models, price disagreements, missing optional fields) without shipping
third-party captures. Everything here is invented; only the shapes follow the real API
(see shared reference `chutes-api.md`). Output is a pure function of the arguments: the same
arguments give byte-identical JSON (stdlib `random.Random(seed)`, no clock unless asked).

CLI: `python -m tools.synth --out DIR` writes `chutes.json` and `v1_models.json`.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["SAMPLE_KWARGS", "SAMPLE_NOW", "dump_json", "generate", "hostile", "hostile_strings",
           "main", "write_payloads"]

OFFICIAL = "chutes"
SAMPLE_NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
# The arguments the bundled sample (chutes_data/sample/) is generated with; the CLI defaults.
SAMPLE_KWARGS: dict[str, Any] = {
    "n_chutes": 180, "n_v1": 64, "seed": 7, "v1_without_chute_id": 2, "v1_renamed": 2,
    "v1_only": 2, "price_conflicts": 2, "impostors": 3, "now": SAMPLE_NOW,
}

COMPUTE_UNIT_PRICE_BASIS = 4.5  # USD/hour per compute-multiplier unit (server constant)
TAO_USD = 214.37                 # invented TAO price for this snapshot
CACHE_DISCOUNT = 0.5             # input_cache_read = input * (1 - discount)
_PER_STEP_FACTOR = 0.005         # diffusion: USD per step = hourly * factor

# GPU ref -> (VRAM GB, invented USD/hour). Keys are real short refs of the server's GPU table.
_GPUS: dict[str, tuple[int, float]] = {
    "b300": (288, 4.2), "b200": (192, 3.6), "mi300x": (192, 2.4), "h200": (141, 2.75),
    "pro_6000": (96, 1.6), "h100_sxm": (80, 2.1), "h100": (80, 1.95), "h800": (80, 1.8),
    "a100_sxm": (80, 1.4), "a100": (80, 1.3), "l40s": (48, 0.95), "a6000_ada": (48, 0.85),
    "l40": (48, 0.8), "a6000": (48, 0.7), "a40": (48, 0.55), "5090": (32, 0.6),
    "4090": (24, 0.45), "l4": (24, 0.4), "a10": (24, 0.35), "3090": (24, 0.3),
}
_TEE_GPUS = ("h200", "h100", "b200", "b300")
_VRAM_TIERS = (24, 32, 48, 80, 96, 141, 192, 288)
_GPU_COUNTS = (1, 2, 4, 8)
_REGIONS = ("us-east", "us-central", "us-west", "ca-central", "eu-central", "eu-west",
            "eu-north", "ap-southeast", "ap-northeast", "sa-east")
_CHUTES_VERSIONS = ("0.3.54", "0.3.58", "0.3.61", "0.4.2", "0.4.7", "0.5.1", "0.5.3")
_CONTEXTS = (8192, 16384, 32768, 40960, 65536, 131072, 163840, 202752, 262144, 524288, 1048576)
_CONTEXT_WEIGHTS = (1, 2, 6, 5, 6, 14, 6, 4, 8, 2, 1)
_SAMPLING = ("temperature", "top_p", "top_k", "repetition_penalty", "frequency_penalty",
             "presence_penalty", "stop", "seed")

# (org, series, sizes [(label, params in B)], variants, vision). Combined into invented names.
_LLM_FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, float], ...],
                           tuple[str, ...], bool], ...] = (
    ("deepseek-ai", ("DeepSeek-V3.1", "DeepSeek-V3.2", "DeepSeek-V3.5", "DeepSeek-V4"),
     (("", 671),), ("", "-Terminus", "-Exp", "-0915", "-Speciale"), False),
    ("deepseek-ai", ("DeepSeek-R1", "DeepSeek-R2"),
     (("", 671), ("-Distill-Qwen3-8B", 8), ("-Distill-Llama-70B", 70)), ("", "-0528", "-1120"),
     False),
    ("Qwen", ("Qwen3", "Qwen3.5", "Qwen3.6"),
     (("-4B", 4), ("-8B", 8), ("-14B", 14), ("-32B", 32), ("-30B-A3B", 30), ("-80B-A3B", 80),
      ("-235B-A22B", 235), ("-397B-A17B", 397)),
     ("", "-Instruct-2507", "-Thinking-2507", "-Instruct-2511"), False),
    ("Qwen", ("Qwen3-VL", "Qwen3.5-VL"), (("-8B", 8), ("-32B", 32), ("-235B-A22B", 235)),
     ("-Instruct", "-Thinking"), True),
    ("Qwen", ("Qwen3-Coder", "Qwen3.5-Coder"), (("-30B-A3B", 30), ("-480B-A35B", 480)),
     ("-Instruct", "-Instruct-2512"), False),
    ("zai-org", ("GLM-4.5", "GLM-4.6", "GLM-4.7", "GLM-5", "GLM-5.1"),
     (("", 355), ("-Air", 106)), ("",), False),
    ("zai-org", ("GLM-4.5V", "GLM-4.6V", "GLM-5V"), (("", 106),), ("", "-Flash"), True),
    ("moonshotai", ("Kimi-K2", "Kimi-K2.5", "Kimi-K3"), (("", 1000),),
     ("-Instruct", "-Instruct-0905", "-Thinking", "-Instruct-1201"), False),
    ("unsloth", ("gemma-3", "gemma-3n"), (("-4b", 4), ("-12b", 12), ("-27b", 27)), ("-it",),
     True),
    ("unsloth", ("Mistral-Small-3.2", "Mistral-Small-3.3"), (("-24B", 24),),
     ("-Instruct-2506", "-Instruct-2511"), True),
    ("unsloth", ("Mistral-Nemo",), (("", 12),), ("-Instruct-2407", "-Instruct-2411"), False),
    ("unsloth", ("Llama-3.3", "Llama-3.4"), (("-70B", 70), ("-8B", 8)), ("-Instruct",), False),
    ("google", ("gemma-4",), (("-9B", 9), ("-31B", 31)), ("-it", "-turbo"), True),
    ("meta-llama", ("Llama-4-Scout", "Llama-4-Maverick"), (("-17B-16E", 109), ("-17B-128E", 400)),
     ("-Instruct",), True),
    ("mistralai", ("Devstral-Small-2", "Magistral-Small-1.3"), (("-24B", 24),),
     ("-2512", "-Instruct"), False),
    ("mistralai", ("Mistral-Large-3", "Mistral-Medium-3.2"), (("-123B", 123),),
     ("-Instruct-2512",), False),
    ("openai", ("gpt-oss",), (("-20b", 20), ("-120b", 120)), ("",), False),
    ("NousResearch", ("Hermes-4", "Hermes-4.5"), (("-14B", 14), ("-70B", 70), ("-405B", 405)),
     ("",), False),
    ("MiniMaxAI", ("MiniMax-M2", "MiniMax-M2.1", "MiniMax-M2.5"), (("", 230),), ("",), False),
    ("nvidia", ("Llama-3.3-Nemotron-Super", "Nemotron-3-Super"),
     (("-49B", 49), ("-120B-A12B", 120)),
     ("-v1.5", ""), False),
    ("", ("Nemotron-3-Nano-Omni",), (("-30B", 30),), ("", "-Reasoning"), True),
    ("microsoft", ("Phi-4", "Phi-5"), (("-mini", 4), ("", 14)), ("-instruct", "-reasoning"), False),
    ("tencent", ("Hunyuan-A13B", "Hunyuan-A20B"), (("", 80),), ("-Instruct",), False),
    ("baidu", ("ERNIE-4.5", "ERNIE-5"), (("-21B-A3B", 21), ("-300B-A47B", 300)),
     ("-PT", "-Thinking"), False),
    ("inclusionAI", ("Ling-1T", "Ring-1T", "Ling-flash-2.1"), (("", 1000),), ("",), False),
    ("ByteDance-Seed", ("Seed-OSS-36B", "Seed-OSS-72B"), (("", 36),), ("-Instruct",), False),
    ("stepfun-ai", ("Step-3.5", "Step-4"), (("-Flash", 196), ("", 321)), ("",), True),
)
# Suffix -> weight in the pool order; "-TEE" is the most common suffix on Chutes.
_LLM_SUFFIXES: dict[str, float] = {"-TEE": 2.2, "": 1.5, "-FP8": 0.5, "-turbo": 0.3}
# Models the chutes list never shows (v1_only entries); orgs not used anywhere else.
_V1_ONLY_MODELS = (
    "allenai/Olmo-3.5-32B-Think", "ibm-granite/granite-4.2-h-small", "tngtech/R1T3-Chimera",
    "arcee-ai/Trinity-Large-Preview", "swiss-ai/Apertus-70B-Instruct-2611",
    "LiquidAI/LFM3-24B-A2B", "rednote-hilab/dots.llm3.inst", "XiaomiMiMo/MiMo-V3-Flash",
)
_DIFFUSION_MODELS = (
    "FLUX.1-dev", "FLUX.1-schnell", "FLUX.2-dev", "FLUX.1-Krea-dev", "HiDream-I1-Full",
    "HiDream-I2-Fast", "Qwen/Qwen-Image", "Qwen/Qwen-Image-Edit-2511",
    "stabilityai/stable-diffusion-xl-base-1.0", "SDXL-Lightning-4step", "Lumina-Image-2.1",
    "Chroma1-HD", "Wan2.3-T2I-14B", "PixArt-Sigma-XL-1024", "Juggernaut-XL-v11",
    "Illustrious-XL-v2", "Kolors-v2", "CogView5-6B", "SANA-1.6B-2K", "playground-v3",
)
_TEI_MODELS = (
    "BAAI/bge-large-en-v1.5", "BAAI/bge-m3", "BAAI/bge-reranker-v2-m3",
    "intfloat/multilingual-e5-large-instruct", "mixedbread-ai/mxbai-rerank-large-v2",
    "sentence-transformers/all-mpnet-base-v2", "Snowflake/snowflake-arctic-embed-l-v2.0",
    "nomic-ai/nomic-embed-text-v1.5", "thenlper/gte-large", "jinaai/jina-reranker-v3",
)
_EMBEDDING_MODELS = (
    "Qwen/Qwen3-Embedding-8B", "Qwen/Qwen3-Embedding-4B", "Qwen/Qwen3-Embedding-0.6B",
    "Alibaba-NLP/gte-Qwen3-7B-instruct", "nvidia/llama-embed-nemotron-8b",
    "intfloat/e5-mistral-7b-instruct", "jinaai/jina-embeddings-v4", "google/embeddinggemma-300m",
    "Linq-AI-Research/Linq-Embed-Mistral-2", "BAAI/bge-multilingual-gemma3",
)
_CUSTOM_MODELS = (
    "whisper-large-v3-turbo", "kokoro-82m", "csm-1b", "orpheus-3b-tts", "dia-1.6b",
    "parakeet-tdt-0.6b-v3", "musicgen-large", "mochi-1-video", "Wan2.2-I2V-A14B",
    "HunyuanVideo-1.5", "llama-guard-4-12b", "florence-2-large-ocr", "GOT-OCR-2.1", "moondream3",
    "sam2-hiera-large", "depth-anything-v3", "xtts-v2", "f5-tts", "ace-step-music",
    "docling-pipeline",
)
_COMMUNITY_USERS = (
    "neuralforge", "kiln-labs", "mossbyte", "tensorhound", "ptrlabs", "quietmodel", "subnetsmith",
    "hotkeyhero", "gradientgarden", "latentfox", "bitsandbobs", "opalinference", "rivetai",
    "nightshift-ml", "cobaltcompute", "ferrous", "peachtree-ai", "weightwatcher", "loomwork",
    "sparrowstack", "tidepool", "emberlane", "quantquill", "hexagonal", "driftwood-ai",
    "saltmarsh", "copperkettle", "vantablack-labs", "northwind-ml", "pixelprairie",
)
_FINETUNES = ("abliterated", "roleplay", "uncensored", "sft", "dpo", "merge", "math", "coder-ft",
              "heretic", "distill", "longctx", "lora-merged", "chat", "tools")
_TAGLINES = {
    "vllm": ("Fast {model} inference", "{model}, OpenAI-compatible chat",
             "{model} with tool calling", "Long-context {model}", "{model}: reasoning model",
             "Cheap {model} endpoint"),
    "diffusion": ("{model} text-to-image", "High quality images with {model}",
                  "{model}, fast image generation"),
    "tei": ("{model} embeddings via TEI", "{model} reranking"),
    "embedding": ("{model} embeddings", "Multilingual embeddings: {model}"),
    None: ("{model} as a service", "Custom chute running {model}", "{model} pipeline"),
}


def hostile_strings() -> list[str]:
    """Nasty third-party strings: HTML/JS, CSV formula, markdown, control and unicode tricks.

    Used by tests to prove every page and export escapes upstream text.
    """
    return [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "[click](javascript:alert(1))",
        "long-" + "A" * 9995,
        "\u202egnp.exe",
        "nul\x00byte",
        "\U0001f525\U0001f680 emoji \u6a21\u578b \u2728",
        "'; DROP TABLE chutes;--",
        "{{7*7}}",
        "</textarea><svg onload=alert(1)>",
        "document.title='pwned'",
    ]


# ---------------------------------------------------------------------------- small helpers
def chute_id_for(username: str, name: str) -> str:
    """The server's deterministic chute id (`router.py::_deploy_chute`)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{username}::chute::{name}"))


def _slugify(text: str, max_length: int = 58) -> str | None:
    """ASCII approximation of python-slugify as the server calls it."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-")
    return slug or None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _loose(name: str) -> str:
    """The key a lenient matcher would compare: casefolded, no spaces, '_' as '-'."""
    return re.sub(r"\s+", "", name).casefold().replace("_", "-")


def _logo(logo_id: str | None) -> str | None:
    return f"https://logos.chutes.ai/logos/{logo_id}.webp" if logo_id else None


def _money(usd: float, with_tao: bool, *, tao_first: bool = False) -> dict[str, float]:
    if not with_tao:
        return {"usd": usd}
    tao = usd / TAO_USD
    return {"tao": tao, "usd": usd} if tao_first else {"usd": usd, "tao": tao}


def dump_json(payload: Any) -> str:
    """The exact serialization of the bundled sample (stable bytes for the equality test)."""
    return json.dumps(payload, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- internal records
@dataclass
class _LLM:
    """What the engine/overrides would say about an LLM (only /v1/models shows it)."""

    params: float
    vision: bool
    quantization: str
    max_model_len: int
    context_length: int
    max_output_length: int
    reasoning: bool
    tools: bool
    owned_by: str
    root: str


@dataclass
class _Chute:
    """One generated chute: its API item plus the facts the v1 side needs."""

    item: dict[str, Any]
    template: str | None
    owner: str
    llm: _LLM | None = None
    prices: dict[str, float] = field(default_factory=dict)  # input/output/cache usd per 1M
    with_tao: bool = True
    with_cache: bool = True

    @property
    def name(self) -> str:
        return self.item["name"]

    @property
    def chute_id(self) -> str:
        return self.item["chute_id"]


@dataclass
class _Plan:
    """How many chutes of each kind; validated up front so errors name the argument."""

    official_vllm: int
    no_details: int
    community_vllm: int
    diffusion: int
    tei: int
    embedding: int
    custom: int


def _plan(n_chutes: int, n_v1: int, v1_only: int, impostors: int) -> _Plan:
    matched = n_v1 - v1_only
    no_details = max(2, round(matched * 0.04))
    official_vllm = matched + no_details
    community_min = impostors + max(2, round(n_chutes * 0.05))
    vllm = max(round(n_chutes * 0.5), official_vllm + community_min)
    rest = n_chutes - vllm
    if rest < 4:
        raise ValueError(
            f"n_chutes={n_chutes} is too small for n_v1={n_v1} (needs at least "
            f"{official_vllm + community_min + 4}: the official vllm chutes, community ones and "
            "one chute of each other template)")
    diffusion = max(1, round(rest * 0.30))
    tei = max(1, round(rest * 0.14))
    embedding = max(1, round(rest * 0.16))
    custom = rest - diffusion - tei - embedding
    while custom < 1:  # tiny rests: take from the biggest bucket
        diffusion -= 1
        custom += 1
    return _Plan(official_vllm, no_details, vllm - official_vllm, diffusion, tei, embedding, custom)


# ---------------------------------------------------------------------------- the generator
class _Generator:
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
        for org, series, sizes, variants, vision in _LLM_FAMILIES:
            for s in series:
                for size_label, params in sizes:
                    for variant in variants:
                        model = f"{s}{size_label}{variant}"
                        for suffix, weight in _LLM_SUFFIXES.items():
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
            created = (self.now - timedelta(days=745) if username == OFFICIAL
                       else self.days_ago(30, 700))
            self.users[username] = {
                "username": username,
                "user_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"user::{username}")),
                "logo_id": logo_id,
                "created_at": _iso(created),
                "logo": _logo(logo_id),
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
                "created_at": _iso(created),
                "build_started_at": _iso(created + timedelta(seconds=12)),
                "build_completed_at": _iso(created + timedelta(minutes=self.rng.uniform(4, 40))),
                "logo_id": None,
                "patch_version": self.hexstr(32)[:12] if self.chance(0.3) else None,
                "chutes_version": self.rng.choice(_CHUTES_VERSIONS),
                "logo": None,
            }
        return dict(self.images[key])

    def image_for(self, template: str | None, owner: str, model: str, llm: _LLM | None
                  ) -> dict[str, Any]:
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
        return self.image(owner, _slugify(model) or "app", choice(("latest", "0.1.3", "0.2.0")))

    # -- hardware and price ----------------------------------------------------------------
    def hardware(self, need_gb: float, tee: bool) -> tuple[int, int, list[str], float]:
        """(gpu_count, min_vram_gb_per_gpu, supported_gpus, usd_per_hour) for a memory need."""
        options = sorted(((c * t, c, t) for c in _GPU_COUNTS for t in _VRAM_TIERS
                          if c * t >= need_gb), key=lambda o: (o[0], o[1]))
        if not options:
            options = [(8 * 288, 8, 288)]
        pick = options[1] if len(options) > 1 and self.chance(0.25) else options[0]
        _, count, tier = pick
        pool = [g for g in (_TEE_GPUS if tee else _GPUS) if _GPUS[g][0] >= tier]
        if not pool:
            pool = [max(_TEE_GPUS if tee else _GPUS, key=lambda g: _GPUS[g][0])]
        keep = [g for g in pool if self.chance(0.7)] or [pool[-1]]
        hourly = count * min(_GPUS[g][1] for g in keep)
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

    def price_object(self, template: str | None, hourly: float, prices: dict[str, float],
                     with_tao: bool, with_cache: bool, per_request: float | None
                     ) -> dict[str, Any]:
        """`current_estimated_price` shaped per template (`_inject_current_estimated_price`)."""
        price: dict[str, Any] = {}
        if template == "vllm":
            tokens = {"input": _money(prices["input"], with_tao),
                      "output": _money(prices["output"], with_tao)}
            if with_cache:
                tokens["input_cache_read"] = _money(prices["cache"], with_tao)
            price["per_million_tokens"] = tokens
        elif template == "diffusion":
            price["per_step"] = _money(hourly * _PER_STEP_FACTOR, with_tao)
        elif per_request is not None:
            price["per_request"] = _money(per_request, with_tao)
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
            out.append({
                "instance_id": self.uuid4(),
                "region": self.rng.choice(_REGIONS),
                "active": active,
                "verified": verified,
                "last_verified_at": _iso(self.days_ago(0, 3)) if verified else None,
            })
        return out

    # -- LLM details -------------------------------------------------------------------------
    def llm_details(self, name: str, part: str, suffix: str, params: float, vision: bool) -> _LLM:
        lower = name.lower()
        if "fp8" in lower:
            quant = "fp8"
        elif part.startswith("gpt-oss"):
            quant = "mxfp4"
        else:
            quant = self.rng.choices(("fp8", "bf16", "fp4", "int4"), (50, 25, 15, 10))[0]
        max_len = self.rng.choices(_CONTEXTS, _CONTEXT_WEIGHTS)[0]
        if params < 10 and max_len > 262144:
            max_len = 131072
        ctx = max_len if self.chance(0.8) else max(8192, max_len // 2)
        out_len = (ctx if self.chance(0.3)
                   else min(ctx, self.rng.choice((8192, 16384, 32768, 65536))))
        reasoning = any(k in part for k in ("Thinking", "R1", "R2", "reasoning", "Reasoning",
                                             "Speciale", "gpt-oss", "Ring")) or self.chance(0.25)
        root_model = name[: -len(suffix)] if suffix else name
        root = {"fp8": root_model if "FP8" in root_model else f"{root_model}-FP8",
                "fp4": f"{root_model}-NVFP4", "int4": f"{root_model}-AWQ"}.get(quant, root_model)
        return _LLM(params=params, vision=vision, quantization=quant, max_model_len=max_len,
                    context_length=ctx, max_output_length=out_len, reasoning=reasoning,
                    tools=self.chance(0.85), owned_by="sglang" if self.chance(0.6) else "vllm",
                    root=root)

    # -- one chute ---------------------------------------------------------------------------
    def chute(self, *, owner: str, name: str, template: str | None, public: bool = True,
              llm: _LLM | None = None, suffix: str = "", prices: dict[str, float] | None = None,
              tee: bool | None = None, invocations: int, hot_bias: float, need_gb: float,
              legacy: bool = False, display: str | None = None
              ) -> _Chute:
        """Build a `ChuteResponse` item in the server's field order."""
        rng = self.rng
        is_tee = name.endswith("-TEE") if tee is None else tee
        count, tier, gpus, hourly = self.hardware(need_gb, is_tee)
        cm = round(hourly / COMPUTE_UNIT_PRICE_BASIS, 4)
        hourly = COMPUTE_UNIT_PRICE_BASIS * cm
        with_tao = not self.chance(0.04)
        with_cache = template == "vllm" and not self.chance(0.08)
        per_request = (round(rng.uniform(0.0002, 0.01), 5)
                       if template not in ("vllm", "diffusion") and self.chance(0.4) else None)
        prices = prices or {}
        price = self.price_object(template, hourly, prices, with_tao, with_cache, per_request)

        created = self.days_ago(3, 720)
        updated = created + (self.now - created) * rng.random()
        model = display or name.split("/")[-1]
        tagline = (None if self.chance(0.08) else
                   rng.choice(_TAGLINES[template]).format(model=model))
        readme_lines = [f"# {name}", "", tagline or f"{model} on Chutes.", ""]
        if llm is not None:
            readme_lines.append(f"- Context: {llm.context_length:,} tokens")
        readme_lines.append(f"- Hardware: {count}x {gpus[0]} ({tier} GB)")
        image = self.image_for(template, owner, model, llm)
        logo_id = self.uuid4() if self.chance(0.35) else None
        instances = self.instances(hot_bias, 6 if owner == OFFICIAL else 3)
        boost = rng.choice((1.25, 1.5, 2.0)) if self.chance(0.1) else None
        chute_id = chute_id_for(owner, name)
        item: dict[str, Any] = {
            "chute_id": chute_id,
            "name": name,
            "tagline": tagline,
            "readme": "\n".join(readme_lines) + "\n",
            "public": public,
            "version": str(uuid.uuid5(uuid.NAMESPACE_OID,
                                      f"{image['image_id']}:{image['patch_version']}:{name}")),
            "tool_description": None,
            "slug": _slugify(f"{owner}-{name}"),
            "standard_template": template,
            "cords": None,
            "jobs": [],
            "cord_ref_id": str(uuid.uuid5(uuid.NAMESPACE_OID,
                                          f"cords::{template or chute_id}")),
            "created_at": _iso(created),
            "updated_at": _iso(updated),
            "image": image,
            "user": self.user(owner),
            "supported_gpus": gpus,
            "node_selector": {"gpu_count": count, "min_vram_gb_per_gpu": tier,
                              "compute_multiplier": cm, "supported_gpus": gpus},
            "invocation_count": invocations,
            "current_estimated_price": price,
            "instances": instances,
            "logo_id": logo_id,
            "openrouter": owner == OFFICIAL and template == "vllm" and self.chance(0.4),
            "chutes_version": rng.choice(_CHUTES_VERSIONS),
            "revision": self.hexstr(160) if template is not None or self.chance(0.3) else None,
            "concurrency": {"vllm": rng.choice((8, 16, 32, 64, 128)), "diffusion": 1,
                            "tei": 32, "embedding": 64}.get(template, rng.choice((1, 2, 4, None))),
            "boost": boost,
            "max_instances": None if public else rng.choice((1, 2, 4)),
            "scaling_threshold": None if public else 0.75,
            "shutdown_after_seconds": None if public else 300,
            "preemptible": owner != OFFICIAL and self.chance(0.2),
            "allow_external_egress": template is None and self.chance(0.3),
            "tee": is_tee,
            "effective_compute_multiplier": round(
                cm * (boost or 1.0) * (1.1 if is_tee else 1.0), 4),
            "compute_multiplier_factors": ({"base": cm, "tee": 1.1} if is_tee else {"base": cm}),
            "bounty": rng.choice((50, 100, 250)) if not instances and self.chance(0.3) else None,
            "logo": _logo(logo_id),
            "hot": any(i["active"] and i["verified"] for i in instances),
        }
        if legacy:  # an older/cached response: fields added 2025-12..2026-02 are absent
            for key in ("tee", "allow_external_egress", "effective_compute_multiplier",
                        "compute_multiplier_factors", "bounty"):
                del item[key]
        return _Chute(item=item, template=template, owner=owner, llm=llm, prices=prices,
                      with_tao=with_tao, with_cache=with_cache)

    # -- v1 entries --------------------------------------------------------------------------
    def v1_entry(self, c: _Chute, *, created: int, overrides: bool, price_factor: float = 1.0
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
        price = {"input": _money(inp, c.with_tao, tao_first=True),
                 "output": _money(out, c.with_tao, tao_first=True)}
        pricing: dict[str, float] = {"completion": out, "prompt": inp}
        if c.with_cache:
            price["input_cache_read"] = _money(cache, c.with_tao, tao_first=True)
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
            entry["permission"] = [{
                "allow_create_engine": False, "allow_fine_tuning": False, "allow_logprobs": True,
                "allow_sampling": True, "allow_search_indices": False, "allow_view": True,
                "created": created, "group": None, "id": f"modelperm-{self.hexstr(64)}",
                "is_blocking": False, "object": "model_permission", "organization": "*",
            }]
        if overrides:
            features = ["json_mode"]
            if llm.tools:
                features.append("tools")
            features.append("structured_outputs")
            if llm.reasoning:
                features.append("reasoning")
            entry.update({
                "quantization": llm.quantization,
                "context_length": llm.context_length,
                "max_output_length": llm.max_output_length,
                "input_modalities": ["text", "image"] if llm.vision else ["text"],
                "output_modalities": ["text"],
                "supported_features": features,
                "supported_sampling_parameters": list(
                    _SAMPLING if self.chance(0.85) else _SAMPLING[:5]),
            })
        return dict(sorted(entry.items()))


def _rename(name: str, method: int) -> str | None:
    """A v1 id a lenient matcher should still pair with `name` (None if not applicable)."""
    kind = method % 4
    if kind == 0:  # case change
        lowered = name.lower()
        return lowered if lowered != name else name.upper()
    if kind == 1:  # the -TEE suffix dropped
        return name[:-4] if name.endswith("-TEE") else None
    if kind == 2:  # an extra space
        return name.replace("/", "/ ", 1) if "/" in name else name + " "
    return name.replace("-", "_") if "-" in name else None  # "_" vs "-"


def generate(n_chutes: int = 180, n_v1: int = 64, *, seed: int = 7, v1_without_chute_id: int = 0,
             v1_renamed: int = 0, v1_only: int = 2, price_conflicts: int = 2, impostors: int = 3,
             now: datetime | None = None) -> tuple[dict, dict]:
    """Build `(chutes_payload, v1_payload)` in the real API shapes.

    `n_v1` counts every v1 entry, the `v1_only` ones included. The special v1 subsets
    (`price_conflicts`, `v1_without_chute_id`, `v1_renamed`) are disjoint. `now` defaults to
    `SAMPLE_NOW`, so the output depends on the arguments only.
    """
    for label, value in (("n_chutes", n_chutes), ("n_v1", n_v1), ("v1_without_chute_id",
                         v1_without_chute_id), ("v1_renamed", v1_renamed), ("v1_only", v1_only),
                         ("price_conflicts", price_conflicts), ("impostors", impostors)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    if v1_only > n_v1:
        raise ValueError(f"v1_only={v1_only} exceeds n_v1={n_v1}")
    matched_n = n_v1 - v1_only
    if price_conflicts + v1_without_chute_id + v1_renamed > matched_n:
        raise ValueError("price_conflicts + v1_without_chute_id + v1_renamed exceeds the "
                         f"{matched_n} v1 entries that match a chute")
    if impostors and not matched_n:
        raise ValueError("impostors need at least one official v1-listed chute to copy")
    plan = _plan(n_chutes, n_v1, v1_only, impostors)
    g = _Generator(seed, now or SAMPLE_NOW)
    rng = g.rng
    chutes: list[_Chute] = []

    # Official vllm chutes: the only ones /v1/models can list.
    pool = g.llm_pool()
    official_llms: list[_Chute] = []
    for _ in range(plan.official_vllm):
        name, part, suffix, params, vision = next(pool)
        name = g.claim(OFFICIAL, name)
        llm = g.llm_details(name, part, suffix, params, vision)
        bytes_per_param = {"fp8": 1.0, "bf16": 2.0, "fp4": 0.55, "int4": 0.6, "mxfp4": 0.55}
        need = params * bytes_per_param[llm.quantization] * 1.2 + 6
        c = g.chute(owner=OFFICIAL, name=name, template="vllm", llm=llm, suffix=suffix,
                    prices=g.llm_prices(params, suffix, name.endswith("-TEE")),
                    invocations=g.log_int(3, 7.4), hot_bias=0.85, need_gb=need,
                    legacy=g.chance(0.03), display=part)
        official_llms.append(c)
    detail_idx = sorted(rng.sample(range(len(official_llms)), matched_n))
    matched = [official_llms[i] for i in detail_idx]
    chutes.extend(official_llms)

    # Community users; more of them for big catalogs so names stay varied.
    n_community = n_chutes - plan.official_vllm
    users = list(_COMMUNITY_USERS)
    for k in range(max(0, n_community // 15 - len(users))):
        base, rnd = _COMMUNITY_USERS[k % len(_COMMUNITY_USERS)], k // len(_COMMUNITY_USERS)
        users.append(f"{base}{rnd + 2}")

    # Impostors: community chutes named exactly like an official v1-listed LLM.
    targets = rng.sample(matched, min(impostors, len(matched)))
    for k in range(impostors):
        target = targets[k % len(targets)]
        owner = next(u for u in rng.sample(users, len(users))
                     if (u, target.name) not in g.used)
        g.claim(owner, target.name)
        factor = rng.choice((0.5, 0.7, 1.4, 2.0))
        inp = round(target.prices["input"] * factor, 4)
        prices = {"input": inp, "output": round(target.prices["output"] * factor, 4),
                  "cache": inp * (1 - CACHE_DISCOUNT)}
        assert target.llm is not None
        c = g.chute(owner=owner, name=target.name, template="vllm", prices=prices, tee=False,
                    invocations=g.log_int(0, 4), hot_bias=0.6, need_gb=target.llm.params + 6,
                    display=target.name.split("/")[-1])
        chutes.append(c)

    # Other community vllm chutes: fine-tunes under the user's own namespace.
    for _ in range(plan.community_vllm - impostors):
        _, part, _suffix, params, _ = next(pool)
        owner = rng.choice(users)
        name = g.claim(owner, f"{owner}/{part}-{rng.choice(_FINETUNES)}")
        chutes.append(g.chute(owner=owner, name=name, template="vllm",
                              prices=g.llm_prices(params, "", False), tee=False,
                              invocations=g.log_int(0, 5), hot_bias=0.55,
                              need_gb=params * 2 + 6, public=not g.chance(0.03), display=part))

    # Non-LLM templates: official and community mixed.
    kinds: tuple[tuple[str | None, int, Sequence[str], float, tuple[float, float]], ...] = (
        ("diffusion", plan.diffusion, _DIFFUSION_MODELS, 0.6, (20, 40)),
        ("tei", plan.tei, _TEI_MODELS, 0.6, (4, 20)),
        ("embedding", plan.embedding, _EMBEDDING_MODELS, 0.6, (4, 30)),
        (None, plan.custom, _CUSTOM_MODELS, 0.25, (8, 70)),
    )
    custom: list[_Chute] = []
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
            c = g.chute(owner=owner, name=name, template=template, tee=False,
                        invocations=g.log_int(1 if owner != OFFICIAL else 2, 6.5),
                        hot_bias=0.75, need_gb=rng.uniform(low_gb, high_gb),
                        public=owner == OFFICIAL or not g.chance(0.03), legacy=g.chance(0.03))
            chutes.append(c)
            if template is None:
                custom.append(c)
    # A few custom chutes have no price at all (no hourly estimate).
    for c in custom[: min(len(custom), max(2, len(custom) // 50))]:
        c.item["current_estimated_price"] = None

    chutes.sort(key=lambda c: -c.item["invocation_count"])
    items = [c.item for c in chutes]
    chutes_payload = {"total": len(items), "page": 0, "limit": len(items), "items": items,
                      "cord_refs": {}}
    v1_payload = {"object": "list",
                  "data": _v1_data(g, matched, chutes, targets, v1_only=v1_only,
                                   price_conflicts=price_conflicts,
                                   without_chute_id=v1_without_chute_id, renamed=v1_renamed)}
    return chutes_payload, v1_payload


def _v1_data(g: _Generator, matched: list[_Chute], chutes: list[_Chute], targets: list[_Chute],
             *, v1_only: int, price_conflicts: int, without_chute_id: int, renamed: int
             ) -> list[dict[str, Any]]:
    """The v1 list: one entry per matched chute (with the requested defects) + v1-only ones,
    ordered by invocation count like the server."""
    rng = g.rng
    order = rng.sample(matched, len(matched))
    taken: set[str] = set()

    def take(candidates: list[_Chute], n: int) -> list[_Chute]:
        out = [c for c in candidates if c.chute_id not in taken][:n]
        taken.update(c.chute_id for c in out)
        return out

    target_ids = {t.chute_id for t in targets}
    conflicts = take(order, price_conflicts)
    # Half of the id-less entries share their name with an impostor: the merge must pick the
    # official chute, not the community one.
    n_imp = min((without_chute_id + 1) // 2, len(target_ids))
    no_id = take([c for c in order if c.chute_id in target_ids], n_imp)
    no_id += take([c for c in order if c.chute_id not in target_ids], without_chute_id - len(no_id))

    loose_index: dict[str, set[str]] = {}
    for c in chutes:
        loose_index.setdefault(_loose(c.name), set()).add(c.chute_id)
    renames: dict[str, str] = {}
    method = 0
    for c in order:
        if len(renames) >= renamed:
            break
        if c.chute_id in taken or c.chute_id in target_ids:
            continue
        for attempt in range(4):
            new = _rename(c.name, method + attempt)
            if new and new != c.name and loose_index.get(_loose(new), set()) <= {c.chute_id}:
                renames[c.chute_id] = new
                taken.add(c.chute_id)
                method += 1
                break
    if len(renames) < renamed:
        raise ValueError(f"only {len(renames)} chutes can get an unambiguous renamed v1 id; "
                         f"v1_renamed={renamed}")

    n_bare = min(len(matched), max(3, round((len(matched) + v1_only) * 0.04)))
    bare = {c.chute_id for c in rng.sample(matched, n_bare)}
    conflict_ids = {c.chute_id for c in conflicts}
    no_id_ids = {c.chute_id for c in no_id}
    now_ts = int(g.now.timestamp())
    refresh = now_ts - rng.randint(60, 540)

    rows: list[tuple[int, dict[str, Any]]] = []
    for c in matched:
        created = refresh if c.item["hot"] else now_ts - rng.randint(1, 30) * 86400
        factor = rng.choice((0.8, 0.75, 1.25)) if c.chute_id in conflict_ids else 1.0
        entry = g.v1_entry(c, created=created, overrides=c.chute_id not in bare,
                           price_factor=factor)
        if c.chute_id in no_id_ids or c.chute_id in renames:
            del entry["chute_id"]
        if c.chute_id in renames:
            entry["id"] = renames[c.chute_id]
        rows.append((c.item["invocation_count"], entry))

    names = {_loose(c.name) for c in chutes}
    only_pool = g.cycle_names([f"{m}-TEE" if i % 2 == 0 else m
                               for i, m in enumerate(_V1_ONLY_MODELS)])
    for _ in range(v1_only):
        name = next(n for n in only_pool if _loose(n) not in names)
        part = name.split("/")[-1]
        suffix = "-TEE" if name.endswith("-TEE") else ""
        params = float(rng.choice((24, 32, 70, 120, 235)))
        llm = g.llm_details(name, part, suffix, params, False)
        ghost = _Chute(item={"chute_id": chute_id_for(OFFICIAL, name), "name": name, "hot": True},
                       template="vllm", owner=OFFICIAL, llm=llm,
                       prices=g.llm_prices(params, suffix, suffix == "-TEE"))
        rows.append((g.log_int(2, 6), g.v1_entry(ghost, created=refresh, overrides=True)))
    rows.sort(key=lambda r: -r[0])
    return [entry for _, entry in rows]


# ---------------------------------------------------------------------------- hostile variant
def hostile(chutes_payload: dict, v1_payload: dict, n: int = 20) -> tuple[dict, dict]:
    """Deep copies where the first `n` chutes (plus the first 3 community chutes after them,
    so owners get hit too) carry hostile names, taglines, readmes and (for community chutes)
    owners; v1 entries of those official chutes follow the new names.

    Shapes stay valid and ids stay consistent (`chute_id` recomputed with the uuid5 rule),
    so the whole pipeline runs on it and only escaping is under test.
    """
    chutes = copy.deepcopy(chutes_payload)
    v1 = copy.deepcopy(v1_payload)
    strings = hostile_strings()
    size = len(strings)
    by_chute_id = {e.get("chute_id"): e for e in v1.get("data", []) if e.get("chute_id")}
    by_name: dict[str, list[dict]] = {}
    for entry in v1.get("data", []):
        if "chute_id" not in entry:
            by_name.setdefault(entry["id"], []).append(entry)
    items = chutes.get("items", [])
    extra = [item for item in items[n:] if item["user"]["username"] != OFFICIAL][:3]
    for i, item in enumerate(items[:n] + extra):
        s = strings[i % size]
        old_name, old_id = item["name"], item["chute_id"]
        new_name = s if i < size else f"{s} {i}"
        owner = item["user"]["username"]
        if owner != OFFICIAL:
            owner = strings[(i + 7) % size]
            item["user"]["username"] = owner
        item["name"] = new_name
        item["chute_id"] = chute_id_for(owner, new_name)
        item["slug"] = _slugify(f"{owner}-{new_name}")
        item["tagline"] = strings[(i + 3) % size]
        item["readme"] = (f"# {s}\n\n{strings[(i + 5) % size]}\n\n"
                          "[click](javascript:alert(1)) <script>alert(1)</script>\n")
        if owner != OFFICIAL:
            continue
        entry = by_chute_id.get(old_id)
        if entry is not None:
            entry["chute_id"], entry["id"] = item["chute_id"], new_name
        # id-less entries: exact names follow exactly, renamed ones keep a (trailing-space) twist
        for entry in by_name.get(old_name, []):
            entry["id"] = new_name
        for variant in {_rename(old_name, k) for k in range(4)} - {None, old_name}:
            for entry in by_name.get(variant, []):  # type: ignore[arg-type]
                entry["id"] = f"{new_name} "
    return chutes, v1


# ---------------------------------------------------------------------------- CLI
def write_payloads(out: Path, chutes_payload: dict, v1_payload: dict) -> list[Path]:
    """Write `chutes.json` and `v1_models.json` into `out` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "chutes.json", out / "v1_models.json"]
    for path, payload in zip(paths, (chutes_payload, v1_payload), strict=True):
        path.write_text(dump_json(payload), encoding="utf-8")
    return paths


def _parse_now(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    d = SAMPLE_KWARGS
    parser = argparse.ArgumentParser(
        prog="python -m tools.synth",
        description="Write a synthetic /chutes/ + /v1/models catalog "
                    "(defaults: the bundled sample).")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--chutes", type=int, default=d["n_chutes"], help="number of chutes")
    parser.add_argument("--v1", type=int, default=d["n_v1"], help="number of /v1/models entries")
    parser.add_argument("--seed", type=int, default=d["seed"])
    parser.add_argument("--v1-without-chute-id", type=int, default=d["v1_without_chute_id"])
    parser.add_argument("--v1-renamed", type=int, default=d["v1_renamed"])
    parser.add_argument("--v1-only", type=int, default=d["v1_only"])
    parser.add_argument("--price-conflicts", type=int, default=d["price_conflicts"])
    parser.add_argument("--impostors", type=int, default=d["impostors"])
    parser.add_argument("--now", type=_parse_now, default=d["now"],
                        help="snapshot time, ISO 8601 (default %(default)s)")
    parser.add_argument("--hostile", action="store_true",
                        help="inject hostile strings into the first 20 chutes")
    args = parser.parse_args(argv)
    try:
        chutes_payload, v1_payload = generate(
            args.chutes, args.v1, seed=args.seed, v1_without_chute_id=args.v1_without_chute_id,
            v1_renamed=args.v1_renamed, v1_only=args.v1_only,
            price_conflicts=args.price_conflicts, impostors=args.impostors, now=args.now)
    except ValueError as exc:
        parser.error(str(exc))
    if args.hostile:
        chutes_payload, v1_payload = hostile(chutes_payload, v1_payload)
    for path in write_payloads(args.out, chutes_payload, v1_payload):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    from .synth_telemetry import generate_telemetry, write_telemetry  # issue 11

    bodies = generate_telemetry(chutes_payload, seed=args.seed, now=args.now)
    for path in write_telemetry(args.out, bodies):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
