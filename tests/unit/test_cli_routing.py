"""`python -m chutes_data routing` (issue 20), driven for real: in-process and as a subprocess."""

from __future__ import annotations

import json

import pytest
from realdata import V1_FILES, needs_v1
from test_cli import cli  # noqa: F401  (the fixture: a tmp cache, no network)

from chutes_data.routing import MAX_N, validate


def test_prints_the_string_and_says_why_on_stderr(cli):  # noqa: F811
    r = cli("routing", "--offline", "--strategy", "latency", "--n", "3", "--order", "price", process=True)
    assert r.code == 0, r
    model = r.out.strip()
    assert len(r.out.splitlines()) == 1 and model.endswith(":latency")
    ids, strategy = validate(model)
    assert strategy == "latency" and len(ids) == 3
    assert [line.split()[1].rstrip(":") for line in r.err.splitlines() if line.startswith("picked")] == ids


def test_json_is_the_apis_document(cli):  # noqa: F811
    r = cli("routing", "--offline", "--format", "json", "--n", "2", "--order", "tps", "--feature", "tools")
    assert r.code == 0, r
    doc = json.loads(r.out)
    assert set(doc) == {"model", "strategy", "order", "picked", "skipped"}
    assert doc["strategy"] == "failover" and doc["order"] == "tps" and len(doc["picked"]) == 2
    assert doc["model"] == ",".join(p["name"] for p in doc["picked"])
    assert all("lacks" not in p["reason"] for p in doc["picked"])


@pytest.mark.parametrize(
    "args,fragment",
    [
        (("--n", str(MAX_N + 1)), "n: must be an integer from 1 to 20"),
        (("--feature", "teleport"), "feature: "),
        (("--min-tps", "-3"), "min_tps: "),
    ],
)
def test_bad_options_are_one_line_and_exit_2(cli, args, fragment):  # noqa: F811
    r = cli("routing", "--offline", *args)
    assert r.code == 2, r
    assert r.err.strip().splitlines() == [r.err.strip()] and fragment in r.err and "Traceback" not in r.err


def test_nothing_qualifies_is_an_error_not_a_bad_string(cli):  # noqa: F811
    r = cli("routing", "--offline", "--q", "no-such-model-anywhere")
    assert r.code == 1 and r.out == "", r
    assert r.err.startswith("error: routing: no model qualifies"), r


@needs_v1
def test_from_a_real_v1_models_capture(cli, tmp_path):  # noqa: F811
    chutes = tmp_path / "chutes.json"
    chutes.write_text(json.dumps({"items": [], "total": 0}))
    path = V1_FILES[-1]
    real_ids = {m["id"] for m in json.loads(path.read_text("utf-8"))["data"]}
    r = cli("routing", "--chutes-file", str(chutes), "--v1-file", str(path), "--strategy", "throughput")
    assert r.code == 0, r
    ids, strategy = validate(r.out.strip(), real_ids)
    assert strategy == "throughput" and len(ids) == 3
