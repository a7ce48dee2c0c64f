"""How the API answers: compact JSON, strong ETags (If-None-Match -> 304), the X-Cache headers of
the original proxy, the key scrubbed from every body, and JSON for every error."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..config import Settings
from ..sources.state import assess_all
from . import runtime
from .params import JSON, ApiError
from .refresher import Snapshot

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- responses
def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


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


def cache_headers(snapshot: Snapshot | None, settings: Settings | None = None) -> dict[str, str]:
    """X-Cache / X-Cache-Age / X-Chutes-Revision of a response built from `snapshot` (none for
    responses that are not catalog data). STALE by the one rule (`sources.state.assess`): a
    catalog source that is stale, incomplete or missing. `settings`: the running service's."""
    if snapshot is None:
        return {}
    service = runtime.current()
    settings = settings or (service.settings if service else Settings())
    catalog = snapshot.catalog
    statuses = [d.status for d in catalog.sources.values()]
    if catalog.is_sample:
        state = "SAMPLE"
    elif any(
        o.state.failing
        for o in assess_all({n: d.status for n, d in catalog.sources.items()}, settings).values()
    ):
        state = "STALE"
    else:
        state = "HIT"
    ages = [age for s in statuses if (age := s.age_seconds()) is not None]
    return {
        "X-Cache": state,
        "X-Cache-Age": str(int(max(ages))) if ages else "0",
        "X-Chutes-Revision": str(snapshot.revision),
    }


def _scrub(body: bytes, secret: str | None) -> bytes:
    """Belt and braces: the key never leaves in a body, even if upstream echoed it."""
    if secret and len(secret) >= 4:
        for form in {secret, json.dumps(secret)[1:-1]}:
            if form.encode() in body:
                body = body.replace(form.encode(), b"[redacted]")
    return body


def respond(
    request: Request,
    body: bytes,
    *,
    status: int = 200,
    media_type: str = JSON,
    snapshot: Snapshot | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    service = runtime.current()
    key = service.settings.api_key if service else None
    body = _scrub(body, key)
    etag = etag_of(body)
    out = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        **cache_headers(snapshot),
        **(headers or {}),
    }
    if (
        status == 200
        and request.method in ("GET", "HEAD")
        and _matches(request.headers.get("if-none-match"), etag)
    ):
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
            return error_response(
                request, ApiError(500, "internal_error", "internal error; see the server log")
            )

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
        raise ApiError(
            503, "no_data", "no data yet: the first refresh has not finished", headers={"Retry-After": "5"}
        )
    return snapshot


def _sources(snapshot: Snapshot) -> dict[str, dict]:
    return {name: data.status.to_dict() for name, data in snapshot.catalog.sources.items()}
