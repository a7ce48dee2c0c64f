"""Issue 13 (a new user's chair) on the pages: labels, defaults, notes (AppTest on the sample)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)


def open_page(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def column_labels(at: AppTest, index: int = 0) -> dict[str, str]:
    config = json.loads(at.dataframe[index].proto.columns or "{}")
    return {k.removeprefix("col:name:") if isinstance(k, str) else k: v.get("label")
            for k, v in config.items() if isinstance(v, dict)}


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "subheader")
                     for e in at.get(kind))


# ---------------------------------------------------------------------------- invocations
def test_invocations_are_labelled_as_the_past_day():
    from chutes_data.schema import CHUTES_COLUMNS

    assert "past day" in CHUTES_COLUMNS["invocation_count"]
    assert "all-time" not in CHUTES_COLUMNS["invocation_count"].split(";")[0]
    at = open_page()
    assert column_labels(at)["invocations"] == "Invocations, past day"
    at = open_page("charts", charts_view="Popularity")
    body = texts(at)
    assert "past day" in body and "All-time" not in body and "all time" not in body.lower()
