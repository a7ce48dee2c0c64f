"""Pieces of the Model detail and Compare pages that are not layout: JSON-ready records, the price
table, the comparison column, the client snippet. No third-party text is turned into Markdown here;
the pages escape what they show.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import streamlit as st

from chutes_data import formatting as fmt
from chutes_data import textsafe
from chutes_data.calc import PRICING_LABELS
from chutes_data.schema import INVOCATIONS_LABEL
from chutes_data.values import json_safe
from chutes_data.views.speed import speed_facts

from .calc_view import amount

LLM_BASE_URL = "https://llm.chutes.ai/v1"

# (label, unit, column stem): the stem + "_usd" / "_tao" is the catalog column.
PRICE_ROWS = (
    ("Input", "per 1M tokens", "price_input"),
    ("Output", "per 1M tokens", "price_output"),
    ("Cache read", "per 1M tokens", "price_cache_read"),
    ("Step", "per diffusion step", "price_step"),
    ("Request", "per request", "price_request"),
    ("Compute", "per instance-hour", "price_hour"),
)


def plain(value: object) -> object:
    """A cell as a JSON-ready Python value (`values.json_safe`), third-party text cleaned."""
    value = json_safe(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return textsafe.clean(value, 2_000) if isinstance(value, str) else value


def record(row: pd.Series | None, drop: tuple[str, ...] = ()) -> dict:
    """A source row as a dict for `st.json` (plain text, never rendered as Markdown)."""
    if row is None:
        return {}
    return {str(k): plain(v) for k, v in row.items() if k not in drop}


def source_row(frame: pd.DataFrame, column: str, value: object) -> pd.Series | None:
    """The first row of a source frame (`catalog.chutes.frame` / `catalog.v1.frame`) whose
    `column` equals `value`; None when `value` is not a non-empty string or no row has it."""
    if not isinstance(value, str) or not value or frame.empty:
        return None
    hit = frame[frame[column].astype("string").eq(value).fillna(False).to_numpy(dtype=bool)]
    return hit.iloc[0] if len(hit) else None


def price_table(row: pd.Series, first: str = "usd") -> pd.DataFrame:
    """Price, Unit, USD, TAO for every unit the model has a price in ('—' for unknown)."""
    rows = []
    for label, unit, stem in PRICE_ROWS:
        usd, tao = row.get(f"{stem}_usd"), row.get(f"{stem}_tao")
        usd = None if usd is None or pd.isna(usd) else float(usd)
        tao = None if tao is None or pd.isna(tao) else float(tao)
        if usd is None and tao is None:
            continue
        rows.append(
            {"price": label, "unit": unit, "usd": fmt.price(usd, "usd"), "tao": fmt.price(tao, "tao")}
        )
    table = pd.DataFrame(rows, columns=["price", "unit", "usd", "tao"])
    return table[["price", "unit", "tao", "usd"]] if first == "tao" else table


def facts_table(facts: dict[str, str], key: str) -> None:
    """A two-column Field / Value table sized to show every row (values are plain text cells)."""
    st.dataframe(
        pd.DataFrame({"field": list(facts), "value": list(facts.values())}),
        hide_index=True,
        width="stretch",
        key=key,
        height=35 * (len(facts) + 1) + 3,
        column_config={
            "field": st.column_config.TextColumn("Field", width="medium"),
            "value": st.column_config.TextColumn("Value", width="large"),
        },
        placeholder="—",
    )


_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def demote_headings(markdown: str, by: int = 2) -> str:
    """Push ATX headings down `by` levels (max h6) outside code fences, so a readme's own `# Title`
    does not outshout the page title. Applied to `safe_readme` output; adds no markup of its own."""
    out, fence = [], None
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)[0]
            fence = None if fence == marker else (fence or marker)
        elif fence is None:
            line = _HEADING.sub(lambda h: h.group(1) + "#" * min(6, len(h.group(2)) + by), line)
        out.append(line)
    return "\n".join(out)


def flag(value: object) -> bool | None:
    """A nullable boolean cell as True / False / None."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)


def listing(value: object) -> str:
    if isinstance(value, (list, tuple, np.ndarray)) and len(value):
        return ", ".join(textsafe.clean(v, 100) for v in value)
    return "—"


