"""Join `/chutes/` and `/v1/models` into one catalog, strongest evidence first.

Why this module exists: an earlier app joined the two APIs on the exact model name and silently
lost context/modality data for every mismatch. Here each v1 entry is matched by the strongest
evidence available, and every row says how (`match_method`) and how sure (`match_score`).

Matching (each step only sees the v1 entries and chutes no earlier step used; a chute is joined
to at most one v1 entry and vice versa):

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
   matching either; they are reported in ``near_misses``.
4. ``fuzzy`` - rapidfuzz ``token_sort_ratio`` with ``default_process`` and an explicit
   ``score_cutoff``, only for what is still unmatched, against still-unmatched official chutes
   (unknown-owner chutes when the frame has no official chute), restricted to ``vllm`` chutes
   when the frame has any (`/v1/models` lists only vllm chutes). Guard: two names whose
   multisets of number-bearing tokens differ (``32B``/``30B``, ``V3.1``/``V3.2``,
   ``0528``/``0529``, ``4.6``/``4.7``) are different models and never join, whatever the string
   score. The guard doubles as the blocking key: ``process.cdist`` (C++) only scores names with
   equal tokens, so there is no loop over pairs and 10k x 1k stays cheap. Assignment is greedy
   by score, each chute used once; a tie at the top is ambiguous and not joined.

Merged values: `/chutes/` prices win where both sources price a model (they are org-specific);
v1 prices fill the gaps. Context, lengths, quantization, modalities and features come from v1;
rows without v1 data get modalities only where the template makes them certain (diffusion:
text -> image, embedding/tei: text -> embedding). `tee` is the chute's flag, else v1's
`confidential_compute`. v1-only rows: template ``vllm``, owner ``chutes``, official and public
(v1 lists only public official chutes), hot/instances NA.

Report conflicts (fields both sources state and disagree on):

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
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from ..schema import (
    CHUTES_COLUMNS,
    MATCH_METHODS,
    MERGED_COLUMNS,
    TELEMETRY_COLUMN_NAMES,
    V1_COLUMNS,
    chute_url,
)
from .telemetry import join_telemetry

__all__ = ["DEFAULT_FUZZY_CUTOFF", "DEFAULT_REVIEW_MARGIN", "MergeResult", "merge_catalogs",
           "normalized_key", "normalized_name", "version_tokens"]

DEFAULT_FUZZY_CUTOFF = 90.0
DEFAULT_REVIEW_MARGIN = 10.0
PRICE_REL_TOL = 1e-6
PRICE_ABS_TOL = 1e-9

FUZZY_SCORER = fuzz.token_sort_ratio
FUZZY_PROCESSOR = default_process
# cdist block size in cells: bounds the score matrix (float64) to ~8 MB however large the input.
_BLOCK_CELLS = 1_000_000
_PARALLEL_CELLS = 20_000

# A number-bearing token: the whole alphanumeric run around a digit, dots kept between digits
# ("Qwen3.5", "397B", "A17B", "V3.1", "0528", "4.6"). Whole runs, so "R1" and "V1" differ.
_NUMBER_TOKEN = re.compile(r"[a-z0-9]*\d(?:[a-z0-9]|\.(?=\d))*", re.IGNORECASE)
_TEE_SUFFIX = "-tee"  # casefolded

# Per-1M-token prices both sources state: v1 fills the chute's gaps; any of them => per_1m_tokens.
_PER_1M = ("price_input_usd", "price_output_usd", "price_cache_read_usd", "price_input_tao",
           "price_output_tao", "price_cache_read_tao")
_PRICE_CONFLICT_FIELDS = ("price_input_usd", "price_output_usd", "price_cache_read_usd")
_CONFLICT_ORDER = {f: i for i, f in enumerate(
    ("name", *_PRICE_CONFLICT_FIELDS, "context_length", "tee"))}

_STR_COLUMNS = ("name", "chute_id", "v1_id", "source", "match_method", "owner", "template",
                "quantization", "tagline", "price_unit", "root", "owned_by", "slug", "chute_url")
_INT_COLUMNS = ("instances_active", "instances_total", "context_length", "max_model_len",
                "max_output_length", "invocation_count", "gpu_count")
_BOOLEAN_COLUMNS = ("public", "hot", "tee")


@dataclass(frozen=True)
class MergeResult:
    """The merged catalog (`schema.MERGED_COLUMNS`) and the JSON-ready merge report."""

    models: pd.DataFrame
    report: dict


# ============================================================================ public API
def merge_catalogs(chutes: pd.DataFrame, v1: pd.DataFrame, *,
                   fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF,
                   review_margin: float = DEFAULT_REVIEW_MARGIN) -> MergeResult:
    """Merge normalize's `/chutes/` and `/v1/models` frames: one row per chute plus one per
    v1 entry that matches no chute, and a report of how the join went.

    `fuzzy_cutoff` is the rapidfuzz score (0-100) a fuzzy join needs; unmatched v1 entries whose
    best candidate scores in ``[fuzzy_cutoff - review_margin, fuzzy_cutoff)``, or was rejected by
    the version-token rule, are listed in ``report["near_misses"]`` for a person to review.
    """
    chutes = _conform(chutes, CHUTES_COLUMNS)
    v1 = _conform(v1, V1_COLUMNS)
    matching = _match(chutes, v1, float(fuzzy_cutoff), float(review_margin))
    left, right, c_pos, v_pos = _aligned(chutes, v1, matching.pairs)
    models = _models(left, right, c_pos, v_pos, matching.pairs)
    report = _report(models, left, right, matching, len(chutes), len(v1),
                     float(fuzzy_cutoff), float(review_margin))
    return MergeResult(models=models, report=report)


def normalized_name(name: str, *, strip_tee: bool = True) -> str:
    """The lenient join key: casefolded, trimmed, internal whitespace collapsed and (by default)
    a trailing ``-TEE`` removed, because the platform names a chute's TEE twin ``{name}-TEE``."""
    key = " ".join(name.casefold().split())
    if strip_tee and key.endswith(_TEE_SUFFIX):
        return key[: -len(_TEE_SUFFIX)].rstrip() or key
    return key


