"""The data behind the Charts page: merged catalog in, small tidy frames out (no plotting here).

Every function takes the merged catalog (`schema.MERGED_COLUMNS`, usually already filtered by
the sidebar) and returns a new DataFrame with plain columns a chart can use directly. Unknown
values are dropped, never turned into zeros: a model whose price is unknown is not a free model.
Text columns (`name`, `owner`, `template`, GPU names) are upstream text; the plotting layer
escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..query import Currency, price_column
from ..schema import TEMPLATES

__all__ = [
    "TEMPLATES",
    "context_bucket_label",
    "context_buckets",
    "context_tokens",
    "filled_templates",
    "gpu_counts",
    "instances_by_template",
    "ordered_templates",
    "power_of_two_label",
    "price_context_points",
    "price_gaps",
    "price_points",
    "top_instances",
    "top_invocations",
    "unique_labels",
]


def filled_templates(models: pd.DataFrame) -> pd.Series:
    """The template as a plain string (normalize already maps a missing one to 'custom')."""
    return models["template"].astype("object").where(models["template"].notna(), "custom").astype(str)


def _chute_rows(models: pd.DataFrame) -> pd.DataFrame:
    """Rows that come from `/chutes/` (v1-only rows have no instances, GPUs or invocations)."""
    return models.loc[models["source"].ne("v1").fillna(True).to_numpy(dtype=bool)]


def _base(models: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": models["name"].astype("object").fillna("").astype(str),
            "chute_id": models["chute_id"].astype("object").where(models["chute_id"].notna(), None),
            "owner": models["owner"].astype("object").where(models["owner"].notna(), None),
            "template": filled_templates(models),
            "hot": models["hot"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        },
        index=models.index,
    )


def context_tokens(models: pd.DataFrame) -> pd.Series:
    """The merged `context_tokens` (advertised context, else the engine limit) as float64, NaN
    when unknown, so it can sit on a log axis."""
    return models["context_tokens"].astype("Float64").astype("float64")


def unique_labels(models: pd.DataFrame) -> list[str]:
    """One category label per row: the name, plus the owner (then a short id) where names repeat,
    so two chutes called the same never collapse into one bar."""
    names = models["name"].astype("object").fillna("(unnamed)").astype(str).tolist()
    owners = models["owner"].astype("object").tolist()
    ids = models["chute_id"].astype("object").tolist()
    counts = pd.Series(names).value_counts()
    labels = [
        f"{n} ({o})" if counts[n] > 1 and isinstance(o, str) and o else n
        for n, o in zip(names, owners, strict=True)
    ]
    again = pd.Series(labels).value_counts()
    out: list[str] = []
    seen: dict[str, int] = {}
    for label, cid in zip(labels, ids, strict=True):
        if again[label] > 1:
            suffix = str(cid)[:8] if isinstance(cid, str) and cid else str(seen.get(label, 0) + 1)
            seen[label] = seen.get(label, 0) + 1
            label = f"{label} · {suffix}"
        out.append(label)
    return out


# ---------------------------------------------------------------------------- prices
def price_points(models: pd.DataFrame, currency: Currency = "usd") -> pd.DataFrame:
    """Models with a known, positive input *and* output price per 1M tokens (log axes need > 0).

    Columns: name, chute_id, owner, template, hot, price_input, price_output, context.
    """
    p_in = models[price_column("input", currency)].astype("float64")
    p_out = models[price_column("output", currency)].astype("float64")
    keep = (p_in > 0) & (p_out > 0)
    out = _base(models).assign(price_input=p_in, price_output=p_out, context=context_tokens(models))
    return out.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def price_gaps(models: pd.DataFrame, currency: Currency = "usd") -> dict[str, int]:
    """Why rows are missing from the price scatter: `free` (a stated price of 0 cannot sit on a
    log axis), `unpriced` (per-token price unknown: priced per step/hour/request, or not at all),
    `shown` (both prices positive)."""
    p_in = models[price_column("input", currency)].astype("float64")
    p_out = models[price_column("output", currency)].astype("float64")
    known = p_in.notna() & p_out.notna()
    shown = known & (p_in > 0) & (p_out > 0)
    return {"shown": int(shown.sum()), "free": int((known & ~shown).sum()), "unpriced": int((~known).sum())}


def price_context_points(
    models: pd.DataFrame, currency: Currency = "usd", kind: str = "input"
) -> pd.DataFrame:
    """Models with a known context and a known, positive `kind` price ('input' or 'output').

    Columns: name, chute_id, owner, template, hot, price, context.
    """
    if kind not in ("input", "output"):
        raise ValueError(f"kind must be 'input' or 'output', not {kind!r}")
    price = models[price_column(kind, currency)].astype("float64")
    ctx = context_tokens(models)
    keep = (price > 0) & (ctx > 0)
    out = _base(models).assign(price=price, context=ctx)
    return out.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


# ---------------------------------------------------------------------------- context
def power_of_two_label(tokens: int) -> str:
    """`131072` -> '128K', `1048576` -> '1M', `512` -> '512' (binary units, as contexts are)."""
    tokens = int(tokens)
    if tokens >= 2**20:
        return f"{tokens / 2**20:g}M"
    if tokens >= 2**10:
        return f"{tokens / 2**10:g}K"
    return str(tokens)


def context_bucket_label(low: int) -> str:
    """The bucket `[low, 2*low)` as '128K–256K'."""
    return f"{power_of_two_label(low)}–{power_of_two_label(low * 2)}"


def context_buckets(models: pd.DataFrame) -> pd.DataFrame:
    """How many models fall in each power-of-two context bucket `[2^k, 2^(k+1))`, per template.

    Every bucket from the smallest to the largest context present appears (zero counts
    included) so the axis has no silent gaps. Columns: bucket_low (int tokens), bucket (label),
    template, models (count). Empty when no row states a context.
    """
    ctx = context_tokens(models)
    known = ctx > 0
    if not known.any():
        return pd.DataFrame(
            {
                "bucket_low": pd.Series(dtype="int64"),
                "bucket": pd.Series(dtype=str),
                "template": pd.Series(dtype=str),
                "models": pd.Series(dtype="int64"),
            }
        )
    exp = np.floor(np.log2(ctx[known].to_numpy(dtype="float64"))).astype("int64")
    frame = pd.DataFrame({"exp": exp, "template": filled_templates(models).loc[known].to_numpy()})
    counts = frame.groupby(["exp", "template"]).size()
    templates = ordered_templates(frame["template"].unique())
    grid = pd.MultiIndex.from_product(
        [range(int(exp.min()), int(exp.max()) + 1), templates], names=["exp", "template"]
    )
    table = counts.reindex(grid, fill_value=0).reset_index(name="models")
    low = (2 ** table["exp"]).astype("int64")
    return pd.DataFrame(
        {
            "bucket_low": low,
            "bucket": low.map(context_bucket_label),
            "template": table["template"].astype(str),
            "models": table["models"].astype("int64"),
        }
    )


def ordered_templates(values: Iterable[Any]) -> list[str]:
    """The distinct templates in `values`, known ones in `schema.TEMPLATES` order, then the rest
    sorted (so a template keeps its place in legends whatever the filters leave)."""
    known = [t for t in TEMPLATES if t in set(values)]
    return known + sorted(set(values) - set(TEMPLATES))


# ---------------------------------------------------------------------------- popularity
def top_invocations(models: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The `n` most invoked chutes (invocations over the past day), most used first.

    Columns: label (unique per row), name, chute_id, owner, template, hot, invocations.
    """
    rows = _chute_rows(models)
    inv = rows["invocation_count"].astype("Float64")
    rows = rows.loc[inv.notna().to_numpy(dtype=bool)]
    out = _base(rows).assign(invocations=rows["invocation_count"].astype("int64"))
    out = out.sort_values(["invocations", "name"], ascending=[False, True], kind="stable").head(max(n, 0))
    return out.assign(label=unique_labels(rows.loc[out.index])).reset_index(drop=True)


