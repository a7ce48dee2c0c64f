"""Picking one model out of the merged catalog: unique labels for pickers, lookups by URL params.

Names are not unique on Chutes (community copies of official models share the name), so the
pickers show a label made unique with the owner, then a short chute id. Labels are plain text
(widget options are not Markdown) and are what `bind="query-params"` writes to the URL, so they
are stable for a given catalog. Query-parameter values are upstream-shaped strangers' input:
`find` validates them and returns None rather than raising.
"""

from __future__ import annotations

import re

import pandas as pd

from chutes_data import textsafe

LABEL_LIMIT = 120
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value.strip()))


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return " ".join(textsafe.clean(value, LABEL_LIMIT).split())


def labels(models: pd.DataFrame) -> pd.Series:
    """One unique, plain-text label per row (aligned on `models.index`)."""
    base = [
        (_text(n) or _text(v) or _text(c) or "unnamed")
        for n, v, c in zip(models["name"], models["v1_id"], models["chute_id"], strict=True)
    ]
    out = pd.Series(base, index=models.index, dtype="object")
    out = _qualify(out, [_text(o) for o in models["owner"]])  # repeated names: add the owner,
    out = _qualify(out, [_text(c)[:8] for c in models["chute_id"]])  # then a short chute id
    dup = out.duplicated(keep="first")  # last resort: a running number keeps them distinct
    if dup.any():
        out = pd.Series(
            [f"{lab} · #{i}" if d else lab for i, (lab, d) in enumerate(zip(out, dup, strict=True))],
            index=models.index,
            dtype="object",
        )
    return out


def _qualify(labels: pd.Series, extra: list[str]) -> pd.Series:
    """`label · extra` for the labels that repeat (and have a non-empty extra); others unchanged."""
    dup = labels.duplicated(keep=False)
    if not dup.any():
        return labels
    return pd.Series(
        [f"{lab} · {x}" if d and x else lab for lab, d, x in zip(labels, dup, extra, strict=True)],
        index=labels.index,
        dtype="object",
    )


def _preference(rows: pd.DataFrame) -> pd.DataFrame:
    """Official chutes, then rows in both APIs, then the most used, first."""
    order = pd.DataFrame(
        {
            "official": rows["official"].fillna(False).astype(bool),
            "both": rows["source"].eq("both").fillna(False).astype(bool),
            "used": pd.to_numeric(rows["invocation_count"], errors="coerce").fillna(-1),
        },
        index=rows.index,
    )
    return rows.loc[order.sort_values(["official", "both", "used"], ascending=False, kind="stable").index]


def find(models: pd.DataFrame, chute_id: object = None, name: object = None) -> tuple[object, int]:
    """(index label of the model, how many rows matched) for a chute_id, else a name (or v1 id).

    Returns (None, 0) for anything not found or malformed (not a UUID, not a string, too long).
    When several chutes share a name, the official one (then the one in both APIs, then the most
    used) wins and the count says how many matched.
    """
    if isinstance(chute_id, str) and chute_id.strip():
        if not is_uuid(chute_id):
            return None, 0
        hit = models.index[
            models["chute_id"]
            .astype("string")
            .str.casefold()
            .eq(chute_id.strip().casefold())
            .fillna(False)
            .to_numpy(dtype=bool)
        ]
        return (hit[0], len(hit)) if len(hit) else (None, 0)
    if isinstance(name, str) and name.strip() and len(name) <= 500:
        wanted = name.strip()
        mask = models["name"].astype("string").eq(wanted).fillna(False) | models["v1_id"].astype("string").eq(
            wanted
        ).fillna(False)
        rows = models[mask.to_numpy(dtype=bool)]
        if rows.empty:
            return None, 0
        return _preference(rows).index[0], len(rows)
    return None, 0


def detail_params(row: pd.Series) -> dict[str, str]:
    """Query params that open `row` on the Model detail page."""
    cid = row.get("chute_id")
    if isinstance(cid, str) and cid:
        return {"chute_id": cid}
    return {"name": str(row.get("name") or row.get("v1_id") or "")}


def model_id(row: pd.Series) -> str:
    """The id to send to the OpenAI-compatible endpoint: the /v1/models id, else the chute name."""
    for col in ("v1_id", "name"):
        value = row.get(col)
        if isinstance(value, str) and value.strip():
            return textsafe.clean(value.strip(), 300)
    return ""
