"""What an HTTP answer or failure says, as one safe line, for the messages of sources/client.py:
where a request went, why it failed, how long to wait before retrying."""

from __future__ import annotations

import email.utils
import json
import time

import httpx

from ..errors import FetchError
from ..textsafe import clean


def refused(exc: BaseException) -> bool:
    """True when the connection was refused (no server on that port): retrying cannot help,
    unlike a timeout, a reset or a 5xx. httpx chains the OS error as the cause."""
    seen: BaseException | None = exc
    for _ in range(6):  # httpx.ConnectError <- httpcore.ConnectError <- ConnectionRefusedError
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return isinstance(exc, httpx.ConnectError) and (
        "connection refused" in str(exc).lower() or "errno 111" in str(exc).lower()
    )


def with_attempts(error: FetchError, attempts: int) -> FetchError:
    if attempts > 1:
        error.args = (f"{error} (after {attempts} attempts)",)
    return error


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if seconds == seconds else None


def detail(response: httpx.Response) -> str:
    """A short, single-line reason from an error body (FastAPI's `detail`), if any."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        detail = detail[0].get("msg")
    return one_line(str(detail))[:160] if isinstance(detail, str) else ""


def one_line(text: str) -> str:
    """One line of printable text: upstream bodies may hold terminal escapes (ESC, BEL)."""
    return " ".join(clean(text).split())


def content_kind(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    return f"{kind}, {len(response.content)} bytes"


def where(base_url: httpx.URL, path: str) -> str:
    """What an error names: host, port when not the scheme's default, base path and path
    (`127.0.0.1:9199/chutes/`, `api.chutes.ai/chutes/`); never the URL's credentials."""
    port = f":{base_url.port}" if base_url.port is not None else ""
    return f"{base_url.host}{port}{base_url.path.rstrip('/')}{path}"
