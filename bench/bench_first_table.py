"""Benchmark: the Models page's first table vs a plain `st.dataframe` of the same rows.

Both apps run under `streamlit run` (loopback, our ports); one headless chromium tab navigates
to them alternately (A B B A ...), warm caches (two loads of each first), and times navigation
start -> the dataframe's grid canvas painted. Medians, ratio B/A (issue 12: <= 1.5, aim 1.2).

    python bench/bench_first_table.py [--chutes 300] [--repeat 11] [--trace FILE]

`--trace` writes a Chrome trace of one extra Models page load (open it in chrome://tracing or
Perfetto) to see where the time goes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

MUST, AIM = 1.5, 1.2


def measure(n_chutes: int, repeat: int, work: Path, trace: Path | None = None) -> dict:
    cache = harness.write_cache(work / f"cache-{n_chutes}", n_chutes)
    models = harness.load_cached_models(cache)
    baseline = harness.baseline_app(work / "baseline", models)
    env = harness.served_env(cache)
    times: dict[str, list[float]] = {"A": [], "B": []}
    with (
        harness.Server(baseline, env, work / "a.log") as a,
        harness.Server(harness.ROOT / "dashboard.py", env, work / "b.log") as b,
        harness.chromium() as browser,
    ):
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        urls = {"A": a.url, "B": b.url}
        for _ in range(2):  # warm-up: server caches (the catalog), HTTP cache, JIT
            for which in "AB":
                harness.first_table(page, urls[which])
                harness.wait_idle(page)
        for i in range(repeat):
            for which in "AB" if i % 2 == 0 else "BA":
                times[which].append(harness.first_table(page, urls[which]))
                harness.wait_idle(page)
        if trace is not None:
            browser.start_tracing(page=page, path=str(trace), screenshots=False)
            harness.first_table(page, urls["B"])
            harness.wait_idle(page)
            browser.stop_tracing()
    a_ms, b_ms = harness.median(times["A"]) * 1000, harness.median(times["B"]) * 1000
    spread = {f"{k}_{f.__name__}": f(v) * 1000 for k, v in times.items() for f in (min, max)}
    return {"rows": len(models), "A": a_ms, "B": b_ms, "ratio": b_ms / a_ms, "n": repeat, **spread}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chutes", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--trace", type=Path)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-first-table-") as tmp:
        r = measure(args.chutes, args.repeat, Path(tmp), args.trace)
    harness.print_ratio(
        f"first table, {r['rows']} rows, warm, same tab, medians of {r['n']} alternated runs "
        f"(spread A {r['A_min']:.0f}-{r['A_max']:.0f} ms, B {r['B_min']:.0f}-{r['B_max']:.0f} ms):",
        [("A plain st.dataframe", f"{r['A']:8.0f} ms"), ("B Models page", f"{r['B']:8.0f} ms")],
        r["ratio"],
        MUST,
        AIM,
        ratio_label="B/A",
    )
    print(f"(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
