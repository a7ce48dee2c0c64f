"""The catalog commands: export, report, status, fetch, chute."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from .. import export, markdown_table
from ..errors import NoDataError
from ..sources.client import ChutesClient
from ..sources.loader import cache_status, load_catalog, storage_warning
from ..sources.state import Outcome, State, assess_all
from ..sources.types import SourceStatus
from ..values import iso
from .common import _age, _catalog, _settings, _write


def cmd_export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    catalog = _catalog(args, settings)
    if args.format == "csv":
        _write(export.to_csv(catalog.models), args.output)
    elif args.format == "md":
        _write(markdown_table.to_markdown(catalog.models, generated_at=datetime.now(UTC)), args.output)
    else:
        _write(export.to_json(export.document(catalog, settings=settings)) + "\n", args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    catalog = _catalog(args, _settings(args))
    doc = {
        "generated_at": iso(catalog.generated_at),
        "sources": {n: d.status.to_dict() for n, d in catalog.sources.items()},
        "merge_report": catalog.report.to_dict(),
    }
    _write(export.to_json(doc) + "\n", "-")
    return 0


def _facts(s: SourceStatus, o: Outcome) -> str:
    """One `status` line's facts about a source (catalog or telemetry alike): its state by the
    one rule (`state.assess`), as the dashboard and the API show it."""
    return f"fetched_at={iso(s.fetched_at) or '-'} age={_age(s.age_seconds())} {o.state} count={s.count}"


def cmd_status(args: argparse.Namespace) -> int:
    from ..sources.market_loader import market_cache_status
    from ..sources.telemetry_loader import telemetry_cache_status

    settings = _settings(args)
    statuses = cache_status(settings)
    telemetry = telemetry_cache_status(settings)
    market = market_cache_status(settings)
    outcomes = assess_all({**statuses, **telemetry, **market}, settings)
    if args.format == "json":
        doc = {
            name: {
                **s.to_dict(),
                "age_seconds": s.age_seconds(),
                **outcomes[name].to_dict(),
                "stale": outcomes[name].state is State.STALE,
            }
            for name, s in {**statuses, **telemetry, **market}.items()
        }
        _write(json.dumps(doc, indent=1) + "\n", "-")
        return 0
    print(f"cache: {settings.cache_dir}  (TTL {settings.cache_minutes:g} min)")
    for name, s in statuses.items():
        print(f"{name:7} origin={s.origin:6} {_facts(s, outcomes[name])}")
        if outcomes[name].reason:
            print(f"{'':7} last error: {outcomes[name].reason}")
    print(f"telemetry (TTL {settings.telemetry_minutes:g} min; an extra: the catalog works without it)")
    for name, s in telemetry.items():
        print(f"  {name:15} {s.origin:6} {_facts(s, outcomes[name])}")
        if outcomes[name].reason:
            print(f"  {'':15} last error: {outcomes[name].reason}")
    print(f"market (TTL {settings.market_minutes:g} min; keyless; an extra: the catalog works without it)")
    for name, s in market.items():
        print(f"  {name:15} {s.origin:6} {_facts(s, outcomes[name])}")
        if outcomes[name].reason:
            print(f"  {'':15} last error: {outcomes[name].reason}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.offline:
        raise NoDataError("fetch: needs the network (CHUTES_OFFLINE is set)")
    catalog = load_catalog(settings, refresh=True)
    failed = 0
    for name, data in catalog.sources.items():
        s = data.status
        if s.origin == "live" and s.complete:
            print(f"{name}: fetched {s.count} at {iso(s.fetched_at)}")
        else:
            failed += 1
            kept = f"; kept the last good snapshot ({s.count})" if s.origin == "cache" else ""
            print(f"{name}: refresh failed: {s.error}{kept}", file=sys.stderr)
    for name, data in {**catalog.telemetry, **catalog.market}.items():  # extras: never the exit code
        s = data.status
        if s.origin == "live":
            print(f"{name}: fetched {s.count} at {iso(s.fetched_at)}")
        else:
            print(f"warning: {name}: refresh failed: {s.error}", file=sys.stderr)
    stored = storage_warning(settings, [d.storage for d in catalog.sources.values() if d.storage])
    if stored:  # fetched, but the cache (and history) did not keep it: `status` would show nothing
        print(f"error: {stored}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def cmd_chute(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.offline:
        raise NoDataError("chute: needs the network (CHUTES_OFFLINE is set)")
    with ChutesClient(settings) as client:
        _write(json.dumps(client.get_chute(args.chute), indent=1, ensure_ascii=False) + "\n", "-")
    return 0
