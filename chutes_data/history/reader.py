"""Reading the snapshot tables (inside the caller's transaction): states, events, frames.

Events are derived from consecutive snapshots of a source (`state.diff_states`); only models
whose tracked values differ reach the detailed diff.
"""

from __future__ import annotations

import pandas as pd

from .db import Connection
from .state import CONTEXT_FIELDS, PRICE_FIELDS, STATE_COLUMNS, TAO_FIELDS, diff_states, stamp_iso

IDENTITY = ("key", "name", "chute_id", "template")  # columns of `models`
VALUES = tuple(c for c in STATE_COLUMNS if c not in IDENTITY)  # columns of `model_state`
EVENT_COLUMNS = ("key", "name", "chute_id", *PRICE_FIELDS, "hot", *CONTEXT_FIELDS)  # diff_states input
PRICE_HISTORY_COLUMNS = [
    "at",
    "source",
    "name",
    "chute_id",
    "price_input_usd",
    "price_output_usd",
    "price_cache_read_usd",
    "price_step_usd",
    "price_hour_usd",
    "hot",
    "context_length",
    "key",
    "price_request_usd",
    "max_output_length",
    *TAO_FIELDS,
    "last_seen_at",
]
SNAPSHOT_COLUMNS = [
    "id",
    "source",
    "captured_at",
    "last_seen_at",
    "models",
    "observations",
    "origin",
    "has_payload",
]
Snap = tuple[str, dict[str, tuple]]  # (captured_at stamp, {key: values of EVENT_COLUMNS})


def _qualified(columns: tuple[str, ...] | list[str]) -> str:
    return ", ".join(("d." if c in IDENTITY else "m.") + c for c in columns)


def snapshot_states(db: Connection, source: str, start: str) -> list[Snap]:
    """Every snapshot of source from the last one before `start` on, oldest first."""
    rows = db.execute(
        f"SELECT s.id, s.captured_at, {_qualified(EVENT_COLUMNS)} FROM snapshots s "
        "LEFT JOIN model_state m ON m.snapshot_id = s.id LEFT JOIN models d ON d.id = m.model_id "
        "WHERE s.source = :s AND s.captured_at >= COALESCE((SELECT MAX(captured_at) "
        "FROM snapshots WHERE source = :s AND captured_at < :t), '') "
        "ORDER BY s.captured_at, s.id",
        {"s": source, "t": start},
    ).fetchall()
    snaps: dict[int, Snap] = {}
    for sid, at, *values in rows:
        states = snaps.setdefault(sid, (at, {}))[1]
        if values[0] is not None:
            states[values[0]] = tuple(values)
    return list(snaps.values())


def states_events(pairs: list[tuple[Snap, Snap]], source: str) -> list[dict]:
    """The events of each (before, after) pair of snapshots, each with `_t` (the later snapshot's
    stamp) for `sort_events`."""
    events: list[dict] = []
    for (_, before), (at, after) in pairs:
        moved = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
        if moved:
            old, new = (
                {k: dict(zip(EVENT_COLUMNS, side[k], strict=True)) for k in moved if k in side}
                for side in (before, after)
            )
            events += [dict(e, _t=at) for e in diff_states(old, new, stamp_iso(at), source)]
    return events


def sort_events(events: list[dict]) -> list[dict]:
    """By (time, kind, name, field, source), without the private `_t`."""
    events.sort(key=lambda e: (e["_t"], e["kind"], e["name"] or "", e["field"] or "", e["source"]))
    return [{k: v for k, v in e.items() if k != "_t"} for e in events]


def price_history(db: Connection, key_or_name: str, source: str | None) -> pd.DataFrame:
    cols = PRICE_HISTORY_COLUMNS
    rows = db.execute(
        f"SELECT s.captured_at, s.source, {_qualified(cols[2:-1])}, "
        "(SELECT MAX(observed_at) FROM observations WHERE snapshot_id = s.id) "
        "FROM models d JOIN model_state m ON m.model_id = d.id "
        "JOIN snapshots s ON s.id = m.snapshot_id "
        "WHERE (d.key = :q OR d.name = :q OR d.chute_id = :q) "
        "AND s.source = COALESCE(:src, s.source) ORDER BY s.captured_at, s.source, d.key",
        {"q": key_or_name, "src": source},
    ).fetchall()
    df = pd.DataFrame(rows, columns=cols)
    for col in ("at", "last_seen_at"):
        df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    df["hot"] = pd.array([None if v is None else bool(v) for v in df["hot"]], dtype="boolean")
    for col in ("context_length", "max_output_length"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    for col in (c for c in cols if c.startswith("price_")):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def snapshots_frame(db: Connection, source: str | None) -> pd.DataFrame:
    rows = db.execute(
        "SELECT s.id, s.source, s.captured_at, MAX(o.observed_at), s.models, COUNT(o.observed_at), "
        "s.origin, s.payload IS NOT NULL FROM snapshots s "
        "LEFT JOIN observations o ON o.snapshot_id = s.id "
        "WHERE s.source = COALESCE(:src, s.source) GROUP BY s.id ORDER BY s.captured_at, s.id",
        {"src": source},
    ).fetchall()
    df = pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)
    df["has_payload"] = df["has_payload"].astype(bool)
    for col in ("captured_at", "last_seen_at"):
        df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    return df
