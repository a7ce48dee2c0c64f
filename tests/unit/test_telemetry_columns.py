"""Telemetry readers and column definitions against hand-computed cases (issue 11)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest
import telemetry_payloads as tp

from chutes_data.errors import PayloadError, UpstreamError
from chutes_data.merge.telemetry import (
    TELEMETRY_COLUMNS,
    daily_series,
    join_telemetry,
    telemetry_columns,
    window,
)
from chutes_data.sources import registry
from chutes_data.sources import telemetry as t

TODAY = date(2026, 8, 30)
D = [TODAY - timedelta(days=k) for k in range(20)]  # D[0] today, D[1] yesterday, ...


def cols(**bodies) -> pd.DataFrame:
    frames = {name: registry.frame(name, body) for name, body in bodies.items()}
    return telemetry_columns(frames, TODAY)


# ---------------------------------------------------------------------------- readers
def test_readers_accept_the_real_shapes():
    bodies = tp.default_bodies(TODAY)
    for name, body in bodies.items():
        frame = registry.frame(name, body)
        assert len(frame) > 0, name
        assert frame["chute_id"].notna().all()
    util = registry.frame("utilization", bodies["utilization"])
    assert str(util["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert util["timestamp"].iloc[0] == pd.Timestamp("2026-08-30T12:03:05.412871", tz="UTC")


@pytest.mark.parametrize("value", [0, 0.0, None, "0", -3, "fast", float("nan"), True])
def test_zero_or_junk_speed_means_unknown(value):
    frame = t.llm_stats_frame([tp.llm_row("a", D[1], tps=value, ttft=value)])
    assert frame["average_tps"].isna().all() and frame["average_ttft"].isna().all()
    assert t.diffusion_stats_frame([tp.diffusion_row("a", D[1], sps=value)])["average_sps"].isna().all()


def test_readers_tolerate_missing_and_odd_fields():
    rows = [
        {"chute_id": "a"},
        {"chute_id": "b", "date": "not a date"},
        {"name": "no id"},
        7,
        None,
        {"chute_id": "c", "date": "2026-08-29", "total_requests": "12", "average_tps": "33.5"},
    ]
    frame = t.llm_stats_frame(rows)
    assert frame["chute_id"].tolist() == ["c"]  # rows without a usable date or id are dropped
    assert frame["total_requests"].iloc[0] == 12 and frame["average_tps"].iloc[0] == 33.5
    util = t.utilization_frame([{"chute_id": "a", "timestamp": 5, "utilization_1h": "x", "scalable": "yes"}])
    assert util["timestamp"].isna().all() and util["utilization_1h"].isna().all()
    assert util["scalable"].isna().all()
    assert t.bounties_frame([]).empty and list(t.bounties_frame([]).columns) == list(t.BOUNTIES_COLUMNS)


@pytest.mark.parametrize("body", [{"detail": "x"}, "text", 42, None])
def test_unusable_envelope_is_a_payload_error(body):
    with pytest.raises(PayloadError):
        t.utilization_frame(body)


def test_a_wrapper_object_is_accepted():
    assert len(t.usage_frame({"items": [tp.usage_row("a", D[1])]})) == 1


def test_duplicate_day_rows_count_once_and_newest_utilization_row_wins():
    stats = t.llm_stats_frame([tp.llm_row("a", D[1], requests=5), tp.llm_row("a", D[1], requests=9)])
    assert stats["total_requests"].tolist() == [5]
    util = t.utilization_frame(
        [
            tp.utilization_row("a", util=0.1, timestamp="2026-08-30T10:00:00"),
            tp.utilization_row("a", util=0.9, timestamp="2026-08-30T12:00:00"),
        ]
    )
    assert util["utilization_1h"].tolist() == [0.9]


# ---------------------------------------------------------------------------- the window
def test_window_is_the_seven_complete_days_before_today():
    assert window(TODAY) == (pd.Timestamp("2026-08-23"), pd.Timestamp("2026-08-29"))
    assert window(TODAY, 1) == (pd.Timestamp("2026-08-16"), pd.Timestamp("2026-08-22"))


# ---------------------------------------------------------------------------- LLM stats
def test_tps_is_output_token_weighted_and_ttft_request_weighted():
    body = [
        tp.llm_row("a", D[1], requests=10, output=100, tps=40.0, ttft=2.0),
        tp.llm_row("a", D[2], requests=30, output=300, tps=20.0, ttft=1.0),
        tp.llm_row("a", D[3], requests=60, output=600, tps=0, ttft=0),
    ]  # unknown speed
    row = cols(llm_stats=body).loc["a"]
    assert row["tps_7d"] == pytest.approx((40 * 100 + 20 * 300) / 400)  # 25.0
    assert row["ttft_7d_s"] == pytest.approx((2 * 10 + 1 * 30) / 40)  # 1.25
    assert row["requests_7d"] == 100 and row["output_tokens_7d"] == 1000  # sums include day 3


def test_todays_partial_row_and_days_outside_the_window_are_ignored():
    body = [
        tp.llm_row("a", D[0], requests=1000, output=1, tps=900.0, ttft=50.0),
        tp.llm_row("a", D[1], requests=10, output=100, tps=30.0, ttft=1.0),
        tp.llm_row("a", D[8], requests=500, output=5000, tps=1.0, ttft=9.0),
    ]
    row = cols(llm_stats=body).loc["a"]
    assert row["tps_7d"] == 30.0 and row["ttft_7d_s"] == 1.0
    assert row["requests_7d"] == 10 and row["output_tokens_7d"] == 100


def test_no_known_speed_gives_null_not_zero():
    row = cols(llm_stats=[tp.llm_row("a", D[1], tps=0, ttft=None)]).loc["a"]
    assert math.isnan(row["tps_7d"]) and math.isnan(row["ttft_7d_s"])
    assert row["requests_7d"] == 100


def test_tps_with_no_output_token_weight_falls_back_to_the_plain_mean():
    body = [tp.llm_row("a", D[1], output=0, tps=10.0), tp.llm_row("a", D[2], output=0, tps=30.0)]
    assert cols(llm_stats=body).loc["a", "tps_7d"] == 20.0


def test_requests_trend_against_the_prior_week():
    body = [tp.llm_row("a", d, requests=30) for d in D[1:8]]  # 210 this week
    body += [tp.llm_row("a", d, requests=20) for d in D[8:15]]  # 140 the week before
    body += [tp.llm_row("b", d, requests=30) for d in D[1:8]]  # no prior week
    body += [tp.llm_row("c", d, requests=0) for d in D[8:15]]  # prior week with 0 requests
    out = cols(llm_stats=body)
    assert out.loc["a", "requests_trend"] == pytest.approx(210 / 140 - 1)  # +0.5
    assert math.isnan(out.loc["b", "requests_trend"])
    assert math.isnan(out.loc["c", "requests_trend"])
    assert out.loc["c", "requests_7d"] == 0  # listed on other days only: no traffic this week


def test_a_chute_only_in_the_prior_week_falls_to_minus_one():
    body = [tp.llm_row("a", d, requests=20) for d in D[8:15]]
    row = cols(llm_stats=body).loc["a"]
    assert row["requests_7d"] == 0 and row["requests_trend"] == -1.0 and math.isnan(row["tps_7d"])


def test_sps_and_usage():
    diff = [
        tp.diffusion_row("d", D[1], requests=10, sps=2.0),
        tp.diffusion_row("d", D[2], requests=30, sps=4.0),
        tp.diffusion_row("d", D[3], requests=50, sps=0),  # most diffusion rows are zeros
        tp.diffusion_row("d", D[0], requests=99, sps=99.0),
    ]
    usage = [
        tp.usage_row("d", D[0], usd=100.0),
        tp.usage_row("d", D[1], usd=1.5),
        tp.usage_row("d", D[7], usd=2.25),
        tp.usage_row("d", D[8], usd=100.0),
    ]
    row = cols(diffusion_stats=diff, usage=usage).loc["d"]
    assert row["sps_7d"] == pytest.approx((2 * 10 + 4 * 30) / 40)  # 3.5
    assert row["usage_usd_7d"] == pytest.approx(3.75)


# ---------------------------------------------------------------------------- capacity
@pytest.mark.parametrize(
    ("util", "ratio", "active", "state"),
    [
        (0.2, 0.0, 3, "ok"),
        (0.49, 0.029, 3, "ok"),
        (0.5, 0.0, 3, "busy"),
        (0.9, 0.03, 3, "throttling"),  # throttling outranks busy
        (0.1, 0.031, 3, "throttling"),
        (0.0, 0.5, 0, "cold"),  # no active instance outranks everything
    ],
)
def test_capacity_thresholds(util, ratio, active, state):
    out = cols(utilization=[tp.utilization_row("a", util=util, ratio=ratio, active=active)])
    assert out.loc["a", "capacity"] == state


def test_capacity_uses_5m_then_1h():
    row = tp.utilization_row("a", util=0.1, ratio=0.0, utilization_5m=None, utilization_1h=0.8)
    assert cols(utilization=[row]).loc["a", "capacity"] == "busy"
    row = tp.utilization_row("a", util=0.9, ratio=0.0, utilization_5m=0.1)
    assert cols(utilization=[row]).loc["a", "capacity"] == "ok"  # the freshest value decides


def test_capacity_unknown_without_utilization_and_cold_with_a_bounty():
    out = cols(llm_stats=[tp.llm_row("a", D[1])], bounties=[tp.bounty_row("b")])
    assert out.loc["a", "capacity"] == "unknown"
    assert out.loc["b", "capacity"] == "cold"
    assert bool(out.loc["b", "cold_start_bounty"]) and not bool(out.loc["a", "cold_start_bounty"])
    all_null = tp.utilization_row(
        "c", util=None, ratio=None, active=None, utilization_1h=None, rate_limit_ratio_1h=None
    )
    assert cols(utilization=[all_null]).loc["c", "capacity"] == "unknown"


def test_utilization_columns_and_membership():
    out = cols(
        utilization=[tp.utilization_row("a", util=0.61, ratio=0.02, active=15, target=16)],
        rolling_updates=[tp.rolling_row("a")],
    )
    row = out.loc["a"]
    assert row["utilization_1h"] == 0.61 and row["rate_limit_ratio_1h"] == 0.02
    assert row["instances_target"] == 16 and row["scale_allowance"] == 1
    assert row["telemetry_at"] == pd.Timestamp("2026-08-30T12:03:05.412871", tz="UTC")
    assert bool(row["rolling_update"]) is True
    assert pd.isna(row["cold_start_bounty"])  # the bounties list was not loaded: unknown


# ---------------------------------------------------------------------------- joining
def test_join_by_chute_id_keeps_rows_and_drops_strangers():
    bodies = tp.default_bodies(TODAY)
    out = telemetry_columns({n: registry.frame(n, b) for n, b in bodies.items()}, TODAY)
    ids = [tp.chute_id(0), tp.chute_id(1), tp.chute_id(2), None, "not-listed"]
    models = pd.DataFrame(
        {"chute_id": ids, "name": ["m0", "m1", "m2", "v1 only", "x"]}, index=[10, 11, 12, 13, 14]
    )
    joined = join_telemetry(models, out)
    assert list(joined.index) == [10, 11, 12, 13, 14] and len(joined) == 5
    assert list(joined.columns) == ["chute_id", "name", *TELEMETRY_COLUMNS]
    assert joined["name"].tolist() == ["m0", "m1", "m2", "v1 only", "x"]  # private names ignored
    assert joined["capacity"].tolist() == ["busy", "cold", "throttling", "unknown", "unknown"]
    assert joined.loc[10, "tps_7d"] == 40.0 and joined.loc[10, "requests_7d"] == 700
    assert joined.loc[10, "requests_trend"] == 0.0
    assert joined.loc[10, "usage_usd_7d"] == pytest.approx(7 * 1.25)
    assert math.isnan(joined.loc[12, "tps_7d"])  # zeros mean unknown
    assert joined.loc[11, "sps_7d"] == 2.0
    assert bool(joined.loc[12, "rolling_update"]) and bool(joined.loc[11, "cold_start_bounty"])
    assert pd.isna(joined.loc[13, "requests_7d"])


def test_join_without_telemetry_gives_na_columns():
    models = pd.DataFrame({"chute_id": ["a"], "name": ["m"]})
    joined = join_telemetry(models, None)
    assert joined["capacity"].tolist() == ["unknown"]
    assert joined["tps_7d"].isna().all() and joined["requests_7d"].isna().all()
    assert str(joined["requests_7d"].dtype) == "Int64"


def test_daily_series_is_the_last_30_complete_days():
    body = [tp.llm_row("a", d, requests=k) for k, d in enumerate(D)]  # D[0] today .. D[19]
    series = daily_series(t.llm_stats_frame(body), "a", TODAY, days=10)
    assert series["date"].tolist() == [pd.Timestamp(d) for d in reversed(D[1:11])]


# ---------------------------------------------------------------------------- fetch()
def test_fetch_asks_llm_stats_with_start_date_and_trims_when_ignored():
    calls = []
    old, new = tp.llm_row("a", "2025-02-01"), tp.llm_row("a", D[1])

    def get_json(source, path, params=None):
        calls.append((source, path, params))
        return [new, old]  # a server that ignores start_date sends everything

    rows = t.fetch(get_json, registry.SOURCES["llm_stats"], TODAY)
    assert calls == [("llm_stats", "/invocations/stats/llm", {"start_date": "2026-07-30"})]
    assert rows == [new]


def test_fetch_retries_without_start_date_when_rejected():
    calls = []

    def get_json(source, path, params=None):
        calls.append(params)
        if params:
            raise UpstreamError("422", source=source, status=422)
        return [tp.llm_row("a", D[1])]

    assert len(t.fetch(get_json, registry.SOURCES["llm_stats"], TODAY)) == 1
    assert calls == [{"start_date": "2026-07-30"}, None]


def test_fetch_other_sources_without_params():
    seen = []
    for name in registry.TELEMETRY_SOURCES:
        t.fetch(lambda s, p, params=None: seen.append((p, params)) or [], registry.SOURCES[name], TODAY)
    assert ("/chutes/utilization", None) in seen and ("/bounties/", None) in seen
    assert ("/chutes/rolling_updates", None) in seen
    assert all(not p.startswith("/chutes/utilization/") for p, _ in seen)
