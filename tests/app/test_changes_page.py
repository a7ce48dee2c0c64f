"""AppTest of the Changes page (history timeline, new this week, price history) and the
`changes` CLI on the same cache.

Histories are built in the tmp cache directory's `history.sqlite` (CHUTES_CACHE_DIR), either with
`HistoryStore.record` on hand-made payloads (exact expected events, no real data needed) or by
importing the real /v1/models captures when they are available next to the project.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from apptest import ok
from realdata import V1_DAILY as REALDATA
from streamlit.testing.v1 import AppTest

from chutes_data.history import HistoryStore, import_snapshots

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/changes.py"

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- fixtures
pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, tmp cache (conftest)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "history.sqlite"


# ---------------------------------------------------------------------------- helpers
def v1_model(mid: str, inp: float = 0.1, out: float = 0.4, *, ctx: int = 32768) -> dict:
    return {
        "id": mid,
        "object": "model",
        "created": 1781209365,
        "owned_by": "sglang",
        "chute_id": f"cid-{mid}",
        "max_model_len": 131072,
        "context_length": ctx,
        "max_output_length": 8192,
        "price": {"input": {"usd": inp, "tao": inp / 200}, "output": {"usd": out, "tao": out / 200}},
        "pricing": {"prompt": inp, "completion": out},
    }


def v1(*models: dict) -> dict:
    return {"object": "list", "data": list(models)}


def chute(cid: str, name: str, *, hot: bool = True, per_m: tuple[float, float] = (0.2, 0.6)) -> dict:
    price = {
        "usd": {"hour": 2.5, "second": 2.5 / 3600},
        "tao": {"hour": 0.0125},
        "per_million_tokens": {"input": {"usd": per_m[0]}, "output": {"usd": per_m[1]}},
    }
    return {
        "chute_id": cid,
        "name": name,
        "standard_template": "vllm",
        "hot": hot,
        "user": {"username": "chutes"},
        "invocation_count": 1,
        "current_estimated_price": price,
        "instances": [{"instance_id": "i", "active": hot, "verified": True}],
    }


def chutes(*items: dict) -> dict:
    return {"total": len(items), "page": 0, "limit": 1000, "items": list(items), "cord_refs": {}}


def build_small_history(path: Path) -> None:
    """Three v1 captures and two /chutes/ captures with known differences (see EXPECTED)."""
    with HistoryStore(path) as store:
        store.record("v1", v1(v1_model("org/A"), v1_model("org/B", 0.2, 0.8)), T0)
        store.record(
            "v1",
            v1(v1_model("org/A", 0.08), v1_model("org/B", 0.2, 0.8), v1_model("org/C")),
            T0 + timedelta(days=2),
        )
        store.record("v1", v1(v1_model("org/A", 0.08), v1_model("org/C", ctx=65536)), T0 + timedelta(days=8))
        store.record("chutes", chutes(chute("x-1", "org/X")), T0 + timedelta(days=1))
        store.record(
            "chutes", chutes(chute("x-1", "org/X", hot=False, per_m=(0.2, 0.5))), T0 + timedelta(days=3)
        )


# (when, kind label, model, what, old → new, source), newest first
EXPECTED = [
    ("2026-09-09 12:00", "context", "org/C", "context length", "32,768 → 65,536", "/v1/models"),
    ("2026-09-09 12:00", "removed", "org/B", "", "", "/v1/models"),
    ("2026-09-04 12:00", "price", "org/X", "output /1M", "$0.6 → $0.5 (−16.7%)", "/chutes/"),
    ("2026-09-04 12:00", "status", "org/X", "hot/cold", "hot → cold", "/chutes/"),
    ("2026-09-03 12:00", "added", "org/C", "", "", "/v1/models"),
    ("2026-09-03 12:00", "price", "org/A", "input /1M", "$0.1 → $0.08 (−20.0%)", "/v1/models"),
]


def open_changes(**state: Any) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    ok(at)
    return at


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("title", "subheader", "markdown", "caption", "info", "code", "warning")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def timeline(at: AppTest) -> pd.DataFrame:
    """The timeline table (the one with a `kind` column)."""
    found = [d.value for d in at.dataframe if "kind" in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def rows(table: pd.DataFrame) -> list[tuple]:
    return [
        (pd.Timestamp(r.at).strftime("%Y-%m-%d %H:%M"), r.kind, r.model, r.field, r.change, r.source)
        for r in table.itertuples()
    ]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def kinds(at: AppTest):
    return next(w for w in at.get("button_group") if getattr(w, "key", None) == "chg_kinds")


def ys(trace: dict) -> list[float]:
    """A trace's y values (plotly may encode arrays as base64 typed arrays)."""
    y = trace["y"]
    if isinstance(y, dict) and "bdata" in y:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
    return list(y)


