"""The disk cache: one JSON file per source holding the last good complete payload.

`cache/<source>.json` = `{"source", "fetched_at", "complete": true, "payload"}`, written atomically
(temp file in the same folder, fsync, `os.replace`), so a crash mid-write leaves the old file.
Only complete, successful fetches are ever written: a failed or partial fetch cannot replace the
last good snapshot. The last failure is kept beside it in `<source>.error.json` for `status`.
A file that cannot be read or parsed is ignored with a warning (and refetched), never a crash.
Payloads come from the servers' responses, never from request headers, so no key is written;
payloads arrive scrubbed of an echoed key (`sources/client.py`). A file written before that scrub
may still hold an echo, so `read` scrubs too (with the `secret` the cache was opened with).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..textsafe import scrub_secret
from ..values import iso, parse_time

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedPayload:
    """A payload read back from disk, with when it was fetched."""

    source: str
    payload: Any
    fetched_at: datetime


@dataclass(frozen=True)
class LastError:
    """The last failed refresh of a source."""

    message: str
    at: datetime


def unwrap(obj: Any) -> tuple[Any, str | None]:
    """(payload, source) for one of our cache files; (obj, None) for a raw response body.

    The one place that recognises the wrapper `write` produces, for saved files fed back in.
    """
    if (
        isinstance(obj, dict)
        and isinstance(obj.get("payload"), (dict, list))
        and ("fetched_at" in obj or "source" in obj)
    ):
        return obj["payload"], obj.get("source") if isinstance(obj.get("source"), str) else None
    return obj, None


class DiskCache:
    """Last good payload per source, in `directory`."""

    def __init__(self, directory: Path | str, secret: str | None = None) -> None:
        self.directory = Path(directory)
        self._secret = secret  # the API key: scrubbed from what is read (see the module doc)
        self.write_problem: str | None = None  # why the last write() failed

    def path(self, source: str) -> Path:
        return self.directory / f"{source}.json"

    def _error_path(self, source: str) -> Path:
        return self.directory / f"{source}.error.json"

    def read(self, source: str) -> CachedPayload | None:
        """The cached payload, or None when absent, unreadable or malformed (with a warning)."""
        path = self.path(source)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache file %s is unreadable (%s); ignoring it", path, exc.strerror or exc)
            return None
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            log.warning("cache file %s is corrupt (not JSON); ignoring it and refetching", path)
            return None
        fetched_at = parse_time(doc.get("fetched_at")) if isinstance(doc, dict) else None
        if (
            fetched_at is None
            or doc.get("source") != source
            or doc.get("complete") is not True
            or "payload" not in doc
        ):
            log.warning("cache file %s has an unexpected shape; ignoring it and refetching", path)
            return None
        payload = scrub_secret(doc["payload"], self._secret)
        return CachedPayload(source=source, payload=payload, fetched_at=fetched_at)

    def write(self, source: str, payload: Any, fetched_at: datetime) -> bool:
        """Atomically replace the cached payload; False (with a warning) when the disk refuses,
        and then `write_problem` says why (`cannot write cache file PATH (Permission denied)`)."""
        doc = {"source": source, "fetched_at": iso(fetched_at), "complete": True, "payload": payload}
        self.write_problem = _write_problem(self.path(source), json.dumps(doc, ensure_ascii=False).encode())
        if self.write_problem is None:
            self.clear_error(source)
        return self.write_problem is None

    def probe(self) -> str | None:
        """Why a cache file cannot be written in this directory now (it is created when missing),
        or None when it can. Writes and removes a small probe file."""
        probe = self.directory / ".write-probe"
        problem = _write_problem(probe, b"probe")
        if problem is None:
            probe.unlink(missing_ok=True)
        return problem

    def read_error(self, source: str) -> LastError | None:
        try:
            doc = json.loads(self._error_path(source).read_bytes())
            at = parse_time(doc["at"])
            return LastError(scrub_secret(str(doc["message"]), self._secret), at) if at else None
        except (OSError, ValueError, UnicodeDecodeError, KeyError, TypeError):
            return None

    def write_error(self, source: str, message: str, at: datetime) -> None:
        doc = {"message": message, "at": iso(at)}
        _atomic_write(self._error_path(source), json.dumps(doc).encode())

    def clear_error(self, source: str) -> None:
        try:
            self._error_path(source).unlink(missing_ok=True)
        except OSError:
            pass


def _atomic_write(path: Path, data: bytes) -> bool:
    return _write_problem(path, data) is None


def _write_problem(path: Path, data: bytes) -> str | None:
    """Write `path` atomically; None when done, else why not (also logged as a warning)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        problem = f"cannot write cache file {path} ({exc.strerror or exc})"
        log.warning("%s", problem)
        return problem
    return None
