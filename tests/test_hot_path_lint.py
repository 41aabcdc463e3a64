"""Static checks that keep the per-request code friendly to CPython 3.11's
specialising interpreter.

3.11 compiles ``name.method(...)`` for a name bound by an import as an
attribute load followed by a call (the form meant for modules). On a context
variable that load is never specialised and makes a bound method object on
every call, about 500 instructions each: four of them per request cost hello
world 3% of its time. erlen binds the methods once (``_cv_app_get`` and its
siblings) and calls those.
"""

from __future__ import annotations

import ast
import contextvars
import importlib
import pkgutil
from pathlib import Path

import erlen

SRC = Path(erlen.__file__).parent


def _modules() -> list[str]:
    names = ["erlen"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="erlen."):
        if not info.name.endswith("__main__"):  # importing it runs the CLI
            names.append(info.name)
    return names


def _imported_context_vars(tree: ast.Module, module: object) -> set[str]:
    """Names bound by a module-level ``from ... import`` whose value is a ContextVar."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                value = getattr(module, bound, None)
                if isinstance(value, contextvars.ContextVar):
                    names.add(bound)
    return names


def _method_calls_on(tree: ast.Module, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in names
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}()")
    return found


def test_no_method_call_on_an_imported_context_variable() -> None:
    offenders: dict[str, list[str]] = {}
    checked = 0
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError:
            # An optional battery whose dependency is not installed.
            continue
        source = getattr(module, "__file__", None)
        if not source or not source.endswith(".py"):
            continue
        tree = ast.parse(Path(source).read_text(encoding="utf-8"))
        names = _imported_context_vars(tree, module)
        checked += 1
        calls = _method_calls_on(tree, names)
        if calls:
            offenders[name] = calls
    # The check read erlen's modules (not an empty walk).
    assert checked >= 50
    assert offenders == {}, (
        "call the bound aliases (erlen.globals._cv_app_get, ...) instead: " + repr(offenders)
    )


def test_the_check_finds_a_method_call_on_an_imported_context_variable() -> None:
    # The detector itself, on a module shaped like the ones it guards.
    source = "from erlen.globals import _cv_app\n\ndef f():\n    return _cv_app.get(None)\n"
    tree = ast.parse(source)

    class Module:
        _cv_app = erlen.globals._cv_app

    names = _imported_context_vars(tree, Module)
    assert names == {"_cv_app"}
    assert _method_calls_on(tree, names) == ["line 4: _cv_app.get()"]