def chart_spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "expected one price-history chart"
    return json.loads(charts[0].proto.spec)


# ---------------------------------------------------------------------------- empty and broken
def test_no_history_shows_a_friendly_explanation(db: Path) -> None:
    at = open_changes()
    assert at.title[0].value == "Changes"
    info = " ".join(i.value for i in at.info)
    assert "No history yet" in info and "History builds up as the app refreshes" in info
    assert any("import-snapshots DIR --source v1" in c.value for c in at.code)
    assert not at.dataframe and not at.get("plotly_chart")
    assert not db.exists(), "looking at the page must not create a database"


def test_a_corrupt_database_shows_no_history_and_no_error(db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)  # the worker's cache dir (conftest)
    db.write_bytes(b"this is not an sqlite database" * 100)
    at = open_changes()
    assert "No history yet" in " ".join(i.value for i in at.info)


def test_a_database_from_a_newer_app_shows_no_history_and_no_error(db: Path) -> None:
    build_small_history(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    at = open_changes()
    assert "No history yet" in " ".join(i.value for i in at.info)
    with sqlite3.connect(db) as conn:  # left untouched
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99


def test_one_snapshot_and_no_change_yet(db: Path) -> None:
    with HistoryStore(db) as store:
        store.record("v1", v1(v1_model("org/A")), T0)
    at = open_changes()
    assert "Nothing has changed yet" in " ".join(i.value for i in at.info)
    assert "1 distinct snapshot from 2026-09-01" in texts(at)
    assert metric(at, "Events, last 7 days") == "0"


# ---------------------------------------------------------------------------- a small history
def test_small_history_shows_the_exact_events(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    assert rows(timeline(at)) == EXPECTED
    # the week is the 7 days up to the newest capture (T0 + 8 days): all but nothing older
    assert metric(at, "Events, last 7 days") == "6"
    assert metric(at, "Added this week") == "1"
    assert metric(at, "Removed this week") == "1"
    assert metric(at, "Price moves this week") == "2"
    assert "newest capture, 2026-09-09 12:00 UTC" in texts(at)
    new = next(d.value for d in at.dataframe if "added" in d.value.columns)
    assert new["model"].tolist() == ["org/C"]
    assert new["listed"].tolist() == [False]  # not in the (sample) catalog: no link
    assert new["details"].isna().all()


def test_filters_by_kind_model_and_period(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    kinds(at).set_value(["price_changed"]).run()
    ok(at)
    assert [r[2] for r in rows(timeline(at))] == ["org/X", "org/A"]
    kinds(at).set_value(["price_changed", "added"]).run()
    assert rows(timeline(at)) == [EXPECTED[2], EXPECTED[4], EXPECTED[5]]
    kinds(at).set_value([]).run()
    at.multiselect(key="chg_model").set_value(["org/C"]).run()
    ok(at)
    assert rows(timeline(at)) == [EXPECTED[0], EXPECTED[4]]
    at.multiselect(key="chg_model").set_value([]).run()
    period = next(w for w in at.get("button_group") if getattr(w, "key", None) == "chg_period")
    period.set_value("7 days").run()
    assert rows(timeline(at)) == EXPECTED  # T0+2d is within (T0+1d, T0+8d]
    kinds(at).set_value(["status_changed"]).run()
    at.multiselect(key="chg_model").set_value(["org/C"]).run()
    assert not [d for d in at.dataframe if "kind" in d.value.columns]
    assert "No event matches these filters" in " ".join(i.value for i in at.info)


def test_price_chart_defaults_to_the_latest_move_and_switches(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    picker = at.selectbox(key="chg_price_model")
    assert picker.options == ["org/X (/chutes/)", "org/A (/v1/models)"]
    assert picker.value == "org/X (/chutes/)"
    spec = chart_spec(at)
    assert all(t["line"]["shape"] == "hv" for t in spec["data"])
    assert spec["layout"]["yaxis"]["title"]["text"] == "USD per 1M tokens"
    assert "UTC" in spec["layout"]["xaxis"]["title"]["text"]
    outputs = next(t for t in spec["data"] if t["name"].startswith("Output"))
    assert ys(outputs)[:2] == [0.6, 0.5]
    picker.set_value("org/A (/v1/models)").run()
    ok(at)
    spec = chart_spec(at)
    inputs = next(t for t in spec["data"] if t["name"].startswith("Input"))
    assert ys(inputs)[:3] == [0.1, 0.08, 0.08]


def test_tao_toggle_says_history_is_in_usd(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    assert "USD prices only" not in texts(at)
    toggle = next(w for w in at.get("button_group") if getattr(w, "key", None) == "cur")
    toggle.set_value("TAO").run()
    ok(at)
    assert "USD prices only" in texts(at)
    assert rows(timeline(at)) == EXPECTED  # the changes themselves stay in USD


def test_new_snapshots_show_at_once(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    assert len(timeline(at)) == 6
    with HistoryStore(db) as store:  # a fetch in another process, well inside the cache TTL
        store.record("v1", v1(v1_model("org/A", 0.05), v1_model("org/C", ctx=65536)), T0 + timedelta(days=9))
    at.run()
    ok(at)
    assert rows(timeline(at))[0] == (
        "2026-09-10 12:00",
        "price",
        "org/A",
        "input /1M",
        "$0.08 → $0.05 (−37.5%)",
        "/v1/models",
    )


def test_a_rerun_opens_no_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers share one handle: the page used to open the database three times per rerun."""
    import chutes_data.history.store as store_module

    build_small_history(db)
    at = open_changes()
    opened: list[Any] = []
    real = store_module.connect
    monkeypatch.setattr(store_module, "connect", lambda *a, **kw: opened.append(a[0]) or real(*a, **kw))
    at.run()
    ok(at)
    assert len(timeline(at)) == 6 and opened == []


def test_third_party_names_are_escaped(db: Path) -> None:
    evil = "[click](javascript:alert(1))<img src=x onerror=alert(1)>"
    with HistoryStore(db) as store:
        store.record("v1", v1(v1_model(evil)), T0)
        store.record("v1", v1(v1_model(evil, 0.2)), T0 + timedelta(days=1))
    at = open_changes()
    assert timeline(at)["model"].tolist() == [evil]  # plain text in the table
    spec = chart_spec(at)
    assert "<img" not in spec["layout"]["title"]["text"]
    for md in [e.value for kind in ("markdown", "caption", "info") for e in at.get(kind)]:
        assert "](javascript:" not in md and "<img" not in md


# ---------------------------------------------------------------------------- the real captures
@pytest.fixture
def real_history(db: Path) -> Path:
    if not REALDATA.is_dir() or not any(REALDATA.glob("*.json")):
        pytest.skip(f"real captures not available at {REALDATA}")
    with HistoryStore(db) as store:
        report = import_snapshots(store, REALDATA, "v1")
    assert report["skipped"] == []
    return db


def test_real_captures_timeline_filters_and_chart(real_history: Path) -> None:
    at = open_changes()
    table = timeline(at)
    assert len(table) == 22 + 17  # the 22 events of the fields tracked before, 17 cache-read moves
    assert (table["field"] != "cache read /1M").sum() == 22
    assert table["source"].eq("/v1/models").all()
    kinds(at).set_value(["price_changed"]).run()
    ok(at)
    assert len(timeline(at)) == 9 + 17
    kinds(at).set_value([]).run()
    at.multiselect(key="chg_model").set_value(["zai-org/GLM-5.2-TEE"]).run()
    narrowed = timeline(at)
    assert set(narrowed["model"]) == {"zai-org/GLM-5.2-TEE"}
    assert len(narrowed) == 5 + 2 and (narrowed["field"] == "cache read /1M").sum() == 2
    # week up to the last capture (2026-08-22): Qwen3.8 added, then its limits advertised
    assert metric(at, "Events, last 7 days") == "3"
    assert metric(at, "Added this week") == "1"
    assert metric(at, "Price moves this week") == "0"
    new = next(d.value for d in at.dataframe if "added" in d.value.columns)
    assert new["model"].tolist() == ["Qwen/Qwen3.8-27B-TEE"]
    # the price chart: Kimi-K2.6 moved last (2026-08-04)
    assert at.selectbox(key="chg_price_model").value == "moonshotai/Kimi-K2.6-TEE"
    spec = chart_spec(at)
    assert all(t["line"]["shape"] == "hv" and "markers" in t["mode"] for t in spec["data"])
    inputs = next(t for t in spec["data"] if t["name"].startswith("Input"))
    assert sorted(set(ys(inputs)), reverse=True) == [0.74, 0.66, 0.58]


def test_real_cache_read_drop_is_reported_and_captioned(real_history: Path) -> None:
    """2026-08-04: every cache-read price fell 80 % (Qwen3-32B-TEE 0.052 -> 0.0104)."""
    at = open_changes()
    table = timeline(at)
    qwen = table[(table["model"] == "Qwen/Qwen3-32B-TEE") & (table["field"] == "cache read /1M")]
    assert qwen["change"].tolist() == ["$0.052 → $0.0104 (−80.0%)"]
    at.selectbox(key="chg_price_model").set_value("Qwen/Qwen3-32B-TEE").run()
    ok(at)
    cache = next(t for t in chart_spec(at)["data"] if t["name"].startswith("Cache read"))
    assert ys(cache)[0] == 0.052 and ys(cache)[-1] == 0.0104
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith(
            "1 repricing (1 price move, cache read included), the last on "
            "2026-08-04 11:33 UTC (cache read /1M)"
        )
        for c in captions
    ), captions
    at.selectbox(key="chg_price_model").set_value("moonshotai/Kimi-K2.6-TEE").run()
    # the chart's three series all moved on 2026-08-04, and the caption says so
    assert any(
        c.value.startswith(
            "2 repricings (5 price moves, cache read included), the last on "
            "2026-08-04 11:33 UTC (input /1M, output /1M, cache read /1M)"
        )
        for c in at.caption
    ), [c.value for c in at.caption]


# ---------------------------------------------------------------------------- the CLI
def test_cli_changes_prints_the_same_events(db: Path, tmp_path: Path) -> None:
    build_small_history(db)
    env = {**os.environ, "CHUTES_CACHE_DIR": str(tmp_path / "cache"), "CHUTES_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "chutes_data", "changes", "--format", "text"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [  # oldest first, as the page shows newest first
        "2026-09-03  added   [v1] org/C",
        "2026-09-03  price   [v1] org/A  price_input_usd 0.1 → 0.08",
        "2026-09-04  price   [chutes] org/X  price_output_usd 0.6 → 0.5",
        "2026-09-04  status  [chutes] org/X  hot → cold",
        "2026-09-09  context [v1] org/C  context_length 32768 → 65536",
        "2026-09-09  removed [v1] org/B",
    ]


# ---------------------------------------------------------------------------- pure parts
def test_new_models_takes_current_prices_in_the_chosen_currency() -> None:
    from chutes_data.views import changes as timeline

    events = pd.DataFrame(
        [
            {
                "at": pd.Timestamp("2026-09-08T12:00Z"),
                "kind": "added",
                "source": "v1",
                "name": "org/C",
                "chute_id": "cid-c",
                "field": None,
                "old": None,
                "new": None,
            },
            {
                "at": pd.Timestamp("2026-09-08T12:00Z"),
                "kind": "added",
                "source": "v1",
                "name": "org/Gone",
                "chute_id": "cid-g",
                "field": None,
                "old": None,
                "new": None,
            },
            {
                "at": pd.Timestamp("2026-08-01T12:00Z"),
                "kind": "added",
                "source": "v1",
                "name": "org/Old",
                "chute_id": "cid-o",
                "field": None,
                "old": None,
                "new": None,
            },
        ]
    )
    models = pd.DataFrame(
        {
            "name": ["org/C", "org/Old"],
            "chute_id": ["cid-c", "cid-o"],
            "v1_id": ["org/C", "org/Old"],
            "price_input_usd": [0.1, 1.0],
            "price_output_usd": [None, 2.0],
            "price_input_tao": [0.0005, 0.005],
            "price_output_tao": [None, 0.01],
        }
    )
    end = datetime(2026, 9, 9, 12, tzinfo=UTC)
    link = lambda cid, name: f"model?chute_id={cid}" if cid else f"model?name={name}"
    usd = timeline.new_models(events, end, models, "usd", link)
    assert usd["model"].tolist() == ["org/C", "org/Gone"]  # org/Old was added 5 weeks earlier
    assert usd["listed"].tolist() == [True, False]
    assert usd["price_input"].iloc[0] == 0.1 and pd.isna(usd["price_output"].iloc[0])
    assert usd["details"].iloc[0] == "model?chute_id=cid-c" and pd.isna(usd["details"].iloc[1])
    tao = timeline.new_models(events, end, models, "tao", link)
    assert tao["price_input"].iloc[0] == 0.0005
    listed = timeline.listed_link(models, link)
    assert listed("cid-o", "x") == "model?chute_id=cid-o" and listed(None, "org/C") == "model?name=org/C"
    assert listed("cid-g", "org/Gone") is None


def test_an_empty_fetch_is_not_recorded_as_everything_removed(settings) -> None:
    from chutes_data.history import history_path
    from chutes_data.sources.loading import record_history

    record_history(settings, "v1", v1(v1_model("org/A")), T0)
    record_history(settings, "v1", v1(), T0 + timedelta(days=1))  # an empty catalog: a failed capture
    record_history(settings, "v1", v1(v1_model("org/A")), T0 + timedelta(days=2))
    with HistoryStore(history_path(settings)) as store:
        assert store.changes() == []
        assert len(store.snapshots_frame()) == 1


# ---------------------------------------------------------------------------- what changed since (issue 13)
def test_since_defaults_to_the_snapshot_before_the_current_one_and_marks_what_is_new(db: Path) -> None:
    build_small_history(db)
    at = open_changes()
    table = timeline(at)
    assert "new" in table.columns
    # the current snapshot of each source (v1 2026-09-09, /chutes/ 2026-09-04) is new; the one
    # before them (v1 2026-09-03) is the default "since"
    assert table["new"].tolist() == (table["at"] > pd.Timestamp("2026-09-03T12:00Z")).tolist()
    assert table["new"].sum() == 4
    assert any(" new since " in c.value for c in at.caption)


def test_since_from_the_url_marks_everything_after_that_day(db: Path) -> None:
    build_small_history(db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.query_params["since"] = "2026-09-04"
    at.run()
    ok(at)
    assert str(at.date_input(key="since").value) == "2026-09-04"
    table = timeline(at)
    assert table["new"].tolist() == (table["at"] > pd.Timestamp("2026-09-04T00:00Z")).tolist()
    assert table["new"].any() and not table["new"].all()
