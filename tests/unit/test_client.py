"""ChutesClient: pagination, auth headers, retries, faults and envelopes (httpx.MockTransport),
plus a few end-to-end checks over a real socket against the loopback StandInUpstream."""

from __future__ import annotations

import email.utils
import logging
import time

import httpx
import pandas as pd
import pytest
from payloads import FAKE_KEY, chute_item, v1_item
from upstream import DETAIL, LIST, MAX_HANG, V1, Fault, StandInUpstream

from chutes_data.errors import AuthError, FetchError, NetworkError, NotFoundError, PayloadError, UpstreamError
from chutes_data.sources import normalize
from chutes_data.sources.client import ChutesClient


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text and "\r" not in text, text
    return text


# ---------------------------------------------------------------------------- pagination
def test_clamped_page_size_walks_every_page_in_order(fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(120)]
    fake_api.max_page_size = 50
    payload = make_client().list_chutes()
    requests = fake_api.to("/chutes/")
    assert [r.url.params["page"] for r in requests] == ["0", "1", "2"]
    assert all(r.url.params["limit"] == "1000" for r in requests)  # we ask big; server clamps
    ids = [i["chute_id"] for i in payload["items"]]
    assert ids == [i["chute_id"] for i in fake_api.chutes_items]
    assert len(set(ids)) == 120 and payload["total"] == 120
    assert payload["cord_refs"]  # kept, so cords can be rebuilt


def test_single_large_page_is_one_request(fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(282)]
    payload = make_client().list_chutes()
    assert len(fake_api.to("/chutes/")) == 1 and len(payload["items"]) == 282


def test_duplicates_across_pages_are_dropped(fake_api, make_client):
    distinct = [chute_item(i) for i in range(120)]
    # the sort key moved while paging: 5 chutes show up twice, the server still counts 120
    served = distinct[:50] + distinct[45:50] + distinct[50:]
    fake_api.chutes_items, fake_api.total, fake_api.max_page_size = served, 120, 50
    payload = make_client().list_chutes()
    ids = [i["chute_id"] for i in payload["items"]]
    assert ids == [i["chute_id"] for i in distinct]
    assert len(fake_api.to("/chutes/")) == 3


def test_listing_that_ends_short_raises_with_partial(fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(100)]
    fake_api.total, fake_api.max_page_size = 130, 50
    with pytest.raises(FetchError) as info:
        make_client().list_chutes()
    err = info.value
    assert "100 of 130" in one_line(err)
    assert err.source == "chutes"
    assert err.partial is not None and len(err.partial["items"]) == 100
    assert normalize.chutes_frame(err.partial).shape[0] == 100


def test_failing_page_raises_with_what_was_held(fake_api, make_client):
    fake_api.chutes_items = [chute_item(i) for i in range(120)]
    fake_api.max_page_size = 50
    fake_api.fault("/chutes/", "status", status=502, when=lambda r: r.url.params["page"] == "1")
    with pytest.raises(UpstreamError) as info:
        make_client().list_chutes()
    assert info.value.status == 502
    assert "page 1" in one_line(info.value) and "50 of 120" in str(info.value)
    assert [i["chute_id"] for i in info.value.partial["items"]] == [
        i["chute_id"] for i in fake_api.chutes_items[:50]
    ]


def test_failing_first_page_has_no_partial(fake_api, make_client):
    fake_api.fault("/chutes/", "status", status=500)
    with pytest.raises(UpstreamError) as info:
        make_client().list_chutes()
    assert info.value.partial is None


def test_server_ignoring_page_does_not_loop(fake_api, make_client):
    items = [chute_item(i) for i in range(50)]
    fake_api.fault(
        "/chutes/",
        "custom",
        respond=lambda r: httpx.Response(
            200, json={"total": 120, "page": 0, "limit": 50, "items": items, "cord_refs": {}}
        ),
    )
    with pytest.raises(FetchError) as info:
        make_client().list_chutes()
    assert len(fake_api.to("/chutes/")) == 2  # the second page brought nothing new: stop
    assert len(info.value.partial["items"]) == 50


