"""The API's query parameters: one table per route family, parsed strictly (an unknown, repeated
or malformed parameter is a 400 naming it). The /api/models table is derived from the filter
vocabulary (chutes_data/filters.py), so the dashboard's URL names and values work there too, and
so is the README's parameter table (`readme_block`, written by tools/readme_api_params.py)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ..filters import BY_NAME, SPECS, ParameterError, Spec, View, view_from
from ..history import EVENT_KINDS
from ..routing import DEFAULT_N, MAX_N, ORDERS, STRATEGIES
from ..sources.registry import CATALOG_SOURCES as SOURCES
from ..values import _MAX_YEAR, parse_time

JSON = "application/json"
MAX_TEXT = 200
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
MAX_INT = 10**12 - 1  # an integer parameter has at most 12 digits
CHUTE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
# A time parameter: an ISO date or date-time, years 1970 to _MAX_YEAR (the OpenAPI pattern too)
TIME_PATTERN = (
    rf"^(19[7-9]\d|2[01]\d\d|{_MAX_YEAR})-"
    r"((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2\d))"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$"
)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.parameter, self.headers = parameter, headers or {}


def bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_parameter", f"{parameter}: {message}", parameter)


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Param:
    """One query parameter of /api/models. `aliases` are the dashboard's URL names, so the query
    string of a shared dashboard view works against the API too."""

    name: str
    kind: str  # text | choice | int | price | bool
    doc: str
    aliases: tuple[str, ...] = ()
    repeat: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    options: str | None = None  # the `query.options()` list its values come from (the catalog's)
    pattern: str | None = None  # text: what a non-empty value must match (fully), as filters.Spec


def _from_spec(s: Spec) -> Param:
    kind = {"multi": "text", "int": "int", "number": "number"}.get(s.kind, s.kind)
    return Param(
        s.name,
        kind,
        s.help,
        tuple(n for n in s.names if n != s.name),
        repeat=s.kind == "multi",
        choices=s.choices if s.kind == "choice" else (),
        minimum=s.minimum,
        maximum=s.maximum,
        pattern=s.pattern,
        options=s.options,
    )


# /api/models: the filter vocabulary (chutes_data/filters.py), then paging and format
MODEL_PARAMS = (
    *(_from_spec(s) for s in SPECS),
    Param("limit", "int", f"at most this many rows (1 to {MAX_LIMIT})", minimum=1, maximum=MAX_LIMIT),
    Param("offset", "int", f"skip this many rows first (0 to {MAX_OFFSET:,})", maximum=MAX_OFFSET),
    Param(
        "format",
        "choice",
        "json (default), csv (formula-safe) or md (a Markdown table); csv and md have the export's columns",
        choices=("json", "csv", "md"),
    ),
)
CHANGES_PARAMS = (
    Param("since", "time", "only events at or after this ISO date or time (UTC if no offset)"),
    Param(
        "kind", "choice", "only these kinds (repeatable or comma-separated)", repeat=True, choices=EVENT_KINDS
    ),
    Param("source", "choice", "only events of this source", choices=SOURCES),
    Param("model", "text", "only events about this model (name or chute_id)"),
    Param(
        "limit",
        "int",
        f"only the newest this many events (1 to {MAX_LIMIT}; leave it out for all; 0 is refused)",
        minimum=1,
        maximum=MAX_LIMIT,
    ),
)

# /api/routing (issue 20): the filter vocabulary, then what the routing string is made of
ROUTING_PARAMS = (
    *(_from_spec(s) for s in SPECS if s.name != "sort"),
    Param("strategy", "choice", "failover (no suffix), latency or throughput", choices=STRATEGIES),
    Param("n", "int", f"how many models in the list (1 to {MAX_N}; default {DEFAULT_N})", minimum=1,
          maximum=MAX_N),
    Param("order", "choice", "the rule ranking them: cheapest blended price, fastest tokens/s, quickest "
          "first token, best score (default price)", choices=tuple(ORDERS)),
)  # fmt: skip


def _values(request: Request, params: tuple[Param, ...]) -> dict[str, list[str]]:
    """name -> raw values (aliases folded in); 400 for an unknown or repeated parameter."""
    by_name = {p.name: p for p in params}
    names = {alias: p.name for p in params for alias in (p.name, *p.aliases)}
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in names:
            shown = re.sub(r"[^\w.\-]", "?", key)[:40]
            expected = (
                f"expected one of {', '.join(by_name)}" if by_name else "this route takes no parameters"
            )
            raise bad(shown, f"unknown parameter; {expected}")
        name = names[key]
        out.setdefault(name, []).append(value)
        if len(out[name]) > 1 and not by_name[name].repeat:
            raise bad(key, "given more than once")
    return out


def _one(param: Param, raw: str) -> Any:
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise bad(param.name, f"longer than {MAX_TEXT} characters")
    if param.kind == "text":
        return text
    if param.kind == "choice":
        value = text.lower()
        if value not in param.choices:
            raise bad(param.name, f"{_shown(text)} is not one of {', '.join(param.choices)}")
        return value
    if param.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise bad(param.name, f"{_shown(text)} is not a boolean (true/false, 1/0)")
    if param.kind == "int":
        if not re.fullmatch(r"\d{1,12}", text):
            raise bad(param.name, f"{_shown(text)} is not a non-negative integer (at most 12 digits)")
        whole = int(text)
        low, high = int(param.minimum or 0), int(MAX_INT if param.maximum is None else param.maximum)
        if not low <= whole <= high:
            raise bad(param.name, f"must be {low} to {high}")
        return whole
    if param.kind == "price":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise bad(param.name, f"{_shown(text)} is not a non-negative number")
        return number
    if param.kind == "time":
        stamp = parse_time(text) if re.fullmatch(TIME_PATTERN, text) else None
        if stamp is None:
            raise bad(param.name, f"{_shown(text)} is not an ISO date or time, e.g. 2026-07-01")
        return stamp
    raise AssertionError(param.kind)


def _shown(text: str) -> str:
    return json.dumps(text[:40], ensure_ascii=True)


def parse(request: Request, params: tuple[Param, ...]) -> dict[str, Any]:
    return parse_values(_values(request, params), params)


def parse_values(raw: dict[str, list[str]], params: tuple[Param, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for param in params:
        if param.name not in raw:
            continue
        texts = raw[param.name]
        if param.repeat and param.kind == "choice":  # kind=added,removed as well as kind=a&kind=b
            texts = [part for text in texts for part in text.split(",")]  # an empty one is refused
        values = [_one(param, v) for v in texts]
        if param.repeat:
            out[param.name] = tuple(v for v in values if v != "")
        else:
            out[param.name] = values[0]
    return out


_PAGING = ("limit", "offset", "format")


def model_query(request: Request) -> dict[str, Any]:
    """The parsed /api/models query: the View (filters, sort, blend; catalog choices checked later
    by `checked_view`), the raw filter values, and limit, offset, format."""
    raw = _values(request, MODEL_PARAMS)  # 400 for an unknown or repeated name
    p = parse_values({k: v for k, v in raw.items() if k in _PAGING}, MODEL_PARAMS)
    filter_raw = {k: v for k, v in raw.items() if k in BY_NAME}
    return {
        "view": checked_view(filter_raw, None),
        "raw": filter_raw,
        "limit": p.get("limit"),
        "offset": p.get("offset", 0),
        "format": p.get("format", "json"),
    }


def checked_view(raw: dict[str, list[str]], options: dict[str, list[str]] | None) -> View:
    """`filters.view_from` with its ParameterError as a 400 naming the parameter. With the
    catalog's `options`, a value outside a filter's choices (`feature=teleport`) is one too."""
    try:
        return view_from(raw, options)
    except ParameterError as e:
        raise bad(e.parameter, str(e).split(": ", 1)[-1]) from None


# ---------------------------------------------------------------------------- the README's table
README_BEGIN, README_END = "<!-- api-params:begin -->", "<!-- api-params:end -->"


def _values_doc(p: Param) -> str:
    low = "" if p.minimum is None else f"≥ {p.minimum:g}"
    bounds = f"{low}, ≤ {p.maximum:g}" if p.maximum is not None else low
    kind = {
        "choice": " \\| ".join(f"`{c}`" for c in p.choices),
        "bool": "`true` \\| `false`",
        "int": f"integer {bounds or '≥ 0'}",
        "number": f"number {bounds}",
        "text": "a value the catalog has" if p.repeat else f"text (≤ {MAX_TEXT} characters)",
    }[p.kind]
    return f"{kind}, repeatable" if p.repeat else kind


def readme_block(params: tuple[Param, ...] = MODEL_PARAMS) -> str:
    """What README.md holds between its api-params markers: the /api/models parameter table."""
    rows = [
        "**`/api/models` parameters** are the dashboard's filters and sort (declared once, in",
        "`chutes_data/filters.py`). Each also answers to its dashboard URL name, and sort keys and",
        "presets are stable keys whose old labels still work, so the query string of a shared",
        "dashboard link can be pasted onto `/api/models` and gives the same rows in the same order.",
        "A value outside a filter's choices (`feature=teleport`) is a 400 naming it.",
        "",
        "| Parameter | Dashboard URL name | Values | Meaning |",
        "|---|---|---|---|",
    ]
    for p in params:
        alias = ", ".join(f"`{a}`" for a in p.aliases) or "same"
        rows.append(f"| `{p.name}` | {alias} | {_values_doc(p)} | {p.doc.replace('|', '/')} |")
    return "\n".join([README_BEGIN, *rows, README_END])
