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

import hmac
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import export, markdown_table
from ..config import Settings
from ..market.detail import model_market
from ..query import apply_filters, sort_models
from ..query import options as query_options
from ..sources.state import State, catalog_outcomes
from ..values import iso
from . import hosts, runtime
from .changes_api import changes, changes_atom, events
from .openapi import document
from .params import CHUTE_ID, ApiError, checked_view, model_query, parse
from .responses import Handler, _service, _snapshot, _sources, cache_headers, dumps, endpoint, respond
from .routing_api import routing

log = logging.getLogger(__name__)
# /api/models' formats other than JSON: (media type, file suffix); openapi.py declares the same
MODEL_MEDIA = {"csv": ("text/csv", "csv"), "md": ("text/markdown", "md")}


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
        "role": service.refresher.role,  # issue 21: "leader" (a lone process) or "follower"
        "database": service.refresher.replica.database if service.refresher.replica else "sqlite",
        "database_error": service.refresher.replica.problem if service.refresher.replica else None,
    }
    return respond(request, dumps(doc), snapshot=snapshot)


@endpoint
async def models(request: Request) -> Response:
    """The merged rows under the sidebar's filters; `format=csv` for the formula-safe CSV."""
    service = _service()
    query = model_query(request)  # 400s before any waiting
    snapshot = await _snapshot(service)
    options = await service.cached(
        ("options", snapshot.revision), lambda: query_options(snapshot.catalog.models)
    )
    view = checked_view(query["raw"], options)  # a value outside the catalog's choices: 400
    key = ("models", snapshot.revision, repr(view), query["limit"], query["offset"], query["format"])

    def build() -> bytes:
        frame = apply_filters(snapshot.catalog.models, view.filters)
        if view.sort:
            frame = sort_models(frame, view.sort, view.filters.currency, view.blend)
        total = len(frame)
        end = None if query["limit"] is None else query["offset"] + query["limit"]
        frame = frame.iloc[query["offset"] : end]
        if query["format"] == "csv":
            return export.to_csv(frame).encode()
        if query["format"] == "md":  # the CLI's `export --format md`: the view's rows, its currency
            when = snapshot.catalog.generated_at  # the snapshot's, so the ETag is stable
            return markdown_table.to_markdown(
                frame, generated_at=when, currency=view.filters.currency
            ).encode()
        return dumps(
            {
                "generated_at": iso(snapshot.catalog.generated_at),
                "sources": _sources(snapshot),
                "count": len(frame),
                "total": total,
                "offset": query["offset"],
                "limit": query["limit"],
                "models": export.rows(frame),
            }
        )

    body = await service.cached(key, build)
    if query["format"] in MODEL_MEDIA:
        media, suffix = MODEL_MEDIA[query["format"]]
        return respond(
            request,
            body,
            media_type=f"{media}; charset=utf-8",
            snapshot=snapshot,
            headers={"Content-Disposition": f'inline; filename="chutes-models.{suffix}"'},
        )
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
        chutes = {
            i["chute_id"]: i for i in items if isinstance(i, dict) and isinstance(i.get("chute_id"), str)
        }
        return rows, chutes

    rows, chutes = await service.cached(("index", snapshot.revision), index)
    if chute_id not in rows:
        raise ApiError(404, "not_found", "no model with that chute_id")
    row = rows[chute_id]  # + "market": [offers], "facts": {...} (issue 19)
    market = model_market(snapshot.catalog.market_view, row.get("v1_id"))
    return respond(request, dumps({"model": row, "chute": chutes.get(chute_id), **market}), snapshot=snapshot)


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
    """Per source (catalog and telemetry): origin, fetched_at, age_seconds, ttl_seconds, valid,
    stale, count, error, next_refresh, and its outcome (state, reason, since) by the one rule."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)
    nxt = iso(service.refresher.next_refresh_at)
    now = datetime.now(UTC)
    sources = {}
    outcomes = catalog_outcomes(snapshot.catalog, service.settings, now)  # the sample says why
    for name, data in snapshot.catalog.all_sources.items():
        s, outcome = data.status, outcomes[name]
        age = s.age_seconds(now)
        sources[name] = {
            "origin": s.origin,
            "fetched_at": iso(s.fetched_at),
            "age_seconds": None if age is None else round(age, 1),
            "ttl_seconds": s.ttl_seconds,
            "valid": outcome.state in (State.LIVE, State.CACHED) and age is not None and age < s.ttl_seconds,
            "stale": outcome.state is State.STALE,
            "complete": s.complete,
            "count": s.count,
            "error": s.error or snapshot.catalog.fallback.get(name),  # the sample: the upstream error
            "next_refresh": nxt,
            **outcome.to_dict(),
        }
    doc = {
        "generated_at": iso(datetime.now(UTC)),
        "revision": snapshot.revision,
        "refreshing": service.refresher.refreshing,
        "next_refresh": nxt,
        "sources": sources,
    }
    return respond(request, dumps(doc), snapshot=snapshot)


@endpoint
async def export_data(request: Request) -> Response:
    """The CLI's JSON export document: sources, merge_report, models."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)

    def build() -> bytes:
        doc = export.document(snapshot.catalog, settings=service.settings)
        doc["generated_at"] = iso(snapshot.catalog.generated_at)  # stable per snapshot (ETag)
        return export.to_json(doc).encode()

    stale = cache_headers(snapshot, service.settings)["X-Cache"]  # `stale` changes with the clock
    body = await service.cached(("export", snapshot.revision, stale), build)
    return respond(request, body, snapshot=snapshot)


