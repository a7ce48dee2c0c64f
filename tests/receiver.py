"""`WebhookReceiver`: a loopback HTTP server that records webhook POSTs, for the webhook tests.

    with WebhookReceiver() as rx:
        rx.fail_next = 2          # answer the next two POSTs with 500
        rx.hang = 3.0             # or stall every POST this long before answering
        ...
        rx.accepted               # [{"headers", "body", "json"}] of the POSTs answered 2xx
        rx.seen                   # every POST, whatever it was answered

Nothing leaves the machine (127.0.0.1, port 0 unless given). `verify(record, secret)` checks a
recorded POST with the Standard Webhooks reference library (`standardwebhooks`), as a receiver does.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from unittest import mock

from loopback import LoopbackServer, base_url, serve, shut_down
from standardwebhooks import Webhook
from standardwebhooks import webhooks as library

from chutes_data.service.signing import receiver_secret


def verify(record: dict[str, Any], secret: str, now: datetime | None = None) -> Any:
    """The reference library's `Webhook.verify` of a recorded POST: the parsed body, or it raises
    `WebhookVerificationError` (forged, unsigned, or older/newer than five minutes). `now` is the
    sender's injected clock: the library reads its own wall clock, so a test with a fixed clock
    lends it that time instead of sleeping or signing at the real one."""
    hook = Webhook(receiver_secret(secret))
    if now is None:
        return hook.verify(record["body"], record["headers"])

    class At(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> At:  # type: ignore[override]
            return cls.fromtimestamp(now.timestamp(), tz)

    with mock.patch.object(library, "datetime", At):
        return hook.verify(record["body"], record["headers"])


class WebhookReceiver:
    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.fail_next = 0
        self.fail_status = 500
        self.hang = 0.0
        self.seen: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        return base_url(self._server) + "/hook"

    def start(self) -> WebhookReceiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                record = {
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "path": self.path,
                    "at": time.monotonic(),
                }
                with owner._lock:
                    owner.seen.append(record)
                    fail = owner.fail_next > 0
                    if fail:
                        owner.fail_next -= 1
                    hang = owner.hang
                if hang:
                    owner._stopping.wait(hang)
                status = owner.fail_status if fail else 204
                if not fail:
                    try:
                        record["json"] = json.loads(body)
                    except ValueError:
                        record["json"] = None
                    with owner._lock:
                        owner.accepted.append(record)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self._stopping.clear()
        self._server, _ = serve(Handler, port=self.port, name="WebhookReceiver")
        return self

    def stop(self) -> None:
        self._stopping.set()
        shut_down(self._server)
        self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until `count` POSTs were accepted (or time out); the accepted ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.accepted) >= count:
                    return list(self.accepted)
            time.sleep(0.02)
        with self._lock:
            return list(self.accepted)
