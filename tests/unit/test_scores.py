"""Scores from a leaderboard table (issue 20): the real LiveBench table, and hostile tables."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from realdata import REALDATA, V1_FILES, needs_v1

from chutes_data import scores
from chutes_data.scores import ScoresError, match_scores, read_table, split_entry, with_scores
from chutes_data.sources import normalize

LIVEBENCH = REALDATA / "livebench" / "table_2026_06_25.csv"
needs_livebench = pytest.mark.skipif(not (LIVEBENCH.is_file() and V1_FILES), reason="LiveBench table absent")


def _mean_of_row(name: str) -> float:
    with LIVEBENCH.open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["model"] == name)
    values = [float(v) for k, v in row.items() if k != "model" and v != ""]
    return sum(values) / len(values)


@needs_livebench
@needs_v1
def test_real_livebench_table_matches_by_the_catalogs_name_rules():
    table = read_table(LIVEBENCH.read_bytes(), LIVEBENCH.name)
    assert table.problems == [] and table.method.startswith("mean of 23 columns")
    with LIVEBENCH.open(encoding="utf-8") as f:
        assert len(table.rows) == sum(1 for _ in f) - 1
    v1 = normalize.v1_frame(json.loads(V1_FILES[-1].read_text("utf-8")))
    match = match_scores(v1, [table])
    got = match.scores.set_index("v1_id")
    assert set(got.index) == {"zai-org/GLM-5.2-TEE", "Qwen/Qwen3.6-27B-TEE"}
    assert got.loc["zai-org/GLM-5.2-TEE", "score"] == pytest.approx(_mean_of_row("glm-5.2"))
    assert got.loc["zai-org/GLM-5.2-TEE", "score_match"] == "glm-5.2 (normalized)"
    assert got.loc["Qwen/Qwen3.6-27B-TEE", "score_source"].startswith("table_2026_06_25.csv: mean of 23")
    # a mode suffix is another model: kimi-k2.6-thinking is not Kimi-K2.6-TEE; nor v4-flash the 0731 build
    gaps = match.unmatched.set_index("model")
    assert {"kimi-k2.6-thinking", "deepseek-v4-flash", "gpt-5.5"} <= set(gaps.index)
    assert "version tokens differ" in gaps.loc["deepseek-v4-flash", "nearest"]
    assert len(gaps) + len(got) == len(table.rows)
    models = pd.DataFrame({"v1_id": ["zai-org/GLM-5.2-TEE", "other/x", None]})
    out = with_scores(models, match)
    assert out["score"].notna().tolist() == [True, False, False]
    assert list(out.columns) == ["v1_id", *scores.SCORE_COLUMNS]


@needs_livebench
def test_a_column_suffix_picks_one_column():
    path, column = split_entry(f"{LIVEBENCH}#python")
    assert path == str(LIVEBENCH) and column == "python"
    table = read_table(LIVEBENCH.read_bytes(), LIVEBENCH.name, column)
    assert table.method == "column python"
    glm = table.rows.set_index("model").loc["glm-5.2", "score"]
    with LIVEBENCH.open(encoding="utf-8") as f:
        assert glm == float(next(r for r in csv.DictReader(f) if r["model"] == "glm-5.2")["python"])
    with pytest.raises(ScoresError, match="no column 'nope'"):
        read_table(LIVEBENCH.read_bytes(), "t.csv", "nope")
    assert split_entry("https://x.test/a.csv") == ("https://x.test/a.csv", None)


def test_json_records_are_read_too():
    doc = {"data": [{"model": "glm-5.2", "a": 1, "b": 3}, {"model": "x", "a": "n/a", "b": 2}]}
    table = read_table(json.dumps(doc).encode(), "t.json")
    assert table.rows.set_index("model")["score"].to_dict() == {"glm-5.2": 2.0, "x": 2.0}
    assert table.problems == ["column a: 1 non-numeric cell(s) ignored"]


def test_hostile_table_keeps_what_it_can_and_says_what_it_dropped():
    text = (
        "Model,quality,notes\n"
        '=HYPERLINK("http://evil"),99,x\n'
        "good-model,80,fine\n"
        "good-model,10,dupe\n"
        "GOOD-MODEL,11,dupe in another case\n"
        "text-only,lots,zzz\n"
        "other-model,70,\n"
    )
    table = read_table(text.encode(), "t.csv")
    assert table.rows.set_index("model")["score"].to_dict() == {"good-model": 80.0, "other-model": 70.0}
    joined = " | ".join(table.problems)
    assert "formula" in joined and "duplicate" in joined and "non-numeric" in joined
    assert "without a numeric score" in joined
    assert table.method == "mean of 1 column (quality)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"model;score\nx;1\n", "no `model` column"),
        ("modèle,score\nx,1\n".encode("latin-1"), "not UTF-8"),
        (b"model,notes\nx,hello\n", "no numeric column"),
        (b"[1, 2]", "list of records"),
        (b"{not json", "not valid JSON"),
        (b"", "not a readable CSV"),
        (b"model,score\n" + b"x,1\n" * (scores.MAX_BYTES // 4 + 1), "at most 5 MB"),
        (b"model,score\n=1+1,5\n", "no row has both"),
    ],
)
def test_unusable_tables_are_one_clear_error(data: bytes, message: str):
    with pytest.raises(ScoresError, match=message):
        read_table(data, "t.csv")


def test_utf16_with_a_bom_is_read():
    table = read_table("model,score\nglm-5.2,5\n".encode("utf-16"), "t.csv")
    assert table.rows["score"].tolist() == [5.0]


def test_too_many_rows_are_cut_and_said():
    rows = "".join(f"m{i},1\n" for i in range(scores.MAX_ROWS + 5))
    table = read_table(("model,score\n" + rows).encode(), "t.csv")
    assert len(table.rows) == scores.MAX_ROWS and "only the first" in table.problems[0]


def test_first_table_wins_when_two_score_a_model():
    v1 = pd.DataFrame({"v1_id": ["zai-org/GLM-5.2-TEE"], "root": ["zai-org/GLM-5.2"]})
    a = read_table(b"model,s\nglm-5.2,50\n", "a.csv")
    b = read_table(b"model,s\nGLM-5.2,90\nnothing-like-it,1\n", "b.csv")
    match = match_scores(v1, [a, b])
    assert match.scores["score"].tolist() == [50.0] and match.scores["score_source"].tolist() == [
        "a.csv: mean of 1 column (s)"
    ]
    assert match.unmatched["model"].tolist() == ["nothing-like-it"]


def test_efficient_frontier_and_score_per_dollar():
    models = pd.DataFrame(
        {
            "name": list("ABCDE"),
            "v1_id": list("ABCDE"),
            "price_input_usd": [1.0, 2.0, 3.0, 4.0, 5.0],
            "price_output_usd": [1.0, 2.0, 3.0, 4.0, 5.0],
            "score": [50.0, 40.0, 70.0, 70.0, None],
        }
    )
    points = scores.frontier(models)
    assert list(points["name"]) == ["A", "B", "C", "D"]  # E has no score
    # B is dearer and worse than A; D costs more than C for the same score
    assert dict(zip(points["name"], points["efficient"], strict=True)) == {
        "A": True,
        "B": False,
        "C": True,
        "D": False,
    }
    assert scores.score_per_dollar(models).round(3).tolist()[:3] == [50.0, 20.0, 23.333]
    free = models.assign(price_input_usd=0.0, price_output_usd=0.0)
    assert scores.score_per_dollar(free).isna().all()
