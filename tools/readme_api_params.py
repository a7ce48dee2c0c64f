"""Write (or with --check, compare) README.md's /api/models parameter table, the block between
its api-params markers, from the filter vocabulary (`chutes_data.service.params.readme_block`).

    python tools/readme_api_params.py          # rewrite the block in place
    python tools/readme_api_params.py --check  # exit 1 if README.md disagrees
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chutes_data.service.params import README_BEGIN, README_END, readme_block  # noqa: E402


def replaced(text: str) -> str:
    """`text` with its marked block replaced by the generated one."""
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END)
    return text[:start] + readme_block() + text[end:]


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = replaced(text)
    if "--check" in argv:
        if new != text:
            print("README.md's /api/models parameter table is out of date: run tools/readme_api_params.py")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
