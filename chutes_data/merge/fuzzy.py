"""Step 4 of the match: fuzzy names for what the exact steps left, and the near misses.

rapidfuzz ``token_sort_ratio`` with ``default_process`` and an explicit ``score_cutoff``, only
for what is still unmatched, against still-unmatched official chutes (unknown-owner chutes when
the frame has no official chute), restricted to ``vllm`` chutes when the frame has any
(`/v1/models` lists only vllm chutes). Guard: two names whose multisets of number-bearing tokens
differ (``32B``/``30B``, ``V3.1``/``V3.2``, ``0528``/``0529``, ``4.6``/``4.7``) are different
models and never join, whatever the string score. The guard doubles as the blocking key:
``process.cdist`` (C++) only scores names with equal tokens, so there is no loop over pairs and
10k x 1k stays cheap. Assignment is greedy by score, each chute used once; a tie at the top is
ambiguous and not joined.

Unmatched v1 entries whose best candidate scores in ``[cutoff - margin, cutoff)``, or was
rejected by the version-token rule, or whose normalized key was ambiguous, become `NearMiss`
rows for a person to review.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from ..values import json_safe
from .report import NearMiss

FUZZY_SCORER = fuzz.token_sort_ratio
FUZZY_PROCESSOR = default_process
# cdist block size in cells: bounds the score matrix (float64) to ~8 MB however large the input.
_BLOCK_CELLS = 1_000_000
_PARALLEL_CELLS = 20_000

# A number-bearing token: the whole alphanumeric run around a digit, dots kept between digits
# ("Qwen3.5", "397B", "A17B", "V3.1", "0528", "4.6"). Whole runs, so "R1" and "V1" differ.
_NUMBER_TOKEN = re.compile(r"[a-z0-9]*\d(?:[a-z0-9]|\.(?=\d))*", re.IGNORECASE)


def version_tokens(name: str) -> list[str]:
    """The number-bearing tokens of a name (original case), e.g. ``Qwen/Qwen3-32B`` ->
    ``["Qwen3", "32B"]``. Names whose casefolded multisets differ are different models."""
    return _NUMBER_TOKEN.findall(name)


def empty_pairs() -> pd.DataFrame:
    """Accepted pairs: v1 row, chute row, method, score (no rows)."""
    return pd.DataFrame(
        {
            "_v": pd.Series(dtype="int64"),
            "_c": pd.Series(dtype="int64"),
            "match_method": pd.Series(dtype="str"),
            "match_score": pd.Series(dtype="float64"),
        }
    )


def fuzzy_pool(
    chutes: pd.DataFrame, official: np.ndarray, unknown_owner: np.ndarray, taken_c: np.ndarray
) -> np.ndarray:
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

    rows: np.ndarray  # positions in the input frame
    names: np.ndarray  # object array of str
    code: np.ndarray  # version-signature code (one numbering across both sides)


def _cdist(v_names: np.ndarray, c_names: np.ndarray, floor: float) -> np.ndarray:
    """rapidfuzz scores (0 below `floor`), explicit scorer/processor, float64. All cores only
    for big blocks: starting the thread pool costs more than scoring a small block."""
    workers = -1 if len(v_names) * len(c_names) >= _PARALLEL_CELLS else 1
    return process.cdist(
        v_names.tolist(),
        c_names.tolist(),
        scorer=FUZZY_SCORER,
        processor=FUZZY_PROCESSOR,
        score_cutoff=floor,
        dtype=np.float64,
        workers=workers,
    )


def fuzzy(
    chutes: pd.DataFrame,
    v1: pd.DataFrame,
    taken_v: np.ndarray,
    c_rows: np.ndarray,
    ambiguous: dict[int, int],
    cutoff: float,
    margin: float,
) -> tuple[pd.DataFrame, list[NearMiss]]:
    """Step 4 over the leftovers only (`c_rows`: the `fuzzy_pool`).

    Scores come from `process.cdist` inside version-signature blocks (the guard doubles as the
    blocking key, so 10k x 1k stays cheap and no Python loop touches pairs); pairs at or above
    the cutoff are assigned greedily. Only v1 entries still unmatched afterwards are scored
    against the whole pool, to find near misses across blocks.
    """
    v_rows = np.flatnonzero(~taken_v)
    if not len(v_rows) or not len(c_rows):
        return empty_pairs(), _ambiguous_only(v1, v_rows, ambiguous)
    v_names = v1["v1_id"].to_numpy(dtype=object)[v_rows]
    c_names = chutes["name"].to_numpy(dtype=object)[c_rows]
    codes, _ = pd.factorize(pd.Series(_signature(v_names) + _signature(c_names), dtype=object))
    v = _Side(v_rows, v_names, codes[: len(v_rows)])
    c = _Side(c_rows, c_names, codes[len(v_rows) :])
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
    candidates = pd.DataFrame(
        {
            "i": np.concatenate([h[0] for h in hits] or [np.empty(0, dtype="int64")]),
            "j": np.concatenate([h[1] for h in hits] or [np.empty(0, dtype="int64")]),
            "score": np.concatenate([h[2] for h in hits] or [np.empty(0)]),
        }
    )
    won, tied = _greedy(candidates)
    won_i = won["i"].to_numpy(dtype="int64")
    pairs = pd.DataFrame(
        {
            "_v": v_rows[won_i],
            "_c": c_rows[won["j"].to_numpy(dtype="int64")],
            "match_method": "fuzzy",
            "match_score": won["score"].round(2),
        }
    )
    # Near misses across blocks: only for unmatched rows without a same-signature candidate.
    lonely = np.setdiff1d(np.flatnonzero(best[:, 1] < max(floor, np.nextafter(0, 1))), won_i)
    step = max(1, _BLOCK_CELLS // len(c_rows))
    for start in range(0, len(lonely), step):
        vi = lonely[start : start + step]
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
        unique = at_v.groupby(candidates["i"]).transform("sum").eq(1) & at_c.groupby(
            candidates["j"]
        ).transform("sum").eq(1)
        win = at_v & at_c & unique
        if win.any():
            chosen = candidates.loc[win]
            accepted.append(chosen)
            candidates = candidates.loc[
                ~candidates["i"].isin(chosen["i"]) & ~candidates["j"].isin(chosen["j"])
            ]
        else:
            top = candidates.loc[candidates["score"].eq(candidates["score"].max()), "i"]
            tied.update(top.tolist())
            candidates = candidates.loc[~candidates["i"].isin(top)]
    if not accepted:
        return pd.DataFrame(
            {
                "i": pd.Series(dtype="int64"),
                "j": pd.Series(dtype="int64"),
                "score": pd.Series(dtype="float64"),
            }
        ), tied
    return pd.concat(accepted, ignore_index=True).sort_values("i", ignore_index=True), tied


def _near_misses(
    v1: pd.DataFrame,
    chutes: pd.DataFrame,
    v: _Side,
    c: _Side,
    best: np.ndarray,
    pairs: pd.DataFrame,
    won_i: np.ndarray,
    tied: set[int],
    ambiguous: dict[int, int],
    cutoff: float,
    floor: float,
) -> list[NearMiss]:
    """One review row per v1 entry left unmatched with a candidate worth a look.

    The candidate is the best one whose version tokens agree (if it scores at least the review
    floor), else the best one whose tokens differ. Only the unmatched rows reach this loop.
    """
    owner_of = dict(
        zip(
            pairs["_c"].tolist(),
            v1["v1_id"].to_numpy(dtype=object)[pairs["_v"].to_numpy(dtype="int64")].tolist(),
            strict=True,
        )
    )
    chute_ids = chutes["chute_id"].to_numpy(dtype=object)
    out: list[NearMiss] = []
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
                out.append(
                    _near_row(
                        v1, row, None, None, None, f"ambiguous normalized name: {ambiguous[row]} candidates"
                    )
                )
            continue
        out.append(_near_row(v1, row, c.names[j], chute_ids[c.rows[j]], round(score, 2), reason))
    return out


def _ambiguous_only(v1: pd.DataFrame, v_rows: np.ndarray, ambiguous: dict[int, int]) -> list[NearMiss]:
    """Near misses when there is nothing to fuzzy-match against: only the ambiguous keys."""
    return [
        _near_row(v1, v, None, None, None, f"ambiguous normalized name: {n} candidates")
        for v, n in sorted(ambiguous.items())
        if v in set(v_rows.tolist())
    ]


def _near_row(v1: pd.DataFrame, v: int, candidate: Any, chute_id: Any, score: Any, reason: str) -> NearMiss:
    return NearMiss(
        v1_id=json_safe(v1["v1_id"].iat[v]),
        candidate=json_safe(candidate),
        chute_id=json_safe(chute_id),
        score=json_safe(score),
        reason=reason,
    )


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
