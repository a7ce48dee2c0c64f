"""Files in and text out for the history: `import-snapshots` backfill and the `changes` text format.

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
from typing import TYPE_CHECKING, Any

from ..errors import PayloadError
from ..schema import SOURCES
from ..sources.cache import unwrap
from .state import HistoryError, to_utc

if TYPE_CHECKING:  # history imports this module at runtime
    from .store import HistoryStore

_TIME_FIELDS = ("_captured_at", "fetched_at")
_NAME_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T_ ](\d{2})[:-]?(\d{2})(?:[:-]?(\d{2}))?)?")
_LABELS = {"added": "added", "removed": "removed", "price_changed": "price",
           "status_changed": "status", "context_changed": "context"}


def capture_time(obj: Any, path: Path) -> tuple[datetime, str]:
    """(UTC capture time, which rule gave it: the field name, "filename" or "mtime")."""
    for holder in (obj, unwrap(obj)[0]):
        for field in _TIME_FIELDS:
            if isinstance(holder, dict) and holder.get(field) not in (None, ""):
                try:
                    return to_utc(holder[field]), field
                except HistoryError:
                    pass
    match = _NAME_TIME.search(path.name)
    if match:
        try:
            parts = [int(p) if p else 0 for p in match.groups()]
            return datetime(*parts, tzinfo=UTC), "filename"
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, UTC), "mtime"


def import_snapshots(store: HistoryStore, directory: Path | str, source: str, *,
                     origin: str = "import") -> dict:
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


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "hot" if value else "cold"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_changes_text(events: list[dict]) -> str:
    """One line per event, e.g. `2026-07-03  price    Qwen/Qwen3-32B-TEE  price_input_usd 0.104 → 0.08`.

    The source is shown (`[v1]`) only when the events come from more than one source; no events
    give an empty string."""
    if not events:
        return ""
    width = min(max(len(e.get("name") or "") for e in events), 60)
    mixed = len({e.get("source") for e in events}) > 1
    lines = []
    for e in events:
        head = f"{(e.get('at') or '')[:10]}  {_LABELS.get(e['kind'], e['kind']):<8}"
        head += f"[{e.get('source')}] " if mixed else ""
        line = f"{head}{(e.get('name') or '?'):<{width}}"
        if e["kind"] == "status_changed":
            line += f"  {_value(e.get('old'))} → {_value(e.get('new'))}"
        elif e.get("field"):
            line += f"  {e['field']} {_value(e.get('old'))} → {_value(e.get('new'))}"
        lines.append(line.rstrip())
    return "\n".join(lines)
