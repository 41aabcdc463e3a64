"""Test helpers: build requests, drive the app without a server, run CLI commands.

Most tests use the client the app gives you::

    client = app.test_client()
    response = client.post("/login", data={"user": "ada"}, follow_redirects=True)
    assert response.status_code == 200

    with client:                    # keep the last request's contexts alive
        client.get("/profile")
        assert request.path == "/profile"

    with client.session_transaction() as sess:
        sess["user_id"] = 7         # saved into the client's cookie jar

:class:`EnvironBuilder` makes the WSGI environ for a request (also used by
``app.test_request_context()``), :class:`ErlenClient` sends requests through
the app and keeps cookies, and :class:`ErlenCliRunner` invokes the app's CLI.
"""

from __future__ import annotations

import base64
import importlib
import io
import json as _stdlib_json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from types import TracebackType
from typing import IO, Any, ClassVar
from urllib.parse import quote, unquote_to_bytes, urljoin, urlsplit

from click.testing import CliRunner, Result

from erlen.adapters.wsgi import EnvironHeaders, WSGIEnvironment, request_from_environ
from erlen.http.cookies import dump_cookie, parse_cookie, parse_set_cookie
from erlen.http.datastructures import FileStorage, Headers, MultiDict
from erlen.http.exceptions import BadRequest
from erlen.http.multipart import encode_multipart
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.http.urls import iri_to_uri, url_encode

__all__ = [
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "ErlenCliRunner",
    "ErlenClient",
    "TestResponse",
]

_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))
_BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding")
# Keys a redirect carries over from the previous environ besides what
# EnvironBuilder.from_environ rebuilds.
_CARRIED_KEYS = ("REMOTE_ADDR", "REMOTE_PORT", "SERVER_PROTOCOL")
PRESERVE_CONTEXT_KEY = "erlen.preserve_context"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("erlen")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "0"


def _wsgi_str(text: str) -> str:
    """Encode text as PEP 3333 wants it in the environ: UTF-8 bytes as latin-1."""
    if text.isascii():
        return text
    return text.encode("utf-8").decode("latin-1")


def _wsgi_url_path(environ: Mapping[str, Any]) -> str:
    """The percent-encoded URL path (root and path) an environ asks for."""
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8")
    return quote(data, safe=_PATH_SAFE)


def _environ_host(environ: Mapping[str, Any]) -> str:
    host: str | None = environ.get("HTTP_HOST")
    if host:
        return host
    name = environ.get("SERVER_NAME") or "localhost"
    port = str(environ.get("SERVER_PORT") or "")
    scheme = environ.get("wsgi.url_scheme", "http")
    if port and (scheme, port) not in (("http", "80"), ("https", "443")):
        return f"{name}:{port}"
    return str(name)


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


def _current_url(environ: Mapping[str, Any]) -> str:
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{_environ_host(environ)}"
    url += _wsgi_url_path(environ)
    query = environ.get("QUERY_STRING")
    if query:
        url += "?" + query
    return url


