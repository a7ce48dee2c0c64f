"""Backfill: `import-snapshots` of saved raw responses into the history.

Capture time of a saved response, in this order (the first that yields a time wins):
1. a `_captured_at` or `fetched_at` field of the JSON object (of our cache-file wrapper
   `{"source", "fetched_at", "payload"}` first, then of the payload itself); ISO text or unix seconds;
2. a `YYYY-MM-DD` date in the file name, optionally followed by a time `THH:MM[:SS]`
   (`T`, `_` or space before it; `:` or `-` or nothing between the parts), read as UTC;
3. the file's modification time.
A field that is present but not a time falls through to the next rule.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import HistoryError, PayloadError
from ..sources.cache import unwrap
from ..sources.registry import CATALOG_SOURCES as SOURCES
from ..values import parse_time
from .store import HistoryStore

_TIME_FIELDS = ("_captured_at", "fetched_at")
_NAME_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T_ ](\d{2})[:-]?(\d{2})(?:[:-]?(\d{2}))?)?")


def capture_time(obj: Any, path: Path) -> tuple[datetime, str]:
    """(UTC capture time, which rule gave it: the field name, "filename" or "mtime")."""
    for holder in (obj, unwrap(obj)[0]):
        for field in _TIME_FIELDS:
            stamp = parse_time(holder.get(field)) if isinstance(holder, dict) else None
            if stamp is not None:
                return stamp, field
    match = _NAME_TIME.search(path.name)
    if match:
        try:
            y, mo, d, h, mi, s = (int(p) if p else 0 for p in match.groups())
            return datetime(y, mo, d, h, mi, s, tzinfo=UTC), "filename"
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, UTC), "mtime"


def import_snapshots(
    store: HistoryStore, directory: Path | str, source: str, *, origin: str = "import"
) -> dict:
    """Backfill history from saved raw responses, one JSON file per capture (`*.json`, not recursive).

    Returns `{"files": n, "imported": new snapshots, "duplicates": captures whose state was already
    recorded at that time, "skipped": [{"file", "reason"}]}`. A file that cannot be read, is not
    JSON, is a wrapper of another source, is not a `source` response, or lists no models (an empty
    catalog is taken as a failed capture) is skipped with its reason, never an exception.
    Importing the same directory again adds nothing. Order of files does not matter.
    """
    if source not in SOURCES:
        raise HistoryError(f"unknown source {source!r}; expected one of {SOURCES}")
    folder = Path(directory)
    if not folder.is_dir():
        raise HistoryError(f"not a directory: {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".json")
    report: dict[str, Any] = {"files": len(files), "imported": 0, "duplicates": 0, "skipped": []}
    for path in files:
        reason = None
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            payload, wrapped_source = unwrap(obj)
            if wrapped_source is not None and wrapped_source != source:
                reason = f"a {wrapped_source!r} capture, not {source!r}"
            else:
                when, _ = capture_time(obj, path)
                stored = store.record(source, payload, when, origin=origin, allow_empty=False)
                report["imported" if stored else "duplicates"] += 1
        except OSError as exc:
            reason = f"unreadable: {exc.strerror or exc}"
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            reason = f"not valid JSON: {exc}"
        except PayloadError as exc:
            reason = f"not a usable {source} response: {exc}"
        if reason:
            report["skipped"].append({"file": path.name, "reason": reason})
    return report
