"""The live commands: watch (the refresher without the UI) and probe (measure a model now)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ChutesDataError, NoDataError
from .common import _settings, _write


def cmd_watch(args: argparse.Namespace) -> int:
    import asyncio

    from ..service.watch import watch

    settings = _settings(args)
    if settings.offline:
        raise NoDataError("watch: needs the network (CHUTES_OFFLINE is set)")
    return asyncio.run(watch(settings, once=args.once))


def cmd_probe(args: argparse.Namespace) -> int:
    from ..history.telemetry import record_probe
    from ..probe import DEFAULT_MAX_TOKENS, DEFAULT_PROMPT, probe

    settings = _settings(args)
    if settings.offline:
        raise NoDataError("probe: needs the network (CHUTES_OFFLINE is set)")
    result = probe(
        settings,
        args.model,
        prompt=args.prompt or DEFAULT_PROMPT,
        max_tokens=args.max_tokens or DEFAULT_MAX_TOKENS,
    )
    if result.outcome != "no_key":
        try:
            record_probe(settings, result)
        except ChutesDataError as exc:
            print(f"warning: could not keep the result in the history: {exc}", file=sys.stderr)
    if args.format == "json":
        _write(json.dumps(result.to_dict(), indent=1) + "\n", "-")
    else:

        def num(value: float | None, unit: str) -> str:
            return "-" if value is None else f"{value:.2f}{unit}"

        print(
            f"{result.model}: {result.outcome}  ttft={num(result.ttft_s, 's')} "
            f"tps={num(result.tps, '')} total={num(result.total_s, 's')} "
            f"tokens={result.output_tokens if result.output_tokens is not None else '-'}"
        )
        if not result.ok or result.message != "Measured.":
            print(result.message, file=sys.stderr if not result.ok else sys.stdout)
    return 0 if result.ok else 1
