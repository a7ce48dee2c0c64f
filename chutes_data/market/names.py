"""How two catalogs' names for one model are compared: the keys, the org rule and the guards.

Providers spell the same weights differently (`zai-org/GLM-5.1-TEE`, `z-ai/glm-5.1`,
`accounts/fireworks/models/glm-5p1`, `qwen/qwen3-32b-fp8`); see shared reference `models-dev.md`
§4. The *loose key* of a name is its last path segment, casefolded, with fireworks' `5p1` read as
`5.1`, a trailing `-TEE` (the platform's TEE twin, as in the catalog merge's `normalized_name`) and
trailing quantization tags removed. A wrong match is worse than none, so two guards refuse
pairs whatever their score: different number-bearing tokens (sizes and versions: `32B`/`30B`,
`K2`/`K2.5`; the catalog merge's `version_tokens`) and different qualifier words (`-Exp`,
`-Thinking`, `-Turbo`, ...). The org rule refuses a loose match whose org is a different lab
(`pearl-ai/gemma-4-31b-it` is not Google's model).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..merge.fuzzy import FUZZY_PROCESSOR, FUZZY_SCORER, version_tokens
from ..merge.match import normalized_name

__all__ = [
    "FUZZY_PROCESSOR",
    "FUZZY_SCORER",
    "guard",
    "hf_key",
    "lab",
    "loose_key",
    "org_allowed",
    "org_of",
    "strip_tee",
]

_QUANT_TAGS = ("fp8", "nvfp4", "fp4", "bf16", "fp16", "int4", "int8", "mxfp4", "awq", "gptq", "dynamic")
_QUANT_SUFFIX = re.compile(r"(?:[-_.](?:" + "|".join(_QUANT_TAGS) + r"))+$")
_P_FOR_DOT = re.compile(r"(?<=\d)p(?=\d)")
_WORD = re.compile(r"[a-z]+")
# Words whose absence on one side does not make it another model (a publisher prefix).
_IGNORABLE_WORDS = frozenset({"meta", "hf"})

# Labs under several org slugs (Hugging Face org, OpenRouter author, models.dev lab folder).
_LAB_ALIASES = {
    "z-ai": "zai-org",
    "zhipuai": "zai-org",
    "thudm": "zai-org",
    "deepseek": "deepseek-ai",
    "alibaba": "qwen",
    "mistral": "mistralai",
    "minimax": "minimaxai",
    "xiaomi": "xiaomimimo",
    "meta": "meta-llama",
    "moonshot": "moonshotai",
}
# Orgs that re-upload or quantize other labs' weights: they say nothing about whose model it is.
_REPACKAGERS = frozenset(
    {"unsloth", "nvidia", "atlascloud", "redhatai", "neuralmagic", "bartowski", "thebloke", "casperhansen"}
)
# Provider namespaces rather than orgs (fireworks' `accounts/fireworks/models/<name>`).
_NAMESPACES = ("accounts/",)


def hf_key(name: str) -> str:
    """A Hugging Face repo id compared case-insensitively (`Qwen/Qwen3-32B` == `qwen/qwen3-32b`)."""
    return name.strip().casefold()


def loose_key(name: str) -> str:
    """`accounts/fireworks/models/glm-5p1` -> `glm-5.1`; `Qwen/Qwen3-32B-FP8` -> `qwen3-32b`; an
    OpenRouter `:free` twin keys like its paid model (other `:variants` stay apart)."""
    segment = name.strip().rsplit("/", 1)[-1].removesuffix(":free")
    key = normalized_name(_P_FOR_DOT.sub(".", segment.casefold()))
    stripped = _QUANT_SUFFIX.sub("", key)
    key = stripped or key
    return normalized_name(key)


def org_of(name: str) -> str | None:
    """The org of `org/name` (casefolded), None for a bare name or a provider namespace."""
    text = name.strip().casefold()
    if "/" not in text or text.startswith(_NAMESPACES):
        return None
    return text.split("/", 1)[0]


def lab(org: str | None) -> str | None:
    """The lab an org slug stands for (`z-ai` -> `zai-org`); None for repackagers and no org."""
    if org is None or org in _REPACKAGERS:
        return None
    return _LAB_ALIASES.get(org, org)


def org_allowed(chutes_names: Iterable[str], offer_name: str) -> bool:
    """True unless the offer names a lab and the Chutes model's names name only other labs.

    Repackagers (`unsloth`, `nvidia`, ...) and namespaces say nothing, so they never refuse."""
    offer_lab = lab(org_of(offer_name))
    ours = {lab(org_of(n)) for n in chutes_names} - {None}
    return offer_lab is None or not ours or offer_lab in ours


def _words(name: str) -> Counter[str]:
    """Letter-only words of a loose key, minus ignorable ones (`qwen3-32b-thinking` -> {thinking})."""
    tokens = re.split(r"[^a-z0-9.]+", name)
    return Counter(t for t in tokens if _WORD.fullmatch(t) and t not in _IGNORABLE_WORDS)


def guard(ours: str, theirs: str) -> str | None:
    """Why two loose keys are different models (None when no guard objects).

    Number-bearing tokens must agree as multisets (sizes, versions, dates) and so must the
    letter-only words (`exp`, `thinking`, `instruct`, `turbo`, `air`, ...)."""
    a = Counter(t.casefold() for t in version_tokens(ours))
    b = Counter(t.casefold() for t in version_tokens(theirs))
    if a != b:
        return f"version tokens differ: {_show(a - b)} vs {_show(b - a)}"
    wa, wb = _words(ours), _words(theirs)
    if wa != wb:
        return f"qualifier words differ: {_show(wa - wb)} vs {_show(wb - wa)}"
    return None


def _show(tokens: Counter[str]) -> str:
    return " ".join(sorted(tokens.elements())) or "(none)"


def strip_tee(name: str) -> str:
    """`zai-org/GLM-5.1-TEE` -> `zai-org/GLM-5.1` (case kept): the repo a TEE twin serves."""
    text = name.strip()
    return text[: -len("-TEE")] if text.casefold().endswith("-tee") else text
