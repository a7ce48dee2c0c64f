"""An Atom feed (RFC 4287) of the history's change events, for feed readers.

Every text is third-party (model names come from strangers): it is XML-escaped, and characters
XML 1.0 cannot carry at all (most C0 controls) are dropped, so a hostile name cannot break the
document. Entry ids are stable `urn:sha256:` URNs of the event, so a reader shows each event once.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from ..formatting import money

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:chutes-model-explorer:changes"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LABELS = {
    "added": "New model",
    "removed": "Removed",
    "price_changed": "Price change",
    "status_changed": "Status change",
    "context_changed": "Context change",
}


def _text(value: object, limit: int = 500) -> str:
    text = _XML_INVALID.sub("", "" if value is None else str(value))
    return escape(text[:limit])


def _value(field: str | None, value: object) -> str:
    if value is None:
        return "—"
    if field and field.startswith("price_") and isinstance(value, (int, float)):
        return money(value, "usd")
    if isinstance(value, bool):
        return "hot" if value else "cold"
    return str(value)


def event_title(event: dict) -> str:
    label = _LABELS.get(event.get("kind", ""), str(event.get("kind")))
    name = event.get("name") or event.get("chute_id") or "?"
    if event.get("kind") in ("added", "removed"):
        return f"{label}: {name}"
    field = event.get("field")
    return f"{label}: {name} {field}: {_value(field, event.get('old'))} → {_value(field, event.get('new'))}"


def event_id(event: dict) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "urn:sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# An empty feed's <updated>: a fixed instant (the epoch), not now, so the same empty feed has the
# same bytes and ETag and a reader polling it gets a 304.
EMPTY_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def atom_feed(
    events: list[dict],
    *,
    self_url: str,
    alternate_url: str | None = None,
    updated: datetime | None = None,
    limit: int = 200,
) -> bytes:
    """The newest `limit` events as an Atom document (UTF-8 bytes), newest first."""
    newest = sorted(events, key=lambda e: e.get("at") or "", reverse=True)[:limit]
    stamp = (
        newest[0]["at"]
        if newest and newest[0].get("at")
        else (updated or EMPTY_UPDATED).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}">',
        f"<id>{FEED_ID}</id>",
        "<title>Chutes catalog changes</title>",
        "<subtitle>Models added and removed, price, status and context changes</subtitle>",
        f"<updated>{_text(stamp)}</updated>",
        "<author><name>Chutes Model Explorer</name></author>",
        "<generator>Chutes Model Explorer</generator>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
    ]
    if alternate_url:
        out.append(f'<link rel="alternate" type="text/html" href={quoteattr(alternate_url)}/>')
    for event in newest:
        at = _text(event.get("at") or stamp)
        summary = (
            f"{event.get('kind')} in {event.get('source')}: {event.get('name')} "
            f"(chute_id {event.get('chute_id') or '—'})"
        )
        out += [
            "<entry>",
            f"<id>{event_id(event)}</id>",
            f"<title>{_text(event_title(event))}</title>",
            f"<updated>{at}</updated>",
            f"<category term={quoteattr(_XML_INVALID.sub('', str(event.get('kind'))))}/>",
            f"<summary>{_text(summary)}</summary>",
            f'<content type="text">{_text(json.dumps(event, ensure_ascii=False, default=str), 4000)}'
            "</content>",
            "</entry>",
        ]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")
