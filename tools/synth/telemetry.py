"""Synthetic telemetry for a synthetic catalog: the six public routes' bodies (issue 11).

Invented numbers in the real shapes (shared reference chutes-telemetry.md §2): per chute a
`/chutes/utilization` row consistent with its instances, 31 complete days (+ a partial today) of
`/invocations/stats/llm` for LLM chutes, `/invocations/stats/diffusion` for image chutes, 11
days of `/invocations/usage`, `/bounties/` for some cold chutes and a few `/chutes/rolling_updates`.
Realistic quirks on purpose: zeros meaning unknown, private names, a chute not in the catalog,
naive UTC timestamps. Deterministic: a pure function of the catalog, the seed and `now`.
Written beside the catalog sample as `telemetry_<source>.json` by `python -m tools.synth` (cli.py).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from chutes_data.sources.registry import SAMPLE_FILES

from .records import dump_json

STATS_DAYS = 31
USAGE_DAYS = 11
STRANGER = "00000000-5a5a-5000-8000-00000000feed"  # stats for a chute the catalog does not list


def _active(item: dict) -> int:
    return sum(1 for i in item.get("instances") or [] if isinstance(i, dict) and i.get("active"))


def _private(item: dict, label: str) -> str:
    owner = (item.get("user") or {}).get("username")
    return item["name"] if owner == "chutes" else label


def generate_telemetry(chutes_payload: dict, *, seed: int = 7, now: datetime) -> dict[str, list]:
    """The six bodies for `chutes_payload`'s chutes, as of `now` (UTC)."""
    rng = random.Random(f"telemetry-{seed}")
    today = now.date()
    stamp = (now - timedelta(minutes=7)).replace(tzinfo=None).isoformat()  # naive, like the server
    items = [i for i in chutes_payload.get("items", []) if isinstance(i, dict) and i.get("chute_id")]
    out: dict[str, list] = {
        k: [] for k in ("utilization", "llm_stats", "diffusion_stats", "usage", "bounties", "rolling_updates")
    }
    for rank, item in enumerate(items):
        cid, template, active = item["chute_id"], item.get("standard_template"), _active(item)
        demand = max(1.0, float(item.get("invocation_count") or 1)) / 500.0
        if active or rng.random() < 0.4:
            util = 0.0 if not active else min(1.05, rng.betavariate(2, 3) * (1.6 if rank < 15 else 1))
            ratio = 0.0 if util < 0.6 else round(rng.choice((0.0, 0.01, 0.02, 0.04, 0.08)), 3)
            requests = round(demand * rng.uniform(0.5, 1.5), 1) if active else 0.0
            limited = round(requests * ratio, 1)
            target = max(active + rng.choice((-1, 0, 0, 1, 2)), 1 if active else rng.choice((0, 1, 2)))
            out["utilization"].append(
                {
                    "chute_id": cid,
                    "name": _private(item, "[private chute]"),
                    "timestamp": stamp,
                    "utilization_current": round(util, 3),
                    "utilization_5m": round(util, 3),
                    "utilization_15m": round(util * rng.uniform(0.9, 1.1), 3),
                    "utilization_1h": round(util * rng.uniform(0.85, 1.05), 3),
                    "rate_limit_ratio_5m": ratio,
                    "rate_limit_ratio_15m": ratio,
                    "rate_limit_ratio_1h": round(ratio * rng.uniform(0.6, 1.0), 4),
                    "total_requests_5m": round(requests / 12, 1),
                    "total_requests_15m": round(requests / 4, 1),
                    "total_requests_1h": requests,
                    "completed_requests_5m": round((requests - limited) / 12, 1),
                    "completed_requests_15m": round((requests - limited) / 4, 1),
                    "completed_requests_1h": round(requests - limited, 1),
                    "rate_limited_requests_5m": round(limited / 12, 1),
                    "rate_limited_requests_15m": round(limited / 4, 1),
                    "rate_limited_requests_1h": limited,
                    "instance_count": active,
                    "action_taken": "scale_up_candidate" if util >= 0.5 else "no_action",
                    "target_count": target,
                    "effective_multiplier": round(rng.uniform(1, 4), 3),
                    "total_instance_count": len(item.get("instances") or []),
                    "active_instance_count": active,
                    "scalable": active < target,
                    "scale_allowance": max(0, target - active),
                    "avg_busy_ratio": round(util, 3),
                    "total_invocations": requests,
                    "total_rate_limit_errors": limited,
                }
            )
            if not active and rng.random() < 0.5:
                age = rng.randint(30, 3000)
                out["bounties"].append(
                    {
                        "chute_id": cid,
                        "bounty_amount": min(3 * age + 100, 86400),
                        "seconds_elapsed": age,
                        "time_remaining": 86400 - age,
                        "created_at": round(now.timestamp() - age, 3),
                    }
                )
        if template == "vllm" and (active or rng.random() < 0.5):
            _llm_days(rng, out["llm_stats"], cid, _private(item, "[private]"), today, demand, active)
        elif template == "diffusion" and (active or rng.random() < 0.5):
            _diffusion_days(rng, out["diffusion_stats"], cid, _private(item, "[private]"), today)
        if active:
            for k in range(USAGE_DAYS):
                day = today - timedelta(days=k)
                share = 0.3 if k == USAGE_DAYS - 1 else 1.0  # the window's first day is partial
                count = int(demand * 24 * rng.uniform(0.6, 1.4) * share)
                out["usage"].append(
                    {
                        "chute_id": cid,
                        "date": day.isoformat(),
                        "usd_amount": round(count * rng.uniform(0.0005, 0.004), 4),
                        "invocation_count": count,
                    }
                )
    for item in rng.sample(items, min(3, len(items))):
        out["rolling_updates"].append(
            {
                "chute_id": item["chute_id"],
                "old_version": f"{rng.getrandbits(32):08x}",
                "new_version": f"{rng.getrandbits(32):08x}",
                "started_at": (now - timedelta(minutes=rng.randint(2, 50))).replace(tzinfo=None).isoformat(),
                "permitted": {f"5F{rng.getrandbits(40):010x}": rng.randint(1, 4)},
            }
        )
    _llm_days(rng, out["llm_stats"], STRANGER, "[private]", today, 5.0, 1)
    out["llm_stats"].sort(
        key=lambda r: (r["date"], r["total_input_tokens"] + r["total_output_tokens"]), reverse=True
    )
    out["diffusion_stats"].sort(key=lambda r: (r["date"], r["name"]), reverse=True)
    out["usage"].sort(key=lambda r: (r["date"], r["usd_amount"]), reverse=True)
    return out


