"""The `changes` text format: one line per event, for a terminal."""

from __future__ import annotations

from typing import Any

_LABELS = {
    "added": "added",
    "removed": "removed",
    "price_changed": "price",
    "status_changed": "status",
    "context_changed": "context",
}


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "hot" if value else "cold"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_changes_text(events: list[dict]) -> str:
    """One line per event, e.g. `2026-07-03  price    Qwen/Qwen3-32B-TEE  price_input_usd 0.104 → 0.08`.

    The source is shown (`[v1]`) only when the events come from more than one source; no events
    give an empty string."""
    if not events:
        return ""
    width = min(max(len(e.get("name") or "") for e in events), 60)
    mixed = len({e.get("source") for e in events}) > 1
    lines = []
    for e in events:
        head = f"{(e.get('at') or '')[:10]}  {_LABELS.get(e['kind'], e['kind']):<8}"
        head += f"[{e.get('source')}] " if mixed else ""
        line = f"{head}{(e.get('name') or '?'):<{width}}"
        if e["kind"] == "status_changed":
            line += f"  {_value(e.get('old'))} → {_value(e.get('new'))}"
        elif e.get("field"):
            line += f"  {e['field']} {_value(e.get('old'))} → {_value(e.get('new'))}"
        lines.append(line.rstrip())
    return "\n".join(lines)
