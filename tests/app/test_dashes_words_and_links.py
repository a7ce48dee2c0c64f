"""Dashes, words and links on the pages (AppTest on the bundled sample): every table says "—" for
an unknown value, nothing a page renders is an emoji, an invalid calculator link value falls back
to the preset (not 0) and is named in the "ignored" note, and `/models` is not a dead link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from apptest import new_app, ok
from google.protobuf.json_format import MessageToDict

pytestmark = pytest.mark.usefixtures("apptest_env")

# Emoji and pictographs (🟢 🔥 ✅ ⚠ …) and the emoji variation selector: they need an emoji font
# and render as boxes without one. Material icons (`:material/…:`) are ASCII names and pass.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
PAGES = ("models", "charts", "compare", "calculator", "model_detail", "changes", "merge_gaps", "data_sources")


def _sample() -> pd.DataFrame:
    from chutes_data import Settings, load_catalog

    return load_catalog(Settings.from_env(), allow_sample=True).models


def _sample_row_with_capacity() -> pd.Series:
    models = _sample()
    return models[models["capacity"].eq("busy") & models["chute_id"].notna()].iloc[0]


def _compare_pick() -> list[str]:
    """Compare's labels of a busy sample row and of one the utilization feed does not list."""
    from ui import model_pick

    models = _sample()
    labels = model_pick.labels(models)
    busy = _sample_row_with_capacity().name
    other = models.index[models["capacity"].eq("unknown")][0]
    return [labels[busy], labels[other]]


def open_page(page: str, **query: str | list[str]) -> Any:
    """`page` as a browser opens it (the router first), with `query` in its URL."""
    if page == "compare" and "cmp_models" not in query:
        query = {**query, "cmp_models": _compare_pick()}
    at = ok(new_app(**query).run())
    if page != "models":
        at.switch_page(f"pages/{page}.py")
        if page == "model_detail":
            at.query_params["chute_id"] = _sample_row_with_capacity()["chute_id"]
        ok(at.run())
    return at


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def rendered_text(at: Any) -> str:
    """Every element's proto as JSON (non-ASCII kept), plus every table's cells."""
    parts = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            parts.append(json.dumps(MessageToDict(proto), ensure_ascii=False))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


# ---------------------------------------------------------------------------- "—" for unknowns
@pytest.mark.parametrize("page", PAGES)
def test_every_table_shows_a_dash_for_unknown_values(page):
    """st.dataframe prints a grey "None" for a missing value unless `placeholder` is set; the
    app's legend says "—". (The Models table's call is in pages/models.py.)"""
    at = open_page(page, **({"charts_view": "Capacity now"} if page == "charts" else {}))
    for frame in at.dataframe:
        assert frame.proto.placeholder == "—", (page, frame.proto.id or frame.key)


def test_changes_tables_show_a_dash(tmp_path):
    """The Changes page's tables (a removed model has no price, no change text) on a history."""
    from test_changes_page import build_small_history

    build_small_history(tmp_path / "cache" / "history.sqlite")
    at = open_page("changes")
    assert len(at.dataframe) >= 1
    for frame in at.dataframe:
        assert frame.proto.placeholder == "—", list(frame.value.columns)
    assert any(frame.value.isna().any().any() for frame in at.dataframe)


def test_unknown_numbers_stay_numbers_under_the_placeholder():
    """The dash is the grid's placeholder, not a value in the column: numbers stay sortable."""
    at = open_page("models")
    table = at.dataframe[0].value
    assert table["context"].isna().any() or table["price_cache_read"].isna().any()
    for col in ("price_cache_read", "price_step", "context"):
        assert pd.api.types.is_numeric_dtype(table[col]), col


# ---------------------------------------------------------------------------- no emoji
def test_capacity_labels_are_text():
    from chutes_data.views import speed

    assert set(speed.CAPACITY_LABELS.values()) == {"ok", "busy", "throttling", "cold", "—"}
    assert speed.capacity_summary(pd.Series({"capacity": "throttling"}))["label"] == "throttling"