def test_missing_total_takes_the_page_as_everything(fake_api, make_client):
    items = [chute_item(i) for i in range(4)]
    fake_api.fault("/chutes/", "custom", respond=lambda r: httpx.Response(200, json={"items": items}))
    assert len(make_client().list_chutes()["items"]) == 4


# ---------------------------------------------------------------------------- auth headers
def test_anonymous_listing_sends_no_authorization(fake_api, make_client):
    client = make_client()
    client.list_chutes()
    client.list_v1_models()
    for request in fake_api.requests:
        assert "authorization" not in request.headers
    (listing,) = fake_api.to("/chutes/")
    assert listing.url.params["include_public"] == "true"


def test_keyed_listing_sends_bearer_and_include_public(fake_api, make_client, keyed_settings):
    client = make_client(keyed_settings)
    client.list_chutes()
    client.get_chute(fake_api.chutes_items[0]["chute_id"])
    (listing,) = fake_api.to("/chutes/")
    assert listing.headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert listing.url.params["include_public"] == "true"  # else only our own chutes
    detail = [r for r in fake_api.requests if r.url.path != "/chutes/"]
    assert detail and all(r.headers["authorization"] == f"Bearer {FAKE_KEY}" for r in detail)


def test_key_never_reaches_v1_models(fake_api, make_client, keyed_settings):
    fake_api.fault("/v1/models", "status", status=503, times=1)  # a retry too
    client = make_client(keyed_settings)
    client.list_chutes()
    client.list_v1_models()
    v1 = fake_api.to("/v1/models")
    assert len(v1) == 2
    for request in v1:
        assert "authorization" not in request.headers
        assert FAKE_KEY not in str(request.url) and FAKE_KEY not in str(request.headers)


# ---------------------------------------------------------------------------- price shapes
def test_every_price_shape_through_normalize(fake_api, make_client, payloads):
    fake_api.chutes_items = [
        chute_item(0, name="llm", price="vllm", tee=True),
        chute_item(
            1, name="llm-no-cache-no-tao", price=payloads.price_block("vllm", cache_read=None, tao=False)
        ),
        chute_item(2, name="image", template="diffusion", price="diffusion"),
        chute_item(3, name="embed", template="embedding", price="per_request"),
        chute_item(4, name="custom", template=None, price="hourly", hot=False),
        chute_item(5, name="no-price", template="tei", price=None),
    ]
    frame = normalize.chutes_frame(make_client().list_chutes()).set_index("name")
    llm = frame.loc["llm"]
    assert (llm.price_input_usd, llm.price_output_usd, llm.price_cache_read_usd) == (0.104, 0.416, 0.052)
    assert llm.price_input_tao == pytest.approx(0.104 / 197.3, rel=1e-3)
    assert llm.price_hour_usd == 2.75 and llm.price_hour_tao > 0
    assert bool(llm.tee) is True and llm.template == "vllm"

    bare = frame.loc["llm-no-cache-no-tao"]
    assert bare.price_input_usd == 0.104
    for col in ("price_cache_read_usd", "price_cache_read_tao", "price_input_tao", "price_hour_tao"):
        assert bare[col] != bare[col], col  # NaN
    assert pd.isna(bare.tee)  # `tee` absent (responses before 2025-12)

    image = frame.loc["image"]
    assert image.price_step_usd == 0.0069 and image.price_step_tao > 0
    assert image.price_input_usd != image.price_input_usd and image.template == "diffusion"

    embed = frame.loc["embed"]
    assert embed.price_request_usd == 0.002 and embed.price_request_tao > 0
    assert embed.template == "embedding"

    custom = frame.loc["custom"]
    assert custom.template == "custom" and custom.price_hour_usd == 2.75
    assert custom.price_step_usd != custom.price_step_usd and bool(custom.hot) is False

    none = frame.loc["no-price"]
    assert none.template == "tei"
    price_cols = [c for c in frame.columns if c.startswith("price_")]
    assert frame.loc["no-price", price_cols].isna().all()


