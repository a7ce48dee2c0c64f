"""The JSON API of `dashboard.py`'s st.App, through Starlette's TestClient (the full lifespan:
the background refresher and webhooks run), against the loopback stand-in upstream.

One App per process and it cannot be restarted: everything here shares one module-scoped server
(`api`). Tests that change upstream trigger a refresh themselves with the admin token.
"""

from __future__ import annotations

import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from payloads import FAKE_KEY
from receiver import WebhookReceiver, verify
from upstream import V1, Fault, StandInUpstream

from chutes_data import config, export, markdown_table
from chutes_data.query import Filters, apply_filters, sort_models
from chutes_data.service import api as api_module
from chutes_data.service import hosts, runtime, webhooks

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

TOKEN = "admin-" + "t" * 26
SECRET = "hook-" + "s" * 27
ROOT = Path(__file__).resolve().parents[2]

DATA_ROUTES = [
    "/api/models",
    "/api/models?format=csv",
    "/api/models?format=md",
    "/api/models/v1/all",
    "/api/chutes",
    "/api/export/data",
    "/api/merge/report",
    "/api/cache/status",
]
GET_ROUTES = ["/api/health", *DATA_ROUTES, "/api/changes", "/api/changes.atom", "/api/openapi.json"]


@dataclass
class Api:
    client: Any
    upstream: StandInUpstream
    receiver: WebhookReceiver
    service: runtime.Service

    def refresh(self) -> dict:
        r = self.client.post("/api/cache/refresh", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        return r.json()

    def first_chute_id(self) -> str:
        return self.upstream.chutes_payload["items"][0]["chute_id"]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    from starlette.testclient import TestClient

    mp = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("api")
    with StandInUpstream() as upstream, WebhookReceiver() as receiver:
        for name in list(os.environ):
            if name.startswith("CHUTES_") or name == "CACHE_DURATION_MINUTES":
                mp.delenv(name)
        env = {
            "CHUTES_BASE_URL": upstream.url,
            "CHUTES_LLM_BASE_URL": upstream.url,
            "CHUTES_API_KEY": FAKE_KEY,
            "CHUTES_CACHE_DIR": str(base / "cache"),
            "CACHE_DURATION_MINUTES": "60",
            "CHUTES_HTTP_TIMEOUT": "5",
            "CHUTES_ADMIN_TOKEN": TOKEN,
            "CHUTES_WEBHOOK_URLS": receiver.url,
            "CHUTES_WEBHOOK_SECRET": SECRET,
            "CHUTES_ALLOWED_HOSTS": "testserver",  # TestClient's Host; the server is loopback-bound
            "CHUTES_MODELS_DEV_URL": upstream.url + "/api.json",  # the market (issue 19), keyless
            "CHUTES_OPENROUTER_URL": upstream.url + "/api/v1/models",
        }
        for name, value in env.items():
            mp.setenv(name, value)
        mp.setattr(config, "PROJECT_ROOT", base / "no-project")  # no developer .env
        mp.setattr(webhooks, "BACKOFF_BASE", 0.05)
        import dashboard

        try:
            with TestClient(dashboard.app) as client:
                service = runtime.current()
                assert service is not None and service.wait_ready(60) is not None
                yield Api(client, upstream, receiver, service)
        finally:
            mp.undo()


def leaks(response: Any) -> list[str]:
    found = [k for k, v in response.headers.items() if FAKE_KEY in k or FAKE_KEY in v]
    if FAKE_KEY.encode() in response.content:
        found.append("body")
    return found


# ---------------------------------------------------------------------------- every route
@pytest.mark.parametrize("path", GET_ROUTES)
def test_every_route_answers_with_an_etag_and_no_key(api: Api, path: str):
    r = api.client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["etag"].startswith('"') and r.headers["cache-control"] == "no-cache"
    assert not leaks(r)
    kind = r.headers["content-type"]
    if "csv" in path:
        assert kind.startswith("text/csv") and r.text.splitlines()[0].startswith("name,chute_id,")
    elif path.endswith(".atom"):
        assert kind.startswith("application/atom+xml")
    elif "format=md" in path:
        assert kind.startswith("text/markdown") and r.text.startswith("**Chutes models**")
    else:
        assert kind.startswith("application/json")
        r.json()
    if path in DATA_ROUTES:
        assert r.headers["x-cache"] == "HIT" and int(r.headers["x-cache-age"]) >= 0


@pytest.mark.parametrize("path", GET_ROUTES)
def test_if_none_match_is_answered_with_304(api: Api, path: str):
    first = api.client.get(path)
    if path == "/api/cache/status" or path == "/api/health":  # ages move every second
        assert "etag" in first.headers
        return
    again = api.client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = api.client.get(path, headers={"If-None-Match": '"nope", W/"other"'})
    assert other.status_code == 200 and other.content == first.content


def test_health(api: Api):
    doc = api.client.get("/api/health").json()
    assert doc["status"] == "ok" and doc["data"] == "hit" and doc["revision"] >= 1
    assert doc["webhook_receivers"] == 1 and doc["next_refresh_at"]


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("min_context=-1", "min_context"),
        ("min_context=1.5", "min_context"),
        ("max_input_price=abc", "max_input_price"),
        ("max_output_price=-0.1", "max_output_price"),
        ("max_in=nan", "max_input_price"),
        ("hot=maybe", "hot"),
        ("tee=2", "tee"),
        ("sort=cheapest", "sort"),
        ("limit=0", "limit"),
        ("limit=100001", "limit"),
        ("offset=x", "offset"),
        ("currency=eur", "currency"),
        ("format=xml", "format"),
        ("source=x", "source"),
        ("visibility=secret", "visibility"),
        ("color=red", "color"),
        ("q=" + "a" * 300, "q"),
        ("limit=1&limit=2", "limit"),
        ("%3Cscript%3E=1", "?script?"),
    ],
)
def test_bad_model_parameters_are_a_400_naming_them(api: Api, query: str, parameter: str):
    r = api.client.get(f"/api/models?{query}")
    assert r.status_code == 400, r.text
    doc = r.json()
    assert doc["error"] == "bad_parameter" and doc["parameter"] == parameter
    assert parameter in doc["message"] and "Traceback" not in r.text and "etag" in r.headers


