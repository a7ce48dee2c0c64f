""" "Test now": one short streamed chat completion, timed, to measure a model yourself.

Only ever on an explicit request (a button click, `python -m chutes_data probe MODEL`), because
it needs the API key, is billed, counts against the quota, shows up in the platform's stats, and
a probe of a cold chute creates a cold-start bounty (shared reference chutes-telemetry.md §3).

    POST CHUTES_LLM_BASE_URL/v1/chat/completions   Authorization: Bearer <key>
    {"model", "messages": [one short user message], "stream": true, "max_tokens": 64, ...}

Measured on the client's clock (monotonic):
* `ttft_s`: request sent -> the first chunk whose delta has non-empty `content`,
  `reasoning_content` or `reasoning` (includes edge and API overhead, unlike the platform's
  `average_ttft`);
* `tps`: `usage.completion_tokens` of the final chunk ÷ (last token - first token), i.e. decode
  speed like the platform's `average_tps` (the number of content chunks when no usage comes);
* `total_s`: request sent -> end of stream.
Outcomes: ok, cold (503: no instances yet), full (JSON 429: every instance at capacity),
rate_limited (HTML 429 from the edge: you are sending too much), bad_key (401/403), billing
(402), not_found (404), timeout (CHUTES_PROBE_TIMEOUT, default 60 s: streams have no server-side
timeout), no_key (nothing sent), error (anything else, including a mid-stream error line).
Redirects are not followed (the key must not travel elsewhere); messages never contain the key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .config import Settings
from .errors import ConfigError
from .textsafe import clean
from .urls import redact, require_url

DEFAULT_PROMPT = "In one sentence, what is a GPU?"
DEFAULT_MAX_TOKENS = 64
USER_AGENT = "chutes-model-explorer/1.0 (probe)"
OUTCOME_TEXT = {
    "ok": "Measured.",
    "cold": "The model is cold: no instance is up yet (503). Chutes starts one on demand; try "
    "again in a few minutes.",
    "full": "The model is at capacity: every instance is busy (429). Try again shortly.",
    "rate_limited": "You are being rate-limited by Chutes' edge (429). Wait a minute before trying again.",
    "bad_key": "The API key was rejected (401/403). Check CHUTES_API_KEY.",
    "billing": "The account cannot pay for this request (402): quota or balance.",
    "not_found": "Chutes does not know this model id (404).",
    "timeout": "No complete answer within the probe timeout.",
    "no_key": "Set CHUTES_API_KEY to measure a model yourself; nothing was sent.",
    "error": "The request failed.",
}


@dataclass(frozen=True)
class ProbeResult:
    """One measurement. Times in seconds (None when not reached)."""

    model: str
    outcome: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    chute_id: str | None = None
    status: int | None = None
    ttft_s: float | None = None
    tps: float | None = None
    total_s: float | None = None
    output_tokens: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return data


def request_body(model: str, prompt: str, max_tokens: int) -> dict:
    """What is sent (also shown to the user before they click)."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "max_tokens": int(max_tokens),
        "temperature": 0,
        "stream_options": {"include_usage": True},
    }


