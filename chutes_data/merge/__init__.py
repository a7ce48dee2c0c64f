"""Join `/chutes/` and `/v1/models` into one catalog, strongest evidence first.

Why this package exists: an earlier app joined the two APIs on the exact model name and silently
lost context/modality data for every mismatch. Here each v1 entry is matched by the strongest
evidence available, and every row says how (`match_method`) and how sure (`match_score`).

* `match` - which v1 entry is which chute: chute_id, name, normalized name (`fuzzy`: step 4,
  similar names with equal version numbers, and the near misses);
* `assemble` - the merged rows: values joined, prices filled, modalities, dtypes;
* `report` - the frozen `MergeReport` of how the join went.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..schema import CHUTES_COLUMNS, V1_COLUMNS
from .assemble import aligned, merged_rows
from .fuzzy import FUZZY_PROCESSOR, FUZZY_SCORER, version_tokens
from .match import DEFAULT_FUZZY_CUTOFF, DEFAULT_REVIEW_MARGIN, match, normalized_key, normalized_name
from .report import PRICE_ABS_TOL, PRICE_REL_TOL, Conflict, FuzzyMatch, MergeReport, NearMiss, build_report

__all__ = [
    "DEFAULT_FUZZY_CUTOFF",
    "DEFAULT_REVIEW_MARGIN",
    "FUZZY_PROCESSOR",
    "FUZZY_SCORER",
    "PRICE_ABS_TOL",
    "PRICE_REL_TOL",
    "Conflict",
    "FuzzyMatch",
    "MergeReport",
    "MergeResult",
    "NearMiss",
    "merge_catalogs",
    "normalized_key",
    "normalized_name",
    "version_tokens",
]


@dataclass(frozen=True)
class MergeResult:
    """The merged catalog (`schema.MERGED_COLUMNS`) and the report of the merge."""

    models: pd.DataFrame
    report: MergeReport


def merge_catalogs(
    chutes: pd.DataFrame,
    v1: pd.DataFrame,
    *,
    fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF,
    review_margin: float = DEFAULT_REVIEW_MARGIN,
) -> MergeResult:
    """Merge normalize's `/chutes/` and `/v1/models` frames: one row per chute plus one per
    v1 entry that matches no chute, and a report of how the join went.

    `fuzzy_cutoff` is the rapidfuzz score (0-100) a fuzzy join needs; unmatched v1 entries whose
    best candidate scores in ``[fuzzy_cutoff - review_margin, fuzzy_cutoff)``, or was rejected by
    the version-token rule, are listed in ``report.near_misses`` for a person to review.
    """
    chutes = _conform(chutes, CHUTES_COLUMNS)
    v1 = _conform(v1, V1_COLUMNS)
    cutoff, margin = float(fuzzy_cutoff), float(review_margin)
    matching = match(chutes, v1, cutoff, margin)
    left, right, c_pos, v_pos = aligned(chutes, v1, matching.pairs)
    models = merged_rows(left, right, c_pos, v_pos, matching.pairs)
    report = build_report(
        models, left, right, matching.pairs, matching.near_misses, len(chutes), len(v1), cutoff, margin
    )
    return MergeResult(models=models, report=report)


def _conform(frame: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """Exactly the contract columns on a 0..n-1 index, so positions can serve as row keys
    (a bare ``pd.DataFrame()`` becomes a zero-row frame with every column)."""
    frame = pd.DataFrame() if frame is None else frame
    return frame.reindex(columns=list(columns)).reset_index(drop=True)
