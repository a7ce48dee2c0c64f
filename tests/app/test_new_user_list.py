"""Issue 22's "new user's list", item by item, on the bundled sample (AppTest) and pure helpers.

Each test names the symptom a new user saw in Chromium and checks the page now says it right.
Browser-only items (the icon font request, phone width) are in tests/e2e/test_browser_new_user.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from apptest import open_page

from chutes_data import Settings, load_catalog
from chutes_data.filters import MAX_TEXT
from chutes_data.views import changes as timeline
from chutes_data.views import speed

pytestmark = pytest.mark.usefixtures("apptest_env")


@pytest.fixture
def models() -> pd.DataFrame:
    return load_catalog(Settings.from_env(), allow_sample=True).models


# ---------------------------------------------------------------------------- "Test now": no escapes in code
def test_test_now_code_spans_hold_the_url_and_model_literally(models):
    from ui import model_pick
    from ui.probe_view import code_span

    row = models[models["source"].eq("both") & models["chute_id"].notna()].iloc[0]
    at = open_page("pages/model_detail.py", chute_id=row["chute_id"])
    said = next(m.value for m in at.markdown if "/v1/chat/completions" in m.value)
    assert "\\" not in said  # inside a code span a backslash escape shows as a backslash
    assert f"`{model_pick.model_id(row)}`" in said
    assert "`http" in said and "/v1/chat/completions`" in said
    # text holding backticks gets a longer fence, so it cannot close the span early
    assert code_span("a`b") == "``a`b``" and code_span("`x") == "`` `x ``"


# ---------------------------------------------------------------------------- times and trends
def test_an_autoscaler_time_in_the_future_is_flagged_not_just_now_ago():
    now = datetime(2026, 12, 8, 2, 3, tzinfo=UTC)
    row = pd.Series({"capacity": "ok", "telemetry_at": pd.Timestamp(now + timedelta(hours=10))})
    cap = speed.capacity_summary(row, now=now)
    assert cap["age"] == "in 10 hours (in the future — clock skew?)"
    past = speed.capacity_summary(
        pd.Series({"telemetry_at": pd.Timestamp(now - timedelta(hours=3))}), now=now
    )
    assert past["age"] == "3 hours ago"  # the word "ago" is the formatter's: never "ago ago"


def test_the_trend_arrow_carries_the_sign():
    facts = speed.speed_facts(pd.Series({"requests_trend": -0.43}))
    assert facts["Requests vs week before"] == "↓ 43%"


def test_model_detail_trend_metric_has_no_doubled_sign(models):
    row = models[models["requests_trend"].lt(0) & models["chute_id"].notna()].iloc[0]
    at = open_page("pages/model_detail.py", chute_id=row["chute_id"])
    metric = next(m for m in at.metric if m.label == "Requests (7 days)")
    assert metric.delta.endswith("vs the week before") and "-" not in metric.delta
    from chutes_data.formatting import change_direction

    assert change_direction(row["requests_trend"]) == "down"
    text = "\n".join(c.value for c in at.caption)
    assert "ago ago" not in text and "just now ago" not in text


# ---------------------------------------------------------------------------- counts that agree
def test_price_moves_tile_and_price_chip_count_the_same():
    at = datetime(2026, 12, 1, tzinfo=UTC)
    both_prices = pd.DataFrame(
        {
            "kind": ["price_changed", "price_changed", "added"],
            "source": ["chutes", "chutes", "chutes"],
            "name": ["m", "m", "n"],
            "chute_id": ["c1", "c1", "c2"],
            "at": [at, at, at],
            "field": ["price_input", "price_output", None],
        }
    )
    counts = timeline.kind_counts(both_prices)
    kpi = timeline.week_kpis(both_prices, at + timedelta(hours=1))
    assert counts["price_changed"] == kpi["price_moves"] == 1 and counts["added"] == 1


# ---------------------------------------------------------------------------- an over-long link value
def test_an_over_long_search_in_the_link_is_shortened_with_one_story():
    long = "x" * 5000
    at = open_page(q=long)
    assert at.text_input(key="q").value == "x" * MAX_TEXT
    assert at.query_params["q"] == ["x" * MAX_TEXT] or at.query_params["q"] == "x" * MAX_TEXT
    captions = "\n".join(c.value for c in at.caption)
    assert f"Shortened from the link to its first {MAX_TEXT} characters" in captions
    assert "Ignored from the link" not in captions  # not "the default is used" beside a full box


# ---------------------------------------------------------------------------- wording
def test_javascript_snippet_says_it_needs_a_module():
    from ui.detail_view import javascript_snippet

    snippet = javascript_snippet("m")
    head = snippet.split("= await", 1)[0]
    assert "module" in head and ".mjs" in head  # said before the first top-level await


# ------------------------------------------------------------------------ the calculator keeps "auto"
def test_editing_requests_per_day_keeps_the_auto_pick_out_of_the_url():
    """The browser writes a bound widget's value into the URL (AppTest does not), so the proto's
    binding is what is checked: the auto-picked list is unbound, a pick by hand is bound."""
    at = open_page("pages/calculator.py")
    rpd = at.number_input(key="calc_rpd")
    assert rpd.proto.query_param_key == "calc_rpd"  # the workload stays in the link
    assert len(at.multiselect(key="calc_models").value) > 0
    assert at.multiselect(key="calc_models").proto.query_param_key == ""  # auto: not in the URL
    rpd.set_value(12345.0).run()
    assert not at.exception
    auto = at.multiselect(key="calc_models")
    assert auto.proto.query_param_key == "" and len(auto.value) > 0  # still auto, re-picked
    auto.set_value(auto.value[:2]).run()  # a pick by hand is the user's: bound, in the link
    assert at.multiselect(key="calc_models").proto.query_param_key == "calc_models"
    assert len(at.multiselect(key="calc_models").value) == 2


# ---------------------------------------------------------------------------- Markdown in the Download menu
def test_download_menu_offers_the_view_as_markdown_with_the_shown_columns(models):
    from ui import tables

    at = open_page()
    shown = at.dataframe[0].value
    labels = [b.proto.label for b in at.get("download_button")]
    assert "This view (Markdown)" in labels
    hostile = shown.copy()
    hostile.iloc[0, hostile.columns.get_loc("name")] = "evil | name\nnext"
    text = tables.markdown_view(hostile, "usd", datetime(2026, 12, 8, 5, 0, tzinfo=UTC))
    lines = text.splitlines()
    assert f"{len(shown):,} rows · generated 2026-12-08 05:00 UTC" in lines[0]
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    config = tables.column_config("usd")
    expected = [config[c]["label"] for c in shown.columns if c not in ("details", "chutes_url")]
    assert header == expected  # the columns shown, in their order, under their headers
    assert header[:3] == ["Model", "Input /1M", "Output /1M"]
    rows = lines[4:]
    assert len(rows) == len(shown) and all(r.count(" | ") == len(header) - 1 for r in rows[1:])
    assert rows[0].startswith("| evil \\| name next |")  # a `|` or newline cannot break the table


# ---------------------------------------------------------------------------- the chooser's columns
def test_models_table_puts_price_speed_and_capacity_next_to_a_narrow_pinned_name():
    from ui import tables

    at = open_page()
    cols = list(at.dataframe[0].value.columns)
    assert cols[:8] == [
        "name",
        "details",
        "price_input",
        "price_output",
        "tps",
        "ttft",
        "capacity",
        "context",
    ]
    name = tables.column_config("usd")["name"]
    assert name["pinned"] is True and name["width"] <= 180  # under half of a 400 px phone


def test_sort_caption_names_the_blend_ratio_only_when_the_sort_is_blended():
    plain_sort = "\n".join(c.value for c in open_page(sort="price_in").caption)
    assert "Sorted by **Cheapest input**" in plain_sort and "blended at" not in plain_sort
    blended = "\n".join(c.value for c in open_page(sort="blended").caption)
    assert "Sorted by **Cheapest blended**, blended at 3:1" in blended


# ---------------------------------------------------------------------------- Compare's axes
def test_compare_charts_have_date_ticks_and_one_speed_scale():
    from ui import history_chart, speed_figures

    history = pd.DataFrame(
        {
            "at": pd.to_datetime(["2026-11-20", "2026-12-01"], utc=True),
            "last_seen_at": pd.to_datetime(["2026-11-30", "2026-12-08"], utc=True),
            "source": ["chutes", "chutes"],
            "price_input_usd": [0.5, 0.3],
            "price_output_usd": [1.0, 1.2],
        }
    )
    fig = history_chart.price_step_figure(history, height=280)
    assert fig is not None
    stops = {tuple(s.dtickrange): s.value for s in fig.layout.xaxis.tickformatstops}
    assert stops[(history_chart.DAY_MS, None)] == "%b %-d" and fig.layout.xaxis.nticks <= 4
    a = pd.DataFrame({"tps": [10.0, 20.0], "ttft_s": [0.5, 1.0], "requests": [5, 7]})
    b = pd.DataFrame({"tps": [80.0, None], "ttft_s": [0.2, 0.3], "requests": [500, 900]})
    ranges = speed_figures.shared_ranges([a, b])
    assert ranges["tps"] == pytest.approx([0, 84]) and ranges["requests"] == pytest.approx([0, 945])
    for lines in (a, b):
        drawn = speed_figures.daily_figure(
            lines.assign(date=pd.to_datetime(["2026-12-01", "2026-12-02"])), ranges=ranges
        )
        assert list(drawn.layout.yaxis.range) == pytest.approx([0, 84])  # the same scale in each
        assert list(drawn.layout.yaxis3.range) == pytest.approx([0, 945])
