"""Hostile input, secrets and faults through the CLI (`python -m chutes_data`, subprocess) and
the dashboard in AppTest (in-process): hostile exports, the fault matrix (the whole last good
snapshot, stale, with its reason), a corrupt cache, far-future dates, bad configuration. The
browser half is tests/e2e/test_adversarial.py; both run against `StandInUpstream`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
import streamlit as st
from adversarial import (
    FORMULA_PREFIXES,
    GOOD,
    HOSTILE,
    KEY,
    app_metric,
    app_run,
    app_warnings,
    assert_clean_stderr,
    assert_key_not_in_files,
    cli,
    cli_env,
    cli_finish,
    cli_start,
    good_upstream,
    hostile_upstream,
    tree_text,
)
from upstream import LIST, V1, Fault, StandInUpstream

from chutes_data.config import Settings
from chutes_data.sources.loader import load_catalog
from chutes_data.sources.state import MIN_INTERVAL


@pytest.fixture(autouse=True)
def _fresh_streamlit_cache() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def hostile_up() -> Iterator[StandInUpstream]:
    with hostile_upstream() as up:
        yield up


@pytest.fixture(scope="module")
def good_up() -> Iterator[StandInUpstream]:
    with good_upstream() as up:
        yield up


def test_cli_exports_of_hostile_data(hostile_up, tmp_path):
    """`python -m chutes_data -v export` (CSV and JSON) of the hostile catalog, with a key:
    formula-safe CSV, data kept as data in JSON, the key in neither nor in the verbose log."""
    env = cli_env(hostile_up, tmp_path / "cache", CHUTES_API_KEY=KEY)
    out_csv = tmp_path / "models.csv"
    code, _, err = cli(env, "-v", "export", "--format", "csv", "-o", str(out_csv))
    assert code == 0 and "Traceback" not in err and KEY not in err, err[-1500:]
    text = out_csv.read_text(encoding="utf-8")
    assert KEY not in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) >= len(HOSTILE[0]["items"])
    for row in rows:
        for col, cell in row.items():
            assert not (cell or "").startswith(FORMULA_PREFIXES), (col, cell[:60])
    names = {r["name"] for r in rows}
    assert {'\'=HYPERLINK("http://evil","x")', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx"} <= names
    assert "<script>alert(1)</script>" in names and "long-" + "A" * 9995 in names
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0 and KEY not in out + err
    assert '=HYPERLINK("http://evil","x")' in {m["name"] for m in json.loads(out)["models"]}
    assert_key_not_in_files(tmp_path / "cache")


# ============================================================================ faults: CLI + AppTest
@pytest.fixture
def warm(good_up, tmp_path, monkeypatch) -> dict:
    """Env pointing at `good_up` with a key and CACHE_DURATION_MINUTES=0, and a cache holding a
    good snapshot of both sources. Returns the env and the number of merged rows."""
    cache_dir = tmp_path / "cache"
    env = {
        "CHUTES_BASE_URL": good_up.url,
        "CHUTES_LLM_BASE_URL": good_up.url,
        "CHUTES_CACHE_DIR": str(cache_dir),
        "CACHE_DURATION_MINUTES": "0",
        "CHUTES_HTTP_TIMEOUT": "1",
        "CHUTES_API_KEY": KEY,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    good_up.faults.clear()
    catalog = load_catalog(Settings.from_env(), refresh=True)
    assert (
        not any(d.status.stale for d in catalog.sources.values()) and catalog.chutes.status.origin == "live"
    )
    yield {"env": env, "rows": len(catalog.models), "cache": cache_dir}
    good_up.faults.clear()


# Each source meets several faults; two-route faults cost twice the retries (~3.5 s each), so
# most faults hit one route. `stale`: the sources that must come from the cache, marked stale.
FAULTS = {
    "500": ({LIST: Fault(status=500), V1: Fault(status=500)}, r"HTTP 500", ("chutes", "v1")),
    "429-retry-after": ({V1: Fault(status=429, retry_after="1")}, r"HTTP 429", ("v1",)),
    "hang": ({LIST: Fault(hang=5)}, r"did not answer within 1s", ("chutes",)),
    "hang-up": ({V1: Fault(hang_up=True)}, r"cannot reach", ("v1",)),
    "truncated-json": ({LIST: Fault(truncated=True)}, r"not JSON", ("chutes",)),
    "html-200": ({LIST: Fault(html=True), V1: Fault(html=True)}, r"not JSON \(text/html", ("chutes", "v1")),
    "page-2-fails": ({LIST: Fault(status=500, page=1)}, r"HTTP 500.*page 1", ("chutes",)),
    # a rejected key, with the server echoing the key back in its error detail
    "key-rejected": (
        {LIST: Fault(status=401, detail=f"Invalid token {KEY}")},
        r"API key was rejected",
        ("chutes",),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_serves_the_whole_last_good_snapshot(name, warm, good_up):
    faults, reason, stale = FAULTS[name]
    for route, fault in faults.items():
        good_up.faults[route] = Fault(**vars(fault))  # a fresh copy per test
    proc = cli_start(
        cli_env(
            good_up, warm["cache"], CACHE_DURATION_MINUTES="0", CHUTES_HTTP_TIMEOUT="1", CHUTES_API_KEY=KEY
        ),
        "export",
        "--format",
        "json",
    )
    at = app_run()  # the dashboard, concurrently with the CLI
    code, out, err = cli_finish(proc)

    # the CLI export: the whole last good data, stale, with the reason
    assert code == 0, err
    assert_clean_stderr(err)
    assert KEY not in out
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"]
    for source, status in doc["sources"].items():
        if source in stale:
            assert status["stale"] is True and status["origin"] == "cache", (source, status)
            assert re.search(reason, status["error"] or ""), (source, status["error"])
        else:  # fetched now; stale only by the one rule's age limit (TTL 0 + the 2 s floor)
            assert status["origin"] == "live" and status["error"] is None, (source, status)
            age = datetime.fromisoformat(doc["generated_at"]) - datetime.fromisoformat(status["fetched_at"])
            assert status["stale"] is (age.total_seconds() >= MIN_INTERVAL), (source, status)

    # the dashboard: same count, a visible stale warning with the reason, no error
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"
    warnings = app_warnings(at)
    assert "last good snapshot" in warnings and re.search(reason, warnings), warnings
    assert KEY not in tree_text(at)
    assert_key_not_in_files(warm["cache"])


def test_a_corrupt_cache_file_is_survived_by_refetching(warm, good_up, monkeypatch):
    cache = warm["cache"]
    env = cli_env(good_up, cache, CACHE_DURATION_MINUTES="10")

    def corrupt() -> None:
        (cache / "chutes.json").write_bytes(b'{"source": "chutes", "fetched_at": "2026-0')
        (cache / "v1.json").write_text(
            json.dumps(
                {
                    "source": "v1",
                    "fetched_at": "2099-01-01T00:00:00Z",
                    "complete": True,
                    "payload": "<html>not a payload</html>",
                }
            )
        )

    corrupt()
    monkeypatch.setenv("CACHE_DURATION_MINUTES", "10")  # a fresh-looking but corrupt cache
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"
    assert "last good snapshot" not in app_warnings(at)

    corrupt()
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0 and "Traceback" not in err, err
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"]
    assert {s["origin"] for s in doc["sources"].values()} == {"live"}
    for source in ("chutes", "v1"):  # rewritten with a good snapshot
        assert json.loads((cache / f"{source}.json").read_bytes())["complete"] is True


def test_a_far_future_date_from_upstream_does_not_take_the_catalog_down(tmp_path, monkeypatch):
    """Upstream text is not just names: a date past pandas' nanosecond range (year > 2262)."""
    chutes, v1 = json.loads(json.dumps(GOOD[0])), json.loads(json.dumps(GOOD[1]))
    chutes["items"][0]["created_at"] = "8206-08-14T22:31:34Z"
    chutes["items"][1]["updated_at"] = "0001-01-01T00:00:00Z"
    with StandInUpstream(chutes, v1) as up:
        code, out, err = cli(cli_env(up, tmp_path / "cache"), "export", "--format", "json")
        assert code == 0 and "Traceback" not in err, err[-1500:]
        assert len(json.loads(out)["models"]) >= len(chutes["items"])
        for k, v in {
            "CHUTES_BASE_URL": up.url,
            "CHUTES_LLM_BASE_URL": up.url,
            "CACHE_DURATION_MINUTES": "0",
        }.items():
            monkeypatch.setenv(k, v)
        at = app_run()
        assert not at.exception, at.exception


