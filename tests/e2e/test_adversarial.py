"""Hostile input, secrets and faults, end to end: the CLI, the exports and every dashboard page.

Everything here drives the real thing against `StandInUpstream` (tests/upstream.py), a loopback
HTTP server that serves both APIs in their real shapes with switchable faults:

* browser (headless Chromium on `streamlit run dashboard.py`, one server for the module):
  hostile upstream text on every page (no dialog, unchanged `document.title`, no error box, no
  live node from upstream text, hostile names visible as text), hostile URLs, downloads, the key
  never leaving its one legitimate place, a stale banner after a fault, bad config.
* CLI (`python -m chutes_data`, subprocess) and AppTest (in-process, fast) for the fault matrix,
  a corrupt cache and bad configuration.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import streamlit as st
from browser import (
    APP_TITLE,
    PAGES,
    ROOT,
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
from kpis import app_kpi
from payloads import FAKE_KEY
from streamlit.testing.v1 import AppTest
from upstream import LIST, V1, Fault, StandInUpstream

from chutes_data.config import Settings
from chutes_data.sources.loader import load_catalog
from tools import synth

KEY = FAKE_KEY  # "cpk_aaa…", distinctive enough to grep for anywhere
GOOD = synth.generate()
# Markdown that would make every viewer's browser fetch a third-party image (a tracking pixel),
# or restyle the page, if upstream text reached Markdown unescaped. Nothing listens on :9.
PIXEL = "http://127.0.0.1:9/px.png"
MARKDOWN_NAMES = [
    f"![px]({PIXEL}) mdimage",
    ":red[pwned] **mdbold** $x^2$ <b>x</b>",
    f"[![px]({PIXEL})](javascript:alert(1)) mdlink",
]


def _hostile_catalog() -> tuple[dict, dict]:
    """synth.hostile() plus a few community chutes whose name/tagline/owner are Markdown."""
    chutes, v1 = synth.hostile(*GOOD)
    community = [i for i in chutes["items"][40:] if i["user"]["username"] != "chutes"]
    for item, name in zip(community, MARKDOWN_NAMES, strict=False):
        item["name"] = name
        item["user"]["username"] = f"![owner]({PIXEL})"
        item["chute_id"] = synth.chute_id_for(item["user"]["username"], name)
        item["tagline"] = f"![tag]({PIXEL}) :blue[tagline]"
        item["readme"] = (
            f"# {name}\n\n![readme]({PIXEL}) <img src='{PIXEL}'> "
            "[a [b] c](javascript:alert(1)) [x](javascript:alert((1)))\n"
        )
    return chutes, v1


HOSTILE = _hostile_catalog()
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOT_FOUND = re.compile(
    r"not found|no (such )?model|unknown|does(n.t| not) exist|could ?n.t find|"
    r"could not find|no chute|pick a model|choose a model|select a model",
    re.IGNORECASE,
)


def _items_named(name: str) -> dict:
    return next(i for i in HOSTILE[0]["items"] if i["name"] == name)


# ============================================================================ shared helpers
def cli_env(up: StandInUpstream | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CHUTES_") and k != "CACHE_DURATION_MINUTES"
    }
    env["CHUTES_CACHE_DIR"] = str(cache_dir)
    if up is not None:
        env["CHUTES_BASE_URL"] = env["CHUTES_LLM_BASE_URL"] = up.url
    env.update(extra)
    return env


def cli_start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chutes_data", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cli_finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the CLI did not finish within {timeout}s: {err[-2000:]}") from None
    return proc.returncode, out, err


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str, str]:
    return cli_finish(cli_start(env, *args), timeout)


def assert_clean_stderr(err: str) -> None:
    """Only one-line `warning:`/`error:` messages: no traceback, no key."""
    assert "Traceback" not in err, err
    assert KEY not in err
    for line in err.splitlines():
        assert line.startswith(("warning: ", "error: ")), f"unexpected stderr line: {line!r}"


def tree_text(at: AppTest) -> str:
    """Every element the run produced, as protobuf text (labels, bodies, table bytes...)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def app_run(page: str | None = None, query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()  # the shared Catalog (ui/data.get_catalog)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.run()
    if page or query:
        if page:
            at.switch_page(page)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
    return at


def app_metric(at: AppTest, label: str) -> str | None:
    return app_kpi(at, label)


def app_warnings(at: AppTest) -> str:
    """The warnings as a reader sees them (banner text is Markdown-escaped: unescape it)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(w.value)) for w in at.warning)


def files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def assert_key_not_in_files(directory: Path) -> None:
    for path in files_under(directory):
        assert KEY.encode() not in path.read_bytes(), f"the key is in {path}"


@pytest.fixture(autouse=True)
def _fresh_streamlit_cache() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


# ============================================================================ browser: hostile data
@pytest.fixture(scope="module")
def hostile_up() -> Iterator[StandInUpstream]:
    with StandInUpstream(*HOSTILE) as up:
        yield up


@pytest.fixture(scope="module")
def good_up() -> Iterator[StandInUpstream]:
    """The sample-sized catalog, paginated by a clamped page size (4 pages of 50)."""
    with StandInUpstream(*GOOD, max_page_size=50) as up:
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
            if "last good snapshot" in alerts or errors or time.monotonic() > deadline:
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


def test_cli_exports_of_hostile_data(hostile_up, tmp_path):
    """`python -m chutes_data -v export` (CSV and JSON) of the hostile catalog, with a key:
    formula-safe CSV, data kept as data in JSON, the key in neither nor in the verbose log."""
    env = cli_env(hostile_up, tmp_path / "cache", CHUTES_API_KEY=KEY)
    out_csv = tmp_path / "models.csv"
    code, _, err = cli(env, "-v", "export", "--format", "csv", "-o", str(out_csv))
    assert code == 0 and "Traceback" not in err and KEY not in err, err[-1500:]
    text = out_csv.read_text(encoding="utf-8")
    assert KEY not in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) >= len(HOSTILE[0]["items"])
    for row in rows:
        for col, cell in row.items():
            assert not (cell or "").startswith(FORMULA_PREFIXES), (col, cell[:60])
    names = {r["name"] for r in rows}
    assert {'\'=HYPERLINK("http://evil","x")', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx"} <= names
    assert "<script>alert(1)</script>" in names and "long-" + "A" * 9995 in names
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0 and KEY not in out + err
    assert '=HYPERLINK("http://evil","x")' in {m["name"] for m in json.loads(out)["models"]}
    assert_key_not_in_files(tmp_path / "cache")


# ============================================================================ faults: CLI + AppTest
@pytest.fixture
def warm(good_up, tmp_path, monkeypatch) -> dict:
    """Env pointing at `good_up` with a key and CACHE_DURATION_MINUTES=0, and a cache holding a
    good snapshot of both sources. Returns the env and the number of merged rows."""
    cache_dir = tmp_path / "cache"
    env = {
        "CHUTES_BASE_URL": good_up.url,
        "CHUTES_LLM_BASE_URL": good_up.url,
        "CHUTES_CACHE_DIR": str(cache_dir),
        "CACHE_DURATION_MINUTES": "0",
        "CHUTES_HTTP_TIMEOUT": "1",
        "CHUTES_API_KEY": KEY,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    good_up.faults.clear()
    catalog = load_catalog(Settings.from_env(), refresh=True)
    assert not catalog.is_stale and catalog.chutes.status.origin == "live"
    yield {"env": env, "rows": len(catalog.models), "cache": cache_dir}
    good_up.faults.clear()


# Each source meets several faults; two-route faults cost twice the retries (~3.5 s each), so
# most faults hit one route. `stale`: the sources that must come from the cache, marked stale.
FAULTS = {
    "500": ({LIST: Fault(status=500), V1: Fault(status=500)}, r"HTTP 500", ("chutes", "v1")),
    "429-retry-after": ({V1: Fault(status=429, retry_after="1")}, r"HTTP 429", ("v1",)),
    "hang": ({LIST: Fault(hang=5)}, r"did not answer within 1s", ("chutes",)),
    "hang-up": ({V1: Fault(hang_up=True)}, r"cannot reach", ("v1",)),
    "truncated-json": ({LIST: Fault(truncated=True)}, r"not JSON", ("chutes",)),
    "html-200": ({LIST: Fault(html=True), V1: Fault(html=True)}, r"not JSON \(text/html", ("chutes", "v1")),
    "page-2-fails": ({LIST: Fault(status=500, page=1)}, r"HTTP 500.*page 1", ("chutes",)),
    # a rejected key, with the server echoing the key back in its error detail
    "key-rejected": (
        {LIST: Fault(status=401, detail=f"Invalid token {KEY}")},
        r"API key was rejected",
        ("chutes",),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_serves_the_whole_last_good_snapshot(name, warm, good_up):
    faults, reason, stale = FAULTS[name]
    for route, fault in faults.items():
        good_up.faults[route] = Fault(**vars(fault))  # a fresh copy per test
    proc = cli_start(
        cli_env(
            good_up, warm["cache"], CACHE_DURATION_MINUTES="0", CHUTES_HTTP_TIMEOUT="1", CHUTES_API_KEY=KEY
        ),
        "export",
        "--format",
        "json",
    )
    at = app_run()  # the dashboard, concurrently with the CLI
    code, out, err = cli_finish(proc)

    # the CLI export: the whole last good data, stale, with the reason
    assert code == 0, err
    assert_clean_stderr(err)
    assert KEY not in out
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"]
    for source, status in doc["sources"].items():
        if source in stale:
            assert status["stale"] is True and status["origin"] == "cache", (source, status)
            assert re.search(reason, status["error"] or ""), (source, status["error"])
        else:
            assert status["stale"] is False and status["origin"] == "live", (source, status)

    # the dashboard: same count, a visible stale warning with the reason, no error
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"
    warnings = app_warnings(at)
    assert "last good snapshot" in warnings and re.search(reason, warnings), warnings
    assert KEY not in tree_text(at)
    assert_key_not_in_files(warm["cache"])


def test_a_corrupt_cache_file_is_survived_by_refetching(warm, good_up, monkeypatch):
    cache = warm["cache"]
    env = cli_env(good_up, cache, CACHE_DURATION_MINUTES="10")

    def corrupt() -> None:
        (cache / "chutes.json").write_bytes(b'{"source": "chutes", "fetched_at": "2026-0')
        (cache / "v1.json").write_text(
            json.dumps(
                {
                    "source": "v1",
                    "fetched_at": "2099-01-01T00:00:00Z",
                    "complete": True,
                    "payload": "<html>not a payload</html>",
                }
            )
        )

    corrupt()
    monkeypatch.setenv("CACHE_DURATION_MINUTES", "10")  # a fresh-looking but corrupt cache
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"
    assert "last good snapshot" not in app_warnings(at)

    corrupt()
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0 and "Traceback" not in err, err
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"]
    assert {s["origin"] for s in doc["sources"].values()} == {"live"}
    for source in ("chutes", "v1"):  # rewritten with a good snapshot
        assert json.loads((cache / f"{source}.json").read_bytes())["complete"] is True


def test_a_far_future_date_from_upstream_does_not_take_the_catalog_down(tmp_path, monkeypatch):
    """Upstream text is not just names: a date past pandas' nanosecond range (year > 2262)."""
    chutes, v1 = json.loads(json.dumps(GOOD[0])), json.loads(json.dumps(GOOD[1]))
    chutes["items"][0]["created_at"] = "8206-08-14T22:31:34Z"
    chutes["items"][1]["updated_at"] = "0001-01-01T00:00:00Z"
    with StandInUpstream(chutes, v1) as up:
        code, out, err = cli(cli_env(up, tmp_path / "cache"), "export", "--format", "json")
        assert code == 0 and "Traceback" not in err, err[-1500:]
        assert len(json.loads(out)["models"]) >= len(chutes["items"])
        for k, v in {
            "CHUTES_BASE_URL": up.url,
            "CHUTES_LLM_BASE_URL": up.url,
            "CACHE_DURATION_MINUTES": "0",
        }.items():
            monkeypatch.setenv(k, v)
        at = app_run()
        assert not at.exception, at.exception


# ============================================================================ bad configuration
def test_bad_number_in_config(good_up, tmp_path, monkeypatch):
    env = cli_env(
        good_up,
        tmp_path / "cache",
        CACHE_DURATION_MINUTES="abc",
        CHUTES_HTTP_TIMEOUT="1e10",
        CHUTES_HISTORY_DAYS="1e18",
    )
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0, err
    assert_clean_stderr(err)
    assert "CACHE_DURATION_MINUTES='abc' is not a valid number" in err
    assert "CHUTES_HTTP_TIMEOUT" in err and "CHUTES_HISTORY_DAYS" in err
    assert json.loads(out)["models"]

    code, out, err = cli(
        cli_env(good_up, tmp_path / "cache", CACHE_DURATION_MINUTES="1e307"), "export", "--format", "json"
    )  # once an `inf` TTL broke the JSON
    assert code == 0 and "Traceback" not in err, err[-1500:]

    for k, v in env.items():
        if k.startswith(("CHUTES_", "CACHE_")):
            monkeypatch.setenv(k, v)
    at = app_run()
    assert not at.exception, at.exception
    assert "CACHE_DURATION_MINUTES" in app_warnings(at)
    assert app_metric(at, "Models shown")


def test_non_http_base_url_serves_the_cache(warm, good_up, monkeypatch):
    env = cli_env(good_up, warm["cache"], CHUTES_BASE_URL="ftp://x", CACHE_DURATION_MINUTES="0")
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0, err
    assert_clean_stderr(err)
    assert "'ftp://x' is not an http(s) URL" in err
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"] and doc["sources"]["chutes"]["stale"] is True

    monkeypatch.setenv("CHUTES_BASE_URL", "ftp://x")
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert "not an http(s) URL" in app_warnings(at)
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"


def test_non_http_base_urls_without_cache(tmp_path, monkeypatch):
    env = cli_env(
        None, tmp_path / "cache", CHUTES_BASE_URL="ftp://x", CHUTES_LLM_BASE_URL="file:///etc/passwd"
    )
    code, out, err = cli(env, "export")
    assert code == 1 and out == "", (code, out)
    assert_clean_stderr(err)
    assert err.splitlines()[-1].startswith("error: no data")

    monkeypatch.setenv("CHUTES_BASE_URL", "ftp://x")
    monkeypatch.setenv("CHUTES_LLM_BASE_URL", "file:///etc/passwd")
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown")  # the bundled sample
    assert "not an http(s) URL" in app_warnings(at)


def test_unreachable_base_url_explains_itself(tmp_path, monkeypatch):
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    other = "ftp://x"  # (fails at once: the connection retries are paid for one source only)
    env = cli_env(
        None, tmp_path / "cache", CHUTES_BASE_URL=closed, CHUTES_LLM_BASE_URL=other, CHUTES_HTTP_TIMEOUT="1"
    )
    proc = cli_start(env, "export")
    for k, v in {"CHUTES_BASE_URL": closed, "CHUTES_LLM_BASE_URL": other, "CHUTES_HTTP_TIMEOUT": "1"}.items():
        monkeypatch.setenv(k, v)
    at = app_run()
    code, out, err = cli_finish(proc)
    assert code == 1, (code, out)
    assert_clean_stderr(err)
    assert "cannot reach 127.0.0.1" in err

    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown")  # the bundled sample
    shown = tree_text(at)
    assert "bundled sample" in shown
    if "cannot reach" not in shown:  # the reason may live on the Data sources page
        at.switch_page("pages/data_sources.py").run()
        assert not at.exception, at.exception
        assert "cannot reach" in tree_text(at), "the dashboard never says why it shows the sample"


def test_empty_key_warns(tmp_path, monkeypatch):
    # an upstream of its own: the module's `fault_server` keeps polling `good_up` with a key
    with StandInUpstream(*GOOD, max_page_size=50) as up:
        code, out, err = cli(cli_env(up, tmp_path / "cache", CHUTES_API_KEY="  "), "status")
        assert code == 0
        assert_clean_stderr(err)
        assert "CHUTES_API_KEY is set but empty" in err
        monkeypatch.setenv("CHUTES_API_KEY", "")
        for k in ("CHUTES_BASE_URL", "CHUTES_LLM_BASE_URL"):
            monkeypatch.setenv(k, up.url)
        at = app_run()
        assert not at.exception and not at.error
        assert "CHUTES_API_KEY is set but empty" in app_warnings(at)
        sent = up.headers(LIST)
        assert sent, "the app should have fetched the listing"
        assert all("authorization" not in h for h in sent)


def test_plain_http_key_warning(warm, good_up, monkeypatch):
    # example.invalid never resolves (and tests' name resolution is loopback-only): no fetch
    env = cli_env(
        good_up,
        warm["cache"],
        CHUTES_BASE_URL="http://example.invalid",
        CHUTES_API_KEY=KEY,
        CHUTES_HTTP_TIMEOUT="0.2",
    )
    code, out, err = cli(env, "status")  # `status` reads the cache only: nothing is sent
    assert code == 0
    assert_clean_stderr(err)
    assert "would be sent over plain http" in err and "example.invalid" in err
    assert KEY not in out

    monkeypatch.setenv("CHUTES_BASE_URL", "http://example.invalid")
    monkeypatch.setenv("CHUTES_HTTP_TIMEOUT", "0.2")
    at = app_run()
    assert not at.exception and not at.error
    warnings = app_warnings(at)
    assert "plain http" in warnings and "last good snapshot" in warnings, warnings
    assert KEY not in tree_text(at)
    assert_key_not_in_files(warm["cache"])
