"""The README tells the truth about what a user can set and ask: every setting the code reads is
in its configuration table, every API route and query parameter in its JSON API section, and the
/api/models parameters (names, dashboard aliases, choices) in the marked parameter block."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chutes_data.service import params
from chutes_data.service.api import TABLE
from chutes_data.service.openapi import document

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTING = re.compile(r"(CHUTES|CACHE)_[A-Z0-9_]+")
BEGIN, END = "<!-- api-params:begin -->", "<!-- api-params:end -->"


def _section(title: str) -> str:
    """The text of the README's `## title` section (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"the README has no '## {title}' section"
    return match.group(1)


def _settings_read_by_the_code() -> list[str]:
    """Every environment variable name chutes_data/config.py reads (its string constants that are
    exactly a CHUTES_* / CACHE_* name)."""
    tree = ast.parse((ROOT / "chutes_data" / "config.py").read_text(encoding="utf-8"))
    names = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.fullmatch(node.value)
    }
    return sorted(names)


def _routes() -> dict[str, list[dict]]:
    """path -> its query/path parameters, from the OpenAPI document the server serves."""
    out: dict[str, list[dict]] = {}
    for path, operations in document(TABLE)["paths"].items():
        for operation in operations.values():
            out.setdefault(path, []).extend(operation.get("parameters", []))
    return out


def test_the_code_reads_settings_and_serves_routes():
    """The walks below have something to walk (a broken reader would make them pass vacuously)."""
    assert {"CHUTES_API_KEY", "CACHE_DURATION_MINUTES"} <= set(_settings_read_by_the_code())
    routes = _routes()
    assert "/api/models" in routes and any(p["name"] == "q" for p in routes["/api/models"])


@pytest.mark.parametrize("name", _settings_read_by_the_code())
def test_every_setting_is_in_the_configuration_table(name):
    table = _section("Configuration")
    assert re.search(rf"^\| `{name}` \|", table, re.M), f"{name} is not a row of the README's settings table"


@pytest.mark.parametrize("path", sorted(_routes()))
def test_every_api_route_and_its_parameters_are_documented(path):
    api = _section("JSON API")
    assert f"{path}`" in api or f"{path} " in api, f"{path} is not in the README's JSON API section"
    for parameter in _routes()[path]:
        if parameter.get("in") == "path":
            continue  # `{chute_id}`: documented by the route itself (checked above)
        assert f"`{parameter['name']}`" in api or f"{parameter['name']}=" in api, (
            f"{path}: the parameter {parameter['name']!r} is not documented"
        )


def test_the_api_models_parameter_block_lists_every_parameter_alias_and_choice():
    assert README.count(BEGIN) == 1 and README.count(END) == 1
    block = README.split(BEGIN)[1].split(END)[0]
    documented = set(re.findall(r"`([^`]+)`", block))
    declared = _routes()["/api/models"]
    assert declared
    for parameter in declared:
        assert parameter["name"] in documented, f"/api/models {parameter['name']!r} is not in the block"
        schema = parameter["schema"].get("items", parameter["schema"])
        missing = [c for c in schema.get("enum", []) if c not in documented]
        assert not missing, f"/api/models {parameter['name']}: choices {missing} are not in the block"
    for declared_param in getattr(params, "MODEL_PARAMS", ()):
        missing = [a for a in getattr(declared_param, "aliases", ()) if a not in documented]
        assert not missing, f"/api/models {declared_param.name}: aliases {missing} are not in the block"