# ============================================================================ bad configuration
def test_bad_number_in_config(good_up, tmp_path, monkeypatch):
    env = cli_env(
        good_up,
        tmp_path / "cache",
        CACHE_DURATION_MINUTES="abc",
        CHUTES_HTTP_TIMEOUT="1e10",
        CHUTES_HISTORY_DAYS="1e18",
    )
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0, err
    assert_clean_stderr(err)
    assert "CACHE_DURATION_MINUTES='abc' is not a valid number" in err
    assert "CHUTES_HTTP_TIMEOUT" in err and "CHUTES_HISTORY_DAYS" in err
    assert json.loads(out)["models"]

    code, out, err = cli(
        cli_env(good_up, tmp_path / "cache", CACHE_DURATION_MINUTES="1e307"), "export", "--format", "json"
    )  # once an `inf` TTL broke the JSON
    assert code == 0 and "Traceback" not in err, err[-1500:]

    for k, v in env.items():
        if k.startswith(("CHUTES_", "CACHE_")):
            monkeypatch.setenv(k, v)
    at = app_run()
    assert not at.exception, at.exception
    assert "CACHE_DURATION_MINUTES" in app_warnings(at)
    assert app_metric(at, "Models shown")


def test_non_http_base_url_serves_the_cache(warm, good_up, monkeypatch):
    env = cli_env(good_up, warm["cache"], CHUTES_BASE_URL="ftp://x", CACHE_DURATION_MINUTES="0")
    code, out, err = cli(env, "export", "--format", "json")
    assert code == 0, err
    assert_clean_stderr(err)
    assert "'ftp://x' is not an http(s) URL" in err
    doc = json.loads(out)
    assert len(doc["models"]) == warm["rows"] and doc["sources"]["chutes"]["stale"] is True

    monkeypatch.setenv("CHUTES_BASE_URL", "ftp://x")
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert "not an http(s) URL" in app_warnings(at)
    assert app_metric(at, "Models shown") == f"{warm['rows']:,}"


