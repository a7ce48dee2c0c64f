"""The app's pages, defined once: every `st.Page`, every `st.page_link` target and every page URL.

A page's url_path is its file stem (`pages/model_detail.py` -> `/model_detail`), so a link in a
table, a deep link after a restart and the navigation all name a page the same way. The Models
page is the default page, served at `/`; `/models` is a hidden page that runs the same script.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlencode

import streamlit as st

MODELS = "pages/models.py"
CHARTS = "pages/charts.py"
COMPARE = "pages/compare.py"
CALCULATOR = "pages/calculator.py"
MODEL_DETAIL = "pages/model_detail.py"
CHANGES = "pages/changes.py"
MERGE_GAPS = "pages/merge_gaps.py"
DATA_SOURCES = "pages/data_sources.py"

# section -> (script, title, material icon); the first page is the default.
SECTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Explore": (
        (MODELS, "Models", "table_view"),
        (CHARTS, "Charts", "monitoring"),
        (COMPARE, "Compare", "compare_arrows"),
        (CALCULATOR, "Calculator", "calculate"),
        (MODEL_DETAIL, "Model detail", "info"),
    ),
    "Data": (
        (CHANGES, "Changes", "history"),
        (MERGE_GAPS, "Merge gaps", "join"),
        (DATA_SOURCES, "Data sources", "database"),
    ),
}


# The pages the sidebar's filters apply to; the others get only the currency toggle.
FILTERED = (MODELS, CHARTS, CALCULATOR)


def shows_filters(page: object) -> bool:
    """Whether the sidebar filters apply on this `st.navigation` page (by its url_path)."""
    path = getattr(page, "url_path", "") or url_path(MODELS)  # the default page may have ""
    return path in {url_path(p) for p in FILTERED}


def is_models(page: object) -> bool:
    """Whether this `st.navigation` page is the Models page (served at `/` and `/models`)."""
    return (getattr(page, "url_path", "") or DEFAULT_PAGE_KEY) in (DEFAULT_PAGE_KEY, MODELS_ALIAS)


def url_path(page: str) -> str:
    """The URL path of a page script (its file stem)."""
    return PurePosixPath(page).stem


def page_url(page: str, **params: str) -> str:
    """A relative link to a page with query parameters (for LinkColumn cells)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return url_path(page) + (f"?{query}" if query else "")


# The default page is served at `/`, but Streamlit still reserves its url_path (and hashes the
# page by it): the Models page gets an internal one, and `/models` is a hidden page running the
# same script (no redirect: a redirect is a whole extra script run before the first table).
DEFAULT_PAGE_KEY = "home"
MODELS_ALIAS = "models"


def navigation():
    """`st.navigation` over every page, in the top bar (st.Page needs a script run: built per run)."""
    pages = {
        section: [
            st.Page(
                script,
                title=title,
                icon=f":material/{icon}:",
                default=script == MODELS,
                url_path=DEFAULT_PAGE_KEY if script == MODELS else url_path(script),
            )
            for script, title, icon in entries
        ]
        for section, entries in SECTIONS.items()
    }
    pages["Explore"].append(st.Page(MODELS, title="Models", url_path=MODELS_ALIAS, visibility="hidden"))
    return st.navigation(pages, position="top")
