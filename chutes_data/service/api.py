"""The JSON API (Starlette handlers), served by the dashboard's own server under `/api/`.

Every handler reads the running service's last published snapshot, so no request waits on
upstream (only a process with no data at all waits for its first refresh). Responses:

* JSON bodies with an `ETag` (a hash of the body); `If-None-Match` is answered with 304.
* `X-Cache: HIT | STALE | SAMPLE` and `X-Cache-Age` (seconds since the oldest source was
  fetched), as the original proxy sent; `X-Chutes-Revision`, the snapshot's revision.
* Errors are JSON too: `{"error", "message", "parameter"?}`: 400 for a bad parameter (named),
  404 for an unknown model or an unknown route under /api/, 405 for a wrong method, 503 while
  there is no data, 500 (logged, no traceback in the body) for anything unforeseen.
* The API key is never sent: no header carries it, and every body is scrubbed of it.

Rendered bodies are memoized per revision (and per query), so a burst of identical requests
renders once. Filtering reuses `query.apply_filters` (the sidebar's filter function), rows and
CSV reuse `export`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Match, Route

from .. import export
from ..history import EVENT_KINDS
from ..query import SORTS, Filters, apply_filters, sort_models
from ..schema import SOURCES
from ..values import iso, parse_time
from . import runtime
from .events import format_event
from .feeds import atom_feed
from .refresher import Snapshot

log = logging.getLogger(__name__)

JSON = "application/json"
MAX_TEXT = 200
MAX_LIMIT = 10_000
CHUTE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, parameter: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.parameter, self.headers = parameter, headers or {}


def bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_parameter", f"{parameter}: {message}", parameter)


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Param:
    """One query parameter of /api/models. `aliases` are the dashboard's URL names, so the query
    string of a shared dashboard view works against the API too."""

    name: str
    kind: str  # text | choice | int | price | bool
    doc: str
    aliases: tuple[str, ...] = ()
    repeat: bool = False
    choices: tuple[str, ...] = ()


MODEL_PARAMS = (
    Param("q", "text", "search in name, tagline, owner and /v1/models id (case-insensitive)"),
    Param("template", "text", "template, e.g. vllm, diffusion (repeatable: any of)", repeat=True),
    Param("input_modality", "text", "accepts all of these input modalities (repeatable)",
          ("in",), repeat=True),
    Param("output_modality", "text", "produces all of these output modalities (repeatable)",
          ("out",), repeat=True),
    Param("feature", "text", "supports all of these features, e.g. tools, json_mode, reasoning "
          "(repeatable)", repeat=True),
    Param("quantization", "text", "quantization (repeatable: any of)", ("quant",), repeat=True),
    Param("owner", "text", "owner user name (repeatable: any of)", repeat=True),
    Param("min_context", "int", "minimum context length in tokens", ("min_ctx",)),
    Param("max_input_price", "price", "maximum price per 1M input tokens, in `currency`",
          ("max_in",)),
    Param("max_output_price", "price", "maximum price per 1M output tokens, in `currency`",
          ("max_out",)),
    Param("hot", "bool", "only models with an instance up now"),
    Param("tee", "bool", "only models in a Trusted Execution Environment"),
    Param("visibility", "choice", "public or private chutes", ("vis",),
          choices=("all", "public", "private")),
    Param("source", "choice", "both: in both APIs; chutes / v1: only in that one", ("src",),
          choices=("all", "both", "chutes", "v1")),
    Param("currency", "choice", "currency of prices and price filters", ("cur",),
          choices=("usd", "tao")),
    Param("sort", "choice", "sort order (default: the catalog's order)", choices=tuple(SORTS)),
    Param("limit", "int", f"at most this many rows (1 to {MAX_LIMIT})"),
    Param("offset", "int", "skip this many rows first"),
    Param("format", "choice", "json (default) or csv (formula-safe, the export's columns)",
          choices=("json", "csv")),
)
CHANGES_PARAMS = (
    Param("since", "time", "only events at or after this ISO date or time (UTC if no offset)"),
    Param("kind", "choice", "only these kinds (repeatable or comma-separated)", repeat=True,
          choices=EVENT_KINDS),
    Param("source", "choice", "only events of this source", choices=SOURCES),
    Param("model", "text", "only events about this model (name or chute_id)"),
    Param("limit", "int", "only the newest this many events"),
)


def _values(request: Request, params: tuple[Param, ...]) -> dict[str, list[str]]:
    """name -> raw values (aliases folded in); 400 for an unknown or repeated parameter."""
    by_name = {p.name: p for p in params}
    names = {alias: p.name for p in params for alias in (p.name, *p.aliases)}
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in names:
            shown = re.sub(r"[^\w.\-]", "?", key)[:40]
            raise bad(shown, f"unknown parameter; expected one of {', '.join(by_name)}")
        name = names[key]
        out.setdefault(name, []).append(value)
        if len(out[name]) > 1 and not by_name[name].repeat:
            raise bad(key, "given more than once")
    return out


def _one(param: Param, raw: str) -> Any:
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise bad(param.name, f"longer than {MAX_TEXT} characters")
    if param.kind == "text":
        return text
    if param.kind == "choice":
        value = text.lower()
        if value not in param.choices:
            raise bad(param.name, f"{_shown(text)} is not one of {', '.join(param.choices)}")
        return value
    if param.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise bad(param.name, f"{_shown(text)} is not a boolean (true/false, 1/0)")
    if param.kind == "int":
        if not re.fullmatch(r"\d{1,12}", text):
            raise bad(param.name, f"{_shown(text)} is not a non-negative integer")
        return int(text)
    if param.kind == "price":
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise bad(param.name, f"{_shown(text)} is not a non-negative number")
        return value
    if param.kind == "time":
        stamp = parse_time(text)
        if stamp is None:
            raise bad(param.name, f"{_shown(text)} is not an ISO date or time, e.g. 2026-07-01")
        return stamp
    raise AssertionError(param.kind)


def _shown(text: str) -> str:
    return json.dumps(text[:40], ensure_ascii=True)


def parse(request: Request, params: tuple[Param, ...]) -> dict[str, Any]:
    raw = _values(request, params)
    out: dict[str, Any] = {}
    for param in params:
        if param.name not in raw:
            continue
        texts = raw[param.name]
        if param.repeat and param.kind == "choice":  # kind=added,removed as well as kind=a&kind=b
            texts = [part for text in texts for part in text.split(",") if part.strip()]
        values = [_one(param, v) for v in texts]
        if param.repeat:
            out[param.name] = tuple(v for v in values if v != "")
        else:
            out[param.name] = values[0]
    return out


def model_query(request: Request) -> dict[str, Any]:
    """The parsed /api/models query: Filters plus sort, limit, offset, format."""
    p = parse(request, MODEL_PARAMS)
    if "limit" in p and not 1 <= p["limit"] <= MAX_LIMIT:
        raise bad("limit", f"must be 1 to {MAX_LIMIT}")
    if p.get("offset", 0) > 10_000_000:
        raise bad("offset", "too large")
    filters = Filters(
        search=p.get("q", ""), templates=p.get("template", ()),
        input_modalities=p.get("input_modality", ()), output_modalities=p.get("output_modality", ()),
        features=p.get("feature", ()), quantizations=p.get("quantization", ()),
        owners=p.get("owner", ()), min_context=p.get("min_context", 0),
        max_input_price=p.get("max_input_price"), max_output_price=p.get("max_output_price"),
        hot_only=p.get("hot", False), tee_only=p.get("tee", False),
        visibility=p.get("visibility", "all"), source=p.get("source", "all"),
        currency=p.get("currency", "usd"))
    return {"filters": filters, "sort": p.get("sort"), "limit": p.get("limit"),
            "offset": p.get("offset", 0), "format": p.get("format", "json")}


# ---------------------------------------------------------------------------- responses
def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      default=str).encode()


_ETAGS: OrderedDict[int, tuple[bytes, str]] = OrderedDict()  # memoized bodies are sent often


def etag_of(body: bytes) -> str:
    """A strong ETag: a hash of the body (remembered for the last few large bodies)."""
    if len(body) < 4096:
        return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    known = _ETAGS.get(id(body))
    if known is not None and known[0] is body:
        return known[1]
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    _ETAGS[id(body)] = (body, etag)
    while len(_ETAGS) > 64:
        _ETAGS.popitem(last=False)
    return etag


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags


def cache_headers(snapshot: Snapshot | None) -> dict[str, str]:
    """X-Cache / X-Cache-Age / X-Chutes-Revision of a response built from `snapshot` (none for
    responses that are not catalog data)."""
    if snapshot is None:
        return {}
    catalog = snapshot.catalog
    statuses = [d.status for d in catalog.sources.values()]
    if catalog.is_sample:
        state = "SAMPLE"
    elif any(s.stale or not s.complete or s.origin == "none" for s in statuses):
        state = "STALE"
    else:
        state = "HIT"
    ages = [s.age_seconds() for s in statuses if s.fetched_at is not None]
    return {"X-Cache": state, "X-Cache-Age": str(int(max(ages))) if ages else "0",
            "X-Chutes-Revision": str(snapshot.revision)}


def _scrub(body: bytes, secret: str | None) -> bytes:
    """Belt and braces: the key never leaves in a body, even if upstream echoed it."""
    if secret and len(secret) >= 4:
        for form in {secret, json.dumps(secret)[1:-1]}:
            if form.encode() in body:
                body = body.replace(form.encode(), b"[redacted]")
    return body


def respond(request: Request, body: bytes, *, status: int = 200, media_type: str = JSON,
            snapshot: Snapshot | None = None, headers: dict[str, str] | None = None) -> Response:
    service = runtime.current()
    key = service.settings.api_key if service else None
    body = _scrub(body, key)
    etag = etag_of(body)
    out = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
           **cache_headers(snapshot), **(headers or {})}
    if status == 200 and request.method in ("GET", "HEAD") and \
            _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=out)
    if media_type == JSON:
        media_type = "application/json; charset=utf-8"
    return Response(body, status_code=status, media_type=media_type, headers=out)


def error_response(request: Request, exc: ApiError, snapshot: Snapshot | None = None) -> Response:
    doc = {"error": exc.error, "message": exc.message}
    if exc.parameter:
        doc["parameter"] = exc.parameter
    return respond(request, dumps(doc), status=exc.status, snapshot=snapshot, headers=exc.headers)


Handler = Callable[[Request], Awaitable[Response]]


def endpoint(fn: Handler) -> Handler:
    """JSON errors for everything a handler raises; never a traceback or an HTML page."""
    async def handler(request: Request) -> Response:
        try:
            return await fn(request)
        except ApiError as exc:
            service = runtime.current()
            return error_response(request, exc, service.snapshot if service else None)
        except Exception:  # noqa: BLE001 - logged; the client gets a plain JSON 500
            log.exception("error in %s %s", request.method, request.url.path)
            return error_response(request, ApiError(500, "internal_error",
                                                    "internal error; see the server log"))
    handler.__name__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler


def _service() -> runtime.Service:
    service = runtime.current()
    if service is None:
        raise ApiError(503, "unavailable", "the service is not running")
    return service


async def _snapshot(service: runtime.Service) -> Snapshot:
    snapshot = await service.ready()
    if snapshot is None:
        raise ApiError(503, "no_data", "no data yet: the first refresh has not finished",
                       headers={"Retry-After": "5"})
    return snapshot


def _sources(snapshot: Snapshot) -> dict[str, dict]:
    return {name: data.status.to_dict() for name, data in snapshot.catalog.sources.items()}


# ---------------------------------------------------------------------------- handlers
@endpoint
async def health(request: Request) -> Response:
    """{"status": "ok", ...}: the server answers; what data it has."""
    service = _service()
    parse(request, ())
    snapshot = service.snapshot
    doc: dict[str, Any] = {
        "status": "ok",
        "revision": service.revision,
        "data": cache_headers(snapshot)["X-Cache"].lower() if snapshot else "none",  # hit/stale/sample
        "refreshing": service.refresher.refreshing,
        "started_at": iso(service.started_at),
        "last_refresh_at": iso(snapshot.published_at) if snapshot else None,
        "next_refresh_at": iso(service.refresher.next_refresh_at),
        "webhook_receivers": len(service.settings.webhook_urls),
        "event_stream_clients": service.bus.subscribers,
    }
    return respond(request, dumps(doc), snapshot=snapshot)


@endpoint
async def models(request: Request) -> Response:
    """The merged rows under the sidebar's filters; `format=csv` for the formula-safe CSV."""
    service = _service()
    query = model_query(request)  # 400s before any waiting
    snapshot = await _snapshot(service)
    key = ("models", snapshot.revision, repr(sorted(query.items(), key=lambda kv: kv[0])))

    def build() -> bytes:
        frame = apply_filters(snapshot.catalog.models, query["filters"])
        if query["sort"]:
            frame = sort_models(frame, query["sort"], query["filters"].currency)
        total = len(frame)
        end = None if query["limit"] is None else query["offset"] + query["limit"]
        frame = frame.iloc[query["offset"]:end]
        if query["format"] == "csv":
            return export.to_csv(frame).encode()
        return dumps({"generated_at": iso(snapshot.catalog.generated_at),
                      "sources": _sources(snapshot), "count": len(frame), "total": total,
                      "offset": query["offset"], "limit": query["limit"],
                      "models": export.rows(frame)})

    body = await service.cached(key, build)
    if query["format"] == "csv":
        return respond(request, body, media_type="text/csv; charset=utf-8", snapshot=snapshot,
                       headers={"Content-Disposition": 'inline; filename="chutes-models.csv"'})
    return respond(request, body, snapshot=snapshot)


