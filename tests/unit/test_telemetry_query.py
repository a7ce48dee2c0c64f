"""Speed filters, sorts and KPIs over the telemetry columns (chutes_data.query)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chutes_data.query import Filters, apply_filters, sort_models, telemetry_kpis


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["fast", "slow", "unknown", "cold", "throttled"],
            "tps_7d": [120.0, 20.0, np.nan, 60.0, 80.0],
            "ttft_7d_s": [0.4, 3.0, np.nan, 1.0, 0.8],
            "requests_trend": [0.1, -0.5, np.nan, 2.0, 0.0],
            "capacity": ["ok", "busy", "unknown", "cold", "throttling"],
        },
        index=[10, 11, 12, 13, 14],
    )


def names(df: pd.DataFrame) -> list[str]:
    return df["name"].tolist()


def test_min_tps_and_max_ttft_drop_unknown_speeds():
    models = frame()
    assert names(apply_telemetry(models, min_tps=50)) == ["fast", "cold", "throttled"]
    assert names(apply_telemetry(models, max_ttft=1.0)) == ["fast", "cold", "throttled"]
    assert names(apply_telemetry(models, min_tps=70, max_ttft=0.5)) == ["fast"]


def test_hide_throttling_and_cold():
    models = frame()
    assert names(apply_telemetry(models, hide_throttling=True)) == ["fast", "slow", "unknown", "cold"]
    assert names(apply_telemetry(models, hide_cold=True, hide_throttling=True)) == ["fast", "slow", "unknown"]


def apply_telemetry(models: pd.DataFrame, **kw) -> pd.DataFrame:
    return apply_filters_only(models, Filters(**kw))


def apply_filters_only(models: pd.DataFrame, f: Filters) -> pd.DataFrame:
    # apply_filters needs the catalog columns; give them neutral values
    full = models.assign(
        tagline=None,
        owner=None,
        v1_id=None,
        template="vllm",
        quantization=None,
        input_modalities=[[]] * len(models),
        output_modalities=[[]] * len(models),
        supported_features=[[]] * len(models),
        context_length=None,
        max_model_len=None,
        price_input_usd=None,
        price_output_usd=None,
        hot=True,
        tee=False,
        public=True,
        source="both",
    )
    return apply_filters(full, f)[models.columns]


def test_filters_count_as_active():
    assert Filters(min_tps=10).active_count() == 1
    assert Filters(hide_cold=True, max_ttft=2.0).active_count() == 2
    assert not Filters(min_tps=10).is_default()


def test_speed_sorts_put_unknown_last():
    models = frame()
    assert names(sort_models(models, "fastest")) == ["fast", "throttled", "cold", "slow", "unknown"]
    assert names(sort_models(models, "first_token")) == ["fast", "throttled", "cold", "slow", "unknown"]
    assert names(sort_models(models, "trending")) == ["cold", "fast", "throttled", "slow", "unknown"]


def test_sorts_and_filters_tolerate_a_frame_without_telemetry():
    plain = frame().drop(columns=["tps_7d", "ttft_7d_s", "requests_trend", "capacity"])
    assert names(sort_models(plain, "fastest")) == names(plain)


def test_telemetry_kpis():
    k = telemetry_kpis(frame())
    assert k == {"median_tps": 70.0, "median_ttft": 0.9, "with_speed": 4, "throttling": 1, "cold": 1}
    assert telemetry_kpis(frame().iloc[0:0])["median_tps"] is None
