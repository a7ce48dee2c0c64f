"""The server's web conventions, through Starlette's TestClient on the API's own routes and the
middleware stack `dashboard.py` mounts (`server.routes()`, `server.middleware(bind)`): Host checks
against DNS rebinding, 404/405 with `Allow` whatever the method, CORS off unless configured.

No service runs here (one st.App per process belongs to test_api.py): /api/openapi.json answers
200 without one, data routes a JSON 503, which is enough to tell a refused request from a served one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from chutes_data.config import Settings
from chutes_data.service import hosts, runtime, server

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

OPEN = "/api/openapi.json"
Make = Callable[..., TestClient]


@pytest.fixture
def make(monkeypatch: pytest.MonkeyPatch) -> Iterator[Make]:
    """A client of the API's routes behind `server.middleware(bind)`, with these settings."""
    monkeypatch.setattr(hosts, "_bind", hosts.bind())  # `configure` is restored afterwards
    # no running service (an AppTest earlier in this worker may have started one: runtime.ensure)
    monkeypatch.setattr(runtime, "_current", None)

    def build(address: str | None = "127.0.0.1", port: int = 8501, **env: str) -> TestClient:
        settings = Settings.from_env(env, dotenv=None)

        async def page(request):  # a stand-in for Streamlit's own page and websocket
            return PlainTextResponse("page")

        async def stream(ws: WebSocket) -> None:
            await ws.accept()
            await ws.send_text("hello")
            await ws.close()

        routes = [*server.routes(), Route("/", page), WebSocketRoute("/_stcore/stream", stream)]
        app = Starlette(routes=routes, middleware=server.middleware((address, port), lambda: settings))
        return TestClient(app, base_url="http://127.0.0.1:8501")

    yield build


def get(client: TestClient, host: str | None, path: str = OPEN, **headers: str):
    if host is not None:
        headers["Host"] = host
    return client.get(path, headers=headers)


# ---------------------------------------------------------------------------- hosts
@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8501", "LOCALHOST.", "127.0.0.1", "127.0.0.1:9", "127.0.0.2", "[::1]:8501",
     "[::1]", "app.localhost:8501"],
)  # fmt: skip
def test_a_loopback_server_answers_loopback_names(make: Make, host: str):
    r = get(make(), host)
    assert r.status_code == 200, r.text
    assert r.json()["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8501", "127.0.0.1.nip.io", "localhost.evil.example", "localhostx",
     "::1", "a b", "evil.example/x", "", "192.168.1.5"],
)  # fmt: skip
def test_a_loopback_server_refuses_other_names_with_json_400(make: Make, host: str):
    client = make(CHUTES_API_KEY="k" * 40)
    for path in (OPEN, "/api/models?visibility=private", "/api/nope"):
        r = get(client, host, path)
        assert r.status_code == 400, (host, path, r.text)
        assert r.headers["content-type"].startswith("application/json")
        doc = r.json()
        assert doc["error"] == "bad_host" and "CHUTES_ALLOWED_HOSTS" in doc["message"]
    page = get(client, host, "/")
    assert page.status_code == 400 and "CHUTES_ALLOWED_HOSTS" in page.text


def test_a_missing_host_is_refused(make: Make):
    client = make()
    r = client.get(OPEN, headers={"Host": ""})
    assert r.status_code == 400 and r.json()["error"] == "bad_host"


def test_the_page_websocket_refuses_a_foreign_host(make: Make):
    client = make()
    with client.websocket_connect("/_stcore/stream", headers={"Host": "localhost:8501"}) as ws:
        assert ws.receive_text() == "hello"
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/_stcore/stream", headers={"Host": "evil.example"}) as ws:
            ws.receive_text()
    assert refused.value.code == 1008


def test_allowed_hosts_add_names_and_suffixes(make: Make):
    client = make(CHUTES_ALLOWED_HOSTS=" Dash.Example , *.corp.example,http://bad/")
    for host in ("dash.example", "dash.example:443", "x.corp.example", "a.b.corp.example", "localhost"):
        assert get(client, host).status_code == 200, host
    for host in ("corp.example", "evil.example", "xcorp.example"):
        assert get(client, host).status_code == 400, host


def test_a_star_allows_every_host(make: Make):
    assert get(make(CHUTES_ALLOWED_HOSTS="*"), "evil.example").status_code == 200


def test_a_public_bind_answers_any_host_unless_names_are_listed(make: Make):
    assert get(make("0.0.0.0"), "dash.example").status_code == 200
    assert get(make(""), "192.168.1.5").status_code == 200
    listed = make("192.168.1.5", CHUTES_ALLOWED_HOSTS="dash.example")
    for host, status in (("dash.example", 200), ("192.168.1.5:8501", 200), ("localhost", 200), ("evil", 400)):
        assert get(listed, host).status_code == status, host


def test_openapi_servers_name_the_configured_server_not_the_requests_host(
    make: Make, monkeypatch: pytest.MonkeyPatch
):
    doc = get(make("127.0.0.1", 8600), "localhost:9999").json()
    assert doc["servers"] == [{"url": "http://127.0.0.1:8600"}]
    # a wildcard bind: the first name CHUTES_ALLOWED_HOSTS lists (the handler reads the settings)
    monkeypatch.setenv("CHUTES_ALLOWED_HOSTS", "*.corp.example,dash.example")
    client = make("0.0.0.0", 8601, CHUTES_ALLOWED_HOSTS="*.corp.example,dash.example")
    doc = get(client, "x.corp.example").json()
    assert doc["servers"] == [{"url": "http://dash.example:8601"}]


