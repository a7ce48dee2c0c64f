"""Hostile input, secrets and faults in the browser: every dashboard page on `streamlit run`.

Everything here drives the real thing against `StandInUpstream` (tests/upstream.py), a loopback
HTTP server that serves both APIs in their real shapes with switchable faults: headless Chromium
on `streamlit run dashboard.py` (one server per fixture for the module): hostile upstream text on
every page (no dialog, unchanged `document.title`, no error box, no live node from upstream
text, hostile names visible as text), hostile URLs, downloads, the key never leaving its one
legitimate place, a stale banner after a fault, bad config. The CLI and AppTest half (fault
matrix, corrupt cache, bad configuration) is tests/app/test_adversarial_cli_app.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from adversarial import (
    FORMULA_PREFIXES,
    HOSTILE,
    KEY,
    MARKDOWN_NAMES,
    PIXEL,
    assert_key_not_in_files,
    good_upstream,
    hostile_upstream,
)
from browser import (
    APP_TITLE,
    PAGES,
    StreamlitServer,
    dom_problems,
    error_boxes,
    hover_plotly_points,
    load,
    main_text,
    metric_value,
    screenshot,
    wait_idle,
    warm_up,
)
from upstream import LIST, V1, Fault, StandInUpstream

NOT_FOUND = re.compile(
    r"not found|no (such )?model|unknown|does(n.t| not) exist|could ?n.t find|"
    r"could not find|no chute|pick a model|choose a model|select a model",
    re.IGNORECASE,
)


def _items_named(name: str) -> dict:
    return next(i for i in HOSTILE[0]["items"] if i["name"] == name)


@pytest.fixture(scope="module")
def hostile_up() -> Iterator[StandInUpstream]:
    with hostile_upstream() as up:
        yield up


@pytest.fixture(scope="module")
def good_up() -> Iterator[StandInUpstream]:
    with good_upstream() as up:
        yield up


@pytest.fixture(scope="module")
def hostile_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    return {"cache": tmp / "cache", "log": tmp / "streamlit.log", "downloads": tmp / "downloads"}


@pytest.fixture(scope="module")
def hostile_server(chromium_browser, hostile_up, hostile_dirs) -> Iterator[StreamlitServer]:
    """Live fetch of the hostile catalog through the stand-in, with a (fake) key."""
    env = {
        "CHUTES_BASE_URL": hostile_up.url,
        "CHUTES_LLM_BASE_URL": hostile_up.url,
        "CHUTES_CACHE_DIR": str(hostile_dirs["cache"]),
        "CACHE_DURATION_MINUTES": "10",
        "CHUTES_HTTP_TIMEOUT": "2",
        "CHUTES_API_KEY": KEY,
    }
    with StreamlitServer(env, hostile_dirs["log"]) as srv:
        warm_up(chromium_browser, srv)
        yield srv


@pytest.fixture(scope="module")
def fault_server(chromium_browser, good_up, tmp_path_factory) -> Iterator[StreamlitServer]:
    """CACHE_DURATION_MINUTES=0 (the background refresher runs every 2 s) against `good_up`, for
    the fault runs."""
    tmp = tmp_path_factory.mktemp("faults")
    env = {
        "CHUTES_BASE_URL": good_up.url,
        "CHUTES_LLM_BASE_URL": good_up.url,
        "CHUTES_CACHE_DIR": str(tmp / "cache"),
        "CACHE_DURATION_MINUTES": "0",
        "CHUTES_HTTP_TIMEOUT": "1",
        "CHUTES_API_KEY": KEY,
    }
    with StreamlitServer(env, tmp / "streamlit.log") as srv:
        warm_up(chromium_browser, srv)
        yield srv
    assert KEY not in srv.log_text() and "Traceback" not in srv.log_text()


def assert_safe_page(pg, what: str) -> None:
    assert not pg.dialogs, (what, pg.dialogs)
    assert pg.title() == APP_TITLE, (what, pg.title())
    assert not error_boxes(pg), (what, error_boxes(pg))
    problems = dom_problems(pg)
    assert not problems, (what, problems)
    assert KEY not in pg.content(), f"the API key is in the HTML of {what}"


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PAGES), ids=[p or "models" for p in PAGES])
def test_every_page_is_safe_with_hostile_data(page, hostile_server, path):
    errors = load(page, f"{hostile_server.url}/{path}")
    assert not errors, errors
    assert_safe_page(page, f"/{path}")
    if page.query_selector(".js-plotly-plot"):
        hovered = hover_plotly_points(page)
        assert hovered, f"/{path}: no chart point could be hovered"
        assert_safe_page(page, f"/{path} after hovering {hovered} chart points")
    screenshot(page, f"hostile-{path or 'models'}")


@pytest.mark.browser
def test_charts_every_view_hover_and_click_with_hostile_data(page, hostile_server):
    """Each view of the Charts page (a segmented control): hover the first points, click one
    (a click offers a 'Details of <name>' link: upstream text in a label)."""
    assert not load(page, f"{hostile_server.url}/charts")
    views = '[data-testid="stMain"] [data-testid="stButtonGroup"]'
    count = len(page.query_selector_all(f"{views} >> nth=0 >> button"))
    assert count >= 1, "the Charts page offers no views"
    for i in range(min(count, 8)):
        page.query_selector_all(f"{views} >> nth=0 >> button")[i].click(timeout=10_000)
        page.wait_for_timeout(300)
        wait_idle(page)
        hover_plotly_points(page)
        assert_safe_page(page, f"/charts view {i}")
        point = page.query_selector(".js-plotly-plot .scatterlayer .point")
        if point is not None:
            point.click(timeout=5000, force=True)
            page.wait_for_timeout(300)
            wait_idle(page)
            assert_safe_page(page, f"/charts view {i} after a click")


@pytest.mark.browser
def test_models_search_finds_hostile_names_without_harm(page, hostile_server):
    assert not load(page, hostile_server.url + "/")
    total = int(metric_value(page, "Models shown").replace(",", ""))
    assert total >= len(HOSTILE[0]["items"])
    assert not load(page, f"{hostile_server.url}/?q={quote('<script>')}")
    found = int(metric_value(page, "Models shown").replace(",", ""))
    assert 0 < found < total
    assert_safe_page(page, "search <script>")


@pytest.mark.browser
@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        *MARKDOWN_NAMES[:2],
    ],
)
def test_detail_page_shows_hostile_name_as_text(page, hostile_server, name):
    item = _items_named(name)
    errors = load(page, f"{hostile_server.url}/model_detail?chute_id={quote(item['chute_id'])}")
    assert not errors, errors
    assert_safe_page(page, f"detail of {name!r}")
    assert name in main_text(page), f"{name!r} is not shown as text on its detail page"
    if name.startswith("<script"):
        screenshot(page, "hostile-model-detail")


@pytest.mark.browser
@pytest.mark.parametrize("token", ["mdimage", "mdlink"])
def test_selected_row_link_shows_the_name_as_text(page, hostile_server, token):
    """Selecting a row of the Models table offers a 'Details of <name>' link: its label is
    Markdown, so a stranger's name must arrive escaped."""
    assert not load(page, f"{hostile_server.url}/?q={quote(token)}&sort=name")
    grid = page.query_selector('[data-testid="stMain"] [data-testid="stDataFrame"]')
    assert grid is not None
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection marker
    page.wait_for_timeout(500)
    wait_idle(page)
    links = page.query_selector_all('[data-testid="stMain"] [data-testid="stPageLink"]')
    labels = [a.inner_text() for a in links]
    picked = [label for label in labels if "Details of" in label]
    assert picked, f"selecting a row offered no details link ({labels})"
    assert_safe_page(page, f"models with a {token!r} row selected")
    shown = picked[0].split("Details of", 1)[1].strip()
    names = {i["name"] for i in HOSTILE[0]["items"]} | {e["id"] for e in HOSTILE[1]["data"]}
    assert shown in names, f"the link label {shown!r} is not the model's name as text"


