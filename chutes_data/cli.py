"""`python -m chutes_data`: export, status, fetch, report, chute, changes, watch, import-snapshots.

Every failure the package foresees ends in one line on stderr and a non-zero exit, never a
traceback. Exit codes: 0 ok, 1 no data / failed, 2 bad usage (argparse).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from . import export
from .config import Settings, redact
from .errors import ChutesDataError, NoDataError
from .sources.client import ChutesClient
from .sources.loader import Catalog, cache_status, load_catalog, storage_warning
from .values import iso, to_utc


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh", action="store_true", help="ignore a fresh cache and refetch")
    parser.add_argument("--offline", action="store_true",
                        help="use only the bundled sample (no network), like CHUTES_OFFLINE=1")
    parser.add_argument("--chutes-file", type=Path, metavar="F",
                        help="a saved /chutes/ response body to use instead of fetching")
    parser.add_argument("--v1-file", type=Path, metavar="F",
                        help="a saved /v1/models response body to use instead of fetching")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chutes_data",
                                     description="Fetch, cache, merge and export the Chutes catalog.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log retries and cache events")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("export", help="the merged catalog as JSON or CSV")
    p.add_argument("--format", choices=("json", "csv"), default="json")
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
    p.add_argument("--once", action="store_true",
                   help="one refresh (and its webhook deliveries), then exit")
    p = sub.add_parser("probe", help="measure one model now: a short streamed chat completion "
                                     "with your key (billed; TTFT, tokens/s, total time)")
    p.add_argument("model", help="the exact model id, e.g. deepseek-ai/DeepSeek-V3.2-TEE")
    p.add_argument("--prompt", default=None, help="the user message to send (short)")
    p.add_argument("--max-tokens", type=int, default=None, metavar="N")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("import-snapshots", help="backfill history from saved raw responses")
    p.add_argument("directory", type=Path)
    p.add_argument("--source", choices=("chutes", "v1"), required=True)
    for command in sub.choices.values():  # `-v` after the command too (`fetch -v`)
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="log retries and cache events")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "offline", False):
        settings = settings.with_(offline=True)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return settings


def _catalog(args: argparse.Namespace, settings: Settings) -> Catalog:
    catalog = load_catalog(settings, refresh=args.refresh,
                           files={"chutes": args.chutes_file, "v1": args.v1_file},
                           require_data=True)
    for data in catalog.all_sources.values():
        if data.status.error:
            print(f"warning: {data.status.error}", file=sys.stderr)
    stored = storage_warning(settings, [d.storage for d in catalog.sources.values() if d.storage])
    if stored:
        print(f"warning: {stored}", file=sys.stderr)
    return catalog


def _write(text: str, output: str) -> None:
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    Path(output).expanduser().write_text(text, encoding="utf-8")


def cmd_export(args: argparse.Namespace) -> int:
    catalog = _catalog(args, _settings(args))
    if args.format == "csv":
        _write(export.to_csv(catalog.models), args.output)
    else:
        _write(export.to_json(export.document(catalog)) + "\n", args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    catalog = _catalog(args, _settings(args))
    doc = {"generated_at": iso(catalog.generated_at),
           "sources": {n: d.status.to_dict() for n, d in catalog.sources.items()},
           "merge_report": catalog.report.to_dict()}
    _write(export.to_json(doc) + "\n", "-")
    return 0


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def cmd_status(args: argparse.Namespace) -> int:
    from .sources.telemetry_loader import telemetry_cache_status

    settings = _settings(args)
    statuses = cache_status(settings)
    telemetry = telemetry_cache_status(settings)
    if args.format == "json":
        doc = {name: {**s.to_dict(), "age_seconds": s.age_seconds()}
               for name, s in {**statuses, **telemetry}.items()}
        _write(json.dumps(doc, indent=1) + "\n", "-")
        return 0
    print(f"cache: {settings.cache_dir}  (TTL {settings.cache_minutes:g} min)")
    for name, s in statuses.items():
        validity = "none" if s.origin == "none" else ("stale" if s.stale else "valid")
        print(f"{name:7} origin={s.origin:6} fetched_at={iso(s.fetched_at) or '-'} "
              f"age={_age(s.age_seconds())} {validity} count={s.count}")
        if s.error:
            print(f"{'':7} last error: {s.error}")
    print(f"telemetry (TTL {settings.telemetry_minutes:g} min; an extra: the catalog works without it)")
    for name, s in telemetry.items():
        validity = "none" if s.origin == "none" else ("stale" if s.stale else "valid")
        print(f"  {name:15} {s.origin:6} fetched_at={iso(s.fetched_at) or '-'} "
              f"age={_age(s.age_seconds())} {validity} count={s.count}")
        if s.error:
            print(f"  {'':15} last error: {s.error}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.offline:
        raise NoDataError("fetch: needs the network (CHUTES_OFFLINE is set)")
    catalog = load_catalog(settings, refresh=True)
    failed = 0
    for name, data in catalog.sources.items():
        s = data.status
        if s.origin == "live" and s.complete:
            print(f"{name}: fetched {s.count} at {iso(s.fetched_at)}")
        else:
            failed += 1
            kept = f"; kept the last good snapshot ({s.count})" if s.origin == "cache" else ""
            print(f"{name}: refresh failed: {s.error}{kept}", file=sys.stderr)
    for name, data in catalog.telemetry.items():  # telemetry is an extra: never the exit code
        s = data.status
        if s.origin == "live":
            print(f"{name}: fetched {s.count} at {iso(s.fetched_at)}")
        else:
            print(f"warning: {name}: refresh failed: {s.error}", file=sys.stderr)
    stored = storage_warning(settings, [d.storage for d in catalog.sources.values() if d.storage])
    if stored:  # fetched, but the cache (and history) did not keep it: `status` would show nothing
        print(f"error: {stored}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def cmd_chute(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.offline:
        raise NoDataError("chute: needs the network (CHUTES_OFFLINE is set)")
    with ChutesClient(settings) as client:
        _write(json.dumps(client.get_chute(args.chute), indent=1, ensure_ascii=False) + "\n", "-")
    return 0


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return to_utc(value)
    except ValueError:
        raise ChutesDataError(f"--since {value!r} is not an ISO date such as 2026-07-01") from None


def cmd_changes(args: argparse.Namespace) -> int:
    from .history import format_changes_text, history_path, open_history
    from .history.db import moved_aside_files, moved_aside_text

    settings = _settings(args)
    with open_history(settings) as store:
        events = store.changes(since=_since(args.since), source=args.source)
        just_now = store.moved_aside
    notice = moved_aside_text(history_path(settings), moved_aside_files(history_path(settings)))
    if just_now is not None:  # this very run found it corrupt: the changes asked for are gone
        raise ChutesDataError(notice or f"the history database was corrupt; moved aside to {just_now}")
    if notice:
        print(f"warning: {notice}", file=sys.stderr)
    if args.format == "json":
        _write(json.dumps(events, indent=1, ensure_ascii=False) + "\n", "-")
    else:
        _write((format_changes_text(events) or "no changes recorded") + "\n", "-")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .history import import_snapshots, open_history

    settings = _settings(args)
    if not args.directory.is_dir():
        raise ChutesDataError(f"import-snapshots: {args.directory} is not a directory")
    with open_history(settings) as store:
        result = import_snapshots(store, args.directory, args.source)
    _write(json.dumps(result, indent=1, default=str) + "\n", "-")
    return _import_verdict(args.directory, args.source, result)


def _import_verdict(directory: Path, source: str, result: dict) -> int:
    """0 when something was imported (or was already there); 1, with the reason on stderr, when a
    run imports nothing from a directory that has files (wrong --source, wrong folder)."""
    if result["imported"] or result["duplicates"]:
        return 0
    try:
        entries = [p for p in directory.iterdir() if not p.name.startswith(".")]
    except OSError:
        entries = []
    if not entries:
        print(f"warning: {directory} is empty: nothing to import", file=sys.stderr)
        return 0
    if not result["files"]:
        print(f"error: imported nothing: no *.json files in {directory} "
              f"({len(entries)} other entries)", file=sys.stderr)
        return 1
    skipped = result["skipped"]
    reasons = list(dict.fromkeys(s["reason"] for s in skipped))
    other = next(s for s in ("chutes", "v1") if s != source)
    hint = ""
    if skipped and all(r.startswith(f"not a usable {source} response") or "capture, not" in r
                       for r in reasons):
        hint = f" Wrong --source? These do not look like {source} responses; try --source {other}."
    print(f"error: imported nothing from {result['files']} files in {directory}: "
          f"{reasons[0] if reasons else 'no usable capture'}"
          + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else "")
          + f".{hint}", file=sys.stderr)
    return 1


def cmd_watch(args: argparse.Namespace) -> int:
    import asyncio

    from .service.watch import watch

    settings = _settings(args)
    if settings.offline:
        raise NoDataError("watch: needs the network (CHUTES_OFFLINE is set)")
    return asyncio.run(watch(settings, once=args.once))
def cmd_probe(args: argparse.Namespace) -> int:
    from .history.telemetry import record_probe
    from .probe import DEFAULT_MAX_TOKENS, DEFAULT_PROMPT, probe

    settings = _settings(args)
    if settings.offline:
        raise NoDataError("probe: needs the network (CHUTES_OFFLINE is set)")
    result = probe(settings, args.model, prompt=args.prompt or DEFAULT_PROMPT,
                   max_tokens=args.max_tokens or DEFAULT_MAX_TOKENS)
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

        print(f"{result.model}: {result.outcome}  ttft={num(result.ttft_s, 's')} "
              f"tps={num(result.tps, '')} total={num(result.total_s, 's')} "
              f"tokens={result.output_tokens if result.output_tokens is not None else '-'}")
        if not result.ok or result.message != "Measured.":
            print(result.message, file=sys.stderr if not result.ok else sys.stdout)
    return 0 if result.ok else 1


COMMANDS = {"export": cmd_export, "report": cmd_report, "status": cmd_status, "fetch": cmd_fetch,
            "chute": cmd_chute, "changes": cmd_changes, "import-snapshots": cmd_import,
            "watch": cmd_watch, "probe": cmd_probe}


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
    # an export of 10,000 chutes, measured). Restored on the way out (tests call main()).
    gc_was_enabled = gc.isenabled()
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
