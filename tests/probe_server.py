"""A loopback OpenAI-style streaming endpoint for the probe tests, on a port in 18200-18299
(issue 11's range). `mode` picks the answer of POST /v1/chat/completions:

    ok        200 text/event-stream: a role-only chunk, `chunks` content chunks `gap` s apart
              (after `first_delay` s), a usage chunk (`usage=False` leaves it out), [DONE]
    cold      503 {"detail": "No instances available (yet) for chute_id='…'"}
    full      429 {"detail": "Infrastructure is at maximum capacity, try again later"}
    edge      429 nginx HTML (the edge rate limit)
    bad_key   401 {"detail": "Invalid token or user not found"}
    hang      200 headers, then nothing for `hang` seconds (a stuck stream)
    broken    200, one content chunk, then the bare error line the API emits mid-stream

Every request is kept in `requests` as {"headers", "body"}.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from loopback import LoopbackServer, base_url, serve, shut_down

PORTS = range(18200, 18300)


class ProbeServer:
    def __init__(
        self,
        mode: str = "ok",
        *,
        chunks: int = 5,
        gap: float = 0.02,
        first_delay: float = 0.05,
        usage: bool = True,
        hang: float = 5.0,
    ) -> None:
        self.mode, self.chunks, self.gap, self.first_delay = mode, chunks, gap, first_delay
        self.usage, self.hang = usage, hang
        self.requests: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        return base_url(self._server)

    def __enter__(self) -> ProbeServer:
        self._server, _ = serve(_Handler, ports=PORTS, name="ProbeServer", server_owner=self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        shut_down(self._server)


def _chunk(delta: dict, usage: dict | None = None) -> bytes:
    doc = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1788091385,
        "model": "org/Model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}] if delta is not None else [],
        "usage": usage,
        "chutes_verification": "tok",
    }
    return f"data: {json.dumps(doc)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    server_owner: ProbeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        up = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        up.requests.append(
            {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "path": self.path}
        )
        mode = up.mode
        if mode == "cold":
            return self._json(503, {"detail": "No instances available (yet) for chute_id='abc'"})
        if mode == "full":
            return self._json(429, {"detail": "Infrastructure is at maximum capacity, try again later"})
        if mode == "bad_key":
            return self._json(401, {"detail": "Invalid token or user not found"})
        if mode == "edge":
            data = (
                b"<html><head><title>429 Too Many Requests</title></head>"
                b"<body><center>nginx</center></body></html>"
            )
            self.send_response(429)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache, no-transform")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            if mode == "hang":
                self.wfile.write(_chunk({"role": "assistant", "content": ""}))
                self.wfile.flush()
                up._stop.wait(up.hang)
                return None
            self.wfile.write(_chunk({"role": "assistant", "content": ""}))
            self.wfile.flush()
            time.sleep(up.first_delay)
            for k in range(up.chunks):
                if k:
                    time.sleep(up.gap)
                self.wfile.write(_chunk({"content": f"w{k} "}))
                self.wfile.flush()
                if mode == "broken":
                    self.wfile.write(b'{"error": "Unhandled exception during response stream: boom"}\n\n')
                    self.wfile.flush()
                    return None
            if up.usage:
                self.wfile.write(
                    _chunk(
                        None,
                        {
                            "prompt_tokens": 12,
                            "completion_tokens": up.chunks * 2,
                            "total_tokens": 12 + up.chunks * 2,
                        },
                    )
                )
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (OSError, BrokenPipeError, ConnectionResetError):
            pass
        return None
