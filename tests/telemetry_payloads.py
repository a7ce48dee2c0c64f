"""Builders of the six telemetry routes' bodies, in their real shapes (shared reference
`chutes-telemetry.md` §2: A1 field names and key order, bare JSON arrays, naive UTC timestamps).
Values are invented; `payloads.chute_item(i)` ids are used so rows join the default catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import payloads

TODAY = date(2026, 8, 30)


def chute_id(i: int) -> str:
    return payloads.chute_item(i)["chute_id"]


def utilization_row(
    cid: str,
    *,
    name: str = "[private chute]",
    util: float = 0.2,
    ratio: float = 0.0,
    active: int = 3,
    target: int = 4,
    timestamp: str = "2026-08-30T12:03:05.412871",
    **extra: Any,
) -> dict:
    row = {
        "chute_id": cid,
        "name": name,
        "timestamp": timestamp,
        "utilization_current": util,
        "utilization_5m": util,
        "utilization_15m": util,
        "utilization_1h": util,
        "rate_limit_ratio_5m": ratio,
        "rate_limit_ratio_15m": ratio,
        "rate_limit_ratio_1h": ratio,
        "total_requests_5m": 100.5,
        "total_requests_15m": 300.2,
        "total_requests_1h": 1200.7,
        "completed_requests_5m": 100.5,
        "completed_requests_15m": 300.2,
        "completed_requests_1h": 1200.7,
        "rate_limited_requests_5m": 0.0,
        "rate_limited_requests_15m": 0.0,
        "rate_limited_requests_1h": 0.0,
        "instance_count": active,
        "action_taken": "no_action",
        "target_count": target,
        "effective_multiplier": 1.0,
        "total_instance_count": active,
        "active_instance_count": active,
        "scalable": None if active is None else active < target,
        "scale_allowance": None if active is None else max(0, target - active),
        "avg_busy_ratio": util,
        "total_invocations": 1200.7,
        "total_rate_limit_errors": 0.0,
    }
    row.update(extra)
    return row


def llm_row(
    cid: str,
    day: date | str,
    *,
    requests: int = 100,
    output: int = 10_000,
    tps: float | None = 40.0,
    ttft: float | None = 1.5,
    name: str = "[private]",
) -> dict:
    return {
        "chute_id": cid,
        "name": name,
        "date": str(day),
        "total_requests": requests,
        "total_input_tokens": requests * 500,
        "total_output_tokens": output,
        "average_tps": tps,
        "average_ttft": ttft,
    }


def diffusion_row(cid: str, day: date | str, *, requests: int = 10, sps: float = 2.0) -> dict:
    return {
        "chute_id": cid,
        "name": "[private]",
        "date": str(day),
        "total_steps": requests * 30,
        "total_requests": requests,
        "average_sps": sps,
    }


def usage_row(cid: str, day: date | str, *, usd: float = 1.25, count: int = 100) -> dict:
    return {"chute_id": cid, "date": str(day), "usd_amount": usd, "invocation_count": count}


def bounty_row(cid: str) -> dict:
    return {
        "chute_id": cid,
        "bounty_amount": 190,
        "seconds_elapsed": 30,
        "time_remaining": 86370,
        "created_at": 1788091385.5,
    }


def rolling_row(cid: str) -> dict:
    return {
        "chute_id": cid,
        "old_version": "a1b2",
        "new_version": "c3d4",
        "started_at": "2026-08-30T11:58:00.100000",
        "permitted": {"5F3sa2TJ": 2},
    }


def days_before(today: date, n: int) -> list[date]:
    """The n days before `today`, newest first."""
    return [today - timedelta(days=k) for k in range(1, n + 1)]


def default_bodies(today: date = TODAY) -> dict[str, list[dict]]:
    """Telemetry for the default 3-chute catalog: chute 0 busy with 14 days of stats, chute 1
    cold with a bounty, chute 2 throttling and mid roll-out; plus a chute not in the catalog."""
    c0, c1, c2, stranger = chute_id(0), chute_id(1), chute_id(2), "f" * 8 + "-0000-5000-8000-" + "f" * 12
    llm = [llm_row(c0, d, requests=100, output=10_000, tps=40.0, ttft=1.5) for d in days_before(today, 14)]
    llm += [llm_row(c0, today, requests=5, output=10, tps=999.0, ttft=99.0)]  # partial today
    llm += [llm_row(c2, d, requests=10, output=500, tps=0, ttft=0) for d in days_before(today, 7)]
    llm += [llm_row(stranger, d) for d in days_before(today, 7)]
    llm.sort(key=lambda r: r["date"], reverse=True)
    return {
        "utilization": [
            utilization_row(c0, util=0.7, ratio=0.01),
            utilization_row(c1, util=0.0, active=0, target=2),
            utilization_row(c2, util=0.3, ratio=0.05),
            utilization_row(stranger),
        ],
        "llm_stats": llm,
        "diffusion_stats": [diffusion_row(c1, d) for d in days_before(today, 7)],
        "usage": [usage_row(c0, d) for d in days_before(today, 10)],
        "bounties": [bounty_row(c1)],
        "rolling_updates": [rolling_row(c2)],
    }


PATHS = {
    "utilization": "/chutes/utilization",
    "llm_stats": "/invocations/stats/llm",
    "diffusion_stats": "/invocations/stats/diffusion",
    "usage": "/invocations/usage",
    "bounties": "/bounties/",
    "rolling_updates": "/chutes/rolling_updates",
}


def today_utc() -> date:
    return datetime.now(UTC).date()


def bodies_by_path(today: date | None = None) -> dict[str, list[dict]]:
    """`default_bodies` keyed by route path (for the fakes), relative to today (UTC)."""
    return {PATHS[name]: body for name, body in default_bodies(today or today_utc()).items()}