HOSTILE_URLS = {
    "models-junk-filters": "/?min_ctx=abc&max_in=%3Cscript%3E&template=nope&cur=EUR&hot=maybe"
    "&sort=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&src=%00&vis=x",
    "models-script-search": "/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&owner=%22%3E%3Csvg",
    "detail-script-id": "/model_detail?chute_id=%3Cscript%3Ealert(1)%3C/script%3E",
    "detail-unknown-uuid": "/model_detail?chute_id=00000000-0000-0000-0000-000000000000",
    "detail-long-name": "/model_detail?name=" + "A" * 5000,
    "compare-junk": "/compare?cmp_models=%00&cmp_models=%3Cscript%3E"
    "&cmp_models=00000000-0000-0000-0000-000000000000&cmp_models=" + "B" * 3000,
    "calculator-junk": "/calculator?calc_model=%3Cscript%3E&calc_in=-1e999&calc_out=abc"
    "&calc_requests=NaN&cur=TAO",
    "charts-junk": "/charts?chart=%3Cscript%3E&view=nope&x=1e999",
    "changes-junk": "/changes?since=not-a-date&source=%3Cscript%3E&kind=x",
    "merge-gaps-junk": "/merge_gaps?q=%3Cscript%3E&method=nope",
    "sources-junk": "/data_sources?source=%3Csvg%20onload%3Dalert(1)%3E",
}


