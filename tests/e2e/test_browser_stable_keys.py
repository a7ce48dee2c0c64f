"""Links hold stable keys, in a real browser on the bundled sample: a link made with an old
label (`sort=Cheapest+input`, `calc_preset=RAG`) opens the same view, its URL turns into the key
(`sort=price_in`, `calc_preset=rag`), nothing is reported as ignored, and the key link opens the
same view in a new browser."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import load, main_text

pytestmark = pytest.mark.browser


def _wait_value(page, key: str, value: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if parse_qs(urlsplit(page.url).query).get(key) == [value]:
            return
        page.wait_for_timeout(150)
    raise AssertionError(f"{key}={value} never reached the URL: {page.url}")


def _fresh(context, url: str):
    other = context.browser.new_context(viewport={"width": 1400, "height": 1000})
    page = other.new_page()
    assert not load(page, url)
    return other, page


@pytest.fixture
def context(chromium_browser):
    ctx = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


def test_an_old_sort_label_link_becomes_the_sort_key(context, sample_server):
    page = context.new_page()
    assert not load(page, f"{sample_server.url}/?sort=Largest+context&feature=tools")
    _wait_value(page, "sort", "context")
    text = main_text(page)
    assert "Sorted by Largest context" in text and "Ignored from the link" not in text, text[:2000]
    assert parse_qs(urlsplit(page.url).query)["feature"] == ["tools"]
    other, fresh = _fresh(context, page.url)
    try:
        assert "Sorted by Largest context" in main_text(fresh)
    finally:
        other.close()


def test_an_old_preset_label_link_becomes_the_preset_key(context, sample_server):
    page = context.new_page()
    assert not load(page, f"{sample_server.url}/calculator?calc_preset=RAG")
    _wait_value(page, "calc_preset", "rag")
    field = page.locator('input[aria-label="Input tokens per request"]').first
    assert float(field.input_value().replace(",", "")) == 8000
    assert "Ignored from the link" not in main_text(page)
    other, fresh = _fresh(context, page.url)
    try:
        value = fresh.locator('input[aria-label="Input tokens per request"]').first.input_value()
        assert float(value.replace(",", "")) == 8000
    finally:
        other.close()
