"""Numbers as the dashboard prints them: prices, amounts, sizes, changes, times (plain text).

One implementation for every page, export and display frame, so a number reads the same
everywhere. The rules (issue 22):

* `price`: a price per 1M tokens, 2 to 4 decimals at 4 significant digits (`$1.00`, `$0.50`,
  `$0.2989`; tiny TAO prices get the decimals their 4 digits need, up to 10); a column of prices
  (`price_column`, `price_printf`) uses one number of decimals, the most any cell needs, so the
  column lines up (`$1.0000` above `$0.2989`).
* `amount`: money per request/day/month: thousands separators and 2 decimals in USD (`$27,000.00`),
  4 in TAO; a non-zero amount below the last decimal is `< $0.01`, never `$0.00`.
* `size`: a token count as the tables' "compact" format shows it (`131K`, `8.2K`, `1.1M`).
* `percent_change`: `↓ 43%`, `↑ 12%`, `→ 0%` (the arrow carries the sign: never `↓ -43%`).
* `relative_time` / `human_age`: `3 hours ago`, `just now`, and a time more than a minute in the
  future says so: `in 10 hours (in the future — clock skew?)`.

Unknown values are '—' (never $0). `money`, `money_kpi` and `tokens` are the older forms the pages
still call; they move to `price`/`amount`/`size` with the pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

__all__ = [
    "FUTURE_NOTE",
    "amount",
    "change_direction",
    "column_decimals",
    "currency_unit",
    "duration_text",
    "human_age",
    "money",
    "money_kpi",
    "percent_change",
    "price",
    "price_column",
    "price_decimals",
    "price_printf",
    "relative_time",
    "size",
    "tokens",
]

PRICE_DIGITS = 4  # significant digits of a price per 1M tokens
MIN_DECIMALS, MAX_DECIMALS = 2, 10
AMOUNT_DECIMALS = {"usd": 2, "tao": 4}
FUTURE_NOTE = "in the future — clock skew?"
SKEW_TOLERANCE = 60.0  # seconds: a timestamp this little ahead is "just now", not flagged


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
    """How long ago: `3 days ago`, `1 hour ago`, `just now` (within a minute either way); a
    negative age beyond a minute is a time in the future, flagged (`in 10 hours (in the future —
    clock skew?)`); '—' when unknown. Callers need not clamp (a clamp hides the skew)."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < -SKEW_TOLERANCE:
        return f"in {duration_text(-seconds)} ({FUTURE_NOTE})"
    return f"{duration_text(seconds)} ago" if seconds >= 60 else "just now"


def relative_time(at: datetime | None, now: datetime) -> str:
    """`human_age` of a timezone-aware `at` seen at `now` (an injected clock)."""
    return "—" if at is None else human_age((now - at).total_seconds())


# ---------------------------------------------------------------------------- prices and amounts
def _with_currency(text: str, currency: str, unit: str = "") -> str:
    if text.startswith("-"):
        return (f"-${text[1:]}" if currency == "usd" else f"{text} τ") + unit
    return (f"${text}" if currency == "usd" else f"{text} τ") + unit


def price_decimals(value: object) -> int:
    """The decimals a price needs: enough for 4 significant digits, trailing zeros dropped,
    at least 2 and at most 10 (0 and unknown: 2)."""
    v = _finite(value)
    if v is None or v == 0:
        return MIN_DECIMALS
    exponent = math.floor(math.log10(abs(v)))
    digits = max(0, PRICE_DIGITS - 1 - exponent)
    text = f"{abs(v):.{digits}f}".rstrip("0")
    needed = len(text.partition(".")[2])
    return min(MAX_DECIMALS, max(MIN_DECIMALS, needed))


def column_decimals(values: Iterable[object]) -> int:
    """The decimals one column of prices shares: the most any of its prices needs."""
    return max((price_decimals(v) for v in values if _finite(v) is not None), default=MIN_DECIMALS)


def price(value: object, currency: str = "usd", decimals: int | None = None, unit: str = "") -> str:
    """A price per 1M tokens (`$1.00`, `$0.2989`, `0.00001283 τ`); pass a column's `decimals`
    to line it up with its neighbours. '—' when unknown."""
    v = _finite(value)
    if v is None:
        return "—"
    d = price_decimals(v) if decimals is None else decimals
    return _with_currency(f"{v:,.{d}f}", currency, unit)


def price_column(values: Iterable[object], currency: str = "usd") -> list[str]:
    """Every price of one column with the same number of decimals."""
    values = list(values)
    d = column_decimals(values)
    return [price(v, currency, d) for v in values]


def price_printf(values: Iterable[object], currency: str = "usd") -> str:
    """The printf format of a price column for `st.column_config.NumberColumn` (`$%.4f`)."""
    d = column_decimals(values)
    return f"$%.{d}f" if currency == "usd" else f"%.{d}f τ"


def amount(value: object, currency: str = "usd", unit: str = "") -> str:
    """Money per request, day or month: `$27,000.00`, `$900.00`, `1,234.5678 τ`; a non-zero
    amount too small for the decimals is `< $0.01` (never a misleading `$0.00`)."""
    v = _finite(value)
    if v is None:
        return "—"
    d = AMOUNT_DECIMALS["tao" if currency == "tao" else "usd"]
    smallest = 10.0**-d
    if v != 0 and abs(v) < smallest / 2:
        return "< " + _with_currency(f"{smallest:.{d}f}", currency, unit)
    return _with_currency(f"{v:,.{d}f}", currency, unit)


# ---------------------------------------------------------------------------- sizes and changes
def _half_up(value: float, decimals: int) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def size(value: object) -> str:
    """A token count as the tables' compact format (Intl "compact") shows it: `512`, `8.2K`,
    `131K`, `1M`, `1.5B`: 2 significant digits under 10 of a unit, whole units above."""
    v = _finite(value)
    if v is None:
        return "—"
    n = abs(v)
    sign = "-" if v < 0 else ""
    if n < 999.5:
        return f"{sign}{_half_up(n, 0):.0f}"
    for scale, suffix in ((1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")):
        x = n / scale
        shown = _half_up(x, 1 if x < 9.95 else 0)
        if shown < 1000 or suffix == "T":
            text = f"{shown:.1f}".removesuffix(".0") if shown < 10 else f"{shown:.0f}"
            return f"{sign}{text}{suffix}"
    raise AssertionError("unreachable")


def change_direction(value: object) -> str:
    """`up`, `down` or `off` (zero or unknown) for a relative change: for `st.metric`'s
    `delta_arrow`, with `percent_change(..., arrow=False)` as the delta text."""
    v = _finite(value)
    if v is None or _half_up(abs(v) * 100, 0) == 0:  # as `percent_change` rounds: never `↓ 0%`
        return "off"
    return "up" if v > 0 else "down"


def percent_change(value: object, arrow: bool = True) -> str:
    """A relative change (0.12 = +12%) as `↑ 12%`, `↓ 43%`, `→ 0%`: the arrow carries the sign,
    the number is its size. '—' when unknown."""
    v = _finite(value)
    if v is None:
        return "—"
    text = f"{_half_up(abs(v) * 100, 0):,.0f}%"
    if not arrow:
        return text
    return {"up": "↑ ", "down": "↓ ", "off": "→ "}[change_direction(v)] + text
