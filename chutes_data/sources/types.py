"""What loading hands out: a source's status, its data, and the merged Catalog (frozen)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..merge import MergeReport
from ..values import iso

if TYPE_CHECKING:
    from ..market import Market


@dataclass(frozen=True)
class SourceStatus:
    """What the UI and `status` say about one source."""

    source: str
    origin: str
    fetched_at: datetime | None
    count: int
    stale: bool
    complete: bool
    error: str | None
    ttl_seconds: float

    def age_seconds(self, now: datetime | None = None) -> float | None:
        if self.fetched_at is None:
            return None
        return max(0.0, ((now or datetime.now(UTC)) - self.fetched_at).total_seconds())

    def to_dict(self) -> dict:
        """The export contract's per-source block (plus TTL)."""
        data = asdict(self)
        data["fetched_at"] = iso(self.fetched_at)
        data.pop("source")
        return data


@dataclass(frozen=True)
class SourceData:
    """A source's raw payload, its tidy frame and its status. `storage`: why a live fetch could
    not be kept (cache file or history not written), one problem each; empty when it was."""

    status: SourceStatus
    frame: pd.DataFrame
    payload: Any = field(default=None, repr=False)
    storage: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Both sources, merged. `models` has `schema.MERGED_COLUMNS`."""

    chutes: SourceData
    v1: SourceData
    models: pd.DataFrame
    report: MergeReport
    generated_at: datetime
    warnings: tuple[str, ...] = ()
    #: the telemetry sources (sources.telemetry), by name; empty when not loaded
    telemetry: dict[str, SourceData] = field(default_factory=dict)
    #: when the bundled sample stands in because neither source had data: why, per source
    fallback: dict[str, str] = field(default_factory=dict)
    #: the CHUTES_SCORES tables (sources.scores_loader.ScoresResult); None when none is set
    scores: Any = None
    #: the market sources (models.dev, OpenRouter), by name; empty when not loaded
    market: dict[str, SourceData] = field(default_factory=dict)
    #: the offers and refused near misses behind the market columns (Model detail, Merge gaps)
    market_view: Market | None = None

    @property
    def sources(self) -> dict[str, SourceData]:
        return {"chutes": self.chutes, "v1": self.v1}

    @property
    def all_sources(self) -> dict[str, SourceData]:
        """The two catalog sources, then the telemetry sources, then the market sources."""
        return {**self.sources, **self.telemetry, **self.market}

    @property
    def is_sample(self) -> bool:
        return any(s.status.origin == "sample" for s in self.sources.values())
