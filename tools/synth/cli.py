"""`python -m tools.synth`: write a synthetic catalog (defaults: the bundled sample)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from chutes_data.sources.registry import SAMPLE_FILES

from .catalog import SAMPLE_KWARGS, generate
from .hostile import hostile
from .records import dump_json
from .telemetry import generate_telemetry, write_telemetry


# ---------------------------------------------------------------------------- CLI
def write_payloads(out: Path, chutes_payload: dict, v1_payload: dict) -> list[Path]:
    """Write `chutes.json` and `v1_models.json` into `out` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / SAMPLE_FILES["chutes"], out / SAMPLE_FILES["v1"]]
    for path, payload in zip(paths, (chutes_payload, v1_payload), strict=True):
        path.write_text(dump_json(payload), encoding="utf-8")
    return paths


def _parse_now(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    d = SAMPLE_KWARGS
    parser = argparse.ArgumentParser(
        prog="python -m tools.synth",
        description="Write a synthetic /chutes/ + /v1/models catalog (defaults: the bundled sample).",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--chutes", type=int, default=d["n_chutes"], help="number of chutes")
    parser.add_argument("--v1", type=int, default=d["n_v1"], help="number of /v1/models entries")
    parser.add_argument("--seed", type=int, default=d["seed"])
    parser.add_argument("--v1-without-chute-id", type=int, default=d["v1_without_chute_id"])
    parser.add_argument("--v1-renamed", type=int, default=d["v1_renamed"])
    parser.add_argument("--v1-only", type=int, default=d["v1_only"])
    parser.add_argument("--price-conflicts", type=int, default=d["price_conflicts"])
    parser.add_argument("--impostors", type=int, default=d["impostors"])
    parser.add_argument(
        "--now", type=_parse_now, default=d["now"], help="snapshot time, ISO 8601 (default %(default)s)"
    )
    parser.add_argument(
        "--hostile", action="store_true", help="inject hostile strings into the first 20 chutes"
    )
    args = parser.parse_args(argv)
    try:
        chutes_payload, v1_payload = generate(
            args.chutes,
            args.v1,
            seed=args.seed,
            v1_without_chute_id=args.v1_without_chute_id,
            v1_renamed=args.v1_renamed,
            v1_only=args.v1_only,
            price_conflicts=args.price_conflicts,
            impostors=args.impostors,
            now=args.now,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if args.hostile:
        chutes_payload, v1_payload = hostile(chutes_payload, v1_payload)
    for path in write_payloads(args.out, chutes_payload, v1_payload):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    bodies = generate_telemetry(chutes_payload, seed=args.seed, now=args.now)  # issue 11
    for path in write_telemetry(args.out, bodies):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0
