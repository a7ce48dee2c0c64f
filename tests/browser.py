"""Helpers for the browser tests: a real `streamlit run dashboard.py` and headless Chromium.

* `StreamlitServer(env)`: starts `python -m streamlit run dashboard.py` on a free loopback port in
  its own process group, with only the CHUTES_* settings you pass (the developer's are dropped),
  waits (bounded) for `/_stcore/health`, and kills the whole group on exit. Its stdout and stderr
  go to `log_path`, so tests can grep the server log (e.g. for a leaked key).
* `launch_chromium(playwright)`: Debian's chromium through Playwright (which never downloads a
  browser here). A missing chromium FAILS with a clear message (`make test` installs it); set
  `SKIP_BROWSER_TESTS=1` to skip the browser tests instead.
* `warm_server(browser, env, log_path)`: a `StreamlitServer`, started and warmed up, whose log
  must hold no Traceback when it stops (a module's `server` fixture).
* `load(page, url)`: navigates, waits (bounded) until the Streamlit script has finished running,
  and returns the texts of every error box (`stException`, `stAlertContentError`).
* `dom_problems(page)`: live nodes that upstream text must never create (on* attributes,
  `javascript:` URLs, `<script>` elements other than the app's own bundles, `<iframe srcdoc>`).

All waits are bounded; nothing here outlives the test session.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kpis
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = ROOT / "screenshots"
APP_TITLE = "Chutes Model Explorer"

# Every page of dashboard.py: url path -> the title its page shows (st.title); "" is the default.
PAGES = {
    "": "Models",
    "charts": "Charts",
    "compare": "Compare",
    "calculator": "Calculator",
    "model_detail": "Model detail",
    "changes": "Changes",
    "merge_gaps": "Merge gaps",
    "data_sources": "Data sources",
}

ERROR_SELECTORS = ('[data-testid="stException"]', '[data-testid="stAlertContentError"]')


def skip_browser() -> bool:
    return os.environ.get("SKIP_BROWSER_TESTS", "").strip() in ("1", "true", "yes")


def require_chromium() -> str:
    """The chromium path; skip when SKIP_BROWSER_TESTS=1, else fail loudly when it is missing."""
    if skip_browser():
        pytest.skip("SKIP_BROWSER_TESTS=1")
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not path:
        pytest.fail(
            f"chromium is missing ({CHROMIUM} not found): the browser tests need Debian's "
            "chromium. Run `make test` (it installs it) or `apt-get install chromium`; "
            "set SKIP_BROWSER_TESTS=1 to skip them deliberately.",
            pytrace=False,
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("playwright is not installed: pip install -r requirements-dev.txt", pytrace=False)
    return path


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS, timeout=60_000)


# ---------------------------------------------------------------------------- the server
def free_port(ports: range | None = None) -> int:
    """A free loopback port: the first free one in `ports` (a session's own range), or, without
    a range, whichever the OS picks."""
    for port in ports if ports is not None else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(
        f"no free port in {ports.start}-{ports.stop - 1}" if ports else "no free loopback port"
    )


def clean_env(settings: Mapping[str, str]) -> dict[str, str]:
    """os.environ without any CHUTES_*/CACHE_DURATION_MINUTES/STREAMLIT_*, plus `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CHUTES_", "STREAMLIT_")) and k != "CACHE_DURATION_MINUTES"
    }
    env.update({"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update({k: str(v) for k, v in settings.items()})
    return env


class StreamlitServer:
    """`streamlit run dashboard.py` on 127.0.0.1:<free port>, for the lifetime of a `with` block.

    `env`: the CHUTES_* settings (e.g. CHUTES_OFFLINE, CHUTES_CACHE_DIR, CHUTES_BASE_URL,
    CHUTES_LLM_BASE_URL, CACHE_DURATION_MINUTES, CHUTES_API_KEY). `log_path`: where stdout and
    stderr go (default: a temp file next to the cache dir). `ports`: the range to take the port
    from (default: any free port).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *,
        startup_timeout: float = 90.0,
        ports: range | None = None,
    ) -> None:
        self.env = clean_env(env)
        self.log_path = Path(log_path)
        self.startup_timeout = startup_timeout
        self.port = free_port(ports)
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def start(self) -> StreamlitServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
        ]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log_text()
                self.stop()
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{log[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        log = self.log_text()
        self.stop()
        raise RuntimeError(
            f"streamlit did not become healthy within {self.startup_timeout:g}s:\n{log[-3000:]}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)  # our own process group (start_new_session)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------- the page
_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state === 'running' || state === 'initial') return false;
  if (document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'))
    return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('.st-key-sidebar_pending')) return false;  // drawn by the next run
  const main = document.querySelector('[data-testid="stMain"]');
  return !!(main && main.querySelector('[data-testid="stElementContainer"]'));
}"""


def wait_idle(page: Any, timeout: float = 60.0) -> None:
    """Until the script has finished its run and the main area shows something (bounded)."""
    deadline = time.monotonic() + timeout
    stable = 0
    while time.monotonic() < deadline:
        done = page.evaluate(_DONE_JS)
        stable = stable + 1 if done else 0
        if stable >= 3:  # idle three polls in a row: no rerun was just starting
            return
        page.wait_for_timeout(150)
    raise AssertionError(f"the app did not finish running within {timeout:g}s at {page.url}")


def error_boxes(page: Any) -> list[str]:
    texts = []
    for selector in ERROR_SELECTORS:
        for el in page.query_selector_all(selector):
            texts.append(f"{selector}: {el.inner_text()[:500]}")
    return texts


def load(page: Any, url: str, timeout: float = 60.0) -> list[str]:
    """Open `url`, wait for the app to finish running, return the error boxes' texts."""
    page.goto(url, wait_until="domcontentloaded", timeout=int(timeout * 1000))
    page.wait_for_selector('[data-testid="stApp"]', timeout=int(timeout * 1000))
    wait_idle(page, timeout)
    return error_boxes(page)


def warm_up(browser: Any, server: StreamlitServer, timeout: float = 90.0) -> None:
    """Open the app once so its pages are registered before any deep link is tested.

    Streamlit resolves the very first visit after a start against the file names in pages/
    (st.navigation registers the real url_paths only when the script has run once): a first
    visit to a url_path other than its file's stem lands on the default page. See
    test_browser_pages.py::test_first_visit_deep_link_after_a_start.
    """
    context = browser.new_context()
    try:
        load(context.new_page(), server.url + "/", timeout)
    finally:
        context.close()


def sample_env(tmp: Path) -> dict[str, str]:
    """A server on the bundled sample (offline), its cache under `tmp`."""
    return {"CHUTES_OFFLINE": "1", "CHUTES_CACHE_DIR": str(tmp / "cache"), "CACHE_DURATION_MINUTES": "10"}


@contextmanager
def warm_server(
    browser: Any, env: Mapping[str, str], log_path: Path, *, ports: range | None = None
) -> Iterator[StreamlitServer]:
    """A started server, warmed up (`warm_up`); on the way out its log must hold no Traceback."""
    with StreamlitServer(env, log_path, ports=ports) as srv:
        warm_up(browser, srv)
        yield srv
        assert "Traceback" not in srv.log_text(), srv.log_text()[-3000:]


def main_text(page: Any) -> str:
    el = page.query_selector('[data-testid="stMain"]') or page.query_selector("body")
    return el.inner_text() if el else ""


def metric_value(page: Any, label: str) -> str | None:
    """The value of the st.metric whose label is `label`, else of the Models page's KPI line
    (tests/kpis.py; None when neither shows it)."""
    for m in page.query_selector_all('[data-testid="stMetric"]'):
        lab = m.query_selector('[data-testid="stMetricLabel"]')
        val = m.query_selector('[data-testid="stMetricValue"]')
        if lab and val and lab.inner_text().strip() == label:
            return val.inner_text().strip()
    if label in kpis.LABELS:
        for el in page.query_selector_all('[data-testid="stMain"] [data-testid="stMarkdown"]'):
            text = el.inner_text()
            if kpis.is_kpi_line(text):
                return kpis.kpi(text, label)
    return None


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot to screenshots/ (git-ignored), for humans; never fails a test."""
    try:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, timeout=20_000)
    except Exception:  # noqa: BLE001 - a screenshot is a courtesy
        pass


# Live nodes that upstream text must never produce. Streamlit's own <script>s live in the page
# shell (bundles from our origin, one inline bootstrap line); a <script> inside the app, from
# another origin, or carrying a payload's text is a finding.
_DOM_PROBLEMS_JS = """() => {
  const bad = [];
  const unsafe = /^\\s*(javascript|vbscript|data:text\\/html)/i;
  const docs = [document];
  for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument) docs.push(f.contentDocument); } catch (e) {}
    if (f.hasAttribute('srcdoc')) bad.push('iframe[srcdoc]');
  }
  for (const doc of docs) {
    for (const el of doc.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        if (name.startsWith('on')) bad.push(`${el.tagName} ${a.name}=${a.value.slice(0, 80)}`);
        if (['href', 'src', 'xlink:href', 'action', 'formaction', 'data'].includes(name)
            && unsafe.test(a.value)) bad.push(`${el.tagName} ${a.name}=${a.value.slice(0, 80)}`);
      }
    }
    for (const s of doc.querySelectorAll('script')) {
      const src = s.getAttribute('src') || '';
      const own = !src || new URL(src, location.href).origin === location.origin;
      const inApp = !!s.closest('[data-testid="stApp"]');
      if (inApp || !own || /alert|pwned|document\\.title/i.test(s.textContent))
        bad.push('SCRIPT ' + (src || s.textContent.slice(0, 80)));
    }
    // a third-party image (e.g. Markdown `![x](http://tracker/px)` in upstream text) would be
    // fetched by every viewer's browser: nothing but our own origin and data: URIs may load
    for (const el of doc.querySelectorAll('img[src], image, source[src], video[src], audio[src]')) {
      const src = el.getAttribute('src') || el.getAttribute('href') || el.getAttribute('xlink:href') || '';
      if (!src || src.startsWith('data:') || src.startsWith('blob:')) continue;
      let origin = '';
      try { origin = new URL(src, location.href).origin; } catch (e) { origin = 'invalid'; }
      if (origin !== location.origin) bad.push(`${el.tagName} loads ${src.slice(0, 80)}`);
    }
    for (const tag of ['svg[onload]', 'img[onerror]', 'a[href^="javascript:" i]']) {
      for (const el of doc.querySelectorAll(tag)) bad.push('match ' + tag);
    }
  }
  return bad;
}"""


def dom_problems(page: Any) -> list[str]:
    return page.evaluate(_DOM_PROBLEMS_JS)


def hover_plotly_points(page: Any, per_chart: int = 3, max_charts: int = 6) -> int:
    """Hover the first points/bars of every Plotly chart on the page; the number hovered."""
    hovered = 0
    charts = page.query_selector_all(".js-plotly-plot")[:max_charts]
    for chart in charts:
        points = chart.query_selector_all(".scatterlayer .point, .barlayer .point, .scatterlayer path.point")[
            :per_chart
        ]
        for point in points:
            try:
                point.scroll_into_view_if_needed(timeout=3000)
                point.hover(timeout=3000, force=True)
                page.wait_for_timeout(150)
                hovered += 1
            except Exception:  # noqa: BLE001 - a point hidden under another is fine to skip
                continue
    return hovered
