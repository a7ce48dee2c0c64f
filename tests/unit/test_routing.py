"""The routing string (issue 20): the pick, its reasons, and validation as Chutes parses `model`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from realdata import V1_FILES, needs_v1

from chutes_data import routing
from chutes_data.merge import merge_catalogs
from chutes_data.routing import MAX_N, RoutingError, build, pick, validate
from chutes_data.sources import normalize


def frame(*rows: dict) -> pd.DataFrame:
    base = {
        "name": None,
        "v1_id": None,
        "chute_id": None,
        "hot": True,
        "capacity": "ok",
        "supported_features": ["tools"],
        "context_tokens": 131072,
        "price_input_usd": 1.0,
        "price_output_usd": 1.0,
        "tps_7d": None,
        "ttft_7d_s": None,
    }
    out = []
    for i, r in enumerate(rows):
        row = {**base, "chute_id": f"c{i}", **r}
        row.setdefault("name", row["v1_id"])
        out.append(row)
    return pd.DataFrame(out)


FIVE = frame(
    {"v1_id": "org/A", "price_input_usd": 0.1, "price_output_usd": 0.1, "tps_7d": 10.0, "ttft_7d_s": 3.0},
    {"v1_id": "org/B", "price_input_usd": 0.2, "price_output_usd": 0.2, "tps_7d": 50.0, "ttft_7d_s": 0.5},
    {"v1_id": "org/C", "price_input_usd": 0.3, "price_output_usd": 0.3, "tps_7d": 30.0, "ttft_7d_s": 1.0},
    {"v1_id": "org/D", "price_input_usd": 0.4, "price_output_usd": 0.4, "tps_7d": 90.0, "ttft_7d_s": 2.0},
    {"v1_id": "org/E", "price_input_usd": 0.5, "price_output_usd": 0.5},
)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("price", "org/A,org/B,org/C"),
        ("tps", "org/D,org/B,org/C"),
        ("ttft", "org/B,org/C,org/D"),
    ],
)
def test_order_rules(order, expected):
    route = pick(FIVE, order=order)
    assert route.model == expected
    assert [p.name for p in route.picked] == expected.split(",")
    assert route.picked[0].chute_id and route.picked[0].reason.startswith("#1")


def test_strategy_suffix_and_n():
    assert pick(FIVE, "latency", 2).model == "org/A,org/B:latency"
    assert pick(FIVE, "throughput", 1).model == "org/A:throughput"
    assert pick(FIVE, n=5).model.count(",") == 4


def test_unknown_speed_ranks_last_and_says_so():
    route = pick(FIVE, order="tps", n=5)
    assert route.picked[-1].name == "org/E" and "unknown" in route.picked[-1].reason


def test_skips_say_why():
    models = frame(
        {"v1_id": "org/cold", "price_input_usd": 0.01, "hot": False, "capacity": "cold"},
        {"v1_id": "org/busy", "price_input_usd": 0.02, "capacity": "throttling"},
        {"v1_id": "org/notools", "price_input_usd": 0.03, "supported_features": []},
        {"v1_id": "org/small", "price_input_usd": 0.04, "context_tokens": 8192},
        {"v1_id": None, "name": "someone/image", "price_input_usd": 0.05},
        {"v1_id": "org/bad:id", "price_input_usd": 0.06},
        {"v1_id": "org/good", "price_input_usd": 0.07},
        {"v1_id": "org/good", "price_input_usd": 0.08},
        {"v1_id": "org/later", "price_input_usd": 0.09},
    )
    route = pick(models, n=2, features=("tools",), min_context=32768)
    assert route.model == "org/good,org/later"
    reasons = {s.name: s.reason for s in route.skipped}
    assert reasons["org/cold"].startswith("cold")
    assert reasons["org/busy"].startswith("throttling")
    assert reasons["org/notools"] == "lacks tools"
    assert "8,192" in reasons["org/small"] and "32,768" in reasons["org/small"]
    assert "not in /v1/models" in reasons["someone/image"]
    assert "':'" in reasons["org/bad:id"]
    assert [s.reason for s in route.skipped if s.name == "org/good"] == [
        "same /v1/models id as an earlier pick"
    ]


def test_nothing_qualifies_hands_out_no_string():
    route = pick(frame({"v1_id": "org/cold", "hot": False}))
    assert route.model is None and route.picked == [] and len(route.skipped) == 1
    assert route.to_dict()["model"] is None


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"strategy": "fastest"}, "strategy"),
        ({"order": "vibes"}, "order"),
        ({"n": 0}, "n"),
        ({"n": MAX_N + 1}, "n"),
        ({"n": True}, "n"),
    ],
)
def test_bad_requests_name_the_parameter(kwargs, parameter):
    with pytest.raises(RoutingError) as e:
        pick(FIVE, **kwargs)
    assert e.value.parameter == parameter


@pytest.mark.parametrize(
    ("model", "fragment"),
    [
        ("", "empty"),
        (" org/A", "spaces"),
        ("org/A:latency,org/B", "suffix inside a list"),
        ("org/A,,org/B", "empty"),
        ("org/A,org/A", "twice"),
        ("org/A,org/Z", "not an exact /v1/models id"),
        ("org/A:THINKING:latency", ":THINKING"),
        ("org/A, org/B", "spaces"),
        (",".join(f"org/{i}" for i in range(MAX_N + 1)), f"at most {MAX_N}"),
        ("org/A,org/B:fast", "':'"),
    ],
)
def test_validate_refuses_what_chutes_would(model, fragment):
    known = {"org/A", "org/B"} | {f"org/{i}" for i in range(MAX_N + 1)}
    with pytest.raises(RoutingError) as e:
        validate(model, known)
    assert fragment in str(e.value)


def test_validate_parses_like_chutes():
    assert validate("org/A,org/B:LATENCY", {"org/A", "org/B"}) == (["org/A", "org/B"], "latency")
    assert validate("org/A:throughput") == (["org/A"], "throughput")
    assert validate("org/A,org/B") == (["org/A", "org/B"], "failover")
    assert build(["org/A"], "latency") == "org/A:latency"


@needs_v1
@pytest.mark.parametrize("path", [V1_FILES[0], V1_FILES[-1]] if V1_FILES else [], ids=lambda p: p.stem)
def test_real_v1_models_capture(path):
    """Every real /v1/models id is a valid token, and the picked string holds exact ids of it."""
    payload = json.loads(path.read_text("utf-8"))
    ids = {m["id"] for m in payload["data"]}
    assert all(routing.token_problem(i) is None for i in ids)
    models = merge_catalogs(pd.DataFrame(), normalize.v1_frame(payload)).models
    route = pick(models, "throughput", n=3, order="price")
    assert route.model is not None and route.model.endswith(":throughput")
    tokens, strategy = validate(route.model, ids)
    assert strategy == "throughput" and len(tokens) == 3 and set(tokens) <= ids
    # the cheapest blended first: prices from the capture itself
    blended = {
        m["id"]: (3 * float(m["pricing"]["prompt"]) + float(m["pricing"]["completion"])) / 4
        for m in payload["data"]
        if m.get("pricing")
    }
    picked = [blended[t] for t in tokens if t in blended]
    assert len(picked) == 3 and picked == sorted(picked)
    assert validate(",".join(sorted(ids)[:MAX_N]), ids)[1] == "failover"


def test_score_order_ranks_best_first_and_the_sort_agrees():
    from chutes_data.query import SORT_LABELS, sort_models

    scored = FIVE.assign(score=[50.0, None, 90.0, 70.0, 10.0])
    route = pick(scored, order="score")
    assert route.model == "org/C,org/D,org/A"
    assert route.picked[0].reason == "#1 (rank 1) by score 90"
    assert list(sort_models(scored, "score")["v1_id"]) == ["org/C", "org/D", "org/A", "org/E", "org/B"]
    assert SORT_LABELS["score"] == "Best score"
    assert pick(FIVE, order="score").picked[0].reason.endswith("score unknown (ranked last)")
