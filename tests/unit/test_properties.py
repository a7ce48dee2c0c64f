"""Property-based tests: strangers' JSON through the normalizers, the merge, the CSV export and
the text escapers.

* `normalize.chutes_frame` / `v1_frame` on arbitrary JSON, and on payloads with the real keys
  mapped to arbitrary JSON, raise nothing but `ChutesDataError` subclasses and, when they succeed,
  return exactly the schema columns.
* `merge.merge_catalogs` on frames built from such payloads never raises, returns
  MERGED_COLUMNS, and its report counts add up.
* `export.to_csv` never writes a text cell a spreadsheet would evaluate.
* `textsafe.safe_readme` never leaves raw HTML or a `javascript:` link; `textsafe.md_text` leaves
  no unescaped Markdown/HTML/directive opener.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from chutes_data import export, textsafe
from chutes_data.errors import ChutesDataError
from chutes_data.market.readers import OFFER_COLUMNS
from chutes_data.merge import merge_catalogs
from chutes_data.schema import CHUTES_COLUMNS, MERGED_COLUMNS, V1_COLUMNS
from chutes_data.sources import normalize, registry
from chutes_data.sources import telemetry as t
from tools.synth import hostile_strings

PROFILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# merge_catalogs has a fixed pandas overhead per call (~0.1 s, far more on a busy machine)
MERGE_PROFILE = settings(PROFILE, max_examples=100)
# Upstream can send any date string; one past pandas' nanosecond range (year > 2262) once took
# the whole catalog down (OutOfBoundsDatetime from normalize._timestamps): replayed every run.
FAR_DATES = ["8206-08-14T22:31:34Z", "1000-01-01T00:00:00Z", "9999-12-31T23:59:59+05:00"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# ---------------------------------------------------------------------------- strategies
HOSTILE = hostile_strings()
hostile_text = st.sampled_from(HOSTILE)
# short text with the characters that matter: markup, formula openers, controls, bidi, unicode
tricky_alphabet = st.sampled_from(
    list("<>[]()!:=+-@\t\r\n\"'`*_#|\\/&;. aZ9")
    + [
        "\x00",
        "\u202e",
        "\u200b",
        "\ufeff",
        "javascript:",
        "script",
        "onerror=",
        "http://",
        "é",
        "模型",
        "\U0001f525",
    ]
)
tricky_text = st.lists(tricky_alphabet, max_size=12).map("".join)
text = st.one_of(st.text(max_size=40), hostile_text, tricky_text)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [0, -1, 1, 2**63, -(2**63), 1e308, -1e308, 1e-320, float("nan"), float("inf"), float("-inf")]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(text, children, max_size=4)),
    max_leaves=20,
)


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A real-looking value, or any JSON at all, or nothing."""
    return st.one_of(strategy, json_values)


