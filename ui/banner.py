"""The data-source banner shown above every page: sample, stale, partial or missing data.

It shows each source's `Outcome` (`chutes_data.sources.state.assess`: the one rule the API, the
CLI and the Data sources page use too), catalog and telemetry routes alike: every failing source
is named, with its reason, also when a last good snapshot stands in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from chutes_data import Catalog, Settings
from chutes_data.formatting import human_age
from chutes_data.sources.loader import fallback_warning
from chutes_data.sources.registry import LABELS as SOURCE_LABELS
from chutes_data.sources.state import Outcome, State, assess_all
from chutes_data.textsafe import md_text
from chutes_data.urls import mask_credentials, public_bind_warning


def _said(text: object, limit: int = 400) -> str:
    """An error or warning for Markdown: upstream text inside it shows literally, and URL
    credentials are masked (errors carry no key: the data layer redacts it)."""
    return md_text(mask_credentials(str(text or "")), limit=limit)


def _why_sample(catalog: Catalog) -> str:
    """Why the sample is shown: offline mode asked for it, or why neither API could be had."""
    if catalog.fallback:
        reasons = "; ".join(catalog.fallback.values())
        return f"**Why:** {_said(reasons)}."
    return "**Why:** offline mode is on (`CHUTES_OFFLINE`, or `--offline`)."


_warned_bind: list[str] = []  # once per server process


def warn_public_bind(has_key: bool) -> None:
    """Log (server log, not the page) when a key is set and the server is not loopback-only."""
    import logging

    message = public_bind_warning(st.get_option("server.address"), has_key)
    if message and message not in _warned_bind:
        _warned_bind.append(message)
        logging.getLogger("chutes_explorer").warning("%s", message)


def _age(o: Outcome, now: datetime) -> str:
    return human_age(None if o.since is None else max(0.0, (now - o.since).total_seconds()))


def banner(catalog: Catalog, settings: Settings, now: datetime | None = None) -> None:
    """Always visible when the data is stale, partial, unavailable or the bundled sample."""
    now = now or datetime.now(UTC)
    if catalog.is_sample:
        st.info(
            "You are looking at the **bundled sample** (synthetic data, not the live catalog). "
            f"Prices, names and counts are illustrative. {_why_sample(catalog)}",
            icon=":material/science:",
        )
    statuses = {n: d.status for n, d in catalog.all_sources.items()}
    outcomes = assess_all(statuses, settings, now)
    for name in catalog.sources:
        o, label = outcomes[name], SOURCE_LABELS.get(name, name)
        if o.state is State.FAILED:
            st.error(f"{label} is unavailable: {_said(o.reason or 'no data')}", icon=":material/cloud_off:")
        elif o.state is State.STALE:
            st.warning(
                f"{label} shows the last good snapshot ({_age(o, now)}); "
                f"the refresh failed: {_said(o.reason)}",
                icon=":material/history:",
            )
        elif o.state is State.INCOMPLETE:
            st.warning(f"{label} is incomplete: {_said(o.reason)}", icon=":material/warning:")
    fallback = fallback_warning(catalog.fallback) if catalog.fallback else None
    for warning in catalog.warnings:
        if warning != fallback:  # our own sentences, ending in their fix: never cut (the path is)
            st.warning(_said(warning, limit=None), icon=":material/settings:")
    if not catalog.is_sample:  # the sample banner already says it is synthetic
        _telemetry([outcomes[n] for n in catalog.telemetry], now)
        _market([outcomes[n] for n in catalog.market], now)
    from .scores_view import banner as scores_banner  # issue 20

    scores_banner(catalog)
    _database()


def _database() -> None:
    """Replicas on PostgreSQL (CHUTES_DATABASE_URL): say when the shared database is away."""
    from chutes_data.service import runtime

    svc = runtime.current()
    replica = getattr(getattr(svc, "refresher", None), "replica", None)  # tests' stand-ins have none
    if replica is not None and replica.problem:
        st.warning(
            f"The shared history database is unreachable ({_said(replica.problem, 200)}). This page "
            "shows the last snapshot; nothing recorded is lost, and the replicas carry on when it "
            "is back.",
            icon=":material/database:",
        )


def _name(o: Outcome) -> str:
    return SOURCE_LABELS.get(o.source, o.source)


def _telemetry(outcomes: list[Outcome], now: datetime) -> None:
    """Every failing telemetry route, by name: unknown columns, or columns from an old snapshot."""
    down = [o for o in outcomes if o.state in (State.FAILED, State.INCOMPLETE)]
    old = [o for o in outcomes if o.state is State.STALE]
    if down:
        st.warning(
            "Speed and capacity columns are partly unknown: "
            + "; ".join(f"{_name(o)} ({_said(o.reason or 'no data', 160)})" for o in down)
            + ". The catalog itself is unaffected.",
            icon=":material/speed:",
        )
    if old:
        st.warning(
            "Telemetry from the last good snapshot: "
            + "; ".join(f"{_name(o)} ({_age(o, now)}; {_said(o.reason, 160)})" for o in old)
            + ".",
            icon=":material/history:",
        )


def _market(outcomes: list[Outcome], now: datetime) -> None:
    """Every failing market source (models.dev, OpenRouter), by name: its columns are unknown."""
    down = [o for o in outcomes if o.state in (State.FAILED, State.INCOMPLETE)]
    old = [o for o in outcomes if o.state is State.STALE]
    if down:
        st.warning(
            "Market and model facts columns are partly unknown: "
            + "; ".join(f"{_name(o)} ({_said(o.reason or 'no data', 160)})" for o in down)
            + ". The catalog itself is unaffected.",
            icon=":material/storefront:",
        )
    if old:
        st.warning(
            "Market prices from the last good snapshot: "
            + "; ".join(f"{_name(o)} ({_age(o, now)}; {_said(o.reason, 160)})" for o in old)
            + ".",
            icon=":material/history:",
        )
