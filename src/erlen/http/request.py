"""The incoming HTTP request, without any I/O of its own.

An adapter (WSGI, ASGI, the test client) builds a :class:`Request` from what
the server gave it: method, scheme, addresses, decoded path, raw query string,
headers and a body stream. Everything else (``args``, ``form``, ``files``,
``cookies``, ``json``, parsed headers) is computed on first access and cached::

    req = Request("GET", "http", ("localhost", 8000), "", "/search",
                  b"q=erlen&page=2", Headers({"Host": "localhost:8000"}))
    req.args.get("page", type=int)   # 2
    req.url                          # 'http://localhost:8000/search?q=erlen&page=2'
"""

from __future__ import annotations

import functools
import io
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    BinaryIO,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    cast,
    overload,
)
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

from ._numbers import digits_to_int
from .cookies import parse_cookie
from .datastructures import (
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    ETags,
    FileStorage,
    Headers,
    HeaderSet,
    IfRange,
    ImmutableList,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    UserAgent,
)
from .exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from .formparser import (
    FormDataParser,
    _form_charset,
    _parse_form_data,
    _parse_urlencoded,
    default_stream_factory,
)
from .headers import (
    parse_accept_header,
    parse_authorization_header,
    parse_cache_control_header,
    parse_date,
    parse_etags,
    parse_if_range_header,
    parse_options_header,
    parse_range_header,
    parse_set_header,
)
from .urls import _KEEP_IN_QUERY, _unescape, url_decode

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["BodyStream", "Request"]

#: ``request_from_environ(environ, request_class)``, registered by
#: :mod:`erlen.adapters.wsgi` for ``Request(environ)``.
_ENVIRON_REQUEST_FACTORY: Callable[[Any, type[Any]], Any] | None = None


class _ShallowInput:
    """The input of a shallow request: reading it is a programming error."""

    def read(self, *args: Any) -> bytes:
        raise RuntimeError(
            "A shallow request tried to read its body: middleware that builds"
            " Request(environ, shallow=True) must leave the body to the app."
        )

    readline = read


#: The input of every shallow request.
_SHALLOW_INPUT: Any = _ShallowInput()


_URLENCODED = "application/x-www-form-urlencoded"
_FORM_MIMETYPES = frozenset({_URLENCODED, "multipart/form-data"})
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
# A host name, IPv4 address or bracketed IPv6 address, with an optional port.
# Underscores are allowed because container and intranet names use them.
_HOST_RE = re.compile(
    r"(?:[a-z0-9._-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]{1,5})?", re.ASCII | re.IGNORECASE
)
_PATH_SAFE = "!$&'()*+,/:;=@~"
_QUERY_SAFE = "!$&'()*+,/:;=?@%~"
_ESCAPES_RE = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")
_MISSING: Any = object()
#: ``Request._stream`` once get_data() or form read the whole body straight
#: from the input: ``stream`` is then made at the end of the body.
_BODY_READ: Any = object()
#: What a subclass overrides to change how the body is read or described; a
#: class that overrides one of them reads the body through ``stream`` only.
_BODY_HOOKS = (
    "stream",
    "_make_stream",
    "content_length",
    "_parse_content_length",
    "mimetype",
    "mimetype_params",
    "_parse_content_type",
    "want_form_data_parsed",
)
#: What a subclass overrides to change how a form body is parsed; a class
#: that overrides one of them parses through make_form_data_parser().
_FORM_HOOKS = (
    "form_data_parser_class",
    "make_form_data_parser",
    "_get_file_stream",
    "parameter_storage_class",
)
_T = TypeVar("_T")


def _to_iri(uri: str) -> str:
    """Decode the percent-escapes of an ASCII URI part that spell non-ASCII UTF-8.

    ASCII escapes (``%2F``, ``%26``, ``%20``...) stay as they are so the parts'
    meaning does not change; bytes that are not UTF-8 stay escaped.
    """
    if "%" not in uri:
        return uri

    def decode(match: re.Match[bytes]) -> bytes:
        text = unquote_to_bytes(match.group()).decode("utf-8", "surrogateescape")
        out = []
        for char in text:
            code = ord(char)
            if code >= 0x80 and not 0xDC80 <= code <= 0xDCFF:
                out.append(char)
            else:
                byte = code - 0xDC00 if code >= 0xDC80 else code
                out.append(f"%{byte:02X}")
        return "".join(out).encode()

    return _ESCAPES_RE.sub(decode, uri.encode("ascii")).decode()


_HOST_CACHE: dict[tuple[str, Any, str], str] = {}
_HOST_CACHE_SIZE = 256
#: Parsed Content-Type headers: ``(mimetype, read-only parameters)``.
_CONTENT_TYPES: dict[str, tuple[str, Mapping[str, str]]] = {}
_CONTENT_TYPES_SIZE = 64


def _validated_host(header: str, server: tuple[str, int | None] | None, scheme: str) -> str:
    """The request's host from its ``Host`` header (else the server address),
    without the scheme's default port; raises :class:`SecurityError` for a
    value that is not a host name."""
    host = header
    if not host:
        if server is None or server[1] is None:
            host = ""
        else:
            name, port = server
            if ":" in name and not name.startswith("["):
                name = f"[{name}]"
            host = f"{name}:{port}"
    default_port = _DEFAULT_PORTS.get(scheme)
    if default_port is not None:
        host = host.removesuffix(f":{default_port}")
    # SECURITY: a Host with "/", "@", spaces or line breaks would let a
    # client smuggle a different origin into generated absolute URLs.
    if host and _HOST_RE.fullmatch(host) is None:
        # COMPAT(flask): Werkzeug 3.1.8 reads such a host as ""; RFC 9112 §3.2
        # asks for a 400, which is what a clear error gives.
        raise SecurityError(f"The Host header {host!r} is not a valid host name.")
    return host