def normalized_key(names: pd.Series, *, strip_tee: bool = True) -> pd.Series:
    """`normalized_name` over a Series (NA stays NA)."""
    return pd.Series(_keys(names.to_numpy(dtype=object), partial(normalized_name,
                                                                 strip_tee=strip_tee)),
                     index=names.index, dtype="str")


def version_tokens(name: str) -> list[str]:
    """The number-bearing tokens of a name (original case), e.g. ``Qwen/Qwen3-32B`` ->
    ``["Qwen3", "32B"]``. Names whose casefolded multisets differ are different models."""
    return _NUMBER_TOKEN.findall(name)


# ============================================================================ input shape
def _conform(frame: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """Exactly the contract columns on a 0..n-1 index, so positions can serve as row keys
    (a bare ``pd.DataFrame()`` becomes a zero-row frame with every column)."""
    frame = pd.DataFrame() if frame is None else frame
    return frame.reindex(columns=list(columns)).reset_index(drop=True)


def _flag(values: pd.Series) -> np.ndarray:
    """A bool/boolean/object column as a plain bool array, NA counting as False."""
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)


# ============================================================================ matching
@dataclass(frozen=True)
class _Matching:
    """What the matcher found: accepted pairs (v1 row, chute row, method, score) and the near
    misses for the report."""

    pairs: pd.DataFrame
    near_misses: list[dict]


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"_v": pd.Series(dtype="int64"), "_c": pd.Series(dtype="int64"),
                         "match_method": pd.Series(dtype="str"),
                         "match_score": pd.Series(dtype="float64")})


