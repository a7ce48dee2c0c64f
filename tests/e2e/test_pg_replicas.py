"""Two refreshers on one PostgreSQL (service/replicas.py, in process, injected loaders): only
the leader loads, the follower builds the same catalog under the same revision from the leader's
shared snapshot, hears each new revision by NOTIFY, and takes the lead when the leader's
session ends."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from payloads import chutes_payload, v1_payload

from chutes_data.config import Settings
from chutes_data.history import history_path
from chutes_data.history.pgconn import close_all
from chutes_data.service.refresher import Refresher
from chutes_data.service.replicas import Replica
from chutes_data.sources.loading import source_data
from chutes_data.sources.registry import CATALOG_SOURCES

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)


class Upstream:
    """The loader of one replica: what it fetched (by source), from a shared 'upstream' state."""

    def __init__(self, state: dict) -> None:
        self.state, self.calls = state, []

    def __call__(self, settings: Settings, source: str, force: bool):
        self.calls.append(source)
        if source not in CATALOG_SOURCES:
            return source_data(settings, source, "none", None, fetched_at=None, error="not in this test")
        return source_data(settings, source, "live", self.state[source], fetched_at=NOW)


@pytest.fixture
def pair(tmp_path: Path, pg_url: str) -> Iterator[tuple[Refresher, Refresher, dict]]:
    state = {"chutes": chutes_payload(n=3), "v1": v1_payload()}
    made = []
    for name in ("a", "b"):
        settings = Settings(cache_dir=tmp_path / name, database_url=pg_url)
        made.append(
            Refresher(
                settings,
                loader=Upstream(state),
                replica=Replica(settings, history_path(settings)),
                clock=lambda: NOW,
            )
        )
    yield made[0], made[1], state
    for r in made:
        r.replica.close()
    close_all()


def models(r: Refresher) -> list:
    return sorted(r.snapshot.catalog.models["name"].tolist())


def test_one_leader_fetches_the_follower_shows_the_same_revision_and_takes_over(pair):
    a, b, state = pair

    async def scenario() -> None:
        first = await a.refresh()
        assert a.role == "leader" and a._loader.calls  # the leader fetched
        second = await b.refresh()
        assert b.role == "follower" and b._loader.calls == []  # the follower did not
        assert second.revision == first.revision and models(b) == models(a)
        assert len(models(a)) == 3

        heard = threading.Event()
        b.replica.listen(lambda n: heard.set())
        assert b.replica.listener.wait_listening(10)
        state["chutes"] = chutes_payload(n=5)
        newer = await a.refresh()
        assert heard.wait(10)  # announced by NOTIFY at the leader's commit
        await b.replica.follow(b)
        assert b.revision == newer.revision > first.revision and len(models(b)) == len(models(a))

        # the leader's session ends (as when its process is SIGKILLed): b leads on its next tick
        with psycopg.connect(a.settings.database_url, autocommit=True) as admin:
            # with a timeout it returns once the backend has exited, and so released its lock
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (a.replica.leader.backend_pid,))
        taken = await b.refresh()
        assert b.role == "leader" and b._loader.calls and taken.revision > newer.revision
        await a.refresh()  # the old leader notices it lost the lock and follows
        assert a.role == "follower" and a.revision == taken.revision

    # on a thread of its own: a worker that ran browser tests has Playwright's loop in this thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
