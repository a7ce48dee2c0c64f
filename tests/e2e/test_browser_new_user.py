"""Issue 22's new-user items only a browser can see: no request leaves the machine (the icon
font and the favicon included), on every page of the bundled sample, desktop and phone width."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser import PAGES, StreamlitServer, load

pytestmark = pytest.mark.browser

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.mark.parametrize("width", [1400, 400])
def test_no_request_leaves_loopback(chromium_browser, sample_server: StreamlitServer, width: int):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    outside: list[str] = []

    def seen(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            outside.append(request.url)

    context.on("request", seen)
    # nothing answers outside (offline machine); fail fast instead of waiting for a timeout
    context.route(
        lambda url: (urlsplit(url).hostname or "127.0.0.1") not in LOOPBACK,
        lambda route: route.abort(),
    )
    page = context.new_page()
    try:
        for path in PAGES:
            assert load(page, f"{sample_server.url}/{path}") == [], path
            page.wait_for_timeout(500)  # a favicon or font is asked for after the first paint
        favicon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href || ''")
    finally:
        context.close()
    assert outside == []  # e.g. fonts.gstatic.com for a :material/…: favicon
    assert favicon.startswith("data:image/svg+xml")  # the emoji favicon, drawn inline
