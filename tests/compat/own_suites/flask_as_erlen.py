"""Pytest plugin: ``flask``, ``werkzeug`` and the extensions' modules are
erlen's while another project's test suite runs (``-p flask_as_erlen``).

``flask`` and ``werkzeug`` come from :mod:`erlen.flask_patch`, the shim a
user imports to run unmodified Flask extensions on erlen (README "Porting
from Flask" is its map). On top of it, this plugin maps the extensions'
modules to erlen's batteries (the ``ext_*.py`` files beside it: one module
is that module itself, several a new module with their names, and
``"module:name"`` takes that one name), and gives the private Werkzeug
names some tests import a stand-in that fails only the tests using it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_compat  # noqa: F401  - the suites' old pytest names

#: Werkzeug's private names that its tests import at the top of a module
#: erlen has no counterpart for: each becomes a stand-in that raises when
#: used, so the module's other tests still run. Those modules are namespaces
#: of their own (a copy of the erlen module's names), not erlen's module.
PRIVATE: dict[str, list[str]] = {
    "werkzeug._internal": ["_wsgi_encoding_dance"],
    "werkzeug.datastructures.structures": ["_ImmutableOrderedMultiDict", "_OrderedMultiDict"],
    "werkzeug.wsgi": ["_RangeWrapper"],
}


class _NotInErlen:
    """A private Werkzeug name erlen does not have: fails the test using it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{self._name} is Werkzeug's private internal, not in erlen")

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise NotImplementedError(f"{self._name} is Werkzeug's private internal, not in erlen")


def _install(name: str, sources: list[str]) -> None:
    from erlen.flask_patch import namespace

    if len(sources) == 1 and name not in PRIVATE:
        module = importlib.import_module(sources[0])
    else:
        module = namespace(name, sources)
    for private in PRIVATE.get(name, ()):
        module.__dict__.setdefault(private, _NotInErlen(f"{name}.{private}"))
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, module)


def _extension_modules() -> dict[str, list[str]]:
    """The extensions' module maps, from the ``ext_*.py`` files beside this
    one (``MODULES = {"flask_login": ["erlen.ext.login"], ...}``)."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("ext_*.py")):
        out.update(importlib.import_module(path.stem).MODULES)
    return out


def install() -> None:
    # Flask's and Werkzeug's modules: erlen.flask_patch, the shim users import.
    import erlen.flask_patch  # noqa: F401

    for name in sorted(PRIVATE):
        _install(name, list(flask_patch_sources(name)))
    extensions = _extension_modules()
    for name in sorted(extensions):
        _install(name, extensions[name])


def flask_patch_sources(name: str) -> tuple[str, ...]:
    from erlen.flask_patch import MODULES

    return MODULES.get(name, ())


install()


@pytest.fixture(autouse=True)
def _erlen_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the suites' conftest does for ``FLASK_*``, for erlen's names: a
    test that ran the CLI must not leave ``ERLEN_RUN_FROM_CLI`` behind."""
    for key in ("ERLEN_APP", "ERLEN_DEBUG", "ERLEN_RUN_FROM_CLI", "ERLEN_ENV_FILE"):
        monkeypatch.delenv(key, raising=False)
