"""WebSocket routes: the ``websocket`` proxy and the :class:`Websocket` object.

::

    from erlen import Erlen, websocket

    app = Erlen(__name__)

    @app.websocket("/echo/<room>")
    async def echo(room):
        await websocket.accept()
        while True:
            message = await websocket.receive()      # str or bytes
            await websocket.send(f"{room}: {message}")

A handler runs under ASGI, inside a context like a request's: ``websocket``
is the connection, and ``request`` (its handshake: ``args``, ``headers``,
``cookies``), ``session`` (read-only: no response carries a cookie back),
``g``, ``current_app`` and ``url_for`` work as in a view. The handler is an
``async def`` function. When it returns, the connection is closed with code
1000 (accepted first if it never was); when it raises, with 1011 and the
error is logged. A client that goes away makes :meth:`Websocket.receive`
raise :class:`WebSocketDisconnect` (``.code`` is its close code).

``websocket`` is a proxy typed as :class:`Websocket`; to keep the connection
object itself (to register it, or hand it to another task), call
:func:`current_websocket`.

Before accepting, the handler may refuse the connection: ``abort(403)`` or
returning a response sends that HTTP response when the server supports the
``websocket.http.response`` extension, and otherwise closes the handshake
(the server answers 403). A plain HTTP request to a WebSocket route gets
426 Upgrade Required.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from .adapters.asgi import Receive, Scope, Send, WebSocketConnection, WebSocketDisconnect
from .ctx import RequestContext
from .http.exceptions import UpgradeRequired
from .local import LocalProxy

if TYPE_CHECKING:
    from .app import Erlen
    from .http.datastructures import Headers, ImmutableMultiDict
    from .wrappers import Request

__all__ = [
    "UpgradeRequired",
    "WebSocketBadData",
    "WebSocketDisconnect",
    "Websocket",
    "WebsocketContext",
    "current_websocket",
    "upgrade_required",
    "websocket",
]


#: The description of the 426 a plain HTTP request to a WebSocket route gets.
UPGRADE_DESCRIPTION = (
    "This URL is a WebSocket endpoint. Connect to it with a WebSocket client"
    " (an HTTP/1.1 'Upgrade: websocket' handshake), not a plain HTTP request."
)


def upgrade_required() -> UpgradeRequired:
    """The 426 error a plain HTTP request to a WebSocket route gets."""
    return UpgradeRequired(UPGRADE_DESCRIPTION, upgrade="websocket")


class WebSocketBadData(ValueError):
    """A message the client sent cannot be used (``receive_json`` of text that
    is not JSON). Uncaught, it closes the connection with 1007 (invalid
    payload data) instead of 1011."""

    code = 1007


class Websocket(WebSocketConnection):
    """The WebSocket connection of the current handler (``erlen.websocket``).

    Protocol: :meth:`accept`, :meth:`receive`, :meth:`send`,
    :meth:`receive_json`, :meth:`send_json`, :meth:`close`, ``async for
    message in websocket``. The handshake: :attr:`path`, :attr:`args`,
    :attr:`headers`, :attr:`cookies`, :attr:`requested_subprotocols`, and
    :attr:`request` for everything else.
    """

    __slots__ = ("app", "request")

    def __init__(self, scope: Scope, receive: Receive, send: Send, request: Request, app: Erlen):
        super().__init__(scope, receive, send)
        #: The handshake request.
        self.request = request
        #: The application serving the connection.
        self.app = app

    #: Raised by :meth:`receive` when the client disconnects.
    WebSocketDisconnect = WebSocketDisconnect

    @property
    def path(self) -> str:
        """The path of the handshake URL, below the app's mount point."""
        return self.request.path

    @property
    def full_path(self) -> str:
        """The path and the query string."""
        return self.request.full_path

    @property
    def url(self) -> str:
        """The full ``ws://`` (or ``wss://``) URL."""
        return self.request.url

    @property
    def host(self) -> str:
        """The host the client connected to."""
        return self.request.host

    @property
    def scheme(self) -> str:
        """``"ws"`` or ``"wss"``."""
        return self.request.scheme

    @property
    def query_string(self) -> bytes:
        """The raw query string."""
        return self.request.query_string

    @property
    def args(self) -> ImmutableMultiDict[str, str]:
        """The query string's parameters."""
        return self.request.args

    @property
    def headers(self) -> Headers:
        """The handshake's headers."""
        return self.request.headers

    @property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies of the handshake."""
        return self.request.cookies

    @property
    def remote_addr(self) -> str | None:
        """The client's address."""
        return self.request.remote_addr

    @property
    def view_args(self) -> dict[str, Any] | None:
        """The URL's converted values."""
        return self.request.view_args

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched route."""
        return self.request.endpoint

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON (with the app's JSON
        provider); text that is not JSON raises :class:`WebSocketBadData`."""
        data = await self.receive()
        try:
            return self.app.json.loads(data)
        except ValueError as e:
            raise WebSocketBadData(f"The WebSocket message is not valid JSON: {e}") from e

    async def send_json(self, obj: Any, **kwargs: Any) -> None:
        """Send ``obj`` as JSON text (with the app's JSON provider)."""
        await self.send(self.app.json.dumps(obj, **kwargs))

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                message = await self.receive()
            except WebSocketDisconnect:
                return
            yield message

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open" if self.accepted else "handshake"
        return f"<Websocket {self.request.path!r} [{state}]>"