@pytest.mark.parametrize(
    "path,parameter",
    [
        ("/api/changes?since=yesterday", "since"),
        ("/api/changes?kind=exploded", "kind"),
        ("/api/changes?kind=added,nope", "kind"),
        ("/api/changes?source=x", "source"),
        ("/api/changes.atom?limit=-1", "limit"),
        ("/api/health?x=1", "x"),
        ("/api/export/data?format=csv", "format"),
        ("/api/models/v1/all?page=2", "page"),
        ("/api/changes?kind=", "kind"),  # empty: not one of the enum
        ("/api/changes?kind=added,", "kind"),
        ("/api/changes?since=2201-01-01", "since"),  # the schema's bound: years to 2200
        ("/api/changes?since=20260701", "since"),  # not the ISO form the schema's pattern names
        ("/api/changes?limit=10001", "limit"),
        ("/api/models?offset=10000001", "offset"),
        ("/api/models?min_context=1234567890123", "min_context"),  # 13 digits
    ],
)
def test_bad_parameters_elsewhere_are_a_400_too(api: Api, path: str, parameter: str):
    r = api.client.get(path)
    assert r.status_code == 400 and r.json()["parameter"] == parameter, r.text


def test_limit_zero_is_refused_naming_the_bound(api: Api):
    for path in ("/api/changes?limit=0", "/api/changes.atom?limit=0"):
        doc = api.client.get(path).json()
        assert doc["parameter"] == "limit" and "1 to 10000" in doc["message"], doc
    assert api.client.get("/api/changes?limit=1").status_code == 200


def test_a_route_without_parameters_says_so():
    """`?token=` on the refresh route: the error says what is expected, not an empty list."""
    from starlette.requests import Request

    from chutes_data.service.params import ApiError, parse

    with pytest.raises(ApiError) as refused:
        parse(Request({"type": "http", "query_string": b"token=abc", "headers": []}), ())
    assert refused.value.parameter == "token"
    assert refused.value.message == "token: unknown parameter; this route takes no parameters"


def test_an_empty_feed_has_a_stable_updated_and_gets_a_304(api: Api):
    path = "/api/changes.atom?since=2200-01-01"
    first = api.client.get(path)
    feed = ET.fromstring(first.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.findall("a:entry", ns) == []
    assert feed.find("a:updated", ns).text == "1970-01-01T00:00:00Z"
    again = api.client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/api/nope", 404),
        ("GET", "/api", 404),
        ("GET", "/api/models/", 404),
        ("GET", "/api/models/v1/all/x", 404),
        ("POST", "/api/models", 405),
        ("GET", "/api/cache/refresh", 405),
        ("DELETE", "/api/changes", 405),
        ("GET", "/api/models/00000000-0000-0000-0000-000000000000", 404),
        ("GET", "/api/models/not%20an%20id", 404),
        ("GET", "/api/models/" + "x" * 300, 404),
        ("GET", "/api/models/%2E%2E", 400),  # refused by Streamlit's path security: JSON all the same
    ],
)
def test_unknown_routes_ids_and_methods_are_json(api: Api, method: str, path: str, status: int):
    r = api.client.request(method, path)
    assert r.status_code == status, (path, r.text)
    assert r.headers["content-type"].startswith("application/json") and r.json()["error"]
    if status == 405:
        assert "GET" in r.headers["allow"] or "POST" in r.headers["allow"]