# ---------------------------------------------------------------------------- methods
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "PURGE"])
@pytest.mark.parametrize("path", ["/api/nope", "/api", "/api/models/v1/all/x"])
def test_an_unknown_route_is_404_whatever_the_method(make: Make, method: str, path: str):
    r = make().request(method, path)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "not_found" and "allow" not in r.headers


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("TRACE", "/api/models", "GET, HEAD"),
        ("PROPFIND", "/api/changes", "GET, HEAD"),
        ("POST", "/api/models", "GET, HEAD"),
        ("OPTIONS", "/api/health", "GET, HEAD"),
        ("PUT", "/api/models/some-id", "GET, HEAD"),
        ("GET", "/api/cache/refresh", "POST"),
        ("TRACE", "/api/cache/refresh", "POST"),
    ],
)
def test_a_wrong_method_is_405_with_allow(make: Make, method: str, path: str, allow: str):
    r = make().request(method, path)
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == allow
    doc = r.json()
    assert doc["error"] == "method_not_allowed" and allow in doc["message"] and method in doc["message"]


def test_a_known_route_and_method_reach_the_handler(make: Make):
    client = make()
    assert client.head(OPEN).status_code == 200
    r = client.get("/api/models")  # no service in this test: the handler's own JSON 503
    assert r.status_code == 503 and r.json()["error"] == "unavailable"


def test_json_errors_keep_the_headers_of_the_answer_they_replace():
    async def refused(request):
        return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET", "Vary": "Origin"})

    app = server.JsonErrors(Starlette(routes=[Route("/api/x", refused)]))
    r = TestClient(app).get("/api/x")
    assert r.status_code == 405 and r.json() == {"error": "error", "message": "Method Not Allowed"}
    assert r.headers["allow"] == "GET" and r.headers["vary"] == "Origin"
    assert r.headers["content-length"] == str(len(r.content))


def test_json_errors_pass_on_a_short_plain_reason_only():
    async def long_text(request):
        return PlainTextResponse("x" * 500, 400)

    async def html(request):
        return PlainTextResponse("<h1>no</h1>", 404, media_type="text/html")

    async def gzipped(request):
        return PlainTextResponse("not really gzip", 400, headers={"Content-Encoding": "gzip"})

    routes = [Route("/api/long", long_text), Route("/api/html", html), Route("/api/gz", gzipped)]
    client = TestClient(server.JsonErrors(Starlette(routes=routes)))
    assert client.get("/api/long").json() == {"error": "bad_request", "message": "Bad Request"}
    assert client.get("/api/html").json() == {"error": "error", "message": "Not Found"}
    gz = client.get("/api/gz")
    assert gz.json()["message"] == "Bad Request" and "content-encoding" not in gz.headers


# ---------------------------------------------------------------------------- CORS
A, B = "https://a.example", "http://b.example:8080"


def preflight(client: TestClient, origin: str, method: str = "GET", path: str = OPEN):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    return client.options(path, headers=headers)


def test_cors_is_off_by_default(make: Make):
    client = make()
    r = get(client, None, Origin=A)
    assert r.status_code == 200 and not any(k.startswith("access-control-") for k in r.headers)
    p = preflight(client, A)
    assert p.status_code == 405 and "access-control-allow-origin" not in p.headers


def test_named_origins_may_get(make: Make):
    client = make(CHUTES_CORS_ORIGINS=f"{A}/, {B}")
    for origin in (A, B):
        r = get(client, None, Origin=origin)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        exposed = r.headers["access-control-expose-headers"].lower()
        assert "etag" in exposed and "x-cache" in exposed
        assert "access-control-allow-credentials" not in r.headers
        p = preflight(client, origin)
        assert p.status_code == 200 and p.headers["access-control-allow-origin"] == origin
        assert "GET" in p.headers["access-control-allow-methods"]
        assert "POST" not in p.headers["access-control-allow-methods"]


def test_other_origins_and_methods_get_no_cors(make: Make):
    client = make(CHUTES_CORS_ORIGINS=A)
    r = get(client, None, Origin="https://evil.example")
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    for origin, method in (("https://evil.example", "GET"), (A, "POST"), (A, "DELETE")):
        p = preflight(client, origin, method, "/api/cache/refresh" if method == "POST" else OPEN)
        assert p.status_code == 400, (origin, method)
        assert p.headers["content-type"].startswith("application/json")
        assert p.json()["error"] == "bad_request" and "Disallowed CORS" in p.json()["message"]
        assert p.headers.get("access-control-allow-origin") != "https://evil.example"


def test_cors_applies_to_the_api_only(make: Make):
    r = get(make(CHUTES_CORS_ORIGINS=A), None, "/", Origin=A)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_a_foreign_host_is_refused_before_cors(make: Make):
    r = get(make(CHUTES_CORS_ORIGINS=A), "evil.example", Origin=A)
    assert r.status_code == 400 and r.json()["error"] == "bad_host"


# ---------------------------------------------------------------------------- the real server import
def test_dashboard_records_streamlits_bind_for_host_checks_and_links():
    import streamlit as st

    import dashboard

    assert dashboard.bind == (st.get_option("server.address"), st.get_option("server.port"))
    kinds = [m.cls for m in dashboard.app._user_middleware]
    assert kinds[:4] == [server.HostCheck, server.JsonErrors, server.Cors, server.Methods]