class WebsocketContext(RequestContext):
    """The context of one WebSocket connection: a request context for its
    handshake (``request``, ``session``, ``url_for``) that also binds
    ``websocket``."""

    __slots__ = ("_ws_tokens", "websocket")

    is_websocket = True

    def __init__(self, app: Erlen, request: Request, websocket: Websocket) -> None:
        super().__init__(app, request)
        #: The connection.
        self.websocket = websocket
        self._ws_tokens: list[Token[WebsocketContext]] = []

    def _enter(self) -> bool:
        owns_app_ctx = super()._enter()
        self._ws_tokens.append(_cv_websocket.set(self))
        return owns_app_ctx

    def _leave(self) -> bool:
        _cv_websocket.reset(self._ws_tokens.pop())
        return super()._leave()

    def copy(self) -> WebsocketContext:
        """A new context for the same connection (for another task)."""
        ctx = self.__class__(self.app, self.request, self.websocket)
        ctx._session = self._session
        return ctx


_cv_websocket: ContextVar[WebsocketContext] = ContextVar("erlen.websocket_ctx")

_NO_WEBSOCKET_MESSAGE = """\
Working outside of a WebSocket context.

This code needs the current WebSocket connection ('websocket'), which exists
only inside a handler registered with @app.websocket(...) and served over ASGI.\
"""


class _WebsocketProxy(LocalProxy[Websocket]):
    __slots__ = ()

    # Reachable without a connection: `except erlen.websocket.WebSocketDisconnect`
    # (`erlen.websocket` is this proxy; the module shares its name).
    WebSocketDisconnect = WebSocketDisconnect
    UpgradeRequired = UpgradeRequired


#: The current WebSocket connection (a :class:`Websocket`), inside a handler.
websocket: Websocket = _WebsocketProxy(  # type: ignore[assignment]
    _cv_websocket, "websocket", unbound_message=_NO_WEBSOCKET_MESSAGE
)


def current_websocket() -> Websocket:
    """Return the current connection itself, not the ``websocket`` proxy.

    Use it to hand the connection to code that outlives the context or runs
    elsewhere (a task group, a registry of open connections)::

        peers.add(current_websocket())

    Raises :class:`RuntimeError` outside a WebSocket handler.
    """
    ctx = _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(_NO_WEBSOCKET_MESSAGE)
    return ctx.websocket
