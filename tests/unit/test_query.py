"""chutes_data.query: filters, sorting, sidebar options and KPIs on small hand-built frames.

Every row below is designed to sit on one edge of one filter (NA price, missing context, a
single modality, NA hot/tee/public...), so each test names the exact rows it expects.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from chutes_data.query import (
    FEATURES,
    SORT_LABELS,
    SORTS,
    Filters,
    apply_filters,
    kpis,
    options,
    price_column,
    sort_models,
)
from chutes_data.schema import MERGED_COLUMNS, context_tokens

NA = pd.NA

# name, owner, template, tagline, v1_id, source, public, hot, tee, quant,
# in, out, features, context_length, max_model_len, in_usd, out_usd, in_tao, out_tao,
# invocations, instances
ROWS = [
    (
        "alpha/Chat-70B",
        "chutes",
        "vllm",
        "A big chat model",
        "alpha/Chat-70B",
        "both",
        True,
        True,
        True,
        "fp8",
        ["text"],
        ["text"],
        ["tools", "json_mode"],
        131072,
        131072,
        0.30,
        1.20,
        0.0010,
        0.0040,
        5000,
        3,
    ),
    (
        "beta/Vision-8B",
        "Beta-Labs",
        "vllm",
        "Looks at pictures",
        NA,
        "chutes",
        True,
        False,
        False,
        "bf16",
        ["text", "image"],
        ["text"],
        ["tools", "reasoning"],
        NA,
        32768,
        0.10,
        0.40,
        0.0004,
        0.0016,
        700,
        0,
    ),
    (
        "gamma/Draw-XL",
        "gamma",
        "diffusion",
        "Paints =SUM(A1)",
        NA,
        "chutes",
        True,
        True,
        NA,
        NA,
        ["text"],
        ["image"],
        [],
        NA,
        NA,
        NA,
        NA,
        NA,
        NA,
        9000,
        1,
    ),
    (
        "delta/Embed",
        "chutes",
        "tei",
        NA,
        NA,
        "chutes",
        False,
        NA,
        False,
        NA,
        ["text"],
        ["embedding"],
        [],
        NA,
        NA,
        NA,
        NA,
        NA,
        NA,
        NA,
        NA,
    ),
    (
        "epsilon/only-v1",
        NA,
        "vllm",
        NA,
        "epsilon/only-v1",
        "v1",
        NA,
        NA,
        NA,
        "fp4",
        ["Image", "TEXT"],
        ["text"],
        ["Tools"],
        8192,
        NA,
        0.05,
        NA,
        0.0001,
        NA,
        NA,
        NA,
    ),
    (
        "zeta/Cheap-Tao",
        "zeta",
        "custom",
        "hidden owner match: qwen",
        NA,
        "chutes",
        True,
        True,
        False,
        NA,
        None,
        ["text"],
        None,
        1_000_000,
        NA,
        0.50,
        0.50,
        0.00001,
        0.00001,
        10,
        2,
    ),
]
FIELDS = [
    "name",
    "owner",
    "template",
    "tagline",
    "v1_id",
    "source",
    "public",
    "hot",
    "tee",
    "quantization",
    "input_modalities",
    "output_modalities",
    "supported_features",
    "context_length",
    "max_model_len",
    "price_input_usd",
    "price_output_usd",
    "price_input_tao",
    "price_output_tao",
    "invocation_count",
    "instances_active",
]


def make_frame(rows: list[tuple] = ROWS) -> pd.DataFrame:
    """A frame with every merged column (unused ones NA), dtypes as the merge produces."""
    data = {f: [r[i] for r in rows] for i, f in enumerate(FIELDS)}
    frame = pd.DataFrame({c: data.get(c, [NA] * len(rows)) for c in MERGED_COLUMNS})
    for col in ("public", "hot", "tee"):
        frame[col] = frame[col].astype("boolean")
    for col in ("context_length", "max_model_len", "invocation_count", "instances_active"):
        frame[col] = frame[col].astype("Int64")
    for col in [c for c in frame.columns if c.startswith("price_")]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["context_tokens"] = context_tokens(frame)  # derived as the merge derives it
    # A non-default index: filters must keep the caller's index labels.
    frame.index = pd.RangeIndex(100, 100 + len(rows))
    return frame


@pytest.fixture
def models() -> pd.DataFrame:
    return make_frame()


def names(frame: pd.DataFrame) -> list[str]:
    return frame["name"].tolist()


def short(frame: pd.DataFrame) -> set[str]:
    """'alpha/Chat-70B' -> 'alpha' (the rows are named for their owner prefix)."""
    return {n.split("/")[0] for n in frame["name"]}


ALL = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}


# ---------------------------------------------------------------------------- apply_filters
def test_default_filters_keep_everything_and_return_a_new_frame(models):
    out = apply_filters(models, Filters())
    assert out.equals(models)
    assert out is not models
    assert list(out.index) == list(models.index)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("chat", {"alpha"}),  # name, case-insensitive
        ("  CHAT  ", {"alpha"}),  # stripped
        ("pictures", {"beta"}),  # tagline
        ("beta-labs", {"beta"}),  # owner
        ("only-v1", {"epsilon"}),  # name and v1 id
        ("qwen", {"zeta"}),
        ("=sum(a1)", {"gamma"}),  # literal, not a regex / formula
        ("(a1)", {"gamma"}),  # regex metacharacters are literal
        ("[", set()),
        (".*", set()),
        ("nothing-like-this", set()),
        ("   ", ALL),  # blank = no constraint
    ],
)
def test_search(models, search, expected):
    assert short(apply_filters(models, Filters(search=search))) == expected


def test_search_ignores_missing_text(models):
    # delta has no tagline/owner text issues; NA cells never match nor raise
    assert short(apply_filters(models, Filters(search="delta"))) == {"delta"}
    assert short(apply_filters(models, Filters(search="<NA>"))) == set()
    assert short(apply_filters(models, Filters(search="nan"))) == set()


@pytest.mark.parametrize(
    ("templates", "expected"),
    [
        (("vllm",), {"alpha", "beta", "epsilon"}),
        (("diffusion", "tei"), {"gamma", "delta"}),
        (("nope",), set()),
    ],
)
def test_templates(models, templates, expected):
    assert short(apply_filters(models, Filters(templates=templates))) == expected


def test_quantizations_and_owners(models):
    assert short(apply_filters(models, Filters(quantizations=("fp8", "fp4")))) == {"alpha", "epsilon"}
    assert short(apply_filters(models, Filters(owners=("chutes",)))) == {"alpha", "delta"}
    # a missing owner never matches an owner filter
    assert short(apply_filters(models, Filters(owners=("zeta", "gamma")))) == {"gamma", "zeta"}


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (("text",), {"alpha", "beta", "gamma", "delta", "epsilon"}),  # zeta: None (unknown)
        (("image",), {"beta", "epsilon"}),  # case-insensitive ("Image")
        (("image", "text"), {"beta", "epsilon"}),  # all of, not any of
        (("IMAGE", "Text"), {"beta", "epsilon"}),
        (("image", "audio"), set()),
    ],
)
def test_input_modalities_are_all_of(models, wanted, expected):
    assert short(apply_filters(models, Filters(input_modalities=wanted))) == expected


def test_output_modalities(models):
    assert short(apply_filters(models, Filters(output_modalities=("image",)))) == {"gamma"}
    assert short(apply_filters(models, Filters(output_modalities=("text", "image")))) == set()


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (("tools",), {"alpha", "beta", "epsilon"}),  # "Tools" matches case-insensitively
        (("tools", "reasoning"), {"beta"}),
        (("tools", "json_mode"), {"alpha"}),
        (("structured_outputs",), set()),
    ],
)
def test_features_are_all_of(models, features, expected):
    assert short(apply_filters(models, Filters(features=features))) == expected


@pytest.mark.parametrize(
    ("min_context", "expected"),
    [
        (0, ALL),  # no constraint: unknown context is kept
        (1, {"alpha", "beta", "epsilon", "zeta"}),  # missing context (gamma, delta) counts as 0
        (8192, {"alpha", "beta", "epsilon", "zeta"}),  # inclusive
        (8193, {"alpha", "beta", "zeta"}),
        (32768, {"alpha", "beta", "zeta"}),  # beta: falls back to max_model_len
        (131072, {"alpha", "zeta"}),
        (1_000_000, {"zeta"}),
        (1_000_001, set()),
    ],
)
def test_min_context(models, min_context, expected):
    assert short(apply_filters(models, Filters(min_context=min_context))) == expected


@pytest.mark.parametrize(
    ("currency", "cap_in", "cap_out", "expected"),
    [
        ("usd", 0.10, None, {"beta", "epsilon"}),  # inclusive; NA price excluded
        ("usd", 0.0, None, set()),
        ("usd", 100.0, None, {"alpha", "beta", "epsilon", "zeta"}),  # gamma, delta: NA
        ("usd", None, 0.50, {"beta", "zeta"}),  # epsilon: output NA -> excluded
        ("usd", 0.40, 0.40, {"beta"}),
        ("tao", 0.0001, None, {"epsilon", "zeta"}),  # compared in TAO, not USD
        ("tao", 0.00001, None, {"zeta"}),  # the cheapest in TAO is the priciest in USD
        ("tao", None, 0.002, {"beta", "zeta"}),
    ],
)
def test_price_caps_are_in_the_chosen_currency(models, currency, cap_in, cap_out, expected):
    f = Filters(max_input_price=cap_in, max_output_price=cap_out, currency=currency)
    assert short(apply_filters(models, f)) == expected


def test_no_cap_keeps_rows_with_unknown_prices(models):
    out = apply_filters(models, Filters(currency="tao"))
    assert {"gamma", "delta"} <= short(out)


def test_hot_tee_only_exclude_unknown(models):
    assert short(apply_filters(models, Filters(hot_only=True))) == {"alpha", "gamma", "zeta"}
    assert short(apply_filters(models, Filters(tee_only=True))) == {"alpha"}
    assert short(apply_filters(models, Filters(hot_only=True, tee_only=True))) == {"alpha"}


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        ("all", ALL),
        ("public", {"alpha", "beta", "gamma", "zeta"}),
        ("private", {"delta"}),  # epsilon: visibility unknown -> neither public nor private
    ],
)
def test_visibility(models, visibility, expected):
    assert short(apply_filters(models, Filters(visibility=visibility))) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("all", ALL),
        ("both", {"alpha"}),
        ("chutes", {"beta", "gamma", "delta", "zeta"}),
        ("v1", {"epsilon"}),
    ],
)
def test_source(models, source, expected):
    assert short(apply_filters(models, Filters(source=source))) == expected


def test_filters_combine_with_and(models):
    f = Filters(
        search="a", templates=("vllm",), input_modalities=("text",), min_context=10_000, max_input_price=0.2
    )
    assert short(apply_filters(models, f)) == {"beta"}


def test_filters_keep_index_and_columns(models):
    out = apply_filters(models, Filters(templates=("vllm",)))
    assert list(out.columns) == list(models.columns)
    assert list(out.index) == [100, 101, 104]
    assert out.dtypes.equals(models.dtypes)


def test_every_filter_on_an_empty_frame(models):
    empty = models.iloc[0:0]
    f = Filters(
        search="x",
        templates=("vllm",),
        input_modalities=("text",),
        output_modalities=("text",),
        features=("tools",),
        quantizations=("fp8",),
        owners=("chutes",),
        min_context=1,
        max_input_price=1.0,
        max_output_price=1.0,
        hot_only=True,
        tee_only=True,
        visibility="private",
        source="both",
        currency="tao",
    )
    out = apply_filters(empty, f)
    assert out.empty and list(out.columns) == list(models.columns)


def test_filters_do_not_mutate_the_input(models):
    before = models.copy(deep=True)
    apply_filters(
        models,
        Filters(
            search="a",
            min_context=5,
            max_input_price=1.0,
            hot_only=True,
            input_modalities=("text",),
            visibility="public",
        ),
    )
    pd.testing.assert_frame_equal(models, before)


def test_filters_active_count_and_default():
    assert Filters().is_default() and Filters(currency="tao").is_default()
    assert Filters().active_count() == 0
    assert Filters(currency="tao").active_count() == 0  # currency is a view choice, not a filter
    f = Filters(search="x", hot_only=True, max_input_price=0.0, currency="tao")
    assert not f.is_default()
    assert f.active_count() == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.search = "y"  # type: ignore[misc]


def test_price_column():
    assert price_column("input", "tao") == "price_input_tao"
    assert price_column("output", "usd") == "price_output_usd"


# ---------------------------------------------------------------------------- sort_models
def test_sort_labels_cover_sorts():
    assert set(SORT_LABELS) == set(SORTS)


@pytest.mark.parametrize(
    ("sort", "currency", "expected"),
    [
        ("popular", "usd", ["gamma", "alpha", "beta", "zeta", "delta", "epsilon"]),
        ("price_in", "usd", ["epsilon", "beta", "alpha", "zeta", "gamma", "delta"]),
        ("price_in", "tao", ["zeta", "epsilon", "beta", "alpha", "gamma", "delta"]),
        ("price_out", "usd", ["beta", "zeta", "alpha", "gamma", "delta", "epsilon"]),
        ("context", "usd", ["zeta", "alpha", "epsilon", "beta", "gamma", "delta"]),
        ("name", "usd", ["alpha", "beta", "delta", "epsilon", "gamma", "zeta"]),
        ("instances", "usd", ["alpha", "zeta", "gamma", "beta", "delta", "epsilon"]),
        ("bogus", "usd", ["gamma", "alpha", "beta", "zeta", "delta", "epsilon"]),  # -> popular
    ],
)
def test_sort_models_puts_missing_values_last(models, sort, currency, expected):
    out = sort_models(models, sort, currency)
    assert [n.split("/")[0] for n in out["name"]] == expected
    assert sorted(out.index) == sorted(models.index)


def test_sort_by_name_is_case_insensitive_and_stable():
    rows = [
        tuple(["b-model" if i == 0 else v for i, v in enumerate(ROWS[0])]),
        tuple(["A-model" if i == 0 else v for i, v in enumerate(ROWS[1])]),
        tuple(["a-model" if i == 0 else v for i, v in enumerate(ROWS[2])]),
        tuple(["B-model" if i == 0 else v for i, v in enumerate(ROWS[3])]),
    ]
    out = sort_models(make_frame(rows), "name")
    assert names(out) == ["A-model", "a-model", "b-model", "B-model"]


def test_sort_missing_values_last_even_descending_and_all_missing(models):
    models = models.assign(invocation_count=pd.array([NA] * len(models), dtype="Int64"))
    out = sort_models(models, "popular")
    assert list(out.index) == list(models.index)  # stable when every value is missing


def test_sort_empty_frame(models):
    for sort in SORTS:
        assert sort_models(models.iloc[0:0], sort, "tao").empty


# ---------------------------------------------------------------------------- options
def test_options(models):
    opts = options(models)
    assert opts["templates"] == ["custom", "diffusion", "tei", "vllm"]
    assert opts["input_modalities"] == ["Image", "TEXT", "image", "text"]
    assert opts["output_modalities"] == ["embedding", "image", "text"]
    assert opts["features"] == sorted(set(FEATURES) | {"Tools"})
    assert opts["quantizations"] == ["bf16", "fp4", "fp8"]
    assert opts["owners"] == ["Beta-Labs", "chutes", "gamma", "zeta"]  # NA dropped, casefolded order


def test_options_on_empty_frame(models):
    opts = options(models.iloc[0:0])
    assert opts["templates"] == [] and opts["owners"] == [] and opts["input_modalities"] == []
    assert opts["features"] == sorted(FEATURES)  # the well-known features are always offered


# ---------------------------------------------------------------------------- kpis
def test_kpis(models):
    k = kpis(models, "usd")
    assert k == {"shown": 6, "hot": 3, "median_input_price": pytest.approx(0.20), "max_context": 1_000_000}
    t = kpis(models, "tao")
    assert t["median_input_price"] == pytest.approx(float(np.median([0.001, 0.0004, 0.0001, 0.00001])))


def test_kpis_fall_back_to_max_model_len(models):
    k = kpis(models.loc[[101, 102, 103]], "usd")  # beta has only max_model_len
    assert k["max_context"] == 32768
    assert k["hot"] == 1  # NA hot counts as not hot


@pytest.mark.parametrize("currency", ["usd", "tao"])
def test_kpis_on_empty_frame(models, currency):
    assert kpis(models.iloc[0:0], currency) == {
        "shown": 0,
        "hot": 0,
        "median_input_price": None,
        "max_context": None,
    }


def test_kpis_when_nothing_is_known(models):
    unknown = models.loc[[102, 103]]  # no prices, no context
    assert kpis(unknown) == {"shown": 2, "hot": 1, "median_input_price": None, "max_context": None}
