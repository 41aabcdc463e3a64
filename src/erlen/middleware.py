"""Middleware in Werkzeug's role, for WSGI and ASGI alike.

Each class wraps an application and is itself one. Called with
``(environ, start_response)`` it is WSGI middleware, with ``(scope,
receive, send)`` ASGI middleware, so one wrapped erlen app still serves
both::

    from erlen.middleware import DispatcherMiddleware, ProxyFix

    app = ProxyFix(DispatcherMiddleware(site, {"/api": api}), x_for=1, x_proto=1)

Under WSGI every wrapped application must speak WSGI, under ASGI every one
ASGI (an erlen app speaks both).

Wrap the app object itself, not ``app.wsgi_app``: an ASGI server calls the
app's ASGI side, which does not go through ``wsgi_app`` (erlen logs a
warning at startup when ``wsgi_app`` was replaced and the app is served
over ASGI). For a proxy in front of one app, the ``PROXY_FIX`` config key
does what :class:`ProxyFix` does, on both protocols, without a wrapper.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .adapters.asgi import _relative_path, fix_forwarded_scope
from .adapters.wsgi import fix_forwarded_environ
from .app import _asgi_signature, mark_dual_protocol
from .http.exceptions import HTTPException

__all__ = ["DispatcherMiddleware", "ProxyFix"]

_ASGI_REWRITTEN = ("http", "websocket")


def _wsgi_call(app: Any, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    return app(environ, start_response)  # type: ignore[no-any-return]


class _DualProtocol:
    """A WSGI application when called with two arguments, an ASGI one with
    three; servers that inspect it see an ASGI 3 application (as the app)."""

    def __call__(self, *args: Any) -> Any:
        if len(args) == 2:
            return self._wsgi(*args)
        if len(args) == 3:
            return self._asgi(*args)
        raise TypeError(
            "Middleware is called as (environ, start_response) or (scope, receive, send),"
            f" not with {len(args)} arguments."
        )

    if sys.version_info < (3, 12):
        # COMPAT(asgi): see Erlen: hypercorn's ASGI 3 test on 3.11 wants a
        # function-like object whose code is a coroutine's.
        __code__ = _asgi_signature.__code__
        __defaults__ = None
        __kwdefaults__ = None
        __name__ = property(lambda self: type(self).__name__)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise NotImplementedError

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raise NotImplementedError


mark_dual_protocol(_DualProtocol.__call__)


class ProxyFix(_DualProtocol):
    """Trust the ``X-Forwarded-*`` headers set by the proxies in front of
    ``app``, as Werkzeug's ``ProxyFix`` (same arguments): each count is how
    many proxies set that header, 0 ignores it. The client address, the
    scheme, the host (and port) and the mount point (``X-Forwarded-Prefix``)
    then are the client's, as :func:`erlen.http.proxy.resolve_forwarded`
    reads them. The values replaced are kept in
    ``environ["erlen.proxy_fix.orig"]`` (WSGI) or
    ``scope["erlen.proxy_fix.orig"]`` (ASGI).

    SECURITY: trust only as many proxies as are really in front of the app;
    a header with fewer values than trusted is ignored, since a client could
    have written it.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    @property
    def _counts(self) -> dict[str, int]:
        return {
            "x_for": self.x_for,
            "x_proto": self.x_proto,
            "x_host": self.x_host,
            "x_port": self.x_port,
            "x_prefix": self.x_prefix,
        }

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            fix_forwarded_environ(environ, self._counts)
        except HTTPException as e:
            # A mount point (SCRIPT_NAME) that is not UTF-8.
            return e.get_response()(environ, start_response)
        return _wsgi_call(self.app, environ, start_response)

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") in _ASGI_REWRITTEN:
            scope = fix_forwarded_scope(scope, self._counts)
        return self.app(scope, receive, send)


class DispatcherMiddleware(_DualProtocol):
    """Send each request to the application mounted at the longest prefix
    of its path, else to ``app``, as Werkzeug's ``DispatcherMiddleware``::

        DispatcherMiddleware(frontend, {"/api": api, "/admin": admin})

    The mounted app sees the prefix as its mount point (``SCRIPT_NAME``,
    ASGI ``root_path``) and the rest as its path, so its ``url_for`` builds
    URLs under the prefix. A prefix matches whole segments: ``/api`` serves
    ``/api`` and ``/api/x``, not ``/apix``. Under ASGI the lifespan events
    go to ``app`` only; a mounted erlen app starts with its first request.
    """

    def __init__(self, app: Callable[..., Any], mounts: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.mounts: dict[str, Any] = dict(mounts or {})

    def _route(self, path: str) -> tuple[Any, str, str]:
        """The app for ``path`` (below the current mount point), its prefix
        and the path left for it."""
        script = path
        rest = ""
        while "/" in script:
            mounted = self.mounts.get(script)
            if mounted is not None:
                return mounted, script, rest
            script, last = script.rsplit("/", 1)
            rest = f"/{last}{rest}"
        mounted = self.mounts.get(script)
        if mounted is not None:
            return mounted, script, rest
        return self.app, "", path

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # Prefixes are text: PATH_INFO is decoded (PEP 3333 carries the
        # path's bytes as latin-1), so "/café" mounts work as under ASGI.
        app, script, rest = self._route(_from_wsgi_text(environ.get("PATH_INFO", "")))
        if script:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + _wsgi_text(script)
            environ["PATH_INFO"] = _wsgi_text(rest)
        return _wsgi_call(app, environ, start_response)

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") not in _ASGI_REWRITTEN:
            return self.app(scope, receive, send)
        root_path = (scope.get("root_path") or "").rstrip("/")
        path = _relative_path(scope.get("path") or "/", root_path)
        app, script, rest = self._route(path)
        if script:
            scope = dict(scope)
            scope["root_path"] = root_path + script
            scope["path"] = root_path + script + rest
            scope.pop("raw_path", None)
        return app(scope, receive, send)


def _wsgi_text(text: str) -> str:
    """``text`` as a WSGI environ carries it: its UTF-8 bytes as latin-1."""
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


def _from_wsgi_text(text: str) -> str:
    """The text of a WSGI environ string (bytes that are not UTF-8 kept as
    surrogate escapes, so the round trip is exact)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text  # a server that already decoded it