class LimitedStream(io.RawIOBase):
    """Reads at most ``limit`` bytes of ``stream``.

    With ``is_max=False`` the limit is the announced Content-Length: the stream
    ends there, and an earlier end means the client went away
    (:class:`ClientDisconnected`). With ``is_max=True`` the limit is a maximum
    for a body of unknown length: more data than that raises
    :class:`RequestEntityTooLarge`.

    Both outcomes go through hooks a subclass may override, as in Werkzeug:
    :meth:`on_exhausted` (a read past the limit) and :meth:`on_disconnect`
    (a read that got nothing before the limit).
    """

    def __init__(self, stream: IO[bytes], limit: int, is_max: bool = False) -> None:
        super().__init__()
        self._stream = stream
        self.limit = limit
        self.is_max = is_max
        self._pos = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    @property
    def is_exhausted(self) -> bool:
        """Whether everything up to the limit has been read."""
        return self._pos >= self.limit

    def on_exhausted(self) -> None:
        """Called on a read past the limit. Raises
        :class:`RequestEntityTooLarge` when the limit is a maximum; else does
        nothing, and the read returns ``b""``. Override to change that.

        With ``is_max`` it is called only when the wrapped stream holds more
        than the limit: a body exactly as long as the maximum is allowed.
        """
        if self.is_max:
            raise self._too_large()

    def on_disconnect(self, error: Exception | None = None) -> None:
        """Called when a read gets no data before the limit: the client went
        away. Raises :class:`ClientDisconnected` (chained to ``error`` when
        given), except for a maximum without ``error``, where an empty read is
        simply the end of the body."""
        if error is None and self.is_max:
            return
        if self.is_max:
            # The limit is no length the client announced: do not quote it as one.
            disconnected = ClientDisconnected(
                f"Reading the request body failed after {self._pos} bytes."
            )
        else:
            disconnected = _short_body(self._pos, self.limit)
        if error is not None:
            raise disconnected from error
        raise disconnected

    def _too_large(self) -> RequestEntityTooLarge:
        return RequestEntityTooLarge(f"The request body is larger than {self.limit} bytes.")

    def _at_limit(self) -> bytes:
        # A maximum is only exceeded if there is more to read: peek one byte.
        if not self.is_max or self._stream.read(1):
            self.on_exhausted()
        return b""

    def _got(self, data: bytes, wanted: int) -> bytes:
        if not data and wanted:
            self.on_disconnect()
            return data
        self._pos += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        remaining = self.limit - self._pos
        if remaining <= 0:
            return self._at_limit() if size != 0 else b""
        if size is not None and size >= 0:
            wanted = min(size, remaining)
            try:
                data = self._stream.read(wanted)
            except (OSError, ValueError) as error:
                # The server's stream failed or was closed: the client is gone.
                self.on_disconnect(error)
                raise
            return self._got(data, wanted)
        chunks = []
        while True:
            remaining = self.limit - self._pos
            if remaining <= 0:
                # At the limit, only a maximum has to look past it (a body
                # over the maximum is a 413 now, not on the next read).
                if self.is_max:
                    self._at_limit()
                break
            wanted = min(remaining, 65536)
            try:
                chunk = self._stream.read(wanted)
            except (OSError, ValueError) as error:
                self.on_disconnect(error)
                raise
            chunk = self._got(chunk, wanted)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        remaining = self.limit - self._pos
        if remaining <= 0:
            return self._at_limit() if size != 0 else b""
        wanted = remaining if size is None or size < 0 else min(size, remaining)
        readline = getattr(self._stream, "readline", None)
        if readline is None:
            return super().readline(wanted)
        try:
            line = readline(wanted)
        except (OSError, ValueError) as error:
            self.on_disconnect(error)
            raise
        return self._got(line, wanted)

    def exhaust(self) -> None:
        """Read and drop what is left of the body, up to the limit."""
        # A Content-Length body ends at its limit: no read past it (which
        # would call on_exhausted) once it is reached.
        while (self.is_max or not self.is_exhausted) and self.read(65536):
            pass


def _short_body(got: int, length: int) -> ClientDisconnected:
    return ClientDisconnected(f"The request body ended after {got} of {length} bytes.")


