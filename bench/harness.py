"""What the issue-12 benchmarks share: synthetic catalogs on disk, Streamlit servers on our
loopback ports (18300-18399), headless Debian chromium, the first-paint probe and RSS readings.

Nothing here reaches the network: the dashboard reads a pre-written disk cache (fresh for a
year) and its upstream URLs point at a closed loopback port. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from browser import free_port  # noqa: E402 - tests/browser.py: the one free-port helper

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PORTS = range(18300, 18390)  # issue 12's range; 18390-18399 stay closed (the "upstream")
CLOSED = "http://127.0.0.1:18399"
CANVAS = '[data-testid="stDataFrame"] canvas[data-testid="data-grid-canvas"]'

# [laid out, painted]: performance.now() (ms since navigation start) when a dataframe grid canvas
# is first laid out, and when its first row is painted (text pixels under the header; the grid
# draws its cells frames after its layout, issue 18). Polled every animation frame.
CANVAS_SHOWN = f"""() => {{
  const c = document.querySelector('{CANVAS}');
  if (!c) return null;
  const r = c.getBoundingClientRect();
  if (!(r.width > 0 && r.height > 70)) return null;
  window.__laidOut = window.__laidOut || performance.now();
  const k = c.width / r.width, w = Math.min(c.width, Math.floor(400 * k));
  const px = c.getContext('2d').getImageData(0, Math.floor(42 * k), w, Math.floor(20 * k)).data;
  for (let i = 0; i < px.length; i += 4)
    if (px[i + 3] > 0 && px[i] + px[i + 1] + px[i + 2] < 400) return [window.__laidOut, performance.now()];
  return null;
}}"""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def synth_payloads(n_chutes: int, n_v1: int | None = None, *, seed: int = 12) -> tuple[dict, dict]:
    """tools.synth payloads: v1 = 80% of the chutes, 10% of those without chute_id, 2.5% renamed."""
    from tools.synth import generate

    n_v1 = n_v1 if n_v1 is not None else max(8, n_chutes * 8 // 10)
    without = n_v1 // 10
    renamed = n_v1 // 40
    return generate(n_chutes, n_v1, seed=seed, v1_without_chute_id=without - renamed, v1_renamed=renamed)


def write_payload_files(directory: Path, n_chutes: int, n_v1: int | None = None) -> tuple[Path, Path]:
    """chutes.json and v1_models.json (raw response bodies) in `directory`, generated once."""
    directory.mkdir(parents=True, exist_ok=True)
    chutes_path, v1_path = directory / "chutes.json", directory / "v1_models.json"
    if not (chutes_path.is_file() and v1_path.is_file()):
        chutes, v1 = synth_payloads(n_chutes, n_v1)
        chutes_path.write_text(json.dumps(chutes), encoding="utf-8")
        v1_path.write_text(json.dumps(v1), encoding="utf-8")
    return chutes_path, v1_path


def write_cache(cache_dir: Path, n_chutes: int) -> Path:
    """A disk cache the dashboard will serve (fetched now, the TTLs are set to a year): both
    catalogs and the six telemetry routes, so the page is the healthy one a visitor sees (with
    telemetry missing it would add a "partly unknown" warning the floor does not have)."""
    from chutes_data.sources.cache import DiskCache
    from chutes_data.sources.registry import SOURCES
    from tools.synth.telemetry import generate_telemetry

    marker = cache_dir / f".synth-{n_chutes}-telemetry"
    if not marker.is_file():
        chutes, v1 = synth_payloads(n_chutes)
        cache = DiskCache(cache_dir)
        now = datetime.now(UTC)
        cache.write(SOURCES["chutes"].cache_key, chutes, now)
        cache.write(SOURCES["v1"].cache_key, v1, now)
        for name, body in generate_telemetry(chutes, now=now).items():
            cache.write(SOURCES[name].cache_key, body, now)
        marker.write_text("ok", encoding="utf-8")
    return cache_dir


def dashboard_env(cache_dir: Path | None) -> dict[str, str]:
    """The environment of a dashboard server: our cache, the upstream on a closed port."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CHUTES_") and k != "CACHE_DURATION_MINUTES"
    }
    env.update(
        {
            "CHUTES_BASE_URL": CLOSED,
            "CHUTES_LLM_BASE_URL": CLOSED,
            "CACHE_DURATION_MINUTES": "525600",
            "CHUTES_TELEMETRY_MINUTES": "525600",
            "CHUTES_HTTP_TIMEOUT": "5",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if cache_dir is not None:
        env["CHUTES_CACHE_DIR"] = str(cache_dir)
    return env


class Server:
    """`streamlit run SCRIPT` on a free port of ours, in its own process group."""

    def __init__(self, script: Path, env: dict[str, str], log: Path) -> None:
        self.script, self.env, self.log = script, env, log
        self.port = free_port(PORTS)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
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
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not start: {self.log.read_text(errors='replace')}")
            time.sleep(0.2)

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS), in MB."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 15)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


def first_table(page: Any, url: str, timeout_ms: int = 120_000) -> float:
    """Navigate this tab to `url`: seconds from navigation start to the grid's first row painted."""
    return first_table_times(page, url, timeout_ms)[1]


def first_table_times(page: Any, url: str, timeout_ms: int = 120_000) -> tuple[float, float]:
    """Navigate this tab to `url`: seconds from navigation start to the grid laid out, and painted."""
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    handle = page.wait_for_function(CANVAS_SHOWN, polling="raf", timeout=timeout_ms)
    laid, painted = handle.json_value()
    return float(laid) / 1000, float(painted) / 1000


IDLE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
                     return a && a.getAttribute('data-test-script-state') === 'notRunning'
                       && !document.querySelector('.st-key-sidebar_pending'); }"""


def wait_idle(page: Any, timeout_ms: int = 120_000) -> None:
    """Until the Streamlit script of this tab is not running any more and the sidebar is drawn
    (a new session's first screen comes without it, ui/sidebar.py: the next measurement must not
    start while the second run draws it)."""
    page.wait_for_function(IDLE_JS, polling=100, timeout=timeout_ms)


BASELINE_APP = """\
import pandas as pd
import streamlit as st

