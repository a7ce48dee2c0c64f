"""Benchmark: the Models page's first table vs a plain `st.dataframe` of the same rows, on both
paths a user meets: the live-cache path (a server over a fresh disk cache of a synthetic catalog)
and the sample path (`CHUTES_OFFLINE=1`, the bundled sample).

Per path, both apps run under `streamlit run` (loopback, our ports) with the same environment;
one headless chromium tab navigates to them alternately (A B B A ...), warm caches (two loads of
each first), and times navigation start -> the grid canvas painted with its first row (pixels
drawn, not just laid out). After each load it waits until the page is idle (script done, the
Models page's deferred sidebar drawn), so a load never overlaps the previous one's second run.
Medians, ratio B/A per path (issue 18: < 1.5 on both).

    python bench/bench_first_table.py [--path live|sample|both] [--chutes 300] [--repeat 11]
                                      [--query QUERY] [--trace FILE]

`--trace` writes a Chrome trace of one extra Models page load (open it in chrome://tracing or
Perfetto) to see where the time goes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

MUST, AIM = 1.5, 1.2
PATHS = ("live", "sample")


def path_env(path: str, n_chutes: int, work: Path) -> dict[str, str]:
    """The servers' environment: the live-cache path reads a fresh disk cache of `n_chutes`
    synthetic chutes; the sample path is offline mode (the bundled sample), with its own cache dir."""
    if path == "live":
        return harness.served_env(harness.write_cache(work / f"cache-{n_chutes}", n_chutes))
    return {**harness.served_env(work / "cache-sample"), "CHUTES_OFFLINE": "1"}


def measure(
    path: str, n_chutes: int, repeat: int, work: Path, query: str = "", trace: Path | None = None
) -> dict:
    env = path_env(path, n_chutes, work)
    models = harness.load_models(env)
    baseline = harness.baseline_app(work / f"baseline-{path}", models)
    times: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    load = [os.getloadavg()[0]]
    with (
        harness.Server(baseline, env, work / f"a-{path}.log") as a,
        harness.Server(harness.ROOT / "dashboard.py", env, work / f"b-{path}.log") as b,
        harness.chromium() as browser,
    ):
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        urls = {"A": a.url, "B": b.url + (f"/?{query}" if query else "")}
        for _ in range(2):  # warm-up: server caches (the catalog), HTTP cache, JIT
            for which in "AB":
                harness.first_table(page, urls[which])
                harness.wait_idle(page)
        for i in range(repeat):
            for which in "AB" if i % 2 == 0 else "BA":
                times[which].append(harness.first_table_times(page, urls[which]))
                harness.wait_idle(page)
        load.append(os.getloadavg()[0])
        if trace is not None:
            browser.start_tracing(page=page, path=str(trace), screenshots=False)
            harness.first_table(page, urls["B"])
            harness.wait_idle(page)
            browser.stop_tracing()
    painted = {k: [p for _, p in v] for k, v in times.items()}
    a_ms, b_ms = (harness.median(painted[k]) * 1000 for k in "AB")
    # Each round's B over its A (loaded one after the other): robust to the load of a shared machine
    # drifting during the run, which moves both.
    pairs = [b_ / a_ for a_, b_ in zip(painted["A"], painted["B"], strict=True)]
    laid = {k: harness.median([p - lo for lo, p in v]) * 1000 for k, v in times.items()}
    spread = {f"{k}_{f.__name__}": f(v) * 1000 for k, v in painted.items() for f in (min, max)}
    return {
        "path": path,
        "query": query,
        "rows": len(models),
        "A": a_ms,
        "B": b_ms,
        "ratio": b_ms / a_ms,
        "paired": harness.median(pairs),
        "paired_q": (min(pairs), max(pairs)),
        "laid_to_paint": laid,
        "load": load,
        "n": repeat,
        **spread,
    }


def report(r: dict) -> None:
    where = "live cache" if r["path"] == "live" else "bundled sample (CHUTES_OFFLINE=1)"
    visit = f"/?{r['query']}" if r["query"] else "/"
    harness.print_ratio(
        f"first table, {where}, {visit}, {r['rows']} rows, warm, same tab, medians of {r['n']} "
        f"alternated runs, load average {r['load'][0]:.1f} -> {r['load'][1]:.1f}:",
        [
            ("A plain st.dataframe", f"{r['A']:6.0f} ms  (spread {r['A_min']:.0f}-{r['A_max']:.0f})"),
            ("B Models page", f"{r['B']:6.0f} ms  (spread {r['B_min']:.0f}-{r['B_max']:.0f})"),
            (
                "laid out -> painted",
                f"A {r['laid_to_paint']['A']:.0f} ms, B {r['laid_to_paint']['B']:.0f} ms",
            ),
            (
                "B/A per round",
                f"median {r['paired']:.2f} (range {r['paired_q'][0]:.2f}-{r['paired_q'][1]:.2f})",
            ),
        ],
        r["ratio"],
        MUST,
        AIM,
        ratio_label="B/A of the medians",
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--path", choices=(*PATHS, "both"), default="both")
    ap.add_argument("--chutes", type=int, default=300, help="live path: synthetic chutes in the cache")
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument(
        "--query",
        default="",
        help="B visits /?QUERY (a shared link; its widgets come in the second run, as on /)",
    )
    ap.add_argument("--trace", type=Path, help="a Chrome trace of one more Models page load (last path)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    paths = PATHS if args.path == "both" else (args.path,)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-first-table-") as tmp:
        for path in paths:
            trace = args.trace if path == paths[-1] else None
            results.append(measure(path, args.chutes, args.repeat, Path(tmp), args.query, trace))
            report(results[-1])
    print(f"(total {time.perf_counter() - started:.0f} s)")
    return 0  # the verdict is printed; `make bench` runs every script (a loaded box is no failure)


if __name__ == "__main__":
    sys.exit(main())
