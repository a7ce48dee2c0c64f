"""Chutes catalog data: fetch both APIs, cache them, merge them, export them.

A pure package (it never imports streamlit), shared by the dashboard and `python -m chutes_data`.
The usual entry point is `load_catalog(Settings.from_env())`.
"""

from .config import Settings
from .errors import (
    AuthError,
    ChutesDataError,
    ConfigError,
    FetchError,
    NetworkError,
    NoDataError,
    NotFoundError,
    PayloadError,
    UpstreamError,
)
from .sources.loader import load_catalog, load_source
from .sources.types import Catalog, SourceData, SourceStatus

__all__ = [
    "AuthError",
    "Catalog",
    "ChutesDataError",
    "ConfigError",
    "FetchError",
    "NetworkError",
    "NoDataError",
    "NotFoundError",
    "PayloadError",
    "Settings",
    "SourceData",
    "SourceStatus",
    "UpstreamError",
    "load_catalog",
    "load_source",
]