# ---------------------------------------------------------------------------
# EnvironBuilder


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
        self.app = app
        url = urlsplit(path)
        if base_url is None:
            base_url = self._default_base_url(app, url.scheme, url.netloc, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise TypeError("Cannot pass 'subdomain' or 'url_scheme' together with 'base_url'.")
        if query_string is not None and url.query:
            raise ValueError("The query string is given both in the path and as an argument.")
        if query_string is None:
            query_string = url.query

        self.path = iri_to_uri(url.path or "/")
        if not self.path.startswith("/"):
            self.path = "/" + self.path
        self.base_url = base_url
        self.query_string: str = ""
        self.args: MultiDict[str, Any] | None = None
        if isinstance(query_string, str):
            self.query_string = query_string
        else:
            self.args = (
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
            content_type = mimetype
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
        self.input_stream = input_stream
        self.closed = False
        self._opened_files: list[IO[bytes]] = []
        # The encoded body of ``data``/``json``; made once so the environ can be
        # rebuilt (a 307 redirect resends it).
        self._body: bytes | None = None
        self._fields: list[tuple[str, Any]] | None = None
        self._multipart = False

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
        headers = EnvironHeaders(environ).copy()
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
        """The ``Content-Type`` the request is sent with."""
        value: str | None = self.headers.get("Content-Type")
        return value

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        """The content type without its parameters."""
        ct = self.content_type
        return ct.partition(";")[0].strip().lower() if ct else None

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

    # -- body -----------------------------------------------------------------

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
                fields.append((key, self._open_file_value(value)))
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
        content_type = self.content_type
        if self._fields is None:
            return self._body, content_type
        if self._body is None:
            mimetype = self.mimetype
            if self._multipart or mimetype == "multipart/form-data":
                self._body, multipart_type = encode_multipart(self._fields)
                if mimetype != "multipart/form-data" or "boundary=" not in (content_type or ""):
                    self.headers.set("Content-Type", multipart_type)
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
        stream = self.input_stream
        if body is not None:
            stream = io.BytesIO(body)
            content_length = len(body)
        elif stream is not None:
            if content_length is None:
                content_length = _remaining_length(stream)
                input_terminated = content_length is None
        else:
            stream = io.BytesIO()

        if self.args is not None:
            query = url_encode(self.args)
        else:
            query = self.query_string
        request_uri = self.path + ("?" + query if query else "")

        environ: WSGIEnvironment = dict(self.environ_base) if self.environ_base else {}
        environ.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": unquote_to_bytes(self.script_root).decode("latin-1"),
                "PATH_INFO": unquote_to_bytes(self.path).decode("latin-1"),
                "QUERY_STRING": _wsgi_str(query),
                "REQUEST_URI": _wsgi_str(self.script_root + request_uri),
                "RAW_URI": _wsgi_str(self.script_root + request_uri),
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

    def get_request(self, cls: type[Request] | None = None) -> Request:
        """Build a request object (the app's ``request_class`` by default)."""
        if cls is None:
            app_class: type[Request] | None = getattr(self.app, "request_class", None)
            cls = app_class or Request
        return request_from_environ(self.get_environ(), cls)

    def close(self) -> None:
        """Close the files this builder opened from paths."""
        if self.closed:
            return
        self.closed = True
        for f in self._opened_files:
            f.close()
        self._opened_files.clear()

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


# ---------------------------------------------------------------------------
# Responses


class TestResponse(Response):
    """A response returned by the test client.

    Besides the response API it has :attr:`request` (the request that was
    sent), :attr:`history` (the redirect responses followed to get here,
    oldest first) and :attr:`text`.
    """

    __test__ = False  # not a pytest test class

    history: tuple[TestResponse, ...]
    _request_environ: WSGIEnvironment | None
    _request: Request | None

    def __init__(
        self,
        response: Any = None,
        status: Any = None,
        headers: Any = None,
        *args: Any,
        request: Request | None = None,
        history: tuple[TestResponse, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(response, status, headers, *args, **kwargs)
        if headers is not None and not isinstance(headers, Headers):
            # COMPAT(flask): the headers are exactly what the app sent; the
            # constructor may have added a default Content-Type.
            self.headers = Headers(list(headers))
        self._request = request
        self._request_environ = request.environ if request is not None else None
        self.history = history

    @property
    def request(self) -> Request:
        """The request this response answers (``path``, ``method``, ``headers``, ``environ``)."""
        if self._request is None:
            if self._request_environ is None:
                raise AttributeError("This response was not made by the test client.")
            self._request = _request_for(self._request_environ)
        return self._request

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def text(self) -> str:
        """The body decoded as text."""
        return self.get_data(as_text=True)


def _request_for(environ: WSGIEnvironment) -> Request:
    try:
        return request_from_environ(environ, Request)
    except BadRequest:
        # The app got a 400 for an undecodable path; still describe the request.
        fixed = dict(environ)
        for key in ("PATH_INFO", "SCRIPT_NAME"):
            raw = str(fixed.get(key, "")).encode("latin-1", "replace")
            fixed[key] = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
        return request_from_environ(fixed, Request)


_wrapper_classes: dict[type[Response], type[TestResponse]] = {}


def _test_response_class(response_wrapper: type[Response] | None) -> type[TestResponse]:
    if response_wrapper is None or response_wrapper is Response:
        return TestResponse
    if issubclass(response_wrapper, TestResponse):
        return response_wrapper
    cls = _wrapper_classes.get(response_wrapper)
    if cls is None:
        cls = type(f"Test{response_wrapper.__name__}", (TestResponse, response_wrapper), {})
        _wrapper_classes[response_wrapper] = cls
    return cls


class ClientRedirectError(Exception):
    """Following redirects looped or went on for too long."""


# ---------------------------------------------------------------------------
# Cookies


@dataclass(eq=False)
class Cookie:
    """A cookie in the test client's jar (see :meth:`ErlenClient.get_cookie`).

    ``key`` and ``value`` are as the client sends them; ``decoded_key`` and
    ``decoded_value`` as the app reads them. ``domain`` is the request's host
    when the cookie set no ``Domain``, and then ``origin_only`` is true (it
    is not sent to subdomains).
    """

    key: str
    value: str
    decoded_key: str
    decoded_value: str
    expires: datetime | None
    max_age: int | None
    domain: str
    origin_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str | None
    partitioned: bool = False
    _expiry: datetime | None = field(default=None, repr=False)

    def _matches(self, server_name: str, path: str) -> bool:
        if server_name != self.domain and (
            self.origin_only or not server_name.endswith("." + self.domain)
        ):
            return False
        if path == self.path:
            return True
        if not path.startswith(self.path):
            return False
        return self.path.endswith("/") or path[len(self.path)] == "/"

    def _expired(self, now: datetime) -> bool:
        return self._expiry is not None and self._expiry <= now

    @classmethod
    def _from_header(cls, server_name: str, request_path: str, header: str) -> Cookie:
        pair = header.partition(";")[0]
        raw_key, _, raw_value = pair.partition("=")
        key, value = raw_key.strip(), raw_value.strip()
        parsed = parse_set_cookie(header)
        decoded = parse_cookie(f"{key}={value}")
        decoded_value = decoded.get(key)
        if decoded_value is None:
            decoded_value = str(getattr(parsed, "value", value))
        domain = getattr(parsed, "domain", None) or None
        path = getattr(parsed, "path", None)
        if not path or not path.startswith("/"):
            path = _default_cookie_path(request_path)
        max_age = getattr(parsed, "max_age", None)
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        expires = getattr(parsed, "expires", None)
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        expiry = now + timedelta(seconds=max_age) if max_age is not None else expires
        return cls(
            key=key,
            value=value,
            decoded_key=key,
            decoded_value=decoded_value,
            expires=expires,
            max_age=max_age,
            domain=(domain or server_name).lstrip(".").lower(),
            origin_only=domain is None,
            path=path,
            secure=bool(getattr(parsed, "secure", False)),
            http_only=bool(getattr(parsed, "httponly", False)),
            same_site=getattr(parsed, "samesite", None),
            partitioned=bool(getattr(parsed, "partitioned", False)),
            _expiry=expiry,
        )


def _default_cookie_path(request_path: str) -> str:
    # RFC 6265 §5.1.4: the directory of the request path.
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path.rpartition("/")[0]


# ---------------------------------------------------------------------------
# The client


class ErlenClient:
    """Send requests to an app (or any WSGI callable) without a server.

    ``app.test_client()`` makes one. Methods take :class:`EnvironBuilder`'s
    arguments (``client.post("/x", json={...}, headers={...})``) and return
    a :class:`TestResponse`. Cookies the app sets are kept and sent back
    (``use_cookies=False`` turns that off). ``with client:`` keeps the
    contexts of the last request pushed until the block ends, so
    ``request``, ``session`` and ``g`` can be inspected after a call.
    """

    max_redirects: ClassVar[int] = 30

    def __init__(
        self,
        application: Any,
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
    ) -> None:
        self.application = application
        self.response_wrapper = _test_response_class(response_wrapper)
        self._cookies: dict[tuple[str, str, str], Cookie] | None = {} if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"erlen/{_version()}",
        }
        self.preserve_context = False
        self._preserved: list[Any] = []

    @property
    def _app(self) -> Any:
        """The erlen app behind the client, or None for a plain WSGI callable."""
        app = self.application
        return app if hasattr(app, "config") else None

    # -- cookies --------------------------------------------------------------

    def _jar(self) -> dict[tuple[str, str, str], Cookie]:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """Return the cookie ``key`` stored for ``domain`` and ``path``, or None."""
        jar = self._jar()
        cookie = jar.get((domain, path, key))
        if cookie is not None and cookie._expired(datetime.now(UTC)):
            del jar[(domain, path, key)]
            return None
        return cookie

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: Any,
    ) -> None:
        """Store a cookie as if a response had set it.

        ``origin_only=False`` also sends it to subdomains of ``domain``.
        Other keyword arguments (``max_age``, ``expires``, ``secure``,
        ``httponly``, ``samesite``) are the cookie's attributes.
        """
        header = dump_cookie(key, value, path=path, **kwargs)
        cookie = Cookie._from_header(domain, path, header)
        cookie.domain = domain.lstrip(".").lower()
        cookie.origin_only = origin_only
        self._store_cookie(cookie)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Remove the cookie ``key`` stored for ``domain`` and ``path``."""
        self._jar().pop((domain, path, key), None)

    def _store_cookie(self, cookie: Cookie) -> None:
        jar = self._jar()
        storage_key = (cookie.domain, cookie.path, cookie.key)
        if cookie._expired(datetime.now(UTC)):
            jar.pop(storage_key, None)
        else:
            jar[storage_key] = cookie

    def _update_cookies(self, environ: Mapping[str, Any], headers: Iterable[str]) -> None:
        if self._cookies is None:
            return
        server_name = _host_name(_environ_host(environ))
        path = _wsgi_url_path(environ)
        for header in headers:
            try:
                cookie = Cookie._from_header(server_name, path, header)
            except ValueError:
                # RFC 6265 §5.2: a Set-Cookie without a name=value pair is ignored.
                continue
            self._store_cookie(cookie)

    def _add_cookies(self, environ: WSGIEnvironment) -> None:
        jar = self._cookies
        if not jar:
            return
        server_name = _host_name(_environ_host(environ))
        path = _wsgi_url_path(environ)
        now = datetime.now(UTC)
        for storage_key in [k for k, c in jar.items() if c._expired(now)]:
            del jar[storage_key]
        # RFC 6265 §5.4: cookies with longer paths go first.
        matching = sorted(
            (c for c in jar.values() if c._matches(server_name, path)),
            key=lambda c: -len(c.path),
        )
        if not matching:
            return
        value = "; ".join(f"{c.key}={c.value}" for c in matching)
        given = environ.get("HTTP_COOKIE")
        environ["HTTP_COOKIE"] = f"{given}; {value}" if given else value

    # -- requests ---------------------------------------------------------------

    def _environ_from_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> WSGIEnvironment:
        if args and len(args) == 1 and not kwargs:
            arg = args[0]
            if isinstance(arg, EnvironBuilder):
                environ = arg.get_environ()
                return {**self.environ_base, **environ}
            if isinstance(arg, dict):
                return {**self.environ_base, **arg}
            if isinstance(arg, Request) and arg.environ is not None:
                return {**self.environ_base, **arg.environ}
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = EnvironBuilder(self._app, *args, **kwargs)
        try:
            return builder.get_environ()
        finally:
            builder.close()

    def open(
        self,
        *args: Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request and return the response.

        Takes :class:`EnvironBuilder`'s arguments, or one ``EnvironBuilder``,
        environ dict or request. With ``follow_redirects=True`` redirects
        (301, 302, 303, 307, 308) are followed on the same host; the
        response's :attr:`~TestResponse.history` holds the ones passed.
        ``buffered=True`` reads and closes the app's body at once.
        """
        environ = self._environ_from_args(args, kwargs)
        response = self._run(environ, buffered)
        if follow_redirects:
            response = self._follow_redirects(response, buffered)
        return response

    def _run(self, environ: WSGIEnvironment, buffered: bool) -> TestResponse:
        """Send one request: cookies in, app, cookies out."""
        self._pop_preserved()
        self._add_cookies(environ)
        if self.preserve_context:
            environ[PRESERVE_CONTEXT_KEY] = self._preserved.append
        body, status, headers = self._run_wsgi(environ, buffered)
        response = self.response_wrapper(body, status, headers)
        response._request_environ = environ
        self._update_cookies(environ, [v for k, v in headers if k.lower() == "set-cookie"])
        app = self._app
        if app is not None and hasattr(app, "json"):
            # COMPAT(flask): response.json parses with the app's JSON provider.
            setattr(response, "json_module", app.json)  # noqa: B010
        return response

    def _run_wsgi(
        self, environ: WSGIEnvironment, buffered: bool
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """Call the WSGI app; return its body, status line and header list."""
        started: list[tuple[str, list[tuple[str, str]]]] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            if exc_info is not None and started and written:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [(status, list(headers))]
            return written.append

        app_rv = self.application(environ, start_response)
        close: Callable[[], Any] | None = getattr(app_rv, "close", None)
        app_iter = iter(app_rv)
        first: list[bytes] = []
        try:
            # A generator may call start_response only once iterated.
            while not started:
                first.append(next(app_iter))
        except StopIteration:
            pass
        except BaseException:
            if close is not None:
                close()
            raise
        if not started:
            if close is not None:
                close()
            raise RuntimeError("The application did not call start_response.")
        status, headers = started[-1]
        if buffered:
            try:
                chunks = [*written, *first, *app_iter]
            finally:
                if close is not None:
                    close()
            return chunks, status, headers
        return _AppBody(chain(written, first, app_iter), close), status, headers

    def _follow_redirects(self, response: TestResponse, buffered: bool) -> TestResponse:
        history: list[TestResponse] = []
        seen: set[tuple[str, str]] = set()
        while response.status_code in _REDIRECT_CODES and "Location" in response.headers:
            response.get_data()
            response.close()
            history.append(response)
            if len(history) > self.max_redirects:
                raise ClientRedirectError(f"More than {self.max_redirects} redirects.")
            environ = self._redirect_environ(response)
            target = (environ["REQUEST_METHOD"], _current_url(environ))
            if target in seen:
                raise ClientRedirectError(f"Redirect loop detected at {target[1]!r}.")
            seen.add(target)
            response = self._run(environ, buffered)
        response.history = tuple(history)
        return response

    def _redirect_environ(self, response: TestResponse) -> WSGIEnvironment:
        old = response.request.environ or {}
        url = urlsplit(urljoin(_current_url(old), iri_to_uri(response.headers["Location"])))
        old_name = _host_name(_environ_host(old))
        new_name = _host_name(url.netloc) if url.netloc else old_name
        if new_name != old_name:
            if not new_name.endswith("." + old_name):
                raise RuntimeError("Following external redirects is not supported.")
            if not self.allow_subdomain_redirects:
                raise RuntimeError("Following subdomain redirects is not enabled.")

        method = str(old.get("REQUEST_METHOD", "GET")).upper()
        status = response.status_code
        # COMPAT(flask): as browsers do, 301/302 turn only POST into GET (Werkzeug
        # turns every method but HEAD into GET); 303 always does; 307/308 keep all.
        drop_body = (status == 303 and method != "HEAD") or (
            status in (301, 302) and method == "POST"
        )
        kwargs: dict[str, Any] = {}
        if drop_body:
            kwargs.update(method="GET", input_stream=None, content_type=None, content_length=None)
        else:
            stream = old.get("wsgi.input")
            kwargs["input_stream"] = _rewound(stream)
        builder = EnvironBuilder.from_environ(old, **kwargs)
        builder.headers.remove("Cookie")
        if drop_body:
            for name in _BODY_HEADERS:
                builder.headers.remove(name)
        builder.url_scheme = url.scheme or builder.url_scheme
        builder.host = url.netloc or builder.host
        path = url.path or "/"
        root = builder.script_root
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root) :] or "/"
        else:
            builder.script_root = ""
        builder.path = path
        builder.query_string = url.query
        builder.args = None
        environ = builder.get_environ()
        base = {k: old[k] for k in _CARRIED_KEYS if k in old}
        return {**self.environ_base, **base, **environ}

    # -- context preservation -------------------------------------------------------

    def _pop_preserved(self) -> None:
        contexts, self._preserved = self._preserved, []
        for ctx in reversed(contexts):
            ctx.pop()

    def __enter__(self) -> ErlenClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._pop_preserved()

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Open the session for reading or changing it outside a request.

        Arguments build the request as for :class:`EnvironBuilder` (the
        session is opened with the client's cookies for it). Changes made in
        the ``with`` block are saved into the client's cookie jar::

            with client.session_transaction() as sess:
                sess["user_id"] = 7
        """
        self._jar()
        app = self.application
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = EnvironBuilder(app, *args, **kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        self._add_cookies(environ)
        ctx = app.request_context(environ)
        interface = app.session_interface
        with ctx:
            sess = interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError(
                "The session backend did not open a session; check the configuration"
                " (is SECRET_KEY set?)."
            )
        yield sess
        if interface.is_null_session(sess):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, sess, response)
        self._update_cookies(environ, response.headers.getlist("Set-Cookie"))

    # -- method shortcuts ---------------------------------------------------------

    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``GET`` request (see :meth:`open`)."""
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``POST`` request (see :meth:`open`)."""
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``PUT`` request (see :meth:`open`)."""
        return self.open(*args, method="PUT", **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``PATCH`` request (see :meth:`open`)."""
        return self.open(*args, method="PATCH", **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``DELETE`` request (see :meth:`open`)."""
        return self.open(*args, method="DELETE", **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``HEAD`` request (see :meth:`open`)."""
        return self.open(*args, method="HEAD", **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send an ``OPTIONS`` request (see :meth:`open`)."""
        return self.open(*args, method="OPTIONS", **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a ``TRACE`` request (see :meth:`open`)."""
        return self.open(*args, method="TRACE", **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


def _rewound(stream: Any) -> IO[bytes] | None:
    """The request body stream moved back to its start, to resend it."""
    if stream is None:
        return None
    try:
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    return stream  # type: ignore[no-any-return]


class _AppBody:
    """The app's body iterable, closed (once) when the response is closed."""

    __slots__ = ("_close", "_iterator")

    def __init__(self, iterator: Iterator[bytes], close: Callable[[], Any] | None) -> None:
        self._iterator = iterator
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()


# ---------------------------------------------------------------------------
# CLI


class ErlenCliRunner(CliRunner):
    """A :class:`click.testing.CliRunner` that runs an app's CLI commands.

    ``app.test_cli_runner()`` makes one::

        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0
    """

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> Result:
        """Invoke ``cli`` (the app's ``app.cli`` group by default) with ``args``.

        The app is handed to the commands through ``ScriptInfo`` so
        ``with_appcontext`` commands find it.
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            script_info = _script_info_class()
            if script_info is not None:
                app = self.app
                kwargs["obj"] = script_info(create_app=lambda: app)
        return super().invoke(cli, args, **kwargs)


def _script_info_class() -> Any:
    # NOTE: erlen.cli is a later issue; without it the group is invoked as is.
    try:
        module = importlib.import_module("erlen.cli")
    except ImportError:
        return None
    return getattr(module, "ScriptInfo", None)
