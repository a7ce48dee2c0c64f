"""An upstream that echoes the API key in every text field it has: no output carries the key, and
no search confirms it. Also the history's one door: SSE `Last-Event-ID` replays what a client
missed, from the history.

The key is scrubbed once, where upstream text enters (sources/client.py); this walks every way
out: /api/models (JSON, CSV) and its `q=` search, the export, the Atom feed, SSE events (live and
replayed), webhook bodies, history rows (and the raw database file), cache files, and the logs.
Runs its own Starlette app (the service's routes and lifespan) rather than dashboard.app, which
tests/app/test_api.py owns for the process.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from payloads import FAKE_KEY
from receiver import WebhookReceiver
from upstream import StandInUpstream

from chutes_data import config
from chutes_data.history import HistoryStore
from chutes_data.service import runtime, server, webhooks

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

TOKEN = "admin-" + "e" * 26
KEEP_AS_IS = {"date", "created_at", "updated_at", "timestamp", "day", "hour", "object"}  # must parse


def echo_key(value: Any, field: str | None = None) -> Any:
    """Every string the stand-in serves, with the key appended (what a leaky upstream does)."""
    if isinstance(value, str) and field not in KEEP_AS_IS:
        return f"{value}/{FAKE_KEY}"
    if isinstance(value, dict):
        return {k: echo_key(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [echo_key(v, field) for v in value]
    return value


class Logs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Leaky:
    client: Any
    upstream: StandInUpstream
    receiver: WebhookReceiver
    cache: Path
    logs: Logs

    def refresh(self) -> dict:
        r = self.client.post("/api/cache/refresh", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Leaky]:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    mp = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("leaky")
    logs = Logs()
    root = logging.getLogger()
    with StandInUpstream() as upstream, WebhookReceiver() as receiver:
        upstream.chutes_payload = echo_key(upstream.chutes_payload)
        upstream.v1_payload = echo_key(upstream.v1_payload)
        upstream.telemetry = echo_key(upstream.telemetry)
        for name in list(os.environ):
            if name.startswith("CHUTES_") or name == "CACHE_DURATION_MINUTES":
                mp.delenv(name)
        env = {
            "CHUTES_BASE_URL": upstream.url,
            "CHUTES_LLM_BASE_URL": upstream.url,
            "CHUTES_API_KEY": FAKE_KEY,
            "CHUTES_CACHE_DIR": str(base / "cache"),
            "CACHE_DURATION_MINUTES": "60",
            "CHUTES_HTTP_TIMEOUT": "5",
            "CHUTES_ADMIN_TOKEN": TOKEN,
            "CHUTES_WEBHOOK_URLS": receiver.url,
            "CHUTES_ALLOWED_HOSTS": "testserver",  # TestClient's Host; the server is loopback-bound
        }
        for name, value in env.items():
            mp.setenv(name, value)
        mp.setattr(config, "PROJECT_ROOT", base / "no-project")
        mp.setattr(webhooks, "BACKOFF_BASE", 0.05)
        level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(logs)
        app = Starlette(routes=server.routes(), middleware=server.middleware(), lifespan=server.lifespan)
        try:
            with TestClient(app) as client:
                service = runtime.current()
                assert service is not None and service.wait_ready(60) is not None
                yield Leaky(client, upstream, receiver, base / "cache", logs)
        finally:
            root.removeHandler(logs)
            root.setLevel(level)
            mp.undo()


def no_key(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    assert FAKE_KEY.encode() not in data, where


def set_price(up: StandInUpstream, index: int, usd: float) -> dict:
    item = up.chutes_payload["items"][index]
    item["current_estimated_price"]["per_million_tokens"]["input"]["usd"] = usd
    return item


def sse(client: Any, last_event_id: str | None) -> list[tuple[str, str, Any]]:
    """(id, event, data) of a stream's first messages, up to and with its first `snapshot`."""
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    got: list[tuple[str, str, Any]] = []
    current: dict[str, str] = {}
    with client.stream("GET", "/api/events", headers=headers) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            no_key(line, "an SSE line")
            if line.startswith(("id: ", "event: ", "data: ")):
                name, _, value = line.partition(": ")
                current[name] = value
            if line.startswith("data: "):
                got.append((current.get("id", ""), current["event"], json.loads(current["data"])))
                current = {}
                if got[-1][1] == "snapshot":
                    return got
    return got


