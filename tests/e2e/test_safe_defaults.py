"""Safe by default: `make run` binds loopback, honours Streamlit's settings, and the
server config hides the developer toolbar and the raw pages menu. Ports 18400-18499."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from chutes_data.urls import is_loopback_bind, public_bind_warning

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_config_binds_loopback_and_hides_developer_options():
    assert CONFIG["server"]["address"] == "127.0.0.1"
    assert CONFIG["client"]["toolbarMode"] == "viewer"  # no Deploy / Stop for end users
    assert CONFIG["client"]["showSidebarNavigation"] is False  # no raw file-name menu flash
    assert "port" not in CONFIG["server"]  # Streamlit's default 8501, or the user's setting


@pytest.mark.parametrize(
    "address,loopback",
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("", False),
        (None, False),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("::", False),
    ],
)
def test_loopback_binds(address, loopback):
    assert is_loopback_bind(address) is loopback


def test_a_key_on_a_public_bind_is_warned():
    assert public_bind_warning("127.0.0.1", True) is None
    assert public_bind_warning("0.0.0.0", False) is None
    assert "0.0.0.0" in public_bind_warning("0.0.0.0", True)
    assert "every interface" in public_bind_warning("", True)


def test_the_dashboard_logs_the_warning(monkeypatch, caplog, apptest_env):
    import logging

    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from ui import banner

    monkeypatch.setenv("CHUTES_API_KEY", "cpk_test_0123456789abcdef")
    monkeypatch.setattr(banner, "_warned_bind", [])
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")  # a setting only: nothing is bound here
    try:
        with caplog.at_level(logging.WARNING, logger="chutes_explorer"):
            AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    finally:
        st_config.set_option("server.address", previous)
    assert "listens on 0.0.0.0" in caplog.text


def _make_run(env: dict[str, str], *args: str, timeout: float = 90) -> list[str]:
    """Start `make run ...`, wait for Streamlit's URL lines, stop it; its output lines."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    full = {**os.environ, "CHUTES_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **env}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if "URL:" in line and any("Local URL" in x or "URL:" in x for x in lines):
                time.sleep(0.5)  # a Network URL line would follow at once
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            rest, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
    return lines + (rest or "").splitlines()


def test_make_run_binds_loopback_and_takes_port_shortcut(tmp_path):
    out = "\n".join(_make_run({"CHUTES_CACHE_DIR": str(tmp_path)}, "PORT=18401"))
    assert "http://127.0.0.1:18401" in out, out
    assert "Network URL" not in out and "External URL" not in out, out
    assert "--server.port 18401" in out


def test_make_run_honours_streamlit_server_port(tmp_path):
    out = "\n".join(_make_run({"CHUTES_CACHE_DIR": str(tmp_path), "STREAMLIT_SERVER_PORT": "18402"}))
    assert "http://127.0.0.1:18402" in out, out
    assert "--server.port" not in out  # the Makefile no longer forces 8501 over it
