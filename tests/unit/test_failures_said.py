"""Failures said out loud in the CLI and the data layer: an unwritable cache, a corrupt
history, paths and ports in errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from upstream import LIST, Fault, StandInUpstream

from chutes_data.cli import main as cli_main
from chutes_data.config import Settings
from chutes_data.history import HistoryStore

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "v1_models_daily"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path):
    """`run(*args, **env)` -> (exit code, stdout, stderr) of the CLI, in-process."""
    monkeypatch.setenv("CHUTES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CHUTES_OFFLINE", "0")

    def go(*args: str, **env: str) -> tuple[int, str, str]:
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(k, v)
            code = cli_main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def up():
    with StandInUpstream() as server:
        yield server


def test_fetch_into_an_unwritable_cache_dir_fails_and_says_why(run, up, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache = blocker / "cache"  # cannot be created, whatever the user (root included)
    code, out, err = run(
        "fetch", CHUTES_BASE_URL=up.url, CHUTES_LLM_BASE_URL=up.url, CHUTES_CACHE_DIR=str(cache)
    )
    assert "fetched 3" in out
    assert code == 1, err
    assert f"Cannot save to the cache directory {cache}" in err and "Not a directory" in err
    assert "history" in err


def test_an_unwritable_cache_dir_is_a_catalog_warning(up, tmp_path):
    from chutes_data.sources.loader import load_catalog

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings = Settings.from_env(
        {"CHUTES_BASE_URL": up.url, "CHUTES_LLM_BASE_URL": up.url, "CHUTES_CACHE_DIR": str(blocker / "cache")}
    )
    catalog = load_catalog(settings, refresh=True)
    assert catalog.chutes.status.origin == "live"
    assert any(w.startswith("Cannot save to the cache directory") for w in catalog.warnings)


def test_changes_says_a_corrupt_history_was_moved_aside(run, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "history.sqlite").write_bytes(b"this is not an sqlite database" * 100)
    code, out, err = run("changes")
    assert code == 1
    aside = next(cache.glob("history.sqlite.corrupt-*"))
    assert "was corrupt" in err and str(aside) in err and "restarted empty" in err
    code, out, err = run("changes")  # the next run: empty history, still said
    assert code == 0 and "no changes recorded" in out
    assert "was corrupt" in err and str(aside) in err


@pytest.mark.skipif(not REALDATA.is_dir(), reason="real captures absent")
def test_import_snapshots_of_the_wrong_source_fails_with_the_reason(run):
    code, out, err = run("import-snapshots", str(REALDATA), "--source", "chutes")
    assert json.loads(out)["imported"] == 0
    assert code == 1
    assert "imported nothing from 73 files" in err and str(REALDATA) in err
    assert "--source v1" in err


def test_import_snapshots_without_json_files_fails(run, tmp_path):
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    code, _, err = run("import-snapshots", str(folder), "--source", "v1")
    assert code == 1 and "no *.json files" in err and str(folder) in err


def test_reimporting_is_not_a_failure(run, tmp_path):
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "2026-07-01.json").write_text(
        json.dumps(
            {
                "object": "list",
                "data": [
                    {"id": "org/A", "chute_id": "c", "price": {"input": {"usd": 0.1}, "output": {"usd": 0.2}}}
                ],
            }
        )
    )
    assert run("import-snapshots", str(folder), "--source", "v1")[0] == 0
    code, out, _ = run("import-snapshots", str(folder), "--source", "v1")
    assert code == 0 and json.loads(out)["duplicates"] == 1


def test_a_missing_file_names_its_directory(run):
    code, _, err = run("export", "--chutes-file", "/nonexistent.json", "--v1-file", "/nonexistent.json")
    assert code == 1 and "/nonexistent.json" in err


def test_a_network_error_names_host_and_port(settings):
    from chutes_data.errors import NetworkError
    from chutes_data.sources.client import ChutesClient

    with StandInUpstream() as server:
        server.faults[LIST] = Fault(hang_up=True)
        port = server.url.rsplit(":", 1)[1]
        s = settings.with_(base_url=server.url, max_retries=0)
        with ChutesClient(s) as client, pytest.raises(NetworkError) as info:
            client.list_chutes()
    assert f"cannot reach 127.0.0.1:{port}/chutes/" in str(info.value)


def test_default_port_is_not_printed():
    from chutes_data.sources.client import _where

    assert _where(httpx.URL("https://api.chutes.ai/"), "/chutes/") == "api.chutes.ai/chutes/"


@pytest.mark.parametrize("raw", ["maybe", "2", "offline"])
def test_an_unknown_offline_value_warns(raw):
    s = Settings.from_env({"CHUTES_OFFLINE": raw})
    assert s.offline is False
    assert any(w.startswith(f"CHUTES_OFFLINE='{raw}'") for w in s.warnings), s.warnings


@pytest.mark.parametrize("raw", ["", "0", "no", "1", "TRUE", " on "])
def test_known_offline_values_do_not_warn(raw):
    assert Settings.from_env({"CHUTES_OFFLINE": raw}).warnings == ()


def test_store_reports_the_file_it_moved_aside(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"garbage" * 200)
    with HistoryStore(path) as store:
        assert store.moved_aside is not None and store.moved_aside.exists()
    with HistoryStore(path) as store:
        assert store.moved_aside is None
