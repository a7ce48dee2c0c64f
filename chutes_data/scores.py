"""Your own quality scores beside price and speed (issue 20): a leaderboard table read and joined.

`CHUTES_SCORES` lists tables (paths or http(s) URLs; CSV or JSON records) with a `model` column and
numeric columns; `table.csv#column` picks one column, else a row's score is the mean of its numeric
columns, and `score_source` says which. Names are matched to Chutes' `/v1/models` ids by the market
join (`market.join.match_market`: the catalog's name rules, its guards and its near misses), the
method and score kept; rows that match nothing are listed for Merge gaps.

A hostile table (formula cells, a huge file, a wrong encoding, duplicate names, non-numeric cells)
is read as far as it safely can: what was dropped is listed in `problems`, and only a table with
nothing usable raises `ScoresError`. Pure: bytes in, frames out.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema
from .errors import PayloadError
from .market.join import match_market
from .market.readers import OFFER_COLUMNS

MAX_BYTES = 5_000_000  # a leaderboard is kilobytes; anything past this is not one
MAX_ROWS = 20_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SCORE_COLUMNS = tuple(schema.SCORE_COLUMNS)  # declared (with their meaning) in schema


class ScoresError(PayloadError):
    """A scores table that cannot be used at all (the message says why and what to do)."""


@dataclass(frozen=True)
class ScoreTable:
    """One table's rows (`model`, `score`), how the score was made, and what was dropped."""

    label: str  # where it came from, shown as the source (a file name or URL, no query string)
    method: str  # "column X" or "mean of N columns (A, B, ...)"
    rows: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"{self.label}: {self.method}"


def split_entry(entry: str) -> tuple[str, str | None]:
    """`path#column` -> (path, column); without `#`, (path, None)."""
    location, sep, column = entry.strip().rpartition("#")
    if not sep or not column.strip() or "/" in column:
        return entry.strip(), None
    return location, column.strip()


def _text(data: bytes, label: str) -> str:
    if len(data) > MAX_BYTES:
        raise ScoresError(
            f"{label}: {len(data) / 1e6:.1f} MB; a scores table may be at most {MAX_BYTES // 1_000_000} MB"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScoresError(
            f"{label}: not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); save the table as UTF-8"
        ) from None


def _frame(text: str, label: str) -> pd.DataFrame:
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise ScoresError(f"{label}: not valid JSON ({e.msg} at line {e.lineno})") from None
        if isinstance(doc, dict):
            doc = next((v for v in doc.values() if isinstance(v, list)), None)
        if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
            raise ScoresError(f"{label}: JSON must be a list of records ({{'model': ..., 'score': ...}})")
        return pd.DataFrame(doc[: MAX_ROWS + 1], dtype=object)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ScoresError(f"{label}: not a readable CSV ({str(e).strip().splitlines()[-1][:120]})") from None


def read_table(data: bytes, label: str, column: str | None = None) -> ScoreTable:
    """One table's scores. Raises ScoresError only when nothing usable is left."""
    frame = _frame(_text(data, label), label)
    problems: list[str] = []
    if len(frame) > MAX_ROWS:
        frame = frame.iloc[:MAX_ROWS]
        problems.append(f"more than {MAX_ROWS:,} rows: only the first {MAX_ROWS:,} were read")
    columns = {str(c).strip().casefold(): c for c in frame.columns}
    if "model" not in columns:
        raise ScoresError(f"{label}: no `model` column (columns: {', '.join(map(str, frame.columns))[:200]})")
    names = frame[columns["model"]].map(lambda v: "" if v is None else str(v).strip())
    formula = names.str.startswith(FORMULA_START) & names.ne("")
    if formula.any():
        problems.append(f"{int(formula.sum())} row(s) whose model cell looks like a formula were dropped")
    values = pd.DataFrame(
        {c: pd.to_numeric(frame[c], errors="coerce") for c in frame.columns if c != columns["model"]},
        index=frame.index,
        dtype="float64",
    )
    values = values.where(np.isfinite(values))  # inf is no score
    if column is not None:
        wanted = columns.get(column.casefold())
        if wanted is None or wanted == columns["model"]:
            listed = ", ".join(str(c) for c in frame.columns if c != columns["model"])[:200]
            raise ScoresError(f"{label}: no column {column!r} (columns: {listed})")
        numeric = [wanted]
        method = f"column {wanted}"
    else:
        numeric = [c for c in values.columns if values[c].notna().any()]
        shown = ", ".join(map(str, numeric[:4])) + (", …" if len(numeric) > 4 else "")
        method = f"mean of {len(numeric)} column{'s' if len(numeric) != 1 else ''} ({shown})"
    if not numeric:
        raise ScoresError(f"{label}: no numeric column besides `model`")
    for c in numeric:
        bad = int(
            (values[c].isna() & frame[c].map(lambda v: v not in (None, "") and str(v).strip() != "")).sum()
        )
        if bad:
            problems.append(f"column {c}: {bad} non-numeric cell(s) ignored")
    score = values[numeric].mean(axis="columns", skipna=True)
    rows = pd.DataFrame({"model": names, "score": score})
    rows = rows[~formula & rows["model"].ne("")]
    empty = rows["score"].isna()
    if empty.any():
        problems.append(f"{int(empty.sum())} row(s) without a numeric score were dropped")
    rows = rows[~empty]
    dup = rows["model"].str.casefold().duplicated()
    if dup.any():
        shown = ", ".join(sorted(set(rows.loc[dup, "model"]))[:5])
        problems.append(f"{int(dup.sum())} duplicate model name(s) ({shown}): the first row of each was kept")
    rows = rows[~dup].reset_index(drop=True)
    if rows.empty:
        raise ScoresError(f"{label}: no row has both a model name and a numeric score")
    return ScoreTable(label, method, rows, problems)


@dataclass(frozen=True)
class ScoreMatch:
    """Per `/v1/models` id its score (`score`, `score_source`, `score_match`), and the unmatched rows
    (`source`, `model`, `score`, `nearest`, `reason`) for Merge gaps."""

    scores: pd.DataFrame
    unmatched: pd.DataFrame


def match_scores(v1: pd.DataFrame, tables: list[ScoreTable]) -> ScoreMatch:
    """Join each table's names to the `/v1/models` ids (`v1`: `v1_id`, `root`) by the market join.
    The first table that scores a model wins; within a table the strongest match tier."""
    found: list[pd.DataFrame] = []
    unmatched: list[pd.DataFrame] = []
    taken: set[str] = set()
    for table in tables:
        offers = pd.DataFrame(
            {c: pd.Series([pd.NA] * len(table.rows), dtype="object") for c in OFFER_COLUMNS}
        )
        offers["source"], offers["provider"] = table.label, "scores"
        offers["model_id"] = table.rows["model"].to_numpy()
        offers["hf_id"], offers["as_of"] = None, None
        m = match_market(v1, offers)
        joined = m.offers.drop_duplicates("v1_id")  # sorted strongest tier first
        joined = joined[~joined["v1_id"].isin(taken)]
        by_name = dict(zip(table.rows["model"], table.rows["score"], strict=True))
        method = [
            f"{how} {score:g}" if how == "fuzzy" else str(how)
            for how, score in zip(joined["match"], joined["match_score"], strict=True)
        ]
        names = [f"{name} ({how})" for name, how in zip(joined["model_id"], method, strict=True)]
        found.append(
            pd.DataFrame(
                {
                    "v1_id": joined["v1_id"].to_numpy(),
                    "score": joined["model_id"].map(by_name).astype("float64").to_numpy(),
                    "score_source": table.source,
                    "score_match": names,
                }
            )
        )
        taken |= set(joined["v1_id"])
        used = set(m.offers["model_id"])
        near = m.near_misses.sort_values("score", ascending=False).drop_duplicates("model_id")
        nearest = dict(zip(near["model_id"], near["v1_id"] + ": " + near["reason"], strict=True))
        left = table.rows[~table.rows["model"].isin(used)]
        unmatched.append(
            pd.DataFrame(
                {
                    "source": table.label,
                    "model": left["model"].to_numpy(),
                    "score": left["score"].to_numpy(),
                    "nearest": left["model"].map(nearest).to_numpy(),
                }
            )
        )
    cols = ["v1_id", *SCORE_COLUMNS]
    scores = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=cols)
    gaps = (
        pd.concat(unmatched, ignore_index=True)
        if unmatched
        else pd.DataFrame(columns=["source", "model", "score", "nearest"])
    )
    return ScoreMatch(scores[cols], gaps)