# ---------------------------------------------------------------------------- capacity
def instances_by_template(models: pd.DataFrame) -> pd.DataFrame:
    """Per template: chutes, hot chutes, active (verified) instances and all instances listed.

    Sorted by active instances, most first. Columns: template, chutes, hot_chutes,
    instances_active, instances_total.
    """
    rows = _chute_rows(models)
    frame = pd.DataFrame(
        {
            "template": filled_templates(rows),
            "hot": rows["hot"].astype("boolean").fillna(False).to_numpy(dtype=bool),
            "instances_active": rows["instances_active"].astype("Float64").fillna(0).astype("int64"),
            "instances_total": rows["instances_total"].astype("Float64").fillna(0).astype("int64"),
        }
    )
    if frame.empty:
        return pd.DataFrame(
            {
                "template": pd.Series(dtype=str),
                "chutes": pd.Series(dtype="int64"),
                "hot_chutes": pd.Series(dtype="int64"),
                "instances_active": pd.Series(dtype="int64"),
                "instances_total": pd.Series(dtype="int64"),
            }
        )
    out = (
        frame.groupby("template", sort=False)
        .agg(
            chutes=("hot", "size"),
            hot_chutes=("hot", "sum"),
            instances_active=("instances_active", "sum"),
            instances_total=("instances_total", "sum"),
        )
        .reset_index()
    )
    out = out.astype(
        {"chutes": "int64", "hot_chutes": "int64", "instances_active": "int64", "instances_total": "int64"}
    )
    return out.sort_values(
        ["instances_active", "template"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def top_instances(models: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The `n` chutes with the most active instances (only chutes with at least one).

    Columns: label, name, chute_id, owner, template, hot, instances_active, instances_total.
    """
    rows = _chute_rows(models)
    active = rows["instances_active"].astype("Float64").fillna(0)
    rows = rows.loc[(active > 0).to_numpy(dtype=bool)]
    out = _base(rows).assign(
        instances_active=rows["instances_active"].astype("int64"),
        instances_total=rows["instances_total"].astype("Float64").fillna(0).astype("int64"),
    )
    out = out.sort_values(["instances_active", "name"], ascending=[False, True], kind="stable").head(
        max(n, 0)
    )
    return out.assign(label=unique_labels(rows.loc[out.index])).reset_index(drop=True)


def gpu_counts(models: pd.DataFrame) -> pd.DataFrame:
    """How many chutes may run on each GPU type (a chute lists several), and how many of those
    are hot. Sorted by chutes, most first. Columns: gpu, chutes, hot_chutes."""
    rows = _chute_rows(models)
    pairs = (
        pd.DataFrame(
            {
                "gpu": [
                    sorted({str(g) for g in v}) if isinstance(v, (list, tuple)) else []
                    for v in rows["supported_gpus"].tolist()
                ],
                "hot": rows["hot"].astype("boolean").fillna(False).to_numpy(dtype=bool),
            }
        )
        .explode("gpu")
        .dropna(subset=["gpu"])
    )
    if pairs.empty:
        return pd.DataFrame(
            {
                "gpu": pd.Series(dtype=str),
                "chutes": pd.Series(dtype="int64"),
                "hot_chutes": pd.Series(dtype="int64"),
            }
        )
    out = pairs.groupby("gpu").agg(chutes=("hot", "size"), hot_chutes=("hot", "sum")).reset_index()
    out = out.astype({"gpu": str, "chutes": "int64", "hot_chutes": "int64"})
    return out.sort_values(["chutes", "gpu"], ascending=[False, True], kind="stable").reset_index(drop=True)
