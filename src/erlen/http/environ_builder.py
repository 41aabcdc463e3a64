"""Build the WSGI environ of a test request (Werkzeug's ``werkzeug.test``).

It is part of the toolkit, as Werkzeug's is, so that the toolkit's
:meth:`Request.from_values() <erlen.http.request.Request.from_values>` has
it without the framework.

:class:`EnvironBuilder` is the one place a test request is put together:
``Request.from_values()`` builds its request from one, the WSGI test client
sends its environ as is, the ASGI client derives its scope from it, and
``app.test_request_context()`` pushes a context for it::

    builder = EnvironBuilder(None, "/search", query_string={"q": "erlen"})
    environ = builder.get_environ()

The framework's parts are read from an optional ``app`` object, duck-typed:
``app.config`` (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``), ``app.json`` (``json=``) and ``app.request_class``
(:meth:`EnvironBuilder.get_request`). ``erlen.testing`` re-exports the class;
``import erlen`` does not import this module.
"""

from __future__ import annotations

import base64
import io
import json as _stdlib_json
import mimetypes
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import IO, Any, ClassVar, TypeVar, cast, overload
from urllib.parse import unquote_to_bytes, urlsplit

from .datastructures import (
    CallbackDict,
    FileMultiDict,
    FileStorage,
    Headers,
    MultiDict,
)
from .headers import dump_options_header, parse_options_header
from .multipart import encode_multipart
from .request import Request
from .urls import iri_to_uri, url_encode
from .utils import get_content_type
from .wsgi import WSGIEnvironment, _environ_headers, _environ_host, _to_wsgi
from .wsgi import _url_path as _wsgi_url_path

__all__ = ["EnvironBuilder"]

_RequestT = TypeVar("_RequestT", bound=Request)


_URLENCODED = "application/x-www-form-urlencoded"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("erlen")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "0"


def _host_name(host: str) -> str:
    """``host`` without its port, lower-cased (``[::1]:80`` gives ``[::1]``)."""
    if host.startswith("["):
        return host.partition("]")[0].lower() + "]"
    return host.partition(":")[0].lower()


def _host_port(host: str, scheme: str) -> str:
    if host.startswith("["):
        port = host.partition("]")[2].lstrip(":")
    else:
        port = host.partition(":")[2]
    if port.isdigit():
        return port
    return "443" if scheme in ("https", "wss") else "80"