def _fields(spec: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A dict with (a random subset of) the real keys, each mapped to its value or arbitrary JSON."""
    return st.fixed_dictionaries({}, optional={k: _maybe(v) for k, v in spec.items()})


money = st.fixed_dictionaries({}, optional={"usd": numbers, "tao": numbers})
uuid_text = st.one_of(st.uuids().map(str), text)
# ids and names drawn from small pools, so frames share ids/names and the merge really joins
ids = st.one_of(
    st.sampled_from(
        [
            "a0000000-0000-4000-8000-000000000001",
            "a0000000-0000-4000-8000-000000000002",
            "a0000000-0000-4000-8000-000000000003",
        ]
    ),
    uuid_text,
)
names = st.one_of(
    st.sampled_from(
        [
            "deepseek-ai/DeepSeek-V3",
            "deepseek-ai/DeepSeek-V3-TEE",
            "Qwen/Qwen3-32B",
            "Qwen/Qwen3-30B",
            "qwen/qwen3-32b ",
            "unsloth/gemma-3-12b-it",
        ]
    ),
    text,
)
chute_item = _fields(
    {
        "chute_id": ids,
        "name": names,
        "tagline": text,
        "readme": text,
        "slug": text,
        "logo": text,
        "public": st.booleans(),
        "tee": st.booleans(),
        "hot": st.booleans(),
        "standard_template": st.sampled_from(["vllm", "diffusion", "tei", "embedding", None, "VLLM"]),
        "user": _fields({"username": st.one_of(st.just("chutes"), text)}),
        "instances": st.lists(
            _fields({"active": st.booleans(), "verified": st.booleans(), "region": text}), max_size=3
        ),
        "supported_gpus": st.lists(text, max_size=3),
        "node_selector": _fields(
            {
                "gpu_count": numbers,
                "min_vram_gb_per_gpu": numbers,
                "supported_gpus": st.lists(text, max_size=3),
            }
        ),
        "invocation_count": numbers,
        "current_estimated_price": _fields(
            {
                "per_million_tokens": _fields({"input": money, "output": money, "input_cache_read": money}),
                "per_step": money,
                "per_request": money,
                "usd": _fields({"hour": numbers}),
                "tao": _fields({"hour": numbers}),
            }
        ),
        "openrouter": st.booleans(),
        "revision": text,
        "created_at": st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), text, numbers),
        "updated_at": st.one_of(st.datetimes().map(lambda d: d.isoformat()), text, numbers),
    }
)
v1_item = _fields(
    {
        "id": names,
        "chute_id": ids,
        "root": text,
        "owned_by": st.sampled_from(["vllm", "sglang"]),
        "created": st.one_of(st.integers(min_value=0, max_value=2**40), numbers, text),
        "max_model_len": numbers,
        "context_length": numbers,
        "max_output_length": numbers,
        "quantization": text,
        "input_modalities": st.lists(st.one_of(text, json_values), max_size=3),
        "output_modalities": st.lists(text, max_size=3),
        "supported_features": st.lists(
            st.sampled_from(["tools", "json_mode", "reasoning"]) | text, max_size=3
        ),
        "supported_sampling_parameters": st.lists(text, max_size=3),
        "confidential_compute": st.booleans(),
        "price": _fields({"input": money, "output": money, "input_cache_read": money}),
        "pricing": _fields({"prompt": numbers, "completion": numbers, "input_cache_read": numbers}),
    }
)
chutes_payloads = st.one_of(
    st.fixed_dictionaries(
        {"items": st.lists(st.one_of(chute_item, json_values), max_size=8)},
        optional={"total": numbers, "page": numbers, "cord_refs": json_values},
    ),
    st.lists(chute_item, max_size=6),  # a bare list, as some saved files are
)
v1_payloads = st.one_of(
    st.fixed_dictionaries(
        {"data": st.lists(st.one_of(v1_item, json_values), max_size=8)}, optional={"object": text}
    ),
    st.lists(v1_item, max_size=6),
)


def _frame_or_documented_error(fn, payload) -> pd.DataFrame | None:
    try:
        return fn(payload)
    except ChutesDataError:
        return None
    # anything else propagates and fails the test with hypothesis' minimal example


# ---------------------------------------------------------------------------- normalizers
_COLUMNS = {
    "chutes": CHUTES_COLUMNS,
    "v1": V1_COLUMNS,
    "utilization": t.UTILIZATION_COLUMNS,
    "llm_stats": t.LLM_STATS_COLUMNS,
    "diffusion_stats": t.DIFFUSION_STATS_COLUMNS,
    "usage": t.USAGE_COLUMNS,
    "bounties": t.BOUNTIES_COLUMNS,
    "rolling_updates": t.ROLLING_COLUMNS,
    "models_dev": OFFER_COLUMNS,  # issue 19: one row per provider-model offer
    "openrouter": OFFER_COLUMNS,
}


@pytest.mark.parametrize("source", list(registry.SOURCES))
@PROFILE
@given(payload=json_values)
def test_every_source_reader_on_arbitrary_json(source, payload):
    """Each declared source's reader (catalog and telemetry): its columns, or a documented error."""
    spec = registry.SOURCES[source]
    df = _frame_or_documented_error(spec.frame, payload)
    if df is not None:
        assert list(df.columns) == list(_COLUMNS[source])


@PROFILE
@given(chutes_payloads)
@example({"items": [{"chute_id": "a", "name": "b", "created_at": FAR_DATES[0]}]})
@example({"items": [{"chute_id": "a", "name": "b", "updated_at": FAR_DATES[1]}]})
@example({"items": [{"chute_id": "a", "name": "b", "created_at": FAR_DATES[2]}]})
def test_chutes_frame_on_plausible_payloads(payload):
    df = normalize.chutes_frame(payload)  # a list under "items" is a usable envelope: no error
    assert list(df.columns) == list(CHUTES_COLUMNS)
    assert df["chute_id"].is_unique
    for col in df.columns:
        if col.startswith("price_"):
            values = df[col].dropna()
            assert ((values >= 0) & (values < float("inf"))).all(), col


@PROFILE
@given(v1_payloads)
@example({"data": [{"id": "a", "created": FAR_DATES[0]}]})
@example({"data": [{"id": "a", "created": 10**12}]})
def test_v1_frame_on_plausible_payloads(payload):
    df = normalize.v1_frame(payload)
    assert list(df.columns) == list(V1_COLUMNS)
    assert df["v1_id"].is_unique


# ---------------------------------------------------------------------------- merge + CSV
def _check_report(result, n_chutes: int, n_v1: int) -> None:
    r = result.report
    assert r.chutes_total == n_chutes and r.v1_total == n_v1
    assert r.matched + r.only_in_chutes == n_chutes
    assert r.matched + r.only_in_v1 == n_v1
    assert sum(r.by_method.values()) == r.matched
    assert len(r.only_in_v1_ids) == r.only_in_v1
    assert len(result.models) == n_chutes + r.only_in_v1
    assert sum(r.only_in_chutes_by_template.values()) == r.only_in_chutes
    counts = result.models["source"].value_counts().to_dict()
    assert counts.get("both", 0) == r.matched
    assert counts.get("chutes", 0) == r.only_in_chutes
    assert counts.get("v1", 0) == r.only_in_v1
    assert len(r.fuzzy_matches) == r.by_method["fuzzy"]


@MERGE_PROFILE
@given(chutes_payloads, v1_payloads)
def test_merge_never_raises_counts_add_up_and_csv_is_formula_safe(chutes_payload, v1_payload):
    chutes, v1 = normalize.chutes_frame(chutes_payload), normalize.v1_frame(v1_payload)
    result = merge_catalogs(chutes, v1)
    assert list(result.models.columns) == MERGED_COLUMNS
    _check_report(result, len(chutes), len(v1))
    export.to_json({"merge_report": result.report.to_dict(), "models": export.rows(result.models)})
    _assert_formula_safe(result.models, export.to_csv(result.models))


def _text_columns(models: pd.DataFrame) -> list[str]:
    return [
        c
        for c in export.export_columns(models)
        if c not in models.columns
        or not (pd.api.types.is_numeric_dtype(models[c]) or pd.api.types.is_bool_dtype(models[c]))
    ]


def _assert_formula_safe(models: pd.DataFrame, text: str) -> None:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert len(rows) == len(models), "a cell broke the row structure"
    text_cols = _text_columns(models)
    for row in rows:
        for col in text_cols:
            cell = row[col]
            assert not cell.startswith(FORMULA_PREFIXES), (col, cell)
    numeric = [
        c
        for c in export.export_columns(models)
        if c in models.columns
        and pd.api.types.is_numeric_dtype(models[c])
        and not pd.api.types.is_bool_dtype(models[c])
    ]
    for row in rows:
        for col in numeric:
            if row[col] != "":
                float(row[col])  # numbers stay numbers


@MERGE_PROFILE
@given(st.lists(st.one_of(hostile_text, tricky_text, st.text(max_size=30)), min_size=1, max_size=8))
def test_csv_export_neutralizes_every_text_field(strings):
    """Every third-party text field of a chute (and a v1 entry) carrying formula-ish text."""
    items, entries = [], []
    for i, s in enumerate(strings):
        name = s if s.strip() else f"x{i}"
        items.append(
            {
                "chute_id": f"id-{i}-{s}",
                "name": name,
                "tagline": s,
                "readme": s,
                "slug": s,
                "user": {"username": s or "u"},
                "standard_template": s or None,
                "supported_gpus": [s],
                "revision": s,
                "instances": [{"active": True, "verified": True, "region": s}],
            }
        )
        entries.append(
            {
                "id": f"{s} v1" if s.strip() else f"v{i}",
                "root": s,
                "owned_by": s,
                "quantization": s,
                "input_modalities": [s],
                "output_modalities": [s],
                "supported_features": [s],
            }
        )
    result = merge_catalogs(normalize.chutes_frame({"items": items}), normalize.v1_frame({"data": entries}))
    _assert_formula_safe(result.models, export.to_csv(result.models))


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_keeps_the_text_readable(value):
    out = export.safe_cell(value)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out in (value, "'" + value)  # only a leading apostrophe is ever added


# ---------------------------------------------------------------------------- textsafe
markdownish = st.lists(
    st.one_of(
        tricky_alphabet,
        hostile_text,
        st.sampled_from(
            [
                "[",
                "]",
                "(",
                ")",
                "](",
                "![",
                "<",
                ">",
                "&lt;",
                "javascript:",
                "JavaScript:",
                " javascript:",
                "vbscript:",
                "data:text/html,",
                "alert(1)",
                "http://x",
                "\n",
                "[x]: ",
                "<img src=x onerror=alert(1)>",
                "<a href='javascript:x'>",
                "mailto:a@b",
                '"t"',
                "  ",
                "\\",
            ]
        ),
    ),
    max_size=25,
).map("".join)
_UNSAFE_LINK = re.compile(r"\]\(\s*(?:<|&lt;)?\s*(?:javascript|vbscript|data):", re.IGNORECASE)


@PROFILE
@given(st.one_of(markdownish, text, json_values))
def test_safe_readme_leaves_no_html_and_no_script_links(readme):
    out = textsafe.safe_readme(readme)
    assert isinstance(out, str)
    assert not re.search(r"<[A-Za-z/!?]", out), out
    assert not _UNSAFE_LINK.search(out), out
    assert "\x00" not in out and "\u202e" not in out


@pytest.mark.parametrize(
    "readme",
    [
        "[a [b] c](javascript:alert(1))",  # nested brackets slipped past the link pass
        "[x](javascript:alert((1)))",  # two levels of parentheses
        "[x](javascript:a b)",
        "[![i](http://x)](javascript:y)",
        "[x]( JaVaScRiPt:alert(1))",
        "<javascript:alert(1)>",
        "[x][1]\n\n[1]: javascript:alert(1)",
    ],
)
def test_safe_readme_known_bypasses(readme):
    out = textsafe.safe_readme(readme)
    assert not _UNSAFE_LINK.search(out), out
    assert not re.search(r"^\s*\[[^\]]+\]:\s*javascript:", out, re.IGNORECASE | re.MULTILINE), out


def test_safe_readme_keeps_safe_links():
    out = textsafe.safe_readme("See [the docs](https://chutes.ai/docs) or [mail](mailto:a@b.c).")
    assert "[the docs](https://chutes.ai/docs)" in out and "[mail](mailto:a@b.c)" in out


def _unescaped(out: str, chars: str) -> list[tuple[int, str]]:
    found, i = [], 0
    while i < len(out):
        if out[i] == "\\":
            i += 2  # the escaped character is literal
            continue
        if out[i] in chars:
            found.append((i, out[i]))
        i += 1
    return found


@PROFILE
@given(st.one_of(markdownish, text, json_values))
def test_md_text_escapes_every_opener(value):
    out = textsafe.md_text(value)
    assert "\n" not in out and "\r" not in out
    assert not _unescaped(out, "[]<>:`*_$|"), out
    assert "\x00" not in out and "\u202e" not in out


@PROFILE
@given(st.one_of(markdownish, text))
def test_md_text_keeps_the_text(value):
    """Unescaping the output gives the input back (controls dropped, whitespace collapsed)."""
    assume(len(value) <= 300)
    out = textsafe.md_text(value, limit=None)
    assert re.sub(r"\\(.)", r"\1", out) == " ".join(textsafe.clean(value).split())


@PROFILE
@given(st.one_of(markdownish, text, json_values))
def test_html_text_has_no_markup(value):
    out = textsafe.html_text(value)
    assert "<" not in out and ">" not in out and '"' not in out
