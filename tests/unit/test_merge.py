"""merge.merge_catalogs: each matching rule, the report, and the output contract.

Frames are built through the real readers (normalize.chutes_frame / v1_frame) from small dict
payloads, so the tests exercise the same path as live data.
"""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from realdata import V1_FILES, needs_v1

from chutes_data.merge import (
    DEFAULT_FUZZY_CUTOFF,
    FUZZY_PROCESSOR,
    FUZZY_SCORER,
    Conflict,
    FuzzyMatch,
    MergeReport,
    MergeResult,
    NearMiss,
    merge_catalogs,
    normalized_name,
    version_tokens,
)
from chutes_data.schema import LIST_COLUMNS, MERGED_COLUMNS, chute_url, price_unit, price_units
from chutes_data.sources import normalize

AUTO = object()  # v1 chute_id: the id of the official chute with the entry's name


# ---------------------------------------------------------------------------- payload helpers
def cid(owner: str, name: str) -> str:
    """The server's deterministic chute id."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{owner}::chute::{name}"))


def chute(
    name: str,
    *,
    owner: str | None = "chutes",
    template: str | None = "vllm",
    chute_id: str | None = None,
    price: tuple[float | None, ...] | None = None,
    step: float | None = None,
    request: float | None = None,
    hour: float | None = 2.0,
    tee: bool | None = None,
    **extra: Any,
) -> dict:
    """A `/chutes/` item. `price` = (input, output, cache_read) USD per 1M tokens."""
    estimate: dict[str, Any] = {}
    if hour is not None:
        estimate |= {"usd": {"hour": hour, "second": hour / 3600}}
    if price is not None:
        keys = ("input", "output", "input_cache_read")
        estimate["per_million_tokens"] = {
            k: {"usd": v} for k, v in zip(keys, price, strict=False) if v is not None
        }
    if step is not None:
        estimate["per_step"] = {"usd": step}
    if request is not None:
        estimate["per_request"] = {"usd": request}
    item = {
        "chute_id": chute_id or cid(owner or "anon", name),
        "name": name,
        "standard_template": template,
        "current_estimated_price": estimate or None,
        "instances": [{"instance_id": "i1", "region": "us-east", "active": True, "verified": True}],
        **extra,
    }
    if owner is not None:
        item["user"] = {"username": owner}
    if tee is not None:
        item["tee"] = tee
    return item


def v1(
    model_id: str, *, chute_id: Any = AUTO, price: tuple[float | None, ...] | None = None, **extra: Any
) -> dict:
    """A `/v1/models` entry. `chute_id=None` leaves the key out (older API responses)."""
    entry: dict[str, Any] = {"id": model_id, "object": "model", "owned_by": "sglang", **extra}
    if chute_id is AUTO:
        entry["chute_id"] = cid("chutes", model_id)
    elif chute_id is not None:
        entry["chute_id"] = chute_id
    if price is not None:
        keys = ("input", "output", "input_cache_read")
        entry["price"] = {k: {"usd": v} for k, v in zip(keys, price, strict=False) if v is not None}
    return entry


def frames(chutes: list[dict], models: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (normalize.chutes_frame({"items": chutes}), normalize.v1_frame({"object": "list", "data": models}))


def merge(chutes: list[dict], models: list[dict], **kwargs: Any) -> MergeResult:
    return merge_catalogs(*frames(chutes, models), **kwargs)


def only(models: pd.DataFrame, **where: Any) -> pd.Series:
    """The single row matching all `column=value` conditions."""
    mask = pd.Series(True, index=models.index)
    for col, value in where.items():
        mask &= models[col].eq(value).fillna(False)
    assert mask.sum() == 1, f"{mask.sum()} rows match {where}"
    return models.loc[mask].iloc[0]


def score(a: str, b: str) -> float:
    return FUZZY_SCORER(a, b, processor=FUZZY_PROCESSOR)


def assert_counts_add_up(report: MergeReport) -> None:
    assert report.matched + report.only_in_v1 == report.v1_total
    assert report.matched + report.only_in_chutes == report.chutes_total
    assert sum(report.by_method.values()) == report.matched
    assert len(report.only_in_v1_ids) == report.only_in_v1
    assert sum(report.only_in_chutes_by_template.values()) == report.only_in_chutes
    json.dumps(report.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------- 1. chute_id
def test_chute_id_join_is_final_even_when_names_differ():
    official = chute("zai-org/GLM-5.1-TEE")
    decoy = chute("zai-org/GLM-5.1-Renamed")  # carries the v1 id as its name
    entry = v1("zai-org/GLM-5.1-Renamed", chute_id=official["chute_id"])
    result = merge([official, decoy], [entry])
    row = only(result.models, chute_id=official["chute_id"])
    assert (row["source"], row["match_method"], row["match_score"]) == ("both", "chute_id", 100.0)
    assert row["v1_id"] == "zai-org/GLM-5.1-Renamed" and row["name"] == "zai-org/GLM-5.1-TEE"
    assert only(result.models, chute_id=decoy["chute_id"])["source"] == "chutes"
    assert result.report.by_method["chute_id"] == 1
    assert (
        Conflict(
            name="zai-org/GLM-5.1-TEE",
            chute_id=official["chute_id"],
            field="name",
            chutes_value="zai-org/GLM-5.1-TEE",
            v1_value="zai-org/GLM-5.1-Renamed",
        )
        in result.report.conflicts
    )


@pytest.mark.parametrize("owner", ["chutes", "mallory", None])
def test_an_unlisted_chute_id_is_never_joined_by_name(owner):
    """The id says which chute the entry is; a listed chute with another id is another chute."""
    listed = chute("org/Model-7B", owner=owner, chute_id="listed-id")
    result = merge([listed], [v1("org/Model-7B", chute_id="not-listed")], fuzzy_cutoff=50)
    assert result.report.matched == 0 and result.report.near_misses == ()
    v1_row = only(result.models, v1_id="org/Model-7B")
    assert v1_row["source"] == "v1" and v1_row["chute_id"] == "not-listed"
    assert v1_row["chute_url"] == chute_url("not-listed")


def test_two_v1_entries_with_one_chute_id_join_once():
    target = chute("org/Model-7B")
    result = merge([target], [v1("org/Model-7B"), v1("org/Model-7B-copy", chute_id=target["chute_id"])])
    assert result.report.matched == 1
    assert only(result.models, source="both")["v1_id"] == "org/Model-7B"


# ---------------------------------------------------------------------------- 2. exact name
@pytest.mark.parametrize("impostor_first", [True, False])
def test_exact_name_prefers_official_over_impostor(impostor_first):
    name = "Qwen/Qwen3-32B-TEE"
    official = chute(name, price=(0.104, 0.416, 0.052))
    impostor = chute(name, owner="mallory", price=(9.0, 9.0, 9.0), tee=False)
    items = [impostor, official] if impostor_first else [official, impostor]
    result = merge(
        items,
        [v1(name, chute_id=None, price=(0.104, 0.416, 0.052), context_length=40960, max_model_len=40960)],
    )
    joined = only(result.models, source="both")
    assert joined["chute_id"] == official["chute_id"] and joined["owner"] == "chutes"
    assert (joined["match_method"], joined["price_input_usd"]) == ("name", 0.104)
    assert joined["context_length"] == 40960
    stray = only(result.models, chute_id=impostor["chute_id"])
    assert stray["source"] == "chutes" and pd.isna(stray["v1_id"])
    assert pd.isna(stray["match_method"])
    assert stray["price_input_usd"] == 9.0 and pd.isna(stray["context_length"])
    assert result.report.conflicts == ()
    assert result.report.unofficial_only_in_chutes == 1


def test_community_copy_never_takes_v1_data_even_without_official_chute():
    copy = chute("Qwen/Qwen3-32B-TEE", owner="mallory")
    result = merge([copy], [v1("Qwen/Qwen3-32B-TEE", chute_id=None)])
    assert result.report.matched == 0
    assert result.report.only_in_v1_ids == ("Qwen/Qwen3-32B-TEE",)


def test_unknown_owner_joins_by_name_only_when_unique():
    anon = chute("org/Model-7B", owner=None)
    result = merge([anon], [v1("org/Model-7B", chute_id=None)])
    assert only(result.models, source="both")["chute_id"] == anon["chute_id"]

    twins = [chute("org/Model-7B", owner=None, chute_id="a"), chute("org/Model-7B", owner=None, chute_id="b")]
    result = merge(twins, [v1("org/Model-7B", chute_id=None)])
    assert result.report.matched == 0


# ---------------------------------------------------------------------------- 3. normalized
def test_normalized_case_and_surrounding_whitespace():
    target = chute("Qwen/Qwen3-32B-TEE")
    result = merge([target], [v1("qwen/qwen3-32b-tee ", chute_id=None)])
    row = only(result.models, chute_id=target["chute_id"])
    assert (row["match_method"], row["match_score"]) == ("normalized", 100.0)
    assert row["v1_id"] == "qwen/qwen3-32b-tee " and row["name"] == "Qwen/Qwen3-32B-TEE"


def test_normalized_strips_tee_twin_suffix_and_reports_tee_conflict():
    plain = chute("deepseek-ai/DeepSeek-V3.2", tee=False)
    result = merge([plain], [v1("deepseek-ai/DeepSeek-V3.2-TEE", chute_id=None, confidential_compute=True)])
    row = only(result.models, chute_id=plain["chute_id"])
    assert row["match_method"] == "normalized"
    assert pd.notna(row["tee"]) and not row["tee"]  # the chute's own flag wins
    assert [c.field for c in result.report.conflicts] == ["tee"]


def test_normalized_name_rules():
    assert normalized_name(" Qwen/Qwen3-32B-TEE ") == "qwen/qwen3-32b"
    assert normalized_name("Org/A  B\tC-tee", strip_tee=False) == "org/a b c-tee"
    assert normalized_name("org/x-TEE-TEE") == "org/x-tee"  # one platform suffix only
    assert normalized_name("-TEE") == "-tee"  # never an empty key


def test_normalized_prefers_the_twin_that_differs_only_in_case():
    plain, twin = chute("Org/Model-X"), chute("Org/Model-X-TEE")
    result = merge([plain, twin], [v1("org/model-x-tee", chute_id=None)])
    assert only(result.models, source="both")["chute_id"] == twin["chute_id"]


def test_ambiguous_normalized_key_is_not_joined():
    a, b = chute("Org/Model-X-TEE"), chute("ORG/model-x-tee")
    result = merge([a, b], [v1("org/Model-X", chute_id=None)], fuzzy_cutoff=50)
    assert result.report.matched == 0
    (miss,) = result.report.near_misses
    assert miss.v1_id == "org/Model-X"
    assert miss.reason.startswith("ambiguous normalized name: 2 candidates")


def test_ambiguous_normalized_key_on_the_v1_side_is_not_joined():
    target = chute("ORG/THING-TEE")
    result = merge(
        [target], [v1("Org/Thing-TEE", chute_id=None), v1("org/thing-tee", chute_id=None)], fuzzy_cutoff=50
    )
    assert result.report.matched == 0
    assert {m.v1_id for m in result.report.near_misses} == {"Org/Thing-TEE", "org/thing-tee"}


# ---------------------------------------------------------------------------- 4. fuzzy
CHUTE_NAME, RENAMED = "acme/Foo-Bar-7B", "acme/Fooo-Bar-7B"


def test_fuzzy_just_above_cutoff_joins_with_its_score():
    s = score(RENAMED, CHUTE_NAME)
    assert 80 < s < 100
    target = chute(CHUTE_NAME)
    result = merge([target], [v1(RENAMED, chute_id=None)], fuzzy_cutoff=s - 0.01)
    row = only(result.models, chute_id=target["chute_id"])
    assert row["match_method"] == "fuzzy" and row["match_score"] == pytest.approx(s, abs=0.01)
    assert result.report.fuzzy_matches == (
        FuzzyMatch(v1_id=RENAMED, name=CHUTE_NAME, chute_id=target["chute_id"], score=round(s, 2)),
    )
    assert result.report.near_misses == ()


def test_fuzzy_just_below_cutoff_is_a_near_miss():
    s = score(RENAMED, CHUTE_NAME)
    target = chute(CHUTE_NAME)
    result = merge([target], [v1(RENAMED, chute_id=None)], fuzzy_cutoff=s + 0.01, review_margin=5)
    assert result.report.matched == 0
    assert result.report.near_misses == (
        NearMiss(
            v1_id=RENAMED,
            candidate=CHUTE_NAME,
            chute_id=target["chute_id"],
            score=round(s, 2),
            reason="below cutoff",
        ),
    )


def test_fuzzy_candidate_outside_review_margin_is_not_reported():
    s = score(RENAMED, CHUTE_NAME)
    result = merge([chute(CHUTE_NAME)], [v1(RENAMED, chute_id=None)], fuzzy_cutoff=s + 6, review_margin=5)
    assert result.report.matched == 0 and result.report.near_misses == ()


def test_fuzzy_default_cutoff_joins_separator_renames():
    target = chute("deepseek-ai/DeepSeek-V3.2-Speciale")
    result = merge([target], [v1("deepseek-ai/ DeepSeek_V3.2_Speciale", chute_id=None)])
    row = only(result.models, chute_id=target["chute_id"])
    assert (row["match_method"], row["match_score"]) == ("fuzzy", 100.0)
    assert result.report.fuzzy_cutoff == DEFAULT_FUZZY_CUTOFF


@pytest.mark.parametrize(
    ("v1_id", "name", "reason"),
    [
        ("Qwen/Qwen3-32B", "Qwen/Qwen3-30B", "version tokens differ: 32B vs 30B"),
        ("deepseek-ai/DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3.2", "version tokens differ: V3.1 vs V3.2"),
        (
            "deepseek-ai/DeepSeek-R1-0528",
            "deepseek-ai/DeepSeek-R1-0529",
            "version tokens differ: 0528 vs 0529",
        ),
        ("zai-org/GLM-4.6", "zai-org/GLM-4.7", "version tokens differ: 4.6 vs 4.7"),
    ],
)
def test_version_tokens_differ_never_join(v1_id, name, reason):
    assert score(v1_id, name) >= 85  # the string alone would join
    target = chute(name)
    result = merge([target], [v1(v1_id, chute_id=None)], fuzzy_cutoff=50)
    assert result.report.matched == 0
    assert result.report.near_misses == (
        NearMiss(
            v1_id=v1_id,
            candidate=name,
            chute_id=target["chute_id"],
            score=round(score(v1_id, name), 2),
            reason=reason,
        ),
    )


def test_version_tokens_are_whole_number_bearing_runs():
    assert version_tokens("Qwen/Qwen3.5-397B-A17B-TEE") == ["Qwen3.5", "397B", "A17B"]
    assert version_tokens("deepseek-ai/DeepSeek-R1-0528") == ["R1", "0528"]
    assert version_tokens("zai-org/GLM-4.6") == ["4.6"]
    assert version_tokens("Mistral-Nemo-Instruct") == []


def test_each_fuzzy_candidate_is_used_once():
    target = chute(CHUTE_NAME)
    result = merge([target], [v1(RENAMED, chute_id=None), v1("acme/Foo_Bar-7B", chute_id=None)])
    row = only(result.models, source="both")
    assert row["v1_id"] == "acme/Foo_Bar-7B" and row["match_score"] == 100.0
    assert result.report.near_misses == (
        NearMiss(
            v1_id=RENAMED,
            candidate=CHUTE_NAME,
            chute_id=target["chute_id"],
            score=round(score(RENAMED, CHUTE_NAME), 2),
            reason="candidate already matched to acme/Foo_Bar-7B",
        ),
    )


def test_fuzzy_tie_is_ambiguous_and_not_joined():
    result = merge(
        [chute("acme/Foo-Bar-7B"), chute("acme/Foo_Bar-7B")],
        [v1("acme/foo bar 7b x", chute_id=None)],
        fuzzy_cutoff=80,
    )
    assert result.report.matched == 0
    assert result.report.near_misses[0].reason == "ambiguous: tied with another candidate"


def test_fuzzy_greedy_gives_each_v1_entry_its_own_best():
    a, b = chute("acme/Alpha-Model-7B"), chute("acme/Alpha-Modal-7B")
    result = merge(
        [a, b], [v1("acme/Alpha_Model-7B", chute_id=None), v1("acme/Alpha_Modal-7B", chute_id=None)]
    )
    pairs = dict(zip(result.models["v1_id"], result.models["chute_id"], strict=True))
    assert pairs == {"acme/Alpha_Model-7B": a["chute_id"], "acme/Alpha_Modal-7B": b["chute_id"]}


def test_fuzzy_never_takes_community_or_non_vllm_chutes():
    copy = chute(CHUTE_NAME, owner="mallory")
    image = chute("acme/Foo-Bar-7B-img", template="diffusion")
    result = merge(
        [copy, image, chute("other/Model-1B")], [v1("acme/Foo_Bar-7B", chute_id=None)], fuzzy_cutoff=60
    )
    assert result.report.matched == 0


def test_fuzzy_never_takes_an_already_matched_chute():
    target = chute(CHUTE_NAME)
    result = merge([target], [v1(CHUTE_NAME), v1("acme/Foo_Bar-7B", chute_id=None)])
    assert result.report.by_method == {"chute_id": 1, "name": 0, "normalized": 0, "fuzzy": 0}
    assert only(result.models, v1_id="acme/Foo_Bar-7B")["source"] == "v1"
    assert result.report.near_misses == ()  # only free chutes are candidates


# ---------------------------------------------------------------------------- conflicts
def test_price_conflicts_beyond_float_noise_only():
    name = "Qwen/Qwen3-32B-TEE"
    result = merge(
        [chute(name, price=(0.104, 0.416, 0.0104))], [v1(name, price=(0.2, 0.416, 0.010399999999999998))]
    )
    assert result.report.conflicts == (
        Conflict(
            name=name, chute_id=cid("chutes", name), field="price_input_usd", chutes_value=0.104, v1_value=0.2
        ),
    )
    assert only(result.models, name=name)["price_input_usd"] == 0.104  # /chutes/ wins


def test_context_above_engine_limit_is_a_conflict_for_every_row_with_v1_data():
    result = merge(
        [chute("org/A-1B"), chute("org/B-1B")],
        [
            v1("org/A-1B", context_length=262144, max_model_len=131072),
            v1("org/B-1B", context_length=131072, max_model_len=262144),
            v1("org/C-1B", context_length=8192, max_model_len=4096),
        ],
    )
    conflicts = [(c.name, c.field, c.chutes_value, c.v1_value) for c in result.report.conflicts]
    assert conflicts == [
        ("org/A-1B", "context_length", 131072, 262144),
        ("org/C-1B", "context_length", 4096, 8192),
    ]
    assert result.report.conflicts[1].chute_id == cid("chutes", "org/C-1B")


# ---------------------------------------------------------------------------- merged values
def test_prices_chutes_win_v1_fills_gaps_and_price_units():
    result = merge(
        [
            chute("org/Chat-7B", price=(0.1, 0.4, None)),
            chute("org/Img", template="diffusion", step=0.01),
            chute("org/Rerank", template="tei", request=0.002),
            chute("org/Custom", template=None),
            chute("org/Free", template=None, hour=None),
        ],
        [v1("org/Chat-7B", price=(0.2, 0.4, 0.05)), v1("org/Only-7B", price=(0.3, 1.2, 0.15))],
    )
    m = result.models
    chat = only(m, name="org/Chat-7B")
    assert (chat["price_input_usd"], chat["price_cache_read_usd"]) == (0.1, 0.05)
    assert only(m, name="org/Only-7B")["price_output_usd"] == 1.2
    units = dict(zip(m["name"], m["price_unit"].fillna("<NA>"), strict=True))
    assert units == {
        "org/Chat-7B": "per_1m_tokens",
        "org/Img": "per_step",
        "org/Rerank": "per_request",
        "org/Custom": "per_hour",
        "org/Free": "<NA>",
        "org/Only-7B": "per_1m_tokens",
    }
    # the one rule, for a frame and for one record (history states), agrees with the column
    assert price_units(m).fillna("<NA>").tolist() == m["price_unit"].fillna("<NA>").tolist()
    assert [price_unit(r) or "<NA>" for r in m.to_dict("records")] == m["price_unit"].fillna("<NA>").tolist()


def test_context_tokens_is_the_advertised_context_else_the_engine_limit():
    result = merge(
        [chute("org/A-1B"), chute("org/B-1B"), chute("org/C-1B"), chute("org/Img")],
        [
            v1("org/A-1B", context_length=65536, max_model_len=131072),
            v1("org/B-1B", max_model_len=32768),
            v1("org/C-1B"),
            v1("org/Only-1B", context_length=8192),
        ],
    )
    m = result.models
    ctx = dict(zip(m["name"], m["context_tokens"].astype("object").fillna("<NA>"), strict=True))
    assert ctx == {
        "org/A-1B": 65536,
        "org/B-1B": 32768,
        "org/C-1B": "<NA>",
        "org/Img": "<NA>",
        "org/Only-1B": 8192,
    }
    assert str(m["context_tokens"].dtype) == "Int64"
    # appended after the existing merged columns (the telemetry columns follow it), so the
    # export contract's order is untouched
    assert MERGED_COLUMNS.index("context_tokens") == MERGED_COLUMNS.index("created_at") + 1


def test_modalities_come_from_v1_or_from_a_certain_template():
    result = merge(
        [
            chute("org/Vision-7B"),
            chute("org/Text-7B"),
            chute("org/Img", template="diffusion"),
            chute("org/Emb", template="embedding"),
            chute("org/Tei", template="tei"),
            chute("org/Tts", template=None),
        ],
        [
            v1(
                "org/Vision-7B",
                input_modalities=["text", "image"],
                output_modalities=["text"],
                supported_features=["tools"],
            )
        ],
    )
    got = {
        r.name: (r.input_modalities, r.output_modalities, r.supported_features)
        for r in result.models.itertuples()
    }
    assert got == {
        "org/Vision-7B": (["text", "image"], ["text"], ["tools"]),
        "org/Text-7B": ([], [], []),
        "org/Img": (["text"], ["image"], []),
        "org/Emb": (["text"], ["embedding"], []),
        "org/Tei": (["text"], ["embedding"], []),
        "org/Tts": ([], [], []),
    }


def test_v1_only_rows_defaults():
    result = merge(
        [],
        [
            v1("org/Ghost-7B", confidential_compute=True, context_length=8192),
            v1("org/NoId-7B", chute_id=None),
        ],
    )
    ghost = only(result.models, v1_id="org/Ghost-7B")
    assert (ghost["source"], ghost["name"], ghost["template"], ghost["owner"]) == (
        "v1",
        "org/Ghost-7B",
        "vllm",
        "chutes",
    )
    assert bool(ghost["official"]) is True
    assert pd.isna(ghost["hot"]) and pd.isna(ghost["instances_active"])
    assert pd.isna(ghost["match_method"]) and math.isnan(ghost["match_score"])
    assert bool(ghost["tee"]) is True and ghost["context_length"] == 8192
    assert ghost["chute_url"] == chute_url(cid("chutes", "org/Ghost-7B"))
    no_id = only(result.models, v1_id="org/NoId-7B")
    assert pd.isna(no_id["chute_id"]) and pd.isna(no_id["chute_url"])


# ---------------------------------------------------------------------------- contract
def mixed() -> MergeResult:
    return merge(
        [
            chute("org/A-7B", price=(0.1, 0.2, 0.05)),
            chute("org/B-8B"),
            chute("org/C-9B"),
            chute("org/B-8B", owner="mallory"),
            chute("org/Img", template="diffusion"),
            chute("org/Emb", template="embedding", owner="bob"),
            chute("org/Rare-3B"),
        ],
        [
            v1("org/A-7B", context_length=4096, max_model_len=4096, input_modalities=["text"]),
            v1("org/B-8B", chute_id=None),
            v1("org/c-9b", chute_id=None),
            v1("org/Rare_3B", chute_id=None),
            v1("org/V1-Only-1B"),
        ],
    )


def test_report_counts_add_up():
    report = mixed().report
    assert_counts_add_up(report)
    assert (report.chutes_total, report.v1_total, report.matched) == (7, 5, 4)
    assert report.by_method == {"chute_id": 1, "name": 1, "normalized": 1, "fuzzy": 1}
    assert report.only_in_v1_ids == ("org/V1-Only-1B",)
    assert report.only_in_chutes_by_template == {"vllm": 1, "diffusion": 1, "embedding": 1}
    assert report.unofficial_only_in_chutes == 2
    assert set(report.to_dict()) >= {"conflicts", "fuzzy_matches", "near_misses", "fuzzy_cutoff"}


def test_output_contract_columns_dtypes_and_lists():
    models = mixed().models
    assert list(models.columns) == MERGED_COLUMNS
    assert len(models) == 7 + 1
    for col in (c for c in LIST_COLUMNS if c in models):
        assert all(isinstance(v, list) for v in models[col]), col
    ids = [id(v) for v in models["regions"]]
    assert len(set(ids)) == len(ids)  # no list object shared between rows
    assert str(models["match_score"].dtype) == "float64"
    assert str(models["official"].dtype) == "bool"
    for col in ("instances_active", "context_length", "max_model_len", "invocation_count"):
        assert str(models[col].dtype) == "Int64", col
    for col in ("hot", "tee", "public"):
        assert str(models[col].dtype) == "boolean", col
    assert set(models["source"]) == {"both", "chutes", "v1"}
    assert models.loc[models["source"].eq("both"), "match_score"].between(0, 100).all()
    assert models.loc[models["source"].ne("both"), "match_score"].isna().all()


@pytest.mark.parametrize(
    "inputs",
    [
        lambda: frames([], []),
        lambda: (pd.DataFrame(), pd.DataFrame()),
        lambda: (frames([chute("org/A-7B")], [])[0], pd.DataFrame()),
        lambda: (pd.DataFrame(), frames([], [v1("org/A-7B")])[1]),
    ],
    ids=["zero-rows", "bare", "v1-empty", "chutes-empty"],
)
def test_empty_inputs(inputs):
    chutes, models = inputs()
    result = merge_catalogs(chutes, models)
    assert list(result.models.columns) == MERGED_COLUMNS
    assert len(result.models) == len(chutes) + len(models)
    assert result.report.matched == 0
    assert_counts_add_up(result.report)


def test_report_is_plain_json():
    report = mixed().report.to_dict()
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report


def test_report_is_frozen_and_its_dict_keeps_the_documented_order():
    report = merge(
        [chute("org/A-7B", price=(0.1, 0.2, 0.05)), chute("org/Rare-3B")],
        [v1("org/A-7B", price=(0.3, 0.2, 0.05)), v1("org/Rare_3B", chute_id=None)],
    ).report
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.matched = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.conflicts[0].field = "x"  # type: ignore[misc]
    doc = report.to_dict()
    assert (
        list(doc)
        == [f.name for f in dataclasses.fields(MergeReport)]
        == [
            "chutes_total",
            "v1_total",
            "matched",
            "only_in_chutes",
            "only_in_v1",
            "by_method",
            "conflicts",
            "fuzzy_matches",
            "near_misses",
            "only_in_v1_ids",
            "only_in_chutes_by_template",
            "unofficial_only_in_chutes",
            "fuzzy_cutoff",
            "review_margin",
        ]
    )
    assert list(doc["conflicts"][0]) == ["name", "chute_id", "field", "chutes_value", "v1_value"]
    assert list(doc["fuzzy_matches"][0]) == ["v1_id", "name", "chute_id", "score"]
    assert isinstance(doc["conflicts"], list) and isinstance(doc["only_in_v1_ids"], list)
    assert isinstance(doc["by_method"], dict) and doc["by_method"] is not report.by_method


# ---------------------------------------------------------------------------- real captures
@needs_v1
@pytest.mark.parametrize("path", V1_FILES, ids=[p.stem for p in V1_FILES])
def test_real_capture_matches_fully_by_chute_id(path):
    payload = json.loads(path.read_text(encoding="utf-8"))
    items = [chute(e["id"], chute_id=e["chute_id"]) for e in payload["data"]]
    result = merge_catalogs(normalize.chutes_frame({"items": items}), normalize.v1_frame(payload))
    n = len(payload["data"])
    assert result.report.by_method["chute_id"] == result.report.matched == n
    assert result.models["source"].eq("both").all()
    assert_counts_add_up(result.report)


# ---------------------------------------------------------------------------- properties
_NAMES = st.sampled_from(
    [
        "org/Qwen3-32B",
        "org/Qwen3-30B",
        "org/qwen3-32b",
        "org/Qwen3-32B-TEE",
        "org/Qwen3_32B",
        "org/GLM-4.6",
        "org/GLM-4.7",
        "org/glm-4.6-tee",
        "org/Kimi-K2",
        "org/Kimi_K2",
        "x/Mistral-Nemo",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chute_specs=st.lists(
        st.tuples(
            _NAMES, st.sampled_from(["chutes", "mallory", None]), st.sampled_from(["vllm", "diffusion"])
        ),
        max_size=8,
    ),
    v1_specs=st.lists(st.tuples(_NAMES, st.booleans()), max_size=6, unique_by=lambda t: t[0]),
    cutoff=st.sampled_from([50.0, 80.0, 90.0, 100.0]),
)
def test_merge_invariants(chute_specs, v1_specs, cutoff):
    items = [chute(n, owner=o, template=t) for n, o, t in chute_specs]
    entries = [v1(n, chute_id=AUTO if with_id else None) for n, with_id in v1_specs]
    chutes, models = frames(items, entries)
    result = merge_catalogs(chutes, models, fuzzy_cutoff=cutoff)
    m, report = result.models, result.report
    assert_counts_add_up(report)
    assert list(m.columns) == MERGED_COLUMNS and len(m) == len(chutes) + report.only_in_v1
    both = m.loc[m["source"].eq("both")]
    assert both["v1_id"].is_unique and both["chute_id"].is_unique
    by_name = both.loc[both["match_method"].ne("chute_id")]
    assert (by_name["official"] | by_name["owner"].isna()).all()  # never another owner's chute
    listed = set(chutes["chute_id"])
    by_id = {n for n, with_id in v1_specs if with_id and cid("chutes", n) in listed}
    assert set(both.loc[both["match_method"].eq("chute_id"), "v1_id"]) == by_id
    assert not set(by_name["v1_id"]) & {n for n, with_id in v1_specs if with_id}
    for row in both.loc[both["match_method"].eq("fuzzy")].itertuples():
        assert sorted(t.casefold() for t in version_tokens(row.v1_id)) == sorted(
            t.casefold() for t in version_tokens(row.name)
        )
        assert row.match_score >= cutoff
