"""The toolkit's WSGI glue, Werkzeug's ``werkzeug.wsgi`` in erlen's terms:
running a WSGI application, and reading a WSGI environ (its URL, host, body
length and stream). No server is involved; the rest of :mod:`erlen.http`
never sees an environ (the adapters build requests from one).

:func:`run_wsgi_app` calls an app the way a server would and hands back its
body, status and headers; :class:`~erlen.http.response.Response.from_app`
and ``force_type`` are built on it::

    app_iter, status, headers = run_wsgi_app(legacy_app, environ)
    response = Response(app_iter, status, headers)

:class:`ClosingIterator` is the body a WSGI app returns when something must
run after the server is done with it (PEP 3333's ``close()``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Collection, Iterable, Mapping
from itertools import chain
from types import TracebackType
from typing import IO, Any, TypeAlias, TypeVar
from urllib.parse import quote, quote_from_bytes

from ._numbers import digits_to_int
from .datastructures import Headers
from .exceptions import RequestEntityTooLarge, SecurityError
from .request import _HOST_RE, LimitedStream, _host_is_trusted, _validated_host
from .response import FileWrapper
from .urls import uri_to_iri

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "host_is_trusted",
    "responder",
    "run_wsgi_app",
    "wrap_file",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]
WSGIApplication: TypeAlias = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
WSGIEnvironment: TypeAlias = dict[str, Any]

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


def _environ_headers(environ: Mapping[str, Any]) -> Headers:
    """The request headers an environ carries, as a new :class:`Headers`:
    each ``HTTP_*`` key title-cased (``X-Forwarded-For``), plus a non-empty
    ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` (which win over the ``HTTP_``
    copies some servers add), in the environ's order."""
    headers = Headers()
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                headers.add(key[5:].replace("_", "-").title(), str(value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.add(key.replace("_", "-").title(), str(value))
    return headers


def _current_url(environ: Mapping[str, Any], strip_querystring: bool = False) -> str:
    """The URL an environ asks for, as an ASCII URI (without the scheme's
    default port, which a proxy's ``X-Forwarded-Port`` may have put in Host)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = _environ_host(environ)
    if host.endswith(":443" if scheme == "https" else ":80"):
        host = host.rpartition(":")[0]
    url = f"{scheme}://{host}"
    url += _url_path(environ)
    query = environ.get("QUERY_STRING")
    if query and not strip_querystring:
        url += "?" + query
    return url


def _from_wsgi(text: str, errors: str = "replace") -> str:
    """A PEP 3333 string (bytes as latin-1) as text; bytes that are not UTF-8
    become U+FFFD (``errors="surrogateescape"`` keeps them, so
    :func:`_to_wsgi` gives the same string back)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8", errors)
    except UnicodeEncodeError:
        return text  # a server that already decoded it


def _to_wsgi(text: str) -> str:
    """``text`` as a WSGI environ carries it: its UTF-8 bytes as latin-1."""
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


def get_host(environ: Mapping[str, Any], trusted_hosts: Collection[str] | None = None) -> str:
    """The host the request was sent to: ``Host``, else the server's name and
    port, without the scheme's default port. A value that is not a host
    name, or one outside ``trusted_hosts`` (``.example.com`` allows its
    subdomains), raises :class:`~erlen.http.exceptions.SecurityError` (400)."""
    scheme = str(environ.get("wsgi.url_scheme") or "http")
    name = environ.get("SERVER_NAME")
    port = digits_to_int(str(environ.get("SERVER_PORT") or ""))
    server = (str(name), port) if name else None
    header = str(environ.get("HTTP_HOST") or "")
    if not header and name and port is None:
        header = str(name)  # a server name without a port
    host = _validated_host(header, server, scheme)
    if trusted_hosts is not None and not _host_is_trusted(host, trusted_hosts):
        raise SecurityError(f"Host {host!r} is not trusted.")
    return host


def host_is_trusted(hostname: str | None, trusted_list: Iterable[str] | str | None = None) -> bool:
    """Whether ``hostname`` (a ``Host`` value, ``host[:port]``) is a valid
    host name and one of ``trusted_list``. The port and a final dot are
    ignored, names compare ignoring case, and an entry starting with ``.``
    (``.example.com``) also allows its subdomains. An empty or missing
    ``trusted_list`` allows every valid host."""
    # SECURITY: the same rule request.host applies, so a value it would
    # refuse (with "/", "@", spaces or non-ASCII) is never trusted.
    if not hostname or _HOST_RE.fullmatch(hostname) is None:
        return False
    trusted = [trusted_list] if isinstance(trusted_list, str) else list(trusted_list or ())
    if not trusted:
        return True
    return _host_is_trusted(hostname, trusted)


#: Characters left as they are in a path and a query, beside letters and
#: digits (and "%", so an escape is not escaped again).
_URL_PATH_SAFE = "!$&'()*+,/:;=@%"
_URL_QUERY_SAFE = "!$&'()*+,/:;=?@%"


def get_current_url(
    environ: Mapping[str, Any],
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: Collection[str] | None = None,
) -> str:
    """The URL of the request as an IRI (``https://example.com/app/päge?q=1``):
    the mount point only (``root_only``), without the query string
    (``strip_querystring``) or the scheme and host only (``host_only``), each
    ending with ``/`` when the path is left out. The host is checked as
    :func:`get_host` does."""
    url = f"{environ.get('wsgi.url_scheme') or 'http'}://{get_host(environ, trusted_hosts)}"
    if host_only:
        return uri_to_iri(url + "/")
    root = _from_wsgi(str(environ.get("SCRIPT_NAME") or "")).rstrip("/")
    url += quote(root, safe=_URL_PATH_SAFE) + "/"
    if root_only:
        return uri_to_iri(url)
    url += quote(_from_wsgi(str(environ.get("PATH_INFO") or "")).lstrip("/"), safe=_URL_PATH_SAFE)
    query = str(environ.get("QUERY_STRING") or "")
    if query and not strip_querystring:
        url += "?" + quote_from_bytes(query.encode("latin-1", "replace"), safe=_URL_QUERY_SAFE)
    return uri_to_iri(url)


def get_path_info(environ: Mapping[str, Any]) -> str:
    """``PATH_INFO`` as text (bytes that are not UTF-8 become U+FFFD)."""
    return _from_wsgi(str(environ.get("PATH_INFO") or ""))


def get_content_length(environ: Mapping[str, Any]) -> int | None:
    """The body's announced length: None for a chunked body and for a
    missing or malformed ``Content-Length``."""
    if str(environ.get("HTTP_TRANSFER_ENCODING", "")).strip().lower() == "chunked":
        return None
    return digits_to_int(str(environ.get("CONTENT_LENGTH") or "").strip())


def get_input_stream(
    environ: Mapping[str, Any], safe_fallback: bool = True, max_content_length: int | None = None
) -> IO[bytes]:
    """The request body as a stream that ends where the body does.

    With a ``Content-Length`` it stops there (a shorter body raises
    ``ClientDisconnected``); when the server marks the input as terminated
    (``wsgi.input_terminated``) it is read as is, bounded by
    ``max_content_length`` (413 past it); otherwise, with no length,
    reading could block forever, so an empty stream is returned unless
    ``safe_fallback`` is off. A length over ``max_content_length`` raises
    :class:`~erlen.http.exceptions.RequestEntityTooLarge` at once.
    """
    stream: IO[bytes] = environ.get("wsgi.input") or io.BytesIO()
    length = get_content_length(environ)
    if length is not None and max_content_length is not None and length > max_content_length:
        raise RequestEntityTooLarge(
            f"The request body is {length} bytes; the limit is {max_content_length} bytes."
        )
    if environ.get("wsgi.input_terminated"):
        if max_content_length is not None:
            return LimitedStream(stream, max_content_length, is_max=True)  # type: ignore[return-value]
        return stream
    if length is None:
        return io.BytesIO() if safe_fallback else stream
    return LimitedStream(stream, length)  # type: ignore[return-value]


def wrap_file(
    environ: Mapping[str, Any], file: IO[bytes], buffer_size: int = 8192
) -> Iterable[bytes]:
    """``file`` as a response body: the server's ``wsgi.file_wrapper`` when it
    has one (it may send the file with ``sendfile``), else a
    :class:`FileWrapper` reading ``buffer_size`` bytes at a time."""
    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
    return wrapper(file, buffer_size)  # type: ignore[no-any-return]


def responder(f: _F) -> _F:
    """Turn a function returning a WSGI application (a response, say) into a
    WSGI application that calls what it returns::

        @responder
        def app(environ, start_response):
            return Response("Hello")
    """

    @functools.wraps(f)
    def application(*args: Any) -> Any:
        return f(*args)(*args[-2:])

    return application  # type: ignore[return-value]