# ---------------------------------------------------------------------------- the key
def test_the_echo_reaches_us_and_is_scrubbed_in_every_model_output(leaky: Leaky):
    doc = leaky.client.get("/api/models").json()
    assert doc["models"], doc
    text = json.dumps(doc)
    no_key(text, "/api/models")
    assert "[redacted]" in text  # the echo did come through: it was scrubbed, not lost
    for path in ("/api/models?format=csv", "/api/export/data", "/api/chutes", "/api/models/v1/all"):
        r = leaky.client.get(path)
        assert r.status_code == 200, (path, r.text)
        no_key(r.content, path)


def test_search_cannot_confirm_the_key_a_character_at_a_time(leaky: Leaky):
    """`q=` searched the unscrubbed text: a right prefix found a row, a wrong one none."""
    counts = {}
    for n in (4, 8, 12):
        right, wrong = FAKE_KEY[:n], FAKE_KEY[: n - 1] + ("b" if FAKE_KEY[n - 1] != "b" else "c")
        for q in (right, wrong):
            r = leaky.client.get("/api/models", params={"q": q})
            assert r.status_code == 200, r.text
            counts[q] = r.json()["count"]
        assert counts[right] == counts[wrong] == 0, counts
    assert leaky.client.get("/api/models", params={"q": "[redacted]"}).json()["count"] > 0


def test_changes_reach_sse_webhooks_atom_and_history_without_the_key(leaky: Leaky):
    before = sse(leaky.client, None)  # the current snapshot: where a client starts
    assert before[-1][1] == "snapshot"
    start = int(before[-1][0])
    delivered = len(leaky.receiver.accepted)
    item = set_price(leaky.upstream, 1, 0.321)
    revision = leaky.refresh()["revision"]
    assert revision > start

    # a client that saw `start` reconnects: it is sent the changes it missed, then the snapshot
    missed = sse(leaky.client, str(start))
    changes = [m for m in missed if m[1] == "change"]
    scrubbed = item["chute_id"].replace(FAKE_KEY, "[redacted]")
    assert any(c[2]["new"] == 0.321 and c[2]["chute_id"] == scrubbed for c in changes), missed
    ids = [int(m[0]) for m in missed]
    assert ids == sorted(ids) and ids[0] > start and missed[-1] == (str(revision), "snapshot", missed[-1][2])
    assert "[redacted]" in json.dumps([c[2] for c in changes])
    # one that is up to date gets nothing but the snapshot (and nothing when it saw that too)
    assert [m[1] for m in sse(leaky.client, str(ids[-2] if len(ids) > 1 else start))][-1] == "snapshot"

    got = leaky.receiver.wait_for(delivered + 1)
    assert len(got) > delivered
    for record in got:
        no_key(record["body"], "a webhook body")
    assert any(e["new"] == 0.321 for e in got[-1]["json"]["events"])
    assert [e["id"] for e in got[-1]["json"]["events"]] == [int(c[0]) for c in changes]

    for path in ("/api/changes", "/api/changes.atom"):
        r = leaky.client.get(path)
        assert r.status_code == 200
        no_key(r.content, path)
        assert b"[redacted]" in r.content

    db = leaky.cache / "history.sqlite"
    with HistoryStore(db, readonly=True) as store:
        for source in ("chutes", "v1"):
            no_key(json.dumps(store.latest_payload(source)), f"the {source} history payload")
        no_key(json.dumps(store.changes()), "history events")
        no_key(json.dumps(store.journal_after(0)), "the journal")
    for path in leaky.cache.rglob("*"):
        if path.is_file():
            no_key(path.read_bytes(), str(path))  # cache files, the database and its WAL


def test_a_bad_last_event_id_is_a_clear_json_400(leaky: Leaky):
    r = leaky.client.get("/api/events", headers={"Last-Event-ID": "yesterday"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert "Last-Event-ID" in r.json()["message"]


def test_nothing_logged_carries_the_key(leaky: Leaky):
    leaky.refresh()
    assert leaky.logs.lines  # the capture works: refreshes log
    for line in leaky.logs.lines:
        no_key(line, "a log line")
