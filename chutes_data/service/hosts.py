"""Which `Host` names the server answers, and the one base URL its links are built from.

A server on loopback is still reachable from any web page the user opens: through DNS rebinding
(`evil.example` resolving to 127.0.0.1) that page reads the API, private rows included, as if it
were the same site. The browser sends the page's own name as `Host`, so a loopback-bound server
answers only loopback names (localhost, *.localhost, 127.0.0.0/8, [::1]) plus what
CHUTES_ALLOWED_HOSTS lists (`*` for any). A server bound beyond loopback (on purpose, see
.streamlit/config.toml) cannot know its public names: it answers any Host unless
CHUTES_ALLOWED_HOSTS is set, which then applies as on loopback (plus the bound address itself).

Links that must name this server (the Atom feed's rel="self", OpenAPI `servers`) come from
`base_url()`, i.e. from configuration, never from the request's Host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..urls import is_loopback_bind, is_loopback_host

__all__ = ["Bind", "base_url", "bind", "configure", "host_allowed", "host_name"]

_HOST_HEADER = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$")
_WILDCARD_BINDS = {"", "0.0.0.0", "::", "[::]"}


@dataclass(frozen=True)
class Bind:
    """Where the server listens (Streamlit's `server.address` and `server.port`). `address`
    None or empty means every interface, as in Streamlit."""

    address: str | None = "127.0.0.1"
    port: int = 8501

    @property
    def loopback(self) -> bool:
        return is_loopback_bind(self.address)

    @property
    def specific(self) -> str | None:
        """The bound address as a host name (IPv6 bracketed), or None for a wildcard bind."""
        address = (self.address or "").strip().lower()
        if address in _WILDCARD_BINDS:
            return None
        return f"[{address.strip('[]')}]" if ":" in address else address


_bind = Bind()


def configure(address: str | None, port: int | None) -> Bind:
    """Record the server's bind (the server import does, from Streamlit's options)."""
    global _bind
    _bind = Bind(address, int(port) if port else Bind.port)
    return _bind


def bind() -> Bind:
    """The recorded bind (the project default, 127.0.0.1:8501, until `configure` is called)."""
    return _bind


def host_name(header: str | None) -> str | None:
    """The name in a `Host` header, lower-case, port and a trailing dot dropped, IPv6 kept in
    brackets; None when missing or malformed."""
    match = _HOST_HEADER.match((header or "").strip())
    if not match:
        return None
    return match.group(1).lower().rstrip(".") or None


def _listed(name: str, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        if entry == "*" or entry == name:
            return True
        if entry.startswith("*.") and name.endswith(entry[1:]):
            return True
    return False


def host_allowed(header: str | None, where: Bind, allowed: tuple[str, ...] = ()) -> bool:
    """Whether a request whose Host header is `header` is served (see the module docstring)."""
    if not where.loopback and not allowed:
        return True
    name = host_name(header)
    if name is None:
        return False
    return is_loopback_host(name) or name == where.specific or _listed(name, allowed)


def base_url(where: Bind | None = None, allowed: tuple[str, ...] = ()) -> str:
    """`http://host:port` naming this server from configuration: the bound address, or on a
    wildcard bind the first name CHUTES_ALLOWED_HOSTS lists (else 127.0.0.1)."""
    where = where or _bind
    host = where.specific
    if host is None:
        named = [h for h in allowed if h != "*" and not h.startswith("*.")]
        host = named[0] if named else "127.0.0.1"
    return f"http://{host}:{where.port}"
