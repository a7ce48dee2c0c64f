"""A usage pattern to price (`Workload`) and the named workloads the calculator offers (`PRESETS`).

Pure values with their validation; `chutes_data.calc` prices them against the catalog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Workload:
    """A usage pattern.

    input_tokens / output_tokens: tokens of one request (prompt incl. context, completion).
    cache_hit_share: 0..1, the share of the input tokens read from the prompt cache.
    requests_per_day: requests sent per day.
    steps_per_request: diffusion steps per request (per-step models: images are usually 20-50).
    hours_per_day: hours per day an hourly-priced chute is kept running (24 = always on).
    """

    input_tokens: float = 1_000
    output_tokens: float = 400
    cache_hit_share: float = 0.0
    requests_per_day: float = 1_000
    steps_per_request: float = 30
    hours_per_day: float = 24

    def __post_init__(self) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "requests_per_day",
            "steps_per_request",
            "hours_per_day",
        ):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, not {getattr(self, name)!r}")
        share = float(self.cache_hit_share)
        if not (0.0 <= share <= 1.0):
            raise ValueError(f"cache_hit_share must be within 0..1, not {self.cache_hit_share!r}")
        if float(self.hours_per_day) > 24:
            raise ValueError(f"hours_per_day must be at most 24, not {self.hours_per_day!r}")

    def with_(self, **changes: float) -> Workload:
        return replace(self, **changes)


@dataclass(frozen=True)
class Preset:
    """A named workload for the preset pickers (`label` is one short word: pickers bound to the URL
    write it there)."""

    label: str
    workload: Workload
    description: str


# Token shapes per request. Where they come from: common practice for these workloads (a chat
# turn is a short prompt plus history and a few-hundred-token answer; RAG stuffs ~8k tokens of
# retrieved context for a short answer, and the fixed system prompt/documents repeat, so much of
# it is served from the prompt cache; code generation writes long answers; an agent loop resends
# its growing transcript and tool results every step, mostly from cache) and the task presets of
# Veightor/chutes-agent-toolkit `pick_model.py` (input:output weights agentic 75/25, extraction
# 80/20, reasoning 40/60), see /work/shared/reference/peers.md section (b) and "Feature anchors"
# item 9. VT's weights blend the two prices; our agentic preset is more input-heavy (94/6) because
# it counts the resent transcript, and bills most of it at the cache-read price.
PRESETS: dict[str, Preset] = {
    "chat": Preset(
        "Chat",
        Workload(1_000, 400, 0.0, 1_000),
        "A chat turn: ~1,000 tokens in (prompt + recent history), ~400 out.",
    ),
    "rag": Preset(
        "RAG",
        Workload(8_000, 300, 0.6, 500),
        "RAG / long input: ~8,000 tokens of context in, ~300 out; the system "
        "prompt and popular documents repeat, so ~60% of the input hits the cache.",
    ),
    "code": Preset(
        "Code",
        Workload(2_000, 1_500, 0.2, 300),
        "Code generation: ~2,000 tokens of spec/code in, ~1,500 tokens of code out.",
    ),
    "agentic": Preset(
        "Agentic",
        Workload(12_000, 800, 0.7, 300),
        "Agentic tool use: the transcript and tool results (~12,000 tokens) are resent "
        "each step, ~70% from cache; ~800 tokens out (tool calls, reasoning).",
    ),
    "extraction": Preset(
        "Extraction",
        Workload(4_000, 1_000, 0.0, 2_000),
        "Extraction (pull fields out of documents): 80/20 input:output (VT pick_model 'extraction').",
    ),
    "reasoning": Preset(
        "Reasoning",
        Workload(1_000, 1_500, 0.0, 200),
        "Reasoning (hard questions, long thinking): 40/60 input:output (VT pick_model 'reasoning').",
    ),
}
DEFAULT_PRESET = "chat"


def preset(key: str | None) -> Preset:
    """The preset called `key`; the default preset for None or an unknown key."""
    return PRESETS.get(key or DEFAULT_PRESET, PRESETS[DEFAULT_PRESET])
