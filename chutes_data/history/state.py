"""The tracked state of a capture and the events between two states (pure; no sqlite, no streamlit).

The tracked state of a capture is one dict per model with STATE_COLUMNS: what the history compares
and stores in `model_state`. Every price a source states is tracked: per 1M input, output and
cache-read tokens, per step, per request and per instance-hour, in USD, with the TAO price of each
stored alongside. It leaves out what moves on every capture without meaning anything (v1
`created`, invocation counts, instances, and the TAO prices, which follow the TAO/USD rate on
every capture): TAO prices are stored but are not part of the state signature, and events are in
USD.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from ..errors import HistoryError
from ..sources.normalize import chutes_frame, v1_frame
from ..sources.registry import CATALOG_SOURCES as SOURCES
from ..values import json_safe, to_utc

EVENT_KINDS = ("added", "removed", "price_changed", "status_changed", "context_changed")
PRICE_FIELDS = (
    "price_input_usd",
    "price_output_usd",
    "price_cache_read_usd",
    "price_step_usd",
    "price_request_usd",
    "price_hour_usd",
)
# the TAO price stored beside each USD price (same order as PRICE_FIELDS)
TAO_FIELDS = tuple(f.replace("_usd", "_tao") for f in PRICE_FIELDS)
CONTEXT_FIELDS = ("context_length", "max_output_length")
STATE_COLUMNS = (
    "key",
    "name",
    "chute_id",
    "price_input_usd",
    "price_output_usd",
    "price_cache_read_usd",
    "price_step_usd",
    "price_request_usd",
    "price_hour_usd",
    "price_input_tao",
    "price_output_tao",
    "hot",
    "context_length",
    "max_output_length",
    "template",
    "price_cache_read_tao",
    "price_step_tao",
    "price_request_tao",
    "price_hour_tao",
)
_SIGNATURE_COLUMNS = tuple(c for c in STATE_COLUMNS if not c.endswith("_tao"))
_TS = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, so stored times sort as text


# ---------------------------------------------------------------------------- times and values
def to_stamp(value: Any) -> str:
    """Any accepted time (`values.to_utc`) -> the stored, fixed-width UTC text form."""
    try:
        return to_utc(value).strftime(_TS)
    except ValueError as exc:
        raise HistoryError(str(exc)) from None


def stamp_iso(stamp: str) -> str:
    """Stored stamp -> the output form of `values.iso` (`2026-06-11T20:32:01Z`), without parsing."""
    return stamp.replace(".000000Z", "Z")


def _clean(value: Any) -> Any:
    """`values.json_safe`, floats rounded to 12 significant digits (float noise is no change)."""
    value = json_safe(value)
    return float(f"{value:.12g}") if isinstance(value, float) else value


def _same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, float) or isinstance(new, float):
        return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)
    return old == new


# ---------------------------------------------------------------------------- tracked state
def payload_states(source: str, payload: Any) -> list[dict]:
    """A raw payload -> its tracked state, one dict per model with STATE_COLUMNS (sorted by key).

    Uses the package normalizers, so an unusable envelope raises `PayloadError`.
    """
    if source == "v1":
        df = v1_frame(payload).rename(columns=lambda c: c.removeprefix("v1_"))
        df["key"], df["name"], df["hot"], df["template"] = df["id"], df["id"], None, None
        for unit in ("step", "request", "hour"):  # /v1/models states per-token prices only
            df[f"price_{unit}_usd"] = df[f"price_{unit}_tao"] = None
    elif source == "chutes":
        df = chutes_frame(payload)
        df["key"] = df["chute_id"]
        df["context_length"] = df["max_output_length"] = None
    else:
        raise HistoryError(f"unknown source {source!r}; expected one of {SOURCES}")
    rows = [
        {c: _clean(v) for c, v in zip(STATE_COLUMNS, values, strict=True)}
        for values in df[list(STATE_COLUMNS)].itertuples(index=False, name=None)
    ]
    return sorted(rows, key=lambda r: r["key"])


def state_signature(states: list[dict]) -> str:
    body = [[s[c] for c in _SIGNATURE_COLUMNS] for s in states]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def diff_states(before: dict[str, dict], after: dict[str, dict], at: str, source: str) -> list[dict]:
    """Events between two states keyed by model key.

    * `added` / `removed`: a key appears / disappears (field, old, new are None).
    * `price_changed`: every USD price a source states (PRICE_FIELDS: per 1M input, output and
      cache-read tokens, per step, per request, per instance-hour); None <-> value included (a
      price that became (un)stated). Compared with a relative tolerance of 1e-9.
    * `status_changed`: field `hot`, booleans (only the chutes source knows hot/cold).
    * `context_changed`: `context_length` or `max_output_length` (v1 only), None <-> value included,
      because that is when the limit became (un)advertised.
    """
    events: list[dict] = []

    def emit(kind: str, state: dict, field: str | None = None, old: Any = None, new: Any = None):
        events.append(
            {
                "kind": kind,
                "name": state["name"],
                "chute_id": state["chute_id"],
                "field": field,
                "old": old,
                "new": new,
                "at": at,
                "source": source,
            }
        )

    for key in sorted(after.keys() - before.keys()):
        emit("added", after[key])
    for key in sorted(before.keys() - after.keys()):
        emit("removed", before[key])
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        for field in PRICE_FIELDS:
            if not _same(old[field], new[field]):
                emit("price_changed", new, field, old[field], new[field])
        if old["hot"] is not None and new["hot"] is not None and old["hot"] != new["hot"]:
            emit("status_changed", new, "hot", bool(old["hot"]), bool(new["hot"]))
        for field in CONTEXT_FIELDS:
            if not _same(old[field], new[field]):
                emit("context_changed", new, field, old[field], new[field])
    return events
