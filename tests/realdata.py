"""Where the real third-party captures are (`../shared/realdata`, beside the project, never copied
in), and markers that skip a test when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
V1_DAILY = REALDATA / "v1_models_daily"  # 73 daily GET /v1/models responses
V1_FILES = sorted(V1_DAILY.glob("*.json")) if V1_DAILY.is_dir() else []
CATALOG_MD = REALDATA / "chutes_catalog_2025-10-22.md"  # a 282-chute table from a real /chutes/

needs_v1 = pytest.mark.skipif(not V1_FILES, reason=f"real captures are not at {V1_DAILY}")
needs_catalog = pytest.mark.skipif(not CATALOG_MD.is_file(), reason=f"{CATALOG_MD} is absent")

# issue 19: the market sources (models.dev api.json extract, a real OpenRouter /api/v1/models)
MODELS_DEV_API = REALDATA / "models_dev" / "api.subset.json"
OPENROUTER_MODELS = REALDATA / "openrouter" / "models_2026-05.json"
needs_market = pytest.mark.skipif(
    not (MODELS_DEV_API.is_file() and OPENROUTER_MODELS.is_file() and V1_FILES),
    reason=f"market captures are not at {REALDATA}",
)
