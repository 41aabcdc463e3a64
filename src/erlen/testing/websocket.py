"""WebSocket sessions of the ASGI test client.

``client.websocket(path)`` opens a connection to the app's WebSocket route
and returns a :class:`WebSocketTestSession`; the handshake happens when the
``with`` block starts::

    client = app.test_client(asgi=True)
    with client.websocket("/echo", subprotocols=["chat"]) as ws:
        assert ws.accepted_subprotocol == "chat"
        ws.send("hello")
        assert ws.receive() == "hello"

A handshake the app refuses raises :class:`WebSocketDenied` (with the HTTP
status and body); a connection the app closes raises :class:`WebSocketClosed`
(with the close code) from :meth:`~WebSocketTestSession.receive`.

The route may be an ``@app.websocket`` handler or a plain function on a
``websocket=True`` rule that takes the connection itself (Flask-Sock's
routes, served through :mod:`erlen.adapters.wsgi_websocket`).
"""

from __future__ import annotations

import asyncio
import contextvars
import json as _stdlib_json
from collections import deque
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, ClassVar

from erlen.http.datastructures import Headers

from .transports import ASGIMessage, ASGITransport, _decode_headers

__all__ = ["WebSocketClosed", "WebSocketDenied", "WebSocketTestSession"]

#: Close code 1006 (RFC 6455): the connection ended without a close frame.
ABNORMAL_CLOSURE = 1006


class WebSocketClosed(Exception):
    """The app closed the connection (or it ended); ``code`` is the close code."""

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"The WebSocket was closed with code {code}{detail}.")


class WebSocketDenied(Exception):
    """The app refused the handshake.

    ``status_code``, ``headers`` and ``body`` are the HTTP response it sent
    through the ``websocket.http.response`` extension; a close before
    accepting is a 403 with an empty body (and its ``close_code``).
    ``response`` is the same as a :class:`~erlen.testing.TestResponse`.
    """

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        body: bytes,
        response: Any = None,
        *,
        close_code: int | None = None,
        detail: str = "",
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body
        self.response = response
        self.close_code = close_code
        text = f"The WebSocket handshake was denied with HTTP {status_code}"
        if close_code is not None:
            text += f" (the app closed with code {close_code} before accepting)"
        if detail:
            text += f": {detail}"
        elif body:
            text += f": {body[:200].decode('utf-8', 'replace')}"
        super().__init__(text + ".")


class ClientDisconnected(OSError):
    """Raised inside the app when it sends on a connection the client closed
    (ASGI: ``send`` on a closed connection raises an ``OSError``)."""


def _stuck_message() -> str:
    return (
        "The WebSocket app is waiting for a message from the client while the test waits"
        " for one from the app: send() something first (or close())."
    )