@pytest.mark.browser
@pytest.mark.parametrize("name", list(HOSTILE_URLS))
def test_hostile_urls_fall_back_quietly(page, hostile_server, name):
    errors = load(page, hostile_server.url + HOSTILE_URLS[name])
    assert not errors, errors
    assert_safe_page(page, name)
    text = main_text(page)
    assert "Traceback" not in text
    if name.startswith("detail-"):
        assert NOT_FOUND.search(text), f"{name}: no friendly 'not found' text in {text[:500]!r}"
    if name == "models-junk-filters":  # every junk value falls back to its default: all models
        shown = metric_value(page, "Models shown")
        assert shown and shown == metric_value(page, "Catalog size")


@pytest.mark.browser
def test_downloads_are_formula_safe_and_never_hold_the_key(page, hostile_server, hostile_dirs):
    assert not load(page, hostile_server.url + "/")
    total = int(metric_value(page, "Models shown").replace(",", ""))
    out = hostile_dirs["downloads"]
    out.mkdir(parents=True, exist_ok=True)
    labels = ["This view (CSV)", "This view (JSON)", "Everything (CSV)", "Everything (JSON)"]
    got: dict[str, bytes] = {}
    for label in labels:
        button = page.get_by_role("button", name=label)
        if not button.is_visible():  # the downloads wait in the "Download" popover
            page.get_by_role("button", name="Download", exact=True).click(timeout=10_000)
            button.wait_for(state="visible", timeout=10_000)
        with page.expect_download(timeout=60_000) as download:
            button.click(timeout=10_000)
        path = out / download.value.suggested_filename
        download.value.save_as(path)
        got[label] = path.read_bytes()
        wait_idle(page)
    assert_safe_page(page, "models after downloads")
    for label, data in got.items():
        assert KEY.encode() not in data, f"the key is in the {label} download"
        text = data.decode("utf-8")
        if label.endswith("(JSON)"):
            doc = json.loads(text)
            assert len(doc["models"]) == total
            names = {m["name"] for m in doc["models"]}
            assert "<script>alert(1)</script>" in names  # data stays data in JSON
            continue
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert len(rows) == total, label
        for row in rows:
            for col, cell in row.items():
                assert not (cell or "").startswith(FORMULA_PREFIXES), (label, col, cell[:60])
        names = {r["name"] for r in rows}
        assert '\'=HYPERLINK("http://evil","x")' in names  # neutralized, still readable
        assert "'@SUM(A1)" in names and "<script>alert(1)</script>" in names
        for row in rows:  # numbers stay numbers
            for col in ("price_input_usd", "instances_active", "context_length"):
                if row.get(col):
                    float(row[col])