@pytest.mark.parametrize(
    "page,query",
    [
        ("models", {}),
        ("charts", {"charts_view": "Capacity now"}),
        ("charts", {"charts_view": "Price vs speed"}),
        ("compare", {}),
        ("calculator", {}),
        ("model_detail", {}),
        ("changes", {}),
        ("merge_gaps", {}),
        ("data_sources", {}),
    ],
)
def test_no_page_renders_an_emoji(page, query):
    at = open_page(page, **query)
    found = sorted(set(EMOJI.findall(rendered_text(at))))
    assert not found, f"{page} renders emoji {found}"


def test_detail_and_compare_say_capacity_in_words():
    row = _sample_row_with_capacity()
    at = open_page("model_detail")
    assert [m.value for m in at.metric if m.label == "Capacity now"] == ["busy"]
    at = open_page("compare")
    side = at.dataframe[0].value
    assert side.loc["Capacity now"].tolist() == ["busy", "—"]
    assert row["name"] in " ".join(map(str, side.columns))


# ---------------------------------------------------------------------------- calculator links
def calc_values(at: Any) -> dict[str, float]:
    values = {n.key: n.value for n in at.number_input}
    values["calc_cache"] = at.slider(key="calc_cache").value
    return {k: values[k] for k in ("calc_in", "calc_out", "calc_cache", "calc_rpd")}


CHAT = {"calc_in": 1000.0, "calc_out": 400.0, "calc_cache": 0, "calc_rpd": 1000.0}


@pytest.mark.parametrize("bad", ["abc", "-5", "1e999", "nan", "99999999999"])
def test_an_invalid_calculator_link_value_falls_back_to_the_preset(bad):
    at = open_page("calculator", calc_in=bad)
    assert calc_values(at) == CHAT
    assert "calc_in" not in at.query_params


def test_a_partial_calculator_link_keeps_the_preset_for_the_rest():
    """`?calc_in=5000` alone used to zero the other three settings (their widgets' minimum)."""
    at = open_page("calculator", calc_in="5000")
    assert calc_values(at) == {**CHAT, "calc_in": 5000.0}
    at = open_page("calculator", calc_preset="RAG", calc_out="999")
    assert calc_values(at) == {"calc_in": 8000.0, "calc_out": 999.0, "calc_cache": 60, "calc_rpd": 500.0}


def test_the_ignored_note_names_an_invalid_calculator_value():
    """A session opened on the calculator (no Models run first: the note is for the link the
    session was opened with) names `calc_in=abc` among the ignored parameters."""
    at = new_app(calc_in="abc", calc_out="300")
    at.session_state["_url_note_done"] = True  # the first (Models) run: no note there
    ok(at.run())
    at.switch_page("pages/calculator.py")
    at.session_state["_url_note_done"] = False
    at.session_state["_url_note_opened_with"] = {"calc_in": ["abc"], "calc_out": ["300"]}
    ok(at.run())
    note = [c.value.replace("\\", "") for c in at.caption if "Ignored from the link" in c.value]
    assert len(note) == 1 and "calc_in=abc" in note[0] and "calc_out" not in note[0], note
    assert calc_values(at)["calc_out"] == 300.0


def test_data_sources_telemetry_table_has_labelled_columns():
    """Screenshot review: the telemetry table's headers were raw keys (origin, rows, ttl, …)."""
    at = open_page("data_sources")
    frame = next(f for f in at.dataframe if "ttl" in f.value.columns)
    config = json.loads(frame.proto.columns or "{}")
    labels = {k.removeprefix("col:name:"): v.get("label") for k, v in config.items() if isinstance(v, dict)}
    assert {labels.get(c) for c in ("origin", "rows", "age", "ttl", "stale")} == {
        "Origin",
        "Rows",
        "Age",
        "Cache TTL",
        "Stale",
    }, labels


def test_calculator_month_costs_in_usd_have_thousands_separators():
    """Screenshot review: "$1350.67 per month" (printf) next to "$1,350.67" elsewhere."""
    at = open_page("calculator")
    months = [json.loads(frame.proto.columns or "{}").get("per_month") for frame in at.dataframe]
    assert len([m for m in months if m]) == 2, months
    for month in filter(None, months):
        assert month["type_config"]["format"] == "dollar", month