def test_v1_optional_fields_through_normalize(fake_api, make_client):
    fake_api.v1_items = [
        v1_item("Qwen/Qwen3-32B-TEE"),
        v1_item("unsloth/Mistral-Nemo-Instruct-2407-TEE", overrides=False, cache_read=None, tao=False),
    ]
    frame = normalize.v1_frame(make_client().list_v1_models()).set_index("v1_id")
    full = frame.loc["Qwen/Qwen3-32B-TEE"]
    assert full.context_length == 40960 and full.quantization == "fp8"
    assert full.v1_price_cache_read_usd == 0.052 and full.v1_price_input_tao > 0
    assert list(full.input_modalities) == ["text"] and bool(full.confidential_compute) is True
    bare = frame.loc["unsloth/Mistral-Nemo-Instruct-2407-TEE"]
    assert bare.v1_price_input_usd == 0.104 and bare.v1_price_output_usd == 0.416
    assert bare.chute_id == fake_api.v1_items[1]["chute_id"]
    assert pd.isna(bare.context_length) and pd.isna(bare.quantization)
    assert pd.isna(bare.max_output_length)
    assert list(bare.input_modalities) == [] and list(bare.supported_features) == []
    assert bare.v1_price_cache_read_usd != bare.v1_price_cache_read_usd
    assert bare.v1_price_input_tao != bare.v1_price_input_tao


def test_v1_bare_list_is_accepted(fake_api, make_client):
    fake_api.fault("/v1/models", "custom", respond=lambda r: httpx.Response(200, json=[v1_item("a/b")]))
    assert make_client().list_v1_models()["data"][0]["id"] == "a/b"


# ---------------------------------------------------------------------------- faults
def test_429_retry_after_seconds_is_honoured(fake_api, make_client, clock):
    fake_api.fault(
        "/v1/models",
        "status",
        status=429,
        retry_after="2",
        times=1,
        body={"detail": "Rate limit exceeded. Try again later."},
    )
    assert make_client().list_v1_models()["data"]
    assert len(fake_api.to("/v1/models")) == 2
    (slept,) = clock.sleeps
    assert 2.0 <= slept <= 2.2


def test_429_retry_after_http_date_is_honoured(fake_api, make_client, clock, settings):
    patient = settings.with_(retry_after_cap=60.0, http_timeout=30.0)  # budget 120 s
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fake_api.fault("/chutes/", "status", status=429, retry_after=when, times=1)
    make_client(patient).list_chutes()
    (slept,) = clock.sleeps
    assert 25.0 <= slept <= 33.0  # whole seconds in the header, plus up to 10 % jitter


def test_retry_after_is_capped(fake_api, make_client, clock, settings):
    fake_api.fault("/v1/models", "status", status=429, retry_after="3600", times=1)
    make_client(settings.with_(retry_after_cap=1.5)).list_v1_models()
    (slept,) = clock.sleeps
    assert 1.0 <= slept <= 1.5


def test_unusable_retry_after_falls_back_to_backoff(fake_api, make_client, clock):
    fake_api.fault("/v1/models", "status", status=503, retry_after="soon", times=1)
    make_client().list_v1_models()
    (slept,) = clock.sleeps
    assert slept < 0.01  # backoff_base 0.001


def test_5xx_then_success_is_retried(fake_api, make_client, clock):
    fake_api.fault("/chutes/", "status", status=503, times=2, body="<html>Bad gateway</html>")
    payload = make_client().list_chutes()
    assert len(payload["items"]) == 3
    assert len(fake_api.to("/chutes/")) == 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0]  # exponential


def test_5xx_forever_fails_after_max_retries(fake_api, make_client, clock, settings):
    fake_api.fault("/v1/models", "status", status=500, body={"detail": "Internal\nServer   Error"})
    with pytest.raises(UpstreamError) as info:
        make_client().list_v1_models()
    assert len(fake_api.to("/v1/models")) == settings.max_retries + 1
    assert len(clock.sleeps) == settings.max_retries
    message = one_line(info.value)
    assert "HTTP 500" in message and "after 3 attempts" in message
    assert "Internal Server Error" in message  # detail squeezed to one line
    assert info.value.status == 500 and info.value.source == "v1"


