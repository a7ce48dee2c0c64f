"""The synthetic `/v1/models` list: one entry per matched chute, with the defects a merge must
survive (price conflicts, missing chute_ids, renamed ids a lenient matcher still pairs), plus
v1-only models."""

from __future__ import annotations

from typing import Any

from .generator import Generator
from .items import v1_item
from .records import Chute, chute_id_for, loose
from .tables import OFFICIAL, V1_ONLY_MODELS


def lenient_rename(name: str, method: int) -> str | None:
    """A v1 id a lenient matcher should still pair with `name` (None if not applicable)."""
    kind = method % 4
    if kind == 0:  # case change
        lowered = name.lower()
        return lowered if lowered != name else name.upper()
    if kind == 1:  # the -TEE suffix dropped
        return name[:-4] if name.endswith("-TEE") else None
    if kind == 2:  # an extra space
        return name.replace("/", "/ ", 1) if "/" in name else name + " "
    return name.replace("-", "_") if "-" in name else None  # "_" vs "-"


def v1_list(
    g: Generator,
    matched: list[Chute],
    chutes: list[Chute],
    targets: list[Chute],
    *,
    v1_only: int,
    price_conflicts: int,
    without_chute_id: int,
    renamed: int,
) -> list[dict[str, Any]]:
    """The v1 list: one entry per matched chute (with the requested defects) + v1-only ones,
    ordered by invocation count like the server."""
    rng = g.rng
    order = rng.sample(matched, len(matched))
    taken: set[str] = set()

    def take(candidates: list[Chute], n: int) -> list[Chute]:
        out = [c for c in candidates if c.chute_id not in taken][:n]
        taken.update(c.chute_id for c in out)
        return out

    target_ids = {t.chute_id for t in targets}
    conflicts = take(order, price_conflicts)
    # Half of the id-less entries share their name with an impostor: the merge must pick the
    # official chute, not the community one.
    n_imp = min((without_chute_id + 1) // 2, len(target_ids))
    no_id = take([c for c in order if c.chute_id in target_ids], n_imp)
    no_id += take([c for c in order if c.chute_id not in target_ids], without_chute_id - len(no_id))

    loose_index: dict[str, set[str]] = {}
    for c in chutes:
        loose_index.setdefault(loose(c.name), set()).add(c.chute_id)
    renames: dict[str, str] = {}
    method = 0
    for c in order:
        if len(renames) >= renamed:
            break
        if c.chute_id in taken or c.chute_id in target_ids:
            continue
        for attempt in range(4):
            new = lenient_rename(c.name, method + attempt)
            if new and new != c.name and loose_index.get(loose(new), set()) <= {c.chute_id}:
                renames[c.chute_id] = new
                taken.add(c.chute_id)
                method += 1
                break
    if len(renames) < renamed:
        raise ValueError(
            f"only {len(renames)} chutes can get an unambiguous renamed v1 id; v1_renamed={renamed}"
        )

    n_bare = min(len(matched), max(3, round((len(matched) + v1_only) * 0.04)))
    bare = {c.chute_id for c in rng.sample(matched, n_bare)}
    conflict_ids = {c.chute_id for c in conflicts}
    no_id_ids = {c.chute_id for c in no_id}
    now_ts = int(g.now.timestamp())
    refresh = now_ts - rng.randint(60, 540)

    rows: list[tuple[int, dict[str, Any]]] = []
    for c in matched:
        created = refresh if c.item["hot"] else now_ts - rng.randint(1, 30) * 86400
        factor = rng.choice((0.8, 0.75, 1.25)) if c.chute_id in conflict_ids else 1.0
        entry = v1_item(g, c, created=created, overrides=c.chute_id not in bare, price_factor=factor)
        if c.chute_id in no_id_ids or c.chute_id in renames:
            del entry["chute_id"]
        if c.chute_id in renames:
            entry["id"] = renames[c.chute_id]
        rows.append((c.item["invocation_count"], entry))

    names = {loose(c.name) for c in chutes}
    only_pool = g.cycle_names([f"{m}-TEE" if i % 2 == 0 else m for i, m in enumerate(V1_ONLY_MODELS)])
    for _ in range(v1_only):
        name = next(n for n in only_pool if loose(n) not in names)
        part = name.split("/")[-1]
        suffix = "-TEE" if name.endswith("-TEE") else ""
        params = float(rng.choice((24, 32, 70, 120, 235)))
        llm = g.llm_details(name, part, suffix, params, False)
        ghost = Chute(
            item={"chute_id": chute_id_for(OFFICIAL, name), "name": name, "hot": True},
            template="vllm",
            owner=OFFICIAL,
            llm=llm,
            prices=g.llm_prices(params, suffix, suffix == "-TEE"),
        )
        rows.append((g.log_int(2, 6), v1_item(g, ghost, created=refresh, overrides=True)))
    rows.sort(key=lambda r: -r[0])
    return [entry for _, entry in rows]
