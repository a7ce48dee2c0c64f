"""`run_async(coro)`: `asyncio.run` in a worker thread.

Playwright's sync API (the session's Chromium, tests/browser.py) keeps an event loop running in
the main thread once a browser test has run, and `asyncio.run` refuses to start inside a running
loop. Tests that drive async code therefore run it on a thread of its own, whatever ran before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 300) -> T:
    """The coroutine's result (or its exception), run by `asyncio.run` on a fresh thread."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=target, name="test-asyncio", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"the coroutine did not finish within {timeout:g}s")
    if "error" in out:
        raise out["error"]
    return out["value"]
