"""Deterministic synthetic Chutes catalog: `GET /chutes/` and `GET /v1/models` payloads.

Why: the dashboard needs a bundled offline sample, and the readers/merge need fixtures that
exercise the real-world quirks (shared names across owners, v1 entries without `chute_id`,
renamed ids, v1-only models, price disagreements, missing optional fields) without shipping
third-party captures. Everything here is invented; only the shapes follow the real API
(see shared reference `chutes-api.md`). Output is a pure function of the arguments: the same
arguments give byte-identical JSON (stdlib `random.Random(seed)`, no clock unless asked).

* `catalog` - `generate`, the whole catalog (`generator`: RNG, names, hardware and prices;
  `items`: one `/chutes/` item or `/v1/models` entry; `tables`: the invented pools;
  `records`: small helpers and records);
* `hostile` - the same catalog with nasty third-party strings, to prove escaping;
* `cli` - `python -m tools.synth --out DIR` writes `chutes.json` and `v1_models.json`.
"""

from .catalog import SAMPLE_KWARGS, SAMPLE_NOW, generate
from .cli import main, write_payloads
from .hostile import hostile, hostile_strings
from .records import chute_id_for, dump_json

__all__ = [
    "SAMPLE_KWARGS",
    "SAMPLE_NOW",
    "chute_id_for",
    "dump_json",
    "generate",
    "hostile",
    "hostile_strings",
    "main",
    "write_payloads",
]
