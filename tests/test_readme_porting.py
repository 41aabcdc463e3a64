"""README "Porting from Flask": every erlen module and name its table points
to exists, so the porting guide cannot drift from the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def porting_rows() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Porting from Flask", 1)[1].split("\n## ", 1)[0]
    # The map itself, not the subsections after it (their tables list extensions).
    section = section.split("\n### ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `") or line.startswith("| flask") or line.startswith("| werkzeug"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows.append((cells[0], cells[1]))
    return rows


def erlen_targets(cell: str) -> list[str]:
    """The dotted erlen names in a table cell (modules or module attributes)."""
    return [name for name in re.findall(r"`([^`]+)`", cell) if name.startswith("erlen")]


def test_the_table_is_there() -> None:
    assert len(porting_rows()) >= 20


def module_of(target: str) -> object:
    """The module ``target`` names, or the module holding the attribute it names."""
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError:
        module_name, _, attribute = target.rpartition(".")
        module = importlib.import_module(module_name)
        assert hasattr(module, attribute), target
        return module


@pytest.mark.parametrize(("flask_side", "erlen_side"), porting_rows())
def test_every_erlen_name_exists(flask_side: str, erlen_side: str) -> None:
    targets = erlen_targets(erlen_side)
    assert targets, erlen_side
    modules = [module_of(target) for target in targets]
    # Class names listed bare after a dotted one ("`erlen.testing.ErlenClient`,
    # `ErlenCliRunner`") belong to the same module.
    for bare in re.findall(r"`([A-Z][A-Za-z_]+)`", erlen_side):
        assert hasattr(modules[0], bare), (bare, erlen_side)
