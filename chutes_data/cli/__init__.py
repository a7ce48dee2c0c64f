"""`python -m chutes_data`: export, status, fetch, report, chute, changes, import-snapshots, watch,
probe, routing. The parser and `main` are here; the commands in catalog, history and live.

Every failure the package foresees ends in one line on stderr and a non-zero exit, never a
traceback. Exit codes: 0 ok, 1 no data / failed, 2 bad usage (argparse).
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..config import Settings
from ..errors import ChutesDataError
from ..urls import redact
from .catalog import cmd_chute, cmd_export, cmd_fetch, cmd_report, cmd_status
from .history import cmd_changes, cmd_history, cmd_import
from .live import cmd_probe, cmd_watch
from .routing import add_parser as add_routing_parser
from .routing import cmd_routing


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh", action="store_true", help="ignore a fresh cache and refetch")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use only the bundled sample (no network), like CHUTES_OFFLINE=1",
    )
    parser.add_argument(
        "--chutes-file",
        type=Path,
        metavar="F",
        help="a saved /chutes/ response body to use instead of fetching",
    )
    parser.add_argument(
        "--v1-file",
        type=Path,
        metavar="F",
        help="a saved /v1/models response body to use instead of fetching",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chutes_data", description="Fetch, cache, merge and export the Chutes catalog."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log retries and cache events")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("export", help="the merged catalog as JSON, CSV or a Markdown table (md)")
    p.add_argument("--format", choices=("json", "csv", "md"), default="json")
    p.add_argument("--output", "-o", default="-", metavar="PATH", help="file to write, or - (stdout)")
    _data_options(p)

    p = sub.add_parser("report", help="the merge report as JSON")
    _data_options(p)

    p = sub.add_parser("status", help="per source: origin, fetched_at, age, stale, count, last error")
    p.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("fetch", help="refresh the cache of both sources now")

    p = sub.add_parser("chute", help="one chute from GET /chutes/{id or name}, as JSON")
    p.add_argument("chute", help="chute_id or name")

    p = sub.add_parser("changes", help="what changed between stored snapshots")
    p.add_argument("--since", metavar="DATE", help="ISO date or time (UTC), e.g. 2026-07-01")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--source", choices=("chutes", "v1"))

    p = sub.add_parser("watch", help="refresh in the background and send change webhooks, no UI")
    p.add_argument("--once", action="store_true", help="one refresh (and its webhook deliveries), then exit")
    p = sub.add_parser(
        "probe",
        help="measure one model now: a short streamed chat completion "
        "with your key (billed; TTFT, tokens/s, total time)",
    )
    p.add_argument("model", help="the exact model id, e.g. deepseek-ai/DeepSeek-V3.2-TEE")
    p.add_argument("--prompt", default=None, help="the user message to send (short)")
    p.add_argument("--max-tokens", type=int, default=None, metavar="N")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("import-snapshots", help="backfill history from saved raw responses")
    p.add_argument("directory", type=Path)
    p.add_argument("--source", choices=("chutes", "v1"), required=True)
    add_routing_parser(sub, _data_options)

    p = sub.add_parser("history", help="the history database: copy it into PostgreSQL")
    history = p.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    p = history.add_parser("copy", help="copy the SQLite history (cache/history.sqlite) into PostgreSQL")
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://user:password@host:5432/db")
    for command in sub.choices.values():  # `-v` after the command too (`fetch -v`)
        command.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="log retries and cache events",
        )
    return parser


COMMANDS = {
    "export": cmd_export,
    "report": cmd_report,
    "status": cmd_status,
    "fetch": cmd_fetch,
    "chute": cmd_chute,
    "changes": cmd_changes,
    "import-snapshots": cmd_import,
    "watch": cmd_watch,
    "probe": cmd_probe,
    "routing": cmd_routing,
    "history": cmd_history,
}


@contextmanager
def _logging_to_stderr(verbose: bool) -> Iterator[None]:
    """Our log lines (and httpx's requests) on stderr for this run: INFO with -v, else errors
    only. The root logger is left alone, so `main()` also runs in-process (tests, `watch`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("chutes_data", "httpx")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO if verbose else logging.ERROR)
        lg.propagate = False
    try:
        yield
    finally:
        for lg, (level, propagate) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A one-shot command: reference counting frees what it drops, and the cyclic collector would
    # only re-walk every object of the parsed payloads on each of its passes (about a third of
    # an export of 10,000 chutes, measured). Not for `watch`, which runs for days. Restored on
    # the way out (tests call main()).
    gc_was_enabled = gc.isenabled()
    if args.command != "watch":
        gc.disable()
    try:
        with _logging_to_stderr(args.verbose):
            return _run(args)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except ChutesDataError as exc:
        key = Settings.from_env().api_key
        print(f"error: {redact(str(exc), key)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... export | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
