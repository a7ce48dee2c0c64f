"""Settings.from_env: defaults, malformed values, the API key, base URLs, .env."""

from __future__ import annotations

from pathlib import Path

import pytest
from payloads import FAKE_KEY

from chutes_data import config
from chutes_data.config import Settings
from chutes_data.errors import ConfigError
from chutes_data.sources.loader import load_source
from chutes_data.urls import plain_http_to_remote, redact, url_problem


def from_env(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=Path("/nonexistent/.env"))


def test_defaults():
    s = from_env()
    assert s.api_key is None and not s.has_key
    assert s.base_url == "https://api.chutes.ai"
    assert s.llm_base_url == "https://llm.chutes.ai"
    assert s.cache_minutes == 10.0 and s.ttl_seconds == 600.0
    assert s.http_timeout == 20.0
    assert s.offline is False
    assert s.history_days == 180
    assert s.cache_dir == config.PROJECT_ROOT / "cache"
    assert s.warnings == ()


def test_values_are_read():
    s = from_env(
        CACHE_DURATION_MINUTES="2.5",
        CHUTES_HTTP_TIMEOUT="3",
        CHUTES_OFFLINE="yes",
        CHUTES_HISTORY_DAYS="30",
        CHUTES_CACHE_DIR="/tmp/somewhere",
        CHUTES_BASE_URL="https://example.test/api/",
        CHUTES_API_KEY=f"  {FAKE_KEY}\n",
    )
    assert s.cache_minutes == 2.5 and s.ttl_seconds == 150
    assert s.http_timeout == 3.0
    assert s.offline is True
    assert s.history_days == 30
    assert s.cache_dir == Path("/tmp/somewhere")
    assert s.base_url == "https://example.test/api"  # trailing slash dropped
    assert s.api_key == FAKE_KEY and s.has_key
    assert s.warnings == ()


@pytest.mark.parametrize("raw", ["abc", "-5", "nan", "inf", "1e400", "1e9", "10 minutes"])
def test_bad_cache_duration_falls_back_with_one_line_warning(raw):
    s = from_env(CACHE_DURATION_MINUTES=raw)
    assert s.cache_minutes == 10.0
    assert len(s.warnings) == 1
    warning = s.warnings[0]
    assert "CACHE_DURATION_MINUTES" in warning and "\n" not in warning


def test_zero_cache_duration_is_allowed():
    s = from_env(CACHE_DURATION_MINUTES="0")
    assert s.cache_minutes == 0 and s.warnings == ()


def test_blank_number_is_the_default_without_warning():
    s = from_env(CACHE_DURATION_MINUTES="  ")
    assert s.cache_minutes == 10.0 and s.warnings == ()


def test_non_integer_history_days_warns():
    s = from_env(CHUTES_HISTORY_DAYS="1.5")
    assert s.history_days == 180 and len(s.warnings) == 1


@pytest.mark.parametrize("raw", ["", "   ", "Bearer "])
def test_empty_key_is_none_with_warning(raw):
    s = from_env(CHUTES_API_KEY=raw)
    assert s.api_key is None
    assert len(s.warnings) == 1 and "empty" in s.warnings[0]


@pytest.mark.parametrize("raw", [FAKE_KEY[:40] + " " + FAKE_KEY[40:], "cpk_abc\tdef", "clé"])
def test_key_with_spaces_or_unsendable_characters_is_ignored(raw):
    s = from_env(CHUTES_API_KEY=raw)
    assert s.api_key is None
    assert len(s.warnings) == 1 and "ignored" in s.warnings[0]
    assert raw.strip() not in s.warnings[0]


def test_bearer_prefix_is_stripped():
    assert from_env(CHUTES_API_KEY=f"Bearer {FAKE_KEY}").api_key == FAKE_KEY


