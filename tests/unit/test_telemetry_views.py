"""views.speed: estimated time, chart points, daily lines, capacity words (hand-computed)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from chutes_data.views import speed


def test_estimated_seconds_is_ttft_plus_output_over_tps():
    models = pd.DataFrame({"tps_7d": [50.0, np.nan, 0.0, 20.0], "ttft_7d_s": [1.5, 1.0, 1.0, np.nan]})
    est = speed.estimated_seconds(models, 500)
    assert est.iloc[0] == 1.5 + 500 / 50  # 11.5 s
    assert est.iloc[1:].isna().all()  # unknown speed, zero speed, unknown ttft


def test_speed_points_need_a_price_and_a_speed():
    models = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "chute_id": ["1", "2", "3"],
            "owner": "o",
            "template": "vllm",
            "price_output_usd": [1.0, 0.0, 2.0],
            "tps_7d": [10.0, 20.0, np.nan],
            "requests_7d": [5, 6, 7],
        }
    )
    points = speed.speed_points(models, "tps_7d")
    assert points["name"].tolist() == ["a"] and points["value"].tolist() == [10.0]


def test_daily_lines_prefer_live_stats_and_fill_from_history():
    stats = pd.DataFrame(
        {
            "chute_id": ["c", "c", "x"],
            "date": pd.to_datetime(["2026-08-29", "2026-08-30", "2026-08-29"]),
            "total_requests": [10, 99, 1],
            "average_tps": [40.0, 1.0, 2.0],
            "average_ttft": [1.0, 9.0, 3.0],
        }
    )
    kept = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-08-28", "2026-08-29"]),
            "requests": [7, 1],
            "tps": [30.0, 1.0],
            "ttft_s": [np.nan, 5.0],
        }
    )
    lines = speed.daily_lines(stats, kept, "c", date(2026, 8, 30))
    assert lines["date"].dt.strftime("%m-%d").tolist() == ["08-28", "08-29"]  # today is partial
    assert lines["tps"].tolist() == [30.0, 40.0] and lines["requests"].tolist() == [7, 10]
    assert math.isnan(lines["ttft_s"].iloc[0])
    assert speed.daily_lines(None, None, "c", date(2026, 8, 30)).empty


def test_capacity_summary_and_counts():
    at = pd.Timestamp("2026-08-30T12:00:00", tz="UTC")
    row = pd.Series({"capacity": "throttling", "telemetry_at": at})
    cap = speed.capacity_summary(row, now=datetime(2026, 8, 30, 12, 30, tzinfo=UTC))
    assert cap["state"] == "throttling" and "429" in cap["text"] and cap["age"]
    assert speed.capacity_summary(pd.Series({"capacity": None}))["state"] == "unknown"
    counts = speed.capacity_counts(pd.DataFrame({"capacity": ["ok", "ok", "cold", None]}))
    assert dict(zip(counts["capacity"], counts["models"], strict=True)) == {
        "ok": 2,
        "busy": 0,
        "throttling": 0,
        "cold": 1,
        "unknown": 1,
    }


def test_speed_facts_text():
    facts = speed.speed_facts(
        pd.Series(
            {
                "tps_7d": 41.37,
                "ttft_7d_s": np.nan,
                "requests_7d": 1200,
                "requests_trend": 0.25,
                "capacity": "busy",
            }
        )
    )
    assert facts["Speed (tokens/s, 7 days)"] == "41.4" and facts["First token (s, 7 days)"] == "—"
    assert facts["Requests vs week before"] == "↑ 25%" and facts["Capacity now"] == "busy"