st.set_page_config(layout="wide")
st.dataframe(st.cache_resource(lambda: pd.read_pickle({path!r}))())
"""


def baseline_app(directory: Path, models: Any) -> Path:
    """The floor of the first table: a one-line app showing the same exported rows."""
    import pandas as pd

    from chutes_data import export

    directory.mkdir(parents=True, exist_ok=True)
    pickle = directory / "rows.pkl"
    pd.DataFrame(export.rows(models)).to_pickle(pickle)
    script = directory / "baseline_app.py"
    script.write_text(BASELINE_APP.format(path=str(pickle)), encoding="utf-8")
    return script


def load_models(env: dict[str, str]) -> Any:
    """The merged models a dashboard server with `env` will show (the sample when offline)."""
    from chutes_data import Settings, load_catalog

    return load_catalog(Settings.from_env(env), allow_sample=True).models


# ---------------------------------------------------------------------------- shared by the benches
# (issue 12b: one copy of what bench_scale/bench_table and bench_export/bench_first_table shared)

# Records the time of the next keydown and of the end of the rerun it starts (window.__bench).
WATCH_RERUN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const w = window.__bench = {t0: null, running: false, done: null};
  document.addEventListener('keydown', () => { if (w.t0 === null) w.t0 = performance.now(); },
                            {capture: true});
  const obs = new MutationObserver(() => {
    const s = app.getAttribute('data-test-script-state');
    if (s === 'running') w.running = true;
    else if (w.running && w.done === null) { w.done = performance.now(); obs.disconnect(); }
  });
  obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def rerun_done_js(with_table: bool = False) -> str:
    """JS (arg: the expected count): ms from the keydown WATCH_RERUN saw to the end of its rerun,
    once the KPI line's "N of M models shown" says the expected count (and, `with_table`, the table is drawn,
    or gone for 0 rows); null until then."""
    table = (
        """
  const empty = expected === 0 && !document.querySelector('[data-testid="stDataFrame"]');
  const table = expected === 0 ? empty : !!document.querySelector('[data-testid="stDataFrame"] canvas');"""
        if with_table
        else "\n  const table = true;"
    )
    return (
        r"""(expected) => {
  const w = window.__bench;
  if (!w || w.done === null) return null;
  const line = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdown"]')]
    .find(e => e.innerText.includes('models shown'));
  const m = line && line.innerText.match(/([\d,]+) of [\d,]+ models shown/);
  const shown = m ? m[1].replace(/,/g, '') : null;"""
        + table
        + """
  return shown === String(expected) && table ? w.done - w.t0 : null;
}"""
    )


def print_ratio(
    title: str, rows: list[tuple[str, str]], ratio: float, must: float, aim: float, ratio_label: str = "ratio"
) -> None:
    """A benchmark's verdict: the title, one `label value` line per measure, the ratio against
    the must and aim limits."""
    verdict = "OK" if ratio <= must else "over the limit"
    print(title)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print(f"  {ratio_label} = {ratio:.2f} (must <= {must}, aim <= {aim}): {verdict}")


def served_env(cache_dir: Path | None) -> dict[str, str]:
    """`dashboard_env` plus what `make run` sets for the server (MALLOC_ARENA_MAX=2)."""
    return {**dashboard_env(cache_dir), "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