@pytest.mark.parametrize("status", [400, 422])
def test_other_4xx_are_not_retried(fake_api, make_client, status):
    fake_api.fault("/chutes/", "status", status=status)
    with pytest.raises(UpstreamError) as info:
        make_client().list_chutes()
    assert info.value.status == status and len(fake_api.requests) == 1


def test_transport_error_is_retried_then_network_error(fake_api, make_client, clock):
    fake_api.fault("/chutes/", "reset")  # transient (a refused connection is not retried)
    with pytest.raises(NetworkError) as info:
        make_client().list_chutes()
    assert "cannot reach api.chutes.ai/chutes/" in one_line(info.value)
    assert len(fake_api.requests) == 3


def test_transport_error_then_success(fake_api, make_client):
    fake_api.fault("/v1/models", "reset", times=1)
    assert len(make_client().list_v1_models()["data"]) == 3


def test_refused_connection_fails_at_once(fake_api, make_client, clock):
    fake_api.fault("/chutes/", "connect")
    with pytest.raises(NetworkError) as info:
        make_client().list_chutes()
    assert "cannot reach api.chutes.ai/chutes/" in one_line(info.value)
    assert "Connection refused" in str(info.value) and "attempts" not in str(info.value)
    assert len(fake_api.requests) == 1 and clock.sleeps == []


def test_timeout_is_a_network_error(fake_api, make_client):
    fake_api.fault("/v1/models", "timeout")
    with pytest.raises(NetworkError) as info:
        make_client().list_v1_models()
    assert "did not answer within 5s" in one_line(info.value)
    assert len(fake_api.requests) == 3


@pytest.mark.parametrize("kind", ["html", "truncated"])
@pytest.mark.parametrize("path", ["/chutes/", "/v1/models"])
def test_200_that_is_not_json_is_a_payload_error(fake_api, make_client, kind, path):
    fake_api.fault(path, kind)
    client = make_client()
    with pytest.raises(PayloadError) as info:
        client.list_chutes() if path == "/chutes/" else client.list_v1_models()
    message = one_line(info.value)
    assert "not JSON" in message
    if kind == "html":
        assert "text/html" in message and "<html" not in message


@pytest.mark.parametrize("body", [{"results": []}, [], {"items": "nope"}, {"items": None}, "x", 3])
def test_wrong_shape_listing_is_a_payload_error(fake_api, make_client, body):
    fake_api.fault("/chutes/", "wrong_shape", body=body)
    with pytest.raises(PayloadError) as info:
        make_client().list_chutes()
    assert "'items'" in one_line(info.value)
    assert len(fake_api.requests) == 1  # a wrong shape is not retried


@pytest.mark.parametrize("body", [{"object": "list"}, {"data": {"a": 1}}, "x", None])
def test_wrong_shape_v1_is_a_payload_error(fake_api, make_client, body):
    fake_api.fault("/v1/models", "custom", respond=lambda r: httpx.Response(200, json=body))
    with pytest.raises(PayloadError):
        make_client().list_v1_models()


def test_wrong_shape_detail_is_a_payload_error(fake_api, make_client):
    fake_api.fault("/chutes/x", "wrong_shape", body={"detail": "nope"})
    with pytest.raises(PayloadError):
        make_client().get_chute("x")