@endpoint
async def model_detail(request: Request) -> Response:
    """One merged row and the chute's entry of the cached /chutes/ listing (null if none)."""
    service = _service()
    parse(request, ())
    chute_id = request.path_params["chute_id"]
    if not CHUTE_ID.match(chute_id):
        raise ApiError(404, "not_found", "no model with that chute_id (malformed id)")
    snapshot = await _snapshot(service)

    def index() -> tuple[dict, dict]:
        models = snapshot.catalog.models
        rows = {}
        for row in export.rows(models):
            if row.get("chute_id") and row["chute_id"] not in rows:
                rows[row["chute_id"]] = row
        payload = snapshot.catalog.chutes.payload
        items = payload.get("items", []) if isinstance(payload, dict) else []
        chutes = {i["chute_id"]: i for i in items
                  if isinstance(i, dict) and isinstance(i.get("chute_id"), str)}
        return rows, chutes

    rows, chutes = await service.cached(("index", snapshot.revision), index)
    if chute_id not in rows:
        raise ApiError(404, "not_found", "no model with that chute_id")
    return respond(request, dumps({"model": rows[chute_id], "chute": chutes.get(chute_id)}),
                   snapshot=snapshot)


async def _payload(request: Request, source: str) -> Response:
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)
    data = snapshot.catalog.sources[source]
    if data.payload is None:
        raise ApiError(503, "no_data", f"no {source} data: {data.status.error or 'not fetched yet'}")
    body = await service.cached(("payload", source, snapshot.revision), lambda: dumps(data.payload))
    return respond(request, body, snapshot=snapshot)


