"""Numbers as the dashboard prints them: prices, token counts, ages (plain text, no markup).

One implementation for every page and display frame, so a price reads the same everywhere:
6 significant digits, never in exponent notation, and '—' (never $0) when unknown.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["currency_unit", "duration_text", "human_age", "money", "money_kpi", "tokens"]


def currency_unit(currency: str) -> str:
    """'USD' or 'TAO' for a `Filters.currency` value ('usd' | 'tao')."""
    return "TAO" if currency == "tao" else "USD"


def _finite(value: object) -> float | None:
    """`value` as a finite float, or None (unknown: shown as '—', never as 0)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def money(value: object, currency: str = "usd", unit: str = "") -> str:
    """A price with 6 significant digits, never in exponent notation (`$0.00275`,
    `0.000012826 τ`); '—' when unknown (never $0 for a price we don't know)."""
    v = _finite(value)
    if v is None:
        return "—"
    text = (
        f"{v:,.2f}"
        if abs(v) >= 1000
        else np.format_float_positional(v, precision=6, unique=False, fractional=False, trim="-")
    )
    return (f"${text}" if currency == "usd" else f"{text} τ") + unit


def money_kpi(value: object, currency: str = "usd", unit: str = "") -> str:
    """A price rounded for reading at a glance (a KPI tile): 3 significant digits, cents kept
    from $1 up (`$0.206`, `$3.50`, `$1,234.57`); the full `money()` text goes in its tooltip and
    the exports. '—' when unknown."""
    v = _finite(value)
    if v is None:
        return "—"
    if abs(v) >= 1:
        text = f"{v:,.2f}"
    else:
        text = np.format_float_positional(v, precision=3, unique=False, fractional=False, trim="-")
    return (f"${text}" if currency == "usd" else f"{text} τ") + unit


def tokens(value: int | float | None) -> str:
    """A token count as `512`, `8.19k`, `1.05M`; '—' when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = int(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    return f"{value / 1000:.3g}k" if value >= 1000 else str(value)


def duration_text(seconds: float | None) -> str:
    """A span in its largest whole unit: `3 days`, `1 hour`, `5 minutes`, `42 s`; '—' when unknown."""
    if seconds is None:
        return "—"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{int(seconds)} s"


def human_age(seconds: float | None) -> str:
    """How long ago: `3 days ago`, `1 hour ago`, `just now` (under a minute); '—' when unknown."""
    if seconds is None:
        return "—"
    return f"{duration_text(seconds)} ago" if seconds >= 60 else "just now"
