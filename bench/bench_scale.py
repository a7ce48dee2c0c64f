"""Benchmark: how the dashboard grows with the catalog, and the cold start with no upstream.

Scale table, for each size (default 300, 3,000 and 10,000 chutes from tools.synth; v1 = 80% of
them), one `streamlit run dashboard.py` serving a pre-written disk cache (loopback only, the
upstream on a closed port), one headless chromium tab, warm caches, medians:

  first table   navigation -> the Models grid canvas painted
  filter        a new search text + Enter -> the rerun finished and the new count shown
  chart         navigation to the Charts page -> the first Plotly chart drawn
  RSS 1 / 20    the server's resident memory after 1 and after 20 visits (a visit = a new
                browser context, so a new session, loading the Models page), idle

Cold start ratio (issue 12: <= 3x, aim 1.5x): a fresh server, the first visit's first table
with the upstream refusing connections and no cache (the bundled sample after a failed fetch)
vs a fresh server with a warm disk cache; alternated, medians.

    python bench/bench_scale.py [--sizes 300,3000,10000] [--repeat 5] [--cold-repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

VISITS = 20
SEARCHES = ("qwen", "")

_WATCH = harness.WATCH_RERUN
_DONE = harness.rerun_done_js()

# Drawn = the plot laid out with its points: SVG markers or bars, or (a WebGL scatter beyond
# ui.figures.WEBGL_POINTS) the regl scene of the plot and its canvas.
_CHART = """() => {
  const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const svg = gd && gd.querySelector('.main-svg');
  if (!svg || !(svg.getBoundingClientRect().width > 0) || !gd._fullLayout) return null;
  if (gd.querySelector('.scatterlayer .point, .barlayer .point')) return performance.now();
  const plot = gd._fullLayout._plots && gd._fullLayout._plots.xy;
  return plot && plot._scene && gd.querySelector('canvas.gl-canvas-context') ? performance.now() : null;
}"""


def expected_counts(cache: Path) -> dict[str, int]:
    from chutes_data.query import Filters, apply_filters

    models = harness.load_models(harness.dashboard_env(cache))
    return {s: len(apply_filters(models, Filters(search=s))) for s in SEARCHES}


def scale_row(n_chutes: int, repeat: int, work: Path, browser: Any) -> dict:
    cache = harness.write_cache(work / f"cache-{n_chutes}", n_chutes)
    counts = expected_counts(cache)
    rows = counts[""]
    env = harness.served_env(cache)
    out: dict[str, Any] = {"chutes": n_chutes, "rows": rows}
    with harness.Server(harness.ROOT / "dashboard.py", env, work / f"scale-{n_chutes}.log") as srv:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        harness.first_table(page, srv.url)  # visit 1 (loads the catalog into the server cache)
        harness.wait_idle(page)
        out["rss_1"] = srv.rss_mb()
        for _ in range(VISITS - 1):  # visits 2..20: a new session each
            other = browser.new_context(viewport={"width": 1400, "height": 900})
            p = other.new_page()
            harness.first_table(p, srv.url)
            harness.wait_idle(p)
            other.close()
        time.sleep(2)
        out["rss_20"] = srv.rss_mb()
        first, filt, chart = [], [], []
        for i in range(repeat):
            try:
                _one_round(page, srv.url, i, counts, first, filt, chart)
            except Exception as exc:  # noqa: BLE001 - a timed-out round is reported, not fatal
                print(f"  ({n_chutes} chutes, round {i}: {type(exc).__name__}; round skipped)", flush=True)
        ctx.close()
    out.update(first=harness.median(first), filter=harness.median(filt), chart=harness.median(chart))
    print(_row(out), flush=True)
    return out


def _one_round(
    page: Any,
    url: str,
    i: int,
    counts: dict[str, int],
    first: list[float],
    filt: list[float],
    chart: list[float],
) -> None:
    box = '[data-testid="stSidebar"] input[aria-label="Search"]'
    first.append(harness.first_table(page, url))
    harness.wait_idle(page)
    search = SEARCHES[i % 2]
    if page.input_value(box) == search:  # the URL keeps no search: start from ""
        page.fill(box, "x")
        page.press(box, "Enter")
        harness.wait_idle(page)
    page.fill(box, search)
    page.evaluate(_WATCH)
    page.press(box, "Enter")
    filt.append(
        float(page.wait_for_function(_DONE, arg=counts[search], polling="raf", timeout=120_000).json_value())
        / 1000
    )
    harness.wait_idle(page)
    page.goto(f"{url}/charts", wait_until="commit")
    chart.append(float(page.wait_for_function(_CHART, polling="raf", timeout=120_000).json_value()) / 1000)
    harness.wait_idle(page)


def _row(r: dict) -> str:
    return (
        f"{r['chutes']:>7} {r['rows']:>6} {r['first'] * 1000:>10.0f}ms "
        f"{r['filter'] * 1000:>6.0f}ms {r['chart'] * 1000:>6.0f}ms {r['rss_1']:>7.0f} "
        f"{r['rss_20']:>7.0f}"
    )


def cold_start(repeat: int, work: Path, browser: Any) -> dict:
    warm_cache = harness.write_cache(work / "cache-300", 300)
    times: dict[str, list[float]] = {"refused": [], "warm": []}
    for i in range(repeat):
        for which in ("refused", "warm") if i % 2 == 0 else ("warm", "refused"):
            cache = work / f"empty-{i}" if which == "refused" else warm_cache
            env = harness.served_env(cache)
            with harness.Server(harness.ROOT / "dashboard.py", env, work / f"cold-{which}.log") as s:
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                times[which].append(harness.first_table(ctx.new_page(), s.url))
                ctx.close()
    r, w = harness.median(times["refused"]), harness.median(times["warm"])
    return {"refused": r, "warm": w, "ratio": r / w, "n": repeat}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300,3000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold-repeat", type=int, default=3)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, harness.chromium() as browser:
        work = Path(tmp)
        cold = cold_start(args.cold_repeat, work, browser) if args.cold_repeat else None
        table = [scale_row(n, args.repeat, work, browser) for n in sizes]
    if cold is not None:
        verdict = "OK" if cold["ratio"] <= 3.0 else "over the limit"
        print(f"cold start, first visit to a fresh server, medians of {cold['n']} alternated:")
        print(f"  upstream refused, no cache (sample)  {cold['refused'] * 1000:7.0f} ms")
        print(f"  warm disk cache                      {cold['warm'] * 1000:7.0f} ms")
        print(f"  ratio = {cold['ratio']:.2f} (must <= 3.0, aim <= 1.5): {verdict}\n")
    print(f"scale (medians of {args.repeat}; RSS of the server process, MB):")
    print(
        f"{'chutes':>7} {'rows':>6} {'first table':>12} {'filter':>8} {'chart':>8} {'RSS 1':>7} {'RSS 20':>7}"
    )
    for r in table:
        print(_row(r))
    print(f"(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
