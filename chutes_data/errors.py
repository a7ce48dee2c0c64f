"""The package's errors: one small tree, so callers can catch at the level they care about.

    ChutesDataError              anything this package raises on purpose
    ├── ConfigError              a setting is malformed (bad number, non-http URL, ...)
    ├── FetchError               a source could not be fetched; has .source
    │   ├── NetworkError         transport failure or timeout
    │   ├── UpstreamError        a non-2xx answer; has .status
    │   │   ├── AuthError        401/403: the API key was rejected
    │   │   └── NotFoundError    404
    │   └── PayloadError         a 2xx whose body is not the expected JSON shape
    ├── NoDataError              no live, cached or file data could be had
    └── HistoryError             the history database cannot be opened, read or written, or a
                                 history argument is invalid

Messages are one line, safe to print, and never contain the API key.
"""

from __future__ import annotations


class ChutesDataError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(ChutesDataError):
    """A configuration value is malformed."""


class FetchError(ChutesDataError):
    """A source could not be fetched."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source
        #: what a paginated fetch held before it failed (served only when nothing better exists)
        self.partial: dict | None = None


class NetworkError(FetchError):
    """The request failed in transport (DNS, refused, reset, timeout)."""

    #: the host could not be connected to at all (DNS, refused): other routes there fail too
    unreachable: bool = False


class UpstreamError(FetchError):
    """The server answered with a non-2xx status."""

    def __init__(self, message: str, *, source: str | None = None, status: int | None = None) -> None:
        super().__init__(message, source=source)
        self.status = status


class AuthError(UpstreamError):
    """The server rejected the API key (401/403)."""


class NotFoundError(UpstreamError):
    """The server has no such resource (404)."""


class PayloadError(FetchError):
    """A 2xx answer, or a saved file, whose body is not the expected JSON shape."""


class NoDataError(ChutesDataError):
    """Nothing to serve: no live data, no cache, and the sample was not asked for."""


class HistoryError(ChutesDataError):
    """The history database cannot be opened, read or written, or a history argument is invalid."""
