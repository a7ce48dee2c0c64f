"""The first paint, calculator links and /models in headless Chromium, on the bundled sample.

* a fresh server's first page never shows Streamlit's raw file-name menu ("dashboard",
  "model_detail", …), not even for one paint: the navigation is sampled from before the first
  paint (a MutationObserver plus a 50 ms timer, installed as an init script);
* the calculator writes its settings to the URL, and that URL restores them in a new browser;
* an invalid calculator link value shows the preset's value and is named in the ignored note;
* `/models` lands on the Models page (the default page, at `/`) with no "Page not found".
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import StreamlitServer, load, main_text, sample_env, wait_idle

pytestmark = pytest.mark.browser

TITLES = {
    "Models",
    "Charts",
    "Compare",
    "Calculator",
    "Model detail",
    "Changes",
    "Merge gaps",
    "Data sources",
}
STEMS = (
    "dashboard",
    "models",
    "charts",
    "compare",
    "calculator",
    "model_detail",
    "changes",
    "merge_gaps",
    "data_sources",
)
# Streamlit's legacy page list names a page by its file stem (underscores as spaces)
RAW = {s for stem in STEMS for s in (stem, stem.replace("_", " "))}


@pytest.fixture
def context(chromium_browser):
    ctx = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


def _dialogs(page) -> list[str]:
    return [d.inner_text()[:200] for d in page.query_selector_all('[role="dialog"]') if d.is_visible()]


# ---------------------------------------------------------------------------- the menu flash
# Every navigation label the page shows, recorded on every DOM change and every 50 ms from before
# the first paint (an init script runs before the page's own scripts).
_SAMPLER = """(() => {
  window.__navSamples = [];
  const sample = () => {
    const labels = [];
    for (const sel of ['[data-testid="stSidebarNav"] a', '[data-testid="stSidebarNavLink"]',
                       '[data-testid="stTopNav"] a', '[data-testid="stTopNavSection"]',
                       '[data-testid="stSidebarNavItems"] li']) {
      for (const el of document.querySelectorAll(sel)) {
        const t = (el.innerText || el.textContent || '').trim();
        if (t) labels.push(t);
      }
    }
    const t = Math.round(performance.now());
    const key = labels.join('|');
    const last = window.__navSamples[window.__navSamples.length - 1];
    if (!last || last.key !== key) window.__navSamples.push({t, key, labels,
      sidebarNav: !!document.querySelector('[data-testid="stSidebarNav"]')});
  };
  setInterval(sample, 50);
  new MutationObserver(sample).observe(document, {subtree: true, childList: true,
                                                  characterData: true});
})();"""


def _raw_labels(samples: list[dict]) -> list[tuple[int, list[str]]]:
    """(time, labels) of every sample that shows a file-stem label or the legacy sidebar list."""
    bad = []
    for s in samples:
        words = [w.strip() for label in s["labels"] for w in re.split(r"[\n|]", label) if w.strip()]
        if s["sidebarNav"] or any(w in RAW for w in words):
            bad.append((s["t"], s["labels"]))
    return bad


@pytest.mark.parametrize("path", ["", "calculator"])
def test_a_fresh_server_never_flashes_the_file_name_menu(chromium_browser, tmp_path, path):
    """The first page of a fresh server (no warm-up: the pages are not registered yet)."""
    with StreamlitServer(sample_env(tmp_path), tmp_path / "streamlit.log") as srv:
        ctx = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = ctx.new_page()
            page.add_init_script(_SAMPLER)
            assert not load(page, f"{srv.url}/{path}")
            page.wait_for_timeout(1500)  # a late menu would show up here
            samples = page.evaluate("window.__navSamples")
        finally:
            ctx.close()
    assert samples, "the sampler recorded nothing"
    assert not _raw_labels(samples), _raw_labels(samples)
    shown = {w.strip() for s in samples for label in s["labels"] for w in label.split("\n")}
    assert shown & {"Explore", "Data"} or shown & TITLES, samples[-3:]


def test_the_sampler_sees_a_raw_menu():
    """The check itself: a legacy page list (file stems, in the sidebar) is caught."""
    legacy = [{"t": 10, "labels": ["dashboard", "calculator", "model detail"], "sidebarNav": True}]
    assert _raw_labels(legacy)
    assert not _raw_labels([{"t": 10, "labels": ["Explore", "Data"], "sidebarNav": False}])


# ---------------------------------------------------------------------------- calculator URL
def _input(page, label: str):
    return page.locator(f'input[aria-label="{label}"]').first


def _values(page) -> dict[str, str]:
    return {
        label: _input(page, label).input_value()
        for label in (
            "Input tokens per request",
            "Output tokens per request",
            "Cache hits (% of input)",
            "Requests per day",
        )
    }


def _tags(page) -> list[str]:
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Models to compare")
    return [t.get_attribute("aria-label") for t in box.locator("[data-tag]").all()]


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _wait_query(page, key: str, timeout: float = 15) -> dict[str, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if key in _query(page):
            return _query(page)
        page.wait_for_timeout(150)
    raise AssertionError(f"{key} never reached the URL: {page.url}")


def _set_number(page, label: str, value: str) -> None:
    field = _input(page, label)
    field.fill(value)
    field.press("Enter")
    wait_idle(page)


def test_calculator_settings_go_to_the_url_and_come_back(context, sample_server):
    page = context.new_page()
    assert not load(page, f"{sample_server.url}/calculator")
    _set_number(page, "Input tokens per request", "2500")
    assert _wait_query(page, "calc_in")["calc_in"] == ["2500"] or float(_query(page)["calc_in"][0]) == 2500
    _set_number(page, "Output tokens per request", "700")
    _set_number(page, "Requests per day", "321")
    slider = _input(page, "Cache hits (% of input)")
    slider.focus()
    slider.press("ArrowRight")
    slider.press("ArrowRight")
    wait_idle(page)
    tags = _tags(page)
    assert len(tags) >= 3, tags
    page.locator(f'[data-tag][aria-label="{tags[0]}"]').first.focus()
    page.keyboard.press("Backspace")
    wait_idle(page)
    q = _wait_query(page, "calc_models")
    for key in ("calc_in", "calc_out", "calc_rpd", "calc_cache"):
        _wait_query(page, key)
    q = _query(page)
    assert float(q["calc_out"][0]) == 700 and float(q["calc_rpd"][0]) == 321, q
    assert int(float(q["calc_cache"][0])) == 10, q
    picked = _tags(page)
    assert tags[0] not in picked and sorted(q["calc_models"]) == sorted(picked), (q, picked)
    shared, before = page.url, _values(page)

    other = context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        assert not load(fresh, shared)
        assert _values(fresh) == before
        assert _tags(fresh) == picked
        assert "Ignored from the link" not in main_text(fresh)
    finally:
        other.close()


def test_an_invalid_calculator_link_value_uses_the_preset_and_says_so(context, sample_server):
    page = context.new_page()
    assert not load(page, f"{sample_server.url}/calculator?calc_in=abc&calc_out=250")
    values = _values(page)
    assert float(values["Input tokens per request"].replace(",", "")) == 1000, values
    assert float(values["Output tokens per request"].replace(",", "")) == 250, values
    note = [line for line in main_text(page).splitlines() if "Ignored from the link" in line]
    assert note and "calc_in=abc" in note[0] and "calc_out" not in note[0], note


# ---------------------------------------------------------------------------- /models
def test_models_path_lands_on_the_models_page(context, sample_server):
    page = context.new_page()
    assert not load(page, f"{sample_server.url}/models?q=qwen")
    page.wait_for_timeout(500)
    wait_idle(page)
    assert not _dialogs(page), _dialogs(page)
    assert "not found" not in page.inner_text("body").lower()
    assert urlsplit(page.url).path == "/models", page.url  # served there: no redirect run
    assert _query(page).get("q") == ["qwen"], page.url
    headings = [h.inner_text() for h in page.query_selector_all('[data-testid="stMain"] h1')]
    assert headings and headings[0].startswith("Models"), headings


def test_first_visit_to_models_on_a_fresh_server(chromium_browser, tmp_path):
    with StreamlitServer(sample_env(tmp_path), tmp_path / "streamlit.log") as srv:
        ctx = chromium_browser.new_context()
        try:
            page = ctx.new_page()
            assert not load(page, f"{srv.url}/models")
            page.wait_for_timeout(500)
            assert not _dialogs(page), _dialogs(page)
            assert urlsplit(page.url).path == "/models", page.url
        finally:
            ctx.close()
