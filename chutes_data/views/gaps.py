"""The data behind the Merge gaps and Data sources pages: report/status in, display frames out.

Pure (no streamlit): the merge report (`merge.merge_catalogs(...).report`) becomes tables, a
`SourceStatus` becomes a row of facts, and `Settings` becomes a list of settings in effect that
never contains the API key (only whether one is configured). Upstream text stays in plain table
cells; the pages show these frames with `st.dataframe`, which renders text, never HTML.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from ..config import Settings, mask_credentials, redact
from ..formatting import duration_text, money
from ..schema import MATCH_METHODS, SOURCE_LABELS
from ..sources.cache import DiskCache, LastError
from ..sources.loader import SourceStatus
from .charts import filled_templates, ordered_templates

__all__ = ["METHOD_HELP", "SOURCE_LABELS", "conflicts_frame", "fuzzy_frame", "gap_kpis",
           "method_frame", "missing_official_llms", "near_miss_frame", "only_in_chutes_breakdown",
           "only_in_v1_frame", "recorded_error", "scrub", "settings_rows", "shown_url", "source_facts"]

METHOD_HELP = {
    "chute_id": "v1 entry carries the chute's id",
    "name": "v1 id equals the chute name",
    "normalized": "same name ignoring case, spaces and -TEE",
    "fuzzy": "similar name, same version numbers",
}
_PRICE_FIELDS = ("price_input_usd", "price_output_usd", "price_cache_read_usd")
FIELD_LABELS = {"price_input_usd": "input price", "price_output_usd": "output price",
                "price_cache_read_usd": "cache-read price", "context_length": "context length",
                "tee": "TEE", "name": "name"}


def _report_list(report: dict, key: str) -> list[dict]:
    value = report.get(key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# ---------------------------------------------------------------------------- merge report
def gap_kpis(report: dict) -> dict[str, int]:
    """The headline numbers: chutes, v1 models, matched, only in /chutes/, only in /v1/models."""
    return {k: _int(report.get(k)) for k in
            ("chutes_total", "v1_total", "matched", "only_in_chutes", "only_in_v1")}


def method_frame(report: dict) -> pd.DataFrame:
    """How the matched pairs were joined: method, joined, share (0–1 of matched), how."""
    by = report.get("by_method") if isinstance(report.get("by_method"), dict) else {}
    methods = list(MATCH_METHODS) + sorted(set(by) - set(MATCH_METHODS))
    counts = [_int(by.get(m)) for m in methods]
    total = sum(counts)
    return pd.DataFrame({
        "method": methods, "joined": counts,
        "share": [c / total if total else 0.0 for c in counts],
        "how": [METHOD_HELP.get(m, "") for m in methods],
    })


def _value_text(field: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in _PRICE_FIELDS and isinstance(value, (int, float)):
        return money(value)
    if field == "context_length" and isinstance(value, (int, float)):
        return f"{int(value):,} tokens"
    return str(value)


def _conflict_note(field: str, chutes_value: Any, v1_value: Any) -> str:
    if field in _PRICE_FIELDS and isinstance(chutes_value, (int, float)) \
            and isinstance(v1_value, (int, float)) and v1_value:
        change = (chutes_value - v1_value) / v1_value * 100
        return f"/chutes/ {change:+.1f}% (its price is used)"
    if field == "context_length":
        return "advertised > engine max_model_len"
    if field == "tee":
        return "chute tee vs v1 confidential_compute"
    if field == "name":
        return "v1 id differs from the chute name"
    return ""


def conflicts_frame(report: dict, link: Any = None) -> pd.DataFrame:
    """One row per conflict: name, details, field, chutes_value, v1_value, note (all text).

    `link(chute_id, name)` builds the details link (None: no link column values).
    """
    rows = _report_list(report, "conflicts")
    return pd.DataFrame({
        "name": [str(r.get("name") or "") for r in rows],
        "details": [link(r.get("chute_id"), r.get("name")) if link else None for r in rows],
        "field": [FIELD_LABELS.get(str(r.get("field")), str(r.get("field"))) for r in rows],
        "chutes_value": [_value_text(str(r.get("field")), r.get("chutes_value")) for r in rows],
        "v1_value": [_value_text(str(r.get("field")), r.get("v1_value")) for r in rows],
        "note": [_conflict_note(str(r.get("field")), r.get("chutes_value"), r.get("v1_value"))
                 for r in rows],
    }, columns=["name", "details", "field", "chutes_value", "v1_value", "note"])


def fuzzy_frame(report: dict, link: Any = None) -> pd.DataFrame:
    """The fuzzy joins: v1_id, name (the chute it joined), score (0–100), details."""
    rows = _report_list(report, "fuzzy_matches")
    return pd.DataFrame({
        "v1_id": [str(r.get("v1_id") or "") for r in rows],
        "name": [str(r.get("name") or "") for r in rows],
        "score": [float(r["score"]) if isinstance(r.get("score"), (int, float)) else None for r in rows],
        "details": [link(r.get("chute_id"), r.get("name")) if link else None for r in rows],
    }, columns=["v1_id", "name", "score", "details"])


def near_miss_frame(report: dict, link: Any = None) -> pd.DataFrame:
    """Unmatched v1 entries with a candidate worth a look: v1_id, candidate, score, reason,
    details (of the candidate chute, when there is one)."""
    rows = _report_list(report, "near_misses")
    return pd.DataFrame({
        "v1_id": [str(r.get("v1_id") or "") for r in rows],
        "candidate": [str(r["candidate"]) if r.get("candidate") else "—" for r in rows],
        "score": [float(r["score"]) if isinstance(r.get("score"), (int, float)) else None for r in rows],
        "reason": [str(r.get("reason") or "") for r in rows],
        "details": [link(r.get("chute_id"), None) if link and r.get("chute_id") else None for r in rows],
    }, columns=["v1_id", "candidate", "score", "reason", "details"])


def only_in_v1_frame(models: pd.DataFrame, report: dict, link: Any = None) -> pd.DataFrame:
    """The /v1/models entries no chute matched: v1_id, chute_id (as v1 states it), context,
    details. Ordered as the report lists them; falls back to the report when rows are missing."""
    ids = [str(v) for v in report.get("only_in_v1_ids") or []]
    rows = models.loc[models["source"].eq("v1").fillna(False).to_numpy(dtype=bool)]
    by_id = {str(v): r for v, r in zip(rows["v1_id"].tolist(), rows.itertuples(index=False), strict=True)}
    out = []
    for v1_id in ids:
        r = by_id.get(v1_id)
        chute_id = r.chute_id if r is not None and isinstance(r.chute_id, str) else None
        ctx = r.context_length if r is not None else None
        out.append({"v1_id": v1_id, "chute_id": chute_id or "—",
                    "context": int(ctx) if ctx is not None and not pd.isna(ctx) else None,
                    "details": link(chute_id, v1_id) if link else None})
    return pd.DataFrame(out, columns=["v1_id", "chute_id", "context", "details"])


def only_in_chutes_breakdown(models: pd.DataFrame) -> pd.DataFrame:
    """Chutes /v1/models does not list, per template: official, community, total (+ a total row)."""
    rows = models.loc[models["source"].eq("chutes").fillna(False).to_numpy(dtype=bool)]
    official = rows["official"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    frame = pd.DataFrame({"template": filled_templates(rows).to_numpy(), "official": official})
    order = ordered_templates(frame["template"])
    out = pd.DataFrame({
        "template": order,
        "official": [int((frame["template"].eq(t) & frame["official"]).sum()) for t in order],
        "community": [int((frame["template"].eq(t) & ~frame["official"]).sum()) for t in order],
    })
    out["total"] = out["official"] + out["community"]
    total = pd.DataFrame({"template": ["all"], "official": [int(out["official"].sum())],
                          "community": [int(out["community"].sum())], "total": [int(out["total"].sum())]})
    return pd.concat([out, total], ignore_index=True).astype(
        {"official": "int64", "community": "int64", "total": "int64"})


def missing_official_llms(models: pd.DataFrame, link: Any = None) -> pd.DataFrame:
    """Official vllm chutes that /v1/models does not list (the gaps worth a look): name, hot,
    public, invocations, details. Most used first."""
    mask = (models["source"].eq("chutes").fillna(False) & models["template"].eq("vllm").fillna(False)
            & models["official"].astype("boolean").fillna(False))
    rows = models.loc[mask.to_numpy(dtype=bool)].sort_values(
        "invocation_count", ascending=False, na_position="last", kind="stable")
    return pd.DataFrame({
        "name": rows["name"].astype("object").fillna("").astype(str).to_numpy(),
        "hot": rows["hot"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        "public": rows["public"].astype("boolean").to_numpy(dtype=object),
        "invocations": rows["invocation_count"].astype("Float64").to_numpy(dtype="float64",
                                                                           na_value=math.nan),
        "details": [link(c, n) if link else None for c, n in
                    zip(rows["chute_id"].tolist(), rows["name"].tolist(), strict=True)],
    }, columns=["name", "hot", "public", "invocations", "details"])


# ---------------------------------------------------------------------------- sources and settings


def scrub(text: object, secret: str | None = None) -> str:
    """Text safe to show next to settings: the key (if any) redacted and URL credentials masked."""
    out = redact(str(text), secret) if text is not None else ""
    return mask_credentials(out)


def shown_url(url: str) -> str:
    """A base URL as we show it: no credentials, query or fragment (those are never needed and
    could hold a secret)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return scrub(url.split("?")[0].split("#")[0])
    netloc = ("***@" if parts.username or parts.password else "") + host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def recorded_error(settings: Settings, source: str) -> LastError | None:
    """The last failed refresh the disk cache recorded for `source` (cleared by the next
    success); None offline (nothing is fetched there) or when there is none."""
    if settings.offline:
        return None
    return DiskCache(settings.cache_dir).read_error(source)