def _llm_days(rng: random.Random, rows: list, cid: str, name: str, today, demand: float, active: int) -> None:
    tps = rng.uniform(12, 160)
    ttft = rng.uniform(0.25, 4.5)
    growth = rng.uniform(-0.04, 0.05)  # per day: some trend up, some down
    for k in range(STATS_DAYS + 1):
        day = today - timedelta(days=k)
        partial = 0.4 if k == 0 else 1.0
        requests = int(demand * 24 * (1 + growth) ** (-k) * rng.uniform(0.7, 1.3) * partial)
        if requests <= 0 and not active:
            continue
        out_tokens = int(requests * rng.uniform(150, 900))
        unknown = rng.random() < 0.06  # a day without speed metrics: 0 means unknown
        rows.append(
            {
                "chute_id": cid,
                "name": name,
                "date": day.isoformat(),
                "total_requests": requests,
                "total_input_tokens": int(requests * rng.uniform(800, 6000)),
                "total_output_tokens": out_tokens,
                "average_tps": 0 if unknown else round(tps * rng.uniform(0.85, 1.15), 3),
                "average_ttft": 0 if unknown else round(ttft * rng.uniform(0.8, 1.25), 4),
            }
        )


def _diffusion_days(rng: random.Random, rows: list, cid: str, name: str, today) -> None:
    sps = rng.uniform(1.5, 9)
    for k in range(15):
        day = today - timedelta(days=k)
        requests = rng.choice((0, 0, rng.randint(1, 400)))  # the server cross-joins: many zeros
        rows.append(
            {
                "chute_id": cid,
                "name": name,
                "date": day.isoformat(),
                "total_steps": requests * 30,
                "total_requests": requests,
                "average_sps": round(sps * rng.uniform(0.8, 1.2), 3) if requests else 0,
            }
        )


def write_telemetry(out: Path, bodies: dict[str, list]) -> list[Path]:
    paths = []
    for name, body in bodies.items():
        path = out / SAMPLE_FILES[name]
        path.write_text(dump_json(body), encoding="utf-8")
        paths.append(path)
    return paths
