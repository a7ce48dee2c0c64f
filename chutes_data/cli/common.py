"""What every command shares: settings with their warnings, the catalog, output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings
from ..sources.loader import load_catalog, storage_warning
from ..sources.types import Catalog


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "offline", False):
        settings = settings.with_(offline=True)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return settings


def _catalog(args: argparse.Namespace, settings: Settings) -> Catalog:
    catalog = load_catalog(
        settings,
        refresh=args.refresh,
        files={"chutes": args.chutes_file, "v1": args.v1_file},
        require_data=True,
    )
    for data in catalog.all_sources.values():
        if data.status.error:
            print(f"warning: {data.status.error}", file=sys.stderr)
    stored = storage_warning(settings, [d.storage for d in catalog.sources.values() if d.storage])
    if stored:
        print(f"warning: {stored}", file=sys.stderr)
    return catalog


def _write(text: str, output: str) -> None:
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    Path(output).expanduser().write_text(text, encoding="utf-8")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"