def test_non_http_base_urls_without_cache(tmp_path, monkeypatch):
    env = cli_env(
        None, tmp_path / "cache", CHUTES_BASE_URL="ftp://x", CHUTES_LLM_BASE_URL="file:///etc/passwd"
    )
    code, out, err = cli(env, "export")
    assert code == 1 and out == "", (code, out)
    assert_clean_stderr(err)
    assert err.splitlines()[-1].startswith("error: no data")

    monkeypatch.setenv("CHUTES_BASE_URL", "ftp://x")
    monkeypatch.setenv("CHUTES_LLM_BASE_URL", "file:///etc/passwd")
    at = app_run()
    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown")  # the bundled sample
    assert "not an http(s) URL" in app_warnings(at)


def test_unreachable_base_url_explains_itself(tmp_path, monkeypatch):
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    other = "ftp://x"  # (fails at once: the connection retries are paid for one source only)
    env = cli_env(
        None, tmp_path / "cache", CHUTES_BASE_URL=closed, CHUTES_LLM_BASE_URL=other, CHUTES_HTTP_TIMEOUT="1"
    )
    proc = cli_start(env, "export")
    for k, v in {"CHUTES_BASE_URL": closed, "CHUTES_LLM_BASE_URL": other, "CHUTES_HTTP_TIMEOUT": "1"}.items():
        monkeypatch.setenv(k, v)
    at = app_run()
    code, out, err = cli_finish(proc)
    assert code == 1, (code, out)
    assert_clean_stderr(err)
    assert "cannot reach 127.0.0.1" in err

    assert not at.exception and not at.error, at.exception
    assert app_metric(at, "Models shown")  # the bundled sample
    shown = tree_text(at)
    assert "bundled sample" in shown
    if "cannot reach" not in shown:  # the reason may live on the Data sources page
        at.switch_page("pages/data_sources.py").run()
        assert not at.exception, at.exception
        assert "cannot reach" in tree_text(at), "the dashboard never says why it shows the sample"


def test_empty_key_warns(tmp_path, monkeypatch):
    # an upstream of its own: the module's `fault_server` keeps polling `good_up` with a key
    with StandInUpstream(*GOOD, max_page_size=50) as up:
        code, out, err = cli(cli_env(up, tmp_path / "cache", CHUTES_API_KEY="  "), "status")
        assert code == 0
        assert_clean_stderr(err)
        assert "CHUTES_API_KEY is set but empty" in err
        monkeypatch.setenv("CHUTES_API_KEY", "")
        for k in ("CHUTES_BASE_URL", "CHUTES_LLM_BASE_URL"):
            monkeypatch.setenv(k, up.url)
        at = app_run()
        assert not at.exception and not at.error
        assert "CHUTES_API_KEY is set but empty" in app_warnings(at)
        sent = up.headers(LIST)
        assert sent, "the app should have fetched the listing"
        assert all("authorization" not in h for h in sent)


def test_plain_http_key_warning(warm, good_up, monkeypatch):
    # example.invalid never resolves (and tests' name resolution is loopback-only): no fetch
    env = cli_env(
        good_up,
        warm["cache"],
        CHUTES_BASE_URL="http://example.invalid",
        CHUTES_API_KEY=KEY,
        CHUTES_HTTP_TIMEOUT="0.2",
    )
    code, out, err = cli(env, "status")  # `status` reads the cache only: nothing is sent
    assert code == 0
    assert_clean_stderr(err)
    assert "would be sent over plain http" in err and "example.invalid" in err
    assert KEY not in out

    monkeypatch.setenv("CHUTES_BASE_URL", "http://example.invalid")
    monkeypatch.setenv("CHUTES_HTTP_TIMEOUT", "0.2")
    at = app_run()
    assert not at.exception and not at.error
    warnings = app_warnings(at)
    assert "plain http" in warnings and "last good snapshot" in warnings, warnings
    assert KEY not in tree_text(at)
    assert_key_not_in_files(warm["cache"])
