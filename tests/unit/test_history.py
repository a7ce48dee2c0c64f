"""History database: snapshots, dedupe, retention, events, price history, backfill import."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from realdata import V1_DAILY as REALDATA

from chutes_data.errors import ChutesDataError, HistoryError, PayloadError
from chutes_data.history import HistoryStore, capture_time, format_changes_text, import_snapshots
from chutes_data.history.db import SCHEMA_VERSION

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# ---------------------------------------------------------------------------- payload builders
def v1_model(
    mid: str,
    inp: float = 0.1,
    out: float = 0.4,
    *,
    ctx: int | None = 32768,
    mol: int | None = 8192,
    created: int = 1781209365,
    cache: float | None = 0.05,
    **extra,
) -> dict:
    model = {
        "id": mid,
        "object": "model",
        "created": created,
        "owned_by": "sglang",
        "chute_id": f"cid-{mid}",
        "max_model_len": 131072,
        "price": {
            "input": {"usd": inp, "tao": inp / 200},
            "output": {"usd": out, "tao": out / 200},
            **({"input_cache_read": {"usd": cache, "tao": cache / 200}} if cache is not None else {}),
        },
        "pricing": {"prompt": inp, "completion": out},
    }
    if ctx is not None:
        model["context_length"] = ctx
    if mol is not None:
        model["max_output_length"] = mol
    return {**model, **extra}


def v1(*models: dict) -> dict:
    return {"object": "list", "data": list(models)}


def chute(
    cid: str,
    name: str,
    *,
    template: str | None = "vllm",
    hot: bool = True,
    per_m: tuple[float, float] | None = None,
    step: float | None = None,
    hour: float = 2.5,
) -> dict:
    price: dict = {"usd": {"hour": hour, "second": hour / 3600}, "tao": {"hour": hour / 200}}
    if per_m:
        price["per_million_tokens"] = {"input": {"usd": per_m[0]}, "output": {"usd": per_m[1]}}
    if step is not None:
        price["per_step"] = {"usd": step}
    return {
        "chute_id": cid,
        "name": name,
        "standard_template": template,
        "hot": hot,
        "user": {"username": "chutes"},
        "invocation_count": 1,
        "current_estimated_price": price,
        "instances": [{"instance_id": "i", "active": hot, "verified": True}],
    }


def chutes(*items: dict) -> dict:
    return {"total": len(items), "page": 0, "limit": 1000, "items": list(items), "cord_refs": {}}


def summary(events: list[dict]) -> list[tuple]:
    return [(e["at"][:10], e["kind"], e["name"], e["field"], e["old"], e["new"]) for e in events]


@pytest.fixture
def store(tmp_path: Path):
    with HistoryStore(tmp_path / "history.sqlite", retention_days=None, max_snapshots=None) as s:
        yield s


# ---------------------------------------------------------------------------- schema and file
def test_schema_created_with_user_version_and_reopens(tmp_path: Path):
    path = tmp_path / "sub" / "h.sqlite"
    with HistoryStore(path) as s:
        s.record("v1", v1(v1_model("a")), T0)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6  # 6: the event journal
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"snapshots", "models", "model_state", "observations", "webhook_deliveries"} <= tables
    conn.close()
    with HistoryStore(path) as s:  # reopening migrates nothing and keeps the data
        assert len(s.snapshots_frame()) == 1


def test_a_version_1_database_is_migrated_and_keeps_its_history(tmp_path: Path):
    """Schema 2 adds the TAO price beside cache-read, step, request and hourly USD prices."""
    from chutes_data.history import db as history_db

    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    history_db.MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    with HistoryStore(path) as s:  # a version-1 file gets migrations 2 to 4
        s.record("v1", v1(v1_model("a", cache=0.05)), T0)
        s.record("v1", v1(v1_model("a", cache=0.01)), day(1))
        assert summary(s.changes()) == [
            ("2026-07-02", "price_changed", "a", "price_cache_read_usd", 0.05, 0.01)
        ]
        assert s.price_history("a")["price_cache_read_tao"].tolist() == [0.05 / 200, 0.01 / 200]
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(model_state)")}
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    conn.close()
    assert {"price_cache_read_tao", "price_step_tao", "price_request_tao", "price_hour_tao"} <= columns


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path):
    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HistoryError, match="newer"):
        HistoryStore(path)
    assert path.exists() and not list(tmp_path.glob("*.corrupt-*"))


def test_corrupt_file_is_moved_aside_and_replaced(tmp_path: Path, caplog):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not an sqlite database" * 100)
    with caplog.at_level(logging.WARNING, logger="chutes_data.history"):
        with HistoryStore(path) as s:
            assert s.record("v1", v1(v1_model("a")), T0).stored is True
    assert "moved aside" in caplog.text
    aside = list(tmp_path.glob("h.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    assert issubclass(HistoryError, ChutesDataError)


def test_bad_arguments_raise_package_errors(store: HistoryStore):
    with pytest.raises(HistoryError):
        store.record("nope", v1(), T0)
    with pytest.raises(PayloadError):
        store.record("v1", {"unexpected": True}, T0)
    with pytest.raises(HistoryError):
        store.changes(kinds=["renamed"])
    with pytest.raises(HistoryError):
        store.changes(since="not a date")
    with pytest.raises(HistoryError):
        store.changes(source="bogus")


# ---------------------------------------------------------------------------- dedupe and retention
def test_identical_snapshot_is_stored_once(store: HistoryStore):
    payload = v1(v1_model("a"), v1_model("b"))
    assert store.record("v1", payload, day(0)).stored is True
    assert store.record("v1", payload, day(1)).stored is False  # byte-identical
    # same tracked state, but `created` and TAO prices moved: still the same snapshot
    moved = v1(v1_model("b", created=1790000000), v1_model("a", created=1790000000))
    moved["data"][0]["price"]["input"]["tao"] = 0.123
    assert store.record("v1", moved, day(2)).stored is False
    assert store.record("v1", payload, day(2)).stored is False  # this time was already observed
    snaps = store.snapshots_frame()
    assert len(snaps) == 1
    assert snaps.loc[0, "captured_at"] == day(0) and snaps.loc[0, "last_seen_at"] == day(2)
    assert snaps.loc[0, "observations"] == 3 and snaps.loc[0, "models"] == 2
    assert snaps.loc[0, "origin"] == "live" and bool(snaps.loc[0, "has_payload"])
    assert store.latest_payload("v1") == payload and store.latest_payload("chutes") is None
    rev = store.revision()
    assert store.record("v1", payload, day(3)).stored is False and store.revision() != rev
    assert store.changes() == []


def test_sources_are_independent(store: HistoryStore):
    store.record("v1", v1(v1_model("a")), day(0))
    store.record("chutes", chutes(chute("c1", "a", per_m=(0.1, 0.4))), day(0))
    store.record("v1", v1(v1_model("a"), v1_model("b")), day(1))
    assert summary(store.changes(source="chutes")) == []
    assert [e["source"] for e in store.changes()] == ["v1"]


def test_retention_prunes_old_snapshots_but_keeps_the_latest(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite", retention_days=30, max_snapshots=None) as s:
        for n in range(0, 100, 10):  # a new state every 10 days
            assert s.record("v1", v1(v1_model("a", inp=0.1 + n / 1000)), day(n)).stored is True
        kept = s.snapshots_frame()["captured_at"].tolist()
        assert kept == [day(n) for n in (60, 70, 80, 90)]  # last seen within 30 days of day 90
        # a state unchanged for longer than the retention survives: it is the latest
        s.record("v1", v1(v1_model("a", inp=0.1 + 90 / 1000)), day(200))
        assert s.snapshots_frame()["captured_at"].tolist() == [day(90)]
    with HistoryStore(tmp_path / "m.sqlite", retention_days=None, max_snapshots=3) as s:
        for n in range(6):
            s.record("v1", v1(v1_model("a", inp=0.1 + n)), day(n))
        assert s.snapshots_frame()["captured_at"].tolist() == [day(3), day(4), day(5)]
        assert len(s.changes()) == 2  # the oldest kept snapshot is the baseline


def test_retention_thins_observations_of_a_long_lived_state(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite", retention_days=10) as s:
        for n in range(30):
            s.record("v1", v1(v1_model("a")), day(n))
        snap = s.snapshots_frame().iloc[0]
        assert (snap["captured_at"], snap["last_seen_at"]) == (day(0), day(29))
        assert snap["observations"] == 1 + 11  # the first, and those within 10 days of the newest


def test_only_the_newest_payloads_are_kept(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite", keep_payloads=2) as s:
        payloads = [v1(v1_model("a", inp=0.1 * (n + 1))) for n in range(4)]
        for n, payload in enumerate(payloads):
            s.record("v1", payload, day(n))
        snaps = s.snapshots_frame()
        assert snaps["has_payload"].tolist() == [False, False, True, True]
        assert s.payload(int(snaps["id"].iloc[0])) is None
        assert s.payload(int(snaps["id"].iloc[2])) == payloads[2]
        assert s.latest_payload("v1") == payloads[3]
        assert len(s.changes()) == 3  # states are kept without payloads


def in_threads(work, n: int) -> list[Exception]:
    """Run `work(k)` for k in 0..n-1, each on a thread of its own; what they raised."""
    errors: list[Exception] = []

    def worker(k: int) -> None:
        try:
            work(k)
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_two_stores_on_one_file(tmp_path: Path):
    """The app keeps a store open while a fetch opens its own (as two processes would)."""
    path = tmp_path / "h.sqlite"

    def work(k: int) -> None:
        with HistoryStore(path) as s:
            for n in range(8):
                s.record("v1", v1(v1_model("a", inp=float(n))), day(n + k / 100))

    assert in_threads(work, 3) == []
    with HistoryStore(path) as s:
        assert len(s.snapshots_frame()) == 8 and s.snapshots_frame()["observations"].sum() == 24


# ---------------------------------------------------------------------------- out of order
CAPTURES = [  # (day, payload): every kind of v1 change, a revert, and repeated states
    (0, v1(v1_model("a"), v1_model("b"))),
    (1, v1(v1_model("a"), v1_model("b"))),
    (2, v1(v1_model("a", inp=0.08), v1_model("b"))),
    (3, v1(v1_model("a", inp=0.08), v1_model("b"), v1_model("c", ctx=None))),
    (4, v1(v1_model("a", inp=0.08), v1_model("c"))),
    (5, v1(v1_model("a", inp=0.08), v1_model("c"))),
    (6, v1(v1_model("a"), v1_model("c"))),  # price back up
    (7, v1(v1_model("a", inp=0.08), v1_model("c"))),  # ... and down again
    (8, v1(v1_model("a", inp=0.08), v1_model("c"))),
]
EXPECTED = [
    ("2026-07-03", "price_changed", "a", "price_input_usd", 0.1, 0.08),
    ("2026-07-04", "added", "c", None, None, None),
    ("2026-07-05", "context_changed", "c", "context_length", None, 32768),
    ("2026-07-05", "removed", "b", None, None, None),
    ("2026-07-07", "price_changed", "a", "price_input_usd", 0.08, 0.1),
    ("2026-07-08", "price_changed", "a", "price_input_usd", 0.1, 0.08),
]


def _timeline(tmp_path: Path, order: list[int], name: str):
    with HistoryStore(tmp_path / name, retention_days=None, max_snapshots=None) as s:
        stored = sum(bool(s.record("v1", CAPTURES[i][1], day(CAPTURES[i][0]), origin="test")) for i in order)
        snaps = s.snapshots_frame()
        return (
            s.changes(),
            snaps[["captured_at", "last_seen_at", "models", "observations"]].to_dict("records"),
            stored,
        )


def test_in_order_timeline(tmp_path: Path):
    events, snaps, stored = _timeline(tmp_path, list(range(len(CAPTURES))), "a.sqlite")
    assert summary(events) == EXPECTED
    assert stored == len(snaps) == 6
    assert snaps[-1]["last_seen_at"] == day(8)


@pytest.fixture(scope="module")
def in_order(tmp_path_factory):
    return _timeline(tmp_path_factory.mktemp("in"), list(range(len(CAPTURES))), "in.sqlite")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(list(range(len(CAPTURES)))))
def test_out_of_order_backfill_gives_the_same_timeline(tmp_path_factory, in_order, order):
    tmp = tmp_path_factory.mktemp("perm")
    expected = in_order
    # events and snapshots are order-independent; how many record() calls returned True is not
    # (a capture landing inside a run splits it, and an earlier sighting of a state extends it)
    assert _timeline(tmp, list(order), "any.sqlite")[:2] == expected[:2]


def test_capture_inside_a_run_splits_it(store: HistoryStore):
    a, b = v1(v1_model("a")), v1(v1_model("a", out=0.5))
    store.record("v1", a, day(0))
    store.record("v1", a, day(4))
    assert store.record("v1", b, day(2)).stored is True
    assert summary(store.changes()) == [
        ("2026-07-03", "price_changed", "a", "price_output_usd", 0.4, 0.5),
        ("2026-07-05", "price_changed", "a", "price_output_usd", 0.5, 0.4),
    ]
    snaps = store.snapshots_frame()
    assert snaps["captured_at"].tolist() == [day(0), day(2), day(4)]
    assert snaps["last_seen_at"].tolist() == [day(0), day(2), day(4)]


# ---------------------------------------------------------------------------- event kinds
def test_v1_added_removed_price_and_context(store: HistoryStore):
    store.record("v1", v1(v1_model("m/old"), v1_model("m/x", 0.3, 1.2, ctx=65536)), day(0))
    store.record("v1", v1(v1_model("m/x", 0.25, 1.0, ctx=131072, mol=16384), v1_model("m/new")), day(1))
    events = store.changes()
    assert summary(events) == [
        ("2026-07-02", "added", "m/new", None, None, None),
        ("2026-07-02", "context_changed", "m/x", "context_length", 65536, 131072),
        ("2026-07-02", "context_changed", "m/x", "max_output_length", 8192, 16384),
        ("2026-07-02", "price_changed", "m/x", "price_input_usd", 0.3, 0.25),
        ("2026-07-02", "price_changed", "m/x", "price_output_usd", 1.2, 1.0),
        ("2026-07-02", "removed", "m/old", None, None, None),
    ]
    assert all(set(e) == {"kind", "name", "chute_id", "field", "old", "new", "at", "source"} for e in events)
    assert events[0]["chute_id"] == "cid-m/new" and events[-1]["chute_id"] == "cid-m/old"
    assert events[0]["at"] == "2026-07-02T12:00:00Z" and events[0]["source"] == "v1"


def test_chutes_per_million_step_hourly_and_status(store: HistoryStore):
    before = chutes(
        chute("c-llm", "org/LLM", per_m=(0.2, 0.8), hour=4.0),
        chute("c-img", "org/Diffusion", template="diffusion", step=0.002, hour=2.0),
        chute("c-own", "someone/custom", template=None, hour=1.5, hot=False),
        chute("c-hot", "org/Flips", per_m=(0.1, 0.1), hot=True),
    )
    after = chutes(
        chute("c-llm", "org/LLM", per_m=(0.2, 0.7), hour=5.0),  # every stated price is tracked:
        chute("c-img", "org/Diffusion", template="diffusion", step=0.0015, hour=3.0),  # hourly too
        chute("c-own", "someone/custom", template=None, hour=1.25, hot=False),
        chute("c-hot", "org/Flips", per_m=(0.1, 0.1), hot=False),
    )
    store.record("chutes", before, day(0))
    store.record("chutes", after, day(1))
    assert summary(store.changes()) == [
        ("2026-07-02", "price_changed", "org/Diffusion", "price_hour_usd", 2.0, 3.0),
        ("2026-07-02", "price_changed", "org/Diffusion", "price_step_usd", 0.002, 0.0015),
        ("2026-07-02", "price_changed", "org/LLM", "price_hour_usd", 4.0, 5.0),
        ("2026-07-02", "price_changed", "org/LLM", "price_output_usd", 0.8, 0.7),
        ("2026-07-02", "price_changed", "someone/custom", "price_hour_usd", 1.5, 1.25),
        ("2026-07-02", "status_changed", "org/Flips", "hot", True, False),
    ]
    assert summary(store.changes(kinds=["status_changed"])) == [
        ("2026-07-02", "status_changed", "org/Flips", "hot", True, False)
    ]


def test_same_name_different_owners_are_different_models(store: HistoryStore):
    store.record("chutes", chutes(chute("c1", "dup", per_m=(1, 1)), chute("c2", "dup", per_m=(2, 2))), day(0))
    store.record("chutes", chutes(chute("c1", "dup", per_m=(1, 1)), chute("c2", "dup", per_m=(3, 2))), day(1))
    events = store.changes()
    assert [(e["chute_id"], e["field"], e["old"], e["new"]) for e in events] == [
        ("c2", "price_input_usd", 2.0, 3.0)
    ]


def test_float_noise_is_no_event_and_no_snapshot(store: HistoryStore):
    store.record("v1", v1(v1_model("q", inp=0.0104, out=0.3)), day(0))
    assert (
        store.record(
            "v1", v1(v1_model("q", inp=0.010399999999999998, out=0.30000000000000004)), day(1)
        ).stored
        is False
    )
    assert store.changes() == []


def test_changes_filters(store: HistoryStore):
    for n, _ in enumerate(CAPTURES):
        store.record("v1", CAPTURES[n][1], day(CAPTURES[n][0]))
    assert summary(store.changes(since=day(4))) == EXPECTED[2:]
    assert summary(store.changes(since="2026-07-05")) == EXPECTED[2:]
    assert summary(store.changes(since=day(4), kinds="removed")) == [EXPECTED[3]]
    assert summary(store.changes(model="cid-c")) == EXPECTED[1:3]
    assert summary(store.changes(source="chutes")) == []


# ---------------------------------------------------------------------------- price history
def test_price_history_rows(store: HistoryStore):
    for n, _ in enumerate(CAPTURES):
        store.record("v1", CAPTURES[n][1], day(CAPTURES[n][0]))
    hist = store.price_history("a")
    assert list(hist.columns[:11]) == [
        "at",
        "source",
        "name",
        "chute_id",
        "price_input_usd",
        "price_output_usd",
        "price_cache_read_usd",
        "price_step_usd",
        "price_hour_usd",
        "hot",
        "context_length",
    ]
    assert hist["at"].tolist() == [day(n) for n in (0, 2, 3, 4, 6, 7)]
    assert hist["price_input_usd"].tolist() == [0.1, 0.08, 0.08, 0.08, 0.1, 0.08]
    assert hist["last_seen_at"].iloc[-1] == day(8)
    assert str(hist["at"].dt.tz) == "UTC" and str(hist["context_length"].dtype) == "Int64"
    by_id = store.price_history("cid-b")
    assert by_id["at"].tolist() == [day(0), day(2), day(3)] and set(by_id["name"]) == {"b"}
    assert store.price_history("unknown").empty
    assert store.price_history("a", source="chutes").empty


def test_price_history_of_a_chute_has_hot(store: HistoryStore):
    store.record("chutes", chutes(chute("c1", "x", per_m=(1, 2), hot=True)), day(0))
    store.record("chutes", chutes(chute("c1", "x", per_m=(1, 2), hot=False)), day(1))
    hist = store.price_history("x")
    assert hist["hot"].tolist() == [True, False] and str(hist["hot"].dtype) == "boolean"


def test_concurrent_records_from_threads(store: HistoryStore):
    def work(k: int) -> None:
        for n in range(10):
            store.record("v1", v1(v1_model("a", inp=float(n))), day(n + k / 100))
            store.changes()

    assert in_threads(work, 4) == []
    assert len(store.snapshots_frame()) == 10 and len(store.changes()) == 9


# ---------------------------------------------------------------------------- import and text
def test_import_snapshots_capture_time_rules_and_bad_files(tmp_path: Path):
    src = tmp_path / "captures"
    src.mkdir()
    (src / "field.json").write_text(json.dumps({**v1(v1_model("a")), "_captured_at": "2026-07-01T08:00:00Z"}))
    (src / "v1_2026-07-02.json").write_text(json.dumps(v1(v1_model("a", inp=0.2))))
    (src / "v1-2026-07-03T09-30-15Z.json").write_text(json.dumps(v1(v1_model("a", inp=0.3))))
    plain = src / "plain.json"
    plain.write_text(json.dumps(v1(v1_model("a", inp=0.4))))
    os.utime(plain, (day(3).timestamp(), day(3).timestamp()))
    (src / "wrapped.json").write_text(
        json.dumps(
            {
                "source": "v1",
                "fetched_at": "2026-07-06T00:00:00Z",
                "complete": True,
                "payload": v1(v1_model("a", inp=0.5)),
            }
        )
    )
    (src / "2026-07-07-broken.json").write_text('{"object": "list", "data": [')
    (src / "2026-07-08-shape.json").write_text(json.dumps({"hello": "world"}))
    (src / "2026-07-09-empty.json").write_text(json.dumps(v1()))
    (src / "2026-07-10-other.json").write_text(
        json.dumps({"source": "chutes", "fetched_at": "2026-07-10T00:00:00Z", "payload": chutes()})
    )
    (src / "notes.txt").write_text("ignored")
    with HistoryStore(tmp_path / "h.sqlite", retention_days=None) as s:
        report = import_snapshots(s, src, "v1")
        assert report["files"] == 9 and report["imported"] == 5 and report["duplicates"] == 0
        skipped = {r["file"]: r["reason"] for r in report["skipped"]}
        assert set(skipped) == {
            "2026-07-07-broken.json",
            "2026-07-08-shape.json",
            "2026-07-09-empty.json",
            "2026-07-10-other.json",
        }
        assert "JSON" in skipped["2026-07-07-broken.json"]
        assert "not a usable v1 response" in skipped["2026-07-08-shape.json"]
        assert "no models" in skipped["2026-07-09-empty.json"]
        assert s.snapshots_frame()["captured_at"].tolist() == [
            datetime(2026, 7, 1, 8, tzinfo=UTC),
            datetime(2026, 7, 2, tzinfo=UTC),
            datetime(2026, 7, 3, 9, 30, 15, tzinfo=UTC),
            day(3),
            datetime(2026, 7, 6, tzinfo=UTC),
        ]
        assert set(s.snapshots_frame()["origin"]) == {"import"}
        again = import_snapshots(s, src, "v1")
        assert (again["imported"], again["duplicates"], len(again["skipped"])) == (0, 5, 4)
        assert len(s.snapshots_frame()) == 5
        with pytest.raises(HistoryError):
            import_snapshots(s, tmp_path / "missing", "v1")


def test_import_chutes_cache_files(tmp_path: Path):
    src = tmp_path / "saved"
    src.mkdir()
    for n, hot in enumerate((True, True, False)):
        doc = {
            "source": "chutes",
            "fetched_at": f"2026-07-0{n + 1}T06:00:00Z",
            "complete": True,
            "payload": chutes(chute("c1", "org/M", per_m=(0.5, 1.5), hot=hot)),
        }
        (src / f"chutes-{n}.json").write_text(json.dumps(doc))
    with HistoryStore(tmp_path / "h.sqlite") as s:
        assert import_snapshots(s, src, "chutes") == {
            "files": 3,
            "imported": 2,
            "duplicates": 1,
            "skipped": [],
        }
        assert summary(s.changes()) == [("2026-07-03", "status_changed", "org/M", "hot", True, False)]
        report = import_snapshots(s, src, "v1")  # wrappers of another source are refused
        assert report["imported"] == 0 and len(report["skipped"]) == 3


def test_capture_time_rule_order(tmp_path: Path):
    path = tmp_path / "2026-01-02.json"
    path.write_text("{}")
    assert capture_time({"_captured_at": "2026-03-04T05:06:07Z"}, path) == (
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        "_captured_at",
    )
    assert capture_time({"fetched_at": 1780000000}, path)[1] == "fetched_at"
    assert capture_time({"_captured_at": "garbage"}, path) == (datetime(2026, 1, 2, tzinfo=UTC), "filename")
    other = tmp_path / "capture.json"
    other.write_text("{}")
    assert capture_time([], other)[1] == "mtime"


def test_format_changes_text():
    events = [
        {
            "kind": "price_changed",
            "name": "Qwen/Qwen3-32B-TEE",
            "chute_id": "x",
            "field": "price_input_usd",
            "old": 0.104,
            "new": 0.08,
            "at": "2026-07-03T10:00:00Z",
            "source": "v1",
        },
        {
            "kind": "status_changed",
            "name": "a",
            "chute_id": "y",
            "field": "hot",
            "old": True,
            "new": False,
            "at": "2026-07-04T10:00:00Z",
            "source": "v1",
        },
        {
            "kind": "added",
            "name": "b",
            "chute_id": "z",
            "field": None,
            "old": None,
            "new": None,
            "at": "2026-07-05T10:00:00Z",
            "source": "v1",
        },
    ]
    assert format_changes_text(events).splitlines() == [
        "2026-07-03  price   Qwen/Qwen3-32B-TEE  price_input_usd 0.104 → 0.08",
        "2026-07-04  status  a                   hot → cold",
        "2026-07-05  added   b",
    ]
    assert format_changes_text([]) == ""


# ---------------------------------------------------------------------------- real captures
# Built independently from the 73 raw files (a throwaway script diffing ids, price.input/output.usd,
# context_length and max_output_length day over day), then checked by hand. Cache-read prices also
# move (2026-08-04: cache discount 0.5 -> 0.9 for every model) but are not tracked as events.
REAL_TIMELINE = [
    ("2026-06-17T10:58:18Z", "added", "zai-org/GLM-5.2-TEE", None, None, None),
    ("2026-06-18T10:49:34Z", "context_changed", "zai-org/GLM-5.2-TEE", "context_length", None, 1048576),
    ("2026-06-18T10:49:34Z", "context_changed", "zai-org/GLM-5.2-TEE", "max_output_length", None, 65535),
    ("2026-06-18T10:49:34Z", "removed", "nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-TEE", None, None, None),
    ("2026-06-21T10:28:14Z", "price_changed", "zai-org/GLM-5.1-TEE", "price_input_usd", 1.2, 0.98),
    ("2026-06-21T10:28:14Z", "price_changed", "zai-org/GLM-5.1-TEE", "price_output_usd", 4.0, 3.08),
    ("2026-06-22T11:13:25Z", "price_changed", "google/gemma-4-31B-turbo-TEE", "price_input_usd", 0.15, 0.12),
    ("2026-06-22T11:13:25Z", "price_changed", "google/gemma-4-31B-turbo-TEE", "price_output_usd", 0.42, 0.37),
    ("2026-06-22T11:13:25Z", "price_changed", "moonshotai/Kimi-K2.6-TEE", "price_input_usd", 0.74, 0.66),
    ("2026-07-24T11:12:37Z", "added", "Nemotron-3-Nano-Omni-30B-TEE", None, None, None),
    ("2026-07-25T10:45:07Z", "price_changed", "zai-org/GLM-5.2-TEE", "price_input_usd", 1.4, 1.25),
    ("2026-07-25T10:45:07Z", "price_changed", "zai-org/GLM-5.2-TEE", "price_output_usd", 4.4, 3.95),
    ("2026-07-28T11:28:08Z", "added", "moonshotai/Kimi-K3-TEE", None, None, None),
    ("2026-08-01T10:49:28Z", "removed", "MiniMaxAI/MiniMax-M2.5-TEE", None, None, None),
    ("2026-08-01T10:49:28Z", "removed", "moonshotai/Kimi-K2.5-TEE", None, None, None),
    ("2026-08-01T10:49:28Z", "removed", "zai-org/GLM-5-TEE", None, None, None),
    ("2026-08-03T12:36:39Z", "added", "deepseek-ai/DeepSeek-V4-Flash-0731-TEE", None, None, None),
    ("2026-08-04T11:33:46Z", "price_changed", "moonshotai/Kimi-K2.6-TEE", "price_input_usd", 0.66, 0.58),
    ("2026-08-04T11:33:46Z", "price_changed", "moonshotai/Kimi-K2.6-TEE", "price_output_usd", 3.5, 3.4),
    ("2026-08-16T09:43:08Z", "added", "Qwen/Qwen3.8-27B-TEE", None, None, None),
    ("2026-08-17T09:58:47Z", "context_changed", "Qwen/Qwen3.8-27B-TEE", "context_length", None, 262144),
    ("2026-08-17T09:58:47Z", "context_changed", "Qwen/Qwen3.8-27B-TEE", "max_output_length", None, 65536),
]

# Cache-read prices (tracked since schema 2): on 2026-08-04 every one fell by 80 %.
REAL_CACHE_READ_MOVES = [
    ("2026-06-21T10:28:14Z", "zai-org/GLM-5.1-TEE", 0.6, 0.49),
    ("2026-06-22T11:13:25Z", "google/gemma-4-31B-turbo-TEE", 0.075, 0.06),
    ("2026-06-22T11:13:25Z", "moonshotai/Kimi-K2.6-TEE", 0.37, 0.33),
    ("2026-07-25T10:45:07Z", "zai-org/GLM-5.2-TEE", 0.7, 0.625),
    ("2026-08-04T11:33:46Z", "Nemotron-3-Nano-Omni-30B-TEE", 0.01225, 0.00245),
    ("2026-08-04T11:33:46Z", "Qwen/Qwen3-235B-A22B-Thinking-2507-TEE", 0.14945, 0.02989),
    ("2026-08-04T11:33:46Z", "Qwen/Qwen3-32B-TEE", 0.052, 0.0104),
    ("2026-08-04T11:33:46Z", "Qwen/Qwen3.5-397B-A17B-TEE", 0.225, 0.045),
    ("2026-08-04T11:33:46Z", "Qwen/Qwen3.6-27B-TEE", 0.15, 0.03),
    ("2026-08-04T11:33:46Z", "deepseek-ai/DeepSeek-V3.2-TEE", 0.5, 0.1),
    ("2026-08-04T11:33:46Z", "deepseek-ai/DeepSeek-V4-Flash-0731-TEE", 0.07, 0.014),
    ("2026-08-04T11:33:46Z", "google/gemma-4-31B-turbo-TEE", 0.06, 0.012),
    ("2026-08-04T11:33:46Z", "moonshotai/Kimi-K2.6-TEE", 0.33, 0.058),
    ("2026-08-04T11:33:46Z", "moonshotai/Kimi-K3-TEE", 1.5, 0.3),
    ("2026-08-04T11:33:46Z", "unsloth/Mistral-Nemo-Instruct-2407-TEE", 0.01225, 0.00245),
    ("2026-08-04T11:33:46Z", "zai-org/GLM-5.1-TEE", 0.49, 0.098),
    ("2026-08-04T11:33:46Z", "zai-org/GLM-5.2-TEE", 0.625, 0.125),
]


def split_real(events: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """(events of the fields tracked before schema 2 as REAL_TIMELINE tuples, cache-read moves)."""
    got = [(e["at"], e["kind"], e["name"], e["field"], e["old"], e["new"]) for e in events]
    cache = [
        (at, name, old, new) for at, kind, name, field, old, new in got if field == "price_cache_read_usd"
    ]
    return [g for g in got if g[3] != "price_cache_read_usd"], cache


@pytest.fixture(scope="module")
def real_files() -> list[Path]:
    files = sorted(REALDATA.glob("*.json")) if REALDATA.is_dir() else []
    if len(files) != 73:
        pytest.skip(f"real captures not available at {REALDATA}")
    return files


def _real_ids(files: list[Path]) -> dict[str, str]:
    return {m["id"]: m["chute_id"] for f in files for m in json.loads(f.read_text())["data"]}


def test_real_v1_captures_give_the_exact_timeline(tmp_path: Path, real_files: list[Path]):
    with HistoryStore(tmp_path / "h.sqlite") as s:  # default retention: all 73 days fit in 180
        report = import_snapshots(s, REALDATA, "v1")
        assert report == {"files": 73, "imported": 13, "duplicates": 60, "skipped": []}
        events = s.changes()
        assert split_real(events) == (REAL_TIMELINE, REAL_CACHE_READ_MOVES)
        assert len(events) == 22 + 17
        ids = _real_ids(real_files)
        assert all(e["chute_id"] == ids[e["name"]] and e["source"] == "v1" for e in events)
        snaps = s.snapshots_frame()
        assert snaps["captured_at"].iloc[0] == datetime(2026, 6, 11, 20, 32, 1, tzinfo=UTC)
        last = json.loads(real_files[-1].read_text())["_captured_at"]
        assert snaps["last_seen_at"].iloc[-1] == datetime.fromisoformat(last)
        assert snaps["observations"].sum() == 73
        kimi = s.price_history("moonshotai/Kimi-K2.6-TEE")
        assert kimi["price_input_usd"].tolist() == [0.74] * 4 + [0.66] * 6 + [0.58] * 3
        assert kimi["price_cache_read_usd"].iloc[-1] == 0.058  # float noise cleaned
        qwen = s.price_history("Qwen/Qwen3-32B-TEE").set_index("at")
        drop = qwen.loc["2026-08-04T11:33:46Z"]
        assert (drop["price_cache_read_usd"], qwen["price_cache_read_usd"].iloc[0]) == (0.0104, 0.052)
        # the TAO price of each is kept beside it (from that snapshot's first capture)
        assert drop["price_cache_read_tao"] == pytest.approx(5.474911743369828e-05)
        assert qwen["price_input_tao"].notna().all() and qwen["price_step_tao"].isna().all()
        assert [
            e["name"]
            for e in s.changes(since="2026-08-04", kinds=["price_changed"])
            if e["field"] == "price_cache_read_usd"
        ] == [m[1] for m in REAL_CACHE_READ_MOVES[4:]]
        assert s.changes(since="2026-08-10") == events[-3:]
        assert [e["name"] for e in s.changes(since="2026-07-22", kinds=["added"])] == [
            "Nemotron-3-Nano-Omni-30B-TEE",
            "moonshotai/Kimi-K3-TEE",
            "deepseek-ai/DeepSeek-V4-Flash-0731-TEE",
            "Qwen/Qwen3.8-27B-TEE",
        ]
        again = import_snapshots(s, REALDATA, "v1")
        assert again == {"files": 73, "imported": 0, "duplicates": 73, "skipped": []}
        assert s.changes() == events and len(s.snapshots_frame()) == 13


def test_real_v1_captures_in_reverse_order_give_the_same_timeline(tmp_path: Path, real_files):
    with HistoryStore(tmp_path / "h.sqlite") as s:
        for path in reversed(real_files):
            obj = json.loads(path.read_text())
            s.record("v1", obj, obj["_captured_at"], origin="import")
        assert split_real(s.changes()) == (REAL_TIMELINE, REAL_CACHE_READ_MOVES)
        assert len(s.snapshots_frame()) == 13