# ---------------------------------------------------------------------------- content
@pytest.mark.parametrize(
    "query,filters,sort",
    [
        ("", Filters(), None),
        ("q=model-001", Filters(search="model-001"), None),
        ("template=vllm&hot=true", Filters(templates=("vllm",), hot_only=True), None),
        ("min_context=100000&src=both", Filters(min_context=100000, source="both"), None),
        ("min_ctx=100000&source=both", Filters(min_context=100000, source="both"), None),
        ("max_input_price=0.2&currency=usd", Filters(max_input_price=0.2), None),
        ("cur=TAO&max_in=0.001", Filters(max_input_price=0.001, currency="tao"), None),
        ("feature=tools&feature=json_mode", Filters(features=("tools", "json_mode")), None),
        ("sort=name", Filters(), "name"),
        ("visibility=private", Filters(visibility="private"), None),
    ],
)
def test_models_are_the_sidebar_filters_applied(api: Api, query: str, filters: Filters, sort):
    models = api.service.snapshot.catalog.models
    expected = sort_models(apply_filters(models, filters), sort or "popular", filters.currency)
    doc = api.client.get(f"/api/models?{query}").json()
    assert doc["count"] == doc["total"] == len(expected)
    assert [m["name"] for m in doc["models"]] == list(expected["name"])
    assert set(doc["sources"]) == {"chutes", "v1"}


def test_models_paging_and_csv_are_the_export_ones(api: Api):
    models = api.service.snapshot.catalog.models
    ordered = sort_models(models, "price_in")
    doc = api.client.get("/api/models?sort=price_in&limit=2&offset=1").json()
    assert doc["total"] == len(models) and doc["count"] == len(doc["models"]) == min(2, len(models) - 1)
    assert doc["models"] == export.rows(ordered.iloc[1:3])
    assert api.client.get("/api/models?format=csv").text == export.to_csv(models)


def test_models_as_markdown_are_the_views_rows_as_the_cli_writes_them(api: Api):
    catalog = api.service.snapshot.catalog
    view = sort_models(apply_filters(catalog.models, Filters(currency="tao")), "price_in", "tao")
    r = api.client.get("/api/models?format=md&sort=price_in&currency=tao&limit=3")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert "chutes-models.md" in r.headers["content-disposition"] and r.headers["etag"]
    expected = markdown_table.to_markdown(view.iloc[:3], generated_at=catalog.generated_at, currency="tao")
    assert r.text == expected
    assert f"**Chutes models**: {min(3, len(view))} rows" in r.text and "TAO" in r.text.upper()
    again = api.client.get("/api/models?format=md&sort=price_in&currency=tao&limit=3")
    assert again.headers["etag"] == r.headers["etag"]


def test_model_detail_has_the_row_and_the_listing_entry(api: Api):
    chute_id = api.first_chute_id()
    doc = api.client.get(f"/api/models/{chute_id}").json()
    assert doc["model"]["chute_id"] == chute_id
    assert doc["chute"]["chute_id"] == chute_id and doc["chute"]["name"] == doc["model"]["name"]


def test_model_detail_adds_the_market_and_the_facts(api: Api):
    chute_id = api.first_chute_id()
    doc = api.client.get(f"/api/models/{chute_id}").json()
    assert [o["provider"] for o in doc["market"]] == ["acme-ai", "openrouter"]  # cheapest first
    cheapest = doc["market"][0]
    assert cheapest["price_input_usd"] == 0.05 and cheapest["source"] == "models.dev"
    assert cheapest["match"] == "normalized" and doc["market"][1]["match"] == "hf_id"
    assert cheapest["as_of"] and cheapest["free"] is False
    assert doc["facts"]["release_date"] == "2025-06-01" and doc["facts"]["open_weights"] is True
    assert doc["model"]["market_providers"] == 2 and doc["model"]["market_min_provider"] == "acme-ai"
    listed = api.client.get("/api/models").json()["models"]
    assert {"market_ratio", "market_match", "release_date", "facts_source"} <= set(listed[0])
    assert api.client.get("/api/models?cheaper_than_market=true").json()["models"] == []  # 2.08 each
    within = api.client.get("/api/models?max_market_ratio=2.5&sort=market").json()["models"]
    assert len(within) == 3 and all(m["market_ratio"] <= 2.5 for m in within)
    bad = api.client.get("/api/models?released_after=May")
    assert bad.status_code == 400 and "released_after" in bad.text
    for route in ("/api.json", "/api/v1/models"):  # the Chutes key never goes to the market
        assert api.upstream.headers(route) and all(
            "authorization" not in h for h in api.upstream.headers(route)
        )


