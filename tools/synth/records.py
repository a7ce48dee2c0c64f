"""Small helpers and the internal records of one generated catalog."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .tables import TAO_USD


# ---------------------------------------------------------------------------- small helpers
def chute_id_for(username: str, name: str) -> str:
    """The server's deterministic chute id (`router.py::_deploy_chute`)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{username}::chute::{name}"))


def slugify(text: str, max_length: int = 58) -> str | None:
    """ASCII approximation of python-slugify as the server calls it."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-")
    return slug or None


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def loose(name: str) -> str:
    """The key a lenient matcher would compare: casefolded, no spaces, '_' as '-'."""
    return re.sub(r"\s+", "", name).casefold().replace("_", "-")


def logo_url(logo_id: str | None) -> str | None:
    return f"https://logos.chutes.ai/logos/{logo_id}.webp" if logo_id else None


def money(usd: float, with_tao: bool, *, tao_first: bool = False) -> dict[str, float]:
    if not with_tao:
        return {"usd": usd}
    tao = usd / TAO_USD
    return {"tao": tao, "usd": usd} if tao_first else {"usd": usd, "tao": tao}


def dump_json(payload: Any) -> str:
    """The exact serialization of the bundled sample (stable bytes for the equality test)."""
    return json.dumps(payload, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- internal records
@dataclass
class LLM:
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
class Chute:
    """One generated chute: its API item plus the facts the v1 side needs."""

    item: dict[str, Any]
    template: str | None
    owner: str
    llm: LLM | None = None
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
class Plan:
    """How many chutes of each kind; validated up front so errors name the argument."""

    official_vllm: int
    no_details: int
    community_vllm: int
    diffusion: int
    tei: int
    embedding: int
    custom: int


def make_plan(n_chutes: int, n_v1: int, v1_only: int, impostors: int) -> Plan:
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
            "one chute of each other template)"
        )
    diffusion = max(1, round(rest * 0.30))
    tei = max(1, round(rest * 0.14))
    embedding = max(1, round(rest * 0.16))
    custom = rest - diffusion - tei - embedding
    while custom < 1:  # tiny rests: take from the biggest bucket
        diffusion -= 1
        custom += 1
    return Plan(official_vllm, no_details, vllm - official_vllm, diffusion, tei, embedding, custom)
