"""The data behind the Merge gaps page: the merge report and the catalog in, display frames out.

Pure (no streamlit): the `MergeReport` (`merge.merge_catalogs(...).report`) and the catalog become
tables. Upstream text stays in plain table cells; the page shows these frames with
`st.dataframe`, which renders text, never HTML.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..formatting import money
from ..merge import MergeReport
from .charts import filled_templates, ordered_templates

__all__ = [
    "METHOD_HELP",
    "conflicts_frame",
    "fuzzy_frame",
    "method_frame",
    "missing_official_llms",
    "near_miss_frame",
    "only_in_chutes_breakdown",
    "only_in_v1_frame",
]

METHOD_HELP = {
    "chute_id": "v1 entry carries the chute's id",
    "name": "v1 id equals the chute name",
    "normalized": "same name ignoring case, spaces and -TEE",
    "fuzzy": "similar name, same version numbers",
}
_PRICE_FIELDS = ("price_input_usd", "price_output_usd", "price_cache_read_usd")
FIELD_LABELS = {
    "price_input_usd": "input price",
    "price_output_usd": "output price",
    "price_cache_read_usd": "cache-read price",
    "context_length": "context length",
    "tee": "TEE",
    "name": "name",
}


# ---------------------------------------------------------------------------- merge report
def method_frame(report: MergeReport) -> pd.DataFrame:
    """How the matched pairs were joined: method, joined, share (0–1 of matched), how."""
    methods, counts = list(report.by_method), list(report.by_method.values())
    total = sum(counts)
    return pd.DataFrame(
        {
            "method": methods,
            "joined": counts,
            "share": [c / total if total else 0.0 for c in counts],
            "how": [METHOD_HELP.get(m, "") for m in methods],
        }
    )


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
    if (
        field in _PRICE_FIELDS
        and isinstance(chutes_value, (int, float))
        and isinstance(v1_value, (int, float))
        and v1_value
    ):
        change = (chutes_value - v1_value) / v1_value * 100
        return f"/chutes/ {change:+.1f}% (its price is used)"
    if field == "context_length":
        return "advertised > engine max_model_len"
    if field == "tee":
        return "chute tee vs v1 confidential_compute"
    if field == "name":
        return "v1 id differs from the chute name"
    return ""


def conflicts_frame(report: MergeReport, link: Any = None) -> pd.DataFrame:
    """One row per conflict: name, details, field, chutes_value, v1_value, note (all text).

    `link(chute_id, name)` builds the details link (None: no link column values).
    """
    rows = report.conflicts
    return pd.DataFrame(
        {
            "name": [r.name or "" for r in rows],
            "details": [link(r.chute_id, r.name) if link else None for r in rows],
            "field": [FIELD_LABELS.get(r.field, r.field) for r in rows],
            "chutes_value": [_value_text(r.field, r.chutes_value) for r in rows],
            "v1_value": [_value_text(r.field, r.v1_value) for r in rows],
            "note": [_conflict_note(r.field, r.chutes_value, r.v1_value) for r in rows],
        },
        columns=["name", "details", "field", "chutes_value", "v1_value", "note"],
    )


def fuzzy_frame(report: MergeReport, link: Any = None) -> pd.DataFrame:
    """The fuzzy joins: v1_id, name (the chute it joined), score (0–100), details."""
    rows = report.fuzzy_matches
    return pd.DataFrame(
        {
            "v1_id": [r.v1_id or "" for r in rows],
            "name": [r.name or "" for r in rows],
            "score": [r.score for r in rows],
            "details": [link(r.chute_id, r.name) if link else None for r in rows],
        },
        columns=["v1_id", "name", "score", "details"],
    )


def near_miss_frame(report: MergeReport, link: Any = None) -> pd.DataFrame:
    """Unmatched v1 entries with a candidate worth a look: v1_id, candidate, score, reason,
    details (of the candidate chute, when there is one)."""
    rows = report.near_misses
    return pd.DataFrame(
        {
            "v1_id": [r.v1_id or "" for r in rows],
            "candidate": [r.candidate or "—" for r in rows],
            "score": [r.score for r in rows],
            "reason": [r.reason for r in rows],
            "details": [link(r.chute_id, None) if link and r.chute_id else None for r in rows],
        },
        columns=["v1_id", "candidate", "score", "reason", "details"],
    )


def only_in_v1_frame(models: pd.DataFrame, report: MergeReport, link: Any = None) -> pd.DataFrame:
    """The /v1/models entries no chute matched: v1_id, chute_id (as v1 states it), context,
    details. Ordered as the report lists them; falls back to the report when rows are missing."""
    ids = list(report.only_in_v1_ids)
    rows = models.loc[models["source"].eq("v1").fillna(False).to_numpy(dtype=bool)]
    by_id = {str(v): r for v, r in zip(rows["v1_id"].tolist(), rows.itertuples(index=False), strict=True)}
    out = []
    for v1_id in ids:
        r = by_id.get(v1_id)
        chute_id = r.chute_id if r is not None and isinstance(r.chute_id, str) else None
        ctx: Any = r.context_length if r is not None else None
        out.append(
            {
                "v1_id": v1_id,
                "chute_id": chute_id or "—",
                "context": int(ctx) if ctx is not None and not pd.isna(ctx) else None,
                "details": link(chute_id, v1_id) if link else None,
            }
        )
    return pd.DataFrame(out, columns=["v1_id", "chute_id", "context", "details"])


def only_in_chutes_breakdown(models: pd.DataFrame) -> pd.DataFrame:
    """Chutes /v1/models does not list, per template: official, community, total (+ a total row)."""
    rows = models.loc[models["source"].eq("chutes").fillna(False).to_numpy(dtype=bool)]
    official = rows["official"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    frame = pd.DataFrame({"template": filled_templates(rows).to_numpy(), "official": official})
    order = ordered_templates(frame["template"])
    out = pd.DataFrame(
        {
            "template": order,
            "official": [int((frame["template"].eq(t) & frame["official"]).sum()) for t in order],
            "community": [int((frame["template"].eq(t) & ~frame["official"]).sum()) for t in order],
        }
    )
    out["total"] = out["official"] + out["community"]
    total = pd.DataFrame(
        {
            "template": ["all"],
            "official": [int(out["official"].sum())],
            "community": [int(out["community"].sum())],
            "total": [int(out["total"].sum())],
        }
    )
    return pd.concat([out, total], ignore_index=True).astype(
        {"official": "int64", "community": "int64", "total": "int64"}
    )


def missing_official_llms(models: pd.DataFrame, link: Any = None) -> pd.DataFrame:
    """Official vllm chutes that /v1/models does not list (the gaps worth a look): name, hot,
    public, invocations, details. Most used first."""
    mask = (
        models["source"].eq("chutes").fillna(False)
        & models["template"].eq("vllm").fillna(False)
        & models["official"].astype("boolean").fillna(False)
    )
    rows = models.loc[mask.to_numpy(dtype=bool)].sort_values(
        "invocation_count", ascending=False, na_position="last", kind="stable"
    )
    return pd.DataFrame(
        {
            "name": rows["name"].astype("object").fillna("").astype(str).to_numpy(),
            "hot": rows["hot"].astype("boolean").fillna(False).to_numpy(dtype=bool),
            "public": rows["public"].astype("boolean").to_numpy(dtype=object),
            "invocations": rows["invocation_count"]
            .astype("Float64")
            .to_numpy(dtype="float64", na_value=math.nan),
            "details": [
                link(c, n) if link else None
                for c, n in zip(rows["chute_id"].tolist(), rows["name"].tolist(), strict=True)
            ],
        },
        columns=["name", "hot", "public", "invocations", "details"],
    )
