"""The filter vocabulary: every filter and sort of the Models view, declared once.

Each `Spec` says what a dashboard link and `/api/models` both accept: the name, the dashboard's
URL key and older aliases, the kind of value, its bounds or choices, the help text, and the
`Filters` field it sets (whose meaning is `query.apply_filters`). The sidebar's widgets and URL
state, the API's parameters and validation, the OpenAPI parameters and the README's parameter
table are all derived from `SPECS`; nothing else lists them.

URLs hold stable keys (`sort=price_in`, `calc_preset=rag`); the labels links used to hold
(`sort=Cheapest+input`, `calc_preset=RAG`) are value aliases, so old links open the same view.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from .calc import DEFAULT_PRESET, PRESETS
from .errors import ChutesDataError
from .market_filter import DATE_PATTERN
from .query import BLEND_RATIO, FEATURES, SORT_LABELS, SORTS, Filters

MAX_TEXT = 200
CONTEXT_STEPS = (0, 8_192, 32_768, 65_536, 131_072, 262_144, 1_000_000)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class ParameterError(ChutesDataError):
    """A filter parameter's name or value is not accepted; `.parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class Spec:
    """One filter or view parameter.

    kind: text | multi (repeatable; all or any of the choices, see `field`) | int | number |
    bool | choice. `choices` are fixed; `options` names a `query.options()` list (choices taken
    from the catalog). `value_aliases` map an old spelling of a value to its key."""

    name: str  # the API's name
    url: str  # the dashboard's URL key (also the widget key)
    kind: str
    label: str
    help: str
    field: str | None = None  # the Filters field it sets; None for the view (sort, blend)
    choices: tuple[str, ...] = ()
    options: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    value_aliases: Mapping[str, str] = _field(default_factory=dict)
    pattern: str | None = None  # kind text: what a non-empty value must match (fully)

    @property
    def names(self) -> tuple[str, ...]:
        """Every accepted parameter name: the API's, then the dashboard's."""
        return (self.name,) if self.url == self.name else (self.name, self.url)

    def canonical(self, text: str) -> str:
        """The key a value spelling stands for (a value alias, matched without case), else itself."""
        folded = {k.casefold(): v for k, v in self.value_aliases.items()}
        return folded.get(text.strip().casefold(), text.strip())


DEFAULT_SORT = "popular"  # the dashboard's and the API's
SORT_ALIASES = {label: key for key, label in SORT_LABELS.items()}
PRESET_ALIASES = {p.label: key for key, p in PRESETS.items()}

