"""How the apps import each other: pairs of apps with imports between them, imports that run upward against
the layers of pyproject.toml's import-linter contract, circles between apps, and imports made inside
functions. Tests, test factories, migrations and the project's urls.py (the composition root) are left out.

    .venv/bin/python scripts/import_report.py            # the summary
    .venv/bin/python scripts/import_report.py --list     # and every upward import
    .venv/bin/python scripts/import_report.py --root /path/to/another/checkout   # its code, these layers
"""

from __future__ import annotations

import ast
import itertools
import pathlib
import sys
import tomllib

import grimp

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _skipped(module: str) -> bool:
    parts = module.split(".")
    return (
        "tests" in parts
        or "migrations" in parts
        or parts[-1] in ("factories", "conftest")
        or module == "aftersales.urls"
    )


def _function_level_imports(root: pathlib.Path, packages) -> int:
    count = 0
    for package in packages:
        for path in (root / package).rglob("*.py"):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            if _skipped(module):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    count += sum(
                        1
                        for inner in ast.walk(node)
                        if isinstance(inner, ast.ImportFrom)
                        and inner.level == 0
                        and inner.module
                        and inner.module.split(".")[0] in packages
                        or isinstance(inner, ast.ImportFrom)
                        and inner.level > 0
                    )
    return count


def main() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = list(reversed(config["contracts"][0]["layers"]))  # bottom first
    root = pathlib.Path(sys.argv[sys.argv.index("--root") + 1]).resolve() if "--root" in sys.argv else ROOT
    packages = [p for p in config["root_packages"] if (root / p).is_dir()]
    sys.path.insert(0, str(root))
    graph = grimp.build_graph(*packages, include_external_packages=False)
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for module in graph.modules:
        if _skipped(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split(".")[0], imported.split(".")[0]
            if a != b and not _skipped(imported):
                edges.setdefault((a, b), []).append((module, imported))
    rank = {name: i for i, name in enumerate(layers)}
    upward = sorted(
        (m, i) for (a, b), pairs in edges.items() if rank.get(a, -1) < rank.get(b, -1) for m, i in pairs
    )
    pairs = {frozenset(k) for k in edges}
    mutual = {frozenset(k) for k in edges if (k[1], k[0]) in edges}
    # Circles between apps: strongly connected groups of the app graph.
    apps = sorted({a for k in edges for a in k})
    reach = {a: {b for (x, b) in edges if x == a} for a in apps}
    for _ in apps:
        for a in apps:
            reach[a] |= set(itertools.chain.from_iterable(reach[b] for b in reach[a]))
    circles = sorted(
        {tuple(sorted(b for b in apps if a in reach[b] and b in reach[a])) for a in apps if a in reach[a]}
    )
    print(
        f"apps: {len(packages)} ({', '.join(packages)}); possible pairs: {len(packages) * (len(packages) - 1) // 2}"
    )
    print(
        f"pairs of apps with imports between them: {len(pairs)}; importing each other both ways: {len(mutual)}"
    )
    print(f"imports running upward (against {' < '.join(layers)}): {len(upward)}")
    print(f"circles between apps: {len(circles)} {[' ↔ '.join(c) for c in circles]}")
    print(f"imports inside functions: {_function_level_imports(root, packages)}")
    if "--list" in sys.argv:
        for module, imported in upward:
            print(f"  up: {module} -> {imported}")


if __name__ == "__main__":
    main()
