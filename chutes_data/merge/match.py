"""Which `/v1/models` entry is which chute: four steps, strongest evidence first.

Each step only sees the v1 entries and chutes no earlier step used; a chute is joined to at most
one v1 entry and vice versa. Every joined pair carries how (`match_method`) and how sure
(`match_score`).

1. ``chute_id`` - current `/v1/models` entries carry it. Exact and final: an entry carrying a
   chute_id joins the chute with that id or stays v1-only; the name steps are only for entries
   without one (older responses, saved files). Ids are deterministic (uuid5 of owner and name),
   so a listed chute with another id is, by construction, another chute.
2. ``name`` - `v1_id == name`. `/v1/models` lists only chutes of user ``chutes``, so an official
   chute with that name wins over any community copy, and a chute of another known owner is
   never joined by name at all (every v1 entry *is* an official chute: a community copy must
   never take its data, even when the official chute is missing from the `/chutes/` payload). A
   chute whose owner is unknown (saved files without `user`) may match only when no official
   chute in the whole frame has the name and the name is unique among all chutes.
3. ``normalized`` - the same rule on a normalized key, in two passes: first casefold + trimmed +
   internal whitespace collapsed, then additionally without a trailing ``-TEE`` (the platform's
   TEE twins). A key joins only when exactly one v1 entry and exactly one eligible chute
   (official first) still carry it. Entries whose key is ambiguous are *not* offered to fuzzy
   matching either; they are reported as near misses.
4. ``fuzzy`` - similar names with equal version numbers, for what is still unmatched
   (`fuzzy.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from .fuzzy import empty_pairs, fuzzy, fuzzy_pool
from .report import NearMiss

DEFAULT_FUZZY_CUTOFF = 90.0
DEFAULT_REVIEW_MARGIN = 10.0
_TEE_SUFFIX = "-tee"  # casefolded


def normalized_name(name: str, *, strip_tee: bool = True) -> str:
    """The lenient join key: casefolded, trimmed, internal whitespace collapsed and (by default)
    a trailing ``-TEE`` removed, because the platform names a chute's TEE twin ``{name}-TEE``."""
    key = " ".join(name.casefold().split())
    if strip_tee and key.endswith(_TEE_SUFFIX):
        return key[: -len(_TEE_SUFFIX)].rstrip() or key
    return key


def normalized_key(names: pd.Series, *, strip_tee: bool = True) -> pd.Series:
    """`normalized_name` over a Series (NA stays NA)."""
    return pd.Series(
        _keys(names.to_numpy(dtype=object), partial(normalized_name, strip_tee=strip_tee)),
        index=names.index,
        dtype="str",
    )


def flag(values: pd.Series) -> np.ndarray:
    """A bool/boolean/object column as a plain bool array, NA counting as False."""
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Matching:
    """What the matcher found: accepted pairs (v1 row `_v`, chute row `_c`, `match_method`,
    `match_score`) and the near misses for the report."""

    pairs: pd.DataFrame
    near_misses: list[NearMiss]


def match(chutes: pd.DataFrame, v1: pd.DataFrame, cutoff: float, margin: float) -> Matching:
    """Run the four steps in order of evidence strength, each on what the previous left."""
    official = flag(chutes["official"])
    unknown_owner = chutes["owner"].isna().to_numpy(dtype=bool) & ~official
    # Entries carrying a chute_id are settled by step 1 alone: later steps treat them as taken.
    has_id = v1["chute_id"].notna().to_numpy(dtype=bool)
    found = [_join_by_chute_id(chutes, v1)]
    ambiguous: dict[int, int] = {}  # v1 row -> number of chutes sharing its normalized key
    c_names = chutes["name"].to_numpy(dtype=object)
    v_names = v1["v1_id"].to_numpy(dtype=object)
    key_steps: tuple[tuple[str, Callable[[str], str] | None], ...] = (
        ("name", None),
        ("normalized", partial(normalized_name, strip_tee=False)),
        ("normalized", normalized_name),
    )
    for method, key in key_steps:
        taken_v, taken_c = _taken(found, len(v1), len(chutes))
        c_key, v_key = _shared_codes(_keys(c_names, key), _keys(v_names, key))
        pairs, unclear = _join_by_key(
            c_key, v_key, official, unknown_owner, taken_v | has_id, taken_c, method
        )
        found.append(pairs)
        if method == "normalized":
            ambiguous.update(unclear)
    taken_v, taken_c = _taken(found, len(v1), len(chutes))
    ambiguous = {v: n for v, n in ambiguous.items() if not taken_v[v]}
    pool = fuzzy_pool(chutes, official, unknown_owner, taken_c)
    fuzzy_pairs, near = fuzzy(chutes, v1, taken_v | has_id, pool, ambiguous, cutoff, margin)
    found.append(fuzzy_pairs)
    pairs = pd.concat([f for f in found if len(f)] or [empty_pairs()], ignore_index=True)
    return Matching(
        pairs=pairs.astype({"_v": "int64", "_c": "int64", "match_score": "float64"}), near_misses=near
    )