def test_raw_payloads_are_served_as_cached(api: Api):
    v1 = api.client.get("/api/models/v1/all").json()
    assert v1 == api.upstream.v1_payload
    chutes = api.client.get("/api/chutes").json()
    assert [i["chute_id"] for i in chutes["items"]] == [
        i["chute_id"] for i in api.upstream.chutes_payload["items"]
    ]


def test_export_document_is_the_clis(api: Api):
    doc = api.client.get("/api/export/data").json()
    catalog = api.service.snapshot.catalog
    cli = json.loads(export.to_json(export.document(catalog)))
    assert set(doc) == set(cli) == {"generated_at", "sources", "telemetry_sources", "merge_report", "models"}
    assert doc["models"] == cli["models"] and doc["merge_report"] == cli["merge_report"]
    assert api.client.get("/api/merge/report").json()["merge_report"] == cli["merge_report"]


def test_cache_status_per_source(api: Api):
    doc = api.client.get("/api/cache/status").json()
    for name in ("chutes", "v1"):
        s = doc["sources"][name]
        assert s["origin"] in ("live", "cache") and s["valid"] and not s["stale"]
        assert s["count"] == 3 and s["ttl_seconds"] == 3600 and s["age_seconds"] >= 0
        assert s["next_refresh"] and s["fetched_at"] and s["error"] is None
        assert s["state"] in ("live", "cached") and s["source"] == name and s["reason"] is None


def test_cache_status_lists_the_telemetry_sources_by_the_same_rule(api: Api):
    from chutes_data.sources.registry import TELEMETRY_SOURCES
    from chutes_data.sources.state import assess

    doc = api.client.get("/api/cache/status").json()
    assert set(TELEMETRY_SOURCES) <= set(doc["sources"])
    catalog = api.service.snapshot.catalog
    for name in TELEMETRY_SOURCES:
        s, status = doc["sources"][name], catalog.telemetry[name].status
        assert s["state"] == assess(status, api.service.settings).state.value, name
        assert s["stale"] == (s["state"] == "stale") and s["ttl_seconds"] == status.ttl_seconds


def test_openapi_lists_every_route(api: Api):
    doc = api.client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path, _fn, methods in api_module.TABLE:
        assert set(doc["paths"][path]) == {m.lower() for m in methods}
    names = {p["name"] for p in doc["paths"]["/api/models"]["get"]["parameters"]}
    assert {"q", "template", "feature", "min_context", "sort", "limit", "format"} <= names


# ---------------------------------------------------------------------------- refresh
def test_refresh_needs_the_admin_token(api: Api):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        r = api.client.post("/api/cache/refresh", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), headers
        assert TOKEN not in r.text
    before = api.service.revision
    assert api.refresh()["revision"] == before + 1


def test_concurrent_refresh_requests_join_one_refresh(api: Api):
    api.upstream.faults[V1] = Fault(hang=1.0, times=1)
    count = api.service.refresher.refresh_count
    results: list[dict] = []

    def post() -> None:
        results.append(api.refresh())

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 4 and len({r["revision"] for r in results}) == 1
    assert api.service.refresher.refresh_count == count + 1


def test_a_price_change_upstream_reaches_changes_atom_events_and_webhooks(api: Api):
    lines: list[str] = []
    opened = threading.Event()

    def listen() -> None:
        with api.client.stream("GET", "/api/events") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                lines.append(line)
                if line.startswith("event: snapshot"):
                    opened.set()
                if line.startswith("event: change"):
                    return

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(10), lines
    item = api.upstream.chutes_payload["items"][1]
    item["current_estimated_price"]["per_million_tokens"]["input"]["usd"] = 0.999
    delivered_before = len(api.receiver.accepted)
    api.refresh()
    reader.join(10)
    assert any(line.startswith("event: change") for line in lines), lines

    doc = api.client.get("/api/changes?kind=price_changed").json()
    moved = [e for e in doc["changes"] if e["chute_id"] == item["chute_id"] and e["new"] == 0.999]
    assert moved and moved[0]["field"] == "price_input_usd" and moved[0]["source"] == "chutes"
    assert all(e["kind"] == "price_changed" for e in doc["changes"])
    since = moved[0]["at"]
    assert api.client.get(f"/api/changes?since={since}").json()["count"] >= 1
    assert api.client.get("/api/changes?since=2199-01-01").json()["changes"] == []
    assert api.client.get("/api/changes?kind=added,removed").json()["count"] == 0

    feed = ET.fromstring(api.client.get("/api/changes.atom?kind=price_changed").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    # links name the configured server (loopback bind), never the request's Host ("testserver")
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ns)}
    base = hosts.base_url()
    assert base.startswith("http://127.0.0.1:")
    assert links == {"self": f"{base}/api/changes.atom?kind=price_changed", "alternate": f"{base}/changes"}
    assert feed.find("a:id", ns).text and feed.find("a:updated", ns).text
    titles = [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)]
    assert any(item["name"] in t and "0.999" in t for t in titles), titles
    for entry in feed.findall("a:entry", ns):
        assert entry.find("a:id", ns).text.startswith("urn:sha256:")
        assert entry.find("a:updated", ns).text

    got = api.receiver.wait_for(delivered_before + 1)[-1]
    assert verify(got, SECRET) == got["json"]  # the Standard Webhooks reference library
    assert got["headers"]["webhook-id"] == got["json"]["id"]
    assert any(e["new"] == 0.999 for e in got["json"]["events"])
    assert not leaks_in_record(got)


