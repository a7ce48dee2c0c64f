"""deploy/nginx.conf run by the real nginx in front of two loopback stand-ins for the replicas
(the compose hostnames pointed at them): one client stays on one replica, the websocket upgrade
and a server-sent event stream pass through unbuffered, and a replica that goes away hands its
viewers to the other. Skipped where nginx is not installed (apt-get install nginx-light)."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from browser import free_port
from deploycheck import loopback_copy, nginx_args
from pgcluster import wait_until

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


class Replica:
    """A loopback HTTP server answering who it is and the headers it got; /stream sends one
    event, then holds the response open until `release` is set."""

    def __init__(self, name: str) -> None:
        self.name, self.release = name, threading.Event()
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/stream":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    self.wfile.write(b"data: first\n\n")
                    self.wfile.flush()
                    replica.release.wait(10)
                    self.wfile.write(b"data: last\n\n")
                    return
                body = json.dumps(
                    {
                        "replica": replica.name,
                        "upgrade": self.headers.get("Upgrade"),
                        "connection": self.headers.get("Connection"),
                        "forwarded_for": self.headers.get("X-Forwarded-For"),
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def nginx_in_front(tmp_path: Path, replicas: dict[str, Replica]) -> Iterator[str]:
    """deploy/nginx.conf with the upstream hosts and the listen port on loopback, run by nginx."""
    port = free_port()
    conf = loopback_copy(tmp_path, {name: r.port for name, r in replicas.items()}, listen=port)
    args = nginx_args(tmp_path, conf)
    args[-1] += " daemon off;"
    with open(tmp_path / "stderr.log", "wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        log = tmp_path / "error.log"
        assert wait_until(lambda: _answers(url), timeout=15), log.read_text() if log.exists() else ""
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
        return True
    except httpx.HTTPError:
        return False


@pytest.fixture
def replicas() -> Iterator[dict[str, Replica]]:
    pair = {"app1": Replica("app1"), "app2": Replica("app2")}
    yield pair
    for replica in pair.values():
        with contextlib.suppress(OSError):
            replica.stop()


def test_one_client_stays_on_one_replica_and_the_websocket_upgrade_passes(tmp_path, replicas):
    with nginx_in_front(tmp_path, replicas) as url:
        answers = [httpx.get(f"{url}/x").json() for _ in range(12)]
        assert len({a["replica"] for a in answers}) == 1, answers
        assert answers[0]["connection"] == "close" and answers[0]["upgrade"] is None
        assert answers[0]["forwarded_for"] == "127.0.0.1"
        upgraded = httpx.get(f"{url}/_stcore/stream", headers={"Upgrade": "websocket"}).json()
        assert upgraded["replica"] == answers[0]["replica"]
        assert (upgraded["upgrade"], upgraded["connection"]) == ("websocket", "upgrade")


def test_an_event_stream_is_passed_on_unbuffered(tmp_path, replicas):
    with nginx_in_front(tmp_path, replicas) as url, httpx.stream("GET", f"{url}/stream", timeout=10) as resp:
        lines = resp.iter_lines()
        # the first event arrives while the replica still holds the response open
        assert next(lines) == "data: first"
        for replica in replicas.values():
            replica.release.set()
        assert [line for line in lines if line] == ["data: last"]


def test_a_replica_that_goes_away_hands_its_viewers_to_the_other(tmp_path, replicas):
    with nginx_in_front(tmp_path, replicas) as url:
        first = httpx.get(url).json()["replica"]
        replicas[first].stop()
        answers = {httpx.get(url).json()["replica"] for _ in range(5)}
        assert answers == ({"app1", "app2"} - {first})