def _taken(found: list[pd.DataFrame], n_v: int, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the v1 rows and chute rows already joined."""
    taken_v, taken_c = np.zeros(n_v, dtype=bool), np.zeros(n_c, dtype=bool)
    for pairs in found:
        taken_v[pairs["_v"].to_numpy(dtype="int64")] = True
        taken_c[pairs["_c"].to_numpy(dtype="int64")] = True
    return taken_v, taken_c


def _join_by_chute_id(chutes: pd.DataFrame, v1: pd.DataFrame) -> pd.DataFrame:
    """Step 1, as one pandas merge: a v1 chute_id that names a listed chute is final. Should two
    v1 entries name the same chute (corrupt data), the first keeps it; the other stays v1-only."""
    left = v1[["chute_id"]].assign(_v=np.arange(len(v1))).dropna(subset=["chute_id"])
    right = chutes[["chute_id"]].assign(_c=np.arange(len(chutes))).dropna(subset=["chute_id"])
    return (
        left.merge(right.drop_duplicates("chute_id"), on="chute_id", how="inner")
        .drop_duplicates("_c")
        .drop_duplicates("_v")
        .loc[:, ["_v", "_c"]]
        .assign(match_method="chute_id", match_score=100.0)
    )


def _join_by_key(
    c_key: np.ndarray,
    v_key: np.ndarray,
    official: np.ndarray,
    unknown_owner: np.ndarray,
    taken_v: np.ndarray,
    taken_c: np.ndarray,
    method: str,
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Steps 2-3, as one pandas merge on the key codes (`_shared_codes`, -1 = no key) between
    the free rows of both sides; the per-key counts that decide eligibility are bincounts.

    A chute is eligible for its key when it is the only free official chute with that key, or -
    when its owner is unknown and no official chute in the whole frame has the key - when it is
    the only chute with it. Chutes of other known owners are never eligible. A v1 entry joins
    only when it is the only free v1 entry with its key. Returns the pairs and, for v1 entries
    left out because their key is ambiguous, the number of free candidate chutes sharing it.
    """
    size = max(int(c_key.max(initial=-1)), int(v_key.max(initial=-1))) + 1
    c_at, v_at = np.maximum(c_key, 0), np.maximum(v_key, 0)  # safe indices; masked below

    def per_key(codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask & (codes >= 0)], minlength=max(size, 1))

    free_c, free_v = ~taken_c, ~taken_v & (v_key >= 0)
    n_all = per_key(c_key, np.ones(len(c_key), dtype=bool))
    n_official = per_key(c_key, official)
    n_free_official = per_key(c_key, official & free_c)
    n_candidates = per_key(c_key, (official | unknown_owner) & free_c)[v_at]
    n_v = per_key(v_key, free_v)[v_at]
    eligible = (
        (c_key >= 0)
        & free_c
        & (
            (official & (n_free_official[c_at] == 1))
            | (unknown_owner & (n_official[c_at] == 0) & (n_all[c_at] == 1))
        )
    )
    wanted = free_v & (n_v == 1)
    pairs = pd.merge(
        pd.DataFrame({"_v": np.flatnonzero(wanted), "key": v_key[wanted]}),
        pd.DataFrame({"_c": np.flatnonzero(eligible), "key": c_key[eligible]}),
        on="key",
        how="inner",
    )
    # Ambiguous: the key is shared by several free v1 entries, or by several free candidates.
    unclear = (
        free_v
        & ~np.isin(np.arange(len(v_key)), pairs["_v"].to_numpy())
        & (((n_v > 1) & (n_candidates >= 1)) | (n_candidates > 1))
    )
    return (
        pairs[["_v", "_c"]].assign(match_method=method, match_score=100.0),
        dict(zip(np.flatnonzero(unclear).tolist(), n_candidates[unclear].tolist(), strict=True)),
    )


def _keys(names: np.ndarray, key: Callable[[str], str] | None) -> np.ndarray:
    """`key(name)` per name as an object array (NA/non-str -> None; `key=None`: the name)."""
    return np.array(
        [(n if key is None else key(n)) if isinstance(n, str) else None for n in names], dtype=object
    )


def _shared_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of two key arrays in one numbering (-1 for None): cheap, dtype-proof join
    keys (pyarrow-backed strings trip pandas joins on empty frames)."""
    codes, _ = pd.factorize(np.concatenate([a, b]))
    return codes[: len(a)], codes[len(a) :]
