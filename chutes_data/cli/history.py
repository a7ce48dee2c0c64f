"""The history commands: changes, import-snapshots, history copy."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from ..errors import ChutesDataError
from ..values import to_utc
from .common import _settings, _write


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return to_utc(value)
    except ValueError:
        raise ChutesDataError(f"--since {value!r} is not an ISO date such as 2026-07-01") from None


def cmd_changes(args: argparse.Namespace) -> int:
    from ..history import format_changes_text, history_path, open_history
    from ..history.db import moved_aside_files, moved_aside_text

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
    from ..history import import_snapshots, open_history

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
        print(
            f"error: imported nothing: no *.json files in {directory} ({len(entries)} other entries)",
            file=sys.stderr,
        )
        return 1
    skipped = result["skipped"]
    reasons = list(dict.fromkeys(s["reason"] for s in skipped))
    other = next(s for s in ("chutes", "v1") if s != source)
    hint = ""
    if skipped and all(
        r.startswith(f"not a usable {source} response") or "capture, not" in r for r in reasons
    ):
        hint = f" Wrong --source? These do not look like {source} responses; try --source {other}."
    print(
        f"error: imported nothing from {result['files']} files in {directory}: "
        f"{reasons[0] if reasons else 'no usable capture'}"
        + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else "")
        + f".{hint}",
        file=sys.stderr,
    )
    return 1


def cmd_history(args: argparse.Namespace) -> int:
    """`history copy --to URL`: the SQLite history into PostgreSQL, then what was copied."""
    from ..history.copy import copy_history
    from ..history.engine import redact_url
    from ..history.store import DB_FILENAME

    settings = _settings(args)
    path = settings.cache_dir / DB_FILENAME  # the file, whatever CHUTES_DATABASE_URL says
    copied = copy_history(path, args.to)
    lines = [f"copied {path} into {redact_url(args.to)}:"]
    lines += [f"  {c.table}: {c.target_rows} rows" for c in copied]
    _write("\n".join(lines) + "\n", "-")
    return 0
