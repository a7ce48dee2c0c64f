"""`routing`: a Chutes `model` string for a filtered view (issue 20).

The filter options are the filter vocabulary's (chutes_data/filters.py), named as the API names
them (`--feature tools --min-context 131072 --hot`), and parsed by the same `view_from`, so a value
the API refuses is refused here with the same message."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..errors import NoDataError
from ..filters import SPECS, ParameterError, view_from
from ..query import options as query_options
from ..routing import DEFAULT_N, MAX_N, ORDERS, STRATEGIES, pick_view
from .common import _catalog, _settings, _write

_FILTERS = tuple(s for s in SPECS if s.name != "sort")


def add_parser(sub: Any, data_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "routing",
        help="a Chutes model string (a,b,c[:latency|:throughput]) for the filtered catalog",
        description="Pick N models of the filtered catalog by a rule and print the model string "
        "for Chutes' OpenAI-compatible endpoint. Filters as /api/models takes them.",
    )
    p.add_argument("--strategy", choices=STRATEGIES, default="failover")
    p.add_argument(
        "--n", type=int, default=DEFAULT_N, metavar="N", help=f"1 to {MAX_N} (default {DEFAULT_N})"
    )
    p.add_argument("--order", choices=tuple(ORDERS), default="price", help="the ranking rule")
    p.add_argument("--format", choices=("text", "json"), default="text")
    group = p.add_argument_group("filters (as /api/models)")
    for spec in _FILTERS:
        flag = "--" + spec.name.replace("_", "-")
        if spec.kind == "bool":
            group.add_argument(
                flag, dest=f"f_{spec.name}", action="store_const", const="true", help=spec.help
            )
        else:
            action = "append" if spec.kind == "multi" else "store"
            group.add_argument(flag, dest=f"f_{spec.name}", action=action, metavar="V", help=spec.help)
    data_options(p)


def _usage(parameter: str, message: str) -> int:
    """A bad option: one line and exit 2, as argparse's usage errors."""
    print(f"error: {parameter}: {message}", file=sys.stderr)
    return 2


def cmd_routing(args: argparse.Namespace) -> int:
    raw: dict[str, list[str]] = {}
    for spec in _FILTERS:
        value = getattr(args, f"f_{spec.name}", None)
        if value is not None:
            raw[spec.name] = value if isinstance(value, list) else [value]
    if not 1 <= args.n <= MAX_N:
        return _usage("n", f"must be an integer from 1 to {MAX_N}")
    try:
        view_from(raw, None)  # a malformed value fails before any fetching
        catalog = _catalog(args, _settings(args))
        view = view_from(raw, query_options(catalog.models))  # and one outside the catalog's choices
    except ParameterError as e:
        return _usage(e.parameter, str(e).split(": ", 1)[-1])
    route = pick_view(catalog.models, view.filters, args.strategy, args.n, args.order, view.blend)
    if args.format == "json":
        _write(json.dumps(route.to_dict(), indent=1, ensure_ascii=False) + "\n", "-")
    if route.model is None:
        reasons = "; ".join(sorted({s.reason for s in route.skipped})) or "the filters leave no model"
        raise NoDataError(f"routing: no model qualifies ({reasons})")
    if args.format == "text":
        _write(route.model + "\n", "-")
        for p in route.picked:
            print(f"picked  {p.name}: {p.reason}", file=sys.stderr)
        for s in route.skipped:
            print(f"skipped {s.name}: {s.reason}", file=sys.stderr)
    return 0