class BodyStream:
    """The body of a request whose route streams it (``stream_body=True``).

    Read it as it arrives, never past Content-Length or the size limit (the
    same 413 and 400 errors as a buffered body)::

        for chunk in request.stream: ...          # a sync view
        async for chunk in request.stream: ...    # an async view

    ``read(size)`` works too. In an ``async def`` view the chunks are awaited
    when the server's body stream can be awaited (ASGI); elsewhere reading
    blocks, which is fine in the worker thread that runs the view.
    """

    __slots__ = ("_limited", "_raw", "chunk_size")

    def __init__(self, limited: IO[bytes], raw: Any = None, chunk_size: int = 65536) -> None:
        self._limited = limited
        self._raw = raw
        #: The most bytes one iteration step returns.
        self.chunk_size = chunk_size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the body (the rest of it with -1)."""
        return self._limited.read(-1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        """One line of the body (``size`` bytes at most)."""
        return self._limited.readline(-1 if size is None else size)

    def __iter__(self) -> Iterator[bytes]:
        read = self._limited.read
        size = self.chunk_size
        while True:
            chunk = read(size)
            if not chunk:
                return
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[bytes]:
        wait = getattr(self._raw, "wait_readable", None)
        read = self._limited.read
        size = self.chunk_size
        while True:
            if wait is not None:
                await wait()
            chunk = read(size)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        """Nothing to release (the server owns the connection)."""


class Request:
    """An HTTP request as the application sees it; parsed lazily.

    The constructor takes what every server protocol provides; see the module
    docstring. ``input_terminated=True`` tells the request that ``stream``
    ends by itself at the end of the body (an ASGI body, or a WSGI server that
    sets ``wsgi.input_terminated``), so a body without ``Content-Length`` can
    be read; otherwise such a body reads as empty. The adapters pass every
    argument positionally, so a subclass that overrides ``__init__`` keeps
    this order of parameters.

    Limits (``max_content_length``, ``max_form_memory_size``,
    ``max_form_parts``, ``trusted_hosts``) may be set on a request, as in
    Werkzeug (``request.max_content_length = 1024``); a subclass overrides
    their defaults as class attributes or as properties.
    """

    # "__dict__": as on Werkzeug's Request, code may set its own attributes
    # (Flask-RESTful's reqparse stores what it parsed on the request). The
    # dict is made only when an attribute is set.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_args",
        "_cached_data",
        "_content_length",
        "_content_type",
        "_cookies",
        "_environ",
        "_files",
        "_form",
        "_host",
        "_input",
        "_json",
        "_json_silent",
        "_parsed",
        # The limits' values; read and set as max_content_length... (the
        # aliases made after the class).
        "_slot_max_content_length",
        "_slot_max_form_memory_size",
        "_slot_max_form_parts",
        "_slot_trusted_hosts",
        "_stream",
        "_values",
        "headers",
        "input_terminated",
        "method",
        "path",
        "query_string",
        "remote_addr",
        "root_path",
        "scheme",
        "server",
    )

    # The limits are slots (their defaults set by __init__), so that a request
    # may have its own (COMPAT(werkzeug): ``request.max_content_length = n``)
    # while reading one stays a slot read (PERF: 9 ns; a class attribute read
    # 16 ns, a property 40 ns). The slots have private names, aliased below,
    # so that __init__ fills them whatever a subclass makes of the public ones.
    #: The largest body accepted, in bytes; ``None`` (the default) for no
    #: limit. A larger body raises :class:`RequestEntityTooLarge` (413) when
    #: it is read.
    max_content_length: int | None
    #: The most bytes of non-file form fields kept in memory (500 000).
    max_form_memory_size: int | None
    #: The most parts a multipart body may have (1 000).
    max_form_parts: int | None
    #: Host names accepted in ``Host``; ``.example.com`` accepts its subdomains.
    #: ``None`` (the default) accepts any well-formed host.
    trusted_hosts: Collection[str] | None
    #: Has ``loads``; used by :meth:`get_json`.
    json_module: ClassVar[Any] = json
    #: The class of ``args``, ``form`` and ``files``.
    parameter_storage_class: ClassVar[type[ImmutableMultiDict[Any, Any]]] = ImmutableMultiDict
    #: The class of ``cookies``.
    dict_storage_class: ClassVar[type[ImmutableMultiDict[Any, Any]]] = ImmutableMultiDict
    #: The class of ``access_route`` (a list that refuses changes).
    list_storage_class: ClassVar[type[list[Any]]] = ImmutableList
    #: The class of ``user_agent``.
    user_agent_class: ClassVar[type[UserAgent]] = UserAgent
    #: Whether the class reads and describes the body as this one does, so
    #: :meth:`get_data` and :attr:`form` may read a body of known length
    #: straight from the input rather than through :attr:`stream` (the same
    #: bytes and errors). False for a subclass that overrides one of
    #: ``_BODY_HOOKS``, unless it sets this itself.
    _direct_body: ClassVar[bool] = True
    #: The class :meth:`make_form_data_parser` makes a parser of.
    form_data_parser_class: ClassVar[type[FormDataParser]] = FormDataParser
    # Whether a subclass changed how forms are parsed (``_FORM_HOOKS``): then
    # every form body goes through make_form_data_parser(); otherwise the
    # same parsing runs without a parser object.
    _custom_form_parsing: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_direct_body" not in cls.__dict__ and any(name in cls.__dict__ for name in _BODY_HOOKS):
            cls._direct_body = False
        if any(name in cls.__dict__ for name in _FORM_HOOKS):
            cls._custom_form_parsing = True
            # The one-read urlencoded path (which the _direct_body check
            # guards) parses without the parser: not for this class.
            cls._direct_body = False

    @overload
    def __init__(
        self, environ: dict[str, Any], /, *, populate_request: bool = True, shallow: bool = False
    ) -> None: ...
    @overload
    def __init__(
        self,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        remote_addr: str | None = None,
        stream: BinaryIO | IO[bytes] | None = None,
        environ: dict[str, Any] | None = None,
        input_terminated: bool | None = None,
    ) -> None: ...
    def __init__(
        self,
        method: Any,
        scheme: Any = None,
        server: tuple[str, int | None] | None = None,
        root_path: str = "",
        path: str = "/",
        query_string: bytes = b"",
        headers: Any = None,
        remote_addr: str | None = None,
        stream: BinaryIO | IO[bytes] | None = None,
        environ: dict[str, Any] | None = None,
        input_terminated: bool | None = None,
        *,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        if scheme is None:
            # COMPAT(werkzeug): Request(environ), as WSGI middleware writes it
            # (PERF: the adapters always pass a scheme; one identity test).
            self._init_from_environ(method, populate_request, shallow)
            return
        self.method: str = method
        self.scheme: str = scheme
        self.server = server
        # PERF: tests before calls: the adapters pass "" and a path with its "/".
        self.root_path = root_path.rstrip("/") if root_path else root_path
        self.path = path if path[:1] == "/" else "/" + path
        self.query_string = query_string
        self.headers: Headers = headers
        self.remote_addr = remote_addr
        if input_terminated is None:
            input_terminated = bool(environ and environ.get("wsgi.input_terminated"))
        self.input_terminated = input_terminated
        self._input = stream
        self._environ = environ
        self._stream: IO[bytes] | None = None
        self._args: ImmutableMultiDict[str, str] | None = None
        self._form: ImmutableMultiDict[str, str] | None = None
        self._files: ImmutableMultiDict[str, FileStorage] | None = None
        self._values: CombinedMultiDict[str, str] | None = None
        self._cookies: ImmutableMultiDict[str, str] | None = None
        self._cached_data: bytes | None = None
        self._json: Any = _MISSING
        self._json_silent: Any = _MISSING
        self._content_type: tuple[str, Mapping[str, str]] | None = None
        self._content_length: Any = _MISSING
        self._host: str | None = None
        self._parsed: dict[str, Any] | None = None
        self._slot_max_content_length: int | None = None
        self._slot_max_form_memory_size: int | None = 500_000
        self._slot_max_form_parts: int | None = 1_000
        self._slot_trusted_hosts: Collection[str] | None = None

    @classmethod
    def from_values(cls, *args: Any, **kwargs: Any) -> Self:
        """A request of this class for the environ that
        :class:`~erlen.http.environ_builder.EnvironBuilder` builds from these
        arguments, without an app (``path``, ``base_url``, ``query_string``,
        ``method``, ``headers``, ``data``, ``json``, ...), for tests and
        scripts, as Werkzeug's ``Request.from_values``::

            request = Request.from_values("/search", query_string={"q": "a"})

        The request is ``cls(environ)``; files the builder opened from paths
        are closed when it returns.
        """
        # Imported here: the builder is for tests, not for serving requests.
        from .environ_builder import EnvironBuilder

        builder = EnvironBuilder(None, *args, **kwargs)
        try:
            return builder.get_request(cls)
        finally:
            builder.close()

    @classmethod
    def application(
        cls, f: Callable[..., Callable[..., Iterable[bytes]]]
    ) -> Callable[..., Iterable[bytes]]:
        """Decorate ``f(request)`` (or ``f(self, request)``) into a WSGI
        application: the request is built from the environ and closed after
        ``f`` returns its response (or any WSGI application), which is then
        called; an :class:`~erlen.http.exceptions.HTTPException` raised by
        ``f`` is answered with its response (a path that is not UTF-8: 400).
        No app context is pushed: this is the toolkit alone, as with
        Werkzeug's decorator::

            @Request.application
            def hello(request):
                return Response(f"Hello {request.args.get('name', 'World')}!")
        """

        @functools.wraps(f)
        def wsgi_application(*args: Any) -> Iterable[bytes]:
            environ, start_response = args[-2], args[-1]
            try:
                request = cls(environ, populate_request=False)
            except HTTPException as e:
                return e.get_response()(environ, start_response)
            with request:
                try:
                    response = f(*args[:-2], request)
                except HTTPException as e:
                    response = e.get_response(request)
                return response(environ, start_response)

        return wsgi_application

    def _init_from_environ(
        self, environ: dict[str, Any], populate_request: bool, shallow: bool
    ) -> None:
        """Werkzeug's ``Request(environ)``: this request, built from a WSGI
        environ by the WSGI adapter (which registers itself, as this layer
        cannot import it). ``populate_request`` stores the request in
        ``environ["werkzeug.request"]``; a ``shallow`` request refuses to
        read the body (RuntimeError), so middleware cannot consume what the
        app behind it will read."""
        if not isinstance(environ, Mapping):
            raise TypeError(
                "A Request is made from a WSGI environ (a dict), or from the values"
                f" the adapters pass; not from {type(environ).__name__}."
            )
        factory = _ENVIRON_REQUEST_FACTORY
        if factory is None:
            raise TypeError("Request(environ) needs erlen.adapters.wsgi to be imported.")
        # Built as the toolkit's own class, whose constructor only sets the
        # slots copied here: a subclass's __init__ has already run (it is
        # what called this one), and one written as Werkzeug's,
        # ``__init__(self, environ)``, could not take the adapter's values.
        built = factory(environ, Request)
        for name in Request.__slots__:
            if name not in ("__dict__", "__weakref__"):
                object.__setattr__(self, name, getattr(built, name))
        if shallow:
            self._input = _SHALLOW_INPUT
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception:
            url = "(invalid URL)"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    def __enter__(self) -> Request:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the uploaded files' temporary storage, if the form was parsed."""
        # PERF: no items() loop for the usual form without files (0.3 -> 0.05 µs).
        if self._files:
            for _key, value in self._files.items(multi=True):
                value.close()

    def _cache(self, key: str, make: Callable[[], _T]) -> _T:
        # PERF: one dict for the rarely read parsed headers keeps __init__ to a
        # few slot stores; the hot values (args, form, cookies...) have slots.
        parsed = self._parsed
        if parsed is None:
            parsed = self._parsed = {}
        try:
            return parsed[key]  # type: ignore[no-any-return]
        except KeyError:
            value = parsed[key] = make()
            return value

    # -- the WSGI environ ----------------------------------------------------

    @property
    def environ(self) -> dict[str, Any]:
        """The WSGI environ the request came from, or a WSGI-style emulation of it."""
        if self._environ is None:
            self._environ = self._make_environ()
        return self._environ

    def _make_environ(self) -> dict[str, Any]:
        server_name, server_port = self.server or ("", None)
        env: dict[str, Any] = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": self.root_path.encode().decode("latin-1"),
            "PATH_INFO": self.path.encode().decode("latin-1"),
            "QUERY_STRING": self.query_string.decode("latin-1"),
            "SERVER_NAME": server_name,
            "SERVER_PORT": "" if server_port is None else str(server_port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": self._input if self._input is not None else io.BytesIO(),
            "wsgi.input_terminated": self.input_terminated,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if self.remote_addr is not None:
            env["REMOTE_ADDR"] = self.remote_addr
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            env[key] = f"{env[key]},{value}" if key in env else value
        return env

    # -- URL -------------------------------------------------------------------

    @property
    def script_root(self) -> str:
        """The mount point of the application; the same as :attr:`root_path`."""
        return self.root_path

    @property
    def full_path(self) -> str:
        """The path and the query string: ``/search?q=x`` (``?`` always present)."""
        # COMPAT(flask): as in Werkzeug, an empty query still gives a trailing "?".
        return f"{self.path}?{self.query_string.decode('utf-8', 'replace')}"

    @property
    def host(self) -> str:
        """The host (and port, unless it is the scheme's default) the request was sent to.

        From the ``Host`` header, else from the server's address. A host that
        is not in :attr:`trusted_hosts`, or is not a valid host name, raises
        :class:`SecurityError` (400).
        """
        if self._host is None:
            self._host = self._compute_host()
        return self._host

    def _compute_host(self) -> str:
        header = self.headers.get("Host") or ""
        server = self.server
        key = (header, server, self.scheme)
        # PERF: the host depends only on these three values, which repeat from
        # request to request; validating it once per key saves 0.6 µs.
        host = _HOST_CACHE.get(key)
        if host is None:
            host = _validated_host(header, server, self.scheme)
            # SECURITY: the Host header comes from the client; keep the cache
            # bounded (only valid hosts get here: a bad one raised above).
            if len(_HOST_CACHE) >= _HOST_CACHE_SIZE:
                _HOST_CACHE.clear()
            _HOST_CACHE[key] = host
        trusted = self.trusted_hosts
        if trusted and not _host_is_trusted(host, trusted):
            raise SecurityError(f"Host {host!r} is not trusted.")
        return host

    @property
    def host_url(self) -> str:
        """The scheme and host with a trailing slash: ``https://example.com/``."""
        return f"{self.scheme}://{self.host}/"

    @property
    def root_url(self) -> str:
        """The URL of the application's root: ``https://example.com/app/``."""
        root = _to_iri(quote(self.root_path, safe=_PATH_SAFE, errors="surrogateescape"))
        return f"{self.scheme}://{self.host}{root}/"

    @property
    def url_root(self) -> str:
        """The same as :attr:`root_url`."""
        return self.root_url

    @property
    def base_url(self) -> str:
        """The URL without the query string."""
        return self._cache("base_url", self._make_base_url)

    def _make_base_url(self) -> str:
        path = _to_iri(quote(self.root_path + self.path, safe=_PATH_SAFE, errors="surrogateescape"))
        return f"{self.scheme}://{self.host}{path}"

    @property
    def url(self) -> str:
        """The full URL as an IRI: non-ASCII characters are shown, not escaped.

        In the query, as Werkzeug shows it, escapes are decoded except those
        of ``&=+#``, ``%``, space, controls and bytes that are not UTF-8,
        which would change what the query says (``?next=http%3A%2F%2Fa%2F``
        shows as ``?next=http://a/``, ``?q=a%26b`` stays as it is).
        """
        if not self.query_string:
            return self.base_url
        query = _unescape(quote_from_bytes(self.query_string, safe=_QUERY_SAFE), _KEEP_IN_QUERY)
        return f"{self.base_url}?{query}"

    @property
    def is_secure(self) -> bool:
        """Whether the request came over HTTPS (or WSS)."""
        return self.scheme in ("https", "wss")

    @property
    def access_route(self) -> list[str]:
        """The client's address followed by the proxies', from ``X-Forwarded-For``.

        Without that header: ``[remote_addr]``. The header is set by clients
        too, so trust it only behind a proxy you control.
        """
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded:
            parts = (part.strip() for part in forwarded.split(","))
            return self.list_storage_class(part for part in parts if part)
        if self.remote_addr is not None:
            return self.list_storage_class([self.remote_addr])
        return self.list_storage_class()

    def _wsgi_flag(self, key: str) -> bool:
        environ = self._environ
        return bool(environ.get(key, False)) if environ is not None else False

    @property
    def is_multithread(self) -> bool:
        """Whether the WSGI server may run requests in several threads
        (``wsgi.multithread``); False when the server did not say."""
        return self._wsgi_flag("wsgi.multithread")

    @property
    def is_multiprocess(self) -> bool:
        """Whether the WSGI server may run requests in several processes
        (``wsgi.multiprocess``); False when the server did not say."""
        return self._wsgi_flag("wsgi.multiprocess")

    @property
    def is_run_once(self) -> bool:
        """Whether the process serves only this request, as under CGI
        (``wsgi.run_once``); False when the server did not say."""
        return self._wsgi_flag("wsgi.run_once")

    # -- query string, form, files -------------------------------------------

    @property
    def args(self) -> ImmutableMultiDict[str, str]:
        """The query string's parameters; ``?a=1&a=2`` gives ``a`` two values."""
        # PERF: parsed on first use only; most views never read the query.
        if self._args is None:
            self._args = url_decode(self.query_string, self.parameter_storage_class)
        return self._args

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the body may hold form data: true when a Content-Type was sent."""
        return bool(self.headers.get("Content-Type"))

    def _load_form_data(self) -> None:
        if self._form is not None:
            return
        mimetype = self.mimetype
        # PERF: a form mimetype means a Content-Type was sent, so unless a
        # subclass overrides it want_form_data_parsed is true (0.15 µs).
        if mimetype in _FORM_MIMETYPES and (self._direct_body or self.want_form_data_parsed):
            length = self.content_length
            if self._cached_data is not None:
                stream: IO[bytes] = io.BytesIO(self._cached_data)
                length = len(self._cached_data)
            else:
                if (
                    mimetype == _URLENCODED
                    and length is not None
                    and self._stream is None
                    and self._input is not None
                    and self._direct_body
                    and self._load_urlencoded(self._input, length)
                ):
                    return
                stream = self.stream
            if self._custom_form_parsing:
                parser = self.make_form_data_parser()
                _, form, files = parser.parse(stream, mimetype, length, self.mimetype_params)
            else:
                form, files = _parse_form_data(
                    cast(BinaryIO, stream),
                    mimetype,
                    self.mimetype_params,
                    length,
                    max_content_length=self.max_content_length,
                    max_form_memory_size=self.max_form_memory_size,
                    max_form_parts=self.max_form_parts,
                )
        else:
            if self._input is _SHALLOW_INPUT:
                # COMPAT(werkzeug): a shallow request's form is refused
                # whatever the body is (the RuntimeError of its input).
                self._input.read()
            form = self.parameter_storage_class()
            files = self.parameter_storage_class()
        self._form, self._files = form, files

    def make_form_data_parser(self) -> FormDataParser:
        """The parser of this request's form body: a :attr:`form_data_parser_class`
        with the request's limits and :attr:`parameter_storage_class`.

        Not silent: a malformed body is a 400, as without a custom parser.
        :meth:`_get_file_stream` is its stream factory when a subclass
        overrides it; otherwise uploads are kept in memory up to 500 KB and
        spooled to a temporary file beyond.
        """
        factory = None
        if type(self)._get_file_stream is not Request._get_file_stream:
            factory = self._get_file_stream
        return self.form_data_parser_class(
            factory,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            cls=self.parameter_storage_class,
            silent=False,
            max_form_parts=self.max_form_parts,
        )

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """The file an uploaded file is written to. Override it to put uploads
        elsewhere (a subclass's version is called once per file part; it
        must return a writable, readable, seekable binary file)."""
        return default_stream_factory(total_content_length, content_type, filename, content_length)

    def _load_urlencoded(self, raw: IO[bytes], length: int) -> bool:
        # PERF: a urlencoded body whose Content-Length is within the limits is
        # read in one call from the input and parsed, with no limiting stream
        # nor chunk loop: request.form of a 40-byte body 7.3 -> 4.5 µs, the
        # benchmark's form request 29.9 -> 21.6 µs. Over a limit the stream
        # path runs instead and raises the 413 it always raised.
        limit = self.max_content_length
        if limit is not None and length > limit:
            return False
        memory = self.max_form_memory_size
        if memory is not None and length > memory:
            return False
        if length:
            # As parse_form_data: the charset is checked before the body is read.
            charset = _form_charset(self._parse_content_type()[1])
            form = _parse_urlencoded(
                self._read_whole_body(raw, length), charset, self.max_form_parts
            )
        else:
            # An empty body is an empty form, whatever its charset.
            self._stream = _BODY_READ
            form = ImmutableMultiDict()
        self._form, self._files = form, ImmutableMultiDict()
        return True

    @property
    def form(self) -> ImmutableMultiDict[str, str]:
        """The fields of a urlencoded or multipart body; empty for other bodies.

        Files are in :attr:`files`. A body over the limits raises
        :class:`RequestEntityTooLarge`, a malformed one :class:`BadRequest`.
        """
        if self._form is None:
            self._load_form_data()
        assert self._form is not None
        return self._form

    @property
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """The uploaded files of a multipart body, by field name."""
        if self._files is None:
            self._load_form_data()
        assert self._files is not None
        return self._files

    @property
    def values(self) -> CombinedMultiDict[str, str]:
        """:attr:`args` and :attr:`form` together; for GET only :attr:`args`."""
        if self._values is None:
            # COMPAT(flask): as Werkzeug 2.3+, a GET body must not change what the URL means
            # (a cache keyed on the URL would serve the wrong page).
            sources: list[MultiDict[str, str]] = [self.args]
            if self.method != "GET":
                sources.append(self.form)
            self._values = CombinedMultiDict(sources)
        return self._values

    # -- body --------------------------------------------------------------------

    @property
    def input_stream(self) -> IO[bytes] | None:
        """The raw body stream as the server gave it, without any limit. Prefer :attr:`stream`."""
        return self._input

    @property
    def stream(self) -> IO[bytes]:
        """The body, readable once, never past Content-Length or the size limit.

        A Content-Length above :attr:`max_content_length` raises
        :class:`RequestEntityTooLarge`. Without Content-Length the body is
        empty, unless the input is terminated by the server
        (``input_terminated``), in which case it is read to its end (and
        :attr:`max_content_length` is enforced while reading).
        """
        stream = self._stream
        if stream is None or stream is _BODY_READ:
            stream = self._stream = self._make_stream()
        return stream

    @stream.setter
    def stream(self, value: IO[bytes]) -> None:
        # COMPAT(werkzeug): ``request.stream = Wrapper(request.stream)``; the
        # body (get_data, form, json) is then read through it.
        self._stream = value

    def _make_stream(self) -> IO[bytes]:
        raw = self._input
        if raw is _SHALLOW_INPUT:
            raw.read()  # COMPAT(werkzeug): a shallow request has no stream: RuntimeError.
        length = self.content_length
        if self._stream is _BODY_READ:
            # get_data() or form read the body from the input: the stream it
            # would have read it through, at its end.
            assert raw is not None and length is not None
            ended = LimitedStream(raw, length)
            ended._pos = length
            return ended  # type: ignore[return-value]
        limit = self.max_content_length
        if length is not None and limit is not None and length > limit:
            raise RequestEntityTooLarge(
                f"The request body is {length} bytes; the limit is {limit} bytes."
            )
        if raw is None:
            return io.BytesIO()
        # PERF: ignores, not cast(IO[bytes], ...), which costs 0.18 µs per call.
        if length is not None:
            return LimitedStream(raw, length)  # type: ignore[return-value]
        if self.input_terminated:
            if limit is not None:
                return LimitedStream(raw, limit, is_max=True)  # type: ignore[return-value]
            return raw
        # SECURITY: no length and no end marker from the server: reading would
        # block on (or buffer) an endless body, so the body reads as empty.
        return io.BytesIO()

    @overload
    def get_data(
        self, cache: bool = ..., as_text: Literal[False] = ..., parse_form_data: bool = ...
    ) -> bytes: ...
    @overload
    def get_data(
        self, cache: bool = ..., *, as_text: Literal[True], parse_form_data: bool = ...
    ) -> str: ...
    @overload
    def get_data(self, cache: bool, as_text: Literal[True], parse_form_data: bool = ...) -> str: ...
    @overload
    def get_data(
        self, cache: bool = ..., as_text: bool = ..., parse_form_data: bool = ...
    ) -> bytes | str: ...
    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> bytes | str:
        """Read the whole body (once; later calls return the cached bytes).

        ``as_text`` decodes it as UTF-8, replacing invalid bytes. With
        ``parse_form_data`` a form body is parsed into :attr:`form` first and
        this returns ``b""`` for it.
        """
        data = self._cached_data
        if data is None:
            if parse_form_data:
                self._load_form_data()
            stream = self._stream
            if stream is None:
                data = self._read_body()
            elif stream is _BODY_READ:
                data = b""  # what the stream at the end of the body reads
            else:
                data = stream.read()
            if cache:
                self._cached_data = data
        if as_text:
            return data.decode("utf-8", "replace")
        return data

    def _read_body(self) -> bytes:
        # PERF: reading a whole body of known length straight from the input
        # skips the limiting wrapper (about 3 µs per request body).
        raw = self._input
        length = self.content_length
        if raw is None or length is None or not self._direct_body:
            return self.stream.read()
        limit = self.max_content_length
        if limit is not None and length > limit:
            return self.stream.read()
        return self._read_whole_body(raw, length)

    def _read_whole_body(self, raw: IO[bytes], length: int) -> bytes:
        """The ``length`` bytes of the body, read from the input; afterwards
        (or after an error) :attr:`stream` is where reading through it would be."""
        got = 0
        try:
            data = raw.read(length)
            got = len(data)
            if got < length:
                chunks = [data]
                while got < length:
                    chunk = raw.read(length - got)
                    if not chunk:
                        raise _short_body(got, length)
                    chunks.append(chunk)
                    got += len(chunk)
                data = b"".join(chunks)
        except BaseException:
            # Later reads of the stream go on from here, as they would have.
            self._stream = None
            stream = self._stream = self._make_stream()
            limited = stream._limited if isinstance(stream, BodyStream) else stream
            if isinstance(limited, LimitedStream):
                limited._pos = got
            raise
        self._stream = _BODY_READ
        return data

    @property
    def data(self) -> bytes:
        """The body as bytes; empty when the body was form data (see :attr:`form`)."""
        return self.get_data(parse_form_data=True)

    # -- JSON ----------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is ``application/json`` or ``application/*+json``."""
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @property
    def json(self) -> Any:
        """The parsed JSON body; see :meth:`get_json`.

        A non-JSON Content-Type raises :class:`UnsupportedMediaType` (415).
        """
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        A Content-Type other than JSON gives 415 unless ``force``; a body that
        is not valid JSON gives 400 (both through :meth:`on_json_loading_failed`).
        ``silent`` returns ``None`` instead of raising.
        """
        if cache:
            cached = self._json_silent if silent else self._json
            if cached is not _MISSING:
                return cached
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        data = self.get_data(cache=cache)
        try:
            rv = self.json_module.loads(data)
        except ValueError as e:  # UnicodeDecodeError and JSONDecodeError included
            if silent:
                if cache:
                    self._json_silent = None
                return None
            rv = self.on_json_loading_failed(e)
            if cache:
                self._json = rv
            return rv
        if cache:
            self._json = self._json_silent = rv
        return rv

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Called when :meth:`get_json` cannot return data; its return value is used.

        ``e`` is the parse error, or ``None`` when the Content-Type was not
        JSON. Raises :class:`BadRequest` or :class:`UnsupportedMediaType`.
        """
        if e is not None:
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request Content-Type was not"
            f" 'application/json' (it was {self.headers.get('Content-Type')!r})."
        )

    # -- headers -----------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The raw ``Content-Type`` header."""
        return self.headers.get("Content-Type")

    def _parse_content_type(self) -> tuple[str, Mapping[str, str]]:
        parsed = self._content_type
        if parsed is None:
            header = self.headers.get("Content-Type") or ""
            # PERF: the few Content-Types an app receives are parsed once:
            # mimetype of "application/x-www-form-urlencoded" 0.37 -> 0.24 µs.
            parsed = _CONTENT_TYPES.get(header)
            if parsed is None:
                mimetype, params = parse_options_header(header)
                parsed = (mimetype.lower(), params)
                # SECURITY: the header comes from the client: only short values
                # without a multipart boundary (one per request) are kept, and
                # not more than _CONTENT_TYPES_SIZE of them. The parameters are
                # shared: read-only.
                if len(header) <= 100 and "boundary" not in params:
                    if len(_CONTENT_TYPES) >= _CONTENT_TYPES_SIZE:
                        _CONTENT_TYPES.clear()
                    parsed = _CONTENT_TYPES[header] = (parsed[0], MappingProxyType(params))
            self._content_type = parsed
        return parsed

    @property
    def mimetype(self) -> str:
        """The Content-Type without parameters, lower-cased; ``""`` when missing."""
        parsed = self._content_type
        if parsed is None:
            parsed = self._parse_content_type()
        return parsed[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The Content-Type's parameters: ``{"charset": "utf-8"}``."""
        return dict(self._parse_content_type()[1])

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` as an int; ``None`` when absent, invalid or chunked."""
        length = self._content_length
        if length is _MISSING:
            length = self._content_length = self._parse_content_length()
        return length  # type: ignore[no-any-return]

    def _parse_content_length(self) -> int | None:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding and "chunked" in encoding.lower():
            return None
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        return digits_to_int(value.strip())

    @property
    def content_md5(self) -> str | None:
        """The ``Content-MD5`` header (RFC 1864, obsolete): a base64 MD5 digest
        of the body, as sent; it is not checked."""
        return self.headers.get("Content-MD5")

    @property
    def content_encoding(self) -> str | None:
        """The ``Content-Encoding`` header (``gzip``, ...)."""
        return self.headers.get("Content-Encoding")

    @property
    def referrer(self) -> str | None:
        """The ``Referer`` header."""
        return self.headers.get("Referer")

    @property
    def origin(self) -> str | None:
        """The ``Origin`` header."""
        return self.headers.get("Origin")

    @property
    def access_control_request_headers(self) -> HeaderSet | None:
        """The ``Access-Control-Request-Headers`` of a CORS preflight: the
        headers the actual request will send (None without the header, as
        in Werkzeug)."""
        if "Access-Control-Request-Headers" not in self.headers:
            return None
        return self._cache(
            "access_control_request_headers",
            lambda: self._header_set("Access-Control-Request-Headers"),
        )

    @property
    def access_control_request_method(self) -> str | None:
        """The ``Access-Control-Request-Method`` of a CORS preflight: the
        method the actual request will use."""
        return self.headers.get("Access-Control-Request-Method")

    @property
    def remote_user(self) -> str | None:
        """The user the server authenticated (``REMOTE_USER`` in the WSGI
        environ), if any; never set by ASGI servers."""
        value = self.environ.get("REMOTE_USER")
        return value if isinstance(value, str) else None

    @property
    def max_forwards(self) -> int | None:
        """The ``Max-Forwards`` header as an int."""
        value = self.headers.get("Max-Forwards")
        return digits_to_int(value) if value else None

    @property
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header, parsed."""
        return self._cache(
            "user_agent", lambda: self.user_agent_class(self.headers.get("User-Agent") or "")
        )

    @property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies sent in ``Cookie`` headers."""
        if self._cookies is None:
            values = self.headers.getlist("Cookie")
            header = values[0] if len(values) == 1 else "; ".join(values) or None
            self._cookies = parse_cookie(header, cls=self.dict_storage_class)
        return self._cookies

    @property
    def authorization(self) -> Authorization | None:
        """The ``Authorization`` header (Basic or Bearer, or another scheme), parsed."""
        return self._cache(
            "authorization", lambda: parse_authorization_header(self.headers.get("Authorization"))
        )

    def _header_set(self, name: str) -> HeaderSet:
        return parse_set_header(self.headers.get(name))

    @property
    def pragma(self) -> HeaderSet:
        """The ``Pragma`` header's directives."""
        return self._cache("pragma", lambda: self._header_set("Pragma"))

    @property
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header, with ``best_match`` for content negotiation."""
        return self._cache(
            "accept", lambda: parse_accept_header(self.headers.get("Accept"), MIMEAccept)
        )

    @property
    def accept_languages(self) -> LanguageAccept:
        """The ``Accept-Language`` header."""
        return self._cache(
            "accept_language",
            lambda: parse_accept_header(self.headers.get("Accept-Language"), LanguageAccept),
        )

    @property
    def accept_charsets(self) -> CharsetAccept:
        """The ``Accept-Charset`` header."""
        return self._cache(
            "accept_charset",
            lambda: parse_accept_header(self.headers.get("Accept-Charset"), CharsetAccept),
        )

    @property
    def accept_encodings(self) -> Any:
        """The ``Accept-Encoding`` header."""
        return self._cache(
            "accept_encoding", lambda: parse_accept_header(self.headers.get("Accept-Encoding"))
        )

    @property
    def cache_control(self) -> RequestCacheControl:
        """The ``Cache-Control`` header's directives."""
        return self._cache(
            "cache_control",
            lambda: parse_cache_control_header(
                self.headers.get("Cache-Control"), None, RequestCacheControl
            ),
        )

    @property
    def if_match(self) -> ETags:
        """The ETags of ``If-Match``."""
        return self._cache("if_match", lambda: parse_etags(self.headers.get("If-Match")))

    @property
    def if_none_match(self) -> ETags:
        """The ETags of ``If-None-Match``."""
        return self._cache("if_none_match", lambda: parse_etags(self.headers.get("If-None-Match")))

    def _date(self, name: str) -> datetime | None:
        return self._cache(name, lambda: parse_date(self.headers.get(name)))

    @property
    def if_modified_since(self) -> datetime | None:
        """``If-Modified-Since`` as an aware UTC datetime."""
        return self._date("If-Modified-Since")

    @property
    def if_unmodified_since(self) -> datetime | None:
        """``If-Unmodified-Since`` as an aware UTC datetime."""
        return self._date("If-Unmodified-Since")

    @property
    def date(self) -> datetime | None:
        """The ``Date`` header as an aware UTC datetime."""
        return self._date("Date")

    @property
    def if_range(self) -> IfRange:
        """The ``If-Range`` header (an ETag or a date)."""
        return self._cache("if_range", lambda: parse_if_range_header(self.headers.get("If-Range")))

    @property
    def range(self) -> Range | None:
        """The ``Range`` header, parsed; ``None`` when absent or invalid."""
        return self._cache("range", lambda: parse_range_header(self.headers.get("Range")))


# The limits read and set their slots: each name is the slot's own descriptor.
for _name in ("max_content_length", "max_form_memory_size", "max_form_parts", "trusted_hosts"):
    setattr(Request, _name, Request.__dict__[f"_slot_{_name}"])
del _name


def _host_is_trusted(host: str, trusted: Iterable[str] | str) -> bool:
    if not host:
        return False
    if host.startswith("["):
        name = host[: host.find("]") + 1]
    else:
        name = host.partition(":")[0]
    name = name.lower().rstrip(".")
    if isinstance(trusted, str):
        trusted = [trusted]
    for ref in trusted:
        suffix = ref.startswith(".")
        ref = ref.removeprefix(".")
        if not ref.startswith("["):
            ref = ref.partition(":")[0]
        try:
            ref = ref.encode("idna").decode("ascii").lower()
        except UnicodeError:
            continue
        if name == ref or (suffix and name.endswith("." + ref)):
            return True
    return False
