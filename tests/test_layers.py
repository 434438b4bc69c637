"""The package's folders are its layers: imports go only downward and never in a circle.

Every import counts, including those inside functions: an import moved into a function to
dodge a circle is still an arrow of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "alcore"

# lowest first; a module may import from its own layer or a lower one
LAYERS = ("core", "engine", "data", "embedding", "runs", "science", "bench", "report", "cli")
MAX_LINES = 500


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the alcore modules it imports (anywhere in its body)."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                # 'from pkg import mod' imports the module pkg.mod when it exists
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            for t in targets:
                while t and t not in files:  # 'alcore.x.y.func' -> the module alcore.x.y
                    t = t.rpartition(".")[0]
                if t.startswith("alcore") and t != module:
                    graph[module].add(t)
    return graph


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def upward_imports(graph) -> list[str]:
    bad = []
    for module, targets in graph.items():
        for t in targets:
            lm, lt = layer_of(module), layer_of(t)
            if lt is None or lm is None:
                if module == "alcore.__main__" and t == "alcore.cli":
                    continue
                if t == "alcore":  # the version string
                    continue
                bad.append(f"{module} -> {t} (outside the layers)")
            elif lt > lm:
                bad.append(f"{module} ({LAYERS[lm]}) -> {t} ({LAYERS[lt]})")
    return sorted(bad)


def cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _package_init_edges(graph):
    """A package's __init__ re-exporting its own modules is not an arrow between modules."""
    return {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}


def test_every_module_sits_in_a_layer():
    graph = import_graph()
    outside = [m for m in graph if layer_of(m) is None and m not in ("alcore", "alcore.__main__")]
    assert outside == []


def test_no_import_goes_up_a_layer():
    assert upward_imports(import_graph()) == []


def test_no_import_circle():
    assert cycles(_package_init_edges(import_graph())) == []


def test_no_module_over_the_line_limit():
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_see_a_planted_upward_import_and_circle(tmp_path):
    pkg = tmp_path / "alcore"
    for layer in ("core", "engine"):
        (pkg / layer).mkdir(parents=True)
        (pkg / layer / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("def f():\n    from alcore.engine import b\n")
    (pkg / "engine" / "b.py").write_text("from ..core import a\n")
    graph = import_graph(pkg)
    assert upward_imports(graph) == ["alcore.core.a (core) -> alcore.engine.b (engine)"]
    assert cycles(graph) == [["alcore.core.a", "alcore.engine.b"]]


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_is_a_folder(layer):
    assert (PACKAGE / layer / "__init__.py").is_file()
