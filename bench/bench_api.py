"""Benchmark: JSON API latency under concurrent load, next to Streamlit's own `/_stcore/health`
on the same server.

Starts `streamlit run dashboard.py` on 127.0.0.1 (a port in 18100-18199) against a loopback
stand-in of both Chutes APIs (tests/upstream.py) serving the bundled sample (180 chutes), with
CACHE_DURATION_MINUTES=0.05, so the background refresher refreshes every 3 s while the load runs.
Then, in alternating rounds (the machine is shared and noisy: only same-run ratios mean
anything), it fires `--requests` GETs at `--concurrency` at once to `/_stcore/health` (the
baseline: no data, no JSON) and to each API route, and prints p50/p95 per route and their ratio
to the baseline. Loopback only; bounded in requests and in time (`--max-seconds`).

    python bench/bench_api.py [--requests 200] [--concurrency 50] [--rounds 3] [--max-seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402
from browser import StreamlitServer  # noqa: E402
from upstream import StandInUpstream  # noqa: E402

from chutes_data.sources.loading import sample_payload  # noqa: E402

BASELINE = "/_stcore/health"
ROUTES = [
    "/api/health",
    "/api/models",
    "/api/models?hot=true&sort=price_in&limit=20",
    "/api/models?format=csv",
    "/api/cache/status",
    "/api/export/data",
    "/api/changes",
]


async def burst(client: httpx.AsyncClient, path: str, n: int, concurrency: int) -> list[float]:
    """Latencies (s) of n GETs of path, at most `concurrency` in flight; raises on a non-2xx."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one() -> None:
        async with gate:
            started = time.perf_counter()
            r = await client.get(path)
            latencies.append(time.perf_counter() - started)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {r.status_code}")

    await asyncio.gather(*(one() for _ in range(n)))
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {p: [] for p in [BASELINE, *ROUTES]}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    deadline = time.monotonic() + args.max_seconds
    refreshes_seen = set()
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        for path in samples:  # warm-up: first renders, connections
            await burst(client, path, 5, 5)
        for _ in range(args.rounds):
            for path in samples:
                if time.monotonic() > deadline:
                    return samples
                samples[path] += await burst(client, path, args.requests, args.concurrency)
                refreshes_seen.add((await client.get("/api/health")).json()["revision"])
    print(f"refresher revisions seen during the load: {min(refreshes_seen)}..{max(refreshes_seen)}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per route and round (max 2000)")
    parser.add_argument("--concurrency", type=int, default=50, help="in flight at once (max 200)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (max 10)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop the load after this")
    args = parser.parse_args()
    args.requests, args.concurrency = min(args.requests, 2000), min(args.concurrency, 200)
    args.rounds = min(args.rounds, 10)

    chutes, v1 = sample_payload("chutes"), sample_payload("v1")
    with tempfile.TemporaryDirectory() as tmp, StandInUpstream(chutes, v1) as upstream:
        env = {
            "CHUTES_BASE_URL": upstream.url,
            "CHUTES_LLM_BASE_URL": upstream.url,
            "CHUTES_CACHE_DIR": str(Path(tmp) / "cache"),
            "CACHE_DURATION_MINUTES": "0.05",
        }
        server = StreamlitServer(env, Path(tmp) / "streamlit.log", ports=range(18100, 18200))
        with server:
            for _ in range(300):  # the first snapshot
                try:
                    if httpx.get(server.url + "/api/health", timeout=5).json()["revision"] >= 1:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.2)
            print(
                f"server {server.url}: {len(chutes['items'])} chutes, {len(v1['data'])} /v1/models; "
                f"{args.rounds} rounds x {args.requests} requests per route, {args.concurrency} "
                "in flight"
            )
            samples = asyncio.run(run(server.url, args))
    base50, base95 = pct(samples[BASELINE], 0.5), pct(samples[BASELINE], 0.95)
    print(f"\n{'route':52} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×':>7} {'p95 ×':>7}")
    report = {}
    for path, values in samples.items():
        if not values:
            continue
        p50, p95 = pct(values, 0.5), pct(values, 0.95)
        report[path] = {
            "n": len(values),
            "p50_ms": round(p50 * 1000, 2),
            "p95_ms": round(p95 * 1000, 2),
            "p50_ratio": round(p50 / base50, 2),
            "p95_ratio": round(p95 / base95, 2),
            "mean_ms": round(statistics.fmean(values) * 1000, 2),
        }
        r = report[path]
        print(
            f"{path:52} {r['n']:>5} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p50_ratio']:>7} {r['p95_ratio']:>7}"
        )
    print("\n(ratios are against /_stcore/health on the same server, in the same run)")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
