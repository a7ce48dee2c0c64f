"""`StandInUpstream`: a tiny stand-in for both Chutes APIs on a loopback port, for end-to-end tests.

It is a real HTTP server (`http.server.ThreadingHTTPServer` on 127.0.0.1, port 0, daemon thread),
so the code under test uses its normal httpx transport: set `CHUTES_BASE_URL` and
`CHUTES_LLM_BASE_URL` (or `Settings.base_url` / `llm_base_url`) to `upstream.url`. Nothing leaves
the machine.

Routes (both APIs share the one port):

    GET /chutes/            the list: pages of `chutes_payload["items"]` by `page` and `limit`
                            (`limit` clamped to `max_page_size` when set, and echoed as clamped)
    GET /chutes/{id|name}   one item of `chutes_payload` (404 with the real body when unknown)
    GET /v1/models          `v1_payload` as given
    GET /chutes/utilization, /invocations/stats/llm, /invocations/stats/diffusion,
        /invocations/usage, /bounties/, /chutes/rolling_updates
                            the telemetry routes: `telemetry[path]` (bare JSON arrays in the real
                            shapes, tests/telemetry_payloads.py, relative to today UTC). The LLM
                            stats honour `start_date` like the newest server unless
                            `honour_start_date` is False (older servers ignore it). With a
                            trailing slash the two /chutes/... routes fall into the detail
                            route's 404, as on the real server.

Faults, per route key ("/chutes/", "/chutes/{id}" for every detail request, "/v1/models", or a
telemetry path such as "/chutes/utilization"):

    upstream.faults["/v1/models"] = Fault(status=503, retry_after="1")
    upstream.faults["/chutes/"] = Fault(html=True, times=1)   # only the next request

`Fault` fields: `status` (+ optional JSON `detail`), `retry_after` (header value), `html` (200 with
an HTML page), `truncated` (200 with cut-off JSON), `hang` (seconds to stall before answering;
released at once by `stop()`), `hang_up` (close the connection without an answer), `times`
(how many requests it hits; None = all), `page` (on "/chutes/": only requests for that page
number, e.g. `Fault(status=500, page=1)` with a small `max_page_size` fails the second page while
the first works). Assign or `del` faults at any time, from any thread.

Every request is recorded in `requests[route_key]` as `{"path", "query", "headers"}` (header
names lower-cased), so tests can assert e.g. that no Authorization header reached /v1/models.

Use it as a context manager (or `start()` / `stop()`); `stop()` shuts down within about a second
even if a handler is hanging. The pytest fixture `upstream` in conftest.py wraps this.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import payloads
import telemetry_payloads
from loopback import LoopbackServer, base_url, serve, shut_down

LIST = "/chutes/"
DETAIL = "/chutes/{id}"
V1 = "/v1/models"
TELEMETRY = tuple(telemetry_payloads.PATHS.values())
# The two keyless market sources (issue 19), served on the same port: point CHUTES_MODELS_DEV_URL
# at `url + MODELS_DEV` and CHUTES_OPENROUTER_URL at `url + OPENROUTER`. Bodies: `market[route]`
# (default: the bundled synthetic sample's files); faults by the same route keys.
MODELS_DEV = "/api.json"
OPENROUTER = "/api/v1/models"
MARKET = (MODELS_DEV, OPENROUTER)
MAX_HANG = 30.0  # a hang never outlives this, whatever a test asks


@dataclass
class Fault:
    """What a route does instead of answering normally (see the module docstring)."""

    status: int | None = None
    detail: str | None = None
    retry_after: str | None = None
    html: bool = False
    truncated: bool = False
    hang: float | None = None
    hang_up: bool = False
    body: Any = None
    times: int | None = None
    page: int | None = None


class StandInUpstream:
    """A loopback stand-in for `api.chutes.ai` (/chutes/) and `llm.chutes.ai` (/v1/models).

    chutes_payload: a `/chutes/` envelope (`{"total", "items", "cord_refs"}`); default 3 chutes.
    v1_payload: a `/v1/models` envelope (`{"object": "list", "data": [...]}`); default 3 models.
    max_page_size: clamp `limit` to this (the server offsets pages by the clamped limit).
    total: report this `total` instead of the number of items (e.g. to end a listing short).
    valid_keys: when given, an Authorization header whose token is not in it gets the real 401.
    """

    def __init__(
        self,
        chutes_payload: dict | None = None,
        v1_payload: dict | None = None,
        *,
        max_page_size: int | None = None,
        total: int | None = None,
        valid_keys: tuple[str, ...] | None = None,
    ) -> None:
        self.chutes_payload = chutes_payload if chutes_payload is not None else payloads.chutes_payload()
        self.v1_payload = v1_payload if v1_payload is not None else payloads.v1_payload()
        self.max_page_size = max_page_size
        self.total = total
        self.valid_keys = valid_keys
        self.telemetry: dict[str, Any] = telemetry_payloads.bodies_by_path()
        self.honour_start_date = True
        self.faults: dict[str, Fault] = {}
        self.market: dict[str, Any] = payloads.market_bodies()
        self.requests: dict[str, list[dict]] = {
            LIST: [],
            DETAIL: [],
            V1: [],
            **{p: [] for p in TELEMETRY},
            **{p: [] for p in MARKET},
        }
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return base_url(self._server)

    def start(self) -> StandInUpstream:
        self._stopping.clear()
        self._server, self._thread = serve(_Handler, name="StandInUpstream", owner=self)
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        shut_down(self._server, self._thread)
        self._server = self._thread = None

    def __enter__(self) -> StandInUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests ----------------------------------------------------------------------
    def headers(self, route: str) -> list[dict[str, str]]:
        """The (lower-cased) request headers seen on a route, in order."""
        with self._lock:
            return [dict(r["headers"]) for r in self.requests[route]]

    def count(self, route: str) -> int:
        with self._lock:
            return len(self.requests[route])

    # -- used by the handler --------------------------------------------------------------------
    def _record(self, route: str, path: str, query: dict, headers: dict) -> Fault | None:
        with self._lock:
            self.requests[route].append({"path": path, "query": query, "headers": headers})
            fault = self.faults.get(route)
            if fault is not None and fault.page is not None and query.get("page", "0") != str(fault.page):
                return None  # a fault for another page of the list
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.pop(route, None)
                if fault.times < 0:
                    return None
            return fault


class _Handler(BaseHTTPRequestHandler):
    owner: StandInUpstream
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        up = self.owner
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path in TELEMETRY or path in MARKET:
            route = path
        elif path == LIST:
            route = LIST
        elif path.startswith(LIST):
            route = DETAIL
        elif path.rstrip("/") == V1:
            route = V1
        else:
            self._json(404, {"detail": "Not Found"})
            return
        fault = up._record(route, path, query, headers)
        if fault is not None and self._fault(fault):
            return
        if up.valid_keys is not None and "authorization" in headers:
            token = headers["authorization"].split(" ")[-1]
            if token not in up.valid_keys:
                self._json(401, {"detail": "Invalid token or user not found"})
                return
        if route in MARKET:
            self._json(200, up.market[route])
        elif route in TELEMETRY:
            self._telemetry(route, query)
        elif route == V1:
            self._json(200, up.v1_payload)
        elif route == DETAIL:
            self._detail(path[len(LIST) :])
        else:
            self._list(query)

    # -- routes ---------------------------------------------------------------------------------
    def _list(self, query: dict[str, str]) -> None:
        up = self.owner
        try:
            limit = int(query.get("limit", 25))
            page = int(query.get("page", 0))
        except ValueError:
            self._json(422, {"detail": [{"type": "int_parsing", "msg": "Input should be a valid integer"}]})
            return
        if not 1 <= limit <= 5000 or not 0 <= page <= 100:
            self._json(422, {"detail": [{"type": "less_than_equal", "msg": "Input out of range"}]})
            return
        if up.max_page_size is not None:
            limit = min(limit, up.max_page_size)
        items = up.chutes_payload.get("items", [])
        body = {
            "total": up.total if up.total is not None else up.chutes_payload.get("total", len(items)),
            "page": page,
            "limit": limit,
            "items": items[page * limit : (page + 1) * limit],
            "cord_refs": up.chutes_payload.get("cord_refs", {}),
        }
        self._json(200, body)

    def _telemetry(self, route: str, query: dict[str, str]) -> None:
        body = self.owner.telemetry.get(route, [])
        since = query.get("start_date")
        if (
            route == "/invocations/stats/llm"
            and since
            and self.owner.honour_start_date
            and isinstance(body, list)
        ):
            body = [r for r in body if not isinstance(r, dict) or str(r.get("date", "")) >= since]
        self._json(200, body)

    def _detail(self, ident: str) -> None:
        for item in self.owner.chutes_payload.get("items", []):
            if ident in (item.get("chute_id"), item.get("name")):
                self._json(200, {**item, "cord_ref_id": None, "cords": []})
                return
        self._json(404, {"detail": "Chute not found, or does not belong to you"})

    # -- answers --------------------------------------------------------------------------------
    def _fault(self, fault: Fault) -> bool:
        """Act out `fault`; True when the request has been dealt with."""
        if fault.hang:
            self.owner._stopping.wait(min(fault.hang, MAX_HANG))
        if fault.hang_up:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if fault.html:
            self._send(
                200,
                b"<!DOCTYPE html><html><body><h1>Just a moment...</h1></body></html>",
                "text/html; charset=utf-8",
            )
            return True
        if fault.truncated:
            self._send(
                200, b'{"total": 3, "object": "list", "items": [{"chute_id": "abc", "na', "application/json"
            )
            return True
        if fault.body is not None:
            self._json(fault.status or 200, fault.body)
            return True
        if fault.status is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._json(fault.status, {"detail": fault.detail or f"fault {fault.status}"}, extra)
            return True
        return False  # e.g. a hang alone: answer normally afterwards

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout)
            self.close_connection = True
