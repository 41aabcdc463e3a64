"""The development server: a threaded HTTP/1.1 WSGI server.

::

    from erlen.serving import make_server

    server = make_server("127.0.0.1", 5000, app, threaded=True)
    server.serve_forever()

It serves any WSGI callable with keep-alive, chunked request and response
bodies, ``Expect: 100-continue`` and TLS, and logs one access-log line per
request to the ``erlen.serving`` logger. Given an ASGI callable as well
(``asgi_app``), it serves WebSocket upgrade requests through it (see
:mod:`erlen.serving.asgi_websocket`), or those ``asgi_serves_websocket``
picks. The other upgrade requests go to the WSGI app like any request, with
the connection in ``environ["werkzeug.socket"]`` as Werkzeug's server gives
it: a WSGI WebSocket library (simple-websocket, so Flask-Sock and
Flask-SocketIO) that reads it does the handshake on it, and the server
writes nothing more on that connection. Malformed requests get a 4xx from
:mod:`erlen.http.exceptions` and the connection is closed.

It is made for development, not for the open internet: in production use
gunicorn, uWSGI or granian (WSGI), or uvicorn, hypercorn or granian (ASGI).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import os
import re
import socket
import socketserver
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from erlen.http.exceptions import (
    BadRequest,
    ExpectationFailed,
    HTTPException,
    InternalServerError,
)
from erlen.http.exceptions import NotImplemented as HTTPNotImplemented

from .asgi_websocket import (
    ASGIApplication,
    EventLoopThread,
    WebSocketSession,
    take_buffered,
    websocket_scope,
)
from .http11 import (
    BodyReader,
    ChunkedReader,
    LimitedReader,
    Limits,
    RequestHead,
    parse_request_line,
    read_headers,
    read_request_line,
)
from .websocket import check_handshake, is_websocket_upgrade

__all__ = [
    "BaseWSGIServer",
    "ForkingWSGIServer",
    "ThreadedWSGIServer",
    "WSGIApplication",
    "WSGIRequestHandler",
    "generate_adhoc_ssl_context",
    "load_ssl_context",
    "make_server",
    "make_ssl_devcert",
]

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

_logger = logging.getLogger("erlen.serving")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STATUS_RE = re.compile(r"[1-9][0-9]{2} [^\r\n\x00]*\Z")
_LENGTH_RE = re.compile(r"[0-9]{1,18}\Z")
_BAD_HEADER_RE = re.compile(r"[\r\n\x00]")
# COMPAT: PEP 3333 forbids hop-by-hop headers from the application; the
# server frames the body itself.
_DROPPED_APP_HEADERS = frozenset(("transfer-encoding", "keep-alive"))
_CONNECTION_ERRORS = (ConnectionError, TimeoutError, ssl.SSLError)


def _version() -> str:
    try:
        return importlib.metadata.version("erlen")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


_VERSION = _version()


def _ensure_log_handler() -> None:
    """Give ``erlen.serving`` an INFO level and a stderr handler unless
    logging is already configured to show its records."""
    if _logger.level == logging.NOTSET:
        _logger.setLevel(logging.INFO)
    logger: logging.Logger | None = _logger
    while logger is not None:
        if any(handler.level <= logging.INFO for handler in logger.handlers):
            return
        logger = logger.parent if logger.propagate else None
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(handler)


def _log(level: int, message: str, *args: Any, exc_info: Any = None) -> None:
    _logger.log(level, message, *args, exc_info=exc_info)


def _clf_time() -> str:
    """The current local time as the access log shows it: ``10/Oct/2000:13:55:36 +0200``."""
    t = time.localtime()
    offset = t.tm_gmtoff // 60
    sign = "-" if offset < 0 else "+"
    offset = abs(offset)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {sign}{offset // 60:02d}{offset % 60:02d}"
    )


def _printable(text: str) -> str:
    # SECURITY: the request line is client data; escape it so it cannot forge
    # log lines or terminal escape sequences.
    return "".join(c if " " <= c < "\x7f" and c not in '"\\' else f"\\x{ord(c):02x}" for c in text)


class _ClientGone(Exception):
    """The client closed the connection while the response was being written."""


class _Exchange:
    """The response side of one request: status, headers, framing and counters."""

    __slots__ = (
        "body_allowed",
        "chunked",
        "close",
        "code",
        "handed_over",
        "headers",
        "headers_sent",
        "keep_alive_10",
        "length",
        "length_hint",
        "method",
        "sent",
        "status",
    )

    def __init__(self, method: str, close: bool, keep_alive_10: bool) -> None:
        self.method = method
        self.close = close
        self.keep_alive_10 = keep_alive_10
        self.status: str | None = None
        self.code = 0
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.chunked = False
        self.body_allowed = True
        self.length: int | None = None
        self.length_hint: int | None = None
        self.sent = 0
        #: The app took the connection (``werkzeug.socket``): the server
        #: writes nothing more on it.
        self.handed_over = False


class _HandoverEnviron(dict[str, Any]):
    """The environ of an upgrade request the WSGI app answers: reading
    ``werkzeug.socket`` from it hands the connection to the app."""

    __slots__ = ("on_take",)

    def __init__(self, environ: dict[str, Any], on_take: Callable[[], None]) -> None:
        super().__init__(environ)
        self.on_take = on_take

    def __getitem__(self, key: str) -> Any:
        if key == "werkzeug.socket":
            self.on_take()
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key == "werkzeug.socket":
            self.on_take()
        return dict.get(self, key, default)

    def copy(self) -> _HandoverEnviron:
        # WSGI middleware copies the environ (Flask-SocketIO's does) before
        # the library that takes the socket reads it.
        return _HandoverEnviron(self, self.on_take)


class WSGIRequestHandler(socketserver.StreamRequestHandler):
    """Handles one connection: reads requests, runs the WSGI app, writes
    responses, for as long as the connection stays open."""

    server: BaseWSGIServer
    disable_nagle_algorithm = True
    #: The ``Server`` header and ``SERVER_SOFTWARE``.
    server_version = f"erlen/{_VERSION} Python/{sys.version_info[0]}.{sys.version_info[1]}"

    close_connection: bool
    request_line: str

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.connection.settimeout(self.server.request_timeout)
        self.close_connection = False
        self.request_line = "-"
        self._handled = 0

    def handle(self) -> None:
        while not self.close_connection:
            self.handle_one_request()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            if isinstance(self.request, ssl.SSLSocket):
                # socketserver closes the plain socket it accepted, which the
                # TLS wrapper took over; the wrapper is ours to close.
                self.request.close()

    def handle_one_request(self) -> None:
        """Read one request and answer it."""
        limits = self.server.limits
        if self._handled:
            self.connection.settimeout(self.server.keep_alive_timeout)
        self.request_line = "-"
        try:
            line = read_request_line(self.rfile, limits)
        except OSError:
            # An idle keep-alive connection timed out, or the client left.
            self.close_connection = True
            return
        except HTTPException as e:
            self.close_connection = True
            self.send_error(e)
            return
        if line is None:
            self.close_connection = True
            return
        self._handled += 1
        self.request_line = line.decode("latin-1")
        self.connection.settimeout(self.server.request_timeout)
        try:
            method, target, version = parse_request_line(line)
            headers = read_headers(self.rfile, limits)
        except HTTPException as e:
            self.close_connection = True
            self.send_error(e)
            return
        except OSError:
            self.close_connection = True
            return
        head = RequestHead(method, target, version, headers)
        if is_websocket_upgrade(head):
            self.close_connection = True
            asgi_app = self.server.asgi_app
            if asgi_app is not None and self._asgi_serves(head):
                self.run_websocket(head, asgi_app)
            else:
                self.run_wsgi(head, upgrade=True)
            return
        self.run_wsgi(head)

    def _asgi_serves(self, head: RequestHead) -> bool:
        """Whether the ASGI side answers the WebSocket handshake ``head``."""
        serves = self.server.asgi_serves_websocket
        if serves is None:
            return True
        try:
            environ = self.make_environ(head, _no_continue)
        except HTTPException:
            # A malformed request: the WSGI path answers it with its 4xx.
            return False
        return serves(environ)

    # -- the WebSocket connection -----------------------------------------------------

    def run_websocket(self, head: RequestHead, app: ASGIApplication) -> None:
        """Serve the WebSocket handshake ``head`` and then its connection with
        the ASGI ``app``, on the server's event loop; this thread does the I/O."""
        server = self.server
        try:
            if len(head.get_all("Host")) != 1:
                raise BadRequest("An HTTP/1.1 request must have exactly one Host header.")
            handshake = check_handshake(head)
        except HTTPException as e:
            self.send_error(e)
            return
        client = self.client_address
        scope = websocket_scope(
            head,
            handshake,
            client=(str(client[0]), int(client[1])) if isinstance(client, tuple) else None,
            server=(str(server.server_address[0]), server.port),
            tls=server.ssl_context is not None,
        )
        loop = server.event_loop()
        session = WebSocketSession(
            self.connection,
            scope,
            handshake.key,
            loop,
            server_header=self.server_version,
            log_access=self.log_request,
            request_line=_printable(self.request_line),
            leftover=take_buffered(self.rfile, self.connection),
            max_message_size=server.limits.max_websocket_message,
            max_queue=server.limits.max_websocket_queue,
            close_timeout=server.websocket_close_timeout,
        )
        session.serve(asyncio.run_coroutine_threadsafe(session.run(app), loop))

    # -- the WSGI call --------------------------------------------------------------

    def make_environ(self, head: RequestHead, on_first_read: Callable[[], None]) -> dict[str, Any]:
        """The PEP 3333 environ of ``head``, with the body stream as ``wsgi.input``."""
        server = self.server
        if head.version >= (1, 1) and len(head.get_all("Host")) != 1:
            raise BadRequest("An HTTP/1.1 request must have exactly one Host header.")

        expect = head.get("Expect")
        if expect is not None:
            if expect.strip().lower() != "100-continue":
                raise ExpectationFailed(f"Unsupported expectation {expect[:40]!r}.")
            if head.version < (1, 1):
                expect = None
        body = self._make_body(head, on_first_read if expect is not None else None)

        target = head.target
        host_override = None
        if "://" in target:
            url = urlsplit(target)
            path, query, host_override = url.path or "/", url.query, url.netloc
        elif target == "*":
            path, query = "*", ""
        else:
            path, _, query = target.partition("?")
        client = self.client_address
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if server.ssl_context is not None else "http",
            "wsgi.input": body,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": server.multithread,
            "wsgi.multiprocess": server.multiprocess,
            "wsgi.run_once": False,
            "wsgi.input_terminated": isinstance(body, ChunkedReader),
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": head.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "REMOTE_ADDR": str(client[0]) if isinstance(client, tuple) else "",
            "REMOTE_PORT": str(client[1]) if isinstance(client, tuple) else "",
            "SERVER_NAME": str(server.server_address[0]),
            "SERVER_PORT": str(server.port),
            "SERVER_PROTOCOL": head.protocol,
        }
        if isinstance(body, LimitedReader) and body.length:
            environ["CONTENT_LENGTH"] = str(body.length)
        for name, value in head.headers:
            if "_" in name:
                # SECURITY: "X_Forwarded_For" would land on the same environ
                # key as "X-Forwarded-For" and could spoof it past a proxy.
                continue
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ[key] = value
                continue
            if key in ("CONTENT_LENGTH", "PROXY"):
                # SECURITY: no HTTP_PROXY from a client header (httpoxy);
                # CONTENT_LENGTH comes from the framing checks above.
                continue
            key = "HTTP_" + key
            if key in environ:
                environ[key] += ("; " if key == "HTTP_COOKIE" else ", ") + value
            else:
                environ[key] = value
        if host_override:
            environ["HTTP_HOST"] = host_override
        return environ

    def _make_body(self, head: RequestHead, on_first_read: Callable[[], None] | None) -> BodyReader:
        encodings = head.get_all("Transfer-Encoding")
        lengths = head.get_all("Content-Length")
        if encodings:
            if lengths:
                # SECURITY: both framings at once is the classic request
                # smuggling setup (RFC 9112 §6.1); refuse it.
                raise BadRequest(
                    "A request may not have both Transfer-Encoding and Content-Length."
                )
            if head.version < (1, 1):
                raise BadRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request.")
            codings = [c.strip().lower() for v in encodings for c in v.split(",") if c.strip()]
            if codings != ["chunked"]:
                if codings.count("chunked") > 1:
                    # RFC 9112 §6.1: chunked is applied once at most; twice
                    # is a malformed request, not an unknown coding.
                    raise BadRequest("The 'chunked' transfer coding is given more than once.")
                if codings and codings[-1] == "chunked":
                    raise HTTPNotImplemented("Only the 'chunked' transfer coding is supported.")
                raise BadRequest("The last transfer coding of a request must be 'chunked'.")
            return ChunkedReader(self.rfile, self.server.limits, on_first_read)
        if lengths:
            values = {v.strip() for item in lengths for v in item.split(",")}
            if len(values) != 1:
                raise BadRequest("The request has conflicting Content-Length values.")
            value = values.pop()
            if not _LENGTH_RE.match(value):
                raise BadRequest(f"Invalid Content-Length {value[:20]!r}.")
            return LimitedReader(self.rfile, int(value), on_first_read)
        return LimitedReader(self.rfile, 0)

    def run_wsgi(self, head: RequestHead, upgrade: bool = False) -> None:
        """Call the app for ``head`` and write its response. An ``upgrade``
        request's environ has the connection in ``werkzeug.socket``."""
        tokens = head.connection_tokens()
        if head.version >= (1, 1):
            ex = _Exchange(head.method, "close" in tokens, False)
        else:
            keep = "keep-alive" in tokens
            ex = _Exchange(head.method, not keep, keep)

        def send_continue() -> None:
            if not ex.headers_sent:
                self._send(b"HTTP/1.1 100 Continue\r\n\r\n")

        try:
            environ = self.make_environ(head, send_continue)
        except HTTPException as e:
            self.close_connection = True
            self.send_error(e, head.method)
            return
        body: BodyReader = environ["wsgi.input"]
        if upgrade:
            # Answered over HTTP or not, a handshake ends its connection.
            ex.close = True
            connection = self.connection

            def hand_over() -> None:
                ex.handed_over = True
                # The app's WebSocket lasts as long as it likes: no request
                # timeout on its reads.
                connection.settimeout(None)

            environ["werkzeug.socket"] = connection
            environ = _HandoverEnviron(environ, hand_over)

        def write(data: bytes) -> None:
            if ex.status is None:
                raise AssertionError("write() was called before start_response().")
            self._write(ex, data)

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None:
                try:
                    if ex.headers_sent:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif ex.status is not None:
                raise AssertionError("start_response() was called twice without exc_info.")
            ex.status, ex.code, ex.headers = _check_response(status, headers)
            return write

        try:
            self._execute(ex, environ, start_response)
        except _ClientGone:
            self.close_connection = True
            self.log_request(ex.code or "-", ex.sent)
            return
        except Exception as e:
            self.close_connection = True
            if upgrade and self.connection.fileno() == -1:
                ex.handed_over = True  # the app closed the socket it took
            if ex.handed_over:
                # The connection is the app's: after its WebSocket ends, a
                # library may raise ConnectionError to stop the server from
                # answering (engineio does, for Werkzeug's server).
                if not isinstance(e, OSError):
                    _log(logging.ERROR, "Error after a WebSocket handover:", exc_info=True)
                self.log_request(101, 0)
                return
            if body.error is not None and isinstance(e, HTTPException):
                # The body could not be read: the client gets the reader's 4xx.
                if not ex.headers_sent:
                    self.send_error(body.error, head.method)
                return
            _log(
                logging.ERROR,
                "Error on request %s %s:",
                head.method,
                _printable(head.target),
                exc_info=True,
            )
            if self.server.passthrough_errors:
                raise
            if not ex.headers_sent:
                self.send_error(InternalServerError(), head.method)
            else:
                self.log_request(ex.code, ex.sent)
            return

        if ex.handed_over:
            self.close_connection = True
            self.log_request(101, 0)
            return
        if ex.close or body.error is not None:
            self.close_connection = True
        elif body.expects_continue and not body.started and not body.exhausted:
            # No 100 Continue went out: whether the client sends the body now
            # is unknown, so the connection cannot be reused.
            self.close_connection = True
        elif not body.drain(self.server.limits.max_drain):
            self.close_connection = True
        self.log_request(ex.code, ex.sent)

    def _execute(
        self, ex: _Exchange, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> None:
        app_iter = self.server.app(environ, start_response)
        try:
            if isinstance(app_iter, list | tuple) and len(app_iter) == 1:
                ex.length_hint = len(app_iter[0])
            for data in app_iter:
                if not isinstance(data, bytes | bytearray):
                    raise TypeError(
                        f"A WSGI application must yield bytes, not {type(data).__name__}."
                    )
                if data:
                    self._write(ex, bytes(data))
            if ex.status is None and not ex.handed_over:
                raise AssertionError("The WSGI application did not call start_response().")
            self._finish(ex)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()

    # -- writing ----------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as e:
            raise _ClientGone() from e

    def _head(self, ex: _Exchange) -> bytes:
        code = ex.code
        ex.body_allowed = not (ex.method == "HEAD" or code < 200 or code in (204, 304))
        headers: list[tuple[str, str]] = []
        names: set[str] = set()
        for name, value in ex.headers:
            lower = name.lower()
            if lower in _DROPPED_APP_HEADERS:
                continue
            if lower == "content-length":
                if ex.length is not None or not _LENGTH_RE.match(value.strip()):
                    continue
                ex.length = int(value.strip())
            elif lower == "connection" and "close" in value.lower():
                ex.close = True
            names.add(lower)
            headers.append((name, value))

        if ex.length is None and ex.body_allowed:
            if ex.length_hint is not None:
                ex.length = ex.length_hint
                headers.append(("Content-Length", str(ex.length)))
            elif not ex.close and not ex.keep_alive_10:
                ex.chunked = True
                headers.append(("Transfer-Encoding", "chunked"))
            else:
                ex.close = True
        if "connection" not in names:
            if ex.close:
                headers.append(("Connection", "close"))
            elif ex.keep_alive_10:
                headers.append(("Connection", "keep-alive"))
        if "server" not in names:
            headers.append(("Server", self.server_version))
        if "date" not in names:
            headers.append(("Date", formatdate(usegmt=True)))
        lines = [f"HTTP/1.1 {ex.status}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers)
        lines.append("\r\n")
        ex.headers_sent = True
        return "".join(lines).encode("latin-1")

    def _write(self, ex: _Exchange, data: bytes) -> None:
        if ex.handed_over:
            return
        head = b"" if ex.headers_sent else self._head(ex)
        if not ex.body_allowed:
            data = b""
        elif ex.length is not None:
            room = ex.length - ex.sent
            if len(data) > room:
                # More than Content-Length promised: what follows would be
                # read as the next response, so cut it and close.
                data = data[:room]
                ex.close = True
        ex.sent += len(data)
        if ex.chunked and data:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        if head or data:
            self._send(head + data)

    def _finish(self, ex: _Exchange) -> None:
        if ex.handed_over:
            return
        if not ex.headers_sent:
            if ex.length_hint is None and all(n.lower() != "content-length" for n, _ in ex.headers):
                ex.length_hint = 0
            self._send(self._head(ex))
        if ex.chunked:
            self._send(b"0\r\n\r\n")
        elif ex.length is not None and ex.body_allowed and ex.sent < ex.length:
            ex.close = True

    def send_error(self, error: HTTPException, method: str = "GET") -> None:
        """Answer with ``error``'s status and page and close the connection."""
        self.close_connection = True
        code = error.code or 500
        body = b"" if method == "HEAD" else error.get_body().encode("utf-8")
        headers = [*error.get_headers(), ("Content-Length", str(len(body)))]
        ex = _Exchange(method, True, False)
        ex.status, ex.code, ex.headers = f"{code} {error.name}", code, headers
        try:
            self._send(self._head(ex) + body)
        except _ClientGone:
            pass
        self.log_request(code, len(body))

    # -- logging ----------------------------------------------------------------------

    def address_string(self) -> str:
        """The client's address as the access log shows it."""
        client = self.client_address
        return str(client[0]) if isinstance(client, tuple) else "-"

    def log_request(self, code: int | str, size: int) -> None:
        """Log one access-log line (Common Log Format)."""
        _log(
            logging.INFO,
            '%s - - [%s] "%s" %s %s',
            self.address_string(),
            _clf_time(),
            _printable(self.request_line),
            code,
            size or "-",
        )


def _no_continue() -> None:
    """An environ's ``100 Continue`` callback where there is no body to wait for."""


def _check_response(
    status: str, headers: list[tuple[str, str]]
) -> tuple[str, int, list[tuple[str, str]]]:
    if not isinstance(status, str) or not _STATUS_RE.match(status):
        raise ValueError(f"Invalid WSGI status {status!r}: expected a string like '200 OK'.")
    checked: list[tuple[str, str]] = []
    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"WSGI header names and values must be str: {(name, value)!r}.")
        # SECURITY: a CR or LF here would let a value start a new header or
        # split the response.
        if _BAD_HEADER_RE.search(name) or _BAD_HEADER_RE.search(value) or ":" in name:
            raise ValueError(f"Invalid character in response header {name!r}.")
        checked.append((name, value))
    return status, int(status[:3]), checked


def _address_family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _self_signed_pair(host: str | None) -> tuple[bytes, bytes]:
    """A new key and a self-signed certificate for ``host`` (any name when
    None), valid for a year, as PEM: for development servers only."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # An EC key: generated in a millisecond, where RSA takes tens of them.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "erlen development certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, host or "*"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    )
    if host is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host), x509.DNSName(f"*.{host}")]),
            critical=False,
        )
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def make_ssl_devcert(base_path: str, host: str | None = None) -> tuple[str, str]:
    """Write a self-signed certificate and its key for ``host`` to
    ``base_path + ".crt"`` and ``base_path + ".key"``; return the two paths,
    ready for ``ssl_context=(cert, key)`` or ``erlen run --cert ... --key ...``.
    Browsers warn about such a certificate: for development only."""
    cert_pem, key_pem = _self_signed_pair(host)
    cert_file, key_file = f"{base_path}.crt", f"{base_path}.key"
    with open(cert_file, "wb") as f:
        f.write(cert_pem)
    # The key is readable by its owner only.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    return cert_file, key_file


def generate_adhoc_ssl_context() -> ssl.SSLContext:
    """A server SSL context with a new self-signed certificate
    (``ssl_context="adhoc"``, ``erlen run --cert adhoc``): HTTPS for local
    development, with a browser warning, without making a certificate."""
    import tempfile

    cert_pem, key_pem = _self_signed_pair(None)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain reads files only; they live as long as this call.
    with tempfile.TemporaryDirectory(prefix="erlen-adhoc-") as folder:
        cert_file = os.path.join(folder, "cert.pem")
        key_file = os.path.join(folder, "key.pem")
        with open(cert_file, "wb") as f:
            f.write(cert_pem)
        with open(key_file, "wb") as f:
            f.write(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context


def load_ssl_context(
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None,
) -> ssl.SSLContext | None:
    """An :class:`ssl.SSLContext` for the server from a context, a
    ``(cert_file, key_file)`` pair, ``"adhoc"`` (a new self-signed
    certificate, see :func:`generate_adhoc_ssl_context`), or None."""
    if ssl_context is None or isinstance(ssl_context, ssl.SSLContext):
        return ssl_context
    if isinstance(ssl_context, str):
        if ssl_context == "adhoc":
            return generate_adhoc_ssl_context()
        ssl_context = (ssl_context, None)
    cert_file, key_file = ssl_context
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class BaseWSGIServer(socketserver.TCPServer):
    """A single-threaded WSGI server; see :func:`make_server` for the arguments.

    ``fd`` serves an already bound and listening socket (the reloader passes
    the parent's socket to each child this way, so the port never closes).
    """

    multithread = False
    multiprocess = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        handler: type[WSGIRequestHandler] | None = None,
        passthrough_errors: bool = False,
        ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None = None,
        fd: int | None = None,
        *,
        request_timeout: float = 60.0,
        keep_alive_timeout: float = 15.0,
        limits: Limits | None = None,
        asgi_app: ASGIApplication | None = None,
        asgi_serves_websocket: Callable[[dict[str, Any]], bool] | None = None,
        websocket_close_timeout: float = 5.0,
    ) -> None:
        _ensure_log_handler()
        if handler is None:
            handler = WSGIRequestHandler
        host = host.strip("[]")
        self.address_family = _address_family(host)
        if fd is not None:
            socketserver.BaseServer.__init__(self, (host, port), handler)
            self.socket = socket.socket(fileno=fd)
            self.server_address = self.socket.getsockname()
        else:
            super().__init__((host, port), handler)
        #: The WSGI application.
        self.app = app
        #: The host the server was asked to bind.
        self.host = host
        #: The port it is bound to (the real one when 0 was asked for).
        self.port: int = self.server_address[1]
        self.passthrough_errors = passthrough_errors
        self.ssl_context = load_ssl_context(ssl_context)
        #: Seconds a read may wait for the client within a request.
        self.request_timeout = request_timeout
        #: Seconds an idle keep-alive connection stays open.
        self.keep_alive_timeout = keep_alive_timeout
        self.limits = limits if limits is not None else Limits()
        #: The ASGI callable that serves WebSocket connections (None: they go
        #: to the WSGI app, as any request).
        self.asgi_app = asgi_app
        #: Given a handshake's WSGI environ, whether ``asgi_app`` serves it;
        #: the others go to the WSGI app (None: ``asgi_app`` serves them all).
        self.asgi_serves_websocket = asgi_serves_websocket
        #: Seconds to wait for the client's answer to a close frame.
        self.websocket_close_timeout = websocket_close_timeout
        self._loop_thread = EventLoopThread()

    def event_loop(self) -> asyncio.AbstractEventLoop:
        """The event loop WebSocket connections run on (started on first use)."""
        return self._loop_thread.get()

    def server_close(self) -> None:
        """Close the listening socket and stop the event loop: open WebSocket
        connections are closed with 1001 (going away)."""
        super().server_close()
        self._loop_thread.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log an error that escaped a connection; client disconnects stay quiet."""
        error = sys.exc_info()[1]
        if isinstance(error, _CONNECTION_ERRORS):
            return
        _log(logging.ERROR, "Error on connection from %s:", client_address, exc_info=True)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` or Ctrl+C, then close the socket."""
        try:
            super().serve_forever(poll_interval=poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            self.server_close()

    def urls(self) -> list[str]:
        """The URLs the server answers on, as the startup message lists them."""
        scheme = "https" if self.ssl_context is not None else "http"
        hosts = [self.host]
        if self.host in ("", "0.0.0.0", "::"):
            hosts = ["127.0.0.1" if self.address_family == socket.AF_INET else "::1"]
            lan = _lan_address(socket.AddressFamily(self.address_family))
            if lan is not None:
                hosts.append(lan)
        return [f"{scheme}://{_url_host(h)}:{self.port}" for h in hosts]

    def log_startup(self) -> None:
        """Log where the server listens."""
        if self.host in ("", "0.0.0.0", "::"):
            _log(logging.INFO, " * Running on all addresses (%s)", self.host or "0.0.0.0")
        for url in self.urls():
            _log(logging.INFO, " * Running on %s", url)
        if self.asgi_app is not None:
            _log(logging.INFO, " * WebSockets: on, served by the app's ASGI side")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _lan_address(family: socket.AddressFamily) -> str | None:
    target = "fd31:f903:5ab5:1::1" if family == socket.AF_INET6 else "10.255.255.255"
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            # No packet is sent: connecting a UDP socket only picks the route.
            probe.connect((target, 58162))
        except OSError:
            return None
        return str(probe.getsockname()[0])


class ThreadedWSGIServer(socketserver.ThreadingMixIn, BaseWSGIServer):
    """A WSGI server that handles each connection in its own thread."""

    multithread = True
    daemon_threads = True
    block_on_close = False


class ForkingWSGIServer(socketserver.ForkingMixIn, BaseWSGIServer):
    """A WSGI server that handles each connection in a forked process
    (at most ``processes`` at once)."""

    multiprocess = True

    def __init__(
        self, host: str, port: int, app: WSGIApplication, processes: int = 40, **kwargs: Any
    ) -> None:
        if not hasattr(os, "fork"):
            raise ValueError("Your platform does not support forking; use threaded=True.")
        super().__init__(host, port, app, **kwargs)
        self.max_children = processes


def make_server(
    host: str,
    port: int,
    app: WSGIApplication,
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    passthrough_errors: bool = False,
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None = None,
    fd: int | None = None,
    **options: Any,
) -> BaseWSGIServer:
    """Create a server for ``app`` on ``host:port`` (bound and listening).

    ``threaded`` handles connections in threads, ``processes > 1`` in forked
    processes (not both). ``ssl_context`` is an :class:`ssl.SSLContext` or a
    ``(cert_file, key_file)`` pair. ``options`` go to the server:
    ``request_timeout``, ``keep_alive_timeout``, ``limits`` (an
    :class:`erlen.serving.http11.Limits`), ``asgi_app`` (an ASGI callable that
    serves WebSocket upgrade requests), ``asgi_serves_websocket`` (given a
    handshake's WSGI environ, whether ``asgi_app`` serves it; the others go
    to the WSGI app with the connection in ``werkzeug.socket``) and
    ``websocket_close_timeout``.
    """
    if threaded and processes > 1:
        raise ValueError("Cannot have a multi-thread and multi-process server.")
    kwargs: dict[str, Any] = {
        "handler": request_handler,
        "passthrough_errors": passthrough_errors,
        "ssl_context": ssl_context,
        "fd": fd,
        **options,
    }
    if threaded:
        return ThreadedWSGIServer(host, port, app, **kwargs)
    if processes > 1:
        return ForkingWSGIServer(host, port, app, processes, **kwargs)
    return BaseWSGIServer(host, port, app, **kwargs)
