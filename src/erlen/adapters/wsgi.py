"""The WSGI side of erlen: environ in, sans-io request out; response in, WSGI body out.

This is the only module that knows PEP 3333. :func:`request_from_environ`
turns an environ into an :class:`erlen.http.request.Request` (or a subclass),
and :func:`start_response_and_body` writes an :class:`erlen.http.response.Response`
back through ``start_response`` and returns the body iterable the server sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, NoReturn, TypeVar

import erlen.http.request as _request_module
from erlen.http.datastructures import Headers
from erlen.http.datastructures._common import _convert
from erlen.http.exceptions import BadRequest, BadRequestKeyError
from erlen.http.proxy import resolve_forwarded, split_host
from erlen.http.request import Request
from erlen.http.response import FileWrapper, Response, _untouched_wire_headers, _wire_headers

__all__ = [
    "EnvironHeaders",
    "StartResponse",
    "WSGIEnvironment",
    "request_from_environ",
    "start_response_and_body",
]

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]

RequestT = TypeVar("RequestT", bound=Request)

_CONTENT_KEYS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))
# Some servers copy the body headers into HTTP_* too; the CONTENT_* keys win.
_SKIPPED_HTTP_KEYS = frozenset(("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"))
_ENVIRON_KEYS: dict[str, str] = {}


def _environ_key(name: str) -> str:
    # PERF: header names come from a small set; caching the environ key makes a
    # lookup one dict hit instead of upper() + replace() + concatenation.
    key = _ENVIRON_KEYS.get(name)
    if key is None:
        key = name.upper().replace("-", "_")
        if key not in _CONTENT_KEYS:
            key = "HTTP_" + key
        # SECURITY: bounded, so arbitrary client-chosen names cannot grow it.
        if len(_ENVIRON_KEYS) < 2048:
            _ENVIRON_KEYS[name] = key
    return key


for _name in ("Host", "Upgrade", "Connection", "Cookie", "Content-Type", "Content-Length"):
    _environ_key(_name)


class EnvironHeaders:
    """A read-only, case-insensitive view of the request headers in a WSGI environ.

    It reads ``HTTP_*`` keys plus ``CONTENT_TYPE`` and ``CONTENT_LENGTH``
    straight from the environ, so building one costs nothing and a lookup is
    one dict access. It has the read API of :class:`~erlen.http.datastructures.Headers`;
    every mutating method raises :exc:`TypeError` (use :meth:`copy` to get a
    mutable ``Headers``). Names come back title-cased (``X-Forwarded-For``),
    and a header the client repeated is one comma-joined value, as the server
    delivers it.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ

    def _lookup(self, name: str) -> str | None:
        key = _ENVIRON_KEYS.get(name) or _environ_key(name)
        value = self.environ.get(key)
        if value is None or (not value and key in _CONTENT_KEYS):
            return None
        return value if type(value) is str else str(value)

    def __getitem__(self, name: str) -> str:
        value = self._lookup(name)
        if value is None:
            raise BadRequestKeyError(name)
        return value

    def get(self, name: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """Return the header's value, or ``default`` if it is missing.

        With ``type``, the value is converted by it; a conversion raising
        :exc:`ValueError` or :exc:`TypeError` gives ``default``.
        """
        # PERF: _lookup() inlined; request.host and routing call this per request.
        key = _ENVIRON_KEYS.get(name) or _environ_key(name)
        value = self.environ.get(key)
        if value is None or (not value and key in _CONTENT_KEYS):
            return default
        if value.__class__ is not str:
            value = str(value)
        if type is None:
            return value
        return _convert(value, type, default)

    def getlist(self, name: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Return the header's values as a list (empty when it is missing)."""
        value = self._lookup(name)
        if value is None:
            return []
        if type is None:
            return [value]
        try:
            return [type(value)]
        except (ValueError, TypeError):
            return []

    def get_all(self, name: str) -> list[str]:
        """Every value of header ``name``, as :meth:`getlist` gives them."""
        return self.getlist(name)

    def __contains__(self, name: object) -> bool:
        if name.__class__ is not str:
            return isinstance(name, str) and self._lookup(name) is not None
        # PERF: _lookup() inlined; a conditional response asks for up to six names.
        key = _ENVIRON_KEYS.get(name) or _environ_key(name)
        value = self.environ.get(key)
        return value is not None and (bool(value) or key not in _CONTENT_KEYS)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in _SKIPPED_HTTP_KEYS:
                    yield key[5:].replace("_", "-").title(), str(value)
            elif key in _CONTENT_KEYS and value:
                yield key.replace("_", "-").title(), str(value)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def keys(self, lower: bool = False) -> Iterator[str]:
        """Yield the header names (lower-cased with ``lower=True``)."""
        for name, _ in self:
            yield name.lower() if lower else name

    def values(self) -> Iterator[str]:
        """Yield the header values."""
        for _, value in self:
            yield value

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        """Yield ``(name, value)`` pairs (names lower-cased with ``lower=True``)."""
        for name, value in self:
            yield (name.lower() if lower else name), value

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return the headers as a list of ``(name, value)`` pairs."""
        return list(self)

    def copy(self) -> Headers:
        """Return a mutable :class:`~erlen.http.datastructures.Headers` with the same headers."""
        return Headers(list(self))

    def __copy__(self) -> Headers:
        return self.copy()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EnvironHeaders | Headers):
            return sorted(self.items(lower=True)) == sorted(
                (k.lower(), v) for k, v in other.items()
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_wsgi_list()!r})"

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} is read-only: the request headers cannot be changed."
            " Call copy() for a mutable Headers object."
        )

    add = set = setdefault = extend = update = remove = pop = popitem = _read_only
    add_header = clear = setlist = setlistdefault = _read_only
    __setitem__ = __delitem__ = __ior__ = _read_only


def _decode_path(value: str) -> str:
    """Decode a PEP 3333 "bytes as latin-1 str" path to real text."""
    if value.isascii():
        return value
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        # COMPAT: a few servers hand over already-decoded text; keep it.
        return value
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request path is not valid UTF-8") from None


# SERVER_NAME -> (SERVER_PORT, request.server): keyed by the name alone, so
# a lookup builds no key tuple; a name seen with another port is replaced.
_SERVERS: dict[str, tuple[str, tuple[str, int | None]]] = {}
_new_headers = object.__new__


def _server_address(name: str, port: str) -> tuple[str, int | None]:
    # PERF: a server has one or two addresses; the tuple is made once.
    server = (name, int(port) if port.isascii() and port.isdigit() else None)
    # SECURITY: bounded, as some servers derive SERVER_NAME from the Host header.
    if len(_SERVERS) < 64 or name in _SERVERS:
        _SERVERS[name] = (port, server)
    return server


#: The environ keys :func:`fix_forwarded_environ` may change; their values
#: before it did are kept in ``environ[PROXY_FIX_ORIG]``.
PROXY_FIX_KEYS = (
    "REMOTE_ADDR",
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
)
PROXY_FIX_ORIG = "erlen.proxy_fix.orig"


def fix_forwarded_environ(environ: WSGIEnvironment, proxy: Mapping[str, int]) -> None:
    """Rewrite ``environ`` in place from the ``X-Forwarded-*`` headers of
    trusted proxies (``proxy`` holds the counts of
    :func:`erlen.http.proxy.resolve_forwarded`): ``REMOTE_ADDR``,
    ``wsgi.url_scheme``, ``HTTP_HOST``, ``SERVER_NAME`` / ``SERVER_PORT`` and
    ``SCRIPT_NAME``, as Werkzeug's ``ProxyFix`` does. The values they had are
    kept in ``environ["erlen.proxy_fix.orig"]``.
    """
    headers = _new_headers(EnvironHeaders)
    headers.environ = environ
    get = environ.get
    scheme: str = get("wsgi.url_scheme") or "http"
    remote_addr: str | None = get("REMOTE_ADDR") or None
    server_name: str | None = get("SERVER_NAME") or None
    server = None if server_name is None else _server_address(server_name, get("SERVER_PORT") or "")
    host = get("HTTP_HOST") or _server_host(server, scheme)
    root_path = _decode_path(get("SCRIPT_NAME") or "").rstrip("/")
    fwd = resolve_forwarded(headers, remote_addr, scheme, host, root_path, **proxy)
    environ[PROXY_FIX_ORIG] = {key: get(key) for key in PROXY_FIX_KEYS}
    if fwd.remote_addr != remote_addr:
        environ["REMOTE_ADDR"] = fwd.remote_addr
    if fwd.scheme != scheme:
        environ["wsgi.url_scheme"] = fwd.scheme
    if fwd.host is not None and fwd.host != host:
        environ["HTTP_HOST"] = fwd.host
        name, port = split_host(fwd.host)
        environ["SERVER_NAME"] = name
        if port is not None:
            environ["SERVER_PORT"] = str(port)
    if fwd.root_path != root_path:
        environ["SCRIPT_NAME"] = fwd.root_path.encode("utf-8").decode("latin-1")


def request_from_environ(
    environ: WSGIEnvironment,
    request_class: type[RequestT],
    proxy: Mapping[str, int] | None = None,
) -> RequestT:
    """Build a request of ``request_class`` from a WSGI environ.

    ``PATH_INFO`` and ``SCRIPT_NAME`` are decoded from PEP 3333's latin-1
    strings as UTF-8; a path that is not UTF-8 raises
    :exc:`~erlen.http.exceptions.BadRequest` (a 400). ``proxy`` is a dict of
    trusted proxy counts (``{"x_for": 1, "x_proto": 1}``, see
    :func:`erlen.http.proxy.resolve_forwarded`); when given, the forwarded
    values replace the environ's ``REMOTE_ADDR``, ``wsgi.url_scheme``,
    ``HTTP_HOST``, ``SERVER_NAME``/``SERVER_PORT`` and ``SCRIPT_NAME``, and
    the originals are kept in ``environ["erlen.proxy_fix.orig"]``.
    """
    if proxy:
        # The environ is rewritten first: everything below reads the
        # forwarded values.
        fix_forwarded_environ(environ, proxy)
    # PERF: this runs on every request; the common all-ASCII case takes no
    # decoding detours and no exceptions.
    get = environ.get
    path: str = get("PATH_INFO") or "/"
    if not path.isascii():
        path = _decode_path(path)
    if path[0] != "/":
        path = "/" + path
    root_path: str = get("SCRIPT_NAME") or ""
    if root_path:
        if not root_path.isascii():
            root_path = _decode_path(root_path)
        root_path = root_path.rstrip("/")
    query: str = get("QUERY_STRING") or ""
    if not query:
        query_string = b""
    elif query.isascii():
        query_string = query.encode("ascii")
    else:
        try:
            query_string = query.encode("latin-1")
        except UnicodeEncodeError:
            query_string = query.encode("utf-8")
    scheme: str = get("wsgi.url_scheme") or "http"
    remote_addr: str | None = get("REMOTE_ADDR") or None
    server_name: str | None = get("SERVER_NAME") or None
    server: tuple[str, int | None] | None = None
    if server_name is not None:
        port: str = get("SERVER_PORT") or ""
        known = _SERVERS.get(server_name)
        if known is not None and known[0] == port:
            server = known[1]
        else:
            server = _server_address(server_name, port)
    # PERF: the one slot set directly, without a call of __init__.
    headers = _new_headers(EnvironHeaders)
    headers.environ = environ

    method: str = get("REQUEST_METHOD") or "GET"
    # EnvironHeaders has Headers' read API, which is all a request uses
    # (an ignore, not cast(): this line runs on every request).
    return request_class(  # type: ignore[call-overload,no-any-return]
        method if method.isupper() else method.upper(),
        scheme,
        server,
        root_path,
        path,
        query_string,
        headers,
        remote_addr,
        get("wsgi.input"),
        # PERF: environ and input_terminated positional: keyword arguments to
        # a class call cost a dict (0.1 µs per request).
        environ,
        bool(get("wsgi.input_terminated")),
    )


def _server_host(server: tuple[str, int | None] | None, scheme: str) -> str | None:
    if server is None:
        return None
    name, port = server
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return name
    return f"{name}:{port}"


class _ClosingBody:
    """The body handed to the server: iterating yields bytes, ``close()`` runs once."""

    __slots__ = ("_closed", "_iterable", "_response")

    def __init__(self, iterable: Iterable[bytes], response: Response) -> None:
        self._iterable = iterable
        self._response = response
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._iterable)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._response.close()


class _BufferedBody(list[bytes]):
    """A body sent from memory, for a response whose ``close()`` would do
    nothing (a response with ``call_on_close`` functions or its own ``close``
    goes out as a :class:`_ClosingBody`: some servers never close a list)."""

    __slots__ = ()

    def close(self) -> None:
        """Nothing to close; here for servers and tests that call it blindly."""


class _ClosingFile:
    """A file proxy whose ``close()`` closes the response (file and ``call_on_close``).

    Servers call ``close()`` on what ``wsgi.file_wrapper`` wrapped, not on
    our iterable, so the response's cleanup has to ride on the file itself.
    Everything else (``read``, ``fileno`` for ``sendfile``) goes to the file.
    """

    __slots__ = ("_closed", "_file", "_response")

    def __init__(self, file: IO[bytes], response: Response) -> None:
        self._file = file
        self._response = response
        self._closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._response.close()


_RESPONSE_CLOSE = Response.close

#: A file byte range up to this size is read into memory when the response
#: is handed to the server, rather than streamed from the open file (the
#: ASGI adapter reads on the loop up to the same size,
#: ``FILE_RANGE_READ_ON_LOOP``).
FILE_RANGE_IN_MEMORY = 64 * 1024


def start_response_and_body(
    response: Response, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Send ``response``'s status and headers and return its body for the server.

    The body is empty for ``HEAD`` requests and for 1xx, 204 and 304
    responses (which also lose ``Content-Length`` and ``Content-Type``; a 304
    keeps only its validators and caching headers). As Werkzeug does, a
    buffered (list) body without ``Content-Length`` gets one, and
    ``Location`` and ``Content-Location`` are sent as ASCII URIs
    (:func:`~erlen.http.urls.iri_to_uri`); the response itself is not
    changed. A :class:`~erlen.http.response.FileWrapper` body that covers
    the whole file goes to the server's ``wsgi.file_wrapper`` (so it can use
    ``sendfile``); a range of at most ``FILE_RANGE_IN_MEMORY`` bytes is read
    before ``start_response`` (a failed read is still a 500) and sent from
    memory, its file closed at once, when the response has nothing else to
    close. Closing the returned iterable closes the body and runs the
    response's ``call_on_close`` functions, exactly once.
    """
    headers = _untouched_wire_headers(response)
    if headers is not None:
        # PERF: the common case without _wire_headers' general checks
        # (hello world: 0.15 µs less).
        no_body = environ.get("REQUEST_METHOD") == "HEAD"
        start_response(response._status, headers)
    else:
        if response._custom_wsgi:
            # COMPAT(flask): the response sends itself, through its own
            # __call__ and get_wsgi_* methods.
            return response(environ, start_response)
        headers, no_body = _wire_headers(response)
        if not no_body:
            no_body = environ.get("REQUEST_METHOD") == "HEAD"
        status = response._status if response._plain_init else response.status
        small = response.response
        if (
            # Only here: a file body never takes the untouched path above.
            type(small) is FileWrapper
            and small.length is not None
            and small.length <= FILE_RANGE_IN_MEMORY
            and not no_body
            and not response._on_close
            and type(response).close is _RESPONSE_CLOSE
        ):
            # PERF: a small byte range (send_file with a Range) is read now
            # and handed over as a list, the file closed at once: granian
            # sends a list without calling back into Python for each chunk
            # (10.2k -> 11.5k req/s). Read before start_response, so a
            # failed read is still a 500. A whole file still goes to
            # wsgi.file_wrapper: reading a 5 KB one here measured no faster
            # under granian.
            try:
                data = small.read_all()
            finally:
                response.close()
            start_response(status, headers)
            return _BufferedBody((data,))
        start_response(status, headers)

    body = response.response
    if type(body) is list:
        # PERF: a buffered body of bytes is handed over as the list it is, with
        # no iterator wrapper or generator; close() is skipped entirely when it
        # would do nothing (0.9 -> 0.65 µs here for Response("Hello")).
        buffered: _BufferedBody | None = None
        if no_body:
            buffered = _BufferedBody()
        else:
            for chunk in body:
                if type(chunk) is not bytes:
                    break
            else:
                buffered = _BufferedBody(body)
        if buffered is not None:
            if not response._on_close and type(response).close is _RESPONSE_CLOSE:
                return buffered
            # A response with something to close goes out as a plain
            # iterable: granian sends a list body without calling close().
            return _ClosingBody(buffered, response)
    if no_body:
        return _ClosingBody((), response)
    if isinstance(body, FileWrapper):
        if body.offset == 0 and body.length is None:
            file_wrapper = environ.get("wsgi.file_wrapper")
            if file_wrapper is not None:
                rv: Iterable[bytes] = file_wrapper(
                    _ClosingFile(body.file, response), body.buffer_size
                )
                return rv
        # PERF: a FileWrapper yields bytes already; no encoding generator around it.
        return _ClosingBody(body, response)
    return _ClosingBody(response.iter_encoded(), response)


# Werkzeug's Request(environ) on the toolkit's request class, which cannot
# import this module: the adapter registers how it builds a request.
_request_module._ENVIRON_REQUEST_FACTORY = request_from_environ
