"""The Models page's KPI line, read back: "302 of 302 models shown · 243 hot now · median input
$0.187 /1M · largest context 1.05M · median speed 83 tok/s" (pages/models.py).

One parser for AppTest (the Markdown source, with `**` and escapes) and the browser (the text
the page shows). Labels are the old metric cards' names, so a test reads `kpi(text, "Hot now")`.
"""

from __future__ import annotations

import re

_PARTS = {
    "Models shown": r"(?P<v>[\d,]+) of [\d,]+ models shown",
    "Catalog size": r"[\d,]+ of (?P<v>[\d,]+) models shown",
    "Hot now": r"(?P<v>[\d,]+) hot now",
    "Median input price": r"median input (?P<v>.+?) · largest context",
    "Largest context": r"largest context (?P<v>.+?) · median speed",
    "Median speed": r"median speed (?P<v>.+?)\s*$",
}


LABELS = frozenset(_PARTS)


def plain(markdown: str) -> str:
    """The Markdown source as the page shows it: no `**`, no backslash escapes."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", "")).strip()


def is_kpi_line(text: str) -> bool:
    return "models shown" in plain(text)


def kpi(text: str, label: str) -> str | None:
    """The value of `label` in the KPI line `text` (Markdown or shown text); None if absent."""
    m = re.search(_PARTS[label], plain(text))
    return m.group("v").strip() if m else None


def app_kpi(at, label: str) -> str | None:
    """`kpi` of the KPI line an AppTest run drew (None when the page drew none)."""
    lines = [m.value for m in at.markdown if is_kpi_line(m.value)]
    assert len(lines) <= 1, lines
    return kpi(lines[0], label) if lines else None
