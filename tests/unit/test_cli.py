"""`python -m chutes_data`, driven for real: in-process through `cli.main(argv)` (fast), and as a
subprocess for the smoke tests that need a real process (`cli(..., process=True)`).

The upstream is either a closed loopback port (http://127.0.0.1:9: no network at all) or a
StandInUpstream on a loopback port; the cache is in tmp_path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from payloads import FAKE_KEY, chutes_payload, v1_payload
from realdata import V1_DAILY, needs_v1
from upstream import DETAIL, LIST, V1, Fault, StandInUpstream

from chutes_data import export
from chutes_data.cli import main as cli_main
from chutes_data.config import Settings
from chutes_data.sources.loader import load_catalog

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLOSED = "http://127.0.0.1:9"
EVENT_KEYS = {"kind", "name", "chute_id", "field", "old", "new", "at", "source"}


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"exit {self.code}\nstdout: {self.out[:2000]}\nstderr: {self.err[:2000]}"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`cli(*args, key=None, base=CLOSED, process=False, **env)` runs the CLI with a tmp cache and
    no network: in-process (`cli.main`) by default, as `python -m chutes_data` with process=True."""
    cache = tmp_path / "cache"

    def run(
        *args: str, key: str | None = None, base: str = CLOSED, process: bool = False, **extra: str
    ) -> Run:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CHUTES_") and k != "CACHE_DURATION_MINUTES"
        }
        # explicit values, so a developer's project .env (read by the CLI; env wins) cannot leak in
        env.update(
            CHUTES_CACHE_DIR=str(cache),
            CHUTES_BASE_URL=base,
            CHUTES_LLM_BASE_URL=base,
            CACHE_DURATION_MINUTES="10",
            CHUTES_OFFLINE="0",
            CHUTES_HTTP_TIMEOUT="20",
            CHUTES_HISTORY_DAYS="180",
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONIOENCODING="utf-8",
        )
        if key is not None:
            env["CHUTES_API_KEY"] = key
        env.update(extra)
        if process:
            proc = subprocess.run(
                [sys.executable, "-m", "chutes_data", *args],
                cwd=PROJECT_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
            return Run(proc.returncode, proc.stdout, proc.stderr)
        with monkeypatch.context() as m:
            for name in [k for k in os.environ if k not in env]:
                m.delenv(name)
            for name, value in env.items():
                m.setenv(name, value)
            capsys.readouterr()
            try:
                code = cli_main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else 1
            out, err = capsys.readouterr()
        return Run(code, out, err)

    run.cache = cache
    return run


def assert_clean_failure(r: Run) -> None:
    assert r.code == 1, r
    assert "Traceback" not in r.err and "Traceback" not in r.out, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r


# ---------------------------------------------------------------------------- offline / files
def test_export_offline_json(cli):
    r = cli("export", "--offline", "--format", "json", process=True)  # a real process: smoke test
    assert r.code == 0, r
    assert r.err == ""
    doc = r.json()
    assert set(doc) == {"generated_at", "sources", "telemetry_sources", "merge_report", "models"}
    assert doc["sources"]["chutes"]["origin"] == doc["sources"]["v1"]["origin"] == "sample"
    # the rows carry telemetry columns: the document says where those came from too
    assert {"utilization", "llm_stats"} <= set(doc["telemetry_sources"])
    assert {s["origin"] for s in doc["telemetry_sources"].values()} == {"sample"}
    assert len(doc["models"]) >= 150
    assert not cli.cache.exists() or not any(cli.cache.glob("*.json"))  # the sample is not cached


def test_export_offline_csv_to_file(cli, tmp_path):
    out = tmp_path / "models.csv"
    r = cli("export", "--offline", "--format", "csv", "-o", str(out))
    assert r.code == 0, r
    assert r.out == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    catalog = load_catalog(Settings(offline=True))
    assert len(rows) == len(catalog.models) >= 150
    assert list(rows[0]) == export.export_columns(catalog.models)
    assert list(rows[0])[:3] == ["name", "chute_id", "v1_id"]


def test_export_without_cache_or_network_fails_in_one_line(cli):
    r = cli("export", process=True)
    assert_clean_failure(r)
    assert "no data" in r.err and "127.0.0.1" in r.err


def test_export_from_files(cli, tmp_path):
    chutes_file, v1_file = tmp_path / "c.json", tmp_path / "v.json"
    chutes_file.write_text(json.dumps(chutes_payload(n=4)))
    v1_file.write_text(json.dumps(v1_payload()))
    r = cli("export", "--chutes-file", str(chutes_file), "--v1-file", str(v1_file))
    assert r.code == 0, r
    doc = r.json()
    assert doc["sources"]["chutes"]["origin"] == doc["sources"]["v1"]["origin"] == "file"
    assert doc["sources"]["chutes"]["count"] == 4 and doc["merge_report"]["matched"] == 3


def test_export_from_a_bad_file_fails_in_one_line(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("<html>not json</html>")
    r = cli("export", "--chutes-file", str(bad), "--v1-file", str(bad))
    assert_clean_failure(r)
    assert "bad.json" in r.err


def test_export_to_an_unwritable_path_fails_in_one_line(cli, tmp_path):
    r = cli("export", "--offline", "-o", str(tmp_path / "no" / "such" / "dir" / "x.json"))
    assert_clean_failure(r)


def test_report_offline(cli):
    r = cli("report", "--offline")
    assert r.code == 0, r
    doc = r.json()
    assert set(doc) == {"generated_at", "sources", "merge_report"}
    report = doc["merge_report"]
    assert report["chutes_total"] == doc["sources"]["chutes"]["count"] >= 150
    assert report["v1_total"] == doc["sources"]["v1"]["count"] > 0
    assert 0 < report["matched"] <= report["v1_total"]


def test_bad_cache_duration_warns_and_still_works(cli):
    r = cli("report", CACHE_DURATION_MINUTES="ten", CHUTES_OFFLINE="1")
    assert r.code == 0, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: CACHE_DURATION_MINUTES"), r
    assert r.json()["sources"]["v1"]["origin"] == "sample"  # CHUTES_OFFLINE=1 is honoured


def test_fetch_while_offline_says_why(cli):
    r = cli("fetch", CHUTES_OFFLINE="1")
    assert_clean_failure(r)
    assert "CHUTES_OFFLINE" in r.err


@pytest.mark.parametrize("argv", [["-v", "fetch"], ["fetch", "-v"], ["export", "--verbose"]])
def test_verbose_flag_before_or_after_the_command(argv):
    from chutes_data.cli import build_parser

    assert build_parser().parse_args(argv).verbose is True
    assert build_parser().parse_args(argv[-1:] if argv[0] == "-v" else argv[:1]).verbose is False


def test_bad_usage_exits_2(cli):
    r = cli("export", "--format", "xml", process=True)
    assert r.code == 2 and "usage:" in r.err and "Traceback" not in r.err


# ---------------------------------------------------------------------------- live, loopback
@pytest.fixture
def up():
    """5 chutes served 2 per page, and 3 /v1/models entries."""
    with StandInUpstream(chutes_payload(n=5), v1_payload(), max_page_size=2) as server:
        yield server


def test_fetch_then_status_then_cached_export(cli, up):
    before = cli("status")
    assert before.code == 0, before
    assert before.out.count("origin=none") == 2 and "count=0" in before.out
    r = cli("fetch", base=up.url)
    assert r.code == 0, r
    assert "chutes: fetched 5" in r.out and "v1: fetched 3" in r.out
    assert up.count(LIST) == 3  # 5 chutes, 2 per page
    assert [r["query"]["page"] for r in up.requests[LIST]] == ["0", "1", "2"]
    assert all(r["query"]["include_public"] == "true" for r in up.requests[LIST])
    assert all("authorization" not in h for h in up.headers(LIST) + up.headers(V1))  # anonymous
    status = cli("status", "--format", "json").json()
    assert status["chutes"]["origin"] == "cache" and status["chutes"]["count"] == 5
    assert status["v1"]["count"] == 3 and status["v1"]["stale"] is False
    assert status["chutes"]["error"] is None and status["chutes"]["age_seconds"] < 60
    text = cli("status").out
    assert "cached" in text and "count=5" in text  # its state (sources.state.State)
    # within the TTL, export needs no upstream at all
    r = cli("export", base=CLOSED)
    assert r.code == 0, r
    doc = r.json()
    assert doc["sources"]["chutes"]["origin"] == "cache" and len(doc["models"]) == 5


def test_failed_fetch_is_non_zero_and_keeps_the_cache(cli, up):
    assert cli("fetch", base=up.url).code == 0
    up.faults[LIST] = Fault(status=502, retry_after="0")  # retried at once, then given up
    up.faults[V1] = Fault(body={"detail": "maintenance"})  # a 200 of the wrong shape
    r = cli("fetch", base=up.url)
    assert r.code == 1, r
    assert "chutes: refresh failed" in r.err and "kept the last good snapshot (5)" in r.err
    assert "HTTP 502" in r.err and "after 4 attempts" in r.err
    assert "v1: refresh failed" in r.err and "Traceback" not in r.err
    status = cli("status", "--format", "json").json()
    assert status["chutes"]["stale"] is True and "HTTP 502" in status["chutes"]["error"]
    assert status["chutes"]["count"] == 5
    r = cli("export", "--refresh", base=up.url)  # stale data is still served, with a warning
    assert r.code == 0, r
    assert r.json()["sources"]["chutes"]["stale"] is True
    assert "warning: chutes:" in r.err


def test_the_key_goes_only_to_chutes_and_never_to_output(cli, up, tmp_path):
    up.valid_keys = (FAKE_KEY,)  # other keys get the real 401
    r1 = cli("fetch", base=up.url, key=FAKE_KEY)
    assert r1.code == 0, r1
    assert up.headers(LIST) and all(h["authorization"] == f"Bearer {FAKE_KEY}" for h in up.headers(LIST))
    assert up.headers(V1) and all("authorization" not in h for h in up.headers(V1))
    csv_out = tmp_path / "out.csv"
    runs = [
        r1,
        cli("-v", "export", "--refresh", base=up.url, key=FAKE_KEY),
        cli("export", "--format", "csv", "-o", str(csv_out), base=up.url, key=FAKE_KEY),
        cli("status", key=FAKE_KEY),
        cli("report", "--refresh", "-v", key=FAKE_KEY, base=up.url),
    ]
    # a rejected key, with the server echoing it back
    up.faults[LIST] = Fault(status=401, detail=f"Invalid token {FAKE_KEY}")
    up.faults[DETAIL] = Fault(status=401, detail=f"Invalid token {FAKE_KEY}")
    runs.append(cli("-v", "fetch", base=up.url, key=FAKE_KEY))
    runs.append(cli("chute", "x", base=up.url, key=FAKE_KEY))
    assert runs[-2].code == 1 and "API key was rejected" in runs[-2].err
    assert runs[-1].code == 1 and "API key was rejected" in runs[-1].err
    assert "INFO" in runs[1].err and "INFO" in runs[4].err  # -v before or after the command
    for r in runs:
        assert FAKE_KEY not in r.out + r.err and "a" * 32 not in r.out + r.err, r
    files = [p for p in cli.cache.rglob("*") if p.is_file()] + [csv_out]
    assert any(p.name == "chutes.error.json" for p in files)
    assert [p for p in files if FAKE_KEY.encode() in p.read_bytes()] == []
    assert all("authorization" not in h for h in up.headers(V1))


def test_chute_detail(cli, up):
    item = up.chutes_payload["items"][1]
    r = cli("chute", item["name"], base=up.url)
    assert r.code == 0, r
    assert r.json()["chute_id"] == item["chute_id"]
    r = cli("chute", "no/such-chute", base=up.url)
    assert_clean_failure(r)
    assert "not found" in r.err


# ---------------------------------------------------------------------------- history


@needs_v1
def test_import_snapshots_then_changes(cli):
    r = cli("import-snapshots", str(V1_DAILY), "--source", "v1")
    assert r.code == 0, r
    result = r.json()
    assert result["files"] == len(list(V1_DAILY.glob("*.json")))
    assert result["imported"] >= 2 and result["skipped"] == []

    r = cli("changes", "--format", "json")
    assert r.code == 0, r
    events = r.json()
    assert isinstance(events, list) and events
    for event in events:
        assert set(event) >= EVENT_KEYS and event["source"] == "v1"
    kinds = {e["kind"] for e in events}
    assert kinds & {"added", "removed", "price_changed", "context_changed"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)

    later = cli("changes", "--format", "json", "--since", "2026-08-01").json()
    assert all(e["at"] >= "2026-08-01" for e in later) and len(later) < len(events)
    text = cli("changes", "--source", "v1")
    assert text.code == 0 and text.out.count("\n") == len(events)


def test_changes_with_no_history(cli):
    r = cli("changes", "--format", "json")
    assert r.code == 0, r
    assert r.json() == []


def test_changes_bad_since_and_import_bad_dir(cli, tmp_path):
    assert_clean_failure(cli("changes", "--since", "last tuesday"))
    assert_clean_failure(cli("import-snapshots", str(tmp_path / "absent"), "--source", "v1"))


# ---------------------------------------------------------------------------- one reading of a time
def test_a_unix_capture_time_means_the_same_to_export_and_to_import(cli, tmp_path):
    """`_captured_at` as unix seconds: the export's fetched_at and the history's snapshot time agree
    (values.parse_time is the one reader; it used to be null in one and 2026-05-28 in the other)."""
    folder = tmp_path / "captures"
    folder.mkdir()
    capture = dict(v1_payload(), _captured_at=1780000000)
    (folder / "capture.json").write_text(json.dumps(capture))
    (tmp_path / "chutes.json").write_text(json.dumps(chutes_payload()))
    exported = cli(
        "export", "--chutes-file", str(tmp_path / "chutes.json"), "--v1-file", str(folder / "capture.json")
    )
    assert exported.code == 0, exported
    assert exported.json()["sources"]["v1"]["fetched_at"] == "2026-05-28T20:26:40Z"
    imported = cli("import-snapshots", str(folder), "--source", "v1")
    assert imported.code == 0 and imported.json()["imported"] == 1, imported
    from chutes_data.history import HistoryStore

    with HistoryStore(cli.cache / "history.sqlite") as store:
        stamps = store.snapshots_frame()["captured_at"].tolist()
    assert [s.isoformat() for s in stamps] == ["2026-05-28T20:26:40+00:00"]
