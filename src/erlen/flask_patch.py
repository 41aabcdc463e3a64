"""Unmodified Flask extensions on erlen: ``import flask`` gives erlen.

Import this module once, before anything that imports ``flask`` or
``werkzeug``::

    import erlen.flask_patch  # noqa: F401  (first)
    from flask_caching import Cache  # Flask-Caching, unchanged, on erlen

From then on ``flask`` is the ``erlen`` package (``flask.Flask`` is
:class:`erlen.Erlen`), ``flask.sessions`` is :mod:`erlen.sessions`, and so on
for every module in README "Porting from Flask"; ``werkzeug`` and its
modules are erlen's toolkit (``werkzeug.exceptions`` is
:mod:`erlen.http.exceptions`). An extension written against Flask's public
API then runs on erlen as it is. Names erlen has no counterpart for fail as
they would on a Flask without them: ``import flask.foo`` raises
:exc:`ModuleNotFoundError` naming erlen, ``from flask import foo`` raises
:exc:`ImportError`.

The modules are the erlen modules themselves, not copies, so state an
extension sets on them (``flask.json.provider`` defaults, signals) is
erlen's. A module is loaded when first imported. Importing this module after
the real Flask or Werkzeug was imported raises :exc:`ImportError`: the
process would then hold two frameworks.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

__all__ = ["ALIASES", "MODULES", "install", "namespace"]

#: Each Flask or Werkzeug module and the erlen modules that give its names.
#: One source: that module itself. Several: a module with their names, the
#: first source winning (``"module:name"`` takes that one name only).
MODULES: dict[str, tuple[str, ...]] = {
    "flask": ("erlen",),
    "flask.app": ("erlen.app",),
    "flask.blueprints": ("erlen.blueprints",),
    "flask.cli": ("erlen.cli",),
    "flask.config": ("erlen.config",),
    "flask.ctx": ("erlen.ctx",),
    "flask.debughelpers": ("erlen.debughelpers",),
    "flask.globals": ("erlen.globals",),
    "flask.helpers": ("erlen.helpers",),
    "flask.json": ("erlen.json",),
    "flask.json.provider": ("erlen.json.provider",),
    "flask.json.tag": ("erlen.json.tag",),
    "flask.logging": ("erlen.logging",),
    # Flask 3's sans-io bases (App, Scaffold, Blueprint): erlen's classes are
    # one layer, the same for WSGI and ASGI.
    "flask.sansio": (),
    "flask.sansio.app": ("erlen.app",),
    "flask.sansio.blueprints": ("erlen.blueprints",),
    "flask.sansio.scaffold": ("erlen.scaffold",),
    "flask.sessions": ("erlen.sessions",),
    "flask.signals": ("erlen.signals",),
    "flask.templating": ("erlen.templating",),
    "flask.testing": ("erlen.testing",),
    "flask.typing": ("erlen.typing",),
    "flask.views": ("erlen.views",),
    "flask.wrappers": ("erlen.wrappers",),
    "werkzeug": ("erlen.http",),
    # EnvironHeaders reads a WSGI environ: erlen keeps it with the WSGI adapter.
    "werkzeug.datastructures": ("erlen.http.datastructures", "erlen.adapters.wsgi:EnvironHeaders"),
    "werkzeug.datastructures.structures": ("erlen.http.datastructures",),
    # Werkzeug's debugger: erlen's traceback page, without a console
    # (Flask-SocketIO imports DebuggedApplication at import time).
    "werkzeug.debug": ("erlen.serving.debug",),
    "werkzeug.exceptions": ("erlen.http.exceptions",),
    "werkzeug.formparser": ("erlen.http.formparser",),
    "werkzeug.http": ("erlen.http.headers", "erlen.http.cookies"),
    "werkzeug.local": ("erlen.local",),
    "werkzeug.middleware": ("erlen.middleware",),
    "werkzeug.middleware.dispatcher": ("erlen.middleware",),
    "werkzeug.middleware.profiler": ("erlen.middleware",),
    "werkzeug.middleware.proxy_fix": ("erlen.middleware",),
    "werkzeug.middleware.shared_data": ("erlen.middleware",),
    "werkzeug.routing": ("erlen.routing",),
    "werkzeug.sansio": (),
    "werkzeug.sansio.request": ("erlen.http.request",),
    "werkzeug.sansio.response": ("erlen.http.response",),
    "werkzeug.security": ("erlen.http.security",),
    "werkzeug.serving": ("erlen.serving",),
    "werkzeug.test": ("erlen.testing",),
    "werkzeug.urls": ("erlen.http.urls",),
    "werkzeug.utils": ("erlen.http.utils",),
    "werkzeug.wrappers": ("erlen.http.request", "erlen.http.response"),
    "werkzeug.wrappers.request": ("erlen.http.request",),
    "werkzeug.wrappers.response": ("erlen.http.response",),
    "werkzeug.wsgi": ("erlen.http.wsgi",),
    # Private, but Flask-SocketIO imports run_with_reloader from it at import
    # time: erlen's reloader has Werkzeug's signature.
    "werkzeug._reloader": ("erlen.serving.reloader",),
    # Private too: only its _log (see _werkzeug_log), which socketio.run()
    # calls to warn before it starts the development server.
    "werkzeug._internal": (),
}

#: Flask's class names, set beside erlen's in the modules that have them.
ALIASES: dict[str, str] = {
    "Flask": "Erlen",
    "FlaskClient": "ErlenClient",
    "FlaskCliRunner": "ErlenCliRunner",
    "FlaskGroup": "ErlenGroup",
}

_ROOTS = ("flask", "werkzeug")

#: Names whose submodules map elsewhere than the erlen module's own
#: submodules: built as modules of their own, so that the import system,
#: which binds each submodule on its parent, never rebinds an erlen name
#: (``werkzeug.datastructures`` on ``erlen.http`` would hide the real one).
_NAMESPACES = frozenset({"werkzeug", "werkzeug.middleware"})


class _RequestContextVar:
    """Flask's private ``flask.globals._cv_request``, which some extensions
    read (``_cv_request.get(None)``): erlen keeps the request context in
    ``_cv_app``, so this answers from there."""

    def get(self, default: Any = None) -> Any:
        from .globals import _request_ctx

        ctx = _request_ctx()
        return default if ctx is None else ctx


def _werkzeug_log(kind: str, message: str, *args: Any, **kwargs: Any) -> None:
    """Werkzeug's private ``_log(type, message, *args)``: a record of level
    ``kind`` ("info", "warning", ...) on the development server's logger,
    ``erlen.serving``, which shows on stderr unless logging says otherwise."""
    from .serving.server import _ensure_log_handler, _logger

    _ensure_log_handler()
    getattr(_logger, kind)(message.rstrip(), *args, **kwargs)


class _Namespace(types.ModuleType):
    """A module of its own for a Flask or Werkzeug name that reads, beside
    its copied names, the names its first source loads lazily (``from
    werkzeug import Request``)."""

    _source: types.ModuleType | None = None

    def __getattr__(self, name: str) -> Any:
        if self._source is None or name.startswith("__"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        try:
            return getattr(self._source, name)
        except AttributeError:
            raise AttributeError(
                f"module {self.__name__!r} has no attribute {name!r}", name=name, obj=self
            ) from None


def namespace(name: str, sources: Sequence[str]) -> types.ModuleType:
    """A module of its own named ``name`` holding the names of ``sources``
    (the first source winning; ``"module:name"`` takes that one name), and
    reading the first source's lazily loaded names too. A package, so that
    submodules import below it."""
    module = _Namespace(name)
    if sources and ":" not in sources[0]:
        module._source = importlib.import_module(sources[0])
    module.__path__ = []
    for source in sources:
        source_name, _, only = source.partition(":")
        for key, value in vars(importlib.import_module(source_name)).items():
            if not key.startswith("__") and only in ("", key):
                module.__dict__.setdefault(key, value)
    return module


def _build(name: str, sources: Sequence[str]) -> types.ModuleType:
    if len(sources) == 1 and ":" not in sources[0] and name not in _NAMESPACES:
        module = importlib.import_module(sources[0])
    else:
        module = namespace(name, sources)
    _add_flask_names(name, module)
    return module


def _add_flask_names(name: str, module: types.ModuleType) -> None:
    """Flask's names for erlen's: the class aliases, ``_cv_request``, ``App``,
    Werkzeug's ``_log``."""
    for alias, target in ALIASES.items():
        if alias not in vars(module) and hasattr(module, target):
            setattr(module, alias, getattr(module, target))
    if name == "flask.globals" and "_cv_request" not in vars(module):
        module._cv_request = _RequestContextVar()  # type: ignore[attr-defined]
    if name == "werkzeug._internal" and "_log" not in vars(module):
        module._log = _werkzeug_log  # type: ignore[attr-defined]
    if name in ("flask.app", "flask.sansio.app") and "App" not in vars(module):
        # Flask's base of Flask, which extensions name in annotations.
        module.App = module.Erlen  # type: ignore[attr-defined]