SPECS: tuple[Spec, ...] = (
    Spec("q", "q", "text", "Search", "search in name, tagline, owner and /v1/models id (case-insensitive)",
         "search", default=""),
    Spec("template", "template", "multi", "Template",
         "vllm: LLMs · diffusion: images · tei/embedding: embeddings · custom: anything else (any of)",
         "templates", options="templates", default=()),
    Spec("input_modality", "in", "multi", "Input modalities", "The model accepts all of these.",
         "input_modalities", options="input_modalities", default=()),
    Spec("output_modality", "out", "multi", "Output modalities", "The model produces all of these.",
         "output_modalities", options="output_modalities", default=()),
    Spec("feature", "feature", "multi", "Features",
         f"The model supports all of these ({', '.join(FEATURES)}).",
         "features", options="features", default=()),
    Spec("quantization", "quant", "multi", "Quantization", "Any of these quantizations.",
         "quantizations", options="quantizations", default=()),
    Spec("owner", "owner", "multi", "Owner", "Any of these owners (user names).", "owners",
         options="owners", default=()),
    Spec("min_context", "min_ctx", "int", "Minimum context (tokens)", "e.g. 131072 = 128k tokens",
         "min_context", choices=tuple(map(str, CONTEXT_STEPS)), minimum=0, default=0),
    Spec("max_input_price", "max_in", "number", "Max input /1M",
         "Price per 1M input tokens, in the chosen currency.",
         "max_input_price", minimum=0.0),
    Spec("max_output_price", "max_out", "number", "Max output /1M",
         "Price per 1M output tokens, in the chosen currency.", "max_output_price", minimum=0.0),
    Spec("hot", "hot", "bool", "Hot", "Only models with at least one instance up now.", "hot_only",
         default=False),
    Spec("tee", "tee", "bool", "TEE", "Only models running in a Trusted Execution Environment.", "tee_only",
         default=False),
    Spec("visibility", "vis", "choice", "Visibility", "public or private chutes", "visibility",
         choices=("all", "public", "private"), default="all"),
    Spec("source", "src", "choice", "Listed in",
         "both: in /chutes/ and /v1/models · chutes: only /chutes/ · "
         "v1: only /v1/models (which lists just the official LLMs)", "source",
         choices=("all", "both", "chutes", "v1"), default="all"),
    Spec("free", "free", "bool", "Free only",
         "Only models whose stated prices are all 0 (found by price, not name).",
         "free_only", default=False),
    Spec("currency", "cur", "choice", "Currency", "Show and filter prices in US dollars or in TAO.",
         "currency",
         choices=("usd", "tao"), default="usd"),
    Spec("min_tps", "min_tps", "number", "Min output tokens/s",
         "7-day output tokens per second; models without a known speed are hidden while this is set.",
         "min_tps", minimum=0.0),
    Spec("max_ttft", "max_ttft", "number", "Max time to first token (s)",
         "7-day time to first token, seconds.",
         "max_ttft", minimum=0.0),
    Spec("no_throttle", "no_throttle", "bool", "Hide throttling",
         "Hide models where 3 % or more of requests are rate-limited.", "hide_throttling", default=False),
    Spec("no_cold", "no_cold", "bool", "Hide cold", "Hide models with no active instance right now.",
         "hide_cold", default=False),
    Spec("cheaper_than_market", "cheaper", "bool", "Cheaper than the market",
         "Only models where Chutes' blended price is below the cheapest other provider's "
         "(market_ratio < 1; models without a market price are hidden).",
         "cheaper_than_market", default=False),
    Spec("max_market_ratio", "max_mratio", "number", "Max Chutes ÷ market",
         "Chutes' blended price ÷ the cheapest elsewhere, at most this (1 = no dearer than the market).",
         "max_market_ratio", minimum=0.0),
    Spec("released_after", "released", "text", "Released on or after",
         "YYYY, YYYY-MM or YYYY-MM-DD (release date from models.dev / OpenRouter; unknown is hidden).",
         "released_after", default="", pattern=DATE_PATTERN),
    Spec("open_weights", "open_weights", "bool", "Open weights only",
         "Only models whose weights are public (per models.dev).", "open_weights_only", default=False),
    Spec("hide_deprecated", "no_deprecated", "bool", "Hide deprecated",
         "Hide models their source marks deprecated.", "hide_deprecated", default=False),
    Spec("sort", "sort", "choice", "Sort by",
         "sort order, by key; default popular (the dashboard's old labels work too)",
         choices=tuple(SORTS), default=DEFAULT_SORT, value_aliases=SORT_ALIASES),
    Spec("blend", "blend", "number", "Blend input:output",
         "Input tokens per output token in the Blended price (3 = 3:1, as Artificial Analysis uses)",
         minimum=0.0, maximum=100.0, default=BLEND_RATIO),
)  # fmt: skip
BY_NAME = {name: s for s in SPECS for name in s.names}
BY_FIELD = {s.field: s for s in SPECS if s.field}
FILTER_KEYS = tuple(s.url for s in SPECS if s.field and s.field != "currency")  # what "Clear filters" clears
# A value kept in a page's URL by key, not by a widget: the key it holds and its old labels.
URL_VALUES = {"sort": BY_NAME["sort"], "calc_preset": Spec(
    "calc_preset", "calc_preset", "choice", "Workload preset", "the calculator's workload",
    choices=tuple(PRESETS), default=DEFAULT_PRESET, value_aliases=PRESET_ALIASES)}  # fmt: skip


