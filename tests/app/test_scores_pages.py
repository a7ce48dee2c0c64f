"""CHUTES_SCORES on the pages (issue 20): Score column and sort, Data sources, Merge gaps, Charts'
frontier, Compare's score per dollar, and the banner when a table cannot be read (AppTest)."""

from __future__ import annotations

import json

import pytest
from apptest import open_page

from chutes_data import Settings, load_catalog

pytestmark = pytest.mark.usefixtures("apptest_env")


@pytest.fixture
def scored(tmp_path, monkeypatch) -> dict:
    sample = load_catalog(Settings(offline=True), allow_sample=True).models
    ids = list(sample["v1_id"].dropna().drop_duplicates()[:6])
    rows = [{"model": i.split("/")[-1], "score": 40 + 7 * k} for k, i in enumerate(ids)]
    rows.append({"model": "no-such-model-anywhere-9000", "score": 99})
    good = tmp_path / "evals.json"
    good.write_text(json.dumps(rows))
    monkeypatch.setenv("CHUTES_SCORES", f"{good},{tmp_path / 'missing.csv'}")
    return {"ids": ids, "scores": {i: 40 + 7 * k for k, i in enumerate(ids)}}


def _texts(at) -> str:
    return " ".join(str(e.value) for kind in ("warning", "caption", "subheader") for e in at.get(kind))


def test_models_show_a_score_column_and_sort_by_best_score(scored):
    at = open_page(sort="score")  # the Models page is the default page: `/?sort=score`
    table = at.dataframe[0].value
    assert "score" in table.columns
    top = table["score"].dropna()
    assert list(top) == sorted(top, reverse=True) and top.iloc[0] == max(scored["scores"].values())
    assert "missing.csv is unavailable" in _texts(at)  # the banner names the failed table


def test_data_sources_and_merge_gaps_list_the_tables(scored):
    at = open_page("pages/data_sources.py")
    frame = next(d.value for d in at.dataframe if "table" in d.value.columns and "matched" in d.value.columns)
    states = dict(zip(frame["table"], frame["state"], strict=True))
    assert states == {"evals.json": "live", "missing.csv": "none"}
    assert int(frame.set_index("table").loc["evals.json", "matched"]) >= 1
    gaps = open_page("pages/merge_gaps.py")
    unmatched = next(d.value for d in gaps.dataframe if "nearest" in d.value.columns)
    assert "no-such-model-anywhere-9000" in set(unmatched["model"])


def test_charts_draw_the_efficient_frontier(scored):
    at = open_page("pages/charts.py")
    assert "Score against blended price" in _texts(at)
    assert any("On the frontier" in c.value for c in at.caption)


def test_score_order_routes_the_best_scored(scored):
    at = open_page("pages/models.py")
    at.selectbox(key="models_route_order").set_value("score").run()
    code = [c.value for c in at.code if c.language not in ("python", "bash", "javascript")]
    assert len(code) == 1
    reasons = _reasons(at)
    picked = reasons[reasons[""] == "picked"]
    assert list(picked["model"]) == code[0].split(",")
    assert all(" by score " in why for why in picked["why"]), list(picked["why"])


def _reasons(at):
    """The "Why these" lines as a frame: model, picked/skipped, why."""
    import re

    import pandas as pd

    text = next(m.value for m in at.markdown if m.value.startswith(("- picked", "- skipped")))
    rows = [re.match(r"- (picked|skipped) `(.*?)`: (.*)", line).groups() for line in text.splitlines()]
    unescape = re.compile(r"\\(.)")  # md_text's backslash escapes
    return pd.DataFrame([{"model": m, "": k, "why": unescape.sub(r"\1", w)} for k, m, w in rows])
