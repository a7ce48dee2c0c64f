"""Third-party text made safe to show: names, taglines, owners and readmes are written by strangers.

- `md_text`: a string shown *as text* inside Markdown (titles, captions, metric labels): every
  Markdown, HTML and Streamlit directive character is escaped, so `[x](javascript:..)`, `<img>`,
  `:red[...]` or `$x$` show literally.
- `safe_readme`: a readme rendered *as Markdown*: raw HTML is escaped (shown, not parsed), images
  become plain links (no third-party fetches), and link targets other than http(s)/mailto are
  dropped (no `javascript:`, `data:`, `vbscript:`).
- `html_text`: for Plotly hover/labels, which interpret a subset of HTML tags.
- `scrub_secret`: decoded upstream JSON with every echo of our API key replaced, applied once
  where upstream text enters (sources/client.py), before cache, history, merge and search.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^&\"'])")
_BIDI_AND_CONTROL = {"Cc", "Cf"}
_TARGET = r"((?:[^()\s<>]|\([^()\s]*\))*)"  # a link target, allowing one level of parentheses
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?" + _TARGET + r">?(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?" + _TARGET + r">?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]*:[^>\s]*)>")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(\S+).*$", re.MULTILINE)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Any inline-link opener `](` still followed by an unsafe target after the passes above (nested
# brackets `[a [b] c](javascript:x)` or deeper parentheses slip past _LINK): escaping the `(`
# means CommonMark reads it as text, never as a link.
_UNSAFE_OPENER = re.compile(r"\]\((?=\s*+(?:&lt;)?\s*+(?!(?:https?://|mailto:)))", re.IGNORECASE)
MAX_README_CHARS = 50_000
REDACTED = "[redacted]"  # what stands where the API key was (as urls.redact writes it)


def clean(text: object, limit: int | None = None) -> str:
    """Text without control/format characters (NUL, bidi overrides); newlines and tabs kept."""
    if text is None:
        return ""
    out = "".join(ch for ch in str(text) if ch in "\n\t" or unicodedata.category(ch) not in _BIDI_AND_CONTROL)
    if limit is not None and len(out) > limit:
        out = out[:limit] + "…"
    return out


def md_text(text: object, limit: int | None = 300) -> str:
    """Escape `text` so Markdown shows it literally on one line."""
    flat = " ".join(clean(text, limit).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def html_text(text: object, limit: int | None = 200) -> str:
    """Escape `text` for Plotly labels and hovers."""
    return html.escape(" ".join(clean(text, limit).split()), quote=True)


def _safe_target(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_SCHEMES)


def safe_readme(markdown: object) -> str:
    """A stranger's readme, safe to pass to `st.markdown` (never with unsafe_allow_html)."""
    text = clean(markdown, MAX_README_CHARS)
    text = html.escape(text, quote=False)  # raw HTML shows as text

    def image(m: re.Match) -> str:
        alt, url = m.group(1), m.group(2).strip()
        return f"[image: {alt or 'untitled'}]({url})" if _safe_target(url) else f"[image: {alt}]"

    def link(m: re.Match) -> str:
        label, url = m.group(1), m.group(2).strip()
        return f"[{label}]({url})" if _safe_target(url) else label

    text = _IMAGE.sub(image, text)
    text = _LINK.sub(link, text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if _safe_target(m.group(1)) else m.group(1), text)
    text = _REF_DEF.sub(lambda m: m.group(0) if _safe_target(m.group(1)) else "", text)
    return _UNSAFE_OPENER.sub(r"]\\(", text)


def scrub_secret(value: Any, secret: str | None) -> Any:
    """Decoded JSON (dicts, lists, strings, numbers) with `secret` replaced by REDACTED in every
    string, keys included. Upstream may echo the key (a model id holding it); scrubbing it here,
    once, means no page, export, search, event, webhook, feed, history row or log can carry it,
    and no search can confirm it a character at a time. Secrets under 4 characters are left
    (they would match everywhere)."""
    if not secret or len(secret) < 4:
        return value

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return v.replace(secret, REDACTED) if secret in v else v
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value)
