"""Pytest plugin: ``flask``, ``werkzeug`` and the extensions' modules are
erlen's while another project's test suite runs (``-p flask_as_erlen``).

The names follow README "Porting from Flask". A module that maps to one erlen
module is that module itself (so a test's ``monkeypatch.setattr`` on it
reaches erlen); one that maps to several is a new module with their names
(``"module:name"`` takes that one name).
Flask's class names (``Flask``, ``FlaskClient``...) are added as aliases of
erlen's.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import pytest_compat  # noqa: F401  - the suites' old pytest names

MODULES: dict[str, list[str]] = {
    "flask": ["erlen"],
    "flask.app": ["erlen.app"],
    "flask.blueprints": ["erlen.blueprints"],
    "flask.cli": ["erlen.cli"],
    "flask.config": ["erlen.config"],
    "flask.ctx": ["erlen.ctx"],
    "flask.debughelpers": ["erlen.debughelpers"],
    "flask.globals": ["erlen.globals"],
    "flask.helpers": ["erlen.helpers"],
    "flask.json": ["erlen.json"],
    "flask.json.provider": ["erlen.json.provider"],
    "flask.json.tag": ["erlen.json.tag"],
    "flask.logging": ["erlen.logging"],
    "flask.sessions": ["erlen.sessions"],
    "flask.signals": ["erlen.signals"],
    "flask.templating": ["erlen.templating"],
    "flask.testing": ["erlen.testing"],
    "flask.views": ["erlen.views"],
    "flask.wrappers": ["erlen.wrappers"],
    "werkzeug": ["erlen.http"],
    # EnvironHeaders reads a WSGI environ: erlen keeps it with the WSGI adapter.
    "werkzeug.datastructures": [
        "erlen.http.datastructures",
        "erlen.adapters.wsgi:EnvironHeaders",
    ],
    "werkzeug.datastructures.structures": ["erlen.http.datastructures"],
    "werkzeug.exceptions": ["erlen.http.exceptions"],
    "werkzeug.formparser": ["erlen.http.formparser"],
    "werkzeug.http": ["erlen.http.headers", "erlen.http.cookies"],
    "werkzeug.local": ["erlen.local"],
    "werkzeug.middleware": ["erlen.middleware"],
    "werkzeug.middleware.dispatcher": ["erlen.middleware"],
    "werkzeug.middleware.profiler": ["erlen.middleware"],
    "werkzeug.middleware.proxy_fix": ["erlen.middleware"],
    "werkzeug.middleware.shared_data": ["erlen.middleware"],
    "werkzeug.routing": ["erlen.routing"],
    "werkzeug.sansio": [],
    "werkzeug.sansio.request": ["erlen.http.request"],
    "werkzeug.security": ["erlen.http.security"],
    "werkzeug.serving": ["erlen.serving"],
    "werkzeug.test": ["erlen.testing"],
    "werkzeug.urls": ["erlen.http.urls"],
    "werkzeug.utils": ["erlen.http.utils"],
    "werkzeug.wrappers": ["erlen.http.request", "erlen.http.response"],
    "werkzeug.wsgi": ["erlen.http.wsgi"],
}

#: Werkzeug's private names that its tests import at the top of a module
#: erlen has no counterpart for: each becomes a stand-in that raises when
#: used, so the module's other tests still run. Those modules are namespaces
#: of their own (a copy of the erlen module's names), not erlen's module.
PRIVATE: dict[str, list[str]] = {
    "werkzeug._internal": ["_wsgi_encoding_dance"],
    "werkzeug.datastructures.structures": ["_ImmutableOrderedMultiDict", "_OrderedMultiDict"],
    "werkzeug.wsgi": ["_RangeWrapper"],
}

ALIASES = {
    "Flask": "Erlen",
    "FlaskClient": "ErlenClient",
    "FlaskCliRunner": "ErlenCliRunner",
    "FlaskGroup": "ErlenGroup",
}


class _RequestContextVar:
    """Flask's private ``flask.globals._cv_request``, which Flask's tests read:
    erlen keeps the request context in ``_cv_app`` (README)."""

    def get(self, default: Any = None) -> Any:
        from erlen.globals import _request_ctx

        ctx = _request_ctx()
        return default if ctx is None else ctx


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
    if len(sources) == 1 and name not in PRIVATE:
        module = importlib.import_module(sources[0])
    else:
        module = types.ModuleType(name)
        module.__path__ = []  # a package, so that submodules import
        for source in sources:
            source, _, only = source.partition(":")  # "module:name": that name only
            for key, value in vars(importlib.import_module(source)).items():
                if not key.startswith("__") and only in ("", key):
                    module.__dict__.setdefault(key, value)
    for private in PRIVATE.get(name, ()):
        module.__dict__.setdefault(private, _NotInErlen(f"{name}.{private}"))
    for alias, target in ALIASES.items():
        if hasattr(module, target) and not hasattr(module, alias):
            setattr(module, alias, getattr(module, target))
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _extension_modules() -> dict[str, list[str]]:
    """The extensions' module maps, from the ``ext_*.py`` files beside this
    one (``MODULES = {"flask_login": ["erlen.ext.login"], ...}``)."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("ext_*.py")):
        out.update(importlib.import_module(path.stem).MODULES)
    return out


def install() -> None:
    modules = {**{name: [] for name in PRIVATE}, **MODULES, **_extension_modules()}
    for name in sorted(modules):
        _install(name, modules[name])
    sys.modules["flask.globals"]._cv_request = _RequestContextVar()  # type: ignore[attr-defined]


install()


@pytest.fixture(autouse=True)
def _erlen_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the suites' conftest does for ``FLASK_*``, for erlen's names: a
    test that ran the CLI must not leave ``ERLEN_RUN_FROM_CLI`` behind."""
    for key in ("ERLEN_APP", "ERLEN_DEBUG", "ERLEN_RUN_FROM_CLI", "ERLEN_ENV_FILE"):
        monkeypatch.delenv(key, raising=False)
