"""Host checks and methods on a real `streamlit run dashboard.py` (loopback-bound, as shipped):
dashboard.py hands Streamlit's bind to the middleware, so only a real server shows that a
foreign `Host` is refused for the API, the page and the page's websocket alike."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from browser import StreamlitServer, sample_env

pytestmark = pytest.mark.server

PORTS = range(18300, 18400)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    tmp = tmp_path_factory.mktemp("web_conventions")
    with StreamlitServer(sample_env(tmp), tmp / "streamlit.log", ports=PORTS) as server:
        yield server
    assert "Traceback" not in server.log_text()


def get(srv: StreamlitServer, path: str, host: str | None = None, method: str = "GET") -> httpx.Response:
    headers = {"Host": host} if host else {}
    return httpx.request(method, srv.url + path, headers=headers, timeout=30)


def upgrade(srv: StreamlitServer, host: str) -> str:
    """The status line a websocket handshake for the page's stream gets with this Host."""
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
        s.sendall(request.encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_loopback_names_are_served(srv: StreamlitServer):
    for host in (None, f"localhost:{srv.port}", f"[::1]:{srv.port}", "app.localhost"):
        assert get(srv, "/api/openapi.json", host).status_code == 200, host
    assert get(srv, "/", f"localhost:{srv.port}").status_code == 200
    assert " 101 " in upgrade(srv, f"127.0.0.1:{srv.port}")


def test_a_foreign_host_is_refused_everywhere(srv: StreamlitServer):
    for path in ("/api/models?visibility=private", "/api/changes.atom", "/api/nope"):
        r = get(srv, path, "evil.example")
        assert r.status_code == 400 and r.json()["error"] == "bad_host", (path, r.text)
    page = get(srv, "/", f"evil.example:{srv.port}")
    assert page.status_code == 400 and "CHUTES_ALLOWED_HOSTS" in page.text
    assert " 101 " not in upgrade(srv, "evil.example")


def test_methods_on_the_real_server(srv: StreamlitServer):
    r = get(srv, "/api/nope", method="TRACE")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = get(srv, "/api/models", method="PROPFIND")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    r = get(srv, "/api/cache/refresh", method="CONNECT")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert get(srv, "/api/nope", method="CONNECT").status_code == 404
    assert "access-control-allow-origin" not in get(srv, "/api/health").headers  # CORS off
