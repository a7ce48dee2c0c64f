"""The market join: which offers at other providers are the same model as a Chutes `/v1/models` entry.

For each Chutes model the keys are its `id` and its `root` (the Hugging Face repo the engine
loaded). An offer joins, strongest evidence first (its `match` says which):

1. ``hf_id`` - an OpenRouter model whose `hugging_face_id` equals `root`, `id` or `id` minus `-TEE`
   (case-insensitive);
2. ``normalized`` - the offer's id (or OpenRouter's `hugging_face_id`) has the same loose key
   (`names.loose_key`: last segment, case, `-TEE`, quantization tags, fireworks' `p`), and its org
   is not another lab (`names.org_allowed`);
3. ``fuzzy`` - rapidfuzz (the catalog merge's scorer) at or above `cutoff`, and the guards agree:
   the same sizes/versions and qualifier words (`names.guard`). The score is kept.

Everything that scored at least `cutoff - margin` and was refused is a near miss, with the
reason, for Merge gaps. models.dev's own `chutes` provider is Chutes, never "elsewhere". The same
OpenRouter model read from both sources is kept once (from OpenRouter itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process

from . import names
from .readers import OFFER_COLUMNS

DEFAULT_CUTOFF = 90.0
DEFAULT_MARGIN = 10.0
MATCH_ORDER = ("hf_id", "normalized", "fuzzy")  # strongest first
OFFER_MATCH_COLUMNS = ["v1_id", *OFFER_COLUMNS, "as_of", "match", "match_score"]
NEAR_MISS_COLUMNS = ["v1_id", "source", "provider", "model_id", "score", "reason"]
NEAR_MISSES_PER_MODEL = 5  # the most instructive refusals: enough to review, not a dump


@dataclass(frozen=True)
class MarketMatch:
    """The offers joined to each Chutes model (`OFFER_MATCH_COLUMNS`) and the refused near misses."""

    offers: pd.DataFrame
    near_misses: pd.DataFrame


def combine(
    models_dev: pd.DataFrame | None, openrouter: pd.DataFrame | None, as_of: Mapping[str, str | None]
) -> pd.DataFrame:
    """Both sources' offers in one frame with `as_of` (the snapshot date per source). A source
    that failed is None or empty: its offers are simply absent. models.dev's copy of an OpenRouter
    model (`openrouter` provider) is dropped when OpenRouter itself lists that id."""
    frames = [f for f in (models_dev, openrouter) if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in [*OFFER_COLUMNS, "as_of"]})
    offers = pd.concat(frames, ignore_index=True)
    if openrouter is not None and len(openrouter):
        copy = offers["source"].eq("models.dev") & offers["provider"].eq("openrouter")
        offers = offers.loc[~(copy & offers["model_id"].isin(set(openrouter["model_id"])))]
    offers = offers.assign(as_of=offers["source"].map(lambda s: as_of.get(s)))
    return offers.reset_index(drop=True)


def _chutes_names(row: pd.Series) -> list[str]:
    return [n for n in (row["v1_id"], row.get("root")) if isinstance(n, str) and n.strip()]


def _offer_names(offers: pd.DataFrame) -> list[list[str]]:
    """Per offer the names it answers to: its id and, on OpenRouter, its Hugging Face repo."""
    ids, hfs = offers["model_id"].tolist(), offers["hf_id"].tolist()
    return [[i] + ([h] if isinstance(h, str) and h else []) for i, h in zip(ids, hfs, strict=True)]


def match_market(
    v1: pd.DataFrame,
    offers: pd.DataFrame,
    cutoff: float = DEFAULT_CUTOFF,
    margin: float = DEFAULT_MARGIN,
) -> MarketMatch:
    """Join every `/v1/models` entry (`v1_id`, `root`) to the offers that are the same model."""
    market = offers.loc[offers["provider"].ne("chutes")].reset_index(drop=True)
    if not len(v1) or not len(market):
        return MarketMatch(_empty(OFFER_MATCH_COLUMNS), _empty(NEAR_MISS_COLUMNS))
    offer_names = _offer_names(market)
    hf_keys = [names.hf_key(h) if isinstance(h, str) and h else None for h in market["hf_id"].tolist()]
    offer_loose = [[names.loose_key(n) for n in ns] for ns in offer_names]
    by_loose: dict[str, set[int]] = {}
    for j, keys in enumerate(offer_loose):
        for key in keys:
            by_loose.setdefault(key, set()).add(j)
    flat = sorted(by_loose)
    floor = max(cutoff - margin, 0.0)
    joined: list[dict] = []
    near: list[tuple[str, int, float, str]] = []
    for _, row in v1.iterrows():
        ours = _chutes_names(row)
        if not ours:
            continue
        v1_id = row["v1_id"]
        exact = {names.hf_key(n) for n in ours} | {names.hf_key(names.strip_tee(n)) for n in ours}
        loose = {names.loose_key(n) for n in ours}
        found: dict[int, tuple[str, float]] = {}
        refused: list[tuple[int, float, str]] = []
        for j, hf in enumerate(hf_keys):
            if hf is not None and hf in exact:
                found[j] = ("hf_id", 100.0)
        for key in loose:
            for j in sorted(by_loose.get(key, ())):
                if j in found:
                    continue
                if names.org_allowed(ours, _matching_name(offer_names[j], offer_loose[j], key)):
                    found[j] = ("normalized", 100.0)
                else:
                    refused.append((j, 100.0, "org is another lab"))
        scores = process.cdist(
            sorted(loose),
            flat,
            scorer=names.FUZZY_SCORER,
            processor=names.FUZZY_PROCESSOR,
            score_cutoff=floor,
        )
        for (a, b), score in zip(np.argwhere(scores > 0).tolist(), scores[scores > 0].tolist(), strict=True):
            ours_key, theirs = sorted(loose)[a], flat[b]
            if ours_key == theirs:
                continue
            reason = names.guard(ours_key, theirs) or (None if score >= cutoff else "below cutoff")
            for j in sorted(by_loose[theirs]):
                if j in found and found[j][1] >= score:
                    continue
                offer = _matching_name(offer_names[j], offer_loose[j], theirs)
                why = reason or (None if names.org_allowed(ours, offer) else "org is another lab")
                if why is None:
                    found[j] = ("fuzzy", round(float(score), 2))
                else:
                    refused.append((j, score, why))
        near += [(v1_id, j, round(float(score), 2), why) for j, score, why in refused if j not in found]
        for j, (how, score) in found.items():
            joined.append({"v1_id": v1_id, "_j": j, "match": how, "match_score": score})
    return MarketMatch(_joined(market, joined), _near_frame(market, near))


def _matching_name(offer_names: list[str], offer_loose: list[str], key: str) -> str:
    """The offer name whose loose key is `key` (its id, or its Hugging Face repo)."""
    return offer_names[offer_loose.index(key)] if key in offer_loose else offer_names[0]


def _joined(market: pd.DataFrame, joined: list[dict]) -> pd.DataFrame:
    if not joined:
        return _empty(OFFER_MATCH_COLUMNS)
    pairs = pd.DataFrame(joined)
    rank = pairs["match"].map({m: i for i, m in enumerate(MATCH_ORDER)})
    pairs = pairs.assign(_rank=rank).sort_values(["v1_id", "_rank", "_j"], kind="stable")
    out = market.iloc[pairs["_j"].to_numpy()].reset_index(drop=True)
    out.insert(0, "v1_id", pairs["v1_id"].to_numpy())
    out["match"] = pairs["match"].to_numpy()
    out["match_score"] = pairs["match_score"].to_numpy(dtype="float64")
    return out[OFFER_MATCH_COLUMNS].reset_index(drop=True)


def _near_frame(market: pd.DataFrame, near: list[tuple[str, int, float, str]]) -> pd.DataFrame:
    """The refusals, per Chutes model the most instructive first: same sizes and versions but
    refused (org, qualifier, score) before other versions, then by score."""
    if not near:
        return _empty(NEAR_MISS_COLUMNS)
    df = pd.DataFrame(near, columns=["v1_id", "_j", "score", "reason"])
    df = df.assign(_v=df["reason"].str.startswith("version tokens differ"))
    df = df.sort_values(["v1_id", "_v", "score"], ascending=[True, True, False]).drop_duplicates(
        ["v1_id", "_j"]
    )
    df = df.groupby("v1_id", sort=False).head(NEAR_MISSES_PER_MODEL)
    picked = market.iloc[df["_j"].to_numpy()]
    for col in ("source", "provider", "model_id"):
        df[col] = picked[col].to_numpy()
    return df[NEAR_MISS_COLUMNS].reset_index(drop=True)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