def with_scores(models: pd.DataFrame, match: ScoreMatch) -> pd.DataFrame:
    """`models` with `score`, `score_source`, `score_match` (NA where no table scores the model)."""
    by_id = match.scores.set_index("v1_id")
    out = models.drop(columns=[c for c in SCORE_COLUMNS if c in models.columns])
    ids = out["v1_id"]
    out["score"] = ids.map(by_id["score"]).astype("float64")
    out["score_source"] = ids.map(by_id["score_source"]).astype("object")
    out["score_match"] = ids.map(by_id["score_match"]).astype("object")
    return out


def frontier(models: pd.DataFrame, currency: str = "usd", blend: float | None = None) -> pd.DataFrame:
    """Score against blended price: `name`, `v1_id`, `price`, `score`, `efficient` for every row with
    both. Efficient: no other model is both at most as expensive and better (the upper-left
    staircase: walking up in price, a model is on it only if it beats every cheaper one)."""
    from .query import BLEND_RATIO, blended_price

    price = blended_price(models, currency, BLEND_RATIO if blend is None else blend)  # type: ignore[arg-type]
    score = pd.to_numeric(models["score"], errors="coerce") if "score" in models.columns else price * np.nan
    points = pd.DataFrame(
        {"name": models["name"], "v1_id": models["v1_id"], "price": price, "score": score}
    ).dropna(subset=["price", "score"])
    points = points.sort_values(["price", "score"], ascending=[True, False], kind="stable")
    best = points["score"].cummax().shift(fill_value=-np.inf)
    points["efficient"] = points["score"] > best
    return points.reset_index(drop=True)


def score_per_dollar(models: pd.DataFrame, currency: str = "usd") -> pd.Series:
    """Score points per unit of blended price per 1M tokens (NA without both, or when free)."""
    from .query import blended_price

    price = blended_price(models, currency)  # type: ignore[arg-type]
    score = pd.to_numeric(models["score"], errors="coerce") if "score" in models.columns else price * np.nan
    return (score / price.where(price > 0)).astype("float64")