def test_repr_and_warnings_never_show_the_key():
    s = from_env(
        CHUTES_API_KEY=FAKE_KEY, CHUTES_BASE_URL="http://api.example.test", CACHE_DURATION_MINUTES="x"
    )
    assert s.api_key == FAKE_KEY
    for text in (repr(s), str(s), *s.warnings):
        assert FAKE_KEY not in text
        assert "a" * 32 not in text


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.chutes.ai",
        "api.chutes.ai",
        "file:///etc/passwd",
        "https://",
        "https://user:pw@api.chutes.ai",
        "https://api.chutes.ai:notaport",
        "http://999.1.1.1",
        "https://api\tchutes.ai",
        "https://api..chutes.ai",
    ],
)
def test_unusable_base_url_warns(url):
    s = from_env(CHUTES_BASE_URL=url)
    assert len(s.warnings) == 1 and s.warnings[0].startswith("CHUTES_BASE_URL")
    assert url_problem(s.base_url) is not None


def test_non_http_base_url_fails_only_that_source(settings, fake_api, make_client):
    bad = settings.with_(base_url="ftp://api.chutes.ai")
    client = make_client(bad)
    chutes = load_source(bad, "chutes", client=client)
    assert chutes.status.origin == "none"
    assert "CHUTES_BASE_URL" in chutes.status.error and "http" in chutes.status.error
    v1 = load_source(bad, "v1", client=client)
    assert v1.status.origin == "live" and v1.status.count == 3
    assert fake_api.to("/chutes/") == []  # nothing was sent for the bad source
    with pytest.raises(ConfigError):
        client.list_chutes()


@pytest.mark.parametrize("url", ["http://999.1.1.1", "https://api..chutes.ai"])
def test_url_httpx_would_refuse_is_a_config_error_not_a_crash(settings, make_client, url):
    bad = settings.with_(llm_base_url=url)
    data = load_source(bad, "v1", client=make_client(bad))
    assert data.status.origin == "none" and "CHUTES_LLM_BASE_URL" in data.status.error


def test_plain_http_to_remote_host_with_key_warns():
    s = from_env(CHUTES_API_KEY=FAKE_KEY, CHUTES_BASE_URL="http://api.example.test")
    assert len(s.warnings) == 1 and "plain http" in s.warnings[0]
    # no key: nothing to leak, no warning
    assert from_env(CHUTES_BASE_URL="http://api.example.test").warnings == ()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:9", "http://[::1]:80", "https://api.example.test"]
)
def test_loopback_or_https_with_key_does_not_warn(url):
    assert from_env(CHUTES_API_KEY=FAKE_KEY, CHUTES_BASE_URL=url).warnings == ()


def test_plain_http_to_remote_helper():
    assert plain_http_to_remote("http://10.0.0.1") is True
    assert plain_http_to_remote("http://127.0.0.2") is False
    assert plain_http_to_remote("https://10.0.0.1") is False


def test_dotenv_values_are_read_and_env_wins(tmp_path):
    pytest.importorskip("dotenv")  # python-dotenv is in requirements.txt
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"CHUTES_API_KEY={FAKE_KEY}\nCACHE_DURATION_MINUTES=3\nCHUTES_HTTP_TIMEOUT=7\n# a comment\n",
        encoding="utf-8",
    )
    s = Settings.from_env({"CHUTES_HTTP_TIMEOUT": "9"}, dotenv=dotenv)
    assert s.api_key == FAKE_KEY
    assert s.cache_minutes == 3.0
    assert s.http_timeout == 9.0  # the environment wins over .env


def test_default_dotenv_is_the_project_one(tmp_path, monkeypatch):
    pytest.importorskip("dotenv")
    root = tmp_path / "project"
    root.mkdir()
    (root / ".env").write_text("CACHE_DURATION_MINUTES=4\n", encoding="utf-8")
    monkeypatch.setattr(config, "PROJECT_ROOT", root)
    assert Settings.from_env().cache_minutes == 4.0
    monkeypatch.setenv("CACHE_DURATION_MINUTES", "6")
    assert Settings.from_env().cache_minutes == 6.0


def test_autouse_fixture_isolates_the_environment(tmp_path):
    s = Settings.from_env()
    assert s.cache_dir == tmp_path / "cache"
    assert s.api_key is None and s.base_url == "https://api.chutes.ai"


def test_redact():
    assert redact(f"bad token {FAKE_KEY}!", FAKE_KEY) == "bad token [redacted]!"
    assert redact("nothing here", None) == "nothing here"