def _match(chutes: pd.DataFrame, v1: pd.DataFrame, cutoff: float, margin: float) -> _Matching:
    """Run the four steps in order of evidence strength, each on what the previous left."""
    official = _flag(chutes["official"])
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
        pairs, unclear = _join_by_key(c_key, v_key, official, unknown_owner, taken_v | has_id,
                                      taken_c, method)
        found.append(pairs)
        if method == "normalized":
            ambiguous.update(unclear)
    taken_v, taken_c = _taken(found, len(v1), len(chutes))
    ambiguous = {v: n for v, n in ambiguous.items() if not taken_v[v]}
    pool = _fuzzy_pool(chutes, official, unknown_owner, taken_c)
    fuzzy_pairs, near = _fuzzy(chutes, v1, taken_v | has_id, pool, ambiguous, cutoff, margin)
    found.append(fuzzy_pairs)
    pairs = pd.concat([f for f in found if len(f)] or [_empty_pairs()], ignore_index=True)
    return _Matching(pairs=pairs.astype({"_v": "int64", "_c": "int64", "match_score": "float64"}),
                     near_misses=near)


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
    return (left.merge(right.drop_duplicates("chute_id"), on="chute_id", how="inner")
            .drop_duplicates("_c").drop_duplicates("_v")
            .loc[:, ["_v", "_c"]]
            .assign(match_method="chute_id", match_score=100.0))


def _join_by_key(c_key: np.ndarray, v_key: np.ndarray, official: np.ndarray,
                 unknown_owner: np.ndarray, taken_v: np.ndarray, taken_c: np.ndarray,
                 method: str) -> tuple[pd.DataFrame, dict[int, int]]:
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
    eligible = (c_key >= 0) & free_c & (
        (official & (n_free_official[c_at] == 1))
        | (unknown_owner & (n_official[c_at] == 0) & (n_all[c_at] == 1)))
    wanted = free_v & (n_v == 1)
    pairs = pd.merge(pd.DataFrame({"_v": np.flatnonzero(wanted), "key": v_key[wanted]}),
                     pd.DataFrame({"_c": np.flatnonzero(eligible), "key": c_key[eligible]}),
                     on="key", how="inner")
    # Ambiguous: the key is shared by several free v1 entries, or by several free candidates.
    unclear = free_v & ~np.isin(np.arange(len(v_key)), pairs["_v"].to_numpy()) & (
        ((n_v > 1) & (n_candidates >= 1)) | (n_candidates > 1))
    return (pairs[["_v", "_c"]].assign(match_method=method, match_score=100.0),
            dict(zip(np.flatnonzero(unclear).tolist(), n_candidates[unclear].tolist(),
                     strict=True)))


def _keys(names: np.ndarray, key: Callable[[str], str] | None) -> np.ndarray:
    """`key(name)` per name as an object array (NA/non-str -> None; `key=None`: the name)."""
    return np.array([(n if key is None else key(n)) if isinstance(n, str) else None
                     for n in names], dtype=object)


def _shared_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of two key arrays in one numbering (-1 for None): cheap, dtype-proof join
    keys (pyarrow-backed strings trip pandas joins on empty frames)."""
    codes, _ = pd.factorize(np.concatenate([a, b]))
    return codes[: len(a)], codes[len(a):]


# ---------------------------------------------------------------------------- fuzzy step
def _fuzzy_pool(chutes: pd.DataFrame, official: np.ndarray, unknown_owner: np.ndarray,
                taken_c: np.ndarray) -> np.ndarray:
    """Chute rows a fuzzy join may take: free and official (unknown-owner chutes only when the
    frame has no official chute at all), and vllm when the frame has vllm chutes - v1 lists
    only official vllm chutes. Chutes of other known owners are never candidates."""
    pool = ~taken_c & (official if official.any() else unknown_owner)
    vllm = chutes["template"].eq("vllm").fillna(False).to_numpy(dtype=bool)
    if vllm.any():
        pool &= vllm
    return np.flatnonzero(pool)


def _signature(names: Iterable[str]) -> list[str]:
    """The casefolded, sorted multiset of number-bearing tokens, as one comparable string."""
    return ["\x1f".join(sorted(t.casefold() for t in _NUMBER_TOKEN.findall(n))) for n in names]


def _blocks(v_code: np.ndarray, c_code: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(v indices, c indices) per version signature present on both sides. The version-token
    rule makes the signature an exact blocking key: pairs across blocks can never join."""
    def groups(code: np.ndarray) -> dict[int, np.ndarray]:
        order = np.argsort(code, kind="stable")
        keys, starts = np.unique(code[order], return_index=True)
        return dict(zip(keys.tolist(), np.split(order, starts[1:]), strict=True))
    c_groups = groups(c_code)
    for key, v_idx in groups(v_code).items():
        if key in c_groups:
            yield v_idx, c_groups[key]