def source_facts(status: SourceStatus, now: datetime | None = None, secret: str | None = None,
                 recorded: LastError | None = None) -> dict[str, str]:
    """What the Data sources page says about one source, as label -> text. `recorded` (from
    `recorded_error`) is shown when this load itself carries no error, e.g. when both sources
    failed and the bundled sample stands in."""
    now = now or datetime.now(UTC)
    if status.error:
        error = scrub(status.error, secret)
    elif recorded is not None:
        at = recorded.at.astimezone(UTC)
        error = f"{scrub(recorded.message, secret)} (at {at:%Y-%m-%d %H:%M} UTC)"
    else:
        error = "none"
    age = status.age_seconds(now)
    fetched = status.fetched_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") \
        if status.fetched_at else "— (bundled sample)" if status.origin == "sample" else "—"
    expired = age is not None and age >= status.ttl_seconds
    return {
        "origin": status.origin,
        "fetched_at": fetched,
        "age": duration_text(age),
        "ttl": _duration(status.ttl_seconds),
        "fresh": "—" if age is None else ("expired: refetch on next load" if expired else "within TTL"),
        "count": f"{status.count:,}",
        "complete": "yes" if status.complete else "no (partial)",
        "stale": "yes: last good snapshot" if status.stale else "no",
        "error": error,
    }


def settings_rows(settings: Settings) -> pd.DataFrame:
    """The settings in effect (setting, value, env var). The API key appears only as
    'configured' / 'not set', never any part of it."""
    rows = [
        ("API key", "configured" if settings.has_key else "not set", "CHUTES_API_KEY"),
        ("Chutes API base URL", shown_url(settings.base_url), "CHUTES_BASE_URL"),
        ("LLM API base URL", shown_url(settings.llm_base_url), "CHUTES_LLM_BASE_URL"),
        ("Offline (bundled sample only)", "yes" if settings.offline else "no", "CHUTES_OFFLINE"),
        ("Cache directory", scrub(settings.cache_dir, settings.api_key), "CHUTES_CACHE_DIR"),
        ("Cache TTL", _duration(settings.ttl_seconds), "CACHE_DURATION_MINUTES"),
        ("HTTP timeout", _duration(settings.http_timeout), "CHUTES_HTTP_TIMEOUT"),
        ("History retention", f"{settings.history_days} days", "CHUTES_HISTORY_DAYS"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "env"])
