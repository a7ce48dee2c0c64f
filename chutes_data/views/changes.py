"""The Changes page's tables, from history events (pure: DataFrame in, DataFrame out; no streamlit).

Events are the frame of `ui.data.history_events()`: one row per `HistoryStore.changes()` event
(at, kind, source, name, chute_id, field, old, new), `at` as UTC timestamps. Price events are in
USD (TAO prices are stored beside them but follow the TAO/USD rate on every capture, so they are
not events), so changes are always shown in USD.

"This week" is the 7 days up to the *newest capture* in the history (not the wall clock): a
history that stopped being refreshed a month ago still shows what changed in its last week, and
an app refreshing regularly has its newest capture at about now anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from .. import textsafe
from ..history.state import EVENT_KINDS
from ..sources.registry import LABELS as SOURCE_LABELS
from .change_fields import (
    FIELD_LABELS,
    FIELD_UNITS,
    KIND_LABELS,
    KIND_NAMES,
    UNIT_AXIS,
    _missing,
    _text,
    change_text,
    format_value,
    history_key,
    relative_change,
)

# The field vocabulary lives in .change_fields; re-exported: the pages read it as `timeline.*`.
__all__ = [
    "FIELD_LABELS",
    "FIELD_UNITS",
    "KIND_LABELS",
    "KIND_NAMES",
    "UNIT_AXIS",
    "change_text",
    "format_value",
    "history_key",
    "relative_change",
]

WEEK = timedelta(days=7)
TIMELINE_COLUMNS = ["at", "kind", "model", "field", "change", "source", "details"]


# ---------------------------------------------------------------------------- time window
def reference_time(
    snapshots: pd.DataFrame | None, events: pd.DataFrame | None = None, now: datetime | None = None
) -> datetime:
    """The end of "this week": the newest capture in the history (snapshots' `last_seen_at`),
    else the newest event, else now (UTC)."""
    for frame, col in ((snapshots, "last_seen_at"), (snapshots, "captured_at"), (events, "at")):
        if frame is not None and col in frame.columns and frame[col].notna().any():
            return pd.Timestamp(frame[col].max()).to_pydatetime()
    return now or datetime.now(UTC)


def previous_snapshot_time(snapshots: pd.DataFrame | None) -> datetime | None:
    """The default "since" of "What changed since…": when the snapshot before the current one
    (of any source) was captured, so the changes it marks new are those of the latest snapshot
    of each source; None with fewer than two snapshots."""
    if snapshots is None or snapshots.empty or "captured_at" not in snapshots.columns:
        return None
    times = snapshots.dropna(subset=["captured_at"])
    latest = times.groupby("source")["captured_at"].idxmax()  # each source's current snapshot
    before = times.drop(index=latest.tolist())["captured_at"]
    return None if before.empty else pd.Timestamp(before.max()).to_pydatetime()


def in_window(events: pd.DataFrame, end: datetime, span: timedelta = WEEK) -> pd.DataFrame:
    """Events in (end - span, end]."""
    if events.empty:
        return events
    at = events["at"]
    return events[(at > pd.Timestamp(end) - span) & (at <= pd.Timestamp(end))]


def kind_counts(events: pd.DataFrame) -> dict[str, int]:
    """Events per kind, a price move once per model and snapshot however many of its prices
    moved: the one count the Kind chips and the "Price moves" tile both show."""
    if events.empty:
        return {}
    counts = {str(k): int(n) for k, n in events["kind"].value_counts().items()}
    moves = events.loc[events["kind"] == "price_changed", ["source", "name", "chute_id", "at"]]
    return counts | ({"price_changed": len(moves.drop_duplicates())} if len(moves) else {})


def week_kpis(events: pd.DataFrame, end: datetime, span: timedelta = WEEK) -> dict[str, int]:
    """Counts over the window: events, added, removed, price moves (as `kind_counts`)."""
    week = in_window(events, end, span)
    counts = kind_counts(week)
    names = {"added": "added", "removed": "removed", "price_moves": "price_changed"}
    return {"events": len(week)} | {key: counts.get(kind, 0) for key, kind in names.items()}


# ---------------------------------------------------------------------------- filtering
def model_names(events: pd.DataFrame) -> list[str]:
    """The models the events are about, most recently changed first (for a model filter)."""
    if events.empty:
        return []
    named = events.dropna(subset=["name"]).sort_values("at", ascending=False, kind="stable")
    return [str(n) for n in dict.fromkeys(named["name"])]


def filter_events(
    events: pd.DataFrame,
    kinds: Iterable[str] | None = None,
    models: Iterable[str] | None = None,
    since: datetime | None = None,
) -> pd.DataFrame:
    """Events of `kinds` (all when empty/None), about `models` (names; all when empty/None), at or
    after `since` (all when None)."""
    out = events
    kinds, models = [k for k in (kinds or ()) if k in EVENT_KINDS], list(models or ())
    if kinds:
        out = out[out["kind"].isin(kinds)]
    if models:
        out = out[out["name"].isin(models)]
    if since is not None and not out.empty:
        out = out[out["at"] >= pd.Timestamp(since)]
    return out


# ---------------------------------------------------------------------------- tables
def timeline_frame(
    events: pd.DataFrame, link: Callable[[Any, Any], str | None], since: datetime | None = None
) -> pd.DataFrame:
    """TIMELINE_COLUMNS, newest first: at, kind (icon + label), model, field (label), change
    (`old → new`, USD and relative change for prices), source (API path), details
    (`link(chute_id, name)`). All cells plain text for `st.dataframe`."""
    if events.empty:
        frame = pd.DataFrame(columns=TIMELINE_COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame
    ev = events.sort_values("at", ascending=False, kind="stable")
    rows = zip(
        ev["kind"], ev["name"], ev["chute_id"], ev["field"], ev["old"], ev["new"], ev["source"], strict=True
    )
    out = [
        {
            "kind": KIND_LABELS.get(kind, str(kind)),
            "model": _text(name) or "?",
            "field": FIELD_LABELS.get(field, "" if _missing(field) else str(field)),
            "change": change_text(field, old, new),
            "source": SOURCE_LABELS.get(source, str(source)),
            "details": link(chute_id, name),
        }
        for kind, name, chute_id, field, old, new, source in rows
    ]
    frame = pd.DataFrame(out, columns=TIMELINE_COLUMNS[1:])
    frame.insert(0, "at", ev["at"].to_numpy())
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    if since is not None:  # "What changed since…": mark the events after that time
        frame.insert(1, "new", (frame["at"] > pd.Timestamp(since)).to_numpy())
    return frame.reset_index(drop=True)


NEW_COLUMNS = ["model", "added", "source", "listed", "price_input", "price_output", "details"]


def catalog_lookup(models: pd.DataFrame | None) -> Callable[[Any, Any], int | None]:
    """`find(chute_id, name)` -> the position of that model in the current catalog (by chute_id,
    else by name or v1 id), or None when it is not listed now."""
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    if models is not None and not models.empty:
        v1_ids = models["v1_id"] if "v1_id" in models.columns else [None] * len(models)
        for i, (cid, name, v1id) in enumerate(zip(models["chute_id"], models["name"], v1_ids, strict=True)):
            if _text(cid):
                by_id.setdefault(cid, i)
            for n in (_text(name), _text(v1id)):
                if n:
                    by_name.setdefault(n, i)

    def find(chute_id: Any, name: Any) -> int | None:
        found = by_id.get(_text(chute_id) or "")
        return found if found is not None else by_name.get(_text(name) or "")

    return find


def listed_link(
    models: pd.DataFrame | None, link: Callable[[Any, Any], str | None]
) -> Callable[[Any, Any], str | None]:
    """`link` for models listed in the current catalog, None for the others (a removed model has
    no detail page to open)."""
    find = catalog_lookup(models)
    return lambda chute_id, name: link(chute_id, name) if find(chute_id, name) is not None else None


def new_models(
    events: pd.DataFrame,
    end: datetime,
    models: pd.DataFrame | None,
    currency: str,
    link: Callable[[Any, Any], str | None],
    span: timedelta = WEEK,
) -> pd.DataFrame:
    """Models added in the window, newest first: model, added (time), source, listed (in the
    current catalog), price_input / price_output (per 1M tokens now, in `currency`; NaN when
    unknown or not token-priced), details (`link`, only for listed models)."""
    week = in_window(events, end, span)
    added = week[week["kind"] == "added"] if not week.empty else week
    if added.empty:
        frame = pd.DataFrame(columns=NEW_COLUMNS)
        frame["added"] = pd.to_datetime(frame["added"], utc=True)
        return frame
    find = catalog_lookup(models)
    rows = []
    added = added.sort_values("at", ascending=False, kind="stable")
    for _, e in added.drop_duplicates(subset=["name", "chute_id"], keep="first").iterrows():
        i = find(e["chute_id"], e["name"])
        row = models.iloc[i] if i is not None and models is not None else None
        price: dict[str, float] = {}
        for side in ("input", "output"):
            value = row.get(f"price_{side}_{currency}") if row is not None else None
            price[side] = float("nan") if value is None or _missing(value) else float(value)
        cid = _text(e["chute_id"]) or (_text(row["chute_id"]) if row is not None else None)
        rows.append(
            {
                "model": _text(e["name"]) or "?",
                "added": e["at"],
                "source": SOURCE_LABELS.get(e["source"], str(e["source"])),
                "listed": row is not None,
                "price_input": price["input"],
                "price_output": price["output"],
                "details": link(cid, e["name"]) if row is not None else None,
            }
        )
    frame = pd.DataFrame(rows, columns=NEW_COLUMNS)
    frame["added"] = pd.to_datetime(frame["added"], utc=True)
    return frame


PRICED_COLUMNS = [
    "label",
    "name",
    "source",
    "key",
    "unit",
    "last_move",
    "moves",
    "fields",
    "price_moves",
    "last_fields",
]


def priced_models(events: pd.DataFrame) -> pd.DataFrame:
    """One row per model (per source) with a price move, the most recent move first: label (for a
    picker), name, source, key (for `price_history(key, source)`), unit (price_unit of its latest
    move), last_move, moves (number of repricings: snapshots at which any of its prices moved,
    cache read included), fields (how many prices moved at the last one), price_moves (events:
    every price that moved, every time), last_fields (labels of the prices that moved last, e.g.
    "input /1M, output /1M, cache read /1M"). Ties on last_move put the widest repricing first."""
    prices = events[events["kind"] == "price_changed"] if not events.empty else events
    if prices.empty:
        return pd.DataFrame(columns=PRICED_COLUMNS)
    prices = prices.assign(
        key=pd.Series(
            [
                history_key(s, n, c)
                for s, n, c in zip(prices["source"], prices["name"], prices["chute_id"], strict=True)
            ],
            index=prices.index,
            dtype=object,
        )
    )
    prices = prices.dropna(subset=["key"]).sort_values("at", ascending=False, kind="stable")
    many_sources = prices["source"].nunique() > 1
    rows = []
    for (source, key), group in prices.groupby(["source", "key"], sort=False):
        name = _text(group["name"].iloc[0]) or str(key)
        label = textsafe.clean(name, 120)
        label = f"{label} ({SOURCE_LABELS.get(str(source), str(source))})" if many_sources else label
        rows.append(
            {
                "label": label,
                "name": name,
                "source": source,
                "key": key,
                "unit": FIELD_UNITS.get(group["field"].iloc[0], "per_1m_tokens"),
                "last_move": group["at"].iloc[0],
                "moves": int(group["at"].nunique()),
                "fields": int((group["at"] == group["at"].iloc[0]).sum()),
                "price_moves": len(group),
                "last_fields": ", ".join(
                    FIELD_LABELS.get(f, str(f))
                    for f in sorted(
                        group.loc[group["at"] == group["at"].iloc[0], "field"],
                        key=lambda f: list(FIELD_LABELS).index(f) if f in FIELD_LABELS else 99,
                    )
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=PRICED_COLUMNS)
    dup = frame["label"].duplicated(keep=False)  # same name, different chutes: tell them apart
    frame.loc[dup, "label"] = [
        f"{lab} · {str(key)[:8]}"
        for lab, key in zip(frame.loc[dup, "label"], frame.loc[dup, "key"], strict=True)
    ]
    dup = frame["label"].duplicated(keep="first")
    frame.loc[dup, "label"] = [
        f"{lab} · #{i}" for i, lab in zip(frame.index[dup], frame.loc[dup, "label"], strict=True)
    ]
    return frame.sort_values(
        ["last_move", "fields", "label"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
