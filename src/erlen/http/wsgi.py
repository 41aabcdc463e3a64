"""Running a WSGI application and reading URLs off a WSGI environ, in the
toolkit's own terms (no server involved).

:func:`run_wsgi_app` calls an app the way a server would and hands back its
body, status and headers; :class:`~erlen.http.response.Response.from_app`
and ``force_type`` are built on it::

    app_iter, status, headers = run_wsgi_app(legacy_app, environ)
    response = Response(app_iter, status, headers)

:class:`ClosingIterator` is the body a WSGI app returns when something must
run after the server is done with it (PEP 3333's ``close()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from types import TracebackType
from typing import Any, TypeAlias
from urllib.parse import quote

from .datastructures import Headers

__all__ = ["ClosingIterator", "run_wsgi_app"]

_ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]
WSGIApplication: TypeAlias = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# What stays unquoted in a URL path: RFC 3986's pchar, and "/".
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class ClosingIterator:
    """Iterate over ``iterable``; :meth:`close` closes it (when it has
    ``close``) and then calls each function of ``callbacks``, once, even if
    one of them raises (the first error is raised after the rest ran)."""

    __slots__ = ("_callbacks", "_closed", "_iterator")

    def __init__(
        self,
        iterable: Iterable[bytes],
        callbacks: Callable[[], Any] | Iterable[Callable[[], Any]] | None = None,
    ) -> None:
        self._iterator = iter(iterable)
        if callbacks is None:
            funcs: list[Callable[[], Any]] = []
        elif callable(callbacks):
            funcs = [callbacks]
        else:
            funcs = list(callbacks)
        close = getattr(iterable, "close", None)
        if close is not None:
            funcs.insert(0, close)
        self._callbacks = funcs
        self._closed = False

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        """Run the close functions (the iterable's own first), once."""
        if self._closed:
            return
        self._closed = True
        error: BaseException | None = None
        for func in self._callbacks:
            try:
                func()
            except BaseException as e:  # the rest still run; the first is raised after
                if error is None:
                    error = e
        if error is not None:
            raise error


def run_wsgi_app(
    app: WSGIApplication, environ: Mapping[str, Any], buffered: bool = False
) -> tuple[Iterable[bytes], str, Headers]:
    """Call the WSGI application ``app`` with a copy of ``environ``; return
    its body, status line and headers.

    The body is iterated only as far as it takes for the app to call
    ``start_response`` (an app may call it lazily, from its generator);
    what was read, and anything written through ``write()``, comes first in
    the returned body. With ``buffered`` the whole body is read into a list
    and the app's ``close()`` called at once; otherwise the returned iterable
    closes the app's body when it is closed. ``start_response`` with
    ``exc_info`` re-raises that exception, as PEP 3333 allows once nothing is
    sent; an app that never starts a response is a :class:`RuntimeError`.
    """
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None
    ) -> Callable[[bytes], Any]:
        if exc_info is not None:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        started[:] = [(status, headers)]
        return written.append

    app_rv = app(dict(environ), start_response)
    close = getattr(app_rv, "close", None)
    app_iter: Iterable[bytes] = iter(app_rv)
    if buffered:
        try:
            app_iter = written + list(app_iter)
        finally:
            if close is not None:
                close()
    else:
        # Iterate until start_response is called: only then are the status
        # and headers known.
        while not started:
            try:
                written.append(next(app_iter))  # type: ignore[call-overload]
            except StopIteration:
                break
        if written:
            app_iter = chain(written, app_iter)
        if close is not None and app_iter is not app_rv:
            app_iter = ClosingIterator(app_iter, close)
    if not started:
        if not buffered and close is not None:
            close()
        raise RuntimeError("The WSGI application did not call start_response.")
    status, headers = started[0]
    return app_iter, status, Headers(headers)


def _url_path(environ: Mapping[str, Any]) -> str:
    """The percent-encoded URL path (root and path) an environ asks for."""
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8")
    return quote(data, safe=_PATH_SAFE)


def _environ_host(environ: Mapping[str, Any]) -> str:
    """``Host`` as the client sent it, else the server's name and port."""
    host: str | None = environ.get("HTTP_HOST")
    if host:
        return host
    name = environ.get("SERVER_NAME") or "localhost"
    port = str(environ.get("SERVER_PORT") or "")
    scheme = environ.get("wsgi.url_scheme", "http")
    if port and (scheme, port) not in (("http", "80"), ("https", "443")):
        return f"{name}:{port}"
    return str(name)


def _current_url(environ: Mapping[str, Any], strip_querystring: bool = False) -> str:
    """The URL an environ asks for, as an ASCII URI."""
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{_environ_host(environ)}"
    url += _url_path(environ)
    query = environ.get("QUERY_STRING")
    if query and not strip_querystring:
        url += "?" + query
    return url