def leaks_in_record(record: dict) -> bool:
    return FAKE_KEY.encode() in record["body"] or any(FAKE_KEY in v for v in record["headers"].values())


def test_the_key_is_never_in_a_body_or_header_even_when_upstream_echoes_it(api: Api):
    item = api.upstream.chutes_payload["items"][0]
    original = item["tagline"]
    item["tagline"] = f"echo {FAKE_KEY} echo"
    try:
        api.refresh()
        responses = [api.client.get(p) for p in GET_ROUTES]
        responses += [
            api.client.get("/api/models/" + api.first_chute_id()),
            api.client.get("/api/nope"),
            api.client.get("/api/models?bad=1"),
            api.client.post("/api/cache/refresh"),
        ]
        for r in responses:
            assert not leaks(r), (r.url, leaks(r))
        assert b"[redacted]" in api.client.get("/api/chutes").content
    finally:
        item["tagline"] = original
        api.refresh()
    # and upstream got the key only on /chutes/, never on /v1/models
    assert all("authorization" not in h for h in api.upstream.headers(V1))


def test_pages_are_still_served_beside_the_api(api: Api):
    r = api.client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()
    assert api.client.get("/_stcore/health").text == "ok"


def test_a_slow_refresh_does_not_hold_up_readers(api: Api):
    """Every read answers while the refresh still hangs on upstream, from the last snapshot
    (its revision), so no reader waited for the fetch (no stopwatch: the hang outlasts them)."""
    before = api.client.get("/api/models").headers["x-chutes-revision"]
    api.upstream.faults[V1] = Fault(hang=5.0, times=1)
    done = threading.Thread(target=api.refresh)
    done.start()
    time.sleep(0.3)
    assert api.service.refresher.refreshing
    for path in DATA_ROUTES:
        r = api.client.get(path)
        assert r.status_code == 200
        assert r.headers.get("x-chutes-revision", before) == before, path  # the last snapshot
    assert api.service.refresher.refreshing  # the fetch still hangs: the reads did not wait for it
    done.join(30)


# ---------------------------------------------------------------------------- one vocabulary
# Every filter and sort, both ways: the same query string opens the Models page (AppTest, reading
# the same service snapshot as the API) and is sent to /api/models; same rows, same order. The
# upstream serves the bundled sample meanwhile (180 rows with telemetry), and is put back after.
@pytest.fixture(scope="module")
def sample_api(api: Api) -> Iterator[Api]:
    import telemetry_payloads

    sample = ROOT / "chutes_data" / "sample"
    up = api.upstream
    saved = (up.chutes_payload, up.v1_payload, dict(up.telemetry), up.honour_start_date)
    up.chutes_payload = json.loads((sample / "chutes.json").read_text())
    up.v1_payload = json.loads((sample / "v1_models.json").read_text())
    for name, path in telemetry_payloads.PATHS.items():
        up.telemetry[path] = json.loads((sample / f"telemetry_{name}.json").read_text())
    up.honour_start_date = False  # the sample's stats are of its own days
    api.refresh()
    assert len(api.service.snapshot.catalog.models) > 100
    yield api
    up.chutes_payload, up.v1_payload, up.telemetry, up.honour_start_date = saved
    api.refresh()