@pytest.mark.browser
def test_the_key_goes_only_to_chutes(hostile_up, hostile_server, hostile_dirs, page):
    # after the tests above have visited every page, hovered and downloaded
    assert not load(page, hostile_server.url + "/data_sources")
    lists = hostile_up.headers(LIST)
    assert lists and all(h.get("authorization") == f"Bearer {KEY}" for h in lists), (
        "the key was never sent to /chutes/ (is the test wired?)"
    )
    v1 = hostile_up.requests[V1]
    assert v1, "no request reached /v1/models"
    for request in v1:
        assert "authorization" not in request["headers"]
        assert KEY not in json.dumps(request), "the key reached /v1/models"
    assert_key_not_in_files(hostile_dirs["cache"])
    log = hostile_server.log_text()
    assert KEY not in log, "the key is in the server log"
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.browser
@pytest.mark.parametrize(
    "fault,reason",
    [
        ({V1: Fault(truncated=True)}, r"not JSON"),
        # the server's error text reaches the banner: Markdown in it must show as text
        (
            {LIST: Fault(status=500, detail=f"![px]({PIXEL}) [click](javascript:alert(1)) :red[boom]")},
            r"HTTP 500.*!\[px\]\(http",
        ),
    ],
    ids=["v1-truncated", "500-markdown-detail"],
)
def test_browser_serves_the_last_good_snapshot_on_a_fault(page, good_up, fault_server, fault, reason):
    good_up.faults.clear()
    assert not load(page, fault_server.url + "/")  # a good fetch: the cache holds a snapshot
    total = metric_value(page, "Models shown")
    good_up.faults.update({route: Fault(**vars(f)) for route, f in fault.items()})
    # The server refreshes in the background (every 2 s: CACHE_DURATION_MINUTES=0 is the floor)
    # and pages show its last snapshot: reload until the refresh that met the fault is shown.
    alerts, deadline = "", time.monotonic() + 60
    try:
        while True:
            errors = load(page, fault_server.url + "/", timeout=90)
            alerts = " ".join(el.inner_text() for el in page.query_selector_all('[data-testid="stAlert"]'))
            # until the banner gives the fault's own reason (under load a source can first turn
            # stale by age alone: "not refreshed for 11 s")
            met = "last good snapshot" in alerts and re.search(reason, alerts)
            if met or errors or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        good_up.faults.clear()
    assert not errors, errors
    assert metric_value(page, "Models shown") == total
    assert "last good snapshot" in alerts and re.search(reason, alerts), alerts
    assert_safe_page(page, "stale models page")
    screenshot(page, "stale-after-fault")


@pytest.mark.browser
def test_bad_config_in_the_browser(chromium_browser, tmp_path):
    env = {
        "CACHE_DURATION_MINUTES": "abc",
        "CHUTES_BASE_URL": "http://127.0.0.1:9",
        "CHUTES_LLM_BASE_URL": "ftp://x",
        "CHUTES_API_KEY": " ",
        "CHUTES_HTTP_TIMEOUT": "1",
        "CHUTES_CACHE_DIR": str(tmp_path / "cache"),
    }
    with StreamlitServer(env, tmp_path / "streamlit.log") as srv:
        context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            pg = context.new_page()
            errors = load(pg, srv.url + "/", timeout=90)
            screenshot(pg, "bad-config")
            assert not [e for e in errors if "stException" in e], errors
            assert metric_value(pg, "Models shown")  # still renders (the bundled sample)
            alerts = " ".join(el.inner_text() for el in pg.query_selector_all('[data-testid="stAlert"]'))
            assert "CACHE_DURATION_MINUTES" in alerts and "CHUTES_LLM_BASE_URL" in alerts, alerts
            assert "empty" in alerts, alerts
            assert "Traceback" not in main_text(pg)
        finally:
            context.close()
        assert "Traceback" not in srv.log_text(), srv.log_text()[-3000:]
