"""The view as a Markdown table (GitHub-flavoured), the third download beside JSON and CSV:
people paste it into issues and docs.

Names, taglines and owners are written by strangers, so every cell is escaped: a `|` cannot add
a column, a newline cannot end the row, backticks, `*`, `_`, `[`, `<`, `&`, `$` and `@` show
literally (no code span, emphasis, link, image, HTML, entity, math or mention). Numbers use the
shared formatter (`formatting`), each price column with one number of decimals; a price cell
holds one `$` only, so it is left as it is (cells are parsed one by one: no math can form).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from . import formatting as fmt
from .textsafe import clean

__all__ = ["Column", "DEFAULT_COLUMNS", "columns_for", "escape_cell", "to_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$&@])")
MAX_CELL_CHARS = 300  # a readme pasted into a tagline would make the table unreadable
KINDS = ("text", "price", "size", "count", "list", "flag")


@dataclass(frozen=True)
class Column:
    """One column of the table: the frame's column, its header, and how its cells are written."""

    key: str
    label: str
    kind: str = "text"  # one of KINDS

    @property
    def numeric(self) -> bool:
        return self.kind in ("price", "size", "count")


# What `export --format md` shows: the Models table's first columns; `{cur}` is the currency.
DEFAULT_COLUMNS: tuple[Column, ...] = (
    Column("name", "Model"),
    Column("price_input_{cur}", "Input /1M", "price"),
    Column("price_output_{cur}", "Output /1M", "price"),
    Column("context_tokens", "Context", "size"),
    Column("hot", "Hot", "flag"),
    Column("tee", "TEE", "flag"),
    Column("template", "Template"),
    Column("quantization", "Quant"),
    Column("owner", "Owner"),
    Column("supported_features", "Features", "list"),
)


def columns_for(currency: str, columns: Sequence[Column] = DEFAULT_COLUMNS) -> list[Column]:
    """`columns` with `{cur}` filled in (`usd` or `tao`)."""
    return [Column(c.key.format(cur=currency), c.label, c.kind) for c in columns]


def escape_cell(value: object) -> str:
    """A value as one table cell's text: control characters dropped, every run of whitespace
    (newlines included) one space, Markdown/HTML punctuation backslash-escaped; '—' when empty."""
    text = " ".join(clean(value, MAX_CELL_CHARS).split())
    return _SPECIAL.sub(r"\\\1", text) if text else "—"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array cell
        return False


def _cells(values: pd.Series, column: Column, currency: str) -> list[str]:
    if column.kind == "price":  # our own text (digits, `$`, `τ`): no escapes to read past
        return fmt.price_column(values, currency)
    out = []
    for v in values:
        if column.kind == "list" and isinstance(v, (list, tuple)):
            text = ", ".join(map(str, v)) if v else None
        elif _missing(v):
            text = None
        elif column.kind == "size":
            text = fmt.size(v)
        elif column.kind == "count":
            text = f"{int(v):,}"
        elif column.kind == "flag":
            text = "yes" if bool(v) else "no"
        else:
            text = str(v)
        out.append(escape_cell(text))
    return out


def to_markdown(
    models: pd.DataFrame,
    *,
    generated_at: datetime,
    columns: Sequence[Column] | None = None,
    currency: str = "usd",
    title: str = "Chutes models",
) -> str:
    """The rows of `models` (in their order) under the given columns, after one line saying
    what it is, how many rows and when it was generated. A column the frame lacks is all '—'."""
    cols = columns_for(currency) if columns is None else list(columns)
    unknown = [c.kind for c in cols if c.kind not in KINDS]
    if unknown:
        raise ValueError(f"unknown column kind(s): {', '.join(unknown)}")
    count = len(models)
    when = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    prices = (
        " · prices in " + fmt.currency_unit(currency) + " per 1M tokens"
        if any(c.kind == "price" for c in cols)
        else ""
    )
    lines = [
        f"**{escape_cell(title)}**: {count:,} {'row' if count == 1 else 'rows'} · generated {when}{prices}",
        "",
        "| " + " | ".join(escape_cell(c.label) for c in cols) + " |",
        "| " + " | ".join("---:" if c.numeric else "---" for c in cols) + " |",
    ]
    empty = pd.Series([None] * count, index=models.index, dtype=object)
    body = [_cells(models[c.key] if c.key in models.columns else empty, c, currency) for c in cols]
    lines += ["| " + " | ".join(row) + " |" for row in zip(*body, strict=True)] if cols else []
    return "\n".join(lines) + "\n"
