"""Every upstream source, declared once: one `Source` entry each, in `SOURCES`.

An entry says what the source is called (its cache, sample and status names), where it lives
(the route on its base URL, which is also how the UI names it), how it is fetched (`fetch`: the
client call, with its auth and parameters), how its payload becomes a tidy frame, how long a
snapshot stays fresh, and what the history keeps of a live fetch. `loading.load` loads any entry
with the one rule (cache when fresh -> upstream -> the last good snapshot, marked stale), so
adding a source is one entry here plus its reader.

    name             base URL (setting)       route                         key sent
    chutes           CHUTES_BASE_URL          /chutes/  (paged)             yes, when set
    v1               CHUTES_LLM_BASE_URL      /v1/models                    never
    utilization ...  CHUTES_BASE_URL          /chutes/utilization, ...      never (public)
    models_dev       CHUTES_MODELS_DEV_URL    (absolute: models.dev/api.json) never (market)
    openrouter       CHUTES_OPENROUTER_URL    (absolute: /api/v1/models)    never (market)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..config import Settings
from ..market import models_dev_frame, openrouter_frame
from . import normalize, telemetry

if TYPE_CHECKING:
    from .client import ChutesClient

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"


@dataclass(frozen=True)
class Source:
    """One upstream source: everything loading, caching, the sample and the UI need to know."""

    name: str
    kind: Literal["catalog", "telemetry", "market"]
    path: str
    """The route on its base URL; also how the UI and `status` name the source."""
    frame: Callable[[Any], pd.DataFrame]
    """payload -> tidy frame; raises PayloadError when the envelope is unusable."""
    fetch: Callable[[ChutesClient, Source, date], Any]
    """(client, this source, today) -> the payload: the HTTP call, its auth and its params."""
    empty: Any
    """The payload of "no data" (`frame(empty)` is the source's empty frame)."""
    cache_key: str
    """Its DiskCache name: `cache/<cache_key>.json` (+ `.error.json`)."""
    sample_file: str
    """Its file in chutes_data/sample/ (the bundled synthetic sample)."""
    check: Callable[[Any], Any] | None = None
    """A cheap envelope check for saved files (raises PayloadError); None: build the frame."""
    ttl: Literal["ttl_seconds", "telemetry_ttl_seconds", "market_ttl_seconds"] = "ttl_seconds"
    """The Settings property that says how long a snapshot is fresh."""
    history: Literal["snapshot", "daily"] | None = None
    """What the history keeps of a live fetch: the whole snapshot, the daily stats, nothing."""
    sample_optional: bool = False
    """A missing or unreadable sample file means no rows (telemetry), not an error."""
    dated: bool = False
    """Rows carry a `date`; rows before the start date are dropped."""
    since: bool = False
    """Asked with `start_date` (when the server rejects it, asked again without)."""

    @property
    def label(self) -> str:
        return self.path

    def ttl_seconds(self, settings: Settings) -> float:
        return getattr(settings, self.ttl)


def _telemetry(
    name: str,
    path: str,
    frame: Callable[[Any], pd.DataFrame],
    *,
    history: Literal["daily"] | None = None,
    dated: bool = False,
    since: bool = False,
) -> Source:
    """A public telemetry route on CHUTES_BASE_URL: anonymous, a bare JSON array, its own TTL."""
    return Source(
        name,
        "telemetry",
        path,
        frame,
        _public,
        empty=[],
        cache_key=f"telemetry_{name}",
        sample_file=f"telemetry_{name}.json",
        ttl="telemetry_ttl_seconds",
        history=history,
        sample_optional=True,
        dated=dated,
        since=since,
    )


def _public(client: ChutesClient, source: Source, today: date) -> Any:
    return telemetry.fetch(client.get_public_json, source, today)


def _market(
    name: str,
    label: str,
    setting: str,
    field: str,
    frame: Callable[[Any], pd.DataFrame],
    empty: Any,
    sample_file: str,
) -> Source:
    """A keyless third-party catalog at an absolute URL (`setting`, Settings `field`): its own TTL
    (CHUTES_MARKET_MINUTES); a missing sample means no market, not an error."""

    def fetch(client: ChutesClient, source: Source, _today: date) -> Any:
        return client.get_url_json(source.name, setting, getattr(client.settings, field))

    return Source(
        name,
        "market",
        label,
        frame,
        fetch,
        empty=empty,
        cache_key=f"market_{name}",
        sample_file=sample_file,
        ttl="market_ttl_seconds",
        sample_optional=True,
    )


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "chutes",
            "catalog",
            "/chutes/",
            normalize.chutes_frame,
            lambda client, _source, _today: client.list_chutes(),
            empty={"items": []},
            cache_key="chutes",
            sample_file="chutes.json",
            check=normalize.chutes_items,
            history="snapshot",
        ),
        Source(
            "v1",
            "catalog",
            "/v1/models",
            normalize.v1_frame,
            lambda client, _source, _today: client.list_v1_models(),
            empty={"data": []},
            cache_key="v1",
            sample_file="v1_models.json",
            check=normalize.v1_items,
            history="snapshot",
        ),
        _telemetry("utilization", "/chutes/utilization", telemetry.utilization_frame),
        _telemetry(
            "llm_stats",
            "/invocations/stats/llm",
            telemetry.llm_stats_frame,
            history="daily",
            dated=True,
            since=True,
        ),
        _telemetry(
            "diffusion_stats",
            "/invocations/stats/diffusion",
            telemetry.diffusion_stats_frame,
            history="daily",
            dated=True,
        ),
        _telemetry("usage", "/invocations/usage", telemetry.usage_frame, dated=True),
        _telemetry("bounties", "/bounties/", telemetry.bounties_frame),
        _telemetry("rolling_updates", "/chutes/rolling_updates", telemetry.rolling_updates_frame),
        _market(
            "models_dev",
            "models.dev",
            "CHUTES_MODELS_DEV_URL",
            "models_dev_url",
            models_dev_frame,
            {},
            "models_dev.json",
        ),
        _market(
            "openrouter",
            "OpenRouter",
            "CHUTES_OPENROUTER_URL",
            "openrouter_url",
            openrouter_frame,
            {"data": []},
            "openrouter_models.json",
        ),
    )
}
CATALOG_SOURCES = tuple(s for s, spec in SOURCES.items() if spec.kind == "catalog")
TELEMETRY_SOURCES = tuple(s for s, spec in SOURCES.items() if spec.kind == "telemetry")
MARKET_SOURCES = tuple(s for s, spec in SOURCES.items() if spec.kind == "market")
LABELS = {s: spec.label for s, spec in SOURCES.items()}
SAMPLE_FILES = {s: spec.sample_file for s, spec in SOURCES.items()}


def frame(source: str, payload: Any) -> pd.DataFrame:
    """The tidy frame of one source's payload (None -> the source's empty frame)."""
    spec = SOURCES[source]
    return spec.frame(spec.empty if payload is None else payload)