class EnvironBuilder:
    """Build a WSGI environ for a test request.

    ``path`` may carry a query string (``"/search?q=a"``) or be a full URL;
    ``base_url`` is the scheme, host and mount point (``"https://example.com/app"``).
    With ``app`` and no ``base_url``, the host, root and scheme come from the
    app's ``SERVER_NAME`` (else ``localhost``), ``APPLICATION_ROOT`` and
    ``PREFERRED_URL_SCHEME``; ``subdomain`` and ``url_scheme`` adjust them.

    ``query_string`` is a string, a dict or a ``MultiDict``. ``data`` is the
    body: ``str`` or ``bytes`` as is, or a dict (or ``MultiDict``) of form
    fields, sent urlencoded, or as ``multipart/form-data`` when a value is a
    file: an open binary file, a ``FileStorage`` or a tuple ``(file,
    filename[, content_type])``. ``json`` is serialised with the app's JSON
    provider and sent as ``application/json``. ``auth`` is a ``(username,
    password)`` tuple for HTTP Basic or an object with ``to_header()``.
    """

    server_protocol: ClassVar[str] = "HTTP/1.1"
    wsgi_version: ClassVar[tuple[int, int]] = (1, 0)
    #: The class :meth:`get_request` builds without an app (with one, the
    #: app's ``request_class``).
    request_class: ClassVar[type[Request]] = Request

    def __init__(
        self,
        app: Any = None,
        path: str = "/",
        base_url: str | None = None,
        query_string: str | Mapping[str, Any] | None = None,
        method: str = "GET",
        input_stream: IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Headers | Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        data: str | bytes | IO[bytes] | Mapping[str, Any] | None = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: tuple[str, str] | Any = None,
        *,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        mimetype: str | None = None,
    ) -> None:
        if isinstance(app, str) and path == "/":
            # COMPAT(werkzeug): EnvironBuilder("/path", ...) without an app.
            app, path = None, app
        self.app = app
        url = urlsplit(path)
        if base_url is None:
            base_url = self._default_base_url(app, url.scheme, url.netloc, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise TypeError("Cannot pass 'subdomain' or 'url_scheme' together with 'base_url'.")
        if query_string is not None and url.query:
            raise ValueError("The query string is given both in the path and as an argument.")
        # COMPAT(werkzeug): "/path?" keeps its "?" in REQUEST_URI, as a
        # server gives it (until the query is set otherwise).
        self._empty_query_mark = query_string is None and not url.query and "?" in path
        if query_string is None:
            query_string = url.query

        self.path = iri_to_uri(url.path or "/")
        if not self.path.startswith("/"):
            self.path = "/" + self.path
        self.base_url = base_url
        self._query_string: str | None = None
        self._args: MultiDict[str, Any] | None = None
        if isinstance(query_string, str):
            self._query_string = query_string
        else:
            self._args = (
                query_string if isinstance(query_string, MultiDict) else MultiDict(query_string)
            )
        self.method = method.upper()
        if headers is None:
            self.headers = Headers()
        elif isinstance(headers, Headers):
            self.headers = headers.copy()
        else:
            self.headers = Headers(headers)
        if content_type is None and mimetype is not None:
            # COMPAT(werkzeug): as the mimetype setter, with a charset for text.
            content_type = get_content_type(mimetype, "utf-8")
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        if content_length is not None:
            self.headers.set("Content-Length", str(content_length))
        self.errors_stream: IO[str] = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.environ_base = dict(environ_base) if environ_base else None
        self.environ_overrides = dict(environ_overrides) if environ_overrides else None
        self._input_stream = input_stream
        self.closed = False
        self._opened_files: list[IO[bytes]] = []
        # The encoded body of ``data``/``json``; made once so the environ can be
        # rebuilt (a 307 redirect resends it).
        self._body: bytes | None = None
        self._body_stream: IO[bytes] | None = None
        self._fields: list[tuple[str, Any]] | None = None
        self._multipart = False
        # The fields as .form and .files, once a test asked for them: from
        # then on the body is encoded from these (they may change).
        self._form: MultiDict[str, str] | None = None
        self._files: FileMultiDict | None = None

        if auth is not None:
            self.headers.set("Authorization", _auth_header(auth))
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'json' or 'data', not both.")
            data = self.json_dumps(json)
            if "Content-Type" not in self.headers:
                self.headers.set("Content-Type", "application/json")
        if data:
            if input_stream is not None:
                raise TypeError("Pass either 'input_stream' or 'data', not both.")
            self._set_data(data)

    @staticmethod
    def _default_base_url(
        app: Any, scheme: str, netloc: str, subdomain: str | None, url_scheme: str | None
    ) -> str:
        host = "localhost"
        root = "/"
        default_scheme = url_scheme or "http"
        if app is not None:
            config = app.config
            host = config.get("SERVER_NAME") or "localhost"
            root = config.get("APPLICATION_ROOT") or "/"
            default_scheme = url_scheme or config.get("PREFERRED_URL_SCHEME") or "http"
        if subdomain:
            host = f"{subdomain}.{host}"
        return f"{scheme or default_scheme}://{netloc or host}/{root.lstrip('/')}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any], **kwargs: Any) -> EnvironBuilder:
        """Make a builder that recreates ``environ`` (keyword arguments override)."""
        headers = _environ_headers(environ)
        host = headers.get("Host") or _environ_host(environ)
        for name in ("Host", "Content-Type", "Content-Length"):
            headers.remove(name)
        script_name = environ.get("SCRIPT_NAME") or ""
        script_root = _wsgi_url_path({"SCRIPT_NAME": script_name}) if script_name else ""
        out: dict[str, Any] = {
            "path": _wsgi_url_path({"PATH_INFO": environ.get("PATH_INFO", "") or "/"}),
            "base_url": f"{environ.get('wsgi.url_scheme', 'http')}://{host}{script_root}",
            "query_string": _query_text(environ.get("QUERY_STRING", "")),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": _int_or_none(environ.get("CONTENT_LENGTH")),
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        out.update(kwargs)
        return cls(**out)

    # -- base URL parts -----------------------------------------------------

    @property
    def base_url(self) -> str:
        """The scheme, host and root path, ending with ``/``."""
        return f"{self.url_scheme}://{self.host}{self.script_root}/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        if value is None:
            value = "http://localhost/"
        parts = urlsplit(iri_to_uri(value))
        if parts.query or parts.fragment:
            raise ValueError("The base URL must not contain a query string or fragment.")
        self.url_scheme = parts.scheme or "http"
        self.host = parts.netloc or "localhost"
        self.script_root = parts.path.rstrip("/")

    @property
    def server_name(self) -> str:
        """The host name, without the port."""
        return _host_name(self.host)

    @property
    def server_port(self) -> int:
        """The port from the host, or the scheme's default."""
        return int(_host_port(self.host, self.url_scheme))

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` the request is sent with: the one set, else
        that of the form fields (``multipart/form-data`` once there is a
        file, else ``application/x-www-form-urlencoded``; the boundary is
        added when the body is encoded), else None."""
        value: str | None = self.headers.get("Content-Type")
        if value is not None or self._input_stream is not None:
            return value
        if self._form is not None and self._files is not None:
            if self._files:
                return "multipart/form-data"
            return _URLENCODED if self._form else None
        if self._fields:
            return "multipart/form-data" if self._multipart else _URLENCODED
        return None

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        """The content type without its parameters. Setting it sets
        :attr:`content_type`, with ``charset=utf-8`` for text types."""
        ct = self.content_type
        return ct.partition(";")[0].strip().lower() if ct else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.content_type = get_content_type(value, "utf-8")

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` set explicitly, if any."""
        return _int_or_none(self.headers.get("Content-Length"))

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers.set("Content-Length", str(value))

    @property
    def mimetype_params(self) -> CallbackDict[str, str]:
        """The parameters of the ``Content-Type`` (``charset``, ``boundary``...);
        changing the dict changes the header."""

        def write_back(params: CallbackDict[str, str]) -> None:
            self.headers.set("Content-Type", dump_options_header(self.mimetype or "", dict(params)))

        return CallbackDict(parse_options_header(self.content_type)[1], write_back)

    # -- query string ---------------------------------------------------------

    @property
    def query_string(self) -> str:
        """The query string: the one given, else :attr:`args` encoded."""
        if self._query_string is None:
            return url_encode(self._args) if self._args is not None else ""
        return self._query_string

    @query_string.setter
    def query_string(self, value: str | None) -> None:
        self._query_string = value
        self._args = None
        self._empty_query_mark = False

    @property
    def args(self) -> MultiDict[str, Any]:
        """The query arguments, as a ``MultiDict`` that may be changed.

        :raises AttributeError: the query string was given as a string.
        """
        if self._query_string:
            raise AttributeError("The query string was given as a string; it has no 'args'.")
        if self._args is None:
            self._query_string = None
            self._args = MultiDict()
        return self._args

    @args.setter
    def args(self, value: MultiDict[str, Any] | None) -> None:
        self._args = value
        self._query_string = None
        self._empty_query_mark = False

    # -- body -----------------------------------------------------------------

    @property
    def input_stream(self) -> IO[bytes] | None:
        """The body's stream: the one given, or one over the ``data`` or
        ``json`` bytes (None for form fields and without a body)."""
        if self._input_stream is not None:
            return self._input_stream
        if self._body is not None and self._fields is None:
            if self._body_stream is None:
                self._body_stream = io.BytesIO(self._body)
            return self._body_stream
        return None

    @input_stream.setter
    def input_stream(self, value: IO[bytes] | None) -> None:
        # A stream replaces whatever body ``data``, ``json``, form or files gave.
        self._input_stream = value
        self._body = self._body_stream = None
        self._fields = self._form = self._files = None
        self._multipart = False

    @property
    def form(self) -> MultiDict[str, str]:
        """The form fields sent (a ``MultiDict`` that may be changed; the body
        is encoded from it).

        :raises AttributeError: the body is a stream or bytes.
        """
        self._split_fields()
        assert self._form is not None
        return self._form

    @form.setter
    def form(self, value: MultiDict[str, str]) -> None:
        self._split_fields()
        self._form = value

    @property
    def files(self) -> FileMultiDict:
        """The files sent (a ``FileMultiDict``: ``files.add_file(name, file,
        filename)``); any file makes the body ``multipart/form-data``.

        :raises AttributeError: the body is a stream or bytes.
        """
        self._split_fields()
        assert self._files is not None
        return self._files

    @files.setter
    def files(self, value: FileMultiDict) -> None:
        self._split_fields()
        self._files = value

    def _split_fields(self) -> None:
        if self._form is not None:
            return
        if self.input_stream is not None:
            raise AttributeError("The body is given as a stream or bytes; it has no form fields.")
        form: MultiDict[str, str] = MultiDict()
        files = FileMultiDict()
        for key, value in self._fields or ():
            if isinstance(value, tuple):
                stream, filename, content_type = (*value, None, None)[:3]
                if isinstance(stream, bytes | bytearray | memoryview):
                    stream = io.BytesIO(stream)
                files.add_file(key, stream, filename, content_type)
            elif isinstance(value, FileStorage):
                files.add(key, value)
            else:
                form.add(key, value)
        self._form, self._files = form, files
        self._fields = []
        self._body = None

    def json_dumps(self, obj: Any) -> str:
        """Serialise ``obj`` with the app's JSON provider (stdlib ``json`` without an app)."""
        if self.app is not None:
            provider = getattr(self.app, "json", None)
            if provider is not None:
                return str(provider.dumps(obj))
        return _stdlib_json.dumps(obj)

    def _set_data(self, data: Any) -> None:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, bytes | bytearray | memoryview):
            self._body = bytes(data)
            return
        if not isinstance(data, Mapping):
            raise TypeError(
                f"'data' must be str, bytes, a file or a dict, not {type(data).__name__}"
            )
        fields: list[tuple[str, Any]] = []
        for key, value in _iter_form(data):
            if _is_file(value):
                self._multipart = True
                fields.append((key, _with_content_type(self._open_file_value(value))))
            elif isinstance(value, bytes):
                fields.append((key, value.decode("utf-8", "replace")))
            elif value is not None:
                fields.append((key, value if isinstance(value, str) else str(value)))
        self._fields = fields

    def _open_file_value(self, value: Any) -> Any:
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            f = open(value[0], "rb")  # noqa: SIM115 - closed by close()
            self._opened_files.append(f)
            return (f, *value[1:]) if len(value) > 1 else (f, value[0])
        return value

    def _encode_body(self) -> tuple[bytes | None, str | None]:
        """Return the body bytes and the content type to send with them."""
        # The header as set: the fields' own type is decided here.
        content_type: str | None = self.headers.get("Content-Type")
        if self._form is not None and self._files is not None:
            fields = [*self._form.items(multi=True), *self._files.items(multi=True)]
            if not fields:
                return None, content_type
            # The test may have changed form or files since the last call:
            # encode again when a field or a file object differs.
            if self._fields != fields:
                self._fields = fields
                self._multipart = bool(self._files)
                self._body = None
        if self._fields is None:
            return self._body, content_type
        if self._body is None:
            mimetype = content_type.partition(";")[0].strip().lower() if content_type else None
            if self._multipart or mimetype == "multipart/form-data":
                boundary = None
                if mimetype == "multipart/form-data":
                    # A boundary the test chose is the one the body uses.
                    boundary = parse_options_header(content_type)[1].get("boundary")
                self._body, multipart_type = encode_multipart(self._fields, boundary)
                self.headers.set(
                    "Content-Type",
                    multipart_type if boundary is None else cast(str, content_type),
                )
            else:
                self._body = url_encode(self._fields).encode("ascii")
                if content_type is None:
                    self.headers.set("Content-Type", "application/x-www-form-urlencoded")
        return self._body, self.content_type

    # -- output ---------------------------------------------------------------

    def get_environ(self) -> WSGIEnvironment:
        """Return a new WSGI environ for this request.

        Paths are percent-decoded and carried as UTF-8 bytes in latin-1
        strings, as PEP 3333 requires. Call it again for a fresh environ
        (with a fresh body stream).
        """
        body, content_type = self._encode_body()
        content_length = self.content_length
        input_terminated = False
        stream = self._input_stream
        if body is not None:
            stream = io.BytesIO(body)
            content_length = len(body)
        elif stream is not None:
            if content_length is None:
                content_length = _remaining_length(stream)
                input_terminated = content_length is None
        else:
            stream = io.BytesIO()

        query = self.query_string
        request_uri = self.path + ("?" + query if query or self._empty_query_mark else "")

        environ: WSGIEnvironment = dict(self.environ_base) if self.environ_base else {}
        environ.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": unquote_to_bytes(self.script_root).decode("latin-1"),
                "PATH_INFO": unquote_to_bytes(self.path).decode("latin-1"),
                "QUERY_STRING": _to_wsgi(query),
                "REQUEST_URI": _to_wsgi(self.script_root + request_uri),
                "RAW_URI": _to_wsgi(self.script_root + request_uri),
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "HTTP_HOST": self.host,
                "SERVER_PROTOCOL": self.server_protocol,
                "wsgi.version": self.wsgi_version,
                "wsgi.url_scheme": self.url_scheme,
                "wsgi.input": stream,
                "wsgi.errors": self.errors_stream,
                "wsgi.multithread": self.multithread,
                "wsgi.multiprocess": self.multiprocess,
                "wsgi.run_once": self.run_once,
            }
        )
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        if content_length is not None:
            environ["CONTENT_LENGTH"] = str(content_length)
        if input_terminated:
            environ["wsgi.input_terminated"] = True
        combined: dict[str, str] = {}
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            if key in combined:
                # A server joins a repeated header into one value; Cookie uses "; ".
                joiner = "; " if key == "HTTP_COOKIE" else ", "
                combined[key] = f"{combined[key]}{joiner}{value}"
            else:
                combined[key] = value
        environ.update(combined)
        if self.environ_overrides:
            environ.update(self.environ_overrides)
        return environ

    @overload
    def get_request(self) -> Request: ...
    @overload
    def get_request(self, cls: type[_RequestT]) -> _RequestT: ...
    def get_request(self, cls: type[Request] | None = None) -> Request:
        """Build a request object from :meth:`get_environ`: of class ``cls``,
        else the app's ``request_class``, else :attr:`request_class`.

        The request is ``cls(environ)``, as Werkzeug's is (so it is stored in
        ``environ["werkzeug.request"]``)."""
        if cls is None:
            app_class: type[Request] | None = getattr(self.app, "request_class", None)
            cls = app_class or self.request_class
        return cls(self.get_environ())

    def close(self) -> None:
        """Close the files of the body: those this builder opened from
        paths and, as Werkzeug does, the file objects given to send."""
        if self.closed:
            return
        self.closed = True
        for f in self._opened_files:
            f.close()
        self._opened_files.clear()
        if self._files is not None:
            given: list[Any] = [value for _key, value in self._files.items(multi=True)]
        else:
            given = [
                value[0] if isinstance(value, tuple) else value
                for _key, value in self._fields or ()
                if isinstance(value, tuple | FileStorage)
            ]
        for value in given:
            close = getattr(value, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> EnvironBuilder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _auth_header(auth: Any) -> str:
    if isinstance(auth, tuple):
        username, password = auth
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return f"Basic {token}"
    return str(auth.to_header())


def _iter_form(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if isinstance(data, MultiDict):
        yield from data.items(multi=True)
        return
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _is_file(value: Any) -> bool:
    return isinstance(value, tuple | FileStorage) or hasattr(value, "read")


def _with_content_type(value: Any) -> Any:
    """The file field ``value``, made to carry a content type: its own, else
    one guessed from its filename, else ``application/octet-stream``."""
    # COMPAT(werkzeug): Werkzeug's builder gives every file part a
    # Content-Type, so an upload's ``content_type`` is never None in tests.
    if isinstance(value, tuple):
        if len(value) > 2 and value[2]:
            return value
        filename = value[1] if len(value) > 1 else _file_name(value[0])
        return (value[0], filename, _guess_type(filename))
    if getattr(value, "content_type", None):
        return value
    if hasattr(value, "stream"):
        filename = getattr(value, "filename", None)
        return (value.stream, filename, _guess_type(filename))
    filename = _file_name(value)
    return (value, filename, _guess_type(filename))


def _file_name(source: Any) -> str | None:
    """The base name of an open file's path (None for bytes, ``<stdin>``...)."""
    name = getattr(source, "name", None)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return os.path.basename(name)


def _guess_type(filename: str | None) -> str:
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return guessed or "application/octet-stream"


def _remaining_length(stream: IO[bytes]) -> int | None:
    try:
        start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return end - start


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _query_text(query: str) -> str:
    try:
        return query.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return query