def _case_value(spec: Any, models: Any) -> str:
    from chutes_data.query import options

    opts = options(models)
    known = {"min_tps": "tps_7d", "max_ttft": "ttft_7d_s"}.get(spec.name)
    if known and known in models and models[known].notna().any():  # a bound that splits the rows
        return f"{models[known].median():.1f}"
    if spec.kind == "multi":
        values = opts[spec.options]
        return "tools" if spec.name == "feature" else values[len(values) // 2]
    return {
        "q": str(models["name"].dropna().iloc[0])[:5],
        "min_context": "131072",
        "max_input_price": "0.5",
        "max_output_price": "1.5",
        "visibility": "public",
        "source": "both",
        "currency": "TAO",
        "min_tps": "20",
        "max_ttft": "2.5",
        "blend": "1",
        "max_market_ratio": "1.2",
        "released_after": "2025-06",
    }.get(spec.name, "true")


def _walk() -> list[tuple[str, str]]:
    """(spec name, sort key) pairs: every filter once, every sort once (paired up)."""
    from chutes_data.filters import SPECS
    from chutes_data.query import SORTS

    names = [s.name for s in SPECS if s.name != "sort"]
    sorts = list(SORTS)
    return [(n, sorts[i % len(sorts)]) for i, n in enumerate(names)] + [("q", s) for s in sorts[len(names) :]]


def _dashboard_names(api: Api, query: str) -> list[str]:
    from urllib.parse import parse_qs

    from apptest import new_app, ok

    params = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(query).items()}
    at = ok(new_app(**params).run())
    assert not any("Ignored from the link" in c.value for c in at.caption), query
    if not at.dataframe:
        return []
    return list(at.dataframe[0].value["name"])


def _api_names(api: Api, query: str) -> list[str]:
    r = api.client.get(f"/api/models?{query}")
    assert r.status_code == 200, r.text
    return [m["name"] for m in r.json()["models"]]


@pytest.mark.usefixtures("apptest_env")
@pytest.mark.parametrize("name,sort", _walk(), ids=lambda v: str(v))
def test_every_filter_and_sort_gives_the_same_rows_on_the_dashboard_and_the_api(sample_api: Api, name, sort):
    api = sample_api
    from urllib.parse import urlencode

    from chutes_data.filters import BY_NAME

    spec = BY_NAME[name]
    query = urlencode({spec.url: _case_value(spec, api.service.snapshot.catalog.models), "sort": sort})
    shown, answered = _dashboard_names(api, query), _api_names(api, query)
    assert shown == answered, query


@pytest.mark.usefixtures("apptest_env")
@pytest.mark.parametrize(
    "query",
    [
        "feature=tools&hot=true&min_ctx=131072&sort=Cheapest+input",  # the link
        "sort=Largest+context&cur=TAO",
        "free=true&sort=Cheapest+blended&blend=1",
        "no_cold=true&no_throttle=true&sort=Fastest+%28tokens%2Fs%29",
    ],
)
def test_links_with_old_sort_labels_open_the_same_view_on_both(sample_api: Api, query: str):
    api = sample_api
    shown, answered = _dashboard_names(api, query), _api_names(api, query)
    assert shown == answered, query
    from chutes_data.filters import SORT_ALIASES

    label = dict(p.split("=") for p in query.split("&"))["sort"].replace("+", " ")
    from urllib.parse import unquote

    key = SORT_ALIASES[unquote(label)]
    assert (
        _api_names(api, query.replace(dict(p.split("=") for p in query.split("&"))["sort"], key)) == answered
    )


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("feature=teleport", "feature"),
        ("template=nope", "template"),
        ("in=smell", "input_modality"),
        ("quant=int1", "quantization"),
        ("vis=secret", "visibility"),
        ("blend=101", "blend"),
        ("min_tps=-1", "min_tps"),
        ("max_ttft=abc", "max_ttft"),
        ("free=perhaps", "free"),
        ("sort=Cheapest+nothing", "sort"),
    ],
)
def test_a_value_outside_a_filters_choices_or_bounds_is_a_400_naming_it(api: Api, query, parameter):
    r = api.client.get(f"/api/models?{query}")
    assert r.status_code == 400, r.text
    assert r.json()["parameter"] == parameter
    assert r.json()["message"].startswith(f"{parameter}: ")


def test_cheap_and_fast_can_be_asked_for(sample_api: Api):
    """free, min_tps, max_ttft, no_cold, no_throttle and blend are API parameters too."""
    api = sample_api
    models = api.service.snapshot.catalog.models
    query = "max_in=1&min_tps=10&max_ttft=5&no_cold=true&no_throttle=true&sort=blended&blend=1"
    f = Filters(max_input_price=1.0, min_tps=10.0, max_ttft=5.0, hide_cold=True, hide_throttling=True)
    expected = sort_models(apply_filters(models, f), "blended", "usd", 1.0)
    assert _api_names(api, query) == list(expected["name"])
    free = apply_filters(models, Filters(free_only=True))
    assert _api_names(api, "free=true") == list(sort_models(free, "popular")["name"])


