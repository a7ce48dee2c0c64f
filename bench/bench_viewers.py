"""Benchmark: how many concurrent viewers one replica holds (issue 21).

One `streamlit run dashboard.py` (a synthetic catalog from a disk cache, the upstream on a closed
port: nothing reaches the network) and one headless chromium. For each N (1, 10, 30 by default)
N browser contexts (N Streamlit sessions) load the Models page at the same moment; each times
navigation start -> the first table's grid canvas painted (the page's own clock). Several
rounds per N; p50/p95 over all loads of that N, and the server's peak and settled RSS.

    python bench/bench_viewers.py [--chutes 300] [--viewers 1 10 30] [--loads 30]

The verdict is the largest N whose p95 stays under twice N=1's p95: past it, add a replica.
Mind that on this 2-core box the N chromium renderers share the cores with the server, so the
figure is a floor (real viewers bring their own CPUs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

VIEWPORT = {"width": 1400, "height": 900}


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class RssSampler:
    """The server's peak RSS while a round runs (sampled every 100 ms in a thread)."""

    def __init__(self, server: harness.Server) -> None:
        self.server, self.peak = server, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_mb())
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def first_table(page, url: str, timeout_ms: int = 180_000) -> float | None:  # type: ignore[no-untyped-def]
    """harness.first_table for the async API: seconds from navigation start to a painted grid,
    or None when it is not painted within `timeout_ms` (counted as a failed load). Polled every
    100 ms, not every animation frame: chromium throttles the frames of N pages it does not show
    (so a reading is late by 50 ms on average, the same for every N)."""
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        handle = await page.wait_for_function(harness.CANVAS_SHOWN, polling=100, timeout=timeout_ms)
    except Exception as exc:  # playwright's TimeoutError, a crashed tab: one failed load
        print(f"    a load failed: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
        return None
    return float(await handle.json_value()) / 1000


async def idle(page, timeout_ms: int = 180_000) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(Exception):  # a page that failed to load is reloaded next round
        await page.wait_for_function(harness.IDLE_JS, polling=100, timeout=timeout_ms)


async def measure(server: harness.Server, viewers: list[int], loads: int, timeout_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    results, ms = [], int(timeout_s * 1000)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            warm = await (await browser.new_context(viewport=VIEWPORT)).new_page()
            for _ in range(2):  # the server's caches (the catalog) and chromium's
                await first_table(warm, server.url)
                await idle(warm)
            await warm.context.close()
            for n in viewers:
                contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(n)]
                pages = [await c.new_page() for c in contexts]
                times: list[float] = []
                failed = 0
                rounds = max(2, math.ceil(loads / n))
                with RssSampler(server) as rss:
                    for _ in range(rounds):  # all N at once; the next round once all are idle
                        got = await asyncio.gather(*(first_table(p, server.url, ms) for p in pages))
                        times += [t for t in got if t is not None]
                        failed += sum(t is None for t in got)
                        await asyncio.gather(*(idle(p, ms) for p in pages))
                for c in contexts:
                    await c.close()
                await asyncio.sleep(2)  # the closed sessions' cleanup
                results.append(
                    {
                        "n": n,
                        "loads": len(times),
                        "failed": failed,
                        # a failed load counts as slower than any (infinite), not as missing
                        "p50": percentile(times + [math.inf] * failed, 50) * 1000,
                        "p95": percentile(times + [math.inf] * failed, 95) * 1000,
                        "max": max(times, default=math.nan) * 1000,
                        "rss_peak": rss.peak,
                        "rss_after": server.rss_mb(),
                        "load": os.getloadavg()[0],  # the box is shared: how busy it was meanwhile
                    }
                )
                print(_line(results[-1]), flush=True)
        finally:
            await browser.close()
    return results


def _line(r: dict) -> str:
    return (
        f"  N={r['n']:>3}  loads={r['loads']:>3} (failed {r['failed']})  "
        f"p50 {r['p50']:7.0f} ms  p95 {r['p95']:7.0f} ms  "
        f"max {r['max']:7.0f} ms  RSS peak {r['rss_peak']:6.0f} MB, after {r['rss_after']:6.0f} MB  "
        f"(load avg {r['load']:.1f})"
    )


def verdict(results: list[dict]) -> str:
    """The largest N measured whose p95 stays under twice the single viewer's p95."""
    base = next(r for r in results if r["n"] == min(x["n"] for x in results))
    holds = [r["n"] for r in results if r["p95"] < 2 * base["p95"]]
    over = [r for r in results if r["p95"] >= 2 * base["p95"]]
    text = f"p95 stays under 2 x N={base['n']}'s ({2 * base['p95']:.0f} ms) up to N={max(holds)}"
    if over:
        first = min(over, key=lambda r: r["n"])
        text += f"; at N={first['n']} it is {first['p95'] / base['p95']:.1f}x"
    else:
        text += " (the largest N measured)"
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chutes", type=int, default=300)
    ap.add_argument("--viewers", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--loads", type=int, default=30, help="page loads per N at least (rounds of N)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds before a load counts as failed")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-viewers-") as tmp:
        work = Path(tmp)
        cache = harness.write_cache(work / f"cache-{args.chutes}", args.chutes)
        rows = len(harness.load_cached_models(cache))
        print(
            f"concurrent viewers of one server, Models page, {rows} rows, first table (all N load at once):"
        )
        with harness.Server(harness.ROOT / "dashboard.py", harness.served_env(cache), work / "s.log") as srv:
            idle_rss = srv.rss_mb()
            results = asyncio.run(measure(srv, sorted(args.viewers), args.loads, args.timeout))
    print(f"  server RSS when started {idle_rss:.0f} MB")
    print(f"  {verdict(results)}")
    print(f"(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
