"""The Markdown table export: the view's columns, the count and the generated time, and cells a
stranger's text cannot break out of. A row is parsed as GFM does (cells split at pipes not
escaped by a backslash; backslash escapes of ASCII punctuation are literal), and every cell must
read back as the text it came from."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chutes_data.config import Settings
from chutes_data.markdown_table import Column, escape_cell, to_markdown
from chutes_data.sources.loader import load_catalog

WHEN = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
_ESCAPED = re.compile(r"\\([" + re.escape(string.punctuation) + "])")
NASTY = [
    "a | b",
    "line one\nline two\r\nthree",
    "`code` and ``double``",
    "<img src=x onerror=alert(1)><script>x</script>",
    "[click](javascript:alert(1)) ![img](http://tracker/px)",
    "**bold** _it_ ~~gone~~ $x^2$ &#124; &amp; @everyone",
    "trailing backslash \\",
    "\\| escaped already",
    "bidi \u202eevil\u202c and NUL \x00 and tab\there",
    "",
]


def cells(row: str) -> list[str]:
    """A GFM table row's cells: split at unescaped pipes, outer pipes dropped."""
    assert row.startswith("| ") and row.endswith(" |"), row
    parts = re.split(r"(?<!\\)\|", row[1:-1])  # a `\\|` would be an escaped backslash then a pipe
    return [p.strip() for p in parts]


def unescape(cell: str) -> str:
    return _ESCAPED.sub(r"\1", cell)


def table(text: str) -> tuple[str, list[list[str]]]:
    lines = text.rstrip("\n").split("\n")
    assert lines[1] == ""
    return lines[0], [cells(line) for line in lines[2:]]


def frame(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": names,
            "price_input_usd": [1.0, 0.5, 0.2989, None][: len(names)] + [0.1] * max(0, len(names) - 4),
            "context_tokens": [131072] * len(names),
            "hot": [True] * len(names),
            "supported_features": [["tools", "json_mode"]] * len(names),
        }
    )


COLS = [
    Column("name", "Model"),
    Column("price_input_usd", "Input /1M", "price"),
    Column("context_tokens", "Context", "size"),
    Column("hot", "Hot", "flag"),
    Column("supported_features", "Features", "list"),
    Column("missing", "Not in the frame"),
]


def test_the_table_says_what_when_and_how_many_then_lists_the_columns_shown():
    text = to_markdown(frame(["a", "b", "c", "d"]), generated_at=WHEN, columns=COLS)
    caption, rows = table(text)
    assert caption.startswith("**Chutes models**: 4 rows · generated 2026-12-08 04:00 UTC")
    assert "USD per 1M tokens" in caption
    header, rule, *body = rows
    assert header == ["Model", "Input /1M", "Context", "Hot", "Features", "Not in the frame"]
    assert rule == ["---", "---:", "---:", "---", "---", "---"]
    assert [r[1] for r in body] == ["$1.0000", "$0.5000", "$0.2989", "—"]  # one column, one format
    assert body[0][2:] == ["131K", "yes", "tools, json\\_mode", "—"]


def test_the_time_is_said_in_utc_and_one_row_is_a_row():
    later = datetime(2026, 12, 8, 6, 30, tzinfo=timezone(timedelta(hours=2)))
    caption, _ = table(to_markdown(frame(["a"]), generated_at=later, columns=COLS))
    assert "1 row ·" in caption and "2026-12-08 04:30 UTC" in caption


def test_an_empty_view_is_a_header_and_no_rows():
    caption, rows = table(to_markdown(frame([]), generated_at=WHEN, columns=COLS))
    assert "0 rows" in caption and len(rows) == 2


@pytest.mark.parametrize("nasty", NASTY)
def test_third_party_text_cannot_break_the_table(nasty: str):
    text = to_markdown(frame([nasty, "ok"]), generated_at=WHEN, columns=COLS)
    _, (header, _rule, first, second) = table(text)
    assert len(first) == len(second) == len(header)
    assert unescape(first[0]) == (" ".join(nasty.replace("\x00", "").split()) or "—").replace(
        "\u202e", ""
    ).replace("\u202c", "")
    # nothing a renderer would act on is left unescaped
    for special in "`<>[]*_~$&@|":
        assert not re.search(r"(?<!\\)" + re.escape(special), first[0]), (special, first[0])
    assert second[0] == "ok"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_text_reads_back_from_its_cell(text: str):
    cell = escape_cell(text)
    assert "\n" not in cell and "\r" not in cell
    assert len(cells(f"| {cell} | x |")) == 2
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\n\t")
    assert unescape(cell) == (" ".join(kept.split()) or "—")  # control and bidi characters dropped


def test_a_header_label_is_escaped_too_and_a_bad_kind_is_refused():
    caption, rows = table(to_markdown(frame(["a"]), generated_at=WHEN, columns=[Column("name", "a|b")]))
    assert rows[0] == ["a\\|b"]
    with pytest.raises(ValueError, match="kind"):
        to_markdown(frame(["a"]), generated_at=WHEN, columns=[Column("name", "x", "money")])


def test_the_default_columns_on_the_bundled_sample():
    models = load_catalog(Settings(offline=True)).models
    text = to_markdown(models, generated_at=WHEN, currency="tao")
    caption, (header, _rule, *body) = table(text)
    assert f"{len(models):,} rows" in caption and "TAO per 1M tokens" in caption
    assert header[:4] == ["Model", "Input /1M", "Output /1M", "Context"]
    assert len(body) == len(models) and all(len(r) == len(header) for r in body)
    assert any(r[1].endswith(" τ") for r in body)


def test_export_format_md_from_the_command_line(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUTES_")}
    env.update(CHUTES_CACHE_DIR=str(tmp_path / "cache"), CHUTES_BASE_URL="http://127.0.0.1:9")
    out = tmp_path / "models.md"
    run = subprocess.run(
        [sys.executable, "-m", "chutes_data", "export", "--offline", "--format", "md", "-o", str(out)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and run.stdout == "" and run.stderr == "", run
    caption, (header, _rule, *body) = table(out.read_text(encoding="utf-8"))
    assert caption.startswith("**Chutes models**: ") and f"{len(body):,} rows" in caption
    assert header[0] == "Model" and len(body) >= 150
