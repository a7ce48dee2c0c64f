"""The filter vocabulary (chutes_data/filters.py): one table, everything derived from it; the
README's parameter table agrees with it; no import circle in the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from chutes_data import filters as vocab
from chutes_data.calc import PRESETS
from chutes_data.filters import BY_NAME, SPECS, ParameterError, View, canonical, filters_from, view_from
from chutes_data.query import BLEND_RATIO, SORT_LABELS, SORTS, Filters

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = {
    "templates": ["vllm", "diffusion"],
    "input_modalities": ["text", "image"],
    "output_modalities": ["text"],
    "features": ["tools", "json_mode", "structured_outputs", "reasoning"],
    "quantizations": ["fp8", "bf16"],
    "owners": ["chutes", "Northwind-ML"],
}


def test_every_filters_field_is_set_by_exactly_one_spec():
    set_by = [s.field for s in SPECS if s.field]
    assert sorted(set_by) == sorted(f.name for f in fields(Filters))
    names = [n for s in SPECS for n in s.names]
    assert len(names) == len(set(names)), "a name or URL key is used twice"


def test_the_sidebar_takes_its_keys_from_the_vocabulary():
    from ui import sidebar

    assert sidebar.FILTER_KEYS == vocab.FILTER_KEYS
    assert "cur" not in sidebar.FILTER_KEYS and {"free", "min_tps", "no_cold"} <= set(sidebar.FILTER_KEYS)
    source = (ROOT / "ui" / "sidebar.py").read_text()
    for spec in SPECS:
        if spec.field and spec.name != "currency":  # the currency's key is read back as "cur"
            assert f'"{spec.name}"' in source, f"the sidebar draws no widget for {spec.name}"


@pytest.mark.parametrize(
    "key,text,expected",
    [
        ("sort", "Cheapest input", "price_in"),
        ("sort", "Largest context", "context"),
        ("sort", "largest CONTEXT", "context"),
        ("sort", "price_in", "price_in"),
        ("sort", "nonsense", "nonsense"),
        ("calc_preset", "RAG", "rag"),
        ("calc_preset", "Chat", "chat"),
        ("calc_preset", "rag", "rag"),
        ("q", "Cheapest input", "Cheapest input"),
    ],
)
def test_old_labels_stand_for_their_stable_keys(key, text, expected):
    assert canonical(key, text) == expected


def test_every_sort_label_and_preset_label_is_an_alias():
    assert {canonical("sort", label) for label in SORT_LABELS.values()} == set(SORTS)
    assert {canonical("calc_preset", p.label) for p in PRESETS.values()} == set(PRESETS)


def test_a_dashboard_query_string_is_a_view():
    raw = {
        "feature": ["tools"],
        "hot": ["true"],
        "min_ctx": ["131072"],
        "sort": ["Cheapest input"],
        "cur": ["TAO"],
        "free": ["1"],
        "min_tps": ["20"],
        "max_ttft": ["2.5"],
        "no_cold": ["on"],
        "no_throttle": ["yes"],
        "blend": ["1"],
        "in": ["TEXT"],
    }
    view = view_from(raw, OPTIONS)
    assert view == View(
        Filters(
            features=("tools",),
            hot_only=True,
            min_context=131072,
            currency="tao",
            free_only=True,
            min_tps=20.0,
            max_ttft=2.5,
            hide_cold=True,
            hide_throttling=True,
            input_modalities=("text",),
        ),
        "price_in",
        1.0,
    )
    assert view_from({}) == View(Filters(), "popular", BLEND_RATIO)


@pytest.mark.parametrize(
    "raw,parameter",
    [
        ({"feature": ["teleport"]}, "feature"),
        ({"owner": ["nobody"]}, "owner"),
        ({"sort": ["Cheapest nothing"]}, "sort"),
        ({"vis": ["secret"]}, "visibility"),
        ({"blend": ["101"]}, "blend"),
        ({"blend": ["nan"]}, "blend"),
        ({"max_in": ["-1"]}, "max_input_price"),
        ({"min_ctx": ["12.5"]}, "min_context"),
        ({"hot": ["perhaps"]}, "hot"),
        ({"q": ["x" * 201]}, "q"),
        ({"hot": ["true", "false"]}, "hot"),
    ],
)
def test_a_value_outside_bounds_or_choices_names_its_parameter(raw, parameter):
    with pytest.raises(ParameterError) as err:
        view_from(raw, OPTIONS)
    assert err.value.parameter == parameter
    assert str(err.value).startswith(f"{err.value.parameter}: ")


def test_catalog_choices_are_checked_only_when_known():
    assert view_from({"owner": ["nobody"]}).filters.owners == ("nobody",)  # before the catalog is at hand
    assert view_from({"owner": ["northwind-ml"]}, OPTIONS).filters.owners == ("Northwind-ML",)


def test_widget_values_make_the_same_filters_as_the_url():
    widgets = {"q": "qwen", "template": ["vllm"], "min_context": 8192, "hot": True, "max_input_price": None}
    assert (
        filters_from(widgets, "tao")
        == view_from(
            {"q": ["qwen"], "template": ["vllm"], "min_ctx": ["8192"], "hot": ["true"], "cur": ["tao"]},
            OPTIONS,
        ).filters
    )


def test_every_spec_has_help_and_its_bounds_fit_its_default():
    for spec in SPECS:
        assert spec.label and spec.help, spec.name
        if spec.kind == "choice" and spec.default is not None:
            assert spec.default in spec.choices, spec.name
        if spec.kind == "number" and spec.default is not None:
            assert spec.minimum <= spec.default <= (spec.maximum or spec.default), spec.name
    assert BY_NAME["min_ctx"] is BY_NAME["min_context"]


def test_the_readme_parameter_table_is_the_vocabularys():
    """README.md's block between the api-params markers is what tools/readme_api_params.py writes."""
    from chutes_data.service.params import README_BEGIN, README_END, readme_block

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(README_BEGIN) == readme.count(README_END) == 1
    block = readme[readme.index(README_BEGIN) : readme.index(README_END) + len(README_END)]
    assert block == readme_block(), "run: python tools/readme_api_params.py"
    for spec in SPECS:
        assert f"| `{spec.name}` |" in block
    check = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme_api_params.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def _imports(path: Path, package: str) -> set[str]:
    """The chutes_data modules `path` imports at module level or inside functions."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
        base = module.split(".")
    else:
        base = module.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith(package)}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith(package):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names}
    return out


def import_graph(package: str = "chutes_data") -> dict[str, set[str]]:
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / package).rglob("*.py")}
    modules = {m[: -len(".__init__")] if m.endswith(".__init__") else m: p for m, p in files.items()}
    return {m: {t for t in _imports(p, package) if t in modules and t != m} for m, p in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle (as a path), found by depth-first search. A package's __init__ importing
    its own submodules is not a cycle (a submodule importing its package's __init__ is)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if node.startswith(nxt + "."):  # a module importing its parent package's names
                continue
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_module_import_cycle_in_chutes_data():
    graph = import_graph()
    assert "chutes_data.service.openapi" in graph["chutes_data.service.api"]
    assert "chutes_data.service.api" not in graph["chutes_data.service.openapi"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
