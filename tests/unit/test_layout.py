"""The shape of the code base, checked: the pure package stays pure, imports go one way, modules
stay small enough for one reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chutes_data"
MAX_LINES = 320  # "about 300": past this a module wants splitting along a seam


def _modules(folder: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, *, top_level_only: bool) -> set[str]:
    """Absolute module names `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_data_package_never_imports_streamlit_or_plotly():
    for name, path in _modules(PACKAGE).items():
        bad = {
            m
            for m in _imports(name, path, top_level_only=False)
            if m.split(".")[0] in ("streamlit", "plotly")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_import_circles_in_the_data_package():
    modules = _modules(PACKAGE)
    graph = {
        name: {m for m in _imports(name, path, top_level_only=True) if m in modules and m != name}
        for name, path in modules.items()
    }
    # a package's __init__ importing its own submodules is how packages work, not a circle
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("folder", ["chutes_data", "ui", "pages", "tools"])
def test_no_module_is_longer_than_one_reader_can_hold(folder):
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split along a seam: {long}"
