"""A Chutes routing string from a filtered view: pick N models by a rule, say why, validate it.

Chutes' LLM endpoint takes a `model` that is a comma-separated failover list, optionally ending in
`:latency` or `:throughput` (Chutes then ranks the list by its own speed numbers); see
docs and `../shared/reference/chutes-routing.md`. Chutes silently drops a token it cannot resolve
and answers 404 when nothing is left, so a bad string fails late and quietly: `validate` refuses,
here and before anyone pastes it, every string Chutes would not route as meant.

Pure: a models frame (the merged catalog, already filtered) in, a `Route` out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import ChutesDataError
from .query import BLEND_RATIO, Currency, Filters, apply_filters, blended_price

STRATEGIES = ("failover", "latency", "throughput")  # failover = no suffix
SUFFIXES = {"failover": "", "latency": ":latency", "throughput": ":throughput"}
# order key -> (column or "blended", ascending, what the reason says)
ORDERS = {
    "price": ("blended", True, "blended price"),
    "tps": ("tps_7d", False, "output tokens/s"),
    "ttft": ("ttft_7d_s", True, "time to first token"),
    "score": ("score", False, "score"),
}
DEFAULT_N = 3
# Chutes' source sets no limit on an inline list (each token costs it one lookup); the one limit it
# enforces on a model list is the alias's 1-20 chute ids, so no list here is longer than that.
MAX_N = 20
MAX_TOKEN = 256  # longer than any chute name; a runaway value is not a model id
_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no space (as alias names)


class RoutingError(ChutesDataError):
    """A routing request or a `model` string that Chutes would refuse or misread; `.parameter`
    names what was wrong (strategy, n, order, model)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class Pick:
    name: str
    chute_id: str | None
    reason: str


@dataclass(frozen=True)
class Skip:
    name: str
    reason: str


@dataclass(frozen=True)
class Route:
    """The answer: `model` is None when no model qualified (nothing to hand out)."""

    model: str | None
    strategy: str
    order: str
    picked: list[Pick] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "strategy": self.strategy,
            "order": self.order,
            "picked": [asdict(p) for p in self.picked],
            "skipped": [asdict(s) for s in self.skipped],
        }


# ---------------------------------------------------------------------------- the string
def token_problem(token: str) -> str | None:
    """Why `token` cannot stand in a list as one model id, or None. Chutes splits on every `,`,
    parses a suffix only at the end of the whole string, and trims tokens."""
    if not token:
        return "is empty"
    if len(token) > MAX_TOKEN:
        return f"is longer than {MAX_TOKEN} characters"
    if "," in token:
        return "contains ',' (Chutes would split it into two names)"
    if ":" in token:
        return "contains ':' (a suffix inside a list is not parsed; Chutes drops the token)"
    if not _TOKEN_CHARS.match(token):
        return "has spaces or characters outside printable ASCII"
    return None


def build(ids: Iterable[str], strategy: str = "failover", known: Collection[str] | None = None) -> str:
    """The `model` value for these ids in this order (`a,b,c`, `a,b,c:latency`), validated."""
    check_strategy(strategy)
    model = ",".join(ids) + SUFFIXES[strategy]
    validate(model, known)
    return model


def validate(model: str, known: Collection[str] | None = None) -> tuple[list[str], str]:
    """Parse `model` as Chutes does and refuse what it would not route as written: a token that
    is not an exact id of `known` (the /v1/models ids) when given, an inner suffix, an empty or
    repeated token, `:THINKING` with a routing suffix, more than MAX_N models. Returns the ids and
    the strategy, or raises RoutingError."""
    if not isinstance(model, str) or not model.strip():
        raise RoutingError("model", "is empty")
    if model != model.strip():
        raise RoutingError("model", "has leading or trailing spaces")
    strategy, body = "failover", model
    for name, suffix in SUFFIXES.items():
        if suffix and model.lower().endswith(suffix):
            strategy, body = name, model[: -len(suffix)]
    if body.upper().endswith(":THINKING") and strategy != "failover":
        raise RoutingError("model", ":THINKING cannot be combined with a routing suffix (use the header)")
    tokens = body.split(",")
    if len(tokens) > MAX_N:
        raise RoutingError("model", f"{len(tokens)} models; at most {MAX_N}")
    seen: set[str] = set()
    for token in tokens:
        problem = token_problem(token)
        if problem:
            raise RoutingError("model", f"token {_shown(token)} {problem}")
        if token in seen:
            raise RoutingError("model", f"{_shown(token)} is listed twice")
        if known is not None and token not in known:
            raise RoutingError("model", f"{_shown(token)} is not an exact /v1/models id")
        seen.add(token)
    return tokens, strategy


def _shown(text: str) -> str:
    return '"' + re.sub(r"[^\x20-\x7e]", "?", text[:60]) + '"'