def canonical(url_key: str, text: str) -> str:
    """The stable key a URL value stands for (`sort`, `Cheapest input` -> `price_in`)."""
    spec = URL_VALUES.get(url_key)
    return spec.canonical(text) if spec else text


def _shown(text: str) -> str:
    return '"' + re.sub(r"[^\w .:/+\-]", "?", text[:40]) + '"'


def parse_value(spec: Spec, text: str, options: Mapping[str, Sequence[str]] | None = None) -> Any:
    """One raw value as `spec` takes it, or ParameterError naming the parameter."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise ParameterError(spec.name, f"longer than {MAX_TEXT} characters")
    if spec.kind == "text":
        if spec.pattern and text and not re.fullmatch(spec.pattern, text):
            raise ParameterError(spec.name, f"{_shown(text)} is not YYYY, YYYY-MM or YYYY-MM-DD")
        return text
    if spec.kind in ("choice", "multi"):
        choices = tuple(spec.choices or (options or {}).get(spec.options or "", ()))
        if spec.kind == "multi" and not choices and options is None:
            return text  # choices come from the catalog, and none was given
        by_fold = {c.casefold(): c for c in choices}
        value = by_fold.get(spec.canonical(text).casefold())
        if value is None:
            listed = ", ".join(choices[:12]) + (", …" if len(choices) > 12 else "")
            raise ParameterError(spec.name, f"{_shown(text)} is not one of {listed}")
        return value
    if spec.kind == "bool":
        if text.lower() in _TRUE or text.lower() in _FALSE:
            return text.lower() in _TRUE
        raise ParameterError(spec.name, f"{_shown(text)} is not a boolean (true/false, 1/0)")
    if spec.kind == "int":
        if not re.fullmatch(r"\d{1,12}", text):
            raise ParameterError(spec.name, f"{_shown(text)} is not a non-negative integer")
        return int(text)
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    low = -math.inf if spec.minimum is None else spec.minimum
    high = math.inf if spec.maximum is None else spec.maximum
    if not (math.isfinite(number) and low <= number <= high):
        bounds = f"{low:g} to {high:g}" if math.isfinite(high) else f"at least {low:g}"
        raise ParameterError(spec.name, f"{_shown(text)} is not a number {bounds}")
    return number


@dataclass(frozen=True)
class View:
    """What a Models view is: the filters, the sort key and the blend ratio of the blended price."""

    filters: Filters
    sort: str = DEFAULT_SORT
    blend: float = BLEND_RATIO


def view_from(raw: Mapping[str, Sequence[str]], options: Mapping[str, Sequence[str]] | None = None) -> View:
    """A View from query parameters (name or URL key -> raw values). An unknown name is left to
    the caller; a repeated single value or a value outside a filter's bounds or choices is a
    ParameterError naming it. `options`: `query.options(catalog)`, the catalog's choices."""
    values: dict[str, Any] = {}
    for key, texts in raw.items():
        spec = BY_NAME.get(key)
        if spec is None:
            continue
        if spec.kind != "multi" and (len(texts) > 1 or spec.name in values):
            raise ParameterError(key, "given more than once")
        parsed = [parse_value(spec, t, options) for t in texts if spec.kind != "multi" or t.strip()]
        if spec.kind == "multi":
            values[spec.name] = tuple(dict.fromkeys((*values.get(spec.name, ()), *parsed)))
        elif parsed:
            values[spec.name] = parsed[0]
    fields = {s.field: values[s.name] for s in SPECS if s.field and s.name in values}
    return View(Filters(**fields), values.get("sort", DEFAULT_SORT), values.get("blend", BLEND_RATIO))


def filters_from(values: Mapping[str, Any], currency: str = "usd") -> Filters:
    """Filters from widget values by API name (None or empty: the default), for the sidebar."""
    fields: dict[str, Any] = {"currency": currency}
    for name, value in values.items():
        spec = BY_NAME[name]
        if value is None or spec.field is None:
            continue
        if spec.kind == "multi":
            value = tuple(value)
        elif spec.kind in ("int", "bool", "text"):
            value = type(spec.default)(value or spec.default)
        fields[spec.field] = value
    return Filters(**fields)
