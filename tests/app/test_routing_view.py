"""The "Route these" section (issue 20) on Models, Compare and the Calculator, through AppTest."""

from __future__ import annotations

import pandas as pd
import pytest
from apptest import ok, open_page
from test_pages_detail_compare_calc import CALC, COMPARE, llm, page

from chutes_data import Settings, load_catalog, routing
from chutes_data.query import Filters

pytestmark = pytest.mark.usefixtures("apptest_env")  # sample data, fresh caches (conftest)
MODELS = "pages/models.py"
SNIPPET_LANGUAGES = ("python", "bash", "javascript")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_catalog(Settings(offline=True), allow_sample=True).models


def route_string(at) -> str:
    """The `model` value shown (the one code block that is not a snippet)."""
    found = [c.value for c in at.code if c.language not in SNIPPET_LANGUAGES]
    assert len(found) == 1, [c.value for c in at.code]
    return found[0]


def test_models_page_routes_the_filtered_catalog(sample: pd.DataFrame) -> None:
    at = open_page(MODELS, feature="tools")
    expected = routing.pick_view(sample, Filters(features=("tools",)), "failover", 3, "price")
    assert route_string(at) == expected.model
    snippets = [c.value for c in at.code if c.language in SNIPPET_LANGUAGES]
    assert len(snippets) == 3 and all(expected.model in s for s in snippets)
    assert any("ES module" in c.value for c in at.caption)
    reasons = _reasons(at)
    assert list(reasons["model"][: len(expected.picked)]) == [p.name for p in expected.picked]
    assert set(reasons[""]) <= {"picked", "skipped"}


def test_strategy_order_and_n_change_the_string(sample: pd.DataFrame) -> None:
    at = ok(page(MODELS))
    at.selectbox(key="models_route_strategy").set_value("latency")
    at.selectbox(key="models_route_order").set_value("tps")
    at.number_input(key="models_route_n").set_value(2)
    ok(at.run())
    shown = route_string(at)
    assert shown == routing.pick_view(sample, Filters(), "latency", 2, "tps").model
    ids, strategy = routing.validate(shown, set(sample["v1_id"].dropna()))
    assert strategy == "latency" and len(ids) == 2


def test_compare_routes_only_the_compared_models(sample: pd.DataFrame) -> None:
    names = [p.name for p in routing.pick(sample, n=2).picked]  # two that can be routed to
    labels = list(sample.set_index("v1_id").loc[names, "name"])
    at = page(COMPARE)
    at.multiselect(key="cmp_models").set_value(labels).run()
    ok(at)
    ids, strategy = routing.validate(route_string(at))
    assert sorted(ids) == sorted(names) and strategy == "failover"
    assert any(s.value == "Route the compared models" for s in at.subheader)


def test_compare_of_models_that_cannot_be_routed_says_why(sample: pd.DataFrame) -> None:
    a, b = llm(sample, 0), llm(sample, 1)  # the two most used: in the sample, cold or throttling
    expected = routing.pick(sample.loc[[a.name, b.name]])
    assert expected.model is None and len(expected.skipped) == 2
    at = page(COMPARE)
    at.multiselect(key="cmp_models").set_value([a["name"], b["name"]]).run()
    ok(at)
    assert not [c for c in at.code if c.language not in SNIPPET_LANGUAGES]
    assert any("No model here can be routed to" in i.value for i in at.info)
    reasons = _reasons(at)
    assert list(reasons["why"]) == [s.reason for s in expected.skipped]


def test_calculator_routes_its_result(sample: pd.DataFrame) -> None:
    at = ok(page(CALC))
    chosen = at.multiselect(key="calc_models").value
    assert chosen
    shown = route_string(at)
    ids, strategy = routing.validate(shown)
    assert strategy == "failover" and 1 <= len(ids) <= 3
    assert set(ids) <= set(sample["v1_id"].dropna())


def _reasons(at):
    """The "Why these" lines as a frame: model, picked/skipped, why."""
    import re

    import pandas as pd

    text = next(m.value for m in at.markdown if m.value.startswith(("- picked", "- skipped")))
    rows = [re.match(r"- (picked|skipped) `(.*?)`: (.*)", line).groups() for line in text.splitlines()]
    unescape = re.compile(r"\\(.)")  # md_text's backslash escapes
    return pd.DataFrame([{"model": m, "": k, "why": unescape.sub(r"\1", w)} for k, m, w in rows])
