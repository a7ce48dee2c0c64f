"""A plain first visit in headless Chromium: the Models page first, the sidebar right after.

ui/sidebar.py sends a plain first visit of `/` with a one-line sidebar ("Loading the filters…")
and draws the widgets in a second run the browser asks for on a timer (issue 12). Checked here
on a real server: the placeholder is there from the first paint and keeps the sidebar's place
(the table does not move when the widgets come), the widgets do come, the timer stops, the
filters then work; a link with sidebar values gets its widgets in the first run.
"""

from __future__ import annotations

import pytest
from browser import wait_idle

pytestmark = pytest.mark.browser

# From before the first paint: the table's left edge when its canvas first shows, whether the
# sidebar then held the placeholder or the widgets, and every change of the script state.
_RECORDER = """(() => {
  window.__first = null; window.__runs = []; window.__pending = false;
  const look = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    const last = window.__runs[window.__runs.length - 1];
    if (state && (!last || last.state !== state)) window.__runs.push({state,
      pending: !!document.querySelector('.st-key-sidebar_pending'),
      widgets: !!document.querySelector('[data-testid="stSidebar"] input')});
    if (document.querySelector('.st-key-sidebar_pending')) window.__pending = true;
    const c = document.querySelector('[data-testid="stDataFrame"] canvas');
    if (c && !window.__first) {
      const r = c.getBoundingClientRect();
      if (r.width > 0) window.__first = {left: r.left, width: r.width,
        pending: !!document.querySelector('.st-key-sidebar_pending')};
    }
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, attributes: true});
  setInterval(look, 20);
})();"""

_TABLE_LEFT = """() => document.querySelector('[data-testid="stDataFrame"] canvas')
                   .getBoundingClientRect().left"""


@pytest.fixture
def tab(chromium_browser):
    ctx = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_init_script(_RECORDER)
    yield ctx.new_page()
    ctx.close()


def _open(tab, url: str) -> None:
    tab.goto(url, wait_until="domcontentloaded", timeout=60_000)
    tab.wait_for_function("() => window.__first !== null", timeout=60_000)
    wait_idle(tab)  # waits for the placeholder to go too (tests/browser.py)


def _runs(tab) -> list[dict]:
    return tab.evaluate("window.__runs")


def test_a_plain_visit_sends_the_sidebar_after_the_table(tab, sample_server):
    _open(tab, sample_server.url + "/")
    runs = _runs(tab)
    first_end = next(r for r in runs if r["state"] == "notRunning")
    # the first run drew the placeholder and no widget (its table may still be loading its
    # component then: whether the grid paints before the second run arrives is timing)
    assert first_end["pending"] and not first_end["widgets"], runs
    tab.locator('[data-testid="stSidebar"] input').first.wait_for(state="visible", timeout=30_000)
    assert tab.locator(".st-key-sidebar_pending").count() == 0
    # the placeholder held the sidebar's place: the table did not move when the widgets came
    first = tab.evaluate("window.__first")
    assert abs(tab.evaluate(_TABLE_LEFT) - first["left"]) < 1, first
    started = [r["state"] for r in runs].count("running")
    assert started >= 2, runs  # the first screen, then the sidebar's run
    # the timer stopped with the rerun: nothing more runs (the 5 s live check at most once)
    tab.wait_for_timeout(3000)
    assert [r["state"] for r in _runs(tab)].count("running") - started <= 1, _runs(tab)


def test_the_filters_work_after_the_deferred_sidebar(tab, sample_server):
    _open(tab, sample_server.url + "/")
    before = tab.locator('[data-testid="stMain"]').inner_text()
    assert "models shown" in before
    search = tab.locator('[data-testid="stSidebar"] input').first
    search.fill("zzz-no-such-model")
    search.press("Enter")
    tab.wait_for_function("() => location.search.includes('q=zzz-no-such-model')", timeout=30_000)
    wait_idle(tab)
    assert "No model matches these filters" in tab.locator('[data-testid="stMain"]').inner_text()


def test_a_link_is_sent_table_first_with_its_values_applied(tab, sample_server):
    """A shared link defers the widgets too: the first run already filters by the link, the URL
    keeps its parameters, and the widgets show them when they come."""
    _open(tab, sample_server.url + "/models?q=qwen&cur=TAO")
    assert tab.evaluate("window.__pending"), _runs(tab)  # the placeholder, then the widgets
    search = tab.locator('[data-testid="stSidebar"] input').first
    search.wait_for(state="visible", timeout=30_000)
    assert search.input_value() == "qwen"
    assert "q=qwen" in tab.url and "cur=TAO" in tab.url, tab.url
    assert "/models" in tab.url, tab.url  # served there, not redirected
    main = tab.locator('[data-testid="stMain"]').inner_text()
    assert "models shown" in main, main
