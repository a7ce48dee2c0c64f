"""Hostile fixtures: the catalog with nasty third-party strings, to prove escaping."""

from __future__ import annotations

import copy

from .records import chute_id_for, slugify
from .tables import OFFICIAL
from .v1_list import lenient_rename


def hostile_strings() -> list[str]:
    """Nasty third-party strings: HTML/JS, CSV formula, markdown, control and unicode tricks.

    Used by tests to prove every page and export escapes upstream text.
    """
    return [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "[click](javascript:alert(1))",
        "long-" + "A" * 9995,
        "\u202egnp.exe",
        "nul\x00byte",
        "\U0001f525\U0001f680 emoji \u6a21\u578b \u2728",
        "'; DROP TABLE chutes;--",
        "{{7*7}}",
        "</textarea><svg onload=alert(1)>",
        "document.title='pwned'",
    ]


def hostile(chutes_payload: dict, v1_payload: dict, n: int = 20) -> tuple[dict, dict]:
    """Deep copies where the first `n` chutes (plus the first 3 community chutes after them,
    so owners get hit too) carry hostile names, taglines, readmes and (for community chutes)
    owners; v1 entries of those official chutes follow the new names.

    Shapes stay valid and ids stay consistent (`chute_id` recomputed with the uuid5 rule),
    so the whole pipeline runs on it and only escaping is under test.
    """
    chutes = copy.deepcopy(chutes_payload)
    v1 = copy.deepcopy(v1_payload)
    strings = hostile_strings()
    size = len(strings)
    by_chute_id = {e.get("chute_id"): e for e in v1.get("data", []) if e.get("chute_id")}
    by_name: dict[str, list[dict]] = {}
    for entry in v1.get("data", []):
        if "chute_id" not in entry:
            by_name.setdefault(entry["id"], []).append(entry)
    items = chutes.get("items", [])
    extra = [item for item in items[n:] if item["user"]["username"] != OFFICIAL][:3]
    for i, item in enumerate(items[:n] + extra):
        s = strings[i % size]
        old_name, old_id = item["name"], item["chute_id"]
        new_name = s if i < size else f"{s} {i}"
        owner = item["user"]["username"]
        if owner != OFFICIAL:
            owner = strings[(i + 7) % size]
            item["user"]["username"] = owner
        item["name"] = new_name
        item["chute_id"] = chute_id_for(owner, new_name)
        item["slug"] = slugify(f"{owner}-{new_name}")
        item["tagline"] = strings[(i + 3) % size]
        item["readme"] = (
            f"# {s}\n\n{strings[(i + 5) % size]}\n\n[click](javascript:alert(1)) <script>alert(1)</script>\n"
        )
        if owner != OFFICIAL:
            continue
        entry = by_chute_id.get(old_id)
        if entry is not None:
            entry["chute_id"], entry["id"] = item["chute_id"], new_name
        # id-less entries: exact names follow exactly, renamed ones keep a (trailing-space) twist
        for entry in by_name.get(old_name, []):
            entry["id"] = new_name
        for variant in {lenient_rename(old_name, k) for k in range(4)} - {None, old_name}:
            for entry in by_name.get(variant, []):  # type: ignore[arg-type]
                entry["id"] = f"{new_name} "
    return chutes, v1
