"""Host names the server answers, the base URL its links use, and the two settings behind them."""

from __future__ import annotations

import pytest

from chutes_data.config import Settings
from chutes_data.service.hosts import Bind, base_url, host_allowed, host_name


@pytest.mark.parametrize(
    "header,name",
    [
        ("localhost:8501", "localhost"),
        ("LocalHost.", "localhost"),
        ("[::1]:8501", "[::1]"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", None),  # an IPv6 Host must be bracketed
        ("", None),
        (None, None),
        ("a b", None),
        ("evil.example/path", None),
        ("evil.example:99999999", None),
    ],
)
def test_host_name(header, name):
    assert host_name(header) == name


LOOP = Bind("127.0.0.1", 8501)


@pytest.mark.parametrize(
    "header,where,allowed,ok",
    [
        ("localhost", LOOP, (), True),
        ("evil.example", LOOP, (), False),
        ("evil.example", Bind("localhost"), (), False),
        ("evil.example", Bind("::1"), (), False),
        ("evil.example", Bind("0.0.0.0"), (), True),  # public bind, nothing listed: any name
        ("evil.example", Bind(None), (), True),
        ("evil.example", Bind("0.0.0.0"), ("dash.example",), False),
        ("dash.example", Bind("0.0.0.0"), ("dash.example",), True),
        ("x.dash.example", LOOP, ("*.dash.example",), True),
        ("dash.example", LOOP, ("*.dash.example",), False),
        ("anything", LOOP, ("*",), True),
        ("[fe80::1]:80", Bind("fe80::1"), ("x",), True),  # the bound address itself
    ],
)
def test_host_allowed(header, where, allowed, ok):
    assert host_allowed(header, where, allowed) is ok


@pytest.mark.parametrize(
    "where,allowed,url",
    [
        (Bind("127.0.0.1", 8600), (), "http://127.0.0.1:8600"),
        (Bind("::1", 8501), (), "http://[::1]:8501"),
        (Bind("localhost", 80), ("dash.example",), "http://localhost:80"),
        (Bind("0.0.0.0", 8501), ("*", "*.x.example", "dash.example"), "http://dash.example:8501"),
        (Bind("", 8501), (), "http://127.0.0.1:8501"),
        (Bind("::", 8501), (), "http://127.0.0.1:8501"),
    ],
)
def test_base_url_comes_from_configuration(where, allowed, url):
    assert base_url(where, allowed) == url


def test_the_settings_read_both_lists_and_name_what_they_drop():
    s = Settings.from_env(
        {
            "CHUTES_ALLOWED_HOSTS": " Dash.Example., *.corp.example,,http://x/, dash.example, [::1], *",
            "CHUTES_CORS_ORIGINS": "https://a.example/, HTTP://B.example:8080, a.example, https://c/p",
        },
        dotenv=None,
    )
    assert s.allowed_hosts == ("dash.example", "*.corp.example", "[::1]", "*")
    assert s.cors_origins == ("https://a.example", "http://b.example:8080")
    said = "\n".join(s.warnings)
    assert "CHUTES_ALLOWED_HOSTS: 'http://x/'" in said
    assert "CHUTES_CORS_ORIGINS: 'a.example'" in said and "'https://c/p'" in said


def test_both_lists_are_empty_by_default():
    s = Settings.from_env({}, dotenv=None)
    assert s.allowed_hosts == () and s.cors_origins == () and not s.warnings
