"""The history's PostgreSQL connections (chutes_data/history/pgconn.py) on a real server: the
pool's transactions commit or roll back, speak the shared SQL, and survive the database going
away and coming back; errors are HistoryError without the password."""

from __future__ import annotations

import pytest
from pgcluster import wait_until

from chutes_data.errors import HistoryError
from chutes_data.history import db as history_db
from chutes_data.history.pgconn import open_pool, transaction


@pytest.fixture
def pool(pg_url):
    p = open_pool(pg_url, timeout=3)
    p.wait(10)
    with transaction(p, pg_url, write=True) as db:
        for target in sorted(history_db.MIGRATIONS):  # the history's own migrations, as written
            history_db.MIGRATIONS[target](db)
    yield p
    p.close()


def _probe(db, model: str) -> None:
    db.execute(
        "INSERT INTO probes (at, model, outcome) VALUES (?, ?, ?)", ("2026-01-01T00:00:00Z", model, "ok")
    )


def _models(pool, url) -> list[str]:
    with transaction(pool, url) as db:
        return [r[0] for r in db.execute("SELECT model FROM probes ORDER BY id").fetchall()]


def test_a_transaction_commits_or_rolls_back_whole(pool, pg_url):
    with transaction(pool, pg_url, write=True) as db:
        _probe(db, "kept")
    with pytest.raises(ValueError), transaction(pool, pg_url, write=True) as db:
        _probe(db, "rolled back")
        raise ValueError("the caller gave up")
    with pytest.raises(HistoryError, match="probes_missing"), transaction(pool, pg_url, write=True) as db:
        _probe(db, "rolled back too")
        db.execute("SELECT * FROM probes_missing")
    assert _models(pool, pg_url) == ["kept"]


def test_many_rows_at_once_and_a_percent_sign(pool, pg_url):
    with transaction(pool, pg_url, write=True) as db:
        db.executemany(
            "INSERT INTO probes (at, model, outcome) VALUES (?, ?, ?)",
            [("t", f"m{i}", "ok") for i in range(3)] + [("t", "100%", "ok")],
        )
    with transaction(pool, pg_url) as db:
        got = db.execute("SELECT model FROM probes WHERE model LIKE '%\\%' ESCAPE '\\'").fetchall()
    assert [r[0] for r in got] == ["100%"]
    assert _models(pool, pg_url) == ["m0", "m1", "m2", "100%"]


def test_the_database_going_away_and_coming_back_loses_nothing(pg_cluster, pool, pg_url):
    with transaction(pool, pg_url, write=True) as db:
        _probe(db, "before")
    pg_cluster.kill()  # no clean shutdown: the pool's connections die under it
    try:
        with pytest.raises(HistoryError) as err, transaction(pool, pg_url, write=True) as db:
            _probe(db, "while away")
        assert pg_cluster.password not in str(err.value)
        assert "history database postgresql://postgres:***@127.0.0.1" in str(err.value)
    finally:
        pg_cluster.start()
    # the pool checks each connection it lends and reconnects (with its backoff): transactions
    # work again once it has, and nothing committed before is lost
    assert wait_until(lambda: _write(pool, pg_url, "after"), timeout=60, interval=0.5)
    assert _models(pool, pg_url) == ["before", "after"]


def _write(pool, url, model: str) -> bool:
    try:
        with transaction(pool, url, write=True) as db:
            _probe(db, model)
    except HistoryError:
        return False
    return True


def test_an_unreachable_database_is_a_history_error_not_a_hang(pg_cluster):
    url = pg_cluster.url("postgres").replace(f":{pg_cluster.port}/", ":1/")  # nothing listens on port 1
    p = open_pool(url, timeout=1)
    try:
        with pytest.raises(HistoryError, match="is not reachable") as err, transaction(p, url):
            pass
        assert pg_cluster.password not in str(err.value)
    finally:
        p.close()
