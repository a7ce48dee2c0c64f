"""The HTTP boundary: two httpx clients, retries with backoff, and envelope checks.

`/chutes/` and `/v1/models` get separate `httpx.Client`s so the API key can only ever be sent to
`CHUTES_BASE_URL`: the `/v1/models` client has no Authorization header at all (a bad one there
gets a 401, a good one is a needless leak). The public telemetry routes on `CHUTES_BASE_URL`
(`get_public_json`) use a third client, also without an Authorization header. Redirects are
not followed by the keyed client.
Every failure is raised as a `FetchError` subclass with a one-line message that names no key
(built by `answers`), and every decoded answer has the key scrubbed (`textsafe.scrub_secret`).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from ..config import Settings
from ..errors import AuthError, FetchError, NetworkError, NotFoundError, PayloadError, UpstreamError
from ..textsafe import scrub_secret
from ..urls import redact, require_url
from . import answers
from .answers import content_kind, one_line, refused, retry_after_seconds, with_attempts

log = logging.getLogger(__name__)

MAX_PAGES = 101  # the server accepts page 0..100
USER_AGENT = "chutes-model-explorer/1.0"
# The three HTTP clients: (setting named in errors, Settings field, sends the key, follows redirects).
# Only "chutes" (`/chutes/` on CHUTES_BASE_URL) ever carries the key; the anonymous telemetry
# routes use "public" on the same host; `/v1/models` uses "v1". Redirects are followed only there.
CLIENTS = {
    "chutes": ("CHUTES_BASE_URL", "base_url", True, False),
    "public": ("CHUTES_BASE_URL", "base_url", False, False),
    "v1": ("CHUTES_LLM_BASE_URL", "llm_base_url", False, True),
}
# The market sources (models.dev, OpenRouter) are absolute URLs on other hosts: a fourth client
# with no base URL and no Authorization header, ever; redirects followed (public CDNs).
MAX_MARKET_BYTES = 64 * 1024 * 1024  # models.dev's api.json is a few MB; far more is not a catalog


class ChutesClient:
    """Fetches raw payloads from both APIs. Inject `transport` (e.g. httpx.MockTransport) in tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._transport = transport
        self._clients: dict[str, httpx.Client] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def _client(self, which: str) -> httpx.Client:
        """The httpx client `which` (see CLIENTS), built on first use."""
        if which == "market" and which not in self._clients:
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}  # never the key
            self._clients[which] = httpx.Client(
                headers=headers,
                timeout=self.settings.http_timeout,
                transport=self._transport,
                follow_redirects=True,
            )
        if which not in self._clients:
            s = self.settings
            setting, field, keyed, follow = CLIENTS[which]
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
            if keyed and s.api_key:
                headers["Authorization"] = f"Bearer {s.api_key}"
            self._clients[which] = httpx.Client(
                base_url=require_url(setting, getattr(s, field)),
                headers=headers,
                timeout=s.http_timeout,
                transport=self._transport,
                follow_redirects=follow,
            )
        return self._clients[which]

    def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()

    def __enter__(self) -> ChutesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public calls ----------------------------------------------------------------------
    def list_chutes(self) -> dict:
        """Every chute, all pages, as one `{"total", "items", "cord_refs", ...}` payload.

        One large call (`limit` = `page_size`, the server's maximum 5000 by default), as the API
        reference recommends: paging while the sort key moves can skip or repeat chutes.
        Pages are walked until `total` distinct chutes are held. The server may clamp `limit`,
        so the next page is simply `page + 1` (the server offsets by its own limit). A failing
        page or a listing that ends short raises FetchError with `.partial` set to what was held.
        """
        deadline = self._clock() + self.settings.total_budget
        items: dict[str, dict] = {}
        cord_refs: dict[str, Any] = {}
        total: int | None = None
        for page in range(MAX_PAGES):
            params = {"include_public": "true", "limit": self.settings.page_size, "page": page}
            try:
                if page and self._clock() >= deadline:
                    raise NetworkError(
                        f"chutes: the listing took longer than {self.settings.total_budget:g}s",
                        source="chutes",
                    )
                body = self._get_json("chutes", "/chutes/", params=params, deadline=deadline)
                page_items, page_total = _chutes_envelope(body)
            except FetchError as exc:
                if items:
                    exc.partial = _chutes_payload(items, cord_refs, total)
                    exc.args = (f"{exc} (page {page}; {len(items)} of {total} chutes held)",)
                raise
            held = len(items)
            for item in page_items:
                items.setdefault(str(item["chute_id"]), item)
            if isinstance(body.get("cord_refs"), dict):
                cord_refs.update(body["cord_refs"])
            total = page_total if page_total is not None else len(items)
            # stop when done, or when a page brings nothing new (a server ignoring `page`)
            if len(items) >= total or len(items) == held:
                break
        payload = _chutes_payload(items, cord_refs, total)
        if total is not None and len(items) < total:
            error = FetchError(
                f"chutes: the listing ended with {len(items)} of {total} chutes", source="chutes"
            )
            error.partial = payload
            raise error
        return payload

    def get_chute(self, chute_id_or_name: str) -> dict:
        """One chute (`GET /chutes/{id}`), cords included."""
        path = "/chutes/" + quote(chute_id_or_name.strip(), safe="/")
        body = self._get_json(
            "chutes", path, params=None, deadline=self._clock() + self.settings.total_budget
        )
        if not isinstance(body, dict) or not body.get("chute_id"):
            raise PayloadError("chutes: the chute detail is not a chute object", source="chutes")
        return body

    def list_v1_models(self) -> dict:
        """`GET /v1/models` as `{"object": "list", "data": [...]}` (no auth header, ever)."""
        body = self._get_json(
            "v1", "/v1/models", params=None, deadline=self._clock() + self.settings.total_budget
        )
        if isinstance(body, list):
            body = {"object": "list", "data": body}
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise PayloadError("v1: /v1/models did not return a JSON object with a 'data' list", source="v1")
        return body

    def get_public_json(self, source: str, path: str, *, params: dict | None = None) -> Any:
        """A public (anonymous) GET on CHUTES_BASE_URL, e.g. `/chutes/utilization`, as JSON.
        Same retries and errors as the catalog calls; no Authorization header, ever."""
        return self._get_json(
            source, path, params=params, deadline=self._clock() + self.settings.total_budget, which="public"
        )

    def get_url_json(self, source: str, setting: str, url: str) -> Any:
        """A keyless GET of an absolute URL (`setting` names it in errors), as JSON: the market
        sources. Same retries and errors; a body over `MAX_MARKET_BYTES` is refused."""
        require_url(setting, url)
        return self._get_json(
            source,
            url,
            params=None,
            deadline=self._clock() + self.settings.total_budget,
            which="market",
            limit=MAX_MARKET_BYTES,
        )

    # -- the retry loop --------------------------------------------------------------------
    def _get_json(
        self,
        source: str,
        path: str,
        *,
        params: dict | None,
        deadline: float,
        which: str | None = None,
        limit: int | None = None,
    ) -> Any:
        s = self.settings
        client = self._client(which or source)
        where = (
            answers.where(httpx.URL(path), "") if which == "market" else answers.where(client.base_url, path)
        )
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = client.get(path, params=params)
            except httpx.TimeoutException:
                error: FetchError = NetworkError(
                    f"{source}: {where} did not answer within {s.http_timeout:g}s", source=source
                )
            except httpx.HTTPError as exc:
                reason = redact(one_line(str(exc)), s.api_key)  # transport text may echo headers
                error = NetworkError(
                    f"{source}: cannot reach {where} ({type(exc).__name__}: {reason or 'connection failed'})",
                    source=source,
                )
                error.unreachable = isinstance(exc, httpx.ConnectError)
                if refused(exc):  # nothing listens there: an answer, not a transient fault
                    raise error from None
            else:
                status = response.status_code
                if 200 <= status < 300 and limit is not None and len(response.content) > limit:
                    raise PayloadError(
                        f"{source}: {where} answered {len(response.content) / 1e6:.1f} MB, more than "
                        f"the {limit / 1e6:.0f} MB allowed",
                        source=source,
                    )
                if 200 <= status < 300:
                    try:  # the one place upstream text enters: the key is scrubbed here
                        return scrub_secret(json.loads(response.content), s.api_key)
                    except (ValueError, UnicodeDecodeError):
                        error = PayloadError(
                            f"{source}: {where} answered {status} but the body is not JSON "
                            f"({content_kind(response)})",
                            source=source,
                        )
                else:
                    error = self._status_error(source, where, response)
                    if not (status == 429 or status >= 500):
                        raise error
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt > s.max_retries:
                raise with_attempts(error, attempt)
            delay = retry_after if retry_after is not None else s.backoff_base * 2 ** (attempt - 1)
            delay = min(delay * (1 + random.uniform(0, 0.1)), s.retry_after_cap)  # a real cap
            if self._clock() + delay > deadline:
                raise with_attempts(error, attempt)
            log.info("%s (attempt %d); retrying in %.1fs", error, attempt, delay)
            self._sleep(delay)

    def _status_error(self, source: str, where: str, response: httpx.Response) -> UpstreamError:
        status = response.status_code
        detail = redact(answers.detail(response), self.settings.api_key)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            if source == "chutes" and self.settings.api_key:
                return AuthError(
                    f"chutes: the API key was rejected (HTTP {status}{suffix}). Check "
                    "CHUTES_API_KEY, or unset it to browse public chutes.",
                    source=source,
                    status=status,
                )
            return AuthError(
                f"{source}: {where} refused access (HTTP {status}{suffix})", source=source, status=status
            )
        if status == 404:
            return NotFoundError(
                f"{source}: {where} not found (HTTP 404{suffix})", source=source, status=status
            )
        return UpstreamError(
            f"{source}: {where} answered HTTP {status}{suffix}", source=source, status=status
        )


# ---------------------------------------------------------------------------- helpers
def _chutes_envelope(body: Any) -> tuple[list[dict], int | None]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise PayloadError(
            "chutes: /chutes/ did not return a JSON object with an 'items' list", source="chutes"
        )
    items = [i for i in body["items"] if isinstance(i, dict) and i.get("chute_id")]
    total = body.get("total")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        total = None
    return items, total


def _chutes_payload(items: dict[str, dict], cord_refs: dict, total: int | None) -> dict:
    return {
        "total": total if total is not None else len(items),
        "page": 0,
        "limit": len(items),
        "items": list(items.values()),
        "cord_refs": cord_refs,
    }


_where = answers.where  # the name tests and older callers import
