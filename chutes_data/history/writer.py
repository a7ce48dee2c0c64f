"""Writing one capture into the snapshot tables (inside the caller's write transaction).

A capture is placed by time and deduped against its neighbours in time (see store.py's model of
the data); `write_capture` says whether it started a snapshot, and `captured_events` diffs the
capture against its neighbours once, which is all `record()` journals and returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise

from .db import Connection
from .reader import IDENTITY, VALUES, snapshot_states, sort_events, states_events


@dataclass(frozen=True)
class Capture:
    """One capture ready to store: its tracked states, signature, time stamp and payload."""

    source: str
    states: list[dict]
    signature: str
    stamp: str
    payload_sha256: str
    blob: bytes
    origin: str


_NEAR = (
    "SELECT id, state_sha256 FROM snapshots WHERE source = ? AND captured_at {} ? "
    "ORDER BY captured_at {d}, id {d} LIMIT 1"
)


def write_capture(db: Connection, c: Capture) -> bool:
    """Store `c`; True when it starts a new snapshot, False when it only extends one (same state
    as its neighbour in time) or this source was already observed at exactly this time."""
    if db.execute(
        "SELECT 1 FROM observations o JOIN snapshots s ON s.id = o.snapshot_id "
        "WHERE s.source = ? AND o.observed_at = ?",
        (c.source, c.stamp),
    ).fetchone():
        return False
    prev = db.execute(_NEAR.format("<=", d="DESC"), (c.source, c.stamp)).fetchone()
    if prev and prev[1] == c.signature:
        _observe(db, prev[0], c)
        return False
    nxt = db.execute(_NEAR.format(">", d="ASC"), (c.source, c.stamp)).fetchone()
    later = (
        db.execute(
            "SELECT 1 FROM observations WHERE snapshot_id = ? AND observed_at > ?", (prev[0], c.stamp)
        ).fetchone()
        if prev
        else None
    )
    if later:  # the capture falls inside prev's run: the part after it becomes its own snapshot
        _split(db, prev[0], c.stamp)
    elif nxt and nxt[1] == c.signature:  # an earlier sighting of the next snapshot's state
        db.execute(
            "UPDATE snapshots SET captured_at = ?, payload_sha256 = ?, payload = ?, origin = ? WHERE id = ?",
            (c.stamp, c.payload_sha256, c.blob, c.origin, nxt[0]),
        )
        _observe(db, nxt[0], c)
        return False
    sid = db.execute(
        "INSERT INTO snapshots (source, captured_at, payload_sha256, payload, origin, "
        "state_sha256, models) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (c.source, c.stamp, c.payload_sha256, c.blob, c.origin, c.signature, len(c.states)),
    ).fetchone()[0]
    _insert_states(db, sid, c.source, c.states)
    _observe(db, sid, c)
    return True


def captured_events(db: Connection, source: str, stamp: str) -> list[dict]:
    """The events a new snapshot at `stamp` brought: from the snapshot before it to it, and from
    it to the one after it (a capture placed inside the timeline, or a split run)."""
    snaps = snapshot_states(db, source, stamp)
    after = [at for at, _ in snaps if at > stamp][:1]
    pairs = [(a, b) for a, b in pairwise(snaps) if b[0] == stamp or b[0] in after]
    return sort_events(states_events(pairs, source))


def _observe(db: Connection, sid: int, c: Capture) -> None:
    db.execute("INSERT INTO observations VALUES (?, ?, ?)", (sid, c.stamp, c.payload_sha256))


def _insert_states(db: Connection, sid: int, source: str, states: list[dict]) -> None:
    idents = [json.dumps([source, *(s[c] for c in IDENTITY)]) for s in states]
    db.executemany(
        "INSERT INTO models (ident, source, key, name, chute_id, template) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ident) DO NOTHING",
        [(i, source, *(s[c] for c in IDENTITY)) for i, s in zip(idents, states, strict=True)],
    )
    ids = dict(db.execute("SELECT ident, id FROM models WHERE source = ?", (source,)))
    db.executemany(
        f"INSERT INTO model_state (snapshot_id, model_id, {', '.join(VALUES)}) "
        f"VALUES (?, ?{', ?' * len(VALUES)})",
        [(sid, ids[i], *(s[c] for c in VALUES)) for i, s in zip(idents, states, strict=True)],
    )


def _split(db: Connection, sid: int, t: str) -> None:
    first = db.execute(
        "SELECT MIN(observed_at) FROM observations WHERE snapshot_id = ? AND observed_at > ?", (sid, t)
    ).fetchone()[0]
    new = db.execute(
        "INSERT INTO snapshots (source, captured_at, payload_sha256, payload, origin, "
        "state_sha256, models) SELECT source, ?, payload_sha256, payload, origin, "
        "state_sha256, models FROM snapshots WHERE id = ? RETURNING id",
        (first, sid),
    ).fetchone()[0]
    cols = ", ".join(("model_id", *VALUES))
    db.execute(
        f"INSERT INTO model_state (snapshot_id, {cols}) SELECT ?, {cols} FROM model_state "
        "WHERE snapshot_id = ?",
        (new, sid),
    )
    db.execute(
        "UPDATE observations SET snapshot_id = ? WHERE snapshot_id = ? AND observed_at > ?", (new, sid, t)
    )