@pytest.mark.parametrize(
    "status,detail",
    [(401, "Invalid token or user not found"), (403, "Token does not have permission for this resource")],
)
def test_rejected_key_is_an_auth_error_without_the_key(fake_api, make_client, keyed_settings, status, detail):
    # a server that echoes the token back must not get it into our message either
    fake_api.fault("/chutes/", "status", status=status, body={"detail": f"{detail}: {FAKE_KEY}"})
    with pytest.raises(AuthError) as info:
        make_client(keyed_settings).list_chutes()
    message = one_line(info.value)
    assert "API key was rejected" in message and f"HTTP {status}" in message
    assert FAKE_KEY not in message and "a" * 32 not in message
    assert FAKE_KEY not in repr(info.value)
    assert len(fake_api.requests) == 1  # not retried
    assert info.value.status == status


def test_401_without_a_key_says_access_refused(fake_api, make_client):
    fake_api.fault("/v1/models", "status", status=401, body={"detail": "Invalid token."})
    with pytest.raises(AuthError) as info:
        make_client().list_v1_models()
    assert "refused access" in one_line(info.value)


def test_get_chute_by_id_and_by_name_with_slash(fake_api, make_client):
    client = make_client()
    first = fake_api.chutes_items[0]
    assert client.get_chute(first["chute_id"])["name"] == first["name"]
    assert client.get_chute(f" {first['name']} ")["chute_id"] == first["chute_id"]
    assert fake_api.requests[-1].url.path == f"/chutes/{first['name']}"  # "/" kept in the path


def test_get_chute_404_is_not_found(fake_api, make_client):
    with pytest.raises(NotFoundError) as info:
        make_client().get_chute("nope/missing")
    assert info.value.status == 404
    assert "Chute not found" in one_line(info.value)
    assert len(fake_api.requests) == 1


def test_redirect_is_not_followed_by_the_keyed_client(fake_api, make_client, keyed_settings):
    fake_api.fault(
        "/chutes/",
        "custom",
        respond=lambda r: httpx.Response(307, headers={"Location": "https://elsewhere.test/chutes/"}),
    )
    with pytest.raises(UpstreamError) as info:
        make_client(keyed_settings).list_chutes()
    assert info.value.status == 307
    assert [r.url.host for r in fake_api.requests] == ["api.chutes.ai"]


# ---------------------------------------------------------------------------- the budget
def test_total_budget_bounds_the_waiting(fake_api, make_client, clock, settings):
    fast = settings.with_(max_retries=100, retry_after_cap=4.0, http_timeout=1.0)
    assert fast.total_budget == 10.0
    fake_api.fault("/v1/models", "status", status=429, retry_after="4")
    start = clock.now
    with pytest.raises(UpstreamError):
        make_client(fast).list_v1_models()
    assert sum(clock.sleeps) <= fast.total_budget
    assert clock.now - start <= fast.total_budget
    assert 2 <= len(fake_api.requests) <= 4  # far fewer than max_retries + 1


def test_total_budget_counts_slow_requests_across_pages(fake_api, make_client, clock, settings):
    fast = settings.with_(http_timeout=1.0)  # budget 10 s
    fake_api.chutes_items = [chute_item(i) for i in range(300)]
    fake_api.max_page_size = 10

    def slow(request: httpx.Request) -> httpx.Response:
        clock.advance(0.9)  # each page takes most of the timeout
        return fake_api._list(request)

    fake_api.fault("/chutes/", "custom", respond=slow)
    with pytest.raises(NetworkError) as info:
        make_client(fast).list_chutes()
    assert "took longer than 10s" in one_line(info.value)
    assert len(fake_api.requests) <= 13
    assert info.value.partial is not None and len(info.value.partial["items"]) >= 100


# ---------------------------------------------------------------------------- the key in logs
def test_key_is_in_no_log_line_or_exception(fake_api, make_client, keyed_settings, caplog):
    caplog.set_level(logging.DEBUG)
    fake_api.fault("/chutes/", "status", status=503, times=1, body={"detail": f"x {FAKE_KEY}"})
    fake_api.fault("/v1/models", "timeout", times=1)
    client = make_client(keyed_settings)
    client.list_chutes()
    client.list_v1_models()
    fake_api.fault("/chutes/x", "status", status=401, body={"detail": FAKE_KEY})
    with pytest.raises(AuthError) as info:
        client.get_chute("x")
    assert caplog.records  # the retries were logged
    assert FAKE_KEY not in caplog.text and "a" * 32 not in caplog.text
    assert FAKE_KEY not in str(info.value)


