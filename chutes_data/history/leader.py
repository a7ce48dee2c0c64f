"""One refresher among N replicas (issue 21): the leader is whoever holds a PostgreSQL
session-level advisory lock on a dedicated connection; new revisions are announced with NOTIFY.

Why an advisory lock and not a lease row (docs/replicas.md says more): the lock lives exactly as
long as the holder's database session. A leader that dies (SIGKILL, OOM, a lost network with TCP
keepalives) loses its session and the lock with it, at once and without any clock: no TTL to
tune between "a slow leader is deposed" and "a dead one is replaced late", no renew loop to
starve, no two leaders when clocks disagree. The price: the connection must be a real session,
so it never goes through a transaction-pooling PgBouncer (nor does LISTEN); both take direct
connections, or PgBouncer in session mode.

psycopg is imported when these classes are used, never on import: without CHUTES_DATABASE_URL
nothing here runs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .engine import LEADER_LOCK, REVISION_CHANNEL, lock_key, redact_url

logger = logging.getLogger("chutes_data.history")

# A dead peer or network is noticed within about idle + interval * count seconds (both sides).
KEEPALIVE: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


def session_connection(url: str, purpose: str, connect_timeout: float = 5.0) -> Any:
    """A dedicated autocommit connection (never from a pool: its session state is the point),
    named in pg_stat_activity after its purpose."""
    import psycopg

    return psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=max(1, int(connect_timeout)),
        application_name=f"chutes-{purpose}",
        **KEEPALIVE,
    )


class Leader:
    """`try_acquire()` the leadership (non-blocking), `release()` it. Call `try_acquire()` on
    every tick: it answers True while this process holds the lock, notices a lost connection
    (the lock went with it) and retries on a new one. Never raises for a database that is away:
    that is simply "not the leader" (with the reason in `error`)."""

    def __init__(self, url: str, *, name: str = LEADER_LOCK, connect_timeout: float = 5.0) -> None:
        self.url, self.key, self.connect_timeout = url, lock_key(name), connect_timeout
        self._conn: Any = None
        self._held = False
        self._lock = threading.Lock()
        self.error: str | None = None  # why the last try failed (no password in it)

    @property
    def is_leader(self) -> bool:
        return self._held

    @property
    def backend_pid(self) -> int | None:
        """The server process of our session (what pg_terminate_backend would end)."""
        return self._conn.info.backend_pid if self._conn is not None and not self._conn.closed else None

    def try_acquire(self) -> bool:
        import psycopg

        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._held = False
                    self._conn = session_connection(self.url, "leader", self.connect_timeout)
                if self._held:
                    # Still our session? (the lock is re-entrant: never take it twice)
                    self._conn.execute("SELECT 1")
                else:
                    row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                    self._held = bool(row and row[0])
                self.error = None
            except psycopg.Error as exc:
                self._drop(f"leader connection to {redact_url(self.url)}: {_one_line(exc)}")
            return self._held

    def release(self) -> None:
        """Give the leadership up (closing the session frees the lock even if unlock fails)."""
        with self._lock:
            if self._conn is not None and not self._conn.closed and self._held:
                with contextlib.suppress(Exception):
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            self._drop(None)

    def _drop(self, error: str | None) -> None:
        if error and self._held:
            logger.warning("lost the refresher leadership: %s", error)
        self._held, self.error = False, error
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def __enter__(self) -> Leader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_holder(conn: Any, name: str = LEADER_LOCK) -> int | None:
    """The backend pid holding advisory lock `name`, or None (any connection to the database)."""
    key = lock_key(name)
    row = conn.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = %s AND objid = %s AND objsubid = 1",
        ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
    ).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------------------- revisions
def notify_revision(conn: Any, revision: int, channel: str = REVISION_CHANNEL) -> None:
    """Announce `revision` on `conn`. Inside the transaction that stores the revision, PostgreSQL
    delivers it at COMMIT (and never on ROLLBACK): a follower never hears of a revision it cannot
    read yet."""
    conn.execute("SELECT pg_notify(%s, %s)", (channel, str(int(revision))))


class Notifier:
    """Publishes revisions on a connection of its own (for callers outside a write transaction)."""

    def __init__(self, url: str, channel: str = REVISION_CHANNEL) -> None:
        self.url, self.channel = url, channel

    def publish(self, revision: int) -> None:
        with session_connection(self.url, "notify") as conn:
            notify_revision(conn, revision, self.channel)


class RevisionListener:
    """A daemon thread LISTENing for revisions: `on_revision(n)` for each one announced. After a
    lost connection it reconnects (with backoff) and calls `on_reconnect()`: notifications sent
    meanwhile are gone, so the follower re-reads the newest revision from the database then."""

    def __init__(
        self,
        url: str,
        on_revision: Callable[[int], None],
        *,
        on_reconnect: Callable[[], None] | None = None,
        channel: str = REVISION_CHANNEL,
        poll_seconds: float = 0.5,
        max_backoff: float = 5.0,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.url, self.channel = url, channel
        self.on_revision, self.on_reconnect = on_revision, on_reconnect
        self.poll_seconds, self.max_backoff, self._sleep = poll_seconds, max_backoff, sleep
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.connects = 0  # sessions opened so far (a reconnect makes it > 1)

    def start(self) -> RevisionListener:
        self._thread = threading.Thread(target=self._run, name="chutes-revision-listener", daemon=True)
        self._thread.start()
        return self

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """True once LISTEN is in effect (a revision published after that is heard)."""
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> RevisionListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        import psycopg

        backoff = 0.1
        while not self._stop.is_set():
            try:
                with session_connection(self.url, "listen") as conn:
                    conn.execute(f'LISTEN "{self.channel}"')
                    self.connects += 1
                    self.error, backoff = None, 0.1
                    self._listening.set()
                    if self.connects > 1 and self.on_reconnect is not None:
                        self.on_reconnect()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.poll_seconds):
                            self._deliver(note.payload)
            except psycopg.Error as exc:
                self._listening.clear()
                self.error = f"revision listener on {redact_url(self.url)}: {_one_line(exc)}"
                logger.warning("%s; reconnecting", self.error)
                self._sleep(backoff)
                backoff = min(self.max_backoff, backoff * 2)

    def _deliver(self, payload: str) -> None:
        try:
            revision = int(payload)
        except ValueError:
            logger.warning("ignored a revision notification that is not a number: %.40r", payload)
            return
        try:
            self.on_revision(revision)
        except Exception:  # a failing callback must not end the listener
            logger.exception("revision callback failed for revision %s", revision)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
