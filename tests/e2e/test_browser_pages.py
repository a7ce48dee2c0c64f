"""Every page of `streamlit run dashboard.py` in headless Chromium, on the bundled sample.

The session's server on the bundled sample (tests/conftest.py `sample_server`) and browser.
Each page loads with no error box and shows its title; the Models page shows its table and its KPI follows a
filter given in the URL; the detail page opened by `?chute_id=` shows that model's name.
A screenshot of each page goes to screenshots/ (git-ignored) for humans.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from browser import (
    APP_TITLE,
    PAGES,
    StreamlitServer,
    dom_problems,
    error_boxes,
    load,
    main_text,
    metric_value,
    sample_env,
    screenshot,
    wait_idle,
)

from chutes_data.sources.registry import SAMPLE_DIR

pytestmark = pytest.mark.browser

# What each page's heading must mention (its st.title), case-insensitive.
HEADINGS = {
    "": r"models",
    "charts": r"chart",
    "compare": r"compar",
    "calculator": r"calculat|cost",
    "model_detail": r"model|detail",
    "changes": r"change|history",
    "merge_gaps": r"merge|gap|match",
    "data_sources": r"source|data",
}


@pytest.fixture
def server(sample_server) -> StreamlitServer:
    """The session's server on the bundled sample (tests/conftest.py)."""
    return sample_server


def _sample_chute() -> dict:
    items = json.loads((SAMPLE_DIR / "chutes.json").read_text(encoding="utf-8"))["items"]
    return next(i for i in items if i["user"]["username"] == "chutes" and i.get("tagline"))


def _headings(pg) -> list[str]:
    return [h.inner_text().strip() for h in pg.query_selector_all('[data-testid="stMain"] h1')]


@pytest.mark.parametrize("path", list(PAGES), ids=[p or "models" for p in PAGES])
def test_page_loads_with_its_title(page, server, path):
    errors = load(page, f"{server.url}/{path}")
    screenshot(page, f"page-{path or 'models'}")
    assert not errors, errors
    assert page.title() == APP_TITLE
    headings = _headings(page)
    assert headings and headings[0], f"/{path} shows no title"
    assert re.search(HEADINGS[path], " ".join(headings), re.IGNORECASE), headings
    assert "Traceback" not in main_text(page)
    assert not dom_problems(page)
    assert server.proc is not None and server.proc.poll() is None


def test_models_page_shows_the_table_and_kpis(page, server):
    assert not load(page, server.url + "/")
    assert page.query_selector('[data-testid="stDataFrame"]') is not None
    shown = metric_value(page, "Models shown")
    assert shown and int(shown.replace(",", "")) > 100  # the sample has ~180 chutes


@pytest.mark.parametrize("query", ["template=diffusion", "q=qwen"])
def test_filter_in_the_url_changes_the_kpi(page, server, query):
    assert not load(page, server.url + "/")
    total = int(metric_value(page, "Models shown").replace(",", ""))
    assert not load(page, f"{server.url}/?{query}")
    filtered = int(metric_value(page, "Models shown").replace(",", ""))
    assert 0 < filtered < total, (query, filtered, total)
    if query == "template=diffusion":
        screenshot(page, "page-models-filtered")


def test_detail_page_by_chute_id_shows_the_name(page, server):
    chute = _sample_chute()
    errors = load(page, f"{server.url}/model_detail?chute_id={quote(chute['chute_id'])}")
    screenshot(page, "page-model-detail")
    assert not errors, errors
    assert chute["name"] in main_text(page)


def test_navigation_between_pages_keeps_working(page, server):
    """Clicking through the top navigation (sections open a menu; no reload) renders each page
    without an error and with its own title."""
    assert not load(page, server.url + "/")
    for section, title, heading in (
        ("Explore", "Charts", "charts"),
        ("Data", "Data sources", "data_sources"),
        ("Explore", "Model detail", "model_detail"),
        ("Explore", "Models", ""),
    ):
        page.locator('[data-testid="stTopNavSection"]', has_text=section).first.click(timeout=10_000)
        page.locator(
            '[data-testid="stTopNavDropdownLink"]', has_text=re.compile(rf"{title}\s*$")
        ).first.click(timeout=10_000)
        page.wait_for_timeout(300)
        wait_idle(page)
        assert not error_boxes(page), title
        assert re.search(HEADINGS[heading], " ".join(_headings(page)), re.IGNORECASE), (
            title,
            _headings(page),
        )


@pytest.mark.parametrize("path", ["model_detail"])  # one server each: keep this short
def test_first_visit_deep_link_after_a_start(chromium_browser, tmp_path, path):
    """A shared link opened as the very first visit after `make run` must land on its page.

    Streamlit resolves that first visit against the file names in pages/ before st.navigation
    has registered the url_paths, so a url_path that differs from its file's stem would land on
    the Models page with the path dropped: ui/nav.py keeps every url_path equal to the stem, and
    dashboard.py's server branch switches the legacy pages mode off before the first session.
    """
    chute = _sample_chute()
    url_path = f"/{path}?chute_id={quote(chute['chute_id'])}" if path == "model_detail" else f"/{path}"
    with StreamlitServer(sample_env(tmp_path), tmp_path / "streamlit.log") as srv:
        context = chromium_browser.new_context()
        try:
            pg = context.new_page()
            assert not load(pg, srv.url + url_path)  # the first visit of this server
            assert pg.url.startswith(f"{srv.url}/{path}"), f"landed on {pg.url}"
            assert not re.search(HEADINGS[""], _headings(pg)[0], re.IGNORECASE), _headings(pg)
            # ran inside the router: its banner is there, Streamlit's legacy page list is not
            # (dashboard.py's legacy-pages guard; private Streamlit API, so this fails loudly)
            assert "bundled sample" in pg.inner_text("body"), pg.inner_text("body")[:500]
            assert not pg.query_selector('[data-testid="stSidebarNav"]')
        finally:
            context.close()