def _text(delta: Any) -> str:
    if not isinstance(delta, dict):
        return ""
    for key in ("content", "reasoning_content", "reasoning"):
        value = delta.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _detail(body: bytes) -> tuple[str, bool]:
    """(a short reason, whether the body was JSON) from an error response."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "", False
    detail = doc.get("detail") if isinstance(doc, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("message") or json.dumps(detail)[:200]
    if detail is None and isinstance(doc, dict):
        detail = doc.get("message")
    return " ".join(clean(str(detail or ""), limit=200).split()), True


def _failure(status: int, body: bytes) -> tuple[str, str]:
    detail, is_json = _detail(body)
    if status == 503:
        outcome = "cold"
    elif status == 429:
        # JSON: the API says every instance is full; HTML: the edge (nginx) limits *you*
        outcome = "full" if is_json and "free models limit" not in detail.lower() else "rate_limited"
    elif status in (401, 403):
        outcome = "bad_key"
    elif status == 402:
        outcome = "billing"
    elif status == 404:
        outcome = "not_found"
    else:
        outcome = "error"
    text = OUTCOME_TEXT[outcome] if outcome != "error" else f"The request failed (HTTP {status})."
    return outcome, f"{text} Server said: {detail}" if detail else text


def probe(
    settings: Settings,
    model: str,
    *,
    prompt: str = DEFAULT_PROMPT,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    chute_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> ProbeResult:
    """Send one streamed chat completion and time it. Never raises for an upstream problem:
    every failure is a ProbeResult with an outcome and a message."""
    model = str(model).strip()
    base: dict[str, Any] = {"model": model, "chute_id": chute_id}
    if not settings.api_key:
        return ProbeResult(**base, outcome="no_key", message=OUTCOME_TEXT["no_key"])
    try:
        url = require_url("CHUTES_LLM_BASE_URL", settings.llm_base_url)
    except ConfigError as exc:
        return ProbeResult(**base, outcome="error", message=str(exc))
    timeout = settings.probe_timeout
    headers = {
        "Authorization": f"Bearer {settings.api_key}",
        "User-Agent": USER_AGENT,
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
    }
    start = clock()
    deadline = start + timeout
    first = last = None
    chunks = 0
    usage_tokens: int | None = None
    status: int | None = None
    try:
        with (
            httpx.Client(
                base_url=url, timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport
            ) as client,
            client.stream(
                "POST", "/v1/chat/completions", headers=headers, json=request_body(model, prompt, max_tokens)
            ) as response,
        ):
            status = response.status_code
            if status != 200:
                body = response.read()[:4096]
                outcome, message = _failure(status, body)
                return ProbeResult(
                    **base,
                    outcome=outcome,
                    status=status,
                    total_s=clock() - start,
                    message=redact(message, settings.api_key),
                )
            for line in response.iter_lines():
                if clock() > deadline:
                    raise httpx.ReadTimeout("probe deadline")
                line = line.strip()
                if not line:
                    continue
                payload = line[5:].strip() if line.startswith("data:") else line
                if payload == "[DONE]":
                    break
                try:
                    doc = json.loads(payload)
                except ValueError:
                    continue  # an SSE comment or event line
                if not isinstance(doc, dict):
                    continue
                if "error" in doc and not doc.get("choices"):
                    reason = " ".join(clean(str(doc["error"]), limit=200).split())
                    return ProbeResult(
                        **base,
                        outcome="error",
                        status=status,
                        ttft_s=None if first is None else first - start,
                        total_s=clock() - start,
                        message=redact(f"The stream broke off: {reason}", settings.api_key),
                    )
                usage = doc.get("usage")
                if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                    usage_tokens = usage["completion_tokens"]
                for choice in doc.get("choices") or []:
                    if isinstance(choice, dict) and _text(choice.get("delta")):
                        now = clock()
                        first = now if first is None else first
                        last = now
                        chunks += 1
            end = clock()
    except httpx.TimeoutException:
        return ProbeResult(
            **base,
            outcome="timeout",
            status=status,
            ttft_s=None if first is None else first - start,
            total_s=clock() - start,
            message=f"{OUTCOME_TEXT['timeout']} ({timeout:g} s)",
        )
    except httpx.HTTPError as exc:
        reason = redact(" ".join(clean(str(exc), limit=200).split()), settings.api_key)
        return ProbeResult(
            **base,
            outcome="error",
            status=status,
            message=f"Cannot reach {httpx.URL(url).host} ({type(exc).__name__}: "
            f"{reason or 'connection failed'})",
        )
    if first is None:
        return ProbeResult(
            **base,
            outcome="error",
            status=status,
            total_s=end - start,
            message="The stream ended without any text.",
        )
    tokens = usage_tokens if usage_tokens is not None else chunks
    decode = (last or first) - first
    tps = tokens / decode if decode > 0 and tokens > 1 else None
    note = "" if usage_tokens is not None else " (no usage reported: tokens counted as chunks)"
    return ProbeResult(
        **base,
        outcome="ok",
        status=status,
        ttft_s=first - start,
        tps=tps,
        total_s=end - start,
        output_tokens=tokens,
        message=OUTCOME_TEXT["ok"] + note,
    )
