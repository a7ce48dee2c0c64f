"""Shared AppTest helpers: the dashboard opened the way a browser would, and the "no error" check.

Pages run inside the router (dashboard.py), as in the app: a first run registers st.navigation's
pages, then `switch_page` opens one. Use with the `apptest_env` fixture (conftest.py).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def new_app(timeout: float = TIMEOUT, **query: str | list[str]) -> AppTest:
    """A fresh session of dashboard.py with `query` in its URL (not run yet)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def ok(at: AppTest) -> AppTest:
    """`at`, after asserting the run showed no exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_page(path: str | None = None, *, timeout: float = TIMEOUT, **query: str | list[str]) -> AppTest:
    """A fresh session opened with `query` in the URL, then switched to `path` (query params
    bound to the sidebar or to `path` survive the page change, as in a browser); without a
    path, the default page. No exception and no error box on either run."""
    at = ok(new_app(timeout, **query).run())
    if path is None:
        return at
    at.switch_page(path)
    return ok(at.run())