def test_openapi_parameters_carry_the_vocabularys_bounds_and_enums(api: Api):
    from chutes_data.filters import SPECS

    doc = api.client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/models"]["get"]["parameters"]}
    for spec in SPECS:
        schema = params[spec.name]["schema"]
        if spec.kind == "choice":
            assert schema["enum"] == list(spec.choices), spec.name
        if spec.kind == "number":
            assert schema["minimum"] == spec.minimum and schema.get("maximum") == spec.maximum, spec.name
        if spec.kind == "multi":
            assert schema["type"] == "array", spec.name
        if spec.url != spec.name:
            assert f"`{spec.url}`" in params[spec.name]["description"], spec.name


# ---------------------------------------------------------------------------- /api/routing (issue 20)
@pytest.mark.parametrize(
    "query,strategy,order,n",
    [
        ("", "failover", "price", 3),
        ("strategy=latency&n=2&order=ttft&feature=tools&min_ctx=131072", "latency", "ttft", 2),
        ("strategy=throughput&n=4&order=tps&tee=true&cur=tao", "throughput", "tps", 4),
    ],
)
def test_routing_is_routing_pick_over_the_same_filters(sample_api: Api, query, strategy, order, n):
    from urllib.parse import parse_qs

    from chutes_data.filters import view_from
    from chutes_data.routing import pick_view, validate

    api = sample_api
    r = api.client.get(f"/api/routing?{query}")
    assert r.status_code == 200, r.text
    doc = r.json()
    models = api.service.snapshot.catalog.models
    view = view_from({k: v for k, v in parse_qs(query).items() if k not in ("strategy", "n", "order")})
    assert doc == pick_view(models, view.filters, strategy, n, order, view.blend).to_dict()
    assert doc["strategy"] == strategy and len(doc["picked"]) == n
    ids, parsed = validate(doc["model"], set(models["v1_id"].dropna()))
    assert parsed == strategy and ids == [p["name"] for p in doc["picked"]]
    assert all(p["chute_id"] and p["reason"] for p in doc["picked"])
    assert all(s["reason"] for s in doc["skipped"]) and not leaks(r)


def test_routing_says_why_cheaper_models_were_skipped(sample_api: Api):
    doc = sample_api.client.get("/api/routing?feature=tools&min_ctx=262144&n=3").json()
    reasons = " | ".join(s["reason"] for s in doc["skipped"])
    assert doc["skipped"] and ("lacks tools" in reasons or "required" in reasons or "cold" in reasons)


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("strategy=fastest", "strategy"),
        ("order=vibes", "order"),
        ("n=0", "n"),
        ("n=21", "n"),
        ("n=three", "n"),
        ("n=2&n=3", "n"),
        ("sort=blended", "sort"),
        ("feature=teleport", "feature"),
        ("min_tps=-1", "min_tps"),
    ],
)
def test_routing_bad_requests_are_a_400_naming_the_parameter(api: Api, query, parameter):
    r = api.client.get(f"/api/routing?{query}")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "bad_parameter" and body["parameter"] == parameter
    assert body["message"].startswith(f"{parameter}: ")


def test_openapi_lists_routing_with_its_parameters(api: Api):
    doc = api.client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/routing"]["get"]["parameters"]}
    assert params["strategy"]["schema"]["enum"] == ["failover", "latency", "throughput"]
    assert params["order"]["schema"]["enum"] == ["price", "tps", "ttft", "score"]
    assert params["n"]["schema"]["maximum"] == 20 and {"feature", "min_context", "hot"} <= set(params)
    assert "sort" not in params


@pytest.mark.parametrize("path", GET_ROUTES)
def test_every_answer_matches_its_schema_in_the_openapi_document(api: Api, path: str):
    """The typed contract: each 200's body validates against the schema the document declares for
    its route and media type (a model row, an event, a source's outcome: derived from the code's
    own declarations), and text answers are declared as text."""
    import jsonschema

    spec = api.client.get("/api/openapi.json").json()
    r = api.client.get(path)
    media = r.headers["content-type"].split(";")[0]
    route = path.split("?")[0]
    if route.startswith("/api/models/") and route != "/api/models/v1/all":
        route = "/api/models/{chute_id}"
    content = spec["paths"][route]["get"]["responses"]["200"]["content"]
    schema = content[media]["schema"]
    if media == "application/json":
        jsonschema.Draft202012Validator(schema).validate(r.json())
        assert schema["type"] == "object"
    else:
        assert schema == {"type": "string"}


