"""The merge report: how the join went, as a frozen `MergeReport` with a JSON form (`to_dict`).

Totals, per-method counts, the fuzzy joins, the near misses and the conflicts: fields both
sources state and disagree on.

* ``price_input_usd``, ``price_output_usd``, ``price_cache_read_usd``: compared with
  ``|a - b| <= max(PRICE_REL_TOL * max(|a|, |b|), PRICE_ABS_TOL)`` (math.isclose semantics), so
  float noise such as ``0.010399999999999998`` vs ``0.0104`` is not a conflict. TAO prices are
  not compared: they move with the TAO rate between the two fetches.
* ``context_length``: the advertised context exceeds what the engine serves. ``chutes_value`` is
  then the engine limit (``max_model_len``, the value the running chute enforces) and
  ``v1_value`` the advertised ``context_length``. A context *below* max_model_len is a deliberate
  cap, not a conflict. Checked for every row with v1 data.
* ``tee``: chute ``tee`` vs v1 ``confidential_compute`` (e.g. a ``-TEE`` twin joined by the
  normalized step).
* ``name``: a v1 chute_id points to a chute whose name differs from the v1 id.

Every value is a plain JSON type (`values.json_safe`: no numpy/pandas scalars, no NaN), so
`to_dict()` is what the `report` command and the export's ``merge_report`` write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..schema import MATCH_METHODS
from ..values import json_safe

PRICE_REL_TOL = 1e-6
PRICE_ABS_TOL = 1e-9
_PRICE_CONFLICT_FIELDS = ("price_input_usd", "price_output_usd", "price_cache_read_usd")
_CONFLICT_ORDER = {f: i for i, f in enumerate(("name", *_PRICE_CONFLICT_FIELDS, "context_length", "tee"))}

Value = str | int | float | bool | None  # a report value: a plain JSON scalar


@dataclass(frozen=True)
class Conflict:
    """A field both sources state and disagree on, for one merged row."""

    name: str | None
    chute_id: str | None
    field: str  # name | price_*_usd | context_length | tee
    chutes_value: Value  # for context_length: the engine limit (max_model_len)
    v1_value: Value


@dataclass(frozen=True)
class FuzzyMatch:
    """A v1 entry joined to a chute by the fuzzy step."""

    v1_id: str | None
    name: str | None  # the chute it joined
    chute_id: str | None
    score: float | None  # rapidfuzz score, 0-100


@dataclass(frozen=True)
class NearMiss:
    """A v1 entry left unmatched with a candidate worth a look (or an ambiguous key)."""

    v1_id: str | None
    candidate: str | None  # the candidate chute's name; None for an ambiguous key
    chute_id: str | None
    score: float | None
    reason: str


@dataclass(frozen=True)
class MergeReport:
    """How `merge_catalogs` joined the two sources. Frozen; `to_dict()` is its JSON form."""

    chutes_total: int
    v1_total: int
    matched: int
    only_in_chutes: int
    only_in_v1: int
    by_method: Mapping[str, int]  # every MATCH_METHODS key, in that order
    conflicts: tuple[Conflict, ...]
    fuzzy_matches: tuple[FuzzyMatch, ...]
    near_misses: tuple[NearMiss, ...]
    only_in_v1_ids: tuple[str, ...]
    only_in_chutes_by_template: Mapping[str, int]  # custom for no template; most first
    unofficial_only_in_chutes: int
    fuzzy_cutoff: float
    review_margin: float

    def to_dict(self) -> dict[str, Any]:
        """The report in plain JSON types, keys in field order."""
        return {
            "chutes_total": self.chutes_total,
            "v1_total": self.v1_total,
            "matched": self.matched,
            "only_in_chutes": self.only_in_chutes,
            "only_in_v1": self.only_in_v1,
            "by_method": dict(self.by_method),
            "conflicts": [asdict(c) for c in self.conflicts],
            "fuzzy_matches": [asdict(f) for f in self.fuzzy_matches],
            "near_misses": [asdict(n) for n in self.near_misses],
            "only_in_v1_ids": list(self.only_in_v1_ids),
            "only_in_chutes_by_template": dict(self.only_in_chutes_by_template),
            "unofficial_only_in_chutes": self.unofficial_only_in_chutes,
            "fuzzy_cutoff": self.fuzzy_cutoff,
            "review_margin": self.review_margin,
        }


def build_report(
    models: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
    pairs: pd.DataFrame,
    near_misses: list[NearMiss],
    n_chutes: int,
    n_v1: int,
    cutoff: float,
    margin: float,
) -> MergeReport:
    """The report of a merge: `models` the merged rows, `left`/`right` their chute and v1 sides
    (row-aligned, `assemble.aligned`), `pairs` the accepted joins."""
    chutes_only = models.loc[models["source"].eq("chutes")]
    by_template = chutes_only["template"].fillna("custom").value_counts()
    fuzzy_rows = models.loc[models["match_method"].eq("fuzzy"), ["v1_id", "name", "chute_id", "match_score"]]
    return MergeReport(
        chutes_total=int(n_chutes),
        v1_total=int(n_v1),
        matched=len(pairs),
        only_in_chutes=int(n_chutes - len(pairs)),
        only_in_v1=int(n_v1 - len(pairs)),
        by_method={m: int(pairs["match_method"].eq(m).sum()) for m in MATCH_METHODS},
        conflicts=_conflicts(models, left, right),
        fuzzy_matches=tuple(
            FuzzyMatch(
                v1_id=json_safe(r.v1_id),
                name=json_safe(r.name),
                chute_id=json_safe(r.chute_id),
                score=json_safe(r.match_score),
            )
            for r in fuzzy_rows.itertuples(index=False)
        ),
        near_misses=tuple(near_misses),
        only_in_v1_ids=tuple(str(v) for v in models.loc[models["source"].eq("v1"), "v1_id"].tolist()),
        only_in_chutes_by_template={str(k): int(n) for k, n in by_template.items()},
        unofficial_only_in_chutes=int((~chutes_only["official"]).sum()),
        fuzzy_cutoff=float(cutoff),
        review_margin=float(margin),
    )


def _conflicts(models: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> tuple[Conflict, ...]:
    """Fields both sources state and disagree on, one per (row, field), in row order."""
    both = models["source"].eq("both").to_numpy(dtype=bool)
    found: list[pd.DataFrame] = []

    def add(field: str, mask: np.ndarray, chutes_value: pd.Series, v1_value: pd.Series) -> None:
        if mask.any():
            found.append(
                pd.DataFrame(
                    {
                        "row": np.flatnonzero(mask),
                        "field": field,
                        "chutes_value": chutes_value.to_numpy(dtype=object)[mask],
                        "v1_value": v1_value.to_numpy(dtype=object)[mask],
                    }
                )
            )

    add(
        "name",
        both
        & models["match_method"].eq("chute_id").to_numpy(dtype=bool)
        & (left["name"] != right["v1_id"]).to_numpy(dtype=bool),
        left["name"],
        right["v1_id"],
    )
    for col in _PRICE_CONFLICT_FIELDS:
        a, b = left[col].to_numpy(dtype="float64"), right[f"v1_{col}"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= np.maximum(
                PRICE_REL_TOL * np.maximum(np.abs(a), np.abs(b)), PRICE_ABS_TOL
            )
        add(col, both & ~np.isnan(a) & ~np.isnan(b) & ~close, left[col], right[f"v1_{col}"])
    context, engine = right["context_length"], right["max_model_len"]
    add("context_length", (context > engine).fillna(False).to_numpy(dtype=bool), engine, context)
    tee, cc = left["tee"].astype("boolean"), right["confidential_compute"].astype("boolean")
    add("tee", both & (tee != cc).fillna(False).to_numpy(dtype=bool), tee, cc)
    if not found:
        return ()
    table = (
        pd.concat(found, ignore_index=True)
        .assign(order=lambda d: d["field"].map(_CONFLICT_ORDER))
        .sort_values(["row", "order"], kind="stable")
    )
    rows = table["row"].to_numpy(dtype="int64")
    names = models["name"].to_numpy(dtype=object)[rows]
    ids = models["chute_id"].to_numpy(dtype=object)[rows]
    return tuple(
        Conflict(
            name=json_safe(n),
            chute_id=json_safe(i),
            field=f,
            chutes_value=json_safe(cv),
            v1_value=json_safe(vv),
        )
        for n, i, f, cv, vv in zip(
            names, ids, table["field"], table["chutes_value"], table["v1_value"], strict=True
        )
    )
