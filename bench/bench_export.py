"""Benchmark: `python -m chutes_data export` vs its floor, whole process, same run.

Product: `python -m chutes_data export --chutes-file F --v1-file G -o OUT` on a generated
catalog (default 10,000 chutes x 8,000 /v1/models entries, 800 of them without chute_id, 200 of
those renamed). Floor: a process that only does `json.load` + `pandas.json_normalize` of the same
two files. Runs alternate (F P P F ...); medians; ratio P/F (issue 12: <= 2.0, aim 1.5).

    python bench/bench_export.py [--chutes 10000] [--v1 8000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

MUST, AIM = 2.0, 1.5
FLOOR = """\
import json, sys
import pandas as pd
for path, key in ((sys.argv[1], "items"), (sys.argv[2], "data")):
    with open(path, encoding="utf-8") as f:
        pd.json_normalize(json.load(f)[key])
"""


def payload_files(directory: Path, n_chutes: int, n_v1: int) -> tuple[Path, Path]:
    """The issue's shape: 10% of v1 entries without chute_id, a quarter of those renamed."""
    from tools.synth import generate

    directory.mkdir(parents=True, exist_ok=True)
    chutes_path, v1_path = directory / "chutes.json", directory / "v1_models.json"
    without, renamed = n_v1 // 10, n_v1 // 40
    chutes, v1 = generate(n_chutes, n_v1, seed=12, v1_without_chute_id=without - renamed, v1_renamed=renamed)
    from tools.synth import write_payloads

    write_payloads(directory, chutes, v1)
    return chutes_path, v1_path


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, check=True, cwd=harness.ROOT, stdout=subprocess.DEVNULL, env=harness.dashboard_env(None)
    )
    return time.perf_counter() - started


def measure(n_chutes: int, n_v1: int, repeat: int, work: Path) -> dict:
    chutes, v1 = payload_files(work / "payloads", n_chutes, n_v1)
    floor_py = work / "floor.py"
    floor_py.write_text(FLOOR, encoding="utf-8")
    floor = [sys.executable, str(floor_py), str(chutes), str(v1)]
    product = [
        sys.executable,
        "-m",
        "chutes_data",
        "export",
        "--chutes-file",
        str(chutes),
        "--v1-file",
        str(v1),
        "-o",
        str(work / "export.json"),
    ]
    times: dict[str, list[float]] = {"floor": [], "product": []}
    timed(floor)  # warm the page cache and the bytecode
    timed(product)
    for i in range(repeat):
        for which in ("floor", "product") if i % 2 == 0 else ("product", "floor"):
            times[which].append(timed(floor if which == "floor" else product))
    f, p = harness.median(times["floor"]), harness.median(times["product"])
    return {
        "floor": f,
        "product": p,
        "ratio": p / f,
        "n": repeat,
        "bytes": (chutes.stat().st_size, v1.stat().st_size),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chutes", type=int, default=10_000)
    ap.add_argument("--v1", type=int, default=8_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        r = measure(args.chutes, args.v1, args.repeat, Path(tmp))
    harness.print_ratio(
        f"export, {args.chutes} chutes x {args.v1} v1 entries ({r['bytes'][0] / 1e6:.1f} + "
        f"{r['bytes'][1] / 1e6:.1f} MB), whole process, medians of {r['n']} alternated runs:",
        [
            ("floor (json.load + json_normalize)", f"{r['floor']:7.2f} s"),
            ("python -m chutes_data export", f"{r['product']:7.2f} s"),
        ],
        r["ratio"],
        MUST,
        AIM,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