def test_a_model_row_schema_follows_the_column_declarations(api: Api):
    from chutes_data.schema import MERGED_COLUMNS

    spec = api.client.get("/api/openapi.json").json()
    row = spec["paths"]["/api/models"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    props = row["properties"]["models"]["items"]["properties"]
    assert list(props) == MERGED_COLUMNS
    assert props["price_input_usd"]["type"] == ["number", "null"] and props["hot"]["type"] == [
        "boolean",
        "null",
    ]
    assert props["supported_features"]["items"] == {"type": "string"}
    assert props["instances_active"]["type"] == ["integer", "null"]
    errors = spec["paths"]["/api/cache/refresh"]["post"]["responses"]
    assert {errors[s]["content"]["application/json"]["schema"]["required"][0] for s in ("401", "403")} == {
        "error"
    }


# ---------------------------------------------------------------------------- schemathesis
# The OpenAPI document as served, exercised by schemathesis (all checks, positive and negative
# data) through this module's one in-process server: every case is sent with the TestClient the
# fixture keeps running, and its answer checked against the document. /api/events is a stream
# that never ends, so it is left out (tests/e2e reads it).
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402


def _operations(api: Api) -> list[Any]:
    """The operations of the document this server serves (its filter enums are the catalog's)."""
    schema = schemathesis.openapi.from_dict(api.client.get("/api/openapi.json").json())
    return [r.ok() for r in schema.exclude(path="/api/events").get_all_operations()]


def _send(api: Api, case: Any) -> Any:
    sent = case.as_transport_kwargs(base_url="http://testserver")
    body = {k: sent[k] for k in ("json", "data") if sent.get(k) is not None}
    if "data" in body and isinstance(body["data"], (bytes, str)):
        body = {"content": body.pop("data")}
    response = api.client.request(
        sent["method"], sent["url"], params=sent.get("params"), headers=sent.get("headers"), **body
    )
    case.validate_response(response, transport_kwargs=sent)  # every check schemathesis has


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_schemathesis_finds_no_failure(api: Api, mode: GenerationMode) -> None:
    """Positive and negative data, every operation but the endless stream, all checks."""
    failures = []
    for operation in _operations(api):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            _send(api, case)

        try:
            run()
        except Unsatisfiable:  # negative mode on a route with nothing to get wrong (no parameters)
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # noqa: BLE001 - collected, so one run names every failing route
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------------------- a generated client
def test_a_generated_client_parses_every_answer_into_typed_objects(api: Api, tmp_path: Path) -> None:
    """openapi-python-client, fed the served document with no hand-editing, makes a client whose
    every operation returns a typed object (a generated model, or text for the feed) on a 200,
    never None. Only its configuration maps the Atom type to text, the one way the tool reads
    an XML body. /api/events is an endless stream (a blocking client call would never return)."""
    import importlib
    import subprocess
    import sys

    spec = tmp_path / "openapi.json"
    spec.write_text(api.client.get("/api/openapi.json").text)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"content_type_overrides": {"application/atom+xml": "text/xml"}}))
    tool = Path(sys.executable).with_name("openapi-python-client")
    out = tmp_path / "chutes_client"
    done = subprocess.run(
        [str(tool), "generate", "--path", str(spec), "--output-path", str(out), "--meta", "none",
         "--config", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "Unsupported content_type" not in done.stdout, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        client_mod = importlib.import_module("chutes_client")
        # the generated client over the in-process server: its calls go through the TestClient
        client = client_mod.Client(base_url="http://testserver").set_httpx_client(api.client)
        calls = {
            "health": {}, "models": {}, "v1_all": {}, "model_detail": {"chute_id": api.first_chute_id()},
            "chutes": {}, "cache_status": {}, "refresh": {}, "export_data": {}, "merge_report": {},
            "changes": {}, "changes_atom": {}, "openapi": {},
        }  # fmt: skip
        for name, args in calls.items():
            module = importlib.import_module(f"chutes_client.api.default.{name}")
            if name == "refresh":  # AuthenticatedClient adds its token to a client it builds itself
                api.client.headers["Authorization"] = f"Bearer {TOKEN}"
            try:
                r = module.sync_detailed(client=client, **args)
            finally:
                api.client.headers.pop("Authorization", None)
            assert r.status_code == 200, (name, r.content[:300])
            assert r.parsed is not None, name
            if name == "changes_atom":
                assert isinstance(r.parsed, str) and r.parsed.startswith("<?xml")
            else:
                assert type(r.parsed).__module__.startswith("chutes_client.models."), (name, type(r.parsed))
        models = importlib.import_module("chutes_client.api.default.models").sync(client=client)
        first = models.models[0]
        assert isinstance(first.name, str) and type(first).__name__.endswith("ModelsItem")
    finally:
        sys.path.remove(str(tmp_path))
        for mod in [m for m in sys.modules if m == "chutes_client" or m.startswith("chutes_client.")]:
            del sys.modules[mod]
