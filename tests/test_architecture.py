"""The arrangement of the code holds: small modules, imports inside functions only with their reason, and
the README's list of layers the same as the import-linter contract that `make test` enforces."""

import ast
import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600


def _python_files():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / f for f in listed if "/migrations/" not in f and (ROOT / f).is_file()]


def _contract():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_no_module_is_longer_than_six_hundred_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_an_import_inside_a_function_says_why():
    apps = set(_contract()["root_packages"])
    silent = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.split("/")[0] not in apps or "/tests/" in rel or rel.endswith(("factories.py", "conftest.py")):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    # The reason stands on the line, or in the comment right above the block of imports.
                    above = node.lineno - 2
                    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                        above -= 1
                    if "#" not in lines[node.lineno - 1] and not lines[above].strip().startswith("#"):
                        silent.append(f"{rel}:{node.lineno}")
    assert silent == []


def test_the_readme_lists_the_layers_of_the_contract_bottom_first():
    layers = list(reversed(_contract()["contracts"][0]["layers"]))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Layers.**") : readme.index("**Domain events.**")]
    listed = re.findall(r"^\d+\. `([a-z_]+)`", section, flags=re.M)
    assert listed == layers
