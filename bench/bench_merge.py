"""Benchmark: does merging cost at most about as much again as parsing?

The merge must stay cheap relative to reading the data, even for saved payloads far larger than
today's catalog. This script generates `/chutes/` and `/v1/models` payloads (default: 10,000
chutes, 8,000 v1 entries of which 1,000 lack `chute_id` and 200 of those are renamed so they need
normalized/fuzzy joins), writes them to temporary JSON files and times, alternating runs:

    parse  = json.load both files + normalize.chutes_frame + normalize.v1_frame
    export = parse + merge.merge_catalogs + models.to_dict("records") (stand-in for the export)

It prints median wall times, the ratio export / parse (target <= 2.0) and the tracemalloc peak
ratio (measured in separate runs: tracing slows everything down). A benchmark, not a test.

    python bench/bench_merge.py [--chutes N] [--v1 N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chutes_data.merge import merge_catalogs  # noqa: E402
from chutes_data.sources import normalize  # noqa: E402

TARGET_RATIO = 2.0


# ---------------------------------------------------------------------------- payloads
def generate(
    n_chutes: int, n_v1: int, *, seed: int, without_id: int, renamed: int, local: bool = False
) -> tuple[dict, dict, str]:
    """Payloads from `tools.synth.generate` when the package has it (and `local` is
    false), else a minimal local generator. `renamed` entries are part of the `without_id`
    ones (as in the issue)."""
    synth_generate = None
    if not local:
        try:
            from tools.synth import generate as synth_generate
        except ImportError:
            pass
    if synth_generate is not None:
        # synth's subsets are disjoint: renamed entries lose chute_id too.
        chutes, v1 = synth_generate(
            n_chutes, n_v1, seed=seed, v1_without_chute_id=max(0, without_id - renamed), v1_renamed=renamed
        )
        return chutes, v1, "tools.synth.generate"
    chutes, v1 = _local_generate(n_chutes, n_v1, seed=seed, without_id=without_id, renamed=renamed)
    return chutes, v1, "local generator"


def _local_generate(
    n_chutes: int, n_v1: int, *, seed: int, without_id: int, renamed: int
) -> tuple[dict, dict]:
    """Minimal stand-in: official vllm chutes listed in v1, plus community/diffusion chutes."""
    import random

    rng = random.Random(seed)
    orgs = ("Qwen", "deepseek-ai", "zai-org", "moonshotai", "unsloth", "google", "mistralai")
    users = [f"user{k}" for k in range(200)]

    def chute(owner: str, name: str, template: str, k: int) -> dict[str, Any]:
        hour = round(rng.uniform(0.5, 22), 3)
        price: dict[str, Any] = {
            "usd": {"hour": hour, "second": hour / 3600},
            "tao": {"hour": hour / 214, "second": hour / 214 / 3600},
        }
        if template == "vllm":
            price["per_million_tokens"] = {
                "input": {"usd": round(hour * 0.0136, 4), "tao": hour * 0.0136 / 214},
                "output": {"usd": round(hour * 0.0543, 4), "tao": hour * 0.0543 / 214},
                "input_cache_read": {"usd": round(hour * 0.0068, 4), "tao": hour * 0.0068 / 214},
            }
        else:
            price["per_step"] = {"usd": hour * 0.005, "tao": hour * 0.005 / 214}
        return {
            "chute_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{owner}::chute::{name}")),
            "name": name,
            "tagline": f"{name} endpoint",
            "readme": f"# {name}\n\n" + "text " * 60,
            "public": True,
            "slug": f"{owner}-{name}".lower().replace("/", "-")[:58],
            "standard_template": template,
            "user": {"username": owner},
            "supported_gpus": ["h200", "h100"],
            "invocation_count": rng.randint(0, 10**7),
            "node_selector": {"gpu_count": 8, "min_vram_gb_per_gpu": 80},
            "current_estimated_price": price,
            "tee": name.endswith("-TEE"),
            "instances": [
                {"instance_id": str(k), "region": "us-east", "active": True, "verified": True}
                for _ in range(rng.randint(0, 3))
            ],
            "created_at": "2026-01-02T03:04:05.123456Z",
            "updated_at": "2026-02-02T03:04:05Z",
        }

    officials = [
        chute(
            "chutes",
            f"{orgs[k % len(orgs)]}/Model{k}-{8 + k % 400}B-Instruct" + ("-TEE" if k % 2 else ""),
            "vllm",
            k,
        )
        for k in range(n_v1)
    ]
    others = [
        chute(rng.choice(users), f"{rng.choice(users)}/ft{k}-7B", rng.choice(("vllm", "diffusion")), k)
        for k in range(max(0, n_chutes - n_v1))
    ]
    v1 = []
    for k, c in enumerate(officials):
        per_m = c["current_estimated_price"]["per_million_tokens"]
        entry = {
            "id": c["name"],
            "chute_id": c["chute_id"],
            "object": "model",
            "created": 1784718720,
            "owned_by": "sglang",
            "root": c["name"],
            "max_model_len": 131072,
            "context_length": 131072,
            "quantization": "fp8",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "price": per_m,
            "confidential_compute": c["tee"],
        }
        if k < without_id:
            del entry["chute_id"]
            if k < renamed:
                entry["id"] = c["name"].replace("-", "_")
        v1.append(entry)
    return (
        {"total": n_chutes, "page": 0, "limit": n_chutes, "items": officials + others},
        {"object": "list", "data": v1},
    )


# ---------------------------------------------------------------------------- measuring
def parse(chutes_path: Path, v1_path: Path) -> tuple[Any, Any]:
    with chutes_path.open(encoding="utf-8") as fh:
        chutes_payload = json.load(fh)
    with v1_path.open(encoding="utf-8") as fh:
        v1_payload = json.load(fh)
    return normalize.chutes_frame(chutes_payload), normalize.v1_frame(v1_payload)


def export(chutes_path: Path, v1_path: Path) -> list[dict]:
    chutes, v1 = parse(chutes_path, v1_path)
    return merge_catalogs(chutes, v1).models.to_dict("records")


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chutes", type=int, default=10_000)
    ap.add_argument("--v1", type=int, default=8_000)
    ap.add_argument("--without-id", type=int, default=1_000)
    ap.add_argument("--renamed", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--local",
        action="store_true",
        help="use the bench's own minimal generator even if tools.synth exists",
    )
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    chutes_payload, v1_payload, how = generate(
        args.chutes,
        args.v1,
        seed=args.seed,
        without_id=args.without_id,
        renamed=args.renamed,
        local=args.local,
    )
    with tempfile.TemporaryDirectory(prefix="bench_merge_") as tmp:
        chutes_path, v1_path = Path(tmp, "chutes.json"), Path(tmp, "v1_models.json")
        chutes_path.write_text(json.dumps(chutes_payload), encoding="utf-8")
        v1_path.write_text(json.dumps(v1_payload), encoding="utf-8")
        del chutes_payload, v1_payload
        print(
            f"payloads: {args.chutes} chutes, {args.v1} v1 entries ({args.without_id} without "
            f"chute_id, {args.renamed} renamed) via {how} in {time.perf_counter() - t0:.1f}s; "
            f"files {chutes_path.stat().st_size / 1e6:.1f} MB + "
            f"{v1_path.stat().st_size / 1e6:.1f} MB"
        )

        chutes, v1 = parse(chutes_path, v1_path)
        result = merge_catalogs(chutes, v1)
        report = result.report
        print(
            f"merge: matched {report.matched}/{report.v1_total} v1 entries "
            f"{dict(report.by_method)}, only in v1 {report.only_in_v1}, "
            f"conflicts {len(report.conflicts)}, near misses {len(report.near_misses)}"
        )
        merge_only = [timed(partial(merge_catalogs, chutes, v1)) for _ in range(args.repeat)]
        del chutes, v1, result

        export(chutes_path, v1_path)  # warm-up (imports, caches)
        parse_times, export_times = [], []
        for k in range(args.repeat):
            order = ((parse_times, parse), (export_times, export))
            for times, fn in order if k % 2 == 0 else order[::-1]:
                times.append(timed(lambda fn=fn: fn(chutes_path, v1_path)))
        parse_peak = peak(lambda: parse(chutes_path, v1_path))
        export_peak = peak(lambda: export(chutes_path, v1_path))

    p, e = statistics.median(parse_times), statistics.median(export_times)
    ratio = e / p
    for label, median, runs in (("parse ", p, parse_times), ("export", e, export_times)):
        listed = ", ".join(f"{t * 1000:.0f}" for t in runs)
        print(f"{label} median {median * 1000:8.1f} ms  (runs, ms: {listed})")
    print(f"merge_catalogs alone median {statistics.median(merge_only) * 1000:.1f} ms")
    print(
        f"memory peak: parse {parse_peak / 1e6:.1f} MB, export {export_peak / 1e6:.1f} MB, "
        f"ratio {export_peak / parse_peak:.2f}"
    )
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"ratio export/parse = {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
