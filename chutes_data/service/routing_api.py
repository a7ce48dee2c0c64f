"""GET /api/routing (issue 20): a Chutes `model` string for the /api/models filters.

The filter parameters are /api/models's (the one vocabulary, chutes_data/filters.py) without
`sort`; `strategy`, `n` and `order` say what string to build (chutes_data/routing.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..filters import BY_NAME
from ..query import options as query_options
from ..routing import DEFAULT_N, RoutingError, pick_view
from .params import ROUTING_PARAMS, _values, bad, checked_view, parse_values
from .responses import _service, _snapshot, dumps, endpoint, respond

_OWN = ("strategy", "n", "order")


@endpoint
async def routing(request: Request) -> Response:
    """{"model", "strategy", "order", "picked", "skipped"}: a Chutes routing string for this view."""
    service = _service()
    raw = _values(request, ROUTING_PARAMS)  # 400 for an unknown or repeated name
    own = parse_values({k: v for k, v in raw.items() if k in _OWN}, ROUTING_PARAMS)
    n = own.get("n", DEFAULT_N)
    filter_raw = {k: v for k, v in raw.items() if k in BY_NAME}
    checked_view(filter_raw, None)  # 400s before any waiting
    snapshot = await _snapshot(service)
    options = await service.cached(
        ("options", snapshot.revision), lambda: query_options(snapshot.catalog.models)
    )
    view = checked_view(filter_raw, options)
    strategy, order = own.get("strategy", "failover"), own.get("order", "price")
    try:  # n's bounds are routing's: a RoutingError names the parameter
        route = pick_view(snapshot.catalog.models, view.filters, strategy, n, order, view.blend)
    except RoutingError as e:
        raise bad(e.parameter, str(e).split(": ", 1)[-1]) from None
    return respond(request, dumps(route.to_dict()), snapshot=snapshot)
