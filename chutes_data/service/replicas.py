"""Several replicas on one PostgreSQL history (issue 21): one leader refreshes, the others follow.

With CHUTES_DATABASE_URL set, each replica's refresher asks `Replica.leads()` on every tick (the
session advisory lock of history/leader.py). The leader fetches, records and publishes as a lone
process does, then `share()`s what its snapshot was built from - every source's raw payload and
status, the refresh's events - in the one `replica_snapshot` row, and announces the revision
with NOTIFY in the same transaction (delivered at COMMIT, so a follower never hears of a
revision it cannot read). A follower never fetches: on the announcement (`RevisionListener`,
within a second) or on its own tick (the backstop), it reads that row (`latest()`) and builds
the same catalog from the same inputs (`assemble_catalog`), under the same revision. When the
leader dies its session, and so its lock, ends; the next follower tick takes the lead.

The row is replica coordination, not history: it exists only on PostgreSQL, created by the first
leader (`CREATE TABLE IF NOT EXISTS` under the history's write lock), so the history's schema
and migrations are the same on both engines.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import HistoryError
from ..history.db import connect, transaction
from ..history.engine import redact_url
from ..sources.loading import source_data
from ..sources.types import SourceData
from ..values import iso, to_utc

log = logging.getLogger(__name__)

_TABLE = (
    "CREATE TABLE IF NOT EXISTS replica_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "revision INTEGER NOT NULL, body TEXT NOT NULL)"
)


class Replica:
    """This process's part among the replicas of one database."""

    def __init__(self, settings: Settings, path: Path) -> None:
        from ..history.leader import Leader

        assert settings.database_url, "replicas need CHUTES_DATABASE_URL"
        self.settings, self.path, self.url = settings, path, settings.database_url
        self.leader = Leader(self.url)
        self.listener: Any = None
        self._lock = threading.RLock()

    @property
    def database(self) -> str:
        return redact_url(self.url)

    @property
    def role(self) -> str:
        return "leader" if self.leader.is_leader else "follower"

    @property
    def problem(self) -> str | None:
        """Why the database cannot be reached now (no password in it), None while it can."""
        listening = self.listener.error if self.listener is not None else None
        return self.leader.error or listening

    def leads(self) -> bool:
        """Whether this replica is the leader now (takes the lead when it is free)."""
        was = self.leader.is_leader
        now = self.leader.try_acquire()
        if now != was:
            log.warning("this replica is now the %s", "leader" if now else "follower")
        return now

    def listen(self, on_revision: Callable[[int], None]) -> None:
        """Hear each announced revision (and catch up after a lost connection)."""
        from ..history.leader import RevisionListener

        self.listener = RevisionListener(self.url, on_revision, on_reconnect=lambda: on_revision(0)).start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop(timeout=1.0)
        self.leader.release()

    # ------------------------------------------------------------------ the refresher's two calls
    def share_snapshot(
        self, snapshot: Any, sources: dict[str, SourceData], telemetry: dict[str, SourceData] | None
    ) -> None:
        try:
            self.share(
                snapshot.revision,
                sources,
                telemetry,
                list(snapshot.events),
                snapshot.refreshed,
                snapshot.published_at,
            )
        except HistoryError as exc:  # the followers catch up on the next revision
            log.warning("could not share revision %d with the other replicas: %s", snapshot.revision, exc)

    async def follow(self, refresher: Any) -> Any:
        """Adopt the leader's newest snapshot, if newer than ours; the current snapshot. HistoryError
        while there is none at all (no leader has published yet)."""
        from ..sources.loader import assemble_catalog
        from .refresher import Snapshot, in_thread

        shared = await in_thread(self.latest, refresher.revision, name="chutes-follow")
        if shared is not None:
            catalog = await in_thread(
                lambda: assemble_catalog(
                    self.settings, shared["sources"], telemetry=shared["telemetry"], allow_sample=True
                ),
                name="chutes-merge",
            )
            await refresher.adopt(
                Snapshot(
                    revision=shared["revision"],
                    catalog=catalog,
                    published_at=shared["published_at"],
                    events=tuple(shared["events"]),
                    refreshed=shared["refreshed"],
                )
            )
        if refresher.snapshot is None:
            raise HistoryError(f"no replica leads on {self.database} yet (a follower waits for a snapshot)")
        return refresher.snapshot

    # ------------------------------------------------------------------ the shared snapshot
    def share(
        self,
        revision: int,
        sources: dict[str, SourceData],
        telemetry: dict[str, SourceData] | None,
        events: list[dict],
        refreshed: tuple[str, ...],
        published_at: datetime,
    ) -> None:
        """Store what this revision was built from and announce it (the leader, after publish)."""
        from ..history.leader import notify_revision

        body = json.dumps(
            {
                "sources": {k: _source(v) for k, v in sources.items()},
                "telemetry": None if telemetry is None else {k: _source(v) for k, v in telemetry.items()},
                "events": events,
                "refreshed": list(refreshed),
                "published_at": iso(published_at),
            },
            default=str,
        )
        with self._lock, transaction(connect(self.path, 5.0), self._lock, self.path, write=True) as db:
            db.execute(_TABLE)
            db.execute(
                "INSERT INTO replica_snapshot (id, revision, body) VALUES (1, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET revision = excluded.revision, body = excluded.body "
                "WHERE replica_snapshot.revision < excluded.revision",
                (int(revision), body),
            )
            notify_revision(db.raw, revision)

    def latest(self, after: int) -> dict | None:
        """The leader's newest shared snapshot when it is newer than revision `after`: its
        revision, sources and telemetry (SourceData, rebuilt from the stored payloads), events,
        refreshed sources and publication time. None when there is none newer (or no database)."""
        try:
            with transaction(connect(self.path, 5.0), self._lock, self.path) as db:
                if not db.execute("SELECT to_regclass('replica_snapshot') IS NOT NULL").fetchone()[0]:
                    return None
                row = db.execute(
                    "SELECT revision, body FROM replica_snapshot WHERE id = 1 AND revision > ?", (int(after),)
                ).fetchone()
        except HistoryError as exc:
            log.warning("could not read the leader's snapshot: %s", exc)
            return None
        if row is None:
            return None
        doc = json.loads(row[1])
        tele = doc["telemetry"]
        return {
            "revision": int(row[0]),
            "sources": {k: self._rebuild(k, v) for k, v in doc["sources"].items()},
            "telemetry": None if tele is None else {k: self._rebuild(k, v) for k, v in tele.items()},
            "events": doc["events"],
            "refreshed": tuple(doc["refreshed"]),
            "published_at": to_utc(doc["published_at"]),
        }

    def _rebuild(self, name: str, stored: dict) -> SourceData:
        fetched = stored["fetched_at"]
        return source_data(
            self.settings,
            name,
            stored["origin"],
            stored["payload"],
            fetched_at=to_utc(fetched) if fetched else None,
            stale=stored["stale"],
            complete=stored["complete"],
            error=stored["error"],
        )


def _source(data: SourceData) -> dict:
    s = data.status
    return {
        "origin": s.origin,
        "fetched_at": iso(s.fetched_at),
        "stale": s.stale,
        "complete": s.complete,
        "error": s.error,
        "payload": data.payload,
    }
