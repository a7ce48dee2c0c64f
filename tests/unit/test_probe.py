"""The "Test now" probe against a loopback streaming endpoint: success, 503, 429, timeout, key."""

from __future__ import annotations

import json

import pytest
from probe_server import ProbeServer

from chutes_data.config import Settings
from chutes_data.probe import DEFAULT_MAX_TOKENS, probe


@pytest.fixture
def keyed(tmp_path, fake_key) -> Settings:
    return Settings(api_key=fake_key, cache_dir=tmp_path / "cache", probe_timeout=10.0)


def test_success_measures_ttft_tps_and_total(keyed, fake_key):
    with ProbeServer("ok", chunks=5, gap=0.05, first_delay=0.2) as server:
        result = probe(keyed.with_(llm_base_url=server.url), "org/Model", prompt="hi there")
    assert result.ok and result.status == 200, result
    assert 0.2 <= result.ttft_s < 8.0
    assert result.output_tokens == 10  # usage.completion_tokens of the final chunk
    decode = 4 * 0.05  # five chunks, four gaps
    assert 0 < result.tps <= 10 / (decode * 0.9)  # a loaded machine only slows it down
    assert result.total_s >= result.ttft_s + decode * 0.9
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == f"Bearer {fake_key}"
    assert sent["body"]["stream"] is True and sent["body"]["model"] == "org/Model"
    assert sent["body"]["max_tokens"] == DEFAULT_MAX_TOKENS
    assert sent["body"]["messages"] == [{"role": "user", "content": "hi there"}]


def test_without_usage_chunks_are_counted(keyed):
    with ProbeServer("ok", chunks=4, usage=False) as server:
        result = probe(keyed.with_(llm_base_url=server.url), "m")
    assert result.ok and result.output_tokens == 4 and "counted as chunks" in result.message


@pytest.mark.parametrize(
    ("mode", "outcome", "words"),
    [
        ("cold", "cold", "cold"),
        ("full", "full", "capacity"),
        ("edge", "rate_limited", "rate-limited"),
        ("bad_key", "bad_key", "rejected"),
    ],
)
def test_failures_get_clear_messages(keyed, fake_key, mode, outcome, words):
    with ProbeServer(mode) as server:
        result = probe(keyed.with_(llm_base_url=server.url), "m")
    assert result.outcome == outcome and not result.ok
    assert words in result.message and fake_key not in result.message
    assert result.ttft_s is None and result.tps is None


def test_a_stuck_stream_times_out(keyed):
    with ProbeServer("hang", hang=5.0) as server:
        result = probe(keyed.with_(llm_base_url=server.url, probe_timeout=1.0), "m")
    assert result.outcome == "timeout" and "1 s" in result.message
    assert result.total_s < 4.0


def test_a_mid_stream_error_line_is_reported(keyed):
    with ProbeServer("broken") as server:
        result = probe(keyed.with_(llm_base_url=server.url), "m")
    assert result.outcome == "error" and "boom" in result.message and result.ttft_s is not None


def test_nothing_is_sent_without_a_key(tmp_path):
    with ProbeServer("ok") as server:
        result = probe(Settings(api_key=None, llm_base_url=server.url, cache_dir=tmp_path), "m")
        assert server.requests == []
    assert result.outcome == "no_key" and "CHUTES_API_KEY" in result.message


def test_unreachable_endpoint(keyed):
    result = probe(keyed.with_(llm_base_url="http://127.0.0.1:9"), "m")
    assert result.outcome == "error" and "Cannot reach" in result.message


def test_results_are_kept_as_the_users_own_measurements(keyed):
    from chutes_data.history.telemetry import probes, record_probe

    with ProbeServer("ok") as server:
        good = probe(keyed.with_(llm_base_url=server.url), "org/Model", chute_id="c1")
    with ProbeServer("cold") as server:
        cold = probe(keyed.with_(llm_base_url=server.url), "org/Model")
    record_probe(keyed, good)
    record_probe(keyed, cold)
    kept = probes(keyed, model="org/Model")
    assert kept["outcome"].tolist() == ["cold", "ok"]  # newest first
    assert kept["ttft_s"].iloc[1] == pytest.approx(good.ttft_s)
    assert kept["chute_id"].iloc[1] == "c1"


def test_cli_probe(keyed, fake_key, monkeypatch, capsys):
    from chutes_data import cli

    with ProbeServer("ok") as server:
        monkeypatch.setenv("CHUTES_API_KEY", fake_key)
        monkeypatch.setenv("CHUTES_LLM_BASE_URL", server.url)
        monkeypatch.setenv("CHUTES_CACHE_DIR", str(keyed.cache_dir))
        code = cli.main(["probe", "org/Model", "--prompt", "ping", "--format", "json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        doc = json.loads(out.out)
        assert doc["outcome"] == "ok" and doc["ttft_s"] > 0 and doc["model"] == "org/Model"
        assert server.requests[0]["body"]["messages"][0]["content"] == "ping"
        assert fake_key not in out.out + out.err
    with ProbeServer("full") as server:
        monkeypatch.setenv("CHUTES_LLM_BASE_URL", server.url)
        code = cli.main(["probe", "org/Model"])
        out = capsys.readouterr()
        assert code == 1 and "capacity" in out.out + out.err
    from chutes_data.history.telemetry import probes

    assert probes(keyed, model="org/Model")["outcome"].tolist() == ["full", "ok"]