@dataclass(frozen=True)
class _Side:
    """One side of the fuzzy step."""

    rows: np.ndarray       # positions in the input frame
    names: np.ndarray      # object array of str
    code: np.ndarray       # version-signature code (one numbering across both sides)


def _cdist(v_names: np.ndarray, c_names: np.ndarray, floor: float) -> np.ndarray:
    """rapidfuzz scores (0 below `floor`), explicit scorer/processor, float64. All cores only
    for big blocks: starting the thread pool costs more than scoring a small block."""
    workers = -1 if len(v_names) * len(c_names) >= _PARALLEL_CELLS else 1
    return process.cdist(v_names.tolist(), c_names.tolist(), scorer=FUZZY_SCORER,
                         processor=FUZZY_PROCESSOR, score_cutoff=floor, dtype=np.float64,
                         workers=workers)


def _fuzzy(chutes: pd.DataFrame, v1: pd.DataFrame, taken_v: np.ndarray, c_rows: np.ndarray,
           ambiguous: dict[int, int], cutoff: float, margin: float
           ) -> tuple[pd.DataFrame, list[dict]]:
    """Step 4 over the leftovers only (`c_rows`: the `_fuzzy_pool`).

    Scores come from `process.cdist` inside version-signature blocks (the guard doubles as the
    blocking key, so 10k x 1k stays cheap and no Python loop touches pairs); pairs at or above
    the cutoff are assigned greedily. Only v1 entries still unmatched afterwards are scored
    against the whole pool, to find near misses across blocks.
    """
    v_rows = np.flatnonzero(~taken_v)
    if not len(v_rows) or not len(c_rows):
        return _empty_pairs(), _ambiguous_only(v1, v_rows, ambiguous)
    v_names = v1["v1_id"].to_numpy(dtype=object)[v_rows]
    c_names = chutes["name"].to_numpy(dtype=object)[c_rows]
    codes, _ = pd.factorize(pd.Series(_signature(v_names) + _signature(c_names), dtype=object))
    v = _Side(v_rows, v_names, codes[: len(v_rows)])
    c = _Side(c_rows, c_names, codes[len(v_rows):])
    floor = max(cutoff - margin, 0.0)
    blocked = np.isin(v_rows, list(ambiguous))

    best = np.zeros((len(v_rows), 4))  # same-signature best (col, score), other-signature best
    hits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for vi, ci in _blocks(v.code, c.code):
        scores = _cdist(v.names[vi], c.names[ci], floor)
        top = scores.argmax(axis=1)
        best[vi, 0], best[vi, 1] = ci[top], scores[np.arange(len(vi)), top]
        r, k = np.nonzero((scores >= cutoff) & ~blocked[vi][:, None])
        hits.append((vi[r], ci[k], scores[r, k]))
    candidates = pd.DataFrame({
        "i": np.concatenate([h[0] for h in hits] or [np.empty(0, dtype="int64")]),
        "j": np.concatenate([h[1] for h in hits] or [np.empty(0, dtype="int64")]),
        "score": np.concatenate([h[2] for h in hits] or [np.empty(0)])})
    won, tied = _greedy(candidates)
    won_i = won["i"].to_numpy(dtype="int64")
    pairs = pd.DataFrame({"_v": v_rows[won_i], "_c": c_rows[won["j"].to_numpy(dtype="int64")],
                          "match_method": "fuzzy", "match_score": won["score"].round(2)})
    # Near misses across blocks: only for unmatched rows without a same-signature candidate.
    lonely = np.setdiff1d(np.flatnonzero(best[:, 1] < max(floor, np.nextafter(0, 1))), won_i)
    step = max(1, _BLOCK_CELLS // len(c_rows))
    for start in range(0, len(lonely), step):
        vi = lonely[start: start + step]
        same = v.code[vi][:, None] == c.code[None, :]
        scores = np.where(same, 0.0, _cdist(v.names[vi], c.names, floor))
        top = scores.argmax(axis=1)
        best[vi, 2], best[vi, 3] = top, scores[np.arange(len(vi)), top]
    near = _near_misses(v1, chutes, v, c, best, pairs, won_i, tied, ambiguous, cutoff, floor)
    return pairs, near


def _greedy(candidates: pd.DataFrame) -> tuple[pd.DataFrame, set[int]]:
    """Greedy one-to-one assignment by descending score, done in vectorized rounds.

    Each round accepts every pair that is the unique best of both its v1 entry and its chute
    (exactly the pairs sequential greedy would take first) and drops their rows and columns.
    When a round accepts nothing, the top score is tied: the v1 entries involved are ambiguous
    and dropped, so precision wins over an arbitrary pick. Returns accepted pairs and the
    ambiguous v1 entries (indices into the fuzzy step's v1 side).
    """
    accepted: list[pd.DataFrame] = []
    tied: set[int] = set()
    while len(candidates):
        v_max = candidates.groupby("i")["score"].transform("max")
        c_max = candidates.groupby("j")["score"].transform("max")
        at_v, at_c = candidates["score"].eq(v_max), candidates["score"].eq(c_max)
        unique = (at_v.groupby(candidates["i"]).transform("sum").eq(1)
                  & at_c.groupby(candidates["j"]).transform("sum").eq(1))
        win = at_v & at_c & unique
        if win.any():
            chosen = candidates.loc[win]
            accepted.append(chosen)
            candidates = candidates.loc[~candidates["i"].isin(chosen["i"])
                                        & ~candidates["j"].isin(chosen["j"])]
        else:
            top = candidates.loc[candidates["score"].eq(candidates["score"].max()), "i"]
            tied.update(top.tolist())
            candidates = candidates.loc[~candidates["i"].isin(top)]
    if not accepted:
        return pd.DataFrame({"i": pd.Series(dtype="int64"), "j": pd.Series(dtype="int64"),
                             "score": pd.Series(dtype="float64")}), tied
    return pd.concat(accepted, ignore_index=True).sort_values("i", ignore_index=True), tied


def _near_misses(v1: pd.DataFrame, chutes: pd.DataFrame, v: _Side, c: _Side, best: np.ndarray,
                 pairs: pd.DataFrame, won_i: np.ndarray, tied: set[int],
                 ambiguous: dict[int, int], cutoff: float, floor: float) -> list[dict]:
    """One review row per v1 entry left unmatched with a candidate worth a look.

    The candidate is the best one whose version tokens agree (if it scores at least the review
    floor), else the best one whose tokens differ. Only the unmatched rows reach this loop.
    """
    owner_of = dict(zip(pairs["_c"].tolist(), v1["v1_id"].to_numpy(dtype=object)[
        pairs["_v"].to_numpy(dtype="int64")].tolist(), strict=True))
    chute_ids = chutes["chute_id"].to_numpy(dtype=object)
    out: list[dict] = []
    for i in np.setdiff1d(np.arange(len(v.rows)), won_i).tolist():
        row = int(v.rows[i])
        same_j, same_s, other_j, other_s = best[i]
        if same_s > 0 and same_s >= floor:
            j, score = int(same_j), float(same_s)
            if row in ambiguous:
                reason = f"ambiguous normalized name: {ambiguous[row]} candidates"
            elif i in tied:
                reason = "ambiguous: tied with another candidate"
            elif score >= cutoff and int(c.rows[j]) in owner_of:
                reason = f"candidate already matched to {owner_of[int(c.rows[j])]}"
            else:
                reason = "below cutoff"
        elif other_s > 0 and other_s >= floor:
            j, score = int(other_j), float(other_s)
            reason = "version tokens differ: " + _token_difference(v.names[i], c.names[j])
        else:
            if row in ambiguous:
                out.append(_near_row(v1, row, None, None, None,
                                     f"ambiguous normalized name: {ambiguous[row]} candidates"))
            continue
        out.append(_near_row(v1, row, c.names[j], chute_ids[c.rows[j]], round(score, 2), reason))
    return out


def _ambiguous_only(v1: pd.DataFrame, v_rows: np.ndarray, ambiguous: dict[int, int]) -> list[dict]:
    """Near misses when there is nothing to fuzzy-match against: only the ambiguous keys."""
    return [_near_row(v1, v, None, None, None, f"ambiguous normalized name: {n} candidates")
            for v, n in sorted(ambiguous.items()) if v in set(v_rows.tolist())]


def _near_row(v1: pd.DataFrame, v: int, candidate: Any, chute_id: Any, score: Any,
              reason: str) -> dict:
    return {"v1_id": _plain(v1["v1_id"].iat[v]), "candidate": _plain(candidate),
            "chute_id": _plain(chute_id), "score": _plain(score), "reason": reason}


def _token_difference(a: str, b: str) -> str:
    """``"32B vs 30B"``: the number-bearing tokens only one side has (original case)."""
    def extra(x: str, y: str) -> str:
        surplus = Counter(t.casefold() for t in version_tokens(x))
        surplus.subtract(t.casefold() for t in version_tokens(y))
        shown = []
        for token in version_tokens(x):
            if surplus[token.casefold()] > 0:
                surplus[token.casefold()] -= 1
                shown.append(token)
        return " ".join(shown) or "(none)"
    return f"{extra(a, b)} vs {extra(b, a)}"


# ============================================================================ assembly
def _aligned(chutes: pd.DataFrame, v1: pd.DataFrame, pairs: pd.DataFrame
             ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The chute side and the v1 side of every output row, row-aligned: all chutes in input
    order, then the unmatched v1 entries in input order. A missing side is an all-NA row."""
    v_of_c = np.full(len(chutes), -1, dtype="int64")
    v_of_c[pairs["_c"].to_numpy(dtype="int64")] = pairs["_v"].to_numpy(dtype="int64")
    v_only = np.setdiff1d(np.arange(len(v1)), pairs["_v"].to_numpy(dtype="int64"))
    c_pos = np.concatenate([np.arange(len(chutes)), np.full(len(v_only), -1)])
    v_pos = np.concatenate([v_of_c, v_only])
    # reindex with label -1 (absent) yields an all-NA row: positional take with gaps.
    left = chutes.reindex(c_pos).reset_index(drop=True)
    right = v1.rename(columns={"chute_id": "v1_chute_id"}).reindex(v_pos).reset_index(drop=True)
    return left, right, c_pos, v_pos


def _models(left: pd.DataFrame, right: pd.DataFrame, c_pos: np.ndarray, v_pos: np.ndarray,
            pairs: pd.DataFrame) -> pd.DataFrame:
    """The merged frame, `MERGED_COLUMNS` in order, with sane dtypes and real lists."""
    has_c, has_v = c_pos >= 0, v_pos >= 0
    by_v = pairs.set_index("_v")
    method = by_v["match_method"].reindex(v_pos).to_numpy(dtype=object)
    score = by_v["match_score"].reindex(v_pos).to_numpy(dtype="float64")
    chute_id = left["chute_id"].where(has_c, right["v1_chute_id"])
    template = left["template"].where(has_c, "vllm")
    prices = {col: left[col].fillna(right[f"v1_{col}"]) for col in _PER_1M}
    inputs, outputs = _modalities(right, template, has_v)
    columns: dict[str, Any] = {
        "name": left["name"].where(has_c, right["v1_id"]),
        "chute_id": chute_id,
        "v1_id": right["v1_id"],
        "source": np.select([has_c & has_v, has_c], ["both", "chutes"], "v1"),
        "match_method": method,
        "match_score": score,
        "owner": left["owner"].where(has_c, "chutes"),
        "template": template,
        "public": left["public"].astype("boolean").where(has_c, True),
        "hot": left["hot"],
        "instances_active": left["instances_active"],
        "tee": left["tee"].astype("boolean").fillna(
            right["confidential_compute"].astype("boolean")),
        **prices,
        "price_hour_usd": left["price_hour_usd"],
        "price_step_usd": left["price_step_usd"],
        "context_length": right["context_length"],
        "max_model_len": right["max_model_len"],
        "max_output_length": right["max_output_length"],
        "quantization": right["quantization"],
        "input_modalities": inputs,
        "output_modalities": outputs,
        "supported_features": _lists(right["supported_features"]),
        "invocation_count": left["invocation_count"],
        "tagline": left["tagline"],
        "official": _flag(left["official"]) | ~has_c,
        "price_step_tao": left["price_step_tao"],
        "price_hour_tao": left["price_hour_tao"],
        "price_request_usd": left["price_request_usd"],
        "price_request_tao": left["price_request_tao"],
        "instances_total": left["instances_total"],
        "regions": _lists(left["regions"]),
        "supported_gpus": _lists(left["supported_gpus"]),
        "gpu_count": left["gpu_count"],
        "root": right["root"],
        "owned_by": right["owned_by"],
        "slug": left["slug"],
        "chute_url": chute_id.map(chute_url, na_action="ignore"),
        "created_at": left["created_at"],
    }
    models = pd.DataFrame(columns, index=left.index)
    base = [c for c in MERGED_COLUMNS if c not in TELEMETRY_COLUMN_NAMES]
    # the telemetry columns are NA here; the loader joins the real ones by chute_id
    return join_telemetry(models.assign(price_unit=_price_unit(models))[base].pipe(_typed), None)


def _lists(values: pd.Series) -> list[list]:
    """A fresh Python list per row (never NaN, never one shared list object)."""
    return [list(v) if isinstance(v, (list, tuple)) else [] for v in values.tolist()]


def _modalities(right: pd.DataFrame, template: pd.Series, has_v: np.ndarray
                ) -> tuple[list[list], list[list]]:
    """v1 modalities where v1 describes the row; otherwise only what the template makes
    certain (diffusion: text -> image; embedding/tei: text -> embedding), else empty."""
    inputs, outputs = _lists(right["input_modalities"]), _lists(right["output_modalities"])
    inferred = {"diffusion": ("text", "image"), "embedding": ("text", "embedding"),
                "tei": ("text", "embedding")}
    for k, (kind, with_v1) in enumerate(zip(template.tolist(), has_v.tolist(), strict=True)):
        if not with_v1 and kind in inferred:
            inputs[k], outputs[k] = [inferred[kind][0]], [inferred[kind][1]]
    return inputs, outputs


def _price_unit(models: pd.DataFrame) -> pd.Series:
    """How a row is priced, most specific first (schema.PRICE_UNITS)."""
    unit = np.select(
        [models[list(_PER_1M)].notna().any(axis=1).to_numpy(dtype=bool),
         models["price_step_usd"].notna().to_numpy(dtype=bool),
         models["price_request_usd"].notna().to_numpy(dtype=bool),
         models["price_hour_usd"].notna().to_numpy(dtype=bool)],
        ["per_1m_tokens", "per_step", "per_request", "per_hour"], default=None)
    return pd.Series(unit, index=models.index, dtype="str")


def _typed(models: pd.DataFrame) -> pd.DataFrame:
    """Pin dtypes: reindexing and empty inputs otherwise leave object/float columns behind."""
    dtypes: dict[str, Any] = {c: "str" for c in _STR_COLUMNS}
    dtypes |= {c: "Int64" for c in _INT_COLUMNS}
    dtypes |= {c: "boolean" for c in _BOOLEAN_COLUMNS}
    dtypes |= {c: "float64" for c in models.columns if c.startswith("price_") and c != "price_unit"}
    dtypes |= {"match_score": "float64", "official": "bool"}
    created = models["created_at"]
    if not isinstance(created.dtype, pd.DatetimeTZDtype):  # bare/empty input: object NaN
        created = pd.to_datetime(created, utc=True)
    return models.astype(dtypes).assign(created_at=created)


# ============================================================================ report
def _report(models: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame, matching: _Matching,
            n_chutes: int, n_v1: int, cutoff: float, margin: float) -> dict:
    """The merge report: totals, per-method counts, conflicts, fuzzy joins and near misses,
    in plain JSON types (no numpy/pandas scalars, no NaN)."""
    pairs = matching.pairs
    chutes_only = models.loc[models["source"].eq("chutes")]
    by_template = chutes_only["template"].fillna("custom").value_counts()
    fuzzy_rows = models.loc[models["match_method"].eq("fuzzy"),
                            ["v1_id", "name", "chute_id", "match_score"]]
    return {
        "chutes_total": int(n_chutes),
        "v1_total": int(n_v1),
        "matched": len(pairs),
        "only_in_chutes": int(n_chutes - len(pairs)),
        "only_in_v1": int(n_v1 - len(pairs)),
        "by_method": {m: int(pairs["match_method"].eq(m).sum()) for m in MATCH_METHODS},
        "conflicts": _conflicts(models, left, right),
        "fuzzy_matches": [
            {"v1_id": _plain(r.v1_id), "name": _plain(r.name), "chute_id": _plain(r.chute_id),
             "score": _plain(r.match_score)}
            for r in fuzzy_rows.itertuples(index=False)],
        "near_misses": matching.near_misses,
        "only_in_v1_ids": [str(v) for v in models.loc[models["source"].eq("v1"), "v1_id"].tolist()],
        "only_in_chutes_by_template": {str(k): int(n) for k, n in by_template.items()},
        "unofficial_only_in_chutes": int((~chutes_only["official"]).sum()),
        "fuzzy_cutoff": cutoff,
        "review_margin": margin,
    }


def _conflicts(models: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> list[dict]:
    """Fields both sources state and disagree on, one dict per (row, field), in row order."""
    both = models["source"].eq("both").to_numpy(dtype=bool)
    found: list[pd.DataFrame] = []

    def add(field: str, mask: np.ndarray, chutes_value: pd.Series, v1_value: pd.Series) -> None:
        if mask.any():
            found.append(pd.DataFrame({
                "row": np.flatnonzero(mask), "field": field,
                "chutes_value": chutes_value.to_numpy(dtype=object)[mask],
                "v1_value": v1_value.to_numpy(dtype=object)[mask]}))

    add("name", both & models["match_method"].eq("chute_id").to_numpy(dtype=bool)
        & (left["name"] != right["v1_id"]).to_numpy(dtype=bool), left["name"], right["v1_id"])
    for col in _PRICE_CONFLICT_FIELDS:
        a, b = left[col].to_numpy(dtype="float64"), right[f"v1_{col}"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= np.maximum(
                PRICE_REL_TOL * np.maximum(np.abs(a), np.abs(b)), PRICE_ABS_TOL)
        add(col, both & ~np.isnan(a) & ~np.isnan(b) & ~close, left[col], right[f"v1_{col}"])
    context, engine = right["context_length"], right["max_model_len"]
    add("context_length", (context > engine).fillna(False).to_numpy(dtype=bool), engine, context)
    tee, cc = left["tee"].astype("boolean"), right["confidential_compute"].astype("boolean")
    add("tee", both & (tee != cc).fillna(False).to_numpy(dtype=bool), tee, cc)
    if not found:
        return []
    table = (pd.concat(found, ignore_index=True)
             .assign(order=lambda d: d["field"].map(_CONFLICT_ORDER))
             .sort_values(["row", "order"], kind="stable"))
    rows = table["row"].to_numpy(dtype="int64")
    names = models["name"].to_numpy(dtype=object)[rows]
    ids = models["chute_id"].to_numpy(dtype=object)[rows]
    return [{"name": _plain(n), "chute_id": _plain(i), "field": f, "chutes_value": _plain(cv),
             "v1_value": _plain(vv)}
            for n, i, f, cv, vv in zip(names, ids, table["field"], table["chutes_value"],
                                       table["v1_value"], strict=True)]


def _plain(value: Any) -> Any:
    """A JSON-safe Python scalar: numpy/pandas scalars unwrapped, NA/NaN as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
