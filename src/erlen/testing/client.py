"""The test client: send requests to an app over WSGI or ASGI, without a server.

``app.test_client()`` talks WSGI; ``app.test_client(asgi=True)`` runs the
same requests through the app's ASGI side, so one test can cover both::

    client = app.test_client()
    response = client.post("/login", data={"user": "ada"}, follow_redirects=True)
    assert response.status_code == 200

    with client:                    # keep the last request's contexts alive
        client.get("/profile")
        assert request.path == "/profile"

    with client.session_transaction() as sess:
        sess["user_id"] = 7         # saved into the client's cookie jar
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urljoin, urlsplit

from erlen.adapters.wsgi import WSGIEnvironment, request_from_environ
from erlen.http.datastructures import Headers
from erlen.http.exceptions import BadRequest
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.http.status import HTTP_STATUS_CODES
from erlen.http.urls import iri_to_uri
from erlen.http.wsgi import _current_url, _environ_host

from .builder import EnvironBuilder, _host_name, _version
from .cookies import Cookie, CookieJar
from .transports import ASGITransport, PreservedContexts, WSGITransport, asgi_scope
from .websocket import WebSocketTestSession, websocket_handshake_headers

if TYPE_CHECKING:
    from erlen.sessions import SessionMixin

__all__ = ["Client", "ClientRedirectError", "ErlenClient", "TestResponse"]

_REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))
_BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding")
# Keys a redirect carries over from the previous environ besides what
# EnvironBuilder.from_environ rebuilds.
_CARRIED_KEYS = ("REMOTE_ADDR", "REMOTE_PORT", "SERVER_PROTOCOL")


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


class Client:
    """Send requests to an app (or any WSGI or ASGI callable) without a server.

    Werkzeug's ``werkzeug.test.Client``; ``app.test_client()`` makes an
    :class:`ErlenClient`, which is one. Methods take :class:`EnvironBuilder`'s
    arguments (``client.post("/x", json={...}, headers={...})``) and return
    a :class:`TestResponse`. Cookies the app sets are kept and sent back
    (``use_cookies=False`` turns that off). ``with client:`` keeps the
    contexts of the last request pushed until the block ends, so
    ``request``, ``session`` and ``g`` can be inspected after a call.

    With ``asgi=True`` requests go through the app's ASGI interface
    (``app(scope, receive, send)``) on an event loop the client owns, with
    the same API and results; :meth:`websocket` needs this mode.
    """

    max_redirects: ClassVar[int] = 30

    @classmethod
    def default_environ_base(cls) -> dict[str, Any]:
        """A new client's :attr:`environ_base`."""
        return {}

    def __init__(
        self,
        application: Any,
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
        *,
        asgi: bool = False,
    ) -> None:
        self.application = application
        self.response_wrapper = _test_response_class(response_wrapper)
        self._jar_: CookieJar | None = CookieJar() if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects
        #: What every request's environ starts from: a copy of the class's
        #: :meth:`default_environ_base` (none here, as Werkzeug's client;
        #: :class:`ErlenClient` adds a client's address and user agent).
        self.environ_base: dict[str, Any] = self.default_environ_base()
        self.preserve_context = False
        self._preserved: PreservedContexts | None = None
        # A request in flight under `with client:` (see _run).
        self._sending = False
        self._transport: WSGITransport | ASGITransport = (
            ASGITransport(application) if asgi else WSGITransport(application)
        )

    @property
    def asgi(self) -> bool:
        """Whether requests go through the app's ASGI interface."""
        return isinstance(self._transport, ASGITransport)

    @property
    def _app(self) -> Any:
        """The erlen app behind the client, or None for a plain WSGI/ASGI callable."""
        app = self.application
        return app if hasattr(app, "config") else None

    def close(self) -> None:
        """Release the client: under ASGI, run the app's lifespan shutdown and
        close the event loop (collecting the client does the same)."""
        self._pop_preserved()
        self._transport.close()

    # -- cookies --------------------------------------------------------------

    def _jar(self) -> CookieJar:
        if self._jar_ is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._jar_

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """Return the cookie ``key`` stored for ``domain`` and ``path``, or None."""
        return self._jar().get(key, domain, path)

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
        self._jar().set(key, value, domain=domain, origin_only=origin_only, path=path, **kwargs)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Remove the cookie ``key`` stored for ``domain`` and ``path``."""
        self._jar().delete(key, domain=domain, path=path)

    def _update_cookies(self, environ: Mapping[str, Any], headers: Iterable[str]) -> None:
        if self._jar_ is not None:
            self._jar_.extract(environ, headers)

    def _add_cookies(self, environ: WSGIEnvironment) -> None:
        if self._jar_ is not None:
            self._jar_.inject(environ)

    # COMPAT(flask): Werkzeug's private name, which Flask-SocketIO's test
    # client calls to send this client's cookies with its own environ.
    _add_cookies_to_wsgi = _add_cookies

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

    def _request_from_builder_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Request:
        """COMPAT(flask): FlaskClient's private helper, which Flask-SocketIO's
        test client calls: the request :meth:`open` would send for these
        arguments (no cookies yet), not sent."""
        return _request_for(self._environ_from_args(args, dict(kwargs)))

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
        ``buffered=True`` reads and closes the app's body at once (under
        ASGI the body is always complete when this returns).
        """
        environ = self._environ_from_args(args, kwargs)
        response = self._run(environ, buffered)
        if follow_redirects:
            response = self._follow_redirects(response, buffered)
        return response

    def _run(self, environ: WSGIEnvironment, buffered: bool) -> TestResponse:
        """Send one request: cookies in, app, cookies out."""
        if self._sending:
            # A view sent a request through the client whose request it
            # serves: the inner request would drop the outer one's kept
            # contexts, left pushed for good (Flask fails on the pop).
            raise RuntimeError(
                "This test client is inside 'with client:' and still sending a request;"
                " a request made while it runs (from a view or a hook) needs a"
                " client of its own: app.test_client()."
            )
        self._pop_preserved()
        self._add_cookies(environ)
        preserve = PreservedContexts() if self.preserve_context else None
        self._preserved = preserve
        self._sending = preserve is not None
        try:
            body, status, headers = self._transport.request(environ, buffered, preserve)
        finally:
            self._sending = False
        response = self.response_wrapper(body, status, headers)
        response._request_environ = environ
        self._update_cookies(environ, [v for k, v in headers if k.lower() == "set-cookie"])
        app = self._app
        if app is not None and hasattr(app, "json"):
            # COMPAT(flask): response.json parses with the app's JSON provider.
            setattr(response, "json_module", app.json)  # noqa: B010
        return response

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """Follow the redirect ``response`` one step: send the request its
        ``Location`` names (301/302 turn a POST into a GET, 303 any method but
        HEAD; 307/308 resend method and body) and return the new response."""
        return self._run(self._redirect_environ(response), buffered)

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Send ``environ`` to the app with the client's cookies; return the
        body iterable, the status line and the headers (the cookies the
        response sets are stored)."""
        self._pop_preserved()
        self._add_cookies(environ)
        body, status, header_list = self._transport.request(environ, buffered, None)
        self._update_cookies(environ, [v for k, v in header_list if k.lower() == "set-cookie"])
        if not isinstance(status, str):
            status = f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}"
        return body, status, Headers(header_list)

    def _follow_redirects(self, response: TestResponse, buffered: bool) -> TestResponse:
        history: list[TestResponse] = []
        seen: set[tuple[str, str]] = set()
        while response.status_code in _REDIRECT_CODES and "Location" in response.headers:
            response.get_data()
            response.close()
            # COMPAT(werkzeug): each followed response has the ones before it.
            response.history = tuple(history)
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
        environ = builder.get_environ()
        base = {k: old[k] for k in _CARRIED_KEYS if k in old}
        return {**self.environ_base, **base, **environ}

    # -- context preservation -------------------------------------------------------

    def _pop_preserved(self) -> None:
        preserved, self._preserved = self._preserved, None
        if preserved is not None:
            preserved.pop()

    def __enter__(self) -> Self:
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
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
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

    # -- WebSockets -------------------------------------------------------------------

    def websocket(
        self,
        path: str,
        headers: Headers | Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        subprotocols: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> WebSocketTestSession:
        """Open a WebSocket connection to ``path``; use it in a ``with`` block.

        Needs an ASGI client (``app.test_client(asgi=True)``). ``headers`` are
        sent with the handshake along with the client's cookies, and
        ``subprotocols`` are offered in ``Sec-WebSocket-Protocol``; other
        keyword arguments (``query_string``, ``base_url``...) build the
        request as for :class:`EnvironBuilder`::

            with client.websocket("/chat", subprotocols=["v1"]) as ws:
                ws.send_json({"say": "hi"})
                assert ws.receive_json() == {"echo": "hi"}
        """
        transport = self._transport
        if not isinstance(transport, ASGITransport):
            raise RuntimeError(
                "WebSockets need the ASGI test client: use app.test_client(asgi=True)."
            )
        offered = list(subprotocols or ())
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        merged = Headers(websocket_handshake_headers(key, offered))
        if headers is not None:
            for name, value in headers.items() if isinstance(headers, Mapping) else headers:
                merged.set(name, value)
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = EnvironBuilder(self._app, path, headers=merged, **kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        self._add_cookies(environ)
        scope = asgi_scope(environ, "websocket")
        scope["subprotocols"] = offered
        scope["extensions"]["websocket.http.response"] = {}
        transport._ensure_lifespan()

        def on_headers(raw: list[tuple[str, str]]) -> None:
            self._update_cookies(environ, [v for k, v in raw if k.lower() == "set-cookie"])

        def make_response(status: int, raw: list[tuple[str, str]], body: bytes) -> TestResponse:
            response = self.response_wrapper([body], status, raw)
            response._request_environ = environ
            return response

        app = self._app
        return WebSocketTestSession(
            transport,
            scope,
            on_headers=on_headers,
            make_response=make_response,
            json_module=getattr(app, "json", None) if app is not None else None,
        )

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


class ErlenClient(Client):
    """The app's test client (``app.test_client()``): a :class:`Client`
    whose requests come from ``127.0.0.1`` with the ``User-Agent``
    ``erlen/<version>``, as Flask's ``FlaskClient`` sends ``REMOTE_ADDR``
    and a ``User-Agent`` that Werkzeug's own client leaves out."""

    @classmethod
    def default_environ_base(cls) -> dict[str, Any]:
        return {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": f"erlen/{_version()}"}
