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
`state.diff_states`. `record()` diffs a capture against its neighbours once and returns (and, for
live captures, journals) the events it brought: the SSE stream and the webhooks read those from
the journal (`journal`), never by diffing again. The SQLite engine (file, schema, migrations,
the one transaction helper) is in `db`; the queries in `writer` and `reader`; backfill from files
in `backfill`; the terminal text format in `text`. No streamlit.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import HistoryError, PayloadError
from ..sources.registry import CATALOG_SOURCES as SOURCES
from . import journal, reader
from .db import Connection, connect, identity, transaction
from .retention import prune
from .state import EVENT_KINDS, payload_states, state_signature, to_stamp
from .writer import Capture, captured_events, write_capture

DB_FILENAME = "history.sqlite"  # inside the cache directory (history.history_path)
MAX_SNAPSHOTS = 2000  # per source (retention)
KEEP_PAYLOADS = 100  # newest snapshots per source that keep their raw payload


@dataclass(frozen=True)
class Recorded:
    """What `record()` did: whether the capture started a snapshot (truthy then), and the
    events it brought (each with its journal number `id` when journaled: live captures)."""

    stored: bool
    events: tuple[dict, ...] = ()

    def __bool__(self) -> bool:
        return self.stored


# ---------------------------------------------------------------------------- the store
class HistoryStore:
    """Snapshots of the sources, and the events and price histories derived from them.

    One connection shared by threads behind a lock; every access goes through `db.transaction`
    (writes take the write lock up front, WAL lets other processes read meanwhile), and every
    database error surfaces as `HistoryError`. `readonly`: a reader's handle (pages, the API),
    which never writes or prunes; see `shared_store`.
    """

    _shared = False  # a process-wide handle (shared_store): `with` does not close it

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int | None = 180,
        max_snapshots: int | None = MAX_SNAPSHOTS,
        keep_payloads: int | None = KEEP_PAYLOADS,
        timeout: float = 5.0,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.retention_days, self.max_snapshots = retention_days, max_snapshots
        self.keep_payloads = keep_payloads
        self.readonly = readonly
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
        if not self._shared:
            self.close()

    def _tx(self, write: bool = False) -> AbstractContextManager[Connection]:
        if write and self.readonly:
            raise HistoryError(f"history database {self.path}: this handle is read-only")
        return transaction(self._conn, self._lock, self.path, write=write)

    def reading(self) -> AbstractContextManager[Connection]:
        """A read transaction on this handle, for the package's other readers (telemetry)."""
        return self._tx()

    # ------------------------------------------------------------------------ writing
    def record(
        self,
        source: str,
        payload: dict | list,
        captured_at: Any,
        *,
        origin: str = "live",
        allow_empty: bool = True,
    ) -> Recorded:
        """Keep one capture; what it did (`Recorded`: truthy when it starts a new snapshot, i.e.
        its state differs from the one before it in time; falsy when it only extends a snapshot
        or this source was already observed at exactly this time) and the events it brought.
        The events of a live capture are journaled for SSE and the webhooks. Raises PayloadError
        for an unusable payload, and for one listing no models unless `allow_empty`."""
        states = payload_states(source, payload)
        if not states and not allow_empty:
            raise PayloadError(f"{source}: no models in payload", source=source)
        try:
            canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise HistoryError(f"{source}: payload is not JSON-serializable: {exc}") from None
        capture = Capture(
            source=source,
            states=states,
            signature=state_signature(states),
            stamp=to_stamp(captured_at),
            payload_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
            blob=zlib.compress(canonical.encode(), 6),
            origin=origin,
        )
        with self._tx(write=True) as db:
            stored = write_capture(db, capture)
            events = captured_events(db, source, capture.stamp) if stored else []
            if origin == "live":
                events = journal.append(db, source, capture.stamp, events)
            prune(
                db,
                source,
                retention_days=self.retention_days,
                max_snapshots=self.max_snapshots,
                keep_payloads=self.keep_payloads,
            )
        return Recorded(stored, tuple(events))

    def publish(self) -> tuple[int, list[dict]]:
        """A new durable revision and the journaled events since the previous one (each with
        its `id`): what one refresh publishes (see `journal.publish`)."""
        with self._tx(write=True) as db:
            return journal.publish(db)

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
        events = []
        with self._tx() as db:
            for src in [source] if source else list(SOURCES):
                pairs = [(a, b) for a, b in pairwise(reader.snapshot_states(db, src, start)) if b[0] >= start]
                events += reader.states_events(pairs, src)
        events = [
            e
            for e in events
            if e["kind"] in wanted and (model is None or model in (e["name"], e["chute_id"]))
        ]
        return reader.sort_events(events)

    def journal_after(self, seq: int, limit: int = 1000) -> list[dict]:
        """Live events journaled after number `seq` (an SSE `Last-Event-ID`), oldest first."""
        with self._tx() as db:
            return journal.after(db, seq, limit=limit)

    def current_revision(self) -> int:
        """The last published revision (durable: survives restarts)."""
        with self._tx() as db:
            return journal.revision(db)

    def price_history(self, key_or_name: str, source: str | None = None) -> pd.DataFrame:
        """One row per snapshot in which the model (key, name or chute_id) appears, oldest first:
        at, source, name, chute_id, USD prices, hot, context_length, plus key, max_output_length,
        the TAO prices beside the USD ones (TAO_FIELDS, as of the snapshot's first capture; NaN
        when unstated or recorded before schema 2) and last_seen_at (the last capture still
        showing that snapshot's state). For step charts, a row's values hold from `at` until the
        next row of the same source and key."""
        with self._tx() as db:
            return reader.price_history(db, key_or_name, source)

    def snapshots_frame(self, source: str | None = None) -> pd.DataFrame:
        """id, source, captured_at, last_seen_at, models, observations, origin, has_payload;
        oldest first."""
        with self._tx() as db:
            return reader.snapshots_frame(db, source)

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


# ---------------------------------------------------------------------------- shared handles
_shared: dict[tuple[Path, bool], tuple[Any, HistoryStore]] = {}
_shared_lock = threading.Lock()
SHARED_MAX = 8  # open handles kept (one or two databases in a real process)


def shared_store(
    path: Path | str,
    *,
    readonly: bool = True,
    timeout: float = 5.0,
    create: bool = False,
    **retention: int | None,
) -> HistoryStore | None:
    """One handle per database file and mode for the whole process (pages, API routes, the
    refresher, the loader's recording), instead of an open per call. None while the file does
    not exist, unless `create` (looking never creates it). Reopened when the file was replaced
    (moved aside, deleted and recreated). `with shared_store(p) as s:` does not close it.
    `retention`: retention_days / max_snapshots / keep_payloads of a writer, applied when it is
    opened (default: a handle that never prunes)."""
    path = Path(path)
    with _shared_lock:
        st = identity(path)
        if st is None and not create:
            return None
        held = _shared.get((path, readonly))
        if held is not None and st is not None and held[0] == st:
            return held[1]
        options = {"retention_days": None, "max_snapshots": None, "keep_payloads": None, **retention}
        store = HistoryStore(path, timeout=timeout, readonly=readonly, **options)
        store._shared = True
        _shared.pop((path, readonly), None)
        _shared[(path, readonly)] = (identity(path), store)
        stale = [held[1]] if held is not None else []
        while len(_shared) > SHARED_MAX:  # the least recently opened (tests open many files)
            stale.append(_shared.pop(next(iter(_shared)))[1])
        for old in stale:
            old.close()
        return store


__all__ = ["DB_FILENAME", "HistoryStore", "Recorded", "shared_store"]
