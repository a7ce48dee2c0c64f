"""Two `streamlit run` replicas on one throwaway PostgreSQL (issue 21), the loopback upstream
stand-in and a webhook receiver: only the leader fetches (each replica has its own API key, so
the stand-in's request log says who fetched), both answer the same revision and /api/changes,
the follower takes over when the leader is SIGKILLed, every webhook event arrives exactly once
across the failover, and the database going away and coming back loses nothing.

Ports 18450-18499. Refresh every 3 s (CACHE_DURATION_MINUTES=0.05).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from browser import StreamlitServer
from payloads import FAKE_KEY
from receiver import WebhookReceiver
from upstream import LIST, StandInUpstream

pytestmark = pytest.mark.server

PORTS = range(18450, 18500)
KEY_B = "cpk_" + "d" * 32 + "." + "e" * 32 + "." + "f" * 32
SECRET = "hook-" + "s" * 27


def get(server: StreamlitServer, path: str) -> dict:
    return httpx.get(server.url + path, timeout=30).json()


def wait(predicate, timeout: float, what: str, *servers: StreamlitServer) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    logs = "\n".join(s.log_text()[-2500:] for s in servers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def fetched_with(upstream: StandInUpstream, key: str, since: int = 0) -> int:
    return sum(1 for h in upstream.headers(LIST)[since:] if h.get("authorization") == f"Bearer {key}")


def set_price(upstream: StandInUpstream, usd: float) -> None:
    upstream.chutes_payload["items"][0]["current_estimated_price"]["per_million_tokens"]["input"]["usd"] = usd


def received_events(rx: WebhookReceiver) -> list[dict]:
    return [e for r in rx.accepted for e in r["json"]["events"]]


def test_two_replicas_one_leader_same_answers_failover_and_webhooks_once(
    tmp_path: Path, pg_cluster, pg_url: str
):
    password = urlsplit(pg_url).password
    with StandInUpstream() as upstream, WebhookReceiver() as rx:

        def replica(name: str, key: str) -> StreamlitServer:
            env = {
                "CHUTES_BASE_URL": upstream.url,
                "CHUTES_LLM_BASE_URL": upstream.url,
                "CHUTES_API_KEY": key,
                "CHUTES_CACHE_DIR": str(tmp_path / name),
                "CACHE_DURATION_MINUTES": "0.05",
                "CHUTES_HTTP_TIMEOUT": "5",
                "CHUTES_WEBHOOK_URLS": rx.url,
                "CHUTES_WEBHOOK_SECRET": SECRET,
                "CHUTES_DATABASE_URL": pg_url,
            }
            return StreamlitServer(env, tmp_path / f"{name}.log", ports=PORTS)

        with replica("a", FAKE_KEY) as a:
            wait(
                lambda: get(a, "/api/health")["role"] == "leader" and get(a, "/api/health")["revision"] >= 1,
                90,
                "a to lead",
                a,
            )
            with replica("b", KEY_B) as b:
                # both answer the same revision; only the leader fetched
                wait(
                    lambda: get(b, "/api/health")["revision"] == get(a, "/api/health")["revision"],
                    30,
                    "b to follow",
                    a,
                    b,
                )
                health = get(b, "/api/health")
                assert health["role"] == "follower" and health["database"].startswith("postgresql://")
                assert password not in json.dumps(health) and "***" in health["database"]
                mark = len(upstream.headers(LIST))
                set_price(upstream, 1.2345)
                wait(
                    lambda: any(e.get("new") == 1.2345 for e in get(a, "/api/changes")["changes"]),
                    30,
                    "a to record the change",
                    a,
                )
                wait(
                    lambda: (
                        get(b, "/api/health")["revision"] == get(a, "/api/health")["revision"]
                        and get(b, "/api/changes") == get(a, "/api/changes")
                    ),
                    10,
                    "the same answers",
                    a,
                    b,
                )
                assert fetched_with(upstream, FAKE_KEY, mark) >= 1 and fetched_with(upstream, KEY_B) == 0
                wait(lambda: any(e.get("new") == 1.2345 for e in received_events(rx)), 30, "a webhook", a, b)

                # SIGKILL the leader: b takes over within two refresh intervals (3 s each, plus slack)
                before = get(b, "/api/health")["revision"]
                os.killpg(a.proc.pid, signal.SIGKILL)
                a.proc.wait(10)
                wait(lambda: get(b, "/api/health")["role"] == "leader", 30, "b to take over", b)
                set_price(upstream, 2.5)
                wait(
                    lambda: any(e.get("new") == 2.5 for e in get(b, "/api/changes")["changes"]),
                    30,
                    "b to record the next change",
                    b,
                )
                assert fetched_with(upstream, KEY_B) >= 1 and get(b, "/api/health")["revision"] > before
                wait(lambda: any(e.get("new") == 2.5 for e in received_events(rx)), 30, "its webhook", b)

                # the database goes away and comes back: b carries on, nothing recorded is lost
                kept = get(b, "/api/changes")["changes"]
                pg_cluster.stop()
                wait(lambda: get(b, "/api/health")["database_error"], 30, "b to say the database is away", b)
                assert password not in get(b, "/api/health")["database_error"]
                set_price(upstream, 3.75)
                time.sleep(3)  # a refresh interval with the database away (nothing to wait for)
                pg_cluster.start()
                wait(lambda: get(b, "/api/health")["database_error"] is None, 60, "b to see it back", b)
                wait(
                    lambda: any(e.get("new") == 3.75 for e in get(b, "/api/changes")["changes"]),
                    90,
                    "b to record again",
                    b,
                )
                after = get(b, "/api/changes")["changes"]
                assert all(e in after for e in kept)
                wait(
                    lambda: any(e.get("new") == 3.75 for e in received_events(rx)), 60, "the last webhook", b
                )

                # every event the history journaled reached the receiver exactly once
                ids = [e["id"] for e in received_events(rx)]
                assert len(ids) == len(set(ids)), sorted(ids)
                for usd in (1.2345, 2.5, 3.75):
                    assert sum(1 for e in received_events(rx) if e.get("new") == usd) == 1
                for server in (a, b):
                    assert password not in server.log_text()