@endpoint
async def v1_all(request: Request) -> Response:
    """The raw /v1/models payload as cached."""
    return await _payload(request, "v1")


@endpoint
async def chutes(request: Request) -> Response:
    """The raw /chutes/ payload (all pages) as cached."""
    return await _payload(request, "chutes")


@endpoint
async def cache_status(request: Request) -> Response:
    """Per source: origin, fetched_at, age_seconds, ttl_seconds, valid, stale, count, error,
    next_refresh."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)
    nxt = iso(service.refresher.next_refresh_at)
    sources = {}
    for name, data in snapshot.catalog.sources.items():
        s = data.status
        age = s.age_seconds()
        sources[name] = {
            "origin": s.origin, "fetched_at": iso(s.fetched_at),
            "age_seconds": None if age is None else round(age, 1), "ttl_seconds": s.ttl_seconds,
            "valid": s.origin in ("live", "cache") and s.complete and not s.stale
            and age is not None and age < s.ttl_seconds,
            "stale": s.stale, "complete": s.complete, "count": s.count, "error": s.error,
            "next_refresh": nxt,
        }
    doc = {"generated_at": iso(datetime.now(UTC)), "revision": snapshot.revision,
           "refreshing": service.refresher.refreshing, "next_refresh": nxt, "sources": sources}
    return respond(request, dumps(doc), snapshot=snapshot)


@endpoint
async def export_data(request: Request) -> Response:
    """The CLI's JSON export document: sources, merge_report, models."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)

    def build() -> bytes:
        doc = export.document(snapshot.catalog)
        doc["generated_at"] = iso(snapshot.catalog.generated_at)  # stable per snapshot (ETag)
        return export.to_json(doc).encode()

    body = await service.cached(("export", snapshot.revision), build)
    return respond(request, body, snapshot=snapshot)


