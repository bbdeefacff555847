"""The house: no import circle in migsim/, no reaching into another module's private names,
small classes, and a model module that only sets up and orders the day."""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "migsim"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text()) for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, tree: ast.Module, known: set[str]):
    """(imported module, imported names) for every import in a module, lazy ones included."""
    package = (
        name
        if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
        else (name.rsplit(".", 1)[0])
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                root = package.split(".")
                root = root[: len(root) - node.level + 1]
                base = ".".join([*root, base] if base else root)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # ``from migsim import decisions``
                    yield sub, []
                else:
                    yield base, [alias.name]


def graph() -> tuple[nx.DiGraph, list[tuple[str, str, str]]]:
    trees = modules()
    known = set(trees)
    g = nx.DiGraph()
    private = []
    for name, tree in trees.items():
        g.add_node(name)
        for target, names in imports(name, tree, known):
            if target in known and target != name:
                g.add_edge(name, target)
                private += [(name, target, n) for n in names if n.startswith("_")]
    return g, private


def test_no_import_circle():
    g, _ = graph()
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], f"import circles: {cycles[:5]}"


def test_no_private_names_imported_from_another_module():
    _, private = graph()
    assert private == []


def test_no_class_over_400_lines():
    big = [
        (name, node.name, node.end_lineno - node.lineno + 1)
        for name, tree in modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 400
    ]
    assert big == []


def test_model_module_only_sets_up_and_orders_the_day():
    assert len((PACKAGE / "model.py").read_text().splitlines()) <= 500
