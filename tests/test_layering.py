"""The layers of DESIGN.md: a module imports only its own layer or those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "erlen"

#: Lower number = lower layer. The package root counts as the batteries' layer
#: because the batteries are written against the public API, exactly as a
#: third-party extension would import it.
HTTP, CONTEXTS_ROUTING, PROTOCOL, FRAMEWORK, BATTERIES = range(5)


def layer_of(module: str) -> int:
    parts = module.split(".")
    assert parts[0] == "erlen", module
    if len(parts) == 1:
        return BATTERIES
    head = parts[1]
    if head == "http":
        return HTTP
    if head in {"local", "routing"}:
        return CONTEXTS_ROUTING
    if head in {"adapters", "serving"}:
        return PROTOCOL
    if head == "ext":
        return BATTERIES
    return FRAMEWORK


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    # `from . import x` names submodules (or package attributes).
                    found.extend((node.lineno, f"{target}.{a.name}") for a in node.names)
                    continue
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return [(line, mod) for line, mod in found if mod == "erlen" or mod.startswith("erlen.")]


def resolve(module: str) -> str:
    """Trim a dotted name to the module or package file that exists."""
    parts = module.split(".")
    while len(parts) > 1:
        candidate = SRC.parent.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    # A module that does not exist (yet) is judged by its name.
    return module if module.count(".") else "erlen"


def all_modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_source_tree_is_found() -> None:
    assert (SRC / "http" / "exceptions.py").exists()


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_import(path: Path) -> None:
    own = layer_of(module_name(path))
    upward = [
        f"line {line}: {target}"
        for line, target in imported_modules(path)
        if layer_of(resolve(target)) > own
    ]
    assert not upward, f"{module_name(path)} imports from a higher layer: {upward}"


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    assert layer_of("erlen.app") > layer_of("erlen.http.request")
    assert layer_of("erlen.ext.cors") > layer_of("erlen.app")
    assert layer_of("erlen") > layer_of("erlen.app")
