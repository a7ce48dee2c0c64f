"""URLs and secrets in messages: which base URLs are usable, how a URL is shown or logged
(credentials and tokens masked), loopback checks, and redaction of the key from upstream text."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import httpx

from .errors import ConfigError

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/@\s]*@")


def shorten(value: object, limit: int = 40) -> str:
    text = mask_credentials(str(value))
    return text if len(text) <= limit else text[:limit] + "…"


def mask_credentials(text: str) -> str:
    """`https://user:secret@host` -> `https://***@host`, wherever a URL appears in `text`."""
    return _USERINFO.sub(r"\1***@", text)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be used as a base URL, or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return f"{shorten(url)!r} is not a valid URL."
    if parts.scheme not in ("http", "https"):
        return f"{shorten(url)!r} is not an http(s) URL."
    if not parts.hostname:
        return f"{shorten(url)!r} has no host name."
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"{shorten(url)!r} must not carry a query, fragment or credentials."
    try:  # what httpx would refuse later, mid-fetch (999.1.1.1, a tab, an empty label "a..b")
        httpx.URL(url)
        parts.hostname.encode("idna")
    except (httpx.InvalidURL, UnicodeError):
        return f"{shorten(url)!r} is not a valid URL."
    return None


def require_url(name: str, url: str) -> str:
    """`url`, or a ConfigError saying why it cannot be used."""
    problem = url_problem(url)
    if problem:
        raise ConfigError(f"{name}: {problem}")
    return url


def is_loopback_host(host: str | None) -> bool:
    """True for localhost, *.localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = (host or "").strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_bind(address: str | None) -> bool:
    """True when a server bound to `address` is reachable from this machine only. An empty
    address means every interface (Streamlit's own default), which is not."""
    return is_loopback_host(address)


def public_bind_warning(address: str | None, has_key: bool) -> str | None:
    """The log warning for a dashboard holding an API key while it listens beyond loopback."""
    if not has_key or is_loopback_bind(address):
        return None
    where = address.strip() if address and address.strip() else "every interface"
    return (
        f"CHUTES_API_KEY is set and the dashboard listens on {where}: anyone who can reach "
        "this port sees the organization's private chutes and prices. Bind to 127.0.0.1 "
        "(the default in .streamlit/config.toml) unless that is intended."
    )


def plain_http_to_remote(url: str) -> bool:
    """True for http:// to a host that is not loopback (where a key could be sniffed)."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_loopback_host(parts.hostname)


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks, or None. Unlike a base URL, a webhook URL may carry
    credentials or a query (a token); they are masked in every message."""
    shown = display_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
        httpx.URL(url)
        (parts.hostname or "").encode("idna")
    except (ValueError, httpx.InvalidURL, UnicodeError):
        return f"{shown!r} is not a valid URL."
    if parts.scheme not in ("http", "https"):
        return f"{shown!r} is not an http(s) URL."
    if not parts.hostname:
        return f"{shown!r} has no host name."
    return None


def display_url(url: str, limit: int = 80) -> str:
    """A URL safe to log: credentials and the query replaced by `***`, the fragment dropped."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return shorten(url.split("?")[0].split("#")[0], limit)
    userinfo = "***@" if (parts.username or parts.password) else ""
    text = f"{parts.scheme}://{userinfo}{host}{port}{parts.path}" + ("?***" if parts.query else "")
    return text if len(text) <= limit else text[:limit] + "…"


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced, for messages built from upstream text."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    return text
