"""Scatter charts stay drawable at 10,000 chutes (issue 12): WebGL beyond a threshold."""

from __future__ import annotations

import pandas as pd

from ui import figures


def _points(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"m{i}" for i in range(n)],
            "chute_id": [f"c{i}" for i in range(n)],
            "owner": ["o"] * n,
            "template": ["vllm", "diffusion"] * (n // 2),
            "price_input": [0.1 + i for i in range(n)],
            "price_output": [0.2 + i for i in range(n)],
            "context": [131_072] * n,
        }
    )


def test_small_scatters_stay_svg_large_ones_use_webgl_with_every_point():
    small = figures.price_scatter(_points(200), "usd")
    assert {t.type for t in small.data} == {"scatter"}
    n = figures.WEBGL_POINTS + 2
    large = figures.price_scatter(_points(n), "usd")
    assert {t.type for t in large.data} == {"scattergl"}
    assert sum(len(t.x) for t in large.data) == n  # nothing dropped
    first = large.data[0]
    assert list(first.customdata[0][:2]) == ["m0", "c0"]  # name, chute_id (for selection)
