"""
The import contract: core library ← ETL ← app, API, reports ← command line. Every import counts:
module-level, inside functions, relative, and module names given to importlib as strings. The app,
the API and the reports are peers that do not import one another.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Source folder -> the dotted package it installs as (pyproject's package-dir).
PACKAGES = {
    "observatory": "observatory",
    "etl": "observatory.etl",
    "dashboards": "observatory.dashboards",
    "reports": "observatory.reports",
}

#: Layer of a module, by the longest matching prefix; higher may import lower, never the reverse.
LAYERS = {
    "observatory": 0,
    "observatory.etl": 1,
    "observatory.api": 2,
    "observatory.dashboards": 2,
    "observatory.reports": 2,
    "observatory.cli": 3,
}

MODULE_STRING = re.compile(r"^observatory(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*)?$")


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT)
    parts = [PACKAGES[relative.parts[0]], *relative.parts[1:]]
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> tuple[str, int] | None:
    """The layer a module of the project belongs to, or None for a module of another package."""
    matches = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    if not matches:
        return None
    prefix = max(matches, key=len)
    return prefix, LAYERS[prefix]


def imported_modules(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a module source: statements anywhere and importlib strings."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from . import ookla` imports a module too
                yield node.lineno, f"{target}.{alias.name}"
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.match(node.value)
        ):
            yield node.lineno, node.value.split(":")[0]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import of `source` (the module `module`) that runs against the contract."""
    own = layer_of(module)
    assert own is not None
    found = []
    for line, target in imported_modules(source, module, is_package):
        if target.split(".")[0] in ("etl", "dashboards", "reports"):
            found.append(f"{module}:{line} imports the generic top-level name {target!r}")
            continue
        theirs = layer_of(target)
        if theirs is None or theirs[0] == own[0]:
            continue
        if theirs[1] > own[1] or (theirs[1] == own[1] and theirs[0] != own[0]):
            found.append(f"{module}:{line} ({own[0]}) imports {target} ({theirs[0]})")
    return found


def project_modules() -> Iterator[tuple[Path, str]]:
    for folder in PACKAGES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, module_name(path)


def test_every_import_runs_down_the_layers() -> None:
    found = [
        problem
        for path, module in project_modules()
        for problem in violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from observatory.etl.jobs.build import build", "observatory.query"),
        ("def f():\n    from ...dashboards import create_app", "observatory.etl.jobs.build"),
        ("import importlib\nimportlib.import_module('observatory.reports.render')", "observatory.results"),
        ("COMMANDS = {'build': 'observatory.cli.build:build_command'}", "observatory.api.app"),
        ("from ...reports.content import gather", "observatory.dashboards.pages"),
        ("from etl.jobs import build", "observatory.cli"),
    ],
    ids=[
        "core-to-etl",
        "lazy-etl-to-app",
        "importlib-string",
        "module-string",
        "peer-app-to-reports",
        "generic-name",
    ],
)
def test_the_checker_sees_each_kind_of_backward_import(source: str, module: str) -> None:
    assert violations(source, module, is_package=module.endswith("pages"))


def test_the_checker_allows_imports_down_the_layers() -> None:
    source = "from ..etl.jobs.build import build\nfrom .. import query\nfrom ..dashboards import create_app"
    assert violations(source, "observatory.cli.serve") == []


#: The size of a room one can hold in one's head (tests and benchmarks aside).
MAX_MODULE_LINES = 900
MAX_FUNCTION_LINES = 120


def oversized(source: str, where: str) -> list[str]:
    """A module over `MAX_MODULE_LINES` lines and each function over `MAX_FUNCTION_LINES`, as 'file: what'."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{where}: {lines} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_or_function_is_too_big_to_read() -> None:
    found = [
        problem
        for path, _ in project_modules()
        for problem in oversized(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "split these along their seams:\n" + "\n".join(found)


def test_the_size_check_sees_a_long_function_and_a_long_module() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert oversized(f"def f():\n{body}\n", "m.py") == [f"m.py:1 f: {MAX_FUNCTION_LINES + 1} lines"]
    assert oversized("x = 1\n" * (MAX_MODULE_LINES + 1), "m.py") == [f"m.py: {MAX_MODULE_LINES + 1} lines"]