# ---------------------------------------------------------------------------- over a real socket
def real_client(settings, up: StandInUpstream, **kw) -> ChutesClient:
    return ChutesClient(settings.with_(base_url=up.url, llm_base_url=up.url, **kw))


def test_real_socket_headers_and_clamped_pagination(keyed_settings, caplog):
    caplog.set_level(logging.DEBUG)
    items = [chute_item(i) for i in range(120)]
    with (
        StandInUpstream({"total": 120, "items": items, "cord_refs": {}}, max_page_size=50) as up,
        real_client(keyed_settings, up) as client,
    ):
        assert len(client.list_chutes()["items"]) == 120
        assert len(client.list_v1_models()["data"]) == 3
        assert client.get_chute(items[7]["name"])["chute_id"] == items[7]["chute_id"]
        assert [r["query"]["page"] for r in up.requests[LIST]] == ["0", "1", "2"]
        assert all(h["authorization"] == f"Bearer {FAKE_KEY}" for h in up.headers(LIST))
        assert all(h["authorization"] == f"Bearer {FAKE_KEY}" for h in up.headers(DETAIL))
        assert up.headers(V1) and all("authorization" not in h for h in up.headers(V1))
    assert caplog.records and FAKE_KEY not in caplog.text  # httpx/httpcore debug logs included


def test_real_socket_hang_times_out(settings):
    with StandInUpstream() as up:
        # A hang answers 200 once it ends (tests/upstream.py): only the 0.3 s timeout can make
        # this one attempt an error, so no clock is needed to tell the two apart.
        up.faults[V1] = Fault(hang=MAX_HANG)
        client = real_client(settings, up, http_timeout=0.3, max_retries=0)
        with pytest.raises(NetworkError) as info, client:
            client.list_v1_models()
        assert "did not answer within 0.3s" in str(info.value)
        assert up.count(V1) == 1


def test_real_socket_hang_up_is_a_network_error(settings):
    with StandInUpstream() as up:
        up.faults[LIST] = Fault(hang_up=True)
        with real_client(settings, up) as client, pytest.raises(NetworkError) as info:
            client.list_chutes()
        assert up.count(LIST) == settings.max_retries + 1
        port = up.url.rsplit(":", 1)[1]
        assert f"cannot reach 127.0.0.1:{port}/chutes/" in one_line(info.value)  # with the port


def test_real_socket_faults_then_recovery(settings):
    with StandInUpstream() as up:
        up.faults[LIST] = Fault(status=503, retry_after="0", times=1)
        up.faults[V1] = Fault(truncated=True, times=1)
        with real_client(settings, up) as client:
            assert len(client.list_chutes()["items"]) == 3
            assert len(client.list_v1_models()["data"]) == 3  # a cut-off body is retried
        assert up.count(LIST) == 2 and up.count(V1) == 2


def test_real_socket_html_and_closed_port(settings):
    with StandInUpstream() as up:
        up.faults[V1] = Fault(html=True)
        with real_client(settings, up) as client, pytest.raises(PayloadError):
            client.list_v1_models()
    closed = settings.with_(base_url="http://127.0.0.1:9", max_retries=0)
    with ChutesClient(closed) as client, pytest.raises(NetworkError):
        client.list_chutes()


def test_upstream_error_text_cannot_drive_the_terminal(fake_api, make_client):
    """An error body is upstream text: escapes (ESC, BEL) must not reach the CLI's stderr."""
    fake_api.fault(
        "/chutes/",
        "custom",
        respond=lambda r: httpx.Response(400, json={"detail": "bad \x1b]0;pwned\x07 request\x1b[2J"}),
    )
    with pytest.raises(UpstreamError) as excinfo:
        make_client().list_chutes()
    message = str(excinfo.value)
    assert "request" in message and "\x1b" not in message and "\x07" not in message
