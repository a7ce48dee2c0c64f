"""History: every successful fetch kept as a snapshot in an embedded SQLite database.

Model of the data
-----------------
A *snapshot* row is a run of consecutive captures (in capture-time order) of one source whose
*tracked state* is identical. The tracked state of a capture is one row per model: identity
(key, name, chute_id, template; interned once in `models`) and values (USD prices, hot,
context_length, max_output_length; one `model_state` row per snapshot and model). It excludes
fields that move on every capture without meaning anything (v1 `created`, TAO prices, invocation
counts, instances), which is why dedupe is on state and not on the raw payload bytes: consecutive
v1 captures never have the same bytes. A capture whose state equals the snapshot before it in time
stores no new row; it is kept as an `observations` row, so `last_seen_at` says how long the state held.

* `captured_at` of a snapshot is its first observation; its `payload` is that observation's raw
  payload (zlib-compressed canonical JSON). TAO prices in `model_state` are from that capture too.
  Only the newest `keep_payloads` snapshots per source keep their payload; older ones keep their
  state (all the timeline needs), which bounds the size of a /chutes/ history (hot flips are frequent).
* Captures may arrive out of time order (a backfill after live fetches): a capture is placed by
  time, deduped against its neighbours in time, and splits a run when it falls inside one with a
  different state, so the timeline is the same whatever the insertion order.
* Keys: `chute_id` for the `chutes` source (names are not unique across owners), the model id for
  `v1` (always present and unique there; `chute_id` is missing from older responses).
* Retention is per source and relative to that source's newest observation (not the wall clock),
  so a backfill of old captures is not pruned away and growth stays bounded: snapshots last seen
  more than `retention_days` before it go, then all but the newest `max_snapshots`. The newest
  snapshot of a source is never pruned.
* A file that is not an SQLite database (or is malformed) is moved aside to
  `<name>.corrupt-<UTC time>` with a logged warning, and a fresh database is created. A database
  from a newer schema version raises `HistoryError` and is left untouched.

Events (`changes`) are computed between consecutive snapshots of a source; see
`state.diff_states`. The file, schema and migrations are in `db`; backfill from files in
`backfill`; the terminal text format in `text`. No streamlit.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import HistoryError, PayloadError
from ..sources.registry import CATALOG_SOURCES as SOURCES
from .db import connect
from .retention import prune
from .state import (
    CONTEXT_FIELDS,
    EVENT_KINDS,
    PRICE_FIELDS,
    STATE_COLUMNS,
    TAO_FIELDS,
    diff_states,
    payload_states,
    stamp_iso,
    state_signature,
    to_stamp,
)

DB_FILENAME = "history.sqlite"  # inside the cache directory (history.history_path)
_IDENTITY = ("key", "name", "chute_id", "template")  # columns of `models`
_VALUES = tuple(c for c in STATE_COLUMNS if c not in _IDENTITY)  # columns of `model_state`
_EVENT_COLUMNS = ("key", "name", "chute_id", *PRICE_FIELDS, "hot", *CONTEXT_FIELDS)  # diff_states input


# ---------------------------------------------------------------------------- the store
class HistoryStore:
    """Snapshots of the sources, and the events and price histories derived from them.

    One connection shared by threads (`check_same_thread=False`) behind a lock; writes take
    `BEGIN IMMEDIATE`, WAL mode lets other processes read meanwhile. Every sqlite error surfaces
    as `HistoryError`.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int | None = 180,
        max_snapshots: int | None = 2000,
        keep_payloads: int | None = 100,
        timeout: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.retention_days, self.max_snapshots = retention_days, max_snapshots
        self.keep_payloads = keep_payloads
        self._lock = threading.RLock()
        moved: list[Path] = []
        self._conn = connect(self.path, timeout, moved)
        self.moved_aside: Path | None = moved[0] if moved else None  # a corrupt file, on this open

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise HistoryError(f"history database {self.path}: {exc}") from None

    # ------------------------------------------------------------------------ writing
    def record(
        self,
        source: str,
        payload: dict | list,
        captured_at: Any,
        *,
        origin: str = "live",
        allow_empty: bool = True,
    ) -> bool:
        """Keep one capture. True when it starts a new snapshot (its state differs from the one
        before it in time); False when it only extends a snapshot (same state) or this source was
        already observed at exactly this time. Raises PayloadError for an unusable payload, and
        for one listing no models unless `allow_empty`."""
        states = payload_states(source, payload)
        if not states and not allow_empty:
            raise PayloadError(f"{source}: no models in payload", source=source)
        try:
            canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise HistoryError(f"{source}: payload is not JSON-serializable: {exc}") from None
        psha = hashlib.sha256(canonical.encode()).hexdigest()
        ssig, t = state_signature(states), to_stamp(captured_at)
        with self._tx(write=True) as db:
            if db.execute(
                "SELECT 1 FROM observations o JOIN snapshots s ON s.id = o.snapshot_id "
                "WHERE s.source = ? AND o.observed_at = ?",
                (source, t),
            ).fetchone():
                return False
            near = (
                "SELECT id, state_sha256 FROM snapshots WHERE source = ? AND captured_at {} ? "
                "ORDER BY captured_at {d}, id {d} LIMIT 1"
            )
            prev = db.execute(near.format("<=", d="DESC"), (source, t)).fetchone()
            if prev and prev[1] == ssig:
                db.execute("INSERT INTO observations VALUES (?, ?, ?)", (prev[0], t, psha))
                prune(
                    db,
                    source,
                    retention_days=self.retention_days,
                    max_snapshots=self.max_snapshots,
                    keep_payloads=self.keep_payloads,
                )
                return False
            blob = zlib.compress(canonical.encode(), 6)
            nxt = db.execute(near.format(">", d="ASC"), (source, t)).fetchone()
            later = (
                db.execute(
                    "SELECT 1 FROM observations WHERE snapshot_id = ? AND observed_at > ?", (prev[0], t)
                ).fetchone()
                if prev
                else None
            )
            if later:  # t falls inside prev's run: the part after t becomes its own snapshot
                self._split(db, prev[0], t)
            elif nxt and nxt[1] == ssig:  # an earlier sighting of the next snapshot's state
                db.execute(
                    "UPDATE snapshots SET captured_at = ?, payload_sha256 = ?, payload = ?, "
                    "origin = ? WHERE id = ?",
                    (t, psha, blob, origin, nxt[0]),
                )
                db.execute("INSERT INTO observations VALUES (?, ?, ?)", (nxt[0], t, psha))
                prune(
                    db,
                    source,
                    retention_days=self.retention_days,
                    max_snapshots=self.max_snapshots,
                    keep_payloads=self.keep_payloads,
                )
                return False
            sid = db.execute(
                "INSERT INTO snapshots (source, captured_at, payload_sha256, payload, origin, "
                "state_sha256, models) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (source, t, psha, blob, origin, ssig, len(states)),
            ).lastrowid
            self._insert_states(db, sid, source, states)  # type: ignore[arg-type]  # set by INSERT
            db.execute("INSERT INTO observations VALUES (?, ?, ?)", (sid, t, psha))
            prune(
                db,
                source,
                retention_days=self.retention_days,
                max_snapshots=self.max_snapshots,
                keep_payloads=self.keep_payloads,
            )
            return True

    @staticmethod
    def _insert_states(db: sqlite3.Connection, sid: int, source: str, states: list[dict]) -> None:
        idents = [json.dumps([source, *(s[c] for c in _IDENTITY)]) for s in states]
        db.executemany(
            "INSERT OR IGNORE INTO models (ident, source, key, name, chute_id, template) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(i, source, *(s[c] for c in _IDENTITY)) for i, s in zip(idents, states, strict=True)],
        )
        ids = dict(db.execute("SELECT ident, id FROM models WHERE source = ?", (source,)))
        db.executemany(
            f"INSERT INTO model_state (snapshot_id, model_id, {', '.join(_VALUES)}) "
            f"VALUES (?, ?{', ?' * len(_VALUES)})",
            [(sid, ids[i], *(s[c] for c in _VALUES)) for i, s in zip(idents, states, strict=True)],
        )

    @staticmethod
    def _split(db: sqlite3.Connection, sid: int, t: str) -> None:
        first = db.execute(
            "SELECT MIN(observed_at) FROM observations WHERE snapshot_id = ? AND observed_at > ?", (sid, t)
        ).fetchone()[0]
        new = db.execute(
            "INSERT INTO snapshots (source, captured_at, payload_sha256, payload, origin, "
            "state_sha256, models) SELECT source, ?, payload_sha256, payload, origin, "
            "state_sha256, models FROM snapshots WHERE id = ?",
            (first, sid),
        ).lastrowid
        cols = ", ".join(("model_id", *_VALUES))
        db.execute(
            f"INSERT INTO model_state (snapshot_id, {cols}) SELECT ?, {cols} FROM model_state "
            "WHERE snapshot_id = ?",
            (new, sid),
        )
        db.execute(
            "UPDATE observations SET snapshot_id = ? WHERE snapshot_id = ? AND observed_at > ?", (new, sid, t)
        )

    # ------------------------------------------------------------------------ reading
    def changes(
        self,
        since: Any = None,
        source: str | None = None,
        kinds: Iterable[str] | None = None,
        model: str | None = None,
    ) -> list[dict]:
        """Events between consecutive snapshots, each `{"kind", "name", "chute_id", "field", "old",
        "new", "at", "source"}`, `at` being the later snapshot's ISO UTC time; only events at or after
        `since` (datetime, date or ISO string), of `kinds`, about `model` (a key, name or chute_id).
        Sorted by (at, kind, name, field, source)."""
        wanted = set(EVENT_KINDS if kinds is None else ([kinds] if isinstance(kinds, str) else kinds))
        if not wanted <= set(EVENT_KINDS):
            raise HistoryError(
                f"unknown event kinds {sorted(wanted - set(EVENT_KINDS))}; expected {EVENT_KINDS}"
            )
        if source is not None and source not in SOURCES:
            raise HistoryError(f"unknown source {source!r}; expected one of {SOURCES}")
        start = to_stamp(since) if since is not None else ""
        sources = [source] if source else list(SOURCES)
        events = []
        for src in sources:
            snaps = self._states(src, start)
            for (_, before), (at, after) in pairwise(snaps):
                if at < start:
                    continue
                moved = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
                if moved:  # only models whose tracked values differ reach the detailed diff
                    old, new = (
                        {k: dict(zip(_EVENT_COLUMNS, side[k], strict=True)) for k in moved if k in side}
                        for side in (before, after)
                    )
                    events += [dict(e, _t=at) for e in diff_states(old, new, stamp_iso(at), src)]
        events = [
            e
            for e in events
            if e["kind"] in wanted and (model is None or model in (e["name"], e["chute_id"]))
        ]
        events.sort(key=lambda e: (e["_t"], e["kind"], e["name"] or "", e["field"] or "", e["source"]))
        return [{k: v for k, v in e.items() if k != "_t"} for e in events]

    def _states(self, source: str, start: str) -> list[tuple[str, dict[str, tuple]]]:
        """(captured_at, {key: values of _EVENT_COLUMNS}) per snapshot of source, oldest first,
        from the last snapshot before `start` on."""
        columns = ", ".join(("d." if c in _IDENTITY else "m.") + c for c in _EVENT_COLUMNS)
        with self._tx() as db:
            rows = db.execute(
                f"SELECT s.id, s.captured_at, {columns} FROM snapshots s "
                "LEFT JOIN model_state m ON m.snapshot_id = s.id LEFT JOIN models d ON d.id = m.model_id "
                "WHERE s.source = :s AND s.captured_at >= COALESCE((SELECT MAX(captured_at) "
                "FROM snapshots WHERE source = :s AND captured_at < :t), '') "
                "ORDER BY s.captured_at, s.id",
                {"s": source, "t": start},
            ).fetchall()
        snaps: dict[int, tuple[str, dict[str, tuple]]] = {}
        for sid, at, *values in rows:
            states = snaps.setdefault(sid, (at, {}))[1]
            if values[0] is not None:
                states[values[0]] = tuple(values)
        return list(snaps.values())

    def price_history(self, key_or_name: str, source: str | None = None) -> pd.DataFrame:
        """One row per snapshot in which the model (key, name or chute_id) appears, oldest first:
        at, source, name, chute_id, USD prices, hot, context_length, plus key, max_output_length,
        the TAO prices beside the USD ones (TAO_FIELDS, as of the snapshot's first capture; NaN
        when unstated or recorded before schema 2) and last_seen_at (the last capture still
        showing that snapshot's state). For step charts, a row's values hold from `at` until the
        next row of the same source and key."""
        cols = [
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
        with self._tx() as db:
            rows = db.execute(
                f"SELECT s.captured_at, s.source, "
                f"{', '.join(('d.' if c in _IDENTITY else 'm.') + c for c in cols[2:-1])}, "
                "(SELECT MAX(observed_at) FROM observations WHERE snapshot_id = s.id) "
                "FROM models d JOIN model_state m ON m.model_id = d.id "
                "JOIN snapshots s ON s.id = m.snapshot_id "
                "WHERE (d.key = :q OR d.name = :q OR d.chute_id = :q) "
                "AND (:src IS NULL OR s.source = :src) ORDER BY s.captured_at, s.source, d.key",
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

    def snapshots_frame(self, source: str | None = None) -> pd.DataFrame:
        """id, source, captured_at, last_seen_at, models, observations, origin, has_payload;
        oldest first."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT s.id, s.source, s.captured_at, MAX(o.observed_at), s.models, COUNT(o.observed_at), "
                "s.origin, s.payload IS NOT NULL FROM snapshots s "
                "LEFT JOIN observations o ON o.snapshot_id = s.id "
                "WHERE (:src IS NULL OR s.source = :src) GROUP BY s.id ORDER BY s.captured_at, s.id",
                {"src": source},
            ).fetchall()
        df = pd.DataFrame(
            rows,
            columns=[
                "id",
                "source",
                "captured_at",
                "last_seen_at",
                "models",
                "observations",
                "origin",
                "has_payload",
            ],
        )
        df["has_payload"] = df["has_payload"].astype(bool)
        for col in ("captured_at", "last_seen_at"):
            df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
        return df

    def revision(self) -> str:
        """Changes whenever anything is recorded or pruned: a cache key for memoized UI queries."""
        with self._tx() as db:
            snaps = db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM snapshots").fetchone()
            obs = db.execute("SELECT COUNT(*), COALESCE(MAX(observed_at), '') FROM observations").fetchone()
        return f"{snaps[0]}-{snaps[1]}-{obs[0]}-{obs[1]}"

    def latest_payload(self, source: str) -> Any:
        """The raw payload of the newest snapshot of source (the capture that first showed the
        current state), or None when there is none."""
        with self._tx() as db:
            row = db.execute(
                "SELECT id FROM snapshots WHERE source = ? ORDER BY captured_at DESC, id DESC LIMIT 1",
                (source,),
            ).fetchone()
        return self.payload(row[0]) if row else None

    def payload(self, snapshot_id: int) -> Any:
        """The raw payload of a snapshot (an id from snapshots_frame), or None when it is unknown
        or its payload was dropped (only the newest `keep_payloads` per source are kept)."""
        with self._tx() as db:
            row = db.execute("SELECT payload FROM snapshots WHERE id = ?", (int(snapshot_id),)).fetchone()
        try:
            return json.loads(zlib.decompress(row[0])) if row and row[0] is not None else None
        except (zlib.error, ValueError) as exc:
            raise HistoryError(f"history database {self.path}: stored payload is corrupt: {exc}") from None


__all__ = ["DB_FILENAME", "HistoryStore"]
