"""What the adversarial tests share (tests/e2e/test_adversarial.py drives the browser,
tests/app/test_adversarial_cli_app.py the CLI and AppTest): the hostile and the good catalogs,
the fake key, and helpers that run the CLI and the dashboard and look for the key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import streamlit as st
from browser import ROOT
from kpis import app_kpi
from payloads import FAKE_KEY
from streamlit.testing.v1 import AppTest
from upstream import StandInUpstream

from tools import synth

KEY = FAKE_KEY  # "cpk_aaa…", distinctive enough to grep for anywhere
GOOD = synth.generate()
# Markdown that would make every viewer's browser fetch a third-party image (a tracking pixel),
# or restyle the page, if upstream text reached Markdown unescaped. Nothing listens on :9.
PIXEL = "http://127.0.0.1:9/px.png"
MARKDOWN_NAMES = [
    f"![px]({PIXEL}) mdimage",
    ":red[pwned] **mdbold** $x^2$ <b>x</b>",
    f"[![px]({PIXEL})](javascript:alert(1)) mdlink",
]


def _hostile_catalog() -> tuple[dict, dict]:
    """synth.hostile() plus a few community chutes whose name/tagline/owner are Markdown."""
    chutes, v1 = synth.hostile(*GOOD)
    community = [i for i in chutes["items"][40:] if i["user"]["username"] != "chutes"]
    for item, name in zip(community, MARKDOWN_NAMES, strict=False):
        item["name"] = name
        item["user"]["username"] = f"![owner]({PIXEL})"
        item["chute_id"] = synth.chute_id_for(item["user"]["username"], name)
        item["tagline"] = f"![tag]({PIXEL}) :blue[tagline]"
        item["readme"] = (
            f"# {name}\n\n![readme]({PIXEL}) <img src='{PIXEL}'> "
            "[a [b] c](javascript:alert(1)) [x](javascript:alert((1)))\n"
        )
    return chutes, v1


HOSTILE = _hostile_catalog()
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cli_env(up: StandInUpstream | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CHUTES_") and k != "CACHE_DURATION_MINUTES"
    }
    env["CHUTES_CACHE_DIR"] = str(cache_dir)
    if up is not None:
        env["CHUTES_BASE_URL"] = env["CHUTES_LLM_BASE_URL"] = up.url
    env.update(extra)
    return env


def cli_start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chutes_data", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cli_finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the CLI did not finish within {timeout}s: {err[-2000:]}") from None
    return proc.returncode, out, err


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str, str]:
    return cli_finish(cli_start(env, *args), timeout)


def assert_clean_stderr(err: str) -> None:
    """Only one-line `warning:`/`error:` messages: no traceback, no key."""
    assert "Traceback" not in err, err
    assert KEY not in err
    for line in err.splitlines():
        assert line.startswith(("warning: ", "error: ")), f"unexpected stderr line: {line!r}"


def tree_text(at: AppTest) -> str:
    """Every element the run produced, as protobuf text (labels, bodies, table bytes...)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def app_run(page: str | None = None, query: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()  # the shared Catalog (ui/data.get_catalog)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.run()
    if page or query:
        if page:
            at.switch_page(page)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
    return at


def app_metric(at: AppTest, label: str) -> str | None:
    return app_kpi(at, label)


def app_warnings(at: AppTest) -> str:
    """The warnings as a reader sees them (banner text is Markdown-escaped: unescape it)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(w.value)) for w in at.warning)


def files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def assert_key_not_in_files(directory: Path) -> None:
    for path in files_under(directory):
        assert KEY.encode() not in path.read_bytes(), f"the key is in {path}"


def hostile_upstream() -> StandInUpstream:
    """The hostile catalog, served in the real shapes."""
    return StandInUpstream(*HOSTILE)


def good_upstream() -> StandInUpstream:
    """The sample-sized catalog, paginated by a clamped page size (4 pages of 50)."""
    return StandInUpstream(*GOOD, max_page_size=50)
