"""The refresher's leader election and revision announcements against a real PostgreSQL
(tests/pgcluster.py): chutes_data/history/leader.py."""

from __future__ import annotations

import queue

import psycopg
import pytest
from pgcluster import wait_until

from chutes_data.history.engine import LEADER_LOCK, lock_key
from chutes_data.history.leader import Leader, Notifier, RevisionListener, lock_holder, notify_revision


@pytest.fixture
def admin(pg_url: str):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


def test_one_leader_at_a_time_and_release_hands_over(pg_url, admin):
    with Leader(pg_url) as first, Leader(pg_url) as second:
        assert lock_holder(admin) is None
        assert first.try_acquire() is True
        assert lock_holder(admin) == first.backend_pid
        assert second.try_acquire() is False
        assert second.is_leader is False and second.error is None  # losing is not an error
        # asking again keeps it (once: the lock is re-entrant, a second take would need two unlocks)
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        first.release()
        assert first.is_leader is False
        assert second.try_acquire() is True
        assert lock_holder(admin) == second.backend_pid
        assert first.try_acquire() is False


def test_the_lock_is_per_name_and_per_database(pg_cluster, pg_url):
    other_db = pg_cluster.create_database()
    with Leader(pg_url) as a, Leader(pg_url, name="another.lock") as b, Leader(other_db) as c:
        assert a.try_acquire() and b.try_acquire()
        # advisory locks are per database: another database's replicas elect their own leader
        assert c.try_acquire()


def test_a_killed_holder_frees_the_lock_and_notices_it_lost_it(pg_url, admin):
    with Leader(pg_url) as first, Leader(pg_url) as second:
        assert first.try_acquire()
        assert second.try_acquire() is False
        admin.execute("SELECT pg_terminate_backend(%s)", (first.backend_pid,))
        # the server ends the session, and the lock goes with it: no TTL to wait out
        assert wait_until(lambda: lock_holder(admin) is None, timeout=10)
        assert second.try_acquire() is True
        # the old leader finds out on its next tick, reconnects, and stays a follower
        assert first.try_acquire() is False
        assert first.is_leader is False
        assert lock_holder(admin) == second.backend_pid


def test_a_database_that_is_away_means_not_leader_then_leader_again(pg_cluster, pg_url):
    leader = Leader(pg_url, connect_timeout=2)
    try:
        assert leader.try_acquire()
        pg_cluster.stop()
        try:
            assert leader.try_acquire() is False
            assert leader.error and "leader connection" in leader.error
            assert pg_cluster.password not in leader.error
        finally:
            pg_cluster.start()
        assert leader.try_acquire() is True
        assert leader.error is None
    finally:
        leader.release()


def test_lock_key_is_a_stable_signed_bigint():
    key = lock_key(LEADER_LOCK)
    assert -(2**63) <= key < 2**63
    assert key == lock_key("chutes_data.refresher.leader")
    assert key != lock_key("chutes_data.refresher.leader2")


# ---------------------------------------------------------------------------- revisions
def test_a_listener_hears_each_published_revision_within_a_second(pg_url):
    heard: queue.Queue[int] = queue.Queue()
    with RevisionListener(pg_url, heard.put) as listener:
        assert listener.wait_listening(10)
        notifier = Notifier(pg_url)
        for revision in (7, 8, 9):
            notifier.publish(revision)
            assert heard.get(timeout=1.0) == revision
        assert heard.empty()


def test_a_revision_is_announced_at_commit_and_never_on_rollback(pg_url):
    heard: queue.Queue[int] = queue.Queue()
    with RevisionListener(pg_url, heard.put) as listener, psycopg.connect(pg_url) as writer:
        assert listener.wait_listening(10)
        with writer.transaction(force_rollback=True):
            notify_revision(writer, 41)
        with writer.transaction():
            notify_revision(writer, 42)
            with pytest.raises(queue.Empty):
                heard.get(timeout=0.3)  # not before COMMIT
        assert heard.get(timeout=1.0) == 42
        with pytest.raises(queue.Empty):
            heard.get(timeout=0.3)  # 41 was rolled back: never heard


def test_a_listener_survives_the_database_going_away_and_asks_to_catch_up(pg_cluster, pg_url):
    heard: queue.Queue[int] = queue.Queue()
    caught_up: queue.Queue[bool] = queue.Queue()
    listener = RevisionListener(pg_url, heard.put, on_reconnect=lambda: caught_up.put(True), max_backoff=0.5)
    with listener:
        assert listener.wait_listening(10)
        pg_cluster.stop()
        try:
            assert wait_until(lambda: listener.error is not None, timeout=10)
            assert pg_cluster.password not in listener.error
        finally:
            pg_cluster.start()
        assert caught_up.get(timeout=15) is True  # re-read the newest revision: some were missed
        assert listener.wait_listening(10)
        Notifier(pg_url).publish(100)
        assert heard.get(timeout=1.0) == 100
        assert listener.connects == 2


def test_a_bad_payload_or_a_failing_callback_does_not_end_the_listener(pg_url):
    heard: list[int] = []

    def on_revision(n: int) -> None:
        heard.append(n)
        if n == 1:
            raise RuntimeError("callback bug")

    with RevisionListener(pg_url, on_revision) as listener, psycopg.connect(pg_url, autocommit=True) as c:
        assert listener.wait_listening(10)
        c.execute("SELECT pg_notify('chutes_revision', 'not-a-number')")
        Notifier(pg_url).publish(1)
        Notifier(pg_url).publish(2)
        assert wait_until(lambda: heard == [1, 2], timeout=2)