@endpoint
async def merge_report(request: Request) -> Response:
    """The merge report (as `python -m chutes_data report` prints it)."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)
    doc = {"generated_at": iso(snapshot.catalog.generated_at), "sources": _sources(snapshot),
           "merge_report": snapshot.catalog.report}
    body = await service.cached(("report", snapshot.revision), lambda: dumps(doc))
    return respond(request, body, snapshot=snapshot)


def _history_key(service: runtime.Service) -> tuple | None:
    """What identifies the history database's current content, without a query: size and mtime
    of the file and its WAL (every write, ours or a CLI backfill's, moves one of them)."""
    from ..history import history_path

    path = history_path(service.settings)
    stats = []
    for suffix in ("", "-wal"):
        try:
            st = Path(f"{path}{suffix}").stat()
        except OSError:
            if not suffix:
                return None
            stats.append(None)
            continue
        stats.append((st.st_size, st.st_mtime_ns))
    return tuple(stats)


async def _events(service: runtime.Service, p: dict[str, Any]) -> list[dict]:
    """The history's events for these parameters, memoized on the database's state."""
    key = _history_key(service)
    if key is None:
        return []

    def query() -> list[dict]:
        store = service.history()
        if store is None:
            return []
        found = store.changes(since=p.get("since"), source=p.get("source"),
                              kinds=p.get("kind") or None, model=p.get("model"))
        return found[-p["limit"]:] if p.get("limit") else found

    return await service.cached(("changes", key, repr(sorted(p.items(), key=lambda kv: kv[0]))), query)


@endpoint
async def changes(request: Request) -> Response:
    """{"changes": [events]} from the history; since=, kind=, source=, model=, limit=."""
    service = _service()
    p = parse(request, CHANGES_PARAMS)
    events = await _events(service, p)
    return respond(request, dumps({"count": len(events), "changes": events}),
                   snapshot=service.snapshot)


@endpoint
async def changes_atom(request: Request) -> Response:
    """The same events as an Atom feed."""
    service = _service()
    p = parse(request, CHANGES_PARAMS)
    events = await _events(service, p)
    body = atom_feed(events, self_url=str(request.url), alternate_url=str(request.base_url) + "changes",
                     limit=p.get("limit") or 200)
    return respond(request, body, media_type="application/atom+xml; charset=utf-8",
                   snapshot=service.snapshot)


@endpoint
async def events(request: Request) -> Response:
    """Server-Sent Events: `snapshot` per refresh, `change` per history event."""
    service = _service()
    parse(request, ())
    snapshot = service.snapshot
    first = [format_event("snapshot", service.snapshot_event(snapshot), snapshot.revision)] \
        if snapshot else []
    return StreamingResponse(service.bus.stream(first, service.shutdown),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@endpoint
async def refresh(request: Request) -> Response:
    """Refresh now (joins a refresh in flight): needs `Authorization: Bearer $CHUTES_ADMIN_TOKEN`."""
    service = _service()
    parse(request, ())
    token = service.settings.admin_token
    if not token:
        raise ApiError(403, "forbidden", "refreshing through the API is disabled: set "
                       "CHUTES_ADMIN_TOKEN (16+ characters) on the server and send "
                       "`Authorization: Bearer <token>`")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "a valid `Authorization: Bearer <CHUTES_ADMIN_TOKEN>` "
                       "header is required", headers={"WWW-Authenticate": 'Bearer realm="chutes"'})
    snapshot = await service.refresher.refresh()
    doc = {"refreshed": list(snapshot.refreshed), "revision": snapshot.revision,
           "changes": len(snapshot.events), "sources": _sources(snapshot)}
    return respond(request, dumps(doc), snapshot=snapshot, headers={"Cache-Control": "no-store"})


@endpoint
async def openapi(request: Request) -> Response:
    """This API's OpenAPI 3.1 document."""
    from .openapi import document

    parse(request, ())
    return respond(request, dumps(document(str(request.base_url).rstrip("/"))))


# ---------------------------------------------------------------------------- routing
GET, POST = ["GET"], ["POST"]
TABLE: tuple[tuple[str, Handler, list[str]], ...] = (
    ("/api/health", health, GET),
    ("/api/models", models, GET),
    ("/api/models/v1/all", v1_all, GET),
    ("/api/models/{chute_id}", model_detail, GET),
    ("/api/chutes", chutes, GET),
    ("/api/cache/status", cache_status, GET),
    ("/api/cache/refresh", refresh, POST),
    ("/api/export/data", export_data, GET),
    ("/api/merge/report", merge_report, GET),
    ("/api/changes", changes, GET),
    ("/api/changes.atom", changes_atom, GET),
    ("/api/events", events, GET),
    ("/api/openapi.json", openapi, GET),
)


def build_routes() -> list[BaseRoute]:
    """Every API route, then a catch-all under /api/ answering JSON 404 / 405."""
    routes: list[BaseRoute] = [Route(path, fn, methods=methods) for path, fn, methods in TABLE]

    @endpoint
    async def fallback(request: Request) -> Response:
        allowed: set[str] = set()
        for route in routes[:len(TABLE)]:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:  # the path is known, the method is not
                allowed |= set(getattr(route, "methods", None) or ())
        if allowed:
            raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed here; use "
                           f"{', '.join(sorted(allowed))}", headers={"Allow": ", ".join(sorted(allowed))})
        raise ApiError(404, "not_found", "no such API route; see /api/openapi.json")

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes += [Route("/api", fallback, methods=methods),
               Route("/api/{rest:path}", fallback, methods=methods)]
    return routes