def number(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def openai_snippet(model_id: str) -> str:
    """A Python snippet for the OpenAI-compatible endpoint. The key is read from the environment
    (never ours); the model id is a JSON string literal (valid Python), so quotes or newlines in
    upstream text cannot break out of it."""
    return (
        "import os\n\n"
        "from openai import OpenAI\n\n"
        f"client = OpenAI(base_url={json.dumps(LLM_BASE_URL)}, "
        'api_key=os.environ["CHUTES_API_KEY"])\n'
        "response = client.chat.completions.create(\n"
        f"    model={json.dumps(textsafe.clean(model_id, 300))},\n"
        '    messages=[{"role": "user", "content": "Hello!"}],\n'
        ")\n"
        "print(response.choices[0].message.content)\n"
    )


def curl_snippet(model_id: str) -> str:
    """The same request with curl. The body is JSON inside single quotes: a model id holding a
    single quote gets the shell's `'\\''` escape, so upstream text cannot leave the string."""
    body = json.dumps(
        {"model": textsafe.clean(model_id, 300), "messages": [{"role": "user", "content": "Hello!"}]}
    )
    body = body.replace("'", "'\\''")
    return (
        f"curl {LLM_BASE_URL}/chat/completions \\\n"
        '  -H "Authorization: Bearer $CHUTES_API_KEY" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{body}'\n"
    )


def javascript_snippet(model_id: str) -> str:
    """The same request from JavaScript (Node 18+ or a bundler; `fetch`, no SDK). It uses
    top-level `await`, so it says it must run as a module. The model id is a JSON string literal."""
    return (
        "// An ES module (top-level await): save as chat.mjs and run `node chat.mjs`,\n"
        "// or wrap these lines in an async function.\n"
        f"const response = await fetch({json.dumps(LLM_BASE_URL + '/chat/completions')}, {{\n"
        '  method: "POST",\n'
        "  headers: {\n"
        "    Authorization: `Bearer ${process.env.CHUTES_API_KEY}`,\n"
        '    "Content-Type": "application/json",\n'
        "  },\n"
        "  body: JSON.stringify({\n"
        f"    model: {json.dumps(textsafe.clean(model_id, 300))},\n"
        '    messages: [{ role: "user", content: "Hello!" }],\n'
        "  }),\n"
        "});\n"
        "const data = await response.json();\n"
        "console.log(data.choices[0].message.content);\n"
    )


def _yes_no(value: object, yes: str = "yes", no: str = "no") -> str:
    known = flag(value)
    return "—" if known is None else (yes if known else no)


def _text_or_dash(value: object) -> str:
    return value if isinstance(value, str) else "—"


_LISTED_IN = {"both": "/chutes/ and /v1/models", "chutes": "/chutes/ only", "v1": "/v1/models only"}


COMPARED_PRICES = (
    "price_input",
    "price_output",
    "price_cache_read",
    "price_step",
    "price_request",
    "price_hour",
)


def price_row_decimals(rows: pd.DataFrame, currency: str) -> dict[str, int]:
    """The decimals each Compare price row shares across the models (`$1.0000` beside `$0.2989`)."""
    return {s: fmt.column_decimals(rows.get(f"{s}_{currency}", pd.Series())) for s in COMPARED_PRICES}


def comparison_facts(
    row: pd.Series,
    currency: str,
    pricing: str,
    cost: pd.Series | None,
    workload: str,
    decimals: dict[str, int] | None = None,
) -> dict[str, str]:
    """One model's column of the Compare table (plain text cells): its cost for the `workload`
    preset (`cost` is its `calc.costs` row, None when it is not priced per token), its prices in
    `currency` ('—' when unknown), limits, capabilities and status. `pricing` is `calc.pricing`'s
    value for the row."""

    def price(stem: str) -> str:
        return fmt.price(row[f"{stem}_{currency}"], currency, (decimals or {}).get(stem))

    return {
        f"Cost per request ({workload})": amount(cost["per_request"], currency, "per_request")
        if cost is not None
        else "not per token",
        f"Cost per month ({workload})": amount(cost["per_month"], currency)
        if cost is not None
        else "not per token",
        "Priced": PRICING_LABELS.get(pricing, "—"),
        "Input /1M tokens": price("price_input"),
        "Output /1M tokens": price("price_output"),
        "Cache read /1M tokens": price("price_cache_read"),
        "Per step": price("price_step"),
        "Per request": price("price_request"),
        "Compute per hour": price("price_hour"),
        "Context (tokens)": number(row["context_length"]),
        "Engine limit (max_model_len)": number(row["max_model_len"]),
        "Output limit (tokens)": number(row["max_output_length"]),
        "Quantization": _text_or_dash(row["quantization"]),
        "Input modalities": listing(row["input_modalities"]),
        "Output modalities": listing(row["output_modalities"]),
        "Features": listing(row["supported_features"]),
        "TEE": _yes_no(row["tee"], "yes"),
        "Status": _yes_no(row["hot"], "hot", "cold"),
        "Hot instances": number(row["instances_active"]),
        "Owner": _text_or_dash(row["owner"]),
        "Official": _yes_no(row["official"]),
        "Template": _text_or_dash(row["template"]),
        "GPUs": listing(row["supported_gpus"]),
        INVOCATIONS_LABEL: number(row["invocation_count"]),
        "Listed in": _LISTED_IN.get(row["source"], "—"),
        **speed_facts(row),
    }
