"""Helpers for views: URL building, redirects, errors, responses, streaming.

``flash``/``get_flashed_messages`` (from :mod:`erlen.flashing`),
``send_file``/``send_from_directory`` (from :mod:`erlen.files`) and
``get_template_attribute`` (from :mod:`erlen.templating`) are available here
too, as in Flask.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from .ctx import after_this_request, copy_current_request_context, stream_with_context
from .globals import _NO_APP_MESSAGE, _cv_app_get, current_app
from .http.exceptions import abort as _http_abort
from .pipeline import nonblocking

if TYPE_CHECKING:
    from .http.response import Response as BaseResponse
    from .wrappers import Response

R = TypeVar("R", bound="BaseResponse")


def get_debug_flag() -> bool:
    """Whether debug mode is asked for by the ``ERLEN_DEBUG`` (or Flask's
    ``FLASK_DEBUG``) environment variable."""
    value = os.environ.get("ERLEN_DEBUG") or os.environ.get("FLASK_DEBUG") or ""
    return bool(value) and value.lower() not in {"0", "false", "no"}


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files: false when ``ERLEN_SKIP_DOTENV`` (or
    ``FLASK_SKIP_DOTENV``) is set to a true value."""
    value = os.environ.get("ERLEN_SKIP_DOTENV") or os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` (see :meth:`Erlen.url_for`).

    ``url_for("index")``, ``url_for("user_profile", username="Alice")``;
    ``".login"`` is relative to the current blueprint; unknown values become
    the query string.
    """
    # PERF: the context's app, not the current_app proxy (0.3 µs per URL).
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP_MESSAGE)
    return ctx.app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


@overload
def redirect(location: str, code: int = 302, Response: None = None) -> Response: ...
@overload
def redirect(location: str, code: int = 302, *, Response: type[R]) -> R: ...
@overload
def redirect(location: str, code: int, Response: type[R]) -> R: ...
def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """Return a response redirecting to ``location`` (302 by default)::

        return redirect(url_for("index"))

    Inside an app context the app's :meth:`~erlen.Erlen.redirect` makes it
    (an ``app.response_class``); ``Response`` picks another response class.
    """
    if Response is None:
        app_ctx = _cv_app_get(None)
        if app_ctx is not None:
            return app_ctx.app.redirect(location, code=code)
    # COMPAT(flask): Flask ignores ``Response`` inside an app context; erlen
    # honours it, so the returned object is the class the caller asked for.
    from .app import _build_redirect

    return _build_redirect(location, code, Response)


def abort(code: int | BaseResponse, *args: Any, **kwargs: Any) -> NoReturn:
    """Stop the request with an HTTP error: ``abort(401)``, ``abort(404,
    "No such user.")``, or ``abort(response)`` to send that response."""
    app_ctx = _cv_app_get(None)
    if app_ctx is not None:
        app_ctx.app.aborter(code, *args, **kwargs)
    _http_abort(code, *args, **kwargs)


def make_response(*args: Any) -> Response:
    """Turn a view's return value into a response object, to change it before
    returning it::

        response = make_response(render_template("index.html"))
        response.headers["X-Parachutes"] = "parachutes are cool"
        return response

    With no arguments it returns an empty response; with several it treats
    them as a tuple return value.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def get_root_path(import_name: str) -> str:
    """Return the folder of the module or package ``import_name``: where an
    app or blueprint looks for its templates, static files and resources.
    Falls back to the current working directory."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None) if module is not None else None
    if filename is not None:
        return os.path.dirname(os.path.abspath(str(filename)))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.loader is None:
        return os.getcwd()
    origin = spec.origin
    if origin is None or origin in {"namespace", "built-in", "frozen"}:
        raise RuntimeError(
            f"No root path can be found for {import_name!r}: it has no file (a namespace"
            " package or a module from an import hook). Pass 'root_path' explicitly."
        )
    return os.path.dirname(os.path.abspath(origin))


def _find_package(import_name: str) -> tuple[str | None, str]:
    """Return ``(install prefix or None, folder the top-level package is
    imported from)`` for ``import_name``."""
    root_name = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(root_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        package_path = os.getcwd()
    elif spec.submodule_search_locations:
        if spec.origin is None or spec.origin == "namespace":
            package_path = os.path.dirname(next(iter(spec.submodule_search_locations)))
        else:
            package_path = os.path.dirname(os.path.dirname(spec.origin))
    elif spec.origin is not None:
        package_path = os.path.dirname(spec.origin)
    else:
        package_path = os.getcwd()

    prefix = os.path.abspath(sys.prefix)
    if os.path.abspath(package_path).startswith(prefix + os.sep):
        return prefix, package_path
    parent, folder = os.path.split(package_path)
    if folder.lower() == "site-packages":
        lib_parent, lib = os.path.split(parent)
        if lib.lower() == "lib":
            return lib_parent, package_path
        if os.path.basename(lib_parent).lower() == "lib":
            return os.path.dirname(lib_parent), package_path
        return parent, package_path
    return None, package_path


_LAZY = {
    "flash": "erlen.flashing",
    "get_flashed_messages": "erlen.flashing",
    "send_file": "erlen.files",
    "send_from_directory": "erlen.files",
    "get_template_attribute": "erlen.templating",
}


def __getattr__(name: str) -> Any:
    # The modules behind these names import the app machinery; loading them
    # on first use keeps ``erlen.helpers`` importable on its own.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ = [  # noqa: F822 (the lazily imported names are in _LAZY)
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "nonblocking",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