def check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise RoutingError("strategy", f"{_shown(strategy)} is not one of {', '.join(STRATEGIES)}")


# ---------------------------------------------------------------------------- the pick
def _key(models: pd.DataFrame, order: str, currency: Currency, blend: float) -> pd.Series:
    column = ORDERS[order][0]
    if column == "blended":
        return blended_price(models, currency, blend)
    if column not in models.columns:
        return pd.Series(math.nan, index=models.index, dtype="float64")
    return pd.to_numeric(models[column], errors="coerce").astype("float64")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _why_not(row: pd.Series, features: tuple[str, ...], min_context: int) -> str | None:
    """Why this row cannot be in the list, or None."""
    model_id = _text(row.get("v1_id"))
    if model_id is None:
        return "not in /v1/models: the LLM endpoint routes only those ids"
    problem = token_problem(model_id)
    if problem:
        return f"its id {problem}"
    capacity, hot = row.get("capacity"), row.get("hot")
    if capacity == "cold" or (isinstance(hot, (bool, np.bool_)) and not hot):
        return "cold: no active instance (Chutes drops it from a list)"
    if capacity == "throttling":
        return "throttling: 3 % or more of its requests are rate-limited"
    have = row.get("supported_features")
    have_set = {str(x).casefold() for x in have} if isinstance(have, (list, tuple)) else set()
    missing = [f for f in features if f.casefold() not in have_set]
    if missing:
        return f"lacks {', '.join(missing)}"
    context = pd.to_numeric(pd.Series([row.get("context_tokens")]), errors="coerce").iloc[0]
    if min_context and not (pd.notna(context) and context >= min_context):
        shown = "unknown" if pd.isna(context) else f"{int(context):,}"
        return f"context {shown} tokens < {min_context:,} required"
    return None


def _value(order: str, value: float, currency: Currency) -> str:
    if math.isnan(value):
        return f"{ORDERS[order][2]} unknown (ranked last)"
    unit = {"price": f" {currency.upper()}/1M", "tps": " tok/s", "ttft": " s", "score": ""}[order]
    return f"{ORDERS[order][2]} {value:.4g}{unit}"


def pick(
    models: pd.DataFrame,
    strategy: str = "failover",
    n: int = DEFAULT_N,
    order: str = "price",
    *,
    features: tuple[str, ...] = (),
    min_context: int = 0,
    currency: Currency = "usd",
    blend: float = BLEND_RATIO,
) -> Route:
    """Up to `n` models of `models` by `order`, skipping those Chutes could not route to (cold,
    throttling, no /v1/models id) or that lack a required feature or context. `skipped` lists
    the models passed over that ranked above the last pick (all of them when fewer than `n`
    qualified): why the list is not simply the top of the ranking."""
    check_strategy(strategy)
    if order not in ORDERS:
        raise RoutingError("order", f"{_shown(order)} is not one of {', '.join(ORDERS)}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise RoutingError("n", f"must be an integer from 1 to {MAX_N}")
    models = models.reset_index(drop=True)
    key = _key(models, order, currency, blend)
    ranked = key.sort_values(ascending=ORDERS[order][1], na_position="last", kind="stable").index
    picked: list[Pick] = []
    skipped: list[Skip] = []
    ids: list[str] = []
    for position, label in enumerate(ranked, start=1):
        if len(picked) >= n:
            break
        row = models.loc[label]
        name = _text(row.get("v1_id")) or _text(row.get("name")) or _text(row.get("chute_id")) or "?"
        reason = _why_not(row, features, min_context)
        if reason is None and row["v1_id"] in ids:
            reason = "same /v1/models id as an earlier pick"
        if reason:
            skipped.append(Skip(name, reason))
            continue
        ids.append(row["v1_id"])
        why = f"#{len(picked) + 1} (rank {position}) by {_value(order, float(key[label]), currency)}"
        picked.append(Pick(row["v1_id"], _text(row.get("chute_id")), why))
    model = build(ids, strategy, known=set(ids)) if ids else None
    return Route(model, strategy, order, picked, skipped)


def pick_view(
    models: pd.DataFrame,
    filters: Filters,
    strategy: str = "failover",
    n: int = DEFAULT_N,
    order: str = "price",
    blend: float = BLEND_RATIO,
) -> Route:
    """`pick` over a view's filters (the dashboard's, /api/models's): the filters routing checks
    itself (features, context, cold, throttling) become its skip reasons instead of silent
    removals, so the answer says why a cheaper model is not in the string."""
    relaxed = replace(filters, features=(), min_context=0, hide_cold=False, hide_throttling=False)
    return pick(
        apply_filters(models, relaxed),
        strategy,
        n,
        order,
        features=filters.features,
        min_context=filters.min_context,
        currency=filters.currency,
        blend=blend,
    )