class _Loader(importlib.abc.Loader):
    """Hands the import system the erlen module for a Flask or Werkzeug name."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.own_spec = getattr(module, "__spec__", None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system just set the alias's spec on the module: an erlen
        # module keeps its own (reload, pickling and -m read it).
        if self.own_spec is not None:
            module.__spec__ = self.own_spec


class _Finder(importlib.abc.MetaPathFinder):
    """Answers ``flask``, ``werkzeug`` and their submodules from :data:`MODULES`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in _ROOTS:
            return None
        sources = MODULES.get(fullname)
        if sources is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: erlen.flask_patch maps Flask's and"
                " Werkzeug's public modules to erlen, and erlen has no counterpart"
                " for this one (README: Porting from Flask).",
                name=fullname,
            )
        module = _build(fullname, sources)
        return importlib.machinery.ModuleSpec(
            fullname, _Loader(module), is_package=hasattr(module, "__path__")
        )


def install() -> None:
    """Make ``flask`` and ``werkzeug`` import as erlen (done on import of
    this module; calling it again does nothing)."""
    if any(isinstance(finder, _Finder) for finder in sys.meta_path):
        return
    for root in _ROOTS:
        loaded = sys.modules.get(root)
        if loaded is not None:
            raise ImportError(
                f"erlen.flask_patch must be imported before {root!r}: the real {root}"
                f" is already imported ({getattr(loaded, '__file__', loaded)!r}), and"
                " extensions would mix the two frameworks. Import erlen.flask_patch"
                " first, before any Flask extension."
            )
    sys.meta_path.insert(0, _Finder())
    # `import flask` alone makes these reachable as attributes (flask.Flask,
    # flask.globals._cv_request) without their import reaching the finder.
    from . import globals as erlen_globals

    _add_flask_names("flask", sys.modules["erlen"])
    _add_flask_names("flask.globals", erlen_globals)


install()