@endpoint
async def merge_report(request: Request) -> Response:
    """The merge report (as `python -m chutes_data report` prints it)."""
    service = _service()
    parse(request, ())
    snapshot = await _snapshot(service)
    doc = {
        "generated_at": iso(snapshot.catalog.generated_at),
        "sources": _sources(snapshot),
        "merge_report": snapshot.catalog.report.to_dict(),
    }
    body = await service.cached(("report", snapshot.revision), lambda: dumps(doc))
    return respond(request, body, snapshot=snapshot)


@endpoint
async def refresh(request: Request) -> Response:
    """Refresh now (joins a refresh in flight): needs `Authorization: Bearer $CHUTES_ADMIN_TOKEN`."""
    service = _service()
    parse(request, ())
    token = service.settings.admin_token
    if not token:
        raise ApiError(
            403,
            "forbidden",
            "refreshing through the API is disabled: set "
            "CHUTES_ADMIN_TOKEN (16+ characters) on the server and send "
            "`Authorization: Bearer <token>`",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401,
            "unauthorized",
            "a valid `Authorization: Bearer <CHUTES_ADMIN_TOKEN>` header is required",
            headers={"WWW-Authenticate": 'Bearer realm="chutes"'},
        )
    snapshot = await service.refresher.refresh()
    doc = {
        "refreshed": list(snapshot.refreshed),
        "revision": snapshot.revision,
        "changes": len(snapshot.events),
        "sources": _sources(snapshot),
    }
    return respond(request, dumps(doc), snapshot=snapshot, headers={"Cache-Control": "no-store"})


@endpoint
async def openapi(request: Request) -> Response:
    """This API's OpenAPI 3.1 document."""
    parse(request, ())
    service = runtime.current()
    settings = service.settings if service is not None else Settings.from_env()
    server_url = hosts.base_url(hosts.bind(), settings.allowed_hosts)  # never the request's Host
    snapshot = service.snapshot if service is not None else None
    options = None
    if service is not None and snapshot is not None:  # the filters' enums: this catalog's values
        catalog = snapshot.catalog
        options = await service.cached(("options", snapshot.revision), lambda: query_options(catalog.models))
    return respond(request, dumps(document(TABLE, server_url, options)))


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
    ("/api/routing", routing, GET),
)


def build_routes() -> list[BaseRoute]:
    """Every API route. A path no route has, or a method a route does not take, is answered
    before routing by `server.Methods` (JSON 404, or 405 with `Allow`), from this same TABLE."""
    return [Route(path, fn, methods=methods) for path, fn, methods in TABLE]
