"""What a Chutes model *is*: release date, knowledge cutoff, open weights, family, lifecycle.

    release_date, last_updated, knowledge_cutoff   YYYY-MM or YYYY-MM-DD (str | NA)
    open_weights                                   bool | NA
    model_family                                   models.dev `family` (str | NA)
    model_status                                   alpha | beta | deprecated (str | NA)
    expiration_date                                OpenRouter's removal date (str | NA)
    description                                    OpenRouter's markdown: third-party text,
                                                   render it as safely as a readme
    facts_source                                   where the facts came from, strongest first,
                                                   e.g. "models.dev:chutes, openrouter"

Each field is taken from the first record that has it, in this order: models.dev's `chutes`
provider entry with exactly the `/v1/models` id (models.dev syncs Chutes hourly under the same
ids), then the same model elsewhere as the market join found it (`hf_id` before `normalized`
before `fuzzy`; models.dev before OpenRouter). Caveat kept from the source: for a model new to
models.dev, the `chutes` entry's `release_date` is the engine refresh day, not a release.
"""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..values import is_missing
from .join import MATCH_ORDER

FACT_COLUMNS = list(schema.FACT_COLUMNS)  # declared (with their meaning) in the export contract
# fact column -> offer column
_FROM = {
    "release_date": "release_date",
    "last_updated": "last_updated",
    "knowledge_cutoff": "knowledge_cutoff",
    "open_weights": "open_weights",
    "model_family": "family",
    "model_status": "status",
    "expiration_date": "expiration_date",
    "description": "description",
}


def _label(source: str, provider: str) -> str:
    return f"models.dev:{provider}" if source == "models.dev" else str(source)


def facts_columns(v1: pd.DataFrame, offers: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """One row per `v1_id` (index), `FACT_COLUMNS`.

    `offers`: all offers (`join.combine`, models.dev's `chutes` provider included);
    `matched`: `join.match_market(...).offers`, the same model elsewhere."""
    ids = v1["v1_id"].tolist()
    own = (
        offers.loc[offers["source"].eq("models.dev") & offers["provider"].eq("chutes")]
        if len(offers)
        else offers
    )
    own = own.assign(_tier=-1, v1_id=own["model_id"]) if len(own) else own
    if len(matched):
        rank = matched["match"].map({m: i for i, m in enumerate(MATCH_ORDER)})
        elsewhere = matched.assign(_tier=rank * 2 + matched["source"].ne("models.dev").astype(int))
    else:
        elsewhere = matched.assign(_tier=pd.Series(dtype="int64"))
    parts = [p for p in (own, elsewhere) if len(p)]
    rows: dict[str, dict] = {}
    if parts:
        records = pd.concat(parts, ignore_index=True)
        records = records.loc[records["v1_id"].isin(set(ids))]
        records = records.sort_values(["v1_id", "_tier", "provider", "model_id"], kind="stable")
        for v1_id, group in records.groupby("v1_id", sort=False):
            rows[str(v1_id)] = _coalesce(group)
    out = pd.DataFrame(
        [rows.get(i, {}) for i in ids], columns=FACT_COLUMNS, index=pd.Index(ids, name="v1_id")
    )
    out["open_weights"] = pd.array(out["open_weights"].tolist(), dtype="boolean")
    for col in FACT_COLUMNS:
        if col != "open_weights":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _coalesce(group: pd.DataFrame) -> dict:
    """Field by field, the first record (in `group` order) that knows it; who contributed."""
    row: dict = {}
    used: list[str] = []
    for record in group.to_dict("records"):
        gave = False
        for fact, col in _FROM.items():
            value = record.get(col)
            if fact not in row and not is_missing(value):
                row[fact] = value
                gave = True
        label = _label(record["source"], record["provider"])
        if gave and label not in used:
            used.append(label)
    row["facts_source"] = ", ".join(used) if used else None
    return row