class WebSocketTestSession:
    """A WebSocket connection from the test client to the app.

    Made by :meth:`ErlenClient.websocket`; use it in a ``with`` block, which
    performs the handshake on entry and closes the connection (code 1000)
    on exit. ``receive()`` waits at most ``timeout`` seconds (``None``: the
    class default), and fails at once when the app is itself waiting for the
    client.
    """

    #: Seconds ``receive()`` and ``close()`` wait for the app by default.
    timeout: ClassVar[float] = 10.0

    def __init__(
        self,
        transport: ASGITransport,
        scope: dict[str, Any],
        *,
        on_headers: Callable[[list[tuple[str, str]]], None] | None = None,
        make_response: Callable[[int, list[tuple[str, str]], bytes], Any] | None = None,
        json_module: Any = None,
    ) -> None:
        self._transport = transport
        self.scope = scope
        self._on_headers = on_headers
        self._make_response = make_response
        self._json = json_module
        self._inbox: deque[ASGIMessage] = deque([{"type": "websocket.connect"}])
        self._inbox_ready: asyncio.Event | None = None
        self._outbox: deque[ASGIMessage] = deque()
        self._wakeup: asyncio.Future[None] | None = None
        self._receivers: set[asyncio.Task[Any]] = set()
        self._task: asyncio.Task[None] | None = None
        self._state = "connecting"  # -> "open" | "denied"; closing sets the flags below
        self._client_closed = False
        self._client_close_code = 1000
        self._close_code: int | None = None
        self._close_reason = ""
        self._error_raised = False
        #: The subprotocol the app accepted, or None.
        self.accepted_subprotocol: str | None = None
        #: Headers the app sent with its ``websocket.accept``.
        self.headers = Headers()

    # -- the app's side ----------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._wakeup
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _push(self, message: ASGIMessage) -> None:
        self._inbox.append(message)
        if self._inbox_ready is not None:
            self._inbox_ready.set()

    async def _app_receive(self) -> ASGIMessage:
        while not self._inbox:
            if self._client_closed:
                # Asked again after the disconnect: the connection stays gone.
                return {"type": "websocket.disconnect", "code": self._client_close_code}
            if self._inbox_ready is None:
                self._inbox_ready = asyncio.Event()
            self._inbox_ready.clear()
            task = asyncio.current_task()
            if task is not None:
                self._receivers.add(task)
            self._wake()
            try:
                await self._inbox_ready.wait()
            finally:
                if task is not None:
                    self._receivers.discard(task)
        return self._inbox.popleft()

    async def _app_send(self, message: ASGIMessage) -> None:
        kind = message.get("type")
        if self._client_closed or self._state == "closed":
            raise ClientDisconnected(f"Cannot send {kind!r}: the WebSocket connection is closed.")
        if self._state == "connecting":
            allowed: tuple[str, ...] = (
                "websocket.accept",
                "websocket.close",
                "websocket.http.response.start",
            )
        elif self._state == "denying":
            allowed = ("websocket.http.response.body",)
        else:
            allowed = ("websocket.send", "websocket.close")
        if kind not in allowed:
            raise RuntimeError(
                f"Unexpected ASGI message {kind!r} on a WebSocket in state"
                f" {self._state!r}; expected one of {', '.join(allowed)}."
            )
        if kind == "websocket.send":
            text, data = message.get("text"), message.get("bytes")
            if (text is None) == (data is None):
                raise TypeError("'websocket.send' needs exactly one of 'text' and 'bytes'.")
        elif kind == "websocket.accept":
            self._state = "open"
        elif kind == "websocket.http.response.start":
            self._state = "denying"
        elif kind == "websocket.close" or (
            kind == "websocket.http.response.body" and not message.get("more_body", False)
        ):
            self._state = "closed"
        self._outbox.append(dict(message))
        self._wake()

    # -- driving the loop -----------------------------------------------------------

    def _stuck(self) -> bool:
        """True when every task on the loop waits for the client."""
        if self._inbox or not self._receivers:
            return False
        current = asyncio.current_task()
        lifespan = self._transport.lifespan_task
        others = {t for t in asyncio.all_tasks() if t is not current and t is not lifespan}
        return others <= self._receivers

    async def _next(self, timeout: float | None) -> ASGIMessage | None:
        """The next message from the app, or None when the app has finished."""
        loop = asyncio.get_running_loop()
        limit = self.timeout if timeout is None else timeout
        deadline = loop.time() + limit
        task = self._task
        assert task is not None
        while True:
            if self._outbox:
                return self._outbox.popleft()
            if task.done():
                return None
            if self._stuck():
                raise RuntimeError(_stuck_message())
            waiter = self._wakeup = loop.create_future()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"The WebSocket app sent nothing within {limit} seconds.")
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                raise TimeoutError(
                    f"The WebSocket app sent nothing within {limit} seconds."
                ) from None
            finally:
                self._wakeup = None

    async def _finish(self, timeout: float) -> None:
        """Let the app end (cancelling it after ``timeout`` seconds)."""
        task = self._task
        assert task is not None
        if not task.done():
            await asyncio.wait({task}, timeout=timeout)
        if not task.done():
            task.cancel()
            await asyncio.wait({task})

    def _run(self, coro: Any) -> Any:
        return self._transport.run(coro)

    def _app_error(self) -> BaseException | None:
        task = self._task
        if task is None or not task.done() or task.cancelled():
            return None
        error = task.exception()
        if error is None or isinstance(error, ClientDisconnected):
            return None
        return error

    def _raise_app_error(self) -> None:
        error = self._app_error()
        if error is not None and not self._error_raised:
            self._error_raised = True
            raise error

    # -- the test's side ------------------------------------------------------------

    def __enter__(self) -> WebSocketTestSession:
        async def start() -> None:
            self._task = asyncio.get_running_loop().create_task(
                self._transport.app(self.scope, self._app_receive, self._app_send),
                context=contextvars.copy_context(),
            )
            self._task.add_done_callback(lambda _: self._wake())

        self._run(start())
        self._handshake()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            # Do not hide the test's own exception behind one from the app.
            self._error_raised = True
        self.close()

    def _handshake(self) -> None:
        message = self._run(self._next(None))
        if message is None:
            self._raise_app_error()
            self._state = "closed"
            raise self._denied(
                500, [], b"", detail="the application ended without accepting the connection"
            )
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            raw = _decode_headers(message.get("headers"))
            self.headers = Headers(raw)
            if self._on_headers is not None:
                self._on_headers(raw)
            return
        if kind == "websocket.close":
            self._end_denied()
            raise self._denied(403, [], b"", close_code=int(message.get("code", 1000)))
        # websocket.http.response.start: the denial response, then its body.
        status = int(message.get("status", 403))
        headers = _decode_headers(message.get("headers"))
        body = bytearray()
        while True:
            part = self._run(self._next(None))
            if part is None:
                break
            body += part.get("body", b"")
            if not part.get("more_body", False):
                break
        if self._on_headers is not None:
            self._on_headers(headers)
        self._end_denied()
        raise self._denied(status, headers, bytes(body))

    def _end_denied(self) -> None:
        self._state = "closed"
        self._client_closed = True
        self._client_close_code = ABNORMAL_CLOSURE
        self._push({"type": "websocket.disconnect", "code": ABNORMAL_CLOSURE})
        self._run(self._finish(self.timeout))
        self._raise_app_error()

    def _denied(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        close_code: int | None = None,
        detail: str = "",
    ) -> WebSocketDenied:
        response = None
        if self._make_response is not None:
            response = self._make_response(status, headers, body)
        return WebSocketDenied(
            status, Headers(headers), body, response, close_code=close_code, detail=detail
        )

    def _check_sendable(self) -> None:
        if self._client_closed:
            raise RuntimeError("This WebSocket session is closed.")
        if self._close_code is not None:
            raise WebSocketClosed(self._close_code, self._close_reason)

    def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        self._check_sendable()
        if isinstance(data, str):
            self._push({"type": "websocket.receive", "text": data, "bytes": None})
        elif isinstance(data, bytes | bytearray | memoryview):
            self._push({"type": "websocket.receive", "bytes": bytes(data), "text": None})
        else:
            raise TypeError(
                f"send() takes str or bytes, not {type(data).__name__}; use send_json()"
                " for other data."
            )

    def send_json(self, data: Any) -> None:
        """Send ``data`` serialised as JSON in a text message."""
        if self._json is not None:
            self.send(str(self._json.dumps(data)))
        else:
            self.send(_stdlib_json.dumps(data))

    def receive(self, timeout: float | None = None) -> str | bytes:
        """Wait for the app's next message: ``str`` for text, ``bytes`` for binary.

        Raises :class:`WebSocketClosed` (with the code) once the app closed the
        connection, and the app's own exception if it failed.
        """
        if self._client_closed:
            raise RuntimeError("This WebSocket session is closed.")
        if self._close_code is not None:
            raise WebSocketClosed(self._close_code, self._close_reason)
        message = self._run(self._next(timeout))
        if message is None:
            self._raise_app_error()
            self._close_code = ABNORMAL_CLOSURE
            self._close_reason = "the application ended without closing the connection"
            raise WebSocketClosed(self._close_code, self._close_reason)
        if message["type"] == "websocket.close":
            self._close_code = int(message.get("code") or 1000)
            self._close_reason = str(message.get("reason") or "")
            # The closing handshake ends the connection: the app's receive()
            # now reports it, and an error it closed for (1011) is raised here.
            self._push({"type": "websocket.disconnect", "code": self._close_code})
            self._run(self._finish(self.timeout))
            self._raise_app_error()
            raise WebSocketClosed(self._close_code, self._close_reason)
        text = message.get("text")
        if text is not None:
            return str(text)
        return bytes(message["bytes"])

    def receive_json(self, timeout: float | None = None) -> Any:
        """Wait for the app's next message and parse it as JSON."""
        data = self.receive(timeout)
        if self._json is not None:
            return self._json.loads(data)
        return _stdlib_json.loads(data)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` and wait for the app to finish.

        The app's ``receive()`` gets ``websocket.disconnect``. An exception the
        app raised (and that was not raised to the test yet) is raised here.
        """
        if not self._client_closed:
            self._client_closed = True
            self._client_close_code = code
            if self._task is not None:
                self._push({"type": "websocket.disconnect", "code": code, "reason": reason})
                self._run(self._finish(self.timeout))
            self._outbox.clear()
        self._raise_app_error()

    @property
    def closed(self) -> bool:
        """Whether the session is over (closed by either side)."""
        return self._client_closed or self._close_code is not None

    @property
    def close_code(self) -> int | None:
        """The code the app closed the connection with, once seen."""
        return self._close_code

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.scope.get('path')!r} {self._state}>"


def websocket_handshake_headers(key: str, subprotocols: list[str] | None) -> Mapping[str, str]:
    """The headers a browser sends to open a WebSocket."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    if subprotocols:
        headers["Sec-WebSocket-Protocol"] = ", ".join(subprotocols)
    return headers
